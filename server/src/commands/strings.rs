//! String commands.

use crate::args;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_STRING};
use crate::ctx::{Ctx, Keyspace};
use crate::db::{StrValue, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::resp::ReplyBuf;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("get", get);
    r.add("set", set);
    r.add("setnx", setnx);
    r.add("setex", setex);
    r.add("psetex", psetex);
    r.add("getset", getset);
    r.add("getdel", getdel);
    r.add("getex", getex);
    r.add("mget", mget);
    r.add("mset", mset);
    r.add("msetnx", msetnx);
    r.add("incr", incr);
    r.add("decr", decr);
    r.add("incrby", incrby);
    r.add("decrby", decrby);
    r.add("append", append);
    r.add("strlen", strlen);
}

/// Writes a string value as a bulk reply.
#[inline]
pub fn reply_str(out: &mut ReplyBuf, s: &StrValue) {
    match s {
        StrValue::Int(n) => out.bulk_int(*n),
        other => out.bulk(&other.as_bytes()),
    }
}

/// Replies with the string under `key` (nil if missing); WRONGTYPE for other types.
fn get_generic(ks: &mut Keyspace<'_>, out: &mut ReplyBuf, key: &[u8]) -> CmdResult {
    match ks.read_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => reply_str(out, s),
        _ => out.null(),
    }
    Ok(())
}

/// ```text
/// GET key
/// ```
fn get(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    get_generic(&mut ks, out, &argv[1])
}

/// Options shared by `SET` and `GETEX`.
#[derive(Default)]
struct SetOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// Absolute expire time in Unix ms.
    expire_at: Option<i64>,
    /// The expire was given relative (EX/PX) rather than absolute.
    relative: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Seconds,
    Millis,
}

/// Converts an EX/PX/EXAT/PXAT argument to an absolute Unix ms time, with Redis's checks.
fn expire_arg(a: &[u8], unit: Unit, relative: bool, now: i64, cmd: &str) -> Result<i64, CmdError> {
    let mut v = args::int(a)?;
    if v <= 0 || (unit == Unit::Seconds && v > i64::MAX / 1000) {
        return Err(CmdError::invalid_expire(cmd));
    }
    if unit == Unit::Seconds {
        v *= 1000;
    }
    if relative {
        v = v
            .checked_add(now)
            .ok_or_else(|| CmdError::invalid_expire(cmd))?;
    }
    if v <= 0 {
        return Err(CmdError::invalid_expire(cmd));
    }
    Ok(v)
}

