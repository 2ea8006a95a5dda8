//! The data plane's safety properties, checked after every event like the quorum's: no
//! acknowledged acks=all record lost, none acknowledged before min(min ISR, replication factor)
//! replicas held it, no two replicas with different committed records at one offset, no
//! partition led from outside its ISR, no partition state written with an ISR or ELR member that
//! lacks a committed record, no leader's HW going back within its epoch.
//! Losses Kafka allows (acks 0 and 1 after a failover, a leader chosen uncleanly) are not
//! violations: they show in the produce's `lost` list. A leader is chosen uncleanly by unclean
//! election where the topic allows it, or by KIP-966's last-known-leader rule, which Kafka 4.x
//! applies even with unclean election off once the ISR and ELR are empty; after either, that
//! partition's acknowledged records are no longer promised. Its replicas must still agree: the
//! replicas such an election leaves behind may hold other records below their HW only until they
//! have fetched from the new leader (truncating at the DivergingEpoch), which they have once
//! they are back in the ISR.

use crate::protocol::event::{LossReason, TraceKind};
use crate::protocol::message::{Message, PartitionFetchBody, ProduceResponse};
use crate::protocol::partition::{Acks, PartitionKey, Replica};
use crate::protocol::producer::ProduceStatus;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::sim::invariants::{Breach, Touched, Violation};
use crate::sim::Simulation;
use foldhash::fast::FixedState;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the data checks remember between steps.
#[derive(Clone, Debug, Default)]
pub struct DataSeen {
    /// Each replica's HW as last seen, how far its committed records were checked against the
    /// others, and its HW while it leads (looked up after most events: hashed, not a tree).
    replicas: HashMap<(NodeId, PartitionKey), ReplicaSeen, FixedState>,
    /// Produces already reported lost.
    lost: BTreeSet<u64>,
    /// Produces whose allowed loss was already told as a RecordsLost event.
    told_lost: BTreeSet<u64>,
    /// Partitions whose leader was chosen uncleanly (unclean election, last known leader): their
    /// acknowledged records are no longer promised. Per partition: an unclean election on one
    /// partition excuses no loss on another.
    unclean_elected: BTreeSet<PartitionKey>,
    /// Per partition, its newest unclean election: who it left behind.
    left_behind: BTreeMap<PartitionKey, LeftBehind>,
    /// The partition states written, by topic name and then by partition number (an index: a
    /// map entry per partition of a 100,000-partition topic cost several times as much).
    states: BTreeMap<String, Vec<StateSeen>>,
}

/// One partition's states as written so far.
#[derive(Clone, Copy, Debug, Default)]
struct StateSeen {
    /// The newest state written (metadata offset, or zxid in ZooKeeper mode): a state at or
    /// below it is an old one written again (a controller replaying its log).
    written: Option<Offset>,
    /// The newest leader epoch written and its leader: a state with a higher epoch and another
    /// leader is an election (an old state written again is not).
    elected: Option<(u32, Option<NodeId>)>,
}

/// The replicas an unclean election left behind: every one but the leader it chose. They may
/// hold records the new leader does not, even below their own HW, until they fetch from it;
/// a replica back in the ISR has (the leader proposes only followers that caught up with it).
#[derive(Clone, Debug, Default, Hash)]
struct LeftBehind {
    /// The leader epoch of that election (a state written again later does not reset it).
    leader_epoch: u32,
    replicas: BTreeSet<NodeId>,
}

/// One replica as the data checks last saw it (None: not seen yet, taken as 0).
#[derive(Clone, Copy, Debug, Default)]
struct ReplicaSeen {
    hw: Option<Offset>,
    checked: Option<Offset>,
    /// While it leads: its leader epoch and HW (a follower's HW may go back after a leader
    /// change, as in Kafka; a leader's never does within its epoch).
    led: Option<(u32, Offset)>,
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
    fn state_seen(&mut self, topic: &str, partition: u32) -> Option<&mut StateSeen> {
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
    fn is_left_behind(&self, node: NodeId, key: &PartitionKey) -> bool {
        self.left_behind
            .get(key)
            .is_some_and(|b| b.replicas.contains(&node))
    }
}

fn violation(now: Time, invariant: &'static str, breach: Breach) -> Violation {
    Violation {
        time_ms: now,
        invariant,
        detail: breach.to_string(),
        breach,
    }
}

/// The first offset below `holder`'s HW whose record `member` does not hold as the holder does
/// (a member without the partition holds nothing). Offsets the holder itself no longer holds
/// (deleted, or lost with unflushed data) are not compared.
fn first_missing(holder: &Replica, member: Option<&Replica>) -> Option<Offset> {
    let from = holder
        .log
        .start_offset()
        .max(member.map_or(0, |m| m.log.start_offset()));
    for offset in from..holder.hw {
        let want = holder.log.record(offset)?;
        if member.and_then(|m| m.log.record(offset)) != Some(want) {
            return Some(offset);
        }
    }
    None
}

/// Which member list of a partition state is being checked.
#[derive(Clone, Copy)]
enum Members {
    Isr,
    Elr,
}

impl Simulation {
    /// A topic's id from its name: in ZooKeeper mode as its znode holds it (brokers' caches
    /// may not know the topic yet, or no longer after a restart), else as the committed image
    /// has it, else as any node knows it.
    fn topic_id_of(&self, topic: &str) -> Option<u32> {
        if let Some(t) = self.ensemble().and_then(|e| e.topic(topic)) {
            return Some(t.id);
        }
        self.committed_image_ref()
            .into_iter()
            .chain(self.nodes().iter().map(|n| n.node.image()))
            .find_map(|i| i.topic_by_name(topic))
            .map(|t| t.topic_id)
    }

