//! A node as the simulation holds it: the state machine plus whether it runs, what it holds
//! while paused, and the disks it lost.

use crate::protocol::node::Node;
use crate::protocol::types::Time;
use crate::protocol::voters::DirectoryId;
use crate::sim::queue::Event;

/// A node as the simulation holds it: the state machine plus its liveness.
#[derive(Clone, Debug)]
pub struct SimNode {
    pub node: Node,
    pub alive: bool,
    pub paused_until: Option<Time>,
    pub(super) held: Vec<Event>,
    pub(super) incarnation: u32,
    /// Disks formatted for this node so far, beyond the first (each wipe formats one).
    pub(super) wipes: u32,
    /// Directory ids whose disk this node lost: voting as one of them is WipedVoterVoted.
    pub(crate) lost_disks: Vec<DirectoryId>,
}

impl SimNode {
    /// A node just started: running, its first disk, nothing held.
    pub(crate) fn running(node: Node) -> SimNode {
        SimNode {
            node,
            alive: true,
            paused_until: None,
            held: Vec::new(),
            incarnation: 0,
            wipes: 0,
            lost_disks: Vec::new(),
        }
    }
}
