//! String commands.

use crate::args;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_STRING};
use crate::ctx::{Ctx, Keyspace};
use crate::db::{StrValue, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::ldouble::{self, F80};
use crate::resp::{Aggregate, ReplyBuf};
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
    r.add("incrbyfloat", incrbyfloat);
    r.add("getrange", getrange);
    r.add("substr", getrange);
    r.add("setrange", setrange);
    r.add("lcs", lcs);
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

/// `SET`/`GETEX` option flags, as Redis's `OBJ_*` flags.
mod opt {
    pub const NX: u32 = 1 << 0;
    pub const XX: u32 = 1 << 1;
    pub const EX: u32 = 1 << 2;
    pub const PX: u32 = 1 << 3;
    pub const KEEPTTL: u32 = 1 << 4;
    pub const GET: u32 = 1 << 5;
    pub const EXAT: u32 = 1 << 6;
    pub const PXAT: u32 = 1 << 7;
    pub const PERSIST: u32 = 1 << 8;
}

/// Options shared by `SET` and `GETEX` (Redis's `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
struct SetOpts<'a> {
    flags: u32,
    /// The last EX/PX/EXAT/PXAT argument, validated only when it is used.
    expire: Option<&'a [u8]>,
}

impl SetOpts<'_> {
    fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// The expire as an absolute Unix ms time, with Redis's checks
    /// (`getExpireMillisecondsOrReply`).
    fn expire_at(&self, now: i64, cmd: &str) -> Result<Option<i64>, CmdError> {
        let Some(a) = self.expire else {
            return Ok(None);
        };
        let mut v = args::int(a)?;
        let seconds = !self.has(opt::PX | opt::PXAT);
        if v <= 0 || (seconds && v > i64::MAX / 1000) {
            return Err(CmdError::invalid_expire(cmd));
        }
        if seconds {
            v *= 1000;
        }
        if self.has(opt::EX | opt::PX) {
            v = v.wrapping_add(now);
        }
        if v <= 0 {
            return Err(CmdError::invalid_expire(cmd));
        }
        Ok(Some(v))
    }
}

/// Parses `SET`'s (`is_set`) or `GETEX`'s options starting at `argv[start]`. Only the
/// syntax is checked here; a repeated EX (PX, ...) replaces the earlier one.
fn parse_set_opts(argv: &[Bytes], start: usize, is_set: bool) -> Result<SetOpts<'_>, CmdError> {
    use opt::*;
    let mut o = SetOpts::default();
    let mut j = start;
    while j < argv.len() {
        let a = &argv[j];
        let next = argv.get(j + 1);
        let f = o.flags;
        let expire_opt = |word: &str, excluded: u32| {
            args::is(a, word) && f & (KEEPTTL | PERSIST | excluded) == 0 && next.is_some()
        };
        if is_set && args::is(a, "nx") && f & XX == 0 {
            o.flags |= NX;
        } else if is_set && args::is(a, "xx") && f & NX == 0 {
            o.flags |= XX;
        } else if is_set && args::is(a, "get") {
            o.flags |= GET;
        } else if is_set && args::is(a, "keepttl") && f & (PERSIST | EX | EXAT | PX | PXAT) == 0 {
            o.flags |= KEEPTTL;
        } else if !is_set && args::is(a, "persist") && f & (EX | EXAT | PX | PXAT | KEEPTTL) == 0 {
            o.flags |= PERSIST;
        } else if let Some(flag) = [
            ("ex", EX, EXAT | PX | PXAT),
            ("px", PX, EX | EXAT | PXAT),
            ("exat", EXAT, EX | PX | PXAT),
            ("pxat", PXAT, EX | EXAT | PX),
        ]
        .iter()
        .find(|(w, _, excl)| expire_opt(w, *excl))
        .map(|(_, flag, _)| *flag)
        {
            o.flags |= flag;
            o.expire = next.map(|b| &b[..]);
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// The shared body of `SET`, `SETNX`, `SETEX`, `PSETEX` (Redis's `setGenericCommand`).
/// `reply_ok` false leaves the reply to the caller. Returns whether the value was stored.
fn set_generic(
    ks: &mut Keyspace<'_>,
    out: &mut ReplyBuf,
    key: &[u8],
    val: &[u8],
    o: &SetOpts<'_>,
    cmd: &str,
    reply_ok: bool,
) -> Result<bool, CmdError> {
    let now = ks.now();
    let expire_at = o.expire_at(now, cmd)?;
    let get = o.has(opt::GET);
    if get {
        get_generic(ks, out, key)?;
    }
    let found = ks.lookup_write(key).is_some();
    if (o.has(opt::NX) && found) || (o.has(opt::XX) && !found) {
        if !get && reply_ok {
            out.null();
        }
        return Ok(false);
    }
    let keep_ttl = o.has(opt::KEEPTTL) || expire_at.is_some();
    ks.set(key, Value::string(val), keep_ttl);
    ks.srv.dirty += 1;
    ks.notify(NOTIFY_STRING, "set", key);
    if let Some(at) = expire_at {
        ks.set_expire(key, at);
        ks.notify(NOTIFY_GENERIC, "expire", key);
    }
    if !get && reply_ok {
        out.ok();
    }
    Ok(true)
}

/// ```text
/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
///     EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
/// ```
fn set(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let o = parse_set_opts(argv, 3, true)?;
    let (mut ks, out) = ctx.split();
    set_generic(&mut ks, out, &argv[1], &argv[2], &o, "set", true)?;
    Ok(())
}

/// ```text
/// SETNX key value
/// ```
fn setnx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let o = SetOpts {
        flags: opt::NX,
        expire: None,
    };
    let (mut ks, out) = ctx.split();
    let stored = set_generic(&mut ks, out, &argv[1], &argv[2], &o, "setnx", false)?;
    out.int(i64::from(stored));
    Ok(())
}

/// ```text
/// SETEX key seconds value
/// ```
fn setex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let o = SetOpts {
        flags: opt::EX,
        expire: Some(&argv[2]),
    };
    let (mut ks, out) = ctx.split();
    set_generic(&mut ks, out, &argv[1], &argv[3], &o, "setex", true)?;
    Ok(())
}