    /// Partitions whose leader the events chose uncleanly (RECOVERING): by unclean election
    /// where the topic allows it, or by KIP-966's last-known-leader rule, which Kafka applies
    /// even with unclean election off once the ISR and ELR are empty. Either way Kafka gives
    /// up that partition's acknowledged records.
    fn note_unclean_elections(&mut self, events: &[TraceKind]) {
        for ev in events {
            if let TraceKind::PartitionChange {
                topic,
                partition,
                recovering: true,
                ..
            } = ev
            {
                if let Some(topic_id) = self.topic_id_of(topic) {
                    self.data_seen
                        .unclean_elected
                        .insert((topic_id, *partition));
                }
            }
        }
    }

    /// The losses Kafka allows, told as events: acks 0/1 records gone after a failover, and
    /// anything gone after an unclean election. Looked for only after an event that can lose
    /// records (and for a produce when its acknowledgement arrives).
    pub(crate) fn tell_losses(&mut self, events: &[TraceKind]) -> Vec<TraceKind> {
        self.note_unclean_elections(events);
        let relevant = events.iter().any(|e| match e {
            TraceKind::PartitionChange { .. }
            | TraceKind::PartitionTruncated { .. }
            | TraceKind::Crash { .. }
            | TraceKind::PowerLoss { .. }
            | TraceKind::Restart { .. } => true,
            TraceKind::Deliver { to, msg, .. } => {
                *to == self.client && matches!(**msg, Message::ProduceResponse(_))
            }
            _ => false,
        });
        if !relevant || self.produces().is_empty() {
            return Vec::new();
        }
        let mut seen = std::mem::take(&mut self.data_seen);
        let mut all = false;
        let mut acked: Vec<u64> = Vec::new();
        for ev in events {
            match ev {
                TraceKind::PartitionTruncated { .. }
                | TraceKind::PartitionChange { .. }
                | TraceKind::Crash { .. }
                | TraceKind::PowerLoss { .. }
                | TraceKind::Restart { .. } => all = true,
                TraceKind::Deliver { to, msg, .. } if *to == self.client => {
                    if let Message::ProduceResponse(r) = &**msg {
                        acked.push(r.produce);
                    }
                }
                _ => {}
            }
        }
        let mut told = Vec::new();
        if all || !acked.is_empty() {
            let produces = self.produces();
            // Every produce after an event that can lose records, else the ones just answered
            // (produces are in id order).
            let look: Vec<&crate::protocol::producer::Produce> = if all {
                produces.iter().collect()
            } else {
                acked
                    .iter()
                    .filter_map(|id| produces.binary_search_by_key(id, |p| p.id).ok())
                    .map(|i| &produces[i])
                    .collect()
            };
            for p in look {
                if p.status != ProduceStatus::Acked || seen.told_lost.contains(&p.id) {
                    continue;
                }
                let unclean = seen.unclean_elected.contains(&(p.topic_id, p.partition));
                let power = self.lost_to_power((p.topic_id, p.partition), p.id);
                // acks=all without an unclean election or a power loss that took it: a
                // violation, not an allowed loss.
                if p.acks == Acks::All && !unclean && !power {
                    continue;
                }
                let values = self.lost_values(p);
                if values.is_empty() {
                    continue;
                }
                seen.told_lost.insert(p.id);
                told.push(TraceKind::RecordsLost {
                    produce: p.id,
                    topic: p.topic.clone(),
                    partition: p.partition,
                    acks: p.acks,
                    values,
                    reason: if power {
                        LossReason::PowerLoss
                    } else if unclean {
                        LossReason::UncleanElection
                    } else {
                        LossReason::Failover
                    },
                });
            }
        }
        self.data_seen = seen;
        told
    }

    /// A partition state as written: every broker it names is a replica, and a clean election
    /// chose the first in-ISR replica in assignment order.
    fn check_partition_state(
        &mut self,
        (topic, partition): (&String, u32),
        (replicas, ineligible): (&[NodeId], &[NodeId]),
        (leader, leader_epoch): (Option<NodeId>, u32),
        (isr, elr): (&[NodeId], &[NodeId]),
        recovering: bool,
        found: &mut Vec<Violation>,
    ) {
        let now = self.now();
        let named = isr.iter().chain(elr).chain(leader.iter());
        if let Some(b) = named.copied().find(|b| !replicas.contains(b)) {
            found.push(violation(
                now,
                "IsrWithinReplicas",
                Breach::IsrOutsideReplicas {
                    topic: topic.clone(),
                    partition,
                    broker: b,
                },
            ));
        }
        let Some(seen) = self.data_seen.state_seen(topic, partition) else {
            return;
        };
        let before = seen.elected;
        if before.is_some_and(|(e, _)| leader_epoch <= e) {
            return;
        }
        seen.elected = Some((leader_epoch, leader));
        let elected = before.is_none_or(|(_, l)| l != leader);
        let (Some(l), true, false) = (leader, elected, recovering) else {
            return;
        };
        let first = replicas
            .iter()
            .copied()
            .find(|r| isr.contains(r) && !ineligible.contains(r));
        // A leader outside its ISR is PartitionLeaderNotInIsr's to report.
        if let Some(first) = first.filter(|f| *f != l && isr.contains(&l)) {
            found.push(violation(
                now,
                "ElectionRule",
                Breach::ElectionRule {
                    topic: topic.clone(),
                    partition,
                    leader: l,
                    first,
                },
            ));
        }
    }

