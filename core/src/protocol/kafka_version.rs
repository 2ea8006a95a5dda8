//! Kafka's history as settings: `cluster.kafka_version` sets every historical switch and every
//! default that changed as that release had it. An explicit key in `config` still wins.

use serde_json::{Map, Value};

/// A Kafka release: major, minor and, before 1.0 (when "0.10.2" was a feature release of its
/// own), the third number; after 1.0 a patch number is accepted and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KafkaVersion {
    pub major: u32,
    pub minor: u32,
    pub feature: u32,
}

/// The oldest release modelled (the replication protocol as 0.8 introduced it) and the newest.
pub const OLDEST: KafkaVersion = v(0, 8);
pub const NEWEST: KafkaVersion = v(4, 2);

const fn v(major: u32, minor: u32) -> KafkaVersion {
    KafkaVersion {
        major,
        minor,
        feature: 0,
    }
}

impl KafkaVersion {
    /// "0.10", "2.0", "3.6.1", ...; None for anything else or outside the modelled range.
    pub fn parse(s: &str) -> Option<KafkaVersion> {
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let third = match parts.next() {
            Some(p) => p.parse::<u32>().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        let feature = if major == 0 { third } else { 0 };
        let version = KafkaVersion {
            major,
            minor,
            feature,
        };
        (OLDEST..=NEWEST).contains(&version).then_some(version)
    }

    /// Whether this release had KRaft mode at all (early access since 2.8).
    pub fn has_kraft(self) -> bool {
        self >= v(2, 8)
    }

    /// Whether this release still had ZooKeeper mode (removed in 4.0).
    pub fn has_zookeeper(self) -> bool {
        self < v(4, 0)
    }

    /// The config keys this release fixes, as it behaved.
    pub fn settings(self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut set = |k: &str, value: Value| {
            m.insert(k.to_string(), value);
        };
        // KAFKA-4485 (0.10.2): a fetch reaching the leader's LEO of the previous fetch is caught up.
        let v0_10_2 = KafkaVersion {
            feature: 2,
            ..v(0, 10)
        };
        set("caught_up_by_previous_fetch", (self >= v0_10_2).into());
        // KIP-101 (0.11): leader epochs; before, a follower truncated to its own HW.
        set("unsafe_truncate_to_hw", (self < v(0, 11)).into());
        // KIP-106 (0.11): unclean leader election off by default.
        set("unclean_leader_election", (self < v(0, 11)).into());
        // KIP-537 (2.5): replica.lag.time.max.ms 10 s -> 30 s, zookeeper.session.timeout.ms 6 s -> 18 s.
        set(
            "replica_lag_time_max_ms",
            (if self < v(2, 5) { 10_000 } else { 30_000 }).into(),
        );
        set(
            "zookeeper_session_timeout_ms",
            (if self < v(2, 5) { 6_000 } else { 18_000 }).into(),
        );
        // KAFKA-5642 (1.1): the controller reads ZooKeeper with many calls in flight.
        set(
            "zookeeper_max_in_flight",
            (if self < v(1, 1) { 1 } else { 10 }).into(),
        );
        // KAFKA-6082 (2.1): controller writes check /controller_epoch's version.
        set("unsafe_no_controller_epoch_check", (self < v(2, 1)).into());
        // KAFKA-15583 (3.7): the HW stands still below min ISR.
        set("strict_min_isr", (self >= v(3, 7)).into());
        // KIP-966: Eligible Leader Replicas, on by default for new clusters since 4.1.
        set("eligible_leader_replicas", (self >= v(4, 1)).into());
        // KIP-996 (4.0): pre-vote.
        set("pre_vote", (self >= v(4, 0)).into());
        m
    }
}

impl std::fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.feature > 0 {
            write!(f, ".{}", self.feature)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(version: &str, key: &str) -> Value {
        KafkaVersion::parse(version).unwrap().settings()[key].clone()
    }

    #[test]
    fn each_switch_flips_at_its_release() {
        for (key, before, at) in [
            ("caught_up_by_previous_fetch", "0.10.1", "0.10.2"),
            ("unsafe_truncate_to_hw", "0.11", "0.10.2"),
            ("zookeeper_max_in_flight", "1.0", "1.1"),
            ("unsafe_no_controller_epoch_check", "2.1", "2.0"),
            ("strict_min_isr", "3.6", "3.7"),
            ("eligible_leader_replicas", "4.0", "4.1"),
            ("pre_vote", "3.9", "4.0"),
        ] {
            assert_ne!(setting(before, key), setting(at, key), "{key}");
        }
        assert_eq!(setting("2.4", "replica_lag_time_max_ms"), 10_000);
        assert_eq!(setting("2.5", "replica_lag_time_max_ms"), 30_000);
    }

    #[test]
    fn versions_outside_the_modelled_range_or_malformed_are_refused() {
        for bad in ["0.7", "4.3", "5.0", "x", "3", "3.6.1.2", ""] {
            assert_eq!(KafkaVersion::parse(bad), None, "{bad}");
        }
        assert_eq!(KafkaVersion::parse("3.6.1"), Some(v(3, 6)));
        assert_eq!(KafkaVersion::parse("4.2"), Some(NEWEST));
    }

    #[test]
    fn the_newest_release_is_what_the_defaults_are() {
        let defaults = serde_json::to_value(crate::protocol::Config::default()).unwrap();
        for (key, value) in NEWEST.settings() {
            assert_eq!(defaults[&key], value, "{key}");
        }
    }
}
