//! ZooKeeper as Kafka saw it before KRaft (docs/zookeeper.md): one linearizable tree of znodes
//! with versions, conditional writes, atomic `multi`, sessions that the ensemble expires on its
//! own clock, ephemeral znodes owned by a session, and one-shot watches that carry no data.
//! Not Zab and not another Raft: the store is the client-visible contract, nothing more.
//!
//! This module is the store alone, a plain data structure: the ensemble node that serves it over
//! the network (latency, pipelining, disconnection) is built on top of it.

use crate::protocol::types::Time;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

pub type SessionId = u64;
/// ZooKeeper's transaction id: every committed write gets the next one.
pub type Zxid = u64;

/// What a write can be refused with (ZooKeeper's KeeperException codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ZkError {
    NodeExists,
    NoNode,
    BadVersion,
    NotEmpty,
    NoChildrenForEphemerals,
    SessionExpired,
}

impl ZkError {
    /// The name ZooKeeper gives it.
    pub fn name(self) -> &'static str {
        match self {
            ZkError::NodeExists => "NODEEXISTS",
            ZkError::NoNode => "NONODE",
            ZkError::BadVersion => "BADVERSION",
            ZkError::NotEmpty => "NOTEMPTY",
            ZkError::NoChildrenForEphemerals => "NOCHILDRENFOREPHEMERALS",
            ZkError::SessionExpired => "SESSIONEXPIRED",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum CreateMode {
    Persistent,
    Ephemeral,
    PersistentSequential,
    EphemeralSequential,
}

impl CreateMode {
    fn ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }
    fn sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential | CreateMode::EphemeralSequential
        )
    }
}

/// A znode's metadata, as `Stat` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stat {
    /// The zxid that created it (Kafka uses a broker znode's as the broker epoch, KIP-380).
    pub czxid: Zxid,
    pub mzxid: Zxid,
    /// Bumped by every setData: what conditional writes compare.
    pub version: u32,
    /// Bumped by every child created or deleted (and what numbers sequential children).
    pub cversion: u32,
    pub ephemeral_owner: Option<SessionId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Znode {
    /// Boxed, as the paths that key them: a String's capacity is 8 bytes more in every slot of
    /// a tree that holds two znodes per partition.
    data: Box<str>,
    stat: Stat,
}

/// One operation of a write (alone, or in a `multi`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Op {
    Create {
        path: String,
        data: String,
        mode: CreateMode,
    },
    /// `version: None` deletes whatever the version (ZooKeeper's -1).
    Delete { path: String, version: Option<u32> },
    SetData {
        path: String,
        data: String,
        version: Option<u32>,
    },
    /// Succeeds only if the znode exists at this version (part of a `multi`).
    Check { path: String, version: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum OpResult {
    /// The path created (with its sequence number, for a sequential create).
    Created(String),
    Deleted,
    Set(Stat),
    Checked,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum WatchEvent {
    NodeCreated,
    NodeDeleted,
    NodeDataChanged,
    NodeChildrenChanged,
}

/// A watch that fired: who is told, about which path, and what kind of change. No data: the
/// watcher must read again (and arm again) to learn what the node holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fired {
    pub session: SessionId,
    pub path: String,
    pub event: WatchEvent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Session {
    timeout_ms: Time,
    last_heard: Time,
}

/// The whole ensemble's state, as one linearizable store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    nodes: BTreeMap<Box<str>, Znode>,
    zxid: Zxid,
    tick_ms: Time,
    sessions: BTreeMap<SessionId, Session>,
    next_session: SessionId,
    /// One-shot watches by path: data watches (getData, exists) and child watches (getChildren).
    data_watches: BTreeMap<String, BTreeSet<SessionId>>,
    child_watches: BTreeMap<String, BTreeSet<SessionId>>,
}

fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
    }
}

