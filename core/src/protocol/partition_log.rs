//! One replica's log of a topic partition (Kafka's UnifiedLog with its LeaderEpochFileCache,
//! simplified): records that carry the leader epoch that wrote them and a value naming the
//! produce that wrote it ("3.1"), the epoch cache (leader epoch → its first offset) and the log
//! start offset. Durable across a crash; across a power loss only up to what its page cache
//! had written back.

use crate::protocol::page_cache::PageCache;
// A partition record is a plain type of its own file; its old path still names it.
pub use crate::protocol::partition_record::PartitionRecord;
use crate::protocol::types::{Offset, Time};
use std::rc::Rc;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartitionLog {
    start: Offset,
    /// `records[i].offset == start + i`.
    records: Vec<PartitionRecord>,
    /// (leader epoch, first offset of that epoch), epochs and offsets increasing.
    epochs: Vec<(u32, Offset)>,
    /// No record here names a produce above this (the largest ever appended): a leader asked
    /// to write a new produce need not look for it among its newest records.
    newest_produce: u64,
    /// How far the OS has written the records to disk.
    cache: PageCache,
}

impl PartitionLog {
    pub fn start_offset(&self) -> Offset {
        self.start
    }

    /// LEO: the offset the next record takes.
    pub fn end_offset(&self) -> Offset {
        self.start + self.records.len() as Offset
    }

    pub fn records(&self) -> &[PartitionRecord] {
        &self.records
    }

    pub fn record(&self, offset: Offset) -> Option<&PartitionRecord> {
        let i = offset.checked_sub(self.start)?;
        self.records.get(i as usize)
    }

    /// The newest leader epoch in the cache, if any.
    pub fn last_epoch(&self) -> Option<u32> {
        self.epochs.last().map(|e| e.0)
    }

    /// The epoch cache, oldest first.
    pub fn epochs(&self) -> &[(u32, Offset)] {
        &self.epochs
    }

    /// A leader taking over in `epoch` starts it at its own LEO (Kafka assigns the epoch on
    /// becoming leader, before any record of it is written).
    pub fn assign_epoch(&mut self, epoch: u32) {
        let at = self.end_offset();
        match self.epochs.last() {
            Some((e, _)) if *e >= epoch => {}
            Some((_, start)) if *start == at => {
                // The previous epoch wrote nothing: this one replaces it at the same offset.
                self.epochs.pop();
                self.epochs.push((epoch, at));
            }
            _ => {
                // Most partitions only ever see one epoch: room for one, not the four a
                // growing Vec takes (100,000 replicas add up).
                if self.epochs.capacity() == 0 {
                    self.epochs.reserve_exact(1);
                }
                self.epochs.push((epoch, at))
            }
        }
    }

    /// Appends a record at the LEO in `epoch` (a leader writing, or a follower copying).
    pub fn append(&mut self, epoch: u32, value: Rc<str>) {
        if self.last_epoch().is_none_or(|e| e < epoch) {
            self.assign_epoch(epoch);
        }
        let offset = self.end_offset();
        let record = PartitionRecord::new(offset, epoch, value);
        self.newest_produce = self.newest_produce.max(record.produce);
        self.records.push(record);
    }

    /// Every record below this offset is on disk: a power loss keeps them.
    pub fn flushed_offset(&self) -> Offset {
        self.cache.flushed().max(self.start)
    }

    /// The partitions tick at `now`: the OS writes back records dirty for `interval` ms.
    pub fn write_back(&mut self, now: Time, interval: u64) {
        let end = self.end_offset();
        self.cache.tick(now, end, interval);
    }

    /// A power loss: the records the OS had not written back are gone. Returns them.
    pub fn lose_unflushed(&mut self) -> Vec<PartitionRecord> {
        let keep = self.flushed_offset();
        let lost = self.read(keep, usize::MAX);
        self.truncate_to(keep);
        lost
    }

    /// Whether a record of produce `produce` may be here (false: certainly not).
    pub fn may_hold(&self, produce: u64) -> bool {
        produce <= self.newest_produce
    }

    /// Appends `rec` at the LEO (its offset becomes the LEO): a leader writing a produce it
    /// knows the number of, or a follower copying the leader's record. Neither parses a value.
    pub fn append_record(&mut self, rec: &PartitionRecord) {
        if self.last_epoch().is_none_or(|e| e < rec.epoch) {
            self.assign_epoch(rec.epoch);
        }
        self.newest_produce = self.newest_produce.max(rec.produce);
        self.records.push(PartitionRecord {
            offset: self.end_offset(),
            ..rec.clone()
        });
    }

    /// Removes every record at or above `offset`, and the epochs that started there or later.
    /// Returns how many records went.
    pub fn truncate_to(&mut self, offset: Offset) -> u64 {
        let keep = offset.max(self.start).min(self.end_offset());
        let removed = self.end_offset() - keep;
        self.records.truncate((keep - self.start) as usize);
        self.epochs.retain(|(_, s)| *s < keep);
        self.cache.truncated(keep);
        removed
    }

    /// Drops everything and starts empty at `offset` (a follower below its leader's log start).
    pub fn reset_to(&mut self, offset: Offset) {
        self.records.clear();
        self.epochs.clear();
        self.start = offset;
        self.cache.reset(offset);
    }

