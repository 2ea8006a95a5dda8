//! One partition as the metadata has it (Kafka's PartitionRegistration): replicas, ISR, ELR,
//! leader and epochs. A plain type: records carry it and images hold it.

use crate::protocol::types::NodeId;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PartitionState {
    pub partition: u32,
    /// Assignment order: the first is the preferred leader.
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    /// Eligible Leader Replicas (KIP-966): left the ISR while it was below min ISR.
    pub elr: Vec<NodeId>,
    pub leader: Option<NodeId>,
    /// Bumped on every leader change, as Kafka's partition leader epoch.
    pub leader_epoch: u32,
    /// Bumped on every change of the partition (ISR, ELR or leader).
    pub partition_epoch: u32,
    /// The leader before the ISR emptied: it may lead again once it is back.
    pub last_known_leader: Option<NodeId>,
    /// Leader recovery state RECOVERING: an unclean election chose the leader.
    pub recovering: bool,
}

impl PartitionState {
    /// A new partition: every replica in sync, the first one leading.
    pub fn new(partition: u32, replicas: Vec<NodeId>) -> PartitionState {
        PartitionState {
            partition,
            isr: replicas.clone(),
            leader: replicas.first().copied(),
            replicas,
            elr: Vec::new(),
            leader_epoch: 0,
            partition_epoch: 0,
            last_known_leader: None,
            recovering: false,
        }
    }

    /// The first replica in assignment order.
    pub fn preferred_leader(&self) -> Option<NodeId> {
        self.replicas.first().copied()
    }
}
