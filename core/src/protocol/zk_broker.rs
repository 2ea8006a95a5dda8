//! A broker in ZooKeeper mode (docs/protocol.md, ZooKeeper mode): it holds one
//! ZooKeeper session, registers `/brokers/ids/<id>` as an ephemeral znode, watches
//! `/controller` and races to create it when it is gone; its metadata cache changes only when a
//! controller pushes LeaderAndIsr or UpdateMetadata, and it obeys any controller whose epoch is
//! at least the highest it has seen (it cannot know more).
//!
//! Calls go through one queue with at most `zookeeper_max_in_flight` outstanding (Kafka's
//! ZooKeeperClient); pings go around it. Replies come back in order on the session (TCP).

// The state types are plain data in zk_state.rs; their old paths still name them.
use crate::protocol::message::Message;
use crate::protocol::metadata::{PartitionState, Partitions, TopicState};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zk_data::{
    BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, CONTROLLER_PATH, TOPICS_PATH,
};
use crate::protocol::zk_ensemble::ENSEMBLE;
use crate::protocol::zk_rpc::{
    ControlKind, ControlRequest, ControlResponse, ControlledShutdownRequest,
    ControlledShutdownResponse, ZkCall, ZkReply, ZkRequest, ZkResponse, ZkWatchNotice,
};
pub(crate) use crate::protocol::zk_state::Purpose;
pub use crate::protocol::zk_state::ZkBroker;
use crate::protocol::zk_state::ZkController;
use crate::protocol::zookeeper::{CreateMode, Op, OpResult, WatchEvent, ZkError};
use crate::protocol::TraceKind;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Room for queued calls kept once the queue is empty.
const QUEUE_KEPT: usize = 64;

impl Node {
    pub fn zk(&self) -> Option<&ZkBroker> {
        self.zk.as_deref()
    }

    /// This node acts as the ZooKeeper-mode controller (in the epoch it won), whether or not it
    /// has finished loading.
    pub fn zk_controller(&self) -> Option<&ZkController> {
        self.zk.as_ref().and_then(|z| z.role.as_deref())
    }

    /// Starts a ZooKeeper-mode broker: connect, then register and watch.
    pub(crate) fn start_zk_broker(&mut self, now: Time, out: &mut Effects) {
        // xids of each incarnation apart: a reply to the previous process is never taken as ours.
        let first_xid = self.durable.starts << 32;
        self.zk = Some(Box::new(ZkBroker {
            next_xid: first_xid,
            ..Default::default()
        }));
        // Shown as fenced until its znode is registered: nobody can lead on it before.
        self.broker = crate::protocol::broker::BrokerState {
            fenced: true,
            ..Default::default()
        };
        self.connect(now, out);
    }

    fn connect(&mut self, now: Time, out: &mut Effects) {
        let timeout_ms = self.cfg.zookeeper_session_timeout_ms;
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.session = 0;
        z.pending.clear();
        z.queued.clear();
        z.registered = false;
        z.disconnected = false;
        z.notices = 0;
        z.connect_sent = Some(now);
        self.zk_send(ZkCall::Connect { timeout_ms }, Purpose::Connect, out);
        self.set_timer(Slot::Heartbeat, now + timeout_ms / 3, out);
    }

    /// Sends a call now (connects and pings), bypassing the in-flight limit.
    fn zk_send(&mut self, call: ZkCall, purpose: Purpose, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.next_xid += 1;
        let xid = z.next_xid;
        z.pending.insert(xid, (call.clone(), purpose, z.now));
        out.sends.push((
            ENSEMBLE,
            Message::Zk(ZkRequest {
                xid,
                session: z.session,
                call,
            }),
        ));
    }

    /// Queues a call behind the in-flight limit.
    pub(crate) fn zk_call(&mut self, call: ZkCall, purpose: Purpose, out: &mut Effects) {
        if let Some(z) = self.zk.as_mut() {
            z.queued.push_back((call, purpose));
        }
        self.zk_pump(out);
    }

