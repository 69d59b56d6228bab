//! Dictionaries: `CreateDict` and the `Dict*` family (module.c's "Modules Dictionary
//! API"). Redis backs them with a radix tree, so keys are ordered lexicographically as
//! bytes and iterators can seek; here a `BTreeMap` gives the same order. An iterator
//! remembers its current key and finds its neighbours by range lookups, so it survives
//! changes to the dictionary (Redis asks modules to reseek after changes anyway).

use super::strings::{create_for, raw_bytes, RmString};
use super::{ERR, OK};
use crate::modules::registry::Reg;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::os::raw::{c_char, c_int, c_void};

/// `RedisModuleDict`.
pub type Dict = BTreeMap<Vec<u8>, *mut c_void>;

/// `RedisModuleDictIter`.
pub struct DictIter {
    dict: *mut Dict,
    /// The element the iterator is on (None: end of iteration).
    current: Option<Vec<u8>>,
    /// Just positioned by a seek: the next `Next`/`Prev` returns `current` itself.
    just_seeked: bool,
}

/// The dictionary behind a module's pointer.
///
/// # Safety
/// `d` must be null or a live dictionary from `CreateDict`.
unsafe fn dict<'a>(d: *mut c_void) -> Option<&'a mut Dict> {
    // SAFETY: promised by the caller.
    unsafe { (d as *mut Dict).as_mut() }
}

/// The iterator behind a module's pointer.
///
/// # Safety
/// `i` must be null or a live iterator.
unsafe fn iter<'a>(i: *mut c_void) -> Option<&'a mut DictIter> {
    // SAFETY: promised by the caller.
    unsafe { (i as *mut DictIter).as_mut() }
}

/// Reads a string key.
///
/// # Safety
/// `s` must be null or a live string.
unsafe fn skey<'a>(s: *mut c_void) -> &'a [u8] {
    // SAFETY: promised by the caller.
    unsafe { RmString::bytes_of(s) }.unwrap_or(b"")
}

unsafe extern "C" fn create_dict(_ctx: *mut c_void) -> *mut c_void {
    Box::into_raw(Box::<Dict>::default()) as *mut c_void
}

unsafe extern "C" fn free_dict(_ctx: *mut c_void, d: *mut c_void) {
    if !d.is_null() {
        // SAFETY: a dictionary from `CreateDict`, freed once by the module.
        drop(unsafe { Box::from_raw(d as *mut Dict) });
    }
}

/// `MallocSizeDict`: an estimate in the spirit of Redis's (the tree's nodes and two
/// words per element): the map, each key and each entry's pointers.
unsafe extern "C" fn malloc_size_dict(d: *mut c_void) -> usize {
    // SAFETY: the module's dictionary.
    let Some(d) = (unsafe { dict(d) }) else {
        return 0;
    };
    std::mem::size_of::<Dict>()
        + d.keys()
            .map(|k| {
                k.capacity() + std::mem::size_of::<Vec<u8>>() + 2 * std::mem::size_of::<usize>()
            })
            .sum::<usize>()
}

unsafe extern "C" fn dict_size(d: *mut c_void) -> u64 {
    // SAFETY: the module's dictionary.
    unsafe { dict(d) }.map_or(0, |d| d.len() as u64)
}

fn set(d: *mut c_void, key: &[u8], ptr: *mut c_void, replace: bool) -> c_int {
    // SAFETY: the module's dictionary.
    let Some(d) = (unsafe { dict(d) }) else {
        return ERR;
    };
    if !replace && d.contains_key(key) {
        return ERR;
    }
    d.insert(key.to_vec(), ptr);
    OK
}

unsafe extern "C" fn dict_set_c(
    d: *mut c_void,
    key: *const c_char,
    keylen: usize,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: `keylen` bytes at `key`.
    set(d, unsafe { raw_bytes(key, keylen) }, ptr, false)
}

unsafe extern "C" fn dict_replace_c(
    d: *mut c_void,
    key: *const c_char,
    keylen: usize,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: `keylen` bytes at `key`.
    set(d, unsafe { raw_bytes(key, keylen) }, ptr, true)
}

unsafe extern "C" fn dict_set(d: *mut c_void, key: *mut c_void, ptr: *mut c_void) -> c_int {
    // SAFETY: the module's string.
    set(d, unsafe { skey(key) }, ptr, false)
}

