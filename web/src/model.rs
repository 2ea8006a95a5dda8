//! What the page holds: a core `Timeline` (the cluster and its history) plus view state. Every
//! change to the cluster goes through core's API; the UI only renders what core says.

use crate::i18n::Lang;
use crate::player::{Mark, Player};
use kraft_core::protocol::event::EventGroup;
use kraft_core::scenario::Scenario;
use kraft_core::sim::{
    Action, ActionError, ClusterSpec, Recording, ReplayError, Simulation, SpecError, MAX_BROKERS,
    MAX_CONTROLLERS,
};
use kraft_core::Timeline;
use kraft_core::TraceKind;
use kraft_core::{Config, NodeId, Time};
use serde::{Deserialize, Serialize};

/// Checkpoint spacing for rewinding (the timeline thins them out on long runs).
pub const CHECKPOINT_MS: Time = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    Node(NodeId),
    Link(NodeId, NodeId),
    /// A message on the wire, by its trace id.
    Message(u64),
}

/// The settings a user picks for a new cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub controllers: usize,
    pub brokers: usize,
    pub seed: u64,
    pub pre_vote: bool,
    pub snapshot_every_records: u64,
    pub latency_min: u64,
    pub latency_max: u64,
    pub election_timeout_ms: u64,
    pub fetch_timeout_ms: u64,
    /// KIP-853: the voter set lives in the log (kraft_version 1).
    pub dynamic_voters: bool,
    /// With dynamic voters: how many of the controllers (the highest ids) start as observers.
    pub observers: usize,
    /// Every controller also runs a broker (`process.roles=broker,controller`).
    pub combined: bool,
    /// ZooKeeper mode (docs/contracts.md, ZooKeeper mode): no controller nodes; the ensemble and the brokers.
    pub zookeeper: bool,
}

impl Default for Settings {
    fn default() -> Self {
        // Slower links than the core default, so messages are visible as they travel.
        Settings {
            controllers: 5,
            brokers: 3,
            seed: 1,
            pre_vote: true,
            snapshot_every_records: 100,
            latency_min: 20,
            latency_max: 60,
            election_timeout_ms: 1000,
            fetch_timeout_ms: 2000,
            dynamic_voters: false,
            observers: 0,
            combined: false,
            zookeeper: false,
        }
    }
}

impl Settings {
    pub fn spec(&self) -> Result<ClusterSpec, SpecError> {
        let config = Config {
            pre_vote: self.pre_vote,
            election_timeout_ms: self.election_timeout_ms,
            fetch_timeout_ms: self.fetch_timeout_ms,
            snapshot_every_records: Some(self.snapshot_every_records),
            latency_ms: kraft_core::protocol::config::Latency {
                min: self.latency_min,
                max: self.latency_max,
            },
            ..Config::default()
        };
        config.validate()?;
        if self.zookeeper {
            if self.brokers > MAX_BROKERS {
                return Err(SpecError::TooManyNodes);
            }
            // The controller count, voters and combined nodes are KRaft's; they are left out.
            let spec = ClusterSpec::zookeeper(self.seed, self.brokers, config);
            Simulation::new(spec.clone())?;
            return Ok(spec);
        }
        if !(1..=MAX_CONTROLLERS).contains(&self.controllers) || self.brokers > MAX_BROKERS {
            return Err(SpecError::TooManyNodes);
        }
        let spec = ClusterSpec::new(self.seed, self.controllers, self.brokers, config);
        let observers = if self.dynamic_voters {
            let spare = self.observers.min(self.controllers);
            spec.controllers[self.controllers - spare..].to_vec()
        } else {
            Vec::new()
        };
        let combined = if self.combined {
            spec.controllers.clone()
        } else {
            Vec::new()
        };
        Ok(ClusterSpec {
            kraft_version: u8::from(self.dynamic_voters),
            observers,
            combined,
            ..spec
        })
    }
}

