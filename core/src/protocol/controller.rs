//! The active controller (KIP-631): the quorum leader, once it has replayed up to its own epoch's
//! start, writes the cluster's metadata: broker registrations, fencing, topics and partition
//! leadership, and a NoOp when idle so the HW keeps moving.

use crate::protocol::error::CommandError;
use crate::protocol::event::FenceReason;
use crate::protocol::event::TraceKind;
use crate::protocol::message::{
    BrokerRegistrationRequest, BrokerRegistrationResponse, ErrorCode, HeartbeatRequest,
    HeartbeatResponse, Message,
};
use crate::protocol::metadata::Image;
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::record::{Entry, Record};
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Offset, Time};
use rand::RngExt;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct ActiveController {
    /// Last heartbeat (or the activation time: a new controller gives everyone a fresh session).
    pub sessions: BTreeMap<NodeId, Time>,
    /// When this controller last appended a record.
    pub last_write: Time,
    /// When the next NoOp is due (every `metadata_max_idle_interval_ms`, busy or idle).
    next_noop: Time,
    /// Replies that go out once the record they depend on commits: (its offset, to, reply).
    awaiting_commit: Vec<(Offset, NodeId, Message)>,
}

impl Node {
    /// Called when the leader's HW moves: activate once past the epoch start, answer registrations.
    pub(crate) fn on_leader_hw_moved(&mut self, now: Time, out: &mut Effects) {
        let hw = self.hw.unwrap_or(0);
        let epoch_start = self.leader.as_ref().map_or(u64::MAX, |l| l.epoch_start);
        if self.controller.is_none()
            && self.kind == crate::protocol::node::NodeKind::Controller
            && hw > epoch_start
        {
            let sessions = self.image.brokers.keys().map(|b| (*b, now)).collect();
            self.controller = Some(ActiveController {
                sessions,
                last_write: now,
                next_noop: now + self.cfg.metadata_max_idle_interval_ms,
                awaiting_commit: Vec::new(),
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
    pub(crate) fn await_commit(&mut self, offset: Offset, to: NodeId, reply: Message) {
        if let Some(c) = self.controller.as_mut() {
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
            .image_for_sessions()
            .filter_map(|b| c.sessions.get(&b).map(|t| t + timeout))
            .min();
        let noop = (self.cfg.metadata_max_idle_interval_ms > 0).then_some(c.next_noop);
        if let Some(at) = [expiry, noop].into_iter().flatten().min() {
            self.set_timer(Slot::ControllerTick, at, out);
        }
    }

    /// Brokers the controller holds sessions for and that are not fenced yet.
    fn image_for_sessions(&self) -> impl Iterator<Item = NodeId> + '_ {
        let pending = self.pending_image();
        pending
            .brokers
            .into_values()
            .filter(|b| !b.fenced)
            .map(|b| b.id)
    }

    /// The controller's view including its own uncommitted writes (Kafka's in-memory state).
    pub fn pending_image(&self) -> Image {
        let mut image = self.image.clone();
        let log = &self.durable.log;
        for o in image.applied_offset.max(log.start_offset())..log.end_offset() {
            if let Some(e) = log.entry(o) {
                image.apply(e);
            }
        }
        image
    }

    fn controller_append(&mut self, now: Time, record: Record, out: &mut Effects) -> Offset {
        let offset = self.durable.log.end_offset();
        if let Some(c) = self.controller.as_mut() {
            c.last_write = now;
        }
        self.leader_append(now, record, out);
        offset
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
        // Every session that has expired by now is fenced, back to back.
        let timeout = self.cfg.broker_session_timeout_ms;
        loop {
            let pending = self.pending_image();
            let expired = self.controller.as_ref().and_then(|c| {
                pending
                    .brokers
                    .values()
                    .find(|b| !b.fenced && c.sessions.get(&b.id).is_none_or(|t| now >= t + timeout))
                    .map(|b| b.id)
            });
            let Some(broker) = expired else {
                break;
            };
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
        let unfenced: Vec<NodeId> = pending
            .unfenced_brokers()
            .into_iter()
            .filter(|b| *b != broker)
            .collect();
        for t in pending.topics.values() {
            for p in &t.partitions {
                let Some((isr, leader)) =
                    p.after_fencing(broker, &unfenced, self.cfg.unclean_leader_election)
                else {
                    continue;
                };
                self.controller_append(
                    now,
                    Record::PartitionChange {
                        topic_id: t.topic_id,
                        partition: p.partition,
                        isr,
                        leader,
                    },
                    out,
                );
            }
        }
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
        for t in pending.topics.values() {
            for p in &t.partitions {
                if p.leader.is_none() && p.isr.contains(&broker) {
                    let record = Record::PartitionChange {
                        topic_id: t.topic_id,
                        partition: p.partition,
                        isr: p.isr.clone(),
                        leader: Some(broker),
                    };
                    self.controller_append(now, record, out);
                }
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

    /// Creates a topic the way Kafka spreads replicas: a seeded start broker, then round robin;
    /// leader = first replica, ISR = replicas.
    pub fn create_topic(
        &mut self,
        now: Time,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        if self.controller.is_none() {
            return Err(CommandError::NotActiveController(self.id));
        }
        let pending = self.pending_image();
        if pending.topic_by_name(name).is_some() {
            return Err(CommandError::TopicExists(name.to_string()));
        }
        let brokers = pending.unfenced_brokers();
        if replication_factor == 0 || replication_factor as usize > brokers.len() {
            return Err(CommandError::ReplicationFactor {
                wanted: replication_factor,
                unfenced: brokers.len(),
            });
        }
        if partitions == 0 {
            return Err(CommandError::NoPartitions);
        }
        let topic_id = pending.topics.keys().next_back().map_or(1, |id| id + 1);
        self.controller_append(
            now,
            Record::Topic {
                name: name.to_string(),
                topic_id,
            },
            out,
        );
        let n = brokers.len();
        let start = self.rng.random_range(0..n);
        for p in 0..partitions as usize {
            let replicas: Vec<NodeId> = (0..replication_factor as usize)
                .map(|j| brokers[(start + p + j) % n])
                .collect();
            let record = Record::Partition {
                topic_id,
                partition: p as u32,
                isr: replicas.clone(),
                leader: replicas.first().copied(),
                replicas,
            };
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
        let duplicate = self.pending_image().brokers.get(&broker).is_some_and(|b| {
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
        let offset = self.controller_append(
            now,
            Record::RegisterBroker {
                broker,
                incarnation,
            },
            out,
        );
        let reply = Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
            correlation,
            epoch: self.epoch(),
            leader: Some(self.id),
            error: None,
            broker_epoch: Some(offset),
        });
        if let Some(c) = self.controller.as_mut() {
            c.sessions.insert(broker, now);
            c.awaiting_commit.push((offset, from, reply));
        }
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
        let pending = self.pending_image();
        let Some(state) = pending
            .brokers
            .get(&req.broker)
            .filter(|b| b.epoch == req.broker_epoch)
        else {
            resp.error = Some(ErrorCode::StaleBrokerEpoch);
            out.sends
                .push((from, Message::BrokerHeartbeatResponse(resp)));
            return;
        };
        let fenced = state.fenced;
        if let Some(c) = self.controller.as_mut() {
            c.sessions.insert(req.broker, now);
        }
        // Caught up once it has applied its own registration record.
        resp.caught_up = req.metadata_offset > req.broker_epoch;
        resp.fenced = fenced;
        let before = self.durable.log.end_offset();
        if req.want_fence && !fenced {
            self.fence_broker(now, req.broker, &pending, out);
            resp.fenced = true;
        } else if fenced && resp.caught_up && !req.want_fence && !req.want_shutdown {
            self.unfence_broker(now, req.broker, &pending, out);
            resp.fenced = false;
        }
        resp.shutdown_ok = req.want_shutdown;
        let reply = Message::BrokerHeartbeatResponse(resp);
        let last = self.durable.log.end_offset();
        match self.controller.as_mut() {
            // A heartbeat that changed the broker's state is answered once that change commits.
            Some(c) if last > before => c.awaiting_commit.push((last - 1, from, reply)),
            _ => out.sends.push((from, reply)),
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
            Record::Partition {
                topic_id,
                partition,
                isr,
                leader,
                ..
            }
            | Record::PartitionChange {
                topic_id,
                partition,
                isr,
                leader,
            } => {
                let topic = self
                    .image
                    .topics
                    .get(topic_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                out.trace.push(TraceKind::PartitionChange {
                    offset: entry.offset,
                    topic,
                    partition: *partition,
                    leader: *leader,
                    isr: isr.clone(),
                })
            }
            _ => {}
        }
    }
}
