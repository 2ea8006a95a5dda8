//! The simulation owns everything outside the nodes: the virtual clock, the event queue ordered by
//! (time, sequence), the seeded network, faults, the trace and the invariant checker.
//! Its whole history is (spec, timed actions): replaying them gives the same run, event for event.

use crate::protocol::config::Config;
use crate::protocol::consumer::{Consumer, Consumers, StartAt};
use crate::protocol::error::CommandError;
use crate::protocol::event::RoleReason;
use crate::protocol::event::{DropReason, TraceKind};
use crate::protocol::log::Log;
use crate::protocol::message::Message;
use crate::protocol::message::OffsetReset;
use crate::protocol::message::RPC_NAMES;
use crate::protocol::node::{
    ClusterMode, Durable, Effects, Identity, Input, Node, NodeKind, QuorumState, Slot,
    SPARE_CAPACITY,
};
use crate::protocol::producer::{Producer, ProducerEffects, PRODUCER, ZK_MODE_CLIENT};
use crate::protocol::zk_ensemble::ENSEMBLE;

/// The timer slot of the consumers at the client network end (the producer's is `Partitions`).
const CONSUMER_SLOT: Slot = Slot::FetchRetry;
/// The client's third timer: the steady load's next produce.
const LOAD_SLOT: Slot = Slot::Heartbeat;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, Time};
use crate::protocol::voters::{DirectoryId, QuorumBootstrap, Voter};
use crate::sim::error::{ActionError, ReplayError, SpecError, MAX_BROKERS, MAX_CONTROLLERS};
use crate::sim::invariants::{Checker, Touched, Violation};
use crate::sim::shared::SharedVec;
use crate::sim::trace::{Trace, TraceEvent};
use rand::rngs::Xoshiro256PlusPlus as StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::rc::Rc;

/// Durable state of a controller before time 0 (a scenario's `initial`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialState {
    #[serde(default)]
    pub epoch: Epoch,
    #[serde(default)]
    pub voted_for: Option<NodeId>,
    #[serde(default)]
    pub leader: Option<NodeId>,
    /// The epoch of each entry from offset 0.
    #[serde(default)]
    pub log: Vec<Epoch>,
}

/// Everything needed to build the cluster at time 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub seed: u64,
    pub controllers: Vec<NodeId>,
    pub brokers: Vec<NodeId>,
    pub config: Config,
    #[serde(default)]
    pub initial: BTreeMap<NodeId, InitialState>,
    /// 0: static voters (every controller not an observer); 1: KIP-853 dynamic voters.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub kraft_version: u8,
    /// Controllers formatted outside the voter set: they start as observers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observers: Vec<NodeId>,
    /// Controllers that also run a broker in the same process (`process.roles=broker,controller`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub combined: Vec<NodeId>,
    /// KRaft (the default) or ZooKeeper mode (docs/contracts.md, ZooKeeper mode).
    #[serde(default, skip_serializing_if = "is_kraft")]
    pub mode: ClusterMode,
}

