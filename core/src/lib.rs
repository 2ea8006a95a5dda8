//! kraft-core: a whole Apache Kafka KRaft cluster as a deterministic, sans-IO simulation.
//!
//! Three layers, each depending only on the ones below it:
//! - [`protocol`]: the nodes (controllers and brokers) as pure state machines;
//! - [`sim`]: the simulation that runs them (clock, network, faults, trace, invariants, timeline);
//! - [`scenario`]: the scenario format and the runner the CLI and the UI share.
//!
//! Same seed + same actions = same run. The items re-exported here are what the UI and the CLI
//! need; everything else is reachable through the layer modules.

/// `impl From<Inner> for Outer` that wraps the inner error in one variant, so `?` converts.
macro_rules! wrap_error {
    ($outer:ident :: $variant:ident ($inner:ty)) => {
        impl From<$inner> for $outer {
            fn from(e: $inner) -> Self {
                $outer::$variant(e)
            }
        }
    };
}

pub mod protocol;
pub mod scenario;
pub mod sim;

pub use protocol::{Config, Epoch, NodeId, Offset, Role, Time, TraceKind};
pub use scenario::{run, RunOutput, Scenario, ScenarioError};
pub use sim::{Action, Capture, ClusterSpec, Recording, Simulation, Timeline, TraceEvent};
