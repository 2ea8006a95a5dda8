#![cfg(not(target_arch = "wasm32"))]
//! The loader is strict: an unknown key anywhere is an error that names where it is, so a typo
//! never silently does nothing.

use kraft_core::Scenario;
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "name": "strict",
        "seed": 1,
        "cluster": {"controllers": 3, "brokers": 2, "config": {"latency_ms": {"min": 1, "max": 2}}},
        "initial": {"1": {"epoch": 1, "log": [1]}},
        "steps": [
            {"create_topic": {"name": "t", "partitions": 1, "replication_factor": 1}},
            {"produce": {"topic": "t", "partition": 0, "records": 1, "acks": 1}},
            {"until": {"hw_at_least": {"node": 1, "offset": 1}}, "within_ms": 1000},
            {"pause": 1, "ms": 10}
        ]
    })
}

/// Adds `key` to the object at `path` (a JSON pointer) and expects the error to name `field`.
fn refused(path: &str, key: &str, field: &str) {
    let mut doc = base();
    doc.pointer_mut(path)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{path} is an object"))
        .insert(key.into(), json!(1));
    let err = Scenario::from_value(doc).expect_err(&format!("{key} at {path} is refused"));
    let text = err.to_string();
    assert!(text.contains(field), "{text:?} should name {field}");
}

#[test]
fn the_base_document_loads() {
    Scenario::from_value(base()).expect("valid");
}

/// (Top-level fields beyond the format are welcome: goal, outcome, expect, notes.)
#[test]
fn unknown_keys_are_refused_everywhere() {
    refused("/cluster", "brokerz", "cluster.brokerz");
    refused("/cluster/config", "election_timeout", "election_timeout");
    refused("/cluster/config/latency_ms", "avg", "avg");
    refused("/initial/1", "voted", "voted");
    refused(
        "/steps/0/create_topic",
        "colour",
        "steps[0].create_topic.colour",
    );
    refused("/steps/1/produce", "key", "steps[1].produce.key");
    refused("/steps/2/until/hw_at_least", "node_id", "steps[2]");
    refused("/steps/2", "timeout", "steps[2]");
    refused("/steps/3", "extra", "steps[3].extra");
}

/// A narration may state what the screen shows (`shows`, an object) and nothing else; a `role`
/// condition names a node and one of the stage's role words.
#[test]
fn narration_claims_and_role_conditions_are_checked_too() {
    let with = |step: Value| {
        let mut doc = base();
        doc["steps"].as_array_mut().expect("steps").push(step);
        Scenario::from_value(doc)
    };
    with(json!({"say": {"en": "a", "zh": "甲"}, "shows": {"leader": 1}})).expect("a claim");
    with(json!({"until": {"role": {"node": 1, "is": "prospective"}}, "within_ms": 10}))
        .expect("a role condition");
    with(json!({"until": {"role": {"node": "leader", "is": "leader"}}, "within_ms": 10}))
        .expect("the leader's role");
    for (step, field) in [
        (
            json!({"say": {"en": "a", "zh": "甲"}, "shows": 3}),
            "steps[4].shows",
        ),
        (
            json!({"say": {"en": "a", "zh": "甲"}, "show": {}}),
            "steps[4]",
        ),
        (
            json!({"until": {"role": {"node": 1, "is": "boss"}}, "within_ms": 10}),
            "steps[4].until.role.is",
        ),
        (
            json!({"until": {"role": {"node": 1}}, "within_ms": 10}),
            "steps[4].until.role.is",
        ),
        (
            json!({"until": {"role": {"node": 1, "is": "leader", "x": 1}}, "within_ms": 10}),
            "steps[4].until.role.x",
        ),
    ] {
        let text = with(step.clone())
            .expect_err(&format!("{step} is refused"))
            .to_string();
        assert!(text.contains(field), "{text:?} should name {field}");
    }
}

