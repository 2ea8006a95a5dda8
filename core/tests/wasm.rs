//! The core in a real browser (`wasm-pack test --headless --chrome core`): the same scenario gives
//! exactly the native result, so history, sharing and rewind agree across platforms.
#![cfg(target_arch = "wasm32")]

use kraft_core::scenario::{run, Scenario};
use kraft_core::Timeline;
use kraft_core::{Action, ClusterSpec, Config, Simulation};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn figure_7_in_the_browser_equals_the_native_golden_run() {
    let s =
        Scenario::from_json(include_str!("../../tests/scenarios/figure-7-repair.json")).unwrap();
    let got = serde_json::to_string_pretty(&run(&s, Some(100))).unwrap();
    let want = include_str!("../../tests/golden/figure-7-repair.out.json");
    assert_eq!(got.trim(), want.trim());
}

#[wasm_bindgen_test]
fn unsafe_figure_8_breaks_safety_in_the_browser_too() {
    let s =
        Scenario::from_json(include_str!("../../tests/scenarios/figure-8-unsafe.json")).unwrap();
    let out = run(&s, None);
    assert_eq!(out.exit_code(), 1);
    assert!(out
        .violations
        .iter()
        .any(|v| v.invariant == "ConsistentCommittedData"));
}

#[wasm_bindgen_test]
fn timeline_seek_is_exact_in_the_browser() {
    let sim = Simulation::new(ClusterSpec::new(5, 5, 3, Config::default())).unwrap();
    let mut t = Timeline::new(sim, 1000);
    t.advance(5000);
    let leader = t.sim().acting_leader().unwrap();
    t.apply(Action::Crash(leader)).unwrap();
    t.advance(8000);
    for target in [1234, 9000, 500, 13000] {
        t.seek(target);
        assert_eq!(
            t.sim().capture("x"),
            t.fresh_at(target).unwrap().capture("x")
        );
    }
}
