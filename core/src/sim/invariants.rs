//! Safety invariants, checked by the core itself after each step (cheap, incremental) and on demand
//! (whole-cluster). The names follow Kafka's own simulation test where one exists.

use crate::protocol::event::TraceKind;
use crate::protocol::metadata::Image;
use crate::protocol::record::Entry;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use crate::sim::shared::SharedVec;
use crate::sim::SimNode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

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
    AppliedPastHw {
        node: NodeId,
        applied: Offset,
        hw: Offset,
    },
    SnapshotImageDiffers {
        node: NodeId,
        end_offset: Offset,
    },
    LogStartWithoutSnapshot {
        node: NodeId,
        start: Offset,
        earliest: Option<Offset>,
    },
    // --- the data plane (docs/protocol.md, invariants) ---
    /// An acks=all produce was acknowledged and its record is gone (no unclean election).
    AckedRecordLost {
        produce: u64,
        value: String,
    },
    /// Two replicas hold different records at an offset both count as committed.
    ReplicaDivergence {
        topic_id: u32,
        partition: u32,
        a: NodeId,
        b: NodeId,
        offset: Offset,
    },
    PartitionLeaderNotInIsr {
        topic_id: u32,
        partition: u32,
        leader: NodeId,
    },
    /// A partition leader's HW went back while it led in one leader epoch (a follower's may,
    /// after a leader change).
    PartitionHwWentBack {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        leader_epoch: u32,
        from: Offset,
        to: Offset,
    },
    /// KIP-853: a leader appended a voter change while another was uncommitted, or one that
    /// changes more than one voter at once.
    VoterChangeUnsafe {
        node: NodeId,
        offset: Offset,
        uncommitted: usize,
        changed: usize,
    },
    /// A node whose disk was wiped voted as the voter whose log it lost.
    WipedVoterVoted {
        node: NodeId,
        candidate: NodeId,
        epoch: Epoch,
    },
    /// Healed, the cluster did not settle within the bound (chaos's liveness phase).
    Stalled {
        within_ms: Time,
        stall: crate::sim::liveness::Stall,
    },
    /// A partition state names a broker that is not one of its replicas (in its ISR or ELR,
    /// or as its leader).
    IsrOutsideReplicas {
        topic: String,
        partition: u32,
        broker: NodeId,
    },
    /// A clean election chose a leader that is not the first in-ISR replica in assignment
    /// order (both modes' rule: the elected ISR holds only replicas the controller could pick).
    ElectionRule {
        topic: String,
        partition: u32,
        leader: NodeId,
        first: NodeId,
    },
    /// ZooKeeper mode: two brokers won `/controller` in the same controller epoch.
    TwoControllers {
        first: NodeId,
        second: NodeId,
        epoch: u32,
    },
    /// ZooKeeper mode: a controller of an old epoch wrote a partition state (possible only
    /// without the `/controller_epoch` check, as before Kafka 2.1).
    ZombieControllerWrite {
        node: NodeId,
        epoch: u32,
        current: u32,
        path: String,
    },
    /// A partition state was written with an ISR member (alive, allowed to lead) that lacks
    /// a committed record (below the HW of `holder`, the replica with the highest HW):
    /// electing it would lose committed records.
    IsrMemberMissingRecords {
        topic: String,
        partition: u32,
        broker: NodeId,
        holder: NodeId,
        offset: Offset,
        hw: Offset,
    },
    /// KIP-966: a partition state was written with an ELR member (alive, allowed to lead)
    /// that lacks a committed record (below `holder`'s HW).
    ElrMemberMissingRecords {
        topic: String,
        partition: u32,
        broker: NodeId,
        holder: NodeId,
        offset: Offset,
        hw: Offset,
    },
    /// An acks=all produce was acknowledged while fewer replicas than min(min ISR, replication
    /// factor) held its records.
    AckedWithoutMinIsr {
        produce: u64,
        topic_id: u32,
        partition: u32,
        holders: usize,
        required: usize,
    },
    /// A consumer was served a record at or above the HW it was served with.
    ConsumerReadUncommitted {
        consumer: u64,
        topic_id: u32,
        partition: u32,
        offset: Offset,
        hw: Offset,
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
            Breach::AppliedPastHw { node, applied, hw } => write!(
                f,
                "node {node} applied records up to {applied}, past its high watermark {hw}"
            ),
            Breach::SnapshotImageDiffers { node, end_offset } => write!(
                f,
                "node {node} snapshot at {end_offset} differs from the replay of the committed log"
            ),
            Breach::LogStartWithoutSnapshot {
                node,
                start,
                earliest,
            } => match earliest {
                Some(end) => write!(
                    f,
                    "node {node} log starts at {start} but its earliest snapshot ends at {end}"
                ),
                None => write!(f, "node {node} log starts at {start} with no snapshot"),
            },
            Breach::AckedRecordLost { produce, value } => write!(
                f,
                "record {value} of produce {produce} was acknowledged with acks=all and is gone"
            ),
            Breach::ReplicaDivergence {
                topic_id,
                partition,
                a,
                b,
                offset,
            } => write!(
                f,
                "brokers {a} and {b} hold different committed records at offset {offset} of partition {topic_id}-{partition}"
            ),
            Breach::PartitionLeaderNotInIsr {
                topic_id,
                partition,
                leader,
            } => write!(
                f,
                "partition {topic_id}-{partition} is led by {leader}, which is not in its ISR"
            ),
            Breach::PartitionHwWentBack {
                node,
                topic_id,
                partition,
                leader_epoch,
                from,
                to,
            } => write!(
                f,
                "leader {node}'s HW of partition {topic_id}-{partition} went from {from} back to {to} in leader epoch {leader_epoch}"
            ),
            Breach::IsrMemberMissingRecords {
                topic,
                partition,
                broker,
                holder,
                offset,
                hw,
            } => write!(
                f,
                "partition {topic}-{partition} was written with broker {broker} in its ISR, lacking the committed record at offset {offset} (below broker {holder}'s HW {hw})"
            ),
            Breach::ElrMemberMissingRecords {
                topic,
                partition,
                broker,
                holder,
                offset,
                hw,
            } => write!(
                f,
                "partition {topic}-{partition} was written with broker {broker} in its ELR, lacking the committed record at offset {offset} (below broker {holder}'s HW {hw})"
            ),
            Breach::AckedWithoutMinIsr {
                produce,
                topic_id,
                partition,
                holders,
                required,
            } => write!(
                f,
                "produce {produce} to partition {topic_id}-{partition} was acknowledged with acks=all while {holders} replicas held it, fewer than {required}"
            ),
            Breach::ConsumerReadUncommitted {
                consumer,
                topic_id,
                partition,
                offset,
                hw,
            } => write!(
                f,
                "consumer {consumer} read offset {offset} of partition {topic_id}-{partition}, at or above the HW {hw}"
            ),
            Breach::VoterChangeUnsafe {
                node,
                offset,
                uncommitted,
                changed,
            } => write!(
                f,
                "leader {node} appended a voter change at {offset} changing {changed} voters, with {uncommitted} changes uncommitted"
            ),
            Breach::WipedVoterVoted {
                node,
                candidate,
                epoch,
            } => write!(
                f,
                "node {node} lost its disk and still voted for {candidate} in epoch {epoch} as the old voter"
            ),
            Breach::IsrOutsideReplicas {
                topic,
                partition,
                broker,
            } => write!(
                f,
                "partition {topic}-{partition} names broker {broker}, which is not one of its replicas"
            ),
            Breach::ElectionRule {
                topic,
                partition,
                leader,
                first,
            } => write!(
                f,
                "partition {topic}-{partition} elected {leader} although {first} comes first in assignment order among its ISR"
            ),
            Breach::TwoControllers {
                first,
                second,
                epoch,
            } => write!(
                f,
                "brokers {first} and {second} both became controller in controller epoch {epoch}"
            ),
            Breach::ZombieControllerWrite {
                node,
                epoch,
                current,
                path,
            } => write!(
                f,
                "controller {node} of epoch {epoch} wrote {path} while /controller_epoch was {current}"
            ),
            Breach::Stalled { within_ms, stall } => write!(
                f,
                "{} s after every node ran and every link healed: {stall}",
                within_ms / 1000
            ),
        }
    }
}

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

