//! Server events: `SubscribeToServerEvent` and `IsSubEventSupported` (module.c's
//! "Server hooks implementation"), and the functions the server calls where Redis
//! calls `moduleFireServerEvent`.
//!
//! Fired: flush (start/end), client change (connected/disconnected), shutdown, cron
//! loop, module change (loaded/unloaded), config change, swapdb, event loop (before and
//! after sleep), fork child (born/died, for module forks). Not fired because Coil has no
//! such machinery yet: replication role, replica and master-link changes, persistence,
//! loading and loading progress, replication backup and async load, and key events
//! (these need module keys opened on the deleted value, which come with the key API
//! group).

use super::{ctx_of, ERR, OK};
use crate::client::{flags as cf, Client};
use crate::modules::ctx::ModuleCtx;
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use coil_modules_api::consts::*;
use coil_modules_api::RedisModuleEvent;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};

/// `void (*RedisModuleEventCallback)(ctx, RedisModuleEvent eid, uint64_t subevent, void *data)`.
pub type EventCallback = unsafe extern "C" fn(*mut c_void, RedisModuleEvent, u64, *mut c_void);

struct Listener {
    module: *mut Module,
    event: RedisModuleEvent,
    callback: EventCallback,
}

/// Server-event listeners, in subscription order.
#[derive(Default)]
pub struct Listeners {
    list: Vec<Listener>,
}

impl Listeners {
    /// Drops a module's listeners.
    pub fn forget_module(&mut self, m: *const Module) {
        self.list.retain(|l| !std::ptr::eq(l.module, m));
    }

    fn any(&self, id: i32) -> bool {
        self.list.iter().any(|l| l.event.id == id as u64)
    }
}

/// Highest data version per event id (`u64::MAX`: events with no data structure).
fn max_version(id: u64) -> Option<u64> {
    const ANY: u64 = u64::MAX;
    Some(match id as i32 {
        REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED => 1,
        REDISMODULE_EVENT_PERSISTENCE => ANY,
        REDISMODULE_EVENT_FLUSHDB => 1,
        REDISMODULE_EVENT_LOADING => ANY,
        REDISMODULE_EVENT_CLIENT_CHANGE => 1,
        REDISMODULE_EVENT_SHUTDOWN => ANY,
        REDISMODULE_EVENT_REPLICA_CHANGE => ANY,
        REDISMODULE_EVENT_MASTER_LINK_CHANGE => ANY,
        REDISMODULE_EVENT_CRON_LOOP => 1,
        REDISMODULE_EVENT_MODULE_CHANGE => 1,
        REDISMODULE_EVENT_LOADING_PROGRESS => 1,
        REDISMODULE_EVENT_SWAPDB => 1,
        REDISMODULE_EVENT_REPL_BACKUP => ANY,
        REDISMODULE_EVENT_FORK_CHILD => ANY,
        REDISMODULE_EVENT_REPL_ASYNC_LOAD => ANY,
        REDISMODULE_EVENT_EVENTLOOP => ANY,
        REDISMODULE_EVENT_CONFIG => ANY,
        REDISMODULE_EVENT_KEY => 1,
        _ => return None,
    })
}

unsafe extern "C" fn subscribe_to_server_event(
    ctx: *mut c_void,
    event: RedisModuleEvent,
    callback: Option<EventCallback>,
) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    if module.is_null() {
        return ERR;
    }
    match max_version(event.id) {
        Some(v) if event.dataver <= v => {}
        _ => return ERR,
    }
    let Some(srv) = c.server() else {
        return ERR;
    };
    let list = &mut srv.modules.host.events.list;
    if let Some(i) = list
        .iter()
        .position(|l| l.module == module && l.event.id == event.id)
    {
        match callback {
            None => {
                list.remove(i);
            }
            Some(cb) => list[i].callback = cb,
        }
        return OK;
    }
    if let Some(callback) = callback {
        list.push(Listener {
            module,
            event,
            callback,
        });
    }
    OK
}

