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

/// The model for the few callbacks that read it when they run (export, share, the explorer,
/// the charts): equal while it is the same model, so holding it never re-renders a view.
#[derive(Clone)]
pub struct ModelRef(pub Rc<RefCell<Model>>);

impl PartialEq for ModelRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where the views send their messages: the store's dispatcher, provided once by the root (a
/// stable callback, so the context never changes and never re-renders a view).
#[hook]
pub fn use_dispatch() -> Callback<Msg> {
    use_context::<Callback<Msg>>().unwrap_or_default()
}
