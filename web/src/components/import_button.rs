//! The Import button: a file picker that hands the file's text up as a message.

use crate::state::Msg;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ImportProps {
    pub on: Callback<Msg>,
    pub label: String,
}

/// A file picker that hands the file's text up as `Msg::Import`.
#[function_component(ImportButton)]
pub fn import_button(p: &ImportProps) -> Html {
    let on = p.on.clone();
    let onchange = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        let Ok(reader) = web_sys::FileReader::new() else {
            return;
        };
        let on = on.clone();
        let r = reader.clone();
        let onload = wasm_bindgen::closure::Closure::once(move |_: web_sys::Event| {
            let text = r
                .result()
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            on.emit(Msg::Import(text));
        });
        reader.set_onload(Some(onload.as_ref().unchecked_ref()));
        onload.forget();
        let _ = reader.read_as_text(&file);
        input.set_value("");
    });
    html! {
        <label class="import">
            <span class="button">{ &p.label }</span>
            <input type="file" accept="application/json,.json" data-action="import" onchange={onchange} />
        </label>
    }
}
