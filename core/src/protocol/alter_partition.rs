//! AlterPartition at the active controller (Kafka's
//! `ReplicationControlManager.alterPartition` and `validateAlterPartitionData`): a partition
//! leader's ISR change is checked against the controller's newest state, uncommitted changes
//! included, in Kafka's order, then written as a PartitionChange; the answer goes out once it
//! commits and carries the partition epoch it made, so the leader knows which state it has.

use crate::protocol::message::{AlterPartitionRequest, AlterPartitionResponse, ErrorCode, Message};
use crate::protocol::metadata::{Image, PartitionState};
use crate::protocol::node::{Effects, Node};
use crate::protocol::partition_election::{change, Election, PartitionChange};
use crate::protocol::types::{NodeId, Time};

/// Why the controller refuses the request, in Kafka's order, or None to apply it.
fn refusal(
    image: &Image,
    p: &PartitionState,
    from: NodeId,
    req: &AlterPartitionRequest,
) -> Option<ErrorCode> {
    // A leader that knows a newer state than this controller: it is likely not the active
    // controller any more.
    if req.leader_epoch > p.leader_epoch || req.partition_epoch > p.partition_epoch {
        return Some(ErrorCode::NotController);
    }
    if req.leader_epoch < p.leader_epoch {
        return Some(ErrorCode::FencedLeaderEpoch);
    }
    if p.leader != Some(from) {
        return Some(ErrorCode::InvalidRequest);
    }
    // Built on an older state: a late request must not undo a newer change.
    if req.partition_epoch < p.partition_epoch {
        return Some(ErrorCode::InvalidUpdateVersion);
    }
    let mut seen = Vec::with_capacity(req.isr.len());
    for b in &req.isr {
        if !p.replicas.contains(b) || seen.contains(b) {
            return Some(ErrorCode::InvalidRequest);
        }
        seen.push(*b);
    }
    if !req.isr.contains(&from) {
        return Some(ErrorCode::InvalidRequest);
    }
    // KIP-841 / KIP-903: every member registered, unfenced and of the broker epoch the
    // leader saw it fetch with (-1, left out here, is not checked).
    let ineligible = req.isr.iter().any(|b| match image.brokers.get(b) {
        None => true,
        Some(reg) => {
            reg.fenced
                || req
                    .broker_epochs
                    .iter()
                    .any(|(m, e)| m == b && *e != reg.epoch)
        }
    });
    ineligible.then_some(ErrorCode::IneligibleReplica)
}

impl Node {
    /// The active controller takes an ISR change from the partition's current leader. The reply
    /// goes out once the PartitionChange record commits; a refusal goes out at once.
    pub(crate) fn on_alter_partition(
        &mut self,
        now: Time,
        from: NodeId,
        req: &AlterPartitionRequest,
        out: &mut Effects,
    ) {
        let key = (req.topic_id, req.partition);
        let mut reply = AlterPartitionResponse {
            correlation: req.correlation,
            topic_id: key.0,
            partition: key.1,
            leader_epoch: req.leader_epoch,
            partition_epoch: req.partition_epoch,
            isr: Vec::new(),
            error: None,
        };
        if self.controller.is_none() {
            reply.error = Some(ErrorCode::NotController);
            out.sends
                .push((from, Message::AlterPartitionResponse(reply)));
            return;
        }
        // An answer read from the pending image waits until everything appended so far has
        // committed, as Kafka's controller completes a write that made no records: a refusal
        // that quoted an uncommitted partition epoch a failover then erased would leave the
        // leader waiting for metadata that never comes.
        let last_appended = self.durable.log.end_offset().saturating_sub(1);
        let refuse =
            |node: &mut Self, error, mut reply: AlterPartitionResponse, out: &mut Effects| {
                reply.error = Some(error);
                node.await_commit(
                    last_appended,
                    from,
                    Message::AlterPartitionResponse(reply),
                    out,
                );
            };
        let pending = self.pending_image();
        let (Some(t), Some(p)) = (pending.topics.get(&key.0), pending.partition(key.0, key.1))
        else {
            return refuse(self, ErrorCode::UnknownTopicOrPartition, reply, out);
        };
        reply.leader_epoch = p.leader_epoch;
        reply.partition_epoch = p.partition_epoch;
        reply.isr = p.isr.clone();
        if let Some(error) = refusal(&pending, p, from, req) {
            return refuse(self, error, reply, out);
        }
        // The new ISR through the same rule as every other change (it may fill or clear the
        // ELR); a leader that asks has recovered (leader recovery state RECOVERED).
        let rules = self.change_rules(t, p);
        let may_lead = |r: NodeId| pending.is_unfenced(r);
        let mut current = p.isr.clone();
        current.sort_unstable();
        let mut asked = req.isr.clone();
        asked.sort_unstable();
        let target = if asked == current {
            p.isr.clone()
        } else {
            req.isr.clone()
        };
        let mut next = change(p, target, may_lead, None, Election::Online, rules);
        if p.recovering {
            let c = next.get_or_insert_with(|| PartitionChange {
                isr: p.isr.clone(),
                elr: p.elr.clone(),
                leader: p.leader,
                last_known_leader: p.last_known_leader,
                recovering: true,
                unclean: false,
            });
            c.recovering = false;
        }
        // Nothing to change: the answer is the state as it stands.
        let Some(next) = next else {
            let reply = Message::AlterPartitionResponse(reply);
            return self.await_commit(last_appended, from, reply, out);
        };
        // What the record makes of the partition when replayed.
        if next.leader != p.leader {
            reply.leader_epoch += 1;
        }
        reply.partition_epoch += 1;
        reply.isr = next.isr.clone();
        let offset = self.write_change(now, key.0, key.1, next, out);
        self.await_commit(offset, from, Message::AlterPartitionResponse(reply), out);
    }
}
