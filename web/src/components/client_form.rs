//! The clients: a producer (which partition, how many records, with which acks) and a consumer
//! for the same partition, and a steady load of the producer's writes.

use super::keep_producing::KeepProducing;
use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Msg, Notice};
use kraft_core::protocol::partition::Acks;
use kraft_core::sim::{Action, ConsumeFrom, ConsumeStart, ProduceRecords, SteadyLoad};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClientFormProps {
    pub lang: Lang,
    /// The committed topics and their partition counts.
    pub topics: Vec<(String, u32)>,
    /// The steady load running, if any.
    pub steady_load: Option<SteadyLoad>,
}

/// The clients: which partition, how many records, with which acks (a producer setting in
/// Kafka, so a choice beside the button); a consumer for the same partition.
#[function_component(ClientForm)]
pub fn client_form(p: &ClientFormProps) -> Html {
    let on = use_dispatch();
    let (lang, topics) = (p.lang, &p.topics);
    let acks = use_state(|| Acks::All);
    let chosen = use_state(|| None::<String>);
    let partition = use_state(|| 0u32);
    let count = use_state(|| 10u32);
    // The chosen topic if it still exists, else the first one.
    let topic = chosen
        .as_ref()
        .filter(|c| topics.iter().any(|(n, _)| n == *c))
        .cloned()
        .or_else(|| topics.first().map(|(n, _)| n.clone()));
    let partitions = topic
        .as_ref()
        .and_then(|n| topics.iter().find(|(t, _)| t == n))
        .map_or(1, |(_, p)| *p);
    let part = (*partition).min(partitions.saturating_sub(1));
    let act = |make: fn(String, u32, u32, Acks) -> Action| {
        let (on, topic, count, acks) = (on.clone(), topic.clone(), *count, *acks);
        Callback::from(move |_| match &topic {
            Some(name) => on.emit(Msg::Act(make(name.clone(), part, count, acks))),
            None => on.emit(Msg::Notice(Some(Notice::Say("create-topic-first")))),
        })
    };
    let produce = act(|topic, partition, records, acks| {
        Action::Produce(ProduceRecords {
            topic,
            partition,
            records,
            acks,
        })
    });
    let consume = act(|topic, partition, _, _| {
        Action::Consume(ConsumeFrom {
            topic,
            partition,
            from: ConsumeStart::Earliest,
        })
    });
    let value = |e: &Event| {
        e.target_unchecked_into::<web_sys::HtmlInputElement>()
            .value()
    };
    let on_acks = {
        let acks = acks.clone();
        Callback::from(move |e: Event| {
            acks.set(match value(&e).as_str() {
                "0" => Acks::None,
                "1" => Acks::Leader,
                _ => Acks::All,
            });
        })
    };
    let on_topic = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| chosen.set(Some(value(&e))))
    };
    let on_partition = {
        let partition = partition.clone();
        Callback::from(move |e: Event| partition.set(value(&e).parse().unwrap_or(0)))
    };
    let on_count = {
        let count = count.clone();
        Callback::from(move |e: Event| {
            count.set(value(&e).parse::<u32>().unwrap_or(10).clamp(1, 1000))
        })
    };
    html! {
        <div class="buttons clients">
            <select data-testid="produce-topic" aria-label={t(lang, "topic").to_string()} onchange={on_topic}>
                { for topics.iter().map(|(n, _)| html! { <option value={n.clone()} selected={topic.as_deref() == Some(n)}>{ n }</option> }) }
            </select>
            <label>{ t(lang, "partition") }
                <input type="number" min="0" max={partitions.saturating_sub(1).to_string()} value={part.to_string()} data-testid="produce-partition" onchange={on_partition} />
            </label>
            <label>
                <input type="number" min="1" max="1000" value={count.to_string()} data-testid="produce-count" onchange={on_count} />
                { t(lang, "records") }
            </label>
            <label>{ "acks" }
                <select data-testid="acks" onchange={on_acks} aria-label="acks">
                    { for [("0", Acks::None), ("1", Acks::Leader), ("all", Acks::All)].iter().map(|(v, a)| html! {
                        <option value={*v} selected={*acks == *a}>{ *v }</option>
                    }) }
                </select>
            </label>
            <button data-action="produce" onclick={produce}>{ t(lang, "produce") }</button>
            <KeepProducing lang={lang} running={p.steady_load.clone()} produce={topic.map(|topic| ProduceRecords { topic, partition: part, records: *count, acks: *acks })} />
            <button data-action="consume" onclick={consume}>{ t(lang, "consume") }</button>
        </div>
    }
}
