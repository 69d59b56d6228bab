//! Set commands.
//!
//! The algorithms follow Redis's `t_set.c` case by case (`SPOP` and `SRANDMEMBER` with a
//! count, the two `SDIFF` strategies, the encodings of `*STORE` results), because they
//! decide the order of replies for small sets and the encodings `OBJECT ENCODING` shows.

use crate::args;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_SET};
use crate::ctx::{Ctx, Keyspace};
use crate::db::set::{fair_random_key, Member, Set, SetLimits, SetRepr};
use crate::db::{Db, Dict, Entry, SBytes, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::persistence::propagate;
use crate::resp::ReplyBuf;
use bytes::Bytes;

use super::hashes::{guard_reply, next_random, parse_count, REPLY_GUARD};
use super::scan;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("sadd", sadd);
    r.add("srem", srem);
    r.add("smove", smove);
    r.add("sismember", sismember);
    r.add("smismember", smismember);
    r.add("scard", scard);
    r.add("spop", spop);
    r.add("srandmember", srandmember);
    r.add("smembers", smembers);
    r.add("sinter", sinter);
    r.add("sintercard", sintercard);
    r.add("sinterstore", sinterstore);
    r.add("sunion", sunion);
    r.add("sunionstore", sunionstore);
    r.add("sdiff", sdiff);
    r.add("sdiffstore", sdiffstore);
    r.add("sscan", sscan);
}

/// `SPOP` with a count builds a new set from the elements left when fewer than 1/5 of
/// them stay (Redis's `SPOP_MOVE_STRATEGY_MUL`).
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;
/// `SRANDMEMBER` with a count copies the set when it is not 3 times larger than the
/// count (Redis's `SRANDMEMBER_SUB_STRATEGY_MUL`).
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// The set stored under `key` in `db`.
fn set_in<'a>(db: &'a Db, key: &[u8]) -> Option<&'a Set> {
    match db.keys.get(key) {
        Some(Entry {
            value: Value::Set(s),
            ..
        }) => Some(s),
        _ => None,
    }
}

/// The set stored under `key`, mutably, without lookup side effects.
fn set_mut<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<&'a mut Set, CmdError> {
    match ks.db().keys.get_mut(key) {
        Some(Entry {
            value: Value::Set(s),
            ..
        }) => Ok(s.as_mut()),
        _ => Err(CmdError::NO_SUCH_KEY),
    }
}

/// Looks a set up for reading (hits, misses, WRONGTYPE).
fn read_set<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'a mut Set>, CmdError> {
    match ks.read_typed(key, ValueType::Set)? {
        Some(Value::Set(s)) => Ok(Some(s.as_mut())),
        Some(_) => Err(CmdError::WRONG_TYPE),
        None => Ok(None),
    }
}

/// Looks a set up for writing (WRONGTYPE).
fn write_set<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'a mut Set>, CmdError> {
    match ks.write_typed(key, ValueType::Set)? {
        Some(Value::Set(s)) => Ok(Some(s.as_mut())),
        Some(_) => Err(CmdError::WRONG_TYPE),
        None => Ok(None),
    }
}

/// Writes a member as a bulk string.
#[inline]
fn reply_member(out: &mut ReplyBuf, m: Member<'_>) {
    match m {
        Member::Int(n) => out.bulk_int(n),
        Member::Str(s) => out.bulk(s),
    }
}

/// Writes a whole set as a RESP3 set (an array in RESP2), in its encoding's order.
fn reply_set(out: &mut ReplyBuf, s: &Set) {
    out.set_len(s.len());
    s.for_each_member(|m| reply_member(out, m));
}

/// ```text
/// SADD key member [member ...]
/// ```
fn sadd(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let limits = SetLimits::from_config(&ks.srv.config);
    let hint = argv.len() - 2;
    match write_set(&mut ks, key)? {
        Some(s) => s.maybe_convert(hint, &limits),
        None => {
            ks.add(
                key,
                Value::Set(Box::new(Set::create(&argv[2], hint, &limits))),
            );
        }
    }
    let s = set_mut(&mut ks, key)?;
    let added = argv[2..].iter().filter(|m| s.add(m, &limits)).count();
    if added > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_SET, "sadd", key);
    }
    ks.srv.dirty += added as u64;
    out.int(added as i64);
    Ok(())
}

