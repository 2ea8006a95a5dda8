//! Random fault schedules (`kraft-sim chaos`), swarm style (TigerBeetle's VOPR): every seed draws
//! its own cluster shape, network (loss, duplication, latency spread, hence reordering), pre-vote
//! and how often each fault and client action comes, so some seeds never crash a node and others
//! do little else. The invariant checker watches every event; after the faults the cluster must
//! settle (the liveness phase, `sim::liveness`).

use crate::protocol::types::Time;
use crate::sim::chaos_run::run_swarm;
use crate::sim::error::SpecError;
use crate::sim::Simulation;
use serde::Serialize;
use std::collections::BTreeMap;
// The options and the seed's draw, and the run's findings, under the names they had here.
pub use crate::sim::chaos_run::findings;
pub use crate::sim::chaos_swarm::{ChaosOptions, Swarm};

#[derive(Clone, Debug, Serialize)]
pub struct ChaosViolation {
    pub seed: u64,
    pub time_ms: Time,
    pub invariant: &'static str,
    pub detail: String,
    /// What the seed drew.
    pub swarm: Swarm,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChaosReport {
    /// Seeds run (chaos stops at the first seed that breaks an invariant).
    pub seeds: u64,
    pub events: u64,
    pub elections: u64,
    pub violations: Vec<ChaosViolation>,
    /// How often each fault and action fired over all seeds (applied, not refused), and the
    /// network's drops and duplicates.
    pub faults: BTreeMap<&'static str, u64>,
}

pub fn run(o: &ChaosOptions) -> Result<ChaosReport, SpecError> {
    let mut report = ChaosReport {
        seeds: 0,
        events: 0,
        elections: 0,
        violations: Vec::new(),
        faults: BTreeMap::new(),
    };
    for seed in o.first_seed..o.first_seed.saturating_add(o.seeds) {
        let swarm = Swarm::draw(seed, o);
        let sim = run_swarm(seed, &swarm, o, &mut report.faults)?;
        report.seeds += 1;
        report.events += sim.stats().events;
        report.elections += sim.stats().elections_won;
        *report.faults.entry("messages_dropped").or_default() += sim.stats().messages_dropped;
        *report.faults.entry("messages_duplicated").or_default() += sim.stats().messages_duplicated;
        let excused = sim.violations().len() - findings(&sim).count();
        if excused > 0 {
            *report.faults.entry("excused_after_power_loss").or_default() += excused as u64;
        }
        if findings(&sim).next().is_some() {
            report
                .violations
                .extend(findings(&sim).map(|v| ChaosViolation {
                    seed,
                    time_ms: v.time_ms,
                    invariant: v.invariant,
                    detail: v.detail.clone(),
                    swarm: swarm.clone(),
                }));
            break;
        }
    }
    Ok(report)
}

/// One seed's run with its own draw: the same seed always gives the same schedule and history.
/// A configuration the simulation refuses is an error, never a smaller cluster that "passes".
pub fn run_seed(seed: u64, o: &ChaosOptions) -> Result<Simulation, SpecError> {
    run_swarm(seed, &Swarm::draw(seed, o), o, &mut BTreeMap::new())
}
