//! Reading values and whole datasets from RDB data (versions 1..=12, every encoding
//! Redis writes for strings, lists, sets, sorted sets and hashes, module values through
//! the module hooks). Values are rebuilt with Coil's types under the configured
//! encoding thresholds, as Redis converts what it loads.

use super::consts::*;
use super::reader::{RdbStr, Reader};
use super::RdbError;
use crate::db::hash::{Hash, HashLimits};
use crate::db::list::List;
use crate::db::set::{Set, SetLimits, SetRepr};
use crate::db::zset::{Limits as ZLimits, ZSet};
use crate::db::{Dict, SBytes, StrValue, Value};
use crate::persistence::encoding::{intset, listpack, ziplist, zipmap, Elem};
use crate::server::Server;
use std::borrow::Cow;

/// The encoding limits values are rebuilt under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Hash thresholds.
    pub hash: HashLimits,
    /// Set thresholds.
    pub set: SetLimits,
    /// Sorted-set thresholds.
    pub zset: ZLimits,
}

impl Limits {
    /// The configured thresholds.
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            hash: HashLimits::from_config(c),
            set: SetLimits::from_config(c),
            zset: ZLimits::of(c),
        }
    }
}

fn elem_f64(e: &Elem<'_>) -> Result<f64, RdbError> {
    match e {
        Elem::Int(n) => Ok(*n as f64),
        Elem::Str(s) => crate::util::strtod_full(s)
            .ok_or_else(|| RdbError::corrupt("Zset listpack integrity check failed.")),
    }
}

fn str_value(s: RdbStr<'_>) -> Value {
    match s {
        RdbStr::Int(n) => Value::Str(StrValue::Int(n)),
        RdbStr::Bytes(b) => Value::Str(StrValue::from_bytes(&b)),
    }
}

fn build_set<'b>(
    len: usize,
    members: impl Iterator<Item = Cow<'b, [u8]>>,
    lim: &SetLimits,
) -> Result<Set, RdbError> {
    let mut s = if len > lim.max_intset_entries.min(1 << 30) {
        Set {
            repr: SetRepr::Table(Dict::with_capacity(len)),
        }
    } else {
        Set::new()
    };
    for m in members {
        if !s.add(&m, lim) {
            return Err(RdbError::corrupt("Duplicate set members detected"));
        }
    }
    Ok(s)
}

fn build_zset(entries: Vec<(SBytes, f64)>, lim: ZLimits) -> Result<ZSet, RdbError> {
    {
        let mut seen: ahash::AHashSet<&[u8]> = ahash::AHashSet::with_capacity(entries.len());
        for (m, sc) in &entries {
            if sc.is_nan() {
                return Err(RdbError::corrupt("Zset with NAN score detected"));
            }
            if !seen.insert(m.as_slice()) {
                return Err(RdbError::corrupt("Duplicate zset fields detected"));
            }
        }
    }
    Ok(ZSet::from_entries(entries, lim))
}

fn build_hash<'b>(
    fields: impl Iterator<Item = (Cow<'b, [u8]>, Cow<'b, [u8]>, i64)>,
    lim: &HashLimits,
    with_ttls: bool,
) -> Result<Hash, RdbError> {
    let mut h = Hash::new();
    if with_ttls {
        h.enable_ttls();
    }
    for (f, v, ttl) in fields {
        if !h.set(&f, &v, false, lim) {
            return Err(RdbError::corrupt("Duplicate hash fields detected"));
        }
        if ttl != 0 {
            h.set_ttl(&f, ttl);
        }
    }
    Ok(h)
}

fn list_from<'b>(items: impl Iterator<Item = Cow<'b, [u8]>>) -> List {
    let mut l = List::new();
    for it in items {
        l.push_back(&it);
    }
    l
}

fn elem_cow<'b>(e: &Elem<'b>) -> Cow<'b, [u8]> {
    match e {
        Elem::Int(n) => Cow::Owned(n.to_string().into_bytes()),
        Elem::Str(s) => Cow::Borrowed(s),
    }
}

