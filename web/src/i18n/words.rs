//! A word or a phrase for each of core's small typed values: roles, the reasons core gives for
//! a role change, a vote, a truncation or a fencing, record kinds and acks.

use super::lang::Lang;
use super::ui::t;
use kraft_core::protocol::{FenceReason, RoleReason, TruncateReason, VoteReason};

pub fn role_reason(lang: Lang, r: RoleReason) -> &'static str {
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

pub fn truncate_reason(lang: Lang, r: TruncateReason) -> &'static str {
    match (lang, r) {
        (Lang::En, _) => r.text(),
        (Lang::Zh, TruncateReason::DivergingEpoch) => "领导者指出日志分叉（DivergingEpoch）",
    }
}

pub fn fence_reason(lang: Lang, r: FenceReason) -> &'static str {
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

pub fn role(lang: Lang, r: kraft_core::Role) -> String {
    role_label(lang, r.name())
}

/// acks as a producer configures it: 0, 1 or all.
pub fn acks_word(a: kraft_core::protocol::partition::Acks) -> &'static str {
    use kraft_core::protocol::partition::Acks;
    match a {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
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
