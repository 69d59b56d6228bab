//! Commands: registering module commands and subcommands, their metadata and ACL
//! categories, key-position requests, and running them through the normal dispatch
//! (module.c's "Commands API").
//!
//! Each module command is a [`ModuleCommand`] owned by its module (boxed, so the
//! `RedisModuleCommand *` handed to the module stays valid); the server's command table
//! holds a [`Command`] built from it, rebuilt whenever the module changes its metadata.

use super::command_info::{self, InfoError};
use super::strings::{cstr_bytes, RmString};
use super::{ctx_of, set_errno, ERR, OK};
use crate::command_table::{
    cmd_flags as f, BeginSearch, Command, CommandDocs, CommandMeta, FindKeys, Handler, KeySpec,
};
use crate::ctx::Ctx;
use crate::error::CmdResult;
use crate::modules::ctx::{flags as ctxf, ModuleCtx};
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use bytes::Bytes;
use coil_modules_api::consts::*;
use coil_modules_api::{RedisModuleCmdFunc, RedisModuleCommandInfo, RedisModuleString};
use std::collections::HashMap;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;

/// `getkeys-api`: the command reports its keys itself.
pub const GETKEYS_API: u32 = 1 << 0;
/// `getchannels-api`.
pub const GETCHANNELS_API: u32 = 1 << 1;
/// `no-cluster`.
pub const NO_CLUSTER: u32 = 1 << 2;

/// A command a module registered.
pub struct ModuleCommand {
    /// The module.
    pub module: *mut Module,
    /// Its implementation (none for a pure container of subcommands).
    pub func: Option<RedisModuleCmdFunc>,
    /// Metadata (`name` is the full name, `parent|sub` for subcommands).
    pub meta: CommandMeta,
    /// Module-only flags ([`GETKEYS_API`], ...).
    pub mflags: u32,
    /// Statistics id.
    pub id: usize,
    /// The parent's full name (lower case), for subcommands.
    pub parent: Option<String>,
    /// Subcommands, in creation order.
    pub subs: Vec<*mut ModuleCommand>,
}

/// A `ModuleCommand` pointer shared with the command table's handler.
#[derive(Clone, Copy)]
struct CmdRef(*const ModuleCommand);

// SAFETY: module commands are only run on the thread that holds the execution lock, and
// the pointee lives until the module is unloaded, after its commands left the table.
unsafe impl Send for CmdRef {}
// SAFETY: as above.
unsafe impl Sync for CmdRef {}

