//! The explorer panel: from the page's current moment, the core's explorer searches every
//! interleaving for the shortest path to a broken invariant. It runs in slices of a few
//! milliseconds between frames (the page never freezes), shows its progress, can be cancelled,
//! and opens the path it finds in the timeline, where Step walks it one event at a time.

use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Model, ModelRef, Msg, Notice};
use gloo_timers::callback::Interval;
use kraft_core::sim::explore::{ExploreOptions, Explorer, Faults, Found, Progress};
use kraft_core::sim::{Action, Fault};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Wall milliseconds of search per slice: the rest of each frame is the page's.
const SLICE_MS: f64 = 12.0;
/// Distinct states one search may hold (a few tens of MB of fingerprints at most).
const MAX_STATES: u64 = 1_000_000;

/// A search and the moment it started from (the path only applies there).
struct Search {
    explorer: Explorer,
    events: u64,
    actions: usize,
}

/// One step of a found path, in words (`msg`: the message it acts on, if any).
pub fn path_step(lang: Lang, a: &Action, msg: Option<(u32, u32, &str)>) -> String {
    let zh = lang == Lang::Zh;
    let what = |id: &u64| match msg {
        Some((from, to, rpc)) => format!("{rpc} {from} → {to} (#{id})"),
        None => format!("#{id}"),
    };
    match a {
        Action::Deliver(id) => {
            if zh {
                format!("送达 {}", what(id))
            } else {
                format!("{} arrives", what(id))
            }
        }
        Action::Fire { node, timer } => {
            if zh {
                format!("节点 {node} 的 {} 定时器触发", timer.name())
            } else {
                format!("node {node}'s {} timer goes off", timer.name())
            }
        }
        Action::Crash(id) => {
            if zh {
                format!("节点 {id} 崩溃")
            } else {
                format!("node {id} crashes")
            }
        }
        Action::Restart(id) => {
            if zh {
                format!("节点 {id} 重启")
            } else {
                format!("node {id} restarts")
            }
        }
        Action::InFlight { id, fault } => match (fault, zh) {
            (Fault::Drop, false) => format!("{} is lost", what(id)),
            (Fault::Drop, true) => format!("{} 丢失", what(id)),
            (_, false) => format!("{} is duplicated", what(id)),
            (_, true) => format!("{} 被复制", what(id)),
        },
        other => format!("{other:?}"),
    }
}

#[derive(Properties, PartialEq)]
pub struct ExplorerPanelProps {
    pub lang: Lang,
    /// Read when a search starts (its first moment) and ends (whether the cluster moved).
    pub model: ModelRef,
}

#[function_component(ExplorerPanel)]
pub fn explorer_panel(p: &ExplorerPanelProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let search = use_mut_ref(|| None::<Search>);
    let progress = use_state(|| None::<Progress>);
    let running = use_state(|| false);
    let depth = use_state(|| 8usize);
    let faults = use_state(|| Faults {
        crash: true,
        ..Faults::default()
    });
    use_search_slices(Slices {
        search: search.clone(),
        progress: progress.clone(),
        running: running.clone(),
        on: on.clone(),
        model: p.model.0.clone(),
    });
    let start = {
        let (search, progress, running, model, on) = (
            search.clone(),
            progress.clone(),
            running.clone(),
            p.model.0.clone(),
            on.clone(),
        );
        let (depth, faults) = (*depth, *faults);
        Callback::from(move |_| {
            on.emit(Msg::Pause);
            let m = model.borrow();
            let opts = ExploreOptions {
                depth,
                faults,
                max_states: MAX_STATES,
            };
            if let Ok(explorer) = Explorer::new(m.sim(), opts) {
                *search.borrow_mut() = Some(Search {
                    explorer,
                    events: m.sim().events_processed(),
                    actions: m.sim().actions_applied(),
                });
                progress.set(None);
                running.set(true);
            }
        })
    };
    let cancel = {
        let (search, running) = (search.clone(), running.clone());
        Callback::from(move |_| {
            *search.borrow_mut() = None;
            running.set(false);
        })
    };
    let on_depth = {
        let depth = depth.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse::<usize>()
            {
                depth.set(v.clamp(1, kraft_core::sim::explore::MAX_DEPTH));
            }
        })
    };
    let fault_box = |name: &'static str, on_: bool| fault_box(lang, &faults, *running, name, on_);
    let status = progress.as_ref().map(|p| status(lang, p));
    html! {
        <div class="menu explorer" data-testid="explorer">
            <h3>{ t(lang, "explorer") }</h3>
            <p class="hint">{ t(lang, "explorer-hint") }</p>
            <div class="explore-options">
                { fault_box("crash", faults.crash) }
                { fault_box("drop", faults.drop) }
                { fault_box("duplicate", faults.duplicate) }
                <label class="depth">{ t(lang, "explore-depth") }
                    <input type="number" min="1" max="60" value={depth.to_string()}
                           data-testid="explore-depth" onchange={on_depth} disabled={*running} />
                </label>
            </div>
            <div class="buttons">
                <button data-action="explore" onclick={start} disabled={*running}>{ t(lang, "explore") }</button>
                <button data-action="cancel-explore" onclick={cancel} disabled={!*running}>{ t(lang, "cancel") }</button>
            </div>
            if *running || progress.is_some() {
                <progress data-testid="explore-progress" max="1"
                          value={status.as_ref().map_or(0.0, |s| s.fraction).to_string()} />
            }
            if let Some(Status { counts, verdict, found, .. }) = status {
                <div class="explore-status" data-testid="explore-status"
                     data-running={running.to_string()}>
                    <div>{ verdict }</div>
                    <div class="counts">{ counts }</div>
                </div>
                if let Some(f) = found {
                    <ol class="explore-path" data-testid="explore-path">
                        { for f.path.iter().zip(&f.messages).map(|(a, m)| html! { <li>{ path_step(lang, a, *m) }</li> }) }
                    </ol>
                }
            }
        </div>
    }
}

