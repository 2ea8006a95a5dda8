//! Follower fetch sessions (KIP-227): one fetch from each follower broker to each leader broker
//! covers every partition it follows there, as Kafka's `ReplicaFetcherThread` sends it. After
//! the first (full) fetch, the leader keeps the session's partitions and where each fetches from
//! (`FetchSession`, Kafka's `CachedPartition`), so a request names only partitions whose fetch
//! position changed, and an answer only partitions with something to say: records, a new HW or
//! log start, a divergence, an error. The follower's side (`ReplicaFetcher`, Kafka's
//! `FetchSessionHandler`) remembers what the leader's session holds.

// Where a follower fetches a partition from is part of the fetch request (message.rs); its
// old path still names it.
pub use crate::protocol::message::FetchPosition;
use crate::protocol::message::{PartitionFetchData, PartitionFetchRequest};
use crate::protocol::types::PartitionKey;
use crate::protocol::types::{NodeId, Offset, Time};
use std::collections::BTreeMap;

/// A follower broker's fetcher for one leader broker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicaFetcher {
    /// The fetch in flight (one at a time): its correlation and when it was sent.
    pub inflight: Option<(u64, Time)>,
    /// The session the leader gave (0: none yet, the next fetch is a full one).
    pub session_id: u32,
    /// The epoch the next incremental fetch carries.
    pub session_epoch: u32,
    /// What the leader's session holds after the last fetch sent.
    pub known: BTreeMap<PartitionKey, FetchPosition>,
}

impl ReplicaFetcher {
    /// The next fetch for the partitions `wanted`: every one of them when there is no session,
    /// otherwise those added or moved since the last fetch, and those to forget.
    pub fn build(
        &mut self,
        correlation: u64,
        now: Time,
        broker_epoch: Option<Offset>,
        wanted: BTreeMap<PartitionKey, FetchPosition>,
    ) -> PartitionFetchRequest {
        let full = self.session_id == 0;
        let (partitions, forgotten) = if full {
            (
                wanted.iter().map(|(key, pos)| (*key, *pos)).collect(),
                Vec::new(),
            )
        } else {
            changes(&self.known, &wanted)
        };
        self.known = wanted;
        self.inflight = Some((correlation, now));
        PartitionFetchRequest {
            correlation,
            broker_epoch,
            session_id: self.session_id,
            session_epoch: if full { 0 } else { self.session_epoch },
            partitions,
            forgotten,
        }
    }

    /// The answer to the fetch in flight arrived: the session it names goes on.
    pub fn answered(&mut self, session_id: u32) {
        self.inflight = None;
        if self.session_id == 0 || self.session_id != session_id {
            self.session_id = session_id;
            self.session_epoch = 1;
        } else {
            self.session_epoch += 1;
        }
    }

    /// A session error or an unanswered fetch: the next fetch is a full one (Kafka's
    /// `FetchSessionHandler.handleError`).
    pub fn reset(&mut self) {
        self.inflight = None;
        self.session_id = 0;
        self.session_epoch = 0;
        self.known.clear();
    }
}

/// What `wanted` adds or moves since `known`, and what it leaves out, each in key order: one
/// walk over both maps (a follower of 30,000 partitions on a leader builds a fetch after every
/// answer).
fn changes(
    known: &BTreeMap<PartitionKey, FetchPosition>,
    wanted: &BTreeMap<PartitionKey, FetchPosition>,
) -> (Vec<(PartitionKey, FetchPosition)>, Vec<PartitionKey>) {
    let (mut moved, mut forgotten) = (Vec::new(), Vec::new());
    let mut old = known.iter().peekable();
    for (key, pos) in wanted {
        while let Some((k, _)) = old.next_if(|(k, _)| *k < key) {
            forgotten.push(*k);
        }
        match old.next_if(|(k, _)| *k == key) {
            Some((_, p)) if p == pos => {}
            _ => moved.push((*key, *pos)),
        }
    }
    forgotten.extend(old.map(|(k, _)| *k));
    (moved, forgotten)
}

/// A partition in a leader's fetch session: where the follower fetches from and what the last
/// answer told it.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedPartition {
    pub position: FetchPosition,
    /// The HW and log start last sent (None: not sent yet, or after an error).
    pub hw_sent: Option<Offset>,
    pub log_start_sent: Option<Offset>,
}

