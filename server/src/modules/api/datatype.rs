//! Data types: registering a type and storing its values under keys (module.c's
//! "Modules data types"): `CreateDataType`, `ModuleTypeSetValue`, `ModuleTypeGetType`,
//! `ModuleTypeGetValue`, `ModuleTypeReplaceValue`, and the `RedisModuleKeyOptCtx`
//! accessors the `*2` callbacks use (`GetKeyNameFromOptCtx`, ...).

use super::keys::key_of;
use super::rdb_io::type_of;
use super::strings::{cstr_bytes, RmString};
use super::{ctx_of, ERR, OK};
use crate::db::Value;
use crate::modules::registry::Reg;
use crate::modules::types::{self, KeyOptCtx, ModuleType, ModuleValue, TypeMethods};
use std::os::raw::{c_char, c_int, c_void};

unsafe extern "C" fn create_data_type(
    ctx: *mut c_void,
    name: *const c_char,
    encver: c_int,
    typemethods: *const c_void,
) -> *const ModuleType {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null();
    };
    let module = c.module;
    // SAFETY: the module record, live while its OnLoad runs.
    if !unsafe { module.as_ref() }.is_some_and(|m| m.onload) {
        return std::ptr::null();
    }
    // SAFETY: a C string from the module.
    let name = unsafe { cstr_bytes(name) };
    let id = types::encode_id(name, encver);
    if id == 0 {
        return std::ptr::null();
    }
    let Some(srv) = c.server() else {
        return std::ptr::null();
    };
    // SAFETY: the module record, as above.
    let own = unsafe { &*module }
        .types
        .iter()
        .any(|t| t.name.as_bytes() == name);
    if own || types::find_by_name(srv, name).is_some() {
        return std::ptr::null();
    }
    // SAFETY: the module's RedisModuleTypeMethods, read by its declared version.
    let Some(methods) = (unsafe { TypeMethods::read(typemethods) }) else {
        return std::ptr::null();
    };
    let name = String::from_utf8_lossy(name).into_owned();
    let t = ModuleType::register(id, &name, module, methods);
    // SAFETY: as above.
    unsafe { &mut *module }.types.push(t);
    t
}

unsafe extern "C" fn module_type_set_value(
    kp: *mut c_void,
    mt: *const c_void,
    value: *mut c_void,
) -> c_int {
    // SAFETY: a live key and a registered type (or null).
    let (Some(k), Some(mt)) = (unsafe { key_of(kp) }, unsafe { type_of(mt) }) else {
        return ERR;
    };
    if !k.writable() || k.list_iter.is_some() {
        return ERR;
    }
    k.set_value(Value::Module(ModuleValue::new(mt, value)));
    OK
}

unsafe extern "C" fn module_type_get_type(kp: *mut c_void) -> *const ModuleType {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) }.and_then(|k| k.value()) {
        Some(Value::Module(m)) => m.mtype(),
        _ => std::ptr::null(),
    }
}

unsafe extern "C" fn module_type_get_value(kp: *mut c_void) -> *mut c_void {
    // SAFETY: a live key (or null).
    match unsafe { key_of(kp) }.and_then(|k| k.value()) {
        Some(Value::Module(m)) => m.ptr(),
        _ => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn module_type_replace_value(
    kp: *mut c_void,
    mt: *const c_void,
    new_value: *mut c_void,
    old_value: *mut *mut c_void,
) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    if !k.writable() || k.list_iter.is_some() {
        return ERR;
    }
    let Some(Value::Module(m)) = k.value() else {
        return ERR;
    };
    if !std::ptr::eq(m.mtype(), mt as *const ModuleType) {
        return ERR;
    }
    let old = m.replace(new_value);
    if !old_value.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *old_value = old };
    }
    OK
}

/// The key-options context behind a pointer a callback received.
///
/// # Safety
/// `p` must be null or the context passed to a running `*2` callback.
unsafe fn opt_of<'a>(p: *mut c_void) -> Option<&'a KeyOptCtx> {
    // SAFETY: promised by the caller.
    unsafe { (p as *const KeyOptCtx).as_ref() }
}

unsafe extern "C" fn get_key_name_from_opt_ctx(c: *mut c_void) -> *const RmString {
    // SAFETY: the callback's context (or null).
    unsafe { opt_of(c) }.map_or(std::ptr::null(), |c| c.from_key)
}

unsafe extern "C" fn get_to_key_name_from_opt_ctx(c: *mut c_void) -> *const RmString {
    // SAFETY: the callback's context (or null).
    unsafe { opt_of(c) }.map_or(std::ptr::null(), |c| c.to_key)
}

unsafe extern "C" fn get_db_id_from_opt_ctx(c: *mut c_void) -> c_int {
    // SAFETY: the callback's context (or null).
    unsafe { opt_of(c) }.map_or(-1, |c| c.from_dbid)
}

unsafe extern "C" fn get_to_db_id_from_opt_ctx(c: *mut c_void) -> c_int {
    // SAFETY: the callback's context (or null).
    unsafe { opt_of(c) }.map_or(-1, |c| c.to_dbid)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("CreateDataType", create_data_type as *const () as usize);
    r.add(
        "ModuleTypeSetValue",
        module_type_set_value as *const () as usize,
    );
    r.add(
        "ModuleTypeGetType",
        module_type_get_type as *const () as usize,
    );
    r.add(
        "ModuleTypeGetValue",
        module_type_get_value as *const () as usize,
    );
    r.add(
        "ModuleTypeReplaceValue",
        module_type_replace_value as *const () as usize,
    );
    r.add(
        "GetKeyNameFromOptCtx",
        get_key_name_from_opt_ctx as *const () as usize,
    );
    r.add(
        "GetToKeyNameFromOptCtx",
        get_to_key_name_from_opt_ctx as *const () as usize,
    );
    r.add(
        "GetDbIdFromOptCtx",
        get_db_id_from_opt_ctx as *const () as usize,
    );
    r.add(
        "GetToDbIdFromOptCtx",
        get_to_db_id_from_opt_ctx as *const () as usize,
    );
}