/// The replay of the committed prefix, with a fingerprint of the image after each applied offset
/// from `base` on: what every node's image and every snapshot must equal at its offset.
#[derive(Clone, Debug)]
struct Replay {
    image: Image,
    /// The image's broker, topic and partition terms (see `fingerprint`), kept up to date.
    items: u64,
    base: Offset,
    fingerprints: SharedVec<u64>,
}

impl Replay {
    fn new() -> Self {
        let image = Image::default();
        let mut fingerprints = SharedVec::default();
        fingerprints.push(fingerprint(&image));
        Replay {
            items: items(&image),
            image,
            base: 0,
            fingerprints,
        }
    }

    fn push(&mut self, entry: &Entry) {
        let before = touched(&self.image, &entry.record);
        self.image.apply(entry);
        let after = touched(&self.image, &entry.record);
        self.items = self.items.wrapping_sub(before).wrapping_add(after);
        self.fingerprints
            .push(head(&self.image).wrapping_add(self.items));
    }

    /// The replay's fingerprint after applying everything below `applied`, if still kept.
    fn at(&self, applied: Offset) -> Option<u64> {
        let i = applied.checked_sub(self.base)?;
        self.fingerprints.get(usize::try_from(i).ok()?).copied()
    }

    /// Below every node's log start no image or snapshot can stand again: forget it.
    fn forget_below(&mut self, offset: Offset) {
        if let Some(i) = offset
            .checked_sub(self.base)
            .and_then(|i| usize::try_from(i).ok())
        {
            self.base += self.fingerprints.forget_below(i) as Offset;
        }
    }
}

/// FNV-1a. A fingerprint is only compared with others of the same run, so a small hash will do
/// (std's SipHash would add its code to the page's wasm for no gain).
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// An image's fingerprint: the applied offset and voters, plus a sum with one term per broker,
/// topic and partition. A sum, so the replay keeps it up to date in one step a record (a record
/// changes one of them) instead of hashing 100,000 partitions after every record.
fn fingerprint(image: &Image) -> u64 {
    head(image).wrapping_add(items(image))
}

