//! `rkeys`: a sample module written in Rust on Coil's SDK (`coil_modules_api::sdk` and
//! `sdk_keys`), exercising the key API: strings through `StringSet` and `StringDMA`,
//! lists through `ListPush`, hashes through the C-variadic `HashSet`/`HashGet`, and
//! expire times. Built as a cdylib (`librkeys`-style shared object) that loads into
//! Coil and, unchanged, into Redis 7.4.
//!
//! Commands: `RKEYS.SET key value`, `RKEYS.GET key`, `RKEYS.TYPE key`,
//! `RKEYS.PUSH key value [value ...]`, `RKEYS.HSET key field value`,
//! `RKEYS.HGET key field`, `RKEYS.PEXPIRE key ms`, `RKEYS.PTTL key`.

use coil_modules_api::sdk::{Api, Context};
use coil_modules_api::sdk_keys::{KeyApi, KeyType};
use coil_modules_api::{RedisModuleCtx, RedisModuleString, REDISMODULE_ERR, REDISMODULE_OK};
use std::os::raw::c_int;
use std::sync::OnceLock;

/// The resolved API, set once by `OnLoad`.
static APIS: OnceLock<(Api, KeyApi)> = OnceLock::new();

const WRONGTYPE: &std::ffi::CStr =
    c"WRONGTYPE Operation against a key holding the wrong kind of value";

/// The arguments of a command as a slice of string handles.
///
/// # Safety
/// `argv` must hold `argc` string handles (what the host passes a command).
unsafe fn args<'a>(argv: *mut *mut RedisModuleString, argc: c_int) -> &'a [*mut RedisModuleString] {
    // SAFETY: promised by the caller.
    unsafe { std::slice::from_raw_parts(argv, usize::try_from(argc).unwrap_or(0)) }
}

/// Runs a command body with the APIs, the reply context and the arguments.
///
/// # Safety
/// As for any command function: a live context and `argc` live arguments.
unsafe fn with(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
    body: impl FnOnce(&Api, &KeyApi, &Context<'_>, &[*mut RedisModuleString]) -> c_int,
) -> c_int {
    let Some((api, keys)) = APIS.get() else {
        return REDISMODULE_ERR;
    };
    // SAFETY: the running command's context and arguments.
    let (c, a) = unsafe { (api.context(ctx), args(argv, argc)) };
    body(api, keys, &c, a)
}

unsafe extern "C" fn cmd_set(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |api, keys, c, a| {
            if a.len() != 3 {
                return c.wrong_arity();
            }
            let Some(key) = keys.open(c.raw(), a[1], true) else {
                return c.reply_error(c"ERR cannot open key");
            };
            key.set_string(api.string_bytes(a[2]));
            c.reply_simple(c"OK")
        })
    }
}

unsafe extern "C" fn cmd_get(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |_, keys, c, a| {
            if a.len() != 2 {
                return c.wrong_arity();
            }
            let Some(key) = keys.open(c.raw(), a[1], false) else {
                return c.reply_null();
            };
            match key.string() {
                Some(v) => c.reply_bulk(v),
                None => c.reply_error(WRONGTYPE),
            }
        })
    }
}

unsafe extern "C" fn cmd_type(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |_, keys, c, a| {
            if a.len() != 2 {
                return c.wrong_arity();
            }
            let kind = keys
                .open(c.raw(), a[1], false)
                .map_or(KeyType::Empty, |k| k.kind());
            let name = std::ffi::CString::new(kind.name()).unwrap_or_default();
            c.reply_simple(&name)
        })
    }
}

unsafe extern "C" fn cmd_push(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |api, keys, c, a| {
            if a.len() < 3 {
                return c.wrong_arity();
            }
            let Some(key) = keys.open(c.raw(), a[1], true) else {
                return c.reply_error(c"ERR cannot open key");
            };
            for v in &a[2..] {
                if !key.push(false, api.string_bytes(*v)) {
                    return c.reply_error(WRONGTYPE);
                }
            }
            c.reply_integer(key.len() as i64)
        })
    }
}

