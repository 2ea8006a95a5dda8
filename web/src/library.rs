//! The built-in scenario library: the JSON files of `static/scenarios/`, compiled in so the page
//! needs no extra requests and a broken file fails the build's tests, not a learner's page.

use kraft_core::scenario::Scenario;

/// (name, document). The order is the teaching order.
pub const SCENARIOS: &[(&str, &str)] = &[
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
];

pub fn load(name: &str) -> Option<Scenario> {
    SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, text)| Scenario::from_json(text).ok())
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
