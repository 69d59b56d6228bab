//! INFO for modules: `RegisterInfoFunc` and the `InfoAdd*` family (the module's own
//! sections in `INFO`), and `GetServerInfo` with the `ServerInfoGetField*` readers
//! (module.c's "Modules Info fields").
//!
//! [`render_info`] is the whole `INFO` text: the server's sections, then the sections
//! modules add, chosen as Redis's `genRedisInfoString` does (`everything`, `modules`, a
//! module's name or one of its sections, or `all` with other names).

use super::strings::{create_for, cstr_bytes, RmString};
use super::{ctx_of, ERR, OK};
use crate::modules::registry::Reg;
use crate::server::Server;
use std::collections::HashMap;
use std::ffi::CString;
use std::fmt::Write;
use std::os::raw::{c_char, c_double, c_int, c_longlong, c_ulonglong, c_void};

/// `void (*RedisModuleInfoFunc)(RedisModuleInfoCtx *ctx, int for_crash_report)`.
pub type InfoFunc = unsafe extern "C" fn(*mut c_void, c_int);

/// `RedisModuleInfoCtx`.
pub struct InfoCtx {
    module_name: String,
    /// Requested section names (lower case); None: every section.
    requested: Option<Vec<String>>,
    out: String,
    sections: usize,
    in_section: bool,
    in_dict_field: bool,
}

/// Sections the server itself prints.
const BUILTIN: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
    "commandstats",
    "latencystats",
];

/// Redis's `getSafeInfoString`: `#`, `:`, CR and LF become `_`.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '#' | ':' | '\r' | '\n') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// The `module:` lines of `INFO modules`.
pub fn module_list_lines(srv: &Server) -> String {
    let mut o = String::new();
    for m in srv.modules.iter() {
        let mut opts = Vec::new();
        if m.options & coil_modules_api::consts::REDISMODULE_OPTIONS_HANDLE_IO_ERRORS != 0 {
            opts.push("handle-io-errors");
        }
        if m.options & coil_modules_api::consts::REDISMODULE_OPTIONS_HANDLE_REPL_ASYNC_LOAD != 0 {
            opts.push("handle-repl-async-load");
        }
        if m.options & coil_modules_api::consts::REDISMODULE_OPTION_NO_IMPLICIT_SIGNAL_MODIFIED != 0
        {
            opts.push("no-implicit-signal-modified");
        }
        let _ = write!(
            o,
            "module:name={},ver={},api={},filters={},usedby=[],using=[],options=[{}]\r\n",
            m.name,
            m.ver,
            m.apiver,
            srv.modules.host.filters.count_of(m),
            opts.join("|")
        );
    }
    o
}

/// The `INFO` text for `args` (lower case), module sections included.
pub fn render_info(srv: &mut Server, args: &[String]) -> String {
    let (mut sections, everything) = crate::info::requested_sections(args);
    // Redis's name for the module list alone.
    if let Some(i) = sections.iter().position(|s| s == "module_list") {
        if sections.iter().any(|s| s == "modules") {
            sections.remove(i);
        } else {
            sections[i] = "modules".to_string();
        }
    }
    let mut out = crate::info::render(srv, &sections);
    let all = args.iter().any(|a| a == "all" || a == "everything");
    let explicit: Vec<String> = args
        .iter()
        .filter(|a| !matches!(a.as_str(), "all" | "everything" | "default"))
        .cloned()
        .collect();
    let wants_modules = explicit.iter().any(|s| s == "modules");
    let unknown = explicit.iter().any(|s| !BUILTIN.contains(&s.as_str()));
    if !(everything || wants_modules || unknown || (all && !explicit.is_empty())) {
        return out;
    }
    let requested = (!(everything || wants_modules)).then_some(explicit);
    let count = usize::from(!out.is_empty());
    collect(srv, requested, &mut out, count);
    out
}

