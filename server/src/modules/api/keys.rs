//! Keys: the generic low-level key API (module.c's "Key API for ... low level access"):
//! `OpenKey` and the `RedisModuleKey` handle, `CloseKey`, `KeyType`, `ValueLength`,
//! deletion, expiry, LRU/LFU, `KeyExists`, `SignalModifiedKey`, `DbSize`,
//! `RandomKey`, `ResetDataset`.
//!
//! A key handle remembers its database and name, not a pointer into the keyspace: each
//! call finds the value again, so a key deleted behind the module's back (through
//! `RedisModule_Call`) reads as empty instead of dangling. As in Redis, the key API
//! itself sends no keyspace events and counts no changes (the module does that with
//! `NotifyKeyspaceEvent` and `Replicate`); closing a key opened for writing
//! invalidates `WATCH`, and creating a list or sorted set wakes clients blocked on it.

use super::keys_zset::RangeState;
use super::strings::{create_for, RmString};
use super::{ctx_of, ERR, OK};
use crate::ctx::{lookup, KeyStatus, Keyspace};
use crate::db::Value;
use crate::modules::ctx::{AutoObj, ModuleCtx};
use crate::modules::registry::Reg;
use crate::server::Server;
use coil_modules_api::consts::*;
use std::os::raw::{c_int, c_longlong, c_void};

/// `REDISMODULE_NO_EXPIRE` as a `mstime_t`.
const NO_EXPIRE: c_longlong = REDISMODULE_NO_EXPIRE as c_longlong;

/// `RedisModuleKey`: an open key.
pub struct ModuleKey {
    /// The context that opened it.
    pub ctx: *mut ModuleCtx,
    /// The server.
    pub srv: *mut Server,
    /// The database it was opened in.
    pub db: usize,
    /// Its name (one reference owned by the handle).
    pub key: *mut RmString,
    /// `REDISMODULE_READ` / `WRITE` and `OPEN_KEY_*` bits.
    pub mode: c_int,
    /// Redis's `key->value != NULL`: the key had (or was given) a value.
    pub has_value: bool,
    /// The list API's iterator (Redis's `key->iter` with `u.list.index`): the index
    /// it stands at, with the sign the module last used.
    pub list_iter: Option<i64>,
    /// True when the list iterator last moved towards the head.
    pub list_reverse: bool,
    /// The sorted-set range iterator.
    pub zset: RangeState,
}

impl ModuleKey {
    /// The key's name.
    pub fn name(&self) -> &[u8] {
        // SAFETY: the handle owns a reference to its name string.
        unsafe { RmString::bytes_of(self.key as *const c_void) }.unwrap_or(b"")
    }

    /// The key's name, copied (for calls that also borrow the server).
    pub fn name_vec(&self) -> Vec<u8> {
        self.name().to_vec()
    }

    /// The server.
    pub fn server(&mut self) -> Option<&mut Server> {
        // SAFETY: a key lives within the callback of the context that opened it, while
        // the server outlives every callback; the module holds no other reference.
        unsafe { self.srv.as_mut() }
    }

