//! The RPCs nodes exchange. Every request and response carries the sender's epoch and known leader,
//! so a receiver behind on epochs catches up from any message.

use crate::protocol::metadata::Image;
use crate::protocol::record::Entry;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId};
use serde::Serialize;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "rpc")]
pub enum Message {
    Vote(VoteRequest),
    VoteResponse(VoteResponse),
    BeginQuorumEpoch(BeginQuorumEpochRequest),
    EndQuorumEpoch(EndQuorumEpochRequest),
    EndQuorumEpochResponse(EndQuorumEpochResponse),
    Fetch(FetchRequest),
    FetchResponse(FetchResponse),
    FetchSnapshot(FetchSnapshotRequest),
    FetchSnapshotResponse(FetchSnapshotResponse),
    BrokerRegistration(BrokerRegistrationRequest),
    BrokerRegistrationResponse(BrokerRegistrationResponse),
    BrokerHeartbeat(HeartbeatRequest),
    BrokerHeartbeatResponse(HeartbeatResponse),
    /// Data plane: a partition follower pulls from the partition leader.
    PartitionFetch(PartitionFetchRequest),
    PartitionFetchResponse(PartitionFetchResponse),
    /// A partition leader asks the active controller to change the ISR.
    AlterPartition(AlterPartitionRequest),
    /// Sent once the PartitionChange record commits (at once for a refusal).
    AlterPartitionResponse(AlterPartitionResponse),
    /// The producer client hands records to a partition leader.
    Produce(ProduceRequest),
    ProduceResponse(ProduceResponse),
    /// A consumer polls a partition leader (read_uncommitted: only below the HW).
    ConsumerFetch(ConsumerFetchRequest),
    /// Boxed: the largest message, and a rare one (every message is as large as the largest).
    ConsumerFetchResponse(Box<ConsumerFetchResponse>),
    // ZooKeeper mode only.
    /// A broker's call on its ZooKeeper session.
    Zk(crate::protocol::zk_rpc::ZkRequest),
    ZkResponse(crate::protocol::zk_rpc::ZkResponse),
    /// The ensemble tells a session that a watched znode changed (no data).
    ZkWatch(crate::protocol::zk_rpc::ZkWatchNotice),
    /// LeaderAndIsr or UpdateMetadata from the ZooKeeper-mode controller.
    Control(crate::protocol::zk_rpc::ControlRequest),
    ControlResponse(crate::protocol::zk_rpc::ControlResponse),
    /// A ZooKeeper-mode broker asks the controller to move its leaderships away before it stops.
    ControlledShutdown(crate::protocol::zk_rpc::ControlledShutdownRequest),
    ControlledShutdownResponse(crate::protocol::zk_rpc::ControlledShutdownResponse),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request's epoch is older than ours.
    FencedLeaderEpoch,
    /// We are not the leader (the response names who is, if we know).
    NotLeaderOrFollower,
    /// A broker that is not registered (or whose epoch is stale) heartbeats.
    StaleBrokerEpoch,
    /// The snapshot asked for was replaced by a newer one.
    SnapshotNotFound,
    /// The quorum leader is not yet the active controller (it has not replayed its epoch start).
    NotController,
    /// acks=all while the ISR is smaller than `min.insync.replicas`.
    NotEnoughReplicas,
    /// A Fetch or FetchSnapshot in an epoch newer than ours: we cannot be its leader.
    UnknownLeaderEpoch,
    /// A new incarnation of a broker whose previous one still has a live session.
    DuplicateBrokerRegistration,
    /// AlterPartition for a partition the controller does not know.
    UnknownTopicOrPartition,
    /// AlterPartition from a broker that is not the partition's leader.
    InvalidRequest,
    /// AlterPartition naming an ISR member that is fenced, or of another broker epoch (KIP-841, KIP-903).
    IneligibleReplica,
    /// AlterPartition built on an older partition epoch than the controller's.
    InvalidUpdateVersion,
    /// acks=all records the HW passed while the ISR had fallen below min.insync.replicas
    /// (Kafka before 3.7, when the HW still moved there).
    NotEnoughReplicasAfterAppend,
    /// A fetch below the leader's log start offset.
    OffsetOutOfRange,
    /// A fetch naming a session the leader does not have (KIP-227).
    FetchSessionIdNotFound,
    /// A fetch out of its session's turn: a late or duplicated one (KIP-227).
    InvalidFetchSessionEpoch,
    /// acks=all records the HW did not pass within the request timeout.
    RequestTimedOut,
    /// The client's connection to the broker closed (the broker died): Kafka's
    /// NETWORK_EXCEPTION, retriable.
    NetworkException,
}

