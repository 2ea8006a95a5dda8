//! The cluster a simulation starts from: its shape, settings, seed and each node's disk before
//! time 0 (a scenario's `cluster` and `initial`).

use crate::protocol::config::Config;
use crate::protocol::log::Log;
use crate::protocol::node::{ClusterMode, Durable, QuorumState};
use crate::protocol::types::{Epoch, NodeId};
use crate::protocol::voters::{DirectoryId, QuorumBootstrap, Voter};
use crate::protocol::zk_ensemble::ENSEMBLE;
use crate::sim::error::{SpecError, MAX_BROKERS, MAX_CONTROLLERS};
use rand::rngs::Xoshiro256PlusPlus as StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// Durable state of a controller before time 0 (a scenario's `initial`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialState {
    #[serde(default)]
    pub epoch: Epoch,
    #[serde(default)]
    pub voted_for: Option<NodeId>,
    #[serde(default)]
    pub leader: Option<NodeId>,
    /// The epoch of each entry from offset 0.
    #[serde(default)]
    pub log: Vec<Epoch>,
}

/// Everything needed to build the cluster at time 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub seed: u64,
    pub controllers: Vec<NodeId>,
    pub brokers: Vec<NodeId>,
    pub config: Config,
    #[serde(default)]
    pub initial: BTreeMap<NodeId, InitialState>,
    /// 0: static voters (every controller not an observer); 1: KIP-853 dynamic voters.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub kraft_version: u8,
    /// Controllers formatted outside the voter set: they start as observers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observers: Vec<NodeId>,
    /// Controllers that also run a broker in the same process (`process.roles=broker,controller`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub combined: Vec<NodeId>,
    /// KRaft (the default) or ZooKeeper mode (docs/contracts.md, ZooKeeper mode).
    #[serde(default, skip_serializing_if = "is_kraft")]
    pub mode: ClusterMode,
}

pub(super) fn is_kraft(m: &ClusterMode) -> bool {
    *m == ClusterMode::Kraft
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

impl ClusterSpec {
    /// Refuses a cluster the simulation cannot build, naming what is wrong (never a panic).
    pub fn validate(&self) -> Result<(), SpecError> {
        self.config.validate()?;
        let mut ids = BTreeSet::new();
        let zookeeper = self.mode == ClusterMode::Zookeeper;
        if zookeeper {
            if !self.controllers.is_empty() {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NO_CONTROLLERS));
            }
            if self.brokers.is_empty() {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NEEDS_BROKERS));
            }
            if self.brokers.contains(&ENSEMBLE) {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NODE_ZERO));
            }
            if self.kraft_version != 0
                || !self.observers.is_empty()
                || !self.combined.is_empty()
                || !self.initial.is_empty()
            {
                return Err(SpecError::ZookeeperMode(crate::sim::ZK_NO_KRAFT));
            }
        } else if self.controllers.is_empty() {
            return Err(SpecError::NoController);
        }
        if self.controllers.len() > MAX_CONTROLLERS || self.brokers.len() > MAX_BROKERS {
            return Err(SpecError::TooManyNodes);
        }
        for id in self.controllers.iter().chain(&self.brokers) {
            if !ids.insert(*id) {
                return Err(SpecError::IdTwice(*id));
            }
        }
        for (id, init) in &self.initial {
            if !self.controllers.contains(id) {
                return Err(SpecError::InitialNotController(*id));
            }
            let mut prev = 0;
            for (i, e) in init.log.iter().enumerate() {
                if *e == 0 || *e < prev {
                    return Err(SpecError::InitialLogEpoch { id: *id, index: i });
                }
                prev = *e;
            }
            for (field, v) in [("voted_for", init.voted_for), ("leader", init.leader)] {
                if let Some(v) = v {
                    if !self.controllers.contains(&v) {
                        return Err(SpecError::InitialNotAController {
                            id: *id,
                            field,
                            value: v,
                        });
                    }
                }
            }
        }
        if self.kraft_version > 1 {
            return Err(SpecError::KraftVersion(self.kraft_version));
        }
        if let Some(o) = self
            .observers
            .iter()
            .find(|o| !self.controllers.contains(o))
        {
            return Err(SpecError::ObserverNotController(*o));
        }
        if !zookeeper && self.controllers.iter().all(|c| self.observers.contains(c)) {
            return Err(SpecError::NoVoter);
        }
        if let Some(c) = self.combined.iter().find(|c| !self.controllers.contains(c)) {
            return Err(SpecError::CombinedNotController(*c));
        }
        Ok(())
    }

    pub fn new(seed: u64, controllers: usize, brokers: usize, config: Config) -> Self {
        ClusterSpec {
            seed,
            controllers: (1..=controllers as NodeId).collect(),
            brokers: (101..101 + brokers as NodeId).collect(),
            config,
            initial: BTreeMap::new(),
            kraft_version: 0,
            observers: Vec::new(),
            combined: Vec::new(),
            mode: ClusterMode::Kraft,
        }
    }

    /// A ZooKeeper-mode cluster: the ensemble (node 0) and brokers 101.. (numbered as in KRaft
    /// mode, so one action names the same broker in both), any of which may become the
    /// controller.
    pub fn zookeeper(seed: u64, brokers: usize, config: Config) -> Self {
        ClusterSpec {
            mode: ClusterMode::Zookeeper,
            ..ClusterSpec::new(seed, 0, brokers, config)
        }
    }

    /// Every node that runs a broker: the brokers and the combined nodes.
    pub fn broker_ids(&self) -> Vec<NodeId> {
        let mut ids = self.combined.clone();
        ids.extend(&self.brokers);
        ids
    }

    /// How the quorum is formatted: the bootstrap voters (with the directory ids of their
    /// first disks at version 1) and every controller as a bootstrap server.
    pub fn quorum_bootstrap(&self) -> QuorumBootstrap {
        let dynamic = self.kraft_version >= 1;
        QuorumBootstrap {
            kraft_version: self.kraft_version,
            voters: self
                .controllers
                .iter()
                .filter(|id| !self.observers.contains(id))
                .map(|&id| Voter {
                    id,
                    directory_id: dynamic.then(|| directory_id(self.seed, id, 0)),
                })
                .collect(),
            servers: self.controllers.clone().into(),
        }
    }
}

/// The directory id of node `id`'s `disk`-th formatted disk: a UUID in Kafka, here a seeded
/// 64-bit value so a replay gives the same ids.
pub fn directory_id(seed: u64, id: NodeId, disk: u32) -> DirectoryId {
    let mut x = seed ^ ((id as u64) << 32 | disk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(super) fn node_rng(seed: u64, id: NodeId) -> StdRng {
    StdRng::seed_from_u64(seed ^ (id as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

pub(super) fn initial_durable(init: &InitialState) -> Durable {
    let log = Log::from_epochs(&init.log);
    Durable {
        quorum: QuorumState {
            // A node is at least in the epoch of its last entry, whatever the document says.
            epoch: init.epoch.max(init.log.last().copied().unwrap_or(0)),
            voted_for: init.voted_for,
            leader: init.leader,
        },
        log,
        broker_epoch: None,
        clean_shutdown: None,
        partitions: Default::default(),
        ensemble: None,
        starts: 0,
        directory_id: 0,
    }
}
