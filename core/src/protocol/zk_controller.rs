//! The ZooKeeper-mode controller (docs/zookeeper.md): a role one broker takes by winning
//! `/controller`. On election it reads every broker, topic and partition-state znode (pipelined
//! by the session's in-flight limit), and only then can it elect partition leaders: it works on
//! one event thread, so everything that happens meanwhile (a broker dying, an ISR change) waits.
//! Then it pushes UpdateMetadata and LeaderAndIsr through one queue per broker, one request in
//! flight each, resent until answered. Every write it makes is conditional on the partition
//! state's version and (since Kafka 2.1) on `/controller_epoch`'s version.
//!
//! The cost of a failover is not a constant anywhere: it is the calls counted here, each a
//! round trip to the ensemble.

// The state types are plain data in zk_state.rs; their old paths still name them.
use crate::protocol::controller::TopicSpec;
use crate::protocol::error::CommandError;
use crate::protocol::message::{AlterPartitionRequest, AlterPartitionResponse, ErrorCode, Message};
use crate::protocol::metadata::{BrokerState, PartitionState};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zk_data::{epoch_check, parse_state, parse_topic, state_json};
use crate::protocol::zk_data::{partition_state_path, BROKER_IDS_PATH, TOPICS_PATH};
use crate::protocol::zk_rpc::{
    ControlKind, ControlRequest, ControlResponse, ControlledShutdownRequest,
    ControlledShutdownResponse, PushedPartition, PushedTopic, ZkCall, ZkReply,
};
use crate::protocol::zk_state::Purpose;
pub use crate::protocol::zk_state::{CtlCall, ZkController};
pub(crate) use crate::protocol::zk_state::{Deferred, TopicCtx};
use crate::protocol::zookeeper::{CreateMode, Op, OpResult, ZkError};
use crate::protocol::TraceKind;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// The controller's retry tick. A pushed request unanswered for `request_timeout_ms` is sent
/// again: Kafka's RequestSendThread resends the same request (after a 100 ms back-off) once its
/// connection failed; the playground's lossy links stand in for broken connections.
const TICK_MS: Time = 1000;

impl ZkController {
    fn new(epoch: u32, epoch_version: u32, now: Time) -> ZkController {
        ZkController {
            epoch,
            epoch_version,
            elected_at: now,
            ready: false,
            calls: 0,
            loading: 0,
            live: BTreeMap::new(),
            topics: BTreeMap::new(),
            states: BTreeMap::new(),
            deferred: VecDeque::new(),
            queues: BTreeMap::new(),
            writes: 0,
            changed: BTreeSet::new(),
            to_create: Vec::new(),
            next_live: BTreeMap::new(),
            broker_reads: 0,
            rescanning: false,
            rescan_again: false,
            next_correlation: u64::from(epoch) << 40,
            shutting_down: BTreeMap::new(),
        }
    }

    fn topic_by_id(&self, id: u32) -> Option<&TopicCtx> {
        self.topics.values().find(|t| t.id == id)
    }

    /// The partition as brokers are told it.
    fn pushed(&self, key: (u32, u32)) -> Option<PushedPartition> {
        let t = self.topic_by_id(key.0)?;
        let state = self.states.get(&key)?.clone();
        Some(PushedPartition {
            topic: t.pushed.clone(),
            state,
        })
    }
}

impl Node {
    pub(crate) fn become_zk_controller(
        &mut self,
        now: Time,
        epoch: u32,
        version: u32,
        out: &mut Effects,
    ) {
        let Some(z) = self.zk.as_mut() else {
            return;
        };
        z.role = Some(Box::new(ZkController::new(epoch, version, now)));
        out.trace.push(TraceKind::ControllerElected {
            node: self.id,
            epoch,
        });
        if let Some(c) = self.zk_role() {
            c.loading = 2;
        }
        self.ctl_read(BROKER_IDS_PATH.to_string(), true, CtlCall::BrokerIds, out);
        self.ctl_read(TOPICS_PATH.to_string(), true, CtlCall::TopicList, out);
        self.set_timer(Slot::ControllerTick, now + TICK_MS, out);
    }

