//! The cluster as an SVG picture: controllers on a ring, brokers in a row, links you can click,
//! messages travelling along them, and a timer arc on each node. Drawn from core state only.

use crate::i18n::t;
use crate::placement::{label_box, text_width, Placer, Rect};
use crate::state::Selected;
use crate::state::{use_store, Msg};
use crate::svg;
use kraft_core::protocol::event::VoteReason;
use kraft_core::protocol::message::{FetchBody, Message};
use kraft_core::protocol::zk_ensemble::ENSEMBLE;
use kraft_core::protocol::{ClusterMode, NodeKind, Slot};
use kraft_core::sim::capture::role_word;
use kraft_core::sim::{SimNode, Simulation};
use kraft_core::{NodeId, Role, TraceKind};
use std::collections::BTreeMap;
use yew::prelude::*;

pub const WIDTH: f64 = 840.0;
pub const HEIGHT: f64 = 600.0;
/// Rows of the progress box: a CJK font's line box is about 1.45 em.
const ROW: f64 = 15.0;
/// Up to this many controllers, each shows its role, leader and LEO/HW in words.
const WORDY_CONTROLLERS: usize = 9;
/// Up to this many brokers, each shows its state and LEO/HW in words (they sit further apart).
const WORDY_BROKERS: usize = 9;

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
            245.0
        },
    );
    let r = if n <= 1.0 {
        0.0
    } else {
        (45.0 * n).clamp(110.0, 175.0)
    };
    for (i, id) in controllers.iter().enumerate() {
        let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n.max(1.0);
        pos.insert(*id, (cx + r * a.cos(), cy + r * a.sin()));
    }
    // ZooKeeper mode: no controller ring; the ensemble sits above the brokers.
    if sim.mode() == ClusterMode::Zookeeper {
        pos.insert(ENSEMBLE, (cx, cy));
    }
    let m = brokers.len();
    // Brokers sit in a row under the ring, just clear of the lowest controller's labels (the
    // stage is scaled to what it holds: no empty band makes the picture smaller).
    let lowest = pos.values().map(|p| p.1).fold(cy, f64::max);
    let top = lowest
        + if controllers.len() <= WORDY_CONTROLLERS {
            140.0
        } else {
            90.0
        };
    // Few brokers sit far apart (room for their words); many go up to 20 a row.
    let (per_row, gap) = if m <= WORDY_BROKERS {
        (WORDY_BROKERS, 88.0)
    } else {
        (20, 40.0)
    };
    for (i, id) in brokers.iter().enumerate() {
        let (row, col) = (i / per_row, i % per_row);
        let in_row = (m - row * per_row).min(per_row) as f64;
        let x = WIDTH / 2.0 + (col as f64 - (in_row - 1.0) / 2.0) * gap;
        let y = top + row as f64 * 36.0;
        pos.insert(*id, (x, y));
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

/// Where a link bends: replication links between brokers (which sit in a row) arc above it, so
/// 101–103 does not run through 102. None for a straight link.
fn bend(a: (f64, f64), b: (f64, f64), between_brokers: bool) -> Option<(f64, f64)> {
    between_brokers.then(|| {
        let lift = 14.0 + 0.22 * (b.0 - a.0).abs();
        ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0 - lift)
    })
}

