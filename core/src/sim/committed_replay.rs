//! The committed metadata log replayed into an image, with a fingerprint of the image after
//! each applied offset: what every node's image and every snapshot must equal at its offset.
//! The fingerprint is a sum kept up to date record by record, so 100,000 partitions are not
//! hashed again after every record.

use crate::protocol::metadata::Image;
use crate::protocol::record::Entry;
use crate::protocol::types::Offset;
use crate::sim::shared::SharedVec;
use std::hash::{Hash, Hasher};

/// The replay of the committed prefix, with a fingerprint of the image after each applied offset
/// from `base` on: what every node's image and every snapshot must equal at its offset.
#[derive(Clone, Debug)]
pub(crate) struct Replay {
    pub(crate) image: Image,
    /// The image's broker, topic and partition terms (see `fingerprint`), kept up to date.
    items: u64,
    pub(crate) base: Offset,
    fingerprints: SharedVec<u64>,
}

impl Replay {
    pub(crate) fn new() -> Self {
        let image = Image::default();
        let mut fingerprints = SharedVec::default();
        fingerprints.push(fingerprint(&image));
        Replay {
            items: items(&image),
            image,
            base: 0,
            fingerprints,
        }
    }

    pub(crate) fn push(&mut self, entry: &Entry) {
        let before = touched(&self.image, &entry.record);
        self.image.apply(entry);
        let after = touched(&self.image, &entry.record);
        self.items = self.items.wrapping_sub(before).wrapping_add(after);
        self.fingerprints
            .push(head(&self.image).wrapping_add(self.items));
    }

    /// The replay's fingerprint after applying everything below `applied`, if still kept.
    pub(crate) fn at(&self, applied: Offset) -> Option<u64> {
        let i = applied.checked_sub(self.base)?;
        self.fingerprints.get(usize::try_from(i).ok()?).copied()
    }

    /// Below every node's log start no image or snapshot can stand again: forget it.
    pub(crate) fn forget_below(&mut self, offset: Offset) {
        if let Some(i) = offset
            .checked_sub(self.base)
            .and_then(|i| usize::try_from(i).ok())
        {
            self.base += self.fingerprints.forget_below(i) as Offset;
        }
    }
}

/// FNV-1a. A fingerprint is only compared with others of the same run, so a small hash will do
/// (std's SipHash would add its code to the page's wasm for no gain).
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// An image's fingerprint: the applied offset and voters, plus a sum with one term per broker,
/// topic and partition. A sum, so the replay keeps it up to date in one step a record (a record
/// changes one of them) instead of hashing 100,000 partitions after every record.
pub(crate) fn fingerprint(image: &Image) -> u64 {
    head(image).wrapping_add(items(image))
}

fn head(image: &Image) -> u64 {
    term(&(image.applied_offset, &image.voters))
}

fn items(image: &Image) -> u64 {
    let brokers = image
        .brokers
        .values()
        .fold(0u64, |d, b| d.wrapping_add(term(&(0u8, b))));
    image
        .topics
        .values()
        .fold(brokers, |d, t| d.wrapping_add(topic_terms(t)))
}

fn topic_terms(t: &crate::protocol::metadata::TopicState) -> u64 {
    t.partitions
        .iter()
        .fold(term(&(1u8, t.topic_id, &t.name, &t.config)), |d, p| {
            d.wrapping_add(term(&(2u8, t.topic_id, p)))
        })
}

/// The terms of what `record` may change in `image`, as they stand.
fn touched(image: &Image, record: &crate::protocol::record::Record) -> u64 {
    use crate::protocol::record::Record;
    match record {
        Record::RegisterBroker { broker, .. } | Record::BrokerRegistrationChange { broker, .. } => {
            image.brokers.get(broker).map_or(0, |b| term(&(0u8, b)))
        }
        // A topic record replaces the topic and drops its partitions.
        Record::Topic { topic_id, .. } => image.topics.get(topic_id).map_or(0, topic_terms),
        r @ (Record::Partition { .. } | Record::PartitionChange { .. }) => r
            .partition_key()
            .and_then(|(topic_id, partition)| {
                let p = image.partition(topic_id, partition)?;
                Some(term(&(2u8, topic_id, p)))
            })
            .unwrap_or(0),
        // In the head (voters), or nothing the image holds.
        Record::Voters { .. }
        | Record::Client
        | Record::LeaderChange { .. }
        | Record::NoOp
        | Record::KRaftVersion { .. } => 0,
    }
}

/// One term: FNV-1a, then a finaliser (splitmix64's), so that sums of terms do not cancel.
fn term(item: &impl Hash) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    item.hash(&mut h);
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod replay_fingerprint {
    use super::*;
    use crate::protocol::record::{PartitionChangeRecord, Record, TopicConfig};
    use crate::protocol::types::NodeId;

    fn entry(offset: Offset, record: Record) -> Entry {
        Entry {
            offset,
            epoch: 1,
            record,
        }
    }

    /// The replay's running fingerprint equals hashing the image from scratch after every kind
    /// of record, a topic written again over its partitions included.
    #[test]
    fn the_running_sum_equals_the_fingerprint_from_scratch() {
        let topic = |name: &str| Record::Topic {
            name: name.into(),
            topic_id: 7,
            config: TopicConfig::default(),
        };
        let partition = |p: u32, leader: Option<NodeId>| {
            Record::partition(7, p, vec![101, 102], vec![101, 102], leader)
        };
        let records = vec![
            Record::RegisterBroker {
                broker: 101,
                incarnation: 1,
            },
            Record::RegisterBroker {
                broker: 102,
                incarnation: 1,
            },
            Record::BrokerRegistrationChange {
                broker: 101,
                fenced: false,
            },
            topic("a"),
            partition(1, Some(101)),
            partition(0, Some(102)),
            Record::PartitionChange(Box::new(PartitionChangeRecord {
                topic_id: 7,
                partition: 0,
                isr: vec![101],
                elr: vec![],
                leader: Some(101),
                last_known_leader: None,
                recovering: false,
            })),
            partition(1, None),
            Record::NoOp,
            topic("b"),
            partition(2, Some(102)),
            // Names a topic that is not there: the image ignores it, and so does the sum.
            Record::PartitionChange(Box::new(PartitionChangeRecord {
                topic_id: 9,
                partition: 0,
                isr: vec![],
                elr: vec![],
                leader: None,
                last_known_leader: None,
                recovering: false,
            })),
        ];
        let mut replay = Replay::new();
        let mut seen = vec![fingerprint(&replay.image)];
        for (i, r) in records.into_iter().enumerate() {
            replay.push(&entry(i as Offset, r));
            assert_eq!(
                replay.at(i as Offset + 1),
                Some(fingerprint(&replay.image)),
                "after record {i}"
            );
            seen.push(fingerprint(&replay.image));
        }
        // Every step changed the image, and so its fingerprint.
        let distinct: std::collections::BTreeSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len());
    }
}
