//! Small SVG builders the stage shares: one copy of the code for every label, box and line
//! (a `html!` per call site costs the page's size; these are called from dozens of places).

use yew::prelude::*;

/// A coordinate with one decimal. (Integer arithmetic: fixed-precision float formatting would
/// bring its own code into the bundle for this alone.)
pub fn num(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let a = tenths.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// A coordinate rounded to a whole number.
pub fn int(v: f64) -> String {
    (v.round() as i64).to_string()
}

/// `<text class x y>text</text>`.
pub fn text(class: &'static str, x: f64, y: f64, s: String) -> Html {
    html! { <text class={class} x={num(x)} y={num(y)}>{ s }</text> }
}

/// `<rect class x y width height rx style>`.
pub fn rect(class: &'static str, x: f64, y: f64, w: f64, h: f64, style: String) -> Html {
    html! { <rect class={class} x={num(x)} y={num(y)} width={num(w)} height={num(h)} rx="2" style={style} /> }
}

/// `<line class x1 y1 x2 y2>`.
pub fn line(class: &'static str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) -> Html {
    html! { <line class={class} x1={num(x1)} y1={num(y1)} x2={num(x2)} y2={num(y2)} /> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn coordinates_and_seconds_in_integer_arithmetic() {
        assert_eq!(super::num(12.34), "12.3");
        assert_eq!(super::num(-0.26), "-0.3");
        assert_eq!(super::num(7.0), "7.0");
        assert_eq!(super::int(-3.6), "-4");
        use crate::i18n::seconds;
        assert_eq!(seconds(12_345, 3), "12.345");
        assert_eq!(seconds(12_045, 1), "12.0");
        assert_eq!(seconds(5, 3), "0.005");
        assert_eq!(seconds(9_999, 0), "9");
    }
}