    fn zk_role(&mut self) -> Option<&mut ZkController> {
        self.zk.as_mut().and_then(|z| z.role.as_deref_mut())
    }

    /// A read of the controller role: `getData` of a znode, or `getChildren` of `/brokers/ids`
    /// and `/brokers/topics` (arming a watch when asked).
    fn ctl_read(&mut self, path: String, watch: bool, what: CtlCall, out: &mut Effects) {
        let call = match what {
            CtlCall::BrokerIds | CtlCall::TopicList => ZkCall::GetChildren { path, watch },
            _ => ZkCall::GetData { path, watch },
        };
        self.ctl_call(call, what, out);
    }

    fn ctl_call(&mut self, call: ZkCall, what: CtlCall, out: &mut Effects) {
        let Some(epoch) = self.zk_controller().map(|c| c.epoch) else {
            return;
        };
        self.zk_call(call, Purpose::Controller(epoch, what), out);
    }

    pub(crate) fn on_controller_watch(&mut self, now: Time, path: &str, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        if !c.ready {
            c.deferred.push_back(Deferred::Watch(path.to_string()));
            return;
        }
        self.handle_watch(now, path, out);
    }

    fn handle_watch(&mut self, _now: Time, path: &str, out: &mut Effects) {
        let what = if path == BROKER_IDS_PATH {
            // One re-read of the brokers at a time: their answers are one picture.
            let Some(c) = self.zk_role() else {
                return;
            };
            if c.rescanning {
                c.rescan_again = true;
                return;
            }
            c.rescanning = true;
            CtlCall::BrokerIds
        } else {
            CtlCall::TopicList
        };
        self.ctl_read(path.to_string(), true, what, out);
    }

