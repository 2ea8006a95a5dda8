#![cfg(not(target_arch = "wasm32"))]
//! The page cache and power loss: a record is on disk `flush_interval_ms` after it was
//! appended; a crash keeps everything appended, a power loss only what was flushed; a broker
//! back from a crash or a power loss had an unclean shutdown (KIP-966) and leaves the ELR, one
//! back from a controlled shutdown did not.

use kraft_core::protocol::event::LossReason;
use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::record::TopicConfig;
use kraft_core::sim::capture::ReplicaCapture;
use kraft_core::sim::{NewTopic, ProduceRecords};
use kraft_core::{Action, ClusterSpec, Config, NodeId, Simulation, TraceKind};

/// Three brokers, one partition on all three, led by 101, with `min_isr`.
fn cluster(min_isr: u32) -> Simulation {
    let mut sim = Simulation::new(ClusterSpec::new(5, 3, 3, Config::default())).unwrap();
    let ready = |s: &Simulation| s.committed_image().unfenced_brokers().len() == 3;
    assert!(sim.run_until(20_000, ready));
    sim.apply(Action::CreateTopic(NewTopic {
        name: "t".into(),
        partitions: 1,
        replication_factor: 3,
        assignments: Some(vec![vec![101, 102, 103]]),
        config: TopicConfig {
            min_insync_replicas: Some(min_isr),
            ..Default::default()
        },
    }))
    .unwrap();
    sim.advance(2000);
    sim
}

fn produce(sim: &mut Simulation, records: u32) {
    sim.apply(Action::Produce(ProduceRecords {
        topic: "t".into(),
        partition: 0,
        records,
        acks: Acks::All,
    }))
    .unwrap();
}

fn replica(sim: &Simulation, broker: NodeId) -> ReplicaCapture {
    let c = sim.capture("x");
    let n = c.nodes.iter().find(|n| n.id == broker).unwrap();
    n.replicas.as_ref().unwrap()[0].clone()
}

/// Records written at `written`, then `flush_interval_ms` later on every replica's disk.
#[test]
fn records_are_flushed_one_flush_interval_after_they_were_appended() {
    let mut sim = cluster(1);
    produce(&mut sim, 4);
    sim.advance(1000);
    let interval = Config::default().flush_interval_ms;
    for b in [101, 102, 103] {
        let r = replica(&sim, b);
        assert_eq!(
            (r.leo, r.flushed),
            (4, 0),
            "broker {b}: in the page cache only"
        );
    }
    // Still dirty just short of the interval (appended within the first second).
    sim.advance(interval - 1500);
    assert_eq!(replica(&sim, 101).flushed, 0);
    // A tick (250 ms) after the interval has passed, all of it is on disk.
    sim.advance(1000);
    for b in [101, 102, 103] {
        assert_eq!(replica(&sim, b).flushed, 4, "broker {b}");
    }
}