/// ```text
/// SREM key member [member ...]
/// ```
fn srem(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(s) = write_set(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    let mut removed = false;
    for m in &argv[2..] {
        if s.remove(m) {
            deleted += 1;
            if s.is_empty() {
                removed = true;
                break;
            }
        }
    }
    if removed {
        ks.db().remove(key);
    }
    if deleted > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_SET, "srem", key);
        if removed {
            ks.notify(NOTIFY_GENERIC, "del", key);
        }
        ks.srv.dirty += deleted;
    }
    out.int(deleted as i64);
    Ok(())
}

/// ```text
/// SMOVE source destination member
/// ```
fn smove(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    let src_type = ks.lookup_write(src).map(|v| v.value_type());
    let dst_type = ks.lookup_write(dst).map(|v| v.value_type());
    let Some(src_type) = src_type else {
        out.int(0);
        return Ok(());
    };
    if src_type != ValueType::Set || dst_type.is_some_and(|t| t != ValueType::Set) {
        return Err(CmdError::WRONG_TYPE);
    }
    if src == dst {
        let found = set_mut(&mut ks, src)?.contains(member);
        out.int(i64::from(found));
        return Ok(());
    }
    let s = set_mut(&mut ks, src)?;
    if !s.remove(member) {
        out.int(0);
        return Ok(());
    }
    let emptied = s.is_empty();
    ks.notify(NOTIFY_SET, "srem", src);
    if emptied {
        ks.db().remove(src);
        ks.notify(NOTIFY_GENERIC, "del", src);
    }
    let limits = SetLimits::from_config(&ks.srv.config);
    if dst_type.is_none() {
        ks.add(dst, Value::Set(Box::new(Set::create(member, 1, &limits))));
    }
    ks.signal_modified(src);
    ks.srv.dirty += 1;
    if set_mut(&mut ks, dst)?.add(member, &limits) {
        ks.srv.dirty += 1;
        ks.signal_modified(dst);
        ks.notify(NOTIFY_SET, "sadd", dst);
    }
    out.int(1);
    Ok(())
}

/// ```text
/// SISMEMBER key member
/// ```
fn sismember(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let found = read_set(&mut ks, &argv[1])?.is_some_and(|s| s.contains(&argv[2]));
    out.int(i64::from(found));
    Ok(())
}

/// ```text
/// SMISMEMBER key member [member ...]
/// ```
fn smismember(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let s = read_set(&mut ks, &argv[1])?;
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        out.int(i64::from(s.as_ref().is_some_and(|s| s.contains(m))));
    }
    Ok(())
}

