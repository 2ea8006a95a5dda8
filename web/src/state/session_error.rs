//! Why a saved session (a file, a link or the browser's storage) is refused, and the length it
//! is held to.

use crate::i18n::Lang;
use kraft_core::Time;

/// Longest session restored from a file or link: a day of virtual time.
pub const MAX_SESSION_MS: Time = 86_400_000;

/// Why a saved session (file, link or storage) is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionError {
    Version(u32),
    Speed,
    TooLong,
}

impl SessionError {
    pub fn text(&self, lang: Lang) -> String {
        let hours = MAX_SESSION_MS / 3_600_000;
        match (self, lang) {
            (SessionError::Version(v), Lang::En) => format!("unsupported session version {v}"),
            (SessionError::Version(v), Lang::Zh) => format!("不支持的会话版本 {v}"),
            (SessionError::Speed, Lang::En) => "speed out of range".into(),
            (SessionError::Speed, Lang::Zh) => "速度超出范围".into(),
            (SessionError::TooLong, Lang::En) => {
                format!(
                    "the session is longer than the playground replays ({hours} h of virtual time)"
                )
            }
            (SessionError::TooLong, Lang::Zh) => {
                format!("会话太长，演练场只重放 {hours} 小时以内的虚拟时间")
            }
        }
    }
}
