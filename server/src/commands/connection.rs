//! Connection commands: `PING`, `ECHO`, `SELECT`, `QUIT`, `HELLO`, `RESET`, `AUTH`.

use crate::args;
use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("ping", ping);
    r.add("echo", echo);
    r.add("select", select);
    r.add("quit", quit);
    r.add("hello", hello);
    r.add("reset", reset);
    r.add("auth", auth);
}

/// ```text
/// PING [message]
/// ```
/// A subscribed RESP2 client gets `["pong", message]` instead.
fn ping(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 2 {
        return Err(CmdError::wrong_arity("ping"));
    }
    let out = &mut ctx.client.out;
    if ctx.client.flags & cf::PUBSUB != 0 && out.resp == 2 {
        out.array_len(2);
        out.bulk(b"pong");
        out.bulk(argv.get(1).map(|b| b.as_ref()).unwrap_or(b""));
    } else if argv.len() == 1 {
        out.simple(b"PONG");
    } else {
        out.bulk(&argv[1]);
    }
    Ok(())
}

/// ```text
/// ECHO message
/// ```
fn echo(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    ctx.out().bulk(&argv[1]);
    Ok(())
}

/// ```text
/// SELECT index
/// ```
fn select(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let id = args::c_int(&argv[1])?;
    if id < 0 || id as usize >= ctx.srv.dbs.len() {
        return Err(CmdError::err("DB index is out of range"));
    }
    ctx.client.db = id as usize;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// QUIT
/// ```
fn quit(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    ctx.out().ok();
    ctx.client.flags |= cf::CLOSE_AFTER_REPLY;
    Ok(())
}

/// Checks a password for `AUTH`/`HELLO ... AUTH` against `requirepass` (the only user is
/// `default` until ACLs exist).
fn check_password(ctx: &mut Ctx, user: Option<&[u8]>, pass: &[u8]) -> CmdResult {
    let user_ok = user.is_none_or(|u| u == b"default");
    let ok = match &ctx.srv.config.requirepass {
        None => user.is_some() && user_ok,
        Some(p) => user_ok && p.as_bytes() == pass,
    };
    if ok {
        ctx.client.authenticated = true;
        ctx.client.user = "default".into();
        return Ok(());
    }
    if user.is_none() && ctx.srv.config.requirepass.is_none() {
        return Err(CmdError::err(
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    Err(CmdError::fixed(
        "WRONGPASS invalid username-password pair or user is disabled.",
    ))
}

/// ```text
/// AUTH [username] password
/// ```
fn auth(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::SYNTAX);
    }
    if argv.len() == 3 {
        check_password(ctx, Some(&argv[1]), &argv[2])?;
    } else {
        check_password(ctx, None, &argv[1])?;
    }
    ctx.out().ok();
    Ok(())
}

/// ```text
/// HELLO [protover [AUTH username password] [SETNAME clientname]]
/// ```
fn hello(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut ver = 0;
    let mut i = 1;
    if argv.len() >= 2 {
        ver = crate::util::parse_i64(&argv[1])
            .ok_or_else(|| CmdError::err("Protocol version is not an integer or out of range"))?;
        i = 2;
        if !(2..=3).contains(&ver) {
            return Err(CmdError::fixed("NOPROTO unsupported protocol version"));
        }
    }
    let mut auth: Option<(Bytes, Bytes)> = None;
    let mut name: Option<Bytes> = None;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if args::is(&argv[i], "auth") && more >= 2 {
            auth = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 3;
        } else if args::is(&argv[i], "setname") && more >= 1 {
            super::client::validate_name(&argv[i + 1])?;
            name = Some(argv[i + 1].clone());
            i += 2;
        } else {
            return Err(CmdError::err(format_args!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&argv[i])
            )));
        }
    }
    if let Some((u, p)) = auth {
        check_password(ctx, Some(&u), &p)?;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::fixed("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(n) = name {
        ctx.client.name = if n.is_empty() { None } else { Some(n) };
    }
    if ver != 0 {
        ctx.client.out.resp = ver as u8;
    }
    let id = ctx.client.id;
    let resp = ctx.client.out.resp;
    let out = &mut ctx.client.out;
    out.map_len(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(crate::REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(i64::from(resp));
    out.bulk(b"id");
    out.int(id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    crate::commands::introspection::reply_module_list(ctx);
    Ok(())
}

/// ```text
/// RESET
/// ```
fn reset(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    if ctx.client.has(cf::MONITOR) {
        let id = ctx.client.id;
        ctx.srv.monitors.retain(|m| *m != id);
        ctx.client.flags &= !cf::MONITOR;
    }
    ctx.client.db = 0;
    ctx.client.out.resp = 2;
    ctx.client.authenticated = ctx.srv.config.requirepass.is_none();
    ctx.client.user = "default".into();
    super::multi::discard_transaction(ctx.srv, ctx.client);
    crate::pubsub::unsubscribe_all(ctx.srv, ctx.client);
    ctx.client.name = None;
    ctx.client.flags &=
        !(cf::REPLY_OFF | cf::REPLY_SKIP_NEXT | cf::REPLY_SKIP | cf::NO_TOUCH | cf::NO_EVICT);
    ctx.out().simple(b"RESET");
    Ok(())
}
