//! Safety invariants, checked by the core itself after each step (cheap, incremental) and on demand
//! (whole-cluster). The names follow Kafka's own simulation test where one exists.

use crate::protocol::event::TraceKind;
use crate::protocol::metadata::Image;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, Time};
use crate::sim::SimNode;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub time_ms: Time,
    pub invariant: &'static str,
    pub detail: String,
}

/// How many violations are kept (a broken run tends to repeat itself).
const MAX_VIOLATIONS: usize = 100;

#[derive(Clone, Debug)]
pub struct Checker {
    voters: usize,
    leaders: BTreeMap<Epoch, NodeId>,
    epochs: BTreeMap<NodeId, Epoch>,
    /// Each node's known HW while it stays up (forgotten on crash).
    hws: BTreeMap<NodeId, Offset>,
    max_leader_hw: Offset,
    /// The committed prefix as runs of (epoch, first offset), and its length.
    committed: Vec<(Epoch, Offset)>,
    committed_len: Offset,
    /// (epoch of the node that extended the committed prefix, prefix length then).
    commit_marks: Vec<(Epoch, Offset)>,
    violations: Vec<Violation>,
}

impl Checker {
    pub fn new(voters: usize) -> Self {
        Checker {
            voters,
            leaders: BTreeMap::new(),
            epochs: BTreeMap::new(),
            hws: BTreeMap::new(),
            max_leader_hw: 0,
            committed: Vec::new(),
            committed_len: 0,
            commit_marks: Vec::new(),
            violations: Vec::new(),
        }
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Epoch of the committed entry at `offset`, if that offset is known committed.
    pub fn committed_epoch(&self, offset: Offset) -> Option<Epoch> {
        if offset >= self.committed_len {
            return None;
        }
        let i = self.committed.partition_point(|(_, s)| *s <= offset);
        self.committed.get(i.wrapping_sub(1)).map(|(e, _)| *e)
    }

    fn push_committed(&mut self, epoch: Epoch) {
        if self.committed.last().map(|(e, _)| *e) != Some(epoch) {
            self.committed.push((epoch, self.committed_len));
        }
        self.committed_len += 1;
    }

    fn report(
        &mut self,
        found: &mut Vec<Violation>,
        time_ms: Time,
        invariant: &'static str,
        detail: String,
    ) {
        let v = Violation {
            time_ms,
            invariant,
            detail,
        };
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(v.clone());
        }
        found.push(v);
    }

    /// Checks what one step did. Returns the violations it found.
    pub fn observe(
        &mut self,
        now: Time,
        events: &[TraceKind],
        nodes: &[SimNode],
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        let find = |id: NodeId| nodes.iter().find(|n| n.node.id == id);
        for ev in events {
            match ev {
                TraceKind::Role {
                    node, to, epoch, ..
                } => {
                    let prev = self.epochs.insert(*node, *epoch).unwrap_or(0);
                    if *epoch < prev {
                        self.report(
                            &mut found,
                            now,
                            "MonotonicEpoch",
                            format!("node {node} went from epoch {prev} back to {epoch}"),
                        );
                    }
                    if *to == Role::Leader {
                        if let Some(other) =
                            self.leaders.insert(*epoch, *node).filter(|o| o != node)
                        {
                            self.report(
                                &mut found,
                                now,
                                "SingleLeader",
                                format!("nodes {other} and {node} both led epoch {epoch}"),
                            );
                        }
                        if let Some(n) = find(*node) {
                            self.check_leader_completeness(now, n, &mut found);
                        }
                    }
                }
                TraceKind::HighWatermark { node, hw } => {
                    if let Some(n) = find(*node) {
                        self.check_hw(now, n, *hw, &mut found);
                    }
                }
                TraceKind::Truncate {
                    node,
                    to,
                    first_removed_epoch,
                    ..
                } => {
                    if self.committed_epoch(*to) == Some(*first_removed_epoch) {
                        self.report(
                            &mut found,
                            now,
                            "ConsistentCommittedData",
                            format!("node {node} truncated committed entry at offset {to} (epoch {first_removed_epoch})"),
                        );
                    }
                    if let Some(hw) = self.hws.get(node).filter(|hw| **hw > *to) {
                        self.report(
                            &mut found,
                            now,
                            "NoTruncationBelowHighWatermark",
                            format!("node {node} truncated to {to}, below its high watermark {hw}"),
                        );
                    }
                }
                TraceKind::SnapshotTaken { node, id } => {
                    if let Some(n) = find(*node) {
                        if n.node.high_watermark().is_none_or(|hw| id.end_offset > hw) {
                            self.report(
                                &mut found,
                                now,
                                "SnapshotCommitted",
                                format!("node {node} snapshot at {} passes its HW", id.end_offset),
                            );
                        }
                        if id.end_offset < n.node.log().start_offset() {
                            self.report(
                                &mut found,
                                now,
                                "SnapshotAtLogStart",
                                format!("node {node} snapshot ends before its log start"),
                            );
                        }
                    }
                }
                TraceKind::SnapshotLoaded { node, .. }
                    if find(*node).is_some_and(|n| n.node.role() == Role::Leader) =>
                {
                    self.report(
                        &mut found,
                        now,
                        "LeaderNeverLoadSnapshot",
                        format!("leader {node} loaded a snapshot"),
                    );
                }
                TraceKind::Crash { node } => {
                    self.hws.remove(node);
                }
                _ => {}
            }
        }
        found
    }

