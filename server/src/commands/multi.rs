//! Transactions: `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`, and the watched-key
//! bookkeeping every write goes through.

use crate::client::{flags as cf, Client};
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::server::Server;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("multi", multi);
    r.add("exec", exec);
    r.add("discard", discard);
    r.add("watch", watch);
    r.add("unwatch", unwatch);
}

/// ```text
/// MULTI
/// ```
fn multi(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if ctx.client.has(cf::MULTI) {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.flags |= cf::MULTI;
    ctx.out().ok();
    Ok(())
}

/// Leaves `MULTI` state: drops the queue, the flags and the watched keys.
pub fn discard_transaction(srv: &mut Server, c: &mut Client) {
    c.multi.clear();
    c.multi_flags = 0;
    c.flags &= !(cf::MULTI | cf::DIRTY_EXEC | cf::DIRTY_CAS);
    unwatch_all(srv, c);
}

/// ```text
/// DISCARD
/// ```
fn discard(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if !ctx.client.has(cf::MULTI) {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    discard_transaction(ctx.srv, ctx.client);
    ctx.out().ok();
    Ok(())
}

/// ```text
/// EXEC
/// ```
/// Runs the queued commands back to back; nothing else runs in between. Fails with a
/// null reply if a watched key changed, with `EXECABORT` if queueing hit an error.
fn exec(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if !ctx.client.has(cf::MULTI) {
        return Err(CmdError::err("EXEC without MULTI"));
    }
    let id = ctx.client.id;
    if watched_key_expired(ctx.srv, ctx.client) {
        ctx.srv.dirty_cas.insert(id);
    }
    if ctx.client.has(cf::DIRTY_EXEC) {
        discard_transaction(ctx.srv, ctx.client);
        return Err(CmdError::EXEC_ABORT);
    }
    if ctx.srv.dirty_cas.contains(&id) {
        discard_transaction(ctx.srv, ctx.client);
        ctx.out().null_array();
        return Ok(());
    }
    unwatch_all(ctx.srv, ctx.client);
    let queued = std::mem::take(&mut ctx.client.multi);
    let deny_before = ctx.client.flags & cf::DENY_BLOCKING;
    ctx.client.flags |= cf::DENY_BLOCKING;
    ctx.client.flags &= !cf::MULTI;
    ctx.out().array_len(queued.len());
    for q in &queued {
        match ctx.srv.commands.lookup(&q.argv).cloned() {
            Some(cmd) => crate::dispatch::call(ctx.srv, ctx.client, &cmd, &q.argv, false),
            None => ctx.error_reply(&CmdError::unknown_command(&q.argv[0], &q.argv[1..])),
        }
    }
    ctx.client.flags = (ctx.client.flags & !cf::DENY_BLOCKING) | deny_before;
    discard_transaction(ctx.srv, ctx.client);
    Ok(())
}

/// ```text
/// WATCH key [key ...]
/// ```
fn watch(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if ctx.client.has(cf::MULTI) {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    if ctx.srv.dirty_cas.contains(&ctx.client.id) {
        ctx.out().ok();
        return Ok(());
    }
    let db = ctx.client.db;
    let now = ctx.srv.cmd_time_ms;
    for key in &argv[1..] {
        // Copied: the argument shares the client's read buffer, which a long-lived watch
        // would keep allocated.
        let entry = (db, Bytes::copy_from_slice(key));
        if ctx.client.watched.contains(&entry) {
            continue;
        }
        let expired = ctx.srv.dbs[db].is_expired(key, now);
        ctx.srv
            .watched
            .entry(entry.clone())
            .or_default()
            .push((ctx.client.id, expired));
        ctx.client.watched.push(entry);
    }
    ctx.out().ok();
    Ok(())
}

/// ```text
/// UNWATCH
/// ```
fn unwatch(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    unwatch_all(ctx.srv, ctx.client);
    ctx.out().ok();
    Ok(())
}

/// Forgets every key `c` watches and its dirty state.
pub fn unwatch_all(srv: &mut Server, c: &mut Client) {
    for entry in c.watched.drain(..) {
        if let Some(list) = srv.watched.get_mut(&entry) {
            list.retain(|(id, _)| *id != c.id);
            if list.is_empty() {
                srv.watched.remove(&entry);
            }
        }
    }
    srv.dirty_cas.remove(&c.id);
}

/// True if a key `c` watches has expired since it was watched.
fn watched_key_expired(srv: &Server, c: &Client) -> bool {
    let now = srv.cmd_time_ms;
    c.watched.iter().any(|(db, key)| {
        let was_expired = srv
            .watched
            .get(&(*db, key.clone()))
            .and_then(|l| l.iter().find(|(id, _)| *id == c.id))
            .map(|(_, e)| *e)
            .unwrap_or(false);
        !was_expired && srv.dbs[*db].is_expired(key, now)
    })
}

/// A key changed: every client watching it fails its next `EXEC` (Redis's
/// `touchWatchedKey`). A key that was already expired when watched and is now simply
/// gone counts as unchanged.
pub fn touch_watched_key(srv: &mut Server, db: usize, key: &[u8]) {
    let entry = (db, Bytes::copy_from_slice(key));
    let Some(list) = srv.watched.get_mut(&entry) else {
        return;
    };
    let exists = srv.dbs[db].keys.contains_key(key);
    for (id, expired) in list.iter_mut() {
        if *expired {
            if !exists {
                *expired = false;
            }
            continue;
        }
        srv.dirty_cas.insert(*id);
    }
}

/// A whole database is about to be emptied or swapped (`FLUSHDB`, `FLUSHALL`, `SWAPDB`):
/// Redis's `touchAllWatchedKeysInDb`. Call it before the change. `emptied` is the
/// database whose content goes away; `replaced_with` is the database whose content takes
/// its place (`SWAPDB`), or `None` for a flush. Keys that were already expired when
/// watched, and stay gone or expired, do not count as changed.
pub fn touch_all_watched_in_db(srv: &mut Server, emptied: usize, replaced_with: Option<usize>) {
    if srv.watched.is_empty() {
        return;
    }
    let now = srv.cmd_time_ms;
    let keys: Vec<(usize, Bytes)> = srv
        .watched
        .keys()
        .filter(|(d, _)| *d == emptied)
        .cloned()
        .collect();
    for entry in keys {
        let key = &entry.1;
        let in_emptied = srv.dbs[emptied].keys.contains_key(key);
        let in_repl = replaced_with.is_some_and(|r| srv.dbs[r].keys.contains_key(key));
        if !in_emptied && !in_repl {
            continue;
        }
        let repl_expired = replaced_with.is_some_and(|r| srv.dbs[r].is_expired(key, now));
        let Some(list) = srv.watched.get_mut(&entry) else {
            continue;
        };
        let mut dirty = Vec::new();
        for (id, expired) in list.iter_mut() {
            if *expired {
                if !in_repl {
                    // An expired key is now gone: no logical change.
                    *expired = false;
                    continue;
                } else if repl_expired {
                    continue;
                }
            } else if !in_emptied && repl_expired {
                // A missing key replaced by an expired one.
                *expired = true;
                continue;
            }
            dirty.push(*id);
        }
        srv.dirty_cas.extend(dirty);
    }
}
