//! Every invariant can fire: each test hands the checker a state or a step that breaks exactly
//! one rule and expects it named.

use super::*;
use crate::protocol::config::Config;
use crate::protocol::event::{RoleReason, TruncateReason};
use crate::protocol::log::{Log, Snapshot};
use crate::protocol::metadata::Image;
use crate::protocol::node::{Durable, Effects, Identity, Node, NodeKind, QuorumState};
use crate::protocol::types::SnapshotId;
use rand::SeedableRng;
use std::rc::Rc;

/// Controller `id` of voters 1-3 with this log, restarted from disk; role and HW set by hand.
fn node(id: NodeId, epoch: Epoch, log: &[Epoch], role: Role, hw: Option<Offset>) -> SimNode {
    let durable = Durable {
        quorum: QuorumState {
            epoch,
            voted_for: None,
            leader: None,
        },
        log: Log::from_epochs(log),
        ..Default::default()
    };
    let identity = Identity {
        id,
        kind: NodeKind::Controller,
        cfg: Rc::new(Config::default()),
        quorum: crate::protocol::voters::QuorumBootstrap::fixed(&[1, 2, 3]),
        mode: Default::default(),
    };
    let rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let mut n = Node::start(identity, durable, rng, 0, &mut Effects::default());
    n.role = role;
    n.hw = hw;
    SimNode::running(n)
}

fn role(node: NodeId, to: Role, epoch: Epoch) -> TraceKind {
    TraceKind::Role {
        node,
        from: Role::Candidate,
        to,
        epoch,
        leader: Some(node),
        reason: RoleReason::WonElection,
    }
}

/// A checker that has seen node 1 commit offsets 0-2 (epochs 1, 1, 2).
fn committed_0_to_2() -> (Checker, [SimNode; 1]) {
    let nodes = [node(1, 2, &[1, 1, 2], Role::Follower, Some(3))];
    let mut c = Checker::new();
    c.observe(0, &[TraceKind::HighWatermark { node: 1, hw: 3 }], &nodes);
    (c, nodes)
}

/// A snapshot of an empty image that applied everything below `end_offset`.
fn snapshot(end_offset: Offset, epoch: Epoch) -> Snapshot {
    Snapshot {
        id: SnapshotId { end_offset, epoch },
        image: Image {
            applied_offset: end_offset,
            ..Image::default()
        },
    }
}

fn names(found: &[Violation]) -> Vec<&'static str> {
    found.iter().map(|v| v.invariant).collect()
}

#[test]
fn single_leader() {
    let nodes = [
        node(1, 3, &[3], Role::Leader, None),
        node(2, 3, &[3], Role::Leader, None),
    ];
    let mut c = Checker::new();
    assert!(c.observe(0, &[role(1, Role::Leader, 3)], &nodes).is_empty());
    let found = c.observe(1, &[role(2, Role::Leader, 3)], &nodes);
    assert_eq!(names(&found), vec!["SingleLeader"]);
}

#[test]
fn monotonic_epoch() {
    let nodes = [node(1, 3, &[], Role::Follower, None)];
    let mut c = Checker::new();
    c.observe(0, &[role(1, Role::Follower, 3)], &nodes);
    let found = c.observe(1, &[role(1, Role::Follower, 2)], &nodes);
    assert_eq!(names(&found), vec!["MonotonicEpoch"]);
}

#[test]
fn monotonic_high_watermark() {
    let mut nodes = [node(1, 2, &[1, 2, 2], Role::Follower, Some(3))];
    let mut c = Checker::new();
    c.observe(0, &[TraceKind::HighWatermark { node: 1, hw: 3 }], &nodes);
    nodes[0].node.hw = Some(2);
    let found = c.observe(1, &[TraceKind::HighWatermark { node: 1, hw: 2 }], &nodes);
    assert_eq!(names(&found), vec!["MonotonicHighWatermark"]);
}

