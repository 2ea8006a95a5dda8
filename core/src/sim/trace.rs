//! The typed record of everything that happened. The UI narrates from it; tests assert on it.
//! It is a ring: the newest `capacity` events are kept, counts of all of them are not lost.

pub use crate::protocol::event::TraceKind;
use crate::protocol::types::Time;
use serde::Serialize;
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Position in the whole history (not in the ring): stable across rewinds and replays.
    pub seq: u64,
    pub time: Time,
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// Events per sealed chunk: a clone of the trace copies at most this many events.
const CHUNK: usize = 128;

/// A ring of trace events that is cheap to clone (checkpoints for rewinding clone the whole
/// simulation): full chunks are sealed and shared, only the open tail is copied.
#[derive(Clone, Debug)]
pub struct Trace {
    sealed: VecDeque<Rc<Vec<TraceEvent>>>,
    tail: Vec<TraceEvent>,
    capacity: usize,
    next_seq: u64,
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
            // Keep at least `capacity` events: drop whole chunks beyond that. A dropped chunk
            // nobody else holds becomes the next tail (a fresh one costs an allocation and
            // page faults on every 128 events).
            let mut spare = None;
            while !self.sealed.is_empty() && self.sealed.len() * CHUNK >= self.capacity {
                spare = self.sealed.pop_front().and_then(|c| Rc::try_unwrap(c).ok());
            }
            let next = match spare {
                Some(mut v) => {
                    v.clear();
                    v
                }
                None => Vec::with_capacity(CHUNK),
            };
            let full = std::mem::replace(&mut self.tail, next);
            self.sealed.push_back(Rc::new(full));
        }
    }

    /// The same trace holding only about the newest `keep` events (whole chunks; counts kept).
    pub fn trimmed(&self, keep: usize) -> Trace {
        let mut t = self.clone();
        while t.sealed.len() > 1 && (t.sealed.len() - 1) * CHUNK + t.tail.len() >= keep {
            t.sealed.pop_front();
        }
        t
    }

    /// Lets go of every event held (numbering goes on): the explorer's copies read no trace,
    /// and copying the open chunk was a sixth of its work.
    pub(crate) fn forget(&mut self) {
        self.sealed.clear();
        self.tail.clear();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(capacity: usize, events: u64) -> Trace {
        let mut t = Trace::new(capacity);
        for i in 0..events {
            t.push(i, TraceKind::Crash { node: 1 });
        }
        t
    }

    #[test]
    fn the_ring_keeps_at_least_its_capacity_in_whole_chunks() {
        assert!(Trace::new(10).is_empty());
        let t = filled(256, 1000);
        assert!(!t.is_empty());
        assert_eq!(t.total(), 1000);
        // Sealed chunks of 128 are dropped while the rest still holds 256: two stay, plus the
        // open tail of 104.
        assert_eq!(t.len(), 2 * CHUNK + 104);
        let seqs: Vec<u64> = t.events().map(|e| e.seq).collect();
        assert_eq!(seqs, (1000 - t.len() as u64..1000).collect::<Vec<_>>());
        let since: Vec<u64> = t.since(990).map(|e| e.seq).collect();
        assert_eq!(since, (990..1000).collect::<Vec<_>>());
    }

    #[test]
    fn trimming_keeps_about_the_newest_events_asked_for() {
        let t = filled(10_000, 1000);
        let kept = t.trimmed(200);
        assert_eq!(
            kept.len(),
            CHUNK + 104,
            "the fewest whole chunks holding 200"
        );
        assert_eq!(kept.total(), 1000);
        assert_eq!(
            kept.events().next().map(|e| e.seq),
            Some(1000 - (CHUNK as u64 + 104))
        );
    }
}
