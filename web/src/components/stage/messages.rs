//! The messages on the wire: a dot travelling along its link, labelled with what it carries
//! where the label fits (small clusters), clickable to drop, duplicate or delay it.

use super::layout::{along, bend};
use super::placement::{text_width, Placer};
use super::svg;
use crate::i18n::{message_summary, Lang};
use crate::state::{Msg, Selected};
use kraft_core::protocol::message::{FetchBody, Message};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use std::collections::BTreeMap;
use yew::prelude::*;

/// A message as drawn: where its dot is now, and its label's spot if it has one.
#[derive(Clone, PartialEq)]
pub struct Dot {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub rpc: &'static str,
    /// What it says, for its hover.
    pub summary: String,
    pub at: (f64, f64),
    pub label: Option<(String, (f64, f64))>,
    pub selected: bool,
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

/// The messages in flight, placed along their links between the nodes at `pos`; labels (not in
/// big clusters) take the first free spot beside their dot, or none.
pub fn place(
    sim: &Simulation,
    lang: Lang,
    pos: &BTreeMap<NodeId, (f64, f64)>,
    big: bool,
    selected: Option<Selected>,
    placer: &mut Placer,
) -> Vec<Dot> {
    let controllers = &sim.spec().controllers;
    let now = sim.now() as f64;
    sim.in_flight()
        .filter_map(|(env, at)| {
            let (&(x1, y1), &(x2, y2)) = (pos.get(&env.from)?, pos.get(&env.to)?);
            let span = (at as f64 - env.sent_at as f64).max(1.0);
            let f = ((now - env.sent_at as f64) / span).clamp(0.0, 1.0);
            let between_brokers =
                !controllers.contains(&env.from) && !controllers.contains(&env.to);
            let (x, y) = along(
                (x1, y1),
                (x2, y2),
                bend((x1, y1), (x2, y2), between_brokers),
                f,
            );
            let label = (!big).then(|| short_label(&env.msg)).and_then(|text| {
                let w = text_width(&text, 10.0) / 2.0;
                let spots = [
                    (x, y - 8.0),
                    (x, y + 16.0),
                    (x + 8.0 + w, y + 4.0),
                    (x - 8.0 - w, y + 4.0),
                ];
                let spot = placer.place(&spots, &text, 10.0)?;
                Some((text, spot))
            });
            Some(Dot {
                id: env.id,
                from: env.from,
                to: env.to,
                rpc: env.msg.rpc(),
                summary: message_summary(lang, &env.msg),
                at: (x, y),
                label,
                selected: selected == Some(Selected::Message(env.id)),
            })
        })
        .collect()
}

/// A message's dot (they move every frame: drawn with the stage, not apart).
pub fn dot(on: &Callback<Msg>, d: &Dot) -> Html {
    // A click picks this very message: the menu offers drop, duplicate and delay.
    let id = d.id;
    let onclick = {
        let on = on.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on.emit(Msg::Select(Some(Selected::Message(id))))
        })
    };
    let rpc = d.rpc;
    let (x, y) = d.at;
    html! {
        <g class={classes!("msg", format!("rpc-{rpc}"), d.selected.then_some("selected"))} data-rpc={rpc}
           data-msg-id={id.to_string()} onclick={onclick} role="button">
            <title>{ format!("{} → {} {}: {}", d.from, d.to, rpc, d.summary) }</title>
            <circle r="5" cx={svg::num(x)} cy={svg::num(y)} />
            if let Some((text, (lx, ly))) = d.label.clone() {
                { svg::text("", lx, ly, text) }
            }
        </g>
    }
}
