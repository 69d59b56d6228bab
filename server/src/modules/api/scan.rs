//! Keyspace scan (module.c's "Scan keyspace" section): `ScanCursorCreate`,
//! `ScanCursorRestart`, `ScanCursorDestroy`, `Scan` over the selected database and
//! `ScanKey` over a hash, set or sorted set, with `SCAN`'s guarantees.
//!
//! Each `Scan` call walks one step of the keyspace dict (Redis's `dbScan`) and then
//! calls the module for the keys found, so the callback may modify or delete the key
//! it is given. `ScanKey` walks the hashtable encodings by cursor and the compact
//! ones (listpack, intset) in one call, as Redis does.

use super::keys::{self, key_of, ModuleKey};
use super::keys_zset::RangeState;
use super::strings::RmString;
use super::{ctx_of, set_errno};
use crate::db::hash::{is_expired, Repr};
use crate::db::set::SetRepr;
use crate::db::Value;
use crate::modules::ctx::ModuleCtx;
use crate::modules::registry::Reg;
use coil_modules_api::consts::REDISMODULE_READ;
use std::os::raw::{c_int, c_void};

/// `RedisModuleScanCursor`.
#[derive(Debug, Default)]
pub struct ScanCursor {
    /// The dict cursor.
    pub cursor: u64,
    /// True once the scan completed.
    pub done: bool,
}

/// `void (*)(RedisModuleCtx *, RedisModuleString *keyname, RedisModuleKey *, void *)`.
type ScanCb = unsafe extern "C" fn(*mut c_void, *mut RmString, *mut ModuleKey, *mut c_void);
/// `void (*)(RedisModuleKey *, RedisModuleString *field, RedisModuleString *value, void *)`.
type ScanKeyCb = unsafe extern "C" fn(*mut ModuleKey, *mut RmString, *mut RmString, *mut c_void);

unsafe extern "C" fn scan_cursor_create() -> *mut ScanCursor {
    Box::into_raw(Box::default())
}

unsafe extern "C" fn scan_cursor_restart(c: *mut ScanCursor) {
    // SAFETY: a cursor from ScanCursorCreate (or null).
    if let Some(c) = unsafe { c.as_mut() } {
        c.cursor = 0;
        c.done = false;
    }
}

unsafe extern "C" fn scan_cursor_destroy(c: *mut ScanCursor) {
    if !c.is_null() {
        // SAFETY: the module gives up a cursor from ScanCursorCreate.
        drop(unsafe { Box::from_raw(c) });
    }
}