/// Parses a module command's flag string (Redis's `commandFlagsFromString`): the flag
/// names `COMMAND INFO` shows and the module-only bits. `None` for an unknown word.
pub fn parse_flags(s: &str) -> Option<(Vec<&'static str>, u32)> {
    let mut names = Vec::new();
    let mut m = 0;
    for t in s.split(' ').filter(|t| !t.is_empty()) {
        let name = match t.to_ascii_lowercase().as_str() {
            "write" => "write",
            "readonly" => "readonly",
            "admin" => "admin",
            "deny-oom" => "denyoom",
            "deny-script" => "noscript",
            "allow-loading" => "loading",
            "pubsub" => "pubsub",
            "random" => continue,
            "blocking" => "blocking",
            "allow-stale" => "stale",
            "no-monitor" => "skip_monitor",
            "no-slowlog" => "skip_slowlog",
            "fast" => "fast",
            "no-auth" => "no_auth",
            "may-replicate" => "may_replicate",
            "no-mandatory-keys" => "no_mandatory_keys",
            "allow-busy" => "allow_busy",
            "getkeys-api" => {
                m |= GETKEYS_API;
                continue;
            }
            "getchannels-api" => {
                m |= GETCHANNELS_API;
                continue;
            }
            "no-cluster" => {
                m |= NO_CLUSTER;
                continue;
            }
            _ => return None,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Some((names, m))
}

/// Redis's `isCommandNameValid`.
fn name_valid(name: &str) -> bool {
    !name.is_empty() && !name.contains([' ', '\r', '\n', '|', '@', '=', ','])
}

impl ModuleCommand {
    fn new(
        srv: &mut Server,
        module: *mut Module,
        fullname: String,
        func: Option<RedisModuleCmdFunc>,
        strflags: &str,
        keys: (c_int, c_int, c_int),
        parent: Option<String>,
    ) -> Option<Box<ModuleCommand>> {
        let (names, mflags) = parse_flags(strflags)?;
        let mut key_specs = Vec::new();
        let (first, last, step) = keys;
        if first != 0 {
            let mut flags: Vec<String> = ["RW", "access", "update"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            if mflags & GETKEYS_API != 0 {
                flags.push("variable_flags".into());
            }
            key_specs.push(KeySpec {
                notes: None,
                flags,
                begin_search: BeginSearch::Index {
                    index: i64::from(first),
                },
                find_keys: FindKeys::Range {
                    lastkey: i64::from(if last < 0 { last } else { last - first }),
                    keystep: i64::from(step),
                    limit: 0,
                },
            });
        }
        let arity = if parent.is_some() || func.is_none() {
            -2
        } else {
            -1
        };
        let meta = CommandMeta {
            name: fullname,
            arity,
            flags: names.iter().map(|s| s.to_string()).collect(),
            first_key: 0,
            last_key: 0,
            key_step: 0,
            acl_categories: Vec::new(),
            tips: Vec::new(),
            key_specs,
            docs: CommandDocs {
                group: "module".into(),
                ..CommandDocs::default()
            },
            subcommands: Vec::new(),
        };
        let id = srv.commands.next_id;
        srv.commands.next_id += 1;
        srv.commands.names.push(meta.name.clone());
        srv.cmd_stats
            .resize(srv.commands.next_id, Default::default());
        Some(Box::new(ModuleCommand {
            module,
            func,
            meta,
            mflags,
            id,
            parent,
            subs: Vec::new(),
        }))
    }

    /// The module's name.
    fn module_name(&self) -> String {
        // SAFETY: a command's module outlives the command.
        unsafe { self.module.as_ref() }
            .map(|m| m.name.clone())
            .unwrap_or_default()
    }

    /// The table entry for this command (subcommands included).
    fn build(&self) -> Command {
        let mut meta = self.meta.clone();
        let (first, last, step, movable) = command_info::legacy_range(&meta.key_specs);
        meta.first_key = first;
        meta.last_key = last;
        meta.key_step = step;
        if !meta.flags.iter().any(|x| x == "module") {
            meta.flags.push("module".into());
        }
        if (movable || self.mflags & GETKEYS_API != 0)
            && !meta.flags.iter().any(|x| x == "movablekeys")
        {
            meta.flags.push("movablekeys".into());
        }
        let flags = meta
            .flags
            .iter()
            .filter_map(|n| f::from_name(n))
            .fold(0, |a, b| a | b);
        let me = CmdRef(self);
        let handler = match self.func {
            Some(_) => Handler::Dynamic(Arc::new(move |ctx: &mut Ctx, argv: &[Bytes]| {
                invoke(ctx, argv, me)
            })),
            None => Handler::Container,
        };
        let mut subcommands = HashMap::new();
        for &s in &self.subs {
            // SAFETY: subcommands are owned by the same module as their parent.
            if let Some(sub) = unsafe { s.as_ref() } {
                let short = sub
                    .meta
                    .name
                    .rsplit('|')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                subcommands.insert(short.into_bytes(), Arc::new(sub.build()));
            }
        }
        let getkeys: Option<crate::command_table::GetKeysFn> = (self.mflags & GETKEYS_API != 0)
            .then(|| Arc::new(move |argv: &[Bytes]| keys_via_api(me, argv)) as _);
        Command {
            name: self.meta.name.clone(),
            parent: self.parent.clone(),
            meta,
            flags,
            handler,
            subcommands,
            id: self.id,
            module: Some(self.module_name()),
            getkeys,
        }
    }
}

/// Puts a module command (its top-level command, with every subcommand) into the
/// server's table, replacing the previous entry.
pub(crate) fn publish(srv: &mut Server, mc: *const ModuleCommand) {
    // SAFETY: a live command of a loaded (or loading) module.
    let Some(mut top) = (unsafe { mc.as_ref() }) else {
        return;
    };
    if let Some(parent) = &top.parent {
        // SAFETY: as above; the parent belongs to the same module.
        let found = unsafe { top.module.as_ref() }.and_then(|m| m.command_by_name(parent));
        match found {
            Some(p) => top = p,
            None => return,
        }
    }
    let key = top.meta.name.to_ascii_lowercase().into_bytes();
    srv.commands.commands.insert(key, Arc::new(top.build()));
}

/// Runs a module command for a client: a context on the calling client, the arguments
/// as module strings, then the context's cleanup.
fn invoke(ctx: &mut Ctx, argv: &[Bytes], cmd: CmdRef) -> CmdResult {
    // SAFETY: the command is in the table, so its module is loaded and it is alive.
    let Some(mc) = (unsafe { cmd.0.as_ref() }) else {
        return Ok(());
    };
    let Some(func) = mc.func else {
        return Ok(());
    };
    super::core::MAXMEMORY.store(
        ctx.srv.config.maxmemory,
        std::sync::atomic::Ordering::Relaxed,
    );
    let srv: *mut Server = &mut *ctx.srv;
    let client: *mut crate::client::Client = &mut *ctx.client;
    let mut mctx = ModuleCtx::new(srv, client, mc.module, ctxf::COMMAND);
    mctx.argv0 = argv.first().map(|a| a.to_vec()).unwrap_or_default();
    mctx.ext.argv = argv.to_vec();
    crate::modules::host::push_running(client);
    crate::modules::host::set_server_ptr(srv);
    mctx.command_name = std::ffi::CString::new(mc.meta.name.clone()).ok();
    let mut strs: Vec<*mut RmString> = argv.iter().map(|a| RmString::create(a)).collect();
    // SAFETY: the module's command function, called as the API specifies: a live
    // context, `argc` live strings. The server and client behind the context are not
    // touched by us until it returns.
    unsafe {
        func(
            mctx.as_ptr(),
            strs.as_mut_ptr() as *mut *mut RedisModuleString,
            strs.len() as c_int,
        );
    }
    crate::modules::host::pop_running();
    mctx.finish();
    for s in strs {
        // SAFETY: we own one reference to each argument string.
        unsafe { RmString::release(s) };
    }
    Ok(())
}

/// Calls a `getkeys-api` command in key-position mode and collects what it reports.
fn keys_via_api(cmd: CmdRef, argv: &[Bytes]) -> Option<Vec<(usize, Vec<String>)>> {
    // SAFETY: as in `invoke`.
    let mc = unsafe { cmd.0.as_ref() }?;
    let func = mc.func?;
    let mut mctx = ModuleCtx::new(
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        mc.module,
        ctxf::KEYS_POS_REQUEST,
    );
    let mut strs: Vec<*mut RmString> = argv.iter().map(|a| RmString::create(a)).collect();
    // SAFETY: as in `invoke`; the context has no server or client, which every API
    // function checks.
    unsafe {
        func(
            mctx.as_ptr(),
            strs.as_mut_ptr() as *mut *mut RedisModuleString,
            strs.len() as c_int,
        );
    }
    mctx.finish();
    for s in strs {
        // SAFETY: we own one reference to each string.
        unsafe { RmString::release(s) };
    }
    Some(
        mctx.keys
            .iter()
            .filter(|(pos, _)| *pos > 0 && (*pos as usize) < argv.len())
            .map(|(pos, fl)| (*pos as usize, command_info::key_flag_names(*fl)))
            .collect(),
    )
}

unsafe extern "C" fn create_command(
    ctx: *mut c_void,
    name: *const c_char,
    func: Option<RedisModuleCmdFunc>,
    strflags: *const c_char,
    first: c_int,
    last: c_int,
    step: c_int,
) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    // SAFETY: the module record, live while its OnLoad runs.
    if !unsafe { module.as_ref() }.is_some_and(|m| m.onload) {
        return ERR;
    }
    // SAFETY: C strings from the module.
    let (name, strflags) = unsafe {
        (
            String::from_utf8_lossy(cstr_bytes(name)).into_owned(),
            String::from_utf8_lossy(cstr_bytes(strflags)).into_owned(),
        )
    };
    let Some(srv) = c.server() else {
        return ERR;
    };
    if !name_valid(&name) || srv.commands.lookup_name(&name).is_some() {
        return ERR;
    }
    let Some(mc) = ModuleCommand::new(
        srv,
        module,
        name,
        func,
        &strflags,
        (first, last, step),
        None,
    ) else {
        return ERR;
    };
    // SAFETY: checked live above.
    let m = unsafe { &mut *module };
    let p = m.add_command(mc);
    publish(srv, p);
    OK
}

unsafe extern "C" fn get_command(ctx: *mut c_void, name: *const c_char) -> *mut c_void {
    // SAFETY: the module's context; a C string.
    let (Some(c), name) = (unsafe { ctx_of(ctx) }, unsafe { cstr_bytes(name) }) else {
        return std::ptr::null_mut();
    };
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let Some(m) = c.module() else {
        return std::ptr::null_mut();
    };
    match m.command_by_name(&name) {
        Some(mc) => mc as *const ModuleCommand as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn create_subcommand(
    parent: *mut c_void,
    name: *const c_char,
    func: Option<RedisModuleCmdFunc>,
    strflags: *const c_char,
    first: c_int,
    last: c_int,
    step: c_int,
) -> c_int {
    // SAFETY: a command handle from GetCommand (or null).
    let Some(p) = (unsafe { (parent as *mut ModuleCommand).as_mut() }) else {
        return ERR;
    };
    let module = p.module;
    // SAFETY: the command's module, live while it is registered.
    let Some(m) = (unsafe { module.as_mut() }) else {
        return ERR;
    };
    if !m.onload || p.parent.is_some() || p.func.is_some() {
        return ERR;
    }
    // SAFETY: C strings from the module.
    let (name, strflags) = unsafe {
        (
            String::from_utf8_lossy(cstr_bytes(name)).into_owned(),
            String::from_utf8_lossy(cstr_bytes(strflags)).into_owned(),
        )
    };
    if !name_valid(&name) {
        return ERR;
    }
    let lower = name.to_ascii_lowercase();
    let exists = p.subs.iter().any(|&s| {
        // SAFETY: subcommands of a live command.
        unsafe { s.as_ref() }.is_some_and(|s| {
            s.meta
                .name
                .rsplit('|')
                .next()
                .is_some_and(|x| x.eq_ignore_ascii_case(&lower))
        })
    });
    if exists {
        return ERR;
    }
    let srv = m.srv;
    // SAFETY: the server pointer recorded while OnLoad runs.
    let Some(srv) = (unsafe { srv.as_mut() }) else {
        return ERR;
    };
    let fullname = format!("{}|{}", p.meta.name, name);
    let parent_key = p.meta.name.to_ascii_lowercase();
    let Some(mut mc) = ModuleCommand::new(
        srv,
        module,
        fullname,
        func,
        &strflags,
        (first, last, step),
        Some(parent_key),
    ) else {
        return ERR;
    };
    mc.meta.arity = -2;
    let sp = m.add_command(mc);
    p.subs.push(sp);
    publish(srv, p);
    OK
}

unsafe extern "C" fn set_command_info(
    cmd: *mut c_void,
    info: *const RedisModuleCommandInfo,
) -> c_int {
    // SAFETY: a command handle from GetCommand (or null).
    let Some(mc) = (unsafe { (cmd as *mut ModuleCommand).as_mut() }) else {
        return ERR;
    };
    let mut meta = mc.meta.clone();
    // SAFETY: the module's info struct.
    match unsafe { command_info::apply(&mut meta, info) } {
        Ok(()) => {}
        Err(InfoError::Invalid(msg)) => {
            tracing::warn!("{msg}");
            set_errno(libc::EINVAL);
            return ERR;
        }
        Err(InfoError::Exists) => {
            set_errno(libc::EEXIST);
            return ERR;
        }
    }
    mc.meta = meta;
    // SAFETY: the command's module and its server pointer.
    if let Some(srv) = unsafe { mc.module.as_ref() }.and_then(|m| unsafe { m.srv.as_mut() }) {
        publish(srv, mc);
    }
    OK
}

/// The ACL categories Redis knows, in its order.
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

unsafe extern "C" fn set_command_acl_categories(cmd: *mut c_void, cats: *const c_char) -> c_int {
    // SAFETY: a command handle (or null).
    let Some(mc) = (unsafe { (cmd as *mut ModuleCommand).as_mut() }) else {
        return ERR;
    };
    // SAFETY: the command's module.
    let Some(m) = (unsafe { mc.module.as_ref() }) else {
        return ERR;
    };
    if !m.onload {
        return ERR;
    }
    // SAFETY: a C string (or null).
    let text = String::from_utf8_lossy(unsafe { cstr_bytes(cats) }).into_owned();
    let added = crate::modules::added_acl_categories();
    let mut found = Vec::new();
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        let w = w.to_ascii_lowercase();
        if !ACL_CATEGORIES.contains(&w.as_str()) && !added.contains(&w) {
            return ERR;
        }
        found.push(w);
    }
    let order: Vec<String> = ACL_CATEGORIES
        .iter()
        .map(|s| s.to_string())
        .chain(added)
        .collect();
    mc.meta.acl_categories = order
        .into_iter()
        .filter(|c| found.contains(c))
        .map(|c| format!("@{c}"))
        .collect();
    // SAFETY: the module's server pointer.
    if let Some(srv) = unsafe { m.srv.as_mut() } {
        publish(srv, mc);
    }
    OK
}

unsafe extern "C" fn add_acl_category(ctx: *mut c_void, name: *const c_char) -> c_int {
    // SAFETY: the module's context; a C string.
    let (Some(c), name) = (unsafe { ctx_of(ctx) }, unsafe { cstr_bytes(name) }) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    if !c.module().is_some_and(|m| m.onload) {
        set_errno(libc::EINVAL);
        return ERR;
    }
    let name = String::from_utf8_lossy(name).into_owned();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        set_errno(libc::EINVAL);
        return ERR;
    }
    let lower = name.to_ascii_lowercase();
    if ACL_CATEGORIES.contains(&lower.as_str())
        || crate::modules::added_acl_categories().contains(&lower)
    {
        set_errno(libc::EBUSY);
        return ERR;
    }
    if let Some(m) = c.module() {
        m.acl_categories.push(lower.clone());
    }
    crate::modules::add_acl_category(lower);
    OK
}

unsafe extern "C" fn is_keys_position_request(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    c_int::from(unsafe { ctx_of(ctx) }.is_some_and(|c| c.flags & ctxf::KEYS_POS_REQUEST != 0))
}

unsafe extern "C" fn key_at_pos_with_flags(ctx: *mut c_void, pos: c_int, flags: c_int) {
    // SAFETY: the module's context.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        if c.flags & ctxf::KEYS_POS_REQUEST != 0 && pos > 0 {
            c.keys.push((pos, flags as u64));
        }
    }
}