/// ```text
/// SCARD key
/// ```
fn scard(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let n = read_set(&mut ks, &argv[1])?.map_or(0, |s| s.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// SPOP key [count]
/// ```
fn spop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 3 {
        return spop_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(CmdError::SYNTAX);
    }
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    if write_set(&mut ks, key)?.is_none() {
        out.null();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    let rng = &mut srv.rng;
    let (member, emptied) = match srv.dbs[ks.db].keys.get_mut(key) {
        Some(Entry {
            value: Value::Set(s),
            ..
        }) => (s.pop_random(rng), s.is_empty()),
        _ => (None, false),
    };
    let Some(member) = member else {
        out.null();
        return Ok(());
    };
    ks.notify(NOTIFY_SET, "spop", key);
    out.bulk(&member);
    // Propagated as SREM key member.
    propagate::rewrite(
        ks.srv,
        vec![
            Bytes::from_static(b"SREM"),
            key.clone(),
            Bytes::copy_from_slice(&member),
        ],
    );
    if emptied {
        ks.db().remove(key);
        ks.notify(NOTIFY_GENERIC, "del", key);
    }
    ks.signal_modified(key);
    ks.srv.dirty += 1;
    Ok(())
}

/// Parses a non-negative count (Redis's `getPositiveLongFromObjectOrReply`).
fn parse_positive(a: &[u8], msg: &str) -> Result<u64, CmdError> {
    match crate::util::parse_i64(a) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(CmdError::err(msg)),
    }
}

/// Removes the entries at the ascending positions `picks` from a listpack set.
fn remove_positions(v: &mut Vec<SBytes>, picks: &[usize]) {
    let mut k = 0;
    let mut i = 0;
    v.retain(|_| {
        let drop = k < picks.len() && picks[k] == i;
        if drop {
            k += 1;
        }
        i += 1;
        !drop
    });
}

/// `SPOP key count` (Redis's `spopWithCountCommand`).
fn spop_count(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let count = parse_positive(&argv[2], "value is out of range, must be positive")?;
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(s) = write_set(&mut ks, key)? else {
        out.set_len(0);
        return Ok(());
    };
    if count == 0 {
        out.set_len(0);
        return Ok(());
    }
    let size = s.len() as u64;
    ks.notify(NOTIFY_SET, "spop", key);
    ks.srv.dirty += count.min(size);

    // CASE 1: everything: reply as SUNION of the set would, and delete the key.
    if count >= size {
        read_set(&mut ks, key)?;
        let limits = SetLimits::from_config(&ks.srv.config);
        let s = set_mut(&mut ks, key)?;
        let mut all = Set::new();
        s.for_each(|m| {
            all.add(m, &limits);
        });
        reply_set(out, &all);
        ks.db().remove(key);
        ks.notify(NOTIFY_GENERIC, "del", key);
        let lazy = ks.srv.config.get("lazyfree-lazy-server-del").as_deref() == Some("yes");
        let del: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
        propagate::rewrite(ks.srv, vec![Bytes::from_static(del), key.clone()]);
        ks.signal_modified(key);
        return Ok(());
    }

    let count = count as usize;
    let remaining = size as usize - count;
    out.set_len(count);
    let limits = SetLimits::from_config(&ks.srv.config);
    let mut popped: Vec<Bytes> = Vec::with_capacity(count);
    let srv = &mut *ks.srv;
    let rng = &mut srv.rng;
    let Some(Entry {
        value: Value::Set(s),
        ..
    }) = srv.dbs[ks.db].keys.get_mut(key)
    else {
        return Ok(());
    };
    if remaining as u64 * SPOP_MOVE_STRATEGY_MUL > count as u64 {
        // CASE 2: few elements to return: pick them one by one.
        if let SetRepr::Listpack(v) = &mut s.repr {
            let mut picks = Vec::with_capacity(count);
            let mut index = 0;
            for left in (1..=count).rev() {
                let Some(i) = next_random(rng, &mut index, left, v.len()) else {
                    break;
                };
                out.bulk(&v[i]);
                popped.push(Bytes::copy_from_slice(&v[i]));
                picks.push(i);
                index += 1;
            }
            remove_positions(v, &picks);
        } else {
            for _ in 0..count {
                if let Some(m) = s.pop_random(rng) {
                    out.bulk(&m);
                    popped.push(Bytes::copy_from_slice(&m));
                }
            }
        }
    } else {
        // CASE 3: most elements go: build the set of those that stay, return the rest.
        let mut newset: Option<Set> = None;
        if let SetRepr::Listpack(v) = &mut s.repr {
            let mut keep = Set::new_listpack();
            let mut picks = Vec::with_capacity(remaining);
            let mut index = 0;
            for left in (1..=remaining).rev() {
                let Some(i) = next_random(rng, &mut index, left, v.len()) else {
                    break;
                };
                keep.add(&v[i], &limits);
                picks.push(i);
                index += 1;
            }
            remove_positions(v, &picks);
            newset = Some(keep);
        } else {
            for _ in 0..remaining {
                let Some(m) = s.random_member(rng) else {
                    break;
                };
                let ns = newset.get_or_insert_with(|| match m {
                    Member::Str(_) => Set::new_listpack(),
                    Member::Int(_) => Set::new(),
                });
                let owned = m.to_sbytes();
                ns.add(&owned, &limits);
                s.remove(&owned);
            }
        }
        s.for_each_member(|m| {
            reply_member(out, m);
            popped.push(m.with_bytes(Bytes::copy_from_slice));
        });
        **s = newset.unwrap_or_default();
    }
    ks.signal_modified(key);
    // Propagated as SREM commands of up to 1024 members.
    let db = ks.db;
    for chunk in popped.chunks(1024) {
        let mut v = Vec::with_capacity(chunk.len() + 2);
        v.push(Bytes::from_static(b"SREM"));
        v.push(key.clone());
        v.extend_from_slice(chunk);
        propagate::also(ks.srv, db, v);
    }
    propagate::prevent(ks.srv);
    Ok(())
}

/// ```text
/// SRANDMEMBER key [count]
/// ```
fn srandmember(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 3 {
        srandmember_count(ctx, argv)?;
        guard_reply(ctx);
        return Ok(());
    }
    if argv.len() > 3 {
        return Err(CmdError::SYNTAX);
    }
    let (mut ks, out) = ctx.split();
    if read_set(&mut ks, &argv[1])?.is_none() {
        out.null();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    match set_in(&srv.dbs[ks.db], &argv[1]).and_then(|s| s.random_member(&mut srv.rng)) {
        Some(m) => reply_member(out, m),
        None => out.null(),
    }
    Ok(())
}

/// `SRANDMEMBER key count` (Redis's `srandmemberWithCountCommand`).
fn srandmember_count(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let l = parse_count(&argv[2])?;
    let (count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    let (mut ks, out) = ctx.split();
    if read_set(&mut ks, &argv[1])?.is_none() {
        out.empty_array();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    let rng = &mut srv.rng;
    let Some(s) = set_in(&srv.dbs[ks.db], &argv[1]) else {
        out.empty_array();
        return Ok(());
    };
    let size = s.len() as u64;
    if count == 0 || size == 0 {
        out.empty_array();
        return Ok(());
    }

    // CASE 1: a negative count (repetitions allowed), or a single pick.
    if !uniq || count == 1 {
        out.array_len(usize::try_from(count).unwrap_or(usize::MAX));
        for _ in 0..count {
            if let Some(m) = s.random_member(rng) {
                reply_member(out, m);
            }
            if out.len() > REPLY_GUARD {
                break;
            }
        }
        return Ok(());
    }

    // CASE 2: at least as many as there are: the whole set.
    if count >= size {
        out.array_len(size as usize);
        s.for_each_member(|m| reply_member(out, m));
        return Ok(());
    }
    let count = count as usize;

    // CASE 2.5: a listpack: unique picks in listpack order.
    if let SetRepr::Listpack(v) = &s.repr {
        out.array_len(count);
        let mut index = 0;
        for left in (1..=count).rev() {
            let Some(i) = next_random(rng, &mut index, left, v.len()) else {
                break;
            };
            out.bulk(&v[i]);
            index += 1;
        }
        return Ok(());
    }

    let mut d: Dict<()> = Dict::new();
    if count as u64 * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // CASE 3: copy the set, then remove random members down to `count`.
        d = Dict::with_capacity(size as usize);
        s.for_each_member(|m| {
            d.insert_new(m.to_sbytes(), ());
        });
        while d.len() > count {
            let Some(k) = fair_random_key(&d, rng) else {
                break;
            };
            d.remove(&k);
        }
    } else {
        // CASE 4: random picks until `count` distinct ones.
        while d.len() < count {
            let Some(m) = s.random_member(rng) else {
                break;
            };
            m.with_bytes(|b| {
                if !d.contains_key(b) {
                    d.insert_new(SBytes::from_slice(b), ());
                }
            });
        }
    }
    out.array_len(d.len());
    for k in d.keys() {
        out.bulk(k);
    }
    Ok(())
}

/// Looks every key up as Redis's set-algebra commands do (read lookups in order,
/// WRONGTYPE stops at the first non-set). True when all exist.
fn lookup_all(ks: &mut Keyspace<'_>, keys: &[Bytes]) -> Result<bool, CmdError> {
    let mut all = true;
    for k in keys {
        if read_set(ks, k)?.is_none() {
            all = false;
        }
    }
    Ok(all)
}

/// Stores a `*STORE` result (or deletes the destination for an empty one) and replies
/// with its size.
fn store_result(ks: &mut Keyspace<'_>, out: &mut ReplyBuf, dst: &[u8], result: Set, event: &str) {
    if result.is_empty() {
        out.int(0);
        if ks.delete(dst) {
            ks.srv.dirty += 1;
            ks.notify(NOTIFY_GENERIC, "del", dst);
        }
        return;
    }
    let n = result.len();
    ks.set(dst, Value::Set(Box::new(result)), false);
    out.int(n as i64);
    ks.notify(NOTIFY_SET, event, dst);
    ks.srv.dirty += 1;
}

/// The body of `SINTER`, `SMEMBERS`, `SINTERSTORE`, `SINTERCARD` (Redis's
/// `sinterGenericCommand`). `limit` 0 is no limit.
fn sinter_generic(
    ctx: &mut Ctx,
    keys: &[Bytes],
    dst: Option<&Bytes>,
    card_only: bool,
    limit: u64,
) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if !lookup_all(&mut ks, keys)? {
        if let Some(d) = dst {
            if ks.delete(d) {
                ks.notify(NOTIFY_GENERIC, "del", d);
                ks.srv.dirty += 1;
            }
            out.int(0);
        } else if card_only {
            out.int(0);
        } else {
            out.set_len(0);
        }
        return Ok(());
    }
    let limits = SetLimits::from_config(&ks.srv.config);
    let db = &ks.srv.dbs[ks.db];
    let mut sets: Vec<&Set> = keys.iter().filter_map(|k| set_in(db, k)).collect();
    if sets.len() != keys.len() {
        sets.clear();
    }
    // Smallest first; a stable sort, as glibc's merge-sort `qsort` is.
    sets.sort_by_key(|s| s.len());
    let mut result = match sets.first().map(|s| &s.repr) {
        Some(SetRepr::Intset(_)) => Set::new(),
        _ => Set::new_listpack(),
    };
    let mut only_integers = true;
    let mut cardinality: u64 = 0;
    let mut matches: Vec<Member<'_>> = Vec::new();
    if let Some(first) = sets.first() {
        for m in first.members() {
            let in_all = sets[1..]
                .iter()
                .all(|s| std::ptr::eq(*s, *first) || s.contains_member(m));
            if !in_all {
                continue;
            }
            if card_only {
                cardinality += 1;
                if limit > 0 && cardinality >= limit {
                    break;
                }
            } else if dst.is_none() {
                matches.push(m);
            } else {
                if only_integers && m.as_int().is_none() {
                    only_integers = false;
                }
                m.with_bytes(|b| result.add(b, &limits));
            }
        }
    }
    if card_only {
        out.int(cardinality as i64);
        return Ok(());
    }
    let Some(d) = dst else {
        out.set_len(matches.len());
        for m in matches {
            reply_member(out, m);
        }
        return Ok(());
    };
    drop(matches);
    if !result.is_empty() && only_integers {
        result.maybe_convert_to_intset(&limits);
    }
    store_result(&mut ks, out, d, result, "sinterstore");
    Ok(())
}

/// ```text
/// SMEMBERS key
/// ```
fn smembers(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &argv[1..2], None, false, 0)
}

/// ```text
/// SINTER key [key ...]
/// ```
fn sinter(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &argv[1..], None, false, 0)
}

