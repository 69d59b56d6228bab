//! List commands, blocking ones included (Redis's `t_list.c`).
//!
//! Encoding conversions follow Redis: before elements are added a `listpack` that would
//! pass `list-max-listpack-size` becomes a `quicklist` (`listTypeTryConversionAppend`);
//! after elements are removed a one-node `quicklist` at half the limit or less becomes a
//! `listpack` again (`LIST_CONV_SHRINKING`).
//!
//! Blocking commands that find no data park the client with
//! [`blocking::block_for_keys`]; when a key they wait on receives a list, the command
//! runs again from the start with its original deadline (`srv.reprocess_deadline`).

use crate::args;
use crate::blocking;
use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::config::NOTIFY_LIST;
use crate::ctx::{Ctx, Keyspace};
use crate::db::list::{Elem, End, List, ListConfig};
use crate::db::{Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::resp::ReplyBuf;
use crate::server::Server;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("lpush", lpush);
    r.add("rpush", rpush);
    r.add("lpushx", lpushx);
    r.add("rpushx", rpushx);
    r.add("linsert", linsert);
    r.add("llen", llen);
    r.add("lindex", lindex);
    r.add("lset", lset);
    r.add("lpop", lpop);
    r.add("rpop", rpop);
    r.add("lmpop", lmpop);
    r.add("lrange", lrange);
    r.add("ltrim", ltrim);
    r.add("lpos", lpos);
    r.add("lrem", lrem);
    r.add("lmove", lmove);
    r.add("rpoplpush", rpoplpush);
    r.add("blpop", blpop);
    r.add("brpop", brpop);
    r.add("blmove", blmove);
    r.add("brpoplpush", brpoplpush);
    r.add("blmpop", blmpop);
}

/// The list settings of the server's configuration, for building and converting lists.
pub fn list_config(srv: &Server) -> ListConfig {
    ListConfig {
        fill: srv.config.list_max_listpack_size,
        compress: srv.config.list_compress_depth,
    }
}

/// Writes one list element as a bulk string.
#[inline]
fn reply_elem(out: &mut ReplyBuf, e: Elem<'_>) {
    match e {
        Elem::Int(n) => out.bulk_int(n),
        Elem::Str(s) => out.bulk(s),
    }
}

fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// Looks `key` up for writing: `None` if missing, WRONGTYPE if not a list.
fn write_list<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'k mut List>, CmdError> {
    Ok(match ks.write_typed(key, ValueType::List)? {
        Some(Value::List(l)) => Some(l),
        _ => None,
    })
}

/// Looks `key` up for reading: `None` if missing, WRONGTYPE if not a list.
fn read_list<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'k mut List>, CmdError> {
    Ok(match ks.read_typed(key, ValueType::List)? {
        Some(Value::List(l)) => Some(l),
        _ => None,
    })
}

/// The list under `key`, already looked up, with no side effects.
fn list_at<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Option<&'k mut List> {
    match ks.db().entry_mut(key).map(|e| &mut e.value) {
        Some(Value::List(l)) => Some(l),
        _ => None,
    }
}

/// The list under `key` for adding elements, created (and its `new` event sent) when
/// missing. WRONGTYPE if the key holds another type.
fn list_for_push<'k>(
    ks: &'k mut Keyspace<'_>,
    key: &[u8],
    cfg: ListConfig,
) -> Result<&'k mut List, CmdError> {
    if ks.write_typed(key, ValueType::List)?.is_none() {
        ks.add(key, Value::List(Box::new(List::with_config(cfg))));
    }
    list_at(ks, key).ok_or(CmdError::WRONG_TYPE)
}

/// Parses an integer in `min..=max` as Redis's `getRangeLongFromObjectOrReply`: with a
/// message, that message is the error for both bad syntax and range.
fn range_long(a: &[u8], min: i64, max: i64, msg: Option<&str>) -> Result<i64, CmdError> {
    let bad = |default: CmdError| msg.map(CmdError::err).unwrap_or(default);
    let v = crate::util::parse_i64(a).ok_or_else(|| bad(CmdError::NOT_INTEGER))?;
    if v < min || v > max {
        return Err(bad(CmdError::err(format_args!(
            "value is out of range, value must between {min} and {max}"
        ))));
    }
    Ok(v)
}

/// Parses a non-negative integer (`getPositiveLongFromObjectOrReply`): the message
/// (by default `value is out of range, must be positive`) answers bad syntax too.
fn positive_long(a: &[u8], msg: Option<&str>) -> Result<i64, CmdError> {
    let msg = msg.unwrap_or("value is out of range, must be positive");
    range_long(a, 0, i64::MAX, Some(msg))
}

