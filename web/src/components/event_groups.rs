//! The event log's lines: rare events one by one; repetitive ones (HW moves, NoOp appends,
//! fetches, heartbeats, drops) merged, per kind, between two rare events into one line with a
//! count, so a topic creation or an election is never buried under housekeeping.

use kraft_core::protocol::message::Message;
use kraft_core::{NodeId, TraceEvent, TraceKind};

pub enum Line<'a> {
    One(&'a TraceEvent),
    /// `count` events of one repetitive kind; `latest` is the newest of them.
    Many {
        count: usize,
        latest: &'a TraceEvent,
        /// The nodes concerned, in order of first appearance.
        nodes: Vec<NodeId>,
    },
}

/// Events that recur every few hundred milliseconds in a healthy cluster, grouped by what they
/// are (the key); None for the rare ones.
fn repetitive(kind: &TraceKind) -> Option<&'static str> {
    let routine = |m: &Message| {
        matches!(
            m,
            Message::Fetch(_)
                | Message::FetchResponse(_)
                | Message::BrokerHeartbeat(_)
                | Message::BrokerHeartbeatResponse(_)
        )
    };
    match kind {
        TraceKind::HighWatermark { .. } => Some("hw"),
        TraceKind::PartitionHighWatermark { .. } => Some("partition-hw"),
        TraceKind::Append { kind: "no_op", .. } => Some("no-op"),
        // Followers copying the leader's entries: what they copied shows in the leader's line.
        TraceKind::Append {
            kind: "fetched", ..
        } => Some("fetched"),
        TraceKind::Drop { .. } => Some("drop"),
        TraceKind::Send { msg, .. } if routine(msg) => Some("send"),
        TraceKind::Deliver { msg, .. } if routine(msg) => Some("deliver"),
        _ => None,
    }
}

/// Events looked at per render, at most.
const MAX_SCAN: usize = 4000;

/// Lines for events given newest first, at most `max` lines.
pub fn lines<'a>(events: impl Iterator<Item = &'a TraceEvent>, max: usize) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut pending: Vec<(&'static str, Line<'a>)> = Vec::new();
    let flush = |pending: &mut Vec<(&'static str, Line<'a>)>, out: &mut Vec<Line<'a>>| {
        for (_, line) in pending.drain(..) {
            out.push(match line {
                Line::Many {
                    count: 1, latest, ..
                } => Line::One(latest),
                many => many,
            });
        }
    };
    // Bounded: a log of nothing but housekeeping must not make every frame walk the whole trace.
    for e in events.take(MAX_SCAN) {
        if out.len() + pending.len() >= max {
            break;
        }
        match repetitive(&e.kind) {
            Some(key) => {
                let (a, b) = e.kind.nodes();
                match pending.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, Line::Many { count, nodes, .. })) => {
                        *count += 1;
                        for n in a.into_iter().chain(b) {
                            if !nodes.contains(&n) {
                                nodes.push(n);
                            }
                        }
                    }
                    _ => pending.push((
                        key,
                        Line::Many {
                            count: 1,
                            latest: e,
                            nodes: a.into_iter().chain(b.filter(|x| Some(*x) != a)).collect(),
                        },
                    )),
                }
            }
            None => {
                flush(&mut pending, &mut out);
                out.push(Line::One(e));
            }
        }
    }
    flush(&mut pending, &mut out);
    out.truncate(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kraft_core::sim::{Action, NewTopic};
    use kraft_core::{ClusterSpec, Config, Simulation};

    #[test]
    fn a_topic_creation_stays_visible_among_hw_moves_and_no_ops() {
        let mut sim = Simulation::new(ClusterSpec::new(3, 3, 2, Config::default())).unwrap();
        sim.advance_to(8000);
        sim.apply(Action::CreateTopic(NewTopic {
            name: "orders".into(),
            partitions: 2,
            replication_factor: 2,
            ..Default::default()
        }))
        .unwrap();
        sim.advance_to(20_000);
        let newest_first: Vec<&TraceEvent> = sim
            .trace()
            .events()
            .rev()
            .filter(|e| !matches!(e.kind, TraceKind::Send { .. } | TraceKind::Deliver { .. }))
            .collect();
        let topic = |e: &TraceEvent| matches!(&e.kind, TraceKind::Append { kind: "topic", .. });
        // Ungrouped, 40 lines of the last 12 s are all housekeeping.
        assert!(!newest_first.iter().take(40).any(|e| topic(e)));
        let grouped = lines(newest_first.iter().copied(), 40);
        assert!(
            grouped
                .iter()
                .any(|l| matches!(l, Line::One(e) if topic(e))),
            "the topic record is among the first 40 lines"
        );
        // The groups counted what they merged: nothing is lost, only folded.
        let counted: usize = grouped
            .iter()
            .map(|l| match l {
                Line::One(_) => 1,
                Line::Many { count, .. } => *count,
            })
            .sum();
        assert!(counted > 40);
        assert!(grouped
            .iter()
            .any(|l| matches!(l, Line::Many { count, .. } if *count > 1)));
    }
}
