//! The event loop API: `EventLoopAdd`, `EventLoopDel`, `EventLoopAddOneShot`
//! (module.c's "Event loop APIs").
//!
//! A descriptor a module adds is registered in the loop's `mio` poll under a token of
//! its own. `mio` reports readiness edge-triggered while Redis's `ae` is
//! level-triggered, so the descriptor is re-armed after every callback: a module that
//! leaves data unread is called again, as in Redis.

use super::{set_errno, ERR, OK};
use crate::modules::host::{self, Msg};
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use coil_modules_api::consts::{REDISMODULE_EVENTLOOP_READABLE, REDISMODULE_EVENTLOOP_WRITABLE};
use mio::unix::SourceFd;
use mio::{Interest, Token};
use std::collections::HashMap;
use std::os::raw::{c_int, c_void};

/// `void (*RedisModuleEventLoopFunc)(int fd, void *user_data, int mask)`.
pub type EventLoopFunc = unsafe extern "C" fn(c_int, *mut c_void, c_int);
/// `void (*RedisModuleEventLoopOneShotFunc)(void *user_data)`.
pub type OneShotFunc = unsafe extern "C" fn(*mut c_void);

/// Tokens from here on are module descriptors (`MODULE_FD_BASE + fd`).
pub const MODULE_FD_BASE: usize = 1 << 40;

/// Redis's event-loop set size beyond `maxclients` (`CONFIG_FDSET_INCR`).
const FDSET_INCR: usize = 128;

#[derive(Clone, Copy)]
struct FdEntry {
    mask: c_int,
    rfunc: Option<EventLoopFunc>,
    wfunc: Option<EventLoopFunc>,
    user_data: *mut c_void,
}

/// Descriptors registered with `EventLoopAdd`.
#[derive(Default)]
pub struct Fds {
    map: HashMap<c_int, FdEntry>,
}

fn interest(mask: c_int) -> Option<Interest> {
    match (
        mask & REDISMODULE_EVENTLOOP_READABLE != 0,
        mask & REDISMODULE_EVENTLOOP_WRITABLE != 0,
    ) {
        (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
        (true, false) => Some(Interest::READABLE),
        (false, true) => Some(Interest::WRITABLE),
        (false, false) => None,
    }
}

/// The server, for these context-free functions (loop thread only).
fn server() -> Option<&'static mut Server> {
    if !crate::exec_lock::held_by_current_thread() {
        return None;
    }
    // SAFETY: the loop left this pointer and the calling thread holds the execution
    // lock; the caller holds no other reference to the server during the API call.
    unsafe { host::server_ptr().as_mut() }
}

fn fd_in_range(srv: &Server, fd: c_int) -> bool {
    fd >= 0 && (fd as usize) < srv.config.maxclients + FDSET_INCR
}

unsafe extern "C" fn event_loop_add(
    fd: c_int,
    mask: c_int,
    func: Option<EventLoopFunc>,
    user_data: *mut c_void,
) -> c_int {
    let Some(srv) = server() else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if !fd_in_range(srv, fd) {
        set_errno(libc::ERANGE);
        return ERR;
    }
    let all = REDISMODULE_EVENTLOOP_READABLE | REDISMODULE_EVENTLOOP_WRITABLE;
    let Some(func) = func else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if mask & !all != 0 {
        set_errno(libc::EINVAL);
        return ERR;
    }
    let Some(reg) = host::registry() else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let old = srv.modules.host.fds.map.get(&fd).copied();
    let mut e = old.unwrap_or(FdEntry {
        mask: 0,
        rfunc: None,
        wfunc: None,
        user_data,
    });
    e.mask |= mask;
    e.user_data = user_data;
    if mask & REDISMODULE_EVENTLOOP_READABLE != 0 {
        e.rfunc = Some(func);
    }
    if mask & REDISMODULE_EVENTLOOP_WRITABLE != 0 {
        e.wfunc = Some(func);
    }
    let Some(int) = interest(e.mask) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    let token = Token(MODULE_FD_BASE + fd as usize);
    let res = if old.is_some() {
        reg.reregister(&mut SourceFd(&fd), token, int)
    } else {
        reg.register(&mut SourceFd(&fd), token, int)
    };
    if let Err(e) = res {
        set_errno(e.raw_os_error().unwrap_or(libc::EINVAL));
        return ERR;
    }
    srv.modules.host.fds.map.insert(fd, e);
    set_errno(0);
    OK
}

unsafe extern "C" fn event_loop_del(fd: c_int, mask: c_int) -> c_int {
    let Some(srv) = server() else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if !fd_in_range(srv, fd) {
        set_errno(libc::ERANGE);
        return ERR;
    }
    let all = REDISMODULE_EVENTLOOP_READABLE | REDISMODULE_EVENTLOOP_WRITABLE;
    if mask & !all != 0 {
        set_errno(libc::EINVAL);
        return ERR;
    }
    if let Some(mut e) = srv.modules.host.fds.map.get(&fd).copied() {
        e.mask &= !mask;
        if mask & REDISMODULE_EVENTLOOP_READABLE != 0 {
            e.rfunc = None;
        }
        if mask & REDISMODULE_EVENTLOOP_WRITABLE != 0 {
            e.wfunc = None;
        }
        let token = Token(MODULE_FD_BASE + fd as usize);
        if let Some(reg) = host::registry() {
            let _ = match interest(e.mask) {
                Some(int) => reg.reregister(&mut SourceFd(&fd), token, int),
                None => reg.deregister(&mut SourceFd(&fd)),
            };
        }
        if e.mask == 0 {
            srv.modules.host.fds.map.remove(&fd);
        } else {
            srv.modules.host.fds.map.insert(fd, e);
        }
    }
    set_errno(0);
    OK
}

unsafe extern "C" fn event_loop_add_one_shot(
    func: Option<OneShotFunc>,
    user_data: *mut c_void,
) -> c_int {
    let Some(func) = func else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    host::send(Msg::OneShot(func, user_data as usize));
    OK
}

/// A readiness event on a module descriptor: the read callback, then the write
/// callback (each only if still registered), then the descriptor is re-armed.
pub fn on_event(srv: &mut Server, token: usize, readable: bool, writable: bool) {
    let fd = token as c_int;
    if readable {
        if let Some(e) = srv.modules.host.fds.map.get(&fd).copied() {
            if let Some(f) = e.rfunc {
                // SAFETY: the module's callback, on the loop thread, with its data.
                unsafe { f(fd, e.user_data, REDISMODULE_EVENTLOOP_READABLE) };
            }
        }
    }
    if writable {
        if let Some(e) = srv.modules.host.fds.map.get(&fd).copied() {
            if let Some(f) = e.wfunc {
                // SAFETY: as above.
                unsafe { f(fd, e.user_data, REDISMODULE_EVENTLOOP_WRITABLE) };
            }
        }
    }
    if let (Some(e), Some(reg)) = (srv.modules.host.fds.map.get(&fd), host::registry()) {
        if let Some(int) = interest(e.mask) {
            let _ = reg.reregister(&mut SourceFd(&fd), Token(MODULE_FD_BASE + token), int);
        }
    }
}

/// Descriptors are not owned by a module (the API has no context): nothing to drop.
pub fn forget_module(_srv: &mut Server, _m: *const Module) {}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("EventLoopAdd", event_loop_add as *const () as usize);
    r.add("EventLoopDel", event_loop_del as *const () as usize);
    r.add(
        "EventLoopAddOneShot",
        event_loop_add_one_shot as *const () as usize,
    );
}
