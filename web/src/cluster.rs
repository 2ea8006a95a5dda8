//! The cluster as an SVG picture: controllers on a ring, brokers in a row, links you can click,
//! messages travelling along them, and a timer arc on each node. Drawn from core state only.

use crate::i18n::t;
use crate::model::Selected;
use crate::store::{use_store, Msg};
use kraft_core::protocol::message::{FetchBody, Message};
use kraft_core::protocol::{NodeKind, Slot};
use kraft_core::sim::capture::role_word;
use kraft_core::sim::{SimNode, Simulation};
use kraft_core::{NodeId, Role};
use std::collections::BTreeMap;
use yew::prelude::*;

pub const WIDTH: f64 = 840.0;
pub const HEIGHT: f64 = 580.0;

/// Where each node sits.
pub fn layout(sim: &Simulation) -> BTreeMap<NodeId, (f64, f64)> {
    let mut pos = BTreeMap::new();
    let controllers: Vec<NodeId> = sim.spec().controllers.clone();
    let brokers: Vec<NodeId> = sim.spec().brokers.clone();
    let n = controllers.len() as f64;
    let (cx, cy) = (
        WIDTH / 2.0,
        if brokers.is_empty() {
            HEIGHT / 2.0
        } else {
            240.0
        },
    );
    let r = if n <= 1.0 {
        0.0
    } else {
        (45.0 * n).clamp(110.0, 170.0)
    };
    for (i, id) in controllers.iter().enumerate() {
        let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n.max(1.0);
        pos.insert(*id, (cx + r * a.cos(), cy + r * a.sin()));
    }
    let m = brokers.len();
    // Up to 20 brokers a row.
    for (i, id) in brokers.iter().enumerate() {
        let (row, col) = (i / 20, i % 20);
        let in_row = (m - row * 20).min(20) as f64;
        let x = WIDTH / 2.0 + (col as f64 - (in_row - 1.0) / 2.0) * 40.0;
        pos.insert(*id, (x, 495.0 + row as f64 * 40.0));
    }
    pos
}

fn short_label(msg: &Message) -> String {
    match msg {
        Message::FetchResponse(r) => match &r.body {
            FetchBody::DivergingEpoch { .. } => "Diverging".into(),
            FetchBody::SnapshotId { .. } => "SnapshotId".into(),
            FetchBody::Error { .. } => "Fetch✗".into(),
            FetchBody::Records { entries, .. } if !entries.is_empty() => {
                format!("+{}", entries.len())
            }
            FetchBody::Records { .. } => "Fetch↩".into(),
        },
        Message::VoteResponse(v) => format!(
            "{}{}",
            if v.pre_vote { "PreVote" } else { "Vote" },
            if v.granted { "✓" } else { "✗" }
        ),
        Message::BeginQuorumEpoch(_) => "BeginEpoch".into(),
        Message::EndQuorumEpoch(_) => "EndEpoch".into(),
        Message::EndQuorumEpochResponse(_) => "EndEpoch↩".into(),
        Message::FetchSnapshotResponse(_) => "Chunk".into(),
        Message::BrokerHeartbeat(_) => "Heartbeat".into(),
        Message::BrokerHeartbeatResponse(_) => "HB↩".into(),
        Message::BrokerRegistration(_) => "Register".into(),
        Message::BrokerRegistrationResponse(_) => "Reg↩".into(),
        other => other.rpc().into(),
    }
}

/// Fraction of the running timeout that is left, and which timeout it is.
fn timer(sim: &Simulation, n: &SimNode) -> Option<(f64, &'static str)> {
    if !n.alive || n.node.kind != NodeKind::Controller {
        return None;
    }
    let cfg = sim.config();
    let (slot, full, name) = match n.node.role() {
        Role::Follower => (Slot::FetchTimeout, cfg.fetch_timeout_ms, "fetch"),
        Role::Leader => (Slot::CheckQuorum, cfg.check_quorum_ms(), "check-quorum"),
        _ => (Slot::Election, 2 * cfg.election_timeout_ms, "election"),
    };
    let deadline = n.node.timer_deadline(slot)?;
    let left = deadline.saturating_sub(sim.now()) as f64;
    Some(((left / full as f64).clamp(0.0, 1.0), name))
}

