//! Blocking clients: `BlockClient`, `BlockClientOnKeys`, `UnblockClient` and the rest
//! of module.c's "Blocking clients from modules" section.
//!
//! A [`BlockedClient`] handle is created on the loop thread by a command and finished
//! there too; in between, module threads may reply through a thread-safe context (into
//! the handle's own reply client), set its private data and call `UnblockClient`, which
//! only marks the handle and sends it to the loop ([`crate::modules::host::Msg`]). The
//! loop then runs the reply callback on the real client, appends the replies made from
//! threads, frees the private data and unblocks the client (Redis's
//! `moduleHandleBlockedClients`). The handle stays valid until then, even if the client
//! timed out or disconnected meanwhile.

use super::strings::RmString;
use super::{ctx_of, ERR, OK};
use crate::client::{flags as cf, Client};
use crate::modules::ctx::{flags as ctxf, ModuleCtx};
use crate::modules::host::{self, Msg};
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use bytes::Bytes;
use coil_modules_api::{RedisModuleCmdFunc, RedisModuleString};
use parking_lot::Mutex;
use std::os::raw::{c_int, c_longlong, c_void};
use std::time::Instant;

/// `void (*free_privdata)(RedisModuleCtx *, void *)`.
pub type FreePrivdataFunc = unsafe extern "C" fn(*mut c_void, *mut c_void);
/// `void (*RedisModuleDisconnectFunc)(RedisModuleCtx *, RedisModuleBlockedClient *)`.
pub type DisconnectFunc = unsafe extern "C" fn(*mut c_void, *mut c_void);

/// What changes after creation, from the loop or from module threads.
struct Inner {
    /// The blocked client's id, while the handle still serves it (None once it timed
    /// out, disconnected or was never really blocked).
    client: Option<u64>,
    reply_cb: Option<RedisModuleCmdFunc>,
    timeout_cb: Option<RedisModuleCmdFunc>,
    disconnect_cb: Option<DisconnectFunc>,
    free_privdata: Option<FreePrivdataFunc>,
    privdata: *mut c_void,
    /// `UnblockClient` was called (or the client was served on a key).
    unblocked: bool,
    /// `UnblockClient` on a client blocked on keys: its timeout callback runs.
    explicit_unblock_on_keys: bool,
    measure_start: Option<Instant>,
    background_us: u64,
}

/// `RedisModuleBlockedClient`.
pub struct BlockedClient {
    /// The module that blocked the client.
    pub module: *mut Module,
    /// Id of the blocked client (thread-safe contexts report it).
    pub client_id: u64,
    /// Database selected when it blocked.
    pub dbid: usize,
    /// Blocked with `BlockClientOnKeys`.
    pub blocked_on_keys: bool,
    /// The blocked command, for its statistics.
    cmd_id: Option<usize>,
    /// Replies made from thread-safe contexts, appended to the client at the end. Used
    /// by one module thread until `UnblockClient`, then by the loop.
    pub reply_client: *mut Client,
    inner: Mutex<Inner>,
}

impl BlockedClient {
    /// The handle behind a pointer a module passed.
    ///
    /// # Safety
    /// `p` must be null or a handle from [`block`] not yet finished.
    pub unsafe fn from_ptr<'a>(p: *mut c_void) -> Option<&'a BlockedClient> {
        // SAFETY: promised by the caller.
        unsafe { (p as *const BlockedClient).as_ref() }
    }

    fn privdata(&self) -> *mut c_void {
        self.inner.lock().privdata
    }
}

impl Drop for BlockedClient {
    fn drop(&mut self) {
        if !self.reply_client.is_null() {
            // SAFETY: created with `Box::into_raw` in `block`, freed only here.
            drop(unsafe { Box::from_raw(self.reply_client) });
        }
    }
}

