//! One sentence for each trace event, in English or Chinese, from the typed event and its typed
//! reason: nothing here is parsed from English.

use super::invariants::invariant_why;
use super::lang::Lang;
use super::messages::message_summary;
use super::ui::t;
use super::words::{
    acks_word, fence_reason, record_kind, role, role_reason, truncate_reason, vote_reason,
};
use kraft_core::protocol::{DropReason, LossReason, TraceKind};

/// One sentence for one trace event.
pub fn describe(lang: Lang, kind: &TraceKind) -> String {
    let zh = lang == Lang::Zh;
    match kind {
        TraceKind::Send { from, to, msg, .. } => {
            format!(
                "{from} → {to} {}: {}",
                msg.rpc(),
                message_summary(lang, msg)
            )
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
                (DropReason::ByHand, false) => "it was dropped by hand",
                (DropReason::ByHand, true) => "被手动丢弃",
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
                    "{node} 从{}变为{}（任期 {epoch}{leader}）：{}",
                    role(lang, *from),
                    role(lang, *to),
                    role_reason(lang, *reason)
                )
            } else {
                format!(
                    "{node} goes from {} to {} in epoch {epoch}{leader}: {}",
                    role(lang, *from),
                    role(lang, *to),
                    role_reason(lang, *reason)
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
                    "{voter} {} {candidate} 在任期 {epoch} 的{kind}：{}",
                    if *granted { "同意" } else { "拒绝" },
                    vote_reason(lang, *reason)
                )
            } else {
                format!(
                    "{voter} {} {candidate}'s {kind} in epoch {epoch}: {}",
                    if *granted { "grants" } else { "refuses" },
                    vote_reason(lang, *reason)
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
                format!(
                    "{node} 在偏移 {first} 追加 {count} 条记录（任期 {epoch}，{}）",
                    record_kind(lang, kind)
                )
            } else {
                format!(
                    "{node} appends {count} record(s) at offset {first} in epoch {epoch} ({})",
                    record_kind(lang, kind)
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
                format!(
                    "{node} 将日志截断到偏移 {to}，删除 {removed} 条：{}",
                    truncate_reason(lang, *reason)
                )
            } else {
                format!(
                    "{node} truncates its log to offset {to}, removing {removed} entries: {}",
                    truncate_reason(lang, *reason)
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
        TraceKind::PowerLoss { node, records } => {
            if zh {
                format!("{node} 断电：进程停止，页缓存中尚未刷到磁盘的 {records} 条分区记录丢失，重启时为非正常关闭")
            } else {
                format!("{node} loses power: the process stops, and {records} partition record(s) still in the page cache, not yet on disk, are gone; it will restart after an unclean shutdown")
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
                format!("Broker {broker} 注册成功，broker epoch = {broker_epoch}（注册记录的偏移），初始为屏蔽状态")
            } else {
                format!("broker {broker} is registered with broker epoch {broker_epoch} (its record's offset); it starts fenced")
            }
        }
        TraceKind::BrokerFenced { broker, reason, .. } => {
            if zh {
                format!("Broker {broker} 被屏蔽：{}", fence_reason(lang, *reason))
            } else {
                format!("broker {broker} is fenced: {}", fence_reason(lang, *reason))
            }
        }
        TraceKind::BrokerUnfenced { broker, .. } => {
            if zh {
                format!("Broker {broker} 已追上元数据日志，解除屏蔽")
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
        TraceKind::RecordsLost {
            produce,
            topic,
            partition,
            acks,
            values,
            reason,
        } => {
            let acks = acks_word(*acks);
            let values = values.join(", ");
            match (reason, zh) {
                (LossReason::Failover, true) => format!("写入 {produce}（acks={acks}）的记录 {values} 在 {topic}-{partition} 上丢失了：领导者在追随者复制它们之前就确认了，之后领导权转给了没有它们的副本。acks=all 才会等 ISR"),
                (LossReason::Failover, false) => format!("produce {produce} (acks={acks}) lost {values} on {topic}-{partition}: acknowledged before any follower copied them, then leadership moved to a replica without them. Only acks=all waits for the ISR"),
                (LossReason::UncleanElection, true) => format!("写入 {produce}（acks={acks}）的记录 {values} 在 {topic}-{partition} 上丢失了：不干净选举让一个不同步的副本成为领导者"),
                (LossReason::UncleanElection, false) => format!("produce {produce} (acks={acks}) lost {values} on {topic}-{partition}: an unclean election made an out-of-sync replica the leader"),
                (LossReason::PowerLoss, true) => format!("写入 {produce}（acks={acks}）的记录 {values} 在 {topic}-{partition} 上丢失了：持有它们的每个副本都在操作系统把它们刷到磁盘之前断电了。acks=all 等的是复制，不是刷盘"),
                (LossReason::PowerLoss, false) => format!("produce {produce} (acks={acks}) lost {values} on {topic}-{partition}: every replica that held them lost power before the OS wrote them to disk. acks=all waits for replication, not for a flush"),
            }
        }
        TraceKind::VotersChanged { node, voters } => {
            if zh {
                format!("{node} 现在使用的投票者集合：{voters:?}")
            } else {
                format!("{node} now counts voters {voters:?}")
            }
        }
        TraceKind::VoterChangeCommitted {
            node,
            offset,
            added,
            removed,
        } => {
            let what = match (added, removed, zh) {
                (Some(a), _, false) => format!("adding {a}"),
                (_, Some(r), false) => format!("removing {r}"),
                (Some(a), _, true) => format!("加入 {a}"),
                (_, Some(r), true) => format!("移除 {r}"),
                (None, None, false) => "changing the voters".to_string(),
                (None, None, true) => "投票者变更".to_string(),
            };
            if zh {
                format!("领导者 {node} 在偏移 {offset} 的 VotersRecord 已提交（{what}）")
            } else {
                format!("leader {node}'s VotersRecord at offset {offset} is committed ({what})")
            }
        }
        TraceKind::ZkSessionExpired { node, session } => {
            if zh {
                format!("ZooKeeper 让 {node} 的会话 {session} 过期：它的临时 znode 被删除；它自己要等重新连上 ZooKeeper 才知道")
            } else {
                format!("ZooKeeper expires {node}'s session {session}: its ephemeral znodes are deleted; {node} learns it only when it reaches ZooKeeper again")
            }
        }
        TraceKind::ControllerElected { node, epoch } => {
            if zh {
                format!("broker {node} 创建了 /controller，成为控制器（控制器任期 {epoch}）；它要先读完 ZooKeeper 里的全部状态才能工作")
            } else {
                format!("broker {node} created /controller and is the controller (controller epoch {epoch}); it must read all state from ZooKeeper before it can act")
            }
        }
        TraceKind::ControllerReady {
            node,
            epoch,
            zk_calls,
            took_ms,
        } => {
            if zh {
                format!("控制器 {node}（任期 {epoch}）加载完成：{zk_calls} 次 ZooKeeper 调用，用时 {took_ms} ms；现在才能重新选举分区领导者")
            } else {
                format!("controller {node} (epoch {epoch}) has loaded: {zk_calls} ZooKeeper calls in {took_ms} ms; only now can partition leaders be elected again")
            }
        }
        TraceKind::ControllerResigned { node, epoch } => {
            if zh {
                format!("{node} 不再是控制器（任期 {epoch}）")
            } else {
                format!("{node} stops acting as controller (epoch {epoch})")
            }
        }
        TraceKind::ShutdownRequested { node } => {
            if zh {
                format!("Broker {node} 请求受控关闭：控制器先把它的 Leader 身份转给其他副本")
            } else {
                format!("broker {node} asks for a controlled shutdown: the controller first moves its leaderships to other replicas")
            }
        }
        TraceKind::ShutDown { node } => {
            if zh {
                format!("Broker {node} 的 Leader 身份已转走，干净地退出")
            } else {
                format!("broker {node} leads nothing any more and exits cleanly")
            }
        }
        TraceKind::BrokerFollowedStaleController {
            broker,
            controller,
            epoch,
            current,
        } => {
            if zh {
                format!("Broker {broker} 仍在服从控制器 {controller}（控制器任期 {epoch}）的推送，而 ZooKeeper 里的任期已是 {current}：新控制器还没联系到它")
            } else {
                format!("broker {broker} obeys a push from controller {controller} (controller epoch {epoch}) although ZooKeeper is at epoch {current}: the new controller has not reached it yet")
            }
        }
        TraceKind::ZombieWrite {
            node,
            epoch,
            current,
            path,
        } => {
            if zh {
                format!("僵尸控制器 {node}（任期 {epoch}，当前任期 {current}）的写入落到了 {path}：没有检查 /controller_epoch（Kafka 2.1 之前）")
            } else {
                format!("zombie controller {node} (epoch {epoch}, current {current}) wrote {path}: nothing checked /controller_epoch (Kafka before 2.1)")
            }
        }
        TraceKind::Wipe { node, .. } => {
            if zh {
                format!("{node} 的磁盘被换成空盘：新的目录 ID，没有日志")
            } else {
                format!("{node}'s disk is replaced by an empty one: a new directory id, no log")
            }
        }
        TraceKind::Violation { invariant, detail } => {
            if zh {
                // The trace names the rule by its name (the protocol layer knows no checker).
                let why = kraft_core::sim::Invariant::from_name(invariant)
                    .map_or(detail.as_str(), |i| invariant_why(lang, i));
                format!("违反不变量 {invariant}：{why}")
            } else {
                format!("invariant {invariant} broken: {detail}")
            }
        }
    }
}
