//! The gate every command passes: lookup, arity, authentication, state checks, `MULTI`
//! queueing (Redis's `processCommand`), then the call with its statistics, monitor feed
//! and blocked-client wake-ups (Redis's `call`).

use crate::client::{flags as cf, Client, QueuedCommand};
use crate::command_table::{cmd_flags as f, Command, Handler};
use crate::ctx::Ctx;
use crate::error::CmdError;
use crate::server::{unix_ms, Server};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

/// Runs the command in `c.argv` as a client request: every check of Redis's
/// `processCommand`, then [`call`]. Replies go to `c.out`.
pub fn process_command(srv: &mut Server, c: &mut Client) {
    let argv = std::mem::take(&mut c.argv);
    if argv.is_empty() {
        return;
    }
    if c.has(cf::REPLY_SKIP_NEXT) {
        c.flags = (c.flags & !cf::REPLY_SKIP_NEXT) | cf::REPLY_SKIP;
    }
    // Module command filters may rewrite the command before it is looked up.
    let argv = if srv.modules.host.filters.is_empty() {
        argv
    } else {
        crate::modules::api::filters::apply(srv, c.id, argv)
    };
    if argv.is_empty() {
        return;
    }
    let mark = c.out.len();
    process_argv(srv, c, &argv);
    if c.has(cf::REPLY_OFF | cf::REPLY_SKIP) {
        c.out.buf.truncate(mark.max(c.sent));
        c.flags &= !cf::REPLY_SKIP;
    }
    // Pub/Sub pushes get through `CLIENT REPLY OFF|SKIP`.
    if !srv.pubsub.unsilenced.is_empty() {
        let pushes = std::mem::take(&mut srv.pubsub.unsilenced);
        c.out.raw(&pushes);
    }
    // Reuse the argument vector's allocation for the next command.
    let mut argv = argv;
    argv.clear();
    c.argv = argv;
}

fn reject(srv: &mut Server, c: &mut Client, cmd: Option<&Arc<Command>>, e: CmdError) {
    if let Some(cmd) = cmd {
        if let Some(s) = srv.cmd_stats.get_mut(cmd.id) {
            s.rejected_calls += 1;
        }
    }
    if c.has(cf::MULTI) {
        c.flags |= cf::DIRTY_EXEC;
        if cmd.is_some_and(|c| c.name == "exec") {
            // Redis's execCommandAbort: the transaction is discarded with the reason.
            crate::commands::multi::discard_transaction(srv, c);
            let e = CmdError::raw(format!(
                "EXECABORT Transaction discarded because of: {}",
                e.text()
            ));
            srv.count_error(e.code());
            c.out.error(e.text());
            return;
        }
    }
    srv.count_error(e.code());
    c.out.error(e.text());
}

