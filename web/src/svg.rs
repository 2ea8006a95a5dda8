//! Small SVG builders the stage shares: one copy of the code for every label, box and line
//! (a `html!` per call site costs the page's size; these are called from dozens of places).

use yew::prelude::*;

/// A coordinate with one decimal.
pub fn num(v: f64) -> String {
    format!("{v:.1}")
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