fn is_kraft(m: &ClusterMode) -> bool {
    *m == ClusterMode::Kraft
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

impl ClusterSpec {
    pub fn new(seed: u64, controllers: usize, brokers: usize, config: Config) -> Self {
        ClusterSpec {
            seed,
            controllers: (1..=controllers as NodeId).collect(),
            brokers: (101..101 + brokers as NodeId).collect(),
            config,
            initial: BTreeMap::new(),
            kraft_version: 0,
            observers: Vec::new(),
            combined: Vec::new(),
            mode: ClusterMode::Kraft,
        }
    }

    /// A ZooKeeper-mode cluster: the ensemble (node 0) and brokers 101.. (numbered as in KRaft
    /// mode, so one action names the same broker in both), any of which may become the
    /// controller.
    pub fn zookeeper(seed: u64, brokers: usize, config: Config) -> Self {
        ClusterSpec {
            mode: ClusterMode::Zookeeper,
            ..ClusterSpec::new(seed, 0, brokers, config)
        }
    }

    /// Every node that runs a broker: the brokers and the combined nodes.
    pub fn broker_ids(&self) -> Vec<NodeId> {
        let mut ids = self.combined.clone();
        ids.extend(&self.brokers);
        ids
    }

    /// How the quorum is formatted: the bootstrap voters (with the directory ids of their
    /// first disks at version 1) and every controller as a bootstrap server.
    pub fn quorum_bootstrap(&self) -> QuorumBootstrap {
        let dynamic = self.kraft_version >= 1;
        QuorumBootstrap {
            kraft_version: self.kraft_version,
            voters: self
                .controllers
                .iter()
                .filter(|id| !self.observers.contains(id))
                .map(|&id| Voter {
                    id,
                    directory_id: dynamic.then(|| directory_id(self.seed, id, 0)),
                })
                .collect(),
            servers: self.controllers.clone().into(),
        }
    }
}

/// The directory id of node `id`'s `disk`-th formatted disk: a UUID in Kafka, here a seeded
/// 64-bit value so a replay gives the same ids.
pub fn directory_id(seed: u64, id: NodeId, disk: u32) -> DirectoryId {
    let mut x = seed ^ ((id as u64) << 32 | disk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

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
    fn matches(&self, from: NodeId, to: NodeId, msg: &Message) -> bool {
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
    pub acks: crate::protocol::partition::Acks,
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

#[derive(Clone, Debug)]
pub struct Envelope {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Time,
    pub msg: Rc<Message>,
}

#[derive(Clone, Debug)]
enum EventKind {
    Deliver(Envelope),
    Timer {
        node: NodeId,
        slot: Slot,
        at: Time,
        incarnation: u32,
    },
    Resume {
        node: NodeId,
        incarnation: u32,
    },
}

#[derive(Clone, Debug)]
struct Event {
    time: Time,
    seq: u64,
    kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// A node as the simulation holds it: the state machine plus its liveness.
#[derive(Clone, Debug)]
pub struct SimNode {
    pub node: Node,
    pub alive: bool,
    pub paused_until: Option<Time>,
    held: Vec<Event>,
    incarnation: u32,
    /// Disks formatted for this node so far, beyond the first (each wipe formats one).
    wipes: u32,
    /// Directory ids whose disk this node lost: voting as one of them is WipedVoterVoted.
    pub(crate) lost_disks: Vec<DirectoryId>,
}

impl SimNode {
    /// Test support: a live node as the simulation would hold it.
    #[cfg(test)]
    pub(crate) fn running(node: Node) -> SimNode {
        SimNode {
            node,
            alive: true,
            paused_until: None,
            held: Vec::new(),
            incarnation: 0,
            wipes: 0,
            lost_disks: Vec::new(),
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub time_ms: Time,
    /// Events taken off the queue (deliveries, timers, resumes), including no-op wake-ups.
    pub events: u64,
    /// Events that did something (what "step" counts): deliveries, drops, timers that fired.
    pub steps: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    /// Messages the network delivered twice (`duplicate`; left out of the JSON when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub messages_duplicated: u64,
    pub elections_won: u64,
    pub trace_events: u64,
}

#[derive(Clone, Debug)]
pub struct Simulation {
    spec: Rc<ClusterSpec>,
    cfg: Rc<Config>,
    now: Time,
    next_seq: u64,
    queue: BinaryHeap<Reverse<Event>>,
    nodes: Vec<SimNode>,
    cut: BTreeSet<(NodeId, NodeId)>,
    net_rng: StdRng,
    next_msg_id: u64,
    trace: Trace,
    checker: Checker,
    /// Actions applied so far; shared with checkpoints.
    history: SharedVec<TimedAction>,
    stats: Stats,
    spare: Effects,
    step_events: Vec<TraceKind>,
    /// Which nodes the current step may have changed (what the checker reads after it).
    touched: Touched,
    /// Highest record offset narrated so far.
    narrated: Option<Offset>,
    /// Produce actions run so far: produce k writes the values "k.0", "k.1", ...
    produces: u64,
    /// The producer client on the network, and when its timer is set for.
    producer: Producer,
    producer_wake: Option<Time>,
    /// The client's connection to each broker delivers in order (TCP): the last arrival time.
    producer_link: BTreeMap<NodeId, Time>,
    /// The clients' address: `PRODUCER` (0), or out of the ensemble's way in ZooKeeper mode.
    pub(crate) client: NodeId,
    /// The same for each link to and from the ZooKeeper ensemble (a session is one TCP stream).
    zk_link: BTreeMap<(NodeId, NodeId), Time>,
    /// Single-message faults waiting for their message, in the order they were armed.
    armed: Vec<MessageFault>,
    /// The consumers (on the same client network end as the producer) and their timer.
    consumers: Consumers,
    consumer_wake: Option<Time>,
    /// Slow nodes and how much later each message to them arrives.
    slow: BTreeMap<NodeId, u64>,
    /// The steady load, if one runs, and when its next produce is due.
    load: Option<SteadyLoad>,
    load_wake: Option<Time>,
    /// Forced steps (the explorer's `deliver` and `fire`) run each node on a clock of its own:
    /// time is abstracted, so one node's timer going off does not make another's overdue. Empty
    /// while the cluster runs on the one global clock; a natural event empties it again.
    local: BTreeMap<NodeId, Time>,
    /// What the data-plane checks remember.
    pub(crate) data_seen: crate::sim::data_checks::DataSeen,
    /// The records power losses took, and from whom.
    pub(crate) power_losses: crate::sim::power_losses::PowerLosses,
}

fn node_rng(seed: u64, id: NodeId) -> StdRng {
    StdRng::seed_from_u64(seed ^ (id as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

impl Simulation {
    pub fn new(spec: ClusterSpec) -> Result<Simulation, SpecError> {
        spec.config.validate()?;
        let mut ids = BTreeSet::new();
        let zookeeper = spec.mode == ClusterMode::Zookeeper;
        if zookeeper {
            if !spec.controllers.is_empty() {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NO_CONTROLLERS));
            }
            if spec.brokers.is_empty() {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NEEDS_BROKERS));
            }
            if spec.brokers.contains(&ENSEMBLE) {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NODE_ZERO));
            }
            if spec.kraft_version != 0
                || !spec.observers.is_empty()
                || !spec.combined.is_empty()
                || !spec.initial.is_empty()
            {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NO_KRAFT));
            }
        } else if spec.controllers.is_empty() {
            return Err(SpecError::NoController);
        }
        if spec.controllers.len() > MAX_CONTROLLERS || spec.brokers.len() > MAX_BROKERS {
            return Err(SpecError::TooManyNodes);
        }
        for id in spec.controllers.iter().chain(&spec.brokers) {
            if !ids.insert(*id) {
                return Err(SpecError::IdTwice(*id));
            }
        }
        for (id, init) in &spec.initial {
            if !spec.controllers.contains(id) {
                return Err(SpecError::InitialNotController(*id));
            }
            let mut prev = 0;
            for (i, e) in init.log.iter().enumerate() {
                if *e == 0 || *e < prev {
                    return Err(SpecError::InitialLogEpoch { id: *id, index: i });
                }
                prev = *e;
            }
            for (field, v) in [("voted_for", init.voted_for), ("leader", init.leader)] {
                if let Some(v) = v {
                    if !spec.controllers.contains(&v) {
                        return Err(SpecError::InitialNotAController {
                            id: *id,
                            field,
                            value: v,
                        });
                    }
                }
            }
        }
        if spec.kraft_version > 1 {
            return Err(SpecError::KraftVersion(spec.kraft_version));
        }
        if let Some(o) = spec
            .observers
            .iter()
            .find(|o| !spec.controllers.contains(o))
        {
            return Err(SpecError::ObserverNotController(*o));
        }
        if !zookeeper && spec.controllers.iter().all(|c| spec.observers.contains(c)) {
            return Err(SpecError::NoVoter);
        }
        if let Some(c) = spec.combined.iter().find(|c| !spec.controllers.contains(c)) {
            return Err(SpecError::CombinedNotController(*c));
        }
        let cfg = Rc::new(spec.config.clone());
        let quorum = Rc::new(spec.quorum_bootstrap());
        let mut sim = Simulation {
            cfg: cfg.clone(),
            now: 0,
            next_seq: 0,
            queue: BinaryHeap::new(),
            nodes: Vec::new(),
            cut: BTreeSet::new(),
            net_rng: StdRng::seed_from_u64(spec.seed),
            next_msg_id: 0,
            trace: Trace::new(cfg.trace_capacity),
            checker: Checker::new(),
            history: SharedVec::default(),
            stats: Stats::default(),
            spare: Effects::default(),
            step_events: Vec::new(),
            touched: Touched::All,
            narrated: None,
            produces: 0,
            producer: Producer::default(),
            producer_wake: None,
            producer_link: BTreeMap::new(),
            zk_link: BTreeMap::new(),
            client: if zookeeper { ZK_MODE_CLIENT } else { PRODUCER },
            armed: Vec::new(),
            consumers: Consumers::default(),
            consumer_wake: None,
            slow: BTreeMap::new(),
            load: None,
            load_wake: None,
            data_seen: Default::default(),
            power_losses: Default::default(),
            local: BTreeMap::new(),
            spec: Rc::new(spec),
        };
        let spec = sim.spec.clone();
        let ensemble = zookeeper.then_some((ENSEMBLE, NodeKind::Zookeeper));
        let kinds = ensemble
            .into_iter()
            .chain(spec.controllers.iter().map(|id| {
                let kind = if spec.combined.contains(id) {
                    NodeKind::Combined
                } else {
                    NodeKind::Controller
                };
                (*id, kind)
            }))
            .chain(spec.brokers.iter().map(|id| (*id, NodeKind::Broker)));
        for (id, kind) in kinds {
            let mut durable = spec
                .initial
                .get(&id)
                .map(initial_durable)
                .unwrap_or_default();
            durable.directory_id = directory_id(spec.seed, id, 0);
            let mut out = Effects::default();
            let identity = Identity {
                id,
                kind,
                cfg: cfg.clone(),
                quorum: quorum.clone(),
                mode: spec.mode,
            };
            let node = Node::start(identity, durable, node_rng(spec.seed, id), 0, &mut out);
            sim.nodes.push(SimNode {
                node,
                alive: true,
                paused_until: None,
                held: Vec::new(),
                incarnation: 0,
                wipes: 0,
                lost_disks: Vec::new(),
            });
            let idx = sim.nodes.len() - 1;
            sim.apply_effects(idx, out);
        }
        sim.flush_step();
        Ok(sim)
    }

    // ----- views -----

    pub fn now(&self) -> Time {
        self.now
    }
    pub fn config(&self) -> &Config {
        &self.cfg
    }
    pub fn spec(&self) -> &ClusterSpec {
        &self.spec
    }
    pub fn nodes(&self) -> &[SimNode] {
        &self.nodes
    }
    pub fn node(&self, id: NodeId) -> Option<&SimNode> {
        self.nodes.iter().find(|n| n.node.id == id)
    }
    pub fn controllers(&self) -> impl Iterator<Item = &SimNode> {
        self.nodes.iter().filter(|n| n.node.kind.runs_controller())
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    pub fn violations(&self) -> &[Violation] {
        self.checker.violations()
    }
    pub fn stats(&self) -> Stats {
        Stats {
            time_ms: self.now,
            trace_events: self.trace.total(),
            ..self.stats.clone()
        }
    }
    pub fn events_processed(&self) -> u64 {
        self.stats.events
    }
    /// How many actions of the history this simulation has applied.
    pub fn actions_applied(&self) -> usize {
        self.history.len()
    }
    pub fn recording(&self) -> Recording {
        Recording {
            spec: (*self.spec).clone(),
            actions: self.history.to_vec(),
        }
    }
    /// The last action applied (what a timeline records after `apply`).
    pub fn last_action(&self) -> Option<&TimedAction> {
        self.history.last()
    }
    /// A copy to keep as a rewind checkpoint: the cluster exactly, but only the newest
    /// `trace_events` of the trace (the live cursor keeps the full ring).
    pub fn checkpoint(&self, trace_events: usize) -> Simulation {
        let mut c = self.clone();
        c.trace = self.trace.trimmed(trace_events);
        c
    }
    pub fn is_link_up(&self, from: NodeId, to: NodeId) -> bool {
        !self.cut.contains(&(from, to))
    }
    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.cut.iter()
    }
    /// Drops, duplicates or delays a message on the wire (every copy of it, for a drop or a
    /// delay). The queue is rebuilt: a user's click, not a hot path.
    fn fault_in_flight(&mut self, id: u64, fault: Fault) -> Result<(), ActionError> {
        if matches!(fault, Fault::Delay { ms } if ms == 0 || ms > 60_000) {
            return Err(ActionError::BadDelay);
        }
        let is_it = |e: &Event| matches!(&e.kind, EventKind::Deliver(env) if env.id == id);
        let mut events = std::mem::take(&mut self.queue).into_vec();
        let Some(first) = events.iter().position(|Reverse(e)| is_it(e)) else {
            self.queue = events.into();
            return Err(ActionError::NotInFlight(id));
        };
        match fault {
            Fault::Drop => {
                let (gone, kept): (Vec<_>, Vec<_>) =
                    events.into_iter().partition(|Reverse(e)| is_it(e));
                self.queue = kept.into();
                if let Some(Reverse(Event {
                    kind: EventKind::Deliver(env),
                    ..
                })) = gone.into_iter().next()
                {
                    self.drop_msg(&env, DropReason::ByHand);
                }
            }
            Fault::Duplicate => {
                let Reverse(e) = &events[first];
                let (time, kind) = (e.time + 1, e.kind.clone());
                self.queue = events.into();
                if let EventKind::Deliver(env) = &kind {
                    self.stats.messages_duplicated += 1;
                    self.step_events.push(TraceKind::Send {
                        id: env.id,
                        from: env.from,
                        to: env.to,
                        deliver_at: time,
                        msg: env.msg.clone(),
                    });
                }
                self.push(time, kind);
            }
            Fault::Delay { ms } => {
                let mut later = Vec::new();
                for Reverse(e) in events.iter_mut().filter(|Reverse(e)| is_it(e)) {
                    e.time += ms;
                    later.push(e.clone());
                }
                self.queue = events.into();
                for e in later {
                    if let EventKind::Deliver(env) = &e.kind {
                        self.step_events.push(TraceKind::Send {
                            id: env.id,
                            from: env.from,
                            to: env.to,
                            deliver_at: e.time,
                            msg: env.msg.clone(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The explorer's copies keep no trace (nothing reads it; cloning it cost).
    pub(crate) fn forget_trace(&mut self) {
        self.trace.forget();
    }

    /// The checker's memory, for the explorer's state hash.
    pub(crate) fn checker_fingerprint(&self, h: &mut impl std::hash::Hasher) {
        self.checker.fingerprint(h);
        self.data_seen.fingerprint(h);
    }

    /// Messages on the wire, with when they will arrive.
    pub fn in_flight(&self) -> impl Iterator<Item = (&Envelope, Time)> {
        self.queue.iter().filter_map(|Reverse(e)| match &e.kind {
            EventKind::Deliver(env) => Some((env, e.time)),
            _ => None,
        })
    }
    /// Time of the next event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|Reverse(e)| e.time)
    }

    /// The leader a majority of the voters, alive, follow in its epoch (the `"leader"` condition).
    pub fn quorum_leader(&self) -> Option<NodeId> {
        self.controllers()
            .filter(|n| n.alive && n.node.role() == Role::Leader)
            .find_map(|l| {
                let (id, epoch) = (l.node.id, l.node.epoch());
                // A majority of the voter set the leader uses (KIP-853: it can change).
                let set = l.node.voter_set();
                let majority = set.len() / 2 + 1;
                let followers = self
                    .controllers()
                    .filter(|n| {
                        n.alive
                            && n.node.epoch() == epoch
                            && n.node.leader_id() == Some(id)
                            && set.iter().any(|v| v.is(n.node.id, n.node.directory_id()))
                    })
                    .count();
                (followers >= majority).then_some(id)
            })
    }

    /// The node that takes writes: the live leader with the highest epoch.
    pub fn mode(&self) -> ClusterMode {
        self.spec.mode
    }

    /// The controller and its epoch (docs/contracts.md, ZooKeeper mode): in KRaft mode the active controller (the
    /// quorum leader once activated) and the quorum epoch; in ZooKeeper mode the running broker
    /// `/controller` names, acting as controller in the epoch `/controller_epoch` holds.
    pub fn controller(&self) -> Option<(NodeId, u32)> {
        match self.spec.mode {
            ClusterMode::Kraft => self
                .controllers()
                .filter(|n| n.alive && n.node.active_controller().is_some())
                .max_by_key(|n| n.node.epoch())
                .map(|n| (n.node.id, n.node.epoch())),
            ClusterMode::Zookeeper => {
                // The broker `/controller` names, acting in the epoch `/controller_epoch` holds
                // (a zombie that lost its session is not the controller, whatever it believes).
                let e = self.ensemble()?;
                let (id, current) = (e.controller()?, e.controller_epoch());
                let n = self.node(id).filter(|n| n.alive)?;
                let c = n.node.zk_controller()?;
                (c.epoch == current).then_some((id, c.epoch))
            }
        }
    }

    /// The controller can elect partition leaders (`"controller_ready"`): in KRaft mode once
    /// activated, in ZooKeeper mode once its failover reads are done.
    pub fn controller_ready(&self) -> bool {
        let Some((id, _)) = self.controller() else {
            return false;
        };
        match self.spec.mode {
            ClusterMode::Kraft => true,
            ClusterMode::Zookeeper => self
                .node(id)
                .and_then(|n| n.node.zk_controller())
                .is_some_and(|c| c.ready),
        }
    }

    /// ZooKeeper mode: the ensemble's tree and sessions (as they are, even while node 0 is down).
    pub fn ensemble(&self) -> Option<&crate::protocol::zk_ensemble::Ensemble> {
        // Asked after every step: a KRaft cluster need not look for it among its nodes.
        if self.spec.mode != ClusterMode::Zookeeper {
            return None;
        }
        self.node(ENSEMBLE)?.node.durable().ensemble.as_deref()
    }

    pub fn acting_leader(&self) -> Option<NodeId> {
        self.controllers()
            .filter(|n| n.alive && n.node.role() == Role::Leader)
            .max_by_key(|n| n.node.epoch())
            .map(|n| n.node.id)
    }

    // ----- running -----

    fn push(&mut self, time: Time, kind: EventKind) {
        self.next_seq += 1;
        self.queue.push(Reverse(Event {
            time,
            seq: self.next_seq,
            kind,
        }));
    }

    fn index(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.node.id == id)
    }

    /// Processes the next event, whatever it is. None when the queue is empty; Some(false) for a
    /// no-op wake-up. (`step` skips those; the timeline needs the raw sequence.)
    pub fn process_next(&mut self) -> Option<bool> {
        self.leave_local_clocks();
        let Reverse(ev) = self.queue.pop()?;
        self.now = self.now.max(ev.time);
        let effective = self.run_event(ev);
        self.flush_step();
        Some(effective)
    }

    /// Runs one event taken off the queue (the clock already at or past its time); the caller
    /// flushes the step.
    fn run_event(&mut self, ev: Event) -> bool {
        // A delivery or a timer runs one node's handler: only that node can change.
        self.touched = Touched::Nothing;
        self.stats.events += 1;
        let effective = match ev.kind {
            EventKind::Deliver(env) => self.deliver(env, ev.time, ev.seq),
            EventKind::Timer { node, slot, at, .. } if node == self.client => match slot {
                CONSUMER_SLOT => self.consumer_timer(at),
                LOAD_SLOT => self.load_timer(at),
                _ => self.producer_timer(at),
            },
            EventKind::Timer {
                node,
                slot,
                at,
                incarnation,
            } => {
                let Some(i) = self.index(node) else {
                    return false;
                };
                let n = &mut self.nodes[i];
                if !n.alive || n.incarnation != incarnation {
                    false
                } else if n.paused_until.is_some() {
                    n.held.push(Event {
                        time: ev.time,
                        seq: ev.seq,
                        kind: EventKind::Timer {
                            node,
                            slot,
                            at,
                            incarnation,
                        },
                    });
                    false
                } else {
                    self.touched = Touched::Node(i);
                    let mut out = self.take_effects();
                    let fired =
                        self.nodes[i]
                            .node
                            .handle(self.now, Input::Timer { slot, at }, &mut out);
                    self.apply_effects(i, out);
                    fired
                }
            }
            EventKind::Resume { node, incarnation } => self.resume(node, incarnation),
        };
        if effective {
            self.stats.steps += 1;
        }
        effective
    }

    /// Forced steps start: every node (and the clients) gets its own clock, set to now.
    fn enter_local_clocks(&mut self) {
        if self.local.is_empty() {
            let now = self.now;
            self.local.insert(self.client, now);
            for n in &self.nodes {
                self.local.insert(n.node.id, now);
            }
        }
    }

    /// Back to one clock: the latest of them.
    fn leave_local_clocks(&mut self) {
        if self.local.is_empty() {
            return;
        }
        if let Some(latest) = self.local.values().max() {
            self.now = self.now.max(*latest);
        }
        self.local.clear();
    }

    /// Runs `f` with the clock at `node`'s own time. The global clock (what the trace, the
    /// checker and the timeline read) stays where forced steps began: no event the forced steps
    /// skipped over may look as if it were due, so a replay to this point runs the same events.
    fn on_local_clock<T>(
        &mut self,
        node: NodeId,
        at_least: Time,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.enter_local_clocks();
        let global = self.now;
        let t = self
            .local
            .get(&node)
            .copied()
            .unwrap_or(global)
            .max(at_least);
        self.local.insert(node, t);
        self.now = t;
        let r = f(self);
        self.now = global;
        r
    }

    /// The explorer's `deliver`: message `id` arrives now, ahead of whatever else is on the wire
    /// (networks may delay any message any time), at its receiver's own time.
    fn deliver_now(&mut self, id: u64) -> Result<(), ActionError> {
        let mut events = std::mem::take(&mut self.queue).into_vec();
        let first = events
            .iter()
            .enumerate()
            .filter(|(_, Reverse(e))| matches!(&e.kind, EventKind::Deliver(env) if env.id == id))
            .min_by_key(|(_, Reverse(e))| (e.time, e.seq))
            .map(|(i, _)| i);
        let Some(first) = first else {
            self.queue = events.into();
            return Err(ActionError::NotInFlight(id));
        };
        let Reverse(ev) = events.swap_remove(first);
        self.queue = events.into();
        let to = match &ev.kind {
            EventKind::Deliver(env) => env.to,
            _ => self.client,
        };
        self.on_local_clock(to, 0, |sim| sim.run_event(ev));
        Ok(())
    }

    /// The deadline of a timer that is set, and the wake-up the node expects for it (the client
    /// end's two timers are `partitions`, the producer, and `fetch_retry`, the consumers, of
    /// node 0).
    fn timer_set(&self, node: NodeId, slot: Slot) -> Option<(Time, Time)> {
        if node == self.client {
            let wake = match slot {
                CONSUMER_SLOT => self.consumer_wake,
                LOAD_SLOT => self.load_wake,
                Slot::Partitions => self.producer_wake,
                _ => None,
            }?;
            return Some((wake, wake));
        }
        let n = self.node(node)?;
        if !n.alive || n.paused_until.is_some() {
            return None;
        }
        n.node.timer_due(slot)
    }

    /// The explorer's `fire`: a node's timer goes off, its own clock moving to the deadline
    /// (nothing happened to it meanwhile; the other nodes' clocks stay where they are).
    fn fire_now(&mut self, node: NodeId, slot: Slot) -> Result<(), ActionError> {
        if node != self.client {
            let i = self.need(node)?;
            self.check_running(i)?;
        }
        let (deadline, armed) = self
            .timer_set(node, slot)
            .ok_or(ActionError::NoTimer { node, slot })?;
        self.on_local_clock(node, deadline, |sim| {
            sim.stats.events += 1;
            sim.stats.steps += 1;
            if node == sim.client {
                sim.touched = Touched::Nothing;
                match slot {
                    CONSUMER_SLOT => sim.consumer_timer(armed),
                    LOAD_SLOT => sim.load_timer(armed),
                    _ => sim.producer_timer(armed),
                };
                return;
            }
            let Some(i) = sim.index(node) else {
                return;
            };
            sim.touched = Touched::Node(i);
            let mut out = sim.take_effects();
            let now = sim.now;
            sim.nodes[i]
                .node
                .handle(now, Input::Timer { slot, at: armed }, &mut out);
            sim.apply_effects(i, out);
        });
        Ok(())
    }

    /// What the explorer may make happen next, besides faults: each message on the wire
    /// (once per id) and each timer that is set, in a fixed order.
    pub fn pending(&self) -> Vec<Action> {
        let mut msgs: Vec<(Time, u64, u64)> = self
            .queue
            .iter()
            .filter_map(|Reverse(e)| match &e.kind {
                EventKind::Deliver(env) => Some((e.time, e.seq, env.id)),
                _ => None,
            })
            .collect();
        msgs.sort_unstable();
        let mut seen = BTreeSet::new();
        let mut out: Vec<Action> = msgs
            .into_iter()
            .filter(|m| seen.insert(m.2))
            .map(|m| Action::Deliver(m.2))
            .collect();
        // On its own clock a node's timers go off in the order of their deadlines: only the
        // earliest (or those tied with it) can be next.
        let ids = std::iter::once(self.client).chain(self.nodes.iter().map(|n| n.node.id));
        for node in ids {
            let set: Vec<(Time, Slot)> = crate::protocol::node::ALL_SLOTS
                .into_iter()
                .filter_map(|slot| Some((self.timer_set(node, slot)?.0, slot)))
                .collect();
            if let Some(first) = set.iter().map(|(t, _)| *t).min() {
                for (_, slot) in set.into_iter().filter(|(t, _)| *t == first) {
                    out.push(Action::Fire { node, timer: slot });
                }
            }
        }
        out
    }

    fn deliver(&mut self, env: Envelope, time: Time, seq: u64) -> bool {
        if env.to == self.client {
            return self.deliver_to_producer(env);
        }
        let Some(i) = self.index(env.to) else {
            return false;
        };
        if self.cut.contains(&(env.from, env.to)) {
            self.drop_msg(&env, DropReason::LinkDown);
            return true;
        }
        if !self.nodes[i].alive {
            self.drop_msg(&env, DropReason::NodeDown);
            if env.from == self.client {
                self.clients_disconnected(env.to);
            }
            return true;
        }
        if self.nodes[i].paused_until.is_some() {
            self.nodes[i].held.push(Event {
                time,
                seq,
                kind: EventKind::Deliver(env),
            });
            return false;
        }
        self.stats.messages_delivered += 1;
        self.touched = Touched::Node(i);
        self.step_events.push(TraceKind::Deliver {
            id: env.id,
            from: env.from,
            to: env.to,
            msg: env.msg.clone(),
        });
        let taken = self.fetch_answer_taken(i, env.from, &env.msg);
        let mut out = self.take_effects();
        self.nodes[i].node.handle(
            self.now,
            Input::Message {
                from: env.from,
                msg: &env.msg,
            },
            &mut out,
        );
        self.apply_effects(i, out);
        self.confirm_after_power_loss(env.from, env.to, &env.msg, &taken);
        true
    }

    fn deliver_to_producer(&mut self, env: Envelope) -> bool {
        if self.cut.contains(&(env.from, env.to)) {
            self.drop_msg(&env, DropReason::LinkDown);
            return true;
        }
        self.stats.messages_delivered += 1;
        self.step_events.push(TraceKind::Deliver {
            id: env.id,
            from: env.from,
            to: env.to,
            msg: env.msg.clone(),
        });
        match &*env.msg {
            Message::ProduceResponse(r) => {
                self.producer.on_response(self.now, &self.cfg, r);
                self.apply_producer_effects(ProducerEffects::default());
            }
            Message::ConsumerFetchResponse(r) => {
                self.consumers.on_response(self.now, &self.cfg, r);
                self.schedule_consumers(Vec::new());
            }
            _ => {}
        }
        true
    }

    /// The clients' connections to a broker that died close: what was in flight to it is
    /// retried at once (after the back-off), not after the request timeout.
    fn clients_disconnected(&mut self, broker: NodeId) {
        let cfg = self.cfg.clone();
        self.producer.on_disconnect(self.now, &cfg, broker);
        self.consumers.on_disconnect(self.now, &cfg, broker);
        self.apply_producer_effects(ProducerEffects::default());
        self.schedule_consumers(Vec::new());
    }

    /// The consumers' timer: polls that are due, requests that timed out.
    fn consumer_timer(&mut self, at: Time) -> bool {
        if self.consumer_wake != Some(at) {
            return false;
        }
        self.consumer_wake = None;
        let mut consumers = std::mem::take(&mut self.consumers);
        let image = self.committed_image_ref();
        let leader_of = |topic_id: u32, partition: u32| {
            let p = image?.partition(topic_id, partition)?;
            Some((p.leader?, p.leader_epoch))
        };
        let mut sends = Vec::new();
        consumers.on_timer(self.now, &self.cfg, &leader_of, &mut sends);
        self.consumers = consumers;
        self.schedule_consumers(sends);
        true
    }

    fn schedule_consumers(&mut self, sends: Vec<(NodeId, Message)>) {
        for (to, msg) in sends {
            self.send(self.client, to, msg);
        }
        if let Some(t) = self.consumers.next_wake(&self.cfg) {
            let t = t.max(self.now);
            if self.consumer_wake.is_none_or(|w| t < w) {
                self.consumer_wake = Some(t);
                self.push(
                    t,
                    EventKind::Timer {
                        node: self.client,
                        slot: CONSUMER_SLOT,
                        at: t,
                        incarnation: 0,
                    },
                );
            }
        }
    }

    /// The consumers, as they stand.
    pub fn consumers(&self) -> &[Consumer] {
        &self.consumers.all
    }

    /// The producer client's timer: retries, request and delivery timeouts.
    fn producer_timer(&mut self, at: Time) -> bool {
        if self.producer_wake != Some(at) {
            return false;
        }
        self.producer_wake = None;
        let cfg = self.cfg.clone();
        // The client reads the committed image as its metadata (no copy of it: the producer is
        // taken out while it works).
        let mut producer = std::mem::take(&mut self.producer);
        let image = self.committed_image_ref();
        let leader_of = |topic_id: u32, partition: u32| {
            image.and_then(|i| i.partition(topic_id, partition)?.leader)
        };
        let mut out = ProducerEffects::default();
        producer.on_timer(self.now, &cfg, &leader_of, &mut out);
        self.producer = producer;
        self.apply_producer_effects(out);
        true
    }

    /// The steady load's turn: one produce now (skipped while its topic is unknown or has no
    /// leader the client knows: it is the client's retry that waits, not the load), the next one
    /// `every_ms` later.
    fn load_timer(&mut self, at: Time) -> bool {
        if self.load_wake != Some(at) {
            return false;
        }
        self.load_wake = None;
        let Some(load) = self.load.clone() else {
            return false;
        };
        let p = load.produce;
        // An error here (the topic is gone) ends nothing: the next turn tries again.
        let _ = self.start_produce(&p.topic, p.partition, p.records, p.acks);
        self.schedule_load(self.now + load.every_ms.max(1));
        true
    }

    fn schedule_load(&mut self, t: Time) {
        self.load_wake = Some(t);
        self.push(
            t,
            EventKind::Timer {
                node: self.client,
                slot: LOAD_SLOT,
                at: t,
                incarnation: 0,
            },
        );
    }

    /// The client takes `records` at once and sends them to the leader it knows (none yet: it
    /// waits and looks again); numbered in the order they run.
    fn start_produce(
        &mut self,
        topic: &str,
        partition: u32,
        records: u32,
        acks: crate::protocol::partition::Acks,
    ) -> Result<(), ActionError> {
        let (topic_id, leader) = self.partition_of(topic, partition)?;
        self.produces += 1;
        let mut out = ProducerEffects::default();
        self.producer.start(
            self.now,
            self.produces,
            (topic, topic_id, partition),
            records,
            acks,
            leader,
            &mut out,
        );
        self.apply_producer_effects(out);
        Ok(())
    }

    fn apply_producer_effects(&mut self, out: ProducerEffects) {
        for (to, msg) in out.sends {
            self.send(self.client, to, msg);
        }
        // One timer at a time, at the client's next deadline (an earlier one replaces it).
        if let Some(t) = self.producer.next_wake(&self.cfg) {
            let t = t.max(self.now);
            if self.producer_wake.is_none_or(|w| t < w) {
                self.producer_wake = Some(t);
                self.push(
                    t,
                    EventKind::Timer {
                        node: self.client,
                        slot: Slot::Partitions,
                        at: t,
                        incarnation: 0,
                    },
                );
            }
        }
    }

    /// The slow nodes: how much later every message to each arrives.
    pub fn slow_nodes(&self) -> &BTreeMap<NodeId, u64> {
        &self.slow
    }

    /// The steady load running now, if any.
    pub fn steady_load(&self) -> Option<&SteadyLoad> {
        self.load.as_ref()
    }

    /// Produce steps run so far (produce k is the k-th).
    pub fn produce_count(&self) -> u64 {
        self.produces
    }

    /// Finished produces the client no longer keeps.
    pub fn producer_dropped(&self) -> usize {
        self.producer.dropped
    }

    /// The producer client, for checker tests that plant a produce.
    #[cfg(test)]
    pub(crate) fn producer_mut(&mut self) -> &mut Producer {
        &mut self.producer
    }

    /// The producer client's produces, as they stand (the newest finished ones and every
    /// pending one).
    pub fn produces(&self) -> &[crate::protocol::producer::Produce] {
        &self.producer.produces
    }

    /// A topic's id and its partition's leader in the committed image (None: no leader now).
    pub fn partition_of(
        &self,
        topic: &str,
        partition: u32,
    ) -> Result<(u32, Option<NodeId>), ActionError> {
        let t = self
            .committed_image_ref()
            .and_then(|image| image.topic_by_name(topic))
            .ok_or_else(|| ActionError::NoTopic(topic.to_string()))?;
        let p = t
            .partitions
            .iter()
            .find(|p| p.partition == partition)
            .ok_or_else(|| ActionError::NoPartition {
                topic: topic.to_string(),
                partition,
            })?;
        Ok((t.topic_id, p.leader))
    }

    fn drop_msg(&mut self, env: &Envelope, reason: DropReason) {
        self.stats.messages_dropped += 1;
        self.step_events.push(TraceKind::Drop {
            id: env.id,
            from: env.from,
            to: env.to,
            reason,
            msg: env.msg.clone(),
        });
    }

    fn take_effects(&mut self) -> Effects {
        let mut e = std::mem::take(&mut self.spare);
        e.clear();
        e
    }

    /// The process is gone (crashed, or exited after a controlled shutdown): its timers and
    /// held messages die with this incarnation, and its clients' connections close.
    fn take_down(&mut self, idx: usize) {
        let n = &mut self.nodes[idx];
        n.alive = false;
        n.incarnation += 1;
        n.paused_until = None;
        n.held.clear();
        n.node.drop_caches();
        let id = n.node.id;
        self.clients_disconnected(id);
    }

    fn apply_effects(&mut self, idx: usize, mut out: Effects) {
        let from = self.nodes[idx].node.id;
        let incarnation = self.nodes[idx].incarnation;
        for (slot, at) in out.timers.drain(..) {
            self.push(
                at,
                EventKind::Timer {
                    node: from,
                    slot,
                    at,
                    incarnation,
                },
            );
        }
        for (to, msg) in out.sends.drain(..) {
            self.send(from, to, msg);
        }
        if std::mem::take(&mut out.stop) {
            // A clean exit: the node is down as after a crash, but it chose the moment.
            self.take_down(idx);
            out.trace.push(TraceKind::ShutDown { node: from });
        }
        for t in out.trace.drain(..) {
            if let TraceKind::Role {
                to: Role::Leader, ..
            } = t
            {
                self.stats.elections_won += 1;
            }
            // Each committed record is narrated once, not once per leader that applies it.
            if let Some(o) = t.record_offset() {
                if self.narrated.is_some_and(|n| o <= n) {
                    continue;
                }
                self.narrated = Some(o);
            }
            self.step_events.push(t);
        }
        // Kept for the next step's effects, unless one step made it huge (creating a topic of
        // 100,000 partitions appends as many records): that capacity would be held for good.
        if !out.is_large() {
            self.spare = out;
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Message) {
        self.next_msg_id += 1;
        self.stats.messages_sent += 1;
        let env = Envelope {
            id: self.next_msg_id,
            from,
            to,
            sent_at: self.now,
            msg: Rc::new(msg),
        };
        if self.cut.contains(&(from, to)) {
            self.drop_msg(&env, DropReason::LinkDown);
            return;
        }
        // A fault armed for this link (and RPC) takes this message, and only this one.
        let fault = self
            .armed
            .iter()
            .position(|f| f.matches(from, to, &env.msg))
            .map(|i| self.armed.remove(i).fault);
        if fault == Some(Fault::Drop) {
            self.drop_msg(&env, DropReason::ByHand);
            return;
        }
        // The network's settings (copied: the RNG below needs `self` mutably).
        let (op_ms, loss, duplicate, latency) = (
            self.cfg.zookeeper_op_ms,
            self.cfg.loss,
            self.cfg.duplicate,
            self.cfg.latency_ms,
        );
        // ZooKeeper's sessions run over TCP to an ensemble next to the brokers: in order, not
        // lost or doubled (a cut link still drops), one call taking `zookeeper_op_ms` each way.
        let zk_link =
            self.spec.mode == ClusterMode::Zookeeper && (from == ENSEMBLE || to == ENSEMBLE);
        if zk_link {
            let mut at = self.now
                + op_ms
                + fault.map_or(0, |f| match f {
                    Fault::Delay { ms } => ms,
                    _ => 0,
                });
            let last = self.zk_link.entry((from, to)).or_insert(0);
            at = at.max(*last);
            *last = at;
            self.put_on_wire(&env, at);
            return;
        }
        if loss > 0.0 && self.net_rng.random::<f64>() < loss {
            self.drop_msg(&env, DropReason::Loss);
            return;
        }
        let copies = if fault == Some(Fault::Duplicate)
            || (duplicate > 0.0 && self.net_rng.random::<f64>() < duplicate)
        {
            self.stats.messages_duplicated += 1;
            2
        } else {
            1
        };
        let delay = match fault {
            Some(Fault::Delay { ms }) => ms,
            _ => 0,
        } + self.slow.get(&to).copied().unwrap_or(0);
        for _ in 0..copies {
            let latency = self.net_rng.random_range(latency.min..=latency.max);
            let mut at = self.now + latency + delay;
            if from == self.client {
                let last = self.producer_link.entry(to).or_insert(0);
                at = at.max(*last);
                *last = at;
            }
            self.put_on_wire(&env, at);
        }
    }

    /// A message leaves now and arrives at `at`.
    fn put_on_wire(&mut self, env: &Envelope, at: Time) {
        self.step_events.push(TraceKind::Send {
            id: env.id,
            from: env.from,
            to: env.to,
            deliver_at: at,
            msg: env.msg.clone(),
        });
        self.push(at, EventKind::Deliver(env.clone()));
    }

    /// Runs the invariant checker over what this step did, then files it into the trace.
    /// The checker reads every node's state after every event, even one that traced nothing: a
    /// change nobody announced is still checked.
    fn flush_step(&mut self) {
        if self.step_events.is_empty() && !self.cfg.check_invariants {
            return;
        }
        let mut events = std::mem::take(&mut self.step_events);
        let told = self.tell_losses(&events);
        events.extend(told);
        let told = self.tell_stale_controllers(&events);
        events.extend(told);
        // Actions (crash, restart, elect...) may touch any node.
        let touched = std::mem::replace(&mut self.touched, Touched::All);
        let found = if self.cfg.check_invariants {
            let mut found = self
                .checker
                .observe_step(self.now, &events, &self.nodes, touched);
            for v in self.check_data_plane(&events, touched) {
                self.checker.record(v.clone());
                found.push(v);
            }
            found
        } else {
            Vec::new()
        };
        for kind in events.drain(..) {
            self.trace.push(self.now, kind);
        }
        // The next step fills the same buffer (anything pushed meanwhile goes after), unless
        // this step made it huge: that capacity would be held for good.
        if events.capacity() > SPARE_CAPACITY {
            events = Vec::new();
        }
        std::mem::swap(&mut self.step_events, &mut events);
        self.step_events.append(&mut events);
        for v in found {
            self.trace.push(
                self.now,
                TraceKind::Violation {
                    invariant: v.invariant,
                    detail: v.detail.clone(),
                },
            );
        }
    }

    /// Delivers exactly one event that does something (skipping no-op timer wake-ups).
    /// Returns false if nothing is left to happen.
    pub fn step(&mut self) -> bool {
        loop {
            match self.process_next() {
                None => return false,
                Some(true) => return true,
                Some(false) => continue,
            }
        }
    }

    /// Processes every event up to `time`, then sets the clock to it.
    pub fn advance_to(&mut self, time: Time) {
        self.leave_local_clocks();
        while self.queue.peek().is_some_and(|Reverse(e)| e.time <= time) {
            self.process_next();
        }
        self.now = self.now.max(time);
    }

    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now + ms);
    }

    /// Runs until `cond` holds (checked after every event) or `limit_ms` of virtual time pass.
    pub fn run_until(&mut self, limit_ms: u64, mut cond: impl FnMut(&Simulation) -> bool) -> bool {
        let deadline = self.now + limit_ms;
        loop {
            if cond(self) {
                return true;
            }
            match self.queue.peek() {
                Some(Reverse(e)) if e.time <= deadline => {
                    self.process_next();
                }
                _ => {
                    self.now = self.now.max(deadline);
                    return cond(self);
                }
            }
        }
    }

    // ----- actions -----

    /// Applies a user action now and records it in the history. Errors leave the cluster untouched.
    pub fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        let record = TimedAction {
            time: self.now,
            after_events: self.stats.events,
            action: action.clone(),
        };
        self.apply_inner(action)?;
        self.history.push(record);
        self.flush_step();
        Ok(())
    }

    fn need(&self, id: NodeId) -> Result<usize, ActionError> {
        self.index(id).ok_or(ActionError::NoSuchNode(id))
    }

    fn set_link(&mut self, from: NodeId, to: NodeId, up: bool) {
        let changed = if up {
            self.cut.remove(&(from, to))
        } else {
            self.cut.insert((from, to))
        };
        if changed {
            self.step_events.push(TraceKind::Link { from, to, up });
        }
    }

    fn with_node<T>(
        &mut self,
        idx: usize,
        f: impl FnOnce(&mut Node, Time, &mut Effects) -> Result<T, CommandError>,
    ) -> Result<T, ActionError> {
        let mut out = self.take_effects();
        let now = self.now;
        let r = f(&mut self.nodes[idx].node, now, &mut out);
        self.apply_effects(idx, out);
        Ok(r?)
    }

    fn apply_inner(&mut self, action: Action) -> Result<(), ActionError> {
        match action {
            Action::Crash(id) => {
                let i = self.need(id)?;
                let n = &mut self.nodes[i];
                if !n.alive {
                    return Err(ActionError::AlreadyDown(id));
                }
                self.take_down(i);
                self.step_events.push(TraceKind::Crash { node: id });
            }
            Action::PowerLoss(id) => {
                let i = self.need(id)?;
                if !self.nodes[i].alive {
                    return Err(ActionError::AlreadyDown(id));
                }
                self.take_down(i);
                let now = self.local.get(&id).copied().unwrap_or(self.now);
                let hw_before = self.nodes[i]
                    .node
                    .partition_replicas()
                    .iter()
                    .map(|(k, r)| (*k, r.hw))
                    .collect();
                let gone = self.nodes[i].node.lose_power(now);
                self.note_power_loss(id, &gone, &hw_before);
                let records = gone.iter().map(|(_, r)| r.len() as u64).sum();
                self.step_events
                    .push(TraceKind::PowerLoss { node: id, records });
            }
            Action::ControlledShutdown(id) => {
                let i = self.need(id)?;
                let n = &mut self.nodes[i];
                if !n.alive {
                    return Err(ActionError::Down(id));
                }
                if n.node.kind != crate::protocol::NodeKind::Broker {
                    return Err(ActionError::NotABroker(id));
                }
                let now = self.local.get(&id).copied().unwrap_or(self.now);
                let mut out = self.take_effects();
                self.nodes[i].node.begin_controlled_shutdown(now, &mut out);
                self.apply_effects(i, out);
            }
            Action::Restart(id) => {
                let i = self.need(id)?;
                if self.nodes[i].alive {
                    return Err(ActionError::StillRunning(id));
                }
                let old = &self.nodes[i].node;
                let (identity, durable, rng) =
                    (old.identity(), old.durable.clone(), old.rng.clone());
                let mut out = self.take_effects();
                // Between forced steps a node restarts at its own time.
                let now = self.local.get(&id).copied().unwrap_or(self.now);
                let node = Node::start(identity, durable, rng, now, &mut out);
                let n = &mut self.nodes[i];
                n.node = node;
                n.alive = true;
                n.incarnation += 1;
                self.step_events.push(TraceKind::Restart { node: id });
                self.apply_effects(i, out);
            }
            Action::Pause { node, ms } => {
                let i = self.need(node)?;
                if !self.nodes[i].alive {
                    return Err(ActionError::Down(node));
                }
                if ms == 0 {
                    return Err(ActionError::ZeroPause);
                }
                let until = self.now + ms;
                let n = &mut self.nodes[i];
                if n.paused_until.is_some_and(|u| u >= until) {
                    return Ok(());
                }
                n.paused_until = Some(until);
                let incarnation = n.incarnation;
                self.step_events.push(TraceKind::Pause { node, until });
                self.push(until, EventKind::Resume { node, incarnation });
            }
            Action::Elect(id) => {
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, now, out| n.force_election(now, out))?;
            }
            Action::Resign(id) => {
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, now, out| {
                    if n.role() != Role::Leader {
                        return Err(CommandError::NotLeader(n.id));
                    }
                    n.resign(now, RoleReason::GracefulResignation, out);
                    Ok(())
                })?;
            }
            Action::CutOneWay { from, to } => {
                self.need(from)?;
                self.need(to)?;
                self.set_link(from, to, false);
            }
            Action::HealOneWay { from, to } => {
                self.need(from)?;
                self.need(to)?;
                self.set_link(from, to, true);
            }
            Action::Partition(groups) => {
                let mut seen = BTreeSet::new();
                for id in groups.iter().flatten() {
                    self.need(*id)?;
                    if !seen.insert(*id) {
                        return Err(ActionError::InTwoGroups(*id));
                    }
                }
                for (gi, g) in groups.iter().enumerate() {
                    for (hi, h) in groups.iter().enumerate() {
                        if gi != hi {
                            for &a in g {
                                for &b in h {
                                    self.set_link(a, b, false);
                                }
                            }
                        }
                    }
                }
            }
            Action::Isolate(id) => {
                self.need(id)?;
                let others: Vec<NodeId> = self
                    .nodes
                    .iter()
                    .map(|n| n.node.id)
                    .filter(|o| *o != id)
                    .collect();
                for o in others {
                    self.set_link(id, o, false);
                    self.set_link(o, id, false);
                }
            }
            Action::HealAll => {
                let cut: Vec<_> = self.cut.iter().copied().collect();
                for (a, b) in cut {
                    self.set_link(a, b, true);
                }
            }
            Action::NextMessage(f) => {
                self.need(f.from)?;
                self.need(f.to)?;
                if f.from == f.to {
                    return Err(ActionError::SameNode(f.from));
                }
                if let Some(r) = f.rpc.as_deref().filter(|r| !RPC_NAMES.contains(r)) {
                    return Err(ActionError::NoSuchRpc(r.to_string()));
                }
                if matches!(f.fault, Fault::Delay { ms } if ms == 0 || ms > 60_000) {
                    return Err(ActionError::BadDelay);
                }
                self.armed.push(f);
            }
            Action::InFlight { id, fault } => self.fault_in_flight(id, fault)?,
            Action::Deliver(id) => self.deliver_now(id)?,
            Action::Fire { node, timer } => self.fire_now(node, timer)?,
            Action::SetLoss(loss) => {
                if !(0.0..=1.0).contains(&loss) {
                    return Err(ActionError::BadLoss);
                }
                Rc::make_mut(&mut self.cfg).loss = loss;
            }
            Action::AddVoter(id) | Action::RemoveVoter(id) => {
                let j = self.need(id)?;
                if !self.nodes[j].node.kind.runs_controller() {
                    return Err(ActionError::NotAController(id));
                }
                let leader = self.acting_leader().ok_or(ActionError::NoLeader)?;
                let i = self.need(leader)?;
                self.check_running(i)?;
                let add = matches!(action, Action::AddVoter(_));
                // The admin tool reads the directory id from the new controller's own disk.
                let dir = self.nodes[j].node.directory_id();
                self.with_node(i, |n, now, out| {
                    if add {
                        n.add_voter(now, id, dir, out)
                    } else {
                        n.remove_voter(now, id, out)
                    }
                })?;
            }
            Action::Wipe(id) => self.wipe(id)?,
            Action::Append(count) => {
                let id = self.acting_leader().ok_or(ActionError::NoLeader)?;
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, now, out| n.client_append(now, count, out))?;
            }
            Action::Produce(ProduceRecords {
                topic,
                partition,
                records,
                acks,
            }) => {
                self.start_produce(&topic, partition, records, acks)?;
                // Only the client changed: the checker need not read every node again.
                self.touched = Touched::Nothing;
            }
            Action::Slow { node, ms } => {
                self.need(node)?;
                if ms > 60_000 {
                    return Err(ActionError::BadDelay);
                }
                if ms == 0 {
                    self.slow.remove(&node);
                } else {
                    self.slow.insert(node, ms);
                }
                self.touched = Touched::Nothing;
            }
            Action::SteadyLoad(load) => {
                if let Some(l) = &load {
                    if l.every_ms == 0 {
                        return Err(ActionError::InvalidLoad);
                    }
                    // Refused at once for a topic that does not exist.
                    self.partition_of(&l.produce.topic, l.produce.partition)?;
                }
                let starts = load.is_some() && self.load.is_none();
                self.load = load;
                if starts {
                    self.schedule_load(self.now);
                }
                self.touched = Touched::Nothing;
            }
            Action::Consume(ConsumeFrom {
                topic,
                partition,
                from,
            }) => {
                let (topic_id, _) = self.partition_of(&topic, partition)?;
                let start = match from {
                    ConsumeStart::Earliest => StartAt::Reset(OffsetReset::Earliest),
                    ConsumeStart::Latest => StartAt::Reset(OffsetReset::Latest),
                    ConsumeStart::Offset(o) => StartAt::Offset(o),
                };
                self.consumers
                    .start(self.now, (&topic, topic_id, partition), start);
                self.schedule_consumers(Vec::new());
                self.touched = Touched::Nothing;
            }
            Action::ElectPreferred { topic, partition }
                if self.spec.mode == ClusterMode::Zookeeper =>
            {
                let (id, _) = self.controller().ok_or(ActionError::NoActiveController)?;
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, _, out| n.zk_elect_preferred(&topic, partition, out))?;
            }
            Action::ElectPreferred { topic, partition } => {
                let id = self
                    .acting_leader()
                    .ok_or(ActionError::NoActiveController)?;
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, now, out| {
                    n.elect_preferred(now, &topic, partition, out)
                })?;
            }
            Action::CreateTopic(spec) if self.spec.mode == ClusterMode::Zookeeper => {
                // The admin client writes the topic's znode through the controller's session;
                // the controller's watch does the rest.
                let (id, _) = self.controller().ok_or(ActionError::NoActiveController)?;
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, _, out| n.zk_create_topic(&spec, out))?;
            }
            Action::CreateTopic(spec) => {
                let id = self
                    .acting_leader()
                    .ok_or(ActionError::NoActiveController)?;
                let i = self.need(id)?;
                self.check_running(i)?;
                self.with_node(i, |n, now, out| n.create_topic(now, &spec, out))?;
            }
        }
        Ok(())
    }

    /// Crashes the node (if running) and gives it a freshly formatted disk: no log, no quorum
    /// state, no replicas, a new directory id (unless the unsafe switch keeps the old one).
    /// It comes back on `restart`.
    fn wipe(&mut self, id: NodeId) -> Result<(), ActionError> {
        let i = self.need(id)?;
        if self.nodes[i].node.kind.runs_broker() {
            return Err(ActionError::WipeBroker(id));
        }
        if self.nodes[i].alive {
            self.apply_inner(Action::Crash(id))?;
        }
        let seed = self.spec.seed;
        let keep = self.cfg.unsafe_wiped_voter_keeps_identity;
        let n = &mut self.nodes[i];
        let old = n.node.durable().directory_id;
        n.wipes += 1;
        n.lost_disks.push(old);
        let dir = if keep {
            old
        } else {
            directory_id(seed, id, n.wipes)
        };
        let durable = Durable {
            // The process counter is not on the disk: incarnations stay apart.
            starts: n.node.durable().starts,
            directory_id: dir,
            ..Default::default()
        };
        let (identity, rng) = (n.node.identity(), n.node.rng.clone());
        // Built to be shown while down; `restart` starts it again from this disk.
        n.node = Node::start(identity, durable, rng, self.now, &mut Effects::default());
        self.step_events.push(TraceKind::Wipe {
            node: id,
            directory_id: dir,
        });
        Ok(())
    }

    fn check_running(&self, i: usize) -> Result<(), ActionError> {
        let n = &self.nodes[i];
        if !n.alive {
            return Err(ActionError::Down(n.node.id));
        }
        if n.paused_until.is_some() {
            return Err(ActionError::Paused(n.node.id));
        }
        Ok(())
    }

    fn resume(&mut self, id: NodeId, incarnation: u32) -> bool {
        let Some(i) = self.index(id) else {
            return false;
        };
        let n = &mut self.nodes[i];
        if n.incarnation != incarnation || n.paused_until.is_none_or(|u| u > self.now) {
            return false;
        }
        n.paused_until = None;
        let held = std::mem::take(&mut n.held);
        self.step_events.push(TraceKind::Resume { node: id });
        // Everything that waited is handled now, in the order it arrived: timers fire late.
        let now = self.now;
        for ev in held {
            self.push(now, ev.kind);
        }
        true
    }

    /// Rebuilds a simulation from a recording, up to `until` (virtual ms) or to its end.
    pub fn replay(recording: &Recording, until: Option<Time>) -> Result<Simulation, ReplayError> {
        let mut sim = Simulation::new(recording.spec.clone())?;
        for a in &recording.actions {
            if until.is_some_and(|t| a.time > t) {
                break;
            }
            sim.replay_action(a)?;
        }
        if let Some(t) = until {
            sim.advance_to(t);
        }
        Ok(sim)
    }

    /// Brings the simulation to the exact point `a` was applied at, then applies it.
    pub fn replay_action(&mut self, a: &TimedAction) -> Result<(), ActionError> {
        while self.stats.events < a.after_events {
            if self.process_next().is_none() {
                break;
            }
        }
        self.now = self.now.max(a.time);
        self.apply(a.action.clone())
    }

    /// Records a violation found outside the per-event checks (the liveness phase).
    pub(crate) fn record_violation(&mut self, v: Violation) {
        self.trace.push(
            self.now,
            TraceKind::Violation {
                invariant: v.invariant,
                detail: v.detail.clone(),
            },
        );
        self.checker.record(v);
    }

    /// Expensive whole-cluster checks (log matching, images = replay of the committed log).
    pub fn full_check(&mut self) -> usize {
        let found = self.checker.full_check(self.now, &self.nodes);
        let n = found.len();
        for v in found {
            self.trace.push(
                self.now,
                TraceKind::Violation {
                    invariant: v.invariant,
                    detail: v.detail,
                },
            );
        }
        n
    }

    /// Trace events since `seq` (for the UI's incremental event log).
    pub fn trace_since(&self, seq: u64) -> impl Iterator<Item = &TraceEvent> {
        self.trace.since(seq)
    }

    /// The partition's key and its leader broker, from the committed image.
    pub fn partition_leader(
        &self,
        topic: &str,
        partition: u32,
    ) -> Result<(crate::protocol::partition::PartitionKey, NodeId), ActionError> {
        let (topic_id, leader) = self.partition_of(topic, partition)?;
        let leader = leader.ok_or_else(|| ActionError::NoPartitionLeader {
            topic: topic.to_string(),
            partition,
        })?;
        Ok(((topic_id, partition), leader))
    }

    /// Peak log length over all nodes (for the memory benchmark).
    pub fn max_log_len(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| n.node.log().len())
            .max()
            .unwrap_or(0)
    }
}