    pub(crate) fn on_controller_reply(
        &mut self,
        now: Time,
        call: CtlCall,
        reply: &ZkReply,
        out: &mut Effects,
    ) {
        let Some(c) = self.zk_role() else {
            return;
        };
        let loading = !c.ready;
        match (call, reply) {
            (CtlCall::BrokerIds, ZkReply::Children { names }) => {
                let ids: Vec<NodeId> = names.iter().filter_map(|n| n.parse().ok()).collect();
                if loading {
                    c.loading += ids.len() as u64;
                } else {
                    // Kafka re-reads every broker znode on a change: a bounced broker keeps its
                    // id and shows only as a new epoch.
                    c.next_live.clear();
                    c.broker_reads = ids.len() as u64;
                    if ids.is_empty() {
                        self.brokers_changed(now, out);
                    }
                }
                for id in ids {
                    self.ctl_read(
                        format!("{BROKER_IDS_PATH}/{id}"),
                        false,
                        CtlCall::Broker(id),
                        out,
                    );
                }
            }
            (CtlCall::Broker(id), reply) => {
                let epoch = match reply {
                    ZkReply::Data { stat, .. } => Some(stat.czxid),
                    _ => None,
                };
                if loading {
                    if let Some(e) = epoch {
                        c.live.insert(id, e);
                    }
                } else {
                    if let Some(e) = epoch {
                        c.next_live.insert(id, e);
                    }
                    c.broker_reads = c.broker_reads.saturating_sub(1);
                    if c.broker_reads == 0 {
                        self.brokers_changed(now, out);
                    }
                }
            }
            (CtlCall::TopicList, ZkReply::Children { names }) => {
                let new: Vec<String> = names
                    .iter()
                    .filter(|n| !c.topics.contains_key(*n))
                    .cloned()
                    .collect();
                if loading {
                    c.loading += new.len() as u64;
                }
                for name in new {
                    self.ctl_read(
                        format!("{TOPICS_PATH}/{name}"),
                        true,
                        CtlCall::Topic(name),
                        out,
                    );
                }
            }
            (CtlCall::Topic(name), ZkReply::Data { data, .. }) => {
                let (id, assignment, config) = parse_topic(data);
                let count = assignment.len() as u32;
                let shared: Rc<str> = name.as_str().into();
                c.topics.insert(
                    name.clone(),
                    TopicCtx {
                        id,
                        name: shared.clone(),
                        config,
                        assignment,
                        pushed: Rc::new(PushedTopic {
                            topic_id: id,
                            name: shared,
                            config,
                        }),
                    },
                );
                if loading {
                    c.loading += u64::from(count);
                }
                for p in 0..count {
                    let what = CtlCall::State {
                        topic_id: id,
                        partition: p,
                    };
                    self.ctl_read(partition_state_path(&name, p), false, what, out);
                }
            }
            (
                CtlCall::State {
                    topic_id,
                    partition,
                },
                reply,
            ) => {
                let replicas = c
                    .topic_by_id(topic_id)
                    .and_then(|t| t.assignment.get(partition as usize).cloned())
                    .unwrap_or_default();
                match reply {
                    ZkReply::Data { data, stat } => {
                        let s = parse_state(data, partition, replicas, stat.version);
                        c.states.insert((topic_id, partition), Rc::new(s));
                    }
                    // A new partition: its state is the controller's to create.
                    _ => c.to_create.push((topic_id, partition)),
                }
                // Read again after a refused write (or for a new topic): act on what it says
                // once no write is in flight (a partition left without a leader is elected).
                if !loading && c.writes == 0 {
                    self.create_new_partitions(out);
                    self.elect_offline(&BTreeSet::new(), out);
                }
            }
            (
                CtlCall::Write {
                    topic_id,
                    partition,
                    mut state,
                    alter_from,
                    ..
                },
                reply,
            ) => {
                c.writes = c.writes.saturating_sub(1);
                let key = (topic_id, partition);
                match reply {
                    ZkReply::Multi { results } => {
                        state.partition_epoch = results
                            .iter()
                            .find_map(|r| match r {
                                OpResult::Set(stat) => Some(stat.version),
                                _ => None,
                            })
                            .unwrap_or(0);
                        // Moved, not copied, into the state the pushes will share.
                        let state: Rc<PartitionState> = Rc::from(state);
                        c.states.insert(key, state.clone());
                        c.changed.insert(key);
                        if let Some((leader, correlation)) = alter_from {
                            out.sends.push((
                                leader,
                                Message::AlterPartitionResponse(AlterPartitionResponse {
                                    correlation,
                                    topic_id,
                                    partition,
                                    leader_epoch: state.leader_epoch,
                                    partition_epoch: state.partition_epoch,
                                    isr: state.isr.clone(),
                                    error: None,
                                }),
                            ));
                        }
                    }
                    ZkReply::Error { error, op } => {
                        let checked = !self.cfg.unsafe_no_controller_epoch_check;
                        if checked && *op == 0 && *error == ZkError::BadVersion {
                            // `/controller_epoch` moved on: another controller was elected. This
                            // one is a zombie and resigns (Kafka's ControllerMovedException).
                            self.zk_resign(out);
                            return;
                        }
                        if let Some((leader, correlation)) = alter_from {
                            out.sends.push((
                                leader,
                                Message::AlterPartitionResponse(AlterPartitionResponse {
                                    correlation,
                                    topic_id,
                                    partition,
                                    leader_epoch: state.leader_epoch,
                                    partition_epoch: state.partition_epoch,
                                    isr: state.isr.clone(),
                                    error: Some(ErrorCode::InvalidUpdateVersion),
                                }),
                            ));
                        }
                        // The state changed under us (its version moved): read it again, as
                        // Kafka does before it retries.
                        if *error == ZkError::BadVersion {
                            if let Some(name) = self
                                .zk_controller()
                                .and_then(|c| c.topic_by_id(topic_id))
                                .map(|t| t.name.clone())
                            {
                                let what = CtlCall::State {
                                    topic_id,
                                    partition,
                                };
                                let path = partition_state_path(&name, partition);
                                self.ctl_read(path, false, what, out);
                            }
                        }
                    }
                    _ => {}
                }
                let Some(c) = self.zk_role() else {
                    return;
                };
                if c.writes == 0 {
                    self.flush_changes(now, out);
                    self.create_new_partitions(out);
                    self.answer_shutdowns(now, out);
                }
            }
            _ => {}
        }
        let Some(c) = self.zk_role() else {
            return;
        };
        if loading {
            c.loading = c.loading.saturating_sub(1);
            if c.loading == 0 {
                self.finish_load(now, out);
            }
        }
    }

