//! Core: module registration (`SetModuleAttribs`, `IsModuleNameBusy`), options, time,
//! logging, context flags, the selected database, client ids, randomness (module.c's
//! "Module information and time measurement" and "Logging" sections).

use super::strings::cstr_bytes;
use super::{ctx_of, ERR, OK};
use crate::client::flags as cf;
use crate::modules::registry::Reg;
use coil_modules_api::consts::*;
use std::os::raw::{c_char, c_int, c_longlong, c_ulonglong, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

/// `maxmemory`, mirrored for `GetUsedMemoryRatio`, which module threads call without
/// the execution lock.
pub static MAXMEMORY: AtomicU64 = AtomicU64::new(0);

/// `used_memory / maxmemory` (0 without a limit).
pub fn used_memory_ratio() -> f32 {
    let max = MAXMEMORY.load(Ordering::Relaxed);
    if max == 0 {
        return 0.0;
    }
    crate::evict::used_memory() as f32 / max as f32
}

unsafe extern "C" fn set_module_attribs(
    ctx: *mut c_void,
    name: *const c_char,
    ver: c_int,
    apiver: c_int,
) {
    // SAFETY: the OnLoad context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return;
    };
    if !c.module.is_null() {
        return;
    }
    // SAFETY: the module's C string.
    let name = String::from_utf8_lossy(unsafe { cstr_bytes(name) }).into_owned();
    let mut m = Box::new(crate::modules::Module::new(name, ver, apiver));
    m.srv = c.srv;
    c.module = Box::into_raw(m);
}

unsafe extern "C" fn is_module_name_busy(name: *const c_char) -> c_int {
    // SAFETY: the module's C string.
    let name = String::from_utf8_lossy(unsafe { cstr_bytes(name) }).into_owned();
    c_int::from(crate::modules::name_busy(&name))
}

unsafe extern "C" fn get_server_version() -> c_int {
    0x00070400
}

unsafe extern "C" fn get_type_method_version() -> c_int {
    REDISMODULE_TYPE_METHOD_VERSION
}

unsafe extern "C" fn set_module_options(ctx: *mut c_void, options: c_int) {
    // SAFETY: the module's context.
    if let Some(m) = unsafe { ctx_of(ctx) }.and_then(|c| c.module()) {
        m.options = options;
    }
}

unsafe extern "C" fn get_module_options_all() -> c_int {
    _REDISMODULE_OPTIONS_FLAGS_NEXT - 1
}

unsafe extern "C" fn get_context_flags(ctx: *mut c_void) -> c_int {
    let mut fl = 0;
    // SAFETY: the module's context (or null).
    let c = unsafe { ctx_of(ctx) };
    let Some(c) = c else {
        return REDISMODULE_CTX_FLAGS_MASTER;
    };
    if let Some(cl) = c.client() {
        if cl.has(cf::DENY_BLOCKING) {
            fl |= REDISMODULE_CTX_FLAGS_DENY_BLOCKING;
            if !cl.has(cf::MODULE | cf::SCRIPT) {
                fl |= REDISMODULE_CTX_FLAGS_MULTI;
            }
        }
        if cl.resp() == 3 {
            fl |= REDISMODULE_CTX_FLAGS_RESP3;
        }
        if cl.has(cf::DIRTY_CAS | cf::DIRTY_EXEC) {
            fl |= REDISMODULE_CTX_FLAGS_MULTI_DIRTY;
        }
        if cl.has(cf::SCRIPT) {
            fl |= REDISMODULE_CTX_FLAGS_LUA;
        }
    }
    let startup = crate::modules::in_startup();
    if let Some(srv) = c.server() {
        if srv.loading {
            fl |= REDISMODULE_CTX_FLAGS_LOADING;
        }
        if srv.config.maxmemory > 0 {
            fl |= REDISMODULE_CTX_FLAGS_MAXMEMORY;
            if srv.config.maxmemory_policy != "noeviction" {
                fl |= REDISMODULE_CTX_FLAGS_EVICT;
            }
            let used = crate::evict::used_memory();
            if used > srv.config.maxmemory {
                fl |= REDISMODULE_CTX_FLAGS_OOM;
            }
            if used as f64 > srv.config.maxmemory as f64 * 0.75 {
                fl |= REDISMODULE_CTX_FLAGS_OOM_WARNING;
            }
        }
        if srv.config.appendonly {
            fl |= REDISMODULE_CTX_FLAGS_AOF;
        }
        if !srv.config.save_params.is_empty() {
            fl |= REDISMODULE_CTX_FLAGS_RDB;
        }
    }
    fl |= REDISMODULE_CTX_FLAGS_MASTER;
    if startup {
        fl |= REDISMODULE_CTX_FLAGS_SERVER_STARTUP;
    }
    fl
}

