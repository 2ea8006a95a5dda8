#![cfg(not(target_arch = "wasm32"))]
//! The `kraft-sim` contract: output shape and exit codes 0 / 1 / 2.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn sim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kraft-sim"))
        .args(args)
        .output()
        .expect("kraft-sim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/scenarios")
        .join(name)
        .display()
        .to_string()
}

fn temp_file(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("kraft-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn run_prints_the_contract_json_and_exits_0() {
    let (code, out, _) = sim(&[
        "run",
        &scenario("figure-7-repair.json"),
        "--capture-every",
        "100",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    for key in ["scenario", "captures", "violations", "stats", "error"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let caps = v["captures"].as_array().unwrap();
    assert!(
        caps.iter().any(|c| c["label"] == "t"),
        "--capture-every adds captures labelled t"
    );
    let cap = caps.iter().find(|c| c["label"] == "repaired").unwrap();
    let node = &cap["nodes"][0];
    for key in [
        "id",
        "kind",
        "alive",
        "role",
        "epoch",
        "leader",
        "voted_for",
        "log_start_offset",
        "log",
        "leo",
        "hw",
        "snapshot",
    ] {
        assert!(node.get(key).is_some(), "node lacks {key}");
    }
    assert_eq!(
        node["log"][10],
        serde_json::json!({"offset": 10, "epoch": 8, "kind": "leader_change"})
    );
    assert!(cap["metadata"]["brokers"].is_array() && cap["metadata"]["topics"].is_array());
}

#[test]
fn violations_and_failed_conditions_exit_1() {
    let (code, out, _) = sim(&["run", &scenario("figure-8-unsafe.json")]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(!v["violations"].as_array().unwrap().is_empty());
    let f = temp_file(
        "never.json",
        r#"{"name": "never", "cluster": {"controllers": 3}, "steps": [{"isolate": 1}, {"isolate": 2}, {"until": "leader", "within_ms": 3000}]}"#,
    );
    let (code, out, _) = sim(&["run", &f]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["step"], 2);
}

#[test]
fn invalid_scenarios_exit_2_with_the_problem_named() {
    let f = temp_file(
        "bad.json",
        r#"{"name": "bad", "cluster": {"controllers": 3}, "steps": [{"advance_ms": 5}, {"pause": 1}]}"#,
    );
    let (code, out, err) = sim(&["run", &f]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("steps[1].ms"), "{err}");
    let f = temp_file("notjson.json", "{ nope");
    let (code, _, err) = sim(&["run", &f]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    let (code, _, err) = sim(&["run", "/nonexistent/file.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));
    let (code, _, _) = sim(&["frobnicate"]);
    assert_eq!(code, 2);
    let (code, _, err) = sim(&[
        "run",
        &scenario("figure-7-repair.json"),
        "--capture-every",
        "soon",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--capture-every"));
    // A broker the cluster does not have, named where the document names it.
    let f = temp_file(
        "unknown-broker.json",
        r#"{"name": "b", "cluster": {"controllers": 3, "brokers": 2},
            "steps": [{"create_topic": {"name": "t", "assignments": [[101, 107]]}}, {"power_loss": 101}]}"#,
    );
    let (code, _, err) = sim(&["run", &f]);
    assert_eq!(code, 2);
    assert!(
        err.contains("steps[0].create_topic.assignments[0][1]"),
        "{err}"
    );
    let f = temp_file(
        "unknown-power-loss.json",
        r#"{"name": "b", "cluster": {"controllers": 3, "brokers": 2}, "steps": [{"power_loss": [101, 107]}]}"#,
    );
    let (code, _, err) = sim(&["run", &f]);
    assert_eq!(code, 2);
    assert!(err.contains("steps[0]") && err.contains("107"), "{err}");
}

#[test]
fn chaos_reports_seeds_and_exits_by_violations() {
    let (code, out, _) = sim(&[
        "chaos",
        "--seeds",
        "5",
        "--steps",
        "200",
        "--controllers",
        "3",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["seeds"], 5);
    assert!(v["events"].as_u64().unwrap() > 1000);
    let (code, out, err) = sim(&[
        "chaos",
        "--seeds",
        "50",
        "--steps",
        "2000",
        "--config",
        r#"{"unsafe_commit_previous_epoch":true,"leader_change_record":false}"#,
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let seed = v["violations"][0]["seed"].as_u64().unwrap();
    assert!(err.contains(&format!("--seed {seed}")), "{err}");
    let (code, _, err) = sim(&["chaos", "--config", r#"{"nonsense": 1}"#]);
    assert_eq!(code, 2);
    assert!(err.contains("nonsense"));
}

#[test]
fn explore_prints_the_contract_json_exits_by_what_it_found_and_its_scenario_replays() {
    // Nothing can break within 4 events of the Figure-8 start: exit 0, every field there.
    let (code, out, err) = sim(&[
        "explore",
        &scenario("explore-figure-8.json"),
        "--depth",
        "4",
        "--faults",
        "crash",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["depth", "distinct", "scenario", "states", "violation"]
    );
    assert_eq!(v["depth"], 4);
    assert!(v["states"].as_u64().unwrap() >= v["distinct"].as_u64().unwrap());
    assert!(v["violation"].is_null() && v["scenario"].is_null());
    // From the guided scenario's moment before its explore step: a violation, exit 1, and the
    // scenario printed replays to the same invariant under `run`.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("static/scenarios/explorer-figure-8.json")).unwrap(),
    )
    .unwrap();
    let steps = doc["steps"].as_array().unwrap().clone();
    let cut = steps
        .iter()
        .position(|s| s.get("explore").is_some())
        .unwrap();
    doc["steps"] = Value::Array(steps[..cut].to_vec());
    let file = temp_file("explore.json", &doc.to_string());
    let (code, out, err) = sim(&["explore", &file, "--depth", "8"]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["violation"]["invariant"], "LeaderCompleteness");
    assert_eq!(v["depth"], 5);
    let replay = temp_file("explore-path.json", &v["scenario"].to_string());
    let (code, out, _) = sim(&["run", &replay]);
    assert_eq!(code, 1);
    let run: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(run["violations"][0]["invariant"], "LeaderCompleteness");
    assert!(run["error"].is_null());
    // Bad flags are usage errors.
    for args in [
        vec!["explore", &file, "--faults", "meteor"],
        vec!["explore", &file, "--depth", "0"],
        vec!["explore", &file, "--max-states", "x"],
        vec!["explore"],
    ] {
        assert_eq!(sim(&args).0, 2, "{args:?}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_without_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    // The trace of this scenario is far larger than a pipe holds: most lines meet a closed pipe.
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../static/scenarios/acks-tradeoff.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kraft-sim"))
        .args(["trace", &file.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kraft-sim runs");
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0));
}
