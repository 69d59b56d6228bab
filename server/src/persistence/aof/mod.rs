//! The append-only file, Redis 7's multi-part layout: in `dir/appenddirname`, a base
//! file (an RDB, or commands without `aof-use-rdb-preamble`), incremental files of
//! commands, and the manifest naming them.
//!
//! Commands reach it through [`feed`] (from `propagate`), collect in a buffer, and are
//! written before the loop sleeps (before any reply goes out), with `fsync` after every
//! write (`always`), once a second on a helper thread (`everysec`) or never (`no`).
//! `BGREWRITEAOF` opens a new incremental file for the commands that follow and forks
//! a child that writes the new base; when it succeeds, the older files become history
//! and are deleted.

pub mod load;
pub mod manifest;
pub mod rewrite;

use super::child::{self, ChildKind, ChildReport};
use crate::modules::fork::ChildExit;
use crate::server::{unix_ms, Server};
use manifest::Manifest;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Whether commands are being logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AofStatus {
    /// `appendonly no`.
    #[default]
    Off,
    /// Logging.
    On,
    /// Turned on at runtime: the first rewrite is running.
    WaitRewrite,
}

/// The AOF's state.
#[derive(Default)]
pub struct AofState {
    /// On, off, or waiting for the first rewrite.
    pub status: AofStatus,
    /// Commands not yet written.
    pub buf: Vec<u8>,
    /// The database the file's last `SELECT` chose.
    pub selected_db: Option<usize>,
    /// The incremental file being appended to.
    pub file: Option<File>,
    /// The manifest in force.
    pub manifest: Manifest,
    /// When the last fsync started.
    pub last_fsync: Option<Instant>,
    /// A background fsync is running.
    pub fsync_in_progress: Arc<AtomicBool>,
    /// Bytes written but not fsynced.
    pub unsynced: u64,
    /// Size of every file in the manifest (`aof_current_size`).
    pub current_size: u64,
    /// Size after the last rewrite (`aof_base_size`).
    pub base_size: u64,
    /// A rewrite waits for the running child.
    pub rewrite_scheduled: bool,
    /// Rewrites done.
    pub rewrites: u64,
    /// The last rewrite failed.
    pub last_rewrite_failed: bool,
    /// Rewrites failed in a row.
    pub consecutive_failures: u64,
    /// Duration of the last rewrite in seconds.
    pub last_rewrite_time_sec: Option<i64>,
    /// When the running rewrite started (Unix seconds).
    pub rewrite_time_start: i64,
    /// The last write to the file failed.
    pub last_write_failed: bool,
    /// Copy-on-write bytes of the last rewrite child.
    pub last_cow_size: u64,
    /// Delayed fsyncs (`aof_delayed_fsync`).
    pub delayed_fsync: u64,
    /// `DEBUG AOF-FLUSH-SLEEP`: microseconds to sleep before each write (for tests).
    pub flush_sleep_us: u64,
    /// The second of the last `#TS:` annotation (`aof-timestamp-enabled`).
    pub last_timestamp: i64,
}

/// The AOF directory (`dir/appenddirname`).
pub fn dir(srv: &Server) -> PathBuf {
    PathBuf::from(&srv.config.dir).join(srv.config.get("appenddirname").unwrap_or_default())
}

fn prefix(srv: &Server) -> String {
    srv.config
        .get("appendfilename")
        .unwrap_or_else(|| "appendonly.aof".into())
}

/// The manifest's path.
pub fn manifest_path(srv: &Server) -> PathBuf {
    dir(srv).join(format!("{}.manifest", prefix(srv)))
}

fn use_preamble(srv: &Server) -> bool {
    srv.config.get("aof-use-rdb-preamble").as_deref() != Some("no")
}