    /// The keyspace of the key's database.
    pub fn keyspace(&mut self) -> Option<Keyspace<'_>> {
        let db = self.db;
        let srv = self.server()?;
        (db < srv.dbs.len()).then_some(Keyspace { srv, db })
    }

    /// True when opened for writing.
    pub fn writable(&self) -> bool {
        self.mode & REDISMODULE_WRITE != 0
    }

    /// True when opened for reading.
    pub fn readable(&self) -> bool {
        self.mode & REDISMODULE_READ != 0
    }

    /// The value under the key, found again in the database (none for an empty key).
    pub fn value(&mut self) -> Option<&mut Value> {
        if !self.has_value {
            return None;
        }
        let name = self.name_vec();
        let db = self.db;
        let srv = self.server()?;
        srv.dbs
            .get_mut(db)?
            .keys
            .get_mut(&name)
            .map(|e| &mut e.value)
    }

    /// The value's kind (`None` for an empty key).
    pub fn kind(&mut self) -> Option<crate::db::ValueType> {
        self.value().map(|v| v.value_type())
    }

    /// Creates a module string for the caller, in the opening context's auto memory.
    pub fn new_string(&self, data: &[u8]) -> *mut RmString {
        create_for(self.ctx as *mut c_void, data)
    }

    /// Removes the key's value without events, as `dbDelete` (`RM_DeleteKey`).
    pub fn delete_value(&mut self) {
        if self.value().is_some() {
            let name = self.name_vec();
            let db = self.db;
            if let Some(srv) = self.server() {
                srv.dbs[db].remove(&name);
            }
        }
        self.has_value = false;
        self.list_iter = None;
        self.zset = RangeState::default();
    }

    /// Adds `value` under the (empty) key, as `dbAdd`: the `new` event, and clients
    /// blocked on a list or sorted set are woken once it has elements.
    pub fn add_value(&mut self, value: Value) {
        let name = self.name_vec();
        if let Some(mut ks) = self.keyspace() {
            ks.add(&name, value);
            self.has_value = true;
        }
    }

    /// Replaces the key's value (`RM_DeleteKey` then `setKey`).
    pub fn set_value(&mut self, value: Value) {
        self.delete_value();
        self.add_value(value);
    }

    /// Deletes the key if its aggregate value became empty (`moduleDelKeyIfEmpty`).
    /// True if it was deleted.
    pub fn delete_if_empty(&mut self) -> bool {
        if !self.writable() {
            return false;
        }
        let empty = match self.value() {
            Some(Value::List(l)) => l.is_empty(),
            Some(Value::Hash(h)) => h.is_empty(),
            Some(Value::Set(s)) => s.is_empty(),
            Some(Value::ZSet(z)) => z.is_empty(),
            _ => false,
        };
        if empty {
            self.delete_value();
        }
        empty
    }
}

/// The key handle behind a pointer a module passed.
///
/// # Safety
/// `p` must be null or a live key from `OpenKey`.
pub unsafe fn key_of<'a>(p: *mut c_void) -> Option<&'a mut ModuleKey> {
    // SAFETY: promised by the caller.
    unsafe { (p as *mut ModuleKey).as_mut() }
}

/// Closes a key (`moduleCloseKey` and the free): a key opened for writing signals its
/// modification (unless the module opted out), the handle is freed.
///
/// # Safety
/// `k` must be a live key, not used afterwards.
pub unsafe fn close(k: *mut ModuleKey) {
    if k.is_null() {
        return;
    }
    // SAFETY: promised by the caller; the handle came from `Box::into_raw`.
    let mut key = unsafe { Box::from_raw(k) };
    // SAFETY: the opening context is alive while its keys are.
    let signal = match unsafe { key.ctx.as_mut() }.and_then(|c| c.module()) {
        Some(m) => m.options & REDISMODULE_OPTION_NO_IMPLICIT_SIGNAL_MODIFIED == 0,
        None => true,
    };
    if key.writable() && signal {
        let name = key.name_vec();
        if let Some(mut ks) = key.keyspace() {
            ks.signal_modified(&name);
        }
    }
    // SAFETY: the handle owns one reference to its name.
    unsafe { RmString::release(key.key) };
}

/// Translates `OpenKey` modes to [`lookup`] flags.
fn lookup_flags(mode: c_int) -> u8 {
    let mut f = 0;
    if mode & REDISMODULE_OPEN_KEY_NOTOUCH != 0 {
        f |= lookup::NOTOUCH;
    }
    if mode & REDISMODULE_OPEN_KEY_NONOTIFY != 0 {
        f |= lookup::NONOTIFY;
    }
    if mode & REDISMODULE_OPEN_KEY_NOSTATS != 0 {
        f |= lookup::NOSTATS;
    }
    if mode & REDISMODULE_OPEN_KEY_NOEXPIRE != 0 {
        f |= lookup::NOEXPIRE;
    }
    if mode & REDISMODULE_OPEN_KEY_NOEFFECTS != 0 {
        f |= lookup::NONOTIFY | lookup::NOSTATS | lookup::NOTOUCH | lookup::NOEXPIRE;
    }
    f
}

/// The database of a context's client.
fn ctx_db(c: &mut ModuleCtx) -> Option<usize> {
    c.client().map(|cl| cl.db)
}