/// The data plane's steps and conditions (docs/contracts.md, data plane) load as written and refuse what is wrong,
/// naming where.
#[test]
fn data_plane_steps_and_conditions_load_and_refuse_mistakes() {
    use kraft_core::scenario::{Condition, Step, Target};
    let doc = |steps: Value| {
        let mut d = base();
        d["steps"] = steps;
        Scenario::from_value(d)
    };
    let s = doc(json!([
        {"create_topic": {"name": "t", "assignments": [[102, 101]], "config": {"min_insync_replicas": 2, "unclean_leader_election": true}}},
        {"consume": {"topic": "t", "partition": 0, "from": "latest"}},
        {"consume": {"topic": "t", "partition": 0, "from": 3}},
        {"elect_preferred": {"topic": "t", "partition": 0}},
        {"crash": {"partition_leader": {"topic": "t", "partition": 0}}},
        {"cut": [{"partition_leader": {"topic": "t", "partition": 0}}, 101]},
        {"until": {"produce_done": 1}, "within_ms": 10},
        {"until": {"replica": {"topic": "t", "partition": 0, "broker": 101, "leo": 2, "hw": 1}}, "within_ms": 10},
        {"until": {"partition_leader_is": {"topic": "t", "partition": 0, "broker": null}}, "within_ms": 10},
        {"until": {"isr_is": {"topic": "t", "partition": 0, "isr": [102, 101]}}, "within_ms": 10}
    ]))
    .expect("valid");
    match &s.steps[0] {
        Step::CreateTopic(t) => {
            assert_eq!(t.assignments, Some(vec![vec![102, 101]]));
            assert_eq!((t.partitions, t.replication_factor), (1, 2));
            assert_eq!(t.config.min_insync_replicas, Some(2));
            assert_eq!(t.config.unclean_leader_election, Some(true));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &s.steps[3],
        Step::ElectPreferred { partition: 0, .. }
    ));
    assert!(matches!(
        &s.steps[4],
        Step::Crash(Target::PartitionLeader { .. })
    ));
    assert!(matches!(
        &s.steps[9],
        Step::Until { cond: Condition::IsrIs { isr, .. }, .. } if *isr == vec![101, 102]
    ));
    for (steps, field) in [
        (
            json!([{"consume": {"topic": "t", "from": "middle"}}]),
            "steps[0].consume.from",
        ),
        (
            json!([{"elect_preferred": {"topic": "t", "leader": 1}}]),
            "steps[0].elect_preferred.leader",
        ),
        (
            json!([{"create_topic": {"name": "t", "assignments": [[]]}}]),
            "assignments[0]",
        ),
        (
            json!([{"create_topic": {"name": "t", "config": {"retention_ms": 1}}}]),
            "config.retention_ms",
        ),
        (
            json!([{"crash": {"partition_leader": {"topic": "t", "part": 0}}}]),
            "part",
        ),
        (
            json!([{"until": {"replica": {"topic": "t", "partition": 0}}, "within_ms": 1}]),
            "broker",
        ),
        (
            json!([{"until": {"isr_is": {"topic": "t", "partition": 0, "isr": [9]}}, "within_ms": 1}]),
            "node 9",
        ),
        (
            json!([{"until": {"partition_leader_is": {"topic": "t", "partition": 0}}, "within_ms": 1}]),
            "broker",
        ),
    ] {
        let e = doc(steps.clone())
            .expect_err(&format!("{steps} is refused"))
            .to_string();
        assert!(e.contains(field), "{e:?} should name {field}");
    }
}

