//! The simulation owns everything outside the nodes: the virtual clock, the event queue ordered by
//! (time, sequence), the seeded network, faults, the trace and the invariant checker.
//! Its whole history is (spec, timed actions): replaying them gives the same run, event for event.

use crate::protocol::config::Config;
use crate::protocol::consumer::Consumers;
use crate::protocol::event::{DropReason, TraceKind};
use crate::protocol::node::{
    ClusterMode, Effects, Identity, Input, Node, NodeKind, SPARE_CAPACITY,
};
use crate::protocol::producer::{Producer, PRODUCER, ZK_MODE_CLIENT};
use crate::protocol::zk_ensemble::ENSEMBLE;

use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::sim::action::*;
use crate::sim::error::{ActionError, SpecError};
use crate::sim::invariants::{Checker, Touched};
use crate::sim::queue::{Envelope, Event, EventKind};
use crate::sim::queue::{CONSUMER_SLOT, LOAD_SLOT};
use crate::sim::shared::SharedVec;
use crate::sim::sim_node::SimNode;
use crate::sim::spec::*;
use crate::sim::trace::{Trace, TraceEvent};
use crate::sim::violation::Violation;
use rand::rngs::Xoshiro256PlusPlus as StdRng;
use rand::SeedableRng;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::rc::Rc;

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
    pub(super) spec: Rc<ClusterSpec>,
    pub(super) cfg: Rc<Config>,
    pub(super) now: Time,
    pub(super) next_seq: u64,
    pub(super) queue: BinaryHeap<Reverse<Event>>,
    pub(super) nodes: Vec<SimNode>,
    pub(super) cut: BTreeSet<(NodeId, NodeId)>,
    pub(super) net_rng: StdRng,
    pub(super) next_msg_id: u64,
    pub(super) trace: Trace,
    pub(super) checker: Checker,
    /// Actions applied so far; shared with checkpoints.
    pub(super) history: SharedVec<TimedAction>,
    pub(super) stats: Stats,
    pub(super) spare: Effects,
    pub(super) step_events: Vec<TraceKind>,
    /// Which nodes the current step may have changed (what the checker reads after it).
    pub(super) touched: Touched,
    /// Highest record offset narrated so far.
    pub(super) narrated: Option<Offset>,
    /// Produce actions run so far: produce k writes the values "k.0", "k.1", ...
    pub(super) produces: u64,
    /// The producer client on the network, and when its timer is set for.
    pub(super) producer: Producer,
    pub(super) producer_wake: Option<Time>,
    /// The client's connection to each broker delivers in order (TCP): the last arrival time.
    pub(super) producer_link: BTreeMap<NodeId, Time>,
    /// The clients' address: `PRODUCER` (0), or out of the ensemble's way in ZooKeeper mode.
    pub(crate) client: NodeId,
    /// The same for each link to and from the ZooKeeper ensemble (a session is one TCP stream).
    pub(super) zk_link: BTreeMap<(NodeId, NodeId), Time>,
    /// Single-message faults waiting for their message, in the order they were armed.
    pub(super) armed: Vec<MessageFault>,
    /// The consumers (on the same client network end as the producer) and their timer.
    pub(super) consumers: Consumers,
    pub(super) consumer_wake: Option<Time>,
    /// Slow nodes and how much later each message to them arrives.
    pub(super) slow: BTreeMap<NodeId, u64>,
    /// The steady load, if one runs, and when its next produce is due.
    pub(super) load: Option<SteadyLoad>,
    pub(super) load_wake: Option<Time>,
    /// Forced steps (the explorer's `deliver` and `fire`) run each node on a clock of its own:
    /// time is abstracted, so one node's timer going off does not make another's overdue. Empty
    /// while the cluster runs on the one global clock; a natural event empties it again.
    pub(super) local: BTreeMap<NodeId, Time>,
    /// What the data-plane checks remember.
    pub(crate) data_seen: crate::sim::data_seen::DataSeen,
    /// The records power losses took, and from whom.
    pub(crate) power_losses: crate::sim::data_seen::PowerLosses,
}

impl Simulation {
    pub fn new(spec: ClusterSpec) -> Result<Simulation, SpecError> {
        spec.validate()?;
        let zookeeper = spec.mode == ClusterMode::Zookeeper;
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
            sim.nodes.push(SimNode::running(node));
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

    /// The explorer's copies keep no trace (nothing reads it; cloning it cost).
    pub(crate) fn forget_trace(&mut self) {
        self.trace.forget();
    }

    /// The checker's memory, for the explorer's state hash.
    pub(crate) fn checker_fingerprint(&self, h: &mut impl std::hash::Hasher) {
        self.checker.fingerprint(h);
        self.data_seen.fingerprint(h);
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

    pub(super) fn push(&mut self, time: Time, kind: EventKind) {
        self.next_seq += 1;
        self.queue.push(Reverse(Event {
            time,
            seq: self.next_seq,
            kind,
        }));
    }

    pub(super) fn index(&self, id: NodeId) -> Option<usize> {
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
    pub(super) fn run_event(&mut self, ev: Event) -> bool {
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

    pub(super) fn deliver(&mut self, env: Envelope, time: Time, seq: u64) -> bool {
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

    pub(super) fn take_effects(&mut self) -> Effects {
        let mut e = std::mem::take(&mut self.spare);
        e.clear();
        e
    }

    /// The process is gone (crashed, or exited after a controlled shutdown): its timers and
    /// held messages die with this incarnation, and its clients' connections close.
    pub(super) fn take_down(&mut self, idx: usize) {
        let n = &mut self.nodes[idx];
        n.alive = false;
        n.incarnation += 1;
        n.paused_until = None;
        n.held.clear();
        n.node.drop_caches();
        let id = n.node.id;
        self.clients_disconnected(id);
    }

    pub(super) fn apply_effects(&mut self, idx: usize, mut out: Effects) {
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

    /// Runs the invariant checker over what this step did, then files it into the trace.
    /// The checker reads every node's state after every event, even one that traced nothing: a
    /// change nobody announced is still checked.
    pub(super) fn flush_step(&mut self) {
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
    ) -> Result<(crate::protocol::types::PartitionKey, NodeId), ActionError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn the_checker_reads_node_state_after_a_step_that_traced_nothing() {
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
