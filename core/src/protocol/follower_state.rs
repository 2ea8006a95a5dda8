//! What a partition leader knows of one follower (Kafka's `Replica` and its `ReplicaState`):
//! its LEO as its last fetch said, the broker epoch it fetched with, and when it was last
//! caught up, which decides whether it stays in (or may join) the ISR.

use crate::protocol::types::{Offset, Time};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FollowerState {
    /// Its LEO as its last fetch said; None until it fetches from this leader.
    pub leo: Option<Offset>,
    /// The broker epoch its last fetch carried (None: sent as -1, not checked).
    pub broker_epoch: Option<Offset>,
    /// The leader's LEO when the follower last fetched (Kafka's `lastFetchLeaderLogEndOffset`).
    pub last_fetch_leader_leo: Option<Offset>,
    /// When it last fetched.
    pub last_fetch_time: Option<Time>,
    /// When it was last caught up (Kafka's `lastCaughtUpTimeMs`); None: never, in this leadership.
    pub last_caught_up: Option<Time>,
}

impl FollowerState {
    /// A follower of a leader that just took over: caught up as of now if the ISR has it,
    /// else never, so a replica outside the ISR does not hold the HW back (Kafka's
    /// `resetReplicaState` with `isNewLeader`).
    pub fn new_leadership(now: Time, in_sync: bool) -> FollowerState {
        FollowerState {
            last_caught_up: in_sync.then_some(now),
            ..FollowerState::default()
        }
    }

    /// The same leader in a new leader epoch: what it knew of the follower stays; the
    /// follower is measured from the epoch's start offset.
    pub fn re_elected(&mut self, now: Time, epoch_start: Offset, in_sync: bool) {
        self.last_fetch_leader_leo = Some(epoch_start);
        self.last_fetch_time = in_sync.then_some(now);
        self.last_caught_up = in_sync.then_some(now);
    }

    /// A fetch from `fetch_offset` at `now`, when the leader's LEO is `leader_leo` (Kafka's
    /// `updateFetchStateOrThrow`, KAFKA-4485): a fetch that reaches the leader's LEO is caught
    /// up now; one that reaches the LEO the leader had at the previous fetch was caught up then.
    /// So a follower under steady load, always a few records behind the moving end, stays in.
    /// Without `by_previous_fetch` (Kafka before 0.10.2) only the first rule holds.
    pub fn fetched(
        &mut self,
        fetch_offset: Offset,
        now: Time,
        leader_leo: Offset,
        broker_epoch: Option<Offset>,
        by_previous_fetch: bool,
    ) {
        let caught_up_at = if fetch_offset >= leader_leo {
            Some(now)
        } else if by_previous_fetch
            && self
                .last_fetch_leader_leo
                .is_none_or(|previous| fetch_offset >= previous)
        {
            self.last_fetch_time
        } else {
            None
        };
        self.last_caught_up = self.last_caught_up.max(caught_up_at);
        self.last_fetch_leader_leo = Some(
            self.last_fetch_leader_leo
                .map_or(leader_leo, |l| l.max(leader_leo)),
        );
        self.last_fetch_time = Some(now);
        self.leo = Some(fetch_offset);
        self.broker_epoch = broker_epoch;
    }

    /// Kafka's `isCaughtUp`: at the leader's LEO however long silent (an idle partition loses
    /// nobody), or caught up within `lag_max`.
    pub fn is_caught_up(&self, leader_leo: Offset, now: Time, lag_max: u64) -> bool {
        self.leo == Some(leader_leo)
            || self
                .last_caught_up
                .is_some_and(|t| now.saturating_sub(t) <= lag_max)
    }

    /// Its LEO for the HW (an unknown one holds the HW where it is).
    pub fn leo_or_zero(&self) -> Offset {
        self.leo.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAG: u64 = 30_000;

    #[test]
    fn a_fetch_at_the_leaders_leo_is_caught_up_now() {
        let mut f = FollowerState::new_leadership(0, false);
        f.fetched(10, 5_000, 10, Some(3), true);
        assert_eq!(f.last_caught_up, Some(5_000));
        assert!(f.is_caught_up(12, 5_000 + LAG, LAG));
        assert!(!f.is_caught_up(12, 5_001 + LAG, LAG));
    }

    #[test]
    fn a_fetch_that_reaches_the_previous_fetchs_leo_was_caught_up_then() {
        // Steady load: each fetch is a few records behind the end, but reaches where the end
        // was at the fetch before.
        let mut f = FollowerState::new_leadership(0, false);
        f.fetched(0, 1_000, 5, None, true);
        assert_eq!(f.last_caught_up, None);
        f.fetched(5, 1_100, 9, None, true);
        assert_eq!(f.last_caught_up, Some(1_000));
        f.fetched(9, 1_200, 14, None, true);
        assert_eq!(f.last_caught_up, Some(1_100));
        // Falling further behind: not caught up at any fetch.
        f.fetched(10, 1_300, 20, None, true);
        assert_eq!(f.last_caught_up, Some(1_100));
    }

    #[test]
    fn before_kafka_0_10_2_only_a_fetch_at_the_leaders_leo_counted() {
        let mut f = FollowerState::new_leadership(0, false);
        f.fetched(0, 1_000, 5, None, false);
        f.fetched(5, 1_100, 9, None, false);
        f.fetched(9, 1_200, 14, None, false);
        assert_eq!(f.last_caught_up, None);
        f.fetched(14, 1_300, 14, None, false);
        assert_eq!(f.last_caught_up, Some(1_300));
    }

    #[test]
    fn a_follower_at_the_leaders_leo_is_caught_up_however_long_silent() {
        let mut f = FollowerState::new_leadership(0, true);
        f.fetched(7, 100, 7, None, true);
        assert!(f.is_caught_up(7, 10 * LAG, LAG));
        assert!(!f.is_caught_up(8, 10 * LAG, LAG));
    }

    #[test]
    fn a_new_leader_counts_only_isr_members_as_caught_up() {
        assert!(FollowerState::new_leadership(100, true).is_caught_up(5, 100, LAG));
        assert!(!FollowerState::new_leadership(100, false).is_caught_up(5, 100, LAG));
    }
}
