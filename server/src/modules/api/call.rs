//! `RedisModule_Call`: runs a command from a module through the server's own dispatch,
//! on a temporary client, and hands back the parsed reply (module.c's "Calling Redis
//! commands from modules").
//!
//! The C shim walks the variadic arguments (`c s b l v`) into [`CallArg`]s; the flag
//! letters of the format (`! A R 3 0 C S W M E D K`) are read here.

use super::call_reply::CallReply;
use super::strings::{raw_bytes, RmString};
use super::{ctx_of, set_errno, ERR, OK};
use crate::client::{flags as cf, Client};
use crate::command_table::cmd_flags as f;
use crate::modules::ctx::{AutoObj, ModuleCtx};
use bytes::Bytes;
use std::os::raw::{c_char, c_int, c_longlong, c_void};

/// One argument as the shim hands it over.
#[repr(C)]
pub struct CallArg {
    /// 0: bytes at `ptr`/`len`; 1: a module string at `ptr`; 2: the integer `ll`.
    pub kind: c_int,
    /// Bytes or string pointer.
    pub ptr: *const c_void,
    /// Length of the bytes.
    pub len: usize,
    /// The integer.
    pub ll: c_longlong,
}

/// The format's flag letters.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallFlags {
    /// `!`: propagate to AOF and replicas.
    pub replicate: bool,
    /// `A`: not to the AOF.
    pub no_aof: bool,
    /// `R`: not to replicas.
    pub no_replicas: bool,
    /// `3`: RESP3 reply.
    pub resp3: bool,
    /// `0`: the protocol of the context's client.
    pub resp_auto: bool,
    /// `C`: run as the context's user with ACL checks.
    pub run_as_user: bool,
    /// `S`: script mode.
    pub script_mode: bool,
    /// `W`: refuse write commands.
    pub no_writes: bool,
    /// `M`: respect `deny-oom`.
    pub deny_oom: bool,
    /// `E`: failures become error replies instead of NULL.
    pub errors_as_replies: bool,
    /// `D`: dry run (checks only).
    pub dry_run: bool,
    /// `K`: the command may block.
    pub allow_block: bool,
}

/// Reads the flag letters of a call format; `None` for an unknown letter.
pub fn parse_flags(fmt: &[u8]) -> Option<CallFlags> {
    let mut fl = CallFlags::default();
    for &c in fmt {
        match c {
            b'c' | b's' | b'b' | b'l' | b'v' => {}
            b'!' => fl.replicate = true,
            b'A' => fl.no_aof = true,
            b'R' => fl.no_replicas = true,
            b'3' => fl.resp3 = true,
            b'0' => fl.resp_auto = true,
            b'C' => fl.run_as_user = true,
            b'S' => fl.script_mode = true,
            b'W' => fl.no_writes = true,
            b'M' => fl.deny_oom = true,
            b'E' => fl.errors_as_replies = true,
            b'D' => {
                fl.dry_run = true;
                fl.errors_as_replies = true;
            }
            b'K' => fl.allow_block = true,
            _ => return None,
        }
    }
    Some(fl)
}

/// Builds `argv` from the command name and the shim's arguments.
///
/// # Safety
/// `cmd` must be a C string and `args` point to `n` arguments whose pointers are valid.
pub unsafe fn build_argv(cmd: *const c_char, args: *const CallArg, n: usize) -> Vec<Bytes> {
    let mut argv = Vec::with_capacity(n + 1);
    // SAFETY: promised by the caller.
    argv.push(Bytes::copy_from_slice(unsafe {
        super::strings::cstr_bytes(cmd)
    }));
    if args.is_null() {
        return argv;
    }
    // SAFETY: promised by the caller.
    let args = unsafe { std::slice::from_raw_parts(args, n) };
    for a in args {
        let b = match a.kind {
            // SAFETY: `len` bytes at `ptr`, from the module.
            0 => Bytes::copy_from_slice(unsafe { raw_bytes(a.ptr as *const c_char, a.len) }),
            // SAFETY: a live module string.
            1 => Bytes::copy_from_slice(unsafe { RmString::bytes_of(a.ptr) }.unwrap_or(b"")),
            _ => Bytes::from(a.ll.to_string()),
        };
        argv.push(b);
    }
    argv
}

