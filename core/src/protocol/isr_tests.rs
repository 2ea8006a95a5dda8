//! The partition leader's ISR rules, one rule a test, on broker 101 alone leading partition
//! (1, 0) of replicas [101, 102, 103] (as etcd's raft_paper_test drives one node).

use crate::protocol::config::Config;
use crate::protocol::message::{
    AlterPartitionRequest, AlterPartitionResponse, ErrorCode, Message, PartitionFetchRequest,
    ProduceRequest,
};
use crate::protocol::metadata::{BrokerState, PartitionState, TopicState};
use crate::protocol::node::{Durable, Effects, Identity, Input, Node, NodeKind};
use crate::protocol::partition::Acks;
use crate::protocol::types::{NodeId, Offset, Time};
use crate::protocol::voters::QuorumBootstrap;
use rand::rngs::Xoshiro256PlusPlus;
use rand::SeedableRng;
use std::rc::Rc;

const LAG: u64 = 10_000;

fn cfg() -> Config {
    Config {
        replica_lag_time_max_ms: LAG,
        replica_fetch_wait_max_ms: 0,
        ..Config::default()
    }
}

/// Broker 101 leading (1, 0) with `isr` at partition epoch 0, brokers 101-103 registered at
/// epochs 1-3 and unfenced but for `fenced`, min ISR `min_isr`; taken up at time 0.
fn leader(config: Config, isr: &[NodeId], fenced: &[NodeId], min_isr: u32) -> Node {
    let mut out = Effects::default();
    let identity = Identity {
        id: 101,
        kind: NodeKind::Broker,
        cfg: Rc::new(Config {
            min_insync_replicas: min_isr,
            ..config
        }),
        quorum: QuorumBootstrap::fixed(&[1, 2, 3]),
        mode: Default::default(),
    };
    let rng = Xoshiro256PlusPlus::seed_from_u64(101);
    let mut n = Node::start(identity, Durable::default(), rng, 0, &mut out);
    n.broker.registered = Some(1);
    // Controller 1 is active: AlterPartition goes there.
    n.durable.quorum.leader = Some(1);
    n.image.applied_offset = 10;
    for (b, epoch) in [(101, 1), (102, 2), (103, 3)] {
        n.image.brokers.insert(
            b,
            BrokerState {
                id: b,
                epoch,
                fenced: fenced.contains(&b),
                incarnation: 1,
            },
        );
    }
    n.image.topics.insert(
        1,
        TopicState {
            name: "t".into(),
            topic_id: 1,
            config: Default::default(),
            partitions: vec![PartitionState {
                isr: isr.to_vec(),
                ..PartitionState::new(0, vec![101, 102, 103])
            }]
            .into(),
        },
    );
    n.sync_partitions(0, &mut out);
    n
}

fn deliver(n: &mut Node, now: Time, from: NodeId, msg: Message) -> Effects {
    let mut out = Effects::default();
    n.handle(now, Input::Message { from, msg: &msg }, &mut out);
    out
}

fn produce(n: &mut Node, now: Time, id: u64, records: usize, acks: Acks) -> Effects {
    let values = (0..records).map(|i| format!("{id}.{i}").into()).collect();
    deliver(
        n,
        now,
        900,
        Message::Produce(ProduceRequest {
            correlation: id,
            produce: id,
            topic_id: 1,
            partition: 0,
            acks,
            values,
        }),
    )
}

fn fetch(n: &mut Node, now: Time, from: NodeId, offset: Offset) -> Effects {
    fetch_as(n, now, from, offset, Some(from as Offset - 100))
}

fn fetch_as(
    n: &mut Node,
    now: Time,
    from: NodeId,
    offset: Offset,
    broker_epoch: Option<Offset>,
) -> Effects {
    let last_fetched_epoch = (offset > 0).then_some(0);
    deliver(
        n,
        now,
        from,
        Message::PartitionFetch(PartitionFetchRequest {
            correlation: now,
            broker_epoch,
            session_id: 0,
            session_epoch: 0,
            partitions: vec![(
                (1, 0),
                crate::protocol::fetch_session::FetchPosition {
                    leader_epoch: 0,
                    fetch_offset: offset,
                    last_fetched_epoch,
                },
            )],
            forgotten: Vec::new(),
        }),
    )
}

/// The ISR-expiration check: the partitions tick once its time has come.
fn check_isr(n: &mut Node, now: Time) -> Effects {
    let mut out = Effects::default();
    n.on_partitions_tick(now, &mut out);
    out
}

