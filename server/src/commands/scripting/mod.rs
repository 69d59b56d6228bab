//! Scripting commands: `EVAL`, `EVALSHA`, `EVAL_RO`, `EVALSHA_RO`, `SCRIPT *`,
//! `FUNCTION *`, `FCALL`, `FCALL_RO`, with Python (`coil-scripting`) in Lua's place.
//!
//! - [`eval`]: EVAL and SCRIPT; [`function`]: FUNCTION and FCALL; [`dump`]: the
//!   FUNCTION DUMP payload (RDB framing, CRC64).
//! - [`host`]: what a running script reaches the server through (`redis.call` and its
//!   checks, logging, busy-mode ticks).
//!
//! A script runs inside its command, on the loop thread, under the execution lock. The
//! engine is taken out of [`ScriptingState`] for the length of the run; what other
//! clients may ask about meanwhile (`SCRIPT KILL`, `FUNCTION STATS`, `INFO` figures)
//! is kept beside it in [`RunningScript`] and [`EngineStats`].

pub mod dump;
pub mod eval;
pub mod function;
pub mod host;

use crate::client::{flags as cf, Client};
use crate::command_table::{cmd_flags as f, CommandTable, Registry};
use crate::ctx::Ctx;
use crate::error::CmdError;
use crate::server::Server;
use bytes::Bytes;
use coil_scripting::{Engine, EngineConfig, RunOutcome, ScriptFlags};
use std::time::Instant;

/// A hidden command flag: the command's flags depend on the script it runs
/// (Redis's `evalGetCommandFlags` / `fcallGetCommandFlags`).
pub const DYNAMIC_FLAGS: u64 = 1 << 40;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("eval", eval::eval);
    r.add("evalsha", eval::evalsha);
    r.add("eval_ro", eval::eval_ro);
    r.add("evalsha_ro", eval::evalsha_ro);
    r.add("script|load", eval::script_load);
    r.add("script|exists", eval::script_exists);
    r.add("script|flush", eval::script_flush);
    r.add("script|kill", eval::script_kill);
    r.add("script|debug", eval::script_debug);
    r.add("script|help", eval::script_help);
    r.add("fcall", function::fcall);
    r.add("fcall_ro", function::fcall_ro);
    r.add("function|load", function::function_load);
    r.add("function|list", function::function_list);
    r.add("function|delete", function::function_delete);
    r.add("function|dump", function::function_dump);
    r.add("function|restore", function::function_restore);
    r.add("function|flush", function::function_flush);
    r.add("function|kill", function::function_kill);
    r.add("function|stats", function::function_stats);
    r.add("function|help", function::function_help);
}

/// Marks the commands whose flags come from their script.
pub fn mark_dynamic(t: &mut CommandTable) {
    for name in [
        "eval",
        "evalsha",
        "eval_ro",
        "evalsha_ro",
        "fcall",
        "fcall_ro",
    ] {
        if let Some(c) = t
            .commands
            .get_mut(name.as_bytes())
            .and_then(std::sync::Arc::get_mut)
        {
            c.flags |= DYNAMIC_FLAGS;
        }
    }
}

/// Figures `INFO` reports, kept current after every change (the engine itself is out
/// of reach while a script runs).
#[derive(Debug, Default, Clone)]
pub struct EngineStats {
    /// Cached EVAL scripts.
    pub scripts: usize,
    /// EVAL scripts evicted by the LRU.
    pub evicted: u64,
    /// Loaded libraries.
    pub libraries: usize,
    /// Registered functions.
    pub functions: usize,
    /// Bytes of script bodies and bookkeeping.
    pub scripts_memory: usize,
    /// Bytes of library code and bookkeeping.
    pub functions_memory: usize,
    /// Python heap attributed to libraries.
    pub functions_vm: usize,
}

/// The script in progress (also while serving other clients in busy mode).
#[derive(Debug, Default)]
pub struct RunningScript {
    /// SHA1 (EVAL) or function name.
    pub name: String,
    /// EVAL (as opposed to FCALL).
    pub is_eval: bool,
    /// The caller's command line (`FUNCTION STATS`), recorded once busy.
    pub argv: Vec<Bytes>,
    /// Start time, known once busy (starting a run reads no clock).
    pub start: Option<Instant>,
    /// A write command ran: the script can no longer be killed.
    pub wrote: bool,
    /// Writes are refused (`*_RO`, `no-writes`).
    pub read_only: bool,
    /// Deny-OOM commands run even over `maxmemory`.
    pub allow_oom: bool,
    /// The server was over `maxmemory` when the script started.
    pub oom_at_start: bool,
    /// `SCRIPT KILL` / `FUNCTION KILL` was accepted.
    pub kill_requested: bool,
}

