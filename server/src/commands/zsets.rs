//! Sorted set commands (`ZADD` ... `BZMPOP`), following Redis 7.4's `t_zset.c`: the
//! same argument parsing order, error texts, reply shapes in RESP2 and RESP3, keyspace
//! events and dirty counting.

use crate::args;
use crate::blocking;
use crate::client::flags;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_ZSET};
use crate::ctx::{Ctx, Keyspace};
use crate::db::zset::{AddFlags, AddOutcome, LexRange, Limits, ScoreRange, ZSet};
use crate::db::{Dict, SBytes, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::resp::{Aggregate, ReplyBuf};
use crate::util::{fmt_f64, fmt_f64_g17};
use bytes::Bytes;

/// `ERR min or max is not a float`
const NOT_FLOAT_RANGE: CmdError = CmdError::fixed("ERR min or max is not a float");
/// `ERR min or max not valid string range item`
const NOT_LEX_RANGE: CmdError = CmdError::fixed("ERR min or max not valid string range item");
/// `ERR resulting score is not a number (NaN)`
const NAN_RESULT: CmdError = CmdError::fixed("ERR resulting score is not a number (NaN)");
/// `ERR value is out of range, must be positive`
const NOT_POSITIVE: CmdError = CmdError::fixed("ERR value is out of range, must be positive");

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("zadd", zadd);
    r.add("zincrby", zincrby);
    r.add("zrem", zrem);
    r.add("zcard", zcard);
    r.add("zscore", zscore);
    r.add("zmscore", zmscore);
    r.add("zrank", zrank);
    r.add("zrevrank", zrevrank);
    r.add("zcount", zcount);
    r.add("zlexcount", zlexcount);
    r.add("zrange", zrange);
    r.add("zrangestore", zrangestore);
    r.add("zrevrange", zrevrange);
    r.add("zrangebyscore", zrangebyscore);
    r.add("zrevrangebyscore", zrevrangebyscore);
    r.add("zrangebylex", zrangebylex);
    r.add("zrevrangebylex", zrevrangebylex);
    r.add("zremrangebyrank", zremrangebyrank);
    r.add("zremrangebyscore", zremrangebyscore);
    r.add("zremrangebylex", zremrangebylex);
    r.add("zunion", zunion);
    r.add("zinter", zinter);
    r.add("zdiff", zdiff);
    r.add("zunionstore", zunionstore);
    r.add("zinterstore", zinterstore);
    r.add("zdiffstore", zdiffstore);
    r.add("zintercard", zintercard);
    r.add("zpopmin", zpopmin);
    r.add("zpopmax", zpopmax);
    r.add("zmpop", zmpop);
    r.add("bzpopmin", bzpopmin);
    r.add("bzpopmax", bzpopmax);
    r.add("bzmpop", bzmpop);
    r.add("zrandmember", zrandmember);
    r.add("zscan", zscan);
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The configured encoding limits.
fn limits(ks: &Keyspace<'_>) -> Limits {
    Limits::of(&ks.srv.config)
}

/// Looks up a sorted set for reading (WRONGTYPE for other types).
fn read_zset<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'k mut ZSet>, CmdError> {
    Ok(match ks.read_typed(key, ValueType::ZSet)? {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    })
}

/// Looks up a sorted set for writing (WRONGTYPE for other types).
fn write_zset<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'k mut ZSet>, CmdError> {
    Ok(match ks.write_typed(key, ValueType::ZSet)? {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    })
}

/// The sorted set under `key`, already looked up (no expiry, no statistics).
fn zset_at<'k>(ks: &'k mut Keyspace<'_>, key: &[u8]) -> Option<&'k mut ZSet> {
    match ks.db().entry_mut(key).map(|e| &mut e.value) {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    }
}

/// Parses a `long` with a custom error for every failure, within `min..=max`
/// (Redis's `getRangeLongFromObjectOrReply` with a message).
fn range_long(a: &[u8], min: i64, max: i64, msg: &'static str) -> Result<i64, CmdError> {
    match crate::util::parse_i64(a) {
        Some(v) if v >= min && v <= max => Ok(v),
        _ => Err(CmdError::fixed(msg)),
    }
}

/// Writes one (member, score) element of a `WITHSCORES` reply: a pair array in RESP3.
#[inline]
fn emit_pair(out: &mut ReplyBuf, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.is_resp3() {
        out.array_len(2);
    }
    out.bulk(member);
    if withscores {
        out.double(score);
    }
}

/// The header of a list of `n` elements, flat with scores in RESP2.
#[inline]
fn elements_header(out: &mut ReplyBuf, n: usize, withscores: bool) {
    if withscores && !out.is_resp3() {
        out.array_len(n * 2);
    } else {
        out.array_len(n);
    }
}

// ---------------------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM
// ---------------------------------------------------------------------------------------

/// ```text
/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
/// ```
fn zadd(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, argv, false)
}

