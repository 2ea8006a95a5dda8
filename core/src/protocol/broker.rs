//! The broker's side of KIP-631: register with the active controller, heartbeat, learn whether it
//! is fenced. (Its metadata replication is the observer path in `replication`.)

use crate::protocol::message::{
    BrokerRegistrationRequest, BrokerRegistrationResponse, ErrorCode, HeartbeatRequest,
    HeartbeatResponse, Message,
};
use crate::protocol::node::{Effects, Node, Slot};
use crate::protocol::types::{Epoch, NodeId, Time};

// The broker's registration state is a plain type of its own file; its old path still names it.
pub use crate::protocol::broker_state::BrokerState;

impl Node {
    pub(crate) fn start_broker(&mut self, now: Time, out: &mut Effects) {
        if !self.kind.runs_broker() {
            return;
        }
        // The clean shutdown file proves one clean stop only: it is deleted as it is read.
        self.broker = BrokerState {
            fenced: true,
            previous_broker_epoch: self.durable.clean_shutdown.take(),
            ..Default::default()
        };
        self.set_timer(Slot::Heartbeat, now + self.cfg.retry_backoff_ms, out);
    }

    /// A controlled shutdown (SIGTERM): a KRaft broker asks in its next heartbeat, sent now
    /// (Kafka's beginControlledShutdown), and stops once the controller has moved its
    /// leaderships away; a ZooKeeper-mode broker asks the controller with ControlledShutdown.
    /// A broker that never registered has nothing to hand over and stops at once.
    pub fn begin_controlled_shutdown(&mut self, now: Time, out: &mut Effects) {
        if self.broker.shutting_down {
            return;
        }
        out.trace
            .push(crate::protocol::event::TraceKind::ShutdownRequested { node: self.id });
        if self.zk.is_some() {
            self.broker.shutting_down = true;
            self.zk_request_shutdown(now, out);
            return;
        }
        if self.broker.registered.is_none() {
            self.stop_cleanly(out);
            return;
        }
        self.broker.shutting_down = true;
        self.broker.inflight = None;
        self.on_heartbeat_timer(now, out);
    }

    /// Where registrations and heartbeats go: the leader we know, else the next bootstrap server.
    fn controller_target(&self) -> Option<NodeId> {
        self.leader_id().or_else(|| {
            let servers = &self.quorum.servers;
            let n = servers.len();
            (n > 0).then(|| servers[self.fetch.bootstrap_index % n])
        })
    }

    /// The process exits after a controlled shutdown, leaving its clean shutdown file with
    /// the broker epoch it held (LogManager writes it once every log is closed).
    fn stop_cleanly(&mut self, out: &mut Effects) {
        self.durable.clean_shutdown = self.broker.registered;
        out.stop = true;
    }

    pub(crate) fn on_heartbeat_timer(&mut self, now: Time, out: &mut Effects) {
        if !self.kind.runs_broker() {
            return;
        }
        let Some(target) = self.controller_target() else {
            return;
        };
        let correlation = self.correlation();
        self.broker.inflight = Some(correlation);
        let (msg, next) = match self.broker.registered {
            None => (
                Message::BrokerRegistration(BrokerRegistrationRequest {
                    correlation,
                    broker: self.id,
                    incarnation: self.durable.starts,
                    previous_broker_epoch: self.broker.previous_broker_epoch,
                }),
                // One registration in flight (Kafka's communicationInFlight): sent again once
                // unanswered for the request timeout; resent sooner, a slow answer is never
                // awaited and the broker never registers.
                self.cfg.request_timeout_ms,
            ),
            Some(broker_epoch) => (
                Message::BrokerHeartbeat(HeartbeatRequest {
                    correlation,
                    broker: self.id,
                    broker_epoch,
                    metadata_offset: self.image.applied_offset,
                    want_fence: false,
                    want_shutdown: self.broker.shutting_down,
                }),
                self.cfg.broker_heartbeat_interval_ms,
            ),
        };
        out.sends.push((target, msg));
        self.set_timer(
            Slot::Heartbeat,
            now + next.min(self.cfg.broker_heartbeat_interval_ms),
            out,
        );
    }

    /// A redirect or "not yet": learn the leader if named, and try again soon.
    fn controller_not_ready(
        &mut self,
        now: Time,
        epoch: Epoch,
        leader: Option<NodeId>,
        out: &mut Effects,
    ) {
        if leader.is_none() {
            self.fetch.bootstrap_index += 1;
        }
        self.observe_epoch(now, epoch, leader, out);
        self.set_timer(
            Slot::Heartbeat,
            now + self.cfg.retry_backoff_ms.max(100),
            out,
        );
    }

    pub(crate) fn on_registration_response(
        &mut self,
        now: Time,
        resp: &BrokerRegistrationResponse,
        out: &mut Effects,
    ) {
        let BrokerRegistrationResponse {
            correlation,
            epoch,
            leader,
            error,
            broker_epoch,
        } = *resp;
        if !self.kind.runs_broker() || self.broker.inflight != Some(correlation) {
            return;
        }
        self.broker.inflight = None;
        match (error, broker_epoch) {
            (None, Some(be)) => {
                self.broker.registered = Some(be);
                self.durable.broker_epoch = Some(be);
                self.broker.fenced = true;
                // Already caught up past its registration record: partitions start now.
                self.sync_partitions(now, out);
                self.set_timer(Slot::Heartbeat, now + self.cfg.retry_backoff_ms, out);
            }
            // Our previous incarnation's session still lives: ask again a heartbeat later.
            (Some(ErrorCode::DuplicateBrokerRegistration), _) => self.set_timer(
                Slot::Heartbeat,
                now + self.cfg.broker_heartbeat_interval_ms,
                out,
            ),
            _ => self.controller_not_ready(now, epoch, leader, out),
        }
    }

    pub(crate) fn on_heartbeat_response(
        &mut self,
        now: Time,
        resp: &HeartbeatResponse,
        out: &mut Effects,
    ) {
        if !self.kind.runs_broker() || self.broker.inflight != Some(resp.correlation) {
            return;
        }
        self.broker.inflight = None;
        match resp.error {
            None if self.broker.shutting_down && resp.shutdown_ok => self.stop_cleanly(out),
            None => {
                self.broker.fenced = resp.fenced;
                self.broker.last_heartbeat_ok = Some(now);
                // While fenced, heartbeat quickly so unfencing follows catching up.
                if resp.fenced {
                    self.set_timer(
                        Slot::Heartbeat,
                        now + 250.min(self.cfg.broker_heartbeat_interval_ms),
                        out,
                    );
                }
            }
            Some(ErrorCode::StaleBrokerEpoch) => {
                self.broker.registered = None;
                self.broker.fenced = true;
                self.set_timer(Slot::Heartbeat, now + self.cfg.retry_backoff_ms, out);
            }
            Some(_) => self.controller_not_ready(now, resp.epoch, resp.leader, out),
        }
    }
}
