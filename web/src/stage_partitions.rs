//! The stage's partition strip: the tail of each replica's log for the first partitions, beside
//! the brokers, so a narration about records, acks, the ISR or a follower's HW is seen where the
//! learner is looking. (The Partition replicas panel below has the long view.)

use crate::i18n::{t, Lang};
use crate::panels::epoch_colour;
use crate::placement::Rect;
use crate::svg;
use kraft_core::sim::Simulation;
use yew::prelude::*;

/// Records shown per replica row: the newest ones.
const TAIL: u64 = 8;
const CELL: f64 = 22.0;
const ROW: f64 = 17.0;
/// Partitions shown: the first ones of the committed image.
const PARTITIONS: usize = 2;
/// Where the cells start, and the room for "LEO n · HW n" after them.
const LEFT: f64 = 30.0;
const MARKS: f64 = 92.0;

pub const WIDTH: f64 = LEFT + TAIL as f64 * CELL + MARKS;

/// A record's value as it fits a cell: past four characters (produce 1679's "1679.1" under a
/// steady load) only its last three ("9.1"; an ellipsis made neighbours' labels touch); the
/// cell's tooltip has it whole.
fn cell_label(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return value.to_string();
    }
    chars[chars.len() - 3..].iter().collect()
}

/// The strip drawn with its top left at (x0, y0), and the box it takes; None without topics.
pub fn strip(sim: &Simulation, lang: Lang, x0: f64, y0: f64) -> Option<(Html, Rect)> {
    let image = sim.committed_image_ref()?;
    let parts: Vec<_> = image
        .topics
        .values()
        .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
        .take(PARTITIONS)
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut y = 18.0;
    let mut blocks = Vec::new();
    for (topic, p) in parts {
        let key = (topic.topic_id, p.partition);
        let logs: Vec<_> = p
            .replicas
            .iter()
            .filter_map(|b| {
                let n = sim.node(*b)?;
                Some((*b, n.alive, n.node.partition_replicas().get(&key)))
            })
            .collect();
        let leo = logs
            .iter()
            .filter_map(|(_, _, r)| r.map(|r| r.leo()))
            .max()
            .unwrap_or(0);
        let first = leo.saturating_sub(TAIL);
        let leader = p
            .leader
            .map_or(t(lang, "none").to_string(), |l| l.to_string());
        let head = format!(
            "{}-{} · {} {leader} · ISR {:?}",
            topic.name,
            p.partition,
            t(lang, "leader"),
            p.isr
        );
        let top = y;
        y += 6.0;
        let rows: Vec<Html> = logs
            .iter()
            .map(|(b, alive, r)| {
                let row_y = y;
                y += ROW;
                let (leo, hw) = r.map_or((0, 0), |r| (r.leo(), r.hw));
                let cells = (first..first + TAIL).filter_map(|o| {
                    let rec = r.and_then(|r| r.log.record(o))?;
                    let x = LEFT + (o - first) as f64 * CELL;
                    Some(html! {
                        <g class={classes!("scell", (o < hw).then_some("committed"))}>
                            <title>{ format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "leader-epoch"), rec.epoch, rec.value) }</title>
                            { svg::rect("", x, row_y, CELL - 2.0, ROW - 3.0, format!("fill:{}", epoch_colour(rec.epoch))) }
                            { svg::text("val", x + CELL / 2.0 - 1.0, row_y + 10.5, cell_label(rec.value.as_ref())) }
                        </g>
                    })
                }).collect::<Vec<_>>();
                let hw_bar = (hw >= first && hw <= first + TAIL).then(|| {
                    let x = LEFT + (hw - first) as f64 * CELL - 1.5;
                    html! { <line class="hw" x1={svg::num(x)} x2={svg::num(x)} y1={svg::num(row_y - 2.0)} y2={svg::num(row_y + ROW - 2.0)} /> }
                });
                let leads = p.leader == Some(*b);
                html! {
                    <g class={classes!("srow", (!alive).then_some("dead"), leads.then_some("leads"))}
                       data-strip-replica={b.to_string()} data-partition={format!("{}-{}", topic.name, p.partition)}
                       data-leo={leo.to_string()} data-hw={hw.to_string()}>
                        { svg::text("who", 14.0, row_y + 10.5, b.to_string()) }
                        { for cells }
                        { for hw_bar }
                        { svg::text("marks", LEFT + TAIL as f64 * CELL + 4.0, row_y + 10.5, format!("LEO {leo} · HW {hw}")) }
                    </g>
                }
            })
            .collect();
        blocks.push(html! {
            <g class="spart">
                { svg::text("phead", 8.0, top + 4.0, head) }
                { for rows }
            </g>
        });
        y += 10.0;
    }
    let h = y - 4.0;
    let html = html! {
        <g class="partition-strip" data-testid="partition-strip" transform={format!("translate({},{})", svg::num(x0), svg::num(y0))}>
            <title>{ t(lang, "replica-logs-hint") }</title>
            <rect class="frame" width={svg::num(WIDTH)} height={svg::num(h)} rx="6" />
            { for blocks }
        </g>
    };
    Some((
        html,
        Rect {
            x0,
            y0,
            x1: x0 + WIDTH,
            y1: y0 + h,
        },
    ))
}