    /// Everything is read: the controller can act. It tells every broker everything, elects
    /// leaders for partitions whose leader is gone, then handles what waited.
    fn finish_load(&mut self, now: Time, out: &mut Effects) {
        let id = self.id;
        let Some(c) = self.zk_role() else {
            return;
        };
        c.ready = true;
        out.trace.push(TraceKind::ControllerReady {
            node: id,
            epoch: c.epoch,
            zk_calls: c.calls,
            took_ms: now - c.elected_at,
        });
        let live: Vec<NodeId> = c.live.keys().copied().collect();
        self.push_everything(now, &live, out);
        self.elect_offline(&BTreeSet::new(), out);
        self.create_new_partitions(out);
        while let Some(d) = self.zk_role().and_then(|c| c.deferred.pop_front()) {
            match d {
                Deferred::Watch(path) => self.handle_watch(now, &path, out),
                Deferred::Alter(from, req) => self.zk_alter_partition(from, &req, out),
            }
            if self.zk_controller().is_none() {
                return;
            }
        }
    }

    /// A broker change read in full: the gone and the bounced fail, the new and the bounced start.
    fn brokers_changed(&mut self, now: Time, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        let next = std::mem::take(&mut c.next_live);
        c.rescanning = false;
        let again = std::mem::take(&mut c.rescan_again);
        let dead: BTreeSet<NodeId> = c
            .live
            .iter()
            .filter(|(id, e)| next.get(id) != Some(e))
            .map(|(id, _)| *id)
            .collect();
        let started: Vec<NodeId> = next
            .iter()
            .filter(|(id, e)| c.live.get(id) != Some(e))
            .map(|(id, _)| *id)
            .collect();
        for d in &dead {
            c.queues.remove(d);
        }
        // A broker gone, or back as a new process, is no longer shutting down.
        for d in dead.iter().chain(&started) {
            c.shutting_down.remove(d);
        }
        c.live = next;
        if !dead.is_empty() {
            self.elect_offline(&dead, out);
        }
        if !started.is_empty() {
            // Kafka's onBrokerStartup: everything to the new brokers, and the new broker list to
            // all; their partitions may lead again (an offline partition whose ISR is back).
            let all: Vec<NodeId> = self
                .zk_controller()
                .map(|c| c.live.keys().copied().collect())
                .unwrap_or_default();
            self.push_everything(now, &all, out);
            self.elect_offline(&BTreeSet::new(), out);
        }
        if again {
            self.handle_watch(now, BROKER_IDS_PATH, out);
        }
    }

    /// Leaders for partitions that lost theirs, and ISRs without the `dead`: the first live ISR
    /// member in assignment order, else (if the topic allows it) the first live replica, else no
    /// leader (the ISR is kept). Every change bumps the leader epoch, as Kafka's ZooKeeper
    /// controller does, and is written conditionally.
    fn elect_offline(&mut self, dead: &BTreeSet<NodeId>, out: &mut Effects) {
        let cluster_unclean = self.cfg.unclean_leader_election;
        let Some(c) = self.zk_role() else {
            return;
        };
        let mut writes = Vec::new();
        for (key, s) in &c.states {
            let live = |b: &NodeId| c.live.contains_key(b) && !dead.contains(b);
            let leader_gone = s.leader.is_none_or(|l| !live(&l));
            // Replicas on brokers that are not live leave the ISR (Kafka's OfflineReplica).
            let isr_dead = s.isr.iter().any(|b| !live(b));
            if !leader_gone && !isr_dead {
                continue;
            }
            let mut n = PartitionState::clone(s);
            if leader_gone {
                let unclean = c
                    .topic_by_id(key.0)
                    .and_then(|t| t.config.unclean_leader_election)
                    .unwrap_or(cluster_unclean);
                let clean = s
                    .replicas
                    .iter()
                    .copied()
                    .find(|r| live(r) && s.isr.contains(r));
                let chosen = clean.or_else(|| {
                    unclean
                        .then(|| s.replicas.iter().copied().find(|r| live(r)))
                        .flatten()
                });
                match chosen {
                    Some(l) => {
                        n.leader = Some(l);
                        n.isr = if clean.is_some() {
                            s.isr.iter().copied().filter(|b| live(b)).collect()
                        } else {
                            vec![l]
                        };
                        // Unclean: RECOVERING until the leader's next AlterPartition.
                        n.recovering = clean.is_none();
                    }
                    // Nobody can lead: the ISR keeps its last member, as Kafka's does.
                    None => {
                        if s.leader.is_none() {
                            continue;
                        }
                        n.leader = None;
                    }
                }
            } else {
                n.isr.retain(|b| live(b));
            }
            n.leader_epoch += 1;
            writes.push((*key, n));
        }
        for (key, state) in writes {
            self.write_state(key, state, false, None, out);
        }
    }