/// `LEFT` or `RIGHT`.
fn parse_end(a: &[u8]) -> Result<End, CmdError> {
    if args::is(a, "left") {
        Ok(End::Head)
    } else if args::is(a, "right") {
        Ok(End::Tail)
    } else {
        Err(CmdError::SYNTAX)
    }
}

/// A blocking command's deadline: the original one when the command runs again after
/// a wake-up, else parsed from `a`.
fn deadline(ctx: &Ctx, a: &[u8]) -> Result<i64, CmdError> {
    let parsed = args::timeout_deadline(a, ctx.srv.cmd_time_ms)?;
    Ok(ctx.srv.reprocess_deadline.unwrap_or(parsed))
}

/// Bookkeeping after elements were popped from `key` (Redis's `listElementsRemoved`):
/// the pop event, deleting an emptied list or trying the shrinking conversion,
/// `WATCH` invalidation and the dirty counter.
fn elements_removed(ks: &mut Keyspace<'_>, key: &[u8], end: End, count: usize, cfg: ListConfig) {
    ks.notify(NOTIFY_LIST, pop_event(end), key);
    if !ks.delete_if_empty(key) {
        if let Some(l) = list_at(ks, key) {
            l.try_convert_shrinking(cfg);
        }
    }
    ks.signal_modified(key);
    ks.srv.dirty += count as u64;
}

/// Replies with the elements `start..=end` (Redis indexes, negatives from the tail),
/// reversed when `reverse` (Redis's `addListRangeReply`).
fn range_reply(out: &mut ReplyBuf, l: &List, start: i64, end: i64, reverse: bool) {
    let llen = l.len() as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        out.empty_array();
        return;
    }
    if end >= llen {
        end = llen - 1;
    }
    let n = (end - start + 1) as usize;
    out.array_len(n);
    let from = if reverse { end } else { start } as usize;
    for e in l.iter_from(from, reverse).take(n) {
        reply_elem(out, e);
    }
}

/// Pops up to `count` elements from one end of the list under `key` (which holds a
/// non-empty list) and replies `[key, [elements]]` (Redis's
/// `listPopRangeAndReplyWithKey`).
fn pop_range_with_key(
    ks: &mut Keyspace<'_>,
    out: &mut ReplyBuf,
    key: &[u8],
    end: End,
    count: usize,
    cfg: ListConfig,
) {
    let Some(l) = list_at(ks, key) else { return };
    let n = count.min(l.len());
    out.array_len(2);
    out.bulk(key);
    pop_range(out, l, end, n);
    elements_removed(ks, key, end, n, cfg);
}

/// Replies with the `n` (`<= len`) elements at one end, in pop order, and removes them.
fn pop_range(out: &mut ReplyBuf, l: &mut List, end: End, n: usize) {
    let len = l.len();
    out.array_len(n);
    match end {
        End::Head => {
            for e in l.iter().take(n) {
                reply_elem(out, e);
            }
            l.delete_range(0, n);
        }
        End::Tail => {
            for e in l.iter_from(len - 1, true).take(n) {
                reply_elem(out, e);
            }
            l.delete_range(len - n, n);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------------------

/// The body of `LPUSH`, `RPUSH`, `LPUSHX`, `RPUSHX`; `xx`: only if the key exists.
fn push_generic(ctx: &mut Ctx, argv: &[Bytes], end: End, xx: bool) -> CmdResult {
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let values = &argv[2..];
    if xx && write_list(&mut ks, key)?.is_none() {
        out.int(0);
        return Ok(());
    }
    let l = list_for_push(&mut ks, key, cfg)?;
    let add_bytes = values.iter().map(|v| v.len()).sum();
    l.try_convert_growing(cfg, add_bytes, values.len());
    for v in values {
        l.push(end, v);
    }
    let len = l.len();
    ks.srv.dirty += values.len() as u64;
    out.int(len as i64);
    ks.signal_modified(key);
    ks.notify(NOTIFY_LIST, push_event(end), key);
    Ok(())
}

/// ```text
/// LPUSH key element [element ...]
/// ```
fn lpush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, End::Head, false)
}

/// ```text
/// RPUSH key element [element ...]
/// ```
fn rpush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, End::Tail, false)
}

/// ```text
/// LPUSHX key element [element ...]
/// ```
fn lpushx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, End::Head, true)
}

/// ```text
/// RPUSHX key element [element ...]
/// ```
fn rpushx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    push_generic(ctx, argv, End::Tail, true)
}

