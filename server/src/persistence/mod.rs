//! Persistence: RDB snapshots and the append-only file, in Redis's formats.
//!
//! - [`rdb`]: the RDB format (values, datasets, `DUMP` payloads);
//! - [`encoding`]: CRC-64, LZF, listpack, ziplist, intset, zipmap;
//! - [`child`]: forked background children (`BGSAVE`, `BGREWRITEAOF`);
//! - [`aof`]: the multi-part AOF (manifest, base and incremental files, rewrite, load);
//! - [`propagate`]: what each write command feeds to the AOF (and later replicas);
//! - [`loading`]: loading at start-up while the event loop answers `-LOADING`;
//! - [`functions`]: the hooks to the function libraries;
//! - this file: the state in [`Server`], `SAVE`/`BGSAVE`, the save points.

pub mod aof;
pub mod child;
pub mod encoding;
pub mod functions;
pub mod info;
pub mod loading;
pub mod propagate;
pub mod rdb;

use crate::modules::fork::ChildExit;
use crate::server::{unix_ms, Server};
use child::ChildKind;
use std::path::PathBuf;

/// Seconds to wait after a failed background save before the save points try again
/// (Redis's `CONFIG_BGSAVE_RETRY_DELAY`).
pub const BGSAVE_RETRY_DELAY: i64 = 5;

/// Everything persistence keeps in the server.
#[derive(Default)]
pub struct State {
    /// How function libraries are listed and loaded.
    pub function_hooks: functions::FunctionHooks,
    /// The placeholder library store (until the scripting engine sets its hooks).
    pub functions: Vec<(Vec<u8>, Vec<u8>)>,
    /// How module values and module AUX data are saved and loaded.
    pub module_hooks: rdb::module::ModuleHooks,
    /// The running background child.
    pub child: Option<child::Child>,
    /// A `BGSAVE` waits for the running child to end.
    pub bgsave_scheduled: bool,
    /// The last background save failed (`rdb_last_bgsave_status:err`).
    pub last_bgsave_failed: bool,
    /// When the last background save was tried (Unix seconds).
    pub last_bgsave_try: i64,
    /// Duration of the last background save in seconds (-1: none yet).
    pub last_bgsave_time_sec: Option<i64>,
    /// When the running background save started (Unix seconds).
    pub rdb_save_time_start: i64,
    /// Saves done (`rdb_saves`).
    pub rdb_saves: u64,
    /// Copy-on-write bytes of the last RDB child.
    pub rdb_last_cow_size: u64,
    /// Changes when the running background save started.
    pub dirty_before_bgsave: u64,
    /// Counters of the last load.
    pub load_stats: rdb::load::LoadStats,
    /// `DEBUG SET-SKIP-CHECKSUM-VALIDATION`.
    pub skip_checksum_validation: bool,
    /// Forks done.
    pub total_forks: u64,
    /// Duration of the last fork in microseconds.
    pub latest_fork_usec: u64,
    /// The AOF.
    pub aof: aof::AofState,
    /// What commands propagate.
    pub prop: propagate::PropState,
    /// A load in progress (start-up).
    pub loading: Option<loading::LoadJob>,
}

/// The RDB file's path (`dir` + `dbfilename`).
pub fn rdb_path(srv: &Server) -> PathBuf {
    PathBuf::from(&srv.config.dir).join(&srv.config.dbfilename)
}

fn save_options(srv: &Server, aof_base: bool) -> rdb::save::SaveOptions {
    rdb::save::SaveOptions {
        aof_base,
        key_save_delay_us: srv
            .config
            .get("rdb-key-save-delay")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    }
}

/// Saves the dataset synchronously (`SAVE`, shutdown, `FLUSHALL` with save points,
/// `DEBUG RELOAD`). Resets the change counter on success.
pub fn save_sync(srv: &mut Server) -> Result<(), String> {
    let path = rdb_path(srv);
    let opts = save_options(srv, false);
    match rdb::save::save_to_file(srv, &path, &opts) {
        Ok(()) => {
            tracing::info!("DB saved on disk");
            srv.dirty = 0;
            srv.last_save = unix_ms() / 1000;
            srv.persist.last_bgsave_failed = false;
            srv.persist.rdb_saves += 1;
            Ok(())
        }
        Err(e) => {
            let msg = format!(
                "Failed opening the temp RDB file temp-{}.rdb (in server root dir {}) for saving: {e}",
                std::process::id(),
                srv.config.dir
            );
            tracing::warn!("{msg}");
            Err(msg)
        }
    }
}

/// Starts a background save (Redis's `rdbSaveBackground`).
pub fn bgsave(srv: &mut Server) -> Result<i32, String> {
    if srv.persist.child.is_some() {
        return Err("child process already running".into());
    }
    srv.persist.dirty_before_bgsave = srv.dirty;
    srv.persist.last_bgsave_try = unix_ms() / 1000;
    let path = rdb_path(srv);
    let opts = save_options(srv, false);
    let res = child::start(srv, ChildKind::Rdb, move |s| {
        rdb::save::save_to_file(s, &path, &opts)
            .map_err(|e| format!("Write error saving DB on disk: {e}"))?;
        tracing::info!("DB saved on disk");
        Ok(())
    });
    match res {
        Ok(pid) => {
            tracing::info!("Background saving started by pid {pid}");
            srv.persist.rdb_save_time_start = unix_ms() / 1000;
            Ok(pid)
        }
        Err(e) => {
            srv.persist.last_bgsave_failed = true;
            tracing::warn!("Can't save in background: fork: {e}");
            Err(e)
        }
    }
}

