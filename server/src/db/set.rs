//! The set type. (Minimal core; the set family fills it in.)

use super::dict::Dict;

/// A set of byte strings.
#[derive(Clone, Debug, Default)]
pub struct Set {
    /// Members.
    pub members: Dict<()>,
}

impl Set {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.members.bucket_count() * 8
            + self
                .members
                .iter()
                .map(|(k, _)| 32 + k.heap_size())
                .sum::<usize>()
    }

    /// Visits every element (in the type's natural order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for k in self.members.keys() {
            f(k);
        }
    }

    /// An empty set.
    pub fn new() -> Set {
        Set::default()
    }

    /// Adds a member; true if it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        self.members.insert(crate::db::SBytes::from_slice(member), ()).is_none()
    }
}