unsafe extern "C" fn is_sub_event_supported(event: RedisModuleEvent, sub: i64) -> c_int {
    let next = match event.id as i32 {
        REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED => _REDISMODULE_EVENT_REPLROLECHANGED_NEXT,
        REDISMODULE_EVENT_PERSISTENCE => _REDISMODULE_SUBEVENT_PERSISTENCE_NEXT,
        REDISMODULE_EVENT_FLUSHDB => _REDISMODULE_SUBEVENT_FLUSHDB_NEXT,
        REDISMODULE_EVENT_LOADING => _REDISMODULE_SUBEVENT_LOADING_NEXT,
        REDISMODULE_EVENT_CLIENT_CHANGE => _REDISMODULE_SUBEVENT_CLIENT_CHANGE_NEXT,
        REDISMODULE_EVENT_SHUTDOWN => _REDISMODULE_SUBEVENT_SHUTDOWN_NEXT,
        // Redis compares with the role-change bound here too.
        REDISMODULE_EVENT_REPLICA_CHANGE => _REDISMODULE_EVENT_REPLROLECHANGED_NEXT,
        REDISMODULE_EVENT_MASTER_LINK_CHANGE => _REDISMODULE_SUBEVENT_MASTER_NEXT,
        REDISMODULE_EVENT_CRON_LOOP => _REDISMODULE_SUBEVENT_CRON_LOOP_NEXT,
        REDISMODULE_EVENT_MODULE_CHANGE => _REDISMODULE_SUBEVENT_MODULE_NEXT,
        REDISMODULE_EVENT_LOADING_PROGRESS => _REDISMODULE_SUBEVENT_LOADING_PROGRESS_NEXT,
        REDISMODULE_EVENT_SWAPDB => _REDISMODULE_SUBEVENT_SWAPDB_NEXT,
        REDISMODULE_EVENT_REPL_ASYNC_LOAD => _REDISMODULE_SUBEVENT_REPL_ASYNC_LOAD_NEXT,
        REDISMODULE_EVENT_FORK_CHILD => _REDISMODULE_SUBEVENT_FORK_CHILD_NEXT,
        REDISMODULE_EVENT_EVENTLOOP => _REDISMODULE_SUBEVENT_EVENTLOOP_NEXT,
        REDISMODULE_EVENT_CONFIG => _REDISMODULE_SUBEVENT_CONFIG_NEXT,
        REDISMODULE_EVENT_KEY => _REDISMODULE_SUBEVENT_KEY_NEXT,
        _ => return 0,
    };
    c_int::from(sub < i64::from(next))
}

/// Calls every listener of `id` (Redis's `moduleFireServerEvent`). `data` builds the
/// payload for a listener (given its module), or returns None to skip it; `client` is
/// the client handed to client-change listeners instead of a temporary one.
fn fire(
    srv: &mut Server,
    id: i32,
    sub: i32,
    client: *mut Client,
    db: Option<usize>,
    mut data: impl FnMut(*mut Module) -> Option<*mut c_void>,
) {
    if !srv.modules.host.events.any(id) {
        return;
    }
    let targets: Vec<(*mut Module, RedisModuleEvent, EventCallback)> = srv
        .modules
        .host
        .events
        .list
        .iter()
        .filter(|l| l.event.id == id as u64)
        .map(|l| (l.module, l.event, l.callback))
        .collect();
    for (module, event, cb) in targets {
        let Some(payload) = data(module) else {
            continue;
        };
        let mut ctx = if client.is_null() {
            let mut ctx = ModuleCtx::with_temp_client(srv, module);
            if let (Some(db), Some(c)) = (db, ctx.client()) {
                c.db = db;
            }
            ctx
        } else {
            Box::new(ModuleCtx::new(srv, client, module, 0))
        };
        // SAFETY: the listener's module is loaded while it listens.
        if let Some(m) = unsafe { module.as_mut() } {
            m.ext.in_hook += 1;
        }
        // SAFETY: the module's callback with a live context and payload.
        unsafe { cb(ctx.as_ptr() as *mut c_void, event, sub as u64, payload) };
        // SAFETY: as above.
        if let Some(m) = unsafe { module.as_mut() } {
            m.ext.in_hook -= 1;
        }
        ctx.finish();
    }
}

/// `RedisModuleFlushInfoV1`.
#[repr(C)]
struct FlushInfo {
    version: u64,
    sync: i32,
    dbnum: i32,
}

