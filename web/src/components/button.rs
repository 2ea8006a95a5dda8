//! A button that sends one message: most of the page's buttons.

use crate::state::Msg;
use yew::prelude::*;

pub fn button(label: &str, action: &str, on: &Callback<Msg>, msg: Msg, disabled: bool) -> Html {
    let on = on.clone();
    html! {
        <button data-action={action.to_string()} disabled={disabled}
                onclick={Callback::from(move |_| on.emit(msg.clone()))}>{ label }</button>
    }
}
