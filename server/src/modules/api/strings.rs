//! Strings: `RedisModuleString` and the `CreateString*` / `StringTo*` family, with
//! auto-memory (module.c's "String objects APIs").
//!
//! A string is a reference-counted, NUL-terminated byte buffer ([`RmString`]); the
//! pointer modules hold is the `RmString` itself. Counts are atomic because module
//! threads create and free strings without the execution lock.

use super::{ctx_of, ERR, OK};
use crate::modules::ctx::AutoObj;
use crate::modules::registry::Reg;
use coil_modules_api::RedisModuleStreamID;
use std::os::raw::{c_char, c_double, c_int, c_longlong, c_ulonglong, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A module string: its bytes followed by a NUL that is not part of its length.
pub struct RmString {
    refs: AtomicUsize,
    buf: Vec<u8>,
}

impl RmString {
    /// A new string with one reference.
    pub fn create(data: &[u8]) -> *mut RmString {
        let mut buf = Vec::with_capacity(data.len() + 1);
        buf.extend_from_slice(data);
        buf.push(0);
        Box::into_raw(Box::new(RmString {
            refs: AtomicUsize::new(1),
            buf,
        }))
    }

    /// The bytes (without the NUL).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.buf.len() - 1]
    }

    /// Bytes allocated for the string's buffer (what `TrimStringAllocation` shrinks).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Number of references.
    pub fn ref_count(&self) -> usize {
        self.refs.load(Ordering::Acquire)
    }

    /// The bytes of a string pointer a module passed.
    ///
    /// # Safety
    /// `p` must be null or a live string; the slice is valid while the string is.
    pub unsafe fn bytes_of<'a>(p: *const c_void) -> Option<&'a [u8]> {
        // SAFETY: promised by the caller.
        unsafe { (p as *const RmString).as_ref().map(|s| s.bytes()) }
    }

    /// Adds a reference.
    ///
    /// # Safety
    /// `p` must be a live string.
    pub unsafe fn retain(p: *mut RmString) {
        // SAFETY: promised by the caller.
        if let Some(s) = unsafe { p.as_ref() } {
            s.refs.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Drops a reference, freeing the string with the last one.
    ///
    /// # Safety
    /// `p` must be null or a live string, and the caller must own the reference it drops.
    pub unsafe fn release(p: *mut RmString) {
        // SAFETY: promised by the caller.
        let Some(s) = (unsafe { p.as_ref() }) else {
            return;
        };
        if s.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: that was the last reference; the string came from `Box::into_raw`.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Creates a string for `ctx` (null allowed), adding it to the auto-memory pool.
pub(crate) fn create_for(ctx: *mut c_void, data: &[u8]) -> *mut RmString {
    let s = RmString::create(data);
    // SAFETY: modules pass their live callback context or null.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        c.auto_add(AutoObj::Str(s));
    }
    s
}

/// Reads `len` bytes at `ptr` (none when null).
///
/// # Safety
/// `ptr` must be null or point to `len` readable bytes.
pub unsafe fn raw_bytes<'a>(ptr: *const c_char, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: promised by the caller.
    unsafe { std::slice::from_raw_parts(ptr as *const u8, len) }
}

/// Reads a C string (empty when null).
///
/// # Safety
/// `ptr` must be null or a NUL-terminated string.
pub unsafe fn cstr_bytes<'a>(ptr: *const c_char) -> &'a [u8] {
    if ptr.is_null() {
        return &[];
    }
    // SAFETY: promised by the caller.
    unsafe { std::ffi::CStr::from_ptr(ptr).to_bytes() }
}

unsafe extern "C" fn create_string(
    ctx: *mut c_void,
    ptr: *const c_char,
    len: usize,
) -> *mut RmString {
    // SAFETY: the module passes `len` bytes at `ptr`.
    create_for(ctx, unsafe { raw_bytes(ptr, len) })
}

unsafe extern "C" fn create_string_from_long_long(
    ctx: *mut c_void,
    n: c_longlong,
) -> *mut RmString {
    create_for(ctx, n.to_string().as_bytes())
}

unsafe extern "C" fn create_string_from_ulong_long(
    ctx: *mut c_void,
    n: c_ulonglong,
) -> *mut RmString {
    create_for(ctx, n.to_string().as_bytes())
}

unsafe extern "C" fn create_string_from_double(ctx: *mut c_void, d: c_double) -> *mut RmString {
    create_for(ctx, crate::util::fmt_f64(d).as_bytes())
}

unsafe extern "C" fn create_string_from_string(
    ctx: *mut c_void,
    s: *const c_void,
) -> *mut RmString {
    // SAFETY: the module passes a live string.
    let data = unsafe { RmString::bytes_of(s) }.unwrap_or(b"");
    create_for(ctx, data)
}

unsafe extern "C" fn create_string_from_stream_id(
    ctx: *mut c_void,
    id: *const RedisModuleStreamID,
) -> *mut RmString {
    // SAFETY: the module passes a stream id or null.
    let Some(id) = (unsafe { id.as_ref() }) else {
        return std::ptr::null_mut();
    };
    create_for(ctx, format!("{}-{}", id.ms, id.seq).as_bytes())
}

unsafe extern "C" fn free_string(ctx: *mut c_void, s: *mut RmString) {
    if s.is_null() {
        return;
    }
    // SAFETY: the module owns a reference to `s`, which it gives up here.
    unsafe { RmString::release(s) };
    // SAFETY: a live context or null.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        c.auto_forget(AutoObj::Str(s));
    }
}

unsafe extern "C" fn retain_string(ctx: *mut c_void, s: *mut RmString) {
    // SAFETY: a live context or null.
    let taken_from_pool = match unsafe { ctx_of(ctx) } {
        Some(c) => c.auto_forget(AutoObj::Str(s)),
        None => false,
    };
    if !taken_from_pool {
        // SAFETY: the module passes a live string.
        unsafe { RmString::retain(s) };
    }
}

unsafe extern "C" fn hold_string(ctx: *mut c_void, s: *mut RmString) -> *mut RmString {
    if s.is_null() {
        return s;
    }
    // SAFETY: the module passes a live string.
    unsafe { RmString::retain(s) };
    // SAFETY: a live context or null.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        c.auto_add(AutoObj::Str(s));
    }
    s
}

