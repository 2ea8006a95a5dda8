//! Scenarios (the format: docs/writing-scenarios.md): loading with errors that name the step and field.
//! The loader never panics: every shape of bad input becomes a `ScenarioError`.

use crate::protocol::config::Config;
use crate::protocol::kafka_version::KafkaVersion;
use crate::protocol::node::{ClusterMode, Slot, ALL_SLOTS};
use crate::protocol::record::TopicConfig;
use crate::protocol::types::Acks;
use crate::protocol::types::{NodeId, Offset};
use crate::sim::explore::Faults;
use crate::sim::{
    ClusterSpec, ConsumeFrom, ConsumeStart, Fault, InitialState, NewTopic, ProduceRecords,
    Simulation, SteadyLoad,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The most partitions one topic may have (docs/contracts.md, ZooKeeper mode: up to 100,000 in both modes).
pub const MAX_PARTITIONS: u64 = 100_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScenarioError {
    /// Index of the failing step, if the problem is in `steps`.
    pub step: Option<usize>,
    /// Where in the document: `steps[3].crash`, `cluster.config`, ...
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Default)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

/// A node named by id, or whoever is the quorum leader (or a partition's leader in the
/// committed image) when the step runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Target {
    Id(NodeId),
    Leader,
    PartitionLeader { topic: String, partition: u32 },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Condition {
    Leader,
    LeaderIs(Target),
    HwAtLeast {
        node: Target,
        offset: Offset,
    },
    CaughtUp,
    Fenced(NodeId),
    Unfenced(NodeId),
    /// A node's role as the stage shows it (`data-role`): beyond the contract, so a step can wait
    /// for the moment its narration describes.
    Role {
        node: Target,
        role: String,
    },
    /// Produce k is acknowledged or failed.
    ProduceDone(u64),
    /// A replica's LEO and/or HW equal these.
    Replica {
        topic: String,
        partition: u32,
        broker: NodeId,
        leo: Option<Offset>,
        hw: Option<Offset>,
        /// Everything below this offset is on disk (the page cache wrote it back).
        flushed: Option<Offset>,
    },
    /// The committed image names this partition leader (None: no leader).
    PartitionLeaderIs {
        topic: String,
        partition: u32,
        broker: Option<NodeId>,
    },
    /// The committed ISR, as a set.
    IsrIs {
        topic: String,
        partition: u32,
        isr: Vec<NodeId>,
    },
    /// docs/contracts.md, ZooKeeper mode: this node is the controller (KRaft: the active controller).
    ControllerIs(NodeId),
    /// docs/contracts.md, ZooKeeper mode: a controller can elect partition leaders (ZooKeeper mode: its load is done).
    ControllerReady,
}

/// The role words a `role` condition may name (the capture's and the stage's `role`).
pub const ROLE_WORDS: &[&str] = &[
    "leader",
    "follower",
    "candidate",
    "prospective",
    "unattached",
    "resigned",
    "fenced",
    "unfenced",
    "offline",
    "serving",
];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Step {
    AdvanceMs(u64),
    Until {
        cond: Condition,
        within_ms: u64,
    },
    Elect(Target),
    Crash(Target),
    /// The nodes lose power together: down, and their replicas lose what was not flushed.
    PowerLoss(Vec<Target>),
    Restart(Target),
    Pause {
        node: Target,
        ms: u64,
    },
    /// Every message to the node arrives `ms` later (0: no longer slow).
    Slow {
        node: Target,
        ms: u64,
    },
    Partition(Vec<Vec<NodeId>>),
    Isolate(Target),
    Cut {
        a: Target,
        b: Target,
    },
    CutOneWay {
        from: Target,
        to: Target,
    },
    Heal,
    Append(u32),
    CreateTopic(NewTopic),
    Produce(ProduceRecords),
    /// Start (or, with None, stop) a steady load.
    SteadyLoad(Option<SteadyLoad>),
    Consume(ConsumeFrom),
    ElectPreferred {
        topic: String,
        partition: u32,
    },
    /// drop_next / duplicate_next / delay_next: one fault for the next message on a link.
    NextMessage {
        from: Target,
        to: Target,
        rpc: Option<String>,
        fault: Fault,
    },
    Resign(Target),
    /// KIP-853 (docs/contracts.md, single messages and membership): the leader adds / removes a voter; a node's disk is replaced.
    AddVoter(Target),
    RemoveVoter(Target),
    Wipe(Target),
    /// A broker's controlled shutdown (both modes): its leaderships move, then it stops.
    ControlledShutdown(Target),
    /// The explorer's forcing steps (what its shortest path replays): message `id` arrives now;
    /// a node's timer goes off now; a message on the wire is dropped or duplicated.
    Deliver(u64),
    Fire {
        node: NodeId,
        timer: Slot,
    },
    InFlight {
        id: u64,
        fault: Fault,
    },
    /// Ask the explorer from here and take the shortest path it finds to a broken invariant
    /// (nothing, if it finds none within `depth`).
    Explore {
        depth: usize,
        faults: Faults,
    },
    Capture(String),
    Say(Text),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub title: Text,
    pub spec: ClusterSpec,
    pub steps: Vec<Step>,
    /// The whole document, for fields beyond the contract (goal, outcome, expect).
    pub doc: Value,
}

fn err(step: Option<usize>, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        step,
        field: field.into(),
        message: message.into(),
    }
}

fn as_u64(v: &Value, step: Option<usize>, field: &str) -> Result<u64, ScenarioError> {
    v.as_u64().ok_or_else(|| {
        err(
            step,
            field,
            format!("expected a non-negative whole number, got {v}"),
        )
    })
}

