//! The execution lock: the one lock under which anything touches the keyspace.
//!
//! The event loop holds it while it runs commands and timers and releases it only while
//! it sleeps in `poll()`. A module's own thread takes it through
//! `RedisModule_ThreadSafeContextLock` and so runs only between loop iterations; the
//! Python interpreter is entered only by a thread that holds it. That is what makes every
//! command, module callback and script atomic.

use parking_lot::{Mutex, MutexGuard};
use std::cell::RefCell;

static EXEC: Mutex<()> = Mutex::new(());

thread_local! {
    /// The guard a non-loop thread holds between `ThreadSafeContextLock` and `Unlock`.
    static HELD: RefCell<Option<MutexGuard<'static, ()>>> = const { RefCell::new(None) };
}

/// Proof that the current thread holds the execution lock; dropping it releases the lock.
pub struct ExecGuard(#[allow(dead_code)] MutexGuard<'static, ()>);

/// Blocks until the execution lock is free, then takes it.
pub fn acquire() -> ExecGuard {
    ExecGuard(EXEC.lock())
}

/// Takes the lock for the calling thread until [`unlock_thread`] (the C API's
/// lock/unlock pair, which cannot hold a Rust guard across calls).
pub fn lock_thread() {
    let g = EXEC.lock();
    HELD.with(|h| *h.borrow_mut() = Some(g));
}

/// Like [`lock_thread`], but fails instead of waiting. True if the lock was taken.
pub fn try_lock_thread() -> bool {
    match EXEC.try_lock() {
        Some(g) => {
            HELD.with(|h| *h.borrow_mut() = Some(g));
            true
        }
        None => false,
    }
}

/// Releases a lock taken with [`lock_thread`]; does nothing if this thread holds none.
pub fn unlock_thread() {
    HELD.with(|h| h.borrow_mut().take());
}

/// True while some thread holds the lock.
pub fn is_locked() -> bool {
    EXEC.is_locked()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_and_thread_exclude_each_other() {
        let g = acquire();
        let t = std::thread::spawn(|| {
            let got = try_lock_thread();
            if got {
                unlock_thread();
            }
            got
        });
        assert!(
            !t.join().unwrap(),
            "a thread must not take the lock the loop holds"
        );
        drop(g);
        let t = std::thread::spawn(|| {
            lock_thread();
            unlock_thread();
            true
        });
        assert!(t.join().unwrap());
    }
}
