//! An append-only vector whose clones share everything but the newest few items: full chunks are
//! sealed behind an `Rc`. Checkpoints clone the simulation often; with this, a long history costs
//! each checkpoint a few pointers, not a copy.

use std::rc::Rc;

/// Items per sealed chunk: a clone copies at most this many.
const CHUNK: usize = 64;

#[derive(Clone, Debug)]
pub struct SharedVec<T> {
    sealed: Vec<Rc<[T]>>,
    tail: Vec<T>,
}

impl<T> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec {
            sealed: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> SharedVec<T> {
    pub fn push(&mut self, item: T) {
        self.tail.push(item);
        if self.tail.len() == CHUNK {
            let full = std::mem::take(&mut self.tail);
            self.sealed.push(full.into());
        }
    }

    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.tail.len()
    }

    pub fn last(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.sealed.last().and_then(|c| c.last()))
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match self.sealed.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None => self.tail.get(index - self.sealed.len() * CHUNK),
        }
    }

    /// Forgets the sealed chunks that lie wholly below `index`. Returns how many items went (the
    /// caller shifts its indices by that much).
    pub fn forget_below(&mut self, index: usize) -> usize {
        let chunks = (index / CHUNK).min(self.sealed.len());
        self.sealed.drain(..chunks);
        chunks * CHUNK
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.sealed
            .iter()
            .flat_map(|c| c.iter())
            .chain(self.tail.iter())
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_sealed_chunks_and_diverge_after() {
        let mut a = SharedVec::default();
        for i in 0..(CHUNK * 2 + 5) {
            a.push(i);
        }
        let mut b = a.clone();
        assert!(
            Rc::ptr_eq(&a.sealed[0], &b.sealed[0]),
            "sealed chunks are shared"
        );
        b.push(999);
        assert_eq!(a.len(), CHUNK * 2 + 5);
        assert_eq!(b.len(), CHUNK * 2 + 6);
        assert_eq!(b.last(), Some(&999));
        assert_eq!(a.last(), Some(&(CHUNK * 2 + 4)));
        assert_eq!(a.to_vec(), (0..CHUNK * 2 + 5).collect::<Vec<_>>());
        assert_eq!(a.get(CHUNK + 3), Some(&(CHUNK + 3)));
        assert_eq!(b.get(CHUNK * 2 + 5), Some(&999));
        assert_eq!(b.get(CHUNK * 2 + 6), None);
    }

    #[test]
    fn forgets_only_whole_sealed_chunks_below_an_index() {
        let mut a = SharedVec::default();
        for i in 0..(CHUNK * 3 + 2) {
            a.push(i);
        }
        assert_eq!(a.forget_below(CHUNK * 2 - 1), CHUNK);
        assert_eq!(a.get(0), Some(&CHUNK));
        assert_eq!(a.forget_below(CHUNK * 9), CHUNK * 2);
        assert_eq!(a.get(0), Some(&(CHUNK * 3)));
        assert_eq!(a.len(), 2);
    }
}