/// The deepest search an `explore` step may ask for (it runs while the page waits).
pub const EXPLORE_STEP_DEPTH: usize = 16;

/// Longest span one step may cover: a day of virtual time (a 24-hour run is the longest we bench).
pub const MAX_STEP_MS: u64 = 86_400_000;

fn as_ms(v: &Value, step: Option<usize>, field: &str) -> Result<u64, ScenarioError> {
    let ms = as_u64(v, step, field)?;
    if ms > MAX_STEP_MS {
        return Err(err(
            step,
            field,
            format!("{ms} ms is more than a day ({MAX_STEP_MS} ms)"),
        ));
    }
    Ok(ms)
}

fn as_id(v: &Value, step: Option<usize>, field: &str) -> Result<NodeId, ScenarioError> {
    let n = as_u64(v, step, field)?;
    NodeId::try_from(n).map_err(|_| err(step, field, format!("node id {n} is too large")))
}

fn as_target(v: &Value, step: Option<usize>, field: &str) -> Result<Target, ScenarioError> {
    match v {
        Value::String(s) if s == "leader" => Ok(Target::Leader),
        Value::Number(_) => as_id(v, step, field).map(Target::Id),
        Value::Object(m) if m.len() == 1 && m.contains_key("partition_leader") => {
            let f = format!("{field}.partition_leader");
            let (topic, partition) = topic_partition(&m["partition_leader"], step, &f, &[])?;
            Ok(Target::PartitionLeader { topic, partition })
        }
        _ => Err(err(
            step,
            field,
            format!(
                "expected a node id, \"leader\" or {{\"partition_leader\": {{\"topic\", \"partition\"}}}}, got {v}"
            ),
        )),
    }
}

/// A produce's fields (`topic`, `partition`, `records`, `acks`), plus the `extra` keys the
/// step allows; the arguments are handed back for those.
fn produce_records<'a>(
    v: &'a Value,
    s: Option<usize>,
    field: String,
    extra: &[&str],
) -> Result<(ProduceRecords, Args<'a>), ScenarioError> {
    let mut keys = vec!["topic", "partition", "records", "acks"];
    keys.extend_from_slice(extra);
    let o = Args::new(v, s, field, &keys)?;
    let topic = o.name("topic")?;
    let partition = o.number("partition", 0, 0..=MAX_PARTITIONS - 1)? as u32;
    let records = o.number("records", 1, 1..=1_000_000)? as u32;
    let acks = match o.0.get("acks") {
        None => Acks::All,
        Some(Value::String(a)) if a == "all" || a == "-1" => Acks::All,
        Some(Value::String(a)) if a == "1" => Acks::Leader,
        Some(Value::String(a)) if a == "0" => Acks::None,
        Some(v) if v.as_i64() == Some(-1) => Acks::All,
        Some(v) if v.as_i64() == Some(1) => Acks::Leader,
        Some(v) if v.as_i64() == Some(0) => Acks::None,
        Some(v) => {
            return Err(err(
                s,
                o.field("acks"),
                format!("expected 0, 1 or \"all\", got {v}"),
            ))
        }
    };
    let produce = ProduceRecords {
        topic,
        partition,
        records,
        acks,
    };
    Ok((produce, o))
}

/// `{"topic", "partition", ...}`: the topic and partition, with `more` fields allowed beside.
fn topic_partition(
    v: &Value,
    step: Option<usize>,
    field: &str,
    more: &[&str],
) -> Result<(String, u32), ScenarioError> {
    let mut allowed = vec!["topic", "partition"];
    allowed.extend_from_slice(more);
    let o = Args::new(v, step, field.to_string(), &allowed)?;
    Ok((
        o.name("topic")?,
        o.number("partition", 0, 0..=MAX_PARTITIONS - 1)? as u32,
    ))
}

/// An optional whole number field of a condition.
fn opt_u64(
    o: &Map<String, Value>,
    k: &str,
    step: Option<usize>,
    field: &str,
) -> Result<Option<u64>, ScenarioError> {
    o.get(k)
        .map(|v| as_u64(v, step, &format!("{field}.{k}")))
        .transpose()
}

fn as_text(v: &Value, step: Option<usize>, field: &str) -> Result<Text, ScenarioError> {
    match v {
        Value::String(s) => Ok(Text {
            en: s.clone(),
            zh: s.clone(),
        }),
        Value::Object(m) => {
            let get = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            for k in m.keys() {
                if k != "en" && k != "zh" {
                    return Err(err(
                        step,
                        format!("{field}.{k}"),
                        "unknown language (use \"en\" and \"zh\")",
                    ));
                }
            }
            let en = get("en")
                .ok_or_else(|| err(step, format!("{field}.en"), "missing English text"))?;
            let zh = get("zh").unwrap_or_else(|| en.clone());
            Ok(Text { en, zh })
        }
        _ => Err(err(step, field, "expected {\"en\": ..., \"zh\": ...}")),
    }
}

fn ids(v: &Value, field: &str, first: NodeId) -> Result<Vec<NodeId>, ScenarioError> {
    match v {
        Value::Number(_) => {
            let n = as_u64(v, None, field)?;
            if n > 60 {
                return Err(err(
                    None,
                    field,
                    format!("{n} nodes is more than the playground runs (60)"),
                ));
            }
            Ok((0..n as NodeId).map(|i| first + i).collect())
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| as_id(x, None, &format!("{field}[{i}]")))
            .collect(),
        _ => Err(err(None, field, "expected a list of ids or a count")),
    }
}

