//! The explorer: a model checker over one moment of a run. From a state, every interleaving of
//! what can happen next (each message on the wire delivered, each set timer going off, in any
//! order, time abstracted; and the chosen faults: a node crashes or restarts, a message on the
//! wire is dropped or duplicated) is tried, breadth first in effect, to a depth bound, states
//! that meet again being merged by their fingerprint. It stops at the first broken invariant and
//! returns the path there, which is the shortest one: iterative deepening (depth-first search
//! with bound 1, 2, ...) finds nothing at a smaller bound first, and keeps memory to one
//! simulation per level plus a hash per state, so it runs in the page's slices as well.
//!
//! Every step of a path is an ordinary `Action` (deliver, fire, crash, restart, in-flight drop or
//! duplicate) applied to a real clone of the simulation: the path replays exactly.

use crate::protocol::config::Config;
use crate::sim::action::{Action, Fault};
use crate::sim::simulation::Simulation;
use crate::sim::spec::{ClusterSpec, InitialState};
use crate::sim::Violation;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// Which faults the explorer may add to what the cluster does by itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Faults {
    /// Crash any running node; restart any crashed one.
    pub crash: bool,
    /// Drop any message on the wire.
    pub drop: bool,
    /// Duplicate any message on the wire.
    pub duplicate: bool,
}

impl Faults {
    /// `crash,drop,duplicate` (any of them, comma-separated; empty for none).
    pub fn parse(list: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "crash" => f.crash = true,
                "drop" => f.drop = true,
                "duplicate" => f.duplicate = true,
                other => {
                    return Err(format!(
                        "unknown fault {other:?}: expected crash, drop or duplicate"
                    ))
                }
            }
        }
        Ok(f)
    }
}

/// How far to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreOptions {
    /// Longest path tried (steps after the starting state).
    pub depth: usize,
    pub faults: Faults,
    /// Stop after this many distinct states in one round (the last round is the largest).
    pub max_states: u64,
}

impl Default for ExploreOptions {
    fn default() -> Self {
        ExploreOptions {
            depth: 20,
            faults: Faults::default(),
            max_states: 5_000_000,
        }
    }
}

/// The deepest bound allowed (a path is a scenario a learner steps through).
pub const MAX_DEPTH: usize = 60;

/// Why the explorer cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExploreError {
    /// Depth 0 or above `MAX_DEPTH`.
    BadDepth(usize),
    /// `max_states` of 0.
    NoStates,
}

impl fmt::Display for ExploreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExploreError::BadDepth(d) => write!(f, "depth {d}: expected 1 to {MAX_DEPTH}"),
            ExploreError::NoStates => write!(f, "max states must be at least 1"),
        }
    }
}

/// What the explorer found (the CLI prints it as JSON, with the path as a scenario).
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub violation: Violation,
    /// The actions from the starting state to the violation, in order.
    pub path: Vec<Action>,
    /// For each action on a message: (from, to, RPC) of that message, to say it in words.
    pub messages: Vec<Option<(u32, u32, &'static str)>>,
}

/// Where a search stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Transitions tried (states reached, counting each meeting again).
    pub states: u64,
    /// Distinct states of the deepest round (each round starts afresh from the root).
    pub distinct: u64,
    /// Distinct states summed over all rounds: each was hashed and expanded (the work rate).
    pub visited: u64,
    /// The deepest bound searched completely (or as deep as the violation).
    pub depth: usize,
    /// The bound now being searched.
    pub bound: usize,
    /// 0 to 1: how far through the whole search (rounds weighted by depth), for a progress bar.
    pub fraction: f64,
    pub done: bool,
    /// Stopped at `max_states` before reaching the depth bound.
    pub cut_short: bool,
    pub found: Option<Found>,
}

/// One level of the depth-first search: a state and what may happen next in it.
struct Frame {
    sim: Simulation,
    choices: Vec<Action>,
    next: usize,
}

/// A search in progress; `run` does a slice of it (the page calls it between frames).
pub struct Explorer {
    root: Simulation,
    opts: ExploreOptions,
    /// Violations the root already has: only new ones count.
    known: usize,
    bound: usize,
    stack: Vec<Frame>,
    /// Fingerprint → the smallest depth at which this round reached it (the keys are hashes
    /// already: a fast fixed hasher is enough).
    seen: HashMap<u64, u8, foldhash::fast::FixedState>,
    states: u64,
    distinct: u64,
    /// Distinct states of the rounds before this one.
    visited_before: u64,
    depth_done: usize,
    /// This round reached a new state at its bound: a deeper round may find more.
    grew: bool,
    done: bool,
    cut_short: bool,
    found: Option<Found>,
}

/// What may happen next in `sim`: the cluster's own events, then the chosen faults.
pub fn choices(sim: &Simulation, faults: Faults) -> Vec<Action> {
    let mut out = sim.pending();
    if faults.drop || faults.duplicate {
        let mut ids: Vec<u64> = sim.in_flight().map(|(env, _)| env.id).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            if faults.drop {
                out.push(Action::InFlight {
                    id,
                    fault: Fault::Drop,
                });
            }
            if faults.duplicate {
                out.push(Action::InFlight {
                    id,
                    fault: Fault::Duplicate,
                });
            }
        }
    }
    if faults.crash {
        for n in sim.nodes() {
            let id = n.node.id;
            out.push(if n.alive {
                Action::Crash(id)
            } else {
                Action::Restart(id)
            });
        }
    }
    out
}

