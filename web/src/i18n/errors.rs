//! Refusals and errors from core, said in the learner's language. Core's errors are typed, so
//! nothing here parses English; config keys and Kafka error names stay as they are.

use super::lang::Lang;
use kraft_core::protocol::{
    AssignmentProblem, CommandError, ConfigError, KafkaDetail, MembershipProblem,
};
use kraft_core::scenario::StepFailure;
use kraft_core::sim::{
    ActionError, ReplayError, SpecError, MAX_BROKERS, MAX_CONTROLLERS, ZK_NEEDS_BROKERS,
    ZK_NODE_ZERO, ZK_NO_CONTROLLERS, ZK_NO_KRAFT,
};

fn pick(lang: Lang, en: String, zh: String) -> String {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

pub fn command_error(lang: Lang, e: &CommandError) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        CommandError::NotLeader(id) => format!("节点 {id} 不是领导者"),
        CommandError::AlreadyLeader(id) => format!("节点 {id} 已经是领导者"),
        CommandError::BrokerCannotBeElected(id) => format!("节点 {id} 是 Broker，不能参选"),
        CommandError::NotActiveController(id) => format!("节点 {id} 不是活跃控制器"),
        CommandError::TopicExists(name) => format!("主题 {name:?} 已存在"),
        CommandError::ReplicationFactor { wanted, unfenced } => {
            format!("副本因子 {wanted} 需要同样多的未隔离 Broker；现在只有 {unfenced} 个")
        }
        CommandError::NoPartitions => "主题至少需要一个分区".to_string(),
        CommandError::UnknownPartition(topic, p) => format!("没有分区 {topic}-{p}"),
        CommandError::BadAssignment(why) => match why {
            AssignmentProblem::Shape => {
                "assignments 需要每个分区一个 Broker 列表，且长度都相同".to_string()
            }
            AssignmentProblem::Duplicate { partition, broker } => {
                format!("assignments：Broker {broker} 在分区 {partition} 中出现了两次")
            }
            AssignmentProblem::UnknownBroker { partition, broker } => {
                format!("assignments：分区 {partition} 的 Broker {broker} 没有注册")
            }
            AssignmentProblem::AllFenced { partition } => {
                format!("assignments：分区 {partition} 的所有 Broker 都被隔离了")
            }
        },
        CommandError::Membership(why) => match why {
            MembershipProblem::StaticQuorum => {
                "UNSUPPORTED_VERSION：kraft_version 0 的投票者是固定的；请设 cluster.kraft_version 为 1"
                    .to_string()
            }
            MembershipProblem::NotCommittedInEpoch => {
                "REQUEST_TIMED_OUT：领导者还没有提交本任期的记录".to_string()
            }
            MembershipProblem::ChangePending => {
                "REQUEST_TIMED_OUT：另一个投票者变更还没有提交".to_string()
            }
            MembershipProblem::AlreadyVoter(id) => {
                format!("DUPLICATE_VOTER：节点 {id} 已经是投票者")
            }
            MembershipProblem::NotAVoter(id) => format!("VOTER_NOT_FOUND：节点 {id} 不是投票者"),
            MembershipProblem::NotAnObserver(id) => {
                format!("节点 {id} 不是正以观察者身份从领导者拉取的控制器")
            }
            MembershipProblem::NotCaughtUp { id, end, hw } => format!(
                "REQUEST_TIMED_OUT：节点 {id} 只拉取到 {end}，还没追上领导者的高水位 {hw}"
            ),
            MembershipProblem::LastVoter(id) => {
                format!("节点 {id} 是最后一个投票者；投票者集合不能为空")
            }
        },
        CommandError::Kafka { code, detail } => {
            let why = match detail {
                KafkaDetail::DoesNotLead {
                    broker,
                    topic_id,
                    partition,
                } => format!("Broker {broker} 不是分区 {topic_id}-{partition} 的领导者"),
                KafkaDetail::IsrTooSmall { isr, min_isr } => {
                    format!("ISR {isr:?} 小于 min.insync.replicas = {min_isr}")
                }
            };
            format!("{}：{why}", code.name())
        }
    }
}

