//! The one scenario engine: conditions, the actions a step stands for, and a resumable runner
//! that the CLI drives to the end in one call and the UI drives a frame at a time. Both get the
//! same history, event for event, because the runner only ever stops between events.

use crate::protocol::types::{NodeId, Time};
use crate::scenario::loader::{Condition, Scenario, Step, Target};
use crate::sim::explore::{ExploreOptions, Explorer, Faults};
use crate::sim::{Action, ActionError, Capture, Simulation, SpecError, Stats, Timeline, Violation};
use serde::Serialize;
use std::fmt;

/// The node a target names in a condition: `"leader"` is the quorum leader a majority follows.
fn watched(sim: &Simulation, t: &Target) -> Option<NodeId> {
    match t {
        Target::Id(id) => Some(*id),
        Target::Leader => sim.quorum_leader(),
        Target::PartitionLeader { topic, partition } => {
            sim.partition_leader(topic, *partition).ok().map(|(_, l)| l)
        }
    }
}

/// A partition's state in the committed image.
/// The partition as the cluster's metadata holds it: the committed image (KRaft) or ZooKeeper's
/// partition state znode.
fn committed_partition(
    sim: &Simulation,
    topic: &str,
    partition: u32,
) -> Option<crate::protocol::metadata::PartitionState> {
    match sim.mode() {
        crate::protocol::ClusterMode::Kraft => sim
            .committed_image_ref()?
            .topic_by_name(topic)?
            .partition(partition)
            .cloned(),
        crate::protocol::ClusterMode::Zookeeper => sim.zk_partition(topic, partition),
    }
}

