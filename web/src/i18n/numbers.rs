//! Numbers as the page writes them.

/// Virtual milliseconds as seconds with `places` decimals (0 to 3), in integer arithmetic.
pub fn seconds(ms: u64, places: u32) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    match places {
        0 => whole.to_string(),
        1 => format!("{whole}.{}", frac / 100),
        2 => format!("{whole}.{:02}", frac / 10),
        _ => format!("{whole}.{frac:03}"),
    }
}
