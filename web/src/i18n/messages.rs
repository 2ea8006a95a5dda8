//! What a message on the wire says, in a short phrase (tooltips, the event log, the message
//! menu): its key fields, from the typed message.

use super::lang::Lang;
use super::ui::t;
use super::words::acks_word;
use kraft_core::protocol::message::{
    AlterPartitionRequest, BeginQuorumEpochRequest, BrokerRegistrationRequest,
    BrokerRegistrationResponse, ConsumerFetchResponse, EndQuorumEpochRequest, FetchBody, Message,
    PartitionFetchBody, PartitionFetchRequest, PartitionFetchResponse,
};

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
    match lang {
        Lang::En => summary_en(msg),
        Lang::Zh => summary_zh(msg),
    }
}

/// A message in English (paths, RPC and error names stay as they are).
fn summary_en(msg: &Message) -> String {
    let lang = Lang::En;
    match msg {
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
    }
}

/// A message in Chinese.
fn summary_zh(msg: &Message) -> String {
    let lang = Lang::Zh;
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
        Message::FetchResponse(r) => fetch_answer_zh(&r.body),
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
        Message::ConsumerFetchResponse(r) => consumer_answer_zh(r),
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

/// A controller's answer to a fetch of the metadata log, in Chinese.
fn fetch_answer_zh(body: &FetchBody) -> String {
    let lang = Lang::Zh;
    match body {
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
    }
}

/// A partition leader's answer to a consumer, in Chinese.
fn consumer_answer_zh(r: &ConsumerFetchResponse) -> String {
    match (r.error, &r.body, r.reset_to) {
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