/// Whether a condition holds now.
pub fn condition_holds(sim: &Simulation, cond: &Condition) -> bool {
    match cond {
        Condition::Leader => sim.quorum_leader().is_some(),
        Condition::LeaderIs(t) => {
            sim.quorum_leader().is_some() && sim.quorum_leader() == watched(sim, t)
        }
        Condition::HwAtLeast { node, offset } => watched(sim, node)
            .and_then(|id| sim.node(id))
            .is_some_and(|n| n.alive && n.node.high_watermark().is_some_and(|h| h >= *offset)),
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
        Condition::Role { node, role } => watched(sim, node)
            .and_then(|id| sim.node(id))
            .is_some_and(|n| crate::sim::capture::role_word(n) == *role),
        Condition::ProduceDone(k) => sim
            .produces()
            .iter()
            .any(|p| p.id == *k && p.status != crate::protocol::producer::ProduceStatus::Pending),
        Condition::Replica {
            topic,
            partition,
            broker,
            leo,
            hw,
            flushed,
        } => {
            let Some(t) = sim
                .committed_image_ref()
                .and_then(|i| i.topic_by_name(topic))
            else {
                return false;
            };
            sim.node(*broker)
                .and_then(|n| n.node.partition_replicas().get(&(t.topic_id, *partition)))
                .is_some_and(|r| {
                    leo.is_none_or(|l| r.leo() == l)
                        && hw.is_none_or(|h| r.hw == h)
                        && flushed.is_none_or(|f| r.log.flushed_offset() == f)
                })
        }
        Condition::PartitionLeaderIs {
            topic,
            partition,
            broker,
        } => committed_partition(sim, topic, *partition).is_some_and(|p| p.leader == *broker),
        Condition::IsrIs {
            topic,
            partition,
            isr,
        } => committed_partition(sim, topic, *partition).is_some_and(|p| {
            let mut have = p.isr.clone();
            have.sort_unstable();
            have == *isr
        }),
        Condition::ControllerIs(id) => sim.controller().is_some_and(|c| c.0 == *id),
        Condition::ControllerReady => sim.controller_ready(),
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
    /// The CLI contract: 0 when every step ran and no invariant broke, else 1.
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
pub fn step_actions(sim: &Simulation, step: &Step) -> Result<Vec<Action>, ActionError> {
    let id = |t: &Target| match t {
        Target::Id(id) => Ok(*id),
        Target::Leader => sim.acting_leader().ok_or(ActionError::NoLeader),
        Target::PartitionLeader { topic, partition } => {
            sim.partition_leader(topic, *partition).map(|(_, l)| l)
        }
    };
    Ok(match step {
        Step::Elect(t) => vec![Action::Elect(id(t)?)],
        Step::Crash(t) => vec![Action::Crash(id(t)?)],
        // Every target is named before any goes down (`"leader"` is the leader of now).
        Step::PowerLoss(ts) => ts
            .iter()
            .map(|t| id(t).map(Action::PowerLoss))
            .collect::<Result<_, _>>()?,
        Step::Restart(t) => vec![Action::Restart(id(t)?)],
        Step::Resign(t) => vec![Action::Resign(id(t)?)],
        Step::AddVoter(t) => vec![Action::AddVoter(id(t)?)],
        Step::RemoveVoter(t) => vec![Action::RemoveVoter(id(t)?)],
        Step::Wipe(t) => vec![Action::Wipe(id(t)?)],
        Step::ControlledShutdown(t) => vec![Action::ControlledShutdown(id(t)?)],
        Step::Isolate(t) => vec![Action::Isolate(id(t)?)],
        Step::Slow { node, ms } => vec![Action::Slow {
            node: id(node)?,
            ms: *ms,
        }],
        Step::Pause { node, ms } => vec![Action::Pause {
            node: id(node)?,
            ms: *ms,
        }],
        Step::Partition(groups) => vec![Action::Partition(groups.clone())],
        Step::Cut { a, b } => {
            let (a, b) = (id(a)?, id(b)?);
            vec![
                Action::CutOneWay { from: a, to: b },
                Action::CutOneWay { from: b, to: a },
            ]
        }
        Step::CutOneWay { from, to } => vec![Action::CutOneWay {
            from: id(from)?,
            to: id(to)?,
        }],
        Step::Heal => vec![Action::HealAll],
        Step::Append(n) => vec![Action::Append(*n)],
        Step::CreateTopic(t) => vec![Action::CreateTopic(t.clone())],
        Step::Produce(p) => vec![Action::Produce(p.clone())],
        Step::SteadyLoad(l) => vec![Action::SteadyLoad(l.clone())],
        Step::Consume(c) => vec![Action::Consume(c.clone())],
        Step::ElectPreferred { topic, partition } => vec![Action::ElectPreferred {
            topic: topic.clone(),
            partition: *partition,
        }],
        Step::NextMessage {
            from,
            to,
            rpc,
            fault,
        } => vec![Action::NextMessage(crate::sim::MessageFault {
            from: id(from)?,
            to: id(to)?,
            rpc: rpc.clone(),
            fault: *fault,
        })],
        Step::Deliver(id) => vec![Action::Deliver(*id)],
        Step::Fire { node, timer } => vec![Action::Fire {
            node: *node,
            timer: *timer,
        }],
        Step::InFlight { id, fault } => vec![Action::InFlight {
            id: *id,
            fault: *fault,
        }],
        Step::Explore { depth, faults } => explore_path(sim, *depth, *faults),
        Step::AdvanceMs(_) | Step::Until { .. } | Step::Capture(_) | Step::Say(_) => vec![],
    })
}

/// The most distinct states an `explore` step looks at (it runs while the page waits).
pub const EXPLORE_STEP_STATES: u64 = 50_000;

/// An `explore` step's actions: the shortest path the explorer finds from here (none if it
/// finds nothing).
fn explore_path(sim: &Simulation, depth: usize, faults: Faults) -> Vec<Action> {
    let opts = ExploreOptions {
        depth,
        faults,
        max_states: EXPLORE_STEP_STATES,
    };
    match Explorer::new(sim, opts) {
        Ok(mut e) => e.run_to_end().found.map(|f| f.path).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Whether a write step can be taken now: `append` needs a leader, `create_topic` an active
/// controller, `produce` a partition leader in the committed image.
pub fn ready_for(sim: &Simulation, step: &Step) -> bool {
    let leader = sim.acting_leader().and_then(|l| sim.node(l));
    match step {
        Step::CreateTopic(_) | Step::ElectPreferred { .. }
            if sim.mode() == crate::protocol::ClusterMode::Zookeeper =>
        {
            sim.controller_ready()
        }
        Step::CreateTopic(_) | Step::ElectPreferred { .. } => {
            leader.is_some_and(|n| n.node.active_controller().is_some())
        }
        Step::Consume(c) => sim.partition_of(&c.topic, c.partition).is_ok(),
        Step::SteadyLoad(Some(l)) => sim
            .partition_of(&l.produce.topic, l.produce.partition)
            .is_ok(),
        Step::Append(_) => leader.is_some(),
        // The leader broker must itself know it leads (brokers apply the metadata a little later).
        Step::Produce(p) => sim
            .partition_leader(&p.topic, p.partition)
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

/// Why a step failed. `Display` is the English sentence in the CLI's JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum StepFailure {
    /// The cluster could not be built.
    Spec(SpecError),
    /// An `until` whose condition did not hold in time.
    ConditionNotMet { cond: Condition, within_ms: u64 },
    /// A write step that found no leader (or active controller, or partition leader) in time.
    NoLeaderInTime { within_ms: u64 },
    /// The cluster refused the step's action.
    Action(ActionError),
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepFailure::Spec(e) => e.fmt(f),
            StepFailure::ConditionNotMet { cond, within_ms } => {
                write!(f, "condition {cond:?} did not hold within {within_ms} ms")
            }
            StepFailure::NoLeaderInTime { within_ms } => write!(
                f,
                "no leader (or active controller) appeared within {within_ms} ms"
            ),
            StepFailure::Action(e) => e.fmt(f),
        }
    }
}

wrap_error!(StepFailure::Action(ActionError));

/// What the runner drives: a bare simulation (the CLI, tests) or the UI's timeline, which also
/// records actions and keeps checkpoints. The runner needs only these four moves.
pub trait Driver {
    fn sim(&self) -> &Simulation;
    /// Processes the next event if it happens at or before `limit`; false if none does.
    fn process_next_until(&mut self, limit: Time) -> bool;
    /// Processes every event up to `t`, then sets the clock to `t`.
    fn advance_to(&mut self, t: Time);
    fn apply(&mut self, action: Action) -> Result<(), ActionError>;
    /// A capture step: the CLI also runs the whole-cluster checks there.
    fn capture(&mut self, label: &str) -> Capture;
}

impl Driver for Simulation {
    fn sim(&self) -> &Simulation {
        self
    }
    fn process_next_until(&mut self, limit: Time) -> bool {
        if self.next_event_time().is_some_and(|t| t <= limit) {
            self.process_next();
            true
        } else {
            false
        }
    }
    fn advance_to(&mut self, t: Time) {
        Simulation::advance_to(self, t)
    }
    fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        Simulation::apply(self, action)
    }
    fn capture(&mut self, label: &str) -> Capture {
        self.full_check();
        Simulation::capture(self, label)
    }
}

impl Driver for Timeline {
    fn sim(&self) -> &Simulation {
        Timeline::sim(self)
    }
    fn process_next_until(&mut self, limit: Time) -> bool {
        Timeline::process_next_until(self, limit)
    }
    fn advance_to(&mut self, t: Time) {
        Timeline::advance_to(self, t)
    }
    fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        Timeline::apply(self, action)
    }
    /// The page's history must equal a fresh replay, so no extra checks are written into it here.
    fn capture(&mut self, label: &str) -> Capture {
        Timeline::sim(self).capture(label)
    }
}

/// How long `append` / `create_topic` / `produce` wait for someone to take them.
const WAIT_FOR_LEADER_MS: u64 = 30_000;

/// What the running step waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Wait {
    /// `advance_ms`: the clock reaching this time.
    Time(Time),
    /// `until`: a condition, by a deadline.
    Condition {
        cond: Condition,
        deadline: Time,
        within_ms: u64,
    },
    /// A write step: a leader (or active controller, or partition leader) to take it.
    Leader { deadline: Time },
}

