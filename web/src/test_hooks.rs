//! `window.kraft`, the test hooks (docs/architecture.md, "Contracts"), and keyboard shortcuts.

use crate::state::{Model, Msg, Settings};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

/// Keeps the installed closures alive; dropping it removes the keyboard listener.
pub struct Installed {
    _closures: Vec<Closure<dyn FnMut(JsValue) -> JsValue>>,
    keydown: Option<Closure<dyn FnMut(web_sys::KeyboardEvent)>>,
}

impl Drop for Installed {
    fn drop(&mut self) {
        if let (Some(k), Some(doc)) = (&self.keydown, web_sys::window().and_then(|w| w.document()))
        {
            let _ = doc.remove_event_listener_with_callback("keydown", k.as_ref().unchecked_ref());
        }
    }
}

fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    serde_json::to_string(v)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

pub fn install(model: Rc<RefCell<Model>>, on: Callback<Msg>) -> Installed {
    let kraft = js_sys::Object::new();
    let mut closures: Vec<Closure<dyn FnMut(JsValue) -> JsValue>> = Vec::new();
    let mut add = |name: &str, f: Box<dyn FnMut(JsValue) -> JsValue>| {
        let c = Closure::wrap(f);
        let _ = js_sys::Reflect::set(&kraft, &JsValue::from_str(name), c.as_ref());
        closures.push(c);
    };
    // Reads of the model, and calls that dispatch a message with a number of milliseconds.
    let view = |f: fn(&Model) -> JsValue| -> Box<dyn FnMut(JsValue) -> JsValue> {
        let h = model.clone();
        Box::new(move |_| f(&h.borrow()))
    };
    let emit_ms = |f: fn(u64) -> Msg| -> Box<dyn FnMut(JsValue) -> JsValue> {
        let o = on.clone();
        Box::new(move |v: JsValue| {
            if let Some(v) = v.as_f64() {
                o.emit(f(v.max(0.0) as u64));
            }
            JsValue::UNDEFINED
        })
    };
    add("capture", view(|m| to_js(&m.sim().capture("page"))));
    add("stats", view(|m| to_js(&m.sim().stats())));
    add("recording", view(|m| to_js(m.timeline.recording())));
    add(
        "horizon",
        view(|m| JsValue::from_f64(m.timeline.horizon() as f64)),
    );
    let h = model.clone();
    add(
        "freshCapture",
        Box::new(move |t: JsValue| {
            let m = h.borrow();
            let t = t.as_f64().map_or(m.sim().now(), |t| t.max(0.0) as u64);
            match m.timeline.fresh_at(t) {
                Ok(sim) => to_js(&sim.capture("page")),
                Err(e) => JsValue::from_str(&e.to_string()),
            }
        }),
    );
    add("seek", emit_ms(Msg::Seek));
    // Plays ms of virtual time at once (tests use it to skip ahead deterministically).
    add("advance", emit_ms(Msg::Advance));
    // Benchmarks (tests/e2e/bench.mjs): the native bench's workloads, timed inside wasm.
    add(
        "benchEvents",
        Box::new(move |arg: JsValue| {
            let controllers = arg.as_f64().unwrap_or(5.0) as usize;
            let spec =
                kraft_core::ClusterSpec::new(1, controllers, 0, kraft_core::Config::default());
            let Ok(mut sim) = kraft_core::Simulation::new(spec) else {
                return JsValue::NULL;
            };
            sim.advance(3000);
            let (e0, t0) = (sim.stats().events, js_sys::Date::now());
            let end = sim.now() + 600_000;
            while sim.now() < end {
                let _ = sim.apply(kraft_core::Action::Append(1));
                sim.advance(10);
            }
            let ms = js_sys::Date::now() - t0;
            to_js(&serde_json::json!({ "events": sim.stats().events - e0, "ms": ms }))
        }),
    );
    add(
        "benchVirtual",
        Box::new(move |_| {
            let spec = kraft_core::ClusterSpec::new(2, 5, 10, kraft_core::Config::default());
            let Ok(mut sim) = kraft_core::Simulation::new(spec) else {
                return JsValue::NULL;
            };
            let t0 = js_sys::Date::now();
            sim.advance(1_800_000);
            to_js(&serde_json::json!({ "virtual_ms": 1_800_000, "ms": js_sys::Date::now() - t0 }))
        }),
    );
    add(
        "benchExplore",
        Box::new(move |arg: JsValue| {
            let max_states = arg.as_f64().unwrap_or(300_000.0).max(1.0) as u64;
            let Some(mut search) = kraft_core::sim::explore::bench_search(max_states) else {
                return JsValue::NULL;
            };
            let t0 = js_sys::Date::now();
            let p = search.run_to_end();
            to_js(&serde_json::json!({
                "states": p.states, "distinct": p.distinct, "visited": p.visited,
                "depth": p.depth, "ms": js_sys::Date::now() - t0,
            }))
        }),
    );
    let o = on.clone();
    add(
        "seekTimed",
        Box::new(move |t: JsValue| {
            let t = t.as_f64().unwrap_or(0.0).max(0.0) as u64;
            let t0 = js_sys::Date::now();
            o.emit(Msg::Seek(t));
            JsValue::from_f64(js_sys::Date::now() - t0)
        }),
    );
    add(
        "frameTimes",
        Box::new(move |_| to_js(&crate::clock::take_frame_times())),
    );
    add(
        "wasmMemoryBytes",
        Box::new(move |_| {
            let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
            let buf: js_sys::ArrayBuffer = mem.buffer().unchecked_into();
            JsValue::from_f64(buf.byte_length() as f64)
        }),
    );
    let o = on.clone();
    add(
        "newCluster",
        Box::new(move |settings: JsValue| {
            // Settings as the panel has them, e.g. {controllers: 9, brokers: 30}; missing keys keep defaults.
            let text = js_sys::JSON::stringify(&settings)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            let mut base = serde_json::to_value(Settings::default()).unwrap_or_default();
            if let (Some(b), Ok(serde_json::Value::Object(patch))) =
                (base.as_object_mut(), serde_json::from_str(&text))
            {
                b.extend(patch);
            }
            match serde_json::from_value(base) {
                Ok(s) => {
                    o.emit(Msg::NewCluster(s));
                    JsValue::TRUE
                }
                Err(e) => JsValue::from_str(&e.to_string()),
            }
        }),
    );
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kraft"), &kraft);
    }

    let keydown =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                });
            if typing {
                return;
            }
            let playing = model.borrow().playing;
            let msg = match e.key().as_str() {
                " " => Some(if playing { Msg::Pause } else { Msg::Play }),
                "ArrowRight" => Some(Msg::Step),
                "ArrowLeft" => Some(Msg::StepBack),
                "?" => Some(Msg::Legend(!model.borrow().legend)),
                _ => None,
            };
            if let Some(msg) = msg {
                e.prevent_default();
                on.emit(msg);
            }
        });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback("keydown", keydown.as_ref().unchecked_ref());
    }
    Installed {
        _closures: closures,
        keydown: Some(keydown),
    }
}
