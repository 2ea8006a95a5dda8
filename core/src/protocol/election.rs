//! Elections: timeouts, pre-vote (KIP-996), Vote, BeginQuorumEpoch, EndQuorumEpoch, becoming leader,
//! resigning. Kafka's rules (KIP-595, KIP-996; raft/ QuorumState and the *State classes).

use crate::protocol::error::CommandError;
use crate::protocol::event::TraceKind;
use crate::protocol::event::{RoleReason, VoteReason};
use crate::protocol::message::{
    BeginQuorumEpochRequest, EndQuorumEpochRequest, EndQuorumEpochResponse, Message, VoteRequest,
    VoteResponse,
};
use crate::protocol::node::{
    Effects, LeaderState, Node, ReplicaProgress, ResignedState, Slot, Tally,
};
use crate::protocol::record::{Entry, Record};
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Time};
use rand::RngExt;

impl Node {
    /// The election timer fired (or a user forced it with `elect`).
    pub(crate) fn on_election_timeout(&mut self, now: Time, out: &mut Effects) {
        match self.role {
            Role::Unattached | Role::Follower => {
                self.start_election(now, RoleReason::ElectionTimeout, out)
            }
            Role::Prospective => {
                // Pre-vote timed out undecided: back to the leader we knew, else Unattached.
                self.abandon_prospective(now, RoleReason::PreVoteTimedOut, out);
            }
            Role::Candidate => {
                if self.election.backing_off {
                    self.election.backing_off = false;
                    if self.cfg.pre_vote {
                        self.become_prospective(now, RoleReason::BackoffOver, out);
                    } else {
                        self.become_candidate(now, RoleReason::BackoffOver, out);
                    }
                } else if self.cfg.pre_vote {
                    // Kafka 4 (KIP-996): an undecided election times out straight to Prospective;
                    // only a lost one backs off first.
                    self.become_prospective(now, RoleReason::ElectionTimeout, out);
                } else {
                    // Kafka before pre-vote backed off on a timeout too.
                    self.back_off(now, out);
                }
            }
            Role::Resigned => {
                // Kafka: Unattached in the next epoch with no time left, so it campaigns at once.
                let epoch = self.epoch() + 1;
                self.become_unattached(now, epoch, RoleReason::ResignedElectionTimeout, out);
                self.start_election(now, RoleReason::ElectionTimeout, out);
            }
            Role::Leader | Role::Observer => {}
        }
    }

    /// A follower's fetch timeout: the leader is gone, campaign.
    pub(crate) fn on_fetch_timeout(&mut self, now: Time, out: &mut Effects) {
        match self.role {
            Role::Follower => self.start_election(now, RoleReason::FetchTimeout, out),
            Role::Observer => self.on_observer_fetch_timeout(now, out),
            _ => {}
        }
    }

    /// Forced from outside (`elect` in a scenario, "elect now" in the UI).
    pub fn force_election(&mut self, now: Time, out: &mut Effects) -> Result<(), CommandError> {
        match self.role {
            Role::Leader => Err(CommandError::AlreadyLeader(self.id)),
            Role::Observer => Err(CommandError::BrokerCannotBeElected(self.id)),
            Role::Candidate => {
                self.election.backing_off = false;
                self.become_candidate(now, RoleReason::ForcedElection, out);
                Ok(())
            }
            Role::Resigned => {
                let epoch = self.epoch() + 1;
                self.become_unattached(now, epoch, RoleReason::ForcedElection, out);
                self.start_election(now, RoleReason::ForcedElection, out);
                Ok(())
            }
            _ => {
                self.start_election(now, RoleReason::ForcedElection, out);
                Ok(())
            }
        }
    }

    pub(crate) fn start_election(&mut self, now: Time, reason: RoleReason, out: &mut Effects) {
        if !self.is_voter() {
            // KIP-853: a replica outside the voter set never campaigns; it observes.
            self.become_observer(now, out);
            return;
        }
        if self.cfg.pre_vote {
            self.become_prospective(now, reason, out);
        } else {
            self.become_candidate(now, reason, out);
        }
    }