/// ```text
/// PSETEX key milliseconds value
/// ```
fn psetex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let o = SetOpts {
        flags: opt::PX,
        expire: Some(&argv[2]),
    };
    let (mut ks, out) = ctx.split();
    set_generic(&mut ks, out, &argv[1], &argv[3], &o, "psetex", true)?;
    Ok(())
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
    let o = parse_set_opts(argv, 2, false)?;
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let now = ks.now();
    // The key is looked up (a missing key answers nil) before the expire is validated.
    let expire_at = match ks.read_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => {
            let at = o.expire_at(now, "getex")?;
            reply_str(out, s);
            at
        }
        _ => {
            out.null();
            return Ok(());
        }
    };
    if let Some(at) = expire_at {
        if o.has(opt::EXAT | opt::PXAT) && at <= now && !ks.srv.loading {
            // An absolute time in the past deletes the key.
            ks.delete(key);
            ks.notify(NOTIFY_GENERIC, "del", key);
        } else {
            ks.set_expire(key, at);
            ks.signal_modified(key);
            ks.notify(NOTIFY_GENERIC, "expire", key);
        }
        ks.srv.dirty += 1;
    } else if o.has(opt::PERSIST) && ks.db().persist(key) {
        ks.signal_modified(key);
        ks.notify(NOTIFY_GENERIC, "persist", key);
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

/// Makes room for a string growing to `newlen` bytes the way Redis's `sdsMakeRoomFor`
/// does: double up to 1 MB, then 1 MB of slack (so `MEMORY USAGE` and the real footprint
/// follow Redis, rather than `Vec`'s doubling of huge strings).
pub(crate) fn reserve_like_sds(v: &mut Vec<u8>, newlen: usize) {
    const MAX_PREALLOC: usize = 1024 * 1024;
    if newlen <= v.capacity() {
        return;
    }
    let target = if newlen < MAX_PREALLOC {
        newlen * 2
    } else {
        newlen + MAX_PREALLOC
    };
    v.reserve_exact(target - v.len());
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
            reserve_like_sds(raw, raw.len() + argv[2].len());
            raw.extend_from_slice(&argv[2]);
            raw.len()
        }
        _ => {
            // A new key stores the argument with its usual encoding (int, embstr, raw).
            ks.add(key, Value::string(&argv[2]));
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

/// ```text
/// INCRBYFLOAT key increment
/// ```
fn incrbyfloat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let (exists, current) = match ks.write_typed(key, ValueType::String)? {
        Some(Value::Str(StrValue::Int(n))) => (true, F80::from_i64(*n)),
        Some(Value::Str(s)) => (
            true,
            ldouble::parse_f80(&s.as_bytes()).ok_or(CmdError::NOT_FLOAT)?,
        ),
        _ => (false, F80::zero(false)),
    };
    let incr = ldouble::parse_f80(&argv[2]).ok_or(CmdError::NOT_FLOAT)?;
    let value = current + incr;
    if !value.is_finite() {
        return Err(ldouble::NAN_OR_INFINITY);
    }
    let text = value.to_human();
    // The result is a plain string (never int-encoded); the TTL stays.
    let new = StrValue::from_bytes_no_int(&text);
    match ks.lookup_write(key) {
        Some(Value::Str(s)) if exists => *s = new,
        _ => {
            ks.add(key, Value::Str(new));
        }
    }
    ks.modified(key, NOTIFY_STRING, "incrbyfloat");
    out.bulk(&text);
    Ok(())
}

/// ```text
/// GETRANGE key start end
/// SUBSTR key start end
/// ```
fn getrange(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut start = args::int(&argv[2])?;
    let mut end = args::int(&argv[3])?;
    let (mut ks, out) = ctx.split();
    let s = match ks.read_typed(&argv[1], ValueType::String)? {
        Some(Value::Str(s)) => s.as_bytes(),
        _ => {
            out.bulk(b"");
            return Ok(());
        }
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        out.bulk(b"");
        return Ok(());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        out.bulk(b"");
    } else {
        out.bulk(&s[start as usize..=end as usize]);
    }
    Ok(())
}

/// ```text
/// SETRANGE key offset value
/// ```
fn setrange(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let value = &argv[3];
    let offset = args::int(&argv[2])?;
    if offset < 0 {
        return Err(CmdError::err("offset is out of range"));
    }
    let offset = offset as usize;
    let max = ctx.srv.config.proto_max_bulk_len;
    let (mut ks, out) = ctx.split();
    let len = match ks.write_typed(key, ValueType::String)? {
        None => {
            if value.is_empty() {
                out.int(0);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let mut buf = vec![0u8; offset + value.len()];
            buf[offset..].copy_from_slice(value);
            ks.add(key, Value::Str(StrValue::raw(buf)));
            offset + value.len()
        }
        Some(Value::Str(s)) => {
            if value.is_empty() {
                out.int(s.len() as i64);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let raw = s.make_raw();
            if raw.len() < offset + value.len() {
                reserve_like_sds(raw, offset + value.len());
                raw.resize(offset + value.len(), 0);
            }
            raw[offset..offset + value.len()].copy_from_slice(value);
            raw.len()
        }
        Some(_) => return Err(CmdError::WRONG_TYPE),
    };
    ks.modified(key, NOTIFY_STRING, "setrange");
    out.int(len as i64);
    Ok(())
}

/// ```text
/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
/// ```
fn lcs(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let max = ctx.srv.config.proto_max_bulk_len;
    let (mut ks, out) = ctx.split();
    let mut fetch = |key: &[u8]| -> Result<Vec<u8>, CmdError> {
        match ks.lookup_read(key) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.as_bytes().into_owned()),
            Some(_) => Err(CmdError::err(
                "The specified keys must contain string values",
            )),
        }
    };
    let a = fetch(&argv[1]);
    let b = fetch(&argv[2]);
    let (a, b) = (a?, b?);
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let o = &argv[j];
        if args::is(o, "idx") {
            getidx = true;
        } else if args::is(o, "len") {
            getlen = true;
        } else if args::is(o, "withmatchlen") {
            withmatchlen = true;
        } else if args::is(o, "minmatchlen") && j + 1 < argv.len() {
            minmatchlen = args::int(&argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    if getlen && getidx {
        return Err(CmdError::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() as u64 >= u64::from(u32::MAX) - 1 || b.len() as u64 >= u64::from(u32::MAX) - 1 {
        return Err(CmdError::err("String too long for LCS"));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    if cells * 4 > max.max(0) as u128 {
        return Err(CmdError::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    // table[i * (blen + 1) + j] = LCS length of a[..i] and b[..j].
    let w = blen + 1;
    let mut table = vec![0u32; cells as usize];
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * w + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let total = table[alen * w + blen];
    if getlen && !getidx {
        out.int(i64::from(total));
        return Ok(());
    }
    // Walk back from the end, collecting the LCS and (for IDX) the matching ranges.
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let deferred = if getidx {
        out.map_len(2);
        out.bulk(b"matches");
        Some(out.defer_len())
    } else {
        None
    };
    let mut ranges = 0usize;
    // `arange_start == alen` means no range is open.
    let (mut arange_start, mut arange_end, mut brange_start, mut brange_end) = (alen, 0, 0, 0);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if arange_start == alen {
                arange_start = i - 1;
                arange_end = i - 1;
                brange_start = j - 1;
                brange_end = j - 1;
            } else if arange_start == i && brange_start == j {
                // Contiguous with the open range: extend it backwards.
                arange_start -= 1;
                brange_start -= 1;
            } else {
                emit = true;
            }
            if arange_start == 0 || brange_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * w + j] > table[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if arange_start != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = (arange_end as i64) - (arange_start as i64) + 1;
            if deferred.is_some() && (minmatchlen == 0 || match_len >= minmatchlen) {
                out.array_len(2 + usize::from(withmatchlen));
                out.array_len(2);
                out.int(arange_start as i64);
                out.int(arange_end as i64);
                out.array_len(2);
                out.int(brange_start as i64);
                out.int(brange_end as i64);
                if withmatchlen {
                    out.int(match_len);
                }
                ranges += 1;
            }
            arange_start = alen;
        }
    }
    match deferred {
        Some(d) => {
            out.bulk(b"len");
            out.int(i64::from(total));
            out.set_deferred_len(d, Aggregate::Array, ranges);
        }
        None => out.bulk(&result),
    }
    Ok(())
}
