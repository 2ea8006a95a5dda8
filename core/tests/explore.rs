#![cfg(not(target_arch = "wasm32"))]
//! The explorer: forced steps, the state fingerprint, the search itself and its paths written
//! back as scenarios that `run` replays.

use kraft_core::protocol::node::Slot;
use kraft_core::scenario::explore::{counterexample, end_state};
use kraft_core::scenario::{run, Scenario, Step};
use kraft_core::sim::explore::{ExploreOptions, Explorer, Faults};
use kraft_core::sim::{Action, ActionError, Simulation};
use kraft_core::Role;
use std::path::Path;

fn load(path: &str) -> Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    Scenario::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The guided scenario up to its `explore` step: node 1 committed its epoch-2 entry with the
/// unsafe switch, node 3 (epoch-3 entry) is back on the network.
fn before_explore(unsafe_commit: bool) -> Scenario {
    let mut doc = load("static/scenarios/explorer-figure-8.json").doc;
    let steps = doc["steps"].as_array().unwrap().clone();
    let cut = steps
        .iter()
        .position(|s| s.get("explore").is_some())
        .unwrap();
    let mut steps = steps[..cut].to_vec();
    if !unsafe_commit {
        // Without the switch node 1 cannot commit the old entry: wait as long instead.
        for st in &mut steps {
            if st.get("until").is_some() {
                *st = serde_json::json!({ "advance_ms": 1000 });
            }
        }
    }
    doc["steps"] = serde_json::Value::Array(steps);
    doc["cluster"]["config"]["unsafe_commit_previous_epoch"] = unsafe_commit.into();
    Scenario::from_value(doc).unwrap()
}

fn opts(depth: usize) -> ExploreOptions {
    ExploreOptions {
        depth,
        faults: Faults::default(),
        max_states: 1_000_000,
    }
}

fn msg_id(sim: &Simulation, from: u32, to: u32, rpc: &str) -> u64 {
    sim.in_flight()
        .filter(|(e, _)| e.from == from && e.to == to && e.msg.rpc() == rpc)
        .map(|(e, _)| e.id)
        .min()
        .unwrap_or_else(|| panic!("no {rpc} from {from} to {to} on the wire"))
}

#[test]
fn the_explorer_finds_the_shortest_path_to_a_lost_committed_entry_and_run_replays_it() {
    let s = before_explore(true);
    let start = end_state(&s).unwrap();
    assert!(start.violations().is_empty());
    let found = Explorer::new(&start, opts(8)).unwrap().run_to_end();
    let f = found.found.expect("a violation within 8 steps");
    assert_eq!(f.violation.invariant, "LeaderCompleteness");
    assert_eq!(f.path.len(), 5, "path: {:?}", f.path);
    assert_eq!(found.depth, 5);
    // The last two events: node 3's vote request reaches node 2, node 2's grant reaches node 3.
    assert_eq!(
        f.messages[3..],
        [Some((3, 2, "Vote")), Some((2, 3, "VoteResponse"))]
    );
    // Shortest: nothing breaks within 4 steps.
    let shorter = Explorer::new(&start, opts(4)).unwrap().run_to_end();
    assert!(shorter.found.is_none());
    assert_eq!(shorter.depth, 4);
    // The path as a scenario: the loader takes it and a plain run breaks the same rule.
    let doc = counterexample(&s, &f.path, f.violation.invariant);
    assert_eq!(doc["expect"]["violations"][0], "LeaderCompleteness");
    let replay = Scenario::from_value(doc).unwrap();
    assert_eq!(replay.steps.len(), s.steps.len() + 5);
    let out = run(&replay, None);
    assert_eq!(out.error, None);
    assert_eq!(
        out.violations.first().map(|v| v.invariant),
        Some("LeaderCompleteness")
    );
}

#[test]
fn with_the_switch_off_the_same_search_finds_nothing() {
    let start = end_state(&before_explore(false)).unwrap();
    let p = Explorer::new(&start, opts(8)).unwrap().run_to_end();
    assert!(p.found.is_none(), "{:?}", p.found);
    assert_eq!(p.depth, 8);
    assert!(!p.cut_short);
    assert!(p.distinct > 1_000, "distinct {}", p.distinct);
}

#[test]
fn the_explore_step_takes_the_path_and_the_guided_scenario_ends_broken() {
    let s = load("static/scenarios/explorer-figure-8.json");
    assert!(s.steps.iter().any(|st| matches!(st, Step::Explore { .. })));
    let out = run(&s, None);
    assert_eq!(out.error, None);
    assert_eq!(
        out.violations.first().map(|v| v.invariant),
        Some("LeaderCompleteness")
    );
}

#[test]
fn a_forced_timer_moves_only_its_own_nodes_clock() {
    // Node 1's election timer goes off late on its clock; node 2's own deadline, earlier on
    // the global clock, must not be overdue when node 1's Vote reaches it.
    let mut sim = end_state(&load("tests/scenarios/explore-figure-8.json")).unwrap();
    sim.apply(Action::Fire {
        node: 1,
        timer: Slot::Election,
    })
    .unwrap();
    let vote = msg_id(&sim, 1, 2, "Vote");
    sim.apply(Action::Deliver(vote)).unwrap();
    let n2 = sim.node(2).unwrap();
    assert_eq!((n2.node.role(), n2.node.epoch()), (Role::Unattached, 4));
    assert_eq!(n2.node.voted_for(), Some(1));
    assert_eq!(
        sim.apply(Action::Deliver(vote)),
        Err(ActionError::NotInFlight(vote))
    );
    assert_eq!(
        sim.apply(Action::Fire {
            node: 2,
            timer: Slot::CheckQuorum
        }),
        Err(ActionError::NoTimer {
            node: 2,
            slot: Slot::CheckQuorum
        })
    );
}

