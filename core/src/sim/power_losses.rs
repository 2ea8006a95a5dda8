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
use crate::protocol::partition::PartitionKey;
use crate::protocol::partition_log::PartitionRecord;
use crate::protocol::types::{NodeId, Offset};
use crate::sim::Simulation;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default)]
pub struct PowerLosses {
    /// (partition, produce) pairs of which some replica lost a record to a power loss.
    records: BTreeSet<(PartitionKey, u64)>,
    /// Replicas of a rewritten partition that have not heard from a leader since, and the
    /// offset the history was rewritten from.
    unconfirmed: BTreeMap<(NodeId, PartitionKey), Offset>,
}

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
            if hw_before.get(key).is_none_or(|hw| from >= *hw) {
                // Only uncommitted records went: the history others hold stands.
                continue;
            }
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

    /// A message went from `from` to `to`: a fetch answer confirms the follower's history
    /// (after any truncation it caused), to be checked again from the rewritten offset, and
    /// the leader's that answered (its log is the one the others now follow).
    pub(crate) fn confirm_after_power_loss(&mut self, from: NodeId, to: NodeId, msg: &Message) {
        if self.power_losses.unconfirmed.is_empty() {
            return;
        }
        let Message::PartitionFetchResponse(r) = msg else {
            return;
        };
        for d in r.partitions.iter().filter(|d| d.error.is_none()) {
            let key = (d.topic_id, d.partition);
            for node in [from, to] {
                if let Some(at) = self.power_losses.unconfirmed.remove(&(node, key)) {
                    self.data_seen.recheck_from(node, key, at);
                }
            }
        }
    }
}
