//! Why each safety rule exists, in both languages (the invariant panel and the event log).

use super::lang::Lang;
use kraft_core::sim::Invariant;

/// Why each invariant exists, for the invariant panel (every rule has its sentence: a new
/// `Invariant` does not compile until it has one here).
pub fn invariant_why(lang: Lang, invariant: Invariant) -> &'static str {
    let (en, zh) = match invariant {
        Invariant::SingleLeader => (
            "At most one leader per epoch, or two nodes could commit different entries.",
            "每个任期至多一个领导者，否则两个节点会提交不同的条目。",
        ),
        Invariant::MonotonicEpoch => ("A node's epoch never goes back.", "节点的任期永不回退。"),
        Invariant::MonotonicHighWatermark => (
            "What was committed stays committed: the HW never moves back.",
            "已提交的永远已提交：高水位不会回退。",
        ),
        Invariant::MajorityReachedHighWatermark => (
            "A leader's HW is held by a majority of voters.",
            "领导者的高水位必须被多数投票者持有。",
        ),
        Invariant::ConsistentCommittedData => (
            "Committed entries are never changed or removed on any node.",
            "已提交的条目在任何节点上都不会被修改或删除。",
        ),
        Invariant::LeaderCompleteness => (
            "A new leader holds every entry committed before its epoch.",
            "新领导者持有其任期之前提交的所有条目。",
        ),
        Invariant::NoTruncationBelowHighWatermark => (
            "A follower never truncates below its own HW.",
            "追随者永远不会截断到自己的高水位之下。",
        ),
        Invariant::SnapshotCommitted => (
            "A snapshot never covers uncommitted offsets.",
            "快照永远不包含未提交的偏移。",
        ),
        Invariant::SnapshotAtLogStart => (
            "Snapshots start at or after the log start.",
            "快照始于日志起点或之后。",
        ),
        Invariant::LeaderNeverLoadSnapshot => (
            "A leader never loads a snapshot from another node.",
            "领导者从不加载其他节点的快照。",
        ),
        Invariant::LogMatching => (
            "Logs that agree at an (offset, epoch) agree on everything before it.",
            "在某个 (偏移, 任期) 一致的日志，其之前的内容也完全一致。",
        ),
        Invariant::ImageMatchesCommittedLog => (
            "Every image equals the replay of the committed log it holds.",
            "每个元数据镜像都等于其已提交日志的重放结果。",
        ),
        Invariant::IsrWithinReplicas => (
            "A partition's ISR, ELR and leader are always among its replicas.",
            "分区的 ISR、ELR 和领导者始终是它的副本。",
        ),
        Invariant::ElectionRule => (
            "A clean election picks the first in-ISR replica in assignment order.",
            "干净选举总是选出按分配顺序排在最前的 ISR 副本。",
        ),
        Invariant::SingleActiveController => (
            "ZooKeeper mode: one controller per controller epoch.",
            "ZooKeeper 模式：每个控制器任期只有一个控制器。",
        ),
        Invariant::ZombieControllerWrite => (
            "ZooKeeper mode: a controller of an old epoch never writes a partition state.",
            "ZooKeeper 模式：旧任期的控制器永远写不进分区状态。",
        ),
        Invariant::AckedRecordLost => (
            "A record acknowledged with acks=all survives every failure short of an unclean election.",
            "以 acks=all 确认的记录，除非发生不干净选举，在任何故障下都不会丢失。",
        ),
        Invariant::ReplicaDivergence => (
            "Replicas never hold different committed records at the same offset.",
            "副本在同一偏移处永远不会持有不同的已提交记录。",
        ),
        Invariant::PartitionLeaderNotInIsr => (
            "A partition leader is always a member of its ISR.",
            "分区领导者始终是其 ISR 的成员。",
        ),
        Invariant::PartitionHighWatermarkMonotonic => (
            "A leader's HW never moves back while it leads (a follower's may, after a leader change).",
            "领导者在其领导期间高水位不会回退（跟随者的高水位在领导者变更后可能回退）。",
        ),
        Invariant::IsrMemberMissingRecords => (
            "Every ISR member that could lead holds every committed record whenever a partition state is written.",
            "每次写入分区状态时，每个可以成为领导者的 ISR 成员都持有全部已提交记录。",
        ),
        Invariant::ElrMemberMissingRecords => (
            "Every Eligible Leader Replica that could lead holds every committed record (KIP-966).",
            "每个可以成为领导者的合格领导者副本（ELR）都持有全部已提交记录（KIP-966）。",
        ),
        Invariant::AckedWithoutMinIsr => (
            "An acks=all produce is acknowledged only once min.insync.replicas replicas (at most the replication factor) hold it.",
            "acks=all 的写入只有在 min.insync.replicas 个副本（不超过副本数）持有它之后才会被确认。",
        ),
        Invariant::ConsumerReadUncommitted => (
            "A consumer never reads a record at or above the HW.",
            "消费者永远读不到高水位及以上的记录。",
        ),
        Invariant::SingleUncommittedVoterChange => (
            "A leader changes the voter set by one voter, and only once the previous change is committed.",
            "领导者每次只改变一个投票者，且只在上一个变更提交之后。",
        ),
        Invariant::WipedVoterVoted => (
            "A node that lost its disk never votes as the voter it was.",
            "丢失磁盘的节点永远不会以原来投票者的身份投票。",
        ),
        Invariant::Liveness => (
            "Once faults stop, the cluster settles: a leader, logs caught up, brokers unfenced, full ISRs.",
            "故障停止后集群会恢复平稳：有领导者，日志追上，Broker 均未屏蔽，ISR 齐全。",
        ),
    };
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}