#[test]
fn consistent_committed_data_and_no_truncation_below_the_hw() {
    let (mut c, nodes) = committed_0_to_2();
    let truncate = TraceKind::Truncate {
        node: 1,
        to: 1,
        removed: 2,
        first_removed_epoch: 1,
        reason: TruncateReason::DivergingEpoch,
    };
    let found = c.observe(1, &[truncate], &nodes);
    assert_eq!(
        names(&found),
        vec!["ConsistentCommittedData", "NoTruncationBelowHighWatermark"]
    );
    // Another node committing a different epoch at a committed offset.
    let other = [node(2, 3, &[1, 3, 3], Role::Follower, Some(2))];
    let found = c.observe(2, &[TraceKind::HighWatermark { node: 2, hw: 2 }], &other);
    assert_eq!(names(&found), vec!["ConsistentCommittedData"]);
}

#[test]
fn a_follower_of_a_stale_leader_may_drop_what_a_later_epoch_committed() {
    // Offsets 0..3 committed in epoch 2. Node 3, still in epoch 1 (following a leader of
    // epoch 1 cut off from the rest), drops offsets 1.. of epoch 1: Raft allows it.
    let (mut c, _) = committed_0_to_2();
    let truncate = |node| TraceKind::Truncate {
        node,
        to: 1,
        removed: 1,
        first_removed_epoch: 1,
        reason: TruncateReason::DivergingEpoch,
    };
    let stale = [node(3, 1, &[1], Role::Follower, None)];
    assert!(c.observe(1, &[truncate(3)], &stale).is_empty());
    // The same cut by a node in epoch 2, where the commit happened, breaks the rule.
    let current = [node(4, 2, &[1], Role::Follower, None)];
    let found = c.observe(2, &[truncate(4)], &current);
    assert_eq!(names(&found), vec!["ConsistentCommittedData"]);
}

#[test]
fn leader_completeness() {
    let (mut c, _) = committed_0_to_2();
    // A leader of a later epoch that lacks what was committed before it.
    let short = [node(2, 3, &[1], Role::Leader, None)];
    let found = c.observe(1, &[role(2, Role::Leader, 3)], &short);
    assert_eq!(names(&found), vec!["LeaderCompleteness"]);
}

#[test]
fn snapshot_committed_and_snapshot_at_log_start() {
    let mut n = node(1, 2, &[1, 1, 2, 2], Role::Follower, Some(1));
    n.node.durable.log.add_snapshot(snapshot(3, 2));
    n.node.durable.log.clean(0, None);
    let taken = |end_offset| TraceKind::SnapshotTaken {
        node: 1,
        id: SnapshotId {
            end_offset,
            epoch: 2,
        },
    };
    let mut c = Checker::new();
    let nodes = [n];
    // Past its HW (1): not committed yet.
    assert_eq!(
        names(&c.observe(0, &[taken(3)], &nodes)),
        vec!["SnapshotCommitted"]
    );
    // Below its log start (3): it stands for nothing the log does not already start after.
    let found = c.observe(1, &[taken(1)], &nodes);
    assert_eq!(names(&found), vec!["SnapshotAtLogStart"]);
}

#[test]
fn two_snapshots_in_one_step_hold_only_the_last_to_the_log_start() {
    // A node learns of a big batch committed at once and snapshots twice in the step: at 2,
    // then at 4, where its log now starts. The first was at the log start when taken.
    let mut n = node(1, 2, &[1, 1, 2, 2, 2, 2], Role::Follower, Some(6));
    n.node.durable.log.add_snapshot(snapshot(4, 2));
    n.node.durable.log.clean(0, None);
    let taken = |end_offset| TraceKind::SnapshotTaken {
        node: 1,
        id: SnapshotId {
            end_offset,
            epoch: 2,
        },
    };
    let nodes = [n];
    let mut c = Checker::new();
    let found = c.observe(0, &[taken(2), taken(4)], &nodes);
    assert!(names(&found).is_empty(), "{found:?}");
    // The last snapshot of a step is still held to it.
    let found = c.observe(1, &[taken(4), taken(2)], &nodes);
    assert_eq!(names(&found), vec!["SnapshotAtLogStart"]);
}

