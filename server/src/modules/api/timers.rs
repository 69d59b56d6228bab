//! Timers: `CreateTimer`, `StopTimer`, `GetTimerInfo` (module.c's "Modules Timers API").
//!
//! Timers are kept by expiry time in microseconds (Redis's rax of timers); the id a
//! module receives is that time in network byte order, as Redis hands it out. The loop
//! fires due timers after its file events and sleeps no longer than the next one.

use super::{ctx_of, ERR, OK};
use crate::modules::ctx::ModuleCtx;
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use std::collections::BTreeMap;
use std::os::raw::{c_int, c_longlong, c_void};

/// `void (*RedisModuleTimerProc)(RedisModuleCtx *ctx, void *data)`.
pub type TimerProc = unsafe extern "C" fn(*mut c_void, *mut c_void);

/// One pending timer.
#[derive(Clone, Copy)]
struct Timer {
    module: *mut Module,
    callback: TimerProc,
    data: *mut c_void,
    dbid: usize,
}

/// Pending module timers, by expiry (Unix microseconds, unique).
#[derive(Default)]
pub struct Timers {
    map: BTreeMap<u64, Timer>,
}

impl Timers {
    /// True with no timer pending.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Time until the next timer is due.
    pub fn next_in(&self) -> Option<std::time::Duration> {
        let (&when, _) = self.map.iter().next()?;
        let now = crate::server::unix_us() as u64;
        Some(std::time::Duration::from_micros(when.saturating_sub(now)))
    }

    /// True if `m` has a timer pending (`MODULE UNLOAD` refuses then).
    pub fn held_by(&self, m: *const Module) -> bool {
        self.map.values().any(|t| std::ptr::eq(t.module, m))
    }

    /// Drops a module's timers (its load failed).
    pub fn forget_module(&mut self, m: *const Module) {
        self.map.retain(|_, t| !std::ptr::eq(t.module, m));
    }
}

/// Fires the timers due now, earliest first; timers created by their callbacks wait
/// for the next round (Redis's `moduleTimerHandler`).
pub fn fire_due(srv: &mut Server) {
    let now = crate::server::unix_us() as u64;
    let due: Vec<u64> = srv
        .modules
        .host
        .timers
        .map
        .range(..=now)
        .map(|(k, _)| *k)
        .collect();
    for key in due {
        let Some(t) = srv.modules.host.timers.map.get(&key).copied() else {
            continue;
        };
        let mut ctx = ModuleCtx::with_temp_client(srv, t.module);
        if let Some(c) = ctx.client() {
            c.db = t.dbid;
        }
        // SAFETY: the module's timer callback with a live context and its own data.
        unsafe { (t.callback)(ctx.as_ptr() as *mut c_void, t.data) };
        ctx.finish();
        drop(ctx);
        srv.modules.host.timers.map.remove(&key);
    }
}

unsafe extern "C" fn create_timer(
    ctx: *mut c_void,
    period: c_longlong,
    callback: Option<TimerProc>,
    data: *mut c_void,
) -> u64 {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return 0;
    };
    let Some(callback) = callback else {
        return 0;
    };
    let module = c.module;
    let dbid = c.client().map_or(0, |cl| cl.db);
    let Some(srv) = c.server() else {
        return 0;
    };
    let mut when =
        (crate::server::unix_us() as u64).saturating_add_signed(period.saturating_mul(1000));
    while srv.modules.host.timers.map.contains_key(&when) {
        when += 1;
    }
    srv.modules.host.timers.map.insert(
        when,
        Timer {
            module,
            callback,
            data,
            dbid,
        },
    );
    when.to_be()
}

/// The timer `id` if it belongs to the context's module.
fn own_timer(ctx: *mut c_void, id: u64) -> Option<(&'static mut Server, u64, Timer)> {
    // SAFETY: the module's context.
    let c = unsafe { ctx_of(ctx) }?;
    let module = c.module;
    let srv: *mut Server = c.server()?;
    // SAFETY: the server of the running callback; nothing else holds it meanwhile.
    let srv = unsafe { &mut *srv };
    let key = u64::from_be(id);
    let t = *srv.modules.host.timers.map.get(&key)?;
    (t.module == module).then_some((srv, key, t))
}

unsafe extern "C" fn stop_timer(ctx: *mut c_void, id: u64, data: *mut *mut c_void) -> c_int {
    let Some((srv, key, t)) = own_timer(ctx, id) else {
        return ERR;
    };
    if !data.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *data = t.data };
    }
    srv.modules.host.timers.map.remove(&key);
    OK
}

unsafe extern "C" fn get_timer_info(
    ctx: *mut c_void,
    id: u64,
    remaining: *mut u64,
    data: *mut *mut c_void,
) -> c_int {
    let Some((_, key, t)) = own_timer(ctx, id) else {
        return ERR;
    };
    if !remaining.is_null() {
        let rem = key as i64 - crate::server::unix_us();
        // SAFETY: the module's out pointer.
        unsafe { *remaining = (rem.max(0) / 1000) as u64 };
    }
    if !data.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *data = t.data };
    }
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("CreateTimer", create_timer as *const () as usize);
    r.add("StopTimer", stop_timer as *const () as usize);
    r.add("GetTimerInfo", get_timer_info as *const () as usize);
}
