//! The scenario layer: the JSON format (`loader`), running steps against a simulation
//! (`runner`), checking a run against its stated outcome (`expect`), and the explorer's searches written
//! back as scenarios (`explore`).

pub mod expect;
pub mod explore;
pub mod loader;
pub mod runner;

pub use loader::{Condition, Scenario, ScenarioError, Step, Target, Text};
pub use runner::{
    condition_holds, ready_for, run, step_actions, Driver, Engine, Poll, RunOutput, Runner,
    StepError, StepFailure, Wait,
};