/// The `-MISCONF` error write commands get while the last background save failed
/// (`stop-writes-on-bgsave-error`) or the AOF cannot be written.
pub fn write_error(srv: &Server) -> Option<crate::error::CmdError> {
    if srv.config.stop_writes_on_bgsave_error
        && !srv.config.save_params.is_empty()
        && srv.persist.last_bgsave_failed
    {
        return Some(crate::error::CmdError::MISCONF);
    }
    if srv.persist.aof.status != aof::AofStatus::Off && srv.persist.aof.last_write_failed {
        return Some(crate::error::CmdError::raw(
            "MISCONF Errors writing to the AOF file: the last write failed",
        ));
    }
    None
}

fn rdb_child_done(srv: &mut Server, exit: ChildExit, report: child::ChildReport, secs: f64) {
    match exit {
        ChildExit::Code(0) => {
            tracing::info!("Background saving terminated with success");
            srv.dirty = srv.dirty.saturating_sub(srv.persist.dirty_before_bgsave);
            srv.last_save = unix_ms() / 1000;
            srv.persist.last_bgsave_failed = false;
            srv.persist.rdb_saves += 1;
        }
        ChildExit::Code(_) => {
            tracing::warn!("Background saving error");
            srv.persist.last_bgsave_failed = true;
        }
        ChildExit::Signal(sig) => {
            tracing::warn!("Background saving terminated by signal {sig}");
            // A child killed on purpose (SIGUSR1) is not an error.
            if sig != libc::SIGUSR1 {
                srv.persist.last_bgsave_failed = true;
            }
        }
    }
    srv.persist.rdb_last_cow_size = report.cow_bytes;
    srv.persist.last_bgsave_time_sec = Some(secs as i64);
}

/// After `FLUSHALL` emptied the dataset: a running RDB child is killed (its snapshot is
/// stale) and, with save points configured, the empty dataset is saved at once
/// (Redis's `flushAllDataAndResetRDB`). The command is always propagated.
pub fn flushall_done(srv: &mut Server) {
    if srv.persist.child.as_ref().map(|c| c.kind) == Some(ChildKind::Rdb) {
        child::kill(srv);
    }
    if !srv.config.save_params.is_empty() {
        let _ = save_sync(srv);
    }
    propagate::force(srv);
}

/// Handles a child that ended.
pub fn child_done(srv: &mut Server, reaped: child::Reaped) {
    let (kind, exit, report, secs) = reaped;
    match kind {
        ChildKind::Rdb => rdb_child_done(srv, exit, report, secs),
        ChildKind::AofRewrite => aof::rewrite_done(srv, exit, report, secs),
    }
}

/// The persistence part of the server cron: reap children, run scheduled work, the save
/// points and automatic AOF rewrites, the AOF's `everysec` fsync.
pub fn cron(srv: &mut Server) {
    if srv.persist.child.is_some() {
        if let Some(r) = child::poll_child(srv) {
            child_done(srv, r);
        }
    }
    let now = unix_ms() / 1000;
    if srv.persist.child.is_none() && srv.persist.loading.is_none() {
        let retry_ok = now - srv.persist.last_bgsave_try > BGSAVE_RETRY_DELAY
            || !srv.persist.last_bgsave_failed;
        if srv.persist.bgsave_scheduled && retry_ok {
            srv.persist.bgsave_scheduled = false;
            let _ = bgsave(srv);
        } else if srv.persist.aof.rewrite_scheduled {
            let _ = aof::rewrite_background(srv);
        } else if retry_ok {
            let due = srv
                .config
                .save_params
                .iter()
                .find(|(secs, changes)| srv.dirty >= *changes && now - srv.last_save > *secs as i64)
                .copied();
            if let Some((secs, changes)) = due {
                tracing::info!("{changes} changes in {secs} seconds. Saving...");
                let _ = bgsave(srv);
            }
        }
        if srv.persist.child.is_none() {
            aof::maybe_auto_rewrite(srv);
        }
    }
    aof::cron(srv);
}

/// Waits for or kills the background child before exiting, then saves and flushes
/// the AOF as asked. Returns false if the shutdown must be aborted.
pub fn on_shutdown(srv: &mut Server, save: bool, force: bool) -> bool {
    if let Some(c) = srv.persist.child.as_ref() {
        match c.kind {
            ChildKind::Rdb => tracing::warn!("There is a child saving an .rdb. Killing it!"),
            ChildKind::AofRewrite => {
                tracing::warn!("There is a child rewriting the AOF. Killing it!")
            }
        }
        child::kill(srv);
    }
    aof::on_shutdown(srv);
    if save {
        tracing::info!("Saving the final RDB snapshot before exiting.");
        if let Err(e) = save_sync(srv) {
            tracing::warn!("Error trying to save the DB, can't exit.");
            if !force {
                tracing::warn!("Errors trying to shut down the server. Check the logs for more information. ({e})");
                return false;
            }
        }
    }
    true
}
