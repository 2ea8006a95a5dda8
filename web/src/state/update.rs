//! How each message changes the model: the store's reducer. Pure state change: no storage, no
//! downloads, no clipboard (those happen in effects and callbacks outside it).

use super::model::Model;
use super::msg::Msg;
use super::notice::Notice;
use super::saved::parse_saved;
use super::side_by_side::SideBySide;
use kraft_core::sim::Action;
use kraft_core::NodeId;

/// Applies one message to the model. Pure state change: no storage, no downloads, no clipboard.
pub fn update(m: &mut Model, msg: Msg) {
    if !matches!(
        msg,
        Msg::Notice(_) | Msg::Select(_) | Msg::Tick(_) | Msg::SideBySideTick(_)
    ) {
        m.notice = None;
    }
    match msg {
        Msg::Tick(wall_ms) => m.tick(wall_ms),
        Msg::Play => m.playing = true,
        Msg::Pause => m.playing = false,
        Msg::Step => {
            m.playing = false;
            if !m.timeline.step() {
                m.notice = Some(Notice::Say("nothing-left"));
            }
        }
        Msg::StepBack => {
            m.playing = false;
            let n = m.sim().stats().steps;
            if n > 0 {
                m.timeline.seek_to_step(n - 1);
            }
        }
        Msg::Next(kind) => {
            m.playing = false;
            m.step_to_next(kind);
        }
        Msg::Speed(s) => m.speed = s.clamp(0.01, 50.0),
        Msg::Seek(time) => {
            m.playing = false;
            // The narration follows the timeline (see Player): scrubbing keeps the scenario.
            m.timeline.seek(time.min(m.timeline.horizon()));
        }
        Msg::Advance(ms) => m.timeline.advance(ms),
        Msg::Select(s) => m.selected = s,
        Msg::Act(a) => m.act(a),
        Msg::IsolateLeader => match m.sim().acting_leader() {
            Some(l) => m.act(Action::Isolate(l)),
            None => m.notice = Some(Notice::Say("no-leader-to-isolate")),
        },
        Msg::Split => {
            let ids: Vec<NodeId> = m.sim().spec().controllers.clone();
            let half = ids.len() / 2;
            m.act(Action::Partition(vec![
                ids[..half].to_vec(),
                ids[half..].to_vec(),
            ]));
        }
        Msg::NewCluster(s) => m.new_cluster(s),
        Msg::Lang(l) => m.lang = l,
        Msg::Scenario(None) => {
            let s = m.settings.clone();
            m.new_cluster(s);
        }
        Msg::Scenario(Some(name)) => match crate::library::load(&name) {
            Some(s) => m.load_scenario(&name, s, None),
            None => m.notice = Some(Notice::NoScenario(name)),
        },
        Msg::Experiment(i) => {
            if let Some(name) = m.scenario_name.clone() {
                match crate::library::with_experiment(&name, i) {
                    Some(s) => m.load_scenario(&name, s, Some(i)),
                    None => m.notice = Some(Notice::NoScenario(name)),
                }
            }
        }
        Msg::NarrationNext => {
            if let Some(mut p) = m.player.take() {
                if m.playing {
                    // Already running toward the next narration: skip the wait.
                    p.skip_ahead(&mut m.timeline);
                    m.playing = false;
                } else if !p.ended || p.in_past(&m.timeline) {
                    m.playing = true;
                }
                m.player = Some(p);
            }
        }
        Msg::NarrationPrev => {
            if let Some(p) = m.player.as_ref() {
                p.previous(&mut m.timeline);
                m.playing = false;
            }
        }
        Msg::Legend(open) => m.legend = open,
        Msg::Filter(f) => m.event_filter = f,
        Msg::Import(text) => match parse_saved(&text) {
            Ok(saved) => {
                if let Err(e) = m.restore(saved) {
                    m.notice = Some(Notice::BadImport(Box::new(e)));
                }
            }
            Err(_) => m.notice = Some(Notice::NotASession),
        },
        Msg::Notice(n) => m.notice = n,
        Msg::OpenPath(path) => {
            m.playing = false;
            let (start, before) = (m.sim().stats().steps, m.sim().actions_applied());
            for a in path {
                m.act(a);
                if m.notice.is_some() {
                    return;
                }
            }
            m.timeline.seek_to_step(start);
            m.timeline.apply_due_actions(before);
            m.notice = Some(Notice::Say("path-opened"));
        }
        Msg::SideBySide(None) => m.side_by_side = None,
        Msg::SideBySide(Some(partitions)) => {
            m.playing = false;
            let seed = m.settings.seed;
            match SideBySide::new(seed, partitions) {
                Some(v) => m.side_by_side = Some(v),
                None => m.notice = Some(Notice::Say("sbs-cannot")),
            }
        }
        Msg::SideBySideAct(a) => {
            if let Some(v) = m.side_by_side.as_mut() {
                // Each side answers for itself; say why only when neither took it.
                if let [Err(e), Err(_)] = v.act(a) {
                    m.notice = Some(Notice::Action(e));
                }
            }
        }
        Msg::SideBySidePlay(on) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.playing = on;
            }
        }
        Msg::SideBySideSpeed(speed) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.speed = speed.clamp(0.25, 64.0);
            }
        }
        Msg::SideBySideTick(wall_ms) => {
            if let Some(v) = m.side_by_side.as_mut() {
                v.tick(wall_ms, crate::clock::now_ms);
            }
        }
    }
}