#[test]
fn interleavings_that_commute_meet_in_one_fingerprint() {
    let mut sim = end_state(&load("tests/scenarios/explore-figure-8.json")).unwrap();
    sim.apply(Action::Fire {
        node: 1,
        timer: Slot::Election,
    })
    .unwrap();
    let (to2, to3) = (msg_id(&sim, 1, 2, "Vote"), msg_id(&sim, 1, 3, "Vote"));
    let (mut a, mut b) = (sim.clone(), sim.clone());
    a.apply(Action::Deliver(to2)).unwrap();
    a.apply(Action::Deliver(to3)).unwrap();
    b.apply(Action::Deliver(to3)).unwrap();
    b.apply(Action::Deliver(to2)).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    // Different states differ: one vote delivered is not two.
    let mut c = sim.clone();
    c.apply(Action::Deliver(to2)).unwrap();
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert_ne!(sim.fingerprint(), c.fingerprint());
    // A crash is part of the state.
    let mut d = a.clone();
    d.apply(Action::Crash(3)).unwrap();
    assert_ne!(a.fingerprint(), d.fingerprint());
}

#[test]
fn explorer_options_and_fault_names_are_checked() {
    let start = end_state(&load("tests/scenarios/explore-figure-8.json")).unwrap();
    assert!(Explorer::new(&start, opts(0)).is_err());
    assert!(Explorer::new(&start, opts(61)).is_err());
    assert!(Faults::parse("crash,drop").is_ok_and(|f| f.crash && f.drop && !f.duplicate));
    assert!(Faults::parse("crash,explode").is_err());
}

#[test]
fn crash_faults_and_message_faults_widen_the_search() {
    let start = end_state(&before_explore(false)).unwrap();
    let count = |faults: Faults| {
        let o = ExploreOptions {
            depth: 3,
            faults,
            max_states: 1_000_000,
        };
        Explorer::new(&start, o).unwrap().run_to_end().distinct
    };
    let none = count(Faults::default());
    let crash = count(Faults {
        crash: true,
        ..Faults::default()
    });
    let drop = count(Faults {
        drop: true,
        ..Faults::default()
    });
    assert!(crash > none && drop > none, "{none} {crash} {drop}");
}

#[test]
fn a_found_path_opens_in_the_timeline_one_event_per_step() {
    use kraft_core::Timeline;
    let start = end_state(&before_explore(true)).unwrap();
    let path = Explorer::new(&start, opts(8))
        .unwrap()
        .run_to_end()
        .found
        .unwrap()
        .path;
    let mut tl = Timeline::new(start, 2000);
    let steps = tl.sim().stats().steps;
    for a in &path {
        tl.apply(a.clone()).unwrap();
    }
    assert_eq!(tl.sim().violations().len(), 1);
    // Back to where the path began, then forward one event at a time.
    tl.seek_to_step(steps);
    assert!(tl.sim().violations().is_empty());
    for k in 1..=path.len() {
        assert!(tl.step());
        assert_eq!(tl.sim().stats().steps, steps + k as u64);
        assert_eq!(
            tl.sim().violations().len(),
            usize::from(k == path.len()),
            "step {k}"
        );
    }
}

#[test]
fn the_explorer_finds_kip_101s_lost_record_with_the_pre_epoch_switch_and_nothing_without() {
    // Leader 102 holds the acknowledged 2.0 with HW 1 (the isolated 101 was fenced). Before
    // leader epochs a restarted replica cut its log to its HW: crash and restart 102.
    let s = load("tests/scenarios/explore-kip-101.json");
    let start = end_state(&s).unwrap();
    let crash = ExploreOptions {
        depth: 6,
        faults: Faults {
            crash: true,
            ..Faults::default()
        },
        max_states: 1_000_000,
    };
    let f = Explorer::new(&start, crash)
        .unwrap()
        .run_to_end()
        .found
        .expect("a lost record");
    assert_eq!(f.violation.invariant, "AckedRecordLost");
    assert_eq!(f.path, [Action::Crash(102), Action::Restart(102)]);
    let replay = Scenario::from_value(counterexample(&s, &f.path, "AckedRecordLost")).unwrap();
    let out = run(&replay, None);
    assert!(kraft_core::scenario::expect::check(&replay, &out).is_ok());
    assert_eq!(
        out.violations.first().map(|v| v.invariant),
        Some("AckedRecordLost")
    );
    // The same moment with leader epochs: nothing within 6 events, crashes included.
    let safe = end_state(&load("tests/scenarios/explore-kip-101-safe.json")).unwrap();
    let p = Explorer::new(&safe, crash).unwrap().run_to_end();
    assert!(p.found.is_none(), "{:?}", p.found);
    assert_eq!(p.depth, 6);
}
