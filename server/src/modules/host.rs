//! The module host at run time: what the event loop does for modules between commands
//! (Redis's `moduleHandleBlockedClients`, module timers, one-shot events, event-loop
//! file events, post-notification jobs) and the state that backs the thread-safe parts
//! of the API.
//!
//! Module threads never touch the server here: `UnblockClient` and `EventLoopAddOneShot`
//! send a [`Msg`] on a channel and wake the loop, which handles it under the execution
//! lock. Everything else runs on the loop thread (or on a module thread that holds the
//! execution lock).

use super::api;
use super::Module;
use crate::server::Server;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, OnceLock};

/// A message from any thread to the loop.
pub enum Msg {
    /// `UnblockClient` / `AbortBlock`: the handle is ready to be finished.
    Unblock(usize),
    /// `EventLoopAddOneShot`: call `func(data)` on the loop thread.
    OneShot(api::event_loop::OneShotFunc, usize),
}

struct Channel {
    tx: crossbeam_channel::Sender<Msg>,
    rx: crossbeam_channel::Receiver<Msg>,
}

fn channel() -> &'static Channel {
    static CH: OnceLock<Channel> = OnceLock::new();
    CH.get_or_init(|| {
        let (tx, rx) = crossbeam_channel::unbounded();
        Channel { tx, rx }
    })
}

static WAKER: OnceLock<Arc<mio::Waker>> = OnceLock::new();
static REGISTRY: OnceLock<mio::Registry> = OnceLock::new();
/// The server, as the loop last handed it over: thread-safe contexts reach it through
/// this pointer, and only while their thread holds the execution lock.
static SERVER: AtomicPtr<Server> = AtomicPtr::new(std::ptr::null_mut());

/// Gives the module host the loop's waker and a handle on its poll registry (for
/// `EventLoopAdd`). Called once when the loop is created.
pub fn install_loop(waker: Arc<mio::Waker>, registry: Option<mio::Registry>) {
    let _ = WAKER.set(waker);
    if let Some(r) = registry {
        let _ = REGISTRY.set(r);
    }
}

/// The loop's poll registry, once the loop exists.
pub fn registry() -> Option<&'static mio::Registry> {
    REGISTRY.get()
}

/// Sends a message to the loop and wakes it. Callable from any thread.
pub fn send(msg: Msg) {
    let _ = channel().tx.send(msg);
    wake();
}

/// Wakes the loop (from any thread).
pub fn wake() {
    if let Some(w) = WAKER.get() {
        let _ = w.wake();
    }
}

/// Number of databases (immutable configuration), for threads without the lock.
static NUM_DBS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(16);

/// Records where the server is (the loop calls this each time it takes the lock).
pub fn set_server(srv: &mut Server) {
    NUM_DBS.store(srv.dbs.len(), Ordering::Relaxed);
    SERVER.store(srv, Ordering::Release);
}

/// Number of databases.
pub fn num_dbs() -> usize {
    NUM_DBS.load(Ordering::Relaxed)
}

/// Records the server pointer a module command's context was given (derived from the
/// command's own borrow, so context-free API functions use the same one).
pub fn set_server_ptr(srv: *mut Server) {
    SERVER.store(srv, Ordering::Release);
}

/// The server pointer for contexts created without one (thread-safe contexts).
pub fn server_ptr() -> *mut Server {
    SERVER.load(Ordering::Acquire)
}

/// Host state kept in the server ([`crate::modules::Modules`]).
#[derive(Default)]
pub struct HostState {
    /// Module timers.
    pub timers: api::timers::Timers,
    /// File descriptors registered with `EventLoopAdd`.
    pub fds: api::event_loop::Fds,
    /// Keyspace-event subscribers and post-notification jobs.
    pub keyspace: api::keyspace_events::State,
    /// Server-event listeners.
    pub events: api::server_events::Listeners,
    /// Command filters.
    pub filters: api::filters::Filters,
    /// Module configurations, in registration order.
    pub configs: api::configs::Configs,
}

/// Per-module state of this phase's API groups (kept in [`Module`]).
#[derive(Default)]
pub struct ModuleExt {
    /// Blocked-client handles not yet finished (refuses `MODULE UNLOAD`).
    pub blocked_clients: usize,
    /// `RegisterInfoFunc`.
    pub info_func: Option<api::info::InfoFunc>,
    /// True once `LoadConfigs` ran.
    pub configs_loaded: bool,
    /// Server-event callbacks running (Redis's `in_hook`).
    pub in_hook: u32,
    /// `RedisModule_Call`s running (filters with `NOSELF` skip their commands).
    pub in_call: u32,
}

/// Per-context state of this phase's API groups (kept in [`super::ctx::ModuleCtx`]).
pub struct CtxExt {
    /// The blocked client this context serves (reply, timeout, thread-safe contexts).
    pub blocked_client: *mut api::blocking::BlockedClient,
    /// `GetBlockedClientPrivateData`.
    pub blocked_privdata: *mut c_void,
    /// `GetBlockedClientReadyKey`.
    pub blocked_ready_key: *mut api::strings::RmString,
    /// The arguments of the command being served (for `BlockClient`).
    pub argv: Vec<bytes::Bytes>,
    /// `GetServerInfo` data freed with the context (auto memory).
    pub auto_info: Vec<*mut api::info::ServerInfo>,
}