unsafe extern "C" fn dict_replace(d: *mut c_void, key: *mut c_void, ptr: *mut c_void) -> c_int {
    // SAFETY: the module's string.
    set(d, unsafe { skey(key) }, ptr, true)
}

fn get(d: *mut c_void, key: &[u8], nokey: *mut c_int) -> *mut c_void {
    // SAFETY: the module's dictionary.
    let found = unsafe { dict(d) }.and_then(|d| d.get(key).copied());
    if !nokey.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *nokey = c_int::from(found.is_none()) };
    }
    found.unwrap_or(std::ptr::null_mut())
}

unsafe extern "C" fn dict_get_c(
    d: *mut c_void,
    key: *const c_char,
    keylen: usize,
    nokey: *mut c_int,
) -> *mut c_void {
    // SAFETY: `keylen` bytes at `key`.
    get(d, unsafe { raw_bytes(key, keylen) }, nokey)
}

unsafe extern "C" fn dict_get(d: *mut c_void, key: *mut c_void, nokey: *mut c_int) -> *mut c_void {
    // SAFETY: the module's string.
    get(d, unsafe { skey(key) }, nokey)
}

fn del(d: *mut c_void, key: &[u8], oldval: *mut c_void) -> c_int {
    // SAFETY: the module's dictionary.
    let Some(d) = (unsafe { dict(d) }) else {
        return ERR;
    };
    match d.remove(key) {
        Some(v) => {
            if !oldval.is_null() {
                // SAFETY: the module's out pointer (a `void **`).
                unsafe { *(oldval as *mut *mut c_void) = v };
            }
            OK
        }
        None => ERR,
    }
}

unsafe extern "C" fn dict_del_c(
    d: *mut c_void,
    key: *const c_char,
    keylen: usize,
    oldval: *mut c_void,
) -> c_int {
    // SAFETY: `keylen` bytes at `key`.
    del(d, unsafe { raw_bytes(key, keylen) }, oldval)
}

unsafe extern "C" fn dict_del(d: *mut c_void, key: *mut c_void, oldval: *mut c_void) -> c_int {
    // SAFETY: the module's string.
    del(d, unsafe { skey(key) }, oldval)
}

/// Positions `it` with a seek operator (`^ $ > >= < <= ==`); false for an unknown one.
fn seek(it: &mut DictIter, op: &[u8], key: &[u8]) -> bool {
    // SAFETY: an iterator's dictionary outlives it (the module's contract).
    let Some(d) = (unsafe { it.dict.as_ref() }) else {
        return false;
    };
    let k = key.to_vec();
    let found = match op {
        b"^" => d.keys().next(),
        b"$" => d.keys().next_back(),
        b">" => d
            .range((Bound::Excluded(k), Bound::Unbounded))
            .next()
            .map(|e| e.0),
        b">=" => d.range(k..).next().map(|e| e.0),
        b"<" => d.range(..k).next_back().map(|e| e.0),
        b"<=" => d.range(..=k).next_back().map(|e| e.0),
        b"==" => d.get_key_value(key).map(|e| e.0),
        _ => {
            it.current = None;
            return false;
        }
    };
    it.current = found.cloned();
    it.just_seeked = true;
    true
}

/// Reads a seek operator.
///
/// # Safety
/// `op` must be null or a C string.
unsafe fn op_bytes<'a>(op: *const c_char) -> &'a [u8] {
    // SAFETY: promised by the caller.
    unsafe { super::strings::cstr_bytes(op) }
}

fn start(d: *mut c_void, op: &[u8], key: &[u8]) -> *mut c_void {
    let mut it = Box::new(DictIter {
        dict: d as *mut Dict,
        current: None,
        just_seeked: false,
    });
    seek(&mut it, op, key);
    Box::into_raw(it) as *mut c_void
}

unsafe extern "C" fn dict_iterator_start_c(
    d: *mut c_void,
    op: *const c_char,
    key: *const c_char,
    keylen: usize,
) -> *mut c_void {
    // SAFETY: the module's C string and `keylen` bytes.
    start(d, unsafe { op_bytes(op) }, unsafe {
        raw_bytes(key, keylen)
    })
}

unsafe extern "C" fn dict_iterator_start(
    d: *mut c_void,
    op: *const c_char,
    key: *mut c_void,
) -> *mut c_void {
    // SAFETY: the module's C string and string.
    start(d, unsafe { op_bytes(op) }, unsafe { skey(key) })
}