/// Calls every module's info function (Redis's `modulesCollectInfo`).
fn collect(srv: &mut Server, requested: Option<Vec<String>>, out: &mut String, sections: usize) {
    let funcs: Vec<(String, InfoFunc)> = srv
        .modules
        .iter()
        .filter_map(|m| m.ext.info_func.map(|f| (m.name.clone(), f)))
        .collect();
    let mut ctx = InfoCtx {
        module_name: String::new(),
        requested,
        out: std::mem::take(out),
        sections,
        in_section: false,
        in_dict_field: false,
    };
    for (name, f) in funcs {
        ctx.module_name = name;
        ctx.in_section = false;
        ctx.in_dict_field = false;
        // SAFETY: the module's info callback with a live info context.
        unsafe { f(&mut ctx as *mut InfoCtx as *mut c_void, 0) };
        if ctx.in_dict_field {
            end_dict(&mut ctx);
        }
    }
    *out = ctx.out;
}

/// The info context behind a module's pointer.
///
/// # Safety
/// `p` must be null or the live context passed to the running info callback.
unsafe fn ictx<'a>(p: *mut c_void) -> Option<&'a mut InfoCtx> {
    // SAFETY: promised by the caller.
    unsafe { (p as *mut InfoCtx).as_mut() }
}

fn end_dict(c: &mut InfoCtx) -> c_int {
    if !c.in_dict_field {
        return ERR;
    }
    if c.out.ends_with(',') {
        c.out.pop();
    }
    c.out.push_str("\r\n");
    c.in_dict_field = false;
    OK
}

unsafe extern "C" fn info_add_section(ctx: *mut c_void, name: *const c_char) -> c_int {
    // SAFETY: the running info callback's context and a C string.
    let (Some(c), name) = (unsafe { ictx(ctx) }, unsafe { cstr_bytes(name) }) else {
        return ERR;
    };
    let name = String::from_utf8_lossy(name);
    let full = if name.is_empty() {
        c.module_name.clone()
    } else {
        format!("{}_{}", c.module_name, name)
    };
    if c.in_dict_field {
        end_dict(c);
    }
    if let Some(req) = &c.requested {
        let hit = req
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&full) || r.eq_ignore_ascii_case(&c.module_name));
        if !hit {
            c.in_section = false;
            return ERR;
        }
    }
    if c.sections > 0 {
        c.out.push_str("\r\n");
    }
    c.sections += 1;
    let _ = write!(c.out, "# {full}\r\n");
    c.in_section = true;
    OK
}

unsafe extern "C" fn info_begin_dict_field(ctx: *mut c_void, name: *const c_char) -> c_int {
    // SAFETY: the running info callback's context and a C string.
    let (Some(c), name) = (unsafe { ictx(ctx) }, unsafe { cstr_bytes(name) }) else {
        return ERR;
    };
    if !c.in_section {
        return ERR;
    }
    if c.in_dict_field {
        end_dict(c);
    }
    let _ = write!(
        c.out,
        "{}_{}:",
        safe(&c.module_name),
        safe(&String::from_utf8_lossy(name))
    );
    c.in_dict_field = true;
    OK
}

unsafe extern "C" fn info_end_dict_field(ctx: *mut c_void) -> c_int {
    // SAFETY: the running info callback's context.
    match unsafe { ictx(ctx) } {
        Some(c) => end_dict(c),
        None => ERR,
    }
}

/// Adds `field` with an already formatted value.
fn add_field(ctx: *mut c_void, field: *const c_char, value: &str) -> c_int {
    // SAFETY: the running info callback's context and a C string.
    let (Some(c), field) = (unsafe { ictx(ctx) }, unsafe { cstr_bytes(field) }) else {
        return ERR;
    };
    if !c.in_section {
        return ERR;
    }
    let field = String::from_utf8_lossy(field);
    if c.in_dict_field {
        let _ = write!(c.out, "{field}={value},");
    } else {
        let _ = write!(c.out, "{}_{field}:{value}\r\n", c.module_name);
    }
    OK
}

unsafe extern "C" fn info_add_field_string(
    ctx: *mut c_void,
    field: *const c_char,
    value: *mut c_void,
) -> c_int {
    // SAFETY: the module's string.
    let v = unsafe { RmString::bytes_of(value) }.unwrap_or(b"");
    add_field(ctx, field, &String::from_utf8_lossy(v))
}

