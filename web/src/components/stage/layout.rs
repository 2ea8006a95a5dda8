//! Where things sit on the stage: the nodes (controllers on a ring, brokers in rows under it),
//! the part of the stage the picture uses, the size of a node and the path of a link.

use super::placement::Rect;
use kraft_core::protocol::zk_ensemble::ENSEMBLE;
use kraft_core::protocol::{ClusterMode, NodeKind};
use kraft_core::sim::Simulation;
use kraft_core::NodeId;
use std::collections::BTreeMap;

pub const WIDTH: f64 = 840.0;
pub const HEIGHT: f64 = 600.0;
/// Up to this many controllers, each shows its role, leader and LEO/HW in words.
pub const WORDY_CONTROLLERS: usize = 9;
/// Up to this many brokers, each shows its state and LEO/HW in words (they sit further apart).
pub const WORDY_BROKERS: usize = 9;

/// Where each node sits.
pub fn layout(sim: &Simulation) -> BTreeMap<NodeId, (f64, f64)> {
    let mut pos = BTreeMap::new();
    let controllers: Vec<NodeId> = sim.spec().controllers.clone();
    let brokers: Vec<NodeId> = sim.spec().brokers.clone();
    let n = controllers.len() as f64;
    let (cx, cy) = (
        WIDTH / 2.0,
        if brokers.is_empty() {
            HEIGHT / 2.0
        } else {
            245.0
        },
    );
    let r = if n <= 1.0 {
        0.0
    } else {
        (45.0 * n).clamp(110.0, 175.0)
    };
    for (i, id) in controllers.iter().enumerate() {
        let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n.max(1.0);
        pos.insert(*id, (cx + r * a.cos(), cy + r * a.sin()));
    }
    // ZooKeeper mode: no controller ring; the ensemble sits above the brokers.
    if sim.mode() == ClusterMode::Zookeeper {
        pos.insert(ENSEMBLE, (cx, cy));
    }
    let m = brokers.len();
    // Brokers sit in a row under the ring, just clear of the lowest controller's labels (the
    // stage is scaled to what it holds: no empty band makes the picture smaller).
    let lowest = pos.values().map(|p| p.1).fold(cy, f64::max);
    let top = lowest
        + if controllers.len() <= WORDY_CONTROLLERS {
            140.0
        } else {
            90.0
        };
    // Few brokers sit far apart (room for their words); many go up to 20 a row.
    let (per_row, gap) = if m <= WORDY_BROKERS {
        (WORDY_BROKERS, 88.0)
    } else {
        (20, 40.0)
    };
    for (i, id) in brokers.iter().enumerate() {
        let (row, col) = (i / per_row, i % per_row);
        let in_row = (m - row * per_row).min(per_row) as f64;
        let x = WIDTH / 2.0 + (col as f64 - (in_row - 1.0) / 2.0) * gap;
        let y = top + row as f64 * 36.0;
        pos.insert(*id, (x, y));
    }
    pos
}

/// Where a link bends: replication links between brokers (which sit in a row) arc above it, so
/// 101–103 does not run through 102. None for a straight link.
pub fn bend(a: (f64, f64), b: (f64, f64), between_brokers: bool) -> Option<(f64, f64)> {
    between_brokers.then(|| {
        let lift = 14.0 + 0.22 * (b.0 - a.0).abs();
        ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0 - lift)
    })
}

/// The point a fraction `f` along a link (straight, or the arc through its control point).
pub fn along(a: (f64, f64), b: (f64, f64), c: Option<(f64, f64)>, f: f64) -> (f64, f64) {
    match c {
        None => (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f),
        Some(c) => {
            let g = 1.0 - f;
            (
                g * g * a.0 + 2.0 * g * f * c.0 + f * f * b.0,
                g * g * a.1 + 2.0 * g * f * c.1 + f * f * b.1,
            )
        }
    }
}

/// The part of the stage the cluster uses, with room for labels, the clock and the progress
/// box, widened to the stage's shape: small clusters are drawn larger, not lost in the middle.
pub fn view_box(pos: &BTreeMap<NodeId, (f64, f64)>, wordy: bool, left: f64) -> Rect {
    let xs = pos.values().map(|p| p.0);
    let ys = pos.values().map(|p| p.1);
    let (mut x0, mut x1) = (
        xs.clone().fold(f64::MAX, f64::min) - 110.0 - left,
        xs.fold(f64::MIN, f64::max) + 110.0,
    );
    let (mut y0, mut y1) = (
        ys.clone().fold(f64::MAX, f64::min) - 100.0,
        ys.fold(f64::MIN, f64::max) + if wordy { 95.0 } else { 55.0 },
    );
    // At least the size that holds the clock and progress box beside a small ring.
    let (min_w, aspect) = (620.0, 1.55);
    let w = (x1 - x0).max(min_w).max((y1 - y0) * aspect);
    let h = (y1 - y0).max(w / 1.9);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (x0, x1) = (cx - w / 2.0, cx + w / 2.0);
    (y0, y1) = (cy - h / 2.0, cy + h / 2.0);
    Rect { x0, y0, x1, y1 }
}

pub fn node_radius(kind: NodeKind, big: bool) -> f64 {
    match (kind, big) {
        (NodeKind::Controller | NodeKind::Combined | NodeKind::Zookeeper, false) => 28.0,
        (NodeKind::Controller | NodeKind::Combined | NodeKind::Zookeeper, true) => 22.0,
        (NodeKind::Broker, _) => 15.0,
    }
}
