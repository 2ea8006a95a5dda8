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