/// ```text
/// SINTERSTORE destination key [key ...]
/// ```
fn sinterstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sinter_generic(ctx, &argv[2..], Some(&argv[1]), false, 0)
}

/// ```text
/// SINTERCARD numkeys key [key ...] [LIMIT limit]
/// ```
fn sintercard(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let numkeys = match crate::util::parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let numkeys = numkeys as usize;
    let mut limit = 0;
    let mut j = 2 + numkeys;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if args::is(&argv[j], "limit") && more > 0 {
            j += 1;
            limit = parse_positive(&argv[j], "LIMIT can't be negative")?;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    sinter_generic(ctx, &argv[2..2 + numkeys], None, true, limit)
}

/// The body of `SUNION`, `SDIFF` and their `STORE` forms (Redis's
/// `sunionDiffGenericCommand`).
fn sunion_diff(ctx: &mut Ctx, keys: &[Bytes], dst: Option<&Bytes>, diff: bool) -> CmdResult {
    let (mut ks, out) = ctx.split();
    lookup_all(&mut ks, keys)?;
    let limits = SetLimits::from_config(&ks.srv.config);
    let db = &ks.srv.dbs[ks.db];
    let mut sets: Vec<Option<&Set>> = keys.iter().map(|k| set_in(db, k)).collect();
    let same_as_first = |a: Option<&Set>, b: Option<&Set>| matches!((a, b), (Some(x), Some(y)) if std::ptr::eq(x, y));
    let sameset = sets.len() > 1 && sets[1..].iter().any(|s| same_as_first(*s, sets[0]));

    // DIFF: algorithm 1 is O(N*M) over the first set, algorithm 2 O(total size).
    let mut algo_one = true;
    if diff && !sameset {
        if let Some(first) = sets[0] {
            let (mut one, mut two) = (0u64, 0u64);
            for s in sets.iter().flatten() {
                one += first.len() as u64;
                two += s.len() as u64;
            }
            one /= 2;
            algo_one = one <= two;
            if algo_one && sets.len() > 1 {
                sets[1..].sort_by_key(|s| std::cmp::Reverse(s.map_or(0, |s| s.len())));
            }
        }
    }

    let mut result = Set::new();
    let mut cardinality: i64 = 0;
    if !diff {
        for s in sets.iter().flatten() {
            s.for_each(|m| cardinality += i64::from(result.add(m, &limits)));
        }
    } else if sameset {
        // The first set is subtracted from itself.
    } else if let Some(first) = sets[0] {
        if algo_one {
            for m in first.members() {
                let mut keep = true;
                for s in sets[1..].iter().flatten() {
                    if std::ptr::eq(*s, first) || s.contains_member(m) {
                        keep = false;
                        break;
                    }
                }
                if keep {
                    m.with_bytes(|b| cardinality += i64::from(result.add(b, &limits)));
                }
            }
        } else {
            for (j, s) in sets.iter().enumerate() {
                let Some(s) = s else { continue };
                if j == 0 {
                    s.for_each(|m| cardinality += i64::from(result.add(m, &limits)));
                } else {
                    s.for_each(|m| cardinality -= i64::from(result.remove(m)));
                }
                if cardinality == 0 {
                    break;
                }
            }
        }
    }
    match dst {
        None => reply_set(out, &result),
        Some(d) => {
            let event = if diff { "sdiffstore" } else { "sunionstore" };
            store_result(&mut ks, out, d, result, event);
        }
    }
    Ok(())
}

/// ```text
/// SUNION key [key ...]
/// ```
fn sunion(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &argv[1..], None, false)
}

