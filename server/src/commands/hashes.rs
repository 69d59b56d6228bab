//! Hash commands, with Redis 7.4's hash field expiry (`HEXPIRE` and friends).
//!
//! Expired fields are invisible to every read. A read that meets one deletes it (lazy
//! expiry: `hexpired` event, `expired_subkeys`, and the key goes when it was the last
//! field); [`active_expire_hashes`], called from the server cron, deletes the rest.
//! `HLEN` counts expired fields that are still stored, as Redis does.

use crate::args;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_HASH};
use crate::ctx::{Ctx, Keyspace};
use crate::db::hash::{
    is_expired, ExpireCond, Hash, HashLimits, Repr, SetExpire, HFE_MAX_ABS_TIME_MS,
};
use crate::db::set::fair_random_entry;
use crate::db::{Entry, SBytes, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::persistence::propagate;
use crate::resp::ReplyBuf;
use crate::server::Server;
use bytes::Bytes;
use rand::Rng;

use super::scan;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("hset", hset);
    r.add("hmset", hset);
    r.add("hsetnx", hsetnx);
    r.add("hget", hget);
    r.add("hmget", hmget);
    r.add("hdel", hdel);
    r.add("hlen", hlen);
    r.add("hstrlen", hstrlen);
    r.add("hkeys", hkeys);
    r.add("hvals", hvals);
    r.add("hgetall", hgetall);
    r.add("hexists", hexists);
    r.add("hincrby", hincrby);
    r.add("hincrbyfloat", hincrbyfloat);
    r.add("hrandfield", hrandfield);
    r.add("hscan", hscan);
    r.add("hexpire", hexpire);
    r.add("hpexpire", hpexpire);
    r.add("hexpireat", hexpireat);
    r.add("hpexpireat", hpexpireat);
    r.add("httl", httl);
    r.add("hpttl", hpttl);
    r.add("hexpiretime", hexpiretime);
    r.add("hpexpiretime", hpexpiretime);
    r.add("hpersist", hpersist);
}

/// Replies larger than this stop growing and the client is closed, where Redis would stop
/// at the client's output buffer limit (`HRANDFIELD key -<huge count>`).
pub(crate) const REPLY_GUARD: usize = 1 << 30;

/// Fields the active expiry may delete per second in each database (Redis's
/// `HFE_DB_BASE_ACTIVE_EXPIRE_FIELDS_PER_SEC`).
const ACTIVE_EXPIRE_FIELDS_PER_SEC: usize = 10_000;

/// What reading a field found (Redis's `GetFieldRes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GetRes {
    /// The field exists and is live.
    Found,
    /// No such field.
    NotFound,
    /// The field had expired; it was deleted.
    Expired,
    /// The field had expired and was the last one: the key was deleted.
    ExpiredHash,
}

/// True while `CLIENT PAUSE` holds expiry back (Redis's `PAUSE_ACTION_EXPIRE`).
fn expiry_paused(srv: &Server) -> bool {
    matches!(srv.pause, Some((until, _)) if until > crate::server::unix_ms())
}

/// The hash stored under `key`, without lookup side effects.
fn hash_mut<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Option<&'a mut Hash> {
    match ks.db().keys.get_mut(key) {
        Some(Entry {
            value: Value::Hash(h),
            ..
        }) => Some(h.as_mut()),
        _ => None,
    }
}

/// [`hash_mut`] for a key known to hold a hash.
fn hash_known<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<&'a mut Hash, CmdError> {
    hash_mut(ks, key).ok_or(CmdError::NO_SUCH_KEY)
}

/// Looks a hash up for reading (hits, misses, WRONGTYPE).
fn read_hash<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'a mut Hash>, CmdError> {
    match ks.read_typed(key, ValueType::Hash)? {
        Some(Value::Hash(h)) => Ok(Some(h.as_mut())),
        Some(_) => Err(CmdError::WRONG_TYPE),
        None => Ok(None),
    }
}

/// Looks a hash up for writing (WRONGTYPE).
fn write_hash<'a>(ks: &'a mut Keyspace<'_>, key: &[u8]) -> Result<Option<&'a mut Hash>, CmdError> {
    match ks.write_typed(key, ValueType::Hash)? {
        Some(Value::Hash(h)) => Ok(Some(h.as_mut())),
        Some(_) => Err(CmdError::WRONG_TYPE),
        None => Ok(None),
    }
}

