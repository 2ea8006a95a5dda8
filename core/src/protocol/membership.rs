//! Membership changes (KIP-853, docs/protocol.md, membership): AddVoter and RemoveVoter at the leader, one change
//! at a time, and every replica following the voter set its log holds.

use crate::protocol::error::{CommandError, MembershipProblem};
use crate::protocol::event::{RoleReason, TraceKind};
use crate::protocol::node::{Effects, Node, VoterChange};
use crate::protocol::record::Record;
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Time};
use crate::protocol::voters::{DirectoryId, Voter};

impl Node {
    /// The voter set in force may have changed (a VotersRecord appended or cut away, a snapshot
    /// loaded): take it, and move between voter and observer roles if this node's place changed.
    pub(crate) fn voters_changed(&mut self, now: Time, out: &mut Effects) {
        let set = self.voter_history.current();
        if **set == *self.voter_keys {
            return;
        }
        self.voter_keys = set.clone();
        self.voters = set.iter().map(|v| v.id).collect();
        out.trace.push(TraceKind::VotersChanged {
            node: self.id,
            voters: self.voters.iter().copied().collect(),
        });
        if !self.kind.runs_controller() {
            return;
        }
        let from = self.role;
        match (self.role, self.is_voter()) {
            (Role::Observer, true) => {
                if self.leader_id().is_some() {
                    // Same fetching, now with a vote: its fetch timeout now starts elections.
                    self.role = Role::Follower;
                    self.election.retries = 0;
                    self.fetch.has_fetched = false;
                    self.trace_role(from, RoleReason::AddedToVoters, out);
                } else {
                    self.leave_role(out);
                    self.role = Role::Unattached;
                    self.reset_election_timer(now, out);
                    self.trace_role(from, RoleReason::AddedToVoters, out);
                }
            }
            (Role::Follower, false) => {
                // Same fetching, no vote: a fetch timeout now means looking for the leader.
                self.role = Role::Observer;
                self.trace_role(from, RoleReason::RemovedFromVoters, out);
            }
            (Role::Unattached | Role::Prospective | Role::Candidate | Role::Resigned, false) => {
                self.become_observer(now, out);
            }
            (Role::Leader, _) => {
                if let Some(l) = self.leader.as_mut() {
                    for v in set.iter() {
                        l.progress.entry(v.id).or_default();
                    }
                }
                // A smaller or larger set can move the HW at once.
                self.maybe_advance_hw(now, out);
            }
            _ => {}
        }
    }

    /// A controller that is no voter (removed, or on a new disk) fetches like a broker.
    pub(crate) fn become_observer(&mut self, now: Time, out: &mut Effects) {
        let from = self.role;
        self.leave_role(out);
        self.role = Role::Observer;
        self.trace_role(from, RoleReason::RemovedFromVoters, out);
        self.start_observer(now, out);
    }

    /// Kafka's AddVoter: the replica (`id`, `dir`), as `kafka-metadata-quorum add-controller`
    /// reads it from that controller's own disk, joins if this leader sees it fetching as an
    /// observer from that disk and caught up.
    pub fn add_voter(
        &mut self,
        now: Time,
        id: NodeId,
        dir: DirectoryId,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        self.may_change_voters()?;
        let refuse = |p| Err(CommandError::Membership(p));
        if self.voters.contains(&id) {
            return refuse(MembershipProblem::AlreadyVoter(id));
        }
        let Some(l) = self.leader.as_ref() else {
            return Err(CommandError::NotLeader(self.id));
        };
        let fetching = l.progress.get(&id).filter(|p| {
            p.directory_id == Some(dir)
                && p.last_fetch
                    .is_some_and(|t| t + self.cfg.fetch_timeout_ms >= now)
        });
        let Some(end) = fetching.and_then(|p| p.end_offset) else {
            return refuse(MembershipProblem::NotAnObserver(id));
        };
        let hw = self.hw.unwrap_or(0);
        if end < hw {
            return refuse(MembershipProblem::NotCaughtUp { id, end, hw });
        }
        let mut voters: Vec<Voter> = self.voter_keys.to_vec();
        voters.push(Voter {
            id,
            directory_id: Some(dir),
        });
        voters.sort_by_key(|v| v.id);
        self.append_voters(now, voters, Some(id), None, out);
        Ok(())
    }

    /// Kafka's RemoveVoter. A leader may remove itself: it leads on until the removal commits.
    pub fn remove_voter(
        &mut self,
        now: Time,
        id: NodeId,
        out: &mut Effects,
    ) -> Result<(), CommandError> {
        self.may_change_voters()?;
        if !self.voters.contains(&id) {
            return Err(CommandError::Membership(MembershipProblem::NotAVoter(id)));
        }
        if self.voters.len() == 1 {
            return Err(CommandError::Membership(MembershipProblem::LastVoter(id)));
        }
        let voters = self
            .voter_keys
            .iter()
            .filter(|v| v.id != id)
            .copied()
            .collect();
        self.append_voters(now, voters, None, Some(id), out);
        Ok(())
    }

    /// Kafka's preconditions for any voter change: a dynamic quorum, this node leads and has
    /// committed in its own epoch, and the last change is committed.
    fn may_change_voters(&self) -> Result<(), CommandError> {
        if self.quorum.kraft_version == 0 {
            return Err(CommandError::Membership(MembershipProblem::StaticQuorum));
        }
        let Some(l) = self.leader.as_ref().filter(|_| self.role == Role::Leader) else {
            return Err(CommandError::NotLeader(self.id));
        };
        let hw = self.hw.unwrap_or(0);
        if hw <= l.epoch_start {
            return Err(CommandError::Membership(
                MembershipProblem::NotCommittedInEpoch,
            ));
        }
        let uncommitted = self.voter_history.latest_change().is_some_and(|o| o >= hw);
        if l.voter_change.is_some() || uncommitted {
            return Err(CommandError::Membership(MembershipProblem::ChangePending));
        }
        Ok(())
    }

    fn append_voters(
        &mut self,
        now: Time,
        voters: Vec<Voter>,
        added: Option<NodeId>,
        removed: Option<NodeId>,
        out: &mut Effects,
    ) {
        let offset = self.durable.log.end_offset();
        if let Some(l) = self.leader.as_mut() {
            l.voter_change = Some(VoterChange {
                offset,
                added,
                removed,
            });
        }
        self.leader_append(now, Record::Voters { voters }, out);
    }

    /// After the leader's HW moved: answer a voter change that committed, and resign if the
    /// committed set no longer holds this leader (it carries on as an observer).
    pub(crate) fn voter_change_maybe_committed(&mut self, now: Time, out: &mut Effects) {
        let hw = self.hw.unwrap_or(0);
        let Some(l) = self.leader.as_mut() else {
            return;
        };
        if let Some(c) = l.voter_change.filter(|c| c.offset < hw) {
            l.voter_change = None;
            out.trace.push(TraceKind::VoterChangeCommitted {
                node: self.id,
                offset: c.offset,
                added: c.added,
                removed: c.removed,
            });
        }
        let committed = self.voter_history.latest_change().is_none_or(|o| o < hw);
        if self.role == Role::Leader && committed && !self.is_voter() {
            self.resign(now, RoleReason::RemovedFromVoters, out);
        }
    }
}
