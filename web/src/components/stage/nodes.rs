//! The nodes on the stage: a disc per node with its id, the timer running on it, its role and
//! offsets in words where there is room, and the marks of a slow, paused or non-voting node.

use super::layout::node_radius;
use super::placement::{label_box, text_width, Placer, Rect};
use super::svg;
use crate::i18n::{role_label, seconds, t, Lang};
use crate::state::{use_dispatch, Msg, Selected};
use kraft_core::protocol::{ClusterMode, NodeKind, Slot};
use kraft_core::sim::capture::role_word;
use kraft_core::sim::{SimNode, Simulation};
use kraft_core::{Epoch, NodeId, Role};
use std::rc::Rc;
use yew::prelude::*;

/// A word beside a node, placed on the stage (its baseline's centre).
#[derive(Clone, PartialEq)]
pub struct Label {
    pub class: &'static str,
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub text: String,
}

/// A node as drawn.
#[derive(Clone, PartialEq)]
pub struct Glyph {
    pub id: NodeId,
    pub at: (f64, f64),
    pub r: f64,
    pub kind: &'static str,
    /// The role word (`role_word`), in English: the `data-role` test hook keeps it.
    pub role: String,
    pub alive: bool,
    pub paused: bool,
    pub epoch: Epoch,
    pub leo: u64,
    pub hw: Option<u64>,
    pub leader: Option<NodeId>,
    /// A controller in (or outside) the voter set in force; None for other nodes.
    pub voter: Option<bool>,
    /// How late every message reaches a slow node.
    pub slow_ms: Option<u64>,
    /// ZooKeeper mode: the broker acting as controller.
    pub zk_controller: bool,
    /// The broker in the same process, fenced or not (combined nodes).
    pub broker_badge: Option<&'static str>,
    /// The running timeout's arc: the dash pattern (as drawn) and the timeout's name.
    pub timer: Option<(String, &'static str)>,
    pub selected: bool,
    pub labels: Vec<Label>,
}

/// How the stage is drawn for this cluster's size.
#[derive(Clone, Copy)]
pub struct Density {
    /// Many nodes: smaller discs, no message labels.
    pub big: bool,
    /// Controllers say their role, leader and offsets in words.
    pub wordy: bool,
    /// Brokers do.
    pub wordy_brokers: bool,
}

/// A combined node's broker role word (fenced / unfenced); None for other nodes.
fn broker_word(n: &SimNode) -> Option<&'static str> {
    (n.node.kind == NodeKind::Combined).then(|| {
        if n.node.broker_state().fenced {
            "fenced"
        } else {
            "unfenced"
        }
    })
}