/// ```text
/// LINSERT key <BEFORE | AFTER> pivot element
/// ```
fn linsert(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let after = if args::is(&argv[2], "after") {
        true
    } else if args::is(&argv[2], "before") {
        false
    } else {
        return Err(CmdError::SYNTAX);
    };
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(l) = write_list(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    // As Redis, convert before knowing whether the pivot exists.
    l.try_convert_growing(cfg, argv[4].len(), 1);
    if !l.insert(&argv[3], &argv[4], after) {
        out.int(-1);
        return Ok(());
    }
    let len = l.len();
    ks.signal_modified(key);
    ks.notify(NOTIFY_LIST, "linsert", key);
    ks.srv.dirty += 1;
    out.int(len as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// ```text
/// LLEN key
/// ```
fn llen(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let n = read_list(&mut ks, &argv[1])?.map(|l| l.len()).unwrap_or(0);
    out.int(n as i64);
    Ok(())
}

/// ```text
/// LINDEX key index
/// ```
fn lindex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let Some(l) = read_list(&mut ks, &argv[1])? else {
        out.null();
        return Ok(());
    };
    let idx = args::int(&argv[2])?;
    match l.get(idx) {
        Some(e) => reply_elem(out, e),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// LRANGE key start stop
/// ```
fn lrange(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let (mut ks, out) = ctx.split();
    match read_list(&mut ks, &argv[1])? {
        Some(l) => range_reply(out, l, start, end, false),
        None => out.empty_array(),
    }
    Ok(())
}

/// ```text
/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
/// ```
fn lpos(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let opt = &argv[j];
        if args::is(opt, "rank") && more {
            j += 1;
            rank = range_long(&argv[j], -i64::MAX, i64::MAX, None)?;
            if rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if args::is(opt, "count") && more {
            j += 1;
            count = Some(positive_long(&argv[j], Some("COUNT can't be negative"))?);
        } else if args::is(opt, "maxlen") && more {
            j += 1;
            maxlen = positive_long(&argv[j], Some("MAXLEN can't be negative"))?;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    let from_tail = rank < 0;
    let rank = rank.unsigned_abs();
    let (mut ks, out) = ctx.split();
    let Some(l) = read_list(&mut ks, &argv[1])? else {
        if count.is_some() {
            out.empty_array();
        } else {
            out.null();
        }
        return Ok(());
    };
    let ele = &argv[2];
    let llen = l.len();
    let iter = if from_tail {
        l.iter_from(llen.saturating_sub(1), true)
    } else {
        l.iter_from(0, false)
    };
    let mut matches: u64 = 0;
    let mut found: Vec<i64> = Vec::new();
    for (index, e) in iter.enumerate() {
        if maxlen != 0 && index as i64 >= maxlen {
            break;
        }
        if !e.eq_bytes(ele) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        let at = if from_tail { llen - index - 1 } else { index } as i64;
        found.push(at);
        match count {
            None => break,
            Some(c) if c != 0 && matches - rank + 1 >= c as u64 => break,
            _ => {}
        }
    }
    match count {
        Some(_) => {
            out.array_len(found.len());
            for i in found {
                out.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => out.int(i),
            None => out.null(),
        },
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------

/// ```text
/// LSET key index element
/// ```
fn lset(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(l) = write_list(&mut ks, key)? else {
        return Err(CmdError::NO_SUCH_KEY);
    };
    let idx = args::int(&argv[2])?;
    l.try_convert_growing(cfg, argv[3].len(), 1);
    if !l.set(idx, &argv[3]) {
        return Err(CmdError::INDEX_OUT_OF_RANGE);
    }
    l.try_convert_shrinking(cfg);
    out.ok();
    ks.signal_modified(key);
    ks.notify(NOTIFY_LIST, "lset", key);
    ks.srv.dirty += 1;
    Ok(())
}

/// The body of `LPOP` and `RPOP`.
fn pop_generic(ctx: &mut Ctx, argv: &[Bytes], end: End) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::wrong_arity(&ctx.cmd.name));
    }
    let count = match argv.get(2) {
        Some(a) => Some(positive_long(a, None)? as usize),
        None => None,
    };
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(l) = write_list(&mut ks, key)? else {
        if count.is_some() {
            out.null_array();
        } else {
            out.null();
        }
        return Ok(());
    };
    let n = match count {
        Some(0) => {
            out.empty_array();
            return Ok(());
        }
        None => {
            let Some(v) = l.pop(end) else {
                out.null();
                return Ok(());
            };
            out.bulk(&v);
            1
        }
        Some(c) => {
            let n = c.min(l.len());
            pop_range(out, l, end, n);
            n
        }
    };
    elements_removed(&mut ks, key, end, n, cfg);
    Ok(())
}

/// ```text
/// LPOP key [count]
/// ```
fn lpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    pop_generic(ctx, argv, End::Head)
}

/// ```text
/// RPOP key [count]
/// ```
fn rpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    pop_generic(ctx, argv, End::Tail)
}

/// ```text
/// LTRIM key start stop
/// ```
fn ltrim(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(l) = write_list(&mut ks, key)? else {
        out.ok();
        return Ok(());
    };
    let llen = l.len() as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    let (ltrim, rtrim) = if start > end || start >= llen {
        (llen, 0)
    } else {
        if end >= llen {
            end = llen - 1;
        }
        (start, llen - end - 1)
    };
    l.trim(ltrim as usize, rtrim as usize);
    ks.notify(NOTIFY_LIST, "ltrim", key);
    if !ks.delete_if_empty(key) {
        if let Some(l) = list_at(&mut ks, key) {
            l.try_convert_shrinking(cfg);
        }
    }
    ks.signal_modified(key);
    ks.srv.dirty += (ltrim + rtrim) as u64;
    out.ok();
    Ok(())
}

/// ```text
/// LREM key count element
/// ```
fn lrem(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let count = range_long(&argv[2], -i64::MAX, i64::MAX, None)?;
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(l) = write_list(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    let removed = l.remove(&argv[3], count.unsigned_abs() as usize, count < 0);
    ks.srv.dirty += removed as u64;
    if removed > 0 {
        ks.notify(NOTIFY_LIST, "lrem", key);
        if !ks.delete_if_empty(key) {
            if let Some(l) = list_at(&mut ks, key) {
                l.try_convert_shrinking(cfg);
            }
        }
        ks.signal_modified(key);
    }
    out.int(removed as i64);
    Ok(())
}

/// Moves one element from `argv[1]` to `argv[2]` (Redis's `lmoveGenericCommand`).
/// Replies with the element, or null when the source is missing.
fn lmove_generic(ctx: &mut Ctx, argv: &[Bytes], from: End, to: End) -> CmdResult {
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    let (src, dst) = (&argv[1], &argv[2]);
    let src_quicklist = match write_list(&mut ks, src)? {
        Some(l) if !l.is_empty() => l.is_quicklist(),
        _ => {
            out.null();
            return Ok(());
        }
    };
    // The destination's type is checked before anything moves.
    let dst_exists = ks.write_typed(dst, ValueType::List)?.is_some();
    let Some(value) = list_at(&mut ks, src).and_then(|l| l.pop(from)) else {
        out.null();
        return Ok(());
    };
    // Redis hands an element popped from a quicklist over as an integer object when it
    // is one, and integers do not count towards the conversion's byte estimate.
    let add_bytes =
        if src_quicklist && value.len() <= 20 && crate::util::parse_i64(&value).is_some() {
            0
        } else {
            value.len()
        };
    if !dst_exists {
        ks.add(dst, Value::List(Box::new(List::with_config(cfg))));
    }
    if let Some(d) = list_at(&mut ks, dst) {
        d.try_convert_growing(cfg, add_bytes, 1);
        d.push(to, &value);
    }
    ks.signal_modified(dst);
    ks.notify(NOTIFY_LIST, push_event(to), dst);
    out.bulk(&value);
    elements_removed(&mut ks, src, from, 1, cfg);
    Ok(())
}

/// ```text
/// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
/// ```
fn lmove(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let from = parse_end(&argv[3])?;
    let to = parse_end(&argv[4])?;
    lmove_generic(ctx, argv, from, to)
}

/// ```text
/// RPOPLPUSH source destination
/// ```
fn rpoplpush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    lmove_generic(ctx, argv, End::Tail, End::Head)
}

/// Parsed `[B]LMPOP` arguments.
struct MpopArgs {
    /// Index of the first key in argv.
    first_key: usize,
    numkeys: usize,
    end: End,
    count: usize,
}

/// Parses `numkeys key [key ...] <LEFT | RIGHT> [COUNT count]` from `argv[numkeys_idx]`.
fn parse_mpop(argv: &[Bytes], numkeys_idx: usize) -> Result<MpopArgs, CmdError> {
    let numkeys = range_long(
        &argv[numkeys_idx],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    )? as u64;
    let where_idx = (numkeys_idx as u64)
        .checked_add(numkeys)
        .and_then(|v| v.checked_add(1))
        .filter(|&v| v < argv.len() as u64)
        .ok_or(CmdError::SYNTAX)? as usize;
    let end = parse_end(&argv[where_idx])?;
    let mut count: Option<i64> = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if count.is_none() && args::is(&argv[j], "count") && more {
            j += 1;
            count = Some(range_long(
                &argv[j],
                1,
                i64::MAX,
                Some("count should be greater than 0"),
            )?);
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    Ok(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys: numkeys as usize,
        end,
        count: count.unwrap_or(1) as usize,
    })
}

/// ```text
/// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
/// ```
fn lmpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let a = parse_mpop(argv, 1)?;
    let cfg = list_config(ctx.srv);
    let (mut ks, out) = ctx.split();
    for key in &argv[a.first_key..a.first_key + a.numkeys] {
        match write_list(&mut ks, key)? {
            Some(l) if !l.is_empty() => {
                pop_range_with_key(&mut ks, out, key, a.end, a.count, cfg);
                return Ok(());
            }
            _ => continue,
        }
    }
    out.null_array();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Blocking commands
// ---------------------------------------------------------------------------------------

/// The body of `BLPOP`, `BRPOP` and `BLMPOP` (Redis's `blockingPopGenericCommand`):
/// serves the first non-empty list among `keys`, else blocks. `count`: `None` for the
/// single-element reply `[key, element]`, `Some(n)` for `[key, [elements]]`.
fn blocking_pop(
    ctx: &mut Ctx,
    argv: &[Bytes],
    keys: &[Bytes],
    end: End,
    timeout: &[u8],
    count: Option<usize>,
) -> CmdResult {
    let deadline = deadline(ctx, timeout)?;
    let cfg = list_config(ctx.srv);
    {
        let (mut ks, out) = ctx.split();
        for key in keys {
            let Some(l) = write_list(&mut ks, key)? else {
                continue;
            };
            if l.is_empty() {
                continue;
            }
            match count {
                Some(n) => pop_range_with_key(&mut ks, out, key, end, n, cfg),
                None => {
                    let Some(v) = l.pop(end) else { continue };
                    out.array_len(2);
                    out.bulk(key);
                    out.bulk(&v);
                    elements_removed(&mut ks, key, end, 1, cfg);
                }
            }
            return Ok(());
        }
    }
    if ctx.client.has(cf::DENY_BLOCKING) {
        ctx.out().null_array();
        return Ok(());
    }
    blocking::block_for_keys(
        ctx.srv,
        ctx.client,
        keys,
        deadline,
        ValueType::List,
        argv.to_vec(),
    );
    Ok(())
}

/// ```text
/// BLPOP key [key ...] timeout
/// ```
fn blpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let n = argv.len();
    blocking_pop(ctx, argv, &argv[1..n - 1], End::Head, &argv[n - 1], None)
}

/// ```text
/// BRPOP key [key ...] timeout
/// ```
fn brpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let n = argv.len();
    blocking_pop(ctx, argv, &argv[1..n - 1], End::Tail, &argv[n - 1], None)
}

/// ```text
/// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
/// ```
fn blmpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let a = parse_mpop(argv, 2)?;
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    blocking_pop(ctx, argv, keys, a.end, &argv[1], Some(a.count))
}

/// The body of `BLMOVE` and `BRPOPLPUSH`: moves at once if the source has elements,
/// else blocks on the source.
fn blmove_generic(ctx: &mut Ctx, argv: &[Bytes], from: End, to: End, deadline: i64) -> CmdResult {
    let src_exists = {
        let mut ks = ctx.ks();
        write_list(&mut ks, &argv[1])?.is_some()
    };
    if src_exists {
        return lmove_generic(ctx, argv, from, to);
    }
    if ctx.client.has(cf::DENY_BLOCKING) {
        ctx.out().null();
        return Ok(());
    }
    blocking::block_for_keys(
        ctx.srv,
        ctx.client,
        &argv[1..2],
        deadline,
        ValueType::List,
        argv.to_vec(),
    );
    Ok(())
}

/// ```text
/// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
/// ```
fn blmove(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let from = parse_end(&argv[3])?;
    let to = parse_end(&argv[4])?;
    let deadline = deadline(ctx, &argv[5])?;
    blmove_generic(ctx, argv, from, to, deadline)
}

/// ```text
/// BRPOPLPUSH source destination timeout
/// ```
fn brpoplpush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let deadline = deadline(ctx, &argv[3])?;
    blmove_generic(ctx, argv, End::Tail, End::Head, deadline)
}