unsafe extern "C" fn key_at_pos(ctx: *mut c_void, pos: c_int) {
    // SAFETY: forwarded; a key without flags is a full-access one (Redis's default).
    unsafe {
        key_at_pos_with_flags(
            ctx,
            pos,
            (REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_ACCESS | REDISMODULE_CMD_KEY_UPDATE)
                as c_int,
        )
    }
}

unsafe extern "C" fn is_channels_position_request(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    c_int::from(unsafe { ctx_of(ctx) }.is_some_and(|c| c.flags & ctxf::CHANNELS_POS_REQUEST != 0))
}

unsafe extern "C" fn channel_at_pos_with_flags(_ctx: *mut c_void, _pos: c_int, _flags: c_int) {
    // Channel-position requests come with ACL channel checks (a later phase); no
    // context is ever in that mode yet.
}

unsafe extern "C" fn get_current_command_name(ctx: *mut c_void) -> *const c_char {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) }.and_then(|c| c.command_name.as_ref()) {
        Some(n) => n.as_ptr(),
        None => std::ptr::null(),
    }
}

unsafe extern "C" fn wrong_arity(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        // Redis names the command by its full name (`parent|sub` for subcommands).
        let name = match &c.command_name {
            Some(n) => n.to_string_lossy().into_owned(),
            None => String::from_utf8_lossy(&c.argv0).into_owned(),
        };
        let text = format!("ERR wrong number of arguments for '{name}' command");
        super::reply::reply_error_text(c, text.as_bytes());
    }
    OK
}

