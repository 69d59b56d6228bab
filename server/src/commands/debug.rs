//! `DEBUG`: the developer subcommands test suites and tools rely on.

use crate::args;
use crate::ctx::Ctx;
use crate::db::Value;
use crate::error::{CmdError, CmdResult};
use crate::resp::Aggregate;
use bytes::Bytes;
use sha1::{Digest, Sha1};

/// ```text
/// DEBUG subcommand [argument ...]
/// ```
pub fn debug(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    let n = argv.len();
    match (sub.as_str(), n) {
        ("help", 2) => {
            super::introspection::reply_help(
                ctx.out(),
                "debug",
                &[
                    "DIGEST",
                    "    Output a hex signature representing the current DB content.",
                    "DIGEST-VALUE <key> [<key> ...]",
                    "    Output a hex signature of the values of all the specified keys.",
                    "LOG <message>",
                    "    Write <message> to the server log.",
                    "OBJECT <key>",
                    "    Show low level info about the `key` and associated value.",
                    "POPULATE <count> [<prefix>] [<size>]",
                    "    Create <count> string keys named key:<num>.",
                    "PROTOCOL <type>",
                    "    Reply with a test value of the specified type.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.",
                    "HTSTATS <dbid>",
                    "    Return hash table statistics of the specified Redis database.",
                    "JMAP",
                    "    Show memory allocator statistics (not available).",
                ],
            );
        }
        ("sleep", 3) => {
            let secs = std::str::from_utf8(&argv[2])
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            if secs > 0.0 {
                std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            }
            ctx.out().ok();
        }
        ("set-disable-deny-scripts", 3) => {
            ctx.srv.scripting.disable_deny_scripts = args::int(&argv[2]).unwrap_or(0) != 0;
            ctx.out().ok();
        }
        ("set-active-expire", 3) => {
            ctx.srv.active_expire_enabled = args::int(&argv[2]).unwrap_or(0) != 0;
            ctx.out().ok();
        }
        ("log", 3) => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(&argv[2]));
            ctx.out().ok();
        }
        ("object", 3) => {
            let db = ctx.client.db;
            let lru_now = ctx.srv.lru_clock();
            let Some(e) = ctx.srv.dbs[db].entry(&argv[2]) else {
                return Err(CmdError::NO_SUCH_KEY);
            };
            let idle = lru_now.wrapping_sub(e.lru) & ((1 << 24) - 1);
            let mut extra = String::new();
            if let Value::List(l) = &e.value {
                if l.is_quicklist() {
                    extra = format!(
                        " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
                        l.node_count(),
                        l.len() as f64 / l.node_count() as f64,
                        l.fill(),
                        u8::from(l.compress_depth() != 0),
                        l.nodes_size()
                    );
                }
            }
            let text = format!(
                "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}{}",
                &e.value as *const Value,
                e.value.encoding(),
                super::server::serialized_length(&e.value),
                e.lru,
                idle,
                extra
            );
            ctx.out().simple(text.as_bytes());
        }
        ("populate", 3..=5) => {
            let count = args::int(&argv[2])?;
            if count < 0 {
                return Err(CmdError::err("value is out of range, must be positive"));
            }
            let prefix = if n >= 4 {
                String::from_utf8_lossy(&argv[3]).into_owned()
            } else {
                "key".into()
            };
            let size = if n == 5 {
                let s = args::int(&argv[4])?;
                if s < 0 {
                    return Err(CmdError::err("value is out of range, must be positive"));
                }
                s as usize
            } else {
                0
            };
            let mut ks = ctx.ks();
            for j in 0..count {
                let key = format!("{prefix}:{j}");
                if ks.lookup_write(key.as_bytes()).is_some() {
                    continue;
                }
                let mut val = format!("value:{j}").into_bytes();
                if size > 0 {
                    val.resize(size, 0);
                }
                ks.add(key.as_bytes(), Value::string(&val));
                ks.signal_modified(key.as_bytes());
            }
            ctx.out().ok();
        }
        ("protocol", 3) => protocol(ctx, &argv[2])?,
        ("digest", 2) => {
            let mut digest = [0u8; 20];
            let mut any = false;
            for db in &ctx.srv.dbs {
                for (k, e) in db.keys.iter() {
                    any = true;
                    let mut h = Sha1::new();
                    h.update(db.id.to_le_bytes());
                    h.update(k.as_slice());
                    h.update(key_value_digest(k, db, &e.value));
                    if let Some(t) = db.expire_of(k) {
                        h.update(b"!!expire!!");
                        h.update(t.to_le_bytes());
                    }
                    let d = h.finalize();
                    for (a, b) in digest.iter_mut().zip(d.iter()) {
                        *a ^= b;
                    }
                }
            }
            let hex = if any {
                hex::encode(digest)
            } else {
                "0".repeat(40)
            };
            ctx.out().simple(hex.as_bytes());
        }
        ("digest-value", _) => {
            let db = ctx.client.db;
            let digests: Vec<String> = argv[2..]
                .iter()
                .map(|k| match ctx.srv.dbs[db].entry(k) {
                    Some(e) => hex::encode(key_value_digest(k, &ctx.srv.dbs[db], &e.value)),
                    None => "0".repeat(40),
                })
                .collect();
            let out = ctx.out();
            out.array_len(digests.len());
            for d in digests {
                out.simple(d.as_bytes());
            }
        }
        ("htstats", 3..=4) => {
            let id = args::int(&argv[2])?;
            let Some(db) = usize::try_from(id).ok().and_then(|i| ctx.srv.dbs.get(i)) else {
                return Err(CmdError::err("Out of range database"));
            };
            let text = format!(
                "[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: {}\n number of elements: {}\n[Expires HT]\nHash table 0 stats (main hash table):\n table size: {}\n number of elements: {}\n",
                db.keys.bucket_count(),
                db.keys.len(),
                db.expires.bucket_count(),
                db.expires.len()
            );
            ctx.out().verbatim(text.as_bytes(), "txt");
        }
        ("quicklist-packed-threshold", 3) => {
            let ok = std::str::from_utf8(&argv[2])
                .ok()
                .and_then(crate::util::parse_memory)
                .filter(|v| *v >= 0)
                .is_some_and(|v| crate::db::list::set_packed_threshold(v as u64));
            if !ok {
                return Err(CmdError::err(
                    "argument must be a memory value bigger than 1 and smaller than 4gb",
                ));
            }
            ctx.out().ok();
        }
        ("jmap", 2) => {
            ctx.out().ok();
        }
        _ => {
            return Err(CmdError::subcommand_syntax(&argv[1], "debug"));
        }
    }
    Ok(())
}

