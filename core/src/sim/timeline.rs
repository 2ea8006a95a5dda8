//! The timeline: a cursor simulation that moves forward and back through one history.
//! Moving back clones the nearest checkpoint and replays forward (never from zero); moving forward
//! re-applies the recorded user actions at exactly the points they happened. A new action in the
//! past starts a new branch: the old future is dropped.

use crate::protocol::types::Time;
use crate::sim::{Action, ActionError, Recording, ReplayError, Simulation};

/// Trace events a checkpoint keeps: after a seek the event log and charts start from these
/// plus what replays; keeping the whole ring in every checkpoint cost most of the memory.
const CHECKPOINT_TRACE: usize = 1024;

/// Where `run` stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// After every event up to the time, with the clock set to it.
    All,
    /// After the first event that does something.
    Effective,
    /// After the next event of any kind, if it happens by the time.
    OneRaw,
}

/// An exact point in a history: a time alone is ambiguous (several events share a millisecond,
/// and actions fall between events). What the scenario player remembers of each narration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub time: Time,
    pub events: u64,
    pub actions: usize,
}

/// Checkpoints kept at most; past that, every other one goes and the interval doubles.
const MAX_CHECKPOINTS: usize = 120;

#[derive(Clone, Debug)]
pub struct Timeline {
    sim: Simulation,
    recording: Recording,
    /// `checkpoints[i]` is the state right after all events at or before `i * every`.
    checkpoints: Vec<Simulation>,
    every: Time,
    horizon: Time,
}

impl Timeline {
    pub fn new(sim: Simulation, every: Time) -> Timeline {
        let recording = sim.recording();
        let horizon = sim.now();
        Timeline {
            checkpoints: vec![sim.checkpoint(CHECKPOINT_TRACE)],
            sim,
            recording,
            every: every.max(1),
            horizon,
        }
    }

    /// Rebuilds a timeline from a recording and plays it to `until` (its last action if None).
    pub fn from_recording(
        recording: Recording,
        every: Time,
        until: Option<Time>,
    ) -> Result<Timeline, ReplayError> {
        let sim = Simulation::new(recording.spec.clone())?;
        let end = until.unwrap_or_else(|| recording.actions.last().map_or(0, |a| a.time));
        let mut t = Timeline::new(sim, every);
        t.recording = recording;
        t.run(end, Stop::All);
        Ok(t)
    }

    pub fn sim(&self) -> &Simulation {
        &self.sim
    }
    pub fn now(&self) -> Time {
        self.sim.now()
    }
    /// The furthest time this branch has reached.
    pub fn horizon(&self) -> Time {
        self.horizon.max(self.sim.now())
    }
    pub fn recording(&self) -> &Recording {
        &self.recording
    }
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    fn next_checkpoint_time(&self) -> Time {
        self.checkpoints.len() as Time * self.every
    }

