//! KIP-853's membership checks: one uncommitted voter change at a time, of one voter, and a
//! node that lost its disk never votes as the voter it was.

use super::Checker;
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, Time};
use crate::sim::violation::{Breach, Violation};
use crate::sim::SimNode;

impl Checker {
    /// KIP-853's disk-loss rule: a replica votes (for another, or for itself as a candidate)
    /// only as a voter on the disk it has now. A wiped node voting under a voter entry of a disk
    /// it lost (or of a static quorum, which cannot tell) could elect a leader that lacks an
    /// entry its old disk acknowledged.
    pub(super) fn check_wiped_vote(
        &mut self,
        now: Time,
        n: &SimNode,
        candidate: NodeId,
        epoch: Epoch,
        found: &mut Vec<Violation>,
    ) {
        if n.lost_disks.is_empty() {
            return;
        }
        let id = n.node.id;
        let as_old = n
            .node
            .voter_set()
            .iter()
            .any(|v| v.id == id && v.directory_id.is_none_or(|d| n.lost_disks.contains(&d)));
        if as_old {
            let breach = Breach::WipedVoterVoted {
                node: id,
                candidate,
                epoch,
            };
            self.report(found, now, breach);
        }
    }

    /// Raft's single-server change: a leader appends a new voter set only once the previous
    /// one is committed, and it differs from it by one voter.
    pub(super) fn check_voter_change(
        &mut self,
        now: Time,
        n: &SimNode,
        offset: Offset,
        found: &mut Vec<Violation>,
    ) {
        if n.node.role() != Role::Leader {
            return;
        }
        let history = n.node.voter_history();
        // Committed: what the checker's prefix holds, or the leader's HW (checked on a majority
        // by MajorityReachedHighWatermark; the prefix stops at a log start cut by a snapshot).
        let committed = n.node.high_watermark().unwrap_or(0).max(self.committed_len);
        let uncommitted = history.changes_from(committed);
        let changed = history.latest_pair().map_or(0, |(before, after)| {
            let (added, removed) = crate::protocol::voters::difference(before, after);
            added.len() + removed.len()
        });
        if uncommitted > 1 || changed > 1 {
            let breach = Breach::VoterChangeUnsafe {
                node: n.node.id,
                offset,
                uncommitted,
                changed,
            };
            self.report(found, now, breach);
        }
    }
}