fn bytes_of(s: RdbStr<'_>) -> Cow<'_, [u8]> {
    match s {
        RdbStr::Int(n) => Cow::Owned(n.to_string().into_bytes()),
        RdbStr::Bytes(b) => b,
    }
}

/// Reads one value of RDB type `t`. `Ok(None)` is an empty aggregate (Redis skips such
/// keys).
pub fn read_value(
    srv: &mut Server,
    r: &mut Reader<'_>,
    t: u8,
    lim: &Limits,
    key: &[u8],
    db: usize,
) -> Result<Option<Value>, RdbError> {
    let v = match t {
        TYPE_STRING => str_value(r.string()?),
        TYPE_LIST => {
            let n = r.count()?;
            if n == 0 {
                return Ok(None);
            }
            let mut l = List::new();
            for _ in 0..n {
                l.push_back(&r.string_bytes()?);
            }
            Value::List(Box::new(l))
        }
        TYPE_SET => {
            let n = r.count()?;
            if n == 0 {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(r.string_bytes()?);
            }
            Value::Set(Box::new(build_set(n, items.into_iter(), &lim.set)?))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count()?;
            if n == 0 {
                return Ok(None);
            }
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                let m = r.string_bytes()?;
                let sc = if t == TYPE_ZSET_2 {
                    r.binary_double()?
                } else {
                    r.string_double()?
                };
                entries.push((SBytes::from_slice(&m), sc));
            }
            Value::ZSet(Box::new(build_zset(entries, lim.zset)?))
        }
        TYPE_HASH => {
            let n = r.count()?;
            if n == 0 {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let f = r.string_bytes()?;
                let v = r.string_bytes()?;
                items.push((f, v, 0));
            }
            Value::Hash(Box::new(build_hash(items.into_iter(), &lim.hash, false)?))
        }
        TYPE_HASH_METADATA | TYPE_HASH_METADATA_PRE_GA => {
            let min = if t == TYPE_HASH_METADATA {
                r.millis()?
            } else {
                0
            };
            let n = r.count()?;
            if n == 0 {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let ttl = r.len()?;
                let at = if t == TYPE_HASH_METADATA {
                    if ttl != 0 {
                        ttl.wrapping_add(min as u64).wrapping_sub(1)
                    } else {
                        0
                    }
                } else {
                    ttl
                };
                if at > HFE_MAX {
                    return Err(RdbError::corrupt(format!("invalid expireAt time: {at}")));
                }
                let f = r.string_bytes()?;
                let v = r.string_bytes()?;
                items.push((f, v, at as i64));
            }
            Value::Hash(Box::new(build_hash(items.into_iter(), &lim.hash, true)?))
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.count()?;
            if nodes == 0 {
                return Ok(None);
            }
            let mut l = List::new();
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    QUICKLIST_NODE_PACKED
                };
                let blob = bytes_of(r.string()?);
                match container {
                    QUICKLIST_NODE_PLAIN => l.push_back(&blob),
                    QUICKLIST_NODE_PACKED => {
                        let elems = if t == TYPE_LIST_QUICKLIST_2 {
                            listpack::decode(&blob).ok_or_else(|| {
                                RdbError::corrupt("Listpack integrity check failed.")
                            })?
                        } else {
                            ziplist::decode(&blob).ok_or_else(|| {
                                RdbError::corrupt("Ziplist integrity check failed.")
                            })?
                        };
                        for e in &elems {
                            e.with_bytes(|b| l.push_back(b));
                        }
                    }
                    _ => return Err(RdbError::corrupt("Quicklist integrity check failed.")),
                }
            }
            if l.is_empty() {
                return Ok(None);
            }
            Value::List(Box::new(l))
        }
        TYPE_HASH_ZIPMAP => {
            let blob = bytes_of(r.string()?);
            let pairs = zipmap::decode(&blob)
                .ok_or_else(|| RdbError::corrupt("Zipmap integrity check failed."))?;
            if pairs.is_empty() {
                return Ok(None);
            }
            let it = pairs
                .iter()
                .map(|(f, v)| (Cow::Borrowed(*f), Cow::Borrowed(*v), 0));
            Value::Hash(Box::new(build_hash(it, &lim.hash, false)?))
        }
        TYPE_LIST_ZIPLIST => {
            let blob = bytes_of(r.string()?);
            let elems = ziplist::decode(&blob)
                .ok_or_else(|| RdbError::corrupt("List ziplist integrity check failed."))?;
            if elems.is_empty() {
                return Ok(None);
            }
            Value::List(Box::new(list_from(elems.iter().map(elem_cow))))
        }
        TYPE_SET_INTSET => {
            let blob = bytes_of(r.string()?);
            let ints = intset::decode(&blob)
                .ok_or_else(|| RdbError::corrupt("Intset integrity check failed."))?;
            if ints.is_empty() {
                return Ok(None);
            }
            let n = ints.len();
            let mut s = Set {
                repr: SetRepr::Intset(ints),
            };
            s.maybe_convert(n, &lim.set);
            Value::Set(Box::new(s))
        }
        TYPE_SET_LISTPACK => {
            let blob = bytes_of(r.string()?);
            let elems = listpack::decode(&blob)
                .ok_or_else(|| RdbError::corrupt("Set listpack integrity check failed."))?;
            if elems.is_empty() {
                return Ok(None);
            }
            let mut members = Vec::with_capacity(elems.len());
            let mut seen: ahash::AHashSet<Vec<u8>> = ahash::AHashSet::with_capacity(elems.len());
            for e in &elems {
                let b = e.to_vec();
                if !seen.insert(b.clone()) {
                    return Err(RdbError::corrupt("Set listpack integrity check failed."));
                }
                members.push(SBytes::from(b));
            }
            let n = members.len();
            let mut s = Set {
                repr: SetRepr::Listpack(members),
            };
            s.maybe_convert(n, &lim.set);
            Value::Set(Box::new(s))
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = bytes_of(r.string()?);
            let elems = if t == TYPE_ZSET_LISTPACK {
                listpack::decode(&blob)
            } else {
                ziplist::decode(&blob)
            }
            .filter(|e| e.len() % 2 == 0)
            .ok_or_else(|| RdbError::corrupt("Zset listpack integrity check failed."))?;
            if elems.is_empty() {
                return Ok(None);
            }
            let mut entries = Vec::with_capacity(elems.len() / 2);
            for pair in elems.chunks_exact(2) {
                entries.push((SBytes::from(pair[0].to_vec()), elem_f64(&pair[1])?));
            }
            Value::ZSet(Box::new(build_zset(entries, lim.zset)?))
        }
        TYPE_HASH_ZIPLIST
        | TYPE_HASH_LISTPACK
        | TYPE_HASH_LISTPACK_EX
        | TYPE_HASH_LISTPACK_EX_PRE_GA => {
            if t == TYPE_HASH_LISTPACK_EX {
                r.millis()?;
            }
            let blob = bytes_of(r.string()?);
            let tuple = if t == TYPE_HASH_LISTPACK || t == TYPE_HASH_ZIPLIST {
                2
            } else {
                3
            };
            let elems = if t == TYPE_HASH_ZIPLIST {
                ziplist::decode(&blob)
            } else {
                listpack::decode(&blob)
            }
            .filter(|e| e.len() % tuple == 0)
            .ok_or_else(|| RdbError::corrupt("Hash listpack integrity check failed."))?;
            if elems.is_empty() {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(elems.len() / tuple);
            for c in elems.chunks_exact(tuple) {
                let ttl = if tuple == 3 {
                    match c[2] {
                        Elem::Int(n) if n >= 0 && n as u64 <= HFE_MAX => n,
                        _ => {
                            return Err(RdbError::corrupt("Hash listpack integrity check failed."))
                        }
                    }
                } else {
                    0
                };
                items.push((elem_cow(&c[0]), elem_cow(&c[1]), ttl));
            }
            Value::Hash(Box::new(build_hash(
                items.into_iter(),
                &lim.hash,
                tuple == 3,
            )?))
        }
        TYPE_MODULE_2 => {
            let (v, used) = crate::modules::types::load_value(srv, &r.data[r.pos..], key, db)
                .map_err(|e| RdbError::corrupt(e.to_string()))?;
            r.pos += used;
            v
        }
        TYPE_MODULE_PRE_GA => {
            return Err(RdbError::corrupt("Pre-release module format not supported"))
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            return Err(RdbError::corrupt(
                "The RDB file contains a stream, a type Coil does not support",
            ))
        }
        other => {
            return Err(RdbError::corrupt(format!(
                "Unknown RDB encoding type {other}"
            )))
        }
    };
    Ok(Some(v))
}