unsafe extern "C" fn info_add_field_cstring(
    ctx: *mut c_void,
    field: *const c_char,
    value: *const c_char,
) -> c_int {
    // SAFETY: the module's C string.
    let v = unsafe { cstr_bytes(value) };
    add_field(ctx, field, &String::from_utf8_lossy(v))
}

unsafe extern "C" fn info_add_field_double(
    ctx: *mut c_void,
    field: *const c_char,
    value: c_double,
) -> c_int {
    add_field(ctx, field, &crate::util::fmt_f64_g17(value))
}

unsafe extern "C" fn info_add_field_long_long(
    ctx: *mut c_void,
    field: *const c_char,
    value: c_longlong,
) -> c_int {
    add_field(ctx, field, &value.to_string())
}

unsafe extern "C" fn info_add_field_ulong_long(
    ctx: *mut c_void,
    field: *const c_char,
    value: c_ulonglong,
) -> c_int {
    add_field(ctx, field, &value.to_string())
}

unsafe extern "C" fn register_info_func(ctx: *mut c_void, cb: Option<InfoFunc>) -> c_int {
    // SAFETY: the module's context.
    match unsafe { ctx_of(ctx) }.and_then(|c| c.module()) {
        Some(m) => {
            m.ext.info_func = cb;
            OK
        }
        None => ERR,
    }
}

/// `RedisModuleServerInfoData`: the fields of an `INFO` text (first one of a name wins).
pub struct ServerInfo {
    fields: HashMap<Vec<u8>, CString>,
}

/// Frees server info data (also from a context's auto-memory pool).
///
/// # Safety
/// `p` must be null or live data from `GetServerInfo`, not freed before.
pub unsafe fn free_server_info_data(p: *mut ServerInfo) {
    if !p.is_null() {
        // SAFETY: promised by the caller; created with `Box::into_raw`.
        drop(unsafe { Box::from_raw(p) });
    }
}

unsafe extern "C" fn get_server_info(ctx: *mut c_void, section: *const c_char) -> *mut c_void {
    // SAFETY: the module's context (or null) and C string (or null).
    let c = unsafe { ctx_of(ctx) };
    let args: Vec<String> = if section.is_null() {
        Vec::new()
    } else {
        // SAFETY: a C string.
        vec![String::from_utf8_lossy(unsafe { cstr_bytes(section) }).to_ascii_lowercase()]
    };
    let text = {
        let srv = match c {
            Some(c) => c.server().map(|s| s as *mut Server),
            None => {
                crate::exec_lock::held_by_current_thread().then(crate::modules::host::server_ptr)
            }
        };
        // SAFETY: the server of the running callback, or the loop's server while this
        // thread holds the lock; no other reference is in use meanwhile.
        match srv.and_then(|p| unsafe { p.as_mut() }) {
            Some(srv) => render_info(srv, &args),
            None => String::new(),
        }
    };
    let mut fields = HashMap::new();
    for line in text.split("\r\n") {
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            fields
                .entry(k.as_bytes().to_vec())
                .or_insert_with(|| CString::new(v.replace('\0', "")).unwrap_or_default());
        }
    }
    let p = Box::into_raw(Box::new(ServerInfo { fields }));
    // SAFETY: as above.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        if c.auto_memory_on() {
            c.ext.auto_info.push(p);
        }
    }
    p as *mut c_void
}

unsafe extern "C" fn free_server_info(ctx: *mut c_void, data: *mut c_void) {
    let p = data as *mut ServerInfo;
    // SAFETY: the module's context (or null).
    if let Some(c) = unsafe { ctx_of(ctx) } {
        c.ext.auto_info.retain(|x| *x != p);
    }
    // SAFETY: data from `GetServerInfo`, freed once.
    unsafe { free_server_info_data(p) };
}