unsafe extern "C" fn dict_iterator_stop(i: *mut c_void) {
    if !i.is_null() {
        // SAFETY: an iterator from `DictIteratorStart*`, stopped once.
        drop(unsafe { Box::from_raw(i as *mut DictIter) });
    }
}

unsafe extern "C" fn dict_iterator_reseek_c(
    i: *mut c_void,
    op: *const c_char,
    key: *const c_char,
    keylen: usize,
) -> c_int {
    // SAFETY: the module's iterator, C string and bytes.
    let (Some(it), op, key) = (unsafe { iter(i) }, unsafe { op_bytes(op) }, unsafe {
        raw_bytes(key, keylen)
    }) else {
        return ERR;
    };
    if seek(it, op, key) {
        OK
    } else {
        ERR
    }
}

unsafe extern "C" fn dict_iterator_reseek(
    i: *mut c_void,
    op: *const c_char,
    key: *mut c_void,
) -> c_int {
    // SAFETY: the module's iterator, C string and string.
    let (Some(it), op, key) = (unsafe { iter(i) }, unsafe { op_bytes(op) }, unsafe {
        skey(key)
    }) else {
        return ERR;
    };
    if seek(it, op, key) {
        OK
    } else {
        ERR
    }
}

/// Moves to the next (or previous) element; returns its value.
fn step(it: &mut DictIter, forward: bool) -> Option<*mut c_void> {
    // SAFETY: an iterator's dictionary outlives it.
    let d = unsafe { it.dict.as_ref() }?;
    let cur = it.current.take()?;
    if it.just_seeked {
        it.just_seeked = false;
        let v = d.get(&cur).copied();
        if v.is_some() {
            it.current = Some(cur);
            return v;
        }
    }
    let next = if forward {
        d.range::<Vec<u8>, _>((Bound::Excluded(&cur), Bound::Unbounded))
            .next()
    } else {
        d.range::<Vec<u8>, _>(..&cur).next_back()
    };
    let (k, v) = next?;
    it.current = Some(k.clone());
    Some(*v)
}

fn next_c(
    i: *mut c_void,
    keylen: *mut usize,
    data: *mut *mut c_void,
    forward: bool,
) -> *mut c_void {
    // SAFETY: the module's iterator.
    let Some(it) = (unsafe { iter(i) }) else {
        return std::ptr::null_mut();
    };
    let Some(v) = step(it, forward) else {
        return std::ptr::null_mut();
    };
    let Some(k) = it.current.as_ref() else {
        return std::ptr::null_mut();
    };
    if !keylen.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *keylen = k.len() };
    }
    if !data.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *data = v };
    }
    // Valid until the iterator moves again, as in Redis.
    k.as_ptr() as *mut c_void
}

unsafe extern "C" fn dict_next_c(
    i: *mut c_void,
    keylen: *mut usize,
    data: *mut *mut c_void,
) -> *mut c_void {
    next_c(i, keylen, data, true)
}

unsafe extern "C" fn dict_prev_c(
    i: *mut c_void,
    keylen: *mut usize,
    data: *mut *mut c_void,
) -> *mut c_void {
    next_c(i, keylen, data, false)
}

fn next_str(
    ctx: *mut c_void,
    i: *mut c_void,
    data: *mut *mut c_void,
    forward: bool,
) -> *mut c_void {
    let mut len = 0usize;
    let p = next_c(i, &mut len, data, forward);
    if p.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: `len` bytes at `p`, the iterator's current key.
    let key = unsafe { raw_bytes(p as *const c_char, len) };
    create_for(ctx, key) as *mut c_void
}

unsafe extern "C" fn dict_next(
    ctx: *mut c_void,
    i: *mut c_void,
    data: *mut *mut c_void,
) -> *mut c_void {
    next_str(ctx, i, data, true)
}

unsafe extern "C" fn dict_prev(
    ctx: *mut c_void,
    i: *mut c_void,
    data: *mut *mut c_void,
) -> *mut c_void {
    next_str(ctx, i, data, false)
}

fn compare(i: *mut c_void, op: &[u8], key: &[u8]) -> c_int {
    // SAFETY: the module's iterator.
    let Some(cur) = (unsafe { iter(i) }).and_then(|it| it.current.as_ref()) else {
        return ERR;
    };
    let c = cur.as_slice();
    let ok = match op {
        b"==" => c == key,
        b">" => c > key,
        b">=" => c >= key,
        b"<" => c < key,
        b"<=" => c <= key,
        _ => false,
    };
    if ok {
        OK
    } else {
        ERR
    }
}