/// ```text
/// ZINCRBY key increment member
/// ```
fn zincrby(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, argv, true)
}

/// Redis's `zaddGenericCommand`.
fn zadd_generic(ctx: &mut Ctx, argv: &[Bytes], incr: bool) -> CmdResult {
    let mut f = AddFlags {
        incr,
        ..Default::default()
    };
    let mut ch = false;
    let mut idx = 2;
    while idx < argv.len() {
        let o = &argv[idx];
        if args::is(o, "nx") {
            f.nx = true;
        } else if args::is(o, "xx") {
            f.xx = true;
        } else if args::is(o, "ch") {
            ch = true;
        } else if args::is(o, "incr") {
            f.incr = true;
        } else if args::is(o, "gt") {
            f.gt = true;
        } else if args::is(o, "lt") {
            f.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    let rest = argv.len() - idx;
    if rest % 2 != 0 || rest == 0 {
        return Err(CmdError::SYNTAX);
    }
    let n = rest / 2;
    if f.nx && f.xx {
        return Err(CmdError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        return Err(CmdError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && n > 1 {
        return Err(CmdError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    let scores = (0..n)
        .map(|j| args::float(&argv[idx + j * 2]))
        .collect::<Result<Vec<f64>, _>>()?;
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let lim = limits(&ks);
    match write_zset(&mut ks, key)? {
        Some(z) => z.maybe_convert(n, lim),
        None => {
            if f.xx {
                if f.incr {
                    out.null();
                } else {
                    out.int(0);
                }
                return Ok(());
            }
            let z = ZSet::with_hint(n, argv[idx + 1].len(), lim);
            ks.add(key, Value::ZSet(Box::new(z)));
        }
    }
    let Some(z) = zset_at(&mut ks, key) else {
        return Ok(());
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut score = 0.0;
    let mut nan = false;
    for (j, &s) in scores.iter().enumerate() {
        match z.add(&argv[idx + 1 + j * 2], s, f, lim) {
            AddOutcome::Added(v) => {
                added += 1;
                processed += 1;
                score = v;
            }
            AddOutcome::Updated(v) => {
                updated += 1;
                processed += 1;
                score = v;
            }
            AddOutcome::Unchanged(v) => {
                processed += 1;
                score = v;
            }
            AddOutcome::Skipped => {}
            AddOutcome::Nan => {
                nan = true;
                break;
            }
        }
    }
    if added + updated > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_ZSET, if f.incr { "zincr" } else { "zadd" }, key);
    }
    if nan {
        return Err(NAN_RESULT);
    }
    ks.srv.dirty += (added + updated) as u64;
    if f.incr {
        if processed > 0 {
            out.double(score);
        } else {
            out.null();
        }
    } else {
        out.int(if ch { added + updated } else { added });
    }
    Ok(())
}

/// ```text
/// ZREM key member [member ...]
/// ```
fn zrem(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let Some(z) = write_zset(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    let mut deleted = 0i64;
    for m in &argv[2..] {
        if z.remove(m) {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    if deleted > 0 {
        ks.notify(NOTIFY_ZSET, "zrem", key);
        ks.delete_if_empty(key);
        ks.signal_modified(key);
        ks.srv.dirty += deleted as u64;
    }
    out.int(deleted);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Simple reads
// ---------------------------------------------------------------------------------------

/// ```text
/// ZCARD key
/// ```
fn zcard(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let n = read_zset(&mut ks, &argv[1])?.map_or(0, |z| z.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// ZSCORE key member
/// ```
fn zscore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    match read_zset(&mut ks, &argv[1])?.and_then(|z| z.score(&argv[2])) {
        Some(s) => out.double(s),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// ZMSCORE key member [member ...]
/// ```
fn zmscore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let z = read_zset(&mut ks, &argv[1])?;
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

/// ```text
/// ZRANK key member [WITHSCORE]
/// ```
fn zrank(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, argv, false)
}

/// ```text
/// ZREVRANK key member [WITHSCORE]
/// ```
fn zrevrank(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrank_generic(ctx, argv, true)
}

fn zrank_generic(ctx: &mut Ctx, argv: &[Bytes], reverse: bool) -> CmdResult {
    if argv.len() > 4 {
        return Err(CmdError::wrong_arity(&ctx.cmd.name));
    }
    let withscore = match argv.get(3) {
        Some(a) if args::is(a, "withscore") => true,
        Some(_) => return Err(CmdError::SYNTAX),
        None => false,
    };
    let (mut ks, out) = ctx.split();
    let found = read_zset(&mut ks, &argv[1])?.and_then(|z| z.rank(&argv[2], reverse));
    match found {
        Some((rank, score)) => {
            if withscore {
                out.array_len(2);
            }
            out.int(rank as i64);
            if withscore {
                out.double(score);
            }
        }
        None if withscore => out.null_array(),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// ZCOUNT key min max
/// ```
fn zcount(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let r = ScoreRange::parse(&argv[2], &argv[3]).ok_or(NOT_FLOAT_RANGE)?;
    let (mut ks, out) = ctx.split();
    let n = read_zset(&mut ks, &argv[1])?.map_or(0, |z| z.count_in(&r));
    out.int(n as i64);
    Ok(())
}

/// ```text
/// ZLEXCOUNT key min max
/// ```
fn zlexcount(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let r = LexRange::parse(&argv[2], &argv[3]).ok_or(NOT_LEX_RANGE)?;
    let (mut ks, out) = ctx.split();
    let n = read_zset(&mut ks, &argv[1])?.map_or(0, |z| z.count_in(&r));
    out.int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// A parsed range of any kind.
enum Spec {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// Emits the elements a range selects, in reply order, with `LIMIT offset count` for
/// score and lex ranges; returns how many.
fn select_range(
    z: &ZSet,
    spec: &Spec,
    reverse: bool,
    offset: i64,
    limit: i64,
    mut emit: impl FnMut(&[u8], f64),
) -> usize {
    match spec {
        Spec::Rank(start, end) => {
            let Some((start, n)) = rank_window(z.len(), *start, *end) else {
                return 0;
            };
            let from = if reverse { z.len() - 1 - start } else { start };
            for (m, s) in z.iter_from(from, reverse).take(n) {
                emit(m, s);
            }
            n
        }
        Spec::Score(r) => z.range_by(r, reverse, offset, limit, emit),
        Spec::Lex(r) => z.range_by(r, reverse, offset, limit, emit),
    }
}

/// Sanitizes `start..=end` (negative counts from the end) against `len`: the first
/// 0-based rank and the number of elements, or `None` when empty.
fn rank_window(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, (end - start + 1) as usize))
}

/// Redis's `zrangeGenericCommand`: the source key is `argv[src]`, followed by
/// `min max [BYSCORE | BYLEX] [REV] [WITHSCORES] [LIMIT offset count]`; with `store`,
/// the result goes to that key.
fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    src: usize,
    store: Option<&Bytes>,
    mut rangetype: RangeType,
    mut direction: Direction,
) -> CmdResult {
    let key = &argv[src];
    let (mut minidx, mut maxidx) = (src + 1, src + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = src + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if store.is_none() && args::is(a, "withscores") {
            withscores = true;
        } else if args::is(a, "limit") && left >= 2 {
            offset = args::int(&argv[j + 1])?;
            limit = args::int(&argv[j + 2])?;
            j += 2;
        } else if direction == Direction::Auto && args::is(a, "rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && args::is(a, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && args::is(a, "byscore") {
            rangetype = RangeType::Score;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(CmdError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(CmdError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let reverse = direction == Direction::Reverse;
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let spec = match rangetype {
        RangeType::Score => {
            Spec::Score(ScoreRange::parse(&argv[minidx], &argv[maxidx]).ok_or(NOT_FLOAT_RANGE)?)
        }
        RangeType::Lex => {
            Spec::Lex(LexRange::parse(&argv[minidx], &argv[maxidx]).ok_or(NOT_LEX_RANGE)?)
        }
        _ => Spec::Rank(args::int(&argv[minidx])?, args::int(&argv[maxidx])?),
    };
    let (mut ks, out) = ctx.split();
    let Some(dst) = store else {
        let Some(z) = read_zset(&mut ks, key)? else {
            out.empty_array();
            return Ok(());
        };
        let d = out.defer_len();
        let n = select_range(z, &spec, reverse, offset, limit, |m, s| {
            emit_pair(out, m, s, withscores)
        });
        let n = if withscores && !out.is_resp3() {
            n * 2
        } else {
            n
        };
        out.set_deferred_len(d, Aggregate::Array, n);
        return Ok(());
    };
    let mut result: Vec<(SBytes, f64)> = Vec::new();
    let mut hint = 0;
    if let Some(z) = read_zset(&mut ks, key)? {
        if let Spec::Rank(start, end) = spec {
            hint = rank_window(z.len(), start, end).map_or(0, |w| w.1);
        }
        select_range(z, &spec, reverse, offset, limit, |m, s| {
            result.push((SBytes::from_slice(m), s))
        });
    }
    store_result(
        &mut ks,
        out,
        dst,
        result,
        |lim, entries| {
            let mut z = ZSet::with_hint(hint, 0, lim);
            for (m, s) in entries {
                z.add(&m, s, AddFlags::default(), lim);
            }
            z
        },
        "zrangestore",
    );
    Ok(())
}

/// Stores a `*STORE` result under `dst` (or deletes `dst` when it is empty) and
/// replies with its size, with the keyspace event `event`.
fn store_result(
    ks: &mut Keyspace<'_>,
    out: &mut ReplyBuf,
    dst: &[u8],
    result: Vec<(SBytes, f64)>,
    build: impl FnOnce(Limits, Vec<(SBytes, f64)>) -> ZSet,
    event: &str,
) {
    if result.is_empty() {
        out.int(0);
        if ks.delete(dst) {
            ks.notify(NOTIFY_GENERIC, "del", dst);
            ks.srv.dirty += 1;
        }
        return;
    }
    let lim = limits(ks);
    let z = build(lim, result);
    let n = z.len();
    ks.set(dst, Value::ZSet(Box::new(z)), false);
    out.int(n as i64);
    ks.notify(NOTIFY_ZSET, event, dst);
    ks.srv.dirty += 1;
}

/// ```text
/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
/// ```
fn zrange(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Auto, Direction::Auto)
}

/// ```text
/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
/// ```
fn zrangestore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let dst = argv[1].clone();
    zrange_generic(ctx, argv, 2, Some(&dst), RangeType::Auto, Direction::Auto)
}

/// ```text
/// ZREVRANGE key start stop [WITHSCORES]
/// ```
fn zrevrange(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Rank, Direction::Reverse)
}

/// ```text
/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
/// ```
fn zrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Forward)
}

/// ```text
/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
/// ```
fn zrevrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Reverse)
}

/// ```text
/// ZRANGEBYLEX key min max [LIMIT offset count]
/// ```
fn zrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Forward)
}

/// ```text
/// ZREVRANGEBYLEX key max min [LIMIT offset count]
/// ```
fn zrevrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Reverse)
}

// ---------------------------------------------------------------------------------------
// ZREMRANGEBY*
// ---------------------------------------------------------------------------------------

/// Redis's `zremrangeGenericCommand`.
fn zremrange_generic(ctx: &mut Ctx, argv: &[Bytes], rangetype: RangeType) -> CmdResult {
    let (spec, event) = match rangetype {
        RangeType::Score => (
            Spec::Score(ScoreRange::parse(&argv[2], &argv[3]).ok_or(NOT_FLOAT_RANGE)?),
            "zremrangebyscore",
        ),
        RangeType::Lex => (
            Spec::Lex(LexRange::parse(&argv[2], &argv[3]).ok_or(NOT_LEX_RANGE)?),
            "zremrangebylex",
        ),
        _ => (
            Spec::Rank(args::int(&argv[2])?, args::int(&argv[3])?),
            "zremrangebyrank",
        ),
    };
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    let Some(z) = write_zset(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    let deleted = match &spec {
        Spec::Rank(start, end) => match rank_window(z.len(), *start, *end) {
            Some((start, n)) => z.delete_rank_range(start, start + n - 1),
            None => {
                out.int(0);
                return Ok(());
            }
        },
        Spec::Score(r) => z.delete_range(r),
        Spec::Lex(r) => z.delete_range(r),
    };
    if deleted > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_ZSET, event, key);
        ks.delete_if_empty(key);
    }
    ks.srv.dirty += deleted as u64;
    out.int(deleted as i64);
    Ok(())
}

/// ```text
/// ZREMRANGEBYRANK key start stop
/// ```
fn zremrangebyrank(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Rank)
}

/// ```text
/// ZREMRANGEBYSCORE key min max
/// ```
fn zremrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Score)
}

/// ```text
/// ZREMRANGEBYLEX key min max
/// ```
fn zremrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zremrange_generic(ctx, argv, RangeType::Lex)
}

// ---------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggr {
    Sum,
    Min,
    Max,
}

