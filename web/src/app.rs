//! The root component: holds the store, hands the page its props and the views a dispatcher
//! (by context), and runs the effects: the animation clock, saving the session, the test hooks
//! and keyboard shortcuts.

use crate::clock;
use crate::page::page;
use crate::state::{ModelRef, Msg, Store, StoreHandle};
use crate::storage;
use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    clock::render_started();
    let store = use_reducer(|| Store {
        model: Rc::new(RefCell::new(storage::initial_model())),
        version: 0,
    });
    // One callback for the whole life of the page: the context never changes.
    let on = {
        let dispatcher = store.dispatcher();
        use_memo((), move |_| {
            Callback::from(move |m: Msg| dispatcher.dispatch(m))
        })
    };
    // Effects run once the render is committed: the end of an animation frame's work.
    use_effect_with(store.version, |_| clock::frame_rendered());
    use_autosave(&store);
    use_animation(&store, &on);
    use_side_by_side_clock(&store, &on);
    // window.kraft (test hooks) and keyboard shortcuts, installed once.
    {
        let (model, on) = (store.model.clone(), (*on).clone());
        use_effect_with((), move |_| {
            let hooks = crate::test_hooks::install(model.clone(), on.clone());
            let shortcuts = crate::keyboard::listen(model, on);
            move || drop((hooks, shortcuts))
        });
    }
    let model = ModelRef(store.model.clone());
    let m = store.model.borrow();
    html! {
        <ContextProvider<Callback<Msg>> context={(*on).clone()}>
            { page(&m, &model, store.version) }
        </ContextProvider<Callback<Msg>>>
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

/// A frame every 33 ms: `tick` gets the wall milliseconds since the last
/// (at most 250), and the tick's work is timed for the frame-time figures. Hidden tabs do not
/// animate (and do not pile up work).
fn frame_clock(on: Callback<Msg>, tick: fn(f64) -> Msg) -> Interval {
    let mut last = js_sys::Date::now();
    Interval::new(33, move || {
        let now = js_sys::Date::now();
        let wall = (now - last).min(250.0);
        last = now;
        if clock::page_hidden() {
            return;
        }
        // The reducer runs inside the dispatch; the render follows (see App).
        let started = clock::now_ms();
        on.emit(tick(wall));
        clock::frame_ticked(clock::now_ms() - started);
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