impl ErrorCode {
    /// Kafka's name for the code, as clients print it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            ErrorCode::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            ErrorCode::StaleBrokerEpoch => "STALE_BROKER_EPOCH",
            ErrorCode::SnapshotNotFound => "SNAPSHOT_NOT_FOUND",
            ErrorCode::NotController => "NOT_CONTROLLER",
            ErrorCode::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            ErrorCode::UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            ErrorCode::DuplicateBrokerRegistration => "DUPLICATE_BROKER_REGISTRATION",
            ErrorCode::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::IneligibleReplica => "INELIGIBLE_REPLICA",
            ErrorCode::InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            ErrorCode::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            ErrorCode::FetchSessionIdNotFound => "FETCH_SESSION_ID_NOT_FOUND",
            ErrorCode::InvalidFetchSessionEpoch => "INVALID_FETCH_SESSION_EPOCH",
            ErrorCode::RequestTimedOut => "REQUEST_TIMED_OUT",
            ErrorCode::NetworkException => "NETWORK_EXCEPTION",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VoteRequest {
    pub epoch: Epoch,
    pub candidate: NodeId,
    pub last_epoch: Epoch,
    pub end_offset: Offset,
    pub pre_vote: bool,
    /// KIP-853: the directory id the candidate's voter set has for the receiver (None in a
    /// static quorum). A replica on another disk refuses (INVALID_VOTER_KEY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voter_directory_id: Option<crate::protocol::voter::DirectoryId>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VoteResponse {
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub granted: bool,
    pub pre_vote: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FetchRequest {
    pub correlation: u64,
    pub epoch: Epoch,
    pub replica: NodeId,
    pub fetch_offset: Offset,
    pub last_fetched_epoch: Epoch,
    /// The fetcher's known HW: the leader answers a long poll at once when its own HW differs.
    pub high_watermark: Option<Offset>,
    /// KIP-853: the fetcher's directory id; its fetches count for a voter only on the voter's disk.
    #[serde(skip)]
    pub replica_directory_id: crate::protocol::voter::DirectoryId,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FetchResponse {
    pub correlation: u64,
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub body: FetchBody,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FetchBody {
    Records {
        entries: Vec<Rc<Entry>>,
        high_watermark: Option<Offset>,
    },
    /// The fetcher's log diverges: truncate to where `epoch` ends in the leader's log.
    DivergingEpoch {
        epoch: Epoch,
        end_offset: Offset,
    },
    /// The fetch offset is below the leader's log start: fetch this snapshot instead.
    SnapshotId {
        id: SnapshotId,
    },
    Error {
        error: ErrorCode,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FetchSnapshotRequest {
    pub correlation: u64,
    pub epoch: Epoch,
    pub replica: NodeId,
    pub id: SnapshotId,
    /// Chunk position: how many units the fetcher already has.
    pub position: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FetchSnapshotResponse {
    pub correlation: u64,
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub id: SnapshotId,
    pub position: u64,
    /// Total size in chunk units; the snapshot is complete when `position + chunk == size`.
    pub size: u64,
    pub chunk: u64,
    /// The image travels with the last chunk (the playground does not split images into bytes).
    #[serde(skip)]
    pub image: Option<Box<Image>>,
    pub error: Option<ErrorCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartbeatRequest {
    pub correlation: u64,
    pub broker: NodeId,
    pub broker_epoch: Offset,
    /// How far the broker has replicated the metadata log (its LEO).
    pub metadata_offset: Offset,
    pub want_fence: bool,
    pub want_shutdown: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartbeatResponse {
    pub correlation: u64,
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub error: Option<ErrorCode>,
    pub caught_up: bool,
    pub fenced: bool,
    pub shutdown_ok: bool,
}

/// Every name `Message::rpc` gives (what single-message faults may name).
pub const RPC_NAMES: [&str; 31] = [
    "PreVote",
    "PreVoteResponse",
    "Vote",
    "VoteResponse",
    "BeginQuorumEpoch",
    "EndQuorumEpoch",
    "EndQuorumEpochResponse",
    "Fetch",
    "FetchResponse",
    "FetchSnapshot",
    "FetchSnapshotResponse",
    "BrokerRegistration",
    "BrokerRegistrationResponse",
    "BrokerHeartbeat",
    "BrokerHeartbeatResponse",
    "PartitionFetch",
    "PartitionFetchResponse",
    "AlterPartition",
    "AlterPartitionResponse",
    "Produce",
    "ProduceResponse",
    "ConsumerFetch",
    "ConsumerFetchResponse",
    "ZooKeeper",
    "ZooKeeperResponse",
    "WatchedEvent",
    "LeaderAndIsr",
    "UpdateMetadata",
    "ControlResponse",
    "ControlledShutdown",
    "ControlledShutdownResponse",
];

impl Message {
    /// The RPC name the UI labels a message with. Pre-votes are told apart, as learners must see them.
    pub fn rpc(&self) -> &'static str {
        match self {
            Message::Vote(v) if v.pre_vote => "PreVote",
            Message::Vote(_) => "Vote",
            Message::VoteResponse(v) if v.pre_vote => "PreVoteResponse",
            Message::VoteResponse(_) => "VoteResponse",
            Message::BeginQuorumEpoch(_) => "BeginQuorumEpoch",
            Message::EndQuorumEpoch(EndQuorumEpochRequest { .. }) => "EndQuorumEpoch",
            Message::EndQuorumEpochResponse(_) => "EndQuorumEpochResponse",
            Message::Fetch(_) => "Fetch",
            Message::FetchResponse(_) => "FetchResponse",
            Message::FetchSnapshot(_) => "FetchSnapshot",
            Message::FetchSnapshotResponse(_) => "FetchSnapshotResponse",
            Message::BrokerRegistration(BrokerRegistrationRequest { .. }) => "BrokerRegistration",
            Message::BrokerRegistrationResponse(BrokerRegistrationResponse { .. }) => {
                "BrokerRegistrationResponse"
            }
            Message::BrokerHeartbeat(_) => "BrokerHeartbeat",
            Message::BrokerHeartbeatResponse(_) => "BrokerHeartbeatResponse",
            Message::PartitionFetch(PartitionFetchRequest { .. }) => "PartitionFetch",
            Message::PartitionFetchResponse(PartitionFetchResponse { .. }) => {
                "PartitionFetchResponse"
            }
            Message::AlterPartition(AlterPartitionRequest { .. }) => "AlterPartition",
            Message::AlterPartitionResponse(AlterPartitionResponse { .. }) => {
                "AlterPartitionResponse"
            }
            Message::Produce(_) => "Produce",
            Message::ProduceResponse(_) => "ProduceResponse",
            Message::ConsumerFetch(_) => "ConsumerFetch",
            Message::ConsumerFetchResponse(_) => "ConsumerFetchResponse",
            Message::Zk(_) => "ZooKeeper",
            Message::ZkResponse(_) => "ZooKeeperResponse",
            Message::ZkWatch(_) => "WatchedEvent",
            Message::Control(c) => match c.kind {
                crate::protocol::zk_rpc::ControlKind::LeaderAndIsr => "LeaderAndIsr",
                crate::protocol::zk_rpc::ControlKind::UpdateMetadata => "UpdateMetadata",
            },
            Message::ControlResponse(_) => "ControlResponse",
            Message::ControlledShutdown(_) => "ControlledShutdown",
            Message::ControlledShutdownResponse(_) => "ControlledShutdownResponse",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BeginQuorumEpochRequest {
    pub epoch: Epoch,
    pub leader: NodeId,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndQuorumEpochRequest {
    pub epoch: Epoch,
    pub leader: NodeId,
    pub preferred_successors: Vec<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerRegistrationRequest {
    pub correlation: u64,
    pub broker: NodeId,
    /// This process start of the broker (Kafka's incarnationId).
    pub incarnation: u64,
    /// The broker epoch of its clean shutdown file, if it stopped cleanly last time (None is
    /// Kafka's -1: a crash or a power loss, an unclean shutdown).
    pub previous_broker_epoch: Option<Offset>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerRegistrationResponse {
    pub correlation: u64,
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub error: Option<ErrorCode>,
    pub broker_epoch: Option<Offset>,
}

/// A follower broker's fetch from one leader broker, for every partition it follows there
/// (KIP-227 fetch sessions: see `fetch_session`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionFetchRequest {
    /// Matches the answer to this request: an answer to an older one (a duplicate on the
    /// network) is ignored, as Kafka's client does by correlation id.
    pub correlation: u64,
    /// The follower broker's epoch (its registration's offset; None in ZooKeeper mode, Kafka's
    /// -1): a fetch from an older incarnation must not update what the leader knows of it.
    pub broker_epoch: Option<Offset>,
    /// The leader's session (0: none, this fetch is full and opens one) and this fetch's turn
    /// in it (0 for a full fetch).
    pub session_id: u32,
    pub session_epoch: u32,
    /// The partitions whose fetch position is new to the session (all of them when full).
    pub partitions: Vec<(crate::protocol::types::PartitionKey, FetchPosition)>,
    /// Partitions the session should drop (no longer followed from this leader).
    pub forgotten: Vec<crate::protocol::types::PartitionKey>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum PartitionFetchBody {
    /// Up to `replica_fetch_max_records` records from the fetch offset.
    Records(Vec<crate::protocol::partition_record::PartitionRecord>),
    /// The follower's log diverges: its last epoch ends at `end_offset` here.
    DivergingEpoch { epoch: u32, end_offset: Offset },
}

/// The answer to a follower's fetch: the partitions with something to say.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionFetchResponse {
    pub correlation: u64,
    /// A session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH): no partitions.
    pub error: Option<ErrorCode>,
    pub session_id: u32,
    pub partitions: Vec<PartitionFetchData>,
}

/// One partition of a fetch answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionFetchData {
    pub topic_id: u32,
    pub partition: u32,
    pub leader_epoch: u32,
    pub hw: Offset,
    pub log_start_offset: Offset,
    pub body: PartitionFetchBody,
    pub error: Option<ErrorCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProduceRequest {
    pub correlation: u64,
    /// Which produce (k): its records are "k.0", "k.1", ...; a retry carries the same k, so the
    /// leader writes them once (idempotence).
    pub produce: u64,
    pub topic_id: u32,
    pub partition: u32,
    pub acks: crate::protocol::types::Acks,
    pub values: Vec<std::rc::Rc<str>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProduceResponse {
    pub correlation: u64,
    pub produce: u64,
    pub topic_id: u32,
    pub partition: u32,
    pub base_offset: Option<Offset>,
    pub error: Option<ErrorCode>,
}

/// Where a consumer without a valid position starts (`auto.offset.reset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    /// The log start offset.
    Earliest,
    /// The HW (what a read_uncommitted consumer may read next).
    Latest,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerFetchRequest {
    pub correlation: u64,
    pub consumer: u64,
    pub topic_id: u32,
    pub partition: u32,
    /// The leader epoch the consumer's metadata names (KIP-320).
    pub leader_epoch: u32,
    /// Set when the consumer has no position: the leader answers with where to start
    /// (Kafka's ListOffsets, folded into the poll).
    pub reset: Option<OffsetReset>,
    pub fetch_offset: Offset,
    /// The epoch of the last record it read: validated against the leader's log after a leader
    /// change (KIP-320), so a truncated log moves the consumer back.
    pub last_fetched_epoch: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerFetchResponse {
    pub correlation: u64,
    pub consumer: u64,
    pub topic_id: u32,
    pub partition: u32,
    pub hw: Offset,
    /// The start offset asked for by `reset`.
    pub reset_to: Option<Offset>,
    pub body: PartitionFetchBody,
    pub error: Option<ErrorCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlterPartitionRequest {
    /// Matches the answer to the change in flight: an answer to an older request (late or
    /// duplicated on the network) is ignored, as Kafka's AlterPartitionManager does.
    pub correlation: u64,
    pub topic_id: u32,
    pub partition: u32,
    pub leader_epoch: u32,
    /// The partition epoch of the state the leader built the request on: the controller
    /// refuses an older one (INVALID_UPDATE_VERSION), so a late request cannot undo a newer change.
    pub partition_epoch: u32,
    pub isr: Vec<NodeId>,
    /// Each member's broker epoch as the leader learned it from its fetches (KIP-903); a member
    /// left out is sent as -1 and not checked (the leader itself, ZooKeeper mode).
    pub broker_epochs: Vec<(NodeId, Offset)>,
}

/// The partition as the controller committed it (or why the change was refused).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlterPartitionResponse {
    pub correlation: u64,
    pub topic_id: u32,
    pub partition: u32,
    pub leader_epoch: u32,
    /// The partition epoch of the state this answer describes (after the change, if made).
    pub partition_epoch: u32,
    pub isr: Vec<NodeId>,
    pub error: Option<ErrorCode>,
}

/// A voter's acknowledgement of EndQuorumEpoch: the resigned node stops resending to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndQuorumEpochResponse {
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
}

/// Where a follower fetches one partition from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct FetchPosition {
    /// The follower's current leader epoch (KIP-320).
    pub leader_epoch: u32,
    pub fetch_offset: Offset,
    /// The epoch of the follower's last record, checked against the leader's log.
    pub last_fetched_epoch: Option<u32>,
}