fn alter(out: &Effects) -> Option<&AlterPartitionRequest> {
    out.sends.iter().find_map(|(_, m)| match m {
        Message::AlterPartition(r) => Some(r),
        _ => None,
    })
}

fn hw(n: &Node) -> Offset {
    n.durable.partitions[&(1, 0)].hw
}

fn leo(n: &Node) -> Offset {
    n.durable.partitions[&(1, 0)].leo()
}

fn produce_error(out: &Effects) -> Option<Option<ErrorCode>> {
    out.sends.iter().find_map(|(_, m)| match m {
        Message::ProduceResponse(r) => Some(r.error),
        _ => None,
    })
}

/// A record every 10 ms for `ms`, the follower fetching every 40 ms and getting everything the
/// leader has (so each fetch starts where the leader's end was at the previous one, a few
/// records behind the moving end); the ISR checked every half lag time.
fn steady_load(config: Config, ms: Time) -> Option<AlterPartitionRequest> {
    let mut n = leader(config, &[101, 102], &[], 1);
    let mut followed = 0;
    let mut shrink = None;
    for t in (10..=ms).step_by(10) {
        produce(&mut n, t, t, 1, Acks::Leader);
        if t % 40 == 0 {
            fetch(&mut n, t, 102, followed);
            followed = leo(&n);
        }
        if t % (LAG / 2) == 0 {
            shrink = shrink.or(alter(&check_isr(&mut n, t)).cloned());
        }
    }
    shrink
}

#[test]
fn a_follower_under_steady_load_stays_in_the_isr() {
    assert_eq!(steady_load(cfg(), 4 * LAG), None);
}

#[test]
fn before_kafka_0_10_2_a_follower_under_steady_load_left_the_isr() {
    let old = Config {
        caught_up_by_previous_fetch: false,
        ..cfg()
    };
    let shrink = steady_load(old, 4 * LAG).expect("a shrink");
    assert_eq!(shrink.isr, vec![101]);
}

#[test]
fn an_idle_follower_at_the_leo_stays_in_the_isr_however_long_silent() {
    let mut n = leader(cfg(), &[101, 102], &[], 1);
    produce(&mut n, 10, 1, 3, Acks::Leader);
    fetch(&mut n, 20, 102, 3);
    assert_eq!(alter(&check_isr(&mut n, 10 * LAG)), None);
}

#[test]
fn a_silent_follower_leaves_within_one_and_a_half_lag_times() {
    let mut n = leader(cfg(), &[101, 102], &[], 1);
    produce(&mut n, 10, 1, 3, Acks::Leader);
    // Checked at 0 (the first tick), then every LAG / 2: not at LAG, by 1.5 LAG.
    check_isr(&mut n, 0);
    for t in [LAG / 2, LAG] {
        assert_eq!(alter(&check_isr(&mut n, t)), None, "at {t}");
    }
    let shrink = alter(&check_isr(&mut n, 3 * LAG / 2))
        .cloned()
        .expect("a shrink");
    assert_eq!((shrink.isr, shrink.partition_epoch), (vec![101], 0));
}

#[test]
fn a_follower_joins_on_a_fetch_only_if_eligible_and_with_its_broker_epoch() {
    let mut n = leader(cfg(), &[101], &[103], 1);
    produce(&mut n, 10, 1, 2, Acks::Leader);
    assert_eq!(hw(&n), 2, "alone in the ISR, the leader commits at once");
    // 103 is fenced: caught up, but never proposed.
    assert_eq!(alter(&fetch(&mut n, 20, 103, 2)), None);
    // 102 from an older incarnation: refused, nothing known of it.
    let out = fetch_as(&mut n, 30, 102, 2, Some(1));
    assert_eq!(alter(&out), None);
    assert_eq!(n.durable.partitions[&(1, 0)].followers[&102].leo, None);
    // 102 as registered: proposed, with what the controller needs to refuse a stale request.
    let out = fetch(&mut n, 40, 102, 2);
    let req = alter(&out).expect("an expansion").clone();
    assert_eq!(
        (req.isr, req.partition_epoch, req.broker_epochs),
        (vec![101, 102], 0, vec![(101, 1), (102, 2)])
    );
    // One change at a time: 103 unfenced now still waits for the answer.
    n.image.brokers.get_mut(&103).unwrap().fenced = false;
    assert_eq!(alter(&fetch(&mut n, 50, 103, 2)), None);
}