/// The point a fraction `f` along a link (straight, or the arc through its control point).
fn along(a: (f64, f64), b: (f64, f64), c: Option<(f64, f64)>, f: f64) -> (f64, f64) {
    match c {
        None => (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f),
        Some(c) => {
            let g = 1.0 - f;
            (
                g * g * a.0 + 2.0 * g * f * c.0 + f * f * b.0,
                g * g * a.1 + 2.0 * g * f * c.1 + f * f * b.1,
            )
        }
    }
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

/// The votes of the election in progress (or just won), per candidate: (voter, candidate,
/// granted, pre-vote, why), from the trace since the candidate's last role change. One pass
/// over the recent trace for all candidates: this runs every frame.
fn votes(sim: &Simulation) -> Vec<(NodeId, NodeId, bool, bool, VoteReason)> {
    let now = sim.now();
    // A candidate's scan ends at its `needed`-th role change (campaigners: the change that made
    // them so; leaders: the one before becoming leader, shown for 1.5 s after winning).
    struct Scan {
        id: NodeId,
        needed: u32,
        seen: u32,
        relevant: bool,
        voters: Vec<(NodeId, (bool, bool, VoteReason))>,
    }
    let mut scans: Vec<Scan> = sim
        .controllers()
        .filter(|n| n.alive)
        .filter_map(|n| {
            let campaigning = matches!(n.node.role(), Role::Candidate | Role::Prospective);
            let leader = n.node.role() == Role::Leader;
            (campaigning || leader).then(|| Scan {
                id: n.node.id,
                needed: if campaigning { 1 } else { 2 },
                seen: 0,
                relevant: campaigning,
                voters: Vec::new(),
            })
        })
        .collect();
    let window = if scans.iter().any(|s| s.relevant) {
        5000
    } else {
        1500
    };
    for e in sim.trace().events().rev() {
        if e.time + window < now || scans.iter().all(|s| s.seen >= s.needed) {
            break;
        }
        match &e.kind {
            TraceKind::Role { node, to, .. } => {
                if let Some(s) = scans
                    .iter_mut()
                    .find(|s| s.id == *node && s.seen < s.needed)
                {
                    s.seen += 1;
                    if s.needed == 2 && s.seen == 1 {
                        s.relevant = *to == Role::Leader && e.time + 1500 >= now;
                    }
                }
            }
            TraceKind::VoteCast {
                voter,
                candidate,
                pre_vote,
                granted,
                reason,
                ..
            } if voter != candidate => {
                if let Some(s) = scans
                    .iter_mut()
                    .find(|s| s.id == *candidate && s.seen < s.needed)
                {
                    // The newest answer of each voter counts.
                    if !s.voters.iter().any(|(v, _)| v == voter) {
                        s.voters.push((*voter, (*granted, *pre_vote, *reason)));
                    }
                }
            }
            _ => {}
        }
    }
    scans
        .into_iter()
        .filter(|s| s.relevant)
        .flat_map(|s| {
            let id = s.id;
            s.voters
                .into_iter()
                .map(move |(v, (g, p, r))| (v, id, g, p, r))
        })
        .collect()
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
    let wordy = controllers.len() <= WORDY_CONTROLLERS;
    let wordy_brokers = sim.spec().brokers.len() <= WORDY_BROKERS;
    let has_topics = sim
        .committed_image_ref()
        .is_some_and(|i| !i.topics.is_empty());
    let strip_width = crate::stage_logs::size(sim)
        .map_or(0.0, |s| s.0 + 20.0)
        .max(if has_topics {
            crate::stage_partitions::WIDTH + 20.0
        } else {
            0.0
        });
    let vb = view_box(&pos, wordy || wordy_brokers, strip_width);
    let mut placer = Placer::default();
    // The log strip at the left, below the clock.
    let mut below = vb.y0 + 40.0;
    let strip = crate::stage_logs::strip(sim, lang, vb.x0 + 8.0, below).map(|(h, r)| {
        placer.reserve(r);
        below = r.y1 + 10.0;
        h
    });
    // The partition strip under it: the replicas' records.
    let partition_strip =
        crate::stage_partitions::strip(sim, lang, vb.x0 + 8.0, below).map(|(h, r)| {
            placer.reserve(r);
            h
        });
    let clock = format!("t = {} s", crate::i18n::seconds(sim.now(), 3));
    // Who votes now and what a commit needs: it changes with KIP-853's VotersRecords.
    let voter_ids: Vec<NodeId> = sim.current_voters().iter().map(|v| v.id).collect();
    let majority = voter_ids.len() / 2 + 1;
    let listed = voter_ids
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let quorum = if sim.mode() == ClusterMode::Zookeeper {
        zookeeper_line(sim, lang)
    } else {
        match lang {
            crate::i18n::Lang::Zh => format!(
                "{} {listed} · {} {} {} {majority} 个",
                t(lang, "voters"),
                t(lang, "hw-needs"),
                voter_ids.len(),
                t(lang, "of")
            ),
            crate::i18n::Lang::En => format!(
                "{} {listed} · {} {majority} {} {}",
                t(lang, "voters"),
                t(lang, "hw-needs"),
                t(lang, "of"),
                voter_ids.len()
            ),
        }
    };
    // On the clock's line, after it: the box of logs sits just below.
    let quorum_x = vb.x0 + 12.0 + text_width(&clock, 14.0) + 18.0;
    placer.reserve(Rect {
        x0: vb.x0,
        y0: vb.y0,
        x1: quorum_x + text_width(&quorum, 12.0),
        y1: vb.y0 + 32.0,
    });

    let mut links = Vec::new();
    for (i, a) in controllers.iter().enumerate() {
        for b in &controllers[i + 1..] {
            links.push((*a, *b));
        }
    }
    // ZooKeeper mode: every broker's session to the ensemble, and the controller's pushes to
    // each broker (both cuttable like any link).
    let zk_controller = sim
        .controller()
        .filter(|_| sim.mode() == ClusterMode::Zookeeper);
    if sim.mode() == ClusterMode::Zookeeper {
        for b in &sim.spec().brokers {
            links.push((*b, ENSEMBLE));
            if let Some((c, _)) = zk_controller.filter(|(c, _)| c != b) {
                links.push((c, *b));
            }
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
    // Replication: each partition follower to its leader (broker to broker), cuttable like any
    // link.
    if let Some(image) = sim.committed_image_ref() {
        for p in image.topics.values().flat_map(|t| &t.partitions) {
            let Some(l) = p.leader else { continue };
            for f in p.replicas.iter().filter(|f| **f != l) {
                if !links.contains(&(*f, l)) && !links.contains(&(l, *f)) {
                    links.push((*f, l));
                }
            }
        }
    }

    // The leader's view of each replica's progress, in a box at the top right.
    let leader = sim.acting_leader().and_then(|l| sim.node(l));
    let progress_box = leader.and_then(|l| {
        let progress = l.node.progress()?;
        let leo = l.node.log().end_offset().max(1);
        let rows: Vec<_> = progress.iter().filter(|(id, _)| **id != l.node.id).take(12).collect();
        if rows.is_empty() {
            return None;
        }
        let (x0, y0, w) = (vb.x1 - 178.0, vb.y0 + 8.0, 170.0);
        let h = 24.0 + rows.len() as f64 * ROW;
        placer.reserve(Rect { x0, y0, x1: x0 + w, y1: y0 + h });
        let title = format!("{} {} {}", t(lang, "sees-before"), l.node.id, t(lang, "sees-after"));
        Some(html! {
            <g class="progress-box" data-testid="leader-progress" transform={format!("translate({x0},{y0})")}>
                <title>{ t(lang, "legend-progress") }</title>
                <rect class="frame" width={w.to_string()} height={h.to_string()} rx="6" />
                <text class="head" x="8" y="15">{ format!("{title} · LEO {}", l.node.log().end_offset()) }</text>
                { for rows.iter().enumerate().map(|(i, (id, p))| {
                    let y = 22.0 + i as f64 * ROW;
                    let end = p.end_offset;
                    let frac = end.map_or(0.0, |e| (e as f64 / leo as f64).min(1.0));
                    let hover = match end {
                        Some(e) => format!("{id} {} {e}", t(lang, "fetched-to")),
                        None => format!("{id} {}", t(lang, "never-fetched")),
                    };
                    html! {
                        <g class={classes!("row", (!l.node.voters().contains(id)).then_some("observer"))} data-progress-node={id.to_string()} data-fetched={end.map(|e| e.to_string()).unwrap_or_default()}>
                            <title>{ hover }</title>
                            { svg::text("who", 8.0, y + 10.0, id.to_string()) }
                            { svg::rect("track", 40.0, y + 3.0, 90.0, 8.0, String::new()) }
                            { svg::rect("bar", 40.0, y + 3.0, 90.0 * frac, 8.0, String::new()) }
                            { svg::text("num", 136.0, y + 10.0, end.map_or("—".to_string(), |e| e.to_string())) }
                        </g>
                    }
                }) }
            </g>
        })
    });

    // Node labels first: they own their places.
    struct Label {
        class: &'static str,
        x: f64,
        y: f64,
        size: f64,
        text: String,
    }
    // Per node, in the order of `sim.nodes()`.
    let mut node_labels: Vec<Vec<Label>> = Vec::new();
    for n in sim.nodes() {
        let (x, y) = pos[&n.node.id];
        let id = n.node.id;
        let controller = n.node.kind.runs_controller();
        let r = node_radius(n.node.kind, big);
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
            format!(
                "{} ({})",
                crate::i18n::role_label(lang, &role),
                t(lang, "paused")
            )
        } else {
            crate::i18n::role_label(lang, &role)
        };
        // A combined node says both roles: the controller's, then its broker's.
        let word = match broker_word(n) {
            Some(b) if n.alive => format!(
                "{word} · {} {}",
                t(lang, "broker-role"),
                crate::i18n::role_label(lang, b)
            ),
            _ => word,
        };
        if controller {
            v.push(Label {
                class: "epoch",
                x,
                y: y - r - 10.0,
                size: 12.0,
                text: format!("e{}", n.node.epoch()),
            });
            if wordy {
                let mut line = y + r + 17.0;
                v.push(Label {
                    class: "role",
                    x,
                    y: line,
                    size: 12.0,
                    text: word,
                });
                if let Some(l) = n.node.leader_id().filter(|l| *l != id && n.alive) {
                    line += 17.0;
                    v.push(Label {
                        class: "follows",
                        x,
                        y: line,
                        size: 11.0,
                        text: format!("→ {l}"),
                    });
                }
                line += 17.0;
                v.push(Label {
                    class: "badge",
                    x,
                    y: line,
                    size: 11.0,
                    text: badge,
                });
            }
        } else if wordy_brokers && !big {
            v.push(Label {
                class: "role",
                x,
                y: y + r + 13.0,
                size: 11.0,
                text: word,
            });
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
            v.push(Label {
                class: "badge",
                x,
                y: y + r + 29.0,
                size: 10.0,
                text: badge,
            });
            // A crashed broker cannot say what the controller made of it: the committed
            // metadata does (fenced once its session expired).
            let fenced = sim
                .committed_image_ref()
                .and_then(|i| i.brokers.get(&id))
                .map(|b| b.fenced);
            if let Some(f) = fenced.filter(|_| !n.alive && sim.mode() == ClusterMode::Kraft) {
                v.push(Label {
                    class: if f { "ctl-fenced" } else { "ctl-unfenced" },
                    x,
                    y: y + r + 45.0,
                    size: 11.0,
                    text: t(lang, if f { "fenced" } else { "unfenced" }).to_string(),
                });
            }
        }
        for l in &v {
            placer.reserve(label_box(l.x, l.y, &l.text, l.size));
        }
        // The disc and its timer ring: message labels must not hide under a node.
        let disc = r + 8.0;
        placer.reserve(Rect {
            x0: x - disc,
            y0: y - disc,
            x1: x + disc,
            y1: y + disc,
        });
        node_labels.push(v);
    }

    let link_html: Vec<Html> = links.iter().map(|(a, b)| {
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
        let replication = broker_link && !controllers.contains(b);
        let title = match (ab, ba) {
            (true, true) => format!("{a} ⇄ {b}"),
            (false, false) => format!("{a} ⇸ {b}, {b} ⇸ {a}"),
            (false, true) => format!("{a} ⇸ {b}"),
            (true, false) => format!("{b} ⇸ {a}"),
        };
        let curve = bend((x1, y1), (x2, y2), replication);
        // Mark the dead direction near its sender (nudged along the link if that spot is taken).
        let cut_mark = (state == "half").then(|| {
            let spots: Vec<(f64, f64)> = [0.3, 0.4, 0.22, 0.5]
                .iter()
                .map(|f| {
                    let (x, y) = along((x1, y1), (x2, y2), curve, if ab { 1.0 - f } else { *f });
                    (x, y + 5.0)
                })
                .collect();
            placer
                .place(&spots, "✂", 14.0)
                .map(|(mx, my)| svg::text("cut-mark", mx, my, "✂".into()))
        }).flatten();
        html! {
            <g class={classes!("link", state, broker_link.then_some("broker-link"), replication.then_some("replication"), selected.then_some("selected"))}
               data-link={format!("{a}-{b}")} data-state={state} onclick={onclick}>
                <title>{ title }</title>
                if let Some((cx, cy)) = curve {
                    <path class="hit" d={format!("M{} {} Q{} {} {} {}", svg::num(x1), svg::num(y1), svg::num(cx), svg::num(cy), svg::num(x2), svg::num(y2))} />
                    <path class="wire" d={format!("M{} {} Q{} {} {} {}", svg::num(x1), svg::num(y1), svg::num(cx), svg::num(cy), svg::num(x2), svg::num(y2))} />
                } else {
                    <line class="hit" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                    <line class="wire" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                }
                { for cut_mark }
            </g>
        }
    }).collect();

    // Who granted and who refused whom, as short stubs from each voter toward its candidate.
    let vote_html = votes(sim).into_iter().filter_map(|(voter, cand, granted, pre_vote, reason)| {
        let (&(x1, y1), &(x2, y2)) = (pos.get(&voter)?, pos.get(&cand)?);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let d = (dx * dx + dy * dy).sqrt().max(1.0);
        let r = node_radius(NodeKind::Controller, big) + 6.0;
        let len = (d * 0.32).min(64.0);
        let (ax, ay) = (x1 + dx / d * r, y1 + dy / d * r);
        let (bx, by) = (x1 + dx / d * (r + len), y1 + dy / d * (r + len));
        let what = if pre_vote { "PreVote" } else { "Vote" };
        let verdict = t(lang, if granted { "granted" } else { "refused" });
        let why = crate::i18n::vote_reason(lang, reason);
        Some(html! {
            <g class={classes!("vote", if granted { "granted" } else { "refused" })}
               data-voter={voter.to_string()} data-candidate={cand.to_string()} data-granted={granted.to_string()}>
                <title>{ format!("{voter} → {cand}: {what} {verdict} · {why}") }</title>
                { svg::line("hit", (ax, ay), (bx, by)) }
                { svg::line("stub", (ax, ay), (bx, by)) }
                <circle r="3.5" cx={svg::num(bx)} cy={svg::num(by)} />
            </g>
        })
    }).collect::<Vec<_>>();

    let now = sim.now() as f64;
    let messages: Vec<Html> = sim.in_flight().filter_map(|(env, at)| {
        let (&(x1, y1), &(x2, y2)) = (pos.get(&env.from)?, pos.get(&env.to)?);
        let span = (at as f64 - env.sent_at as f64).max(1.0);
        let f = ((now - env.sent_at as f64) / span).clamp(0.0, 1.0);
        let between_brokers = !controllers.contains(&env.from) && !controllers.contains(&env.to);
        let (x, y) = along((x1, y1), (x2, y2), bend((x1, y1), (x2, y2), between_brokers), f);
        let rpc = env.msg.rpc();
        let label = (!big).then(|| short_label(&env.msg));
        let spot = label.as_ref().and_then(|text| {
            placer.place(&[(x, y - 8.0), (x, y + 16.0), (x + 8.0 + text_width(text, 10.0) / 2.0, y + 4.0), (x - 8.0 - text_width(text, 10.0) / 2.0, y + 4.0)], text, 10.0)
        });
        // A click picks this very message: the menu offers drop, duplicate and delay.
        let id = env.id;
        let onclick = {
            let on = on.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                on.emit(Msg::Select(Some(Selected::Message(id))))
            })
        };
        let selected = m.selected == Some(Selected::Message(id));
        Some(html! {
            <g class={classes!("msg", format!("rpc-{rpc}"), selected.then_some("selected"))} data-rpc={rpc}
               data-msg-id={id.to_string()} onclick={onclick} role="button">
                <title>{ format!("{} → {} {}: {}", env.from, env.to, rpc, crate::i18n::message_summary(lang, &env.msg)) }</title>
                <circle r="5" cx={svg::num(x)} cy={svg::num(y)} />
                if let (Some(text), Some((lx, ly))) = (label, spot) {
                    { svg::text("", lx, ly, text) }
                }
            </g>
        })
    }).collect();

    let nodes = sim.nodes().iter().zip(node_labels).map(|(n, labels)| {
        let (x, y) = pos[&n.node.id];
        let id = n.node.id;
        let role = role_word(n);
        let r = node_radius(n.node.kind, big);
        let hw = n.node.high_watermark().filter(|_| n.alive).map(|h| h.to_string()).unwrap_or_default();
        let leo = n.node.log().end_offset();
        let kind = match n.node.kind {
            NodeKind::Controller => "controller",
            NodeKind::Broker => "broker",
            NodeKind::Combined => "combined",
            NodeKind::Zookeeper => "zookeeper",
        };
        // A controller outside the voter set in force (an observer, or one on a new disk) is
        // drawn apart from the voters.
        let voter = n.node.kind.runs_controller().then(|| {
            sim.current_voters()
                .iter()
                .any(|v| v.is(id, n.node.directory_id()))
        });
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
                    stroke-dasharray={format!("{} {}", svg::num(circ * left), svg::num(circ))} transform="rotate(-90)">
                    <title>{ t(lang, &format!("timer-{name}")) }</title>
                </circle>
            }
        });
        let word = crate::i18n::role_label(lang, &role);
        // ZooKeeper mode: the broker acting as controller wears a ring.
        let is_zk_controller = zk_controller.is_some_and(|(c, _)| c == id);
        // A slow node (Action::Slow) wears a small clock at its top right.
        let slow_ms = sim.slow_nodes().get(&id).copied();
        let slow_badge = slow_ms.map(|ms| {
            let tip = t(lang, "slow-node")
                .replace("{node}", &id.to_string())
                .replace("{seconds}", &crate::i18n::seconds(ms, if ms % 1000 == 0 { 0 } else { 1 }));
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
            <g class={classes!("node", kind, role.clone(), n.paused_until.is_some().then_some("paused"), slow_ms.is_some().then_some("slow"), selected.then_some("selected"), (voter == Some(false)).then_some("non-voter"), is_zk_controller.then_some("zk-controller"))}
               data-controller={is_zk_controller.then_some("true")}
               data-node-id={id.to_string()} data-kind={kind} data-role={role.clone()} data-voter={voter.map(|v| v.to_string())}
               data-slow={slow_ms.map(|ms| ms.to_string())}
               data-epoch={n.node.epoch().to_string()} data-alive={n.alive.to_string()}
               data-hw={hw.clone()} data-leo={leo.to_string()} data-leader={n.node.leader_id().map(|l| l.to_string()).unwrap_or_default()}
               transform={format!("translate({},{})", svg::num(x), svg::num(y))} onclick={onclick} role="button" tabindex="0">
                <title>{ format!("{id}: {word} · {} {} · {} {} · LEO {leo} · HW {}", t(lang, "epoch"), n.node.epoch(), t(lang, "leader"), n.node.leader_id().map_or("—".into(), |l| l.to_string()), if hw.is_empty() { "—" } else { &hw }) }</title>
                { for arc }
                if is_zk_controller {
                    <circle class="controller-ring" r={(r + 4.0).to_string()} />
                }
                <circle class="body" r={r.to_string()} />
                if let Some(b) = broker_word(n).filter(|_| n.alive) {
                    // The broker in the same process: a small square on the controller's disc.
                    <rect class={classes!("broker-badge", b)} x={svg::num(r * 0.45)} y={svg::num(r * 0.3)} width="13" height="13" rx="2" />
                }
                <text class="id" dy="5">{ id }</text>
                { for slow_badge }
                { for labels.into_iter().map(|l| svg::text(l.class, l.x - x, l.y - y, l.text)) }
            </g>
        }
    });

    let deselect = {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("{} {} {} {}", svg::int(vb.x0), svg::int(vb.y0), svg::int(vb.x1 - vb.x0), svg::int(vb.y1 - vb.y0))} data-testid="cluster" onclick={deselect.clone()}
             role="img" aria-label={t(lang, "cluster-view")}>
            <rect class="backdrop" x={svg::int(vb.x0)} y={svg::int(vb.y0)} width={svg::int(vb.x1 - vb.x0)} height={svg::int(vb.y1 - vb.y0)} />
            <text class="clock" x={svg::int(vb.x0 + 12.0)} y={svg::int(vb.y0 + 24.0)}>{ clock }</text>
            <text class="quorum" data-testid="quorum" data-voters={voter_ids.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")}
                  data-majority={majority.to_string()} data-mode={if sim.mode() == ClusterMode::Zookeeper { "zookeeper" } else { "kraft" }}
                  data-controller={sim.controller().map(|c| c.0.to_string()).unwrap_or_default()}
                  data-controller-epoch={sim.controller().map(|c| c.1.to_string()).unwrap_or_default()}
                  data-controller-ready={sim.controller_ready().to_string()}
                  x={svg::int(quorum_x)} y={svg::int(vb.y0 + 24.0)}>{ quorum }</text>
            { for progress_box }
            { for strip }
            { for partition_strip }
            <g onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                { for link_html }
                { for vote_html }
                { for messages }
                { for nodes }
            </g>
        </svg>
    }
}

