//! Cluster configuration: Kafka's settings in snake_case plus the playground's own switches.
//! Every key is optional; unknown keys are rejected so a typo never silently does nothing.

use serde::{Deserialize, Serialize};

/// Network latency range in virtual milliseconds, drawn uniformly per message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    pub min: u64,
    pub max: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    // --- quorum (KIP-595 / KIP-996), Kafka defaults ---
    /// `quorum.election.timeout.ms`: election timeout is uniform in [T, 2T).
    pub election_timeout_ms: u64,
    /// `quorum.fetch.timeout.ms`: a follower with no successful fetch for this long campaigns.
    pub fetch_timeout_ms: u64,
    /// `quorum.election.backoff.max.ms`: cap of the back-off after a lost election.
    pub election_backoff_max_ms: u64,
    /// `quorum.request.timeout.ms`: an unanswered request is sent again after this long.
    pub request_timeout_ms: u64,
    /// `quorum.retry.backoff.ms`
    pub retry_backoff_ms: u64,
    /// Long-poll: the leader holds an empty Fetch this long (Kafka's metadata log uses 500 ms).
    pub fetch_max_wait_ms: u64,
    /// Most entries in one Fetch response (stands in for Kafka's byte limit).
    pub fetch_max_records: u64,
    /// KIP-996 pre-vote (Kafka 4.0+). Off shows the disruptive rejoining node.
    pub pre_vote: bool,
    /// A new leader appends a LeaderChange control record in its epoch (Kafka does).
    pub leader_change_record: bool,

    // --- metadata, snapshots, brokers (KIP-630 / KIP-631) ---
    /// `metadata.max.idle.interval.ms`: NoOp cadence of the idle active controller; 0 = off.
    pub metadata_max_idle_interval_ms: u64,
    /// Kafka's `metadata.log.max.record.bytes.between.snapshots` (20 MiB), scaled for teaching:
    /// snapshot once this many bytes of records (`record_size` estimates them) were committed
    /// since the last one, and never before they weigh as much as the image itself (writing a
    /// snapshot costs the whole image: so a growing image is written a few times, not once per
    /// budget). The default (8 KiB, about 100 of the idle controller's NoOps) gives a snapshot
    /// about every 50 s of an idle cluster: several in a five-minute demo. 0 = never.
    pub snapshot_every_bytes: u64,
    /// The teaching knob: snapshot after exactly this many newly committed records instead of
    /// by bytes (0 = never). Unset (the default): by bytes.
    pub snapshot_every_records: Option<u64>,
    /// Records kept in the log beyond the latest snapshot before cleaning (0 = nothing beyond it).
    pub metadata_max_retention_records: u64,
    /// FetchSnapshot `MaxBytes`: a chunk carries at most this many bytes of the snapshot. Kafka's
    /// KafkaRaftClient asks for 8 MiB (MAX_FETCH_SIZE_BYTES), the default here too: a standby
    /// downloads a 100,000-partition image (about 10 MB) in two round trips.
    pub snapshot_chunk_bytes: u64,
    /// The teaching knob: at most this many image records per chunk as well (2 shows a small
    /// cluster's download take several chunks); 0 (the default) = by bytes only.
    pub snapshot_chunk_records: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub broker_session_timeout_ms: u64,
    pub replica_lag_time_max_ms: u64,
    /// Most records in one partition fetch response (stands in for `replica.fetch.max.bytes`;
    /// small, so a far-behind follower catches up in visible round trips).
    pub replica_fetch_max_records: u64,
    /// How long a partition leader holds a follower fetch with nothing new (Kafka's
    /// replica.fetch.wait.max.ms); 0 answers at once.
    pub replica_fetch_wait_max_ms: u64,
    /// The producer client's `request.timeout.ms` (30000); `request_timeout_ms` is already the
    /// quorum's 2000 ms setting (docs/contracts.md).
    pub producer_request_timeout_ms: u64,
    /// The producer client's `retry.backoff.ms` (100); the quorum's `retry_backoff_ms` is 20.
    pub producer_retry_backoff_ms: u64,
    /// The producer client's `delivery.timeout.ms`: a produce fails after this long (120000).
    pub delivery_timeout_ms: u64,
    pub min_insync_replicas: u32,
    pub unclean_leader_election: bool,
    /// KIP-966: replicas that leave an ISR below min ISR stay eligible to lead.
    pub eligible_leader_replicas: bool,
    /// Strict min ISR (Kafka 3.7+, KAFKA-15583): the leader's HW stands still while the ISR is
    /// below min ISR, ELR or not. Historical switch: false is Kafka before 3.7, where the HW moved
    /// and an acks=all produce that found the ISR too small after its append was answered
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND.
    pub strict_min_isr: bool,
    /// A fetch that reaches the LEO the leader had at the follower's previous fetch counts as
    /// caught up then (Kafka 0.10.2+, KAFKA-4485). Historical switch: false is Kafka before,
    /// where only a fetch that reached the leader's current LEO counted, so a follower under
    /// steady load, always a few records behind the moving end, fell out of the ISR.
    pub caught_up_by_previous_fetch: bool,
    /// How long an appended partition record stays in the page cache before the OS writes it to
    /// disk (Kafka never forces a flush; Linux writes dirty pages back within seconds). A power
    /// loss takes what is not flushed yet; a process crash keeps it. 0: every append is on disk.
    pub flush_interval_ms: u64,
    /// The active controller moves leadership back to preferred replicas periodically.
    pub auto_leader_rebalance: bool,
    pub leader_imbalance_check_interval_ms: u64,

    // --- ZooKeeper mode (docs/protocol.md, ZooKeeper mode) ---
    /// `zookeeper.session.timeout.ms` (18000 since Kafka 2.5): a broker the ensemble has not
    /// heard from for this long loses its session and its ephemeral znodes.
    pub zookeeper_session_timeout_ms: u64,
    /// One way of a call between a broker and the ensemble (a round trip is twice this). The
    /// ensemble sits close to the brokers, so its calls do not take the cluster's network latency.
    pub zookeeper_op_ms: u64,
    /// `zookeeper.max.in.flight.requests` (10): how many calls a broker keeps outstanding;
    /// 1 shows Kafka before 1.1, whose controller read ZooKeeper one call at a time.
    pub zookeeper_max_in_flight: u64,
    /// Unsafe teaching switch (Kafka before 2.1, KAFKA-6082): the controller's writes do not
    /// check `/controller_epoch`'s version, so a zombie controller's writes land.
    pub unsafe_no_controller_epoch_check: bool,

    // --- simulation ---
    pub latency_ms: Latency,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
    /// Check the safety invariants after every event.
    pub check_invariants: bool,
    /// How many trace events are kept (a ring: older ones are dropped, counts are kept).
    pub trace_capacity: usize,

    // --- unsafe teaching switches: each one breaks a safety rule on purpose ---
    /// The leader advances the HW over a majority without waiting for an entry of its own epoch (Raft Figure 8).
    /// Unsafe teaching switch (Kafka before 0.11, before leader epochs): a follower truncates its
    /// partition log to its own HW on restart and on a leader change, and fetches without the
    /// epoch check, so KIP-101's two failures can happen (docs/protocol.md, data plane).
    pub unsafe_truncate_to_hw: bool,
    pub unsafe_commit_previous_epoch: bool,
    /// Unsafe teaching switch (KIP-853's hazard): a wiped controller comes back with its old
    /// directory id, so it votes as the voter whose log it lost.
    pub unsafe_wiped_voter_keeps_identity: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            election_timeout_ms: 1000,
            fetch_timeout_ms: 2000,
            election_backoff_max_ms: 1000,
            request_timeout_ms: 2000,
            retry_backoff_ms: 20,
            fetch_max_wait_ms: 500,
            fetch_max_records: 64,
            pre_vote: true,
            leader_change_record: true,
            metadata_max_idle_interval_ms: 500,
            snapshot_every_bytes: 8 * 1024,
            snapshot_every_records: None,
            metadata_max_retention_records: 0,
            snapshot_chunk_bytes: 8 * 1024 * 1024,
            snapshot_chunk_records: 0,
            broker_heartbeat_interval_ms: 2000,
            broker_session_timeout_ms: 9000,
            replica_lag_time_max_ms: 30000,
            replica_fetch_max_records: 16,
            replica_fetch_wait_max_ms: 500,
            producer_request_timeout_ms: 30_000,
            producer_retry_backoff_ms: 100,
            delivery_timeout_ms: 120_000,
            min_insync_replicas: 1,
            unclean_leader_election: false,
            eligible_leader_replicas: true,
            strict_min_isr: true,
            caught_up_by_previous_fetch: true,
            flush_interval_ms: 5000,
            auto_leader_rebalance: true,
            leader_imbalance_check_interval_ms: 300_000,
            zookeeper_session_timeout_ms: 18_000,
            zookeeper_op_ms: 1,
            zookeeper_max_in_flight: 10,
            unsafe_no_controller_epoch_check: false,
            latency_ms: Latency { min: 5, max: 25 },
            loss: 0.0,
            duplicate: 0.0,
            check_invariants: true,
            trace_capacity: 20_000,
            unsafe_commit_previous_epoch: false,
            unsafe_truncate_to_hw: false,
            unsafe_wiped_voter_keeps_identity: false,
        }
    }
}

