//! The set type, in Redis 7.4's three encodings.
//!
//! - `intset`: sorted 64-bit integers, while every member is an integer in Redis's
//!   `string2ll` sense and there are at most `set-max-intset-entries` of them;
//! - `listpack`: members in insertion order, while there are at most
//!   `set-max-listpack-entries` members of at most `set-max-listpack-value` bytes;
//! - `hashtable`: a [`Dict`] of members.
//!
//! The conversions follow Redis's `setTypeAddAux`, `setTypeCreate`,
//! `setTypeMaybeConvert` and `maybeConvertToIntset` exactly, because the encoding decides
//! the order in which `SMEMBERS` and friends return small sets.

use super::dict::Dict;
use super::sbytes::SBytes;
use crate::util::parse_i64;

/// The encoding thresholds of sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLimits {
    /// `set-max-intset-entries`.
    pub max_intset_entries: usize,
    /// `set-max-listpack-entries`.
    pub max_listpack_entries: usize,
    /// `set-max-listpack-value`.
    pub max_listpack_value: usize,
}

impl SetLimits {
    /// Redis's defaults (512, 128, 64).
    pub const DEFAULT: SetLimits = SetLimits {
        max_intset_entries: 512,
        max_listpack_entries: 128,
        max_listpack_value: 64,
    };

    /// The limits the configuration sets.
    pub fn from_config(c: &crate::config::Config) -> SetLimits {
        SetLimits {
            max_intset_entries: c.set_max_intset_entries,
            max_listpack_entries: c.set_max_listpack_entries,
            max_listpack_value: c.set_max_listpack_value,
        }
    }

    /// Most entries an intset may hold (capped at 2^30 as in Redis).
    fn intset_max(&self) -> usize {
        self.max_intset_entries.min(1 << 30)
    }
}

/// A set's representation.
#[derive(Clone, Debug)]
pub enum SetRepr {
    /// `intset`: sorted, distinct.
    Intset(Vec<i64>),
    /// `listpack`: insertion order.
    Listpack(Vec<SBytes>),
    /// `hashtable`.
    Table(Dict<()>),
}

/// One member as stored: an integer of an intset, or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// An intset member.
    Int(i64),
    /// Any other member.
    Str(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (integers formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Str(s) => f(s),
            Member::Int(n) => {
                let mut buf = [0u8; 20];
                f(fmt_i64(*n, &mut buf))
            }
        }
    }

    /// An owned copy.
    pub fn to_sbytes(&self) -> SBytes {
        self.with_bytes(SBytes::from_slice)
    }

    /// The member as an integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Member::Int(n) => Some(*n),
            Member::Str(s) => parse_i64(s),
        }
    }
}

/// Formats `n` into `buf`, returning the digits.
pub fn fmt_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// A random key of `d`, as fair as Redis's `dictGetFairRandomKey` (see
/// [`Dict::random_entry`]).
pub fn fair_random_key<V>(d: &Dict<V>, rng: &mut impl rand::Rng) -> Option<SBytes> {
    d.random_entry(rng).map(|(k, _)| k.clone())
}

/// A random entry of `d`, chosen as [`fair_random_key`] does.
pub fn fair_random_entry<'a, V>(
    d: &'a Dict<V>,
    rng: &mut impl rand::Rng,
) -> Option<(&'a SBytes, &'a V)> {
    d.random_entry(rng)
}

/// Decimal length of `n`, sign included (Redis's `sdigits10`).
fn digits10(n: i64) -> usize {
    let mut buf = [0u8; 20];
    fmt_i64(n, &mut buf).len()
}

/// A set of byte strings.
#[derive(Clone, Debug)]
pub struct Set {
    /// The encoding and its data.
    pub repr: SetRepr,
}

impl Default for Set {
    fn default() -> Self {
        Set::new()
    }
}

impl Set {
    /// An empty set (`intset`).
    pub fn new() -> Set {
        Set {
            repr: SetRepr::Intset(Vec::new()),
        }
    }

    /// An empty `listpack` set.
    pub fn new_listpack() -> Set {
        Set {
            repr: SetRepr::Listpack(Vec::new()),
        }
    }

    /// Redis's `setTypeCreate`: an empty set able to hold `first`, in the encoding
    /// `size_hint` members call for.
    pub fn create(first: &[u8], size_hint: usize, limits: &SetLimits) -> Set {
        if parse_i64(first).is_some() && size_hint <= limits.max_intset_entries {
            return Set::new();
        }
        if size_hint <= limits.max_listpack_entries {
            return Set::new_listpack();
        }
        Set {
            repr: SetRepr::Table(Dict::with_capacity(size_hint)),
        }
    }

    /// Redis's `setTypeMaybeConvert`: converts to a table when `size_hint` more members
    /// could not fit the current encoding.
    pub fn maybe_convert(&mut self, size_hint: usize, limits: &SetLimits) {
        let convert = match &self.repr {
            SetRepr::Listpack(_) => size_hint > limits.max_listpack_entries,
            SetRepr::Intset(_) => size_hint > limits.max_intset_entries,
            SetRepr::Table(_) => false,
        };
        if convert {
            self.convert_to_table(size_hint);
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            SetRepr::Intset(v) => v.len(),
            SetRepr::Listpack(v) => v.len(),
            SetRepr::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            SetRepr::Intset(_) => "intset",
            SetRepr::Listpack(_) => "listpack",
            SetRepr::Table(_) => "hashtable",
        }
    }

