//! The stage's top line: the virtual clock, and who votes now and what a commit needs (it
//! changes with KIP-853's VotersRecords); in ZooKeeper mode, the controller and its epoch.

use super::placement::{text_width, Placer, Rect};
use crate::i18n::{seconds, t, Lang};
use kraft_core::protocol::ClusterMode;
use kraft_core::sim::Simulation;
use kraft_core::NodeId;

/// The line as drawn, with the test hooks on the quorum's part.
#[derive(Clone, PartialEq)]
pub struct TopLine {
    pub clock: String,
    pub quorum: String,
    /// Where the quorum's part starts: after the clock.
    pub quorum_x: f64,
    pub voters: Vec<NodeId>,
    pub majority: usize,
    pub mode: &'static str,
    /// The controller and its epoch (KRaft: the active controller).
    pub controller: Option<(NodeId, u32)>,
    pub controller_ready: bool,
}

/// The line at the top left of the view box `vb`, its place taken.
pub fn top_line(sim: &Simulation, lang: Lang, vb: &Rect, placer: &mut Placer) -> TopLine {
    let clock = format!("t = {} s", seconds(sim.now(), 3));
    let voters: Vec<NodeId> = sim.current_voters().iter().map(|v| v.id).collect();
    let majority = voters.len() / 2 + 1;
    let listed = voters
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let zookeeper = sim.mode() == ClusterMode::Zookeeper;
    let quorum = if zookeeper {
        zookeeper_line(sim, lang)
    } else {
        match lang {
            Lang::Zh => format!(
                "{} {listed} · {} {} {} {majority} 个",
                t(lang, "voters"),
                t(lang, "hw-needs"),
                voters.len(),
                t(lang, "of")
            ),
            Lang::En => format!(
                "{} {listed} · {} {majority} {} {}",
                t(lang, "voters"),
                t(lang, "hw-needs"),
                t(lang, "of"),
                voters.len()
            ),
        }
    };
    // On the clock's line, after it: the box of logs sits just below.
    let quorum_x = vb.x0 + 12.0 + text_width(&clock, 14.0) + 18.0;
    placer.reserve(Rect {
        x0: vb.x0,
        y0: vb.y0,
        x1: quorum_x + text_width(&quorum, 12.0),
        y1: vb.y0 + 32.0,
    });
    TopLine {
        clock,
        quorum,
        quorum_x,
        voters,
        majority,
        mode: if zookeeper { "zookeeper" } else { "kraft" },
        controller: sim.controller(),
        controller_ready: sim.controller_ready(),
    }
}

/// The stage's top line in ZooKeeper mode: who the controller is, in which controller epoch, and
/// whether it has finished reading ZooKeeper (only then can it elect partition leaders).
fn zookeeper_line(sim: &Simulation, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let epoch = sim.ensemble().map_or(0, |e| e.controller_epoch());
    match sim.controller() {
        None if zh => format!("ZooKeeper 模式 · 没有控制器 · /controller_epoch = {epoch}"),
        None => format!("ZooKeeper mode · no controller · /controller_epoch = {epoch}"),
        Some((c, e)) => {
            let calls = sim
                .node(c)
                .and_then(|n| n.node.zk_controller())
                .map_or(0, |z| z.calls);
            match (sim.controller_ready(), zh) {
                (true, false) => format!("ZooKeeper mode · controller {c} · epoch {e} · loaded ({calls} ZooKeeper calls)"),
                (false, false) => format!("ZooKeeper mode · controller {c} · epoch {e} · loading: {calls} ZooKeeper calls so far"),
                (true, true) => format!("ZooKeeper 模式 · 控制器 {c} · 任期 {e} · 已加载（{calls} 次 ZooKeeper 调用）"),
                (false, true) => format!("ZooKeeper 模式 · 控制器 {c} · 任期 {e} · 加载中：已 {calls} 次 ZooKeeper 调用"),
            }
        }
    }
}