fn process_argv(srv: &mut Server, c: &mut Client, argv: &[Bytes]) {
    let name = &argv[0];
    // A browser talking to us by mistake (cross-protocol scripting): drop it.
    if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
        tracing::warn!(
            "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection from {} aborted.",
            c.addr
        );
        c.flags |= cf::CLOSE_ASAP;
        return;
    }
    let Some(cmd) = srv.commands.lookup(argv).cloned() else {
        reject(srv, c, None, CmdError::unknown_command(name, &argv[1..]));
        return;
    };
    if matches!(cmd.handler, Handler::Container) {
        let e = if argv.len() < 2 {
            CmdError::wrong_arity(&cmd.name)
        } else {
            CmdError::unknown_subcommand(&argv[1], &cmd.name)
        };
        reject(srv, c, Some(&cmd), e);
        return;
    }
    if !cmd.arity_ok(argv.len()) {
        reject(srv, c, Some(&cmd), CmdError::wrong_arity(&cmd.name));
        return;
    }
    if cmd.has(f::PROTECTED) {
        let (setting, what, option) =
            if cmd.name == "debug" || cmd.parent.as_deref() == Some("debug") {
                (
                    srv.config.enable_debug_command,
                    "DEBUG",
                    "enable-debug-command",
                )
            } else {
                (
                    srv.config.enable_module_command,
                    "MODULE",
                    "enable-module-command",
                )
            };
        if !protected_allowed(setting, c) {
            let e = CmdError::err(format_args!("{what} command not allowed. If the {option} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."));
            reject(srv, c, Some(&cmd), e);
            return;
        }
    }
    if !c.authenticated && !cmd.has(f::NO_AUTH) {
        reject(srv, c, Some(&cmd), CmdError::NOAUTH);
        return;
    }
    if c.has(cf::MULTI) && cmd.has(f::NO_MULTI) {
        reject(srv, c, Some(&cmd), CmdError::NOT_IN_MULTI);
        return;
    }
    let is_exec = cmd.name == "exec";
    let cmd_flags = if is_exec {
        cmd.flags | c.multi_flags
    } else if cmd.flags & crate::commands::scripting::DYNAMIC_FLAGS != 0 {
        crate::commands::scripting::command_flags(srv, cmd.flags, &cmd.name, argv)
    } else {
        cmd.flags
    };
    if srv.config.maxmemory > 0
        && cmd_flags & f::DENYOOM != 0
        && !srv.scripting.timed_out
        && crate::evict::out_of_memory(srv)
    {
        reject(srv, c, Some(&cmd), CmdError::OOM);
        return;
    }
    if c.has(cf::PUBSUB)
        && c.resp() == 2
        && !matches!(
            cmd.name.as_str(),
            "ping"
                | "subscribe"
                | "ssubscribe"
                | "unsubscribe"
                | "sunsubscribe"
                | "psubscribe"
                | "punsubscribe"
                | "quit"
                | "reset"
        )
    {
        let e = CmdError::err(format_args!(
            "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            cmd.name
        ));
        reject(srv, c, Some(&cmd), e);
        return;
    }
    if (cmd_flags & f::WRITE != 0 || cmd.name == "ping")
        && c.id != crate::persistence::aof::load::AOF_CLIENT_ID
    {
        if let Some(e) = crate::persistence::write_error(srv) {
            reject(srv, c, Some(&cmd), e);
            return;
        }
    }
    if srv.loading && !cmd.has(f::LOADING) {
        reject(srv, c, Some(&cmd), CmdError::LOADING);
        return;
    }
    // A script past busy-reply-threshold is serving us from inside its command: only
    // ALLOW_BUSY commands run.
    if srv.scripting.timed_out && !cmd.has(f::ALLOW_BUSY) {
        let e = srv.scripting.busy_error();
        reject(srv, c, Some(&cmd), e);
        return;
    }
    if c.has(cf::MULTI)
        && !matches!(
            cmd.name.as_str(),
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
    {
        c.multi_flags |= cmd_flags;
        c.multi.push(QueuedCommand {
            argv: argv.to_vec(),
        });
        c.out.simple(b"QUEUED");
        return;
    }
    let start = Instant::now();
    srv.cmd_time_ms = srv.unix_ms_at(start);
    call_at(srv, c, &cmd, argv, false, start);
    if !srv.blocking.ready.is_empty() {
        crate::blocking::handle_ready_keys(srv);
    }
}

/// Whether a protected command (`DEBUG`, `MODULE`) may run for this client.
pub fn protected_allowed(setting: crate::config::Protected, c: &Client) -> bool {
    match setting {
        crate::config::Protected::Yes => true,
        crate::config::Protected::No => false,
        crate::config::Protected::Local => c.has(cf::LOCAL | cf::UNIX_SOCKET) || c.conn.is_none(),
    }
}

/// Runs a command whose checks passed: the handler, then statistics, the monitor feed
/// and the error accounting. `reprocessing` is set for a blocked client's retry.
pub fn call(
    srv: &mut Server,
    c: &mut Client,
    cmd: &Arc<Command>,
    argv: &[Bytes],
    reprocessing: bool,
) {
    call_at(srv, c, cmd, argv, reprocessing, Instant::now());
}

