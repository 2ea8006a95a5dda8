//! One sentence for each trace event, in English or Chinese, from the typed event and its typed
//! reason: nothing here is parsed from English.

use super::{role_label, t, Lang};
use kraft_core::protocol::message::{
    AlterPartitionRequest, BeginQuorumEpochRequest, BrokerRegistrationRequest,
    BrokerRegistrationResponse, EndQuorumEpochRequest, FetchBody, Message, PartitionFetchBody,
    PartitionFetchRequest, PartitionFetchResponse,
};
use kraft_core::protocol::{
    DropReason, FenceReason, LossReason, RoleReason, TraceKind, TruncateReason, VoteReason,
};
use kraft_core::sim::invariants::Breach;
use kraft_core::sim::liveness::Stall;

fn role_reason(lang: Lang, r: RoleReason) -> &'static str {
    if lang == Lang::En {
        return r.text();
    }
    match r {
        RoleReason::ElectionTimeout => "选举超时",
        RoleReason::PreVoteTimedOut => "预投票超时",
        RoleReason::BackoffOver => "退避结束",
        RoleReason::ResignedElectionTimeout => "已辞职的领导者选举超时",
        RoleReason::FetchTimeout => "拉取超时",
        RoleReason::ForcedElection => "强制选举",
        RoleReason::PreVoteWon => "赢得预投票",
        RoleReason::PreVoteLost => "输掉预投票",
        RoleReason::VoteRequestWithHigherEpoch => "收到更高任期的投票请求",
        RoleReason::GrantedVote => "投出了选票",
        RoleReason::WonElection => "赢得选举",
        RoleReason::CheckQuorumFailed => "法定人数检查（check-quorum）失败：多数派没有来拉取",
        RoleReason::GracefulResignation => "主动辞职",
        RoleReason::HigherEpochWithLeader => "看到带领导者的更高任期",
        RoleReason::HigherEpoch => "看到更高的任期",
        RoleReason::LearnedLeader => "得知了领导者",
        RoleReason::AddedToVoters => "被加入投票者集合",
        RoleReason::RemovedFromVoters => "被移出投票者集合",
    }
}

pub fn vote_reason(lang: Lang, r: VoteReason) -> &'static str {
    if lang == Lang::En {
        return r.text();
    }
    match r {
        VoteReason::CandidateEpochOlder => "候选者的任期更旧",
        VoteReason::IAmTheLeader => "我就是领导者",
        VoteReason::IResignedInThisEpoch => "我在这个任期已辞职",
        VoteReason::MyLeaderIsAlive => "我的领导者还活着（我刚从它那里拉取过）",
        VoteReason::AlreadyFollowingALeader => "我在这个任期已经追随一个领导者",
        VoteReason::AlreadyVoted => "我在这个任期已经投过票",
        VoteReason::MyLogIsMoreUpToDate => "我的日志更新",
        VoteReason::LogIsUpToDate => "对方的日志足够新",
        VoteReason::NotThisVoter => "我不是那个投票者（换了磁盘，或不是投票者）",
    }
}

fn truncate_reason(lang: Lang, r: TruncateReason) -> &'static str {
    match (lang, r) {
        (Lang::En, _) => r.text(),
        (Lang::Zh, TruncateReason::DivergingEpoch) => "领导者指出日志分叉（DivergingEpoch）",
    }
}

fn fence_reason(lang: Lang, r: FenceReason) -> &'static str {
    match (lang, r) {
        (Lang::En, FenceReason::SessionExpired) => "no heartbeat within its session",
        (Lang::Zh, FenceReason::SessionExpired) => "会话期内没有收到心跳",
    }
}

/// A record kind as core names it: Kafka's record names stay; the playground's own words translate.
pub fn record_kind(lang: Lang, kind: &str) -> &'static str {
    match (kind, lang) {
        ("client", Lang::En) => "client record",
        ("client", Lang::Zh) => "客户端记录",
        ("fetched", Lang::En) => "fetched from the leader",
        ("fetched", Lang::Zh) => "从领导者拉取",
        ("no_op", _) => "NoOpRecord",
        ("leader_change", _) => "LeaderChangeMessage",
        ("register_broker", _) => "RegisterBrokerRecord",
        ("broker_registration_change", _) => "BrokerRegistrationChangeRecord",
        ("topic", _) => "TopicRecord",
        ("partition", _) => "PartitionRecord",
        ("partition_change", _) => "PartitionChangeRecord",
        ("voters", _) => "VotersRecord",
        ("kraft_version", _) => "KRaftVersionRecord",
        (_, Lang::En) => "record",
        (_, Lang::Zh) => "记录",
    }
}