/// Writes the manifest atomically (temporary file, fsync, rename).
pub fn persist_manifest(srv: &Server, m: &Manifest) -> std::io::Result<()> {
    let d = dir(srv);
    let tmp = d.join(format!("temp-{}.manifest", prefix(srv)));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(m.to_text().as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, manifest_path(srv))?;
    if let Ok(df) = File::open(&d) {
        let _ = df.sync_all();
    }
    Ok(())
}

/// Reads the manifest from disk, if there is one.
pub fn read_manifest(srv: &Server) -> Result<Option<Manifest>, String> {
    match std::fs::read(manifest_path(srv)) {
        Ok(b) => Manifest::parse(&b).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("Fail to open AOF manifest file: {e}")),
    }
}

/// Adds a propagated command to the AOF buffer (Redis's `feedAppendOnlyFile`).
pub fn feed(srv: &mut Server, db: Option<usize>, argv: &[bytes::Bytes]) {
    let a = &mut srv.persist.aof;
    let active = a.status == AofStatus::On
        || (a.status == AofStatus::WaitRewrite
            && srv
                .persist
                .child
                .as_ref()
                .is_some_and(|c| c.kind == ChildKind::AofRewrite));
    if !active {
        return;
    }
    let stamp = srv.config.get("aof-timestamp-enabled").as_deref() == Some("yes");
    let a = &mut srv.persist.aof;
    if stamp {
        let now = unix_ms() / 1000;
        if now > a.last_timestamp {
            a.buf.extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
            a.last_timestamp = now;
        }
    }
    if let Some(db) = db {
        if a.selected_db != Some(db) {
            rewrite::encode_command(&mut a.buf, &[&b"SELECT"[..], db.to_string().as_bytes()]);
            a.selected_db = Some(db);
        }
    }
    rewrite::encode_command(&mut a.buf, argv);
}

/// Writes the buffer to the file and fsyncs as `appendfsync` says (Redis's
/// `flushAppendOnlyFile`). Runs before replies are written.
pub fn flush(srv: &mut Server, force_fsync: bool) {
    let policy = srv.config.get("appendfsync").unwrap_or_default();
    let a = &mut srv.persist.aof;
    if !a.buf.is_empty() {
        let Some(f) = a.file.as_mut() else {
            return;
        };
        if a.flush_sleep_us > 0 {
            std::thread::sleep(std::time::Duration::from_micros(a.flush_sleep_us));
        }
        match f.write_all(&a.buf) {
            Ok(()) => {
                if a.last_write_failed {
                    tracing::warn!("AOF write error looks solved, Redis can write again.");
                }
                a.last_write_failed = false;
                a.current_size += a.buf.len() as u64;
                a.unsynced += a.buf.len() as u64;
                a.buf.clear();
            }
            Err(e) => {
                if !a.last_write_failed {
                    tracing::warn!("Error writing to the AOF file: {e}");
                }
                a.last_write_failed = true;
                return;
            }
        }
    }
    if a.unsynced == 0 {
        return;
    }
    let due = a
        .last_fsync
        .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
    if policy == "always" || force_fsync {
        if let Some(f) = a.file.as_ref() {
            if let Err(e) = f.sync_data() {
                tracing::warn!("Can't persist AOF for fsync error when the AOF fsync policy is 'always': {e}. Exiting...");
                std::process::exit(1);
            }
        }
        a.unsynced = 0;
        a.last_fsync = Some(Instant::now());
    } else if policy == "everysec" && due {
        if a.fsync_in_progress.load(Ordering::Acquire) {
            a.delayed_fsync += 1;
            return;
        }
        if let Some(f) = a.file.as_ref().and_then(|f| f.try_clone().ok()) {
            let flag = a.fsync_in_progress.clone();
            flag.store(true, Ordering::Release);
            std::thread::spawn(move || {
                let _ = f.sync_data();
                flag.store(false, Ordering::Release);
            });
        }
        a.unsynced = 0;
        a.last_fsync = Some(Instant::now());
    }
}

fn open_incr(srv: &Server, name: &str) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir(srv).join(name))
}

