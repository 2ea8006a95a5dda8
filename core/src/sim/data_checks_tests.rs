//! Tests of `data_checks`.

use super::*;
use crate::protocol::config::Config;
use crate::protocol::record::TopicConfig;
use crate::sim::data_seen::{DataSeen, ReplicaSeen};
use crate::sim::{Action, ClusterSpec, NewTopic, ProduceRecords};
use std::collections::BTreeMap;
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
    let check = |sim: &mut Simulation, ev| names(&sim.check_data_plane(&[ev], Touched::Nothing));
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
