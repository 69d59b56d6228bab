//! The hash type, in Redis 7.4's three encodings, with field expiry.
//!
//! - `listpack`: a small hash is a vector of (field, value) pairs in insertion order
//!   (Redis's listpack order, which is what `HGETALL` returns).
//! - `listpackex`: the same once any field was given a TTL (`HEXPIRE` and friends): a
//!   parallel vector holds each field's expire time (0 for none) and the pairs are kept
//!   ordered by it, fields with the nearest expiry first and fields without one last, as
//!   Redis orders the triplets of its `listpackEx`.
//! - `hashtable`: a [`Dict`] from field to value, with an optional index of field TTLs.
//!
//! A small hash becomes a table when it gets more than `hash-max-listpack-entries`
//! fields or a field or value longer than `hash-max-listpack-value` bytes; it never
//! goes back. Expired fields stay stored until something deletes them (a read that meets
//! them, or the active expiry of [`HashExpires`]): [`Hash::len`] counts them, as `HLEN`
//! does in Redis, and the readers skip them.

use super::dict::Dict;
use super::sbytes::SBytes;
use std::collections::BTreeSet;

/// The largest absolute field expire time Redis accepts, in Unix ms (`EB_EXPIRE_TIME_MAX
/// >> 2`, that is 2^46 - 1).
pub const HFE_MAX_ABS_TIME_MS: i64 = ((1i64 << 48) - 1) >> 2;

/// The encoding thresholds of hashes (`hash-max-listpack-entries`,
/// `hash-max-listpack-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Most fields a small hash holds.
    pub max_entries: usize,
    /// Longest field or value a small hash holds.
    pub max_value: usize,
}

impl HashLimits {
    /// Redis's defaults (128 fields, 64 bytes).
    pub const DEFAULT: HashLimits = HashLimits {
        max_entries: 128,
        max_value: 64,
    };

    /// The limits the configuration sets.
    pub fn from_config(c: &crate::config::Config) -> HashLimits {
        HashLimits {
            max_entries: c.hash_max_listpack_entries,
            max_value: c.hash_max_listpack_value,
        }
    }
}

/// True when a field with expire time `ttl` (0: none) is logically gone at `now`.
#[inline]
pub fn is_expired(ttl: i64, now: i64) -> bool {
    ttl != 0 && ttl < now
}

/// The small encodings: `listpack` (no `ttls`) and `listpackex`.
#[derive(Clone, Debug, Default)]
pub struct Small {
    /// Fields and values in listpack order.
    pub entries: Vec<(SBytes, SBytes)>,
    /// `listpackex` only: each entry's expire time in Unix ms, 0 for none. Non-zero times
    /// come first, ascending.
    pub ttls: Option<Vec<i64>>,
}

impl Small {
    fn position(&self, field: &[u8]) -> Option<usize> {
        self.entries.iter().position(|(f, _)| f.as_slice() == field)
    }

    /// Inserts a triplet where Redis's `listpackExAddInternal` puts it: before the first
    /// field whose expire time is none or not smaller.
    fn insert_ordered(&mut self, field: SBytes, value: SBytes, ttl: i64) {
        let ttls = self.ttls.get_or_insert_with(Vec::new);
        let at = if ttl == 0 {
            ttls.len()
        } else {
            ttls.iter()
                .position(|&t| t == 0 || t >= ttl)
                .unwrap_or(ttls.len())
        };
        ttls.insert(at, ttl);
        self.entries.insert(at, (field, value));
    }

    /// Moves entry `i` to the place its new expire time calls for.
    fn retime(&mut self, i: usize, ttl: i64) {
        let (f, v) = self.entries.remove(i);
        if let Some(t) = self.ttls.as_mut() {
            t.remove(i);
        }
        self.insert_ordered(f, v, ttl);
    }

    fn ttl_at(&self, i: usize) -> i64 {
        self.ttls.as_ref().map_or(0, |t| t[i])
    }
}

/// The TTLs of a `hashtable` hash's fields.
#[derive(Clone, Debug, Default)]
pub struct FieldTtls {
    by_field: Dict<i64>,
    by_time: BTreeSet<(i64, SBytes)>,
}