/// Everything the server keeps about scripting.
#[derive(Default)]
pub struct ScriptingState {
    /// The engine; `None` before first use and while a script runs.
    pub engine: Option<Box<Engine>>,
    /// Why the engine could not start, if it failed.
    pub init_error: Option<String>,
    /// The running script.
    pub running: Option<RunningScript>,
    /// The running script passed `busy-reply-threshold`: others get `-BUSY`.
    pub timed_out: bool,
    /// Busy-mode ticks served so far.
    pub busy_ticks: u64,
    /// `DEBUG SET-DISABLE-DENY-SCRIPTS`: lifts the ban on `noscript` commands.
    pub disable_deny_scripts: bool,
    /// The client scripts run commands through.
    pub client: Option<Box<Client>>,
    /// Figures for `INFO`.
    pub stats: EngineStats,
    /// The engine generation `stats` reflect.
    pub stats_generation: Option<u64>,
    /// A finished run's record, reused by the next one (no allocation per run).
    pub spare: Option<RunningScript>,
}

impl ScriptingState {
    /// The BUSY error for the running script's kind.
    pub fn busy_error(&self) -> CmdError {
        match &self.running {
            Some(r) if !r.is_eval => CmdError::BUSY_FUNCTION,
            _ => CmdError::BUSY_EVAL,
        }
    }
}

/// Takes the engine out for a run or an update, starting it on first use.
pub fn take_engine(srv: &mut Server) -> Result<Box<Engine>, CmdError> {
    if let Some(e) = srv.scripting.engine.take() {
        return Ok(e);
    }
    if srv.scripting.running.is_some() {
        return Err(srv.scripting.busy_error());
    }
    if let Some(e) = &srv.scripting.init_error {
        return Err(CmdError::err(e));
    }
    let cfg = EngineConfig {
        allowed_modules: srv.config.python_allowed_modules.clone(),
    };
    match Engine::new(&cfg) {
        Ok((e, warnings)) => {
            for w in warnings {
                tracing::warn!("Python module not available to scripts: {w}");
            }
            tracing::info!("Python scripting engine started");
            Ok(Box::new(e))
        }
        Err(e) => {
            tracing::warn!("{e}");
            srv.scripting.init_error = Some(e.clone());
            Err(CmdError::err(e))
        }
    }
}

/// Puts the engine back and refreshes the `INFO` figures if they changed.
pub fn put_engine(srv: &mut Server, e: Box<Engine>) {
    if srv.scripting.stats_generation == Some(e.generation()) {
        srv.scripting.engine = Some(e);
        return;
    }
    srv.scripting.stats_generation = Some(e.generation());
    let (libraries, functions) = e.function_counts();
    srv.scripting.stats = EngineStats {
        scripts: e.scripts_len(),
        evicted: e.evicted_scripts(),
        libraries,
        functions,
        scripts_memory: e.scripts_memory(),
        functions_memory: e.functions_memory(),
        functions_vm: e.functions_vm_memory(),
    };
    srv.scripting.engine = Some(e);
}

/// Redis's `scriptFlagsToCmdFlags`: a script's declared flags replace the command's
/// write/deny-oom/stale flags.
pub fn script_flags_to_cmd_flags(cmd_flags: u64, sf: ScriptFlags) -> u64 {
    let mut flags = cmd_flags & !(f::STALE | f::DENYOOM | f::WRITE | f::MAY_REPLICATE);
    if !sf.has(ScriptFlags::ALLOW_OOM | ScriptFlags::NO_WRITES) {
        flags |= f::DENYOOM;
    }
    if !sf.has(ScriptFlags::NO_WRITES) {
        flags |= f::WRITE;
    }
    if sf.has(ScriptFlags::ALLOW_STALE) {
        flags |= f::STALE;
    }
    flags
}

/// The flags the dispatcher should apply to a scripting command with these arguments.
pub fn command_flags(srv: &Server, cmd_flags: u64, name: &str, argv: &[Bytes]) -> u64 {
    let Some(arg) = argv.get(1) else {
        return cmd_flags;
    };
    let engine = srv.scripting.engine.as_deref();
    let sf = match name {
        "fcall" | "fcall_ro" => {
            let Some(e) = engine else { return cmd_flags };
            match e.function_flags(&String::from_utf8_lossy(arg)) {
                Some(sf) => sf,
                None => return cmd_flags,
            }
        }
        "evalsha" | "evalsha_ro" => {
            if arg.len() != 40 {
                return cmd_flags;
            }
            match engine.and_then(|e| e.script_flags(arg)) {
                Some(sf) => sf,
                None => return cmd_flags,
            }
        }
        _ => {
            let sha = Engine::sha1_hex(arg);
            match engine.and_then(|e| e.script_flags(sha.as_bytes())) {
                Some(sf) => sf,
                None => match coil_scripting::parse_shebang(arg) {
                    Ok(sf) => sf,
                    Err(_) => return cmd_flags,
                },
            }
        }
    };
    if sf.has(ScriptFlags::EVAL_COMPAT) {
        return cmd_flags;
    }
    script_flags_to_cmd_flags(cmd_flags, sf)
}

