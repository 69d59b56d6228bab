//! `SBytes`: a compact, immutable byte string for keys, fields and members.
//!
//! Most keys and small values are short; storing them inline in the 24 bytes a
//! `Box<[u8]>` plus a tag would take anyway saves one allocation (and its allocator
//! overhead) per key. Longer strings live in an exactly-sized heap allocation.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Longest string stored inline.
pub const INLINE_CAP: usize = 22;

/// An immutable byte string, inline up to [`INLINE_CAP`] bytes.
#[derive(Clone)]
pub enum SBytes {
    /// Short strings, stored in place.
    Inline {
        /// Used bytes of `data`.
        len: u8,
        /// The bytes; only the first `len` count.
        data: [u8; INLINE_CAP],
    },
    /// Longer strings.
    Heap(Box<[u8]>),
}

impl SBytes {
    /// Copies `b` into a new string.
    #[inline]
    pub fn from_slice(b: &[u8]) -> SBytes {
        if b.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..b.len()].copy_from_slice(b);
            SBytes::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            SBytes::Heap(b.into())
        }
    }

    /// The empty string.
    pub const fn empty() -> SBytes {
        SBytes::Inline {
            len: 0,
            data: [0; INLINE_CAP],
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SBytes::Inline { len, data } => &data[..*len as usize],
            SBytes::Heap(b) => b,
        }
    }

    /// Bytes the allocator holds for this string beyond its own size.
    pub fn heap_size(&self) -> usize {
        match self {
            SBytes::Inline { .. } => 0,
            SBytes::Heap(b) => b.len(),
        }
    }
}

impl Deref for SBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for SBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SBytes {}

impl PartialOrd for SBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for SBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for SBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl From<&[u8]> for SBytes {
    fn from(b: &[u8]) -> Self {
        SBytes::from_slice(b)
    }
}

impl From<&str> for SBytes {
    fn from(s: &str) -> Self {
        SBytes::from_slice(s.as_bytes())
    }
}

impl From<Vec<u8>> for SBytes {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP {
            SBytes::from_slice(&v)
        } else {
            SBytes::Heap(v.into_boxed_slice())
        }
    }
}

impl From<&bytes::Bytes> for SBytes {
    fn from(b: &bytes::Bytes) -> Self {
        SBytes::from_slice(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_roundtrip() {
        assert_eq!(std::mem::size_of::<SBytes>(), 24);
        for n in [0, 1, 22, 23, 100] {
            let v = vec![7u8; n];
            let s = SBytes::from_slice(&v);
            assert_eq!(s.as_slice(), &v[..]);
            assert_eq!(matches!(s, SBytes::Inline { .. }), n <= INLINE_CAP);
        }
    }
}
