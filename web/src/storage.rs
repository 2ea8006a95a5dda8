//! The session outlives the page: saved to localStorage as it changes, exported and imported as
//! JSON, and packed into a share link. A bad file or link changes nothing and says why.

use crate::state::{parse_saved, to_json, Model, Notice, Saved, Settings};
use wasm_bindgen::JsCast;

const KEY: &str = "kraft-playground/session";
const SHARE_PREFIX: &str = "#s=";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The model the page starts with: a share link first, then the saved session, else a fresh one.
pub fn initial_model() -> Model {
    let mut model = Model::new(Settings::default(), crate::i18n::Lang::En);
    match from_share_link() {
        Some(Ok(saved)) => match model.restore(saved) {
            Ok(()) => return model,
            Err(_) => model.notice = Some(Notice::BadShareLink),
        },
        // A link that cannot be read says so instead of silently opening free play.
        Some(Err(())) => model.notice = Some(Notice::BadShareLink),
        None => {}
    }
    let stored = storage().and_then(|s| s.get_item(KEY).ok().flatten());
    if let Some(text) = stored {
        match parse_saved(&text)
            .map_err(|_| Notice::NotASession)
            .and_then(|s| model.restore(s))
        {
            Ok(()) => {}
            Err(e) => model.notice = Some(Notice::NotRestored(Box::new(e))),
        }
    }
    model
}

pub fn save(model: &Model) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, &to_json(&model.saved()));
    }
}

fn encode(saved: &Saved) -> Option<String> {
    let json = serde_json::to_string(saved).ok()?;
    let ascii: String = js_sys::encode_uri_component(&json).into();
    web_sys::window()?.btoa(&ascii).ok()
}

/// None without a share link; Some(Err) for one that cannot be read.
fn from_share_link() -> Option<Result<Saved, ()>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    // A link cut short before its data ("#s", "#s=") is a broken link too, not free play.
    if hash.starts_with("#s") && !hash.starts_with(SHARE_PREFIX) {
        return Some(Err(()));
    }
    let data = hash.strip_prefix(SHARE_PREFIX)?;
    Some(decode(data).ok_or(()))
}

fn decode(data: &str) -> Option<Saved> {
    let ascii = web_sys::window()?.atob(data).ok()?;
    let json: String = js_sys::decode_uri_component(&ascii).ok()?.into();
    parse_saved(&json).ok()
}

/// Puts the session in the address bar and on the clipboard (a callback's effect, not the
/// reducer's). Says what happened as a notice.
pub fn share_link(saved: &Saved) -> Notice {
    let done = (|| {
        let window = web_sys::window()?;
        let link = format!("{SHARE_PREFIX}{}", encode(saved)?);
        window.location().set_hash(&link[1..]).ok()?;
        let href = window.location().href().ok()?;
        let _ = window.navigator().clipboard().write_text(&href);
        Some(())
    })();
    match done {
        Some(()) => Notice::Say("shared"),
        None => Notice::Say("share-failed"),
    }
}

/// Saves text as a file the user downloads.
pub fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