    fn become_prospective(&mut self, now: Time, reason: RoleReason, out: &mut Effects) {
        let from = self.role;
        // Kafka counts elections in a row: from a Candidate one more, else this is the first.
        let retries = if from == Role::Candidate {
            self.election.retries.saturating_add(1)
        } else {
            1
        };
        self.leave_role(out);
        self.election.retries = retries;
        self.role = Role::Prospective;
        self.election.granted.insert(self.id);
        self.trace_role(from, reason, out);
        if self.election.granted.len() >= self.majority() {
            self.become_candidate(now, RoleReason::PreVoteWon, out);
            return;
        }
        self.request_votes(true, out);
        self.reset_election_timer(now, out);
    }

    fn abandon_prospective(&mut self, now: Time, reason: RoleReason, out: &mut Effects) {
        let epoch = self.epoch();
        match self.leader_id() {
            Some(l) if l != self.id => self.become_follower(now, epoch, l, reason, out),
            _ => self.become_unattached(now, epoch, reason, out),
        }
    }

    pub(crate) fn become_candidate(&mut self, now: Time, reason: RoleReason, out: &mut Effects) {
        let from = self.role;
        let retries = match from {
            Role::Prospective => self.election.retries,
            Role::Candidate => self.election.retries.saturating_add(1),
            _ => 1,
        };
        self.leave_role(out);
        self.election.retries = retries;
        let epoch = self.epoch() + 1;
        // Durable before any request leaves: the new epoch and our vote for ourselves.
        self.durable.quorum = crate::protocol::node::QuorumState {
            epoch,
            voted_for: Some(self.id),
            leader: None,
        };
        self.role = Role::Candidate;
        self.election.granted.insert(self.id);
        self.trace_role(from, reason, out);
        if self.election.granted.len() >= self.majority() {
            self.become_leader(now, out);
            return;
        }
        self.request_votes(false, out);
        self.reset_election_timer(now, out);
    }

    pub(crate) fn request_votes(&mut self, pre_vote: bool, out: &mut Effects) {
        let (last_epoch, end_offset) = self.durable.log.last_id();
        for v in self.voter_keys.iter().filter(|v| v.id != self.id) {
            let req = VoteRequest {
                epoch: self.epoch(),
                candidate: self.id,
                last_epoch,
                end_offset,
                pre_vote,
                voter_directory_id: v.directory_id,
            };
            out.sends.push((v.id, Message::Vote(req)));
        }
    }

    /// A lost election waits a randomized exponential back-off: 100 ms times a uniform integer in
    /// [0, 2^retries), capped (Kafka's binaryExponentialElectionBackoffMs).
    fn back_off(&mut self, now: Time, out: &mut Effects) {
        let exp = self.election.retries.clamp(1, 20);
        let units = self.rng.random_range(0..(1u64 << exp));
        let backoff = (units * 100).min(self.cfg.election_backoff_max_ms);
        self.election.backing_off = true;
        self.set_timer(Slot::Election, now + backoff, out);
    }

    pub(crate) fn on_vote_request(
        &mut self,
        now: Time,
        from: NodeId,
        req: &VoteRequest,
        out: &mut Effects,
    ) {
        if self.role == Role::Observer && self.quorum.kraft_version == 0 {
            return;
        }
        if req.epoch > self.epoch() {
            self.become_unattached(now, req.epoch, RoleReason::VoteRequestWithHigherEpoch, out);
        }
        // KIP-853: the request names the voter it is for; a replica on another disk refuses
        // (INVALID_VOTER_KEY). One that is no voter in its own view still votes when the key is
        // its own: its view may be stale (the candidate may hold the VotersRecord adding it).
        // A static quorum's request names no disk: there only voters vote.
        let wrong_key = match req.voter_directory_id {
            Some(d) => d != self.durable.directory_id,
            None => !self.is_voter(),
        };
        let (granted, reason) = if wrong_key {
            (false, VoteReason::NotThisVoter)
        } else {
            self.decide_vote(req)
        };
        if granted && !req.pre_vote {
            // Durable before the response leaves.
            self.durable.quorum.voted_for = Some(req.candidate);
            if self.role == Role::Observer {
                // It has no election of its own to reset: it keeps observing.
            } else if self.role == Role::Prospective {
                // Kafka's prospectiveAddVotedState: it stays Prospective in a new state (a new
                // pre-vote round, a fresh timeout); the candidate it voted for may well win first.
                self.leave_role(out);
                self.role = Role::Prospective;
                self.election.granted.insert(self.id);
                self.request_votes(true, out);
            } else if self.role != Role::Unattached {
                let from_role = self.role;
                self.leave_role(out);
                self.role = Role::Unattached;
                self.trace_role(from_role, RoleReason::GrantedVote, out);
            }
            if self.role != Role::Observer {
                self.reset_election_timer(now, out);
            }
        }
        out.trace.push(TraceKind::VoteCast {
            voter: self.id,
            candidate: req.candidate,
            epoch: req.epoch,
            pre_vote: req.pre_vote,
            granted,
            reason,
        });
        out.sends.push((
            from,
            Message::VoteResponse(VoteResponse {
                epoch: self.epoch(),
                leader: self.leader_id(),
                granted,
                pre_vote: req.pre_vote,
            }),
        ));
    }