fn role(lang: Lang, r: kraft_core::Role) -> String {
    role_label(lang, r.name())
}

/// How many partitions a fetch line names before "and N more".
const FETCH_LINE_PARTITIONS: usize = 3;

/// A follower's fetch in its session: which partitions moved (all of them when full).
fn partition_fetch_line(lang: Lang, req: &PartitionFetchRequest) -> String {
    let zh = lang != Lang::En;
    let named: Vec<String> = req
        .partitions
        .iter()
        .take(FETCH_LINE_PARTITIONS)
        .map(|((t, p), pos)| {
            if zh {
                format!("{t}-{p} 从偏移 {}", pos.fetch_offset)
            } else {
                format!("{t}-{p} from offset {}", pos.fetch_offset)
            }
        })
        .collect();
    let list = named_list(zh, named, req.partitions.len(), ("，", ", "));
    let n = req.partitions.len();
    let forgotten = req.forgotten.len();
    match (req.session_epoch, zh) {
        (0, false) => format!("a full fetch of {n} partition(s), opening a fetch session: {list}"),
        (0, true) => format!("完整拉取 {n} 个分区，开启拉取会话：{list}"),
        (e, false) if n == 0 && forgotten == 0 => format!(
            "fetches in session {} (turn {e}): no partition moved, waiting for news",
            req.session_id
        ),
        (e, true) if n == 0 && forgotten == 0 => format!(
            "在拉取会话 {} 中拉取（第 {e} 轮）：没有分区变化，等待新数据",
            req.session_id
        ),
        (e, false) => format!(
            "fetches in session {} (turn {e}): {n} partition(s) moved: {list}{}",
            req.session_id,
            if forgotten > 0 {
                format!("; forgets {forgotten}")
            } else {
                String::new()
            }
        ),
        (e, true) => format!(
            "在拉取会话 {} 中拉取（第 {e} 轮）：{n} 个分区位置有变：{list}{}",
            req.session_id,
            if forgotten > 0 {
                format!("；不再拉取 {forgotten} 个")
            } else {
                String::new()
            }
        ),
    }
}

/// A leader's answer to a fetch: the partitions with news (records, a new HW, a divergence, an error).
fn partition_fetch_answer_line(lang: Lang, resp: &PartitionFetchResponse) -> String {
    let zh = lang != Lang::En;
    if let Some(e) = resp.error {
        return if zh {
            format!("拒绝这次拉取：{}（下一次是完整拉取）", e.name())
        } else {
            format!("refuses the fetch: {} (the next one is full)", e.name())
        };
    }
    if resp.partitions.is_empty() {
        return if zh {
            format!("所有分区都没有新数据（拉取会话 {}）", resp.session_id)
        } else {
            format!("nothing new on any partition (session {})", resp.session_id)
        };
    }
    let named: Vec<String> = resp
        .partitions
        .iter()
        .take(FETCH_LINE_PARTITIONS)
        .map(|d| {
            let (t, p, hw) = (d.topic_id, d.partition, d.hw);
            match (&d.error, &d.body, zh) {
                (Some(e), _, _) => format!("{t}-{p}: {}", e.name()),
                (None, PartitionFetchBody::Records(rs), false) if rs.is_empty() => {
                    format!("{t}-{p}: HW {hw}")
                }
                (None, PartitionFetchBody::Records(rs), true) if rs.is_empty() => {
                    format!("{t}-{p}：高水位 {hw}")
                }
                (None, PartitionFetchBody::Records(rs), false) => {
                    format!("{t}-{p}: {} record(s), HW {hw}", rs.len())
                }
                (None, PartitionFetchBody::Records(rs), true) => {
                    format!("{t}-{p}：{} 条记录，高水位 {hw}", rs.len())
                }
                (None, PartitionFetchBody::DivergingEpoch { epoch, end_offset }, false) => format!(
                    "{t}-{p}: your log diverges; epoch {epoch} ends at offset {end_offset} here"
                ),
                (None, PartitionFetchBody::DivergingEpoch { epoch, end_offset }, true) => {
                    format!("{t}-{p}：你的日志分叉了；任期 {epoch} 在此止于偏移 {end_offset}")
                }
            }
        })
        .collect();
    named_list(zh, named, resp.partitions.len(), ("；", "; "))
}