/// Parses `SET`'s (`is_set`) or `GETEX`'s options starting at `argv[start]`.
fn parse_set_opts(
    argv: &[Bytes],
    start: usize,
    is_set: bool,
    now: i64,
    cmd: &str,
) -> Result<SetOpts, CmdError> {
    let mut o = SetOpts::default();
    let mut expire: Option<(&[u8], Unit, bool)> = None;
    let mut j = start;
    while j < argv.len() {
        let opt = &argv[j];
        let has_next = j + 1 < argv.len();
        let timed = expire.is_some();
        if is_set && args::is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && args::is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && args::is(opt, "get") {
            o.get = true;
        } else if is_set && args::is(opt, "keepttl") && !o.persist && !timed {
            o.keepttl = true;
        } else if !is_set && args::is(opt, "persist") && !timed && !o.keepttl {
            o.persist = true;
        } else if !o.keepttl
            && !o.persist
            && !timed
            && has_next
            && (args::is(opt, "ex")
                || args::is(opt, "px")
                || args::is(opt, "exat")
                || args::is(opt, "pxat"))
        {
            let unit = if opt[0] == b'p' || opt[0] == b'P' {
                Unit::Millis
            } else {
                Unit::Seconds
            };
            let relative = opt.len() == 2;
            expire = Some((&argv[j + 1], unit, relative));
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    if let Some((a, unit, relative)) = expire {
        o.expire_at = Some(expire_arg(a, unit, relative, now, cmd)?);
        o.relative = relative;
    }
    Ok(o)
}

/// The shared body of `SET`, `SETNX`, `SETEX`, `PSETEX` (Redis's `setGenericCommand`).
/// Returns whether the value was stored.
fn set_generic(
    ks: &mut Keyspace<'_>,
    out: &mut ReplyBuf,
    key: &[u8],
    val: &[u8],
    o: &SetOpts,
    reply_ok: bool,
) -> Result<bool, CmdError> {
    if o.get {
        get_generic(ks, out, key)?;
    }
    let found = ks.lookup_write(key).is_some();
    if (o.nx && found) || (o.xx && !found) {
        if !o.get && reply_ok {
            out.null();
        }
        return Ok(false);
    }
    let keep_ttl = o.keepttl || o.expire_at.is_some();
    ks.set(key, Value::string(val), keep_ttl);
    ks.srv.dirty += 1;
    ks.notify(NOTIFY_STRING, "set", key);
    if let Some(at) = o.expire_at {
        ks.set_expire(key, at);
        ks.notify(NOTIFY_GENERIC, "expire", key);
    }
    if !o.get && reply_ok {
        out.ok();
    }
    Ok(true)
}

/// ```text
/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
///     EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
/// ```
fn set(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let now = ctx.srv.cmd_time_ms;
    let o = parse_set_opts(argv, 3, true, now, "set")?;
    let (mut ks, out) = ctx.split();
    set_generic(&mut ks, out, &argv[1], &argv[2], &o, true)?;
    Ok(())
}

/// ```text
/// SETNX key value
/// ```
fn setnx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let o = SetOpts {
        nx: true,
        ..Default::default()
    };
    let (mut ks, out) = ctx.split();
    let stored = set_generic(&mut ks, out, &argv[1], &argv[2], &o, false)?;
    out.int(i64::from(stored));
    Ok(())
}

fn setex_generic(ctx: &mut Ctx, argv: &[Bytes], unit: Unit, cmd: &str) -> CmdResult {
    let now = ctx.srv.cmd_time_ms;
    let at = expire_arg(&argv[2], unit, true, now, cmd)?;
    let o = SetOpts {
        expire_at: Some(at),
        relative: true,
        ..Default::default()
    };
    let (mut ks, out) = ctx.split();
    set_generic(&mut ks, out, &argv[1], &argv[3], &o, true)?;
    Ok(())
}

/// ```text
/// SETEX key seconds value
/// ```
fn setex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    setex_generic(ctx, argv, Unit::Seconds, "setex")
}

/// ```text
/// PSETEX key milliseconds value
/// ```
fn psetex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    setex_generic(ctx, argv, Unit::Millis, "psetex")
}

/// ```text
/// GETSET key value
/// ```
fn getset(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    get_generic(&mut ks, out, &argv[1])?;
    ks.set(&argv[1], Value::string(&argv[2]), false);
    ks.notify(NOTIFY_STRING, "set", &argv[1]);
    ks.srv.dirty += 1;
    Ok(())
}

/// ```text
/// GETDEL key
/// ```
fn getdel(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    get_generic(&mut ks, out, &argv[1])?;
    if ks.delete(&argv[1]) {
        ks.notify(NOTIFY_GENERIC, "del", &argv[1]);
        ks.srv.dirty += 1;
    }
    Ok(())
}

/// ```text
/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
///     PXAT unix-time-milliseconds | PERSIST]
/// ```
fn getex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let now = ctx.srv.cmd_time_ms;
    let o = parse_set_opts(argv, 2, false, now, "getex")?;
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    match ks.read_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => reply_str(out, s),
        _ => {
            out.null();
            return Ok(());
        }
    }
    if let Some(at) = o.expire_at {
        if at <= now && !ks.srv.loading {
            // An expire time in the past deletes the key, as EXPIRE does.
            ks.delete(key);
            ks.notify(NOTIFY_GENERIC, "del", key);
        } else {
            ks.set_expire(key, at);
            ks.notify(NOTIFY_GENERIC, "expire", key);
        }
        ks.signal_modified(key);
        ks.srv.dirty += 1;
    } else if o.persist && ks.db().persist(key) {
        ks.notify(NOTIFY_GENERIC, "persist", key);
        ks.signal_modified(key);
        ks.srv.dirty += 1;
    }
    Ok(())
}

