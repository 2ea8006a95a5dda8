//! Data-plane replication of ordinary topic partitions (Kafka's ReplicaManager and Partition, simplified), on brokers. Followers pull
//! from the partition leader; the leader's HW is the smallest LEO across the ISR; a follower that
//! stays behind for `replica_lag_time_max_ms` leaves the ISR and rejoins when it catches up, both
//! through AlterPartition to the active controller, which writes the PartitionChange record.
//! Replicas hold records with their leader epoch (`partition_log`); a follower fetches with its
//! fetch offset and last fetched epoch, and truncates only where the leader's log diverges
//! (DivergingEpoch, KIP-101 / KIP-320).

use crate::protocol::event::TraceKind;
use crate::protocol::isr::{effective_min_isr, followers_for_new_epoch};
use crate::protocol::message::{
    ConsumerFetchRequest, ConsumerFetchResponse, ErrorCode, Message, OffsetReset,
    PartitionFetchBody, ProduceRequest, ProduceResponse,
};
use crate::protocol::metadata::{PartitionState, TopicState};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::partition_log::PartitionRecord;
use crate::protocol::types::{NodeId, Offset, Time};
// The produce's acks and the partition key are plain types (types.rs); their old paths still
// name them.
pub use crate::protocol::types::{Acks, PartitionKey};
use std::collections::BTreeSet;

// A replica and what it holds are plain types of their own file; their old paths still name
// them.
use crate::protocol::replica::produce_answer;
pub use crate::protocol::replica::{Parked, Replica, Replicas};

/// How far back a leader looks for records a retried produce already wrote.
const DEDUP_WINDOW: usize = 512;
/// How often followers fetch and leaders check their ISR.
pub(crate) const TICK_MS: u64 = 250;
/// Records a replica keeps at most beyond what retention may delete (the HW bounds deletion):
/// memory stays bounded on long runs.
const RETAINED_RECORDS: u64 = 2000;

impl Replica {
    /// LEO: the offset the next record takes.
    pub fn leo(&self) -> Offset {
        self.log.end_offset()
    }

    /// Retention: drop the oldest committed records beyond the cap.
    pub(crate) fn retain(&mut self) {
        let leo = self.leo();
        if leo - self.log.start_offset() > 2 * RETAINED_RECORDS {
            self.log
                .delete_below(leo.saturating_sub(RETAINED_RECORDS).min(self.hw));
        }
    }
}

impl Node {
    pub fn partition_replicas(&self) -> &Replicas {
        &self.durable.partitions
    }

    /// After the committed image changed: take up the replicas this broker holds, as leader or follower.
    pub(crate) fn sync_partitions(&mut self, now: Time, out: &mut Effects) {
        self.sync_partitions_of(now, None, out);
    }

    /// The same for the partitions in `only` (those the records just applied changed), or for
    /// every partition: a pass over 100,000 partitions after each small batch of records made
    /// creating a large topic quadratic.
    pub(crate) fn sync_partitions_of(
        &mut self,
        now: Time,
        only: Option<&BTreeSet<PartitionKey>>,
        out: &mut Effects,
    ) {
        if !self.kind.runs_broker() {
            return;
        }
        // Kafka's initial catch-up: a (re)started broker acts on partition metadata only once it
        // has applied its own registration record. Before that its image is an old one, where it
        // may still lead with an old ISR and move a HW no current ISR stands behind.
        if self
            .broker
            .registered
            .is_none_or(|epoch| self.image.applied_offset <= epoch)
        {
            return;
        }
        let mut any = false;
        let mut led = Vec::new();
        let mut lead_changed = Vec::new();
        let states: Vec<(&TopicState, &PartitionState)> = match only {
            None => self
                .image
                .topics
                .values()
                .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
                .collect(),
            Some(keys) => keys
                .iter()
                .filter_map(|(topic, partition)| {
                    let t = self.image.topics.get(topic)?;
                    Some((t, t.partition(*partition)?))
                })
                .collect(),
        };
        {
            for (t, p) in states {
                if !p.replicas.contains(&self.id) {
                    continue;
                }
                if p.leader == Some(self.id) {
                    led.push((t.topic_id, p.partition));
                }
                any = true;
                let r = self
                    .durable
                    .partitions
                    .entry((t.topic_id, p.partition))
                    .or_default();
                if r.leader_epoch != p.leader_epoch
                    || r.leader != p.leader
                    || (r.leader.is_none() && p.leader.is_none())
                {
                    let was_leader = r.leader == Some(self.id);
                    r.leader_epoch = p.leader_epoch;
                    r.leader = p.leader;
                    r.fetch_delayed_until = None;
                    if was_leader {
                        // Its held fetches may wait no longer on a partition it stopped leading.
                        lead_changed.push((t.topic_id, p.partition));
                    }
                    // Produces held under the old leadership: the client must look again.
                    for parked in r.purgatory.drain(..) {
                        out.sends.push(produce_answer(
                            &parked,
                            (t.topic_id, p.partition),
                            None,
                            Some(ErrorCode::NotLeaderOrFollower),
                        ));
                    }
                    if p.leader == Some(self.id) {
                        // Kafka: a new leader starts its epoch at its own LEO.
                        r.log.assign_epoch(p.leader_epoch);
                    } else if self.cfg.unsafe_truncate_to_hw {
                        // Before leader epochs: a follower of a new leader cut its log to its HW.
                        let before = r.leo();
                        let removed = r.log.truncate_to(r.hw);
                        if removed > 0 {
                            out.trace.push(TraceKind::PartitionTruncated {
                                node: self.id,
                                topic_id: t.topic_id,
                                partition: p.partition,
                                to: before - removed,
                                removed,
                            });
                        }
                    }
                    let known = std::mem::take(&mut r.followers);
                    if p.leader == Some(self.id) {
                        let previous = was_leader.then_some(known);
                        r.followers = followers_for_new_epoch(
                            previous,
                            &p.replicas,
                            &p.isr,
                            self.id,
                            now,
                            r.log.end_offset(),
                        );
                    }
                    r.isr = p.isr.clone();
                    r.partition_epoch = p.partition_epoch;
                    r.pending_isr = None;
                } else if p.leader == Some(self.id) && p.partition_epoch > r.partition_epoch {
                    // A newer partition state (Kafka's makeLeader at a newer partition epoch):
                    // it settles whatever change was in flight.
                    r.isr = p.isr.clone();
                    r.partition_epoch = p.partition_epoch;
                    r.pending_isr = None;
                    for b in &p.replicas {
                        if *b != self.id {
                            r.followers.entry(*b).or_default();
                        }
                    }
                }
            }
        }
        for key in lead_changed {
            self.complete_parked_fetches(now, key, out);
        }
        // A new ISR may let the HW move (a laggard gone) or hold it (below min ISR).
        for key in led {
            self.advance_partition_hw(now, key, out);
        }
        if any && self.timer_deadline(Slot::Partitions).is_none() {
            self.set_timer(Slot::Partitions, now + TICK_MS, out);
        }
    }

