//! Charts drawn with plotters on a canvas, from core's trace (so they agree with the timeline):
//! HW and LEO of each controller over time with elections marked, and messages per second by RPC.

use crate::i18n::{t, Lang};
use crate::state::ModelRef;
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use kraft_core::TraceKind;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use std::collections::BTreeMap;
use std::ops::Range;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// How much virtual time the charts show (the trace ring may hold less).
const WINDOW_S: f64 = 60.0;

type Points = Vec<(f64, f64)>;

#[derive(Default)]
pub struct Series {
    pub hw: BTreeMap<NodeId, Points>,
    pub leo: BTreeMap<NodeId, Points>,
    pub elections: Vec<f64>,
    /// RPC name → messages sent in each whole second.
    pub rpcs: BTreeMap<&'static str, BTreeMap<i64, u32>>,
    pub from: f64,
    pub to: f64,
}

/// Reads the series from the trace: every HW, LEO and election event carries absolute values.
pub fn series(sim: &Simulation) -> Series {
    let controllers: Vec<NodeId> = sim.spec().controllers.clone();
    let to = sim.now() as f64 / 1000.0;
    let from = (to - WINDOW_S).max(
        sim.trace()
            .events()
            .next()
            .map_or(0.0, |e| e.time as f64 / 1000.0),
    );
    let mut s = Series {
        from,
        to,
        ..Default::default()
    };
    for e in sim.trace().events() {
        let at = e.time as f64 / 1000.0;
        if at < from {
            continue;
        }
        let is_controller = |n: &NodeId| controllers.contains(n);
        match &e.kind {
            TraceKind::HighWatermark { node, hw } if is_controller(node) => {
                s.hw.entry(*node).or_default().push((at, *hw as f64))
            }
            TraceKind::Append {
                node, first, count, ..
            } if is_controller(node) => s
                .leo
                .entry(*node)
                .or_default()
                .push((at, (first + count) as f64)),
            TraceKind::Truncate { node, to, .. } if is_controller(node) => {
                s.leo.entry(*node).or_default().push((at, *to as f64))
            }
            TraceKind::SnapshotLoaded { node, id, .. } if is_controller(node) => s
                .leo
                .entry(*node)
                .or_default()
                .push((at, id.end_offset as f64)),
            TraceKind::Role {
                to: kraft_core::Role::Leader,
                ..
            } => s.elections.push(at),
            TraceKind::Send { msg, .. } => {
                *s.rpcs
                    .entry(msg.rpc())
                    .or_default()
                    .entry(at.floor() as i64)
                    .or_default() += 1
            }
            _ => {}
        }
    }
    s
}

fn palette(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(43, 89, 195),
        RGBColor(214, 96, 39),
        RGBColor(47, 138, 76),
        RGBColor(155, 107, 211),
        RGBColor(200, 60, 60),
        RGBColor(18, 163, 154),
        RGBColor(120, 120, 40),
        RGBColor(90, 90, 90),
    ];
    C[i % C.len()]
}

pub(crate) type Chart<'a> =
    ChartContext<'a, CanvasBackend, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Legend entries a chart collects while it draws: a label and its line style.
pub(crate) type Legend = Vec<(String, ShapeStyle)>;

/// The legend column, right of the plot (the legend never covers the newest data): at least
/// this wide, wider for long labels (Kafka's RPC names run long), at most this part of the canvas.
const LEGEND_MIN_W: u32 = 112;
const LEGEND_MAX_PART: f64 = 0.4;
/// Room in the legend column left of a label: the line that stands for its series.
const LEGEND_SWATCH_W: u32 = 28;

