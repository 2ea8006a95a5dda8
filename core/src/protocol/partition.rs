//! Data-plane replication of ordinary topic partitions (Kafka's ReplicaManager and Partition, simplified), on brokers. Followers pull
//! from the partition leader; the leader's HW is the smallest LEO across the ISR; a follower that
//! stays behind for `replica_lag_time_max_ms` leaves the ISR and rejoins when it catches up, both
//! through AlterPartition to the active controller, which writes the PartitionChange record.
//! Replicas hold records with their leader epoch (`partition_log`); a follower fetches with its
//! fetch offset and last fetched epoch, and truncates only where the leader's log diverges
//! (DivergingEpoch, KIP-101 / KIP-320).

use crate::protocol::event::TraceKind;
use crate::protocol::message::{
    AlterPartitionRequest, AlterPartitionResponse, ConsumerFetchRequest, ConsumerFetchResponse,
    ErrorCode, Message, OffsetReset, PartitionFetchBody, PartitionFetchRequest,
    PartitionFetchResponse, ProduceRequest, ProduceResponse,
};
use crate::protocol::metadata::{PartitionState, TopicState};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::partition_election::{change, Election, PartitionChange};
use crate::protocol::partition_log::{PartitionLog, PartitionRecord};
use crate::protocol::types::{NodeId, Offset, Time};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A client's durability request for a produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Acks {
    /// acks=0: no wait.
    None,
    /// acks=1: the leader wrote it.
    Leader,
    /// acks=all: every ISR member has it; refused when the ISR is below min.insync.replicas.
    All,
}

/// Partition key: (topic id, partition).
pub type PartitionKey = (u32, u32);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replica {
    /// The records, their epochs and the log start: durable.
    pub log: PartitionLog,
    pub hw: Offset,
    /// The partition leader epoch this replica last saw in the committed image.
    pub leader_epoch: u32,
    pub leader: Option<NodeId>,
    /// Leader only: each follower's LEO and when it was last caught up.
    pub followers: BTreeMap<NodeId, (Offset, Time)>,
    /// Leader only: when an AlterPartition was last sent (resent if the change does not show up).
    pub alter_sent: Option<Time>,
    /// Leader only: acks=all produces waiting for the HW to pass their last record (volatile).
    pub purgatory: Vec<Parked>,
    /// Leader only: members it asked the controller to put in the ISR that its image does not
    /// show yet. They count for the HW at once and until the change is answered and visible
    /// (Kafka's "maximal ISR"): the controller may commit a request long after it was sent, so a
    /// HW must never pass a follower that may yet join the ISR.
    pub proposed_isr: Vec<NodeId>,
    /// Leader only: an AlterPartition is out and not answered.
    pub awaiting_alter: bool,
    /// Leader only: follower fetches with nothing new to return, held until records arrive or
    /// `replica_fetch_wait_max_ms` passes (volatile).
    pub parked_fetches: Vec<ParkedFetch>,
    /// Follower only: when its fetch in flight was sent (one at a time, as Kafka's fetcher).
    pub fetch_sent: Option<Time>,
    /// Follower only: the correlation of its latest fetch; answers to others are ignored.
    pub fetch_correlation: u64,
}

/// A follower's fetch the leader holds (Kafka's delayed fetch). A HW move alone does not
/// complete it (KAFKA-9952): the follower learns a new HW on its next fetch that returns.
#[derive(Clone, Debug, PartialEq)]
pub struct ParkedFetch {
    pub from: NodeId,
    pub request: PartitionFetchRequest,
    pub deadline: Time,
}

/// An acks=all produce the leader holds until its records are committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Parked {
    pub from: NodeId,
    pub correlation: u64,
    pub produce: u64,
    pub base_offset: Offset,
    /// The offset after its last record: committed once the HW reaches it.
    pub end: Offset,
    pub deadline: Time,
}

/// How far back a leader looks for records a retried produce already wrote.
const DEDUP_WINDOW: usize = 512;
/// How often followers fetch and leaders check their ISR.
const TICK_MS: u64 = 250;
/// Records a replica keeps at most beyond what retention may delete (the HW bounds deletion):
/// memory stays bounded on long runs.
const RETAINED_RECORDS: u64 = 2000;

