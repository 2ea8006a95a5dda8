//! A scenario's stated outcome (`expect`), checked against a run: the library's scenarios are
//! tests too. Expected captures match partially: every field named must equal the run's.
//!
//! ```json
//! "expect": {
//!   "violations": ["ConsistentCommittedData"],   // or true / false (default false)
//!   "error": false,                              // a step's condition may fail on purpose
//!   "captures": {"after-election": {"leader": 4, "nodes": {"4": {"role": "leader"}, "controllers": {"hw": 11}}}}
//! }
//! ```
//! In `nodes`, keys are node ids, or `controllers` / `brokers` for every live node of that kind.

use crate::scenario::{RunOutput, Scenario};
use serde_json::Value;

pub fn check(scenario: &Scenario, out: &RunOutput) -> Result<(), String> {
    let expect = scenario.doc.get("expect").cloned().unwrap_or(Value::Null);
    let want_error = expect
        .get("error")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if want_error != out.error.is_some() {
        return Err(format!("expected error: {want_error}, got {:?}", out.error));
    }
    match expect.get("violations").unwrap_or(&Value::Bool(false)) {
        Value::Bool(want) => {
            if *want == out.violations.is_empty() {
                return Err(format!(
                    "expected violations: {want}, got {:?}",
                    out.violations
                ));
            }
        }
        Value::Array(names) => {
            for n in names.iter().filter_map(Value::as_str) {
                if !out.violations.iter().any(|v| v.invariant == n) {
                    return Err(format!(
                        "expected a {n} violation, got {:?}",
                        out.violations
                    ));
                }
            }
        }
        other => {
            return Err(format!(
                "expect.violations must be a bool or a list, got {other}"
            ))
        }
    }
    if let Some(caps) = expect.get("captures").and_then(Value::as_object) {
        for (label, want) in caps {
            let cap = out
                .captures
                .iter()
                .find(|c| &c.label == label)
                .ok_or_else(|| format!("no capture labelled {label:?}"))?;
            let got = serde_json::to_value(cap).map_err(|e| e.to_string())?;
            matches(want, &got, label)?;
        }
    }
    Ok(())
}

/// What a narration step says the screen shows (`"shows"` on a `say` step): a partial capture,
/// plus `"violations"` (true, false, or invariant names that must have been reported).
pub fn check_shows(
    shows: &Value,
    capture: &crate::sim::Capture,
    violations: &[crate::sim::Violation],
) -> Result<(), String> {
    let Some(fields) = shows.as_object() else {
        return Err(format!("shows must be an object, got {shows}"));
    };
    let mut rest = serde_json::Map::new();
    for (k, v) in fields {
        match (k.as_str(), v) {
            ("violations", Value::Bool(want)) => {
                if *want == violations.is_empty() {
                    return Err(format!(
                        "violations shown: expected {want}, got {violations:?}"
                    ));
                }
            }
            ("violations", Value::Array(names)) => {
                for n in names {
                    if !violations.iter().any(|x| Some(x.invariant) == n.as_str()) {
                        return Err(format!("violations shown: no {n} among {violations:?}"));
                    }
                }
            }
            ("violations", other) => {
                return Err(format!(
                    "shows.violations must be a bool or a list, got {other}"
                ))
            }
            _ => {
                rest.insert(k.clone(), v.clone());
            }
        }
    }
    let got = serde_json::to_value(capture).map_err(|e| e.to_string())?;
    matches(&Value::Object(rest), &got, "shows")
}

fn matches(want: &Value, got: &Value, path: &str) -> Result<(), String> {
    match (want, got) {
        (Value::Object(w), Value::Array(nodes)) => {
            for (k, wv) in w {
                let selected: Vec<&Value> = match k.as_str() {
                    "controllers" | "brokers" => {
                        let kind = &k[..k.len() - 1];
                        nodes
                            .iter()
                            .filter(|n| n["kind"] == kind && n["alive"] == true)
                            .collect()
                    }
                    id => nodes
                        .iter()
                        .filter(|n| n["id"].as_u64().is_some_and(|x| x.to_string() == id))
                        .collect(),
                };
                if selected.is_empty() {
                    return Err(format!("{path}.{k}: no such node"));
                }
                for n in selected {
                    matches(wv, n, &format!("{path}.{}", n["id"]))?;
                }
            }
            Ok(())
        }
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let gv = g
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: missing in the capture"))?;
                matches(wv, gv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .try_for_each(|(i, (a, b))| matches(a, b, &format!("{path}[{i}]"))),
        _ if want == got => Ok(()),
        _ => Err(format!("{path}: expected {want}, got {got}")),
    }
}
