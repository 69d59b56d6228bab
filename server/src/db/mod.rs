//! The keyspace: databases of keys to values, with expire times.
//!
//! A [`Db`] knows nothing of clients or notifications; it stores, finds and removes.
//! Lazy expiry, keyspace events and `WATCH` invalidation are layered on top by the
//! command context (`crate::ctx`), which has the whole server at hand.

pub mod dict;
pub mod hash;
pub mod list;
pub mod sbytes;
pub mod set;
pub mod value;
pub mod zset;

pub use dict::Dict;
pub use sbytes::SBytes;
pub use value::{StrValue, Value, ValueType};

/// A stored value with its access metadata.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// LRU clock (seconds resolution, 24 bits as in Redis) or LFU counter and decay time.
    pub lru: u32,
}

/// One numbered database.
#[derive(Debug, Default)]
pub struct Db {
    /// Index (`SELECT` number).
    pub id: usize,
    /// Keys to values.
    pub keys: Dict<Entry>,
    /// Keys with a TTL, to their absolute expire time in Unix milliseconds.
    pub expires: Dict<i64>,
    /// Where the active expiry cycle resumes its scan of `expires`.
    pub expires_cursor: u64,
    /// Running average TTL of sampled keys (`INFO keyspace` `avg_ttl`).
    pub avg_ttl: i64,
    /// Hashes with field TTLs, by their nearest field expiry (kept up to date by `add`,
    /// `set`, `remove` and the hash commands).
    pub hexpires: hash::HashExpires,
}

impl Db {
    /// An empty database.
    pub fn new(id: usize) -> Db {
        Db {
            id,
            ..Default::default()
        }
    }

    /// Number of keys (including expired ones not yet removed).
    #[inline]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The absolute expire time of `key` in Unix ms, if it has one.
    #[inline]
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// True when `key` has a TTL that has passed: Redis's `keyIsExpired` counts a key
    /// as expired only once the time is strictly past its expire time.
    #[inline]
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        matches!(self.expire_of(key), Some(t) if now_ms > t)
    }

    /// The entry under `key`, expired or not.
    #[inline]
    pub fn entry(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key)
    }

    /// The entry under `key`, mutably, expired or not.
    #[inline]
    pub fn entry_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.keys.get_mut(key)
    }

    /// Adds a key that must not exist.
    pub fn add(&mut self, key: &[u8], value: Value, lru: u32) -> &mut Entry {
        if let Value::Hash(h) = &value {
            if let Some(t) = h.min_expire() {
                self.hexpires.update(key, Some(t));
            }
        }
        self.keys
            .insert_new(SBytes::from_slice(key), Entry { value, lru })
    }

    /// Stores `value` under `key`, replacing any value; the TTL is removed unless
    /// `keep_ttl`. Returns true when the key is new.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool, lru: u32) -> bool {
        let field_ttl = match &value {
            Value::Hash(h) => h.min_expire(),
            _ => None,
        };
        if field_ttl.is_some() || !self.hexpires.is_empty() {
            self.hexpires.update(key, field_ttl);
        }
        let created = match self.keys.get_mut(key) {
            Some(e) => {
                // An overwrite unlinks the old value (Redis's dbSetValue).
                if let Value::Module(m) = &e.value {
                    m.notify_unlink(key, self.id);
                }
                e.value = value;
                e.lru = lru;
                false
            }
            None => {
                self.keys
                    .insert_new(SBytes::from_slice(key), Entry { value, lru });
                true
            }
        };
        if !keep_ttl && !created && !self.expires.is_empty() {
            self.expires.remove(key);
        }
        created
    }

    /// Removes `key` and its TTL, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let e = self.keys.remove(key)?;
        // A module type's unlink callback hears of every key leaving the keyspace
        // (Redis's dbGenericDelete); flushes do not call it.
        if let Value::Module(m) = &e.value {
            m.notify_unlink(key, self.id);
        }
        if !self.expires.is_empty() {
            self.expires.remove(key);
        }
        if !self.hexpires.is_empty() {
            self.hexpires.remove(key);
        }
        Some(e.value)
    }

    /// Sets the absolute expire time of an existing key.
    pub fn set_expire(&mut self, key: &[u8], when_ms: i64) {
        match self.expires.get_mut(key) {
            Some(t) => *t = when_ms,
            None => {
                self.expires.insert_new(SBytes::from_slice(key), when_ms);
            }
        }
    }

    /// Removes a key's TTL; true if it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.remove(key).is_some()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.expires.clear();
        self.hexpires.clear();
        self.expires_cursor = 0;
        self.avg_ttl = 0;
    }

    /// Moves everything out, leaving this database empty (for async flush and SWAPDB).
    pub fn take(&mut self) -> Db {
        let id = self.id;
        std::mem::replace(self, Db::new(id))
    }
}
