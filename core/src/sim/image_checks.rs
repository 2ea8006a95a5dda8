//! The metadata image checks (ImageMatchesCommittedLog): a node's image, and every snapshot's,
//! equals the replay of the committed log up to the offset it stands for.

use super::Checker;
use crate::protocol::metadata::Image;
use crate::protocol::types::{Offset, SnapshotId, Time};
use crate::sim::committed_replay::fingerprint;
use crate::sim::violation::{Breach, Violation};
use crate::sim::SimNode;

impl Checker {
    /// A node's image: nothing at or above its HW applied, and equal to the replay of the
    /// committed log at the offset it applied up to (so all images agree on the committed prefix).
    ///
    /// Hashing an image costs its size: one of up to 100 partitions is hashed whenever it
    /// changes, a larger one once per hundredth of its size in records applied (every 1,000
    /// records at 100,000 partitions), so the check costs a bounded amount per record. A wrong
    /// image stays wrong, so it is still caught, some records later.
    pub(super) fn check_image(
        &mut self,
        now: Time,
        i: usize,
        n: &SimNode,
        found: &mut Vec<Violation>,
    ) {
        let image = n.node.image();
        let id = n.node.id;
        let size = image.brokers.len() as Offset
            + image
                .topics
                .values()
                .map(|t| t.partitions.len() as Offset + 1)
                .sum::<Offset>();
        let last = self.seen[i].fingerprinted;
        let due = last == Offset::MAX
            || image.applied_offset < last
            || image.applied_offset - last >= size / 100;
        if due {
            self.seen[i].fingerprinted = image.applied_offset;
        }
        if let Some(hw) = n
            .node
            .high_watermark()
            .filter(|hw| image.applied_offset > *hw)
        {
            self.report(
                found,
                now,
                Breach::AppliedPastHw {
                    node: id,
                    applied: image.applied_offset,
                    hw,
                },
            );
        }
        if due
            && self
                .replay
                .at(image.applied_offset)
                .is_some_and(|fp| fp != fingerprint(image))
        {
            self.report(found, now, Breach::ImageDiffers { node: id });
        }
    }

    /// A snapshot a node took or loaded holds the replay of the committed log at its end offset.
    pub(super) fn check_snapshot_image(
        &mut self,
        now: Time,
        n: &SimNode,
        id: SnapshotId,
        found: &mut Vec<Violation>,
    ) {
        let Some(s) = n.node.log().snapshots().find(|s| s.id == id) else {
            return;
        };
        let wrong = s.image.applied_offset != id.end_offset
            || self
                .replay
                .at(id.end_offset)
                .is_some_and(|fp| fp != fingerprint(&s.image));
        if wrong {
            self.report(
                found,
                now,
                Breach::SnapshotImageDiffers {
                    node: n.node.id,
                    end_offset: id.end_offset,
                },
            );
        }
    }
}

/// The image a node should have: its snapshot at the log start plus the log up to what it applied.
pub(super) fn replay_image(n: &SimNode) -> Option<Image> {
    let log = n.node.log();
    let applied = n.node.image().applied_offset;
    let mut image = match log
        .snapshots()
        .rfind(|s| s.id.end_offset <= applied.max(log.start_offset()))
    {
        Some(s) if s.id.end_offset >= log.start_offset() => s.image.clone(),
        _ if log.start_offset() == 0 => Image::default(),
        _ => return Some(n.node.image().clone()),
    };
    let from = image.applied_offset;
    for o in from..applied {
        image.apply(log.entry(o)?);
    }
    Some(image)
}