/// Something the page tells the learner, kept typed so it is said in the current language.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A fixed sentence (an i18n key).
    Say(&'static str),
    Action(ActionError),
    Spec(SpecError),
    Replay(ReplayError),
    Session(SessionError),
    /// A file or link that is not a session; the detail (JSON position) is for the curious.
    NotASession,
    /// A share link that could not be read: the page opened without it.
    BadShareLink,
    /// The saved session could not be restored.
    NotRestored(Box<Notice>),
    /// An imported file is a session, but not one the playground can replay.
    BadImport(Box<Notice>),
    NoScenario(String),
}

impl Notice {
    pub fn text(&self, lang: Lang) -> String {
        use crate::i18n::{action_error, replay_error, spec_error, t};
        match self {
            Notice::Say(key) => t(lang, key).to_string(),
            Notice::Action(e) => action_error(lang, e),
            Notice::Spec(e) => spec_error(lang, e),
            Notice::Replay(e) => replay_error(lang, e),
            Notice::Session(e) => e.text(lang),
            Notice::NotASession => t(lang, "import-error").to_string(),
            Notice::BadShareLink => t(lang, "bad-link").to_string(),
            Notice::NotRestored(inner) => {
                format!("{}: {}", t(lang, "not-restored"), inner.text(lang))
            }
            Notice::BadImport(inner) => {
                format!("{}: {}", t(lang, "import-error"), inner.text(lang))
            }
            Notice::NoScenario(name) => format!("{}: {name}", t(lang, "no-scenario")),
        }
    }
}

/// Why a saved session (file, link or storage) is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionError {
    Version(u32),
    Speed,
    TooLong,
}

impl SessionError {
    pub fn text(&self, lang: Lang) -> String {
        let hours = MAX_SESSION_MS / 3_600_000;
        match (self, lang) {
            (SessionError::Version(v), Lang::En) => format!("unsupported session version {v}"),
            (SessionError::Version(v), Lang::Zh) => format!("不支持的会话版本 {v}"),
            (SessionError::Speed, Lang::En) => "speed out of range".into(),
            (SessionError::Speed, Lang::Zh) => "速度超出范围".into(),
            (SessionError::TooLong, Lang::En) => {
                format!(
                    "the session is longer than the playground replays ({hours} h of virtual time)"
                )
            }
            (SessionError::TooLong, Lang::Zh) => {
                format!("会话太长，演练场只重放 {hours} 小时以内的虚拟时间")
            }
        }
    }
}

/// Kinds of events "step to next" can stop at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextKind {
    Election,
    HighWatermark,
    Snapshot,
}

pub struct Model {
    pub timeline: Timeline,
    pub playing: bool,
    /// Virtual milliseconds per wall millisecond.
    pub speed: f64,
    pub selected: Option<Selected>,
    pub lang: Lang,
    pub settings: Settings,
    /// Last refused action or bad input, shown until the next action.
    pub notice: Option<Notice>,
    pub player: Option<Player>,
    /// Name of the library scenario loaded (for persistence and the picker).
    pub scenario_name: Option<String>,
    pub event_filter: EventFilter,
    /// The library experiment the scenario runs with, if any.
    pub experiment: Option<usize>,
    /// The legend is open.
    pub legend: bool,
    /// The side-by-side view (KRaft and ZooKeeper mode), when open.
    pub side_by_side: Option<crate::side_by_side::SideBySide>,
    carry: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventFilter {
    pub messages: bool,
    pub roles: bool,
    pub log: bool,
    pub brokers: bool,
    pub faults: bool,
    pub node: Option<NodeId>,
}

impl Default for EventFilter {
    fn default() -> Self {
        EventFilter {
            messages: false,
            roles: true,
            log: true,
            brokers: true,
            faults: true,
            node: None,
        }
    }
}

impl EventFilter {
    pub fn shows(&self, kind: &TraceKind) -> bool {
        let (a, b) = kind.nodes();
        if let Some(n) = self.node {
            if a.is_some() && a != Some(n) && b != Some(n) {
                return false;
            }
        }
        match kind.group() {
            EventGroup::Message => self.messages,
            EventGroup::Drop => self.messages || self.faults,
            EventGroup::Election => self.roles,
            EventGroup::Log => self.log,
            EventGroup::Broker => self.brokers,
            EventGroup::Fault => self.faults,
            EventGroup::Violation => true,
        }
    }
}

/// What is saved across reloads and shared in links.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Saved {
    pub version: u32,
    pub recording: Recording,
    pub time_ms: Time,
    /// Raw events processed: with the time, the exact point (several events share a millisecond).
    #[serde(default)]
    pub events: u64,
    pub settings: Settings,
    pub lang: Lang,
    pub speed: f64,
    #[serde(default)]
    pub scenario: Option<String>,
    #[serde(default)]
    pub scenario_step: usize,
    /// The narrations reached and where (so the narration follows the timeline after a reload).
    #[serde(default)]
    pub narration: Vec<Mark>,
    /// Where the scenario engine left the history.
    #[serde(default)]
    pub live: Option<kraft_core::sim::Position>,
    /// A library experiment ("try it with …") the scenario runs with.
    #[serde(default)]
    pub experiment: Option<usize>,
    /// The side-by-side view, if open: rebuilt by replaying what the learner did.
    #[serde(default)]
    pub side_by_side: Option<crate::side_by_side::SavedSideBySide>,
}

