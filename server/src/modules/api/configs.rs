//! Module configurations: `RegisterStringConfig`, `RegisterBoolConfig`,
//! `RegisterEnumConfig`, `RegisterNumericConfig` and `LoadConfigs` (module.c's "Module
//! Configurations API"), and their place in `CONFIG GET`/`CONFIG SET`.
//!
//! A configuration is named `<module>.<name>`. Values given before the module registers
//! it (config file lines, `--module.name value`, `MODULE LOADEX ... CONFIG name value`)
//! wait in the server's queue (`Config::module_values`) until `LoadConfigs` applies
//! them, or the defaults for the others. Values are parsed and checked as Redis's
//! `config.c` does for its own directives of the same kind; the module's getter and
//! setter hold the actual value.

use super::strings::{cstr_bytes, RmString};
use super::{ctx_of, set_errno, ERR, OK};
use crate::modules::ctx::ModuleCtx;
use crate::modules::registry::Reg;
use crate::modules::Module;
use crate::server::Server;
use coil_modules_api::consts::*;
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_void};

type GetStr = unsafe extern "C" fn(*const c_char, *mut c_void) -> *mut c_void;
type SetStr =
    unsafe extern "C" fn(*const c_char, *mut c_void, *mut c_void, *mut *mut c_void) -> c_int;
type GetInt = unsafe extern "C" fn(*const c_char, *mut c_void) -> c_int;
type SetInt = unsafe extern "C" fn(*const c_char, c_int, *mut c_void, *mut *mut c_void) -> c_int;
type GetNum = unsafe extern "C" fn(*const c_char, *mut c_void) -> c_longlong;
type SetNum =
    unsafe extern "C" fn(*const c_char, c_longlong, *mut c_void, *mut *mut c_void) -> c_int;
type ApplyFn = unsafe extern "C" fn(*mut c_void, *mut c_void, *mut *mut c_void) -> c_int;

/// The kind of a configuration, with its getter and setter.
enum Kind {
    Bool(GetInt, SetInt, c_int),
    Str(GetStr, SetStr, Option<Vec<u8>>),
    Enum {
        get: GetInt,
        set: SetInt,
        default: c_int,
        names: Vec<String>,
        vals: Vec<c_int>,
        bitflags: bool,
    },
    Numeric {
        get: GetNum,
        set: SetNum,
        default: c_longlong,
        min: c_longlong,
        max: c_longlong,
        memory: bool,
    },
}

/// One module configuration.
struct ModuleConfig {
    module: *mut Module,
    /// `<name>` as registered (what the module's callbacks receive).
    name: CString,
    /// `<module>.<name>`.
    full: String,
    flags: c_uint,
    kind: Kind,
    apply: Option<ApplyFn>,
    privdata: *mut c_void,
}

/// Every module configuration, in registration order.
#[derive(Default)]
pub struct Configs {
    list: Vec<ModuleConfig>,
}

impl Configs {
    /// Drops a module's configurations.
    pub fn forget_module(&mut self, m: *const Module) {
        self.list.retain(|c| !std::ptr::eq(c.module, m));
    }

    /// True if `m` registered any configuration.
    pub fn any_of(&self, m: *const Module) -> bool {
        self.list.iter().any(|c| std::ptr::eq(c.module, m))
    }

    fn find(&self, full: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|c| c.full.eq_ignore_ascii_case(full))
    }

    /// True if `name` is a module configuration.
    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
}

/// Takes the error string a module's setter or apply function returned.
fn take_err(err: *mut c_void) -> Option<String> {
    // SAFETY: the module hands us its error string (ownership included) or null.
    let text = unsafe { RmString::bytes_of(err) }.map(|b| String::from_utf8_lossy(b).into_owned());
    // SAFETY: as above; we drop the reference we were given.
    unsafe { RmString::release(err as *mut RmString) };
    text
}

