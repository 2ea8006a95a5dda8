//! The built-in scenario library: the JSON files of `static/scenarios/`. The page fetches each
//! document the first time it is needed (trunk serves the folder beside the page): they are
//! data, not code, and keeping them out of the wasm keeps the page inside its size budget. Tests
//! and native builds embed them, so a broken file still fails the build's tests, not a page.

use kraft_core::scenario::Scenario;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// The library, in teaching order.
pub const NAMES: &[&str] = &[
    "first-election",
    "leader-crash",
    "split-vote",
    "pre-vote",
    "check-quorum",
    "one-way-cut",
    "log-repair",
    "figure-8-leader-change",
    "figure-8-unsafe",
    "explorer-figure-8",
    "high-watermark",
    "graceful-resign",
    "snapshot-truncation",
    "fetch-snapshot",
    "broker-registration",
    "broker-fencing",
    "bootstrap-discovery",
    "acks-tradeoff",
    "min-isr",
    "isr-shrink-expand",
    "steady-load-isr",
    "stale-alter-partition",
    "strict-min-isr",
    "follower-hw",
    "consumer-committed",
    "unclean-election",
    "eligible-leader-replicas",
    "preferred-leader",
    "power-loss",
    "kip-101-loss",
    "kip-101-divergence",
    "grow-voters",
    "remove-leader",
    "replace-wiped-disk",
    "wiped-voter-unsafe",
    "combined-shared-failure",
    "kraft-controller-failover",
    "zk-controller-failover",
    "zk-broker-session",
    "zk-stale-metadata",
    "zk-session-expiry-storm",
    "zk-zombie-controller",
    "zk-zombie-controller-unsafe",
    "controlled-shutdown",
    "zk-controlled-shutdown",
];

#[cfg(any(test, not(target_arch = "wasm32")))]
const EMBEDDED: &[(&str, &str)] = &[
    (
        "first-election",
        include_str!("../../static/scenarios/first-election.json"),
    ),
    (
        "leader-crash",
        include_str!("../../static/scenarios/leader-crash.json"),
    ),
    (
        "split-vote",
        include_str!("../../static/scenarios/split-vote.json"),
    ),
    (
        "pre-vote",
        include_str!("../../static/scenarios/pre-vote.json"),
    ),
    (
        "check-quorum",
        include_str!("../../static/scenarios/check-quorum.json"),
    ),
    (
        "one-way-cut",
        include_str!("../../static/scenarios/one-way-cut.json"),
    ),
    (
        "log-repair",
        include_str!("../../static/scenarios/log-repair.json"),
    ),
    (
        "figure-8-leader-change",
        include_str!("../../static/scenarios/figure-8-leader-change.json"),
    ),
    (
        "figure-8-unsafe",
        include_str!("../../static/scenarios/figure-8-unsafe.json"),
    ),
    (
        "explorer-figure-8",
        include_str!("../../static/scenarios/explorer-figure-8.json"),
    ),
    (
        "high-watermark",
        include_str!("../../static/scenarios/high-watermark.json"),
    ),
    (
        "graceful-resign",
        include_str!("../../static/scenarios/graceful-resign.json"),
    ),
    (
        "snapshot-truncation",
        include_str!("../../static/scenarios/snapshot-truncation.json"),
    ),
    (
        "fetch-snapshot",
        include_str!("../../static/scenarios/fetch-snapshot.json"),
    ),
    (
        "broker-registration",
        include_str!("../../static/scenarios/broker-registration.json"),
    ),
    (
        "broker-fencing",
        include_str!("../../static/scenarios/broker-fencing.json"),
    ),
    (
        "bootstrap-discovery",
        include_str!("../../static/scenarios/bootstrap-discovery.json"),
    ),
    (
        "acks-tradeoff",
        include_str!("../../static/scenarios/acks-tradeoff.json"),
    ),
    (
        "min-isr",
        include_str!("../../static/scenarios/min-isr.json"),
    ),
    (
        "isr-shrink-expand",
        include_str!("../../static/scenarios/isr-shrink-expand.json"),
    ),
    (
        "steady-load-isr",
        include_str!("../../static/scenarios/steady-load-isr.json"),
    ),
    (
        "stale-alter-partition",
        include_str!("../../static/scenarios/stale-alter-partition.json"),
    ),
    (
        "strict-min-isr",
        include_str!("../../static/scenarios/strict-min-isr.json"),
    ),
    (
        "follower-hw",
        include_str!("../../static/scenarios/follower-hw.json"),
    ),
    (
        "consumer-committed",
        include_str!("../../static/scenarios/consumer-committed.json"),
    ),
    (
        "unclean-election",
        include_str!("../../static/scenarios/unclean-election.json"),
    ),
    (
        "eligible-leader-replicas",
        include_str!("../../static/scenarios/eligible-leader-replicas.json"),
    ),
    (
        "preferred-leader",
        include_str!("../../static/scenarios/preferred-leader.json"),
    ),
    (
        "power-loss",
        include_str!("../../static/scenarios/power-loss.json"),
    ),
    (
        "kip-101-loss",
        include_str!("../../static/scenarios/kip-101-loss.json"),
    ),
    (
        "kip-101-divergence",
        include_str!("../../static/scenarios/kip-101-divergence.json"),
    ),
    (
        "grow-voters",
        include_str!("../../static/scenarios/grow-voters.json"),
    ),
    (
        "remove-leader",
        include_str!("../../static/scenarios/remove-leader.json"),
    ),
    (
        "replace-wiped-disk",
        include_str!("../../static/scenarios/replace-wiped-disk.json"),
    ),
    (
        "wiped-voter-unsafe",
        include_str!("../../static/scenarios/wiped-voter-unsafe.json"),
    ),
    (
        "combined-shared-failure",
        include_str!("../../static/scenarios/combined-shared-failure.json"),
    ),
    (
        "kraft-controller-failover",
        include_str!("../../static/scenarios/kraft-controller-failover.json"),
    ),
    (
        "zk-controller-failover",
        include_str!("../../static/scenarios/zk-controller-failover.json"),
    ),
    (
        "zk-broker-session",
        include_str!("../../static/scenarios/zk-broker-session.json"),
    ),
    (
        "zk-stale-metadata",
        include_str!("../../static/scenarios/zk-stale-metadata.json"),
    ),
    (
        "zk-session-expiry-storm",
        include_str!("../../static/scenarios/zk-session-expiry-storm.json"),
    ),
    (
        "zk-zombie-controller",
        include_str!("../../static/scenarios/zk-zombie-controller.json"),
    ),
    (
        "zk-zombie-controller-unsafe",
        include_str!("../../static/scenarios/zk-zombie-controller-unsafe.json"),
    ),
    (
        "controlled-shutdown",
        include_str!("../../static/scenarios/controlled-shutdown.json"),
    ),
    (
        "zk-controlled-shutdown",
        include_str!("../../static/scenarios/zk-controlled-shutdown.json"),
    ),
];

