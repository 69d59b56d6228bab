//! The native module host: loading `.so` modules built against `redismodule.h` and
//! serving the module API to them. All of Coil's `unsafe` for modules lives here.
//!
//! # Layout
//!
//! - this file: the loaded-module registry ([`Modules`] in the server), load and unload.
//! - [`loader`]: `dlopen` and the entry points.
//! - [`ctx`]: `RedisModuleCtx` (GetApi pointer first).
//! - [`registry`]: the name -> function table and `GetApi`.
//! - [`shim`]: the C trampolines for variadic and `long double` functions.
//! - [`api`]: one file per API group.
//! - [`fork`]: the thin `fork`/`waitpid`/`kill` wrappers background saves and
//!   `RedisModule_Fork` share.

pub mod api;
pub mod ctx;
pub mod fork;
pub mod host;
pub mod loader;
pub mod rdb_codec;
pub mod registry;
pub mod shim;
pub mod types;

use crate::server::Server;
use api::commands::ModuleCommand;
use bytes::Bytes;
use coil_modules_api::REDISMODULE_ERR;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Names of loaded modules, for `IsModuleNameBusy` (called with no context).
static NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// ACL categories modules added.
static ACL_ADDED: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// True while the start-up `loadmodule` directives are being loaded.
static STARTUP: AtomicBool = AtomicBool::new(false);

/// The server modules run in, for API functions that receive no context
/// (`ResetDataset`, ...). Set when the first module loads.
static SERVER: std::sync::atomic::AtomicPtr<Server> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// The server pointer recorded at module load (null before any module loaded).
pub fn current_server() -> *mut Server {
    SERVER.load(Ordering::Relaxed)
}

/// True if a loaded module has this name.
pub fn name_busy(name: &str) -> bool {
    NAMES
        .lock()
        .map(|n| n.iter().any(|x| x == name))
        .unwrap_or(false)
}

/// ACL categories added by loaded modules (lower case), in order.
pub fn added_acl_categories() -> Vec<String> {
    ACL_ADDED.lock().map(|v| v.clone()).unwrap_or_default()
}

/// True while start-up modules load (`REDISMODULE_CTX_FLAGS_SERVER_STARTUP`).
pub fn in_startup() -> bool {
    STARTUP.load(Ordering::Relaxed)
}

/// One module, from `SetModuleAttribs` on.
pub struct Module {
    /// Name given to `RedisModule_Init`.
    pub name: String,
    /// Version.
    pub ver: i32,
    /// API version.
    pub apiver: i32,
    /// Path it was loaded from.
    pub path: String,
    /// Load arguments.
    pub args: Vec<Bytes>,
    /// The open library (dropped last, on unload).
    pub lib: Option<libloading::os::unix::Library>,
    /// True while its OnLoad runs (registration is allowed only then).
    pub onload: bool,
    /// `SetModuleOptions` bits.
    pub options: i32,
    /// Its commands and subcommands, boxed: modules hold pointers to them.
    pub commands: Vec<Box<ModuleCommand>>,
    /// ACL categories it added.
    pub acl_categories: Vec<String>,
    /// Data types it registered (never freed: see [`types`]).
    pub types: Vec<&'static types::ModuleType>,
    /// The server, for API functions that get no context (`CreateSubcommand`, ...).
    pub srv: *mut Server,
    /// State of the blocking, timer, event, info and config API groups.
    pub ext: host::ModuleExt,
}

impl Module {
    /// A module being registered by `RedisModule_Init`.
    pub fn new(name: String, ver: i32, apiver: i32) -> Module {
        Module {
            name,
            ver,
            apiver,
            path: String::new(),
            args: Vec::new(),
            lib: None,
            onload: true,
            options: 0,
            commands: Vec::new(),
            acl_categories: Vec::new(),
            types: Vec::new(),
            srv: std::ptr::null_mut(),
            ext: Default::default(),
        }
    }

    /// Takes ownership of a command; returns its stable address.
    pub fn add_command(&mut self, mc: Box<ModuleCommand>) -> *mut ModuleCommand {
        self.commands.push(mc);
        let last = self.commands.len() - 1;
        &mut *self.commands[last]
    }