/// Redis's `hashTypeLookupWriteOrCreate`: the hash under `key`, created empty if absent.
fn lookup_write_or_create(ks: &mut Keyspace<'_>, key: &[u8]) -> CmdResult {
    if write_hash(ks, key)?.is_none() {
        ks.add(key, Value::Hash(Box::default()));
    }
    Ok(())
}

/// Brings the database's registry of hashes with field TTLs up to date for `key`.
fn sync_field_expiry(ks: &mut Keyspace<'_>, key: &[u8]) {
    let db = ks.db();
    let min = match db.keys.get(key) {
        Some(Entry {
            value: Value::Hash(h),
            ..
        }) => h.min_expire(),
        _ => None,
    };
    if min.is_some() || !db.hexpires.is_empty() {
        db.hexpires.update(key, min);
    }
}

/// Reads `field` of the hash under `key` (Redis's `hashTypeGetValue`), passing a live
/// value to `f`. An expired field is deleted on the way, with the `hexpired` event (and
/// `del` when it was the last field) unless `notify` is false.
fn get_field(
    ks: &mut Keyspace<'_>,
    key: &[u8],
    field: &[u8],
    notify: bool,
    f: impl FnOnce(&[u8]),
) -> GetRes {
    let now = ks.now();
    let keep = ks.srv.loading || expiry_paused(ks.srv);
    let Some(h) = hash_mut(ks, key) else {
        return GetRes::NotFound;
    };
    match h.get(field) {
        None => return GetRes::NotFound,
        Some((v, ttl)) => {
            if !is_expired(ttl, now) {
                f(v);
                return GetRes::Found;
            }
        }
    }
    if keep {
        return GetRes::Expired;
    }
    h.remove(field);
    let empty = h.is_empty();
    propagate::hash_field_deletion(ks.srv, ks.db, key, field);
    ks.srv.stats.expired_subkeys += 1;
    if notify {
        ks.notify(NOTIFY_HASH, "hexpired", key);
    }
    let res = if empty {
        if notify {
            ks.notify(NOTIFY_GENERIC, "del", key);
        }
        ks.db().remove(key);
        GetRes::ExpiredHash
    } else {
        sync_field_expiry(ks, key);
        GetRes::Expired
    };
    ks.signal_modified(key);
    res
}

/// Deletes up to `max` fields of the hash under `key` whose time is not after `now`
/// (Redis's `hashTypeExpire`), with the `hexpired` event, deleting the key when it
/// empties. Returns the number of fields deleted and whether the key went.
fn expire_hash_fields(ks: &mut Keyspace<'_>, key: &[u8], now: i64, max: usize) -> (usize, bool) {
    let Some(h) = hash_mut(ks, key) else {
        ks.db().hexpires.remove(key);
        return (0, false);
    };
    let mut gone: Vec<Bytes> = Vec::new();
    h.for_each_with_ttl(|f, _, t| {
        if t.is_some_and(|t| t <= now) && gone.len() < max {
            gone.push(Bytes::copy_from_slice(f));
        }
    });
    let n = h.expire_fields(now, max);
    let empty = h.is_empty();
    if n > 0 {
        for f in &gone {
            propagate::hash_field_deletion(ks.srv, ks.db, key, f);
        }
    }
    if n == 0 {
        sync_field_expiry(ks, key);
        return (0, false);
    }
    ks.srv.stats.expired_subkeys += n as u64;
    ks.notify(NOTIFY_HASH, "hexpired", key);
    if empty {
        ks.db().remove(key);
        ks.notify(NOTIFY_GENERIC, "del", key);
    } else {
        sync_field_expiry(ks, key);
    }
    ks.signal_modified(key);
    (n, empty)
}

/// Redis's `hashTypeExpireIfNeeded` (used by `HRANDFIELD`): deletes every expired field.
/// True when the whole key was deleted.
fn expire_all_if_needed(ks: &mut Keyspace<'_>, key: &[u8]) -> bool {
    let now = ks.now();
    if ks.srv.loading || expiry_paused(ks.srv) {
        return false;
    }
    let due = hash_mut(ks, key)
        .and_then(|h| h.min_expire())
        .is_some_and(|t| t < now);
    if !due {
        return false;
    }
    expire_hash_fields(ks, key, now, usize::MAX).1
}