/// ```text
/// SUNIONSTORE destination key [key ...]
/// ```
fn sunionstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &argv[2..], Some(&argv[1]), false)
}

/// ```text
/// SDIFF key [key ...]
/// ```
fn sdiff(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &argv[1..], None, true)
}

/// ```text
/// SDIFFSTORE destination key [key ...]
/// ```
fn sdiffstore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sunion_diff(ctx, &argv[2..], Some(&argv[1]), true)
}

/// ```text
/// SSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
fn sscan(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cursor = scan::parse_cursor(&argv[2])?;
    let (mut ks, out) = ctx.split();
    let Some(s) = read_set(&mut ks, &argv[1])? else {
        return scan::reply::<&[u8]>(out, 0, &[]);
    };
    let o = scan::parse_opts(argv, 3, false, false)?;
    let mut items: Vec<SBytes> = Vec::new();
    let next = match &s.repr {
        SetRepr::Table(d) => scan::scan_dict(d, cursor, o.count, |m, _| {
            if o.matches(m) {
                items.push(m.clone());
            }
        }),
        _ => {
            s.for_each(|m| {
                if o.matches(m) {
                    items.push(SBytes::from_slice(m));
                }
            });
            0
        }
    };
    scan::reply(out, next, &items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn positions_removed_in_order() {
        let mut v: Vec<SBytes> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| SBytes::from(*s))
            .collect();
        remove_positions(&mut v, &[0, 2, 4]);
        assert_eq!(v, vec![SBytes::from("b"), SBytes::from("d")]);
    }

    #[test]
    fn selection_sampling_is_unique_and_complete() {
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            let mut index = 0;
            let mut got = Vec::new();
            for left in (1..=4).rev() {
                let i = next_random(&mut rng, &mut index, left, 10).unwrap();
                got.push(i);
                index += 1;
            }
            assert_eq!(got.len(), 4);
            assert!(got.windows(2).all(|w| w[0] < w[1]));
            assert!(rng.gen_range(0..10) < 10);
        }
    }
}
