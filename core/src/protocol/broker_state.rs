//! A broker's registration with the active controller as plain data: its broker epoch, whether
//! it is fenced, its heartbeat in flight (the behaviour is in `broker`).

use crate::protocol::types::{Offset, Time};

#[derive(Clone, Debug, Default)]
pub struct BrokerState {
    /// Our broker epoch once the controller answered the registration.
    pub registered: Option<Offset>,
    /// What the last heartbeat response said.
    pub fenced: bool,
    pub last_heartbeat_ok: Option<Time>,
    pub(crate) inflight: Option<u64>,
    /// A controlled shutdown is under way: heartbeats ask for it until the controller agrees.
    pub shutting_down: bool,
    /// When the partition leaders here next look for ISR members to drop (Kafka's
    /// isr-expiration task, every half `replica_lag_time_max_ms`).
    pub next_isr_check: Time,
    /// The broker epoch its clean shutdown file held at start (Kafka's
    /// `BrokerRegistrationRequest.PreviousBrokerEpoch`; None is -1: no clean shutdown).
    pub previous_broker_epoch: Option<Offset>,
}
