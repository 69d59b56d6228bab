//! What a command handler works with: the server, the calling client, and the keyspace
//! API that keeps Redis's side effects (lazy expiry, keyspace events, `WATCH`
//! invalidation, blocked-client wake-ups, the dirty counter) in one place.

use crate::client::Client;
use crate::command_table::Command;
use crate::config::{NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_KEY_MISS};
use crate::db::{Db, Value, ValueType};
use crate::error::CmdError;
use crate::resp::ReplyBuf;
use crate::server::Server;
use std::sync::Arc;

/// A running command's context.
pub struct Ctx<'a> {
    /// The server.
    pub srv: &'a mut Server,
    /// The client that sent the command (taken out of the client table meanwhile).
    pub client: &'a mut Client,
    /// The command being run.
    pub cmd: &'a Arc<Command>,
}

impl<'a> Ctx<'a> {
    /// The reply buffer.
    #[inline]
    pub fn out(&mut self) -> &mut ReplyBuf {
        &mut self.client.out
    }

    /// The keyspace of the client's database, and the reply buffer.
    #[inline]
    pub fn split(&mut self) -> (Keyspace<'_>, &mut ReplyBuf) {
        let db = self.client.db;
        (Keyspace { srv: self.srv, db }, &mut self.client.out)
    }

    /// The keyspace of the client's database.
    #[inline]
    pub fn ks(&mut self) -> Keyspace<'_> {
        let db = self.client.db;
        Keyspace { srv: self.srv, db }
    }

    /// The keyspace of database `db`.
    pub fn ks_of(&mut self, db: usize) -> Keyspace<'_> {
        Keyspace { srv: self.srv, db }
    }

    /// Replies with an error in the middle of a reply (the dispatcher handles errors a
    /// handler returns); counts it in `errorstats`.
    pub fn error_reply(&mut self, e: &CmdError) {
        self.srv.count_error(e.code());
        self.client.out.error(e.text());
    }

    /// True when the client speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.client.resp() >= 3
    }
}

/// The keyspace of one database, with the server's bookkeeping.
pub struct Keyspace<'a> {
    /// The server.
    pub srv: &'a mut Server,
    /// Database index.
    pub db: usize,
}

