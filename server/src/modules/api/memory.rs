//! Memory: `RedisModule_Alloc` and friends, backed by jemalloc as in Redis, so module
//! allocations show in `INFO memory` and sizes above 16 get jemalloc's alignment. These
//! run on module threads without the execution lock and before any context exists.

use super::ctx_of;
use super::strings::RmString;
use crate::modules::registry::Reg;
use std::os::raw::{c_char, c_void};
use tikv_jemalloc_sys as je;

/// Frees a block from [`alloc`] (null is fine).
pub(crate) fn free(p: *mut c_void) {
    // SAFETY: `p` is null or a jemalloc block the module or the pool got from us.
    unsafe { je::free(p) }
}

fn oom(size: usize) -> ! {
    tracing::warn!("Out Of Memory allocating {size} bytes!");
    std::process::abort()
}

unsafe extern "C" fn alloc(size: usize) -> *mut c_void {
    // SAFETY: plain jemalloc allocation.
    let p = unsafe { je::malloc(size.max(1)) };
    if p.is_null() {
        oom(size)
    }
    p
}

unsafe extern "C" fn try_alloc(size: usize) -> *mut c_void {
    // SAFETY: plain jemalloc allocation; null on failure.
    unsafe { je::malloc(size.max(1)) }
}

unsafe extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
    // SAFETY: plain jemalloc allocation.
    let p = unsafe { je::calloc(n.max(1), size.max(1)) };
    if p.is_null() {
        oom(n.saturating_mul(size))
    }
    p
}

unsafe extern "C" fn try_calloc(n: usize, size: usize) -> *mut c_void {
    // SAFETY: plain jemalloc allocation; null on failure.
    unsafe { je::calloc(n.max(1), size.max(1)) }
}

unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: `p` is null or a block from these functions.
    let q = unsafe { je::realloc(p, size.max(1)) };
    if q.is_null() {
        oom(size)
    }
    q
}

unsafe extern "C" fn try_realloc(p: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: `p` is null or a block from these functions.
    unsafe { je::realloc(p, size.max(1)) }
}

unsafe extern "C" fn rm_free(p: *mut c_void) {
    free(p)
}

unsafe extern "C" fn strdup(s: *const c_char) -> *mut c_char {
    if s.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: a NUL-terminated string from the module.
    let len = unsafe { libc::strlen(s) } + 1;
    // SAFETY: a fresh block of `len` bytes, filled from `s`.
    unsafe {
        let p = alloc(len) as *mut c_char;
        std::ptr::copy_nonoverlapping(s, p, len);
        p
    }
}

unsafe extern "C" fn pool_alloc(ctx: *mut c_void, size: usize) -> *mut c_void {
    if size == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: the module's live context (or null).
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null_mut();
    };
    // SAFETY: plain allocation, freed by the context at the end of the callback.
    let p = unsafe { alloc(size) };
    c.pool.push(p);
    p
}

unsafe extern "C" fn malloc_usable_size(p: *mut c_void) -> usize {
    if p.is_null() {
        return 0;
    }
    // SAFETY: a live jemalloc block.
    unsafe { je::malloc_usable_size(p) }
}

unsafe extern "C" fn malloc_size_string(s: *const c_void) -> usize {
    // SAFETY: a live module string (or null).
    match unsafe { (s as *const RmString).as_ref() } {
        // The allocation, not the length: TrimStringAllocation makes it smaller.
        Some(st) => std::mem::size_of::<RmString>() + st.capacity(),
        None => 0,
    }
}

unsafe extern "C" fn get_used_memory_ratio() -> f32 {
    crate::modules::api::core::used_memory_ratio()
}

/// Registers the group (`MallocSizeDict` comes with the dict group).
pub fn register(r: &mut Reg) {
    r.add("Alloc", alloc as *const () as usize);
    r.add("TryAlloc", try_alloc as *const () as usize);
    r.add("Calloc", calloc as *const () as usize);
    r.add("TryCalloc", try_calloc as *const () as usize);
    r.add("Realloc", realloc as *const () as usize);
    r.add("TryRealloc", try_realloc as *const () as usize);
    r.add("Free", rm_free as *const () as usize);
    r.add("Strdup", strdup as *const () as usize);
    r.add("PoolAlloc", pool_alloc as *const () as usize);
    r.add("MallocSize", malloc_usable_size as *const () as usize);
    r.add("MallocUsableSize", malloc_usable_size as *const () as usize);
    r.add("MallocSizeString", malloc_size_string as *const () as usize);
    r.add(
        "GetUsedMemoryRatio",
        get_used_memory_ratio as *const () as usize,
    );
}
