//! The producer client (Kafka's KafkaProducer and its Sender, simplified): a deterministic state
//! machine on the network like the nodes. A produce step hands it records and returns at once;
//! it sends them to the partition leader, waits as `acks` says, retries retriable errors after
//! `retry_backoff_ms` with fresh metadata, and gives up after `delivery_timeout_ms`. Every produce
//! keeps a visible status. Idempotence is on (the Kafka 3.0+ default): a retry of records the
//! leader already has is answered with their offset, not written twice.

use crate::protocol::config::Config;
use crate::protocol::message::{ErrorCode, Message, ProduceRequest, ProduceResponse};
use crate::protocol::types::Acks;
use crate::protocol::types::{NodeId, Offset, Time};
use serde::Serialize;
use std::rc::Rc;

/// The clients' address on the network in KRaft mode (no node uses id 0).
pub const PRODUCER: NodeId = 0;
/// In ZooKeeper mode node 0 is the ensemble (docs/contracts.md, ZooKeeper mode): the clients move out of its way, so
/// cutting a broker off from ZooKeeper leaves its clients connected.
pub const ZK_MODE_CLIENT: NodeId = NodeId::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProduceStatus {
    Pending,
    Acked,
    Failed,
}

/// One produce: its records, where it stands, and what the client is doing about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Produce {
    pub id: u64,
    pub topic: String,
    pub topic_id: u32,
    pub partition: u32,
    pub acks: Acks,
    pub values: Vec<Rc<str>>,
    pub status: ProduceStatus,
    /// The last error the leader answered (the final one once failed).
    pub error: Option<ErrorCode>,
    pub base_offset: Option<Offset>,
    started: Time,
    /// (broker, correlation, when the request times out) of the request in flight.
    inflight: Option<(NodeId, u64, Time)>,
    /// When to try again (no request in flight).
    retry_at: Option<Time>,
}

/// What the producer wants done: requests to send and when to wake it.
#[derive(Debug, Default)]
pub struct ProducerEffects {
    pub sends: Vec<(NodeId, Message)>,
    pub wake_at: Option<Time>,
}

/// How many finished produces the client keeps (the newest): a day-long run makes 86,400.
pub const RETAINED_PRODUCES: usize = 1000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Producer {
    pub produces: Vec<Produce>,
    /// Finished produces dropped from the front of `produces` (retention).
    pub dropped: usize,
    next_correlation: u64,
    /// Every produce before this one is finished: the work below starts here (a long run
    /// holds thousands of finished produces).
    first_open: usize,
}

impl Produce {
    /// An acknowledged produce as the client would hold it, for checker tests.
    #[cfg(test)]
    pub(crate) fn acked(
        id: u64,
        (topic, topic_id, partition): (&str, u32, u32),
        acks: Acks,
        values: &[&str],
        base_offset: Offset,
    ) -> Produce {
        Produce {
            id,
            topic: topic.into(),
            topic_id,
            partition,
            acks,
            values: values.iter().map(|v| Rc::from(*v)).collect(),
            status: ProduceStatus::Acked,
            error: None,
            base_offset: Some(base_offset),
            started: 0,
            inflight: None,
            retry_at: None,
        }
    }
}

