#![cfg(not(target_arch = "wasm32"))]
//! KIP-853 through the contracts of docs/contracts.md, single messages and membership: the cluster keys and steps, what a capture
//! shows, disk loss, and chaos with membership actions.

use kraft_core::scenario::{run, Scenario};
use kraft_core::sim::chaos::{self, ChaosOptions};
use kraft_core::sim::{Action, ClusterSpec, SpecError};
use kraft_core::{Config, Simulation};
use serde_json::{json, Value};

fn dynamic(steps: Value) -> Value {
    json!({
        "name": "m",
        "seed": 7,
        "cluster": {"controllers": [1, 2, 3, 4], "observers": [4], "kraft_version": 1},
        "steps": steps
    })
}

fn load(doc: Value) -> Scenario {
    Scenario::from_value(doc).expect("valid")
}

#[test]
fn the_cluster_keys_and_steps_load_and_bad_ones_are_named() {
    let s = load(dynamic(json!([
        {"until": "leader", "within_ms": 5000},
        {"add_voter": 4}, {"remove_voter": "leader"}, {"wipe": 2}
    ])));
    assert_eq!(
        (s.spec.kraft_version, s.spec.observers.clone()),
        (1, vec![4])
    );
    let refused = |doc: Value, field: &str| {
        let e = Scenario::from_value(doc).expect_err("refused").to_string();
        assert!(e.contains(field), "{e:?} should name {field}");
    };
    let mut doc = dynamic(json!([]));
    doc["cluster"]["kraft_version"] = json!(2);
    refused(doc, "cluster.kraft_version");
    let mut doc = dynamic(json!([]));
    doc["cluster"]["observers"] = json!([9]);
    refused(doc, "9 is not a controller");
    let mut doc = dynamic(json!([]));
    doc["cluster"]["observers"] = json!([1, 2, 3, 4]);
    refused(doc, "no controller to vote");
    refused(dynamic(json!([{"wipe": 99}])), "node 99");
    refused(dynamic(json!([{"add_voter": 1, "x": 2}])), "steps[0]");
}

#[test]
fn a_static_quorum_refuses_add_voter_with_kafkas_error() {
    let doc = json!({
        "name": "static", "seed": 1, "cluster": {"controllers": 3, "brokers": 1},
        "steps": [{"until": "leader", "within_ms": 5000}, {"advance_ms": 2000}, {"add_voter": 101}]
    });
    let out = run(&load(doc), None);
    let e = out.error.expect("a step error");
    assert_eq!(e.step, 2);
    assert!(e.message.contains("not a controller"), "{}", e.message);
    let doc = json!({
        "name": "static", "seed": 1, "cluster": {"controllers": 3},
        "steps": [{"until": "leader", "within_ms": 5000}, {"advance_ms": 2000}, {"remove_voter": 3}]
    });
    let e = run(&load(doc), None).error.expect("a step error");
    assert!(e.message.contains("UNSUPPORTED_VERSION"), "{}", e.message);
}

