//! Command filters: `RegisterCommandFilter`, `UnregisterCommandFilter` and the
//! `CommandFilterArg*` family (module.c's "Command filter API").
//!
//! Filters see every command before it is looked up (client commands in
//! [`crate::dispatch`], and commands a module runs with `RedisModule_Call`), in
//! registration order, and may rewrite its arguments (Redis's
//! `moduleCallCommandFilters`). A filter registered with `REDISMODULE_CMDFILTER_NOSELF`
//! skips the commands its own module runs through `RedisModule_Call`.

use super::strings::RmString;
use super::{ctx_of, ERR, OK};
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use bytes::Bytes;
use coil_modules_api::consts::REDISMODULE_CMDFILTER_NOSELF;
use std::os::raw::{c_int, c_void};

/// `void (*RedisModuleCommandFilterFunc)(RedisModuleCommandFilterCtx *filter)`.
pub type FilterFunc = unsafe extern "C" fn(*mut c_void);

/// `RedisModuleCommandFilter`.
pub struct Filter {
    module: *mut Module,
    callback: FilterFunc,
    flags: c_int,
}

/// `RedisModuleCommandFilterCtx`: the arguments being filtered, as module strings.
pub struct FilterCtx {
    argv: Vec<*mut RmString>,
    client_id: u64,
}

/// Registered filters, in registration order (boxed: modules hold their addresses).
#[derive(Default)]
pub struct Filters {
    #[allow(clippy::vec_box)]
    list: Vec<Box<Filter>>,
}

impl Filters {
    /// True with no filter registered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Number of filters a module registered (`MODULE LIST`/`INFO modules`).
    pub fn count_of(&self, m: *const Module) -> usize {
        self.list
            .iter()
            .filter(|f| std::ptr::eq(f.module, m))
            .count()
    }

    /// Drops a module's filters.
    pub fn forget_module(&mut self, m: *const Module) {
        self.list.retain(|f| !std::ptr::eq(f.module, m));
    }
}

/// Runs the filters over a command's arguments; returns the arguments to run.
pub fn apply(srv: &mut Server, client_id: u64, argv: Vec<Bytes>) -> Vec<Bytes> {
    let targets: Vec<(*mut Module, FilterFunc, c_int)> = srv
        .modules
        .host
        .filters
        .list
        .iter()
        .map(|f| (f.module, f.callback, f.flags))
        .collect();
    let mut fctx = FilterCtx {
        argv: argv.iter().map(|a| RmString::create(a)).collect(),
        client_id,
    };
    for (module, cb, flags) in targets {
        // SAFETY: a filter's module is loaded while the filter is registered.
        let in_call = unsafe { module.as_ref() }.is_some_and(|m| m.ext.in_call > 0);
        if flags & REDISMODULE_CMDFILTER_NOSELF != 0 && in_call {
            continue;
        }
        // SAFETY: the module's filter with a live filter context.
        unsafe { cb(&mut fctx as *mut FilterCtx as *mut c_void) };
    }
    let out = fctx
        .argv
        .iter()
        .map(|&s| {
            // SAFETY: every entry is a live string we own a reference to.
            let b = unsafe { RmString::bytes_of(s as *const c_void) };
            Bytes::copy_from_slice(b.unwrap_or(b""))
        })
        .collect();
    for s in fctx.argv {
        // SAFETY: as above.
        unsafe { RmString::release(s) };
    }
    out
}

unsafe extern "C" fn register_command_filter(
    ctx: *mut c_void,
    callback: Option<FilterFunc>,
    flags: c_int,
) -> *mut c_void {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null_mut();
    };
    let module = c.module;
    let (Some(callback), Some(srv)) = (callback, c.server()) else {
        return std::ptr::null_mut();
    };
    let mut f = Box::new(Filter {
        module,
        callback,
        flags,
    });
    let p: *mut Filter = &mut *f;
    srv.modules.host.filters.list.push(f);
    p as *mut c_void
}