/// The children of `path` among sorted keys: those one level below it.
fn is_child(path: &str, candidate: &str) -> bool {
    let prefix_len = if path == "/" { 1 } else { path.len() + 1 };
    candidate.len() > prefix_len
        && candidate.starts_with(path)
        && (path == "/" || candidate.as_bytes()[path.len()] == b'/')
        && !candidate[prefix_len..].contains('/')
}

impl Store {
    /// An empty tree (just `/`); sessions time out in ticks of `tick_ms` (ZooKeeper's tickTime).
    pub fn new(tick_ms: Time) -> Store {
        let mut nodes = BTreeMap::new();
        nodes.insert(
            "/".into(),
            Znode {
                data: "".into(),
                stat: Stat {
                    czxid: 0,
                    mzxid: 0,
                    version: 0,
                    cversion: 0,
                    ephemeral_owner: None,
                },
            },
        );
        Store {
            nodes,
            zxid: 0,
            tick_ms: tick_ms.max(1),
            sessions: BTreeMap::new(),
            next_session: 1,
            data_watches: BTreeMap::new(),
            child_watches: BTreeMap::new(),
        }
    }

    pub fn zxid(&self) -> Zxid {
        self.zxid
    }

    // ----- sessions -----

    /// Opens a session; the ensemble grants a timeout between 2 and 20 ticks.
    pub fn open_session(&mut self, now: Time, requested_ms: Time) -> (SessionId, Time) {
        let granted = requested_ms.clamp(2 * self.tick_ms, 20 * self.tick_ms);
        let id = self.next_session;
        self.next_session += 1;
        self.sessions.insert(
            id,
            Session {
                timeout_ms: granted,
                last_heard: now,
            },
        );
        (id, granted)
    }

    /// The ensemble heard from the session (a request or a ping). An expired session stays
    /// expired: its client learns it now, and must open a new one.
    pub fn touch(&mut self, session: SessionId, now: Time) -> Result<(), ZkError> {
        let s = self
            .sessions
            .get_mut(&session)
            .ok_or(ZkError::SessionExpired)?;
        s.last_heard = s.last_heard.max(now);
        Ok(())
    }

    /// The ensemble came back (a new leader after a loss of quorum): every session's clock starts
    /// again, so nobody expires for the time the ensemble itself was away. ZooKeeper's exact rule
    /// here is its own business (docs/zookeeper.md); this is the documented choice.
    pub fn touch_all(&mut self, now: Time) {
        for s in self.sessions.values_mut() {
            s.last_heard = s.last_heard.max(now);
        }
    }

    /// A znode's data and stat, read without a session or a watch (what the checker and the
    /// capture look at).
    pub fn peek(&self, path: &str) -> Option<(&str, Stat)> {
        self.nodes.get(path).map(|n| (&*n.data, n.stat))
    }

    /// The names of a znode's children, read without a session (the checker's and capture's
    /// view; clients use `get_children`).
    pub fn list(&self, path: &str) -> Vec<String> {
        self.children(path)
    }

    pub fn is_live(&self, session: SessionId) -> bool {
        self.sessions.contains_key(&session)
    }

    /// When the ensemble will next expire a session heard from no more: a deadline rounded up
    /// to the next tick, as ZooKeeper expires sessions in tick-sized buckets.
    pub fn next_expiry(&self) -> Option<Time> {
        self.sessions
            .values()
            .map(|s| (s.last_heard + s.timeout_ms).div_ceil(self.tick_ms) * self.tick_ms)
            .min()
    }

