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
use crate::protocol::partition::Replica;
use crate::protocol::producer::ProduceStatus;
use crate::protocol::types::{Acks, PartitionKey};
use crate::protocol::types::{NodeId, Offset};
use crate::sim::data_seen::LeftBehind;
use crate::sim::invariants::Touched;
use crate::sim::violation::{Breach, Violation};
use crate::sim::Simulation;

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
            found.push(Violation::new(
                now,
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
            found.push(Violation::new(
                now,
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
            let breach = match which {
                Members::Isr => Breach::IsrMemberMissingRecords {
                    topic,
                    partition,
                    broker: m,
                    holder,
                    offset,
                    hw,
                },
                Members::Elr => Breach::ElrMemberMissingRecords {
                    topic,
                    partition,
                    broker: m,
                    holder,
                    offset,
                    hw,
                },
            };
            found.push(Violation::new(self.now(), breach));
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
            found.push(Violation::new(
                self.now(),
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
        self.note_unclean_elections(events);
        let (losses_possible, answered) = self.check_step_events(events, &mut found);
        self.check_replicas(events, touched, &mut found);
        self.check_acked_records(losses_possible, &answered, &mut found);
        found
    }

    /// What the step's events show at once: each partition state written, the answers the
    /// client gets. Returns whether the step may have lost records, and the produces it answered.
    fn check_step_events(
        &mut self,
        events: &[TraceKind],
        found: &mut Vec<Violation>,
    ) -> (bool, Vec<u64>) {
        let now = self.now();
        let mut losses_possible = false;
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
                    found,
                );
                self.check_partition_write(ev, found);
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
                    found.push(Violation::new(
                        now,
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
                        self.check_acked_holders(*from, r, found);
                    }
                }
                TraceKind::Deliver { to, msg, .. } if *to == self.client => {
                    if let Message::ProduceResponse(r) = &**msg {
                        answered.push(r.produce);
                    }
                    if let Message::ConsumerFetchResponse(r) = &**msg {
                        if let PartitionFetchBody::Records(records) = &r.body {
                            if let Some(rec) = records.iter().find(|rec| rec.offset >= r.hw) {
                                found.push(Violation::new(
                                    now,
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
        (losses_possible, answered)
    }

    /// Each replica's HW and committed records, on the nodes and partitions the step may
    /// have changed: a leader's HW never goes back in its epoch, committed records never differ.
    fn check_replicas(
        &mut self,
        events: &[TraceKind],
        touched: Touched,
        found: &mut Vec<Violation>,
    ) {
        let now = self.now();
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
                        found.push(Violation::new(
                            now,
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
                self.check_committed_agree(id, key, r, checked, found);
                seen.entry((id, *key)).or_default().checked = Some(r.hw);
            }
        }
        self.data_seen.replicas = seen;
    }

    /// The records replica `id` newly counts as committed (from `checked` to its HW) equal
    /// every other replica's at the same offsets, below both HWs.
    fn check_committed_agree(
        &self,
        id: NodeId,
        key: &PartitionKey,
        r: &Replica,
        checked: Offset,
        found: &mut Vec<Violation>,
    ) {
        let now = self.now();
        let behind = self.data_seen.is_left_behind(id, key);
        let from = checked.min(r.hw).max(r.log.start_offset());
        for other in self
            .nodes()
            .iter()
            .filter(|o| o.node.id != id && !self.unconfirmed_after_power_loss(o.node.id, key))
        {
            if behind || self.data_seen.is_left_behind(other.node.id, key) {
                continue;
            }
            let Some(o) = other.node.partition_replicas().get(key) else {
                continue;
            };
            let to = r.hw.min(o.hw);
            for offset in from.max(o.log.start_offset())..to {
                let (mine, theirs) = (r.log.record(offset), o.log.record(offset));
                if mine != theirs && !self.epoch_reused_after_power_loss(*key, mine, theirs) {
                    found.push(Violation::new(
                        now,
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
    }

    /// The acknowledged acks=all produces still hold (unless an unclean election or a power
    /// loss on their partition excuses the loss).
    fn check_acked_records(
        &mut self,
        losses_possible: bool,
        answered: &[u64],
        found: &mut Vec<Violation>,
    ) {
        let now = self.now();
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
                found.push(Violation::new(
                    now,
                    Breach::AckedRecordLost { produce, value },
                ));
            }
        }
    }
}

#[cfg(test)]
#[path = "data_checks_tests.rs"]
mod tests;
