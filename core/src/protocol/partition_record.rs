//! A record of a topic partition: its offset, the leader epoch that appended it, and its value.
//! A plain type: logs hold it, fetch answers carry it.

use crate::protocol::types::Offset;
use serde::Serialize;
use std::rc::Rc;

/// A record of a topic partition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PartitionRecord {
    pub offset: Offset,
    /// The leader epoch of the leader that appended it.
    pub epoch: u32,
    /// "k.i": the i-th record of produce k.
    pub value: Rc<str>,
    /// k, read once from the value: a retried produce is found by number, not by text.
    #[serde(skip)]
    pub produce: u64,
}

impl PartitionRecord {
    pub fn new(offset: Offset, epoch: u32, value: Rc<str>) -> PartitionRecord {
        let produce = value
            .split('.')
            .next()
            .and_then(|k| k.parse().ok())
            .unwrap_or(0);
        PartitionRecord {
            offset,
            epoch,
            value,
            produce,
        }
    }
}
