//! The stage's log strip: the tail of every controller's log beside the ring, so a narration
//! about entries, epochs, truncation or the HW is seen where the learner is looking. (The Logs
//! panel below has the long view.)

use crate::i18n::{record_kind, t, Lang};
use crate::panels::epoch_colour;
use crate::placement::Rect;
use crate::svg;
use kraft_core::sim::Simulation;
use yew::prelude::*;

/// Entries shown per row: the newest ones.
const TAIL: u64 = 12;
const CELL: f64 = 16.0;
const ROW: f64 = 18.0;
/// Controllers beyond this many: no strip (the ring needs the room; the panel below has them).
pub const MAX_ROWS: usize = 7;

/// The strip's size for this cluster, if it has one.
pub fn size(sim: &Simulation) -> Option<(f64, f64)> {
    let rows = sim.spec().controllers.len();
    // No controllers (ZooKeeper mode): no metadata log to show.
    (rows > 0 && rows <= MAX_ROWS).then_some((28.0 + TAIL as f64 * CELL, 34.0 + rows as f64 * ROW))
}

/// The strip drawn with its top left at (x0, y0); also the box it takes.
pub fn strip(sim: &Simulation, lang: Lang, x0: f64, y0: f64) -> Option<(Html, Rect)> {
    let (w, h) = size(sim)?;
    let leo = sim
        .controllers()
        .map(|n| n.node.log().end_offset())
        .max()
        .unwrap_or(0);
    let first = leo.saturating_sub(TAIL);
    let ruler = (first..first + TAIL).filter(|o| o % 4 == 0).map(|o| {
        let x = 28.0 + (o - first) as f64 * CELL + CELL / 2.0;
        svg::text("ruler", x, 28.0, o.to_string())
    });
    let rows = sim.controllers().enumerate().map(|(i, n)| {
        let log = n.node.log();
        let hw = n.node.high_watermark().filter(|_| n.alive);
        let y = 34.0 + i as f64 * ROW;
        let cells = (first..first + TAIL).filter_map(|o| {
            let x = 28.0 + (o - first) as f64 * CELL;
            let in_snapshot = o < log.start_offset() && o < log.end_offset();
            let entry = log.entry(o);
            if entry.is_none() && !in_snapshot {
                return None;
            }
            let committed = hw.is_some_and(|h| o < h);
            let title = match entry {
                Some(e) => format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "epoch"), e.epoch, record_kind(lang, e.record.kind())),
                None => format!("{} {o}: {}", t(lang, "offset"), t(lang, "in-snapshot")),
            };
            let kind = entry.map(|e| e.record.kind()).unwrap_or("snap");
            Some(html! {
                <g class={classes!("scell", kind, committed.then_some("committed"))}>
                    <title>{ title }</title>
                    { svg::rect("", x, y, CELL - 2.0, CELL - 2.0, entry.map(|e| format!("fill:{}", epoch_colour(e.epoch))).unwrap_or_default()) }
                    if let Some(e) = entry.filter(|e| e.epoch < 100) {
                        { svg::text("", x + CELL / 2.0 - 1.0, y + 11.0, e.epoch.to_string()) }
                    }
                </g>
            })
        }).collect::<Vec<_>>();
        let hw_bar = hw.filter(|h| *h >= first && *h <= first + TAIL).map(|h| {
            let x = 28.0 + (h - first) as f64 * CELL - 1.5;
            html! { <line class="hw" x1={svg::num(x)} x2={svg::num(x)} y1={svg::num(y - 2.0)} y2={svg::num(y + CELL)}>
                <title>{ format!("HW {h}") }</title></line> }
        });
        html! {
            <g class={classes!("srow", (!n.alive).then_some("dead"))} data-strip-node={n.node.id.to_string()}
               data-leo={log.end_offset().to_string()}>
                { svg::text("who", 10.0, y + 11.0, n.node.id.to_string()) }
                { for cells }
                { for hw_bar }
            </g>
        }
    });
    let html = html! {
        <g class="log-strip" data-testid="log-strip" transform={format!("translate({},{})", svg::num(x0), svg::num(y0))}>
            <title>{ t(lang, "legend-strip") }</title>
            <rect class="frame" width={w.to_string()} height={h.to_string()} rx="6" />
            <text class="head" x="8" y="14">{ t(lang, "logs") }</text>
            { for ruler }
            { for rows }
        </g>
    };
    Some((
        html,
        Rect {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        },
    ))
}
