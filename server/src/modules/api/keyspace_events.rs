//! Keyspace notifications for modules: `SubscribeToKeyspaceEvents`,
//! `NotifyKeyspaceEvent`, `GetNotifyKeyspaceEvents`, `GetKeyspaceNotificationFlagsAll`
//! and `AddPostNotificationJob` (module.c's "Keyspace notifications API").
//!
//! The server's notification path ([`crate::pubsub::notify_keyspace_event`]) calls
//! [`notify`] first, whatever `notify-keyspace-events` says, as Redis's
//! `notifyKeyspaceEvent` calls `moduleNotifyKeyspaceEvent`. A subscriber is not called
//! again for events its own callback causes, unless its module set
//! `REDISMODULE_OPTIONS_ALLOW_NESTED_KEYSPACE_NOTIFICATIONS`. Jobs added with
//! `AddPostNotificationJob` run once the outermost command (or expiry) is done.

use super::strings::{cstr_bytes, RmString};
use super::{ctx_of, ERR, OK};
use crate::modules::ctx::{flags as ctxf, ModuleCtx};
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use coil_modules_api::consts::{
    _REDISMODULE_NOTIFY_NEXT, REDISMODULE_OPTIONS_ALLOW_NESTED_KEYSPACE_NOTIFICATIONS,
};
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};

/// `int (*RedisModuleNotificationFunc)(ctx, type, event, key)`.
pub type NotificationFunc =
    unsafe extern "C" fn(*mut c_void, c_int, *const c_char, *mut c_void) -> c_int;
/// `void (*RedisModulePostNotificationJobFunc)(ctx, pd)`.
pub type PostJobFunc = unsafe extern "C" fn(*mut c_void, *mut c_void);
/// `void (*free_pd)(void *)`.
pub type FreePdFunc = unsafe extern "C" fn(*mut c_void);

struct Subscriber {
    module: *mut Module,
    mask: c_int,
    callback: NotificationFunc,
    active: bool,
}

struct PostJob {
    module: *mut Module,
    callback: PostJobFunc,
    pd: *mut c_void,
    free_pd: Option<FreePdFunc>,
    dbid: usize,
}

/// Subscribers and pending post-notification jobs.
#[derive(Default)]
pub struct State {
    subs: Vec<Subscriber>,
    jobs: VecDeque<PostJob>,
    running_jobs: bool,
}

impl State {
    /// True if some module subscribed to keyspace events.
    #[inline]
    pub fn has_subscribers(&self) -> bool {
        !self.subs.is_empty()
    }

    /// True with post-notification jobs waiting.
    pub fn has_jobs(&self) -> bool {
        !self.jobs.is_empty() && !self.running_jobs
    }

    /// Drops a module's subscriptions and jobs.
    pub fn forget_module(&mut self, m: *const Module) {
        self.subs.retain(|s| !std::ptr::eq(s.module, m));
        self.jobs.retain(|j| !std::ptr::eq(j.module, m));
    }
}

/// Calls the module subscribers of an event (Redis's `moduleNotifyKeyspaceEvent`).
pub fn notify(srv: &mut Server, class: u32, event: &str, key: &[u8], db: usize) {
    let class =
        (class & !(crate::config::NOTIFY_KEYSPACE | crate::config::NOTIFY_KEYEVENT)) as c_int;
    let n = srv.modules.host.keyspace.subs.len();
    let mut cevent: Option<CString> = None;
    for i in 0..n {
        let Some(s) = srv.modules.host.keyspace.subs.get(i) else {
            break;
        };
        // SAFETY: a subscriber's module is loaded while it is subscribed.
        let nested_ok = unsafe { s.module.as_ref() }.is_some_and(|m| {
            m.options & REDISMODULE_OPTIONS_ALLOW_NESTED_KEYSPACE_NOTIFICATIONS != 0
        });
        if s.mask & class == 0 || (s.active && !nested_ok) {
            continue;
        }
        let (module, callback, prev) = (s.module, s.callback, s.active);
        let ev =
            cevent.get_or_insert_with(|| CString::new(event.replace('\0', "")).unwrap_or_default());
        let ev_ptr = ev.as_ptr();
        let mut ctx = ModuleCtx::with_temp_client(srv, module);
        ctx.flags |= ctxf::KEYSPACE_NOTIFICATION;
        if let Some(c) = ctx.client() {
            c.db = db;
        }
        if let Some(s) = srv.modules.host.keyspace.subs.get_mut(i) {
            s.active = true;
        }
        let k = RmString::create(key);
        srv.lazy_expire_disabled += 1;
        // SAFETY: the module's callback with a live context, event name and key.
        unsafe { callback(ctx.as_ptr() as *mut c_void, class, ev_ptr, k as *mut c_void) };
        srv.lazy_expire_disabled -= 1;
        // SAFETY: we own the key string's reference.
        unsafe { RmString::release(k) };
        if let Some(s) = srv.modules.host.keyspace.subs.get_mut(i) {
            s.active = prev;
        }
        ctx.finish();
    }
}