unsafe extern "C" fn dict_compare_c(
    i: *mut c_void,
    op: *const c_char,
    key: *const c_char,
    keylen: usize,
) -> c_int {
    // SAFETY: the module's C string and bytes.
    compare(i, unsafe { op_bytes(op) }, unsafe {
        raw_bytes(key, keylen)
    })
}

unsafe extern "C" fn dict_compare(i: *mut c_void, op: *const c_char, key: *mut c_void) -> c_int {
    // SAFETY: the module's C string and string.
    compare(i, unsafe { op_bytes(op) }, unsafe { skey(key) })
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("CreateDict", create_dict as *const () as usize);
    r.add("FreeDict", free_dict as *const () as usize);
    r.add("DictSize", dict_size as *const () as usize);
    r.add("MallocSizeDict", malloc_size_dict as *const () as usize);
    r.add("DictSetC", dict_set_c as *const () as usize);
    r.add("DictReplaceC", dict_replace_c as *const () as usize);
    r.add("DictSet", dict_set as *const () as usize);
    r.add("DictReplace", dict_replace as *const () as usize);
    r.add("DictGetC", dict_get_c as *const () as usize);
    r.add("DictGet", dict_get as *const () as usize);
    r.add("DictDelC", dict_del_c as *const () as usize);
    r.add("DictDel", dict_del as *const () as usize);
    r.add(
        "DictIteratorStartC",
        dict_iterator_start_c as *const () as usize,
    );
    r.add(
        "DictIteratorStart",
        dict_iterator_start as *const () as usize,
    );
    r.add("DictIteratorStop", dict_iterator_stop as *const () as usize);
    r.add(
        "DictIteratorReseekC",
        dict_iterator_reseek_c as *const () as usize,
    );
    r.add(
        "DictIteratorReseek",
        dict_iterator_reseek as *const () as usize,
    );
    r.add("DictNextC", dict_next_c as *const () as usize);
    r.add("DictPrevC", dict_prev_c as *const () as usize);
    r.add("DictNext", dict_next as *const () as usize);
    r.add("DictPrev", dict_prev as *const () as usize);
    r.add("DictCompareC", dict_compare_c as *const () as usize);
    r.add("DictCompare", dict_compare as *const () as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: *mut c_void) -> Option<Vec<u8>> {
        let mut len = 0;
        let p = next_c(i, &mut len, std::ptr::null_mut(), true);
        // SAFETY: `len` bytes at the iterator's key.
        (!p.is_null()).then(|| unsafe { raw_bytes(p as *const c_char, len) }.to_vec())
    }

    #[test]
    fn seek_and_walk_in_byte_order() {
        // SAFETY: the functions are called as a module would.
        unsafe {
            let d = create_dict(std::ptr::null_mut());
            for k in ["b", "a", "c", "ab"] {
                assert_eq!(
                    dict_set_c(d, k.as_ptr() as _, k.len(), std::ptr::null_mut()),
                    OK
                );
            }
            assert_eq!(
                dict_set_c(d, "a".as_ptr() as _, 1, std::ptr::null_mut()),
                ERR
            );
            assert_eq!(dict_size(d), 4);
            let it = dict_iterator_start_c(d, c">=".as_ptr(), "aa".as_ptr() as _, 2);
            assert_eq!(key(it).as_deref(), Some(&b"ab"[..]));
            assert_eq!(key(it).as_deref(), Some(&b"b"[..]));
            assert_eq!(dict_compare_c(it, c">".as_ptr(), "a".as_ptr() as _, 1), OK);
            assert_eq!(
                dict_iterator_reseek_c(it, c"<".as_ptr(), "b".as_ptr() as _, 1),
                OK
            );
            let mut len = 0;
            let p = dict_prev_c(it, &mut len, std::ptr::null_mut());
            assert_eq!(raw_bytes(p as *const c_char, len), b"ab");
            let p = dict_prev_c(it, &mut len, std::ptr::null_mut());
            assert_eq!(raw_bytes(p as *const c_char, len), b"a");
            assert!(dict_prev_c(it, &mut len, std::ptr::null_mut()).is_null());
            dict_iterator_stop(it);
            let it = dict_iterator_start_c(d, c"$".as_ptr(), std::ptr::null(), 0);
            assert_eq!(key(it).as_deref(), Some(&b"c"[..]));
            assert_eq!(key(it), None);
            dict_iterator_stop(it);
            free_dict(std::ptr::null_mut(), d);
        }
    }
}