fn as_condition(v: &Value, step: Option<usize>, field: &str) -> Result<Condition, ScenarioError> {
    match v {
        Value::String(s) if s == "leader" => Ok(Condition::Leader),
        Value::String(s) if s == "caught_up" => Ok(Condition::CaughtUp),
        Value::String(s) if s == "controller_ready" => Ok(Condition::ControllerReady),
        Value::Object(m) if m.len() == 1 => {
            let (k, x) = m
                .iter()
                .next()
                .ok_or_else(|| err(step, field, "empty condition"))?;
            let f = format!("{field}.{k}");
            match k.as_str() {
                "leader_is" => Ok(Condition::LeaderIs(as_target(x, step, &f)?)),
                "fenced" => Ok(Condition::Fenced(as_id(x, step, &f)?)),
                "controller_is" => Ok(Condition::ControllerIs(as_id(x, step, &f)?)),
                "unfenced" => Ok(Condition::Unfenced(as_id(x, step, &f)?)),
                "hw_at_least" => {
                    let o = x.as_object().ok_or_else(|| err(step, &f, "expected {\"node\": ID, \"offset\": N}"))?;
                    for key in o.keys() {
                        if key != "node" && key != "offset" {
                            return Err(err(step, format!("{f}.{key}"), "unknown field"));
                        }
                    }
                    let node = o.get("node").ok_or_else(|| err(step, format!("{f}.node"), "missing"))?;
                    let offset = o.get("offset").ok_or_else(|| err(step, format!("{f}.offset"), "missing"))?;
                    Ok(Condition::HwAtLeast {
                        node: as_target(node, step, &format!("{f}.node"))?,
                        offset: as_u64(offset, step, &format!("{f}.offset"))?,
                    })
                }
                "role" => {
                    let o = x.as_object().ok_or_else(|| err(step, &f, "expected {\"node\": ID, \"is\": ROLE}"))?;
                    if let Some(key) = o.keys().find(|k| *k != "node" && *k != "is") {
                        return Err(err(step, format!("{f}.{key}"), "unknown field"));
                    }
                    let node = o.get("node").ok_or_else(|| err(step, format!("{f}.node"), "missing"))?;
                    let role = match o.get("is") {
                        Some(Value::String(r)) if ROLE_WORDS.contains(&r.as_str()) => r.clone(),
                        Some(other) => return Err(err(step, format!("{f}.is"), format!("expected one of {}, got {other}", ROLE_WORDS.join(", ")))),
                        None => return Err(err(step, format!("{f}.is"), "missing")),
                    };
                    Ok(Condition::Role { node: as_target(node, step, &format!("{f}.node"))?, role })
                }
                "produce_done" => Ok(Condition::ProduceDone(as_u64(x, step, &f)?)),
                "replica" => {
                    let (topic, partition) = topic_partition(x, step, &f, &["broker", "leo", "hw", "flushed"])?;
                    let o = x.as_object().ok_or_else(|| err(step, &f, "expected an object"))?;
                    let broker = o.get("broker").ok_or_else(|| err(step, format!("{f}.broker"), "missing"))?;
                    Ok(Condition::Replica {
                        topic,
                        partition,
                        broker: as_id(broker, step, &format!("{f}.broker"))?,
                        leo: opt_u64(o, "leo", step, &f)?,
                        hw: opt_u64(o, "hw", step, &f)?,
                        flushed: opt_u64(o, "flushed", step, &f)?,
                    })
                }
                "partition_leader_is" => {
                    let (topic, partition) = topic_partition(x, step, &f, &["broker"])?;
                    let broker = match x.get("broker") {
                        Some(Value::Null) => None,
                        Some(b) => Some(as_id(b, step, &format!("{f}.broker"))?),
                        None => return Err(err(step, format!("{f}.broker"), "missing (an id, or null for no leader)")),
                    };
                    Ok(Condition::PartitionLeaderIs { topic, partition, broker })
                }
                "isr_is" => {
                    let (topic, partition) = topic_partition(x, step, &f, &["isr"])?;
                    let list = x.get("isr").and_then(Value::as_array).ok_or_else(|| err(step, format!("{f}.isr"), "expected a list of broker ids"))?;
                    let mut isr = list
                        .iter()
                        .enumerate()
                        .map(|(j, b)| as_id(b, step, &format!("{f}.isr[{j}]")))
                        .collect::<Result<Vec<_>, _>>()?;
                    isr.sort_unstable();
                    Ok(Condition::IsrIs { topic, partition, isr })
                }
                _ => Err(err(step, f, "unknown condition (leader, leader_is, hw_at_least, caught_up, fenced, unfenced, role, produce_done, replica, partition_leader_is, isr_is)")),
            }
        }
        _ => Err(err(step, field, format!("unknown condition {v}"))),
    }
}

/// An object-valued step argument (`create_topic`, `produce`): only known fields, and every
/// error names `steps[i].step.field`.
struct Args<'a>(&'a Map<String, Value>, Option<usize>, String);

impl<'a> Args<'a> {
    fn new(
        v: &'a Value,
        step: Option<usize>,
        path: String,
        allowed: &[&str],
    ) -> Result<Self, ScenarioError> {
        let o = v.as_object().ok_or_else(|| {
            err(
                step,
                &path,
                format!("expected an object with {}", allowed.join(", ")),
            )
        })?;
        if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(err(step, format!("{path}.{k}"), "unknown field"));
        }
        Ok(Args(o, step, path))
    }

    fn field(&self, k: &str) -> String {
        format!("{}.{k}", self.2)
    }

    fn name(&self, k: &str) -> Result<String, ScenarioError> {
        self.0
            .get(k)
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .ok_or_else(|| err(self.1, self.field(k), "expected a non-empty string"))
    }

    fn number(
        &self,
        k: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ScenarioError> {
        let v = match self.0.get(k) {
            Some(v) => as_u64(v, self.1, &self.field(k))?,
            None => default,
        };
        if !range.contains(&v) {
            return Err(err(
                self.1,
                self.field(k),
                format!("must be between {} and {}", range.start(), range.end()),
            ));
        }
        Ok(v)
    }
}