#[test]
fn a_crash_keeps_what_was_appended_and_not_flushed() {
    let mut sim = cluster(1);
    produce(&mut sim, 3);
    sim.advance(500);
    assert_eq!(replica(&sim, 102).flushed, 0);
    sim.apply(Action::Crash(102)).unwrap();
    assert_eq!(
        replica(&sim, 102).leo,
        3,
        "the kernel still holds the pages"
    );
    sim.apply(Action::Restart(102)).unwrap();
    sim.advance(2000);
    let r = replica(&sim, 102);
    assert_eq!(r.log.len(), 3);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn a_power_loss_loses_what_was_not_flushed_and_keeps_the_rest() {
    let mut sim = cluster(1);
    produce(&mut sim, 2);
    sim.advance(Config::default().flush_interval_ms + 1000);
    produce(&mut sim, 3);
    sim.advance(500);
    let before = replica(&sim, 102);
    assert_eq!((before.leo, before.flushed), (5, 2));
    sim.apply(Action::PowerLoss(102)).unwrap();
    let after = replica(&sim, 102);
    let values: Vec<String> = after.log.iter().map(|r| r.value.to_string()).collect();
    assert_eq!(values, ["1.0", "1.1"], "only the flushed records are left");
    assert!(
        after.hw <= after.leo,
        "the HW checkpoint is clamped to the log"
    );
    let told = sim.trace().events().any(|e| {
        matches!(
            e.kind,
            TraceKind::PowerLoss {
                node: 102,
                records: 3
            }
        )
    });
    assert!(told, "the trace tells the power loss and what it took");
    // One replica's loss loses nothing acknowledged: the others still have the records.
    sim.apply(Action::Restart(102)).unwrap();
    sim.advance(20_000);
    assert_eq!(
        replica(&sim, 102).leo,
        5,
        "102 copied them back from the leader"
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.produces().iter().all(|p| sim.lost_values(p).is_empty()));
}

#[test]
fn a_power_loss_of_every_replica_is_an_allowed_loss_of_unflushed_records() {
    let mut sim = cluster(2);
    produce(&mut sim, 2);
    sim.advance(Config::default().flush_interval_ms + 1000);
    produce(&mut sim, 2);
    sim.advance(500);
    for b in [101, 102, 103] {
        sim.apply(Action::PowerLoss(b)).unwrap();
    }
    let lost: Vec<(u64, LossReason)> = sim
        .trace()
        .events()
        .filter_map(|e| match &e.kind {
            TraceKind::RecordsLost {
                produce, reason, ..
            } => Some((*produce, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(lost, vec![(2, LossReason::PowerLoss)]);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Stops 103 by `stop` while the ISR is below min ISR (so 103 goes to the ELR), restarts it,
/// and returns the partition's ELR at the moment 103 is unfenced again (before it can rejoin
/// the ISR).
fn elr_when_back(stop: fn(&mut Simulation)) -> Vec<NodeId> {
    let mut sim = cluster(3);
    stop(&mut sim);
    let fenced = |s: &Simulation| s.committed_image().brokers[&103].fenced;
    assert!(sim.run_until(30_000, fenced));
    sim.advance(1000);
    let image = sim.committed_image();
    let p = &image.topic_by_name("t").unwrap().partitions[0];
    assert_eq!(p.elr, vec![103], "103 left the ISR for the ELR: {p:?}");
    assert!(sim.run_until(30_000, |s| !s.node(103).unwrap().alive));
    sim.apply(Action::Restart(103)).unwrap();
    assert!(sim.run_until(30_000, |s| !fenced(s)));
    let image = sim.committed_image();
    let p = &image.topic_by_name("t").unwrap().partitions[0];
    assert!(!p.isr.contains(&103), "{p:?}");
    p.elr.clone()
}

#[test]
fn only_a_controlled_shutdown_is_clean_a_crash_or_power_loss_leaves_the_elr() {
    let clean = elr_when_back(|s| s.apply(Action::ControlledShutdown(103)).unwrap());
    assert_eq!(
        clean,
        vec![103],
        "a clean shutdown file: 103 keeps its place"
    );
    let crash = elr_when_back(|s| s.apply(Action::Crash(103)).unwrap());
    assert_eq!(
        crash,
        Vec::<NodeId>::new(),
        "kill -9 is an unclean shutdown"
    );
    let power = elr_when_back(|s| s.apply(Action::PowerLoss(103)).unwrap());
    assert_eq!(power, Vec::<NodeId>::new());
}

#[test]
fn a_paused_broker_still_shows_its_replicas() {
    let mut sim = cluster(1);
    produce(&mut sim, 2);
    sim.advance(1000);
    sim.apply(Action::Pause {
        node: 102,
        ms: 5000,
    })
    .unwrap();
    sim.advance(100);
    let c = sim.capture("paused");
    let n = c.nodes.iter().find(|n| n.id == 102).unwrap();
    assert!(n.paused);
    let replicas = n.replicas.as_ref().expect("a broker lists its replicas");
    assert_eq!(replicas.len(), 1);
    assert_eq!(replicas[0].leo, 2);
    assert_eq!(n.replica_count, Some(1));
}

#[test]
fn a_power_loss_of_a_down_node_or_an_unknown_one_is_refused() {
    let mut sim = cluster(1);
    assert!(sim.apply(Action::PowerLoss(999)).is_err());
    sim.apply(Action::Crash(102)).unwrap();
    assert!(sim.apply(Action::PowerLoss(102)).is_err());
}

/// A power loss is a timed action like any other: the history (seed, config, actions) names
/// it, and replaying the history loses the same records.
#[test]
fn a_power_loss_is_recorded_and_replays_to_the_same_state() {
    let mut sim = cluster(1);
    produce(&mut sim, 3);
    sim.advance(300);
    sim.apply(Action::PowerLoss(101)).unwrap();
    sim.advance(15_000);
    sim.apply(Action::Restart(101)).unwrap();
    sim.advance(5_000);
    let json = serde_json::to_string(&sim.recording()).unwrap();
    assert!(json.contains(r#"{"power_loss":101}"#), "{json}");
    let back: kraft_core::Recording = serde_json::from_str(&json).unwrap();
    let replayed = Simulation::replay(&back, Some(sim.now())).unwrap();
    assert_eq!(replayed.capture("x"), sim.capture("x"));
    assert_eq!(replayed.trace().total(), sim.trace().total());
}
