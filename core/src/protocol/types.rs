//! Small shared vocabulary: ids, epochs, offsets, virtual time, partition keys, acks.

/// A node id: controllers and brokers share one id space, as in Kafka's `node.id`.
pub type NodeId = u32;
/// Raft's term; Kafka calls it the leader epoch of the metadata partition.
pub type Epoch = u32;
/// A log position, from 0. End offsets and high watermarks are exclusive.
pub type Offset = u64;
/// Virtual milliseconds since the simulation began.
pub type Time = u64;

/// Identifies a snapshot: it holds every entry below `end_offset`; the last one has `epoch`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct SnapshotId {
    pub end_offset: Offset,
    pub epoch: Epoch,
}

/// A client's durability request for a produce.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Acks {
    /// acks=0: no wait.
    None,
    /// acks=1: the leader wrote it.
    Leader,
    /// acks=all: every ISR member has it; refused when the ISR is below min.insync.replicas.
    All,
}

/// Partition key: (topic id, partition).
pub type PartitionKey = (u32, u32);
