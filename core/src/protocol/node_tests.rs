//! Node-level tests in the style of etcd's `raft_paper_test.go`: build one node in a given state,
//! give it one input, assert on its effects. No simulation: the node alone, rule by rule.

use crate::protocol::config::Config;
use crate::protocol::event::{RoleReason, TraceKind, TruncateReason, VoteReason};
use crate::protocol::log::{Log, Snapshot};
use crate::protocol::message::{
    BeginQuorumEpochRequest, EndQuorumEpochRequest, ErrorCode, FetchBody, FetchRequest,
    FetchResponse, Message, VoteRequest, VoteResponse,
};
use crate::protocol::metadata::{Image, PartitionState};
use crate::protocol::node::{Durable, Effects, Identity, Input, Node, NodeKind, QuorumState, Slot};
use crate::protocol::record::{Entry, Record};
use crate::protocol::role::Role;
use crate::protocol::types::{Epoch, NodeId, Offset, SnapshotId, Time};
use crate::protocol::voters::QuorumBootstrap;
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use std::rc::Rc;

// ----- building one node -----

fn config(pre_vote: bool) -> Config {
    Config {
        pre_vote,
        ..Config::default()
    }
}

fn disk(epoch: Epoch, voted_for: Option<NodeId>, leader: Option<NodeId>, log: &[Epoch]) -> Durable {
    Durable {
        quorum: QuorumState {
            epoch,
            voted_for,
            leader,
        },
        log: Log::from_epochs(log),
        ..Default::default()
    }
}

/// A controller `id` among `voters`, started at `now` from `durable`.
fn start_with(
    id: NodeId,
    voters: &[NodeId],
    durable: Durable,
    cfg: Config,
    now: Time,
) -> (Node, Effects) {
    let mut out = Effects::default();
    let identity = Identity {
        id,
        kind: NodeKind::Controller,
        cfg: Rc::new(cfg),
        quorum: QuorumBootstrap::fixed(voters),
        mode: Default::default(),
    };
    let rng = Xoshiro256PlusPlus::seed_from_u64(id as u64);
    let n = Node::start(identity, durable, rng, now, &mut out);
    (n, out)
}

fn start(id: NodeId, voters: &[NodeId], durable: Durable) -> (Node, Effects) {
    start_with(id, voters, durable, config(true), 0)
}

pub(super) fn deliver(n: &mut Node, now: Time, from: NodeId, msg: Message) -> Effects {
    let mut out = Effects::default();
    n.handle(now, Input::Message { from, msg: &msg }, &mut out);
    out
}

fn fire(n: &mut Node, slot: Slot) -> Effects {
    let mut out = Effects::default();
    assert!(n.fire(slot, &mut out), "{slot:?} was not armed");
    out
}

fn vote(epoch: Epoch, candidate: NodeId, last: (Epoch, Offset), pre_vote: bool) -> Message {
    Message::Vote(VoteRequest {
        epoch,
        candidate,
        last_epoch: last.0,
        end_offset: last.1,
        pre_vote,
        voter_directory_id: None,
    })
}

pub(super) fn vote_answer(out: &Effects) -> (bool, VoteReason) {
    let granted = out
        .sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::VoteResponse(r) => Some(r.granted),
            _ => None,
        })
        .expect("a vote response");
    let reason = out
        .trace
        .iter()
        .find_map(|t| match t {
            TraceKind::VoteCast { reason, .. } => Some(*reason),
            _ => None,
        })
        .expect("a VoteCast event");
    (granted, reason)
}

fn end_epoch(epoch: Epoch, leader: NodeId, successors: Vec<NodeId>) -> Message {
    Message::EndQuorumEpoch(EndQuorumEpochRequest {
        epoch,
        leader,
        preferred_successors: successors,
    })
}

pub(super) fn granted_vote(epoch: Epoch, pre_vote: bool) -> Message {
    Message::VoteResponse(VoteResponse {
        epoch,
        leader: None,
        granted: true,
        pre_vote,
    })
}

fn fetch(epoch: Epoch, replica: NodeId, offset: Offset, last_epoch: Epoch) -> Message {
    Message::Fetch(FetchRequest {
        replica_directory_id: 0,
        correlation: 1,
        epoch,
        replica,
        fetch_offset: offset,
        last_fetched_epoch: last_epoch,
        high_watermark: None,
    })
}

/// The leader's answer to a fetch.
pub(super) fn answer(correlation: u64, epoch: Epoch, leader: NodeId, body: FetchBody) -> Message {
    Message::FetchResponse(FetchResponse {
        correlation,
        epoch,
        leader: Some(leader),
        body,
    })
}

fn nothing_new(hw: Offset) -> FetchBody {
    FetchBody::Records {
        entries: vec![],
        high_watermark: Some(hw),
    }
}

/// Follower `id` of three, started from `d`, whose first fetch its leader answers with `body`
/// (in epoch `epoch`) at time 5: returns it and what it did then.
fn answered(id: NodeId, d: Durable, epoch: Epoch, body: FetchBody) -> (Node, Effects) {
    let leader = d.quorum.leader.expect("a follower");
    let (mut n, out) = start(id, &[1, 2, 3], d);
    let correlation = first_fetch(&out).correlation;
    let out = deliver(&mut n, 5, leader, answer(correlation, epoch, leader, body));
    (n, out)
}

/// The first Fetch a node sent.
pub(super) fn first_fetch(out: &Effects) -> &FetchRequest {
    match sent(out, "Fetch")[0].1 {
        Message::Fetch(req) => req,
        _ => unreachable!(),
    }
}

/// The error a fetch was answered with, if any.
fn fetch_error(out: &Effects) -> Option<ErrorCode> {
    match fetch_body(out) {
        FetchBody::Error { error } => Some(error),
        _ => None,
    }
}

fn fetch_body(out: &Effects) -> FetchBody {
    out.sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::FetchResponse(r) => Some(r.body.clone()),
            _ => None,
        })
        .expect("a fetch response")
}

pub(super) fn sent<'a>(out: &'a Effects, rpc: &str) -> Vec<(NodeId, &'a Message)> {
    out.sends
        .iter()
        .filter(|(_, m)| m.rpc() == rpc)
        .map(|(to, m)| (*to, m))
        .collect()
}

/// A leader of `epoch` among `voters`: a Candidate from its disk, then granted by a majority.
pub(super) fn leader(id: NodeId, voters: &[NodeId], epoch: Epoch, log: &[Epoch]) -> Node {
    let (mut n, _) = start(id, voters, disk(epoch, Some(id), None, log));
    assert_eq!(n.role(), Role::Candidate);
    for &v in voters.iter().filter(|&&v| v != id) {
        deliver(&mut n, 1, v, granted_vote(epoch, false));
        if n.role() == Role::Leader {
            break;
        }
    }
    assert_eq!(n.role(), Role::Leader);
    n
}

// ----- votes: who grants, who refuses (KIP-595's Vote handling) -----

/// Node 1 of three, started from `d`, is asked by node 2: returns it and its answer.
fn asked(d: Durable, req: Message) -> (Node, (bool, VoteReason)) {
    let (mut n, _) = start(1, &[1, 2, 3], d);
    let out = deliver(&mut n, 10, 2, req);
    let answer = vote_answer(&out);
    (n, answer)
}

#[test]
fn vote_refused_for_an_older_epoch() {
    let (n, answer) = asked(disk(5, None, None, &[1, 5]), vote(4, 2, (5, 2), false));
    assert_eq!(answer, (false, VoteReason::CandidateEpochOlder));
    assert_eq!(n.epoch(), 5);
}

#[test]
fn vote_in_a_higher_epoch_moves_there_and_is_durable_before_the_answer() {
    let (n, answer) = asked(disk(2, None, None, &[1, 2]), vote(3, 2, (2, 2), false));
    assert_eq!(answer, (true, VoteReason::LogIsUpToDate));
    assert_eq!(n.epoch(), 3);
    assert_eq!(n.voted_for(), Some(2), "the vote is on disk");
    assert_eq!(n.durable().quorum.voted_for, Some(2));
    assert_eq!(n.role(), Role::Unattached);
}

#[test]
fn a_vote_survives_a_restart_and_binds_the_restarted_node() {
    let (n, _) = asked(disk(2, None, None, &[1, 2]), vote(3, 2, (2, 2), false));
    // The process dies; a new one starts from what was on disk.
    let (mut again, _) = start(1, &[1, 2, 3], n.durable().clone());
    assert_eq!((again.epoch(), again.voted_for()), (3, Some(2)));
    let out = deliver(&mut again, 10, 3, vote(3, 3, (2, 2), false));
    let granted = out
        .sends
        .iter()
        .any(|(_, m)| matches!(m, Message::VoteResponse(r) if r.granted));
    assert!(!granted, "one vote per epoch, even across a restart");
}

#[test]
fn vote_refused_to_a_shorter_log_with_the_same_last_epoch() {
    let (n, answer) = asked(disk(2, None, None, &[1, 2, 2]), vote(3, 2, (2, 2), false));
    assert_eq!(answer, (false, VoteReason::MyLogIsMoreUpToDate));
    assert_eq!(
        n.epoch(),
        3,
        "the epoch moves even when the vote is refused"
    );
    assert_eq!(n.voted_for(), None);
}

#[test]
fn vote_refused_when_already_voted_for_another_in_the_epoch() {
    let (n, answer) = asked(disk(3, Some(3), None, &[1]), vote(3, 2, (1, 1), false));
    assert_eq!(answer, (false, VoteReason::AlreadyVoted));
    assert_eq!(n.voted_for(), Some(3));
}

#[test]
fn vote_granted_again_to_the_same_candidate() {
    let (_, answer) = asked(disk(3, Some(2), None, &[1]), vote(3, 2, (1, 1), false));
    assert!(answer.0, "a retried request gets the same answer");
}

#[test]
fn vote_refused_by_the_leader_of_the_epoch() {
    let mut n = leader(1, &[1, 2, 3], 2, &[1]);
    let out = deliver(&mut n, 10, 2, vote(2, 2, (9, 9), false));
    assert_eq!(vote_answer(&out), (false, VoteReason::IAmTheLeader));
    assert_eq!(n.role(), Role::Leader);
}

#[test]
fn vote_refused_by_a_resigned_leader_in_its_epoch() {
    let (n, answer) = asked(disk(4, Some(1), Some(1), &[4]), vote(4, 2, (4, 9), false));
    assert_eq!(answer, (false, VoteReason::IResignedInThisEpoch));
    assert_eq!(n.role(), Role::Resigned);
}

#[test]
fn vote_refused_by_a_follower_of_the_epochs_leader() {
    let (n, answer) = asked(disk(4, None, Some(3), &[4]), vote(4, 2, (4, 9), false));
    assert_eq!(answer, (false, VoteReason::AlreadyFollowingALeader));
    assert_eq!(n.role(), Role::Follower);
}

#[test]
fn prevote_refused_by_a_follower_that_has_fetched_from_its_leader() {
    let (mut n, out) = start(1, &[1, 2, 3], disk(4, None, Some(3), &[4]));
    let (to, req) = sent(&out, "Fetch")[0];
    assert_eq!(to, 3);
    let Message::Fetch(req) = req else {
        unreachable!()
    };
    let ok = answer(req.correlation, 4, 3, nothing_new(1));
    deliver(&mut n, 5, 3, ok);
    // A Prospective asks in its own epoch (Kafka's testHandlePreVoteRequestAsFollowerWithElectedLeader).
    let out = deliver(&mut n, 10, 2, vote(4, 2, (4, 9), true));
    assert_eq!(vote_answer(&out), (false, VoteReason::MyLeaderIsAlive));
}

#[test]
fn prevote_granted_by_a_follower_that_has_not_fetched_yet() {
    let (_, answer) = asked(disk(4, None, Some(3), &[4]), vote(4, 2, (4, 9), true));
    assert_eq!(answer, (true, VoteReason::LogIsUpToDate));
}

