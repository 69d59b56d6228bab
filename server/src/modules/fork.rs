//! Thin wrappers over `fork`, `waitpid`, `kill` and `_exit`: the only `unsafe` behind
//! background saves (`persistence::child`) and, later, `RedisModule_Fork`. Everything
//! else about child processes is safe Rust in `persistence`.

use std::io;

/// Which side of a fork this process is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forked {
    /// The parent; the child's pid.
    Parent(i32),
    /// The child.
    Child,
}

/// Forks the process. In the child only the calling thread exists: it must not take
/// locks other threads may have held (the execution lock is held by this thread, the
/// Python interpreter and module threads must not be entered) and must leave through
/// [`exit_child`].
pub fn fork() -> io::Result<Forked> {
    // SAFETY: `fork` has no preconditions; the child runs only code that avoids locks
    // held by other threads at the time of the fork (documented above) and ends with
    // `_exit`, so no destructors or atexit handlers of the parent run twice.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        p => Ok(Forked::Parent(p)),
    }
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

/// Reaps `pid` if it has ended, without blocking (`waitpid(pid, WNOHANG)`).
pub fn try_wait(pid: i32) -> io::Result<Option<ChildExit>> {
    let mut status: libc::c_int = 0;
    // SAFETY: `status` is a valid, writable int for the duration of the call.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if r == -1 {
        return Err(io::Error::last_os_error());
    }
    if r == 0 {
        return Ok(None);
    }
    if libc::WIFEXITED(status) {
        Ok(Some(ChildExit::Code(libc::WEXITSTATUS(status))))
    } else if libc::WIFSIGNALED(status) {
        Ok(Some(ChildExit::Signal(libc::WTERMSIG(status))))
    } else {
        Ok(None)
    }
}

/// Waits for `pid` to end (blocking).
pub fn wait(pid: i32) -> io::Result<ChildExit> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `status` is a valid, writable int for the duration of the call.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if libc::WIFEXITED(status) {
            return Ok(ChildExit::Code(libc::WEXITSTATUS(status)));
        }
        if libc::WIFSIGNALED(status) {
            return Ok(ChildExit::Signal(libc::WTERMSIG(status)));
        }
    }
}

/// Sends `SIGUSR1` to a child (Redis's way of telling a save child to stop: it exits
/// without reporting an error).
pub fn kill_child(pid: i32) -> io::Result<()> {
    // SAFETY: `kill` takes plain integers; sending a signal to our own child is sound.
    let r = unsafe { libc::kill(pid, libc::SIGUSR1) };
    if r == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Ends the child at once with `code`, skipping destructors and atexit handlers that
/// belong to the parent (`_exit`).
pub fn exit_child(code: i32) -> ! {
    // SAFETY: `_exit` never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

/// Resets `SIGUSR1` to its default action (terminate) in a child, and ignores `SIGINT`
/// and `SIGTERM` aimed at the parent's process group.
pub fn child_signals() {
    // SAFETY: installing the default or ignore disposition for these signals has no
    // preconditions; no handler function is involved.
    unsafe {
        libc::signal(libc::SIGUSR1, libc::SIG_DFL);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
    }
}
