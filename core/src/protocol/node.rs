//! One node (controller or broker) as a sans-IO state machine: `handle(now, input)` returns effects.
//! No clock, no I/O, no global randomness. Durable state is split out so a crash can drop the rest.
//!
//! The protocol is spread over `impl Node` blocks by concern: `election` (votes and role changes),
//! `replication` (Fetch, HW, snapshots), `controller` (the active controller) and `broker`.

use crate::protocol::config::Config;
use crate::protocol::event::RoleReason;
use crate::protocol::event::TraceKind;
use crate::protocol::log::Log;
use crate::protocol::message::Message;
use crate::protocol::metadata::Image;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use crate::protocol::voters::{DirectoryId, QuorumBootstrap, Voter, VoterHistory};
use rand::rngs::Xoshiro256PlusPlus as StdRng;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Controller,
    Broker,
    /// `process.roles=broker,controller`: one process, one failure domain, both roles.
    Combined,
    /// ZooKeeper mode's ensemble (node 0): the store the brokers' controller lives by.
    Zookeeper,
}

/// Which control plane the cluster runs (docs/contracts.md, ZooKeeper mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterMode {
    /// A Raft quorum of controllers over `__cluster_metadata`.
    #[default]
    Kraft,
    /// Kafka before KRaft: a ZooKeeper ensemble and a controller elected among the brokers.
    Zookeeper,
}

impl NodeKind {
    /// Runs the quorum's controller role (votes, may lead, may become the active controller).
    pub fn runs_controller(self) -> bool {
        matches!(self, NodeKind::Controller | NodeKind::Combined)
    }
    /// Runs a broker (registers, heartbeats, hosts partition replicas).
    pub fn runs_broker(self) -> bool {
        matches!(self, NodeKind::Broker | NodeKind::Combined)
    }
}

/// Kafka's quorum-state file: written before any reply that depends on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuorumState {
    pub epoch: Epoch,
    pub voted_for: Option<NodeId>,
    pub leader: Option<NodeId>,
}

/// What survives a crash.
#[derive(Clone, Debug, Default)]
pub struct Durable {
    pub quorum: QuorumState,
    pub log: Log,
    /// A broker's registration (its broker epoch), so a restarted broker re-registers knowingly.
    pub broker_epoch: Option<Offset>,
    /// A broker's partition replicas (their logs are on disk: the LEO survives a crash).
    pub partitions: crate::protocol::replica::Replicas,
    /// Kafka's clean shutdown file: the broker epoch a broker held when it stopped after a
    /// controlled shutdown. Read and deleted on start; without it (a crash, a power loss) the
    /// broker registers with no previous broker epoch and the controller takes its shutdown
    /// as unclean (KIP-966).
    pub clean_shutdown: Option<Offset>,
    /// How many times this process has started: a broker's incarnation (Kafka's incarnationId).
    pub starts: u64,
    /// The directory id made when this disk was formatted (KIP-853): a new disk, a new replica.
    pub directory_id: crate::protocol::voters::DirectoryId,
    /// ZooKeeper mode's node 0: the ensemble's tree and sessions (they outlive a loss of quorum).
    pub ensemble: Option<Box<crate::protocol::zk_state::Ensemble>>,
}

/// Timer slots. Each slot holds one deadline; the simulation only sees "wake me at t".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Election timeout (Unattached, Prospective, Candidate, Resigned) or a lost election's back-off.
    Election,
    /// Follower: no successful fetch for this long → campaign. Observer: go back to bootstrap servers.
    FetchTimeout,
    /// Send the next fetch (retry after an error or an unanswered request).
    FetchRetry,
    /// Leader: fetches from a majority must arrive in each window, else resign.
    CheckQuorum,
    /// Leader: resend BeginQuorumEpoch. Resigned: resend EndQuorumEpoch to voters that have not
    /// acknowledged it.
    Announce,
    /// Leader: answer long-polled fetches whose wait is over.
    LongPoll,
    /// Active controller: NoOp when idle; session expiry checks.
    ControllerTick,
    /// Broker: next heartbeat or registration attempt.
    Heartbeat,
    /// Broker: fetch followed partitions, check the ISR of led ones.
    Partitions,
}

