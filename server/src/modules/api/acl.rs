//! ACL and authentication, as far as Coil can honour it: the only user is `default`,
//! which may run every command on every key and channel (Coil has no ACL users yet:
//! `ACL SETUSER` does not exist, only `requirepass` for `default`).
//!
//! Registered: `GetCurrentUserName`, `GetModuleUserFromUserName` (the `default` user
//! only), `FreeModuleUser`, `ACLCheckCommandPermissions` (fails only for an unknown
//! command), `ACLCheckKeyPermissions`, `ACLCheckChannelPermissions` (always allowed),
//! `DeauthenticateAndCloseClient`. Not registered, because they need ACL users or the
//! ACL log: `CreateModuleUser`, `SetModuleUserACL`, `SetModuleUserACLString`,
//! `GetModuleUserACLString`, `AuthenticateClientWithUser`,
//! `AuthenticateClientWithACLUser`, `ACLAddLogEntry`, `ACLAddLogEntryByUserName`,
//! `RegisterAuthCallback`, `SetContextUser`.

use super::client_info::client_by_id;
use super::strings::{create_for, RmString};
use super::{ctx_of, set_errno, ERR, OK};
use crate::modules::host;
use crate::modules::registry::Reg;
use bytes::Bytes;
use std::os::raw::{c_int, c_void};

/// `RedisModuleUser`: a handle on an existing user.
pub struct ModuleUser {
    /// The user's name.
    pub name: String,
}

unsafe extern "C" fn get_current_user_name(ctx: *mut c_void) -> *mut RmString {
    // SAFETY: the module's context.
    let user = match unsafe { ctx_of(ctx) }.and_then(|c| c.client()) {
        Some(c) => c.user.clone(),
        None => "default".to_string(),
    };
    create_for(ctx, user.as_bytes())
}

unsafe extern "C" fn get_module_user_from_user_name(name: *mut c_void) -> *mut c_void {
    // SAFETY: the module's string.
    let Some(n) = (unsafe { RmString::bytes_of(name) }) else {
        return std::ptr::null_mut();
    };
    if n != b"default" {
        return std::ptr::null_mut();
    }
    Box::into_raw(Box::new(ModuleUser {
        name: "default".into(),
    })) as *mut c_void
}

unsafe extern "C" fn free_module_user(user: *mut c_void) -> c_int {
    if !user.is_null() {
        // SAFETY: a handle from `GetModuleUserFromUserName`, freed once.
        drop(unsafe { Box::from_raw(user as *mut ModuleUser) });
    }
    OK
}

unsafe extern "C" fn acl_check_command_permissions(
    user: *mut c_void,
    argv: *mut *mut RmString,
    argc: c_int,
) -> c_int {
    if user.is_null() || argv.is_null() || argc <= 0 {
        set_errno(libc::EINVAL);
        return ERR;
    }
    if !crate::exec_lock::held_by_current_thread() {
        set_errno(libc::EINVAL);
        return ERR;
    }
    // SAFETY: the module passes `argc` strings.
    let args = unsafe { std::slice::from_raw_parts(argv, argc as usize) };
    let argv: Vec<Bytes> = args
        .iter()
        .map(|&s| {
            // SAFETY: live module strings.
            let b = unsafe { RmString::bytes_of(s as *const c_void) };
            Bytes::copy_from_slice(b.unwrap_or(b""))
        })
        .collect();
    // SAFETY: the calling thread holds the execution lock.
    let Some(srv) = (unsafe { host::server_ptr().as_ref() }) else {
        return ERR;
    };
    if srv.commands.lookup(&argv).is_none() {
        set_errno(libc::ENOENT);
        return ERR;
    }
    OK
}

unsafe extern "C" fn acl_check_key_permissions(
    user: *mut c_void,
    _key: *mut c_void,
    _flags: c_int,
) -> c_int {
    if user.is_null() {
        return ERR;
    }
    OK
}

unsafe extern "C" fn acl_check_channel_permissions(
    user: *mut c_void,
    _ch: *mut c_void,
    _flags: c_int,
) -> c_int {
    if user.is_null() {
        return ERR;
    }
    OK
}

unsafe extern "C" fn deauthenticate_and_close_client(ctx: *mut c_void, id: u64) -> c_int {
    // SAFETY: the module's context.
    let Some(srv) = (unsafe { ctx_of(ctx) }).and_then(|c| c.server()) else {
        return ERR;
    };
    let Some(c) = client_by_id(srv, id) else {
        return ERR;
    };
    c.authenticated = false;
    c.flags |= crate::client::flags::CLOSE_ASAP;
    srv.to_close.push(id);
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "GetCurrentUserName",
        get_current_user_name as *const () as usize,
    );
    r.add(
        "GetModuleUserFromUserName",
        get_module_user_from_user_name as *const () as usize,
    );
    r.add("FreeModuleUser", free_module_user as *const () as usize);
    r.add(
        "ACLCheckCommandPermissions",
        acl_check_command_permissions as *const () as usize,
    );
    r.add(
        "ACLCheckKeyPermissions",
        acl_check_key_permissions as *const () as usize,
    );
    r.add(
        "ACLCheckChannelPermissions",
        acl_check_channel_permissions as *const () as usize,
    );
    r.add(
        "DeauthenticateAndCloseClient",
        deauthenticate_and_close_client as *const () as usize,
    );
}
