//! The protocol layer: the nodes of a KRaft cluster as pure state machines.
//!
//! A `Node` is fed one input at a time (a delivered message or a fired timer) and returns its
//! effects (messages to send, timers to set, events that happened). Nothing here knows about the
//! simulation: no clock, no network, no global randomness.
//!
//! One concept per module: `node` (state, dispatch, role changes), `election` (votes, pre-votes),
//! `replication` (Fetch, the HW, snapshots), `controller` (the active controller), `broker`
//! (broker registration and heartbeats), `membership` (AddVoter / RemoveVoter), `partition` (topic partition replicas), `isr` (the
//! leader's ISR and HW), `follower_state` (one follower as its leader knows it), `alter_partition`
//! (the controller's side of AlterPartition), `partition_log`
//! (a replica's records and epoch cache), `log`, `message`
//! (the RPCs), `record` (what the metadata log carries), `record_size` (what records and images weigh), `metadata` (the image), `event` (what
//! nodes report), `config`, `role`, `types`, `voters` (who votes: KIP-853), `zookeeper` (the store ZooKeeper mode's controller uses), `zk_ensemble` (the
//! ensemble serving it), `zk_broker` (a broker's session, registration, election and metadata
//! cache in ZooKeeper mode), `zk_controller` (the ZooKeeper-mode controller), `zk_rpc` (their messages).

mod alter_partition;
pub mod broker;
pub mod broker_state;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod controller_state;
mod durability;
mod election;
pub mod error;
pub mod event;
pub mod fetch_session;
pub mod follower_state;
pub mod isr;
pub mod kafka_version;
pub mod log;
mod membership;
pub mod message;
pub mod metadata;
pub mod node;
pub mod page_cache;
pub mod partition;
pub mod partition_election;
pub mod partition_log;
pub mod partition_record;
pub mod partition_state;
pub mod producer;
pub mod record;
pub mod record_size;
pub mod replica;
mod replica_fetch;
mod replication;
pub mod role;
pub mod types;
pub mod voter;
pub mod voters;
pub mod zk_broker;
pub mod zk_controller;
pub mod zk_data;
pub mod zk_ensemble;
pub mod zk_rpc;
pub mod zk_state;
pub mod zookeeper;

#[cfg(test)]
mod isr_tests;
#[cfg(test)]
mod membership_tests;
#[cfg(test)]
mod node_tests;

pub use config::{Config, ConfigError};
pub use error::{AssignmentProblem, CommandError, KafkaDetail, MembershipProblem};
pub use event::{
    DropReason, FenceReason, LossReason, RoleReason, TraceKind, TruncateReason, VoteReason,
};
pub use node::{ClusterMode, Durable, Effects, Identity, Input, Node, NodeKind, QuorumState, Slot};
pub use role::Role;
pub use types::{Epoch, NodeId, Offset, SnapshotId, Time};