    fn write_state(
        &mut self,
        key: (u32, u32),
        state: PartitionState,
        create: bool,
        alter_from: Option<(NodeId, u64)>,
        out: &mut Effects,
    ) {
        let unsafe_no_check = self.cfg.unsafe_no_controller_epoch_check;
        let Some(c) = self.zk_role() else {
            return;
        };
        let Some(t) = c.topic_by_id(key.0) else {
            return;
        };
        let path = partition_state_path(&t.name, key.1);
        let data = state_json(c.epoch, &state);
        let mut ops = Vec::new();
        if !unsafe_no_check {
            ops.push(epoch_check(c.epoch_version));
        }
        if create {
            ops.push(Op::Create {
                path: format!("{TOPICS_PATH}/{}/partitions/{}", t.name, key.1),
                data: String::new(),
                mode: CreateMode::Persistent,
            });
            ops.push(Op::Create {
                path,
                data,
                mode: CreateMode::Persistent,
            });
        } else {
            ops.push(Op::SetData {
                path,
                data,
                version: Some(state.partition_epoch),
            });
        }
        c.writes += 1;
        self.ctl_call(
            ZkCall::Multi { ops },
            CtlCall::Write {
                topic_id: key.0,
                partition: key.1,
                state: Box::new(state),
                create,
                alter_from,
            },
            out,
        );
    }

    /// New partitions (of a topic created since, or found without a state): the first live
    /// replica leads, the live replicas are the ISR.
    fn create_new_partitions(&mut self, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        if !c.ready {
            return;
        }
        let todo = std::mem::take(&mut c.to_create);
        let mut creates = Vec::new();
        for key in todo {
            let Some(replicas) = c
                .topic_by_id(key.0)
                .and_then(|t| t.assignment.get(key.1 as usize).cloned())
            else {
                continue;
            };
            let isr: Vec<NodeId> = replicas
                .iter()
                .copied()
                .filter(|b| c.live.contains_key(b))
                .collect();
            let mut s = PartitionState::new(key.1, replicas);
            s.leader = isr.first().copied();
            if !isr.is_empty() {
                s.isr = isr;
            }
            creates.push((key, s));
        }
        for (key, s) in creates {
            self.write_state(key, s, true, None, out);
        }
    }

    /// A batch of writes has landed: LeaderAndIsr to the replicas of what changed, and
    /// UpdateMetadata to every live broker.
    fn flush_changes(&mut self, now: Time, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        if c.changed.is_empty() {
            return;
        }
        let changed = std::mem::take(&mut c.changed);
        let parts: Vec<PushedPartition> = changed.iter().filter_map(|k| c.pushed(*k)).collect();
        let live: Vec<NodeId> = c.live.keys().copied().collect();
        self.push_partitions(now, &live, parts, out);
    }

    /// Full metadata to `to`, and each its LeaderAndIsr.
    fn push_everything(&mut self, now: Time, to: &[NodeId], out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        let parts: Vec<PushedPartition> = c.states.keys().filter_map(|k| c.pushed(*k)).collect();
        self.push_partitions(now, to, parts, out);
    }

