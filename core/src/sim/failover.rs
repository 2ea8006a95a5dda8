//! A controller failover, measured by running it (issue 16's "why KRaft"): a cluster with one
//! topic of N partitions loses its controller to a hard crash, and the clock runs until a new
//! controller can elect partition leaders. Virtual time only, so the page can measure it too
//! (`kraft-sim bench --failover` adds the wall time).

use crate::protocol::config::Config;
use crate::protocol::controller::TopicSpec;
use crate::protocol::types::Time;
use crate::protocol::ClusterMode;
use crate::sim::{Action, ClusterSpec, Simulation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailoverPoint {
    /// From the crash until a new controller is ready.
    pub virtual_ms: Time,
    /// ZooKeeper mode: of that, the new controller's load (from winning `/controller` until it
    /// is ready); the rest is detection (the session timeout). 0 in KRaft mode.
    pub load_ms: Time,
    /// Calls the new controller made to ZooKeeper (0 in KRaft mode).
    pub zk_calls: u64,
}

/// KRaft: 3 controllers + 5 brokers; ZooKeeper mode: the ensemble + 5 brokers. One topic,
/// replication factor 1 (as the measurements in ZOOKEEPER.md §2 #1). None if the cluster never
/// got there (it always does with these settings; a caller shows the gap rather than a guess).
pub fn measure(mode: ClusterMode, partitions: u32, seed: u64) -> Option<FailoverPoint> {
    // Snapshots in chunks as large as Kafka's (its limit is 8 MiB a response, about 100,000
    // partition records; the playground's teaching default of 2 records a chunk would have a
    // standby download a 10,000-partition snapshot for minutes).
    let config = Config {
        snapshot_chunk_records: 100_000,
        ..Config::default()
    };
    let spec = match mode {
        ClusterMode::Kraft => ClusterSpec::new(seed, 3, 5, config),
        ClusterMode::Zookeeper => ClusterSpec::zookeeper(seed, 5, config),
    };
    let mut sim = Simulation::new(spec).ok()?;
    // Up and every broker registered (KRaft: unfenced), so the topic spreads over all five.
    let up = |s: &Simulation| {
        s.controller_ready()
            && s.nodes()
                .iter()
                .filter(|n| n.node.kind.runs_broker())
                .all(|n| !n.node.broker_state().fenced)
    };
    if !sim.run_until(120_000, up) {
        return None;
    }
    let topic = TopicSpec {
        name: "t".into(),
        partitions,
        replication_factor: 1,
        assignments: None,
        config: Default::default(),
    };
    sim.apply(Action::CreateTopic(topic)).ok()?;
    // Every standby controller has the topic too: KRaft's claim is that standbys already hold
    // the log (one still downloading it would have to finish first).
    let all_there = |s: &Simulation| match s.mode() {
        ClusterMode::Kraft => s.controllers().all(|n| {
            n.node
                .image()
                .topic_by_name("t")
                .is_some_and(|t| t.partitions.len() == partitions as usize)
        }),
        ClusterMode::Zookeeper => s
            .controller()
            .and_then(|(c, _)| s.node(c)?.node.zk_controller())
            .is_some_and(|c| c.states.len() == partitions as usize),
    };
    if !sim.run_until(3_600_000, all_there) {
        return None;
    }
    sim.advance(5_000);
    let (old, _) = sim.controller()?;
    sim.apply(Action::Crash(old)).ok()?;
    let crashed_at = sim.now();
    let ready = sim.run_until(3_600_000, |s| {
        s.controller_ready() && s.controller().is_some_and(|(c, _)| c != old)
    });
    if !ready {
        return None;
    }
    let zk = sim
        .controller()
        .and_then(|(c, _)| sim.node(c)?.node.zk_controller());
    Some(FailoverPoint {
        virtual_ms: sim.now() - crashed_at,
        load_ms: zk.map_or(0, |c| sim.now() - c.elected_at),
        zk_calls: zk.map_or(0, |c| c.calls),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zookeeper_failover_grows_with_partitions_and_kraft_does_not() {
        let zk_small = measure(ClusterMode::Zookeeper, 50, 1).expect("zk 50");
        let zk_large = measure(ClusterMode::Zookeeper, 2000, 1).expect("zk 2000");
        let kraft_large = measure(ClusterMode::Kraft, 2000, 1).expect("kraft 2000");
        assert!(zk_large.zk_calls >= 2000 && zk_large.zk_calls > zk_small.zk_calls);
        // Detection (the session timeout) varies with when the crash falls between pings; the
        // load after it grows with the partitions.
        assert!(zk_large.load_ms > zk_small.load_ms);
        assert!(zk_large.virtual_ms >= 12_000 + zk_large.load_ms);
        assert!(kraft_large.virtual_ms < zk_large.virtual_ms);
        assert_eq!(kraft_large.zk_calls, 0);
    }
}