#[test]
fn prevote_granted_records_no_vote() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, None, &[4]));
    let out = deliver(&mut n, 10, 2, vote(4, 2, (4, 5), true));
    assert!(vote_answer(&out).0);
    assert_eq!(n.epoch(), 4);
    assert_eq!(
        n.voted_for(),
        None,
        "a pre-vote is not a vote: nothing on disk"
    );
    assert_eq!(n.role(), Role::Unattached);
}

#[test]
fn each_vote_rule_on_its_own() {
    // (the rule, node 1's disk, node 2's request, the answer)
    let cases = [
        (
            "vote refused to a longer log with an older last epoch",
            disk(3, None, None, &[1, 3]),
            vote(4, 2, (2, 9), false),
            (false, VoteReason::MyLogIsMoreUpToDate),
        ),
        (
            "vote granted to a shorter log with a newer last epoch",
            disk(3, None, None, &[1, 1, 1, 2]),
            vote(4, 2, (3, 2), false),
            (true, VoteReason::LogIsUpToDate),
        ),
        (
            "prevote refused to a stale log",
            disk(4, None, None, &[4, 4]),
            vote(5, 2, (4, 1), true),
            (false, VoteReason::MyLogIsMoreUpToDate),
        ),
    ];
    for (rule, d, req, want) in cases {
        let (_, answer) = asked(d, req);
        assert_eq!(answer, want, "{rule}");
    }
}

// ----- role changes -----

#[test]
fn follower_fetch_timeout_starts_a_prevote_without_raising_the_epoch() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, Some(3), &[4]));
    let out = fire(&mut n, Slot::FetchTimeout);
    assert_eq!(n.role(), Role::Prospective);
    assert_eq!(n.epoch(), 4);
    let asks = sent(&out, "PreVote");
    assert_eq!(
        asks.iter().map(|(to, _)| *to).collect::<Vec<_>>(),
        vec![2, 3]
    );
}

#[test]
fn follower_fetch_timeout_without_prevote_campaigns_in_the_next_epoch() {
    let (mut n, _) = start_with(
        1,
        &[1, 2, 3],
        disk(4, None, Some(3), &[4]),
        config(false),
        0,
    );
    let out = fire(&mut n, Slot::FetchTimeout);
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.epoch(), 5);
    assert_eq!(
        n.durable().quorum.voted_for,
        Some(1),
        "it votes for itself, on disk"
    );
    assert_eq!(sent(&out, "Vote").len(), 2);
    assert!(out.trace.iter().any(|t| matches!(
        t,
        TraceKind::Role {
            to: Role::Candidate,
            reason: RoleReason::FetchTimeout,
            ..
        }
    )));
}

#[test]
fn prospective_becomes_candidate_on_a_majority_of_prevotes() {
    let (mut n, _) = start(1, &[1, 2, 3, 4, 5], disk(4, None, None, &[4]));
    fire(&mut n, Slot::Election);
    assert_eq!(n.role(), Role::Prospective);
    deliver(&mut n, 1, 2, granted_vote(4, true));
    assert_eq!(n.role(), Role::Prospective, "2 of 5 is not a majority");
    let out = deliver(&mut n, 2, 3, granted_vote(4, true));
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.epoch(), 5);
    assert_eq!(sent(&out, "Vote").len(), 4);
}

#[test]
fn candidate_becomes_leader_on_a_majority_and_announces_it() {
    let (mut n, _) = start(1, &[1, 2, 3, 4, 5], disk(3, Some(1), None, &[1, 3]));
    deliver(&mut n, 1, 2, granted_vote(3, false));
    assert_eq!(n.role(), Role::Candidate);
    let out = deliver(&mut n, 2, 4, granted_vote(3, false));
    assert_eq!(n.role(), Role::Leader);
    assert_eq!(sent(&out, "BeginQuorumEpoch").len(), 4);
    let last = n.log().entries().last().unwrap();
    assert_eq!((last.offset, last.epoch), (2, 3));
    assert!(matches!(last.record, Record::LeaderChange { leader: 1 }));
    assert_eq!(
        n.high_watermark(),
        None,
        "a new leader does not know its HW yet"
    );
}

#[test]
fn candidate_with_four_voters_needs_three() {
    let (mut n, _) = start(1, &[1, 2, 3, 4], disk(3, Some(1), None, &[1]));
    deliver(&mut n, 1, 2, granted_vote(3, false));
    assert_eq!(n.role(), Role::Candidate, "2 of 4 is no majority");
    deliver(&mut n, 2, 3, granted_vote(3, false));
    assert_eq!(n.role(), Role::Leader);
}

#[test]
fn candidate_steps_down_on_a_response_with_a_higher_epoch() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(3, Some(1), None, &[1]));
    let newer = Message::VoteResponse(VoteResponse {
        epoch: 6,
        leader: Some(2),
        granted: false,
        pre_vote: false,
    });
    deliver(&mut n, 1, 3, newer);
    assert_eq!(
        (n.role(), n.epoch(), n.leader_id()),
        (Role::Follower, 6, Some(2))
    );
}

#[test]
fn leader_follows_a_begin_quorum_epoch_of_a_higher_epoch() {
    let mut n = leader(1, &[1, 2, 3], 2, &[1]);
    let out = deliver(
        &mut n,
        5,
        3,
        Message::BeginQuorumEpoch(BeginQuorumEpochRequest {
            epoch: 3,
            leader: 3,
        }),
    );
    assert_eq!(
        (n.role(), n.epoch(), n.leader_id()),
        (Role::Follower, 3, Some(3))
    );
    assert_eq!(
        sent(&out, "Fetch")[0].0,
        3,
        "it starts fetching from the new leader"
    );
}

#[test]
fn stale_begin_quorum_epoch_is_ignored() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(5, None, Some(2), &[5]));
    deliver(
        &mut n,
        5,
        3,
        Message::BeginQuorumEpoch(BeginQuorumEpochRequest {
            epoch: 4,
            leader: 3,
        }),
    );
    assert_eq!((n.epoch(), n.leader_id()), (5, Some(2)));
}

// ----- starting from disk (Kafka's QuorumState initialisation) -----

#[test]
fn ex_leader_restarts_resigned_with_an_unknown_hw() {
    let (n, _) = start(1, &[1, 2, 3], disk(4, Some(1), Some(1), &[4, 4]));
    assert_eq!(n.role(), Role::Resigned);
    assert_eq!(n.high_watermark(), None);
    assert_eq!(n.epoch(), 4);
}

#[test]
fn node_that_voted_for_itself_restarts_as_candidate_and_asks_again() {
    let (n, out) = start(1, &[1, 2, 3], disk(4, Some(1), None, &[3]));
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.epoch(), 4, "same epoch: the vote on disk still counts");
    assert_eq!(sent(&out, "Vote").len(), 2);
}

#[test]
fn node_that_knew_a_leader_restarts_as_its_follower() {
    let (n, out) = start(1, &[1, 2, 3], disk(4, Some(2), Some(2), &[4]));
    assert_eq!((n.role(), n.leader_id()), (Role::Follower, Some(2)));
    assert_eq!(sent(&out, "Fetch")[0].0, 2);
}

// ----- the leader's answers to Fetch -----

#[test]
fn fetch_from_a_diverging_log_gets_the_end_of_the_last_common_epoch() {
    let mut n = leader(1, &[1, 2, 3], 4, &[1, 1, 2, 2]);
    // The follower's log is [1, 1, 2, 3, 3]: epoch 3 is unknown to the leader.
    let out = deliver(&mut n, 5, 2, fetch(4, 2, 5, 3));
    assert_eq!(
        fetch_body(&out),
        FetchBody::DivergingEpoch {
            epoch: 2,
            end_offset: 4
        }
    );
}

#[test]
fn fetch_past_the_end_of_its_epoch_gets_that_epochs_end() {
    let mut n = leader(1, &[1, 2, 3], 4, &[1, 1, 2, 2, 2]);
    // The follower has epoch 1 up to offset 3 (the leader's epoch 1 ends at 2).
    let out = deliver(&mut n, 5, 2, fetch(4, 2, 3, 1));
    assert_eq!(
        fetch_body(&out),
        FetchBody::DivergingEpoch {
            epoch: 1,
            end_offset: 2
        }
    );
}

#[test]
fn fetch_below_the_log_start_gets_the_snapshot_id() {
    let mut n = leader_with_snapshot();
    assert_eq!(n.log().start_offset(), 3);
    let out = deliver(&mut n, 5, 3, fetch(4, 3, 1, 1));
    assert_eq!(
        fetch_body(&out),
        FetchBody::SnapshotId {
            id: SnapshotId {
                end_offset: 3,
                epoch: 2
            }
        }
    );
}

#[test]
fn fetch_with_an_older_epoch_is_fenced() {
    let mut n = leader(1, &[1, 2, 3], 4, &[1]);
    let out = deliver(&mut n, 5, 2, fetch(3, 2, 1, 1));
    assert_eq!(fetch_error(&out), Some(ErrorCode::FencedLeaderEpoch));
}

#[test]
fn fetch_to_a_follower_is_refused_as_not_leader() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, Some(2), &[4]));
    let out = deliver(&mut n, 5, 3, fetch(4, 3, 1, 4));
    assert_eq!(fetch_error(&out), Some(ErrorCode::NotLeaderOrFollower));
}

#[test]
fn caught_up_fetch_is_parked_until_fetch_max_wait() {
    let mut n = leader(1, &[1, 2, 3], 2, &[1]);
    let leo = n.log().end_offset();
    // The first fetch at the end moves the HW, so it is answered at once with the news.
    let out = deliver(&mut n, 5, 2, fetch(2, 2, leo, 2));
    assert_eq!(n.high_watermark(), Some(leo));
    assert_eq!(sent(&out, "FetchResponse").len(), 1);
    // At the end and with the leader's HW: nothing to say, so the leader holds it.
    let mut again = fetch(2, 2, leo, 2);
    if let Message::Fetch(f) = &mut again {
        f.high_watermark = Some(leo);
    }
    let out = deliver(&mut n, 6, 2, again);
    assert!(sent(&out, "FetchResponse").is_empty(), "a long poll waits");
    let wait = n.timer_deadline(Slot::LongPoll).expect("a long-poll timer");
    assert_eq!(wait, 6 + Config::default().fetch_max_wait_ms);
    let out = fire(&mut n, Slot::LongPoll);
    assert_eq!(
        sent(&out, "FetchResponse").len(),
        1,
        "answered when the wait is over"
    );
}

// ----- the high watermark -----

#[test]
fn hw_moves_when_a_majority_holds_an_entry_of_the_leaders_epoch() {
    let mut n = leader(1, &[1, 2, 3, 4, 5], 3, &[1, 1]);
    // LeaderChange at offset 2, in epoch 3.
    deliver(&mut n, 5, 2, fetch(3, 2, 3, 3));
    assert_eq!(n.high_watermark(), None, "leader + 1 of 5 is no majority");
    deliver(&mut n, 6, 3, fetch(3, 3, 3, 3));
    assert_eq!(n.high_watermark(), Some(3));
}

#[test]
fn hw_never_counts_entries_of_earlier_epochs_alone() {
    let cfg = Config {
        leader_change_record: false,
        ..config(true)
    };
    let (mut n, _) = start_with(1, &[1, 2, 3], disk(3, Some(1), None, &[1, 2]), cfg, 0);
    deliver(&mut n, 1, 2, granted_vote(3, false));
    assert_eq!(n.role(), Role::Leader);
    // A majority holds both entries of epochs 1 and 2, none of epoch 3: Raft Figure 8.
    deliver(&mut n, 5, 2, fetch(3, 2, 2, 2));
    deliver(&mut n, 5, 3, fetch(3, 3, 2, 2));
    assert_eq!(n.high_watermark(), None);
}

