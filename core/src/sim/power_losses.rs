//! What power losses took, so the data checks can tell a loss the durability contract allows
//! from a bug. Kafka acknowledges acks=all once every in-sync replica has the record in its
//! page cache, not on disk. A replica that loses power before the OS writes the record back
//! comes back without it; if that replica leads again (every replica lost power, or, without
//! KIP-966's unclean shutdown handling, it was still in the ISR) the record is gone and no
//! rule was broken: the partition's history was rewritten from the first offset it lost.
//!
//! The other replicas may still hold the old history below their HW. Until such a replica has
//! heard from a leader again (a fetch answer: with leader epochs it truncates to the
//! divergence point first), or answered a fetch as the leader, what it holds says nothing yet;
//! after that its committed records are compared again from where the history was rewritten. A replica that keeps the old
//! records (before leader epochs) then diverges, and the check says so.

use crate::protocol::message::Message;
use crate::protocol::partition_log::PartitionRecord;
use crate::protocol::types::PartitionKey;
use crate::protocol::types::{NodeId, Offset};
use crate::sim::Simulation;
use std::collections::BTreeMap;

impl Simulation {
    /// `node` lost `gone` to a power loss; `hw_before` is each of its replicas' HW just before.
    pub(crate) fn note_power_loss(
        &mut self,
        node: NodeId,
        gone: &[(PartitionKey, Vec<PartitionRecord>)],
        hw_before: &BTreeMap<PartitionKey, Offset>,
    ) {
        for (key, records) in gone {
            for r in records {
                self.power_losses.records.insert((*key, r.produce));
            }
            let from = records.first().map_or(0, |r| r.offset);
            // Its own HW came back clamped to what is left: seen from here on.
            self.data_seen.recheck_from(node, *key, from);
            // Committed is what any replica's HW covers: a follower's own HW lags its leader's.
            let committed = self
                .nodes()
                .iter()
                .filter(|n| n.node.id != node)
                .filter_map(|n| n.node.partition_replicas().get(key).map(|r| r.hw))
                .chain(hw_before.get(key).copied())
                .max()
                .unwrap_or(0);
            if from >= committed {
                // Only uncommitted records went: the history others hold stands.
                continue;
            }
            let at = self.power_losses.short.entry((node, *key)).or_insert(from);
            *at = (*at).min(from);
            let others: Vec<NodeId> = self
                .nodes()
                .iter()
                .filter(|n| n.node.id != node && n.node.partition_replicas().contains_key(key))
                .map(|n| n.node.id)
                .collect();
            for other in others {
                let at = self
                    .power_losses
                    .unconfirmed
                    .entry((other, *key))
                    .or_insert(from);
                *at = (*at).min(from);
            }
        }
    }

    /// Whether a power loss took a record of produce `id` of partition `key` from a replica.
    pub(crate) fn lost_to_power(&self, key: PartitionKey, id: u64) -> bool {
        self.power_losses.records.contains(&(key, id))
    }