    /// Expires every session not heard from for its timeout: its ephemeral znodes go, in one
    /// transaction, and the watches on them fire. The clients are not told.
    pub fn expire_due(&mut self, now: Time) -> (Vec<SessionId>, Vec<Fired>) {
        let tick = self.tick_ms;
        let due: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| (s.last_heard + s.timeout_ms).div_ceil(tick) * tick <= now)
            .map(|(id, _)| *id)
            .collect();
        let mut fired = Vec::new();
        for id in &due {
            fired.extend(self.end_session(*id));
        }
        (due, fired)
    }

    /// A clean close (a broker's controlled shutdown): its ephemerals go at once.
    pub fn close_session(&mut self, session: SessionId) -> Vec<Fired> {
        self.end_session(session)
    }

    fn end_session(&mut self, session: SessionId) -> Vec<Fired> {
        if self.sessions.remove(&session).is_none() {
            return Vec::new();
        }
        let owned: Vec<String> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.stat.ephemeral_owner == Some(session))
            .map(|(p, _)| p.to_string())
            .collect();
        // Its own watches die with it; the others fire.
        for w in self
            .data_watches
            .values_mut()
            .chain(self.child_watches.values_mut())
        {
            w.remove(&session);
        }
        let mut fired = Vec::new();
        if !owned.is_empty() {
            self.zxid += 1;
            for p in owned {
                self.remove(&p, &mut fired);
            }
        }
        self.deliver(&mut fired);
        fired
    }

    // ----- reads (they arm one-shot watches) -----

    pub fn get_data(
        &mut self,
        session: SessionId,
        path: &str,
        watch: bool,
    ) -> Result<(String, Stat), ZkError> {
        self.live(session)?;
        let n = self.nodes.get(path).ok_or(ZkError::NoNode)?;
        let out = (n.data.to_string(), n.stat);
        if watch {
            arm(&mut self.data_watches, path, session);
        }
        Ok(out)
    }

    /// Whether the znode exists; a watch is armed either way (it fires on creation too).
    pub fn exists(
        &mut self,
        session: SessionId,
        path: &str,
        watch: bool,
    ) -> Result<Option<Stat>, ZkError> {
        self.live(session)?;
        if watch {
            arm(&mut self.data_watches, path, session);
        }
        Ok(self.nodes.get(path).map(|n| n.stat))
    }

    /// The names (last path segment) of the znode's children, sorted.
    pub fn get_children(
        &mut self,
        session: SessionId,
        path: &str,
        watch: bool,
    ) -> Result<Vec<String>, ZkError> {
        self.live(session)?;
        if !self.nodes.contains_key(path) {
            return Err(ZkError::NoNode);
        }
        if watch {
            arm(&mut self.child_watches, path, session);
        }
        Ok(self.children(path))
    }

    fn children(&self, path: &str) -> Vec<String> {
        let from = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        self.nodes
            .range::<str, _>((Bound::Included(from.as_str()), Bound::Unbounded))
            .take_while(|(p, _)| p.starts_with(&from))
            .filter(|(p, _)| is_child(path, p))
            .map(|(p, _)| p[from.len()..].to_string())
            .collect()
    }

    fn live(&self, session: SessionId) -> Result<(), ZkError> {
        if self.sessions.contains_key(&session) {
            Ok(())
        } else {
            Err(ZkError::SessionExpired)
        }
    }

    // ----- writes -----

    /// Applies the operations all or none, as one transaction. On failure: the index of the
    /// operation that failed and why, and nothing changed.
    pub fn multi(
        &mut self,
        session: SessionId,
        ops: &[Op],
    ) -> Result<(Vec<OpResult>, Vec<Fired>), (usize, ZkError)> {
        self.live(session).map_err(|e| (0, e))?;
        self.zxid += 1;
        let mut results = Vec::new();
        let mut fired = Vec::new();
        // A failed transaction leaves no trace: each op first saves what it changes.
        let mut undo: Vec<(String, Option<Znode>)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            match self.apply(session, op, &mut fired, &mut undo) {
                Ok(r) => results.push(r),
                Err(e) => {
                    for (path, old) in undo.into_iter().rev() {
                        match old {
                            Some(n) => self.nodes.insert(path.into(), n),
                            None => self.nodes.remove(path.as_str()),
                        };
                    }
                    self.zxid -= 1;
                    return Err((i, e));
                }
            }
        }
        // Watches fire only for a transaction that happened.
        self.deliver(&mut fired);
        Ok((results, fired))
    }

    /// One write on its own.
    pub fn write(&mut self, session: SessionId, op: Op) -> Result<(OpResult, Vec<Fired>), ZkError> {
        let (mut results, fired) = self.multi(session, &[op]).map_err(|(_, e)| e)?;
        Ok((results.remove(0), fired))
    }

    fn apply(
        &mut self,
        session: SessionId,
        op: &Op,
        fired: &mut Vec<Fired>,
        undo: &mut Vec<(String, Option<Znode>)>,
    ) -> Result<OpResult, ZkError> {
        let mut save = |nodes: &BTreeMap<Box<str>, Znode>, path: &str| {
            undo.push((path.to_string(), nodes.get(path).cloned()));
        };
        match op {
            Op::Create { path, data, mode } => {
                let parent_path = parent(path).ok_or(ZkError::NoNode)?;
                let zxid = self.zxid;
                let p = self.nodes.get_mut(parent_path).ok_or(ZkError::NoNode)?;
                if p.stat.ephemeral_owner.is_some() {
                    return Err(ZkError::NoChildrenForEphemerals);
                }
                let path = if mode.sequential() {
                    format!("{path}{:010}", p.stat.cversion)
                } else {
                    path.clone()
                };
                if self.nodes.contains_key(path.as_str()) {
                    return Err(ZkError::NodeExists);
                }
                save(&self.nodes, parent_path);
                save(&self.nodes, &path);
                let p = self.nodes.get_mut(parent_path).ok_or(ZkError::NoNode)?;
                p.stat.cversion += 1;
                self.nodes.insert(
                    path.as_str().into(),
                    Znode {
                        data: data.as_str().into(),
                        stat: Stat {
                            czxid: zxid,
                            mzxid: zxid,
                            version: 0,
                            cversion: 0,
                            ephemeral_owner: mode.ephemeral().then_some(session),
                        },
                    },
                );
                pending(fired, &path, WatchEvent::NodeCreated);
                pending(fired, parent_path, WatchEvent::NodeChildrenChanged);
                Ok(OpResult::Created(path))
            }
            Op::Delete { path, version } => {
                let n = self.nodes.get(path.as_str()).ok_or(ZkError::NoNode)?;
                if version.is_some_and(|v| v != n.stat.version) {
                    return Err(ZkError::BadVersion);
                }
                if !self.children(path).is_empty() {
                    return Err(ZkError::NotEmpty);
                }
                save(&self.nodes, path);
                if let Some(p) = parent(path) {
                    save(&self.nodes, p);
                }
                self.remove(path, fired);
                Ok(OpResult::Deleted)
            }
            Op::SetData {
                path,
                data,
                version,
            } => {
                let zxid = self.zxid;
                save(&self.nodes, path);
                let n = self.nodes.get_mut(path.as_str()).ok_or(ZkError::NoNode)?;
                if version.is_some_and(|v| v != n.stat.version) {
                    return Err(ZkError::BadVersion);
                }
                n.data = data.as_str().into();
                n.stat.version += 1;
                n.stat.mzxid = zxid;
                let stat = n.stat;
                pending(fired, path, WatchEvent::NodeDataChanged);
                Ok(OpResult::Set(stat))
            }
            Op::Check { path, version } => {
                let n = self.nodes.get(path.as_str()).ok_or(ZkError::NoNode)?;
                if n.stat.version != *version {
                    return Err(ZkError::BadVersion);
                }
                Ok(OpResult::Checked)
            }
        }
    }

    /// Removes a znode (its children are gone already) and notes the watches that fire.
    fn remove(&mut self, path: &str, fired: &mut Vec<Fired>) {
        if self.nodes.remove(path).is_none() {
            return;
        }
        if let Some(p) = parent(path).and_then(|p| self.nodes.get_mut(p)) {
            p.stat.cversion += 1;
        }
        pending(fired, path, WatchEvent::NodeDeleted);
        if let Some(p) = parent(path) {
            pending(fired, p, WatchEvent::NodeChildrenChanged);
        }
    }

    /// Turns the changes noted (session 0: not yet addressed) into one fired watch per watcher,
    /// each watch firing once: data watches on data events, child watches on child events, and
    /// both on a deletion (as ZooKeeper does).
    fn deliver(&mut self, fired: &mut Vec<Fired>) {
        let noted = std::mem::take(fired);
        for f in noted {
            if f.session != 0 {
                fired.push(f);
                continue;
            }
            let (data, children) = match f.event {
                WatchEvent::NodeCreated | WatchEvent::NodeDataChanged => (true, false),
                WatchEvent::NodeChildrenChanged => (false, true),
                WatchEvent::NodeDeleted => (true, true),
            };
            let mut who = BTreeSet::new();
            if data {
                who.extend(self.data_watches.remove(&f.path).unwrap_or_default());
            }
            if children {
                who.extend(self.child_watches.remove(&f.path).unwrap_or_default());
            }
            for session in who {
                fired.push(Fired {
                    session,
                    path: f.path.clone(),
                    event: f.event,
                });
            }
        }
    }
}