#[test]
fn follower_learns_the_hw_from_a_fetch_response_up_to_its_own_end() {
    let body = FetchBody::Records {
        entries: vec![Rc::new(Entry {
            offset: 1,
            epoch: 4,
            record: Record::NoOp,
        })],
        high_watermark: Some(5),
    };
    let (n, _) = answered(1, disk(4, None, Some(2), &[4]), 4, body);
    assert_eq!(n.log().end_offset(), 2);
    assert_eq!(n.high_watermark(), Some(2), "never above its own LEO");
}

#[test]
fn follower_truncates_to_the_diverging_epochs_end() {
    let diverging = FetchBody::DivergingEpoch {
        epoch: 1,
        end_offset: 2,
    };
    let (n, out) = answered(1, disk(5, None, Some(2), &[1, 1, 3, 3, 3]), 5, diverging);
    assert_eq!(n.log().end_offset(), 2);
    assert!(out.trace.iter().any(|t| matches!(
        t,
        TraceKind::Truncate {
            to: 2,
            removed: 3,
            reason: TruncateReason::DivergingEpoch,
            ..
        }
    )));
    let next = sent(&out, "Fetch");
    let Message::Fetch(again) = next[0].1 else {
        unreachable!()
    };
    assert_eq!((again.fetch_offset, again.last_fetched_epoch), (2, 1));
}

// ----- resigning and EndQuorumEpoch -----

#[test]
fn resigning_leader_names_successors_by_progress() {
    let mut n = leader(1, &[1, 2, 3], 2, &[1, 1]);
    deliver(&mut n, 5, 3, fetch(2, 3, 3, 2));
    deliver(&mut n, 5, 2, fetch(2, 2, 2, 1));
    // A broker fetches too, furthest of all; it is no voter and no successor (Kafka's
    // nonLeaderVotersByDescendingFetchOffset), so it must not push the voters down the list.
    deliver(&mut n, 5, 101, fetch(2, 101, 3, 2));
    let mut out = Effects::default();
    n.resign(10, RoleReason::GracefulResignation, &mut out);
    assert_eq!(n.role(), Role::Resigned);
    let ends = sent(&out, "EndQuorumEpoch");
    assert_eq!(ends.len(), 2);
    let Message::EndQuorumEpoch(req) = ends[0].1 else {
        unreachable!()
    };
    assert_eq!(
        req.preferred_successors,
        vec![3, 2],
        "the most caught-up first"
    );
}

#[test]
fn first_preferred_successor_campaigns_at_once_others_wait() {
    let end = |successors: Vec<NodeId>| end_epoch(4, 2, successors);
    let (mut first, _) = start(1, &[1, 2, 3, 4], disk(4, None, Some(2), &[4]));
    deliver(&mut first, 100, 2, end(vec![1, 3, 4]));
    assert_eq!(first.timer_deadline(Slot::FetchTimeout), Some(100));

    let (mut second, _) = start(3, &[1, 2, 3, 4], disk(4, None, Some(2), &[4]));
    deliver(&mut second, 100, 2, end(vec![1, 3, 4]));
    let wait = second.timer_deadline(Slot::FetchTimeout).unwrap() - 100;
    assert!(wait > 0, "the second successor waits");
    assert!(wait <= Config::default().election_backoff_max_ms);
}

// ----- the small pure rules -----

#[test]
fn a_tally_is_won_by_a_majority_and_lost_once_a_majority_is_impossible() {
    use crate::protocol::node::{ElectionState, Tally};
    let mut e = ElectionState::default();
    e.record(1, true);
    assert_eq!(e.outcome(4), Tally::Open);
    e.record(2, true);
    assert_eq!(e.outcome(4), Tally::Open, "2 of 4 is no majority");
    e.record(3, false);
    e.record(4, false);
    assert_eq!(e.outcome(4), Tally::Lost);
    e.record(3, true);
    assert_eq!(e.outcome(4), Tally::Won, "a voter's latest answer counts");
}

#[test]
fn majority_end_is_the_offset_a_majority_holds() {
    use crate::protocol::node::{LeaderState, ReplicaProgress};
    let mut l = LeaderState::default();
    for (id, end) in [(2, 7), (3, 4), (4, 9)] {
        l.progress.insert(
            id,
            ReplicaProgress {
                end_offset: Some(end),
                last_fetch: None,
                directory_id: None,
                snapshot_download: None,
            },
        );
    }
    // Ends 10, 9, 7, 4, 0 (voter 5 never fetched): three of five hold 7.
    let voters = |ids: &[NodeId]| QuorumBootstrap::fixed(ids).voters.clone();
    assert_eq!(l.majority_end(&voters(&[1, 2, 3, 4, 5]), Some(1), 10), 7);
    // Four voters need three: 10, 9, 7, 4 -> 7.
    assert_eq!(l.majority_end(&voters(&[1, 2, 3, 4]), Some(1), 10), 7);
}

// ----- fidelity: Kafka's rules the playground now follows -----

/// A leader with a snapshot at offset 3 (log start 3), granted by voter 2.
fn leader_with_snapshot() -> Node {
    leader_with_snapshot_of(&[1, 1, 2, 2])
}

/// Leader 1 of epoch 4 whose log of `epochs` was cleaned up to a snapshot ending at 3 in epoch 2.
fn leader_with_snapshot_of(epochs: &[Epoch]) -> Node {
    let mut d = disk(4, Some(1), None, epochs);
    d.log.add_snapshot(Snapshot {
        id: SnapshotId {
            end_offset: 3,
            epoch: 2,
        },
        image: Image::default(),
    });
    d.log.clean(0, None);
    let (mut n, _) = start(1, &[1, 2, 3], d);
    deliver(&mut n, 1, 2, granted_vote(4, false));
    assert_eq!(n.role(), Role::Leader);
    n
}

#[test]
fn fetch_snapshot_counts_for_check_quorum() {
    // Kafka's updateCheckQuorumForFollowingVoter: FetchSnapshot, like Fetch, shows a live voter.
    let mut n = leader_with_snapshot();
    let first = n.timer_deadline(Slot::CheckQuorum).unwrap();
    let req = Message::FetchSnapshot(crate::protocol::message::FetchSnapshotRequest {
        correlation: 7,
        epoch: 4,
        replica: 3,
        id: SnapshotId {
            end_offset: 3,
            epoch: 2,
        },
        position: 0,
    });
    let out = deliver(&mut n, 2000, 3, req);
    assert_eq!(sent(&out, "FetchSnapshotResponse").len(), 1);
    assert_eq!(
        n.timer_deadline(Slot::CheckQuorum),
        Some(2000 + Config::default().check_quorum_ms()),
        "the window restarts (it was {first})"
    );
}

#[test]
fn resigned_grants_prevotes_to_up_to_date_logs_only() {
    // Kafka's ResignedState.canGrantVote: yes to a pre-vote from an up-to-date log.
    let (mut n, answer) = asked(disk(4, Some(1), Some(1), &[4, 4]), vote(4, 2, (4, 2), true));
    assert_eq!(answer, (true, VoteReason::LogIsUpToDate));
    assert_eq!(n.role(), Role::Resigned, "a pre-vote changes nothing");
    let out = deliver(&mut n, 10, 3, vote(4, 3, (4, 1), true));
    assert_eq!(vote_answer(&out), (false, VoteReason::MyLogIsMoreUpToDate));
}

#[test]
fn prospective_that_grants_a_vote_stays_prospective() {
    // Kafka's QuorumState.prospectiveAddVotedState.
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, None, &[4]));
    fire(&mut n, Slot::Election);
    assert_eq!(n.role(), Role::Prospective);
    let out = deliver(&mut n, 3000, 2, vote(4, 2, (4, 1), false));
    assert_eq!(vote_answer(&out), (true, VoteReason::LogIsUpToDate));
    assert_eq!(n.role(), Role::Prospective);
    assert_eq!(n.voted_for(), Some(2), "the vote is on disk");
    assert_eq!(sent(&out, "PreVote").len(), 2, "a new pre-vote round");
    let t = n.timer_deadline(Slot::Election).unwrap();
    assert!(
        (4000..5000).contains(&t),
        "a fresh election timeout from now: {t}"
    );
    // It still cannot vote twice in the epoch.
    let out = deliver(&mut n, 3001, 3, vote(4, 3, (4, 1), false));
    assert_eq!(vote_answer(&out), (false, VoteReason::AlreadyVoted));
}

#[test]
fn fetch_from_a_newer_epoch_is_answered_unknown_leader_epoch_and_changes_nothing() {
    // Fetch and FetchSnapshot are leader-only: a newer epoch in one does not move the receiver.
    let mut n = leader(1, &[1, 2, 3], 4, &[1]);
    let out = deliver(&mut n, 5, 2, fetch(5, 2, 1, 1));
    assert_eq!(fetch_error(&out), Some(ErrorCode::UnknownLeaderEpoch));
    assert_eq!(
        (n.role(), n.epoch()),
        (Role::Leader, 4),
        "a stale leader stays until told"
    );
    let snap = Message::FetchSnapshot(crate::protocol::message::FetchSnapshotRequest {
        correlation: 9,
        epoch: 5,
        replica: 2,
        id: SnapshotId {
            end_offset: 1,
            epoch: 1,
        },
        position: 0,
    });
    let out = deliver(&mut n, 6, 2, snap);
    let err = out.sends.iter().find_map(|(_, m)| match m {
        Message::FetchSnapshotResponse(r) => r.error,
        _ => None,
    });
    assert_eq!(err, Some(ErrorCode::UnknownLeaderEpoch));
    assert_eq!((n.role(), n.epoch()), (Role::Leader, 4));
}

#[test]
fn an_answer_from_an_older_epoch_is_retried_shortly() {
    let (mut n, out) = start(1, &[1, 2, 3], disk(5, None, Some(2), &[5]));
    let req = first_fetch(&out);
    let stale = answer(
        req.correlation,
        4,
        3,
        FetchBody::Error {
            error: ErrorCode::UnknownLeaderEpoch,
        },
    );
    deliver(&mut n, 10, 2, stale);
    assert_eq!((n.epoch(), n.leader_id()), (5, Some(2)));
    assert_eq!(
        n.timer_deadline(Slot::FetchRetry),
        Some(10 + Config::default().retry_backoff_ms)
    );
}

#[test]
fn resigned_election_timeout_campaigns_at_once_in_the_next_epoch() {
    // Kafka: Resigned's election timeout -> Unattached(epoch + 1) with no time left -> Prospective.
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, Some(1), Some(1), &[4]));
    let out = fire(&mut n, Slot::Election);
    assert_eq!((n.role(), n.epoch()), (Role::Prospective, 5));
    assert_eq!(sent(&out, "PreVote").len(), 2);
}

#[test]
fn a_kept_election_deadline_that_has_passed_campaigns_at_once() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, None, &[4, 4]));
    let deadline = n.timer_deadline(Slot::Election).unwrap();
    // At the deadline, before the timer is handled, a stale candidate of epoch 6 asks for a vote.
    let out = deliver(&mut n, deadline, 2, vote(6, 2, (4, 1), false));
    assert!(!vote_answer(&out).0, "its log is behind");
    assert_eq!(
        (n.role(), n.epoch()),
        (Role::Prospective, 6),
        "no time left: it campaigns"
    );
}

#[test]
fn candidate_election_timeout_goes_to_prospective_at_once() {
    // Kafka 4: an undecided election times out straight back to Prospective (no back-off).
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, Some(1), None, &[4]));
    assert_eq!(n.role(), Role::Candidate);
    let out = fire(&mut n, Slot::Election);
    assert_eq!((n.role(), n.epoch()), (Role::Prospective, 4));
    assert_eq!(sent(&out, "PreVote").len(), 2);
}

