//! ZooKeeper mode (docs/contracts.md and docs/protocol.md, ZooKeeper mode): a controller elected among the brokers through
//! `/controller`, failover that reads every znode before it can act, pushed metadata.

use kraft_core::protocol::controller::TopicSpec;
use kraft_core::protocol::message::Message;
use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::zk_rpc::{ZkReply, ZkResponse};
use kraft_core::protocol::zookeeper::ZkError;
use kraft_core::protocol::{Config, TraceKind};
use kraft_core::sim::{Action, ClusterSpec, ProduceRecords, Simulation};

fn zk_cluster(brokers: usize) -> Simulation {
    Simulation::new(ClusterSpec::zookeeper(7, brokers, Config::default())).expect("cluster")
}

fn topic(name: &str, partitions: u32, rf: u32) -> Action {
    Action::CreateTopic(TopicSpec {
        name: name.into(),
        partitions,
        replication_factor: rf,
        assignments: None,
        config: Default::default(),
    })
}

#[test]
fn a_broker_wins_controller_and_loads() {
    let mut sim = zk_cluster(3);
    assert!(sim.run_until(30_000, |s| s.controller_ready()));
    let (c, epoch) = sim.controller().expect("a controller");
    assert_eq!(epoch, 1);
    assert!((101..=103).contains(&c));
    sim.apply(topic("t", 6, 3)).expect("topic");
    sim.advance(5_000);
    for b in 101..=103 {
        let n = sim.node(b).expect("broker");
        let t = n.node.image().topic_by_name("t").expect("pushed");
        assert_eq!(t.partitions.len(), 6, "broker {b}");
        assert_eq!(
            n.node.partition_replicas().len(),
            6,
            "broker {b} hosts every replica"
        );
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// The time from `from` until the controller is ready again, and the calls it made to ZooKeeper.
fn ready_after(sim: &mut Simulation, limit: u64) -> Option<(u64, u64)> {
    let from = sim.now();
    let old = sim.controller().map(|c| c.1);
    let ok = sim.run_until(limit, |s| {
        s.controller_ready() && s.controller().map(|c| c.1) != old
    });
    if !ok {
        return None;
    }
    let (c, _) = sim.controller()?;
    let calls = sim.node(c)?.node.zk_controller()?.calls;
    Some((sim.now() - from, calls))
}

#[test]
fn a_crashed_controller_is_replaced_after_its_session_expires_and_a_full_reload() {
    let mut sim = zk_cluster(4);
    assert!(sim.run_until(30_000, |s| s.controller_ready()));
    sim.apply(topic("t", 40, 3)).expect("topic");
    sim.advance(5_000);
    let (old, epoch) = sim.controller().expect("controller");
    sim.apply(Action::Crash(old)).expect("crash");
    let (took, calls) = ready_after(&mut sim, 60_000).expect("a new controller");
    let (new, new_epoch) = sim.controller().expect("controller");
    assert_ne!(new, old);
    assert_eq!(new_epoch, epoch + 1);
    // Nobody notices a hard crash before the ensemble expires the session: 18 s after it last
    // heard from the broker (a ping every 6 s), so 12 to 20 s after the crash.
    assert!(took >= 12_000, "ready {took} ms after the crash");
    let expired = sim
        .trace()
        .events()
        .find(|e| matches!(e.kind, TraceKind::ZkSessionExpired { node, .. } if node == old))
        .expect("the old controller's session expired");
    let elected = sim
        .trace()
        .events()
        .find(|e| matches!(e.kind, TraceKind::ControllerElected { node, .. } if node == new))
        .expect("a new controller elected");
    assert!(elected.time >= expired.time);
    // It read every broker, the topic and all 40 partition states before it could act.
    assert!(calls >= 2 + 3 + 1 + 40, "{calls} calls");
    // Then it elected new leaders for the crashed broker's partitions: each has a live leader.
    sim.advance(5_000);
    let image = sim.node(new).expect("node").node.image().clone();
    let t = image.topic_by_name("t").expect("topic");
    for p in &t.partitions {
        assert!(
            p.leader.is_some_and(|l| l != old),
            "partition {} led by {:?}",
            p.partition,
            p.leader
        );
        assert!(!p.isr.contains(&old));
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn failover_grows_with_the_partition_count() {
    let mut times = Vec::new();
    for partitions in [10, 400] {
        let mut sim = zk_cluster(3);
        assert!(sim.run_until(30_000, |s| s.controller_ready()));
        sim.apply(topic("t", partitions, 1)).expect("topic");
        sim.advance(10_000);
        let (old, _) = sim.controller().expect("controller");
        sim.apply(Action::Crash(old)).expect("crash");
        let (took, calls) = ready_after(&mut sim, 120_000).expect("a new controller");
        times.push((took, calls));
    }
    let (small, large) = (times[0], times[1]);
    assert!(large.1 >= small.1 + 390, "{times:?}");
    assert!(large.0 > small.0, "{times:?}");
}

/// The zombie controller of KAFKA-6082: the controller stalls (a GC pause) longer than its
/// session, another broker is elected, and the old one wakes up still believing it is the
/// controller, with an ISR change to write. Its client opens a new session and retries the
/// write before the controller notices it was replaced.
fn zombie(unsafe_switch: bool) -> Simulation {
    let config = Config {
        // Slow ZooKeeper calls and many partitions: the new controller loads for seconds.
        zookeeper_op_ms: 50,
        replica_lag_time_max_ms: 3_000,
        unsafe_no_controller_epoch_check: unsafe_switch,
        ..Config::default()
    };
    let mut sim = Simulation::new(ClusterSpec::zookeeper(3, 5, config)).expect("cluster");
    assert!(sim.run_until(60_000, |s| s.controller_ready()));
    let (c, _) = sim.controller().expect("controller");
    sim.apply(topic("big", 1000, 1)).expect("topic");
    sim.advance(30_000);
    // t-0 led by a broker that is not the controller, with a follower that will fall behind.
    let others: Vec<u32> = (101..=105).filter(|b| *b != c).collect();
    let (leader, follower) = (others[0], others[1]);
    sim.apply(Action::CreateTopic(TopicSpec {
        name: "t".into(),
        partitions: 1,
        replication_factor: 3,
        assignments: Some(vec![vec![leader, follower, others[2]]]),
        config: Default::default(),
    }))
    .expect("topic");
    sim.advance(10_000);
    sim.apply(Action::Pause {
        node: c,
        ms: 25_000,
    })
    .expect("pause");
    sim.apply(Action::CutOneWay {
        from: follower,
        to: leader,
    })
    .expect("cut");
    // Records the follower cannot fetch: it falls behind and the leader asks to shrink the ISR
    // (of the controller it knows, which is paused).
    for _ in 0..4 {
        sim.apply(Action::Produce(ProduceRecords {
            topic: "t".into(),
            partition: 0,
            records: 1,
            acks: Acks::Leader,
        }))
        .expect("produce");
        sim.advance(1_000);
    }
    sim.advance(56_000);
    sim
}

#[test]
fn a_zombie_controller_write_is_fenced_by_the_controller_epoch() {
    let sim = zombie(false);
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(names.is_empty(), "{names:?}");
    // The old controller tried its write on a new session, the `/controller_epoch` check
    // refused it (BADVERSION on the check, the multi's first op), and it resigned.
    let (old, _) = (101..=105)
        .map(|b| (b, 0))
        .find(|(b, _)| {
            sim.trace().events().any(
                |e| matches!(e.kind, TraceKind::ControllerElected { node, epoch: 1 } if node == *b),
            )
        })
        .expect("the first controller");
    let fenced = sim.trace().events().any(|e| match &e.kind {
        TraceKind::Deliver { to, msg, .. } if *to == old => matches!(
            &**msg,
            Message::ZkResponse(ZkResponse {
                reply: ZkReply::Error {
                    error: ZkError::BadVersion,
                    op: 0
                },
                ..
            })
        ),
        _ => false,
    });
    assert!(
        fenced,
        "no write of the zombie was refused by the epoch check"
    );
    assert!(sim
        .trace()
        .events()
        .any(|e| matches!(e.kind, TraceKind::ControllerResigned { epoch: 1, .. })));
    assert_eq!(sim.controller().map(|c| c.1), Some(2));
}

/// Without the check the zombie's write lands and it pushes the result: brokers the new
/// controller (still loading) has not reached obey it. Kafka's window of stale metadata, told
/// as an event (docs/contracts.md, ZooKeeper mode); the violation is the write, not the obedience.
#[test]
fn brokers_obey_the_zombie_until_the_new_controller_reaches_them() {
    let sim = zombie(true);
    let stale: Vec<(u32, u32, u32)> = sim
        .trace()
        .events()
        .filter_map(|e| match e.kind {
            TraceKind::BrokerFollowedStaleController {
                broker,
                epoch,
                current,
                ..
            } => Some((broker, epoch, current)),
            _ => None,
        })
        .collect();
    assert!(
        stale
            .iter()
            .any(|(_, epoch, current)| *epoch == 1 && *current == 2),
        "{stale:?}"
    );
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(
        names.iter().all(|n| *n == "ZombieControllerWrite"),
        "{names:?}"
    );
    // With the check (the same run otherwise) the zombie never gets as far as a push.
    let checked = zombie(false);
    assert!(!checked
        .trace()
        .events()
        .any(|e| matches!(e.kind, TraceKind::BrokerFollowedStaleController { .. })));
    // Once reached, every live broker holds the new epoch.
    for b in 101..=105u32 {
        let n = sim.node(b).expect("broker");
        if n.alive {
            assert_eq!(
                n.node.zk().map(|z| z.controller_epoch_seen),
                Some(2),
                "broker {b}"
            );
        }
    }
}

#[test]
fn without_the_epoch_check_the_zombie_write_lands_and_is_caught() {
    let sim = zombie(true);
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(names.contains(&"ZombieControllerWrite"), "{names:?}");
}

#[test]
fn chaos_in_zookeeper_mode_keeps_every_rule_and_catches_the_zombie_switch() {
    use kraft_core::sim::chaos::{run, ChaosOptions};
    let zk = |config: Config, seeds: u64| ChaosOptions {
        mode: kraft_core::protocol::ClusterMode::Zookeeper,
        seeds,
        config,
        ..Default::default()
    };
    let safe = run(&zk(Config::default(), 40)).expect("chaos");
    assert!(safe.violations.is_empty(), "{:?}", safe.violations.first());
    assert_eq!(safe.seeds, 40);
    // A broker that lost committed records to a power loss is chosen to lead long after, while
    // another replica that was away still holds the old records below its old HW: the lost
    // history is excused until that replica hears from a leader and truncates, not flagged as
    // divergence (seed 344: the first answer it gets is one it no longer waits for; seed 410:
    // the records it lost were committed by its leader's HW, not yet by its own).
    for seed in [142, 244, 344, 410] {
        let rewritten = run(&ChaosOptions {
            first_seed: seed,
            ..zk(Config::default(), 1)
        })
        .expect("chaos");
        assert!(
            rewritten.violations.is_empty(),
            "seed {seed}: {:?}",
            rewritten.violations.first()
        );
    }
    let unsafe_switch = Config {
        unsafe_no_controller_epoch_check: true,
        ..Config::default()
    };
    let caught = run(&zk(unsafe_switch, 200)).expect("chaos");
    let first = caught
        .violations
        .first()
        .expect("the zombie write is caught");
    assert_eq!(first.invariant, "ZombieControllerWrite");
}

/// A controlled shutdown of broker 102, which leads and follows a third of 300 partitions each
/// (replication factor 2, 3 brokers): how long from the request until it stopped, and whether
/// anything it led was left behind at that moment.
struct Shutdown {
    took_ms: u64,
    led_when_gone: usize,
    in_isr_when_gone: usize,
    leaderless: usize,
    zk_calls: u64,
}

fn controlled_shutdown(mode: kraft_core::protocol::ClusterMode, in_flight: u64) -> Shutdown {
    let config = Config {
        zookeeper_op_ms: 10,
        zookeeper_max_in_flight: in_flight,
        ..Config::default()
    };
    let spec = match mode {
        kraft_core::protocol::ClusterMode::Kraft => ClusterSpec::new(1, 3, 3, config),
        kraft_core::protocol::ClusterMode::Zookeeper => ClusterSpec::zookeeper(1, 3, config),
    };
    let mut sim = Simulation::new(spec).expect("cluster");
    assert!(sim.run_until(60_000, |s| s.controller_ready()));
    sim.advance(5_000);
    sim.apply(topic("t", 300, 2)).expect("topic");
    sim.advance(15_000);
    let calls = |s: &Simulation| {
        s.controller()
            .and_then(|(c, _)| s.node(c)?.node.zk_controller().map(|z| z.calls))
            .unwrap_or(0)
    };
    let (calls0, t0) = (calls(&sim), sim.now());
    sim.apply(Action::ControlledShutdown(102))
        .expect("shutdown");
    assert!(sim.run_until(60_000, |s| !s.node(102).expect("102").alive));
    let meta = sim.capture("gone").metadata;
    let t = meta.topics.iter().find(|t| t.name == "t").expect("t");
    assert!(
        sim.trace()
            .events()
            .any(|e| matches!(e.kind, TraceKind::ShutDown { node: 102 })),
        "a clean exit, not a crash"
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    Shutdown {
        took_ms: sim.now() - t0,
        led_when_gone: t
            .partitions
            .iter()
            .filter(|p| p.leader == Some(102))
            .count(),
        in_isr_when_gone: t.partitions.iter().filter(|p| p.isr.contains(&102)).count(),
        leaderless: t.partitions_without_leader,
        zk_calls: calls(&sim) - calls0,
    }
}

#[test]
fn a_controlled_shutdown_moves_every_leadership_before_the_broker_goes_in_both_modes() {
    use kraft_core::protocol::ClusterMode::{Kraft, Zookeeper};
    let kraft = controlled_shutdown(Kraft, 10);
    let zk = controlled_shutdown(Zookeeper, 10);
    let zk_serial = controlled_shutdown(Zookeeper, 1);
    for s in [&kraft, &zk, &zk_serial] {
        assert_eq!(
            s.led_when_gone, 0,
            "nothing led by the broker when it stops"
        );
        assert_eq!(s.in_isr_when_gone, 0, "out of every ISR when it stops");
        assert_eq!(s.leaderless, 0, "no partition left without a leader");
    }
    // ZooKeeper mode: one write per partition it led or followed (about 200), through the
    // session's in-flight limit; KRaft: records appended together, no store calls.
    assert!(zk.zk_calls >= 200, "{} calls", zk.zk_calls);
    assert_eq!(kraft.zk_calls, 0);
    assert!(
        zk.took_ms > kraft.took_ms,
        "zk {} ms, kraft {} ms",
        zk.took_ms,
        kraft.took_ms
    );
    // Before Kafka 1.1 (one call at a time) it takes about ten times as long.
    assert!(
        zk_serial.took_ms > 5 * zk.took_ms,
        "serial {} ms, pipelined {} ms",
        zk_serial.took_ms,
        zk.took_ms
    );
}

/// The controller itself shuts down cleanly: it hands over its partitions first, then closing
/// its session frees `/controller` at once, and another broker takes over without waiting for
/// a session to expire.
#[test]
fn the_controller_broker_shuts_down_cleanly_and_is_replaced_at_once() {
    let config = Config {
        zookeeper_op_ms: 10,
        ..Config::default()
    };
    let mut sim = Simulation::new(ClusterSpec::zookeeper(1, 3, config)).expect("cluster");
    assert!(sim.run_until(60_000, |s| s.controller_ready()));
    sim.apply(topic("t", 30, 2)).expect("topic");
    sim.advance(10_000);
    let (c, epoch) = sim.controller().expect("controller");
    let t0 = sim.now();
    sim.apply(Action::ControlledShutdown(c)).expect("shutdown");
    assert!(sim.run_until(60_000, |s| !s.node(c).expect("c").alive));
    let meta = sim.capture("gone").metadata;
    let t = meta.topics.iter().find(|t| t.name == "t").expect("t");
    assert!(t
        .partitions
        .iter()
        .all(|p| p.leader.is_some_and(|l| l != c)));
    assert!(sim.run_until(10_000, |s| s
        .controller()
        .is_some_and(|(n, e)| n != c && e == epoch + 1)
        && s.controller_ready()));
    assert!(
        sim.now() - t0 < 5_000,
        "replaced after {} ms: no session had to expire",
        sim.now() - t0
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}