/// Redis's `zunionInterAggregate`, NaN rules included.
#[inline]
fn aggregate(target: &mut f64, val: f64, how: Aggr) {
    match how {
        Aggr::Sum => {
            *target += val;
            // inf + -inf: Redis keeps the convention that the result is 0.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggr::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggr::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input of a set operation: a sorted set, a plain set (every score 1), or a
/// missing key (empty).
enum Source<'a> {
    Missing,
    ZSet(&'a ZSet),
    /// A copy of a set's members, read with the set type's `for_each`.
    Set(Dict<()>),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::ZSet(z) => z.len(),
            Source::Set(d) => d.len(),
        }
    }

    /// The member's score in this input.
    fn find(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(z) => z.score(member),
            Source::Set(d) => d.contains_key(member).then_some(1.0),
        }
    }

    /// Visits every element with its score.
    fn for_each(&self, mut f: impl FnMut(&[u8], f64) -> bool) {
        match self {
            Source::Missing => {}
            Source::ZSet(z) => {
                // Redis walks sorted sets from the highest rank down.
                if !z.is_empty() {
                    for (m, s) in z.iter_from(z.len() - 1, true) {
                        if !f(m, s) {
                            return;
                        }
                    }
                }
            }
            Source::Set(d) => {
                for k in d.keys() {
                    if !f(k, 1.0) {
                        return;
                    }
                }
            }
        }
    }
}