    fn zk_pump(&mut self, out: &mut Effects) {
        let limit = self.cfg.zookeeper_max_in_flight as usize;
        loop {
            let Some(z) = self.zk.as_mut() else {
                return;
            };
            if z.session == 0 || z.pending.len() >= limit {
                return;
            }
            let Some((call, purpose)) = z.queued.pop_front() else {
                // A controller queues a call per partition at once (reading or creating 100,000
                // states): once they are all sent, that room is given back.
                if z.queued.capacity() > QUEUE_KEPT {
                    z.queued = VecDeque::new();
                }
                return;
            };
            if let Purpose::Controller(..) = purpose {
                if let Some(c) = z.role.as_mut() {
                    c.calls += 1;
                }
            }
            self.zk_send(call, purpose, out);
        }
    }

    /// The session timer: resend an unanswered Connect, ping a quiet session.
    pub(crate) fn on_zk_session_timer(&mut self, now: Time, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.now = now;
        let z = &*z;
        let third = (z.timeout_ms.max(self.cfg.zookeeper_session_timeout_ms) / 3).max(1);
        if z.session == 0 {
            if z.connect_sent.is_none_or(|t| now >= t + third) {
                self.connect(now, out);
            } else {
                self.set_timer(Slot::Heartbeat, now + third, out);
            }
            return;
        }
        // Calls unanswered for a third of the session timeout were lost with the connection (a
        // cut link, the ensemble down): the client sends them again, in order (Kafka's
        // retryRequestsUntilConnected); a ping is simply sent anew.
        let stale: Vec<u64> = z
            .pending
            .iter()
            .filter(|(_, (_, _, sent))| now >= sent + third)
            .map(|(x, _)| *x)
            .collect();
        if let Some(z) = self.zk.as_mut() {
            if !stale.is_empty() {
                z.disconnected = true;
            }
            let mut again: Vec<(ZkCall, Purpose)> = Vec::new();
            for x in stale {
                if let Some((call, purpose, _)) = z.pending.remove(&x) {
                    if purpose != Purpose::Ping {
                        again.push((call, purpose));
                    }
                }
            }
            for c in again.into_iter().rev() {
                z.queued.push_front(c);
            }
        }
        self.zk_pump(out);
        let Some(z) = self.zk.as_ref() else {
            return;
        };
        // Kafka's controlled.shutdown.retry.backoff.ms (5 s) and max.retries (3); after them,
        // and when the ensemble never answers the close, the broker goes anyway.
        if z.pending.values().any(|(_, p, _)| *p == Purpose::Close) && z.disconnected {
            out.stop = true;
            return;
        }
        if let Some((sent, tries)) = z.shutdown {
            if now >= sent + 5_000 {
                if tries >= 3 {
                    self.zk_close_and_stop(out);
                } else {
                    self.zk_send_shutdown(now, tries + 1, out);
                }
            }
        }
        let Some(z) = self.zk.as_ref() else {
            return;
        };
        let ping = !z.pending.values().any(|(_, p, _)| *p == Purpose::Ping);
        let register = !z.registered
            && !z
                .pending
                .values()
                .any(|(_, p, _)| matches!(p, Purpose::Register | Purpose::CheckRegistration))
            && !z.queued.iter().any(|(_, p)| *p == Purpose::Register);
        if ping {
            self.zk_send(ZkCall::Ping, Purpose::Ping, out);
        }
        // Registration refused while the previous process's znode lives on: try again.
        if register {
            self.register(out);
        }
        self.set_timer(Slot::Heartbeat, now + third, out);
    }

    /// A controlled shutdown: ask the controller (this broker itself, if it is the one).
    pub(crate) fn zk_request_shutdown(&mut self, now: Time, out: &mut Effects) {
        self.zk_send_shutdown(now, 1, out);
    }

    fn zk_send_shutdown(&mut self, now: Time, tries: u32, out: &mut Effects) {
        let id = self.id;
        let epoch = self.broker.registered.unwrap_or(0);
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        let Some(target) = z.controller.filter(|_| z.registered) else {
            // No controller to ask (or never registered): nothing can be handed over.
            return self.zk_close_and_stop(out);
        };
        z.shutdown = Some((now, tries));
        let req = ControlledShutdownRequest {
            broker: id,
            broker_epoch: epoch,
        };
        if target == id {
            self.on_controlled_shutdown(now, id, &req, out);
        } else {
            out.sends.push((target, Message::ControlledShutdown(req)));
        }
    }