    /// A partition state written for the first time (not a replay): who an unclean election
    /// leaves behind and who is back, and whether the ISR and ELR members that could lead hold
    /// every committed record.
    fn check_partition_write(&mut self, ev: &TraceKind, found: &mut Vec<Violation>) {
        let TraceKind::PartitionChange {
            offset,
            topic,
            partition,
            replicas,
            ineligible,
            leader,
            leader_epoch,
            isr,
            elr,
            recovering,
        } = ev
        else {
            return;
        };
        let Some(seen) = self.data_seen.state_seen(topic, *partition) else {
            return;
        };
        if seen.written.is_some_and(|w| *offset <= w) {
            return;
        }
        seen.written = Some(*offset);
        let Some(topic_id) = self.topic_id_of(topic) else {
            return;
        };
        let key = (topic_id, *partition);
        if let Some(l) = leader {
            self.note_leader_chosen(*l, key, replicas);
        }
        if *recovering {
            // Chosen uncleanly: every other replica may hold records the new leader lacks, and
            // nothing is promised about the members until the leader reports back.
            let newer = self
                .data_seen
                .left_behind
                .get(&key)
                .is_none_or(|b| *leader_epoch > b.leader_epoch);
            if newer {
                let behind = LeftBehind {
                    leader_epoch: *leader_epoch,
                    replicas: replicas
                        .iter()
                        .copied()
                        .filter(|r| Some(*r) != *leader)
                        .collect(),
                };
                self.data_seen.left_behind.insert(key, behind);
            }
            return;
        }
        if let Some(b) = self.data_seen.left_behind.get_mut(&key) {
            if *leader_epoch >= b.leader_epoch {
                let back: Vec<NodeId> = isr
                    .iter()
                    .copied()
                    .filter(|m| b.replicas.remove(m))
                    .collect();
                // Back in the ISR: its whole committed prefix is compared again.
                for m in back {
                    if let Some(r) = self.data_seen.replicas.get_mut(&(m, key)) {
                        r.checked = None;
                    }
                }
            }
        }
        self.check_members_hold_committed((topic, key), ineligible, (isr, Members::Isr), found);
        self.check_members_hold_committed((topic, key), ineligible, (elr, Members::Elr), found);
    }

    /// The members of a partition state just written that could lead (alive, not fenced) hold
    /// every committed record: every record below any replica's HW, as that replica holds it
    /// (a follower's HW is one its leader had reached). The replica with the highest HW
    /// speaks for them all (ReplicaDivergence is the rule that they agree); one an unclean
    /// election left behind does not speak. A member that is down is not asked: one that lost
    /// unflushed records to a power failure leaves the ISR and ELR when it registers again
    /// (KIP-966).
    fn check_members_hold_committed(
        &self,
        (topic, key): (&str, PartitionKey),
        ineligible: &[NodeId],
        (members, which): (&[NodeId], Members),
        found: &mut Vec<Violation>,
    ) {
        if members.is_empty() {
            return;
        }
        let highest = self
            .nodes()
            .iter()
            .filter(|n| !self.data_seen.is_left_behind(n.node.id, &key))
            // Nor one whose records a power loss made history (it has not heard from the
            // partition's leader since).
            .filter(|n| !self.unconfirmed_after_power_loss(n.node.id, &key))
            .filter_map(|n| Some((n.node.id, n.node.partition_replicas().get(&key)?)))
            .max_by_key(|(id, r)| (r.hw, std::cmp::Reverse(*id)));
        let Some((holder, hr)) = highest else {
            return;
        };
        for m in members
            .iter()
            .copied()
            .filter(|m| *m != holder && !ineligible.contains(m))
        {
            let Some(n) = self.nodes().iter().find(|n| n.node.id == m && n.alive) else {
                continue;
            };
            let replica = n.node.partition_replicas().get(&key).map(|r| &**r);
            let Some(offset) = first_missing(hr, replica) else {
                continue;
            };
            let theirs = replica.and_then(|r| r.log.record(offset));
            if self.epoch_reused_after_power_loss(key, hr.log.record(offset), theirs) {
                continue;
            }
            let (topic, partition, hw) = (topic.to_string(), key.1, hr.hw);
            let (invariant, breach) = match which {
                Members::Isr => (
                    "IsrMemberMissingRecords",
                    Breach::IsrMemberMissingRecords {
                        topic,
                        partition,
                        broker: m,
                        holder,
                        offset,
                        hw,
                    },
                ),
                Members::Elr => (
                    "ElrMemberMissingRecords",
                    Breach::ElrMemberMissingRecords {
                        topic,
                        partition,
                        broker: m,
                        holder,
                        offset,
                        hw,
                    },
                ),
            };
            found.push(violation(self.now(), invariant, breach));
        }
    }

    /// A leader answers an acks=all produce with success only once min(min ISR, replication
    /// factor) replicas hold its records (the topic's own min ISR if it has one): counted
    /// among all replicas as the answer leaves.
    fn check_acked_holders(
        &self,
        from: NodeId,
        resp: &ProduceResponse,
        found: &mut Vec<Violation>,
    ) {
        let (Some(base), None) = (resp.base_offset, &resp.error) else {
            return;
        };
        let produces = self.produces();
        let Ok(i) = produces.binary_search_by_key(&resp.produce, |p| p.id) else {
            return;
        };
        let p = &produces[i];
        if p.acks != Acks::All {
            return;
        }
        let key = (resp.topic_id, resp.partition);
        let Some(leader) = self.nodes().iter().find(|n| n.node.id == from) else {
            return;
        };
        let Some(lr) = leader.node.partition_replicas().get(&key) else {
            return;
        };
        let records = base..base + p.values.len() as Offset;
        // Records the leader does not hold are AckedRecordLost's to report.
        if records.clone().any(|o| lr.log.record(o).is_none()) {
            return;
        }
        let holders =
            self.nodes()
                .iter()
                .filter(|n| {
                    n.node.partition_replicas().get(&key).is_some_and(|r| {
                        records.clone().all(|o| r.log.record(o) == lr.log.record(o))
                    })
                })
                .count();
        let image = leader.node.image();
        let replication_factor = image
            .partition(key.0, key.1)
            .map_or(0, |s| s.replicas.len());
        let min_isr = image
            .topics
            .get(&key.0)
            .and_then(|t| t.config.min_insync_replicas)
            .unwrap_or(self.config().min_insync_replicas) as usize;
        let required = min_isr.min(replication_factor);
        if holders < required {
            found.push(violation(
                self.now(),
                "AckedWithoutMinIsr",
                Breach::AckedWithoutMinIsr {
                    produce: p.id,
                    topic_id: key.0,
                    partition: key.1,
                    holders,
                    required,
                },
            ));
        }
    }