/// A topic's `assignments`: one non-empty broker list per partition.
fn as_assignments(
    v: &Value,
    step: Option<usize>,
    field: &str,
) -> Result<Vec<Vec<NodeId>>, ScenarioError> {
    let lists = v
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= MAX_PARTITIONS as usize)
        .ok_or_else(|| {
            err(
                step,
                field,
                "expected 1 to 100000 broker lists, one per partition",
            )
        })?;
    lists
        .iter()
        .enumerate()
        .map(|(p, list)| {
            let here = format!("{field}[{p}]");
            let ids = list
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| err(step, &here, "expected a non-empty list of broker ids"))?;
            ids.iter()
                .enumerate()
                .map(|(j, x)| as_id(x, step, &format!("{here}[{j}]")))
                .collect()
        })
        .collect()
}

/// A topic's `config`: the settings a topic may override.
fn as_topic_config(
    v: &Value,
    step: Option<usize>,
    field: &str,
) -> Result<TopicConfig, ScenarioError> {
    let o = Args::new(
        v,
        step,
        field.to_string(),
        &["min_insync_replicas", "unclean_leader_election"],
    )?;
    let mut config = TopicConfig::default();
    if o.0.contains_key("min_insync_replicas") {
        config.min_insync_replicas = Some(o.number("min_insync_replicas", 1, 1..=1000)? as u32);
    }
    if let Some(u) = o.0.get("unclean_leader_election") {
        let b = u.as_bool().ok_or_else(|| {
            err(
                step,
                o.field("unclean_leader_election"),
                format!("expected true or false, got {u}"),
            )
        })?;
        config.unclean_leader_election = Some(b);
    }
    Ok(config)
}

fn only_keys(m: &Map<String, Value>, allowed: &[&str], step: usize) -> Result<(), ScenarioError> {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(err(
                Some(step),
                format!("steps[{step}].{k}"),
                format!("unexpected field beside {:?}", allowed[0]),
            ));
        }
    }
    Ok(())
}

/// What a step's parser reads: the step's object, its index in `steps`, and the key that named it.
struct StepInput<'a> {
    m: &'a Map<String, Value>,
    i: usize,
    key: &'static str,
}

impl StepInput<'_> {
    /// Where a field of this step is, for errors: `steps[i].key`.
    fn field(&self, key: &str) -> String {
        format!("steps[{}].{key}", self.i)
    }

    /// The node a step that names one node (`{"crash": 2}`, `{"crash": "leader"}`) names.
    fn target(&self) -> Result<Target, ScenarioError> {
        as_target(self.one(self.key)?, Some(self.i), &self.field(self.key))
    }

    /// The value of a step that has just the one key `key`.
    fn one(&self, key: &str) -> Result<&Value, ScenarioError> {
        only_keys(self.m, &[key], self.i)?;
        self.m
            .get(key)
            .ok_or_else(|| err(Some(self.i), format!("steps[{}].{key}", self.i), "missing"))
    }
}

type StepParser = fn(&StepInput) -> Result<Step, ScenarioError>;

/// Every step a scenario may hold, by its key: the one place a step's name is written. A step
/// object is named by the first of these keys it has.
const STEPS: &[(&str, StepParser)] = &[
    ("advance_ms", parse_advance_ms),
    ("until", parse_until),
    ("elect", |x| Ok(Step::Elect(x.target()?))),
    ("crash", |x| Ok(Step::Crash(x.target()?))),
    ("power_loss", parse_power_loss),
    ("slow", parse_slow),
    ("restart", |x| Ok(Step::Restart(x.target()?))),
    ("pause", parse_pause),
    ("partition", parse_partition),
    ("isolate", |x| Ok(Step::Isolate(x.target()?))),
    ("cut", parse_cut),
    ("cut_one_way", parse_cut),
    ("heal", parse_heal),
    ("append", parse_append),
    ("create_topic", parse_create_topic),
    ("produce", parse_produce),
    ("steady_load", parse_steady_load),
    ("consume", parse_consume),
    ("elect_preferred", parse_elect_preferred),
    ("drop_next", parse_next_message),
    ("duplicate_next", parse_next_message),
    ("delay_next", parse_next_message),
    ("resign", |x| Ok(Step::Resign(x.target()?))),
    ("add_voter", |x| Ok(Step::AddVoter(x.target()?))),
    ("remove_voter", |x| Ok(Step::RemoveVoter(x.target()?))),
    ("wipe", |x| Ok(Step::Wipe(x.target()?))),
    ("controlled_shutdown", |x| {
        Ok(Step::ControlledShutdown(x.target()?))
    }),
    ("deliver", parse_deliver),
    ("fire", parse_fire),
    ("drop", parse_in_flight),
    ("duplicate", parse_in_flight),
    ("explore", parse_explore),
    ("capture", parse_capture),
    ("say", parse_say),
];

fn parse_step(i: usize, v: &Value) -> Result<Step, ScenarioError> {
    let m = v
        .as_object()
        .ok_or_else(|| err(Some(i), format!("steps[{i}]"), "a step must be an object"))?;
    let (key, parse) = STEPS
        .iter()
        .find(|(k, _)| m.contains_key(*k))
        .ok_or_else(|| err(Some(i), format!("steps[{i}]"), format!("unknown step {v}")))?;
    parse(&StepInput { m, i, key })
}