    /// A command or subcommand by full name (case-insensitive).
    pub fn command_by_name(&self, name: &str) -> Option<&ModuleCommand> {
        self.commands
            .iter()
            .find(|c| c.meta.name.eq_ignore_ascii_case(name))
            .map(|b| &**b)
    }

    /// Removes its commands from the server's table.
    fn unregister_commands(&self, srv: &mut Server) {
        for c in self.commands.iter().filter(|c| c.parent.is_none()) {
            srv.commands
                .commands
                .remove(c.meta.name.to_ascii_lowercase().as_bytes());
        }
    }
}

/// The loaded modules, in load order.
#[derive(Default)]
pub struct Modules {
    // Boxed: commands and contexts hold pointers to their module.
    #[allow(clippy::vec_box)]
    list: Vec<Box<Module>>,
    /// What the loop runs for modules: timers, events, filters, configs...
    pub host: host::HostState,
}

impl Modules {
    /// Loaded modules, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Module> {
        self.list.iter().map(|m| &**m)
    }

    /// Number of loaded modules.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True with no module loaded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A module failed to load; the reason was logged (Redis replies with a generic error
/// and points at the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadFailed;

/// Loads a module (Redis's `moduleLoad`): opens it, runs its OnLoad with a temporary
/// client, and registers it. On failure everything it registered is removed and the
/// reason is logged; the caller replies with Redis's generic error.
pub fn load(srv: &mut Server, path: &str, args: &[Bytes]) -> Result<(), LoadFailed> {
    load_ex(srv, path, args, None)
}

/// [`load`] for `MODULE LOADEX`: `configs` (name, value) are queued for the module's
/// `LoadConfigs`, and the load fails if any is left unused.
pub fn load_ex(
    srv: &mut Server,
    path: &str,
    args: &[Bytes],
    configs: Option<&[(Bytes, Bytes)]>,
) -> Result<(), LoadFailed> {
    if let Some(cfgs) = configs {
        for (k, v) in cfgs {
            srv.config.module_values.insert(
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            );
        }
    }
    let r = load_inner(srv, path, args, configs.is_some());
    if configs.is_some() {
        srv.config.module_values.clear();
    }
    r
}

fn load_inner(
    srv: &mut Server,
    path: &str,
    args: &[Bytes],
    loadex: bool,
) -> Result<(), LoadFailed> {
    // SAFETY: an administrator asked for this file to be loaded (MODULE LOAD or a
    // loadmodule directive): its code is trusted as Redis trusts it.
    let opened = match unsafe { loader::open(path) } {
        Ok(o) => o,
        Err(loader::LoadError::NotExecutable) => {
            tracing::warn!("Module {path} failed to load: It does not have execute permissions.");
            return Err(LoadFailed);
        }
        Err(loader::LoadError::Open(e)) => {
            tracing::warn!("Module {path} failed to load: {e}");
            return Err(LoadFailed);
        }
        Err(loader::LoadError::NoOnLoad) => {
            tracing::warn!(
                "Module {path} does not export RedisModule_OnLoad() symbol. Module not loaded."
            );
            return Err(LoadFailed);
        }
    };
    host::set_server(srv);
    SERVER.store(srv, Ordering::Relaxed);
    let mut ctx = ctx::ModuleCtx::with_temp_client(srv, std::ptr::null_mut());
    let mut argv: Vec<*mut api::strings::RmString> = args
        .iter()
        .map(|a| api::strings::RmString::create(a))
        .collect();
    registry::init();
    // SAFETY: OnLoad is called as the ABI specifies, with a live context and `argc`
    // live strings; the module registers itself through `SetModuleAttribs`.
    let rc = unsafe {
        (opened.onload)(
            ctx.as_ptr(),
            argv.as_mut_ptr() as *mut *mut coil_modules_api::RedisModuleString,
            argv.len() as i32,
        )
    };
    ctx.finish();
    for s in argv {
        // SAFETY: we own one reference to each argument.
        unsafe { api::strings::RmString::release(s) };
    }
    let module = if ctx.module.is_null() {
        None
    } else {
        // SAFETY: `SetModuleAttribs` created this record with `Box::into_raw`.
        Some(unsafe { Box::from_raw(ctx.module) })
    };
    drop(ctx);
    let mut module = match module {
        Some(m) if rc != REDISMODULE_ERR => m,
        other => {
            tracing::warn!("Module {path} initialization failed. Module not loaded");
            if let Some(m) = other {
                host::forget_module(srv, &*m);
                m.unregister_commands(srv);
                remove_acl_categories(&m);
                for t in &m.types {
                    t.module
                        .store(std::ptr::null_mut(), std::sync::atomic::Ordering::Relaxed);
                }
                drop(m);
            }
            drop(opened.lib);
            return Err(LoadFailed);
        }
    };
    module.onload = false;
    module.path = path.to_string();
    module.args = args.to_vec();
    module.lib = Some(opened.lib);
    tracing::info!("Module '{}' loaded from {}", module.name, path);
    if let Ok(mut n) = NAMES.lock() {
        n.push(module.name.clone());
    }
    let (mp, name, ver): (*const Module, String, i32) = (&*module, module.name.clone(), module.ver);
    let configs_ok = api::configs::check_after_onload(srv, &module, loadex);
    srv.modules.list.push(module);
    if !configs_ok {
        let _ = unload(srv, &name);
        return Err(LoadFailed);
    }
    api::server_events::fire_module_change(srv, mp, &name, ver, true);
    Ok(())
}

