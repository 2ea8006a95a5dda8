#![cfg(not(target_arch = "wasm32"))]
//! Partition replication: HW = smallest LEO across the ISR, a lagging follower leaves
//! the ISR through AlterPartition and rejoins when caught up, acks=all refused below
//! min.insync.replicas, and an unclean election that loses acknowledged records.

use kraft_core::protocol::message::ErrorCode;
use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::producer::ProduceStatus;
use kraft_core::sim::{ConsumeFrom, ConsumeStart, NewTopic, ProduceRecords};
use kraft_core::{Action, ClusterSpec, Config, NodeId, Simulation};

fn cluster(config: Config) -> Simulation {
    let mut sim = orders(config, 1);
    sim.advance(2000);
    sim
}

/// Three brokers up, and topic "orders" of `partitions` partitions just asked for.
fn orders(config: Config, partitions: u32) -> Simulation {
    let mut sim = Simulation::new(ClusterSpec::new(11, 3, 3, config)).unwrap();
    let ready = |s: &Simulation| s.committed_image().unfenced_brokers().len() == 3;
    assert!(sim.run_until(20_000, ready));
    sim.apply(Action::CreateTopic(NewTopic {
        name: "orders".into(),
        partitions,
        replication_factor: 3,
        ..Default::default()
    }))
    .unwrap();
    sim
}

fn partition(sim: &Simulation) -> (Vec<NodeId>, Option<NodeId>, Option<(u64, u64)>) {
    let c = sim.capture("x");
    let p = &c.metadata.topics[0].partitions[0];
    (p.isr.clone(), p.leader, p.leo.zip(p.hw))
}

fn produce(sim: &mut Simulation, records: u32, acks: Acks) -> Result<(), String> {
    sim.apply(Action::Produce(ProduceRecords {
        topic: "orders".into(),
        partition: 0,
        records,
        acks,
    }))
    .map_err(|e| e.to_string())
}