/// A flush starts (`end` false) or ended: `db` is None for `FLUSHALL`.
pub fn fire_flush(srv: &mut Server, end: bool, sync: bool, db: Option<usize>) {
    let mut fi = FlushInfo {
        version: 1,
        sync: i32::from(sync),
        dbnum: db.map_or(-1, |d| d as i32),
    };
    let p = &mut fi as *mut FlushInfo as *mut c_void;
    let sub = if end {
        REDISMODULE_SUBEVENT_FLUSHDB_END
    } else {
        REDISMODULE_SUBEVENT_FLUSHDB_START
    };
    fire(
        srv,
        REDISMODULE_EVENT_FLUSHDB,
        sub,
        std::ptr::null_mut(),
        db,
        |_| Some(p),
    );
}

/// `RedisModuleClientInfoV1`.
#[repr(C)]
pub struct ClientInfoV1 {
    /// Structure version (1).
    pub version: u64,
    /// `REDISMODULE_CLIENTINFO_FLAG_*`.
    pub flags: u64,
    /// Client id.
    pub id: u64,
    /// Peer address, NUL-terminated.
    pub addr: [c_char; 46],
    /// Peer port.
    pub port: u16,
    /// Selected database.
    pub db: u16,
}

/// Fills a client-info structure for `c` (Redis's `modulePopulateClientInfoStructure`).
pub fn client_info(c: &Client) -> ClientInfoV1 {
    let mut flags = 0u64;
    if c.has(cf::MULTI) {
        flags |= REDISMODULE_CLIENTINFO_FLAG_MULTI as u64;
    }
    if c.has(cf::PUBSUB) {
        flags |= REDISMODULE_CLIENTINFO_FLAG_PUBSUB as u64;
    }
    if c.has(cf::UNIX_SOCKET) {
        flags |= REDISMODULE_CLIENTINFO_FLAG_UNIXSOCKET as u64;
    }
    if c.has(cf::BLOCKED) {
        flags |= REDISMODULE_CLIENTINFO_FLAG_BLOCKED as u64;
    }
    let (ip, port) = if c.has(cf::UNIX_SOCKET) {
        ("/unixsocket".to_string(), 0)
    } else {
        match c.addr.rsplit_once(':') {
            Some((ip, port)) => (ip.to_string(), port.parse().unwrap_or(0)),
            None => (String::new(), 0),
        }
    };
    let mut addr = [0 as c_char; 46];
    for (d, s) in addr.iter_mut().zip(ip.bytes().take(45)) {
        *d = s as c_char;
    }
    ClientInfoV1 {
        version: 1,
        flags,
        id: c.id,
        addr,
        port,
        db: c.db as u16,
    }
}

/// A client connected (`connected`) or is about to be freed.
pub fn fire_client_change(srv: &mut Server, c: &mut Client, connected: bool) {
    if !srv.modules.host.events.any(REDISMODULE_EVENT_CLIENT_CHANGE) {
        return;
    }
    let mut ci = client_info(c);
    let p = &mut ci as *mut ClientInfoV1 as *mut c_void;
    let sub = if connected {
        REDISMODULE_SUBEVENT_CLIENT_CHANGE_CONNECTED
    } else {
        REDISMODULE_SUBEVENT_CLIENT_CHANGE_DISCONNECTED
    };
    fire(srv, REDISMODULE_EVENT_CLIENT_CHANGE, sub, c, None, |_| {
        Some(p)
    });
}

/// The server is shutting down.
pub fn fire_shutdown(srv: &mut Server) {
    fire(
        srv,
        REDISMODULE_EVENT_SHUTDOWN,
        0,
        std::ptr::null_mut(),
        None,
        |_| Some(std::ptr::null_mut()),
    );
}

/// `RedisModuleCronLoopV1`.
#[repr(C)]
struct CronLoop {
    version: u64,
    hz: i32,
}

/// One cron tick.
pub fn fire_cron_loop(srv: &mut Server) {
    let mut cl = CronLoop {
        version: 1,
        hz: srv.config.hz as i32,
    };
    let p = &mut cl as *mut CronLoop as *mut c_void;
    fire(
        srv,
        REDISMODULE_EVENT_CRON_LOOP,
        0,
        std::ptr::null_mut(),
        None,
        |_| Some(p),
    );
}