#[test]
fn a_lost_election_backs_off_100_ms_times_a_draw_from_0_to_2_pow_retries() {
    // Kafka's binaryExponentialElectionBackoffMs: 100 ms x uniform [0, 2^retries), capped.
    let refusal = |epoch| {
        Message::VoteResponse(VoteResponse {
            epoch,
            leader: None,
            granted: false,
            pre_vote: false,
        })
    };
    let mut first = std::collections::BTreeSet::new();
    let mut second = std::collections::BTreeSet::new();
    for id in 1..=40u32 {
        let voters = [id, 100 + id, 200 + id];
        let (mut n, _) = start_with(id, &voters, disk(4, Some(id), None, &[4]), config(false), 0);
        deliver(&mut n, 10, voters[1], refusal(4));
        deliver(&mut n, 10, voters[2], refusal(4));
        first.insert(n.timer_deadline(Slot::Election).unwrap() - 10);
        // The back-off over, it tries again in epoch 5 (pre-vote off) and loses again.
        fire(&mut n, Slot::Election);
        assert_eq!((n.role(), n.epoch()), (Role::Candidate, 5));
        let now = 1000;
        deliver(&mut n, now, voters[1], refusal(5));
        deliver(&mut n, now, voters[2], refusal(5));
        second.insert(n.timer_deadline(Slot::Election).unwrap() - now);
    }
    assert_eq!(first, [0, 100].into(), "first loss: 0 or 100 ms");
    assert!(
        second.iter().all(|b| [0, 100, 200, 300].contains(b)),
        "{second:?}"
    );
    assert!(
        second.len() > 2,
        "the second loss draws from a wider range: {second:?}"
    );
}

#[test]
fn ex_leader_restarts_resigned_and_sends_end_quorum_epoch() {
    // Kafka's testInitializeAsResignedLeaderFromStateStore.
    let (n, out) = start(1, &[1, 2, 3], disk(4, Some(1), Some(1), &[4]));
    assert_eq!(n.role(), Role::Resigned);
    let ends = sent(&out, "EndQuorumEpoch");
    assert_eq!(
        ends.iter().map(|(to, _)| *to).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let Message::EndQuorumEpoch(req) = ends[0].1 else {
        unreachable!()
    };
    assert_eq!((req.epoch, req.leader), (4, 1));
}

#[test]
fn end_quorum_epoch_is_resent_until_each_voter_acknowledges() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, Some(1), Some(1), &[4]));
    let ack = Message::EndQuorumEpochResponse(crate::protocol::message::EndQuorumEpochResponse {
        epoch: 4,
        leader: None,
    });
    deliver(&mut n, 10, 2, ack.clone());
    let out = fire(&mut n, Slot::Announce);
    let again: Vec<NodeId> = sent(&out, "EndQuorumEpoch")
        .iter()
        .map(|(to, _)| *to)
        .collect();
    assert_eq!(again, vec![3], "only the voter that has not acknowledged");
    deliver(&mut n, 3000, 3, ack);
    let mut out = Effects::default();
    n.fire(Slot::Announce, &mut out);
    assert!(
        sent(&out, "EndQuorumEpoch").is_empty(),
        "everyone acknowledged"
    );
}

#[test]
fn a_voter_acknowledges_end_quorum_epoch() {
    let (mut n, _) = start(2, &[1, 2, 3], disk(4, None, Some(1), &[4]));
    let out = deliver(&mut n, 10, 1, end_epoch(4, 1, vec![2, 3]));
    let acks = sent(&out, "EndQuorumEpochResponse");
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].0, 1);
}

#[test]
fn a_follower_that_fetched_keeps_refusing_prevotes_after_end_quorum_epoch() {
    // Released Kafka (KAFKA-20895 is not merged): EndQuorumEpoch shortens the fetch timeout only.
    let (mut n, _) = answered(3, disk(4, None, Some(1), &[4]), 4, nothing_new(1));
    deliver(&mut n, 10, 1, end_epoch(4, 1, vec![2, 3]));
    let out = deliver(&mut n, 11, 2, vote(4, 2, (4, 1), true));
    assert_eq!(vote_answer(&out), (false, VoteReason::MyLeaderIsAlive));
}

#[test]
fn a_leader_stepping_down_answers_its_parked_fetches() {
    let mut n = leader(1, &[1, 2, 3], 2, &[1]);
    let leo = n.log().end_offset();
    deliver(&mut n, 5, 2, fetch(2, 2, leo, 2));
    let mut parked = fetch(2, 2, leo, 2);
    if let Message::Fetch(f) = &mut parked {
        f.high_watermark = n.high_watermark();
        f.correlation = 42;
    }
    let out = deliver(&mut n, 6, 2, parked);
    assert!(sent(&out, "FetchResponse").is_empty(), "parked");
    // A newer epoch arrives: the leader steps down and answers the parked fetch at once.
    let out = deliver(&mut n, 7, 3, vote(3, 3, (2, leo), false));
    assert_ne!(n.role(), Role::Leader);
    let answered = out.sends.iter().any(|(to, m)| {
        *to == 2
            && matches!(m, Message::FetchResponse(r) if r.correlation == 42
                && r.body == FetchBody::Error { error: ErrorCode::NotLeaderOrFollower })
    });
    assert!(answered, "{:?}", out.sends);
}

#[test]
fn a_snapshot_download_starts_over_with_a_new_leader() {
    let go_fetch_snapshot = FetchBody::SnapshotId {
        id: SnapshotId {
            end_offset: 9,
            epoch: 3,
        },
    };
    let (mut n, out) = answered(3, disk(4, None, Some(1), &[1]), 4, go_fetch_snapshot);
    assert_eq!(sent(&out, "FetchSnapshot").len(), 1, "downloading from 1");
    let out = deliver(
        &mut n,
        6,
        2,
        Message::BeginQuorumEpoch(BeginQuorumEpochRequest {
            epoch: 5,
            leader: 2,
        }),
    );
    assert_eq!(
        n.snapshot_download(),
        None,
        "the download was for the old leader's term"
    );
    assert_eq!(
        sent(&out, "Fetch")[0].0,
        2,
        "it fetches from the new leader first"
    );
}

#[test]
fn a_broker_is_unfenced_only_once_it_has_applied_its_own_registration() {
    use crate::protocol::message::HeartbeatRequest;
    // The committed log holds broker 101's registration at offset 1 (so its broker epoch is 1).
    let mut d = disk(2, Some(1), None, &[]);
    for (offset, record) in [
        (0, Record::LeaderChange { leader: 1 }),
        (
            1,
            Record::RegisterBroker {
                broker: 101,
                incarnation: 1,
            },
        ),
    ] {
        d.log.append(Entry {
            offset,
            epoch: 1,
            record,
        });
    }
    let (mut n, _) = start(1, &[1, 2, 3], d);
    deliver(&mut n, 1, 2, granted_vote(2, false));
    deliver(&mut n, 2, 2, fetch(2, 2, 3, 2));
    assert!(
        n.active_controller().is_some(),
        "active once its epoch's start committed"
    );
    assert!(n.image().brokers[&101].fenced);
    let heartbeat = |metadata_offset| {
        Message::BrokerHeartbeat(HeartbeatRequest {
            correlation: metadata_offset,
            broker: 101,
            broker_epoch: 1,
            metadata_offset,
            want_fence: false,
            want_shutdown: false,
        })
    };
    let end = n.log().end_offset();
    let out = deliver(&mut n, 10, 101, heartbeat(1));
    assert_eq!(
        n.log().end_offset(),
        end,
        "offset 1 not applied yet: still fenced"
    );
    let fenced = out
        .sends
        .iter()
        .any(|(_, m)| matches!(m, Message::BrokerHeartbeatResponse(r) if r.fenced && !r.caught_up));
    assert!(fenced);
    deliver(&mut n, 20, 101, heartbeat(2));
    let last = n.log().entries().last().unwrap();
    assert!(
        matches!(
            last.record,
            Record::BrokerRegistrationChange {
                broker: 101,
                fenced: false
            }
        ),
        "caught up past its registration: unfenced"
    );
}

#[test]
fn a_followers_hw_never_moves_back() {
    let (mut n, out) = answered(1, disk(4, None, Some(2), &[4, 4, 4]), 4, nothing_new(3));
    assert_eq!(n.high_watermark(), Some(3));
    let again = first_fetch(&out).correlation;
    deliver(&mut n, 10, 2, answer(again, 4, 2, nothing_new(1)));
    assert_eq!(
        n.high_watermark(),
        Some(3),
        "a stale, lower HW is not taken"
    );
}

// ----- AlterPartition at the active controller -----

/// Active controller 1 (epoch 2) whose committed image has brokers 101 and 102 unfenced, 103
/// registered but fenced, and partition 1-0 on [101, 102] led by 101 with both in the ISR.
fn controller_with_a_partition() -> Node {
    controller_with_a_partition_and_activation().0
}

/// The same, with what it did on the fetch that made it active.
fn controller_with_a_partition_and_activation() -> (Node, Effects) {
    let records = [
        Record::LeaderChange { leader: 1 },
        Record::RegisterBroker {
            broker: 101,
            incarnation: 1,
        },
        Record::RegisterBroker {
            broker: 102,
            incarnation: 1,
        },
        Record::RegisterBroker {
            broker: 103,
            incarnation: 1,
        },
        Record::BrokerRegistrationChange {
            broker: 101,
            fenced: false,
        },
        Record::BrokerRegistrationChange {
            broker: 102,
            fenced: false,
        },
        Record::Topic {
            name: "t".into(),
            topic_id: 1,
            config: Default::default(),
        },
        Record::partition(1, 0, vec![101, 102, 103], vec![101, 102], Some(101)),
    ];
    let mut d = disk(2, Some(1), None, &[]);
    for (offset, record) in records.into_iter().enumerate() {
        d.log.append(Entry {
            offset: offset as Offset,
            epoch: 1,
            record,
        });
    }
    let (mut n, _) = start(1, &[1, 2, 3], d);
    deliver(&mut n, 1, 2, granted_vote(2, false));
    let out = deliver(&mut n, 2, 2, fetch(2, 2, 9, 2));
    assert!(n.active_controller().is_some());
    assert_eq!(n.image().topics[&1].partitions[0].isr, vec![101, 102]);
    (n, out)
}

fn alter_partition(leader_epoch: u32, isr: &[NodeId]) -> Message {
    alter_partition_at(leader_epoch, 0, isr, &[])
}

/// An AlterPartition built on `partition_epoch`, with the member broker epochs given.
fn alter_partition_at(
    leader_epoch: u32,
    partition_epoch: u32,
    isr: &[NodeId],
    broker_epochs: &[(NodeId, Offset)],
) -> Message {
    Message::AlterPartition(crate::protocol::message::AlterPartitionRequest {
        correlation: 1,
        topic_id: 1,
        partition: 0,
        leader_epoch,
        partition_epoch,
        isr: isr.to_vec(),
        broker_epochs: broker_epochs.to_vec(),
    })
}

fn alter_partition_answer(
    out: &Effects,
) -> Option<&crate::protocol::message::AlterPartitionResponse> {
    out.sends.iter().find_map(|(_, m)| match m {
        Message::AlterPartitionResponse(r) => Some(r),
        _ => None,
    })
}

#[test]
fn alter_partition_is_answered_only_once_its_record_commits() {
    let mut n = controller_with_a_partition();
    let end = n.log().end_offset();
    let out = deliver(&mut n, 10, 101, alter_partition(0, &[101]));
    assert_eq!(
        n.log().end_offset(),
        end + 1,
        "the PartitionChange is written"
    );
    assert!(
        alter_partition_answer(&out).is_none(),
        "not committed yet: no answer"
    );
    let out = deliver(&mut n, 11, 2, fetch(2, 2, end + 1, 2));
    let answer = alter_partition_answer(&out).expect("answered on commit");
    assert_eq!((answer.error, answer.isr.clone()), (None, vec![101]));
    assert_eq!(n.image().topics[&1].partitions[0].isr, vec![101]);
}