    fn decide_vote(&self, req: &VoteRequest) -> (bool, VoteReason) {
        if req.epoch < self.epoch() {
            return (false, VoteReason::CandidateEpochOlder);
        }
        let ours = self.durable.log.last_id();
        let up_to_date = (req.last_epoch, req.end_offset) >= ours;
        let q = &self.durable.quorum;
        if req.pre_vote {
            // Kafka's ResignedState.canGrantVote: a resigned leader grants pre-votes to logs at
            // least as up to date as its own (it wants a successor); only real votes are refused.
            match self.role {
                Role::Leader => return (false, VoteReason::IAmTheLeader),
                Role::Follower if self.fetch.has_fetched => {
                    return (false, VoteReason::MyLeaderIsAlive)
                }
                _ => {}
            }
        } else {
            match self.role {
                Role::Leader => return (false, VoteReason::IAmTheLeader),
                Role::Resigned => return (false, VoteReason::IResignedInThisEpoch),
                _ => {}
            }
            if q.leader.is_some() {
                return (false, VoteReason::AlreadyFollowingALeader);
            }
            if q.voted_for.is_some_and(|v| v != req.candidate) {
                return (false, VoteReason::AlreadyVoted);
            }
        }
        if !up_to_date {
            return (false, VoteReason::MyLogIsMoreUpToDate);
        }
        (true, VoteReason::LogIsUpToDate)
    }