/// The frame both charts share: white canvas, caption, axes over `x` × `y`, the series `draw`
/// adds, and their legend (`labels`, in order) in a column of its own.
pub(crate) fn plot(
    canvas: HtmlCanvasElement,
    title: &str,
    x_desc: &str,
    (x, y): (Range<f64>, Range<f64>),
    labels: &[String],
    draw: impl FnOnce(&mut Chart, &mut Legend) -> Option<()>,
) -> Option<()> {
    let root = CanvasBackend::with_canvas_object(canvas)?.into_drawing_area();
    root.fill(&WHITE).ok()?;
    let (w, h) = root.dim_in_pixel();
    let font = TextStyle::from(("sans-serif", 11).into_font());
    let widest = labels
        .iter()
        .filter_map(|l| root.estimate_text_size(l, &font).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    let legend_w = (widest + LEGEND_SWATCH_W)
        .max(LEGEND_MIN_W)
        .min((w as f64 * LEGEND_MAX_PART) as u32);
    let (left, right) = root.split_horizontally(w.saturating_sub(legend_w));
    let mut chart = ChartBuilder::on(&left)
        .caption(title, ("sans-serif", 14))
        .margin(6)
        // The axis' name sits under its tick labels, not across them.
        .x_label_area_size(if x_desc.is_empty() { 22 } else { 36 })
        .y_label_area_size(40)
        .build_cartesian_2d(x, y)
        .ok()?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_label_formatter(&|v| {
            if v.abs() >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .ok()?;
    let mut legend = Legend::new();
    draw(&mut chart, &mut legend)?;
    let rows = ((h.saturating_sub(30)) / 14) as usize;
    for (i, (label, style)) in legend.iter().enumerate() {
        let y = 30 + 14 * i as i32;
        if i + 1 == rows && legend.len() > rows {
            right
                .draw(&Text::new("…", (8, y - 5), ("sans-serif", 12)))
                .ok()?;
            break;
        }
        right
            .draw(&PathElement::new(vec![(4, y), (20, y)], *style))
            .ok()?;
        right
            .draw(&Text::new(label.clone(), (24, y - 6), font.clone()))
            .ok()?;
    }
    root.present().ok()
}

/// A line with a legend entry.
pub(crate) fn line(
    chart: &mut Chart,
    legend: &mut Legend,
    pts: Vec<(f64, f64)>,
    style: ShapeStyle,
    label: String,
) -> Option<()> {
    chart.draw_series(LineSeries::new(pts, style)).ok()?;
    legend.push((label, style));
    Some(())
}

fn draw_offsets(canvas: HtmlCanvasElement, s: &Series, title: &str) -> Option<()> {
    let max_y = s
        .leo
        .values()
        .chain(s.hw.values())
        .flatten()
        .map(|p| p.1)
        .fold(1.0, f64::max)
        * 1.05;
    let min_y =
        s.hw.values()
            .flatten()
            .map(|p| p.1)
            .fold(max_y, f64::min)
            .min(max_y - 1.0)
            .max(0.0);
    let labels: Vec<String> = (s.leo.keys().map(|n| format!("{n} LEO")))
        .chain(s.hw.keys().map(|n| format!("{n} HW")))
        .collect();
    plot(
        canvas,
        title,
        "s",
        (s.from..s.to.max(s.from + 1.0), min_y..max_y),
        &labels,
        |chart, legend| {
            for (i, (node, pts)) in s.leo.iter().enumerate() {
                line(
                    chart,
                    legend,
                    pts.clone(),
                    palette(i).mix(0.45).stroke_width(1),
                    format!("{node} LEO"),
                )?;
            }
            for (i, (node, pts)) in s.hw.iter().enumerate() {
                line(
                    chart,
                    legend,
                    pts.clone(),
                    palette(i).stroke_width(2),
                    format!("{node} HW"),
                )?;
            }
            for at in &s.elections {
                chart
                    .draw_series(LineSeries::new(
                        vec![(*at, min_y), (*at, max_y)],
                        RED.mix(0.6).stroke_width(1),
                    ))
                    .ok()?;
            }
            Some(())
        },
    )
}

fn draw_rpcs(canvas: HtmlCanvasElement, s: &Series, title: &str) -> Option<()> {
    let max_y = s
        .rpcs
        .values()
        .flat_map(|m| m.values())
        .copied()
        .max()
        .unwrap_or(1) as f64
        * 1.1;
    // The busiest RPCs, so the chart stays readable.
    let mut busiest: Vec<(&&str, u32)> =
        s.rpcs.iter().map(|(k, m)| (k, m.values().sum())).collect();
    busiest.sort_by_key(|b| std::cmp::Reverse(b.1));
    busiest.truncate(7);
    let labels: Vec<String> = busiest.iter().map(|(rpc, _)| rpc.to_string()).collect();
    plot(
        canvas,
        title,
        "s",
        (s.from..s.to.max(s.from + 1.0), 0.0..max_y.max(1.0)),
        &labels,
        |chart, legend| {
            for (i, (rpc, _)) in busiest.iter().enumerate() {
                let pts = s.rpcs[**rpc]
                    .iter()
                    .map(|(sec, n)| (*sec as f64 + 0.5, *n as f64))
                    .collect();
                line(
                    chart,
                    legend,
                    pts,
                    palette(i).stroke_width(2),
                    rpc.to_string(),
                )?;
            }
            Some(())
        },
    )
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub lang: Lang,
    /// Read when the charts are drawn.
    pub model: ModelRef,
    /// Changes with every change to the model: the charts follow.
    pub version: u64,
}

#[function_component(Charts)]
pub fn charts(p: &ChartsProps) -> Html {
    let offsets = use_node_ref();
    let rpcs = use_node_ref();
    let last_draw = use_mut_ref(|| 0.0f64);
    // Drawing is deferred to a timeout (one pending at a time), so a seek or a step shows the
    // cluster at once and the charts follow; while playing, a few redraws a second are plenty.
    let pending = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    {
        let (offsets, rpcs, model, last_draw, pending) = (
            offsets.clone(),
            rpcs.clone(),
            p.model.0.clone(),
            last_draw.clone(),
            pending.clone(),
        );
        use_effect_with(p.version, move |_| {
            let playing = model.borrow().playing;
            let now = js_sys::Date::now();
            let due = !playing || now - *last_draw.borrow() > 250.0;
            if due && pending.borrow().is_none() {
                let slot = pending.clone();
                let timeout =
                    gloo_timers::callback::Timeout::new(if playing { 0 } else { 30 }, move || {
                        slot.borrow_mut().take();
                        *last_draw.borrow_mut() = js_sys::Date::now();
                        let m = model.borrow();
                        let s = series(m.sim());
                        if let Some(c) = offsets.cast::<HtmlCanvasElement>() {
                            draw_offsets(c, &s, t(m.lang, "chart-offsets"));
                        }
                        if let Some(c) = rpcs.cast::<HtmlCanvasElement>() {
                            draw_rpcs(c, &s, t(m.lang, "chart-rpcs"));
                        }
                    });
                *pending.borrow_mut() = Some(timeout);
            }
        });
    }
    html! {
        <div class="panel charts" data-testid="charts">
            <h2>{ t(p.lang, "charts") }</h2>
            <canvas ref={offsets} width="620" height="260" data-chart="offsets"></canvas>
            <canvas ref={rpcs} width="620" height="260" data-chart="rpcs"></canvas>
        </div>
    }
}