impl FieldTtls {
    fn get(&self, field: &[u8]) -> Option<i64> {
        if self.by_field.is_empty() {
            return None;
        }
        self.by_field.get(field).copied()
    }

    fn set(&mut self, field: &[u8], ttl: i64) {
        let key = SBytes::from_slice(field);
        if let Some(old) = self.by_field.insert(key.clone(), ttl) {
            self.by_time.remove(&(old, key.clone()));
        }
        self.by_time.insert((ttl, key));
    }

    fn remove(&mut self, field: &[u8]) -> Option<i64> {
        if self.by_field.is_empty() {
            return None;
        }
        let (k, t) = self.by_field.remove_entry(field)?;
        self.by_time.remove(&(t, k));
        Some(t)
    }

    fn min(&self) -> Option<i64> {
        self.by_time.first().map(|(t, _)| *t)
    }

    fn len(&self) -> usize {
        self.by_field.len()
    }
}

/// The `hashtable` encoding.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Fields to values.
    pub map: Dict<SBytes>,
    /// Field TTLs, once any field was given one (Redis's "dict with HFE metadata").
    pub ttls: Option<Box<FieldTtls>>,
}

impl Table {
    /// The expire time of `field` (0: none).
    #[inline]
    pub fn ttl_of(&self, field: &[u8]) -> i64 {
        match &self.ttls {
            Some(t) => t.get(field).unwrap_or(0),
            None => 0,
        }
    }
}

/// A hash's representation.
#[derive(Clone, Debug)]
pub enum Repr {
    /// `listpack` or `listpackex`.
    Small(Small),
    /// `hashtable`.
    Table(Table),
}

/// A map of fields to values.
#[derive(Clone, Debug)]
pub struct Hash {
    /// The encoding and its data.
    pub repr: Repr,
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

/// What [`Hash::set_field_expire`] did (the reply codes of `HEXPIRE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetExpire {
    /// No such field (-2).
    NoField,
    /// The NX / XX / GT / LT condition was not met (0).
    ConditionNotMet,
    /// The expire time was set (1).
    Set,
    /// The time was in the past: the field was deleted (2).
    Deleted,
}

impl SetExpire {
    /// The integer `HEXPIRE` replies with.
    pub fn code(self) -> i64 {
        match self {
            SetExpire::NoField => -2,
            SetExpire::ConditionNotMet => 0,
            SetExpire::Set => 1,
            SetExpire::Deleted => 2,
        }
    }
}

/// The condition of `HEXPIRE ... NX | XX | GT | LT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireCond {
    /// No condition.
    Always,
    /// Only fields without a TTL.
    Nx,
    /// Only fields with a TTL.
    Xx,
    /// Only when the new time is later (fields without TTL count as infinite).
    Gt,
    /// Only when the new time is earlier (fields without TTL count as infinite).
    Lt,
}

impl Hash {
    /// An empty hash (`listpack`).
    pub fn new() -> Hash {
        Hash {
            repr: Repr::Small(Small::default()),
        }
    }

