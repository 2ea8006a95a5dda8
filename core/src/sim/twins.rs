//! Side by side: one cluster per mode on the same seed, the same topic, the same
//! clock, and every action the learner takes applied to both. What it reads out is the failover
//! the articles argue about: from the crash of the controller until a new one can change
//! partition leaders again, measured on each side as the simulation runs, never drawn.
//!
//! Actions are mapped by meaning, not by node id: "crash the controller" crashes each side's own
//! controller (a controller node in KRaft, a broker in ZooKeeper mode); brokers 101.. exist in
//! both and map to themselves.

use crate::protocol::config::Config;
use crate::protocol::controller::TopicSpec;
use crate::protocol::types::{NodeId, Time};
use crate::protocol::ClusterMode;
use crate::sim::{Action, ActionError, ClusterSpec, Simulation, SpecError};
use serde::{Deserialize, Serialize};

/// The topic both sides carry.
pub const TOPIC: &str = "t";
/// Brokers on each side (as the published measurements: a handful of brokers, many partitions).
pub const BROKERS: usize = 5;
/// KRaft controllers.
pub const CONTROLLERS: usize = 3;

/// Where a side is in its setting up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The cluster is starting: a controller, every broker registered.
    Starting,
    /// The topic is created; waiting until every controller that could take over holds it.
    Creating,
    /// Ready for the learner.
    Ready,
}

/// The last controller crash on one side and what followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failover {
    /// The controller that crashed (a controller node in KRaft, a broker in ZooKeeper mode).
    pub crashed: NodeId,
    pub at: Time,
    /// When a new controller could change partition leaders again, and which one.
    pub ready_at: Option<Time>,
    pub successor: Option<NodeId>,
    /// ZooKeeper mode: the successor's calls to ZooKeeper by then, and when it won
    /// `/controller` (its load is the time from there to ready).
    pub zk_calls: u64,
    pub elected_at: Option<Time>,
}

impl Failover {
    /// The readout: how long partitions could not change leader (so far, while waiting).
    pub fn waited_ms(&self, now: Time) -> Time {
        self.ready_at.unwrap_or(now) - self.at
    }
}

/// One side: a cluster in one mode.
#[derive(Clone)]
pub struct Side {
    pub sim: Simulation,
    pub stage: Stage,
    pub partitions: u32,
    pub failover: Option<Failover>,
}

/// The configuration both sides share: the defaults, whose snapshots are sized in bytes as
/// Kafka sizes them (a snapshot only once the new records weigh as much as the image, chunks of
/// 8 MiB), so a 100,000-partition topic is snapshotted a few times while it is created and a
/// standby downloads it in two chunks.
pub fn config() -> Config {
    Config::default()
}

impl Side {
    pub fn new(mode: ClusterMode, partitions: u32, seed: u64) -> Result<Side, SpecError> {
        Side::with_config(mode, partitions, seed, config())
    }

    /// A side with other settings (a test of what the defaults replaced).
    pub fn with_config(
        mode: ClusterMode,
        partitions: u32,
        seed: u64,
        cfg: Config,
    ) -> Result<Side, SpecError> {
        let spec = match mode {
            ClusterMode::Kraft => ClusterSpec::new(seed, CONTROLLERS, BROKERS, cfg),
            ClusterMode::Zookeeper => ClusterSpec::zookeeper(seed, BROKERS, cfg),
        };
        Ok(Side {
            sim: Simulation::new(spec)?,
            stage: Stage::Starting,
            partitions,
            failover: None,
        })
    }

    pub fn mode(&self) -> ClusterMode {
        self.sim.mode()
    }

    /// A controller is up and every broker registered (KRaft: unfenced), so the topic spreads
    /// over all of them.
    fn up(s: &Simulation) -> bool {
        s.controller_ready()
            && s.nodes()
                .iter()
                .filter(|n| n.node.kind.runs_broker())
                .all(|n| n.alive && !n.node.broker_state().fenced)
    }

    /// Every controller that could take over holds the whole topic: KRaft's claim is that
    /// standbys already hold the log (one still downloading it would have to finish first).
    fn all_there(s: &Simulation, partitions: u32) -> bool {
        let whole = |n: &crate::sim::SimNode| {
            n.node
                .image()
                .topic_by_name(TOPIC)
                .is_some_and(|t| t.partitions.len() == partitions as usize)
        };
        match s.mode() {
            ClusterMode::Kraft => s.controllers().all(whole),
            ClusterMode::Zookeeper => s
                .controller()
                .and_then(|(c, _)| s.node(c)?.node.zk_controller())
                .is_some_and(|c| c.states.len() == partitions as usize),
        }
    }