    /// Heap bytes held (an estimate for `MEMORY USAGE`).
    pub fn memory_usage(&self) -> usize {
        match &self.repr {
            SetRepr::Intset(v) => {
                let width = match (v.first(), v.last()) {
                    (Some(&a), Some(&b)) => {
                        let m = a.unsigned_abs().max(b.unsigned_abs());
                        if m <= i16::MAX as u64 {
                            2
                        } else if m <= i32::MAX as u64 {
                            4
                        } else {
                            8
                        }
                    }
                    _ => 2,
                };
                8 + v.len() * width
            }
            SetRepr::Listpack(v) => {
                v.capacity() * std::mem::size_of::<SBytes>()
                    + v.iter().map(SBytes::heap_size).sum::<usize>()
            }
            SetRepr::Table(d) => {
                d.bucket_count() * 8 + d.keys().map(|k| 32 + k.heap_size()).sum::<usize>()
            }
        }
    }

    /// Visits every member (in the encoding's order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.for_each_member(|m| m.with_bytes(&mut f));
    }

    /// Visits every member as stored (in the encoding's order).
    pub fn for_each_member(&self, mut f: impl FnMut(Member<'_>)) {
        match &self.repr {
            SetRepr::Intset(v) => v.iter().for_each(|&n| f(Member::Int(n))),
            SetRepr::Listpack(v) => v.iter().for_each(|s| f(Member::Str(s))),
            SetRepr::Table(d) => d.keys().for_each(|k| f(Member::Str(k))),
        }
    }

    /// The members as stored, collected (in the encoding's order).
    pub fn members(&self) -> Vec<Member<'_>> {
        let mut out = Vec::with_capacity(self.len());
        match &self.repr {
            SetRepr::Intset(v) => out.extend(v.iter().map(|&n| Member::Int(n))),
            SetRepr::Listpack(v) => out.extend(v.iter().map(|s| Member::Str(s))),
            SetRepr::Table(d) => out.extend(d.keys().map(|k| Member::Str(k))),
        }
        out
    }

    /// Adds a member with Redis's default thresholds; true if it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        self.add(member, &SetLimits::DEFAULT)
    }

    /// Converts to a table sized for `capacity` members.
    pub fn convert_to_table(&mut self, capacity: usize) {
        let mut d = Dict::with_capacity(capacity.max(self.len()));
        match &self.repr {
            SetRepr::Table(_) => return,
            SetRepr::Intset(v) => {
                let mut buf = [0u8; 20];
                for &n in v {
                    d.insert_new(SBytes::from_slice(fmt_i64(n, &mut buf)), ());
                }
            }
            SetRepr::Listpack(v) => {
                for s in v {
                    d.insert_new(s.clone(), ());
                }
            }
        }
        self.repr = SetRepr::Table(d);
    }

    fn intset_to_listpack(&mut self) {
        if let SetRepr::Intset(v) = &self.repr {
            let mut buf = [0u8; 20];
            let lp = v
                .iter()
                .map(|&n| SBytes::from_slice(fmt_i64(n, &mut buf)))
                .collect();
            self.repr = SetRepr::Listpack(lp);
        }
    }

    /// Adds `member` (Redis's `setTypeAddAux`); true if it is new.
    pub fn add(&mut self, member: &[u8], limits: &SetLimits) -> bool {
        match &mut self.repr {
            SetRepr::Table(d) => {
                if d.contains_key(member) {
                    return false;
                }
                d.insert_new(SBytes::from_slice(member), ());
                true
            }
            SetRepr::Listpack(v) => {
                if v.iter().any(|m| m.as_slice() == member) {
                    return false;
                }
                if v.len() < limits.max_listpack_entries
                    && member.len() <= limits.max_listpack_value
                {
                    v.push(SBytes::from_slice(member));
                } else {
                    let cap = v.len() + 1;
                    self.convert_to_table(cap);
                    if let SetRepr::Table(d) = &mut self.repr {
                        d.insert_new(SBytes::from_slice(member), ());
                    }
                }
                true
            }
            SetRepr::Intset(v) => {
                if let Some(n) = parse_i64(member) {
                    return match v.binary_search(&n) {
                        Ok(_) => false,
                        Err(at) => {
                            v.insert(at, n);
                            if v.len() > limits.intset_max() {
                                self.convert_to_table(0);
                            }
                            true
                        }
                    };
                }
                let maxelelen = match (v.first(), v.last()) {
                    (Some(&lo), Some(&hi)) => digits10(lo).max(digits10(hi)),
                    _ => 0,
                };
                if v.len() < limits.max_listpack_entries
                    && member.len() <= limits.max_listpack_value
                    && maxelelen <= limits.max_listpack_value
                {
                    self.intset_to_listpack();
                    if let SetRepr::Listpack(lp) = &mut self.repr {
                        lp.push(SBytes::from_slice(member));
                    }
                } else {
                    let cap = v.len() + 1;
                    self.convert_to_table(cap);
                    if let SetRepr::Table(d) = &mut self.repr {
                        d.insert_new(SBytes::from_slice(member), ());
                    }
                }
                true
            }
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            SetRepr::Table(d) => d.remove(member).is_some(),
            SetRepr::Listpack(v) => match v.iter().position(|m| m.as_slice() == member) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            SetRepr::Intset(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(i)) => {
                    v.remove(i);
                    true
                }
                _ => false,
            },
        }
    }

    /// True if `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            SetRepr::Table(d) => d.contains_key(member),
            SetRepr::Listpack(v) => v.iter().any(|m| m.as_slice() == member),
            SetRepr::Intset(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
        }
    }

    /// True if the stored member `m` (of another set) is in this set.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (&self.repr, m) {
            (SetRepr::Intset(v), Member::Int(n)) => v.binary_search(&n).is_ok(),
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// A uniformly chosen member (`None` when empty): Redis's `setTypeRandomElement`.
    pub fn random_member(&self, rng: &mut impl rand::Rng) -> Option<Member<'_>> {
        match &self.repr {
            SetRepr::Table(d) => fair_random_entry(d, rng).map(|(k, _)| Member::Str(k)),
            SetRepr::Intset(v) if !v.is_empty() => Some(Member::Int(v[rng.gen_range(0..v.len())])),
            SetRepr::Listpack(v) if !v.is_empty() => {
                Some(Member::Str(v[rng.gen_range(0..v.len())].as_slice()))
            }
            _ => None,
        }
    }

    /// Removes and returns a random member (Redis's `setTypePopRandom`).
    pub fn pop_random(&mut self, rng: &mut impl rand::Rng) -> Option<SBytes> {
        let m = self.random_member(rng)?.to_sbytes();
        self.remove(&m);
        Some(m)
    }

    /// Redis's `maybeConvertToIntset`, for results known to hold only integers: becomes
    /// an intset unless there are too many members for one.
    pub fn maybe_convert_to_intset(&mut self, limits: &SetLimits) {
        if matches!(self.repr, SetRepr::Intset(_)) || self.len() > limits.intset_max() {
            return;
        }
        let mut v = Vec::with_capacity(self.len());
        let mut ok = true;
        self.for_each_member(|m| match m.as_int() {
            Some(n) => v.push(n),
            None => ok = false,
        });
        if ok {
            v.sort_unstable();
            v.dedup();
            self.repr = SetRepr::Intset(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn lim(i: usize, e: usize, v: usize) -> SetLimits {
        SetLimits {
            max_intset_entries: i,
            max_listpack_entries: e,
            max_listpack_value: v,
        }
    }

    fn members(s: &Set) -> Vec<String> {
        let mut out = Vec::new();
        s.for_each(|m| out.push(String::from_utf8_lossy(m).into_owned()));
        out
    }

    #[test]
    fn conversions() {
        let l = lim(4, 3, 5);
        let mut s = Set::create(b"3", 1, &l);
        assert!(s.add(b"3", &l));
        assert!(s.add(b"-1", &l));
        assert!(!s.add(b"3", &l));
        assert_eq!(s.encoding(), "intset");
        assert_eq!(members(&s), ["-1", "3"]);
        assert!(s.add(b"a", &l));
        assert_eq!(s.encoding(), "listpack");
        assert_eq!(members(&s), ["-1", "3", "a"]);
        assert!(s.add(b"b", &l));
        assert_eq!(s.encoding(), "hashtable");
        let mut s = Set::new();
        for i in 0..4 {
            s.add(i.to_string().as_bytes(), &l);
        }
        assert_eq!(s.encoding(), "intset");
        s.add(b"4", &l);
        assert_eq!(s.encoding(), "hashtable");
        // A long member goes straight to a table.
        let mut s = Set::new();
        s.add(b"1", &l);
        s.add(b"abcdef", &l);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"abcdef"));
        s.maybe_convert_to_intset(&l);
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"abcdef");
        s.maybe_convert_to_intset(&l);
        assert_eq!(s.encoding(), "intset");
        assert_eq!(Set::create(b"a", 4, &l).encoding(), "hashtable");
        assert_eq!(Set::create(b"1", 4, &l).encoding(), "intset");
        assert_eq!(Set::create(b"1", 5, &l).encoding(), "hashtable");
        assert_eq!(Set::create(b"01", 3, &l).encoding(), "listpack");
    }

    #[test]
    fn random_and_pop() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut s = Set::new();
        for m in ["1", "2", "x"] {
            s.insert(m.as_bytes());
        }
        let mut n = 0;
        while s.pop_random(&mut rng).is_some() {
            n += 1;
        }
        assert_eq!(n, 3);
        assert!(s.is_empty());
        let mut buf = [0u8; 20];
        assert_eq!(fmt_i64(i64::MIN, &mut buf), b"-9223372036854775808");
        assert_eq!(fmt_i64(0, &mut buf), b"0");
    }
}
