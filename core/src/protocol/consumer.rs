//! Consumers (Kafka's KafkaConsumer on one partition, read_uncommitted, no group): each polls
//! the partition leader continuously from its position, keeps the values it read, validates its
//! position after a leader change (KIP-320: a truncated log moves it back to the divergence
//! point) and resets (`from` is also its `auto.offset.reset`) on OFFSET_OUT_OF_RANGE.

use crate::protocol::config::Config;
use crate::protocol::message::{
    ConsumerFetchRequest, ConsumerFetchResponse, ErrorCode, Message, OffsetReset,
    PartitionFetchBody,
};
use crate::protocol::types::{NodeId, Offset, Time};
use std::collections::VecDeque;
use std::rc::Rc;

/// How many values a consumer remembers (the newest): a day-long run reads millions.
pub const READ_KEPT: usize = 1000;

/// Where a consumer starts: `from` in the scenario step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    Reset(OffsetReset),
    Offset(Offset),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Consumer {
    pub id: u64,
    pub topic: String,
    pub topic_id: u32,
    pub partition: u32,
    /// The next offset it reads; None until the leader says where `from` is.
    pub position: Option<Offset>,
    /// The values it read, oldest first (the newest READ_KEPT of them).
    pub read: VecDeque<Rc<str>>,
    /// Values read in all, including those no longer kept.
    pub read_total: u64,
    /// OFFSET_OUT_OF_RANGE resets and truncations it detected.
    pub resets: u32,
    pub last_error: Option<ErrorCode>,
    reset: OffsetReset,
    /// The epoch of the last record read (KIP-320's validation).
    last_epoch: Option<u32>,
    /// (broker, correlation, sent at) of the poll in flight.
    inflight: Option<(NodeId, u64, Time)>,
    next_poll: Time,
}

/// The consumers and what the client network end needs from them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Consumers {
    pub all: Vec<Consumer>,
    next_correlation: u64,
}

impl Consumers {
    /// Starts consumer `all.len() + 1`; it polls on the next timer.
    pub fn start(
        &mut self,
        now: Time,
        (topic, topic_id, partition): (&str, u32, u32),
        from: StartAt,
    ) {
        let (position, reset) = match from {
            StartAt::Reset(r) => (None, r),
            StartAt::Offset(o) => (Some(o), OffsetReset::Latest),
        };
        self.all.push(Consumer {
            id: self.all.len() as u64 + 1,
            topic: topic.to_string(),
            topic_id,
            partition,
            position,
            read: VecDeque::new(),
            read_total: 0,
            resets: 0,
            last_error: None,
            reset,
            last_epoch: None,
            inflight: None,
            next_poll: now,
        });
    }

    /// Polls that are due go to the leader the metadata names: `leader_of` gives (leader,
    /// leader epoch) of a partition.
    pub fn on_timer(
        &mut self,
        now: Time,
        cfg: &Config,
        leader_of: &dyn Fn(u32, u32) -> Option<(NodeId, u32)>,
        sends: &mut Vec<(NodeId, Message)>,
    ) {
        for c in &mut self.all {
            if let Some((_, _, sent)) = c.inflight {
                if now < sent + cfg.producer_request_timeout_ms {
                    continue;
                }
                // Unanswered (a dead leader, a cut link): ask again.
                c.inflight = None;
                c.last_error = Some(ErrorCode::RequestTimedOut);
            }
            if now < c.next_poll {
                continue;
            }
            let Some((leader, leader_epoch)) = leader_of(c.topic_id, c.partition) else {
                c.next_poll = now + cfg.producer_retry_backoff_ms;
                continue;
            };
            self.next_correlation += 1;
            c.inflight = Some((leader, self.next_correlation, now));
            sends.push((
                leader,
                Message::ConsumerFetch(ConsumerFetchRequest {
                    correlation: self.next_correlation,
                    consumer: c.id,
                    topic_id: c.topic_id,
                    partition: c.partition,
                    leader_epoch,
                    reset: c.position.is_none().then_some(c.reset),
                    fetch_offset: c.position.unwrap_or(0),
                    last_fetched_epoch: c.last_epoch,
                }),
            ));
        }
    }

    /// A leader's answer. Returns the (offset, value) pairs read, for the checker.
    pub fn on_response(
        &mut self,
        now: Time,
        cfg: &Config,
        resp: &ConsumerFetchResponse,
    ) -> Vec<(Offset, Rc<str>)> {
        let Some(c) = self.all.iter_mut().find(|c| {
            c.id == resp.consumer && c.inflight.is_some_and(|(_, k, _)| k == resp.correlation)
        }) else {
            return Vec::new();
        };
        c.inflight = None;
        c.last_error = resp.error;
        let mut got = Vec::new();
        match (&resp.error, &resp.body) {
            (Some(ErrorCode::OffsetOutOfRange), _) => {
                c.position = None;
                c.last_epoch = None;
                c.resets += 1;
                c.next_poll = now;
            }
            (Some(_), _) => c.next_poll = now + cfg.producer_retry_backoff_ms,
            (None, _) if resp.reset_to.is_some() => {
                c.position = resp.reset_to;
                c.next_poll = now;
            }
            (None, PartitionFetchBody::DivergingEpoch { epoch, end_offset }) => {
                // Its log was truncated below where it read: back to where the logs agree.
                c.position = Some(c.position.unwrap_or(0).min(*end_offset));
                c.last_epoch = Some(*epoch);
                c.resets += 1;
                c.next_poll = now;
            }
            (None, PartitionFetchBody::Records(records)) => {
                for r in records {
                    got.push((r.offset, r.value.clone()));
                    c.read.push_back(r.value.clone());
                    if c.read.len() > READ_KEPT {
                        c.read.pop_front();
                    }
                    c.read_total += 1;
                    c.position = Some(r.offset + 1);
                    c.last_epoch = Some(r.epoch);
                }
                // Nothing new: the broker would hold the poll up to fetch.max.wait.ms.
                c.next_poll = if records.is_empty() {
                    now + cfg.fetch_max_wait_ms
                } else {
                    now
                };
            }
        }
        got
    }

    /// The connection to `broker` closed (it crashed): polls in flight to it fail and are
    /// retried after the back-off, with fresh metadata.
    pub fn on_disconnect(&mut self, now: Time, cfg: &Config, broker: NodeId) {
        for c in &mut self.all {
            if c.inflight.is_some_and(|(b, _, _)| b == broker) {
                c.inflight = None;
                c.last_error = Some(ErrorCode::NetworkException);
                c.next_poll = now + cfg.producer_retry_backoff_ms;
            }
        }
    }

    /// When the next poll or request timeout is due.
    pub fn next_wake(&self, cfg: &Config) -> Option<Time> {
        self.all
            .iter()
            .map(|c| match c.inflight {
                Some((_, _, sent)) => sent + cfg.producer_request_timeout_ms,
                None => c.next_poll,
            })
            .min()
    }
}