/// Why a call was refused before running: errno and, with `E`, the error text.
struct Refusal(c_int, String);

fn check(srv: &mut crate::server::Server, argv: &[Bytes], fl: &CallFlags) -> Result<(), Refusal> {
    let Some(cmd) = srv.commands.lookup(argv).cloned() else {
        let e = crate::error::CmdError::unknown_command(&argv[0], &argv[1..]);
        return Err(Refusal(libc::ENOENT, e.text().to_string()));
    };
    if matches!(cmd.handler, crate::command_table::Handler::Container) {
        let text = if argv.len() < 2 {
            format!("ERR wrong number of arguments for '{}' command", cmd.name)
        } else {
            format!(
                "ERR unknown subcommand '{}'. Try {} HELP.",
                String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]),
                cmd.name.to_ascii_uppercase()
            )
        };
        let errno = if argv.len() < 2 {
            libc::EINVAL
        } else {
            libc::ENOENT
        };
        return Err(Refusal(errno, text));
    }
    if !cmd.arity_ok(argv.len()) {
        return Err(Refusal(
            libc::EINVAL,
            format!("ERR wrong number of arguments for '{}' command", cmd.name),
        ));
    }
    if fl.script_mode && cmd.has(f::NOSCRIPT) {
        return Err(Refusal(
            libc::ESPIPE,
            format!("ERR command '{}' is not allowed on script mode", cmd.name),
        ));
    }
    if fl.deny_oom
        && srv.config.maxmemory > 0
        && cmd.has(f::DENYOOM)
        && crate::evict::out_of_memory(srv)
    {
        return Err(Refusal(
            libc::ENOSPC,
            crate::error::CmdError::OOM.text().to_string(),
        ));
    }
    if fl.no_writes && cmd.has(f::WRITE) {
        return Err(Refusal(
            libc::ENOSPC,
            format!(
                "ERR Write command '{}' was called while write is not allowed.",
                cmd.name
            ),
        ));
    }
    Ok(())
}