impl Config {
    /// Rejects values that would make the simulation meaningless (a zero timeout spins forever).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("election_timeout_ms", self.election_timeout_ms),
            ("fetch_timeout_ms", self.fetch_timeout_ms),
            ("request_timeout_ms", self.request_timeout_ms),
            ("retry_backoff_ms", self.retry_backoff_ms),
            ("election_backoff_max_ms", self.election_backoff_max_ms),
            ("fetch_max_records", self.fetch_max_records),
            ("replica_fetch_max_records", self.replica_fetch_max_records),
            (
                "producer_request_timeout_ms",
                self.producer_request_timeout_ms,
            ),
            ("producer_retry_backoff_ms", self.producer_retry_backoff_ms),
            ("delivery_timeout_ms", self.delivery_timeout_ms),
            ("snapshot_chunk_bytes", self.snapshot_chunk_bytes),
            (
                "broker_heartbeat_interval_ms",
                self.broker_heartbeat_interval_ms,
            ),
            ("broker_session_timeout_ms", self.broker_session_timeout_ms),
            ("trace_capacity", self.trace_capacity as u64),
            (
                "leader_imbalance_check_interval_ms",
                self.leader_imbalance_check_interval_ms,
            ),
            (
                "zookeeper_session_timeout_ms",
                self.zookeeper_session_timeout_ms,
            ),
            ("zookeeper_max_in_flight", self.zookeeper_max_in_flight),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(ConfigError::NotPositive(name));
            }
        }
        // Upper bounds keep virtual time from overflowing and a run from crawling.
        let hour = 3_600_000;
        let bounded = [
            ("election_timeout_ms", self.election_timeout_ms, hour),
            ("fetch_timeout_ms", self.fetch_timeout_ms, hour),
            ("request_timeout_ms", self.request_timeout_ms, hour),
            ("retry_backoff_ms", self.retry_backoff_ms, hour),
            (
                "election_backoff_max_ms",
                self.election_backoff_max_ms,
                hour,
            ),
            ("fetch_max_wait_ms", self.fetch_max_wait_ms, hour),
            (
                "replica_fetch_wait_max_ms",
                self.replica_fetch_wait_max_ms,
                hour,
            ),
            (
                "metadata_max_idle_interval_ms",
                self.metadata_max_idle_interval_ms,
                hour,
            ),
            (
                "broker_heartbeat_interval_ms",
                self.broker_heartbeat_interval_ms,
                hour,
            ),
            (
                "broker_session_timeout_ms",
                self.broker_session_timeout_ms,
                24 * hour,
            ),
            (
                "replica_lag_time_max_ms",
                self.replica_lag_time_max_ms,
                24 * hour,
            ),
            ("flush_interval_ms", self.flush_interval_ms, 24 * hour),
            ("fetch_max_records", self.fetch_max_records, 100_000),
            (
                "replica_fetch_max_records",
                self.replica_fetch_max_records,
                100_000,
            ),
            (
                "producer_request_timeout_ms",
                self.producer_request_timeout_ms,
                24 * hour,
            ),
            (
                "producer_retry_backoff_ms",
                self.producer_retry_backoff_ms,
                hour,
            ),
            ("delivery_timeout_ms", self.delivery_timeout_ms, 24 * hour),
            (
                "leader_imbalance_check_interval_ms",
                self.leader_imbalance_check_interval_ms,
                24 * hour,
            ),
            (
                "snapshot_every_records",
                self.snapshot_every_records.unwrap_or(0),
                10_000_000,
            ),
            (
                "metadata_max_retention_records",
                self.metadata_max_retention_records,
                10_000_000,
            ),
            (
                "snapshot_chunk_records",
                self.snapshot_chunk_records,
                100_000,
            ),
            ("snapshot_every_bytes", self.snapshot_every_bytes, 1 << 40),
            ("snapshot_chunk_bytes", self.snapshot_chunk_bytes, 1 << 40),
            ("trace_capacity", self.trace_capacity as u64, 10_000_000),
            (
                "zookeeper_session_timeout_ms",
                self.zookeeper_session_timeout_ms,
                hour,
            ),
            ("zookeeper_op_ms", self.zookeeper_op_ms, 60_000),
            (
                "zookeeper_max_in_flight",
                self.zookeeper_max_in_flight,
                10_000,
            ),
            ("min_insync_replicas", self.min_insync_replicas as u64, 1000),
        ];
        for (name, v, max) in bounded {
            if v > max {
                return Err(ConfigError::TooLarge { key: name, max });
            }
        }
        if self.latency_ms.min > self.latency_ms.max {
            return Err(ConfigError::LatencyOrder);
        }
        if self.latency_ms.max > 60_000 {
            return Err(ConfigError::TooLarge {
                key: "latency_ms.max",
                max: 60_000,
            });
        }
        for (name, p) in [("loss", self.loss), ("duplicate", self.duplicate)] {
            if !(0.0..=0.9).contains(&p) {
                return Err(ConfigError::Probability(name));
            }
        }
        // KIP-966's ELR members may lead because the HW stood still below min ISR: no Kafka
        // had the ELR without strict min ISR.
        if self.eligible_leader_replicas && !self.strict_min_isr {
            return Err(ConfigError::ElrWithoutStrictMinIsr);
        }
        Ok(())
    }

    /// Leader's check-quorum window: 1.5 × the fetch timeout.
    pub fn check_quorum_ms(&self) -> u64 {
        self.fetch_timeout_ms * 3 / 2
    }
}