pub const SLOTS: usize = 9;

/// Every slot, in their order.
pub const ALL_SLOTS: [Slot; SLOTS] = [
    Slot::Election,
    Slot::FetchTimeout,
    Slot::FetchRetry,
    Slot::CheckQuorum,
    Slot::Announce,
    Slot::LongPoll,
    Slot::ControllerTick,
    Slot::Heartbeat,
    Slot::Partitions,
];

impl Slot {
    fn index(self) -> usize {
        self as usize
    }
    /// The name a scenario's `fire` step uses.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Election => "election",
            Slot::FetchTimeout => "fetch_timeout",
            Slot::FetchRetry => "fetch_retry",
            Slot::CheckQuorum => "check_quorum",
            Slot::Announce => "announce",
            Slot::LongPoll => "long_poll",
            Slot::ControllerTick => "controller_tick",
            Slot::Heartbeat => "heartbeat",
            Slot::Partitions => "partitions",
        }
    }
    /// The slot a scenario's `fire` step names.
    pub fn from_name(name: &str) -> Option<Slot> {
        ALL_SLOTS.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Timer {
    deadline: Option<Time>,
    /// Earliest wake-up the simulation holds for this slot.
    armed: Option<Time>,
}

#[derive(Debug)]
pub enum Input<'a> {
    Message { from: NodeId, msg: &'a Message },
    Timer { slot: Slot, at: Time },
}

/// What a node asks of the world after handling one input.
#[derive(Clone, Debug, Default)]
pub struct Effects {
    pub sends: Vec<(NodeId, Message)>,
    pub timers: Vec<(Slot, Time)>,
    pub trace: Vec<TraceKind>,
    /// The process exits cleanly (a controlled shutdown finished): what it sent goes out first.
    pub stop: bool,
}

/// Buffers reused from step to step keep at most this capacity (a step that made one larger
/// gives it back).
pub const SPARE_CAPACITY: usize = 1024;

impl Effects {
    /// One of the buffers grew past what is worth keeping for reuse.
    pub fn is_large(&self) -> bool {
        self.sends.capacity() > SPARE_CAPACITY
            || self.timers.capacity() > SPARE_CAPACITY
            || self.trace.capacity() > SPARE_CAPACITY
    }

    pub fn clear(&mut self) {
        self.sends.clear();
        self.timers.clear();
        self.trace.clear();
        self.stop = false;
    }
}

/// The leader's view of one replica.
#[derive(Clone, Debug, Default)]
pub struct ReplicaProgress {
    pub end_offset: Option<Offset>,
    pub last_fetch: Option<Time>,
    /// The disk its last fetch came from (KIP-853).
    pub directory_id: Option<DirectoryId>,
    /// The snapshot it is downloading and when it last asked for a chunk: cleaning keeps it.
    pub snapshot_download: Option<(SnapshotId, Time)>,
}

#[derive(Clone, Debug)]
pub(crate) struct ParkedFetch {
    pub from: NodeId,
    pub req: crate::protocol::message::FetchRequest,
    pub deadline: Time,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct LeaderState {
    /// Offset of the first entry of this leader's epoch: the HW may only pass it.
    pub epoch_start: Offset,
    pub progress: BTreeMap<NodeId, ReplicaProgress>,
    /// Voters that fetched in the current check-quorum window.
    pub fetched_voters: BTreeSet<NodeId>,
    pub parked: Vec<ParkedFetch>,
    /// An AddVoter / RemoveVoter waiting for its VotersRecord to commit before it is answered.
    pub voter_change: Option<VoterChange>,
}

/// A voter change the leader appended and has not seen committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VoterChange {
    pub offset: Offset,
    pub added: Option<NodeId>,
    pub removed: Option<NodeId>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ElectionState {
    pub granted: BTreeSet<NodeId>,
    pub rejected: BTreeSet<NodeId>,
    /// Failed elections in a row, for the exponential back-off.
    pub retries: u32,
    /// A Candidate waiting out its back-off before the next attempt.
    pub backing_off: bool,
}

/// Where an election stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tally {
    /// A majority granted.
    Won,
    /// Too many refused for a majority to be possible.
    Lost,
    Open,
}

impl ElectionState {
    /// A voter's latest answer replaces any earlier one.
    pub fn record(&mut self, voter: NodeId, granted: bool) {
        if granted {
            self.rejected.remove(&voter);
            self.granted.insert(voter);
        } else {
            self.granted.remove(&voter);
            self.rejected.insert(voter);
        }
    }

    pub fn outcome(&self, voters: usize) -> Tally {
        let majority = majority_of(voters);
        if self.granted.len() >= majority {
            Tally::Won
        } else if voters - self.rejected.len() < majority {
            Tally::Lost
        } else {
            Tally::Open
        }
    }
}

/// More than half: 2 of 3, 3 of 4, 3 of 5.
pub fn majority_of(voters: usize) -> usize {
    voters / 2 + 1
}

impl LeaderState {
    /// The largest offset that a majority of `voters` holds: the leader itself at `own_end`, the
    /// others as far as their last fetch showed (0 before their first).
    /// A voter's fetches count only from its own disk; `me` is None for a leader that is no
    /// longer a voter itself (it removed itself and waits for that to commit).
    pub fn majority_end(&self, voters: &[Voter], me: Option<NodeId>, own_end: Offset) -> Offset {
        if voters.is_empty() {
            return 0;
        }
        let mut ends: Vec<Offset> = voters
            .iter()
            .map(|v| {
                if Some(v.id) == me {
                    own_end
                } else {
                    self.progress
                        .get(&v.id)
                        .filter(|p| {
                            v.directory_id
                                .is_none_or(|d| p.directory_id.is_none_or(|pd| pd == d))
                        })
                        .and_then(|p| p.end_offset)
                        .unwrap_or(0)
                }
            })
            .collect();
        ends.sort_unstable_by(|a, b| b.cmp(a));
        ends[voters.len() / 2]
    }
}

/// A resigned leader's announcement: the successors it named, and the voters that have not
/// acknowledged its EndQuorumEpoch yet (Kafka's ResignedState).
#[derive(Clone, Debug, Default)]
pub(crate) struct ResignedState {
    pub preferred: Vec<NodeId>,
    pub unacked: BTreeSet<NodeId>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct FetchState {
    pub inflight: Option<u64>,
    /// A successful fetch from the current leader in this follower state (KIP-996: refuse pre-votes).
    pub has_fetched: bool,
    /// Observers without a known leader try bootstrap servers in turn.
    pub bootstrap_index: usize,
    /// Snapshot being downloaded: (id, chunks received).
    pub snapshot: Option<(SnapshotId, u64)>,
}

/// Who a node is and what it shares with the cluster: what `start` needs besides its disk.
#[derive(Clone, Debug)]
pub struct Identity {
    pub id: NodeId,
    pub kind: NodeKind,
    pub cfg: Rc<Config>,
    /// How the quorum was formatted: kraft.version, bootstrap voters, bootstrap servers.
    pub quorum: Rc<QuorumBootstrap>,
    pub mode: ClusterMode,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub kind: NodeKind,
    pub(crate) cfg: Rc<Config>,
    pub(crate) quorum: Rc<QuorumBootstrap>,
    /// The voter sets this node's log holds; the newest is in force.
    pub(crate) voter_history: VoterHistory,
    /// The set in force, and its ids (what majorities count).
    pub(crate) voter_keys: Rc<[Voter]>,
    pub(crate) voters: Rc<[NodeId]>,
    pub(crate) durable: Durable,
    pub(crate) rng: StdRng,
    pub(crate) role: Role,
    pub(crate) hw: Option<Offset>,
    /// The committed image this node has applied (from its snapshot and log).
    pub(crate) image: Image,
    /// Committed records applied since the last snapshot, and their estimated bytes.
    pub(crate) since_snapshot: u64,
    pub(crate) since_snapshot_bytes: u64,
    timers: [Timer; SLOTS],
    pub(crate) election: ElectionState,
    pub(crate) fetch: FetchState,
    pub(crate) leader: Option<LeaderState>,
    pub(crate) resigned: Option<ResignedState>,
    pub(crate) controller: Option<crate::protocol::controller_state::ActiveController>,
    pub(crate) broker: crate::protocol::broker_state::BrokerState,
    /// A broker's partition fetchers, one per leader broker it follows partitions on.
    pub(crate) fetchers: BTreeMap<NodeId, crate::protocol::fetch_session::ReplicaFetcher>,
    /// A broker's fetch sessions with the brokers that follow its partitions.
    pub(crate) fetch_sessions: crate::protocol::fetch_session::FetchSessions,
    pub(crate) next_correlation: u64,
    pub(crate) mode: ClusterMode,
    /// A broker in ZooKeeper mode: its session, and the controller role if it won it.
    pub(crate) zk: Option<Box<crate::protocol::zk_state::ZkBroker>>,
}

impl Node {
    /// Builds a node from its durable state alone, as Kafka does on start: an ex-leader comes back
    /// Resigned, a node that voted for itself comes back Candidate, one that knew a leader Follower.
    pub fn start(
        identity: Identity,
        durable: Durable,
        rng: StdRng,
        now: Time,
        out: &mut Effects,
    ) -> Node {
        let Identity {
            id,
            kind,
            cfg,
            quorum,
            mode,
        } = identity;
        let mut durable = durable;
        durable.starts += 1;
        let first_correlation = durable.starts << 32;
        let image = durable
            .log
            .latest_snapshot()
            .map(|s| s.image.clone())
            .unwrap_or_default();
        let voter_history = VoterHistory::from_disk(&durable.log, &quorum.voters);
        let voter_keys = voter_history.current().clone();
        let voters = voter_keys.iter().map(|v| v.id).collect();
        let mut node = Node {
            id,
            kind,
            cfg,
            quorum,
            voter_history,
            voter_keys,
            voters,
            durable,
            rng,
            role: Role::Unattached,
            hw: None,
            image,
            since_snapshot: 0,
            since_snapshot_bytes: 0,
            timers: [Timer::default(); SLOTS],
            election: ElectionState::default(),
            fetch: FetchState::default(),
            leader: None,
            resigned: None,
            controller: None,
            broker: Default::default(),
            fetchers: BTreeMap::new(),
            fetch_sessions: Default::default(),
            // Correlation ids of each incarnation apart (as a new process's new connections
            // are): an answer to the previous incarnation's request never matches this one's.
            next_correlation: first_correlation,
            mode,
            zk: None,
        };
        if kind == NodeKind::Zookeeper {
            if node.durable.ensemble.is_none() {
                node.durable.ensemble = Some(Box::default());
            }
            node.start_ensemble(now, out);
            return node;
        }
        if kind.runs_broker() {
            // Replica logs survive; who leads and how far followers got is learned again.
            // Before leader epochs (the unsafe switch) a restarted replica cut its log to its HW.
            let unsafe_truncate = node.cfg.unsafe_truncate_to_hw;
            for r in node.durable.partitions.values_mut() {
                if unsafe_truncate {
                    let hw = r.hw;
                    r.log.truncate_to(hw);
                }
                **r = crate::protocol::replica::Replica {
                    log: std::mem::take(&mut r.log),
                    hw: r.hw,
                    ..Default::default()
                };
            }
        }
        if mode == ClusterMode::Zookeeper {
            // No quorum to follow: the broker's metadata comes from the controller's pushes.
            node.role = Role::Observer;
            node.start_zk_broker(now, out);
            return node;
        }
        if kind == NodeKind::Broker || !node.is_voter() {
            node.role = Role::Observer;
            node.start_observer(now, out);
            node.start_broker(now, out);
            return node;
        }
        node.start_voter(id, now, out);
        // A combined node's broker starts beside its controller.
        node.start_broker(now, out);
        node
    }

    /// A voter comes back from its quorum-state file.
    fn start_voter(&mut self, id: NodeId, now: Time, out: &mut Effects) {
        let node = self;
        let q = node.durable.quorum.clone();
        if q.leader == Some(id) {
            // Kafka's testInitializeAsResignedLeaderFromStateStore: back Resigned, and it tells
            // the others at once so nobody waits a whole fetch timeout.
            node.role = Role::Resigned;
            node.enter_resigned(now, Vec::new(), out);
            node.reset_election_timer(now, out);
        } else if q.voted_for == Some(id) && q.leader.is_none() {
            node.role = Role::Candidate;
            node.election = ElectionState {
                retries: 1,
                ..Default::default()
            };
            node.election.granted.insert(id);
            node.request_votes(false, out);
            node.reset_election_timer(now, out);
        } else if let Some(leader) = q.leader {
            node.role = Role::Follower;
            node.enter_follower(now, leader, out);
        } else {
            node.role = Role::Unattached;
            node.reset_election_timer(now, out);
        }
    }

    // ----- read-only views (for the simulation, captures and the UI) -----

    pub fn role(&self) -> Role {
        self.role
    }
    pub fn epoch(&self) -> Epoch {
        self.durable.quorum.epoch
    }
    pub fn leader_id(&self) -> Option<NodeId> {
        self.durable.quorum.leader
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.durable.quorum.voted_for
    }
    pub fn log(&self) -> &Log {
        &self.durable.log
    }
    pub fn high_watermark(&self) -> Option<Offset> {
        self.hw
    }
    pub fn image(&self) -> &Image {
        &self.image
    }
    pub fn durable(&self) -> &Durable {
        &self.durable
    }
    /// Whether this replica (its id and its disk) is in the voter set in force.
    pub fn is_voter(&self) -> bool {
        let (id, dir) = (self.id, self.durable.directory_id);
        self.voter_keys.iter().any(|v| v.is(id, dir))
    }
    /// The voter set in force, with directory ids.
    pub fn voter_set(&self) -> &[Voter] {
        &self.voter_keys
    }
    /// The voter sets its log holds (for the checker).
    pub fn voter_history(&self) -> &VoterHistory {
        &self.voter_history
    }
    pub fn directory_id(&self) -> DirectoryId {
        self.durable.directory_id
    }
    pub fn kraft_version(&self) -> u8 {
        self.quorum.kraft_version
    }
    pub fn voters(&self) -> &[NodeId] {
        &self.voters
    }
    /// This node's identity, to start it again from its disk.
    pub fn identity(&self) -> Identity {
        Identity {
            id: self.id,
            kind: self.kind,
            cfg: self.cfg.clone(),
            quorum: self.quorum.clone(),
            mode: self.mode,
        }
    }
    /// The leader's view of replication progress (empty unless leader).
    pub fn progress(&self) -> Option<&BTreeMap<NodeId, ReplicaProgress>> {
        self.leader.as_ref().map(|l| &l.progress)
    }
    /// The deadline of a timer, for the UI's timer arc.
    pub fn timer_deadline(&self, slot: Slot) -> Option<Time> {
        self.timers[slot.index()].deadline
    }
    /// A timer that is set: (its deadline, the wake-up the simulation holds for it). What the
    /// explorer fires out of turn.
    pub fn timer_due(&self, slot: Slot) -> Option<(Time, Time)> {
        let t = self.timers[slot.index()];
        Some((t.deadline?, t.armed?))
    }
    /// Snapshot download in progress: (id, chunks received).
    pub fn snapshot_download(&self) -> Option<(SnapshotId, u64)> {
        self.fetch.snapshot
    }
    pub fn active_controller(
        &self,
    ) -> Option<&crate::protocol::controller_state::ActiveController> {
        self.controller.as_ref()
    }
    pub fn broker_state(&self) -> &crate::protocol::broker_state::BrokerState {
        &self.broker
    }

    pub(crate) fn majority(&self) -> usize {
        majority_of(self.voters.len())
    }

    // ----- timers -----

    pub(crate) fn set_timer(&mut self, slot: Slot, at: Time, out: &mut Effects) {
        let t = &mut self.timers[slot.index()];
        t.deadline = Some(at);
        if t.armed.is_none_or(|a| a > at) {
            t.armed = Some(at);
            out.timers.push((slot, at));
        }
    }

    pub(crate) fn clear_timer(&mut self, slot: Slot) {
        self.timers[slot.index()].deadline = None;
    }

    /// Every quorum timer. A combined node's broker keeps its own (heartbeats, partition
    /// fetches): a controller election does not stop the broker in the same process.
    pub(crate) fn clear_all_timers(&mut self) {
        let keep_broker = self.kind == NodeKind::Combined;
        for (i, t) in self.timers.iter_mut().enumerate() {
            if keep_broker && (i == Slot::Heartbeat.index() || i == Slot::Partitions.index()) {
                continue;
            }
            t.deadline = None;
        }
    }

    /// Whether a wake-up really fires the slot (a later deadline re-arms; a stale wake-up is ignored).
    fn timer_fires(&mut self, slot: Slot, at: Time, now: Time, out: &mut Effects) -> bool {
        let t = &mut self.timers[slot.index()];
        if t.armed != Some(at) {
            return false;
        }
        t.armed = None;
        match t.deadline {
            None => false,
            Some(d) if d > now => {
                t.armed = Some(d);
                out.timers.push((slot, d));
                false
            }
            Some(_) => {
                t.deadline = None;
                true
            }
        }
    }

    /// Test support: fires a timer slot at its deadline, as the simulation would.
    #[cfg(test)]
    pub(crate) fn fire(&mut self, slot: Slot, out: &mut Effects) -> bool {
        let t = self.timers[slot.index()];
        let (Some(at), Some(deadline)) = (t.armed, t.deadline) else {
            return false;
        };
        self.handle(deadline.max(at), Input::Timer { slot, at }, out)
    }

    /// Election timeout: uniform in [T, 2T) from this node's seeded RNG.
    pub(crate) fn reset_election_timer(&mut self, now: Time, out: &mut Effects) {
        let t = self.cfg.election_timeout_ms;
        let d = self.rng.random_range(t..2 * t);
        self.set_timer(Slot::Election, now + d, out);
    }

    pub(crate) fn correlation(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }

    // ----- dispatch -----

    /// Handles one input. Returns false when nothing happened (a stale or re-armed timer), so the
    /// simulation's "step one event" never stops on an invisible event.
    pub fn handle(&mut self, now: Time, input: Input<'_>, out: &mut Effects) -> bool {
        if let Some(z) = self.zk.as_mut() {
            // ZooKeeper calls made while handling this input are stamped with its time.
            z.now = now;
        }
        match input {
            Input::Timer { slot, at } => {
                if !self.timer_fires(slot, at, now, out) {
                    return false;
                }
                self.on_timer(now, slot, out);
                true
            }
            Input::Message { from, msg } => {
                self.on_message(now, from, msg, out);
                true
            }
        }
    }

    fn on_timer(&mut self, now: Time, slot: Slot, out: &mut Effects) {
        match slot {
            Slot::Election => self.on_election_timeout(now, out),
            Slot::FetchTimeout => self.on_fetch_timeout(now, out),
            Slot::FetchRetry => self.send_fetch(now, out),
            Slot::CheckQuorum => self.on_check_quorum(now, out),
            Slot::Announce => self.on_announce_timer(now, out),
            Slot::LongPoll => self.on_long_poll_timer(now, out),
            Slot::ControllerTick if self.kind == NodeKind::Zookeeper => {
                self.on_ensemble_tick(now, out)
            }
            Slot::ControllerTick if self.zk.is_some() => self.on_zk_controller_tick(now, out),
            Slot::ControllerTick => self.on_controller_tick(now, out),
            Slot::Heartbeat if self.zk.is_some() => self.on_zk_session_timer(now, out),
            Slot::Heartbeat => self.on_heartbeat_timer(now, out),
            Slot::Partitions => self.on_partitions_tick(now, out),
        }
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: &Message, out: &mut Effects) {
        match msg {
            Message::Vote(req) => self.on_vote_request(now, from, req, out),
            Message::VoteResponse(resp) => self.on_vote_response(now, from, resp, out),
            Message::BeginQuorumEpoch(req) => self.on_begin_quorum_epoch(now, req, out),
            Message::EndQuorumEpoch(req) => self.on_end_quorum_epoch(now, from, req, out),
            Message::EndQuorumEpochResponse(resp) => {
                self.on_end_quorum_epoch_response(now, from, resp, out)
            }
            Message::Fetch(req) => self.on_fetch_request(now, from, req, out),
            Message::FetchResponse(resp) => self.on_fetch_response(now, from, resp, out),
            Message::FetchSnapshot(req) => self.on_fetch_snapshot_request(now, from, req, out),
            Message::FetchSnapshotResponse(resp) => {
                self.on_fetch_snapshot_response(now, from, resp, out)
            }
            Message::BrokerRegistration(req) => self.on_broker_registration(now, from, req, out),
            Message::BrokerRegistrationResponse(resp) => {
                self.on_registration_response(now, resp, out)
            }
            Message::BrokerHeartbeat(req) => self.on_broker_heartbeat(now, from, req, out),
            Message::BrokerHeartbeatResponse(resp) => self.on_heartbeat_response(now, resp, out),
            Message::PartitionFetch(req) => self.on_partition_fetch(now, from, req, out),
            Message::Produce(req) => self.on_produce(now, from, req, out),
            Message::ConsumerFetch(req) => self.on_consumer_fetch(from, req, out),
            // The clients', not a node's.
            Message::ProduceResponse(_) | Message::ConsumerFetchResponse(_) => {}
            Message::PartitionFetchResponse(resp) => {
                self.on_partition_fetch_response(now, from, resp, out)
            }
            Message::AlterPartition(req) if self.zk.is_some() => {
                self.on_zk_alter_partition(from, req, out)
            }
            Message::AlterPartition(req) => self.on_alter_partition(now, from, req, out),
            Message::Zk(req) => self.on_zk_request(now, from, req, out),
            Message::ZkResponse(resp) => self.on_zk_response(now, resp, out),
            Message::ZkWatch(w) => self.on_zk_watch(now, w, out),
            Message::Control(req) => self.on_control_request(now, from, req, out),
            Message::ControlResponse(resp) => self.on_control_response(now, from, resp, out),
            Message::ControlledShutdown(req) => self.on_controlled_shutdown(now, from, req, out),
            Message::ControlledShutdownResponse(resp) => {
                self.on_controlled_shutdown_response(now, resp, out)
            }
            Message::AlterPartitionResponse(resp) => {
                self.on_alter_partition_response(now, resp, out)
            }
        }
    }

    // ----- role changes shared by every path -----

    pub(crate) fn trace_role(&self, from: Role, reason: RoleReason, out: &mut Effects) {
        out.trace.push(TraceKind::Role {
            node: self.id,
            from,
            to: self.role,
            epoch: self.epoch(),
            leader: self.leader_id(),
            reason,
        });
    }

    /// Leaves whatever role we had, the one reset every role change goes through: drops leader
    /// and controller state, every timer, the votes of a running election (the count of lost
    /// elections stays for the back-off) and the fetch in flight.
    pub(crate) fn leave_role(&mut self, out: &mut Effects) {
        // Long-polled fetches are answered, not dropped: their fetchers learn at once.
        self.answer_parked_with_error(out);
        // A snapshot download belongs to one follower term: after a change it starts over.
        self.fetch.snapshot = None;
        self.leader = None;
        self.resigned = None;
        self.controller = None;
        self.clear_all_timers();
        self.election = ElectionState {
            retries: self.election.retries,
            ..Default::default()
        };
        self.fetch.inflight = None;
        self.fetch.has_fetched = false;
    }

    /// Durable first: a higher epoch (dropping the vote) or, in the same epoch, the leader now known.
    fn record_epoch(&mut self, epoch: Epoch, leader: Option<NodeId>) {
        let q = &mut self.durable.quorum;
        if epoch > q.epoch {
            *q = QuorumState {
                epoch,
                voted_for: None,
                leader,
            };
        } else {
            q.leader = leader;
        }
    }

    /// An observer has no election role: on news of the epoch it just fetches from whoever
    /// leads now (a download from the old leader starts over). True if we are an observer.
    fn refetch_if_observer(&mut self, now: Time, out: &mut Effects) -> bool {
        if self.role != Role::Observer {
            return false;
        }
        self.fetch.inflight = None;
        self.fetch.snapshot = None;
        self.send_fetch(now, out);
        true
    }

    /// Moves to a higher epoch with no known leader (Unattached), or keeps the epoch and becomes
    /// Unattached in it (keeping the vote).
    pub(crate) fn become_unattached(
        &mut self,
        now: Time,
        epoch: Epoch,
        reason: RoleReason,
        out: &mut Effects,
    ) {
        let from = self.role;
        self.record_epoch(epoch, None);
        if self.refetch_if_observer(now, out) {
            return;
        }
        // Kafka keeps the running election timer of a node that was already waiting for an
        // election (so a disruptive candidate cannot keep everyone from campaigning); others draw anew.
        let keep = match self.role {
            Role::Candidate | Role::Unattached | Role::Resigned => {
                self.timer_deadline(Slot::Election)
            }
            Role::Prospective
                if self.election.rejected.len() + self.majority() <= self.voters.len() =>
            {
                self.timer_deadline(Slot::Election)
            }
            _ => None,
        };
        self.leave_role(out);
        self.role = Role::Unattached;
        match keep {
            Some(at) if at > now => self.set_timer(Slot::Election, at, out),
            _ => self.reset_election_timer(now, out),
        }
        self.trace_role(from, reason, out);
        // A kept deadline that has already passed: no time left, campaign at once.
        if keep.is_some_and(|at| at <= now) {
            self.start_election(now, RoleReason::ElectionTimeout, out);
        }
    }

    pub(crate) fn become_follower(
        &mut self,
        now: Time,
        epoch: Epoch,
        leader: NodeId,
        reason: RoleReason,
        out: &mut Effects,
    ) {
        let from = self.role;
        self.record_epoch(epoch, Some(leader));
        if self.refetch_if_observer(now, out) {
            return;
        }
        self.leave_role(out);
        self.role = Role::Follower;
        self.enter_follower(now, leader, out);
        self.trace_role(from, reason, out);
    }

    fn enter_follower(&mut self, now: Time, _leader: NodeId, out: &mut Effects) {
        self.election.retries = 0;
        self.fetch.has_fetched = false;
        self.set_timer(Slot::FetchTimeout, now + self.cfg.fetch_timeout_ms, out);
        self.send_fetch(now, out);
    }

    /// Any message with a higher epoch moves us to it first (as Follower if it names a leader);
    /// a message naming the leader of our own epoch, while we know none, makes us its Follower.
    /// Returns true if our role changed.
    pub(crate) fn observe_epoch(
        &mut self,
        now: Time,
        epoch: Epoch,
        leader: Option<NodeId>,
        out: &mut Effects,
    ) -> bool {
        let ours = self.epoch();
        if epoch > ours {
            match leader {
                Some(l) if l != self.id => {
                    self.become_follower(now, epoch, l, RoleReason::HigherEpochWithLeader, out)
                }
                _ => self.become_unattached(now, epoch, RoleReason::HigherEpoch, out),
            }
            return true;
        }
        if epoch == ours {
            if let Some(l) = leader {
                // Only news to a node that knows no leader in this epoch: a Prospective still knows
                // the leader it followed, and hearing that name again changes nothing.
                let knows_none = self.leader_id().is_none();
                if l != self.id
                    && knows_none
                    && self.role != Role::Leader
                    && self.role != Role::Resigned
                {
                    self.become_follower(now, epoch, l, RoleReason::LearnedLeader, out);
                    return true;
                }
                if self.role == Role::Observer && self.leader_id() != Some(l) {
                    self.durable.quorum.leader = Some(l);
                }
            }
        }
        false
    }
}
