//! The checker's vocabulary: which rule broke (`Invariant`), how (`Breach`, typed, for the page to
//! say in the learner's language) and when (`Violation`). Plain types: the checks that find
//! violations live in `invariants`, `data_checks`, `power_losses` and `liveness`.

use crate::protocol::types::{Epoch, NodeId, Offset, Time};
use serde::Serialize;

/// Every rule the checker knows, by the name the CLI's JSON and the scenarios use (Kafka's own
/// simulation test's names where one exists). A new rule is a new variant: the page's
/// explanation of each rule is a `match` on this, so it cannot be forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invariant {
    SingleLeader,
    MonotonicEpoch,
    MonotonicHighWatermark,
    MajorityReachedHighWatermark,
    ConsistentCommittedData,
    LeaderCompleteness,
    NoTruncationBelowHighWatermark,
    SnapshotCommitted,
    SnapshotAtLogStart,
    LeaderNeverLoadSnapshot,
    LogMatching,
    ImageMatchesCommittedLog,
    SingleUncommittedVoterChange,
    WipedVoterVoted,
    IsrWithinReplicas,
    ElectionRule,
    SingleActiveController,
    ZombieControllerWrite,
    AckedRecordLost,
    ReplicaDivergence,
    PartitionLeaderNotInIsr,
    PartitionHighWatermarkMonotonic,
    IsrMemberMissingRecords,
    ElrMemberMissingRecords,
    AckedWithoutMinIsr,
    ConsumerReadUncommitted,
    /// Not a safety rule: a healed cluster that did not settle (chaos's liveness phase).
    Liveness,
}

impl Invariant {
    /// Every rule, in the order the page lists them.
    pub const ALL: [Invariant; 27] = [
        Invariant::SingleLeader,
        Invariant::MonotonicEpoch,
        Invariant::MonotonicHighWatermark,
        Invariant::MajorityReachedHighWatermark,
        Invariant::ConsistentCommittedData,
        Invariant::LeaderCompleteness,
        Invariant::NoTruncationBelowHighWatermark,
        Invariant::SnapshotCommitted,
        Invariant::SnapshotAtLogStart,
        Invariant::LeaderNeverLoadSnapshot,
        Invariant::LogMatching,
        Invariant::ImageMatchesCommittedLog,
        Invariant::SingleUncommittedVoterChange,
        Invariant::WipedVoterVoted,
        Invariant::IsrWithinReplicas,
        Invariant::ElectionRule,
        Invariant::SingleActiveController,
        Invariant::ZombieControllerWrite,
        Invariant::AckedRecordLost,
        Invariant::ReplicaDivergence,
        Invariant::PartitionLeaderNotInIsr,
        Invariant::PartitionHighWatermarkMonotonic,
        Invariant::IsrMemberMissingRecords,
        Invariant::ElrMemberMissingRecords,
        Invariant::AckedWithoutMinIsr,
        Invariant::ConsumerReadUncommitted,
        Invariant::Liveness,
    ];

    /// The rule's name as the CLI prints it and scenarios expect it.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::SingleLeader => "SingleLeader",
            Invariant::MonotonicEpoch => "MonotonicEpoch",
            Invariant::MonotonicHighWatermark => "MonotonicHighWatermark",
            Invariant::MajorityReachedHighWatermark => "MajorityReachedHighWatermark",
            Invariant::ConsistentCommittedData => "ConsistentCommittedData",
            Invariant::LeaderCompleteness => "LeaderCompleteness",
            Invariant::NoTruncationBelowHighWatermark => "NoTruncationBelowHighWatermark",
            Invariant::SnapshotCommitted => "SnapshotCommitted",
            Invariant::SnapshotAtLogStart => "SnapshotAtLogStart",
            Invariant::LeaderNeverLoadSnapshot => "LeaderNeverLoadSnapshot",
            Invariant::LogMatching => "LogMatching",
            Invariant::ImageMatchesCommittedLog => "ImageMatchesCommittedLog",
            Invariant::SingleUncommittedVoterChange => "SingleUncommittedVoterChange",
            Invariant::WipedVoterVoted => "WipedVoterVoted",
            Invariant::IsrWithinReplicas => "IsrWithinReplicas",
            Invariant::ElectionRule => "ElectionRule",
            Invariant::SingleActiveController => "SingleActiveController",
            Invariant::ZombieControllerWrite => "ZombieControllerWrite",
            Invariant::AckedRecordLost => "AckedRecordLost",
            Invariant::ReplicaDivergence => "ReplicaDivergence",
            Invariant::PartitionLeaderNotInIsr => "PartitionLeaderNotInIsr",
            Invariant::PartitionHighWatermarkMonotonic => "PartitionHighWatermarkMonotonic",
            Invariant::IsrMemberMissingRecords => "IsrMemberMissingRecords",
            Invariant::ElrMemberMissingRecords => "ElrMemberMissingRecords",
            Invariant::AckedWithoutMinIsr => "AckedWithoutMinIsr",
            Invariant::ConsumerReadUncommitted => "ConsumerReadUncommitted",
            Invariant::Liveness => "Liveness",
        }
    }

    /// The rule a name names (scenario documents and the CLI speak names).
    pub fn from_name(name: &str) -> Option<Invariant> {
        Invariant::ALL.into_iter().find(|i| i.name() == name)
    }
}