#[test]
fn a_capture_shows_the_voters_and_each_controllers_disk() {
    let mut sim = Simulation::new(ClusterSpec {
        kraft_version: 1,
        observers: vec![3],
        ..ClusterSpec::new(4, 3, 1, Config::default())
    })
    .expect("valid");
    assert!(sim.run_until(10_000, |s| s.quorum_leader().is_some()));
    let c = serde_json::to_value(sim.capture("c")).expect("json");
    let voters: Vec<u64> = c["voters"]
        .as_array()
        .expect("voters")
        .iter()
        .map(|v| v["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(voters, [1, 2]);
    let node = |id: u64| {
        c["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["id"] == id)
            .cloned()
            .expect("node")
    };
    assert_eq!(c["voters"][0]["directory_id"], node(1)["directory_id"]);
    assert_eq!(node(3)["role"], "observer");
    assert!(node(101).get("directory_id").is_none(), "controllers only");
    // A wipe gives node 2 a new disk: the set still names the old one.
    let before = node(2)["directory_id"].clone();
    sim.apply(Action::Wipe(2)).expect("wiped");
    let c = serde_json::to_value(sim.capture("w")).expect("json");
    let after = c["nodes"][1]["directory_id"].clone();
    assert_ne!(after, before);
    assert_eq!(c["voters"][1]["directory_id"], before);
    assert_eq!(c["nodes"][1]["log"], json!([]));
    // A static quorum names no disks.
    let sim = Simulation::new(ClusterSpec::new(4, 3, 0, Config::default())).expect("valid");
    let c = serde_json::to_value(sim.capture("s")).expect("json");
    assert_eq!(c["voters"][0]["directory_id"], Value::Null);
}

#[test]
fn the_same_history_replays_to_the_same_voters() {
    let s = load(dynamic(json!([
        {"until": "leader", "within_ms": 5000},
        {"advance_ms": 3000},
        {"add_voter": 4},
        {"advance_ms": 2000},
        {"wipe": 1},
        {"advance_ms": 2000},
        {"restart": 1},
        {"advance_ms": 5000}
    ])));
    let r = kraft_core::scenario::Runner::new(&s, None).expect("valid");
    let mut r = r;
    for step in &s.steps {
        r.run_step(step).expect("runs");
    }
    let replayed = Simulation::replay(&r.sim.recording(), Some(r.sim.now())).expect("replays");
    assert_eq!(replayed.capture("x"), r.sim.capture("x"));
    assert_eq!(
        replayed.capture("x").voters.len(),
        4,
        "node 4 added: {:?}",
        replayed.capture("x").voters
    );
}

#[test]
fn chaos_with_membership_keeps_every_invariant_and_catches_the_unsafe_identity() {
    let o = ChaosOptions {
        seeds: 40,
        steps: 600,
        kraft_version: 1,
        ..Default::default()
    };
    let report = chaos::run(&o).expect("valid");
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    for kind in ["add_voter", "remove_voter", "wipe"] {
        assert!(
            report.faults.get(kind).is_some_and(|n| *n > 0),
            "{kind} ran"
        );
    }
    let unsafe_identity = ChaosOptions {
        config: Config {
            unsafe_wiped_voter_keeps_identity: true,
            ..Config::default()
        },
        ..o
    };
    let report = chaos::run(&unsafe_identity).expect("valid");
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.invariant == "WipedVoterVoted"),
        "{:?}",
        report.violations
    );
}

#[test]
fn a_bad_kraft_version_is_a_spec_error() {
    let spec = ClusterSpec {
        kraft_version: 3,
        ..ClusterSpec::new(1, 3, 0, Config::default())
    };
    assert_eq!(
        Simulation::new(spec).err(),
        Some(SpecError::KraftVersion(3))
    );
}

#[test]
fn a_combined_node_is_one_node_with_both_roles_and_one_failure_domain() {
    let doc = json!({
        "name": "c", "seed": 4,
        "cluster": {"controllers": [1, 2, 3], "brokers": [101], "combined": [1, 2]},
        "steps": [
            {"elect": 1},
            {"until": {"leader_is": 1}, "within_ms": 5000},
            {"until": {"unfenced": 1}, "within_ms": 10000},
            {"advance_ms": 2500},
            {"capture": "up"},
            {"crash": 1},
            {"capture": "down"}
        ]
    });
    let out = run(&load(doc), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    let up = serde_json::to_value(&out.captures[0]).expect("json");
    let nodes = up["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 4, "a combined node appears once");
    let one = &nodes[0];
    assert_eq!(one["kind"], "combined");
    assert_eq!(one["role"], "leader", "the controller's role");
    assert_eq!(one["broker_role"], "unfenced", "and the broker's");
    assert!(one["replicas"].is_array() && one["directory_id"].is_string());
    assert_eq!(nodes[2]["kind"], "controller");
    assert!(nodes[2].get("replicas").is_none());
    let registered: Vec<u64> = up["metadata"]["brokers"]
        .as_array()
        .expect("brokers")
        .iter()
        .map(|b| b["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(
        registered,
        [1, 2, 101],
        "combined nodes register as brokers"
    );
    let down = serde_json::to_value(&out.captures[1]).expect("json");
    assert_eq!(down["nodes"][0]["alive"], false);
    assert_eq!(
        down["nodes"][0]["broker_role"], "offline",
        "one crash takes both roles"
    );
    // Through the API, a combined node must be one of the controllers.
    let spec = ClusterSpec {
        combined: vec![101],
        ..ClusterSpec::new(1, 1, 1, Config::default())
    };
    assert_eq!(
        Simulation::new(spec).err(),
        Some(SpecError::CombinedNotController(101))
    );
}

#[test]
fn a_snapshot_carries_the_voter_set_to_a_replica_that_never_saw_the_record() {
    let mut sim = Simulation::new(ClusterSpec {
        kraft_version: 1,
        observers: vec![4],
        ..ClusterSpec::new(
            9,
            4,
            0,
            Config {
                snapshot_every_records: Some(5),
                ..Config::default()
            },
        )
    })
    .expect("valid");
    sim.apply(Action::Crash(4)).expect("crashed");
    assert!(sim.run_until(10_000, |s| s.quorum_leader().is_some()));
    sim.advance(3000);
    sim.apply(Action::RemoveVoter(3)).expect("removed");
    // Long enough for snapshots to cover the VotersRecord and the log to start past it.
    sim.advance(20_000);
    let leader = sim
        .quorum_leader()
        .and_then(|l| sim.node(l))
        .expect("a leader");
    let removal = leader
        .node
        .log()
        .entries()
        .find(|e| e.record.kind() == "voters" && e.offset > 2);
    assert!(removal.is_none(), "the log no longer holds the removal");
    assert!(leader.node.log().start_offset() > 3);
    sim.apply(Action::Restart(4)).expect("restarted");
    sim.advance(10_000);
    let four = sim.node(4).expect("node 4");
    assert!(
        four.node.log().latest_snapshot().is_some(),
        "it caught up from a snapshot"
    );
    let ids: Vec<u32> = four.node.voter_set().iter().map(|v| v.id).collect();
    assert_eq!(ids, [1, 2], "not the bootstrap set {{1, 2, 3}}");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn a_combined_node_may_be_listed_with_the_controllers_the_brokers_or_alone() {
    let spec = |cluster: Value| {
        Scenario::from_value(json!({"name": "c", "cluster": cluster}))
            .map(|s| (s.spec.controllers, s.spec.brokers, s.spec.combined))
            .expect("valid")
    };
    let want = (vec![1, 2, 3], vec![101], vec![1, 2, 3]);
    assert_eq!(
        spec(json!({"controllers": [1, 2, 3], "brokers": [101], "combined": [1, 2, 3]})),
        want
    );
    assert_eq!(spec(json!({"combined": [1, 2, 3], "brokers": [101]})), want);
    assert_eq!(
        spec(json!({"controllers": [1], "brokers": [2, 3, 101], "combined": [1, 2, 3]})),
        want
    );
}

#[test]
fn only_a_controller_disk_can_be_wiped() {
    let mut sim = Simulation::new(ClusterSpec {
        combined: vec![1],
        ..ClusterSpec::new(1, 2, 1, Config::default())
    })
    .expect("valid");
    assert_eq!(
        sim.apply(Action::Wipe(101)),
        Err(kraft_core::sim::ActionError::WipeBroker(101))
    );
    assert_eq!(
        sim.apply(Action::Wipe(1)),
        Err(kraft_core::sim::ActionError::WipeBroker(1))
    );
    assert!(
        sim.node(101).is_some_and(|n| n.alive),
        "refused: nothing happened"
    );
    assert_eq!(sim.apply(Action::Wipe(2)), Ok(()));
}

#[test]
fn chaos_with_combined_nodes_keeps_every_invariant() {
    for kraft_version in [0, 1] {
        let o = ChaosOptions {
            seeds: 25,
            steps: 500,
            kraft_version,
            combined: true,
            ..Default::default()
        };
        let report = chaos::run(&o).expect("valid");
        assert!(report.violations.is_empty(), "{:?}", report.violations);
    }
}

#[test]
fn a_combined_node_leaving_the_voters_keeps_its_broker_running() {
    let doc = json!({
        "name": "c", "seed": 4,
        "cluster": {"combined": [1, 2, 3], "kraft_version": 1},
        "steps": [
            {"elect": 1},
            {"until": {"leader_is": 1}, "within_ms": 5000},
            {"until": {"unfenced": 3}, "within_ms": 10000},
            {"advance_ms": 3000},
            {"capture": "before"},
            {"remove_voter": 1},
            {"advance_ms": 8000},
            {"capture": "after"}
        ]
    });
    let out = run(&load(doc), None);
    assert!(out.error.is_none() && out.violations.is_empty(), "{out:?}");
    let at = |i: usize| serde_json::to_value(&out.captures[i]).expect("json");
    let (before, after) = (at(0), at(1));
    // The leader removed itself: it resigned, and observes now.
    assert_eq!(after["nodes"][0]["role"], "observer");
    assert_eq!(after["nodes"][0]["broker_role"], "unfenced");
    assert_eq!(
        after["metadata"]["brokers"][0], before["metadata"]["brokers"][0],
        "no new registration: the broker in the same process never stopped"
    );
}
