//! The links between nodes: controller to controller, each broker to the controller it fetches
//! from, and (ZooKeeper mode) each broker's session to the ensemble and the controller's pushes;
//! each partition follower to its leader. A link can be cut one or both ways, and clicked.

use super::layout::{along, bend};
use super::placement::Placer;
use super::svg;
use crate::state::{use_dispatch, Msg, Selected};
use kraft_core::protocol::zk_ensemble::ENSEMBLE;
use kraft_core::protocol::{ClusterMode, NodeKind};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// A link as drawn: its ends, whether each direction is up, and where a half-cut link shows
/// its scissors.
#[derive(Clone, PartialEq)]
pub struct Link {
    pub a: NodeId,
    pub b: NodeId,
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// a → b and b → a are up.
    pub ab: bool,
    pub ba: bool,
    /// From a broker (not a controller).
    pub broker_link: bool,
    /// Broker to broker: a partition follower to its leader (drawn as an arc).
    pub replication: bool,
    pub selected: bool,
    pub cut_mark: Option<(f64, f64)>,
}

impl Link {
    fn state(&self) -> &'static str {
        match (self.ab, self.ba) {
            (true, true) => "up",
            (false, false) => "cut",
            _ => "half",
        }
    }
}

/// Which nodes are linked.
pub fn pairs(sim: &Simulation) -> Vec<(NodeId, NodeId)> {
    let controllers = &sim.spec().controllers;
    let mut links = Vec::new();
    for (i, a) in controllers.iter().enumerate() {
        for b in &controllers[i + 1..] {
            links.push((*a, *b));
        }
    }
    // ZooKeeper mode: every broker's session to the ensemble, and the controller's pushes to
    // each broker (both cuttable like any link).
    if sim.mode() == ClusterMode::Zookeeper {
        let controller = sim.controller();
        for b in &sim.spec().brokers {
            links.push((*b, ENSEMBLE));
            if let Some((c, _)) = controller.filter(|(c, _)| c != b) {
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
    links
}

/// The links placed between the nodes at `pos`; a half-cut link's scissors take a free spot.
pub fn place(
    sim: &Simulation,
    pairs: &[(NodeId, NodeId)],
    pos: &BTreeMap<NodeId, (f64, f64)>,
    selected: Option<Selected>,
    placer: &mut Placer,
) -> Vec<Link> {
    let controllers = &sim.spec().controllers;
    pairs
        .iter()
        .filter_map(|(a, b)| {
            let (from, to) = (*pos.get(a)?, *pos.get(b)?);
            let (ab, ba) = (sim.is_link_up(*a, *b), sim.is_link_up(*b, *a));
            let broker_link = !controllers.contains(a);
            let replication = broker_link && !controllers.contains(b);
            let curve = bend(from, to, replication);
            // Mark the dead direction near its sender (nudged along the link if that spot is
            // taken).
            let cut_mark = (ab != ba)
                .then(|| {
                    let spots: Vec<(f64, f64)> = [0.3, 0.4, 0.22, 0.5]
                        .iter()
                        .map(|f| {
                            let (x, y) = along(from, to, curve, if ab { 1.0 - f } else { *f });
                            (x, y + 5.0)
                        })
                        .collect();
                    placer.place(&spots, "✂", 14.0)
                })
                .flatten();
            Some(Link {
                a: *a,
                b: *b,
                from,
                to,
                ab,
                ba,
                broker_link,
                replication,
                selected: selected == Some(Selected::Link(*a, *b)),
                cut_mark,
            })
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct LinksProps {
    pub links: Rc<Vec<Link>>,
}

#[function_component(Links)]
pub fn links_view(p: &LinksProps) -> Html {
    let on = use_dispatch();
    html! {
        <>{ for p.links.iter().map(|l| link(&on, l)) }</>
    }
}

fn link(on: &Callback<Msg>, l: &Link) -> Html {
    let (a, b) = (l.a, l.b);
    let ((x1, y1), (x2, y2)) = (l.from, l.to);
    let state = l.state();
    let onclick = {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::Select(Some(Selected::Link(a, b)))))
    };
    let title = match (l.ab, l.ba) {
        (true, true) => format!("{a} ⇄ {b}"),
        (false, false) => format!("{a} ⇸ {b}, {b} ⇸ {a}"),
        (false, true) => format!("{a} ⇸ {b}"),
        (true, false) => format!("{b} ⇸ {a}"),
    };
    let curve = bend(l.from, l.to, l.replication);
    let cut_mark = l
        .cut_mark
        .map(|(mx, my)| svg::text("cut-mark", mx, my, "✂".into()));
    html! {
        <g class={classes!("link", state, l.broker_link.then_some("broker-link"), l.replication.then_some("replication"), l.selected.then_some("selected"))}
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
}