impl std::fmt::Display for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Invariant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Violation {
    /// A violation of the rule `breach` breaks, found at `time_ms`.
    pub fn new(time_ms: Time, breach: Breach) -> Violation {
        Violation {
            time_ms,
            invariant: breach.invariant().name(),
            detail: breach.to_string(),
            breach,
        }
    }
}

impl Breach {
    /// The rule this breach breaks (several breaches may break one rule).
    pub fn invariant(&self) -> Invariant {
        match self {
            Breach::EpochWentBack { .. } => Invariant::MonotonicEpoch,
            Breach::TwoLeaders { .. } => Invariant::SingleLeader,
            Breach::TruncatedCommitted { .. } | Breach::CommittedDiffers { .. } => {
                Invariant::ConsistentCommittedData
            }
            Breach::TruncatedBelowHw { .. } => Invariant::NoTruncationBelowHighWatermark,
            Breach::SnapshotPastHw { .. } => Invariant::SnapshotCommitted,
            Breach::SnapshotBeforeLogStart { .. } | Breach::LogStartWithoutSnapshot { .. } => {
                Invariant::SnapshotAtLogStart
            }
            Breach::LeaderLoadedSnapshot { .. } => Invariant::LeaderNeverLoadSnapshot,
            Breach::HwWentBack { .. } | Breach::LeaderHwBelowEarlier { .. } => {
                Invariant::MonotonicHighWatermark
            }
            Breach::HwNotOnMajority { .. } => Invariant::MajorityReachedHighWatermark,
            Breach::LeaderTooShort { .. } | Breach::LeaderLacksEntry { .. } => {
                Invariant::LeaderCompleteness
            }
            Breach::LogsDiverge { .. } => Invariant::LogMatching,
            Breach::ImageDiffers { .. }
            | Breach::AppliedPastHw { .. }
            | Breach::SnapshotImageDiffers { .. } => Invariant::ImageMatchesCommittedLog,
            Breach::AckedRecordLost { .. } => Invariant::AckedRecordLost,
            Breach::ReplicaDivergence { .. } => Invariant::ReplicaDivergence,
            Breach::PartitionLeaderNotInIsr { .. } => Invariant::PartitionLeaderNotInIsr,
            Breach::PartitionHwWentBack { .. } => Invariant::PartitionHighWatermarkMonotonic,
            Breach::VoterChangeUnsafe { .. } => Invariant::SingleUncommittedVoterChange,
            Breach::WipedVoterVoted { .. } => Invariant::WipedVoterVoted,
            Breach::Stalled { .. } => Invariant::Liveness,
            Breach::IsrOutsideReplicas { .. } => Invariant::IsrWithinReplicas,
            Breach::ElectionRule { .. } => Invariant::ElectionRule,
            Breach::TwoControllers { .. } => Invariant::SingleActiveController,
            Breach::ZombieControllerWrite { .. } => Invariant::ZombieControllerWrite,
            Breach::IsrMemberMissingRecords { .. } => Invariant::IsrMemberMissingRecords,
            Breach::ElrMemberMissingRecords { .. } => Invariant::ElrMemberMissingRecords,
            Breach::AckedWithoutMinIsr { .. } => Invariant::AckedWithoutMinIsr,
            Breach::ConsumerReadUncommitted { .. } => Invariant::ConsumerReadUncommitted,
        }
    }
}

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
        stall: Stall,
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

