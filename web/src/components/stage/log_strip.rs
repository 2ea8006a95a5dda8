//! The stage's log strip: the tail of every controller's log beside the ring, so a narration
//! about entries, epochs, truncation or the HW is seen where the learner is looking. (The Logs
//! panel below has the long view.)

use super::placement::Rect;
use super::svg;
use crate::components::epoch_colour::epoch_colour;
use crate::i18n::{record_kind, t, Lang};
use kraft_core::sim::Simulation;
use kraft_core::{Epoch, NodeId};
use yew::prelude::*;

/// Entries shown per row: the newest ones.
const TAIL: u64 = 12;
const CELL: f64 = 16.0;
const ROW: f64 = 18.0;
/// Controllers beyond this many: no strip (the ring needs the room; the panel below has them).
pub const MAX_ROWS: usize = 7;

/// A cell of a row: an entry (its epoch and record kind), or an offset inside the snapshot.
#[derive(Clone, Copy, PartialEq)]
pub enum Cell {
    Entry(Epoch, &'static str),
    InSnapshot,
}

#[derive(Clone, PartialEq)]
pub struct StripRow {
    pub id: NodeId,
    pub alive: bool,
    pub leo: u64,
    pub hw: Option<u64>,
    /// The window's offsets, from the strip's first.
    pub cells: Vec<Option<Cell>>,
}

/// The strip: where it sits, its size, the window's first offset and a row per controller.
#[derive(Clone, PartialEq)]
pub struct LogStrip {
    pub x0: f64,
    pub y0: f64,
    pub w: f64,
    pub h: f64,
    pub first: u64,
    pub rows: Vec<StripRow>,
}

impl LogStrip {
    pub fn rect(&self) -> Rect {
        Rect {
            x0: self.x0,
            y0: self.y0,
            x1: self.x0 + self.w,
            y1: self.y0 + self.h,
        }
    }
}

/// The strip's size for this cluster, if it has one.
pub fn size(sim: &Simulation) -> Option<(f64, f64)> {
    let rows = sim.spec().controllers.len();
    // No controllers (ZooKeeper mode): no metadata log to show.
    (rows > 0 && rows <= MAX_ROWS).then_some((28.0 + TAIL as f64 * CELL, 34.0 + rows as f64 * ROW))
}

/// The strip with its top left at (x0, y0), read from core.
pub fn log_strip(sim: &Simulation, x0: f64, y0: f64) -> Option<LogStrip> {
    let (w, h) = size(sim)?;
    let leo = sim
        .controllers()
        .map(|n| n.node.log().end_offset())
        .max()
        .unwrap_or(0);
    let first = leo.saturating_sub(TAIL);
    let rows = sim
        .controllers()
        .map(|n| {
            let log = n.node.log();
            let cells = (first..first + TAIL)
                .map(|o| match log.entry(o) {
                    Some(e) => Some(Cell::Entry(e.epoch, e.record.kind())),
                    None if o < log.start_offset() && o < log.end_offset() => {
                        Some(Cell::InSnapshot)
                    }
                    None => None,
                })
                .collect();
            StripRow {
                id: n.node.id,
                alive: n.alive,
                leo: log.end_offset(),
                hw: n.node.high_watermark().filter(|_| n.alive),
                cells,
            }
        })
        .collect();
    Some(LogStrip {
        x0,
        y0,
        w,
        h,
        first,
        rows,
    })
}

#[derive(Properties, PartialEq)]
pub struct LogStripProps {
    pub lang: Lang,
    pub strip: LogStrip,
}

#[function_component(LogStripView)]
pub fn log_strip_view(p: &LogStripProps) -> Html {
    let (lang, s) = (p.lang, &p.strip);
    let first = s.first;
    let ruler = (first..first + TAIL).filter(|o| o % 4 == 0).map(|o| {
        let x = 28.0 + (o - first) as f64 * CELL + CELL / 2.0;
        svg::text("ruler", x, 28.0, o.to_string())
    });
    let rows = s.rows.iter().enumerate().map(|(i, row)| {
        let y = 34.0 + i as f64 * ROW;
        let hw = row.hw;
        let cells = row.cells.iter().zip(first..).filter_map(|(cell, o)| {
            let x = 28.0 + (o - first) as f64 * CELL;
            let cell = (*cell)?;
            let committed = hw.is_some_and(|h| o < h);
            let entry = match cell {
                Cell::Entry(epoch, kind) => Some((epoch, kind)),
                Cell::InSnapshot => None,
            };
            let title = match entry {
                Some((epoch, kind)) => format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "epoch"), epoch, record_kind(lang, kind)),
                None => format!("{} {o}: {}", t(lang, "offset"), t(lang, "in-snapshot")),
            };
            let kind = entry.map(|(_, kind)| kind).unwrap_or("snap");
            Some(html! {
                <g class={classes!("scell", kind, committed.then_some("committed"))}>
                    <title>{ title }</title>
                    { svg::rect("", x, y, CELL - 2.0, CELL - 2.0, entry.map(|(epoch, _)| format!("fill:{}", epoch_colour(epoch))).unwrap_or_default()) }
                    if let Some((epoch, _)) = entry.filter(|(epoch, _)| *epoch < 100) {
                        { svg::text("", x + CELL / 2.0 - 1.0, y + 11.0, epoch.to_string()) }
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
            <g class={classes!("srow", (!row.alive).then_some("dead"))} data-strip-node={row.id.to_string()}
               data-leo={row.leo.to_string()}>
                { svg::text("who", 10.0, y + 11.0, row.id.to_string()) }
                { for cells }
                { for hw_bar }
            </g>
        }
    });
    html! {
        <g class="log-strip" data-testid="log-strip" transform={format!("translate({},{})", svg::num(s.x0), svg::num(s.y0))}>
            <title>{ t(lang, "legend-strip") }</title>
            <rect class="frame" width={s.w.to_string()} height={s.h.to_string()} rx="6" />
            <text class="head" x="8" y="14">{ t(lang, "logs") }</text>
            { for ruler }
            { for rows }
        </g>
    }
}
