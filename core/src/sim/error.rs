//! Why the simulation refuses an action or a cluster. Typed, so the UI can say it in the learner's
//! language; `Display` gives the English sentence the CLI prints.

use crate::protocol::config::ConfigError;
use crate::protocol::error::CommandError;
use crate::protocol::node::Slot;
use crate::protocol::types::NodeId;
use std::fmt;

/// The most nodes of each kind a cluster may have (the picture and the page stay readable).
pub const MAX_CONTROLLERS: usize = 15;
pub const MAX_BROKERS: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    NoSuchNode(NodeId),
    AlreadyDown(NodeId),
    /// Restart asks for a crashed node.
    StillRunning(NodeId),
    Down(NodeId),
    Paused(NodeId),
    ZeroPause,
    /// A loss probability outside 0 to 1 (or not a number).
    BadLoss,
    /// A message fault on a link from a node to itself.
    SameNode(NodeId),
    /// A message fault naming an RPC that does not exist.
    NoSuchRpc(String),
    /// A delay of 0 ms or over a minute.
    BadDelay,
    /// No message with this id is on the wire (delivered or dropped already).
    NotInFlight(u64),
    /// `fire` names a timer that is not set on that node.
    NoTimer {
        node: NodeId,
        slot: Slot,
    },
    InTwoGroups(NodeId),
    NoLeader,
    NoActiveController,
    NoTopic(String),
    NoPartition {
        topic: String,
        partition: u32,
    },
    NoPartitionLeader {
        topic: String,
        partition: u32,
    },
    /// Only a controller can be a voter.
    NotAController(NodeId),
    /// Only a broker shuts down through the controller (a combined node is not modelled).
    NotABroker(NodeId),
    /// A broker's disk holds partition replicas: losing it is not modelled (Kafka tells the
    /// controller through log directory ids, KIP-858).
    WipeBroker(NodeId),
    /// A steady load needs every_ms > 0.
    InvalidLoad,
    /// The node itself refused.
    Node(CommandError),
}

wrap_error!(ActionError::Node(CommandError));

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::NoSuchNode(id) => write!(f, "there is no node {id}"),
            ActionError::AlreadyDown(id) => write!(f, "node {id} is already down"),
            ActionError::StillRunning(id) => write!(f, "node {id} is running; crash it first"),
            ActionError::Down(id) => write!(f, "node {id} is down"),
            ActionError::Paused(id) => write!(f, "node {id} is paused"),
            ActionError::ZeroPause => write!(f, "a pause needs ms > 0"),
            ActionError::BadLoss => write!(f, "loss is a probability from 0 to 1"),
            ActionError::SameNode(id) => write!(f, "a link joins node {id} to another node"),
            ActionError::NoSuchRpc(r) => write!(f, "there is no RPC named {r:?}"),
            ActionError::BadDelay => write!(f, "a delay is 1 ms to 60000 ms"),
            ActionError::NotInFlight(id) => write!(f, "message {id} is no longer on the wire"),
            ActionError::NoTimer { node, slot } => {
                write!(f, "node {node} has no {} timer set", slot.name())
            }
            ActionError::InTwoGroups(id) => write!(f, "node {id} is in two groups"),
            ActionError::NoLeader => write!(f, "there is no leader now"),
            ActionError::NoActiveController => write!(f, "there is no active controller"),
            ActionError::NotAController(id) => {
                write!(f, "node {id} is not a controller, so it cannot be a voter")
            }
            ActionError::NotABroker(id) => {
                write!(f, "node {id} is not a broker: only brokers shut down through the controller")
            }
            ActionError::WipeBroker(id) => write!(
                f,
                "node {id} runs a broker: wiping a broker's disk (its partition replicas) is not modelled; wipe a controller"
            ),
            ActionError::NoTopic(t) => write!(f, "there is no topic {t:?}"),
            ActionError::NoPartition { topic, partition } => {
                write!(f, "topic {topic:?} has no partition {partition}")
            }
            ActionError::NoPartitionLeader { topic, partition } => {
                write!(f, "partition {topic}-{partition} has no leader")
            }
            ActionError::InvalidLoad => write!(f, "a steady load needs every_ms > 0"),
            ActionError::Node(e) => e.fmt(f),
        }
    }
}

/// Why a cluster cannot be built.
/// What `SpecError::ZookeeperMode` says (the UI translates each).
pub const ZK_NO_CONTROLLERS: &str =
    "there are no controller nodes (a broker is elected controller): cluster.controllers must be empty";
pub const ZK_NEEDS_BROKERS: &str = "at least one broker is needed";
pub const ZK_NODE_ZERO: &str = "node 0 is the ZooKeeper ensemble: no broker may use that id";
pub const ZK_NO_KRAFT: &str = "kraft_version, observers, combined and initial belong to KRaft mode";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    NoController,
    TooManyNodes,
    IdTwice(NodeId),
    InitialNotController(NodeId),
    /// `initial.<id>.log[<index>]`: epochs must be >= 1 and never decrease.
    InitialLogEpoch {
        id: NodeId,
        index: usize,
    },
    /// `initial.<id>.<field>` names a node that is not a controller.
    InitialNotAController {
        id: NodeId,
        field: &'static str,
        value: NodeId,
    },
    /// `cluster.kraft_version` is 0 (static voters) or 1 (KIP-853 dynamic voters).
    KraftVersion(u8),
    /// `cluster.observers` names a node that is not a controller.
    ObserverNotController(NodeId),
    /// Every controller is an observer: nobody can vote.
    NoVoter,
    /// `cluster.combined` names a node that is not a controller.
    CombinedNotController(NodeId),
    /// ZooKeeper mode has no controller nodes (a broker is elected controller) and no KRaft
    /// settings; node 0 is the ensemble.
    ZookeeperMode(&'static str),
    Config(ConfigError),
}

wrap_error!(SpecError::Config(ConfigError));

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::NoController => write!(f, "a cluster needs at least one controller"),
            SpecError::TooManyNodes => write!(
                f,
                "at most {MAX_CONTROLLERS} controllers and {MAX_BROKERS} brokers"
            ),
            SpecError::IdTwice(id) => write!(f, "node id {id} is used twice"),
            SpecError::InitialNotController(id) => {
                write!(f, "initial state for {id}, which is not a controller")
            }
            SpecError::InitialLogEpoch { id, index } => write!(
                f,
                "initial.{id}.log[{index}]: epochs must be >= 1 and never decrease along the log"
            ),
            SpecError::InitialNotAController { id, field, value } => {
                write!(f, "initial.{id}.{field}: {value} is not a controller")
            }
            SpecError::KraftVersion(v) => {
                write!(f, "cluster.kraft_version is 0 or 1, not {v}")
            }
            SpecError::ObserverNotController(id) => {
                write!(f, "cluster.observers: {id} is not a controller")
            }
            SpecError::NoVoter => write!(f, "cluster.observers leaves no controller to vote"),
            SpecError::ZookeeperMode(what) => write!(f, "ZooKeeper mode: {what}"),
            SpecError::CombinedNotController(id) => write!(
                f,
                "cluster.combined: {id} is not a controller (a combined node is listed among the controllers)"
            ),
            SpecError::Config(e) => e.fmt(f),
        }
    }
}

/// Why a recorded history cannot be rebuilt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    Spec(SpecError),
    Action(ActionError),
}

wrap_error!(ReplayError::Spec(SpecError));
wrap_error!(ReplayError::Action(ActionError));

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Spec(e) => e.fmt(f),
            ReplayError::Action(e) => e.fmt(f),
        }
    }
}