/// The partitions a fetch line names, joined, and how many more there are of `total`.
fn named_list(
    zh: bool,
    named: Vec<String>,
    total: usize,
    (sep_zh, sep_en): (&str, &str),
) -> String {
    let more = total.saturating_sub(named.len());
    let mut list = named.join(if zh { sep_zh } else { sep_en });
    if more > 0 {
        list += &if zh {
            format!("{sep_zh}另有 {more} 个分区")
        } else {
            format!("{sep_en}and {more} more partition(s)")
        };
    }
    list
}

fn opt(lang: Lang, v: Option<u64>) -> String {
    v.map_or_else(|| t(lang, "unknown").to_string(), |v| v.to_string())
}

/// A message's key fields in a short phrase (tooltips, the event log).
pub fn message_summary(lang: Lang, msg: &Message) -> String {
    rpc_line(lang, msg)
}

fn rpc_line(lang: Lang, msg: &Message) -> String {
    let en = match msg {
        Message::Vote(v) if v.pre_vote => format!(
            "asks for a pre-vote in epoch {} (last entry epoch {}, end offset {}), without raising its epoch",
            v.epoch, v.last_epoch, v.end_offset
        ),
        Message::Vote(v) => format!("asks for a vote in epoch {} (last entry epoch {}, end offset {})", v.epoch, v.last_epoch, v.end_offset),
        Message::VoteResponse(v) => format!("{} the {}vote (epoch {})", if v.granted { "grants" } else { "refuses" }, if v.pre_vote { "pre-" } else { "" }, v.epoch),
        Message::BeginQuorumEpoch(BeginQuorumEpochRequest { epoch, leader }) => format!("announces that {leader} leads epoch {epoch}"),
        Message::EndQuorumEpochResponse(r) => format!("acknowledges the end of the leader's epoch (its epoch {})", r.epoch),
        Message::EndQuorumEpoch(EndQuorumEpochRequest { epoch, preferred_successors, .. }) => {
            format!("is leaving epoch {epoch}; preferred successors {preferred_successors:?}")
        }
        Message::Fetch(f) => format!("fetches from offset {} (last fetched epoch {})", f.fetch_offset, f.last_fetched_epoch),
        Message::FetchResponse(r) => match &r.body {
            FetchBody::Records { entries, high_watermark } => format!(
                "answers with {} records and HW {}",
                entries.len(),
                opt(lang, *high_watermark)
            ),
            FetchBody::DivergingEpoch { epoch, end_offset } => format!("says the logs diverge: epoch {epoch} ends at {end_offset}, truncate there"),
            FetchBody::SnapshotId { id } => format!("says: too far behind, fetch snapshot ({}, {})", id.end_offset, id.epoch),
            FetchBody::Error { error } => format!("refuses the fetch: {}", error.name()),
        },
        Message::FetchSnapshot(f) => format!("downloads snapshot ({}, {}) from chunk {}", f.id.end_offset, f.id.epoch, f.position),
        Message::FetchSnapshotResponse(r) => format!("sends snapshot chunk {} of {}", r.position + 1, r.size),
        Message::BrokerRegistration(BrokerRegistrationRequest { broker, .. }) => format!("broker {broker} asks to register"),
        Message::BrokerRegistrationResponse(BrokerRegistrationResponse { broker_epoch, error, .. }) => match error {
            Some(e) => format!("refuses the registration: {}", e.name()),
            None => format!("registered, broker epoch {}", opt(lang, *broker_epoch)),
        },
        Message::BrokerHeartbeat(h) => format!("heartbeat of broker {} (metadata log replicated to offset {})", h.broker, h.metadata_offset),
        Message::BrokerHeartbeatResponse(h) => match h.error {
            Some(e) => format!("refuses the heartbeat: {}", e.name()),
            None if h.fenced => "answers: still fenced".to_string(),
            None => "answers: unfenced".to_string(),
        },
        Message::PartitionFetch(req) => partition_fetch_line(lang, req),
        Message::PartitionFetchResponse(resp) => partition_fetch_answer_line(lang, resp),
        Message::AlterPartition(AlterPartitionRequest { topic_id, partition, isr, .. }) => format!("asks to change the ISR of partition {topic_id}-{partition} to {isr:?}"),
        Message::AlterPartitionResponse(r) => match r.error {
            Some(e) => format!("refuses the ISR change of partition {}-{}: {}", r.topic_id, r.partition, e.name()),
            None => format!("ISR of partition {}-{} committed: {:?}", r.topic_id, r.partition, r.isr),
        },
        Message::Produce(r) => format!("produce {}: {} record(s) for partition {}-{}, acks={}", r.produce, r.values.len(), r.topic_id, r.partition, acks_word(r.acks)),
        Message::ProduceResponse(r) => match (r.error, r.base_offset) {
            (Some(e), _) => format!("refuses produce {}: {}", r.produce, e.name()),
            (None, b) => format!("produce {} written at offset {}", r.produce, opt(lang, b)),
        },
        Message::ConsumerFetch(r) => match r.reset {
            Some(_) => format!("consumer {} asks where to start in partition {}-{}", r.consumer, r.topic_id, r.partition),
            None => format!("consumer {} polls partition {}-{} from offset {}", r.consumer, r.topic_id, r.partition, r.fetch_offset),
        },
        Message::ConsumerFetchResponse(r) => match (r.error, &r.body, r.reset_to) {
            (Some(e), _, _) => format!("refuses consumer {}: {}", r.consumer, e.name()),
            (None, _, Some(o)) => format!("consumer {} starts at offset {o}", r.consumer),
            (None, PartitionFetchBody::Records(rs), None) => format!("consumer {}: {} record(s) below HW {}", r.consumer, rs.len(), r.hw),
            (None, PartitionFetchBody::DivergingEpoch { end_offset, .. }, None) => format!("consumer {}: the log was truncated; go back to offset {end_offset}", r.consumer),
        },
        Message::Zk(r) => zk_call_line(lang, &r.call),
        Message::ZkResponse(r) => zk_reply_line(lang, &r.reply),
        Message::ZkWatch(w) => format!("watch fired: {} {:?} (no data: read it again)", w.path, w.event),
        Message::Control(c) => format!("{} from controller {} (controller epoch {}): {} partition(s)", msg.rpc(), c.controller, c.controller_epoch, c.partitions.len()),
        Message::ControlResponse(r) => if r.stale { "refuses: STALE_CONTROLLER_EPOCH".to_string() } else { "done".to_string() },
        Message::ControlledShutdown(r) => format!("broker {} asks to shut down: move my leaderships", r.broker),
        Message::ControlledShutdownResponse(r) => format!("done: {} partition(s) still led", r.remaining),
    };
    if lang == Lang::En {
        return en;
    }
    match msg {
        Message::EndQuorumEpochResponse(r) => {
            format!("确认领导者的任期结束（它的任期 {}）", r.epoch)
        }
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
        Message::BeginQuorumEpoch(BeginQuorumEpochRequest { epoch, leader }) => {
            format!("宣布 {leader} 成为任期 {epoch} 的领导者")
        }
        Message::EndQuorumEpoch(EndQuorumEpochRequest {
            epoch,
            preferred_successors,
            ..
        }) => format!("即将离开任期 {epoch}；首选继任者 {preferred_successors:?}"),
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
                opt(lang, *high_watermark)
            ),
            FetchBody::DivergingEpoch { epoch, end_offset } => {
                format!("指出日志分叉：任期 {epoch} 结束于 {end_offset}，请截断到那里")
            }
            FetchBody::SnapshotId { id } => {
                format!("指出落后太多，请拉取快照 ({}, {})", id.end_offset, id.epoch)
            }
            FetchBody::Error { error } => format!("拒绝拉取：{}", error.name()),
        },
        Message::FetchSnapshot(f) => format!(
            "从第 {} 块开始下载快照 ({}, {})",
            f.position, f.id.end_offset, f.id.epoch
        ),
        Message::FetchSnapshotResponse(r) => {
            format!("发送快照第 {} / {} 块", r.position + 1, r.size)
        }
        Message::BrokerRegistration(BrokerRegistrationRequest { broker, .. }) => {
            format!("Broker {broker} 请求注册")
        }
        Message::BrokerRegistrationResponse(BrokerRegistrationResponse {
            broker_epoch,
            error,
            ..
        }) => match error {
            Some(e) => format!("拒绝注册：{}", e.name()),
            None => format!("注册成功，broker epoch {}", opt(lang, *broker_epoch)),
        },
        Message::BrokerHeartbeat(h) => format!(
            "Broker {} 的心跳（元数据日志已复制到偏移 {}）",
            h.broker, h.metadata_offset
        ),
        Message::BrokerHeartbeatResponse(h) => match h.error {
            Some(e) => format!("拒绝心跳：{}", e.name()),
            None if h.fenced => "回复：仍被屏蔽".to_string(),
            None => "回复：未屏蔽".to_string(),
        },
        Message::PartitionFetch(req) => partition_fetch_line(lang, req),
        Message::PartitionFetchResponse(resp) => partition_fetch_answer_line(lang, resp),
        Message::AlterPartition(AlterPartitionRequest {
            topic_id,
            partition,
            isr,
            ..
        }) => format!("请求把分区 {topic_id}-{partition} 的 ISR 改为 {isr:?}"),
        Message::AlterPartitionResponse(r) => match r.error {
            Some(e) => format!(
                "拒绝修改分区 {}-{} 的 ISR：{}",
                r.topic_id,
                r.partition,
                e.name()
            ),
            None => format!(
                "分区 {}-{} 的 ISR 已提交：{:?}",
                r.topic_id, r.partition, r.isr
            ),
        },
        Message::Produce(r) => format!(
            "写入 {}：分区 {}-{} 的 {} 条记录，acks={}",
            r.produce,
            r.topic_id,
            r.partition,
            r.values.len(),
            acks_word(r.acks)
        ),
        Message::ProduceResponse(r) => match (r.error, r.base_offset) {
            (Some(e), _) => format!("拒绝写入 {}：{}", r.produce, e.name()),
            (None, b) => format!("写入 {} 已写到偏移 {}", r.produce, opt(lang, b)),
        },
        Message::ConsumerFetch(r) => match r.reset {
            Some(_) => format!(
                "消费者 {} 询问从分区 {}-{} 的哪里开始",
                r.consumer, r.topic_id, r.partition
            ),
            None => format!(
                "消费者 {} 从偏移 {} 拉取分区 {}-{}",
                r.consumer, r.fetch_offset, r.topic_id, r.partition
            ),
        },
        Message::ConsumerFetchResponse(r) => match (r.error, &r.body, r.reset_to) {
            (Some(e), _, _) => format!("拒绝消费者 {}：{}", r.consumer, e.name()),
            (None, _, Some(o)) => format!("消费者 {} 从偏移 {o} 开始", r.consumer),
            (None, PartitionFetchBody::Records(rs), None) => format!(
                "消费者 {}：HW {} 以下的 {} 条记录",
                r.consumer,
                r.hw,
                rs.len()
            ),
            (None, PartitionFetchBody::DivergingEpoch { end_offset, .. }, None) => format!(
                "消费者 {}：日志被截断了，退回到偏移 {end_offset}",
                r.consumer
            ),
        },
        Message::Zk(r) => zk_call_line(lang, &r.call),
        Message::ZkResponse(r) => zk_reply_line(lang, &r.reply),
        Message::ZkWatch(w) => format!(
            "watch 触发：{} {:?}（不带数据：要重新读取）",
            w.path, w.event
        ),
        Message::Control(c) => format!(
            "来自控制器 {} 的 {}（控制器任期 {}）：{} 个分区",
            c.controller,
            msg.rpc(),
            c.controller_epoch,
            c.partitions.len()
        ),
        Message::ControlResponse(r) => {
            if r.stale {
                "拒绝：STALE_CONTROLLER_EPOCH".to_string()
            } else {
                "完成".to_string()
            }
        }
        Message::ControlledShutdown(r) => {
            format!("Broker {} 请求关闭：请转走我的 Leader 身份", r.broker)
        }
        Message::ControlledShutdownResponse(r) => {
            format!("完成：仍有 {} 个分区由它领导", r.remaining)
        }
    }
}

