#![cfg(not(target_arch = "wasm32"))]
//! The data-plane rules around unclean elections, on whole runs: what such an election excuses
//! (lost records, a follower's HW going back, replicas left behind until they fetch from the new
//! leader) and what it does not (two in-sync replicas with different committed records).

use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::partition_log::PartitionRecord;
use kraft_core::scenario::{Runner, Scenario};
use kraft_core::sim::{NewTopic, ProduceRecords};
use kraft_core::{Action, ClusterSpec, Config, NodeId, Simulation, TraceKind};
use std::path::Path;

fn repo_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs a library scenario with `config` merged into its cluster config.
fn run_scenario(name: &str, config: serde_json::Value) -> Simulation {
    let mut doc: serde_json::Value =
        serde_json::from_str(&repo_file(&format!("static/scenarios/{name}.json"))).unwrap();
    for (k, v) in config.as_object().unwrap() {
        doc["cluster"]["config"][k] = v.clone();
    }
    let s = Scenario::from_value(doc).unwrap();
    let mut r = Runner::new(&s, None).expect("valid cluster");
    for (i, step) in s.steps.iter().enumerate() {
        r.run_step(step)
            .unwrap_or_else(|e| panic!("{name}: step {i}: {e}"));
    }
    r.sim
}

/// A broker's HW and records of the only partition.
fn replica_of(sim: &Simulation, node: NodeId) -> (u64, Vec<PartitionRecord>) {
    let n = sim.nodes().iter().find(|n| n.node.id == node).unwrap();
    let r = n.node.partition_replicas().values().next().unwrap();
    (r.hw, r.log.records().to_vec())
}

fn produce(sim: &mut Simulation, records: u32, acks: Acks) {
    sim.apply(Action::Produce(ProduceRecords {
        topic: "orders".into(),
        partition: 0,
        records,
        acks,
    }))
    .unwrap();
}

fn leader(sim: &Simulation) -> Option<NodeId> {
    let image = sim.committed_image();
    image.topic_by_name("orders").unwrap().partitions[0].leader
}

/// Three brokers, unclean election allowed: the leader alone takes 7 records the stalled
/// followers never see and dies; a follower is elected uncleanly and writes 10 records of its
/// own over those offsets; then the old leader comes back. Returns the run, the old leader and
/// the new one.
fn unclean_election_then_old_leader_returns(truncate_to_hw: bool) -> (Simulation, NodeId, NodeId) {
    let config = Config {
        replica_lag_time_max_ms: 3000,
        unclean_leader_election: true,
        unsafe_truncate_to_hw: truncate_to_hw,
        ..Config::default()
    };
    let mut sim = Simulation::new(ClusterSpec::new(11, 3, 3, config)).unwrap();
    assert!(
        sim.run_until(20_000, |s| s.committed_image().unfenced_brokers().len()
            == 3)
    );
    sim.apply(Action::CreateTopic(NewTopic {
        name: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        ..Default::default()
    }))
    .unwrap();
    sim.advance(2000);
    let old = leader(&sim).unwrap();
    produce(&mut sim, 3, Acks::All);
    sim.advance(1000);
    for f in [101, 102, 103].into_iter().filter(|b| *b != old) {
        sim.apply(Action::Isolate(f)).unwrap();
    }
    sim.advance(12_000);
    produce(&mut sim, 7, Acks::All);
    sim.advance(500);
    sim.apply(Action::Crash(old)).unwrap();
    sim.apply(Action::HealAll).unwrap();
    sim.advance(20_000);
    let new = leader(&sim).unwrap();
    assert_ne!(new, old, "an out-of-sync replica leads");
    produce(&mut sim, 10, Acks::Leader);
    sim.advance(3000);
    // Below both HWs, the old leader (down) and the new one hold different records at offset
    // 3: Kafka's unclean election allows it until the old leader fetches from the new one.
    let (old_hw, old_log) = replica_of(&sim, old);
    let (new_hw, new_log) = replica_of(&sim, new);
    assert!(old_hw > 3 && new_hw > 3, "HWs {old_hw} and {new_hw}");
    assert_ne!(old_log[3], new_log[3]);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.apply(Action::Restart(old)).unwrap();
    sim.advance(10_000);
    (sim, old, new)
}

#[test]
fn an_unclean_election_excuses_replicas_left_behind_until_they_fetch_from_the_new_leader() {
    let (sim, old, new) = unclean_election_then_old_leader_returns(false);
    // The old leader truncated to where the logs diverge (its HW went back with it, as a
    // follower's may) and copied the new leader's records: nothing to report.
    let truncated = sim.trace_since(0).any(
        |e| matches!(&e.kind, TraceKind::PartitionTruncated { node, to: 3, .. } if *node == old),
    );
    assert!(truncated);
    assert_eq!(replica_of(&sim, old), replica_of(&sim, new));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn after_an_unclean_election_replicas_back_in_the_isr_must_agree() {
    // Before leader epochs the old leader cut its log to its own HW (10), kept the 7 records
    // only it had, fetched on from offset 10 and rejoined the ISR: two in-sync replicas with
    // different committed records, which no election excuses.
    let (sim, _, _) = unclean_election_then_old_leader_returns(true);
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(names.contains(&"ReplicaDivergence"), "{names:?}");
}

/// Before leader epochs a follower cut its log to its own HW, which trails the leader's, and
/// stayed in the ISR: the next partition state written names an in-sync member without a
/// committed record (KIP-101's first case, which then loses it). With epochs it keeps them.
#[test]
fn the_pre_epoch_switch_leaves_an_isr_member_without_committed_records() {
    let sim = run_scenario("kip-101-loss", serde_json::json!({}));
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(names.contains(&"IsrMemberMissingRecords"), "{names:?}");
    let sim = run_scenario(
        "kip-101-loss",
        serde_json::json!({"unsafe_truncate_to_hw": false}),
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Allowing unclean elections excuses nothing by itself: KIP-101's second case, where no
/// leader is chosen uncleanly, is still reported.
#[test]
fn unclean_election_allowed_hides_no_divergence() {
    let sim = run_scenario(
        "kip-101-divergence",
        serde_json::json!({"unclean_leader_election": true}),
    );
    let names: Vec<&str> = sim.violations().iter().map(|v| v.invariant).collect();
    assert!(names.contains(&"ReplicaDivergence"), "{names:?}");
}
