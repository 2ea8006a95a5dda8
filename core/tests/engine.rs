#![cfg(not(target_arch = "wasm32"))]
//! One scenario engine: the page drives it a frame at a time on a timeline, the CLI in one call on
//! a bare simulation. Both must give the same history, so the page passes the same `expect`.

use kraft_core::scenario::{expect, Engine, Poll, RunOutput, Scenario};
use kraft_core::{run, Simulation, Timeline};
use std::path::Path;

fn scenarios() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["tests/scenarios", "static/scenarios"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            out.push(Scenario::from_json(&text).unwrap_or_else(|e| panic!("{f:?}: {e}")));
        }
    }
    out
}

/// Drives the engine on a timeline the way the page does: slices of `slice` ms of virtual time,
/// stopping at every narration and going on.
fn run_on_timeline(s: &Scenario, slice: u64) -> (RunOutput, Timeline) {
    let sim = Simulation::new(s.spec.clone()).unwrap();
    let mut tl = Timeline::new(sim, 2000);
    let mut engine = Engine::new(s, None);
    let mut frames = 0;
    loop {
        let until = tl.now() + slice;
        match engine.poll(&mut tl, until, true) {
            Poll::Done => break,
            Poll::Budget | Poll::Narration(_) => {}
        }
        frames += 1;
        assert!(frames < 1_000_000, "{}: the engine never finishes", s.name);
    }
    let mut sim = tl.sim().clone();
    sim.full_check();
    let out = RunOutput {
        scenario: s.name.clone(),
        captures: engine.captures.clone(),
        violations: sim.violations().to_vec(),
        stats: sim.stats(),
        error: engine
            .error()
            .map(|(step, e)| kraft_core::scenario::StepError {
                step: *step,
                message: e.to_string(),
            }),
    };
    (out, tl)
}

#[test]
fn the_page_and_the_cli_run_every_scenario_to_the_same_history() {
    let all = scenarios();
    assert!(all.len() >= 30, "found {} scenarios", all.len());
    for s in &all {
        let cli = run(s, None);
        for slice in [1, 37, 1000] {
            let (page, tl) = run_on_timeline(s, slice);
            expect::check(s, &page)
                .unwrap_or_else(|e| panic!("{} (slices of {slice} ms): {e}", s.name));
            assert_eq!(page.captures, cli.captures, "{}: captures", s.name);
            assert_eq!(page.stats, cli.stats, "{}: same events, same time", s.name);
            assert_eq!(page.error, cli.error, "{}: same outcome", s.name);
            // The page's history is replayable: a fresh replay lands on the same state.
            let (now, events) = (tl.now(), tl.sim().events_processed());
            let fresh = Timeline::from_position(tl.recording().clone(), 2000, now, events).unwrap();
            assert_eq!(
                fresh.sim().capture("end"),
                tl.sim().capture("end"),
                "{}",
                s.name
            );
        }
    }
}

#[test]
fn a_one_way_cut_is_down_in_one_direction_only() {
    use kraft_core::{Action, ClusterSpec, Config, Simulation};
    let mut sim = Simulation::new(ClusterSpec::new(1, 3, 0, Config::default())).unwrap();
    assert!(sim.is_link_up(1, 2));
    sim.apply(Action::CutOneWay { from: 1, to: 2 }).unwrap();
    assert!(!sim.is_link_up(1, 2));
    assert!(sim.is_link_up(2, 1));
    assert_eq!(sim.cut_links().copied().collect::<Vec<_>>(), vec![(1, 2)]);
}

#[test]
fn a_node_that_is_down_or_paused_cannot_be_told_to_campaign() {
    use kraft_core::sim::ActionError;
    use kraft_core::{Action, ClusterSpec, Config, Simulation};
    let mut sim = Simulation::new(ClusterSpec::new(1, 3, 0, Config::default())).unwrap();
    sim.apply(Action::Crash(1)).unwrap();
    assert_eq!(sim.apply(Action::Elect(1)), Err(ActionError::Down(1)));
    sim.apply(Action::Pause { node: 2, ms: 1000 }).unwrap();
    assert_eq!(sim.apply(Action::Elect(2)), Err(ActionError::Paused(2)));
}