#[function_component(ClusterView)]
pub fn cluster_view() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let sim = m.sim();
    let lang = m.lang;
    let pos = layout(sim);
    let big = sim.nodes().len() > 20;
    let controllers = &sim.spec().controllers;

    let mut links = Vec::new();
    for (i, a) in controllers.iter().enumerate() {
        for b in &controllers[i + 1..] {
            links.push((*a, *b));
        }
    }
    // A broker's link: to the controller it fetches from.
    for n in sim
        .nodes()
        .iter()
        .filter(|n| n.node.kind == NodeKind::Broker)
    {
        if let Some(l) = n.node.leader_id().filter(|_| n.alive) {
            links.push((n.node.id, l));
        }
    }
    let link_html = links.iter().map(|(a, b)| {
        let ((x1, y1), (x2, y2)) = (pos[a], pos[b]);
        let ab = sim.is_link_up(*a, *b);
        let ba = sim.is_link_up(*b, *a);
        let state = match (ab, ba) {
            (true, true) => "up",
            (false, false) => "cut",
            _ => "half",
        };
        let selected = m.selected == Some(Selected::Link(*a, *b));
        let onclick = {
            let (on, a, b) = (on.clone(), *a, *b);
            Callback::from(move |_| on.emit(Msg::Select(Some(Selected::Link(a, b)))))
        };
        let broker_link = !controllers.contains(a);
        let title = match (ab, ba) {
            (true, true) => format!("{a} ⇄ {b}"),
            (false, false) => format!("{a} ⇸ {b}, {b} ⇸ {a}"),
            (false, true) => format!("{a} ⇸ {b}"),
            (true, false) => format!("{b} ⇸ {a}"),
        };
        html! {
            <g class={classes!("link", state, broker_link.then_some("broker-link"), selected.then_some("selected"))}
               data-link={format!("{a}-{b}")} data-state={state} onclick={onclick}>
                <title>{ title }</title>
                <line class="hit" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                <line class="wire" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                if state == "half" {
                    // Mark the dead direction near its sender.
                    { { let (sx, sy, tx, ty) = if ab { (x2, y2, x1, y1) } else { (x1, y1, x2, y2) };
                        let (mx, my) = (sx + (tx - sx) * 0.3, sy + (ty - sy) * 0.3);
                        html!{ <text class="cut-mark" x={mx.to_string()} y={my.to_string()}>{"✂"}</text> } } }
                }
            </g>
        }
    });

    let now = sim.now() as f64;
    let messages = sim.in_flight().filter_map(|(env, at)| {
        let (&(x1, y1), &(x2, y2)) = (pos.get(&env.from)?, pos.get(&env.to)?);
        let span = (at as f64 - env.sent_at as f64).max(1.0);
        let f = ((now - env.sent_at as f64) / span).clamp(0.0, 1.0);
        let (x, y) = (x1 + (x2 - x1) * f, y1 + (y2 - y1) * f);
        let rpc = env.msg.rpc();
        Some(html! {
            <g class={classes!("msg", format!("rpc-{rpc}"))} transform={format!("translate({x:.1},{y:.1})")} data-rpc={rpc}>
                <title>{ format!("{} → {} {}: {}", env.from, env.to, rpc, crate::i18n::message_summary(lang, &env.msg)) }</title>
                <circle r="5" />
                if !big { <text y="-8">{ short_label(&env.msg) }</text> }
            </g>
        })
    });

    let nodes = sim.nodes().iter().map(|n| {
        let (x, y) = pos[&n.node.id];
        let id = n.node.id;
        let role = role_word(n);
        let r = match (n.node.kind, big) {
            (NodeKind::Controller, false) => 28.0,
            (NodeKind::Controller, true) => 22.0,
            (NodeKind::Broker, _) => 15.0,
        };
        let hw = n.node.high_watermark().filter(|_| n.alive).map(|h| h.to_string()).unwrap_or_default();
        let leo = n.node.log().end_offset();
        let kind = match n.node.kind {
            NodeKind::Controller => "controller",
            NodeKind::Broker => "broker",
        };
        let selected = m.selected == Some(Selected::Node(id));
        let onclick = {
            let on = on.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                on.emit(Msg::Select(Some(Selected::Node(id))))
            })
        };
        let arc = timer(sim, n).map(|(left, name)| {
            let circ = 2.0 * std::f64::consts::PI * (r + 5.0);
            html! {
                <circle class={classes!("timer", name)} r={(r + 5.0).to_string()}
                    stroke-dasharray={format!("{:.1} {:.1}", circ * left, circ)} transform="rotate(-90)">
                    <title>{ t(lang, &format!("timer-{name}")) }</title>
                </circle>
            }
        });
        let label = if !n.alive {
            t(lang, "offline").to_string()
        } else if n.paused_until.is_some() {
            format!("{} ({})", crate::i18n::role_label(lang, &role), t(lang, "paused"))
        } else {
            crate::i18n::role_label(lang, &role)
        };
        html! {
            <g class={classes!("node", kind, role.clone(), n.paused_until.is_some().then_some("paused"), selected.then_some("selected"))}
               data-node-id={id.to_string()} data-kind={kind} data-role={role.clone()}
               data-epoch={n.node.epoch().to_string()} data-alive={n.alive.to_string()}
               data-hw={hw} data-leo={leo.to_string()} data-leader={n.node.leader_id().map(|l| l.to_string()).unwrap_or_default()}
               transform={format!("translate({x:.1},{y:.1})")} onclick={onclick} role="button" tabindex="0">
                <title>{ format!("{id}: {label} · {} {} · {} {} · LEO {leo}", t(lang, "epoch"), n.node.epoch(), t(lang, "leader"), n.node.leader_id().map_or("—".into(), |l| l.to_string())) }</title>
                { for arc }
                <circle class="body" r={r.to_string()} />
                <text class="id" dy="5">{ id }</text>
                if n.node.kind == NodeKind::Controller {
                    <text class="epoch" y={(-r - 10.0).to_string()}>{ format!("e{}", n.node.epoch()) }</text>
                    <text class="role" y={(r + 17.0).to_string()}>{ label }</text>
                    if let Some(l) = n.node.leader_id().filter(|l| *l != id && n.alive) {
                        <text class="follows" y={(r + 30.0).to_string()}>{ format!("→ {l}") }</text>
                    }
                }
            </g>
        }
    });

    let deselect = {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} data-testid="cluster" onclick={deselect.clone()}
             role="img" aria-label={t(lang, "cluster-view")}>
            <rect class="backdrop" x="0" y="0" width={WIDTH.to_string()} height={HEIGHT.to_string()} />
            <text class="clock" x="12" y="24">{ format!("t = {:.3} s", sim.now() as f64 / 1000.0) }</text>
            <g onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                { for link_html }
                { for messages }
                { for nodes }
            </g>
        </svg>
    }
}