/// The active expiry of hash fields: in every database, deletes expired fields of the
/// hashes whose nearest field TTL has passed, up to `10000 / hz` fields per database per
/// call. Called by the server cron while active expiry is enabled.
pub fn active_expire_hashes(srv: &mut Server) {
    let quota =
        (ACTIVE_EXPIRE_FIELDS_PER_SEC / usize::try_from(srv.config.hz.max(1)).unwrap_or(1)).max(1);
    let now = srv.cmd_time_ms;
    if expiry_paused(srv) {
        return;
    }
    for dbi in 0..srv.dbs.len() {
        if srv.dbs[dbi].hexpires.is_empty() {
            continue;
        }
        let due = srv.dbs[dbi].hexpires.due(now, quota);
        let mut left = quota;
        let mut ks = Keyspace {
            srv: &mut *srv,
            db: dbi,
        };
        for key in due {
            if left == 0 {
                break;
            }
            let (n, _) = expire_hash_fields(&mut ks, &key, now, left);
            left -= n.min(left);
            // Each key's expired fields are their own execution unit.
            propagate::flush(ks.srv, false);
        }
    }
}

/// Marks the client to be closed when a reply grew past [`REPLY_GUARD`].
pub(crate) fn guard_reply(ctx: &mut Ctx) {
    if ctx.client.out.len() > REPLY_GUARD {
        ctx.client.flags |= crate::client::flags::CLOSE_ASAP;
    }
}

/// ```text
/// HSET key field value [field value ...]
/// HMSET key field value [field value ...]
/// ```
fn hset(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() % 2 == 1 {
        return Err(CmdError::wrong_arity(ctx.cmd.fullname()));
    }
    let is_hset = ctx.cmd.name == "hset";
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    lookup_write_or_create(&mut ks, key)?;
    let limits = HashLimits::from_config(&ks.srv.config);
    let h = hash_known(&mut ks, key)?;
    h.try_conversion(&argv[2..], &limits);
    let mut created = 0;
    for pair in argv[2..].chunks(2) {
        if h.set(&pair[0], &pair[1], false, &limits) {
            created += 1;
        }
    }
    let ttls = h.has_ttl_support();
    if is_hset {
        out.int(created);
    } else {
        out.ok();
    }
    if ttls {
        sync_field_expiry(&mut ks, key);
    }
    ks.signal_modified(key);
    ks.notify(NOTIFY_HASH, "hset", key);
    ks.srv.dirty += (argv.len() as u64 - 2) / 2;
    Ok(())
}

/// ```text
/// HSETNX key field value
/// ```
fn hsetnx(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    lookup_write_or_create(&mut ks, key)?;
    match get_field(&mut ks, key, &argv[2], true, |_| {}) {
        GetRes::Found => {
            out.int(0);
            return Ok(());
        }
        GetRes::ExpiredHash => {
            ks.add(key, Value::Hash(Box::default()));
        }
        GetRes::NotFound | GetRes::Expired => {}
    }
    let limits = HashLimits::from_config(&ks.srv.config);
    let h = hash_known(&mut ks, key)?;
    h.try_conversion(&argv[2..4], &limits);
    h.set(&argv[2], &argv[3], false, &limits);
    let ttls = h.has_ttl_support();
    out.int(1);
    if ttls {
        sync_field_expiry(&mut ks, key);
    }
    ks.modified(key, NOTIFY_HASH, "hset");
    Ok(())
}

/// ```text
/// HGET key field
/// ```
fn hget(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if read_hash(&mut ks, &argv[1])?.is_none() {
        out.null();
        return Ok(());
    }
    let mut found = false;
    get_field(&mut ks, &argv[1], &argv[2], true, |v| {
        out.bulk(v);
        found = true;
    });
    if !found {
        out.null();
    }
    Ok(())
}

/// ```text
/// HMGET key field [field ...]
/// ```
fn hmget(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let exists = read_hash(&mut ks, key)?.is_some();
    out.array_len(argv.len() - 2);
    let mut expired = 0;
    let mut deleted = false;
    for field in &argv[2..] {
        if !exists || deleted {
            out.null();
            continue;
        }
        let mut found = false;
        match get_field(&mut ks, key, field, false, |v| {
            out.bulk(v);
            found = true;
        }) {
            GetRes::Expired => expired += 1,
            GetRes::ExpiredHash => deleted = true,
            GetRes::Found | GetRes::NotFound => {}
        }
        if !found {
            out.null();
        }
    }
    // As in Redis, a field whose expiry deleted the whole hash is not counted here.
    if expired > 0 {
        ks.notify(NOTIFY_HASH, "hexpired", key);
        if deleted {
            ks.notify(NOTIFY_GENERIC, "del", key);
        }
    }
    Ok(())
}