pub fn action_error(lang: Lang, e: &ActionError) -> String {
    let zh = match e {
        ActionError::Node(c) => return command_error(lang, c),
        ActionError::NoSuchNode(id) => format!("没有节点 {id}"),
        ActionError::AlreadyDown(id) => format!("节点 {id} 已经宕机"),
        ActionError::StillRunning(id) => format!("节点 {id} 正在运行；请先让它崩溃"),
        ActionError::Down(id) => format!("节点 {id} 已宕机"),
        ActionError::Paused(id) => format!("节点 {id} 已暂停"),
        ActionError::ZeroPause => "暂停时长必须大于 0 毫秒".to_string(),
        ActionError::BadLoss => "丢包率是 0 到 1 之间的概率".to_string(),
        ActionError::SameNode(id) => format!("链路连接节点 {id} 与另一个节点"),
        ActionError::NoSuchRpc(r) => format!("没有名为 {r:?} 的 RPC"),
        ActionError::BadDelay => "延迟须在 1 到 60000 毫秒之间".to_string(),
        ActionError::NotInFlight(id) => format!("消息 {id} 已不在网络上"),
        ActionError::NoTimer { node, slot } => {
            format!("节点 {node} 没有设置 {} 定时器", slot.name())
        }
        ActionError::InTwoGroups(id) => format!("节点 {id} 同时出现在两个分组中"),
        ActionError::NoLeader => "现在没有领导者".to_string(),
        ActionError::NoActiveController => "现在没有活跃控制器".to_string(),
        ActionError::NotAController(id) => format!("节点 {id} 不是控制器，不能成为投票者"),
        ActionError::NotABroker(id) => {
            format!("节点 {id} 不是 Broker：只有 Broker 通过控制器受控关闭")
        }
        ActionError::WipeBroker(id) => {
            format!(
                "节点 {id} 运行着 Broker：擦除 Broker 的磁盘（它的分区副本）尚未建模；请擦除控制器"
            )
        }
        ActionError::NoTopic(t) => format!("没有主题 {t:?}"),
        ActionError::NoPartition { topic, partition } => {
            format!("主题 {topic:?} 没有分区 {partition}")
        }
        ActionError::NoPartitionLeader { topic, partition } => {
            format!("分区 {topic}-{partition} 没有领导者")
        }
        ActionError::InvalidLoad => "持续写入的间隔 every_ms 必须大于 0".to_string(),
    };
    pick(lang, e.to_string(), zh)
}

pub fn config_error(lang: Lang, e: &ConfigError) -> String {
    let zh = match e {
        ConfigError::NotPositive(key) => format!("{key} 必须大于 0"),
        ConfigError::TooLarge { key, max } => format!("{key} 最大为 {max}"),
        ConfigError::LatencyOrder => "latency_ms.min 不能大于 latency_ms.max".to_string(),
        ConfigError::Probability(key) => format!("{key} 必须在 0 到 0.9 之间"),
        ConfigError::ElrWithoutStrictMinIsr => {
            "strict_min_isr 为 false 是 Kafka 3.7 之前的行为，那时还没有 ELR：请同时把 eligible_leader_replicas 设为 false".to_string()
        }
    };
    pick(lang, e.to_string(), zh)
}

pub fn spec_error(lang: Lang, e: &SpecError) -> String {
    let zh = match e {
        SpecError::Config(c) => return config_error(lang, c),
        SpecError::NoController => "集群至少需要一个控制器".to_string(),
        SpecError::TooManyNodes => {
            format!("最多 {MAX_CONTROLLERS} 个控制器和 {MAX_BROKERS} 个 Broker")
        }
        SpecError::IdTwice(id) => format!("节点编号 {id} 被使用了两次"),
        SpecError::InitialNotController(id) => format!("initial 中的 {id} 不是控制器"),
        SpecError::InitialLogEpoch { id, index } => {
            format!("initial.{id}.log[{index}]：任期必须 ≥ 1，且沿日志不能减小")
        }
        SpecError::InitialNotAController { id, field, value } => {
            format!("initial.{id}.{field}：{value} 不是控制器")
        }
        SpecError::KraftVersion(v) => format!("cluster.kraft_version 只能是 0 或 1，不能是 {v}"),
        SpecError::ObserverNotController(id) => {
            format!("cluster.observers：{id} 不是控制器")
        }
        SpecError::NoVoter => "cluster.observers 没有留下任何可投票的控制器".to_string(),
        SpecError::CombinedNotController(id) => {
            format!("cluster.combined：{id} 不是控制器（组合节点要列在 controllers 中）")
        }
        SpecError::ZookeeperMode(what) => format!("ZooKeeper 模式：{}", zk_mode_problem(what)),
    };
    pick(lang, e.to_string(), zh)
}

pub fn replay_error(lang: Lang, e: &ReplayError) -> String {
    match e {
        ReplayError::Spec(s) => spec_error(lang, s),
        ReplayError::Action(a) => action_error(lang, a),
    }
}

pub fn step_failure(lang: Lang, e: &StepFailure) -> String {
    let zh = match e {
        StepFailure::Spec(s) => return spec_error(lang, s),
        StepFailure::Action(a) => return action_error(lang, a),
        StepFailure::ConditionNotMet { within_ms, .. } => {
            format!("等待的条件在 {within_ms} 毫秒内没有成立")
        }
        StepFailure::NoLeaderInTime { within_ms } => {
            format!("{within_ms} 毫秒内没有出现领导者（或活跃控制器）")
        }
    };
    let en = match e {
        StepFailure::ConditionNotMet { within_ms, .. } => {
            format!("the condition it waits for did not hold within {within_ms} ms")
        }
        other => other.to_string(),
    };
    pick(lang, en, zh)
}

/// The reasons `SpecError::ZookeeperMode` gives, in Chinese.
fn zk_mode_problem(what: &str) -> String {
    match what {
        ZK_NO_CONTROLLERS => {
            "没有控制器节点（控制器由某个 broker 选举产生）；cluster.controllers 必须为空"
                .to_string()
        }
        ZK_NEEDS_BROKERS => "至少需要一个 broker".to_string(),
        ZK_NODE_ZERO => "节点 0 是 ZooKeeper 集合（ensemble），broker 不能用这个 id".to_string(),
        ZK_NO_KRAFT => {
            "kraft_version、observers、combined 和 initial 只属于 KRaft 模式".to_string()
        }
        other => other.to_string(),
    }
}