    /// The controller moved what it could: close the session (the broker's znode goes at
    /// once, so nobody waits for it to expire) and stop once the ensemble confirms.
    pub(crate) fn on_controlled_shutdown_response(
        &mut self,
        _now: Time,
        _resp: &ControlledShutdownResponse,
        out: &mut Effects,
    ) {
        if self.zk.as_ref().is_some_and(|z| z.shutdown.is_some()) {
            self.zk_close_and_stop(out);
        }
    }

    fn zk_close_and_stop(&mut self, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.shutdown = None;
        if z.session == 0 {
            out.stop = true;
            return;
        }
        self.zk_send(ZkCall::Close, Purpose::Close, out);
    }

    fn register(&mut self, out: &mut Effects) {
        let data = serde_json::json!({ "incarnation": self.durable.starts }).to_string();
        let path = format!("{BROKER_IDS_PATH}/{}", self.id);
        self.zk_call(
            ZkCall::Multi {
                ops: vec![Op::Create {
                    path,
                    data,
                    mode: CreateMode::Ephemeral,
                }],
            },
            Purpose::Register,
            out,
        );
    }

    fn watch_controller(&mut self, out: &mut Effects) {
        self.zk_call(
            ZkCall::Exists {
                path: CONTROLLER_PATH.into(),
                watch: true,
            },
            Purpose::WatchController,
            out,
        );
    }