    /// Runs `ms` of virtual time, moving the setting up along and timing a failover to the
    /// event (a condition checked after every event only while one is under way).
    pub fn advance(&mut self, ms: Time) {
        let end = self.sim.now() + ms;
        while self.sim.now() < end {
            let left = end - self.sim.now();
            match self.stage {
                Stage::Starting => {
                    if self.sim.run_until(left, Side::up) {
                        let topic = TopicSpec {
                            name: TOPIC.into(),
                            partitions: self.partitions,
                            replication_factor: 1,
                            assignments: None,
                            config: Default::default(),
                        };
                        // A cluster that is up takes a topic this size; were it refused, the
                        // rest of the slice passes and the next one tries again.
                        match self.sim.apply(Action::CreateTopic(topic)) {
                            Ok(()) => self.stage = Stage::Creating,
                            Err(_) => self.sim.advance(end - self.sim.now()),
                        }
                    }
                }
                Stage::Creating => {
                    let p = self.partitions;
                    if self.sim.run_until(left, |s| Side::all_there(s, p)) {
                        self.stage = Stage::Ready;
                    }
                }
                Stage::Ready => match self.failover {
                    Some(f) if f.ready_at.is_none() => {
                        let old = f.crashed;
                        let done = self.sim.run_until(left, |s| {
                            s.controller_ready() && s.controller().is_some_and(|(c, _)| c != old)
                        });
                        if done {
                            let successor = self.sim.controller().map(|(c, _)| c);
                            let zk = successor.and_then(|c| self.sim.node(c)?.node.zk_controller());
                            self.failover = Some(Failover {
                                ready_at: Some(self.sim.now()),
                                successor,
                                zk_calls: zk.map_or(0, |z| z.calls),
                                elected_at: zk.map(|z| z.elected_at),
                                ..f
                            });
                        }
                    }
                    _ => self.sim.advance(left),
                },
            }
        }
    }

    /// Runs until the side is ready (bounded by `limit_ms` of virtual time).
    pub fn settle(&mut self, limit_ms: Time) -> bool {
        let end = self.sim.now() + limit_ms;
        while self.stage != Stage::Ready && self.sim.now() < end {
            self.advance(1000.min(end - self.sim.now()));
        }
        self.stage == Stage::Ready
    }

    /// A hard crash of this side's controller; the readout starts.
    pub fn crash_controller(&mut self) -> Result<NodeId, ActionError> {
        let (c, _) = self
            .sim
            .controller()
            .ok_or(ActionError::NoActiveController)?;
        self.sim.apply(Action::Crash(c))?;
        self.failover = Some(Failover {
            crashed: c,
            at: self.sim.now(),
            ready_at: None,
            successor: None,
            zk_calls: 0,
            elected_at: None,
        });
        Ok(c)
    }

    /// How far a ZooKeeper-mode controller's load has come: partition states it holds, of all.
    pub fn load_progress(&self) -> Option<(usize, usize)> {
        let (c, _) = self.sim.controller()?;
        let z = self.sim.node(c)?.node.zk_controller()?;
        Some((z.states.len(), self.partitions as usize))
    }

    /// Partitions clients cannot write to: no leader, or a leader that is down, as the lowest
    /// live broker's metadata has it (what a client would be told; one pass, no parsing, so the
    /// page can ask every frame at 100,000 partitions).
    pub fn offline_partitions(&self) -> Option<usize> {
        let b = self
            .sim
            .nodes()
            .iter()
            .find(|n| n.alive && n.node.kind.runs_broker())?;
        let t = b.node.image().topic_by_name(TOPIC)?;
        // The live nodes looked up once, not once per partition.
        let alive: Vec<NodeId> = self
            .sim
            .nodes()
            .iter()
            .filter(|n| n.alive)
            .map(|n| n.node.id)
            .collect();
        Some(
            t.partitions
                .iter()
                .filter(|p| !p.leader.is_some_and(|l| alive.contains(&l)))
                .count(),
        )
    }
}

/// What the learner does to both sides at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwinAction {
    /// Each side's own controller crashes.
    CrashController,
    /// Each side's last crashed controller comes back.
    RestartController,
    /// A broker (same id on both sides).
    Crash(NodeId),
    Restart(NodeId),
}