fn file_size(srv: &Server, name: &str) -> u64 {
    std::fs::metadata(dir(srv).join(name))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// Writes the dataset as an AOF base to `path` (an RDB with `aof-base`, or commands).
pub fn write_base(srv: &Server, path: &std::path::Path) -> std::io::Result<()> {
    if use_preamble(srv) {
        let mut opts = super::save_options(srv, true);
        opts.aof_base = true;
        super::rdb::save::save_to_file(srv, path, &opts)
    } else {
        let tmp = path.with_extension("tmp");
        {
            let f = File::create(&tmp)?;
            let mut w = std::io::BufWriter::with_capacity(256 * 1024, f);
            rewrite::write_dataset(&mut w, srv)?;
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }
}

/// Deletes the history files and drops them from the manifest.
pub fn delete_history(srv: &mut Server) {
    if srv.persist.aof.manifest.history.is_empty() {
        return;
    }
    let d = dir(srv);
    for f in std::mem::take(&mut srv.persist.aof.manifest.history) {
        tracing::info!("Removing the history file {} in the background", f.name);
        let _ = std::fs::remove_file(d.join(&f.name));
    }
    let m = srv.persist.aof.manifest.clone();
    if let Err(e) = persist_manifest(srv, &m) {
        tracing::warn!("Can't persist the AOF manifest: {e}");
    }
}

/// After loading at start-up with `appendonly yes`: creates the directory, a base file
/// when there is none, opens the last incremental file (Redis's
/// `aofOpenIfNeededOnServerStart`).
pub fn open_on_start(srv: &mut Server) -> Result<(), String> {
    if srv.persist.aof.status != AofStatus::On {
        return Ok(());
    }
    let d = dir(srv);
    std::fs::create_dir_all(&d)
        .map_err(|e| format!("Can't open or create append-only dir {}: {e}", d.display()))?;
    let p = prefix(srv);
    let mut m = srv.persist.aof.manifest.clone();
    if m.base.is_none() && m.incrs.is_empty() {
        let name = m.new_base(&p, use_preamble(srv));
        write_base(srv, &d.join(&name))
            .map_err(|e| format!("Can't create the AOF base file {name}: {e}"))?;
        tracing::info!("Creating AOF base file {name} on server start");
    }
    let had_incr = !m.incrs.is_empty();
    let name = match m.last_incr() {
        Some(f) => f.name.clone(),
        None => m.new_incr(&p),
    };
    let f = open_incr(srv, &name)
        .map_err(|e| format!("Can't open the append-only file {name}: {e}"))?;
    persist_manifest(srv, &m).map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    if had_incr {
        tracing::info!("Opening AOF incr file {name} on server start");
    } else {
        tracing::info!("Creating AOF incr file {name} on server start");
    }
    let base = m
        .base
        .as_ref()
        .map(|b| file_size(srv, &b.name))
        .unwrap_or(0);
    let incrs: u64 = m.incrs.iter().map(|f| file_size(srv, &f.name)).sum();
    let a = &mut srv.persist.aof;
    a.manifest = m;
    a.file = Some(f);
    a.selected_db = None;
    a.current_size = base + incrs;
    a.base_size = base + incrs;
    delete_history(srv);
    Ok(())
}

/// Starts a background rewrite (`BGREWRITEAOF`, automatic rewrites, `appendonly yes`
/// at runtime): new commands go to a fresh incremental file while a child writes the
/// new base.
pub fn rewrite_background(srv: &mut Server) -> Result<i32, String> {
    if srv.persist.child.is_some() {
        return Err("child process already running".into());
    }
    srv.persist.aof.rewrite_scheduled = false;
    let d = dir(srv);
    std::fs::create_dir_all(&d).map_err(|e| {
        let m = format!("Can't open or create append-only dir {}: {e}", d.display());
        tracing::warn!("{m}");
        m
    })?;
    if srv.persist.aof.status != AofStatus::Off {
        flush(srv, true);
        // New commands go to a new incremental file from now on.
        let p = prefix(srv);
        let mut m = srv.persist.aof.manifest.clone();
        let name = m.new_incr(&p);
        let f = open_incr(srv, &name).map_err(|e| {
            let m = format!("Can't open the append-only file {name}: {e}");
            tracing::warn!("{m}");
            m
        })?;
        if let Err(e) = persist_manifest(srv, &m) {
            let _ = std::fs::remove_file(d.join(&name));
            return Err(format!("Can't persist the AOF manifest: {e}"));
        }
        let a = &mut srv.persist.aof;
        a.manifest = m;
        a.file = Some(f);
        a.selected_db = None;
        a.unsynced = 0;
    }
    let dirpath = PathBuf::from(&srv.config.dir);
    let res = child::start(srv, ChildKind::AofRewrite, move |s| {
        let tmp = dirpath.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
        write_base(s, &tmp).map_err(|e| format!("Error writing the AOF rewrite: {e}"))?;
        tracing::info!(
            "Successfully created the temporary AOF base file {}",
            tmp.display()
        );
        Ok(())
    });
    match res {
        Ok(pid) => {
            tracing::info!("Background append only file rewriting started by pid {pid}");
            srv.persist.aof.rewrite_time_start = unix_ms() / 1000;
            Ok(pid)
        }
        Err(e) => {
            tracing::warn!("Can't rewrite append only file in background: fork: {e}");
            srv.persist.aof.last_rewrite_failed = true;
            Err(e)
        }
    }
}

/// Handles the end of a rewrite child (Redis's `backgroundRewriteDoneHandler`).
pub fn rewrite_done(srv: &mut Server, exit: ChildExit, report: ChildReport, secs: f64) {
    srv.persist.aof.last_cow_size = report.cow_bytes;
    srv.persist.aof.last_rewrite_time_sec = Some(secs as i64);
    let ok = match exit {
        ChildExit::Code(0) => true,
        ChildExit::Code(_) => {
            tracing::warn!("Background AOF rewrite terminated with error");
            false
        }
        ChildExit::Signal(sig) => {
            if sig != libc::SIGUSR1 {
                tracing::warn!("Background AOF rewrite terminated by signal {sig}");
            } else {
                tracing::warn!("Background AOF rewrite terminated by signal {sig}");
            }
            false
        }
    };
    // The child's pid is in the temporary file's name.
    let tmp = std::fs::read_dir(&srv.config.dir).ok().and_then(|rd| {
        rd.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("temp-rewriteaof-bg-"))
        })
    });
    if !ok {
        if let Some(t) = tmp {
            let _ = std::fs::remove_file(t);
        }
        srv.persist.aof.last_rewrite_failed = true;
        srv.persist.aof.consecutive_failures += 1;
        return;
    }
    let Some(tmp) = tmp else {
        tracing::warn!("Background AOF rewrite finished but the temporary file is missing");
        srv.persist.aof.last_rewrite_failed = true;
        srv.persist.aof.consecutive_failures += 1;
        return;
    };
    let p = prefix(srv);
    let mut m = srv.persist.aof.manifest.clone();
    let name = m.new_base(&p, use_preamble(srv));
    let d = dir(srv);
    if let Err(e) = std::fs::rename(&tmp, d.join(&name)) {
        tracing::warn!(
            "Error trying to rename the temporary AOF base file {} into {name}: {e}",
            tmp.display()
        );
        let _ = std::fs::remove_file(&tmp);
        srv.persist.aof.last_rewrite_failed = true;
        srv.persist.aof.consecutive_failures += 1;
        return;
    }
    tracing::info!(
        "Successfully renamed the temporary AOF base file {} into {name}",
        tmp.file_name().and_then(|n| n.to_str()).unwrap_or("")
    );
    if srv.persist.aof.status == AofStatus::Off {
        // No file is being appended to: every incremental file is history now.
        for mut f in m.incrs.drain(..) {
            f.kind = manifest::FileType::History;
            m.history.push(f);
        }
    } else {
        m.mark_rewritten();
    }
    if let Err(e) = persist_manifest(srv, &m) {
        tracing::warn!("Can't persist the AOF manifest: {e}");
        let _ = std::fs::remove_file(d.join(&name));
        srv.persist.aof.last_rewrite_failed = true;
        return;
    }
    let base = file_size(srv, &name);
    let incr = m.last_incr().map(|f| file_size(srv, &f.name)).unwrap_or(0);
    let a = &mut srv.persist.aof;
    a.manifest = m;
    a.current_size = base + incr;
    a.base_size = base + incr;
    a.rewrites += 1;
    a.last_rewrite_failed = false;
    a.consecutive_failures = 0;
    if a.status == AofStatus::WaitRewrite {
        a.status = AofStatus::On;
        tracing::info!("Background AOF rewrite finished successfully");
    } else {
        tracing::info!("Background AOF rewrite terminated with success");
        tracing::info!("Background AOF rewrite finished successfully");
    }
    delete_history(srv);
}