/// Runs the post-notification jobs (Redis's `firePostExecutionUnitJobs`); jobs added by
/// jobs run in the same round. Not reentrant: a job's own commands do not start it.
pub fn run_post_jobs(srv: &mut Server) {
    if srv.modules.host.keyspace.jobs.is_empty() || srv.modules.host.keyspace.running_jobs {
        return;
    }
    srv.modules.host.keyspace.running_jobs = true;
    while let Some(job) = srv.modules.host.keyspace.jobs.pop_front() {
        let mut ctx = ModuleCtx::with_temp_client(srv, job.module);
        if let Some(c) = ctx.client() {
            c.db = job.dbid;
        }
        // SAFETY: the module's job with a live context and its own data.
        unsafe { (job.callback)(ctx.as_ptr() as *mut c_void, job.pd) };
        if let Some(f) = job.free_pd {
            // SAFETY: the module's free function for its own data.
            unsafe { f(job.pd) };
        }
        ctx.finish();
    }
    srv.modules.host.keyspace.running_jobs = false;
}

unsafe extern "C" fn subscribe_to_keyspace_events(
    ctx: *mut c_void,
    types: c_int,
    callback: Option<NotificationFunc>,
) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    let (Some(callback), Some(srv)) = (callback, c.server()) else {
        return ERR;
    };
    srv.modules.host.keyspace.subs.push(Subscriber {
        module,
        mask: types,
        callback,
        active: false,
    });
    OK
}

unsafe extern "C" fn notify_keyspace_event(
    ctx: *mut c_void,
    class: c_int,
    event: *const c_char,
    key: *mut c_void,
) -> c_int {
    // SAFETY: the module's context, C string and key string.
    let (Some(c), event, key) = (
        unsafe { ctx_of(ctx) },
        unsafe { cstr_bytes(event) },
        unsafe { RmString::bytes_of(key) },
    ) else {
        return ERR;
    };
    let Some(key) = key else { return ERR };
    let event = String::from_utf8_lossy(event).into_owned();
    let Some((srv, cl)) = c.server_and_client() else {
        return ERR;
    };
    let db = cl.db;
    crate::pubsub::notify_keyspace_event(srv, class as u32, &event, key, db);
    OK
}

unsafe extern "C" fn get_notify_keyspace_events() -> c_int {
    // SAFETY: only the configured flags are read, by a thread holding the lock.
    if !crate::exec_lock::held_by_current_thread() {
        return 0;
    }
    // SAFETY: the calling thread holds the execution lock.
    match unsafe { crate::modules::host::server_ptr().as_ref() } {
        Some(srv) => srv.config.notify_flags as c_int,
        None => 0,
    }
}

unsafe extern "C" fn get_keyspace_notification_flags_all() -> c_int {
    _REDISMODULE_NOTIFY_NEXT - 1
}

unsafe extern "C" fn add_post_notification_job(
    ctx: *mut c_void,
    callback: Option<PostJobFunc>,
    pd: *mut c_void,
    free_pd: Option<FreePdFunc>,
) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    let dbid = c.client().map_or(0, |cl| cl.db);
    let (Some(callback), Some(srv)) = (callback, c.server()) else {
        return ERR;
    };
    if srv.loading {
        return ERR;
    }
    srv.modules.host.keyspace.jobs.push_back(PostJob {
        module,
        callback,
        pd,
        free_pd,
        dbid,
    });
    OK
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "SubscribeToKeyspaceEvents",
        subscribe_to_keyspace_events as *const () as usize,
    );
    r.add(
        "NotifyKeyspaceEvent",
        notify_keyspace_event as *const () as usize,
    );
    r.add(
        "GetNotifyKeyspaceEvents",
        get_notify_keyspace_events as *const () as usize,
    );
    r.add(
        "GetKeyspaceNotificationFlagsAll",
        get_keyspace_notification_flags_all as *const () as usize,
    );
    r.add(
        "AddPostNotificationJob",
        add_post_notification_job as *const () as usize,
    );
}