/// Redis's `zunionInterDiffGenericCommand`: `argv[numkeys_idx]` is the number of
/// input keys that follow; `dst` is the destination of the `*STORE` forms.
fn zsetop_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: SetOp,
    card_only: bool,
) -> CmdResult {
    let setnum = args::int(&argv[numkeys_idx])?;
    if setnum < 1 {
        return Err(CmdError::err(format_args!(
            "at least 1 input key is needed for '{}' command",
            ctx.cmd.name
        )));
    }
    if setnum as u64 > (argv.len() - (numkeys_idx + 1)) as u64 {
        return Err(CmdError::SYNTAX);
    }
    let setnum = setnum as usize;
    let keys = &argv[numkeys_idx + 1..numkeys_idx + 1 + setnum];
    let (mut ks, out) = ctx.split();
    // Look every input up first (expiry, statistics, WRONGTYPE), as Redis does before
    // it parses the options.
    for k in keys {
        match ks.lookup_read(k) {
            None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => {}
            Some(_) => return Err(CmdError::WRONG_TYPE),
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggr::Sum;
    let mut withscores = false;
    let mut limit = 0i64;
    let mut j = numkeys_idx + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = &argv[j];
        if op != SetOp::Diff && !card_only && remaining > setnum && args::is(a, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = crate::util::parse_f64(&argv[j])
                    .ok_or_else(|| CmdError::err("weight value is not a float"))?;
                j += 1;
            }
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && args::is(a, "aggregate") {
            let v = &argv[j + 1];
            how = if args::is(v, "sum") {
                Aggr::Sum
            } else if args::is(v, "min") {
                Aggr::Min
            } else if args::is(v, "max") {
                Aggr::Max
            } else {
                return Err(CmdError::SYNTAX);
            };
            j += 2;
        } else if dst.is_none() && !card_only && args::is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && args::is(a, "limit") {
            limit = range_long(&argv[j + 1], 0, i64::MAX, "ERR LIMIT can't be negative")?;
            j += 2;
        } else {
            return Err(CmdError::SYNTAX);
        }
    }

    // Gather the inputs (no further side effects from here on).
    let mut srcs: Vec<(Source<'_>, f64)> = Vec::with_capacity(setnum);
    let db = &ks.srv.dbs[ks.db];
    for (k, w) in keys.iter().zip(&weights) {
        let src = match db.entry(k).map(|e| &e.value) {
            Some(Value::ZSet(z)) => Source::ZSet(z),
            Some(Value::Set(s)) => {
                let mut d = Dict::with_capacity(s.len());
                s.for_each(|m| {
                    if !d.contains_key(m) {
                        d.insert_new(SBytes::from_slice(m), ());
                    }
                });
                Source::Set(d)
            }
            _ => Source::Missing,
        };
        srcs.push((src, *w));
    }
    if op != SetOp::Diff {
        srcs.sort_by_key(|(s, _)| s.len());
    }

    let mut result: Vec<(SBytes, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        SetOp::Inter => {
            if srcs[0].0.len() > 0 {
                let (first, rest) = srcs.split_first().expect("at least one input");
                first.0.for_each(|m, s| {
                    let mut score = first.1 * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for (src, w) in rest {
                        match src.find(m) {
                            Some(v) => aggregate(&mut score, v * w, how),
                            None => return true,
                        }
                    }
                    if card_only {
                        cardinality += 1;
                        return !(limit > 0 && cardinality as i64 >= limit);
                    }
                    result.push((SBytes::from_slice(m), score));
                    true
                });
            }
        }
        SetOp::Union => {
            let mut acc: Dict<f64> = Dict::with_capacity(srcs.last().map_or(0, |s| s.0.len()));
            for (src, w) in &srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            acc.insert_new(SBytes::from_slice(m), score);
                        }
                    }
                    true
                });
            }
            result = acc.iter().map(|(k, v)| (k.clone(), *v)).collect();
        }
        SetOp::Diff => result = diff_result(&srcs),
    }

    if let Some(dst) = dst {
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        drop(srcs);
        store_result(
            &mut ks,
            out,
            dst,
            result,
            |lim, e| ZSet::from_entries(e, lim),
            event,
        );
    } else if card_only {
        out.int(cardinality as i64);
    } else {
        result.sort_by(|a, b| crate::db::zset::cmp_entries(a.1, &a.0, b.1, &b.0));
        elements_header(out, result.len(), withscores);
        for (m, s) in &result {
            emit_pair(out, m, *s, withscores);
        }
    }
    Ok(())
}

