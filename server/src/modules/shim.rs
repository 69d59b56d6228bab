//! The Rust side of `shim.c`: the hooks the trampolines call, and the registration of
//! the trampolines' addresses under their API names.

use super::api::call::CallArg;
use super::registry::Reg;
use std::os::raw::{c_char, c_int, c_void};

/// The hook table `shim.c` calls into (layout shared with `CoilShimHooks`).
#[repr(C)]
pub struct ShimHooks {
    call: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *const c_char,
        *const CallArg,
        usize,
    ) -> *mut c_void,
    replicate: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *const c_char,
        *const CallArg,
        usize,
    ) -> c_int,
    create_string: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> *mut c_void,
    string_ptr_len: unsafe extern "C" fn(*const c_void, *mut usize) -> *const c_char,
    reply_error: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    reply_human_double: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> c_int,
    log: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char),
    log_io: unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char),
    hash_set: unsafe extern "C" fn(*mut c_void, c_int, *const *mut c_void, usize) -> c_int,
    hash_get: unsafe extern "C" fn(*mut c_void, c_int, *const *mut c_void, usize) -> c_int,
    emit_aof:
        unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char, *const CallArg, usize),
    save_string_buffer: unsafe extern "C" fn(*mut c_void, *const c_char, usize),
    load_string_into: unsafe extern "C" fn(*mut c_void, *mut c_char, usize) -> usize,
}

extern "C" {
    fn coilshim_set_hooks(h: *const ShimHooks);
    fn coilshim_Call(ctx: *mut c_void, cmd: *const c_char, fmt: *const c_char, ...) -> *mut c_void;
    fn coilshim_Replicate(ctx: *mut c_void, cmd: *const c_char, fmt: *const c_char, ...) -> c_int;
    fn coilshim_CreateStringPrintf(ctx: *mut c_void, fmt: *const c_char, ...) -> *mut c_void;
    fn coilshim_ReplyWithErrorFormat(ctx: *mut c_void, fmt: *const c_char, ...) -> c_int;
    fn coilshim_Log(ctx: *mut c_void, level: *const c_char, fmt: *const c_char, ...);
    fn coilshim_LogIOError(io: *mut c_void, level: *const c_char, fmt: *const c_char, ...);
    fn coilshim_CreateStringFromLongDouble();
    fn coilshim_ReplyWithLongDouble();
    fn coilshim_StringToLongDouble();
    fn coilshim_HashSet(key: *mut c_void, flags: c_int, ...) -> c_int;
    fn coilshim_HashGet(key: *mut c_void, flags: c_int, ...) -> c_int;
    fn coilshim_EmitAOF(io: *mut c_void, cmd: *const c_char, fmt: *const c_char, ...);
    fn coilshim_SaveLongDouble();
    fn coilshim_LoadLongDouble();
}

static HOOKS: ShimHooks = ShimHooks {
    call: super::api::call::hook_call,
    replicate: super::api::call::hook_replicate,
    create_string: super::api::strings::hooks::create,
    string_ptr_len: super::api::strings::hooks::ptr_len,
    reply_error: super::api::reply::hook_reply_error,
    reply_human_double: super::api::reply::hook_reply_human_double,
    log: super::api::core::hook_log,
    log_io: super::api::core::hook_log_io,
    hash_set: super::api::keys_hash::hook_hash_set,
    hash_get: super::api::keys_hash::hook_hash_get,
    emit_aof: super::api::rdb_io::hook_emit_aof,
    save_string_buffer: super::api::rdb_io::hook_save_string_buffer,
    load_string_into: super::api::rdb_io::hook_load_string_into,
};

/// Hands the shim its hooks (idempotent).
pub fn install_hooks() {
    // SAFETY: the table is static and matches `CoilShimHooks` field for field.
    unsafe { coilshim_set_hooks(&HOOKS) };
}

/// Registers the trampolines. The long-double ones are declared without parameters
/// here: only their addresses are taken, the module calls them with the C signature.
pub fn register(r: &mut Reg) {
    r.add("Call", coilshim_Call as *const () as usize);
    r.add("Replicate", coilshim_Replicate as *const () as usize);
    r.add(
        "CreateStringPrintf",
        coilshim_CreateStringPrintf as *const () as usize,
    );
    r.add(
        "ReplyWithErrorFormat",
        coilshim_ReplyWithErrorFormat as *const () as usize,
    );
    r.add("Log", coilshim_Log as *const () as usize);
    r.add("LogIOError", coilshim_LogIOError as *const () as usize);
    r.add(
        "CreateStringFromLongDouble",
        coilshim_CreateStringFromLongDouble as *const () as usize,
    );
    r.add(
        "ReplyWithLongDouble",
        coilshim_ReplyWithLongDouble as *const () as usize,
    );
    r.add(
        "StringToLongDouble",
        coilshim_StringToLongDouble as *const () as usize,
    );
    r.add("HashSet", coilshim_HashSet as *const () as usize);
    r.add("HashGet", coilshim_HashGet as *const () as usize);
    r.add("EmitAOF", coilshim_EmitAOF as *const () as usize);
    r.add(
        "SaveLongDouble",
        coilshim_SaveLongDouble as *const () as usize,
    );
    r.add(
        "LoadLongDouble",
        coilshim_LoadLongDouble as *const () as usize,
    );
}
