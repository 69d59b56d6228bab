//! `EVAL`, `EVALSHA`, `EVAL_RO`, `EVALSHA_RO` and `SCRIPT`.

use super::{put_engine, run, split_keys, take_engine, Target};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;
use coil_scripting::Engine;

/// ```text
/// EVAL script numkeys [key ...] [arg ...]
/// ```
pub fn eval(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    eval_generic(ctx, argv, false, false)
}

/// ```text
/// EVAL_RO script numkeys [key ...] [arg ...]
/// ```
pub fn eval_ro(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    eval_generic(ctx, argv, false, true)
}

/// ```text
/// EVALSHA sha1 numkeys [key ...] [arg ...]
/// ```
pub fn evalsha(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    eval_generic(ctx, argv, true, false)
}

/// ```text
/// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
/// ```
pub fn evalsha_ro(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    eval_generic(ctx, argv, true, true)
}

fn eval_generic(ctx: &mut Ctx, argv: &[Bytes], evalsha: bool, ro: bool) -> CmdResult {
    // The script's own commands follow it in MONITOR, as in Redis.
    if !ctx.srv.monitors.is_empty() {
        crate::dispatch::feed_monitors(ctx.srv, ctx.client, argv);
    }
    if evalsha && argv[1].len() != 40 {
        return Err(CmdError::NO_SCRIPT);
    }
    let (keys, args) = split_keys(argv, CmdError::NOT_INTEGER)?;
    let mut engine = take_engine(ctx.srv)?;
    let created;
    let sha: &[u8] = if evalsha {
        &argv[1]
    } else {
        match engine.script_create(&argv[1], true) {
            Ok(sha) => {
                created = sha;
                created.as_bytes()
            }
            Err(e) => {
                put_engine(ctx.srv, engine);
                return Err(CmdError::raw(e));
            }
        }
    };
    let Some(sf) = engine.script_flags(sha) else {
        put_engine(ctx.srv, engine);
        return Err(CmdError::NO_SCRIPT);
    };
    if let Err(e) = super::prepare_checks(ctx.srv, sf, ro) {
        put_engine(ctx.srv, engine);
        return Err(e);
    }
    run(
        ctx,
        &mut engine,
        Target::Script(sha),
        keys,
        args,
        sf,
        ro,
        argv,
    );
    put_engine(ctx.srv, engine);
    Ok(())
}

/// ```text
/// SCRIPT LOAD script
/// ```
pub fn script_load(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut engine = take_engine(ctx.srv)?;
    let r = engine.script_create(&argv[2], false);
    put_engine(ctx.srv, engine);
    let sha = r.map_err(CmdError::raw)?;
    ctx.out().bulk(sha.as_bytes());
    Ok(())
}

/// ```text
/// SCRIPT EXISTS sha1 [sha1 ...]
/// ```
pub fn script_exists(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let found: Vec<bool> = argv[2..]
        .iter()
        .map(|s| {
            ctx.srv
                .scripting
                .engine
                .as_deref()
                .is_some_and(|e| e.script_exists(s))
        })
        .collect();
    let out = ctx.out();
    out.array_len(found.len());
    for f in found {
        out.int(i64::from(f));
    }
    Ok(())
}

/// ```text
/// SCRIPT FLUSH [ASYNC | SYNC]
/// ```
pub fn script_flush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 3
        || (argv.len() == 3
            && !argv[2].eq_ignore_ascii_case(b"sync")
            && !argv[2].eq_ignore_ascii_case(b"async"))
    {
        return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    if let Some(mut e) = ctx.srv.scripting.engine.take() {
        e.script_flush();
        put_engine(ctx.srv, e);
    }
    ctx.out().ok();
    Ok(())
}

/// ```text
/// SCRIPT KILL
/// ```
pub fn script_kill(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    kill(ctx, true)
}

/// Redis's `scriptKill`.
pub fn kill(ctx: &mut Ctx, is_eval: bool) -> CmdResult {
    let Some(run) = ctx.srv.scripting.running.as_mut() else {
        return Err(CmdError::fixed(
            "NOTBUSY No scripts in execution right now.",
        ));
    };
    if run.wrote {
        return Err(CmdError::fixed("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."));
    }
    if is_eval && !run.is_eval {
        return Err(CmdError::BUSY_FUNCTION);
    }
    if !is_eval && run.is_eval {
        return Err(CmdError::BUSY_EVAL);
    }
    run.kill_requested = true;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// SCRIPT DEBUG YES | SYNC | NO
/// ```
pub fn script_debug(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv[2].eq_ignore_ascii_case(b"no") {
        ctx.out().ok();
        Ok(())
    } else if argv[2].eq_ignore_ascii_case(b"yes") || argv[2].eq_ignore_ascii_case(b"sync") {
        Err(CmdError::err(
            "SCRIPT DEBUG is not supported by the Python engine",
        ))
    } else {
        Err(CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

/// ```text
/// SCRIPT HELP
/// ```
pub fn script_help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    crate::commands::introspection::reply_help(
        ctx.out(),
        "script",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed (not supported).",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Python scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Python script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
    Ok(())
}

/// The sha of an EVAL body (for `EVALSHA` after `EVAL`).
pub fn sha_of(body: &[u8]) -> String {
    Engine::sha1_hex(body)
}
