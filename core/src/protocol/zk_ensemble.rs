//! The ZooKeeper ensemble as one node of the network (node id 0 in ZooKeeper mode): it serves
//! the store of `zookeeper` to the brokers' sessions, sends fired watches to the session that
//! armed them, and expires the sessions it stops hearing from on its own clock.
//!
//! Its state is durable: crashing node 0 stands for the ensemble losing its quorum (every call
//! goes unanswered) and restarting it for the quorum coming back with the same tree.

// The state types are plain data in zk_state.rs; their old paths still name them.
use crate::protocol::message::Message;
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::types::{NodeId, Time};
use crate::protocol::zk_rpc::{ZkCall, ZkReply, ZkRequest, ZkResponse, ZkWatchNotice};
pub use crate::protocol::zk_state::{Ensemble, TopicZnode};
use crate::protocol::zookeeper::{Fired, Op, Store};
use crate::protocol::TraceKind;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// ZooKeeper's tickTime (the sample config's 2000 ms): session timeouts are granted between 2
/// and 20 ticks and expire in tick-sized buckets.
pub const ZK_TICK_MS: Time = 2000;

/// The node id the ensemble has in ZooKeeper mode.
pub const ENSEMBLE: NodeId = 0;

// The znode paths live with their JSON in zk_data.rs; their old paths still name them.
pub use crate::protocol::zk_data::{
    partition_state_path, BROKER_IDS_PATH, CONTROLLER_EPOCH_PATH, CONTROLLER_PATH, TOPICS_PATH,
};

impl Ensemble {
    /// The tree Kafka finds on a formatted cluster: the paths brokers register under, and
    /// `/controller_epoch` at 0.
    pub fn new() -> Ensemble {
        let mut store = Store::new(ZK_TICK_MS);
        let mut setup = |path: &str, data: &str| {
            let op = Op::Create {
                path: path.to_string(),
                data: data.to_string(),
                mode: crate::protocol::zookeeper::CreateMode::Persistent,
            };
            // Session 0 is the operator formatting the cluster: a fresh store has no session, so
            // open one for the setup and close it again.
            let (s, _) = store.open_session(0, 0);
            let _ = store.write(s, op);
            store.close_session(s);
        };
        setup("/brokers", "");
        setup(BROKER_IDS_PATH, "");
        setup(TOPICS_PATH, "");
        setup(CONTROLLER_EPOCH_PATH, "0");
        Ensemble {
            store,
            clients: BTreeMap::new(),
            notices: BTreeMap::new(),
            parsed_topics: RefCell::default(),
        }
    }

    /// The topic znode `/brokers/topics/<topic>`, parsed once per write of it.
    pub fn topic(&self, topic: &str) -> Option<Rc<TopicZnode>> {
        let mut parsed = self.parsed_topics.borrow_mut();
        let Some((data, stat)) = self.store.peek(&format!("{TOPICS_PATH}/{topic}")) else {
            parsed.remove(topic);
            return None;
        };
        let version = (stat.mzxid, data.len());
        if let Some((at, t)) = parsed.get(topic) {
            if *at == version {
                return Some(t.clone());
            }
        }
        let (id, assignment, config) = crate::protocol::zk_data::parse_topic(data);
        let t = Rc::new(TopicZnode {
            id,
            assignment,
            config,
        });
        parsed.insert(topic.to_string(), (version, t.clone()));
        Some(t)
    }

    /// The value of `/controller_epoch`.
    pub fn controller_epoch(&self) -> u32 {
        self.store
            .peek(CONTROLLER_EPOCH_PATH)
            .and_then(|(d, _)| d.parse().ok())
            .unwrap_or(0)
    }

    /// The broker `/controller` names.
    pub fn controller(&self) -> Option<NodeId> {
        self.store
            .peek(CONTROLLER_PATH)
            .and_then(|(d, _)| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| v.get("brokerid")?.as_u64())
            .map(|id| id as NodeId)
    }
}

impl Default for Ensemble {
    fn default() -> Self {
        Ensemble::new()
    }
}

impl Node {
    /// The ensemble (re)starts: every session's clock starts again (docs/zookeeper.md).
    pub(crate) fn start_ensemble(&mut self, now: Time, out: &mut Effects) {
        let Some(e) = self.durable.ensemble.as_mut() else {
            return;
        };
        e.store.touch_all(now);
        self.arm_expiry(out);
    }

    fn arm_expiry(&mut self, out: &mut Effects) {
        if let Some(at) = self
            .durable
            .ensemble
            .as_ref()
            .and_then(|e| e.store.next_expiry())
        {
            self.set_timer(Slot::ControllerTick, at, out);
        }
    }

    /// Sends each fired watch to the node holding the session that armed it.
    fn send_fired(&mut self, fired: Vec<Fired>, out: &mut Effects) {
        let Some(e) = self.durable.ensemble.as_mut() else {
            return;
        };
        for f in fired {
            if let Some(to) = e.clients.get(&f.session) {
                *e.notices.entry(f.session).or_default() += 1;
                out.sends.push((
                    *to,
                    Message::ZkWatch(ZkWatchNotice {
                        session: f.session,
                        path: f.path,
                        event: f.event,
                    }),
                ));
            }
        }
    }

