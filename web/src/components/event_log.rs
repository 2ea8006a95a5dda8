//! The event log: the newest trace events in sentences, repetitive ones folded into counted
//! lines, filtered by kind and node. Each line is a component of its own, keyed by its event:
//! when a new event arrives, the lines already shown are not written again.

use super::event_groups::{lines, Line};
use crate::i18n::{describe, seconds, t, Lang};
use crate::state::{use_dispatch, EventFilter, Msg};
use kraft_core::sim::Simulation;
use kraft_core::{NodeId, Time, TraceKind};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Lines shown, at most.
const LINES: usize = 150;

/// One line: an event, or the newest of `count` repetitive ones and the nodes they concern.
#[derive(Clone, PartialEq)]
pub struct EventLine {
    /// The event's place in the whole history: the line's identity.
    pub seq: u64,
    pub time: Time,
    pub kind: TraceKind,
    pub count: usize,
    pub nodes: Option<Vec<NodeId>>,
}

/// The lines the filter shows, newest first.
pub fn event_lines(sim: &Simulation, filter: &EventFilter) -> Vec<EventLine> {
    let shown = sim.trace().events().rev().filter(|e| filter.shows(&e.kind));
    lines(shown, LINES)
        .into_iter()
        .map(|line| {
            let (e, count, nodes) = match line {
                Line::One(e) => (e, 1, None),
                Line::Many {
                    count,
                    latest,
                    nodes,
                } => (latest, count, Some(nodes)),
            };
            EventLine {
                seq: e.seq,
                time: e.time,
                kind: e.kind.clone(),
                count,
                nodes,
            }
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub lang: Lang,
    pub filter: EventFilter,
    /// The cluster's nodes, for the node filter.
    pub nodes: Vec<NodeId>,
    pub lines: Rc<Vec<EventLine>>,
}

#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let f = &p.filter;
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
                    { for p.nodes.iter().map(|n| html! {
                        <option value={n.to_string()} selected={f.node == Some(*n)}>{ n }</option>
                    }) }
                </select>
            </div>
            <ol class="event-list" reversed=true>
                { for p.lines.iter().map(|line| html! { <EventItem key={line.seq} lang={lang} line={line.clone()} /> }) }
            </ol>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct EventItemProps {
    lang: Lang,
    line: EventLine,
}

#[function_component(EventItem)]
fn event_item(p: &EventItemProps) -> Html {
    let EventLine {
        time,
        kind,
        count,
        nodes,
        ..
    } = &p.line;
    let count = *count;
    let name = kind.name();
    html! {
        <li class={classes!("ev", name, (count > 1).then_some("grouped"))} data-kind={name} data-count={count.to_string()}>
            <span class="t">{ seconds(*time, 3) }</span>
            if count > 1 { <span class="count">{ format!("×{count} ") }</span> }
            { describe(p.lang, kind) }
            if let Some(n) = nodes.as_ref().filter(|_| count > 1) {
                <span class="nodes">{ format!(" · {}", n.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")) }</span>
            }
        </li>
    }
}
