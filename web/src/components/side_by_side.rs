//! Side by side: a KRaft cluster and a ZooKeeper-mode cluster on the same seed and clock, each
//! action the learner takes applied to both (the state is `state::SideBySide`), and a readout of
//! how long each side's partitions could not change leader after its controller crashed.

use crate::i18n::{seconds, t, Lang};
use crate::state::{use_store, Msg, PARTITION_CHOICES};
use kraft_core::protocol::ClusterMode;
use kraft_core::sim::twins::{Side, Stage, TwinAction, BROKERS};
use kraft_core::{NodeId, Time};
use yew::prelude::*;

fn mode_name(mode: ClusterMode) -> &'static str {
    match mode {
        ClusterMode::Kraft => "kraft",
        ClusterMode::Zookeeper => "zookeeper",
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What one side's readout says.
fn readout(side: &Side, now: Time, lang: Lang) -> (String, String) {
    let setting_up = match side.stage {
        Stage::Starting => Some(t(lang, "sbs-starting").to_string()),
        Stage::Creating => {
            let have = match side.mode() {
                ClusterMode::Zookeeper => side.load_progress().map_or(0, |(n, _)| n),
                ClusterMode::Kraft => side
                    .sim
                    .controllers()
                    .map(|n| {
                        n.node
                            .image()
                            .topic_by_name(kraft_core::sim::twins::TOPIC)
                            .map_or(0, |t| t.partitions.len())
                    })
                    .min()
                    .unwrap_or(0),
            };
            Some(format!(
                "{} {} / {}",
                t(lang, "sbs-creating"),
                thousands(have),
                thousands(side.partitions as usize)
            ))
        }
        Stage::Ready => None,
    };
    if let Some(s) = setting_up {
        return (s, String::new());
    }
    match side.failover {
        None => (t(lang, "sbs-steady").to_string(), String::new()),
        Some(f) => {
            let waited = seconds(f.waited_ms(now), 1);
            match f.ready_at {
                Some(_) => (
                    format!("{} {waited} s", t(lang, "sbs-failover-took")),
                    match (side.mode(), f.elected_at, f.ready_at) {
                        (ClusterMode::Zookeeper, Some(e), Some(r)) => format!(
                            "{} {} s · {} {} s · {} {}",
                            t(lang, "sbs-detect"),
                            seconds(e - f.at, 1),
                            t(lang, "sbs-load"),
                            seconds(r - e, 1),
                            thousands(f.zk_calls as usize),
                            t(lang, "sbs-calls")
                        ),
                        _ => t(lang, "sbs-kraft-why").to_string(),
                    },
                ),
                None => (
                    format!("{} {waited} s", t(lang, "sbs-waiting")),
                    match (side.mode(), side.load_progress()) {
                        (ClusterMode::Zookeeper, Some((have, all))) => format!(
                            "{} {} / {}",
                            t(lang, "sbs-loading"),
                            thousands(have),
                            thousands(all)
                        ),
                        (ClusterMode::Zookeeper, None) => t(lang, "sbs-session").to_string(),
                        _ => t(lang, "sbs-electing").to_string(),
                    },
                ),
            }
        }
    }
}

/// The failover as a bar on a scale both sides share: in ZooKeeper mode the wait for the
/// session to expire, then the new controller's load; in KRaft the election.
fn failover_bar(side: &Side, now: Time, scale_ms: Time, lang: Lang) -> Html {
    let Some(f) = side.failover else {
        return html! {};
    };
    let width = 600.0;
    let x = |ms: Time| width * ms as f64 / scale_ms.max(1) as f64;
    let end = f.waited_ms(now);
    let split = match side.mode() {
        // Once done, when the successor won; while loading, when the one loading won.
        ClusterMode::Zookeeper => f
            .elected_at
            .or_else(|| {
                let (c, _) = side.sim.controller().filter(|(c, _)| *c != f.crashed)?;
                Some(side.sim.node(c)?.node.zk_controller()?.elected_at)
            })
            .map(|e| e.saturating_sub(f.at).min(end)),
        ClusterMode::Kraft => None,
    };
    let (first, first_key) = match (side.mode(), split) {
        (ClusterMode::Zookeeper, Some(s)) => (s, "sbs-bar-session"),
        (ClusterMode::Zookeeper, None) => (end, "sbs-bar-session"),
        (ClusterMode::Kraft, _) => (end, "sbs-bar-election"),
    };
    html! {
        <svg class="sbs-bar" viewBox={format!("0 0 {width} 34")}>
            <rect class="first" x="0" y="4" width={x(first).to_string()} height="16" />
            if let Some(s) = split {
                <rect class="load" x={x(s).to_string()} y="4" width={x(end - s).to_string()} height="16" />
            }
            <text x="2" y="32">{ format!("{} {} s", t(lang, first_key), seconds(first, 1)) }</text>
            if let Some(s) = split {
                <text x={x(s).max(160.0).min(width - 150.0).to_string()} y="32">
                    { format!("{} {} s", t(lang, "sbs-bar-load"), seconds(end - s, 1)) }
                </text>
            }
        </svg>
    }
}

/// One side's picture: the ensemble (ZooKeeper mode) or the controllers (KRaft) above the
/// brokers, the controller ringed, crashed nodes greyed.
fn side_svg(side: &Side, lang: Lang) -> Html {
    let sim = &side.sim;
    let controller = sim.controller().map(|(c, _)| c);
    let node = |id: NodeId, x: f64, y: f64, label: String, kind: &'static str| -> Html {
        let n = sim.node(id);
        let alive = n.is_some_and(|n| n.alive);
        let is_controller = controller == Some(id);
        let class = format!(
            "sbs-node {kind}{}{}",
            if alive { "" } else { " down" },
            if is_controller { " controller" } else { "" }
        );
        html! {
            <g class={class} data-node-id={id.to_string()} data-alive={alive.to_string()}
                data-controller={is_controller.to_string()}>
                if is_controller {
                    <circle class="ring" cx={x.to_string()} cy={y.to_string()} r="27" />
                }
                <circle cx={x.to_string()} cy={y.to_string()} r="21" />
                <text x={x.to_string()} y={(y + 5.0).to_string()} text-anchor="middle">{ label }</text>
            </g>
        }
    };
    let width = 100.0 * BROKERS as f64;
    let top: Html = match side.mode() {
        ClusterMode::Kraft => sim
            .spec()
            .controllers
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let x = width / 2.0 + (i as f64 - 1.0) * 110.0;
                node(*id, x, 45.0, format!("C{id}"), "ctl")
            })
            .collect(),
        ClusterMode::Zookeeper => {
            let alive = sim.node(0).is_some_and(|n| n.alive);
            html! {
                <g class={if alive { "sbs-zk" } else { "sbs-zk down" }} data-node-id="0">
                    <rect x={(width / 2.0 - 80.0).to_string()} y="22" width="160" height="46" rx="8" />
                    <text x={(width / 2.0).to_string()} y="50" text-anchor="middle">{ "ZooKeeper" }</text>
                </g>
            }
        }
    };
    let brokers: Html = sim
        .spec()
        .brokers
        .iter()
        .enumerate()
        .map(|(i, id)| node(*id, 50.0 + 100.0 * i as f64, 150.0, id.to_string(), "brk"))
        .collect();
    let caption = match side.mode() {
        ClusterMode::Kraft => t(lang, "sbs-kraft-caption"),
        ClusterMode::Zookeeper => t(lang, "sbs-zk-caption"),
    };
    html! {
        <svg class="sbs-svg" viewBox={format!("0 0 {width} 200")} role="img" aria-label={caption.to_string()}>
            { top }
            { brokers }
            <text class="sbs-caption" x={(width / 2.0).to_string()} y="194" text-anchor="middle">{ caption }</text>
        </svg>
    }
}

