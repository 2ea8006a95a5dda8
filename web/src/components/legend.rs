//! The legend: every mark on the stage and in the logs, with a small drawing of it.

use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Msg};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub lang: Lang,
    pub open: bool,
}

#[function_component(Legend)]
pub fn legend(p: &LegendProps) -> Html {
    let on = use_dispatch();
    let (lang, open) = (p.lang, p.open);
    html! {
        <div class={classes!("menu", "legend", open.then_some("open"))} data-testid="legend">
            <button class="toggle" data-action="legend" aria-expanded={open.to_string()}
                    onclick={Callback::from(move |_| on.emit(Msg::Legend(!open)))}>
                { format!("{} {}", if open { "▾" } else { "▸" }, t(lang, "legend")) }
            </button>
            if open {
            <ul>
                { for crate::i18n::legend(lang).into_iter().map(|row| html! {
                    <li>
                        <svg class={classes!("swatch", row.swatch.split(' ').map(str::to_string).collect::<Vec<_>>())} viewBox="0 0 28 18" width="28" height="18" aria-hidden="true">
                            <circle class="dot" cx="14" cy="9" r="6" />
                            <line class="ln" x1="2" y1="9" x2="26" y2="9" />
                            <rect class="cellbox" x="7" y="2" width="14" height="14" rx="2" />
                        </svg>
                        <span>{ row.text }</span>
                    </li>
                }) }
            </ul>
            }
        </div>
    }
}
