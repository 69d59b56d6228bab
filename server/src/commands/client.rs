//! `CLIENT` subcommands.

use crate::args;
use crate::client::{flags as cf, Client};
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::server::Server;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("client|id", id);
    r.add("client|info", info);
    r.add("client|list", list);
    r.add("client|setname", setname);
    r.add("client|getname", getname);
    r.add("client|setinfo", setinfo);
    r.add("client|kill", kill);
    r.add("client|reply", reply);
    r.add("client|no-evict", no_evict);
    r.add("client|no-touch", no_touch);
    r.add("client|pause", pause);
    r.add("client|unpause", unpause);
    r.add("client|unblock", unblock);
    r.add("client|help", help);
}

/// Checks a client name: no spaces, newlines or other non-printable characters.
pub fn validate_name(name: &[u8]) -> CmdResult {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

/// One `CLIENT LIST` line (without the newline).
pub fn info_string(srv: &Server, c: &Client) -> String {
    let now = std::time::Instant::now();
    let multi = if c.has(cf::MULTI) {
        c.multi.len() as i64
    } else {
        -1
    };
    let mut flags = String::new();
    if c.has(cf::MONITOR) {
        flags.push('O');
    } else if c.has(cf::REPLICA) {
        flags.push('S');
    }
    if c.has(cf::PUBSUB) {
        flags.push('P');
    }
    if c.has(cf::MULTI) {
        flags.push('x');
    }
    if c.has(cf::BLOCKED) {
        flags.push('b');
    }
    if srv.dirty_cas.contains(&c.id) {
        flags.push('d');
    }
    if c.has(cf::CLOSE_AFTER_REPLY) {
        flags.push('c');
    }
    if c.has(cf::UNBLOCKED) {
        flags.push('u');
    }
    if c.has(cf::CLOSE_ASAP) {
        flags.push('A');
    }
    if c.has(cf::UNIX_SOCKET) {
        flags.push('U');
    }
    if c.has(cf::NO_EVICT) {
        flags.push('e');
    }
    if c.has(cf::NO_TOUCH) {
        flags.push('T');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let events = if c.conn.is_some() {
        if c.pending_output() > 0 {
            "rw"
        } else {
            "r"
        }
    } else {
        ""
    };
    let qbuf = c.query.len();
    let qbuf_free = c.query.capacity() - qbuf;
    let argv_mem: usize = c.argv.iter().map(|a| a.len()).sum();
    let multi_mem: usize = c
        .multi
        .iter()
        .flat_map(|q| q.argv.iter())
        .map(|a| a.len())
        .sum();
    let omem = c.pending_output();
    let tot = std::mem::size_of::<Client>()
        + c.query.capacity()
        + c.out.buf.capacity()
        + argv_mem
        + multi_mem;
    let lossy = |b: &Option<Bytes>| {
        b.as_ref()
            .map(|x| String::from_utf8_lossy(x).into_owned())
            .unwrap_or_default()
    };
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} watch={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem={} tot-mem={} events={} cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        if c.conn.is_some() { c.slot as i64 + 8 } else { -1 },
        lossy(&c.name),
        now.duration_since(c.created).as_secs(),
        now.duration_since(c.last_interaction).as_secs(),
        flags,
        c.db,
        c.channels.len(),
        c.patterns.len(),
        c.shard_channels.len(),
        multi,
        c.watched.len(),
        qbuf,
        qbuf_free,
        argv_mem,
        multi_mem,
        c.out.buf.capacity(),
        c.out.buf.capacity(),
        omem,
        omem,
        tot,
        events,
        srv.commands.names.get(c.last_cmd).map(String::as_str).unwrap_or("NULL"),
        c.user,
        c.resp(),
        lossy(&c.lib_name),
        lossy(&c.lib_ver),
    )
}

/// ```text
/// CLIENT ID
/// ```
fn id(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let id = ctx.client.id;
    ctx.out().int(id as i64);
    Ok(())
}

/// ```text
/// CLIENT INFO
/// ```
fn info(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let mut s = info_string(ctx.srv, ctx.client);
    s.push('\n');
    ctx.out().verbatim(s.as_bytes(), "txt");
    Ok(())
}

/// The client type names `CLIENT LIST TYPE` and `CLIENT KILL TYPE` accept.
fn client_type_matches(c: &Client, t: &[u8]) -> Option<bool> {
    Some(match t.to_ascii_lowercase().as_slice() {
        b"normal" => !c.has(cf::REPLICA | cf::MONITOR | cf::PUBSUB),
        b"slave" | b"replica" => c.has(cf::REPLICA) && !c.has(cf::MONITOR),
        b"pubsub" => c.has(cf::PUBSUB),
        b"master" => false,
        _ => return None,
    })
}

/// ```text
/// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
/// ```
fn list(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut type_filter: Option<Bytes> = None;
    let mut ids: Option<Vec<u64>> = None;
    if argv.len() == 4 && args::is(&argv[2], "type") {
        if client_type_matches(ctx.client, &argv[3]).is_none() {
            return Err(CmdError::err(format_args!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(&argv[3])
            )));
        }
        type_filter = Some(argv[3].clone());
    } else if argv.len() > 3 && args::is(&argv[2], "id") {
        let mut v = Vec::new();
        for a in &argv[3..] {
            match crate::util::parse_i64(a) {
                Some(n) if n > 0 => v.push(n as u64),
                _ => return Err(CmdError::err("Invalid client ID")),
            }
        }
        ids = Some(v);
    } else if argv.len() != 2 {
        return Err(CmdError::SYNTAX);
    }
    let mut all: Vec<&Client> = ctx.srv.clients.iter().collect();
    all.push(ctx.client);
    all.sort_by_key(|c| c.id);
    let mut text = String::new();
    for c in all {
        if let Some(t) = &type_filter {
            if client_type_matches(c, t) != Some(true) {
                continue;
            }
        }
        if let Some(ids) = &ids {
            if !ids.contains(&c.id) {
                continue;
            }
        }
        text.push_str(&info_string(ctx.srv, c));
        text.push('\n');
    }
    ctx.out().verbatim(text.as_bytes(), "txt");
    Ok(())
}