    /// Deletes records below `offset` (retention; never past the LEO).
    pub fn delete_below(&mut self, offset: Offset) {
        let to = offset.min(self.end_offset());
        if to <= self.start {
            return;
        }
        self.records.drain(..(to - self.start) as usize);
        self.start = to;
        self.cache.deleted_below(to);
        // Keep the epoch that covers the new start: its start moves up to it.
        let covering = self.epochs.iter().rposition(|(_, s)| *s <= to);
        if let Some(i) = covering {
            self.epochs.drain(..i);
            self.epochs[0].1 = self.epochs[0].1.max(to);
        }
    }

    /// Kafka's `endOffsetForEpoch`: the largest cached epoch at most `epoch`, and where it ends
    /// (the start of the next epoch, or the LEO for the newest). None if `epoch` is older than
    /// every cached one.
    pub fn end_for_epoch(&self, epoch: u32) -> Option<(u32, Offset)> {
        let i = self.epochs.iter().rposition(|(e, _)| *e <= epoch)?;
        let end = self
            .epochs
            .get(i + 1)
            .map_or(self.end_offset(), |(_, s)| *s);
        Some((self.epochs[i].0, end))
    }

    /// Up to `max` records from `offset` on.
    pub fn read(&self, offset: Offset, max: usize) -> Vec<PartitionRecord> {
        let from = offset.saturating_sub(self.start) as usize;
        self.records.iter().skip(from).take(max).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(epochs: &[u32]) -> PartitionLog {
        let mut l = PartitionLog::default();
        for (i, e) in epochs.iter().enumerate() {
            l.append(*e, format!("{e}.{i}").into());
        }
        l
    }

    #[test]
    fn the_epoch_cache_records_where_each_epoch_starts() {
        let l = log(&[1, 1, 2, 2, 2, 5]);
        assert_eq!(l.epochs(), &[(1, 0), (2, 2), (5, 5)]);
        assert_eq!(l.end_offset(), 6);
        assert_eq!(l.record(3).map(|r| r.epoch), Some(2));
    }

    #[test]
    fn end_for_epoch_is_kafkas_end_offset_for_epoch() {
        let l = log(&[1, 1, 2, 2, 2, 5]);
        assert_eq!(l.end_for_epoch(1), Some((1, 2)));
        assert_eq!(l.end_for_epoch(2), Some((2, 5)));
        // An epoch this log never had: the largest below it, ending where the next starts.
        assert_eq!(l.end_for_epoch(3), Some((2, 5)));
        assert_eq!(l.end_for_epoch(5), Some((5, 6)));
        assert_eq!(l.end_for_epoch(9), Some((5, 6)));
        assert_eq!(l.end_for_epoch(0), None);
    }

    #[test]
    fn truncation_drops_records_and_the_epochs_that_started_there() {
        let mut l = log(&[1, 1, 2, 2, 2, 5]);
        assert_eq!(l.truncate_to(3), 3);
        assert_eq!(l.end_offset(), 3);
        assert_eq!(l.epochs(), &[(1, 0), (2, 2)]);
        assert_eq!(l.truncate_to(2), 1);
        assert_eq!(l.epochs(), &[(1, 0)], "epoch 2 started at 2: gone");
        assert_eq!(l.truncate_to(9), 0, "nothing beyond the LEO");
    }

    #[test]
    fn a_new_leader_epoch_starts_at_the_leo_even_before_it_writes() {
        let mut l = log(&[1, 1]);
        l.assign_epoch(3);
        assert_eq!(l.end_for_epoch(1), Some((1, 2)));
        // Epoch 3 wrote nothing, epoch 4 replaces it at the same offset.
        l.assign_epoch(4);
        assert_eq!(l.epochs(), &[(1, 0), (4, 2)]);
        l.append(4, "x".into());
        assert_eq!(l.end_for_epoch(4), Some((4, 3)));
        l.assign_epoch(2);
        assert_eq!(l.last_epoch(), Some(4), "an older epoch is ignored");
    }

    #[test]
    fn a_power_loss_keeps_only_what_the_page_cache_wrote_back() {
        let mut l = log(&[1, 1, 1]);
        l.write_back(0, 5000);
        l.append(2, "x".into());
        l.write_back(250, 5000);
        l.write_back(5000, 5000);
        assert_eq!(l.flushed_offset(), 3);
        let lost = l.lose_unflushed();
        assert_eq!(lost.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![3]);
        assert_eq!(l.end_offset(), 3);
        assert_eq!(
            l.epochs(),
            &[(1, 0)],
            "the epoch that started in the lost tail is gone"
        );
    }

    #[test]
    fn retention_moves_the_log_start_and_keeps_the_covering_epoch() {
        let mut l = log(&[1, 1, 2, 2, 2, 5]);
        l.delete_below(3);
        assert_eq!(l.start_offset(), 3);
        assert_eq!(l.epochs(), &[(2, 3), (5, 5)]);
        assert_eq!(l.read(0, 10).len(), 3);
        assert_eq!(l.read(4, 1)[0].offset, 4);
        assert_eq!(l.record(2), None);
        l.reset_to(40);
        assert_eq!((l.start_offset(), l.end_offset()), (40, 40));
    }
}