impl Producer {
    /// Hands `records` to the client as produce `id`; it sends them now if it knows the leader.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &mut self,
        now: Time,
        id: u64,
        (topic, topic_id, partition): (&str, u32, u32),
        records: u32,
        acks: Acks,
        leader: Option<NodeId>,
        out: &mut ProducerEffects,
    ) {
        self.produces.push(Produce {
            id,
            topic: topic.to_string(),
            topic_id,
            partition,
            acks,
            values: values(id, records),
            status: ProduceStatus::Pending,
            error: None,
            base_offset: None,
            started: now,
            inflight: None,
            retry_at: Some(now),
        });
        let i = self.produces.len() - 1;
        if !self.waits_behind(i) {
            self.try_send(now, i, leader, out);
        }
        self.skip_finished();
    }

    /// The oldest unfinished produce of each (partition, acks) stream: the only one that may
    /// be sent (one pass, so a long queue costs linear time, not quadratic). In index order.
    fn stream_heads(&self) -> Vec<usize> {
        // Streams are few (partitions × acks settings in use): a list beats a tree here.
        let mut seen: Vec<(u32, u32, Acks)> = Vec::new();
        let mut heads = Vec::new();
        for (i, p) in self.produces.iter().enumerate().skip(self.first_open) {
            let stream = (p.topic_id, p.partition, p.acks);
            if p.status == ProduceStatus::Pending && !seen.contains(&stream) {
                seen.push(stream);
                heads.push(i);
            }
        }
        heads
    }

    /// Whether an earlier produce with the same acks to the same partition is still unfinished:
    /// records go one request at a time per partition, so they are written in the order they
    /// were produced (Kafka keeps that order with idempotent sequence numbers; one in flight is
    /// the simple way). Produces with different acks act as different producers (acks is a
    /// producer setting in Kafka): no order between them.
    fn waits_behind(&self, i: usize) -> bool {
        let p = &self.produces[i];
        self.produces[self.first_open.min(i)..i].iter().any(|q| {
            q.status == ProduceStatus::Pending
                && (q.topic_id, q.partition, q.acks) == (p.topic_id, p.partition, p.acks)
        })
    }

    fn try_send(&mut self, now: Time, i: usize, leader: Option<NodeId>, out: &mut ProducerEffects) {
        let Some(leader) = leader else {
            // No leader in the metadata: wait and look again.
            return;
        };
        self.next_correlation += 1;
        let correlation = self.next_correlation;
        let p = &mut self.produces[i];
        p.retry_at = None;
        out.sends.push((
            leader,
            Message::Produce(ProduceRequest {
                correlation,
                produce: p.id,
                topic_id: p.topic_id,
                partition: p.partition,
                acks: p.acks,
                values: p.values.clone(),
            }),
        ));
        if p.acks == Acks::None {
            // acks=0: sent is done; whatever happens to it, the client never hears.
            p.status = ProduceStatus::Acked;
            return;
        }
        p.inflight = Some((leader, correlation, now));
    }

    /// A leader's answer.
    pub fn on_response(&mut self, now: Time, cfg: &Config, resp: &ProduceResponse) {
        let open = self.first_open;
        let Some(p) = self.produces[open..].iter_mut().find(|p| {
            p.status == ProduceStatus::Pending
                && p.inflight.is_some_and(|(_, c, _)| c == resp.correlation)
        }) else {
            return;
        };
        p.inflight = None;
        match resp.error {
            None => {
                p.status = ProduceStatus::Acked;
                p.base_offset = resp.base_offset;
                p.error = None;
            }
            Some(e) => {
                p.error = Some(e);
                if retriable(e) {
                    p.retry_at = Some(now + cfg.producer_retry_backoff_ms);
                } else {
                    p.status = ProduceStatus::Failed;
                }
            }
        }
        self.skip_finished();
    }

    /// Timeouts, retries and the delivery deadline. `leader_of` is the client's metadata: who
    /// leads a partition now.
    pub fn on_timer(
        &mut self,
        now: Time,
        cfg: &Config,
        leader_of: &dyn Fn(u32, u32) -> Option<NodeId>,
        out: &mut ProducerEffects,
    ) {
        let heads = self.stream_heads();
        for i in self.first_open..self.produces.len() {
            let p = &mut self.produces[i];
            if p.status != ProduceStatus::Pending {
                continue;
            }
            if now >= p.started + cfg.delivery_timeout_ms {
                p.status = ProduceStatus::Failed;
                p.inflight = None;
                p.error = Some(p.error.unwrap_or(ErrorCode::RequestTimedOut));
                continue;
            }
            if let Some((_, _, sent)) = p.inflight {
                if now >= sent + cfg.producer_request_timeout_ms {
                    // No answer (a dead leader, a cut link): give up on it and try again.
                    p.inflight = None;
                    p.error = Some(ErrorCode::RequestTimedOut);
                    p.retry_at = Some(now + cfg.producer_retry_backoff_ms);
                }
            }
            let due = p.inflight.is_none() && p.retry_at.is_none_or(|t| now >= t);
            if due && heads.binary_search(&i).is_ok() {
                let p = &mut self.produces[i];
                let leader = leader_of(p.topic_id, p.partition);
                p.retry_at = Some(now + cfg.producer_retry_backoff_ms);
                self.try_send(now, i, leader, out);
            }
        }
        self.skip_finished();
        out.wake_at = self.next_wake(cfg);
    }

    /// The connection to `broker` closed (it crashed): its requests in flight fail with
    /// NETWORK_EXCEPTION and are retried after the back-off, with fresh metadata.
    pub fn on_disconnect(&mut self, now: Time, cfg: &Config, broker: NodeId) {
        for p in &mut self.produces[self.first_open..] {
            if p.status == ProduceStatus::Pending && p.inflight.is_some_and(|(b, _, _)| b == broker)
            {
                p.inflight = None;
                p.error = Some(ErrorCode::NetworkException);
                p.retry_at = Some(now + cfg.producer_retry_backoff_ms);
            }
        }
    }

    fn skip_finished(&mut self) {
        while self
            .produces
            .get(self.first_open)
            .is_some_and(|p| p.status != ProduceStatus::Pending)
        {
            self.first_open += 1;
        }
        // Retention: the oldest finished produces go, in batches (not one shift per produce).
        if self.first_open >= 2 * RETAINED_PRODUCES {
            let drop = self.first_open - RETAINED_PRODUCES;
            self.produces.drain(..drop);
            self.first_open -= drop;
            self.dropped += drop;
        }
    }

    /// When the client must look at its produces again.
    pub fn next_wake(&self, cfg: &Config) -> Option<Time> {
        // Worked out only if a produce waits to be retried: the client asks after every event
        // it sees, and most of the time every open produce is in flight.
        let heads = std::cell::OnceCell::new();
        self.produces
            .iter()
            .enumerate()
            .skip(self.first_open)
            .filter(|(_, p)| p.status == ProduceStatus::Pending)
            .flat_map(|(i, p)| {
                // One waiting behind an earlier produce is woken when that one finishes.
                let retry = p.retry_at.filter(|_| {
                    p.inflight.is_none()
                        && heads
                            .get_or_init(|| self.stream_heads())
                            .binary_search(&i)
                            .is_ok()
                });
                [
                    Some(p.started + cfg.delivery_timeout_ms),
                    p.inflight
                        .map(|(_, _, sent)| sent + cfg.producer_request_timeout_ms),
                    retry,
                ]
            })
            .flatten()
            .min()
    }
}

