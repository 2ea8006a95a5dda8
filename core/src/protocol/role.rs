//! The states a node can be in (Kafka's names), plus the observer role of brokers.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Unattached,
    /// KIP-996: asking for pre-votes without raising the epoch.
    Prospective,
    Candidate,
    Leader,
    Follower,
    /// An ex-leader in its old epoch: it must not lead or vote in it again.
    Resigned,
    /// A broker: replicates the log, never votes.
    Observer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Unattached => "unattached",
            Role::Prospective => "prospective",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Resigned => "resigned",
            Role::Observer => "observer",
        }
    }
}