impl<'a> Keyspace<'a> {
    /// The database.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        &mut self.srv.dbs[self.db]
    }

    /// The command's frozen time in Unix ms.
    #[inline]
    pub fn now(&self) -> i64 {
        self.srv.cmd_time_ms
    }

    /// Removes `key` if its TTL has passed, with the `expired` event and the DEL
    /// propagation. Returns true when it was removed.
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        self.expire_status(key) == KeyStatus::Deleted
    }

    /// Redis's `expireIfNeeded`: whether `key` is still valid, logically expired but
    /// kept (while loading, or while `CLIENT PAUSE` holds expiry back), or was expired
    /// now and removed with its `expired` event.
    pub fn expire_status(&mut self, key: &[u8]) -> KeyStatus {
        let now = self.now();
        let db = &self.srv.dbs[self.db];
        if self.srv.loading || self.srv.lazy_expire_disabled > 0 || !db.is_expired(key, now) {
            return KeyStatus::Valid;
        }
        if matches!(self.srv.pause, Some((until, _)) if until > crate::server::unix_ms()) {
            return KeyStatus::Expired;
        }
        self.delete_expired(key);
        KeyStatus::Deleted
    }

    /// Removes a key whose TTL passed: the `expired` event, `WATCH` invalidation and the
    /// `expired_keys` count (Redis's `deleteExpiredKeyAndPropagate`).
    pub fn delete_expired(&mut self, key: &[u8]) {
        self.srv.dbs[self.db].remove(key);
        crate::persistence::propagate::expired_deletion(self.srv, self.db, key);
        self.srv.stats.expired_keys += 1;
        self.notify(NOTIFY_EXPIRED, "expired", key);
        self.signal_modified(key);
    }

    /// True when the configured `maxmemory-policy` is an LFU one: the `lru` field of
    /// each entry then holds an access-frequency counter and its decay time.
    #[inline]
    pub fn lfu(&self) -> bool {
        self.srv.config.maxmemory_policy.ends_with("lfu")
    }

    /// The `lru` field for a new key (Redis's `initObjectLRUOrLFU`).
    pub fn initial_lru(&self) -> u32 {
        if self.lfu() {
            (lfu_time_minutes(self.now()) << 8) | LFU_INIT_VAL
        } else {
            self.srv.lru_clock()
        }
    }

    /// The `lru` field after an access: the LRU clock, or the LFU counter decayed and
    /// logarithmically incremented (Redis's `updateLFU`).
    fn accessed_lru(&mut self, old: u32) -> u32 {
        if !self.lfu() {
            return self.srv.lru_clock();
        }
        let now = self.now();
        let counter = lfu_decr_and_return(old, now, self.srv.config.lfu_decay_time);
        let counter = if counter == 255 {
            255
        } else {
            let r: f64 = rand::Rng::gen(&mut self.srv.rng);
            let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
            let p = 1.0 / (base * f64::from(self.srv.config.lfu_log_factor) + 1.0);
            if r < p {
                counter + 1
            } else {
                counter
            }
        };
        (lfu_time_minutes(now) << 8) | counter
    }

    /// Looks `key` up for reading with Redis's `LOOKUP_*` [`lookup`] flags: expired keys
    /// vanish; unless told otherwise, hits and misses are counted, a miss sends the
    /// `keymiss` event and a hit updates the access time.
    pub fn lookup_read_flags(&mut self, key: &[u8], flags: u8) -> Option<&mut Value> {
        let valid = self.expire_status(key) == KeyStatus::Valid;
        let found = valid && self.srv.dbs[self.db].keys.contains_key(key);
        if !found {
            if flags & lookup::NOSTATS == 0 {
                self.srv.stats.keyspace_misses += 1;
            }
            if flags & lookup::NONOTIFY == 0 {
                self.notify(NOTIFY_KEY_MISS, "keymiss", key);
            }
            return None;
        }
        if flags & lookup::NOSTATS == 0 {
            self.srv.stats.keyspace_hits += 1;
        }
        if flags & lookup::NOTOUCH == 0 && !self.srv.no_touch {
            let lru = if self.lfu() {
                let old = self.srv.dbs[self.db].keys.get(key).map(|e| e.lru)?;
                self.accessed_lru(old)
            } else {
                self.srv.lru_clock()
            };
            let e = self.srv.dbs[self.db].keys.get_mut(key)?;
            e.lru = lru;
            return Some(&mut e.value);
        }
        self.srv.dbs[self.db]
            .keys
            .get_mut(key)
            .map(|e| &mut e.value)
    }

    /// Redis's `lookupKey` with every [`lookup`] flag, for callers that pass them
    /// through (the module API's `OpenKey` modes): `WRITE` neither counts nor notifies
    /// a miss, `NOEXPIRE` leaves an expired key in place (it still reads as missing).
    pub fn lookup_with_flags(&mut self, key: &[u8], flags: u8) -> Option<&mut Value> {
        let valid = if flags & lookup::NOEXPIRE != 0 {
            self.srv.loading || !self.srv.dbs[self.db].is_expired(key, self.now())
        } else {
            self.expire_status(key) == KeyStatus::Valid
        };
        let quiet = flags & lookup::WRITE != 0;
        if !(valid && self.srv.dbs[self.db].keys.contains_key(key)) {
            if flags & lookup::NOSTATS == 0 && !quiet {
                self.srv.stats.keyspace_misses += 1;
            }
            if flags & lookup::NONOTIFY == 0 && !quiet {
                self.notify(NOTIFY_KEY_MISS, "keymiss", key);
            }
            return None;
        }
        if flags & lookup::NOSTATS == 0 && !quiet {
            self.srv.stats.keyspace_hits += 1;
        }
        if flags & lookup::NOTOUCH == 0 && !self.srv.no_touch {
            let lru = if self.lfu() {
                let old = self.srv.dbs[self.db].keys.get(key).map(|e| e.lru)?;
                self.accessed_lru(old)
            } else {
                self.srv.lru_clock()
            };
            let e = self.srv.dbs[self.db].keys.get_mut(key)?;
            e.lru = lru;
            return Some(&mut e.value);
        }
        self.srv.dbs[self.db]
            .keys
            .get_mut(key)
            .map(|e| &mut e.value)
    }

    /// Looks `key` up for reading: expired keys vanish, hits and misses are counted, the
    /// access time is updated.
    #[inline]
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.lookup_read_flags(key, 0)
    }

    /// Looks `key` up for writing (expired keys vanish; no hit/miss counting).
    #[inline]
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Value> {
        if self.expire_status(key) != KeyStatus::Valid {
            return None;
        }
        if self.srv.no_touch {
            return self.srv.dbs[self.db]
                .keys
                .get_mut(key)
                .map(|e| &mut e.value);
        }
        let lru = if self.lfu() {
            let old = self.srv.dbs[self.db].keys.get(key).map(|e| e.lru)?;
            self.accessed_lru(old)
        } else {
            self.srv.lru_clock()
        };
        let e = self.srv.dbs[self.db].keys.get_mut(key)?;
        e.lru = lru;
        Some(&mut e.value)
    }

    /// True if `key` exists (and has not expired). Not counted as a hit or miss.
    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.expire_status(key) == KeyStatus::Valid && self.srv.dbs[self.db].keys.contains_key(key)
    }

    /// The type of `key`, if it exists.
    pub fn type_of(&mut self, key: &[u8]) -> Option<ValueType> {
        if self.expire_status(key) != KeyStatus::Valid {
            return None;
        }
        self.srv.dbs[self.db]
            .keys
            .get(key)
            .map(|e| e.value.value_type())
    }

    /// Looks up a value for reading and checks its type.
    #[inline]
    pub fn read_typed(&mut self, key: &[u8], t: ValueType) -> Result<Option<&mut Value>, CmdError> {
        match self.lookup_read(key) {
            Some(v) if v.value_type() != t => Err(CmdError::WRONG_TYPE),
            other => Ok(other),
        }
    }

    /// Looks up a value for writing and checks its type.
    #[inline]
    pub fn write_typed(
        &mut self,
        key: &[u8],
        t: ValueType,
    ) -> Result<Option<&mut Value>, CmdError> {
        match self.lookup_write(key) {
            Some(v) if v.value_type() != t => Err(CmdError::WRONG_TYPE),
            other => Ok(other),
        }
    }

    /// Stores a value (Redis's `setKey`): replaces any value, drops the TTL unless
    /// `keep_ttl`, invalidates watchers.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        self.expire_if_needed(key);
        // An overwritten key keeps its access data (Redis's `dbSetValue`).
        let lru = if self.lfu() || self.srv.no_touch {
            match self.srv.dbs[self.db].keys.get(key) {
                Some(e) => e.lru,
                None => self.initial_lru(),
            }
        } else {
            self.srv.lru_clock()
        };
        let kind = value.value_type();
        let created = self.srv.dbs[self.db].set(key, value, keep_ttl, lru);
        if created {
            self.key_created(key, kind);
        }
        self.signal_modified(key);
    }

    /// Adds a key known to be absent (Redis's `dbAdd`), waking clients blocked on it.
    pub fn add(&mut self, key: &[u8], value: Value) -> &mut Value {
        let lru = self.initial_lru();
        let kind = value.value_type();
        self.key_created(key, kind);
        &mut self.srv.dbs[self.db].add(key, value, lru).value
    }

    fn key_created(&mut self, key: &[u8], kind: ValueType) {
        if matches!(kind, ValueType::List | ValueType::ZSet) {
            crate::blocking::signal_key_as_ready(self.srv, self.db, key);
        }
        self.notify(crate::config::NOTIFY_NEW, "new", key);
    }

    /// Deletes `key`; true if it existed. Watchers are invalidated; the caller sends the
    /// keyspace event.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        if self.expire_status(key) == KeyStatus::Deleted {
            return false;
        }
        if self.srv.dbs[self.db].remove(key).is_some() {
            self.signal_modified(key);
            // Module clients blocked with REDISMODULE_BLOCK_UNBLOCK_DELETED wake up.
            crate::blocking::signal_key_as_ready(self.srv, self.db, key);
            true
        } else {
            false
        }
    }

    /// Deletes `key` if its aggregate value became empty, with the `del` event. Returns
    /// true if it was deleted.
    pub fn delete_if_empty(&mut self, key: &[u8]) -> bool {
        let empty = match self.srv.dbs[self.db].keys.get(key).map(|e| &e.value) {
            Some(Value::List(l)) => l.is_empty(),
            Some(Value::Hash(h)) => h.is_empty(),
            Some(Value::Set(s)) => s.is_empty(),
            Some(Value::ZSet(z)) => z.is_empty(),
            _ => false,
        };
        if empty {
            self.srv.dbs[self.db].remove(key);
            self.notify(NOTIFY_GENERIC, "del", key);
        }
        empty
    }

    /// The TTL of `key` in absolute Unix ms, if any.
    pub fn expire_of(&mut self, key: &[u8]) -> Option<i64> {
        self.srv.dbs[self.db].expire_of(key)
    }

    /// Sets the absolute expire time of an existing key.
    pub fn set_expire(&mut self, key: &[u8], when_ms: i64) {
        self.srv.dbs[self.db].set_expire(key, when_ms);
    }

    /// Marks `key` modified: `WATCH`ers of it fail their `EXEC` (Redis's
    /// `signalModifiedKey`).
    #[inline]
    pub fn signal_modified(&mut self, key: &[u8]) {
        if !self.srv.watched.is_empty() {
            crate::commands::multi::touch_watched_key(self.srv, self.db, key);
        }
    }

    /// A key's value changed: invalidate watchers, send the keyspace event, count one
    /// change. The common epilogue of every write.
    #[inline]
    pub fn modified(&mut self, key: &[u8], class: u32, event: &str) {
        self.signal_modified(key);
        self.notify(class, event, key);
        self.srv.dirty += 1;
    }

    /// Sends a keyspace notification if its class is enabled.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.config.notify_flags & class != 0
            || self.srv.modules.host.keyspace.has_subscribers()
        {
            crate::pubsub::notify_keyspace_event(self.srv, class, event, key, self.db);
        }
    }

    /// Wakes clients blocked on `key` (for values that gained elements).
    pub fn signal_ready(&mut self, key: &[u8]) {
        crate::blocking::signal_key_as_ready(self.srv, self.db, key);
    }
}