/// ```text
/// CLIENT SETNAME connection-name
/// ```
fn setname(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    validate_name(&argv[2])?;
    ctx.client.name = if argv[2].is_empty() {
        None
    } else {
        Some(argv[2].clone())
    };
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CLIENT GETNAME
/// ```
fn getname(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.out().bulk(&n),
        None => ctx.out().null(),
    }
    Ok(())
}

/// ```text
/// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
/// ```
fn setinfo(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let attr = String::from_utf8_lossy(&argv[2]).to_ascii_lowercase();
    let val = &argv[3];
    if attr != "lib-name" && attr != "lib-ver" {
        return Err(CmdError::err(format_args!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(&argv[2])
        )));
    }
    if attr == "lib-name" && val.contains(&b'@') {
        return Err(CmdError::err(format_args!(
            "{} cannot contain spaces, newlines or special characters.",
            attr
        )));
    }
    if val.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::err(format_args!(
            "{attr} cannot contain spaces, newlines or special characters."
        )));
    }
    let v = if val.is_empty() {
        None
    } else {
        Some(val.clone())
    };
    if attr == "lib-name" {
        ctx.client.lib_name = v;
    } else {
        ctx.client.lib_ver = v;
    }
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CLIENT KILL ip:port
/// CLIENT KILL <ID client-id | TYPE type | USER username | ADDR ip:port |
///     LADDR ip:port | SKIPME <YES | NO> | MAXAGE maxage> [...]
/// ```
fn kill(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let me = ctx.client.id;
    let mut id: Option<u64> = None;
    let mut addr: Option<Bytes> = None;
    let mut laddr: Option<Bytes> = None;
    let mut ctype: Option<Bytes> = None;
    let mut user: Option<Bytes> = None;
    let mut maxage: Option<u64> = None;
    let mut skipme = true;
    let old_style = argv.len() == 3;
    if old_style {
        addr = Some(argv[2].clone());
        skipme = false;
    } else if argv.len() > 3 && argv.len() % 2 == 0 {
        let mut i = 2;
        while i + 1 < argv.len() {
            let v = &argv[i + 1];
            if args::is(&argv[i], "id") {
                match crate::util::parse_i64(v) {
                    Some(n) if n > 0 => id = Some(n as u64),
                    _ => return Err(CmdError::err("client-id should be greater than 0")),
                }
            } else if args::is(&argv[i], "maxage") {
                match crate::util::parse_i64(v) {
                    Some(n) if n > 0 => maxage = Some(n as u64),
                    _ => return Err(CmdError::err("maxage should be greater than 0")),
                }
            } else if args::is(&argv[i], "type") {
                if client_type_matches(ctx.client, v).is_none() {
                    return Err(CmdError::err(format_args!(
                        "Unknown client type '{}'",
                        String::from_utf8_lossy(v)
                    )));
                }
                ctype = Some(v.clone());
            } else if args::is(&argv[i], "addr") {
                addr = Some(v.clone());
            } else if args::is(&argv[i], "laddr") {
                laddr = Some(v.clone());
            } else if args::is(&argv[i], "user") {
                if v.as_ref() != b"default" {
                    return Err(CmdError::err(format_args!(
                        "No such user '{}'",
                        String::from_utf8_lossy(v)
                    )));
                }
                user = Some(v.clone());
            } else if args::is(&argv[i], "skipme") {
                if args::is(v, "yes") {
                    skipme = true;
                } else if args::is(v, "no") {
                    skipme = false;
                } else {
                    return Err(CmdError::SYNTAX);
                }
            } else {
                return Err(CmdError::SYNTAX);
            }
            i += 2;
        }
    } else {
        return Err(CmdError::SYNTAX);
    }
    let matches = |c: &Client| {
        id.is_none_or(|i| c.id == i)
            && addr
                .as_ref()
                .is_none_or(|a| c.addr.as_bytes() == a.as_ref())
            && laddr
                .as_ref()
                .is_none_or(|a| c.laddr.as_bytes() == a.as_ref())
            && ctype
                .as_ref()
                .is_none_or(|t| client_type_matches(c, t) == Some(true))
            && user
                .as_ref()
                .is_none_or(|u| c.user.as_bytes() == u.as_ref())
            && maxage.is_none_or(|m| c.created.elapsed().as_secs() >= m)
    };
    let mut killed = 0;
    let targets: Vec<u64> = ctx
        .srv
        .clients
        .iter()
        .filter(|c| c.conn.is_some() && matches(c))
        .map(|c| c.id)
        .collect();
    for t in targets {
        ctx.srv.to_close.push(t);
        killed += 1;
    }
    let kill_me = (!skipme || old_style) && matches(ctx.client);
    if kill_me {
        ctx.client.flags |= cf::CLOSE_AFTER_REPLY;
        killed += 1;
    }
    let _ = me;
    if old_style {
        if killed == 0 {
            return Err(CmdError::err("No such client"));
        }
        ctx.out().ok();
    } else {
        ctx.out().int(killed);
    }
    Ok(())
}

