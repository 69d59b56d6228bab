//! The server side of a running script: [`ServerHost`] implements the engine's
//! [`ScriptHost`] over `&mut Server` and the script's own client, with Redis's
//! per-call checks (`scriptCall`).

use super::RunningScript;
use crate::client::{flags as cf, Client};
use crate::command_table::{cmd_flags as f, Command, Handler};
use crate::error::CmdError;
use crate::server::Server;
use bytes::Bytes;
use coil_scripting::ScriptHost;
use std::sync::Arc;

/// What a running script reaches the server through.
pub struct ServerHost<'a> {
    /// The server.
    pub srv: &'a mut Server,
    /// The script's client (runs `redis.call`; not in the client table).
    pub client: Box<Client>,
    /// The caller's command line (recorded for `FUNCTION STATS` once busy).
    pub argv: &'a [Bytes],
}

impl ServerHost<'_> {
    /// The running script's record; one exists whenever the engine runs a script or
    /// function (library loads, which have none, never call the host for commands).
    fn run(&mut self) -> &mut RunningScript {
        self.srv
            .scripting
            .running
            .get_or_insert_with(RunningScript::default)
    }

    /// Refuses a call before it runs: counted as an error reply and as a rejected call
    /// of the command, as Redis's `scriptCall` does.
    fn reject(&mut self, cmd: Option<&Arc<Command>>, e: CmdError) -> String {
        if let Some(cmd) = cmd {
            if let Some(s) = self.srv.cmd_stats.get_mut(cmd.id) {
                s.rejected_calls += 1;
            }
        }
        self.srv.count_error(e.code());
        e.text().to_string()
    }
}

impl ScriptHost for ServerHost<'_> {
    fn call(&mut self, argv: Vec<Bytes>, resp: u8) -> Result<&[u8], String> {
        self.client.out.buf.clear();
        self.client.out.resp = resp;
        let cmd = match self.srv.commands.lookup(&argv).cloned() {
            None => {
                return Err(self.reject(
                    None,
                    CmdError::err("Unknown Redis command called from script"),
                ))
            }
            Some(c) => c,
        };
        if matches!(cmd.handler, Handler::Container) || !cmd.arity_ok(argv.len()) {
            return Err(self.reject(
                Some(&cmd),
                CmdError::err("Wrong number of args calling Redis command from script"),
            ));
        }
        if cmd.has(f::NOSCRIPT) && !self.srv.scripting.disable_deny_scripts {
            return Err(self.reject(
                Some(&cmd),
                CmdError::err("This Redis command is not allowed from script"),
            ));
        }
        let run = self.run();
        if run.read_only && cmd.has(f::WRITE | f::MAY_REPLICATE) {
            return Err(self.reject(
                Some(&cmd),
                CmdError::err("Write commands are not allowed from read-only scripts."),
            ));
        }
        let run = self.run();
        let oom_refused = !run.allow_oom && !run.wrote && run.oom_at_start && cmd.has(f::DENYOOM);
        if oom_refused && self.srv.config.maxmemory > 0 {
            return Err(self.reject(Some(&cmd), CmdError::OOM));
        }
        if cmd.has(f::WRITE) {
            self.run().wrote = true;
        }
        crate::dispatch::call(self.srv, &mut self.client, &cmd, &argv, false);
        debug_assert!(!self.client.has(cf::BLOCKED));
        Ok(&self.client.out.buf)
    }

    fn log(&mut self, level: u8, msg: &[u8]) {
        let text = String::from_utf8_lossy(msg);
        match level {
            0 => tracing::trace!("{text}"),
            1 => tracing::debug!("{text}"),
            2 => tracing::info!("{text}"),
            _ => tracing::warn!("{text}"),
        }
    }

    fn acl_check(&mut self, argv: &[Bytes]) -> Result<bool, String> {
        let Some(cmd) = self.srv.commands.lookup(argv) else {
            return Err("ERR Invalid command passed to redis.acl_check_cmd()".into());
        };
        if matches!(cmd.handler, Handler::Container) || !cmd.arity_ok(argv.len()) {
            return Err("ERR Invalid number of arguments passed to redis.acl_check_cmd()".into());
        }
        // Coil has only the default user, who may run every command.
        Ok(true)
    }

    fn busy_tick(&mut self, elapsed_ms: u64) -> bool {
        let first = !self.srv.scripting.timed_out;
        if first {
            let run = self.run();
            let (kind, name) = (
                if run.is_eval {
                    "SCRIPT KILL"
                } else {
                    "FUNCTION KILL"
                },
                run.name.clone(),
            );
            tracing::warn!("Slow script detected: still in execution after {elapsed_ms} milliseconds. You can try killing the script using the {kind} command. Script name is: {name}.");
            let argv = self.argv.to_vec();
            let run = self.run();
            run.argv = argv;
            run.start =
                std::time::Instant::now().checked_sub(std::time::Duration::from_millis(elapsed_ms));
            self.srv.scripting.timed_out = true;
        }
        // The first tick reads every client once: readiness the interrupted loop
        // iteration had collected is not reported again (edge-triggered polling). Later
        // ticks rely on new readiness, with a sweep now and then as a safety net.
        self.srv.scripting.busy_ticks += 1;
        let sweep = first || self.srv.scripting.busy_ticks % 32 == 0;
        crate::event_loop::process_events_while_blocked(self.srv, sweep);
        self.run().kill_requested
    }
}
