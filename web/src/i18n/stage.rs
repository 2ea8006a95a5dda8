//! The stage's words: what a running scenario step waits for, and the legend of every mark.

use super::lang::Lang;
use super::numbers::seconds;
use super::words::role_label;
use kraft_core::scenario::{Condition, Step, Target, Wait};

fn who(lang: Lang, t: &Target) -> String {
    match (t, lang) {
        (Target::Id(id), Lang::En) => format!("node {id}"),
        (Target::Id(id), Lang::Zh) => format!("节点 {id}"),
        (Target::Leader, Lang::En) => "the leader".into(),
        (Target::Leader, Lang::Zh) => "领导者".into(),
        (Target::PartitionLeader { topic, partition }, Lang::En) => {
            format!("the leader of {topic}-{partition}")
        }
        (Target::PartitionLeader { topic, partition }, Lang::Zh) => {
            format!("{topic}-{partition} 的领导者")
        }
    }
}

fn condition(lang: Lang, c: &Condition) -> String {
    let zh = lang == Lang::Zh;
    match c {
        Condition::Leader if zh => "多数派追随一个领导者".into(),
        Condition::Leader => "a leader that a majority follows".into(),
        Condition::LeaderIs(t) if zh => format!("{} 成为领导者", who(lang, t)),
        Condition::LeaderIs(t) => format!("{} to lead", who(lang, t)),
        Condition::HwAtLeast { node, offset } if zh => {
            format!("{} 的高水位达到 {offset}", who(lang, node))
        }
        Condition::HwAtLeast { node, offset } => {
            format!("{}'s HW to reach {offset}", who(lang, node))
        }
        Condition::ControllerIs(id) if zh => format!("{id} 成为控制器"),
        Condition::ControllerIs(id) => format!("{id} to be the controller"),
        Condition::ControllerReady if zh => "控制器能够重新选举分区领导者".into(),
        Condition::ControllerReady => "a controller able to elect partition leaders".into(),
        Condition::CaughtUp if zh => "每个存活的控制器追上领导者的日志".into(),
        Condition::CaughtUp => "every live controller to catch up with the leader's log".into(),
        Condition::Fenced(b) if zh => format!("Broker {b} 被屏蔽"),
        Condition::Fenced(b) => format!("broker {b} to be fenced"),
        Condition::Unfenced(b) if zh => format!("Broker {b} 解除屏蔽"),
        Condition::Unfenced(b) => format!("broker {b} to be unfenced"),
        Condition::Role { node, role } if zh => {
            format!("{} 成为 {}", who(lang, node), role_label(lang, role))
        }
        Condition::Role { node, role } => {
            format!("{} to be {}", who(lang, node), role_label(lang, role))
        }
        Condition::ProduceDone(k) if zh => format!("写入 {k} 被确认或失败"),
        Condition::ProduceDone(k) => format!("produce {k} to be acknowledged or failed"),
        Condition::Replica {
            topic,
            partition,
            broker,
            leo,
            hw,
            flushed,
        } => {
            let mut parts = Vec::new();
            if let Some(l) = leo {
                parts.push(format!("LEO {l}"));
            }
            if let Some(h) = hw {
                parts.push(if zh {
                    format!("高水位 {h}")
                } else {
                    format!("HW {h}")
                });
            }
            if let Some(f) = flushed {
                parts.push(if zh {
                    format!("已刷盘到 {f}")
                } else {
                    format!("flushed to {f}")
                });
            }
            let what = parts.join(if zh { "、" } else { ", " });
            if zh {
                format!("Broker {broker} 上 {topic}-{partition} 的副本到达 {what}")
            } else {
                format!("broker {broker}'s replica of {topic}-{partition} to reach {what}")
            }
        }
        Condition::PartitionLeaderIs {
            topic,
            partition,
            broker,
        } => match (broker, zh) {
            (Some(b), true) => format!("Broker {b} 成为 {topic}-{partition} 的领导者"),
            (Some(b), false) => format!("broker {b} to lead {topic}-{partition}"),
            (None, true) => format!("{topic}-{partition} 没有领导者"),
            (None, false) => format!("{topic}-{partition} to have no leader"),
        },
        Condition::IsrIs {
            topic,
            partition,
            isr,
        } if zh => format!("{topic}-{partition} 的 ISR 变为 {isr:?}"),
        Condition::IsrIs {
            topic,
            partition,
            isr,
        } => format!("the ISR of {topic}-{partition} to be {isr:?}"),
    }
}

