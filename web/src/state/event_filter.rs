//! Which trace events the event log shows.

use kraft_core::protocol::event::EventGroup;
use kraft_core::{NodeId, TraceKind};

#[derive(Clone, Debug, PartialEq)]
pub struct EventFilter {
    pub messages: bool,
    pub roles: bool,
    pub log: bool,
    pub brokers: bool,
    pub faults: bool,
    pub node: Option<NodeId>,
}

impl Default for EventFilter {
    fn default() -> Self {
        EventFilter {
            messages: false,
            roles: true,
            log: true,
            brokers: true,
            faults: true,
            node: None,
        }
    }
}

impl EventFilter {
    pub fn shows(&self, kind: &TraceKind) -> bool {
        let (a, b) = kind.nodes();
        if let Some(n) = self.node {
            if a.is_some() && a != Some(n) && b != Some(n) {
                return false;
            }
        }
        match kind.group() {
            EventGroup::Message => self.messages,
            EventGroup::Drop => self.messages || self.faults,
            EventGroup::Election => self.roles,
            EventGroup::Log => self.log,
            EventGroup::Broker => self.brokers,
            EventGroup::Fault => self.faults,
            EventGroup::Violation => true,
        }
    }
}
