//! Side by side: a KRaft cluster and a ZooKeeper-mode cluster on the same seed and clock, each
//! action the learner takes applied to both (the state is `state::SideBySide`), and a readout of
//! how long each side's partitions could not change leader after its controller crashed.

mod side;

use crate::i18n::{seconds, t, Lang};
use crate::state::{use_dispatch, Msg, SideBySide, PARTITION_CHOICES};
use kraft_core::protocol::ClusterMode;
use kraft_core::sim::twins::TwinAction;
use kraft_core::{NodeId, Time};
use side::{bar_view, picture, side_view, thousands, SideView};
use yew::prelude::*;

/// The view's controls and both sides, read from the side-by-side state.
#[derive(Clone, PartialEq)]
pub struct SideBySideView {
    pub partitions: u32,
    pub now: Time,
    /// Set up and caught up: the buttons act.
    pub ready: bool,
    pub behind: bool,
    pub busy: bool,
    pub playing: bool,
    pub speed: f64,
    /// A controller is down on a side (after a crash, before its restart).
    pub crashed: bool,
    /// The scale of both failover bars: the longer wait.
    pub scale_ms: Time,
    pub sides: Vec<SideView>,
    /// The brokers (the same ids on both sides), and whether each is down on both.
    pub brokers: Vec<(NodeId, bool)>,
}

/// What the view shows of the side-by-side state.
pub fn side_by_side(v: &SideBySide, lang: Lang) -> SideBySideView {
    let now = v.twins.now();
    let sides = &v.twins.sides;
    SideBySideView {
        partitions: v.twins.partitions(),
        now,
        ready: v.ready(),
        behind: v.behind,
        busy: v.busy(),
        playing: v.playing,
        speed: v.speed,
        crashed: sides.iter().any(|s| {
            s.failover
                .is_some_and(|f| s.sim.node(f.crashed).is_some_and(|n| !n.alive))
        }),
        scale_ms: sides
            .iter()
            .filter_map(|s| s.failover.map(|f| f.waited_ms(now)))
            .max()
            .unwrap_or(1),
        sides: sides.iter().map(|s| side_view(s, now, lang)).collect(),
        brokers: sides[1]
            .sim
            .spec()
            .brokers
            .iter()
            .map(|b| {
                let down = sides
                    .iter()
                    .all(|s| s.sim.node(*b).is_some_and(|n| !n.alive));
                (*b, down)
            })
            .collect(),
    }
}

fn mode_name(mode: ClusterMode) -> &'static str {
    match mode {
        ClusterMode::Kraft => "kraft",
        ClusterMode::Zookeeper => "zookeeper",
    }
}

#[derive(Properties, PartialEq)]
pub struct SideBySideProps {
    pub lang: Lang,
    pub view: SideBySideView,
}

