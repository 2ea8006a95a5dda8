//! `kraft-sim`: runs scenarios headless, random fault schedules, and the benchmarks.

use kraft_core::sim::bench;
use kraft_core::sim::chaos::{self, ChaosOptions};
use kraft_core::sim::explore::{ExploreOptions, Faults};
use kraft_core::{Config, Scenario};
use std::process::ExitCode;

/// The simulation allocates and frees a message per send; mimalloc does that faster than the
/// system allocator (the page keeps wasm's own).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage:
  kraft-sim run FILE [--capture-every MS]
  kraft-sim chaos [--seed S] [--seeds N] [--steps K] [--controllers C] [--brokers B] [--config JSON]
                  [--kraft-version 0|1] [--combined true|false] [--mode kraft|zookeeper]
  kraft-sim explore FILE [--depth N] [--faults crash,drop,duplicate] [--max-states N]
  kraft-sim bench [--quick] [--memory | --events | --data | --explore | --failover [--kraft-only]]
  kraft-sim bench --side-by-side PARTITIONS   (the page's side-by-side view, run natively)
  kraft-sim trace FILE        (the run's trace, one JSON event per line)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("chaos") => cmd_chaos(&args[1..]),
        Some("explore") => cmd_explore(&args[1..]),
        Some("bench") => cmd_bench(&args[1..]),
        Some("trace") => cmd_trace(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage_error("expected a command: run, chaos, explore, bench or trace"),
    }
}

/// One line of output. A reader that went away (`kraft-sim trace F | head`) is not an error
/// worth a panic: the rest is simply not wanted.
fn print_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("kraft-sim: {msg}\n{USAGE}");
    ExitCode::from(2)
}

/// Parses `--flag value` pairs; every flag must be one of `known`.
fn flags<'a>(args: &'a [String], known: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if !known.contains(&a.as_str()) {
            return Err(format!("unknown argument {a:?}"));
        }
        let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        out.push((a.as_str(), v.as_str()));
    }
    Ok(out)
}

fn number(flag: &str, v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("{flag} expects a whole number, got {v:?}"))
}

fn cmd_run(args: &[String]) -> ExitCode {
    let Some(file) = args.first() else {
        return usage_error("run needs a scenario FILE");
    };
    let mut capture_every = None;
    match flags(&args[1..], &["--capture-every"]) {
        Ok(fs) => {
            for (_, v) in fs {
                match number("--capture-every", v) {
                    Ok(0) => return usage_error("--capture-every must be greater than 0"),
                    Ok(ms) => capture_every = Some(ms),
                    Err(e) => return usage_error(&e),
                }
            }
        }
        Err(e) => return usage_error(&e),
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kraft-sim: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let scenario = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kraft-sim: {file} is not a valid scenario: {e}");
            return ExitCode::from(2);
        }
    };
    let out = kraft_core::run(&scenario, capture_every);
    match serde_json::to_string(&out) {
        Ok(json) => print_line(&json),
        Err(e) => {
            eprintln!("kraft-sim: cannot print the result: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::from(out.exit_code() as u8)
}

fn read_scenario(file: &str) -> Result<Scenario, ExitCode> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        eprintln!("kraft-sim: cannot read {file}: {e}");
        ExitCode::from(2)
    })?;
    Scenario::from_json(&text).map_err(|e| {
        eprintln!("kraft-sim: {file} is not a valid scenario: {e}");
        ExitCode::from(2)
    })
}

fn cmd_explore(args: &[String]) -> ExitCode {
    let Some(file) = args.first() else {
        return usage_error("explore needs a scenario FILE");
    };
    let mut o = ExploreOptions::default();
    let fs = match flags(&args[1..], &["--depth", "--faults", "--max-states"]) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    for (flag, v) in fs {
        let r = match flag {
            "--depth" => number(flag, v).map(|n| o.depth = n.min(u32::MAX as u64) as usize),
            "--max-states" => number(flag, v).map(|n| o.max_states = n),
            _ => Faults::parse(v).map(|f| o.faults = f),
        };
        if let Err(e) = r {
            return usage_error(&e);
        }
    }
    let scenario = match read_scenario(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = match kraft_core::scenario::explore::explore(&scenario, o) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("kraft-sim: {e}");
            return ExitCode::from(2);
        }
    };
    match serde_json::to_string(&out) {
        Ok(json) => print_line(&json),
        Err(e) => {
            eprintln!("kraft-sim: cannot print the result: {e}");
            return ExitCode::from(1);
        }
    }
    if out.violation.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn cmd_chaos(args: &[String]) -> ExitCode {
    let mut o = ChaosOptions::default();
    let known = [
        "--seed",
        "--seeds",
        "--steps",
        "--controllers",
        "--brokers",
        "--config",
        "--kraft-version",
        "--combined",
        "--mode",
    ];
    let fs = match flags(args, &known) {
        Ok(f) => f,
        Err(e) => return usage_error(&e),
    };
    for (flag, v) in fs {
        let r = match flag {
            "--seed" => number(flag, v).map(|n| o.first_seed = n),
            "--seeds" => number(flag, v).map(|n| o.seeds = n),
            "--steps" => number(flag, v).map(|n| o.steps = n),
            "--controllers" => number(flag, v).map(|n| o.controllers = Some(n as usize)),
            "--brokers" => number(flag, v).map(|n| o.brokers = Some(n as usize)),
            "--kraft-version" => number(flag, v).and_then(|n| match n {
                0 | 1 => {
                    o.kraft_version = n as u8;
                    Ok(())
                }
                _ => Err("--kraft-version is 0 or 1".to_string()),
            }),
            "--combined" => match v {
                "true" => {
                    o.combined = true;
                    Ok(())
                }
                "false" => Ok(()),
                _ => Err("--combined is true or false".to_string()),
            },
            "--mode" => match v {
                "kraft" => Ok(()),
                "zookeeper" => {
                    o.mode = kraft_core::protocol::ClusterMode::Zookeeper;
                    Ok(())
                }
                _ => Err("--mode is kraft or zookeeper".to_string()),
            },
            "--config" => serde_json::from_str::<Config>(v)
                .map_err(|e| format!("--config: {e}"))
                .and_then(|c| {
                    c.validate()
                        .map(|_| c)
                        .map_err(|e| format!("--config: {e}"))
                })
                .map(|c| o.config = c),
            _ => Err(format!("unknown argument {flag}")),
        };
        if let Err(e) = r {
            return usage_error(&e);
        }
    }
    if o.controllers.is_some_and(|c| c == 0 || c > 15) || o.brokers.is_some_and(|b| b > 60) {
        return usage_error("1 to 15 controllers and at most 60 brokers");
    }
    if o.mode == kraft_core::protocol::ClusterMode::Zookeeper
        && (o.controllers.is_some() || o.kraft_version != 0 || o.combined)
    {
        return usage_error(
            "ZooKeeper mode has no controller nodes: --controllers, --kraft-version and --combined are KRaft's",
        );
    }
    if o.mode == kraft_core::protocol::ClusterMode::Zookeeper && o.brokers == Some(0) {
        return usage_error("ZooKeeper mode needs at least one broker");
    }
    let report = match chaos::run(&o) {
        Ok(r) => r,
        Err(e) => return usage_error(&format!("the cluster cannot be built: {e}")),
    };
    match serde_json::to_string(&report) {
        Ok(json) => print_line(&json),
        Err(e) => eprintln!("kraft-sim: {e}"),
    }
    if report.violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        if let Some(v) = report.violations.first() {
            eprintln!("kraft-sim: violation with seed {} (reproduce: kraft-sim chaos --seed {} --seeds 1 ...)", v.seed, v.seed);
        }
        ExitCode::from(1)
    }
}

