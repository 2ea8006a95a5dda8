//! The settings a learner picks for a new cluster, and the core cluster spec they make.

use kraft_core::sim::{ClusterSpec, Simulation, SpecError, MAX_BROKERS, MAX_CONTROLLERS};
use kraft_core::Config;
use serde::{Deserialize, Serialize};

/// The settings a user picks for a new cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub controllers: usize,
    pub brokers: usize,
    pub seed: u64,
    pub pre_vote: bool,
    pub snapshot_every_records: u64,
    pub latency_min: u64,
    pub latency_max: u64,
    pub election_timeout_ms: u64,
    pub fetch_timeout_ms: u64,
    /// KIP-853: the voter set lives in the log (kraft_version 1).
    pub dynamic_voters: bool,
    /// With dynamic voters: how many of the controllers (the highest ids) start as observers.
    pub observers: usize,
    /// Every controller also runs a broker (`process.roles=broker,controller`).
    pub combined: bool,
    /// ZooKeeper mode (docs/contracts.md, ZooKeeper mode): no controller nodes; the ensemble and the brokers.
    pub zookeeper: bool,
}

impl Default for Settings {
    fn default() -> Self {
        // Slower links than the core default, so messages are visible as they travel.
        Settings {
            controllers: 5,
            brokers: 3,
            seed: 1,
            pre_vote: true,
            snapshot_every_records: 100,
            latency_min: 20,
            latency_max: 60,
            election_timeout_ms: 1000,
            fetch_timeout_ms: 2000,
            dynamic_voters: false,
            observers: 0,
            combined: false,
            zookeeper: false,
        }
    }
}

impl Settings {
    pub fn spec(&self) -> Result<ClusterSpec, SpecError> {
        let config = Config {
            pre_vote: self.pre_vote,
            election_timeout_ms: self.election_timeout_ms,
            fetch_timeout_ms: self.fetch_timeout_ms,
            snapshot_every_records: Some(self.snapshot_every_records),
            latency_ms: kraft_core::protocol::config::Latency {
                min: self.latency_min,
                max: self.latency_max,
            },
            ..Config::default()
        };
        config.validate()?;
        if self.zookeeper {
            if self.brokers > MAX_BROKERS {
                return Err(SpecError::TooManyNodes);
            }
            // The controller count, voters and combined nodes are KRaft's; they are left out.
            let spec = ClusterSpec::zookeeper(self.seed, self.brokers, config);
            Simulation::new(spec.clone())?;
            return Ok(spec);
        }
        if !(1..=MAX_CONTROLLERS).contains(&self.controllers) || self.brokers > MAX_BROKERS {
            return Err(SpecError::TooManyNodes);
        }
        let spec = ClusterSpec::new(self.seed, self.controllers, self.brokers, config);
        let observers = if self.dynamic_voters {
            let spare = self.observers.min(self.controllers);
            spec.controllers[self.controllers - spare..].to_vec()
        } else {
            Vec::new()
        };
        let combined = if self.combined {
            spec.controllers.clone()
        } else {
            Vec::new()
        };
        Ok(ClusterSpec {
            kraft_version: u8::from(self.dynamic_voters),
            observers,
            combined,
            ..spec
        })
    }
}
