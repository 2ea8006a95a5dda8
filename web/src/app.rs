//! The root component: owns the model, turns messages from the panels into core calls, drives
//! the animation clock, and keeps the session in localStorage. Panels get the model and a version
//! number as props (they re-render when it changes) and send `Msg`s up.

use crate::i18n::{t, Lang};
use crate::model::{Model, NextKind, Saved, Selected, Settings};
use crate::{charts, cluster, controls, panels, storage};
use gloo_timers::callback::Interval;
use kraft_core::sim::Action;
use kraft_core::{NodeId, Time};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Shared access to the model; equal when it is the same model.
#[derive(Clone)]
pub struct Handle(pub Rc<RefCell<Model>>);

impl PartialEq for Handle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
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
    Filter(crate::model::EventFilter),
    Import(String),
    Export,
    Share,
    Notice(Option<String>),
}

#[derive(Properties, PartialEq, Clone)]
pub struct PanelProps {
    pub model: Handle,
    pub version: u64,
    pub on: Callback<Msg>,
}

/// Applies one message. Returns whether the session should be saved.
fn update(m: &mut Model, msg: Msg) -> bool {
    if !matches!(msg, Msg::Notice(_) | Msg::Select(_)) {
        m.notice = None;
    }
    match msg {
        Msg::Play => m.playing = true,
        Msg::Pause => m.playing = false,
        Msg::Step => {
            m.playing = false;
            if !m.timeline.step() {
                m.notice = Some("nothing left to happen".into());
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
            m.timeline.seek(time.min(m.timeline.horizon()));
            // The timeline replays the scenario's recorded actions by itself; a player still
            // running its steps would apply them twice. Narration resumes with Previous/Next.
            if m.player.take().is_some() {
                m.scenario_name = None;
                m.notice = Some(t(m.lang, "scenario-left").to_string());
            }
        }
        Msg::Advance(ms) => m.timeline.advance(ms),
        Msg::Select(s) => m.selected = s,
        Msg::Act(a) => m.act(a),
        Msg::IsolateLeader => match m.sim().acting_leader() {
            Some(l) => m.act(Action::Isolate(l)),
            None => m.notice = Some("there is no leader to isolate".into()),
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
            Some(s) => m.load_scenario(&name, s),
            None => m.notice = Some(format!("no scenario {name}")),
        },
        Msg::NarrationNext => {
            if m.player.as_ref().is_some_and(|p| !p.finished()) {
                m.playing = true;
            }
        }
        Msg::NarrationPrev => {
            if let Some(p) = m.player.as_ref() {
                let (reached, _) = p.narration_progress();
                match crate::player::Player::replay_to(
                    &p.scenario,
                    reached.saturating_sub(1).max(1),
                ) {
                    Ok((tl, player)) => {
                        m.timeline = tl;
                        m.player = Some(player);
                        m.playing = false;
                    }
                    Err(e) => m.notice = Some(e),
                }
            }
        }
        Msg::Filter(f) => m.event_filter = f,
        Msg::Import(text) => match serde_json::from_str::<Saved>(&text) {
            Ok(saved) => {
                if let Err(e) = m.restore(saved) {
                    m.notice = Some(format!("{}: {e}", t(m.lang, "import-error")));
                }
            }
            Err(e) => m.notice = Some(format!("{}: {e}", t(m.lang, "import-error"))),
        },
        Msg::Export => storage::download("kraft-session.json", &storage::to_json(&m.saved())),
        Msg::Share => match storage::share_link(&m.saved()) {
            Ok(()) => m.notice = Some(t(m.lang, "shared").to_string()),
            Err(e) => m.notice = Some(e),
        },
        Msg::Notice(n) => m.notice = n,
    }
    true
}

#[function_component(App)]
pub fn app() -> Html {
    let model = use_mut_ref(storage::initial_model);
    let force = use_force_update();
    let version = use_mut_ref(|| 0u64);

    let on = {
        let (model, force, version) = (model.clone(), force.clone(), version.clone());
        Callback::from(move |msg: Msg| {
            let save = update(&mut model.borrow_mut(), msg);
            if save {
                storage::save(&model.borrow());
            }
            *version.borrow_mut() += 1;
            force.force_update();
        })
    };

    // The animation clock: while playing, advance virtual time by wall time × speed.
    let playing = model.borrow().playing;
    {
        let (model, force, version) = (model.clone(), force.clone(), version.clone());
        use_effect_with(playing, move |playing| {
            let interval = playing.then(|| {
                let last = Rc::new(RefCell::new(js_sys::Date::now()));
                let mut saved_at = js_sys::Date::now();
                Interval::new(33, move || {
                    let now = js_sys::Date::now();
                    let wall = (now - *last.borrow()).min(250.0);
                    *last.borrow_mut() = now;
                    // Hidden tabs do not animate (and do not pile up work).
                    if crate::hooks::page_hidden() {
                        return;
                    }
                    let started = crate::hooks::now_ms();
                    model.borrow_mut().tick(wall);
                    if now - saved_at > 2000.0 || !model.borrow().playing {
                        storage::save(&model.borrow());
                        saved_at = now;
                    }
                    *version.borrow_mut() += 1;
                    force.force_update();
                    // Yew renders in a microtask; ours, queued after it, sees the frame's end.
                    let done = wasm_bindgen::closure::Closure::once_into_js(
                        move |_: wasm_bindgen::JsValue| {
                            crate::hooks::record_frame(crate::hooks::now_ms() - started);
                        },
                    );
                    if let Some(w) = web_sys::window() {
                        use wasm_bindgen::JsCast;
                        w.queue_microtask(done.unchecked_ref());
                    }
                })
            });
            move || drop(interval)
        });
    }

    // window.kraft (test hooks) and keyboard shortcuts, installed once.
    {
        let (model, on) = (model.clone(), on.clone());
        use_effect_with((), move |_| {
            let hooks = crate::hooks::install(Handle(model), on);
            move || drop(hooks)
        });
    }

    let handle = Handle(model.clone());
    let v = *version.borrow();
    let m = model.borrow();
    let lang = m.lang;
    let on_lang = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            on.emit(Msg::Lang(if v == "zh" { Lang::Zh } else { Lang::En }));
        })
    };
    html! {
        <div class="app" lang={if lang == Lang::Zh { "zh-CN" } else { "en" }}>
            <header>
                <div class="brand">
                    <h1>{ t(lang, "title") }</h1>
                    <span class="subtitle">{ t(lang, "subtitle") }</span>
                </div>
                <controls::ScenarioPicker model={handle.clone()} version={v} on={on.clone()} />
                <select data-testid="lang" onchange={on_lang} aria-label="language">
                    <option value="en" selected={lang == Lang::En}>{ "English" }</option>
                    <option value="zh" selected={lang == Lang::Zh}>{ "中文" }</option>
                </select>
            </header>
            if let Some(n) = &m.notice {
                <div class="notice" role="status" data-testid="notice">{ n }</div>
            }
            <main>
                <section class="stage">
                    <cluster::ClusterView model={handle.clone()} version={v} on={on.clone()} />
                    <controls::TimeControls model={handle.clone()} version={v} on={on.clone()} />
                </section>
                <aside class="side">
                    <controls::Narration model={handle.clone()} version={v} on={on.clone()} />
                    <controls::SelectionMenu model={handle.clone()} version={v} on={on.clone()} />
                    <controls::Presets model={handle.clone()} version={v} on={on.clone()} />
                    <panels::Violations model={handle.clone()} version={v} on={on.clone()} />
                    <controls::SettingsPanel model={handle.clone()} version={v} on={on.clone()} />
                </aside>
            </main>
            <section class="panels">
                <panels::LogsPanel model={handle.clone()} version={v} on={on.clone()} />
                <panels::MetadataPanel model={handle.clone()} version={v} on={on.clone()} />
                <panels::EventLog model={handle.clone()} version={v} on={on.clone()} />
                <charts::Charts model={handle.clone()} version={v} on={on.clone()} />
            </section>
            <footer>{ t(lang, "help") }</footer>
        </div>
    }
}