/// Runs a module callback `(ctx, argv, argc)` with a context built by `setup`.
fn run_cmd_callback(
    srv: *mut Server,
    client: *mut Client,
    bc: &BlockedClient,
    flags: u32,
    argv: &[Bytes],
    ready_key: Option<&[u8]>,
    cb: RedisModuleCmdFunc,
) -> c_int {
    let mut ctx = ModuleCtx::new(srv, client, bc.module, flags);
    ctx.ext.blocked_client = bc as *const BlockedClient as *mut BlockedClient;
    ctx.ext.blocked_privdata = bc.privdata();
    let key = ready_key.map(RmString::create);
    if let Some(k) = key {
        ctx.ext.blocked_ready_key = k;
    }
    let mut strs: Vec<*mut RmString> = argv.iter().map(|a| RmString::create(a)).collect();
    // SAFETY: the module's callback, called as the API specifies with a live context
    // and `argc` live strings; nothing else touches the server or client meanwhile.
    let rc = unsafe {
        cb(
            ctx.as_ptr(),
            strs.as_mut_ptr() as *mut *mut RedisModuleString,
            strs.len() as c_int,
        )
    };
    ctx.finish();
    for s in strs.into_iter().chain(key) {
        // SAFETY: we own one reference to each.
        unsafe { RmString::release(s) };
    }
    rc
}

/// The arguments a blocked client's command was called with.
fn blocked_argv(c: &Client) -> Vec<Bytes> {
    c.blocked
        .as_ref()
        .map(|b| b.argv.clone())
        .unwrap_or_default()
}

/// Redis's `updateStatsOnUnblock`: the blocked command is counted when it ends.
fn update_stats(srv: &mut Server, cmd_id: Option<usize>, us: u64, failed: bool) {
    if let Some(s) = cmd_id.and_then(|id| srv.cmd_stats.get_mut(id)) {
        s.calls += 1;
        s.usec += us;
        if failed {
            s.failed_calls += 1;
        }
        if srv.config.latency_tracking {
            s.latency.record(us * 1000);
        }
    }
    srv.stats.total_commands_processed += 1;
}

/// Redis's `moduleBlockClient`.
#[allow(clippy::too_many_arguments)]
fn block(
    ctx: *mut c_void,
    reply_cb: Option<RedisModuleCmdFunc>,
    timeout_cb: Option<RedisModuleCmdFunc>,
    free_privdata: Option<FreePrivdataFunc>,
    timeout_ms: c_longlong,
    keys: Option<Vec<Bytes>>,
    privdata: *mut c_void,
    flags: c_int,
) -> *mut BlockedClient {
    // SAFETY: the module's live context.
    let Some(mctx) = (unsafe { ctx_of(ctx) }) else {
        return std::ptr::null_mut();
    };
    let ctx_flags = mctx.flags;
    let module = mctx.module;
    let argv = mctx.ext.argv.clone();
    let srv_ptr = mctx.srv;
    let Some((srv, c)) = mctx.server_and_client() else {
        return std::ptr::null_mut();
    };
    let islua = c.has(cf::SCRIPT);
    let ismulti = !islua && c.has(cf::DENY_BLOCKING);
    let mut reply = Box::new(Client::internal(c.id, cf::MODULE));
    reply.out.resp = c.resp();
    reply.db = c.db;
    let bc = Box::new(BlockedClient {
        module,
        client_id: c.id,
        dbid: c.db,
        blocked_on_keys: keys.is_some(),
        cmd_id: srv.commands.lookup(&argv).map(|cmd| cmd.id),
        reply_client: Box::into_raw(reply),
        inner: Mutex::new(Inner {
            client: (!islua && !ismulti).then_some(c.id),
            reply_cb,
            timeout_cb,
            disconnect_cb: None,
            free_privdata,
            privdata,
            unblocked: false,
            explicit_unblock_on_keys: false,
            measure_start: None,
            background_us: 0,
        }),
    });
    // SAFETY: the module record outlives its handles (unload is refused meanwhile).
    if let Some(m) = unsafe { module.as_mut() } {
        m.ext.blocked_clients += 1;
    }
    let bcp = Box::into_raw(bc);
    // SAFETY: just created.
    let bcr = unsafe { &*bcp };
    let mut deadline = 0;
    if timeout_ms > 0 {
        let now = crate::server::unix_ms();
        if timeout_ms > i64::MAX - now {
            bcr.inner.lock().client = None;
            error_reply(srv_ptr, c, "ERR timeout is out of range");
            return bcp;
        }
        deadline = now + timeout_ms;
    }
    // A context with a client of its own (timers, events): nobody to block.
    if ctx_flags & ctxf::TEMP_CLIENT != 0 {
        bcr.inner.lock().client = None;
        return bcp;
    }
    let refusal = if islua {
        Some("ERR Blocking module command called from Lua script")
    } else if ismulti {
        Some("ERR Blocking module command called from transaction")
    } else if ctx_flags & ctxf::BLOCKED_REPLY != 0 {
        Some("ERR Blocking module command called from a Reply callback context")
    } else {
        None
    };
    if let Some(e) = refusal {
        bcr.inner.lock().client = None;
        error_reply(srv_ptr, c, e);
        return bcp;
    }
    let nokey = flags & coil_modules_api::consts::REDISMODULE_BLOCK_UNBLOCK_DELETED != 0;
    crate::blocking::block_module(
        srv,
        c,
        keys.as_deref().unwrap_or(&[]),
        deadline,
        bcp as usize,
        nokey,
        argv,
    );
    bcp
}

