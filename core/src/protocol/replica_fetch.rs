//! Follower fetching of ordinary partitions, both ends (Kafka's `ReplicaFetcherThread` and the
//! leader's `ReplicaManager.fetchMessages`): one fetch per follower broker and leader broker in a
//! KIP-227 session (`fetch_session`), each partition read as KIP-320 has it (leader epoch,
//! last fetched epoch, DivergingEpoch), held at the leader while nothing is new.

use crate::protocol::event::TraceKind;
use crate::protocol::fetch_session::{FetchPosition, ParkedFetch, SessionError};
use crate::protocol::message::{
    ErrorCode, Message, PartitionFetchBody, PartitionFetchData, PartitionFetchRequest,
    PartitionFetchResponse,
};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::partition::TICK_MS;
use crate::protocol::types::PartitionKey;
use crate::protocol::types::{NodeId, Offset, Time};
use std::collections::BTreeMap;

impl Node {
    // ----- the follower's side -----

    /// Where this broker fetches each followed partition from, by leader broker (partitions in
    /// their error back-off left out).
    fn fetch_positions(
        &self,
        now: Time,
    ) -> BTreeMap<NodeId, BTreeMap<PartitionKey, FetchPosition>> {
        let id = self.id;
        // Before leader epochs (the unsafe switch) no last fetched epoch was sent.
        let with_epoch = !self.cfg.unsafe_truncate_to_hw;
        let mut by_leader: BTreeMap<NodeId, BTreeMap<PartitionKey, FetchPosition>> =
            BTreeMap::new();
        for (key, r) in &self.durable.partitions {
            let Some(l) = r.leader.filter(|l| *l != id) else {
                continue;
            };
            if r.fetch_delayed_until.is_some_and(|t| now < t) {
                continue;
            }
            by_leader.entry(l).or_default().insert(
                *key,
                FetchPosition {
                    leader_epoch: r.leader_epoch,
                    fetch_offset: r.leo(),
                    // The newest epoch in this follower's cache (Kafka's `log.latestEpoch`):
                    // an epoch it started as leader but never wrote in is checked too.
                    last_fetched_epoch: r.log.last_epoch().filter(|_| with_epoch),
                },
            );
        }
        by_leader
    }

    /// `fetch_positions` for one leader broker, collected in key order (a map built from
    /// sorted entries at once, not entry by entry).
    fn fetch_positions_from(
        &self,
        now: Time,
        leader: NodeId,
    ) -> BTreeMap<PartitionKey, FetchPosition> {
        let with_epoch = !self.cfg.unsafe_truncate_to_hw;
        if leader == self.id {
            return BTreeMap::new();
        }
        self.durable
            .partitions
            .iter()
            .filter(|(_, r)| {
                r.leader == Some(leader) && r.fetch_delayed_until.is_none_or(|t| now >= t)
            })
            .map(|(key, r)| {
                let pos = FetchPosition {
                    leader_epoch: r.leader_epoch,
                    fetch_offset: r.leo(),
                    last_fetched_epoch: r.log.last_epoch().filter(|_| with_epoch),
                };
                (*key, pos)
            })
            .collect()
    }

    /// A fetch to every leader broker this one follows partitions on, unless one is in flight
    /// (and not yet given up on: past the request timeout, the session starts over).
    pub(crate) fn fetch_from_leaders(&mut self, now: Time, out: &mut Effects) {
        let mut wanted = self.fetch_positions(now);
        let timeout = self.cfg.request_timeout_ms;
        for (leader, f) in self.fetchers.iter_mut() {
            if f.inflight.is_some_and(|(_, sent)| now >= sent + timeout) {
                f.reset();
            }
            wanted.entry(*leader).or_default();
        }
        for (leader, positions) in wanted {
            if self
                .fetchers
                .get(&leader)
                .is_none_or(|f| f.inflight.is_none())
            {
                self.send_replica_fetch(now, leader, positions, out);
            }
        }
    }

    /// The next fetch to `leader`; a fetcher with nothing to fetch or forget there stops.
    fn send_replica_fetch(
        &mut self,
        now: Time,
        leader: NodeId,
        positions: BTreeMap<PartitionKey, FetchPosition>,
        out: &mut Effects,
    ) {
        let idle = positions.is_empty();
        if idle
            && self
                .fetchers
                .get(&leader)
                .is_none_or(|f| f.known.is_empty())
        {
            self.fetchers.remove(&leader);
            return;
        }
        let correlation = self.correlation();
        let broker_epoch = self.broker.registered.filter(|_| self.zk.is_none());
        let f = self.fetchers.entry(leader).or_default();
        let req = f.build(correlation, now, broker_epoch, positions);
        out.sends.push((leader, Message::PartitionFetch(req)));
    }