    fn push_partitions(
        &mut self,
        now: Time,
        to: &[NodeId],
        parts: Vec<PushedPartition>,
        out: &mut Effects,
    ) {
        let now_brokers = self.zk_controller().map(|c| {
            c.live
                .iter()
                .map(|(b, e)| BrokerState {
                    id: *b,
                    epoch: *e,
                    fenced: false,
                    incarnation: 0,
                })
                .collect::<Rc<[BrokerState]>>()
        });
        let Some(brokers) = now_brokers else {
            return;
        };
        // Moved, not copied: at 100,000 partitions a copy is a second set of every state.
        let all: Rc<[PushedPartition]> = Rc::from(parts);
        for b in to {
            let mine: Rc<[PushedPartition]> = all
                .iter()
                .filter(|p| p.state.replicas.contains(b))
                .cloned()
                .collect();
            if !mine.is_empty() {
                self.push(now, *b, ControlKind::LeaderAndIsr, Rc::from([]), mine, out);
            }
            self.push(
                now,
                *b,
                ControlKind::UpdateMetadata,
                brokers.clone(),
                all.clone(),
                out,
            );
        }
    }

    fn push(
        &mut self,
        now: Time,
        to: NodeId,
        kind: ControlKind,
        brokers: Rc<[BrokerState]>,
        partitions: Rc<[PushedPartition]>,
        out: &mut Effects,
    ) {
        let me = self.id;
        let Some(c) = self.zk_role() else {
            return;
        };
        c.next_correlation += 1;
        let req = ControlRequest {
            kind,
            controller: me,
            controller_epoch: c.epoch,
            correlation: c.next_correlation,
            brokers,
            partitions,
        };
        let q = c.queues.entry(to).or_default();
        if q.inflight.is_none() {
            q.inflight = Some((req.clone(), now));
            out.sends.push((to, Message::Control(req)));
        } else {
            q.queue.push_back(req);
        }
    }