pub const SAVE_VERSION: u32 = 1;
/// Longest session restored from a file or link: a day of virtual time.
pub const MAX_SESSION_MS: Time = 86_400_000;

impl Model {
    pub fn new(settings: Settings, lang: Lang) -> Model {
        let spec = settings.spec().unwrap_or_else(|_| {
            Settings::default()
                .spec()
                .expect("default settings are valid")
        });
        let sim = Simulation::new(spec).unwrap_or_else(|_| {
            Simulation::new(ClusterSpec::new(1, 3, 0, Config::default()))
                .expect("a 3-node cluster always builds")
        });
        Model {
            timeline: Timeline::new(sim, CHECKPOINT_MS),
            playing: false,
            speed: 0.25,
            selected: None,
            lang,
            settings,
            notice: None,
            player: None,
            scenario_name: None,
            event_filter: EventFilter::default(),
            experiment: None,
            legend: false,
            side_by_side: None,
            carry: 0.0,
        }
    }

    pub fn sim(&self) -> &Simulation {
        self.timeline.sim()
    }

    pub fn new_cluster(&mut self, settings: Settings) {
        match settings.spec().and_then(Simulation::new) {
            Ok(sim) => {
                self.timeline = Timeline::new(sim, CHECKPOINT_MS);
                self.settings = settings;
                self.selected = None;
                self.player = None;
                self.scenario_name = None;
                self.experiment = None;
                self.notice = None;
            }
            Err(e) => self.notice = Some(Notice::Spec(e)),
        }
    }

    pub fn load_scenario(&mut self, name: &str, scenario: Scenario, experiment: Option<usize>) {
        match Simulation::new(scenario.spec.clone()) {
            Ok(sim) => {
                self.timeline = Timeline::new(sim, CHECKPOINT_MS);
                self.selected = None;
                self.notice = None;
                self.scenario_name = Some(name.to_string());
                self.experiment = experiment;
                self.player = Some(Player::new(scenario));
                self.playing = false;
            }
            Err(e) => self.notice = Some(Notice::Spec(e)),
        }
    }

    pub fn act(&mut self, action: Action) {
        // An action in a scenario's past starts a new branch: the script no longer applies.
        let branches = self
            .player
            .as_ref()
            .is_some_and(|p| p.in_past(&self.timeline));
        self.notice = self.timeline.apply(action).err().map(Notice::Action);
        if branches && self.notice.is_none() {
            self.player = None;
            self.scenario_name = None;
            self.experiment = None;
            self.notice = Some(Notice::Say("scenario-left"));
        }
    }

    /// One animation frame of `wall_ms` at the current speed.
    pub fn tick(&mut self, wall_ms: f64) {
        if !self.playing {
            return;
        }
        self.carry += wall_ms * self.speed;
        let ms = self.carry.floor();
        self.carry -= ms;
        if ms < 1.0 {
            return;
        }
        let ms = ms as Time;
        if let Some(mut player) = self.player.take() {
            player.run_for(&mut self.timeline, ms, &mut self.playing);
            self.player = Some(player);
        } else {
            self.timeline.advance(ms);
        }
    }

