//! `FUNCTION *`, `FCALL` and `FCALL_RO`.

use super::{host::ServerHost, put_engine, run, split_keys, take_engine, Target};
use crate::client::{flags as cf, Client};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::server::Server;
use bytes::Bytes;
use coil_scripting::{Engine, RestorePolicy};

/// Redis's `LOAD_TIMEOUT_MS`: a library body may run this long.
const LOAD_TIMEOUT_MS: u64 = 500;

/// ```text
/// FCALL function numkeys [key ...] [arg ...]
/// ```
pub fn fcall(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    fcall_generic(ctx, argv, false)
}

/// ```text
/// FCALL_RO function numkeys [key ...] [arg ...]
/// ```
pub fn fcall_ro(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    fcall_generic(ctx, argv, true)
}

fn fcall_generic(ctx: &mut Ctx, argv: &[Bytes], ro: bool) -> CmdResult {
    if !ctx.srv.monitors.is_empty() {
        crate::dispatch::feed_monitors(ctx.srv, ctx.client, argv);
    }
    let name = String::from_utf8_lossy(&argv[1]).into_owned();
    let mut engine = take_engine(ctx.srv)?;
    let Some(sf) = engine.function_flags(&name) else {
        put_engine(ctx.srv, engine);
        return Err(CmdError::err("Function not found"));
    };
    let (keys, args) = match split_keys(argv, CmdError::err("Bad number of keys provided")) {
        Ok(ka) => ka,
        Err(e) => {
            put_engine(ctx.srv, engine);
            return Err(e);
        }
    };
    if let Err(e) = super::prepare_checks(ctx.srv, sf, ro) {
        put_engine(ctx.srv, engine);
        return Err(e);
    }
    run(
        ctx,
        &mut engine,
        Target::Function(&name),
        keys,
        args,
        sf,
        ro,
        argv,
    );
    put_engine(ctx.srv, engine);
    Ok(())
}

/// Runs `f` with a host for library loads (logging only: `redis.call` is refused
/// while a library loads).
fn with_load_host<R>(
    srv: &mut Server,
    engine: &mut Engine,
    f: impl FnOnce(&mut Engine, &mut ServerHost<'_>) -> R,
) -> R {
    let client = srv.scripting.client.take().unwrap_or_else(|| {
        let id = srv.new_client_id();
        Box::new(Client::internal(id, cf::SCRIPT | cf::DENY_BLOCKING))
    });
    let mut host = ServerHost {
        srv,
        client,
        argv: &[],
    };
    let r = f(engine, &mut host);
    let ServerHost { srv, client, .. } = host;
    srv.scripting.client = Some(client);
    r
}

/// ```text
/// FUNCTION LOAD [REPLACE] function-code
/// ```
pub fn function_load(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut replace = false;
    let mut pos = 2;
    while pos < argv.len() - 1 {
        if argv[pos].eq_ignore_ascii_case(b"replace") {
            replace = true;
            pos += 1;
            continue;
        }
        return Err(CmdError::err(format_args!(
            "Unknown option given: {}",
            String::from_utf8_lossy(&argv[pos])
        )));
    }
    let code = &argv[pos];
    let mut engine = take_engine(ctx.srv)?;
    let r = with_load_host(ctx.srv, &mut engine, |e, h| {
        e.function_load(code, replace, h, LOAD_TIMEOUT_MS)
    });
    put_engine(ctx.srv, engine);
    let name = r.map_err(CmdError::err)?;
    ctx.srv.dirty += 1;
    ctx.out().bulk(name.as_bytes());
    Ok(())
}

/// ```text
/// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
/// ```
pub fn function_list(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut with_code = false;
    let mut pattern: Option<&Bytes> = None;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            if i + 1 >= argv.len() {
                return Err(CmdError::err("library name argument was not given"));
            }
            i += 1;
            pattern = Some(&argv[i]);
        } else {
            return Err(CmdError::err(format_args!(
                "Unknown argument {}",
                String::from_utf8_lossy(a)
            )));
        }
        i += 1;
    }
    let Some(engine) = ctx.srv.scripting.engine.take() else {
        ctx.out().empty_array();
        return Ok(());
    };
    let libs: Vec<_> = engine
        .libraries()
        .filter(|l| pattern.is_none_or(|p| crate::util::glob_match(p, l.name.as_bytes(), true)))
        .collect();
    let out = &mut ctx.client.out;
    out.array_len(libs.len());
    for l in libs {
        out.map_len(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(l.name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"PYTHON");
        out.bulk(b"functions");
        out.array_len(l.functions.len());
        for f in &l.functions {
            out.map_len(3);
            out.bulk(b"name");
            out.bulk(f.name.as_bytes());
            out.bulk(b"description");
            match &f.description {
                Some(d) => out.bulk(d.as_bytes()),
                None => out.null(),
            }
            out.bulk(b"flags");
            let names = f.flags.names();
            out.set_len(names.len());
            for n in names {
                out.simple(n.as_bytes());
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&l.code);
        }
    }
    put_engine(ctx.srv, engine);
    Ok(())
}

