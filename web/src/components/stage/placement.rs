//! Where text goes on the stage so that no two labels overlap: node labels are placed first,
//! then each message label takes the first free spot beside its dot, or is left out (the dot
//! keeps its hover). Widths are estimated on the generous side, from the characters.

/// A label's box in stage coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Estimated width of `text` at `size` px, generously: CJK and symbols a full em, the rest 0.68 em.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.68 } else { 1.05 })
        .sum::<f64>()
        * size
}

/// The box of a centred (`text-anchor: middle`) label whose baseline is at `y`.
pub fn label_box(x: f64, y: f64, text: &str, size: f64) -> Rect {
    let w = text_width(text, size) / 2.0 + 1.5;
    Rect {
        x0: x - w,
        y0: y - size * 0.95,
        x1: x + w,
        y1: y + size * 0.3,
    }
}

#[derive(Default)]
pub struct Placer {
    taken: Vec<Rect>,
}

impl Placer {
    /// Reserves a box unconditionally (node labels, the clock, the progress box).
    pub fn reserve(&mut self, r: Rect) {
        self.taken.push(r);
    }

    /// The first of `spots` (baseline positions) where `text` fits, reserved; None if none does.
    pub fn place(&mut self, spots: &[(f64, f64)], text: &str, size: f64) -> Option<(f64, f64)> {
        for &(x, y) in spots {
            let r = label_box(x, y, text, size);
            if !self.taken.iter().any(|t| t.overlaps(&r)) {
                self.taken.push(r);
                return Some((x, y));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_goes_to_the_first_free_spot_or_nowhere() {
        let mut p = Placer::default();
        p.reserve(label_box(100.0, 100.0, "follower", 12.0));
        // Right on the reserved label: the next spot below is free.
        assert_eq!(
            p.place(&[(100.0, 100.0), (100.0, 130.0)], "Vote✓", 10.0),
            Some((100.0, 130.0))
        );
        // Both spots now taken.
        assert_eq!(p.place(&[(100.0, 100.0), (100.0, 130.0)], "+3", 10.0), None);
        // Far away: fine.
        assert_eq!(p.place(&[(400.0, 40.0)], "+3", 10.0), Some((400.0, 40.0)));
    }

    #[test]
    fn wide_characters_count_wider() {
        assert!(text_width("未屏蔽", 12.0) > text_width("abc", 12.0) * 1.5);
    }
}
