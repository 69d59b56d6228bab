//! Writing values and whole datasets in RDB format, choosing the encodings Redis 7.0+
//! would write for the same data (so `redis-check-rdb` accepts the file and Redis keeps
//! the small encodings when it loads it).

use super::consts::*;
use super::writer::RdbWriter;
use crate::db::hash::Repr as HashRepr;
use crate::db::set::SetRepr;
use crate::db::{Entry, Value};
use crate::persistence::encoding::{intset, listpack};
use crate::server::Server;
use std::io::{self, Write};

/// How to write a dataset.
#[derive(Debug, Clone, Default)]
pub struct SaveOptions {
    /// The file is the base of a multi-part AOF (`aof-base` aux field).
    pub aof_base: bool,
    /// Sleep this many microseconds after each key (`rdb-key-save-delay`, for tests).
    pub key_save_delay_us: i64,
}

/// The settings values are written with.
#[derive(Debug, Clone, Copy)]
pub struct ValueOptions {
    /// `list-max-listpack-size`: how list elements are split into quicklist nodes.
    pub list_fill: i64,
}

impl ValueOptions {
    /// The options the configuration calls for.
    pub fn from_config(c: &crate::config::Config) -> ValueOptions {
        ValueOptions {
            list_fill: c.list_max_listpack_size,
        }
    }
}

/// True when the value needs RDB 12 (a hash with field TTLs).
pub fn needs_v12(v: &Value) -> bool {
    matches!(v, Value::Hash(h) if h.has_ttl_support())
}

/// The RDB type byte Coil writes for `v`.
pub fn type_byte(v: &Value) -> u8 {
    match v {
        Value::Str(_) => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(s) => match s.repr {
            SetRepr::Intset(_) => TYPE_SET_INTSET,
            // RDB 10 has no listpack sets: Redis 7.2+ turns a small plain set back into
            // a listpack when it loads it.
            _ => TYPE_SET,
        },
        Value::ZSet(z) => {
            if z.is_listpack() {
                TYPE_ZSET_LISTPACK
            } else {
                TYPE_ZSET_2
            }
        }
        Value::Hash(h) => match &h.repr {
            HashRepr::Small(s) if s.ttls.is_some() => TYPE_HASH_LISTPACK_EX,
            HashRepr::Small(_) => TYPE_HASH_LISTPACK,
            HashRepr::Table(_) if h.min_expire().is_some() => TYPE_HASH_METADATA,
            HashRepr::Table(_) => TYPE_HASH,
        },
        Value::Module(_) => TYPE_MODULE_2,
    }
}

/// Node size limit in bytes for a negative `list-max-listpack-size`.
fn node_limit(fill: i64) -> (usize, usize) {
    if fill < 0 {
        let level = (-fill).clamp(1, 5) as u32;
        (4096usize << (level - 1), usize::MAX)
    } else {
        (8192, fill.max(1) as usize)
    }
}

