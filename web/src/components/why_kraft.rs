//! "Why KRaft", measured: the page runs a controller failover in both modes at a few partition
//! counts (core's `sim::failover`, the same runs `kraft-sim bench --failover` makes) and plots
//! the time until a new controller can elect partition leaders against the partition count.
//! Nothing here is a constant or a formula: every point is a simulation run.

use super::charts::{line, plot};
use crate::i18n::{t, Lang};
use kraft_core::protocol::ClusterMode;
use kraft_core::sim::failover::{measure, FailoverPoint};
use plotters::prelude::*;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Partition counts the page measures (each run takes a fraction of a second in the browser;
/// `kraft-sim bench --failover` goes to 100,000).
const COUNTS: [u32; 4] = [100, 500, 1000, 2000];

#[derive(Clone, Debug, PartialEq)]
struct Row {
    partitions: u32,
    kraft: Option<FailoverPoint>,
    zookeeper: Option<FailoverPoint>,
}

fn secs(p: Option<FailoverPoint>, load: bool) -> Option<f64> {
    p.map(|p| (if load { p.load_ms } else { p.virtual_ms }) as f64 / 1000.0)
}

fn draw(canvas: HtmlCanvasElement, rows: &[Row], lang: Lang) -> Option<()> {
    let max_x = rows.iter().map(|r| r.partitions).max().unwrap_or(1) as f64;
    let max_y = rows
        .iter()
        .flat_map(|r| [secs(r.zookeeper, false), secs(r.kraft, false)])
        .flatten()
        .fold(1.0, f64::max)
        * 1.15;
    let series = |f: &dyn Fn(&Row) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| Some((r.partitions as f64, f(r)?)))
            .collect()
    };
    let labels: Vec<String> = ["zk-failover", "zk-load", "kraft-failover"]
        .iter()
        .map(|k| t(lang, k).to_string())
        .collect();
    plot(
        canvas,
        t(lang, "why-kraft-chart"),
        "",
        (0.0..max_x * 1.05, 0.0..max_y),
        &labels,
        |chart, legend| {
            let zk = RGBColor(0xc0, 0x39, 0x2b);
            let load = RGBColor(0xe6, 0x7e, 0x22);
            let kraft = RGBColor(0x2d, 0x6c, 0xdf);
            for (pts, style, label) in [
                (
                    series(&|r| secs(r.zookeeper, false)),
                    zk.stroke_width(2),
                    "zk-failover",
                ),
                (
                    series(&|r| secs(r.zookeeper, true)),
                    load.stroke_width(2),
                    "zk-load",
                ),
                (
                    series(&|r| secs(r.kraft, false)),
                    kraft.stroke_width(2),
                    "kraft-failover",
                ),
            ] {
                chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 3, style.filled())))
                    .ok()?;
                line(chart, legend, pts, style, t(lang, label).to_string())?;
            }
            Some(())
        },
    )
}

#[derive(Properties, PartialEq)]
pub struct WhyKraftProps {
    pub lang: Lang,
}

#[function_component(WhyKraft)]
pub fn why_kraft(p: &WhyKraftProps) -> Html {
    let lang = p.lang;
    let canvas = use_node_ref();
    let rows = use_state(|| None::<Vec<Row>>);
    let measuring = use_state(|| false);
    let on_measure = {
        let (rows, measuring) = (rows.clone(), measuring.clone());
        Callback::from(move |_| {
            measuring.set(true);
            let (rows, measuring) = (rows.clone(), measuring.clone());
            // After a repaint, so the button can say it is measuring.
            gloo_timers::callback::Timeout::new(20, move || {
                let measured = COUNTS
                    .iter()
                    .map(|&p| Row {
                        partitions: p,
                        kraft: measure(ClusterMode::Kraft, p, 1),
                        zookeeper: measure(ClusterMode::Zookeeper, p, 1),
                    })
                    .collect();
                rows.set(Some(measured));
                measuring.set(false);
            })
            .forget();
        })
    };
    {
        let (canvas, rows) = (canvas.clone(), rows.clone());
        use_effect_with(((*rows).clone(), lang), move |_| {
            if let (Some(r), Some(c)) = (rows.as_ref(), canvas.cast::<HtmlCanvasElement>()) {
                draw(c, r, lang);
            }
        });
    }
    let attr = |f: &dyn Fn(&Row) -> Option<u64>| {
        rows.as_ref().map(|r| {
            r.iter()
                .map(|row| f(row).map_or("-".to_string(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    html! {
        <div class="panel why-kraft" data-testid="why-kraft">
            <h2>{ t(lang, "why-kraft") }</h2>
            <p class="hint">{ t(lang, "why-kraft-hint") }</p>
            <button data-action="measure-failover" onclick={on_measure} disabled={*measuring}>
                { t(lang, if *measuring { "measuring" } else { "measure-failover" }) }
            </button>
            if rows.is_some() {
                <canvas ref={canvas} width="500" height="260" data-chart="failover"
                    data-partitions={COUNTS.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")}
                    data-kraft-ms={attr(&|r| r.kraft.map(|p| p.virtual_ms))}
                    data-zookeeper-ms={attr(&|r| r.zookeeper.map(|p| p.virtual_ms))}
                    data-zookeeper-load-ms={attr(&|r| r.zookeeper.map(|p| p.load_ms))}
                    data-zookeeper-calls={attr(&|r| r.zookeeper.map(|p| p.zk_calls))}></canvas>
            }
        </div>
    }
}
