//! The active controller (KIP-631): the quorum leader, once it has replayed up to its own epoch's
//! start, writes the cluster's metadata: broker registrations, fencing, topics and partition
//! leadership, and a NoOp when idle so the HW keeps moving.

use crate::protocol::error::{AssignmentProblem, CommandError};
use crate::protocol::event::FenceReason;
use crate::protocol::event::TraceKind;
use crate::protocol::message::{
    BrokerRegistrationRequest, BrokerRegistrationResponse, ErrorCode, HeartbeatRequest,
    HeartbeatResponse, Message,
};
use crate::protocol::metadata::{Image, PartitionState, TopicState};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::partition_election::{change, ChangeRules, Election, PartitionChange};
use crate::protocol::record::{Entry, PartitionChangeRecord, Record, TopicConfig};
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Offset, Time};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

// The active controller's state is a plain type of its own file; its old path still names it.
pub use crate::protocol::controller_state::ActiveController;

/// What `create_topic` is asked for (the scenario step's and the UI's topic).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// One broker list per partition, first = preferred leader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<Vec<NodeId>>>,
    #[serde(default, skip_serializing_if = "TopicConfig::is_empty")]
    pub config: TopicConfig,
}

/// Kafka's default placement: a seeded start broker, then round robin over `brokers` (the
/// unfenced ones in KRaft, the registered ones in ZooKeeper mode).
pub(crate) fn spread_replicas(
    brokers: &[NodeId],
    spec: &TopicSpec,
    rng: &mut rand::rngs::Xoshiro256PlusPlus,
) -> Result<Vec<Vec<NodeId>>, CommandError> {
    let rf = spec.replication_factor;
    if rf == 0 || rf as usize > brokers.len() {
        return Err(CommandError::ReplicationFactor {
            wanted: rf,
            unfenced: brokers.len(),
        });
    }
    if spec.partitions == 0 {
        return Err(CommandError::NoPartitions);
    }
    let n = brokers.len();
    let start = rng.random_range(0..n);
    Ok((0..spec.partitions as usize)
        .map(|p| {
            (0..rf as usize)
                .map(|j| brokers[(start + p + j) % n])
                .collect()
        })
        .collect())
}

/// Kafka's checks of a manual assignment (`validateManualPartitionAssignment`).
fn check_assignments(a: &[Vec<NodeId>], image: &Image) -> Result<Vec<Vec<NodeId>>, CommandError> {
    let bad = |why| Err(CommandError::BadAssignment(why));
    let Some(rf) = a.first().map(Vec::len) else {
        return Err(CommandError::NoPartitions);
    };
    if rf == 0 || a.iter().any(|r| r.len() != rf) {
        return bad(AssignmentProblem::Shape);
    }
    for (p, replicas) in a.iter().enumerate() {
        let partition = p as u32;
        for (i, b) in replicas.iter().enumerate() {
            if replicas[..i].contains(b) {
                return bad(AssignmentProblem::Duplicate {
                    partition,
                    broker: *b,
                });
            }
            if !image.brokers.contains_key(b) {
                return bad(AssignmentProblem::UnknownBroker {
                    partition,
                    broker: *b,
                });
            }
        }
        if !replicas.iter().any(|b| image.is_unfenced(*b)) {
            return bad(AssignmentProblem::AllFenced { partition });
        }
    }
    Ok(a.to_vec())
}

/// `list` without `b`.
fn without(list: &[NodeId], b: NodeId) -> Vec<NodeId> {
    list.iter().copied().filter(|x| *x != b).collect()
}

impl Node {
    /// Called when the leader's HW moves: activate once past the epoch start, answer registrations.
    pub(crate) fn on_leader_hw_moved(&mut self, now: Time, out: &mut Effects) {
        let hw = self.hw.unwrap_or(0);
        let epoch_start = self.leader.as_ref().map_or(u64::MAX, |l| l.epoch_start);
        if self.controller.is_none() && self.kind.runs_controller() && hw > epoch_start {
            let sessions = self.image.brokers.keys().map(|b| (*b, now)).collect();
            self.controller = Some(ActiveController {
                sessions,
                last_write: now,
                next_noop: now + self.cfg.metadata_max_idle_interval_ms,
                next_rebalance: now + self.cfg.leader_imbalance_check_interval_ms,
                awaiting_commit: Vec::new(),
                pending: None,
            });
            self.schedule_controller_tick(out);
        }
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let (done, rest): (Vec<_>, Vec<_>) =
            c.awaiting_commit.drain(..).partition(|(o, _, _)| *o < hw);
        c.awaiting_commit = rest;
        for (_, to, reply) in done {
            out.sends.push((to, reply));
        }
    }

