//! A steady load: the producer form's produce again every 10, 100 or 1000 ms of virtual time
//! until stopped.

use super::button::button;
use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Msg, Notice};
use kraft_core::protocol::partition::Acks;
use kraft_core::sim::{Action, ProduceRecords, SteadyLoad};
use yew::prelude::*;

fn acks_word(acks: Acks) -> &'static str {
    match acks {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

#[derive(Properties, PartialEq)]
pub struct KeepProducingProps {
    pub lang: Lang,
    /// What one produce of the load would be (the form's choice); none without a topic.
    pub produce: Option<ProduceRecords>,
    /// The load running, as core has it (a replay or a scenario's load shows too).
    pub running: Option<SteadyLoad>,
}

/// A steady load: the form's produce again every 10, 100 or 1000 ms of virtual time until
/// stopped. What runs is read back from core, so a replay or a scenario's load shows too.
#[function_component(KeepProducing)]
pub fn keep_producing(props: &KeepProducingProps) -> Html {
    let on = use_dispatch();
    let lang = props.lang;
    let every = use_state(|| 100u64);
    if let Some(load) = &props.running {
        let p = &load.produce;
        let what = t(lang, "steady-load-running")
            .replace("{records}", &p.records.to_string())
            .replace("{topic}", &p.topic)
            .replace("{partition}", &p.partition.to_string())
            .replace("{every}", &load.every_ms.to_string())
            .replace("{acks}", acks_word(p.acks));
        return html! {
            <span class="steady-load running" data-testid="steady-load" data-every={load.every_ms.to_string()}>
                <span class="pulse" aria-hidden="true">{ "●" }</span>{ " " }{ what }{ " " }
                { button(t(lang, "stop-load"), "stop-load", &on, Msg::Act(Action::SteadyLoad(None)), false) }
            </span>
        };
    }
    let start = {
        let (on, produce, every_ms) = (on.clone(), props.produce.clone(), *every);
        Callback::from(move |_| match &produce {
            Some(p) => on.emit(Msg::Act(Action::SteadyLoad(Some(SteadyLoad {
                produce: p.clone(),
                every_ms,
            })))),
            None => on.emit(Msg::Notice(Some(Notice::Say("create-topic-first")))),
        })
    };
    let on_every = {
        let every = every.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            every.set(v.parse().unwrap_or(100));
        })
    };
    html! {
        <span class="steady-load">
            <button data-action="steady-load" onclick={start}>{ t(lang, "steady-load") }</button>
            <label>{ t(lang, "every") }
                <select data-testid="load-every" onchange={on_every} aria-label={t(lang, "load-every").to_string()}>
                    { for [10u64, 100, 1000].iter().map(|ms| html! {
                        <option value={ms.to_string()} selected={*every == *ms}>{ format!("{ms} ms") }</option>
                    }) }
                </select>
            </label>
        </span>
    }
}
