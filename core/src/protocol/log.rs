//! The replicated log of one node: entries from the log start offset, the epoch cache, and the
//! snapshots that stand in for everything below the log start. All of it is durable.

use crate::protocol::metadata::Image;
use crate::protocol::record::{Entry, Record};
use crate::protocol::types::{Epoch, Offset, SnapshotId};
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub id: SnapshotId,
    /// The committed image at `id.end_offset`.
    pub image: Image,
}

#[derive(Clone, Debug, Default)]
pub struct Log {
    start: Offset,
    /// Epoch of the entry just below `start` (0 when `start == 0`): the snapshot's epoch.
    start_epoch: Epoch,
    /// Entries are shared: with the leader that sent them and with every checkpoint of this log.
    entries: VecDeque<Rc<Entry>>,
    /// (epoch, first offset) of every epoch present among `entries`, ascending.
    epochs: Vec<(Epoch, Offset)>,
    /// Retained snapshots, oldest first.
    snapshots: VecDeque<Snapshot>,
}

impl Log {
    /// A log of neutral (client) records with these epochs from offset 0: a scenario's `initial`
    /// log, and the tests' logs.
    pub fn from_epochs(epochs: &[Epoch]) -> Log {
        let mut log = Log::default();
        for (i, e) in epochs.iter().enumerate() {
            log.append(Entry {
                offset: i as Offset,
                epoch: *e,
                record: Record::Client,
            });
        }
        log
    }

    pub fn start_offset(&self) -> Offset {
        self.start
    }

    /// Log end offset: the offset the next entry will take.
    pub fn end_offset(&self) -> Offset {
        self.start + self.entries.len() as Offset
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().map(|e| &**e)
    }

    pub fn entry(&self, offset: Offset) -> Option<&Entry> {
        self.shared_entry(offset).map(|e| &**e)
    }

    /// The entry itself, to send or copy without cloning it.
    pub fn shared_entry(&self, offset: Offset) -> Option<&Rc<Entry>> {
        if offset < self.start {
            return None;
        }
        self.entries.get((offset - self.start) as usize)
    }

    /// Epoch of the entry at `offset`, also for the last offset covered by the snapshot at the log start.
    pub fn epoch_at(&self, offset: Offset) -> Option<Epoch> {
        if self.start > 0 && offset + 1 == self.start {
            return Some(self.start_epoch);
        }
        self.entry(offset).map(|e| e.epoch)
    }

    /// (epoch of the last entry, end offset): what Vote compares and Fetch sends as last fetched epoch.
    pub fn last_id(&self) -> (Epoch, Offset) {
        match self.entries.back() {
            Some(e) => (e.epoch, e.offset + 1),
            None => (self.start_epoch, self.start),
        }
    }

    pub fn last_epoch(&self) -> Epoch {
        self.last_id().0
    }

    pub fn epoch_cache(&self) -> &[(Epoch, Offset)] {
        &self.epochs
    }

