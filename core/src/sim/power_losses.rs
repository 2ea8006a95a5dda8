//! Which acknowledged records power losses took, so the data checks can tell a loss the
//! durability contract allows from a bug. Kafka acknowledges acks=all once every in-sync
//! replica has the record in its page cache, not on disk: when every replica holding a record
//! loses power before the OS writes it back, the record is gone and no rule was broken.

use crate::protocol::partition::PartitionKey;
use crate::protocol::partition_log::PartitionRecord;
use crate::protocol::types::NodeId;
use crate::sim::Simulation;
use std::collections::{BTreeMap, BTreeSet};

/// Per (partition, produce): the brokers that held one of its records when a power loss took
/// it from one of them, and the brokers that lost it to power.
#[derive(Clone, Debug, Default)]
pub struct PowerLosses {
    records: BTreeMap<(PartitionKey, u64), Holders>,
}

#[derive(Clone, Debug, Default)]
struct Holders {
    held: BTreeSet<NodeId>,
    lost: BTreeSet<NodeId>,
}

impl Simulation {
    /// `node` lost `gone` to a power loss: note who else held those produces then.
    pub(crate) fn note_power_loss(
        &mut self,
        node: NodeId,
        gone: &[(PartitionKey, Vec<PartitionRecord>)],
    ) {
        let mut notes = Vec::new();
        for (key, records) in gone {
            let produces: BTreeSet<u64> = records.iter().map(|r| r.produce).collect();
            for produce in produces {
                let held: Vec<NodeId> = self
                    .nodes()
                    .iter()
                    .filter(|n| {
                        n.node.partition_replicas().get(key).is_some_and(|r| {
                            r.log.may_hold(produce)
                                && r.log.records().iter().any(|x| x.produce == produce)
                        })
                    })
                    .map(|n| n.node.id)
                    .collect();
                notes.push(((*key, produce), held));
            }
        }
        for (at, held) in notes {
            let h = self.power_losses.records.entry(at).or_default();
            h.held.extend(held);
            h.held.insert(node);
            h.lost.insert(node);
        }
    }

    /// Whether produce `id` of partition `key` was taken by power losses alone: every broker
    /// that held it lost it to one.
    pub(crate) fn lost_to_power(&self, key: PartitionKey, id: u64) -> bool {
        self.power_losses
            .records
            .get(&(key, id))
            .is_some_and(|h| h.held.is_subset(&h.lost))
    }
}