/// The answer to a held acks=all produce.
fn produce_answer(
    p: &Parked,
    key: PartitionKey,
    base_offset: Option<Offset>,
    error: Option<ErrorCode>,
) -> (NodeId, Message) {
    (
        p.from,
        Message::ProduceResponse(ProduceResponse {
            correlation: p.correlation,
            produce: p.produce,
            topic_id: key.0,
            partition: key.1,
            base_offset,
            error,
        }),
    )
}

impl Replica {
    /// LEO: the offset the next record takes.
    pub fn leo(&self) -> Offset {
        self.log.end_offset()
    }

    /// Retention: drop the oldest committed records beyond the cap.
    fn retain(&mut self) {
        let leo = self.leo();
        if leo - self.log.start_offset() > 2 * RETAINED_RECORDS {
            self.log
                .delete_below(leo.saturating_sub(RETAINED_RECORDS).min(self.hw));
        }
    }
}

/// The topic's min.insync.replicas (its own, else the cluster's `default`) and the partition's
/// state, in one look at the image (a leader asks after every fetch). A free function so the
/// caller may hold the answer while it changes its replicas.
fn min_isr_and_state(
    image: &crate::protocol::metadata::Image,
    default: u32,
    key: PartitionKey,
) -> (usize, Option<&PartitionState>) {
    let topic = image.topics.get(&key.0);
    let min = topic
        .and_then(|t| t.config.min_insync_replicas)
        .unwrap_or(default) as usize;
    (min, topic.and_then(|t| t.partition(key.1)))
}

