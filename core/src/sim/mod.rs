//! The simulation layer: everything outside the nodes.
//!
//! `simulation` owns the virtual clock, the event queue, the seeded network and faults; `trace`
//! keeps what happened; `invariants` checks safety after each step; `timeline` moves back and
//! forth through one history from checkpoints; `capture` turns the cluster into the JSON the CLI
//! and tests read; `chaos` runs random fault schedules; `explore`
//! searches every interleaving for the shortest path to a broken invariant (`fingerprint` says
//! when two states are one).

pub mod action;
mod actions;
#[cfg(feature = "cli")]
pub mod bench;
pub mod capture;
pub mod chaos;
mod chaos_run;
mod chaos_swarm;
mod clients;
mod committed_replay;
mod data_checks;
mod data_seen;
pub mod error;
pub mod explore;
pub mod failover;
mod fingerprint;
mod forced_steps;
pub mod invariants;
pub mod liveness;
mod network;
mod power_losses;
mod queue;
mod shared;
pub mod sim_node;
pub mod simulation;
pub mod spec;
pub mod timeline;
pub mod trace;
pub mod twins;
pub mod violation;
mod zookeeper_view;

pub use action::{
    Action, ConsumeFrom, ConsumeStart, Fault, MessageFault, NewTopic, ProduceRecords, Recording,
    SteadyLoad, TimedAction,
};
pub use capture::Capture;
pub use error::{
    ActionError, ReplayError, SpecError, MAX_BROKERS, MAX_CONTROLLERS, ZK_NEEDS_BROKERS,
    ZK_NODE_ZERO, ZK_NO_CONTROLLERS, ZK_NO_KRAFT,
};
pub use queue::Envelope;
pub use sim_node::SimNode;
pub use simulation::{Simulation, Stats};
pub use spec::{ClusterSpec, InitialState};
pub use timeline::{Position, Timeline};
pub use trace::{Trace, TraceEvent};
pub use violation::{Breach, Invariant, Stall, Violation};