fn parse_advance_ms(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(Step::AdvanceMs(as_ms(one(key)?, s, &f(key))?))
}

fn parse_until(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let i = x.i;
    let m = x.m;
    let key = x.key;
    let f = |k: &str| x.field(k);
    let step = {
        only_keys(m, &["until", "within_ms"], i)?;
        let within = m
            .get("within_ms")
            .ok_or_else(|| err(s, f("within_ms"), "missing: how long to wait"))?;
        Step::Until {
            cond: as_condition(&m[key], s, &f(key))?,
            within_ms: as_ms(within, s, &f("within_ms"))?,
        }
    };
    Ok(step)
}

fn parse_power_loss(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(Step::PowerLoss(match one(key)? {
        Value::Array(a) if a.is_empty() => {
            return Err(err(s, f(key), "expected at least one node"))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(j, t)| as_target(t, s, &format!("{}[{j}]", f(key))))
            .collect::<Result<Vec<_>, _>>()?,
        v => vec![as_target(v, s, &f(key))?],
    }))
}

fn parse_slow(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let i = x.i;
    let m = x.m;
    let key = x.key;
    let f = |k: &str| x.field(k);
    let step = {
        // A slow node: every message it receives arrives `ms` later (0 ends it).
        only_keys(m, &["slow", "ms"], i)?;
        let ms = m
            .get("ms")
            .ok_or_else(|| err(s, f("ms"), "missing: how much later its messages arrive"))?;
        let ms = as_ms(ms, s, &f("ms"))?;
        if ms > 60_000 {
            return Err(err(s, f("ms"), "must be at most 60000"));
        }
        Step::Slow {
            node: as_target(&m[key], s, &f(key))?,
            ms,
        }
    };
    Ok(step)
}

fn parse_pause(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let i = x.i;
    let m = x.m;
    let key = x.key;
    let f = |k: &str| x.field(k);
    let step = {
        only_keys(m, &["pause", "ms"], i)?;
        let ms = m
            .get("ms")
            .ok_or_else(|| err(s, f("ms"), "missing: how long the pause lasts"))?;
        let ms = as_ms(ms, s, &f("ms"))?;
        if ms == 0 {
            return Err(err(s, f("ms"), "must be greater than 0"));
        }
        Step::Pause {
            node: as_target(&m[key], s, &f(key))?,
            ms,
        }
    };
    Ok(step)
}

fn parse_partition(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let i = x.i;
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let groups = one(key)?
            .as_array()
            .ok_or_else(|| err(s, f(key), "expected [[ids], [ids]]"))?;
        let mut out = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let arr = group.as_array().ok_or_else(|| {
                err(
                    s,
                    format!("steps[{i}].partition[{g}]"),
                    "expected a list of ids",
                )
            })?;
            out.push(
                arr.iter()
                    .enumerate()
                    .map(|(j, x)| as_id(x, s, &format!("steps[{i}].partition[{g}][{j}]")))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        Step::Partition(out)
    };
    Ok(step)
}

fn parse_cut(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let pair = one(key)?
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| err(s, f(key), "expected [A, B]"))?;
        let (a, b) = (
            as_target(&pair[0], s, &format!("{}[0]", f(key)))?,
            as_target(&pair[1], s, &format!("{}[1]", f(key)))?,
        );
        if a == b && matches!(a, Target::Id(_)) {
            return Err(err(s, f(key), "a link joins two different nodes"));
        }
        if key == "cut" {
            Step::Cut { a, b }
        } else {
            Step::CutOneWay { from: a, to: b }
        }
    };
    Ok(step)
}

fn parse_heal(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(match one(key)? {
        Value::Bool(true) => Step::Heal,
        other => return Err(err(s, f(key), format!("expected true, got {other}"))),
    })
}

fn parse_append(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let n = as_u64(one(key)?, s, &f(key))?;
        if n == 0 || n > 10_000 {
            return Err(err(s, f(key), "append between 1 and 10000 records"));
        }
        Step::Append(n as u32)
    };
    Ok(step)
}

fn parse_create_topic(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let o = Args::new(
            one(key)?,
            s,
            f(key),
            &[
                "name",
                "partitions",
                "replication_factor",
                "assignments",
                "config",
            ],
        )?;
        let assignments = match o.0.get("assignments") {
            None => None,
            Some(v) => Some(as_assignments(v, s, &o.field("assignments"))?),
        };
        // With assignments, their shape gives the partition count and replication factor.
        let (partitions, replication_factor) = match &assignments {
            Some(a) => (a.len() as u32, a.first().map_or(0, Vec::len) as u32),
            None => (
                o.number("partitions", 1, 1..=MAX_PARTITIONS)? as u32,
                o.number("replication_factor", 1, 1..=1000)? as u32,
            ),
        };
        let config = match o.0.get("config") {
            None => TopicConfig::default(),
            Some(v) => as_topic_config(v, s, &o.field("config"))?,
        };
        Step::CreateTopic(NewTopic {
            name: o.name("name")?,
            partitions,
            replication_factor,
            assignments,
            config,
        })
    };
    Ok(step)
}

fn parse_produce(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(Step::Produce(produce_records(one(key)?, s, f(key), &[])?.0))
}

fn parse_steady_load(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(match one(key)? {
        Value::Null | Value::Bool(false) => Step::SteadyLoad(None),
        v => {
            let (produce, o) = produce_records(v, s, f(key), &["every_ms"])?;
            let every_ms = o.number("every_ms", 100, 1..=3_600_000)?;
            Step::SteadyLoad(Some(SteadyLoad { produce, every_ms }))
        }
    })
}

