//! The root component: creates the store, provides it to every component by context, and runs
//! the effects: the animation clock, saving the session, the test hooks and keyboard shortcuts.

use crate::i18n::{t, Lang};
use crate::state::{use_store, Msg, Store, StoreHandle};
use crate::{
    charts, cluster, components::side_by_side, controls, explorer, panels, replicas, storage,
    why_kraft,
};
use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let store = use_reducer(|| Store {
        model: Rc::new(RefCell::new(storage::initial_model())),
        version: 0,
    });
    html! {
        <ContextProvider<StoreHandle> context={store}>
            <Page />
        </ContextProvider<StoreHandle>>
    }
}

/// Saves the session after every change, at most every 2 s while playing.
#[hook]
fn use_autosave(store: &StoreHandle) {
    let saved_at = use_mut_ref(|| 0.0f64);
    let model = store.model.clone();
    use_effect_with(store.version, move |_| {
        let now = js_sys::Date::now();
        let m = model.borrow();
        if !m.playing || now - *saved_at.borrow() > 2000.0 {
            storage::save(&m);
            *saved_at.borrow_mut() = now;
        }
    });
}

/// A frame every 33 ms while `on_now` holds: `tick` gets the wall milliseconds since the last
/// (at most 250), and the tick's work is timed for the frame-time figures. Hidden tabs do not
/// animate (and do not pile up work).
fn frame_clock(on: Callback<Msg>, tick: fn(f64) -> Msg) -> Interval {
    let mut last = js_sys::Date::now();
    Interval::new(33, move || {
        let now = js_sys::Date::now();
        let wall = (now - last).min(250.0);
        last = now;
        if crate::clock::page_hidden() {
            return;
        }
        // The reducer runs inside the dispatch; the render follows (see Page).
        let started = crate::clock::now_ms();
        on.emit(tick(wall));
        crate::clock::frame_ticked(crate::clock::now_ms() - started);
    })
}

/// While the side-by-side view is open, its two clusters run on a clock of their own (the main
/// timeline stands still meanwhile).
#[hook]
fn use_side_by_side_clock(store: &StoreHandle, on: &Callback<Msg>) {
    let open = store.model.borrow().side_by_side.is_some();
    let on = on.clone();
    use_effect_with(open, move |open| {
        let interval = open.then(|| frame_clock(on, Msg::SideBySideTick));
        move || drop(interval)
    });
}

/// While playing, each frame advances virtual time by wall time × speed.
#[hook]
fn use_animation(store: &StoreHandle, on: &Callback<Msg>) {
    let playing = store.model.borrow().playing;
    let on = on.clone();
    use_effect_with(playing, move |playing| {
        let interval = playing.then(|| frame_clock(on, Msg::Tick));
        move || drop(interval)
    });
}

#[function_component(Page)]
fn page() -> Html {
    crate::clock::render_started();
    let (store, on) = use_store();
    // Effects run once the render is committed: the end of an animation frame's work.
    use_effect_with(store.version, |_| crate::clock::frame_rendered());
    use_autosave(&store);
    use_animation(&store, &on);
    use_side_by_side_clock(&store, &on);
    // window.kraft (test hooks) and keyboard shortcuts, installed once.
    {
        let (model, on) = (store.model.clone(), on.clone());
        use_effect_with((), move |_| {
            let hooks = crate::test_hooks::install(model, on);
            move || drop(hooks)
        });
    }
    let m = store.model.borrow();
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
    let side_by_side = m.side_by_side.is_some();
    let on_side_by_side = {
        let on = on.clone();
        Callback::from(move |_| {
            on.emit(Msg::SideBySide(
                (!side_by_side).then_some(crate::state::PARTITION_CHOICES[2]),
            ))
        })
    };
    html! {
        <div class="app" lang={if lang == Lang::Zh { "zh-CN" } else { "en" }}>
            <header>
                <div class="brand">
                    <h1>{ t(lang, "title") }</h1>
                    <span class="subtitle">{ t(lang, "subtitle") }</span>
                </div>
                <controls::ScenarioPicker />
                <button data-action="side-by-side" class={if side_by_side { "on" } else { "" }}
                    aria-pressed={side_by_side.to_string()} onclick={on_side_by_side}>
                    { t(lang, if side_by_side { "sbs-close" } else { "sbs-open" }) }
                </button>
                <select data-testid="lang" onchange={on_lang} aria-label={t(lang, "language")}>
                    <option value="en" selected={lang == Lang::En}>{ "English" }</option>
                    <option value="zh" selected={lang == Lang::Zh}>{ "中文" }</option>
                </select>
            </header>
            if side_by_side {
                <main class="with-side-by-side"><side_by_side::SideBySideView /></main>
            } else {
            <main>
                <section class="stage">
                    <controls::TimeControls />
                    <div class="stage-view">
                        <cluster::ClusterView />
                        // Notices float over the stage so they never push the controls away.
                        if let Some(n) = &m.notice {
                            <div class="notice" role="status" data-testid="notice">{ n.text(lang) }</div>
                        }
                    </div>
                </section>
                <aside class="side">
                    <controls::Narration />
                    <panels::Violations />
                    <controls::SelectionMenu />
                    <controls::Presets />
                    <explorer::ExplorerPanel />
                    <controls::Legend />
                    <controls::SettingsPanel />
                </aside>
            </main>
            }
            <section class="panels">
                // The panels read the main cluster: beside the two clusters they would mislead.
                if !side_by_side {
                    <panels::LogsPanel />
                    <replicas::ReplicaLogs />
                    <panels::MetadataPanel />
                    <panels::EventLog />
                    <charts::Charts />
                }
                <why_kraft::WhyKraft />
            </section>
            <footer>{ t(lang, "help") }</footer>
        </div>
    }
}
