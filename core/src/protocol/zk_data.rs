//! Every znode path ZooKeeper mode uses and the JSON stored at it, in one place (Kafka's
//! `ZkData`): the controller writes and parses partition states and topics here, the ensemble
//! reads topics through it for the trace and the checker, brokers build their epoch check here.

use crate::protocol::metadata::PartitionState;
use crate::protocol::record::TopicConfig;
use crate::protocol::types::NodeId;
use crate::protocol::zookeeper::Op;

pub const CONTROLLER_PATH: &str = "/controller";
pub const CONTROLLER_EPOCH_PATH: &str = "/controller_epoch";
pub const BROKER_IDS_PATH: &str = "/brokers/ids";
pub const TOPICS_PATH: &str = "/brokers/topics";

/// The partition state znode of a topic's partition.
pub fn partition_state_path(topic: &str, partition: u32) -> String {
    format!("{TOPICS_PATH}/{topic}/partitions/{partition}/state")
}

/// The controller epoch the ensemble's `/controller_epoch` must still be at for a controller's
/// write to land (Kafka ≥ 2.1), as the first op of its `multi`.
pub(crate) fn epoch_check(version: u32) -> Op {
    Op::Check {
        path: CONTROLLER_EPOCH_PATH.into(),
        version,
    }
}

/// A topic znode's content: its id, assignment (first replica preferred) and config.
pub(crate) fn parse_topic(data: &str) -> (u32, Vec<Vec<NodeId>>, TopicConfig) {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let id = v.get("id").and_then(|x| x.as_u64()).unwrap_or(0) as u32;
    let assignment = v
        .get("partitions")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default();
    let config = v
        .get("config")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default();
    (id, assignment, config)
}

pub(crate) fn state_json(epoch: u32, s: &PartitionState) -> String {
    // leader_recovery_state (KIP-704, Kafka 3.2+): 1 while a leader chosen uncleanly has not
    // reported back.
    serde_json::json!({
        "controller_epoch": epoch,
        "leader": s.leader.map_or(-1, i64::from),
        "leader_epoch": s.leader_epoch,
        "isr": s.isr,
        "leader_recovery_state": u8::from(s.recovering),
    })
    .to_string()
}

pub(crate) fn parse_state(
    data: &str,
    partition: u32,
    replicas: Vec<NodeId>,
    version: u32,
) -> PartitionState {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let ids = |k: &str| -> Vec<NodeId> {
        v.get(k)
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_u64())
                    .map(|x| x as NodeId)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut s = PartitionState::new(partition, replicas);
    s.leader = v
        .get("leader")
        .and_then(|l| l.as_i64())
        .filter(|l| *l >= 0)
        .map(|l| l as NodeId);
    s.leader_epoch = v.get("leader_epoch").and_then(|e| e.as_u64()).unwrap_or(0) as u32;
    s.isr = ids("isr");
    s.recovering = v.get("leader_recovery_state").and_then(|r| r.as_u64()) == Some(1);
    s.partition_epoch = version;
    s
}
