//! The network between the nodes and the clients: links cut and healed, loss, latency,
//! duplication, slow nodes, in-order delivery per TCP connection, and faults aimed at one message.

use crate::protocol::event::{DropReason, TraceKind};
use crate::protocol::message::Message;
use crate::protocol::node::ClusterMode;
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zk_ensemble::ENSEMBLE;
use crate::sim::action::*;
use crate::sim::error::ActionError;
use crate::sim::queue::{Envelope, Event, EventKind};
use crate::sim::simulation::Simulation;
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::rc::Rc;

impl Simulation {
    pub fn is_link_up(&self, from: NodeId, to: NodeId) -> bool {
        !self.cut.contains(&(from, to))
    }

    pub fn cut_links(&self) -> impl Iterator<Item = &(NodeId, NodeId)> {
        self.cut.iter()
    }

    /// Drops, duplicates or delays a message on the wire (every copy of it, for a drop or a
    /// delay). The queue is rebuilt: a user's click, not a hot path.
    pub(super) fn fault_in_flight(&mut self, id: u64, fault: Fault) -> Result<(), ActionError> {
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

    /// Messages on the wire, with when they will arrive.
    pub fn in_flight(&self) -> impl Iterator<Item = (&Envelope, Time)> {
        self.queue.iter().filter_map(|Reverse(e)| match &e.kind {
            EventKind::Deliver(env) => Some((env, e.time)),
            _ => None,
        })
    }

    /// The slow nodes: how much later every message to each arrives.
    pub fn slow_nodes(&self) -> &BTreeMap<NodeId, u64> {
        &self.slow
    }

    pub(super) fn drop_msg(&mut self, env: &Envelope, reason: DropReason) {
        self.stats.messages_dropped += 1;
        self.step_events.push(TraceKind::Drop {
            id: env.id,
            from: env.from,
            to: env.to,
            reason,
            msg: env.msg.clone(),
        });
    }

    pub(super) fn send(&mut self, from: NodeId, to: NodeId, msg: Message) {
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
    pub(super) fn put_on_wire(&mut self, env: &Envelope, at: Time) {
        self.step_events.push(TraceKind::Send {
            id: env.id,
            from: env.from,
            to: env.to,
            deliver_at: at,
            msg: env.msg.clone(),
        });
        self.push(at, EventKind::Deliver(env.clone()));
    }

    pub(super) fn set_link(&mut self, from: NodeId, to: NodeId, up: bool) {
        let changed = if up {
            self.cut.remove(&(from, to))
        } else {
            self.cut.insert((from, to))
        };
        if changed {
            self.step_events.push(TraceKind::Link { from, to, up });
        }
    }
}