const NULL_STRING: &[u8] = b"(NULL string reply referenced in module)\0";

unsafe extern "C" fn string_ptr_len(s: *const RmString, len: *mut usize) -> *const c_char {
    // SAFETY: the module passes a live string or null.
    let (ptr, n) = match unsafe { s.as_ref() } {
        Some(s) => (s.buf.as_ptr(), s.buf.len() - 1),
        None => (NULL_STRING.as_ptr(), NULL_STRING.len() - 1),
    };
    if !len.is_null() {
        // SAFETY: `len` points to a size_t the module provides.
        unsafe { *len = n };
    }
    ptr as *const c_char
}

/// Runs a parser over a string's bytes.
unsafe fn with_bytes<T>(s: *const RmString, f: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
    // SAFETY: the caller passes the module's string pointer, live or null.
    let b = unsafe { RmString::bytes_of(s as *const c_void) }?;
    f(b)
}

unsafe extern "C" fn string_to_long_long(s: *const RmString, out: *mut c_longlong) -> c_int {
    // SAFETY: live string or null.
    match unsafe { with_bytes(s, crate::util::parse_i64) } {
        Some(v) if !out.is_null() => {
            // SAFETY: the module's output pointer.
            unsafe { *out = v };
            OK
        }
        Some(_) => OK,
        None => ERR,
    }
}

