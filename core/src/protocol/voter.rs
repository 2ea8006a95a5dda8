//! A voter (Kafka's ReplicaKey) and how the quorum was formatted: plain types that the metadata
//! image, the records and the quorum's behaviour all speak.

use crate::protocol::types::NodeId;
use serde::Serialize;
use std::rc::Rc;

/// The id of a formatted log directory (Kafka's directory UUID).
pub type DirectoryId = u64;

/// Kafka's ReplicaKey: a replica id, and at `kraft.version` 1 the directory id it voted with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Voter {
    pub id: NodeId,
    /// None in a static quorum (`kraft.version` 0), which cannot tell disks apart.
    pub directory_id: Option<DirectoryId>,
}

impl Voter {
    /// Whether the replica `id` on directory `dir` is this voter.
    pub fn is(&self, id: NodeId, dir: DirectoryId) -> bool {
        self.id == id && self.directory_id.is_none_or(|d| d == dir)
    }
}

/// How the quorum was formatted: what every node starts from besides its own disk.
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumBootstrap {
    pub kraft_version: u8,
    /// `controller.quorum.voters` at version 0; the bootstrap checkpoint's VotersRecord at 1.
    pub voters: Rc<[Voter]>,
    /// `controller.quorum.bootstrap.servers`: where an observer that knows no leader asks.
    pub servers: Rc<[NodeId]>,
}

impl QuorumBootstrap {
    /// A static quorum of these voters (`kraft.version` 0).
    pub fn fixed(ids: &[NodeId]) -> Rc<QuorumBootstrap> {
        Rc::new(QuorumBootstrap {
            kraft_version: 0,
            voters: ids
                .iter()
                .map(|&id| Voter {
                    id,
                    directory_id: None,
                })
                .collect(),
            servers: ids.into(),
        })
    }
}