/// The value of `field`, if present.
///
/// # Safety
/// `data` must be null or live server info; `field` a C string.
unsafe fn field<'a>(data: *mut c_void, field: *const c_char) -> Option<&'a CString> {
    // SAFETY: promised by the caller.
    let d = unsafe { (data as *const ServerInfo).as_ref() }?;
    // SAFETY: promised by the caller.
    d.fields.get(unsafe { cstr_bytes(field) })
}

unsafe extern "C" fn server_info_get_field(
    ctx: *mut c_void,
    data: *mut c_void,
    f: *const c_char,
) -> *mut c_void {
    // SAFETY: the module's data and C string.
    match unsafe { field(data, f) } {
        Some(v) => create_for(ctx, v.as_bytes()) as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn server_info_get_field_c(data: *mut c_void, f: *const c_char) -> *const c_char {
    // SAFETY: the module's data and C string.
    match unsafe { field(data, f) } {
        Some(v) => v.as_ptr(),
        None => std::ptr::null(),
    }
}

fn set_err(out_err: *mut c_int, ok: bool) {
    if !out_err.is_null() {
        // SAFETY: the module's out pointer.
        unsafe { *out_err = if ok { OK } else { ERR } };
    }
}

unsafe extern "C" fn server_info_get_field_signed(
    data: *mut c_void,
    f: *const c_char,
    out_err: *mut c_int,
) -> c_longlong {
    // SAFETY: the module's data and C string.
    let v = unsafe { field(data, f) }.and_then(|v| crate::util::parse_i64(v.as_bytes()));
    set_err(out_err, v.is_some());
    v.unwrap_or(0)
}

unsafe extern "C" fn server_info_get_field_unsigned(
    data: *mut c_void,
    f: *const c_char,
    out_err: *mut c_int,
) -> c_ulonglong {
    // SAFETY: the module's data and C string.
    let v = unsafe { field(data, f) }.and_then(|v| parse_ull(v.as_bytes()));
    set_err(out_err, v.is_some());
    v.unwrap_or(0)
}

/// Redis's `string2ull`: a plain unsigned number, or a signed one reinterpreted.
fn parse_ull(s: &[u8]) -> Option<u64> {
    crate::util::parse_u64(s).or_else(|| crate::util::parse_i64(s).map(|v| v as u64))
}

unsafe extern "C" fn server_info_get_field_double(
    data: *mut c_void,
    f: *const c_char,
    out_err: *mut c_int,
) -> c_double {
    // SAFETY: the module's data and C string.
    let v = unsafe { field(data, f) }.and_then(|v| crate::util::parse_f64(v.as_bytes()));
    set_err(out_err, v.is_some());
    v.unwrap_or(0.0)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("RegisterInfoFunc", register_info_func as *const () as usize);
    r.add("InfoAddSection", info_add_section as *const () as usize);
    r.add(
        "InfoBeginDictField",
        info_begin_dict_field as *const () as usize,
    );
    r.add(
        "InfoEndDictField",
        info_end_dict_field as *const () as usize,
    );
    r.add(
        "InfoAddFieldString",
        info_add_field_string as *const () as usize,
    );
    r.add(
        "InfoAddFieldCString",
        info_add_field_cstring as *const () as usize,
    );
    r.add(
        "InfoAddFieldDouble",
        info_add_field_double as *const () as usize,
    );
    r.add(
        "InfoAddFieldLongLong",
        info_add_field_long_long as *const () as usize,
    );
    r.add(
        "InfoAddFieldULongLong",
        info_add_field_ulong_long as *const () as usize,
    );
    r.add("GetServerInfo", get_server_info as *const () as usize);
    r.add("FreeServerInfo", free_server_info as *const () as usize);
    r.add(
        "ServerInfoGetField",
        server_info_get_field as *const () as usize,
    );
    r.add(
        "ServerInfoGetFieldC",
        server_info_get_field_c as *const () as usize,
    );
    r.add(
        "ServerInfoGetFieldSigned",
        server_info_get_field_signed as *const () as usize,
    );
    r.add(
        "ServerInfoGetFieldUnsigned",
        server_info_get_field_unsigned as *const () as usize,
    );
    r.add(
        "ServerInfoGetFieldDouble",
        server_info_get_field_double as *const () as usize,
    );
}
