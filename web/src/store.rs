//! The page's state in one place: a Yew reducer store that owns the model (the core timeline and
//! the view state), shared with every component by context. Components read it and dispatch
//! `Msg`s; `reduce` only changes the model. Saving, downloading and the clipboard happen in
//! effects and callbacks outside it.

use crate::i18n::Lang;
use crate::model::{EventFilter, Model, NextKind, Notice, Selected, Settings};
use kraft_core::sim::twins::TwinAction;
use kraft_core::sim::Action;
use kraft_core::{NodeId, Time};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

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

/// The store: the model behind a stable `Rc` (hooks and timers keep it), and a version that
/// changes with every message so that Yew re-renders what reads it.
pub struct Store {
    pub model: Rc<RefCell<Model>>,
    pub version: u64,
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.model, &other.model)
    }
}

impl Reducible for Store {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        update(&mut self.model.borrow_mut(), msg);
        Rc::new(Store {
            model: self.model.clone(),
            version: self.version + 1,
        })
    }
}

pub type StoreHandle = UseReducerHandle<Store>;

/// The store from context, and a callback that dispatches to it.
#[hook]
pub fn use_store() -> (StoreHandle, Callback<Msg>) {
    let store = use_context::<StoreHandle>().expect("the App provides the store");
    let dispatcher = store.dispatcher();
    (store, Callback::from(move |m: Msg| dispatcher.dispatch(m)))
}

/// Applies one message to the model. Pure state change: no storage, no downloads, no clipboard.
pub fn update(m: &mut Model, msg: Msg) {
    if !matches!(
        msg,
        Msg::Notice(_) | Msg::Select(_) | Msg::Tick(_) | Msg::SideBySideTick(_)
    ) {
        m.notice = None;
    }
    match msg {
        Msg::Tick(wall_ms) => m.tick(wall_ms),
        Msg::Play => m.playing = true,
        Msg::Pause => m.playing = false,
        Msg::Step => {
            m.playing = false;
            if !m.timeline.step() {
                m.notice = Some(Notice::Say("nothing-left"));
            }
        }
        Msg::StepBack => {
            m.playing = false;
            let n = m.sim().stats().steps;
            if n > 0 {
                m.timeline.seek_to_step(n - 1);
            }
        }
        Msg::Next(kind) => {
            m.playing = false;
            m.step_to_next(kind);
        }
        Msg::Speed(s) => m.speed = s.clamp(0.01, 50.0),
        Msg::Seek(time) => {
            m.playing = false;
            // The narration follows the timeline (see Player): scrubbing keeps the scenario.
            m.timeline.seek(time.min(m.timeline.horizon()));
        }
        Msg::Advance(ms) => m.timeline.advance(ms),
        Msg::Select(s) => m.selected = s,
        Msg::Act(a) => m.act(a),
        Msg::IsolateLeader => match m.sim().acting_leader() {
            Some(l) => m.act(Action::Isolate(l)),
            None => m.notice = Some(Notice::Say("no-leader-to-isolate")),
        },
        Msg::Split => {
            let ids: Vec<NodeId> = m.sim().spec().controllers.clone();
            let half = ids.len() / 2;
            m.act(Action::Partition(vec![
                ids[..half].to_vec(),
                ids[half..].to_vec(),
            ]));
        }
        Msg::NewCluster(s) => m.new_cluster(s),
        Msg::Lang(l) => m.lang = l,
        Msg::Scenario(None) => {
            let s = m.settings.clone();
            m.new_cluster(s);
        }
        Msg::Scenario(Some(name)) => match crate::library::load(&name) {
            Some(s) => m.load_scenario(&name, s, None),
            None => m.notice = Some(Notice::NoScenario(name)),
        },
        Msg::Experiment(i) => {
            if let Some(name) = m.scenario_name.clone() {
                match crate::library::with_experiment(&name, i) {
                    Some(s) => m.load_scenario(&name, s, Some(i)),
                    None => m.notice = Some(Notice::NoScenario(name)),
                }
            }
        }
        Msg::NarrationNext => {
            if let Some(mut p) = m.player.take() {
                if m.playing {
                    // Already running toward the next narration: skip the wait.
                    p.skip_ahead(&mut m.timeline);
                    m.playing = false;
                } else if !p.ended || p.in_past(&m.timeline) {
                    m.playing = true;
                }
                m.player = Some(p);
            }
        }
        Msg::NarrationPrev => {
            if let Some(p) = m.player.as_ref() {
                p.previous(&mut m.timeline);
                m.playing = false;
            }
        }
        Msg::Legend(open) => m.legend = open,
        Msg::Filter(f) => m.event_filter = f,
        Msg::Import(text) => match crate::storage::parse_saved(&text) {
            Ok(saved) => {
                if let Err(e) = m.restore(saved) {
                    m.notice = Some(Notice::BadImport(Box::new(e)));
                }
            }
            Err(_) => m.notice = Some(Notice::NotASession),
        },
        Msg::Notice(n) => m.notice = n,
        Msg::OpenPath(path) => {
            m.playing = false;
            let (start, before) = (m.sim().stats().steps, m.sim().actions_applied());
            for a in path {
                m.act(a);
                if m.notice.is_some() {
                    return;
                }
            }
            m.timeline.seek_to_step(start);
            m.timeline.apply_due_actions(before);
            m.notice = Some(Notice::Say("path-opened"));
        }
        Msg::SideBySide(None) => m.side_by_side = None,
        Msg::SideBySide(Some(partitions)) => {
            m.playing = false;
            let seed = m.settings.seed;
            match crate::side_by_side::SideBySide::new(seed, partitions) {
                Some(v) => m.side_by_side = Some(v),
                None => m.notice = Some(Notice::Say("sbs-cannot")),
            }
        }
        Msg::SideBySideAct(a) => {
            if let Some(v) = m.side_by_side.as_mut() {
                // Each side answers for itself; say why only when neither took it.
                if let [Err(e), Err(_)] = v.act(a) {
                    m.notice = Some(Notice::Action(e));
                }
            }
        }
        Msg::SideBySidePlay(on) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.playing = on;
            }
        }
        Msg::SideBySideSpeed(speed) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.speed = speed.clamp(0.25, 64.0);
            }
        }
        Msg::SideBySideTick(wall_ms) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.tick(wall_ms, crate::hooks::now_ms);
            }
        }
    }
}
