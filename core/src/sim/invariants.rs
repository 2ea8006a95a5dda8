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
    /// The breach in English (what the CLI prints).
    pub detail: String,
    /// The same facts, typed, for the page to say in the learner's language.
    #[serde(skip)]
    pub breach: Breach,
}

/// What exactly broke a rule: the nodes, epochs and offsets involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Breach {
    EpochWentBack {
        node: NodeId,
        from: Epoch,
        to: Epoch,
    },
    TwoLeaders {
        first: NodeId,
        second: NodeId,
        epoch: Epoch,
    },
    TruncatedCommitted {
        node: NodeId,
        offset: Offset,
        epoch: Epoch,
    },
    TruncatedBelowHw {
        node: NodeId,
        to: Offset,
        hw: Offset,
    },
    SnapshotPastHw {
        node: NodeId,
        end_offset: Offset,
    },
    SnapshotBeforeLogStart {
        node: NodeId,
    },
    LeaderLoadedSnapshot {
        node: NodeId,
    },
    HwWentBack {
        node: NodeId,
        from: Offset,
        to: Offset,
    },
    LeaderHwBelowEarlier {
        node: NodeId,
        hw: Offset,
        earlier: Offset,
    },
    CommittedDiffers {
        node: NodeId,
        offset: Offset,
        epoch: Epoch,
        committed_epoch: Epoch,
    },
    HwNotOnMajority {
        node: NodeId,
        hw: Offset,
        holders: usize,
    },
    LeaderTooShort {
        node: NodeId,
        epoch: Epoch,
        end: Offset,
        required: Offset,
    },
    LeaderLacksEntry {
        node: NodeId,
        offset: Offset,
    },
    LogsDiverge {
        a: NodeId,
        b: NodeId,
        offset: Offset,
    },
    ImageDiffers {
        node: NodeId,
    },
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::EpochWentBack { node, from, to } => {
                write!(f, "node {node} went from epoch {from} back to {to}")
            }
            Breach::TwoLeaders { first, second, epoch } => {
                write!(f, "nodes {first} and {second} both led epoch {epoch}")
            }
            Breach::TruncatedCommitted { node, offset, epoch } => write!(
                f,
                "node {node} truncated committed entry at offset {offset} (epoch {epoch})"
            ),
            Breach::TruncatedBelowHw { node, to, hw } => {
                write!(f, "node {node} truncated to {to}, below its high watermark {hw}")
            }
            Breach::SnapshotPastHw { node, end_offset } => {
                write!(f, "node {node} snapshot at {end_offset} passes its HW")
            }
            Breach::SnapshotBeforeLogStart { node } => {
                write!(f, "node {node} snapshot ends before its log start")
            }
            Breach::LeaderLoadedSnapshot { node } => write!(f, "leader {node} loaded a snapshot"),
            Breach::HwWentBack { node, from, to } => {
                write!(f, "node {node} HW went from {from} down to {to}")
            }
            Breach::LeaderHwBelowEarlier { node, hw, earlier } => write!(
                f,
                "leader {node} reports HW {hw}, below the {earlier} an earlier leader reported"
            ),
            Breach::CommittedDiffers {
                node,
                offset,
                epoch,
                committed_epoch,
            } => write!(
                f,
                "node {node} commits offset {offset} in epoch {epoch}, but epoch {committed_epoch} was committed there"
            ),
            Breach::HwNotOnMajority { node, hw, holders } => {
                write!(f, "leader {node} HW {hw} is held by {holders} voters")
            }
            Breach::LeaderTooShort {
                node,
                epoch,
                end,
                required,
            } => write!(
                f,
                "new leader {node} of epoch {epoch} ends at {end} but {required} entries were committed before"
            ),
            Breach::LeaderLacksEntry { node, offset } => {
                write!(f, "new leader {node} lacks committed entry {offset}")
            }
            Breach::LogsDiverge { a, b, offset } => write!(
                f,
                "nodes {a} and {b} agree at an offset but differ at {offset} before it"
            ),
            Breach::ImageDiffers { node } => {
                write!(f, "node {node} image differs from the replay of its log")
            }
        }
    }
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
    /// Completeness obligations: for each epoch, the highest HW a node in that epoch has known
    /// (within the committed prefix). A leader of a later epoch must hold that much.
    commit_marks: BTreeMap<Epoch, Offset>,
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
            commit_marks: BTreeMap::new(),
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
        breach: Breach,
    ) {
        let v = Violation {
            time_ms,
            invariant,
            detail: breach.to_string(),
            breach,
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
                            Breach::EpochWentBack {
                                node: *node,
                                from: prev,
                                to: *epoch,
                            },
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
                                Breach::TwoLeaders {
                                    first: other,
                                    second: *node,
                                    epoch: *epoch,
                                },
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
                        if n.node.role() == Role::Leader {
                            self.check_majority_holds_hw(now, nodes, &mut found);
                        }
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
                            Breach::TruncatedCommitted {
                                node: *node,
                                offset: *to,
                                epoch: *first_removed_epoch,
                            },
                        );
                    }
                    if let Some(hw) = self.hws.get(node).filter(|hw| **hw > *to) {
                        self.report(
                            &mut found,
                            now,
                            "NoTruncationBelowHighWatermark",
                            Breach::TruncatedBelowHw {
                                node: *node,
                                to: *to,
                                hw: *hw,
                            },
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
                                Breach::SnapshotPastHw {
                                    node: *node,
                                    end_offset: id.end_offset,
                                },
                            );
                        }
                        if id.end_offset < n.node.log().start_offset() {
                            self.report(
                                &mut found,
                                now,
                                "SnapshotAtLogStart",
                                Breach::SnapshotBeforeLogStart { node: *node },
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
                        Breach::LeaderLoadedSnapshot { node: *node },
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
                Breach::HwWentBack {
                    node: id,
                    from: prev.unwrap_or(0),
                    to: hw,
                },
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
                    Breach::LeaderHwBelowEarlier {
                        node: id,
                        hw,
                        earlier: self.max_leader_hw,
                    },
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
                        Breach::CommittedDiffers {
                            node: id,
                            offset: o,
                            epoch: e,
                            committed_epoch: c,
                        },
                    );
                    break;
                }
                Some(_) => {}
                None if o == self.committed_len => self.push_committed(e),
                None => break,
            }
        }
        // This node's own obligation: what it knows committed, in its own epoch. (Recording the
        // whole committed prefix under a stale node's epoch would bind leaders it never bound.)
        let known = hw.min(self.committed_len);
        let mark = self.commit_marks.entry(n.node.epoch()).or_insert(0);
        *mark = (*mark).max(known);
        let _ = self.voters;
    }

    /// The current leader (newest epoch): its HW must be held by a majority of voters. An offset a
    /// voter has already folded into its snapshot counts as held. Cheap: run on every HW move.
    fn check_majority_holds_hw(
        &mut self,
        now: Time,
        nodes: &[SimNode],
        found: &mut Vec<Violation>,
    ) {
        let voters: Vec<&SimNode> = nodes.iter().filter(|n| n.node.is_voter()).collect();
        let newest = voters
            .iter()
            .filter(|n| n.alive && n.node.role() == Role::Leader)
            .max_by_key(|n| n.node.epoch());
        let Some(l) = newest else {
            return;
        };
        let Some(hw) = l.node.high_watermark().filter(|hw| *hw > 0) else {
            return;
        };
        let epoch = l.node.log().epoch_at(hw - 1);
        let holds = |n: &&&SimNode| {
            let log = n.node.log();
            log.end_offset() >= hw && (hw < log.start_offset() || log.epoch_at(hw - 1) == epoch)
        };
        let holders = voters.iter().filter(holds).count();
        if holders < voters.len() / 2 + 1 {
            let id = l.node.id;
            self.report(
                found,
                now,
                "MajorityReachedHighWatermark",
                Breach::HwNotOnMajority {
                    node: id,
                    hw,
                    holders,
                },
            );
        }
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
            .range(..epoch)
            .map(|(_, len)| *len)
            .max()
            .unwrap_or(0);
        if log.end_offset() < required {
            self.report(
                found,
                now,
                "LeaderCompleteness",
                Breach::LeaderTooShort {
                    node: id,
                    epoch,
                    end: log.end_offset(),
                    required,
                },
            );
            return;
        }
        for o in log.start_offset()..required {
            if log.epoch_at(o) != self.committed_epoch(o) {
                self.report(
                    found,
                    now,
                    "LeaderCompleteness",
                    Breach::LeaderLacksEntry {
                        node: id,
                        offset: o,
                    },
                );
                return;
            }
        }
    }

    /// Whole-cluster checks: log matching across nodes, the leader's HW held by a majority, and
    /// every image equal to the replay of the committed log prefix the node holds.
    pub fn full_check(&mut self, now: Time, nodes: &[SimNode]) -> Vec<Violation> {
        let mut found = Vec::new();
        for (i, a) in nodes.iter().enumerate() {
            for b in &nodes[i + 1..] {
                if let Some(o) = log_matching_breaks(a, b) {
                    self.report(
                        &mut found,
                        now,
                        "LogMatching",
                        Breach::LogsDiverge {
                            a: a.node.id,
                            b: b.node.id,
                            offset: o,
                        },
                    );
                }
            }
        }
        self.check_majority_holds_hw(now, nodes, &mut found);
        for n in nodes.iter().filter(|n| n.alive) {
            let replayed = replay_image(n);
            if replayed.as_ref() != Some(n.node.image()) {
                self.report(
                    &mut found,
                    now,
                    "ImageMatchesCommittedLog",
                    Breach::ImageDiffers { node: n.node.id },
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

/// Every invariant can fire: each test hands the checker a state or a step that breaks exactly
/// one rule and expects it named. (An invariant that cannot fire checks nothing.)
#[cfg(test)]
mod every_invariant_fires {
    use super::*;
    use crate::protocol::config::Config;
    use crate::protocol::event::{RoleReason, TruncateReason};
    use crate::protocol::log::{Log, Snapshot};
    use crate::protocol::node::{Durable, Effects, Identity, Node, NodeKind, QuorumState};
    use crate::protocol::types::SnapshotId;
    use rand::SeedableRng;
    use std::rc::Rc;

    /// Controller `id` of voters 1-3 with this log, restarted from disk; role and HW set by hand.
    fn node(id: NodeId, epoch: Epoch, log: &[Epoch], role: Role, hw: Option<Offset>) -> SimNode {
        let durable = Durable {
            quorum: QuorumState {
                epoch,
                voted_for: None,
                leader: None,
            },
            log: Log::from_epochs(log),
            ..Default::default()
        };
        let identity = Identity {
            id,
            kind: NodeKind::Controller,
            cfg: Rc::new(Config::default()),
            voters: vec![1, 2, 3].into(),
        };
        let rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
        let mut n = Node::start(identity, durable, rng, 0, &mut Effects::default());
        n.role = role;
        n.hw = hw;
        SimNode::running(n)
    }

    fn role(node: NodeId, to: Role, epoch: Epoch) -> TraceKind {
        TraceKind::Role {
            node,
            from: Role::Candidate,
            to,
            epoch,
            leader: Some(node),
            reason: RoleReason::WonElection,
        }
    }

    /// A checker that has seen node 1 commit offsets 0-2 (epochs 1, 1, 2).
    fn committed_0_to_2() -> (Checker, [SimNode; 1]) {
        let nodes = [node(1, 2, &[1, 1, 2], Role::Follower, Some(3))];
        let mut c = Checker::new(3);
        c.observe(0, &[TraceKind::HighWatermark { node: 1, hw: 3 }], &nodes);
        (c, nodes)
    }

    fn names(found: &[Violation]) -> Vec<&'static str> {
        found.iter().map(|v| v.invariant).collect()
    }

    #[test]
    fn single_leader() {
        let nodes = [
            node(1, 3, &[3], Role::Leader, None),
            node(2, 3, &[3], Role::Leader, None),
        ];
        let mut c = Checker::new(3);
        assert!(c.observe(0, &[role(1, Role::Leader, 3)], &nodes).is_empty());
        let found = c.observe(1, &[role(2, Role::Leader, 3)], &nodes);
        assert_eq!(names(&found), vec!["SingleLeader"]);
    }

    #[test]
    fn monotonic_epoch() {
        let nodes = [node(1, 3, &[], Role::Follower, None)];
        let mut c = Checker::new(3);
        c.observe(0, &[role(1, Role::Follower, 3)], &nodes);
        let found = c.observe(1, &[role(1, Role::Follower, 2)], &nodes);
        assert_eq!(names(&found), vec!["MonotonicEpoch"]);
    }

    #[test]
    fn monotonic_high_watermark() {
        let mut nodes = [node(1, 2, &[1, 2, 2], Role::Follower, Some(3))];
        let mut c = Checker::new(3);
        c.observe(0, &[TraceKind::HighWatermark { node: 1, hw: 3 }], &nodes);
        nodes[0].node.hw = Some(2);
        let found = c.observe(1, &[TraceKind::HighWatermark { node: 1, hw: 2 }], &nodes);
        assert_eq!(names(&found), vec!["MonotonicHighWatermark"]);
    }

    #[test]
    fn consistent_committed_data_and_no_truncation_below_the_hw() {
        let (mut c, nodes) = committed_0_to_2();
        let truncate = TraceKind::Truncate {
            node: 1,
            to: 1,
            removed: 2,
            first_removed_epoch: 1,
            reason: TruncateReason::DivergingEpoch,
        };
        let found = c.observe(1, &[truncate], &nodes);
        assert_eq!(
            names(&found),
            vec!["ConsistentCommittedData", "NoTruncationBelowHighWatermark"]
        );
        // Another node committing a different epoch at a committed offset.
        let other = [node(2, 3, &[1, 3, 3], Role::Follower, Some(2))];
        let found = c.observe(2, &[TraceKind::HighWatermark { node: 2, hw: 2 }], &other);
        assert_eq!(names(&found), vec!["ConsistentCommittedData"]);
    }

    #[test]
    fn leader_completeness() {
        let (mut c, _) = committed_0_to_2();
        // A leader of a later epoch that lacks what was committed before it.
        let short = [node(2, 3, &[1], Role::Leader, None)];
        let found = c.observe(1, &[role(2, Role::Leader, 3)], &short);
        assert_eq!(names(&found), vec!["LeaderCompleteness"]);
    }

    #[test]
    fn snapshot_committed_and_snapshot_at_log_start() {
        let mut n = node(1, 2, &[1, 1, 2, 2], Role::Follower, Some(1));
        n.node.durable.log.add_snapshot(Snapshot {
            id: SnapshotId {
                end_offset: 3,
                epoch: 2,
            },
            image: Image::default(),
        });
        n.node.durable.log.clean(0);
        let taken = |end_offset| TraceKind::SnapshotTaken {
            node: 1,
            id: SnapshotId {
                end_offset,
                epoch: 2,
            },
        };
        let mut c = Checker::new(3);
        let nodes = [n];
        // Past its HW (1): not committed yet.
        assert_eq!(
            names(&c.observe(0, &[taken(3)], &nodes)),
            vec!["SnapshotCommitted"]
        );
        // Below its log start (3): it stands for nothing the log does not already start after.
        let found = c.observe(1, &[taken(1)], &nodes);
        assert_eq!(names(&found), vec!["SnapshotAtLogStart"]);
    }

    #[test]
    fn leader_never_loads_a_snapshot() {
        let nodes = [node(1, 2, &[2], Role::Leader, None)];
        let loaded = TraceKind::SnapshotLoaded {
            node: 1,
            id: SnapshotId {
                end_offset: 1,
                epoch: 2,
            },
            from: 2,
        };
        let found = Checker::new(3).observe(0, &[loaded], &nodes);
        assert_eq!(names(&found), vec!["LeaderNeverLoadSnapshot"]);
    }

    #[test]
    fn log_matching() {
        // Same (offset 2, epoch 3), different epochs below it.
        let nodes = [
            node(1, 3, &[1, 1, 3], Role::Follower, None),
            node(2, 3, &[1, 2, 3], Role::Follower, None),
        ];
        let found = Checker::new(3).full_check(0, &nodes);
        assert_eq!(names(&found), vec!["LogMatching"]);
    }

    #[test]
    fn majority_reached_high_watermark_on_every_hw_move_and_in_the_whole_check() {
        // The leader's HW 3 is on its own log only.
        let nodes = [
            node(1, 2, &[2, 2, 2], Role::Leader, Some(3)),
            node(2, 2, &[2], Role::Follower, None),
            node(3, 2, &[2], Role::Follower, None),
        ];
        let moved = TraceKind::HighWatermark { node: 1, hw: 3 };
        let found = Checker::new(3).observe(0, &[moved], &nodes);
        assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
        let found = Checker::new(3).full_check(0, &nodes);
        assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
    }

    #[test]
    fn image_matches_committed_log() {
        let mut n = node(1, 2, &[2], Role::Follower, None);
        // Claims to have applied a record its log does not replay to.
        n.node.image.applied_offset = 1;
        n.node.image.brokers.insert(
            101,
            crate::protocol::metadata::BrokerState {
                id: 101,
                epoch: 0,
                fenced: false,
                incarnation: 1,
            },
        );
        let found = Checker::new(3).full_check(0, &[n]);
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    }
}
