//! Safety invariants, checked by the core itself after each step (cheap, incremental) and on demand
//! (whole-cluster). The names follow Kafka's own simulation test where one exists.

use crate::protocol::event::TraceKind;
use crate::protocol::record::Entry;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use crate::sim::committed_replay::Replay;
use crate::sim::SimNode;
// Where the vocabulary lived before it had a file of its own; the old paths still name it.
pub use crate::sim::violation::{Breach, Violation};
use std::collections::BTreeMap;

/// How many violations are kept (a broken run tends to repeat itself).
const MAX_VIOLATIONS: usize = 100;

/// Which nodes a step may have changed, so the checker reads just those.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touched {
    /// The step changed no node (a dropped message, a timer of a node that is down).
    Nothing,
    /// One node ran a handler: the node at this position.
    Node(usize),
    /// An action, or anything else that may reach several nodes.
    All,
}

/// What the checker last saw of one node: after each step the node's state is compared with it,
/// so a change that no event announced is checked too.
#[derive(Clone, Debug)]
struct Seen {
    id: NodeId,
    /// The last HW the node knew while up (Kafka does not keep the HW on disk: forgotten on crash).
    hw: Option<Offset>,
    /// `Offset::MAX` until the image has been checked (after a start or a restart).
    applied: Offset,
    /// Where the image was last fingerprinted (`Offset::MAX`: due now).
    fingerprinted: Offset,
    log_start: Offset,
    log_end: Offset,
    epochs: usize,
    last_epoch: Option<(Epoch, Offset)>,
    earliest_snapshot: Option<Offset>,
}

impl Seen {
    fn new(id: NodeId) -> Self {
        Seen {
            id,
            hw: None,
            applied: Offset::MAX,
            fingerprinted: Offset::MAX,
            log_start: 0,
            log_end: 0,
            epochs: 0,
            last_epoch: None,
            earliest_snapshot: None,
        }
    }
}

/// Where an epoch's entries begin. The leader of an epoch appends them once, after one fixed
/// entry, so every log that holds them must agree: this is log matching, one epoch at a time.
#[derive(Clone, Copy, Debug)]
struct EpochStart {
    first: Offset,
    /// Epoch of the entry just before `first`.
    previous: Epoch,
    /// False when only seen in a log whose start cut into the epoch: it may begin lower.
    exact: bool,
    node: NodeId,
}

#[derive(Clone, Debug)]
pub struct Checker {
    leaders: BTreeMap<Epoch, NodeId>,
    /// ZooKeeper mode: who won `/controller` in each controller epoch.
    zk_controllers: BTreeMap<u32, NodeId>,
    epochs: BTreeMap<NodeId, Epoch>,
    seen: Vec<Seen>,
    max_leader_hw: Offset,
    /// The committed prefix as runs of (epoch, first offset), and its length.
    committed: Vec<(Epoch, Offset)>,
    committed_len: Offset,
    /// Completeness obligations: for each epoch, the highest HW a node in that epoch has known
    /// (within the committed prefix). A leader of a later epoch must hold that much.
    commit_marks: BTreeMap<Epoch, Offset>,
    epoch_starts: BTreeMap<Epoch, EpochStart>,
    replay: Replay,
    violations: Vec<Violation>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    pub fn new() -> Self {
        Checker {
            leaders: BTreeMap::new(),
            zk_controllers: BTreeMap::new(),
            epochs: BTreeMap::new(),
            seen: Vec::new(),
            max_leader_hw: 0,
            committed: Vec::new(),
            committed_len: 0,
            commit_marks: BTreeMap::new(),
            epoch_starts: BTreeMap::new(),
            replay: Replay::new(),
            violations: Vec::new(),
        }
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// What the checker remembers that decides whether a later step breaks a rule: the
    /// committed prefix, the completeness marks, who led each epoch (the explorer's state hash).
    pub(crate) fn fingerprint(&self, h: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        (&self.leaders, &self.committed, self.committed_len).hash(h);
        (&self.commit_marks, self.max_leader_hw).hash(h);
    }

    /// Epoch of the committed entry at `offset`, if that offset is known committed.
    pub fn committed_epoch(&self, offset: Offset) -> Option<Epoch> {
        if offset >= self.committed_len {
            return None;
        }
        let i = self.committed.partition_point(|(_, s)| *s <= offset);
        self.committed.get(i.wrapping_sub(1)).map(|(e, _)| *e)
    }

    fn push_committed(&mut self, entry: &Entry) {
        if self.committed.last().map(|(e, _)| *e) != Some(entry.epoch) {
            self.committed.push((entry.epoch, self.committed_len));
        }
        self.committed_len += 1;
        self.replay.push(entry);
    }

    fn report(&mut self, found: &mut Vec<Violation>, time_ms: Time, breach: Breach) {
        let v = Violation::new(time_ms, breach);
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(v.clone());
        }
        found.push(v);
    }

