//! The sorted set type. (Minimal core; the sorted-set family fills it in.)

use super::dict::Dict;

/// Members with scores.
#[derive(Clone, Debug, Default)]
pub struct ZSet {
    /// Member to score.
    pub scores: Dict<f64>,
}

impl ZSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        "skiplist"
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.scores.bucket_count() * 8
            + self
                .scores
                .iter()
                .map(|(k, _)| 48 + k.heap_size())
                .sum::<usize>()
    }

    /// Visits every element (in the type's natural order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        for (k, v) in self.scores.iter() {
            f(k, *v);
        }
    }

    /// An empty sorted set.
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.scores.remove(member).is_some()
    }

    /// Adds or updates a member; true if it is new.
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        self.scores
            .insert(crate::db::SBytes::from_slice(member), score)
            .is_none()
    }
}
