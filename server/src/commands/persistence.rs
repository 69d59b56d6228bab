//! Persistence commands: `SAVE`, `BGSAVE`, `BGREWRITEAOF`, `DUMP`, `RESTORE`.

use crate::args;
use crate::command_table::Registry;
use crate::config::NOTIFY_GENERIC;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::persistence::child::ChildKind;
use crate::persistence::{self, propagate, rdb};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("save", save);
    r.add("bgsave", bgsave);
    r.add("bgrewriteaof", bgrewriteaof);
    r.add("dump", dump);
    r.add("restore", restore);
}

fn child_kind(ctx: &Ctx) -> Option<ChildKind> {
    ctx.srv.persist.child.as_ref().map(|c| c.kind)
}

/// ```text
/// SAVE
/// ```
fn save(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if child_kind(ctx) == Some(ChildKind::Rdb) {
        return Err(CmdError::err("Background save already in progress"));
    }
    persistence::save_sync(ctx.srv).map_err(|_| CmdError::raw("ERR"))?;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// BGSAVE [SCHEDULE]
/// ```
fn bgsave(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let schedule = match argv.len() {
        1 => false,
        2 if args::is(&argv[1], "schedule") => true,
        _ => return Err(CmdError::SYNTAX),
    };
    let in_exec = ctx.srv.exec_depth > 1;
    if child_kind(ctx) == Some(ChildKind::Rdb) {
        return Err(CmdError::err("Background save already in progress"));
    }
    if ctx.srv.persist.child.is_some() || in_exec {
        if schedule || in_exec {
            ctx.srv.persist.bgsave_scheduled = true;
            ctx.out().simple(b"Background saving scheduled");
            return Ok(());
        }
        return Err(CmdError::err("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."));
    }
    persistence::bgsave(ctx.srv).map_err(|_| CmdError::raw("ERR"))?;
    ctx.out().simple(b"Background saving started");
    Ok(())
}

/// ```text
/// BGREWRITEAOF
/// ```
fn bgrewriteaof(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if child_kind(ctx) == Some(ChildKind::AofRewrite) {
        return Err(CmdError::err(
            "Background append only file rewriting already in progress",
        ));
    }
    if ctx.srv.persist.child.is_some() || ctx.srv.exec_depth > 1 {
        ctx.srv.persist.aof.rewrite_scheduled = true;
        ctx.srv.persist.aof.consecutive_failures = 0;
        ctx.out()
            .simple(b"Background append only file rewriting scheduled");
        return Ok(());
    }
    persistence::aof::rewrite_background(ctx.srv).map_err(|_| {
        CmdError::err("Can't execute an AOF background rewriting. Please check the server logs for more information.")
    })?;
    ctx.out()
        .simple(b"Background append only file rewriting started");
    Ok(())
}

/// ```text
/// DUMP key
/// ```
fn dump(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let opts = rdb::save::ValueOptions::from_config(&ctx.srv.config);
    let compress = ctx.srv.config.get("rdbcompression").as_deref() != Some("no");
    let db = ctx.client.db;
    let (mut ks, out) = ctx.split();
    match ks.lookup_read(&argv[1]) {
        None => out.null(),
        Some(v) => {
            let payload = rdb::save::dump_payload(v, opts, compress, &argv[1], db);
            out.bulk(&payload);
        }
    }
    Ok(())
}

/// ```text
/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
/// ```
fn restore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut replace = false;
    let mut absttl = false;
    let mut idle: Option<i64> = None;
    let mut freq: Option<i64> = None;
    let mut j = 4;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        let a = &argv[j];
        if args::is(a, "replace") {
            replace = true;
        } else if args::is(a, "absttl") {
            absttl = true;
        } else if args::is(a, "idletime") && more >= 1 && freq.is_none() {
            let v = args::int(&argv[j + 1])?;
            if v < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if args::is(a, "freq") && more >= 1 && idle.is_none() {
            let v = args::int(&argv[j + 1])?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }
    let key = &argv[1];
    if !replace && ctx.ks().lookup_write(key).is_some() {
        return Err(CmdError::BUSY_KEY);
    }
    let mut ttl = args::int(&argv[2])?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    let value = rdb::load::restore_payload(ctx.srv, &argv[3], &argv[1], ctx.client.db)
        .map_err(CmdError::err)?;
    let db = ctx.client.db;
    let mut ks = ctx.ks();
    let deleted = replace && ks.delete(key);
    if ttl != 0 && !absttl {
        ttl += ks.now();
    }
    if ttl != 0 && ttl < ks.now() && !ks.srv.loading {
        if deleted {
            let lazy = ks.srv.config.get("lazyfree-lazy-server-del").as_deref() == Some("yes");
            let cmd: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
            ks.notify(NOTIFY_GENERIC, "del", key);
            ks.srv.dirty += 1;
            propagate::rewrite(ks.srv, vec![Bytes::from_static(cmd), key.clone()]);
        }
        ctx.out().ok();
        return Ok(());
    }
    ks.add(key, value);
    if ttl != 0 {
        ks.set_expire(key, ttl);
        if !absttl {
            let mut v = argv.to_vec();
            v[2] = Bytes::from(ttl.to_string());
            v.push(Bytes::from_static(b"ABSTTL"));
            propagate::rewrite(ks.srv, v);
        }
    }
    let lfu = ks.lfu();
    let clock = ks.srv.lru_clock();
    let now = ks.now();
    if let Some(e) = ks.srv.dbs[db].entry_mut(key) {
        if lfu {
            if let Some(f) = freq {
                e.lru = (crate::ctx::lfu_time_minutes(now) << 8) | f as u32;
            }
        } else if let Some(i) = idle {
            e.lru = clock.wrapping_sub(i as u32) & ((1 << 24) - 1);
        }
    }
    ks.modified(key, NOTIFY_GENERIC, "restore");
    ctx.out().ok();
    Ok(())
}
