//! Progress after the faults end (TigerBeetle's VOPR "liveness mode"): once every node runs and
//! every link is healed, the cluster must settle within a bound: a controller leader, every log
//! caught up, every broker unfenced, every partition led with its full ISR and every replica
//! caught up, no produce still pending. Safety says nothing bad happens; this says something
//! good does. A cluster that never settles is reported like a broken invariant ("Liveness").

use crate::protocol::producer::ProduceStatus;
use crate::protocol::role::Role;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::sim::invariants::{Breach, Violation};
use crate::sim::Simulation;
use serde::Serialize;

/// The first thing a healed cluster has not done yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stall", rename_all = "snake_case")]
pub enum Stall {
    NoLeader,
    /// A node's metadata log (LEO, HW) is not the leader's.
    LogBehind {
        node: NodeId,
        leo: Offset,
        hw: Option<Offset>,
        leader_leo: Offset,
        leader_hw: Option<Offset>,
    },
    /// A broker is not registered, or still fenced, in the committed metadata.
    BrokerFenced {
        broker: NodeId,
    },
    /// ZooKeeper mode: a broker's metadata cache still disagrees with ZooKeeper.
    MetadataCacheBehind {
        broker: NodeId,
    },
    PartitionLeaderless {
        topic_id: u32,
        partition: u32,
    },
    /// The ISR is smaller than the replica set.
    IsrShort {
        topic_id: u32,
        partition: u32,
        isr: Vec<NodeId>,
        replicas: Vec<NodeId>,
    },
    /// A replica's log (LEO, HW) is not its leader's.
    ReplicaBehind {
        node: NodeId,
        topic_id: u32,
        partition: u32,
        leo: Offset,
        hw: Offset,
        leader_leo: Offset,
        leader_hw: Offset,
    },
    ProducePending {
        produce: u64,
    },
}

/// How long a healed cluster gets to settle: a minute, and past the producer's delivery timeout
/// (a produce to a partition Kafka keeps offline fails only then).
pub fn settle_bound(cfg: &crate::protocol::config::Config) -> Time {
    60_000u64.max(cfg.delivery_timeout_ms + 10_000)
}

impl std::fmt::Display for Stall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hw = |h: &Option<Offset>| h.map_or("none".to_string(), |h| h.to_string());
        match self {
            Stall::NoLeader => write!(f, "no controller leads"),
            Stall::LogBehind {
                node,
                leo,
                hw: h,
                leader_leo,
                leader_hw,
            } => write!(
                f,
                "node {node}'s metadata log (LEO {leo}, HW {}) is behind the leader's (LEO {leader_leo}, HW {})",
                hw(h),
                hw(leader_hw)
            ),
            Stall::BrokerFenced { broker } => write!(f, "broker {broker} is not unfenced"),
            Stall::MetadataCacheBehind { broker } => write!(
                f,
                "broker {broker}'s metadata cache disagrees with ZooKeeper"
            ),
            Stall::PartitionLeaderless {
                topic_id,
                partition,
            } => write!(f, "partition {topic_id}-{partition} has no leader"),
            Stall::IsrShort {
                topic_id,
                partition,
                isr,
                replicas,
            } => write!(
                f,
                "partition {topic_id}-{partition} has ISR {isr:?} of replicas {replicas:?}"
            ),
            Stall::ReplicaBehind {
                node,
                topic_id,
                partition,
                leo,
                hw,
                leader_leo,
                leader_hw,
            } => write!(
                f,
                "broker {node}'s replica of {topic_id}-{partition} (LEO {leo}, HW {hw}) is behind its leader's (LEO {leader_leo}, HW {leader_hw})"
            ),
            Stall::ProducePending { produce } => write!(f, "produce {produce} is still pending"),
        }
    }
}

impl Simulation {
    /// What the cluster has not done yet (None: it has settled). Reads state only.
    pub fn stall(&self) -> Option<Stall> {
        if self.mode() == crate::protocol::ClusterMode::Zookeeper {
            return self.zookeeper_stall();
        }
        let Some(leader) = self.acting_leader().and_then(|l| self.node(l)) else {
            return Some(Stall::NoLeader);
        };
        let (leader_leo, leader_hw) =
            (leader.node.log().end_offset(), leader.node.high_watermark());
        for n in self.nodes().iter().filter(|n| n.node.id != leader.node.id) {
            let (leo, hw) = (n.node.log().end_offset(), n.node.high_watermark());
            if leo != leader_leo || hw != leader_hw || n.node.role() == Role::Candidate {
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
        self.partitions_stall(image)
    }

    /// ZooKeeper mode: a controller that has loaded, every broker registered, every partition
    /// led and replicated, and every broker's metadata cache agreeing with ZooKeeper.
    fn zookeeper_stall(&self) -> Option<Stall> {
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
        self.partitions_stall(&image)
    }

    /// Every partition of `image` led, its ISR full, its replicas level with the leader, and no
    /// produce pending.
    fn partitions_stall(&self, image: &crate::protocol::metadata::Image) -> Option<Stall> {
        for t in image.topics.values() {
            let unclean = t
                .config
                .unclean_leader_election
                .unwrap_or(self.config().unclean_leader_election);
            for p in &t.partitions {
                let (topic_id, partition) = (t.topic_id, p.partition);
                // Every replica that could lead safely is gone (each left the ISR and then the
                // ELR with an unclean shutdown): Kafka keeps such a partition offline rather
                // than lose records, until an unclean election is allowed. Not a stall.
                if p.leader.is_none() && p.isr.is_empty() && p.elr.is_empty() && !unclean {
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
        let breach = Breach::Stalled { within_ms, stall };
        let v = Violation {
            time_ms: self.now(),
            invariant: "Liveness",
            detail: breach.to_string(),
            breach,
        };
        self.record_violation(v);
        false
    }
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
