//! `window.kraft`, the test hooks (docs/architecture.md, "Contracts"): reads of the model, calls
//! that move its time or make a new cluster, and the benchmarks' workloads timed inside wasm.

use crate::state::{Model, Msg, Settings};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

type Hook = Box<dyn FnMut(JsValue) -> JsValue>;

/// The installed functions: `window.kraft` calls them while this lives.
pub struct Installed {
    object: js_sys::Object,
    closures: Vec<Closure<dyn FnMut(JsValue) -> JsValue>>,
}

impl Installed {
    fn add(&mut self, name: &str, f: Hook) {
        let c = Closure::wrap(f);
        let _ = js_sys::Reflect::set(&self.object, &JsValue::from_str(name), c.as_ref());
        self.closures.push(c);
    }
}

fn to_js<T: serde::Serialize>(v: &T) -> JsValue {
    serde_json::to_string(v)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

pub fn install(model: Rc<RefCell<Model>>, on: Callback<Msg>) -> Installed {
    let mut hooks = Installed {
        object: js_sys::Object::new(),
        closures: Vec::new(),
    };
    add_reads(&mut hooks, &model);
    add_time(&mut hooks, &on);
    add_benches(&mut hooks);
    add_new_cluster(&mut hooks, &on);
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str("kraft"), &hooks.object);
    }
    hooks
}

/// Reads of the model: the capture (also of a fresh replay at a time), the stats, the recording
/// and the timeline's end.
fn add_reads(hooks: &mut Installed, model: &Rc<RefCell<Model>>) {
    let view = |f: fn(&Model) -> JsValue| -> Hook {
        let h = model.clone();
        Box::new(move |_| f(&h.borrow()))
    };
    hooks.add("capture", view(|m| to_js(&m.sim().capture("page"))));
    hooks.add("stats", view(|m| to_js(&m.sim().stats())));
    hooks.add("recording", view(|m| to_js(m.timeline.recording())));
    hooks.add(
        "horizon",
        view(|m| JsValue::from_f64(m.timeline.horizon() as f64)),
    );
    let h = model.clone();
    hooks.add(
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
}

/// Calls that move the model's time by a number of milliseconds.
fn add_time(hooks: &mut Installed, on: &Callback<Msg>) {
    let emit_ms = |f: fn(u64) -> Msg| -> Hook {
        let o = on.clone();
        Box::new(move |v: JsValue| {
            if let Some(v) = v.as_f64() {
                o.emit(f(v.max(0.0) as u64));
            }
            JsValue::UNDEFINED
        })
    };
    hooks.add("seek", emit_ms(Msg::Seek));
    // Plays ms of virtual time at once (tests use it to skip ahead deterministically).
    hooks.add("advance", emit_ms(Msg::Advance));
    let o = on.clone();
    hooks.add(
        "seekTimed",
        Box::new(move |t: JsValue| {
            let t = t.as_f64().unwrap_or(0.0).max(0.0) as u64;
            let t0 = js_sys::Date::now();
            o.emit(Msg::Seek(t));
            JsValue::from_f64(js_sys::Date::now() - t0)
        }),
    );
}

/// Benchmarks (tests/e2e/bench.mjs): the native bench's workloads timed inside wasm, the
/// animation's frame times and the memory the page holds.
fn add_benches(hooks: &mut Installed) {
    hooks.add(
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
    hooks.add(
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
    hooks.add(
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
    hooks.add(
        "frameTimes",
        Box::new(move |_| to_js(&crate::clock::take_frame_times())),
    );
    hooks.add(
        "wasmMemoryBytes",
        Box::new(move |_| {
            let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
            let buf: js_sys::ArrayBuffer = mem.buffer().unchecked_into();
            JsValue::from_f64(buf.byte_length() as f64)
        }),
    );
}

/// A new cluster from settings as the panel has them, e.g. {controllers: 9, brokers: 30};
/// missing keys keep their defaults.
fn add_new_cluster(hooks: &mut Installed, on: &Callback<Msg>) {
    let o = on.clone();
    hooks.add(
        "newCluster",
        Box::new(move |settings: JsValue| {
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
}
