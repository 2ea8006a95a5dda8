//! What is saved across reloads, exported to a file and packed into a share link, and how a model
//! comes back from it exactly.

use super::model::{Model, CHECKPOINT_MS};
use super::notice::Notice;
use super::player::{Mark, Player};
use super::session_error::{SessionError, MAX_SESSION_MS};
use super::settings::Settings;
use super::side_by_side::{SavedSideBySide, SideBySide};
use crate::i18n::Lang;
use kraft_core::sim::Recording;
use kraft_core::{Time, Timeline};
use serde::{Deserialize, Serialize};

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
    pub side_by_side: Option<SavedSideBySide>,
}

pub const SAVE_VERSION: u32 = 1;

impl Model {
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
            .and_then(SideBySide::restore);
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

/// A saved session from its JSON. Through `serde_json::Value`: the scenario loader already
/// reads config that way, so the page carries one deserializer for it, not two.
pub fn parse_saved(text: &str) -> Result<Saved, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).and_then(serde_json::from_value)
}

pub fn to_json(saved: &Saved) -> String {
    serde_json::to_string(saved).unwrap_or_default()
}
