//! What a chaos run is asked for (`ChaosOptions`) and what each seed draws from it (`Swarm`):
//! its cluster shape, network, and how often each fault and client action comes.

use crate::protocol::config::{Config, Latency};
use crate::protocol::types::NodeId;
use crate::protocol::ClusterMode;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct ChaosOptions {
    pub first_seed: u64,
    pub seeds: u64,
    pub steps: u64,
    /// Fixed shape; None: each seed draws it (1 to 7 controllers, 0 to 8 brokers).
    pub controllers: Option<usize>,
    pub brokers: Option<usize>,
    /// Settings that differ from the defaults are kept; loss, duplication, latency and pre-vote
    /// left at their defaults are drawn per seed.
    pub config: Config,
    /// 1: a dynamic quorum (KIP-853); some controllers may start as observers, and voters are
    /// added, removed and wiped among the faults.
    pub kraft_version: u8,
    /// Every controller also runs a broker (`process.roles=broker,controller`).
    pub combined: bool,
    /// ZooKeeper mode: the ensemble (node 0, crashed, paused and cut like any node) and 1 to 8
    /// brokers; the controller is elected among them.
    pub mode: ClusterMode,
}

impl Default for ChaosOptions {
    fn default() -> Self {
        ChaosOptions {
            first_seed: 1,
            seeds: 100,
            steps: 1000,
            controllers: None,
            brokers: None,
            config: Config::default(),
            kraft_version: 0,
            combined: false,
            mode: ClusterMode::Kraft,
        }
    }
}

/// What the seed's actions are, by name; each seed weighs them differently.
const KINDS: [&str; 14] = [
    "append",
    "crash",
    "crash_leader",
    "restart",
    "pause",
    "isolate",
    "partition",
    "cut_one_way",
    "heal_all",
    "elect",
    "resign",
    "data",
    "set_loss",
    "message_fault",
];

/// One seed's draw (swarm testing): the cluster, the network, and the weight of each action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Swarm {
    pub controllers: usize,
    pub brokers: usize,
    pub loss: f64,
    pub duplicate: f64,
    pub latency_ms: Latency,
    pub pre_vote: bool,
    /// Weight of each of `KINDS` (0: never), and of `MEMBERSHIP_KINDS` at kraft_version 1.
    pub weights: BTreeMap<&'static str, u32>,
    /// Controllers that start as observers (kraft_version 1 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observers: Vec<NodeId>,
    /// Some power losses take every broker at once (a data centre's outage), not just one.
    pub power_loss_all: bool,
    /// A second topic of this many partitions (1,000 to 20,000) on a few seeds: the data plane
    /// at scale (such a seed runs at most `BIG_TOPIC_STEPS` steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub big_topic: Option<u32>,
    /// A steady load keeps running through the calm (started there if none runs), and the
    /// cluster must keep up with it before it stops.
    pub calm_load: bool,
}

/// The data-plane regimes, each drawn absent on about half the seeds (weight 0), so the mix
/// stays varied: steady produce phases, one late, duplicated or lost AlterPartition or
/// replica fetch (request or response), power losses, slow followers.
const DATA_KINDS: [&str; 4] = ["steady_load", "control_fault", "power_loss", "slow"];

/// The RPCs a control fault picks from: the ISR's requests to the controller and the
/// replicas' fetches, and their answers.
pub(super) const CONTROL_RPCS: [&str; 4] = [
    "AlterPartition",
    "AlterPartitionResponse",
    "PartitionFetch",
    "PartitionFetchResponse",
];

/// A seed with a big topic runs at most this many steps (each step moves thousands of
/// partitions' fetches and checks).
pub(super) const BIG_TOPIC_STEPS: u64 = 200;

/// The big topic, next to `CHAOS_TOPIC`.
pub(super) const BIG_TOPIC: &str = "chaos-big";

/// The membership actions of a dynamic quorum (drawn after everything else, so a static
/// quorum's seeds draw exactly what they always drew).
const MEMBERSHIP_KINDS: [&str; 3] = ["add_voter", "remove_voter", "wipe"];