/// [`value_digest`], with the key and database a module type's `digest` callback may
/// ask for (module values digest exactly as in Redis).
fn key_value_digest(key: &[u8], db: &crate::db::Db, v: &Value) -> [u8; 20] {
    match v {
        Value::Module(m) => m.object_digest(key, db.id as i32, db.expire_of(key).is_some()),
        v => value_digest(v),
    }
}

/// A digest of a value that does not depend on its encoding: ordered types in order,
/// unordered types as the XOR of their elements' digests (Redis's `xorDigest` idea).
pub fn value_digest(v: &Value) -> [u8; 20] {
    fn sha(parts: &[&[u8]]) -> [u8; 20] {
        let mut h = Sha1::new();
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        h.finalize().into()
    }
    fn xor(acc: &mut [u8; 20], d: [u8; 20]) {
        for (a, b) in acc.iter_mut().zip(d) {
            *a ^= b;
        }
    }
    let mut acc = [0u8; 20];
    match v {
        Value::Str(s) => acc = sha(&[b"string", &s.as_bytes()]),
        Value::List(l) => {
            let mut h = Sha1::new();
            h.update(b"list");
            l.for_each(|e| {
                h.update((e.len() as u64).to_le_bytes());
                h.update(e);
            });
            acc = h.finalize().into();
        }
        Value::Hash(hs) => {
            xor(&mut acc, sha(&[b"hash"]));
            hs.for_each(|k, v| xor(&mut acc, sha(&[k, v])));
        }
        Value::Set(s) => {
            xor(&mut acc, sha(&[b"set"]));
            s.for_each(|m| xor(&mut acc, sha(&[m])));
        }
        Value::ZSet(z) => {
            xor(&mut acc, sha(&[b"zset"]));
            z.for_each(|m, sc| xor(&mut acc, sha(&[m, crate::util::fmt_f64_g17(sc).as_bytes()])));
        }
        Value::Module(m) => acc = m.digest(None, -1),
    }
    acc
}

fn protocol(ctx: &mut Ctx, kind: &[u8]) -> CmdResult {
    let name = String::from_utf8_lossy(kind).to_ascii_lowercase();
    let out = ctx.out();
    match name.as_str() {
        "string" => out.bulk(b"Hello World"),
        "integer" => out.int(12345),
        // Redis's own test value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        "double" => out.double(3.141),
        "bignum" => out.big_number(b"1234567999999999999999999999999999999"),
        "null" => out.null(),
        "array" => {
            out.array_len(3);
            (0..3).for_each(|j| out.int(j));
        }
        "set" => {
            out.set_len(3);
            (0..3).for_each(|j| out.int(j));
        }
        "map" => {
            out.map_len(3);
            for j in 0..3 {
                out.int(j);
                out.bool(j == 1);
            }
        }
        "attrib" => {
            if out.is_resp3() {
                let d = out.defer_len();
                out.bulk(b"key-popularity");
                out.array_len(2);
                out.bulk(b"key:123");
                out.int(90);
                out.set_deferred_len(d, Aggregate::Attribute, 1);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        "push" => {
            if !out.is_resp3() {
                return Err(CmdError::err("RESP2 is not supported by this command"));
            }
            out.push_len(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        "true" => out.bool(true),
        "false" => out.bool(false),
        "verbatim" => out.verbatim(b"This is a verbatim\nstring", "txt"),
        _ => {
            return Err(CmdError::err(
                "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ))
        }
    }
    Ok(())
}
