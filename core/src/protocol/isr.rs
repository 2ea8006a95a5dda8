//! The partition leader's side of the ISR (Kafka's `Partition`: `maybeExpandIsr`,
//! `maybeShrinkIsr`, `maybeIncrementLeaderHW`, `submitAlterPartition` and its answers).
//!
//! The leader acts on the ISR and partition epoch it last knew committed, from the metadata or
//! from the controller's answer, whichever is newer. At most one change is in flight: an
//! expansion by one follower, proposed only on that follower's fetch once it holds the HW and
//! the current leader epoch's start and is eligible (unfenced, of the broker epoch the metadata
//! has); or a shrink by the members not caught up within `replica_lag_time_max_ms`, looked for
//! every half of it. The request carries the partition epoch it was built on and each member's
//! broker epoch, so the controller refuses one that arrives after a newer change.

use crate::protocol::follower_state::FollowerState;
use crate::protocol::message::{AlterPartitionRequest, AlterPartitionResponse, ErrorCode, Message};
use crate::protocol::metadata::Image;
use crate::protocol::node::{Effects, Node};
use crate::protocol::replica::produce_answer;
use crate::protocol::types::PartitionKey;
use crate::protocol::types::{NodeId, Offset, Time};

// The pending change is a plain type (replica.rs, beside the replica that holds it); its old
// path still names it.
pub use crate::protocol::replica::PendingIsrChange;

/// Whether `broker` may be in the ISR as the leader's metadata shows it (Kafka's
/// `isReplicaIsrEligible`): in KRaft unfenced and fetching with the broker epoch the metadata
/// has; in ZooKeeper mode alive.
fn isr_eligible(image: &Image, zookeeper: bool, broker: NodeId, f: &FollowerState) -> bool {
    let Some(b) = image.brokers.get(&broker) else {
        return false;
    };
    if zookeeper {
        return true;
    }
    f.leo.is_some() && !b.fenced && f.broker_epoch.is_none_or(|e| e == b.epoch)
}

/// The effective min ISR: the topic's (else the cluster's) min.insync.replicas, at most the
/// replication factor (Kafka's `effectiveMinIsr`).
pub(crate) fn effective_min_isr(image: &Image, default: u32, key: PartitionKey) -> usize {
    let topic = image.topics.get(&key.0);
    let min = topic
        .and_then(|t| t.config.min_insync_replicas)
        .unwrap_or(default) as usize;
    let rf = topic
        .and_then(|t| t.partition(key.1))
        .map_or(0, |p| p.replicas.len());
    min.min(rf)
}

impl Node {
    /// The HW as Kafka's `maybeIncrementLeaderHW` moves it: the smallest LEO across the
    /// maximal ISR and every caught-up, eligible follower about to join it (KAFKA-15021:
    /// otherwise a follower under steady load could never reach the HW and rejoin). With
    /// strict min ISR (Kafka 3.7+) it stands still while the ISR is below min ISR. It never
    /// moves back. Held acks=all produces are answered once it passes their records.
    pub(crate) fn advance_partition_hw(&mut self, now: Time, key: PartitionKey, out: &mut Effects) {
        let min_isr = effective_min_isr(&self.image, self.cfg.min_insync_replicas, key);
        let strict = self.cfg.strict_min_isr;
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let zookeeper = self.zk.is_some();
        let id = self.id;
        let image = &self.image;
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        if r.leader != Some(id) {
            return;
        }
        let leo = r.leo();
        let joining = r.pending_isr.as_ref().and_then(|p| p.joining);
        if !(strict && r.isr.len() < min_isr) {
            let mut hw = leo;
            for (b, f) in &r.followers {
                let at = f.leo_or_zero();
                if at < hw
                    && (r.isr.contains(b)
                        || joining == Some(*b)
                        || (f.is_caught_up(leo, now, lag_max)
                            && isr_eligible(image, zookeeper, *b, f)))
                {
                    hw = at;
                }
            }
            if hw > r.hw {
                r.hw = hw;
                out.trace
                    .push(crate::protocol::event::TraceKind::PartitionHighWatermark {
                        node: id,
                        topic_id: key.0,
                        partition: key.1,
                        hw,
                    });
            }
        }
        // acks=all: acknowledged once every record is below the HW; had the ISR fallen below
        // min ISR by then (only possible without strict min ISR), Kafka answers
        // NOT_ENOUGH_REPLICAS_AFTER_APPEND (`checkEnoughReplicasReachOffset`).
        let hw = r.hw;
        let maximal = r.isr.len() + usize::from(joining.is_some_and(|j| !r.isr.contains(&j)));
        let error = (maximal < min_isr).then_some(ErrorCode::NotEnoughReplicasAfterAppend);
        r.purgatory.retain(|p| {
            if p.end <= hw {
                let base = error.is_none().then_some(p.base_offset);
                out.sends.push(produce_answer(p, key, base, error));
                false
            } else {
                true
            }
        });
    }