#[test]
fn leader_never_loads_a_snapshot() {
    let nodes = [node(1, 2, &[2], Role::Leader, None)];
    let loaded = TraceKind::SnapshotLoaded {
        node: 1,
        id: SnapshotId {
            end_offset: 1,
            epoch: 2,
        },
        from: 2,
    };
    let found = Checker::new().observe(0, &[loaded], &nodes);
    assert_eq!(names(&found), vec!["LeaderNeverLoadSnapshot"]);
}

#[test]
fn log_matching_after_every_step_and_in_the_whole_check() {
    // Same (offset 2, epoch 3), different epochs below it.
    let nodes = [
        node(1, 3, &[1, 1, 3], Role::Follower, None),
        node(2, 3, &[1, 2, 3], Role::Follower, None),
    ];
    let found = Checker::new().observe(0, &[], &nodes);
    assert_eq!(names(&found), vec!["LogMatching"]);
    let found = Checker::new().full_check(0, &nodes);
    assert_eq!(names(&found), vec!["LogMatching"]);
}

#[test]
fn log_matching_when_an_epoch_begins_at_two_offsets() {
    let mut c = Checker::new();
    assert!(c
        .observe(0, &[], &[node(1, 2, &[1, 2, 2], Role::Follower, None)])
        .is_empty());
    // Epoch 2 began at offset 1 in node 1's log, at offset 2 here: one of them is not the
    // leader's.
    let later = [node(2, 2, &[1, 1, 2], Role::Follower, None)];
    assert_eq!(names(&c.observe(1, &[], &later)), vec!["LogMatching"]);
}

#[test]
fn monotonic_high_watermark_read_from_node_state_without_an_event() {
    let mut nodes = [node(1, 2, &[1, 2, 2], Role::Follower, Some(3))];
    let mut c = Checker::new();
    assert!(c.observe(0, &[], &nodes).is_empty());
    nodes[0].node.hw = Some(2);
    assert_eq!(
        names(&c.observe(1, &[], &nodes)),
        vec!["MonotonicHighWatermark"]
    );
}

#[test]
fn snapshot_at_log_start_as_kafka_keeps_it() {
    let mut n = node(1, 2, &[1, 1, 2, 2, 2], Role::Follower, None);
    n.node.durable.log.add_snapshot(snapshot(3, 2));
    n.node.durable.log.clean(0, None);
    n.node.durable.log.add_snapshot(snapshot(4, 2));
    let mut c = Checker::new();
    assert!(c.observe(0, &[], std::slice::from_ref(&n)).is_empty());
    // A fault: the snapshot at the log start (3) is lost; the earliest now ends at 4.
    n.node.durable.log.lose_earliest_snapshot();
    let found = c.observe(1, &[], &[n]);
    assert_eq!(names(&found), vec!["SnapshotAtLogStart"]);
}

#[test]
fn majority_reached_high_watermark_on_every_hw_move_and_in_the_whole_check() {
    // The leader's HW 3 is on its own log only.
    let nodes = [
        node(1, 2, &[2, 2, 2], Role::Leader, Some(3)),
        node(2, 2, &[2], Role::Follower, None),
        node(3, 2, &[2], Role::Follower, None),
    ];
    let moved = TraceKind::HighWatermark { node: 1, hw: 3 };
    let found = Checker::new().observe(0, &[moved], &nodes);
    assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
    let found = Checker::new().full_check(0, &nodes);
    assert_eq!(names(&found), vec!["MajorityReachedHighWatermark"]);
}

fn broker(id: NodeId) -> crate::protocol::metadata::BrokerState {
    crate::protocol::metadata::BrokerState {
        id,
        epoch: 0,
        fenced: false,
        incarnation: 1,
    }
}

