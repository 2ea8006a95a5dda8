//! The scenario layer: the JSON format (`loader`), running steps against a simulation
//! (`runner`), and checking a run against its stated outcome (`expect`).

pub mod expect;
pub mod loader;
pub mod runner;

pub use loader::{Condition, Scenario, ScenarioError, Step, Target, Text};
pub use runner::{
    condition_holds, ready_for, run, step_actions, Driver, Engine, Poll, RunOutput, Runner,
    StepError, StepFailure, Wait,
};
