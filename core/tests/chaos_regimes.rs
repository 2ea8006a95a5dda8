#![cfg(not(target_arch = "wasm32"))]
//! Chaos's data-plane regimes (steady load, late control messages, power loss, slow
//! followers, big topics, a load through the calm) each run on some seed, and the liveness
//! check under a steady load tells a follower that never catches up from one that does.

use kraft_core::protocol::partition::Acks;
use kraft_core::sim::chaos::{findings, run_seed, ChaosOptions, Swarm};
use kraft_core::sim::invariants::Breach;
use kraft_core::sim::liveness::Stall;
use kraft_core::sim::{NewTopic, ProduceRecords, SteadyLoad};
use kraft_core::{Action, ClusterSpec, Config, Simulation};

fn options(steps: u64) -> ChaosOptions {
    ChaosOptions {
        controllers: Some(3),
        brokers: Some(4),
        steps,
        ..Default::default()
    }
}

/// The first seed from `from` whose draw has the regime.
fn first_seed(o: &ChaosOptions, from: u64, has: impl Fn(&Swarm) -> bool) -> u64 {
    (from..from + 500)
        .find(|s| has(&Swarm::draw(*s, o)))
        .expect("a seed draws the regime")
}

/// Runs the seed: it keeps every rule and settles, and `applied` picks an action it applied.
fn runs(o: &ChaosOptions, seed: u64, regime: &str, applied: impl Fn(&Action) -> bool) {
    let sim = run_seed(seed, o).expect("valid");
    let found: Vec<_> = findings(&sim).collect();
    assert!(found.is_empty(), "{regime}, seed {seed}: {found:?}");
    assert!(
        sim.recording().actions.iter().any(|a| applied(&a.action)),
        "{regime}, seed {seed}: never applied"
    );
}

#[test]
fn each_data_plane_regime_runs_on_some_seed_and_keeps_every_rule() {
    let o = options(400);
    let weighs = |k: &'static str| move |s: &Swarm| s.weights.get(k).is_some_and(|w| *w > 0);
    let s = first_seed(&o, 1, weighs("steady_load"));
    runs(
        &o,
        s,
        "steady load",
        |a| matches!(a, Action::SteadyLoad(Some(l)) if (10..=100).contains(&l.every_ms)),
    );
    let s = first_seed(&o, 1, weighs("control_fault"));
    runs(
        &o,
        s,
        "control fault",
        |a| matches!(a, Action::NextMessage(m) if m.rpc.is_some()),
    );
    let s = first_seed(&o, 1, weighs("power_loss"));
    runs(&o, s, "power loss", |a| matches!(a, Action::PowerLoss(_)));
    let s = first_seed(&o, 1, |s| weighs("power_loss")(s) && s.power_loss_all);
    let sim = run_seed(s, &o).expect("valid");
    assert!(findings(&sim).next().is_none(), "seed {s}");
    // Every broker at the same instant, at least once.
    let losses: Vec<_> = sim
        .recording()
        .actions
        .iter()
        .filter(|a| matches!(a.action, Action::PowerLoss(_)))
        .map(|a| a.time)
        .collect();
    assert!(
        losses.windows(4).any(|w| w.iter().all(|t| *t == w[0])),
        "seed {s}: {losses:?}"
    );
    let s = first_seed(&o, 1, weighs("slow"));
    runs(
        &o,
        s,
        "slow follower",
        |a| matches!(a, Action::Slow { ms, .. } if *ms > 0),
    );
    // A load through the calm (started once the cluster settled): kept up with.
    let s = first_seed(&o, 1, |s| s.calm_load);
    runs(&o, s, "calm load", |a| {
        matches!(a, Action::SteadyLoad(Some(_)))
    });
}

#[test]
fn a_big_topic_seed_creates_thousands_of_partitions_and_keeps_every_rule() {
    let o = options(2000);
    let s = first_seed(&o, 1, |s| s.big_topic.is_some());
    runs(
        &o,
        s,
        "big topic",
        |a| matches!(a, Action::CreateTopic(t) if t.partitions >= 1000),
    );
}

/// A 3-replica partition under one record every 10 ms over a 20-60 ms network, with
/// replica_lag_time_max_ms 5000.
fn under_load(caught_up_by_previous_fetch: bool) -> Simulation {
    let config = Config {
        latency_ms: kraft_core::protocol::config::Latency { min: 20, max: 60 },
        replica_lag_time_max_ms: 5000,
        caught_up_by_previous_fetch,
        ..Config::default()
    };
    let mut sim = Simulation::new(ClusterSpec::new(11, 3, 3, config)).unwrap();
    let ready = |s: &Simulation| s.committed_image().unfenced_brokers().len() == 3;
    assert!(sim.run_until(20_000, ready));
    sim.apply(Action::CreateTopic(NewTopic {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        ..Default::default()
    }))
    .unwrap();
    sim.advance(2000);
    sim.apply(Action::SteadyLoad(Some(SteadyLoad {
        produce: ProduceRecords {
            topic: "orders".into(),
            partition: 0,
            records: 1,
            acks: Acks::None,
        },
        every_ms: 10,
    })))
    .unwrap();
    sim
}

#[test]
fn under_a_steady_load_the_isr_stays_full_and_before_kafka_4485_it_does_not() {
    let mut sim = under_load(true);
    assert!(
        sim.check_liveness_under_load(60_000),
        "{:?}",
        sim.violations()
    );
    // Before KAFKA-4485 a follower always a few records behind the moving end leaves the ISR.
    let mut sim = under_load(false);
    assert!(!sim.check_liveness_under_load(60_000));
    let v = sim.violations().last().expect("reported");
    assert_eq!(v.invariant, "Liveness");
    assert!(
        matches!(
            &v.breach,
            Breach::Stalled {
                stall: Stall::IsrShrankUnderLoad { .. },
                ..
            }
        ),
        "{v:?}"
    );
}

/// Seed 1965 on 5 controllers + 6 brokers: a load of 3 records every 10 ms with acks=all stops
/// when the faults do, leaving about a thousand produces queued in the client (it sends one at a
/// time and never batches). They drain for two minutes, faster than followers copying 16 records
/// a fetch over links of up to 254 ms keep up with, so the ISR stays short until they are done.
/// The liveness clock starts once the queue is empty: then the ISR fills.
#[test]
fn the_liveness_clock_starts_once_the_clients_queue_has_drained() {
    let o = ChaosOptions {
        controllers: Some(5),
        brokers: Some(6),
        ..options(1000)
    };
    let sim = run_seed(1965, &o).expect("chaos");
    let found: Vec<_> = findings(&sim).collect();
    assert!(found.is_empty(), "{:?}", found.first());
}
