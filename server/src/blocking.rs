//! Blocking commands (`BLPOP`, `BZPOPMIN`, `BLMOVE`, ...): who waits on which key, in
//! what order, until when.
//!
//! As in Redis 7, a blocked client keeps its command; when a key it waits on receives
//! data, the clients blocked on that key are served in the order they blocked by running
//! their command again. A command that still cannot be served blocks again.

use crate::client::{flags, BlockState, Client};
use crate::db::ValueType;
use crate::server::Server;
use bytes::Bytes;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// Blocked-client bookkeeping.
#[derive(Debug, Default)]
pub struct Blocking {
    /// (db, key) to the ids of clients blocked on it, oldest first.
    pub keys: HashMap<(usize, Bytes), VecDeque<u64>>,
    /// Keys that received data since the last check, in order.
    pub ready: Vec<(usize, Bytes)>,
    ready_set: HashSet<(usize, Bytes)>,
    /// (deadline in Unix ms, client id) for blocked clients with a timeout.
    pub timeouts: BTreeSet<(i64, u64)>,
    /// Number of blocked clients (`INFO clients` `blocked_clients`).
    pub blocked_clients: usize,
}

/// Blocks `c` on `keys` (of database `c.db`) until data arrives or `deadline_ms` (0:
/// forever). The command in `argv` runs again when a key is ready.
pub fn block_for_keys(
    srv: &mut Server,
    c: &mut Client,
    keys: &[Bytes],
    deadline_ms: i64,
    kind: ValueType,
    argv: Vec<Bytes>,
) {
    let mut st = BlockState {
        timeout_ms: deadline_ms,
        argv,
        kind: Some(kind),
        ..Default::default()
    };
    for k in keys {
        // Copied so the wait does not pin the client's read buffer.
        let entry = (c.db, Bytes::copy_from_slice(k));
        if st.keys.contains(&entry) {
            continue;
        }
        srv.blocking
            .keys
            .entry(entry.clone())
            .or_default()
            .push_back(c.id);
        st.keys.push(entry);
    }
    start_block(srv, c, st);
}

/// Blocks `c` with no keys until `deadline_ms`; then `reply` (raw RESP) is sent.
pub fn block_until(srv: &mut Server, c: &mut Client, deadline_ms: i64, reply: Vec<u8>) {
    let st = BlockState {
        timeout_ms: deadline_ms,
        timeout_reply: Some(reply),
        ..Default::default()
    };
    start_block(srv, c, st);
}

/// Blocks `c` for a module (`RedisModule_BlockClient*`): on `keys` (none for a plain
/// block) until `deadline_ms` (0: forever). `handle` is the module's blocked-client
/// handle; the module host decides when the client is served.
pub fn block_module(
    srv: &mut Server,
    c: &mut Client,
    keys: &[Bytes],
    deadline_ms: i64,
    handle: usize,
    unblock_on_nokey: bool,
    argv: Vec<Bytes>,
) {
    let mut st = BlockState {
        timeout_ms: deadline_ms,
        argv,
        module: Some(handle),
        unblock_on_nokey,
        ..Default::default()
    };
    for k in keys {
        let entry = (c.db, Bytes::copy_from_slice(k));
        if st.keys.contains(&entry) {
            continue;
        }
        srv.blocking
            .keys
            .entry(entry.clone())
            .or_default()
            .push_back(c.id);
        st.keys.push(entry);
    }
    start_block(srv, c, st);
}

fn start_block(srv: &mut Server, c: &mut Client, st: BlockState) {
    if st.timeout_ms > 0 {
        srv.blocking.timeouts.insert((st.timeout_ms, c.id));
    }
    c.blocked = Some(st);
    c.flags |= flags::BLOCKED;
    srv.blocking.blocked_clients += 1;
}

/// Removes `c` from every wait list. It is no longer blocked afterwards.
pub fn unblock(srv: &mut Server, c: &mut Client) {
    let Some(st) = c.blocked.take() else { return };
    for entry in &st.keys {
        if let Some(q) = srv.blocking.keys.get_mut(entry) {
            q.retain(|id| *id != c.id);
            if q.is_empty() {
                srv.blocking.keys.remove(entry);
            }
        }
    }
    if st.timeout_ms > 0 {
        srv.blocking.timeouts.remove(&(st.timeout_ms, c.id));
    }
    c.flags &= !flags::BLOCKED;
    srv.blocking.blocked_clients -= 1;
    if let Some(h) = st.module {
        crate::modules::api::blocking::unblocked_from_module(srv, c, h);
    }
}

/// Notes that `key` may now serve blocked clients (Redis's `signalKeyAsReady`).
#[inline]
pub fn signal_key_as_ready(srv: &mut Server, db: usize, key: &[u8]) {
    if srv.blocking.keys.is_empty() {
        return;
    }
    let entry = (db, Bytes::copy_from_slice(key));
    if srv.blocking.keys.contains_key(&entry) && srv.blocking.ready_set.insert(entry.clone()) {
        srv.blocking.ready.push(entry);
    }
}

