//! Generic key commands: `DEL` `UNLINK` `EXISTS` `TYPE` `RENAME` `RENAMENX` `KEYS`
//! `SCAN` `RANDOMKEY` `EXPIRE` `PEXPIRE` `EXPIREAT` `PEXPIREAT` `EXPIRETIME`
//! `PEXPIRETIME` `TTL` `PTTL` `PERSIST` `TOUCH` `COPY` `MOVE` `OBJECT` (Redis's db.c,
//! expire.c and object.c). `SORT` is in `sort.rs`.

use crate::args;
use crate::command_table::Registry;
use crate::config::NOTIFY_GENERIC;
use crate::ctx::{lookup, Ctx, KeyStatus, Keyspace};
use crate::db::{StrValue, Value};
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("del", del);
    r.add("unlink", del);
    r.add("exists", exists);
    r.add("type", type_cmd);
    r.add("rename", rename);
    r.add("renamenx", renamenx);
    r.add("keys", keys);
    r.add("scan", scan);
    r.add("randomkey", randomkey);
    r.add("expire", expire);
    r.add("pexpire", pexpire);
    r.add("expireat", expireat);
    r.add("pexpireat", pexpireat);
    r.add("ttl", ttl);
    r.add("pttl", pttl);
    r.add("expiretime", expiretime);
    r.add("pexpiretime", pexpiretime);
    r.add("persist", persist);
    r.add("touch", touch);
    r.add("copy", copy);
    r.add("move", move_cmd);
    r.add("object|encoding", object_encoding);
    r.add("object|refcount", object_refcount);
    r.add("object|idletime", object_idletime);
    r.add("object|freq", object_freq);
    r.add("object|help", object_help);
    super::sort::register(r);
}

