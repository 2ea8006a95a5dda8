//! The stage's partition strip: the tail of each replica's log for the first partitions, beside
//! the brokers, so a narration about records, acks, the ISR or a follower's HW is seen where the
//! learner is looking. (The Partition replicas panel below has the long view.)

use super::placement::Rect;
use super::svg;
use crate::components::epoch_colour::epoch_colour;
use crate::i18n::{t, Lang};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use std::rc::Rc;
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

/// A replica's row: its records in the partition's window, as (leader epoch, value).
#[derive(Clone, PartialEq)]
pub struct ReplicaRow {
    pub broker: NodeId,
    pub alive: bool,
    pub leads: bool,
    pub leo: u64,
    pub hw: u64,
    pub records: Vec<Option<(u32, Rc<str>)>>,
}

#[derive(Clone, PartialEq)]
pub struct PartitionRows {
    /// `topic-partition`.
    pub name: String,
    pub leader: Option<NodeId>,
    pub isr: Vec<NodeId>,
    /// The first offset of the window every row shows.
    pub first: u64,
    pub replicas: Vec<ReplicaRow>,
}

/// The strip: where it sits and a block per partition shown.
#[derive(Clone, PartialEq)]
pub struct PartitionStrip {
    pub x0: f64,
    pub y0: f64,
    pub partitions: Vec<PartitionRows>,
}

impl PartitionStrip {
    fn height(&self) -> f64 {
        let rows: usize = self.partitions.iter().map(|p| p.replicas.len()).sum();
        18.0 + self.partitions.len() as f64 * 16.0 + rows as f64 * ROW - 4.0
    }

    pub fn rect(&self) -> Rect {
        Rect {
            x0: self.x0,
            y0: self.y0,
            x1: self.x0 + WIDTH,
            y1: self.y0 + self.height(),
        }
    }
}

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

/// The strip with its top left at (x0, y0), read from core; None without topics.
pub fn partition_strip(sim: &Simulation, x0: f64, y0: f64) -> Option<PartitionStrip> {
    let image = sim.committed_image_ref()?;
    let partitions: Vec<PartitionRows> = image
        .topics
        .values()
        .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
        .take(PARTITIONS)
        .map(|(topic, p)| {
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
            let replicas = logs
                .iter()
                .map(|(b, alive, r)| {
                    let (leo, hw) = r.map_or((0, 0), |r| (r.leo(), r.hw));
                    ReplicaRow {
                        broker: *b,
                        alive: *alive,
                        leads: p.leader == Some(*b),
                        leo,
                        hw,
                        records: (first..first + TAIL)
                            .map(|o| {
                                let rec = r.and_then(|r| r.log.record(o))?;
                                Some((rec.epoch, rec.value.clone()))
                            })
                            .collect(),
                    }
                })
                .collect();
            PartitionRows {
                name: format!("{}-{}", topic.name, p.partition),
                leader: p.leader,
                isr: p.isr.clone(),
                first,
                replicas,
            }
        })
        .collect();
    (!partitions.is_empty()).then_some(PartitionStrip { x0, y0, partitions })
}

#[derive(Properties, PartialEq)]
pub struct PartitionStripProps {
    pub lang: Lang,
    pub strip: PartitionStrip,
}

#[function_component(PartitionStripView)]
pub fn partition_strip_view(p: &PartitionStripProps) -> Html {
    let (lang, s) = (p.lang, &p.strip);
    let mut y = 18.0;
    let mut blocks = Vec::new();
    for part in &s.partitions {
        let first = part.first;
        let leader = part
            .leader
            .map_or(t(lang, "none").to_string(), |l| l.to_string());
        let head = format!(
            "{} · {} {leader} · ISR {:?}",
            part.name,
            t(lang, "leader"),
            part.isr
        );
        let top = y;
        y += 6.0;
        let rows: Vec<Html> = part
            .replicas
            .iter()
            .map(|r| {
                let row_y = y;
                y += ROW;
                replica_row(lang, &part.name, first, row_y, r)
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
    html! {
        <g class="partition-strip" data-testid="partition-strip" transform={format!("translate({},{})", svg::num(s.x0), svg::num(s.y0))}>
            <title>{ t(lang, "replica-logs-hint") }</title>
            <rect class="frame" width={svg::num(WIDTH)} height={svg::num(h)} rx="6" />
            { for blocks }
        </g>
    }
}

fn replica_row(lang: Lang, partition: &str, first: u64, row_y: f64, r: &ReplicaRow) -> Html {
    let (leo, hw) = (r.leo, r.hw);
    let cells = r.records.iter().zip(first..).filter_map(|(rec, o)| {
        let (epoch, value) = rec.as_ref()?;
        let x = LEFT + (o - first) as f64 * CELL;
        Some(html! {
            <g class={classes!("scell", (o < hw).then_some("committed"))}>
                <title>{ format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "leader-epoch"), epoch, value) }</title>
                { svg::rect("", x, row_y, CELL - 2.0, ROW - 3.0, format!("fill:{}", epoch_colour(*epoch))) }
                { svg::text("val", x + CELL / 2.0 - 1.0, row_y + 10.5, cell_label(value.as_ref())) }
            </g>
        })
    }).collect::<Vec<_>>();
    let hw_bar = (hw >= first && hw <= first + TAIL).then(|| {
        let x = LEFT + (hw - first) as f64 * CELL - 1.5;
        html! { <line class="hw" x1={svg::num(x)} x2={svg::num(x)} y1={svg::num(row_y - 2.0)} y2={svg::num(row_y + ROW - 2.0)} /> }
    });
    html! {
        <g class={classes!("srow", (!r.alive).then_some("dead"), r.leads.then_some("leads"))}
           data-strip-replica={r.broker.to_string()} data-partition={partition.to_string()}
           data-leo={leo.to_string()} data-hw={hw.to_string()}>
            { svg::text("who", 14.0, row_y + 10.5, r.broker.to_string()) }
            { for cells }
            { for hw_bar }
            { svg::text("marks", LEFT + TAIL as f64 * CELL + 4.0, row_y + 10.5, format!("LEO {leo} · HW {hw}")) }
        </g>
    }
}
