//! Controls: time (play, step, speed, timeline), the node and link menus, fault presets,
//! cluster settings, the scenario picker and the narration panel.

use crate::i18n::{t, Lang};
use crate::state::{use_store, Msg};
use crate::state::{NextKind, Notice, Selected, Settings};
use kraft_core::protocol::partition::Acks;
use kraft_core::sim::{
    Action, ConsumeFrom, ConsumeStart, Fault, NewTopic, ProduceRecords, SteadyLoad,
};
use kraft_core::Role;
use web_sys::HtmlInputElement;
use yew::prelude::*;

fn button(label: &str, action: &str, on: &Callback<Msg>, msg: Msg, disabled: bool) -> Html {
    let on = on.clone();
    html! {
        <button data-action={action.to_string()} disabled={disabled}
                onclick={Callback::from(move |_| on.emit(msg.clone()))}>{ label }</button>
    }
}

/// How much later every message reaches a node made slow from its menu. A follower then fetches
/// about every 6 s: it leaves the ISR where replica_lag_time_max_ms is shorter (the
/// steady-load scenario's 5 s), not under Kafka's default 30 s.
const SLOW_MS: u64 = 6000;

#[function_component(TimeControls)]
pub fn time_controls() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let (now, horizon) = (m.sim().now(), m.timeline.horizon());
    let on_seek = {
        let on = on.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(v) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse::<u64>()
            {
                on.emit(Msg::Seek(v));
            }
        })
    };
    let on_speed = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value()
                .parse::<f64>()
            {
                on.emit(Msg::Speed(v));
            }
        })
    };
    let speeds = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0];
    html! {
        <div class="time-controls">
            <div class="buttons">
                { button(t(lang, "play"), "play", &on, Msg::Play, m.playing) }
                { button(t(lang, "pause"), "pause-time", &on, Msg::Pause, !m.playing) }
                { button(t(lang, "step-back"), "step-back", &on, Msg::StepBack, false) }
                { button(t(lang, "step"), "step", &on, Msg::Step, false) }
                { button(t(lang, "next-election"), "next-election", &on, Msg::Next(NextKind::Election), false) }
                { button(t(lang, "next-hw"), "next-hw", &on, Msg::Next(NextKind::HighWatermark), false) }
                { button(t(lang, "next-snapshot"), "next-snapshot", &on, Msg::Next(NextKind::Snapshot), false) }
                <label class="speed">{ t(lang, "speed") }
                    <select data-testid="speed" onchange={on_speed}>
                        { for speeds.iter().map(|s| html! {
                            <option value={s.to_string()} selected={(m.speed - s).abs() < 1e-9}>{ format!("{s}×") }</option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="timeline-row">
                <span>{ t(lang, "time") }</span>
                <input type="range" data-testid="timeline" min="0" max={horizon.to_string()} step="1"
                       value={now.to_string()} oninput={on_seek} aria-label={t(lang, "timeline")} />
                <span class="time-label" data-testid="time">{ format!("{} / {} s", crate::i18n::seconds(now, 3), crate::i18n::seconds(horizon, 3)) }</span>
            </div>
        </div>
    }
}

#[function_component(SelectionMenu)]
pub fn selection_menu() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let sim = m.sim();
    let close = button(t(lang, "close"), "close", &on, Msg::Select(None), false);
    match m.selected {
        Some(Selected::Node(id)) => {
            let Some(n) = sim.node(id) else {
                return html! {};
            };
            let alive = n.alive;
            let controller = n.node.kind.runs_controller();
            let leader = n.node.role() == Role::Leader;
            let dynamic = sim.spec().kraft_version >= 1;
            let voter = sim.current_voters().iter().any(|v| v.id == id);
            let slow = sim.slow_nodes().contains_key(&id);
            let act = |a: Action| Msg::Act(a);
            html! {
                <div class="menu node-menu" data-testid="node-menu">
                    <h3>{ format!("{} {id}", t(lang, "node")) }</h3>
                    <p class="facts">{ format!("{}: {} · {}: {} · LEO {} · HW {}", t(lang, "role"), crate::i18n::role_label(lang, &kraft_core::sim::capture::role_word(n)), t(lang, "epoch"), n.node.epoch(), n.node.log().end_offset(), n.node.high_watermark().filter(|_| alive).map_or("—".into(), |h| h.to_string())) }</p>
                    <div class="buttons">
                        { button(t(lang, "crash"), "crash", &on, act(Action::Crash(id)), !alive) }
                        { button(t(lang, "restart"), "restart", &on, act(Action::Restart(id)), alive) }
                        { button(t(lang, "pause-node"), "pause", &on, act(Action::Pause { node: id, ms: 5000 }), !alive) }
                        if controller {
                            { button(t(lang, "elect"), "elect", &on, act(Action::Elect(id)), !alive || leader) }
                            { button(t(lang, "resign"), "resign", &on, act(Action::Resign(id)), !leader || !alive) }
                        }
                        if controller && dynamic {
                            { button(t(lang, "add-voter"), "add-voter", &on, act(Action::AddVoter(id)), voter || !alive) }
                            { button(t(lang, "remove-voter"), "remove-voter", &on, act(Action::RemoveVoter(id)), !voter) }
                        }
                        if controller && !n.node.kind.runs_broker() {
                            { button(t(lang, "wipe"), "wipe", &on, act(Action::Wipe(id)), false) }
                        }
                        if n.node.kind.runs_broker() {
                            { button(t(lang, "power-loss"), "power-loss", &on, act(Action::PowerLoss(id)), !alive) }
                            if slow {
                                { button(t(lang, "fast"), "fast", &on, act(Action::Slow { node: id, ms: 0 }), false) }
                            } else {
                                { button(t(lang, "slow"), "slow", &on, act(Action::Slow { node: id, ms: SLOW_MS }), !alive) }
                            }
                        }
                        if n.node.kind == kraft_core::protocol::NodeKind::Broker {
                            { button(t(lang, "controlled-shutdown"), "controlled-shutdown", &on, act(Action::ControlledShutdown(id)), !alive) }
                        }
                        { button(t(lang, "isolate"), "isolate", &on, act(Action::Isolate(id)), false) }
                        { close }
                    </div>
                </div>
            }
        }
        Some(Selected::Link(a, b)) => {
            let both_up = sim.is_link_up(a, b) && sim.is_link_up(b, a);
            let cut_both = Msg::Act(Action::Partition(vec![vec![a], vec![b]]));
            let on2 = on.clone();
            let heal = Callback::from(move |_| {
                on2.emit(Msg::Act(Action::HealOneWay { from: a, to: b }));
                on2.emit(Msg::Act(Action::HealOneWay { from: b, to: a }));
            });
            html! {
                <div class="menu link-menu" data-testid="link-menu">
                    <h3>{ format!("{} {a} ⇄ {b}", t(lang, "link")) }</h3>
                    <div class="buttons">
                        { button(t(lang, "cut-both"), "cut", &on, cut_both, false) }
                        { button(&format!("{} {a} ⇸ {b}", t(lang, "cut-one")), "cut-one-way", &on, Msg::Act(Action::CutOneWay { from: a, to: b }), false) }
                        { button(&format!("{} {b} ⇸ {a}", t(lang, "cut-one")), "cut-one-way-back", &on, Msg::Act(Action::CutOneWay { from: b, to: a }), false) }
                        <button data-action="heal" disabled={both_up} onclick={heal}>{ t(lang, "heal") }</button>
                        { close }
                    </div>
                </div>
            }
        }
        Some(Selected::Message(id)) => {
            let Some((env, _)) = sim.in_flight().find(|(e, _)| e.id == id) else {
                return html! {
                    <div class="menu message-menu" data-testid="message-menu">
                        <h3>{ format!("{} {id}", t(lang, "message")) }</h3>
                        <p class="facts">{ t(lang, "message-gone") }</p>
                        <div class="buttons">{ close }</div>
                    </div>
                };
            };
            let act = |fault: Fault| Msg::Act(Action::InFlight { id, fault });
            html! {
                <div class="menu message-menu" data-testid="message-menu">
                    <h3>{ format!("{} {id}: {} → {} {}", t(lang, "message"), env.from, env.to, env.msg.rpc()) }</h3>
                    <p class="facts">{ crate::i18n::message_summary(lang, &env.msg) }</p>
                    <div class="buttons">
                        { button(t(lang, "drop-message"), "drop-message", &on, act(Fault::Drop), false) }
                        { button(t(lang, "duplicate-message"), "duplicate-message", &on, act(Fault::Duplicate), false) }
                        { button(t(lang, "delay-message"), "delay-message", &on, act(Fault::Delay { ms: 1000 }), false) }
                        { close }
                    </div>
                </div>
            }
        }
        None => html! {},
    }
}

#[function_component(Presets)]
pub fn presets() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let on2 = on.clone();
    let create_topic = Callback::from(move |_| {
        on2.emit(Msg::Act(Action::CreateTopic(NewTopic {
            name: format!("topic-{}", js_sys::Math::random().to_bits() % 1000),
            partitions: 3,
            replication_factor: 2,
            ..Default::default()
        })))
    });
    // The quorum's presets (its leader, its controllers, its metadata log) have nothing to act on
    // in ZooKeeper mode.
    let kraft = m.sim().mode() == kraft_core::protocol::ClusterMode::Kraft;
    html! {
        <div class="menu presets">
            <div class="buttons">
                if kraft {
                    { button(t(lang, "isolate-leader"), "isolate-leader", &on, Msg::IsolateLeader, false) }
                    { button(t(lang, "split"), "split", &on, Msg::Split, false) }
                }
                { button(t(lang, "heal-all"), "heal-all", &on, Msg::Act(Action::HealAll), false) }
                if kraft {
                    { button(t(lang, "append"), "append", &on, Msg::Act(Action::Append(5)), false) }
                }
                <button data-action="create-topic" onclick={create_topic}>{ t(lang, "create-topic") }</button>
            </div>
            <ClientForm />
        </div>
    }
}