unsafe extern "C" fn open_key(
    ctx: *mut c_void,
    keyname: *mut RmString,
    mode: c_int,
) -> *mut c_void {
    // SAFETY: the module's live context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null_mut();
    };
    // SAFETY: a live module string (or null).
    let Some(name) = (unsafe { RmString::bytes_of(keyname as *const c_void) }) else {
        return std::ptr::null_mut();
    };
    let name = name.to_vec();
    let Some(db) = ctx_db(c) else {
        return std::ptr::null_mut();
    };
    let srv_ptr = c.srv;
    let Some(srv) = c.server() else {
        return std::ptr::null_mut();
    };
    if db >= srv.dbs.len() {
        return std::ptr::null_mut();
    }
    let mut ks = Keyspace { srv, db };
    let mut flags = lookup_flags(mode);
    if mode & REDISMODULE_WRITE != 0 {
        flags |= lookup::WRITE;
    }
    let found = ks.lookup_with_flags(&name, flags).is_some();
    if !found && mode & REDISMODULE_WRITE == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: the module's string; the handle keeps a reference of its own.
    unsafe { RmString::retain(keyname) };
    let key = Box::into_raw(Box::new(ModuleKey {
        ctx: ctx as *mut ModuleCtx,
        srv: srv_ptr,
        db,
        key: keyname,
        mode,
        has_value: found,
        list_iter: None,
        list_reverse: false,
        zset: RangeState::default(),
    }));
    c.auto_add(AutoObj::Key(key));
    key as *mut c_void
}

unsafe extern "C" fn get_open_key_modes_all() -> c_int {
    _REDISMODULE_OPEN_KEY_ALL
}

unsafe extern "C" fn close_key(kp: *mut c_void) {
    // SAFETY: a live key from OpenKey (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return;
    };
    // SAFETY: the opening context is alive while its keys are.
    if let Some(c) = unsafe { k.ctx.as_mut() } {
        c.auto_forget(AutoObj::Key(kp as *mut ModuleKey));
    }
    // SAFETY: the module gives the handle up here.
    unsafe { close(kp as *mut ModuleKey) };
}

unsafe extern "C" fn key_type(kp: *mut c_void) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return REDISMODULE_KEYTYPE_EMPTY;
    };
    use crate::db::ValueType as T;
    match k.kind() {
        None => REDISMODULE_KEYTYPE_EMPTY,
        Some(T::String) => REDISMODULE_KEYTYPE_STRING,
        Some(T::List) => REDISMODULE_KEYTYPE_LIST,
        Some(T::Hash) => REDISMODULE_KEYTYPE_HASH,
        Some(T::Set) => REDISMODULE_KEYTYPE_SET,
        Some(T::ZSet) => REDISMODULE_KEYTYPE_ZSET,
        Some(T::Module) => REDISMODULE_KEYTYPE_MODULE,
    }
}

unsafe extern "C" fn value_length(kp: *mut c_void) -> usize {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return 0;
    };
    match k.value() {
        Some(Value::Str(s)) => s.len(),
        Some(Value::List(l)) => l.len(),
        // Expired fields not yet removed count, as in Redis.
        Some(Value::Hash(h)) => h.len(),
        Some(Value::Set(s)) => s.len(),
        Some(Value::ZSet(z)) => z.len(),
        Some(Value::Module(_)) | None => 0,
    }
}

unsafe extern "C" fn delete_key(kp: *mut c_void) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    if !k.writable() {
        return ERR;
    }
    k.delete_value();
    OK
}

unsafe extern "C" fn unlink_key(kp: *mut c_void) -> c_int {
    // Values are freed in place: there is no lazy-free thread.
    // SAFETY: forwarded.
    unsafe { delete_key(kp) }
}

/// The key's absolute expire time, if it has a value and a TTL.
fn abs_expire(k: &mut ModuleKey) -> Option<i64> {
    k.value()?;
    let name = k.name_vec();
    k.keyspace()?.expire_of(&name)
}

unsafe extern "C" fn get_expire(kp: *mut c_void) -> c_longlong {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return NO_EXPIRE;
    };
    let Some(t) = abs_expire(k) else {
        return NO_EXPIRE;
    };
    let now = k.server().map(|s| s.cmd_time_ms).unwrap_or(0);
    (t - now).max(0)
}

unsafe extern "C" fn get_abs_expire(kp: *mut c_void) -> c_longlong {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return NO_EXPIRE;
    };
    abs_expire(k).unwrap_or(NO_EXPIRE)
}

/// `RM_SetExpire` / `RM_SetAbsExpire`.
fn set_expire_generic(k: &mut ModuleKey, expire: c_longlong, relative: bool) -> c_int {
    if !k.writable() || k.value().is_none() || (expire < 0 && expire != NO_EXPIRE) {
        return ERR;
    }
    let name = k.name_vec();
    let Some(mut ks) = k.keyspace() else {
        return ERR;
    };
    if expire == NO_EXPIRE {
        ks.db().persist(&name);
    } else {
        let at = if relative {
            expire.saturating_add(ks.now())
        } else {
            expire
        };
        ks.set_expire(&name, at);
    }
    OK
}

