//! The colour of a leader epoch, shared by every log the page draws.

use kraft_core::Epoch;

/// Ten soft colours, far apart, so neighbouring epochs never look alike (dark digits stay legible).
const EPOCH_COLOURS: [&str; 10] = [
    "#8fb8e8", "#f6b26b", "#93d096", "#ef9a9a", "#c3a6e8", "#d7b899", "#f4a6d7", "#86d4cf",
    "#d4d67a", "#b8c0cc",
];

pub fn epoch_colour(epoch: Epoch) -> String {
    EPOCH_COLOURS[(epoch as u64 % EPOCH_COLOURS.len() as u64) as usize].to_string()
}
