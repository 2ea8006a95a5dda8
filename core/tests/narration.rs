//! Narration in step with the screen: every `say` step of every library scenario states what the
//! screen shows while it is read (`"shows"`, a partial capture plus violations), and this test
//! checks that claim at the exact moment the page displays the narration: when the scenario
//! engine stops at that step (the page runs the same engine on the same history).

use kraft_core::scenario::expect::check_shows;
use kraft_core::scenario::{Poll, Runner, Scenario, Step};
use std::path::PathBuf;

fn library() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../static/scenarios");
    let mut out: Vec<(String, Scenario)> = std::fs::read_dir(&dir)
        .expect("the scenario library")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), s)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Each narration's claim, checked when it is displayed; returns the failures.
fn claims_that_do_not_hold(scenario: &Scenario) -> Vec<String> {
    let mut r = Runner::new(scenario, None).expect("the cluster builds");
    let mut failures = Vec::new();
    loop {
        match r.engine.poll(&mut r.sim, u64::MAX, true) {
            Poll::Narration(i) => {
                let shows = &scenario.doc["steps"][i]["shows"];
                if shows.is_null() {
                    failures.push(format!("step {i}: a narration without \"shows\""));
                    continue;
                }
                let capture = r.sim.capture("shows");
                if let Err(e) = check_shows(shows, &capture, r.sim.violations()) {
                    let text = match &scenario.steps[i] {
                        Step::Say(t) => t.en.clone(),
                        _ => String::new(),
                    };
                    failures.push(format!(
                        "step {i} ({text:?}) at {} ms: {e}",
                        capture.time_ms
                    ));
                }
            }
            Poll::Budget => {}
            Poll::Done => break,
        }
    }
    failures
}

#[test]
fn every_narration_of_the_library_holds_when_it_is_shown() {
    let lib = library();
    assert!(lib.len() >= 16, "the library has {} scenarios", lib.len());
    let mut all = Vec::new();
    for (file, s) in &lib {
        let says = s.steps.iter().filter(|x| matches!(x, Step::Say(_))).count();
        assert!(says > 0, "{file} has no narration");
        for f in claims_that_do_not_hold(s) {
            all.push(format!("{file}: {f}"));
        }
    }
    assert!(
        all.is_empty(),
        "narration and screen disagree:\n{}",
        all.join("\n")
    );
}

#[test]
fn a_false_claim_is_caught() {
    // The first library scenario with a claimed leader, told the wrong leader.
    let (_, s) = library()
        .into_iter()
        .find(|(f, _)| f == "leader-crash.json")
        .expect("leader-crash.json");
    let mut doc = s.doc.clone();
    let steps = doc["steps"].as_array_mut().expect("steps");
    let say = steps
        .iter_mut()
        .rev()
        .find(|x| x.get("say").is_some())
        .expect("a narration");
    say["shows"] = serde_json::json!({"leader": 99});
    let wrong = Scenario::from_value(doc).expect("still a scenario");
    let failures = claims_that_do_not_hold(&wrong);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("leader"), "{failures:?}");
}
