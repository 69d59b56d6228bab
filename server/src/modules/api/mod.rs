//! The module API, one file per group of module.c's sections. Each file registers its
//! functions by name in [`crate::modules::registry`]; every function is
//! `unsafe extern "C"` and checks what a module can get wrong (null contexts, null
//! strings) instead of trusting it.

use crate::modules::ctx::ModuleCtx;
use std::os::raw::{c_int, c_void};

pub mod acl;
pub mod blocking;
pub mod call;
pub mod call_reply;
pub mod client_info;
pub mod command_info;
pub mod commands;
pub mod configs;
pub mod core;
pub mod datatype;
pub mod dict;
pub mod digest;
pub mod event_loop;
pub mod filters;
pub mod fork;
pub mod info;
pub mod keys;
pub mod keys_hash;
pub mod keys_list;
pub mod keys_string;
pub mod keys_zset;
pub mod keyspace_events;
pub mod memory;
pub mod publish;
pub mod rdb_io;
pub mod reply;
pub mod scan;
pub mod server_events;
pub mod strings;
pub mod thread_safe;
pub mod timers;

/// `REDISMODULE_OK`.
pub const OK: c_int = coil_modules_api::REDISMODULE_OK;
/// `REDISMODULE_ERR`.
pub const ERR: c_int = coil_modules_api::REDISMODULE_ERR;

/// The context behind a pointer a module passed (null gives `None`).
///
/// # Safety
/// `p` must be null or a context we created that is alive (modules only hold the context
/// of the callback that is running).
pub unsafe fn ctx_of<'a>(p: *mut c_void) -> Option<&'a mut ModuleCtx> {
    // SAFETY: promised by the caller.
    unsafe { ModuleCtx::from_ptr(p) }
}

/// Sets the C `errno` of the calling thread, which several API functions report through.
pub fn set_errno(e: c_int) {
    // SAFETY: `__errno_location` returns the calling thread's errno slot.
    unsafe { *libc::__errno_location() = e };
}
