//! The records of `__cluster_metadata`: what the log carries.

use crate::protocol::partition_state::PartitionState;
use crate::protocol::types::{Epoch, NodeId, Offset};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A neutral record: a client write (`append`) or an entry of a scenario's `initial` log.
    Client,
    /// Control record a new leader appends in its epoch; it lets the leader commit promptly.
    LeaderChange {
        leader: NodeId,
    },
    /// Written by the idle active controller so the HW keeps moving.
    NoOp,
    RegisterBroker {
        broker: NodeId,
        /// The process start that registered (Kafka's incarnationId).
        incarnation: u64,
    },
    BrokerRegistrationChange {
        broker: NodeId,
        fenced: bool,
    },
    Topic {
        name: String,
        topic_id: u32,
        /// The topic's own settings (Kafka writes them as ConfigRecords).
        config: TopicConfig,
    },
    /// A new partition: its number, replicas, ISR and leader (`Record::partition`).
    Partition {
        topic_id: u32,
        /// The state it starts in, ready made: every image that applies the record shares this
        /// one (100,000 partitions times every node's images were that many copies). Written as
        /// the record's own fields `partition`, `replicas`, `isr`, `leader`.
        #[serde(flatten, serialize_with = "new_partition_fields")]
        state: Rc<PartitionState>,
    },
    /// The partition's new ISR, ELR and leader (the leader epoch moves when the leader does).
    /// Boxed: the largest record, and every entry of the log is as large as the largest (a
    /// new topic's log is 100,000 Partition records).
    PartitionChange(Box<PartitionChangeRecord>),
    /// KIP-853: the feature level of the quorum (written once, at `kraft.version` 1).
    KRaftVersion {
        version: u8,
    },
    /// KIP-853: the whole voter set. It counts from the moment it is in a replica's log.
    Voters {
        voters: Vec<crate::protocol::voter::Voter>,
    },
}

/// A PartitionChange record's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionChangeRecord {
    pub topic_id: u32,
    pub partition: u32,
    pub isr: Vec<NodeId>,
    pub elr: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub last_known_leader: Option<NodeId>,
    /// Leader recovery state RECOVERING: the leader was chosen uncleanly.
    pub recovering: bool,
}

/// Topic-level overrides of the cluster's settings; None = the cluster's value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_insync_replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unclean_leader_election: Option<bool>,
}

impl TopicConfig {
    pub fn is_empty(&self) -> bool {
        *self == TopicConfig::default()
    }
}

/// A Partition record's fields from its state: those a new partition is created with.
fn new_partition_fields<S: Serializer>(
    state: &Rc<PartitionState>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(4))?;
    map.serialize_entry("partition", &state.partition)?;
    map.serialize_entry("replicas", &state.replicas)?;
    map.serialize_entry("isr", &state.isr)?;
    map.serialize_entry("leader", &state.leader)?;
    map.end()
}

impl Record {
    /// A Partition record: the new partition with these replicas, ISR and leader (epochs 0).
    pub fn partition(
        topic_id: u32,
        partition: u32,
        replicas: Vec<NodeId>,
        isr: Vec<NodeId>,
        leader: Option<NodeId>,
    ) -> Record {
        Record::Partition {
            topic_id,
            state: Rc::new(PartitionState {
                partition,
                replicas,
                isr,
                elr: Vec::new(),
                leader,
                leader_epoch: 0,
                partition_epoch: 0,
                last_known_leader: None,
                recovering: false,
            }),
        }
    }

    /// The partition a Partition or PartitionChange record is about.
    pub fn partition_key(&self) -> Option<(u32, u32)> {
        match self {
            Record::Partition { topic_id, state } => Some((*topic_id, state.partition)),
            Record::PartitionChange(c) => Some((c.topic_id, c.partition)),
            _ => None,
        }
    }

    /// The name a capture shows for this record.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Client => "client",
            Record::LeaderChange { .. } => "leader_change",
            Record::NoOp => "no_op",
            Record::RegisterBroker { .. } => "register_broker",
            Record::BrokerRegistrationChange { .. } => "broker_registration_change",
            Record::Topic { .. } => "topic",
            Record::Partition { .. } => "partition",
            Record::PartitionChange(_) => "partition_change",
            Record::KRaftVersion { .. } => "kraft_version",
            Record::Voters { .. } => "voters",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub offset: Offset,
    pub epoch: Epoch,
    pub record: Record,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record's JSON (in captures and traces) keeps its own fields, not the state it carries.
    #[test]
    fn a_partition_record_is_written_with_its_own_fields() {
        let r = Record::partition(3, 7, vec![101, 102], vec![102], Some(102));
        let json = serde_json::to_string(&r).expect("serializes");
        assert_eq!(
            json,
            r#"{"type":"partition","topic_id":3,"partition":7,"replicas":[101,102],"isr":[102],"leader":102}"#
        );
        assert_eq!(r.partition_key(), Some((3, 7)));
    }

    #[test]
    fn a_partition_change_record_is_written_flat() {
        let r = Record::PartitionChange(Box::new(PartitionChangeRecord {
            topic_id: 3,
            partition: 7,
            isr: vec![101],
            elr: vec![],
            leader: Some(101),
            last_known_leader: None,
            recovering: false,
        }));
        let json = serde_json::to_string(&r).expect("serializes");
        assert_eq!(
            json,
            r#"{"type":"partition_change","topic_id":3,"partition":7,"isr":[101],"elr":[],"leader":101,"last_known_leader":null,"recovering":false}"#
        );
        assert_eq!(r.partition_key(), Some((3, 7)));
    }
}
