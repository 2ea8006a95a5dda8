#![cfg(not(target_arch = "wasm32"))]
//! Bad input never panics: random and mutated scenario documents go to the loader (and, when they
//! load, to the runner). Every error names its field, and steps' errors name the step's index.

use kraft_core::scenario::{run, Scenario};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

fn seeds() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut docs: Vec<Value> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap())
        .collect();
    docs.sort_by_key(|d| d["name"].to_string());
    docs
}

fn random_value(rng: &mut Xoshiro256PlusPlus, depth: u32) -> Value {
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => json!(rng.random_range(0..2) == 1),
        2 => json!(rng.random_range(0..10)),
        3 => json!(-(rng.random_range(1..1000) as i64)),
        4 => json!(u64::MAX - rng.random_range(0..10)),
        5 => json!(rng.random_range(0..1000) as f64 / 7.0),
        6 => json!(["leader", "caught_up", "", "x", "1", "\u{4e2d}"][rng.random_range(0..6)]),
        7 if depth < 3 => Value::Array(
            (0..rng.random_range(0..3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        8 if depth < 3 => {
            let keys = [
                "node",
                "offset",
                "en",
                "zh",
                "ms",
                "name",
                "partitions",
                "leader_is",
                "zzz",
            ];
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..3) {
                m.insert(
                    keys[rng.random_range(0..keys.len())].to_string(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
        _ => json!(rng.random_range(0..20_000)),
    }
}

/// Replaces, deletes or adds something at a random place in the document.
fn mutate(v: &mut Value, rng: &mut Xoshiro256PlusPlus, depth: u32) {
    let descend = rng.random_range(0..3) != 0;
    match v {
        Value::Object(m) if !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = &keys[rng.random_range(0..keys.len())];
            match rng.random_range(0..6) {
                0 => {
                    m.remove(k);
                }
                1 => {
                    m.insert(
                        format!("unknown_{}", rng.random_range(0..5)),
                        random_value(rng, 0),
                    );
                }
                _ if descend && depth < 6 => {
                    if let Some(child) = m.get_mut(k) {
                        mutate(child, rng, depth + 1);
                    }
                }
                _ => {
                    m.insert(k.clone(), random_value(rng, 0));
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let i = rng.random_range(0..a.len());
            match rng.random_range(0..5) {
                0 => {
                    a.remove(i);
                }
                1 => a.insert(i, random_value(rng, 0)),
                _ if descend && depth < 6 => mutate(&mut a[i], rng, depth + 1),
                _ => a[i] = random_value(rng, 0),
            }
        }
        _ => *v = random_value(rng, 0),
    }
}

/// Total virtual time a scenario asks for, to keep the run part of this test fast.
fn span_ms(s: &Scenario) -> u64 {
    use kraft_core::scenario::Step;
    s.steps
        .iter()
        .map(|st| match st {
            Step::AdvanceMs(ms) | Step::Until { within_ms: ms, .. } | Step::Pause { ms, .. } => *ms,
            Step::Append(_) | Step::CreateTopic(_) => 30_000,
            _ => 0,
        })
        .sum()
}

fn check_document(text: &str, ran: &mut usize) {
    let loaded = catch_unwind(|| Scenario::from_json(text));
    let Ok(result) = loaded else {
        panic!("the loader panicked on:\n{text}")
    };
    match result {
        Err(e) => {
            assert!(
                !e.field.is_empty() && !e.message.is_empty(),
                "empty error for {text}"
            );
            if let Some(i) = e.step {
                assert!(
                    e.field.starts_with(&format!("steps[{i}]")),
                    "error {e} does not name step {i}"
                );
            }
        }
        Ok(s) if span_ms(&s) <= 120_000 => {
            let out = catch_unwind(AssertUnwindSafe(|| run(&s, Some(1000))));
            assert!(out.is_ok(), "the runner panicked on:\n{text}");
            *ran += 1;
        }
        Ok(_) => {}
    }
}

#[test]
fn mutated_documents_never_panic_and_errors_name_their_field() {
    let docs = seeds();
    assert!(!docs.is_empty());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
    let mut ran = 0;
    for i in 0..3000 {
        let mut doc = docs[i % docs.len()].clone();
        for _ in 0..rng.random_range(1..4) {
            mutate(&mut doc, &mut rng, 0);
        }
        check_document(&doc.to_string(), &mut ran);
    }
    assert!(
        ran > 50,
        "some mutants should still load and run ({ran} did)"
    );
}

#[test]
fn mangled_text_never_panics() {
    let docs = seeds();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut ran = 0;
    for i in 0..2000 {
        let mut bytes = docs[i % docs.len()].to_string().into_bytes();
        for _ in 0..rng.random_range(1..5) {
            let at = rng.random_range(0..bytes.len());
            match rng.random_range(0..3) {
                0 => bytes.truncate(at),
                1 => bytes[at] = b"{}[],:\"0a-\\"[rng.random_range(0..11)],
                _ => {
                    bytes.remove(at);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        check_document(&String::from_utf8_lossy(&bytes), &mut ran);
    }
}

#[test]
fn step_errors_name_index_and_field() {
    let base = json!({"name": "t", "cluster": {"controllers": 3}, "steps": [{"advance_ms": 1}, {"crash": "someone"}]});
    let e = Scenario::from_value(base).unwrap_err();
    assert_eq!((e.step, e.field.as_str()), (Some(1), "steps[1].crash"));
    let e = Scenario::from_value(
        json!({"name": "t", "cluster": {"controllers": 3}, "steps": [{"until": "leader"}]}),
    )
    .unwrap_err();
    assert_eq!(e.field, "steps[0].within_ms");
    let e = Scenario::from_value(
        json!({"name": "t", "cluster": {"controllers": 3, "config": {"fetch_timeout": 5}}}),
    )
    .unwrap_err();
    assert!(
        e.field == "cluster.config" && e.message.contains("fetch_timeout"),
        "{e}"
    );
    let e = Scenario::from_value(
        json!({"name": "t", "cluster": {"controllers": 3}, "steps": [{"crash": 9}]}),
    )
    .unwrap_err();
    assert!(e.step == Some(0) && e.message.contains('9'), "{e}");
    let e = Scenario::from_value(json!({"name": "t", "cluster": {"controllers": 3}, "steps": [{"advance_ms": 1, "crash": 1}]})).unwrap_err();
    assert_eq!(e.step, Some(0));
    let e = Scenario::from_value(
        json!({"name": "t", "cluster": {"controllers": 3}, "initial": {"2": {"log": [1, 3, 2]}}}),
    )
    .unwrap_err();
    assert!(e.message.contains("initial.2.log[2]"), "{e}");
    // An epoch below the log's last entry is raised to it, not refused.
    let s = Scenario::from_value(
        json!({"name": "t", "cluster": {"controllers": 3}, "initial": {"2": {"log": [1, 1, 4]}}}),
    )
    .unwrap();
    let sim = kraft_core::Simulation::new(s.spec).unwrap();
    assert_eq!(sim.node(2).unwrap().node.epoch(), 4);
}
