//! The leader's view of each replica's progress (its fetch offset), in a box at the top right of
//! the stage.

use super::placement::{Placer, Rect};
use super::svg;
use crate::i18n::{t, Lang};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use yew::prelude::*;

/// Rows of the box: a CJK font's line box is about 1.45 em.
const ROW: f64 = 15.0;
/// Replicas listed, at most.
const ROWS: usize = 12;

/// A replica as the leader sees it: how far it fetched, and what fraction of the leader's log
/// that is.
#[derive(Clone, PartialEq)]
pub struct Replica {
    pub id: NodeId,
    pub observer: bool,
    pub fetched: Option<u64>,
    pub fraction: f64,
}

#[derive(Clone, PartialEq)]
pub struct ProgressBox {
    pub x0: f64,
    pub y0: f64,
    pub w: f64,
    pub h: f64,
    pub leader: NodeId,
    pub leo: u64,
    pub rows: Vec<Replica>,
}

/// The acting leader's box, at the top right of the view box `vb`, its place taken.
pub fn progress_box(sim: &Simulation, vb: &Rect, placer: &mut Placer) -> Option<ProgressBox> {
    let l = sim.acting_leader().and_then(|l| sim.node(l))?;
    let progress = l.node.progress()?;
    let leo = l.node.log().end_offset().max(1);
    let rows: Vec<Replica> = progress
        .iter()
        .filter(|(id, _)| **id != l.node.id)
        .take(ROWS)
        .map(|(id, p)| Replica {
            id: *id,
            observer: !l.node.voters().contains(id),
            fetched: p.end_offset,
            fraction: p
                .end_offset
                .map_or(0.0, |e| (e as f64 / leo as f64).min(1.0)),
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let (x0, y0, w) = (vb.x1 - 178.0, vb.y0 + 8.0, 170.0);
    let h = 24.0 + rows.len() as f64 * ROW;
    placer.reserve(Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    });
    Some(ProgressBox {
        x0,
        y0,
        w,
        h,
        leader: l.node.id,
        leo: l.node.log().end_offset(),
        rows,
    })
}

#[derive(Properties, PartialEq)]
pub struct ProgressBoxProps {
    pub lang: Lang,
    pub progress: ProgressBox,
}

#[function_component(ProgressBoxView)]
pub fn progress_box_view(p: &ProgressBoxProps) -> Html {
    let (lang, b) = (p.lang, &p.progress);
    let title = format!(
        "{} {} {}",
        t(lang, "sees-before"),
        b.leader,
        t(lang, "sees-after")
    );
    html! {
        <g class="progress-box" data-testid="leader-progress" transform={format!("translate({},{})", b.x0, b.y0)}>
            <title>{ t(lang, "legend-progress") }</title>
            <rect class="frame" width={b.w.to_string()} height={b.h.to_string()} rx="6" />
            <text class="head" x="8" y="15">{ format!("{title} · LEO {}", b.leo) }</text>
            { for b.rows.iter().enumerate().map(|(i, r)| {
                let y = 22.0 + i as f64 * ROW;
                let id = r.id;
                let hover = match r.fetched {
                    Some(e) => format!("{id} {} {e}", t(lang, "fetched-to")),
                    None => format!("{id} {}", t(lang, "never-fetched")),
                };
                html! {
                    <g class={classes!("row", r.observer.then_some("observer"))} data-progress-node={id.to_string()} data-fetched={r.fetched.map(|e| e.to_string()).unwrap_or_default()}>
                        <title>{ hover }</title>
                        { svg::text("who", 8.0, y + 10.0, id.to_string()) }
                        { svg::rect("track", 40.0, y + 3.0, 90.0, 8.0, String::new()) }
                        { svg::rect("bar", 40.0, y + 3.0, 90.0 * r.fraction, 8.0, String::new()) }
                        { svg::text("num", 136.0, y + 10.0, r.fetched.map_or("—".to_string(), |e| e.to_string())) }
                    </g>
                }
            }) }
        </g>
    }
}
