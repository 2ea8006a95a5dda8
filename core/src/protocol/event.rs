//! What happened, as typed events: the nodes emit their part (role changes, votes, appends,
//! truncations, HW moves, snapshots, broker and partition changes); the simulation adds the rest
//! (messages sent, delivered, dropped; faults; violations). The UI narrates from them.

use crate::protocol::message::Message;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use serde::Serialize;
use std::rc::Rc;

/// Why a node changed role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleReason {
    ElectionTimeout,
    PreVoteTimedOut,
    BackoffOver,
    ResignedElectionTimeout,
    FetchTimeout,
    ForcedElection,
    PreVoteWon,
    PreVoteLost,
    VoteRequestWithHigherEpoch,
    GrantedVote,
    WonElection,
    CheckQuorumFailed,
    GracefulResignation,
    HigherEpochWithLeader,
    HigherEpoch,
    LearnedLeader,
    /// KIP-853: a VotersRecord in its log added this replica (it leaves the observers).
    AddedToVoters,
    /// KIP-853: a VotersRecord in its log removed this replica (a leader: once committed).
    RemovedFromVoters,
}

impl RoleReason {
    /// The reason in English (the UI translates the enum itself).
    pub fn text(self) -> &'static str {
        match self {
            RoleReason::ElectionTimeout => "election timeout",
            RoleReason::PreVoteTimedOut => "pre-vote timed out",
            RoleReason::BackoffOver => "back-off over",
            RoleReason::ResignedElectionTimeout => "resigned leader's election timeout",
            RoleReason::FetchTimeout => "fetch timeout",
            RoleReason::ForcedElection => "forced election",
            RoleReason::PreVoteWon => "pre-vote won",
            RoleReason::PreVoteLost => "pre-vote lost",
            RoleReason::VoteRequestWithHigherEpoch => "vote request with a higher epoch",
            RoleReason::GrantedVote => "granted a vote",
            RoleReason::WonElection => "won the election",
            RoleReason::CheckQuorumFailed => "check-quorum failed: no fetches from a majority",
            RoleReason::GracefulResignation => "graceful resignation",
            RoleReason::HigherEpochWithLeader => "saw a higher epoch with a leader",
            RoleReason::HigherEpoch => "saw a higher epoch",
            RoleReason::LearnedLeader => "learned the leader",
            RoleReason::AddedToVoters => "added to the voter set",
            RoleReason::RemovedFromVoters => "removed from the voter set",
        }
    }
}

/// Why a vote or pre-vote was granted or refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteReason {
    CandidateEpochOlder,
    IAmTheLeader,
    IResignedInThisEpoch,
    MyLeaderIsAlive,
    AlreadyFollowingALeader,
    AlreadyVoted,
    MyLogIsMoreUpToDate,
    LogIsUpToDate,
    /// KIP-853 INVALID_VOTER_KEY: the request was for the voter on another disk (this replica's
    /// disk was replaced), or this replica is not in its own voter set.
    NotThisVoter,
}

impl VoteReason {
    /// The reason in English (the UI translates the enum itself).
    pub fn text(self) -> &'static str {
        match self {
            VoteReason::CandidateEpochOlder => "candidate's epoch is older",
            VoteReason::IAmTheLeader => "I am the leader",
            VoteReason::IResignedInThisEpoch => "I resigned in this epoch",
            VoteReason::MyLeaderIsAlive => "my leader is alive (I fetched from it)",
            VoteReason::AlreadyFollowingALeader => "I already follow a leader in this epoch",
            VoteReason::AlreadyVoted => "I already voted in this epoch",
            VoteReason::MyLogIsMoreUpToDate => "my log is more up to date",
            VoteReason::LogIsUpToDate => "log is up to date",
            VoteReason::NotThisVoter => "I am not that voter (another disk, or not a voter)",
        }
    }
}

/// Why a log was truncated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TruncateReason {
    DivergingEpoch,
}

impl TruncateReason {
    /// The reason in English (the UI translates the enum itself).
    pub fn text(self) -> &'static str {
        match self {
            TruncateReason::DivergingEpoch => "diverging epoch from the leader",
        }
    }
}

/// Why the active controller fenced a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FenceReason {
    SessionExpired,
}

