//! A state's fingerprint for the explorer: a 64-bit hash of what the protocol *is* at a moment,
//! with time left out (the explorer abstracts time: any pending event may come next), so two
//! interleavings that end in the same state meet.
//!
//! What goes in: each node's role, quorum state, log shape (start, end, epoch runs, snapshots),
//! HW, which timers are set, election tallies, the leader's view of each follower, the broker's
//! registration and partition replicas; the messages on the wire as a multiset (their contents,
//! correlation ids aside: each interleaving numbers requests differently); cut links; the
//! clients' produces and consumers; and what the checker remembers as committed (a state reached
//! after a commit is not the state reached before it, even if the nodes look alike).
//! What stays out: clocks, deadlines, correlation ids, traces and statistics. Merging states that
//! differ only there can hide a path (the explorer is then less complete, never wrong: every path
//! it reports is replayed for real).

use crate::protocol::node::{Node, ALL_SLOTS};
use crate::sim::simulation::Simulation;
use foldhash::quality::{FixedState, FoldHasher};
use serde::ser::{self, Serialize};
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

/// The hasher of fingerprints: fixed seed (same run, same hashes), 64-bit quality.
fn hasher() -> FoldHasher {
    FixedState::with_seed(0x6b72_6166_7421).build_hasher()
}

impl Simulation {
    /// The explorer's state hash (see the module comment for what it covers).
    pub fn fingerprint(&self) -> u64 {
        let mut h = hasher();
        for n in self.nodes() {
            (n.alive, n.paused_until.is_some()).hash(&mut h);
            node_fingerprint(&n.node, &mut h);
        }
        // The wire as a multiset: the order messages were sent in is not part of the state.
        let mut wire: Vec<u64> = self
            .in_flight()
            .map(|(env, _)| {
                let mut m = hasher();
                (env.from, env.to).hash(&mut m);
                hash_serialized(&*env.msg, &mut m);
                m.finish()
            })
            .collect();
        wire.sort_unstable();
        wire.hash(&mut h);
        for link in self.cut_links() {
            link.hash(&mut h);
        }
        for p in self.produces() {
            (
                p.id,
                p.status as u8,
                p.base_offset,
                p.error.map(|e| e as u8),
            )
                .hash(&mut h);
        }
        for c in self.consumers() {
            (c.id, c.position, c.read_total, c.resets).hash(&mut h);
        }
        self.checker_fingerprint(&mut h);
        h.finish()
    }
}

fn node_fingerprint(n: &Node, h: &mut FoldHasher) {
    (
        n.id,
        n.role() as u8,
        n.epoch(),
        n.voted_for(),
        n.leader_id(),
    )
        .hash(h);
    let log = n.log();
    (log.start_offset(), log.end_offset(), log.epoch_runs()).hash(h);
    for s in log.snapshots() {
        s.id.hash(h);
    }
    (n.hw, n.image.applied_offset).hash(h);
    for slot in ALL_SLOTS {
        n.timer_due(slot).is_some().hash(h);
    }
    let e = &n.election;
    (&e.granted, &e.rejected, e.backing_off).hash(h);
    let f = &n.fetch;
    (f.inflight.is_some(), f.has_fetched, f.snapshot).hash(h);
    if let Some(l) = &n.leader {
        l.epoch_start.hash(h);
        for (id, p) in &l.progress {
            // The snapshot a follower downloads decides how far cleaning may go.
            (id, p.end_offset, p.snapshot_download.map(|(s, _)| s)).hash(h);
        }
        l.fetched_voters.hash(h);
        for p in &l.parked {
            (p.from, p.req.fetch_offset, p.req.epoch).hash(h);
        }
    }
    if let Some(r) = &n.resigned {
        (&r.preferred, &r.unacked).hash(h);
    }
    if let Some(c) = &n.controller {
        for id in c.sessions.keys() {
            id.hash(h);
        }
    }
    let b = &n.broker;
    (b.registered, b.fenced, n.durable.broker_epoch).hash(h);
    for (key, r) in &n.durable.partitions {
        key.hash(h);
        let l = &r.log;
        (l.start_offset(), l.end_offset(), l.epochs()).hash(h);
        (
            r.hw,
            r.leader_epoch,
            r.leader,
            &r.isr,
            r.partition_epoch,
            r.pending_isr.as_ref().map(|p| (p.joining, &p.request.isr)),
        )
            .hash(h);
        // Time is abstracted away here: what a follower is known to hold, not when.
        for (f, s) in &r.followers {
            (f, s.leo, s.broker_epoch).hash(h);
        }
        for p in &r.purgatory {
            (p.produce, p.end).hash(h);
        }
        r.fetch_delayed_until.is_some().hash(h);
    }
    for (leader, f) in &n.fetchers {
        (leader, f.inflight.is_some(), f.session_id != 0).hash(h);
    }
    for p in &n.fetch_sessions.parked {
        (p.from, p.full).hash(h);
    }
}

/// Feeds a serializable value into a hasher, leaving out fields named `correlation`.
fn hash_serialized<T: Serialize + ?Sized>(value: &T, h: &mut FoldHasher) {
    // The hasher never fails; an error here could only come from a type's own Serialize.
    let _ = value.serialize(&mut HashSer(h));
}

struct HashSer<'a>(&'a mut FoldHasher);

#[derive(Debug)]
struct Never;
impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unserializable")
    }
}
impl std::error::Error for Never {}
impl ser::Error for Never {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Never
    }
}

macro_rules! hash_plain {
    ($($name:ident: $t:ty),*) => {$(
        fn $name(self, v: $t) -> Result<(), Never> {
            v.hash(self.0);
            Ok(())
        }
    )*};
}

impl<'a, 'b> ser::Serializer for &'b mut HashSer<'a> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    hash_plain!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_char: char, serialize_str: &str, serialize_bytes: &[u8]);

    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        v.to_bits().hash(self.0);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        v.to_bits().hash(self.0);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        0u8.hash(self.0);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Never> {
        1u8.hash(self.0);
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, i: u32, _: &'static str) -> Result<(), Never> {
        i.hash(self.0);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Never> {
        i.hash(self.0);
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        len.hash(self.0);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Never> {
        i.hash(self.0);
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        len.hash(self.0);
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self, Never> {
        name.hash(self.0);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Never> {
        i.hash(self.0);
        Ok(self)
    }
}

macro_rules! hash_elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<'a, 'b> ser::$trait for &'b mut HashSer<'a> {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
                v.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

hash_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<'a, 'b> ser::SerializeMap for &'b mut HashSer<'a> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Never> {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Never> {
        v.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

/// Struct fields, by name: a correlation id says which request an answer belongs to, and each
/// interleaving numbers its requests differently.
fn struct_field<T: Serialize + ?Sized>(
    s: &mut HashSer<'_>,
    key: &'static str,
    v: &T,
) -> Result<(), Never> {
    if key == "correlation" {
        return Ok(());
    }
    v.serialize(s)
}

macro_rules! hash_fields {
    ($($trait:ident),*) => {$(
        impl<'a, 'b> ser::$trait for &'b mut HashSer<'a> {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Never> {
                struct_field(self, key, v)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

hash_fields!(SerializeStruct, SerializeStructVariant);