#[test]
fn alter_partition_refusals_come_in_kafkas_order_once_what_they_read_is_committed() {
    let mut n = controller_with_a_partition();
    let end = n.log().end_offset();
    // Broker epochs are the registrations' offsets: 101 at 1, 102 at 2, 103 at 3.
    for (from, req, error, why) in [
        (
            101,
            alter_partition(1, &[101]),
            ErrorCode::NotController,
            "a newer leader epoch",
        ),
        (
            101,
            alter_partition_at(0, 1, &[101], &[]),
            ErrorCode::NotController,
            "a newer partition epoch",
        ),
        (
            102,
            alter_partition(0, &[102]),
            ErrorCode::InvalidRequest,
            "not the leader",
        ),
        (
            101,
            alter_partition(0, &[101, 104]),
            ErrorCode::InvalidRequest,
            "not a replica",
        ),
        (
            101,
            alter_partition(0, &[101, 101]),
            ErrorCode::InvalidRequest,
            "a member twice",
        ),
        (
            101,
            alter_partition(0, &[102]),
            ErrorCode::InvalidRequest,
            "without the leader",
        ),
        (
            101,
            alter_partition(0, &[101, 102, 103]),
            ErrorCode::IneligibleReplica,
            "103 is fenced",
        ),
        (
            101,
            alter_partition_at(0, 0, &[101, 102], &[(102, 9)]),
            ErrorCode::IneligibleReplica,
            "102's epoch is 2, not 9",
        ),
    ] {
        let out = deliver(&mut n, 10, from, req);
        let answer = alter_partition_answer(&out).expect("refused at once");
        assert_eq!(answer.error, Some(error), "{why}");
        assert_eq!(n.log().end_offset(), end, "nothing written");
    }
    // The member epochs it saw match: accepted.
    let out = deliver(
        &mut n,
        10,
        101,
        alter_partition_at(0, 0, &[101], &[(101, 1)]),
    );
    assert!(
        alter_partition_answer(&out).is_none(),
        "written, answered on commit"
    );
    // A request built on the partition epoch before that change, arriving late: refused, but
    // only once that change has committed (Kafka completes a write without records when what
    // it read is committed; a failover could still erase the newer epoch).
    let out = deliver(
        &mut n,
        10,
        101,
        alter_partition_at(0, 0, &[101, 102], &[(102, 2)]),
    );
    assert!(
        alter_partition_answer(&out).is_none(),
        "held until committed"
    );
    let out = deliver(&mut n, 11, 2, fetch(2, 2, end + 1, 2));
    let refusals: Vec<_> = out
        .sends
        .iter()
        .filter_map(|(_, m)| match m {
            Message::AlterPartitionResponse(r) => r.error,
            _ => None,
        })
        .collect();
    assert_eq!(refusals, vec![ErrorCode::InvalidUpdateVersion]);
    // A leader epoch older than the partition's: that leader was replaced (on a controller
    // with nothing uncommitted, whose image is what it checks against).
    let mut n = controller_with_a_partition();
    n.image.topics.get_mut(&1).unwrap().partitions[0].leader_epoch = 3;
    let out = deliver(&mut n, 10, 101, alter_partition(2, &[101]));
    assert_eq!(
        alter_partition_answer(&out).and_then(|a| a.error),
        Some(ErrorCode::FencedLeaderEpoch)
    );
}

#[test]
fn a_late_isr_expansion_cannot_undo_a_newer_shrink() {
    // The leader asks to add 102 (built on partition epoch 0); the answer is slow. Meanwhile it
    // shrinks the ISR to itself (epoch 0 -> 1). The expansion, delivered only now, is stale.
    let mut n = controller_with_a_partition();
    let end = n.log().end_offset();
    deliver(&mut n, 10, 101, alter_partition_at(0, 0, &[101], &[]));
    let out = deliver(&mut n, 11, 2, fetch(2, 2, end + 1, 2));
    let shrink = alter_partition_answer(&out).expect("the shrink committed");
    assert_eq!((shrink.partition_epoch, shrink.isr.clone()), (1, vec![101]));
    let out = deliver(
        &mut n,
        12,
        101,
        alter_partition_at(0, 0, &[101, 102], &[(102, 2)]),
    );
    assert_eq!(
        alter_partition_answer(&out).and_then(|a| a.error),
        Some(ErrorCode::InvalidUpdateVersion)
    );
    assert_eq!(n.log().end_offset(), end + 1, "nothing written");
    assert_eq!(n.image().topics[&1].partitions[0].isr, vec![101]);
}

#[test]
fn applying_an_unfence_record_reports_the_broker_unfenced() {
    let (_, out) = controller_with_a_partition_and_activation();
    let unfenced: Vec<NodeId> = out
        .trace
        .iter()
        .filter_map(|t| match t {
            TraceKind::BrokerUnfenced { broker, .. } => Some(*broker),
            _ => None,
        })
        .collect();
    assert_eq!(unfenced, vec![101, 102]);
}

#[test]
fn registration_at_a_controller_that_is_not_active_names_why() {
    use crate::protocol::message::BrokerRegistrationRequest;
    let register = Message::BrokerRegistration(BrokerRegistrationRequest {
        correlation: 7,
        broker: 101,
        incarnation: 1,
        previous_broker_epoch: None,
    });
    let error = |out: &Effects| {
        out.sends.iter().find_map(|(_, m)| match m {
            Message::BrokerRegistrationResponse(r) => r.error,
            _ => None,
        })
    };
    // A follower: not the leader at all.
    let (mut follower, _) = answered(1, disk(2, None, Some(2), &[2]), 2, nothing_new(1));
    let out = deliver(&mut follower, 10, 101, register.clone());
    assert_eq!(error(&out), Some(ErrorCode::NotLeaderOrFollower));
    // A leader whose epoch start has not committed yet: not the active controller.
    let mut l = leader(1, &[1, 2, 3], 2, &[1]);
    assert!(l.active_controller().is_none());
    let out = deliver(&mut l, 10, 101, register);
    assert_eq!(error(&out), Some(ErrorCode::NotController));
}

#[test]
fn the_leader_exposes_each_voters_progress() {
    let l = leader(1, &[1, 2, 3], 2, &[1]);
    let voters: Vec<NodeId> = l.progress().expect("a leader").keys().copied().collect();
    assert_eq!(voters, vec![1, 2, 3]);
    let (f, _) = answered(2, disk(2, None, Some(1), &[1]), 2, nothing_new(1));
    assert!(f.progress().is_none(), "only a leader tracks progress");
}

#[test]
fn a_leader_that_heard_from_a_majority_checks_again_one_window_later() {
    let window = Config::default().check_quorum_ms();
    let mut l = leader(1, &[1, 2, 3], 2, &[1]);
    deliver(&mut l, 10, 2, fetch(2, 2, 1, 1));
    assert_eq!(l.timer_deadline(Slot::CheckQuorum), Some(10 + window));
    // Another window with no fetch from a majority: it resigns.
    fire(&mut l, Slot::CheckQuorum);
    assert_eq!(l.role(), Role::Resigned);
}

#[test]
fn a_leader_announces_its_epoch_again_every_half_fetch_timeout() {
    let mut l = leader(1, &[1, 2, 3], 2, &[1]);
    let due = l.timer_deadline(Slot::Announce).expect("armed");
    let out = fire(&mut l, Slot::Announce);
    assert!(!sent(&out, "BeginQuorumEpoch").is_empty());
    assert_eq!(
        l.timer_deadline(Slot::Announce),
        Some(due + Config::default().fetch_timeout_ms / 2)
    );
}

#[test]
fn end_quorum_epoch_shortens_the_fetch_timeout_by_successor_position() {
    let end = |successors: Vec<NodeId>| {
        Message::EndQuorumEpoch(EndQuorumEpochRequest {
            epoch: 2,
            leader: 1,
            preferred_successors: successors,
        })
    };
    let max = Config::default().election_backoff_max_ms;
    // Node 3, second of two successors: half the maximum back-off.
    let (mut n, _) = answered(3, disk(2, None, Some(1), &[1]), 2, nothing_new(1));
    deliver(&mut n, 10, 1, end(vec![2, 3]));
    assert_eq!(n.timer_deadline(Slot::FetchTimeout), Some(10 + max / 2));
    // The first successor: at once.
    let (mut n, _) = answered(2, disk(2, None, Some(1), &[1]), 2, nothing_new(1));
    deliver(&mut n, 10, 1, end(vec![2, 3]));
    assert_eq!(n.timer_deadline(Slot::FetchTimeout), Some(10));
}

#[test]
fn end_quorum_epoch_that_names_the_leader_first_makes_an_unattached_voter_follow_and_back_off() {
    // Unattached in epoch 2 (no leader known): the request tells it who led, and as a
    // follower of that leader it takes the successor back-off (Kafka's
    // handleEndQuorumEpochRequest: maybeTransition, then the follower's override).
    let (mut n, _) = start(2, &[1, 2, 3], disk(2, None, None, &[1]));
    assert_eq!(n.role(), Role::Unattached);
    deliver(
        &mut n,
        10,
        1,
        Message::EndQuorumEpoch(EndQuorumEpochRequest {
            epoch: 2,
            leader: 1,
            preferred_successors: vec![2, 3],
        }),
    );
    assert_eq!(n.role(), Role::Follower);
    assert_eq!(n.timer_deadline(Slot::FetchTimeout), Some(10));
}

// ----- brokers: observers of the metadata quorum -----

/// Broker 101 of a cluster whose voters are 1-3, just started.
fn broker() -> (Node, Effects) {
    let mut out = Effects::default();
    let identity = Identity {
        id: 101,
        kind: NodeKind::Broker,
        cfg: Rc::new(Config::default()),
        quorum: QuorumBootstrap::fixed(&[1, 2, 3]),
        mode: Default::default(),
    };
    let rng = Xoshiro256PlusPlus::seed_from_u64(101);
    let n = Node::start(identity, Durable::default(), rng, 0, &mut out);
    (n, out)
}

/// Broker 101 leading partition (1, 0) in `leader_epoch`, its log holding one record per entry
/// of `epochs` (each the epoch it was written in).
fn broker_leading(epochs: &[u32], leader_epoch: u32) -> Node {
    let (mut b, _) = broker();
    b.durable.partitions.insert(
        (1, 0),
        Box::new(crate::protocol::partition::Replica {
            log: partition_log(epochs),
            leader: Some(101),
            leader_epoch,
            ..Default::default()
        }),
    );
    b
}

fn refused_fetch(correlation: u64, epoch: Epoch, leader: Option<NodeId>) -> Message {
    Message::FetchResponse(FetchResponse {
        correlation,
        epoch,
        leader,
        body: FetchBody::Error {
            error: ErrorCode::NotLeaderOrFollower,
        },
    })
}

#[test]
fn an_observer_tries_the_next_bootstrap_server_then_follows_a_redirect_at_once() {
    let (mut b, out) = broker();
    assert_eq!(b.role(), Role::Observer);
    let (to, _) = sent(&out, "Fetch")[0];
    assert_eq!(to, 1, "the first bootstrap server");
    // Node 1 knows no leader: try the next server after the back-off.
    let c = first_fetch(&out).correlation;
    deliver(&mut b, 5, 1, refused_fetch(c, 0, None));
    let out = fire(&mut b, Slot::FetchRetry);
    let (to, _) = sent(&out, "Fetch")[0];
    assert_eq!(to, 2, "the next bootstrap server");
    // Node 2 names the leader of this epoch: fetch from it at once.
    let c = first_fetch(&out).correlation;
    let out = deliver(&mut b, 30, 2, refused_fetch(c, 0, Some(3)));
    assert_eq!(b.leader_id(), Some(3));
    let to: Vec<NodeId> = sent(&out, "Fetch").iter().map(|(to, _)| *to).collect();
    assert_eq!(to, vec![3]);
}

