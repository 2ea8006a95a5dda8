//! The guided scenario in the page: a thin adapter over core's scenario engine, driven a frame at
//! a time on the page's timeline. Narration (`say`) pauses for the learner; everything else is
//! the engine's, so the page runs exactly what `kraft-sim run` runs.

use kraft_core::scenario::{Engine, Poll, Scenario, Step, StepFailure, Text};
use kraft_core::{Time, Timeline};

#[derive(Clone, Debug)]
pub struct Player {
    pub scenario: Scenario,
    engine: Engine,
}

impl Player {
    pub fn new(scenario: Scenario) -> Player {
        let engine = Engine::new(&scenario, None);
        Player { scenario, engine }
    }

    pub fn len(&self) -> usize {
        self.scenario.steps.len()
    }

    /// Index of the step running or next to run (what a saved session keeps).
    pub fn next_step(&self) -> usize {
        self.engine.next_step()
    }

    /// Continues a restored session at step `next` (its history is already in the timeline).
    pub fn resume_at(&mut self, next: usize) {
        self.engine.resume_at(next);
    }

    pub fn finished(&self) -> bool {
        self.engine.finished()
    }

    /// The step that failed, and why.
    pub fn problem(&self) -> Option<&(usize, StepFailure)> {
        self.engine.error()
    }

    /// The narration the learner is reading: the last `say` already reached.
    pub fn narration(&self) -> Option<(usize, &Text)> {
        let reached = self.next_step().min(self.len());
        self.scenario.steps[..reached]
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
        let reached = self.next_step().min(self.len());
        (
            says(&self.scenario.steps[..reached]),
            says(&self.scenario.steps),
        )
    }

    /// One animation frame: `ms` of virtual time. Stops playing at a narration; after the last
    /// step (or a failed one) the cluster runs on freely.
    pub fn run_for(&mut self, tl: &mut Timeline, ms: Time, playing: &mut bool) {
        let until = tl.now() + ms;
        match self.engine.poll(tl, until, true) {
            Poll::Narration(_) => *playing = false,
            Poll::Budget => {}
            Poll::Done => tl.advance_to(until),
        }
    }

    /// Rebuilds the scenario from time 0 and plays it, without animation, until `says`
    /// narrations have been reached (how "previous" goes back: the run is deterministic).
    pub fn replay_to(
        scenario: &Scenario,
        says: usize,
    ) -> Result<(Timeline, Player), kraft_core::sim::SpecError> {
        let sim = kraft_core::Simulation::new(scenario.spec.clone())?;
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