    /// After a follower's fetch moved what the leader knows of it: ask for it to join the ISR
    /// if it now may (Kafka's `maybeExpandIsr`).
    pub(crate) fn maybe_expand_isr(
        &mut self,
        now: Time,
        key: PartitionKey,
        follower: NodeId,
        out: &mut Effects,
    ) {
        let zookeeper = self.zk.is_some();
        let Some(r) = self.durable.partitions.get(&key) else {
            return;
        };
        if r.pending_isr.is_some() || r.isr.contains(&follower) {
            return;
        }
        let Some(f) = r.followers.get(&follower) else {
            return;
        };
        let epoch_start = r
            .log
            .epochs()
            .iter()
            .find(|(e, _)| *e == r.leader_epoch)
            .map_or(0, |(_, start)| *start);
        let leo = f.leo_or_zero();
        let in_sync = f.leo.is_some() && leo >= r.hw && leo >= epoch_start;
        if !in_sync || !isr_eligible(&self.image, zookeeper, follower, f) {
            return;
        }
        let mut isr = r.isr.clone();
        isr.push(follower);
        isr.sort_unstable();
        self.submit_isr_change(now, key, Some(follower), isr, out);
    }

    /// Every half `replica_lag_time_max_ms`: ask to drop the ISR members not caught up within
    /// it (Kafka's `maybeShrinkIsr`). Nothing while a change is in flight.
    pub(crate) fn maybe_shrink_isr(&mut self, now: Time, key: PartitionKey, out: &mut Effects) {
        let lag_max = self.cfg.replica_lag_time_max_ms;
        let id = self.id;
        let Some(r) = self.durable.partitions.get(&key) else {
            return;
        };
        if r.leader != Some(id) || r.pending_isr.is_some() {
            return;
        }
        let leo = r.leo();
        let out_of_sync = |b: &&NodeId| {
            **b != id
                && r.followers
                    .get(b)
                    .is_none_or(|f| !f.is_caught_up(leo, now, lag_max))
        };
        if !r.isr.iter().any(|b| out_of_sync(&b)) {
            return;
        }
        let isr: Vec<NodeId> = r.isr.iter().filter(|b| !out_of_sync(b)).copied().collect();
        self.submit_isr_change(now, key, None, isr, out);
    }

