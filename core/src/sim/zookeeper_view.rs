//! ZooKeeper mode seen from outside: the metadata ZooKeeper holds, as an image (what captures
//! show as `metadata`; brokers' caches may lag it or disagree with it).

use crate::protocol::metadata::{BrokerState, Image, PartitionState, TopicState};
use crate::protocol::zk_data::{parse_state, parse_topic};
use crate::protocol::zk_ensemble::{partition_state_path, BROKER_IDS_PATH, TOPICS_PATH};
use crate::sim::Simulation;

impl Simulation {
    /// ZooKeeper mode: each push a broker just obeyed from a controller of an epoch older than
    /// `/controller_epoch` (docs/contracts.md, ZooKeeper mode's BrokerFollowedStaleController: a trace event, since it
    /// is how Kafka worked until the new controller reached that broker).
    pub(crate) fn tell_stale_controllers(
        &self,
        events: &[crate::protocol::event::TraceKind],
    ) -> Vec<crate::protocol::event::TraceKind> {
        use crate::protocol::event::TraceKind;
        use crate::protocol::message::Message;
        let Some(current) = self.ensemble().map(|e| e.controller_epoch()) else {
            return Vec::new();
        };
        events
            .iter()
            .filter_map(|e| match e {
                TraceKind::Deliver { to, msg, .. } => match &**msg {
                    Message::Control(req) if req.controller_epoch < current => {
                        // Obeyed: the broker now holds that epoch as the highest it has seen.
                        let seen = self.node(*to)?.node.zk()?.controller_epoch_seen;
                        (seen == req.controller_epoch).then_some(
                            TraceKind::BrokerFollowedStaleController {
                                broker: *to,
                                controller: req.controller,
                                epoch: req.controller_epoch,
                                current,
                            },
                        )
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// The brokers registered in `/brokers/ids` and every partition state znode, as an image.
    /// `applied_offset` is the ensemble's last zxid. Partitions whose state the controller has
    /// not written yet are left out.
    pub fn zk_image(&self) -> Image {
        let mut image = Image::default();
        let Some(e) = self.ensemble() else {
            return image;
        };
        let store = &e.store;
        image.applied_offset = store.zxid();
        for name in store.list(BROKER_IDS_PATH) {
            let (Ok(id), Some((_, stat))) = (
                name.parse(),
                store.peek(&format!("{BROKER_IDS_PATH}/{name}")),
            ) else {
                continue;
            };
            image.brokers.insert(
                id,
                BrokerState {
                    id,
                    epoch: stat.czxid,
                    fenced: false,
                    incarnation: 0,
                },
            );
        }
        for name in store.list(TOPICS_PATH) {
            let Some((data, _)) = store.peek(&format!("{TOPICS_PATH}/{name}")) else {
                continue;
            };
            let (topic_id, assignment, config) = parse_topic(data);
            let partitions = assignment
                .into_iter()
                .enumerate()
                .filter_map(|(p, replicas)| {
                    let (data, stat) = store.peek(&partition_state_path(&name, p as u32))?;
                    Some(parse_state(data, p as u32, replicas, stat.version))
                })
                .collect();
            image.topics.insert(
                topic_id,
                TopicState {
                    name,
                    topic_id,
                    config,
                    partitions,
                },
            );
        }
        image
    }

    /// One partition's state as ZooKeeper holds it: one topic znode and one state znode read,
    /// not the whole tree (what a scenario's condition asks after every event).
    pub fn zk_partition(&self, topic: &str, partition: u32) -> Option<PartitionState> {
        let e = self.ensemble()?;
        let replicas = e.topic(topic)?.assignment.get(partition as usize)?.clone();
        let (data, stat) = e.store.peek(&partition_state_path(topic, partition))?;
        Some(parse_state(data, partition, replicas, stat.version))
    }
}
