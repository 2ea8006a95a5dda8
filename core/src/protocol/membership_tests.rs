//! KIP-853 rule by rule, one node at a time (as `node_tests`): voter sets from the log, the
//! leader's preconditions for AddVoter / RemoveVoter, the HW over the set in force, a leader
//! removing itself, and votes addressed to a disk.

use crate::protocol::error::{CommandError, MembershipProblem};
use crate::protocol::event::{RoleReason, TraceKind, VoteReason};
use crate::protocol::log::Log;
use crate::protocol::message::{FetchBody, FetchRequest, Message, VoteRequest};
use crate::protocol::node::{Durable, Effects, Identity, Node, NodeKind, QuorumState};
use crate::protocol::node_tests::{
    answer, deliver, first_fetch, granted_vote, leader, sent, vote_answer,
};
use crate::protocol::record::{Entry, Record};
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::protocol::voters::{QuorumBootstrap, Voter};
use crate::protocol::Config;
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use std::rc::Rc;

/// Node `id`'s disk: its directory id is `id * 100`.
fn dir(id: NodeId) -> u64 {
    id as u64 * 100
}

fn voters(ids: &[NodeId]) -> Vec<Voter> {
    ids.iter()
        .map(|&id| Voter {
            id,
            directory_id: Some(dir(id)),
        })
        .collect()
}

/// Controller `id` of a dynamic quorum (kraft_version 1) bootstrapped with `boot` as voters.
fn dynamic(id: NodeId, boot: &[NodeId], durable: Durable) -> (Node, Effects) {
    let mut out = Effects::default();
    let identity = Identity {
        id,
        kind: NodeKind::Controller,
        cfg: Rc::new(Config::default()),
        quorum: Rc::new(QuorumBootstrap {
            kraft_version: 1,
            voters: voters(boot).into(),
            servers: (1..=5).collect(),
        }),
        mode: Default::default(),
    };
    let durable = Durable {
        directory_id: dir(id),
        ..durable
    };
    let rng = Xoshiro256PlusPlus::seed_from_u64(id as u64);
    let n = Node::start(identity, durable, rng, 0, &mut out);
    (n, out)
}

fn follower_disk(epoch: u32, leader: NodeId, log: &[u32]) -> Durable {
    Durable {
        quorum: QuorumState {
            epoch,
            voted_for: None,
            leader: Some(leader),
        },
        log: Log::from_epochs(log),
        ..Default::default()
    }
}

/// Node 1 leading voters `boot` in epoch 1, having written its start-of-epoch records.
fn dynamic_leader(boot: &[NodeId]) -> Node {
    let disk = Durable {
        quorum: QuorumState {
            epoch: 1,
            voted_for: Some(1),
            leader: None,
        },
        ..Default::default()
    };
    let (mut n, _) = dynamic(1, boot, disk);
    for &v in boot.iter().filter(|&&v| v != 1) {
        deliver(&mut n, 1, v, granted_vote(1, false));
        if n.role() == Role::Leader {
            break;
        }
    }
    assert_eq!(n.role(), Role::Leader);
    n
}

/// A fetch from replica `from` on disk `disk`, at `offset` in epoch 1.
fn fetch_from(from: NodeId, disk: u64, offset: Offset) -> Message {
    Message::Fetch(FetchRequest {
        correlation: 1,
        epoch: 1,
        replica: from,
        fetch_offset: offset,
        last_fetched_epoch: 1,
        high_watermark: None,
        replica_directory_id: disk,
    })
}

/// Every replica in `from` fetches up to the leader's end at `now`.
fn all_fetch(n: &mut Node, now: Time, from: &[NodeId]) {
    let end = n.log().end_offset();
    for &f in from {
        deliver(n, now, f, fetch_from(f, dir(f), end));
    }
}

fn ids(n: &Node) -> Vec<NodeId> {
    n.voters().to_vec()
}

fn refusal(r: Result<(), CommandError>) -> MembershipProblem {
    match r {
        Err(CommandError::Membership(p)) => p,
        other => panic!("expected a membership refusal, got {other:?}"),
    }
}

#[test]
fn the_first_leader_writes_the_bootstrap_voters_into_the_log() {
    let n = dynamic_leader(&[1, 2, 3]);
    let kinds: Vec<&str> = n.log().entries().map(|e| e.record.kind()).collect();
    assert_eq!(kinds, ["leader_change", "kraft_version", "voters"]);
    assert_eq!(ids(&n), [1, 2, 3]);
}