fn parse_consume(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let v = one(key)?;
        let (topic, partition) = topic_partition(v, s, &f(key), &["from"])?;
        let from = match v.get("from") {
            None => ConsumeStart::Earliest,
            Some(Value::String(w)) if w == "earliest" => ConsumeStart::Earliest,
            Some(Value::String(w)) if w == "latest" => ConsumeStart::Latest,
            Some(n @ Value::Number(_)) => {
                ConsumeStart::Offset(as_u64(n, s, &format!("{}.from", f(key)))?)
            }
            Some(other) => {
                return Err(err(
                    s,
                    format!("{}.from", f(key)),
                    format!("expected \"earliest\", \"latest\" or an offset, got {other}"),
                ))
            }
        };
        Step::Consume(ConsumeFrom {
            topic,
            partition,
            from,
        })
    };
    Ok(step)
}

fn parse_elect_preferred(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let (topic, partition) = topic_partition(one(key)?, s, &f(key), &[])?;
        Step::ElectPreferred { topic, partition }
    };
    Ok(step)
}

fn parse_next_message(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let delay = key == "delay_next";
        let fields: &[&str] = if delay {
            &["from", "to", "rpc", "ms"]
        } else {
            &["from", "to", "rpc"]
        };
        let o = Args::new(one(key)?, s, f(key), fields)?;
        let end = |k: &str| {
            o.0.get(k)
                .ok_or_else(|| err(s, o.field(k), "missing: a node id"))
                .and_then(|v| as_target(v, s, &o.field(k)))
        };
        let (from, to) = (end("from")?, end("to")?);
        if from == to && matches!(from, Target::Id(_)) {
            return Err(err(s, f(key), "a link joins two different nodes"));
        }
        let rpc = match o.0.get("rpc") {
            None => None,
            Some(v) => {
                let r = v
                    .as_str()
                    .filter(|r| crate::protocol::message::RPC_NAMES.contains(r))
                    .ok_or_else(|| {
                        err(
                            s,
                            o.field("rpc"),
                            format!(
                                "expected an RPC name as the trace names it: {}",
                                crate::protocol::message::RPC_NAMES.join(", ")
                            ),
                        )
                    })?;
                Some(r.to_string())
            }
        };
        let fault = match key {
            "drop_next" => Fault::Drop,
            "duplicate_next" => Fault::Duplicate,
            _ => {
                if !o.0.contains_key("ms") {
                    return Err(err(s, o.field("ms"), "missing: how long to delay"));
                }
                Fault::Delay {
                    ms: o.number("ms", 0, 1..=60_000)?,
                }
            }
        };
        Step::NextMessage {
            from,
            to,
            rpc,
            fault,
        }
    };
    Ok(step)
}

fn parse_deliver(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(Step::Deliver(as_u64(one(key)?, s, &f(key))?))
}

fn parse_in_flight(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(Step::InFlight {
        id: as_u64(one(key)?, s, &f(key))?,
        fault: if key == "drop" {
            Fault::Drop
        } else {
            Fault::Duplicate
        },
    })
}

fn parse_explore(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let o = Args::new(one(key)?, s, f(key), &["depth", "faults"])?;
        let depth = o.number("depth", 12, 1..=EXPLORE_STEP_DEPTH as u64)? as usize;
        let faults = match o.0.get("faults") {
            None => Faults::default(),
            Some(v) => {
                let names = v.as_array().ok_or_else(|| {
                    err(
                        s,
                        o.field("faults"),
                        "expected a list of crash, drop, duplicate",
                    )
                })?;
                let mut list = Vec::new();
                for n in names {
                    list.push(n.as_str().ok_or_else(|| {
                        err(
                            s,
                            o.field("faults"),
                            "expected a list of crash, drop, duplicate",
                        )
                    })?);
                }
                Faults::parse(&list.join(",")).map_err(|e| err(s, o.field("faults"), e))?
            }
        };
        Step::Explore { depth, faults }
    };
    Ok(step)
}

fn parse_fire(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    let step = {
        let o = Args::new(one(key)?, s, f(key), &["node", "timer"])?;
        let node =
            o.0.get("node")
                .ok_or_else(|| err(s, o.field("node"), "missing: a node id"))
                .and_then(|v| as_id(v, s, &o.field("node")))?;
        let name = o.name("timer")?;
        let timer = Slot::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = ALL_SLOTS.iter().map(|t| t.name()).collect();
            err(
                s,
                o.field("timer"),
                format!("expected a timer name: {}", names.join(", ")),
            )
        })?;
        Step::Fire { node, timer }
    };
    Ok(step)
}

fn parse_capture(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let key = x.key;
    let f = |k: &str| x.field(k);
    let one = |k: &str| x.one(k);
    Ok(match one(key)? {
        Value::String(l) => Step::Capture(l.clone()),
        other => return Err(err(s, f(key), format!("expected a label, got {other}"))),
    })
}

fn parse_say(x: &StepInput) -> Result<Step, ScenarioError> {
    let s = Some(x.i);
    let i = x.i;
    let m = x.m;
    let key = x.key;
    let f = |k: &str| x.field(k);
    let step = {
        // `shows`: what the screen shows while this narration is read (checked by the
        // narration-sync test; the runner ignores it).
        only_keys(m, &["say", "shows"], i)?;
        if let Some(shows) = m.get("shows") {
            if !shows.is_object() {
                return Err(err(s, f("shows"), "expected an object (a partial capture)"));
            }
        }
        Step::Say(as_text(&m[key], s, &f(key))?)
    };
    Ok(step)
}