#[test]
fn a_follower_not_yet_at_the_hw_is_not_proposed() {
    let mut n = leader(cfg(), &[101], &[], 1);
    produce(&mut n, 10, 1, 4, Acks::Leader);
    assert_eq!(alter(&fetch(&mut n, 20, 102, 3)), None);
}

#[test]
fn the_hw_waits_for_a_caught_up_eligible_follower_about_to_join() {
    // 102 outside the ISR but caught up (it fetched the LEO just now): the HW waits for it,
    // or it could never reach the HW under load and rejoin (KAFKA-15021).
    for fenced in [false, true] {
        let fenced_list: &[NodeId] = if fenced { &[102] } else { &[] };
        let mut n = leader(cfg(), &[101], fenced_list, 1);
        fetch(&mut n, 5, 102, 0);
        // Not the expansion in flight (which holds the HW anyway): the rule on its own.
        n.durable.partitions.get_mut(&(1, 0)).unwrap().pending_isr = None;
        produce(&mut n, 10, 1, 3, Acks::Leader);
        let expected = if fenced { 3 } else { 0 };
        assert_eq!(hw(&n), expected, "102 fenced: {fenced}");
    }
}

#[test]
fn the_hw_does_not_wait_for_a_follower_of_another_broker_epoch() {
    // 102 caught up, but the metadata shows it registered again since (a restart): what the
    // leader knows of it belongs to the old process.
    let mut n = leader(cfg(), &[101], &[], 1);
    fetch(&mut n, 5, 102, 0);
    n.durable.partitions.get_mut(&(1, 0)).unwrap().pending_isr = None;
    n.image.brokers.get_mut(&102).unwrap().epoch = 7;
    produce(&mut n, 10, 1, 3, Acks::Leader);
    assert_eq!(hw(&n), 3);
}

#[test]
fn while_an_expansion_is_in_flight_the_joining_follower_holds_the_hw() {
    let mut n = leader(cfg(), &[101], &[], 1);
    let out = fetch(&mut n, 5, 102, 0);
    assert!(alter(&out).is_some());
    // The controller does not answer (it cannot be reached). Much later, 102 is no longer
    // caught up, but it may yet be in the ISR: the HW must not pass it.
    produce(&mut n, 5 * LAG, 1, 3, Acks::Leader);
    assert_eq!(hw(&n), 0);
    fetch(&mut n, 5 * LAG + 10, 102, 2);
    assert_eq!(hw(&n), 2);
}

fn answer(req: &AlterPartitionRequest, partition_epoch: u32, error: Option<ErrorCode>) -> Message {
    Message::AlterPartitionResponse(AlterPartitionResponse {
        correlation: req.correlation,
        topic_id: 1,
        partition: 0,
        leader_epoch: 0,
        partition_epoch,
        isr: req.isr.clone(),
        error,
    })
}

#[test]
fn the_leader_takes_the_committed_answer_and_ignores_any_other() {
    let mut n = leader(cfg(), &[101], &[], 1);
    let req = alter(&fetch(&mut n, 5, 102, 0)).cloned().unwrap();
    // An answer to another request (a duplicate of an old one): ignored.
    let mut other = req.clone();
    other.correlation += 1000;
    deliver(&mut n, 6, 1, answer(&other, 1, None));
    assert!(n.durable.partitions[&(1, 0)].pending_isr.is_some());
    // An answer older than the state the leader has: ignored.
    n.durable
        .partitions
        .get_mut(&(1, 0))
        .unwrap()
        .partition_epoch = 2;
    deliver(&mut n, 7, 1, answer(&req, 1, None));
    assert_eq!(n.durable.partitions[&(1, 0)].isr, vec![101]);
    // The answer: the ISR and epoch it made, at once.
    n.durable
        .partitions
        .get_mut(&(1, 0))
        .unwrap()
        .partition_epoch = 0;
    deliver(&mut n, 8, 1, answer(&req, 1, None));
    let r = &n.durable.partitions[&(1, 0)];
    assert_eq!(
        (r.isr.clone(), r.partition_epoch, r.pending_isr.is_none()),
        (vec![101, 102], 1, true)
    );
}