    pub(crate) fn on_control_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &ControlResponse,
        out: &mut Effects,
    ) {
        let Some(c) = self.zk_role() else {
            return;
        };
        let Some(q) = c.queues.get_mut(&from) else {
            return;
        };
        if q.inflight.as_ref().map(|(r, _)| r.correlation) != Some(resp.correlation) {
            return;
        }
        q.inflight = None;
        if let Some(next) = q.queue.pop_front() {
            q.inflight = Some((next.clone(), now));
            out.sends.push((from, Message::Control(next)));
        }
    }

    /// Resends pushed requests left unanswered (the broker's link was down): one in flight per
    /// broker, retried until answered or until the broker is gone.
    pub(crate) fn on_zk_controller_tick(&mut self, now: Time, out: &mut Effects) {
        let timeout = self.cfg.request_timeout_ms;
        let Some(c) = self.zk_role() else {
            return;
        };
        for (b, q) in c.queues.iter_mut() {
            if let Some((req, sent)) = q.inflight.as_mut() {
                if now >= *sent + timeout {
                    *sent = now;
                    out.sends.push((*b, Message::Control(req.clone())));
                }
            }
        }
        self.set_timer(Slot::ControllerTick, now + TICK_MS, out);
    }

    /// AlterPartition from a partition leader (IBP ≥ 2.7, KIP-497): the controller writes the
    /// new ISR conditionally and answers once it landed.
    /// ControlledShutdown: handled by a loaded controller. Otherwise no answer: the broker asks
    /// again after its back-off (kept, a request could outlive the process that sent it, and
    /// mark a restarted broker as shutting down; Kafka refuses those by broker epoch).
    pub(crate) fn on_controlled_shutdown(
        &mut self,
        now: Time,
        from: NodeId,
        req: &ControlledShutdownRequest,
        out: &mut Effects,
    ) {
        match self.zk_role() {
            None => {}
            Some(c) if !c.ready => {}
            Some(_) => {
                self.zk_controlled_shutdown(from, req.broker, out);
                self.answer_shutdowns(now, out);
            }
        }
    }

    /// Kafka's onBrokerControlledShutdown: each partition the broker leads goes to the first
    /// live ISR replica in assignment order that is not shutting down, and the broker leaves
    /// the ISR of each partition it follows (unless it is the last member): one conditional
    /// ZooKeeper write per partition, then LeaderAndIsr. Kafka keeps an ISR member that is not
    /// live in the new ISR; here the controller has already dropped it (it does so first
    /// whenever a broker goes), so the new ISR holds live replicas only.
    fn zk_controlled_shutdown(&mut self, from: NodeId, broker: NodeId, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        c.shutting_down.insert(broker, (from, false));
        let mut writes = Vec::new();
        for (key, s) in &c.states {
            if s.leader != Some(broker) && !s.isr.contains(&broker) {
                continue;
            }
            let eligible = |b: &NodeId| {
                *b != broker && c.live.contains_key(b) && !c.shutting_down.contains_key(b)
            };
            let mut n = PartitionState::clone(s);
            if s.leader == Some(broker) {
                let Some(l) = s
                    .replicas
                    .iter()
                    .copied()
                    .find(|r| eligible(r) && s.isr.contains(r))
                else {
                    continue;
                };
                n.leader = Some(l);
                n.isr = s.isr.iter().copied().filter(eligible).collect();
            } else {
                if s.isr.len() <= 1 {
                    continue;
                }
                n.isr.retain(|b| *b != broker);
            }
            n.leader_epoch += 1;
            writes.push((*key, n));
        }
        for (key, state) in writes {
            self.write_state(key, state, false, None, out);
        }
    }

    /// Once the shutdown's writes have landed: tell each broker how many partitions it still
    /// leads (none, unless no other ISR member could take one).
    fn answer_shutdowns(&mut self, now: Time, out: &mut Effects) {
        let me = self.id;
        let Some(c) = self.zk_role() else {
            return;
        };
        if c.writes > 0 {
            return;
        }
        let mut answers = Vec::new();
        for (broker, (from, answered)) in c.shutting_down.iter_mut() {
            if *answered {
                continue;
            }
            *answered = true;
            let remaining = c
                .states
                .values()
                .filter(|s| s.leader == Some(*broker))
                .count() as u32;
            answers.push((*from, ControlledShutdownResponse { remaining }));
        }
        for (to, resp) in answers {
            if to == me {
                self.on_controlled_shutdown_response(now, &resp, out);
            } else {
                out.sends
                    .push((to, Message::ControlledShutdownResponse(resp)));
            }
        }
    }

    pub(crate) fn on_zk_alter_partition(
        &mut self,
        from: NodeId,
        req: &AlterPartitionRequest,
        out: &mut Effects,
    ) {
        match self.zk_role() {
            None => out.sends.push((
                from,
                Message::AlterPartitionResponse(AlterPartitionResponse {
                    correlation: req.correlation,
                    topic_id: req.topic_id,
                    partition: req.partition,
                    leader_epoch: req.leader_epoch,
                    partition_epoch: req.partition_epoch,
                    isr: req.isr.clone(),
                    error: Some(ErrorCode::NotController),
                }),
            )),
            Some(c) if !c.ready => c.deferred.push_back(Deferred::Alter(from, req.clone())),
            Some(_) => self.zk_alter_partition(from, req, out),
        }
    }

    fn zk_alter_partition(&mut self, from: NodeId, req: &AlterPartitionRequest, out: &mut Effects) {
        let Some(c) = self.zk_role() else {
            return;
        };
        let key = (req.topic_id, req.partition);
        let refuse = |error: ErrorCode, out: &mut Effects| {
            out.sends.push((
                from,
                Message::AlterPartitionResponse(AlterPartitionResponse {
                    correlation: req.correlation,
                    topic_id: req.topic_id,
                    partition: req.partition,
                    leader_epoch: req.leader_epoch,
                    partition_epoch: req.partition_epoch,
                    isr: req.isr.clone(),
                    error: Some(error),
                }),
            ));
        };
        let Some(s) = c.states.get(&key) else {
            return refuse(ErrorCode::UnknownTopicOrPartition, out);
        };
        // The epoch first: a leader that was replaced is told its epoch is stale, and keeps the
        // ISR it asked for until a LeaderAndIsr tells it more (it must not fall back to a
        // smaller ISR and commit alone).
        if req.leader_epoch != s.leader_epoch {
            return refuse(ErrorCode::FencedLeaderEpoch, out);
        }
        if s.leader != Some(from) {
            return refuse(ErrorCode::InvalidRequest, out);
        }
        // The partition epoch is the state znode's version: a request built on an older one
        // would undo a newer change (Kafka's INVALID_UPDATE_VERSION).
        if req.partition_epoch != s.partition_epoch {
            return refuse(ErrorCode::InvalidUpdateVersion, out);
        }
        // KIP-841: a broker that is not live, or is in a controlled shutdown, cannot join (the
        // leader asking is already in).
        if req.isr.iter().any(|b| {
            !s.replicas.contains(b)
                || !c.live.contains_key(b)
                || (*b != from && c.shutting_down.contains_key(b))
        }) {
            return refuse(ErrorCode::IneligibleReplica, out);
        }
        let mut n = PartitionState::clone(s);
        n.isr = req.isr.clone();
        // The leader has taken over (Kafka's leader reports RECOVERED with it).
        n.recovering = false;
        self.write_state(key, n, false, Some((from, req.correlation)), out);
    }

    /// A preferred-leader election (Kafka's ElectLeaders, PREFERRED): the first replica in
    /// assignment order leads again if it is live and in the ISR.
    pub fn zk_elect_preferred(
        &mut self,
        topic: &str,
        partition: u32,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        let id = self.id;
        let Some(c) = self.zk_controller().filter(|c| c.ready) else {
            return Err(CommandError::NotActiveController(id));
        };
        let unknown = || CommandError::UnknownPartition(topic.to_string(), partition);
        let t = c.topics.get(topic).ok_or_else(unknown)?;
        let key = (t.id, partition);
        let s = c.states.get(&key).ok_or_else(unknown)?;
        let Some(preferred) = s.preferred_leader() else {
            return Ok(());
        };
        if s.leader == Some(preferred)
            || !s.isr.contains(&preferred)
            || !c.live.contains_key(&preferred)
        {
            return Ok(());
        }
        let mut n = PartitionState::clone(s);
        n.leader = Some(preferred);
        n.leader_epoch += 1;
        self.write_state(key, n, false, None, out);
        Ok(())
    }

    /// CreateTopics in ZooKeeper mode: the assignment is written to `/brokers/topics/<name>`;
    /// the controller's watch on the topic list does the rest (reads it, creates the partition
    /// states, pushes them).
    pub fn zk_create_topic(
        &mut self,
        spec: &TopicSpec,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        let id = self.id;
        let Some(c) = self.zk_controller().filter(|c| c.ready) else {
            return Err(CommandError::NotActiveController(id));
        };
        if c.topics.contains_key(&spec.name) {
            return Err(CommandError::TopicExists(spec.name.clone()));
        }
        let brokers: Vec<NodeId> = c.live.keys().copied().collect();
        let topic_id = c.topics.values().map(|t| t.id).max().map_or(1, |m| m + 1);
        let assignment = match &spec.assignments {
            Some(a) => a.clone(),
            None => crate::protocol::controller::spread_replicas(&brokers, spec, &mut self.rng)?,
        };
        let data = serde_json::json!({
            "id": topic_id,
            "partitions": assignment,
            "config": spec.config,
        })
        .to_string();
        let name = spec.name.clone();
        self.ctl_call(
            ZkCall::Multi {
                ops: vec![
                    Op::Create {
                        path: format!("{TOPICS_PATH}/{name}"),
                        data,
                        mode: CreateMode::Persistent,
                    },
                    Op::Create {
                        path: format!("{TOPICS_PATH}/{name}/partitions"),
                        data: String::new(),
                        mode: CreateMode::Persistent,
                    },
                ],
            },
            CtlCall::CreateTopic(name),
            out,
        );
        Ok(())
    }
}
