//! A capture: the JSON picture of the cluster at one instant. The CLI prints it, the UI's
//! `window.kraft.capture()` returns it, and tests compare the two.

use crate::protocol::node::{ClusterMode, NodeKind};
use crate::protocol::partition_log::PartitionLog;
use crate::protocol::role::Role;
use crate::protocol::types::Acks;
use crate::protocol::types::{Epoch, NodeId, Offset, Time};
use crate::sim::{SimNode, Simulation};
use serde::Serialize;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Capture {
    pub label: String,
    pub time_ms: Time,
    pub leader: Option<NodeId>,
    pub epoch: Epoch,
    pub nodes: Vec<NodeCapture>,
    pub metadata: MetadataCapture,
    /// The producer client's produces (docs/contracts.md, data plane).
    pub produces: Vec<ProduceCapture>,
    /// The consumers (docs/contracts.md, data plane).
    pub consumers: Vec<ConsumerCapture>,
    /// The voter set the leader uses (docs/contracts.md, single messages and membership); with no leader, that of the controller with
    /// the most up-to-date log. `directory_id` is null in a static quorum (kraft_version 0).
    pub voters: Vec<VoterCapture>,
    /// docs/contracts.md, ZooKeeper mode: the controller (KRaft: the active controller; ZooKeeper mode: the broker
    /// acting as controller in the current epoch), null while there is none.
    pub controller: Option<NodeId>,
    /// KRaft: the active controller's epoch (with none, the newest quorum epoch); ZooKeeper
    /// mode: the value of `/controller_epoch`.
    pub controller_epoch: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VoterCapture {
    pub id: NodeId,
    pub directory_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerCapture {
    pub id: u64,
    pub topic: String,
    pub partition: u32,
    /// The next offset it reads (null until the leader said where `from` is).
    pub position: Option<Offset>,
    /// The values it read, oldest first (the newest 1000).
    pub read: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProduceCapture {
    pub id: u64,
    pub topic: String,
    pub partition: u32,
    /// 0, 1 or "all", as a produce step writes it.
    pub acks: serde_json::Value,
    pub records: usize,
    pub status: crate::protocol::producer::ProduceStatus,
    pub error: Option<&'static str>,
    pub base_offset: Option<Offset>,
    /// Acknowledged values no longer at their offset in the partition leader's log (nor in any
    /// replica while there is no leader).
    pub lost: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEntryCapture {
    pub offset: Offset,
    pub epoch: Epoch,
    pub kind: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotCapture {
    pub end_offset: Offset,
    pub epoch: Epoch,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeCapture {
    pub id: NodeId,
    pub kind: NodeKind,
    pub alive: bool,
    pub paused: bool,
    /// Lower case: leader, follower, candidate, prospective, unattached, resigned; brokers: fenced,
    /// unfenced; any node that is down: offline.
    pub role: String,
    pub epoch: Epoch,
    pub leader: Option<NodeId>,
    pub voted_for: Option<NodeId>,
    pub log_start_offset: Offset,
    pub log: Vec<LogEntryCapture>,
    pub leo: Offset,
    pub hw: Option<Offset>,
    pub snapshot: Option<SnapshotCapture>,
    /// Brokers only (docs/contracts.md, data plane): the topic partition replicas this broker holds.
    /// The first `CAPTURE_LIST_LIMIT`, in (topic id, partition) order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<ReplicaCapture>>,
    /// Brokers only: how many replicas it holds (listed or not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_count: Option<usize>,
    /// Combined nodes only (docs/contracts.md, single messages and membership): the broker role's word (`role` is the controller's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_role: Option<&'static str>,
    /// Controllers only (docs/contracts.md, single messages and membership): the directory id of the disk it runs on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory_id: Option<String>,
    /// ZooKeeper-mode brokers (docs/contracts.md, ZooKeeper mode): the highest controller epoch a pushed request carried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller_epoch_seen: Option<u32>,
    /// ZooKeeper-mode brokers: the metadata cache the controller's pushes built (it may lag
    /// ZooKeeper and other brokers' caches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_cache: Option<MetadataCacheCapture>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetadataCacheCapture {
    pub topics: Vec<TopicCapture>,
}

/// One topic partition replica on a broker: its records (with the leader epoch that wrote
/// each), log start, LEO and HW.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaCapture {
    pub topic: String,
    pub partition: u32,
    pub leader_epoch: u32,
    pub is_leader: bool,
    pub log_start_offset: Offset,
    pub log: Vec<crate::protocol::partition_log::PartitionRecord>,
    pub leo: Offset,
    pub hw: Offset,
    /// Every record below it is on disk; the ones above are in the page cache only (a power
    /// loss takes them).
    pub flushed: Offset,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerCapture {
    pub id: NodeId,
    pub fenced: bool,
    pub epoch: Offset,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionCapture {
    pub partition: u32,
    pub leader: Option<NodeId>,
    pub isr: Vec<NodeId>,
    pub replicas: Vec<NodeId>,
    pub leader_epoch: u32,
    /// Eligible Leader Replicas (KIP-966).
    pub elr: Vec<NodeId>,
    pub last_known_leader: Option<NodeId>,
    pub partition_epoch: u32,
    /// "recovered", or "recovering" after an unclean election until the leader reports back.
    pub leader_recovery_state: &'static str,
    pub preferred_leader: Option<NodeId>,
    /// Data-plane offsets at the partition leader (null when it has no live leader).
    pub leo: Option<Offset>,
    pub hw: Option<Offset>,
}

/// A capture lists at most this many partitions of one topic (and this many replicas of one
/// broker): beyond it (docs/contracts.md, ZooKeeper mode allows up to 100,000) the JSON would run to tens of megabytes
/// per capture. The counts beside the lists always cover everything.
pub const CAPTURE_LIST_LIMIT: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicCapture {
    pub name: String,
    pub topic_id: u32,
    /// The first `CAPTURE_LIST_LIMIT` partitions, in partition order.
    pub partitions: Vec<PartitionCapture>,
    /// How many partitions the topic has (listed or not).
    pub partition_count: usize,
    /// How many of them have no leader (listed or not).
    pub partitions_without_leader: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MetadataCapture {
    /// Offset the image was applied up to (exclusive).
    pub applied_offset: Offset,
    pub brokers: Vec<BrokerCapture>,
    pub topics: Vec<TopicCapture>,
}

/// The role word a node shows (the UI's `data-role` uses the same).
pub fn role_word(n: &SimNode) -> String {
    if !n.alive {
        return "offline".into();
    }
    if n.node.kind == NodeKind::Zookeeper {
        return "serving".into();
    }
    match n.node.role() {
        Role::Observer if n.node.kind.runs_controller() => "observer".into(),
        Role::Observer => if n.node.broker_state().fenced {
            "fenced"
        } else {
            "unfenced"
        }
        .into(),
        r => r.name().into(),
    }
}

pub fn node_capture(n: &SimNode) -> NodeCapture {
    let node = &n.node;
    let log = node.log();
    NodeCapture {
        id: node.id,
        kind: node.kind,
        alive: n.alive,
        paused: n.paused_until.is_some(),
        role: role_word(n),
        epoch: node.epoch(),
        leader: node.leader_id(),
        voted_for: node.voted_for(),
        log_start_offset: log.start_offset(),
        log: log
            .entries()
            .map(|e| LogEntryCapture {
                offset: e.offset,
                epoch: e.epoch,
                kind: e.record.kind(),
            })
            .collect(),
        leo: log.end_offset(),
        hw: if n.alive { node.high_watermark() } else { None },
        snapshot: log.latest_snapshot().map(|s| SnapshotCapture {
            end_offset: s.id.end_offset,
            epoch: s.id.epoch,
        }),
        replicas: node.kind.runs_broker().then(|| replica_captures(n)),
        replica_count: node
            .kind
            .runs_broker()
            .then(|| node.partition_replicas().len()),
        broker_role: (node.kind == NodeKind::Combined).then(|| {
            if !n.alive {
                "offline"
            } else if node.broker_state().fenced {
                "fenced"
            } else {
                "unfenced"
            }
        }),
        directory_id: node
            .kind
            .runs_controller()
            .then(|| directory_id_text(node.directory_id())),
        controller_epoch_seen: node.zk().map(|z| z.controller_epoch_seen),
        metadata_cache: None,
    }
}

/// A directory id as captures show it (Kafka prints a UUID; ours are 64 bits).
pub fn directory_id_text(d: crate::protocol::voters::DirectoryId) -> String {
    format!("{d:016x}")
}

fn replica_captures(n: &SimNode) -> Vec<ReplicaCapture> {
    let topics = &n.node.image().topics;
    n.node
        .partition_replicas()
        .iter()
        .take(CAPTURE_LIST_LIMIT)
        .map(|((topic_id, partition), r)| ReplicaCapture {
            topic: topics
                .get(topic_id)
                .map_or_else(|| topic_id.to_string(), |t| t.name.clone()),
            partition: *partition,
            leader_epoch: r.leader_epoch,
            is_leader: n.alive && r.leader == Some(n.node.id),
            log_start_offset: r.log.start_offset(),
            log: r.log.records().to_vec(),
            leo: r.leo(),
            hw: r.hw,
            flushed: r.log.flushed_offset(),
        })
        .collect()
}

impl Simulation {
    /// An acknowledged produce's values that the partition no longer holds where they were
    /// written: in its live leader's log, or, with no leader, in no replica at all.
    pub fn lost_values(&self, p: &crate::protocol::producer::Produce) -> Vec<String> {
        self.lost(p).map(|v| v.to_string()).collect()
    }

    /// The first of `lost_values`, if any (the checker asks after every answer: no lists).
    pub(crate) fn first_lost_value(
        &self,
        p: &crate::protocol::producer::Produce,
    ) -> Option<String> {
        self.lost(p).next().map(|v| v.to_string())
    }

    fn lost<'a>(
        &'a self,
        p: &'a crate::protocol::producer::Produce,
    ) -> impl Iterator<Item = &'a Rc<str>> + 'a {
        use crate::protocol::producer::ProduceStatus;
        // Only an acknowledged produce can be lost.
        let holders =
            (p.status == ProduceStatus::Acked).then(|| self.holders(p.topic_id, p.partition));
        p.values
            .iter()
            .enumerate()
            .filter(move |(i, v)| {
                holders.as_ref().is_some_and(|holders| {
                    !holders.any(|log| match p.base_offset {
                        // Below the log start: deleted by retention after it committed, not lost.
                        Some(base) => {
                            base + (*i as u64) < log.start_offset()
                                || log.record(base + *i as u64).is_some_and(|r| r.value == **v)
                        }
                        // acks=0: no offset was ever reported; anywhere in the log will do.
                        None => log.records().iter().any(|r| r.value == **v),
                    })
                })
            })
            .map(|(_, v)| v)
    }

    /// The logs that say what a partition holds: its live leader's, or, with no leader, every
    /// replica's.
    fn holders(&self, topic_id: u32, partition: u32) -> Holders<'_> {
        let key = (topic_id, partition);
        // The partition's leader in the newest leader epoch any node has applied, down or not
        // (images are rebuilt from the durable log; a live node's may lag behind a dead one's,
        // and an old leader may not know it was replaced). If that leader is down: no leader.
        // Records written in a newer epoch than any node's metadata shows (every node restarted
        // and none has caught up yet): who leads is not known, so no leader's log is the truth.
        // One pass over the nodes (the checker asks after every answered produce).
        let mut newest: Option<(u32, Option<NodeId>)> = None;
        let mut written: Option<u32> = None;
        let mut consider = |seen: (u32, Option<NodeId>)| {
            // The last of equal epochs wins, as `max_by_key` had it.
            if newest.is_none_or(|(e, _)| seen.0 >= e) {
                newest = Some(seen);
            }
        };
        for n in self.nodes() {
            if let Some(r) = n.node.partition_replicas().get(&key) {
                consider((r.leader_epoch, r.leader));
                written = written.max(r.log.last_epoch());
            }
            if let Some(x) = n.node.image().partition(topic_id, partition) {
                consider((x.leader_epoch, x.leader));
            }
        }
        let newest = newest
            .filter(|(epoch, _)| written.is_none_or(|w| *epoch >= w))
            .and_then(|(_, l)| l);
        let leader = newest.and_then(|l| self.node(l)).filter(|n| n.alive);
        match leader {
            Some(l) => Holders::Leader(l.node.partition_replicas().get(&key).map(|r| &r.log)),
            None => Holders::Logs(
                self.nodes()
                    .iter()
                    .filter_map(|n| n.node.partition_replicas().get(&key).map(|r| &r.log))
                    .collect(),
            ),
        }
    }

    /// The committed metadata image, independent of any one node: the furthest-applied image among
    /// the live controllers (committed images never disagree, they only lag).
    pub fn committed_image(&self) -> crate::protocol::metadata::Image {
        self.committed_image_ref().cloned().unwrap_or_default()
    }

    /// The same, borrowed (None before any controller has applied anything): for hot paths.
    /// In ZooKeeper mode there is no committed log: clients ask a broker, and get what its
    /// metadata cache holds (here the lowest-numbered live broker that has one).
    pub fn committed_image_ref(&self) -> Option<&crate::protocol::metadata::Image> {
        if self.mode() == ClusterMode::Zookeeper {
            return self
                .nodes()
                .iter()
                .filter(|n| n.alive && n.node.zk().is_some() && n.node.image().applied_offset > 0)
                .map(|n| n.node.image())
                .next();
        }
        self.nodes()
            .iter()
            .filter(|n| n.alive && n.node.kind.runs_controller())
            .max_by_key(|n| (n.node.image().applied_offset, std::cmp::Reverse(n.node.id)))
            .map(|n| n.node.image())
    }

    /// (LEO, HW) of a partition as its live leader broker has them.
    pub fn partition_offsets(
        &self,
        topic_id: u32,
        partition: u32,
        leader: Option<NodeId>,
    ) -> Option<(Offset, Offset)> {
        let n = self.node(leader?).filter(|n| n.alive)?;
        n.node
            .partition_replicas()
            .get(&(topic_id, partition))
            .map(|r| (r.leo(), r.hw))
    }

    /// The voter set that counts now: the leader's; with none, that of the live controller
    /// with the most up-to-date log (what the next leader will use).
    pub fn current_voters(&self) -> &[crate::protocol::voters::Voter] {
        let from = self
            .acting_leader()
            .and_then(|l| self.node(l))
            .or_else(|| {
                self.controllers()
                    .filter(|n| n.alive)
                    .max_by_key(|n| (n.node.log().last_id(), std::cmp::Reverse(n.node.id)))
            })
            .or_else(|| self.controllers().next());
        from.map(|n| n.node.voter_set()).unwrap_or(&[])
    }

    pub fn capture(&self, label: &str) -> Capture {
        let leader = self.acting_leader();
        let epoch = match leader.and_then(|l| self.node(l)) {
            Some(l) => l.node.epoch(),
            None => self
                .controllers()
                .filter(|n| n.alive)
                .map(|n| n.node.epoch())
                .max()
                .unwrap_or(0),
        };
        let image = match self.mode() {
            ClusterMode::Kraft => self.committed_image(),
            ClusterMode::Zookeeper => self.zk_image(),
        };
        let metadata = MetadataCapture {
            applied_offset: image.applied_offset,
            brokers: image
                .brokers
                .values()
                .map(|b| BrokerCapture {
                    id: b.id,
                    fenced: b.fenced,
                    epoch: b.epoch,
                })
                .collect(),
            topics: self.topics_capture(&image),
        };
        Capture {
            label: label.to_string(),
            time_ms: self.now(),
            leader,
            epoch,
            nodes: self
                .nodes()
                .iter()
                .map(|n| {
                    let mut c = node_capture(n);
                    if n.node.zk().is_some() {
                        c.metadata_cache = Some(MetadataCacheCapture {
                            topics: self.topics_capture(n.node.image()),
                        });
                    }
                    c
                })
                .collect(),
            metadata,
            produces: self
                .produces()
                .iter()
                .map(|p| ProduceCapture {
                    id: p.id,
                    topic: p.topic.clone(),
                    partition: p.partition,
                    acks: match p.acks {
                        Acks::None => 0.into(),
                        Acks::Leader => 1.into(),
                        Acks::All => "all".into(),
                    },
                    records: p.values.len(),
                    status: p.status,
                    error: p.error.map(|e| e.name()),
                    base_offset: p.base_offset,
                    lost: self.lost_values(p),
                })
                .collect(),
            consumers: self
                .consumers()
                .iter()
                .map(|c| ConsumerCapture {
                    id: c.id,
                    topic: c.topic.clone(),
                    partition: c.partition,
                    position: c.position,
                    read: c.read.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
            voters: self
                .current_voters()
                .iter()
                .map(|v| VoterCapture {
                    id: v.id,
                    directory_id: v.directory_id.map(directory_id_text),
                })
                .collect(),
            controller: self.controller().map(|c| c.0),
            controller_epoch: match self.mode() {
                ClusterMode::Kraft => self.controller().map_or(epoch, |c| c.1),
                ClusterMode::Zookeeper => self.ensemble().map_or(0, |e| e.controller_epoch()),
            },
        }
    }

    /// Topics as a capture shows them, from any image (the committed one, what ZooKeeper holds,
    /// or a broker's metadata cache), with the data-plane offsets at each partition's leader.
    fn topics_capture(&self, image: &crate::protocol::metadata::Image) -> Vec<TopicCapture> {
        image
            .topics
            .values()
            .map(|t| TopicCapture {
                name: t.name.clone(),
                topic_id: t.topic_id,
                partition_count: t.partitions.len(),
                partitions_without_leader: t
                    .partitions
                    .iter()
                    .filter(|p| p.leader.is_none())
                    .count(),
                partitions: t
                    .partitions
                    .iter()
                    .take(CAPTURE_LIST_LIMIT)
                    .map(|p| {
                        let offsets = self.partition_offsets(t.topic_id, p.partition, p.leader);
                        PartitionCapture {
                            partition: p.partition,
                            leader: p.leader,
                            isr: p.isr.clone(),
                            replicas: p.replicas.clone(),
                            leader_epoch: p.leader_epoch,
                            elr: p.elr.clone(),
                            last_known_leader: p.last_known_leader,
                            partition_epoch: p.partition_epoch,
                            leader_recovery_state: if p.recovering {
                                "recovering"
                            } else {
                                "recovered"
                            },
                            preferred_leader: p.preferred_leader(),
                            leo: offsets.map(|r| r.0),
                            hw: offsets.map(|r| r.1),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Where a partition's records are looked for (see `Simulation::holders`).
enum Holders<'a> {
    /// The live leader's log (None: it has no replica of the partition).
    Leader(Option<&'a PartitionLog>),
    /// No live leader: every replica's.
    Logs(Vec<&'a PartitionLog>),
}

impl<'a> Holders<'a> {
    fn any(&self, f: impl Fn(&PartitionLog) -> bool) -> bool {
        match self {
            Holders::Leader(l) => l.is_some_and(&f),
            Holders::Logs(logs) => logs.iter().any(|l| f(l)),
        }
    }
}