    pub(crate) fn on_partition_fetch_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &PartitionFetchResponse,
        out: &mut Effects,
    ) {
        let Some(f) = self
            .fetchers
            .get_mut(&from)
            .filter(|f| f.inflight.is_some_and(|(c, _)| c == resp.correlation))
        else {
            return; // late, duplicated, or to a previous incarnation
        };
        if resp.error.is_some() {
            f.reset();
        } else {
            f.answered(resp.session_id);
        }
        for data in &resp.partitions {
            self.take_partition_fetch_data(now, from, data, out);
        }
        // Answered: the next fetch goes at once (the leader's wait paces it).
        let positions = self.fetch_positions_from(now, from);
        self.send_replica_fetch(now, from, positions, out);
    }

    fn take_partition_fetch_data(
        &mut self,
        now: Time,
        from: NodeId,
        data: &PartitionFetchData,
        out: &mut Effects,
    ) {
        let key = (data.topic_id, data.partition);
        let id = self.id;
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        if r.leader_epoch != data.leader_epoch || r.leader != Some(from) || r.leader == Some(id) {
            return;
        }
        let before = r.leo();
        match (&data.error, &data.body) {
            // Below the leader's log start: start over there (Kafka truncates fully).
            (Some(ErrorCode::OffsetOutOfRange), _) => {
                r.log.reset_to(data.log_start_offset);
                r.hw = r.hw.min(r.leo()).max(r.log.start_offset());
            }
            (Some(_), _) => {
                // Tried again after a back-off, or once the metadata moves on.
                r.fetch_delayed_until = Some(now + TICK_MS);
                return;
            }
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
        let new_hw = data.hw.min(r.leo());
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

    // ----- the leader's side -----

    pub(crate) fn on_partition_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        req: &PartitionFetchRequest,
        out: &mut Effects,
    ) {
        match self.fetch_sessions.open(from, req) {
            Ok(full) => self.answer_fetch(
                now,
                from,
                req.correlation,
                full,
                req.broker_epoch,
                true,
                out,
            ),
            Err(e) => {
                let error = match e {
                    SessionError::NotFound => ErrorCode::FetchSessionIdNotFound,
                    SessionError::InvalidEpoch => ErrorCode::InvalidFetchSessionEpoch,
                };
                session_error(from, req.correlation, req.session_id, error, out);
            }
        }
    }

    /// A held fetch, answered now (its wait is over, or one of its partitions has news).
    pub(crate) fn answer_parked_fetch(&mut self, now: Time, p: ParkedFetch, out: &mut Effects) {
        let current = self
            .fetch_sessions
            .sessions
            .get(&p.from)
            .is_some_and(|s| s.id == p.session_id);
        if !current {
            // A newer full fetch replaced the session this one was in.
            let error = ErrorCode::FetchSessionIdNotFound;
            return session_error(p.from, p.correlation, p.session_id, error, out);
        }
        self.answer_fetch(
            now,
            p.from,
            p.correlation,
            p.full,
            p.broker_epoch,
            false,
            out,
        );
    }

    /// New records at the leader complete the fetches it holds on that partition.
    pub(crate) fn complete_parked_fetches(
        &mut self,
        now: Time,
        key: PartitionKey,
        out: &mut Effects,
    ) {
        for p in self.fetch_sessions.take_parked_for(key) {
            self.answer_parked_fetch(now, p, out);
        }
    }

    /// Reads every partition of `from`'s session and answers, or (`arriving`, nothing new on
    /// any partition) holds the fetch up to `replica_fetch_wait_max_ms`. An answer names the
    /// partitions with something to say (all of them to a full fetch).
    #[allow(clippy::too_many_arguments)]
    fn answer_fetch(
        &mut self,
        now: Time,
        from: NodeId,
        correlation: u64,
        full: bool,
        broker_epoch: Option<Offset>,
        arriving: bool,
        out: &mut Effects,
    ) {
        let Some(session) = self.fetch_sessions.sessions.get_mut(&from) else {
            return;
        };
        let session_id = session.id;
        // Out of the session while its partitions are read (reading one never looks at the
        // sessions), back before anything else.
        let mut cached = std::mem::take(&mut session.partitions);
        // Only what the answer may name is kept: a session of 30,000 partitions names a few.
        let mut named = Vec::new();
        let mut news = false;
        for (key, c) in cached.iter_mut() {
            let data =
                self.read_for_follower(now, from, *key, c.position, broker_epoch, arriving, out);
            news |= data.error.is_some()
                || !matches!(&data.body, PartitionFetchBody::Records(r) if r.is_empty());
            if full || c.must_respond(&data, false) {
                named.push(data);
            }
        }
        let Some(session) = self.fetch_sessions.sessions.get_mut(&from) else {
            return;
        };
        std::mem::swap(&mut session.partitions, &mut cached);
        let wait = self.cfg.replica_fetch_wait_max_ms;
        if arriving && !news && wait > 0 {
            let deadline = now + wait;
            self.fetch_sessions.parked.push(ParkedFetch {
                from,
                correlation,
                session_id,
                full,
                broker_epoch,
                deadline,
            });
            if self
                .timer_deadline(Slot::Partitions)
                .is_none_or(|t| t > deadline)
            {
                self.set_timer(Slot::Partitions, deadline, out);
            }
            return;
        }
        let Some(session) = self.fetch_sessions.sessions.get_mut(&from) else {
            return;
        };
        // The cache takes what the answer says; a partition left out has nothing to update.
        let mut partitions = Vec::with_capacity(named.len());
        for d in named {
            if session.must_respond(&d, true) || full {
                partitions.push(d);
            }
        }
        out.sends.push((
            from,
            Message::PartitionFetchResponse(PartitionFetchResponse {
                correlation,
                error: None,
                session_id,
                partitions,
            }),
        ));
    }

    /// One partition of a follower's fetch. What the fetch says of the follower counts once,
    /// when it arrives (`arriving`): a held fetch answered later does not count again.
    #[allow(clippy::too_many_arguments)]
    fn read_for_follower(
        &mut self,
        now: Time,
        from: NodeId,
        key: PartitionKey,
        pos: FetchPosition,
        broker_epoch: Option<Offset>,
        arriving: bool,
        out: &mut Effects,
    ) -> PartitionFetchData {
        let (leader_epoch, fetch_offset) = (pos.leader_epoch, pos.fetch_offset);
        let id = self.id;
        let max = self.cfg.replica_fetch_max_records.max(1) as usize;
        let by_previous_fetch = self.cfg.caught_up_by_previous_fetch;
        let mut body = PartitionFetchBody::Records(Vec::new());
        // The HW this fetch reads with: the follower learns what this fetch moves on its next
        // one (Kafka reads the log, then updates the follower's state).
        let mut hw_before = 0;
        // The HW and log start as read (what the answer says unless the follower's fetch moves
        // something, then read again), and whether the ISR may take the follower.
        let mut read = (0, 0);
        let mut may_expand = false;
        // A fetch from an older incarnation of the follower (a late one, from before it
        // restarted) must not move what the leader knows of it (`updateFetchStateOrThrow`).
        let stale_broker = broker_epoch
            .is_some_and(|e| self.image.brokers.get(&from).is_some_and(|b| b.epoch > e));
        let mut follower_moved = false;
        // Kafka (KIP-320): an older leader epoch is fenced, a newer one is not known here yet.
        let replica = self.durable.partitions.get_mut(&key);
        if let Some(r) = &replica {
            hw_before = r.hw;
            read = (r.hw, r.log.start_offset());
        }
        let error = match replica {
            Some(r) if r.leader == Some(id) && leader_epoch < r.leader_epoch => {
                Some(ErrorCode::FencedLeaderEpoch)
            }
            Some(r) if r.leader == Some(id) && leader_epoch > r.leader_epoch => {
                Some(ErrorCode::UnknownLeaderEpoch)
            }
            Some(r) if r.leader == Some(id) && fetch_offset < r.log.start_offset() => {
                Some(ErrorCode::OffsetOutOfRange)
            }
            Some(r) if r.leader == Some(id) && stale_broker => Some(ErrorCode::NotLeaderOrFollower),
            Some(r) if r.leader == Some(id) => {
                // Where the follower's last epoch ends in this log: if it ends before the
                // fetch offset, or this log has no such epoch, the logs diverge there.
                let diverging =
                    pos.last_fetched_epoch
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
                        if let Some(f) = r.followers.get_mut(&from).filter(|_| arriving) {
                            let before = f.leo;
                            f.fetched(
                                fetch_offset.min(leo),
                                now,
                                leo,
                                broker_epoch,
                                by_previous_fetch,
                            );
                            follower_moved = f.leo != before;
                        }
                        body = PartitionFetchBody::Records(r.log.read(fetch_offset, max));
                    }
                }
                // `maybe_expand_isr` does nothing for a member or while a change is pending.
                may_expand = r.pending_isr.is_none() && !r.isr.contains(&from);
                None
            }
            _ => Some(ErrorCode::NotLeaderOrFollower),
        };
        if error.is_none() && arriving && (may_expand || follower_moved) {
            // Kafka's updateFollowerFetchState: the follower may now join the ISR, and a LEO
            // that moved may move the HW.
            self.maybe_expand_isr(now, key, from, out);
            if follower_moved {
                self.advance_partition_hw(now, key, out);
            }
            read = self
                .durable
                .partitions
                .get(&key)
                .map_or((0, 0), |r| (r.hw, r.log.start_offset()));
        }
        // A fresh fetch answers with the HW from before it moved the follower's LEO; a held
        // one with the HW of now.
        let hw = if arriving { hw_before } else { read.0 };
        PartitionFetchData {
            topic_id: key.0,
            partition: key.1,
            leader_epoch,
            hw,
            log_start_offset: read.1,
            body,
            error,
        }
    }
}

/// An answer refusing a fetch's session: the follower's next fetch is a full one.
fn session_error(
    to: NodeId,
    correlation: u64,
    session_id: u32,
    error: ErrorCode,
    out: &mut Effects,
) {
    out.sends.push((
        to,
        Message::PartitionFetchResponse(PartitionFetchResponse {
            correlation,
            error: Some(error),
            session_id,
            partitions: Vec::new(),
        }),
    ));
}
