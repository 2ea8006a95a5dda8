//! The store: a Yew reducer that owns the model and applies the messages the views send up. The
//! root component holds it and hands each view the props it needs; the views send messages back
//! through the dispatcher they find in context.

use super::model::Model;
use super::msg::Msg;
use super::update::update;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The model behind a stable `Rc` (hooks and timers keep it), and a version that changes with
/// every message so that the root re-renders.
pub struct Store {
    pub model: Rc<RefCell<Model>>,
    pub version: u64,
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.model, &other.model)
    }
}

impl Reducible for Store {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        update(&mut self.model.borrow_mut(), msg);
        Rc::new(Store {
            model: self.model.clone(),
            version: self.version + 1,
        })
    }
}

pub type StoreHandle = UseReducerHandle<Store>;

/// The store from context, and a callback that dispatches to it.
#[hook]
pub fn use_store() -> (StoreHandle, Callback<Msg>) {
    let store = use_context::<StoreHandle>().expect("the App provides the store");
    let dispatcher = store.dispatcher();
    (store, Callback::from(move |m: Msg| dispatcher.dispatch(m)))
}