    pub(crate) fn on_vote_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &VoteResponse,
        out: &mut Effects,
    ) {
        if self.observe_epoch(now, resp.epoch, resp.leader, out) {
            return;
        }
        if resp.epoch != self.epoch() {
            return;
        }
        let expected = match self.role {
            Role::Prospective => resp.pre_vote,
            Role::Candidate => !resp.pre_vote && !self.election.backing_off,
            _ => false,
        };
        if !expected {
            return;
        }
        self.election.record(from, resp.granted);
        match (self.role, self.election.outcome(self.voters.len())) {
            (Role::Prospective, Tally::Won) => {
                self.become_candidate(now, RoleReason::PreVoteWon, out)
            }
            (Role::Prospective, Tally::Lost) => {
                self.abandon_prospective(now, RoleReason::PreVoteLost, out)
            }
            (Role::Candidate, Tally::Won) => self.become_leader(now, out),
            (Role::Candidate, Tally::Lost) => self.back_off(now, out),
            _ => {}
        }
    }

    pub(crate) fn become_leader(&mut self, now: Time, out: &mut Effects) {
        let from = self.role;
        self.leave_role(out);
        self.durable.quorum.leader = Some(self.id);
        self.role = Role::Leader;
        self.election.retries = 0;
        // Kafka: a new leader does not know its HW until it commits in its own epoch. The unsafe
        // switch plays the Raft paper's flawed rule instead, where commitIndex simply carries on.
        if !self.cfg.unsafe_commit_previous_epoch {
            self.hw = None;
        }
        let epoch = self.epoch();
        let epoch_start = self.durable.log.end_offset();
        let mut state = LeaderState {
            epoch_start,
            ..Default::default()
        };
        for &v in self.voters.iter() {
            state.progress.insert(v, ReplicaProgress::default());
        }
        self.leader = Some(state);
        self.trace_role(from, RoleReason::WonElection, out);
        if self.cfg.leader_change_record {
            self.leader_append(now, Record::LeaderChange { leader: self.id }, out);
        }
        if self.quorum.kraft_version >= 1 && epoch_start == 0 {
            // KIP-853: the first leader writes the bootstrap checkpoint's version and voters
            // into the log, so a replica that never read that checkpoint learns them.
            let voters = self.voter_keys.to_vec();
            self.leader_append(now, Record::KRaftVersion { version: 1 }, out);
            self.leader_append(now, Record::Voters { voters }, out);
        }
        self.send_begin_quorum_epoch(out);
        self.set_timer(Slot::Announce, now + self.cfg.fetch_timeout_ms / 2, out);
        if self.voters.len() > 1 {
            self.set_timer(Slot::CheckQuorum, now + self.cfg.check_quorum_ms(), out);
        }
        let _ = epoch;
        self.maybe_advance_hw(now, out);
    }

    fn send_begin_quorum_epoch(&mut self, out: &mut Effects) {
        let (epoch, leader) = (self.epoch(), self.id);
        for &v in self.voters.iter().filter(|&&v| v != self.id) {
            out.sends.push((
                v,
                Message::BeginQuorumEpoch(BeginQuorumEpochRequest { epoch, leader }),
            ));
        }
    }

    pub(crate) fn on_announce_timer(&mut self, now: Time, out: &mut Effects) {
        match self.role {
            Role::Leader => {
                self.send_begin_quorum_epoch(out);
                self.set_timer(Slot::Announce, now + self.cfg.fetch_timeout_ms / 2, out);
            }
            Role::Resigned => self.send_end_quorum_epoch(now, out),
            _ => {}
        }
    }

    /// Becomes the resigned leader's announcer: every other voter must acknowledge EndQuorumEpoch.
    pub(crate) fn enter_resigned(&mut self, now: Time, preferred: Vec<NodeId>, out: &mut Effects) {
        let unacked = self
            .voters
            .iter()
            .copied()
            .filter(|v| *v != self.id)
            .collect();
        self.resigned = Some(ResignedState { preferred, unacked });
        self.send_end_quorum_epoch(now, out);
    }

    /// EndQuorumEpoch to every voter that has not acknowledged it; again after a request timeout.
    fn send_end_quorum_epoch(&mut self, now: Time, out: &mut Effects) {
        let Some(r) = self.resigned.as_ref() else {
            return;
        };
        if r.unacked.is_empty() {
            return;
        }
        let (epoch, leader) = (self.epoch(), self.id);
        for &v in &r.unacked {
            out.sends.push((
                v,
                Message::EndQuorumEpoch(EndQuorumEpochRequest {
                    epoch,
                    leader,
                    preferred_successors: r.preferred.clone(),
                }),
            ));
        }
        self.set_timer(Slot::Announce, now + self.cfg.request_timeout_ms, out);
    }

    pub(crate) fn on_end_quorum_epoch_response(
        &mut self,
        now: Time,
        from: NodeId,
        resp: &EndQuorumEpochResponse,
        out: &mut Effects,
    ) {
        if self.observe_epoch(now, resp.epoch, resp.leader, out) {
            return;
        }
        if resp.epoch == self.epoch() {
            if let Some(r) = self.resigned.as_mut() {
                r.unacked.remove(&from);
            }
        }
    }

    pub(crate) fn on_begin_quorum_epoch(
        &mut self,
        now: Time,
        req: &BeginQuorumEpochRequest,
        out: &mut Effects,
    ) {
        let BeginQuorumEpochRequest { epoch, leader } = *req;
        if epoch < self.epoch() || leader == self.id {
            return;
        }
        if self.observe_epoch(now, epoch, Some(leader), out) {}
        // Same epoch, already following it: nothing to do.
    }

    /// Check-quorum: without fetches from a majority in the window, the leader resigns.
    pub(crate) fn on_check_quorum(&mut self, now: Time, out: &mut Effects) {
        if self.role != Role::Leader {
            return;
        }
        // Fetches from a majority re-arm this timer as they arrive (`note_voter_fetch`): if it
        // fires, a whole window passed without them.
        self.resign(now, RoleReason::CheckQuorumFailed, out);
    }

    /// A voter's valid fetch counts towards check-quorum.
    pub(crate) fn note_voter_fetch(&mut self, now: Time, voter: NodeId, out: &mut Effects) {
        let majority = self.majority();
        let Some(l) = self.leader.as_mut() else {
            return;
        };
        l.fetched_voters.insert(voter);
        let own = usize::from(self.voters.contains(&self.id));
        if l.fetched_voters.len() + own >= majority {
            l.fetched_voters.clear();
            self.set_timer(Slot::CheckQuorum, now + self.cfg.check_quorum_ms(), out);
        }
    }

    /// Graceful (user) or forced (check-quorum) resignation: EndQuorumEpoch with the best-caught-up
    /// voters first, so they campaign first.
    pub fn resign(&mut self, now: Time, reason: RoleReason, out: &mut Effects) {
        if self.role != Role::Leader {
            return;
        }
        let mut successors: Vec<(u64, NodeId)> = self
            .leader
            .as_ref()
            .map(|l| {
                // Kafka's nonLeaderVotersByDescendingFetchOffset: voters only; an observer (a
                // broker) in the list would push the voters back and lengthen their waits.
                l.progress
                    .iter()
                    .filter(|(id, _)| **id != self.id && self.voters.contains(id))
                    .map(|(id, p)| (p.end_offset.unwrap_or(0), *id))
                    .collect()
            })
            .unwrap_or_default();
        successors.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let preferred: Vec<NodeId> = successors.into_iter().map(|(_, id)| id).collect();
        let from = self.role;
        self.leave_role(out);
        self.role = Role::Resigned;
        self.trace_role(from, reason, out);
        self.enter_resigned(now, preferred, out);
        self.reset_election_timer(now, out);
    }

    /// A follower told its leader is leaving shortens its fetch timeout by its place in the
    /// successor list: first campaigns at once, others wait min(M, (M >> (N-1)) << (p-1)).
    pub(crate) fn on_end_quorum_epoch(
        &mut self,
        now: Time,
        from: NodeId,
        req: &EndQuorumEpochRequest,
        out: &mut Effects,
    ) {
        self.handle_end_quorum_epoch(now, req, out);
        // Acknowledged whatever we made of it, with our epoch so a stale sender learns.
        out.sends.push((
            from,
            Message::EndQuorumEpochResponse(EndQuorumEpochResponse {
                epoch: self.epoch(),
                leader: self.leader_id(),
            }),
        ));
    }

    fn handle_end_quorum_epoch(
        &mut self,
        now: Time,
        req: &EndQuorumEpochRequest,
        out: &mut Effects,
    ) {
        let (epoch, leader) = (req.epoch, req.leader);
        let successors = &req.preferred_successors[..];
        if epoch < self.epoch() {
            return;
        }
        if self.observe_epoch(now, epoch, Some(leader), out) && self.role != Role::Follower {
            return;
        }
        if self.role != Role::Follower || self.leader_id() != Some(leader) {
            return;
        }
        // Released Kafka keeps refusing pre-votes after an EndQuorumEpoch if this follower has
        // fetched from the leader (the successor wins with the resigned node's grant and those of
        // followers that had not fetched yet); only the fetch timeout is cut short.
        let m = self.cfg.election_backoff_max_ms;
        let n = successors.len() as u32;
        let wait = match successors.iter().position(|&s| s == self.id) {
            Some(0) => 0,
            Some(p) => ((m >> (n - 1).min(63)) << (p as u32 - 1).min(63)).min(m),
            None => m,
        };
        let current = self.timer_deadline(Slot::FetchTimeout).unwrap_or(Time::MAX);
        if now + wait < current {
            self.set_timer(Slot::FetchTimeout, now + wait, out);
        }
    }
}

/// A leader appends one record in its epoch (LeaderChange, NoOp, client or controller records).
impl Node {
    pub(crate) fn leader_append(&mut self, now: Time, record: Record, out: &mut Effects) {
        let offset = self.durable.log.end_offset();
        let epoch = self.epoch();
        let kind = record.kind();
        let voters_changed = self.voter_history.appended(offset, &record);
        self.durable.log.append(Entry {
            offset,
            epoch,
            record,
        });
        out.trace.push(TraceKind::Append {
            node: self.id,
            first: offset,
            count: 1,
            epoch,
            kind,
        });
        if voters_changed {
            // Raft's single-server change: the new set counts from its append, uncommitted.
            self.voters_changed(now, out);
        }
        self.on_leader_log_grew(now, out);
    }
}