#[function_component(SideBySideView)]
pub fn side_by_side_view() -> Html {
    let (store, on) = use_store();
    let m = store.model.borrow();
    let lang = m.lang;
    let Some(v) = m.side_by_side.as_ref() else {
        return html! {};
    };
    let now = v.twins.now();
    let ready = v.ready();
    let act = |a: TwinAction| {
        let on = on.clone();
        Callback::from(move |_| on.emit(Msg::SideBySideAct(a)))
    };
    let crashed = v.twins.sides.iter().any(|s| {
        s.failover
            .is_some_and(|f| s.sim.node(f.crashed).is_some_and(|n| !n.alive))
    });
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
    let partitions = v.twins.partitions();
    let scale = v
        .twins
        .sides
        .iter()
        .filter_map(|s| s.failover.map(|f| f.waited_ms(now)))
        .max()
        .unwrap_or(1);
    let sides: Html = v
        .twins
        .sides
        .iter()
        .map(|s| {
            let (big, small) = readout(s, now, lang);
            let f = s.failover;
            let offline = s.offline_partitions();
            html! {
                <div class="sbs-side" data-mode={mode_name(s.mode())}
                    data-stage={format!("{:?}", s.stage).to_lowercase()}
                    data-controller={s.sim.controller().map_or(String::new(), |(c, _)| c.to_string())}
                    data-controller-ready={s.sim.controller_ready().to_string()}
                    data-crashed={f.map_or(String::new(), |f| f.crashed.to_string())}
                    data-failover-ms={f.and_then(|f| f.ready_at.map(|r| (r - f.at).to_string())).unwrap_or_default()}
                    data-waiting-ms={f.filter(|f| f.ready_at.is_none()).map_or(String::new(), |f| f.waited_ms(now).to_string())}
                    data-offline={offline.map_or(String::new(), |o| o.to_string())}>
                    <h3>{ match s.mode() { ClusterMode::Kraft => "KRaft", ClusterMode::Zookeeper => t(lang, "sbs-zk-title") } }</h3>
                    <div class={if f.is_some_and(|f| f.ready_at.is_none()) { "sbs-readout waiting" } else { "sbs-readout" }}>
                        <div class="big">{ big }</div>
                        <div class="small">{ small }</div>
                        { failover_bar(s, now, scale, lang) }
                    </div>
                    { side_svg(s, lang) }
                    <div class="sbs-facts">
                        { format!("{} {} · {} {}",
                            t(lang, "sbs-controller"),
                            s.sim.controller().map_or("—".to_string(), |(c, e)| format!("{c} ({} {e})", t(lang, "sbs-epoch"))),
                            t(lang, "sbs-offline"),
                            offline.map_or("—".to_string(), thousands)) }
                    </div>
                </div>
            }
        })
        .collect();
    let broker_buttons: Html = v.twins.sides[1]
        .sim
        .spec()
        .brokers
        .iter()
        .map(|b| {
            let down = v
                .twins
                .sides
                .iter()
                .all(|s| s.sim.node(*b).is_some_and(|n| !n.alive));
            let (a, key) = if down {
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
                <button data-action="sbs-crash-controller" disabled={!ready || crashed}
                    onclick={act(TwinAction::CrashController)}>{ t(lang, "sbs-crash-controller") }</button>
                <button data-action="sbs-restart-controller" disabled={!ready || !crashed}
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
                if v.busy() {
                    <span class="sbs-busy">{ t(lang, "sbs-busy") }</span>
                }
            </div>
            <p class="hint">{ t(lang, "sbs-hint") }</p>
            <div class="sbs-sides">{ sides }</div>
        </section>
    }
}