fn head(image: &Image) -> u64 {
    term(&(image.applied_offset, &image.voters))
}

fn items(image: &Image) -> u64 {
    let brokers = image
        .brokers
        .values()
        .fold(0u64, |d, b| d.wrapping_add(term(&(0u8, b))));
    image
        .topics
        .values()
        .fold(brokers, |d, t| d.wrapping_add(topic_terms(t)))
}

fn topic_terms(t: &crate::protocol::metadata::TopicState) -> u64 {
    t.partitions
        .iter()
        .fold(term(&(1u8, t.topic_id, &t.name, &t.config)), |d, p| {
            d.wrapping_add(term(&(2u8, t.topic_id, p)))
        })
}

/// The terms of what `record` may change in `image`, as they stand.
fn touched(image: &Image, record: &crate::protocol::record::Record) -> u64 {
    use crate::protocol::record::Record;
    match record {
        Record::RegisterBroker { broker, .. } | Record::BrokerRegistrationChange { broker, .. } => {
            image.brokers.get(broker).map_or(0, |b| term(&(0u8, b)))
        }
        // A topic record replaces the topic and drops its partitions.
        Record::Topic { topic_id, .. } => image.topics.get(topic_id).map_or(0, topic_terms),
        r @ (Record::Partition { .. } | Record::PartitionChange { .. }) => r
            .partition_key()
            .and_then(|(topic_id, partition)| {
                let p = image.partition(topic_id, partition)?;
                Some(term(&(2u8, topic_id, p)))
            })
            .unwrap_or(0),
        // In the head (voters), or nothing the image holds.
        Record::Voters { .. }
        | Record::Client
        | Record::LeaderChange { .. }
        | Record::NoOp
        | Record::KRaftVersion { .. } => 0,
    }
}