/// A call on a ZooKeeper session (paths and ZooKeeper's names stay as they are).
fn zk_call_line(lang: Lang, call: &kraft_core::protocol::zk_rpc::ZkCall) -> String {
    use kraft_core::protocol::zk_rpc::ZkCall;
    let zh = lang == Lang::Zh;
    let watch = |w: bool| match (w, zh) {
        (true, false) => " and sets a watch",
        (true, true) => "，并设置 watch",
        (false, _) => "",
    };
    match (call, zh) {
        (ZkCall::Connect { timeout_ms }, false) => {
            format!("opens a ZooKeeper session ({timeout_ms} ms)")
        }
        (ZkCall::Connect { timeout_ms }, true) => format!("打开 ZooKeeper 会话（{timeout_ms} ms）"),
        (ZkCall::Ping, false) => "pings its session".to_string(),
        (ZkCall::Ping, true) => "会话心跳".to_string(),
        (ZkCall::GetData { path, watch: w }, false) => format!("reads {path}{}", watch(*w)),
        (ZkCall::GetData { path, watch: w }, true) => format!("读取 {path}{}", watch(*w)),
        (ZkCall::GetChildren { path, watch: w }, false) => format!("lists {path}{}", watch(*w)),
        (ZkCall::GetChildren { path, watch: w }, true) => {
            format!("列出 {path} 的子节点{}", watch(*w))
        }
        (ZkCall::Exists { path, watch: w }, false) => {
            format!("asks whether {path} exists{}", watch(*w))
        }
        (ZkCall::Exists { path, watch: w }, true) => format!("询问 {path} 是否存在{}", watch(*w)),
        (ZkCall::Multi { ops }, false) => format!("writes {} operation(s), all or none", ops.len()),
        (ZkCall::Multi { ops }, true) => format!("写入 {} 个操作（全部成功或全部失败）", ops.len()),
        (ZkCall::Close, false) => "closes its session".to_string(),
        (ZkCall::Close, true) => "关闭会话".to_string(),
    }
}