/// `appendonly yes` at runtime: start logging after a first rewrite.
pub fn enable(srv: &mut Server) -> Result<(), String> {
    if srv.persist.aof.status != AofStatus::Off {
        return Ok(());
    }
    srv.persist.aof.status = AofStatus::WaitRewrite;
    if let Ok(Some(m)) = read_manifest(srv) {
        srv.persist.aof.manifest = m;
    }
    if srv.persist.child.is_some() {
        // The rewrite starts when the running child ends.
        srv.persist.aof.rewrite_scheduled = true;
        tracing::info!("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
        return Ok(());
    }
    match rewrite_background(srv) {
        Ok(_) => Ok(()),
        Err(e) => {
            srv.persist.aof.status = AofStatus::Off;
            Err(format!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error: {e}"))
        }
    }
}

/// `appendonly no` at runtime.
pub fn disable(srv: &mut Server) {
    if srv.persist.aof.status == AofStatus::Off {
        return;
    }
    flush(srv, true);
    if srv
        .persist
        .child
        .as_ref()
        .is_some_and(|c| c.kind == ChildKind::AofRewrite)
    {
        tracing::info!("Killing running AOF rewrite child");
        child::kill(srv);
    }
    let a = &mut srv.persist.aof;
    a.file = None;
    a.status = AofStatus::Off;
    a.rewrite_scheduled = false;
    a.selected_db = None;
    a.buf.clear();
}

/// The AOF part of the cron: the `everysec` fsync when nothing else wrote.
pub fn cron(srv: &mut Server) {
    if srv.persist.aof.status != AofStatus::Off {
        flush(srv, false);
    }
}

/// Starts a rewrite when the AOF grew by `auto-aof-rewrite-percentage` over its size
/// after the last rewrite and is above `auto-aof-rewrite-min-size`.
pub fn maybe_auto_rewrite(srv: &mut Server) {
    let a = &srv.persist.aof;
    if a.status != AofStatus::On {
        return;
    }
    let perc: u64 = srv
        .config
        .get("auto-aof-rewrite-percentage")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let min: u64 = srv
        .config
        .get("auto-aof-rewrite-min-size")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if perc == 0 || a.current_size <= min {
        return;
    }
    let base = a.base_size.max(1);
    let growth = (a.current_size * 100 / base) as i64 - 100;
    if growth >= perc as i64 {
        tracing::info!("Starting automatic rewriting of AOF on {growth}% growth");
        let _ = rewrite_background(srv);
    }
}

/// Before exiting: write and fsync what is buffered.
pub fn on_shutdown(srv: &mut Server) {
    if srv.persist.aof.status != AofStatus::Off {
        tracing::info!("Calling fsync() on the AOF file.");
        flush(srv, true);
    }
}
