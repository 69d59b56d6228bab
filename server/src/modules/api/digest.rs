//! Data types: the `DEBUG DIGEST` interface (module.c's "Key digest API"):
//! `DigestAddStringBuffer`, `DigestAddLongLong`, `DigestEndSequence`,
//! `GetKeyNameFromDigest`, `GetDbIdFromDigest`, mixing exactly as Redis's
//! `mixDigest`/`xorDigest` do.

use super::strings::{raw_bytes, RmString};
use crate::modules::registry::Reg;
use crate::modules::types::{mix_digest, xor_digest, DigestCtx};
use std::os::raw::{c_char, c_int, c_longlong, c_void};

/// The digest behind a pointer a `digest` callback received.
///
/// # Safety
/// `p` must be null or the digest passed to a running callback.
unsafe fn digest_of<'a>(p: *mut c_void) -> Option<&'a mut DigestCtx> {
    // SAFETY: promised by the caller.
    unsafe { (p as *mut DigestCtx).as_mut() }
}

unsafe extern "C" fn digest_add_string_buffer(md: *mut c_void, ele: *const c_char, len: usize) {
    // SAFETY: the callback's digest (or null).
    if let Some(d) = unsafe { digest_of(md) } {
        // SAFETY: `len` bytes at `ele`, from the module.
        mix_digest(&mut d.o, unsafe { raw_bytes(ele, len) });
    }
}

unsafe extern "C" fn digest_add_long_long(md: *mut c_void, ll: c_longlong) {
    // SAFETY: the callback's digest (or null).
    if let Some(d) = unsafe { digest_of(md) } {
        mix_digest(&mut d.o, ll.to_string().as_bytes());
    }
}

unsafe extern "C" fn digest_end_sequence(md: *mut c_void) {
    // SAFETY: the callback's digest (or null).
    if let Some(d) = unsafe { digest_of(md) } {
        let o = d.o;
        xor_digest(&mut d.x, &o);
        d.o = [0; 20];
    }
}

unsafe extern "C" fn get_key_name_from_digest(md: *mut c_void) -> *const RmString {
    // SAFETY: the callback's digest (or null).
    unsafe { digest_of(md) }.map_or(std::ptr::null(), |d| d.key as *const RmString)
}

unsafe extern "C" fn get_db_id_from_digest(md: *mut c_void) -> c_int {
    // SAFETY: the callback's digest (or null).
    unsafe { digest_of(md) }.map_or(-1, |d| d.dbid)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "DigestAddStringBuffer",
        digest_add_string_buffer as *const () as usize,
    );
    r.add(
        "DigestAddLongLong",
        digest_add_long_long as *const () as usize,
    );
    r.add(
        "DigestEndSequence",
        digest_end_sequence as *const () as usize,
    );
    r.add(
        "GetKeyNameFromDigest",
        get_key_name_from_digest as *const () as usize,
    );
    r.add(
        "GetDbIdFromDigest",
        get_db_id_from_digest as *const () as usize,
    );
}
