//! The narration panel of a guided scenario: its title and goal, what the narration says at the
//! cursor, what the run waits for, and the buttons that move through it.

use super::button::button;
use crate::i18n::{step_failure, t, wait_text, Lang};
use crate::state::{use_dispatch, Model, Msg};
use yew::prelude::*;

/// What the panel says, read from the player at the cursor.
#[derive(Clone, PartialEq)]
pub struct NarrationView {
    pub title: String,
    /// The experiment's config changes, when the scenario runs with one.
    pub variant: Option<String>,
    pub goal: Option<String>,
    pub outcome: Option<String>,
    /// The narration at the cursor, if one has been reached.
    pub text: Option<String>,
    /// Narrations reached, of how many.
    pub reached: usize,
    pub total: usize,
    /// The cursor is behind the engine (the learner scrubbed back).
    pub in_past: bool,
    /// What the running step waits for.
    pub waiting: Option<String>,
    pub ended: bool,
    /// The step that failed, and why.
    pub problem: Option<(usize, String)>,
    pub experiments: Vec<String>,
    pub experiment: Option<usize>,
    pub scenario: Option<String>,
    pub playing: bool,
}

/// The panel's view of the model: none in free play.
pub fn narration(m: &Model) -> Option<NarrationView> {
    let lang = m.lang;
    let player = m.player.as_ref()?;
    let s = &player.scenario;
    let tl = &m.timeline;
    let (reached, total) = player.narration_progress(tl);
    let in_past = player.in_past(tl);
    let pick = |en: &String, zh: &String| if lang == Lang::Zh { zh } else { en }.clone();
    Some(NarrationView {
        title: pick(&s.title.en, &s.title.zh),
        variant: m
            .experiment
            .map(|i| crate::library::experiment_summary(&s.doc, i)),
        goal: crate::library::text(s, "goal", lang),
        outcome: crate::library::text(s, "outcome", lang),
        text: player.narration(tl).map(|(_, t)| pick(&t.en, &t.zh)),
        reached,
        total,
        in_past,
        waiting: (!in_past)
            .then(|| player.waiting())
            .flatten()
            .map(|w| wait_text(lang, w, player.waiting_step())),
        ended: player.ended && !in_past,
        problem: player
            .problem()
            .map(|(step, problem)| (*step, step_failure(lang, problem))),
        experiments: crate::library::experiments(s, lang),
        experiment: m.experiment,
        scenario: m.scenario_name.clone(),
        playing: m.playing,
    })
}

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    pub lang: Lang,
    pub view: Option<NarrationView>,
}

#[function_component(Narration)]
pub fn narration_panel(p: &NarrationProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let Some(v) = &p.view else {
        return html! {};
    };
    let (reached, total, in_past, ended) = (v.reached, v.total, v.in_past, v.ended);
    html! {
        <div class="narration" data-testid="narration">
            <h2>{ &v.title }</h2>
            if let Some(variant) = &v.variant { <p class="variant" data-testid="experiment">{ format!("{} {variant}", t(lang, "try-it")) }</p> }
            if let Some(g) = &v.goal { <p class="goal"><b>{ t(lang, "goal") }{ ": " }</b>{ g }</p> }
            <p class="say" data-testid="narration-text" data-step={reached.to_string()}>
                { v.text.clone().unwrap_or_else(|| "…".into()) }
            </p>
            if in_past {
                <p class="reviewing" data-testid="reviewing">{ t(lang, "reviewing") }</p>
            }
            if let Some(w) = &v.waiting {
                <p class="waiting" data-testid="waiting">{ format!("⏳ {}: {w}", t(lang, "waiting")) }</p>
            }
            if ended {
                if let Some(o) = &v.outcome { <p class="outcome"><b>{ t(lang, "outcome") }{ ": " }</b>{ o }</p> }
                <p class="done" data-testid="scenario-done">{ t(lang, "scenario-ended") }</p>
            }
            if let Some((step, problem)) = &v.problem {
                <p class="problem">{ format!("{} {step}: {problem}", t(lang, "step-failed")) }</p>
            }
            <div class="buttons">
                { button(t(lang, "previous"), "narration-prev", &on, Msg::NarrationPrev, reached <= 1) }
                <span class="progress">{ format!("{reached} / {total}") }</span>
                { button(if v.playing && !in_past { t(lang, "skip") } else { t(lang, "next") }, "narration-next", &on, Msg::NarrationNext, ended) }
            </div>
            if !v.experiments.is_empty() {
                <div class="buttons experiments" data-testid="experiments">
                    <span class="muted">{ t(lang, "try-it") }</span>
                    if v.experiment.is_some() {
                        { button(t(lang, "original"), "experiment-original", &on, Msg::Scenario(v.scenario.clone()), false) }
                    }
                    { for v.experiments.iter().enumerate().map(|(i, label)| {
                        button(label, &format!("experiment-{i}"), &on, Msg::Experiment(i), v.experiment == Some(i))
                    }) }
                </div>
            }
        </div>
    }
}
