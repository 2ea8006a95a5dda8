//! ZooKeeper mode (DESIGN §3d, PROTOCOL §12): a controller elected among the brokers through
//! `/controller`, failover that reads every znode before it can act, pushed metadata.

use kraft_core::protocol::controller::TopicSpec;
use kraft_core::protocol::{Config, TraceKind};
use kraft_core::sim::{Action, ClusterSpec, Simulation};

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
