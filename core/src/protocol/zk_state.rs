//! ZooKeeper mode's state as plain data: a broker's session and calls (`ZkBroker`), the
//! controller it may act as (`ZkController`, its queues and pushes), and the ensemble's store and
//! sessions (`Ensemble`). The behaviour is in `zk_broker`, `zk_controller` and `zk_ensemble`.

use crate::protocol::message::AlterPartitionRequest;
use crate::protocol::metadata::PartitionState;
use crate::protocol::record::TopicConfig;
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zk_rpc::{ControlRequest, PushedTopic, ZkCall};
use crate::protocol::zookeeper::{SessionId, Store, Zxid};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// A call the controller role made, and so what its reply means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtlCall {
    BrokerIds,
    Broker(NodeId),
    TopicList,
    Topic(String),
    State {
        topic_id: u32,
        partition: u32,
    },
    /// A partition state written (created, or set at the version read), for an AlterPartition
    /// from `alter_from` (the leader, and its request's correlation) or for the controller's
    /// own election.
    Write {
        topic_id: u32,
        partition: u32,
        /// Boxed: a controller queues a call per partition at once, and the queue's every slot
        /// is as large as its largest call.
        state: Box<PartitionState>,
        create: bool,
        alter_from: Option<(NodeId, u64)>,
    },
    CreateTopic(String),
}

#[derive(Clone, Debug)]
pub(crate) struct TopicCtx {
    pub(crate) id: u32,
    pub(crate) name: Rc<str>,
    pub(crate) config: TopicConfig,
    pub(crate) assignment: Vec<Vec<NodeId>>,
    /// The topic as pushed with each of its partitions.
    pub(crate) pushed: Rc<PushedTopic>,
}

/// Events that arrived while the controller was busy loading: handled in order afterwards.
#[derive(Clone, Debug)]
pub(crate) enum Deferred {
    Watch(String),
    Alter(NodeId, AlterPartitionRequest),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PushQueue {
    pub(crate) queue: VecDeque<ControlRequest>,
    pub(crate) inflight: Option<(ControlRequest, Time)>,
}

#[derive(Clone, Debug)]
pub struct ZkController {
    pub epoch: u32,
    /// `/controller_epoch`'s version when this controller won: every write checks it.
    pub(crate) epoch_version: u32,
    pub elected_at: Time,
    /// Loaded: partition leaders can be elected again.
    pub ready: bool,
    /// Calls made to ZooKeeper since it was elected.
    pub calls: u64,
    pub(crate) loading: u64,
    /// Live brokers and their broker epochs (the czxid of their znode, KIP-380).
    pub live: BTreeMap<NodeId, u64>,
    pub(crate) topics: BTreeMap<String, TopicCtx>,
    /// Partition states as read or written; `partition_epoch` is the znode's version. Shared
    /// with the requests that push them and the brokers' metadata caches.
    pub states: BTreeMap<(u32, u32), Rc<PartitionState>>,
    pub(crate) deferred: VecDeque<Deferred>,
    pub(crate) queues: BTreeMap<NodeId, PushQueue>,
    pub(crate) writes: u64,
    pub(crate) changed: BTreeSet<(u32, u32)>,
    pub(crate) to_create: Vec<(u32, u32)>,
    /// A broker change being read: the broker znodes seen so far, and how many reads are left.
    pub(crate) next_live: BTreeMap<NodeId, u64>,
    pub(crate) broker_reads: u64,
    /// A re-read of the brokers is under way; another change came meanwhile (read again after).
    pub(crate) rescanning: bool,
    pub(crate) rescan_again: bool,
    pub(crate) next_correlation: u64,
    /// Brokers in a controlled shutdown (they may not take leaderships), the node to answer,
    /// and whether it has been answered.
    pub(crate) shutting_down: BTreeMap<NodeId, (NodeId, bool)>,
}

/// Why a call was made: what to do with its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Connect,
    Ping,
    Register,
    /// `exists(/controller)` with a watch.
    WatchController,
    /// `getData(/controller)`: who it names.
    ReadController,
    /// `getData(/controller_epoch)` before trying to win.
    ReadEpoch,
    /// The `multi` that creates `/controller` and bumps `/controller_epoch` to this epoch.
    Elect(u32),
    /// `/brokers/ids/<id>` existed: is it ours (a retried create that had landed)?
    CheckRegistration,
    /// `/controller` names this broker and is owned by its session (a retried election that had
    /// landed): read the epoch it won.
    RecoverElection,
    /// A call of the controller role, made in this controller epoch.
    Controller(u32, CtlCall),
    /// The clean close at the end of a controlled shutdown: its ephemerals go at once.
    Close,
}

/// The broker's ZooKeeper session and what it has learned through it.
#[derive(Clone, Debug, Default)]
pub struct ZkBroker {
    /// 0 while it has none.
    pub session: SessionId,
    pub timeout_ms: Time,
    /// When the ensemble last answered (any reply): pings go out when it has been quiet.
    pub last_reply: Time,
    pub(crate) next_xid: u64,
    /// Calls sent and not answered: the call (to send again), why, and when it was sent.
    pub(crate) pending: BTreeMap<u64, (ZkCall, Purpose, Time)>,
    /// The time of the last input: a call sent is stamped with it.
    pub(crate) now: Time,
    pub(crate) queued: VecDeque<(ZkCall, Purpose)>,
    /// `/brokers/ids/<id>` is ours.
    pub registered: bool,
    /// Who `/controller` named when last read.
    pub controller: Option<NodeId>,
    /// The highest controller epoch a pushed request carried (Kafka's controllerEpoch in
    /// ReplicaManager): the only fencing a broker can do by itself.
    pub controller_epoch_seen: u32,
    /// Acting as the controller.
    pub(crate) role: Option<Box<ZkController>>,
    /// When the Connect was sent (resent if unanswered).
    pub(crate) connect_sent: Option<Time>,
    /// Calls went unanswered: the connection is taken as lost until the ensemble answers again.
    pub(crate) disconnected: bool,
    /// Watch notices received on this session.
    pub(crate) notices: u64,
    /// A controlled shutdown asked of the controller: when, and how many times.
    pub(crate) shutdown: Option<(Time, u32)>,
}

/// A topic znode's content: its id, assignment (first replica preferred) and config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicZnode {
    pub id: u32,
    pub assignment: Vec<Vec<NodeId>>,
    pub config: TopicConfig,
}

/// A topic znode as parsed, and which version of it: the zxid that last wrote it and its
/// data's length.
pub(crate) type ParsedTopic = ((Zxid, usize), Rc<TopicZnode>);

#[derive(Clone, Debug)]
pub struct Ensemble {
    pub store: Store,
    /// Which node holds each session (where its replies and watches go).
    pub clients: BTreeMap<SessionId, NodeId>,
    /// Watch notices sent to each session (the pong tells the client).
    pub notices: BTreeMap<SessionId, u64>,
    /// Topic znodes as last parsed, by topic name, with the zxid of the write they were parsed
    /// at and the data's length. A cache, not state: the trace and the checker look up one partition's replicas for
    /// every partition state written, and a 100,000-partition topic's znode is a megabyte of
    /// JSON (parsing it per write made creating the topic quadratic).
    pub(crate) parsed_topics: RefCell<BTreeMap<String, ParsedTopic>>,
}