#[test]
fn image_matches_committed_log_after_every_step_and_in_the_whole_check() {
    let mut n = node(1, 2, &[2], Role::Follower, Some(1));
    // Claims to have applied a record its log does not replay to.
    n.node.image.applied_offset = 1;
    n.node.image.brokers.insert(101, broker(101));
    let found = Checker::new().observe(0, &[], std::slice::from_ref(&n));
    assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    let found = Checker::new().full_check(0, &[n]);
    assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
}

#[test]
fn images_agree_across_nodes_on_the_committed_prefix() {
    let mut c = Checker::new();
    let mut a = node(1, 2, &[2, 2], Role::Follower, Some(2));
    a.node.image.applied_offset = 2;
    assert!(c.observe(0, &[], std::slice::from_ref(&a)).is_empty());
    // Node 2 reaches the same offset later with a different image.
    let mut b = node(2, 2, &[2, 2], Role::Follower, Some(2));
    b.node.image.applied_offset = 2;
    b.node.image.brokers.insert(102, broker(102));
    let found = c.observe(1, &[], &[a, b]);
    assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
}

#[test]
fn nothing_at_or_above_the_hw_is_applied() {
    let mut n = node(1, 2, &[2, 2, 2], Role::Follower, Some(1));
    n.node.image.applied_offset = 2;
    let found = Checker::new().observe(0, &[], &[n]);
    assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
    assert!(matches!(
        found[0].breach,
        Breach::AppliedPastHw {
            applied: 2,
            hw: 1,
            ..
        }
    ));
}

#[test]
fn a_snapshot_image_equals_the_replay_of_the_committed_log() {
    let mut n = node(1, 2, &[2, 2, 2], Role::Follower, Some(3));
    n.node.image.applied_offset = 3;
    let id = SnapshotId {
        end_offset: 2,
        epoch: 2,
    };
    let mut image = Image {
        applied_offset: 2,
        ..Image::default()
    };
    image.brokers.insert(101, broker(101));
    n.node.durable.log.add_snapshot(Snapshot { id, image });
    let mut c = Checker::new();
    assert!(c.observe(0, &[], std::slice::from_ref(&n)).is_empty());
    let taken = TraceKind::SnapshotTaken { node: 1, id };
    let found = c.observe(1, &[taken], &[n]);
    assert_eq!(names(&found), vec!["ImageMatchesCommittedLog"]);
}

#[test]
fn log_matching_for_an_epoch_a_log_start_cut_into() {
    // Node 1's log starts at 2 inside epoch 1 (its snapshot ends in epoch 1): epoch 1 began
    // at 2 or lower. Node 2 has epoch 1 begin at 3: they cannot both hold the leader's entries.
    let mut cut = node(1, 1, &[1, 1, 1, 1], Role::Follower, None);
    cut.node.durable.log.add_snapshot(snapshot(2, 1));
    cut.node.durable.log.clean(0, None);
    let mut c = Checker::new();
    assert!(c.observe(0, &[], std::slice::from_ref(&cut)).is_empty());
    let whole = node(2, 1, &[0, 0, 0, 1], Role::Follower, None);
    assert_eq!(names(&c.observe(1, &[], &[whole])), vec!["LogMatching"]);
    // A whole log where epoch 1 begins at 0 agrees with the cut one.
    let mut c = Checker::new();
    c.observe(0, &[], std::slice::from_ref(&cut));
    let agrees = node(3, 1, &[1, 1, 1, 1], Role::Follower, None);
    assert!(c.observe(1, &[], &[agrees]).is_empty());
}

