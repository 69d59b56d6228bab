//! Loading at start-up: the AOF when `appendonly yes`, else the RDB. A load runs in
//! slices from the event loop, which keeps answering clients (`-LOADING`, `INFO` with
//! `loading:1`) until it is done; `DEBUG RELOAD` and `DEBUG LOADAOF` load at once.

use super::aof::{self, load::AofLoad, load::Part, manifest::FileType};
use super::rdb::load::{LoadOptions, RdbLoad};
use crate::server::{unix_ms, Server};
use std::time::{Duration, Instant};

/// A load in progress.
pub enum LoadJob {
    /// An RDB file.
    Rdb {
        /// The loader.
        load: Box<RdbLoad>,
        /// When it started.
        started: Instant,
    },
    /// The AOF's files.
    Aof {
        /// The loader.
        load: Box<AofLoad>,
        /// When it started.
        started: Instant,
    },
}

/// Progress figures for `INFO persistence` while loading.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// When loading started (Unix seconds).
    pub start_time: i64,
    /// Total bytes.
    pub total: u64,
    /// Bytes loaded.
    pub loaded: u64,
}

/// What `INFO` shows while loading.
pub fn progress(srv: &Server) -> Option<Progress> {
    let job = srv.persist.loading.as_ref()?;
    let (total, loaded, started) = match job {
        LoadJob::Rdb { load, started } => (load.total() as u64, load.pos as u64, started),
        LoadJob::Aof { load, started } => (load.total_bytes, load.loaded_bytes, started),
    };
    Some(Progress {
        start_time: unix_ms() / 1000 - started.elapsed().as_secs() as i64,
        total,
        loaded,
    })
}

/// The AOF files the manifest names, base first.
fn aof_parts(srv: &Server) -> Result<Option<Vec<Part>>, String> {
    let Some(m) = aof::read_manifest(srv)? else {
        return Ok(None);
    };
    let d = aof::dir(srv);
    let mut parts = Vec::new();
    let files: Vec<_> = m.base.iter().chain(m.incrs.iter()).collect();
    let n = files.len();
    for (i, f) in files.into_iter().enumerate() {
        let path = d.join(&f.name);
        if !path.exists() {
            return Err(format!(
                "Fatal error: can't open the append log file {} for reading: No such file or directory",
                f.name
            ));
        }
        parts.push(Part {
            path,
            name: f.name.clone(),
            kind: if f.kind == FileType::Base {
                "base"
            } else {
                "incr"
            },
            last: i + 1 == n,
        });
    }
    Ok(Some(parts))
}

/// An AOF of Redis before 7.0 (one `appendonly.aof` in `dir`, no manifest) becomes
/// the base of a multi-part AOF (Redis's `aofUpgradePrepare`).
fn upgrade_old_aof(srv: &mut Server) -> Result<(), String> {
    let name = srv
        .config
        .get("appendfilename")
        .unwrap_or_else(|| "appendonly.aof".into());
    let old = std::path::PathBuf::from(&srv.config.dir).join(&name);
    if !old.is_file() {
        return Ok(());
    }
    let d = aof::dir(srv);
    // Redis upgrades when the AOF directory or its manifest is missing, or when an
    // upgrade was interrupted: the manifest names only the old file as base and the
    // file is not in the directory yet.
    let upgrade = match aof::read_manifest(srv)? {
        None => true,
        Some(m) => {
            (m.base.is_none() && m.incrs.is_empty())
                || (m.incrs.is_empty()
                    && m.base.as_ref().is_some_and(|b| b.name == name)
                    && !d.join(&name).exists())
        }
    };
    if !upgrade {
        return Ok(());
    }
    std::fs::create_dir_all(&d)
        .map_err(|e| format!("Can't open or create append-only dir {}: {e}", d.display()))?;
    let m = aof::manifest::Manifest {
        base: Some(aof::manifest::AofFile {
            name: name.clone(),
            seq: 1,
            kind: aof::manifest::FileType::Base,
        }),
        curr_base_seq: 1,
        ..Default::default()
    };
    aof::persist_manifest(srv, &m).map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    std::fs::rename(&old, d.join(&name))
        .map_err(|e| format!("Error trying to rename the existing AOF to old tempfile: {e}"))?;
    tracing::info!(
        "Successfully migrated an old-style AOF file ({name}) into the AOF directory ({}).",
        d.display()
    );
    Ok(())
}