/// `ZDIFF`'s result, with the algorithm Redis would choose (`zsetChooseDiffAlgorithm`).
fn diff_result(srcs: &[(Source<'_>, f64)]) -> Vec<(SBytes, f64)> {
    let first = &srcs[0].0;
    if first.len() == 0 {
        return Vec::new();
    }
    let mut algo_one: u64 = 0;
    let mut algo_two: u64 = 0;
    for (src, _) in srcs {
        algo_one += first.len() as u64;
        algo_two += src.len() as u64;
    }
    let mut result = Vec::new();
    if algo_one / 2 <= algo_two {
        // Each element of the first input that no other input has; look in the larger
        // inputs first.
        let mut others: Vec<&Source<'_>> = srcs[1..].iter().map(|s| &s.0).collect();
        others.sort_by_key(|s| std::cmp::Reverse(s.len()));
        first.for_each(|m, s| {
            if !others.iter().any(|o| o.find(m).is_some()) {
                result.push((SBytes::from_slice(m), s));
            }
            true
        });
    } else {
        // Copy the first input, then remove everything the others hold.
        let mut acc: Dict<f64> = Dict::with_capacity(first.len());
        first.for_each(|m, s| {
            acc.insert_new(SBytes::from_slice(m), s);
            true
        });
        for (src, _) in &srcs[1..] {
            if acc.is_empty() {
                break;
            }
            src.for_each(|m, _| {
                acc.remove(m);
                !acc.is_empty()
            });
        }
        result = acc.iter().map(|(k, v)| (k.clone(), *v)).collect();
    }
    result
}

/// ```text
/// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]]
///     [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
/// ```
fn zunion(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zsetop_generic(ctx, argv, None, 1, SetOp::Union, false)
}

/// ```text
/// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]]
///     [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
/// ```
fn zinter(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zsetop_generic(ctx, argv, None, 1, SetOp::Inter, false)
}

/// ```text
/// ZDIFF numkeys key [key ...] [WITHSCORES]
/// ```
fn zdiff(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zsetop_generic(ctx, argv, None, 1, SetOp::Diff, false)
}

/// ```text
/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///     [AGGREGATE SUM | MIN | MAX]
/// ```
fn zunionstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let dst = argv[1].clone();
    zsetop_generic(ctx, argv, Some(&dst), 2, SetOp::Union, false)
}

/// ```text
/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///     [AGGREGATE SUM | MIN | MAX]
/// ```
fn zinterstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let dst = argv[1].clone();
    zsetop_generic(ctx, argv, Some(&dst), 2, SetOp::Inter, false)
}

