//! Keys: the hash API (module.c's "Key API for Hash type"): `HashSet` and `HashGet`.
//! Both are C-variadic (NULL-terminated field/value pairs): `shim.c` collects the
//! pairs and calls the hooks here.
//!
//! Fields whose TTL passed (hash field expiry) read as missing and are not deleted,
//! as in Redis 7.4 (`HFE_LAZY_AVOID_FIELD_DEL`); setting a field drops its TTL.

use super::keys::{key_of, ModuleKey};
use super::strings::{cstr_bytes, RmString};
use super::{set_errno, ERR, OK};
use crate::db::hash::{is_expired, Hash, HashLimits};
use crate::db::Value;
use coil_modules_api::consts::*;
use std::os::raw::{c_char, c_int, c_void};

/// `REDISMODULE_HASH_DELETE`: the value pointer that deletes a field.
const HASH_DELETE: usize = 1;

/// The hash under a key, if it holds one.
fn hash_of(k: &mut ModuleKey) -> Option<&mut Hash> {
    match k.value() {
        Some(Value::Hash(h)) => Some(h),
        _ => None,
    }
}

/// A field argument: a C string with `CFIELDS`, a module string otherwise.
///
/// # Safety
/// `p` must be what the flags say it is.
unsafe fn field_bytes(p: *mut c_void, flags: c_int) -> Vec<u8> {
    if flags & REDISMODULE_HASH_CFIELDS != 0 {
        // SAFETY: a C string (promised by the caller).
        unsafe { cstr_bytes(p as *const c_char) }.to_vec()
    } else {
        // SAFETY: a live module string (promised by the caller).
        unsafe { RmString::bytes_of(p) }.unwrap_or(b"").to_vec()
    }
}

/// Brings the database's registry of hashes with field TTLs up to date for the key
/// (its nearest field expiry may have changed).
fn sync_field_expiry(k: &mut ModuleKey) {
    let name = k.name_vec();
    let db = k.db;
    let Some(srv) = k.server() else {
        return;
    };
    let d = &mut srv.dbs[db];
    let min = match d.keys.get(&name).map(|e| &e.value) {
        Some(Value::Hash(h)) => h.min_expire(),
        _ => None,
    };
    if min.is_some() || !d.hexpires.is_empty() {
        d.hexpires.update(&name, min);
    }
}

/// Shim hook for `RedisModule_HashSet`: `pairs` holds `npairs` (field, value) pointers.
///
/// # Safety
/// Called by the C shim with the module's key and the pairs it passed.
pub unsafe extern "C" fn hook_hash_set(
    kp: *mut c_void,
    flags: c_int,
    pairs: *const *mut c_void,
    npairs: usize,
) -> c_int {
    let known = REDISMODULE_HASH_NX
        | REDISMODULE_HASH_XX
        | REDISMODULE_HASH_CFIELDS
        | REDISMODULE_HASH_COUNT_ALL;
    // SAFETY: a live key (or null).
    let k = unsafe { key_of(kp) };
    let Some(k) = k.filter(|_| flags & !known == 0) else {
        set_errno(libc::EINVAL);
        return 0;
    };
    if k.value().is_some() && hash_of(k).is_none() {
        set_errno(libc::ENOTSUP);
        return 0;
    }
    if !k.writable() {
        set_errno(libc::EBADF);
        return 0;
    }
    if k.value().is_none() {
        k.add_value(Value::Hash(Box::default()));
    }
    let (limits, now) = match k.server() {
        Some(s) => (HashLimits::from_config(&s.config), s.cmd_time_ms),
        None => (HashLimits::DEFAULT, 0),
    };
    let mut count = 0;
    let mut had_ttls = false;
    for i in 0..npairs {
        // SAFETY: the shim passes `2 * npairs` pointers.
        let (fp, vp) = unsafe { (*pairs.add(2 * i), *pairs.add(2 * i + 1)) };
        // SAFETY: the field is what the flags say.
        let field = unsafe { field_bytes(fp, flags) };
        let Some(mut h) = hash_of(k) else {
            break;
        };
        had_ttls |= h.has_ttl_support();
        if flags & (REDISMODULE_HASH_NX | REDISMODULE_HASH_XX) != 0 {
            let (present, expired) = match h.get(&field) {
                Some((_, t)) => (true, is_expired(t, now)),
                None => (false, false),
            };
            // With NX (not XX) an expired field is deleted on the way, with its
            // `hexpired` event, so the set below creates it afresh (Redis's lazy
            // field expiry in hashTypeExists; the key itself stays).
            if expired && flags & REDISMODULE_HASH_XX == 0 {
                h.remove(&field);
                let name = k.name_vec();
                if let Some(mut ks) = k.keyspace() {
                    ks.notify(crate::config::NOTIFY_HASH, "hexpired", &name);
                }
            }
            let exists = present && !expired;
            if (flags & REDISMODULE_HASH_XX != 0 && !exists)
                || (flags & REDISMODULE_HASH_NX != 0 && exists)
            {
                continue;
            }
            let Some(hh) = hash_of(k) else {
                break;
            };
            h = hh;
        }
        if vp as usize == HASH_DELETE {
            count += c_int::from(h.remove(&field));
            continue;
        }
        // SAFETY: a live module string (the value of a pair).
        let value = unsafe { RmString::bytes_of(vp) }.unwrap_or(b"");
        h.try_conversion(&[&field[..], value], &limits);
        let updated = !h.set(&field, value, false, &limits);
        count += if flags & REDISMODULE_HASH_COUNT_ALL != 0 {
            1
        } else {
            c_int::from(updated)
        };
    }
    if had_ttls {
        sync_field_expiry(k);
    }
    k.delete_if_empty();
    if count == 0 {
        set_errno(libc::ENOENT);
    }
    count
}

/// Shim hook for `RedisModule_HashGet`: `pairs` holds `npairs` (field, output)
/// pointers; outputs are `int *` with `EXISTS`, `RedisModuleString **` otherwise.
///
/// # Safety
/// Called by the C shim with the module's key and the pairs it passed.
pub unsafe extern "C" fn hook_hash_get(
    kp: *mut c_void,
    flags: c_int,
    pairs: *const *mut c_void,
    npairs: usize,
) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    if k.value().is_some() && hash_of(k).is_none() {
        return ERR;
    }
    let now = k.server().map(|s| s.cmd_time_ms).unwrap_or(0);
    for i in 0..npairs {
        // SAFETY: the shim passes `2 * npairs` pointers.
        let (fp, out) = unsafe { (*pairs.add(2 * i), *pairs.add(2 * i + 1)) };
        // SAFETY: the field is what the flags say.
        let field = unsafe { field_bytes(fp, flags) };
        let value: Option<Vec<u8>> = hash_of(k).and_then(|h| {
            h.get(&field)
                .filter(|(_, t)| !is_expired(*t, now))
                .map(|(v, _)| v.to_vec())
        });
        if out.is_null() {
            continue;
        }
        if flags & REDISMODULE_HASH_EXISTS != 0 {
            // SAFETY: the module's `int *` output.
            unsafe { *(out as *mut c_int) = c_int::from(value.is_some()) };
        } else {
            let s = match value {
                Some(v) => k.new_string(&v),
                None => std::ptr::null_mut(),
            };
            // SAFETY: the module's `RedisModuleString **` output.
            unsafe { *(out as *mut *mut RmString) = s };
        }
    }
    OK
}