fn cmd_bench(args: &[String]) -> ExitCode {
    let quick = args.iter().any(|a| a == "--quick");
    let memory = args.iter().any(|a| a == "--memory");
    let events = args.iter().any(|a| a == "--events");
    let data = args.iter().any(|a| a == "--data");
    let explore = args.iter().any(|a| a == "--explore");
    let failover = args.iter().any(|a| a == "--failover");
    let kraft_only = args.iter().any(|a| a == "--kraft-only");
    let case = args
        .iter()
        .position(|a| a == "--memory-case")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(case) = case {
        bench::memory_case(case, quick);
        return ExitCode::SUCCESS;
    }
    let side_by_side = args
        .iter()
        .position(|a| a == "--side-by-side")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u32>().ok());
    if let Some(partitions) = side_by_side {
        bench::side_by_side(partitions);
        return ExitCode::SUCCESS;
    }
    if let Some(a) = args.iter().find(|a| {
        ![
            "--quick",
            "--memory",
            "--events",
            "--data",
            "--explore",
            "--failover",
            "--kraft-only",
        ]
        .contains(&a.as_str())
    }) {
        return usage_error(&format!("unknown argument {a:?}"));
    }
    if failover {
        let mut summary = serde_json::Map::new();
        let counts: &[u32] = if quick {
            &[1_000, 10_000]
        } else {
            &[1_000, 10_000, 100_000]
        };
        bench::failover(counts, !kraft_only, &mut summary);
        println!("\n{}", serde_json::Value::Object(summary));
        return ExitCode::SUCCESS;
    }
    if explore {
        let mut summary = serde_json::Map::new();
        bench::explorer(if quick { 300_000 } else { 1_000_000 }, &mut summary);
        println!("\n{}", serde_json::Value::Object(summary));
        return ExitCode::SUCCESS;
    }
    if events || data {
        let (scale, runs) = if quick { (10, 1) } else { (1, 3) };
        let mut summary = serde_json::Map::new();
        if events {
            bench::events_per_second(scale, runs, &mut summary);
        }
        if data {
            bench::data_plane(scale, runs, &mut summary);
        }
        println!("\n{}", serde_json::Value::Object(summary));
        return ExitCode::SUCCESS;
    }
    if memory {
        // Each case in a fresh process: freed memory of one would hide the growth of the next.
        let Ok(me) = std::env::current_exe() else {
            return usage_error("cannot find this program to run the memory cases");
        };
        for case in 0..bench::MEMORY_CASES.len() {
            let mut cmd = std::process::Command::new(&me);
            cmd.args(["bench", "--memory-case", &case.to_string()]);
            if quick {
                cmd.arg("--quick");
            }
            match cmd.output() {
                Ok(o) => print!("{}", String::from_utf8_lossy(&o.stdout)),
                Err(e) => eprintln!("memory case {case}: {e}"),
            }
        }
    } else {
        bench::run(quick);
    }
    ExitCode::SUCCESS
}

fn cmd_trace(args: &[String]) -> ExitCode {
    let [file] = args else {
        return usage_error("trace needs exactly one scenario FILE");
    };
    let scenario = match std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|t| Scenario::from_json(&t).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kraft-sim: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut runner = match kraft_core::scenario::Runner::new(&scenario, None) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kraft-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let mut printed = 0;
    for (i, step) in scenario.steps.iter().enumerate() {
        let r = runner.run_step(step);
        for ev in runner.sim.trace_since(printed) {
            if let Ok(line) = serde_json::to_string(ev) {
                print_line(&line);
            }
        }
        printed = runner.sim.trace().total();
        if let Err(e) = r {
            eprintln!("kraft-sim: step {i}: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
