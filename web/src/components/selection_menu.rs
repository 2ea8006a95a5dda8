//! The menu of what the learner clicked: a node (crash, restart, elect, ...), a link (cut one or
//! both ways, heal) or a message on the wire (drop, duplicate, delay).

use super::button::button;
use crate::i18n::{message_summary, role_label, t, Lang};
use crate::state::{use_dispatch, Model, Msg, Selected};
use kraft_core::protocol::NodeKind;
use kraft_core::sim::capture::role_word;
use kraft_core::sim::{Action, Fault};
use kraft_core::{Epoch, NodeId, Role};
use yew::prelude::*;

/// How much later every message reaches a node made slow from its menu. A follower then fetches
/// about every 6 s: it leaves the ISR where replica_lag_time_max_ms is shorter (the
/// steady-load scenario's 5 s), not under Kafka's default 30 s.
const SLOW_MS: u64 = 6000;

/// What the menu of a node says and offers.
#[derive(Clone, PartialEq)]
pub struct NodeFacts {
    pub id: NodeId,
    pub alive: bool,
    pub kind: NodeKind,
    pub leader: bool,
    /// The voter set lives in the log (KIP-853).
    pub dynamic: bool,
    pub voter: bool,
    pub slow: bool,
    /// The role word (`role_word`), in English.
    pub role: String,
    pub epoch: Epoch,
    pub leo: u64,
    pub hw: Option<u64>,
}

