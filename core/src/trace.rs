//! The typed record of everything that happened. The UI narrates from it; tests assert on it.
//! It is a ring: the newest `capacity` events are kept, counts of all of them are not lost.

use crate::message::Message;
use crate::role::Role;
use crate::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use serde::Serialize;
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    LinkDown,
    Loss,
    NodeDown,
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
        reason: &'static str,
    },
    VoteCast {
        voter: NodeId,
        candidate: NodeId,
        epoch: Epoch,
        pre_vote: bool,
        granted: bool,
        reason: &'static str,
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
        reason: &'static str,
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
        broker: NodeId,
        broker_epoch: Offset,
    },
    BrokerFenced {
        broker: NodeId,
        reason: &'static str,
    },
    BrokerUnfenced {
        broker: NodeId,
    },
    PartitionChange {
        topic: String,
        partition: u32,
        leader: Option<NodeId>,
        isr: Vec<NodeId>,
    },
    Violation {
        invariant: &'static str,
        detail: String,
    },
}

fn ser_msg<S: serde::Serializer>(msg: &Rc<Message>, s: S) -> Result<S::Ok, S::Error> {
    msg.as_ref().serialize(s)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Position in the whole history (not in the ring): stable across rewinds and replays.
    pub seq: u64,
    pub time: Time,
    #[serde(flatten)]
    pub kind: TraceKind,
}

#[derive(Clone, Debug)]
pub struct Trace {
    events: VecDeque<TraceEvent>,
    capacity: usize,
    next_seq: u64,
}

impl Trace {
    pub fn new(capacity: usize) -> Self {
        Trace {
            events: VecDeque::new(),
            capacity: capacity.max(1),
            next_seq: 0,
        }
    }

    pub fn push(&mut self, time: Time, kind: TraceKind) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(TraceEvent {
            seq: self.next_seq,
            time,
            kind,
        });
        self.next_seq += 1;
    }

    /// Events still held, oldest first.
    pub fn events(&self) -> &VecDeque<TraceEvent> {
        &self.events
    }

    /// Events with `seq >= from` that are still held.
    pub fn since(&self, from: u64) -> impl Iterator<Item = &TraceEvent> {
        let first = self.events.front().map(|e| e.seq).unwrap_or(self.next_seq);
        let skip = from.saturating_sub(first) as usize;
        self.events.iter().skip(skip)
    }

    /// How many events were ever recorded.
    pub fn total(&self) -> u64 {
        self.next_seq
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