/// Why `poll` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Virtual time reached the budget; call again to go on.
    Budget,
    /// A narration step was reached (its index): the learner reads before going on.
    Narration(usize),
    /// Every step ran, or one failed (see `error`).
    Done,
}

/// The resumable scenario engine: it holds the steps and where they are, not the cluster. Poll
/// it with a driver and a budget of virtual time.
#[derive(Clone, Debug)]
pub struct Engine {
    steps: Vec<Step>,
    /// Index of the step running (or next to run).
    next: usize,
    wait: Option<Wait>,
    pub captures: Vec<Capture>,
    capture_every: Option<u64>,
    next_periodic: Time,
    error: Option<(usize, StepFailure)>,
}

impl Engine {
    pub fn new(scenario: &Scenario, capture_every: Option<u64>) -> Engine {
        Engine::from_steps(scenario.steps.clone(), capture_every)
    }

    pub fn from_steps(steps: Vec<Step>, capture_every: Option<u64>) -> Engine {
        let capture_every = capture_every.filter(|ms| *ms > 0);
        Engine {
            steps,
            next: 0,
            wait: None,
            captures: Vec::new(),
            capture_every,
            next_periodic: capture_every.unwrap_or(0),
            error: None,
        }
    }

    /// Index of the step running or next to run.
    pub fn next_step(&self) -> usize {
        self.next
    }
    /// What the running step waits for, if anything.
    pub fn waiting(&self) -> Option<&Wait> {
        self.wait.as_ref()
    }
    /// The step that failed and why.
    pub fn error(&self) -> Option<&(usize, StepFailure)> {
        self.error.as_ref()
    }
    pub fn finished(&self) -> bool {
        self.error.is_some() || (self.next >= self.steps.len() && self.wait.is_none())
    }

