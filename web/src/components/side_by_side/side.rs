//! One side of the side-by-side view: its readout (how long its partitions could not change
//! leader), the failover as a bar, and its picture (the ensemble or the controllers above the
//! brokers, the controller ringed, crashed nodes greyed).

use crate::i18n::{seconds, t, Lang};
use kraft_core::protocol::ClusterMode;
use kraft_core::sim::twins::{Side, Stage, BROKERS};
use kraft_core::{NodeId, Time};
use yew::prelude::*;

/// A node of a side's picture.
#[derive(Clone, PartialEq)]
pub struct SideNode {
    pub id: NodeId,
    pub at: (f64, f64),
    pub label: String,
    /// "ctl" (a KRaft controller) or "brk".
    pub kind: &'static str,
    pub alive: bool,
    pub controller: bool,
}

/// The failover as a bar: the first part (ZooKeeper: the session expiring; KRaft: the
/// election), then (ZooKeeper) the new controller's load from `split` to `end`.
#[derive(Clone, PartialEq)]
pub struct Bar {
    pub first: Time,
    pub first_key: &'static str,
    pub split: Option<Time>,
    pub end: Time,
}

/// One side as the view shows it.
#[derive(Clone, PartialEq)]
pub struct SideView {
    pub mode: ClusterMode,
    pub stage: Stage,
    pub controller: Option<(NodeId, u32)>,
    pub controller_ready: bool,
    pub crashed: Option<NodeId>,
    /// How long the last failover took, once over.
    pub failover_ms: Option<Time>,
    /// How long the failover in progress has waited so far.
    pub waiting_ms: Option<Time>,
    pub offline: Option<usize>,
    /// The readout: a big line and a small one under it.
    pub big: String,
    pub small: String,
    pub bar: Option<Bar>,
    /// ZooKeeper mode: whether the ensemble runs (it is drawn above the brokers).
    pub ensemble_alive: Option<bool>,
    pub nodes: Vec<SideNode>,
}

/// One side, read from core at `now`.
pub fn side_view(side: &Side, now: Time, lang: Lang) -> SideView {
    let f = side.failover;
    let (big, small) = readout(side, now, lang);
    SideView {
        mode: side.mode(),
        stage: side.stage,
        controller: side.sim.controller(),
        controller_ready: side.sim.controller_ready(),
        crashed: f.map(|f| f.crashed),
        failover_ms: f.and_then(|f| f.ready_at.map(|r| r - f.at)),
        waiting_ms: f.filter(|f| f.ready_at.is_none()).map(|f| f.waited_ms(now)),
        offline: side.offline_partitions(),
        big,
        small,
        bar: bar(side, now),
        ensemble_alive: (side.mode() == ClusterMode::Zookeeper)
            .then(|| side.sim.node(0).is_some_and(|n| n.alive)),
        nodes: nodes(side),
    }
}

/// What one side's readout says.
fn readout(side: &Side, now: Time, lang: Lang) -> (String, String) {
    let setting_up = match side.stage {
        Stage::Starting => Some(t(lang, "sbs-starting").to_string()),
        Stage::Creating => {
            let have = match side.mode() {
                ClusterMode::Zookeeper => side.load_progress().map_or(0, |(n, _)| n),
                ClusterMode::Kraft => side
                    .sim
                    .controllers()
                    .map(|n| {
                        n.node
                            .image()
                            .topic_by_name(kraft_core::sim::twins::TOPIC)
                            .map_or(0, |t| t.partitions.len())
                    })
                    .min()
                    .unwrap_or(0),
            };
            Some(format!(
                "{} {} / {}",
                t(lang, "sbs-creating"),
                thousands(have),
                thousands(side.partitions as usize)
            ))
        }
        Stage::Ready => None,
    };
    if let Some(s) = setting_up {
        return (s, String::new());
    }
    match side.failover {
        None => (t(lang, "sbs-steady").to_string(), String::new()),
        Some(f) => {
            let waited = seconds(f.waited_ms(now), 1);
            match f.ready_at {
                Some(_) => (
                    format!("{} {waited} s", t(lang, "sbs-failover-took")),
                    match (side.mode(), f.elected_at, f.ready_at) {
                        (ClusterMode::Zookeeper, Some(e), Some(r)) => format!(
                            "{} {} s · {} {} s · {} {}",
                            t(lang, "sbs-detect"),
                            seconds(e - f.at, 1),
                            t(lang, "sbs-load"),
                            seconds(r - e, 1),
                            thousands(f.zk_calls as usize),
                            t(lang, "sbs-calls")
                        ),
                        _ => t(lang, "sbs-kraft-why").to_string(),
                    },
                ),
                None => (
                    format!("{} {waited} s", t(lang, "sbs-waiting")),
                    match (side.mode(), side.load_progress()) {
                        (ClusterMode::Zookeeper, Some((have, all))) => format!(
                            "{} {} / {}",
                            t(lang, "sbs-loading"),
                            thousands(have),
                            thousands(all)
                        ),
                        (ClusterMode::Zookeeper, None) => t(lang, "sbs-session").to_string(),
                        _ => t(lang, "sbs-electing").to_string(),
                    },
                ),
            }
        }
    }
}