    /// Keeps a violation found outside the checker (the data plane's, `data_checks`).
    pub(crate) fn record(&mut self, v: Violation) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(v);
        }
    }

    /// Where the checker keeps what it saw of node `id` (the nodes keep their order, so the
    /// position usually finds it at once).
    fn seen_index(&mut self, position: usize, id: NodeId) -> usize {
        if self.seen.get(position).is_some_and(|s| s.id == id) {
            return position;
        }
        match self.seen.iter().position(|s| s.id == id) {
            Some(i) => i,
            None => {
                self.seen.push(Seen::new(id));
                self.seen.len() - 1
            }
        }
    }

    /// Checks what one step did: its events, then every node's state as the step left it.
    /// Returns the violations it found.
    pub fn observe(
        &mut self,
        now: Time,
        events: &[TraceKind],
        nodes: &[SimNode],
    ) -> Vec<Violation> {
        self.observe_step(now, events, nodes, Touched::All)
    }

    /// As `observe`, reading the state of only the nodes the step `touched`.
    pub fn observe_step(
        &mut self,
        now: Time,
        events: &[TraceKind],
        nodes: &[SimNode],
        touched: Touched,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        // Where a truncation in this step cut each log: entries from there on may be new.
        let mut cuts: Vec<(NodeId, Offset)> = Vec::new();
        for (k, ev) in events.iter().enumerate() {
            self.check_event(now, ev, &events[k + 1..], nodes, &mut cuts, &mut found);
        }
        match touched {
            Touched::Nothing => {}
            Touched::Node(i) => {
                if let Some(n) = nodes.get(i) {
                    let moved = self.check_node_state(now, i, n, nodes, &cuts, &mut found);
                    self.after_log_start_moved(moved, nodes);
                }
            }
            Touched::All => {
                let mut moved = false;
                for (i, n) in nodes.iter().enumerate() {
                    moved |= self.check_node_state(now, i, n, nodes, &cuts, &mut found);
                }
                self.after_log_start_moved(moved, nodes);
            }
        }
        found
    }

    /// Checks one event of a step (`later`: the step's events after it).
    fn check_event(
        &mut self,
        now: Time,
        ev: &TraceKind,
        later: &[TraceKind],
        nodes: &[SimNode],
        cuts: &mut Vec<(NodeId, Offset)>,
        found: &mut Vec<Violation>,
    ) {
        let find = |id: NodeId| nodes.iter().find(|n| n.node.id == id);
        match ev {
            TraceKind::ControllerElected { node, epoch } => {
                if let Some(other) = self
                    .zk_controllers
                    .insert(*epoch, *node)
                    .filter(|o| o != node)
                {
                    self.report(
                        found,
                        now,
                        Breach::TwoControllers {
                            first: other,
                            second: *node,
                            epoch: *epoch,
                        },
                    );
                }
            }
            TraceKind::ZombieWrite {
                node,
                epoch,
                current,
                path,
            } => self.report(
                found,
                now,
                Breach::ZombieControllerWrite {
                    node: *node,
                    epoch: *epoch,
                    current: *current,
                    path: path.clone(),
                },
            ),
            TraceKind::Role {
                node, to, epoch, ..
            } => self.check_role(now, (node, to, epoch), nodes, found),
            TraceKind::Truncate {
                node,
                to,
                first_removed_epoch,
                ..
            } => self.check_truncate(now, (node, to, first_removed_epoch), nodes, cuts, found),
            TraceKind::SnapshotTaken { node, id } => {
                self.check_snapshot_taken(now, (node, id), later, nodes, found)
            }
            TraceKind::Wipe { node, .. } => {
                // A new disk: what the checker remembered of the old one no longer applies.
                if let Some(s) = self.seen.iter_mut().find(|s| s.id == *node) {
                    *s = Seen::new(*node);
                }
                self.epochs.remove(node);
            }
            TraceKind::VoteCast {
                voter,
                candidate,
                epoch,
                granted: true,
                pre_vote: false,
                ..
            } => {
                if let Some(n) = find(*voter) {
                    self.check_wiped_vote(now, n, *candidate, *epoch, found);
                }
            }
            TraceKind::Append {
                node,
                first,
                kind: "voters",
                ..
            } => {
                if let Some(n) = find(*node) {
                    self.check_voter_change(now, n, *first, found);
                }
            }
            TraceKind::SnapshotLoaded { node, id, .. } => {
                let Some(n) = find(*node) else { return };
                if n.node.role() == Role::Leader {
                    let breach = Breach::LeaderLoadedSnapshot { node: *node };
                    self.report(found, now, breach);
                }
                self.check_snapshot_image(now, n, *id, found);
            }
            _ => {}
        }
    }

    /// A role change: epochs never go back, one leader an epoch, a leader holds what was committed,
    /// a candidate votes for itself only as the voter it is.
    fn check_role(
        &mut self,
        now: Time,
        (node, to, epoch): (&NodeId, &Role, &Epoch),
        nodes: &[SimNode],
        found: &mut Vec<Violation>,
    ) {
        let prev = self.epochs.insert(*node, *epoch).unwrap_or(0);
        if *epoch < prev {
            self.report(
                found,
                now,
                Breach::EpochWentBack {
                    node: *node,
                    from: prev,
                    to: *epoch,
                },
            );
        }
        if *to == Role::Candidate {
            if let Some(n) = nodes.iter().find(|n| n.node.id == *node) {
                self.check_wiped_vote(now, n, *node, *epoch, found);
            }
        }
        if *to == Role::Leader {
            if let Some(other) = self.leaders.insert(*epoch, *node).filter(|o| o != node) {
                self.report(
                    found,
                    now,
                    Breach::TwoLeaders {
                        first: other,
                        second: *node,
                        epoch: *epoch,
                    },
                );
            }
            if let Some(n) = nodes.iter().find(|n| n.node.id == *node) {
                self.check_leader_completeness(now, n, found);
            }
        }
    }

    /// A truncation never removes what was committed (in an epoch the node has reached), nor
    /// anything below the node's own HW.
    fn check_truncate(
        &mut self,
        now: Time,
        (node, to, first_removed_epoch): (&NodeId, &Offset, &Epoch),
        nodes: &[SimNode],
        cuts: &mut Vec<(NodeId, Offset)>,
        found: &mut Vec<Violation>,
    ) {
        cuts.push((*node, *to));
        // Binding on this node: what was committed in an epoch it has reached. A
        // follower of a stale leader (epoch 7, cut off from epoch 8's majority) may
        // drop what epoch 8 committed, as Raft allows; it never applied it.
        let epoch = nodes
            .iter()
            .find(|n| n.node.id == *node)
            .map_or(Epoch::MAX, |n| n.node.epoch());
        let binding = self
            .commit_marks
            .range(..=epoch)
            .map(|(_, len)| *len)
            .max()
            .unwrap_or(0);
        if *to < binding && self.committed_epoch(*to) == Some(*first_removed_epoch) {
            self.report(
                found,
                now,
                Breach::TruncatedCommitted {
                    node: *node,
                    offset: *to,
                    epoch: *first_removed_epoch,
                },
            );
        }
        let hw = self
            .seen
            .iter()
            .find(|s| s.id == *node)
            .and_then(|s| s.hw)
            .filter(|hw| *hw > *to);
        if let Some(hw) = hw {
            self.report(
                found,
                now,
                Breach::TruncatedBelowHw {
                    node: *node,
                    to: *to,
                    hw,
                },
            );
        }
    }

    /// A snapshot covers only committed offsets, starts at or after the log start, and its image
    /// is the replay of the log it stands for.
    fn check_snapshot_taken(
        &mut self,
        now: Time,
        (node, id): (&NodeId, &SnapshotId),
        later: &[TraceKind],
        nodes: &[SimNode],
        found: &mut Vec<Violation>,
    ) {
        if let Some(n) = nodes.iter().find(|n| n.node.id == *node) {
            if n.node.high_watermark().is_none_or(|hw| id.end_offset > hw) {
                self.report(
                    found,
                    now,
                    Breach::SnapshotPastHw {
                        node: *node,
                        end_offset: id.end_offset,
                    },
                );
            }
            // The state read is the one the step left: when one step takes two
            // snapshots (a big batch committed at once), the later one has moved the
            // log start past the earlier, so only the step's last is held to it.
            let later = later
                .iter()
                .any(|e| matches!(e, TraceKind::SnapshotTaken { node: m, .. } if m == node));
            if !later && id.end_offset < n.node.log().start_offset() {
                self.report(found, now, Breach::SnapshotBeforeLogStart { node: *node });
            }
            self.check_snapshot_image(now, n, *id, found);
        }
    }

    fn after_log_start_moved(&mut self, moved: bool, nodes: &[SimNode]) {
        if moved {
            let lowest = nodes.iter().map(|n| n.node.log().start_offset()).min();
            self.replay.forget_below(lowest.unwrap_or(0));
        }
    }

    /// Reads one node's state after a step: HW, image, log and snapshots, each checked when it
    /// changed. Returns whether its log start moved.
    fn check_node_state(
        &mut self,
        now: Time,
        position: usize,
        n: &SimNode,
        nodes: &[SimNode],
        cuts: &[(NodeId, Offset)],
        found: &mut Vec<Violation>,
    ) -> bool {
        if !keeps_metadata_log(n) {
            return false;
        }
        let i = self.seen_index(position, n.node.id);
        if !n.alive {
            // A restart brings the HW back unknown and the image back from disk.
            self.seen[i].hw = None;
            self.seen[i].applied = Offset::MAX;
            self.seen[i].fingerprinted = Offset::MAX;
            return false;
        }
        if let Some(hw) = n.node.high_watermark() {
            if self.seen[i].hw != Some(hw) {
                self.check_hw(now, i, n, hw, found);
                if n.node.role() == Role::Leader {
                    self.check_majority_holds_hw(now, nodes, found);
                }
            }
        }
        if n.node.image().applied_offset != self.seen[i].applied {
            self.seen[i].applied = n.node.image().applied_offset;
            self.check_image(now, i, n, found);
        }
        let log = n.node.log();
        let last_epoch = log.epoch_cache().last().copied();
        let seen = &self.seen[i];
        if log.end_offset() != seen.log_end
            || log.start_offset() != seen.log_start
            || log.epoch_cache().len() != seen.epochs
            || last_epoch != seen.last_epoch
        {
            let cut = cuts
                .iter()
                .filter(|(id, _)| *id == n.node.id)
                .map(|(_, to)| *to)
                .min()
                .unwrap_or(Offset::MAX);
            let from = if log.start_offset() != seen.log_start {
                0
            } else {
                seen.log_end.min(cut)
            };
            self.check_epoch_starts(now, n, from, found);
        }
        let earliest = log.snapshots().next().map(|s| s.id.end_offset);
        let seen = &self.seen[i];
        let start_moved = log.start_offset() != seen.log_start;
        // Kafka: once the log start is above 0, the earliest snapshot ends exactly there.
        if (start_moved || earliest != seen.earliest_snapshot)
            && log.start_offset() > 0
            && earliest != Some(log.start_offset())
        {
            self.report(
                found,
                now,
                Breach::LogStartWithoutSnapshot {
                    node: n.node.id,
                    start: log.start_offset(),
                    earliest,
                },
            );
        }
        let seen = &mut self.seen[i];
        seen.log_start = log.start_offset();
        seen.log_end = log.end_offset();
        seen.epochs = log.epoch_cache().len();
        seen.last_epoch = last_epoch;
        seen.earliest_snapshot = earliest;
        start_moved
    }

    fn check_hw(
        &mut self,
        now: Time,
        i: usize,
        n: &SimNode,
        hw: Offset,
        found: &mut Vec<Violation>,
    ) {
        let id = n.node.id;
        let log = n.node.log();
        let prev = self.seen[i].hw.replace(hw);
        if let Some(from) = prev.filter(|p| *p > hw) {
            self.report(
                found,
                now,
                Breach::HwWentBack {
                    node: id,
                    from,
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
            let Some(entry) = log.entry(o) else { break };
            match self.committed_epoch(o) {
                Some(c) if c != entry.epoch => {
                    self.report(
                        found,
                        now,
                        Breach::CommittedDiffers {
                            node: id,
                            offset: o,
                            epoch: entry.epoch,
                            committed_epoch: c,
                        },
                    );
                    break;
                }
                Some(_) => {}
                None if o == self.committed_len => self.push_committed(entry),
                None => break,
            }
        }
        // This node's own obligation: what it knows committed, in its own epoch. (Recording the
        // whole committed prefix under a stale node's epoch would bind leaders it never bound.)
        let known = hw.min(self.committed_len);
        let mark = self.commit_marks.entry(n.node.epoch()).or_insert(0);
        *mark = (*mark).max(known);
    }

    /// Log matching, incrementally: each epoch in this log from offset `from` on must begin where
    /// (and after the same epoch as) every other log that holds it has it begin.
    fn check_epoch_starts(
        &mut self,
        now: Time,
        n: &SimNode,
        from: Offset,
        found: &mut Vec<Violation>,
    ) {
        let log = n.node.log();
        let cache = log.epoch_cache();
        // The run holding `from` began before it and was checked then.
        let first = cache.partition_point(|(_, s)| *s < from);
        for k in first..cache.len() {
            let (epoch, start) = cache[k];
            let previous = match k.checked_sub(1) {
                Some(p) => cache[p].0,
                None => log.epoch_at(start.wrapping_sub(1)).unwrap_or(0),
            };
            // Only a log start can cut into an epoch (the entry before it has the same epoch).
            let exact = previous != epoch;
            let here = EpochStart {
                first: start,
                previous,
                exact,
                node: n.node.id,
            };
            let Some(known) = self.epoch_starts.get(&epoch).copied() else {
                self.epoch_starts.insert(epoch, here);
                continue;
            };
            let agrees = match (known.exact, exact) {
                (true, true) => known.first == start && known.previous == previous,
                (true, false) => known.first <= start,
                (false, true) => start <= known.first,
                (false, false) => true,
            };
            if !agrees {
                let offset = if known.first == start {
                    start.saturating_sub(1)
                } else {
                    known.first.min(start)
                };
                self.report(
                    found,
                    now,
                    Breach::LogsDiverge {
                        a: known.node,
                        b: n.node.id,
                        offset,
                    },
                );
                return;
            }
            if !known.exact && (exact || start < known.first) {
                self.epoch_starts.insert(epoch, here);
            }
        }
    }

    /// The current leader (newest epoch): its HW must be held by a majority of voters. An offset a
    /// voter has already folded into its snapshot counts as held. Cheap: run on every HW move.
    fn check_majority_holds_hw(
        &mut self,
        now: Time,
        nodes: &[SimNode],
        found: &mut Vec<Violation>,
    ) {
        let newest = nodes
            .iter()
            .filter(|n| n.alive && n.node.role() == Role::Leader)
            .max_by_key(|n| n.node.epoch());
        let Some(l) = newest else {
            return;
        };
        let Some(hw) = l.node.high_watermark().filter(|hw| *hw > 0) else {
            return;
        };
        // The set the leader counts its majority in (KIP-853: the newest in its log). While a
        // change is uncommitted, the HW may still rest on the set before it (the leader reached
        // it then, and the HW never goes back): a single-server change keeps every majority of
        // the one meeting every majority of the other, so either will do.
        let history = l.node.voter_history();
        let pending = history.latest_change().is_some_and(|o| o >= hw);
        let sets: Vec<&[crate::protocol::voters::Voter]> = match history.latest_pair() {
            Some((before, after)) if pending => vec![after, before],
            _ => vec![l.node.voter_set()],
        };
        let epoch = l.node.log().epoch_at(hw - 1);
        let holds = |n: &&SimNode| {
            let log = n.node.log();
            log.end_offset() >= hw && (hw < log.start_offset() || log.epoch_at(hw - 1) == epoch)
        };
        // A voter whose disk is gone (the set names a directory id its node no longer has) can
        // never vote as that voter again (KIP-853), so it elects nobody who lacks the entry:
        // it counts as holding it. A static quorum, or the unsafe switch, cannot tell.
        let holders = |set: &[crate::protocol::voters::Voter]| {
            set.iter()
                .filter(|v| {
                    nodes.iter().find(|n| n.node.id == v.id).is_some_and(|n| {
                        let gone = v.directory_id.is_some_and(|d| d != n.node.directory_id());
                        gone || holds(&n)
                    })
                })
                .count()
        };
        if !sets.iter().any(|set| holders(set) > set.len() / 2) {
            let holders = holders(sets[0]);
            let id = l.node.id;
            self.report(
                found,
                now,
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
                    Breach::LeaderLacksEntry {
                        node: id,
                        offset: o,
                    },
                );
                return;
            }
        }
    }

    /// Whole-cluster checks on top of the per-step ones: log matching between every pair of
    /// logs, the leader's HW held by a majority, and every image equal to a fresh replay of the
    /// node's own log (from its snapshot at the log start).
    pub fn full_check(&mut self, now: Time, nodes: &[SimNode]) -> Vec<Violation> {
        let mut found = Vec::new();
        for (i, a) in nodes.iter().enumerate() {
            for b in &nodes[i + 1..] {
                if let Some(o) = log_matching_breaks(a, b) {
                    self.report(
                        &mut found,
                        now,
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
        for n in nodes.iter().filter(|n| n.alive && keeps_metadata_log(n)) {
            let replayed = replay_image(n);
            if replayed.as_ref() != Some(n.node.image()) {
                self.report(&mut found, now, Breach::ImageDiffers { node: n.node.id });
            }
        }
        found
    }
}

/// The metadata log's rules concern KRaft nodes: in ZooKeeper mode a broker's image is a cache
/// the controller pushes, and the ensemble has no log.
fn keeps_metadata_log(n: &SimNode) -> bool {
    n.node.zk().is_none() && n.node.kind != crate::protocol::NodeKind::Zookeeper
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

#[path = "image_checks.rs"]
mod image_checks;
use image_checks::replay_image;
#[path = "voter_checks.rs"]
mod voter_checks;

/// Every invariant can fire: each test hands the checker a state or a step that breaks exactly
/// one rule and expects it named. (An invariant that cannot fire checks nothing.)
#[cfg(test)]
#[path = "invariants_tests.rs"]
mod every_invariant_fires;