/// The clients: which partition, how many records, with which acks (a producer setting in
/// Kafka, so a choice beside the button); a consumer for the same partition.
#[function_component(ClientForm)]
fn client_form() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let topics: Vec<(String, u32)> = m
        .sim()
        .committed_image_ref()
        .map(|i| {
            i.topics
                .values()
                .map(|t| (t.name.clone(), t.partitions.len() as u32))
                .collect()
        })
        .unwrap_or_default();
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
            <KeepProducing produce={topic.map(|topic| ProduceRecords { topic, partition: part, records: *count, acks: *acks })} />
            <button data-action="consume" onclick={consume}>{ t(lang, "consume") }</button>
        </div>
    }
}

fn acks_word(acks: Acks) -> &'static str {
    match acks {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

#[derive(Properties, PartialEq)]
struct KeepProducingProps {
    /// What one produce of the load would be (the form's choice); none without a topic.
    produce: Option<ProduceRecords>,
}

/// A steady load: the form's produce again every 10, 100 or 1000 ms of virtual time until
/// stopped. What runs is read back from core, so a replay or a scenario's load shows too.
#[function_component(KeepProducing)]
fn keep_producing(props: &KeepProducingProps) -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let every = use_state(|| 100u64);
    let running = m.sim().steady_load().cloned();
    if let Some(load) = running {
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

#[function_component(ScenarioPicker)]
pub fn scenario_picker() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let current = m.scenario_name.clone().unwrap_or_default();
    let on = on.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        on.emit(Msg::Scenario((!v.is_empty()).then_some(v)));
    });
    html! {
        <label class="picker">{ t(lang, "scenario") }
            <select data-testid="scenario-picker" onchange={onchange}>
                <option value="" selected={current.is_empty()}>{ t(lang, "free-play") }</option>
                { for crate::library::NAMES.iter().map(|name| {
                    let title = crate::library::load(name).map(|s| if lang == Lang::Zh { s.title.zh } else { s.title.en }).unwrap_or_else(|| name.to_string());
                    html! { <option value={name.to_string()} selected={current == *name}>{ title }</option> }
                }) }
            </select>
        </label>
    }
}

