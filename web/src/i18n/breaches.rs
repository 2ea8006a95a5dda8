//! What exactly broke a safety rule, in the learner's language (English is core's own wording).

use super::lang::Lang;
use kraft_core::sim::invariants::Breach;
use kraft_core::sim::liveness::Stall;

/// What exactly broke a safety rule, in the learner's language.
pub fn breach(lang: Lang, b: &Breach) -> String {
    if lang == Lang::En {
        return b.to_string();
    }
    match b {
        Breach::EpochWentBack { node, from, to } => {
            format!("节点 {node} 的任期从 {from} 回退到 {to}")
        }
        Breach::TwoLeaders { first, second, epoch } => {
            format!("节点 {first} 和 {second} 都领导了任期 {epoch}")
        }
        Breach::TruncatedCommitted { node, offset, epoch } => {
            format!("节点 {node} 截断了偏移 {offset} 处已提交的条目（任期 {epoch}）")
        }
        Breach::TruncatedBelowHw { node, to, hw } => {
            format!("节点 {node} 截断到 {to}，低于它的高水位 {hw}")
        }
        Breach::SnapshotPastHw { node, end_offset } => {
            format!("节点 {node} 在 {end_offset} 处的快照超过了它的高水位")
        }
        Breach::SnapshotBeforeLogStart { node } => format!("节点 {node} 的快照结束在日志起点之前"),
        Breach::LeaderLoadedSnapshot { node } => format!("领导者 {node} 载入了一个快照"),
        Breach::HwWentBack { node, from, to } => {
            format!("节点 {node} 的高水位从 {from} 回退到 {to}")
        }
        Breach::LeaderHwBelowEarlier { node, hw, earlier } => {
            format!("领导者 {node} 报告的高水位 {hw} 低于之前的领导者报告的 {earlier}")
        }
        Breach::CommittedDiffers {
            node,
            offset,
            epoch,
            committed_epoch,
        } => format!(
            "节点 {node} 在任期 {epoch} 提交了偏移 {offset}，但那里已提交的是任期 {committed_epoch} 的条目"
        ),
        Breach::HwNotOnMajority { node, hw, holders } => {
            format!("领导者 {node} 的高水位 {hw} 只被 {holders} 个投票者持有")
        }
        Breach::LeaderTooShort {
            node,
            epoch,
            end,
            required,
        } => format!(
            "任期 {epoch} 的新领导者 {node} 的日志结束于 {end}，但之前已提交了 {required} 条"
        ),
        Breach::LeaderLacksEntry { node, offset } => {
            format!("新领导者 {node} 缺少已提交的条目 {offset}")
        }
        Breach::LogsDiverge { a, b, offset } => {
            format!("节点 {a} 和 {b} 在某个偏移一致，但在它之前的偏移 {offset} 处不同")
        }
        Breach::ImageDiffers { node } => format!("节点 {node} 的元数据镜像与其日志的重放结果不同"),
        Breach::AppliedPastHw { node, applied, hw } => {
            format!("节点 {node} 已应用到 {applied}，超过了它的高水位 {hw}")
        }
        Breach::SnapshotImageDiffers { node, end_offset } => {
            format!("节点 {node} 在 {end_offset} 处的快照与已提交日志的重放结果不同")
        }
        Breach::LogStartWithoutSnapshot {
            node,
            start,
            earliest,
        } => match earliest {
            Some(end) => format!("节点 {node} 的日志起始于 {start}，但它最早的快照结束于 {end}"),
            None => format!("节点 {node} 的日志起始于 {start}，却没有快照"),
        },
        Breach::AckedRecordLost { produce, value } => {
            format!("写入 {produce} 的记录 {value} 已以 acks=all 确认，却不见了")
        }
        Breach::ReplicaDivergence {
            topic_id,
            partition,
            a,
            b,
            offset,
        } => format!(
            "Broker {a} 和 {b} 在分区 {topic_id}-{partition} 的偏移 {offset} 处持有不同的已提交记录"
        ),
        Breach::PartitionLeaderNotInIsr {
            topic_id,
            partition,
            leader,
        } => format!("分区 {topic_id}-{partition} 的领导者 {leader} 不在 ISR 中"),
        Breach::PartitionHwWentBack {
            node,
            topic_id,
            partition,
            leader_epoch,
            from,
            to,
        } => format!(
            "领导者 {node} 上分区 {topic_id}-{partition} 的高水位在领导者纪元 {leader_epoch} 内从 {from} 回退到 {to}"
        ),
        Breach::IsrMemberMissingRecords {
            topic,
            partition,
            broker,
            holder,
            offset,
            hw,
        } => format!(
            "分区 {topic}-{partition} 写入的状态把 Broker {broker} 列在 ISR 中，但它缺少偏移 {offset} 处的已提交记录（低于 Broker {holder} 的高水位 {hw}）"
        ),
        Breach::ElrMemberMissingRecords {
            topic,
            partition,
            broker,
            holder,
            offset,
            hw,
        } => format!(
            "分区 {topic}-{partition} 写入的状态把 Broker {broker} 列在 ELR 中，但它缺少偏移 {offset} 处的已提交记录（低于 Broker {holder} 的高水位 {hw}）"
        ),
        Breach::AckedWithoutMinIsr {
            produce,
            topic_id,
            partition,
            holders,
            required,
        } => format!(
            "写入 {produce}（分区 {topic_id}-{partition}）以 acks=all 确认时只有 {holders} 个副本持有它，少于 {required}"
        ),
        Breach::ConsumerReadUncommitted {
            consumer,
            topic_id,
            partition,
            offset,
            hw,
        } => format!(
            "消费者 {consumer} 读到了分区 {topic_id}-{partition} 偏移 {offset} 的记录，它不低于高水位 {hw}"
        ),
        Breach::VoterChangeUnsafe {
            node,
            offset,
            uncommitted,
            changed,
        } => format!(
            "领导者 {node} 在偏移 {offset} 追加了改变 {changed} 个投票者的变更，此时有 {uncommitted} 个变更未提交"
        ),
        Breach::WipedVoterVoted {
            node,
            candidate,
            epoch,
        } => format!("节点 {node} 丢了磁盘，却仍以旧投票者的身份在任期 {epoch} 投票给 {candidate}"),
        Breach::IsrOutsideReplicas {
            topic,
            partition,
            broker,
        } => format!("分区 {topic}-{partition} 提到了 Broker {broker}，但它不是该分区的副本"),
        Breach::ElectionRule {
            topic,
            partition,
            leader,
            first,
        } => format!(
            "分区 {topic}-{partition} 选出了 {leader}，但按分配顺序 ISR 中排在最前的是 {first}"
        ),
        Breach::TwoControllers {
            first,
            second,
            epoch,
        } => format!("Broker {first} 和 {second} 在同一个控制器任期 {epoch} 都成为了控制器"),
        Breach::ZombieControllerWrite {
            node,
            epoch,
            current,
            path,
        } => format!("任期 {epoch} 的控制器 {node} 在 /controller_epoch 已是 {current} 时写入了 {path}"),
        Breach::Stalled { within_ms, stall } => format!(
            "所有节点运行、所有链路恢复 {} 秒后仍未就绪：{}",
            within_ms / 1000,
            stall_zh(stall)
        ),
    }
}