/// Flags for [`Keyspace::lookup_read_flags`] (Redis's `LOOKUP_*`).
pub mod lookup {
    /// Don't update the key's access time.
    pub const NOTOUCH: u8 = 1 << 0;
    /// Don't send the `keymiss` event.
    pub const NONOTIFY: u8 = 1 << 1;
    /// Don't count a keyspace hit or miss.
    pub const NOSTATS: u8 = 1 << 2;
    /// A lookup for writing: misses are neither counted nor notified.
    pub const WRITE: u8 = 1 << 3;
    /// Don't delete a lazily expired key (it still reads as missing).
    pub const NOEXPIRE: u8 = 1 << 4;
}

/// What [`Keyspace::expire_status`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// The key is missing or its TTL has not passed.
    Valid,
    /// The TTL passed but the key is kept for now; it reads as missing.
    Expired,
    /// The TTL passed and the key was removed.
    Deleted,
}

/// The LFU counter a new key starts with (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u32 = 5;

/// Minutes of Unix time, 16 bits: the LFU decay clock (Redis's `LFUGetTimeInMinutes`).
pub fn lfu_time_minutes(now_ms: i64) -> u32 {
    ((now_ms / 1000 / 60) & 65535) as u32
}

/// The LFU counter of an `lru` field after its decay (Redis's `LFUDecrAndReturn`).
pub fn lfu_decr_and_return(lru: u32, now_ms: i64, decay_time: u64) -> u32 {
    let ldt = lru >> 8;
    let counter = lru & 255;
    let now = lfu_time_minutes(now_ms);
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = u64::from(elapsed).checked_div(decay_time).unwrap_or(0);
    if periods > u64::from(counter) {
        0
    } else {
        counter - periods as u32
    }
}
