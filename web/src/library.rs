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
        "log-repair",
        include_str!("../../static/scenarios/log-repair.json"),
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