/// Signals every key of database `db` that clients wait on (a flush or a swap changed
/// them all): each waiter's own rules decide whether it is served (Redis's
/// `scanDatabaseForDeletedKeys` wakes module clients blocked with
/// `REDISMODULE_BLOCK_UNBLOCK_DELETED` this way).
pub fn signal_all_blocked_in_db(srv: &mut Server, db: usize) {
    if srv.blocking.keys.is_empty() {
        return;
    }
    let keys: Vec<Bytes> = srv
        .blocking
        .keys
        .keys()
        .filter(|(d, _)| *d == db)
        .map(|(_, k)| k.clone())
        .collect();
    for k in keys {
        signal_key_as_ready(srv, db, &k);
    }
}

/// Serves clients blocked on keys that became ready, oldest first, by running their
/// commands again; repeats while serving them readies more keys (`BLMOVE` chains).
pub fn handle_ready_keys(srv: &mut Server) {
    while !srv.blocking.ready.is_empty() {
        let ready = std::mem::take(&mut srv.blocking.ready);
        srv.blocking.ready_set.clear();
        for (db, key) in ready {
            let Some(waiters) = srv.blocking.keys.get(&(db, key.clone())) else {
                continue;
            };
            let waiters: Vec<u64> = waiters.iter().copied().collect();
            for id in waiters {
                // Serve only while the key holds a value of the type the client waits for.
                let Some(slot) = srv.clients.slot_of(id) else {
                    continue;
                };
                if let Some((h, nokey)) = srv
                    .clients
                    .get(slot)
                    .and_then(|c| c.blocked.as_ref())
                    .and_then(|b| b.module.map(|h| (h, b.unblock_on_nokey)))
                {
                    // Module blocks are served whatever the key holds, or when it is
                    // gone if they asked for that.
                    if srv.dbs[db].entry(&key).is_none() && !nokey {
                        continue;
                    }
                    let Some(mut c) = srv.clients.take(slot) else {
                        continue;
                    };
                    crate::modules::api::blocking::try_serve_on_key(srv, &mut c, h, &key);
                    srv.clients.put_back(c);
                    srv.mark_pending_write(slot);
                    continue;
                }
                let want = srv
                    .clients
                    .get(slot)
                    .and_then(|c| c.blocked.as_ref())
                    .and_then(|b| b.kind);
                // As Redis, a client is skipped (not the rest of the queue) when the key
                // is gone, expired or of another type than the one it waits for.
                let have = if srv.dbs[db].is_expired(&key, srv.cmd_time_ms) {
                    None
                } else {
                    srv.dbs[db].entry(&key).map(|e| e.value.value_type())
                };
                if want.is_none() || have != want {
                    continue;
                }
                let Some(mut c) = srv.clients.take(slot) else {
                    continue;
                };
                let argv = c
                    .blocked
                    .as_ref()
                    .map(|b| b.argv.clone())
                    .unwrap_or_default();
                let deadline = c.blocked.as_ref().map(|b| b.timeout_ms).unwrap_or(0);
                unblock(srv, &mut c);
                crate::dispatch::reprocess_blocked(srv, &mut c, argv, deadline);
                let slot = c.slot;
                srv.clients.put_back(c);
                srv.mark_pending_write(slot);
                if !srv.clients.get(slot).is_some_and(|c| c.has(flags::BLOCKED)) {
                    srv.unblocked.push(id);
                }
            }
        }
    }
}

/// Replies to blocked clients whose deadline passed.
pub fn handle_timeouts(srv: &mut Server, now_ms: i64) {
    while let Some(&(deadline, id)) = srv.blocking.timeouts.iter().next() {
        if deadline > now_ms {
            break;
        }
        srv.blocking.timeouts.remove(&(deadline, id));
        let Some(slot) = srv.clients.slot_of(id) else {
            continue;
        };
        let Some(c) = srv.clients.get_mut(slot) else {
            continue;
        };
        let reply = c.blocked.as_ref().and_then(|b| b.timeout_reply.clone());
        let module = c.blocked.as_ref().and_then(|b| b.module);
        let argv = c
            .blocked
            .as_ref()
            .map(|b| b.argv.clone())
            .unwrap_or_default();
        if module.is_none() {
            count_unblocked_call(srv, &argv, false);
        }
        let mut taken = srv.clients.take(slot).expect("present");
        if let Some(h) = module {
            let done = crate::modules::api::blocking::reply_timed_out(srv, &mut taken, h);
            if done {
                unblock(srv, &mut taken);
                srv.unblocked.push(id);
            }
            srv.clients.put_back(taken);
            srv.mark_pending_write(slot);
            continue;
        }
        unblock(srv, &mut taken);
        match reply {
            Some(r) => taken.out.raw(&r),
            None => taken.out.null_array(),
        }
        srv.clients.put_back(taken);
        srv.mark_pending_write(slot);
        srv.unblocked.push(id);
    }
}

/// Counts a blocked command that ends without running again (timeout, `CLIENT UNBLOCK`)
/// in the command statistics, as Redis's `updateStatsOnUnblock`. `argv` is the blocked
/// command (empty for blocks that are not commands on keys).
pub fn count_unblocked_call(srv: &mut Server, argv: &[Bytes], failed: bool) {
    if argv.is_empty() {
        return;
    }
    let Some(id) = srv.commands.lookup(argv).map(|c| c.id) else {
        return;
    };
    if let Some(s) = srv.cmd_stats.get_mut(id) {
        s.calls += 1;
        if failed {
            s.failed_calls += 1;
        }
    }
    srv.stats.total_commands_processed += 1;
}
