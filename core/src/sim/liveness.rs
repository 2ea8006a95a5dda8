//! Progress after the faults end (TigerBeetle's VOPR "liveness mode"): once every node runs and
//! every link is healed, the cluster must settle within a bound: a controller leader, every log
//! caught up, every broker unfenced, every partition led with its full ISR and every replica
//! caught up, no produce still pending. Safety says nothing bad happens; this says something
//! good does. A cluster that never settles is reported like a broken invariant ("Liveness").
//!
//! A steady load may keep running through the calm: then the cluster must also keep up with it,
//! every ISR full for a whole `replica.lag.time.max.ms` and more, and no produce left waiting
//! through it (`check_liveness_under_load`), before the load stops and everything must settle.

use crate::protocol::producer::ProduceStatus;
use crate::protocol::role::Role;
use crate::protocol::types::Acks;
use crate::protocol::types::{NodeId, Time};
use crate::sim::violation::{Breach, Violation};
// Where the stall type lived before the vocabulary had a file of its own.
pub use crate::sim::violation::Stall;
use crate::sim::Simulation;
use std::collections::BTreeMap;

/// How long a healed cluster gets to settle: a minute, and past the producer's delivery timeout
/// (a produce to a partition Kafka keeps offline fails only then).
pub fn settle_bound(cfg: &crate::protocol::config::Config) -> Time {
    60_000u64.max(cfg.delivery_timeout_ms + 10_000)
}

/// How long a load that keeps running is watched once the cluster has settled under it: past
/// `replica.lag.time.max.ms`, so a follower that is never counted as caught up has left the ISR
/// by the end, and long enough for any produce to a healthy partition to be answered.
pub fn load_hold(cfg: &crate::protocol::config::Config) -> Time {
    2 * cfg.replica_lag_time_max_ms + 5_000
}

/// How often the ISRs are looked at while the load is watched.
const LOAD_SAMPLE_MS: Time = 100;

/// How long a produce to a healthy partition may wait under a load the producer can serve: a
/// few round trips, and the follower's fetch for acks=all, take well under a second here.
pub const KEEP_UP_MS: Time = 10_000;

impl Simulation {
    /// What the cluster has not done yet (None: it has settled). Reads state only.
    pub fn stall(&self) -> Option<Stall> {
        self.stall_under(false)
    }

    /// `stall`, or with `under_load` what a cluster under a running load can reach: replicas
    /// one fetch behind and produces in flight are the load, not a stall.
    fn stall_under(&self, under_load: bool) -> Option<Stall> {
        if self.mode() == crate::protocol::ClusterMode::Zookeeper {
            return self.zookeeper_stall(under_load);
        }
        let Some(leader) = self.acting_leader().and_then(|l| self.node(l)) else {
            return Some(Stall::NoLeader);
        };
        let (leader_leo, leader_hw) =
            (leader.node.log().end_offset(), leader.node.high_watermark());
        for n in self.nodes().iter().filter(|n| n.node.id != leader.node.id) {
            let (leo, hw) = (n.node.log().end_offset(), n.node.high_watermark());
            // Every committed record there, and known committed but for the last one: the
            // idle leader's NoOp records keep its log moving, and over a slow network a
            // follower may never be level with it at one instant. One that stops fetching
            // still shows, two NoOps later.
            let committed = leader_hw.unwrap_or(0);
            let behind = leo < committed || hw.unwrap_or(0) + 1 < committed;
            if behind || n.node.role() == Role::Candidate {
                return Some(Stall::LogBehind {
                    node: n.node.id,
                    leo,
                    hw,
                    leader_leo,
                    leader_hw,
                });
            }
        }
        let image = leader.node.image();
        for broker in self.spec().broker_ids() {
            if !image.is_unfenced(broker) {
                return Some(Stall::BrokerFenced { broker });
            }
        }
        self.partitions_stall(image, under_load)
    }

    /// ZooKeeper mode: a controller that has loaded, every broker registered, every partition
    /// led and replicated, and every broker's metadata cache agreeing with ZooKeeper.
    fn zookeeper_stall(&self, under_load: bool) -> Option<Stall> {
        if !self.controller_ready() {
            return Some(Stall::NoLeader);
        }
        let image = self.zk_image();
        for broker in self.spec().broker_ids() {
            if !image.brokers.contains_key(&broker) {
                return Some(Stall::BrokerFenced { broker });
            }
        }
        for n in self.nodes().iter().filter(|n| n.node.zk().is_some()) {
            let agrees = image.topics.values().all(|t| {
                t.partitions.iter().all(|p| {
                    n.node
                        .image()
                        .partition(t.topic_id, p.partition)
                        .is_some_and(|c| {
                            c.leader == p.leader
                                && c.isr == p.isr
                                && c.leader_epoch == p.leader_epoch
                        })
                })
            });
            if !agrees {
                return Some(Stall::MetadataCacheBehind { broker: n.node.id });
            }
        }
        self.partitions_stall(&image, under_load)
    }