impl Explorer {
    /// A search from `start` (a copy is kept; its trace is trimmed, the explorer does not read it).
    pub fn new(start: &Simulation, opts: ExploreOptions) -> Result<Explorer, ExploreError> {
        if opts.depth == 0 || opts.depth > MAX_DEPTH {
            return Err(ExploreError::BadDepth(opts.depth));
        }
        if opts.max_states == 0 {
            return Err(ExploreError::NoStates);
        }
        let root = start.checkpoint(0);
        Ok(Explorer {
            known: root.violations().len(),
            root,
            opts,
            bound: 0,
            stack: Vec::new(),
            seen: HashMap::default(),
            states: 0,
            distinct: 0,
            visited_before: 0,
            depth_done: 0,
            grew: false,
            done: false,
            cut_short: false,
            found: None,
        })
    }

    /// Runs until done or `budget` more transitions were tried; returns where it stands.
    pub fn run(&mut self, budget: u64) -> Progress {
        let mut left = budget;
        while !self.done && left > 0 {
            left -= 1;
            self.advance();
        }
        self.progress()
    }

    /// Runs to the end.
    pub fn run_to_end(&mut self) -> Progress {
        while !self.done {
            self.advance();
        }
        self.progress()
    }

    pub fn progress(&self) -> Progress {
        let depth = self.opts.depth as f64;
        // Each round costs about as much as all before it: weight round b by 2^b.
        let within = match self.stack.first() {
            Some(f) if !f.choices.is_empty() => f.next as f64 / f.choices.len() as f64,
            _ => 0.0,
        };
        let fraction = if self.done {
            1.0
        } else {
            let total = 2f64.powf(depth + 1.0) - 2.0;
            let before = 2f64.powf(self.bound as f64) - 2.0;
            ((before.max(0.0) + within * 2f64.powf(self.bound as f64)) / total).clamp(0.0, 1.0)
        };
        Progress {
            states: self.states,
            distinct: self.distinct,
            visited: self.visited_before + self.distinct,
            depth: self.depth_done,
            bound: self.bound,
            fraction,
            done: self.done,
            cut_short: self.cut_short,
            found: self.found.clone(),
        }
    }

    /// One transition, or the start of the next round.
    fn advance(&mut self) {
        let Some(top) = self.stack.last_mut() else {
            self.next_round();
            return;
        };
        if top.next >= top.choices.len() {
            self.stack.pop();
            return;
        }
        let action = top.choices[top.next].clone();
        top.next += 1;
        let mut sim = top.sim.clone();
        let depth = self.stack.len();
        self.states += 1;
        if sim.apply(action).is_err() {
            return;
        }
        sim.forget_trace();
        if sim.violations().len() > self.known {
            let violation = sim.violations()[self.known].clone();
            let path: Vec<Action> = self
                .stack
                .iter()
                .map(|f| f.choices[f.next - 1].clone())
                .collect();
            let messages = self
                .stack
                .iter()
                .zip(&path)
                .map(|(f, a)| {
                    let id = match a {
                        Action::Deliver(id) | Action::InFlight { id, .. } => *id,
                        _ => return None,
                    };
                    f.sim
                        .in_flight()
                        .find(|(env, _)| env.id == id)
                        .map(|(env, _)| (env.from, env.to, env.msg.rpc()))
                })
                .collect();
            self.found = Some(Found {
                violation,
                path,
                messages,
            });
            self.depth_done = depth;
            self.done = true;
            self.stack.clear();
            return;
        }
        let fp = sim.fingerprint();
        let d = depth as u8;
        match self.seen.get(&fp) {
            Some(&at) if at <= d => return,
            Some(_) => {}
            None => self.distinct += 1,
        }
        self.seen.insert(fp, d);
        self.grew |= depth == self.bound;
        if self.distinct >= self.opts.max_states {
            self.cut_short = true;
            self.done = true;
            self.stack.clear();
            return;
        }
        if depth < self.bound {
            let choices = choices(&sim, self.opts.faults);
            self.stack.push(Frame {
                sim,
                choices,
                next: 0,
            });
        }
    }

    /// The previous round found nothing: search one level deeper, from the root again.
    fn next_round(&mut self) {
        self.depth_done = self.bound;
        if self.bound > 0 && !self.grew {
            // Nothing new at the last bound: every reachable state is known, deeper is the same.
            self.depth_done = self.opts.depth;
        }
        if self.depth_done >= self.opts.depth {
            self.done = true;
            return;
        }
        self.grew = false;
        self.bound += 1;
        self.seen.clear();
        self.visited_before += self.distinct;
        self.distinct = 0;
        self.seen.insert(self.root.fingerprint(), 0);
        let choices = choices(&self.root, self.opts.faults);
        if choices.is_empty() {
            self.depth_done = self.opts.depth;
            self.done = true;
            return;
        }
        self.stack.push(Frame {
            sim: self.root.clone(),
            choices,
            next: 0,
        });
    }
}

/// The benchmark's search, natively and in the page alike: Raft's Figure 8 with three
/// controllers (all in epoch 3; node 1 holds an epoch-2 entry, node 3 an epoch-3 one, node 2
/// nothing), the safe rules on, crashes and restarts allowed. Nothing breaks, so it runs until
/// `max_states` distinct states in one round.
pub fn bench_search(max_states: u64) -> Option<Explorer> {
    let mut spec = ClusterSpec::new(8, 3, 0, Config::default());
    spec.config.pre_vote = false;
    spec.config.leader_change_record = false;
    spec.config.metadata_max_idle_interval_ms = 0;
    for (id, log) in [(1, vec![2]), (2, vec![]), (3, vec![3])] {
        spec.initial.insert(
            id,
            InitialState {
                epoch: 3,
                log,
                ..InitialState::default()
            },
        );
    }
    let sim = Simulation::new(spec).ok()?;
    let opts = ExploreOptions {
        depth: MAX_DEPTH,
        faults: Faults {
            crash: true,
            ..Faults::default()
        },
        max_states,
    };
    Explorer::new(&sim, opts).ok()
}