/// The first thing a healed cluster has not done yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stall", rename_all = "snake_case")]
pub enum Stall {
    NoLeader,
    /// A node's metadata log lacks a record the leader committed, or does not know it committed.
    LogBehind {
        node: NodeId,
        leo: Offset,
        hw: Option<Offset>,
        leader_leo: Offset,
        leader_hw: Option<Offset>,
    },
    /// A broker is not registered, or still fenced, in the committed metadata.
    BrokerFenced {
        broker: NodeId,
    },
    /// ZooKeeper mode: a broker's metadata cache still disagrees with ZooKeeper.
    MetadataCacheBehind {
        broker: NodeId,
    },
    PartitionLeaderless {
        topic_id: u32,
        partition: u32,
    },
    /// The ISR is smaller than the replica set.
    IsrShort {
        topic_id: u32,
        partition: u32,
        isr: Vec<NodeId>,
        replicas: Vec<NodeId>,
    },
    /// A replica's log (LEO, HW) is not its leader's.
    ReplicaBehind {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        leo: Offset,
        hw: Offset,
        leader_leo: Offset,
        leader_hw: Offset,
    },
    ProducePending {
        produce: u64,
    },
    /// Under a steady load, with every node running and every link healed, a partition's ISR
    /// lost a replica (a follower that never counts as caught up while records keep coming).
    IsrShrankUnderLoad {
        topic_id: u32,
        partition: u32,
        isr: Vec<NodeId>,
        replicas: Vec<NodeId>,
    },
    /// Under a steady load, a produce to a partition that is led with its full ISR was still
    /// pending after `pending_ms`: the producer does not keep up.
    ProduceStuck {
        produce: u64,
        pending_ms: Time,
    },
}

impl std::fmt::Display for Stall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hw = |h: &Option<Offset>| h.map_or("none".to_string(), |h| h.to_string());
        match self {
            Stall::NoLeader => write!(f, "no controller leads"),
            Stall::LogBehind {
                node,
                leo,
                hw: h,
                leader_leo,
                leader_hw,
            } => write!(
                f,
                "node {node}'s metadata log (LEO {leo}, HW {}) is behind the leader's (LEO {leader_leo}, HW {})",
                hw(h),
                hw(leader_hw)
            ),
            Stall::BrokerFenced { broker } => write!(f, "broker {broker} is not unfenced"),
            Stall::MetadataCacheBehind { broker } => write!(
                f,
                "broker {broker}'s metadata cache disagrees with ZooKeeper"
            ),
            Stall::PartitionLeaderless {
                topic_id,
                partition,
            } => write!(f, "partition {topic_id}-{partition} has no leader"),
            Stall::IsrShort {
                topic_id,
                partition,
                isr,
                replicas,
            } => write!(
                f,
                "partition {topic_id}-{partition} has ISR {isr:?} of replicas {replicas:?}"
            ),
            Stall::ReplicaBehind {
                node,
                topic_id,
                partition,
                leo,
                hw,
                leader_leo,
                leader_hw,
            } => write!(
                f,
                "broker {node}'s replica of {topic_id}-{partition} (LEO {leo}, HW {hw}) is behind its leader's (LEO {leader_leo}, HW {leader_hw})"
            ),
            Stall::ProducePending { produce } => write!(f, "produce {produce} is still pending"),
            Stall::IsrShrankUnderLoad {
                topic_id,
                partition,
                isr,
                replicas,
            } => write!(
                f,
                "under a steady load, partition {topic_id}-{partition} has ISR {isr:?} of replicas {replicas:?}"
            ),
            Stall::ProduceStuck {
                produce,
                pending_ms,
            } => write!(
                f,
                "under a steady load, produce {produce} to a healthy partition is still pending after {} s",
                pending_ms / 1000
            ),
        }
    }
}