/// The cluster's settings: the Kafka release's historical ones first (`kafka_version`), then
/// what `config` says explicitly; refused if the release had no such mode.
fn cluster_config(
    cluster: &Map<String, Value>,
    mode: ClusterMode,
) -> Result<Config, ScenarioError> {
    // The release's historical settings first, then what `config` says explicitly.
    let mut settings = match cluster.get("kafka_version") {
        None => Map::new(),
        Some(Value::String(s)) => {
            let version = KafkaVersion::parse(s).ok_or_else(|| {
                err(
                    None,
                    "cluster.kafka_version",
                    format!("unknown Kafka version {s:?}: expected \"0.8\" to \"4.2\", e.g. \"0.10\", \"2.0\", \"3.6\""),
                )
            })?;
            if mode == ClusterMode::Kraft && !version.has_kraft() {
                return Err(err(
                    None,
                    "cluster.kafka_version",
                    format!("Kafka {version} had no KRaft mode (it came with 2.8): set cluster.mode to \"zookeeper\""),
                ));
            }
            if mode == ClusterMode::Zookeeper && !version.has_zookeeper() {
                return Err(err(
                    None,
                    "cluster.kafka_version",
                    format!("Kafka {version} has no ZooKeeper mode (4.0 removed it)"),
                ));
            }
            version.settings()
        }
        Some(other) => {
            return Err(err(
                None,
                "cluster.kafka_version",
                format!("expected a version string such as \"3.6\", got {other}"),
            ))
        }
    };
    match cluster.get("config") {
        None => {}
        Some(Value::Object(c)) => settings.extend(c.clone()),
        Some(other) => {
            return Err(err(
                None,
                "cluster.config",
                format!("expected an object, got {other}"),
            ))
        }
    }
    let config: Config = serde_json::from_value(Value::Object(settings))
        .map_err(|e| err(None, "cluster.config", e.to_string()))?;
    config
        .validate()
        .map_err(|e| err(None, "cluster.config", e.to_string()))?;
    Ok(config)
}

/// Each controller's disk before time 0 (`initial`, keyed by node id).
fn initial_states(
    top: &Map<String, Value>,
) -> Result<BTreeMap<NodeId, InitialState>, ScenarioError> {
    let mut initial = BTreeMap::new();
    if let Some(init) = top.get("initial") {
        let m = init
            .as_object()
            .ok_or_else(|| err(None, "initial", "expected an object keyed by node id"))?;
        for (k, v) in m {
            let id: NodeId = k
                .parse()
                .map_err(|_| err(None, format!("initial.{k}"), "keys are node ids"))?;
            let state: InitialState = serde_json::from_value(v.clone())
                .map_err(|e| err(None, format!("initial.{k}"), e.to_string()))?;
            initial.insert(id, state);
        }
    }
    Ok(initial)
}

