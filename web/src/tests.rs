//! The UI's model, player and text, tested natively (`cargo test`) and in headless Chrome
//! (`wasm-pack test --headless --chrome web`).

use crate::i18n::{describe, t, Lang};
use crate::model::{Model, Settings};
use crate::player::Player;
use kraft_core::sim::Action;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn playing_advances_virtual_time_by_wall_time_times_speed() {
    let mut m = Model::new(Settings::default(), Lang::En);
    m.speed = 2.0;
    m.tick(1000.0);
    assert_eq!(m.sim().now(), 0, "paused: nothing moves");
    m.playing = true;
    for _ in 0..30 {
        m.tick(100.0);
    }
    assert_eq!(m.sim().now(), 6000);
    assert!(m.sim().acting_leader().is_some(), "a leader after 6 s");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_refused_action_becomes_a_notice_not_a_panic() {
    let mut m = Model::new(Settings::default(), Lang::En);
    m.act(Action::Resign(1));
    assert!(m
        .notice
        .as_ref()
        .is_some_and(|n| n.text(Lang::En).contains("not the leader")));
    assert!(m
        .notice
        .as_ref()
        .is_some_and(|n| n.text(Lang::Zh).contains("不是领导者")));
    m.act(Action::Crash(999));
    assert!(m.notice.is_some());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn saved_sessions_restore_to_the_same_cluster() {
    let mut m = Model::new(
        Settings {
            seed: 4,
            ..Settings::default()
        },
        Lang::Zh,
    );
    m.playing = true;
    m.tick(20_000.0);
    m.act(Action::Crash(2));
    m.playing = true;
    m.tick(8000.0);
    let saved = m.saved();
    let json = serde_json::to_string(&saved).unwrap();
    let mut other = Model::new(Settings::default(), Lang::En);
    other.restore(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(other.sim().capture("x"), m.sim().capture("x"));
    assert_eq!(other.lang, Lang::Zh);
    // A broken session is refused and leaves the model alone.
    let before = other.sim().capture("x");
    let mut bad = saved.clone();
    bad.version = 99;
    assert!(other.restore(bad).is_err());
    assert_eq!(other.sim().capture("x"), before);
    let mut endless = saved.clone();
    endless.time_ms = u64::MAX / 2;
    assert!(
        other.restore(endless).is_err(),
        "an absurdly long session is refused, not replayed"
    );
    assert_eq!(other.sim().capture("x"), before);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_library_scenario_plays_to_its_end_in_the_player() {
    for name in crate::library::NAMES {
        let s = crate::library::load(name).unwrap_or_else(|| panic!("{name} loads"));
        // Scenarios that show a broken rule (an unsafe switch) say so in their expectations.
        let shows_a_violation = !matches!(
            s.doc["expect"]["violations"],
            serde_json::Value::Null | serde_json::Value::Bool(false)
        );
        let (tl, p, _) = play_through(s);
        let (reached, total) = p.narration_progress(&tl);
        assert_eq!(reached, total, "{name}: every narration reached");
        assert!(p.problem().is_none(), "{name}: {:?}", p.problem());
        assert!(p.ended, "{name}: the run ended");
        assert_eq!(
            !tl.sim().violations().is_empty(),
            shows_a_violation,
            "{name}"
        );
    }
}

/// Plays a scenario as the page does (frames of 100 ms, Next at each narration) to its end;
/// also returns how many times playing stopped.
fn play_through(s: kraft_core::Scenario) -> (kraft_core::Timeline, Player, usize) {
    let sim = kraft_core::Simulation::new(s.spec.clone()).unwrap();
    let mut tl = kraft_core::Timeline::new(sim, crate::model::CHECKPOINT_MS);
    let mut p = Player::new(s);
    let mut stops = 0;
    for _ in 0..100_000 {
        let mut playing = true;
        p.run_for(&mut tl, 100, &mut playing);
        if !playing {
            stops += 1;
        }
        if p.ended {
            break;
        }
    }
    (tl, p, stops)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_scenario_ends_paused_and_then_runs_on_freely() {
    let s = crate::library::load("one-way-cut").unwrap();
    let (mut tl, mut p, _) = play_through(s);
    let end = tl.now();
    let mut playing = true;
    p.run_for(&mut tl, 100, &mut playing);
    assert!(playing, "after the end, Play runs the cluster on");
    assert_eq!(tl.now(), end + 100);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn scrubbing_back_keeps_the_narration_of_that_moment_and_play_returns_to_the_engine() {
    let s = crate::library::load("leader-crash").unwrap();
    let straight = play_through(s.clone()).0.sim().capture("end");
    // Reach the third narration, then look back at the second.
    let sim = kraft_core::Simulation::new(s.spec.clone()).unwrap();
    let mut tl = kraft_core::Timeline::new(sim, crate::model::CHECKPOINT_MS);
    let mut p = Player::new(s);
    while p.marks.len() < 3 {
        let mut playing = true;
        p.run_for(&mut tl, 100, &mut playing);
    }
    assert_eq!(p.narration_progress(&tl).0, 3);
    let third = p.narration(&tl).map(|(i, _)| i);
    p.previous(&mut tl);
    assert!(p.in_past(&tl));
    assert_eq!(p.narration_progress(&tl).0, 2);
    assert_eq!(tl.position(), p.marks[1].at);
    assert_eq!(p.narration(&tl).map(|(i, _)| i), Some(p.marks[1].step));
    // Scrub to the start: no narration reached yet at time 0 unless the first is there.
    tl.seek(0);
    assert!(p.narration_progress(&tl).0 <= 1);
    // Play on: the history replays to where the engine stopped, then the engine goes on, and
    // the run ends exactly as a straight run does.
    for _ in 0..100_000 {
        let mut playing = true;
        p.run_for(&mut tl, 100, &mut playing);
        if p.ended {
            break;
        }
    }
    assert!(p.marks.iter().any(|m| Some(m.step) == third));
    assert_eq!(tl.sim().capture("end"), straight);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_experiment_loads_and_changes_one_setting() {
    let mut found = 0;
    for name in crate::library::NAMES {
        let base = crate::library::load(name).unwrap();
        for i in 0..crate::library::experiments(&base, Lang::En).len() {
            let s = crate::library::with_experiment(name, i)
                .unwrap_or_else(|| panic!("{name}: experiment {i} loads"));
            assert_ne!(
                s.spec.config, base.spec.config,
                "{name}: experiment {i} changes something"
            );
            found += 1;
        }
    }
    assert!(found >= 5, "{found} experiments");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_ui_string_has_both_languages() {
    let keys = [
        "title",
        "play",
        "pause",
        "step",
        "crash",
        "power-loss",
        "steady-load",
        "stop-load",
        "steady-load-running",
        "slow",
        "fast",
        "slow-node",
        "restart",
        "elect",
        "resign",
        "heal-all",
        "violations",
        "logs",
        "metadata",
        "events",
        "next",
        "previous",
        "scenario",
        "goal",
        "outcome",
    ];
    for k in keys {
        assert_ne!(t(Lang::En, k), k, "{k} lacks English");
        assert_ne!(t(Lang::Zh, k), t(Lang::En, k), "{k} lacks Chinese");
    }
    let ev = kraft_core::TraceKind::HighWatermark { node: 1, hw: 3 };
    assert!(describe(Lang::En, &ev).contains("committed"));
    assert!(describe(Lang::Zh, &ev).contains("已提交"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn settings_timeouts_change_the_cluster() {
    let slow = Settings {
        election_timeout_ms: 6000,
        fetch_timeout_ms: 9000,
        ..Settings::default()
    };
    let mut m = Model::new(Settings::default(), Lang::En);
    m.new_cluster(slow.clone());
    assert_eq!(m.sim().config().election_timeout_ms, 6000);
    assert_eq!(m.sim().config().fetch_timeout_ms, 9000);
    // Election timeouts are uniform in [T, 2T): nobody campaigns before 6 s.
    m.timeline.advance(5900);
    assert!(m.sim().acting_leader().is_none(), "no leader before 6 s");
    m.timeline.advance(7000);
    assert!(
        m.sim().acting_leader().is_some(),
        "a leader once they time out"
    );
    // The default cluster elects within about 2 s.
    let mut d = Model::new(Settings::default(), Lang::En);
    d.timeline.advance(2500);
    assert!(d.sim().acting_leader().is_some());
    // A bad value is refused with a reason in both languages, and the cluster stays.
    m.new_cluster(Settings {
        election_timeout_ms: 0,
        ..slow
    });
    let n = m.notice.as_ref().expect("refused");
    assert!(n.text(Lang::En).contains("election_timeout_ms"));
    assert!(n.text(Lang::Zh).contains("必须大于 0"));
    assert_eq!(m.sim().config().election_timeout_ms, 6000);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_explorer_path_opens_at_its_start_and_says_each_step_in_both_languages() {
    use crate::explorer::path_step;
    use crate::store::{update, Msg};
    use kraft_core::sim::explore::{ExploreOptions, Explorer, Faults};
    let mut m = Model::new(Settings::default(), Lang::En);
    m.timeline.advance(6000);
    // From a settled cluster, crash and lose messages: a path exists only if a rule breaks, so
    // open a hand-made one instead: the leader crashes and a follower's timer goes off.
    let leader = m.sim().acting_leader().expect("a leader after 6 s");
    let follower = m
        .sim()
        .controllers()
        .map(|n| n.node.id)
        .find(|id| *id != leader)
        .unwrap();
    let steps = m.sim().stats().steps;
    let path = vec![
        Action::Crash(leader),
        Action::Fire {
            node: follower,
            timer: kraft_core::protocol::node::Slot::FetchTimeout,
        },
    ];
    update(&mut m, Msg::OpenPath(path.clone()));
    assert_eq!(
        m.sim().stats().steps,
        steps,
        "the cursor is back at the start"
    );
    assert!(m.sim().node(leader).is_some_and(|n| n.alive));
    assert!(m
        .notice
        .as_ref()
        .is_some_and(|n| n.text(Lang::En).contains("Step")));
    assert!(m.timeline.step(), "the crash, then the timer");
    assert!(m.sim().node(leader).is_some_and(|n| !n.alive));
    assert_eq!(m.sim().stats().steps, steps + 1);
    assert_eq!(
        path_step(Lang::En, &Action::Deliver(7), Some((1, 2, "Vote"))),
        "Vote 1 → 2 (#7) arrives"
    );
    assert_eq!(
        path_step(Lang::Zh, &path[1], None),
        format!("节点 {follower} 的 fetch_timeout 定时器触发")
    );
    // The explorer runs in the page's model too (the panel's slices call this).
    let o = ExploreOptions {
        depth: 2,
        faults: Faults::default(),
        max_states: 10_000,
    };
    let p = Explorer::new(m.sim(), o).unwrap().run_to_end();
    assert!(p.done && p.found.is_none() && p.distinct > 0);
}
