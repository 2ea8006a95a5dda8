//! What the page holds: a core `Timeline` (the cluster and its history) plus view state. Every
//! change to the cluster goes through core's API; the UI only renders what core says.

use super::event_filter::EventFilter;
use super::notice::Notice;
use super::player::Player;
use super::settings::Settings;
use super::side_by_side::SideBySide;
use crate::i18n::Lang;
use kraft_core::scenario::Scenario;
use kraft_core::sim::{Action, ClusterSpec, Simulation};
use kraft_core::{Config, NodeId, Time, Timeline, TraceKind};

/// Checkpoint spacing for rewinding (the timeline thins them out on long runs).
pub const CHECKPOINT_MS: Time = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    Node(NodeId),
    Link(NodeId, NodeId),
    /// A message on the wire, by its trace id.
    Message(u64),
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
    pub side_by_side: Option<SideBySide>,
    carry: f64,
}

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
}
