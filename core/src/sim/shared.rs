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
    }
}
