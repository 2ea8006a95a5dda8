//! The cluster as an SVG picture: controllers on a ring, brokers in a row, links you can click,
//! messages travelling along them, and a timer arc on each node. Drawn from core state only.
//!
//! Each frame the root reads a `Scene` from the model (where everything sits, which labels fit)
//! and the stage draws it; the parts that did not change (most links and brokers) are
//! components whose props compare equal, so they are not drawn again.

mod layout;
mod links;
mod log_strip;
mod messages;
mod nodes;
mod partition_strip;
mod placement;
mod progress_box;
mod svg;
mod top_line;
mod votes;

use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Model, Msg};
use layout::{layout, view_box, WORDY_BROKERS, WORDY_CONTROLLERS};
use links::{Link, Links};
use log_strip::{LogStrip, LogStripView};
use messages::Dot;
use nodes::{Density, Glyph, NodeGlyph};
use partition_strip::{PartitionStrip, PartitionStripView};
use placement::{Placer, Rect};
use progress_box::{ProgressBox, ProgressBoxView};
use std::rc::Rc;
use top_line::TopLine;
use votes::Vote;
use yew::prelude::*;

/// Everything the stage draws in one frame, placed.
#[derive(PartialEq)]
pub struct Scene {
    /// The part of the stage the picture uses.
    pub view: Rect,
    pub top: TopLine,
    pub log_strip: Option<LogStrip>,
    pub partition_strip: Option<PartitionStrip>,
    pub progress: Option<ProgressBox>,
    pub links: Rc<Vec<Link>>,
    pub votes: Vec<Vote>,
    pub dots: Vec<Dot>,
    pub nodes: Vec<Rc<Glyph>>,
}

/// The stage's scene for the model's moment. Places are taken in the order that decides who
/// yields: the strips, the top line and the progress box, then the nodes' words, then the
/// scissors of half-cut links, then message labels.
pub fn scene(m: &Model) -> Scene {
    let sim = m.sim();
    let lang = m.lang;
    let pos = layout(sim);
    let density = Density {
        big: sim.nodes().len() > 20,
        wordy: sim.spec().controllers.len() <= WORDY_CONTROLLERS,
        wordy_brokers: sim.spec().brokers.len() <= WORDY_BROKERS,
    };
    let has_topics = sim
        .committed_image_ref()
        .is_some_and(|i| !i.topics.is_empty());
    let strip_width = log_strip::size(sim)
        .map_or(0.0, |s| s.0 + 20.0)
        .max(if has_topics {
            partition_strip::WIDTH + 20.0
        } else {
            0.0
        });
    let vb = view_box(&pos, density.wordy || density.wordy_brokers, strip_width);
    let mut placer = Placer::default();
    // The log strip at the left, below the clock; the partition strip under it.
    let mut below = vb.y0 + 40.0;
    let log_strip = log_strip::log_strip(sim, vb.x0 + 8.0, below).inspect(|s| {
        placer.reserve(s.rect());
        below = s.rect().y1 + 10.0;
    });
    let partition_strip = partition_strip::partition_strip(sim, vb.x0 + 8.0, below)
        .inspect(|s| placer.reserve(s.rect()));
    let top = top_line::top_line(sim, lang, &vb, &mut placer);
    let pairs = links::pairs(sim);
    let progress = progress_box::progress_box(sim, &vb, &mut placer);
    let nodes = sim
        .nodes()
        .iter()
        .filter_map(|n| {
            let at = *pos.get(&n.node.id)?;
            let g = nodes::glyph(sim, lang, n, at, density, m.selected, &mut placer);
            Some(Rc::new(g))
        })
        .collect();
    let links = links::place(sim, &pairs, &pos, m.selected, &mut placer);
    let votes = votes::placed_votes(sim, &pos, density.big);
    let dots = messages::place(sim, lang, &pos, density.big, m.selected, &mut placer);
    Scene {
        view: vb,
        top,
        log_strip,
        partition_strip,
        progress,
        links: Rc::new(links),
        votes,
        dots,
        nodes,
    }
}

#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub lang: Lang,
    pub scene: Rc<Scene>,
}

#[function_component(Stage)]
pub fn stage(p: &StageProps) -> Html {
    let on = use_dispatch();
    let (lang, s) = (p.lang, &p.scene);
    let vb = s.view;
    let top = &s.top;
    let deselect = {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::Select(None)))
    };
    let (x, y, w, h) = (
        svg::int(vb.x0),
        svg::int(vb.y0),
        svg::int(vb.x1 - vb.x0),
        svg::int(vb.y1 - vb.y0),
    );
    html! {
        <svg class="cluster" viewBox={format!("{x} {y} {w} {h}")} data-testid="cluster" onclick={deselect}
             role="img" aria-label={t(lang, "cluster-view")}>
            <rect class="backdrop" x={x.clone()} y={y.clone()} width={w} height={h} />
            <text class="clock" x={svg::int(vb.x0 + 12.0)} y={svg::int(vb.y0 + 24.0)}>{ top.clock.clone() }</text>
            <text class="quorum" data-testid="quorum" data-voters={top.voters.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")}
                  data-majority={top.majority.to_string()} data-mode={top.mode}
                  data-controller={top.controller.map(|c| c.0.to_string()).unwrap_or_default()}
                  data-controller-epoch={top.controller.map(|c| c.1.to_string()).unwrap_or_default()}
                  data-controller-ready={top.controller_ready.to_string()}
                  x={svg::int(top.quorum_x)} y={svg::int(vb.y0 + 24.0)}>{ top.quorum.clone() }</text>
            if let Some(progress) = &s.progress {
                <ProgressBoxView lang={lang} progress={progress.clone()} />
            }
            if let Some(strip) = &s.log_strip {
                <LogStripView lang={lang} strip={strip.clone()} />
            }
            if let Some(strip) = &s.partition_strip {
                <PartitionStripView lang={lang} strip={strip.clone()} />
            }
            <g onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <Links links={s.links.clone()} />
                // Each kind in a list of its own: messages come and go every frame, and the nodes
                // after them must still meet their own components (keyed by id) when they do.
                <>{ for s.votes.iter().map(|v| votes::vote(lang, v)) }</>
                <>{ for s.dots.iter().map(|d| messages::dot(&on, d)) }</>
                <>{ for s.nodes.iter().map(|g| html! { <NodeGlyph key={g.id} lang={lang} glyph={g.clone()} /> }) }</>
            </g>
        </svg>
    }
}
