//! The invariant panel: the safety rules broken so far, why each exists, and the unsafe switches
//! the cluster runs with.

use crate::i18n::{breach, invariant_why, seconds, t, Lang};
use kraft_core::sim::invariants::Violation;
use kraft_core::Config;
use yew::prelude::*;

/// The unsafe switches a config turns on (each a way to break a rule on purpose).
#[derive(Clone, Copy, PartialEq)]
pub struct UnsafeSwitches {
    pub commit_previous_epoch: bool,
    pub truncate_to_hw: bool,
    pub no_leader_change_record: bool,
}

impl UnsafeSwitches {
    pub fn of(cfg: &Config) -> UnsafeSwitches {
        UnsafeSwitches {
            commit_previous_epoch: cfg.unsafe_commit_previous_epoch,
            truncate_to_hw: cfg.unsafe_truncate_to_hw,
            no_leader_change_record: !cfg.leader_change_record,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ViolationsProps {
    pub lang: Lang,
    pub switches: UnsafeSwitches,
    pub violations: Vec<Violation>,
}

#[function_component(Violations)]
pub fn violations(p: &ViolationsProps) -> Html {
    let lang = p.lang;
    let mut unsafe_on = Vec::new();
    if p.switches.commit_previous_epoch {
        unsafe_on.push(("unsafe_commit_previous_epoch", t(lang, "unsafe-commit")));
    }
    if p.switches.truncate_to_hw {
        unsafe_on.push(("unsafe_truncate_to_hw", t(lang, "unsafe-truncate")));
    }
    if p.switches.no_leader_change_record {
        unsafe_on.push(("leader_change_record = false", t(lang, "no-leader-change")));
    }
    let vs = &p.violations;
    html! {
        <div class={classes!("menu", "invariants", (!vs.is_empty()).then_some("broken"))}>
            <h3>{ t(lang, "violations") }</h3>
            if !unsafe_on.is_empty() {
                <ul class="unsafe">{ for unsafe_on.iter().map(|(key, what)| html! { <li>{ format!("⚠ {}: {key}: {what}", t(lang, "unsafe")) }</li> }) }</ul>
            }
            <ul data-testid="violations">
                { for vs.iter().map(|v| html! {
                    <li class="violation" data-invariant={v.invariant}>
                        <b>{ v.invariant }</b>{ format!(" @ {} s: {}", seconds(v.time_ms, 3), breach(lang, &v.breach)) }
                        <div class="why">{ invariant_why(lang, v.breach.invariant()) }</div>
                    </li>
                }) }
            </ul>
            if vs.is_empty() { <p class="ok">{ t(lang, "no-violations") }</p> }
        </div>
    }
}