impl Swarm {
    /// Draws the seed's swarm; fixed options and changed settings are kept.
    pub fn draw(seed: u64, o: &ChaosOptions) -> Swarm {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5A4A_2D5E_ED00_0001);
        let d = Config::default();
        let c = &o.config;
        let pick =
            |rng: &mut Xoshiro256PlusPlus, from: &[f64]| from[rng.random_range(0..from.len())];
        let controllers = o.controllers.unwrap_or_else(|| rng.random_range(1..=7));
        let brokers = o.brokers.unwrap_or_else(|| rng.random_range(0..=8));
        let loss = pick(&mut rng, &[0.0, 0.0, 0.001, 0.01, 0.05, 0.1]);
        let duplicate = pick(&mut rng, &[0.0, 0.0, 0.01, 0.05]);
        let min = rng.random_range(1..=10);
        let spread = [0, 5, 20, 100, 250][rng.random_range(0..5usize)];
        let pre_vote = rng.random_range(0..2) == 0;
        let mut weights: BTreeMap<&'static str, u32> = KINDS
            .iter()
            .map(|k| (*k, rng.random_range(0..=10)))
            .collect();
        // Something always happens: client writes always come, crashed nodes come back (else a
        // seed is mostly a dead cluster) and the data plane runs wherever there are brokers.
        for k in ["append", "restart", "data"] {
            weights.insert(k, rng.random_range(1..=10));
        }
        let mut observers = Vec::new();
        if o.kraft_version >= 1 {
            for k in MEMBERSHIP_KINDS {
                weights.insert(k, rng.random_range(1..=10));
            }
            // Up to half the controllers start outside the voter set, to be added later.
            let spare = rng.random_range(0..=controllers / 2);
            observers = (1..=controllers as NodeId).rev().take(spare).collect();
        }
        // Drawn last, so every other draw of a seed stays what it was.
        weights.insert("controlled_shutdown", rng.random_range(0..=6));
        // And the data-plane regimes after that, for the same reason.
        for k in DATA_KINDS {
            let w = if rng.random_range(0..2) == 0 {
                0
            } else {
                rng.random_range(1..=6)
            };
            weights.insert(k, w);
        }
        // ZooKeeper mode has no broker epochs on ControlledShutdown here (KIP-380 is not
        // modelled): a request held late on the wire (a slow controller, a delayed message)
        // marks the broker's next process as shutting down for good, which Kafka refuses as
        // STALE_BROKER_EPOCH. Until it is, those two regimes stay out of ZooKeeper mode.
        if o.mode == crate::protocol::ClusterMode::Zookeeper {
            weights.insert("slow", 0);
            weights.insert("control_fault", 0);
        }
        let power_loss_all = rng.random_range(0..3) == 0;
        // ZooKeeper mode writes a znode per partition through its one controller thread, and a
        // seed of 20,000 took minutes: its big topics stay at the low end.
        let most = if o.mode == crate::protocol::ClusterMode::Zookeeper {
            2_000
        } else {
            20_000
        };
        let big_topic = (rng.random_range(0..100) < 3).then(|| rng.random_range(1000..=most));
        let calm_load = weights["steady_load"] > 0 && rng.random_range(0..2) == 0;
        Swarm {
            controllers,
            brokers,
            loss: if c.loss != d.loss { c.loss } else { loss },
            duplicate: if c.duplicate != d.duplicate {
                c.duplicate
            } else {
                duplicate
            },
            latency_ms: if c.latency_ms != d.latency_ms {
                c.latency_ms
            } else {
                Latency {
                    min,
                    max: min + spread,
                }
            },
            pre_vote: if c.pre_vote != d.pre_vote {
                c.pre_vote
            } else {
                pre_vote
            },
            weights,
            observers,
            power_loss_all,
            big_topic,
            calm_load,
        }
    }

    pub(super) fn config(&self, base: &Config) -> Config {
        Config {
            loss: self.loss,
            duplicate: self.duplicate,
            latency_ms: self.latency_ms,
            pre_vote: self.pre_vote,
            ..base.clone()
        }
    }

    /// The action kind a roll in 0..total picks.
    pub(super) fn kind(&self, mut roll: u32) -> &'static str {
        for (k, w) in &self.weights {
            if roll < *w {
                return k;
            }
            roll -= w;
        }
        "append"
    }

    pub(super) fn total(&self) -> u32 {
        self.weights.values().sum()
    }
}