#[test]
fn hw_follows_the_isr_and_a_laggard_leaves_and_rejoins_it() {
    let config = Config {
        replica_lag_time_max_ms: 4000,
        min_insync_replicas: 2,
        ..Config::default()
    };
    let mut sim = cluster(config);
    let (isr, leader, _) = partition(&sim);
    let leader = leader.unwrap();
    assert_eq!(isr.len(), 3);
    produce(&mut sim, 10, Acks::All).unwrap();
    sim.advance(1000);
    assert_eq!(
        partition(&sim).2,
        Some((10, 10)),
        "every ISR member fetched the 10 records"
    );

    let followers: Vec<NodeId> = isr.iter().copied().filter(|b| *b != leader).collect();
    // One follower stalls (a long GC): after replica.lag.time.max.ms it leaves the ISR, before its
    // session expires, so this is the data plane's doing, not fencing.
    sim.apply(Action::Pause {
        node: followers[0],
        ms: 16_000,
    })
    .unwrap();
    produce(&mut sim, 5, Acks::All).unwrap();
    sim.advance(6000);
    let (isr, _, offsets) = partition(&sim);
    assert!(
        !isr.contains(&followers[0]) && isr.len() == 2,
        "isr {isr:?}"
    );
    assert!(!sim.committed_image().brokers[&followers[0]].fenced);
    assert_eq!(
        offsets,
        Some((15, 15)),
        "with the laggard out, the HW moves on"
    );

    // The second follower stalls too, while a record comes in (an idle partition would keep a
    // silent follower that has everything: Kafka's isCaughtUp): the ISR is the leader alone,
    // below min.insync.replicas = 2. The leader looks for laggards every half
    // replica.lag.time.max.ms, so one may stay up to 1.5 times it.
    sim.apply(Action::Pause {
        node: followers[1],
        ms: 8000,
    })
    .unwrap();
    produce(&mut sim, 1, Acks::Leader).unwrap();
    sim.advance(7500);
    assert_eq!(partition(&sim).0, vec![leader]);
    // acks=all below min.insync.replicas: refused with NOT_ENOUGH_REPLICAS, nothing written;
    // the client keeps retrying. acks=1 is written and acknowledged meanwhile.
    produce(&mut sim, 1, Acks::All).unwrap();
    sim.advance(500);
    let p = sim.produces().last().unwrap().clone();
    assert_eq!(
        (p.status, p.error),
        (ProduceStatus::Pending, Some(ErrorCode::NotEnoughReplicas))
    );
    assert_eq!(partition(&sim).2.map(|o| o.0), Some(16), "nothing written");
    produce(&mut sim, 1, Acks::Leader).unwrap();
    sim.advance(500);
    assert_eq!(sim.produces().last().unwrap().status, ProduceStatus::Acked);

    // Both wake, catch up and rejoin; the retried acks=all produce goes in and is acknowledged.
    sim.advance(8000);
    let (isr, _, offsets) = partition(&sim);
    assert_eq!(isr.len(), 3, "isr {isr:?}");
    assert_eq!(offsets, Some((18, 18)));
    assert!(sim
        .produces()
        .iter()
        .all(|p| p.status == ProduceStatus::Acked));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn unclean_leader_election_trades_availability_for_lost_records() {
    for unclean in [false, true] {
        let config = Config {
            replica_lag_time_max_ms: 3000,
            unclean_leader_election: unclean,
            ..Config::default()
        };
        let mut sim = cluster(config);
        let (isr, leader, _) = partition(&sim);
        let leader = leader.unwrap();
        // Three records every replica has...
        produce(&mut sim, 3, Acks::All).unwrap();
        sim.advance(1000);
        // ...then the followers stall; the leader alone takes records the others never see.
        for f in isr.iter().filter(|b| **b != leader) {
            sim.apply(Action::Isolate(*f)).unwrap();
        }
        sim.advance(12_000);
        assert_eq!(partition(&sim).0, vec![leader]);
        produce(&mut sim, 7, Acks::All).unwrap();
        sim.advance(500);
        // The only in-sync replica dies; the others come back.
        sim.apply(Action::Crash(leader)).unwrap();
        sim.apply(Action::HealAll).unwrap();
        sim.advance(20_000);
        let (isr, new_leader, offsets) = partition(&sim);
        if unclean {
            assert!(
                new_leader.is_some_and(|l| l != leader),
                "an out-of-sync replica leads"
            );
            assert_eq!(
                offsets.map(|o| o.0),
                Some(3),
                "the 7 acknowledged records are gone"
            );
            // The new leader writes at the offsets the old one had used.
            produce(&mut sim, 2, Acks::Leader).unwrap();
            sim.advance(1000);
            // The old leader comes back as a follower and cuts the 7 records from its own log.
            sim.apply(Action::Restart(leader)).unwrap();
            sim.advance(10_000);
            let cut = sim.trace_since(0).find_map(|e| match &e.kind {
                kraft_core::TraceKind::PartitionTruncated {
                    node, to, removed, ..
                } if *node == leader => Some((*to, *removed)),
                _ => None,
            });
            assert_eq!(cut, Some((3, 7)));
            // Truncated only where the logs diverge, then it copied the new leader's records:
            // every replica holds the same records at the same offsets again.
            let logs = replica_logs(&sim);
            for (id, log) in &logs {
                assert_eq!(log, &logs[0].1, "broker {id} after the unclean election");
            }
        } else {
            assert_eq!(
                new_leader, None,
                "no leader until the last in-sync replica returns"
            );
            // KIP-966: the ISR empties and its last member stays eligible (the ELR), and is
            // remembered as the last known leader.
            let c = sim.capture("x");
            let p = &c.metadata.topics[0].partitions[0];
            assert!(isr.is_empty(), "isr {isr:?}");
            assert_eq!(p.elr, vec![leader]);
            assert_eq!(p.last_known_leader, Some(leader));
            // It comes back after a crash (an unclean shutdown: it leaves the ELR) and, as the
            // last known leader, leads again once unfenced, with every record it had.
            sim.apply(Action::Restart(leader)).unwrap();
            sim.advance(20_000);
            let c = sim.capture("x");
            let p = &c.metadata.topics[0].partitions[0];
            assert_eq!(p.leader, Some(leader));
            assert_eq!(p.leo, Some(10), "the 7 records only it had are still there");
            assert_eq!(p.leader_recovery_state, "recovered", "it reported back");
            assert!(sim.violations().is_empty(), "{:?}", sim.violations());
        }
    }
}

/// A replica's records as (offset, leader epoch, value).
type Records = Vec<(u64, u32, String)>;

/// Every replica's log, from the capture (docs/contracts.md, data plane).
fn replica_logs(sim: &Simulation) -> Vec<(NodeId, Records)> {
    sim.capture("logs")
        .nodes
        .iter()
        .filter_map(|n| {
            let r = n.replicas.as_ref()?.first()?;
            let log = r
                .log
                .iter()
                .map(|x| (x.offset, x.epoch, x.value.to_string()))
                .collect();
            Some((n.id, log))
        })
        .collect()
}

#[test]
fn records_carry_the_produce_that_wrote_them_and_the_leader_epoch_to_every_replica() {
    let mut sim = cluster(Config::default());
    produce(&mut sim, 3, Acks::All).unwrap();
    produce(&mut sim, 2, Acks::All).unwrap();
    sim.advance(2000);
    let logs = replica_logs(&sim);
    assert_eq!(logs.len(), 3, "three replicas");
    let values: Vec<&str> = logs[0].1.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(values, ["1.0", "1.1", "1.2", "2.0", "2.1"]);
    for (id, log) in &logs {
        assert_eq!(log, &logs[0].1, "broker {id} holds the same records");
    }
    let c = sim.capture("x");
    let p = &c.metadata.topics[0].partitions[0];
    assert!(logs[0].1.iter().all(|r| r.1 == p.leader_epoch));
}

/// The lesson the articles teach: acks=1 is acknowledged as soon as the leader wrote it, so a
/// leader that dies before its followers fetched loses acknowledged records; acks=all waits for
/// the ISR, so the same failure loses nothing it acknowledged.
#[test]
fn acks_one_loses_acknowledged_records_when_the_leader_dies_and_acks_all_does_not() {
    let mut sim = cluster(Config::default());
    let (isr, leader, _) = partition(&sim);
    let leader = leader.unwrap();
    // The followers are cut off (a network fault); both record sets reach the leader.
    for f in isr.iter().filter(|b| **b != leader) {
        sim.apply(Action::Isolate(*f)).unwrap();
    }
    produce(&mut sim, 3, Acks::Leader).unwrap();
    produce(&mut sim, 3, Acks::All).unwrap();
    sim.advance(400);
    let status = |sim: &Simulation| -> Vec<ProduceStatus> {
        sim.produces().iter().map(|p| p.status).collect()
    };
    assert_eq!(
        status(&sim),
        [ProduceStatus::Acked, ProduceStatus::Pending],
        "acks=1 acknowledged at once; acks=all waits for the followers"
    );
    // The leader dies before any follower fetched; the network heals.
    sim.apply(Action::Crash(leader)).unwrap();
    sim.apply(Action::HealAll).unwrap();
    sim.advance(60_000);
    let (_, new_leader, _) = partition(&sim);
    assert!(
        new_leader.is_some_and(|l| l != leader),
        "a follower took over"
    );
    let c = sim.capture("after");
    assert_eq!(
        c.produces[0].lost,
        ["1.0", "1.1", "1.2"],
        "acks=1: acknowledged, then lost"
    );
    assert_eq!(
        c.produces[1].status,
        ProduceStatus::Acked,
        "acks=all: retried to the new leader and acknowledged there"
    );
    assert!(c.produces[1].lost.is_empty());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    // The loss is told as an event that says what and why, once.
    let told: Vec<_> = sim
        .trace_since(0)
        .filter_map(|e| match &e.kind {
            kraft_core::TraceKind::RecordsLost {
                produce,
                values,
                reason,
                ..
            } => Some((*produce, values.clone(), *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        told,
        [(
            1,
            vec!["1.0".to_string(), "1.1".into(), "1.2".into()],
            kraft_core::protocol::LossReason::Failover
        )]
    );
}

fn consume(sim: &mut Simulation, from: ConsumeStart) {
    sim.apply(Action::Consume(ConsumeFrom {
        topic: "orders".into(),
        partition: 0,
        from,
    }))
    .unwrap();
}

/// A consumer reads only below the HW: records the followers have not copied stay invisible
/// until the HW passes them.
#[test]
fn a_consumer_never_sees_records_above_the_hw() {
    let mut sim = cluster(Config::default());
    let (isr, leader, _) = partition(&sim);
    let leader = leader.unwrap();
    produce(&mut sim, 2, Acks::All).unwrap();
    sim.advance(1000);
    consume(&mut sim, ConsumeStart::Earliest);
    sim.advance(1000);
    let read = |sim: &Simulation| sim.capture("c").consumers[0].read.clone();
    assert_eq!(read(&sim), ["1.0", "1.1"]);
    for f in isr.iter().filter(|b| **b != leader) {
        sim.apply(Action::Pause { node: *f, ms: 3000 }).unwrap();
    }
    produce(&mut sim, 3, Acks::Leader).unwrap();
    sim.advance(1500);
    let c = sim.capture("c");
    assert_eq!(c.metadata.topics[0].partitions[0].leo, Some(5));
    assert_eq!(c.consumers[0].read, ["1.0", "1.1"], "2.x is above the HW");
    assert_eq!(c.consumers[0].position, Some(2));
    sim.advance(3000);
    assert_eq!(read(&sim), ["1.0", "1.1", "2.0", "2.1", "2.2"]);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// After an unclean election the new leader's log is shorter than where the consumer stood:
/// KIP-320's validation sends it back to where the logs agree, and it reads the new records.
#[test]
fn a_consumer_goes_back_to_the_divergence_point_after_an_unclean_election() {
    let config = Config {
        replica_lag_time_max_ms: 3000,
        unclean_leader_election: true,
        ..Config::default()
    };
    let mut sim = cluster(config);
    let (isr, leader, _) = partition(&sim);
    let leader = leader.unwrap();
    produce(&mut sim, 2, Acks::All).unwrap();
    sim.advance(1000);
    for f in isr.iter().filter(|b| **b != leader) {
        sim.apply(Action::Isolate(*f)).unwrap();
    }
    sim.advance(12_000);
    produce(&mut sim, 3, Acks::All).unwrap();
    consume(&mut sim, ConsumeStart::Earliest);
    sim.advance(1000);
    assert_eq!(sim.capture("c").consumers[0].position, Some(5));
    sim.apply(Action::Crash(leader)).unwrap();
    sim.apply(Action::HealAll).unwrap();
    sim.advance(20_000);
    produce(&mut sim, 1, Acks::All).unwrap();
    sim.advance(2000);
    let c = sim.capture("c");
    assert_eq!(
        c.consumers[0].read,
        ["1.0", "1.1", "2.0", "2.1", "2.2", "3.0"],
        "back to offset 2, then the new leader's record there"
    );
    assert_eq!(c.consumers[0].position, Some(3));
    assert_eq!(c.produces[1].lost, ["2.0", "2.1", "2.2"]);
    let reasons: Vec<_> = sim
        .trace_since(0)
        .filter_map(|e| match &e.kind {
            kraft_core::TraceKind::RecordsLost {
                produce, reason, ..
            } => Some((*produce, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [(2, kraft_core::protocol::LossReason::UncleanElection)]
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Leadership goes back to the preferred (first) replica: by an admin's election, and by the
/// controller's periodic rebalance.
#[test]
fn the_preferred_leader_comes_back_by_request_and_by_the_rebalance() {
    for by_admin in [true, false] {
        let config = Config {
            leader_imbalance_check_interval_ms: 40_000,
            auto_leader_rebalance: !by_admin,
            ..Config::default()
        };
        let mut sim = cluster(config);
        let c = sim.capture("c");
        let p = &c.metadata.topics[0].partitions[0];
        let preferred = p.preferred_leader.unwrap();
        assert_eq!(p.leader, Some(preferred));
        sim.apply(Action::Crash(preferred)).unwrap();
        sim.advance(12_000);
        assert_ne!(partition(&sim).1, Some(preferred));
        sim.apply(Action::Restart(preferred)).unwrap();
        sim.advance(8_000);
        let (isr, leader, _) = partition(&sim);
        assert!(isr.contains(&preferred), "back in sync: {isr:?}");
        assert_ne!(leader, Some(preferred), "not leading yet");
        if by_admin {
            sim.apply(Action::ElectPreferred {
                topic: "orders".into(),
                partition: 0,
            })
            .unwrap();
            sim.advance(1000);
        } else {
            sim.advance(40_000);
        }
        assert_eq!(partition(&sim).1, Some(preferred), "by admin: {by_admin}");
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    }
}

/// A topic's own min.insync.replicas and an explicit assignment (first = preferred leader).
#[test]
fn topic_config_and_assignments_are_kept() {
    let mut sim = Simulation::new(ClusterSpec::new(11, 3, 3, Config::default())).unwrap();
    let ready = |s: &Simulation| s.committed_image().unfenced_brokers().len() == 3;
    assert!(sim.run_until(20_000, ready));
    let bad = sim.apply(Action::CreateTopic(NewTopic {
        name: "x".into(),
        assignments: Some(vec![vec![102, 102]]),
        ..Default::default()
    }));
    assert!(bad.is_err(), "a broker twice");
    sim.apply(Action::CreateTopic(NewTopic {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        assignments: Some(vec![vec![103, 101, 102]]),
        config: kraft_core::protocol::record::TopicConfig {
            min_insync_replicas: Some(3),
            unclean_leader_election: None,
        },
    }))
    .unwrap();
    sim.advance(2000);
    let (isr, leader, _) = partition(&sim);
    assert_eq!((leader, isr.len()), (Some(103), 3));
    // min ISR 3: a follower paused out of the ISR makes acks=all fail NOT_ENOUGH_REPLICAS.
    sim.apply(Action::Pause {
        node: 101,
        ms: 40_000,
    })
    .unwrap();
    sim.advance(35_000);
    assert_eq!(partition(&sim).0.len(), 2);
    produce(&mut sim, 1, Acks::All).unwrap();
    sim.advance(500);
    assert_eq!(sim.produces()[0].error, Some(ErrorCode::NotEnoughReplicas));
}

/// The partition HW is the smallest LEO across the ISR: a slow member still in the ISR holds it.
#[test]
fn hw_waits_for_the_slowest_isr_member() {
    let config = Config {
        replica_lag_time_max_ms: 4000,
        ..Config::default()
    };
    let mut sim = cluster(config);
    let (isr, leader, _) = partition(&sim);
    let leader = leader.unwrap();
    produce(&mut sim, 10, Acks::All).unwrap();
    sim.advance(1000);
    assert_eq!(partition(&sim).2, Some((10, 10)));
    let slow = isr.iter().copied().find(|b| *b != leader).unwrap();
    sim.apply(Action::Pause {
        node: slow,
        ms: 3000,
    })
    .unwrap();
    produce(&mut sim, 5, Acks::Leader).unwrap();
    sim.advance(1000);
    let (isr, _, offsets) = partition(&sim);
    assert!(isr.contains(&slow), "still within replica.lag.time.max.ms");
    assert_eq!(
        offsets,
        Some((15, 10)),
        "LEO 15 at the leader, HW held at 10 by {slow}"
    );
    sim.advance(4000);
    assert_eq!(
        partition(&sim).2,
        Some((15, 15)),
        "caught up after its pause"
    );
}

#[test]
fn each_new_topic_gets_its_own_id() {
    let mut sim = cluster(Config::default());
    sim.apply(Action::CreateTopic(NewTopic {
        name: "payments".into(),
        partitions: 2,
        replication_factor: 2,
        ..Default::default()
    }))
    .unwrap();
    sim.advance(2000);
    let image = sim.committed_image();
    let ids: Vec<u32> = image.topics.keys().copied().collect();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(
        image.topic_by_name("payments").map(|t| t.partitions.len()),
        Some(2)
    );
}

/// Chaos with the data plane in the mix (produce with every acks, consumers, broker faults),
/// swarm-drawn per seed, ends settled (the liveness phase) and keeps every property. (Under the
/// fixed mix chaos had before swarm testing, seeds 122, 426, 561, 5, 19, 134, 1016 and 199 found
/// real faults: a HW computed without a follower about to join the ISR, a follower sending the
/// epoch of its last record instead of its newest cached one, a loss check that trusted a lagging
/// image. Their histories changed with the swarm draws; the 2000-seed runs in docs/cli.md
/// cover them.)
#[test]
fn chaos_with_produce_keeps_the_data_plane_properties() {
    use kraft_core::sim::chaos::{run_seed, ChaosOptions};
    let o = ChaosOptions {
        controllers: Some(3),
        brokers: Some(4),
        steps: 2000,
        ..Default::default()
    };
    let five = ChaosOptions {
        controllers: Some(5),
        brokers: Some(3),
        ..o.clone()
    };
    let mut produced = 0;
    for (seed, o) in (1..=20).map(|s| (s, &o)).chain([(199, &five)]) {
        let sim = run_seed(seed, o).unwrap();
        let found: Vec<_> = kraft_core::sim::chaos::findings(&sim).collect();
        assert!(found.is_empty(), "seed {seed}: {found:?}");
        produced += usize::from(!sim.produces().is_empty());
    }
    // Swarm seeds may keep the cluster partitioned or leaderless most of the time; most produce.
    assert!(produced >= 9, "only {produced} of 21 seeds produced");
}

/// Before leader epochs (the unsafe switch) followers truncate to their own HW: chaos finds
/// committed records that differ between replicas, or acknowledged ones lost (KIP-101).
#[test]
fn the_pre_epoch_switch_lets_replicas_diverge_and_the_checker_says_so() {
    use kraft_core::sim::chaos::{run_seed, ChaosOptions};
    let mut o = ChaosOptions {
        controllers: Some(3),
        brokers: Some(4),
        steps: 2000,
        ..Default::default()
    };
    o.config.unsafe_truncate_to_hw = true;
    // Seeds of `kraft-sim chaos --controllers 3 --brokers 4 --steps 2000` with the switch, until
    // one loses or forks committed records (others may first stall: a follower left longer
    // than its leader, which the pre-epoch rule never repairs, is a Liveness finding).
    // (The first such seed is 2 today: histories shift with every change to chaos's draws.)
    let found = (1..=2000).find(|seed| {
        let sim = run_seed(*seed, &o).unwrap();
        sim.violations()
            .iter()
            .any(|v| v.invariant == "ReplicaDivergence" || v.invariant == "AckedRecordLost")
    });
    assert!(found.is_some(), "no divergence in 2000 seeds");
    // Without the switch the same seed keeps every rule.
    o.config.unsafe_truncate_to_hw = false;
    let sim = run_seed(found.unwrap_or(0), &o).unwrap();
    let found: Vec<_> = kraft_core::sim::chaos::findings(&sim).collect();
    assert!(found.is_empty(), "{found:?}");
}

/// One record every 10 ms to a 3-replica partition over a 20-60 ms network, with
/// replica_lag_time_max_ms 5000: the smallest ISR seen over `ms`, and the last ISR.
fn isr_under_steady_load(caught_up_by_previous_fetch: bool, ms: u64) -> (usize, usize) {
    let config = Config {
        replica_lag_time_max_ms: 5000,
        latency_ms: kraft_core::protocol::config::Latency { min: 20, max: 60 },
        caught_up_by_previous_fetch,
        ..Config::default()
    };
    let mut sim = cluster(config);
    assert_eq!(partition(&sim).0.len(), 3);
    let mut smallest = 3;
    // acks=0: the client does not wait, so the records really come every 10 ms.
    for _ in 0..ms / 10 {
        produce(&mut sim, 1, Acks::None).unwrap();
        sim.advance(10);
        smallest = smallest.min(partition(&sim).0.len());
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    (smallest, partition(&sim).0.len())
}

#[test]
fn steady_load_keeps_the_isr_full() {
    assert_eq!(isr_under_steady_load(true, 15_000), (3, 3));
}

#[test]
fn before_kafka_0_10_2_steady_load_emptied_the_isr() {
    let (smallest, _) = isr_under_steady_load(false, 15_000);
    assert_eq!(
        smallest, 1,
        "both followers left while a few records behind"
    );
}

/// A slow follower (every message to it arrives 6 s late, more than replica_lag_time_max_ms)
/// leaves the ISR while alive and registered, and rejoins once it is fast again.
#[test]
fn a_slow_follower_leaves_the_isr_while_alive_and_rejoins_when_fast() {
    use kraft_core::sim::SteadyLoad;
    let config = Config {
        replica_lag_time_max_ms: 5000,
        broker_session_timeout_ms: 30_000,
        ..Config::default()
    };
    let mut sim = cluster(config);
    let (isr, leader, _) = partition(&sim);
    let follower = *isr.iter().find(|b| Some(**b) != leader).unwrap();
    sim.apply(Action::SteadyLoad(Some(SteadyLoad {
        produce: kraft_core::sim::ProduceRecords {
            topic: "orders".into(),
            partition: 0,
            records: 1,
            acks: Acks::None,
        },
        every_ms: 50,
    })))
    .unwrap();
    sim.advance(2000);
    assert_eq!(partition(&sim).0.len(), 3);
    sim.apply(Action::Slow {
        node: follower,
        ms: 6000,
    })
    .unwrap();
    assert!(sim.run_until(20_000, |s| !partition(s).0.contains(&follower)));
    assert!(
        !sim.committed_image().brokers[&follower].fenced,
        "alive and registered"
    );
    sim.apply(Action::Slow {
        node: follower,
        ms: 0,
    })
    .unwrap();
    assert!(sim.run_until(30_000, |s| partition(s).0.contains(&follower)));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Kafka's ReplicaFetcherThread with KIP-227 fetch sessions: one fetch in flight from each
/// follower broker to each leader broker, covering every partition it follows there. After the
/// first (full) fetch a request names only partitions whose position moved, so a follower of idle
/// partitions sends fetches that name none, and an idle partition's new HW rides on an answer
/// that another partition's records or the leader's wait brought.
#[test]
fn each_follower_broker_fetches_all_its_partitions_from_a_leader_broker_in_one_session() {
    use kraft_core::protocol::message::Message;
    use std::collections::BTreeMap;
    let mut sim = orders(Config::default(), 6);
    // The first fetch of each follower broker from each leader broker names both partitions
    // it follows there.
    let mut widest = 0;
    let settled = sim.now() + 2000;
    while sim.now() < settled {
        sim.step();
        for (env, _) in sim.in_flight() {
            if let Message::PartitionFetch(r) = &*env.msg {
                widest = widest.max(r.partitions.len());
            }
        }
    }
    assert_eq!(widest, 2, "a fetch covers the partitions of a broker pair");
    // One record to every partition, then a steady load on partition 0 alone.
    for p in 0..6 {
        produce_to(&mut sim, p);
    }
    let (mut empty_incremental, mut most_in_flight) = (0, 0);
    let end = sim.now() + 5000;
    let mut next_produce = sim.now();
    while sim.now() < end {
        if sim.now() >= next_produce {
            next_produce += 20;
            produce_to(&mut sim, 0);
        }
        sim.step();
        let mut per_pair: BTreeMap<(NodeId, NodeId), usize> = BTreeMap::new();
        for (env, _) in sim.in_flight() {
            if let Message::PartitionFetch(r) = &*env.msg {
                *per_pair.entry((env.from, env.to)).or_default() += 1;
                if r.session_epoch > 0 && r.partitions.is_empty() {
                    empty_incremental += 1;
                }
            }
        }
        most_in_flight = most_in_flight.max(per_pair.values().copied().max().unwrap_or(0));
    }
    assert_eq!(most_in_flight, 1, "one fetch at a time per broker pair");
    assert!(
        empty_incremental > 0,
        "idle sessions fetch naming no partition"
    );
    // Every replica of every idle partition learned the HW past its one record.
    let mut idle_replicas = 0;
    for n in sim.nodes() {
        for ((_, p), r) in n.node.partition_replicas() {
            if *p != 0 {
                idle_replicas += 1;
                assert_eq!((r.leo(), r.hw), (1, 1), "partition {p} on {}", n.node.id);
            }
        }
    }
    assert_eq!(idle_replicas, 15);
}

fn produce_to(sim: &mut Simulation, partition: u32) {
    sim.apply(Action::Produce(ProduceRecords {
        topic: "orders".into(),
        partition,
        records: 1,
        acks: Acks::Leader,
    }))
    .unwrap();
}
