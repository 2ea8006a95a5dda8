//! The action interpreter: what each action does to the cluster, the network and the clients,
//! and the replay of a recording.

use crate::protocol::consumer::StartAt;
use crate::protocol::error::CommandError;
use crate::protocol::event::RoleReason;
use crate::protocol::event::TraceKind;
use crate::protocol::message::OffsetReset;
use crate::protocol::message::RPC_NAMES;
use crate::protocol::node::{ClusterMode, Durable, Effects, Node};
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Time};
use crate::sim::action::*;
use crate::sim::error::{ActionError, ReplayError};
use crate::sim::invariants::Touched;
use crate::sim::queue::EventKind;
use crate::sim::simulation::Simulation;
use crate::sim::spec::*;
use std::collections::BTreeSet;
use std::rc::Rc;

impl Simulation {
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

    pub(super) fn need(&self, id: NodeId) -> Result<usize, ActionError> {
        self.index(id).ok_or(ActionError::NoSuchNode(id))
    }

    pub(super) fn with_node<T>(
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

    pub(super) fn apply_inner(&mut self, action: Action) -> Result<(), ActionError> {
        match action {
            Action::Deliver(id) => self.deliver_now(id),
            Action::Fire { node, timer } => self.fire_now(node, timer),
            a @ (Action::Crash(..)
            | Action::PowerLoss(..)
            | Action::ControlledShutdown(..)
            | Action::Restart(..)
            | Action::Pause { .. }
            | Action::Elect(..)
            | Action::Resign(..)
            | Action::AddVoter(_)
            | Action::RemoveVoter(_)
            | Action::Wipe(..)) => self.apply_to_node(a),
            a @ (Action::CutOneWay { .. }
            | Action::HealOneWay { .. }
            | Action::Partition(..)
            | Action::Isolate(..)
            | Action::HealAll
            | Action::NextMessage(..)
            | Action::InFlight { .. }
            | Action::SetLoss(..)
            | Action::Slow { .. }) => self.apply_to_network(a),
            a => self.apply_client_or_admin(a),
        }
    }

    /// Faults and commands aimed at one node: crash, power loss, restart, pause, elections, membership.
    fn apply_to_node(&mut self, action: Action) -> Result<(), ActionError> {
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
            // The other actions are not this group's: `apply_inner` sends each to its own.
            _ => {}
        }
        Ok(())
    }

    /// Faults of the network: cut links, partitions, loss, slow nodes, faults aimed at one message.
    fn apply_to_network(&mut self, action: Action) -> Result<(), ActionError> {
        match action {
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
            Action::SetLoss(loss) => {
                if !(0.0..=1.0).contains(&loss) {
                    return Err(ActionError::BadLoss);
                }
                Rc::make_mut(&mut self.cfg).loss = loss;
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
            // The other actions are not this group's: `apply_inner` sends each to its own.
            _ => {}
        }
        Ok(())
    }

    /// What clients and admins do: appends, produces, loads, consumers, topics, preferred elections.
    fn apply_client_or_admin(&mut self, action: Action) -> Result<(), ActionError> {
        match action {
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
            // The other actions are not this group's: `apply_inner` sends each to its own.
            _ => {}
        }
        Ok(())
    }

    /// Crashes the node (if running) and gives it a freshly formatted disk: no log, no quorum
    /// state, no replicas, a new directory id (unless the unsafe switch keeps the old one).
    /// It comes back on `restart`.
    pub(super) fn wipe(&mut self, id: NodeId) -> Result<(), ActionError> {
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

    pub(super) fn check_running(&self, i: usize) -> Result<(), ActionError> {
        let n = &self.nodes[i];
        if !n.alive {
            return Err(ActionError::Down(n.node.id));
        }
        if n.paused_until.is_some() {
            return Err(ActionError::Paused(n.node.id));
        }
        Ok(())
    }

    pub(super) fn resume(&mut self, id: NodeId, incarnation: u32) -> bool {
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
}