/// "Running until …": what the step in progress waits for, with its deadline in virtual time.
pub fn wait_text(lang: Lang, wait: &Wait, step: Option<&Step>) -> String {
    let s = |ms: u64| format!("{} s", seconds(ms, 1));
    let zh = lang == Lang::Zh;
    match wait {
        Wait::Time(t) if zh => format!("时钟到达 t = {}", s(*t)),
        Wait::Time(t) => format!("the clock reaches t = {}", s(*t)),
        Wait::Condition { cond, deadline, .. } if zh => {
            format!("{}（最迟 t = {}）", condition(lang, cond), s(*deadline))
        }
        Wait::Condition { cond, deadline, .. } => {
            format!("{} (by t = {})", condition(lang, cond), s(*deadline))
        }
        Wait::Leader { deadline } => {
            let what = match (step, zh) {
                (Some(Step::CreateTopic(_)), false) => "an active controller to take the topic",
                (Some(Step::CreateTopic(_)), true) => "一个活跃控制器来创建主题",
                (Some(Step::Produce(_)), false) => "the partition's leader to take the records",
                (Some(Step::Produce(_)), true) => "分区领导者来接收记录",
                (_, false) => "a leader to take the next write",
                (_, true) => "一个领导者来接收下一次写入",
            };
            if zh {
                format!("{what}（最迟 t = {}）", s(*deadline))
            } else {
                format!("{what} (by t = {})", s(*deadline))
            }
        }
    }
}

/// One line of the legend: the kind of swatch to draw (a CSS class), and what it means.
pub struct LegendMark {
    pub swatch: &'static str,
    pub text: &'static str,
}

