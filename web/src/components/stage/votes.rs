//! Who granted and who refused whom in the election in progress (or just won): short stubs from
//! each voter toward its candidate.

use super::layout::node_radius;
use super::svg;
use crate::i18n::{t, vote_reason, Lang};
use kraft_core::protocol::event::VoteReason;
use kraft_core::protocol::NodeKind;
use kraft_core::sim::Simulation;
use kraft_core::{NodeId, Role, TraceKind};
use std::collections::BTreeMap;
use yew::prelude::*;

/// One voter's answer, drawn from (ax, ay) to (bx, by) toward its candidate.
#[derive(Clone, Copy, PartialEq)]
pub struct Vote {
    pub voter: NodeId,
    pub candidate: NodeId,
    pub granted: bool,
    pub pre_vote: bool,
    pub reason: VoteReason,
    pub from: (f64, f64),
    pub to: (f64, f64),
}

/// The votes of the moment, placed between the nodes at `pos`.
pub fn placed_votes(sim: &Simulation, pos: &BTreeMap<NodeId, (f64, f64)>, big: bool) -> Vec<Vote> {
    votes(sim)
        .into_iter()
        .filter_map(|(voter, candidate, granted, pre_vote, reason)| {
            let (&(x1, y1), &(x2, y2)) = (pos.get(&voter)?, pos.get(&candidate)?);
            let (dx, dy) = (x2 - x1, y2 - y1);
            let d = (dx * dx + dy * dy).sqrt().max(1.0);
            let r = node_radius(NodeKind::Controller, big) + 6.0;
            let len = (d * 0.32).min(64.0);
            Some(Vote {
                voter,
                candidate,
                granted,
                pre_vote,
                reason,
                from: (x1 + dx / d * r, y1 + dy / d * r),
                to: (x1 + dx / d * (r + len), y1 + dy / d * (r + len)),
            })
        })
        .collect()
}

/// The votes of the election in progress (or just won), per candidate: (voter, candidate,
/// granted, pre-vote, why), from the trace since the candidate's last role change. One pass
/// over the recent trace for all candidates: this runs every frame.
fn votes(sim: &Simulation) -> Vec<(NodeId, NodeId, bool, bool, VoteReason)> {
    let now = sim.now();
    // A candidate's scan ends at its `needed`-th role change (campaigners: the change that made
    // them so; leaders: the one before becoming leader, shown for 1.5 s after winning).
    struct Scan {
        id: NodeId,
        needed: u32,
        seen: u32,
        relevant: bool,
        voters: Vec<(NodeId, (bool, bool, VoteReason))>,
    }
    let mut scans: Vec<Scan> = sim
        .controllers()
        .filter(|n| n.alive)
        .filter_map(|n| {
            let campaigning = matches!(n.node.role(), Role::Candidate | Role::Prospective);
            let leader = n.node.role() == Role::Leader;
            (campaigning || leader).then(|| Scan {
                id: n.node.id,
                needed: if campaigning { 1 } else { 2 },
                seen: 0,
                relevant: campaigning,
                voters: Vec::new(),
            })
        })
        .collect();
    let window = if scans.iter().any(|s| s.relevant) {
        5000
    } else {
        1500
    };
    for e in sim.trace().events().rev() {
        if e.time + window < now || scans.iter().all(|s| s.seen >= s.needed) {
            break;
        }
        match &e.kind {
            TraceKind::Role { node, to, .. } => {
                if let Some(s) = scans
                    .iter_mut()
                    .find(|s| s.id == *node && s.seen < s.needed)
                {
                    s.seen += 1;
                    if s.needed == 2 && s.seen == 1 {
                        s.relevant = *to == Role::Leader && e.time + 1500 >= now;
                    }
                }
            }
            TraceKind::VoteCast {
                voter,
                candidate,
                pre_vote,
                granted,
                reason,
                ..
            } if voter != candidate => {
                if let Some(s) = scans
                    .iter_mut()
                    .find(|s| s.id == *candidate && s.seen < s.needed)
                {
                    // The newest answer of each voter counts.
                    if !s.voters.iter().any(|(v, _)| v == voter) {
                        s.voters.push((*voter, (*granted, *pre_vote, *reason)));
                    }
                }
            }
            _ => {}
        }
    }
    scans
        .into_iter()
        .filter(|s| s.relevant)
        .flat_map(|s| {
            let id = s.id;
            s.voters
                .into_iter()
                .map(move |(v, (g, p, r))| (v, id, g, p, r))
        })
        .collect()
}

/// A voter's stub (drawn with the stage: votes are few and short-lived).
pub fn vote(lang: Lang, v: &Vote) -> Html {
    let (voter, cand) = (v.voter, v.candidate);
    let what = if v.pre_vote { "PreVote" } else { "Vote" };
    let verdict = t(lang, if v.granted { "granted" } else { "refused" });
    let why = vote_reason(lang, v.reason);
    html! {
        <g class={classes!("vote", if v.granted { "granted" } else { "refused" })}
           data-voter={voter.to_string()} data-candidate={cand.to_string()} data-granted={v.granted.to_string()}>
            <title>{ format!("{voter} → {cand}: {what} {verdict} · {why}") }</title>
            { svg::line("hit", v.from, v.to) }
            { svg::line("stub", v.from, v.to) }
            <circle r="3.5" cx={svg::num(v.to.0)} cy={svg::num(v.to.1)} />
        </g>
    }
}