/// How a dataset is loaded.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Keys already in the database are replaced (`DEBUG RELOAD MERGE`); otherwise a
    /// duplicate key is an error.
    pub allow_dup: bool,
    /// The RDB is an AOF base or preamble: keys whose TTL passed are loaded anyway (the
    /// AOF's commands assume them).
    pub keep_expired: bool,
}

/// Counters of a load (`rdb_last_load_keys_loaded` / `_expired`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadStats {
    /// Keys added.
    pub loaded: u64,
    /// Keys skipped because their TTL had passed.
    pub expired: u64,
    /// Empty aggregates skipped.
    pub empty_skipped: u64,
}

/// An RDB being loaded, a few keys at a time so the event loop can keep serving
/// (`-LOADING`) while a large file loads.
pub struct RdbLoad {
    data: Vec<u8>,
    /// Where to resume; after the end, the position just past the checksum.
    pub pos: usize,
    version: u16,
    db: usize,
    opts: LoadOptions,
    /// Counters so far.
    pub stats: LoadStats,
    limits: Limits,
    key_load_delay_us: i64,
}

impl RdbLoad {
    /// Checks the header of `data` and prepares to load it.
    pub fn new(srv: &Server, data: Vec<u8>, opts: LoadOptions) -> Result<RdbLoad, RdbError> {
        if data.len() < 9 {
            return Err(RdbError::short());
        }
        if &data[..5] != b"REDIS" {
            return Err(RdbError::corrupt(
                "Wrong signature trying to load DB from file",
            ));
        }
        let version: u16 = std::str::from_utf8(&data[5..9])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if !(1..=RDB_VERSION_MAX).contains(&version) {
            return Err(RdbError::corrupt(format!(
                "Can't handle RDB format version {version}"
            )));
        }
        Ok(RdbLoad {
            data,
            pos: 9,
            version,
            db: 0,
            opts,
            stats: LoadStats::default(),
            limits: Limits::from_config(&srv.config),
            key_load_delay_us: srv
                .config
                .get("key-load-delay")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        })
    }