/// [`call`], timing the command from `start` (a clock read the caller already made).
pub fn call_at(
    srv: &mut Server,
    c: &mut Client,
    cmd: &Arc<Command>,
    argv: &[Bytes],
    reprocessing: bool,
    start: Instant,
) {
    if srv.exec_depth == 0 {
        srv.pubsub.running = Some((c.id, c.resp()));
        srv.no_touch = c.has(cf::NO_TOUCH) && cmd.name != "touch";
    }
    let prev_client = srv.current_client.replace(c.id);
    let prev_resp = std::mem::replace(&mut srv.current_resp, c.resp());
    srv.prev_err_count = srv.stats.total_error_replies;
    let dirty_before = srv.dirty;
    let prop_saved = srv.persist.prop.enter();
    srv.exec_depth += 1;
    c.last_cmd = cmd.id;
    let result = {
        let mut ctx = Ctx {
            srv,
            client: c,
            cmd,
        };
        match &cmd.handler {
            Handler::Native(h) => h(&mut ctx, argv),
            Handler::Dynamic(h) => h(&mut ctx, argv),
            Handler::Container => Err(CmdError::wrong_arity(&cmd.name)),
        }
    };
    let elapsed = start.elapsed();
    let dur = elapsed.as_micros() as u64;
    srv.exec_depth -= 1;
    if let Err(e) = result {
        srv.count_error(e.code());
        c.out.error(e.text());
    }
    // Errors replied by nested commands (a script's redis.call) moved prev_err_count
    // on: only errors after them make this command a failed one, as in Redis.
    let failed = srv.stats.total_error_replies > srv.prev_err_count;
    srv.prev_err_count = srv.stats.total_error_replies;
    // Propagation: EXEC's commands propagated themselves; modules handle theirs.
    let propagates = cmd.name != "exec" && !cmd.has(f::MODULE);
    let changed = propagates && srv.dirty > dirty_before;
    if propagates {
        srv.persist.prop.leave(prop_saved, c.db, argv, changed);
    } else {
        srv.persist.prop.leave(prop_saved, c.db, argv, false);
    }
    if srv.exec_depth == 0 {
        let wrap = !cmd.has(f::TOUCHES_ARBITRARY_KEYS) || cmd.name == "exec";
        crate::persistence::propagate::flush(srv, wrap);
    }
    if !c.has(cf::BLOCKED) {
        if let Some(s) = srv.cmd_stats.get_mut(cmd.id) {
            s.calls += 1;
            s.usec += dur;
            if srv.config.latency_tracking {
                s.latency.record(elapsed.as_nanos() as u64);
            }
            if failed {
                s.failed_calls += 1;
            }
        }
        srv.stats.total_commands_processed += 1;
        c.commands_processed += 1;
    }
    if !reprocessing && !srv.monitors.is_empty() && !cmd.has(f::SKIP_MONITOR | f::ADMIN) {
        feed_monitors(srv, c, argv);
    }
    srv.current_client = prev_client;
    srv.current_resp = prev_resp;
    if srv.exec_depth == 0 {
        srv.pubsub.running = None;
        srv.no_touch = false;
        if !srv.deferred_pushes.is_empty() {
            let pushes = std::mem::take(&mut srv.deferred_pushes);
            if c.has(cf::REPLY_OFF | cf::REPLY_SKIP) {
                // Pushes are not silenced: `process_command` adds them back.
                srv.pubsub.unsilenced.extend_from_slice(&pushes);
            } else {
                c.out.raw(&pushes);
            }
        }
        // Module jobs queued by keyspace notifications run once the command is done.
        if srv.modules.host.keyspace.has_jobs() {
            crate::modules::api::keyspace_events::run_post_jobs(srv);
        }
    }
}

/// Runs a blocked client's command again after a key it waits on became ready. The
/// original deadline is kept if it blocks again.
pub fn reprocess_blocked(srv: &mut Server, c: &mut Client, argv: Vec<Bytes>, deadline_ms: i64) {
    let Some(cmd) = srv.commands.lookup(&argv).cloned() else {
        return;
    };
    srv.reprocess_deadline = Some(deadline_ms);
    // A new command: its own time snapshot (a key may have expired meanwhile).
    srv.cmd_time_ms = unix_ms();
    call(srv, c, &cmd, &argv, true);
    srv.reprocess_deadline = None;
    if !srv.pubsub.unsilenced.is_empty() {
        let pushes = std::mem::take(&mut srv.pubsub.unsilenced);
        c.out.raw(&pushes);
    }
}

/// Runs `argv` for an internal client (scripts, modules, `EXEC`): lookup and arity
/// checks, then [`call`]. Errors are written as replies.
pub fn call_internal(
    srv: &mut Server,
    c: &mut Client,
    argv: &[Bytes],
) -> Result<Arc<Command>, CmdError> {
    let Some(cmd) = srv.commands.lookup(argv).cloned() else {
        return Err(CmdError::unknown_command(
            argv.first().map(|b| b.as_ref()).unwrap_or(b""),
            argv.get(1..).unwrap_or(&[]),
        ));
    };
    if !cmd.arity_ok(argv.len()) || matches!(cmd.handler, Handler::Container) {
        return Err(CmdError::wrong_arity(&cmd.name));
    }
    call(srv, c, &cmd, argv, false);
    Ok(cmd)
}

/// Sends a command line to every `MONITOR` client, as Redis's `replicationFeedMonitors`.
pub fn feed_monitors(srv: &mut Server, c: &Client, argv: &[Bytes]) {
    let now = crate::server::unix_us();
    let mut line = format!("+{}.{:06} ", now / 1_000_000, now % 1_000_000);
    if c.has(cf::SCRIPT) {
        line.push_str(&format!("[{} lua] ", c.db));
    } else if c.has(cf::UNIX_SOCKET) {
        line.push_str(&format!(
            "[{} unix:{}] ",
            c.db,
            srv.config.unixsocket.as_deref().unwrap_or("")
        ));
    } else {
        line.push_str(&format!("[{} {}] ", c.db, c.addr));
    }
    let mut bytes = line.into_bytes();
    for (i, a) in argv.iter().enumerate() {
        crate::util::repr_into(&mut bytes, a);
        if i + 1 < argv.len() {
            bytes.push(b' ');
        }
    }
    bytes.extend_from_slice(b"\r\n");
    for id in srv.monitors.clone() {
        if id == c.id {
            continue;
        }
        if let Some(slot) = srv.clients.slot_of(id) {
            if let Some(m) = srv.clients.get_mut(slot) {
                m.out.raw(&bytes);
                srv.mark_pending_write(slot);
            }
        }
    }
}