    /// Every partition of `image` led, its ISR full, its replicas level with the leader, and no
    /// produce pending (under a load: led with its full ISR).
    fn partitions_stall(
        &self,
        image: &crate::protocol::metadata::Image,
        under_load: bool,
    ) -> Option<Stall> {
        for t in image.topics.values() {
            let unclean = t
                .config
                .unclean_leader_election
                .unwrap_or(self.config().unclean_leader_election);
            for p in &t.partitions {
                let (topic_id, partition) = (t.topic_id, p.partition);
                if kept_offline(p, unclean) {
                    continue;
                }
                let Some(pl) = p.leader else {
                    return Some(Stall::PartitionLeaderless {
                        topic_id,
                        partition,
                    });
                };
                if p.replicas.iter().any(|r| !p.isr.contains(r)) {
                    return Some(Stall::IsrShort {
                        topic_id,
                        partition,
                        isr: p.isr.clone(),
                        replicas: p.replicas.clone(),
                    });
                }
                if under_load {
                    continue;
                }
                let replica = |id: NodeId| {
                    self.node(id)?
                        .node
                        .partition_replicas()
                        .get(&(topic_id, partition))
                        .map(|r| (r.leo(), r.hw))
                };
                let Some((leader_leo, leader_hw)) = replica(pl) else {
                    return Some(Stall::PartitionLeaderless {
                        topic_id,
                        partition,
                    });
                };
                for &r in &p.replicas {
                    let (leo, hw) = replica(r).unwrap_or((0, 0));
                    if (leo, hw) != (leader_leo, leader_hw) {
                        return Some(Stall::ReplicaBehind {
                            node: r,
                            topic_id,
                            partition,
                            leo,
                            hw,
                            leader_leo,
                            leader_hw,
                        });
                    }
                }
            }
        }
        if under_load {
            return None;
        }
        if let Some(p) = self
            .produces()
            .iter()
            .find(|p| p.status == ProduceStatus::Pending)
        {
            return Some(Stall::ProducePending { produce: p.id });
        }
        None
    }

    /// Runs until the cluster settles, at most `within_ms` of virtual time. Call it once every
    /// node runs and every link is healed. If it does not settle, a "Liveness" violation says
    /// what is still missing. Returns whether it settled.
    pub fn check_liveness(&mut self, within_ms: Time) -> bool {
        if self.run_until(within_ms, |s| s.stall().is_none()) {
            return true;
        }
        let Some(stall) = self.stall() else {
            return true;
        };
        self.record_stall(within_ms, stall);
        false
    }

    /// With a steady load still running (every node running, every link healed): within
    /// `within_ms` every partition must be led with its full ISR and every produce pending at
    /// the start finished (answered, or failed by the delivery timeout as Kafka's producer
    /// does); then for `load_hold` the ISRs must stay full and no produce to a partition Kafka
    /// can serve may wait longer than `KEEP_UP_MS`. The load goes on afterwards; stop it and
    /// call `check_liveness` for the rest. Returns whether the cluster kept up.
    pub fn check_liveness_under_load(&mut self, within_ms: Time) -> bool {
        // Produce ids only grow: the backlog is every produce numbered up to now.
        let backlog = self.produces().iter().map(|p| p.id).max().unwrap_or(0);
        let settled = |s: &Simulation| {
            s.stall_under(true).is_none()
                && s.oldest_pending(backlog).is_none()
                && !s.zk_holds_a_gone_session()
        };
        if !self.run_until(within_ms, settled) {
            let stall = self.stall_under(true).or_else(|| {
                self.oldest_pending(backlog)
                    .map(|produce| Stall::ProducePending { produce })
            });
            if let Some(stall) = stall {
                self.record_stall(within_ms, stall);
                return false;
            }
        }
        let start = self.now();
        let mut first_seen: BTreeMap<u64, Time> = BTreeMap::new();
        while self.now() < start + load_hold(self.config()) {
            self.advance(LOAD_SAMPLE_MS);
            // Only the partitions: the metadata log moves on its own (NoOp records), so a
            // sample may catch a follower one record behind without anything being wrong.
            if let Some(stall) = self.isr_under_load() {
                self.record_stall(self.now() - start, stall);
                return false;
            }
            let now = self.now();
            let pending: Vec<u64> = self.served_pending().collect();
            first_seen.retain(|id, _| pending.contains(id));
            for id in pending {
                let since = *first_seen.entry(id).or_insert(now);
                if now - since > KEEP_UP_MS {
                    self.record_stall(
                        now - start,
                        Stall::ProduceStuck {
                            produce: id,
                            pending_ms: now - since,
                        },
                    );
                    return false;
                }
            }
        }
        true
    }