#[test]
fn a_broker_ignores_a_heartbeat_answer_it_is_not_waiting_for() {
    use crate::protocol::message::{BrokerRegistrationResponse, HeartbeatResponse};
    let (mut b, _) = broker();
    let request = |out: &Effects| match out.sends.iter().find(|(_, m)| {
        matches!(
            m,
            Message::BrokerRegistration(_) | Message::BrokerHeartbeat(_)
        )
    }) {
        Some((_, Message::BrokerRegistration(r))) => r.correlation,
        Some((_, Message::BrokerHeartbeat(h))) => h.correlation,
        _ => panic!("no request in {:?}", out.sends),
    };
    let out = fire(&mut b, Slot::Heartbeat);
    let c = request(&out);
    deliver(
        &mut b,
        60,
        1,
        Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
            correlation: c,
            epoch: 2,
            leader: Some(1),
            error: None,
            broker_epoch: Some(5),
        }),
    );
    assert_eq!(b.broker_state().registered, Some(5));
    let out = fire(&mut b, Slot::Heartbeat);
    let c = request(&out);
    let unfenced = |correlation| {
        Message::BrokerHeartbeatResponse(HeartbeatResponse {
            correlation,
            epoch: 2,
            leader: Some(1),
            error: None,
            caught_up: true,
            fenced: false,
            shutdown_ok: false,
        })
    };
    deliver(&mut b, 70, 1, unfenced(c + 7));
    assert!(b.broker_state().fenced, "a stale answer changes nothing");
    deliver(&mut b, 71, 1, unfenced(c));
    assert!(!b.broker_state().fenced);
}

// ----- an even number of voters: a majority of 4 is 3 (see also candidate_with_four_voters_needs_three) -----

#[test]
fn with_four_voters_the_hw_needs_the_entry_on_three() {
    let mut l = leader(1, &[1, 2, 3, 4], 2, &[1]);
    let leo = l.log().end_offset();
    deliver(&mut l, 10, 2, fetch(2, 2, leo, 2));
    assert_eq!(l.high_watermark(), None, "on 2 of 4 voters: not committed");
    deliver(&mut l, 11, 3, fetch(2, 3, leo, 2));
    assert_eq!(l.high_watermark(), Some(leo), "on 3 of 4");
}

#[test]
fn with_four_voters_check_quorum_needs_fetches_from_two_others() {
    let window = Config::default().check_quorum_ms();
    let mut l = leader(1, &[1, 2, 3, 4], 2, &[1]);
    let due = l.timer_deadline(Slot::CheckQuorum).expect("armed");
    deliver(&mut l, 10, 2, fetch(2, 2, 1, 1));
    assert_eq!(l.timer_deadline(Slot::CheckQuorum), Some(due), "1 + 1 of 4");
    deliver(&mut l, 20, 3, fetch(2, 3, 1, 1));
    assert_eq!(l.timer_deadline(Slot::CheckQuorum), Some(20 + window));
}

// ----- snapshots: who gets one, who serves one, when one is taken -----

#[test]
fn a_fetch_past_the_log_start_from_an_epoch_the_snapshot_covers_gets_the_snapshot() {
    // Log start 3 after a snapshot ending in epoch 2; the fetcher's last epoch 1 is wholly
    // inside the snapshot, so no divergence point can be named: it must load the snapshot.
    let mut n = leader_with_snapshot();
    let out = deliver(&mut n, 10, 2, fetch(4, 2, 4, 1));
    assert!(
        matches!(fetch_body(&out), FetchBody::SnapshotId { id } if id.end_offset == 3),
        "{:?}",
        fetch_body(&out)
    );
}

fn fetch_snapshot(epoch: Epoch, end_offset: Offset, position: u64) -> Message {
    Message::FetchSnapshot(crate::protocol::message::FetchSnapshotRequest {
        correlation: 7,
        epoch,
        replica: 3,
        id: SnapshotId {
            end_offset,
            epoch: 2,
        },
        position,
    })
}

fn snapshot_answer(out: &Effects) -> &crate::protocol::message::FetchSnapshotResponse {
    out.sends
        .iter()
        .find_map(|(_, m)| match m {
            Message::FetchSnapshotResponse(r) => Some(r),
            _ => None,
        })
        .expect("answered")
}

#[test]
fn fetch_snapshot_refusals_in_kafkas_order() {
    let mut l = leader_with_snapshot();
    for (epoch, end, error) in [
        (3, 3, ErrorCode::FencedLeaderEpoch),
        (5, 3, ErrorCode::UnknownLeaderEpoch),
        (4, 9, ErrorCode::SnapshotNotFound),
    ] {
        let out = deliver(&mut l, 10, 3, fetch_snapshot(epoch, end, 0));
        assert_eq!(snapshot_answer(&out).error, Some(error), "epoch {epoch}");
    }
    // A follower of the same epoch is not the one to ask.
    let (mut f, _) = answered(2, disk(4, None, Some(1), &[1]), 4, nothing_new(1));
    let out = deliver(&mut f, 10, 3, fetch_snapshot(4, 3, 0));
    assert_eq!(
        snapshot_answer(&out).error,
        Some(ErrorCode::NotLeaderOrFollower)
    );
}

/// A leader (node 1) holding a snapshot at offset 3 of two brokers and a topic of three
/// partitions: 1 header + 2 brokers + (1 topic + 3 partitions) = 7 records, and
/// 80 + 2 × 200 + (41 + 3 × 100) = 821 estimated bytes.
fn leader_with_small_image_snapshot(cfg: Config) -> Node {
    use crate::protocol::metadata::{BrokerState, TopicState};
    let mut image = Image {
        applied_offset: 3,
        ..Image::default()
    };
    for id in [101, 102] {
        image.brokers.insert(
            id,
            BrokerState {
                id,
                epoch: 1,
                fenced: false,
                incarnation: 1,
            },
        );
    }
    let partition = |partition| PartitionState::new(partition, vec![101]);
    image.topics.insert(
        1,
        TopicState {
            name: "t".into(),
            topic_id: 1,
            config: Default::default(),
            partitions: (0..3).map(partition).collect(),
        },
    );
    let mut d = disk(4, Some(1), None, &[1, 1, 2, 2]);
    d.log.add_snapshot(Snapshot {
        id: SnapshotId {
            end_offset: 3,
            epoch: 2,
        },
        image,
    });
    d.log.clean(0, None);
    let (mut l, _) = start_with(1, &[1, 2, 3], d, cfg, 0);
    deliver(&mut l, 1, 2, granted_vote(4, false));
    assert_eq!(l.role(), Role::Leader);
    l
}

#[test]
fn a_snapshot_is_served_in_chunks_sized_by_its_records() {
    let cfg = Config {
        snapshot_chunk_records: 2,
        ..config(true)
    };
    let mut l = leader_with_small_image_snapshot(cfg);
    // 7 records, 2 a chunk: 4 chunks.
    let out = deliver(&mut l, 10, 3, fetch_snapshot(4, 3, 0));
    let first = snapshot_answer(&out);
    assert_eq!(
        (first.error, first.size, first.image.is_some()),
        (None, 4, false)
    );
    let out = deliver(&mut l, 11, 3, fetch_snapshot(4, 3, 3));
    assert!(
        snapshot_answer(&out).image.is_some(),
        "the last chunk completes it"
    );
}

#[test]
fn a_snapshot_is_served_in_chunks_sized_by_its_bytes() {
    let size = |cfg: Config| {
        let mut l = leader_with_small_image_snapshot(cfg);
        let out = deliver(&mut l, 10, 3, fetch_snapshot(4, 3, 0));
        snapshot_answer(&out).size
    };
    // Kafka's 8 MiB chunk carries a small image whole.
    assert_eq!(size(config(true)), 1);
    // 821 bytes, 300 a chunk: 3 chunks; with 2 records a chunk as well, the 4 that needs.
    let by_bytes = Config {
        snapshot_chunk_bytes: 300,
        ..config(true)
    };
    assert_eq!(size(by_bytes.clone()), 3);
    let both = Config {
        snapshot_chunk_records: 2,
        ..by_bytes
    };
    assert_eq!(size(both), 4);
}

/// Commits `count` NoOps on leader `l` (at epoch 4) at time `now`: it snapshots and cleans.
fn commit_noops(l: &mut Node, now: Time, count: u64) {
    use crate::protocol::record::{Entry, Record};
    for _ in 0..count {
        let offset = l.durable.log.end_offset();
        l.durable.log.append(Entry {
            offset,
            epoch: 4,
            record: Record::NoOp,
        });
    }
    let end = l.durable.log.end_offset();
    l.raise_hw(now, end, &mut Effects::default());
}

#[test]
fn the_leader_keeps_a_snapshot_while_a_follower_downloads_it() {
    let cfg = Config {
        snapshot_chunk_records: 2,
        snapshot_every_records: Some(2),
        ..config(true)
    };
    let mut l = leader_with_small_image_snapshot(cfg);
    let out = deliver(&mut l, 10, 3, fetch_snapshot(4, 3, 0));
    assert_eq!(snapshot_answer(&out).error, None);
    // Newer snapshots while node 3 downloads the one at 3: cleaning stops at it.
    commit_noops(&mut l, 20, 4);
    let newest = l.log().latest_snapshot().map(|s| s.id.end_offset);
    assert!(newest > Some(3), "a newer snapshot: {newest:?}");
    assert_eq!(l.log().start_offset(), 3);
    for position in 1..4 {
        let out = deliver(&mut l, 20 + position, 3, fetch_snapshot(4, 3, position));
        assert_eq!(snapshot_answer(&out).error, None, "chunk {position}");
    }
    // Downloaded: the next snapshot cleans up to the newest.
    commit_noops(&mut l, 30, 2);
    let newest = l.log().latest_snapshot().map(|s| s.id.end_offset);
    assert_eq!(Some(l.log().start_offset()), newest);
}

#[test]
fn a_download_abandoned_for_longer_than_the_fetch_timeout_holds_nothing() {
    let cfg = Config {
        snapshot_chunk_records: 2,
        snapshot_every_records: Some(2),
        ..config(true)
    };
    let mut l = leader_with_small_image_snapshot(cfg);
    deliver(&mut l, 10, 3, fetch_snapshot(4, 3, 0));
    let later = 11 + Config::default().fetch_timeout_ms;
    commit_noops(&mut l, later, 4);
    let newest = l.log().latest_snapshot().map(|s| s.id.end_offset);
    assert_eq!(Some(l.log().start_offset()), newest);
}

#[test]
fn snapshots_by_bytes_wait_for_the_budget_and_for_the_image_weight() {
    let cfg = |every_bytes| Config {
        snapshot_every_bytes: every_bytes,
        ..config(true)
    };
    let latest = |l: &Node| l.log().latest_snapshot().map(|s| s.id.end_offset);
    // The image weighs 821 bytes; NoOps 80 each; the first commit also applies the record at 3
    // and the leader's LeaderChange (160 bytes). A 400-byte budget waits for the image's
    // weight: 9 NoOps (160 + 720 >= 821), not 3.
    let mut l = leader_with_small_image_snapshot(cfg(400));
    let start = latest(&l);
    commit_noops(&mut l, 10, 8);
    assert_eq!(latest(&l), start);
    commit_noops(&mut l, 11, 1);
    assert!(latest(&l) > start);
    // Above the image's weight the budget rules: 2,000 bytes are 160 + 23 NoOps.
    let mut l = leader_with_small_image_snapshot(cfg(2000));
    commit_noops(&mut l, 10, 22);
    assert_eq!(latest(&l), start);
    commit_noops(&mut l, 11, 1);
    assert!(latest(&l) > start);
}

