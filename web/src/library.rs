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
