//! All UI text in English and Chinese. The words follow one glossary (docs/glossary.md):
//! protocol identifiers (RPC and record names, config keys, Kafka error names) stay as they are.
//! `events` says each trace event in a sentence, `messages` what a message carries, `breaches`
//! what broke a safety rule, `invariants` why each rule exists, `words` core's small typed values;
//! `errors` says core's refusals.

mod breaches;
mod errors;
mod events;
mod invariants;
mod lang;
mod messages;
mod numbers;
mod stage;
mod ui;
mod words;

pub use breaches::breach;
pub use errors::{action_error, replay_error, spec_error, step_failure};
pub use events::describe;
pub use invariants::invariant_why;
pub use lang::Lang;
pub use messages::message_summary;
pub use numbers::seconds;
pub use stage::{legend, wait_text};
pub use ui::t;
pub use words::{record_kind, role_label, vote_reason};
