//! Time: play, pause, step, step to the next event of a kind, speed, and the timeline.

use super::button::button;
use crate::i18n::{seconds, t, Lang};
use crate::state::{use_dispatch, Msg, NextKind};
use kraft_core::Time;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The speeds offered, in virtual milliseconds per wall millisecond.
const SPEEDS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0];

#[derive(Properties, PartialEq)]
pub struct TimeControlsProps {
    pub lang: Lang,
    pub playing: bool,
    pub speed: f64,
    pub now: Time,
    pub horizon: Time,
}

/// The buttons and the speed above the timeline (while playing, only the timeline moves).
#[function_component(TimeControls)]
pub fn time_controls(p: &TimeControlsProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let on_seek = Callback::from(move |e: InputEvent| {
        if let Ok(v) = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse::<u64>()
        {
            on.emit(Msg::Seek(v));
        }
    });
    html! {
        <div class="time-controls">
            <TimeButtons lang={lang} playing={p.playing} speed={p.speed} />
            <div class="timeline-row">
                <span>{ t(lang, "time") }</span>
                <input type="range" data-testid="timeline" min="0" max={p.horizon.to_string()} step="1"
                       value={p.now.to_string()} oninput={on_seek} aria-label={t(lang, "timeline")} />
                <span class="time-label" data-testid="time">{ format!("{} / {} s", seconds(p.now, 3), seconds(p.horizon, 3)) }</span>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TimeButtonsProps {
    lang: Lang,
    playing: bool,
    speed: f64,
}

#[function_component(TimeButtons)]
fn time_buttons(p: &TimeButtonsProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let on_speed = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value()
                .parse::<f64>()
            {
                on.emit(Msg::Speed(v));
            }
        })
    };
    html! {
        <div class="buttons">
            { button(t(lang, "play"), "play", &on, Msg::Play, p.playing) }
            { button(t(lang, "pause"), "pause-time", &on, Msg::Pause, !p.playing) }
            { button(t(lang, "step-back"), "step-back", &on, Msg::StepBack, false) }
            { button(t(lang, "step"), "step", &on, Msg::Step, false) }
            { button(t(lang, "next-election"), "next-election", &on, Msg::Next(NextKind::Election), false) }
            { button(t(lang, "next-hw"), "next-hw", &on, Msg::Next(NextKind::HighWatermark), false) }
            { button(t(lang, "next-snapshot"), "next-snapshot", &on, Msg::Next(NextKind::Snapshot), false) }
            <label class="speed">{ t(lang, "speed") }
                <select data-testid="speed" onchange={on_speed}>
                    { for SPEEDS.iter().map(|s| html! {
                        <option value={s.to_string()} selected={(p.speed - s).abs() < 1e-9}>{ format!("{s}×") }</option>
                    }) }
                </select>
            </label>
        </div>
    }
}