/// Starts loading at start-up. Returns an error for a fatal problem (the server exits).
pub fn start(srv: &mut Server) -> Result<(), String> {
    if srv.config.appendonly {
        srv.persist.aof.status = aof::AofStatus::On;
        upgrade_old_aof(srv)?;
        match aof_parts(srv)? {
            Some(parts) => {
                if let Ok(Some(m)) = aof::read_manifest(srv) {
                    srv.persist.aof.manifest = m;
                }
                srv.loading = true;
                srv.persist.loading = Some(LoadJob::Aof {
                    load: Box::new(AofLoad::new(parts)),
                    started: Instant::now(),
                });
            }
            None => return aof::open_on_start(srv),
        }
        return Ok(());
    }
    let path = super::rdb_path(srv);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(format!(
                "Fatal error loading the DB, check server logs. Exiting. ({e})"
            ))
        }
    };
    let load = RdbLoad::new(srv, data, LoadOptions::default())
        .map_err(|e| format!("{e}\nFatal error loading the DB, check server logs. Exiting."))?;
    srv.loading = true;
    srv.persist.loading = Some(LoadJob::Rdb {
        load: Box::new(load),
        started: Instant::now(),
    });
    Ok(())
}

/// Loads for about `budget`. Returns false once loading is over (done or not started).
/// A failed load is fatal, as in Redis.
pub fn step(srv: &mut Server, budget: Duration) -> bool {
    let Some(mut job) = srv.persist.loading.take() else {
        return false;
    };
    let t0 = Instant::now();
    let res: Result<bool, String> = match &mut job {
        LoadJob::Rdb { load, .. } => {
            let mut r = Ok(false);
            while t0.elapsed() < budget {
                r = load.step(srv, 256).map_err(|e| e.msg);
                if !matches!(r, Ok(false)) {
                    break;
                }
            }
            r
        }
        LoadJob::Aof { load, .. } => load.step(srv, budget).map_err(|e| e.0),
    };
    match res {
        Ok(false) => {
            srv.persist.loading = Some(job);
            true
        }
        Ok(true) => {
            finish(srv, job);
            false
        }
        Err(e) => {
            tracing::warn!("{e}");
            match job {
                LoadJob::Rdb { .. } => {
                    tracing::warn!("Fatal error loading the DB, check server logs. Exiting.")
                }
                LoadJob::Aof { .. } => {}
            }
            std::process::exit(1);
        }
    }
}

fn finish(srv: &mut Server, job: LoadJob) {
    srv.loading = false;
    match job {
        LoadJob::Rdb { load, started } => {
            let s = load.stats;
            srv.persist.load_stats = s;
            if s.empty_skipped > 0 {
                tracing::info!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
                    s.loaded,
                    s.expired,
                    s.empty_skipped
                );
            } else {
                tracing::info!(
                    "Done loading RDB, keys loaded: {}, keys expired: {}.",
                    s.loaded,
                    s.expired
                );
            }
            tracing::info!(
                "DB loaded from disk: {:.3} seconds",
                started.elapsed().as_secs_f64()
            );
        }
        LoadJob::Aof { load, started } => {
            if load.nonempty > 0 {
                tracing::info!(
                    "DB loaded from append only file: {:.3} seconds",
                    started.elapsed().as_secs_f64()
                );
            }
            if let Err(e) = aof::open_on_start(srv) {
                tracing::warn!("{e}");
                std::process::exit(1);
            }
        }
    }
    srv.dirty = 0;
}

/// Loads the RDB at once, for `DEBUG RELOAD`: the dataset (and the function libraries)
/// emptied first when `flush`; keys already present replaced when `merge`.
pub fn load_rdb_now(srv: &mut Server, flush: bool, merge: bool) -> Result<(), String> {
    let data = std::fs::read(super::rdb_path(srv)).map_err(|e| e.to_string())?;
    if flush {
        for db in 0..srv.dbs.len() {
            crate::commands::server::empty_db(srv, db);
        }
        (srv.persist.function_hooks.flush)(srv);
    }
    let mut load = RdbLoad::new(
        srv,
        data,
        LoadOptions {
            allow_dup: merge,
            keep_expired: false,
        },
    )
    .map_err(|e| e.msg)?;
    srv.loading = true;
    let res = loop {
        match load.step(srv, usize::MAX) {
            Ok(true) => break Ok(()),
            Ok(false) => continue,
            Err(e) => break Err(e.msg),
        }
    };
    srv.loading = false;
    srv.persist.load_stats = load.stats;
    res
}

/// Loads the AOF at once, for `DEBUG LOADAOF` (after flushing it).
pub fn load_aof_now(srv: &mut Server) -> Result<(), String> {
    let parts = aof_parts(srv)?.ok_or("no AOF manifest")?;
    for db in 0..srv.dbs.len() {
        crate::commands::server::empty_db(srv, db);
    }
    (srv.persist.function_hooks.flush)(srv);
    let mut load = AofLoad::new(parts);
    srv.loading = true;
    let res = loop {
        match load.step(srv, Duration::from_secs(3600)) {
            Ok(true) => break Ok(()),
            Ok(false) => continue,
            Err(e) => break Err(e.0),
        }
    };
    srv.loading = false;
    res
}