    fn check_hw(&mut self, now: Time, n: &SimNode, hw: Offset, found: &mut Vec<Violation>) {
        let id = n.node.id;
        let log = n.node.log();
        let prev = self.hws.insert(id, hw);
        if prev.is_some_and(|p| p > hw) {
            self.report(
                found,
                now,
                "MonotonicHighWatermark",
                format!("node {id} HW went from {} down to {hw}", prev.unwrap_or(0)),
            );
        }
        // As in Kafka's simulation test, the HW of the current leader (the newest epoch) never goes
        // back; a stale leader of an older epoch (say, one waking from a pause) may lag behind it.
        let newest_leader_epoch = self.leaders.keys().next_back().copied().unwrap_or(0);
        if n.node.role() == Role::Leader && n.node.epoch() >= newest_leader_epoch {
            if hw < self.max_leader_hw {
                self.report(
                    found,
                    now,
                    "MonotonicHighWatermark",
                    format!(
                        "leader {id} reports HW {hw}, below the {} an earlier leader reported",
                        self.max_leader_hw
                    ),
                );
            }
            self.max_leader_hw = self.max_leader_hw.max(hw);
        }
        // Committed data: every offset this node now calls committed matches the committed prefix.
        let from = prev.unwrap_or(0).max(log.start_offset());
        for o in from..hw {
            let Some(e) = log.epoch_at(o) else { break };
            match self.committed_epoch(o) {
                Some(c) if c != e => {
                    self.report(
                        found,
                        now,
                        "ConsistentCommittedData",
                        format!("node {id} commits offset {o} in epoch {e}, but epoch {c} was committed there"),
                    );
                    break;
                }
                Some(_) => {}
                None if o == self.committed_len => self.push_committed(e),
                None => break,
            }
        }
        let epoch = n.node.epoch();
        match self.commit_marks.last_mut() {
            Some((e, len)) if *e == epoch => *len = (*len).max(self.committed_len),
            _ => self.commit_marks.push((epoch, self.committed_len)),
        }
        let _ = self.voters;
    }

    /// Every committed entry must be in a new leader's log with the same epoch.
    fn check_leader_completeness(&mut self, now: Time, n: &SimNode, found: &mut Vec<Violation>) {
        let log = n.node.log();
        let id = n.node.id;
        let epoch = n.node.epoch();
        // Only what was committed in earlier epochs binds this leader: a stale leader of an older
        // epoch (say, one that won before a pause) may lag behind what newer epochs committed.
        let required = self
            .commit_marks
            .iter()
            .filter(|(e, _)| *e < epoch)
            .map(|(_, len)| *len)
            .max()
            .unwrap_or(0);
        if log.end_offset() < required {
            self.report(
                found,
                now,
                "LeaderCompleteness",
                format!(
                    "new leader {id} of epoch {epoch} ends at {} but {required} entries were committed before",
                    log.end_offset()
                ),
            );
            return;
        }
        for o in log.start_offset()..required {
            if log.epoch_at(o) != self.committed_epoch(o) {
                self.report(
                    found,
                    now,
                    "LeaderCompleteness",
                    format!("new leader {id} lacks committed entry {o}"),
                );
                return;
            }
        }
    }

