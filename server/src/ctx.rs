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
    pub cmd: Arc<Command>,
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
        let now = self.now();
        let db = &mut self.srv.dbs[self.db];
        if !db.is_expired(key, now) {
            return false;
        }
        db.remove(key);
        self.srv.stats.expired_keys += 1;
        self.notify(NOTIFY_EXPIRED, "expired", key);
        self.signal_modified(key);
        true
    }

    /// Looks `key` up for reading: expired keys vanish, hits and misses are counted, the
    /// access time is updated.
    #[inline]
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(key);
        let lru = self.srv.lru_clock();
        let found = self.srv.dbs[self.db].keys.contains_key(key);
        if found {
            self.srv.stats.keyspace_hits += 1;
        } else {
            self.srv.stats.keyspace_misses += 1;
            self.notify(NOTIFY_KEY_MISS, "keymiss", key);
            return None;
        }
        let e = self.srv.dbs[self.db].keys.get_mut(key)?;
        e.lru = lru;
        Some(&mut e.value)
    }

    /// Looks `key` up for writing (expired keys vanish; no hit/miss counting).
    #[inline]
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(key);
        let lru = self.srv.lru_clock();
        let e = self.srv.dbs[self.db].keys.get_mut(key)?;
        e.lru = lru;
        Some(&mut e.value)
    }

    /// True if `key` exists (and has not expired). Not counted as a hit or miss.
    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.expire_if_needed(key);
        self.srv.dbs[self.db].keys.contains_key(key)
    }

    /// The type of `key`, if it exists.
    pub fn type_of(&mut self, key: &[u8]) -> Option<ValueType> {
        self.expire_if_needed(key);
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
        let lru = self.srv.lru_clock();
        let kind = value.value_type();
        let created = self.srv.dbs[self.db].set(key, value, keep_ttl, lru);
        if created {
            self.key_created(key, kind);
        }
        self.signal_modified(key);
    }

    /// Adds a key known to be absent (Redis's `dbAdd`), waking clients blocked on it.
    pub fn add(&mut self, key: &[u8], value: Value) -> &mut Value {
        let lru = self.srv.lru_clock();
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
        self.expire_if_needed(key);
        if self.srv.dbs[self.db].remove(key).is_some() {
            self.signal_modified(key);
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
        if self.srv.config.notify_flags & class != 0 {
            crate::pubsub::notify_keyspace_event(self.srv, class, event, key, self.db);
        }
    }

    /// Wakes clients blocked on `key` (for values that gained elements).
    pub fn signal_ready(&mut self, key: &[u8]) {
        crate::blocking::signal_key_as_ready(self.srv, self.db, key);
    }
}
