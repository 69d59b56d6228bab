//! `RedisModuleCtx`: what every module callback receives.
//!
//! Its first field is the GetApi function pointer, because the header's
//! `RedisModule_Init` reads `((void**)ctx)[0]`; everything after it is ours. A context
//! points at the server, at the client it replies to (the calling client for a command,
//! a temporary client for `OnLoad`/`OnUnload`), and at the module; it owns the
//! auto-memory pool, the pool allocations and the stack of postponed reply lengths, all
//! released by [`ModuleCtx::finish`] when the callback returns.
//!
//! A context for a module's own thread (thread-safe contexts) has the same shape with
//! `THREAD_SAFE` set and a client of its own; it reaches the server only while the
//! thread holds the execution lock ([`ModuleCtx::server`]).

use super::api::strings::RmString;
use super::Module;
use crate::client::Client;
use crate::resp::{Aggregate, Deferred};
use crate::server::Server;
use coil_modules_api::GetApiFunc;
use std::os::raw::c_void;

/// Context flag bits (ours; modules never see them).
pub mod flags {
    /// `RedisModule_AutoMemory` was called: created objects are freed at the end.
    pub const AUTO_MEMORY: u32 = 1 << 0;
    /// The command was called to report its keys (`COMMAND GETKEYS`, getkeys-api).
    pub const KEYS_POS_REQUEST: u32 = 1 << 1;
    /// Runs a blocked client's reply callback.
    pub const BLOCKED_REPLY: u32 = 1 << 2;
    /// Runs a blocked client's timeout callback.
    pub const BLOCKED_TIMEOUT: u32 = 1 << 3;
    /// A module thread's context.
    pub const THREAD_SAFE: u32 = 1 << 4;
    /// Frees the private data of a blocked client that disconnected.
    pub const BLOCKED_DISCONNECTED: u32 = 1 << 5;
    /// The client is a temporary one owned by the context (`OnLoad`, `OnUnload`).
    pub const TEMP_CLIENT: u32 = 1 << 6;
    /// The context owns a client created for it (thread-safe contexts).
    pub const NEW_CLIENT: u32 = 1 << 7;
    /// The command was called to report its channels.
    pub const CHANNELS_POS_REQUEST: u32 = 1 << 8;
    /// Serves a command.
    pub const COMMAND: u32 = 1 << 9;
    /// Runs a keyspace-notification callback.
    pub const KEYSPACE_NOTIFICATION: u32 = 1 << 10;
}

/// An object the auto-memory pool frees at the end of the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoObj {
    /// A string.
    Str(*mut RmString),
    /// A call reply (root).
    Reply(*mut super::api::call_reply::CallReply),
    /// An open key.
    Key(*mut super::api::keys::ModuleKey),
}

/// The context handed to modules as `RedisModuleCtx *`.
#[repr(C)]
pub struct ModuleCtx {
    /// GetApi: must stay the first field (ABI).
    pub getapi: GetApiFunc,
    /// The server (null in contexts that must not touch it, e.g. key-position requests).
    pub srv: *mut Server,
    /// The client replies go to (null: replies are dropped).
    pub client: *mut Client,
    /// The module (null in `OnLoad` until `RedisModule_Init` registers it).
    pub module: *mut Module,
    /// [`flags`] bits.
    pub flags: u32,
    /// Objects to free at the end when `AUTO_MEMORY` is set.
    pub auto_memory: Vec<AutoObj>,
    /// Postponed aggregate lengths, innermost last.
    pub postponed: Vec<(Deferred, Aggregate)>,
    /// Blocks from `RedisModule_PoolAlloc`.
    pub pool: Vec<*mut c_void>,
    /// Keys reported with `KeyAtPos` (position, `REDISMODULE_CMD_KEY_*` flags).
    pub keys: Vec<(i32, u64)>,
    /// The temporary client this context owns (`TEMP_CLIENT`).
    pub temp_client: Option<Box<Client>>,
    /// Name of the command being served (`GetCurrentCommandName`).
    pub command_name: Option<std::ffi::CString>,
    /// The command name as the client typed it (`WrongArity`).
    pub argv0: Vec<u8>,
    /// State of the blocking, thread and event API groups.
    pub ext: super::host::CtxExt,
}

impl ModuleCtx {
    /// A context for `module` (may be null) replying to `client` (may be null).
    pub fn new(srv: *mut Server, client: *mut Client, module: *mut Module, flags: u32) -> Self {
        ModuleCtx {
            getapi: super::registry::get_api,
            srv,
            client,
            module,
            flags,
            auto_memory: Vec::new(),
            postponed: Vec::new(),
            pool: Vec::new(),
            keys: Vec::new(),
            temp_client: None,
            command_name: None,
            argv0: Vec::new(),
            ext: Default::default(),
        }
    }