unsafe extern "C" fn cmd_hset(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |api, keys, c, a| {
            if a.len() != 4 {
                return c.wrong_arity();
            }
            let Some(key) = keys.open(c.raw(), a[1], true) else {
                return c.reply_error(c"ERR cannot open key");
            };
            if !matches!(key.kind(), KeyType::Empty | KeyType::Hash) {
                return c.reply_error(WRONGTYPE);
            }
            let updated = key.hash_set(api.string_bytes(a[2]), api.string_bytes(a[3]));
            c.reply_integer(i64::from(updated))
        })
    }
}

unsafe extern "C" fn cmd_hget(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |api, keys, c, a| {
            if a.len() != 3 {
                return c.wrong_arity();
            }
            let Some(key) = keys.open(c.raw(), a[1], false) else {
                return c.reply_null();
            };
            if key.kind() != KeyType::Hash {
                return c.reply_error(WRONGTYPE);
            }
            match key.hash_get(api.string_bytes(a[2])) {
                Some(v) => c.reply_bulk(&v),
                None => c.reply_null(),
            }
        })
    }
}

unsafe extern "C" fn cmd_pexpire(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |api, keys, c, a| {
            if a.len() != 3 {
                return c.wrong_arity();
            }
            let Some(ms) = std::str::from_utf8(api.string_bytes(a[2]))
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
            else {
                return c.reply_error(c"ERR invalid expire time");
            };
            let ok = keys
                .open(c.raw(), a[1], true)
                .is_some_and(|k| k.set_expire((ms >= 0).then_some(ms)));
            c.reply_integer(i64::from(ok))
        })
    }
}

unsafe extern "C" fn cmd_pttl(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int {
    // SAFETY: the host's command call.
    unsafe {
        with(ctx, argv, argc, |_, keys, c, a| {
            if a.len() != 2 {
                return c.wrong_arity();
            }
            match keys.open(c.raw(), a[1], false) {
                None => c.reply_integer(-2),
                Some(k) => c.reply_integer(k.expire().unwrap_or(-1)),
            }
        })
    }
}

/// The module's entry point.
///
/// # Safety
/// Called by the host with its load context.
#[no_mangle]
pub unsafe extern "C" fn RedisModule_OnLoad(
    ctx: *mut RedisModuleCtx,
    _argv: *mut *mut RedisModuleString,
    _argc: c_int,
) -> c_int {
    // SAFETY: the OnLoad context.
    let Some(api) = (unsafe { Api::init(ctx, c"rkeys", 1) }) else {
        return REDISMODULE_ERR;
    };
    // SAFETY: the OnLoad context.
    let Some(keys) = (unsafe { KeyApi::init(ctx) }) else {
        return REDISMODULE_ERR;
    };
    let _ = APIS.set((api, keys));
    type Cmd =
        unsafe extern "C" fn(*mut RedisModuleCtx, *mut *mut RedisModuleString, c_int) -> c_int;
    let commands: [(&std::ffi::CStr, Cmd, &std::ffi::CStr); 8] = [
        (c"rkeys.set", cmd_set, c"write deny-oom"),
        (c"rkeys.get", cmd_get, c"readonly"),
        (c"rkeys.type", cmd_type, c"readonly"),
        (c"rkeys.push", cmd_push, c"write deny-oom"),
        (c"rkeys.hset", cmd_hset, c"write deny-oom"),
        (c"rkeys.hget", cmd_hget, c"readonly"),
        (c"rkeys.pexpire", cmd_pexpire, c"write"),
        (c"rkeys.pttl", cmd_pttl, c"readonly"),
    ];
    for (name, f, flags) in commands {
        // SAFETY: the OnLoad context.
        if !unsafe { api.create_command(ctx, name, f, flags, (1, 1, 1)) } {
            return REDISMODULE_ERR;
        }
    }
    REDISMODULE_OK
}