/// `REDISMODULE_CMD_KEY_*` bits from key-spec flag names.
fn key_flag_bits(names: &[String]) -> c_int {
    let all = command_info::key_flag_names(u64::MAX);
    names
        .iter()
        .filter_map(|n| all.iter().position(|a| a == n))
        .fold(0, |acc, i| acc | (1 << i))
}

unsafe extern "C" fn get_command_keys_with_flags(
    ctx: *mut c_void,
    argv: *mut *mut RmString,
    argc: c_int,
    num_keys: *mut c_int,
    out_flags: *mut *mut c_int,
) -> *mut c_int {
    // SAFETY: the module's context.
    let Some(srv) = (unsafe { ctx_of(ctx) }).and_then(|c| c.server()) else {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    let n = usize::try_from(argc).unwrap_or(0);
    let args: Vec<Bytes> = (0..n)
        .map(|i| {
            // SAFETY: the module passes `argc` live strings.
            let s = unsafe { *argv.add(i) };
            // SAFETY: as above.
            Bytes::copy_from_slice(unsafe { RmString::bytes_of(s as *const c_void) }.unwrap_or(b""))
        })
        .collect();
    let Some(cmd) = srv
        .commands
        .lookup(&args)
        .cloned()
        .filter(|c| !matches!(c.handler, Handler::Container) || args.len() < 2)
    else {
        set_errno(libc::ENOENT);
        return std::ptr::null_mut();
    };
    if !cmd.has_keys() {
        set_errno(0);
        return std::ptr::null_mut();
    }
    if !cmd.arity_ok(args.len()) {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    }
    let keys = crate::commands::introspection::get_keys(&cmd, &args).unwrap_or_default();
    if !num_keys.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *num_keys = keys.len() as c_int };
    }
    if keys.is_empty() {
        set_errno(0);
        return std::ptr::null_mut();
    }
    let size = std::mem::size_of::<c_int>() * keys.len();
    // SAFETY: jemalloc blocks the module frees with RedisModule_Free.
    let (res, fl) = unsafe {
        (
            tikv_jemalloc_sys::malloc(size) as *mut c_int,
            if out_flags.is_null() {
                std::ptr::null_mut()
            } else {
                tikv_jemalloc_sys::malloc(size) as *mut c_int
            },
        )
    };
    if res.is_null() {
        return res;
    }
    for (i, (pos, names)) in keys.iter().enumerate() {
        // SAFETY: `i` is within the `keys.len()` elements allocated above.
        unsafe {
            *res.add(i) = *pos as c_int;
            if !fl.is_null() {
                *fl.add(i) = key_flag_bits(names);
            }
        }
    }
    if !out_flags.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *out_flags = fl };
    }
    res
}