#[test]
fn the_replay_forgets_whole_chunks_below_every_log_start() {
    let mut r = Replay::new();
    for offset in 0..200 {
        r.push(&Entry {
            offset,
            epoch: 1,
            record: crate::protocol::record::Record::NoOp,
        });
    }
    assert!(r.at(0).is_some() && r.at(200).is_some() && r.at(201).is_none());
    r.forget_below(130);
    assert_eq!(r.base, 128);
    assert!(r.at(127).is_none() && r.at(128).is_some() && r.at(200).is_some());
}

#[test]
fn log_matching_after_a_truncation_and_an_append_in_one_step() {
    let mut c = Checker::new();
    // Node 2 shows epoch 3 beginning at offset 3, after epoch 2.
    c.observe(0, &[], &[node(2, 3, &[1, 1, 2, 3], Role::Follower, None)]);
    let mut n = node(1, 3, &[1, 1, 2, 2], Role::Follower, None);
    assert!(c.observe(1, &[], std::slice::from_ref(&n)).is_empty());
    // In one step node 1 cuts back to 2 and appends epoch 3 there: its log end is unchanged,
    // but epoch 3 now begins at 2 here.
    n.node.durable.log = Log::from_epochs(&[1, 1, 3, 3]);
    let cut = TraceKind::Truncate {
        node: 1,
        to: 2,
        removed: 2,
        first_removed_epoch: 2,
        reason: TruncateReason::DivergingEpoch,
    };
    assert_eq!(names(&c.observe(2, &[cut], &[n])), vec!["LogMatching"]);
}

#[test]
fn only_the_newest_leaders_hw_must_be_on_a_majority() {
    // Node 2 moved to epoch 3 without leading it; its HW is its own business. Leader 1's
    // HW 1 is on all three logs.
    let nodes = [
        node(1, 2, &[2], Role::Leader, Some(1)),
        node(2, 3, &[2, 2, 2], Role::Unattached, Some(3)),
        node(3, 2, &[2], Role::Follower, Some(1)),
    ];
    assert!(Checker::new().full_check(0, &nodes).is_empty());
}

#[test]
fn a_voter_with_another_entry_at_the_hw_does_not_hold_it() {
    // Voters 2 and 3 are as long as the leader's HW but hold epoch 1 where it has epoch 2.
    let nodes = [
        node(1, 2, &[1, 1, 2], Role::Leader, Some(3)),
        node(2, 2, &[1, 1, 1], Role::Follower, None),
        node(3, 2, &[1, 1, 1], Role::Follower, None),
    ];
    let found = Checker::new().full_check(0, &nodes);
    assert!(names(&found).contains(&"MajorityReachedHighWatermark"));
}

#[test]
fn log_matching_remembers_the_lowest_start_a_cut_log_showed() {
    let cut_at = |id, start: Offset| {
        let mut n = node(id, 1, &[1; 6], Role::Follower, None);
        n.node.durable.log.add_snapshot(snapshot(start, 1));
        n.node.durable.log.clean(0, None);
        n
    };
    let mut c = Checker::new();
    // Epoch 1 began at 3 or lower, then at 2 or lower...
    assert!(c.observe(0, &[], &[cut_at(1, 3)]).is_empty());
    assert!(c.observe(1, &[], &[cut_at(2, 2)]).is_empty());
    // ...so a log where it begins exactly at 3 disagrees with node 2's.
    let late = node(3, 1, &[0, 0, 0, 1, 1, 1], Role::Follower, None);
    assert_eq!(names(&c.observe(2, &[], &[late])), vec!["LogMatching"]);
}

/// Leader 1 (HW 1) with these VotersRecords appended after its first entry, none committed.
fn leader_with_changes(changes: &[&[NodeId]]) -> SimNode {
    let mut n = node(1, 1, &[1], Role::Leader, Some(1));
    for (i, ids) in changes.iter().enumerate() {
        let offset = 1 + i as Offset;
        let voters = ids
            .iter()
            .map(|&id| crate::protocol::voters::Voter {
                id,
                directory_id: None,
            })
            .collect();
        let record = crate::protocol::record::Record::Voters { voters };
        n.node.voter_history.appended(offset, &record);
        n.node.durable.log.append(Entry {
            offset,
            epoch: 1,
            record,
        });
    }
    n
}

