//! Server commands: `INFO`, `CONFIG`, `DBSIZE`, `FLUSHDB`, `FLUSHALL`, `SWAPDB`, `TIME`,
//! `LASTSAVE`, `SHUTDOWN`, `MONITOR`, `DEBUG`.

use crate::args;
use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::db::Value;
use crate::error::{CmdError, CmdResult};
use crate::server::{unix_us, ShutdownRequest};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("info", info);
    r.add("config|get", config_get);
    r.add("config|set", config_set);
    r.add("config|resetstat", config_resetstat);
    r.add("config|help", config_help);
    r.add("dbsize", dbsize);
    r.add("flushdb", flushdb);
    r.add("flushall", flushall);
    r.add("swapdb", swapdb);
    r.add("time", time);
    r.add("lastsave", lastsave);
    r.add("shutdown", shutdown);
    r.add("monitor", monitor);
    r.add("debug", super::debug::debug);
}

/// ```text
/// INFO [section [section ...]]
/// ```
fn info(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let args: Vec<String> = argv[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let text = crate::modules::api::info::render_info(ctx.srv, &args);
    ctx.out().verbatim(text.as_bytes(), "txt");
    Ok(())
}

/// ```text
/// CONFIG GET parameter [parameter ...]
/// ```
fn config_get(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    for pat in &argv[2..] {
        for (k, v) in ctx.srv.config.matching(pat) {
            if !pairs.iter().any(|(x, _)| *x == k) {
                pairs.push((k, v.into_bytes()));
            }
        }
        for (k, v) in crate::modules::api::configs::matching(ctx.srv, pat) {
            if !pairs.iter().any(|(x, _)| *x == k) {
                pairs.push((k, v));
            }
        }
    }
    let out = ctx.out();
    out.map_len(pairs.len());
    for (k, v) in pairs {
        out.bulk(k.as_bytes());
        out.bulk(&v);
    }
    Ok(())
}

/// ```text
/// CONFIG SET parameter value [parameter value ...]
/// ```
fn config_set(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() % 2 != 0 {
        return Err(CmdError::SYNTAX);
    }
    // Module configurations (`<module>.<name>`) are set by their modules.
    let (module_kv, server_kv): (Vec<&[Bytes]>, Vec<&[Bytes]>) =
        argv[2..].chunks(2).partition(|kv| {
            ctx.srv
                .modules
                .host
                .configs
                .has(&String::from_utf8_lossy(&kv[0]))
        });
    let pairs: Vec<(String, Vec<String>)> = server_kv
        .iter()
        .map(|kv| {
            (
                String::from_utf8_lossy(&kv[0]).into_owned(),
                vec![String::from_utf8_lossy(&kv[1]).into_owned()],
            )
        })
        .collect();
    let protected_ok =
        crate::dispatch::protected_allowed(ctx.srv.config.enable_protected_configs, ctx.client);
    let old = ctx.srv.config.clone();
    if !pairs.is_empty() {
        ctx.srv
            .config
            .set_many(&pairs, false, protected_ok)
            .map_err(|e| CmdError::raw(e.reply_text()))?;
        crate::config_apply::apply(ctx.srv, &old);
    }
    let module_pairs: Vec<(String, Vec<u8>)> = module_kv
        .iter()
        .map(|kv| (String::from_utf8_lossy(&kv[0]).into_owned(), kv[1].to_vec()))
        .collect();
    if !module_pairs.is_empty() {
        crate::modules::api::configs::config_set(ctx.srv, &module_pairs, protected_ok)
            .map_err(CmdError::raw)?;
    }
    let names: Vec<String> = argv[2..]
        .chunks(2)
        .map(|kv| String::from_utf8_lossy(&kv[0]).to_ascii_lowercase())
        .collect();
    crate::modules::api::server_events::fire_config_change(ctx.srv, &names);
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CONFIG RESETSTAT
/// ```
fn config_resetstat(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let srv = &mut *ctx.srv;
    srv.stats = Default::default();
    for s in &mut srv.cmd_stats {
        *s = Default::default();
    }
    srv.error_stats.clear();
    srv.peak_memory = crate::evict::used_memory();
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CONFIG HELP
/// ```
fn config_help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::introspection::reply_help(
        ctx.out(),
        "config",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

/// ```text
/// DBSIZE
/// ```
fn dbsize(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let n = ctx.srv.dbs[ctx.client.db].len();
    ctx.out().int(n as i64);
    Ok(())
}

/// Parses the optional `ASYNC`/`SYNC` of `FLUSHDB`/`FLUSHALL`.
/// True for a synchronous flush (what the module flush event reports).
fn flush_mode(argv: &[Bytes]) -> Result<bool, CmdError> {
    match argv.len() {
        1 => Ok(true),
        2 if args::is(&argv[1], "async") => Ok(false),
        2 if args::is(&argv[1], "sync") => Ok(true),
        _ => Err(CmdError::SYNTAX),
    }
}

/// Empties database `db`, failing the `EXEC` of clients watching its keys.
pub fn empty_db(srv: &mut crate::server::Server, db: usize) -> usize {
    let n = srv.dbs[db].len();
    super::multi::touch_all_watched_in_db(srv, db, None);
    let old = srv.dbs[db].take();
    crate::blocking::signal_all_blocked_in_db(srv, db);
    // Large keyspaces are freed on another thread so the loop keeps serving; module
    // values are freed here, on the loop, where their free callbacks expect to run.
    if n > 64
        && !old
            .keys
            .values()
            .any(|e| matches!(e.value, crate::db::Value::Module(_)))
    {
        std::thread::spawn(move || drop(old));
    }
    n
}

/// ```text
/// FLUSHDB [ASYNC | SYNC]
/// ```
fn flushdb(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let sync = flush_mode(argv)?;
    let db = ctx.client.db;
    crate::modules::api::server_events::fire_flush(ctx.srv, false, sync, Some(db));
    let n = empty_db(ctx.srv, db);
    crate::modules::api::server_events::fire_flush(ctx.srv, true, sync, Some(db));
    ctx.srv.dirty += n as u64;
    // Propagated even when the database was already empty.
    crate::persistence::propagate::force(ctx.srv);
    ctx.out().ok();
    Ok(())
}

/// ```text
/// FLUSHALL [ASYNC | SYNC]
/// ```
fn flushall(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let sync = flush_mode(argv)?;
    crate::modules::api::server_events::fire_flush(ctx.srv, false, sync, None);
    let mut n = 0;
    for db in 0..ctx.srv.dbs.len() {
        n += empty_db(ctx.srv, db);
    }
    crate::modules::api::server_events::fire_flush(ctx.srv, true, sync, None);
    ctx.srv.dirty += n as u64;
    crate::persistence::flushall_done(ctx.srv);
    ctx.out().ok();
    Ok(())
}

/// ```text
/// SWAPDB index1 index2
/// ```
fn swapdb(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let a =
        crate::util::parse_i64(&argv[1]).ok_or_else(|| CmdError::err("invalid first DB index"))?;
    let b =
        crate::util::parse_i64(&argv[2]).ok_or_else(|| CmdError::err("invalid second DB index"))?;
    let n = ctx.srv.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(CmdError::err("DB index is out of range"));
    }
    let (a, b) = (a as usize, b as usize);
    if a != b {
        let srv = &mut *ctx.srv;
        super::multi::touch_all_watched_in_db(srv, a, Some(b));
        super::multi::touch_all_watched_in_db(srv, b, Some(a));
        let mut da = srv.dbs[a].take();
        let mut db = srv.dbs[b].take();
        std::mem::swap(&mut da.id, &mut db.id);
        srv.dbs[a] = db;
        srv.dbs[b] = da;
        // Clients blocked in either database may now find their keys.
        let blocked: Vec<(usize, Bytes)> = srv
            .blocking
            .keys
            .keys()
            .filter(|(d, _)| *d == a || *d == b)
            .cloned()
            .collect();
        for (d, k) in blocked {
            if srv.dbs[d].keys.contains_key(&k) {
                crate::blocking::signal_key_as_ready(srv, d, &k);
            }
        }
        srv.dirty += 1;
    }
    if a != b {
        crate::blocking::signal_all_blocked_in_db(ctx.srv, a);
        crate::blocking::signal_all_blocked_in_db(ctx.srv, b);
    }
    crate::modules::api::server_events::fire_swapdb(ctx.srv, a, b);
    ctx.out().ok();
    Ok(())
}

/// ```text
/// TIME
/// ```
fn time(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let us = if ctx.srv.exec_depth > 1 {
        ctx.srv.cmd_time_ms * 1000
    } else {
        unix_us()
    };
    let out = ctx.out();
    out.array_len(2);
    out.bulk_int(us / 1_000_000);
    out.bulk_int(us % 1_000_000);
    Ok(())
}

/// ```text
/// LASTSAVE
/// ```
fn lastsave(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let t = ctx.srv.last_save;
    ctx.out().int(t);
    Ok(())
}

/// ```text
/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
/// ```
fn shutdown(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut save = None;
    let mut force = false;
    let mut abort = false;
    for a in &argv[1..] {
        if args::is(a, "nosave") {
            save = Some(false);
        } else if args::is(a, "save") {
            save = Some(true);
        } else if args::is(a, "now") || args::is(a, "force") {
            force = true;
        } else if args::is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::SYNTAX);
        }
    }
    if abort {
        if argv.len() != 2 {
            return Err(CmdError::SYNTAX);
        }
        return Err(CmdError::err("No shutdown in progress."));
    }
    // While a script is busy, only SHUTDOWN NOSAVE may stop the server.
    if ctx.srv.scripting.timed_out && save != Some(false) {
        return Err(ctx.srv.scripting.busy_error());
    }
    if ctx.client.has(cf::MULTI) || ctx.srv.exec_depth > 1 {
        return Err(CmdError::err(
            "SHUTDOWN is not allowed inside a transaction or script",
        ));
    }
    ctx.srv.shutdown = Some(ShutdownRequest { save, force });
    ctx.client.flags |= cf::CLOSE_AFTER_REPLY;
    Ok(())
}

/// ```text
/// MONITOR
/// ```
fn monitor(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if ctx.client.has(cf::MONITOR) {
        return Ok(());
    }
    if ctx.client.has(cf::MULTI) {
        return Err(CmdError::err(
            "MONITOR isn't allowed for DENY BLOCKING client",
        ));
    }
    ctx.client.flags |= cf::MONITOR;
    ctx.srv.monitors.push(ctx.client.id);
    ctx.out().ok();
    Ok(())
}

/// Size of a value as the RDB encoding would write it, without compression.
pub fn serialized_length(v: &Value) -> usize {
    fn len_prefix(n: usize) -> usize {
        if n < 64 {
            1
        } else if n < 16384 {
            2
        } else if n <= u32::MAX as usize {
            5
        } else {
            9
        }
    }
    fn s(b: &[u8]) -> usize {
        if b.len() <= 11 && crate::util::parse_i64(b).is_some_and(|n| i32::try_from(n).is_ok()) {
            // Small integers are written in 2, 3 or 5 bytes.
            return 5;
        }
        len_prefix(b.len()) + b.len()
    }
    match v {
        Value::Str(x) => s(&x.as_bytes()),
        Value::List(l) => {
            let mut n = len_prefix(l.len());
            l.for_each(|e| n += s(e));
            n
        }
        Value::Hash(h) => {
            let mut n = len_prefix(h.len());
            h.for_each(|k, v| n += s(k) + s(v));
            n
        }
        Value::Set(x) => {
            let mut n = len_prefix(x.len());
            x.for_each(|k| n += s(k));
            n
        }
        Value::ZSet(z) => {
            let mut n = len_prefix(z.len());
            z.for_each(|k, _| n += s(k) + 8);
            n
        }
        // What rdb_save writes (Redis's rdbSavedObjectLen runs it too).
        Value::Module(_) => crate::modules::types::save_value(v, b"", 0)
            .map(|b| b.len())
            .unwrap_or(0),
    }
}