/// What is selected, as the menu shows it.
#[derive(Clone, PartialEq)]
pub enum Selection {
    /// A node; none if it is gone (a new cluster).
    Node(Option<NodeFacts>),
    Link {
        a: NodeId,
        b: NodeId,
        both_up: bool,
    },
    /// A message: who sent it to whom, its RPC and what it says, while it is on the wire.
    Message {
        id: u64,
        wire: Option<(NodeId, NodeId, &'static str, String)>,
    },
}

/// The selection in the model, read for the menu.
pub fn selection(m: &Model) -> Option<Selection> {
    let sim = m.sim();
    Some(match m.selected? {
        Selected::Node(id) => Selection::Node(sim.node(id).map(|n| NodeFacts {
            id,
            alive: n.alive,
            kind: n.node.kind,
            leader: n.node.role() == Role::Leader,
            dynamic: sim.spec().kraft_version >= 1,
            voter: sim.current_voters().iter().any(|v| v.id == id),
            slow: sim.slow_nodes().contains_key(&id),
            role: role_word(n),
            epoch: n.node.epoch(),
            leo: n.node.log().end_offset(),
            hw: n.node.high_watermark().filter(|_| n.alive),
        })),
        Selected::Link(a, b) => Selection::Link {
            a,
            b,
            both_up: sim.is_link_up(a, b) && sim.is_link_up(b, a),
        },
        Selected::Message(id) => Selection::Message {
            id,
            wire: sim.in_flight().find(|(e, _)| e.id == id).map(|(env, _)| {
                (
                    env.from,
                    env.to,
                    env.msg.rpc(),
                    message_summary(m.lang, &env.msg),
                )
            }),
        },
    })
}

#[derive(Properties, PartialEq)]
pub struct SelectionMenuProps {
    pub lang: Lang,
    pub selection: Option<Selection>,
}

#[function_component(SelectionMenu)]
pub fn selection_menu(p: &SelectionMenuProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    match &p.selection {
        Some(Selection::Node(Some(n))) => node_menu(lang, &on, n),
        Some(Selection::Link { a, b, both_up }) => link_menu(lang, &on, *a, *b, *both_up),
        Some(Selection::Message { id, wire }) => message_menu(lang, &on, *id, wire.as_ref()),
        Some(Selection::Node(None)) | None => html! {},
    }
}

fn close(lang: Lang, on: &Callback<Msg>) -> Html {
    button(t(lang, "close"), "close", on, Msg::Select(None), false)
}

fn node_menu(lang: Lang, on: &Callback<Msg>, n: &NodeFacts) -> Html {
    let (id, alive) = (n.id, n.alive);
    let controller = n.kind.runs_controller();
    let broker = n.kind.runs_broker();
    let leader = n.leader;
    let act = |a: Action| Msg::Act(a);
    html! {
        <div class="menu node-menu" data-testid="node-menu">
            <h3>{ format!("{} {id}", t(lang, "node")) }</h3>
            <p class="facts">{ format!("{}: {} · {}: {} · LEO {} · HW {}", t(lang, "role"), role_label(lang, &n.role), t(lang, "epoch"), n.epoch, n.leo, n.hw.map_or("—".into(), |h| h.to_string())) }</p>
            <div class="buttons">
                { button(t(lang, "crash"), "crash", on, act(Action::Crash(id)), !alive) }
                { button(t(lang, "restart"), "restart", on, act(Action::Restart(id)), alive) }
                { button(t(lang, "pause-node"), "pause", on, act(Action::Pause { node: id, ms: 5000 }), !alive) }
                if controller {
                    { button(t(lang, "elect"), "elect", on, act(Action::Elect(id)), !alive || leader) }
                    { button(t(lang, "resign"), "resign", on, act(Action::Resign(id)), !leader || !alive) }
                }
                if controller && n.dynamic {
                    { button(t(lang, "add-voter"), "add-voter", on, act(Action::AddVoter(id)), n.voter || !alive) }
                    { button(t(lang, "remove-voter"), "remove-voter", on, act(Action::RemoveVoter(id)), !n.voter) }
                }
                if controller && !broker {
                    { button(t(lang, "wipe"), "wipe", on, act(Action::Wipe(id)), false) }
                }
                if broker {
                    { button(t(lang, "power-loss"), "power-loss", on, act(Action::PowerLoss(id)), !alive) }
                    if n.slow {
                        { button(t(lang, "fast"), "fast", on, act(Action::Slow { node: id, ms: 0 }), false) }
                    } else {
                        { button(t(lang, "slow"), "slow", on, act(Action::Slow { node: id, ms: SLOW_MS }), !alive) }
                    }
                }
                if n.kind == NodeKind::Broker {
                    { button(t(lang, "controlled-shutdown"), "controlled-shutdown", on, act(Action::ControlledShutdown(id)), !alive) }
                }
                { button(t(lang, "isolate"), "isolate", on, act(Action::Isolate(id)), false) }
                { close(lang, on) }
            </div>
        </div>
    }
}

fn link_menu(lang: Lang, on: &Callback<Msg>, a: NodeId, b: NodeId, both_up: bool) -> Html {
    let cut_both = Msg::Act(Action::Partition(vec![vec![a], vec![b]]));
    let heal = {
        let on = on.clone();
        Callback::from(move |_| {
            on.emit(Msg::Act(Action::HealOneWay { from: a, to: b }));
            on.emit(Msg::Act(Action::HealOneWay { from: b, to: a }));
        })
    };
    html! {
        <div class="menu link-menu" data-testid="link-menu">
            <h3>{ format!("{} {a} ⇄ {b}", t(lang, "link")) }</h3>
            <div class="buttons">
                { button(t(lang, "cut-both"), "cut", on, cut_both, false) }
                { button(&format!("{} {a} ⇸ {b}", t(lang, "cut-one")), "cut-one-way", on, Msg::Act(Action::CutOneWay { from: a, to: b }), false) }
                { button(&format!("{} {b} ⇸ {a}", t(lang, "cut-one")), "cut-one-way-back", on, Msg::Act(Action::CutOneWay { from: b, to: a }), false) }
                <button data-action="heal" disabled={both_up} onclick={heal}>{ t(lang, "heal") }</button>
                { close(lang, on) }
            </div>
        </div>
    }
}

fn message_menu(
    lang: Lang,
    on: &Callback<Msg>,
    id: u64,
    wire: Option<&(NodeId, NodeId, &'static str, String)>,
) -> Html {
    let Some((from, to, rpc, summary)) = wire else {
        return html! {
            <div class="menu message-menu" data-testid="message-menu">
                <h3>{ format!("{} {id}", t(lang, "message")) }</h3>
                <p class="facts">{ t(lang, "message-gone") }</p>
                <div class="buttons">{ close(lang, on) }</div>
            </div>
        };
    };
    let act = |fault: Fault| Msg::Act(Action::InFlight { id, fault });
    html! {
        <div class="menu message-menu" data-testid="message-menu">
            <h3>{ format!("{} {id}: {from} → {to} {rpc}", t(lang, "message")) }</h3>
            <p class="facts">{ summary }</p>
            <div class="buttons">
                { button(t(lang, "drop-message"), "drop-message", on, act(Fault::Drop), false) }
                { button(t(lang, "duplicate-message"), "duplicate-message", on, act(Fault::Duplicate), false) }
                { button(t(lang, "delay-message"), "delay-message", on, act(Fault::Delay { ms: 1000 }), false) }
                { close(lang, on) }
            </div>
        </div>
    }
}
