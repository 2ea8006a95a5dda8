//! The Metadata panel: the committed metadata image (brokers with their last heartbeat, topics
//! with each partition's leader, ISR, ELR and offsets) and the producer's recent produces.

use crate::i18n::{seconds, t, Lang};
use crate::state::{use_dispatch, Msg};
use kraft_core::protocol::message::ErrorCode;
use kraft_core::protocol::partition::Acks;
use kraft_core::protocol::producer::ProduceStatus;
use kraft_core::sim::Simulation;
use kraft_core::{Action, NodeId};
use std::rc::Rc;
use yew::prelude::*;

/// Produces listed, the newest first.
const PRODUCES: usize = 30;

#[derive(Clone, PartialEq)]
pub struct BrokerRow {
    pub id: NodeId,
    pub fenced: bool,
    pub epoch: u64,
    /// Time since the active controller last heard from it, in whole tenths of a second (what
    /// the table shows), if it has.
    pub heartbeat_age_ms: Option<u64>,
}

#[derive(Clone, PartialEq)]
pub struct PartitionRow {
    pub partition: u32,
    pub leader: Option<NodeId>,
    pub preferred: Option<NodeId>,
    pub recovering: bool,
    pub isr: Vec<NodeId>,
    pub elr: Vec<NodeId>,
    pub replicas: Vec<NodeId>,
    /// The live leader's LEO and HW.
    pub offsets: Option<(u64, u64)>,
}

#[derive(Clone, PartialEq)]
pub struct TopicBlock {
    pub name: String,
    pub partitions: Vec<PartitionRow>,
}

#[derive(Clone, PartialEq)]
pub struct ProduceRow {
    pub id: u64,
    pub topic: String,
    pub partition: u32,
    pub acks: Acks,
    pub status: ProduceStatus,
    pub error: Option<ErrorCode>,
    pub base_offset: Option<u64>,
    /// Acknowledged values no longer at their offset.
    pub lost: Vec<String>,
}

#[derive(Clone, PartialEq)]
pub struct MetadataView {
    pub applied_offset: u64,
    pub brokers: Vec<BrokerRow>,
    pub topics: Vec<Rc<TopicBlock>>,
    pub produces: Vec<ProduceRow>,
}

/// What the panel shows, read from core.
pub fn metadata(sim: &Simulation) -> MetadataView {
    let empty = kraft_core::protocol::metadata::Image::default();
    let image = sim.committed_image_ref().unwrap_or(&empty);
    let sessions = sim
        .acting_leader()
        .and_then(|l| sim.node(l))
        .and_then(|n| n.node.active_controller())
        .map(|c| &c.sessions);
    let brokers = image
        .brokers
        .values()
        .map(|b| BrokerRow {
            id: b.id,
            fenced: b.fenced,
            epoch: b.epoch,
            heartbeat_age_ms: sessions.and_then(|s| s.get(&b.id)).map(|t| {
                let age = sim.now().saturating_sub(*t);
                age - age % 100
            }),
        })
        .collect();
    let topics = image
        .topics
        .values()
        .map(|topic| {
            Rc::new(TopicBlock {
                name: topic.name.clone(),
                partitions: topic
                    .partitions
                    .iter()
                    .map(|p| PartitionRow {
                        partition: p.partition,
                        leader: p.leader,
                        preferred: p.preferred_leader(),
                        recovering: p.recovering,
                        isr: p.isr.clone(),
                        elr: p.elr.clone(),
                        replicas: p.replicas.clone(),
                        offsets: sim.partition_offsets(topic.topic_id, p.partition, p.leader),
                    })
                    .collect(),
            })
        })
        .collect();
    let produces = sim
        .produces()
        .iter()
        .rev()
        .take(PRODUCES)
        .map(|p| ProduceRow {
            id: p.id,
            topic: p.topic.clone(),
            partition: p.partition,
            acks: p.acks,
            status: p.status,
            error: p.error,
            base_offset: p.base_offset,
            lost: sim.lost_values(p),
        })
        .collect();
    MetadataView {
        applied_offset: image.applied_offset,
        brokers,
        topics,
        produces,
    }
}

#[derive(Properties, PartialEq)]
pub struct MetadataPanelProps {
    pub lang: Lang,
    pub view: Rc<MetadataView>,
}