/// ```text
/// MGET key [key ...]
/// ```
fn mget(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    out.array_len(argv.len() - 1);
    for key in &argv[1..] {
        match ks.lookup_read(key) {
            Some(Value::Str(s)) => reply_str(out, s),
            _ => out.null(),
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx, argv: &[Bytes], nx: bool) -> Result<bool, CmdError> {
    if argv.len() % 2 == 0 {
        return Err(CmdError::wrong_arity(&ctx.cmd.name));
    }
    let mut ks = ctx.ks();
    if nx && argv[1..].chunks(2).any(|kv| ks.exists(&kv[0])) {
        return Ok(false);
    }
    for kv in argv[1..].chunks(2) {
        ks.set(&kv[0], Value::string(&kv[1]), false);
        ks.notify(NOTIFY_STRING, "set", &kv[0]);
    }
    ks.srv.dirty += (argv.len() as u64 - 1) / 2;
    Ok(true)
}

/// ```text
/// MSET key value [key value ...]
/// ```
fn mset(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    mset_generic(ctx, argv, false)?;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// MSETNX key value [key value ...]
/// ```
fn msetnx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let done = mset_generic(ctx, argv, true)?;
    ctx.out().int(i64::from(done));
    Ok(())
}

/// Adds `by` to the integer under `key` (Redis's `incrDecrCommand`).
fn incr_decr(ctx: &mut Ctx, key: &[u8], by: i64) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let current = match ks.write_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => Some(s.as_i64().ok_or(CmdError::NOT_INTEGER)?),
        _ => None,
    };
    let old = current.unwrap_or(0);
    let new = old.checked_add(by).ok_or(CmdError::OVERFLOW)?;
    match ks.lookup_write(key) {
        Some(Value::Str(s)) => *s = StrValue::Int(new),
        _ => {
            ks.add(key, Value::Str(StrValue::Int(new)));
        }
    }
    ks.modified(key, NOTIFY_STRING, "incrby");
    out.int(new);
    Ok(())
}

/// ```text
/// INCR key
/// ```
fn incr(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &argv[1], 1)
}

/// ```text
/// DECR key
/// ```
fn decr(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    incr_decr(ctx, &argv[1], -1)
}

/// ```text
/// INCRBY key increment
/// ```
fn incrby(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let by = args::int(&argv[2])?;
    incr_decr(ctx, &argv[1], by)
}

/// ```text
/// DECRBY key decrement
/// ```
fn decrby(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let by = args::int(&argv[2])?;
    if by == i64::MIN {
        return Err(CmdError::err("decrement would overflow"));
    }
    incr_decr(ctx, &argv[1], -by)
}

/// Fails if a string would exceed `proto-max-bulk-len`.
pub fn check_string_length(ctx_max: i64, size: usize, append: usize) -> CmdResult {
    let total = size as u128 + append as u128;
    if total > ctx_max as u128 {
        return Err(CmdError::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    Ok(())
}

/// ```text
/// APPEND key value
/// ```
fn append(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let max = ctx.srv.config.proto_max_bulk_len;
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let len = match ks.write_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => {
            check_string_length(max, s.len(), argv[2].len())?;
            let raw = s.make_raw();
            raw.extend_from_slice(&argv[2]);
            raw.len()
        }
        _ => {
            ks.add(key, Value::Str(StrValue::raw(argv[2].to_vec())));
            argv[2].len()
        }
    };
    ks.modified(key, NOTIFY_STRING, "append");
    out.int(len as i64);
    Ok(())
}

/// ```text
/// STRLEN key
/// ```
fn strlen(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let n = match ks.read_typed(&argv[1], ValueType::String)? {
        Some(Value::Str(s)) => s.len(),
        _ => 0,
    };
    out.int(n as i64);
    Ok(())
}