/// ```text
/// HDEL key field [field ...]
/// ```
fn hdel(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let Some(h) = write_hash(&mut ks, key)? else {
        out.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    let mut removed = false;
    for field in &argv[2..] {
        if h.remove(field) {
            deleted += 1;
            if h.is_empty() {
                removed = true;
                break;
            }
        }
    }
    let ttls = h.has_ttl_support();
    if removed {
        ks.db().remove(key);
    } else if ttls && deleted > 0 {
        sync_field_expiry(&mut ks, key);
    }
    if deleted > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_HASH, "hdel", key);
        if removed {
            ks.notify(NOTIFY_GENERIC, "del", key);
        }
        ks.srv.dirty += deleted as u64;
    }
    out.int(deleted);
    Ok(())
}

/// ```text
/// HLEN key
/// ```
fn hlen(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let n = read_hash(&mut ks, &argv[1])?.map_or(0, |h| h.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// HSTRLEN key field
/// ```
fn hstrlen(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if read_hash(&mut ks, &argv[1])?.is_none() {
        out.int(0);
        return Ok(());
    }
    let mut len = 0;
    get_field(&mut ks, &argv[1], &argv[2], true, |v| len = v.len());
    out.int(len as i64);
    Ok(())
}

/// ```text
/// HEXISTS key field
/// ```
fn hexists(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if read_hash(&mut ks, &argv[1])?.is_none() {
        out.int(0);
        return Ok(());
    }
    let res = get_field(&mut ks, &argv[1], &argv[2], true, |_| {});
    out.int(i64::from(res == GetRes::Found));
    Ok(())
}

/// The body of `HKEYS`, `HVALS`, `HGETALL` (Redis's `genericHgetallCommand`).
fn getall_generic(ctx: &mut Ctx, key: &[u8], keys: bool, vals: bool) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let now = ks.now();
    let both = keys && vals;
    let Some(h) = read_hash(&mut ks, key)? else {
        if both {
            out.map_len(0);
        } else {
            out.array_len(0);
        }
        return Ok(());
    };
    let n = h.live_len(now);
    if both {
        out.map_len(n);
    } else {
        out.array_len(n);
    }
    h.for_each_live(now, |f, v| {
        if keys {
            out.bulk(f);
        }
        if vals {
            out.bulk(v);
        }
    });
    Ok(())
}

/// ```text
/// HKEYS key
/// ```
fn hkeys(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, &argv[1], true, false)
}

/// ```text
/// HVALS key
/// ```
fn hvals(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, &argv[1], false, true)
}

/// ```text
/// HGETALL key
/// ```
fn hgetall(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    getall_generic(ctx, &argv[1], true, true)
}

/// ```text
/// HINCRBY key field increment
/// ```
fn hincrby(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let incr = args::int(&argv[3])?;
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    lookup_write_or_create(&mut ks, key)?;
    let mut current: Option<Option<i64>> = None;
    let res = get_field(&mut ks, key, &argv[2], true, |v| {
        current = Some(crate::util::parse_i64(v));
    });
    let old = match (res, current) {
        (GetRes::Found, Some(Some(n))) => n,
        (GetRes::Found, _) => return Err(CmdError::err("hash value is not an integer")),
        (GetRes::ExpiredHash, _) => {
            ks.add(key, Value::Hash(Box::default()));
            0
        }
        _ => 0,
    };
    let new = old
        .checked_add(incr)
        .ok_or_else(|| CmdError::err("increment or decrement would overflow"))?;
    let limits = HashLimits::from_config(&ks.srv.config);
    let h = hash_known(&mut ks, key)?;
    h.set(&argv[2], new.to_string().as_bytes(), true, &limits);
    out.int(new);
    ks.modified(key, NOTIFY_HASH, "hincrby");
    Ok(())
}

