//! The hash type. (Minimal core; the hash family fills it in.)

use super::dict::Dict;
use super::sbytes::SBytes;

/// A map of fields to values.
#[derive(Clone, Debug, Default)]
pub struct Hash {
    /// Fields and values.
    pub map: Dict<SBytes>,
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.map.bucket_count() * 8
            + self
                .map
                .iter()
                .map(|(k, v)| 64 + k.heap_size() + v.heap_size())
                .sum::<usize>()
    }

    /// Visits every element (in the type's natural order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        for (k, v) in self.map.iter() {
            f(k, v);
        }
    }

    /// An empty hash.
    pub fn new() -> Hash {
        Hash::default()
    }

    /// Sets a field; true if it is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.map.insert(SBytes::from_slice(field), SBytes::from_slice(value)).is_none()
    }
}
