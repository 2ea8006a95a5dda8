//! The page's clocks: the wall clock in milliseconds, whether the tab is hidden, and the work time
//! of animation frames (a tick of the simulation plus the render it causes) for the benchmarks.
//! A leaf: the state and the views read it, it reads neither.

use std::cell::{Cell, RefCell};

thread_local! {
    /// Work time of recent animation frames (tick + render), for the browser benchmark.
    static FRAMES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// The tick of the animation frame waiting for its render: how long the tick took.
    static FRAME_TICK: Cell<Option<f64>> = const { Cell::new(None) };
    /// When the page's latest render began.
    static RENDER_START: Cell<f64> = const { Cell::new(0.0) };
}

/// Milliseconds on the page's high-resolution clock (the date's clock where there is none).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// An animation frame's tick (the reducer advancing the simulation) took this long.
pub fn frame_ticked(ms: f64) {
    FRAME_TICK.with(|s| s.set(Some(ms)));
}

/// The page begins to render.
pub fn render_started() {
    RENDER_START.with(|s| s.set(now_ms()));
}

/// The page committed a render: a pending frame's work is its tick plus this render.
pub fn frame_rendered() {
    if let Some(tick) = FRAME_TICK.with(|s| s.take()) {
        record_frame(tick + now_ms() - RENDER_START.with(|s| s.get()));
    }
}

fn record_frame(ms: f64) {
    FRAMES.with(|f| {
        let mut f = f.borrow_mut();
        if f.len() < 10_000 {
            f.push(ms);
        }
    });
}

/// The frame times recorded since the last call.
pub fn take_frame_times() -> Vec<f64> {
    FRAMES.with(|f| std::mem::take(&mut *f.borrow_mut()))
}
