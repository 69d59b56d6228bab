//! Redis's binary encodings that RDB files carry: CRC-64, LZF, listpack, ziplist,
//! intset and zipmap. Writers produce what Redis itself would for the same data; readers
//! validate everything and never panic on corrupt input.

pub mod crc64;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod ziplist;
pub mod zipmap;

/// One element of a listpack or ziplist: integers are stored as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An integer element.
    Int(i64),
    /// A string element.
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// The element's bytes (integers in decimal).
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Elem::Int(n) => n.to_string().into_bytes(),
            Elem::Str(s) => s.to_vec(),
        }
    }

    /// Calls `f` with the element's bytes.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(n) => {
                let mut buf = [0u8; 20];
                f(crate::db::set::fmt_i64(*n, &mut buf))
            }
            Elem::Str(s) => f(s),
        }
    }
}

/// Redis's `string2ll` for encoding decisions: the canonical decimal form of an i64
/// (no leading zeros or `+`, no `-0`), at most 20 bytes.
pub fn as_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    crate::util::parse_i64(s)
}