#[test]
fn a_follower_uses_a_voters_record_as_soon_as_it_has_it_and_falls_back_when_it_is_cut() {
    let (mut n, out) = dynamic(2, &[1, 2, 3], follower_disk(1, 1, &[1]));
    let correlation = first_fetch(&out).correlation;
    let body = FetchBody::Records {
        entries: vec![Rc::new(Entry {
            offset: 1,
            epoch: 1,
            record: Record::Voters {
                voters: voters(&[1, 2, 3, 4]),
            },
        })],
        high_watermark: Some(1),
    };
    let out = deliver(&mut n, 5, 1, answer(correlation, 1, 1, body));
    assert_eq!(ids(&n), [1, 2, 3, 4], "uncommitted, and in force");
    assert!(out
        .trace
        .iter()
        .any(|t| matches!(t, TraceKind::VotersChanged { node: 2, .. })));
    // The next leader never had it: the follower cuts its log back, and the old set counts.
    let correlation = first_fetch(&out).correlation;
    let diverging = FetchBody::DivergingEpoch {
        epoch: 1,
        end_offset: 1,
    };
    deliver(&mut n, 9, 1, answer(correlation, 1, 1, diverging));
    assert_eq!(n.log().end_offset(), 1);
    assert_eq!(ids(&n), [1, 2, 3]);
}

#[test]
fn a_static_quorum_refuses_voter_changes() {
    let mut n = leader(1, &[1, 2, 3], 1, &[]);
    let mut out = Effects::default();
    assert_eq!(
        refusal(n.add_voter(5, 4, dir(4), &mut out)),
        MembershipProblem::StaticQuorum
    );
    assert_eq!(
        refusal(n.remove_voter(5, 3, &mut out)),
        MembershipProblem::StaticQuorum
    );
}

#[test]
fn add_voter_waits_for_a_commit_in_the_leaders_epoch() {
    let mut n = dynamic_leader(&[1, 2, 3]);
    let mut out = Effects::default();
    assert_eq!(
        refusal(n.add_voter(2, 4, dir(4), &mut out)),
        MembershipProblem::NotCommittedInEpoch
    );
}

#[test]
fn add_voter_needs_a_caught_up_observer_fetching_from_that_disk() {
    let mut n = dynamic_leader(&[1, 2, 3]);
    all_fetch(&mut n, 2, &[2, 3]);
    assert!(n.high_watermark().is_some_and(|hw| hw > 0));
    let mut out = Effects::default();
    assert_eq!(
        refusal(n.add_voter(3, 4, dir(4), &mut out)),
        MembershipProblem::NotAnObserver(4),
        "never fetched"
    );
    deliver(&mut n, 3, 4, fetch_from(4, dir(4), 0));
    let hw = n.high_watermark().unwrap_or(0);
    assert_eq!(
        refusal(n.add_voter(3, 4, dir(4), &mut out)),
        MembershipProblem::NotCaughtUp { id: 4, end: 0, hw }
    );
    assert_eq!(
        refusal(n.add_voter(3, 4, dir(4) + 1, &mut out)),
        MembershipProblem::NotAnObserver(4),
        "fetching, but from another disk"
    );
    assert_eq!(
        refusal(n.add_voter(3, 2, dir(2), &mut out)),
        MembershipProblem::AlreadyVoter(2)
    );
    all_fetch(&mut n, 4, &[4]);
    assert_eq!(n.add_voter(4, 4, dir(4), &mut out), Ok(()));
    assert_eq!(ids(&n), [1, 2, 3, 4]);
}

#[test]
fn one_change_at_a_time_answered_once_committed_and_the_hw_counts_the_new_set_at_once() {
    let mut n = dynamic_leader(&[1, 2, 3]);
    all_fetch(&mut n, 2, &[2, 3, 4]);
    let mut out = Effects::default();
    n.add_voter(3, 4, dir(4), &mut out).expect("accepted");
    let change = n.log().end_offset() - 1;
    assert_eq!(
        refusal(n.add_voter(3, 5, dir(5), &mut out)),
        MembershipProblem::ChangePending
    );
    assert_eq!(
        refusal(n.remove_voter(3, 2, &mut out)),
        MembershipProblem::ChangePending
    );
    // Node 2 has the record: 2 of the old 3, but only 2 of the new 4. Not committed.
    let end = n.log().end_offset();
    deliver(&mut n, 4, 2, fetch_from(2, dir(2), end));
    assert!(
        n.high_watermark().is_some_and(|hw| hw <= change),
        "needs 3 of 4"
    );
    let out = deliver(&mut n, 5, 3, fetch_from(3, dir(3), end));
    assert!(n.high_watermark().is_some_and(|hw| hw > change));
    assert!(out
        .trace
        .iter()
        .any(|t| matches!(t, TraceKind::VoterChangeCommitted { added: Some(4), .. })));
    let mut out = Effects::default();
    assert_eq!(
        n.remove_voter(6, 4, &mut out),
        Ok(()),
        "the next change may go"
    );
}

