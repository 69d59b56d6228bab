//! The interpreter's life: start-up (allocator wrappers, audit hook, isolated
//! configuration), the sandbox switch, and the watchdog that lets a long script serve
//! the event loop and be killed.
//!
//! # The watchdog
//!
//! A script runs on the event-loop thread. Short scripts pay three relaxed atomic stores
//! and nothing else: no trace or profile hook is ever installed. A watchdog thread
//! polls the run state; once a run passes its deadline it queues a pending call
//! (`Py_AddPendingCall`) and briefly takes and gives back the GIL. CPython only lets the
//! main thread run pending calls, and only re-computes its "eval breaker" when it
//! takes the GIL back, so the GIL round trip is what makes the main thread notice the
//! call at its next backward jump or function call. The pending call ([`on_tick`]) asks
//! the host to serve the event loop once (busy mode) and, when a kill was requested,
//! raises the kill exception and queues itself again from the main thread, which sets
//! the eval breaker at once: the exception is raised again at every loop iteration
//! until the script is gone, so `except BaseException` cannot keep it alive.

use pyo3::ffi;
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// While set, the audit hook refuses every event but a few harmless ones.
static SANDBOX: AtomicBool = AtomicBool::new(false);

/// Bumped at every run start and end: odd while a run is in progress.
static RUN_GEN: AtomicU64 = AtomicU64::new(0);
/// How long the current run may go before the watchdog acts (0: never), in ms.
static RUN_THRESHOLD: AtomicU64 = AtomicU64::new(0);
/// When the watchdog first saw the current run (ms since [`epoch`]). Runs are timed
/// from there, so starting one reads no clock; the watchdog polls often enough
/// ([`IDLE_POLL`]) for the error to stay small.
static RUN_SEEN_AT: AtomicU64 = AtomicU64::new(0);
/// A pending call is queued and not yet run.
static QUEUED: AtomicBool = AtomicBool::new(false);
/// What the watchdog does past the deadline: serve (scripts) or stop (library loads).
static RUN_MODE: AtomicU8 = AtomicU8::new(0);

/// Past the deadline, serve the event loop and allow kills.
pub const MODE_SERVE: u8 = 1;
/// Past the deadline, stop with a timeout (FUNCTION LOAD).
pub const MODE_TIMEOUT: u8 = 2;

/// How often a busy script serves the event loop.
const TICK: Duration = Duration::from_millis(4);
/// How often the idle watchdog looks for a new run.
const IDLE_POLL: Duration = Duration::from_millis(10);

extern "C" {
    fn PySys_AddAuditHook(
        hook: extern "C" fn(*const c_char, *mut ffi::PyObject, *mut c_void) -> c_int,
        user_data: *mut c_void,
    ) -> c_int;
}

/// The watchdog's own thread state, made once so that taking the GIL never allocates.
struct WatchdogState(*mut ffi::PyThreadState);
// SAFETY: the pointer is only used by the watchdog thread that created it.
unsafe impl Send for WatchdogState {}

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

/// Milliseconds on a monotonic clock.
pub fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

/// Events a script may raise: nothing in this list has a side effect outside the
/// interpreter.
const ALLOWED_EVENTS: &[&[u8]] = &[b"builtins.id"];

extern "C" fn audit_hook(event: *const c_char, _args: *mut ffi::PyObject, _: *mut c_void) -> c_int {
    if !SANDBOX.load(Relaxed) {
        return 0;
    }
    // SAFETY: CPython passes a NUL-terminated event name.
    let name = unsafe { CStr::from_ptr(event) };
    if ALLOWED_EVENTS.contains(&name.to_bytes()) {
        return 0;
    }
    let msg = format!(
        "'{}' is not allowed in scripts (sandbox)\0",
        name.to_string_lossy()
    );
    // SAFETY: audit hooks run with the GIL held; the message is NUL-terminated.
    unsafe {
        ffi::PyErr_SetString(ffi::PyExc_RuntimeError, msg.as_ptr().cast());
    }
    -1
}

/// Turns the sandbox on or off.
pub fn set_sandbox(on: bool) {
    SANDBOX.store(on, Relaxed);
}

/// True while the sandbox is on.
pub fn sandbox_on() -> bool {
    SANDBOX.load(Relaxed)
}

/// Where the Python installation used at build time lives.
const BUILD_PYTHON_HOME: Option<&str> = option_env!("COIL_PYTHON_HOME");

fn wide(s: &str) -> Vec<libc::wchar_t> {
    s.chars().map(|c| c as libc::wchar_t).chain([0]).collect()
}

/// Starts the interpreter once: allocator wrappers, the audit hook, an isolated
/// configuration (no environment variables, no user site, no signal handlers, no
/// `site`), then the watchdog. Returns an error text if CPython fails to start.
pub fn init() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        // SAFETY: first Python C API calls of the process, made once on the thread that
        // will run scripts; nothing else uses Python concurrently.
        unsafe { start_interpreter() }?;
        start_watchdog();
        Ok(())
    })
    .clone()
}