#[function_component(Narration)]
pub fn narration() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let Some(player) = &m.player else {
        return html! {};
    };
    let s = &player.scenario;
    let title = if lang == Lang::Zh {
        &s.title.zh
    } else {
        &s.title.en
    };
    let tl = &m.timeline;
    let (reached, total) = player.narration_progress(tl);
    let text = player.narration(tl).map(|(_, t)| {
        if lang == Lang::Zh {
            t.zh.clone()
        } else {
            t.en.clone()
        }
    });
    let in_past = player.in_past(tl);
    let goal = crate::library::text(s, "goal", lang);
    let outcome = crate::library::text(s, "outcome", lang);
    let waiting = (!in_past)
        .then(|| player.waiting())
        .flatten()
        .map(|w| crate::i18n::wait_text(lang, w, player.waiting_step()));
    let experiments = crate::library::experiments(s, lang);
    let variant = m
        .experiment
        .map(|i| crate::library::experiment_summary(&s.doc, i));
    let ended = player.ended && !in_past;
    html! {
        <div class="narration" data-testid="narration">
            <h2>{ title }</h2>
            if let Some(v) = variant { <p class="variant" data-testid="experiment">{ format!("{} {v}", t(lang, "try-it")) }</p> }
            if let Some(g) = goal { <p class="goal"><b>{ t(lang, "goal") }{ ": " }</b>{ g }</p> }
            <p class="say" data-testid="narration-text" data-step={reached.to_string()}>
                { text.unwrap_or_else(|| "…".into()) }
            </p>
            if in_past {
                <p class="reviewing" data-testid="reviewing">{ t(lang, "reviewing") }</p>
            }
            if let Some(w) = waiting {
                <p class="waiting" data-testid="waiting">{ format!("⏳ {}: {w}", t(lang, "waiting")) }</p>
            }
            if ended {
                if let Some(o) = outcome { <p class="outcome"><b>{ t(lang, "outcome") }{ ": " }</b>{ o }</p> }
                <p class="done" data-testid="scenario-done">{ t(lang, "scenario-ended") }</p>
            }
            if let Some((step, problem)) = player.problem() {
                <p class="problem">{ format!("{} {step}: {}", t(lang, "step-failed"), crate::i18n::step_failure(lang, problem)) }</p>
            }
            <div class="buttons">
                { button(t(lang, "previous"), "narration-prev", &on, Msg::NarrationPrev, reached <= 1) }
                <span class="progress">{ format!("{reached} / {total}") }</span>
                { button(if m.playing && !in_past { t(lang, "skip") } else { t(lang, "next") }, "narration-next", &on, Msg::NarrationNext, ended) }
            </div>
            if !experiments.is_empty() {
                <div class="buttons experiments" data-testid="experiments">
                    <span class="muted">{ t(lang, "try-it") }</span>
                    if m.experiment.is_some() {
                        { button(t(lang, "original"), "experiment-original", &on, Msg::Scenario(m.scenario_name.clone()), false) }
                    }
                    { for experiments.iter().enumerate().map(|(i, label)| {
                        button(label, &format!("experiment-{i}"), &on, Msg::Experiment(i), m.experiment == Some(i))
                    }) }
                </div>
            }
        </div>
    }
}

