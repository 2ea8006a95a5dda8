//! The messages that change the page's state: what the views send up.

use super::event_filter::EventFilter;
use super::model::{NextKind, Selected};
use super::notice::Notice;
use super::settings::Settings;
use crate::i18n::Lang;
use kraft_core::sim::twins::TwinAction;
use kraft_core::sim::Action;
use kraft_core::Time;

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// One animation frame of this many wall milliseconds.
    Tick(f64),
    Play,
    Pause,
    Step,
    StepBack,
    Next(NextKind),
    Speed(f64),
    Seek(Time),
    Advance(Time),
    Select(Option<Selected>),
    Act(Action),
    IsolateLeader,
    Split,
    NewCluster(Settings),
    Lang(Lang),
    Scenario(Option<String>),
    NarrationNext,
    NarrationPrev,
    /// Re-runs the scenario with one of its experiments ("try it with …").
    Experiment(usize),
    Legend(bool),
    Filter(EventFilter),
    /// The text of a file the user picked.
    Import(String),
    Notice(Option<Notice>),
    /// The explorer's path from the current moment: applied, then the cursor goes back to where
    /// it begins so Step walks it one event at a time.
    OpenPath(Vec<Action>),
    /// Opens the side-by-side view with a topic of this many partitions (again, if open), or
    /// closes it.
    SideBySide(Option<u32>),
    SideBySideAct(TwinAction),
    SideBySidePlay(bool),
    SideBySideSpeed(f64),
    /// One frame of the side-by-side view's clock, this many wall milliseconds.
    SideBySideTick(f64),
}