unsafe extern "C" fn get_context_flags_all() -> c_int {
    _REDISMODULE_CTX_FLAGS_NEXT - 1
}

unsafe extern "C" fn avoid_replica_traffic() -> c_int {
    0
}

unsafe extern "C" fn yield_(_ctx: *mut c_void, _flags: c_int, _busy_reply: *const c_char) {
    // Long-running module commands do not yet let the loop serve other clients.
}

/// Maps a module log level name to a Redis level (unknown names are `verbose`).
fn level_of(name: &[u8]) -> u8 {
    if name.eq_ignore_ascii_case(b"debug") {
        crate::log::DEBUG
    } else if name.eq_ignore_ascii_case(b"notice") {
        crate::log::NOTICE
    } else if name.eq_ignore_ascii_case(b"warning") {
        crate::log::WARNING
    } else {
        crate::log::VERBOSE
    }
}

/// Writes `<name> msg` at a Redis log level.
pub fn log_line(level: u8, name: &str, msg: &[u8]) {
    if !crate::log::enabled(level) {
        return;
    }
    let msg = String::from_utf8_lossy(msg);
    match level {
        crate::log::DEBUG => tracing::trace!("<{name}> {msg}"),
        crate::log::VERBOSE => tracing::debug!("<{name}> {msg}"),
        crate::log::NOTICE => tracing::info!("<{name}> {msg}"),
        _ => tracing::warn!("<{name}> {msg}"),
    }
}

/// Shim hook for `RedisModule_Log`: the message is already formatted.
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_log(ctx: *mut c_void, level: *const c_char, msg: *const c_char) {
    // SAFETY: the module's context or null; C strings from the shim.
    let (name, level, msg) = unsafe {
        let name = match ctx_of(ctx).and_then(|c| c.module()) {
            Some(m) => m.name.clone(),
            None => "module".to_string(),
        };
        (name, level_of(cstr_bytes(level)), cstr_bytes(msg))
    };
    log_line(level, &name, msg);
}

/// Shim hook for `RedisModule_LogIOError`: logged under the name of the module whose
/// type the IO serves.
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_log_io(io: *mut c_void, level: *const c_char, msg: *const c_char) {
    // SAFETY: the module's IO (or null); C strings from the shim.
    let (name, level, msg) = unsafe {
        (
            super::rdb_io::io_module_name(io),
            level_of(cstr_bytes(level)),
            cstr_bytes(msg),
        )
    };
    log_line(level, &name, msg);
}

unsafe extern "C" fn assert_(estr: *const c_char, file: *const c_char, line: c_int) {
    // SAFETY: C strings from the module's assertion macro.
    let (e, f) = unsafe { (cstr_bytes(estr), cstr_bytes(file)) };
    tracing::warn!(
        "=== ASSERTION FAILED ===\n==> {}:{} '{}' is not true",
        String::from_utf8_lossy(f),
        line,
        String::from_utf8_lossy(e)
    );
    std::process::abort();
}

unsafe extern "C" fn latency_add_sample(_event: *const c_char, _latency: c_longlong) {
    // The latency monitor (LATENCY) is not implemented yet: samples are dropped.
}