fn appended_voters(first: Offset) -> TraceKind {
    TraceKind::Append {
        node: 1,
        first,
        count: 1,
        epoch: 1,
        kind: "voters",
    }
}

#[test]
fn single_uncommitted_voter_change() {
    let one = leader_with_changes(&[&[1, 2, 3, 4]]);
    let found = Checker::new().observe(0, &[appended_voters(1)], &[one]);
    assert!(!names(&found).contains(&"SingleUncommittedVoterChange"));
    let two_pending = leader_with_changes(&[&[1, 2, 3, 4], &[1, 2, 3, 4, 5]]);
    let found = Checker::new().observe(0, &[appended_voters(2)], &[two_pending]);
    assert!(names(&found).contains(&"SingleUncommittedVoterChange"));
    let two_at_once = leader_with_changes(&[&[1, 2, 3, 4, 5]]);
    let found = Checker::new().observe(0, &[appended_voters(1)], &[two_at_once]);
    assert!(names(&found).contains(&"SingleUncommittedVoterChange"));
}

#[test]
fn single_active_controller_per_zookeeper_controller_epoch() {
    let elected = |node, epoch| TraceKind::ControllerElected { node, epoch };
    let mut c = Checker::new();
    // One broker per epoch, even the same broker again in a later one: fine.
    assert!(c
        .observe(0, &[elected(101, 1), elected(102, 2)], &[])
        .is_empty());
    assert!(c.observe(1, &[elected(102, 3)], &[]).is_empty());
    // Two brokers won the same epoch.
    let found = c.observe(2, &[elected(103, 3)], &[]);
    assert_eq!(names(&found), vec!["SingleActiveController"]);
}

#[test]
fn a_zombie_write_is_a_violation() {
    let write = TraceKind::ZombieWrite {
        node: 101,
        epoch: 1,
        current: 2,
        path: "/brokers/topics/t/partitions/0/state".into(),
    };
    let found = Checker::new().observe(0, &[write], &[]);
    assert_eq!(names(&found), vec!["ZombieControllerWrite"]);
}

#[test]
fn wiped_voter_voted() {
    let vote = TraceKind::VoteCast {
        voter: 2,
        candidate: 3,
        epoch: 2,
        pre_vote: false,
        granted: true,
        reason: crate::protocol::event::VoteReason::LogIsUpToDate,
    };
    let intact = node(2, 2, &[], Role::Unattached, None);
    assert!(Checker::new()
        .observe(0, std::slice::from_ref(&vote), &[intact])
        .is_empty());
    // Its disk was replaced, and the static set cannot tell: it votes as the voter it was.
    let mut wiped = node(2, 2, &[], Role::Unattached, None);
    wiped.lost_disks.push(wiped.node.directory_id());
    let found = Checker::new().observe(0, &[vote], &[wiped]);
    assert_eq!(names(&found), vec!["WipedVoterVoted"]);
}

#[test]
fn majority_reached_high_watermark_while_a_voter_change_is_pending() {
    // Leader 1 committed offset 0 with voter 2 (of 1, 2, 3), then appended the removal of 2.
    let leader = leader_with_changes(&[&[1, 3]]);
    let empty = node(3, 1, &[], Role::Follower, None);
    let holder = node(2, 1, &[1], Role::Follower, None);
    let found = Checker::new().full_check(0, &[leader.clone(), holder, empty.clone()]);
    assert!(
        !names(&found).contains(&"MajorityReachedHighWatermark"),
        "on 2 of the old 3, though 1 of the new 2: {found:?}"
    );
    let lacking = node(2, 1, &[], Role::Follower, None);
    let found = Checker::new().full_check(0, &[leader, lacking, empty]);
    assert!(names(&found).contains(&"MajorityReachedHighWatermark"));
}