    /// Whether two replicas' different records at one offset are a leader epoch reused after a
    /// power loss, which ZooKeeper mode allows: a broker that lost committed records and becomes
    /// the controller as it comes back sees no bounce, and its failover hands it back the
    /// leadership in the epoch it had, so it writes new records in that epoch where the lost
    /// ones were. (In KRaft its re-registration fences it, and it leads again in a new epoch.)
    pub(crate) fn epoch_reused_after_power_loss(
        &self,
        key: PartitionKey,
        a: Option<&PartitionRecord>,
        b: Option<&PartitionRecord>,
    ) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return false;
        };
        self.mode() == crate::protocol::ClusterMode::Zookeeper
            && a.epoch == b.epoch
            && (self.lost_to_power(key, a.produce) || self.lost_to_power(key, b.produce))
    }

    /// Whether `node`'s replica of `key` still holds a history a power loss may have
    /// rewritten, unconfirmed by any leader since: the data checks leave it aside.
    pub(crate) fn unconfirmed_after_power_loss(&self, node: NodeId, key: &PartitionKey) -> bool {
        !self.power_losses.unconfirmed.is_empty()
            && self.power_losses.unconfirmed.contains_key(&(node, *key))
    }

    /// A partition state was written naming `leader`: if it is a replica short of committed
    /// records, the others' histories are unconfirmed from there until they hear from a
    /// leader (a replica that was away keeps the old records, still below its old HW, until
    /// its first fetch answer truncates them).
    pub(crate) fn note_leader_chosen(
        &mut self,
        leader: NodeId,
        key: PartitionKey,
        replicas: &[NodeId],
    ) {
        if self.power_losses.short.is_empty() {
            return;
        }
        let Some(from) = self.power_losses.short.remove(&(leader, key)) else {
            return;
        };
        for r in replicas.iter().copied().filter(|r| *r != leader) {
            let at = self
                .power_losses
                .unconfirmed
                .entry((r, key))
                .or_insert(from);
            *at = (*at).min(from);
        }
    }

    /// The partitions of a fetch answer on its way from `from` to node `i` that the follower
    /// will act on: it waits for this answer, follows `from` there in the answer's epoch, and
    /// the leader named no error. Asked before the node handles it (an answer it ignores, late
    /// or to a fetch it no longer waits for, confirms nothing).
    pub(crate) fn fetch_answer_taken(
        &self,
        i: usize,
        from: NodeId,
        msg: &Message,
    ) -> Vec<PartitionKey> {
        if self.power_losses.unconfirmed.is_empty() && self.power_losses.short.is_empty() {
            return Vec::new();
        }
        let Message::PartitionFetchResponse(r) = msg else {
            return Vec::new();
        };
        let Some(n) = self.nodes().get(i) else {
            return Vec::new();
        };
        let awaited = n
            .node
            .fetchers
            .get(&from)
            .is_some_and(|f| f.inflight.is_some_and(|(c, _)| c == r.correlation));
        if !awaited || r.error.is_some() {
            return Vec::new();
        }
        let id = n.node.id;
        r.partitions
            .iter()
            .filter(|d| d.error.is_none())
            .map(|d| (d.topic_id, d.partition))
            .filter(|key| {
                n.node.partition_replicas().get(key).is_some_and(|rep| {
                    rep.leader == Some(from)
                        && rep.leader != Some(id)
                        && r.partitions.iter().any(|d| {
                            (d.topic_id, d.partition) == *key && d.leader_epoch == rep.leader_epoch
                        })
                })
            })
            .collect()
    }

    /// A fetch answer went from `from` to `to`, which has handled it: for the partitions it
    /// took (`taken`), the follower's history is confirmed (after any truncation the answer
    /// caused; before leader epochs it may keep old records, and the checks then say so), to be
    /// checked again from where the history was rewritten, and a follower short of committed
    /// records now follows the leader's history. The leader's that answered is confirmed too
    /// (its log is the one the others follow).
    pub(crate) fn confirm_after_power_loss(
        &mut self,
        from: NodeId,
        to: NodeId,
        msg: &Message,
        taken: &[PartitionKey],
    ) {
        if self.power_losses.unconfirmed.is_empty() && self.power_losses.short.is_empty() {
            return;
        }
        let Message::PartitionFetchResponse(r) = msg else {
            return;
        };
        for key in taken {
            self.power_losses.short.remove(&(to, *key));
            if let Some(at) = self.power_losses.unconfirmed.remove(&(to, *key)) {
                self.data_seen.recheck_from(to, *key, at);
            }
        }
        for d in r.partitions.iter().filter(|d| d.error.is_none()) {
            let key = (d.topic_id, d.partition);
            if let Some(at) = self.power_losses.unconfirmed.remove(&(from, key)) {
                self.data_seen.recheck_from(from, key, at);
            }
        }
    }
}