/// ```text
/// DEL key [key ...]
/// UNLINK key [key ...]
/// ```
fn del(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let mut n = 0;
    for key in &argv[1..] {
        if ks.delete(key) {
            ks.notify(NOTIFY_GENERIC, "del", key);
            ks.srv.dirty += 1;
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// EXISTS key [key ...]
/// ```
/// A key named twice counts twice. The access time is not updated.
fn exists(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let mut n = 0;
    for key in &argv[1..] {
        if ks.lookup_read_flags(key, lookup::NOTOUCH).is_some() {
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// TYPE key
/// ```
fn type_cmd(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let name = ks
        .lookup_read_flags(&argv[1], lookup::NOTOUCH)
        .map(|v| v.type_name())
        .unwrap_or("none");
    out.simple(name.as_bytes());
    Ok(())
}

/// Redis's `renameGenericCommand`.
fn rename_generic(ctx: &mut Ctx, argv: &[Bytes], nx: bool) -> CmdResult {
    let (src, dst) = (&argv[1], &argv[2]);
    let (mut ks, out) = ctx.split();
    if ks.lookup_write(src).is_none() {
        return Err(CmdError::NO_SUCH_KEY);
    }
    if src == dst {
        if nx {
            out.int(0);
        } else {
            out.ok();
        }
        return Ok(());
    }
    let expire = ks.expire_of(src);
    if ks.lookup_write(dst).is_some() {
        if nx {
            out.int(0);
            return Ok(());
        }
        // Overwrite: the old value goes without an event of its own.
        ks.db().remove(dst);
    }
    let Some(value) = ks.db().remove(src) else {
        return Err(CmdError::NO_SUCH_KEY);
    };
    ks.add(dst, value);
    if let Some(t) = expire {
        ks.set_expire(dst, t);
    }
    ks.signal_modified(src);
    ks.signal_modified(dst);
    ks.notify(NOTIFY_GENERIC, "rename_from", src);
    ks.notify(NOTIFY_GENERIC, "rename_to", dst);
    ks.srv.dirty += 1;
    if nx {
        out.int(1);
    } else {
        out.ok();
    }
    Ok(())
}

/// ```text
/// RENAME key newkey
/// ```
fn rename(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    rename_generic(ctx, argv, false)
}

/// ```text
/// RENAMENX key newkey
/// ```
fn renamenx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    rename_generic(ctx, argv, true)
}

/// ```text
/// KEYS pattern
/// ```
/// Logically expired keys are left out but not deleted.
fn keys(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let pattern = &argv[1];
    let all = pattern.as_ref() == b"*";
    let now = ctx.srv.cmd_time_ms;
    let loading = ctx.srv.loading;
    let db = &ctx.srv.dbs[ctx.client.db];
    let out = &mut ctx.client.out;
    let d = out.defer_len();
    let mut n = 0;
    for (k, _) in db.keys.iter() {
        if (all || crate::util::glob_match(pattern, k, false))
            && (loading || !db.is_expired(k, now))
        {
            out.bulk(k);
            n += 1;
        }
    }
    out.set_deferred_len(d, crate::resp::Aggregate::Array, n);
    Ok(())
}

/// ```text
/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
/// ```
/// Keys found expired are deleted on the way (with their `expired` events).
fn scan(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cursor = super::scan::parse_cursor(&argv[1])?;
    let opts = super::scan::parse_opts(argv, 2, true, false)?;
    let db = ctx.client.db;
    let mut found: Vec<Bytes> = Vec::new();
    let next = super::scan::scan_dict(&ctx.srv.dbs[db].keys, cursor, opts.count, |k, _| {
        if opts.matches(k) {
            found.push(Bytes::copy_from_slice(k));
        }
    });
    let (mut ks, out) = ctx.split();
    found.retain(|k| match opts.type_filter {
        Some(want) => match ks.lookup_read_flags(k, lookup::NOTOUCH | lookup::NONOTIFY) {
            // Module types match by their name, ignoring case.
            Some(Value::Module(m)) => opts
                .type_name
                .as_ref()
                .is_some_and(|n| m.type_name().as_bytes().eq_ignore_ascii_case(n)),
            Some(v) => Some(v.value_type()) == want,
            None => false,
        },
        None => ks.expire_status(k) == KeyStatus::Valid,
    });
    super::scan::reply(out, next, &found)
}

/// ```text
/// RANDOMKEY
/// ```
/// Expired keys met on the way are deleted and another key is drawn.
fn randomkey(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let db = ctx.client.db;
    let mut tries = 100;
    loop {
        let srv = &mut *ctx.srv;
        let d = &srv.dbs[db];
        let all_volatile = d.keys.len() == d.expires.len();
        let Some((k, _)) = d.keys.random_entry(&mut srv.rng) else {
            ctx.out().null();
            return Ok(());
        };
        let key = Bytes::copy_from_slice(k);
        if d.expire_of(&key).is_some() {
            tries -= 1;
            let status = ctx.ks().expire_status(&key);
            // Every key expired but none may be deleted now (CLIENT PAUSE): give up
            // and return one, as Redis does on replicas.
            let give_up = all_volatile && tries <= 0;
            if status != KeyStatus::Valid && !give_up {
                continue;
            }
        }
        ctx.out().bulk(&key);
        return Ok(());
    }
}

/// `EXPIRE` options.
const EXPIRE_NX: u8 = 1;
const EXPIRE_XX: u8 = 2;
const EXPIRE_GT: u8 = 4;
const EXPIRE_LT: u8 = 8;

/// Parses `NX | XX | GT | LT` after the time (Redis's
/// `parseExtendedExpireArgumentsOrReply`).
fn parse_expire_flags(argv: &[Bytes]) -> Result<u8, CmdError> {
    let mut flags = 0;
    for a in &argv[3..] {
        flags |= if args::is(a, "nx") {
            EXPIRE_NX
        } else if args::is(a, "xx") {
            EXPIRE_XX
        } else if args::is(a, "gt") {
            EXPIRE_GT
        } else if args::is(a, "lt") {
            EXPIRE_LT
        } else {
            return Err(CmdError::err(format_args!(
                "Unsupported option {}",
                String::from_utf8_lossy(a)
            )));
        };
    }
    if flags & EXPIRE_NX != 0 && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT) != 0 {
        return Err(CmdError::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if flags & EXPIRE_GT != 0 && flags & EXPIRE_LT != 0 {
        return Err(CmdError::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    Ok(flags)
}

/// Redis's `expireGenericCommand`: `relative` adds the command time, `seconds` scales
/// the argument. A time already past deletes the key (with a `del` event).
fn expire_generic(ctx: &mut Ctx, argv: &[Bytes], relative: bool, seconds: bool) -> CmdResult {
    let flags = parse_expire_flags(argv)?;
    let mut when = args::int(&argv[2])?;
    let invalid = || CmdError::invalid_expire(&ctx.cmd.name);
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    let base = if relative { ctx.srv.cmd_time_ms } else { 0 };
    if when > i64::MAX - base {
        return Err(invalid());
    }
    when += base;
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    if ks.lookup_write(key).is_none() {
        out.int(0);
        return Ok(());
    }
    if flags != 0 {
        let current = ks.expire_of(key);
        let refuse = (flags & EXPIRE_NX != 0 && current.is_some())
            || (flags & EXPIRE_XX != 0 && current.is_none())
            || (flags & EXPIRE_GT != 0 && current.is_none_or(|c| when <= c))
            || (flags & EXPIRE_LT != 0 && current.is_some_and(|c| when >= c));
        if refuse {
            out.int(0);
            return Ok(());
        }
    }
    if when <= ks.now() && !ks.srv.loading {
        ks.db().remove(key);
        ks.srv.dirty += 1;
        ks.signal_modified(key);
        ks.notify(NOTIFY_GENERIC, "del", key);
    } else {
        ks.set_expire(key, when);
        ks.signal_modified(key);
        ks.notify(NOTIFY_GENERIC, "expire", key);
        ks.srv.dirty += 1;
    }
    out.int(1);
    Ok(())
}

/// ```text
/// EXPIRE key seconds [NX | XX | GT | LT]
/// ```
fn expire(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, true, true)
}

/// ```text
/// PEXPIRE key milliseconds [NX | XX | GT | LT]
/// ```
fn pexpire(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, true, false)
}

/// ```text
/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
/// ```
fn expireat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, false, true)
}

/// ```text
/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
/// ```
fn pexpireat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    expire_generic(ctx, argv, false, false)
}

/// Redis's `ttlGenericCommand`: -2 for a missing key, -1 without a TTL, else the
/// remaining (or absolute) time, in ms or rounded to seconds.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], ms: bool, absolute: bool) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if ks.lookup_read_flags(key, lookup::NOTOUCH).is_none() {
        out.int(-2);
        return Ok(());
    }
    match ks.expire_of(key) {
        None => out.int(-1),
        Some(t) => {
            let v = if absolute { t } else { t - ks.now() }.max(0);
            out.int(if ms { v } else { (v + 500) / 1000 });
        }
    }
    Ok(())
}

/// ```text
/// TTL key
/// ```
fn ttl(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], false, false)
}