impl ModuleConfig {
    /// The current value as `CONFIG GET` shows it.
    fn get(&self) -> String {
        let n = self.name.as_ptr();
        // SAFETY (all arms): the module's getter with its own name and private data.
        match &self.kind {
            Kind::Bool(get, _, _) => {
                // SAFETY: the module's callback with its own name, value and private data.
                let v = unsafe { get(n, self.privdata) };
                if v != 0 { "yes" } else { "no" }.to_string()
            }
            Kind::Str(get, _, _) => {
                // SAFETY: the module's callback with its own name, value and private data.
                let s = unsafe { get(n, self.privdata) };
                // SAFETY: the module's string (or null), which it keeps owning.
                let b = unsafe { RmString::bytes_of(s) }.unwrap_or(b"");
                String::from_utf8_lossy(b).into_owned()
            }
            Kind::Enum {
                get,
                names,
                vals,
                bitflags,
                ..
            } => {
                // SAFETY: the module's callback with its own name, value and private data.
                let v = unsafe { get(n, self.privdata) };
                enum_name(names, vals, v, *bitflags)
            }
            // SAFETY: the module's callback with its own name, value and private data.
            Kind::Numeric { get, .. } => unsafe { get(n, self.privdata) }.to_string(),
        }
    }

    /// The current value as raw bytes (string configs keep NULs).
    fn get_bytes(&self) -> Vec<u8> {
        if let Kind::Str(get, _, _) = &self.kind {
            // SAFETY: the module's getter with its own name and private data.
            let s = unsafe { get(self.name.as_ptr(), self.privdata) };
            // SAFETY: the module's string (or null).
            return unsafe { RmString::bytes_of(s) }.unwrap_or(b"").to_vec();
        }
        self.get().into_bytes()
    }

    /// Parses `value` and hands it to the module's setter unless it is the current
    /// value. Ok(true) if the setter ran (Redis's `performInterfaceSet` result 1).
    fn set(&self, value: &[u8]) -> Result<bool, String> {
        let n = self.name.as_ptr();
        let mut err: *mut c_void = std::ptr::null_mut();
        let text = String::from_utf8_lossy(value);
        let rc = match &self.kind {
            Kind::Bool(get, set, _) => {
                let v = match text.to_ascii_lowercase().as_str() {
                    "yes" => 1,
                    "no" => 0,
                    _ => return Err("argument must be 'yes' or 'no'".into()),
                };
                // SAFETY: the module's getter and setter with their own data.
                if unsafe { get(n, self.privdata) } == v {
                    return Ok(false);
                }
                // SAFETY: as above.
                unsafe { set(n, v, self.privdata, &mut err) }
            }
            Kind::Str(_, set, _) => {
                if self.get_bytes() == value {
                    return Ok(false);
                }
                let s = RmString::create(value);
                // SAFETY: the module's setter with a live string it may retain.
                let rc = unsafe { set(n, s as *mut c_void, self.privdata, &mut err) };
                // SAFETY: we drop our own reference.
                unsafe { RmString::release(s) };
                rc
            }
            Kind::Enum {
                get,
                set,
                names,
                vals,
                bitflags,
                ..
            } => {
                let words: Vec<&str> = if *bitflags {
                    text.split(' ').collect()
                } else {
                    vec![&text]
                };
                let Some(v) = enum_value(names, vals, &words) else {
                    return Err(format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    ));
                };
                // SAFETY: the module's getter and setter with their own data.
                if unsafe { get(n, self.privdata) } == v {
                    return Ok(false);
                }
                // SAFETY: as above.
                unsafe { set(n, v, self.privdata, &mut err) }
            }
            Kind::Numeric {
                get,
                set,
                min,
                max,
                memory,
                ..
            } => {
                let parsed = if *memory {
                    memtoull(&text).map(|v| v as i64)
                } else {
                    crate::util::parse_i64(value)
                };
                let Some(v) = parsed else {
                    return Err(if *memory {
                        "argument must be a memory value".into()
                    } else {
                        "argument couldn't be parsed into an integer".into()
                    });
                };
                if v < *min || v > *max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                // SAFETY: the module's getter and setter with their own data.
                if unsafe { get(n, self.privdata) } == v {
                    return Ok(false);
                }
                // SAFETY: as above.
                unsafe { set(n, v, self.privdata, &mut err) }
            }
        };
        if rc == OK {
            Ok(true)
        } else {
            Err(take_err(err).unwrap_or_default())
        }
    }

    /// Hands the registered default to the setter (Redis's
    /// `performModuleConfigSetDefaultFromName`: no parsing, no comparison).
    fn set_default(&self) -> Result<(), String> {
        let n = self.name.as_ptr();
        let mut err: *mut c_void = std::ptr::null_mut();
        // SAFETY (all arms): the module's setter with its own default and data.
        let rc = match &self.kind {
            // SAFETY: the module's callback with its own name, value and private data.
            Kind::Bool(_, set, d) => unsafe { set(n, *d, self.privdata, &mut err) },
            // SAFETY: the module's callback with its own name, value and private data.
            Kind::Enum { set, default, .. } => unsafe { set(n, *default, self.privdata, &mut err) },
            // SAFETY: the module's callback with its own name, value and private data.
            Kind::Numeric { set, default, .. } => unsafe {
                set(n, *default, self.privdata, &mut err)
            },
            Kind::Str(_, set, d) => {
                let s = d
                    .as_ref()
                    .map_or(std::ptr::null_mut(), |d| RmString::create(d));
                // SAFETY: the module's callback with its own name, value and private data.
                let rc = unsafe { set(n, s as *mut c_void, self.privdata, &mut err) };
                // SAFETY: we drop our own reference (none for a null default).
                unsafe { RmString::release(s) };
                rc
            }
        };
        if rc == OK {
            Ok(())
        } else {
            Err(take_err(err).unwrap_or_default())
        }
    }
}