#[function_component(SideBySidePanel)]
pub fn side_by_side_panel(p: &SideBySideProps) -> Html {
    let on = use_dispatch();
    let (lang, v) = (p.lang, &p.view);
    let (now, ready, partitions) = (v.now, v.ready, v.partitions);
    let act = |a: TwinAction| {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::SideBySideAct(a)))
    };
    let on_partitions = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Ok(p) = v.parse::<u32>() {
                on.emit(Msg::SideBySide(Some(p)));
            }
        })
    };
    let on_speed = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Ok(s) = v.parse::<f64>() {
                on.emit(Msg::SideBySideSpeed(s));
            }
        })
    };
    let play = {
        let on = on.clone();
        let playing = v.playing;
        Callback::from(move |_| on.emit(Msg::SideBySidePlay(!playing)))
    };
    let sides: Html = v.sides.iter().map(|s| side(lang, v.scale_ms, s)).collect();
    let broker_buttons: Html = v
        .brokers
        .iter()
        .map(|(b, down)| {
            let (a, key) = if *down {
                (TwinAction::Restart(*b), "restart")
            } else {
                (TwinAction::Crash(*b), "crash")
            };
            html! {
                <button data-action={format!("sbs-{key}-broker")} data-broker={b.to_string()}
                    disabled={!ready} onclick={act(a)}>{ format!("{} {b}", t(lang, key)) }</button>
            }
        })
        .collect();
    html! {
        <section class="side-by-side" data-testid="side-by-side" data-partitions={partitions.to_string()}
            data-time-ms={now.to_string()} data-ready={ready.to_string()} data-behind={v.behind.to_string()}>
            <div class="sbs-controls">
                <h2>{ t(lang, "sbs-title") }</h2>
                <label>{ t(lang, "sbs-partitions") }
                    <select data-testid="sbs-partitions" onchange={on_partitions}>
                        { for PARTITION_CHOICES.iter().map(|p| html! {
                            <option value={p.to_string()} selected={*p == partitions}>{ thousands(*p as usize) }</option>
                        }) }
                    </select>
                </label>
                <button data-action="sbs-crash-controller" disabled={!ready || v.crashed}
                    onclick={act(TwinAction::CrashController)}>{ t(lang, "sbs-crash-controller") }</button>
                <button data-action="sbs-restart-controller" disabled={!ready || !v.crashed}
                    onclick={act(TwinAction::RestartController)}>{ t(lang, "sbs-restart-controller") }</button>
                { broker_buttons }
                <button data-action="sbs-play" onclick={play}>{ t(lang, if v.playing { "pause" } else { "play" }) }</button>
                <label>{ t(lang, "speed") }
                    <select data-testid="sbs-speed" onchange={on_speed}>
                        { for [1.0, 4.0, 16.0, 64.0].iter().map(|s| html! {
                            <option value={s.to_string()} selected={(*s - v.speed).abs() < 1e-9}>{ format!("{s}×") }</option>
                        }) }
                    </select>
                </label>
                <span class="sbs-clock">{ format!("t = {} s", seconds(now, 1)) }</span>
                if v.behind {
                    <span class="sbs-behind">{ t(lang, "sbs-behind") }</span>
                }
                if v.busy {
                    <span class="sbs-busy">{ t(lang, "sbs-busy") }</span>
                }
            </div>
            <p class="hint">{ t(lang, "sbs-hint") }</p>
            <div class="sbs-sides">{ sides }</div>
        </section>
    }
}

/// One side: its readout, bar, picture and facts.
fn side(lang: Lang, scale_ms: Time, s: &SideView) -> Html {
    let waiting = s.waiting_ms.is_some();
    html! {
        <div class="sbs-side" data-mode={mode_name(s.mode)}
            data-stage={format!("{:?}", s.stage).to_lowercase()}
            data-controller={s.controller.map_or(String::new(), |(c, _)| c.to_string())}
            data-controller-ready={s.controller_ready.to_string()}
            data-crashed={s.crashed.map_or(String::new(), |c| c.to_string())}
            data-failover-ms={s.failover_ms.map(|ms| ms.to_string()).unwrap_or_default()}
            data-waiting-ms={s.waiting_ms.map_or(String::new(), |ms| ms.to_string())}
            data-offline={s.offline.map_or(String::new(), |o| o.to_string())}>
            <h3>{ match s.mode { ClusterMode::Kraft => "KRaft", ClusterMode::Zookeeper => t(lang, "sbs-zk-title") } }</h3>
            <div class={if waiting { "sbs-readout waiting" } else { "sbs-readout" }}>
                <div class="big">{ s.big.clone() }</div>
                <div class="small">{ s.small.clone() }</div>
                { for s.bar.as_ref().map(|b| bar_view(b, scale_ms, lang)) }
            </div>
            { picture(s, lang) }
            <div class="sbs-facts">
                { format!("{} {} · {} {}",
                    t(lang, "sbs-controller"),
                    s.controller.map_or("—".to_string(), |(c, e)| format!("{c} ({} {e})", t(lang, "sbs-epoch"))),
                    t(lang, "sbs-offline"),
                    s.offline.map_or("—".to_string(), thousands)) }
            </div>
        </div>
    }
}
