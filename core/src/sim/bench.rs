//! `kraft-sim bench`: the performance figures that can be measured natively (docs/architecture.md).
//! Wall-clock figures are best-of-N on a shared machine; compare ratios from one run.

use crate::protocol::config::Config;
use crate::protocol::types::Time;
use crate::sim::{Action, ClusterSpec, Simulation};
use std::time::Instant;

fn cluster(controllers: usize, brokers: usize, config: Config, seed: u64) -> Simulation {
    Simulation::new(ClusterSpec::new(seed, controllers, brokers, config))
        .expect("bench config is valid")
}

/// Runs `virtual_ms` with one client append every `append_every` ms. Returns (events, wall seconds).
fn steady(sim: &mut Simulation, virtual_ms: Time, append_every: Time) -> (u64, f64) {
    let start_events = sim.stats().events;
    let t0 = Instant::now();
    let end = sim.now() + virtual_ms;
    while sim.now() < end {
        let _ = sim.apply(Action::Append(1));
        sim.advance(append_every);
    }
    (
        sim.stats().events - start_events,
        t0.elapsed().as_secs_f64(),
    )
}

fn best_of<F: FnMut() -> (u64, f64)>(runs: usize, mut f: F) -> (u64, f64) {
    (0..runs)
        .map(|_| f())
        .min_by(|a, b| (a.1 / a.0 as f64).total_cmp(&(b.1 / b.0 as f64)))
        .unwrap_or((0, 1.0))
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(quick: bool) {
    let scale = if quick { 10 } else { 1 };
    let runs = if quick { 1 } else { 3 };
    println!(
        "kraft-sim bench ({} mode, best of {runs})",
        if quick { "quick" } else { "full" }
    );
    let mut summary = serde_json::Map::new();

    // 1. A long run with steady metadata churn and snapshots on: log and trace stay bounded.
    let day: Time = 86_400_000 / scale;
    let mut sim = cluster(3, 5, Config::default(), 4);
    let (mut peak_log, mut peak_trace) = (0usize, 0usize);
    let t0 = Instant::now();
    let mut minute = 0u64;
    let mut rss_by_hour = Vec::new();
    while sim.now() < day {
        let _ = sim.apply(Action::Append(1));
        sim.advance(1000);
        if sim.now() / 60_000 > minute {
            minute = sim.now() / 60_000;
            peak_log = peak_log.max(sim.max_log_len());
            peak_trace = peak_trace.max(sim.trace().len());
            if minute.is_multiple_of(60) {
                rss_by_hour.push(rss_mb().unwrap_or(0.0));
            }
            // Churn: every 10 minutes a broker goes down and comes back.
            if minute.is_multiple_of(10) {
                let b = 101 + (minute / 10 % 5) as u32;
                let _ = sim.apply(Action::Crash(b));
            } else if minute % 10 == 3 {
                let b = 101 + (minute / 10 % 5) as u32;
                let _ = sim.apply(Action::Restart(b));
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let snapshots = sim
        .nodes()
        .iter()
        .filter_map(|n| n.node.log().latest_snapshot())
        .map(|s| s.id.end_offset)
        .max();
    println!(
        "\n1. {} h virtual, 3 controllers + 5 brokers, an append a second, a broker bounce every 10 min ({secs:.2} s wall):\n   \
         peak log length {peak_log} entries (LEO reached {}), latest snapshot at {:?}, trace held {} of {} events (peak {peak_trace}), violations {}",
        day / 3_600_000,
        sim.nodes()[0].node.log().end_offset(),
        snapshots,
        sim.trace().len(),
        sim.trace().total(),
        sim.violations().len()
    );
    let actions = sim.actions_applied();
    println!(
        "   the history holds {actions} user actions (kept for replay and sharing, about {:.1} MB)",
        (actions * std::mem::size_of::<crate::sim::TimedAction>()) as f64 / 1_048_576.0
    );
    summary.insert("peak_log_len_24h".into(), peak_log.into());
    if let Some(mb) = peak_rss_mb() {
        let at = |h: usize| rss_by_hour.get(h.saturating_sub(1)).copied().unwrap_or(0.0);
        let last = rss_by_hour.len();
        println!(
            "   resident memory after 1 h {:.1} MB, {} h {:.1} MB, {} h {:.1} MB; peak {mb:.1} MB",
            at(1),
            last / 2,
            at(last / 2),
            last,
            at(last)
        );
        summary.insert("peak_rss_mb_24h_run".into(), mb.into());
        summary.insert("rss_mb_first_hour".into(), at(1).into());
        summary.insert("rss_mb_last_hour".into(), at(last).into());
    }

    // 2. Events per second under steady appends (100 appends/s of virtual time).
    events_per_second(scale, runs, &mut summary);

    // 3. Virtual seconds per wall second: 5 controllers, 10 brokers, default settings.
    let (virt, secs) = {
        let mut sim = cluster(5, 10, Config::default(), 2);
        let t0 = Instant::now();
        let ms = 1_800_000 / scale;
        sim.advance(ms);
        (ms as f64 / 1000.0, t0.elapsed().as_secs_f64())
    };
    println!("\n3. 5 controllers + 10 brokers: {:.0} virtual seconds per wall second ({virt:.0} s in {secs:.3} s)", virt / secs);
    summary.insert("virtual_s_per_wall_s_5c10b".into(), (virt / secs).into());

    // Controller failover against partitions, KRaft and ZooKeeper mode.
    let counts: &[u32] = if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 10_000, 100_000]
    };
    failover(counts, true, &mut summary);

    // 4. Seek anywhere in 30 minutes of history: nearest checkpoint (a clone) + replay forward.
    let history_ms: Time = 1_800_000 / scale;
    let every: Time = 5_000;
    let mut sim = cluster(5, 10, Config::default(), 3);
    let mut checkpoints = vec![sim.clone()];
    let t0 = Instant::now();
    while sim.now() < history_ms {
        if sim.now().is_multiple_of(60_000) {
            let _ = sim.apply(Action::Append(5));
        }
        sim.advance(every);
        checkpoints.push(sim.clone());
    }
    let record_secs = t0.elapsed().as_secs_f64();
    let mut seeks = Vec::new();
    let mut target: Time = 7;
    for _ in 0..200 {
        target = (target * 7919 + 104_729) % history_ms;
        let t = Instant::now();
        let mut s = checkpoints[(target / every) as usize].clone();
        s.advance_to(target);
        seeks.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(s.now());
    }
    seeks.sort_by(f64::total_cmp);
    let mean = seeks.iter().sum::<f64>() / seeks.len() as f64;
    println!(
        "\n4. seek in {} min of history (5c + 10b, checkpoint every {} s, {} checkpoints, recorded in {record_secs:.2} s):\n   mean {mean:.3} ms, p95 {:.3} ms, max {:.3} ms",
        history_ms / 60_000,
        every / 1000,
        checkpoints.len(),
        percentile(&seeks, 0.95),
        percentile(&seeks, 1.0)
    );
    summary.insert("seek_p95_ms".into(), percentile(&seeks, 0.95).into());
    drop(checkpoints);

    // 5. The data plane: 3 controllers + 6 brokers, 3 topics of 3 partitions, steady produce.
    data_plane(scale, runs, &mut summary);

    println!("\n{}", serde_json::Value::Object(summary));
}

/// Delivered events per second under steady appends (100 appends/s of virtual time), with the
/// invariant checker on and off: `kraft-sim bench --events` runs just this.
pub fn events_per_second(
    scale: Time,
    runs: usize,
    summary: &mut serde_json::Map<String, serde_json::Value>,
) {
    println!("\n2. delivered events per second, steady appends, one core");
    for checks in [true, false] {
        for controllers in [3usize, 5, 7] {
            let (events, secs) = best_of(runs, || {
                let config = Config {
                    check_invariants: checks,
                    ..Config::default()
                };
                let mut sim = cluster(controllers, 0, config, 1);
                sim.advance(3000);
                steady(&mut sim, 3_600_000 / scale, 10)
            });
            let rate = events as f64 / secs;
            println!(
                "   {controllers} controllers, invariant checks {:3}: {:>12.0} events/s ({events} events in {secs:.3} s)",
                if checks { "on" } else { "off" },
                rate
            );
            summary.insert(
                format!(
                    "events_per_s_{controllers}c_checks_{}",
                    if checks { "on" } else { "off" }
                ),
                rate.into(),
            );
        }
    }
}

/// The page's timeline cases `kraft-sim bench --memory` measures, each in a process of its own.
pub const MEMORY_CASES: [(&str, usize, usize, Time); 2] = [
    ("30 min, 5c + 10b", 5, 10, 1_800_000),
    ("24 h, 3c + 5b", 3, 5, 86_400_000),
];

/// Resident memory that a Timeline (what the page holds: cursor + checkpoints sharing unchanged
/// structure) adds for one case, with an append a minute. Run in a fresh process so that no other
/// workload's freed memory hides the growth. Prints one JSON line.
pub fn memory_case(case: usize, quick: bool) {
    let Some(&(label, c, b, ms)) = MEMORY_CASES.get(case) else {
        return;
    };
    let ms = if quick { ms / 10 } else { ms };
    let before = rss_mb().unwrap_or(0.0);
    let t0 = Instant::now();
    let mut tl = crate::sim::Timeline::new(cluster(c, b, Config::default(), 3), 2000);
    while tl.now() < ms {
        let _ = tl.apply(Action::Append(1));
        tl.advance(60_000);
    }
    let grew = rss_mb().unwrap_or(0.0) - before;
    println!(
        "{}",
        serde_json::json!({
            "case": label,
            "checkpoints": tl.checkpoint_count(),
            "timeline_mb": grew,
            "wall_s": t0.elapsed().as_secs_f64(),
        })
    );
}

/// A cluster of `brokers` brokers with 3 topics of `partitions` partitions each (replication
/// factor 3), ready to produce.
fn data_cluster(seed: u64, brokers: usize, partitions: u32) -> Simulation {
    let mut sim = cluster(3, brokers, Config::default(), seed);
    sim.run_until(30_000, |s| {
        s.committed_image().unfenced_brokers().len() == brokers
    });
    for t in 0..3 {
        let _ = sim.apply(Action::CreateTopic(crate::sim::NewTopic {
            name: format!("t{t}"),
            partitions,
            replication_factor: 3,
            ..Default::default()
        }));
        sim.advance(1000);
    }
    sim
}

/// One produce of 5 records every `every` ms, round robin over the topics' partitions and the
/// three acks settings. Returns (events, wall seconds).
fn steady_produce(
    sim: &mut Simulation,
    (virtual_ms, every, partitions): (Time, Time, u64),
    k: &mut u64,
) -> (u64, f64) {
    use crate::protocol::types::Acks;
    let start = sim.stats().events;
    let t0 = Instant::now();
    let end = sim.now() + virtual_ms;
    while sim.now() < end {
        *k += 1;
        let _ = sim.apply(Action::Produce(crate::sim::ProduceRecords {
            topic: format!("t{}", *k % 3),
            partition: (*k / 3 % partitions) as u32,
            records: 5,
            acks: [Acks::None, Acks::Leader, Acks::All][(*k % 3) as usize],
        }));
        sim.advance(every);
    }
    (sim.stats().events - start, t0.elapsed().as_secs_f64())
}

/// The data plane's figures (`kraft-sim bench --data` runs just this).
pub fn data_plane(
    scale: Time,
    runs: usize,
    summary: &mut serde_json::Map<String, serde_json::Value>,
) {
    use crate::protocol::types::Acks;
    let (events, secs) = best_of(runs, || {
        let mut sim = data_cluster(5, 6, 3);
        let mut k = 0;
        steady_produce(&mut sim, (600_000 / scale, 10, 3), &mut k)
    });
    let rate = events as f64 / secs;
    // A produce of 5 records every 10 ms of virtual time.
    let records = (600_000 / scale / 10 * 5) as f64;
    println!(
        "\n5. data plane, 3 controllers + 6 brokers, 3 topics x 3 partitions, a produce of 5 records every 10 ms (acks 0/1/all in turn), checker on:\n   {rate:.0} events/s ({events} events in {secs:.3} s); {:.2} events per produced record, {:.0} records per wall second",
        events as f64 / records,
        records / secs
    );
    // The same load over more partitions on fewer brokers: each follower broker follows many
    // partitions on each leader broker, the case fetch sessions are for.
    let (wide_events, wide_secs) = best_of(runs, || {
        let mut sim = data_cluster(5, 3, 100);
        let mut k = 0;
        steady_produce(&mut sim, (600_000 / scale, 10, 100), &mut k)
    });
    println!(
        "   3 controllers + 3 brokers, 3 topics x 100 partitions, the same load: {:.2} events per produced record, {:.0} records per wall second",
        wide_events as f64 / records,
        records / wide_secs
    );
    summary.insert(
        "events_per_record_data_plane_300_partitions".into(),
        (wide_events as f64 / records).into(),
    );
    // Off the script at scale: one topic of 100,000 partitions, replication factor 3, on 3
    // brokers (each follower broker fetches about 33,000 partitions from each leader broker in
    // one session), with the same load spread over it.
    let huge = 100_000 / scale.max(1) as u32;
    let t0 = Instant::now();
    let mut sim = cluster(3, 3, Config::default(), 5);
    sim.run_until(30_000, |s| {
        s.committed_image().unfenced_brokers().len() == 3
    });
    let _ = sim.apply(Action::CreateTopic(crate::sim::NewTopic {
        name: "huge".into(),
        partitions: huge,
        replication_factor: 3,
        ..Default::default()
    }));
    let in_sync = |s: &Simulation| {
        s.committed_image().topic_by_name("huge").map_or(0, |t| {
            t.partitions.iter().filter(|p| p.isr.len() == 3).count()
        })
    };
    sim.run_until(120_000, |s| {
        s.committed_image()
            .topic_by_name("huge")
            .is_some_and(|t| t.partitions.len() == huge as usize)
    });
    sim.advance(5_000);
    let setup_s = t0.elapsed().as_secs_f64();
    let (start, t1, end) = (
        sim.stats().events,
        Instant::now(),
        sim.now() + 60_000 / scale,
    );
    let mut k = 0u64;
    while sim.now() < end {
        k += 1;
        let _ = sim.apply(Action::Produce(crate::sim::ProduceRecords {
            topic: "huge".into(),
            partition: (k * 7919 % huge as u64) as u32,
            records: 5,
            acks: [Acks::None, Acks::Leader, Acks::All][(k % 3) as usize],
        }));
        sim.advance(10);
    }
    let (huge_events, huge_secs) = (sim.stats().events - start, t1.elapsed().as_secs_f64());
    let huge_records = (k * 5) as f64;
    println!(
        "   3 controllers + 3 brokers, 1 topic x {huge} partitions (replication 3), the same load for {} s: set up in {setup_s:.1} s wall; {:.2} events per produced record, {:.0} records per wall second; ISR full on {} of {huge} partitions after; violations {}{}",
        60 / scale,
        huge_events as f64 / huge_records,
        huge_records / huge_secs,
        in_sync(&sim),
        sim.violations().len(),
        rss_mb().map_or(String::new(), |mb| format!(", resident {mb:.0} MB"))
    );
    summary.insert(
        "events_per_record_data_plane_huge_topic".into(),
        (huge_events as f64 / huge_records).into(),
    );
    summary.insert("events_per_s_data_plane".into(), rate.into());
    summary.insert(
        "events_per_record_data_plane".into(),
        (events as f64 / records).into(),
    );
    // A day of it (a produce a second), retention on: replica logs and the producer stay bounded.
    let day: Time = 86_400_000 / scale;
    let mut sim = data_cluster(6, 6, 3);
    let mut k = 0;
    let (mut peak_records, mut hour) = (0usize, 0u64);
    let t0 = Instant::now();
    while sim.now() < day {
        steady_produce(&mut sim, (60_000, 1000, 3), &mut k);
        if sim.now() / 3_600_000 > hour {
            hour = sim.now() / 3_600_000;
            let records = sim
                .nodes()
                .iter()
                .flat_map(|n| n.node.partition_replicas().values())
                .map(|r| r.log.records().len())
                .max()
                .unwrap_or(0);
            peak_records = peak_records.max(records);
        }
    }
    println!(
        "   {} h of it, a produce a second ({:.1} s wall): largest replica log {peak_records} records, {} produces held by the client, violations {}{}",
        day / 3_600_000,
        t0.elapsed().as_secs_f64(),
        sim.produces().len(),
        sim.violations().len(),
        rss_mb().map_or(String::new(), |mb| format!(", resident {mb:.1} MB"))
    );
    summary.insert(
        "data_plane_peak_replica_records_24h".into(),
        peak_records.into(),
    );
}

/// The explorer's speed: distinct states per minute on the 3-controller Figure-8 search
/// (`explore::bench_search`), the same workload the page times in tests/e2e/bench.mjs.
pub fn explorer(max_states: u64, summary: &mut serde_json::Map<String, serde_json::Value>) {
    let Some(mut search) = crate::sim::explore::bench_search(max_states) else {
        println!("explorer bench: the cluster cannot be built");
        return;
    };
    let t0 = Instant::now();
    let p = search.run_to_end();
    let secs = t0.elapsed().as_secs_f64();
    let per_min = |n: u64| n as f64 / secs * 60.0;
    println!(
        "\nexplorer, 3 controllers (Figure 8, safe rules, crashes on): {} transitions, {} distinct states in the deepest round \
         (depth {} complete, bound {}), {} distinct over all rounds, {secs:.1} s wall\n   \
         {:.0} distinct states/min over all rounds; {:.0}/min counting the deepest round only",
        p.states,
        p.distinct,
        p.depth,
        p.bound,
        p.visited,
        per_min(p.visited),
        per_min(p.distinct)
    );
    summary.insert("explore_max_states".into(), max_states.into());
    summary.insert("explore_wall_s".into(), secs.into());
    summary.insert("explore_distinct_per_min".into(), per_min(p.visited).into());
    summary.insert(
        "explore_deepest_round_distinct_per_min".into(),
        per_min(p.distinct).into(),
    );
    summary.insert(
        "explore_transitions_per_s".into(),
        (p.states as f64 / secs).into(),
    );
}

/// One controller failover, measured, with the wall time the whole run took (setting up the
/// partitions included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailoverRun {
    pub virtual_ms: Option<Time>,
    /// KRaft: the slowest standby behind the active controller as the topic was created.
    pub standby_lag_ms: Option<Time>,
    pub zk_calls: u64,
    pub wall_s: f64,
}

pub fn failover_run(mode: crate::protocol::ClusterMode, partitions: u32, seed: u64) -> FailoverRun {
    let t0 = Instant::now();
    let point = crate::sim::failover::measure(mode, partitions, seed);
    FailoverRun {
        virtual_ms: point.map(|p| p.virtual_ms),
        standby_lag_ms: point.and_then(|p| p.standby_lag_ms),
        zk_calls: point.map_or(0, |p| p.zk_calls),
        wall_s: t0.elapsed().as_secs_f64(),
    }
}

/// The side-by-side table: failover time against partitions, both modes (KRaft only
/// without `zookeeper`: ZooKeeper mode's load takes most of the wall time at 100,000).
pub fn failover(
    partitions: &[u32],
    zookeeper: bool,
    summary: &mut serde_json::Map<String, serde_json::Value>,
) {
    use crate::protocol::ClusterMode;
    println!(
        "\nController failover: hard crash of the controller until a new one can elect partition leaders\n\
         (virtual time; one topic, replication factor 1; KRaft 3 controllers + 5 brokers, ZooKeeper mode 5 brokers;\n\
         ZooKeeper calls {} ms each way, {} in flight, session timeout {} ms)",
        Config::default().zookeeper_op_ms,
        Config::default().zookeeper_max_in_flight,
        Config::default().zookeeper_session_timeout_ms
    );
    println!("   partitions   KRaft (virtual, wall; standbys behind)    ZooKeeper (virtual, ZK calls, wall)");
    for &p in partitions {
        let k = failover_run(ClusterMode::Kraft, p, 1);
        let z = if zookeeper {
            failover_run(ClusterMode::Zookeeper, p, 1)
        } else {
            FailoverRun {
                virtual_ms: None,
                standby_lag_ms: None,
                zk_calls: 0,
                wall_s: 0.0,
            }
        };
        let ms = |r: &FailoverRun| {
            r.virtual_ms
                .map_or("-".to_string(), |v| format!("{:.1} s", v as f64 / 1000.0))
        };
        let lag = k
            .standby_lag_ms
            .map_or("-".to_string(), |v| format!("{v} ms"));
        println!(
            "   {p:>10}   {:>8} ({:>5.1} s wall; {:>8})   {:>8}, {:>7} calls ({:>5.1} s wall)",
            ms(&k),
            k.wall_s,
            lag,
            ms(&z),
            z.zk_calls,
            z.wall_s
        );
        summary.insert(format!("failover_kraft_ms_{p}"), k.virtual_ms.into());
        summary.insert(format!("kraft_standby_lag_ms_{p}"), k.standby_lag_ms.into());
        summary.insert(format!("failover_zookeeper_ms_{p}"), z.virtual_ms.into());
        summary.insert(format!("failover_zookeeper_calls_{p}"), z.zk_calls.into());
    }
}

/// The page's side-by-side view, run natively as the page runs it: both modes on seed 1 with one
/// topic of `partitions`, advanced 20 ms of virtual time at a time until both are set up, then
/// each side's controller crashed and both run until a successor is ready. Prints one JSON line:
/// the wall time of each phase and the process's resident memory (the page's wasm memory is
/// the same structures under another allocator).
pub fn side_by_side(partitions: u32) {
    use crate::sim::twins::{TwinAction, Twins};
    let before = rss_mb().unwrap_or(0.0);
    let t0 = Instant::now();
    let Ok(mut twins) = Twins::new(1, partitions) else {
        println!("side-by-side bench: the clusters cannot be built");
        return;
    };
    let mut kraft_ready_s = None;
    while !twins.ready() && twins.now() < 3_600_000 {
        twins.advance(20);
        if kraft_ready_s.is_none() && twins.sides[0].stage == crate::sim::twins::Stage::Ready {
            kraft_ready_s = Some(t0.elapsed().as_secs_f64());
        }
    }
    let setup_s = t0.elapsed().as_secs_f64();
    let setup_virtual_ms = twins.now();
    let setup_rss = rss_mb().unwrap_or(0.0);
    let t1 = Instant::now();
    let _ = twins.apply(TwinAction::CrashController);
    let limit = twins.now() + 3_600_000;
    while twins.now() < limit
        && twins
            .sides
            .iter()
            .any(|s| s.failover.is_some_and(|f| f.ready_at.is_none()))
    {
        twins.advance(20);
    }
    let failover = |i: usize| {
        twins.sides[i]
            .failover
            .and_then(|f| f.ready_at.map(|r| r - f.at))
    };
    println!(
        "{}",
        serde_json::json!({
            "partitions": partitions,
            "setup_wall_s": setup_s,
            "kraft_ready_wall_s": kraft_ready_s,
            "setup_virtual_ms": setup_virtual_ms,
            "rss_after_setup_mb": setup_rss - before,
            "failover_wall_s": t1.elapsed().as_secs_f64(),
            "kraft_failover_ms": failover(0),
            "zookeeper_failover_ms": failover(1),
            "rss_mb": rss_mb().unwrap_or(0.0) - before,
            "peak_rss_mb": peak_rss_mb(),
            "events": twins.sides.iter().map(|s| s.sim.stats().events).sum::<u64>(),
        })
    );
}