/// The failover's bar: in ZooKeeper mode the wait for the session to expire, then the new
/// controller's load; in KRaft the election.
fn bar(side: &Side, now: Time) -> Option<Bar> {
    let f = side.failover?;
    let end = f.waited_ms(now);
    let split = match side.mode() {
        // Once done, when the successor won; while loading, when the one loading won.
        ClusterMode::Zookeeper => f
            .elected_at
            .or_else(|| {
                let (c, _) = side.sim.controller().filter(|(c, _)| *c != f.crashed)?;
                Some(side.sim.node(c)?.node.zk_controller()?.elected_at)
            })
            .map(|e| e.saturating_sub(f.at).min(end)),
        ClusterMode::Kraft => None,
    };
    let (first, first_key) = match (side.mode(), split) {
        (ClusterMode::Zookeeper, Some(s)) => (s, "sbs-bar-session"),
        (ClusterMode::Zookeeper, None) => (end, "sbs-bar-session"),
        (ClusterMode::Kraft, _) => (end, "sbs-bar-election"),
    };
    Some(Bar {
        first,
        first_key,
        split,
        end,
    })
}

/// Width of a side's picture: a broker every 100 px.
const PICTURE_W: f64 = 100.0 * BROKERS as f64;

/// The picture's nodes: the controllers (KRaft) in a row above the brokers.
fn nodes(side: &Side) -> Vec<SideNode> {
    let sim = &side.sim;
    let controller = sim.controller().map(|(c, _)| c);
    let node = |id: NodeId, at: (f64, f64), label: String, kind: &'static str| SideNode {
        id,
        at,
        label,
        kind,
        alive: sim.node(id).is_some_and(|n| n.alive),
        controller: controller == Some(id),
    };
    let top = match side.mode() {
        ClusterMode::Kraft => sim.spec().controllers.clone(),
        ClusterMode::Zookeeper => Vec::new(),
    };
    let controllers = top.iter().enumerate().map(|(i, id)| {
        let x = PICTURE_W / 2.0 + (i as f64 - 1.0) * 110.0;
        node(*id, (x, 45.0), format!("C{id}"), "ctl")
    });
    let brokers = sim
        .spec()
        .brokers
        .iter()
        .enumerate()
        .map(|(i, id)| node(*id, (50.0 + 100.0 * i as f64, 150.0), id.to_string(), "brk"));
    controllers.chain(brokers).collect()
}

/// The bar drawn on a scale both sides share.
pub fn bar_view(b: &Bar, scale_ms: Time, lang: Lang) -> Html {
    let width = 600.0;
    let x = |ms: Time| width * ms as f64 / scale_ms.max(1) as f64;
    let (first, split, end) = (b.first, b.split, b.end);
    html! {
        <svg class="sbs-bar" viewBox={format!("0 0 {width} 34")}>
            <rect class="first" x="0" y="4" width={x(first).to_string()} height="16" />
            if let Some(s) = split {
                <rect class="load" x={x(s).to_string()} y="4" width={x(end - s).to_string()} height="16" />
            }
            <text x="2" y="32">{ format!("{} {} s", t(lang, b.first_key), seconds(first, 1)) }</text>
            if let Some(s) = split {
                <text x={x(s).max(160.0).min(width - 150.0).to_string()} y="32">
                    { format!("{} {} s", t(lang, "sbs-bar-load"), seconds(end - s, 1)) }
                </text>
            }
        </svg>
    }
}

/// A side's picture.
pub fn picture(side: &SideView, lang: Lang) -> Html {
    let node = |n: &SideNode| {
        let (x, y) = n.at;
        let class = format!(
            "sbs-node {}{}{}",
            n.kind,
            if n.alive { "" } else { " down" },
            if n.controller { " controller" } else { "" }
        );
        html! {
            <g class={class} data-node-id={n.id.to_string()} data-alive={n.alive.to_string()}
                data-controller={n.controller.to_string()}>
                if n.controller {
                    <circle class="ring" cx={x.to_string()} cy={y.to_string()} r="27" />
                }
                <circle cx={x.to_string()} cy={y.to_string()} r="21" />
                <text x={x.to_string()} y={(y + 5.0).to_string()} text-anchor="middle">{ n.label.clone() }</text>
            </g>
        }
    };
    let width = PICTURE_W;
    let ensemble = side.ensemble_alive.map(|alive| {
        html! {
            <g class={if alive { "sbs-zk" } else { "sbs-zk down" }} data-node-id="0">
                <rect x={(width / 2.0 - 80.0).to_string()} y="22" width="160" height="46" rx="8" />
                <text x={(width / 2.0).to_string()} y="50" text-anchor="middle">{ "ZooKeeper" }</text>
            </g>
        }
    });
    let caption = match side.mode {
        ClusterMode::Kraft => t(lang, "sbs-kraft-caption"),
        ClusterMode::Zookeeper => t(lang, "sbs-zk-caption"),
    };
    html! {
        <svg class="sbs-svg" viewBox={format!("0 0 {width} 200")} role="img" aria-label={caption.to_string()}>
            { for ensemble }
            { for side.nodes.iter().map(node) }
            <text class="sbs-caption" x={(width / 2.0).to_string()} y="194" text-anchor="middle">{ caption }</text>
        </svg>
    }
}

/// A count with thousands separated: 100,000.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
