//! The list type. (Minimal core; the list family fills it in.)

use super::sbytes::SBytes;
use std::collections::VecDeque;

/// A list of byte strings.
#[derive(Clone, Debug, Default)]
pub struct List {
    /// The elements, head first.
    pub items: VecDeque<SBytes>,
}

impl List {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<SBytes>()
            + self.items.iter().map(|s| s.heap_size()).sum::<usize>()
    }

    /// Visits every element (in the type's natural order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for e in &self.items {
            f(e);
        }
    }

    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Appends at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.items.push_back(SBytes::from_slice(v));
    }

    /// Prepends at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        self.items.push_front(SBytes::from_slice(v));
    }
}
