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
        offset: Offset,
        broker: NodeId,
        broker_epoch: Offset,
    },
    BrokerFenced {
        offset: Offset,
        broker: NodeId,
        reason: &'static str,
    },
    BrokerUnfenced {
        offset: Offset,
        broker: NodeId,
    },
    PartitionChange {
        offset: Offset,
        topic: String,
        partition: u32,
        leader: Option<NodeId>,
        isr: Vec<NodeId>,
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
    PartitionTruncated {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        to: Offset,
        removed: u64,
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

/// Events per sealed chunk: a clone of the trace copies at most this many events.
const CHUNK: usize = 512;

/// A ring of trace events that is cheap to clone (checkpoints for rewinding clone the whole
/// simulation): full chunks are sealed and shared, only the open tail is copied.
#[derive(Clone, Debug)]
pub struct Trace {
    sealed: VecDeque<Rc<Vec<TraceEvent>>>,
    tail: Vec<TraceEvent>,
    capacity: usize,
    next_seq: u64,
}

impl TraceKind {
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
            TraceKind::Violation { .. } => "violation",
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

impl Trace {
    pub fn new(capacity: usize) -> Self {
        Trace {
            sealed: VecDeque::new(),
            tail: Vec::with_capacity(CHUNK),
            capacity: capacity.max(1),
            next_seq: 0,
        }
    }

    pub fn push(&mut self, time: Time, kind: TraceKind) {
        self.tail.push(TraceEvent {
            seq: self.next_seq,
            time,
            kind,
        });
        self.next_seq += 1;
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(CHUNK));
            self.sealed.push_back(Rc::new(full));
            // Keep at least `capacity` events: drop whole chunks beyond that.
            while self.sealed.len() > 1 && (self.sealed.len() - 1) * CHUNK >= self.capacity {
                self.sealed.pop_front();
            }
        }
    }

    /// Events still held, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &TraceEvent> + Clone {
        self.sealed
            .iter()
            .flat_map(|c| c.iter())
            .chain(self.tail.iter())
    }

    /// Events with `seq >= from` that are still held.
    pub fn since(&self, from: u64) -> impl Iterator<Item = &TraceEvent> {
        let first = self.first_seq();
        let skip = from.saturating_sub(first) as usize;
        self.events().skip(skip)
    }

    fn first_seq(&self) -> u64 {
        self.next_seq - self.len() as u64
    }

    /// How many events were ever recorded.
    pub fn total(&self) -> u64 {
        self.next_seq
    }

    /// How many are held now.
    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