    /// Holds `reply` until the record at `offset` commits (Kafka answers a write only then).
    /// A lone controller commits as it appends: then the answer goes at once (held, it would
    /// wait for the next HW move, half a second later).
    pub(crate) fn await_commit(
        &mut self,
        offset: Offset,
        to: NodeId,
        reply: Message,
        out: &mut Effects,
    ) {
        if self.hw.is_some_and(|hw| offset < hw) {
            out.sends.push((to, reply));
        } else if let Some(c) = self.controller.as_mut() {
            c.awaiting_commit.push((offset, to, reply));
        }
    }

    /// The controller wakes for the next NoOp and at the next session expiry, exactly then.
    fn schedule_controller_tick(&mut self, out: &mut Effects) {
        let Some(c) = self.controller.as_ref() else {
            return;
        };
        let timeout = self.cfg.broker_session_timeout_ms;
        let expiry = self
            .pending_view()
            .brokers
            .values()
            .filter(|b| !b.fenced)
            .filter_map(|b| c.sessions.get(&b.id).map(|t| t + timeout))
            .min();
        let noop = (self.cfg.metadata_max_idle_interval_ms > 0).then_some(c.next_noop);
        let rebalance = self.cfg.auto_leader_rebalance.then_some(c.next_rebalance);
        if let Some(at) = [expiry, noop, rebalance].into_iter().flatten().min() {
            self.set_timer(Slot::ControllerTick, at, out);
        }
    }

    /// The controller's view including its own uncommitted writes (Kafka's in-memory state).
    pub fn pending_image(&self) -> Image {
        self.pending_view().into_owned()
    }

    /// The process is gone: what it kept only to go faster goes with it (the active controller's
    /// pending image is a whole second image; a node that is down never reads it, and a restart
    /// starts a new process anyway).
    pub(crate) fn drop_caches(&mut self) {
        if let Some(c) = self.controller.as_mut() {
            c.pending = None;
        }
    }

