//! The scenario picker: free play or one of the library's guided scenarios.

use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Msg};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    pub lang: Lang,
    /// The scenario loaded, if any.
    pub current: Option<String>,
}

#[function_component(ScenarioPicker)]
pub fn scenario_picker(p: &ScenarioPickerProps) -> Html {
    let on = use_dispatch();
    let lang = p.lang;
    let current = p.current.as_deref().unwrap_or_default();
    let onchange = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        on.emit(Msg::Scenario((!v.is_empty()).then_some(v)));
    });
    html! {
        <label class="picker">{ t(lang, "scenario") }
            <select data-testid="scenario-picker" onchange={onchange}>
                <option value="" selected={current.is_empty()}>{ t(lang, "free-play") }</option>
                { for crate::library::NAMES.iter().map(|name| {
                    let title = crate::library::load(name).map(|s| if lang == Lang::Zh { s.title.zh } else { s.title.en }).unwrap_or_else(|| name.to_string());
                    html! { <option value={name.to_string()} selected={current == *name}>{ title }</option> }
                }) }
            </select>
        </label>
    }
}
