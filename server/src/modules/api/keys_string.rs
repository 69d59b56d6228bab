//! Keys: the string API (module.c's "Key API for String type"): `StringSet`,
//! `StringDMA` (direct access to the value's bytes) and `StringTruncate`.

use super::keys::key_of;
use super::strings::RmString;
use super::{ERR, OK};
use crate::db::{StrValue, Value};
use crate::modules::registry::Reg;
use std::os::raw::{c_char, c_int, c_void};

/// What `StringDMA` returns for an empty key: a read-only literal, so a module writing
/// through it faults instead of corrupting memory (Redis's choice too).
static DMA_EMPTY: &[u8] = b"<dma-empty-string>\0";

/// Redis's `proto-max-bulk-len` ceiling for `StringTruncate` (512 MB).
const MAX_TRUNCATE: usize = 512 * 1024 * 1024;

unsafe extern "C" fn string_set(kp: *mut c_void, s: *mut RmString) -> c_int {
    // SAFETY: a live key and string (or null).
    let (Some(k), Some(b)) = (unsafe { key_of(kp) }, unsafe {
        RmString::bytes_of(s as *const c_void)
    }) else {
        return ERR;
    };
    if !k.writable() || k.list_iter.is_some() {
        return ERR;
    }
    // The module's string object is stored as it is: never int-encoded, `embstr` up
    // to 44 bytes (like command arguments), `raw` beyond.
    let v = if b.len() <= crate::db::value::EMBSTR_MAX {
        StrValue::Boxed(b.into())
    } else {
        StrValue::raw(b.to_vec())
    };
    k.set_value(Value::Str(v));
    OK
}

unsafe extern "C" fn string_dma(kp: *mut c_void, len: *mut usize, _mode: c_int) -> *mut c_char {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return std::ptr::null_mut();
    };
    let set_len = |n: usize| {
        if !len.is_null() {
            // SAFETY: the module's output slot.
            unsafe { *len = n };
        }
    };
    match k.value() {
        None => {
            set_len(0);
            DMA_EMPTY.as_ptr() as *mut c_char
        }
        // Read or write, the value becomes a raw string the module may touch in place
        // (Redis's dbUnshareStringValue decodes int and embstr values too).
        Some(Value::Str(s)) => {
            let buf = s.make_raw();
            set_len(buf.len());
            buf.as_mut_ptr() as *mut c_char
        }
        Some(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn string_truncate(kp: *mut c_void, newlen: usize) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    if !k.writable() {
        return ERR;
    }
    if matches!(k.value(), Some(v) if !matches!(v, Value::Str(_))) {
        return ERR;
    }
    if newlen > MAX_TRUNCATE {
        return ERR;
    }
    match k.value() {
        None if newlen == 0 => {}
        None => k.set_value(Value::Str(StrValue::raw(vec![0; newlen]))),
        Some(Value::Str(s)) => {
            let buf = s.make_raw();
            buf.resize(newlen, 0);
            // A string left with more free space than data gives it back.
            if buf.len() < buf.capacity() - buf.len() {
                buf.shrink_to_fit();
            }
        }
        Some(_) => return ERR,
    }
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("StringSet", string_set as *const () as usize);
    r.add("StringDMA", string_dma as *const () as usize);
    r.add("StringTruncate", string_truncate as *const () as usize);
}

#[cfg(test)]
mod tests {
    #[test]
    fn dma_literal_is_nul_terminated() {
        assert_eq!(super::DMA_EMPTY.last(), Some(&0));
    }
}
