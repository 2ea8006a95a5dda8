//! What the page tells the learner (a refused action, a bad file or link), kept typed so that it
//! is said in the language of the moment.

use super::session_error::SessionError;
use crate::i18n::Lang;
use kraft_core::sim::{ActionError, ReplayError, SpecError};

/// Something the page tells the learner, kept typed so it is said in the current language.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A fixed sentence (an i18n key).
    Say(&'static str),
    Action(ActionError),
    Spec(SpecError),
    Replay(ReplayError),
    Session(SessionError),
    /// A file or link that is not a session; the detail (JSON position) is for the curious.
    NotASession,
    /// A share link that could not be read: the page opened without it.
    BadShareLink,
    /// The saved session could not be restored.
    NotRestored(Box<Notice>),
    /// An imported file is a session, but not one the playground can replay.
    BadImport(Box<Notice>),
    NoScenario(String),
}

impl Notice {
    pub fn text(&self, lang: Lang) -> String {
        use crate::i18n::{action_error, replay_error, spec_error, t};
        match self {
            Notice::Say(key) => t(lang, key).to_string(),
            Notice::Action(e) => action_error(lang, e),
            Notice::Spec(e) => spec_error(lang, e),
            Notice::Replay(e) => replay_error(lang, e),
            Notice::Session(e) => e.text(lang),
            Notice::NotASession => t(lang, "import-error").to_string(),
            Notice::BadShareLink => t(lang, "bad-link").to_string(),
            Notice::NotRestored(inner) => {
                format!("{}: {}", t(lang, "not-restored"), inner.text(lang))
            }
            Notice::BadImport(inner) => {
                format!("{}: {}", t(lang, "import-error"), inner.text(lang))
            }
            Notice::NoScenario(name) => format!("{}: {name}", t(lang, "no-scenario")),
        }
    }
}
