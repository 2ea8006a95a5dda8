//! Pull replication: Fetch with (fetch offset, last fetched epoch), long polling, DivergingEpoch
//! truncation, the high watermark, applying committed records, snapshots and FetchSnapshot.

use crate::protocol::config::Config;
use crate::protocol::event::TraceKind;
use crate::protocol::event::TruncateReason;
use crate::protocol::log::Snapshot;
use crate::protocol::message::{
    ErrorCode, FetchBody, FetchRequest, FetchResponse, FetchSnapshotRequest, FetchSnapshotResponse,
    Message,
};
use crate::protocol::metadata::Image;
use crate::protocol::node::{Effects, Node, ParkedFetch, Slot};
use crate::protocol::record::Record;
use crate::protocol::record_size::{image_bytes, image_records, record_bytes};
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use std::collections::BTreeSet;

impl Node {
    // ----- fetcher side (followers and observers) -----

    /// Where this node fetches from: its leader, or (observer without one) the next bootstrap server.
    fn fetch_target(&self) -> Option<NodeId> {
        match self.role {
            Role::Follower => self.leader_id(),
            Role::Observer => self.leader_id().or_else(|| {
                let servers = &self.quorum.servers;
                let n = servers.len();
                (n > 0).then(|| servers[self.fetch.bootstrap_index % n])
            }),
            _ => None,
        }
    }

    pub(crate) fn send_fetch(&mut self, now: Time, out: &mut Effects) {
        let Some(target) = self.fetch_target() else {
            return;
        };
        let correlation = self.correlation();
        self.fetch.inflight = Some(correlation);
        let msg = match self.fetch.snapshot {
            Some((id, position)) => Message::FetchSnapshot(FetchSnapshotRequest {
                correlation,
                epoch: self.epoch(),
                replica: self.id,
                id,
                position,
            }),
            None => {
                let (last_fetched_epoch, fetch_offset) = self.durable.log.last_id();
                Message::Fetch(FetchRequest {
                    correlation,
                    epoch: self.epoch(),
                    replica: self.id,
                    fetch_offset,
                    last_fetched_epoch,
                    high_watermark: self.hw,
                    replica_directory_id: self.durable.directory_id,
                })
            }
        };
        out.sends.push((target, msg));
        // A long poll is answered within fetch_max_wait; past the request timeout, ask again.
        self.set_timer(Slot::FetchRetry, now + self.cfg.request_timeout_ms, out);
    }

    /// Fetches the metadata log as an observer (a broker's broker role starts beside it, in
    /// `Node::start`: a combined node leaving the voters keeps its broker running).
    pub(crate) fn start_observer(&mut self, now: Time, out: &mut Effects) {
        self.set_timer(Slot::FetchTimeout, now + self.cfg.fetch_timeout_ms, out);
        self.send_fetch(now, out);
    }

    /// An observer that hears nothing from its leader goes back to the bootstrap servers.
    pub(crate) fn on_observer_fetch_timeout(&mut self, now: Time, out: &mut Effects) {
        self.durable.quorum.leader = None;
        self.fetch.bootstrap_index += 1;
        self.fetch.inflight = None;
        self.set_timer(Slot::FetchTimeout, now + self.cfg.fetch_timeout_ms, out);
        self.send_fetch(now, out);
    }

    fn fetch_succeeded(&mut self, now: Time, out: &mut Effects) {
        self.set_timer(Slot::FetchTimeout, now + self.cfg.fetch_timeout_ms, out);
        if self.role == Role::Follower {
            self.fetch.has_fetched = true;
        }
    }

    /// The common start of handling a Fetch or FetchSnapshot answer: only the one in flight counts
    /// (not a duplicate or one given up on), a newer epoch is taken first, and only fetchers go on.
    fn accept_fetch_answer(
        &mut self,
        now: Time,
        correlation: u64,
        epoch: Epoch,
        leader: Option<NodeId>,
        out: &mut Effects,
    ) -> bool {
        if self.fetch.inflight != Some(correlation) {
            return false;
        }
        self.fetch.inflight = None;
        self.clear_timer(Slot::FetchRetry);
        if self.observe_epoch(now, epoch, leader, out) {
            return false;
        }
        matches!(self.role, Role::Follower | Role::Observer)
    }