/// Runs `argv` for the module context `mctx` and returns the reply (null with errno set
/// on refusal, unless `E` asked for an error reply).
pub fn call(mctx: &mut ModuleCtx, argv: Vec<Bytes>, fl: CallFlags) -> *mut CallReply {
    let ctx_ptr = mctx as *mut ModuleCtx as *mut c_void;
    let (db, client_resp) = match mctx.client() {
        Some(c) => (c.db, c.resp()),
        None => (0, 2),
    };
    let module = mctx.module;
    let caller_id = mctx.client().map_or(0, |c| c.id);
    let Some(srv) = mctx.server() else {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    // SAFETY: the context's module record (or null) outlives the call.
    let mut module = unsafe { module.as_mut() };
    if let Some(m) = module.as_deref_mut() {
        m.ext.in_call += 1;
    }
    // Command filters see module calls too (a `NOSELF` filter skips its own module's).
    let argv = if srv.modules.host.filters.is_empty() {
        argv
    } else {
        super::filters::apply(srv, caller_id, argv)
    };
    let reply = call_checked(srv, ctx_ptr, argv, fl, db, client_resp);
    if let Some(m) = module {
        m.ext.in_call -= 1;
    }
    match reply {
        Some(r) => {
            let p = Box::into_raw(r);
            mctx.auto_add(AutoObj::Reply(p));
            p
        }
        None => std::ptr::null_mut(),
    }
}

/// The checks and the call itself, once filters ran.
fn call_checked(
    srv: &mut crate::server::Server,
    ctx_ptr: *mut c_void,
    argv: Vec<Bytes>,
    fl: CallFlags,
    db: usize,
    client_resp: u8,
) -> Option<Box<CallReply>> {
    if argv.is_empty() {
        set_errno(libc::ENOENT);
        return None;
    }
    if fl.run_as_user {
        // No ACL users yet: every client runs as the default user, which may run
        // everything, so the check passes.
    }
    match check(srv, &argv, &fl) {
        Err(Refusal(errno, text)) => {
            set_errno(errno);
            if fl.errors_as_replies {
                Some(CallReply::error(&text, ctx_ptr))
            } else {
                None
            }
        }
        Ok(()) if fl.dry_run => None,
        Ok(()) => {
            let id = srv.new_client_id();
            let mut c = Client::internal(id, cf::MODULE);
            c.db = db;
            // `K` (may block, answered later through a promise) needs blocked-client
            // support; until then every call answers at once, as without `K`.
            c.flags |= cf::DENY_BLOCKING;
            c.out.resp = if fl.resp3 {
                3
            } else if fl.resp_auto {
                client_resp
            } else {
                2
            };
            let before = srv.stats.total_error_replies;
            if let Err(e) = crate::dispatch::call_internal(srv, &mut c, &argv) {
                srv.count_error(e.code());
                c.out.error(e.text());
            }
            let r = CallReply::parse_root(std::mem::take(&mut c.out.buf), ctx_ptr);
            // Errors a module's call produces are counted only if the module passes
            // them on to a client (Redis defers them the same way).
            if srv.stats.total_error_replies > before {
                for code in r.error_codes() {
                    uncount_error(srv, &code);
                }
            }
            Some(r)
        }
    }
}

fn uncount_error(srv: &mut crate::server::Server, code: &str) {
    srv.stats.total_error_replies = srv.stats.total_error_replies.saturating_sub(1);
    // The nested call moved `prev_err_count` past this error: move it back, so an error
    // the module then replies makes its own command a failed one.
    srv.prev_err_count = srv.prev_err_count.saturating_sub(1);
    if let Some(n) = srv.error_stats.get_mut(code) {
        *n -= 1;
        if *n == 0 {
            srv.error_stats.remove(code);
        }
    }
}

/// Shim hook for `RedisModule_Call`.
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_call(
    ctx: *mut c_void,
    cmd: *const c_char,
    fmt: *const c_char,
    args: *const CallArg,
    n: usize,
) -> *mut c_void {
    // SAFETY: the module's context, live for the callback (or null).
    let Some(mctx) = (unsafe { ctx_of(ctx) }) else {
        set_errno(libc::EINVAL);
        return std::ptr::null_mut();
    };
    // SAFETY: the module's format string.
    let Some(fl) = parse_flags(unsafe { super::strings::cstr_bytes(fmt) }) else {
        set_errno(libc::EBADF);
        return std::ptr::null_mut();
    };
    // SAFETY: the shim passes `n` arguments it read from the module's varargs.
    let argv = unsafe { build_argv(cmd, args, n) };
    call(mctx, argv, fl) as *mut c_void
}

/// Shim hook for `RedisModule_Replicate`: checks the command exists and counts a change.
/// Coil has no replication or AOF yet, so nothing is propagated; when it does, this is
/// where the command joins the propagation of the running command (`alsoPropagate`).
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_replicate(
    ctx: *mut c_void,
    cmd: *const c_char,
    fmt: *const c_char,
    args: *const CallArg,
    n: usize,
) -> c_int {
    // SAFETY: the module's context (or null).
    let Some(mctx) = (unsafe { ctx_of(ctx) }) else {
        return ERR;
    };
    // SAFETY: the module's format string.
    if parse_flags(unsafe { super::strings::cstr_bytes(fmt) }).is_none() {
        return ERR;
    }
    // SAFETY: as in `hook_call`.
    let argv = unsafe { build_argv(cmd, args, n) };
    let Some(srv) = mctx.server() else {
        return ERR;
    };
    if srv.commands.lookup(&argv[..1]).is_none() {
        return ERR;
    }
    srv.dirty += 1;
    OK
}

unsafe extern "C" fn replicate_verbatim(ctx: *mut c_void) -> c_int {
    // SAFETY: the module's context (or null).
    if let Some(srv) = unsafe { ctx_of(ctx) }.and_then(|c| c.server()) {
        srv.dirty += 1;
    }
    OK
}

/// Registers `ReplicateVerbatim` (`Call` and `Replicate` are the shim's).
pub fn register(r: &mut crate::modules::registry::Reg) {
    r.add(
        "ReplicateVerbatim",
        replicate_verbatim as *const () as usize,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        let fl = parse_flags(b"!cc3E").unwrap();
        assert!(fl.replicate && fl.resp3 && fl.errors_as_replies && !fl.dry_run);
        assert!(parse_flags(b"D").unwrap().errors_as_replies);
        assert!(parse_flags(b"x").is_none());
    }
}
