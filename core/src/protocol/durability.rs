//! A broker's durability: the OS writes dirty pages back on the partitions tick, and a power
//! loss keeps only what reached the disk (the page cache itself is `page_cache`).

use crate::protocol::node::Node;
use crate::protocol::partition_record::PartitionRecord;
use crate::protocol::types::{PartitionKey, Time};

impl Node {
    /// The partitions tick: the OS writes back each replica's records dirty long enough.
    pub(crate) fn write_back_page_cache(&mut self, now: Time) {
        let interval = self.cfg.flush_interval_ms;
        for r in self.durable.partitions.values_mut() {
            r.log.write_back(now, interval);
        }
    }

    /// The power goes out at `now`: every replica keeps only what was on disk (its HW
    /// checkpoint is clamped to what is left, as Kafka does when it loads a log shorter than
    /// the checkpoint). Returns the records each replica lost.
    pub fn lose_power(&mut self, now: Time) -> Vec<(PartitionKey, Vec<PartitionRecord>)> {
        self.write_back_page_cache(now);
        let mut lost = Vec::new();
        for (key, r) in self.durable.partitions.iter_mut() {
            let gone = r.log.lose_unflushed();
            r.hw = r.hw.min(r.log.end_offset());
            if !gone.is_empty() {
                lost.push((*key, gone));
            }
        }
        lost
    }
}
