//! Plays a scenario's steps on the timeline at the speed of the animation: narration (`say`)
//! pauses for the learner, time steps (`advance_ms`, `until`) run as time passes.

use kraft_core::scenario::{
    condition_holds, ready_for, step_actions, Condition, Scenario, Step, Text,
};
use kraft_core::sim::Simulation;
use kraft_core::Time;
use kraft_core::Timeline;

#[derive(Clone, Debug)]
enum Wait {
    Until {
        cond: Condition,
        deadline: Time,
    },
    AdvanceTo(Time),
    /// `append` / `create_topic` wait for a leader (or active controller) to appear.
    Leader {
        then: Step,
        deadline: Time,
    },
}

#[derive(Clone, Debug)]
pub struct Player {
    pub scenario: Scenario,
    /// Index of the next step to run.
    pub next: usize,
    wait: Option<Wait>,
    /// The last thing that went wrong (a step refused, a condition not met).
    pub problem: Option<String>,
}

impl Player {
    pub fn new(scenario: Scenario) -> Player {
        Player {
            scenario,
            next: 0,
            wait: None,
            problem: None,
        }
    }

    pub fn len(&self) -> usize {
        self.scenario.steps.len()
    }

    pub fn finished(&self) -> bool {
        self.next >= self.len() && self.wait.is_none()
    }

    /// The narration the learner is reading: the last `say` already reached.
    pub fn narration(&self) -> Option<(usize, &Text)> {
        self.scenario.steps[..self.next.min(self.len())]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, s)| match s {
                Step::Say(t) => Some((i, t)),
                _ => None,
            })
    }

    /// How many `say` steps there are, and how many have been reached.
    pub fn narration_progress(&self) -> (usize, usize) {
        let says = |steps: &[Step]| steps.iter().filter(|s| matches!(s, Step::Say(_))).count();
        (
            says(&self.scenario.steps[..self.next.min(self.len())]),
            says(&self.scenario.steps),
        )
    }

    fn apply(&mut self, tl: &mut Timeline, step: &Step) {
        match step_actions(tl.sim(), step) {
            Ok(actions) => {
                for a in actions {
                    if let Err(e) = tl.apply(a) {
                        self.problem = Some(format!("step {}: {e}", self.next));
                    }
                }
            }
            Err(e) => self.problem = Some(format!("step {}: {e}", self.next)),
        }
    }

    /// Starts the next step. Returns false at a narration (the learner reads) or the end.
    fn start_next(&mut self, tl: &mut Timeline) -> bool {
        let Some(step) = self.scenario.steps.get(self.next).cloned() else {
            return false;
        };
        self.next += 1;
        let now = tl.now();
        match &step {
            Step::Say(_) => return false,
            Step::Capture(_) => {}
            Step::AdvanceMs(ms) => self.wait = Some(Wait::AdvanceTo(now + ms)),
            Step::Until { cond, within_ms } => {
                self.wait = Some(Wait::Until {
                    cond: cond.clone(),
                    deadline: now + within_ms,
                })
            }
            Step::Append(_) | Step::CreateTopic { .. } | Step::Produce { .. }
                if !ready_for(tl.sim(), &step) =>
            {
                self.wait = Some(Wait::Leader {
                    then: step.clone(),
                    deadline: now + 30_000,
                })
            }
            other => self.apply(tl, other),
        }
        true
    }

    /// Advances the waiting step by at most `budget` virtual ms. Returns the time left over.
    fn work(&mut self, tl: &mut Timeline, budget: Time) -> Time {
        let start = tl.now();
        let target = start + budget;
        match self.wait.clone() {
            None => return budget,
            Some(Wait::AdvanceTo(t)) => {
                tl.advance(t.min(target) - start);
                if tl.now() >= t {
                    self.wait = None;
                }
            }
            Some(Wait::Until { cond, deadline }) => {
                let end = deadline.min(target);
                loop {
                    if condition_holds(tl.sim(), &cond) {
                        self.wait = None;
                        break;
                    }
                    match tl.sim().next_event_time() {
                        Some(e) if e <= end => {
                            tl.step();
                        }
                        _ => {
                            tl.advance(end.saturating_sub(tl.now()));
                            if tl.now() >= deadline {
                                self.problem = Some(format!(
                                    "step {}: {cond:?} did not hold in time",
                                    self.next - 1
                                ));
                                self.wait = None;
                            }
                            break;
                        }
                    }
                }
            }
            Some(Wait::Leader { then, deadline }) => {
                let end = deadline.min(target);
                while !ready_for(tl.sim(), &then) && tl.now() < end {
                    if !tl.step() || tl.now() > end {
                        break;
                    }
                }
                if ready_for(tl.sim(), &then) {
                    self.wait = None;
                    self.apply(tl, &then);
                } else if tl.now() >= deadline {
                    self.wait = None;
                    self.problem = Some(format!("step {}: no leader to take it", self.next - 1));
                }
            }
        }
        target.saturating_sub(tl.now().max(start))
    }

    /// One animation frame: `ms` of virtual time for the scenario. Stops playing at narration.
    pub fn run_for(&mut self, tl: &mut Timeline, ms: Time, playing: &mut bool) {
        let mut budget = ms;
        loop {
            if self.wait.is_some() {
                budget = self.work(tl, budget);
                if self.wait.is_some() || budget == 0 {
                    return;
                }
            }
            if self.finished() {
                tl.advance(budget);
                return;
            }
            if !self.start_next(tl) {
                *playing = false;
                return;
            }
        }
    }

    /// Rebuilds the scenario from time 0 and plays it, without animation, until `says`
    /// narrations have been reached (how "previous" goes back: the run is deterministic).
    pub fn replay_to(scenario: &Scenario, says: usize) -> Result<(Timeline, Player), String> {
        let sim = Simulation::new(scenario.spec.clone())?;
        let mut tl = Timeline::new(sim, crate::model::CHECKPOINT_MS);
        let mut p = Player::new(scenario.clone());
        let mut guard = 0;
        while p.narration_progress().0 < says && !p.finished() && guard < 100_000 {
            let mut playing = true;
            p.run_for(&mut tl, 100, &mut playing);
            guard += 1;
        }
        Ok((tl, p))
    }
}
