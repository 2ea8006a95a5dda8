//! A controller failover, measured by running it (the page's "why KRaft"): a cluster with one
//! topic of N partitions loses its controller to a hard crash, and the clock runs until a new
//! controller can elect partition leaders. Virtual time only, so the page can measure it too
//! (`kraft-sim bench --failover` adds the wall time).

use crate::protocol::types::Time;
use crate::protocol::ClusterMode;
use crate::sim::twins::{Side, Stage, TOPIC};
use crate::sim::{SimNode, Simulation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailoverPoint {
    /// From the crash until a new controller is ready.
    pub virtual_ms: Time,
    /// ZooKeeper mode: of that, the new controller's load (from winning `/controller` until it
    /// is ready); the rest is detection (the session timeout). 0 in KRaft mode.
    pub load_ms: Time,
    /// Calls the new controller made to ZooKeeper (0 in KRaft mode).
    pub zk_calls: u64,
    /// KRaft: from the active controller holding the whole new topic until every standby
    /// does (None in ZooKeeper mode).
    pub standby_lag_ms: Option<Time>,
}

/// The whole topic is in this node's image.
fn holds_all(n: &SimNode, partitions: usize) -> bool {
    n.node
        .image()
        .topic_by_name(TOPIC)
        .is_some_and(|t| t.partitions.len() == partitions)
}

fn active_holds_all(s: &Simulation, partitions: usize) -> bool {
    s.controller()
        .and_then(|(c, _)| s.node(c))
        .is_some_and(|n| holds_all(n, partitions))
}

/// KRaft: runs a side until its topic is created and the active controller holds it, then
/// until every standby does: how long that took (None: not within `limit_ms`).
fn standbys_behind(side: &mut Side, partitions: usize, limit_ms: Time) -> Option<Time> {
    let end = side.sim.now() + limit_ms;
    while side.stage == Stage::Starting && side.sim.now() < end {
        side.advance(100);
    }
    let left = end.saturating_sub(side.sim.now());
    if !side
        .sim
        .run_until(left, |s| active_holds_all(s, partitions))
    {
        return None;
    }
    let applied_at = side.sim.now();
    let left = end.saturating_sub(applied_at);
    let all = |s: &Simulation| s.controllers().all(|n| holds_all(n, partitions));
    side.sim
        .run_until(left, all)
        .then(|| side.sim.now() - applied_at)
}

/// KRaft: 3 controllers + 5 brokers; ZooKeeper mode: the ensemble + 5 brokers. One topic,
/// replication factor 1 (as the measurements in docs/zookeeper.md): one side of the page's
/// side-by-side view, run to the end. None if the cluster never got there (it always does with
/// these settings; a caller shows the gap rather than a guess).
pub fn measure(mode: ClusterMode, partitions: u32, seed: u64) -> Option<FailoverPoint> {
    let mut side = Side::new(mode, partitions, seed).ok()?;
    let standby_lag_ms = match mode {
        ClusterMode::Kraft => Some(standbys_behind(&mut side, partitions as usize, 3_600_000)?),
        ClusterMode::Zookeeper => None,
    };
    if !side.settle(3_600_000) {
        return None;
    }
    side.sim.advance(5_000);
    side.crash_controller().ok()?;
    let limit = side.sim.now() + 3_600_000;
    while side.failover.is_some_and(|f| f.ready_at.is_none()) && side.sim.now() < limit {
        side.advance(10_000);
    }
    let f = side.failover?;
    let ready_at = f.ready_at?;
    Some(FailoverPoint {
        virtual_ms: ready_at - f.at,
        load_ms: f.elected_at.map_or(0, |e| ready_at - e),
        zk_calls: f.zk_calls,
        standby_lag_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Action;

    /// Settings that starved a standby (a snapshot every 20 records, 2 records a chunk: a
    /// 2,000-partition image takes about a thousand round trips, while the idle controller's
    /// NoOps bring a new snapshot every 10 s). A standby that was down while the topic was
    /// created comes back below the log start and downloads one snapshot to its end, because
    /// the leader keeps it and the log after it.
    #[test]
    fn a_standby_downloading_a_snapshot_is_never_starved_by_newer_ones() {
        let partitions = 2_000;
        let cfg = crate::protocol::Config {
            snapshot_every_records: Some(20),
            snapshot_chunk_records: 2,
            ..crate::protocol::Config::default()
        };
        let mut side =
            Side::with_config(ClusterMode::Kraft, partitions as u32, 1, cfg).expect("side");
        while side.stage == Stage::Starting && side.sim.now() < 60_000 {
            side.advance(100);
        }
        let (active, _) = side.sim.controller().expect("an active controller");
        let standby = side
            .sim
            .controllers()
            .map(|n| n.node.id)
            .find(|id| *id != active)
            .expect("a standby");
        side.sim.apply(Action::Crash(standby)).expect("crash");
        side.sim.advance(30_000);
        side.sim.apply(Action::Restart(standby)).expect("restart");
        let mut downloading_since = None;
        let mut longest_download = 0;
        let caught_up = side.sim.run_until(600_000, |s| {
            let n = s.node(standby).expect("the standby");
            match (n.node.snapshot_download(), downloading_since) {
                (Some(_), None) => downloading_since = Some(s.now()),
                (None, Some(t)) => {
                    longest_download = longest_download.max(s.now() - t);
                    downloading_since = None;
                }
                _ => {}
            }
            holds_all(n, partitions)
        });
        assert!(
            caught_up,
            "the standby never caught up (downloading since {downloading_since:?})"
        );
        // The download outlived several newer snapshots: only their keeping let it finish.
        assert!(longest_download > 20_000, "{longest_download} ms");
    }

    /// The defaults at a size the page offers: the standbys hold the topic within a second of
    /// the active controller (none is left downloading snapshot after snapshot), and losing the
    /// active controller costs seconds.
    #[test]
    fn at_20000_partitions_standbys_keep_up_and_a_failover_takes_seconds() {
        let partitions = 20_000;
        let mut side = Side::new(ClusterMode::Kraft, partitions as u32, 1).expect("side");
        let behind = standbys_behind(&mut side, partitions, 600_000);
        assert!(
            behind.is_some_and(|ms| ms <= 1_000),
            "every standby within a second: {behind:?} ms"
        );
        assert!(side.settle(1_000), "ready");
        side.sim.advance(5_000);
        side.crash_controller().expect("crash");
        let crashed_at = side.sim.now();
        while side.failover.is_some_and(|f| f.ready_at.is_none())
            && side.sim.now() < crashed_at + 60_000
        {
            side.advance(1_000);
        }
        let f = side.failover.expect("failover");
        let took = f.ready_at.map(|t| t - f.at);
        assert!(took.is_some_and(|t| t < 5_000), "failover took {took:?} ms");
    }

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
