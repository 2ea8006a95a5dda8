//! The clients on the network's client end: the producer (one request per partition and acks,
//! retried), the consumers and the steady load, and their timers.

use crate::protocol::consumer::Consumer;
use crate::protocol::event::{DropReason, TraceKind};
use crate::protocol::message::Message;
use crate::protocol::node::Slot;
use crate::protocol::producer::ProducerEffects;
use crate::protocol::types::{NodeId, Time};
use crate::sim::action::*;
use crate::sim::error::ActionError;
use crate::sim::queue::{Envelope, EventKind};
use crate::sim::queue::{CONSUMER_SLOT, LOAD_SLOT};
use crate::sim::simulation::Simulation;

impl Simulation {
    pub(super) fn deliver_to_producer(&mut self, env: Envelope) -> bool {
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
    pub(super) fn clients_disconnected(&mut self, broker: NodeId) {
        let cfg = self.cfg.clone();
        self.producer.on_disconnect(self.now, &cfg, broker);
        self.consumers.on_disconnect(self.now, &cfg, broker);
        self.apply_producer_effects(ProducerEffects::default());
        self.schedule_consumers(Vec::new());
    }

    /// The consumers' timer: polls that are due, requests that timed out.
    pub(super) fn consumer_timer(&mut self, at: Time) -> bool {
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

    pub(super) fn schedule_consumers(&mut self, sends: Vec<(NodeId, Message)>) {
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
    pub(super) fn producer_timer(&mut self, at: Time) -> bool {
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
    pub(super) fn load_timer(&mut self, at: Time) -> bool {
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

    pub(super) fn schedule_load(&mut self, t: Time) {
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
    pub(super) fn start_produce(
        &mut self,
        topic: &str,
        partition: u32,
        records: u32,
        acks: crate::protocol::types::Acks,
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

    pub(super) fn apply_producer_effects(&mut self, out: ProducerEffects) {
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
    pub(crate) fn producer_mut(&mut self) -> &mut crate::protocol::producer::Producer {
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
}
