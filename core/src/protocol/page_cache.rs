//! The OS page cache in front of a replica's log. Kafka never forces a flush
//! (`log.flush.interval.messages` and `log.flush.interval.ms` default to "never"): an appended
//! record sits in dirty pages until the OS writes them back, `flush_interval_ms` later here. A
//! process crash loses none of it (the kernel still holds the pages); a power loss loses every
//! record not yet written back, and the log recovers from the flushed point (UnifiedLog's
//! recovery of an unclean shutdown: everything past the recovery point is re-validated, and
//! what never reached the disk is simply not there).
//!
//! Deterministic and cheap: the broker's partitions tick (every 250 ms) notes how far the log
//! reached, and a note is written back once it is `flush_interval_ms` old. A record is thus on
//! disk between `flush_interval_ms` and one tick more after it was appended.
//!
//! The metadata log of controllers is not modelled here: KRaft's log is fsynced before a
//! controller votes, acknowledges a fetch or advances the HW (Raft needs it), so a controller
//! loses nothing to a power loss.

use crate::protocol::types::{Offset, Time};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageCache {
    /// Every record below this offset is on disk.
    flushed: Offset,
    /// (when the tick saw it, the log end then), oldest first: the records below each end
    /// were dirty at that time at the latest.
    dirty: Vec<(Time, Offset)>,
}

impl PageCache {
    /// Everything below this offset is on disk (Kafka's recovery point, at most).
    pub fn flushed(&self) -> Offset {
        self.flushed
    }

    /// At `now`, with the log ending at `end`: writes back what has been dirty for `interval`
    /// and notes what became dirty since the last look.
    pub fn tick(&mut self, now: Time, end: Offset, interval: u64) {
        let due = self
            .dirty
            .iter()
            .take_while(|(t, _)| t.saturating_add(interval) <= now)
            .count();
        if let Some((_, to)) = self.dirty.drain(..due).next_back() {
            self.flushed = self.flushed.max(to);
        }
        let noted = self.dirty.last().map_or(self.flushed, |(_, e)| *e);
        if end > noted {
            self.dirty.push((now, end));
        }
    }

    /// The log was cut at `to`: nothing at or above it is on disk or dirty any more (a record
    /// written there later is new dirt); what stays below it keeps its note's time.
    pub fn truncated(&mut self, to: Offset) {
        self.flushed = self.flushed.min(to);
        if let Some(i) = self.dirty.iter().position(|(_, e)| *e > to) {
            let below = if i == 0 {
                self.flushed
            } else {
                self.dirty[i - 1].1
            };
            self.dirty.truncate(i + 1);
            if below < to {
                self.dirty[i].1 = to;
            } else {
                self.dirty.pop();
            }
        }
    }

    /// The log starts over, empty, at `offset`.
    pub fn reset(&mut self, offset: Offset) {
        self.flushed = offset;
        self.dirty.clear();
    }

    /// Records below `start` were deleted: there is nothing left to write back below it.
    pub fn deleted_below(&mut self, start: Offset) {
        self.flushed = self.flushed.max(start);
        self.dirty.retain(|(_, e)| *e > start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_reach_the_disk_one_flush_interval_after_a_tick_saw_them() {
        let mut c = PageCache::default();
        c.tick(0, 2, 5000);
        assert_eq!(c.flushed(), 0, "just appended: dirty");
        c.tick(250, 3, 5000);
        c.tick(4999, 3, 5000);
        assert_eq!(c.flushed(), 0, "not yet 5 s old");
        c.tick(5000, 3, 5000);
        assert_eq!(
            c.flushed(),
            2,
            "the first two are 5 s old, the third is not"
        );
        c.tick(5250, 3, 5000);
        assert_eq!(c.flushed(), 3);
    }

    #[test]
    fn truncation_keeps_the_flushed_offset_within_the_log_and_the_dirt_below_the_cut() {
        let mut c = PageCache::default();
        c.tick(0, 4, 1000);
        c.tick(1000, 6, 1000);
        assert_eq!(c.flushed(), 4);
        // Cut below what is on disk: the flushed offset follows the log end down.
        c.truncated(3);
        assert_eq!(c.flushed(), 3);
        // A record written again at 3 is new dirt, flushed a whole interval later.
        c.tick(1500, 4, 1000);
        c.tick(2000, 4, 1000);
        assert_eq!(c.flushed(), 3, "offset 3 was rewritten at 1500");
        c.tick(2500, 4, 1000);
        assert_eq!(c.flushed(), 4);
    }

    #[test]
    fn a_cut_inside_the_dirt_keeps_the_time_the_surviving_records_were_seen() {
        let mut c = PageCache::default();
        c.tick(0, 2, 1000);
        c.tick(500, 8, 1000);
        c.truncated(5);
        // Records 2..5 were dirty since 500: on disk at 1500, not later.
        c.tick(1500, 5, 1000);
        assert_eq!(c.flushed(), 5);
    }
}
