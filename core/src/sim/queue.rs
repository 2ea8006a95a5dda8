//! What waits in the simulation's event queue: messages on the wire, timers, resumes, ordered by
//! (time, sequence).

use crate::protocol::message::Message;
use crate::protocol::node::Slot;
use crate::protocol::types::{NodeId, Time};
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct Envelope {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Time,
    pub msg: Rc<Message>,
}

#[derive(Clone, Debug)]
pub(super) enum EventKind {
    Deliver(Envelope),
    Timer {
        node: NodeId,
        slot: Slot,
        at: Time,
        incarnation: u32,
    },
    Resume {
        node: NodeId,
        incarnation: u32,
    },
}

#[derive(Clone, Debug)]
pub(super) struct Event {
    pub(super) time: Time,
    pub(super) seq: u64,
    pub(super) kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// The timer slot of the consumers at the client network end (the producer's is `Partitions`).
pub(super) const CONSUMER_SLOT: Slot = Slot::FetchRetry;
/// The client's third timer: the steady load's next produce.
pub(super) const LOAD_SLOT: Slot = Slot::Heartbeat;