#[test]
fn a_voters_fetches_count_only_from_its_own_disk() {
    let mut n = dynamic_leader(&[1, 2, 3]);
    let end = n.log().end_offset();
    // Node 2 on a new disk fetches everything: it is an observer now, its fetch counts for nothing.
    deliver(&mut n, 2, 2, fetch_from(2, dir(2) + 1, end));
    // Node 3, on its own disk, has nothing yet: only the leader holds the entries.
    deliver(&mut n, 2, 3, fetch_from(3, dir(3), 0));
    assert_eq!(
        n.high_watermark(),
        None,
        "1 of 3, whatever the new disk holds"
    );
    deliver(&mut n, 3, 3, fetch_from(3, dir(3), end));
    assert_eq!(n.high_watermark(), Some(end));
}

#[test]
fn a_leader_that_removes_itself_leads_until_the_removal_commits_then_resigns() {
    let mut n = dynamic_leader(&[1, 2, 3]);
    all_fetch(&mut n, 2, &[2, 3]);
    let mut out = Effects::default();
    n.remove_voter(3, 1, &mut out).expect("accepted");
    assert_eq!(ids(&n), [2, 3]);
    assert_eq!(n.role(), Role::Leader, "still leading while uncommitted");
    let end = n.log().end_offset();
    deliver(&mut n, 4, 2, fetch_from(2, dir(2), end));
    assert_eq!(
        n.role(),
        Role::Leader,
        "its own copy no longer counts: 1 of 2"
    );
    let out = deliver(&mut n, 5, 3, fetch_from(3, dir(3), end));
    assert_eq!(n.role(), Role::Resigned);
    assert!(out.trace.iter().any(|t| matches!(
        t,
        TraceKind::Role {
            reason: RoleReason::RemovedFromVoters,
            ..
        }
    )));
    let told: Vec<NodeId> = sent(&out, "EndQuorumEpoch").iter().map(|s| s.0).collect();
    assert_eq!(told, [2, 3]);
}

#[test]
fn a_vote_addressed_to_another_disk_is_refused_and_a_stale_non_voter_still_votes() {
    let ask = |dir_asked: u64| {
        Message::Vote(VoteRequest {
            epoch: 2,
            candidate: 3,
            last_epoch: 1,
            end_offset: 5,
            pre_vote: false,
            voter_directory_id: Some(dir_asked),
        })
    };
    // Node 4 is not in its own (stale) set, but the candidate's log added it: it votes.
    let (mut n, _) = dynamic(4, &[1, 2, 3], follower_disk(1, 1, &[1]));
    assert_eq!(n.role(), Role::Observer);
    let out = deliver(&mut n, 5, 3, ask(dir(4)));
    assert_eq!(vote_answer(&out), (true, VoteReason::LogIsUpToDate));
    assert_eq!(
        n.role(),
        Role::Observer,
        "it still has no election of its own"
    );
    // Node 2's disk was replaced: a vote for (2, old disk) is not for it.
    let (mut n, _) = dynamic(2, &[1, 2, 3], follower_disk(1, 1, &[1]));
    let out = deliver(&mut n, 5, 3, ask(dir(2) + 7));
    assert_eq!(vote_answer(&out), (false, VoteReason::NotThisVoter));
}

#[test]
fn a_replica_on_a_new_disk_is_an_observer_and_never_campaigns() {
    let (mut n, _) = dynamic(2, &[1, 2, 3], Durable::default());
    assert!(n.is_voter());
    // Same id, another disk: the bootstrap set names (2, dir(2)), not this one.
    n.durable.directory_id = dir(2) + 1;
    let disk = n.durable().clone();
    let (n, out) = {
        let mut out = Effects::default();
        let rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let n = Node::start(n.identity(), disk, rng, 0, &mut out);
        (n, out)
    };
    assert_eq!(n.role(), Role::Observer);
    assert!(sent(&out, "Vote").is_empty());
    let mut n = n;
    let mut out = Effects::default();
    assert!(n.force_election(1, &mut out).is_err());
}
