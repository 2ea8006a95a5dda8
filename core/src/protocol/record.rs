//! The records of `__cluster_metadata`: what the log carries.

use crate::protocol::types::{Epoch, NodeId, Offset};
use serde::{Deserialize, Serialize};

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
    Partition {
        topic_id: u32,
        partition: u32,
        replicas: Vec<NodeId>,
        isr: Vec<NodeId>,
        leader: Option<NodeId>,
    },
    /// The partition's new ISR, ELR and leader (the leader epoch moves when the leader does).
    PartitionChange {
        topic_id: u32,
        partition: u32,
        isr: Vec<NodeId>,
        elr: Vec<NodeId>,
        leader: Option<NodeId>,
        last_known_leader: Option<NodeId>,
        /// Leader recovery state RECOVERING: the leader was chosen uncleanly.
        recovering: bool,
    },
    /// KIP-853: the feature level of the quorum (written once, at `kraft.version` 1).
    KRaftVersion {
        version: u8,
    },
    /// KIP-853: the whole voter set. It counts from the moment it is in a replica's log.
    Voters {
        voters: Vec<crate::protocol::voters::Voter>,
    },
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

impl Record {
    /// The partition a Partition or PartitionChange record is about.
    pub fn partition_key(&self) -> Option<(u32, u32)> {
        match self {
            Record::Partition {
                topic_id,
                partition,
                ..
            }
            | Record::PartitionChange {
                topic_id,
                partition,
                ..
            } => Some((*topic_id, *partition)),
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
            Record::PartitionChange { .. } => "partition_change",
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