fn zk_reply_line(lang: Lang, reply: &kraft_core::protocol::zk_rpc::ZkReply) -> String {
    use kraft_core::protocol::zk_rpc::ZkReply;
    let zh = lang == Lang::Zh;
    match (reply, zh) {
        (
            ZkReply::Connected {
                session,
                timeout_ms,
            },
            false,
        ) => format!("session {session} open, timeout {timeout_ms} ms"),
        (
            ZkReply::Connected {
                session,
                timeout_ms,
            },
            true,
        ) => format!("会话 {session} 已打开，超时 {timeout_ms} ms"),
        (ZkReply::Pong { .. }, false) => "pong".to_string(),
        (ZkReply::Pong { .. }, true) => "会话心跳应答".to_string(),
        (ZkReply::Data { stat, .. }, false) => format!("data, version {}", stat.version),
        (ZkReply::Data { stat, .. }, true) => format!("数据，版本 {}", stat.version),
        (ZkReply::Children { names }, false) => format!("{} child(ren)", names.len()),
        (ZkReply::Children { names }, true) => format!("{} 个子节点", names.len()),
        (ZkReply::Exists { stat }, false) => {
            if stat.is_some() {
                "exists".to_string()
            } else {
                "does not exist".to_string()
            }
        }
        (ZkReply::Exists { stat }, true) => {
            if stat.is_some() {
                "存在".to_string()
            } else {
                "不存在".to_string()
            }
        }
        (ZkReply::Multi { results }, false) => format!("written ({} operation(s))", results.len()),
        (ZkReply::Multi { results }, true) => format!("已写入（{} 个操作）", results.len()),
        (ZkReply::Error { error, .. }, false) => format!("refused: {}", error.name()),
        (ZkReply::Error { error, .. }, true) => format!("拒绝：{}", error.name()),
        (ZkReply::Closed, false) => "session closed".to_string(),
        (ZkReply::Closed, true) => "会话已关闭".to_string(),
    }
}

/// acks as a producer configures it: 0, 1 or all.
fn acks_word(a: kraft_core::protocol::partition::Acks) -> &'static str {
    use kraft_core::protocol::partition::Acks;
    match a {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
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
                    .map_or(detail.as_str(), |i| super::invariant_why(lang, i));
                format!("违反不变量 {invariant}：{why}")
            } else {
                format!("invariant {invariant} broken: {detail}")
            }
        }
    }
}

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
