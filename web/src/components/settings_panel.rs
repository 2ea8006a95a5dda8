//! The cluster panel: what runs now, the settings of a new cluster, and the session's export,
//! import and share link.

use super::import_button::ImportButton;
use crate::i18n::{t, Lang};
use crate::state::{to_json, use_dispatch, Model, ModelRef, Msg, Settings};
use kraft_core::NodeId;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What the running cluster is, as the panel's first line says it.
#[derive(Clone, PartialEq)]
pub struct Running {
    pub controllers: Vec<NodeId>,
    pub brokers: Vec<NodeId>,
    pub seed: u64,
    pub pre_vote: bool,
    pub election_timeout_ms: u64,
    pub fetch_timeout_ms: u64,
    pub snapshot_every_records: Option<u64>,
    pub snapshot_every_bytes: u64,
}

/// The running cluster, read from core.
pub fn running(m: &Model) -> Running {
    let (spec, cfg) = (m.sim().spec(), m.sim().config());
    Running {
        controllers: spec.controllers.clone(),
        brokers: spec.brokers.clone(),
        seed: spec.seed,
        pre_vote: cfg.pre_vote,
        election_timeout_ms: cfg.election_timeout_ms,
        fetch_timeout_ms: cfg.fetch_timeout_ms,
        snapshot_every_records: cfg.snapshot_every_records,
        snapshot_every_bytes: cfg.snapshot_every_bytes,
    }
}

fn running_text(lang: Lang, r: &Running) -> String {
    let ids = |v: &[NodeId]| match (v.first(), v.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".to_string(),
    };
    format!(
        "{}: {} {} ({}) · {} {} ({}) · {} {} · {} {} · {} {} ms · {} {} ms · {} {}",
        t(lang, "running-cluster"),
        r.controllers.len(),
        t(lang, "controllers"),
        ids(&r.controllers),
        r.brokers.len(),
        t(lang, "brokers"),
        ids(&r.brokers),
        t(lang, "seed"),
        r.seed,
        t(lang, "pre-vote"),
        if r.pre_vote { "✓" } else { "✗" },
        t(lang, "election-timeout"),
        r.election_timeout_ms,
        t(lang, "fetch-timeout"),
        r.fetch_timeout_ms,
        t(lang, "snapshot-every"),
        // Unset: by bytes (the core's default), shown as the byte budget.
        r.snapshot_every_records.map_or_else(
            || format!("{} B", r.snapshot_every_bytes),
            |n| n.to_string()
        ),
    )
}

#[derive(Properties, PartialEq)]
pub struct SettingsPanelProps {
    pub lang: Lang,
    /// The settings the form starts from.
    pub settings: Settings,
    pub running: Running,
    /// Read when the learner exports or shares the session.
    pub model: ModelRef,
}

#[function_component(SettingsPanel)]
pub fn settings_panel(p: &SettingsPanelProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let draft = use_state(|| p.settings.clone());
    let num = |f: fn(&mut Settings, u64)| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(n) = v.trim().parse::<u64>() {
                let mut s = (*draft).clone();
                f(&mut s, n);
                draft.set(s);
            }
        })
    };
    let check = |f: fn(&mut Settings, bool)| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut s = (*draft).clone();
            f(
                &mut s,
                e.target_unchecked_into::<HtmlInputElement>().checked(),
            );
            draft.set(s);
        })
    };
    let on_dynamic = check(|s, v| s.dynamic_voters = v);
    let on_combined = check(|s, v| s.combined = v);
    let on_zookeeper = check(|s, v| s.zookeeper = v);
    let on_pre_vote = check(|s, v| s.pre_vote = v);
    let create = {
        let (on, draft) = (on.clone(), draft.clone());
        Callback::from(move |_| on.emit(Msg::NewCluster((*draft).clone())))
    };
    let export = {
        let model = p.model.clone();
        Callback::from(move |_| {
            let text = to_json(&model.0.borrow().saved());
            crate::storage::download("kraft-session.json", &text);
        })
    };
    let share = {
        let (model, on) = (p.model.clone(), on.clone());
        Callback::from(move |_| {
            let notice = crate::storage::share_link(&model.0.borrow().saved());
            on.emit(Msg::Notice(Some(notice)));
        })
    };
    let d = &*draft;
    let running = running_text(lang, &p.running);
    html! {
        <details class="menu settings">
            <summary>{ t(lang, "settings") }</summary>
            <p class="running" data-testid="running-cluster">{ running }</p>
            <label>{ t(lang, "controllers") }<input type="number" min="1" max="15" value={d.controllers.to_string()} onchange={num(|s, n| s.controllers = n as usize)} data-testid="set-controllers" /></label>
            <label>{ t(lang, "brokers") }<input type="number" min="0" max="60" value={d.brokers.to_string()} onchange={num(|s, n| s.brokers = n as usize)} data-testid="set-brokers" /></label>
            <label>{ t(lang, "seed") }<input type="number" min="0" value={d.seed.to_string()} onchange={num(|s, n| s.seed = n)} /></label>
            <label>{ t(lang, "snapshot-every") }<input type="number" min="0" value={d.snapshot_every_records.to_string()} onchange={num(|s, n| s.snapshot_every_records = n)} /></label>
            <label>{ t(lang, "latency") }
                <input type="number" min="0" value={d.latency_min.to_string()} onchange={num(|s, n| s.latency_min = n)} />
                <input type="number" min="0" value={d.latency_max.to_string()} onchange={num(|s, n| s.latency_max = n)} />
            </label>
            <label>{ t(lang, "election-timeout") }<input type="number" min="1" value={d.election_timeout_ms.to_string()} onchange={num(|s, n| s.election_timeout_ms = n)} /></label>
            <label>{ t(lang, "fetch-timeout") }<input type="number" min="1" value={d.fetch_timeout_ms.to_string()} onchange={num(|s, n| s.fetch_timeout_ms = n)} /></label>
            <label class="check"><input type="checkbox" checked={d.pre_vote} onchange={on_pre_vote} />{ t(lang, "pre-vote") }</label>
            <label class="check"><input type="checkbox" checked={d.dynamic_voters} onchange={on_dynamic} data-testid="set-dynamic-voters" />{ t(lang, "dynamic-voters") }</label>
            <label class="check"><input type="checkbox" checked={d.combined} onchange={on_combined} data-testid="set-combined" />{ t(lang, "combined-nodes") }</label>
            <label>{ t(lang, "observers-count") }<input type="number" min="0" max="14" value={d.observers.to_string()} disabled={!d.dynamic_voters} onchange={num(|s, n| s.observers = n as usize)} data-testid="set-observers" /></label>
            <label class="check"><input type="checkbox" checked={d.zookeeper} onchange={on_zookeeper} data-testid="set-zookeeper" />{ t(lang, "zookeeper-mode") }</label>
            <div class="buttons">
                <button data-action="new-cluster" onclick={create}>{ t(lang, "new-cluster") }</button>
                <button data-action="export" onclick={export}>{ t(lang, "export") }</button>
                <ImportButton on={on.clone()} label={t(lang, "import").to_string()} />
                <button data-action="share" onclick={share}>{ t(lang, "share") }</button>
            </div>
        </details>
    }
}