/// Every mark, colour, ring, line and glyph on the stage and in the logs.
pub fn legend(lang: Lang) -> Vec<LegendMark> {
    let rows: &[(&str, &str, &str)] = &[
        ("node leader", "Leader: the controller that writes __cluster_metadata in this epoch", "领导者：本任期写入 __cluster_metadata 的控制器"),
        ("node follower", "Follower: fetches the log from the leader", "追随者：从领导者拉取日志"),
        ("node prospective", "Prospective: asking for pre-votes, epoch unchanged (KIP-996)", "预候选者：请求预投票，任期不变（KIP-996）"),
        ("node candidate", "Candidate: raised its epoch and asks for votes", "候选者：提升了任期并请求投票"),
        ("node unattached", "Unattached: knows no leader in its epoch", "无主：在当前任期不知道领导者"),
        ("node resigned", "Resigned: a leader stepping down (it will not lead or vote again in this epoch)", "已辞职：正在卸任的领导者（本任期不再领导或投票）"),
        ("node observer", "Hollow dashed controller: an observer, outside the voter set (KIP-853: it fetches like a broker and never campaigns; add it as a voter from its menu)", "空心虚线的控制器：观察者，不在投票者集合中（KIP-853：它像 Broker 一样拉取，从不竞选；可在它的菜单中加入投票者）"),
        ("node combined", "Disc with a small square: a combined node (process.roles=broker,controller), one process running a controller and a broker; a crash takes both. The square is its broker: green unfenced, red fenced", "带小方块的圆：组合节点（process.roles=broker,controller），一个进程同时运行控制器和 Broker；崩溃会同时带走两者。小方块是它的 Broker：绿色未屏蔽，红色已屏蔽"),
        ("text quorum", "Voters 1 2 3 · the HW needs 2 of 3: the voter set in force (the newest VotersRecord in the leader's log, committed or not) and the majority a commit needs", "投票者 1 2 3 · 高水位需要 3 个中的 2 个：当前生效的投票者集合（领导者日志中最新的 VotersRecord，无论是否已提交）以及提交所需的多数"),
        ("node unfenced", "Broker, unfenced: may lead and host partitions", "Broker，未屏蔽：可以担任分区领导者"),
        ("node fenced", "Broker, fenced: registered but not (yet) allowed to serve", "Broker，已屏蔽：已注册但（尚）不能提供服务"),
        ("node fenced", "Under a crashed broker, in red or green: fenced or unfenced as the controller's committed metadata says (the broker cannot tell)", "崩溃的 Broker 下方的红字或绿字：控制器已提交的元数据认为它已屏蔽或未屏蔽（Broker 自己无法说明）"),
        ("node offline", "Offline: crashed (its disk survives)", "离线：已崩溃（磁盘保留）"),
        ("node paused", "Dashed outline: paused (a long GC); it misses its timers", "虚线轮廓：已暂停（长时间 GC），错过计时器"),
        ("node slow", "Small clock at a node's top right: a slow node; every message to it arrives late (hover for how late; its menu ends it)", "节点右上角的小时钟：慢节点，发给它的每条消息都晚到（悬停可看晚多久；在它的菜单中可恢复）"),
        ("ring fetch", "Grey ring: time left before the fetch timeout (a follower that hears nothing campaigns)", "灰色圆环：距离拉取超时的剩余时间（收不到消息的追随者会发起选举）"),
        ("ring election", "Orange ring: time left before the election timeout", "橙色圆环：距离选举超时的剩余时间"),
        ("ring check-quorum", "Gold ring: the leader's check-quorum window (1.5 × fetch timeout without a majority fetching → resign)", "金色圆环：领导者的法定人数检查窗口（1.5 倍拉取超时内没有多数派拉取 → 辞职）"),
        ("text epoch", "e3: the node's epoch; → 1: the leader it follows", "e3：节点的任期；→ 1：它追随的领导者"),
        ("text badge", "LEO · HW: log end offset (next offset to write) and high watermark (offsets below it are committed); — = unknown", "LEO · HW：日志末端偏移量（下一个写入位置）与高水位（其下的偏移量已提交）；— 表示未知"),
        ("line up", "Solid line: a link between controllers (click to cut it)", "实线：控制器之间的链路（点击可切断）"),
        ("line broker", "Dotted line: a broker fetching metadata from its leader", "点线：Broker 从领导者拉取元数据"),
        ("line replication", "Green arc between brokers: a partition follower fetching records from its leader (click to cut it)", "Broker 之间的绿色弧线：分区追随者从领导者拉取记录（点击可切断）"),
        ("line cut", "Red dashed line: cut both ways", "红色虚线：双向切断"),
        ("line half", "Orange dashed line with ✂: cut one way; the ✂ sits by the sender whose messages are lost", "橙色虚线加 ✂：单向切断；✂ 位于消息丢失的发送方一侧"),
        ("vote granted", "Green stub toward a candidate: vote (or pre-vote) granted; hover for why", "指向候选者的绿色短线：同意投票（或预投票）；悬停可看原因"),
        ("vote refused", "Red dashed stub: vote refused; hover for why", "红色虚线短线：拒绝投票；悬停可看原因"),
        ("msg fetch", "Blue dot: Fetch and its answer; the label says what it carries (+3 = three entries)", "蓝色圆点：Fetch 及其应答；标签说明内容（+3 表示三个条目）"),
        ("msg vote", "Orange dot: Vote / PreVote request or answer (✓ granted, ✗ refused)", "橙色圆点：Vote / PreVote 请求或应答（✓ 同意，✗ 拒绝）"),
        ("msg epoch", "Purple dot: BeginQuorumEpoch / EndQuorumEpoch", "紫色圆点：BeginQuorumEpoch / EndQuorumEpoch"),
        ("msg snapshot", "Teal dot: FetchSnapshot chunks", "青色圆点：FetchSnapshot 分块"),
        ("msg broker", "Green dot: broker registration and heartbeats", "绿色圆点：Broker 注册与心跳"),
        ("box strip", "Box at the left: the newest entries of each controller's log (colour and number = epoch, faded = not committed, dark bar = HW)", "左侧方框：各控制器日志的最新条目（颜色与数字表示任期，变淡表示未提交，深色竖条为高水位）"),
        ("box partitions", "Box below it: each replica of the first partitions (value = produce.record, colour = leader epoch, faded = above that replica's HW, dark bar = its HW)", "其下方框：前几个分区的各个副本（值 = 写入编号.序号，颜色 = 领导者任期，变淡 = 高于该副本的高水位，深色竖条 = 它的高水位）"),
        ("box progress", "Box at top right: how far each replica has fetched, as the leader sees it", "右上角方框：领导者看到的各副本拉取进度"),
        ("cell committed", "Log cell: colour = epoch, number = epoch; faded = above the HW (not committed)", "日志格：颜色与数字表示任期；变淡表示在高水位之上（未提交）"),
        ("cell control", "Dark outline: a control record (LeaderChange)", "深色轮廓：控制记录（LeaderChange）"),
        ("cell snap", "Striped: below the log start, inside a snapshot", "条纹：日志起点之下，已在快照中"),
        ("cell hw", "Dark bar: the high watermark; teal bar: the log start offset", "深色竖条：高水位；青色竖条：日志起始偏移量"),
        ("glyph", "✂ 1 → 10: one entry truncated, log now ends at 10 · ⇣ 60 1: downloading the snapshot ending at 60, 1 chunk so far · 📷 20: snapshot taken at 20", "✂ 1 → 10：截断一个条目，日志止于 10 · ⇣ 60 1：正在下载止于 60 的快照，已收到 1 块 · 📷 20：在 20 处生成快照"),
        ("keys", "Keys: space play/pause · → step · ← step back · ? this legend", "快捷键：空格 播放/暂停 · → 单步 · ← 后退 · ? 本图例"),
    ];
    rows.iter()
        .map(|(swatch, en, zh)| LegendMark {
            swatch,
            text: if lang == Lang::Zh { zh } else { en },
        })
        .collect()
}
