//! Runs a scenario's steps against a simulation: conditions, the actions a step stands for, and
//! the runner the CLI uses.

use crate::protocol::types::Time;
use crate::scenario::loader::{Condition, Scenario, Step, Target};
use crate::sim::{Action, Capture, Simulation, Stats, Violation};
use serde::Serialize;

/// Whether a condition holds now.
pub fn condition_holds(sim: &Simulation, cond: &Condition) -> bool {
    match cond {
        Condition::Leader => sim.quorum_leader().is_some(),
        Condition::LeaderIs(t) => match (sim.quorum_leader(), t) {
            (Some(l), Target::Id(id)) => l == *id,
            (Some(_), Target::Leader) => true,
            _ => false,
        },
        Condition::HwAtLeast { node, offset } => {
            let id = match node {
                Target::Id(id) => Some(*id),
                Target::Leader => sim.quorum_leader(),
            };
            id.and_then(|id| sim.node(id))
                .is_some_and(|n| n.alive && n.node.high_watermark().is_some_and(|h| h >= *offset))
        }
        Condition::CaughtUp => {
            let Some(l) = sim.quorum_leader().and_then(|l| sim.node(l)) else {
                return false;
            };
            let (leo, last) = (l.node.log().end_offset(), l.node.log().last_epoch());
            sim.controllers()
                .filter(|n| n.alive)
                .all(|n| n.node.log().end_offset() == leo && n.node.log().last_epoch() == last)
        }
        Condition::Fenced(b) => sim
            .committed_image_ref()
            .and_then(|i| i.brokers.get(b))
            .is_some_and(|s| s.fenced),
        Condition::Unfenced(b) => sim
            .committed_image_ref()
            .and_then(|i| i.brokers.get(b))
            .is_some_and(|s| !s.fenced),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepError {
    pub step: usize,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunOutput {
    pub scenario: String,
    pub captures: Vec<Capture>,
    pub violations: Vec<Violation>,
    pub stats: Stats,
    pub error: Option<StepError>,
}

impl RunOutput {
    /// DESIGN §4: 0 when every step ran and no invariant broke, else 1.
    pub fn exit_code(&self) -> i32 {
        if self.error.is_none() && self.violations.is_empty() {
            0
        } else {
            1
        }
    }
}

/// The cluster actions a step stands for, resolved against the cluster as it is now (so
/// `"leader"` names the current leader). Empty for steps that are about time, narration or
/// captures. Shared by the CLI runner and the UI's scenario player.
pub fn step_actions(sim: &Simulation, step: &Step) -> Result<Vec<Action>, String> {
    let id = |t: &Target| match t {
        Target::Id(id) => Ok(*id),
        Target::Leader => sim
            .acting_leader()
            .ok_or_else(|| "there is no leader now".to_string()),
    };
    Ok(match step {
        Step::Elect(t) => vec![Action::Elect(id(t)?)],
        Step::Crash(t) => vec![Action::Crash(id(t)?)],
        Step::Restart(t) => vec![Action::Restart(id(t)?)],
        Step::Resign(t) => vec![Action::Resign(id(t)?)],
        Step::Isolate(t) => vec![Action::Isolate(id(t)?)],
        Step::Pause { node, ms } => vec![Action::Pause {
            node: id(node)?,
            ms: *ms,
        }],
        Step::Partition(groups) => vec![Action::Partition(groups.clone())],
        Step::Cut { a, b } => vec![
            Action::CutOneWay { from: *a, to: *b },
            Action::CutOneWay { from: *b, to: *a },
        ],
        Step::CutOneWay { from, to } => vec![Action::CutOneWay {
            from: *from,
            to: *to,
        }],
        Step::Heal => vec![Action::HealAll],
        Step::Append(n) => vec![Action::Append(*n)],
        Step::CreateTopic {
            name,
            partitions,
            replication_factor,
        } => vec![Action::CreateTopic {
            name: name.clone(),
            partitions: *partitions,
            replication_factor: *replication_factor,
        }],
        Step::Produce {
            topic,
            partition,
            records,
            acks,
        } => {
            vec![Action::Produce {
                topic: topic.clone(),
                partition: *partition,
                records: *records,
                acks: *acks,
            }]
        }
        Step::AdvanceMs(_) | Step::Until { .. } | Step::Capture(_) | Step::Say(_) => vec![],
    })
}

/// Whether a write step can be taken now: `append` needs a leader, `create_topic` an active
/// controller, `produce` a partition leader in the committed image.
pub fn ready_for(sim: &Simulation, step: &Step) -> bool {
    let leader = sim.acting_leader().and_then(|l| sim.node(l));
    match step {
        Step::CreateTopic { .. } => leader.is_some_and(|n| n.node.active_controller().is_some()),
        Step::Append(_) => leader.is_some(),
        // The leader broker must itself know it leads (brokers apply the metadata a little later).
        Step::Produce {
            topic, partition, ..
        } => sim
            .partition_leader(topic, *partition)
            .is_ok_and(|(key, l)| {
                sim.node(l).is_some_and(|n| {
                    n.alive
                        && n.node
                            .partition_replicas()
                            .get(&key)
                            .is_some_and(|r| r.leader == Some(l))
                })
            }),
        _ => true,
    }
}

/// Drives a scenario step by step. The UI uses it too, one step at a time.
pub struct Runner {
    pub sim: Simulation,
    pub captures: Vec<Capture>,
    capture_every: Option<u64>,
    next_periodic: Time,
}

/// How long `append` / `create_topic` wait for a leader to appear.
const WAIT_FOR_LEADER_MS: u64 = 30_000;

impl Runner {
    pub fn new(scenario: &Scenario, capture_every: Option<u64>) -> Result<Runner, String> {
        let sim = Simulation::new(scenario.spec.clone())?;
        let capture_every = capture_every.filter(|ms| *ms > 0);
        Ok(Runner {
            sim,
            captures: Vec::new(),
            capture_every,
            next_periodic: capture_every.unwrap_or(0),
        })
    }

    fn periodic(&mut self, until: Time) {
        while let Some(every) = self.capture_every {
            if self.next_periodic > until {
                break;
            }
            self.sim.advance_to(self.next_periodic);
            self.captures.push(self.sim.capture("t"));
            self.next_periodic += every;
        }
    }

    fn advance_to(&mut self, t: Time) {
        self.periodic(t);
        self.sim.advance_to(t);
    }

    fn run_until(&mut self, limit_ms: u64, cond: &Condition) -> bool {
        let deadline = self.sim.now() + limit_ms;
        loop {
            let seg_end = match self.capture_every {
                Some(_) if self.next_periodic <= deadline => self.next_periodic,
                _ => deadline,
            };
            let span = seg_end.saturating_sub(self.sim.now());
            if self.sim.run_until(span, |s| condition_holds(s, cond)) {
                return true;
            }
            if seg_end >= deadline {
                return false;
            }
            self.captures.push(self.sim.capture("t"));
            self.next_periodic += self.capture_every.unwrap_or(u64::MAX / 2);
        }
    }

    /// Runs one step. Narration and captures change nothing in the cluster.
    pub fn run_step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::AdvanceMs(ms) => {
                let t = self.sim.now() + ms;
                self.advance_to(t);
            }
            Step::Until { cond, within_ms } => {
                if !self.run_until(*within_ms, cond) {
                    return Err(format!(
                        "condition {cond:?} did not hold within {within_ms} ms"
                    ));
                }
            }
            Step::Capture(label) => {
                self.sim.full_check();
                self.captures.push(self.sim.capture(label));
            }
            _ => {
                if !self
                    .sim
                    .run_until(WAIT_FOR_LEADER_MS, |s| ready_for(s, step))
                {
                    return Err(format!(
                        "no leader (or active controller) appeared within {WAIT_FOR_LEADER_MS} ms"
                    ));
                }
                for action in step_actions(&self.sim, step)? {
                    self.sim.apply(action)?;
                }
            }
        }
        Ok(())
    }
}

/// Runs a whole scenario (what `kraft-sim run` prints).
pub fn run(scenario: &Scenario, capture_every: Option<u64>) -> RunOutput {
    let mut runner = match Runner::new(scenario, capture_every) {
        Ok(r) => r,
        Err(e) => {
            return RunOutput {
                scenario: scenario.name.clone(),
                captures: Vec::new(),
                violations: Vec::new(),
                stats: Stats::default(),
                error: Some(StepError {
                    step: 0,
                    message: e,
                }),
            }
        }
    };
    let mut error = None;
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Err(message) = runner.run_step(step) {
            error = Some(StepError { step: i, message });
            break;
        }
    }
    runner.sim.full_check();
    RunOutput {
        scenario: scenario.name.clone(),
        captures: runner.captures,
        violations: runner.sim.violations().to_vec(),
        stats: runner.sim.stats(),
        error,
    }
}
