//! The execution lock: the one lock under which anything touches the keyspace.
//!
//! The event loop holds it while it runs commands and timers and releases it only while
//! it sleeps in `poll()`. A module's own thread takes it through
//! `RedisModule_ThreadSafeContextLock` and so runs only between loop iterations; the
//! Python interpreter is entered only by a thread that holds it. That is what makes every
//! command, module callback and script atomic.

use parking_lot::{Mutex, MutexGuard};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

static EXEC: Mutex<()> = Mutex::new(());

/// The thread that holds the lock ([`thread_tag`]; 0: nobody).
static OWNER: AtomicU64 = AtomicU64::new(0);
/// Source of thread tags.
static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The guard a non-loop thread holds between `ThreadSafeContextLock` and `Unlock`.
    static HELD: RefCell<Option<MutexGuard<'static, ()>>> = const { RefCell::new(None) };
    /// Nested [`lock_thread`] calls by a thread that already held the lock.
    static NESTED: Cell<u32> = const { Cell::new(0) };
    /// This thread's tag.
    static TAG: u64 = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
}

/// A number unique to the calling thread (never 0).
fn thread_tag() -> u64 {
    TAG.with(|t| *t)
}

/// True if the calling thread holds the execution lock (the loop while it runs, or a
/// module thread between `ThreadSafeContextLock` and `Unlock`).
pub fn held_by_current_thread() -> bool {
    OWNER.load(Ordering::Acquire) == thread_tag()
}

/// Proof that the current thread holds the execution lock; dropping it releases the lock.
pub struct ExecGuard(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Drop for ExecGuard {
    fn drop(&mut self) {
        // The mutex guard (the field) is released right after this.
        OWNER.store(0, Ordering::Release);
    }
}

/// Blocks until the execution lock is free, then takes it.
pub fn acquire() -> ExecGuard {
    let g = EXEC.lock();
    OWNER.store(thread_tag(), Ordering::Release);
    ExecGuard(g)
}

/// Takes the lock for the calling thread until [`unlock_thread`] (the C API's
/// lock/unlock pair, which cannot hold a Rust guard across calls). A thread that
/// already holds it (the loop calling a module that locks) only counts the nesting.
pub fn lock_thread() {
    if held_by_current_thread() {
        NESTED.with(|n| n.set(n.get() + 1));
        return;
    }
    let g = EXEC.lock();
    OWNER.store(thread_tag(), Ordering::Release);
    HELD.with(|h| *h.borrow_mut() = Some(g));
}

/// Like [`lock_thread`], but fails instead of waiting. True if the lock was taken.
pub fn try_lock_thread() -> bool {
    if held_by_current_thread() {
        NESTED.with(|n| n.set(n.get() + 1));
        return true;
    }
    match EXEC.try_lock() {
        Some(g) => {
            OWNER.store(thread_tag(), Ordering::Release);
            HELD.with(|h| *h.borrow_mut() = Some(g));
            true
        }
        None => false,
    }
}

/// Releases a lock taken with [`lock_thread`]; does nothing if this thread holds none.
pub fn unlock_thread() {
    if NESTED.with(|n| {
        let v = n.get();
        if v > 0 {
            n.set(v - 1);
        }
        v > 0
    }) {
        return;
    }
    HELD.with(|h| {
        let mut h = h.borrow_mut();
        if h.is_some() {
            OWNER.store(0, Ordering::Release);
        }
        h.take()
    });
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

    #[test]
    fn owner_is_tracked_and_nesting_does_not_deadlock() {
        let t = std::thread::spawn(|| {
            lock_thread();
            let held = held_by_current_thread();
            lock_thread();
            unlock_thread();
            let still = held_by_current_thread();
            unlock_thread();
            (held, still, held_by_current_thread())
        });
        assert_eq!(t.join().unwrap(), (true, true, false));
    }
}
