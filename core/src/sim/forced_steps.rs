//! The explorer's forced steps: deliver one message or fire one timer now, each node on a clock
//! of its own, and the list of steps that could come next.

use crate::protocol::node::{Input, Slot};
use crate::protocol::types::{NodeId, Time};
use crate::sim::action::*;
use crate::sim::error::ActionError;
use crate::sim::invariants::Touched;
use crate::sim::queue::EventKind;
use crate::sim::queue::{CONSUMER_SLOT, LOAD_SLOT};
use crate::sim::simulation::Simulation;
use std::cmp::Reverse;
use std::collections::BTreeSet;

impl Simulation {
    /// Forced steps start: every node (and the clients) gets its own clock, set to now.
    pub(super) fn enter_local_clocks(&mut self) {
        if self.local.is_empty() {
            let now = self.now;
            self.local.insert(self.client, now);
            for n in &self.nodes {
                self.local.insert(n.node.id, now);
            }
        }
    }

    /// Back to one clock: the latest of them.
    pub(super) fn leave_local_clocks(&mut self) {
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
    pub(super) fn on_local_clock<T>(
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
    pub(super) fn deliver_now(&mut self, id: u64) -> Result<(), ActionError> {
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
    pub(super) fn timer_set(&self, node: NodeId, slot: Slot) -> Option<(Time, Time)> {
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
    pub(super) fn fire_now(&mut self, node: NodeId, slot: Slot) -> Result<(), ActionError> {
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
}