fn initial_durable(init: &InitialState) -> Durable {
    let log = Log::from_epochs(&init.log);
    Durable {
        quorum: QuorumState {
            // A node is at least in the epoch of its last entry, whatever the document says.
            epoch: init.epoch.max(init.log.last().copied().unwrap_or(0)),
            voted_for: init.voted_for,
            leader: init.leader,
        },
        log,
        broker_epoch: None,
        clean_shutdown: None,
        partitions: Default::default(),
        ensemble: None,
        starts: 0,
        directory_id: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_reads_node_state_after_a_step_that_traced_nothing() {
        let mut sim = Simulation::new(ClusterSpec::new(1, 3, 0, Config::default())).unwrap();
        let committed = |s: &Simulation| {
            s.nodes
                .iter()
                .position(|n| n.node.high_watermark().is_some_and(|hw| hw > 1))
        };
        assert!(sim.run_until(10_000, |s| committed(s).is_some()));
        let i = committed(&sim).unwrap();
        // A test-only fault: the HW drops with no event to announce it.
        sim.nodes[i].node.hw = Some(0);
        sim.touched = Touched::Node(i);
        sim.flush_step();
        let broken = sim.violations();
        assert!(!broken.is_empty());
        assert!(broken
            .iter()
            .all(|v| v.invariant == "MonotonicHighWatermark"));
    }
}