    pub(crate) fn on_zk_response(&mut self, now: Time, resp: &ZkResponse, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.now = now;
        let Some((call, purpose, _)) = z.pending.remove(&resp.xid) else {
            return;
        };
        z.last_reply = now;
        if let ZkReply::Error {
            error: ZkError::SessionExpired,
            ..
        } = resp.reply
        {
            // Only now, back in touch with the ensemble, does the broker learn its session is
            // gone. Its client opens a new session at once; a controller's calls in flight are
            // retried on it before the controller gets round to resigning (it resigns when it
            // reads `/controller` again, or when a write fails the `/controller_epoch` check).
            // That window is the zombie controller of KAFKA-6082.
            let mut retry: Vec<(u64, ZkCall, Purpose)> = Vec::new();
            if z.role.is_some() {
                let mine = |p: &Purpose| matches!(p, Purpose::Controller(..));
                if mine(&purpose) {
                    retry.push((resp.xid, call, purpose));
                }
                retry.extend(
                    std::mem::take(&mut z.pending)
                        .into_iter()
                        .filter(|(_, (_, p, _))| mine(p))
                        .map(|(x, (c, p, _))| (x, c, p)),
                );
                retry.sort_by_key(|(x, _, _)| *x);
                retry.extend(
                    std::mem::take(&mut z.queued)
                        .into_iter()
                        .filter(|(_, p)| mine(p))
                        .map(|(c, p)| (u64::MAX, c, p)),
                );
            }
            self.connect(now, out);
            if let Some(z) = self.zk.as_mut() {
                z.queued.extend(retry.into_iter().map(|(_, c, p)| (c, p)));
            }
            return;
        }
        if let (Some(z), ZkReply::Pong { notices }) = (self.zk.as_mut(), &resp.reply) {
            if *notices > z.notices {
                // Notices were lost on the way: the stream broke and was re-established.
                z.notices = *notices;
                z.disconnected = true;
            }
        }
        if let Some(z) = self.zk.as_mut().filter(|z| z.disconnected) {
            // Back in touch on the same session. A real client hands the ensemble its watches
            // (setWatches) and hears of what changed meanwhile; here the broker looks again at
            // what it watches, which comes to the same.
            z.disconnected = false;
            self.watch_controller(out);
            if self.zk_controller().is_some() {
                self.on_controller_watch(now, BROKER_IDS_PATH, out);
                self.on_controller_watch(now, TOPICS_PATH, out);
            }
        }
        match (purpose, &resp.reply) {
            (
                Purpose::Connect,
                ZkReply::Connected {
                    session,
                    timeout_ms,
                },
            ) => {
                if let Some(z) = self.zk.as_mut() {
                    z.session = *session;
                    z.timeout_ms = *timeout_ms;
                    z.connect_sent = None;
                }
                self.register(out);
                self.watch_controller(out);
                self.set_timer(Slot::Heartbeat, now + timeout_ms / 3, out);
            }
            (Purpose::Register, ZkReply::Multi { results }) => {
                if let (Some(z), Some(OpResult::Created(_))) = (self.zk.as_mut(), results.first()) {
                    z.registered = true;
                    self.zk_registered(now, out);
                }
            }
            // Already there: ours if a retried create had landed, else the previous process's
            // (it goes when that session expires; the session timer tries again).
            (
                Purpose::Register,
                ZkReply::Error {
                    error: ZkError::NodeExists,
                    ..
                },
            ) => {
                let path = format!("{BROKER_IDS_PATH}/{}", self.id);
                self.zk_call(
                    ZkCall::GetData { path, watch: false },
                    Purpose::CheckRegistration,
                    out,
                );
            }
            (Purpose::CheckRegistration, ZkReply::Data { stat, .. }) => {
                let mine = self
                    .zk
                    .as_ref()
                    .is_some_and(|z| stat.ephemeral_owner == Some(z.session));
                if mine {
                    if let Some(z) = self.zk.as_mut() {
                        z.registered = true;
                    }
                    self.zk_registered(now, out);
                }
            }
            (Purpose::RecoverElection, ZkReply::Data { data, stat }) => {
                let epoch: u32 = data.parse().unwrap_or(0);
                if self.zk_controller().is_none() {
                    self.become_zk_controller(now, epoch, stat.version, out);
                }
            }
            (Purpose::WatchController, ZkReply::Exists { stat: None }) => {
                self.zk_call(
                    ZkCall::GetData {
                        path: CONTROLLER_EPOCH_PATH.into(),
                        watch: false,
                    },
                    Purpose::ReadEpoch,
                    out,
                );
            }
            (Purpose::WatchController, ZkReply::Exists { stat: Some(_) }) => {
                self.zk_call(
                    ZkCall::GetData {
                        path: CONTROLLER_PATH.into(),
                        watch: false,
                    },
                    Purpose::ReadController,
                    out,
                );
            }
            (Purpose::ReadController, ZkReply::Data { data, stat }) => {
                let id = serde_json::from_str::<serde_json::Value>(data)
                    .ok()
                    .and_then(|v| v.get("brokerid")?.as_u64())
                    .map(|id| id as NodeId);
                let session = self.zk.as_ref().map_or(0, |z| z.session);
                if let Some(z) = self.zk.as_mut() {
                    z.controller = id;
                }
                if id != Some(self.id) {
                    self.zk_resign(out);
                } else if self.zk_controller().is_none() && stat.ephemeral_owner == Some(session) {
                    // Our election landed but its answer was lost (the call was retried and
                    // found the znode): we are the controller, in the epoch we wrote.
                    self.zk_call(
                        ZkCall::GetData {
                            path: CONTROLLER_EPOCH_PATH.into(),
                            watch: false,
                        },
                        Purpose::RecoverElection,
                        out,
                    );
                }
            }
            // Gone between exists and getData: look again.
            (Purpose::ReadController, ZkReply::Error { .. }) => self.watch_controller(out),
            (Purpose::ReadEpoch, ZkReply::Data { data, stat }) => {
                let epoch: u32 = data.parse().unwrap_or(0);
                let me = serde_json::json!({ "version": 1, "brokerid": self.id, "timestamp": now })
                    .to_string();
                self.zk_call(
                    ZkCall::Multi {
                        ops: vec![
                            Op::Create {
                                path: CONTROLLER_PATH.into(),
                                data: me,
                                mode: CreateMode::Ephemeral,
                            },
                            Op::SetData {
                                path: CONTROLLER_EPOCH_PATH.into(),
                                data: (epoch + 1).to_string(),
                                version: Some(stat.version),
                            },
                        ],
                    },
                    Purpose::Elect(epoch + 1),
                    out,
                );
            }
            (Purpose::Elect(epoch), ZkReply::Multi { results }) => {
                let version = results.iter().find_map(|r| match r {
                    OpResult::Set(stat) => Some(stat.version),
                    _ => None,
                });
                if let Some(z) = self.zk.as_mut() {
                    z.controller = Some(self.id);
                }
                self.become_zk_controller(now, epoch, version.unwrap_or(0), out);
            }
            // NODEEXISTS or BADVERSION: somebody else won; watch who.
            (Purpose::Elect(_), ZkReply::Error { .. }) => self.watch_controller(out),
            (Purpose::Controller(epoch, call), reply) => {
                let current = self.zk_controller().map(|c| c.epoch);
                if current == Some(epoch) {
                    self.on_controller_reply(now, call, reply, out);
                }
            }
            (Purpose::Close, _) => {
                out.stop = true;
                return;
            }
            _ => {}
        }
        self.zk_pump(out);
    }