fn error_reply(srv: *mut Server, c: &mut Client, text: &str) {
    // SAFETY: the server of the running callback (the caller holds no other reference).
    if let Some(srv) = unsafe { srv.as_mut() } {
        srv.count_error(&super::reply::error_code(text.as_bytes()));
    }
    c.out.error(text);
}

unsafe extern "C" fn block_client(
    ctx: *mut c_void,
    reply_cb: Option<RedisModuleCmdFunc>,
    timeout_cb: Option<RedisModuleCmdFunc>,
    free_privdata: Option<FreePrivdataFunc>,
    timeout_ms: c_longlong,
) -> *mut c_void {
    block(
        ctx,
        reply_cb,
        timeout_cb,
        free_privdata,
        timeout_ms,
        None,
        std::ptr::null_mut(),
        0,
    ) as *mut c_void
}

/// Copies `n` module strings into bytes.
///
/// # Safety
/// `keys` must be null or point to `n` live strings.
unsafe fn key_list(keys: *mut *mut RmString, n: c_int) -> Vec<Bytes> {
    if keys.is_null() || n <= 0 {
        return Vec::new();
    }
    // SAFETY: promised by the caller.
    let keys = unsafe { std::slice::from_raw_parts(keys, n as usize) };
    keys.iter()
        // SAFETY: live strings.
        .filter_map(|&k| unsafe { RmString::bytes_of(k as *const c_void) })
        .map(Bytes::copy_from_slice)
        .collect()
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn block_client_on_keys_with_flags(
    ctx: *mut c_void,
    reply_cb: Option<RedisModuleCmdFunc>,
    timeout_cb: Option<RedisModuleCmdFunc>,
    free_privdata: Option<FreePrivdataFunc>,
    timeout_ms: c_longlong,
    keys: *mut *mut RmString,
    numkeys: c_int,
    privdata: *mut c_void,
    flags: c_int,
) -> *mut c_void {
    // SAFETY: the module passes `numkeys` strings.
    let keys = unsafe { key_list(keys, numkeys) };
    block(
        ctx,
        reply_cb,
        timeout_cb,
        free_privdata,
        timeout_ms,
        Some(keys),
        privdata,
        flags,
    ) as *mut c_void
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn block_client_on_keys(
    ctx: *mut c_void,
    reply_cb: Option<RedisModuleCmdFunc>,
    timeout_cb: Option<RedisModuleCmdFunc>,
    free_privdata: Option<FreePrivdataFunc>,
    timeout_ms: c_longlong,
    keys: *mut *mut RmString,
    numkeys: c_int,
    privdata: *mut c_void,
) -> *mut c_void {
    // SAFETY: forwarded as received.
    unsafe {
        block_client_on_keys_with_flags(
            ctx,
            reply_cb,
            timeout_cb,
            free_privdata,
            timeout_ms,
            keys,
            numkeys,
            privdata,
            0,
        )
    }
}

/// `BlockClientOnAuth`: module authentication callbacks (`RegisterAuthCallback`) do not
/// exist yet, so no client is ever in the middle of one; Redis then replies with this
/// error and returns NULL.
unsafe extern "C" fn block_client_on_auth(
    ctx: *mut c_void,
    _reply_cb: *mut c_void,
    _free_privdata: Option<FreePrivdataFunc>,
) -> *mut c_void {
    // SAFETY: the module's context.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        let srv = c.srv;
        if let Some(cl) = c.client() {
            error_reply(srv, cl, "ERR Module blocking client on auth when not currently undergoing module authentication");
        }
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn block_client_get_private_data(bc: *mut c_void) -> *mut c_void {
    // SAFETY: a live handle.
    match unsafe { BlockedClient::from_ptr(bc) } {
        Some(b) => b.privdata(),
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn block_client_set_private_data(bc: *mut c_void, pd: *mut c_void) {
    // SAFETY: a live handle.
    if let Some(b) = unsafe { BlockedClient::from_ptr(bc) } {
        b.inner.lock().privdata = pd;
    }
}

unsafe extern "C" fn signal_key_as_ready(ctx: *mut c_void, key: *mut RmString) {
    // SAFETY: the module's context and string.
    let (Some(c), Some(k)) = (unsafe { ctx_of(ctx) }, unsafe {
        RmString::bytes_of(key as *const c_void)
    }) else {
        return;
    };
    let Some((srv, cl)) = c.server_and_client() else {
        return;
    };
    let db = cl.db;
    crate::blocking::signal_key_as_ready(srv, db, k);
}

/// Marks the handle unblocked and sends it to the loop (Redis's
/// `moduleUnblockClientByHandle`).
fn unblock_by_handle(bc: &BlockedClient, privdata: Option<*mut c_void>) {
    {
        let mut i = bc.inner.lock();
        if !bc.blocked_on_keys {
            if let Some(p) = privdata {
                i.privdata = p;
            }
        }
        i.unblocked = true;
    }
    host::send(Msg::Unblock(bc as *const BlockedClient as usize));
}

unsafe extern "C" fn unblock_client(bc: *mut c_void, privdata: *mut c_void) -> c_int {
    // SAFETY: a live handle.
    let Some(b) = (unsafe { BlockedClient::from_ptr(bc) }) else {
        return ERR;
    };
    if b.blocked_on_keys {
        let mut i = b.inner.lock();
        if i.timeout_cb.is_none() {
            return ERR;
        }
        if i.unblocked {
            return OK;
        }
        if i.client.is_some() {
            i.explicit_unblock_on_keys = true;
        }
    }
    unblock_by_handle(b, Some(privdata));
    OK
}

unsafe extern "C" fn abort_block(bc: *mut c_void) -> c_int {
    // SAFETY: a live handle.
    let Some(b) = (unsafe { BlockedClient::from_ptr(bc) }) else {
        return ERR;
    };
    {
        let mut i = b.inner.lock();
        i.reply_cb = None;
        i.disconnect_cb = None;
    }
    // SAFETY: the same handle.
    unsafe { unblock_client(bc, std::ptr::null_mut()) }
}

unsafe extern "C" fn set_disconnect_callback(bc: *mut c_void, cb: Option<DisconnectFunc>) {
    // SAFETY: a live handle.
    if let Some(b) = unsafe { BlockedClient::from_ptr(bc) } {
        b.inner.lock().disconnect_cb = cb;
    }
}

fn ctx_flag(ctx: *mut c_void, flag: u32) -> c_int {
    // SAFETY: the module's context.
    c_int::from(unsafe { ctx_of(ctx) }.is_some_and(|c| c.flags & flag != 0))
}

unsafe extern "C" fn is_blocked_reply_request(ctx: *mut c_void) -> c_int {
    ctx_flag(ctx, ctxf::BLOCKED_REPLY)
}

unsafe extern "C" fn is_blocked_timeout_request(ctx: *mut c_void) -> c_int {
    ctx_flag(ctx, ctxf::BLOCKED_TIMEOUT)
}

unsafe extern "C" fn blocked_client_disconnected(ctx: *mut c_void) -> c_int {
    ctx_flag(ctx, ctxf::BLOCKED_DISCONNECTED)
}

unsafe extern "C" fn get_blocked_client_private_data(ctx: *mut c_void) -> *mut c_void {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) } {
        Some(c) => c.ext.blocked_privdata,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_blocked_client_ready_key(ctx: *mut c_void) -> *mut RmString {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) } {
        Some(c) => c.ext.blocked_ready_key,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_blocked_client_handle(ctx: *mut c_void) -> *mut c_void {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) } {
        Some(c) => c.ext.blocked_client as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn measure_time_start(bc: *mut c_void) -> c_int {
    // SAFETY: a live handle.
    let Some(b) = (unsafe { BlockedClient::from_ptr(bc) }) else {
        return ERR;
    };
    let mut i = b.inner.lock();
    if i.measure_start.is_some() {
        return ERR;
    }
    i.measure_start = Some(Instant::now());
    OK
}

unsafe extern "C" fn measure_time_end(bc: *mut c_void) -> c_int {
    // SAFETY: a live handle.
    let Some(b) = (unsafe { BlockedClient::from_ptr(bc) }) else {
        return ERR;
    };
    let mut i = b.inner.lock();
    match i.measure_start.take() {
        Some(t) => {
            i.background_us += t.elapsed().as_micros() as u64;
            OK
        }
        None => ERR,
    }
}

/// The free-privdata callback (Redis's `moduleInvokeFreePrivDataCallback`).
fn invoke_free_privdata(srv: *mut Server, client: *mut Client, bc: &BlockedClient) {
    let (pd, f) = {
        let i = bc.inner.lock();
        (i.privdata, i.free_privdata)
    };
    let Some(f) = f else { return };
    if pd.is_null() {
        return;
    }
    let fl = if client.is_null() {
        ctxf::BLOCKED_DISCONNECTED
    } else {
        0
    };
    let mut ctx = ModuleCtx::new(srv, client, bc.module, fl);
    ctx.ext.blocked_privdata = pd;
    // SAFETY: the module's callback with a live context and its own private data.
    unsafe { f(ctx.as_ptr() as *mut c_void, pd) };
    ctx.finish();
}

/// Redis's `moduleBlockedClientTimedOut`: the timeout callback, then the statistics.
fn timed_out(srv: &mut Server, c: &mut Client, bc: &BlockedClient) {
    let before = srv.stats.total_error_replies;
    let cb = bc.inner.lock().timeout_cb;
    if let Some(cb) = cb {
        let argv = blocked_argv(c);
        run_cmd_callback(srv, c, bc, ctxf::BLOCKED_TIMEOUT, &argv, None, cb);
    }
    let (bg, failed) = (
        bc.inner.lock().background_us,
        srv.stats.total_error_replies != before,
    );
    update_stats(srv, bc.cmd_id, bg, failed);
    bc.inner.lock().disconnect_cb = None;
}

/// The client's block timed out (or `CLIENT UNBLOCK ... TIMEOUT`): runs the timeout
/// callback. False if the handle was already unblocked by the module, in which case the
/// client stays blocked until the loop finishes it (Redis's `unblockClientOnTimeout`).
pub fn reply_timed_out(srv: &mut Server, c: &mut Client, handle: usize) -> bool {
    // SAFETY: a client's module block holds a live handle.
    let Some(bc) = (unsafe { BlockedClient::from_ptr(handle as *mut c_void) }) else {
        return true;
    };
    if bc.inner.lock().unblocked {
        return false;
    }
    timed_out(srv, c, bc);
    true
}

/// Whether `CLIENT UNBLOCK` may unblock this client (Redis's
/// `moduleBlockedClientMayTimeout`): only with a timeout callback.
pub fn may_timeout(handle: usize) -> bool {
    // SAFETY: a client's module block holds a live handle.
    unsafe { BlockedClient::from_ptr(handle as *mut c_void) }
        .is_some_and(|b| b.inner.lock().timeout_cb.is_some())
}

/// The client leaves its module block for any reason (Redis's
/// `unblockClientFromModule`): the disconnect callback if still set (a real disconnect
/// or `CLIENT UNBLOCK ... ERROR`), the handle of a key block queued for freeing, and the
/// handle no longer serves the client.
pub fn unblocked_from_module(srv: &mut Server, c: &mut Client, handle: usize) {
    // SAFETY: a client's module block holds a live handle.
    let Some(bc) = (unsafe { BlockedClient::from_ptr(handle as *mut c_void) }) else {
        return;
    };
    let dcb = bc.inner.lock().disconnect_cb;
    if let Some(dcb) = dcb {
        let mut ctx = ModuleCtx::new(srv, c, bc.module, 0);
        ctx.ext.blocked_privdata = bc.privdata();
        // SAFETY: the module's callback with a live context and its own handle.
        unsafe { dcb(ctx.as_ptr() as *mut c_void, handle as *mut c_void) };
        ctx.finish();
    }
    let queue = {
        let i = bc.inner.lock();
        bc.blocked_on_keys && !i.unblocked
    };
    if queue {
        unblock_by_handle(bc, None);
    }
    bc.inner.lock().client = None;
}

/// A key the client waits on is ready: the reply callback decides whether it is
/// served (Redis's `moduleTryServeClientBlockedOnKey` and `moduleUnblockClientOnKey`).
pub fn try_serve_on_key(srv: &mut Server, c: &mut Client, handle: usize, key: &[u8]) -> bool {
    // SAFETY: a client's module block holds a live handle.
    let Some(bc) = (unsafe { BlockedClient::from_ptr(handle as *mut c_void) }) else {
        return false;
    };
    let (unblocked, cb) = {
        let i = bc.inner.lock();
        (i.unblocked, i.reply_cb)
    };
    if unblocked {
        return false;
    }
    let Some(cb) = cb else { return false };
    let before = srv.stats.total_error_replies;
    let start = Instant::now();
    let argv = blocked_argv(c);
    let prev = srv.current_client.replace(c.id);
    let rc = run_cmd_callback(srv, c, bc, ctxf::BLOCKED_REPLY, &argv, Some(key), cb);
    srv.current_client = prev;
    if rc != OK {
        return false;
    }
    let failed = srv.stats.total_error_replies != before;
    update_stats(srv, bc.cmd_id, start.elapsed().as_micros() as u64, failed);
    unblock_by_handle(bc, None);
    true
}

/// Finishes a handle the module unblocked (Redis's `moduleHandleBlockedClients` for
/// one handle): reply callback, timeout callback for an explicit unblock on keys,
/// private data, replies from threads, statistics, and the client is unblocked.
pub fn finish_unblocked(srv: &mut Server, handle: usize) {
    let bcp = handle as *mut BlockedClient;
    // SAFETY: handles are sent once, by `unblock_by_handle`, and live until here.
    let Some(bc) = (unsafe { bcp.as_ref() }) else {
        return;
    };
    let (client_id, reply_cb, explicit) = {
        let i = bc.inner.lock();
        (i.client, i.reply_cb, i.explicit_unblock_on_keys)
    };
    // The client, if it is still blocked by this handle.
    let slot = client_id.and_then(|id| srv.clients.slot_of(id));
    let mut client = slot.and_then(|s| srv.clients.take(s));
    if let Some(c) = &client {
        if c.blocked.as_ref().and_then(|b| b.module) != Some(handle) {
            if let Some(c) = client.take() {
                srv.clients.put_back(c);
            }
        }
    }
    let srv_ptr: *mut Server = srv;
    let before = srv.stats.total_error_replies;
    let mut reply_us = 0;
    if let Some(c) = client.as_deref_mut() {
        if !bc.blocked_on_keys {
            if let Some(cb) = reply_cb {
                let start = Instant::now();
                let argv = blocked_argv(c);
                let prev = srv.current_client.replace(c.id);
                run_cmd_callback(srv_ptr, c, bc, ctxf::BLOCKED_REPLY, &argv, None, cb);
                srv.current_client = prev;
                reply_us = start.elapsed().as_micros() as u64;
            }
        }
        if explicit {
            timed_out(srv, c, bc);
        }
    }
    let cptr: *mut Client = client
        .as_deref_mut()
        .map_or(std::ptr::null_mut(), |c| c as *mut Client);
    invoke_free_privdata(srv_ptr, cptr, bc);
    if let Some(c) = client.as_deref_mut() {
        // SAFETY: the loop owns the reply client now (the module unblocked the handle).
        if let Some(rc) = unsafe { bc.reply_client.as_mut() } {
            let buf = std::mem::take(&mut rc.out.buf);
            if !buf.is_empty() {
                // Errors replied from threads are counted now (Redis's
                // `deferredAfterErrorReply`).
                let parsed =
                    super::call_reply::CallReply::parse_root(buf.clone(), std::ptr::null_mut());
                for code in parsed.error_codes() {
                    srv.count_error(&code);
                }
                c.out.raw(&buf);
            }
        }
        if !bc.blocked_on_keys {
            let bg = bc.inner.lock().background_us;
            let failed = srv.stats.total_error_replies != before;
            update_stats(srv, bc.cmd_id, bg + reply_us, failed);
        }
        bc.inner.lock().disconnect_cb = None;
        crate::blocking::unblock(srv, c);
        srv.unblocked.push(c.id);
    }
    if let Some(c) = client {
        let slot = c.slot;
        srv.clients.put_back(c);
        srv.mark_pending_write(slot);
        // Replies glued from threads may exceed the output buffer limits.
        if crate::limits::output_over_limit(srv, slot) {
            if let Some(c) = srv.clients.get_mut(slot) {
                tracing::warn!(
                    "Client id={} addr={} closed for overcoming of output buffer limits.",
                    c.id,
                    c.addr
                );
                c.flags |= crate::client::flags::CLOSE_ASAP;
                let id = c.id;
                srv.stats.client_outbuf_limit_disconnections += 1;
                srv.to_close.push(id);
            }
        }
    }
    // SAFETY: the module record outlives its handles.
    if let Some(m) = unsafe { bc.module.as_mut() } {
        m.ext.blocked_clients = m.ext.blocked_clients.saturating_sub(1);
    }
    // SAFETY: created with `Box::into_raw` in `block`; this was its last use.
    drop(unsafe { Box::from_raw(bcp) });
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("BlockClient", block_client as *const () as usize);
    r.add(
        "BlockClientOnKeys",
        block_client_on_keys as *const () as usize,
    );
    r.add(
        "BlockClientOnKeysWithFlags",
        block_client_on_keys_with_flags as *const () as usize,
    );
    r.add(
        "BlockClientOnAuth",
        block_client_on_auth as *const () as usize,
    );
    r.add(
        "BlockClientGetPrivateData",
        block_client_get_private_data as *const () as usize,
    );
    r.add(
        "BlockClientSetPrivateData",
        block_client_set_private_data as *const () as usize,
    );
    r.add(
        "SignalKeyAsReady",
        signal_key_as_ready as *const () as usize,
    );
    r.add("UnblockClient", unblock_client as *const () as usize);
    r.add("AbortBlock", abort_block as *const () as usize);
    r.add(
        "SetDisconnectCallback",
        set_disconnect_callback as *const () as usize,
    );
    r.add(
        "IsBlockedReplyRequest",
        is_blocked_reply_request as *const () as usize,
    );
    r.add(
        "IsBlockedTimeoutRequest",
        is_blocked_timeout_request as *const () as usize,
    );
    r.add(
        "GetBlockedClientPrivateData",
        get_blocked_client_private_data as *const () as usize,
    );
    r.add(
        "GetBlockedClientReadyKey",
        get_blocked_client_ready_key as *const () as usize,
    );
    r.add(
        "GetBlockedClientHandle",
        get_blocked_client_handle as *const () as usize,
    );
    r.add(
        "BlockedClientDisconnected",
        blocked_client_disconnected as *const () as usize,
    );
    r.add(
        "BlockedClientMeasureTimeStart",
        measure_time_start as *const () as usize,
    );
    r.add(
        "BlockedClientMeasureTimeEnd",
        measure_time_end as *const () as usize,
    );
}