    /// Total bytes of the data.
    pub fn total(&self) -> usize {
        self.data.len()
    }

    /// The data after the RDB (an AOF tail after an RDB preamble).
    pub fn into_rest(self) -> Vec<u8> {
        let mut d = self.data;
        d.drain(..self.pos.min(d.len()));
        d
    }

    /// Loads up to `max_keys` keys. `Ok(true)` once the EOF opcode and the checksum were
    /// read and verified.
    pub fn step(&mut self, srv: &mut Server, max_keys: usize) -> Result<bool, RdbError> {
        let data = std::mem::take(&mut self.data);
        let res = self.step_in(srv, &data, max_keys);
        self.data = data;
        res
    }

    fn step_in(
        &mut self,
        srv: &mut Server,
        data: &[u8],
        max_keys: usize,
    ) -> Result<bool, RdbError> {
        let mut r = Reader {
            data,
            pos: self.pos,
        };
        let mut expire: Option<i64> = None;
        let mut lfu_freq: Option<u8> = None;
        let mut lru_idle: Option<u64> = None;
        let mut done = 0usize;
        let now = crate::server::unix_ms();
        loop {
            if done >= max_keys && expire.is_none() && lfu_freq.is_none() && lru_idle.is_none() {
                self.pos = r.pos;
                return Ok(false);
            }
            let t = r.byte()?;
            match t {
                RDB_OPCODE_EXPIRETIME => {
                    expire = Some(r.secs()? * 1000);
                    continue;
                }
                RDB_OPCODE_EXPIRETIME_MS => {
                    expire = Some(r.millis()?);
                    continue;
                }
                RDB_OPCODE_FREQ => {
                    lfu_freq = Some(r.byte()?);
                    continue;
                }
                RDB_OPCODE_IDLE => {
                    lru_idle = Some(r.len()?);
                    continue;
                }
                RDB_OPCODE_EOF => break,
                RDB_OPCODE_SELECTDB => {
                    let id = r.len()?;
                    if id >= srv.dbs.len() as u64 {
                        return Err(RdbError::corrupt(format!("FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting\n", srv.dbs.len())));
                    }
                    self.db = id as usize;
                    continue;
                }
                RDB_OPCODE_RESIZEDB => {
                    let size = r.len()?;
                    let exp = r.len()?;
                    let cap = (data.len() / 4) as u64;
                    let db = &mut srv.dbs[self.db];
                    if db.keys.is_empty() && size > 0 && size <= cap {
                        db.keys = Dict::with_capacity(size as usize);
                    }
                    if db.expires.is_empty() && exp > 0 && exp <= cap {
                        db.expires = Dict::with_capacity(exp as usize);
                    }
                    continue;
                }
                RDB_OPCODE_SLOT_INFO => {
                    r.len()?;
                    r.len()?;
                    r.len()?;
                    continue;
                }
                RDB_OPCODE_AUX => {
                    let k = r.string()?.into_vec();
                    let v = r.string()?.into_vec();
                    aux_field(&k, &v);
                    continue;
                }
                RDB_OPCODE_MODULE_AUX => {
                    super::module::read_aux(srv, &mut r)?;
                    continue;
                }
                RDB_OPCODE_FUNCTION_PRE_GA => {
                    return Err(RdbError::corrupt(
                        "Pre-release function format not supported.",
                    ))
                }
                RDB_OPCODE_FUNCTION2 => {
                    let code = r.string()?.into_vec();
                    let load = srv.persist.function_hooks.load;
                    load(srv, &code, self.opts.allow_dup)
                        .map_err(|e| RdbError::corrupt(format!("Failed loading library, {e}")))?;
                    continue;
                }
                _ => {}
            }
            let key = r.string_bytes()?.into_owned();
            let val = read_value(srv, &mut r, t, &self.limits, &key, self.db)?;
            let exp = expire.take();
            let freq = lfu_freq.take();
            let idle = lru_idle.take();
            done += 1;
            let Some(val) = val else {
                if self.stats.empty_skipped < 10 {
                    tracing::info!(
                        "rdbLoadObject skipping empty key: {}",
                        String::from_utf8_lossy(&key)
                    );
                }
                self.stats.empty_skipped += 1;
                continue;
            };
            if !self.opts.keep_expired && exp.is_some_and(|t| t < now) {
                self.stats.expired += 1;
                continue;
            }
            let lru = initial_lru(srv, freq, idle, now);
            let db = &mut srv.dbs[self.db];
            if db.keys.contains_key(&key) {
                if !self.opts.allow_dup {
                    return Err(RdbError::corrupt(format!(
                        "RDB has duplicated key '{}' in DB {}",
                        String::from_utf8_lossy(&key),
                        self.db
                    )));
                }
                db.remove(&key);
            }
            db.add(&key, val, lru);
            if let Some(t) = exp {
                db.set_expire(&key, t);
            }
            self.stats.loaded += 1;
            if self.key_load_delay_us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(
                    self.key_load_delay_us as u64,
                ));
            }
        }
        // The checksum (RDB 5 and later).
        if self.version >= 5 {
            let end = r.pos;
            let stored = u64::from_le_bytes({
                let b = r.bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                a
            });
            let check = srv.config.get("rdbchecksum").as_deref() != Some("no");
            if check {
                if stored == 0 {
                    tracing::info!(
                        "RDB file was saved with checksum disabled: no check performed."
                    );
                } else {
                    let expected = crate::persistence::encoding::crc64::crc64(0, &data[..end]);
                    if expected != stored {
                        tracing::warn!("Wrong RDB checksum expected: ({stored:x}) but got ({expected:x}). Aborting now.");
                        return Err(RdbError::corrupt("RDB CRC error"));
                    }
                }
            }
        }
        self.pos = r.pos;
        Ok(true)
    }
}

