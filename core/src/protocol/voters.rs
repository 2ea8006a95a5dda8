//! Who votes (KIP-853). At `kraft.version` 0 the voters are fixed by configuration; at 1 the set
//! lives in the log as VotersRecords, and each replica uses the newest one it holds, committed or
//! not, falling back to the one before when a truncation removes it. A voter is a replica id *and*
//! the directory id of its disk, so a node that lost its disk is a different replica.

use crate::protocol::log::Log;
use crate::protocol::record::Record;
use crate::protocol::types::Offset;
// The voter and the bootstrap have a file of their own (plain types the metadata holds); their
// old paths still name them.
pub use crate::protocol::voter::{DirectoryId, QuorumBootstrap, Voter};
use std::rc::Rc;

/// The voter sets one replica holds: the one its snapshot (or the bootstrap) gives, and every
/// VotersRecord in its log after it. Rebuilt from the disk on start; not itself durable.
#[derive(Clone, Debug, PartialEq)]
pub struct VoterHistory {
    base: Rc<[Voter]>,
    changes: Vec<(Offset, Rc<[Voter]>)>,
}

impl VoterHistory {
    /// What a replica reads from its disk on start.
    pub fn from_disk(log: &Log, bootstrap: &Rc<[Voter]>) -> VoterHistory {
        let base = log
            .latest_snapshot()
            .and_then(|s| s.image.voters.as_ref())
            .map(|v| v.as_slice().into())
            .unwrap_or_else(|| bootstrap.clone());
        let mut h = VoterHistory {
            base,
            changes: Vec::new(),
        };
        for e in log.entries() {
            h.appended(e.offset, &e.record);
        }
        h
    }

    /// The set in force: the newest this replica holds.
    pub fn current(&self) -> &Rc<[Voter]> {
        self.changes.last().map(|(_, v)| v).unwrap_or(&self.base)
    }

    /// The newest change and the set it replaced: (before, after).
    pub fn latest_pair(&self) -> Option<(&[Voter], &[Voter])> {
        let (last, rest) = self.changes.split_last()?;
        let before = rest.last().map(|(_, v)| v).unwrap_or(&self.base);
        Some((before, &last.1))
    }

    /// VotersRecords at or above `offset`.
    pub fn changes_from(&self, offset: Offset) -> usize {
        self.changes.iter().filter(|(o, _)| *o >= offset).count()
    }

    /// Offset of the newest VotersRecord in the log, if any.
    pub fn latest_change(&self) -> Option<Offset> {
        self.changes.last().map(|(o, _)| *o)
    }

    /// Notes a record appended at `offset`; true if it changed the set.
    pub fn appended(&mut self, offset: Offset, record: &Record) -> bool {
        if let Record::Voters { voters } = record {
            self.changes.push((offset, voters.as_slice().into()));
            return true;
        }
        false
    }

    /// The log was cut to end at `end`: its VotersRecords from there on no longer count. True if
    /// the set changed.
    pub fn truncated(&mut self, end: Offset) -> bool {
        let before = self.changes.len();
        self.changes.retain(|(o, _)| *o < end);
        self.changes.len() != before
    }

    /// A snapshot replaced the log: its set is the base, nothing after it yet.
    pub fn reset(&mut self, base: Rc<[Voter]>) {
        self.base = base;
        self.changes.clear();
    }
}

/// How two sets differ: (added, removed) voters.
pub fn difference(old: &[Voter], new: &[Voter]) -> (Vec<Voter>, Vec<Voter>) {
    let added = new.iter().filter(|v| !old.contains(v)).copied().collect();
    let removed = old.iter().filter(|v| !new.contains(v)).copied().collect();
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::record::Entry;
    use crate::protocol::types::NodeId;

    fn set(ids: &[NodeId]) -> Vec<Voter> {
        ids.iter()
            .map(|&id| Voter {
                id,
                directory_id: Some(id as u64 * 10),
            })
            .collect()
    }

    #[test]
    fn the_newest_set_counts_and_a_truncation_falls_back() {
        let boot: Rc<[Voter]> = set(&[1, 2, 3]).into();
        let mut log = Log::default();
        let mut h = VoterHistory::from_disk(&log, &boot);
        assert_eq!(&**h.current(), &set(&[1, 2, 3])[..]);
        for (offset, record) in [
            (0, Record::NoOp),
            (
                1,
                Record::Voters {
                    voters: set(&[1, 2, 3, 4]),
                },
            ),
            (
                2,
                Record::Voters {
                    voters: set(&[1, 2, 4]),
                },
            ),
        ] {
            h.appended(offset, &record);
            log.append(Entry {
                offset,
                epoch: 1,
                record,
            });
        }
        assert_eq!(
            &**h.current(),
            &set(&[1, 2, 4])[..],
            "uncommitted counts too"
        );
        assert_eq!(
            VoterHistory::from_disk(&log, &boot),
            h,
            "rebuilt from disk alike"
        );
        assert!(h.truncated(2));
        assert_eq!(&**h.current(), &set(&[1, 2, 3, 4])[..]);
        assert!(!h.truncated(2));
        assert!(h.truncated(0));
        assert_eq!(&**h.current(), &set(&[1, 2, 3])[..]);
    }

    #[test]
    fn a_voter_is_an_id_and_a_disk() {
        let v = Voter {
            id: 2,
            directory_id: Some(7),
        };
        assert!(v.is(2, 7));
        assert!(!v.is(2, 8), "the same id on a new disk is another replica");
        let fixed = Voter {
            id: 2,
            directory_id: None,
        };
        assert!(fixed.is(2, 8), "a static quorum cannot tell");
    }
}
