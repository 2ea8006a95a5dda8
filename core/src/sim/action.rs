//! What a user, a scenario, chaos or the explorer can do to a running cluster: the actions, and
//! the recording (spec plus timed actions) that replays a run exactly.

use crate::protocol::message::Message;
use crate::protocol::node::Slot;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::sim::spec::ClusterSpec;
use serde::{Deserialize, Serialize};

/// A user's (or scenario's) action on the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Crash(NodeId),
    /// The node loses power: down as after a crash, and its replicas lose what the OS had
    /// not written to disk. It comes back with `restart`, uncleanly.
    PowerLoss(NodeId),
    Restart(NodeId),
    Pause {
        node: NodeId,
        ms: u64,
    },
    /// A slow node (a slow disk or NIC, a follower whose fetches are answered late): every
    /// message to it arrives `ms` later than the network would bring it; 0 ends it.
    Slow {
        node: NodeId,
        ms: u64,
    },
    Elect(NodeId),
    Resign(NodeId),
    /// One direction of one link.
    CutOneWay {
        from: NodeId,
        to: NodeId,
    },
    HealOneWay {
        from: NodeId,
        to: NodeId,
    },
    Partition(Vec<Vec<NodeId>>),
    Isolate(NodeId),
    HealAll,
    /// The network's random message loss from now on (a probability, 0 to 1): chaos calms the
    /// network with it before checking that the cluster makes progress.
    SetLoss(f64),
    /// One fault for the next message sent on a link (of one RPC, if named): docs/contracts.md, single messages and membership's
    /// drop_next, duplicate_next and delay_next.
    NextMessage(MessageFault),
    /// One fault for a message already on the wire (the page's click on a message in flight):
    /// `id` as the trace numbers it.
    InFlight {
        id: u64,
        fault: Fault,
    },
    /// The explorer's forcing steps: this message arrives now, before anything else on the wire
    /// (`id` as the trace numbers it) ...
    Deliver(u64),
    /// ... this timer of this node goes off now (time is abstracted: any order can happen).
    Fire {
        node: NodeId,
        timer: Slot,
    },
    Append(u32),
    /// KIP-853: the leader adds this controller (an observer, caught up) to the voters ...
    AddVoter(NodeId),
    /// ... or removes it.
    RemoveVoter(NodeId),
    /// The node crashes and its disk is replaced by an empty one (a new directory id).
    Wipe(NodeId),
    CreateTopic(NewTopic),
    /// A client writes `records` to a partition through its leader broker.
    Produce(ProduceRecords),
    /// A steady load: a produce of `records` every `every_ms` from now on, each one a produce
    /// of its own (numbered as produce steps are), until a `SteadyLoad(None)` stops it.
    SteadyLoad(Option<SteadyLoad>),
    /// A consumer starts polling a partition.
    Consume(ConsumeFrom),
    /// A broker shuts down cleanly (SIGTERM): it asks the controller to move its leaderships
    /// away, then stops.
    ControlledShutdown(NodeId),
    /// An admin's preferred-leader election for one partition.
    ElectPreferred {
        topic: String,
        partition: u32,
    },
}

impl Action {
    /// An explorer's forcing step: it makes one event happen (what "step" counts).
    pub fn is_forced(&self) -> bool {
        matches!(self, Action::Deliver(_) | Action::Fire { .. })
    }
}

/// A fault armed for the next message from `from` to `to` (of RPC `rpc`, if given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFault {
    pub from: NodeId,
    pub to: NodeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc: Option<String>,
    pub fault: Fault,
}

/// What happens to that one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    Drop,
    Duplicate,
    /// Delivered `ms` later than the network would.
    Delay {
        ms: u64,
    },
}

impl MessageFault {
    pub(super) fn matches(&self, from: NodeId, to: NodeId, msg: &Message) -> bool {
        self.from == from && self.to == to && self.rpc.as_deref().is_none_or(|r| r == msg.rpc())
    }
}

/// A consumer to start: which partition, and from where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsumeFrom {
    pub topic: String,
    pub partition: u32,
    pub from: ConsumeStart,
}

/// `from` of a consume step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsumeStart {
    Earliest,
    Latest,
    Offset(Offset),
}

/// A topic to create: what `create_topic` asks the active controller for.
pub use crate::protocol::controller::TopicSpec as NewTopic;

/// Records a client hands to a partition's leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProduceRecords {
    pub topic: String,
    pub partition: u32,
    pub records: u32,
    pub acks: crate::protocol::types::Acks,
}

/// What a steady load produces, and how often.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SteadyLoad {
    #[serde(flatten)]
    pub produce: ProduceRecords,
    pub every_ms: u64,
}

/// An action with the exact point of the history where it was applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedAction {
    pub time: Time,
    /// Events processed before it: replay applies it at exactly the same point.
    pub after_events: u64,
    pub action: Action,
}

/// The whole history: sharing and replay need nothing else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub spec: ClusterSpec,
    pub actions: Vec<TimedAction>,
}