/// `RedisModuleModuleChangeV1`.
#[repr(C)]
struct ModuleChange {
    version: u64,
    module_name: *const c_char,
    module_version: i32,
}

/// A module was loaded or unloaded; its own listeners are not told.
pub fn fire_module_change(srv: &mut Server, m: *const Module, name: &str, ver: i32, loaded: bool) {
    let cname = CString::new(name).unwrap_or_default();
    let mut mc = ModuleChange {
        version: 1,
        module_name: cname.as_ptr(),
        module_version: ver,
    };
    let p = &mut mc as *mut ModuleChange as *mut c_void;
    let sub = if loaded {
        REDISMODULE_SUBEVENT_MODULE_LOADED
    } else {
        REDISMODULE_SUBEVENT_MODULE_UNLOADED
    };
    fire(
        srv,
        REDISMODULE_EVENT_MODULE_CHANGE,
        sub,
        std::ptr::null_mut(),
        None,
        |lm| (!std::ptr::eq(lm, m)).then_some(p),
    );
}

/// `RedisModuleConfigChangeV1`.
#[repr(C)]
struct ConfigChange {
    version: u64,
    num_changes: u32,
    config_names: *mut *const c_char,
}

/// `CONFIG SET` changed these parameters.
pub fn fire_config_change(srv: &mut Server, names: &[String]) {
    if !srv.modules.host.events.any(REDISMODULE_EVENT_CONFIG) {
        return;
    }
    let cnames: Vec<CString> = names
        .iter()
        .map(|n| CString::new(n.as_str()).unwrap_or_default())
        .collect();
    let mut ptrs: Vec<*const c_char> = cnames.iter().map(|c| c.as_ptr()).collect();
    let mut cc = ConfigChange {
        version: 1,
        num_changes: ptrs.len() as u32,
        config_names: ptrs.as_mut_ptr(),
    };
    let p = &mut cc as *mut ConfigChange as *mut c_void;
    fire(
        srv,
        REDISMODULE_EVENT_CONFIG,
        REDISMODULE_SUBEVENT_CONFIG_CHANGE,
        std::ptr::null_mut(),
        None,
        |_| Some(p),
    );
}

/// `RedisModuleSwapDbInfoV1`.
#[repr(C)]
struct SwapDbInfo {
    version: u64,
    first: i32,
    second: i32,
}

/// `SWAPDB a b` happened.
pub fn fire_swapdb(srv: &mut Server, a: usize, b: usize) {
    let mut si = SwapDbInfo {
        version: 1,
        first: a as i32,
        second: b as i32,
    };
    let p = &mut si as *mut SwapDbInfo as *mut c_void;
    fire(
        srv,
        REDISMODULE_EVENT_SWAPDB,
        0,
        std::ptr::null_mut(),
        None,
        |_| Some(p),
    );
}

/// A module fork child was born, or died.
pub fn fire_fork_child(srv: &mut Server, born: bool) {
    let sub = if born {
        REDISMODULE_SUBEVENT_FORK_CHILD_BORN
    } else {
        REDISMODULE_SUBEVENT_FORK_CHILD_DIED
    };
    fire(
        srv,
        REDISMODULE_EVENT_FORK_CHILD,
        sub,
        std::ptr::null_mut(),
        None,
        |_| Some(std::ptr::null_mut()),
    );
}

/// The loop is about to sleep (`before`) or has just woken up.
pub fn fire_eventloop(srv: &mut Server, before: bool) {
    let sub = if before {
        REDISMODULE_SUBEVENT_EVENTLOOP_BEFORE_SLEEP
    } else {
        REDISMODULE_SUBEVENT_EVENTLOOP_AFTER_SLEEP
    };
    fire(
        srv,
        REDISMODULE_EVENT_EVENTLOOP,
        sub,
        std::ptr::null_mut(),
        None,
        |_| Some(std::ptr::null_mut()),
    );
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "SubscribeToServerEvent",
        subscribe_to_server_event as *const () as usize,
    );
    r.add(
        "IsSubEventSupported",
        is_sub_event_supported as *const () as usize,
    );
}