/// Fraction of the running timeout that is left, and which timeout it is.
fn timer(sim: &Simulation, n: &SimNode) -> Option<(f64, &'static str)> {
    if !n.alive || !n.node.kind.runs_controller() {
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

/// The words under (and above) a node.
fn labels(sim: &Simulation, lang: Lang, n: &SimNode, at: (f64, f64), d: Density) -> Vec<Label> {
    let (x, y) = at;
    let id = n.node.id;
    let r = node_radius(n.node.kind, d.big);
    let mut v = Vec::new();
    let role = role_word(n);
    let hw = n
        .node
        .high_watermark()
        .filter(|_| n.alive)
        .map_or("—".to_string(), |h| h.to_string());
    let badge = zookeeper_badge(sim, n)
        .unwrap_or_else(|| format!("LEO {} · HW {hw}", n.node.log().end_offset()));
    let word = if !n.alive {
        t(lang, "offline").to_string()
    } else if n.paused_until.is_some() {
        format!("{} ({})", role_label(lang, &role), t(lang, "paused"))
    } else {
        role_label(lang, &role)
    };
    // A combined node says both roles: the controller's, then its broker's.
    let word = match broker_word(n) {
        Some(b) if n.alive => format!(
            "{word} · {} {}",
            t(lang, "broker-role"),
            role_label(lang, b)
        ),
        _ => word,
    };
    let label = |class, y, size, text| Label {
        class,
        x,
        y,
        size,
        text,
    };
    if n.node.kind.runs_controller() {
        v.push(label(
            "epoch",
            y - r - 10.0,
            12.0,
            format!("e{}", n.node.epoch()),
        ));
        if d.wordy {
            let mut line = y + r + 17.0;
            v.push(label("role", line, 12.0, word));
            if let Some(l) = n.node.leader_id().filter(|l| *l != id && n.alive) {
                line += 17.0;
                v.push(label("follows", line, 11.0, format!("→ {l}")));
            }
            line += 17.0;
            v.push(label("badge", line, 11.0, badge));
        }
    } else if d.wordy_brokers && !d.big {
        v.push(label("role", y + r + 13.0, 11.0, word));
        // Brokers stand 88 px apart: once the metadata log's offsets run to three digits
        // the badge says only what differs (the HW, and how far the LEO is past it).
        let badge = if text_width(&badge, 10.0) > 84.0 && zookeeper_badge(sim, n).is_none() {
            let leo = n.node.log().end_offset();
            match n.node.high_watermark().filter(|_| n.alive) {
                Some(h) if leo > h => format!("HW {h} +{}", leo - h),
                Some(h) => format!("HW {h}"),
                None => format!("LEO {leo}"),
            }
        } else {
            badge
        };
        v.push(label("badge", y + r + 29.0, 10.0, badge));
        // A crashed broker cannot say what the controller made of it: the committed
        // metadata does (fenced once its session expired).
        let fenced = sim
            .committed_image_ref()
            .and_then(|i| i.brokers.get(&id))
            .map(|b| b.fenced);
        if let Some(f) = fenced.filter(|_| !n.alive && sim.mode() == ClusterMode::Kraft) {
            let class = if f { "ctl-fenced" } else { "ctl-unfenced" };
            let text = t(lang, if f { "fenced" } else { "unfenced" }).to_string();
            v.push(label(class, y + r + 45.0, 11.0, text));
        }
    }
    v
}

/// A node as drawn at `at`; its words take their places first (message labels must not hide
/// them, nor the disc and its timer ring).
pub fn glyph(
    sim: &Simulation,
    lang: Lang,
    n: &SimNode,
    at: (f64, f64),
    d: Density,
    selected: Option<Selected>,
    placer: &mut Placer,
) -> Glyph {
    let (x, y) = at;
    let id = n.node.id;
    let r = node_radius(n.node.kind, d.big);
    let labels = labels(sim, lang, n, at, d);
    for l in &labels {
        placer.reserve(label_box(l.x, l.y, &l.text, l.size));
    }
    let disc = r + 8.0;
    placer.reserve(Rect {
        x0: x - disc,
        y0: y - disc,
        x1: x + disc,
        y1: y + disc,
    });
    let zk_controller =
        sim.mode() == ClusterMode::Zookeeper && sim.controller().is_some_and(|(c, _)| c == id);
    Glyph {
        id,
        at,
        r,
        kind: match n.node.kind {
            NodeKind::Controller => "controller",
            NodeKind::Broker => "broker",
            NodeKind::Combined => "combined",
            NodeKind::Zookeeper => "zookeeper",
        },
        role: role_word(n),
        alive: n.alive,
        paused: n.paused_until.is_some(),
        epoch: n.node.epoch(),
        leo: n.node.log().end_offset(),
        hw: n.node.high_watermark().filter(|_| n.alive),
        leader: n.node.leader_id(),
        // A controller outside the voter set in force (an observer, or one on a new disk) is
        // drawn apart from the voters.
        voter: n.node.kind.runs_controller().then(|| {
            sim.current_voters()
                .iter()
                .any(|v| v.is(id, n.node.directory_id()))
        }),
        slow_ms: sim.slow_nodes().get(&id).copied(),
        zk_controller,
        broker_badge: broker_word(n).filter(|_| n.alive),
        timer: timer(sim, n).map(|(left, name)| {
            let circ = 2.0 * std::f64::consts::PI * (r + 5.0);
            (
                format!("{} {}", svg::num(circ * left), svg::num(circ)),
                name,
            )
        }),
        selected: selected == Some(Selected::Node(id)),
        labels,
    }
}

/// ZooKeeper mode's line under a node: the ensemble's last transaction id; a broker's metadata
/// cache (the controller epoch it obeys, and who leads, for a partition or two) — what a client
/// asking that broker would be told.
fn zookeeper_badge(sim: &Simulation, n: &SimNode) -> Option<String> {
    if n.node.kind == NodeKind::Zookeeper {
        return Some(format!("zxid {}", sim.ensemble()?.store.zxid()));
    }
    let z = n.node.zk()?;
    let cache = &n.node.image().topics;
    let count: usize = cache.values().map(|t| t.partitions.len()).sum();
    // One partition: who leads it, as this broker would tell a client (the partition strip names
    // it). More would not fit under a broker: the controller epoch it obeys matters most then.
    let only = cache.values().flat_map(|t| &t.partitions).next();
    let (1, Some(p)) = (count, only) else {
        return Some(format!("e{}", z.controller_epoch_seen));
    };
    let leaders = format!("→{}", p.leader.map_or("—".to_string(), |l| l.to_string()));
    Some(format!("e{} · {leaders}", z.controller_epoch_seen))
}

#[derive(Properties, PartialEq)]
pub struct NodeGlyphProps {
    pub lang: Lang,
    pub glyph: Rc<Glyph>,
}

/// One node: re-drawn only when something it shows changed.
#[function_component(NodeGlyph)]
pub fn node_glyph(p: &NodeGlyphProps) -> Html {
    let on = use_dispatch();
    let (lang, g) = (p.lang, &p.glyph);
    let id = g.id;
    let (x, y) = g.at;
    let r = g.r;
    let role = &g.role;
    let hw = g.hw.map(|h| h.to_string()).unwrap_or_default();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        on.emit(Msg::Select(Some(Selected::Node(id))))
    });
    let arc = g.timer.as_ref().map(|(dash, name)| {
        html! {
            <circle class={classes!("timer", *name)} r={(r + 5.0).to_string()}
                stroke-dasharray={dash.clone()} transform="rotate(-90)">
                <title>{ t(lang, &format!("timer-{name}")) }</title>
            </circle>
        }
    });
    let word = role_label(lang, role);
    // A slow node (Action::Slow) wears a small clock at its top right.
    let slow_badge = g.slow_ms.map(|ms| {
        let tip = t(lang, "slow-node")
            .replace("{node}", &id.to_string())
            .replace("{seconds}", &seconds(ms, if ms % 1000 == 0 { 0 } else { 1 }));
        let (bx, by) = (r * 0.8, -r * 0.8);
        html! {
            <g class="slow-badge" data-testid="slow-badge" transform={format!("translate({},{})", svg::num(bx), svg::num(by))}>
                <title>{ tip }</title>
                <circle r="7" />
                { svg::line("hand", (0.0, 0.0), (0.0, -4.5)) }
                { svg::line("hand", (0.0, 0.0), (3.5, 0.0)) }
            </g>
        }
    });
    html! {
        <g class={classes!("node", g.kind, role.clone(), g.paused.then_some("paused"), g.slow_ms.is_some().then_some("slow"), g.selected.then_some("selected"), (g.voter == Some(false)).then_some("non-voter"), g.zk_controller.then_some("zk-controller"))}
           data-controller={g.zk_controller.then_some("true")}
           data-node-id={id.to_string()} data-kind={g.kind} data-role={role.clone()} data-voter={g.voter.map(|v| v.to_string())}
           data-slow={g.slow_ms.map(|ms| ms.to_string())}
           data-epoch={g.epoch.to_string()} data-alive={g.alive.to_string()}
           data-hw={hw.clone()} data-leo={g.leo.to_string()} data-leader={g.leader.map(|l| l.to_string()).unwrap_or_default()}
           transform={format!("translate({},{})", svg::num(x), svg::num(y))} onclick={onclick} role="button" tabindex="0">
            <title>{ format!("{id}: {word} · {} {} · {} {} · LEO {} · HW {}", t(lang, "epoch"), g.epoch, t(lang, "leader"), g.leader.map_or("—".into(), |l| l.to_string()), g.leo, if hw.is_empty() { "—" } else { &hw }) }</title>
            { for arc }
            if g.zk_controller {
                <circle class="controller-ring" r={(r + 4.0).to_string()} />
            }
            <circle class="body" r={r.to_string()} />
            if let Some(b) = g.broker_badge {
                // The broker in the same process: a small square on the controller's disc.
                <rect class={classes!("broker-badge", b)} x={svg::num(r * 0.45)} y={svg::num(r * 0.3)} width="13" height="13" rx="2" />
            }
            <text class="id" dy="5">{ id }</text>
            { for slow_badge }
            { for g.labels.iter().map(|l| svg::text(l.class, l.x - x, l.y - y, l.text.clone())) }
        </g>
    }
}