impl FenceReason {
    /// The reason in English (the UI translates the enum itself).
    pub fn text(self) -> &'static str {
        match self {
            FenceReason::SessionExpired => "session expired or asked",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    LinkDown,
    Loss,
    NodeDown,
    /// A user (or scenario) dropped this one message (`drop_next`).
    ByHand,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceKind {
    Send {
        id: u64,
        from: NodeId,
        to: NodeId,
        deliver_at: Time,
        #[serde(serialize_with = "ser_msg")]
        msg: Rc<Message>,
    },
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        #[serde(serialize_with = "ser_msg")]
        msg: Rc<Message>,
    },
    Drop {
        id: u64,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
        #[serde(serialize_with = "ser_msg")]
        msg: Rc<Message>,
    },
    Role {
        node: NodeId,
        from: Role,
        to: Role,
        epoch: Epoch,
        leader: Option<NodeId>,
        reason: RoleReason,
    },
    VoteCast {
        voter: NodeId,
        candidate: NodeId,
        epoch: Epoch,
        pre_vote: bool,
        granted: bool,
        reason: VoteReason,
    },
    Append {
        node: NodeId,
        first: Offset,
        count: u64,
        epoch: Epoch,
        kind: &'static str,
    },
    Truncate {
        node: NodeId,
        to: Offset,
        removed: u64,
        first_removed_epoch: Epoch,
        reason: TruncateReason,
    },
    HighWatermark {
        node: NodeId,
        hw: Offset,
    },
    SnapshotTaken {
        node: NodeId,
        id: SnapshotId,
    },
    SnapshotLoaded {
        node: NodeId,
        id: SnapshotId,
        from: NodeId,
    },
    LogStartMoved {
        node: NodeId,
        offset: Offset,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    /// The node lost power: down like a crash, and its replicas lost `records` records the
    /// OS had not written to disk yet.
    PowerLoss {
        node: NodeId,
        records: u64,
    },
    Pause {
        node: NodeId,
        until: Time,
    },
    Resume {
        node: NodeId,
    },
    Link {
        from: NodeId,
        to: NodeId,
        up: bool,
    },
    BrokerRegistered {
        offset: Offset,
        broker: NodeId,
        broker_epoch: Offset,
    },
    BrokerFenced {
        offset: Offset,
        broker: NodeId,
        reason: FenceReason,
    },
    BrokerUnfenced {
        offset: Offset,
        broker: NodeId,
    },
    /// A partition state as written (KRaft: a committed record applied by a controller;
    /// ZooKeeper mode: a partition-state znode written; `offset` is then the zxid).
    PartitionChange {
        offset: Offset,
        topic: String,
        partition: u32,
        /// The assignment, in order (the election rule picks the first eligible).
        replicas: Box<[NodeId]>,
        /// Replicas that may not lead as the state is written (KRaft: fenced in the image; a
        /// fenced broker can still be in the ISR, e.g. restarted before its session expired).
        #[serde(skip_serializing_if = "<[NodeId]>::is_empty")]
        ineligible: Box<[NodeId]>,
        leader: Option<NodeId>,
        leader_epoch: u32,
        // Boxed slices, not Vecs: every trace event is as large as the largest, and this one
        // is rare.
        isr: Box<[NodeId]>,
        #[serde(skip_serializing_if = "<[NodeId]>::is_empty")]
        elr: Box<[NodeId]>,
        /// The leader was chosen uncleanly and has not reported back yet (RECOVERING).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        recovering: bool,
    },
    Produced {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        records: u64,
        leo: Offset,
    },
    PartitionHighWatermark {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        hw: Offset,
    },
    /// Acknowledged records that are gone, in a way Kafka allows: acks 0/1 after a failover,
    /// or an unclean election. (An acks=all loss without one is a violation instead.)
    RecordsLost {
        produce: u64,
        topic: String,
        partition: u32,
        acks: crate::protocol::types::Acks,
        values: Vec<String>,
        reason: LossReason,
    },
    PartitionTruncated {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        to: Offset,
        removed: u64,
    },
    /// KIP-853: the voter set this node uses changed (a VotersRecord appended or truncated, or a
    /// snapshot loaded).
    VotersChanged {
        node: NodeId,
        voters: Box<[NodeId]>,
    },
    /// ZooKeeper mode: the ensemble expired a session it had not heard from (its ephemeral
    /// znodes are gone; the client learns it only when it next reaches the ensemble).
    ZkSessionExpired {
        node: NodeId,
        session: u64,
    },
    /// ZooKeeper mode: a broker created `/controller` and bumped `/controller_epoch`.
    ControllerElected {
        node: NodeId,
        epoch: u32,
    },
    /// ZooKeeper mode: the new controller has read every znode it needs and may elect partition
    /// leaders again: `zk_calls` calls to ZooKeeper in `took_ms` since it was elected.
    ControllerReady {
        node: NodeId,
        epoch: u32,
        zk_calls: u64,
        took_ms: Time,
    },
    /// ZooKeeper mode: a broker stopped acting as the controller (it lost `/controller` or learned
    /// that its session expired).
    ControllerResigned {
        node: NodeId,
        epoch: u32,
    },
    /// ZooKeeper mode: a write by a controller of an older epoch landed in ZooKeeper (possible
    /// only with `unsafe_no_controller_epoch_check`, as before Kafka 2.1).
    ZombieWrite {
        node: NodeId,
        epoch: u32,
        current: u32,
        path: String,
    },
    /// A broker asked for a controlled shutdown ...
    ShutdownRequested {
        node: NodeId,
    },
    /// ... and, its leaderships moved, stopped cleanly.
    ShutDown {
        node: NodeId,
    },
    /// ZooKeeper mode: a broker acted on a push from a controller whose epoch ZooKeeper has
    /// already moved past (it had heard nothing newer). Not a violation: how Kafka worked.
    BrokerFollowedStaleController {
        broker: NodeId,
        controller: NodeId,
        epoch: u32,
        current: u32,
    },
    /// KIP-853: the leader's voter change committed (AddVoter / RemoveVoter answered).
    VoterChangeCommitted {
        node: NodeId,
        offset: Offset,
        added: Option<NodeId>,
        removed: Option<NodeId>,
    },
    /// The node crashed and came back with an empty disk: a new directory id.
    Wipe {
        node: NodeId,
        directory_id: u64,
    },
    Violation {
        invariant: &'static str,
        detail: String,
    },
}

fn ser_msg<S: serde::Serializer>(msg: &Rc<Message>, s: S) -> Result<S::Ok, S::Error> {
    msg.as_ref().serialize(s)
}

/// What an event is about, for filtering: messages on the wire, dropped ones, elections, the log,
/// brokers and partitions, faults, broken invariants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventGroup {
    Message,
    Drop,
    Election,
    Log,
    Broker,
    Fault,
    Violation,
}

impl TraceKind {
    pub fn group(&self) -> EventGroup {
        self.about().0
    }

