//! Read-only panels: each node's log, the committed metadata image, the event log and the
//! invariant panel.

use crate::i18n::{describe, invariant_why, record_kind, t};
use crate::state::{use_store, Msg};
use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::producer::ProduceStatus;
use kraft_core::Action;
use kraft_core::Epoch;
use kraft_core::TraceKind;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Entries shown per log row (the newest ones): enough to see repair, few enough to stay fast.
const SHOWN: u64 = 32;

/// Ten soft colours, far apart, so neighbouring epochs never look alike (dark digits stay legible).
const EPOCH_COLOURS: [&str; 10] = [
    "#8fb8e8", "#f6b26b", "#93d096", "#ef9a9a", "#c3a6e8", "#d7b899", "#f4a6d7", "#86d4cf",
    "#d4d67a", "#b8c0cc",
];

pub fn epoch_colour(epoch: Epoch) -> String {
    EPOCH_COLOURS[(epoch as u64 % EPOCH_COLOURS.len() as u64) as usize].to_string()
}

#[function_component(LogsPanel)]
pub fn logs_panel() -> Html {
    let (store, _) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let sim = m.sim();
    // A common window of offsets for every row, so entries line up.
    let max_leo = sim
        .nodes()
        .iter()
        .map(|n| n.node.log().end_offset())
        .max()
        .unwrap_or(0);
    let first = max_leo.saturating_sub(SHOWN);
    // What just happened to each log (last 2 s of virtual time): truncations and cut-overs stand out.
    let mut recent: std::collections::BTreeMap<kraft_core::NodeId, String> = Default::default();
    let since = sim.now().saturating_sub(2000);
    for e in sim.trace().events().rev().take_while(|e| e.time >= since) {
        let (node, what) = match &e.kind {
            TraceKind::Truncate {
                node, to, removed, ..
            } => (*node, format!("✂ {removed} → {to}")),
            TraceKind::SnapshotLoaded { node, id, .. } => (
                *node,
                format!(
                    "⇣ {} ({}, {})",
                    t(lang, "snapshot"),
                    id.end_offset,
                    id.epoch
                ),
            ),
            TraceKind::SnapshotTaken { node, id } => (*node, format!("📷 {}", id.end_offset)),
            _ => continue,
        };
        recent.entry(node).or_insert(what);
    }
    let rows = sim.nodes().iter().map(|n| {
        let log = n.node.log();
        let hw = n.node.high_watermark().filter(|_| n.alive);
        let start = log.start_offset();
        let snapshot = log.latest_snapshot().map(|s| s.id);
        let cells = (first..first + SHOWN).map(|o| {
            let entry = log.entry(o);
            let committed = hw.is_some_and(|h| o < h);
            let in_snapshot = o < start;
            let style = entry.map(|e| format!("background:{}", epoch_colour(e.epoch))).unwrap_or_default();
            let title = match entry {
                Some(e) => format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "epoch"), e.epoch, record_kind(lang, e.record.kind())),
                None if in_snapshot => format!("{} {o}: {}", t(lang, "offset"), t(lang, "in-snapshot")),
                None => format!("{} {o}", t(lang, "offset")),
            };
            let kind = entry.map(|e| e.record.kind()).unwrap_or("");
            html! {
                <span class={classes!("cell", entry.is_none().then_some("empty"), in_snapshot.then_some("snap"),
                                      committed.then_some("committed"), kind.to_string(),
                                      (hw == Some(o + 1)).then_some("hw-edge"), (start == o && start > 0).then_some("start-edge"))}
                      style={style} title={title} data-offset={o.to_string()}>
                    { entry.map(|e| e.epoch.to_string()).unwrap_or_default() }
                </span>
            }
        });
        html! {
            <div class={classes!("log-row", (!n.alive).then_some("dead"))} data-log-node={n.node.id.to_string()}>
                <span class="who">{ n.node.id }</span>
                <span class="cells">{ for cells }</span>
                <span class="marks">
                    { format!("{} {start} · LEO {} · HW {}", t(lang, "log-start"), log.end_offset(), hw.map_or("—".into(), |h| h.to_string())) }
                    if let Some(s) = snapshot { { format!(" · {} ({}, {})", t(lang, "snapshot"), s.end_offset, s.epoch) } }
                    if let Some((id, got)) = n.node.snapshot_download() { { format!(" · ⇣ {} {got}", id.end_offset) } }
                </span>
                if let Some(what) = recent.get(&n.node.id) { <span class="recent" data-recent={n.node.id.to_string()}>{ what }</span> }
            </div>
        }
    });
    let ruler = (first..first + SHOWN).map(|o| html! { <span class="cell ruler">{ if o % 5 == 0 { o.to_string() } else { String::new() } }</span> });
    html! {
        <div class="panel logs" data-testid="logs">
            <h2>{ t(lang, "logs") }</h2>
            <div class="log-row ruler-row"><span class="who"></span><span class="cells">{ for ruler }</span></div>
            { for rows }
        </div>
    }
}