unsafe extern "C" fn get_random_bytes(dst: *mut u8, len: usize) {
    if dst.is_null() {
        return;
    }
    // SAFETY: the module provides `len` writable bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(dst, len) };
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), buf);
}

unsafe extern "C" fn get_random_hex_chars(dst: *mut c_char, len: usize) {
    if dst.is_null() {
        return;
    }
    // SAFETY: the module provides `len` writable bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, len) };
    let mut rng = rand::thread_rng();
    for b in buf {
        *b = b"0123456789abcdef"[rand::Rng::gen_range(&mut rng, 0..16)];
    }
}

unsafe extern "C" fn milliseconds() -> c_longlong {
    crate::server::unix_ms()
}

unsafe extern "C" fn microseconds() -> c_ulonglong {
    crate::server::unix_us() as u64
}

unsafe extern "C" fn monotonic_microseconds() -> c_ulonglong {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_micros() as u64
}

/// The command's frozen time (Redis updates its cached time before each command and in
/// the cron), for a thread holding the execution lock; the current time otherwise.
unsafe extern "C" fn cached_microseconds() -> c_ulonglong {
    if crate::exec_lock::held_by_current_thread() {
        // SAFETY: the calling thread holds the execution lock; only a copied field is
        // read.
        if let Some(srv) = unsafe { crate::modules::host::server_ptr().as_ref() } {
            return (srv.cmd_time_ms as u64) * 1000;
        }
    }
    crate::server::unix_us() as u64
}

unsafe extern "C" fn get_selected_db(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) }.and_then(|c| c.client()) {
        Some(cl) => cl.db as c_int,
        None => 0,
    }
}

unsafe extern "C" fn select_db(ctx: *mut c_void, id: c_int) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    // A thread-safe context selects on its own client, with or without the lock.
    let ndb = c
        .server()
        .map(|s| s.dbs.len())
        .unwrap_or_else(crate::modules::host::num_dbs);
    match (c.client(), usize::try_from(id)) {
        (Some(cl), Ok(id)) if id < ndb => {
            cl.db = id;
            OK
        }
        _ => ERR,
    }
}

unsafe extern "C" fn get_client_id(ctx: *mut c_void) -> c_ulonglong {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) }.and_then(|c| c.client()) {
        Some(cl) => cl.id,
        None => 0,
    }
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("SetModuleAttribs", set_module_attribs as *const () as usize);
    r.add(
        "IsModuleNameBusy",
        is_module_name_busy as *const () as usize,
    );
    r.add("GetServerVersion", get_server_version as *const () as usize);
    r.add(
        "GetTypeMethodVersion",
        get_type_method_version as *const () as usize,
    );
    r.add("SetModuleOptions", set_module_options as *const () as usize);
    r.add(
        "GetModuleOptionsAll",
        get_module_options_all as *const () as usize,
    );
    r.add("GetContextFlags", get_context_flags as *const () as usize);
    r.add(
        "GetContextFlagsAll",
        get_context_flags_all as *const () as usize,
    );
    r.add(
        "AvoidReplicaTraffic",
        avoid_replica_traffic as *const () as usize,
    );
    r.add("Yield", yield_ as *const () as usize);
    r.add("_Assert", assert_ as *const () as usize);
    r.add("LatencyAddSample", latency_add_sample as *const () as usize);
    r.add("GetRandomBytes", get_random_bytes as *const () as usize);
    r.add(
        "GetRandomHexChars",
        get_random_hex_chars as *const () as usize,
    );
    r.add("Milliseconds", milliseconds as *const () as usize);
    r.add("Microseconds", microseconds as *const () as usize);
    r.add(
        "MonotonicMicroseconds",
        monotonic_microseconds as *const () as usize,
    );
    r.add(
        "CachedMicroseconds",
        cached_microseconds as *const () as usize,
    );
    r.add("GetSelectedDb", get_selected_db as *const () as usize);
    r.add("SelectDb", select_db as *const () as usize);
    r.add("GetClientId", get_client_id as *const () as usize);
}