    /// A produce request from the client, at this broker as the partition's leader. acks=0 and
    /// acks=1 are answered (or not) at once; acks=all waits in purgatory for the HW.
    pub(crate) fn on_produce(
        &mut self,
        now: Time,
        from: NodeId,
        req: &ProduceRequest,
        out: &mut Effects,
    ) {
        let key = (req.topic_id, req.partition);
        let min_isr = effective_min_isr(&self.image, self.cfg.min_insync_replicas, key);
        let timeout = self.cfg.producer_request_timeout_ms;
        let id = self.id;
        let answer = |base: Option<Offset>, error: Option<ErrorCode>, out: &mut Effects| {
            if req.acks != Acks::None {
                out.sends.push((
                    from,
                    Message::ProduceResponse(ProduceResponse {
                        correlation: req.correlation,
                        produce: req.produce,
                        topic_id: key.0,
                        partition: key.1,
                        base_offset: base,
                        error,
                    }),
                ));
            }
        };
        let Some(r) = self
            .durable
            .partitions
            .get_mut(&key)
            .filter(|r| r.leader == Some(id))
        else {
            return answer(None, Some(ErrorCode::NotLeaderOrFollower), out);
        };
        let mut appended = false;
        // Idempotence: a retry of records already here is answered with where they are. A retry
        // follows its first try closely (one request in flight per partition and acks): the
        // newest records are where it would be.
        let existing = r
            .log
            .records()
            .iter()
            .rev()
            .take(if r.log.may_hold(req.produce) {
                DEDUP_WINDOW
            } else {
                0
            })
            .find(|x| x.produce == req.produce)
            .map(|x| {
                x.offset
                    - x.value
                        .rsplit('.')
                        .next()
                        .and_then(|i| i.parse::<u64>().ok())
                        .unwrap_or(0)
            });
        let base = match existing {
            Some(base) => base,
            None => {
                // Kafka checks the committed ISR it has, before the append.
                if req.acks == Acks::All && r.isr.len() < min_isr {
                    return answer(None, Some(ErrorCode::NotEnoughReplicas), out);
                }
                let base = r.leo();
                let epoch = r.leader_epoch;
                for v in &req.values {
                    r.log.append_record(&PartitionRecord {
                        offset: 0,
                        epoch,
                        value: v.clone(),
                        produce: req.produce,
                    });
                }
                r.retain();
                out.trace.push(TraceKind::Produced {
                    node: id,
                    topic_id: key.0,
                    partition: key.1,
                    records: req.values.len() as u64,
                    leo: r.leo(),
                });
                appended = true;
                base
            }
        };
        match req.acks {
            Acks::None => {}
            Acks::Leader => answer(Some(base), None, out),
            Acks::All => {
                r.purgatory.push(Parked {
                    from,
                    correlation: req.correlation,
                    produce: req.produce,
                    base_offset: base,
                    end: base + req.values.len() as u64,
                    deadline: now + timeout,
                });
            }
        }
        if appended {
            // Kafka's appendRecordsToLeader ends with maybeIncrementLeaderHW whatever the acks:
            // a leader alone in the ISR commits what it appends at once.
            self.advance_partition_hw(now, key, out);
            self.complete_parked_fetches(now, key, out);
        } else if req.acks == Acks::All {
            // A retried produce already in the log: its answer waits for the HW as the first did.
            self.advance_partition_hw(now, key, out);
        }
    }