/// ```text
/// ZDIFFSTORE destination numkeys key [key ...]
/// ```
fn zdiffstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let dst = argv[1].clone();
    zsetop_generic(ctx, argv, Some(&dst), 2, SetOp::Diff, false)
}

/// ```text
/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
/// ```
fn zintercard(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zsetop_generic(ctx, argv, None, 1, SetOp::Inter, true)
}

// ---------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------

/// The shape of a pop reply.
#[derive(Debug, Clone, Copy)]
struct PopShape {
    /// Pop from the high end.
    max: bool,
    /// Name the key in the reply (blocking pops and `ZMPOP`).
    emitkey: bool,
    /// Pairs as nested arrays.
    nested: bool,
    /// Reply with a null array, not an empty one, when no key has elements.
    nil_when_empty: bool,
}

/// Redis's `genericZpopCommand`: pops up to `count` elements (-1: a single pop) from
/// the first of `keys` that exists.
fn zpop_generic(
    ks: &mut Keyspace<'_>,
    out: &mut ReplyBuf,
    keys: &[Bytes],
    count: i64,
    shape: PopShape,
) -> CmdResult {
    let mut found = None;
    for k in keys {
        match ks.lookup_write(k) {
            None => continue,
            Some(Value::ZSet(_)) => {
                found = Some(k);
                break;
            }
            Some(_) => return Err(CmdError::WRONG_TYPE),
        }
    }
    let Some(key) = found else {
        if shape.nil_when_empty {
            out.null_array();
        } else {
            out.empty_array();
        }
        return Ok(());
    };
    if count == 0 {
        out.empty_array();
        return Ok(());
    }
    let count = if count == -1 { 1 } else { count as usize };
    let Some(z) = zset_at(ks, key) else {
        return Ok(());
    };
    let n = count.min(z.len());
    match (shape.nested, shape.emitkey) {
        (false, false) => out.array_len(n * 2),
        (true, false) => out.array_len(n),
        (false, true) => {
            out.array_len(n * 2 + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array_len(2);
            out.bulk(key);
            out.array_len(n);
        }
    }
    for _ in 0..n {
        let Some((m, s)) = z.pop(shape.max) else {
            break;
        };
        if shape.nested {
            out.array_len(2);
        }
        out.bulk(&m);
        out.double(s);
    }
    ks.srv.dirty += n as u64;
    ks.notify(
        NOTIFY_ZSET,
        if shape.max { "zpopmax" } else { "zpopmin" },
        key,
    );
    ks.delete_if_empty(key);
    ks.signal_modified(key);
    Ok(())
}

/// ```text
/// ZPOPMIN key [count]
/// ```
fn zpopmin(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, argv, false)
}

