//! The metadata image: what replaying committed records in order gives. Every node keeps its own.

// The partition state has a file of its own (records carry it); its old path still names it.
pub use crate::protocol::partition_state::PartitionState;
use crate::protocol::record::{Entry, Record, TopicConfig};
use crate::protocol::types::{NodeId, Offset};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BrokerState {
    pub id: NodeId,
    /// The broker epoch: offset of its RegisterBroker record.
    pub epoch: Offset,
    pub fenced: bool,
    /// Which process start of the broker registered (a restart is a new incarnation).
    pub incarnation: u64,
}

/// A topic's partitions, sorted by partition number. Each state is shared: between the record
/// that created it and every image that applied that record, and between an image and its
/// clones (pending and replay images, snapshots), until one of them changes it (copy on write).
/// At 100,000 partitions a copy per image was most of a KRaft node's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Partitions(Vec<Rc<PartitionState>>);

impl Partitions {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &PartitionState> + Clone {
        self.0.iter().map(|p| &**p)
    }

    /// The shared states themselves, to hand on without copying them.
    pub fn shared(&self) -> &[Rc<PartitionState>] {
        &self.0
    }

    fn position(&self, partition: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&partition, |p| p.partition)
    }

    /// A partition by number.
    pub fn get(&self, partition: u32) -> Option<&PartitionState> {
        let i = self.position(partition).ok()?;
        self.0.get(i).map(|p| &**p)
    }

    /// A partition by number, to change: this holder's own copy from now on.
    pub fn get_mut(&mut self, partition: u32) -> Option<&mut PartitionState> {
        let i = self.position(partition).ok()?;
        self.0.get_mut(i).map(Rc::make_mut)
    }

    /// Puts `state` in its place by partition number, replacing one with the same number.
    /// Found by binary search, not by a scan (a topic may have 100,000 partitions).
    pub fn insert(&mut self, state: Rc<PartitionState>) {
        match self.position(state.partition) {
            Ok(i) => self.0[i] = state,
            Err(i) => self.0.insert(i, state),
        }
    }

    /// Adds states in any order, sorting once: inserting each in place is quadratic when they
    /// fall between the present ones. Of a partition named more than once in `new`, the last
    /// stands (a present one is not to be named).
    pub fn merge(&mut self, mut new: Vec<Rc<PartitionState>>) {
        // The sort is stable and the dedup keeps the first of equals: reversed, the last wins.
        new.reverse();
        self.0.append(&mut new);
        self.0.sort_by_key(|s| s.partition);
        self.0.dedup_by_key(|s| s.partition);
    }
}

impl From<Vec<PartitionState>> for Partitions {
    fn from(states: Vec<PartitionState>) -> Partitions {
        states.into_iter().collect()
    }
}

impl FromIterator<PartitionState> for Partitions {
    fn from_iter<I: IntoIterator<Item = PartitionState>>(states: I) -> Partitions {
        let mut states: Vec<Rc<PartitionState>> = states.into_iter().map(Rc::new).collect();
        states.sort_by_key(|s| s.partition);
        Partitions(states)
    }
}

impl<'a> IntoIterator for &'a Partitions {
    type Item = &'a PartitionState;
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, Rc<PartitionState>>,
        fn(&'a Rc<PartitionState>) -> &'a PartitionState,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|p| &**p)
    }
}

/// By position, as a Vec (the tests' `partitions[0]`).
impl Index<usize> for Partitions {
    type Output = PartitionState;

    fn index(&self, i: usize) -> &PartitionState {
        &self.0[i]
    }
}

impl IndexMut<usize> for Partitions {
    fn index_mut(&mut self, i: usize) -> &mut PartitionState {
        Rc::make_mut(&mut self.0[i])
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TopicState {
    pub name: String,
    pub topic_id: u32,
    pub config: TopicConfig,
    /// Sorted by partition number.
    pub partitions: Partitions,
}

impl TopicState {
    /// A partition by number.
    pub fn partition(&self, partition: u32) -> Option<&PartitionState> {
        self.partitions.get(partition)
    }

    fn partition_mut(&mut self, partition: u32) -> Option<&mut PartitionState> {
        self.partitions.get_mut(partition)
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
    pub voters: Option<Vec<crate::protocol::voter::Voter>>,
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
                        partitions: Partitions::default(),
                    },
                );
            }
            Record::Partition { topic_id, state } => {
                if let Some(t) = self.topics.get_mut(topic_id) {
                    // The record's own state: every node that applies it shares one.
                    t.partitions.insert(state.clone());
                }
            }
            Record::PartitionChange(c) => {
                // Copy on write: this image's own state from now on.
                if let Some(p) = self
                    .topics
                    .get_mut(&c.topic_id)
                    .and_then(|t| t.partition_mut(c.partition))
                {
                    if p.leader != c.leader {
                        p.leader_epoch += 1;
                    }
                    p.partition_epoch += 1;
                    p.isr = c.isr.clone();
                    p.elr = c.elr.clone();
                    p.leader = c.leader;
                    p.last_known_leader = c.last_known_leader;
                    p.recovering = c.recovering;
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
