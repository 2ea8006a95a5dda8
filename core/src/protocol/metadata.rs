//! The metadata image: what replaying committed records in order gives. Every node keeps its own.

use crate::protocol::record::{Entry, Record, TopicConfig};
use crate::protocol::types::{NodeId, Offset};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BrokerState {
    pub id: NodeId,
    /// The broker epoch: offset of its RegisterBroker record.
    pub epoch: Offset,
    pub fenced: bool,
    /// Which process start of the broker registered (a restart is a new incarnation).
    pub incarnation: u64,
}

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

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TopicState {
    pub name: String,
    pub topic_id: u32,
    pub config: TopicConfig,
    /// Sorted by partition number.
    pub partitions: Vec<PartitionState>,
}

impl TopicState {
    /// A partition by number.
    pub fn partition(&self, partition: u32) -> Option<&PartitionState> {
        let i = self
            .partitions
            .binary_search_by_key(&partition, |p| p.partition)
            .ok()?;
        self.partitions.get(i)
    }

    fn partition_mut(&mut self, partition: u32) -> Option<&mut PartitionState> {
        let i = self
            .partitions
            .binary_search_by_key(&partition, |p| p.partition)
            .ok()?;
        self.partitions.get_mut(i)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Image {
    /// Offset after the last applied record (exclusive, like the HW).
    pub applied_offset: Offset,
    pub brokers: BTreeMap<NodeId, BrokerState>,
    pub topics: BTreeMap<u32, TopicState>,
    /// The committed voter set (KIP-853), so a snapshot carries it; None in a static quorum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters: Option<Vec<crate::protocol::voters::Voter>>,
}

impl Image {
    /// Applies one committed entry. Records that name unknown brokers or topics are ignored, as a
    /// replay must never fail half-way.
    pub fn apply(&mut self, entry: &Entry) {
        self.applied_offset = entry.offset + 1;
        match &entry.record {
            Record::Client
            | Record::LeaderChange { .. }
            | Record::NoOp
            | Record::KRaftVersion { .. } => {}
            Record::Voters { voters } => self.voters = Some(voters.clone()),
            Record::RegisterBroker {
                broker,
                incarnation,
            } => {
                self.brokers.insert(
                    *broker,
                    BrokerState {
                        id: *broker,
                        epoch: entry.offset,
                        fenced: true,
                        incarnation: *incarnation,
                    },
                );
            }
            Record::BrokerRegistrationChange { broker, fenced } => {
                if let Some(b) = self.brokers.get_mut(broker) {
                    b.fenced = *fenced;
                }
            }
            Record::Topic {
                name,
                topic_id,
                config,
            } => {
                self.topics.insert(
                    *topic_id,
                    TopicState {
                        name: name.clone(),
                        topic_id: *topic_id,
                        config: *config,
                        partitions: Vec::new(),
                    },
                );
            }
            Record::Partition {
                topic_id,
                partition,
                replicas,
                isr,
                leader,
            } => {
                if let Some(t) = self.topics.get_mut(topic_id) {
                    // Kept sorted by partition number: found by binary search, not by a scan
                    // (a topic may have 100,000 partitions).
                    // Built whole: `PartitionState::new` would copy the replicas for an ISR
                    // thrown away at once.
                    let state = PartitionState {
                        partition: *partition,
                        replicas: replicas.clone(),
                        isr: isr.clone(),
                        elr: Vec::new(),
                        leader: *leader,
                        leader_epoch: 0,
                        partition_epoch: 0,
                        last_known_leader: None,
                        recovering: false,
                    };
                    match t
                        .partitions
                        .binary_search_by_key(partition, |p| p.partition)
                    {
                        Ok(i) => t.partitions[i] = state,
                        Err(i) => t.partitions.insert(i, state),
                    }
                }
            }
            Record::PartitionChange {
                topic_id,
                partition,
                isr,
                elr,
                leader,
                last_known_leader,
                recovering,
            } => {
                if let Some(p) = self
                    .topics
                    .get_mut(topic_id)
                    .and_then(|t| t.partition_mut(*partition))
                {
                    if p.leader != *leader {
                        p.leader_epoch += 1;
                    }
                    p.partition_epoch += 1;
                    p.isr = isr.clone();
                    p.elr = elr.clone();
                    p.leader = *leader;
                    p.last_known_leader = *last_known_leader;
                    p.recovering = *recovering;
                }
            }
        }
    }

    /// A partition by topic id and number.
    pub fn partition(&self, topic_id: u32, partition: u32) -> Option<&PartitionState> {
        self.topics.get(&topic_id)?.partition(partition)
    }

    pub fn topic_by_name(&self, name: &str) -> Option<&TopicState> {
        self.topics.values().find(|t| t.name == name)
    }

    pub fn is_unfenced(&self, broker: NodeId) -> bool {
        self.brokers.get(&broker).is_some_and(|b| !b.fenced)
    }

    pub fn unfenced_brokers(&self) -> Vec<NodeId> {
        self.brokers
            .values()
            .filter(|b| !b.fenced)
            .map(|b| b.id)
            .collect()
    }
}