    /// Kafka's `endOffsetForEpoch`: the largest epoch <= `epoch` this log knows and the offset where
    /// it ends (exclusive). (0, 0) when the log knows no such epoch at all.
    pub fn end_offset_for_epoch(&self, epoch: Epoch) -> (Epoch, Offset) {
        let idx = self.epochs.partition_point(|(e, _)| *e <= epoch);
        if idx > 0 {
            let (e, _) = self.epochs[idx - 1];
            let end = self
                .epochs
                .get(idx)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| self.end_offset());
            return (e, end);
        }
        if self.start > 0 && self.start_epoch <= epoch {
            // The epoch ends inside the snapshot at the log start (or at it).
            return (self.start_epoch, self.start);
        }
        (0, 0)
    }

    pub fn append(&mut self, entry: Entry) {
        self.append_shared(Rc::new(entry));
    }

    pub fn append_shared(&mut self, entry: Rc<Entry>) {
        debug_assert_eq!(entry.offset, self.end_offset());
        if self.epochs.last().map(|(e, _)| *e) != Some(entry.epoch) {
            self.epochs.push((entry.epoch, entry.offset));
        }
        self.entries.push_back(entry);
    }

    /// Removes every entry at or above `offset`. Never cuts into the snapshot at the log start.
    /// Returns how many entries were removed.
    pub fn truncate_to(&mut self, offset: Offset) -> usize {
        let offset = offset.max(self.start);
        let keep = (offset - self.start) as usize;
        if keep >= self.entries.len() {
            return 0;
        }
        let removed = self.entries.len() - keep;
        self.entries.truncate(keep);
        while self.epochs.last().is_some_and(|(_, s)| *s >= offset) {
            self.epochs.pop();
        }
        // Snapshots above the new end would describe entries this log no longer has.
        self.snapshots
            .retain(|s| s.id.end_offset <= offset.max(self.start));
        removed
    }

    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.snapshots.back()
    }

    /// (epoch, first offset) of each epoch among the entries: the log's shape.
    pub fn epoch_runs(&self) -> &[(Epoch, Offset)] {
        &self.epochs
    }
    pub fn snapshots(&self) -> impl DoubleEndedIterator<Item = &Snapshot> {
        self.snapshots.iter()
    }

    /// Records a snapshot of this node's committed image. Deletes nothing (cleaning does).
    pub fn add_snapshot(&mut self, snapshot: Snapshot) {
        if self
            .snapshots
            .back()
            .is_some_and(|s| s.id.end_offset >= snapshot.id.end_offset)
        {
            return;
        }
        self.snapshots.push_back(snapshot);
    }

    /// Kafka's log cleaning: while more than `retention` records precede the latest snapshot,
    /// delete the oldest snapshot and move the log start to the next snapshot's end. The latest
    /// snapshot is never deleted, and neither is a snapshot ending at or above `keep_from` (one
    /// a follower is downloading) nor the log after it: the follower fetches on from its end.
    /// Returns the new log start if it moved.
    pub fn clean(&mut self, retention: u64, keep_from: Option<Offset>) -> Option<Offset> {
        let before = self.start;
        let latest_end = self.snapshots.back()?.id.end_offset;
        let limit = keep_from.unwrap_or(latest_end);
        while latest_end - self.start > retention {
            let Some(next) = self.snapshots.iter().find(|s| s.id.end_offset > self.start) else {
                break;
            };
            if next.id.end_offset > limit {
                break;
            }
            let (end, epoch) = (next.id.end_offset, next.id.epoch);
            self.move_start(end, epoch);
            // Snapshots wholly below the new start are no longer needed.
            while self.snapshots.len() > 1 && self.snapshots[0].id.end_offset < self.start {
                self.snapshots.pop_front();
            }
        }
        (self.start != before).then_some(self.start)
    }

    fn move_start(&mut self, new_start: Offset, epoch: Epoch) {
        let drop = ((new_start - self.start) as usize).min(self.entries.len());
        self.entries.drain(..drop);
        self.start = new_start;
        self.start_epoch = epoch;
        // The epoch cache only describes retained entries.
        self.epochs.retain(|(_, s)| *s >= new_start);
        if let Some(first) = self.entries.front() {
            if self.epochs.first().map(|(e, _)| *e) != Some(first.epoch) {
                self.epochs.insert(0, (first.epoch, first.offset));
            }
        }
    }

    /// Test-only fault: the earliest snapshot is lost (the checker must notice).
    #[cfg(test)]
    pub(crate) fn lose_earliest_snapshot(&mut self) {
        self.snapshots.pop_front();
    }

    /// The snapshot cut-over: replace everything with a snapshot fetched from the leader.
    pub fn reset_to_snapshot(&mut self, snapshot: Snapshot) {
        self.entries.clear();
        self.epochs.clear();
        self.start = snapshot.id.end_offset;
        self.start_epoch = snapshot.id.epoch;
        self.snapshots.clear();
        self.snapshots.push_back(snapshot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(end_offset: Offset, epoch: Epoch) -> Snapshot {
        Snapshot {
            id: SnapshotId { end_offset, epoch },
            image: Image::default(),
        }
    }

    fn log_of(epochs: &[Epoch]) -> Log {
        Log::from_epochs(epochs)
    }

    #[test]
    fn end_offset_for_epoch_follows_the_epoch_cache() {
        let log = log_of(&[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]);
        assert_eq!(log.end_offset_for_epoch(6), (6, 10));
        assert_eq!(log.end_offset_for_epoch(7), (6, 10));
        assert_eq!(log.end_offset_for_epoch(4), (4, 5));
        assert_eq!(log.end_offset_for_epoch(3), (1, 3));
        assert_eq!(log.end_offset_for_epoch(0), (0, 0));
    }

    #[test]
    fn truncate_updates_epoch_cache() {
        let mut log = log_of(&[1, 1, 2, 2, 3]);
        assert_eq!(log.truncate_to(2), 3);
        assert_eq!(log.last_id(), (1, 2));
        assert_eq!(log.epoch_cache(), &[(1, 0)]);
    }

    #[test]
    fn cleaning_moves_log_start_to_latest_snapshot() {
        let mut log = log_of(&[1, 1, 2, 2, 3, 3]);
        log.add_snapshot(snapshot(3, 2));
        assert_eq!(log.clean(0, None), Some(3));
        assert_eq!(log.start_offset(), 3);
        assert_eq!(log.epoch_at(2), Some(2));
        assert_eq!(log.end_offset_for_epoch(2), (2, 4));
        assert_eq!(log.end_offset_for_epoch(1), (0, 0));
        assert_eq!(log.clean(0, None), None);
    }

    #[test]
    fn emptiness_and_the_last_epoch() {
        let mut log = Log::default();
        assert!(log.is_empty());
        assert_eq!(log.last_epoch(), 0);
        log = log_of(&[1, 1, 3]);
        assert!(!log.is_empty());
        assert_eq!(log.last_epoch(), 3);
        log.reset_to_snapshot(snapshot(3, 3));
        assert!(log.is_empty());
        assert_eq!(log.last_epoch(), 3, "the snapshot's epoch");
    }

    #[test]
    fn truncating_a_log_that_starts_after_a_snapshot() {
        let mut log = log_of(&[1, 1, 2, 2, 3, 3]);
        log.add_snapshot(snapshot(3, 2));
        log.clean(0, None);
        assert_eq!(log.start_offset(), 3);
        assert_eq!(log.truncate_to(4), 2);
        assert_eq!(log.end_offset(), 4);
        assert_eq!(log.last_id(), (2, 4));
    }

    #[test]
    fn cleaning_keeps_what_the_retention_allows() {
        let mut log = log_of(&[1; 10]);
        for end in [3, 8] {
            log.add_snapshot(snapshot(end, 1));
        }
        // 8 records precede the latest snapshot; a retention of 8 keeps them all.
        assert_eq!(log.clean(8, None), None);
        // With 5: the oldest snapshot goes and the log starts at its end (5 left <= 5).
        assert_eq!(log.clean(5, None), Some(3));
        assert_eq!(log.snapshots().count(), 2);
        assert_eq!(log.clean(4, None), Some(8));
        assert_eq!(log.snapshots().count(), 1);
    }

    #[test]
    fn cleaning_keeps_a_snapshot_being_downloaded_and_the_log_after_it() {
        let mut log = log_of(&[1; 12]);
        for end in [3, 6, 9] {
            log.add_snapshot(snapshot(end, 1));
        }
        // A follower downloads the snapshot at 3: it stays, and so does the log from 3 on.
        assert_eq!(log.clean(0, Some(3)), Some(3));
        assert_eq!(log.snapshots().next().map(|s| s.id.end_offset), Some(3));
        assert_eq!(log.clean(0, Some(3)), None);
        // One downloading the snapshot at 6 lets the start move to 6, not past it.
        assert_eq!(log.clean(0, Some(6)), Some(6));
        assert_eq!(log.snapshots().count(), 2);
        // Nobody downloading: the start moves to the latest snapshot.
        assert_eq!(log.clean(0, None), Some(9));
        assert_eq!(log.snapshots().count(), 1);
    }
}