unsafe extern "C" fn set_expire(kp: *mut c_void, expire: c_longlong) -> c_int {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) } {
        Some(k) => set_expire_generic(k, expire, true),
        None => ERR,
    }
}

unsafe extern "C" fn set_abs_expire(kp: *mut c_void, expire: c_longlong) -> c_int {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) } {
        Some(k) => set_expire_generic(k, expire, false),
        None => ERR,
    }
}

unsafe extern "C" fn key_exists(ctx: *mut c_void, keyname: *mut RmString) -> c_int {
    // SAFETY: the module's context and string.
    let (Some(c), Some(name)) = (unsafe { ctx_of(ctx) }, unsafe {
        RmString::bytes_of(keyname as *const c_void)
    }) else {
        return 0;
    };
    let name = name.to_vec();
    let Some(db) = ctx_db(c) else {
        return 0;
    };
    let Some(srv) = c.server() else {
        return 0;
    };
    if db >= srv.dbs.len() {
        return 0;
    }
    let mut ks = Keyspace { srv, db };
    c_int::from(ks.lookup_with_flags(&name, lookup::NOTOUCH).is_some())
}

unsafe extern "C" fn signal_modified_key(ctx: *mut c_void, keyname: *mut RmString) -> c_int {
    // SAFETY: the module's context and string.
    let (Some(c), Some(name)) = (unsafe { ctx_of(ctx) }, unsafe {
        RmString::bytes_of(keyname as *const c_void)
    }) else {
        return ERR;
    };
    let name = name.to_vec();
    let Some(db) = ctx_db(c) else {
        return ERR;
    };
    if let Some(srv) = c.server() {
        if db < srv.dbs.len() {
            Keyspace { srv, db }.signal_modified(&name);
        }
    }
    OK
}

unsafe extern "C" fn reset_dataset(_restart_aof: c_int, _async: c_int) {
    // No context: the server is reached through the module that is running (every
    // callback that may call this runs under the execution lock).
    let Some(srv) = current_server() else {
        return;
    };
    let mut n = 0;
    for db in 0..srv.dbs.len() {
        n += crate::commands::server::empty_db(srv, db);
    }
    srv.dirty += n as u64;
}

/// The server, for API functions that receive no context (`ResetDataset`): every
/// loaded module records it.
fn current_server<'a>() -> Option<&'a mut Server> {
    let p = super::super::current_server();
    // SAFETY: the server outlives every module callback, which only runs under the
    // execution lock; no other reference is in use while the module runs.
    unsafe { p.as_mut() }
}

unsafe extern "C" fn db_size(ctx: *mut c_void) -> u64 {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return 0;
    };
    let Some(db) = ctx_db(c) else {
        return 0;
    };
    c.server()
        .and_then(|s| s.dbs.get(db))
        .map(|d| d.len() as u64)
        .unwrap_or(0)
}

unsafe extern "C" fn random_key(ctx: *mut c_void) -> *mut RmString {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null_mut();
    };
    let Some(db) = ctx_db(c) else {
        return std::ptr::null_mut();
    };
    let Some(srv) = c.server() else {
        return std::ptr::null_mut();
    };
    if db >= srv.dbs.len() {
        return std::ptr::null_mut();
    }
    // Redis's dbRandomKey: expired keys met on the way are deleted.
    let mut tries = 100;
    let found = loop {
        let d = &srv.dbs[db];
        let all_volatile = d.keys.len() == d.expires.len();
        let Some((k, _)) = d.keys.random_entry(&mut srv.rng) else {
            break None;
        };
        let key = k.to_vec();
        if d.expire_of(&key).is_some() {
            tries -= 1;
            let status = Keyspace { srv: &mut *srv, db }.expire_status(&key);
            if status != KeyStatus::Valid && !(all_volatile && tries <= 0) {
                continue;
            }
        }
        break Some(key);
    };
    match found {
        Some(k) => create_for(ctx, &k),
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_key_name_from_module_key(kp: *mut c_void) -> *const RmString {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) } {
        Some(k) => k.key,
        None => std::ptr::null(),
    }
}

unsafe extern "C" fn get_db_id_from_module_key(kp: *mut c_void) -> c_int {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) } {
        Some(k) => k.db as c_int,
        None => -1,
    }
}

/// `LRU_CLOCK_MAX`.
const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;