#[function_component(MetadataPanel)]
pub fn metadata_panel() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let sim = m.sim();
    let empty = kraft_core::protocol::metadata::Image::default();
    let image = sim.committed_image_ref().unwrap_or(&empty);
    let sessions = sim
        .acting_leader()
        .and_then(|l| sim.node(l))
        .and_then(|n| n.node.active_controller())
        .map(|c| c.sessions.clone());
    let brokers = image.brokers.values().map(|b| {
        let hb = sessions.as_ref().and_then(|s| s.get(&b.id)).map(|t| format!("{} s", crate::i18n::seconds(sim.now().saturating_sub(*t), 1)));
        html! {
            <tr data-broker={b.id.to_string()} data-fenced={b.fenced.to_string()}>
                <td>{ b.id }</td>
                <td class={if b.fenced { "fenced" } else { "unfenced" }}>{ t(lang, if b.fenced { "fenced" } else { "unfenced" }) }</td>
                <td>{ b.epoch }</td>
                <td>{ hb.unwrap_or_else(|| "—".into()) }</td>
            </tr>
        }
    });
    let topics = image.topics.values().map(|topic| html! {
        <div class="topic">
            <h4>{ &topic.name }</h4>
            <table>
                <tr><th>{ t(lang, "partition") }</th><th>{ t(lang, "leader") }</th><th>{ "ISR" }</th><th>{ "ELR" }</th><th>{ t(lang, "replicas") }</th><th>{ "LEO" }</th><th>{ "HW" }</th><th></th></tr>
                { for topic.partitions.iter().map(|p| {
                    let preferred = p.preferred_leader();
                    let elect = {
                        let (on, topic, partition) = (on.clone(), topic.name.clone(), p.partition);
                        Callback::from(move |_| on.emit(Msg::Act(Action::ElectPreferred { topic: topic.clone(), partition })))
                    };
                    html! {
                        <tr data-partition={format!("{}-{}", topic.name, p.partition)} data-leader={p.leader.map(|l| l.to_string()).unwrap_or_default()}>
                            <td>{ p.partition }</td>
                            <td title={t(lang, if p.recovering { "recovering" } else { "preferred" }).to_string()}>
                                { p.leader.map_or(t(lang, "none").to_string(), |l| l.to_string()) }
                                { if p.leader.is_some() && p.leader == preferred { " ★" } else { "" } }
                                { if p.recovering { " ⚠" } else { "" } }
                            </td>
                            <td>{ format!("{:?}", p.isr) }</td>
                            <td>{ if p.elr.is_empty() { "—".to_string() } else { format!("{:?}", p.elr) } }</td>
                            <td>{ format!("{:?}", p.replicas) }</td>
                            { for sim.partition_offsets(topic.topic_id, p.partition, p.leader).map(|(leo, hw)| html! { <><td>{ leo }</td><td>{ hw }</td></> }) }
                            <td>
                                if p.leader != preferred {
                                    <button class="small" data-action="elect-preferred" onclick={elect} title={t(lang, "elect-preferred").to_string()}>{ "★" }</button>
                                }
                            </td>
                        </tr>
                    }
                }) }
            </table>
        </div>
    });
    html! {
        <div class="panel metadata" data-testid="metadata">
            <h2>{ t(lang, "metadata") }</h2>
            <h3>{ t(lang, "brokers-table") }{ format!(" · {} {}", t(lang, "offset"), image.applied_offset) }</h3>
            <table>
                <tr><th>{ t(lang, "id") }</th><th>{ t(lang, "state") }</th><th>{ "broker epoch" }</th><th>{ t(lang, "heartbeat") }</th></tr>
                { for brokers }
            </table>
            <h3>{ t(lang, "topics") }</h3>
            { for topics }
            if !sim.produces().is_empty() {
                <h3>{ t(lang, "produces") }</h3>
                <table data-testid="produces">
                    <tr><th>{ "#" }</th><th>{ t(lang, "partition") }</th><th>{ "acks" }</th><th>{ t(lang, "state") }</th><th>{ t(lang, "offset") }</th><th>{ t(lang, "lost") }</th></tr>
                    { for sim.produces().iter().rev().take(30).map(|p| {
                        let lost = sim.lost_values(p);
                        let status = match p.status {
                            ProduceStatus::Pending => t(lang, "pending"),
                            ProduceStatus::Acked => t(lang, "acked"),
                            ProduceStatus::Failed => t(lang, "failed"),
                        };
                        let acks = match p.acks { Acks::None => "0", Acks::Leader => "1", Acks::All => "all" };
                        html! {
                            <tr data-produce={p.id.to_string()} data-status={format!("{:?}", p.status).to_lowercase()} data-lost={lost.len().to_string()}>
                                <td>{ p.id }</td>
                                <td>{ format!("{}-{}", p.topic, p.partition) }</td>
                                <td>{ acks }</td>
                                <td>{ status }{ p.error.map(|e| format!(" ({})", e.name())).unwrap_or_default() }</td>
                                <td>{ p.base_offset.map_or("—".to_string(), |b| b.to_string()) }</td>
                                <td class={classes!((!lost.is_empty()).then_some("lost"))}>{ if lost.is_empty() { "—".to_string() } else { lost.join(" ") } }</td>
                            </tr>
                        }
                    }) }
                </table>
            }
        </div>
    }
}