    /// Runs until the next event of a kind (bounded, so a quiet cluster never hangs the page).
    pub fn step_to_next(&mut self, kind: NextKind) {
        let start = self.timeline.position();
        let from = self.sim().trace().total();
        let limit = self.sim().now() + 120_000;
        while self.sim().now() < limit {
            if !self.timeline.step() {
                break;
            }
            let hit = self.sim().trace_since(from).any(|e| {
                matches!(
                    (&e.kind, kind),
                    (
                        TraceKind::Role {
                            to: kraft_core::Role::Leader,
                            ..
                        },
                        NextKind::Election
                    ) | (TraceKind::HighWatermark { .. }, NextKind::HighWatermark)
                        | (
                            TraceKind::SnapshotTaken { .. } | TraceKind::SnapshotLoaded { .. },
                            NextKind::Snapshot
                        )
                )
            });
            if hit {
                return;
            }
        }
        // Nothing within the bound: go back to where the learner was, and say so.
        self.timeline.seek_position(start);
        self.notice = Some(Notice::Say(match kind {
            NextKind::Election => "nothing-next-election",
            NextKind::HighWatermark => "nothing-next-hw",
            NextKind::Snapshot => "nothing-next-snapshot",
        }));
    }

    pub fn saved(&self) -> Saved {
        Saved {
            version: SAVE_VERSION,
            recording: self.timeline.recording().clone(),
            time_ms: self.sim().now(),
            events: self.sim().events_processed(),
            settings: self.settings.clone(),
            lang: self.lang,
            speed: self.speed,
            scenario: self.scenario_name.clone(),
            scenario_step: self.player.as_ref().map_or(0, |p| p.next_step()),
            narration: self.player.as_ref().map_or(Vec::new(), |p| p.marks.clone()),
            live: self.player.as_ref().map(|p| p.live),
            experiment: self.experiment,
            side_by_side: self.side_by_side.as_ref().map(|v| v.saved()),
        }
    }

    /// Restores a saved session exactly (same recording, same time). On a bad file, nothing changes.
    pub fn restore(&mut self, saved: Saved) -> Result<(), Notice> {
        if saved.version != SAVE_VERSION {
            return Err(Notice::Session(SessionError::Version(saved.version)));
        }
        if !(0.01..=100.0).contains(&saved.speed) {
            return Err(Notice::Session(SessionError::Speed));
        }
        // A session replays from time 0: refuse ones that would keep the page busy for long.
        if saved.time_ms > MAX_SESSION_MS || saved.recording.actions.len() > 200_000 {
            return Err(Notice::Session(SessionError::TooLong));
        }
        // The exact point (time and events): a narration reached mid-millisecond stays reached.
        let timeline = if saved.events > 0 {
            Timeline::from_position(saved.recording, CHECKPOINT_MS, saved.time_ms, saved.events)
        } else {
            Timeline::from_recording(saved.recording, CHECKPOINT_MS, Some(saved.time_ms))
        }
        .map_err(Notice::Replay)?;
        self.timeline = timeline;
        self.side_by_side = saved
            .side_by_side
            .as_ref()
            .filter(|v| v.time_ms <= MAX_SESSION_MS)
            .and_then(crate::side_by_side::SideBySide::restore);
        self.settings = saved.settings;
        self.lang = saved.lang;
        self.speed = saved.speed;
        self.selected = None;
        self.playing = false;
        self.player = None;
        self.scenario_name = None;
        self.experiment = None;
        if let Some(name) = saved.scenario {
            let s = match saved.experiment {
                Some(i) => crate::library::with_experiment(&name, i),
                None => crate::library::load(&name),
            };
            if let Some(s) = s {
                let mut p = Player::new(s);
                let live = saved.live.unwrap_or_else(|| self.timeline.position());
                p.resume_at(saved.scenario_step, live);
                p.marks = saved.narration;
                p.ended = p.finished() && !p.in_past(&self.timeline);
                self.player = Some(p);
                self.scenario_name = Some(name);
                self.experiment = saved.experiment;
            }
        }
        Ok(())
    }
}
