//! Keys: the list API (module.c's "Key API for List type"): `ListPush`, `ListPop`,
//! `ListGet`, `ListSet`, `ListInsert`, `ListDelete`, with Redis's `errno` values and
//! encoding conversions (`list-max-listpack-size`).
//!
//! Redis keeps a list iterator in the key so sequential index access is cheap; the
//! iterator is observable (its index after a deletion, and `StringSet` refusing a key
//! with an active iterator), so its position and direction are tracked here exactly
//! as `moduleListIteratorSeek` moves it, while elements are reached by index.

use super::keys::{key_of, ModuleKey};
use super::strings::RmString;
use super::{set_errno, ERR, OK};
use crate::commands::lists::list_config;
use crate::db::list::{End, List};
use crate::db::Value;
use crate::modules::registry::Reg;
use coil_modules_api::consts::*;
use std::os::raw::{c_int, c_long, c_void};

/// The list under a key, if it holds one.
fn list_of(k: &mut ModuleKey) -> Option<&mut List> {
    match k.value() {
        Some(Value::List(l)) => Some(l),
        _ => None,
    }
}

/// The iterator's state beside the index: true when it last moved towards the head.
fn reverse_of(k: &ModuleKey) -> bool {
    k.list_reverse
}

/// `moduleListIteratorSeek`: validates the key and index and moves the iterator.
/// Returns the element's position from the head, or sets `errno`.
fn seek(k: Option<&mut ModuleKey>, index: i64, mode: c_int) -> Option<(usize, &mut ModuleKey)> {
    let Some(k) = k else {
        set_errno(libc::EINVAL);
        return None;
    };
    let Some(len) = list_of(k).map(|l| l.len() as i64) else {
        set_errno(libc::ENOTSUP);
        return None;
    };
    if k.mode & mode == 0 {
        set_errno(libc::EBADF);
        return None;
    }
    if index < -len || index >= len {
        set_errno(libc::EDOM);
        return None;
    }
    let mut index = index;
    match k.list_iter {
        None => {
            k.list_iter = Some(index);
            k.list_reverse = false;
        }
        Some(cur) => {
            if index < 0 && cur >= 0 {
                index += len;
            } else if index >= 0 && cur < 0 {
                index -= len;
            }
            if index != cur {
                k.list_reverse = cur > index;
                k.list_iter = Some(index);
            }
        }
    }
    let pos = if index < 0 { index + len } else { index };
    Some((pos as usize, k))
}

/// Frees the key's list iterator (`moduleFreeKeyIterator`).
fn free_iter(k: &mut ModuleKey) {
    k.list_iter = None;
}

/// Converts the list before adding `bytes` (`listTypeTryConversionAppend`); an
/// encoding change frees the iterator, as Redis's callback does.
fn convert_growing(k: &mut ModuleKey, bytes: usize) {
    let Some(cfg) = k.server().map(|s| list_config(s)) else {
        return;
    };
    if let Some(l) = list_of(k) {
        let before = l.is_quicklist();
        l.try_convert_growing(cfg, bytes, 1);
        if l.is_quicklist() != before {
            free_iter(k);
        }
    }
}

/// Converts the list after removing elements (`LIST_CONV_SHRINKING`); true if the
/// encoding changed (the iterator is freed).
fn convert_shrinking(k: &mut ModuleKey) -> bool {
    let Some(cfg) = k.server().map(|s| list_config(s)) else {
        return false;
    };
    let changed = match list_of(k) {
        Some(l) => {
            let before = l.is_quicklist();
            l.try_convert_shrinking(cfg);
            l.is_quicklist() != before
        }
        None => false,
    };
    if changed {
        free_iter(k);
    }
    changed
}

unsafe extern "C" fn list_push(kp: *mut c_void, where_: c_int, ele: *mut RmString) -> c_int {
    // SAFETY: a live key and string (or null).
    let (k, v) = unsafe { (key_of(kp), RmString::bytes_of(ele as *const c_void)) };
    let (Some(k), Some(v)) = (k, v) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let v = v.to_vec();
    if k.value().is_some() && list_of(k).is_none() {
        set_errno(libc::ENOTSUP);
        return ERR;
    }
    if !k.writable() {
        set_errno(libc::EBADF);
        return ERR;
    }
    free_iter(k);
    if k.value().is_none() {
        let Some(cfg) = k.server().map(|s| list_config(s)) else {
            return ERR;
        };
        k.add_value(Value::List(Box::new(List::with_config(cfg))));
    }
    convert_growing(k, v.len());
    let Some(l) = list_of(k) else {
        return ERR;
    };
    let end = if where_ == REDISMODULE_LIST_HEAD {
        End::Head
    } else {
        End::Tail
    };
    l.push(end, &v);
    OK
}

