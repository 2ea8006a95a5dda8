//! KRaft Playground in the browser: the Yew UI over `kraft-core`.

mod app;
mod charts;
mod cluster;
mod controls;
mod event_groups;
mod explorer;
mod hooks;
mod i18n;
mod library;
mod model;
mod panels;
mod placement;
mod player;
mod replicas;
mod side_by_side;
mod stage_logs;
mod stage_partitions;
mod storage;
mod store;
mod svg;
#[cfg(test)]
mod tests;
mod why_kraft;

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
