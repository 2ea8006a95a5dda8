//! Small shared vocabulary: ids, epochs, offsets, virtual time.

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
