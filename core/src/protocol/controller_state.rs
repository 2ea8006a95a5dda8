//! What the active controller keeps beyond the metadata log, as plain data: broker sessions, its
//! timers, replies waiting for a commit, and its image with its own uncommitted writes (the
//! behaviour is in `controller`).

use crate::protocol::message::Message;
use crate::protocol::metadata::Image;
use crate::protocol::types::{NodeId, Offset, Time};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct ActiveController {
    /// Last heartbeat (or the activation time: a new controller gives everyone a fresh session).
    pub sessions: BTreeMap<NodeId, Time>,
    /// When this controller last appended a record.
    pub last_write: Time,
    /// When the next NoOp is due (every `metadata_max_idle_interval_ms`, busy or idle).
    pub(crate) next_noop: Time,
    /// When the next preferred-leader check is due (`leader_imbalance_check_interval_ms`).
    pub(crate) next_rebalance: Time,
    /// Replies that go out once the record they depend on commits: (its offset, to, reply).
    pub(crate) awaiting_commit: Vec<(Offset, NodeId, Message)>,
    /// The committed image with this controller's own uncommitted writes applied, kept up to
    /// date as it appends (Kafka's controller keeps its in-memory state this way): rebuilt from
    /// the committed image at every read, it cost a replay of every uncommitted record, 100,000
    /// while a topic that size commits, for each heartbeat.
    pub(crate) pending: Option<Image>,
}