unsafe fn start_interpreter() -> Result<(), String> {
    // SAFETY: see `init`; the order matters: allocators and the hook come before
    // anything allocates through Python.
    unsafe {
        crate::memory::install();
        PySys_AddAuditHook(audit_hook, std::ptr::null_mut());
        let mut config = std::mem::MaybeUninit::<ffi::PyConfig>::zeroed();
        ffi::PyConfig_InitIsolatedConfig(config.as_mut_ptr());
        let mut config = config.assume_init();
        config.install_signal_handlers = 0;
        config.site_import = 0;
        config.write_bytecode = 0;
        if let Some(home) = BUILD_PYTHON_HOME.filter(|h| std::path::Path::new(h).exists()) {
            let w = wide(home);
            let st = ffi::PyConfig_SetString(&mut config, &mut config.home, w.as_ptr());
            if ffi::PyStatus_Exception(st) != 0 {
                ffi::PyConfig_Clear(&mut config);
                return Err("cannot set the Python home".into());
            }
        }
        let st = ffi::Py_InitializeFromConfig(&config);
        ffi::PyConfig_Clear(&mut config);
        if ffi::PyStatus_Exception(st) != 0 {
            let msg = if st.err_msg.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(st.err_msg).to_string_lossy().into_owned()
            };
            return Err(format!("Python failed to start: {msg}"));
        }
        // Give the GIL back: it is taken for each script and released after it.
        ffi::PyEval_SaveThread();
    }
    Ok(())
}

fn start_watchdog() {
    let _ = std::thread::Builder::new()
        .name("coil-py-watchdog".into())
        .spawn(|| {
            // SAFETY: the interpreter is initialized; taking the GIL once creates this
            // thread's state, which we keep so later round trips never allocate.
            let ts = unsafe {
                let _ = ffi::PyGILState_Ensure();
                WatchdogState(ffi::PyEval_SaveThread())
            };
            watchdog_loop(ts);
        });
}

fn watchdog_loop(ts: WatchdogState) {
    let mut seen_gen = 0;
    loop {
        let gen = RUN_GEN.load(Relaxed);
        let threshold = RUN_THRESHOLD.load(Relaxed);
        if gen % 2 == 0 || threshold == 0 {
            std::thread::sleep(IDLE_POLL);
            continue;
        }
        let now = now_ms();
        if gen != seen_gen {
            seen_gen = gen;
            RUN_SEEN_AT.store(now, Relaxed);
        }
        let deadline = RUN_SEEN_AT.load(Relaxed) + threshold;
        if now < deadline {
            std::thread::sleep(Duration::from_millis((deadline - now).min(10)));
            continue;
        }
        if !QUEUED.swap(true, Relaxed) {
            // SAFETY: Py_AddPendingCall may be called from any thread without the GIL.
            if unsafe { ffi::Py_AddPendingCall(Some(on_tick), gen as usize as *mut c_void) } != 0 {
                QUEUED.store(false, Relaxed);
            }
        }
        // SAFETY: our own thread state; taking and releasing the GIL makes the main
        // thread re-compute its eval breaker and so run the pending call.
        unsafe {
            ffi::PyEval_RestoreThread(ts.0);
            ffi::PyEval_SaveThread();
        }
        std::thread::sleep(TICK);
    }
}

/// What the pending call should do, decided by the engine for the current run.
pub enum Tick {
    /// Keep running.
    Continue,
    /// Stop the script: raise this exception instance.
    Raise(*mut ffi::PyObject),
}

/// Decides what a tick does for the current run.
pub type TickHandler = fn(u64) -> Tick;

thread_local! {
    /// The engine's handler for the current run's ticks (set only while a run is in
    /// progress on this thread).
    static TICK_HANDLER: Cell<Option<TickHandler>> = const { Cell::new(None) };
}

/// Marks the start of a run: the watchdog acts after `threshold_ms` (0: never) in
/// `mode`; `handler` decides what each tick does.
pub fn run_started(threshold_ms: u64, mode: u8, handler: TickHandler) {
    TICK_HANDLER.with(|h| h.set(Some(handler)));
    RUN_MODE.store(mode, Relaxed);
    RUN_THRESHOLD.store(threshold_ms, Relaxed);
    RUN_GEN.fetch_add(1, Relaxed);
}

/// Marks the end of a run: later ticks queued for it do nothing.
pub fn run_ended() {
    RUN_GEN.fetch_add(1, Relaxed);
    TICK_HANDLER.with(|h| h.set(None));
}

/// How long the current run has been going, as the watchdog measures it.
pub fn run_elapsed_ms() -> u64 {
    now_ms().saturating_sub(RUN_SEEN_AT.load(Relaxed))
}

/// The mode of the current run.
pub fn run_mode() -> u8 {
    RUN_MODE.load(Relaxed)
}

extern "C" fn on_tick(arg: *mut c_void) -> c_int {
    QUEUED.store(false, Relaxed);
    let gen = arg as usize as u64;
    if gen != RUN_GEN.load(Relaxed) {
        return 0;
    }
    let Some(handler) = TICK_HANDLER.with(|h| h.get()) else {
        return 0;
    };
    match handler(gen) {
        Tick::Continue => 0,
        Tick::Raise(exc) => {
            // SAFETY: pending calls run on the main thread with the GIL held; `exc` is
            // a new reference to an exception instance, consumed by PyErr_SetObject's
            // borrow and released here. Queuing from the main thread sets the eval
            // breaker, so the exception is raised again at the next check.
            unsafe {
                ffi::PyErr_SetObject(ffi::Py_TYPE(exc).cast(), exc);
                ffi::Py_DECREF(exc);
                QUEUED.store(true, Relaxed);
                if ffi::Py_AddPendingCall(Some(on_tick), gen as usize as *mut c_void) != 0 {
                    QUEUED.store(false, Relaxed);
                }
            }
            -1
        }
    }
}
