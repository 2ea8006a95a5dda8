//! The page's state, under the views: the model (the core timeline and what the learner chose),
//! the messages that change it and the store that holds it. Nothing here draws.

mod event_filter;
mod model;
mod msg;
mod notice;
mod player;
mod saved;
mod session_error;
mod settings;
mod side_by_side;
mod store;
mod update;

pub use event_filter::EventFilter;
#[cfg(test)]
pub use model::CHECKPOINT_MS;
pub use model::{Model, NextKind, Selected};
pub use msg::Msg;
pub use notice::Notice;
#[cfg(test)]
pub use player::Player;
pub use saved::{parse_saved, to_json, Saved};
pub use settings::Settings;
pub use side_by_side::{SideBySide, PARTITION_CHOICES};
pub use store::{use_dispatch, ModelRef, Store, StoreHandle};
#[cfg(test)]
pub use update::update;