#[cfg(any(test, not(target_arch = "wasm32")))]
fn document(name: &str) -> Option<String> {
    EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text.to_string())
}

/// The document served beside the page. A synchronous request: the library is a handful of
/// small local files, and loading one is part of the action that needs it (pick, restore).
#[cfg(all(not(test), target_arch = "wasm32"))]
fn document(name: &str) -> Option<String> {
    let xhr = web_sys::XmlHttpRequest::new().ok()?;
    xhr.open_with_async("GET", &format!("scenarios/{name}.json"), false)
        .ok()?;
    xhr.send().ok()?;
    if xhr.status().ok()? != 200 {
        return None;
    }
    xhr.response_text().ok()?
}

thread_local! {
    /// Each document is fetched and parsed once.
    static CACHE: RefCell<BTreeMap<String, Option<Scenario>>> = const { RefCell::new(BTreeMap::new()) };
}

pub fn load(name: &str) -> Option<Scenario> {
    if !NAMES.contains(&name) {
        return None;
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(name.to_string())
            .or_insert_with(|| document(name).and_then(|t| Scenario::from_json(&t).ok()))
            .clone()
    })
}

/// The localized text of a field like `goal` or `outcome`.
pub fn text(scenario: &Scenario, field: &str, lang: crate::i18n::Lang) -> Option<String> {
    let v = scenario.doc.get(field)?;
    v.get(lang.code())
        .or_else(|| v.get("en"))
        .or(Some(v))
        .and_then(|x| x.as_str())
        .map(str::to_string)
}

/// A scenario's experiments ("try it with …", the `try` field): each re-runs it with one
/// config change. Their localized labels, in order.
pub fn experiments(scenario: &Scenario, lang: crate::i18n::Lang) -> Vec<String> {
    let Some(list) = scenario.doc.get("try").and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .map(|x| {
            let label = &x["label"];
            label
                .get(lang.code())
                .or_else(|| label.get("en"))
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

/// The scenario with experiment `i`'s config merged into its cluster's config: loaded (and so
/// checked) like any scenario; None if the experiment does not exist or makes it invalid.
pub fn with_experiment(name: &str, i: usize) -> Option<Scenario> {
    let base = load(name)?;
    let change = base
        .doc
        .get("try")?
        .get(i)?
        .get("config")?
        .as_object()?
        .clone();
    let mut doc = base.doc.clone();
    let config = doc
        .get_mut("cluster")?
        .as_object_mut()?
        .entry("config")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    let config = config.as_object_mut()?;
    for (k, v) in change {
        config.insert(k, v);
    }
    Scenario::from_value(doc).ok()
}

/// The config changes of experiment `i`, as `key = value` (shown beside the title).
pub fn experiment_summary(scenario_doc: &serde_json::Value, i: usize) -> String {
    scenario_doc
        .get("try")
        .and_then(|t| t.get(i))
        .and_then(|x| x.get("config"))
        .and_then(|c| c.as_object())
        .map(|c| {
            c.iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