/// ```text
/// FUNCTION DELETE library-name
/// ```
pub fn function_delete(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    let found = match ctx.srv.scripting.engine.take() {
        Some(mut e) => {
            let f = e.function_delete(&name);
            put_engine(ctx.srv, e);
            f
        }
        None => false,
    };
    if !found {
        return Err(CmdError::err("Library not found"));
    }
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// FUNCTION DUMP
/// ```
pub fn function_dump(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let payload = match ctx.srv.scripting.engine.as_deref() {
        Some(e) => super::dump::dump(e.libraries().map(|l| &l.code[..])),
        None => super::dump::dump(std::iter::empty()),
    };
    ctx.out().bulk(&payload);
    Ok(())
}

/// ```text
/// FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]
/// ```
pub fn function_restore(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 4 {
        return Err(CmdError::subcommand_syntax(&argv[1], "function"));
    }
    let policy = match argv.get(3) {
        None => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => RestorePolicy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => RestorePolicy::Flush,
        Some(_) => {
            return Err(CmdError::err(
                "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ))
        }
    };
    let codes = super::dump::parse(&argv[2]).map_err(CmdError::err)?;
    let mut engine = take_engine(ctx.srv)?;
    let r = with_load_host(ctx.srv, &mut engine, |e, h| -> Result<(), String> {
        let mut libs = Vec::new();
        for code in &codes {
            let lib = e.prepare_library(code, h, 0)?;
            if libs
                .iter()
                .any(|l: &coil_scripting::LibraryInfo| l.name == lib.name)
            {
                return Err(format!("Library {} already exists", lib.name));
            }
            libs.push(lib);
        }
        e.install(libs, policy)
    });
    put_engine(ctx.srv, engine);
    r.map_err(CmdError::err)?;
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// Why libraries could not be restored.
#[derive(Debug)]
pub enum RestoreError {
    /// The engine is not available (it failed to start, or a script is running).
    Engine(CmdError),
    /// A library failed to load or collided; nothing was changed.
    Load(String),
}

/// Loads library codes all or nothing under `policy` (FUNCTION RESTORE; also what an
/// RDB or AOF loader should call with the codes of its `FUNCTION2` records, with
/// [`RestorePolicy::Replace`]).
pub fn restore_libraries(
    srv: &mut Server,
    codes: &[Vec<u8>],
    policy: RestorePolicy,
) -> Result<(), RestoreError> {
    let mut engine = take_engine(srv).map_err(RestoreError::Engine)?;
    let r = with_load_host(srv, &mut engine, |e, h| -> Result<(), String> {
        let mut libs = Vec::new();
        for code in codes {
            let lib = e.prepare_library(code, h, 0)?;
            if libs
                .iter()
                .any(|l: &coil_scripting::LibraryInfo| l.name == lib.name)
            {
                return Err(format!("Library {} already exists", lib.name));
            }
            libs.push(lib);
        }
        e.install(libs, policy)
    });
    put_engine(srv, engine);
    r.map_err(RestoreError::Load)
}

/// The code of every loaded library, for RDB/AOF writers (one `FUNCTION2` record each).
pub fn library_codes(srv: &Server) -> Vec<Bytes> {
    srv.scripting
        .engine
        .as_deref()
        .map(|e| e.libraries().map(|l| l.code.clone()).collect())
        .unwrap_or_default()
}

/// ```text
/// FUNCTION FLUSH [ASYNC | SYNC]
/// ```
pub fn function_flush(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() > 3 {
        return Err(CmdError::subcommand_syntax(&argv[1], "function"));
    }
    if argv.len() == 3
        && !argv[2].eq_ignore_ascii_case(b"sync")
        && !argv[2].eq_ignore_ascii_case(b"async")
    {
        return Err(CmdError::err(
            "FUNCTION FLUSH only supports SYNC|ASYNC option",
        ));
    }
    if let Some(mut e) = ctx.srv.scripting.engine.take() {
        e.function_flush();
        put_engine(ctx.srv, e);
    }
    ctx.srv.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// ```text
/// FUNCTION KILL
/// ```
pub fn function_kill(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::eval::kill(ctx, false)
}

/// ```text
/// FUNCTION STATS
/// ```
pub fn function_stats(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let sc = &ctx.srv.scripting;
    if sc.running.as_ref().is_some_and(|r| r.is_eval) {
        return Err(CmdError::BUSY_EVAL);
    }
    let (libs, funcs) = (sc.stats.libraries, sc.stats.functions);
    let running = sc.running.as_ref().map(|r| {
        (
            r.name.clone(),
            r.argv.clone(),
            r.start.map_or(0, |s| s.elapsed().as_millis() as i64),
        )
    });
    let out = &mut ctx.client.out;
    out.map_len(2);
    out.bulk(b"running_script");
    match running {
        None => out.null(),
        Some((name, argv, ms)) => {
            out.map_len(3);
            out.bulk(b"name");
            out.bulk(name.as_bytes());
            out.bulk(b"command");
            out.array_len(argv.len());
            for a in &argv {
                out.bulk(a);
            }
            out.bulk(b"duration_ms");
            out.int(ms);
        }
    }
    out.bulk(b"engines");
    out.map_len(1);
    out.bulk(b"PYTHON");
    out.map_len(2);
    out.bulk(b"libraries_count");
    out.int(libs as i64);
    out.bulk(b"functions_count");
    out.int(funcs as i64);
    Ok(())
}

/// ```text
/// FUNCTION HELP
/// ```
pub fn function_help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    crate::commands::introspection::reply_help(
        ctx.out(),
        "function",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(())
}