/// A leader broker's session with one follower broker.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchSession {
    pub id: u32,
    /// The epoch the next incremental fetch must carry.
    pub epoch: u32,
    pub partitions: BTreeMap<PartitionKey, CachedPartition>,
}

impl FetchSession {
    /// Whether an answer must name this partition; with `update`, the cache takes what it says
    /// (Kafka's `CachedPartition.maybeUpdateResponseData`).
    pub fn must_respond(&mut self, data: &PartitionFetchData, update: bool) -> bool {
        match self.partitions.get_mut(&(data.topic_id, data.partition)) {
            Some(c) => c.must_respond(data, update),
            None => true,
        }
    }
}

impl CachedPartition {
    /// `FetchSession::must_respond` for this partition. Without `update` nothing changes; with
    /// it, an answer that need not name the partition changes nothing either.
    pub fn must_respond(&mut self, data: &PartitionFetchData, update: bool) -> bool {
        let c = self;
        let records = matches!(&data.body, crate::protocol::message::PartitionFetchBody::Records(r) if !r.is_empty());
        let diverging = !records
            && !matches!(
                &data.body,
                crate::protocol::message::PartitionFetchBody::Records(_)
            );
        let mut must = records || diverging;
        if c.hw_sent != Some(data.hw) {
            must = true;
            if update {
                c.hw_sent = Some(data.hw);
            }
        }
        if c.log_start_sent != Some(data.log_start_offset) {
            must = true;
            if update {
                c.log_start_sent = Some(data.log_start_offset);
            }
        }
        if data.error.is_some() {
            // Sent again once the error is gone.
            if update {
                c.hw_sent = None;
            }
            must = true;
        }
        must
    }
}

/// Why a fetch's session could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// FETCH_SESSION_ID_NOT_FOUND: the leader has no such session (it restarted, or replaced it).
    NotFound,
    /// INVALID_FETCH_SESSION_EPOCH: a fetch out of turn (a late or duplicated one).
    InvalidEpoch,
}

/// A leader broker's fetch sessions, one per follower broker, and the fetches it holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchSessions {
    pub sessions: BTreeMap<NodeId, FetchSession>,
    next_id: u32,
    /// Follower fetches with nothing new to return, held until records arrive on one of their
    /// partitions or `replica_fetch_wait_max_ms` passes (Kafka's delayed fetch).
    pub parked: Vec<ParkedFetch>,
}

/// A follower's fetch the leader holds. A HW move alone does not complete it (KAFKA-9952): the
/// new HW rides on the next answer, with another partition's records or at the wait's end.
#[derive(Clone, Debug, PartialEq)]
pub struct ParkedFetch {
    pub from: NodeId,
    pub correlation: u64,
    pub session_id: u32,
    pub full: bool,
    pub broker_epoch: Option<Offset>,
    pub deadline: Time,
}

impl FetchSessions {
    /// Takes a fetch into its session: a full fetch opens a new one (replacing the follower's
    /// old session), an incremental one must name the session and its next epoch. Returns
    /// whether the fetch was full.
    pub fn open(
        &mut self,
        from: NodeId,
        req: &PartitionFetchRequest,
    ) -> Result<bool, SessionError> {
        let entry = |pos: &FetchPosition| CachedPartition {
            position: *pos,
            hw_sent: None,
            log_start_sent: None,
        };
        if req.session_epoch == 0 {
            self.next_id += 1;
            let session = FetchSession {
                id: self.next_id,
                epoch: 1,
                partitions: req
                    .partitions
                    .iter()
                    .map(|(key, pos)| (*key, entry(pos)))
                    .collect(),
            };
            self.sessions.insert(from, session);
            return Ok(true);
        }
        let Some(s) = self
            .sessions
            .get_mut(&from)
            .filter(|s| s.id == req.session_id)
        else {
            return Err(SessionError::NotFound);
        };
        if s.epoch != req.session_epoch {
            return Err(SessionError::InvalidEpoch);
        }
        s.epoch += 1;
        for key in &req.forgotten {
            s.partitions.remove(key);
        }
        for (key, pos) in &req.partitions {
            match s.partitions.get_mut(key) {
                Some(c) => c.position = *pos,
                None => {
                    s.partitions.insert(*key, entry(pos));
                }
            }
        }
        Ok(false)
    }

