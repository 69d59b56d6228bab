//! Background children: a forked copy of the server writes a snapshot while the parent
//! keeps serving. The child measures its copy-on-write cost (`Private_Dirty` of
//! `/proc/self/smaps_rollup`) and reports it on a socket pair before it exits; the
//! cron reaps it ([`poll_child`]).

use crate::modules::fork::{self, ChildExit, Forked};
use crate::server::Server;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// What a child is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildKind {
    /// `BGSAVE` and save points.
    Rdb,
    /// `BGREWRITEAOF`.
    AofRewrite,
}

/// A running child.
#[derive(Debug)]
pub struct Child {
    /// Its pid.
    pub pid: i32,
    /// What it does.
    pub kind: ChildKind,
    /// When it started.
    pub started: Instant,
    /// The parent's end of the report socket.
    report: UnixStream,
}

/// The figures a child reports before it exits.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChildReport {
    /// Copy-on-write bytes (the child's private dirty memory).
    pub cow_bytes: u64,
}

/// The child's private dirty memory in bytes: the pages copy-on-write gave it.
pub fn private_dirty() -> u64 {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup")
        .or_else(|_| std::fs::read_to_string("/proc/self/smaps"))
        .unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("Private_Dirty:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

/// Forks a child that runs `job` on the server's memory as it was at the fork, then
/// exits (0 on success). Keyspace tables stop resizing while it lives.
pub fn start(
    srv: &mut Server,
    kind: ChildKind,
    job: impl FnOnce(&Server) -> Result<(), String>,
) -> Result<i32, String> {
    let (parent_end, mut child_end) =
        UnixStream::pair().map_err(|e| format!("Can't create the report pipe: {e}"))?;
    let t0 = Instant::now();
    match fork::fork() {
        Err(e) => Err(e.to_string()),
        Ok(Forked::Child) => {
            fork::child_signals();
            drop(parent_end);
            let code = match job(srv) {
                Ok(()) => 0,
                Err(e) => {
                    tracing::warn!("{e}");
                    1
                }
            };
            let cow = private_dirty();
            if code == 0 && cow > 0 {
                let mb = cow / (1024 * 1024);
                let what = match kind {
                    ChildKind::Rdb => "RDB",
                    ChildKind::AofRewrite => "AOF rewrite",
                };
                tracing::info!(
                    "Fork CoW for {what}: current {mb} MB, peak {mb} MB, average {mb} MB"
                );
            }
            let _ = child_end.write_all(&cow.to_le_bytes());
            drop(child_end);
            fork::exit_child(code)
        }
        Ok(Forked::Parent(pid)) => {
            drop(child_end);
            let _ = parent_end.set_nonblocking(true);
            srv.persist.total_forks += 1;
            srv.persist.latest_fork_usec = t0.elapsed().as_micros() as u64;
            srv.persist.child = Some(Child {
                pid,
                kind,
                started: Instant::now(),
                report: parent_end,
            });
            set_resize_avoid(srv, true);
            Ok(pid)
        }
    }
}

/// Stops dict resizing while a child shares the parent's pages (and resumes it after).
pub fn set_resize_avoid(srv: &mut Server, on: bool) {
    for db in &mut srv.dbs {
        db.keys.resize_avoid = on;
        db.expires.resize_avoid = on;
    }
}

/// What [`poll_child`] and [`wait_child`] return: the child's kind, how it ended, what
/// it reported and how long it ran in seconds.
pub type Reaped = (ChildKind, ChildExit, ChildReport, f64);

fn reap(srv: &mut Server, exit: ChildExit) -> Option<Reaped> {
    let mut c = srv.persist.child.take()?;
    let mut buf = [0u8; 8];
    let _ = c.report.set_nonblocking(false);
    let report = match c.report.read_exact(&mut buf) {
        Ok(()) => ChildReport {
            cow_bytes: u64::from_le_bytes(buf),
        },
        Err(_) => ChildReport::default(),
    };
    set_resize_avoid(srv, false);
    Some((c.kind, exit, report, c.started.elapsed().as_secs_f64()))
}

/// Reaps the child if it ended.
pub fn poll_child(srv: &mut Server) -> Option<Reaped> {
    let c = srv.persist.child.as_ref()?;
    let exit = match fork::try_wait(c.pid) {
        Ok(Some(e)) => e,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!("waitpid() returned an error: {e}. child_type: {:?}", c.kind);
            ChildExit::Code(1)
        }
    };
    reap(srv, exit)
}

/// Waits for the child to end (shutdown, `SAVE` over a running child).
pub fn wait_child(srv: &mut Server) -> Option<Reaped> {
    let pid = srv.persist.child.as_ref()?.pid;
    let exit = fork::wait(pid).unwrap_or(ChildExit::Code(1));
    reap(srv, exit)
}

/// Kills the child (`SIGUSR1`) and reaps it; its temporary file is removed.
pub fn kill(srv: &mut Server) {
    let Some(c) = srv.persist.child.take() else {
        return;
    };
    let _ = fork::kill_child(c.pid);
    let _ = fork::wait(c.pid);
    set_resize_avoid(srv, false);
    let tmp = match c.kind {
        ChildKind::Rdb => format!("temp-{}.rdb", c.pid),
        ChildKind::AofRewrite => format!("temp-rewriteaof-bg-{}.aof", c.pid),
    };
    let _ = std::fs::remove_file(std::path::Path::new(&srv.config.dir).join(tmp));
}