fn remove_acl_categories(m: &Module) {
    if let Ok(mut v) = ACL_ADDED.lock() {
        v.retain(|c| !m.acl_categories.contains(c));
    }
}

/// Makes a module's added ACL categories known (on `AddACLCategory`).
pub fn add_acl_category(name: String) {
    if let Ok(mut v) = ACL_ADDED.lock() {
        v.push(name);
    }
}

/// Unloads a module (Redis's `moduleUnload`). The error is the text after
/// `Error unloading module: `.
pub fn unload(srv: &mut Server, name: &str) -> Result<(), &'static str> {
    let Some(i) = srv.modules.list.iter().position(|m| m.name == name) else {
        return Err("no such module with that name");
    };
    if !srv.modules.list[i].types.is_empty() {
        api::set_errno(libc::EBUSY);
        return Err("the module exports one or more module-side data types, can't unload");
    }
    if let Some(e) = host::unload_refusal(srv, &srv.modules.list[i]) {
        return Err(e);
    }
    let onunload = srv.modules.list[i].lib.as_ref().and_then(loader::onunload);
    if let Some(f) = onunload {
        let mp: *mut Module = &mut *srv.modules.list[i];
        let mut ctx = ctx::ModuleCtx::with_temp_client(srv, mp);
        // SAFETY: OnUnload is called as the ABI specifies with a live context.
        let rc = unsafe { f(ctx.as_ptr()) };
        ctx.finish();
        drop(ctx);
        if rc == REDISMODULE_ERR {
            tracing::warn!("Module {name} OnUnload failed.  Unload canceled.");
            api::set_errno(libc::ECANCELED);
            return Err("operation not possible.");
        }
    }
    let m = srv.modules.list.remove(i);
    host::forget_module(srv, &*m);
    m.unregister_commands(srv);
    remove_acl_categories(&m);
    if let Ok(mut n) = NAMES.lock() {
        n.retain(|x| x != name);
    }
    api::server_events::fire_module_change(srv, &*m, &m.name, m.ver, false);
    tracing::info!("Module {} unloaded", m.name);
    // The commands go before the library that holds their code.
    let Module { commands, lib, .. } = *m;
    drop(commands);
    drop(lib);
    Ok(())
}

/// Loads the `loadmodule` directives in order, before clients are accepted. A module
/// that fails stops the server, as in Redis.
pub fn load_startup_modules(srv: &mut Server) -> Result<(), String> {
    let list = srv.config.load_modules.clone();
    STARTUP.store(true, Ordering::Relaxed);
    let mut result = Ok(());
    for (path, args) in list {
        let args: Vec<Bytes> = args.into_iter().map(Bytes::from).collect();
        if load(srv, &path, &args).is_err() {
            result = Err(format!("Can't load module from {path}: server aborting"));
            break;
        }
    }
    STARTUP.store(false, Ordering::Relaxed);
    if result.is_ok() && !srv.config.module_values.is_empty() {
        result = Err("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting".into());
    }
    result
}