/// The two sides: `[KRaft, ZooKeeper]`, on one seed and one clock.
#[derive(Clone)]
pub struct Twins {
    pub sides: [Side; 2],
}

impl Twins {
    pub fn new(seed: u64, partitions: u32) -> Result<Twins, SpecError> {
        Ok(Twins {
            sides: [
                Side::new(ClusterMode::Kraft, partitions, seed)?,
                Side::new(ClusterMode::Zookeeper, partitions, seed)?,
            ],
        })
    }

    pub fn now(&self) -> Time {
        self.sides[0].sim.now()
    }

    pub fn partitions(&self) -> u32 {
        self.sides[0].partitions
    }

    /// Both sides run the same virtual time.
    pub fn advance(&mut self, ms: Time) {
        for s in &mut self.sides {
            s.advance(ms);
        }
    }

    /// Both set up: the learner may act.
    pub fn ready(&self) -> bool {
        self.sides.iter().all(|s| s.stage == Stage::Ready)
    }

    /// The action on both sides. Each side answers for itself: one may refuse what the other
    /// takes (a broker already down on one side only, say), and neither refusal stops the other.
    pub fn apply(&mut self, action: TwinAction) -> [Result<(), ActionError>; 2] {
        self.sides.each_mut().map(|s| match action {
            TwinAction::CrashController => s.crash_controller().map(|_| ()),
            TwinAction::RestartController => match s.failover {
                Some(f) => s.sim.apply(Action::Restart(f.crashed)),
                None => Err(ActionError::NoActiveController),
            },
            TwinAction::Crash(b) => s.sim.apply(Action::Crash(b)),
            TwinAction::Restart(b) => s.sim.apply(Action::Restart(b)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_time_the_same_crash_and_zookeeper_waits_longer() {
        let mut t = Twins::new(1, 2000).expect("twins");
        let mut guard = 0;
        while !t.ready() && guard < 600 {
            t.advance(1000);
            guard += 1;
        }
        assert!(t.ready(), "both sides set up");
        assert_eq!(t.sides[0].sim.now(), t.sides[1].sim.now(), "one clock");
        let [k, z] = t.apply(TwinAction::CrashController);
        assert!(k.is_ok() && z.is_ok());
        let (kc, zc) = (t.sides[0].failover.unwrap(), t.sides[1].failover.unwrap());
        assert!(kc.crashed < 100, "KRaft loses a controller node");
        assert!(
            zc.crashed > 100,
            "ZooKeeper mode loses the controller broker"
        );
        assert_eq!(kc.at, zc.at);
        for _ in 0..120 {
            t.advance(500);
        }
        let (k, z) = (t.sides[0].failover.unwrap(), t.sides[1].failover.unwrap());
        let (kw, zw) = (k.waited_ms(t.now()), z.waited_ms(t.now()));
        assert!(k.ready_at.is_some() && z.ready_at.is_some(), "{k:?} {z:?}");
        assert_ne!(k.successor, Some(k.crashed));
        assert_ne!(z.successor, Some(z.crashed));
        // ZooKeeper mode waits for the session to expire, then reads every partition state.
        assert!(zw > kw + 6000, "kraft {kw} ms, zookeeper {zw} ms");
        // The readout is the time until the successor is ready, to the event: after winning
        // `/controller` it read 2,000 partition states, ten calls in flight, 2 ms each.
        let (elected, ready) = (z.elected_at.expect("elected"), z.ready_at.expect("ready"));
        assert!(ready >= elected + 300, "elected {elected}, ready {ready}");
        assert!(z.zk_calls >= 2000);
        assert!(t.sides[1].sim.controller_ready());
        // The crashed broker comes back on both sides as what it is there.
        let [k, z] = t.apply(TwinAction::RestartController);
        assert!(k.is_ok() && z.is_ok());
        t.advance(100);
        assert!(t
            .sides
            .iter()
            .all(|s| s.sim.nodes().iter().all(|n| n.alive)));
    }

    #[test]
    fn a_broker_action_reaches_both_sides_and_each_refuses_for_itself() {
        let mut t = Twins::new(2, 10).expect("twins");
        t.advance(20_000);
        assert!(t.ready());
        let [k, z] = t.apply(TwinAction::Crash(102));
        assert!(k.is_ok() && z.is_ok());
        assert!(t.sides.iter().all(|s| !s.sim.node(102).expect("102").alive));
        let [k, z] = t.apply(TwinAction::Crash(999));
        assert!(k.is_err() && z.is_err());
    }
}