    /// Number of fields, including expired fields not yet deleted (what `HLEN` says).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(s) => s.entries.len(),
            Repr::Table(t) => t.map.len(),
        }
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Small(s) if s.ttls.is_some() => "listpackex",
            Repr::Small(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True for the `listpack` and `listpackex` encodings.
    pub fn is_small(&self) -> bool {
        matches!(self.repr, Repr::Small(_))
    }

    /// True once field expiry was set up on this hash (`listpackex`, or a table with TTL
    /// metadata).
    pub fn has_ttl_support(&self) -> bool {
        match &self.repr {
            Repr::Small(s) => s.ttls.is_some(),
            Repr::Table(t) => t.ttls.is_some(),
        }
    }

    /// Heap bytes held (an estimate for `MEMORY USAGE`).
    pub fn memory_usage(&self) -> usize {
        match &self.repr {
            Repr::Small(s) => {
                s.entries.capacity() * std::mem::size_of::<(SBytes, SBytes)>()
                    + s.entries
                        .iter()
                        .map(|(f, v)| f.heap_size() + v.heap_size())
                        .sum::<usize>()
                    + s.ttls.as_ref().map_or(0, |t| t.capacity() * 8)
            }
            Repr::Table(t) => {
                t.map.bucket_count() * 8
                    + t.map
                        .iter()
                        .map(|(k, v)| 64 + k.heap_size() + v.heap_size())
                        .sum::<usize>()
                    + t.ttls
                        .as_ref()
                        .map_or(0, |x| x.len() * 96 + x.by_field.bucket_count() * 8)
            }
        }
    }

    /// Visits every field and value, expired or not (in the encoding's order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        self.for_each_with_ttl(|k, v, _| f(k, v));
    }

    /// Visits every field, value and expire time (`None`: no TTL), expired or not.
    pub fn for_each_with_ttl(&self, mut f: impl FnMut(&[u8], &[u8], Option<i64>)) {
        match &self.repr {
            Repr::Small(s) => {
                for (i, (k, v)) in s.entries.iter().enumerate() {
                    let t = s.ttl_at(i);
                    f(k, v, (t != 0).then_some(t));
                }
            }
            Repr::Table(t) => {
                for (k, v) in t.map.iter() {
                    let ttl = t.ttl_of(k);
                    f(k, v, (ttl != 0).then_some(ttl));
                }
            }
        }
    }

    /// Visits the fields that are not expired at `now`, in the encoding's order.
    pub fn for_each_live(&self, now: i64, mut f: impl FnMut(&[u8], &[u8])) {
        self.for_each_with_ttl(|k, v, t| {
            if !is_expired(t.unwrap_or(0), now) {
                f(k, v)
            }
        });
    }

    /// Number of fields not expired at `now`.
    pub fn live_len(&self, now: i64) -> usize {
        if !self.has_ttl_support() {
            return self.len();
        }
        let mut n = 0;
        self.for_each_live(now, |_, _| n += 1);
        n
    }

    /// Sets a field with Redis's default thresholds; true if it is new. Any TTL of the
    /// field is dropped.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.set(field, value, false, &HashLimits::DEFAULT)
    }

    /// The value and expire time (0: none) of `field`, expired or not.
    pub fn get(&self, field: &[u8]) -> Option<(&[u8], i64)> {
        match &self.repr {
            Repr::Small(s) => {
                let i = s.position(field)?;
                Some((s.entries[i].1.as_slice(), s.ttl_at(i)))
            }
            Repr::Table(t) => {
                let v = t.map.get(field)?;
                Some((v.as_slice(), t.ttl_of(field)))
            }
        }
    }

    /// Converts to the `hashtable` encoding, sized for `capacity` fields.
    pub fn convert_to_table(&mut self, capacity: usize) {
        let Repr::Small(s) = &mut self.repr else {
            return;
        };
        let entries = std::mem::take(&mut s.entries);
        let ttls = s.ttls.take();
        let mut map = Dict::with_capacity(capacity.max(entries.len()));
        let mut field_ttls = ttls.as_ref().map(|_| Box::<FieldTtls>::default());
        for (i, (f, v)) in entries.into_iter().enumerate() {
            if let (Some(ft), Some(t)) = (field_ttls.as_mut(), ttls.as_ref()) {
                if t[i] != 0 {
                    ft.set(&f, t[i]);
                }
            }
            map.insert_new(f, v);
        }
        self.repr = Repr::Table(Table {
            map,
            ttls: field_ttls,
        });
    }

    /// Redis's `hashTypeTryConversion`: before adding the field/value arguments `args`,
    /// converts a small hash that could not hold them.
    pub fn try_conversion<T: AsRef<[u8]>>(&mut self, args: &[T], limits: &HashLimits) {
        if !self.is_small() {
            return;
        }
        let new_fields = args.len() / 2;
        if new_fields > limits.max_entries {
            self.convert_to_table(new_fields);
            return;
        }
        if args.iter().any(|a| a.as_ref().len() > limits.max_value) {
            self.convert_to_table(0);
        }
    }

    /// Sets `field` to `value`; true if the field is new. Unless `keep_ttl`, a TTL of the
    /// field is removed (and a `listpackex` entry moves to the end, as in Redis).
    pub fn set(&mut self, field: &[u8], value: &[u8], keep_ttl: bool, limits: &HashLimits) -> bool {
        if self.is_small() && (field.len() > limits.max_value || value.len() > limits.max_value) {
            self.convert_to_table(0);
        }
        let created = match &mut self.repr {
            Repr::Small(s) => {
                let created = match s.position(field) {
                    Some(i) => {
                        s.entries[i].1 = SBytes::from_slice(value);
                        if !keep_ttl && s.ttl_at(i) != 0 {
                            s.retime(i, 0);
                        }
                        false
                    }
                    None => {
                        s.entries
                            .push((SBytes::from_slice(field), SBytes::from_slice(value)));
                        if let Some(t) = s.ttls.as_mut() {
                            t.push(0);
                        }
                        true
                    }
                };
                if s.entries.len() > limits.max_entries {
                    self.convert_to_table(0);
                }
                created
            }
            Repr::Table(t) => match t.map.get_mut(field) {
                Some(v) => {
                    *v = SBytes::from_slice(value);
                    if !keep_ttl {
                        if let Some(ft) = t.ttls.as_mut() {
                            ft.remove(field);
                        }
                    }
                    false
                }
                None => {
                    t.map
                        .insert_new(SBytes::from_slice(field), SBytes::from_slice(value));
                    true
                }
            },
        };
        created
    }

    /// Removes `field` (expired or not); true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Small(s) => match s.position(field) {
                Some(i) => {
                    s.entries.remove(i);
                    if let Some(t) = s.ttls.as_mut() {
                        t.remove(i);
                    }
                    true
                }
                None => false,
            },
            Repr::Table(t) => {
                if t.map.remove(field).is_some() {
                    if let Some(ft) = t.ttls.as_mut() {
                        ft.remove(field);
                    }
                    true
                } else {
                    false
                }
            }
        }
    }

    /// Prepares the hash for field TTLs (Redis's `hashTypeSetExInit`): `listpack`
    /// becomes `listpackex`, a table gets its TTL index.
    pub fn enable_ttls(&mut self) {
        match &mut self.repr {
            Repr::Small(s) => {
                if s.ttls.is_none() {
                    s.ttls = Some(vec![0; s.entries.len()]);
                }
            }
            Repr::Table(t) => {
                if t.ttls.is_none() {
                    t.ttls = Some(Box::default());
                }
            }
        }
    }

    /// Sets the expire time of `field` under `cond` (Redis's `hashTypeSetEx`). A time not
    /// after `now` deletes the field, unless `loading`.
    pub fn set_field_expire(
        &mut self,
        field: &[u8],
        at: i64,
        cond: ExpireCond,
        now: i64,
        loading: bool,
    ) -> SetExpire {
        let Some((_, prev)) = self.get(field) else {
            return SetExpire::NoField;
        };
        if prev == 0 {
            if matches!(cond, ExpireCond::Xx | ExpireCond::Gt) {
                return SetExpire::ConditionNotMet;
            }
        } else if (cond == ExpireCond::Gt && prev >= at)
            || (cond == ExpireCond::Lt && prev <= at)
            || cond == ExpireCond::Nx
        {
            return SetExpire::ConditionNotMet;
        }
        if at <= now && !loading {
            self.remove(field);
            return SetExpire::Deleted;
        }
        self.set_ttl(field, at);
        SetExpire::Set
    }

    /// Sets the TTL of an existing field unconditionally (`at` > 0), enabling TTL
    /// support first. For loaders and `RESTORE`.
    pub fn set_ttl(&mut self, field: &[u8], at: i64) {
        self.enable_ttls();
        match &mut self.repr {
            Repr::Small(s) => {
                if let Some(i) = s.position(field) {
                    s.retime(i, at);
                }
            }
            Repr::Table(t) => {
                if t.map.contains_key(field) {
                    if let Some(ft) = t.ttls.as_mut() {
                        ft.set(field, at);
                    }
                }
            }
        }
    }

    /// Removes the TTL of `field` (`HPERSIST`); true if it had one.
    pub fn persist_field(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Small(s) => match s.position(field) {
                Some(i) if s.ttl_at(i) != 0 => {
                    s.retime(i, 0);
                    true
                }
                _ => false,
            },
            Repr::Table(t) => t.ttls.as_mut().is_some_and(|ft| ft.remove(field).is_some()),
        }
    }

    /// The nearest field expire time, if any field has one.
    pub fn min_expire(&self) -> Option<i64> {
        match &self.repr {
            Repr::Small(s) => s
                .ttls
                .as_ref()
                .and_then(|t| t.first().copied())
                .filter(|&t| t != 0),
            Repr::Table(t) => t.ttls.as_ref().and_then(|ft| ft.min()),
        }
    }

    /// Deletes up to `max` fields whose expire time is not after `now`, nearest first
    /// (Redis's active field expiry). Returns how many were deleted.
    pub fn expire_fields(&mut self, now: i64, max: usize) -> usize {
        match &mut self.repr {
            Repr::Small(s) => {
                let Some(ttls) = s.ttls.as_mut() else {
                    return 0;
                };
                let n = ttls
                    .iter()
                    .take(max)
                    .take_while(|&&t| t != 0 && t <= now)
                    .count();
                if n > 0 {
                    ttls.drain(..n);
                    s.entries.drain(..n);
                }
                n
            }
            Repr::Table(t) => {
                let Some(ft) = t.ttls.as_mut() else {
                    return 0;
                };
                let mut n = 0;
                while n < max {
                    match ft.by_time.first() {
                        Some((at, _)) if *at <= now => {}
                        _ => break,
                    }
                    let Some((_, field)) = ft.by_time.pop_first() else {
                        break;
                    };
                    ft.by_field.remove(&field);
                    t.map.remove(&field);
                    n += 1;
                }
                n
            }
        }
    }
}