    /// Whole-cluster checks: log matching across nodes, the leader's HW held by a majority, and
    /// every image equal to the replay of the committed log prefix the node holds.
    pub fn full_check(&mut self, now: Time, nodes: &[SimNode]) -> Vec<Violation> {
        let mut found = Vec::new();
        let controllers: Vec<&SimNode> = nodes.iter().filter(|n| n.node.is_voter()).collect();
        for (i, a) in nodes.iter().enumerate() {
            for b in &nodes[i + 1..] {
                if let Some(o) = log_matching_breaks(a, b) {
                    self.report(
                        &mut found,
                        now,
                        "LogMatching",
                        format!(
                            "nodes {} and {} agree at an offset but differ at {o} before it",
                            a.node.id, b.node.id
                        ),
                    );
                }
            }
        }
        // The current leader (newest epoch): its HW must be held by a majority of voters. An
        // offset a voter has already folded into its snapshot counts as held.
        let newest = controllers
            .iter()
            .filter(|n| n.alive && n.node.role() == Role::Leader)
            .max_by_key(|n| n.node.epoch());
        if let Some(l) = newest {
            if let Some(hw) = l.node.high_watermark().filter(|hw| *hw > 0) {
                let epoch = l.node.log().epoch_at(hw - 1);
                let holds = |n: &&&SimNode| {
                    let log = n.node.log();
                    log.end_offset() >= hw
                        && (hw < log.start_offset() || log.epoch_at(hw - 1) == epoch)
                };
                let holders = controllers.iter().filter(holds).count();
                if holders < controllers.len() / 2 + 1 {
                    self.report(
                        &mut found,
                        now,
                        "MajorityReachedHighWatermark",
                        format!("leader {} HW {hw} is held by {holders} voters", l.node.id),
                    );
                }
            }
        }
        for n in nodes.iter().filter(|n| n.alive) {
            let replayed = replay_image(n);
            if replayed.as_ref() != Some(n.node.image()) {
                self.report(
                    &mut found,
                    now,
                    "ImageMatchesCommittedLog",
                    format!(
                        "node {} image differs from the replay of its log",
                        n.node.id
                    ),
                );
            }
        }
        found
    }
}

/// The first offset where two logs disagree below an offset where they agree, if any.
fn log_matching_breaks(a: &SimNode, b: &SimNode) -> Option<Offset> {
    let (la, lb) = (a.node.log(), b.node.log());
    let lo = la.start_offset().max(lb.start_offset());
    let hi = la.end_offset().min(lb.end_offset());
    // The highest offset both hold with the same epoch…
    let agree = (lo..hi)
        .rev()
        .find(|o| la.epoch_at(*o) == lb.epoch_at(*o))?;
    // …must have everything before it (that both still hold) the same.
    (lo..agree).find(|o| la.epoch_at(*o) != lb.epoch_at(*o))
}

/// The image a node should have: its snapshot at the log start plus the log up to what it applied.
fn replay_image(n: &SimNode) -> Option<Image> {
    let log = n.node.log();
    let applied = n.node.image().applied_offset;
    let mut image = match log
        .snapshots()
        .rfind(|s| s.id.end_offset <= applied.max(log.start_offset()))
    {
        Some(s) if s.id.end_offset >= log.start_offset() => s.image.clone(),
        _ if log.start_offset() == 0 => Image::default(),
        _ => return Some(n.node.image().clone()),
    };
    let from = image.applied_offset;
    for o in from..applied {
        image.apply(log.entry(o)?);
    }
    Some(image)
}