impl Node {
    pub fn partition_replicas(&self) -> &BTreeMap<PartitionKey, Replica> {
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
                    r.leader_epoch = p.leader_epoch;
                    r.leader = p.leader;
                    r.parked_fetches.clear();
                    r.fetch_sent = None;
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
                    r.followers = if p.leader == Some(self.id) {
                        p.replicas
                            .iter()
                            .filter(|b| **b != self.id)
                            .map(|b| (*b, (0, now)))
                            .collect()
                    } else {
                        BTreeMap::new()
                    };
                    r.alter_sent = None;
                    r.proposed_isr.clear();
                    r.awaiting_alter = false;
                }
            }
        }
        // A new ISR may let the HW move (a laggard gone) or hold it (below min ISR).
        for key in led {
            self.advance_partition_hw(key, out);
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
        let (min_isr, state) = min_isr_and_state(&self.image, self.cfg.min_insync_replicas, key);
        let isr = state.map(|p| p.isr.clone()).unwrap_or_default();
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
                if req.acks == Acks::All && isr.len() < min_isr {
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
            self.advance_partition_hw(key, out);
            self.complete_parked_fetches(now, key, out);
        } else if req.acks == Acks::All {
            // A retried produce already in the log: its answer waits for the HW as the first did.
            self.advance_partition_hw(key, out);
        }
    }

    /// HW = the smallest LEO across the ISR (the leader's own LEO included); it never moves back.
    fn advance_partition_hw(&mut self, key: PartitionKey, out: &mut Effects) {
        // Strict min ISR (KIP-966, with the ELR): below min ISR the HW stands still, so a
        // replica that leaves the ISR then has every committed record and may lead (the ELR).
        let (min_isr, state) = min_isr_and_state(&self.image, self.cfg.min_insync_replicas, key);
        let rf = state.map_or(0, |p| p.replicas.len());
        let id = self.id;
        let empty = Vec::new();
        let isr = state.map_or(&empty, |p| &p.isr);
        let frozen = self.cfg.eligible_leader_replicas && isr.len() < min_isr.min(rf);
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        // Over the maximal ISR: the committed one and the members whose addition is in flight.
        let leo = r.leo();
        let at = |b: &NodeId| {
            if *b == id {
                leo
            } else {
                r.followers.get(b).map_or(0, |f| f.0)
            }
        };
        let hw = isr
            .iter()
            .chain(r.proposed_isr.iter().filter(|b| !isr.contains(b)))
            .map(at)
            .min()
            .unwrap_or(leo)
            .min(leo);
        if hw > r.hw && !frozen {
            r.hw = hw;
            out.trace.push(TraceKind::PartitionHighWatermark {
                node: id,
                topic_id: key.0,
                partition: key.1,
                hw,
            });
        }
        // acks=all: acknowledged once every record is below the HW.
        let hw = r.hw;
        r.purgatory.retain(|p| {
            if p.end <= hw {
                out.sends
                    .push(produce_answer(p, key, Some(p.base_offset), None));
                false
            } else {
                true
            }
        });
    }

    pub(crate) fn on_partitions_tick(&mut self, now: Time, out: &mut Effects) {
        let keys: Vec<PartitionKey> = self.durable.partitions.keys().copied().collect();
        let controller = self.alter_partition_target();
        let id = self.id;
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let timeout = self.cfg.request_timeout_ms;
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
            // A follower: one fetch in flight, sent again if unanswered for a request timeout.
            if r.leader.is_some_and(|l| l != id) && r.fetch_sent.is_none_or(|t| now >= t + timeout)
            {
                self.send_partition_fetch(now, key, out);
            }
            // A leader: the ISR it wants. Led after an unclean election, it has nothing to
            // recover (no transactions here), so it reports RECOVERED with its next AlterPartition.
            let (isr, recovering): (&[NodeId], bool) = self
                .image
                .partition(key.0, key.1)
                .map_or((&[], false), |p| (&p.isr, p.recovering));
            if let Some(r) = self
                .durable
                .partitions
                .get_mut(&key)
                .filter(|r| r.leader == Some(id))
            {
                // Caught up (Kafka's isCaughtUp): at the leader's LEO, however long silent (an
                // idle partition loses nobody), or at it within replica.lag.time.max.ms. A
                // follower rejoins once it holds the HW and this leader epoch's start.
                let leo = r.leo();
                let epoch_start = r
                    .log
                    .epochs()
                    .iter()
                    .find(|(e, _)| *e == r.leader_epoch)
                    .map_or(0, |(_, start)| *start);
                let rejoin_at = r.hw.max(epoch_start);
                let stays = |b: &NodeId| {
                    *b == id
                        || r.followers
                            .get(b)
                            .is_some_and(|(f, at)| *f >= leo || now.saturating_sub(*at) <= lag_max)
                };
                let joins = |(b, (f, at)): (&NodeId, &(Offset, Time))| {
                    !isr.contains(b) && *f >= rejoin_at && now.saturating_sub(*at) <= lag_max
                };
                let changes = !isr.iter().all(stays) || r.followers.iter().any(joins) || recovering;
                // Only when something changes is the new ISR built (this runs every tick).
                let want: Option<Vec<NodeId>> = changes.then(|| {
                    let mut want: Vec<NodeId> = isr.iter().copied().filter(stays).collect();
                    want.extend(r.followers.iter().filter(|e| joins(*e)).map(|(b, _)| *b));
                    want.sort_unstable();
                    want
                });
                if !r.awaiting_alter && r.proposed_isr.iter().all(|b| isr.contains(b)) {
                    r.proposed_isr.clear();
                }
                let resend = r.alter_sent.is_none_or(|t| now >= t + 2000);
                if let (Some(want), Some(c), true) = (want, controller, resend) {
                    r.alter_sent = Some(now);
                    r.awaiting_alter = true;
                    for b in &want {
                        if !r.proposed_isr.contains(b) {
                            r.proposed_isr.push(*b);
                        }
                    }
                    out.sends.push((
                        c,
                        Message::AlterPartition(AlterPartitionRequest {
                            topic_id: key.0,
                            partition: key.1,
                            leader_epoch: r.leader_epoch,
                            isr: want,
                        }),
                    ));
                }
            }
            // Held fetches whose wait is over are answered with what there is.
            let due: Vec<ParkedFetch> = match self.durable.partitions.get_mut(&key) {
                Some(r) if r.parked_fetches.iter().any(|f| now >= f.deadline) => {
                    let (due, rest) = r.parked_fetches.drain(..).partition(|f| now >= f.deadline);
                    r.parked_fetches = rest;
                    due
                }
                _ => Vec::new(),
            };
            for f in due {
                self.serve_partition_fetch(now, f.from, &f.request, false, out);
            }
        }
        let next_parked = self
            .durable
            .partitions
            .values()
            .flat_map(|r| r.parked_fetches.iter().map(|f| f.deadline))
            .min();
        let next = next_parked.map_or(now + TICK_MS, |d| d.min(now + TICK_MS));
        self.set_timer(Slot::Partitions, next, out);
    }

    /// A follower's fetch to its leader: from its LEO, with the epoch of its last record.
    fn send_partition_fetch(&mut self, now: Time, key: PartitionKey, out: &mut Effects) {
        let unsafe_switch = self.cfg.unsafe_truncate_to_hw;
        let id = self.id;
        let leads_elsewhere = |r: &Replica| r.leader.is_some_and(|l| l != id);
        if !self
            .durable
            .partitions
            .get(&key)
            .is_some_and(leads_elsewhere)
        {
            return;
        }
        let correlation = self.correlation();
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        let Some(l) = r.leader else {
            return;
        };
        r.fetch_sent = Some(now);
        r.fetch_correlation = correlation;
        // The newest epoch in this follower's cache (Kafka's `log.latestEpoch`): an epoch it
        // started as leader but never wrote in is checked too, and a divergence there clears
        // it. (Not sent before leader epochs: the unsafe switch.)
        let last_fetched_epoch = r.log.last_epoch().filter(|_| !unsafe_switch);
        let msg = Message::PartitionFetch(PartitionFetchRequest {
            correlation,
            topic_id: key.0,
            partition: key.1,
            leader_epoch: r.leader_epoch,
            fetch_offset: r.leo(),
            last_fetched_epoch,
        });
        out.sends.push((l, msg));
    }

    /// New records at the leader complete the fetches it holds for that partition.
    fn complete_parked_fetches(&mut self, now: Time, key: PartitionKey, out: &mut Effects) {
        let parked = match self.durable.partitions.get_mut(&key) {
            Some(r) => std::mem::take(&mut r.parked_fetches),
            None => return,
        };
        for f in parked {
            self.serve_partition_fetch(now, f.from, &f.request, false, out);
        }
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

    pub(crate) fn on_partition_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        req: &PartitionFetchRequest,
        out: &mut Effects,
    ) {
        self.serve_partition_fetch(now, from, req, true, out);
    }

    /// Answers a follower's fetch, or (`may_park`, nothing new to return) holds it up to
    /// `replica_fetch_wait_max_ms`.
    fn serve_partition_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        req: &PartitionFetchRequest,
        may_park: bool,
        out: &mut Effects,
    ) {
        let key = (req.topic_id, req.partition);
        let wait = self.cfg.replica_fetch_wait_max_ms;
        let (leader_epoch, fetch_offset) = (req.leader_epoch, req.fetch_offset);
        let id = self.id;
        let max = self.cfg.replica_fetch_max_records.max(1) as usize;
        let mut body = PartitionFetchBody::Records(Vec::new());
        // The HW this fetch reads with: the follower learns what this fetch moves on its next
        // one (Kafka reads the log, then updates the follower's state).
        let hw_before = self.durable.partitions.get(&key).map_or(0, |r| r.hw);
        // Kafka (KIP-320): an older leader epoch is fenced, a newer one is not known here yet.
        let error = match self.durable.partitions.get_mut(&key) {
            Some(r) if r.leader == Some(id) && leader_epoch < r.leader_epoch => {
                Some(ErrorCode::FencedLeaderEpoch)
            }
            Some(r) if r.leader == Some(id) && leader_epoch > r.leader_epoch => {
                Some(ErrorCode::UnknownLeaderEpoch)
            }
            Some(r) if r.leader == Some(id) && fetch_offset < r.log.start_offset() => {
                Some(ErrorCode::OffsetOutOfRange)
            }
            Some(r) if r.leader == Some(id) => {
                // Where the follower's last epoch ends in this log: if it ends before the
                // fetch offset, or this log has no such epoch, the logs diverge there.
                let diverging =
                    req.last_fetched_epoch
                        .and_then(|last| match r.log.end_for_epoch(last) {
                            Some((e, end)) if e == last && end >= fetch_offset => None,
                            Some((e, end)) => Some((e, end)),
                            None => Some((0, r.log.start_offset())),
                        });
                match diverging {
                    Some((epoch, end_offset)) => {
                        body = PartitionFetchBody::DivergingEpoch { epoch, end_offset };
                    }
                    None => {
                        let leo = r.leo();
                        let caught_up = fetch_offset >= leo;
                        if let Some(f) = r.followers.get_mut(&from) {
                            f.0 = fetch_offset.min(leo);
                            if caught_up {
                                f.1 = now;
                            }
                        }
                        body = PartitionFetchBody::Records(r.log.read(fetch_offset, max));
                    }
                }
                None
            }
            _ => Some(ErrorCode::NotLeaderOrFollower),
        };
        if error.is_none() {
            self.advance_partition_hw(key, out);
        }
        let nothing_new = matches!(&body, PartitionFetchBody::Records(v) if v.is_empty());
        if may_park && error.is_none() && nothing_new && wait > 0 {
            if let Some(r) = self.durable.partitions.get_mut(&key) {
                r.parked_fetches.push(ParkedFetch {
                    from,
                    request: req.clone(),
                    deadline: now + wait,
                });
                let deadline = now + wait;
                if self
                    .timer_deadline(Slot::Partitions)
                    .is_none_or(|t| t > deadline)
                {
                    self.set_timer(Slot::Partitions, deadline, out);
                }
                return;
            }
        }
        // A held fetch answers with the HW of now; a fresh one with the HW from before it
        // moved the follower's LEO.
        let hw = if may_park {
            hw_before
        } else {
            self.durable.partitions.get(&key).map_or(0, |r| r.hw)
        };
        let r = self.durable.partitions.get(&key);
        out.sends.push((
            from,
            Message::PartitionFetchResponse(PartitionFetchResponse {
                correlation: req.correlation,
                topic_id: key.0,
                partition: key.1,
                leader_epoch,
                hw,
                log_start_offset: r.map_or(0, |r| r.log.start_offset()),
                body,
                error,
            }),
        ));
    }

    pub(crate) fn on_partition_fetch_response(
        &mut self,
        now: Time,
        resp: &PartitionFetchResponse,
        out: &mut Effects,
    ) {
        let key = (resp.topic_id, resp.partition);
        let current = self
            .durable
            .partitions
            .get(&key)
            .is_some_and(|r| r.fetch_correlation == resp.correlation);
        if !current {
            return;
        }
        self.take_partition_fetch_response(resp, out);
        // Answered: the next fetch goes at once (after an error, on the next tick).
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        if r.leader_epoch == resp.leader_epoch && r.leader != Some(self.id) {
            r.fetch_sent = None;
            if resp.error.is_none() {
                self.send_partition_fetch(now, key, out);
            }
        }
    }

    fn take_partition_fetch_response(&mut self, resp: &PartitionFetchResponse, out: &mut Effects) {
        let key = (resp.topic_id, resp.partition);
        let id = self.id;
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        if r.leader_epoch != resp.leader_epoch || r.leader == Some(id) {
            return;
        }
        let before = r.leo();
        match (&resp.error, &resp.body) {
            // Below the leader's log start: start over there (Kafka truncates fully).
            (Some(ErrorCode::OffsetOutOfRange), _) => {
                r.log.reset_to(resp.log_start_offset);
                r.hw = r.hw.min(r.leo()).max(r.log.start_offset());
            }
            (Some(_), _) => return,
            (None, PartitionFetchBody::DivergingEpoch { epoch, end_offset }) => {
                // Truncate to where the two logs last agree: the end of that epoch here and
                // at the leader, whichever is smaller (Kafka's truncation on DivergingEpoch).
                let local = r
                    .log
                    .end_for_epoch(*epoch)
                    .map_or(r.log.start_offset(), |(_, end)| end.min(*end_offset));
                r.log.truncate_to(local);
            }
            (None, PartitionFetchBody::Records(records)) => {
                for rec in records {
                    if rec.offset == r.leo() {
                        r.log.append_record(rec);
                    }
                }
                r.retain();
            }
        }
        if r.leo() < before {
            out.trace.push(TraceKind::PartitionTruncated {
                node: id,
                topic_id: key.0,
                partition: key.1,
                to: r.leo(),
                removed: before - r.leo(),
            });
        }
        // A follower's HW: the leader's, but never beyond its own LEO.
        r.hw = r.hw.min(r.leo());
        let new_hw = resp.hw.min(r.leo());
        if new_hw > r.hw {
            r.hw = new_hw;
            out.trace.push(TraceKind::PartitionHighWatermark {
                node: id,
                topic_id: key.0,
                partition: key.1,
                hw: new_hw,
            });
        }
    }

    /// The active controller takes an ISR change from the partition's current leader. The reply
    /// goes out once the PartitionChange record commits; a refusal goes out at once.
    pub(crate) fn on_alter_partition(
        &mut self,
        now: Time,
        from: NodeId,
        req: &AlterPartitionRequest,
        out: &mut Effects,
    ) {
        let key = (req.topic_id, req.partition);
        let mut reply = AlterPartitionResponse {
            topic_id: key.0,
            partition: key.1,
            leader_epoch: req.leader_epoch,
            isr: Vec::new(),
            error: None,
        };
        let refuse = |error, mut reply: AlterPartitionResponse, out: &mut Effects| {
            reply.error = Some(error);
            out.sends
                .push((from, Message::AlterPartitionResponse(reply)));
        };
        if self.controller.is_none() {
            return refuse(ErrorCode::NotController, reply, out);
        }
        let pending = self.pending_image();
        let Some(p) = pending.partition(key.0, key.1) else {
            return refuse(ErrorCode::UnknownTopicOrPartition, reply, out);
        };
        reply.leader_epoch = p.leader_epoch;
        reply.isr = p.isr.clone();
        // Kafka's order: the leader epoch first (older: fenced; newer: this controller is
        // behind), then who asks, then whether every new member may be in the ISR.
        if req.leader_epoch < p.leader_epoch {
            return refuse(ErrorCode::FencedLeaderEpoch, reply, out);
        }
        if req.leader_epoch > p.leader_epoch {
            return refuse(ErrorCode::NotLeaderOrFollower, reply, out);
        }
        if p.leader != Some(from) || !req.isr.contains(&from) {
            return refuse(ErrorCode::InvalidRequest, reply, out);
        }
        let unfenced = pending.unfenced_brokers();
        let eligible = |b: &NodeId| p.replicas.contains(b) && unfenced.contains(b);
        if !req.isr.iter().all(eligible) {
            return refuse(ErrorCode::IneligibleReplica, reply, out);
        }
        reply.isr = req.isr.clone();
        let reply = Message::AlterPartitionResponse(reply);
        let Some(t) = pending.topics.get(&key.0) else {
            return;
        };
        // The new ISR through the same rule as every other change (it may fill or clear the
        // ELR); a leader that asks has recovered (leader recovery state RECOVERED).
        let rules = self.change_rules(t, p);
        let may_lead = |r: NodeId| pending.is_unfenced(r);
        let mut current = p.isr.clone();
        current.sort_unstable();
        let mut asked = req.isr.clone();
        asked.sort_unstable();
        let target = if asked == current {
            p.isr.clone()
        } else {
            req.isr.clone()
        };
        let mut next = change(p, target, may_lead, None, Election::Online, rules);
        if p.recovering {
            let c = next.get_or_insert_with(|| PartitionChange {
                isr: p.isr.clone(),
                elr: p.elr.clone(),
                leader: p.leader,
                last_known_leader: p.last_known_leader,
                recovering: true,
                unclean: false,
            });
            c.recovering = false;
        }
        let Some(next) = next else {
            out.sends.push((from, reply));
            return;
        };
        let offset = self.write_change(now, key.0, key.1, next, out);
        self.await_commit(offset, from, reply, out);
    }

    /// The partition leader hears back. Success or a refusal that says its view is stale: wait
    /// for the committed image to show the partition (resend only if it never does). A
    /// controller that is not (yet) active: ask again on the next tick.
    pub(crate) fn on_alter_partition_response(&mut self, now: Time, resp: &AlterPartitionResponse) {
        let Some(r) = self
            .durable
            .partitions
            .get_mut(&(resp.topic_id, resp.partition))
        else {
            return;
        };
        r.alter_sent = match resp.error {
            Some(ErrorCode::NotController) => None,
            _ => Some(now),
        };
        r.awaiting_alter = false;
        match resp.error {
            // Committed: what the image will show; kept until it does.
            None => r.proposed_isr = resp.isr.clone(),
            // Refused for who is in it: the members it meant to add will not join (Kafka resets
            // to the committed state on INELIGIBLE_REPLICA and the like).
            Some(ErrorCode::IneligibleReplica | ErrorCode::InvalidRequest) => {
                r.proposed_isr.clear()
            }
            // A stale epoch (or a controller not active yet): the request may still have been
            // applied; Kafka keeps the pending state until the metadata says what happened.
            Some(_) => {}
        }
    }
}