/// ```text
/// HINCRBYFLOAT key field increment
/// ```
fn hincrbyfloat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if crate::ldouble::parse(&argv[3]).is_none() {
        return Err(CmdError::NOT_FLOAT);
    }
    // `string2ld` rejects NaN and overflows, so the only non-finite increment that
    // parses is an explicit infinity (a `long double` holds what would overflow an
    // `f64`, so the parsed value cannot tell).
    let text = argv[3]
        .strip_prefix(b"-")
        .or_else(|| argv[3].strip_prefix(b"+"));
    let text = text.unwrap_or(&argv[3]);
    if text.eq_ignore_ascii_case(b"inf") || text.eq_ignore_ascii_case(b"infinity") {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    lookup_write_or_create(&mut ks, key)?;
    let mut current: Option<Vec<u8>> = None;
    let res = get_field(&mut ks, key, &argv[2], true, |v| current = Some(v.to_vec()));
    match res {
        GetRes::Found => {
            let valid = current
                .as_deref()
                .is_some_and(|c| crate::ldouble::parse(c).is_some());
            if !valid {
                return Err(CmdError::err("hash value is not a float"));
            }
        }
        GetRes::ExpiredHash => {
            ks.add(key, Value::Hash(Box::default()));
        }
        GetRes::NotFound | GetRes::Expired => {}
    }
    let new = crate::ldouble::incr_by_float(current.as_deref(), &argv[3])?;
    let limits = HashLimits::from_config(&ks.srv.config);
    let h = hash_known(&mut ks, key)?;
    h.set(&argv[2], &new, true, &limits);
    out.bulk(&new);
    ks.modified(key, NOTIFY_HASH, "hincrbyfloat");
    // Propagated as HSET key field <result>.
    propagate::rewrite(
        ks.srv,
        vec![
            Bytes::from_static(b"HSET"),
            key.clone(),
            argv[2].clone(),
            Bytes::copy_from_slice(&new),
        ],
    );
    Ok(())
}

/// Parses a count argument in `-LONG_MAX..=LONG_MAX` (Redis's
/// `getRangeLongFromObjectOrReply` without a custom message).
pub(crate) fn parse_count(a: &[u8]) -> Result<i64, CmdError> {
    let n = args::int(a)?;
    if n == i64::MIN {
        return Err(CmdError::err(format_args!(
            "value is out of range, value must between {} and {}",
            -i64::MAX,
            i64::MAX
        )));
    }
    Ok(n)
}

/// ```text
/// HRANDFIELD key [count [WITHVALUES]]
/// ```
fn hrandfield(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() >= 3 {
        let l = parse_count(&argv[2])?;
        if argv.len() > 4 || (argv.len() == 4 && !args::is(&argv[3], "withvalues")) {
            return Err(CmdError::SYNTAX);
        }
        let withvalues = argv.len() == 4;
        if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(CmdError::err("value is out of range"));
        }
        hrandfield_count(ctx, &argv[1], l, withvalues)?;
        guard_reply(ctx);
        return Ok(());
    }
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    if read_hash(&mut ks, key)?.is_none() {
        out.null();
        return Ok(());
    }
    if expire_all_if_needed(&mut ks, key) {
        out.null();
        return Ok(());
    }
    let srv = &mut *ks.srv;
    let rng = &mut srv.rng;
    let Some(Entry {
        value: Value::Hash(h),
        ..
    }) = srv.dbs[ks.db].keys.get(key)
    else {
        out.null();
        return Ok(());
    };
    match &h.repr {
        Repr::Small(s) if !s.entries.is_empty() => {
            out.bulk(&s.entries[rng.gen_range(0..s.entries.len())].0);
        }
        Repr::Table(t) => match fair_random_entry(&t.map, rng) {
            Some((f, _)) => out.bulk(f),
            None => out.null(),
        },
        Repr::Small(_) => out.null(),
    }
    Ok(())
}

/// Writes one `HRANDFIELD` pick.
#[inline]
fn reply_pick(out: &mut ReplyBuf, f: &[u8], v: &[u8], withvalues: bool) {
    if withvalues && out.is_resp3() {
        out.array_len(2);
    }
    out.bulk(f);
    if withvalues {
        out.bulk(v);
    }
}

