//! The simulation layer: everything outside the nodes.
//!
//! `simulation` owns the virtual clock, the event queue, the seeded network and faults; `trace`
//! keeps what happened; `invariants` checks safety after each step; `timeline` moves back and
//! forth through one history from checkpoints; `capture` turns the cluster into the JSON the CLI
//! and tests read; `chaos` runs random fault schedules; `explore`
//! searches every interleaving for the shortest path to a broken invariant (`fingerprint` says
//! when two states are one).

#[cfg(feature = "cli")]
pub mod bench;
pub mod capture;
pub mod chaos;
mod data_checks;
pub mod error;
pub mod explore;
pub mod failover;
mod fingerprint;
pub mod invariants;
pub mod liveness;
mod power_losses;
mod shared;
pub mod simulation;
pub mod timeline;
pub mod trace;
pub mod twins;
mod zookeeper_view;

pub use capture::Capture;
pub use error::{
    ActionError, ReplayError, SpecError, MAX_BROKERS, MAX_CONTROLLERS, ZK_NEEDS_BROKERS,
    ZK_NODE_ZERO, ZK_NO_CONTROLLERS, ZK_NO_KRAFT,
};
pub use invariants::Violation;
pub use simulation::{
    Action, ClusterSpec, ConsumeFrom, ConsumeStart, Envelope, Fault, InitialState, MessageFault,
    NewTopic, ProduceRecords, Recording, SimNode, Simulation, Stats, SteadyLoad, TimedAction,
};
pub use timeline::{Position, Timeline};
pub use trace::{Trace, TraceEvent};