    /// Whether ZooKeeper still holds the session of a broker process that is gone (a crashed
    /// incarnation, kept alive by an ensemble restart that renewed every session): when it
    /// expires, its ephemeral broker znode goes and the controller takes the broker for dead,
    /// as Kafka's does, so the cluster has not settled until then.
    fn zk_holds_a_gone_session(&self) -> bool {
        let Some(e) = self.ensemble() else {
            return false;
        };
        e.clients.iter().any(|(session, owner)| {
            self.node(*owner)
                .is_some_and(|n| n.node.zk().is_some_and(|z| z.session != *session) || !n.alive)
        })
    }

    /// The oldest produce numbered up to `last` that is still pending.
    fn oldest_pending(&self, last: u64) -> Option<u64> {
        self.produces()
            .iter()
            .filter(|p| p.id <= last)
            .find(|p| p.status == ProduceStatus::Pending)
            .map(|p| p.id)
    }

    /// The committed partitions as the controller sees them (ZooKeeper's in ZooKeeper mode).
    fn liveness_image(&self) -> Option<std::borrow::Cow<'_, crate::protocol::metadata::Image>> {
        if self.mode() == crate::protocol::ClusterMode::Zookeeper {
            return Some(std::borrow::Cow::Owned(self.zk_image()));
        }
        let leader = self.acting_leader().and_then(|l| self.node(l))?;
        Some(std::borrow::Cow::Borrowed(leader.node.image()))
    }

    /// A partition (not kept offline on purpose) whose ISR is short or that has no leader.
    fn isr_under_load(&self) -> Option<Stall> {
        let Some(image) = self.liveness_image() else {
            return Some(Stall::NoLeader);
        };
        for t in image.topics.values() {
            let unclean = t
                .config
                .unclean_leader_election
                .unwrap_or(self.config().unclean_leader_election);
            for p in &t.partitions {
                if kept_offline(p, unclean) {
                    continue;
                }
                if p.leader.is_none() || p.replicas.iter().any(|r| !p.isr.contains(r)) {
                    return Some(Stall::IsrShrankUnderLoad {
                        topic_id: t.topic_id,
                        partition: p.partition,
                        isr: p.isr.clone(),
                        replicas: p.replicas.clone(),
                    });
                }
            }
        }
        None
    }

    /// Pending produces to partitions Kafka can answer now: led, and (for acks=all) with
    /// enough replicas for min ISR. A produce to a partition kept offline on purpose, or to one
    /// too small for its min ISR, waits for the delivery timeout, as Kafka's producer does.
    fn served_pending(&self) -> impl Iterator<Item = u64> + '_ {
        let image = self.liveness_image();
        let servable = move |topic_id: u32, partition: u32, acks: Acks| {
            let Some(image) = &image else {
                return false;
            };
            let Some(t) = image.topics.values().find(|t| t.topic_id == topic_id) else {
                return false;
            };
            let min_isr = t
                .config
                .min_insync_replicas
                .unwrap_or(self.config().min_insync_replicas) as usize;
            t.partitions.iter().any(|p| {
                p.partition == partition
                    && p.leader.is_some()
                    && (acks != Acks::All || p.replicas.len() >= min_isr)
            })
        };
        self.produces()
            .iter()
            .filter(move |p| {
                p.status == ProduceStatus::Pending && servable(p.topic_id, p.partition, p.acks)
            })
            .map(|p| p.id)
    }

    fn record_stall(&mut self, within_ms: Time, stall: Stall) {
        let breach = Breach::Stalled { within_ms, stall };
        let v = Violation::new(self.now(), breach);
        self.record_violation(v);
    }
}

/// Every replica that could lead safely is gone (each left the ISR and then the ELR with an
/// unclean shutdown): Kafka keeps such a partition offline rather than lose records, until an
/// unclean election is allowed. Not a stall.
fn kept_offline(p: &crate::protocol::metadata::PartitionState, unclean: bool) -> bool {
    p.leader.is_none() && p.isr.is_empty() && p.elr.is_empty() && !unclean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::config::Config;
    use crate::sim::{Action, ClusterSpec};

    #[test]
    fn a_healed_cluster_settles_and_one_kept_apart_is_reported() {
        let mut sim = Simulation::new(ClusterSpec::new(3, 3, 2, Config::default())).unwrap();
        assert_eq!(settle_bound(sim.config()), 130_000);
        assert!(sim.check_liveness(30_000), "{:?}", sim.stall());
        assert_eq!(sim.stall(), None);
        // A broker still cut off from every controller stays fenced: no progress to wait for.
        sim.apply(Action::Isolate(101)).unwrap();
        sim.advance(15_000); // past its session timeout
        assert!(!sim.check_liveness(30_000));
        let v = sim.violations().last().expect("reported");
        assert_eq!(v.invariant, "Liveness");
        assert!(
            matches!(
                &v.breach,
                Breach::Stalled {
                    stall: Stall::BrokerFenced { broker: 101 } | Stall::LogBehind { node: 101, .. },
                    ..
                }
            ),
            "{v:?}"
        );
    }
}
