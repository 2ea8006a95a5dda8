//! ZooKeeper mode's messages: a broker's calls to the ensemble (and what comes back), the
//! ensemble's watch notifications, and the requests the ZooKeeper-mode controller pushes to
//! brokers (LeaderAndIsr, UpdateMetadata). KRaft mode uses none of them.

use crate::protocol::metadata::{BrokerState, PartitionState};
use crate::protocol::record::TopicConfig;
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zookeeper::{Op, OpResult, SessionId, Stat, WatchEvent, ZkError};
use serde::Serialize;
use std::rc::Rc;

/// One call on a broker's ZooKeeper session. `xid` matches the reply; `session` 0 asks for a
/// new session.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZkRequest {
    pub xid: u64,
    pub session: SessionId,
    pub call: ZkCall,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum ZkCall {
    /// Open a session asking for this timeout (the ensemble clamps it to 2..20 ticks).
    Connect {
        timeout_ms: Time,
    },
    /// Keeps the session alive while the client has nothing else to say.
    Ping,
    GetData {
        path: String,
        watch: bool,
    },
    GetChildren {
        path: String,
        watch: bool,
    },
    Exists {
        path: String,
        watch: bool,
    },
    /// One or more writes, all or none.
    Multi {
        ops: Vec<Op>,
    },
    /// A clean close: the session's ephemeral znodes go at once.
    Close,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZkResponse {
    pub xid: u64,
    pub reply: ZkReply,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum ZkReply {
    Connected {
        session: SessionId,
        timeout_ms: Time,
    },
    /// `notices`: how many watch notices the ensemble has sent this session. A session is one
    /// TCP stream, which delivers everything in order or breaks; a client that has received
    /// fewer lost some with its connection and looks again at what it watches (ZooKeeper's
    /// setWatches on reconnect).
    Pong {
        notices: u64,
    },
    Data {
        data: String,
        stat: Stat,
    },
    Children {
        names: Vec<String>,
    },
    Exists {
        stat: Option<Stat>,
    },
    Multi {
        results: Vec<OpResult>,
    },
    /// Refused: for a `multi`, the first operation that failed and why.
    Error {
        error: ZkError,
        op: usize,
    },
    Closed,
}

/// A one-shot watch fired: which path, what kind of change, no data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZkWatchNotice {
    pub session: SessionId,
    pub path: String,
    pub event: WatchEvent,
}

/// What a broker needs to know a pushed partition's topic: one per topic, shared by all its
/// partitions' entries (100,000 partitions are pushed at once, several times over).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PushedTopic {
    pub topic_id: u32,
    #[serde(rename = "topic")]
    pub name: Rc<str>,
    pub config: TopicConfig,
}

/// One partition as the controller pushes it, with its topic (written as its own fields).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PushedPartition {
    #[serde(flatten)]
    pub topic: Rc<PushedTopic>,
    /// Shared with the controller's own state and every broker's metadata cache.
    pub state: Rc<PartitionState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ControlKind {
    /// Become leader or follower of these partitions (the broker's replicas act on it).
    LeaderAndIsr,
    /// The cluster's state for the broker's metadata cache (what it tells clients).
    UpdateMetadata,
}

/// A request the ZooKeeper-mode controller pushes to one broker, through that broker's queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlRequest {
    pub kind: ControlKind,
    pub controller: NodeId,
    pub controller_epoch: u32,
    pub correlation: u64,
    /// UpdateMetadata: the live brokers (empty for LeaderAndIsr).
    pub brokers: Rc<[BrokerState]>,
    /// Shared between the brokers it is pushed to: 100,000 partitions are not copied six times.
    pub partitions: Rc<[PushedPartition]>,
}

/// ControlledShutdown (ZooKeeper mode): the broker, and the broker epoch it registered with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlledShutdownRequest {
    pub broker: NodeId,
    pub broker_epoch: u64,
}

/// The controller's answer once its writes for the shutdown landed: partitions the broker
/// still leads (no other live ISR member could take them).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlledShutdownResponse {
    pub remaining: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlResponse {
    pub correlation: u64,
    /// STALE_CONTROLLER_EPOCH: the broker has seen a newer controller.
    pub stale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pushed partition is written with its topic's fields beside its state, as before they
    /// were shared.
    #[test]
    fn a_pushed_partition_is_written_with_its_topic_fields() {
        let p = PushedPartition {
            topic: Rc::new(PushedTopic {
                topic_id: 3,
                name: "orders".into(),
                config: TopicConfig::default(),
            }),
            state: Rc::new(PartitionState::new(7, vec![101])),
        };
        let json = serde_json::to_value(&p).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "topic_id": 3,
                "topic": "orders",
                "config": {},
                "state": {
                    "partition": 7,
                    "replicas": [101],
                    "isr": [101],
                    "elr": [],
                    "leader": 101,
                    "leader_epoch": 0,
                    "partition_epoch": 0,
                    "last_known_leader": null,
                    "recovering": false
                }
            })
        );
        let text = serde_json::to_string(&p).expect("serializes");
        assert!(text.starts_with(r#"{"topic_id":3,"topic":"orders","config":{},"state":"#));
    }
}