unsafe extern "C" fn string_to_ulong_long(s: *const RmString, out: *mut c_ulonglong) -> c_int {
    // SAFETY: live string or null.
    match unsafe { with_bytes(s, parse_ull) } {
        Some(v) if !out.is_null() => {
            // SAFETY: the module's output pointer.
            unsafe { *out = v };
            OK
        }
        Some(_) => OK,
        None => ERR,
    }
}

/// Redis's `string2ull`: `string2ll` rules for what fits a long long (negative values
/// refused), `strtoull`'s for the rest (leading spaces, a sign, leading zeros).
pub fn parse_ull(b: &[u8]) -> Option<u64> {
    let b = b.split(|c| *c == 0).next().unwrap_or(b);
    if let Some(v) = crate::util::parse_i64(b) {
        return u64::try_from(v).ok();
    }
    let t = b.trim_ascii_start();
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

unsafe extern "C" fn string_to_double(s: *const RmString, out: *mut c_double) -> c_int {
    // SAFETY: live string or null.
    match unsafe { with_bytes(s, crate::util::parse_f64) } {
        Some(v) => {
            if !out.is_null() {
                // SAFETY: the module's output pointer.
                unsafe { *out = v };
            }
            OK
        }
        None => ERR,
    }
}

/// Redis's `streamParseID` without a reply: `ms[-seq]`, `-` and `+`.
pub fn parse_stream_id(b: &[u8]) -> Option<RedisModuleStreamID> {
    if b.len() > 127 {
        return None;
    }
    match b {
        b"-" => return Some(RedisModuleStreamID { ms: 0, seq: 0 }),
        b"+" => {
            return Some(RedisModuleStreamID {
                ms: u64::MAX,
                seq: u64::MAX,
            })
        }
        _ => {}
    }
    match b.iter().position(|&c| c == b'-') {
        Some(i) => Some(RedisModuleStreamID {
            ms: parse_ull(&b[..i])?,
            seq: parse_ull(&b[i + 1..])?,
        }),
        None => Some(RedisModuleStreamID {
            ms: parse_ull(b)?,
            seq: 0,
        }),
    }
}

unsafe extern "C" fn string_to_stream_id(
    s: *const RmString,
    out: *mut RedisModuleStreamID,
) -> c_int {
    // SAFETY: live string or null.
    match unsafe { with_bytes(s, parse_stream_id) } {
        Some(id) => {
            if !out.is_null() {
                // SAFETY: the module's output pointer.
                unsafe { *out = id };
            }
            OK
        }
        None => ERR,
    }
}

unsafe extern "C" fn string_compare(a: *const RmString, b: *const RmString) -> c_int {
    // SAFETY: live strings (null compares as empty).
    let (a, b) = unsafe {
        (
            RmString::bytes_of(a as *const c_void).unwrap_or(b""),
            RmString::bytes_of(b as *const c_void).unwrap_or(b""),
        )
    };
    // Redis's compareStringObjects: the first differing byte's difference, else the
    // length difference.
    match a.iter().zip(b).find(|(x, y)| x != y) {
        Some((x, y)) => c_int::from(*x) - c_int::from(*y),
        None => {
            (a.len() as i64 - b.len() as i64).clamp(c_int::MIN as i64, c_int::MAX as i64) as c_int
        }
    }
}

unsafe extern "C" fn string_append_buffer(
    ctx: *mut c_void,
    s: *mut RmString,
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: a live string or null.
    let Some(st) = (unsafe { s.as_mut() }) else {
        return ERR;
    };
    if st.ref_count() > 1 {
        // SAFETY: a live context or null.
        let name = match unsafe { ctx_of(ctx) } {
            Some(c) => c.module_name(),
            None => "module".into(),
        };
        tracing::warn!("<{name}> Module attempted to use an in-place string modify operation with a string referenced multiple times. Please check the code for API usage correctness.");
        return ERR;
    }
    // SAFETY: `len` bytes at `buf`, from the module.
    let data = unsafe { raw_bytes(buf, len) };
    st.buf.pop();
    st.buf.extend_from_slice(data);
    st.buf.push(0);
    OK
}

unsafe extern "C" fn trim_string_allocation(s: *mut RmString) {
    // SAFETY: a live string or null.
    if let Some(st) = unsafe { s.as_mut() } {
        st.buf.shrink_to_fit();
    }
}

unsafe extern "C" fn auto_memory(ctx: *mut c_void) {
    // SAFETY: a live context or null.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        c.flags |= crate::modules::ctx::flags::AUTO_MEMORY;
    }
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("AutoMemory", auto_memory as *const () as usize);
    r.add("CreateString", create_string as *const () as usize);
    r.add(
        "CreateStringFromLongLong",
        create_string_from_long_long as *const () as usize,
    );
    r.add(
        "CreateStringFromULongLong",
        create_string_from_ulong_long as *const () as usize,
    );
    r.add(
        "CreateStringFromDouble",
        create_string_from_double as *const () as usize,
    );
    r.add(
        "CreateStringFromString",
        create_string_from_string as *const () as usize,
    );
    r.add(
        "CreateStringFromStreamID",
        create_string_from_stream_id as *const () as usize,
    );
    r.add("FreeString", free_string as *const () as usize);
    r.add("RetainString", retain_string as *const () as usize);
    r.add("HoldString", hold_string as *const () as usize);
    r.add("StringPtrLen", string_ptr_len as *const () as usize);
    r.add(
        "StringToLongLong",
        string_to_long_long as *const () as usize,
    );
    r.add(
        "StringToULongLong",
        string_to_ulong_long as *const () as usize,
    );
    r.add("StringToDouble", string_to_double as *const () as usize);
    r.add(
        "StringToStreamID",
        string_to_stream_id as *const () as usize,
    );
    r.add("StringCompare", string_compare as *const () as usize);
    r.add(
        "StringAppendBuffer",
        string_append_buffer as *const () as usize,
    );
    r.add(
        "TrimStringAllocation",
        trim_string_allocation as *const () as usize,
    );
}