/// Writes the value (without its type byte).
pub fn write_value<W: Write>(
    w: &mut RdbWriter<W>,
    v: &Value,
    opts: ValueOptions,
    key: &[u8],
    db: usize,
) -> io::Result<()> {
    match v {
        // The module's own serialization, with Redis's type id and EOF opcode.
        Value::Module(_) => {
            let bytes = crate::modules::types::save_value(v, key, db)
                .map_err(|e| io::Error::other(e.to_string()))?;
            w.raw(&bytes)
        }
        Value::Str(s) => match s {
            crate::db::StrValue::Int(n) => w.int_string(*n),
            other => w.string(&other.as_bytes()),
        },
        Value::List(l) => write_list(w, l, opts.list_fill),
        Value::Set(s) => match &s.repr {
            SetRepr::Intset(v) => w.string(&intset::encode(v)),
            _ => {
                w.len(s.len() as u64)?;
                let mut res = Ok(());
                s.for_each(|m| {
                    if res.is_ok() {
                        res = w.string(m);
                    }
                });
                res
            }
        },
        Value::ZSet(z) => {
            if z.is_listpack() {
                let mut b = listpack::Builder::new();
                z.for_each(|m, sc| {
                    b.push(m);
                    b.push(crate::util::fmt_f64(sc).as_bytes());
                });
                w.string(&b.finish())
            } else {
                w.len(z.len() as u64)?;
                // Greatest first: loading then inserts each member at the head.
                for (m, sc) in z.iter_from(z.len() - 1, true) {
                    w.string(m)?;
                    w.binary_double(sc)?;
                }
                Ok(())
            }
        }
        Value::Hash(h) => match &h.repr {
            HashRepr::Small(s) => {
                let mut b = listpack::Builder::new();
                match &s.ttls {
                    Some(ttls) => {
                        w.millis(h.min_expire().unwrap_or(0))?;
                        for ((f, v), t) in s.entries.iter().zip(ttls) {
                            b.push(f);
                            b.push(v);
                            b.push_int(*t);
                        }
                    }
                    None => {
                        for (f, v) in &s.entries {
                            b.push(f);
                            b.push(v);
                        }
                    }
                }
                w.string(&b.finish())
            }
            HashRepr::Table(t) => {
                let min = h.min_expire();
                if let Some(m) = min {
                    w.millis(m)?;
                }
                w.len(t.map.len() as u64)?;
                for (f, v) in t.map.iter() {
                    if let Some(m) = min {
                        let ttl = t.ttl_of(f);
                        w.len(if ttl == 0 { 0 } else { (ttl - m + 1) as u64 })?;
                    }
                    w.string(f)?;
                    w.string(v)?;
                }
                Ok(())
            }
        },
    }
}

fn write_list<W: Write>(
    w: &mut RdbWriter<W>,
    l: &crate::db::list::List,
    fill: i64,
) -> io::Result<()> {
    // Split the elements into listpack nodes by the quicklist's limits, as Redis's
    // quicklist would hold them; huge elements get a plain node of their own.
    enum Node {
        Packed(Vec<u8>),
        Plain(Vec<u8>),
    }
    let (max_bytes, max_count) = node_limit(fill);
    let mut nodes: Vec<Node> = Vec::new();
    let mut cur = listpack::Builder::new();
    l.for_each(|e| {
        if e.len() >= PACKED_THRESHOLD {
            if !cur.is_empty() {
                nodes.push(Node::Packed(std::mem::take(&mut cur).finish()));
            }
            nodes.push(Node::Plain(e.to_vec()));
            return;
        }
        let sz = listpack::entry_size(e);
        if !cur.is_empty() && (cur.bytes() + sz > max_bytes || cur.len() >= max_count) {
            nodes.push(Node::Packed(std::mem::take(&mut cur).finish()));
        }
        cur.push(e);
    });
    if !cur.is_empty() {
        nodes.push(Node::Packed(cur.finish()));
    }
    w.len(nodes.len() as u64)?;
    for n in nodes {
        match n {
            Node::Packed(lp) => {
                w.len(QUICKLIST_NODE_PACKED)?;
                w.string(&lp)?;
            }
            Node::Plain(e) => {
                w.len(QUICKLIST_NODE_PLAIN)?;
                w.string(&e)?;
            }
        }
    }
    Ok(())
}

/// The LRU idle seconds of an entry (Redis's `estimateObjectIdleTime` / 1000).
pub fn idle_secs(srv: &Server, lru: u32) -> u64 {
    let now = srv.lru_clock();
    u64::from(now.wrapping_sub(lru) & ((1 << 24) - 1))
}

/// Writes one key with its expire time and access data.
#[allow(clippy::too_many_arguments)]
pub fn write_key<W: Write>(
    w: &mut RdbWriter<W>,
    srv: &Server,
    key: &[u8],
    e: &Entry,
    expire: Option<i64>,
    opts: ValueOptions,
    save_lru: bool,
    save_lfu: bool,
    db_id: usize,
) -> io::Result<()> {
    if let Some(t) = expire {
        w.byte(RDB_OPCODE_EXPIRETIME_MS)?;
        w.millis(t)?;
    }
    if save_lru {
        w.byte(RDB_OPCODE_IDLE)?;
        w.len(idle_secs(srv, e.lru))?;
    }
    if save_lfu {
        let counter = crate::ctx::lfu_decr_and_return(
            e.lru,
            crate::server::unix_ms(),
            srv.config.lfu_decay_time,
        );
        w.byte(RDB_OPCODE_FREQ)?;
        w.byte(counter as u8)?;
    }
    w.byte(type_byte(&e.value))?;
    w.string(key)?;
    write_value(w, &e.value, opts, key, db_id)
}