unsafe extern "C" fn get_command_keys(
    ctx: *mut c_void,
    argv: *mut *mut RmString,
    argc: c_int,
    num_keys: *mut c_int,
) -> *mut c_int {
    // SAFETY: forwarded from the module.
    unsafe { get_command_keys_with_flags(ctx, argv, argc, num_keys, std::ptr::null_mut()) }
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("CreateCommand", create_command as *const () as usize);
    r.add("GetCommand", get_command as *const () as usize);
    r.add("CreateSubcommand", create_subcommand as *const () as usize);
    r.add("SetCommandInfo", set_command_info as *const () as usize);
    r.add(
        "SetCommandACLCategories",
        set_command_acl_categories as *const () as usize,
    );
    r.add("AddACLCategory", add_acl_category as *const () as usize);
    r.add(
        "IsKeysPositionRequest",
        is_keys_position_request as *const () as usize,
    );
    r.add("KeyAtPos", key_at_pos as *const () as usize);
    r.add(
        "KeyAtPosWithFlags",
        key_at_pos_with_flags as *const () as usize,
    );
    r.add(
        "IsChannelsPositionRequest",
        is_channels_position_request as *const () as usize,
    );
    r.add(
        "ChannelAtPosWithFlags",
        channel_at_pos_with_flags as *const () as usize,
    );
    r.add(
        "GetCurrentCommandName",
        get_current_command_name as *const () as usize,
    );
    r.add("WrongArity", wrong_arity as *const () as usize);
    r.add("GetCommandKeys", get_command_keys as *const () as usize);
    r.add(
        "GetCommandKeysWithFlags",
        get_command_keys_with_flags as *const () as usize,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_strings() {
        let (n, m) = parse_flags("write deny-oom getkeys-api random").unwrap();
        assert_eq!(n, vec!["write", "denyoom"]);
        assert_eq!(m, GETKEYS_API);
        assert!(parse_flags("write bogus").is_none());
        assert!(name_valid("hello.x") && !name_valid("a|b") && !name_valid("a\r"));
    }
}