#[test]
fn a_snapshot_is_taken_once_exactly_the_configured_number_of_records_applied() {
    let cfg = Config {
        snapshot_every_records: Some(3),
        ..config(true)
    };
    let (mut n, out) = start_with(1, &[1, 2, 3], disk(2, None, Some(2), &[1; 5]), cfg, 0);
    let c = first_fetch(&out).correlation;
    deliver(&mut n, 5, 2, answer(c, 2, 2, nothing_new(2)));
    assert_eq!(n.log().latest_snapshot().map(|s| s.id.end_offset), None);
    let next = n.fetch.inflight.expect("it fetches again at once");
    deliver(&mut n, 6, 2, answer(next, 2, 2, nothing_new(3)));
    assert_eq!(n.log().latest_snapshot().map(|s| s.id.end_offset), Some(3));
}

#[test]
fn a_partition_leader_refuses_fetches_of_other_leader_epochs_as_kafka_does() {
    use crate::protocol::message::PartitionFetchResponse;
    let mut b = broker_leading(&[1, 1, 2, 2, 2], 2);
    let fetch_at = |leader_epoch| partition_fetch(leader_epoch, 5, Some(2));
    let error = |out: &Effects| {
        out.sends.iter().find_map(|(_, m)| match m {
            Message::PartitionFetchResponse(PartitionFetchResponse { partitions, .. }) => {
                partitions.first().map(|d| d.error)
            }
            _ => None,
        })
    };
    for (epoch, expected) in [
        (1, Some(ErrorCode::FencedLeaderEpoch)),
        (3, Some(ErrorCode::UnknownLeaderEpoch)),
    ] {
        let out = deliver(&mut b, 10, 102, fetch_at(epoch));
        assert_eq!(error(&out), Some(expected), "leader epoch {epoch}");
    }
    // Its own epoch, nothing new: held (the long poll), not refused.
    let out = deliver(&mut b, 10, 102, fetch_at(2));
    assert_eq!(error(&out), None, "held");
    // Not the leader at all.
    b.durable.partitions.get_mut(&(1, 0)).unwrap().leader = Some(102);
    let out = deliver(&mut b, 10, 103, fetch_at(2));
    assert_eq!(error(&out), Some(Some(ErrorCode::NotLeaderOrFollower)));
}

/// Kafka's delayed fetch: a follower fetch with nothing new waits at the leader up to
/// replica.fetch.wait.max.ms; new records answer it at once, a HW move alone does not
/// (KAFKA-9952), so the follower learns a new HW only on a later answer.
#[test]
fn a_partition_leader_holds_an_empty_fetch_until_records_arrive_or_the_wait_ends() {
    use crate::protocol::message::{PartitionFetchBody, PartitionFetchResponse};
    use crate::protocol::partition::Acks;
    let mut b = broker_leading(&[1, 1], 1);
    let fetch = |fetch_offset| partition_fetch(1, fetch_offset, Some(1));
    let answered = |out: &Effects| {
        out.sends.iter().find_map(|(to, m)| match m {
            Message::PartitionFetchResponse(PartitionFetchResponse { partitions, .. }) => {
                partitions.first().map(|d| (*to, d.body.clone(), d.hw))
            }
            _ => None,
        })
    };
    assert_eq!(answered(&deliver(&mut b, 10, 102, fetch(2))), None);
    // Records arrive: the held fetch is answered with them.
    let produce = Message::Produce(crate::protocol::message::ProduceRequest {
        correlation: 1,
        produce: 9,
        topic_id: 1,
        partition: 0,
        acks: Acks::Leader,
        values: vec!["9.0".into()],
    });
    let out = deliver(&mut b, 20, 0, produce);
    let (to, body, _) = answered(&out).expect("answered by the new record");
    assert_eq!(to, 102);
    assert!(matches!(body, PartitionFetchBody::Records(r) if r.len() == 1));
    // Held again, with nothing new: the wait ends it, empty.
    assert_eq!(answered(&deliver(&mut b, 30, 102, fetch(3))), None);
    let wait = Config::default().replica_fetch_wait_max_ms;
    // Tick by tick: no answer before the wait is over, an empty one when it is.
    let answer_at = (0..10)
        .find_map(|_| {
            let at = b.timer_deadline(Slot::Partitions)?;
            let out = fire(&mut b, Slot::Partitions);
            answered(&out).map(|a| (at, a))
        })
        .expect("answered when the wait ends");
    assert_eq!(answer_at.0, 30 + wait);
    assert!(matches!(answer_at.1, (102, PartitionFetchBody::Records(r), _) if r.is_empty()));
}

/// A retried produce is answered with where its records already are, not written twice; a
/// produce the leader has not seen is written even when its number is below the newest's.
#[test]
fn a_partition_leader_writes_each_produce_once() {
    use crate::protocol::message::{ProduceRequest, ProduceResponse};
    use crate::protocol::partition::Acks;
    let mut b = broker_leading(&[1, 1], 1);
    let produce = |id: u64, n: u32| {
        Message::Produce(ProduceRequest {
            correlation: id,
            produce: id,
            topic_id: 1,
            partition: 0,
            acks: Acks::Leader,
            values: (0..n).map(|i| format!("{id}.{i}").into()).collect(),
        })
    };
    let mut at = 10;
    let mut base_of = |b: &mut Node, id, n| {
        at += 10;
        deliver(b, at, 0, produce(id, n))
            .sends
            .iter()
            .find_map(|(_, m)| match m {
                Message::ProduceResponse(ProduceResponse { base_offset, .. }) => *base_offset,
                _ => None,
            })
    };
    let leo = |b: &Node| b.partition_replicas()[&(1, 0)].leo();
    assert_eq!(base_of(&mut b, 9, 2), Some(2));
    // The retry: the same answer, nothing appended.
    assert_eq!(base_of(&mut b, 9, 2), Some(2));
    assert_eq!(leo(&b), 4);
    // Produce 7 was never here (a stream behind another): written, after 9's records.
    assert_eq!(base_of(&mut b, 7, 1), Some(4));
    assert_eq!(base_of(&mut b, 9, 2), Some(2));
    assert_eq!(leo(&b), 5);
}

#[test]
fn a_resigned_node_forced_to_campaign_leaves_its_epoch_first() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, Some(1), Some(1), &[4, 4]));
    assert_eq!(n.role(), Role::Resigned);
    let mut out = Effects::default();
    n.force_election(10, &mut out).unwrap();
    assert_eq!((n.role(), n.epoch()), (Role::Prospective, 5));
}

#[test]
fn a_candidate_keeps_its_retry_count_through_the_pre_vote_that_follows_a_back_off() {
    // Candidate in epoch 3 (its first try) loses: it backs off, then campaigns again.
    let (mut n, _) = start(1, &[1, 2, 3], disk(3, Some(1), None, &[1]));
    assert_eq!((n.role(), n.election.retries), (Role::Candidate, 1));
    let refused = |epoch| {
        Message::VoteResponse(VoteResponse {
            epoch,
            leader: None,
            granted: false,
            pre_vote: false,
        })
    };
    deliver(&mut n, 1, 2, refused(3));
    deliver(&mut n, 2, 3, refused(3));
    fire(&mut n, Slot::Election);
    assert_eq!((n.role(), n.election.retries), (Role::Prospective, 2));
    deliver(&mut n, 3, 2, granted_vote(3, true));
    assert_eq!(n.role(), Role::Candidate);
    assert_eq!(n.election.retries, 2, "the second try, not a fresh first");
}

/// Follower 3 of leader 1 (epoch 4), told to load snapshot (9, 3): it, the snapshot's id and the
/// correlation of its first FetchSnapshot.
fn downloading_a_snapshot() -> (Node, SnapshotId, u64) {
    let id = SnapshotId {
        end_offset: 9,
        epoch: 3,
    };
    let (n, out) = answered(
        3,
        disk(4, None, Some(1), &[1]),
        4,
        FetchBody::SnapshotId { id },
    );
    (n, id, fetch_snapshot_correlation(&out))
}

fn fetch_snapshot_correlation(out: &Effects) -> u64 {
    match sent(out, "FetchSnapshot")[0].1 {
        Message::FetchSnapshot(r) => r.correlation,
        _ => unreachable!(),
    }
}

#[test]
fn a_refused_snapshot_download_starts_over_with_a_fetch_after_the_back_off() {
    let (mut n, id, correlation) = downloading_a_snapshot();
    let refused = Message::FetchSnapshotResponse(crate::protocol::message::FetchSnapshotResponse {
        correlation,
        epoch: 4,
        leader: Some(1),
        id,
        position: 0,
        size: 3,
        chunk: 1,
        image: None,
        error: Some(ErrorCode::SnapshotNotFound),
    });
    deliver(&mut n, 20, 1, refused);
    // Kafka: the snapshot may have been replaced; fetch again to learn which one to load.
    assert_eq!(n.snapshot_download(), None, "no chunk counted");
    assert_eq!(
        n.timer_deadline(Slot::FetchRetry),
        Some(20 + Config::default().retry_backoff_ms)
    );
}

#[test]
fn a_broker_that_asks_to_be_fenced_is_fenced_and_its_leadership_moves() {
    use crate::protocol::message::HeartbeatRequest;
    let mut n = controller_with_a_partition();
    let end = n.log().end_offset();
    let heartbeat = Message::BrokerHeartbeat(HeartbeatRequest {
        correlation: 1,
        broker: 101,
        broker_epoch: 1,
        metadata_offset: end,
        want_fence: true,
        want_shutdown: false,
    });
    deliver(&mut n, 10, 101, heartbeat);
    let written: Vec<&Record> = n
        .log()
        .entries()
        .skip(end as usize)
        .map(|e| &e.record)
        .collect();
    assert!(
        written.contains(&&Record::BrokerRegistrationChange {
            broker: 101,
            fenced: true
        }),
        "{written:?}"
    );
    assert!(
        written.iter().any(|r| matches!(
            r,
            Record::PartitionChange(c) if c.leader == Some(102)
        )),
        "102 takes over partition 1-0: {written:?}"
    );
}

#[test]
fn a_prospective_still_in_its_pre_vote_keeps_its_election_deadline_in_a_newer_epoch() {
    // Kafka keeps the running election timer of a node already waiting to campaign, so a
    // disruptive candidate cannot keep pushing everyone's election back.
    let (mut n, _) = start(1, &[1, 2, 3], disk(4, None, None, &[4]));
    assert_eq!(n.voters(), &[1, 2, 3]);
    fire(&mut n, Slot::Election);
    assert_eq!(n.role(), Role::Prospective);
    let deadline = n.timer_deadline(Slot::Election).unwrap();
    // A candidate of epoch 6 with a shorter log: refused, but the epoch moves.
    deliver(&mut n, deadline - 10, 2, vote(6, 2, (3, 1), false));
    assert_eq!((n.role(), n.epoch()), (Role::Unattached, 6));
    assert_eq!(n.timer_deadline(Slot::Election), Some(deadline));
}

/// A replica log with one record per entry of `epochs` (values "e.i").
fn partition_log(epochs: &[u32]) -> crate::protocol::partition_log::PartitionLog {
    let mut l = crate::protocol::partition_log::PartitionLog::default();
    for (i, e) in epochs.iter().enumerate() {
        l.append(*e, format!("{e}.{i}").into());
    }
    l
}

fn partition_answer(
    leader_epoch: u32,
    hw: Offset,
    body: crate::protocol::message::PartitionFetchBody,
    error: Option<ErrorCode>,
) -> Message {
    Message::PartitionFetchResponse(crate::protocol::message::PartitionFetchResponse {
        correlation: 0,
        error: None,
        session_id: 1,
        partitions: vec![crate::protocol::message::PartitionFetchData {
            topic_id: 1,
            partition: 0,
            leader_epoch,
            hw,
            log_start_offset: 0,
            body,
            error,
        }],
    })
}