    /// The nodes an event concerns (none for cluster-wide ones).
    pub fn nodes(&self) -> (Option<NodeId>, Option<NodeId>) {
        let (_, a, b) = self.about();
        (a, b)
    }

    /// What an event is about: its group and the nodes it concerns, in one place per variant.
    fn about(&self) -> (EventGroup, Option<NodeId>, Option<NodeId>) {
        use EventGroup::*;
        match self {
            TraceKind::Send { from, to, .. } | TraceKind::Deliver { from, to, .. } => {
                (Message, Some(*from), Some(*to))
            }
            TraceKind::Drop { from, to, .. } => (Drop, Some(*from), Some(*to)),
            TraceKind::Role { node, .. } => (Election, Some(*node), None),
            TraceKind::VoteCast {
                voter, candidate, ..
            } => (Election, Some(*voter), Some(*candidate)),
            TraceKind::Append { node, .. }
            | TraceKind::Truncate { node, .. }
            | TraceKind::HighWatermark { node, .. }
            | TraceKind::SnapshotTaken { node, .. }
            | TraceKind::SnapshotLoaded { node, .. }
            | TraceKind::LogStartMoved { node, .. } => (Log, Some(*node), None),
            TraceKind::VotersChanged { node, .. }
            | TraceKind::VoterChangeCommitted { node, .. } => (Election, Some(*node), None),
            TraceKind::BrokerRegistered { broker, .. }
            | TraceKind::BrokerFenced { broker, .. }
            | TraceKind::BrokerUnfenced { broker, .. } => (Broker, Some(*broker), None),
            TraceKind::Produced { node, .. }
            | TraceKind::PartitionHighWatermark { node, .. }
            | TraceKind::PartitionTruncated { node, .. } => (Broker, Some(*node), None),
            TraceKind::PartitionChange { .. } | TraceKind::RecordsLost { .. } => {
                (Broker, None, None)
            }
            TraceKind::Crash { node }
            | TraceKind::PowerLoss { node, .. }
            | TraceKind::Restart { node }
            | TraceKind::Pause { node, .. }
            | TraceKind::Resume { node }
            | TraceKind::Wipe { node, .. }
            | TraceKind::ShutdownRequested { node }
            | TraceKind::ShutDown { node } => (Fault, Some(*node), None),
            TraceKind::Link { from, to, .. } => (Fault, Some(*from), Some(*to)),
            TraceKind::Violation { .. } => (Violation, None, None),
            TraceKind::ZkSessionExpired { node, .. } => (Broker, Some(*node), None),
            TraceKind::BrokerFollowedStaleController {
                broker, controller, ..
            } => (Broker, Some(*broker), Some(*controller)),
            TraceKind::ControllerElected { node, .. }
            | TraceKind::ControllerReady { node, .. }
            | TraceKind::ControllerResigned { node, .. }
            | TraceKind::ZombieWrite { node, .. } => (Election, Some(*node), None),
        }
    }

