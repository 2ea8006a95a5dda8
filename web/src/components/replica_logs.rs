//! The data plane side by side: each partition's replica logs (records coloured by leader epoch,
//! labelled by the produce that wrote them, each replica's LEO and HW, so a follower's HW is seen
//! trailing the leader's), and the consumers with what they read.

use super::epoch_colour::epoch_colour;
use crate::i18n::{t, Lang};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use std::rc::Rc;
use yew::prelude::*;

/// Records shown per replica row (the newest ones, one window for all replicas of a partition).
const SHOWN: u64 = 16;
/// Partitions shown (the first ones): a page of rows, not a wall.
const PARTITIONS: usize = 6;

/// One replica's row: its records in the partition's window, as (leader epoch, value).
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
pub struct PartitionBlock {
    /// `topic-partition`.
    pub name: String,
    pub leader_epoch: u32,
    /// The first offset of the window every row shows.
    pub first: u64,
    pub replicas: Vec<ReplicaRow>,
}

#[derive(Clone, PartialEq)]
pub struct ConsumerRow {
    pub id: u64,
    pub topic: String,
    pub partition: u32,
    pub position: Option<u64>,
    pub read_total: u64,
    /// The newest values read, oldest first.
    pub newest: Vec<Rc<str>>,
}

#[derive(Clone, Default, PartialEq)]
pub struct ReplicaLogsView {
    pub partitions: Vec<PartitionBlock>,
    pub consumers: Vec<ConsumerRow>,
}

/// What the panel shows, read from core.
pub fn replica_logs(sim: &Simulation) -> ReplicaLogsView {
    let Some(image) = sim.committed_image_ref() else {
        return ReplicaLogsView::default();
    };
    let partitions = image
        .topics
        .values()
        .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
        .take(PARTITIONS)
        .map(|(topic, p)| {
            let key = (topic.topic_id, p.partition);
            let nodes: Vec<_> = p
                .replicas
                .iter()
                .filter_map(|b| Some((*b, sim.node(*b)?)))
                .collect();
            let max_leo = nodes
                .iter()
                .filter_map(|(_, n)| n.node.partition_replicas().get(&key).map(|r| r.leo()))
                .max()
                .unwrap_or(0);
            let first = max_leo.saturating_sub(SHOWN);
            let replicas = nodes
                .iter()
                .map(|(b, n)| {
                    let r = n.node.partition_replicas().get(&key);
                    let (leo, hw) = r.map_or((0, 0), |r| (r.leo(), r.hw));
                    ReplicaRow {
                        broker: *b,
                        alive: n.alive,
                        leads: p.leader == Some(*b),
                        leo,
                        hw,
                        records: (first..first + SHOWN)
                            .map(|o| {
                                let rec = r.and_then(|r| r.log.record(o))?;
                                Some((rec.epoch, rec.value.clone()))
                            })
                            .collect(),
                    }
                })
                .collect();
            PartitionBlock {
                name: format!("{}-{}", topic.name, p.partition),
                leader_epoch: p.leader_epoch,
                first,
                replicas,
            }
        })
        .collect();
    let consumers = sim
        .consumers()
        .iter()
        .map(|c| ConsumerRow {
            id: c.id,
            topic: c.topic.clone(),
            partition: c.partition,
            position: c.position,
            read_total: c.read_total,
            newest: c.read.iter().rev().take(10).rev().cloned().collect(),
        })
        .collect();
    ReplicaLogsView {
        partitions,
        consumers,
    }
}

#[derive(Properties, PartialEq)]
pub struct ReplicaLogsProps {
    pub lang: Lang,
    pub view: Rc<ReplicaLogsView>,
}

#[function_component(ReplicaLogs)]
pub fn replica_logs_panel(p: &ReplicaLogsProps) -> Html {
    let lang = p.lang;
    let v = &p.view;
    if v.partitions.is_empty() {
        return html! {};
    }
    let blocks = v.partitions.iter().map(|block| {
        let rows = block.replicas.iter().map(|r| {
            let (leo, hw, first) = (r.leo, r.hw, block.first);
            let cells = r.records.iter().zip(first..).map(|(rec, o)| {
                let style = rec.as_ref().map(|x| format!("background:{}", epoch_colour(x.0))).unwrap_or_default();
                let title = rec.as_ref().map(|x| format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "leader-epoch"), x.0, x.1)).unwrap_or_default();
                html! {
                    <span class={classes!("cell", "record", rec.is_none().then_some("empty"), (o < hw).then_some("committed"), (o + 1 == hw).then_some("hw-edge"))}
                          style={style} title={title} data-offset={o.to_string()}>
                        { rec.as_ref().map(|x| x.1.to_string()).unwrap_or_default() }
                    </span>
                }
            });
            let role = if !r.alive { t(lang, "offline") } else if r.leads { t(lang, "leader") } else { t(lang, "follower") };
            html! {
                <div class={classes!("log-row", (!r.alive).then_some("dead"), r.leads.then_some("leads"))}
                     data-replica={r.broker.to_string()} data-leo={leo.to_string()} data-hw={hw.to_string()}>
                    <span class="who">{ r.broker }</span>
                    <span class="cells">{ for cells }</span>
                    <span class="marks">{ format!("{role} · LEO {leo} · HW {hw}") }</span>
                </div>
            }
        });
        html! {
            <div class="partition-log" data-partition={block.name.clone()}>
                <h4>{ format!("{} · {} {}", block.name, t(lang, "leader-epoch"), block.leader_epoch) }</h4>
                { for rows }
            </div>
        }
    });
    html! {
        <div class="panel replicas" data-testid="partition-logs">
            <h2>{ t(lang, "replica-logs") }</h2>
            <p class="hint">{ t(lang, "replica-logs-hint") }</p>
            { for blocks }
            if !v.consumers.is_empty() {
                <h3>{ t(lang, "consumers") }</h3>
                <table data-testid="consumers">
                    <tr><th>{ "#" }</th><th>{ t(lang, "partition") }</th><th>{ t(lang, "position") }</th><th>{ t(lang, "read") }</th></tr>
                    { for v.consumers.iter().map(|c| html! {
                        <tr data-consumer={c.id.to_string()} data-position={c.position.map(|p| p.to_string()).unwrap_or_default()} data-read={c.read_total.to_string()}>
                            <td>{ c.id }</td>
                            <td>{ format!("{}-{}", c.topic, c.partition) }</td>
                            <td>{ c.position.map_or("—".to_string(), |p| p.to_string()) }</td>
                            <td>{ c.newest.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" ") }</td>
                        </tr>
                    }) }
                </table>
            }
        </div>
    }
}