/// The hashes of one database that have fields with a TTL, by their nearest field expire
/// time: what the active field expiry walks, and `INFO keyspace`'s `subexpiry`.
#[derive(Debug, Default)]
pub struct HashExpires {
    by_key: Dict<i64>,
    by_time: BTreeSet<(i64, SBytes)>,
}

impl HashExpires {
    /// Number of registered hashes.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when no hash is registered.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Registers `key` with its nearest field expire time, or unregisters it (`None`).
    pub fn update(&mut self, key: &[u8], when: Option<i64>) {
        match when {
            Some(t) => {
                let k = SBytes::from_slice(key);
                if let Some(old) = self.by_key.insert(k.clone(), t) {
                    if old == t {
                        return;
                    }
                    self.by_time.remove(&(old, k.clone()));
                }
                self.by_time.insert((t, k));
            }
            None => self.remove(key),
        }
    }

    /// Unregisters `key`.
    pub fn remove(&mut self, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        if let Some((k, t)) = self.by_key.remove_entry(key) {
            self.by_time.remove(&(t, k));
        }
    }

    /// Up to `max` keys whose registered time is not after `now`, nearest first.
    pub fn due(&self, now: i64, max: usize) -> Vec<SBytes> {
        self.by_time
            .iter()
            .take_while(|(t, _)| *t <= now)
            .take(max)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// The registered time of `key`.
    pub fn get(&self, key: &[u8]) -> Option<i64> {
        self.by_key.get(key).copied()
    }

    /// Unregisters everything.
    pub fn clear(&mut self) {
        self.by_key.clear();
        self.by_time.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(e: usize, v: usize) -> HashLimits {
        HashLimits {
            max_entries: e,
            max_value: v,
        }
    }

    fn fields(h: &Hash) -> Vec<String> {
        let mut out = Vec::new();
        h.for_each(|f, _| out.push(String::from_utf8_lossy(f).into_owned()));
        out
    }

    #[test]
    fn encodings_and_conversion() {
        let l = lim(3, 5);
        let mut h = Hash::new();
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"a", b"1", false, &l));
        assert!(h.set(b"b", b"2", false, &l));
        assert!(!h.set(b"a", b"3", false, &l));
        assert!(h.set(b"c", b"3", false, &l));
        assert_eq!(fields(&h), ["a", "b", "c"]);
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"d", b"4", false, &l));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 4);
        let mut h = Hash::new();
        h.set(b"a", b"123456", false, &l);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.try_conversion(
            &[b"a".as_ref(), b"b", b"c", b"d", b"e", b"f", b"g", b"h"],
            &l,
        );
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn listpackex_order() {
        let l = lim(10, 10);
        let mut h = Hash::new();
        for f in [b"a", b"b", b"c", b"d"] {
            h.set(f, b"v", false, &l);
        }
        h.enable_ttls();
        assert_eq!(h.encoding(), "listpackex");
        assert_eq!(
            h.set_field_expire(b"c", 200, ExpireCond::Always, 0, false),
            SetExpire::Set
        );
        assert_eq!(
            h.set_field_expire(b"b", 100, ExpireCond::Always, 0, false),
            SetExpire::Set
        );
        assert_eq!(
            h.set_field_expire(b"d", 200, ExpireCond::Always, 0, false),
            SetExpire::Set
        );
        assert_eq!(fields(&h), ["b", "d", "c", "a"]);
        assert_eq!(h.min_expire(), Some(100));
        assert_eq!(
            h.set_field_expire(b"b", 50, ExpireCond::Nx, 0, false),
            SetExpire::ConditionNotMet
        );
        assert_eq!(
            h.set_field_expire(b"a", 50, ExpireCond::Xx, 0, false),
            SetExpire::ConditionNotMet
        );
        assert_eq!(
            h.set_field_expire(b"a", 50, ExpireCond::Lt, 0, false),
            SetExpire::Set
        );
        assert_eq!(
            h.set_field_expire(b"zz", 50, ExpireCond::Lt, 0, false),
            SetExpire::NoField
        );
        // Overwriting drops the TTL and moves the field to the end.
        h.set(b"a", b"w", false, &l);
        assert_eq!(fields(&h), ["b", "d", "c", "a"]);
        assert!(h.persist_field(b"b"));
        assert_eq!(fields(&h), ["d", "c", "a", "b"]);
        assert_eq!(h.expire_fields(200, 10), 2);
        assert_eq!(fields(&h), ["a", "b"]);
        assert_eq!(h.min_expire(), None);
        assert_eq!(
            h.set_field_expire(b"a", 5, ExpireCond::Always, 10, false),
            SetExpire::Deleted
        );
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn table_ttls() {
        let l = lim(0, 10);
        let mut h = Hash::new();
        h.try_conversion(&[b"a".as_ref(), b"1"], &l);
        h.set(b"a", b"1", false, &l);
        h.set(b"b", b"2", false, &l);
        assert_eq!(h.encoding(), "hashtable");
        h.enable_ttls();
        h.set_field_expire(b"a", 10, ExpireCond::Always, 0, false);
        h.set_field_expire(b"b", 20, ExpireCond::Always, 0, false);
        assert_eq!(h.min_expire(), Some(10));
        assert_eq!(h.live_len(15), 1);
        assert_eq!(h.get(b"a"), Some((b"1".as_ref(), 10)));
        h.set(b"a", b"3", true, &l);
        assert_eq!(h.get(b"a"), Some((b"3".as_ref(), 10)));
        h.set(b"a", b"3", false, &l);
        assert_eq!(h.get(b"a"), Some((b"3".as_ref(), 0)));
        assert_eq!(h.expire_fields(100, 10), 1);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn registry() {
        let mut r = HashExpires::default();
        r.update(b"a", Some(10));
        r.update(b"b", Some(5));
        r.update(b"a", Some(3));
        assert_eq!(r.due(5, 10).len(), 2);
        assert_eq!(r.due(4, 10)[0].as_slice(), b"a");
        r.update(b"a", None);
        assert_eq!(r.len(), 1);
        r.remove(b"b");
        assert!(r.is_empty());
    }
}