/// The shim's view of strings: create one, read one.
pub mod hooks {
    use super::*;

    /// Creates a string from bytes for `ctx` (used by the C shim for Printf/long double).
    ///
    /// # Safety
    /// Called by the C shim with the pointers the module passed and strings it built.
    pub unsafe extern "C" fn create(
        ctx: *mut c_void,
        ptr: *const c_char,
        len: usize,
    ) -> *mut c_void {
        // SAFETY: the shim passes `len` bytes at `ptr`.
        unsafe { create_string(ctx, ptr, len) as *mut c_void }
    }

    /// A string's pointer and length (used by the shim's `StringToLongDouble`).
    ///
    /// # Safety
    /// Called by the C shim with the pointers the module passed and strings it built.
    pub unsafe extern "C" fn ptr_len(s: *const c_void, len: *mut usize) -> *const c_char {
        // SAFETY: the shim forwards the module's string pointer and a length slot.
        unsafe { string_ptr_len(s as *const RmString, len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert_eq!(parse_ull(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_ull(b"-1"), None);
        assert_eq!(parse_ull(b"01"), Some(1));
        assert_eq!(
            parse_stream_id(b"5-6"),
            Some(RedisModuleStreamID { ms: 5, seq: 6 })
        );
        assert_eq!(
            parse_stream_id(b"5"),
            Some(RedisModuleStreamID { ms: 5, seq: 0 })
        );
        assert_eq!(parse_stream_id(b"5-x"), None);
    }

    #[test]
    fn refcounts_and_nul() {
        let s = RmString::create(b"abc");
        // SAFETY: `s` is live until the last release below.
        unsafe {
            assert_eq!((*s).buf, b"abc\0");
            RmString::retain(s);
            assert_eq!((*s).ref_count(), 2);
            RmString::release(s);
            assert_eq!((*s).bytes(), b"abc");
            RmString::release(s);
        }
    }
}
