//! KRaft Playground in the browser: the Yew UI over `kraft-core`.

mod app;
mod charts;
mod clock;
mod cluster;
mod components;
mod controls;
mod event_groups;
mod explorer;
mod i18n;
mod library;
mod panels;
mod placement;
mod replicas;
mod stage_logs;
mod stage_partitions;
mod state;
mod storage;
mod svg;
mod test_hooks;
#[cfg(test)]
mod tests;
mod why_kraft;

/// The paths the unit tests (tests.rs) name the state by.
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