/// Redis's `lpNextRandom` selection: starting at `*index`, advances to the next of
/// `remaining` unique picks among `total` items, each chosen with probability
/// remaining / items left.
pub(crate) fn next_random(
    rng: &mut impl Rng,
    index: &mut usize,
    remaining: usize,
    total: usize,
) -> Option<usize> {
    while *index < total {
        let available = total - *index;
        let r: f64 = rng.gen();
        if r <= remaining as f64 / available as f64 {
            return Some(*index);
        }
        *index += 1;
    }
    None
}

/// `HRANDFIELD key count [WITHVALUES]` (Redis's `hrandfieldWithCountCommand`).
fn hrandfield_count(ctx: &mut Ctx, key: &[u8], l: i64, withvalues: bool) -> CmdResult {
    let (mut ks, out) = ctx.split();
    if read_hash(&mut ks, key)?.is_none() {
        out.empty_array();
        return Ok(());
    }
    let (mut count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    if expire_all_if_needed(&mut ks, key) {
        out.empty_array();
        return Ok(());
    }
    let resp3 = out.is_resp3();
    let srv = &mut *ks.srv;
    let rng = &mut srv.rng;
    let Some(Entry {
        value: Value::Hash(h),
        ..
    }) = srv.dbs[ks.db].keys.get(key)
    else {
        out.empty_array();
        return Ok(());
    };
    let size = h.len() as u64;
    if count == 0 || size == 0 {
        out.empty_array();
        return Ok(());
    }

    // CASE 1: a negative count (repetitions allowed), or a single pick.
    if !uniq || count == 1 {
        let n = usize::try_from(count).unwrap_or(usize::MAX);
        if withvalues && !resp3 {
            out.array_len(n.saturating_mul(2));
        } else {
            out.array_len(n);
        }
        while count > 0 {
            count -= 1;
            match &h.repr {
                Repr::Table(t) => {
                    if let Some((f, v)) = fair_random_entry(&t.map, rng) {
                        reply_pick(out, f, v, withvalues);
                    }
                }
                Repr::Small(s) => {
                    let (f, v) = &s.entries[rng.gen_range(0..s.entries.len())];
                    reply_pick(out, f, v, withvalues);
                }
            }
            if out.len() > REPLY_GUARD {
                break;
            }
        }
        return Ok(());
    }

    let reply_size = count.min(size) as usize;
    if withvalues && !resp3 {
        out.array_len(reply_size * 2);
    } else {
        out.array_len(reply_size);
    }

    // CASE 2: at least as many as there are: the whole hash.
    if count >= size {
        h.for_each(|f, v| reply_pick(out, f, v, withvalues));
        return Ok(());
    }
    let count = count as usize;
    let size = size as usize;
    match &h.repr {
        // CASE 2.5: a small hash: unique picks in listpack order.
        Repr::Small(s) => {
            let mut index = 0;
            let mut remaining = count;
            while remaining > 0 {
                let Some(i) = next_random(rng, &mut index, remaining, size) else {
                    break;
                };
                let (f, v) = &s.entries[i];
                reply_pick(out, f, v, withvalues);
                index += 1;
                remaining -= 1;
            }
        }
        Repr::Table(t) => {
            if count * 3 > size {
                // CASE 3: copy everything, drop random entries down to `count`.
                let mut pairs: Vec<(&SBytes, &SBytes)> = t.map.iter().collect();
                let mut len = pairs.len();
                while len > count {
                    let i = rng.gen_range(0..len);
                    len -= 1;
                    pairs.swap(i, len);
                }
                for (f, v) in &pairs[..len] {
                    reply_pick(out, f, v, withvalues);
                }
            } else {
                // CASE 4: random picks until `count` distinct ones.
                let mut seen = std::collections::HashSet::with_capacity(count);
                while seen.len() < count {
                    let Some((f, v)) = fair_random_entry(&t.map, rng) else {
                        break;
                    };
                    if seen.insert(f.as_ptr()) {
                        reply_pick(out, f, v, withvalues);
                    }
                }
            }
        }
    }
    Ok(())
}

/// ```text
/// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
/// ```
fn hscan(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cursor = scan::parse_cursor(&argv[2])?;
    let (mut ks, out) = ctx.split();
    let now = ks.now();
    let Some(h) = read_hash(&mut ks, &argv[1])? else {
        return scan::reply::<&[u8]>(out, 0, &[]);
    };
    let o = scan::parse_opts(argv, 3, false, true)?;
    let mut items: Vec<SBytes> = Vec::new();
    let next = match &h.repr {
        Repr::Table(t) => scan::scan_dict(&t.map, cursor, o.count, |f, v| {
            if !o.matches(f) || is_expired(t.ttl_of(f), now) {
                return;
            }
            items.push(f.clone());
            if !o.novalues {
                items.push(v.clone());
            }
        }),
        Repr::Small(_) => {
            h.for_each_live(now, |f, v| {
                if o.matches(f) {
                    items.push(SBytes::from_slice(f));
                    if !o.novalues {
                        items.push(SBytes::from_slice(v));
                    }
                }
            });
            0
        }
    };
    scan::reply(out, next, &items)
}

/// Parses `numfields` of the `FIELDS numfields field...` block at `at` and checks it
/// against the arguments left. Returns the fields.
fn parse_fields<'a>(argv: &'a [Bytes], at: usize, msg: &str) -> Result<&'a [Bytes], CmdError> {
    if !args::is(&argv[at - 1], "fields") {
        return Err(CmdError::err(
            "Mandatory argument FIELDS is missing or not at the right position",
        ));
    }
    let n = match crate::util::parse_i64(&argv[at]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::err(msg)),
    };
    if n != (argv.len() - at - 1) as u64 {
        return Err(CmdError::err(
            "The `numfields` parameter must match the number of arguments",
        ));
    }
    Ok(&argv[at + 1..])
}