/// The part of the stage the cluster uses, with room for labels, the clock and the progress
/// box, widened to the stage's shape: small clusters are drawn larger, not lost in the middle.
fn view_box(pos: &BTreeMap<NodeId, (f64, f64)>, wordy: bool, left: f64) -> Rect {
    let xs = pos.values().map(|p| p.0);
    let ys = pos.values().map(|p| p.1);
    let (mut x0, mut x1) = (
        xs.clone().fold(f64::MAX, f64::min) - 110.0 - left,
        xs.fold(f64::MIN, f64::max) + 110.0,
    );
    let (mut y0, mut y1) = (
        ys.clone().fold(f64::MAX, f64::min) - 100.0,
        ys.fold(f64::MIN, f64::max) + if wordy { 95.0 } else { 55.0 },
    );
    // At least the size that holds the clock and progress box beside a small ring.
    let (min_w, aspect) = (620.0, 1.55);
    let w = (x1 - x0).max(min_w).max((y1 - y0) * aspect);
    let h = (y1 - y0).max(w / 1.9);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (x0, x1) = (cx - w / 2.0, cx + w / 2.0);
    (y0, y1) = (cy - h / 2.0, cy + h / 2.0);
    Rect { x0, y0, x1, y1 }
}

fn node_radius(kind: NodeKind, big: bool) -> f64 {
    match (kind, big) {
        (NodeKind::Controller | NodeKind::Combined | NodeKind::Zookeeper, false) => 28.0,
        (NodeKind::Controller | NodeKind::Combined | NodeKind::Zookeeper, true) => 22.0,
        (NodeKind::Broker, _) => 15.0,
    }
}

