//! What metadata records and images weigh on disk, estimated by kind: Kafka sizes snapshot
//! cadence (`metadata.log.max.record.bytes.between.snapshots`) and FetchSnapshot chunks
//! (`MaxBytes`) in bytes, and the playground keeps no bytes, so it counts these instead.
//!
//! The figures are the order of Kafka's serialized records (ApiMessageAndVersion in a record
//! batch), not exact: a PartitionRecord with three replicas is about 100 bytes, and a record
//! appended on its own (a NoOp of the idle controller) carries a 61-byte batch header.

use crate::protocol::metadata::Image;
use crate::protocol::record::Record;

/// A batch header (61 bytes) around a small record: what the idle controller's NoOp, a
/// LeaderChange or a client record costs, each appended alone.
const LONE_RECORD: u64 = 80;
/// RegisterBrokerRecord: listeners, features, log directories.
const BROKER: u64 = 200;
/// BrokerRegistrationChangeRecord: an id, an epoch, a fence flag.
const BROKER_CHANGE: u64 = 40;
/// TopicRecord: a name and a 16-byte topic id (plus its ConfigRecords, small here).
const TOPIC: u64 = 40;
/// PartitionRecord: ids, replica, ISR and directory lists, epochs.
const PARTITION: u64 = 100;
/// PartitionChangeRecord: only what changed.
const PARTITION_CHANGE: u64 = 50;
/// A voter in a VotersRecord: id, directory id, endpoints.
const VOTER: u64 = 50;

/// The estimated size of one record in the metadata log.
pub fn record_bytes(record: &Record) -> u64 {
    match record {
        Record::Client | Record::LeaderChange { .. } | Record::NoOp => LONE_RECORD,
        Record::KRaftVersion { .. } => LONE_RECORD,
        Record::Voters { voters } => LONE_RECORD + VOTER * voters.len() as u64,
        Record::RegisterBroker { .. } => BROKER,
        Record::BrokerRegistrationChange { .. } => BROKER_CHANGE,
        Record::Topic { name, .. } => TOPIC + name.len() as u64,
        Record::Partition { .. } => PARTITION,
        Record::PartitionChange { .. } => PARTITION_CHANGE,
    }
}

/// The estimated size of a snapshot of `image`: one record per broker, topic and partition
/// (and the voter set), in a batch. Costs one step per topic, not per partition.
pub fn image_bytes(image: &Image) -> u64 {
    let voters = image
        .voters
        .as_ref()
        .map_or(0, |v| LONE_RECORD + VOTER * v.len() as u64);
    let topics: u64 = image
        .topics
        .values()
        .map(|t| TOPIC + t.name.len() as u64 + PARTITION * t.partitions.len() as u64)
        .sum();
    LONE_RECORD + BROKER * image.brokers.len() as u64 + topics + voters
}

/// Records a snapshot of `image` holds (what a record-counted chunk counts).
pub fn image_records(image: &Image) -> u64 {
    1 + image.brokers.len() as u64
        + image
            .topics
            .values()
            .map(|t| 1 + t.partitions.len() as u64)
            .sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::record::Entry;

    #[test]
    fn a_partition_weighs_about_a_hundred_bytes_and_an_image_its_records() {
        let mut image = Image::default();
        let topic = Record::Topic {
            name: "t".into(),
            topic_id: 1,
            config: Default::default(),
        };
        let entries = (0..1000u32)
            .map(|p| Record::partition(1, p, vec![101, 102, 103], vec![101, 102, 103], Some(101)));
        let mut logged = 0;
        for (offset, record) in std::iter::once(topic).chain(entries).enumerate() {
            logged += record_bytes(&record);
            image.apply(&Entry {
                offset: offset as u64,
                epoch: 1,
                record,
            });
        }
        assert_eq!(record_bytes(&Record::NoOp), 80);
        assert_eq!(image_records(&image), 1002);
        // The snapshot holds what the log's records hold, plus its own header.
        assert_eq!(image_bytes(&image), logged + LONE_RECORD);
        assert!((100_000..110_000).contains(&image_bytes(&image)));
    }
}