fn aux_field(k: &[u8], v: &[u8]) {
    let vs = String::from_utf8_lossy(v);
    match k {
        b"redis-ver" => tracing::info!("Loading RDB produced by version {vs}"),
        b"ctime" => {
            let age = (crate::server::unix_ms() / 1000 - vs.parse::<i64>().unwrap_or(0)).max(0);
            tracing::info!("RDB age {age} seconds");
        }
        b"used-mem" => tracing::info!(
            "RDB memory usage when created {:.2} Mb",
            vs.parse::<f64>().unwrap_or(0.0) / (1024.0 * 1024.0)
        ),
        b"aof-preamble" if vs != "0" => tracing::info!("RDB has an AOF tail"),
        b"aof-base" if vs != "0" => tracing::info!("RDB is base AOF"),
        _ if k.first() == Some(&b'%') => {
            tracing::info!("RDB '{}': {vs}", String::from_utf8_lossy(k))
        }
        _ => {}
    }
}

/// The `lru` field of a loaded key (Redis's `objectSetLRUOrLFU`).
fn initial_lru(srv: &Server, freq: Option<u8>, idle: Option<u64>, now: i64) -> u32 {
    let policy = srv.config.maxmemory_policy.as_str();
    if policy.ends_with("lfu") {
        let counter = freq.map(u32::from).unwrap_or(crate::ctx::LFU_INIT_VAL);
        (crate::ctx::lfu_time_minutes(now) << 8) | counter
    } else {
        let clock = srv.lru_clock();
        match idle {
            Some(i) if policy.ends_with("lru") => clock.wrapping_sub(i as u32) & ((1 << 24) - 1),
            _ => clock,
        }
    }
}