/// ```text
/// CLIENT REPLY <ON | OFF | SKIP>
/// ```
fn reply(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let c = &mut *ctx.client;
    if args::is(&argv[2], "on") {
        c.flags &= !(cf::REPLY_OFF | cf::REPLY_SKIP_NEXT | cf::REPLY_SKIP);
        c.out.ok();
    } else if args::is(&argv[2], "off") {
        c.flags |= cf::REPLY_OFF;
    } else if args::is(&argv[2], "skip") {
        if !c.has(cf::REPLY_OFF) {
            c.flags |= cf::REPLY_SKIP_NEXT;
        }
    } else {
        return Err(CmdError::SYNTAX);
    }
    Ok(())
}

fn on_off(ctx: &mut Ctx, arg: &[u8], flag: u64) -> CmdResult {
    if args::is(arg, "on") {
        ctx.client.flags |= flag;
    } else if args::is(arg, "off") {
        ctx.client.flags &= !flag;
    } else {
        return Err(CmdError::SYNTAX);
    }
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CLIENT NO-EVICT <ON | OFF>
/// ```
fn no_evict(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    on_off(ctx, &argv[2], cf::NO_EVICT)
}

/// ```text
/// CLIENT NO-TOUCH <ON | OFF>
/// ```
fn no_touch(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    on_off(ctx, &argv[2], cf::NO_TOUCH)
}

/// ```text
/// CLIENT PAUSE timeout [WRITE | ALL]
/// ```
fn pause(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let ms = crate::util::parse_i64(&argv[2])
        .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    let write_only = match argv.get(3) {
        None => false,
        Some(a) if args::is(a, "write") => true,
        Some(a) if args::is(a, "all") => false,
        Some(_) => return Err(CmdError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    if argv.len() > 4 {
        return Err(CmdError::SYNTAX);
    }
    let until = crate::server::unix_ms() + ms;
    // A longer or stricter pause wins, as in Redis.
    ctx.srv.pause = Some(match ctx.srv.pause {
        Some((u, w)) => (u.max(until), w && write_only),
        None => (until, write_only),
    });
    ctx.out().ok();
    Ok(())
}

/// ```text
/// CLIENT UNPAUSE
/// ```
fn unpause(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    ctx.srv.pause = None;
    ctx.out().ok();
    Ok(())
}

/// True if the next command in `c`'s buffer may write (for `CLIENT PAUSE WRITE`).
pub fn next_command_may_write(srv: &Server, c: &Client) -> bool {
    // Parse a copy of the next command's name without consuming the buffer.
    let mut buf = c.query.clone();
    let mut parser = crate::resp::RequestParser::default();
    let mut argv = Vec::new();
    let limits = crate::resp::ParseLimits {
        max_bulk_len: srv.config.proto_max_bulk_len,
        unauthenticated: false,
    };
    match parser.parse(&mut buf, &mut argv, limits) {
        Ok(crate::resp::Parsed::Command) if !argv.is_empty() => srv
            .commands
            .lookup(&argv)
            .map(|cmd| {
                cmd.has(
                    crate::command_table::cmd_flags::WRITE
                        | crate::command_table::cmd_flags::MAY_REPLICATE,
                ) || cmd.name == "exec"
            })
            .unwrap_or(false),
        _ => false,
    }
}

/// ```text
/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
/// ```
fn unblock(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let id = args::int(&argv[2])?;
    let with_error = match argv.get(3) {
        None => false,
        Some(a) if args::is(a, "timeout") => false,
        Some(a) if args::is(a, "error") => true,
        Some(_) => {
            return Err(CmdError::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let Some(slot) = ctx.srv.clients.slot_of(id as u64) else {
        ctx.out().int(0);
        return Ok(());
    };
    let blocked = ctx
        .srv
        .clients
        .get(slot)
        .is_some_and(|c| c.has(cf::BLOCKED));
    let module = ctx
        .srv
        .clients
        .get(slot)
        .and_then(|c| c.blocked.as_ref())
        .and_then(|b| b.module);
    // A module block can be ended only if the module handles timeouts.
    if !blocked || module.is_some_and(|h| !crate::modules::api::blocking::may_timeout(h)) {
        ctx.out().int(0);
        return Ok(());
    }
    let mut c = ctx.srv.clients.take(slot).expect("present");
    if let Some(h) = module {
        let done = with_error || crate::modules::api::blocking::reply_timed_out(ctx.srv, &mut c, h);
        if with_error {
            let argv = c
                .blocked
                .as_ref()
                .map(|b| b.argv.clone())
                .unwrap_or_default();
            crate::blocking::count_unblocked_call(ctx.srv, &argv, true);
            ctx.srv.count_error("UNBLOCKED");
            c.out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        }
        if done {
            crate::blocking::unblock(ctx.srv, &mut c);
            ctx.srv.unblocked.push(id as u64);
        }
        ctx.srv.clients.put_back(c);
        ctx.srv.mark_pending_write(slot);
        ctx.out().int(1);
        return Ok(());
    }
    let reply = c.blocked.as_ref().and_then(|b| b.timeout_reply.clone());
    let argv = c
        .blocked
        .as_ref()
        .map(|b| b.argv.clone())
        .unwrap_or_default();
    crate::blocking::count_unblocked_call(ctx.srv, &argv, with_error);
    crate::blocking::unblock(ctx.srv, &mut c);
    if with_error {
        ctx.srv.count_error("UNBLOCKED");
        c.out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
        match reply {
            Some(r) => c.out.raw(&r),
            None => c.out.null_array(),
        }
    }
    ctx.srv.clients.put_back(c);
    ctx.srv.mark_pending_write(slot);
    ctx.srv.unblocked.push(id as u64);
    ctx.out().int(1);
    Ok(())
}

/// ```text
/// CLIENT HELP
/// ```
fn help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::introspection::reply_help(
        ctx.out(),
        "client",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * MAXAGE <maxage>",
            "      Kill connections older than the specified age.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "NO-TOUCH (ON|OFF)",
            "    Will not touch LRU/LFU stats when this mode is on.",
        ],
    );
    Ok(())
}
