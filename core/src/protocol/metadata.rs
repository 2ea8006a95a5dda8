//! The metadata image: what replaying committed records in order gives. Every node keeps its own.

use crate::protocol::record::{Entry, Record};
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
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    pub leader: Option<NodeId>,
    /// Bumped on every leader change, as Kafka's partition leader epoch.
    pub leader_epoch: u32,
}

impl PartitionState {
    /// What fencing `broker` does to this partition, as (new ISR, new leader), or None if the
    /// partition does not involve it. The broker leaves the ISR; if it led, the first ISR member
    /// still `unfenced` takes over. Fencing the last ISR member leaves it in the ISR (it alone has
    /// every committed record) with no leader, unless `unclean` lets an out-of-sync replica lead.
    pub fn after_fencing(
        &self,
        broker: NodeId,
        unfenced: &[NodeId],
        unclean: bool,
    ) -> Option<(Vec<NodeId>, Option<NodeId>)> {
        if !self.isr.contains(&broker) && self.leader != Some(broker) {
            return None;
        }
        let isr: Vec<NodeId> = self.isr.iter().copied().filter(|b| *b != broker).collect();
        if isr.is_empty() {
            return Some(
                match self.replicas.iter().copied().find(|b| unfenced.contains(b)) {
                    Some(b) if unclean => (vec![b], Some(b)),
                    _ => (self.isr.clone(), None),
                },
            );
        }
        let leader = if self.leader == Some(broker) {
            isr.iter().copied().find(|b| unfenced.contains(b))
        } else {
            self.leader
        };
        Some((isr, leader))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TopicState {
    pub name: String,
    pub topic_id: u32,
    pub partitions: Vec<PartitionState>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Image {
    /// Offset after the last applied record (exclusive, like the HW).
    pub applied_offset: Offset,
    pub brokers: BTreeMap<NodeId, BrokerState>,
    pub topics: BTreeMap<u32, TopicState>,
}

impl Image {
    /// Applies one committed entry. Records that name unknown brokers or topics are ignored, as a
    /// replay must never fail half-way.
    pub fn apply(&mut self, entry: &Entry) {
        self.applied_offset = entry.offset + 1;
        match &entry.record {
            Record::Client | Record::LeaderChange { .. } | Record::NoOp => {}
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
            Record::Topic { name, topic_id } => {
                self.topics.insert(
                    *topic_id,
                    TopicState {
                        name: name.clone(),
                        topic_id: *topic_id,
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
                    t.partitions.retain(|p| p.partition != *partition);
                    t.partitions.push(PartitionState {
                        partition: *partition,
                        replicas: replicas.clone(),
                        isr: isr.clone(),
                        leader: *leader,
                        leader_epoch: 0,
                    });
                    t.partitions.sort_by_key(|p| p.partition);
                }
            }
            Record::PartitionChange {
                topic_id,
                partition,
                isr,
                leader,
            } => {
                if let Some(p) = self
                    .topics
                    .get_mut(topic_id)
                    .and_then(|t| t.partitions.iter_mut().find(|p| p.partition == *partition))
                {
                    if p.leader != *leader {
                        p.leader_epoch += 1;
                    }
                    p.isr = isr.clone();
                    p.leader = *leader;
                }
            }
        }
    }

    /// A partition by topic id and number.
    pub fn partition(&self, topic_id: u32, partition: u32) -> Option<&PartitionState> {
        self.topics
            .get(&topic_id)?
            .partitions
            .iter()
            .find(|p| p.partition == partition)
    }

    pub fn topic_by_name(&self, name: &str) -> Option<&TopicState> {
        self.topics.values().find(|t| t.name == name)
    }

    pub fn unfenced_brokers(&self) -> Vec<NodeId> {
        self.brokers
            .values()
            .filter(|b| !b.fenced)
            .map(|b| b.id)
            .collect()
    }
}