/// ```text
/// PTTL key
/// ```
fn pttl(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], true, false)
}

/// ```text
/// EXPIRETIME key
/// ```
fn expiretime(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], false, true)
}

/// ```text
/// PEXPIRETIME key
/// ```
fn pexpiretime(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &argv[1], true, true)
}

/// ```text
/// PERSIST key
/// ```
fn persist(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    if ks.lookup_write(key).is_some() && ks.db().persist(key) {
        ks.signal_modified(key);
        ks.notify(NOTIFY_GENERIC, "persist", key);
        ks.srv.dirty += 1;
        out.int(1);
    } else {
        out.int(0);
    }
    Ok(())
}

/// ```text
/// TOUCH key [key ...]
/// ```
fn touch(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let mut n = 0;
    for key in &argv[1..] {
        if ks.lookup_read(key).is_some() {
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// Parses a database index as `MOVE` and `COPY` do (Redis's `getIntFromObjectOrReply`,
/// then `selectDb`): an integer in `int` range naming an existing database.
fn parse_db_index(ctx: &Ctx, a: &[u8]) -> Result<usize, CmdError> {
    let id = args::c_int(a)?;
    if id < 0 || id as usize >= ctx.srv.dbs.len() {
        return Err(CmdError::DB_INDEX_OUT_OF_RANGE);
    }
    Ok(id as usize)
}

/// ```text
/// COPY source destination [DB destination-db] [REPLACE]
/// ```
fn copy(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let src_db = ctx.client.db;
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if args::is(&argv[j], "replace") {
            replace = true;
        } else if args::is(&argv[j], "db") && more >= 1 {
            dst_db = parse_db_index(ctx, &argv[j + 1])?;
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    let (src, dst) = (&argv[1], &argv[2]);
    if src_db == dst_db && src == dst {
        return Err(CmdError::SAME_OBJECT);
    }
    let Some(value) = ctx.ks().lookup_read(src).map(|v| v.clone()) else {
        ctx.out().int(0);
        return Ok(());
    };
    let expire = ctx.ks().expire_of(src);
    let mut dks = ctx.ks_of(dst_db);
    let exists = dks.lookup_write(dst).is_some();
    if exists && !replace {
        ctx.out().int(0);
        return Ok(());
    }
    // A module value is duplicated by its type's copy callback (which may refuse).
    let value = match value {
        Value::Module(m) => Value::Module(m.dup(src, dst, src_db, dst_db).map_err(CmdError::err)?),
        v => v,
    };
    let mut dks = ctx.ks_of(dst_db);
    if exists {
        dks.db().remove(dst);
    }
    dks.add(dst, value);
    if let Some(t) = expire {
        dks.set_expire(dst, t);
    }
    dks.signal_modified(dst);
    dks.notify(NOTIFY_GENERIC, "copy_to", dst);
    dks.srv.dirty += 1;
    ctx.out().int(1);
    Ok(())
}

/// ```text
/// MOVE key db
/// ```
fn move_cmd(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let src_db = ctx.client.db;
    let dst_db = parse_db_index(ctx, &argv[2])?;
    if src_db == dst_db {
        return Err(CmdError::SAME_OBJECT);
    }
    if ctx.ks().lookup_write(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let expire = ctx.ks().expire_of(key);
    if ctx.ks_of(dst_db).lookup_write(key).is_some() {
        ctx.out().int(0);
        return Ok(());
    }
    let Some(value) = ctx.ks().db().remove(key) else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut dks = ctx.ks_of(dst_db);
    dks.add(key, value);
    if let Some(t) = expire {
        dks.set_expire(key, t);
    }
    ctx.ks().signal_modified(key);
    ctx.ks_of(dst_db).signal_modified(key);
    ctx.ks().notify(NOTIFY_GENERIC, "move_from", key);
    ctx.ks_of(dst_db).notify(NOTIFY_GENERIC, "move_to", key);
    ctx.srv.dirty += 1;
    ctx.out().int(1);
    Ok(())
}

/// The value `OBJECT` inspects: found without touching it or sending `keymiss`.
fn object_lookup<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Option<&'a mut Value> {
    ks.lookup_read_flags(key, lookup::NOTOUCH | lookup::NONOTIFY)
}

/// ```text
/// OBJECT ENCODING key
/// ```
fn object_encoding(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    match object_lookup(&mut ks, &argv[2]) {
        Some(v) => out.bulk(v.encoding().as_bytes()),
        None => out.null(),
    }
    Ok(())
}

/// Redis's `OBJ_SHARED_REFCOUNT`: what `OBJECT REFCOUNT` says of shared integers.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// ```text
/// OBJECT REFCOUNT key
/// ```
/// Integers 0..9999 are shared objects in Redis (unless an LRU/LFU `maxmemory-policy`
/// is in force) and report its shared reference count.
fn object_refcount(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let shared_ints = ctx.srv.config.maxmemory == 0
        || !(ctx.srv.config.maxmemory_policy.ends_with("lru")
            || ctx.srv.config.maxmemory_policy.ends_with("lfu"));
    let (mut ks, out) = ctx.split();
    match object_lookup(&mut ks, &argv[2]) {
        Some(Value::Str(StrValue::Int(n))) if shared_ints && (0..10_000).contains(n) => {
            out.int(SHARED_REFCOUNT)
        }
        Some(_) => out.int(1),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// OBJECT IDLETIME key
/// ```
fn object_idletime(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let clock = ctx.srv.lru_clock();
    let (mut ks, out) = ctx.split();
    if object_lookup(&mut ks, &argv[2]).is_none() {
        out.null();
        return Ok(());
    }
    if ks.lfu() {
        return Err(CmdError::err("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let lru = ks.db().entry(&argv[2]).map_or(clock, |e| e.lru);
    const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
    let idle = if clock >= lru {
        clock - lru
    } else {
        clock + (LRU_CLOCK_MAX - lru)
    };
    out.int(i64::from(idle));
    Ok(())
}

/// ```text
/// OBJECT FREQ key
/// ```
fn object_freq(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if object_lookup(&mut ks, &argv[2]).is_none() {
        out.null();
        return Ok(());
    }
    if !ks.lfu() {
        return Err(CmdError::err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let now = ks.now();
    let decay = ks.srv.config.lfu_decay_time;
    let lru = ks.db().entry(&argv[2]).map_or(0, |e| e.lru);
    out.int(i64::from(crate::ctx::lfu_decr_and_return(lru, now, decay)));
    Ok(())
}

/// ```text
/// OBJECT HELP
/// ```
fn object_help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::introspection::reply_help(
        ctx.out(),
        "object",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}