/// docs/contracts.md, single messages and membership's single-message steps load, and their mistakes are refused by name.
#[test]
fn single_message_steps_load_and_refuse_mistakes() {
    use kraft_core::scenario::{Step, Target};
    use kraft_core::sim::Fault;
    let doc = |steps: Value| {
        let mut d = base();
        d["steps"] = steps;
        Scenario::from_value(d)
    };
    let s = doc(json!([
        {"drop_next": {"from": 1, "to": 2, "rpc": "Vote"}},
        {"duplicate_next": {"from": 2, "to": 3}},
        {"delay_next": {"from": 3, "to": 1, "rpc": "FetchResponse", "ms": 250}}
    ]))
    .expect("valid");
    assert!(matches!(
        &s.steps[0],
        Step::NextMessage { from: Target::Id(1), to: Target::Id(2), rpc: Some(r), fault: Fault::Drop } if r == "Vote"
    ));
    assert!(matches!(
        &s.steps[1],
        Step::NextMessage {
            rpc: None,
            fault: Fault::Duplicate,
            ..
        }
    ));
    assert!(matches!(
        &s.steps[2],
        Step::NextMessage {
            fault: Fault::Delay { ms: 250 },
            ..
        }
    ));
    for (steps, field) in [
        (
            json!([{"drop_next": {"from": 1, "to": 2, "rpc": "Votes"}}]),
            "steps[0].drop_next.rpc",
        ),
        (
            json!([{"drop_next": {"from": 1, "to": 1}}]),
            "steps[0].drop_next",
        ),
        (json!([{"drop_next": {"from": 1}}]), "steps[0].drop_next.to"),
        (
            json!([{"delay_next": {"from": 1, "to": 2}}]),
            "steps[0].delay_next.ms",
        ),
        (
            json!([{"delay_next": {"from": 1, "to": 2, "ms": 0}}]),
            "steps[0].delay_next.ms",
        ),
        (
            json!([{"duplicate_next": {"from": 1, "to": 2, "ms": 5}}]),
            "steps[0].duplicate_next.ms",
        ),
        (json!([{"drop_next": {"from": 1, "to": 9}}]), "node 9"),
    ] {
        let e = doc(steps.clone())
            .expect_err(&format!("{steps} is refused"))
            .to_string();
        assert!(e.contains(field), "{e:?} should name {field}");
    }
}

#[test]
fn forcing_and_explore_steps_load_and_refuse_mistakes() {
    use kraft_core::protocol::node::Slot;
    use kraft_core::scenario::Step;
    use kraft_core::sim::Fault;
    let doc = |steps: Value| {
        let mut d = base();
        d["steps"] = steps;
        Scenario::from_value(d)
    };
    let s = doc(json!([
        {"deliver": 7},
        {"fire": {"node": 2, "timer": "fetch_timeout"}},
        {"drop": 8},
        {"duplicate": 9},
        {"explore": {"depth": 6, "faults": ["crash", "drop"]}},
        {"explore": {}}
    ]))
    .expect("valid");
    assert_eq!(s.steps[0], Step::Deliver(7));
    assert_eq!(
        s.steps[1],
        Step::Fire {
            node: 2,
            timer: Slot::FetchTimeout
        }
    );
    assert_eq!(
        s.steps[2],
        Step::InFlight {
            id: 8,
            fault: Fault::Drop
        }
    );
    assert_eq!(
        s.steps[3],
        Step::InFlight {
            id: 9,
            fault: Fault::Duplicate
        }
    );
    assert!(
        matches!(&s.steps[4], Step::Explore { depth: 6, faults } if faults.crash && faults.drop && !faults.duplicate)
    );
    assert!(matches!(&s.steps[5], Step::Explore { depth: 12, faults } if !faults.crash));
    for (steps, field) in [
        (json!([{"deliver": "x"}]), "steps[0].deliver"),
        (
            json!([{"fire": {"node": 2, "timer": "alarm"}}]),
            "steps[0].fire.timer",
        ),
        (
            json!([{"fire": {"timer": "election"}}]),
            "steps[0].fire.node",
        ),
        (json!([{"explore": {"depth": 0}}]), "steps[0].explore.depth"),
        (
            json!([{"explore": {"depth": 17}}]),
            "steps[0].explore.depth",
        ),
        (
            json!([{"explore": {"faults": ["fire"]}}]),
            "steps[0].explore.faults",
        ),
        (
            json!([{"explore": {"faults": "crash"}}]),
            "steps[0].explore.faults",
        ),
        (json!([{"explore": {"bound": 3}}]), "steps[0].explore.bound"),
    ] {
        let e = doc(steps.clone())
            .expect_err(&format!("{steps} is refused"))
            .to_string();
        assert!(e.contains(field), "{e:?} should name {field}");
    }
}

