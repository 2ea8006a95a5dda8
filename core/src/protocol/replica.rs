//! A broker's replica of one partition, as plain data: its log and HW, and what it keeps while
//! it leads (followers, the ISR it acts on, held produces, its ISR change in flight). The
//! behaviour is in `partition`, `isr` and `replica_fetch`.

use crate::protocol::follower_state::FollowerState;
use crate::protocol::message::{AlterPartitionRequest, ErrorCode, Message, ProduceResponse};
use crate::protocol::partition_log::PartitionLog;
use crate::protocol::types::{NodeId, Offset, PartitionKey, Time};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replica {
    /// The records, their epochs and the log start: durable.
    pub log: PartitionLog,
    pub hw: Offset,
    /// The partition leader epoch this replica last saw in the committed image.
    pub leader_epoch: u32,
    pub leader: Option<NodeId>,
    /// Leader only: what it knows of each follower (Kafka's `Replica` state).
    pub followers: BTreeMap<NodeId, FollowerState>,
    /// Leader only: the ISR it acts on and the partition epoch of that state: the metadata's,
    /// or the controller's answer to its AlterPartition when that is newer.
    pub isr: Vec<NodeId>,
    pub partition_epoch: u32,
    /// Leader only: acks=all produces waiting for the HW to pass their last record (volatile).
    pub purgatory: Vec<Parked>,
    /// Leader only: the ISR change it asked the controller for, not settled yet.
    pub pending_isr: Option<Box<PendingIsrChange>>,
    /// Follower only: after an error on this partition, it is left out of fetches until then
    /// (Kafka delays a partition in error by its fetch back-off).
    pub fetch_delayed_until: Option<Time>,
}

/// A broker's replicas by partition. Boxed: a map of 100,000 replicas filled in key order
/// leaves its nodes half empty, which costs little for a pointer and much for a whole replica.
pub type Replicas = BTreeMap<PartitionKey, Box<Replica>>;

/// An acks=all produce the leader holds until its records are committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Parked {
    pub from: NodeId,
    pub correlation: u64,
    pub produce: u64,
    pub base_offset: Offset,
    /// The offset after its last record: committed once the HW reaches it.
    pub end: Offset,
    pub deadline: Time,
}

/// The ISR change a leader has asked for and not yet seen settled (Kafka's
/// `PendingExpandIsr` / `PendingShrinkIsr`).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingIsrChange {
    /// The follower an expansion adds: it counts for the HW at once (the "maximal ISR").
    /// None for a shrink, whose leavers count until the change is settled.
    pub joining: Option<NodeId>,
    pub request: AlterPartitionRequest,
    /// When to send it again if no answer came (a lost request or answer); None once an
    /// answer said it will not be applied as sent: only new metadata settles it then.
    pub resend_at: Option<Time>,
}

/// The answer to a held acks=all produce.
pub(crate) fn produce_answer(
    p: &Parked,
    key: PartitionKey,
    base_offset: Option<Offset>,
    error: Option<ErrorCode>,
) -> (NodeId, Message) {
    (
        p.from,
        Message::ProduceResponse(ProduceResponse {
            correlation: p.correlation,
            produce: p.produce,
            topic_id: key.0,
            partition: key.1,
            base_offset,
            error,
        }),
    )
}