    /// The event's name, as its JSON `event` field says it.
    pub fn name(&self) -> &'static str {
        match self {
            TraceKind::Send { .. } => "send",
            TraceKind::Deliver { .. } => "deliver",
            TraceKind::Drop { .. } => "drop",
            TraceKind::Role { .. } => "role",
            TraceKind::VoteCast { .. } => "vote_cast",
            TraceKind::Append { .. } => "append",
            TraceKind::Truncate { .. } => "truncate",
            TraceKind::HighWatermark { .. } => "high_watermark",
            TraceKind::SnapshotTaken { .. } => "snapshot_taken",
            TraceKind::SnapshotLoaded { .. } => "snapshot_loaded",
            TraceKind::LogStartMoved { .. } => "log_start_moved",
            TraceKind::Crash { .. } => "crash",
            TraceKind::PowerLoss { .. } => "power_loss",
            TraceKind::Restart { .. } => "restart",
            TraceKind::Pause { .. } => "pause",
            TraceKind::Resume { .. } => "resume",
            TraceKind::Link { .. } => "link",
            TraceKind::BrokerRegistered { .. } => "broker_registered",
            TraceKind::BrokerFenced { .. } => "broker_fenced",
            TraceKind::BrokerUnfenced { .. } => "broker_unfenced",
            TraceKind::PartitionChange { .. } => "partition_change",
            TraceKind::Produced { .. } => "produced",
            TraceKind::PartitionHighWatermark { .. } => "partition_high_watermark",
            TraceKind::PartitionTruncated { .. } => "partition_truncated",
            TraceKind::RecordsLost { .. } => "records_lost",
            TraceKind::VotersChanged { .. } => "voters_changed",
            TraceKind::VoterChangeCommitted { .. } => "voter_change_committed",
            TraceKind::Wipe { .. } => "wipe",
            TraceKind::Violation { .. } => "violation",
            TraceKind::ZkSessionExpired { .. } => "zk_session_expired",
            TraceKind::ControllerElected { .. } => "controller_elected",
            TraceKind::ControllerReady { .. } => "controller_ready",
            TraceKind::ControllerResigned { .. } => "controller_resigned",
            TraceKind::ZombieWrite { .. } => "zombie_write",
            TraceKind::BrokerFollowedStaleController { .. } => "broker_followed_stale_controller",
            TraceKind::ShutdownRequested { .. } => "shutdown_requested",
            TraceKind::ShutDown { .. } => "shut_down",
        }
    }

    /// The log offset of the committed record a narration event stands for.
    pub fn record_offset(&self) -> Option<Offset> {
        match self {
            TraceKind::BrokerRegistered { offset, .. }
            | TraceKind::BrokerFenced { offset, .. }
            | TraceKind::BrokerUnfenced { offset, .. }
            | TraceKind::PartitionChange { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// Why acknowledged records were lost without breaking a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// acks=0 or 1: the leader acknowledged (or nobody did) before any follower copied them,
    /// and leadership moved to a replica without them.
    Failover,
    /// An out-of-sync replica was elected (the topic allows unclean election).
    UncleanElection,
    /// Every replica that held them lost power before the OS wrote them to disk: acks=all
    /// waits for replication, not for a flush.
    PowerLoss,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::{FetchRequest, Message};

    fn send(from: NodeId, to: NodeId) -> TraceKind {
        TraceKind::Send {
            id: 1,
            from,
            to,
            deliver_at: 5,
            msg: Rc::new(Message::Fetch(FetchRequest {
                correlation: 1,
                epoch: 1,
                replica: from,
                fetch_offset: 0,
                last_fetched_epoch: 0,
                high_watermark: None,
                replica_directory_id: 0,
            })),
        }
    }

    #[test]
    fn an_events_name_is_its_json_tag() {
        let kinds = [
            send(1, 2),
            TraceKind::Crash { node: 3 },
            TraceKind::HighWatermark { node: 1, hw: 4 },
            TraceKind::BrokerUnfenced {
                offset: 7,
                broker: 101,
            },
        ];
        for k in kinds {
            let json = serde_json::to_value(&k).expect("serializes");
            assert_eq!(json["event"], k.name());
        }
    }

    #[test]
    fn an_event_names_the_nodes_it_is_about() {
        assert_eq!(send(1, 2).nodes(), (Some(1), Some(2)));
        assert_eq!(TraceKind::Crash { node: 3 }.nodes(), (Some(3), None));
        assert_eq!(send(1, 2).group(), EventGroup::Message);
    }

    #[test]
    fn vote_reasons_read_differently() {
        let texts: std::collections::BTreeSet<&str> = [
            VoteReason::AlreadyVoted,
            VoteReason::MyLeaderIsAlive,
            VoteReason::LogIsUpToDate,
        ]
        .iter()
        .map(|r| r.text())
        .collect();
        assert_eq!(texts.len(), 3);
        assert!(FenceReason::SessionExpired.text().contains("session"));
        assert!(TruncateReason::DivergingEpoch.text().contains("diverging"));
    }
}