    pub(crate) fn on_partitions_tick(&mut self, now: Time, out: &mut Effects) {
        let id = self.id;
        // Kafka's isr-expiration task runs every half replica.lag.time.max.ms.
        let shrink_due = now >= self.broker.next_isr_check;
        if shrink_due {
            self.broker.next_isr_check = now + (self.cfg.replica_lag_time_max_ms / 2).max(1);
        }
        // One walk over the replicas (a broker may hold 100,000): the OS writes back what has
        // been dirty long enough, and the replicas with something to do below are picked, in
        // key order; the others would do nothing there.
        let interval = self.cfg.flush_interval_ms;
        let keys: Vec<PartitionKey> = self
            .durable
            .partitions
            .iter_mut()
            .filter_map(|(key, r)| {
                r.log.write_back(now, interval);
                let leads = r.leader == Some(id) && (shrink_due || r.pending_isr.is_some());
                (leads || !r.purgatory.is_empty()).then_some(*key)
            })
            .collect();
        for key in keys {
            let Some(r) = self.durable.partitions.get_mut(&key) else {
                continue;
            };
            r.purgatory.retain(|p| {
                if now >= p.deadline {
                    out.sends.push(produce_answer(
                        p,
                        key,
                        None,
                        Some(ErrorCode::RequestTimedOut),
                    ));
                    false
                } else {
                    true
                }
            });
            // One look per replica: a broker may hold 100,000 of them, and most lead nothing
            // in flight.
            if r.leader != Some(id) {
                continue;
            }
            let mut pending = r.pending_isr.is_some();
            if shrink_due {
                self.maybe_shrink_isr(now, key, out);
                pending = self
                    .durable
                    .partitions
                    .get(&key)
                    .is_some_and(|r| r.pending_isr.is_some());
            }
            if pending {
                self.resend_isr_change(now, key, out);
            }
        }
        // Followers: a fetch to each leader without one in flight (or unanswered too long).
        self.fetch_from_leaders(now, out);
        // Held fetches whose wait is over are answered with what there is.
        for p in self.fetch_sessions.take_parked_due(now) {
            self.answer_parked_fetch(now, p, out);
        }
        let next_parked = self.fetch_sessions.parked.iter().map(|p| p.deadline).min();
        let next = next_parked.map_or(now + TICK_MS, |d| d.min(now + TICK_MS));
        self.set_timer(Slot::Partitions, next, out);
    }

    /// A consumer's poll, at the partition leader: records below the HW only (read_uncommitted),
    /// checked against the consumer's leader epoch and, after a leader change, its last epoch.
    pub(crate) fn on_consumer_fetch(
        &mut self,
        from: NodeId,
        req: &ConsumerFetchRequest,
        out: &mut Effects,
    ) {
        let key = (req.topic_id, req.partition);
        let max = self.cfg.replica_fetch_max_records.max(1) as usize;
        let mut resp = ConsumerFetchResponse {
            correlation: req.correlation,
            consumer: req.consumer,
            topic_id: key.0,
            partition: key.1,
            hw: 0,
            reset_to: None,
            body: PartitionFetchBody::Records(Vec::new()),
            error: None,
        };
        match self.durable.partitions.get(&key) {
            Some(r) if r.leader == Some(self.id) => {
                resp.hw = r.hw;
                let offset = req.fetch_offset;
                resp.error = if req.leader_epoch < r.leader_epoch {
                    Some(ErrorCode::FencedLeaderEpoch)
                } else if req.leader_epoch > r.leader_epoch {
                    Some(ErrorCode::UnknownLeaderEpoch)
                } else if let Some(reset) = req.reset {
                    resp.reset_to = Some(match reset {
                        OffsetReset::Earliest => r.log.start_offset(),
                        OffsetReset::Latest => r.hw,
                    });
                    None
                } else {
                    // Kafka checks the last fetched epoch first: a log truncated below the
                    // consumer's position answers with where they diverge, not out of range.
                    let diverging =
                        req.last_fetched_epoch
                            .and_then(|last| match r.log.end_for_epoch(last) {
                                Some((e, end)) if e == last && end >= offset => None,
                                Some((e, end)) => Some((e, end)),
                                None => Some((0, r.log.start_offset())),
                            });
                    match diverging {
                        Some((epoch, end_offset)) => {
                            resp.body = PartitionFetchBody::DivergingEpoch { epoch, end_offset };
                            None
                        }
                        None if offset < r.log.start_offset() || offset > r.leo() => {
                            Some(ErrorCode::OffsetOutOfRange)
                        }
                        None => {
                            let below_hw = r.hw.saturating_sub(offset).min(max as u64) as usize;
                            resp.body = PartitionFetchBody::Records(r.log.read(offset, below_hw));
                            None
                        }
                    }
                };
            }
            _ => resp.error = Some(ErrorCode::NotLeaderOrFollower),
        }
        out.sends
            .push((from, Message::ConsumerFetchResponse(Box::new(resp))));
    }
}