/// The values of produce `id`'s records: "id.0", "id.1", ... (one allocation a value: the
/// client starts a produce every few milliseconds in the benches).
fn values(id: u64, records: u32) -> Vec<Rc<str>> {
    let mut digits = itoa::Buffer::new();
    let mut buf = String::with_capacity(24);
    buf.push_str(digits.format(id));
    buf.push('.');
    let prefix = buf.len();
    (0..records)
        .map(|i| {
            buf.truncate(prefix);
            buf.push_str(digits.format(i));
            Rc::from(buf.as_str())
        })
        .collect()
}

/// Errors the producer retries (Kafka's RetriableException subclasses among ours).
fn retriable(e: ErrorCode) -> bool {
    matches!(
        e,
        ErrorCode::NotLeaderOrFollower
            | ErrorCode::NotEnoughReplicas
            | ErrorCode::NotEnoughReplicasAfterAppend
            | ErrorCode::RequestTimedOut
            | ErrorCode::NetworkException
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::FencedLeaderEpoch
            | ErrorCode::UnknownLeaderEpoch
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::default()
    }

    fn sent(out: &ProducerEffects) -> Vec<(NodeId, u64)> {
        out.sends
            .iter()
            .filter_map(|(to, m)| match m {
                Message::Produce(r) => Some((*to, r.correlation)),
                _ => None,
            })
            .collect()
    }

    fn answer(correlation: u64, error: Option<ErrorCode>) -> ProduceResponse {
        ProduceResponse {
            correlation,
            produce: 1,
            topic_id: 1,
            partition: 0,
            base_offset: error.is_none().then_some(7),
            error,
        }
    }

    #[test]
    fn acks_one_waits_for_the_leader_and_acks_zero_does_not_wait() {
        let mut p = Producer::default();
        let mut out = ProducerEffects::default();
        p.start(0, 1, ("t", 1, 0), 2, Acks::Leader, Some(101), &mut out);
        assert_eq!(sent(&out), vec![(101, 1)]);
        assert_eq!(p.produces[0].status, ProduceStatus::Pending);
        let values: Vec<&str> = p.produces[0].values.iter().map(|v| &**v).collect();
        assert_eq!(values, ["1.0", "1.1"]);
        p.on_response(5, &cfg(), &answer(1, None));
        assert_eq!(p.produces[0].status, ProduceStatus::Acked);
        assert_eq!(p.produces[0].base_offset, Some(7));
        p.start(6, 2, ("t", 1, 0), 1, Acks::None, Some(101), &mut out);
        assert_eq!(
            p.produces[1].status,
            ProduceStatus::Acked,
            "acks=0: done when sent"
        );
    }

    #[test]
    fn retriable_errors_are_retried_with_fresh_metadata_until_the_delivery_timeout() {
        let c = cfg();
        let mut p = Producer::default();
        let mut out = ProducerEffects::default();
        p.start(0, 1, ("t", 1, 0), 1, Acks::All, Some(101), &mut out);
        p.on_response(10, &c, &answer(1, Some(ErrorCode::NotLeaderOrFollower)));
        assert_eq!(p.produces[0].status, ProduceStatus::Pending);
        let mut out = ProducerEffects::default();
        // Before the back-off: nothing; after it, to the leader the metadata names now.
        p.on_timer(
            10 + c.producer_retry_backoff_ms - 1,
            &c,
            &|_, _| Some(102),
            &mut out,
        );
        assert!(sent(&out).is_empty());
        p.on_timer(
            10 + c.producer_retry_backoff_ms,
            &c,
            &|_, _| Some(102),
            &mut out,
        );
        assert_eq!(sent(&out), vec![(102, 2)]);
        // No answer at all: the request times out and goes again; at the delivery timeout, failed.
        let mut out = ProducerEffects::default();
        let at = 10 + c.producer_retry_backoff_ms + c.producer_request_timeout_ms;
        p.on_timer(at, &c, &|_, _| Some(102), &mut out);
        assert_eq!(p.produces[0].error, Some(ErrorCode::RequestTimedOut));
        p.on_timer(c.delivery_timeout_ms, &c, &|_, _| Some(102), &mut out);
        assert_eq!(p.produces[0].status, ProduceStatus::Failed);
        assert_eq!(p.next_wake(&c), None);
    }

    #[test]
    fn a_non_retriable_error_fails_at_once() {
        let mut p = Producer::default();
        let mut out = ProducerEffects::default();
        p.start(0, 1, ("t", 1, 0), 1, Acks::All, Some(101), &mut out);
        p.on_response(3, &cfg(), &answer(1, Some(ErrorCode::InvalidRequest)));
        assert_eq!(
            (p.produces[0].status, p.produces[0].error),
            (ProduceStatus::Failed, Some(ErrorCode::InvalidRequest))
        );
    }
}
