//! What the data-plane checks remember between steps: each replica and partition state as last
//! seen, the losses already told, and what power losses took (`data_checks`, `power_losses`).

use crate::protocol::types::PartitionKey;
use crate::protocol::types::{NodeId, Offset};
use foldhash::fast::FixedState;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the data checks remember between steps.
#[derive(Clone, Debug, Default)]
pub struct DataSeen {
    /// Each replica's HW as last seen, how far its committed records were checked against the
    /// others, and its HW while it leads (looked up after most events: hashed, not a tree).
    pub(super) replicas: HashMap<(NodeId, PartitionKey), ReplicaSeen, FixedState>,
    /// Produces already reported lost.
    pub(super) lost: BTreeSet<u64>,
    /// Produces whose allowed loss was already told as a RecordsLost event.
    pub(super) told_lost: BTreeSet<u64>,
    /// Partitions whose leader was chosen uncleanly (unclean election, last known leader): their
    /// acknowledged records are no longer promised. Per partition: an unclean election on one
    /// partition excuses no loss on another.
    pub(super) unclean_elected: BTreeSet<PartitionKey>,
    /// Per partition, its newest unclean election: who it left behind.
    pub(super) left_behind: BTreeMap<PartitionKey, LeftBehind>,
    /// The partition states written, by topic name and then by partition number (an index: a
    /// map entry per partition of a 100,000-partition topic cost several times as much).
    pub(super) states: BTreeMap<String, Vec<StateSeen>>,
}

/// One partition's states as written so far.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StateSeen {
    /// The newest state written (metadata offset, or zxid in ZooKeeper mode): a state at or
    /// below it is an old one written again (a controller replaying its log).
    pub(super) written: Option<Offset>,
    /// The newest leader epoch written and its leader: a state with a higher epoch and another
    /// leader is an election (an old state written again is not).
    pub(super) elected: Option<(u32, Option<NodeId>)>,
}

/// The replicas an unclean election left behind: every one but the leader it chose. They may
/// hold records the new leader does not, even below their own HW, until they fetch from it;
/// a replica back in the ISR has (the leader proposes only followers that caught up with it).
#[derive(Clone, Debug, Default, Hash)]
pub(super) struct LeftBehind {
    /// The leader epoch of that election (a state written again later does not reset it).
    pub(super) leader_epoch: u32,
    pub(super) replicas: BTreeSet<NodeId>,
}

/// One replica as the data checks last saw it (None: not seen yet, taken as 0).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ReplicaSeen {
    pub(super) hw: Option<Offset>,
    pub(super) checked: Option<Offset>,
    /// While it leads: its leader epoch and HW (a follower's HW may go back after a leader
    /// change, as in Kafka; a leader's never does within its epoch).
    pub(super) led: Option<(u32, Offset)>,
}

impl DataSeen {
    /// A power loss rewrote this partition's history from `from`: `node`'s replica is
    /// compared again from there, and its HW is seen afresh (it may have gone back).
    pub(crate) fn recheck_from(&mut self, node: NodeId, key: PartitionKey, from: Offset) {
        if let Some(r) = self.replicas.get_mut(&(node, key)) {
            r.hw = None;
            r.checked = r.checked.map(|c| c.min(from));
        }
    }

    /// What decides later data-plane verdicts (the explorer's state hash): the HWs in key
    /// order, hashed as the ordered map they once were, and the partitions' histories.
    pub(crate) fn fingerprint(&self, h: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        let mut hw: Vec<((NodeId, PartitionKey), Offset)> = self
            .replicas
            .iter()
            .filter_map(|(key, r)| Some((*key, r.hw?)))
            .collect();
        hw.sort_unstable();
        (&hw, &self.lost, &self.unclean_elected, &self.left_behind).hash(h);
        // The elections as the map keyed by (topic, partition) they once were hashes: its
        // length, then each entry in key order.
        let elected = || {
            self.states.iter().flat_map(|(topic, states)| {
                states
                    .iter()
                    .enumerate()
                    .filter_map(move |(p, s)| Some(((topic.as_str(), p as u32), s.elected?)))
            })
        };
        h.write_usize(elected().count());
        for e in elected() {
            e.hash(h);
        }
    }

    /// The partition's states written so far, to note another (always Some).
    pub(super) fn state_seen(&mut self, topic: &str, partition: u32) -> Option<&mut StateSeen> {
        // Looked up by &str first: the name is copied once per topic, not once per event.
        if !self.states.contains_key(topic) {
            self.states.insert(topic.to_string(), Vec::new());
        }
        let states = self.states.get_mut(topic)?;
        let i = partition as usize;
        if states.len() <= i {
            states.resize(i + 1, StateSeen::default());
        }
        states.get_mut(i)
    }

    /// Whether an unclean election left this replica behind and it has not rejoined the ISR.
    pub(super) fn is_left_behind(&self, node: NodeId, key: &PartitionKey) -> bool {
        self.left_behind
            .get(key)
            .is_some_and(|b| b.replicas.contains(&node))
    }
}

#[derive(Clone, Debug, Default)]
pub struct PowerLosses {
    /// (partition, produce) pairs of which some replica lost a record to a power loss.
    pub(super) records: BTreeSet<(PartitionKey, u64)>,
    /// Replicas of a rewritten partition that have not heard from a leader since, and the
    /// offset the history was rewritten from.
    pub(super) unconfirmed: BTreeMap<(NodeId, PartitionKey), Offset>,
    /// Replicas that lost committed records and have not fetched them back, and the first
    /// offset lost: if one is chosen to lead (ZooKeeper mode keeps it in the ISR), its shorter
    /// history becomes the partition's, however long after the loss.
    pub(super) short: BTreeMap<(NodeId, PartitionKey), Offset>,
}
