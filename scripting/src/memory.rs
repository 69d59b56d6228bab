//! Python's memory, counted: wrappers around CPython's raw allocator and its arena
//! allocator, installed before the interpreter starts.
//!
//! CPython's small-object allocator (pymalloc) serves the `MEM` and `OBJ` domains from
//! 1 MiB arenas and passes larger requests to the raw allocator, so wrapping those two
//! counts every byte Python holds without touching pymalloc's fast path (tracemalloc or
//! a replacement of pymalloc cost several times more). The wrappers also enforce the
//! per-script cap: while a cap is armed, an allocation that would pass it fails, and
//! Python raises `MemoryError` in the script.

use pyo3::ffi;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// Bytes Python holds (raw blocks plus arenas). Signed: blocks allocated before the
/// wrappers were installed may be freed through them.
static ALLOCATED: AtomicIsize = AtomicIsize::new(0);
/// While set, allocations past [`LIMIT`] fail.
static CAPPED: AtomicBool = AtomicBool::new(false);
/// The byte count allocations may not pass while [`CAPPED`] is set.
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

static mut RAW: ffi::PyMemAllocatorEx = ffi::PyMemAllocatorEx {
    ctx: std::ptr::null_mut(),
    malloc: None,
    calloc: None,
    realloc: None,
    free: None,
};
static mut ARENA: ffi::PyObjectArenaAllocator = ffi::PyObjectArenaAllocator {
    ctx: std::ptr::null_mut(),
    alloc: None,
    free: None,
};

/// Bytes currently allocated by Python.
pub fn allocated() -> usize {
    ALLOCATED.load(Relaxed).max(0) as usize
}

/// Arms the cap: from now on Python may hold at most `extra` bytes more than it does
/// now. [`uncap`] lifts it.
pub fn cap(extra: usize) {
    LIMIT.store(allocated().saturating_add(extra), Relaxed);
    CAPPED.store(true, Relaxed);
}

/// Lifts the cap armed by [`cap`].
pub fn uncap() {
    CAPPED.store(false, Relaxed);
}

#[inline]
fn would_pass_cap(grow: usize) -> bool {
    CAPPED.load(Relaxed) && allocated().saturating_add(grow) > LIMIT.load(Relaxed)
}

#[inline]
fn usable(p: *mut c_void) -> usize {
    if p.is_null() {
        0
    } else {
        // SAFETY: `p` was returned by the C library's allocator (CPython's default raw
        // allocator is malloc), which is what malloc_usable_size accepts.
        unsafe { libc::malloc_usable_size(p) }
    }
}

fn raw() -> &'static ffi::PyMemAllocatorEx {
    // SAFETY: RAW is written once in `install`, before any allocation goes through the
    // wrappers, and never again.
    unsafe { &*std::ptr::addr_of!(RAW) }
}

extern "C" fn raw_malloc(_: *mut c_void, size: usize) -> *mut c_void {
    if would_pass_cap(size) {
        return std::ptr::null_mut();
    }
    let r = raw();
    let p = r.malloc.map_or(std::ptr::null_mut(), |f| f(r.ctx, size));
    ALLOCATED.fetch_add(usable(p) as isize, Relaxed);
    p
}

extern "C" fn raw_calloc(_: *mut c_void, n: usize, size: usize) -> *mut c_void {
    if would_pass_cap(n.saturating_mul(size)) {
        return std::ptr::null_mut();
    }
    let r = raw();
    let p = r.calloc.map_or(std::ptr::null_mut(), |f| f(r.ctx, n, size));
    ALLOCATED.fetch_add(usable(p) as isize, Relaxed);
    p
}

extern "C" fn raw_realloc(_: *mut c_void, ptr: *mut c_void, size: usize) -> *mut c_void {
    let old = usable(ptr);
    if size > old && would_pass_cap(size - old) {
        return std::ptr::null_mut();
    }
    let r = raw();
    let p = r
        .realloc
        .map_or(std::ptr::null_mut(), |f| f(r.ctx, ptr, size));
    if !p.is_null() {
        ALLOCATED.fetch_add(usable(p) as isize - old as isize, Relaxed);
    }
    p
}

extern "C" fn raw_free(_: *mut c_void, ptr: *mut c_void) {
    ALLOCATED.fetch_sub(usable(ptr) as isize, Relaxed);
    let r = raw();
    if let Some(f) = r.free {
        f(r.ctx, ptr);
    }
}

fn arena() -> &'static ffi::PyObjectArenaAllocator {
    // SAFETY: ARENA is written once in `install`, before Python allocates an arena.
    unsafe { &*std::ptr::addr_of!(ARENA) }
}

extern "C" fn arena_alloc(_: *mut c_void, size: usize) -> *mut c_void {
    if would_pass_cap(size) {
        return std::ptr::null_mut();
    }
    let a = arena();
    let p = a.alloc.map_or(std::ptr::null_mut(), |f| f(a.ctx, size));
    if !p.is_null() {
        ALLOCATED.fetch_add(size as isize, Relaxed);
    }
    p
}

extern "C" fn arena_free(_: *mut c_void, ptr: *mut c_void, size: usize) {
    ALLOCATED.fetch_sub(size as isize, Relaxed);
    let a = arena();
    if let Some(f) = a.free {
        f(a.ctx, ptr, size);
    }
}

/// Wraps the raw and arena allocators.
///
/// # Safety
/// Must be called once, on the thread that then initializes Python, before any other
/// Python C API call.
pub unsafe fn install() {
    // SAFETY: the caller guarantees nothing else touches the allocators or the statics
    // concurrently; we save the defaults and install wrappers that forward to them.
    unsafe {
        ffi::PyMem_GetAllocator(
            ffi::PyMemAllocatorDomain::PYMEM_DOMAIN_RAW,
            std::ptr::addr_of_mut!(RAW),
        );
        let mut w = ffi::PyMemAllocatorEx {
            ctx: std::ptr::null_mut(),
            malloc: Some(raw_malloc),
            calloc: Some(raw_calloc),
            realloc: Some(raw_realloc),
            free: Some(raw_free),
        };
        ffi::PyMem_SetAllocator(ffi::PyMemAllocatorDomain::PYMEM_DOMAIN_RAW, &mut w);
        ffi::PyObject_GetArenaAllocator(std::ptr::addr_of_mut!(ARENA));
        let mut a = ffi::PyObjectArenaAllocator {
            ctx: std::ptr::null_mut(),
            alloc: Some(arena_alloc),
            free: Some(arena_free),
        };
        ffi::PyObject_SetArenaAllocator(&mut a);
    }
}