/// The key's entry `lru` field and whether an LFU policy is in force.
fn lru_field(k: &mut ModuleKey) -> Option<(&mut u32, bool, i64, u32)> {
    if !k.has_value {
        return None;
    }
    let name = k.name_vec();
    let db = k.db;
    let srv = k.server()?;
    let lfu = srv.config.maxmemory_policy.ends_with("lfu");
    let now = srv.cmd_time_ms;
    let clock = srv.lru_clock();
    let e = srv.dbs.get_mut(db)?.keys.get_mut(&name)?;
    Some((&mut e.lru, lfu, now, clock))
}

unsafe extern "C" fn set_lru(kp: *mut c_void, lru_idle: c_longlong) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    let Some((lru, lfu, _, clock)) = lru_field(k) else {
        return ERR;
    };
    // Redis's objectSetLRUOrLFU: the idle time is in ms, the clock in seconds.
    if lfu || lru_idle < 0 {
        return ERR;
    }
    let mut abs = i64::from(clock) - lru_idle / 1000;
    if abs < 0 {
        abs += LRU_CLOCK_MAX;
    }
    *lru = abs as u32;
    OK
}

unsafe extern "C" fn get_lru(kp: *mut c_void, lru_idle: *mut c_longlong) -> c_int {
    if !lru_idle.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *lru_idle = -1 };
    }
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    let Some((lru, lfu, _, clock)) = lru_field(k) else {
        return ERR;
    };
    if lfu {
        return OK;
    }
    // Redis's estimateObjectIdleTime.
    let (clock, lru) = (i64::from(clock), i64::from(*lru));
    let idle = if clock >= lru {
        (clock - lru) * 1000
    } else {
        (clock + (LRU_CLOCK_MAX - lru)) * 1000
    };
    if !lru_idle.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *lru_idle = idle };
    }
    OK
}

unsafe extern "C" fn set_lfu(kp: *mut c_void, lfu_freq: c_longlong) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    let Some((lru, lfu, now, _)) = lru_field(k) else {
        return ERR;
    };
    if !lfu || !(0..=255).contains(&lfu_freq) {
        return ERR;
    }
    *lru = (crate::ctx::lfu_time_minutes(now) << 8) | lfu_freq as u32;
    OK
}

unsafe extern "C" fn get_lfu(kp: *mut c_void, lfu_freq: *mut c_longlong) -> c_int {
    if !lfu_freq.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *lfu_freq = -1 };
    }
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    let decay = k
        .server()
        .map(|s| s.config.lfu_decay_time)
        .unwrap_or_default();
    let Some((lru, lfu, now, _)) = lru_field(k) else {
        return ERR;
    };
    if lfu && !lfu_freq.is_null() {
        let v = crate::ctx::lfu_decr_and_return(*lru, now, decay);
        // SAFETY: the module's output slot.
        unsafe { *lfu_freq = c_longlong::from(v) };
    }
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("OpenKey", open_key as *const () as usize);
    r.add(
        "GetOpenKeyModesAll",
        get_open_key_modes_all as *const () as usize,
    );
    r.add("CloseKey", close_key as *const () as usize);
    r.add("KeyType", key_type as *const () as usize);
    r.add("ValueLength", value_length as *const () as usize);
    r.add("DeleteKey", delete_key as *const () as usize);
    r.add("UnlinkKey", unlink_key as *const () as usize);
    r.add("KeyExists", key_exists as *const () as usize);
    r.add("GetExpire", get_expire as *const () as usize);
    r.add("SetExpire", set_expire as *const () as usize);
    r.add("GetAbsExpire", get_abs_expire as *const () as usize);
    r.add("SetAbsExpire", set_abs_expire as *const () as usize);
    r.add(
        "SignalModifiedKey",
        signal_modified_key as *const () as usize,
    );
    r.add("ResetDataset", reset_dataset as *const () as usize);
    r.add("DbSize", db_size as *const () as usize);
    r.add("RandomKey", random_key as *const () as usize);
    r.add(
        "GetKeyNameFromModuleKey",
        get_key_name_from_module_key as *const () as usize,
    );
    r.add(
        "GetDbIdFromModuleKey",
        get_db_id_from_module_key as *const () as usize,
    );
    r.add("SetLRU", set_lru as *const () as usize);
    r.add("GetLRU", get_lru as *const () as usize);
    r.add("SetLFU", set_lfu as *const () as usize);
    r.add("GetLFU", get_lfu as *const () as usize);
}