/// True when a dataset needs RDB 12 (some hash has field TTLs).
pub fn dataset_needs_v12(srv: &Server) -> bool {
    srv.dbs.iter().any(|db| {
        !db.hexpires.is_empty()
            || db
                .keys
                .values()
                .any(|e| matches!(&e.value, Value::Hash(h) if h.has_ttl_support()))
    })
}

/// Writes a whole RDB: header, aux fields, module aux data, function libraries, every
/// database, EOF and checksum.
pub fn write_dataset<W: Write>(
    w: &mut RdbWriter<W>,
    srv: &Server,
    opts: &SaveOptions,
) -> io::Result<()> {
    let version = if dataset_needs_v12(srv) {
        RDB_VERSION_HFE
    } else {
        RDB_VERSION_WRITTEN
    };
    w.raw(format!("REDIS{version:04}").as_bytes())?;
    w.aux("redis-ver", crate::REDIS_VERSION.as_bytes())?;
    w.aux("redis-bits", b"64")?;
    w.aux(
        "ctime",
        (crate::server::unix_ms() / 1000).to_string().as_bytes(),
    )?;
    w.aux(
        "used-mem",
        crate::evict::used_memory().to_string().as_bytes(),
    )?;
    w.aux("aof-base", if opts.aof_base { b"1" } else { b"0" })?;
    super::module::write_aux(w, srv, super::module::AUX_BEFORE_RDB)?;
    for (_, code) in (srv.persist.function_hooks.list)(srv) {
        w.byte(RDB_OPCODE_FUNCTION2)?;
        w.string(&code)?;
    }
    let policy = srv.config.maxmemory_policy.as_str();
    let save_lru = policy.ends_with("-lru");
    let save_lfu = policy.ends_with("-lfu");
    let vopts = ValueOptions::from_config(&srv.config);
    for db in &srv.dbs {
        if db.is_empty() {
            continue;
        }
        w.byte(RDB_OPCODE_SELECTDB)?;
        w.len(db.id as u64)?;
        w.byte(RDB_OPCODE_RESIZEDB)?;
        w.len(db.keys.len() as u64)?;
        w.len(db.expires.len() as u64)?;
        for (k, e) in db.keys.iter() {
            write_key(
                w,
                srv,
                k,
                e,
                db.expire_of(k),
                vopts,
                save_lru,
                save_lfu,
                db.id,
            )?;
            if opts.key_save_delay_us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(
                    opts.key_save_delay_us as u64,
                ));
            }
        }
    }
    super::module::write_aux(w, srv, super::module::AUX_AFTER_RDB)?;
    Ok(())
}

/// Writes the dataset to `path` through a temporary file in the same directory,
/// fsynced and renamed into place (Redis's `rdbSave`).
pub fn save_to_file(srv: &Server, path: &std::path::Path, opts: &SaveOptions) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let res = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = RdbWriter::new(
            io::BufWriter::with_capacity(256 * 1024, f),
            srv.config.get("rdbcompression").as_deref() != Some("no"),
            srv.config.get("rdbchecksum").as_deref() != Some("no"),
        );
        write_dataset(&mut w, srv, opts)?;
        let out = w.finish()?;
        let f = out.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// A `DUMP` payload: type, value, the 2-byte RDB version and the CRC-64 of all that.
pub fn dump_payload(
    v: &Value,
    opts: ValueOptions,
    compress: bool,
    key: &[u8],
    db: usize,
) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), compress, false);
    // Writes into a Vec cannot fail; a module that cannot serialize leaves its part out.
    let _ = w.byte(type_byte(v));
    let _ = write_value(&mut w, v, opts, key, db);
    let mut out = match w.into_inner() {
        Ok((v, _)) => v,
        Err(_) => Vec::new(),
    };
    let version = if needs_v12(v) {
        RDB_VERSION_HFE
    } else {
        RDB_VERSION_WRITTEN
    };
    out.extend_from_slice(&version.to_le_bytes());
    let crc = crate::persistence::encoding::crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}