/// ```text
/// ZPOPMAX key [count]
/// ```
fn zpopmax(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zpop_minmax(ctx, argv, true)
}

fn zpop_minmax(ctx: &mut Ctx, argv: &[Bytes], max: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::SYNTAX);
    }
    let count = match argv.get(2) {
        Some(a) => match crate::util::parse_i64(a) {
            Some(v) if v >= 0 => v,
            _ => return Err(NOT_POSITIVE),
        },
        None => -1,
    };
    let shape = PopShape {
        max,
        emitkey: false,
        nested: ctx.resp3() && count != -1,
        nil_when_empty: false,
    };
    let (mut ks, out) = ctx.split();
    zpop_generic(&mut ks, out, &argv[1..2], count, shape)
}

/// Redis's `blockingGenericZpopCommand`: pops at once from the first non-empty key, or
/// blocks the client on all of them.
fn blocking_zpop(
    ctx: &mut Ctx,
    argv: &[Bytes],
    keys: &[Bytes],
    timeout: &[u8],
    count: i64,
    shape: PopShape,
) -> CmdResult {
    let deadline = match ctx.srv.reprocess_deadline {
        Some(d) => d,
        None => args::timeout_deadline(timeout, ctx.srv.cmd_time_ms)?,
    };
    {
        let (mut ks, out) = ctx.split();
        for k in keys {
            match ks.lookup_write(k) {
                None => continue,
                Some(Value::ZSet(z)) if z.is_empty() => continue,
                Some(Value::ZSet(_)) => {
                    return zpop_generic(&mut ks, out, std::slice::from_ref(k), count, shape);
                }
                Some(_) => return Err(CmdError::WRONG_TYPE),
            }
        }
    }
    if ctx.client.has(flags::DENY_BLOCKING) {
        ctx.out().null_array();
        return Ok(());
    }
    blocking::block_for_keys(
        ctx.srv,
        ctx.client,
        keys,
        deadline,
        ValueType::ZSet,
        argv.to_vec(),
    );
    Ok(())
}

/// ```text
/// BZPOPMIN key [key ...] timeout
/// ```
fn bzpopmin(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    bzpop_minmax(ctx, argv, false)
}

/// ```text
/// BZPOPMAX key [key ...] timeout
/// ```
fn bzpopmax(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    bzpop_minmax(ctx, argv, true)
}

fn bzpop_minmax(ctx: &mut Ctx, argv: &[Bytes], max: bool) -> CmdResult {
    let n = argv.len();
    let shape = PopShape {
        max,
        emitkey: true,
        nested: false,
        nil_when_empty: false,
    };
    blocking_zpop(ctx, argv, &argv[1..n - 1], &argv[n - 1], -1, shape)
}