/// Redis's `configEnumGetValue`.
fn enum_value(names: &[String], vals: &[c_int], words: &[&str]) -> Option<c_int> {
    if words.is_empty() {
        return None;
    }
    let mut v = 0;
    for w in words {
        let mut matched = false;
        for (n, x) in names.iter().zip(vals) {
            if n.eq_ignore_ascii_case(w) {
                v |= x;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(v)
}

/// Redis's `configEnumGetName`.
fn enum_name(names: &[String], vals: &[c_int], v: c_int, bitflags: bool) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut unmatched = v;
    for (n, &x) in names.iter().zip(vals) {
        if v == x {
            return n.clone();
        }
        if bitflags && x != 0 && x == (unmatched & x) {
            out.push(n);
            unmatched &= !x;
        }
    }
    if out.is_empty() || unmatched != 0 {
        return "unknown".into();
    }
    out.join(" ")
}

/// Redis's `memtoull`: digits with an optional `b k kb m mb g gb` unit.
fn memtoull(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = s.split_at(digits);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let n: u64 = if num.is_empty() { 0 } else { num.parse().ok()? };
    n.checked_mul(mul)
}

/// `CONFIG GET`: the module configurations whose name matches `pattern` (hidden ones
/// only by exact name).
pub fn matching(srv: &Server, pattern: &[u8]) -> Vec<(String, Vec<u8>)> {
    let exact = !pattern.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
    srv.modules
        .host
        .configs
        .list
        .iter()
        .filter(|c| {
            (c.flags & REDISMODULE_CONFIG_HIDDEN as c_uint == 0 || exact)
                && crate::util::glob_match(pattern, c.full.as_bytes(), true)
        })
        .map(|c| (c.full.clone(), c.get_bytes()))
        .collect()
}

/// `CONFIG SET` for the module configurations among `pairs` (name, value): each value
/// is set, then the apply functions run once per (function, private data); on any
/// failure the previous values come back. The error is the reply text.
pub fn config_set(
    srv: &mut Server,
    pairs: &[(String, Vec<u8>)],
    protected_ok: bool,
) -> Result<(), String> {
    let fail = |n: &str, e: &str| {
        format!("ERR CONFIG SET failed (possibly related to argument '{n}') - {e}")
    };
    let mut idx = Vec::new();
    for (name, _) in pairs {
        let Some(i) = srv.modules.host.configs.find(name) else {
            return Err(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            ));
        };
        let c = &srv.modules.host.configs.list[i];
        if c.flags & REDISMODULE_CONFIG_IMMUTABLE as c_uint != 0 {
            return Err(fail(name, "can't set immutable config"));
        }
        if c.flags & REDISMODULE_CONFIG_PROTECTED as c_uint != 0 && !protected_ok {
            return Err(fail(name, "can't set protected config"));
        }
        if c.flags & REDISMODULE_CONFIG_DENY_LOADING as c_uint != 0 && srv.loading {
            return Err(fail(name, "can't set config while loading"));
        }
        if idx.contains(&i) {
            return Err(fail(name, "duplicate parameter"));
        }
        idx.push(i);
    }
    let configs = &srv.modules.host.configs.list;
    let old: Vec<Vec<u8>> = idx.iter().map(|&i| configs[i].get_bytes()).collect();
    let restore = |upto: usize| {
        for (k, &i) in idx.iter().enumerate().take(upto) {
            let _ = configs[i].set(&old[k]);
        }
    };
    let mut applies: Vec<usize> = Vec::new();
    for (k, &i) in idx.iter().enumerate() {
        match configs[i].set(&pairs[k].1) {
            Ok(true) => {
                let c = &configs[i];
                if c.apply.is_some()
                    && !applies.iter().any(|&j| {
                        configs[j].apply.map(|f| f as usize) == c.apply.map(|f| f as usize)
                            && configs[j].privdata == c.privdata
                    })
                {
                    applies.push(i);
                }
            }
            Ok(false) => {}
            Err(e) => {
                restore(k);
                return Err(fail(&pairs[k].0, &e));
            }
        }
    }
    for &i in &applies {
        let c = &configs[i];
        let Some(apply) = c.apply else { continue };
        let mut ctx = ModuleCtx::new(
            srv as *const Server as *mut Server,
            std::ptr::null_mut(),
            c.module,
            0,
        );
        let mut err: *mut c_void = std::ptr::null_mut();
        // SAFETY: the module's apply function with a live context and its own data.
        let rc = unsafe { apply(ctx.as_ptr() as *mut c_void, c.privdata, &mut err) };
        ctx.finish();
        if rc != OK {
            let e = take_err(err).unwrap_or_default();
            restore(idx.len());
            return Err(fail(&c.name.to_string_lossy(), &e));
        }
    }
    Ok(())
}

/// Redis's `moduleConfigValidityCheck` and the common part of registration.
#[allow(clippy::too_many_arguments)]
fn register_config(
    ctx: *mut c_void,
    name: *const c_char,
    flags: c_uint,
    kind: Kind,
    apply: Option<ApplyFn>,
    privdata: *mut c_void,
    numeric: bool,
    is_enum: bool,
) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    // SAFETY: the module record of a context.
    let Some(m) = (unsafe { module.as_ref() }) else {
        return ERR;
    };
    if !m.onload {
        set_errno(libc::EBUSY);
        return ERR;
    }
    let all = (REDISMODULE_CONFIG_DEFAULT as u64
        | REDISMODULE_CONFIG_IMMUTABLE
        | REDISMODULE_CONFIG_SENSITIVE
        | REDISMODULE_CONFIG_HIDDEN
        | REDISMODULE_CONFIG_PROTECTED
        | REDISMODULE_CONFIG_DENY_LOADING
        | REDISMODULE_CONFIG_BITFLAGS
        | REDISMODULE_CONFIG_MEMORY) as c_uint;
    if flags & !all != 0 {
        tracing::warn!("Invalid flag(s) for configuration");
        set_errno(libc::EINVAL);
        return ERR;
    }
    if !numeric && flags & REDISMODULE_CONFIG_MEMORY as c_uint != 0 {
        tracing::warn!("Numeric flag provided for non-numeric configuration.");
        set_errno(libc::EINVAL);
        return ERR;
    }
    if !is_enum && flags & REDISMODULE_CONFIG_BITFLAGS as c_uint != 0 {
        tracing::warn!("Enum flag provided for non-enum configuration.");
        set_errno(libc::EINVAL);
        return ERR;
    }
    // SAFETY: the module's C string.
    let nb = unsafe { cstr_bytes(name) };
    if nb.is_empty() {
        set_errno(libc::EINVAL);
        return ERR;
    }
    if let Some(&bad) = nb
        .iter()
        .find(|&&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        tracing::warn!(
            "Invalid character {} in Module resource name {}.",
            bad as char,
            String::from_utf8_lossy(nb)
        );
        set_errno(libc::EINVAL);
        return ERR;
    }
    let short = String::from_utf8_lossy(nb).into_owned();
    let full = format!("{}.{}", m.name, short);
    let Some(srv) = c.server() else {
        return ERR;
    };
    if srv
        .modules
        .host
        .configs
        .list
        .iter()
        .any(|x| std::ptr::eq(x.module, module) && x.name.as_bytes().eq_ignore_ascii_case(nb))
    {
        tracing::warn!("Configuration by the name: {short} already registered");
        set_errno(libc::EALREADY);
        return ERR;
    }
    let Ok(cname) = CString::new(nb) else {
        set_errno(libc::EINVAL);
        return ERR;
    };
    srv.modules.host.configs.list.push(ModuleConfig {
        module,
        name: cname,
        full,
        flags,
        kind,
        apply,
        privdata,
    });
    OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn register_string_config(
    ctx: *mut c_void,
    name: *const c_char,
    default_val: *const c_char,
    flags: c_uint,
    getfn: Option<GetStr>,
    setfn: Option<SetStr>,
    applyfn: Option<ApplyFn>,
    privdata: *mut c_void,
) -> c_int {
    let (Some(g), Some(s)) = (getfn, setfn) else {
        return ERR;
    };
    let d = (!default_val.is_null())
        // SAFETY: the module's C string.
        .then(|| unsafe { cstr_bytes(default_val) }.to_vec());
    // Redis checks string configs as numeric ones here (a memory flag passes).
    register_config(
        ctx,
        name,
        flags,
        Kind::Str(g, s, d),
        applyfn,
        privdata,
        true,
        false,
    )
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn register_bool_config(
    ctx: *mut c_void,
    name: *const c_char,
    default_val: c_int,
    flags: c_uint,
    getfn: Option<GetInt>,
    setfn: Option<SetInt>,
    applyfn: Option<ApplyFn>,
    privdata: *mut c_void,
) -> c_int {
    let (Some(g), Some(s)) = (getfn, setfn) else {
        return ERR;
    };
    register_config(
        ctx,
        name,
        flags,
        Kind::Bool(g, s, default_val),
        applyfn,
        privdata,
        false,
        false,
    )
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn register_enum_config(
    ctx: *mut c_void,
    name: *const c_char,
    default_val: c_int,
    flags: c_uint,
    enum_values: *const *const c_char,
    int_values: *const c_int,
    num: c_int,
    getfn: Option<GetInt>,
    setfn: Option<SetInt>,
    applyfn: Option<ApplyFn>,
    privdata: *mut c_void,
) -> c_int {
    let (Some(g), Some(s)) = (getfn, setfn) else {
        return ERR;
    };
    if enum_values.is_null() || int_values.is_null() || num <= 0 {
        return ERR;
    }
    // SAFETY: the module passes `num` names and values.
    let (ns, vs) = unsafe {
        (
            std::slice::from_raw_parts(enum_values, num as usize),
            std::slice::from_raw_parts(int_values, num as usize),
        )
    };
    let names = ns
        .iter()
        // SAFETY: C strings from the module.
        .map(|&p| String::from_utf8_lossy(unsafe { cstr_bytes(p) }).into_owned())
        .collect();
    let kind = Kind::Enum {
        get: g,
        set: s,
        default: default_val,
        names,
        vals: vs.to_vec(),
        bitflags: flags & REDISMODULE_CONFIG_BITFLAGS as c_uint != 0,
    };
    register_config(ctx, name, flags, kind, applyfn, privdata, false, true)
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn register_numeric_config(
    ctx: *mut c_void,
    name: *const c_char,
    default_val: c_longlong,
    flags: c_uint,
    min: c_longlong,
    max: c_longlong,
    getfn: Option<GetNum>,
    setfn: Option<SetNum>,
    applyfn: Option<ApplyFn>,
    privdata: *mut c_void,
) -> c_int {
    let (Some(g), Some(s)) = (getfn, setfn) else {
        return ERR;
    };
    let kind = Kind::Numeric {
        get: g,
        set: s,
        default: default_val,
        min,
        max,
        memory: flags & REDISMODULE_CONFIG_MEMORY as c_uint != 0,
    };
    register_config(ctx, name, flags, kind, applyfn, privdata, true, false)
}

/// Redis's `loadModuleConfigs`: queued values, or defaults, for each of the module's
/// configurations. On failure the queue is emptied.
fn load_configs(srv: &mut Server, m: *mut Module) -> Result<(), ()> {
    let idx: Vec<usize> = (0..srv.modules.host.configs.list.len())
        .filter(|&i| std::ptr::eq(srv.modules.host.configs.list[i].module, m))
        .collect();
    for i in idx {
        let full = srv.modules.host.configs.list[i].full.clone();
        let queued = srv
            .config
            .module_values
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&full))
            .cloned();
        let c = &srv.modules.host.configs.list[i];
        match queued {
            Some(k) => {
                let v = srv
                    .config
                    .module_values
                    .get(&k)
                    .cloned()
                    .unwrap_or_default();
                if let Err(e) = c.set(v.as_bytes()) {
                    tracing::warn!("Issue during loading of configuration {k} : {e}");
                    srv.config.module_values.clear();
                    return Err(());
                }
                srv.config.module_values.remove(&k);
            }
            None => {
                if let Err(e) = c.set_default() {
                    tracing::warn!(
                        "Issue attempting to set default value of configuration {} : {e}",
                        c.name.to_string_lossy()
                    );
                    srv.config.module_values.clear();
                    return Err(());
                }
            }
        }
    }
    Ok(())
}

unsafe extern "C" fn load_configs_api(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    let module = c.module;
    // SAFETY: the module record of a context.
    if !unsafe { module.as_ref() }.is_some_and(|m| m.onload) {
        return ERR;
    }
    let Some(srv) = c.server() else {
        return ERR;
    };
    if load_configs(srv, module).is_err() {
        return ERR;
    }
    // SAFETY: as above.
    if let Some(m) = unsafe { module.as_mut() } {
        m.ext.configs_loaded = true;
    }
    OK
}

/// After a module's `OnLoad`: false (with the reason logged) if Redis would refuse the
/// module for its configurations; the caller unloads it.
pub fn check_after_onload(srv: &Server, m: &Module, loadex: bool) -> bool {
    if srv.modules.host.configs.any_of(m) && !m.ext.configs_loaded {
        tracing::warn!("Module Configurations were not set, likely a missing LoadConfigs call. Unloading the module.");
        return false;
    }
    if loadex && !srv.config.module_values.is_empty() {
        tracing::warn!("Loadex configurations were not applied, likely due to invalid arguments. Unloading the module.");
        return false;
    }
    true
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add(
        "RegisterStringConfig",
        register_string_config as *const () as usize,
    );
    r.add(
        "RegisterBoolConfig",
        register_bool_config as *const () as usize,
    );
    r.add(
        "RegisterEnumConfig",
        register_enum_config as *const () as usize,
    );
    r.add(
        "RegisterNumericConfig",
        register_numeric_config as *const () as usize,
    );
    r.add("LoadConfigs", load_configs_api as *const () as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_and_memory_units() {
        let names: Vec<String> = ["none", "five", "one", "two", "four"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vals = [0, 5, 1, 2, 4];
        assert_eq!(enum_name(&names, &vals, 5, true), "five");
        assert_eq!(enum_name(&names, &vals, 7, true), "five two");
        assert_eq!(enum_name(&names, &vals, 6, true), "two four");
        assert_eq!(enum_value(&names, &vals, &["one", "FOUR"]), Some(5));
        assert_eq!(enum_value(&names, &vals, &["six"]), None);
        assert_eq!(memtoull("1mb"), Some(1 << 20));
        assert_eq!(memtoull("-5"), None);
        assert_eq!(memtoull("200gb"), Some(200 << 30));
    }
}
