//! All UI text in English and Chinese. The words follow one glossary (docs/glossary.md):
//! protocol identifiers (RPC and record names, config keys, Kafka error names) stay as they are.
//! `events` says each trace event in a sentence, `messages` what a message carries, `breaches`
//! what broke a safety rule, `words` core's small typed values; `errors` says core's refusals.

mod breaches;
mod errors;
mod events;
mod messages;
mod stage;
mod words;

pub use breaches::breach;
pub use errors::{action_error, replay_error, spec_error, step_failure};
pub use events::describe;
pub use messages::message_summary;
use serde::{Deserialize, Serialize};
pub use stage::{legend, wait_text};
pub use words::{record_kind, vote_reason};

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

/// Virtual milliseconds as seconds with `places` decimals (0 to 3), in integer arithmetic.
pub fn seconds(ms: u64, places: u32) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    match places {
        0 => whole.to_string(),
        1 => format!("{whole}.{}", frac / 100),
        2 => format!("{whole}.{:02}", frac / 10),
        _ => format!("{whole}.{frac:03}"),
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
        "power-loss" => ("Power loss", "断电"),
        "restart" => ("Restart", "重启"),
        "pause-node" => ("Pause 5 s (GC)", "暂停 5 秒（GC）"),
        "elect" => ("Elect now", "立即选举"),
        "resign" => ("Resign", "辞职"),
        "isolate" => ("Isolate", "隔离"),
        "add-voter" => ("Add as voter", "加入投票者"),
        "broker-role" => ("broker", "Broker"),
        "combined-nodes" => (
            "Controllers also run brokers (process.roles=broker,controller)",
            "控制器同时运行 Broker（process.roles=broker,controller）",
        ),
        "remove-voter" => ("Remove voter", "移除投票者"),
        "wipe" => ("Wipe disk", "擦除磁盘"),
        "controlled-shutdown" => ("Controlled shutdown", "受控关闭"),
        "dynamic-voters" => ("Dynamic voters (KIP-853)", "动态投票者（KIP-853）"),
        "observers-count" => ("Controllers starting as observers", "以观察者启动的控制器"),
        "voters" => ("Voters", "投票者"),
        "hw-needs" => ("the HW needs", "高水位需要"),
        "of" => ("of", "个中的"),
        "directory-id" => ("directory id", "目录 ID"),
        "not-a-voter" => ("not a voter", "不是投票者"),
        "cut-both" => ("Cut both ways", "双向切断"),
        "cut-one" => ("Cut one way", "单向切断"),
        "heal" => ("Heal", "恢复"),
        "message" => ("Message", "消息"),
        "drop-message" => ("Drop it", "丢弃它"),
        "duplicate-message" => ("Duplicate it", "复制它"),
        "delay-message" => ("Delay it 1 s", "延迟 1 秒"),
        "message-gone" => ("It is no longer on the wire.", "它已不在网络上。"),
        "heal-all" => ("Heal all links", "恢复所有链路"),
        "explorer" => ("Explorer", "探索器"),
        "explorer-hint" => (
            "From this moment, try every order in which messages arrive and timers go off (and the faults ticked), shortest paths first, until a rule breaks.",
            "从此刻起，按最短路径优先，尝试消息到达与定时器触发的每一种顺序（以及勾选的故障），直到某条规则被违反。",
        ),
        "explore-crash" => ("crashes", "崩溃"),
        "explore-drop" => ("lost messages", "消息丢失"),
        "explore-duplicate" => ("duplicates", "消息重复"),
        "explore-depth" => ("depth", "深度"),
        "explore" => ("Explore from here", "从此处探索"),
        "cancel" => ("Cancel", "取消"),
        "explore-counts" => (
            "{states} states tried, {distinct} distinct, complete to depth {depth}",
            "已尝试 {states} 个状态，其中 {distinct} 个不同，已完整搜索到深度 {depth}",
        ),
        "explore-searching" => ("Searching paths of {bound} events…", "正在搜索长度为 {bound} 个事件的路径……"),
        "explore-found" => (
            "Found: {invariant} after {n} events. The path is in the timeline.",
            "找到了：{n} 个事件后违反 {invariant}。路径已放入时间线。",
        ),
        "explore-none" => ("No rule breaks within {depth} events.", "{depth} 个事件之内没有规则被违反。"),
        "explore-cut-short" => (
            "Stopped at the state limit before the depth bound: nothing found so far.",
            "在达到深度上限前已到状态数上限：目前没有发现违规。",
        ),
        "explore-moved" => (
            "The cluster moved while the explorer searched: its path no longer applies. Explore again.",
            "探索期间集群发生了变化：找到的路径已不适用。请重新探索。",
        ),
        "path-opened" => (
            "The explorer's path is in the timeline: press Step to watch it event by event.",
            "探索器找到的路径已放入时间线：按“单步”逐个事件观看。",
        ),
        "isolate-leader" => ("Isolate the leader", "隔离领导者"),
        "split" => ("Split the controllers", "分裂控制器"),
        "append" => ("Append 5 records", "追加 5 条记录"),
        "create-topic" => ("Create a topic", "创建主题"),
        "produce" => ("Produce", "写入"),
        "produces" => ("Produces", "写入请求"),
        "steady-load" => ("Keep producing", "持续写入"),
        "stop-load" => ("Stop producing", "停止写入"),
        "every" => ("every", "每"),
        "load-every" => ("Produce every", "写入间隔"),
        "steady-load-running" => (
            "Producing {records} records to {topic}-{partition} every {every} ms (acks={acks})",
            "持续写入中：每 {every} 毫秒向 {topic}-{partition} 写入 {records} 条记录（acks={acks}）",
        ),
        "slow" => ("Make slow (+6 s per message)", "变慢（每条消息晚到 6 秒）"),
        "fast" => ("End slowness", "恢复正常速度"),
        "slow-node" => (
            "Slow: every message to {node} arrives {seconds} s late",
            "慢节点：发给 {node} 的每条消息晚到 {seconds} 秒",
        ),
        "replica-logs" => ("Partition replicas", "分区副本"),
        "replica-logs-hint" => (
            "Each replica's records (value = produce.record, colour = leader epoch). Below the HW (dark edge) a record is committed; a follower learns the HW one fetch later.",
            "每个副本的记录（值 = 写入编号.序号，颜色 = 领导者任期）。高水位（深色边）以下的记录已提交；追随者要晚一次拉取才知道高水位。",
        ),
        "leader-epoch" => ("leader epoch", "领导者任期"),
        "consumers" => ("Consumers", "消费者"),
        "topic" => ("Topic", "主题"),
        "position" => ("Position", "位置"),
        "read" => ("Read (newest)", "已读（最新）"),
        "consume" => ("Consume", "消费"),
        "elect-preferred" => ("Elect the preferred leader", "选举首选领导者"),
        "preferred" => ("preferred leader", "首选领导者"),
        "recovering" => ("recovering (unclean election)", "恢复中（不干净选举）"),
        "records" => ("records", "条记录"),
        "pending" => ("pending", "等待中"),
        "acked" => ("acknowledged", "已确认"),
        "failed" => ("failed", "失败"),
        "lost" => ("Lost after the ack", "确认后丢失"),
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
        "fenced" => ("fenced", "已屏蔽"),
        "observer" => ("observer", "观察者"),
        "unfenced" => ("unfenced", "未屏蔽"),
        "serving" => ("serving", "服务中"),
        "sbs-open" => ("Side by side: KRaft | ZooKeeper", "并排对比：KRaft | ZooKeeper"),
        "sbs-close" => ("Close side by side", "关闭并排对比"),
        "sbs-title" => ("Side by side: the same crash in both modes", "并排对比：两种模式下的同一次崩溃"),
        "sbs-hint" => (
            "Two clusters on the same seed and clock: KRaft (3 controllers, 5 brokers) and ZooKeeper mode (the ensemble, 5 brokers), each with one topic. Every button acts on both. Crash the controller and read how long each side's partitions cannot change leader.",
            "两个集群使用同一个种子和同一个时钟：KRaft（3 个控制器、5 个 Broker）和 ZooKeeper 模式（ZooKeeper 集群、5 个 Broker），各有一个主题。每个按钮同时作用于两边。让控制器崩溃，看看每一边的分区有多久无法更换 Leader。",
        ),
        "sbs-partitions" => ("Partitions", "分区数"),
        "sbs-crash-controller" => ("Crash the controller", "让控制器崩溃"),
        "sbs-restart-controller" => ("Restart it", "重启它"),
        "sbs-behind" => (
            "(the page runs slower than this speed)",
            "（页面跑不到这个速度）",
        ),
        "sbs-busy" => ("setting up…", "正在准备……"),
        "sbs-cannot" => ("The side-by-side clusters could not be built.", "无法建立并排对比的集群。"),
        "sbs-starting" => ("Starting: electing a controller, registering brokers", "启动中：选出控制器，Broker 注册"),
        "sbs-creating" => ("Creating the topic: partitions every controller holds", "创建主题中：每个控制器都持有的分区"),
        "sbs-steady" => ("Ready: crash the controller", "就绪：让控制器崩溃吧"),
        "sbs-failover-took" => ("Partitions could change leader again after", "分区重新可以更换 Leader，用时"),
        "sbs-waiting" => ("No controller can change leaders:", "没有控制器能更换 Leader："),
        "sbs-detect" => ("noticed after", "发现用时"),
        "sbs-load" => ("loading", "加载"),
        "sbs-calls" => ("ZooKeeper calls", "次 ZooKeeper 调用"),
        "sbs-kraft-why" => (
            "a standby controller already holds the metadata log: it only has to win an election",
            "备用控制器早已持有元数据日志：它只需赢得一次选举",
        ),
        "sbs-session" => (
            "waiting for ZooKeeper to expire the dead controller's session",
            "等待 ZooKeeper 让崩溃控制器的会话过期",
        ),
        "sbs-loading" => ("the new controller reads partition states:", "新控制器正在读取分区状态："),
        "sbs-electing" => ("the standby controllers elect a new leader", "备用控制器正在选出新的 Leader"),
        "sbs-kraft-caption" => ("controllers (top) and brokers", "控制器（上）和 Broker"),
        "sbs-zk-caption" => (
            "ZooKeeper (top) and brokers: one of them is the controller",
            "ZooKeeper（上）和 Broker：其中一个是控制器",
        ),
        "sbs-bar-session" => ("session expiry", "会话过期"),
        "sbs-bar-load" => ("load", "加载"),
        "sbs-bar-election" => ("election", "选举"),
        "sbs-zk-title" => ("ZooKeeper mode", "ZooKeeper 模式"),
        "sbs-controller" => ("Controller", "控制器"),
        "sbs-epoch" => ("epoch", "任期"),
        "sbs-offline" => ("partitions without a live leader", "没有存活 Leader 的分区"),
        "why-kraft" => ("Why KRaft: controller failover against partitions", "为什么是 KRaft：控制器故障转移与分区数"),
        "why-kraft-hint" => (
            "Runs a hard crash of the controller in both modes at 100 to 2,000 partitions and plots the time until a new controller can elect partition leaders. Every point is a simulation run. At these counts ZooKeeper's time is mostly detection (the 18 s session); its loading line grows with the partitions, one round trip per ten znodes: about 20 s more at 100,000 (kraft-sim bench --failover). KRaft's standbys hold the log already.",
            "在两种模式下、分区数从 100 到 2000，分别让控制器硬崩溃，画出新控制器能够选举分区领导者之前所需的时间。每个点都是一次模拟运行。在这些分区数下，ZooKeeper 的时间主要花在发现故障上（18 秒的会话）；它的加载线随分区数增长，每十个 znode 一次往返：到 100,000 个分区时多出约 20 秒（见命令行的基准测试）。KRaft 的备用控制器早已持有日志。",
        ),
        "measure-failover" => ("Measure both modes", "测量两种模式"),
        "measuring" => ("Measuring…", "测量中…"),
        "why-kraft-chart" => ("Failover (s) against partitions", "故障转移（秒）与分区数"),
        "zk-failover" => ("ZooKeeper", "ZooKeeper"),
        "zk-load" => ("ZK: loading", "ZK：加载"),
        "kraft-failover" => ("KRaft", "KRaft"),
        "zookeeper-mode" => (
            "ZooKeeper mode (Kafka before KRaft: no controller nodes)",
            "ZooKeeper 模式（KRaft 之前的 Kafka：没有控制器节点）",
        ),
        "zookeeper" => ("ZooKeeper", "ZooKeeper"),
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
        "unsafe-truncate" => (
            "followers truncate to their own HW, as before leader epochs (KIP-101's failures)",
            "追随者截断到自己的高水位，如同引入 leader epoch 之前（KIP-101 所述的故障）",
        ),
        "help" => (
            "Keys: space play/pause, → step, ← step back, ? legend and keys",
            "快捷键：空格 播放/暂停，→ 单步，← 后退，? 图例与快捷键",
        ),
        "nothing-next" => (
            "Nothing of that kind happened in the next 2 minutes.",
            "接下来 2 分钟内没有发生此类事件。",
        ),
        "nothing-next-election" => (
            "No election is pending: none would start in the next 2 minutes, so time stays where it was. Crash, pause or isolate the leader to cause one.",
            "没有待发生的选举：接下来 2 分钟内不会有选举，所以时间停在原处。让领导者崩溃、暂停或被隔离即可引发选举。",
        ),
        "nothing-next-hw" => (
            "The high watermark would not move in the next 2 minutes, so time stays where it was.",
            "接下来 2 分钟内高水位不会推进，所以时间停在原处。",
        ),
        "nothing-next-snapshot" => (
            "No snapshot would be taken or loaded in the next 2 minutes (is snapshot_every_records 0?), so time stays where it was.",
            "接下来 2 分钟内不会生成或加载快照（snapshot_every_records 是否为 0？），所以时间停在原处。",
        ),
        "scenario-ended" => (
            "The scenario is over and paused. Press Play to let the cluster run on, or break something.",
            "场景结束并已暂停。按播放让集群继续运行，或者弄坏点什么。",
        ),
        "waiting" => ("Running until", "运行直到"),
        "skip" => ("Skip ahead", "快进"),
        "try-it" => ("Try it with", "试一试："),
        "original" => ("the original", "原版"),
        "running-cluster" => ("Running now", "当前运行"),
        "legend" => ("Legend", "图例"),
        "reviewing" => ("Reviewing the past: Play replays it, then the scenario goes on.", "正在回看过去：按播放会重放，之后场景继续。"),
        "sees-before" => ("Leader", "领导者"),
        "sees-after" => ("sees", "看到的"),
        "fetched-to" => ("has fetched up to offset", "已拉取到偏移量"),
        "never-fetched" => ("has not fetched yet", "尚未拉取"),
        "votes-title" => ("Votes", "投票"),
        "legend-strip" => (
            "The newest entries of each controller's log: colour and number = epoch, faded = not committed, dark bar = HW, grey = inside the snapshot",
            "各控制器日志的最新条目：颜色与数字表示任期，变淡表示未提交，深色竖条为高水位，灰色表示已在快照中",
        ),
        "legend-progress" => (
            "How far each replica has fetched, as the leader sees it (its fetch offset)",
            "领导者看到的各副本拉取进度（拉取偏移量）",
        ),
        "granted" => ("granted", "同意"),
        "refused" => ("refused", "拒绝"),
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
        "unknown" => ("unknown", "未知"),
        "offset" => ("offset", "偏移"),
        "in-snapshot" => ("in the snapshot", "在快照中"),
        "id" => ("id", "编号"),
        "state" => ("state", "状态"),
        "language" => ("language", "语言"),
        "cluster-view" => ("the cluster", "集群"),
        "timeline" => ("timeline", "时间轴"),
        "timer-fetch" => (
            "fetch timeout: no fetch answered by the leader for this long → campaign",
            "拉取超时：这么久没有从领导者拉取成功 → 发起选举",
        ),
        "timer-election" => (
            "election timeout: random in [T, 2T)",
            "选举超时：在 [T, 2T) 之间随机",
        ),
        "timer-check-quorum" => (
            "check-quorum: a majority must fetch within this window, or the leader resigns",
            "法定人数检查（check-quorum）：多数派必须在这个窗口内来拉取，否则领导者辞职",
        ),
        "unsafe-commit" => (
            "the leader commits entries of earlier epochs by counting replicas (Raft Figure 8)",
            "领导者靠数副本来提交更早任期的条目（Raft 图 8）",
        ),
        "no-leader-change" => (
            "a new leader appends nothing, so its HW waits for a client write",
            "新领导者不追加任何记录，所以它的高水位要等客户端写入",
        ),
        "nothing-left" => ("Nothing left to happen.", "没有将要发生的事件了。"),
        "no-leader-to-isolate" => ("There is no leader to isolate.", "没有可以隔离的领导者。"),
        "no-scenario" => ("No such scenario", "没有这个场景"),
        "not-restored" => ("The saved session was not restored", "保存的会话没有恢复"),
        "bad-link" => (
            "The share link could not be read; the page opened without it.",
            "无法读取分享链接；页面在没有它的情况下打开。",
        ),
        "share-failed" => ("The share link could not be made.", "无法生成分享链接。"),
        "create-topic-first" => ("Create a topic first.", "请先创建一个主题。"),
        "step-failed" => ("Step", "步骤"),
        _ => (key, key),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
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
        "IsrWithinReplicas" => (
            "A partition's ISR, ELR and leader are always among its replicas.",
            "分区的 ISR、ELR 和领导者始终是它的副本。",
        ),
        "ElectionRule" => (
            "A clean election picks the first in-ISR replica in assignment order.",
            "干净选举总是选出按分配顺序排在最前的 ISR 副本。",
        ),
        "SingleActiveController" => (
            "ZooKeeper mode: one controller per controller epoch.",
            "ZooKeeper 模式：每个控制器任期只有一个控制器。",
        ),
        "ZombieControllerWrite" => (
            "ZooKeeper mode: a controller of an old epoch never writes a partition state.",
            "ZooKeeper 模式：旧任期的控制器永远写不进分区状态。",
        ),
        "AckedRecordLost" => (
            "A record acknowledged with acks=all survives every failure short of an unclean election.",
            "以 acks=all 确认的记录，除非发生不干净选举，在任何故障下都不会丢失。",
        ),
        "ReplicaDivergence" => (
            "Replicas never hold different committed records at the same offset.",
            "副本在同一偏移处永远不会持有不同的已提交记录。",
        ),
        "PartitionLeaderNotInIsr" => (
            "A partition leader is always a member of its ISR.",
            "分区领导者始终是其 ISR 的成员。",
        ),
        "PartitionHighWatermarkMonotonic" => (
            "A leader's HW never moves back while it leads (a follower's may, after a leader change).",
            "领导者在其领导期间高水位不会回退（跟随者的高水位在领导者变更后可能回退）。",
        ),
        "IsrMemberMissingRecords" => (
            "Every ISR member that could lead holds every committed record whenever a partition state is written.",
            "每次写入分区状态时，每个可以成为领导者的 ISR 成员都持有全部已提交记录。",
        ),
        "ElrMemberMissingRecords" => (
            "Every Eligible Leader Replica that could lead holds every committed record (KIP-966).",
            "每个可以成为领导者的合格领导者副本（ELR）都持有全部已提交记录（KIP-966）。",
        ),
        "AckedWithoutMinIsr" => (
            "An acks=all produce is acknowledged only once min.insync.replicas replicas (at most the replication factor) hold it.",
            "acks=all 的写入只有在 min.insync.replicas 个副本（不超过副本数）持有它之后才会被确认。",
        ),
        "ConsumerReadUncommitted" => (
            "A consumer never reads a record at or above the HW.",
            "消费者永远读不到高水位及以上的记录。",
        ),
        "SingleUncommittedVoterChange" => (
            "A leader changes the voter set by one voter, and only once the previous change is committed.",
            "领导者每次只改变一个投票者，且只在上一个变更提交之后。",
        ),
        "WipedVoterVoted" => (
            "A node that lost its disk never votes as the voter it was.",
            "丢失磁盘的节点永远不会以原来投票者的身份投票。",
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