fn arm(watches: &mut BTreeMap<String, BTreeSet<SessionId>>, path: &str, session: SessionId) {
    watches.entry(path.to_string()).or_default().insert(session);
}

/// A change noted during a write, addressed to its watchers once the write has happened.
fn pending(fired: &mut Vec<Fired>, path: &str, event: WatchEvent) {
    fired.push(Fired {
        session: 0,
        path: path.to_string(),
        event,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(path: &str, mode: CreateMode) -> Op {
        Op::Create {
            path: path.into(),
            data: String::new(),
            mode,
        }
    }

    fn store() -> (Store, SessionId) {
        let mut s = Store::new(2000);
        let (id, _) = s.open_session(0, 18_000);
        (s, id)
    }

    #[test]
    fn a_session_timeout_is_clamped_to_2_to_20_ticks() {
        let mut s = Store::new(2000);
        assert_eq!(s.open_session(0, 1000).1, 4000);
        assert_eq!(s.open_session(0, 18_000).1, 18_000);
        assert_eq!(s.open_session(0, 100_000).1, 40_000);
    }

    #[test]
    fn conditional_writes_compare_versions() {
        let (mut s, me) = store();
        s.write(me, create("/controller_epoch", CreateMode::Persistent))
            .expect("created");
        let set = |v| Op::SetData {
            path: "/controller_epoch".into(),
            data: "1".into(),
            version: Some(v),
        };
        assert!(matches!(s.write(me, set(0)), Ok((OpResult::Set(st), _)) if st.version == 1));
        assert_eq!(s.write(me, set(0)).err(), Some(ZkError::BadVersion));
        assert_eq!(
            s.write(me, create("/controller_epoch", CreateMode::Persistent))
                .err(),
            Some(ZkError::NodeExists)
        );
        assert_eq!(
            s.write(me, create("/a/b", CreateMode::Persistent)).err(),
            Some(ZkError::NoNode),
            "no parent"
        );
    }

    #[test]
    fn a_multi_is_all_or_nothing() {
        let (mut s, me) = store();
        s.write(me, create("/controller_epoch", CreateMode::Persistent))
            .expect("created");
        let zxid = s.zxid();
        // Kafka's election: create /controller and bump /controller_epoch at the version read.
        let elect = |version| {
            vec![
                create("/controller", CreateMode::Ephemeral),
                Op::SetData {
                    path: "/controller_epoch".into(),
                    data: "1".into(),
                    version: Some(version),
                },
            ]
        };
        assert_eq!(s.multi(me, &elect(7)).err(), Some((1, ZkError::BadVersion)));
        assert_eq!(
            s.exists(me, "/controller", false),
            Ok(None),
            "nothing applied"
        );
        assert_eq!(s.zxid(), zxid, "no transaction");
        assert!(s.multi(me, &elect(0)).is_ok());
        let (_, st) = s.get_data(me, "/controller", false).expect("exists");
        assert_eq!(st.ephemeral_owner, Some(me));
        assert_eq!(s.zxid(), zxid + 1, "one transaction");
    }

    #[test]
    fn an_expired_session_takes_its_ephemerals_and_fires_one_shot_watches() {
        let mut s = Store::new(2000);
        let (controller, _) = s.open_session(0, 18_000);
        let (watcher, _) = s.open_session(0, 18_000);
        s.write(controller, create("/controller", CreateMode::Ephemeral))
            .expect("created");
        assert!(s
            .exists(watcher, "/controller", true)
            .expect("live")
            .is_some());
        // The watcher keeps pinging; the controller falls silent at t=1000.
        s.touch(controller, 1000).expect("live");
        s.touch(watcher, 18_000).expect("live");
        assert_eq!(
            s.next_expiry(),
            Some(20_000),
            "1000 + 18000, rounded up to a tick"
        );
        assert_eq!(s.expire_due(19_999).0, Vec::<SessionId>::new());
        let (gone, fired) = s.expire_due(20_000);
        assert_eq!(gone, vec![controller]);
        assert_eq!(
            fired,
            vec![Fired {
                session: watcher,
                path: "/controller".into(),
                event: WatchEvent::NodeDeleted
            }]
        );
        assert_eq!(s.exists(watcher, "/controller", false), Ok(None));
        // The expired client learns it only when it reaches the ensemble again.
        assert_eq!(s.touch(controller, 25_000), Err(ZkError::SessionExpired));
        // One shot: a second change is not seen without arming again.
        s.write(watcher, create("/controller", CreateMode::Ephemeral))
            .expect("created");
        let (_, fired) = s
            .write(
                watcher,
                Op::Delete {
                    path: "/controller".into(),
                    version: None,
                },
            )
            .expect("deleted");
        assert!(fired.is_empty(), "{fired:?}");
    }

    #[test]
    fn child_watches_and_sequential_children() {
        let (mut s, me) = store();
        let (admin, _) = s.open_session(0, 18_000);
        s.write(me, create("/brokers", CreateMode::Persistent))
            .expect("ok");
        s.write(me, create("/brokers/ids", CreateMode::Persistent))
            .expect("ok");
        assert_eq!(s.get_children(admin, "/brokers/ids", true), Ok(vec![]));
        let (_, fired) = s
            .write(me, create("/brokers/ids/101", CreateMode::Ephemeral))
            .expect("ok");
        assert_eq!(
            fired,
            vec![Fired {
                session: admin,
                path: "/brokers/ids".into(),
                event: WatchEvent::NodeChildrenChanged
            }]
        );
        assert_eq!(
            s.write(me, create("/brokers/ids/101/x", CreateMode::Persistent))
                .err(),
            Some(ZkError::NoChildrenForEphemerals)
        );
        assert_eq!(
            s.write(
                me,
                Op::Delete {
                    path: "/brokers".into(),
                    version: None
                }
            )
            .err(),
            Some(ZkError::NotEmpty)
        );
        s.write(me, create("/isr_change", CreateMode::Persistent))
            .expect("ok");
        let seq = |s: &mut Store| match s.write(
            me,
            create("/isr_change/isr_change_", CreateMode::PersistentSequential),
        ) {
            Ok((OpResult::Created(p), _)) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(seq(&mut s), "/isr_change/isr_change_0000000000");
        assert_eq!(seq(&mut s), "/isr_change/isr_change_0000000001");
        assert_eq!(
            s.get_children(me, "/", false),
            Ok(vec!["brokers".to_string(), "isr_change".to_string()])
        );
        // A clean close deletes the broker's znode at once, without waiting for a timeout.
        s.get_children(admin, "/brokers/ids", true).expect("ok");
        let fired = s.close_session(me);
        assert_eq!(fired.len(), 1);
        assert_eq!(s.get_children(admin, "/brokers/ids", false), Ok(vec![]));
    }
}
