//! All UI text in English and Chinese, and the one-sentence explanation of each trace event.

use kraft_core::protocol::message::{FetchBody, Message};
use kraft_core::protocol::{DropReason, TraceKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// A UI string. Unknown keys show the key itself, so a missing translation is visible, not fatal.
pub fn t(lang: Lang, key: &str) -> &str {
    let (en, zh) = match key {
        "title" => ("KRaft Playground", "KRaft 演练场"),
        "subtitle" => (
            "A Kafka KRaft cluster in your browser: break it and watch it heal",
            "浏览器里的 Kafka KRaft 集群：弄坏它，看它自愈",
        ),
        "play" => ("Play", "播放"),
        "pause" => ("Pause", "暂停"),
        "step" => ("Step", "单步"),
        "step-back" => ("Step back", "后退"),
        "speed" => ("Speed", "速度"),
        "next-election" => ("Next election", "下一次选举"),
        "next-hw" => ("Next HW move", "下一次高水位推进"),
        "next-snapshot" => ("Next snapshot", "下一个快照"),
        "time" => ("Time", "时间"),
        "events" => ("Event log", "事件日志"),
        "logs" => ("Logs", "日志"),
        "metadata" => ("Metadata", "元数据"),
        "violations" => ("Invariants", "不变量"),
        "no-violations" => ("All safety invariants hold.", "所有安全不变量均成立。"),
        "crash" => ("Crash", "崩溃"),
        "restart" => ("Restart", "重启"),
        "pause-node" => ("Pause 5 s (GC)", "暂停 5 秒（GC）"),
        "elect" => ("Elect now", "立即选举"),
        "resign" => ("Resign", "辞职"),
        "isolate" => ("Isolate", "隔离"),
        "cut-both" => ("Cut both ways", "双向切断"),
        "cut-one" => ("Cut one way", "单向切断"),
        "heal" => ("Heal", "恢复"),
        "heal-all" => ("Heal all links", "恢复所有链路"),
        "isolate-leader" => ("Isolate the leader", "隔离领导者"),
        "split" => ("Split the controllers", "分裂控制器"),
        "append" => ("Append 5 records", "追加 5 条记录"),
        "create-topic" => ("Create a topic", "创建主题"),
        "produce" => ("Produce 10 records", "写入 10 条记录"),
        "settings" => ("Cluster", "集群"),
        "controllers" => ("Controllers", "控制器"),
        "brokers" => ("Brokers", "Broker"),
        "seed" => ("Seed", "随机种子"),
        "pre-vote" => ("Pre-vote (KIP-996)", "预投票（KIP-996）"),
        "snapshot-every" => ("Snapshot every N records", "每 N 条记录做快照"),
        "latency" => ("Latency ms (min-max)", "延迟毫秒（最小-最大）"),
        "election-timeout" => ("Election timeout ms", "选举超时（毫秒）"),
        "fetch-timeout" => ("Fetch timeout ms", "拉取超时（毫秒）"),
        "new-cluster" => ("New cluster", "新建集群"),
        "scenario" => ("Scenario", "场景"),
        "free-play" => ("Free play", "自由模式"),
        "next" => ("Next", "下一步"),
        "previous" => ("Previous", "上一步"),
        "export" => ("Export", "导出"),
        "import" => ("Import", "导入"),
        "share" => ("Copy share link", "复制分享链接"),
        "shared" => (
            "Share link copied to the clipboard (and put in the address bar).",
            "分享链接已复制到剪贴板（也已放入地址栏）。",
        ),
        "role" => ("role", "角色"),
        "epoch" => ("epoch", "任期"),
        "leader" => ("leader", "领导者"),
        "offline" => ("offline", "离线"),
        "leader-role" => ("leader", "领导者"),
        "follower" => ("follower", "追随者"),
        "candidate" => ("candidate", "候选者"),
        "prospective" => ("prospective", "预候选者"),
        "unattached" => ("unattached", "未归属"),
        "resigned" => ("resigned", "已辞职"),
        "paused" => ("paused", "已暂停"),
        "node" => ("Node", "节点"),
        "link" => ("Link", "链路"),
        "close" => ("Close", "关闭"),
        "brokers-table" => ("Brokers (committed image)", "Broker（已提交的元数据镜像）"),
        "topics" => ("Topics", "主题"),
        "fenced" => ("fenced", "已隔离"),
        "observer" => ("observer", "观察者"),
        "unfenced" => ("unfenced", "未隔离"),
        "heartbeat" => ("last heartbeat", "最近心跳"),
        "partition" => ("partition", "分区"),
        "replicas" => ("replicas", "副本"),
        "none" => ("none", "无"),
        "filter" => ("Show", "显示"),
        "f-messages" => ("messages", "消息"),
        "f-roles" => ("roles & votes", "角色与投票"),
        "f-log" => ("log & HW", "日志与高水位"),
        "f-brokers" => ("brokers", "Broker"),
        "f-faults" => ("faults", "故障"),
        "all-nodes" => ("all nodes", "所有节点"),
        "charts" => ("Charts", "图表"),
        "chart-offsets" => ("HW and LEO per node", "各节点的高水位与 LEO"),
        "chart-rpcs" => ("Messages per second by RPC", "各 RPC 每秒消息数"),
        "unsafe" => ("Unsafe switch on", "不安全开关已打开"),
        "help" => (
            "Keys: space play/pause, → step, ← step back, ? help",
            "快捷键：空格 播放/暂停，→ 单步，← 后退，? 帮助",
        ),
        "nothing-next" => (
            "Nothing of that kind happened in the next 2 minutes.",
            "接下来 2 分钟内没有发生此类事件。",
        ),
        "import-error" => (
            "That file is not a KRaft Playground session",
            "该文件不是 KRaft 演练场的会话",
        ),
        "scenario-left" => ("You moved through time: the scenario's narration stops here and you play freely (pick the scenario again to restart it).", "你移动了时间：场景讲解在此停止，你可以自由操作（重新选择场景即可从头开始）。"),
        "scenario-done" => (
            "The scenario is over. Keep playing freely.",
            "场景结束。可以继续自由操作。",
        ),
        "goal" => ("Goal", "目标"),
        "outcome" => ("What you should see", "你应该看到"),
        "log-start" => ("log start", "日志起点"),
        "snapshot" => ("snapshot", "快照"),
        _ => (key, key),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn rpc_line(lang: Lang, msg: &Message) -> String {
    let en = match msg {
        Message::Vote(v) if v.pre_vote => format!(
            "asks for a pre-vote in epoch {} (last entry epoch {}, end offset {}), without raising its epoch",
            v.epoch, v.last_epoch, v.end_offset
        ),
        Message::Vote(v) => format!("asks for a vote in epoch {} (last entry epoch {}, end offset {})", v.epoch, v.last_epoch, v.end_offset),
        Message::VoteResponse(v) => format!("{} the {}vote (epoch {})", if v.granted { "grants" } else { "refuses" }, if v.pre_vote { "pre-" } else { "" }, v.epoch),
        Message::BeginQuorumEpoch { epoch, leader } => format!("announces that {leader} leads epoch {epoch}"),
        Message::EndQuorumEpoch { epoch, preferred_successors, .. } => {
            format!("is leaving epoch {epoch}; preferred successors {preferred_successors:?}")
        }
        Message::Fetch(f) => format!("fetches from offset {} (last fetched epoch {})", f.fetch_offset, f.last_fetched_epoch),
        Message::FetchResponse(r) => match &r.body {
            FetchBody::Records { entries, high_watermark } => format!(
                "answers with {} records and HW {}",
                entries.len(),
                high_watermark.map_or("unknown".into(), |h| h.to_string())
            ),
            FetchBody::DivergingEpoch { epoch, end_offset } => format!("says the logs diverge: epoch {epoch} ends at {end_offset}, truncate there"),
            FetchBody::SnapshotId { id } => format!("says: too far behind, fetch snapshot ({}, {})", id.end_offset, id.epoch),
            FetchBody::Error { error } => format!("refuses the fetch: {error:?}"),
        },
        Message::FetchSnapshot(f) => format!("downloads snapshot ({}, {}) from chunk {}", f.id.end_offset, f.id.epoch, f.position),
        Message::FetchSnapshotResponse(r) => format!("sends snapshot chunk {} of {}", r.position + 1, r.size),
        other => other.summary(),
    };
    if lang == Lang::En {
        return en;
    }
    match msg {
        Message::Vote(v) if v.pre_vote => format!(
            "在任期 {} 请求预投票（最后条目任期 {}，末尾偏移 {}），不提升任期",
            v.epoch, v.last_epoch, v.end_offset
        ),
        Message::Vote(v) => format!(
            "在任期 {} 请求投票（最后条目任期 {}，末尾偏移 {}）",
            v.epoch, v.last_epoch, v.end_offset
        ),
        Message::VoteResponse(v) => format!(
            "{}{}投票（任期 {}）",
            if v.granted { "同意" } else { "拒绝" },
            if v.pre_vote { "预" } else { "" },
            v.epoch
        ),
        Message::BeginQuorumEpoch { epoch, leader } => {
            format!("宣布 {leader} 成为任期 {epoch} 的领导者")
        }
        Message::EndQuorumEpoch {
            epoch,
            preferred_successors,
            ..
        } => format!("即将离开任期 {epoch}；首选继任者 {preferred_successors:?}"),
        Message::Fetch(f) => format!(
            "从偏移 {} 拉取（最后拉取的任期 {}）",
            f.fetch_offset, f.last_fetched_epoch
        ),
        Message::FetchResponse(r) => match &r.body {
            FetchBody::Records {
                entries,
                high_watermark,
            } => format!(
                "返回 {} 条记录，高水位 {}",
                entries.len(),
                high_watermark.map_or("未知".into(), |h| h.to_string())
            ),
            FetchBody::DivergingEpoch { epoch, end_offset } => {
                format!("指出日志分叉：任期 {epoch} 结束于 {end_offset}，请截断到那里")
            }
            FetchBody::SnapshotId { id } => {
                format!("指出落后太多，请拉取快照 ({}, {})", id.end_offset, id.epoch)
            }
            FetchBody::Error { error } => format!("拒绝拉取：{error:?}"),
        },
        Message::FetchSnapshot(f) => format!(
            "从第 {} 块开始下载快照 ({}, {})",
            f.position, f.id.end_offset, f.id.epoch
        ),
        Message::FetchSnapshotResponse(r) => {
            format!("发送快照第 {} / {} 块", r.position + 1, r.size)
        }
        other => other.summary(),
    }
}

/// One sentence for one trace event.
pub fn describe(lang: Lang, kind: &TraceKind) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        TraceKind::Send { from, to, msg, .. } => {
            format!("{from} → {to} {}: {}", msg.rpc(), rpc_line(lang, msg))
        }
        TraceKind::Deliver { from, to, msg, .. } => {
            if zh {
                format!("{to} 收到来自 {from} 的 {}", msg.rpc())
            } else {
                format!("{to} receives {} from {from}", msg.rpc())
            }
        }
        TraceKind::Drop {
            from,
            to,
            reason,
            msg,
            ..
        } => {
            let why = match (reason, zh) {
                (DropReason::LinkDown, false) => "the link is cut",
                (DropReason::Loss, false) => "the network lost it",
                (DropReason::NodeDown, false) => "the receiver is down",
                (DropReason::LinkDown, true) => "链路已切断",
                (DropReason::Loss, true) => "网络丢包",
                (DropReason::NodeDown, true) => "接收方已宕机",
            };
            if zh {
                format!("{from} → {to} 的 {} 被丢弃：{why}", msg.rpc())
            } else {
                format!("{} from {from} to {to} is dropped: {why}", msg.rpc())
            }
        }
        TraceKind::Role {
            node,
            from,
            to,
            epoch,
            leader,
            reason,
        } => {
            let leader = leader.map_or(String::new(), |l| {
                if zh {
                    format!("，领导者 {l}")
                } else {
                    format!(", leader {l}")
                }
            });
            if zh {
                format!(
                    "{node} 从 {} 变为 {}（任期 {epoch}{leader}）：{reason}",
                    from.name(),
                    to.name()
                )
            } else {
                format!(
                    "{node} goes from {} to {} in epoch {epoch}{leader}: {reason}",
                    from.name(),
                    to.name()
                )
            }
        }
        TraceKind::VoteCast {
            voter,
            candidate,
            epoch,
            pre_vote,
            granted,
            reason,
        } => {
            let kind = match (pre_vote, zh) {
                (true, false) => "pre-vote",
                (false, false) => "vote",
                (true, true) => "预投票",
                (false, true) => "投票",
            };
            if zh {
                format!(
                    "{voter} {}{candidate} 在任期 {epoch} 的{kind}：{reason}",
                    if *granted { "同意" } else { "拒绝" }
                )
            } else {
                format!(
                    "{voter} {} {candidate}'s {kind} in epoch {epoch}: {reason}",
                    if *granted { "grants" } else { "refuses" }
                )
            }
        }
        TraceKind::Append {
            node,
            first,
            count,
            epoch,
            kind,
        } => {
            if zh {
                format!("{node} 在偏移 {first} 追加 {count} 条记录（任期 {epoch}，{kind}）")
            } else {
                format!(
                    "{node} appends {count} record(s) at offset {first} in epoch {epoch} ({kind})"
                )
            }
        }
        TraceKind::Truncate {
            node,
            to,
            removed,
            reason,
            ..
        } => {
            if zh {
                format!("{node} 将日志截断到偏移 {to}，删除 {removed} 条：{reason}")
            } else {
                format!(
                    "{node} truncates its log to offset {to}, removing {removed} entries: {reason}"
                )
            }
        }
        TraceKind::HighWatermark { node, hw } => {
            if zh {
                format!("{node} 的高水位推进到 {hw}：偏移 {hw} 之前的记录已提交")
            } else {
                format!("{node}'s high watermark moves to {hw}: offsets below {hw} are committed")
            }
        }
        TraceKind::SnapshotTaken { node, id } => {
            if zh {
                format!(
                    "{node} 在已提交偏移 {} 处生成快照（任期 {}）",
                    id.end_offset, id.epoch
                )
            } else {
                format!(
                    "{node} snapshots its image at committed offset {} (epoch {})",
                    id.end_offset, id.epoch
                )
            }
        }
        TraceKind::SnapshotLoaded { node, id, from } => {
            if zh {
                format!(
                    "{node} 载入来自 {from} 的快照 ({}, {})：镜像被替换，日志从 {} 开始",
                    id.end_offset, id.epoch, id.end_offset
                )
            } else {
                format!("{node} loads the snapshot ({}, {}) from {from}: image replaced, log now starts at {}", id.end_offset, id.epoch, id.end_offset)
            }
        }
        TraceKind::LogStartMoved { node, offset } => {
            if zh {
                format!("{node} 的日志起点移动到 {offset}（之前的记录已由快照代替）")
            } else {
                format!("{node}'s log start moves to {offset} (the snapshot stands for what came before)")
            }
        }
        TraceKind::Crash { node } => {
            if zh {
                format!("{node} 崩溃：易失状态丢失")
            } else {
                format!("{node} crashes: its volatile state is gone")
            }
        }
        TraceKind::Restart { node } => {
            if zh {
                format!("{node} 仅凭持久化状态重启")
            } else {
                format!("{node} restarts from its durable state only")
            }
        }
        TraceKind::Pause { node, until } => {
            if zh {
                format!("{node} 暂停（如长时间 GC），直到 {until} 毫秒")
            } else {
                format!("{node} pauses (a long GC) until {until} ms")
            }
        }
        TraceKind::Resume { node } => {
            if zh {
                format!("{node} 恢复：错过的定时器现在才触发")
            } else {
                format!("{node} resumes: the timers it missed fire late, now")
            }
        }
        TraceKind::Link { from, to, up } => match (up, zh) {
            (true, false) => format!("link {from} → {to} is back up"),
            (false, false) => format!("link {from} → {to} is cut"),
            (true, true) => format!("链路 {from} → {to} 恢复"),
            (false, true) => format!("链路 {from} → {to} 被切断"),
        },
        TraceKind::BrokerRegistered {
            broker,
            broker_epoch,
            ..
        } => {
            if zh {
                format!("Broker {broker} 注册成功，broker epoch = {broker_epoch}（注册记录的偏移），初始为隔离状态")
            } else {
                format!("broker {broker} is registered with broker epoch {broker_epoch} (its record's offset); it starts fenced")
            }
        }
        TraceKind::BrokerFenced { broker, .. } => {
            if zh {
                format!("Broker {broker} 被隔离：会话超时未收到心跳")
            } else {
                format!("broker {broker} is fenced: no heartbeat within its session")
            }
        }
        TraceKind::BrokerUnfenced { broker, .. } => {
            if zh {
                format!("Broker {broker} 已追上元数据日志，解除隔离")
            } else {
                format!("broker {broker} caught up with the metadata log and is unfenced")
            }
        }
        TraceKind::PartitionChange {
            topic,
            partition,
            leader,
            isr,
            ..
        } => {
            let l = leader.map_or(t(lang, "none").to_string(), |l| l.to_string());
            if zh {
                format!("分区 {topic}-{partition}：领导者 {l}，ISR {isr:?}")
            } else {
                format!("partition {topic}-{partition}: leader {l}, ISR {isr:?}")
            }
        }
        TraceKind::Produced {
            node,
            topic_id,
            partition,
            records,
            leo,
        } => {
            if zh {
                format!("Broker {node} 作为分区 {topic_id}-{partition} 的领导者写入 {records} 条记录（LEO {leo}）")
            } else {
                format!("broker {node}, leader of partition {topic_id}-{partition}, takes {records} records (LEO {leo})")
            }
        }
        TraceKind::PartitionHighWatermark {
            node,
            topic_id,
            partition,
            hw,
        } => {
            if zh {
                format!("分区 {topic_id}-{partition} 的高水位在 Broker {node} 上推进到 {hw}：ISR 中所有副本都已持有")
            } else {
                format!("partition {topic_id}-{partition} HW moves to {hw} on broker {node}: every ISR member has it")
            }
        }
        TraceKind::PartitionTruncated {
            node,
            topic_id,
            partition,
            to,
            removed,
        } => {
            if zh {
                format!("Broker {node} 将分区 {topic_id}-{partition} 截断到 {to}，丢失 {removed} 条记录（新领导者的日志为准）")
            } else {
                format!("broker {node} truncates partition {topic_id}-{partition} to {to}, losing {removed} records (the new leader's log wins)")
            }
        }
        TraceKind::Violation { invariant, detail } => {
            if zh {
                format!("违反不变量 {invariant}：{detail}")
            } else {
                format!("invariant {invariant} broken: {detail}")
            }
        }
    }
}

/// Why each invariant exists, for the invariant panel.
pub fn invariant_why(lang: Lang, name: &str) -> &'static str {
    let (en, zh) = match name {
        "SingleLeader" => (
            "At most one leader per epoch, or two nodes could commit different entries.",
            "每个任期至多一个领导者，否则两个节点会提交不同的条目。",
        ),
        "MonotonicEpoch" => ("A node's epoch never goes back.", "节点的任期永不回退。"),
        "MonotonicHighWatermark" => (
            "What was committed stays committed: the HW never moves back.",
            "已提交的永远已提交：高水位不会回退。",
        ),
        "MajorityReachedHighWatermark" => (
            "A leader's HW is held by a majority of voters.",
            "领导者的高水位必须被多数投票者持有。",
        ),
        "ConsistentCommittedData" => (
            "Committed entries are never changed or removed on any node.",
            "已提交的条目在任何节点上都不会被修改或删除。",
        ),
        "LeaderCompleteness" => (
            "A new leader holds every entry committed before its epoch.",
            "新领导者持有其任期之前提交的所有条目。",
        ),
        "NoTruncationBelowHighWatermark" => (
            "A follower never truncates below its own HW.",
            "追随者永远不会截断到自己的高水位之下。",
        ),
        "SnapshotCommitted" => (
            "A snapshot never covers uncommitted offsets.",
            "快照永远不包含未提交的偏移。",
        ),
        "SnapshotAtLogStart" => (
            "Snapshots start at or after the log start.",
            "快照始于日志起点或之后。",
        ),
        "LeaderNeverLoadSnapshot" => (
            "A leader never loads a snapshot from another node.",
            "领导者从不加载其他节点的快照。",
        ),
        "LogMatching" => (
            "Logs that agree at an (offset, epoch) agree on everything before it.",
            "在某个 (偏移, 任期) 一致的日志，其之前的内容也完全一致。",
        ),
        "ImageMatchesCommittedLog" => (
            "Every image equals the replay of the committed log it holds.",
            "每个元数据镜像都等于其已提交日志的重放结果。",
        ),
        _ => ("", ""),
    };
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// The word a role shows on screen (the `data-role` test hook keeps the English word).
pub fn role_label(lang: Lang, role: &str) -> String {
    let key = if role == "leader" {
        "leader-role"
    } else {
        role
    };
    t(lang, key).to_string()
}