/// Parses `numkeys` and splits the keys from the arguments.
pub fn split_keys(argv: &[Bytes], bad_number: CmdError) -> Result<(&[Bytes], &[Bytes]), CmdError> {
    let n = crate::util::parse_i64(&argv[2]).ok_or(bad_number)?;
    let rest = &argv[3..];
    if n > rest.len() as i64 {
        return Err(CmdError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    if n < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    Ok(rest.split_at(n as usize))
}

/// Redis's `scriptPrepareForRun` checks for the server state Coil has.
pub fn prepare_checks(srv: &mut Server, sf: ScriptFlags, ro: bool) -> Result<(), CmdError> {
    if sf.has(ScriptFlags::EVAL_COMPAT) {
        return Ok(());
    }
    if !sf.has(ScriptFlags::NO_WRITES) && ro {
        return Err(CmdError::err(
            "Can not execute a script with write flag using *_ro command.",
        ));
    }
    if srv.config.maxmemory > 0
        && !sf.has(ScriptFlags::ALLOW_OOM | ScriptFlags::NO_WRITES)
        && crate::evict::out_of_memory(srv)
    {
        return Err(CmdError::raw(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    Ok(())
}

/// What to run.
pub enum Target<'a> {
    /// A cached EVAL script by sha (any case).
    Script(&'a [u8]),
    /// A function by name.
    Function(&'a str),
}

/// Runs a script or function for the client in `ctx` and writes its reply.
#[allow(clippy::too_many_arguments)]
pub fn run(
    ctx: &mut Ctx,
    engine: &mut Engine,
    target: Target<'_>,
    keys: &[Bytes],
    args: &[Bytes],
    sf: ScriptFlags,
    ro: bool,
    argv: &[Bytes],
) {
    let srv = &mut *ctx.srv;
    let compat = sf.has(ScriptFlags::EVAL_COMPAT);
    let mut running = srv.scripting.spare.take().unwrap_or_default();
    running.name.clear();
    match &target {
        Target::Script(sha) => {
            running.is_eval = true;
            running
                .name
                .extend(sha.iter().map(|c| char::from(c.to_ascii_lowercase())));
        }
        Target::Function(n) => {
            running.is_eval = false;
            running.name.push_str(engine.function_name(n).unwrap_or(n));
        }
    }
    running.argv.clear();
    running.start = None;
    running.wrote = false;
    running.read_only = ro || (!compat && sf.has(ScriptFlags::NO_WRITES));
    running.allow_oom = !compat && sf.has(ScriptFlags::ALLOW_OOM);
    running.oom_at_start = srv.config.maxmemory > 0 && crate::evict::out_of_memory(srv);
    running.kill_requested = false;
    srv.scripting.running = Some(running);
    let mut client = srv.scripting.client.take().unwrap_or_else(|| {
        let id = srv.new_client_id();
        Box::new(Client::internal(id, cf::SCRIPT | cf::DENY_BLOCKING))
    });
    client.db = ctx.client.db;
    if client.user != ctx.client.user {
        client.user = ctx.client.user.clone();
    }
    client.authenticated = true;
    client.flags = cf::SCRIPT | cf::DENY_BLOCKING;
    let limits = coil_scripting::engine::RunLimits {
        busy_threshold_ms: srv.config.busy_reply_threshold,
        max_memory: srv.config.python_script_max_memory as usize,
    };
    let caller_resp = ctx.client.resp();
    let mut host = host::ServerHost { srv, client, argv };
    let outcome: RunOutcome = match target {
        Target::Script(sha) => engine.run_script(sha, keys, args, &mut host, caller_resp, limits),
        Target::Function(n) => engine.run_function(n, keys, args, &mut host, caller_resp, limits),
    };
    let host::ServerHost {
        srv, mut client, ..
    } = host;
    client.out.buf.clear();
    srv.scripting.client = Some(client);
    srv.scripting.spare = srv.scripting.running.take();
    if srv.scripting.timed_out {
        srv.scripting.timed_out = false;
    }
    for (code, counted) in &outcome.errors {
        if !counted {
            srv.count_error(code);
        }
    }
    // An error that came from a redis.call was counted when the inner command replied
    // it; the script command still counts as failed (Redis's NO_STATS_UPDATE path).
    if outcome.reply.first() == Some(&b'-') && outcome.errors.first().is_some_and(|e| e.1) {
        if let Some(s) = srv.cmd_stats.get_mut(ctx.cmd.id) {
            s.failed_calls += 1;
        }
    }
    ctx.client.out.raw(&outcome.reply);
}