    /// The same, borrowed when nothing is uncommitted (most of the time: heartbeats and ticks
    /// read it, and a copy of every topic each time was a tenth of the data plane's run).
    pub fn pending_view(&self) -> Cow<'_, Image> {
        let log = &self.durable.log;
        let from = self.image.applied_offset.max(log.start_offset());
        if from >= log.end_offset() {
            return Cow::Borrowed(&self.image);
        }
        let kept = self.controller.as_ref().and_then(|c| c.pending.as_ref());
        if let Some(p) = kept.filter(|p| p.applied_offset == log.end_offset()) {
            return Cow::Borrowed(p);
        }
        let mut image = self.image.clone();
        for o in from..log.end_offset() {
            if let Some(e) = log.entry(o) {
                image.apply(e);
            }
        }
        Cow::Owned(image)
    }

    fn controller_append(&mut self, now: Time, record: Record, out: &mut Effects) -> Offset {
        let offset = self.durable.log.end_offset();
        if let Some(c) = self.controller.as_mut() {
            c.last_write = now;
        }
        self.leader_append(now, record, out);
        self.extend_pending();
        offset
    }

    /// Brings the kept pending image up to the log end. It stays right while the committed image
    /// catches up (applying the same records in the same order gives the same image); one that
    /// is behind what is committed, or past the log end, is rebuilt from the committed image.
    fn extend_pending(&mut self) {
        let log = &self.durable.log;
        let (start, end) = (log.start_offset(), log.end_offset());
        let from = self.image.applied_offset.max(start);
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let usable = c
            .pending
            .as_ref()
            .is_some_and(|p| p.applied_offset >= from && p.applied_offset <= end);
        if !usable {
            c.pending = Some(self.image.clone());
        }
        let Some(p) = c.pending.as_mut() else {
            return;
        };
        for o in p.applied_offset.max(from)..end {
            if let Some(e) = log.entry(o) {
                p.apply(e);
            }
        }
    }

    pub(crate) fn on_controller_tick(&mut self, now: Time, out: &mut Effects) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        // Kafka's periodic NoOp: every interval, whether or not other records were written.
        let idle = self.cfg.metadata_max_idle_interval_ms;
        if idle > 0 && now >= c.next_noop {
            c.next_noop = now + idle;
            self.controller_append(now, Record::NoOp, out);
        }
        if let Some(c) = self.controller.as_mut() {
            if self.cfg.auto_leader_rebalance && now >= c.next_rebalance {
                c.next_rebalance = now + self.cfg.leader_imbalance_check_interval_ms;
                self.rebalance_leaders(now, out);
            }
        }
        // Every session that has expired by now is fenced, back to back.
        let timeout = self.cfg.broker_session_timeout_ms;
        loop {
            let expired = self.controller.as_ref().and_then(|c| {
                self.pending_view()
                    .brokers
                    .values()
                    .find(|b| !b.fenced && c.sessions.get(&b.id).is_none_or(|t| now >= t + timeout))
                    .map(|b| b.id)
            });
            let Some(broker) = expired else {
                break;
            };
            let pending = self.pending_image();
            self.fence_broker(now, broker, &pending, out);
        }
        self.schedule_controller_tick(out);
    }

    fn fence_broker(&mut self, now: Time, broker: NodeId, pending: &Image, out: &mut Effects) {
        self.controller_append(
            now,
            Record::BrokerRegistrationChange {
                broker,
                fenced: true,
            },
            out,
        );
        // Kafka's handleBrokerFenced: the broker leaves every ISR and may not lead.
        let may_lead = |r: NodeId| r != broker && pending.is_unfenced(r);
        self.change_partitions(now, pending, out, |p| {
            p.isr
                .contains(&broker)
                .then(|| (without(&p.isr, broker), may_lead, None, Election::Online))
        });
    }

    /// Kafka's handleBrokerInControlledShutdown: the broker leaves every ISR it is in (its
    /// leaderships go to the next eligible replica) without being fenced yet.
    fn move_off_broker(&mut self, now: Time, broker: NodeId, pending: &Image, out: &mut Effects) {
        let may_lead = |r: NodeId| r != broker && pending.is_unfenced(r);
        self.change_partitions(now, pending, out, |p| {
            (p.isr.contains(&broker) || p.leader == Some(broker))
                .then(|| (without(&p.isr, broker), may_lead, None, Election::Online))
        });
    }

    fn unfence_broker(&mut self, now: Time, broker: NodeId, pending: &Image, out: &mut Effects) {
        self.controller_append(
            now,
            Record::BrokerRegistrationChange {
                broker,
                fenced: false,
            },
            out,
        );
        // Kafka's handleBrokerUnfenced: every leaderless partition may now find a leader.
        let may_lead = |r: NodeId| r == broker || pending.is_unfenced(r);
        self.change_partitions(now, pending, out, |p| {
            p.leader
                .is_none()
                .then(|| (p.isr.clone(), may_lead, None, Election::Online))
        });
    }

    /// A broker registered again after an unclean shutdown (KIP-966: a crash or a power loss,
    /// no clean shutdown file): it may have lost records it had not flushed, so it leaves every
    /// ISR and ELR.
    fn after_unclean_restart(&mut self, now: Time, broker: NodeId, out: &mut Effects) {
        if !self.cfg.eligible_leader_replicas {
            return;
        }
        let pending = self.pending_image();
        let may_lead = |r: NodeId| r != broker && pending.is_unfenced(r);
        self.change_partitions(now, &pending, out, |p| {
            (p.isr.contains(&broker) || p.elr.contains(&broker)).then(|| {
                (
                    without(&p.isr, broker),
                    may_lead,
                    Some(broker),
                    Election::Online,
                )
            })
        });
    }

    /// The rules a change of this topic's partitions follows: the cluster's settings, overridden
    /// by the topic's own.
    pub(crate) fn change_rules(&self, topic: &TopicState, p: &PartitionState) -> ChangeRules {
        let min_isr = topic
            .config
            .min_insync_replicas
            .unwrap_or(self.cfg.min_insync_replicas) as usize;
        ChangeRules {
            min_isr: min_isr.min(p.replicas.len()),
            elr: self.cfg.eligible_leader_replicas,
            unclean: topic
                .config
                .unclean_leader_election
                .unwrap_or(self.cfg.unclean_leader_election),
        }
    }

    /// Writes one PartitionChange for every partition whose `ask` returns a target (ISR, who may
    /// lead, the broker back from an unclean restart, the election) that changes it.
    fn change_partitions<F: Fn(NodeId) -> bool>(
        &mut self,
        now: Time,
        pending: &Image,
        out: &mut Effects,
        ask: impl Fn(&PartitionState) -> Option<(Vec<NodeId>, F, Option<NodeId>, Election)>,
    ) {
        for t in pending.topics.values() {
            for p in &t.partitions {
                let Some((isr, may_lead, restart, election)) = ask(p) else {
                    continue;
                };
                let rules = self.change_rules(t, p);
                if let Some(c) = change(p, isr, may_lead, restart, election, rules) {
                    self.write_change(now, t.topic_id, p.partition, c, out);
                }
            }
        }
    }

    pub(crate) fn write_change(
        &mut self,
        now: Time,
        topic_id: u32,
        partition: u32,
        c: PartitionChange,
        out: &mut Effects,
    ) -> Offset {
        let record = Record::PartitionChange(Box::new(PartitionChangeRecord {
            topic_id,
            partition,
            isr: c.isr,
            elr: c.elr,
            leader: c.leader,
            last_known_leader: c.last_known_leader,
            recovering: c.recovering,
        }));
        self.controller_append(now, record, out)
    }

    /// An admin's preferred-leader election (Kafka's ElectLeaders, PREFERRED): leadership moves
    /// to the first replica if it is in the ISR and unfenced; otherwise nothing changes.
    pub fn elect_preferred(
        &mut self,
        now: Time,
        topic: &str,
        partition: u32,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        if self.controller.is_none() {
            return Err(CommandError::NotActiveController(self.id));
        }
        let pending = self.pending_image();
        let (t, p) = pending
            .topic_by_name(topic)
            .and_then(|t| Some((t, t.partition(partition)?)))
            .ok_or_else(|| CommandError::UnknownPartition(topic.to_string(), partition))?;
        self.elect_preferred_in(now, &pending, t, p, out);
        Ok(())
    }

    fn elect_preferred_in(
        &mut self,
        now: Time,
        pending: &Image,
        t: &TopicState,
        p: &PartitionState,
        out: &mut Effects,
    ) -> bool {
        if p.leader == p.preferred_leader() {
            return false;
        }
        let rules = self.change_rules(t, p);
        let may_lead = |r: NodeId| pending.is_unfenced(r);
        match change(p, p.isr.clone(), may_lead, None, Election::Preferred, rules) {
            Some(c) if c.leader == p.preferred_leader() => {
                self.write_change(now, t.topic_id, p.partition, c, out);
                true
            }
            _ => false,
        }
    }

    /// The periodic rebalance (`auto_leader_rebalance`): every partition whose preferred
    /// replica could lead again gets it back. KRaft's controller has no imbalance ratio to
    /// cross first (`maybeBalancePartitionLeaders`).
    fn rebalance_leaders(&mut self, now: Time, out: &mut Effects) {
        let pending = self.pending_image();
        for t in pending.topics.values() {
            for p in &t.partitions {
                self.elect_preferred_in(now, &pending, t, p, out);
            }
        }
    }

    /// A client write through the quorum leader (`append` in scenarios).
    pub fn client_append(
        &mut self,
        now: Time,
        count: u32,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        if self.role != Role::Leader {
            return Err(CommandError::NotLeader(self.id));
        }
        for _ in 0..count {
            self.leader_append(now, Record::Client, out);
        }
        if let Some(c) = self.controller.as_mut() {
            c.last_write = now;
        }
        Ok(())
    }

    /// Creates a topic. Without `assignments`, the way Kafka spreads replicas: a seeded start
    /// broker, then round robin over the unfenced brokers. With them (the first broker of each
    /// list is the preferred leader), as Kafka checks a manual assignment: the ISR is the
    /// unfenced replicas and the first of them leads.
    pub fn create_topic(
        &mut self,
        now: Time,
        spec: &TopicSpec,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        if self.controller.is_none() {
            return Err(CommandError::NotActiveController(self.id));
        }
        let pending = self.pending_image();
        if pending.topic_by_name(&spec.name).is_some() {
            return Err(CommandError::TopicExists(spec.name.clone()));
        }
        let assignments = match &spec.assignments {
            Some(a) => check_assignments(a, &pending)?,
            None => spread_replicas(&pending.unfenced_brokers(), spec, &mut self.rng)?,
        };
        let topic_id = pending.topics.keys().next_back().map_or(1, |id| id + 1);
        self.controller_append(
            now,
            Record::Topic {
                name: spec.name.clone(),
                topic_id,
                config: spec.config,
            },
            out,
        );
        for (p, replicas) in assignments.into_iter().enumerate() {
            let isr: Vec<NodeId> = replicas
                .iter()
                .copied()
                .filter(|b| pending.is_unfenced(*b))
                .collect();
            let leader = isr.first().copied();
            let record = Record::partition(topic_id, p as u32, replicas, isr, leader);
            self.controller_append(now, record, out);
        }
        Ok(())
    }

    pub(crate) fn on_broker_registration(
        &mut self,
        now: Time,
        from: NodeId,
        req: &BrokerRegistrationRequest,
        out: &mut Effects,
    ) {
        let BrokerRegistrationRequest {
            correlation,
            broker,
            incarnation,
            previous_broker_epoch,
        } = *req;
        if self.controller.is_none() {
            let error = if self.role == Role::Leader {
                ErrorCode::NotController
            } else {
                ErrorCode::NotLeaderOrFollower
            };
            let msg = Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
                correlation,
                epoch: self.epoch(),
                leader: self.leader_id(),
                error: Some(error),
                broker_epoch: None,
            });
            out.sends.push((from, msg));
            return;
        }
        // Kafka's ClusterControlManager: another incarnation of a broker whose session is still
        // alive is refused; once that session expires (and the old one is fenced) it may register.
        let timeout = self.cfg.broker_session_timeout_ms;
        let duplicate = self.pending_view().brokers.get(&broker).is_some_and(|b| {
            b.incarnation != incarnation
                && self
                    .controller
                    .as_ref()
                    .is_some_and(|c| c.sessions.get(&broker).is_some_and(|t| now < t + timeout))
        });
        if duplicate {
            let msg = Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
                correlation,
                epoch: self.epoch(),
                leader: self.leader_id(),
                error: Some(ErrorCode::DuplicateBrokerRegistration),
                broker_epoch: None,
            });
            out.sends.push((from, msg));
            return;
        }
        // Kafka's ClusterControlManager.registerBroker: a new incarnation whose previous broker
        // epoch is not the registered one (no clean shutdown file: a crash, a power loss) had
        // an unclean shutdown, and may have lost records it had not flushed.
        let unclean = self.pending_view().brokers.get(&broker).is_some_and(|b| {
            b.incarnation != incarnation && previous_broker_epoch != Some(b.epoch)
        });
        let offset = self.controller_append(
            now,
            Record::RegisterBroker {
                broker,
                incarnation,
            },
            out,
        );
        if unclean {
            self.after_unclean_restart(now, broker, out);
        }
        let reply = Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
            correlation,
            epoch: self.epoch(),
            leader: Some(self.id),
            error: None,
            broker_epoch: Some(offset),
        });
        if let Some(c) = self.controller.as_mut() {
            c.sessions.insert(broker, now);
        }
        self.await_commit(offset, from, reply, out);
        self.schedule_controller_tick(out);
    }

    pub(crate) fn on_broker_heartbeat(
        &mut self,
        now: Time,
        from: NodeId,
        req: &HeartbeatRequest,
        out: &mut Effects,
    ) {
        let mut resp = HeartbeatResponse {
            correlation: req.correlation,
            epoch: self.epoch(),
            leader: self.leader_id(),
            error: None,
            caught_up: false,
            fenced: true,
            shutdown_ok: false,
        };
        if self.controller.is_none() {
            resp.error = Some(if self.role == Role::Leader {
                ErrorCode::NotController
            } else {
                ErrorCode::NotLeaderOrFollower
            });
            out.sends
                .push((from, Message::BrokerHeartbeatResponse(resp)));
            return;
        }
        let fenced = self
            .pending_view()
            .brokers
            .get(&req.broker)
            .filter(|b| b.epoch == req.broker_epoch)
            .map(|b| b.fenced);
        let Some(fenced) = fenced else {
            resp.error = Some(ErrorCode::StaleBrokerEpoch);
            out.sends
                .push((from, Message::BrokerHeartbeatResponse(resp)));
            return;
        };
        if let Some(c) = self.controller.as_mut() {
            c.sessions.insert(req.broker, now);
        }
        // Caught up once it has applied its own registration record.
        resp.caught_up = req.metadata_offset > req.broker_epoch;
        resp.fenced = fenced;
        let before = self.durable.log.end_offset();
        if req.want_fence && !fenced {
            let pending = self.pending_image();
            self.fence_broker(now, req.broker, &pending, out);
            resp.fenced = true;
        } else if fenced && resp.caught_up && !req.want_fence && !req.want_shutdown {
            let pending = self.pending_image();
            self.unfence_broker(now, req.broker, &pending, out);
            resp.fenced = false;
        }
        if req.want_shutdown {
            // Kafka's controlled shutdown: the broker leaves every ISR and every leadership it
            // can hand over; once it leads nothing it may go, fenced as it goes.
            let pending = self.pending_image();
            self.move_off_broker(now, req.broker, &pending, out);
            let pending = self.pending_image();
            let leads = pending
                .topics
                .values()
                .flat_map(|t| t.partitions.iter())
                .any(|p| p.leader == Some(req.broker));
            resp.shutdown_ok = !leads;
            if resp.shutdown_ok && !fenced {
                self.fence_broker(now, req.broker, &pending, out);
                resp.fenced = true;
            }
        }
        let reply = Message::BrokerHeartbeatResponse(resp);
        let last = self.durable.log.end_offset();
        // A heartbeat that changed the broker's state is answered once that change commits.
        if last > before && self.controller.is_some() {
            self.await_commit(last - 1, from, reply, out);
        } else {
            out.sends.push((from, reply));
        }
        self.schedule_controller_tick(out);
    }

    /// Every node applies committed records; the leader narrates the ones that change the cluster.
    pub(crate) fn on_record_applied(&mut self, _now: Time, entry: &Entry, out: &mut Effects) {
        if self.role != Role::Leader {
            return;
        }
        match &entry.record {
            Record::RegisterBroker { broker, .. } => out.trace.push(TraceKind::BrokerRegistered {
                offset: entry.offset,
                broker: *broker,
                broker_epoch: entry.offset,
            }),
            Record::BrokerRegistrationChange {
                broker,
                fenced: true,
            } => out.trace.push(TraceKind::BrokerFenced {
                offset: entry.offset,
                broker: *broker,
                reason: FenceReason::SessionExpired,
            }),
            Record::BrokerRegistrationChange {
                broker,
                fenced: false,
            } => out.trace.push(TraceKind::BrokerUnfenced {
                offset: entry.offset,
                broker: *broker,
            }),
            r @ (Record::Partition { .. } | Record::PartitionChange { .. }) => {
                let Some((topic_id, partition)) = r.partition_key() else {
                    return;
                };
                let Some(t) = self.image.topics.get(&topic_id) else {
                    return;
                };
                let Some(p) = t.partition(partition) else {
                    return;
                };
                out.trace.push(TraceKind::PartitionChange {
                    offset: entry.offset,
                    topic: t.name.clone(),
                    partition,
                    replicas: p.replicas.as_slice().into(),
                    ineligible: p
                        .replicas
                        .iter()
                        .copied()
                        .filter(|r| !self.image.is_unfenced(*r))
                        .collect(),
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    isr: p.isr.as_slice().into(),
                    elr: p.elr.as_slice().into(),
                    recovering: p.recovering,
                })
            }
            _ => {}
        }
    }
}