/// A setting out of its range. Keys are the config keys (protocol identifiers in every language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    NotPositive(&'static str),
    TooLarge { key: &'static str, max: u64 },
    LatencyOrder,
    Probability(&'static str),
    ElrWithoutStrictMinIsr,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::NotPositive(key) => write!(f, "{key} must be greater than 0"),
            ConfigError::TooLarge { key, max } => write!(f, "{key} must be at most {max}"),
            ConfigError::LatencyOrder => {
                write!(f, "latency_ms.min must not exceed latency_ms.max")
            }
            ConfigError::Probability(key) => write!(f, "{key} must be between 0 and 0.9"),
            ConfigError::ElrWithoutStrictMinIsr => write!(
                f,
                "strict_min_isr false is Kafka before 3.7, which had no eligible leader replicas: set eligible_leader_replicas false too"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_elr_needs_strict_min_isr() {
        let with = |elr, strict| Config {
            eligible_leader_replicas: elr,
            strict_min_isr: strict,
            ..Config::default()
        };
        assert_eq!(
            with(true, false).validate(),
            Err(ConfigError::ElrWithoutStrictMinIsr)
        );
        for (elr, strict) in [(true, true), (false, true), (false, false)] {
            assert_eq!(with(elr, strict).validate(), Ok(()));
        }
    }

    #[test]
    fn a_fixed_latency_is_valid_and_a_reversed_range_is_not() {
        let with = |min, max| Config {
            latency_ms: Latency { min, max },
            ..Config::default()
        };
        assert_eq!(with(10, 10).validate(), Ok(()));
        assert_eq!(with(11, 10).validate(), Err(ConfigError::LatencyOrder));
    }
}