unsafe extern "C" fn list_pop(kp: *mut c_void, where_: c_int) -> *mut RmString {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    if list_of(k).is_none() {
        set_errno(libc::ENOTSUP);
        return std::ptr::null_mut();
    }
    if !k.writable() {
        set_errno(libc::EBADF);
        return std::ptr::null_mut();
    }
    free_iter(k);
    let end = if where_ == REDISMODULE_LIST_HEAD {
        End::Head
    } else {
        End::Tail
    };
    let Some(v) = list_of(k).and_then(|l| l.pop(end)) else {
        set_errno(libc::ENOTSUP);
        return std::ptr::null_mut();
    };
    if !k.delete_if_empty() {
        convert_shrinking(k);
    }
    k.new_string(&v)
}

unsafe extern "C" fn list_get(kp: *mut c_void, index: c_long) -> *mut RmString {
    // SAFETY: a live key (or null).
    let k = unsafe { key_of(kp) };
    let Some((pos, k)) = seek(k, index, REDISMODULE_READ) else {
        return std::ptr::null_mut();
    };
    let Some(v) = list_of(k).and_then(|l| l.get(pos as i64).map(|e| e.to_vec())) else {
        set_errno(libc::EDOM);
        return std::ptr::null_mut();
    };
    k.new_string(&v)
}

unsafe extern "C" fn list_set(kp: *mut c_void, index: c_long, value: *mut RmString) -> c_int {
    // SAFETY: a live string (or null).
    let Some(v) = (unsafe { RmString::bytes_of(value as *const c_void) }) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let v = v.to_vec();
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if list_of(k).is_none() {
        set_errno(libc::ENOTSUP);
        return ERR;
    }
    convert_growing(k, v.len());
    let Some((pos, k)) = seek(Some(k), index, REDISMODULE_WRITE) else {
        return ERR;
    };
    if let Some(l) = list_of(k) {
        l.set(pos as i64, &v);
    }
    free_iter(k);
    OK
}

unsafe extern "C" fn list_insert(kp: *mut c_void, index: c_long, value: *mut RmString) -> c_int {
    // SAFETY: a live string (or null).
    let Some(v) = (unsafe { RmString::bytes_of(value as *const c_void) }) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let v = v.to_vec();
    // SAFETY: a live key (or null).
    let k = unsafe { key_of(kp) };
    if let Some(k) = k {
        let push = match k.value() {
            None => (index == 0 || index == -1).then_some(REDISMODULE_LIST_TAIL),
            Some(Value::List(l)) => {
                let len = l.len() as i64;
                if index == len || index == -1 {
                    Some(REDISMODULE_LIST_TAIL)
                } else if index == 0 || index == -len - 1 {
                    Some(REDISMODULE_LIST_HEAD)
                } else {
                    None
                }
            }
            Some(_) => None,
        };
        if let Some(where_) = push {
            // SAFETY: forwarded with the module's own pointers.
            return unsafe { list_push(kp, where_, value) };
        }
        if list_of(k).is_some() {
            convert_growing(k, v.len());
        }
    }
    // SAFETY: a live key (or null).
    let k = unsafe { key_of(kp) };
    let Some((pos, k)) = seek(k, index, REDISMODULE_WRITE) else {
        return ERR;
    };
    if let Some(l) = list_of(k) {
        // A negative index counts the new element from the tail: it goes after.
        l.insert_at_index(pos, &v, index < 0);
    }
    free_iter(k);
    OK
}

unsafe extern "C" fn list_delete(kp: *mut c_void, index: c_long) -> c_int {
    // SAFETY: a live key (or null).
    let k = unsafe { key_of(kp) };
    let Some((pos, k)) = seek(k, index, REDISMODULE_WRITE) else {
        return ERR;
    };
    if let Some(l) = list_of(k) {
        l.delete_range(pos, 1);
    }
    if k.delete_if_empty() {
        return OK;
    }
    if convert_shrinking(k) {
        return OK;
    }
    // The iterator moves on to the next element in its direction, if any.
    let reverse = reverse_of(k);
    let len = list_of(k).map(|l| l.len()).unwrap_or(0);
    let has_next = if reverse { pos > 0 } else { pos < len };
    match (has_next, k.list_iter) {
        (true, Some(cur)) => {
            let next = if cur < 0 {
                cur + if reverse { 0 } else { 1 }
            } else {
                cur + if reverse { -1 } else { 0 }
            };
            k.list_iter = Some(next);
        }
        _ => free_iter(k),
    }
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("ListPush", list_push as *const () as usize);
    r.add("ListPop", list_pop as *const () as usize);
    r.add("ListGet", list_get as *const () as usize);
    r.add("ListSet", list_set as *const () as usize);
    r.add("ListInsert", list_insert as *const () as usize);
    r.add("ListDelete", list_delete as *const () as usize);
}