    fn push_checkpoint(&mut self) {
        self.checkpoints.push(self.sim.checkpoint(CHECKPOINT_TRACE));
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            let kept: Vec<Simulation> = self.checkpoints.drain(..).step_by(2).collect();
            self.checkpoints = kept;
            self.every *= 2;
        }
    }

    /// Moves the cursor forward to `t` (or as far as `stop` says), applying
    /// recorded actions when their moment comes and taking checkpoints on the way.
    /// Returns whether an effective event was delivered.
    fn run(&mut self, t: Time, stop: Stop) -> bool {
        loop {
            if let Some(a) = self.recording.actions.get(self.sim.actions_applied()) {
                if self.sim.events_processed() >= a.after_events && a.time <= t.max(self.sim.now())
                {
                    let a = a.clone();
                    if self.sim.replay_action(&a).is_err() {
                        // A recorded action that no longer applies: drop the rest of this branch.
                        self.recording.actions.truncate(self.sim.actions_applied());
                    } else if a.action.is_forced() && stop != Stop::All {
                        // An explorer's forced event is an event: stepping stops after it.
                        self.horizon = self.horizon.max(self.sim.now());
                        return true;
                    }
                    continue;
                }
            }
            let next_event = self.sim.next_event_time();
            let cp = self.next_checkpoint_time();
            let action_due = self
                .recording
                .actions
                .get(self.sim.actions_applied())
                .map(|a| a.after_events);
            let blocks_checkpoint = action_due.is_some_and(|e| e <= self.sim.events_processed());
            if cp <= t
                && next_event.is_none_or(|e| e > cp)
                && !blocks_checkpoint
                && cp >= self.sim.now()
            {
                self.sim.advance_to(cp);
                self.push_checkpoint();
                continue;
            }
            let limit = if stop == Stop::Effective {
                Time::MAX
            } else {
                t
            };
            match next_event {
                Some(e) if e <= limit => {
                    // Never run past a pending recorded action.
                    if action_due.is_some_and(|ev| ev <= self.sim.events_processed()) {
                        break;
                    }
                    let effective = self.sim.process_next() == Some(true);
                    if (effective && stop == Stop::Effective) || stop == Stop::OneRaw {
                        self.horizon = self.horizon.max(self.sim.now());
                        return true;
                    }
                }
                _ => break,
            }
        }
        if stop == Stop::All {
            self.sim.advance_to(t.max(self.sim.now()));
        }
        self.horizon = self.horizon.max(self.sim.now());
        false
    }

    /// Plays forward `ms` of virtual time.
    pub fn advance(&mut self, ms: Time) {
        let t = self.sim.now() + ms;
        self.run(t, Stop::All);
    }

    /// Delivers exactly one event that does something. False if nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.run(self.sim.now(), Stop::Effective)
    }

    /// Processes the next event (effective or not) if it happens at or before `limit`, applying
    /// recorded actions and taking checkpoints on the way. False if there is none by then.
    pub fn process_next_until(&mut self, limit: Time) -> bool {
        self.run(limit.max(self.sim.now()), Stop::OneRaw)
    }

    /// Processes every event up to `t` and sets the clock there (nothing moves back).
    pub fn advance_to(&mut self, t: Time) {
        self.run(t.max(self.sim.now()), Stop::All);
    }

    /// Puts the cursor at `t`, forward or back.
    pub fn seek(&mut self, t: Time) {
        // Start from the nearest checkpoint at or before `t`, forward or back, unless the cursor
        // itself is nearer: a seek never replays more than one checkpoint interval.
        let i = ((t / self.every) as usize).min(self.checkpoints.len() - 1);
        let cp = &self.checkpoints[i];
        if t < self.sim.now() || cp.now() > self.sim.now() {
            self.sim = cp.clone();
        }
        self.run(t, Stop::All);
    }

    /// Rebuilds a timeline at the exact point of a saved session: `events` raw events processed and
    /// the clock at `time` (a time alone is ambiguous right after a single step).
    pub fn from_position(
        recording: Recording,
        every: Time,
        time: Time,
        events: u64,
    ) -> Result<Timeline, ReplayError> {
        let sim = Simulation::new(recording.spec.clone())?;
        let mut t = Timeline::new(sim, every);
        t.recording = recording;
        // Everything before `time` had happened: run there normally, taking checkpoints.
        if time > 0 {
            t.run(time - 1, Stop::All);
        }
        while t.sim.events_processed() < events {
            if let Some(a) = t.recording.actions.get(t.sim.actions_applied()) {
                if t.sim.events_processed() >= a.after_events {
                    let a = a.clone();
                    t.sim.replay_action(&a)?;
                    continue;
                }
            }
            if t.sim.next_event_time().is_none_or(|e| e > time) {
                break;
            }
            t.sim.process_next();
        }
        // Actions applied at this very point come before whatever the user did next.
        while let Some(a) = t.recording.actions.get(t.sim.actions_applied()).cloned() {
            if a.after_events > t.sim.events_processed() || a.time > time {
                break;
            }
            t.sim.replay_action(&a)?;
        }
        if t.sim.now() < time {
            t.sim.advance_to(time);
        }
        t.horizon = t.sim.now();
        Ok(t)
    }

    /// Where the cursor is, exactly.
    pub fn position(&self) -> Position {
        Position {
            time: self.sim.now(),
            events: self.sim.events_processed(),
            actions: self.sim.actions_applied(),
        }
    }

    /// Puts the cursor exactly at a position of this branch's history, forward or back: after
    /// `p.events` events and `p.actions` recorded actions, the clock at `p.time`.
    pub fn seek_position(&mut self, p: Position) {
        let behind = |s: &Simulation| {
            s.events_processed() <= p.events
                && s.actions_applied() <= p.actions
                && s.now() <= p.time
        };
        if !behind(&self.sim) {
            let i = self.checkpoints.iter().rposition(behind).unwrap_or(0);
            self.sim = self.checkpoints[i].clone();
        }
        while self.sim.events_processed() < p.events {
            if !self.process_next_until(p.time) {
                break;
            }
        }
        self.replay_actions_to(p.actions, false);
        if self.sim.now() < p.time {
            self.sim.advance_to(p.time);
        }
    }

    /// Applies the recorded actions due at the cursor's very point, up to the first `n` of the
    /// history (a path opened from here puts its start after the actions that came before it).
    pub fn apply_due_actions(&mut self, n: usize) {
        self.replay_actions_to(n, true);
    }

    /// Replays recorded actions until `n` are applied (with `only_due`, only those recorded at
    /// or before the cursor's event count).
    fn replay_actions_to(&mut self, n: usize, only_due: bool) {
        while self.sim.actions_applied() < n {
            let Some(a) = self
                .recording
                .actions
                .get(self.sim.actions_applied())
                .cloned()
            else {
                break;
            };
            let early = only_due && a.after_events > self.sim.events_processed();
            if early || self.sim.replay_action(&a).is_err() {
                break;
            }
        }
    }

    /// Puts the cursor right after the `n`-th effective event of this branch (for stepping back).
    pub fn seek_to_step(&mut self, n: u64) {
        if n < self.sim.stats().steps {
            let i = self
                .checkpoints
                .iter()
                .rposition(|c| c.stats().steps <= n)
                .unwrap_or(0);
            self.sim = self.checkpoints[i].clone();
        }
        while self.sim.stats().steps < n {
            if !self.step() {
                break;
            }
        }
    }

    /// Applies a user action at the cursor. In the past, this starts a new branch.
    pub fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        let applied = self.sim.actions_applied();
        let now = self.sim.now();
        self.sim.apply(action)?;
        self.recording.actions.truncate(applied);
        if let Some(a) = self.sim.last_action() {
            self.recording.actions.push(a.clone());
        }
        let keep = (now / self.every) as usize + 1;
        self.checkpoints.truncate(keep.max(1));
        self.horizon = now;
        Ok(())
    }

    /// A fresh simulation replayed from time 0 to `t`: what a seek must equal.
    pub fn fresh_at(&self, t: Time) -> Result<Simulation, ReplayError> {
        Ok(Timeline::from_recording(self.recording.clone(), self.every, Some(t))?.sim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::config::Config;
    use crate::sim::ClusterSpec;

    fn timeline() -> Timeline {
        let sim = Simulation::new(ClusterSpec::new(9, 3, 2, Config::default())).unwrap();
        let mut t = Timeline::new(sim, 1000);
        t.advance(4000);
        let leader = t.sim().acting_leader().unwrap();
        t.apply(Action::Crash(leader)).unwrap();
        t.advance(3500);
        t.apply(Action::Append(3)).unwrap();
        for _ in 0..25 {
            t.step();
        }
        t.apply(Action::Restart(leader)).unwrap();
        t.advance(6000);
        t
    }

    /// Positions mid-millisecond and between actions, visited out of order, give back exactly
    /// the state the cursor had there (what narration marks rely on).
    #[test]
    fn a_position_is_found_again_exactly() {
        let sim = Simulation::new(ClusterSpec::new(9, 3, 2, Config::default())).unwrap();
        let mut t = Timeline::new(sim, 1000);
        let mut marks = Vec::new();
        let fingerprint = |t: &Timeline| serde_json::to_string(&t.sim().capture("p")).unwrap();
        for round in 0..6u32 {
            for _ in 0..(7 + round * 5) {
                t.process_next_until(Time::MAX);
            }
            marks.push((t.position(), fingerprint(&t)));
            if let Some(l) = t.sim().acting_leader() {
                t.apply(Action::Append(2)).unwrap();
                // Right after an action, before any event: a position of its own.
                marks.push((t.position(), fingerprint(&t)));
                if round == 3 {
                    t.apply(Action::Crash(l)).unwrap();
                }
            }
            t.advance(700);
        }
        assert!(marks.iter().any(|(p, _)| p.actions > 0));
        for i in [5, 0, 9, 3, 3, 10, 1, 7] {
            let Some((p, want)) = marks.get(i) else {
                continue;
            };
            t.seek_position(*p);
            assert_eq!(t.position(), *p, "mark {i}");
            assert_eq!(&fingerprint(&t), want, "mark {i}");
        }
    }

    #[test]
    fn seeking_back_and_forth_equals_a_fresh_replay() {
        let mut t = timeline();
        let end = t.now();
        for target in [
            0, 1, 999, 1000, 4000, 4001, 5123, 7500, 7600, 9000, end, 300, end,
        ] {
            t.seek(target);
            assert_eq!(t.now(), target);
            let fresh = t.fresh_at(target).unwrap();
            assert_eq!(t.sim().capture("x"), fresh.capture("x"), "at {target}");
            assert_eq!(
                t.sim().trace().total(),
                fresh.trace().total(),
                "at {target}"
            );
        }
    }

    #[test]
    fn an_action_in_the_past_starts_a_new_branch() {
        let mut t = timeline();
        let actions = t.recording().actions.len();
        t.seek(2000);
        t.apply(Action::Isolate(1)).unwrap();
        assert_eq!(
            t.recording().actions.len(),
            1,
            "the old future ({actions} actions) is gone"
        );
        assert_eq!(t.horizon(), 2000);
        t.advance(3000);
        let fresh = t.fresh_at(5000).unwrap();
        assert_eq!(t.sim().capture("x"), fresh.capture("x"));
    }

    #[test]
    fn stepping_back_returns_to_the_previous_event() {
        let mut t = timeline();
        t.seek(6000);
        let before = t.sim().capture("x");
        let n = t.sim().stats().steps;
        assert!(t.step());
        assert_eq!(
            t.sim().stats().steps,
            n + 1,
            "a step is one effective event"
        );
        t.seek_to_step(n);
        assert_eq!(t.sim().capture("x"), before);
    }

    #[test]
    fn a_position_restores_exactly_even_between_events_of_one_millisecond() {
        let mut t = timeline();
        t.seek(6000);
        for _ in 0..7 {
            t.step();
        }
        let rec = t.recording().clone();
        let back = Timeline::from_position(rec, 1000, t.now(), t.sim().events_processed()).unwrap();
        assert_eq!(back.sim().capture("x"), t.sim().capture("x"));
        assert_eq!(back.sim().stats(), t.sim().stats());
    }

    #[test]
    fn a_position_right_after_each_action_restores_that_action_and_no_later_one() {
        let t = timeline();
        let rec = t.recording().clone();
        let start = Timeline::from_position(rec.clone(), 1000, 0, 0).unwrap();
        assert_eq!(start.sim().events_processed(), 0);
        assert_eq!(start.sim().actions_applied(), 0);
        for k in 0..rec.actions.len() {
            // The oracle: a fresh simulation that replays actions 0..=k (and any recorded at
            // the very same point), and nothing after.
            let mut sim = Simulation::new(rec.spec.clone()).unwrap();
            for a in &rec.actions[..=k] {
                sim.replay_action(a).unwrap();
            }
            let at = |a: &crate::sim::TimedAction| (a.time, a.after_events);
            while let Some(next) = rec.actions.get(sim.actions_applied()) {
                if at(next) != at(&rec.actions[k]) {
                    break;
                }
                sim.replay_action(next).unwrap();
            }
            let (time, events) = (sim.now(), sim.events_processed());
            let back = Timeline::from_position(rec.clone(), 1000, time, events).unwrap();
            assert_eq!(
                back.sim().actions_applied(),
                sim.actions_applied(),
                "action {k}"
            );
            assert_eq!(back.sim().capture("x"), sim.capture("x"), "action {k}");
        }
    }

    #[test]
    fn a_seek_equals_the_simulations_own_replay_of_the_recording() {
        // An oracle that shares no code with the timeline's run loop.
        let mut t = timeline();
        for target in [4000, 7500, 7600, 9000] {
            t.seek(target);
            let replayed = Simulation::replay(t.recording(), Some(target)).unwrap();
            assert_eq!(t.sim().capture("x"), replayed.capture("x"), "at {target}");
        }
    }

    #[test]
    fn a_new_branch_drops_the_old_branchs_checkpoints() {
        let mut t = timeline();
        t.seek(2500);
        // History branches here: what the old future recorded no longer happens.
        t.apply(Action::Append(2)).unwrap();
        t.advance(6000);
        t.seek(5500);
        assert_eq!(t.sim().capture("x"), t.fresh_at(5500).unwrap().capture("x"));
    }

    #[test]
    fn a_forward_seek_starts_from_the_nearest_checkpoint() {
        let mut t = timeline();
        let end = t.now();
        t.seek(100);
        let replayed_from = t.sim().events_processed();
        t.seek(end);
        assert_eq!(t.sim().capture("x"), t.fresh_at(end).unwrap().capture("x"));
        // It jumped: the events processed since the jump are at most one interval's worth.
        let near = t.checkpoints[((end / t.every) as usize).min(t.checkpoints.len() - 1)]
            .events_processed();
        assert!(t.sim().events_processed() >= near && near > replayed_from);
    }

    #[test]
    fn checkpoints_stay_bounded() {
        let sim = Simulation::new(ClusterSpec::new(1, 3, 0, Config::default())).unwrap();
        let mut t = Timeline::new(sim, 100);
        t.advance(100_000);
        assert!(t.checkpoint_count() <= MAX_CHECKPOINTS);
        assert_eq!(t.checkpoint_count() as u64, 100_000 / 1600 + 1);
        // Thinned by halves: the interval doubled until 120 checkpoints span the history.
        assert_eq!(t.every, 1600);
        t.seek(55_555);
        assert_eq!(
            t.sim().capture("x"),
            t.fresh_at(55_555).unwrap().capture("x")
        );
    }
}