/// Reads a `DUMP` payload's value (after checking its footer): `Err` with Redis's
/// `RESTORE` message when the payload is not valid.
pub fn restore_payload(
    srv: &mut Server,
    payload: &[u8],
    key: &[u8],
    db: usize,
) -> Result<Value, String> {
    const BAD: &str = "DUMP payload version or checksum are wrong";
    if payload.len() < 10 {
        return Err(BAD.into());
    }
    let footer = payload.len() - 10;
    let version = u16::from_le_bytes([payload[footer], payload[footer + 1]]);
    if version > RDB_VERSION_MAX {
        return Err(BAD.into());
    }
    let crc = u64::from_le_bytes({
        let mut a = [0u8; 8];
        a.copy_from_slice(&payload[footer + 2..]);
        a
    });
    let skip = srv.persist.skip_checksum_validation;
    if !skip && crate::persistence::encoding::crc64::crc64(0, &payload[..footer + 2]) != crc {
        return Err(BAD.into());
    }
    let body = &payload[..footer];
    let mut r = Reader::new(body);
    let bad = || "Bad data format".to_string();
    let t = r.byte().map_err(|_| bad())?;
    let lim = Limits::from_config(&srv.config);
    let v = read_value(srv, &mut r, t, &lim, key, db).map_err(|_| bad())?;
    if r.pos != body.len() {
        return Err(bad());
    }
    v.ok_or_else(bad)
}