    pub(crate) fn check_data_plane(
        &mut self,
        events: &[TraceKind],
        touched: Touched,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        let now = self.now();
        let mut losses_possible = false;
        self.note_unclean_elections(events);
        // Acknowledged acks=all produces are checked when their answer arrives and again
        // whenever a partition may have lost records (truncation, leader change, crash, restart).
        let mut answered: Vec<u64> = Vec::new();
        for ev in events {
            if let TraceKind::PartitionChange {
                topic,
                partition,
                replicas,
                ineligible,
                leader,
                leader_epoch,
                isr,
                elr,
                recovering,
                ..
            } = ev
            {
                self.check_partition_state(
                    (topic, *partition),
                    (replicas, ineligible),
                    (*leader, *leader_epoch),
                    (isr, elr),
                    *recovering,
                    &mut found,
                );
                self.check_partition_write(ev, &mut found);
            }
            match ev {
                TraceKind::PartitionChange {
                    topic,
                    partition,
                    leader: Some(l),
                    isr,
                    ..
                } if !isr.contains(l) => {
                    let topic_id = self.topic_id_of(topic).unwrap_or(0);
                    found.push(violation(
                        now,
                        "PartitionLeaderNotInIsr",
                        Breach::PartitionLeaderNotInIsr {
                            topic_id,
                            partition: *partition,
                            leader: *l,
                        },
                    ));
                }
                TraceKind::PartitionTruncated { .. }
                | TraceKind::PartitionChange { .. }
                | TraceKind::Crash { .. }
                | TraceKind::PowerLoss { .. }
                | TraceKind::Restart { .. } => losses_possible = true,
                TraceKind::Send { from, to, msg, .. } if *to == self.client => {
                    if let Message::ProduceResponse(r) = &**msg {
                        self.check_acked_holders(*from, r, &mut found);
                    }
                }
                TraceKind::Deliver { to, msg, .. } if *to == self.client => {
                    if let Message::ProduceResponse(r) = &**msg {
                        answered.push(r.produce);
                    }
                    if let Message::ConsumerFetchResponse(r) = &**msg {
                        if let PartitionFetchBody::Records(records) = &r.body {
                            if let Some(rec) = records.iter().find(|rec| rec.offset >= r.hw) {
                                found.push(violation(
                                    now,
                                    "ConsumerReadUncommitted",
                                    Breach::ConsumerReadUncommitted {
                                        consumer: r.consumer,
                                        topic_id: r.topic_id,
                                        partition: r.partition,
                                        offset: rec.offset,
                                        hw: r.hw,
                                    },
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // A replica's HW and log only change with an event saying so (a HW move, a truncation,
        // an append) or through an action (which touches every node): other steps skip the look.
        let replicas_moved = events.iter().any(|e| {
            matches!(
                e,
                TraceKind::PartitionHighWatermark { .. }
                    | TraceKind::PartitionTruncated { .. }
                    | TraceKind::Produced { .. }
                    | TraceKind::Append { .. }
            )
        });
        let nodes = match touched {
            Touched::Nothing => 0..0,
            Touched::Node(_) if !replicas_moved => 0..0,
            Touched::Node(i) => i..i + 1,
            Touched::All => 0..self.nodes().len(),
        };
        // After a delivery or timer, only the partitions its events name can have moved (a
        // metadata append may touch any of the node's partitions).
        let mut every_key = matches!(touched, Touched::All)
            || events.iter().any(|e| matches!(e, TraceKind::Append { .. }));
        // The partitions named, read once (a step names one or two; more: look at them all).
        let mut named = [(0, 0); 4];
        let mut count = 0;
        for e in events {
            if let TraceKind::PartitionHighWatermark {
                topic_id,
                partition,
                ..
            }
            | TraceKind::PartitionTruncated {
                topic_id,
                partition,
                ..
            }
            | TraceKind::Produced {
                topic_id,
                partition,
                ..
            } = e
            {
                let key = (*topic_id, *partition);
                if named[..count].contains(&key) {
                    continue;
                }
                if count == named.len() {
                    every_key = true;
                    break;
                }
                named[count] = key;
                count += 1;
            }
        }
        // Looked up one by one in key order, the order a walk over the node's map meets them
        // (a walk over 100,000 replicas for one or two of them was most of the check).
        let named = &mut named[..count];
        named.sort_unstable();
        let named = &*named;
        // Only the per-replica map is written while the nodes are read (taking the whole
        // record out and back cost more than the look itself).
        let mut seen = std::mem::take(&mut self.data_seen.replicas);
        for i in nodes {
            let n = &self.nodes()[i];
            let id = n.node.id;
            let all = n.node.partition_replicas();
            let replicas: Box<dyn Iterator<Item = _>> = if every_key {
                Box::new(all.iter())
            } else {
                Box::new(named.iter().filter_map(|key| all.get_key_value(key)))
            };
            for (key, r) in replicas {
                if self.unconfirmed_after_power_loss(id, key) {
                    continue;
                }
                // Most steps change nothing here: look before writing.
                let mine = seen.get(&(id, *key)).copied().unwrap_or_default();
                let last = mine.hw.unwrap_or(0);
                if r.hw != last {
                    seen.entry((id, *key)).or_default().hw = Some(r.hw);
                }
                // The leader's HW never goes back within its epoch (a follower's may, after a
                // leader change; a restarted broker leads again only once it learns it does).
                // A broker that is down leads nothing: what a power loss leaves of its HW is
                // not a leader's HW.
                let led = (n.alive && r.leader == Some(id)).then_some((r.leader_epoch, r.hw));
                if let (Some((epoch, from)), Some((now_epoch, to))) = (mine.led, led) {
                    if epoch == now_epoch && to < from {
                        found.push(violation(
                            now,
                            "PartitionHighWatermarkMonotonic",
                            Breach::PartitionHwWentBack {
                                node: id,
                                topic_id: key.0,
                                partition: key.1,
                                leader_epoch: epoch,
                                from,
                                to,
                            },
                        ));
                    }
                }
                if led != mine.led {
                    seen.entry((id, *key)).or_default().led = led;
                }
                // Newly committed records here, against every other replica's committed ones
                // (but for a replica an unclean election left behind and that has not fetched
                // from the new leader yet: no promise holds between it and the others).
                let checked = mine.checked.unwrap_or(0);
                if checked == r.hw {
                    continue;
                }
                let behind = self.data_seen.is_left_behind(id, key);
                let from = checked.min(r.hw).max(r.log.start_offset());
                for other in self.nodes().iter().filter(|o| {
                    o.node.id != id && !self.unconfirmed_after_power_loss(o.node.id, key)
                }) {
                    if behind || self.data_seen.is_left_behind(other.node.id, key) {
                        continue;
                    }
                    let Some(o) = other.node.partition_replicas().get(key) else {
                        continue;
                    };
                    let to = r.hw.min(o.hw);
                    for offset in from.max(o.log.start_offset())..to {
                        let (mine, theirs) = (r.log.record(offset), o.log.record(offset));
                        if mine != theirs && !self.epoch_reused_after_power_loss(*key, mine, theirs)
                        {
                            found.push(violation(
                                now,
                                "ReplicaDivergence",
                                Breach::ReplicaDivergence {
                                    topic_id: key.0,
                                    partition: key.1,
                                    a: id,
                                    b: other.node.id,
                                    offset,
                                },
                            ));
                            break;
                        }
                    }
                }
                seen.entry((id, *key)).or_default().checked = Some(r.hw);
            }
        }
        self.data_seen.replicas = seen;
        // Which acknowledged acks=all produces to check: all of them after an event that can
        // lose records, else only those answered in this step (produces are in id order).
        let produces = self.produces();
        let check: Vec<usize> = if losses_possible {
            (0..produces.len()).collect()
        } else {
            answered
                .iter()
                .filter_map(|id| produces.binary_search_by_key(id, |p| p.id).ok())
                .collect()
        };
        for i in check {
            let p = &self.produces()[i];
            if p.acks != Acks::All
                || p.status != ProduceStatus::Acked
                || self.data_seen.lost.contains(&p.id)
                || self
                    .data_seen
                    .unclean_elected
                    .contains(&(p.topic_id, p.partition))
                || self.lost_to_power((p.topic_id, p.partition), p.id)
            {
                continue;
            }
            if let Some(value) = self.first_lost_value(p) {
                let produce = p.id;
                self.data_seen.lost.insert(produce);
                found.push(violation(
                    now,
                    "AckedRecordLost",
                    Breach::AckedRecordLost { produce, value },
                ));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::config::Config;
    use crate::protocol::record::TopicConfig;
    use crate::sim::{Action, ClusterSpec, NewTopic, ProduceRecords};
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::rc::Rc;

    /// The elections hash as the map keyed by (topic, partition) they were kept in before: the
    /// explorer's fingerprints stay what they were.
    #[test]
    fn the_elections_fingerprint_as_the_map_they_were() {
        let mut seen = DataSeen::default();
        let mut map: BTreeMap<(Rc<str>, u32), (u32, Option<NodeId>)> = BTreeMap::new();
        for (topic, partition, epoch, leader) in [
            ("b", 3, 1, Some(101)),
            ("a", 10, 2, None),
            ("a", 2, 0, Some(102)),
            ("b", 0, 4, Some(103)),
        ] {
            if let Some(s) = seen.state_seen(topic, partition) {
                s.elected = Some((epoch, leader));
            }
            map.insert((topic.into(), partition), (epoch, leader));
        }
        // Written but no election: not in the map.
        if let Some(s) = seen.state_seen("c", 1) {
            s.written = Some(5);
        }
        let mut h = DefaultHasher::new();
        seen.fingerprint(&mut h);
        let mut want = DefaultHasher::new();
        (
            &Vec::<((NodeId, PartitionKey), Offset)>::new(),
            &seen.lost,
            &seen.unclean_elected,
            &seen.left_behind,
            &map,
        )
            .hash(&mut want);
        assert_eq!(h.finish(), want.finish());
    }

    #[test]
    fn a_partition_led_from_outside_its_isr_is_reported() {
        let mut sim = Simulation::new(ClusterSpec::new(1, 3, 2, Config::default())).unwrap();
        let change = |isr: Vec<NodeId>| TraceKind::PartitionChange {
            offset: 7,
            topic: "t".into(),
            partition: 0,
            replicas: vec![101, 102].into(),
            ineligible: Box::new([]),
            leader: Some(101),
            leader_epoch: 0,
            isr: isr.into(),
            elr: Box::new([]),
            recovering: false,
        };
        let found = sim.check_data_plane(&[change(vec![101, 102])], Touched::Nothing);
        assert!(found.is_empty());
        let found = sim.check_data_plane(&[change(vec![102])], Touched::Nothing);
        assert_eq!(
            found.iter().map(|v| v.invariant).collect::<Vec<_>>(),
            ["PartitionLeaderNotInIsr"]
        );
    }

    fn state(replicas: &[NodeId], leader: NodeId, epoch: u32, isr: &[NodeId]) -> TraceKind {
        TraceKind::PartitionChange {
            offset: u64::from(epoch),
            topic: "t".into(),
            partition: 0,
            replicas: replicas.into(),
            ineligible: Box::new([]),
            leader: Some(leader),
            leader_epoch: epoch,
            isr: isr.into(),
            elr: Box::new([]),
            recovering: false,
        }
    }

    fn names(found: &[Violation]) -> Vec<&'static str> {
        found.iter().map(|v| v.invariant).collect()
    }

    #[test]
    fn an_isr_member_that_is_not_a_replica_is_reported() {
        let mut sim = Simulation::new(ClusterSpec::new(1, 3, 3, Config::default())).unwrap();
        let ok = state(&[101, 102], 101, 0, &[101, 102]);
        assert!(sim.check_data_plane(&[ok], Touched::Nothing).is_empty());
        let bad = state(&[101, 102], 101, 0, &[101, 103]);
        assert_eq!(
            names(&sim.check_data_plane(&[bad], Touched::Nothing)),
            ["IsrWithinReplicas"]
        );
    }

    #[test]
    fn an_election_that_skips_the_first_in_isr_replica_is_reported() {
        let mut sim = Simulation::new(ClusterSpec::new(1, 3, 3, Config::default())).unwrap();
        let r = [101, 102, 103];
        // Created with 101 leading, then 101 left: 102 is the first in the ISR.
        let steps = [state(&r, 101, 0, &r), state(&r, 102, 1, &[102, 103])];
        assert!(sim.check_data_plane(&steps, Touched::Nothing).is_empty());
        // The ISR grows back with 101 ahead of the leader: not an election, nothing to say.
        let grown = state(&r, 102, 1, &[101, 102, 103]);
        assert!(sim.check_data_plane(&[grown], Touched::Nothing).is_empty());
        // An old state written again (a controller replaying its log) is not an election.
        let replayed = state(&r, 101, 0, &r);
        assert!(sim
            .check_data_plane(&[replayed], Touched::Nothing)
            .is_empty());
        // Elected past 101, which is in the ISR and first in assignment order.
        let skipped = state(&r, 103, 2, &[101, 103]);
        assert_eq!(
            names(&sim.check_data_plane(&[skipped], Touched::Nothing)),
            ["ElectionRule"]
        );
    }

    /// A cluster with topic "t" (one partition, three replicas) whose client holds produce 1
    /// as acknowledged at offset 0 with `acks`, a record no replica has; and the event of its
    /// answer arriving.
    /// (Topic "t" has a second partition, and a topic "u" stands beside it.)
    fn planted_lost_produce(acks: Acks) -> (Simulation, TraceKind) {
        planted_lost_produce_with(acks, Config::default())
    }

    fn planted_lost_produce_with(acks: Acks, config: Config) -> (Simulation, TraceKind) {
        use crate::protocol::producer::Produce;
        use crate::sim::{Action, NewTopic};
        let mut sim = Simulation::new(ClusterSpec::new(1, 1, 3, config)).unwrap();
        sim.run_until(30_000, |s| {
            s.committed_image().unfenced_brokers().len() == 3
        });
        for (name, partitions) in [("t", 2), ("u", 1)] {
            sim.apply(Action::CreateTopic(NewTopic {
                name: name.into(),
                partitions,
                replication_factor: 3,
                ..Default::default()
            }))
            .unwrap();
        }
        sim.advance(3000);
        let topic_id = sim.committed_image().topic_by_name("t").unwrap().topic_id;
        sim.producer_mut()
            .produces
            .push(Produce::acked(1, ("t", topic_id, 0), acks, &["1.0"], 0));
        let answer = TraceKind::Deliver {
            id: 1,
            from: 101,
            to: crate::protocol::producer::PRODUCER,
            msg: std::rc::Rc::new(Message::ProduceResponse(ProduceResponse {
                correlation: 1,
                produce: 1,
                topic_id,
                partition: 0,
                base_offset: Some(0),
                error: None,
            })),
        };
        (sim, answer)
    }

    /// The checker skips reading the nodes after a produce or consume action (it touches only
    /// the client): that holds only while those actions change no node.
    #[test]
    fn produce_and_consume_actions_change_no_node() {
        use crate::protocol::partition::Acks;
        use crate::sim::{Action, ConsumeFrom, ConsumeStart, ProduceRecords};
        let (mut sim, _) = planted_lost_produce(Acks::All);
        let before = format!("{:?}", sim.nodes());
        for acks in [Acks::None, Acks::Leader, Acks::All] {
            sim.apply(Action::Produce(ProduceRecords {
                topic: "t".into(),
                partition: 0,
                records: 3,
                acks,
            }))
            .unwrap();
        }
        sim.apply(Action::Consume(ConsumeFrom {
            topic: "t".into(),
            partition: 0,
            from: ConsumeStart::Earliest,
        }))
        .unwrap();
        assert_eq!(before, format!("{:?}", sim.nodes()));
        // The requests are on their way: the nodes change once they arrive.
        sim.advance(100);
        assert_ne!(before, format!("{:?}", sim.nodes()));
    }

    #[test]
    fn an_acks_all_produce_answered_after_its_records_went_is_reported_when_the_answer_arrives() {
        // Lost before its answer came: the look at a truncation or crash saw it pending.
        let (mut sim, answer) = planted_lost_produce(Acks::All);
        assert!(sim.check_data_plane(&[], Touched::Nothing).is_empty());
        let found = sim.check_data_plane(std::slice::from_ref(&answer), Touched::Nothing);
        assert_eq!(
            found.iter().map(|v| v.invariant).collect::<Vec<_>>(),
            ["AckedRecordLost"]
        );
        // Reported once.
        assert!(sim.check_data_plane(&[answer], Touched::Nothing).is_empty());
    }

    #[test]
    fn a_last_known_leader_election_gives_up_the_partition_even_with_unclean_election_off() {
        // KIP-966: ISR and ELR empty, the last known leader returns and is elected RECOVERING,
        // unclean election off (the default here). Kafka loses what it lacks: not a violation.
        let (mut sim, answer) = planted_lost_produce(Acks::All);
        assert!(!sim.config().unclean_leader_election);
        let elected = TraceKind::PartitionChange {
            offset: 20,
            topic: "t".into(),
            partition: 0,
            replicas: vec![101, 102, 103].into(),
            ineligible: Box::new([]),
            leader: Some(101),
            leader_epoch: 5,
            isr: vec![101].into(),
            elr: Box::new([]),
            recovering: true,
        };
        let told = sim.tell_losses(&[elected.clone(), answer.clone()]);
        assert!(
            matches!(
                told.as_slice(),
                [TraceKind::RecordsLost {
                    produce: 1,
                    reason: LossReason::UncleanElection,
                    ..
                }]
            ),
            "{told:?}"
        );
        assert!(sim
            .check_data_plane(&[elected, answer], Touched::Nothing)
            .is_empty());
    }

    #[test]
    fn an_acks_1_produce_answered_after_its_records_went_is_told_lost_when_the_answer_arrives() {
        let (mut sim, answer) = planted_lost_produce(Acks::Leader);
        assert!(sim.tell_losses(&[]).is_empty());
        let told = sim.tell_losses(std::slice::from_ref(&answer));
        assert!(
            matches!(
                told.as_slice(),
                [TraceKind::RecordsLost { produce: 1, values, reason: LossReason::Failover, .. }]
                    if values == &["1.0"]
            ),
            "{told:?}"
        );
        // Told once; and acks=1 is never a violation.
        assert!(sim.tell_losses(std::slice::from_ref(&answer)).is_empty());
        assert!(sim.check_data_plane(&[answer], Touched::Nothing).is_empty());
    }

    #[test]
    fn a_consumer_served_at_or_above_the_hw_is_reported() {
        use crate::protocol::message::ConsumerFetchResponse;
        use crate::protocol::partition_log::PartitionRecord;
        let mut sim = Simulation::new(ClusterSpec::new(1, 3, 2, Config::default())).unwrap();
        let served = |offset: Offset| TraceKind::Deliver {
            id: 1,
            from: 101,
            to: crate::protocol::producer::PRODUCER,
            msg: std::rc::Rc::new(Message::ConsumerFetchResponse(Box::new(
                ConsumerFetchResponse {
                    correlation: 1,
                    consumer: 1,
                    topic_id: 1,
                    partition: 0,
                    hw: 3,
                    reset_to: None,
                    body: PartitionFetchBody::Records(vec![PartitionRecord::new(
                        offset,
                        0,
                        "1.0".into(),
                    )]),
                    error: None,
                },
            ))),
        };
        assert!(sim
            .check_data_plane(&[served(2)], Touched::Nothing)
            .is_empty());
        let found = sim.check_data_plane(&[served(3)], Touched::Nothing);
        assert_eq!(
            found.iter().map(|v| v.invariant).collect::<Vec<_>>(),
            ["ConsumerReadUncommitted"]
        );
    }

    /// A leader chosen uncleanly (RECOVERING) for `topic`-`partition`, written at `offset`.
    fn unclean_choice(topic: &str, partition: u32, offset: Offset) -> TraceKind {
        TraceKind::PartitionChange {
            offset,
            topic: topic.into(),
            partition,
            replicas: vec![101, 102, 103].into(),
            ineligible: Box::new([]),
            leader: Some(101),
            leader_epoch: 5,
            isr: vec![101].into(),
            elr: Box::new([]),
            recovering: true,
        }
    }

    #[test]
    fn an_unclean_election_excuses_losses_on_its_own_partition_only() {
        let (mut sim, answer) = planted_lost_produce(Acks::All);
        // Leaders chosen uncleanly for t-1 and for u-0: t-0 still keeps its promise.
        let steps = [
            unclean_choice("t", 1, 20),
            unclean_choice("u", 0, 21),
            answer,
        ];
        assert!(sim.tell_losses(&steps).is_empty());
        assert_eq!(
            names(&sim.check_data_plane(&steps, Touched::Nothing)),
            ["AckedRecordLost"]
        );
    }

    #[test]
    fn unclean_election_allowed_excuses_nothing_until_one_happens() {
        let config = Config {
            unclean_leader_election: true,
            ..Config::default()
        };
        let (mut sim, answer) = planted_lost_produce_with(Acks::All, config);
        assert_eq!(
            names(&sim.check_data_plane(&[answer], Touched::Nothing)),
            ["AckedRecordLost"]
        );
    }

    /// Four brokers; topic "t" on 101, 102 and 103 (the topic's min ISR `min_isr`), with
    /// `records` acks=all records committed on all three.
    fn committed_topic(records: u32, min_isr: Option<u32>) -> (Simulation, PartitionKey) {
        let mut sim = Simulation::new(ClusterSpec::new(1, 1, 4, Config::default())).unwrap();
        sim.run_until(30_000, |s| {
            s.committed_image().unfenced_brokers().len() == 4
        });
        sim.apply(Action::CreateTopic(NewTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 3,
            assignments: Some(vec![vec![101, 102, 103]]),
            config: TopicConfig {
                min_insync_replicas: min_isr,
                ..Default::default()
            },
        }))
        .unwrap();
        sim.advance(3000);
        if records > 0 {
            sim.apply(Action::Produce(ProduceRecords {
                topic: "t".into(),
                partition: 0,
                records,
                acks: Acks::All,
            }))
            .unwrap();
            sim.advance(3000);
        }
        let key = (
            sim.committed_image().topic_by_name("t").unwrap().topic_id,
            0,
        );
        (sim, key)
    }

    fn replica(sim: &Simulation, node: NodeId, key: PartitionKey) -> &Replica {
        let n = sim.nodes().iter().find(|n| n.node.id == node).unwrap();
        &n.node.partition_replicas()[&key]
    }

    #[test]
    fn a_partition_state_naming_a_member_without_the_committed_records_is_reported() {
        let (mut sim, key) = committed_topic(3, None);
        let state = sim.committed_image().partition(key.0, 0).unwrap().clone();
        assert!([101, 102, 103]
            .iter()
            .all(|b| replica(&sim, *b, key).hw == 3));
        let write = |offset, (isr, elr): (&[NodeId], &[NodeId]), ineligible: &[NodeId]| {
            TraceKind::PartitionChange {
                offset,
                topic: "t".into(),
                partition: 0,
                replicas: vec![101, 102, 103, 104].into(),
                ineligible: ineligible.into(),
                leader: state.leader,
                leader_epoch: state.leader_epoch,
                isr: isr.into(),
                elr: elr.into(),
                recovering: false,
            }
        };
        let members = [101, 102, 103];
        let check =
            |sim: &mut Simulation, ev| names(&sim.check_data_plane(&[ev], Touched::Nothing));
        assert!(check(&mut sim, write(1000, (&members, &[]), &[])).is_empty());
        // 104 holds no replica of it: in the ISR or the ELR, it lacks offset 0 of the 3 committed.
        let found = sim.check_data_plane(
            &[write(1001, (&[101, 102, 103, 104], &[]), &[])],
            Touched::Nothing,
        );
        assert!(
            matches!(
                found.as_slice(),
                [Violation {
                    invariant: "IsrMemberMissingRecords",
                    breach: Breach::IsrMemberMissingRecords {
                        broker: 104,
                        offset: 0,
                        hw: 3,
                        ..
                    },
                    ..
                }]
            ),
            "{found:?}"
        );
        assert_eq!(
            check(&mut sim, write(1002, (&members, &[104]), &[])),
            ["ElrMemberMissingRecords"]
        );
        // Not asked: a member that may not lead (fenced), and a state written again.
        assert!(check(
            &mut sim,
            write(1003, (&[101, 102, 103, 104], &[104]), &[104])
        )
        .is_empty());
        assert!(check(&mut sim, write(1001, (&[101, 102, 103, 104], &[]), &[])).is_empty());
    }

    #[test]
    fn an_acks_all_answer_before_min_isr_replicas_hold_the_records_is_reported() {
        use crate::protocol::message::ProduceResponse;
        // The topic's own min ISR (2), not the cluster's (1).
        let (mut sim, key) = committed_topic(0, Some(2));
        let leader = sim
            .committed_image()
            .partition(key.0, 0)
            .unwrap()
            .leader
            .unwrap();
        for f in [101, 102, 103].into_iter().filter(|b| *b != leader) {
            sim.apply(Action::Isolate(f)).unwrap();
        }
        sim.apply(Action::Produce(ProduceRecords {
            topic: "t".into(),
            partition: 0,
            records: 2,
            acks: Acks::Leader,
        }))
        .unwrap();
        sim.advance(1000);
        // The leader alone holds them: as if it had answered them as acks=all.
        let p = sim.producer_mut().produces.last_mut().unwrap();
        assert_eq!(p.status, ProduceStatus::Acked);
        p.acks = Acks::All;
        let (produce, base_offset) = (p.id, p.base_offset);
        let answer = TraceKind::Send {
            id: 1,
            from: leader,
            to: crate::protocol::producer::PRODUCER,
            deliver_at: sim.now(),
            msg: std::rc::Rc::new(Message::ProduceResponse(ProduceResponse {
                correlation: 1,
                produce,
                topic_id: key.0,
                partition: 0,
                base_offset,
                error: None,
            })),
        };
        let found = sim.check_data_plane(std::slice::from_ref(&answer), Touched::Nothing);
        assert!(
            matches!(
                found.as_slice(),
                [Violation {
                    invariant: "AckedWithoutMinIsr",
                    breach: Breach::AckedWithoutMinIsr {
                        holders: 1,
                        required: 2,
                        ..
                    },
                    ..
                }]
            ),
            "{found:?}"
        );
        // Once the followers have fetched them, the same answer is in order.
        sim.apply(Action::HealAll).unwrap();
        sim.advance(15_000);
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
        assert!(sim.check_data_plane(&[answer], Touched::Nothing).is_empty());
    }

    #[test]
    fn only_a_leaders_hw_must_not_go_back_within_its_epoch() {
        let (mut sim, key) = committed_topic(3, None);
        let leader = sim
            .committed_image()
            .partition(key.0, 0)
            .unwrap()
            .leader
            .unwrap();
        let follower = [101, 102, 103].into_iter().find(|b| *b != leader).unwrap();
        let epoch = replica(&sim, leader, key).leader_epoch;
        // As if the checker had last seen both replicas with HW 5 (they are at 3), the leader
        // leading in `led_epoch`.
        let seen_at_5 = |sim: &mut Simulation, led_epoch: u32| {
            for (id, led) in [(leader, Some((led_epoch, 5))), (follower, None)] {
                let seen = sim.data_seen.replicas.entry((id, key)).or_default();
                *seen = ReplicaSeen {
                    hw: Some(5),
                    checked: Some(3),
                    led,
                };
            }
        };
        // A follower's HW may go back; a leader's HW from another epoch is no reference.
        seen_at_5(&mut sim, epoch + 1);
        assert!(sim.check_data_plane(&[], Touched::All).is_empty());
        seen_at_5(&mut sim, epoch);
        let found = sim.check_data_plane(&[], Touched::All);
        assert!(
            matches!(
                found.as_slice(),
                [Violation {
                    invariant: "PartitionHighWatermarkMonotonic",
                    breach: Breach::PartitionHwWentBack { node, from: 5, to: 3, .. },
                    ..
                }] if *node == leader
            ),
            "{found:?}"
        );
    }

    /// ZooKeeper mode: every broker restarted and none has its metadata back from the
    /// controller yet; a partition state written now must still be placed by its topic's id.
    #[test]
    fn a_topic_is_known_in_zookeeper_mode_while_no_broker_cache_holds_it() {
        let mut sim = Simulation::new(ClusterSpec::zookeeper(1, 3, Config::default())).unwrap();
        assert!(sim.run_until(60_000, |s| s.controller_ready()));
        sim.apply(Action::CreateTopic(NewTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 3,
            ..Default::default()
        }))
        .unwrap();
        sim.advance(5000);
        let id = sim.zk_image().topic_by_name("t").unwrap().topic_id;
        for b in [101, 102, 103] {
            sim.apply(Action::Crash(b)).unwrap();
        }
        for b in [101, 102, 103] {
            sim.apply(Action::Restart(b)).unwrap();
        }
        let cached = |s: &Simulation| {
            s.nodes()
                .iter()
                .any(|n| n.node.image().topic_by_name("t").is_some())
        };
        assert!(!cached(&sim));
        assert_eq!(sim.topic_id_of("t"), Some(id));
    }
}