/// One term: FNV-1a, then a finaliser (splitmix64's), so that sums of terms do not cancel.
fn term(item: &impl Hash) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    item.hash(&mut h);
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
        let find = |id: NodeId| nodes.iter().find(|n| n.node.id == id);
        // Where a truncation in this step cut each log: entries from there on may be new.
        let mut cuts: Vec<(NodeId, Offset)> = Vec::new();
        for (k, ev) in events.iter().enumerate() {
            match ev {
                TraceKind::ControllerElected { node, epoch } => {
                    if let Some(other) = self
                        .zk_controllers
                        .insert(*epoch, *node)
                        .filter(|o| o != node)
                    {
                        self.report(
                            &mut found,
                            now,
                            "SingleActiveController",
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
                    &mut found,
                    now,
                    "ZombieControllerWrite",
                    Breach::ZombieControllerWrite {
                        node: *node,
                        epoch: *epoch,
                        current: *current,
                        path: path.clone(),
                    },
                ),
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
                    if *to == Role::Candidate {
                        if let Some(n) = find(*node) {
                            self.check_wiped_vote(now, n, *node, *epoch, &mut found);
                        }
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
                TraceKind::Truncate {
                    node,
                    to,
                    first_removed_epoch,
                    ..
                } => {
                    cuts.push((*node, *to));
                    // Binding on this node: what was committed in an epoch it has reached. A
                    // follower of a stale leader (epoch 7, cut off from epoch 8's majority) may
                    // drop what epoch 8 committed, as Raft allows; it never applied it.
                    let epoch = find(*node).map_or(Epoch::MAX, |n| n.node.epoch());
                    let binding = self
                        .commit_marks
                        .range(..=epoch)
                        .map(|(_, len)| *len)
                        .max()
                        .unwrap_or(0);
                    if *to < binding && self.committed_epoch(*to) == Some(*first_removed_epoch) {
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
                    let hw = self
                        .seen
                        .iter()
                        .find(|s| s.id == *node)
                        .and_then(|s| s.hw)
                        .filter(|hw| *hw > *to);
                    if let Some(hw) = hw {
                        self.report(
                            &mut found,
                            now,
                            "NoTruncationBelowHighWatermark",
                            Breach::TruncatedBelowHw {
                                node: *node,
                                to: *to,
                                hw,
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
                        // The state read is the one the step left: when one step takes two
                        // snapshots (a big batch committed at once), the later one has moved the
                        // log start past the earlier, so only the step's last is held to it.
                        let later = events[k + 1..].iter().any(
                            |e| matches!(e, TraceKind::SnapshotTaken { node: m, .. } if m == node),
                        );
                        if !later && id.end_offset < n.node.log().start_offset() {
                            self.report(
                                &mut found,
                                now,
                                "SnapshotAtLogStart",
                                Breach::SnapshotBeforeLogStart { node: *node },
                            );
                        }
                        self.check_snapshot_image(now, n, *id, &mut found);
                    }
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
                        self.check_wiped_vote(now, n, *candidate, *epoch, &mut found);
                    }
                }
                TraceKind::Append {
                    node,
                    first,
                    kind: "voters",
                    ..
                } => {
                    if let Some(n) = find(*node) {
                        self.check_voter_change(now, n, *first, &mut found);
                    }
                }
                TraceKind::SnapshotLoaded { node, id, .. } => {
                    let Some(n) = find(*node) else { continue };
                    if n.node.role() == Role::Leader {
                        let breach = Breach::LeaderLoadedSnapshot { node: *node };
                        self.report(&mut found, now, "LeaderNeverLoadSnapshot", breach);
                    }
                    self.check_snapshot_image(now, n, *id, &mut found);
                }
                _ => {}
            }
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

    /// KIP-853's disk-loss rule: a replica votes (for another, or for itself as a candidate)
    /// only as a voter on the disk it has now. A wiped node voting under a voter entry of a disk
    /// it lost (or of a static quorum, which cannot tell) could elect a leader that lacks an
    /// entry its old disk acknowledged.
    fn check_wiped_vote(
        &mut self,
        now: Time,
        n: &SimNode,
        candidate: NodeId,
        epoch: Epoch,
        found: &mut Vec<Violation>,
    ) {
        if n.lost_disks.is_empty() {
            return;
        }
        let id = n.node.id;
        let as_old = n
            .node
            .voter_set()
            .iter()
            .any(|v| v.id == id && v.directory_id.is_none_or(|d| n.lost_disks.contains(&d)));
        if as_old {
            let breach = Breach::WipedVoterVoted {
                node: id,
                candidate,
                epoch,
            };
            self.report(found, now, "WipedVoterVoted", breach);
        }
    }

    /// Raft's single-server change: a leader appends a new voter set only once the previous
    /// one is committed, and it differs from it by one voter.
    fn check_voter_change(
        &mut self,
        now: Time,
        n: &SimNode,
        offset: Offset,
        found: &mut Vec<Violation>,
    ) {
        if n.node.role() != Role::Leader {
            return;
        }
        let history = n.node.voter_history();
        // Committed: what the checker's prefix holds, or the leader's HW (checked on a majority
        // by MajorityReachedHighWatermark; the prefix stops at a log start cut by a snapshot).
        let committed = n.node.high_watermark().unwrap_or(0).max(self.committed_len);
        let uncommitted = history.changes_from(committed);
        let changed = history.latest_pair().map_or(0, |(before, after)| {
            let (added, removed) = crate::protocol::voters::difference(before, after);
            added.len() + removed.len()
        });
        if uncommitted > 1 || changed > 1 {
            let breach = Breach::VoterChangeUnsafe {
                node: n.node.id,
                offset,
                uncommitted,
                changed,
            };
            self.report(found, now, "SingleUncommittedVoterChange", breach);
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
                "SnapshotAtLogStart",
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
                "MonotonicHighWatermark",
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
            let Some(entry) = log.entry(o) else { break };
            match self.committed_epoch(o) {
                Some(c) if c != entry.epoch => {
                    self.report(
                        found,
                        now,
                        "ConsistentCommittedData",
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

    /// A node's image: nothing at or above its HW applied, and equal to the replay of the
    /// committed log at the offset it applied up to (so all images agree on the committed prefix).
    ///
    /// Hashing an image costs its size: one of up to 100 partitions is hashed whenever it
    /// changes, a larger one once per hundredth of its size in records applied (every 1,000
    /// records at 100,000 partitions), so the check costs a bounded amount per record. A wrong
    /// image stays wrong, so it is still caught, some records later.
    fn check_image(&mut self, now: Time, i: usize, n: &SimNode, found: &mut Vec<Violation>) {
        let image = n.node.image();
        let id = n.node.id;
        let size = image.brokers.len() as Offset
            + image
                .topics
                .values()
                .map(|t| t.partitions.len() as Offset + 1)
                .sum::<Offset>();
        let last = self.seen[i].fingerprinted;
        let due = last == Offset::MAX
            || image.applied_offset < last
            || image.applied_offset - last >= size / 100;
        if due {
            self.seen[i].fingerprinted = image.applied_offset;
        }
        if let Some(hw) = n
            .node
            .high_watermark()
            .filter(|hw| image.applied_offset > *hw)
        {
            self.report(
                found,
                now,
                "ImageMatchesCommittedLog",
                Breach::AppliedPastHw {
                    node: id,
                    applied: image.applied_offset,
                    hw,
                },
            );
        }
        if due
            && self
                .replay
                .at(image.applied_offset)
                .is_some_and(|fp| fp != fingerprint(image))
        {
            self.report(
                found,
                now,
                "ImageMatchesCommittedLog",
                Breach::ImageDiffers { node: id },
            );
        }
    }

    /// A snapshot a node took or loaded holds the replay of the committed log at its end offset.
    fn check_snapshot_image(
        &mut self,
        now: Time,
        n: &SimNode,
        id: SnapshotId,
        found: &mut Vec<Violation>,
    ) {
        let Some(s) = n.node.log().snapshots().find(|s| s.id == id) else {
            return;
        };
        let wrong = s.image.applied_offset != id.end_offset
            || self
                .replay
                .at(id.end_offset)
                .is_some_and(|fp| fp != fingerprint(&s.image));
        if wrong {
            self.report(
                found,
                now,
                "ImageMatchesCommittedLog",
                Breach::SnapshotImageDiffers {
                    node: n.node.id,
                    end_offset: id.end_offset,
                },
            );
        }
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
                    "LogMatching",
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
        for n in nodes.iter().filter(|n| n.alive && keeps_metadata_log(n)) {
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
            quorum: crate::protocol::voters::QuorumBootstrap::fixed(&[1, 2, 3]),
            mode: Default::default(),
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
        let mut c = Checker::new();
        c.observe(0, &[TraceKind::HighWatermark { node: 1, hw: 3 }], &nodes);
        (c, nodes)
    }

    /// A snapshot of an empty image that applied everything below `end_offset`.
    fn snapshot(end_offset: Offset, epoch: Epoch) -> Snapshot {
        Snapshot {
            id: SnapshotId { end_offset, epoch },
            image: Image {
                applied_offset: end_offset,
                ..Image::default()
            },
        }
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
        let mut c = Checker::new();
        assert!(c.observe(0, &[role(1, Role::Leader, 3)], &nodes).is_empty());
        let found = c.observe(1, &[role(2, Role::Leader, 3)], &nodes);
        assert_eq!(names(&found), vec!["SingleLeader"]);
    }

    #[test]
    fn monotonic_epoch() {
        let nodes = [node(1, 3, &[], Role::Follower, None)];
        let mut c = Checker::new();
        c.observe(0, &[role(1, Role::Follower, 3)], &nodes);
        let found = c.observe(1, &[role(1, Role::Follower, 2)], &nodes);
        assert_eq!(names(&found), vec!["MonotonicEpoch"]);
    }

    #[test]
    fn monotonic_high_watermark() {
        let mut nodes = [node(1, 2, &[1, 2, 2], Role::Follower, Some(3))];
        let mut c = Checker::new();
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
    fn a_follower_of_a_stale_leader_may_drop_what_a_later_epoch_committed() {
        // Offsets 0..3 committed in epoch 2. Node 3, still in epoch 1 (following a leader of
        // epoch 1 cut off from the rest), drops offsets 1.. of epoch 1: Raft allows it.
        let (mut c, _) = committed_0_to_2();
        let truncate = |node| TraceKind::Truncate {
            node,
            to: 1,
            removed: 1,
            first_removed_epoch: 1,
            reason: TruncateReason::DivergingEpoch,
        };
        let stale = [node(3, 1, &[1], Role::Follower, None)];
        assert!(c.observe(1, &[truncate(3)], &stale).is_empty());
        // The same cut by a node in epoch 2, where the commit happened, breaks the rule.
        let current = [node(4, 2, &[1], Role::Follower, None)];
        let found = c.observe(2, &[truncate(4)], &current);
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
        n.node.durable.log.add_snapshot(snapshot(3, 2));
        n.node.durable.log.clean(0, None);
        let taken = |end_offset| TraceKind::SnapshotTaken {
            node: 1,
            id: SnapshotId {
                end_offset,
                epoch: 2,
            },
        };
        let mut c = Checker::new();
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
    fn two_snapshots_in_one_step_hold_only_the_last_to_the_log_start() {
        // A node learns of a big batch committed at once and snapshots twice in the step: at 2,
        // then at 4, where its log now starts. The first was at the log start when taken.
        let mut n = node(1, 2, &[1, 1, 2, 2, 2, 2], Role::Follower, Some(6));
        n.node.durable.log.add_snapshot(snapshot(4, 2));
        n.node.durable.log.clean(0, None);
        let taken = |end_offset| TraceKind::SnapshotTaken {
            node: 1,
            id: SnapshotId {
                end_offset,
                epoch: 2,
            },
        };
        let nodes = [n];
        let mut c = Checker::new();
        let found = c.observe(0, &[taken(2), taken(4)], &nodes);
        assert!(names(&found).is_empty(), "{found:?}");
        // The last snapshot of a step is still held to it.
        let found = c.observe(1, &[taken(4), taken(2)], &nodes);
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
        let found = Checker::new().observe(0, &[loaded], &nodes);
        assert_eq!(names(&found), vec!["LeaderNeverLoadSnapshot"]);
    }

    #[test]
    fn log_matching_after_every_step_and_in_the_whole_check() {
        // Same (offset 2, epoch 3), different epochs below it.
        let nodes = [
            node(1, 3, &[1, 1, 3], Role::Follower, None),
            node(2, 3, &[1, 2, 3], Role::Follower, None),
        ];
        let found = Checker::new().observe(0, &[], &nodes);
        assert_eq!(names(&found), vec!["LogMatching"]);
        let found = Checker::new().full_check(0, &nodes);
        assert_eq!(names(&found), vec!["LogMatching"]);
    }

    #[test]
    fn log_matching_when_an_epoch_begins_at_two_offsets() {
        let mut c = Checker::new();
        assert!(c
            .observe(0, &[], &[node(1, 2, &[1, 2, 2], Role::Follower, None)])
            .is_empty());
        // Epoch 2 began at offset 1 in node 1's log, at offset 2 here: one of them is not the
        // leader's.
        let later = [node(2, 2, &[1, 1, 2], Role::Follower, None)];
        assert_eq!(names(&c.observe(1, &[], &later)), vec!["LogMatching"]);
    }

    #[test]
    fn monotonic_high_watermark_read_from_node_state_without_an_event() {
        let mut nodes = [node(1, 2, &[1, 2, 2], Role::Follower, Some(3))];
        let mut c = Checker::new();
        assert!(c.observe(0, &[], &nodes).is_empty());
        nodes[0].node.hw = Some(2);
        assert_eq!(
            names(&c.observe(1, &[], &nodes)),
            vec!["MonotonicHighWatermark"]
        );
    }

    #[test]
    fn snapshot_at_log_start_as_kafka_keeps_it() {
        let mut n = node(1, 2, &[1, 1, 2, 2, 2], Role::Follower, None);
        n.node.durable.log.add_snapshot(snapshot(3, 2));
        n.node.durable.log.clean(0, None);
        n.node.durable.log.add_snapshot(snapshot(4, 2));
        let mut c = Checker::new();
        assert!(c.observe(0, &[], std::slice::from_ref(&n)).is_empty());
        // A fault: the snapshot at the log start (3) is lost; the earliest now ends at 4.
        n.node.durable.log.lose_earliest_snapshot();
        let found = c.observe(1, &[], &[n]);
        assert_eq!(names(&found), vec!["SnapshotAtLogStart"]);
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
        let found = Checker::new().observe(0, &[moved], &nodes);
        assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
        let found = Checker::new().full_check(0, &nodes);
        assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
    }

    fn broker(id: NodeId) -> crate::protocol::metadata::BrokerState {
        crate::protocol::metadata::BrokerState {
            id,
            epoch: 0,
            fenced: false,
            incarnation: 1,
        }
    }

    #[test]
    fn image_matches_committed_log_after_every_step_and_in_the_whole_check() {
        let mut n = node(1, 2, &[2], Role::Follower, Some(1));
        // Claims to have applied a record its log does not replay to.
        n.node.image.applied_offset = 1;
        n.node.image.brokers.insert(101, broker(101));
        let found = Checker::new().observe(0, &[], std::slice::from_ref(&n));
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
        let found = Checker::new().full_check(0, &[n]);
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    }

    #[test]
    fn images_agree_across_nodes_on_the_committed_prefix() {
        let mut c = Checker::new();
        let mut a = node(1, 2, &[2, 2], Role::Follower, Some(2));
        a.node.image.applied_offset = 2;
        assert!(c.observe(0, &[], std::slice::from_ref(&a)).is_empty());
        // Node 2 reaches the same offset later with a different image.
        let mut b = node(2, 2, &[2, 2], Role::Follower, Some(2));
        b.node.image.applied_offset = 2;
        b.node.image.brokers.insert(102, broker(102));
        let found = c.observe(1, &[], &[a, b]);
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    }

    #[test]
    fn nothing_at_or_above_the_hw_is_applied() {
        let mut n = node(1, 2, &[2, 2, 2], Role::Follower, Some(1));
        n.node.image.applied_offset = 2;
        let found = Checker::new().observe(0, &[], &[n]);
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
        assert!(matches!(
            found[0].breach,
            Breach::AppliedPastHw {
                applied: 2,
                hw: 1,
                ..
            }
        ));
    }

    #[test]
    fn a_snapshot_image_equals_the_replay_of_the_committed_log() {
        let mut n = node(1, 2, &[2, 2, 2], Role::Follower, Some(3));
        n.node.image.applied_offset = 3;
        let id = SnapshotId {
            end_offset: 2,
            epoch: 2,
        };
        let mut image = Image {
            applied_offset: 2,
            ..Image::default()
        };
        image.brokers.insert(101, broker(101));
        n.node.durable.log.add_snapshot(Snapshot { id, image });
        let mut c = Checker::new();
        assert!(c.observe(0, &[], std::slice::from_ref(&n)).is_empty());
        let taken = TraceKind::SnapshotTaken { node: 1, id };
        let found = c.observe(1, &[taken], &[n]);
        assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    }

    #[test]
    fn log_matching_for_an_epoch_a_log_start_cut_into() {
        // Node 1's log starts at 2 inside epoch 1 (its snapshot ends in epoch 1): epoch 1 began
        // at 2 or lower. Node 2 has epoch 1 begin at 3: they cannot both hold the leader's entries.
        let mut cut = node(1, 1, &[1, 1, 1, 1], Role::Follower, None);
        cut.node.durable.log.add_snapshot(snapshot(2, 1));
        cut.node.durable.log.clean(0, None);
        let mut c = Checker::new();
        assert!(c.observe(0, &[], std::slice::from_ref(&cut)).is_empty());
        let whole = node(2, 1, &[0, 0, 0, 1], Role::Follower, None);
        assert_eq!(names(&c.observe(1, &[], &[whole])), vec!["LogMatching"]);
        // A whole log where epoch 1 begins at 0 agrees with the cut one.
        let mut c = Checker::new();
        c.observe(0, &[], std::slice::from_ref(&cut));
        let agrees = node(3, 1, &[1, 1, 1, 1], Role::Follower, None);
        assert!(c.observe(1, &[], &[agrees]).is_empty());
    }

    #[test]
    fn the_replay_forgets_whole_chunks_below_every_log_start() {
        let mut r = Replay::new();
        for offset in 0..200 {
            r.push(&Entry {
                offset,
                epoch: 1,
                record: crate::protocol::record::Record::NoOp,
            });
        }
        assert!(r.at(0).is_some() && r.at(200).is_some() && r.at(201).is_none());
        r.forget_below(130);
        assert_eq!(r.base, 128);
        assert!(r.at(127).is_none() && r.at(128).is_some() && r.at(200).is_some());
    }

    #[test]
    fn log_matching_after_a_truncation_and_an_append_in_one_step() {
        let mut c = Checker::new();
        // Node 2 shows epoch 3 beginning at offset 3, after epoch 2.
        c.observe(0, &[], &[node(2, 3, &[1, 1, 2, 3], Role::Follower, None)]);
        let mut n = node(1, 3, &[1, 1, 2, 2], Role::Follower, None);
        assert!(c.observe(1, &[], std::slice::from_ref(&n)).is_empty());
        // In one step node 1 cuts back to 2 and appends epoch 3 there: its log end is unchanged,
        // but epoch 3 now begins at 2 here.
        n.node.durable.log = Log::from_epochs(&[1, 1, 3, 3]);
        let cut = TraceKind::Truncate {
            node: 1,
            to: 2,
            removed: 2,
            first_removed_epoch: 2,
            reason: TruncateReason::DivergingEpoch,
        };
        assert_eq!(names(&c.observe(2, &[cut], &[n])), vec!["LogMatching"]);
    }

    #[test]
    fn only_the_newest_leaders_hw_must_be_on_a_majority() {
        // Node 2 moved to epoch 3 without leading it; its HW is its own business. Leader 1's
        // HW 1 is on all three logs.
        let nodes = [
            node(1, 2, &[2], Role::Leader, Some(1)),
            node(2, 3, &[2, 2, 2], Role::Unattached, Some(3)),
            node(3, 2, &[2], Role::Follower, Some(1)),
        ];
        assert!(Checker::new().full_check(0, &nodes).is_empty());
    }

    #[test]
    fn a_voter_with_another_entry_at_the_hw_does_not_hold_it() {
        // Voters 2 and 3 are as long as the leader's HW but hold epoch 1 where it has epoch 2.
        let nodes = [
            node(1, 2, &[1, 1, 2], Role::Leader, Some(3)),
            node(2, 2, &[1, 1, 1], Role::Follower, None),
            node(3, 2, &[1, 1, 1], Role::Follower, None),
        ];
        let found = Checker::new().full_check(0, &nodes);
        assert!(names(&found).contains(&"MajorityReachedHighWatermark"));
    }

    #[test]
    fn log_matching_remembers_the_lowest_start_a_cut_log_showed() {
        let cut_at = |id, start: Offset| {
            let mut n = node(id, 1, &[1; 6], Role::Follower, None);
            n.node.durable.log.add_snapshot(snapshot(start, 1));
            n.node.durable.log.clean(0, None);
            n
        };
        let mut c = Checker::new();
        // Epoch 1 began at 3 or lower, then at 2 or lower...
        assert!(c.observe(0, &[], &[cut_at(1, 3)]).is_empty());
        assert!(c.observe(1, &[], &[cut_at(2, 2)]).is_empty());
        // ...so a log where it begins exactly at 3 disagrees with node 2's.
        let late = node(3, 1, &[0, 0, 0, 1, 1, 1], Role::Follower, None);
        assert_eq!(names(&c.observe(2, &[], &[late])), vec!["LogMatching"]);
    }

    /// Leader 1 (HW 1) with these VotersRecords appended after its first entry, none committed.
    fn leader_with_changes(changes: &[&[NodeId]]) -> SimNode {
        let mut n = node(1, 1, &[1], Role::Leader, Some(1));
        for (i, ids) in changes.iter().enumerate() {
            let offset = 1 + i as Offset;
            let voters = ids
                .iter()
                .map(|&id| crate::protocol::voters::Voter {
                    id,
                    directory_id: None,
                })
                .collect();
            let record = crate::protocol::record::Record::Voters { voters };
            n.node.voter_history.appended(offset, &record);
            n.node.durable.log.append(Entry {
                offset,
                epoch: 1,
                record,
            });
        }
        n
    }

    fn appended_voters(first: Offset) -> TraceKind {
        TraceKind::Append {
            node: 1,
            first,
            count: 1,
            epoch: 1,
            kind: "voters",
        }
    }

    #[test]
    fn single_uncommitted_voter_change() {
        let one = leader_with_changes(&[&[1, 2, 3, 4]]);
        let found = Checker::new().observe(0, &[appended_voters(1)], &[one]);
        assert!(!names(&found).contains(&"SingleUncommittedVoterChange"));
        let two_pending = leader_with_changes(&[&[1, 2, 3, 4], &[1, 2, 3, 4, 5]]);
        let found = Checker::new().observe(0, &[appended_voters(2)], &[two_pending]);
        assert!(names(&found).contains(&"SingleUncommittedVoterChange"));
        let two_at_once = leader_with_changes(&[&[1, 2, 3, 4, 5]]);
        let found = Checker::new().observe(0, &[appended_voters(1)], &[two_at_once]);
        assert!(names(&found).contains(&"SingleUncommittedVoterChange"));
    }

    #[test]
    fn single_active_controller_per_zookeeper_controller_epoch() {
        let elected = |node, epoch| TraceKind::ControllerElected { node, epoch };
        let mut c = Checker::new();
        // One broker per epoch, even the same broker again in a later one: fine.
        assert!(c
            .observe(0, &[elected(101, 1), elected(102, 2)], &[])
            .is_empty());
        assert!(c.observe(1, &[elected(102, 3)], &[]).is_empty());
        // Two brokers won the same epoch.
        let found = c.observe(2, &[elected(103, 3)], &[]);
        assert_eq!(names(&found), vec!["SingleActiveController"]);
    }

    #[test]
    fn a_zombie_write_is_a_violation() {
        let write = TraceKind::ZombieWrite {
            node: 101,
            epoch: 1,
            current: 2,
            path: "/brokers/topics/t/partitions/0/state".into(),
        };
        let found = Checker::new().observe(0, &[write], &[]);
        assert_eq!(names(&found), vec!["ZombieControllerWrite"]);
    }

    #[test]
    fn wiped_voter_voted() {
        let vote = TraceKind::VoteCast {
            voter: 2,
            candidate: 3,
            epoch: 2,
            pre_vote: false,
            granted: true,
            reason: crate::protocol::event::VoteReason::LogIsUpToDate,
        };
        let intact = node(2, 2, &[], Role::Unattached, None);
        assert!(Checker::new()
            .observe(0, std::slice::from_ref(&vote), &[intact])
            .is_empty());
        // Its disk was replaced, and the static set cannot tell: it votes as the voter it was.
        let mut wiped = node(2, 2, &[], Role::Unattached, None);
        wiped.lost_disks.push(wiped.node.directory_id());
        let found = Checker::new().observe(0, &[vote], &[wiped]);
        assert_eq!(names(&found), vec!["WipedVoterVoted"]);
    }

    #[test]
    fn majority_reached_high_watermark_while_a_voter_change_is_pending() {
        // Leader 1 committed offset 0 with voter 2 (of 1, 2, 3), then appended the removal of 2.
        let leader = leader_with_changes(&[&[1, 3]]);
        let empty = node(3, 1, &[], Role::Follower, None);
        let holder = node(2, 1, &[1], Role::Follower, None);
        let found = Checker::new().full_check(0, &[leader.clone(), holder, empty.clone()]);
        assert!(
            !names(&found).contains(&"MajorityReachedHighWatermark"),
            "on 2 of the old 3, though 1 of the new 2: {found:?}"
        );
        let lacking = node(2, 1, &[], Role::Follower, None);
        let found = Checker::new().full_check(0, &[leader, lacking, empty]);
        assert!(names(&found).contains(&"MajorityReachedHighWatermark"));
    }
}

#[cfg(test)]
mod replay_fingerprint {
    use super::*;
    use crate::protocol::record::{PartitionChangeRecord, Record, TopicConfig};

    fn entry(offset: Offset, record: Record) -> Entry {
        Entry {
            offset,
            epoch: 1,
            record,
        }
    }

    /// The replay's running fingerprint equals hashing the image from scratch after every kind
    /// of record, a topic written again over its partitions included.
    #[test]
    fn the_running_sum_equals_the_fingerprint_from_scratch() {
        let topic = |name: &str| Record::Topic {
            name: name.into(),
            topic_id: 7,
            config: TopicConfig::default(),
        };
        let partition = |p: u32, leader: Option<NodeId>| {
            Record::partition(7, p, vec![101, 102], vec![101, 102], leader)
        };
        let records = vec![
            Record::RegisterBroker {
                broker: 101,
                incarnation: 1,
            },
            Record::RegisterBroker {
                broker: 102,
                incarnation: 1,
            },
            Record::BrokerRegistrationChange {
                broker: 101,
                fenced: false,
            },
            topic("a"),
            partition(1, Some(101)),
            partition(0, Some(102)),
            Record::PartitionChange(Box::new(PartitionChangeRecord {
                topic_id: 7,
                partition: 0,
                isr: vec![101],
                elr: vec![],
                leader: Some(101),
                last_known_leader: None,
                recovering: false,
            })),
            partition(1, None),
            Record::NoOp,
            topic("b"),
            partition(2, Some(102)),
            // Names a topic that is not there: the image ignores it, and so does the sum.
            Record::PartitionChange(Box::new(PartitionChangeRecord {
                topic_id: 9,
                partition: 0,
                isr: vec![],
                elr: vec![],
                leader: None,
                last_known_leader: None,
                recovering: false,
            })),
        ];
        let mut replay = Replay::new();
        let mut seen = vec![fingerprint(&replay.image)];
        for (i, r) in records.into_iter().enumerate() {
            replay.push(&entry(i as Offset, r));
            assert_eq!(
                replay.at(i as Offset + 1),
                Some(fingerprint(&replay.image)),
                "after record {i}"
            );
            seen.push(fingerprint(&replay.image));
        }
        // Every step changed the image, and so its fingerprint.
        let distinct: std::collections::BTreeSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len());
    }
}