impl Scenario {
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| err(None, "(document)", format!("not valid JSON: {e}")))?;
        Scenario::from_value(doc)
    }

    pub fn from_value(doc: Value) -> Result<Scenario, ScenarioError> {
        let top = doc
            .as_object()
            .ok_or_else(|| err(None, "(document)", "a scenario is a JSON object"))?;
        let name = match top.get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(other) => {
                return Err(err(
                    None,
                    "name",
                    format!("expected a non-empty string, got {other}"),
                ))
            }
            None => return Err(err(None, "name", "missing")),
        };
        let title = match top.get("title") {
            Some(t) => as_text(t, None, "title")?,
            None => Text {
                en: name.clone(),
                zh: name.clone(),
            },
        };
        let seed = match top.get("seed") {
            Some(v) => as_u64(v, None, "seed")?,
            None => 1,
        };
        let cluster = top
            .get("cluster")
            .ok_or_else(|| err(None, "cluster", "missing"))?
            .as_object()
            .ok_or_else(|| err(None, "cluster", "expected an object"))?;
        for k in cluster.keys() {
            if ![
                "controllers",
                "brokers",
                "config",
                "kraft_version",
                "observers",
                "combined",
                "mode",
                "kafka_version",
            ]
            .contains(&k.as_str())
            {
                return Err(err(None, format!("cluster.{k}"), "unknown field"));
            }
        }
        let mode = match cluster.get("mode").map(|m| m.as_str()) {
            None | Some(Some("kraft")) => ClusterMode::Kraft,
            Some(Some("zookeeper")) => ClusterMode::Zookeeper,
            Some(_) => {
                return Err(err(
                    None,
                    "cluster.mode",
                    "expected \"kraft\" or \"zookeeper\"",
                ))
            }
        };
        // A cluster of combined nodes alone needs no `controllers` list; ZooKeeper mode has
        // none (a broker is elected controller).
        let mut controllers = match (cluster.get("controllers"), cluster.get("combined"), mode) {
            (Some(_), _, ClusterMode::Zookeeper) => {
                return Err(err(
                    None,
                    "cluster.controllers",
                    crate::sim::ZK_NO_CONTROLLERS,
                ))
            }
            (None, _, ClusterMode::Zookeeper) => Vec::new(),
            (Some(v), _, _) => ids(v, "cluster.controllers", 1)?,
            (None, Some(_), _) => Vec::new(),
            (None, None, _) => return Err(err(None, "cluster.controllers", "missing")),
        };
        let mut brokers = match cluster.get("brokers") {
            Some(v) => ids(v, "cluster.brokers", 101)?,
            None => Vec::new(),
        };
        let kraft_version = match cluster.get("kraft_version") {
            Some(v) => match as_u64(v, None, "cluster.kraft_version")? {
                n @ 0..=1 => n as u8,
                _ => return Err(err(None, "cluster.kraft_version", "expected 0 or 1")),
            },
            None => 0,
        };
        // Optional lists of node ids (docs/contracts.md, single messages and membership).
        let id_list = |key: &str| -> Result<Vec<NodeId>, ScenarioError> {
            match cluster.get(key) {
                Some(Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(j, x)| as_id(x, None, &format!("cluster.{key}[{j}]")))
                    .collect(),
                Some(_) => Err(err(
                    None,
                    format!("cluster.{key}"),
                    "expected a list of ids",
                )),
                None => Ok(Vec::new()),
            }
        };
        let observers = id_list("observers")?;
        let combined = id_list("combined")?;
        // A combined node is a controller that also runs a broker: whether a document lists it
        // among the controllers, the brokers or only here, it is one node, counted as a
        // controller.
        for c in &combined {
            if !controllers.contains(c) {
                controllers.push(*c);
            }
        }
        brokers.retain(|b| !combined.contains(b));
        let config = cluster_config(cluster, mode)?;
        let initial = initial_states(top)?;
        let steps = match top.get("steps") {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| parse_step(i, v))
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(err(None, "steps", "expected a list")),
            None => Vec::new(),
        };
        let spec = ClusterSpec {
            seed,
            controllers,
            brokers,
            config,
            initial,
            kraft_version,
            observers,
            combined,
            mode,
        };
        // Build once so cluster errors (duplicate ids, bad initial logs) surface at load time.
        Simulation::new(spec.clone()).map_err(|e| err(None, "cluster", e.to_string()))?;
        let scenario = Scenario {
            name,
            title,
            spec,
            steps,
            doc,
        };
        scenario.check_ids()?;
        Ok(scenario)
    }

    /// Every id a step names must be a node of the cluster.
    fn check_ids(&self) -> Result<(), ScenarioError> {
        // ZooKeeper mode's ensemble is node 0: it can be crashed, paused and cut like any node.
        let ensemble = self.spec.mode == ClusterMode::Zookeeper;
        let known = |id: NodeId| {
            self.spec.controllers.contains(&id)
                || self.spec.brokers.contains(&id)
                || (ensemble && id == crate::protocol::zk_ensemble::ENSEMBLE)
        };
        let broker =
            |id: NodeId| self.spec.brokers.contains(&id) || self.spec.combined.contains(&id);
        // Topics the document creates, in step order: a preferred election of a partition that
        // no earlier step creates can be refused now.
        let mut topics: BTreeMap<&str, u32> = BTreeMap::new();
        for (i, step) in self.steps.iter().enumerate() {
            let here = |field: String, message: String| Err(err(Some(i), field, message));
            match step {
                Step::CreateTopic(t) => {
                    let lists = t.assignments.iter().flatten().enumerate();
                    for (p, list) in lists {
                        if let Some((j, id)) = list.iter().enumerate().find(|(_, b)| !broker(**b)) {
                            return here(
                                format!("steps[{i}].create_topic.assignments[{p}][{j}]"),
                                format!("broker {id} is not in the cluster"),
                            );
                        }
                    }
                    topics.entry(&t.name).or_insert(t.partitions);
                }
                Step::ElectPreferred { topic, partition } => match topics.get(topic.as_str()) {
                    None => {
                        return here(
                            format!("steps[{i}].elect_preferred.topic"),
                            format!("no create_topic step before this one creates topic {topic}"),
                        )
                    }
                    Some(n) if partition >= n => {
                        return here(
                            format!("steps[{i}].elect_preferred.partition"),
                            format!("topic {topic} has {n} partition(s)"),
                        )
                    }
                    Some(_) => {}
                },
                _ => {}
            }
            let mut named: Vec<NodeId> = Vec::new();
            let t = |t: &Target| match t {
                Target::Id(id) => Some(*id),
                Target::Leader | Target::PartitionLeader { .. } => None,
            };
            match step {
                Step::Elect(x)
                | Step::Crash(x)
                | Step::Restart(x)
                | Step::Isolate(x)
                | Step::Resign(x)
                | Step::AddVoter(x)
                | Step::RemoveVoter(x)
                | Step::Wipe(x)
                | Step::ControlledShutdown(x)
                | Step::Pause { node: x, .. }
                | Step::Slow { node: x, .. } => named.extend(t(x)),
                Step::PowerLoss(xs) => named.extend(xs.iter().filter_map(t)),
                Step::Partition(groups) => named.extend(groups.iter().flatten()),
                Step::Cut { a, b }
                | Step::CutOneWay { from: a, to: b }
                | Step::NextMessage { from: a, to: b, .. } => {
                    named.extend(t(a).into_iter().chain(t(b)))
                }
                Step::Until {
                    cond: Condition::LeaderIs(x),
                    ..
                }
                | Step::Until {
                    cond: Condition::HwAtLeast { node: x, .. },
                    ..
                } => named.extend(t(x)),
                Step::Until {
                    cond: Condition::Fenced(b),
                    ..
                }
                | Step::Until {
                    cond: Condition::Unfenced(b),
                    ..
                }
                | Step::Until {
                    cond: Condition::Replica { broker: b, .. },
                    ..
                } => named.push(*b),
                Step::Until {
                    cond: Condition::IsrIs { isr, .. },
                    ..
                } => named.extend(isr),
                Step::Until {
                    cond:
                        Condition::PartitionLeaderIs {
                            broker: Some(b), ..
                        },
                    ..
                } => named.push(*b),
                _ => {}
            }
            if let Some(id) = named.into_iter().find(|id| !known(*id)) {
                return Err(err(
                    Some(i),
                    format!("steps[{i}]"),
                    format!("node {id} is not in the cluster"),
                ));
            }
        }
        Ok(())
    }
}
