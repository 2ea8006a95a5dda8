//! KRaft Playground in the browser: the Yew UI over `kraft-core`.

mod app;
mod clock;
mod components;
mod i18n;
mod keyboard;
mod library;
mod page;
mod state;
mod storage;
mod test_hooks;
#[cfg(test)]
mod tests;

/// The paths the unit tests (tests.rs) name the state and the explorer by.
#[cfg(test)]
mod model {
    pub use crate::state::{Model, Settings, CHECKPOINT_MS};
}
#[cfg(test)]
mod player {
    pub use crate::state::Player;
}
#[cfg(test)]
mod store {
    pub use crate::state::{update, Msg};
}
#[cfg(test)]
use components::explorer;

/// A panic in wasm kills the page: at least say so, readably, instead of freezing.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = format!("KRaft Playground hit an internal error and stopped: {info}. Reload the page; your session was saved.");
        web_sys::console::error_1(&text.clone().into());
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Ok(div) = doc.create_element("div") {
                div.set_class_name("panic");
                div.set_attribute("role", "alert").ok();
                div.set_attribute("data-testid", "panic").ok();
                div.set_text_content(Some(&text));
                if let Some(body) = doc.body() {
                    let _ = body.append_child(&div);
                }
            }
        }
    }));
}

fn main() {
    install_panic_hook();
    yew::Renderer::<app::App>::new().render();
}
