//! Random fault schedules (`kraft-sim chaos`): crashes, restarts, pauses, partitions, one-way cuts,
//! message loss and client writes, with the invariant checker watching every event.

use crate::protocol::config::Config;
use crate::protocol::partition::Acks;
use crate::protocol::types::{NodeId, Time};
use crate::sim::error::SpecError;
use crate::sim::{
    Action, ClusterSpec, ConsumeFrom, ConsumeStart, NewTopic, ProduceRecords, Simulation,
};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct ChaosOptions {
    pub first_seed: u64,
    pub seeds: u64,
    pub steps: u64,
    pub controllers: usize,
    pub brokers: usize,
    pub config: Config,
}

impl Default for ChaosOptions {
    fn default() -> Self {
        ChaosOptions {
            first_seed: 1,
            seeds: 100,
            steps: 1000,
            controllers: 3,
            brokers: 0,
            config: Config::default(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ChaosViolation {
    pub seed: u64,
    pub time_ms: Time,
    pub invariant: &'static str,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChaosReport {
    /// Seeds run (chaos stops at the first seed that breaks an invariant).
    pub seeds: u64,
    pub events: u64,
    pub elections: u64,
    pub violations: Vec<ChaosViolation>,
}

pub fn run(o: &ChaosOptions) -> Result<ChaosReport, SpecError> {
    let mut report = ChaosReport {
        seeds: 0,
        events: 0,
        elections: 0,
        violations: Vec::new(),
    };
    for seed in o.first_seed..o.first_seed.saturating_add(o.seeds) {
        let sim = run_seed(seed, o)?;
        report.seeds += 1;
        report.events += sim.stats().events;
        report.elections += sim.stats().elections_won;
        if !sim.violations().is_empty() {
            report
                .violations
                .extend(sim.violations().iter().map(|v| ChaosViolation {
                    seed,
                    time_ms: v.time_ms,
                    invariant: v.invariant,
                    detail: v.detail.clone(),
                }));
            break;
        }
    }
    Ok(report)
}

/// One seed's run: the same seed always gives the same schedule and the same history.
/// The topic chaos creates and produces to.
const CHAOS_TOPIC: &str = "chaos";

/// A configuration the simulation refuses is an error, never a smaller cluster that "passes".
pub fn run_seed(seed: u64, o: &ChaosOptions) -> Result<Simulation, SpecError> {
    let mut rng =
        Xoshiro256PlusPlus::seed_from_u64(seed.wrapping_mul(0xA24B_AED4_963E_E407) ^ 0x5EED);
    let mut config = o.config.clone();
    if config.loss == 0.0 {
        config.loss = [0.0, 0.0, 0.01, 0.05][rng.random_range(0..4usize)];
    }
    let spec = ClusterSpec::new(seed, o.controllers, o.brokers, config);
    let mut sim = Simulation::new(spec)?;
    let ids: Vec<NodeId> = sim.nodes().iter().map(|n| n.node.id).collect();
    // The data plane's choices draw from their own stream, so the quorum's fault schedule for a
    // seed stays what it was.
    let mut data_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xDA7A_F00D);
    let brokers = sim.spec().brokers.len();
    let controllers: Vec<NodeId> = sim.spec().controllers.clone();
    let pick =
        |rng: &mut Xoshiro256PlusPlus, from: &[NodeId]| from[rng.random_range(0..from.len())];
    for step in 0..o.steps {
        let dead: Vec<NodeId> = sim
            .nodes()
            .iter()
            .filter(|n| !n.alive)
            .map(|n| n.node.id)
            .collect();
        let leader = sim.acting_leader();
        let roll = rng.random_range(0..100u32);
        let action = match roll {
            0..=29 => Some(Action::Append(rng.random_range(1..4))),
            30..=37 => Some(Action::Crash(pick(&mut rng, &ids))),
            // The leader is the most interesting node to lose.
            38..=42 => leader.map(Action::Crash),
            43..=54 if !dead.is_empty() => Some(Action::Restart(pick(&mut rng, &dead))),
            55..=58 => Some(Action::Pause {
                node: pick(&mut rng, &ids),
                ms: rng.random_range(100..5000),
            }),
            59..=62 => Some(Action::Isolate(pick(&mut rng, &ids))),
            63..=66 => {
                let mut shuffled = controllers.clone();
                for i in (1..shuffled.len()).rev() {
                    shuffled.swap(i, rng.random_range(0..=i));
                }
                let cut = rng.random_range(1..shuffled.len().max(2));
                let (a, b) = shuffled.split_at(cut.min(shuffled.len()));
                Some(Action::Partition(vec![a.to_vec(), b.to_vec()]))
            }
            67..=71 => {
                let (from, to) = (pick(&mut rng, &ids), pick(&mut rng, &ids));
                (from != to).then_some(Action::CutOneWay { from, to })
            }
            72..=79 => Some(Action::HealAll),
            80..=82 => Some(Action::Elect(pick(&mut rng, &controllers))),
            83..=84 => leader.map(Action::Resign),
            // The data plane: one topic, then produces with every acks setting.
            85..=94 if brokers > 0 => {
                let has_topic = sim
                    .committed_image_ref()
                    .is_some_and(|i| i.topic_by_name(CHAOS_TOPIC).is_some());
                let partition = data_rng.random_range(0..2);
                let what = data_rng.random_range(0..10);
                if has_topic && what == 0 && sim.consumers().len() < 4 {
                    Some(Action::Consume(ConsumeFrom {
                        topic: CHAOS_TOPIC.into(),
                        partition,
                        from: [ConsumeStart::Earliest, ConsumeStart::Latest]
                            [data_rng.random_range(0..2)],
                    }))
                } else if has_topic && what == 1 {
                    Some(Action::ElectPreferred {
                        topic: CHAOS_TOPIC.into(),
                        partition,
                    })
                } else if has_topic {
                    Some(Action::Produce(ProduceRecords {
                        topic: CHAOS_TOPIC.into(),
                        partition,
                        records: data_rng.random_range(1..5),
                        acks: [Acks::None, Acks::Leader, Acks::All][data_rng.random_range(0..3)],
                    }))
                } else {
                    Some(Action::CreateTopic(NewTopic {
                        name: CHAOS_TOPIC.into(),
                        partitions: 2,
                        replication_factor: brokers.min(3) as u32,
                        ..Default::default()
                    }))
                }
            }
            _ => None,
        };
        if let Some(a) = action {
            let _ = sim.apply(a); // refused actions (crash a dead node...) are part of the fun
        }
        let wait = if rng.random_range(0..4) == 0 {
            rng.random_range(500..4000)
        } else {
            rng.random_range(0..300)
        };
        sim.advance(wait);
        if step % 250 == 249 {
            sim.full_check();
        }
        if !sim.violations().is_empty() {
            return Ok(sim);
        }
    }
    // Let it heal and settle, then check the whole cluster.
    let _ = sim.apply(Action::HealAll);
    let _ = sim.apply(Action::SetLoss(0.0));
    for id in ids {
        let _ = sim.apply(Action::Restart(id));
    }
    sim.advance(15_000);
    sim.full_check();
    // Then it must make progress: leader, logs, brokers, partitions, produces.
    if sim.violations().is_empty() {
        let bound = crate::sim::liveness::settle_bound(sim.config());
        sim.check_liveness(bound);
    }
    Ok(sim)
}