#[test]
fn a_refusal_for_staleness_waits_for_the_metadata_and_ineligible_resets() {
    let mut n = leader(cfg(), &[101], &[], 1);
    let req = alter(&fetch(&mut n, 5, 102, 0)).cloned().unwrap();
    deliver(
        &mut n,
        6,
        1,
        answer(&req, 0, Some(ErrorCode::InvalidUpdateVersion)),
    );
    assert!(n.durable.partitions[&(1, 0)].pending_isr.is_some());
    assert_eq!(
        alter(&check_isr(&mut n, 6 + 60_000)),
        None,
        "not sent again"
    );
    // New metadata (a newer partition epoch) settles it.
    let p = &mut n.image.topics.get_mut(&1).unwrap().partitions[0];
    p.partition_epoch = 3;
    let mut out = Effects::default();
    n.sync_partitions(70_000, &mut out);
    assert!(n.durable.partitions[&(1, 0)].pending_isr.is_none());
    // INELIGIBLE_REPLICA: back to the committed state at once.
    let req = alter(&fetch(&mut n, 70_010, 102, 0)).cloned().unwrap();
    assert_eq!(req.partition_epoch, 3, "built on the newest state");
    deliver(
        &mut n,
        70_020,
        1,
        answer(&req, 3, Some(ErrorCode::IneligibleReplica)),
    );
    assert!(n.durable.partitions[&(1, 0)].pending_isr.is_none());
}

#[test]
fn a_lost_request_is_sent_again_after_the_request_timeout() {
    let mut n = leader(cfg(), &[101], &[], 1);
    let req = alter(&fetch(&mut n, 5, 102, 0)).cloned().unwrap();
    let timeout = n.cfg.request_timeout_ms;
    assert_eq!(alter(&check_isr(&mut n, 5 + timeout - 1)), None);
    assert_eq!(alter(&check_isr(&mut n, 5 + timeout)), Some(&req));
}

/// acks=all with ISR [101, 102] and min ISR 2; 102 falls silent and the ISR shrinks to the
/// leader (committed, seen in the metadata) before 102 fetched the records.
fn acks_all_then_the_isr_shrinks(strict: bool) -> (Node, Effects) {
    let config = Config {
        strict_min_isr: strict,
        ..cfg()
    };
    let mut n = leader(config, &[101, 102], &[], 2);
    fetch(&mut n, 5, 102, 0);
    assert_eq!(produce_error(&produce(&mut n, 10, 1, 2, Acks::All)), None);
    let p = &mut n.image.topics.get_mut(&1).unwrap().partitions[0];
    p.isr = vec![101];
    p.partition_epoch = 1;
    let mut out = Effects::default();
    n.sync_partitions(LAG + 100, &mut out);
    (n, out)
}

#[test]
fn below_min_isr_the_hw_stands_still() {
    let (n, out) = acks_all_then_the_isr_shrinks(true);
    assert_eq!(hw(&n), 0, "strict min ISR: the HW waits");
    assert_eq!(produce_error(&out), None, "still held");
}

#[test]
fn below_min_isr_the_hw_stands_still_with_the_elr_off_too() {
    // Strict min ISR is Kafka 3.7+'s rule whatever the ELR switch says (KAFKA-15583).
    let config = Config {
        eligible_leader_replicas: false,
        ..cfg()
    };
    let mut n = leader(config, &[101, 102], &[], 2);
    fetch(&mut n, 5, 102, 0);
    produce(&mut n, 10, 1, 2, Acks::All);
    let p = &mut n.image.topics.get_mut(&1).unwrap().partitions[0];
    p.isr = vec![101];
    p.partition_epoch = 1;
    let mut out = Effects::default();
    n.sync_partitions(LAG + 100, &mut out);
    assert_eq!(hw(&n), 0);
    assert_eq!(produce_error(&out), None, "not acknowledged with one copy");
}

#[test]
fn before_kafka_3_7_the_hw_moved_and_the_produce_got_not_enough_replicas_after_append() {
    let (n, out) = acks_all_then_the_isr_shrinks(false);
    assert_eq!(hw(&n), 2);
    assert_eq!(
        produce_error(&out),
        Some(Some(ErrorCode::NotEnoughReplicasAfterAppend))
    );
}

#[test]
fn acks_all_below_min_isr_is_refused_before_the_append() {
    let mut n = leader(cfg(), &[101], &[], 2);
    let out = produce(&mut n, 10, 1, 2, Acks::All);
    assert_eq!(
        produce_error(&out),
        Some(Some(ErrorCode::NotEnoughReplicas))
    );
    assert_eq!(leo(&n), 0);
}
