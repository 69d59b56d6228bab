//! Fork: `Fork`, `SendChildHeartbeat`, `ExitFromChild`, `KillForkChild` (module.c's
//! "Module fork API").
//!
//! `Fork` forks the whole server process; the child runs on from the module's call
//! (only the calling thread exists there) and ends with `ExitFromChild`. One child at a
//! time, as Redis allows one child of any kind. The loop reaps the child and calls the
//! module's done handler with its exit code and signal, and fires the fork-child server
//! events. A child killed with `KillForkChild` gets `SIGUSR1`, which it reports in the
//! log before exiting, as Redis's children do.

use super::{ERR, OK};
use crate::modules::host;
use crate::modules::registry::Reg;
use crate::server::Server;
use parking_lot::Mutex;
use std::os::raw::{c_int, c_void};

/// `void (*RedisModuleForkDoneHandler)(int exitcode, int bysignal, void *user_data)`.
pub type ForkDoneHandler = unsafe extern "C" fn(c_int, c_int, *mut c_void);

/// Redis's `SERVER_CHILD_NOERROR_RETVAL`: a child that exits after `SIGUSR1`.
const CHILD_NOERROR_RETVAL: c_int = 255;

struct Child {
    pid: libc::pid_t,
    done: Option<ForkDoneHandler>,
    user_data: usize,
}

static CHILD: Mutex<Option<Child>> = Mutex::new(None);

/// The log line a child writes when killed, ready before the signal can arrive.
static mut KILLED_LINE: [u8; 160] = [0; 160];
static mut KILLED_LEN: usize = 0;
static mut KILLED_FD: c_int = 1;

/// True while a module's fork child runs (Redis's `hasActiveChildProcess` for modules).
pub fn child_active() -> bool {
    CHILD.lock().is_some()
}

extern "C" fn on_sigusr1(_sig: c_int) {
    // SAFETY: only async-signal-safe calls on data written before the handler was
    // installed.
    unsafe {
        let len = KILLED_LEN;
        let p = std::ptr::addr_of!(KILLED_LINE) as *const u8;
        let _ = libc::write(KILLED_FD, p as *const c_void, len);
        libc::_exit(CHILD_NOERROR_RETVAL);
    }
}

/// Prepares the child: its log role, and its `SIGUSR1` handler.
fn setup_child(srv: Option<&Server>) {
    crate::log::set_role(b'C');
    let logfile = srv.map(|s| s.config.logfile.clone()).unwrap_or_default();
    let fd = if logfile.is_empty() {
        1
    } else {
        let Ok(path) = std::ffi::CString::new(logfile) else {
            return;
        };
        // SAFETY: a valid C path; the descriptor is the child's own.
        unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT,
                0o644,
            )
        }
    };
    let line = format!(
        "{}:C {} # Received SIGUSR1 in child, exiting now.\n",
        std::process::id(),
        chrono::Local::now().format("%d %b %Y %H:%M:%S%.3f")
    );
    let b = line.as_bytes();
    // SAFETY: the child is single-threaded here and the handler is not installed yet.
    unsafe {
        let n = b.len().min(160);
        let dst = std::ptr::addr_of_mut!(KILLED_LINE) as *mut u8;
        std::ptr::copy_nonoverlapping(b.as_ptr(), dst, n);
        KILLED_LEN = n;
        KILLED_FD = fd;
        libc::signal(libc::SIGUSR1, on_sigusr1 as *const () as usize);
    }
}

unsafe extern "C" fn fork(cb: Option<ForkDoneHandler>, user_data: *mut c_void) -> c_int {
    let srv_ptr = if crate::exec_lock::held_by_current_thread() {
        host::server_ptr()
    } else {
        std::ptr::null_mut()
    };
    if child_active() {
        super::set_errno(libc::EEXIST);
        tracing::warn!("Can't fork for module: File exists");
        return -1;
    }
    // SAFETY: fork(2); the child continues on this thread only and leaves through
    // `ExitFromChild`, as the API requires of modules.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: the server pointer of the loop, whose lock this thread held.
        setup_child(unsafe { srv_ptr.as_ref() });
        return 0;
    }
    if pid < 0 {
        let e = std::io::Error::last_os_error();
        tracing::warn!("Can't fork for module: {e}");
        return -1;
    }
    *CHILD.lock() = Some(Child {
        pid,
        done: cb,
        user_data: user_data as usize,
    });
    tracing::debug!("Module fork started pid: {pid} ");
    // SAFETY: the calling thread holds the execution lock (or the pointer is null).
    if let Some(srv) = unsafe { srv_ptr.as_mut() } {
        super::server_events::fire_fork_child(srv, true);
    }
    pid
}

unsafe extern "C" fn send_child_heartbeat(_progress: f64) {
    // Coil reports no child progress (no `INFO` fork figures yet).
}

unsafe extern "C" fn exit_from_child(retcode: c_int) -> c_int {
    // SAFETY: ends the child process at once, as Redis's `exitFromChild`.
    unsafe { libc::_exit(retcode) }
}

/// Kills the child with `SIGUSR1` and waits for it (Redis's `TerminateModuleForkChild`).
unsafe extern "C" fn kill_fork_child(pid: c_int) -> c_int {
    let mut g = CHILD.lock();
    if g.as_ref().is_none_or(|c| c.pid != pid) {
        return ERR;
    }
    tracing::debug!("Killing running module fork child: {pid}");
    // SAFETY: signals and waits for our own child.
    unsafe {
        if libc::kill(pid, libc::SIGUSR1) != -1 {
            let mut st = 0;
            while libc::waitpid(pid, &mut st, 0) != pid {
                if *libc::__errno_location() != libc::EINTR {
                    break;
                }
            }
        }
    }
    *g = None;
    drop(g);
    if crate::exec_lock::held_by_current_thread() {
        // SAFETY: the calling thread holds the execution lock.
        if let Some(srv) = unsafe { host::server_ptr().as_mut() } {
            super::server_events::fire_fork_child(srv, false);
        }
    }
    OK
}

/// Reaps a finished child and calls its done handler (Redis's `checkChildrenDone` for
/// module children). Called by the loop.
pub fn check_child_done(srv: &mut Server) {
    let pid = match CHILD.lock().as_ref() {
        Some(c) => c.pid,
        None => return,
    };
    let mut st = 0;
    // SAFETY: a non-blocking wait for our own child.
    let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
    if r != pid {
        return;
    }
    let Some(child) = CHILD.lock().take() else {
        return;
    };
    let mut exitcode = if libc::WIFEXITED(st) {
        libc::WEXITSTATUS(st)
    } else {
        -1
    };
    let mut bysignal = if libc::WIFSIGNALED(st) {
        libc::WTERMSIG(st)
    } else {
        0
    };
    if exitcode == CHILD_NOERROR_RETVAL {
        bysignal = libc::SIGUSR1;
        exitcode = 1;
    }
    tracing::info!("Module fork exited pid: {pid}, retcode: {exitcode}, bysignal: {bysignal}");
    super::server_events::fire_fork_child(srv, false);
    if let Some(done) = child.done {
        // SAFETY: the module's handler with its own data, on the loop thread.
        unsafe { done(exitcode, bysignal, child.user_data as *mut c_void) };
    }
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("Fork", fork as *const () as usize);
    r.add(
        "SendChildHeartbeat",
        send_child_heartbeat as *const () as usize,
    );
    r.add("ExitFromChild", exit_from_child as *const () as usize);
    r.add("KillForkChild", kill_fork_child as *const () as usize);
}
