//! The side-by-side view's state: a KRaft cluster and a ZooKeeper-mode cluster on the same seed
//! and clock (core's `sim::twins`), each action the learner takes applied to both, and the clock
//! they run on.
//!
//! The view runs its own clock: setting up a topic of 100,000 partitions takes minutes of wall
//! time, so every frame runs both sides for a bounded slice of wall time; the page stays
//! responsive however far behind the requested speed the sides fall.

use kraft_core::sim::twins::{TwinAction, Twins};
use kraft_core::sim::ActionError;
use kraft_core::Time;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Partition counts the learner picks from (docs/contracts.md, ZooKeeper mode: up to 100,000).
pub const PARTITION_CHOICES: [u32; 5] = [100, 1_000, 10_000, 50_000, 100_000];
/// Wall time a frame may spend running the two sides.
const FRAME_BUDGET_MS: f64 = 24.0;
/// Virtual time run between looks at the wall clock.
const SLICE_MS: Time = 20;

/// What is saved across reloads: the view is rebuilt by replaying the actions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedSideBySide {
    pub partitions: u32,
    pub seed: u64,
    pub time_ms: Time,
    pub actions: Vec<(Time, TwinAction)>,
    pub speed: f64,
}

pub struct SideBySide {
    pub twins: Twins,
    pub seed: u64,
    pub playing: bool,
    /// Virtual milliseconds per wall millisecond.
    pub speed: f64,
    /// What the learner did and when (a reload replays it).
    pub actions: Vec<(Time, TwinAction)>,
    /// After a reload: run as fast as the page allows to this time, taking these actions on the
    /// way.
    catch_up: Option<(Time, VecDeque<(Time, TwinAction)>)>,
    /// The last frame could not run as much virtual time as the speed asked.
    pub behind: bool,
    carry: f64,
}

impl SideBySide {
    pub fn new(seed: u64, partitions: u32) -> Option<SideBySide> {
        Some(SideBySide {
            twins: Twins::new(seed, partitions).ok()?,
            seed,
            playing: true,
            speed: 1.0,
            actions: Vec::new(),
            catch_up: None,
            behind: false,
            carry: 0.0,
        })
    }

    pub fn restore(saved: &SavedSideBySide) -> Option<SideBySide> {
        let mut s = SideBySide::new(saved.seed, saved.partitions)?;
        s.speed = saved.speed.clamp(0.25, 64.0);
        s.catch_up = Some((saved.time_ms, saved.actions.iter().copied().collect()));
        Some(s)
    }

    pub fn saved(&self) -> SavedSideBySide {
        SavedSideBySide {
            partitions: self.twins.partitions(),
            seed: self.seed,
            time_ms: self
                .catch_up
                .as_ref()
                .map_or(self.twins.now(), |(t, _)| (*t).max(self.twins.now())),
            actions: self.actions.clone(),
            speed: self.speed,
        }
    }

    /// Set up and caught up: the buttons act on both sides.
    pub fn ready(&self) -> bool {
        self.twins.ready() && self.catch_up.is_none()
    }

    /// Setting up or catching up: the sides run flat out, not at the chosen speed.
    pub fn busy(&self) -> bool {
        self.catch_up.is_some() || !self.twins.ready()
    }

    pub fn act(&mut self, action: TwinAction) -> [Result<(), ActionError>; 2] {
        let r = self.twins.apply(action);
        if r.iter().any(Result::is_ok) {
            self.actions.push((self.twins.now(), action));
        }
        r
    }

    /// One frame: `wall_ms` since the last, `clock` reads the wall clock in milliseconds.
    pub fn tick(&mut self, wall_ms: f64, clock: impl Fn() -> f64) {
        let start = clock();
        if let Some((until, mut due)) = self.catch_up.take() {
            while self.twins.now() < until && clock() - start < FRAME_BUDGET_MS {
                while due.front().is_some_and(|(at, _)| *at <= self.twins.now()) {
                    if let Some((_, a)) = due.pop_front() {
                        // Replayed as first taken: a side that refused then refuses again.
                        let _ = self.act(a);
                    }
                }
                let next = due.front().map_or(until, |(at, _)| (*at).min(until));
                let step = SLICE_MS.min(next.saturating_sub(self.twins.now())).max(1);
                self.twins.advance(step);
            }
            if self.twins.now() < until || !due.is_empty() {
                self.catch_up = Some((until, due));
            }
            return;
        }
        if !self.twins.ready() {
            while !self.twins.ready() && clock() - start < FRAME_BUDGET_MS {
                self.twins.advance(SLICE_MS);
            }
            return;
        }
        if !self.playing {
            return;
        }
        self.carry += wall_ms * self.speed;
        let mut want = self.carry.floor() as Time;
        self.carry -= want as f64;
        while want > 0 && clock() - start < FRAME_BUDGET_MS {
            let step = want.min(SLICE_MS);
            self.twins.advance(step);
            want -= step;
        }
        // What could not be run in the budget is dropped, not owed: the clock slows instead.
        self.behind = want > 0;
    }
}
