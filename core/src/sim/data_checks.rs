//! The data plane's safety properties (PROTOCOL §11), checked after every event like the
//! quorum's: no acknowledged acks=all record lost, no two replicas with different committed
//! records at one offset, no partition led from outside its ISR, no replica's HW going back.
//! Losses Kafka allows (acks 0 and 1 after a failover, a leader chosen uncleanly) are not
//! violations: they show in the produce's `lost` list. A leader is chosen uncleanly by unclean
//! election where the topic allows it, or by KIP-966's last-known-leader rule, which Kafka 4.x
//! applies even with unclean election off once the ISR and ELR are empty; after either, the
//! properties such an election gives up (lost records, divergence, a HW that goes back) are not
//! checked on that partition.

use crate::protocol::event::{LossReason, TraceKind};
use crate::protocol::message::{Message, PartitionFetchBody};
use crate::protocol::partition::{Acks, PartitionKey};
use crate::protocol::producer::ProduceStatus;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::sim::invariants::{Breach, Touched, Violation};
use crate::sim::Simulation;
use foldhash::fast::FixedState;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the data checks remember between steps.
#[derive(Clone, Debug, Default)]
pub struct DataSeen {
    /// Each replica's HW as last seen and how far its committed records were checked against
    /// the others (looked up after most events: hashed, not a tree).
    replicas: HashMap<(NodeId, PartitionKey), ReplicaSeen, FixedState>,
    /// Produces already reported lost.
    lost: BTreeSet<u64>,
    /// Produces whose allowed loss was already told as a RecordsLost event.
    told_lost: BTreeSet<u64>,
    /// Partitions (topic, partition) that had an unclean election.
    unclean_elections: BTreeSet<(String, u32)>,
    /// Partitions whose leader was chosen uncleanly (unclean election, last known leader): the properties such an
    /// election gives up (acknowledged records, agreeing replicas, a HW that never goes back)
    /// are not checked there any more.
    given_up: BTreeSet<PartitionKey>,
    /// Each partition's newest leader epoch written and its leader: a state with a higher
    /// epoch and another leader is an election (an old state written again is not).
    elected: BTreeMap<(String, u32), (u32, Option<NodeId>)>,
}

/// One replica as the data checks last saw it (None: not seen yet, taken as 0).
#[derive(Clone, Copy, Debug, Default)]
struct ReplicaSeen {
    hw: Option<Offset>,
    checked: Option<Offset>,
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
    /// order, hashed as the ordered map they once were, so states hash as before.
    pub(crate) fn fingerprint(&self, h: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        let mut hw: Vec<((NodeId, PartitionKey), Offset)> = self
            .replicas
            .iter()
            .filter_map(|(key, r)| Some((*key, r.hw?)))
            .collect();
        hw.sort_unstable();
        (&hw, &self.lost, &self.given_up, &self.elected).hash(h);
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

impl Simulation {
    /// The losses Kafka allows, told as events: acks 0/1 records gone after a failover, and
    /// anything gone after an unclean election. Looked for only after an event that can lose
    /// records (and for a produce when its acknowledgement arrives).
    pub(crate) fn tell_losses(&mut self, events: &[TraceKind]) -> Vec<TraceKind> {
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
                TraceKind::PartitionChange {
                    topic,
                    partition,
                    recovering: true,
                    ..
                } => {
                    seen.unclean_elections.insert((topic.clone(), *partition));
                    all = true;
                }
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
                let unclean = seen
                    .unclean_elections
                    .iter()
                    .any(|(t, part)| *t == p.topic && *part == p.partition);
                let power = self.lost_to_power((p.topic_id, p.partition), p.id);
                // acks=all without an unclean election or a power loss of every replica that
                // held it: a violation, not an allowed loss.
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
        let key = (topic.clone(), partition);
        let before = self.data_seen.elected.get(&key).copied();
        if before.is_some_and(|(e, _)| leader_epoch <= e) {
            return;
        }
        self.data_seen.elected.insert(key, (leader_epoch, leader));
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

    pub(crate) fn check_data_plane(
        &mut self,
        events: &[TraceKind],
        touched: Touched,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        let unclean = self.config().unclean_leader_election;
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
                    &mut found,
                );
            }
            if let TraceKind::PartitionChange {
                topic,
                partition,
                recovering: true,
                ..
            } = ev
            {
                // Chosen uncleanly (RECOVERING): by unclean election where the topic allows it,
                // or by KIP-966's last-known-leader rule, which Kafka applies even with unclean
                // election off once the ISR and ELR are empty. Either way Kafka gives up the
                // partition's committed records here.
                let t = self
                    .committed_image_ref()
                    .and_then(|i| i.topic_by_name(topic));
                if let Some(t) = t {
                    self.data_seen.given_up.insert((t.topic_id, *partition));
                }
            }
            match ev {
                TraceKind::PartitionChange {
                    topic,
                    partition,
                    leader: Some(l),
                    isr,
                    ..
                } if !isr.contains(l) => {
                    let topic_id = self
                        .committed_image_ref()
                        .and_then(|i| i.topic_by_name(topic))
                        .map_or(0, |t| t.topic_id);
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
        if unclean {
            return found;
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
        let named = &named[..count];
        // Only the per-replica map is written while the nodes are read (taking the whole
        // record out and back cost more than the look itself).
        let mut seen = std::mem::take(&mut self.data_seen.replicas);
        for i in nodes {
            let n = &self.nodes()[i];
            let id = n.node.id;
            let replicas = n
                .node
                .partition_replicas()
                .iter()
                .filter(|(key, _)| every_key || named.contains(key));
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
                if self.data_seen.given_up.contains(key) {
                    continue;
                }
                if r.hw < last {
                    found.push(violation(
                        now,
                        "PartitionHighWatermarkMonotonic",
                        Breach::PartitionHwWentBack {
                            node: id,
                            topic_id: key.0,
                            partition: key.1,
                            from: last,
                            to: r.hw,
                        },
                    ));
                }
                // Newly committed records here, against every other replica's committed ones.
                let checked = mine.checked.unwrap_or(0);
                if checked == r.hw {
                    continue;
                }
                let from = checked.min(r.hw).max(r.log.start_offset());
                for other in self.nodes().iter().filter(|o| {
                    o.node.id != id && !self.unconfirmed_after_power_loss(o.node.id, key)
                }) {
                    let Some(o) = other.node.partition_replicas().get(key) else {
                        continue;
                    };
                    let to = r.hw.min(o.hw);
                    for offset in from.max(o.log.start_offset())..to {
                        if r.log.record(offset) != o.log.record(offset) {
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
                || self.data_seen.given_up.contains(&(p.topic_id, p.partition))
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
    use crate::sim::ClusterSpec;

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
    fn planted_lost_produce(acks: Acks) -> (Simulation, TraceKind) {
        use crate::protocol::message::ProduceResponse;
        use crate::protocol::producer::Produce;
        use crate::sim::{Action, NewTopic};
        let mut sim = Simulation::new(ClusterSpec::new(1, 1, 3, Config::default())).unwrap();
        sim.run_until(30_000, |s| {
            s.committed_image().unfenced_brokers().len() == 3
        });
        sim.apply(Action::CreateTopic(NewTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 3,
            ..Default::default()
        }))
        .unwrap();
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
}