    /// Skips to step `next` without running the ones before (restoring a saved position whose
    /// history the timeline already holds).
    pub fn resume_at(&mut self, next: usize) {
        self.next = next.min(self.steps.len());
        self.wait = None;
        self.error = None;
    }

    /// Periodic captures (`--capture-every`) due at or before `t`, each taken once the clock
    /// stands exactly on it.
    fn periodic(&mut self, d: &mut impl Driver, t: Time) {
        while let Some(every) = self.capture_every {
            if self.next_periodic > t {
                break;
            }
            d.advance_to(self.next_periodic);
            self.captures.push(d.sim().capture("t"));
            self.next_periodic += every;
        }
    }

    /// Runs events until `cond` holds (checked before every event), `deadline` passes (false) or
    /// the budget `until` is reached (None).
    fn wait_for(
        &mut self,
        d: &mut impl Driver,
        deadline: Time,
        until: Time,
        cond: impl Fn(&Simulation) -> bool,
    ) -> Option<bool> {
        loop {
            if cond(d.sim()) {
                return Some(true);
            }
            let end = deadline.min(until);
            if let Some(p) = self.capture_every.map(|_| self.next_periodic) {
                if p <= end && d.sim().next_event_time().is_none_or(|e| e > p) {
                    self.periodic(d, p);
                    continue;
                }
            }
            if !d.process_next_until(end) {
                d.advance_to(end);
                if deadline <= until {
                    return Some(cond(d.sim()));
                }
                return None;
            }
        }
    }

    /// Works on the waiting step until virtual time `until`. True when the wait is over.
    fn work(&mut self, d: &mut impl Driver, until: Time) -> bool {
        let Some(wait) = self.wait.clone() else {
            return true;
        };
        let step = self.next;
        match wait {
            Wait::Time(t) => {
                let end = t.min(until);
                self.periodic(d, end);
                d.advance_to(end);
                if d.sim().now() < t {
                    return false;
                }
            }
            Wait::Condition {
                cond,
                deadline,
                within_ms,
            } => match self.wait_for(d, deadline, until, |s| condition_holds(s, &cond)) {
                None => return false,
                Some(true) => {}
                Some(false) => {
                    self.error = Some((step, StepFailure::ConditionNotMet { cond, within_ms }));
                }
            },
            Wait::Leader { deadline } => {
                let write = self.steps[step].clone();
                match self.wait_for(d, deadline, until, |s| ready_for(s, &write)) {
                    None => return false,
                    Some(true) => {
                        if let Err(e) = apply_step(d, &write) {
                            self.error = Some((step, e));
                        }
                    }
                    Some(false) => {
                        self.error = Some((
                            step,
                            StepFailure::NoLeaderInTime {
                                within_ms: WAIT_FOR_LEADER_MS,
                            },
                        ));
                    }
                }
            }
        }
        self.wait = None;
        self.next += 1;
        true
    }