unsafe extern "C" fn scan(
    ctx: *mut c_void,
    cursor: *mut ScanCursor,
    f: Option<ScanCb>,
    privdata: *mut c_void,
) -> c_int {
    // SAFETY: the module's context and cursor (or null).
    let (Some(c), Some(cur), Some(f)) = (unsafe { ctx_of(ctx) }, unsafe { cursor.as_mut() }, f)
    else {
        set_errno(libc::EINVAL);
        return 0;
    };
    if cur.done {
        set_errno(libc::ENOENT);
        return 0;
    }
    let Some(db) = c.client().map(|cl| cl.db) else {
        set_errno(libc::EINVAL);
        return 0;
    };
    let srv_ptr = c.srv;
    let Some(srv) = c.server() else {
        set_errno(libc::EINVAL);
        return 0;
    };
    let Some(d) = srv.dbs.get(db) else {
        set_errno(libc::EINVAL);
        return 0;
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    cur.cursor = d.keys.scan(cur.cursor, |k, _| found.push(k.to_vec()));
    for name in found {
        let keyname = RmString::create(&name);
        // SAFETY: `keyname` is ours; the handle takes a reference of its own.
        unsafe { RmString::retain(keyname) };
        let key = Box::into_raw(Box::new(ModuleKey {
            ctx: ctx as *mut ModuleCtx,
            srv: srv_ptr,
            db,
            key: keyname,
            mode: REDISMODULE_READ,
            has_value: true,
            list_iter: None,
            list_reverse: false,
            zset: RangeState::default(),
        }));
        // SAFETY: the module's callback with a live context, key name and handle.
        unsafe { f(ctx, keyname, key, privdata) };
        // SAFETY: the handle and our reference to the name are released here.
        unsafe {
            keys::close(key);
            RmString::release(keyname);
        }
    }
    let more = cur.cursor != 0;
    if !more {
        cur.done = true;
    }
    set_errno(0);
    c_int::from(more)
}

/// Elements `ScanKey` reports: a field (or member) and its value (none for sets).
type Items = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// What one `ScanKey` step yields: the elements and the next cursor.
fn scan_key_step(k: &mut ModuleKey, cursor: u64) -> Option<(Items, u64)> {
    let now = k.server().map(|s| s.cmd_time_ms).unwrap_or(0);
    let mut items = Vec::new();
    let next = match k.value()? {
        Value::Set(s) => match &s.repr {
            SetRepr::Table(d) => d.scan(cursor, |m, _| items.push((m.to_vec(), None))),
            _ => {
                s.for_each(|m| items.push((m.to_vec(), None)));
                0
            }
        },
        Value::Hash(h) => match &h.repr {
            Repr::Table(t) => t.map.scan(cursor, |f, v| {
                if !is_expired(t.ttl_of(f), now) {
                    items.push((f.to_vec(), Some(v.to_vec())));
                }
            }),
            Repr::Small(_) => {
                h.for_each_live(now, |f, v| items.push((f.to_vec(), Some(v.to_vec()))));
                0
            }
        },
        Value::ZSet(z) => match z.dict() {
            // Scores from the skiplist's dict print as `%.17Lg`; listpack scores are
            // stored (and printed) in their shortest form.
            Some(d) => d.scan(cursor, |m, s| {
                items.push((m.to_vec(), Some(crate::util::fmt_f64_g17(*s).into_bytes())))
            }),
            None => {
                z.for_each(|m, s| {
                    items.push((m.to_vec(), Some(crate::util::fmt_f64(s).into_bytes())))
                });
                0
            }
        },
        _ => return None,
    };
    Some((items, next))
}

unsafe extern "C" fn scan_key(
    kp: *mut c_void,
    cursor: *mut ScanCursor,
    f: Option<ScanKeyCb>,
    privdata: *mut c_void,
) -> c_int {
    // SAFETY: the module's key and cursor (or null).
    let (Some(k), Some(cur), Some(f)) = (unsafe { key_of(kp) }, unsafe { cursor.as_mut() }, f)
    else {
        set_errno(libc::EINVAL);
        return 0;
    };
    if !matches!(
        k.value(),
        Some(Value::Set(_)) | Some(Value::Hash(_)) | Some(Value::ZSet(_))
    ) {
        set_errno(libc::EINVAL);
        return 0;
    }
    if cur.done {
        set_errno(libc::ENOENT);
        return 0;
    }
    let Some((items, next)) = scan_key_step(k, cur.cursor) else {
        set_errno(libc::EINVAL);
        return 0;
    };
    for (field, value) in items {
        let fs = RmString::create(&field);
        let vs = value
            .map(|v| RmString::create(&v))
            .unwrap_or(std::ptr::null_mut());
        // SAFETY: the module's callback with its key and our strings, released after.
        unsafe {
            f(kp as *mut ModuleKey, fs, vs, privdata);
            RmString::release(fs);
            RmString::release(vs);
        }
    }
    // A compact encoding is done in one call (Redis leaves its cursor at 1).
    cur.cursor = if next == 0 { 1 } else { next };
    let more = next != 0;
    if !more {
        cur.done = true;
    }
    set_errno(0);
    c_int::from(more)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("ScanCursorCreate", scan_cursor_create as *const () as usize);
    r.add(
        "ScanCursorRestart",
        scan_cursor_restart as *const () as usize,
    );
    r.add(
        "ScanCursorDestroy",
        scan_cursor_destroy as *const () as usize,
    );
    r.add("Scan", scan as *const () as usize);
    r.add("ScanKey", scan_key as *const () as usize);
}