/// The body of `HEXPIRE`, `HPEXPIRE`, `HEXPIREAT`, `HPEXPIREAT` (Redis's
/// `hexpireGenericCommand`).
fn hexpire_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    millis: bool,
    relative: bool,
    name: &str,
) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let now = ks.now();
    let exists = write_hash(&mut ks, key)?.is_some();
    let mut expire = args::int(&argv[2])?;
    if expire < 0 {
        return Err(CmdError::err("invalid expire time, must be >= 0"));
    }
    if !millis {
        if expire > HFE_MAX_ABS_TIME_MS / 1000 {
            return Err(CmdError::invalid_expire(name));
        }
        expire *= 1000;
    }
    let basetime = if relative { now } else { 0 };
    if expire > HFE_MAX_ABS_TIME_MS - basetime {
        return Err(CmdError::invalid_expire(name));
    }
    expire += basetime;
    let opt = &argv[3];
    let (cond, at) = if args::is(opt, "nx") {
        (ExpireCond::Nx, 5)
    } else if args::is(opt, "xx") {
        (ExpireCond::Xx, 5)
    } else if args::is(opt, "gt") {
        (ExpireCond::Gt, 5)
    } else if args::is(opt, "lt") {
        (ExpireCond::Lt, 5)
    } else {
        (ExpireCond::Always, 4)
    };
    let fields = parse_fields(argv, at, "Parameter `numFields` should be greater than 0")?;
    out.array_len(fields.len());
    if !exists {
        for _ in fields {
            out.int(-2);
        }
        return Ok(());
    }
    let loading = ks.srv.loading;
    let h = hash_known(&mut ks, key)?;
    h.enable_ttls();
    let (mut updated, mut deleted) = (0u64, 0u64);
    let mut set_fields: Vec<Bytes> = Vec::new();
    let mut del_fields: Vec<Bytes> = Vec::new();
    for f in fields {
        let res = h.set_field_expire(f, expire, cond, now, loading);
        match res {
            SetExpire::Set => {
                updated += 1;
                set_fields.push(f.clone());
            }
            SetExpire::Deleted => {
                deleted += 1;
                del_fields.push(f.clone());
            }
            SetExpire::NoField | SetExpire::ConditionNotMet => {}
        }
        out.int(res.code());
    }
    let empty = h.is_empty();
    ks.srv.stats.expired_subkeys += deleted;
    // Fields whose time had passed are propagated as HDEL; the others as HPEXPIREAT
    // with the absolute time and only the fields that were set.
    let db = ks.db;
    for f in &del_fields {
        propagate::hash_field_deletion(ks.srv, db, key, f);
    }
    if set_fields.is_empty() {
        propagate::prevent(ks.srv);
    } else {
        let mut v = vec![
            Bytes::from_static(b"HPEXPIREAT"),
            key.clone(),
            Bytes::from(expire.to_string()),
        ];
        if at == 5 {
            v.push(argv[3].clone());
        }
        v.push(Bytes::from_static(b"FIELDS"));
        v.push(Bytes::from(set_fields.len().to_string()));
        v.extend(set_fields);
        propagate::rewrite(ks.srv, v);
    }
    if updated + deleted == 0 {
        return Ok(());
    }
    ks.srv.dirty += updated + deleted;
    if deleted > 0 && empty {
        ks.db().remove(key);
        ks.signal_modified(key);
        ks.notify(NOTIFY_HASH, "hdel", key);
        ks.notify(NOTIFY_GENERIC, "del", key);
    } else {
        ks.signal_modified(key);
        ks.notify(
            NOTIFY_HASH,
            if deleted > 0 { "hdel" } else { "hexpire" },
            key,
        );
        sync_field_expiry(&mut ks, key);
    }
    Ok(())
}

