//! A dataset as commands (an AOF base without an RDB preamble, Redis's
//! `rewriteAppendOnlyFileRio`): `SELECT`, then per key `SET`/`RPUSH`/`SADD`/`ZADD`/
//! `HMSET` in batches of 64 items, `HPEXPIREAT` for hash field TTLs and `PEXPIREAT`
//! for the key's TTL; function libraries first as `FUNCTION LOAD`.

use crate::db::Value;
use crate::server::Server;
use std::io::{self, Write};

/// Items per command in a rewrite (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
pub const ITEMS_PER_CMD: usize = 64;

/// Appends one command in RESP to `out`.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

fn batched<W: Write>(
    w: &mut W,
    buf: &mut Vec<u8>,
    head: &[&[u8]],
    items: Vec<Vec<u8>>,
    per: usize,
) -> io::Result<()> {
    let mut i = 0;
    while i < items.len() {
        let end = (i + per).min(items.len());
        let mut argv: Vec<&[u8]> = head.to_vec();
        argv.extend(items[i..end].iter().map(|v| v.as_slice()));
        encode_command(buf, &argv);
        if buf.len() > 64 * 1024 {
            w.write_all(buf)?;
            buf.clear();
        }
        i = end;
    }
    Ok(())
}

/// Writes the commands that rebuild one key.
pub fn write_key<W: Write>(
    w: &mut W,
    buf: &mut Vec<u8>,
    key: &[u8],
    v: &Value,
    expire: Option<i64>,
    db: usize,
) -> io::Result<()> {
    match v {
        // The module's aof_rewrite callback emits its own commands (EmitAOF).
        Value::Module(_) => {
            let cmds = crate::modules::types::rewrite_value(v, key, db)
                .map_err(|e| io::Error::other(e.to_string()))?;
            buf.extend_from_slice(&cmds);
        }
        Value::Str(s) => encode_command(buf, &[&b"SET"[..], key, &s.as_bytes()]),
        Value::List(l) => {
            let mut items = Vec::with_capacity(l.len());
            l.for_each(|e| items.push(e.to_vec()));
            batched(w, buf, &[b"RPUSH", key], items, ITEMS_PER_CMD)?;
        }
        Value::Set(s) => {
            let mut items = Vec::with_capacity(s.len());
            s.for_each(|m| items.push(m.to_vec()));
            batched(w, buf, &[b"SADD", key], items, ITEMS_PER_CMD)?;
        }
        Value::ZSet(z) => {
            let mut items = Vec::with_capacity(z.len() * 2);
            z.for_each(|m, sc| {
                items.push(crate::util::fmt_f64(sc).into_bytes());
                items.push(m.to_vec());
            });
            batched(w, buf, &[b"ZADD", key], items, ITEMS_PER_CMD * 2)?;
        }
        Value::Hash(h) => {
            let mut items = Vec::with_capacity(h.len() * 2);
            let mut ttls = Vec::new();
            h.for_each_with_ttl(|f, v, t| {
                items.push(f.to_vec());
                items.push(v.to_vec());
                if let Some(t) = t {
                    ttls.push((f.to_vec(), t));
                }
            });
            batched(w, buf, &[b"HMSET", key], items, ITEMS_PER_CMD * 2)?;
            for (f, t) in ttls {
                encode_command(
                    buf,
                    &[
                        &b"HPEXPIREAT"[..],
                        key,
                        t.to_string().as_bytes(),
                        b"FIELDS",
                        b"1",
                        &f,
                    ],
                );
            }
        }
    }
    if let Some(t) = expire {
        encode_command(buf, &[&b"PEXPIREAT"[..], key, t.to_string().as_bytes()]);
    }
    if buf.len() > 64 * 1024 {
        w.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// Writes the whole dataset as commands.
pub fn write_dataset<W: Write>(w: &mut W, srv: &Server) -> io::Result<()> {
    let mut buf = Vec::with_capacity(128 * 1024);
    if srv.config.get("aof-timestamp-enabled").as_deref() == Some("yes") {
        let now = crate::server::unix_ms() / 1000;
        buf.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
    }
    for (_, code) in (srv.persist.function_hooks.list)(srv) {
        encode_command(&mut buf, &[&b"FUNCTION"[..], b"LOAD", &code]);
    }
    for db in &srv.dbs {
        if db.is_empty() {
            continue;
        }
        encode_command(&mut buf, &[&b"SELECT"[..], db.id.to_string().as_bytes()]);
        for (k, e) in db.keys.iter() {
            write_key(w, &mut buf, k, &e.value, db.expire_of(k), db.id)?;
        }
    }
    w.write_all(&buf)?;
    Ok(())
}