/// The stage's top line in ZooKeeper mode: who the controller is, in which controller epoch, and
/// whether it has finished reading ZooKeeper (only then can it elect partition leaders).
fn zookeeper_line(sim: &Simulation, lang: crate::i18n::Lang) -> String {
    let zh = lang == crate::i18n::Lang::Zh;
    let epoch = sim.ensemble().map_or(0, |e| e.controller_epoch());
    match sim.controller() {
        None if zh => format!("ZooKeeper 模式 · 没有控制器 · /controller_epoch = {epoch}"),
        None => format!("ZooKeeper mode · no controller · /controller_epoch = {epoch}"),
        Some((c, e)) => {
            let calls = sim
                .node(c)
                .and_then(|n| n.node.zk_controller())
                .map_or(0, |z| z.calls);
            match (sim.controller_ready(), zh) {
                (true, false) => format!("ZooKeeper mode · controller {c} · epoch {e} · loaded ({calls} ZooKeeper calls)"),
                (false, false) => format!("ZooKeeper mode · controller {c} · epoch {e} · loading: {calls} ZooKeeper calls so far"),
                (true, true) => format!("ZooKeeper 模式 · 控制器 {c} · 任期 {e} · 已加载（{calls} 次 ZooKeeper 调用）"),
                (false, true) => format!("ZooKeeper 模式 · 控制器 {c} · 任期 {e} · 加载中：已 {calls} 次 ZooKeeper 调用"),
            }
        }
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