/// What a healed cluster has not done yet, in Chinese.
fn stall_zh(s: &Stall) -> String {
    let hw = |h: &Option<u64>| h.map_or("无".to_string(), |h| h.to_string());
    match s {
        Stall::NoLeader => "没有控制器领导者".to_string(),
        Stall::LogBehind {
            node,
            leo,
            hw: h,
            leader_leo,
            leader_hw,
        } => format!(
            "节点 {node} 的元数据日志（LEO {leo}，高水位 {}）落后于领导者（LEO {leader_leo}，高水位 {}）",
            hw(h),
            hw(leader_hw)
        ),
        Stall::BrokerFenced { broker } => format!("Broker {broker} 仍未解除隔离"),
        Stall::MetadataCacheBehind { broker } => {
            format!("Broker {broker} 的元数据缓存与 ZooKeeper 不一致")
        }
        Stall::PartitionLeaderless {
            topic_id,
            partition,
        } => format!("分区 {topic_id}-{partition} 没有领导者"),
        Stall::IsrShort {
            topic_id,
            partition,
            isr,
            replicas,
        } => format!("分区 {topic_id}-{partition} 的 ISR {isr:?} 少于副本 {replicas:?}"),
        Stall::ReplicaBehind {
            node,
            topic_id,
            partition,
            leo,
            hw,
            leader_leo,
            leader_hw,
        } => format!(
            "Broker {node} 上 {topic_id}-{partition} 的副本（LEO {leo}，高水位 {hw}）落后于其领导者（LEO {leader_leo}，高水位 {leader_hw}）"
        ),
        Stall::ProducePending { produce } => format!("生产请求 {produce} 仍在等待"),
        Stall::IsrShrankUnderLoad {
            topic_id,
            partition,
            isr,
            replicas,
        } => format!(
            "持续写入下，分区 {topic_id}-{partition} 的 ISR {isr:?} 少于副本 {replicas:?}"
        ),
        Stall::ProduceStuck {
            produce,
            pending_ms,
        } => format!(
            "持续写入下，发往健康分区的生产请求 {produce} 等待了 {} 秒仍未完成",
            pending_ms / 1000
        ),
    }
}