#[function_component(EventLog)]
pub fn event_log() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let f = m.event_filter.clone();
    let toggle = |label: &str, key: &'static str, value: bool| {
        let (on, f) = (on.clone(), f.clone());
        let onchange = Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut f = f.clone();
            match key {
                "messages" => f.messages = checked,
                "roles" => f.roles = checked,
                "log" => f.log = checked,
                "brokers" => f.brokers = checked,
                _ => f.faults = checked,
            }
            on.emit(Msg::Filter(f));
        });
        html! { <label class="check"><input type="checkbox" checked={value} data-filter={key} {onchange} />{ label.to_string() }</label> }
    };
    let on_node = {
        let (on, f) = (on.clone(), f.clone());
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let mut f = f.clone();
            f.node = v.parse().ok();
            on.emit(Msg::Filter(f));
        })
    };
    let shown = m.sim().trace().events().rev().filter(|e| f.shows(&e.kind));
    let events: Vec<Html> = crate::event_groups::lines(shown, 150)
        .into_iter()
        .map(|line| {
            let (e, count, nodes) = match line {
                crate::event_groups::Line::One(e) => (e, 1, None),
                crate::event_groups::Line::Many { count, latest, nodes } => (latest, count, Some(nodes)),
            };
            let kind = e.kind.name();
            html! {
                <li class={classes!("ev", kind, (count > 1).then_some("grouped"))} data-kind={kind} data-count={count.to_string()}>
                    <span class="t">{ crate::i18n::seconds(e.time, 3) }</span>
                    if count > 1 { <span class="count">{ format!("×{count} ") }</span> }
                    { describe(lang, &e.kind) }
                    if let Some(n) = nodes.filter(|_| count > 1) {
                        <span class="nodes">{ format!(" · {}", n.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")) }</span>
                    }
                </li>
            }
        })
        .collect();
    html! {
        <div class="panel events" data-testid="events">
            <h2>{ t(lang, "events") }</h2>
            <div class="filters">
                { t(lang, "filter") }
                { toggle(t(lang, "f-messages"), "messages", f.messages) }
                { toggle(t(lang, "f-roles"), "roles", f.roles) }
                { toggle(t(lang, "f-log"), "log", f.log) }
                { toggle(t(lang, "f-brokers"), "brokers", f.brokers) }
                { toggle(t(lang, "f-faults"), "faults", f.faults) }
                <select onchange={on_node} data-testid="event-node">
                    <option value="" selected={f.node.is_none()}>{ t(lang, "all-nodes") }</option>
                    { for m.sim().nodes().iter().map(|n| html! {
                        <option value={n.node.id.to_string()} selected={f.node == Some(n.node.id)}>{ n.node.id }</option>
                    }) }
                </select>
            </div>
            <ol class="event-list" reversed=true>{ for events }</ol>
        </div>
    }
}

#[function_component(Violations)]
pub fn violations() -> Html {
    let (store, _) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let cfg = m.sim().config();
    let mut unsafe_on = Vec::new();
    if cfg.unsafe_commit_previous_epoch {
        unsafe_on.push(("unsafe_commit_previous_epoch", t(lang, "unsafe-commit")));
    }
    if cfg.unsafe_truncate_to_hw {
        unsafe_on.push(("unsafe_truncate_to_hw", t(lang, "unsafe-truncate")));
    }
    if !cfg.leader_change_record {
        unsafe_on.push(("leader_change_record = false", t(lang, "no-leader-change")));
    }
    let vs = m.sim().violations();
    let brokers = m
        .sim()
        .nodes()
        .iter()
        .filter(|n| n.node.kind.runs_broker())
        .count();
    let _ = brokers;
    html! {
        <div class={classes!("menu", "invariants", (!vs.is_empty()).then_some("broken"))}>
            <h3>{ t(lang, "violations") }</h3>
            if !unsafe_on.is_empty() {
                <ul class="unsafe">{ for unsafe_on.iter().map(|(key, what)| html! { <li>{ format!("⚠ {}: {key}: {what}", t(lang, "unsafe")) }</li> }) }</ul>
            }
            <ul data-testid="violations">
                { for vs.iter().map(|v| html! {
                    <li class="violation" data-invariant={v.invariant}>
                        <b>{ v.invariant }</b>{ format!(" @ {} s: {}", crate::i18n::seconds(v.time_ms, 3), crate::i18n::breach(lang, &v.breach)) }
                        <div class="why">{ invariant_why(lang, v.invariant) }</div>
                    </li>
                }) }
            </ul>
            if vs.is_empty() { <p class="ok">{ t(lang, "no-violations") }</p> }
        </div>
    }
}
