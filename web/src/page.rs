//! The page's layout, and the props each view gets from the model. The root calls it on every
//! change; what a view shows is read here, and a view whose props compare equal is not drawn
//! again (a tick of the clock re-draws the stage and the time, not the static panels).

use crate::components::charts::Charts;
use crate::components::event_log::{event_lines, EventLog};
use crate::components::explorer::ExplorerPanel;
use crate::components::legend::Legend;
use crate::components::logs_panel::{logs, LogsPanel};
use crate::components::metadata_panel::{metadata, MetadataPanel};
use crate::components::narration::{narration, Narration};
use crate::components::presets::Presets;
use crate::components::replica_logs::{replica_logs, ReplicaLogs};
use crate::components::scenario_picker::ScenarioPicker;
use crate::components::selection_menu::{selection, SelectionMenu};
use crate::components::settings_panel::{running, SettingsPanel};
use crate::components::side_by_side::{side_by_side, SideBySidePanel};
use crate::components::stage::{scene, Stage};
use crate::components::time_controls::TimeControls;
use crate::components::violations::{UnsafeSwitches, Violations};
use crate::components::why_kraft::WhyKraft;
use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Model, ModelRef, Msg, PARTITION_CHOICES};
use kraft_core::protocol::ClusterMode;
use std::rc::Rc;
use yew::prelude::*;

/// The whole page for the model `m`; `version` changes with every change to it.
pub fn page(m: &Model, model: &ModelRef, version: u64) -> Html {
    let lang = m.lang;
    let side_by_side = m.side_by_side.as_ref().map(|v| side_by_side(v, lang));
    let open = side_by_side.is_some();
    html! {
        <div class="app" lang={if lang == Lang::Zh { "zh-CN" } else { "en" }}>
            <Header lang={lang} scenario={m.scenario_name.clone()} side_by_side={open} />
            if let Some(view) = side_by_side {
                <main class="with-side-by-side"><SideBySidePanel lang={lang} view={view} /></main>
            } else {
                { main(m, model) }
            }
            <section class="panels">
                // The panels read the main cluster: beside the two clusters they would mislead.
                if !open {
                    { panels(m, model, version) }
                }
                <WhyKraft lang={lang} />
            </section>
            <footer>{ t(lang, "help") }</footer>
        </div>
    }
}

/// The stage with the time controls, and the side column of menus and panels.
fn main(m: &Model, model: &ModelRef) -> Html {
    let lang = m.lang;
    let sim = m.sim();
    let topics: Vec<(String, u32)> = sim
        .committed_image_ref()
        .map(|i| {
            i.topics
                .values()
                .map(|t| (t.name.clone(), t.partitions.len() as u32))
                .collect()
        })
        .unwrap_or_default();
    html! {
        <main>
            <section class="stage">
                <TimeControls lang={lang} playing={m.playing} speed={m.speed} now={sim.now()} horizon={m.timeline.horizon()} />
                <div class="stage-view">
                    <Stage lang={lang} scene={Rc::new(scene(m))} />
                    // Notices float over the stage so they never push the controls away.
                    if let Some(n) = &m.notice {
                        <div class="notice" role="status" data-testid="notice">{ n.text(lang) }</div>
                    }
                </div>
            </section>
            <aside class="side">
                <Narration lang={lang} view={narration(m)} />
                <Violations lang={lang} switches={UnsafeSwitches::of(sim.config())} violations={sim.violations().to_vec()} />
                <SelectionMenu lang={lang} selection={selection(m)} />
                <Presets lang={lang} kraft={sim.mode() == ClusterMode::Kraft} topics={topics} steady_load={sim.steady_load().cloned()} />
                <ExplorerPanel lang={lang} model={model.clone()} />
                <Legend lang={lang} open={m.legend} />
                <SettingsPanel lang={lang} settings={m.settings.clone()} running={running(m)} model={model.clone()} />
            </aside>
        </main>
    }
}

/// The panels under the stage: the logs, the replicas, the metadata, the event log, the charts.
fn panels(m: &Model, model: &ModelRef, version: u64) -> Html {
    let lang = m.lang;
    let sim = m.sim();
    let nodes = sim.nodes().iter().map(|n| n.node.id).collect::<Vec<_>>();
    html! {
        <>
            <LogsPanel lang={lang} view={Rc::new(logs(sim))} />
            <ReplicaLogs lang={lang} view={Rc::new(replica_logs(sim))} />
            <MetadataPanel lang={lang} view={Rc::new(metadata(sim))} />
            <EventLog lang={lang} filter={m.event_filter.clone()} nodes={nodes} lines={Rc::new(event_lines(sim, &m.event_filter))} />
            <Charts lang={lang} model={model.clone()} version={version} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct HeaderProps {
    lang: Lang,
    scenario: Option<String>,
    side_by_side: bool,
}

/// The title, the scenario picker, the side-by-side switch and the language.
#[function_component(Header)]
fn header(p: &HeaderProps) -> Html {
    let on = use_dispatch();
    let (lang, side_by_side) = (p.lang, p.side_by_side);
    let on_lang = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            on.emit(Msg::Lang(if v == "zh" { Lang::Zh } else { Lang::En }));
        })
    };
    let on_side_by_side = Callback::from(move |_| {
        on.emit(Msg::SideBySide(
            (!side_by_side).then_some(PARTITION_CHOICES[2]),
        ))
    });
    html! {
        <header>
            <div class="brand">
                <h1>{ t(lang, "title") }</h1>
                <span class="subtitle">{ t(lang, "subtitle") }</span>
            </div>
            <ScenarioPicker lang={lang} current={p.scenario.clone()} />
            <button data-action="side-by-side" class={if side_by_side { "on" } else { "" }}
                aria-pressed={side_by_side.to_string()} onclick={on_side_by_side}>
                { t(lang, if side_by_side { "sbs-close" } else { "sbs-open" }) }
            </button>
            <select data-testid="lang" onchange={on_lang} aria-label={t(lang, "language")}>
                <option value="en" selected={lang == Lang::En}>{ "English" }</option>
                <option value="zh" selected={lang == Lang::Zh}>{ "中文" }</option>
            </select>
        </header>
    }
}