/// Redis's `zmpopGenericCommand`; `argv[numkeys_idx]` is the number of keys.
fn zmpop_generic(ctx: &mut Ctx, argv: &[Bytes], numkeys_idx: usize, block: bool) -> CmdResult {
    let numkeys = range_long(
        &argv[numkeys_idx],
        1,
        i64::MAX,
        "ERR numkeys should be greater than 0",
    )? as u64;
    let where_idx = (numkeys_idx as u64)
        .saturating_add(numkeys)
        .saturating_add(1);
    if where_idx >= argv.len() as u64 {
        return Err(CmdError::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let max = if args::is(&argv[where_idx], "min") {
        false
    } else if args::is(&argv[where_idx], "max") {
        true
    } else {
        return Err(CmdError::SYNTAX);
    };
    let mut count = -1i64;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if count == -1 && args::is(&argv[j], "count") && more > 0 {
            j += 1;
            count = range_long(&argv[j], 1, i64::MAX, "ERR count should be greater than 0")?;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    if count == -1 {
        count = 1;
    }
    let keys = &argv[numkeys_idx + 1..where_idx];
    let shape = PopShape {
        max,
        emitkey: true,
        nested: true,
        nil_when_empty: true,
    };
    if block {
        blocking_zpop(ctx, argv, keys, &argv[1], count, shape)
    } else {
        let (mut ks, out) = ctx.split();
        zpop_generic(&mut ks, out, keys, count, shape)
    }
}

/// ```text
/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
/// ```
fn zmpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zmpop_generic(ctx, argv, 1, false)
}

/// ```text
/// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
/// ```
fn bzmpop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    zmpop_generic(ctx, argv, 2, true)
}

// ---------------------------------------------------------------------------------------
// ZRANDMEMBER, ZSCAN
// ---------------------------------------------------------------------------------------

/// Past this multiple of the requested count, `ZRANDMEMBER` samples instead of copying
/// the set and removing from it (Redis's `ZRANDMEMBER_SUB_STRATEGY_MUL`).
const RANDMEMBER_SUB_STRATEGY_MUL: usize = 3;

/// ```text
/// ZRANDMEMBER key [count [WITHSCORES]]
/// ```
fn zrandmember(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    if argv.len() >= 3 {
        let l = match crate::util::parse_i64(&argv[2]) {
            None => return Err(CmdError::NOT_INTEGER),
            Some(v) if v < -i64::MAX => {
                return Err(CmdError::err(format_args!(
                    "value is out of range, value must between {} and {}",
                    -i64::MAX,
                    i64::MAX
                )))
            }
            Some(v) => v,
        };
        let withscores = match argv.len() {
            3 => false,
            4 if args::is(&argv[3], "withscores") => true,
            _ => return Err(CmdError::SYNTAX),
        };
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(CmdError::err("value is out of range"));
        }
        return zrandmember_count(ctx, key, l, withscores);
    }
    let (mut ks, out) = ctx.split();
    if read_zset(&mut ks, key)?.is_none() {
        out.null();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    if let Some(Value::ZSet(z)) = srv.dbs[ks.db].entry(key).map(|e| &e.value) {
        if let Some((m, _)) = z.random_entry(&mut srv.rng) {
            out.bulk(m);
        }
    }
    Ok(())
}

/// `ZRANDMEMBER key count [WITHSCORES]` (Redis's `zrandmemberWithCountCommand`).
fn zrandmember_count(ctx: &mut Ctx, key: &[u8], l: i64, withscores: bool) -> CmdResult {
    use rand::Rng;
    let (mut ks, out) = ctx.split();
    if read_zset(&mut ks, key)?.is_none() {
        out.empty_array();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    let Some(Value::ZSet(z)) = srv.dbs[ks.db].entry(key).map(|e| &e.value) else {
        return Ok(());
    };
    let rng = &mut srv.rng;
    let size = z.len();
    let (count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    if count == 0 {
        out.empty_array();
        return Ok(());
    }
    // Case 1: repetitions allowed (or a single element): independent picks.
    if !uniq || count == 1 {
        elements_header(out, count as usize, withscores);
        for _ in 0..count {
            if let Some((m, s)) = z.random_entry(rng) {
                emit_pair(out, m, s, withscores);
            }
        }
        return Ok(());
    }
    let count = count as usize;
    elements_header(out, count.min(size), withscores);
    // Case 2: the whole set, walked from the highest rank down.
    if count >= size {
        for (m, s) in z.iter_from(size - 1, true) {
            emit_pair(out, m, s, withscores);
        }
        return Ok(());
    }
    // Case 2.5: a listpack picks distinct elements in order (selection sampling).
    if z.is_listpack() {
        let mut remaining = count;
        for (i, (m, s)) in z.iter().enumerate() {
            if remaining == 0 {
                break;
            }
            let threshold = remaining as f64 / (size - i) as f64;
            if rng.gen::<f64>() <= threshold {
                emit_pair(out, m, s, withscores);
                remaining -= 1;
            }
        }
        return Ok(());
    }
    // Case 3: most of the set: copy it, then drop random elements.
    if count * RANDMEMBER_SUB_STRATEGY_MUL > size {
        let mut all: Vec<(&[u8], f64)> = z.iter().collect();
        while all.len() > count {
            let i = rng.gen_range(0..all.len());
            all.swap_remove(i);
        }
        for (m, s) in all {
            emit_pair(out, m, s, withscores);
        }
        return Ok(());
    }
    // Case 4: a few elements of a large set: random picks until enough distinct ones.
    let mut seen: std::collections::HashSet<&[u8]> =
        std::collections::HashSet::with_capacity(count);
    while seen.len() < count {
        let Some((m, s)) = z.random_entry(rng) else {
            break;
        };
        if seen.insert(m) {
            emit_pair(out, m, s, withscores);
        }
    }
    Ok(())
}

/// ```text
/// ZSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
fn zscan(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cursor = super::scan::parse_cursor(&argv[2])?;
    let (mut ks, out) = ctx.split();
    let Some(z) = read_zset(&mut ks, &argv[1])? else {
        return super::scan::reply::<&[u8]>(out, 0, &[]);
    };
    let opts = super::scan::parse_opts(argv, 3, false, false)?;
    let mut items: Vec<Vec<u8>> = Vec::new();
    let next = match z.dict() {
        None => {
            // A listpack is returned whole, scores as stored.
            for (m, s) in z.iter() {
                if opts.matches(m) {
                    items.push(m.to_vec());
                    items.push(fmt_f64(s).into_bytes());
                }
            }
            0
        }
        Some(d) => super::scan::scan_dict(d, cursor, opts.count, |m, s| {
            if opts.matches(m) {
                items.push(m.to_vec());
                items.push(fmt_f64_g17(*s).into_bytes());
            }
        }),
    };
    super::scan::reply(out, next, &items)
}