    pub(crate) fn on_ensemble_tick(&mut self, now: Time, out: &mut Effects) {
        let Some(e) = self.durable.ensemble.as_mut() else {
            return;
        };
        let (expired, fired) = e.store.expire_due(now);
        for session in expired {
            e.notices.remove(&session);
            let node = e.clients.remove(&session).unwrap_or(ENSEMBLE);
            out.trace
                .push(TraceKind::ZkSessionExpired { node, session });
        }
        self.send_fired(fired, out);
        self.arm_expiry(out);
    }

    pub(crate) fn on_zk_request(
        &mut self,
        now: Time,
        from: NodeId,
        req: &ZkRequest,
        out: &mut Effects,
    ) {
        let Some(e) = self.durable.ensemble.as_mut() else {
            return;
        };
        let store = &mut e.store;
        let session = req.session;
        let mut fired = Vec::new();
        let reply = match &req.call {
            ZkCall::Connect { timeout_ms } => {
                let (session, timeout_ms) = store.open_session(now, *timeout_ms);
                e.clients.insert(session, from);
                ZkReply::Connected {
                    session,
                    timeout_ms,
                }
            }
            call => match store.touch(session, now) {
                Err(error) => ZkReply::Error { error, op: 0 },
                Ok(()) => match call {
                    ZkCall::Connect { .. } | ZkCall::Ping => ZkReply::Pong {
                        notices: e.notices.get(&session).copied().unwrap_or(0),
                    },
                    ZkCall::GetData { path, watch } => {
                        match store.get_data(session, path, *watch) {
                            Ok((data, stat)) => ZkReply::Data { data, stat },
                            Err(error) => ZkReply::Error { error, op: 0 },
                        }
                    }
                    ZkCall::GetChildren { path, watch } => {
                        match store.get_children(session, path, *watch) {
                            Ok(names) => ZkReply::Children { names },
                            Err(error) => ZkReply::Error { error, op: 0 },
                        }
                    }
                    ZkCall::Exists { path, watch } => match store.exists(session, path, *watch) {
                        Ok(stat) => ZkReply::Exists { stat },
                        Err(error) => ZkReply::Error { error, op: 0 },
                    },
                    ZkCall::Multi { ops } => match store.multi(session, ops) {
                        Ok((results, f)) => {
                            fired = f;
                            ZkReply::Multi { results }
                        }
                        Err((op, error)) => ZkReply::Error { error, op },
                    },
                    ZkCall::Close => {
                        fired = store.close_session(session);
                        e.clients.remove(&session);
                        e.notices.remove(&session);
                        ZkReply::Closed
                    }
                },
            },
        };
        if let (ZkCall::Multi { ops }, ZkReply::Multi { .. }) = (&req.call, &reply) {
            self.note_zombie_writes(from, ops, out);
            self.note_state_writes(ops, out);
        }
        out.sends.push((
            from,
            Message::ZkResponse(ZkResponse {
                xid: req.xid,
                reply,
            }),
        ));
        self.send_fired(fired, out);
        self.arm_expiry(out);
    }

    /// Every partition state that landed, as ZooKeeper now holds it: the checker's evidence
    /// for the election rule and the ISR's bounds, from the store, not from the controller.
    fn note_state_writes(&self, ops: &[Op], out: &mut Effects) {
        let Some(e) = self.durable.ensemble.as_ref() else {
            return;
        };
        for op in ops {
            let (Op::SetData { path, .. } | Op::Create { path, .. }) = op else {
                continue;
            };
            // /brokers/topics/<topic>/partitions/<n>/state
            let Some(rest) = path
                .strip_prefix(TOPICS_PATH)
                .and_then(|r| r.strip_prefix('/'))
                .and_then(|r| r.strip_suffix("/state"))
            else {
                continue;
            };
            let Some((topic, n)) = rest.split_once("/partitions/") else {
                continue;
            };
            let (Ok(partition), Some((data, stat))) = (n.parse::<u32>(), e.store.peek(path)) else {
                continue;
            };
            let replicas = e
                .topic(topic)
                .and_then(|t| t.assignment.get(partition as usize).cloned())
                .unwrap_or_default();
            let s = crate::protocol::zk_data::parse_state(data, partition, replicas, stat.version);
            out.trace.push(TraceKind::PartitionChange {
                offset: e.store.zxid(),
                topic: topic.to_string(),
                partition,
                replicas: s.replicas.as_slice().into(),
                // The controller elects among live ISR members only, and writes no other ISR.
                ineligible: Box::new([]),
                leader: s.leader,
                leader_epoch: s.leader_epoch,
                isr: s.isr.as_slice().into(),
                elr: Box::new([]),
                recovering: s.recovering,
            });
        }
    }

    /// A partition state that landed carrying a controller epoch older than `/controller_epoch`
    /// was written by a zombie controller: the checker's evidence for `ZombieControllerWrite`.
    fn note_zombie_writes(&self, from: NodeId, ops: &[Op], out: &mut Effects) {
        let Some(e) = self.durable.ensemble.as_ref() else {
            return;
        };
        let current = e.controller_epoch();
        for op in ops {
            let (Op::SetData { path, data, .. } | Op::Create { path, data, .. }) = op else {
                continue;
            };
            if !path.ends_with("/state") {
                continue;
            }
            let epoch = serde_json::from_str::<serde_json::Value>(data)
                .ok()
                .and_then(|v| v.get("controller_epoch")?.as_u64())
                .unwrap_or(u64::from(current)) as u32;
            if epoch < current {
                out.trace.push(TraceKind::ZombieWrite {
                    node: from,
                    epoch,
                    current,
                    path: path.clone(),
                });
            }
        }
    }
}