/// The legend: every mark on the stage and in the logs, with a small drawing of it.
#[function_component(Legend)]
pub fn legend() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let open = m.legend;
    html! {
        <div class={classes!("menu", "legend", open.then_some("open"))} data-testid="legend">
            <button class="toggle" data-action="legend" aria-expanded={open.to_string()}
                    onclick={let on = on.clone(); Callback::from(move |_| on.emit(Msg::Legend(!open)))}>
                { format!("{} {}", if open { "▾" } else { "▸" }, t(lang, "legend")) }
            </button>
            if open {
            <ul>
                { for crate::i18n::legend(lang).into_iter().map(|row| html! {
                    <li>
                        <svg class={classes!("swatch", row.swatch.split(' ').map(str::to_string).collect::<Vec<_>>())} viewBox="0 0 28 18" width="28" height="18" aria-hidden="true">
                            <circle class="dot" cx="14" cy="9" r="6" />
                            <line class="ln" x1="2" y1="9" x2="26" y2="9" />
                            <rect class="cellbox" x="7" y="2" width="14" height="14" rx="2" />
                        </svg>
                        <span>{ row.text }</span>
                    </li>
                }) }
            </ul>
            }
        </div>
    }
}

#[function_component(SettingsPanel)]
pub fn settings_panel() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let draft = use_state(|| m.settings.clone());
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
        let model = store.model.clone();
        Callback::from(move |_| {
            let text = crate::state::to_json(&model.borrow().saved());
            crate::storage::download("kraft-session.json", &text);
        })
    };
    let share = {
        let (model, on) = (store.model.clone(), on.clone());
        Callback::from(move |_| {
            let notice = crate::storage::share_link(&model.borrow().saved());
            on.emit(Msg::Notice(Some(notice)));
        })
    };
    let d = &*draft;
    let spec = m.sim().spec();
    let cfg = m.sim().config();
    let ids = |v: &[kraft_core::NodeId]| match (v.first(), v.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".to_string(),
    };
    let running = format!(
        "{}: {} {} ({}) · {} {} ({}) · {} {} · {} {} · {} {} ms · {} {} ms · {} {}",
        t(lang, "running-cluster"),
        spec.controllers.len(),
        t(lang, "controllers"),
        ids(&spec.controllers),
        spec.brokers.len(),
        t(lang, "brokers"),
        ids(&spec.brokers),
        t(lang, "seed"),
        spec.seed,
        t(lang, "pre-vote"),
        if cfg.pre_vote { "✓" } else { "✗" },
        t(lang, "election-timeout"),
        cfg.election_timeout_ms,
        t(lang, "fetch-timeout"),
        cfg.fetch_timeout_ms,
        t(lang, "snapshot-every"),
        // Unset: by bytes (the core's default), shown as the byte budget.
        cfg.snapshot_every_records.map_or_else(
            || format!("{} B", cfg.snapshot_every_bytes),
            |n| n.to_string()
        ),
    );
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
                <crate::components::import_button::ImportButton on={on.clone()} label={t(lang, "import").to_string()} />
                <button data-action="share" onclick={share}>{ t(lang, "share") }</button>
            </div>
        </details>
    }
}
