//! Client information: `GetClientInfoById`, `GetClientNameById`, `SetClientNameById`,
//! `GetClientUserNameById`, `GetClientCertificate`, `RedactClientCommandArgument`
//! (module.c's "Modules utility APIs" for clients). `GetClientId` is in the core group.
//!
//! A client is found by id in the client table or, while its command runs (it is out of
//! the table then), among the clients whose module commands are running.

use super::server_events::{client_info, ClientInfoV1};
use super::strings::{create_for, RmString};
use super::{ctx_of, set_errno, ERR, OK};
use crate::client::Client;
use crate::modules::host;
use crate::modules::registry::Reg;
use crate::server::Server;
use bytes::Bytes;
use std::os::raw::{c_int, c_void};

/// The server for context-free functions, when the calling thread holds the lock.
fn server() -> Option<&'static mut Server> {
    if !crate::exec_lock::held_by_current_thread() {
        return None;
    }
    // SAFETY: the calling thread holds the execution lock; the loop left this pointer
    // and holds no other reference to the server during the API call.
    unsafe { host::server_ptr().as_mut() }
}

/// Redis's `lookupClientByID`, including clients running a command.
pub fn client_by_id(srv: &mut Server, id: u64) -> Option<&mut Client> {
    if srv.clients.by_id(id).is_some() {
        return srv.clients.by_id_mut(id);
    }
    host::running_client(id)
}

unsafe extern "C" fn get_client_info_by_id(ci: *mut c_void, id: u64) -> c_int {
    let Some(srv) = server() else {
        return ERR;
    };
    let Some(c) = client_by_id(srv, id) else {
        return ERR;
    };
    if ci.is_null() {
        return OK;
    }
    // SAFETY: the module's structure starts with its version.
    let ver = unsafe { *(ci as *const u64) };
    if ver != 1 {
        return ERR;
    }
    let info = client_info(c);
    // SAFETY: a version-1 structure has this layout and size.
    unsafe { std::ptr::write(ci as *mut ClientInfoV1, info) };
    OK
}

unsafe extern "C" fn get_client_name_by_id(ctx: *mut c_void, id: u64) -> *mut RmString {
    let Some(srv) = server() else {
        return std::ptr::null_mut();
    };
    let name = match client_by_id(srv, id) {
        None => {
            set_errno(libc::ENOENT);
            return std::ptr::null_mut();
        }
        Some(c) => c.name.clone(),
    };
    match name {
        Some(n) => create_for(ctx, &n),
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn set_client_name_by_id(id: u64, name: *mut c_void) -> c_int {
    let Some(srv) = server() else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let Some(c) = client_by_id(srv, id) else {
        set_errno(libc::ENOENT);
        return ERR;
    };
    // SAFETY: the module's string.
    let Some(n) = (unsafe { RmString::bytes_of(name) }) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if n.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        set_errno(libc::EINVAL);
        return ERR;
    }
    c.name = (!n.is_empty()).then(|| Bytes::copy_from_slice(n));
    OK
}

unsafe extern "C" fn get_client_user_name_by_id(ctx: *mut c_void, id: u64) -> *mut RmString {
    let Some(srv) = server() else {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    let Some(c) = client_by_id(srv, id) else {
        set_errno(libc::ENOENT);
        return std::ptr::null_mut();
    };
    let user = c.user.clone();
    create_for(ctx, user.as_bytes())
}

unsafe extern "C" fn get_client_certificate(_ctx: *mut c_void, _id: u64) -> *mut RmString {
    // No TLS: no client has a certificate.
    std::ptr::null_mut()
}

unsafe extern "C" fn redact_client_command_argument(ctx: *mut c_void, pos: c_int) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let argc = c.ext.argv.len();
    if pos <= 0 || pos as usize >= argc {
        return ERR;
    }
    // The argument is replaced in the context's copy of the command. Coil has no slow
    // log yet, and MONITOR still shows the arguments as sent.
    c.ext.argv[pos as usize] = Bytes::from_static(b"(redacted)");
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "GetClientInfoById",
        get_client_info_by_id as *const () as usize,
    );
    r.add(
        "GetClientNameById",
        get_client_name_by_id as *const () as usize,
    );
    r.add(
        "SetClientNameById",
        set_client_name_by_id as *const () as usize,
    );
    r.add(
        "GetClientUserNameById",
        get_client_user_name_by_id as *const () as usize,
    );
    r.add(
        "GetClientCertificate",
        get_client_certificate as *const () as usize,
    );
    r.add(
        "RedactClientCommandArgument",
        redact_client_command_argument as *const () as usize,
    );
}