unsafe extern "C" fn unregister_command_filter(ctx: *mut c_void, filter: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    let Some(srv) = c.server() else {
        return ERR;
    };
    let list = &mut srv.modules.host.filters.list;
    let Some(i) = list
        .iter()
        .position(|f| &**f as *const Filter as *mut c_void == filter)
    else {
        return ERR;
    };
    if list[i].module != module {
        return ERR;
    }
    list.remove(i);
    OK
}

/// The filter context behind a module's pointer.
///
/// # Safety
/// `f` must be null or the live context passed to the running filter.
unsafe fn fctx<'a>(f: *mut c_void) -> Option<&'a mut FilterCtx> {
    // SAFETY: promised by the caller.
    unsafe { (f as *mut FilterCtx).as_mut() }
}

unsafe extern "C" fn command_filter_args_count(f: *mut c_void) -> c_int {
    // SAFETY: the running filter's context.
    unsafe { fctx(f) }.map_or(0, |f| f.argv.len() as c_int)
}

unsafe extern "C" fn command_filter_arg_get(f: *mut c_void, pos: c_int) -> *mut RmString {
    // SAFETY: the running filter's context.
    let Some(f) = (unsafe { fctx(f) }) else {
        return std::ptr::null_mut();
    };
    usize::try_from(pos)
        .ok()
        .and_then(|p| f.argv.get(p).copied())
        .unwrap_or(std::ptr::null_mut())
}

unsafe extern "C" fn command_filter_arg_insert(
    f: *mut c_void,
    pos: c_int,
    arg: *mut RmString,
) -> c_int {
    // SAFETY: the running filter's context.
    let Some(f) = (unsafe { fctx(f) }) else {
        return ERR;
    };
    match usize::try_from(pos) {
        Ok(p) if p <= f.argv.len() && !arg.is_null() => {
            f.argv.insert(p, arg);
            OK
        }
        _ => ERR,
    }
}

unsafe extern "C" fn command_filter_arg_replace(
    f: *mut c_void,
    pos: c_int,
    arg: *mut RmString,
) -> c_int {
    // SAFETY: the running filter's context.
    let Some(f) = (unsafe { fctx(f) }) else {
        return ERR;
    };
    match usize::try_from(pos) {
        Ok(p) if p < f.argv.len() && !arg.is_null() => {
            let old = std::mem::replace(&mut f.argv[p], arg);
            // SAFETY: we owned the replaced argument's reference.
            unsafe { RmString::release(old) };
            OK
        }
        _ => ERR,
    }
}

unsafe extern "C" fn command_filter_arg_delete(f: *mut c_void, pos: c_int) -> c_int {
    // SAFETY: the running filter's context.
    let Some(f) = (unsafe { fctx(f) }) else {
        return ERR;
    };
    match usize::try_from(pos) {
        Ok(p) if p < f.argv.len() => {
            let old = f.argv.remove(p);
            // SAFETY: we owned the deleted argument's reference.
            unsafe { RmString::release(old) };
            OK
        }
        _ => ERR,
    }
}

unsafe extern "C" fn command_filter_get_client_id(f: *mut c_void) -> u64 {
    // SAFETY: the running filter's context.
    unsafe { fctx(f) }.map_or(0, |f| f.client_id)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "RegisterCommandFilter",
        register_command_filter as *const () as usize,
    );
    r.add(
        "UnregisterCommandFilter",
        unregister_command_filter as *const () as usize,
    );
    r.add(
        "CommandFilterArgsCount",
        command_filter_args_count as *const () as usize,
    );
    r.add(
        "CommandFilterArgGet",
        command_filter_arg_get as *const () as usize,
    );
    r.add(
        "CommandFilterArgInsert",
        command_filter_arg_insert as *const () as usize,
    );
    r.add(
        "CommandFilterArgReplace",
        command_filter_arg_replace as *const () as usize,
    );
    r.add(
        "CommandFilterArgDelete",
        command_filter_arg_delete as *const () as usize,
    );
    r.add(
        "CommandFilterGetClientId",
        command_filter_get_client_id as *const () as usize,
    );
}