    /// A context with a temporary client of its own (Redis's `REDISMODULE_CTX_TEMP_CLIENT`),
    /// for `OnLoad` and `OnUnload`: `RedisModule_Call` works, replies are dropped.
    pub fn with_temp_client(srv: &mut Server, module: *mut Module) -> Box<Self> {
        let id = srv.new_client_id();
        let mut client = Box::new(Client::internal(id, crate::client::flags::MODULE));
        let client_ptr: *mut Client = &mut *client;
        let mut ctx = Box::new(ModuleCtx::new(srv, client_ptr, module, flags::TEMP_CLIENT));
        ctx.temp_client = Some(client);
        ctx
    }

    /// The context behind a pointer a module passed back to us.
    ///
    /// # Safety
    /// `p` must be null or a context we created that is still alive, with no other
    /// reference to it in use.
    pub unsafe fn from_ptr<'a>(p: *mut c_void) -> Option<&'a mut ModuleCtx> {
        // SAFETY: promised by the caller; null gives `None`.
        unsafe { (p as *mut ModuleCtx).as_mut() }
    }

    /// The server, when this context may touch it. A thread-safe context reaches it
    /// only while its thread holds the execution lock.
    pub fn server(&mut self) -> Option<&mut Server> {
        if !self.may_touch_server() {
            return None;
        }
        // SAFETY: `srv` is null or the server the current callback runs under (or, for
        // a thread-safe context, the server the loop left while this thread holds the
        // execution lock); the caller of the module callback holds no other reference
        // while it runs.
        unsafe { self.srv.as_mut() }
    }

    /// False for a thread-safe context whose thread does not hold the execution lock;
    /// refreshes its server pointer otherwise.
    fn may_touch_server(&mut self) -> bool {
        if self.flags & flags::THREAD_SAFE == 0 {
            return true;
        }
        if !crate::exec_lock::held_by_current_thread() {
            return false;
        }
        self.srv = super::host::server_ptr();
        true
    }

    /// The client replies go to.
    pub fn client(&mut self) -> Option<&mut Client> {
        // SAFETY: `client` is null or a client that outlives this callback (the calling
        // client, taken out of the table, or our own temporary one).
        unsafe { self.client.as_mut() }
    }

    /// The server and the client together.
    pub fn server_and_client(&mut self) -> Option<(&mut Server, &mut Client)> {
        if !self.may_touch_server() {
            return None;
        }
        // SAFETY: as in `server` and `client`; the client is never part of the server's
        // client table while a callback runs on it, so the two do not alias.
        unsafe { Some((self.srv.as_mut()?, self.client.as_mut()?)) }
    }

    /// The module.
    pub fn module(&mut self) -> Option<&mut Module> {
        // SAFETY: `module` is null or a module record that outlives its callbacks.
        unsafe { self.module.as_mut() }
    }

    /// The module's name, or `module` before it has one (as Redis logs).
    pub fn module_name(&mut self) -> String {
        self.module()
            .map(|m| m.name.clone())
            .unwrap_or_else(|| "module".to_string())
    }

    /// True with `AUTO_MEMORY` on.
    pub fn auto_memory_on(&self) -> bool {
        self.flags & flags::AUTO_MEMORY != 0
    }

    /// Adds an object to the auto-memory pool when auto memory is on.
    pub fn auto_add(&mut self, obj: AutoObj) {
        if self.auto_memory_on() {
            self.auto_memory.push(obj);
        }
    }

    /// Removes one pool entry for `obj` (the module freed it itself). True if found.
    pub fn auto_forget(&mut self, obj: AutoObj) -> bool {
        if let Some(i) = self.auto_memory.iter().rposition(|o| *o == obj) {
            self.auto_memory.swap_remove(i);
            true
        } else {
            false
        }
    }

    /// Ends the callback: frees the auto-memory pool and pool allocations, and reports
    /// postponed lengths that were never set (Redis logs the same misuse).
    pub fn finish(&mut self) {
        for obj in std::mem::take(&mut self.auto_memory) {
            match obj {
                AutoObj::Str(s) => {
                    // SAFETY: pool entries are strings created for this context and not
                    // freed by the module (FreeString removes its entry).
                    unsafe { RmString::release(s) }
                }
                AutoObj::Reply(r) => {
                    // SAFETY: as above, for call replies.
                    unsafe { super::api::call_reply::CallReply::free_root(r) }
                }
                AutoObj::Key(k) => {
                    // SAFETY: as above, for keys opened in this context.
                    unsafe { super::api::keys::close(k) }
                }
            }
        }
        super::host::finish_ctx(&mut self.ext);
        for p in std::mem::take(&mut self.pool) {
            super::api::memory::free(p);
        }
        if !self.postponed.is_empty() {
            self.postponed.clear();
            let name = self.module_name();
            tracing::warn!("API misuse detected in module {name}: RedisModule_ReplyWith*(REDISMODULE_POSTPONED_LEN) not matched by the same number of RedisModule_SetReply*Len() calls.");
        }
    }

    /// The context as the pointer modules receive.
    pub fn as_ptr(&mut self) -> *mut coil_modules_api::RedisModuleCtx {
        self as *mut ModuleCtx as *mut coil_modules_api::RedisModuleCtx
    }
}