fn three_controllers(config: kraft_core::Config) -> kraft_core::Simulation {
    kraft_core::Simulation::new(kraft_core::ClusterSpec::new(3, 3, 0, config)).unwrap()
}

#[test]
fn run_until_stops_at_its_limit_when_the_condition_never_holds() {
    let mut sim = three_controllers(kraft_core::Config::default());
    assert!(!sim.run_until(1500, |_| false));
    assert_eq!(sim.now(), 1500);
    assert!(sim.trace_since(0).all(|e| e.time <= 1500));
}

#[test]
fn message_loss_and_duplication_happen_at_the_configured_rates() {
    use kraft_core::protocol::event::DropReason;
    use kraft_core::TraceKind;
    let count = |sim: &kraft_core::Simulation, f: &dyn Fn(&TraceKind) -> bool| {
        sim.trace_since(0).filter(|e| f(&e.kind)).count()
    };
    let mut lossy = three_controllers(kraft_core::Config {
        loss: 0.9,
        ..kraft_core::Config::default()
    });
    lossy.advance(3000);
    let sent = count(&lossy, &|k| matches!(k, TraceKind::Send { .. }));
    let lost = count(&lossy, &|k| {
        matches!(
            k,
            TraceKind::Drop {
                reason: DropReason::Loss,
                ..
            }
        )
    });
    assert!(
        lost * 10 > (sent + lost) * 7,
        "{lost} lost of {}",
        sent + lost
    );
    assert_eq!(lossy.stats().messages_dropped, lost as u64);
    let mut doubled = three_controllers(kraft_core::Config {
        duplicate: 0.9,
        ..kraft_core::Config::default()
    });
    doubled.advance(3000);
    let mut ids = std::collections::BTreeMap::new();
    for e in doubled.trace_since(0) {
        if let TraceKind::Send { id, .. } = e.kind {
            *ids.entry(id).or_insert(0) += 1;
        }
    }
    let twice = ids.values().filter(|n| **n == 2).count();
    assert!(
        twice * 10 > ids.len() * 7,
        "{twice} of {} sent twice",
        ids.len()
    );
}

#[test]
fn a_crashed_node_runs_none_of_its_timers() {
    use kraft_core::{Action, Role};
    let mut sim = three_controllers(kraft_core::Config::default());
    assert!(sim.run_until(10_000, |s| s.acting_leader().is_some()));
    let leader = sim.acting_leader().unwrap();
    let follower = [1, 2, 3].into_iter().find(|n| *n != leader).unwrap();
    sim.advance(1000);
    let before = sim.node(follower).map(|n| (n.node.role(), n.node.epoch()));
    sim.apply(Action::Crash(follower)).unwrap();
    // Its fetch and election timers come due while it is down: nothing happens to it.
    sim.advance(10_000);
    let after = sim.node(follower).map(|n| (n.node.role(), n.node.epoch()));
    assert_eq!(after, before);
    assert!(matches!(before, Some((Role::Follower, _))));
}

#[test]
fn messages_on_the_wire_are_listed_in_flight() {
    let mut sim = three_controllers(kraft_core::Config::default());
    assert!(sim.run_until(10_000, |s| s.in_flight().next().is_some()));
    let (env, at) = sim.in_flight().next().unwrap();
    assert!(at >= sim.now() && env.from != env.to);
}

#[test]
fn a_replay_up_to_a_time_includes_the_actions_taken_at_that_time() {
    use kraft_core::{Action, Simulation};
    let mut sim = three_controllers(kraft_core::Config::default());
    sim.advance(1000);
    sim.apply(Action::Crash(1)).unwrap();
    sim.advance(500);
    let rec = sim.recording();
    assert_eq!(
        Simulation::replay(&rec, Some(1000))
            .unwrap()
            .actions_applied(),
        1
    );
    assert_eq!(
        Simulation::replay(&rec, Some(999))
            .unwrap()
            .actions_applied(),
        0
    );
    sim.advance(5000);
    assert!(
        sim.max_log_len() > 1,
        "a leader change and NoOps were written"
    );
}