    pub(crate) fn on_fetch_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &FetchResponse,
        out: &mut Effects,
    ) {
        if !self.accept_fetch_answer(now, resp.correlation, resp.epoch, resp.leader, out) {
            return;
        }
        if resp.epoch < self.epoch() {
            // A replica behind on epochs answered (UNKNOWN_LEADER_EPOCH): ask again shortly; an
            // observer still looking for the leader tries the next bootstrap server.
            if self.role == Role::Observer && self.leader_id().is_none() {
                self.fetch.bootstrap_index += 1;
            }
            self.set_timer(Slot::FetchRetry, now + self.cfg.retry_backoff_ms, out);
            return;
        }
        match &resp.body {
            FetchBody::Error { .. } => {
                if self.role == Role::Observer && resp.leader.is_none() {
                    self.fetch.bootstrap_index += 1;
                }
                if self.role == Role::Observer && resp.leader.is_some() && resp.leader != Some(from)
                {
                    // Redirected: go to the named leader at once.
                    self.send_fetch(now, out);
                } else {
                    self.set_timer(Slot::FetchRetry, now + self.cfg.fetch_max_wait_ms, out);
                }
            }
            FetchBody::Records {
                entries,
                high_watermark,
            } => {
                if self.role == Role::Observer && self.leader_id().is_none() {
                    self.durable.quorum.leader = resp.leader;
                }
                let leo = self.durable.log.end_offset();
                if entries.first().is_some_and(|e| e.offset != leo) {
                    self.send_fetch(now, out); // stale: our log moved meanwhile
                    return;
                }
                if let Some(first) = entries.first() {
                    let (count, epoch) = (entries.len() as u64, first.epoch);
                    let mut voters_changed = false;
                    for e in entries {
                        voters_changed |= self.voter_history.appended(e.offset, &e.record);
                        self.durable.log.append_shared(e.clone());
                    }
                    out.trace.push(TraceKind::Append {
                        node: self.id,
                        first: first.offset,
                        count,
                        epoch,
                        kind: "fetched",
                    });
                    if voters_changed {
                        self.voters_changed(now, out);
                        if !matches!(self.role, Role::Follower | Role::Observer) {
                            return;
                        }
                    }
                }
                self.fetch_succeeded(now, out);
                if let Some(h) = high_watermark {
                    let h = (*h).min(self.durable.log.end_offset());
                    self.raise_hw(now, h, out);
                }
                self.send_fetch(now, out);
            }
            FetchBody::DivergingEpoch { epoch, end_offset } => {
                let (_, own_end) = self.durable.log.end_offset_for_epoch(*epoch);
                let to = (*end_offset).min(own_end);
                self.truncate(now, to, TruncateReason::DivergingEpoch, out);
                self.fetch_succeeded(now, out);
                self.send_fetch(now, out);
            }
            FetchBody::SnapshotId { id } => {
                self.fetch.snapshot = Some((*id, 0));
                self.fetch_succeeded(now, out);
                self.send_fetch(now, out);
            }
        }
    }

    pub(crate) fn truncate(
        &mut self,
        now: Time,
        to: Offset,
        reason: TruncateReason,
        out: &mut Effects,
    ) {
        let first_removed_epoch = self.durable.log.epoch_at(to).unwrap_or(0);
        let removed = self.durable.log.truncate_to(to);
        if removed > 0 {
            out.trace.push(TraceKind::Truncate {
                node: self.id,
                to: to.max(self.durable.log.start_offset()),
                removed: removed as u64,
                first_removed_epoch,
                reason,
            });
        }
        // A VotersRecord cut away no longer counts: the set before it is in force again.
        if self.voter_history.truncated(self.durable.log.end_offset()) {
            self.voters_changed(now, out);
        }
    }

    pub(crate) fn on_fetch_snapshot_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &FetchSnapshotResponse,
        out: &mut Effects,
    ) {
        if !self.accept_fetch_answer(now, resp.correlation, resp.epoch, resp.leader, out) {
            return;
        }
        let Some((id, position)) = self.fetch.snapshot else {
            return;
        };
        if resp.error.is_some() || resp.id != id || resp.position != position {
            // The snapshot is gone (a newer one replaced it): fetch again to learn the new id.
            self.fetch.snapshot = None;
            self.set_timer(Slot::FetchRetry, now + self.cfg.retry_backoff_ms, out);
            return;
        }
        self.fetch_succeeded(now, out);
        let got = position + resp.chunk;
        if got < resp.size {
            self.fetch.snapshot = Some((id, got));
            self.send_fetch(now, out);
            return;
        }
        let Some(image) = resp.image.as_deref() else {
            self.fetch.snapshot = None;
            self.send_fetch(now, out);
            return;
        };
        // The cut-over: image replaced, log reset to start at the snapshot's end.
        self.fetch.snapshot = None;
        self.durable.log.reset_to_snapshot(Snapshot {
            id,
            image: image.clone(),
        });
        self.image = image.clone();
        self.since_snapshot = 0;
        self.since_snapshot_bytes = 0;
        let base = match &image.voters {
            Some(v) => v.as_slice().into(),
            None => self.quorum.voters.clone(),
        };
        self.voter_history.reset(base);
        out.trace.push(TraceKind::SnapshotLoaded {
            node: self.id,
            id,
            from,
        });
        out.trace.push(TraceKind::LogStartMoved {
            node: self.id,
            offset: id.end_offset,
        });
        self.raise_hw(now, id.end_offset, out);
        self.sync_partitions(now, out);
        self.voters_changed(now, out);
        if matches!(self.role, Role::Follower | Role::Observer) {
            self.send_fetch(now, out);
        }
    }

    /// Moves this node's known HW up (never down) and applies what became committed.
    pub(crate) fn raise_hw(&mut self, now: Time, hw: Offset, out: &mut Effects) {
        if self.hw.is_some_and(|h| h >= hw) {
            return;
        }
        self.hw = Some(hw);
        out.trace
            .push(TraceKind::HighWatermark { node: self.id, hw });
        self.apply_committed(now, out);
    }

    /// Applies committed entries to the image in order, then snapshots if enough piled up.
    pub(crate) fn apply_committed(&mut self, now: Time, out: &mut Effects) {
        let Some(hw) = self.hw else { return };
        let log = &self.durable.log;
        // What changes: some partitions, or (a snapshot, a broker or topic record) possibly any.
        let mut changed = Some(BTreeSet::new());
        if self.image.applied_offset < log.start_offset() {
            if let Some(s) = log.latest_snapshot() {
                self.image = s.image.clone();
                changed = None;
            }
        }
        let applied_before = self.image.applied_offset;
        while self.image.applied_offset < hw {
            // Shared, not copied: a copy allocates its replica lists for every record.
            let Some(entry) = self.durable.log.shared_entry(self.image.applied_offset) else {
                break;
            };
            let entry = std::rc::Rc::clone(entry);
            self.image.apply(&entry);
            self.since_snapshot += 1;
            self.since_snapshot_bytes += record_bytes(&entry.record);
            match &entry.record {
                r @ (Record::Partition { .. } | Record::PartitionChange { .. }) => {
                    if let (Some(keys), Some(key)) = (changed.as_mut(), r.partition_key()) {
                        keys.insert(key);
                    }
                }
                Record::Client
                | Record::LeaderChange { .. }
                | Record::NoOp
                | Record::KRaftVersion { .. }
                | Record::Voters { .. } => {}
                Record::RegisterBroker { .. }
                | Record::BrokerRegistrationChange { .. }
                | Record::Topic { .. } => changed = None,
            }
            self.on_record_applied(now, &entry, out);
        }
        if self.image.applied_offset != applied_before {
            self.sync_partitions_of(now, changed.as_ref(), out);
        }
        self.maybe_snapshot(now, out);
    }

    /// Kafka's SnapshotGenerator: a snapshot once enough was committed since the last one.
    fn snapshot_due(&self) -> bool {
        if let Some(every) = self.cfg.snapshot_every_records {
            return every > 0 && self.since_snapshot >= every;
        }
        let budget = self.cfg.snapshot_every_bytes;
        // Only then is the image worth weighing (one step per topic).
        budget > 0
            && self.since_snapshot_bytes >= budget
            && self.since_snapshot_bytes >= image_bytes(&self.image)
    }

    fn maybe_snapshot(&mut self, now: Time, out: &mut Effects) {
        if !self.snapshot_due() {
            return;
        }
        let end = self.image.applied_offset;
        let Some(epoch) = self.durable.log.epoch_at(end.wrapping_sub(1)) else {
            return;
        };
        let id = SnapshotId {
            end_offset: end,
            epoch,
        };
        self.since_snapshot = 0;
        self.since_snapshot_bytes = 0;
        self.durable.log.add_snapshot(Snapshot {
            id,
            image: self.image.clone(),
        });
        out.trace
            .push(TraceKind::SnapshotTaken { node: self.id, id });
        let keep_from = self.snapshot_being_downloaded(now);
        if let Some(start) = self
            .durable
            .log
            .clean(self.cfg.metadata_max_retention_records, keep_from)
        {
            out.trace.push(TraceKind::LogStartMoved {
                node: self.id,
                offset: start,
            });
        }
    }

    /// The end of the oldest snapshot a follower is downloading from this leader (it asked for
    /// a chunk within the fetch timeout). Kafka keeps snapshots until its retention (100 MiB,
    /// `metadata.max.retention.bytes`) deletes them, far longer than a download takes; here the
    /// log is cleaned at every snapshot, so a download would be cut off by the next snapshot
    /// and start over for ever.
    fn snapshot_being_downloaded(&self, now: Time) -> Option<Offset> {
        let l = self.leader.as_ref()?;
        let fresh = |at: Time| now.saturating_sub(at) <= self.cfg.fetch_timeout_ms;
        l.progress
            .values()
            .filter_map(|p| p.snapshot_download)
            .filter(|(_, at)| fresh(*at))
            .map(|(id, _)| id.end_offset)
            .min()
    }

    // ----- leader side -----

    fn fetch_error(&self, correlation: u64, error: ErrorCode) -> Message {
        Message::FetchResponse(FetchResponse {
            correlation,
            epoch: self.epoch(),
            leader: self.leader_id(),
            body: FetchBody::Error { error },
        })
    }

    pub(crate) fn on_fetch_request(
        &mut self,
        now: Time,
        from: NodeId,
        req: &FetchRequest,
        out: &mut Effects,
    ) {
        if req.epoch > self.epoch() {
            // Fetch is a leader-only request: one from a newer epoch cannot be for us, and it
            // changes nothing here (Kafka answers UNKNOWN_LEADER_EPOCH; we learn the new epoch
            // from other traffic).
            out.sends.push((
                from,
                self.fetch_error(req.correlation, ErrorCode::UnknownLeaderEpoch),
            ));
            return;
        }
        if req.epoch < self.epoch() {
            out.sends.push((
                from,
                self.fetch_error(req.correlation, ErrorCode::FencedLeaderEpoch),
            ));
            return;
        }
        if self.role != Role::Leader {
            out.sends.push((
                from,
                self.fetch_error(req.correlation, ErrorCode::NotLeaderOrFollower),
            ));
            return;
        }
        let log = &self.durable.log;
        let start = log.start_offset();
        let start_epoch = if start > 0 {
            log.epoch_at(start - 1).unwrap_or(0)
        } else {
            0
        };
        let below_start = start > 0
            && (req.fetch_offset < start
                || (req.fetch_offset == start && req.last_fetched_epoch != start_epoch)
                || req.last_fetched_epoch < start_epoch);
        if below_start {
            if let Some(s) = log.latest_snapshot() {
                let body = FetchBody::SnapshotId { id: s.id };
                self.respond(from, req.correlation, body, out);
                return;
            }
        }
        if req.fetch_offset > 0 || req.last_fetched_epoch > 0 {
            let (epoch, end_offset) = log.end_offset_for_epoch(req.last_fetched_epoch);
            if epoch != req.last_fetched_epoch || end_offset < req.fetch_offset {
                self.respond(
                    from,
                    req.correlation,
                    FetchBody::DivergingEpoch { epoch, end_offset },
                    out,
                );
                return;
            }
        }
        // A valid fetch: the leader's only source of progress and liveness. It counts for a
        // voter only from the voter's own disk (KIP-853's replica key).
        let dir = req.replica_directory_id;
        let is_voter = self.voter_keys.iter().any(|v| v.is(from, dir));
        if let Some(l) = self.leader.as_mut() {
            let p = l.progress.entry(from).or_default();
            p.end_offset = Some(req.fetch_offset);
            p.last_fetch = Some(now);
            p.directory_id = Some(dir);
            p.snapshot_download = None;
        }
        if is_voter {
            self.note_voter_fetch(now, from, out);
            self.maybe_advance_hw(now, out);
        }
        if self.role != Role::Leader {
            return;
        }
        let leo = self.durable.log.end_offset();
        if req.fetch_offset < leo || req.high_watermark != self.hw {
            self.respond_records(from, req, out);
        } else {
            let deadline = now + self.cfg.fetch_max_wait_ms;
            if let Some(l) = self.leader.as_mut() {
                l.parked.retain(|p| p.from != from);
                l.parked.push(ParkedFetch {
                    from,
                    req: req.clone(),
                    deadline,
                });
            }
            self.set_timer(Slot::LongPoll, deadline, out);
        }
    }

    fn respond(&self, to: NodeId, correlation: u64, body: FetchBody, out: &mut Effects) {
        out.sends.push((
            to,
            Message::FetchResponse(FetchResponse {
                correlation,
                epoch: self.epoch(),
                leader: Some(self.id),
                body,
            }),
        ));
    }

    fn respond_records(&self, to: NodeId, req: &FetchRequest, out: &mut Effects) {
        let log = &self.durable.log;
        let end = log
            .end_offset()
            .min(req.fetch_offset + self.cfg.fetch_max_records);
        let entries = (req.fetch_offset..end)
            .filter_map(|o| log.shared_entry(o).cloned())
            .collect();
        self.respond(
            to,
            req.correlation,
            FetchBody::Records {
                entries,
                high_watermark: self.hw,
            },
            out,
        );
    }

    /// New entries or a new HW: answer every long-polled fetch now.
    fn complete_parked(&mut self, out: &mut Effects) {
        let Some(l) = self.leader.as_mut() else {
            return;
        };
        let parked = std::mem::take(&mut l.parked);
        for p in &parked {
            self.respond_records(p.from, &p.req, out);
        }
    }

    pub(crate) fn answer_parked_with_error(&mut self, out: &mut Effects) {
        let Some(l) = self.leader.as_mut() else {
            return;
        };
        let parked = std::mem::take(&mut l.parked);
        for p in &parked {
            out.sends.push((
                p.from,
                self.fetch_error(p.req.correlation, ErrorCode::NotLeaderOrFollower),
            ));
        }
    }

    pub(crate) fn on_long_poll_timer(&mut self, now: Time, out: &mut Effects) {
        let Some(l) = self.leader.as_mut() else {
            return;
        };
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut l.parked)
            .into_iter()
            .partition(|p| p.deadline <= now);
        let next = rest.iter().map(|p| p.deadline).min();
        l.parked = rest;
        for p in &due {
            self.respond_records(p.from, &p.req, out);
        }
        if let Some(at) = next {
            self.set_timer(Slot::LongPoll, at, out);
        }
    }

    pub(crate) fn on_leader_log_grew(&mut self, now: Time, out: &mut Effects) {
        self.maybe_advance_hw(now, out);
        self.complete_parked(out);
    }

    /// The HW is the offset a majority of voters reached, and moves only once that passes the
    /// start of the leader's own epoch (unless the unsafe switch says otherwise: Raft Figure 8).
    pub(crate) fn maybe_advance_hw(&mut self, now: Time, out: &mut Effects) {
        let Some(l) = self.leader.as_ref() else {
            return;
        };
        let leo = self.durable.log.end_offset();
        let me = self.is_voter().then_some(self.id);
        let candidate = l.majority_end(&self.voter_keys, me, leo);
        let allowed = if self.cfg.unsafe_commit_previous_epoch {
            candidate > 0
        } else {
            candidate > l.epoch_start
        };
        if allowed && self.hw.is_none_or(|h| candidate > h) {
            self.raise_hw(now, candidate, out);
            self.complete_parked(out);
            self.on_leader_hw_moved(now, out);
            self.voter_change_maybe_committed(now, out);
        }
    }

    pub(crate) fn on_fetch_snapshot_request(
        &mut self,
        now: Time,
        from: NodeId,
        req: &FetchSnapshotRequest,
        out: &mut Effects,
    ) {
        let mut resp = FetchSnapshotResponse {
            correlation: req.correlation,
            epoch: self.epoch(),
            leader: self.leader_id(),
            id: req.id,
            position: req.position,
            size: 0,
            chunk: 0,
            image: None,
            error: None,
        };
        let snapshot = self.durable.log.snapshots().find(|s| s.id == req.id);
        // Kafka's validateLeaderOnlyRequest: the epoch first (older: fenced; newer: we are
        // behind), then whether we lead at all, then the snapshot itself.
        match (self.role, snapshot) {
            _ if req.epoch < self.epoch() => resp.error = Some(ErrorCode::FencedLeaderEpoch),
            _ if req.epoch > self.epoch() => resp.error = Some(ErrorCode::UnknownLeaderEpoch),
            (Role::Leader, Some(s)) => {
                resp.size = chunks(&s.image, &self.cfg);
                resp.chunk = 1;
                if req.position + 1 >= resp.size {
                    resp.image = Some(Box::new(s.image.clone()));
                }
            }
            (Role::Leader, None) => resp.error = Some(ErrorCode::SnapshotNotFound),
            _ => resp.error = Some(ErrorCode::NotLeaderOrFollower),
        }
        // Kafka's updateCheckQuorumForFollowingVoter: a voter downloading a snapshot is alive and
        // following, so a leader whose majority is busy downloading does not resign.
        if resp.error.is_none() && self.voters.contains(&from) {
            self.note_voter_fetch(now, from, out);
        }
        if resp.error.is_none() {
            if let Some(l) = self.leader.as_mut() {
                let done = resp.image.is_some();
                l.progress.entry(from).or_default().snapshot_download =
                    (!done).then_some((req.id, now));
            }
        }
        out.sends.push((from, Message::FetchSnapshotResponse(resp)));
    }
}

/// How many FetchSnapshot chunks a snapshot of `image` takes: at most `snapshot_chunk_bytes`
/// each and, when the teaching knob is set, at most `snapshot_chunk_records` records each.
fn chunks(image: &Image, cfg: &Config) -> u64 {
    let by_bytes = image_bytes(image).div_ceil(cfg.snapshot_chunk_bytes.max(1));
    let by_records = match cfg.snapshot_chunk_records {
        0 => 1,
        n => image_records(image).div_ceil(n),
    };
    by_bytes.max(by_records).max(1)
}