#[function_component(MetadataPanel)]
pub fn metadata_panel(p: &MetadataPanelProps) -> Html {
    let (lang, v) = (p.lang, &p.view);
    html! {
        <div class="panel metadata" data-testid="metadata">
            <h2>{ t(lang, "metadata") }</h2>
            <h3>{ t(lang, "brokers-table") }{ format!(" · {} {}", t(lang, "offset"), v.applied_offset) }</h3>
            <table>
                <tr><th>{ t(lang, "id") }</th><th>{ t(lang, "state") }</th><th>{ "broker epoch" }</th><th>{ t(lang, "heartbeat") }</th></tr>
                <>{ for v.brokers.iter().map(|b| html! { <BrokerRowView key={b.id} lang={lang} broker={b.clone()} /> }) }</>
            </table>
            <h3>{ t(lang, "topics") }</h3>
            { for v.topics.iter().map(|topic| html! { <TopicTable lang={lang} topic={topic.clone()} /> }) }
            if !v.produces.is_empty() {
                <h3>{ t(lang, "produces") }</h3>
                <table data-testid="produces">
                    <tr><th>{ "#" }</th><th>{ t(lang, "partition") }</th><th>{ "acks" }</th><th>{ t(lang, "state") }</th><th>{ t(lang, "offset") }</th><th>{ t(lang, "lost") }</th></tr>
                    { for v.produces.iter().map(|p| produce_row(lang, p)) }
                </table>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BrokerRowProps {
    lang: Lang,
    broker: BrokerRow,
}

#[function_component(BrokerRowView)]
fn broker_row(p: &BrokerRowProps) -> Html {
    let (lang, b) = (p.lang, &p.broker);
    let hb = b.heartbeat_age_ms.map(|ms| format!("{} s", seconds(ms, 1)));
    html! {
        <tr data-broker={b.id.to_string()} data-fenced={b.fenced.to_string()}>
            <td>{ b.id }</td>
            <td class={if b.fenced { "fenced" } else { "unfenced" }}>{ t(lang, if b.fenced { "fenced" } else { "unfenced" }) }</td>
            <td>{ b.epoch }</td>
            <td>{ hb.unwrap_or_else(|| "—".into()) }</td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct TopicTableProps {
    lang: Lang,
    topic: Rc<TopicBlock>,
}

#[function_component(TopicTable)]
fn topic_table(p: &TopicTableProps) -> Html {
    let on = use_dispatch();
    let (lang, topic) = (p.lang, &p.topic);
    html! {
        <div class="topic">
            <h4>{ &topic.name }</h4>
            <table>
                <tr><th>{ t(lang, "partition") }</th><th>{ t(lang, "leader") }</th><th>{ "ISR" }</th><th>{ "ELR" }</th><th>{ t(lang, "replicas") }</th><th>{ "LEO" }</th><th>{ "HW" }</th><th></th></tr>
                { for topic.partitions.iter().map(|p| {
                    let preferred = p.preferred;
                    let elect = {
                        let (on, topic, partition) = (on.clone(), topic.name.clone(), p.partition);
                        Callback::from(move |_| on.emit(Msg::Act(Action::ElectPreferred { topic: topic.clone(), partition })))
                    };
                    html! {
                        <tr data-partition={format!("{}-{}", topic.name, p.partition)} data-leader={p.leader.map(|l| l.to_string()).unwrap_or_default()}>
                            <td>{ p.partition }</td>
                            <td title={t(lang, if p.recovering { "recovering" } else { "preferred" }).to_string()}>
                                { p.leader.map_or(t(lang, "none").to_string(), |l| l.to_string()) }
                                { if p.leader.is_some() && p.leader == preferred { " ★" } else { "" } }
                                { if p.recovering { " ⚠" } else { "" } }
                            </td>
                            <td>{ format!("{:?}", p.isr) }</td>
                            <td>{ if p.elr.is_empty() { "—".to_string() } else { format!("{:?}", p.elr) } }</td>
                            <td>{ format!("{:?}", p.replicas) }</td>
                            { for p.offsets.map(|(leo, hw)| html! { <><td>{ leo }</td><td>{ hw }</td></> }) }
                            <td>
                                if p.leader != preferred {
                                    <button class="small" data-action="elect-preferred" onclick={elect} title={t(lang, "elect-preferred").to_string()}>{ "★" }</button>
                                }
                            </td>
                        </tr>
                    }
                }) }
            </table>
        </div>
    }
}

fn produce_row(lang: Lang, p: &ProduceRow) -> Html {
    let status = match p.status {
        ProduceStatus::Pending => t(lang, "pending"),
        ProduceStatus::Acked => t(lang, "acked"),
        ProduceStatus::Failed => t(lang, "failed"),
    };
    let acks = match p.acks {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    };
    let lost = &p.lost;
    html! {
        <tr data-produce={p.id.to_string()} data-status={format!("{:?}", p.status).to_lowercase()} data-lost={lost.len().to_string()}>
            <td>{ p.id }</td>
            <td>{ format!("{}-{}", p.topic, p.partition) }</td>
            <td>{ acks }</td>
            <td>{ status }{ p.error.map(|e| format!(" ({})", e.name())).unwrap_or_default() }</td>
            <td>{ p.base_offset.map_or("—".to_string(), |b| b.to_string()) }</td>
            <td class={classes!((!lost.is_empty()).then_some("lost"))}>{ if lost.is_empty() { "—".to_string() } else { lost.join(" ") } }</td>
        </tr>
    }
}