    /// The held fetches that `key`'s news completes.
    pub fn take_parked_for(&mut self, key: PartitionKey) -> Vec<ParkedFetch> {
        let sessions = &self.sessions;
        let (due, rest) = std::mem::take(&mut self.parked).into_iter().partition(|p| {
            sessions
                .get(&p.from)
                .is_some_and(|s| s.id == p.session_id && s.partitions.contains_key(&key))
        });
        self.parked = rest;
        due
    }

    /// The held fetches whose wait is over.
    pub fn take_parked_due(&mut self, now: Time) -> Vec<ParkedFetch> {
        let (due, rest) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|p| now >= p.deadline);
        self.parked = rest;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(offset: Offset) -> FetchPosition {
        FetchPosition {
            leader_epoch: 1,
            fetch_offset: offset,
            last_fetched_epoch: Some(1),
        }
    }

    #[test]
    fn a_fetch_without_a_session_names_every_partition_and_later_ones_only_what_moved() {
        let mut f = ReplicaFetcher::default();
        let wanted: BTreeMap<_, _> = [((1, 0), pos(5)), ((1, 1), pos(7))].into();
        let first = f.build(1, 0, None, wanted.clone());
        assert_eq!((first.session_id, first.session_epoch), (0, 0));
        assert_eq!(first.partitions.len(), 2);
        f.answered(9);
        let mut moved = wanted;
        moved.insert((1, 1), pos(8));
        moved.remove(&(1, 0));
        moved.insert((2, 0), pos(0));
        let next = f.build(2, 0, None, moved);
        assert_eq!((next.session_id, next.session_epoch), (9, 1));
        assert_eq!(next.partitions, vec![((1, 1), pos(8)), ((2, 0), pos(0))]);
        assert_eq!(next.forgotten, vec![(1, 0)]);
    }

    #[test]
    fn asking_without_update_changes_nothing_and_an_answer_not_naming_a_partition_keeps_its_cache()
    {
        use crate::protocol::message::{ErrorCode, PartitionFetchBody};
        let data = |hw, error| PartitionFetchData {
            topic_id: 1,
            partition: 0,
            leader_epoch: 1,
            hw,
            log_start_offset: 0,
            body: PartitionFetchBody::Records(Vec::new()),
            error,
        };
        let cached = |hw_sent| CachedPartition {
            position: pos(5),
            hw_sent,
            log_start_sent: Some(0),
        };
        for c in [cached(None), cached(Some(3)), cached(Some(4))] {
            for d in [data(4, None), data(4, Some(ErrorCode::NotLeaderOrFollower))] {
                let mut asked = c.clone();
                let must = asked.must_respond(&d, false);
                assert_eq!(asked, c);
                let mut updated = c.clone();
                assert_eq!(updated.must_respond(&d, true), must);
                if !must {
                    assert_eq!(updated, c);
                }
            }
        }
    }

    #[test]
    fn the_changes_walk_finds_what_lookups_find() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        for _ in 0..200 {
            let mut map = |n: u32| -> BTreeMap<PartitionKey, FetchPosition> {
                (0..n)
                    .map(|_| ((next() % 3, next() % 20), pos(u64::from(next() % 3))))
                    .collect()
            };
            let (known, wanted) = (map(15), map(15));
            let moved: Vec<_> = wanted
                .iter()
                .filter(|(key, pos)| known.get(key) != Some(pos))
                .map(|(key, pos)| (*key, *pos))
                .collect();
            let forgotten: Vec<_> = known
                .keys()
                .filter(|key| !wanted.contains_key(key))
                .copied()
                .collect();
            assert_eq!(changes(&known, &wanted), (moved, forgotten));
        }
    }

    #[test]
    fn the_leader_refuses_a_fetch_out_of_turn_and_an_unknown_session() {
        let mut s = FetchSessions::default();
        let mut f = ReplicaFetcher::default();
        let wanted: BTreeMap<_, _> = [((1, 0), pos(5))].into();
        let full = f.build(1, 0, None, wanted.clone());
        assert_eq!(s.open(4, &full), Ok(true));
        f.answered(s.sessions[&4].id);
        let next = f.build(2, 0, None, wanted);
        assert_eq!(s.open(4, &next), Ok(false));
        // The same fetch again (duplicated on the network): its epoch is spent.
        assert_eq!(s.open(4, &next), Err(SessionError::InvalidEpoch));
        assert_eq!(s.open(5, &next), Err(SessionError::NotFound));
    }
}
