//! The guided scenario in the page: a thin adapter over core's scenario engine, driven a frame at
//! a time on the page's timeline. Narration (`say`) pauses for the learner; everything else is
//! the engine's, so the page runs exactly what `kraft-sim run` runs.
//!
//! The narration follows the timeline: each narration reached is marked with its exact position,
//! so scrubbing back shows the narration of that moment, and playing forward replays the history
//! up to the engine's own position (`live`) before the engine takes over again.

use kraft_core::scenario::runner::Wait;
use kraft_core::scenario::{Engine, Poll, Scenario, Step, StepFailure, Text};
use kraft_core::sim::Position;
use kraft_core::{Time, Timeline};
use serde::{Deserialize, Serialize};

/// A narration reached, and where in the history.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub step: usize,
    pub at: Position,
}

#[derive(Clone, Debug)]
pub struct Player {
    pub scenario: Scenario,
    engine: Engine,
    /// Narrations reached so far, in order.
    pub marks: Vec<Mark>,
    /// Where the engine left the history: before it, the timeline replays what was recorded.
    pub live: Position,
    /// The run has ended and paused once; Play now lets the cluster run on freely.
    pub ended: bool,
}

impl Player {
    pub fn new(scenario: Scenario) -> Player {
        let engine = Engine::new(&scenario, None);
        Player {
            scenario,
            engine,
            marks: Vec::new(),
            live: Position::default(),
            ended: false,
        }
    }

    /// Index of the step running or next to run (what a saved session keeps).
    pub fn next_step(&self) -> usize {
        self.engine.next_step()
    }

    /// Continues a restored session at step `next` (its history is already in the timeline).
    pub fn resume_at(&mut self, next: usize, live: Position) {
        self.engine.resume_at(next);
        self.live = live;
    }

    pub fn finished(&self) -> bool {
        self.engine.finished()
    }

    /// The step that failed, and why.
    pub fn problem(&self) -> Option<&(usize, StepFailure)> {
        self.engine.error()
    }

    /// What the running step waits for (shown while the run goes on between narrations).
    pub fn waiting(&self) -> Option<&Wait> {
        self.engine.waiting()
    }

    /// The step that is waiting, if any.
    pub fn waiting_step(&self) -> Option<&Step> {
        self.engine
            .waiting()
            .and_then(|_| self.scenario.steps.get(self.engine.next_step()))
    }

    /// Whether the cursor is behind the engine (the learner scrubbed back).
    pub fn in_past(&self, tl: &Timeline) -> bool {
        let p = tl.position();
        (p.events, p.actions) < (self.live.events, self.live.actions)
    }

    /// The narrations reached by the cursor's position, newest last.
    fn reached<'a>(&'a self, tl: &Timeline) -> impl Iterator<Item = &'a Mark> + 'a {
        let p = tl.position();
        self.marks
            .iter()
            .take_while(move |m| (m.at.events, m.at.actions) <= (p.events, p.actions))
    }

    /// The narration the learner is reading at the cursor: the last one reached by then.
    pub fn narration(&self, tl: &Timeline) -> Option<(usize, &Text)> {
        let m = self.reached(tl).last()?;
        match &self.scenario.steps[m.step] {
            Step::Say(t) => Some((m.step, t)),
            _ => None,
        }
    }

    /// How many narrations there are, and how many the cursor has reached.
    pub fn narration_progress(&self, tl: &Timeline) -> (usize, usize) {
        let total = self
            .scenario
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Say(_)))
            .count();
        (self.reached(tl).count(), total)
    }

    /// One animation frame: `ms` of virtual time. In the past, replays the recorded history up to
    /// the engine's position; there, the engine runs its steps and stops playing at a narration.
    /// The first time the run ends it pauses; after that the cluster runs on freely.
    pub fn run_for(&mut self, tl: &mut Timeline, ms: Time, playing: &mut bool) {
        let until = tl.now() + ms;
        if self.in_past(tl) {
            // Replay the recorded history; stop at each narration on the way, as the run did.
            let p = tl.position();
            let next = self
                .marks
                .iter()
                .find(|m| (m.at.events, m.at.actions) > (p.events, p.actions));
            match next {
                Some(m) if m.at.time <= until => {
                    tl.seek_position(m.at);
                    *playing = false;
                }
                _ if until < self.live.time => tl.advance_to(until),
                _ => tl.seek_position(self.live),
            }
            return;
        }
        if self.ended {
            tl.advance_to(until);
            return;
        }
        let poll = self.engine.poll(tl, until, true);
        self.live = tl.position();
        match poll {
            Poll::Narration(step) => {
                self.mark(step);
                *playing = false;
            }
            Poll::Budget => {}
            Poll::Done => {
                self.ended = true;
                *playing = false;
            }
        }
    }

    fn mark(&mut self, step: usize) {
        if self.marks.last().is_none_or(|m| m.step < step) {
            self.marks.push(Mark {
                step,
                at: self.live,
            });
        }
    }

    /// Runs on without animation to the next narration or the end (bounded): "skip the wait".
    pub fn skip_ahead(&mut self, tl: &mut Timeline) {
        if self.in_past(tl) {
            tl.seek_position(self.live);
        }
        if self.ended {
            return;
        }
        let limit = tl.now() + 600_000;
        let poll = self.engine.poll(tl, limit, true);
        self.live = tl.position();
        match poll {
            Poll::Narration(step) => self.mark(step),
            Poll::Done => self.ended = true,
            Poll::Budget => {}
        }
    }

    /// Back to the narration before the one shown: an exact seek to where it was reached.
    pub fn previous(&self, tl: &mut Timeline) {
        let (reached, _) = self.narration_progress(tl);
        if reached >= 2 {
            tl.seek_position(self.marks[reached - 2].at);
        }
    }
}