/// A follower's fetch of partition 1-0 alone, as a full fetch (opening a session).
fn partition_fetch(
    leader_epoch: u32,
    fetch_offset: Offset,
    last_fetched_epoch: Option<u32>,
) -> Message {
    let position = crate::protocol::fetch_session::FetchPosition {
        leader_epoch,
        fetch_offset,
        last_fetched_epoch,
    };
    Message::PartitionFetch(crate::protocol::message::PartitionFetchRequest {
        correlation: 0,
        broker_epoch: None,
        session_id: 0,
        session_epoch: 0,
        partitions: vec![((1, 0), position)],
        forgotten: Vec::new(),
    })
}

/// Delivers a fetch answer to follower `b` as the answer to its fetch in flight to `from`.
fn deliver_fetch_answer(b: &mut Node, now: Time, from: NodeId, msg: Message) -> Effects {
    b.fetchers.entry(from).or_default().inflight = Some((0, now));
    deliver(b, now, from, msg)
}

#[test]
fn a_partition_follower_ignores_refusals_and_other_epochs_and_takes_a_higher_hw() {
    use crate::protocol::message::PartitionFetchBody;
    use crate::protocol::partition::Replica;
    let (mut b, _) = broker();
    b.durable.partitions.insert(
        (1, 0),
        Box::new(Replica {
            log: partition_log(&[1, 1, 1, 1, 1]),
            hw: 2,
            leader: Some(102),
            leader_epoch: 2,
            ..Replica::default()
        }),
    );
    let replica = |b: &Node| {
        let r = &b.partition_replicas()[&(1, 0)];
        (r.leo(), r.hw)
    };
    let diverging = PartitionFetchBody::DivergingEpoch {
        epoch: 1,
        end_offset: 0,
    };
    deliver_fetch_answer(
        &mut b,
        10,
        102,
        partition_answer(2, 0, diverging.clone(), Some(ErrorCode::FencedLeaderEpoch)),
    );
    deliver_fetch_answer(&mut b, 11, 102, partition_answer(3, 0, diverging, None));
    assert_eq!(
        replica(&b),
        (5, 2),
        "neither a refusal nor another epoch cuts the log"
    );
    let one = crate::protocol::partition_log::PartitionRecord::new(5, 2, "7.0".into());
    deliver_fetch_answer(
        &mut b,
        12,
        102,
        partition_answer(2, 4, PartitionFetchBody::Records(vec![one]), None),
    );
    assert_eq!(replica(&b), (6, 4));
    let r = &b.partition_replicas()[&(1, 0)];
    assert_eq!(
        r.log.record(5).map(|x| (x.epoch, &*x.value)),
        Some((2, "7.0"))
    );
    assert_eq!(
        r.log.epochs(),
        &[(1, 0), (2, 5)],
        "the follower learned where epoch 2 starts"
    );
}

#[test]
fn a_partition_leader_answers_diverging_epoch_where_the_follower_s_last_epoch_ends_in_its_log() {
    use crate::protocol::message::PartitionFetchBody;
    // The leader: epoch 1 at 0..3, epoch 3 from 3 on.
    let mut b = broker_leading(&[1, 1, 1, 3, 3], 3);
    let fetch =
        |fetch_offset, last_fetched_epoch| partition_fetch(3, fetch_offset, last_fetched_epoch);
    let body = |out: &Effects| {
        out.sends.iter().find_map(|(_, m)| match m {
            Message::PartitionFetchResponse(r) => r.partitions.first().map(|d| d.body.clone()),
            _ => None,
        })
    };
    // A follower with 1,1,1,2,2 (epoch 2 never reached the leader): diverges at epoch 1's end.
    let out = deliver(&mut b, 10, 102, fetch(5, Some(2)));
    assert_eq!(
        body(&out),
        Some(PartitionFetchBody::DivergingEpoch {
            epoch: 1,
            end_offset: 3
        })
    );
    // A follower with 1,1,1,1 (its epoch-1 record at 3 is not the leader's): epoch 1 ends at 3 < 4.
    let out = deliver(&mut b, 11, 103, fetch(4, Some(1)));
    assert_eq!(
        body(&out),
        Some(PartitionFetchBody::DivergingEpoch {
            epoch: 1,
            end_offset: 3
        })
    );
    // A follower in step: records from its fetch offset.
    let out = deliver(&mut b, 12, 102, fetch(3, Some(1)));
    match body(&out) {
        Some(PartitionFetchBody::Records(rs)) => {
            assert_eq!(
                rs.iter().map(|r| (r.offset, r.epoch)).collect::<Vec<_>>(),
                vec![(3, 3), (4, 3)]
            );
        }
        other => panic!("records expected, got {other:?}"),
    }
}

#[test]
fn a_partition_follower_truncates_only_to_the_divergence_and_its_hw_never_passes_its_leo() {
    use crate::protocol::message::PartitionFetchBody;
    use crate::protocol::partition::Replica;
    let (mut b, _) = broker();
    // 1,1,1,2,2 with HW 5: an old leader of epoch 2 whose last records never reached the new one.
    b.durable.partitions.insert(
        (1, 0),
        Box::new(Replica {
            log: partition_log(&[1, 1, 1, 2, 2]),
            hw: 5,
            leader: Some(102),
            leader_epoch: 3,
            ..Replica::default()
        }),
    );
    let out = deliver_fetch_answer(
        &mut b,
        10,
        102,
        partition_answer(
            3,
            3,
            PartitionFetchBody::DivergingEpoch {
                epoch: 1,
                end_offset: 3,
            },
            None,
        ),
    );
    let r = &b.partition_replicas()[&(1, 0)];
    assert_eq!(
        (r.leo(), r.hw),
        (3, 3),
        "truncated to 3, and the HW with it"
    );
    assert_eq!(r.log.epochs(), &[(1, 0)]);
    assert!(out.trace.iter().any(|t| matches!(
        t,
        TraceKind::PartitionTruncated {
            to: 3,
            removed: 2,
            ..
        }
    )));
}

#[test]
fn a_snapshot_loads_after_exactly_its_size_in_chunks() {
    let (mut n, id, mut correlation) = downloading_a_snapshot();
    for position in 0..2 {
        let last = position == 1;
        let out = deliver(
            &mut n,
            20 + position,
            1,
            Message::FetchSnapshotResponse(crate::protocol::message::FetchSnapshotResponse {
                correlation,
                epoch: 4,
                leader: Some(1),
                id,
                position,
                size: 2,
                chunk: 1,
                image: last.then(|| {
                    Box::new(Image {
                        applied_offset: 9,
                        ..Image::default()
                    })
                }),
                error: None,
            }),
        );
        if !last {
            assert_eq!(n.snapshot_download(), Some((id, 1)));
            correlation = fetch_snapshot_correlation(&out);
        }
    }
    assert_eq!(n.snapshot_download(), None);
    assert_eq!(n.log().start_offset(), 9, "loaded: the log starts after it");
}

#[test]
fn a_fetch_at_the_log_start_that_matches_the_snapshots_epoch_gets_records() {
    // The snapshot ends in epoch 2 at offset 3; the first retained entry is of epoch 3.
    let mut l = leader_with_snapshot_of(&[1, 1, 2, 3]);
    let out = deliver(&mut l, 10, 2, fetch(4, 2, 3, 2));
    assert!(
        matches!(fetch_body(&out), FetchBody::Records { ref entries, .. } if entries[0].offset == 3),
        "{:?}",
        fetch_body(&out)
    );
}

#[test]
fn a_follower_refused_by_its_leader_waits_before_fetching_again() {
    let (mut n, out) = start(2, &[1, 2, 3], disk(4, None, Some(1), &[1]));
    let c = first_fetch(&out).correlation;
    let refused = Message::FetchResponse(FetchResponse {
        correlation: c,
        epoch: 4,
        leader: None,
        body: FetchBody::Error {
            error: ErrorCode::NotLeaderOrFollower,
        },
    });
    let out = deliver(&mut n, 10, 1, refused);
    assert!(sent(&out, "Fetch").is_empty(), "no fetch at once");
    assert_eq!(
        n.timer_deadline(Slot::FetchRetry),
        Some(10 + Config::default().fetch_max_wait_ms)
    );
}

#[test]
fn a_refused_fetch_snapshot_does_not_count_for_check_quorum() {
    let mut n = leader_with_snapshot();
    let due = n.timer_deadline(Slot::CheckQuorum).unwrap();
    // Voter 3 asks for a snapshot the leader no longer has: refused, so no sign of a follower.
    let out = deliver(&mut n, 10, 3, fetch_snapshot(4, 9, 0));
    assert_eq!(
        snapshot_answer(&out).error,
        Some(ErrorCode::SnapshotNotFound)
    );
    assert_eq!(n.timer_deadline(Slot::CheckQuorum), Some(due));
}

#[test]
fn an_unanswered_fetch_is_sent_again_after_the_request_timeout() {
    let (n, _) = answered(2, disk(4, None, Some(1), &[1]), 4, nothing_new(1));
    assert_eq!(
        n.timer_deadline(Slot::FetchRetry),
        Some(5 + Config::default().request_timeout_ms)
    );
}

#[test]
fn an_observer_answered_from_an_older_epoch_tries_the_next_bootstrap_server() {
    let (mut b, out) = broker();
    let c = first_fetch(&out).correlation;
    // Node 1 tells it the epoch is 2 (no leader known): it fetches again in epoch 2.
    let out = deliver(&mut b, 5, 1, refused_fetch(c, 2, None));
    let out = if sent(&out, "Fetch").is_empty() {
        fire(&mut b, Slot::FetchRetry)
    } else {
        out
    };
    let (to, _) = sent(&out, "Fetch")[0];
    let c = first_fetch(&out).correlation;
    // That server is behind (epoch 1): the observer moves on to the next one.
    deliver(&mut b, 30, to, refused_fetch(c, 1, None));
    let out = fire(&mut b, Slot::FetchRetry);
    let (next, _) = sent(&out, "Fetch")[0];
    assert_eq!(next, to % 3 + 1, "after {to}");
}

#[test]
fn a_candidate_told_to_campaign_starts_a_new_election_at_once() {
    let (mut n, _) = start(1, &[1, 2, 3], disk(3, Some(1), None, &[1]));
    assert_eq!((n.role(), n.epoch()), (Role::Candidate, 3));
    let mut out = Effects::default();
    n.force_election(10, &mut out).unwrap();
    assert_eq!(
        (n.role(), n.epoch()),
        (Role::Candidate, 4),
        "no pre-vote first"
    );
}

/// Kafka's initial catch-up: a (re)started broker whose image is old (here it still names this
/// broker leader with ISR [itself]) leaves its replicas alone until it has applied its own
/// registration record; only then does it lead and move the HW.
#[test]
fn a_broker_acts_on_partition_metadata_only_once_past_its_registration_record() {
    use crate::protocol::metadata::TopicState;
    use crate::protocol::partition::Replica;
    let (mut b, _) = broker();
    b.image.applied_offset = 5;
    b.image.topics.insert(
        1,
        TopicState {
            name: "t".into(),
            topic_id: 1,
            config: Default::default(),
            partitions: vec![PartitionState {
                isr: vec![101],
                leader: Some(101),
                leader_epoch: 2,
                ..PartitionState::new(0, vec![101, 102])
            }]
            .into(),
        },
    );
    b.durable.partitions.insert(
        (1, 0),
        Box::new(Replica {
            log: partition_log(&[1, 1, 2]),
            ..Replica::default()
        }),
    );
    let replica = |b: &Node| {
        let r = &b.durable.partitions[&(1, 0)];
        (r.leader, r.hw)
    };
    let mut out = Effects::default();
    b.sync_partitions(10, &mut out);
    assert_eq!(
        replica(&b),
        (None, 0),
        "not registered: the image may be stale"
    );
    b.broker.registered = Some(5);
    b.sync_partitions(11, &mut out);
    assert_eq!(
        replica(&b),
        (None, 0),
        "its registration record (5) not applied yet"
    );
    b.broker.registered = Some(4);
    b.sync_partitions(12, &mut out);
    assert_eq!(
        replica(&b),
        (Some(101), 3),
        "caught up: it leads, ISR [101]"
    );
}
