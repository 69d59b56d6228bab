//! Thread-safe contexts and the execution lock (module.c's "Thread Safe Contexts").
//!
//! A thread-safe context belongs to the thread that uses it. Its client is private: the
//! blocked client's reply client for `GetThreadSafeContext(bc)` (replies reach the real
//! client when the handle is finished), or a client of its own otherwise (replies are
//! dropped). It reaches the server only while its thread holds the execution lock
//! (`ThreadSafeContextLock`): [`crate::modules::ctx::ModuleCtx::server`] returns nothing
//! otherwise, so every API function that needs the server fails cleanly instead of
//! racing with the loop.

use super::blocking::BlockedClient;
use super::{ctx_of, set_errno, ERR, OK};
use crate::client::{flags as cf, Client};
use crate::modules::ctx::{flags as ctxf, ModuleCtx};
use crate::modules::host;
use crate::modules::registry::Reg;
use std::os::raw::{c_int, c_void};

unsafe extern "C" fn get_thread_safe_context(bc: *mut c_void) -> *mut c_void {
    // SAFETY: a live handle or null.
    let bc = unsafe { BlockedClient::from_ptr(bc) };
    let ctx = match bc {
        Some(b) => {
            let mut ctx = ModuleCtx::new(
                host::server_ptr(),
                b.reply_client,
                b.module,
                ctxf::THREAD_SAFE,
            );
            ctx.ext.blocked_client = b as *const BlockedClient as *mut BlockedClient;
            ctx
        }
        None => {
            let mut ctx = ModuleCtx::new(
                host::server_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                ctxf::THREAD_SAFE | ctxf::NEW_CLIENT,
            );
            own_client(&mut ctx);
            ctx
        }
    };
    Box::into_raw(Box::new(ctx)) as *mut c_void
}

/// Gives a context a client of its own (Redis's `REDISMODULE_CTX_NEW_CLIENT`). Its id is
/// 0: ids are handed out under the execution lock, which the caller may not hold.
fn own_client(ctx: &mut ModuleCtx) {
    let mut c = Box::new(Client::internal(0, cf::MODULE));
    ctx.client = &mut *c;
    ctx.temp_client = Some(c);
}

unsafe extern "C" fn get_detached_thread_safe_context(ctx: *mut c_void) -> *mut c_void {
    // SAFETY: the module's context.
    let module = unsafe { ctx_of(ctx) }.map_or(std::ptr::null_mut(), |c| c.module);
    let mut new = ModuleCtx::new(
        host::server_ptr(),
        std::ptr::null_mut(),
        module,
        ctxf::THREAD_SAFE | ctxf::NEW_CLIENT,
    );
    own_client(&mut new);
    Box::into_raw(Box::new(new)) as *mut c_void
}

unsafe extern "C" fn free_thread_safe_context(ctx: *mut c_void) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: a context from `GetThreadSafeContext`/`GetDetachedThreadSafeContext`
    // (created with `Box::into_raw`), freed once by its owner.
    let mut b = unsafe { Box::from_raw(ctx as *mut ModuleCtx) };
    if b.flags & ctxf::THREAD_SAFE == 0 {
        // Not ours to free: put it back untouched.
        let _ = Box::into_raw(b);
        return;
    }
    b.finish();
}

unsafe extern "C" fn thread_safe_context_lock(_ctx: *mut c_void) {
    crate::exec_lock::lock_thread();
}

unsafe extern "C" fn thread_safe_context_try_lock(_ctx: *mut c_void) -> c_int {
    if crate::exec_lock::try_lock_thread() {
        OK
    } else {
        set_errno(libc::EBUSY);
        ERR
    }
}

unsafe extern "C" fn thread_safe_context_unlock(_ctx: *mut c_void) {
    crate::exec_lock::unlock_thread();
    // Whatever the thread did (replies to write, keys made ready, jobs queued) is
    // handled by the loop, which may be asleep.
    host::wake();
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "GetThreadSafeContext",
        get_thread_safe_context as *const () as usize,
    );
    r.add(
        "GetDetachedThreadSafeContext",
        get_detached_thread_safe_context as *const () as usize,
    );
    r.add(
        "FreeThreadSafeContext",
        free_thread_safe_context as *const () as usize,
    );
    r.add(
        "ThreadSafeContextLock",
        thread_safe_context_lock as *const () as usize,
    );
    r.add(
        "ThreadSafeContextTryLock",
        thread_safe_context_try_lock as *const () as usize,
    );
    r.add(
        "ThreadSafeContextUnlock",
        thread_safe_context_unlock as *const () as usize,
    );
}