/// `power_loss` takes one node or a list, and every id a step names must exist when the
/// document is loaded: power-lost nodes, assigned brokers, preferred elections' partitions.
#[test]
fn power_loss_and_named_brokers_and_partitions_are_checked_at_load_time() {
    use kraft_core::scenario::{Step, Target};
    let doc = |steps: Value| {
        let mut d = base();
        d["steps"] = steps;
        Scenario::from_value(d)
    };
    let s = doc(json!([
        {"power_loss": 101},
        {"power_loss": [101, 102, "leader"]},
        {"until": {"replica": {"topic": "t", "partition": 0, "broker": 101, "flushed": 2}}, "within_ms": 10}
    ]))
    .expect("valid");
    assert_eq!(s.steps[0], Step::PowerLoss(vec![Target::Id(101)]));
    assert_eq!(
        s.steps[1],
        Step::PowerLoss(vec![Target::Id(101), Target::Id(102), Target::Leader])
    );
    for (steps, field, message) in [
        (json!([{"power_loss": 9}]), "steps[0]", "node 9"),
        (json!([{"power_loss": [101, 9]}]), "steps[0]", "node 9"),
        (
            json!([{"power_loss": []}]),
            "steps[0].power_loss",
            "at least one",
        ),
        (
            json!([{"create_topic": {"name": "t", "assignments": [[101, 102], [101, 109]]}}]),
            "steps[0].create_topic.assignments[1][1]",
            "broker 109",
        ),
        (
            // A controller is not a broker: it holds no replicas.
            json!([{"create_topic": {"name": "t", "assignments": [[1]]}}]),
            "steps[0].create_topic.assignments[0][0]",
            "broker 1",
        ),
        (
            json!([{"elect_preferred": {"topic": "nope", "partition": 0}}]),
            "steps[0].elect_preferred.topic",
            "nope",
        ),
        (
            json!([
                {"create_topic": {"name": "t", "partitions": 2, "replication_factor": 1}},
                {"elect_preferred": {"topic": "t", "partition": 2}}
            ]),
            "steps[1].elect_preferred.partition",
            "2 partition",
        ),
    ] {
        let e = doc(steps.clone())
            .expect_err(&format!("{steps} is refused"))
            .to_string();
        assert!(
            e.contains(field) && e.contains(message),
            "{e:?} should name {field} and say {message}"
        );
    }
}

/// `cluster.kafka_version` sets the historical switches as that release had them; an explicit
/// key in `config` wins; a release without the cluster's mode, or no release at all, is refused.
#[test]
fn kafka_version_sets_the_historical_switches_and_config_overrides_them() {
    let with = |version: Value, mode: &str, config: Value| {
        let mut doc = base();
        doc["cluster"] = json!({"brokers": 3, "kafka_version": version, "config": config});
        if mode == "zookeeper" {
            doc["cluster"]["mode"] = json!("zookeeper");
        } else {
            doc["cluster"]["controllers"] = json!(3);
        }
        doc.as_object_mut().unwrap().remove("initial");
        doc["steps"] = json!([]);
        Scenario::from_value(doc)
    };
    let old = with(json!("0.10"), "zookeeper", json!({})).unwrap();
    let c = &old.spec.config;
    assert!(c.unsafe_truncate_to_hw && c.unclean_leader_election);
    assert!(!c.caught_up_by_previous_fetch && !c.strict_min_isr && !c.pre_vote);
    assert_eq!(c.zookeeper_max_in_flight, 1);
    let c = with(json!("3.6"), "kraft", json!({"min_insync_replicas": 2}))
        .unwrap()
        .spec
        .config;
    assert!(!c.strict_min_isr && !c.eligible_leader_replicas && c.caught_up_by_previous_fetch);
    assert_eq!(c.min_insync_replicas, 2);
    let c = with(
        json!("3.6"),
        "kraft",
        json!({"caught_up_by_previous_fetch": false}),
    )
    .unwrap()
    .spec
    .config;
    assert!(
        !c.caught_up_by_previous_fetch,
        "config wins over the release"
    );
    for (version, mode, field) in [
        (json!("2.0"), "kraft", "no KRaft mode"),
        (json!("4.0"), "zookeeper", "no ZooKeeper mode"),
        (json!("9.9"), "kraft", "unknown Kafka version"),
        (json!(3.6), "kraft", "expected a version string"),
    ] {
        let e = with(version, mode, json!({}))
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains("cluster.kafka_version") && e.contains(field),
            "{e}"
        );
    }
}
