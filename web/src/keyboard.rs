//! Keyboard shortcuts: space plays or pauses, the arrows step, `?` opens the legend.

use crate::state::{Model, Msg};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

/// The listener, while it is installed; dropping it removes it.
pub struct Shortcuts {
    keydown: Closure<dyn FnMut(web_sys::KeyboardEvent)>,
}

impl Drop for Shortcuts {
    fn drop(&mut self) {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let f = self.keydown.as_ref().unchecked_ref();
            let _ = doc.remove_event_listener_with_callback("keydown", f);
        }
    }
}

/// Listens for the shortcuts on the document (not while the learner types in a field).
pub fn listen(model: Rc<RefCell<Model>>, on: Callback<Msg>) -> Shortcuts {
    let keydown =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                });
            if typing {
                return;
            }
            let playing = model.borrow().playing;
            let msg = match e.key().as_str() {
                " " => Some(if playing { Msg::Pause } else { Msg::Play }),
                "ArrowRight" => Some(Msg::Step),
                "ArrowLeft" => Some(Msg::StepBack),
                "?" => Some(Msg::Legend(!model.borrow().legend)),
                _ => None,
            };
            if let Some(msg) = msg {
                e.prevent_default();
                on.emit(msg);
            }
        });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback("keydown", keydown.as_ref().unchecked_ref());
    }
    Shortcuts { keydown }
}
