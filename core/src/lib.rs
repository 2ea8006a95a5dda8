//! kraft-core: a whole Apache Kafka KRaft cluster as a deterministic, sans-IO simulation.
//!
//! Nodes (`node`) are pure state machines fed messages and timer firings; the simulation (`sim`)
//! owns the virtual clock, the seeded network and the history. Same seed + same actions = same run.

pub mod broker;
pub mod capture;
pub mod chaos;
pub mod config;
pub mod controller;
mod election;
pub mod expect;
pub mod invariants;
pub mod log;
pub mod message;
pub mod metadata;
pub mod node;
pub mod partition;
pub mod record;
mod replication;
pub mod role;
pub mod scenario;
pub mod sim;
pub mod timeline;
pub mod trace;
pub mod types;

pub use capture::Capture;
pub use config::Config;
pub use role::Role;
pub use scenario::{run, RunOutput, Scenario, ScenarioError};
pub use sim::{Action, ClusterSpec, Recording, Simulation};
pub use types::{Epoch, NodeId, Offset, Time};
#[cfg(feature = "cli")]
pub mod bench;