/// What the search has done, in words.
struct Status {
    counts: String,
    verdict: String,
    fraction: f64,
    found: Option<Found>,
}

fn status(lang: Lang, p: &Progress) -> Status {
    let counts = t(lang, "explore-counts")
        .replace("{states}", &p.states.to_string())
        .replace("{distinct}", &p.distinct.to_string())
        .replace("{depth}", &p.depth.to_string());
    let verdict = match (&p.found, p.done, p.cut_short) {
        (Some(f), _, _) => t(lang, "explore-found")
            .replace("{invariant}", f.violation.invariant)
            .replace("{n}", &f.path.len().to_string()),
        (None, true, true) => t(lang, "explore-cut-short").to_string(),
        (None, true, false) => t(lang, "explore-none").replace("{depth}", &p.depth.to_string()),
        (None, false, _) => t(lang, "explore-searching").replace("{bound}", &p.bound.to_string()),
    };
    Status {
        counts,
        verdict,
        fraction: p.fraction,
        found: p.found.clone(),
    }
}

/// A checkbox for one kind of fault the search may inject.
fn fault_box(
    lang: Lang,
    faults: &UseStateHandle<Faults>,
    running: bool,
    name: &'static str,
    checked: bool,
) -> Html {
    let faults = faults.clone();
    let toggle = Callback::from(move |e: Event| {
        let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
        let mut f = *faults;
        match name {
            "crash" => f.crash = checked,
            "drop" => f.drop = checked,
            _ => f.duplicate = checked,
        }
        faults.set(f);
    });
    html! {
        <label class="fault">
            <input type="checkbox" data-fault={name} checked={checked} onchange={toggle}
                   disabled={running} />
            { t(lang, match name { "crash" => "explore-crash", "drop" => "explore-drop", _ => "explore-duplicate" }) }
        </label>
    }
}

/// What the search's slices work on and report to.
struct Slices {
    search: Rc<RefCell<Option<Search>>>,
    progress: UseStateHandle<Option<Progress>>,
    running: UseStateHandle<bool>,
    on: Callback<Msg>,
    model: Rc<RefCell<Model>>,
}

/// While running: a slice of search every frame; at the end, the path found opens in the
/// timeline if the cluster is still where the search began.
#[hook]
fn use_search_slices(s: Slices) {
    let running = *s.running;
    use_effect_with(running, move |running| {
        let Slices {
            search,
            progress,
            running: running_h,
            on,
            model,
        } = s;
        let interval = running.then(|| {
            Interval::new(16, move || {
                let mut guard = search.borrow_mut();
                let Some(s) = guard.as_mut() else {
                    return;
                };
                let t0 = js_sys::Date::now();
                let mut p = s.explorer.run(200);
                while !p.done && js_sys::Date::now() - t0 < SLICE_MS {
                    p = s.explorer.run(200);
                }
                if p.done {
                    // The path applies to the moment the search began, and only there.
                    let same = {
                        let m = model.borrow();
                        m.sim().events_processed() == s.events
                            && m.sim().actions_applied() == s.actions
                    };
                    if let Some(f) = &p.found {
                        on.emit(if same {
                            Msg::OpenPath(f.path.clone())
                        } else {
                            Msg::Notice(Some(Notice::Say("explore-moved")))
                        });
                    }
                    *guard = None;
                    running_h.set(false);
                }
                progress.set(Some(p));
            })
        });
        move || drop(interval)
    });
}
