//! The Logs panel: each node's metadata log over a common window of offsets, so entries line
//! up; committed entries, the snapshot's part and the log start stand out, and what just happened
//! to a log (a truncation, a snapshot) is said beside it.

use super::epoch_colour::epoch_colour;
use crate::i18n::{record_kind, t, Lang};
use kraft_core::protocol::SnapshotId;
use kraft_core::sim::Simulation;
use kraft_core::{Epoch, NodeId, TraceKind};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Entries shown per log row (the newest ones): enough to see repair, few enough to stay fast.
const SHOWN: u64 = 32;

/// One node's log in the window: each entry's epoch and record kind.
#[derive(Clone, PartialEq)]
pub struct LogRow {
    pub id: NodeId,
    pub alive: bool,
    pub entries: Vec<Option<(Epoch, &'static str)>>,
    pub start: u64,
    pub end: u64,
    pub hw: Option<u64>,
    pub snapshot: Option<SnapshotId>,
    /// A snapshot being fetched, and how many bytes of it arrived.
    pub download: Option<(SnapshotId, u64)>,
    /// What just happened to this log (last 2 s of virtual time).
    pub recent: Option<Recent>,
}

/// Something that just happened to a log: it stands out beside the row.
#[derive(Clone, Copy, PartialEq)]
pub enum Recent {
    Truncated { removed: u64, to: u64 },
    SnapshotLoaded(SnapshotId),
    SnapshotTaken(SnapshotId),
}

#[derive(Clone, PartialEq)]
pub struct LogsView {
    /// The first offset of the window.
    pub first: u64,
    pub rows: Vec<Rc<LogRow>>,
}

/// What the panel shows, read from core.
pub fn logs(sim: &Simulation) -> LogsView {
    // A common window of offsets for every row, so entries line up.
    let max_leo = sim
        .nodes()
        .iter()
        .map(|n| n.node.log().end_offset())
        .max()
        .unwrap_or(0);
    let first = max_leo.saturating_sub(SHOWN);
    // What just happened to each log (last 2 s of virtual time): truncations and cut-overs.
    let mut recent: BTreeMap<NodeId, Recent> = BTreeMap::new();
    let since = sim.now().saturating_sub(2000);
    for e in sim.trace().events().rev().take_while(|e| e.time >= since) {
        let (node, what) = match &e.kind {
            TraceKind::Truncate {
                node, to, removed, ..
            } => (
                *node,
                Recent::Truncated {
                    removed: *removed,
                    to: *to,
                },
            ),
            TraceKind::SnapshotLoaded { node, id, .. } => (*node, Recent::SnapshotLoaded(*id)),
            TraceKind::SnapshotTaken { node, id } => (*node, Recent::SnapshotTaken(*id)),
            _ => continue,
        };
        recent.entry(node).or_insert(what);
    }
    let rows = sim
        .nodes()
        .iter()
        .map(|n| {
            let log = n.node.log();
            Rc::new(LogRow {
                id: n.node.id,
                alive: n.alive,
                entries: (first..first + SHOWN)
                    .map(|o| log.entry(o).map(|e| (e.epoch, e.record.kind())))
                    .collect(),
                start: log.start_offset(),
                end: log.end_offset(),
                hw: n.node.high_watermark().filter(|_| n.alive),
                snapshot: log.latest_snapshot().map(|s| s.id),
                download: n.node.snapshot_download(),
                recent: recent.get(&n.node.id).copied(),
            })
        })
        .collect();
    LogsView { first, rows }
}

fn recent_text(lang: Lang, r: Recent) -> String {
    match r {
        Recent::Truncated { removed, to } => format!("✂ {removed} → {to}"),
        Recent::SnapshotLoaded(id) => {
            format!(
                "⇣ {} ({}, {})",
                t(lang, "snapshot"),
                id.end_offset,
                id.epoch
            )
        }
        Recent::SnapshotTaken(id) => format!("📷 {}", id.end_offset),
    }
}

#[derive(Properties, PartialEq)]
pub struct LogsPanelProps {
    pub lang: Lang,
    pub view: Rc<LogsView>,
}

#[function_component(LogsPanel)]
pub fn logs_panel(p: &LogsPanelProps) -> Html {
    let lang = p.lang;
    let first = p.view.first;
    let ruler = (first..first + SHOWN).map(|o| html! { <span class="cell ruler">{ if o % 5 == 0 { o.to_string() } else { String::new() } }</span> });
    html! {
        <div class="panel logs" data-testid="logs">
            <h2>{ t(lang, "logs") }</h2>
            <div class="log-row ruler-row"><span class="who"></span><span class="cells">{ for ruler }</span></div>
            // A list of its own, so that the rows are matched by node, not by place.
            <>{ for p.view.rows.iter().map(|row| html! { <LogRowView key={row.id} lang={lang} first={first} row={row.clone()} /> }) }</>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LogRowProps {
    lang: Lang,
    first: u64,
    row: Rc<LogRow>,
}

/// One node's log: re-drawn when it changed (or the window moved).
#[function_component(LogRowView)]
fn log_row(p: &LogRowProps) -> Html {
    let (lang, row) = (p.lang, &p.row);
    let (hw, start) = (row.hw, row.start);
    // Each cell keyed by its offset: when the window moves on, the cells still shown stay.
    let cells = row.entries.iter().zip(p.first..).map(|(entry, o)| {
        let cell = Cell {
            offset: o,
            entry: *entry,
            committed: hw.is_some_and(|h| o < h),
            in_snapshot: o < start,
            hw_edge: hw == Some(o + 1),
            start_edge: start == o && start > 0,
        };
        html! { <LogCell key={o} lang={lang} cell={cell} /> }
    });
    html! {
        <div class={classes!("log-row", (!row.alive).then_some("dead"))} data-log-node={row.id.to_string()}>
            <span class="who">{ row.id }</span>
            <span class="cells">{ for cells }</span>
            <span class="marks">
                { format!("{} {start} · LEO {} · HW {}", t(lang, "log-start"), row.end, hw.map_or("—".into(), |h| h.to_string())) }
                if let Some(s) = row.snapshot { { format!(" · {} ({}, {})", t(lang, "snapshot"), s.end_offset, s.epoch) } }
                if let Some((id, got)) = row.download { { format!(" · ⇣ {} {got}", id.end_offset) } }
            </span>
            if let Some(what) = row.recent { <span class="recent" data-recent={row.id.to_string()}>{ recent_text(lang, what) }</span> }
        </div>
    }
}

/// One offset of a log row, and what marks it.
#[derive(Clone, Copy, PartialEq)]
struct Cell {
    offset: u64,
    entry: Option<(Epoch, &'static str)>,
    committed: bool,
    in_snapshot: bool,
    /// The last committed offset (the HW is just after it).
    hw_edge: bool,
    /// The log's first offset after a snapshot.
    start_edge: bool,
}

#[derive(Properties, PartialEq)]
struct LogCellProps {
    lang: Lang,
    cell: Cell,
}

#[function_component(LogCell)]
fn log_cell(p: &LogCellProps) -> Html {
    let (lang, c) = (p.lang, p.cell);
    let (o, entry) = (c.offset, c.entry);
    let style = entry
        .map(|(epoch, _)| format!("background:{}", epoch_colour(epoch)))
        .unwrap_or_default();
    let title = match entry {
        Some((epoch, kind)) => format!(
            "{} {o} · {} {} · {}",
            t(lang, "offset"),
            t(lang, "epoch"),
            epoch,
            record_kind(lang, kind)
        ),
        None if c.in_snapshot => format!("{} {o}: {}", t(lang, "offset"), t(lang, "in-snapshot")),
        None => format!("{} {o}", t(lang, "offset")),
    };
    let kind = entry.map(|(_, kind)| kind).unwrap_or("");
    html! {
        <span class={classes!("cell", entry.is_none().then_some("empty"), c.in_snapshot.then_some("snap"),
                              c.committed.then_some("committed"), kind.to_string(),
                              c.hw_edge.then_some("hw-edge"), c.start_edge.then_some("start-edge"))}
              style={style} title={title} data-offset={o.to_string()}>
            { entry.map(|(epoch, _)| epoch.to_string()).unwrap_or_default() }
        </span>
    }
}
