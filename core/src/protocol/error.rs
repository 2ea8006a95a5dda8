//! Why a node refuses a command from outside (a user's click or a scenario step). Typed, so the UI
//! can say it in the learner's language; `Display` gives the English sentence the CLI prints.

use crate::protocol::message::ErrorCode;
use crate::protocol::types::NodeId;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// Only the quorum leader takes client writes or resigns.
    NotLeader(NodeId),
    /// "Elect now" on the node that already leads.
    AlreadyLeader(NodeId),
    /// Brokers replicate the metadata log but never vote or lead it.
    BrokerCannotBeElected(NodeId),
    /// Topics are created by the active controller only.
    NotActiveController(NodeId),
    TopicExists(String),
    /// Each replica of a partition needs its own unfenced broker.
    ReplicationFactor {
        wanted: u32,
        unfenced: usize,
    },
    NoPartitions,
    /// No such topic, or no such partition of it.
    UnknownPartition(String, u32),
    /// A topic's `assignments` that Kafka would refuse (INVALID_REPLICA_ASSIGNMENT).
    BadAssignment(AssignmentProblem),
    /// AddVoter / RemoveVoter refused (KIP-853), with Kafka's reason.
    Membership(MembershipProblem),
    /// A Kafka error a client would see, with what it was about.
    Kafka {
        code: ErrorCode,
        detail: KafkaDetail,
    },
}

/// Why an explicit replica assignment is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignmentProblem {
    /// The list has as many entries as partitions, each with the same number of brokers.
    Shape,
    /// A broker twice in one partition's list.
    Duplicate { partition: u32, broker: NodeId },
    /// A broker that never registered.
    UnknownBroker { partition: u32, broker: NodeId },
    /// Every broker of that partition is fenced: nobody could lead.
    AllFenced { partition: u32 },
}

/// Why the leader refuses a voter change (Kafka's AddVoterHandler / RemoveVoterHandler).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MembershipProblem {
    /// `kraft.version` 0: the voters are fixed by configuration (UNSUPPORTED_VERSION).
    StaticQuorum,
    /// The leader has not committed an entry of its own epoch yet (REQUEST_TIMED_OUT).
    NotCommittedInEpoch,
    /// Another voter change is not committed yet (REQUEST_TIMED_OUT).
    ChangePending,
    /// That replica is already a voter (DUPLICATE_VOTER).
    AlreadyVoter(NodeId),
    /// No voter has that id (VOTER_NOT_FOUND).
    NotAVoter(NodeId),
    /// The new voter must be a controller fetching from the leader as an observer.
    NotAnObserver(NodeId),
    /// The new voter has not caught up with the leader's HW (REQUEST_TIMED_OUT).
    NotCaughtUp { id: NodeId, end: u64, hw: u64 },
    /// The voter set cannot become empty.
    LastVoter(NodeId),
}

/// The facts behind a Kafka error code, for the sentence that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KafkaDetail {
    /// NOT_LEADER_OR_FOLLOWER on produce.
    DoesNotLead {
        broker: NodeId,
        topic_id: u32,
        partition: u32,
    },
    /// NOT_ENOUGH_REPLICAS on an acks=all produce.
    IsrTooSmall { isr: Vec<NodeId>, min_isr: usize },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::NotLeader(id) => write!(f, "node {id} is not the leader"),
            CommandError::AlreadyLeader(id) => write!(f, "node {id} is already the leader"),
            CommandError::BrokerCannotBeElected(id) => {
                write!(f, "node {id} is a broker and cannot be elected")
            }
            CommandError::NotActiveController(id) => {
                write!(f, "node {id} is not the active controller")
            }
            CommandError::TopicExists(name) => write!(f, "topic {name:?} already exists"),
            CommandError::ReplicationFactor { wanted, unfenced } => write!(
                f,
                "replication factor {wanted} needs as many unfenced brokers; there are {unfenced}"
            ),
            CommandError::NoPartitions => write!(f, "a topic needs at least one partition"),
            CommandError::UnknownPartition(topic, p) => {
                write!(f, "there is no partition {topic}-{p}")
            }
            CommandError::BadAssignment(why) => match why {
                AssignmentProblem::Shape => write!(
                    f,
                    "assignments needs one broker list per partition, all of the same length"
                ),
                AssignmentProblem::Duplicate { partition, broker } => write!(
                    f,
                    "assignments: broker {broker} appears twice in partition {partition}"
                ),
                AssignmentProblem::UnknownBroker { partition, broker } => write!(
                    f,
                    "assignments: broker {broker} of partition {partition} is not registered"
                ),
                AssignmentProblem::AllFenced { partition } => write!(
                    f,
                    "assignments: every broker of partition {partition} is fenced"
                ),
            },
            CommandError::Membership(why) => match why {
                MembershipProblem::StaticQuorum => write!(
                    f,
                    "UNSUPPORTED_VERSION: kraft_version 0 fixes the voters; set cluster.kraft_version 1"
                ),
                MembershipProblem::NotCommittedInEpoch => write!(
                    f,
                    "REQUEST_TIMED_OUT: the leader has not committed an entry of its epoch yet"
                ),
                MembershipProblem::ChangePending => write!(
                    f,
                    "REQUEST_TIMED_OUT: another voter change is not committed yet"
                ),
                MembershipProblem::AlreadyVoter(id) => {
                    write!(f, "DUPLICATE_VOTER: node {id} is already a voter")
                }
                MembershipProblem::NotAVoter(id) => {
                    write!(f, "VOTER_NOT_FOUND: node {id} is not a voter")
                }
                MembershipProblem::NotAnObserver(id) => write!(
                    f,
                    "node {id} is not a controller fetching from the leader as an observer"
                ),
                MembershipProblem::NotCaughtUp { id, end, hw } => write!(
                    f,
                    "REQUEST_TIMED_OUT: node {id} has fetched to {end}, not yet to the leader's HW {hw}"
                ),
                MembershipProblem::LastVoter(id) => {
                    write!(f, "node {id} is the last voter; the set cannot be empty")
                }
            },
            CommandError::Kafka { code, detail } => {
                write!(f, "{}: ", code.name())?;
                match detail {
                    KafkaDetail::DoesNotLead {
                        broker,
                        topic_id,
                        partition,
                    } => write!(
                        f,
                        "broker {broker} does not lead partition {topic_id}-{partition}"
                    ),
                    KafkaDetail::IsrTooSmall { isr, min_isr } => write!(
                        f,
                        "the ISR {isr:?} is smaller than min.insync.replicas = {min_isr}"
                    ),
                }
            }
        }
    }
}