    pub(crate) fn on_zk_watch(&mut self, now: Time, w: &ZkWatchNotice, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.now = now;
        let z = &*z;
        if w.session != z.session {
            return;
        }
        if let Some(z) = self.zk.as_mut() {
            z.notices += 1;
        }
        match w.path.as_str() {
            CONTROLLER_PATH => {
                if w.event == WatchEvent::NodeDeleted {
                    if let Some(z) = self.zk.as_mut() {
                        z.controller = None;
                    }
                }
                self.watch_controller(out);
            }
            BROKER_IDS_PATH | TOPICS_PATH => self.on_controller_watch(now, &w.path, out),
            _ => {}
        }
    }

    /// LeaderAndIsr / UpdateMetadata: obeyed when its controller epoch is at least the highest
    /// seen. Partition states replace older ones only (by partition epoch, the state znode's
    /// version), so a late request cannot undo a newer one.
    pub(crate) fn on_control_request(
        &mut self,
        now: Time,
        from: NodeId,
        req: &ControlRequest,
        out: &mut Effects,
    ) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        let stale = req.controller_epoch < z.controller_epoch_seen;
        out.sends.push((
            from,
            Message::ControlResponse(ControlResponse {
                correlation: req.correlation,
                stale,
            }),
        ));
        if stale {
            return;
        }
        z.controller_epoch_seen = req.controller_epoch;
        let image = &mut self.image;
        // Partitions new to the cache are appended and sorted once per topic: inserting each in
        // place is quadratic when UpdateMetadata fills in between what LeaderAndIsr brought.
        let mut fresh: BTreeMap<u32, Vec<Rc<PartitionState>>> = BTreeMap::new();
        for p in req.partitions.iter() {
            let t = &p.topic;
            let topic = image
                .topics
                .entry(t.topic_id)
                .or_insert_with(|| TopicState {
                    name: t.name.to_string(),
                    topic_id: t.topic_id,
                    config: t.config,
                    partitions: Partitions::default(),
                });
            // The pushed state itself goes into the cache: the controller and every broker it
            // is pushed to share one.
            match topic.partitions.get(p.state.partition) {
                Some(cur) => {
                    if (p.state.leader_epoch, p.state.partition_epoch)
                        >= (cur.leader_epoch, cur.partition_epoch)
                    {
                        topic.partitions.insert(p.state.clone());
                    }
                }
                None => fresh.entry(t.topic_id).or_default().push(p.state.clone()),
            }
        }
        for (id, new) in fresh {
            if let Some(t) = image.topics.get_mut(&id) {
                // A request names a partition once; should it not, the last one stands.
                t.partitions.merge(new);
            }
        }
        if req.kind == ControlKind::UpdateMetadata {
            image.brokers = req.brokers.iter().map(|b| (b.id, b.clone())).collect();
        }
        image.applied_offset += 1;
        self.sync_partitions(now, out);
    }

    /// Registered: the data plane acts on the metadata cache from now on (pushes that came
    /// before, from a controller that still saw the previous process, included).
    fn zk_registered(&mut self, now: Time, out: &mut Effects) {
        self.broker.registered = Some(0);
        self.broker.fenced = false;
        self.sync_partitions(now, out);
    }

    /// The broker a partition leader sends AlterPartition to: the controller `/controller` names
    /// (ZooKeeper mode) or the quorum leader (KRaft).
    pub(crate) fn alter_partition_target(&self) -> Option<NodeId> {
        match self.zk.as_ref() {
            Some(z) => z.controller,
            None => self.leader_id(),
        }
    }
}

/// Resigning is the controller role's business; the broker only drops it.
impl Node {
    pub(crate) fn zk_resign(&mut self, out: &mut Effects) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        if let Some(c) = z.role.take() {
            out.trace.push(TraceKind::ControllerResigned {
                node: self.id,
                epoch: c.epoch,
            });
            // Calls the old role queued are dropped with it.
            z.queued
                .retain(|(_, p)| !matches!(p, Purpose::Controller(..)));
            self.clear_timer(Slot::ControllerTick);
        }
    }
}
