//! The data plane side by side: each partition's replica logs (records coloured by leader epoch,
//! labelled by the produce that wrote them, each replica's LEO and HW, so a follower's HW is seen
//! trailing the leader's), and the consumers with what they read. Drawn from core state only.

use crate::i18n::t;
use crate::panels::epoch_colour;
use crate::state::use_store;
use yew::prelude::*;

/// Records shown per replica row (the newest ones, one window for all replicas of a partition).
const SHOWN: u64 = 16;
/// Partitions shown (the first ones): a page of rows, not a wall.
const PARTITIONS: usize = 6;

#[function_component(ReplicaLogs)]
pub fn replica_logs() -> Html {
    let (store, _) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let sim = m.sim();
    let Some(image) = sim.committed_image_ref() else {
        return html! {};
    };
    let partitions: Vec<_> = image
        .topics
        .values()
        .flat_map(|t| t.partitions.iter().map(move |p| (t, p)))
        .take(PARTITIONS)
        .collect();
    if partitions.is_empty() {
        return html! {};
    }
    let blocks = partitions.into_iter().map(|(topic, p)| {
        let key = (topic.topic_id, p.partition);
        let replicas: Vec<_> = p
            .replicas
            .iter()
            .filter_map(|b| Some((*b, sim.node(*b)?)))
            .collect();
        let max_leo = replicas
            .iter()
            .filter_map(|(_, n)| n.node.partition_replicas().get(&key).map(|r| r.leo()))
            .max()
            .unwrap_or(0);
        let first = max_leo.saturating_sub(SHOWN);
        let rows = replicas.iter().map(|(b, n)| {
            let r = n.node.partition_replicas().get(&key);
            let (leo, hw) = r.map_or((0, 0), |r| (r.leo(), r.hw));
            let leads = p.leader == Some(*b);
            let cells = (first..first + SHOWN).map(|o| {
                let rec = r.and_then(|r| r.log.record(o));
                let style = rec.map(|x| format!("background:{}", epoch_colour(x.epoch))).unwrap_or_default();
                let title = rec.map(|x| format!("{} {o} · {} {} · {}", t(lang, "offset"), t(lang, "leader-epoch"), x.epoch, x.value)).unwrap_or_default();
                html! {
                    <span class={classes!("cell", "record", rec.is_none().then_some("empty"), (o < hw).then_some("committed"), (o + 1 == hw).then_some("hw-edge"))}
                          style={style} title={title} data-offset={o.to_string()}>
                        { rec.map(|x| x.value.to_string()).unwrap_or_default() }
                    </span>
                }
            });
            let role = if !n.alive { t(lang, "offline") } else if leads { t(lang, "leader") } else { t(lang, "follower") };
            html! {
                <div class={classes!("log-row", (!n.alive).then_some("dead"), leads.then_some("leads"))}
                     data-replica={b.to_string()} data-leo={leo.to_string()} data-hw={hw.to_string()}>
                    <span class="who">{ b }</span>
                    <span class="cells">{ for cells }</span>
                    <span class="marks">{ format!("{role} · LEO {leo} · HW {hw}") }</span>
                </div>
            }
        });
        let name = format!("{}-{}", topic.name, p.partition);
        html! {
            <div class="partition-log" data-partition={name.clone()}>
                <h4>{ format!("{name} · {} {}", t(lang, "leader-epoch"), p.leader_epoch) }</h4>
                { for rows }
            </div>
        }
    });
    let consumers = sim.consumers();
    html! {
        <div class="panel replicas" data-testid="partition-logs">
            <h2>{ t(lang, "replica-logs") }</h2>
            <p class="hint">{ t(lang, "replica-logs-hint") }</p>
            { for blocks }
            if !consumers.is_empty() {
                <h3>{ t(lang, "consumers") }</h3>
                <table data-testid="consumers">
                    <tr><th>{ "#" }</th><th>{ t(lang, "partition") }</th><th>{ t(lang, "position") }</th><th>{ t(lang, "read") }</th></tr>
                    { for consumers.iter().map(|c| html! {
                        <tr data-consumer={c.id.to_string()} data-position={c.position.map(|p| p.to_string()).unwrap_or_default()} data-read={c.read_total.to_string()}>
                            <td>{ c.id }</td>
                            <td>{ format!("{}-{}", c.topic, c.partition) }</td>
                            <td>{ c.position.map_or("—".to_string(), |p| p.to_string()) }</td>
                            <td>{ c.read.iter().rev().take(10).rev().map(|v| v.to_string()).collect::<Vec<_>>().join(" ") }</td>
                        </tr>
                    }) }
                </table>
            }
        </div>
    }
}