    /// Starts step `self.next`. Returns a narration index at a `say` step.
    fn start(&mut self, d: &mut impl Driver) -> Option<usize> {
        let i = self.next;
        let now = d.sim().now();
        match &self.steps[i] {
            Step::Say(_) => {
                self.next += 1;
                return Some(i);
            }
            Step::AdvanceMs(ms) => self.wait = Some(Wait::Time(now + ms)),
            Step::Until { cond, within_ms } => {
                self.wait = Some(Wait::Condition {
                    cond: cond.clone(),
                    deadline: now + within_ms,
                    within_ms: *within_ms,
                })
            }
            Step::Capture(label) => {
                let c = d.capture(label);
                self.captures.push(c);
                self.next += 1;
            }
            _ => {
                self.wait = Some(Wait::Leader {
                    deadline: now + WAIT_FOR_LEADER_MS,
                })
            }
        }
        None
    }

    /// Runs steps until virtual time `until` (then `Budget`), a narration step (when
    /// `stop_at_narration`), or the end. Stopping never falls between an event and its checks,
    /// so any slicing of the budget gives the same history.
    pub fn poll(&mut self, d: &mut impl Driver, until: Time, stop_at_narration: bool) -> Poll {
        loop {
            if self.error.is_some() {
                return Poll::Done;
            }
            if self.wait.is_some() {
                if !self.work(d, until) {
                    return Poll::Budget;
                }
                continue;
            }
            if self.next >= self.steps.len() {
                return Poll::Done;
            }
            if let Some(i) = self.start(d) {
                if stop_at_narration {
                    return Poll::Narration(i);
                }
            }
        }
    }
}

/// The engine with a simulation of its own: what the CLI and the tests use.
pub struct Runner {
    pub engine: Engine,
    pub sim: Simulation,
    /// Kept for the tests' step-by-step form.
    pub captures: Vec<Capture>,
}

impl Runner {
    pub fn new(scenario: &Scenario, capture_every: Option<u64>) -> Result<Runner, SpecError> {
        Ok(Runner {
            engine: Engine::new(scenario, capture_every),
            sim: Simulation::new(scenario.spec.clone())?,
            captures: Vec::new(),
        })
    }

    /// Runs one step to its end (the tests' step-by-step form).
    pub fn run_step(&mut self, step: &Step) -> Result<(), StepFailure> {
        let mut one = Engine::from_steps(vec![step.clone()], None);
        one.poll(&mut self.sim, Time::MAX, false);
        self.captures.append(&mut one.captures);
        match one.error {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}

fn apply_step(d: &mut impl Driver, step: &Step) -> Result<(), StepFailure> {
    for action in step_actions(d.sim(), step)? {
        d.apply(action)?;
    }
    Ok(())
}

/// Runs a whole scenario (what `kraft-sim run` prints).
pub fn run(scenario: &Scenario, capture_every: Option<u64>) -> RunOutput {
    let mut r = match Runner::new(scenario, capture_every) {
        Ok(r) => r,
        Err(e) => {
            return RunOutput {
                scenario: scenario.name.clone(),
                captures: Vec::new(),
                violations: Vec::new(),
                stats: Stats::default(),
                error: Some(StepError {
                    step: 0,
                    message: e.to_string(),
                }),
            }
        }
    };
    r.engine.poll(&mut r.sim, Time::MAX, false);
    r.sim.full_check();
    RunOutput {
        scenario: scenario.name.clone(),
        captures: r.engine.captures,
        violations: r.sim.violations().to_vec(),
        stats: r.sim.stats(),
        error: r.engine.error.map(|(step, e)| StepError {
            step,
            message: e.to_string(),
        }),
    }
}