impl Default for CtxExt {
    fn default() -> Self {
        CtxExt {
            blocked_client: std::ptr::null_mut(),
            blocked_privdata: std::ptr::null_mut(),
            blocked_ready_key: std::ptr::null_mut(),
            argv: Vec::new(),
            auto_info: Vec::new(),
        }
    }
}

/// Right after the loop takes the lock back from `poll()`.
pub fn after_sleep(srv: &mut Server) {
    set_server(srv);
    if !srv.modules.is_empty() {
        api::server_events::fire_eventloop(srv, false);
    }
}

/// The loop's time events: module timers that are due.
pub fn time_events(srv: &mut Server) {
    if !srv.modules.host.timers.is_empty() {
        api::timers::fire_due(srv);
    }
    api::fork::check_child_done(srv);
}

/// Redis's `blockedBeforeSleep` part for modules: keys signaled by timers or threads,
/// handles unblocked by modules, one-shot events, post-notification jobs.
pub fn blocked_before_sleep(srv: &mut Server) {
    set_server(srv);
    if !srv.blocking.ready.is_empty() {
        crate::blocking::handle_ready_keys(srv);
    }
    handle_messages(srv);
    api::keyspace_events::run_post_jobs(srv);
}

/// Just before the loop sleeps.
pub fn before_sleep(srv: &mut Server) {
    if !srv.modules.is_empty() {
        api::server_events::fire_eventloop(srv, true);
    }
}

/// Handles every message queued by module threads.
pub fn handle_messages(srv: &mut Server) {
    while let Ok(msg) = channel().rx.try_recv() {
        match msg {
            Msg::Unblock(h) => api::blocking::finish_unblocked(srv, h),
            Msg::OneShot(f, data) => {
                // SAFETY: the module asked for this call on the main thread, which holds
                // the execution lock now.
                unsafe { f(data as *mut c_void) };
            }
        }
    }
}

/// True if messages wait for the loop (it must not sleep).
pub fn has_messages() -> bool {
    !channel().rx.is_empty()
}

/// How long the loop may sleep for the module host: the next timer, or zero with work
/// pending.
pub fn poll_deadline(srv: &Server) -> Option<std::time::Duration> {
    if has_messages() || srv.modules.host.keyspace.has_jobs() {
        return Some(std::time::Duration::ZERO);
    }
    srv.modules.host.timers.next_in()
}

/// A readiness event for a descriptor registered with `EventLoopAdd`.
pub fn on_fd_event(srv: &mut Server, token: usize, readable: bool, writable: bool) {
    api::event_loop::on_event(srv, token, readable, writable);
}

/// Why `MODULE UNLOAD` must refuse, beyond phase 1's checks (Redis's texts).
pub fn unload_refusal(srv: &Server, m: &Module) -> Option<&'static str> {
    if m.ext.blocked_clients > 0 {
        return Some(
            "the module has blocked clients. Please wait for them to be unblocked and try again",
        );
    }
    let mp: *const Module = m;
    if srv.modules.host.timers.held_by(mp) {
        return Some(
            "the module holds timer that is not fired. Please stop the timer or wait until it fires.",
        );
    }
    None
}

/// Removes everything a module registered with this phase's API groups (on unload, or
/// when its `OnLoad` failed).
pub fn forget_module(srv: &mut Server, m: *const Module) {
    let h = &mut srv.modules.host;
    h.timers.forget_module(m);
    h.keyspace.forget_module(m);
    h.events.forget_module(m);
    h.filters.forget_module(m);
    h.configs.forget_module(m);
}

/// Frees what a context's auto memory holds for this phase's groups (called by
/// [`super::ctx::ModuleCtx::finish`]).
pub fn finish_ctx(ext: &mut CtxExt) {
    for p in std::mem::take(&mut ext.auto_info) {
        // SAFETY: pool entries are live server-info data not freed by the module
        // (`FreeServerInfo` removes its entry).
        unsafe { api::info::free_server_info_data(p) };
    }
}

thread_local! {
    /// Clients whose module command is running (out of the client table meanwhile).
    static RUNNING: std::cell::RefCell<Vec<*mut crate::client::Client>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A module command starts running for `c` (see [`running_client`]).
pub fn push_running(c: *mut crate::client::Client) {
    RUNNING.with(|r| r.borrow_mut().push(c));
}

/// The module command started by the last [`push_running`] returned.
pub fn pop_running() {
    RUNNING.with(|r| {
        r.borrow_mut().pop();
    });
}

/// A client running a module command, by id (the client table does not hold it then).
pub fn running_client(id: u64) -> Option<&'static mut crate::client::Client> {
    let p = RUNNING.with(|r| {
        r.borrow()
            .iter()
            .rev()
            .copied()
            // SAFETY: pointers are pushed for the length of a module command, whose
            // client outlives it.
            .find(|&c| unsafe { c.as_ref() }.is_some_and(|c| c.id == id))
    })?;
    // SAFETY: as above; the loop thread runs the command and calls this.
    unsafe { p.as_mut() }
}