    /// Builds the AlterPartition on the partition state the leader has and sends it.
    fn submit_isr_change(
        &mut self,
        now: Time,
        key: PartitionKey,
        joining: Option<NodeId>,
        isr: Vec<NodeId>,
        out: &mut Effects,
    ) {
        let correlation = self.correlation();
        let own_epoch = self.broker.registered.filter(|_| self.zk.is_none());
        let id = self.id;
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        let broker_epochs = isr
            .iter()
            .filter_map(|b| {
                let epoch = if *b == id {
                    own_epoch
                } else {
                    r.followers.get(b).and_then(|f| f.broker_epoch)
                };
                Some((*b, epoch?))
            })
            .collect();
        let request = AlterPartitionRequest {
            correlation,
            topic_id: key.0,
            partition: key.1,
            leader_epoch: r.leader_epoch,
            partition_epoch: r.partition_epoch,
            isr,
            broker_epochs,
        };
        // Boxed: rare, and every replica of a broker carries the field.
        r.pending_isr = Some(Box::new(PendingIsrChange {
            joining,
            request,
            resend_at: Some(now),
        }));
        self.resend_isr_change(now, key, out);
    }

    /// Sends the change in flight if it is due (first send, or no answer within the request
    /// timeout) and a controller is known.
    pub(crate) fn resend_isr_change(&mut self, now: Time, key: PartitionKey, out: &mut Effects) {
        let timeout = self.cfg.request_timeout_ms;
        let Some(controller) = self.alter_partition_target() else {
            return;
        };
        let Some(p) = self
            .durable
            .partitions
            .get_mut(&key)
            .and_then(|r| r.pending_isr.as_mut())
        else {
            return;
        };
        if p.resend_at.is_some_and(|t| now >= t) {
            p.resend_at = Some(now + timeout);
            out.sends
                .push((controller, Message::AlterPartition(p.request.clone())));
        }
    }

    /// The controller's answer to the change in flight (Kafka's `handleAlterPartitionUpdate`
    /// and `handleAlterPartitionError`). An answer to another request is ignored.
    pub(crate) fn on_alter_partition_response(
        &mut self,
        now: Time,
        resp: &AlterPartitionResponse,
        out: &mut Effects,
    ) {
        let key = (resp.topic_id, resp.partition);
        let Some(r) = self.durable.partitions.get_mut(&key) else {
            return;
        };
        let Some(p) = r
            .pending_isr
            .as_mut()
            .filter(|p| p.request.correlation == resp.correlation)
        else {
            return;
        };
        match resp.error {
            None => {
                // An answer about another leader epoch, or older than what the leader already
                // knows, says nothing about its state: new metadata will.
                if resp.leader_epoch != r.leader_epoch || resp.partition_epoch < r.partition_epoch {
                    p.resend_at = None;
                    return;
                }
                r.isr = resp.isr.clone();
                r.partition_epoch = resp.partition_epoch;
                r.pending_isr = None;
                self.advance_partition_hw(now, key, out);
            }
            // The controller says the state it has is the one the leader built on and the
            // request was not applied: back to the last committed ISR.
            Some(ErrorCode::IneligibleReplica) => r.pending_isr = None,
            // The request was built on a stale state (or the partition is gone): wait for
            // the metadata to show the newer one; the next change is built on it.
            Some(
                ErrorCode::InvalidUpdateVersion
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::InvalidRequest,
            ) => p.resend_at = None,
            // NOT_CONTROLLER and the like: try again, to whoever is controller then.
            Some(_) => p.resend_at = Some(now),
        }
    }
}

/// The leader's follower states when it takes over a partition in a new leader epoch.
pub(crate) fn followers_for_new_epoch(
    previous: Option<std::collections::BTreeMap<NodeId, FollowerState>>,
    replicas: &[NodeId],
    isr: &[NodeId],
    me: NodeId,
    now: Time,
    epoch_start: Offset,
) -> std::collections::BTreeMap<NodeId, FollowerState> {
    replicas
        .iter()
        .filter(|b| **b != me)
        .map(|b| {
            let in_sync = isr.contains(b);
            let state = match previous.as_ref().and_then(|p| p.get(b)) {
                Some(f) => {
                    let mut f = f.clone();
                    f.re_elected(now, epoch_start, in_sync);
                    f
                }
                None => FollowerState::new_leadership(now, in_sync),
            };
            (*b, state)
        })
        .collect()
}
