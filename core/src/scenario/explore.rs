//! The explorer on a scenario (`kraft-sim explore`): run the scenario's steps, search from where
//! they leave the cluster, and write the shortest path found back as a scenario whose extra steps
//! force it (`deliver`, `fire`, `crash`, `restart`, `drop`, `duplicate`), so `kraft-sim run`
//! replays it to the same broken invariant.

use crate::scenario::loader::Scenario;
use crate::scenario::runner::Runner;
use crate::sim::explore::{ExploreError, ExploreOptions, Explorer, Progress};
use crate::sim::{Action, Fault, Simulation};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;

/// What `kraft-sim explore` prints (docs/contracts.md, command line).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExploreOutput {
    pub states: u64,
    pub distinct: u64,
    pub depth: usize,
    pub violation: Option<Broken>,
    /// The scenario that replays the path (null when nothing broke).
    pub scenario: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Broken {
    pub invariant: &'static str,
    pub detail: String,
}

/// Why a scenario cannot be explored.
#[derive(Clone, Debug, PartialEq)]
pub enum ExploreFailure {
    /// The scenario's own steps failed (step index, why).
    Step(usize, String),
    Options(ExploreError),
}

impl fmt::Display for ExploreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExploreFailure::Step(i, why) => {
                write!(f, "step {i} of the scenario failed before exploring: {why}")
            }
            ExploreFailure::Options(e) => e.fmt(f),
        }
    }
}

/// The scenario step that forces one action of a path (None for actions no path contains).
pub fn forcing_step(action: &Action) -> Option<Value> {
    Some(match action {
        Action::Deliver(id) => json!({ "deliver": id }),
        Action::Fire { node, timer } => json!({ "fire": { "node": node, "timer": timer.name() } }),
        Action::Crash(id) => json!({ "crash": id }),
        Action::PowerLoss(id) => json!({ "power_loss": id }),
        Action::Restart(id) => json!({ "restart": id }),
        Action::InFlight {
            id,
            fault: Fault::Drop,
        } => json!({ "drop": id }),
        Action::InFlight {
            id,
            fault: Fault::Duplicate,
        } => json!({ "duplicate": id }),
        _ => return None,
    })
}

/// The scenario's document with the path's forcing steps after its own, expecting the
/// invariant the path breaks (so the file can join `tests/scenarios/` as it is).
pub fn counterexample(scenario: &Scenario, path: &[Action], breaks: &str) -> Value {
    let mut doc = scenario.doc.clone();
    doc["expect"] = json!({ "violations": [breaks] });
    let mut steps = doc
        .get("steps")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    steps.extend(path.iter().filter_map(forcing_step));
    doc["steps"] = Value::Array(steps);
    doc
}

/// Runs the scenario's steps: the state the explorer starts from.
pub fn end_state(scenario: &Scenario) -> Result<Simulation, ExploreFailure> {
    let mut r = Runner::new(scenario, None).map_err(|e| ExploreFailure::Step(0, e.to_string()))?;
    r.engine.poll(&mut r.sim, u64::MAX, false);
    if let Some((i, e)) = r.engine.error() {
        return Err(ExploreFailure::Step(*i, e.to_string()));
    }
    Ok(r.sim)
}

/// The whole of `kraft-sim explore`.
pub fn explore(scenario: &Scenario, opts: ExploreOptions) -> Result<ExploreOutput, ExploreFailure> {
    let start = end_state(scenario)?;
    if let Some(v) = start.violations().first() {
        // The scenario breaks a rule by itself: that is the shortest path.
        return Ok(ExploreOutput {
            states: 0,
            distinct: 0,
            depth: 0,
            violation: Some(Broken {
                invariant: v.invariant,
                detail: v.detail.clone(),
            }),
            scenario: Some(scenario.doc.clone()),
        });
    }
    let mut explorer = Explorer::new(&start, opts).map_err(ExploreFailure::Options)?;
    Ok(output(scenario, &explorer.run_to_end()))
}

/// The JSON of a finished search.
pub fn output(scenario: &Scenario, p: &Progress) -> ExploreOutput {
    ExploreOutput {
        states: p.states,
        distinct: p.distinct,
        depth: p.depth,
        violation: p.found.as_ref().map(|f| Broken {
            invariant: f.violation.invariant,
            detail: f.violation.detail.clone(),
        }),
        scenario: p
            .found
            .as_ref()
            .map(|f| counterexample(scenario, &f.path, f.violation.invariant)),
    }
}