/// ```text
/// HEXPIRE key seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
/// ```
fn hexpire(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, argv, false, true, "hexpire")
}

/// ```text
/// HPEXPIRE key milliseconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
/// ```
fn hpexpire(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, argv, true, true, "hpexpire")
}

/// ```text
/// HEXPIREAT key unix-time-seconds [NX | XX | GT | LT] FIELDS numfields field [field ...]
/// ```
fn hexpireat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, argv, false, false, "hexpireat")
}

/// ```text
/// HPEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT] FIELDS numfields field
///     [field ...]
/// ```
fn hpexpireat(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    hexpire_generic(ctx, argv, true, false, "hpexpireat")
}

/// The body of `HTTL`, `HPTTL`, `HEXPIRETIME`, `HPEXPIRETIME` (Redis's
/// `httlGenericCommand`).
fn httl_generic(ctx: &mut Ctx, argv: &[Bytes], millis: bool, relative: bool) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let now = ks.now();
    let basetime = if relative { now } else { 0 };
    let h = read_hash(&mut ks, &argv[1])?;
    let fields = parse_fields(argv, 3, "Number of fields must be a positive integer")?;
    out.array_len(fields.len());
    let Some(h) = h else {
        for _ in fields {
            out.int(-2);
        }
        return Ok(());
    };
    for f in fields {
        let Some((_, ttl)) = h.get(f) else {
            out.int(-2);
            continue;
        };
        if ttl == 0 {
            out.int(-1);
            continue;
        }
        // Redis compares with `<=` for listpackex hashes and `<` for tables.
        let gone = if h.is_small() { ttl <= now } else { ttl < now };
        if gone {
            out.int(-2);
        } else if millis {
            out.int(ttl - basetime);
        } else {
            out.int((ttl + 999 - basetime) / 1000);
        }
    }
    Ok(())
}

/// ```text
/// HTTL key FIELDS numfields field [field ...]
/// ```
fn httl(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    httl_generic(ctx, argv, false, true)
}

/// ```text
/// HPTTL key FIELDS numfields field [field ...]
/// ```
fn hpttl(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    httl_generic(ctx, argv, true, true)
}

/// ```text
/// HEXPIRETIME key FIELDS numfields field [field ...]
/// ```
fn hexpiretime(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    httl_generic(ctx, argv, false, false)
}

/// ```text
/// HPEXPIRETIME key FIELDS numfields field [field ...]
/// ```
fn hpexpiretime(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    httl_generic(ctx, argv, true, false)
}

/// ```text
/// HPERSIST key FIELDS numfields field [field ...]
/// ```
fn hpersist(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let key = &argv[1];
    let now = ks.now();
    let h = write_hash(&mut ks, key)?;
    let fields = parse_fields(argv, 3, "Number of fields must be a positive integer")?;
    out.array_len(fields.len());
    let Some(h) = h else {
        for _ in fields {
            out.int(-2);
        }
        return Ok(());
    };
    let mut changed = false;
    for f in fields {
        let code = match h.get(f) {
            None => -2,
            Some((_, 0)) => -1,
            Some((_, t)) if t < now => -2,
            Some(_) => {
                h.persist_field(f);
                changed = true;
                1
            }
        };
        out.int(code);
    }
    if changed {
        sync_field_expiry(&mut ks, key);
        ks.notify(NOTIFY_HASH, "hpersist", key);
        ks.signal_modified(key);
        ks.srv.dirty += 1;
    }
    Ok(())
}
