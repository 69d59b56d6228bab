//! What a script can reach: a curated `__builtins__`, an `__import__` that hands out
//! only the pre-imported allowlist, `print` to the server log, and the bookkeeping that
//! undoes a script's tampering with shared objects (builtins, allowed modules).
//!
//! The audit hook in `runtime` is the other half: it refuses side effects (files,
//! processes, sockets, code forging, frame access, new imports) whenever the sandbox is
//! on, which is always except while the host itself compiles or imports.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

/// Builtins a script does not get.
const REMOVED: &[&str] = &[
    "open",
    "exec",
    "eval",
    "compile",
    "input",
    "breakpoint",
    "globals",
    "vars",
    "help",
    "exit",
    "quit",
    "copyright",
    "credits",
    "license",
    "__loader__",
    "__spec__",
];

/// Helper modules that allowed C modules import on first use (the host imports them at
/// start-up, so handing them out imports nothing new).
const INTERNAL: &[&str] = &["_strptime"];

/// Runs `f` with the sandbox off and the cyclic garbage collector paused, so that no
/// finalizer of a script's object runs unsandboxed meanwhile.
pub fn host_mode<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: called with the GIL held (every caller is inside Python::attach).
    let was = unsafe { ffi::PyGC_Disable() };
    crate::runtime::set_sandbox(false);
    let r = f();
    crate::runtime::set_sandbox(true);
    if was != 0 {
        // SAFETY: as above.
        unsafe { ffi::PyGC_Enable() };
    }
    r
}

/// The allowlisted modules, imported by the host.
pub struct Allowed {
    /// Name (as listed) to module.
    pub modules: Py<PyDict>,
    /// Top-level package of each dotted name.
    pub tops: Py<PyDict>,
}

/// Imports the allowlist in host mode. Modules that fail to import are logged by the
/// caller (returned as errors) and left out.
pub fn import_allowed(py: Python<'_>, names: &[String]) -> (Allowed, Vec<String>) {
    let modules = PyDict::new(py);
    let tops = PyDict::new(py);
    let mut errors = Vec::new();
    host_mode(|| {
        // Lazily imported by allowed modules; importing them now keeps the sandbox's
        // "no new imports" rule from breaking ordinary calls (datetime.strptime).
        for extra in ["_strptime", "encodings.idna"] {
            let _ = py.import(extra);
        }
        for n in names {
            match py.import(n.as_str()) {
                Ok(m) => {
                    if n == "time" {
                        // A sleeping script holds the server and cannot be killed.
                        let _ = m.delattr("sleep");
                    }
                    let _ = modules.set_item(n, &m);
                    if let Some((top, _)) = n.split_once('.') {
                        if let Ok(t) = py.import(top) {
                            let _ = tops.set_item(n, t);
                        }
                    }
                }
                Err(e) => errors.push(format!("{n}: {e}")),
            }
        }
        // First calls that import helpers lazily: make them now, in host mode.
        let _ = py.run(
            c"import datetime, time\ndatetime.datetime.strptime('2020', '%Y')\ntime.strptime('2020', '%Y')\n'x'.encode('idna')",
            None,
            None,
        );
    });
    (
        Allowed {
            modules: modules.unbind(),
            tops: tops.unbind(),
        },
        errors,
    )
}

/// The curated builtins dict for scripts and libraries.
pub fn make_builtins<'py>(py: Python<'py>, allowed: &Allowed) -> PyResult<Bound<'py, PyDict>> {
    let real = py.import("builtins")?.dict();
    let d = real.copy()?;
    for name in REMOVED {
        if d.contains(*name)? {
            d.del_item(*name)?;
        }
    }
    let modules = allowed.modules.clone_ref(py);
    let tops = allowed.tops.clone_ref(py);
    let import = PyCFunction::new_closure(
        py,
        Some(c"__import__"),
        Some(c"Returns a module from the allowlist (python-allowed-modules)."),
        move |args: &Bound<'_, PyTuple>,
              kwargs: Option<&Bound<'_, PyDict>>|
              -> PyResult<Py<PyAny>> {
            let py = args.py();
            let name: String = match args.get_item(0) {
                Ok(n) => n.extract()?,
                Err(_) => match kwargs.and_then(|k| k.get_item("name").ok().flatten()) {
                    Some(n) => n.extract()?,
                    None => {
                        return Err(pyo3::exceptions::PyTypeError::new_err(
                            "__import__() missing required argument 'name'",
                        ))
                    }
                },
            };
            let level: i64 = match args.get_item(4) {
                Ok(l) => l.extract()?,
                Err(_) => kwargs
                    .and_then(|k| k.get_item("level").ok().flatten())
                    .map(|l| l.extract())
                    .transpose()?
                    .unwrap_or(0),
            };
            let fromlist_empty = match args.get_item(3) {
                Ok(f) => !f.is_truthy()?,
                Err(_) => kwargs
                    .and_then(|k| k.get_item("fromlist").ok().flatten())
                    .map(|f| f.is_truthy().map(|t| !t))
                    .transpose()?
                    .unwrap_or(true),
            };
            if level != 0 {
                return Err(pyo3::exceptions::PyImportError::new_err(
                    "relative imports are not allowed in scripts",
                ));
            }
            // Modules C code imports lazily through the frame's __import__.
            if INTERNAL.contains(&name.as_str()) {
                let cname = std::ffi::CString::new(name.as_str()).unwrap_or_default();
                // SAFETY: looks the name up in sys.modules; a new reference or NULL.
                let m = unsafe {
                    let n = ffi::PyUnicode_FromString(cname.as_ptr());
                    let n = Bound::from_owned_ptr_or_err(py, n)?;
                    Bound::from_owned_ptr_or_opt(py, ffi::PyImport_GetModule(n.as_ptr()))
                };
                if let Some(m) = m {
                    return Ok(m.unbind());
                }
            }
            if let Some(m) = modules.bind(py).get_item(&name)? {
                if fromlist_empty {
                    if let Some(t) = tops.bind(py).get_item(&name)? {
                        return Ok(t.unbind());
                    }
                }
                return Ok(m.unbind());
            }
            Err(pyo3::exceptions::PyImportError::new_err(format!(
                "import of '{name}' is not allowed in scripts (see python-allowed-modules)"
            )))
        },
    )?;
    d.set_item("__import__", import)?;
    let print = PyCFunction::new_closure(
        py,
        Some(c"print"),
        Some(c"Writes the arguments to the server log at NOTICE level."),
        |args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>| -> PyResult<()> {
            let sep = match kwargs.and_then(|k| k.get_item("sep").ok().flatten()) {
                Some(s) if !s.is_none() => s.str()?.to_string(),
                _ => " ".to_string(),
            };
            let mut parts = Vec::with_capacity(args.len());
            for a in args.iter() {
                parts.push(a.str()?.to_string());
            }
            crate::api::log_line(2, parts.join(&sep).as_bytes());
            Ok(())
        },
    )?;
    d.set_item("print", print)?;
    Ok(d)
}

/// Functions with side effects outside the interpreter that CPython raises no audit
/// event for (file descriptors, process state, signals, interpreter limits), by module.
/// They are replaced by wrappers that refuse to run while the sandbox is on, so a
/// script that reaches the module (through `__globals__` walks) still cannot use them.
const UNAUDITED: &[(&str, &[&str])] = &[
    (
        "posix",
        &[
            "write",
            "read",
            "close",
            "closerange",
            "dup",
            "dup2",
            "lseek",
            "pipe",
            "pipe2",
            "sendfile",
            "set_blocking",
            "set_inheritable",
            "readv",
            "writev",
            "pread",
            "pwrite",
            "preadv",
            "pwritev",
            "fsync",
            "fdatasync",
            "splice",
            "copy_file_range",
            "eventfd",
            "eventfd_read",
            "eventfd_write",
            "memfd_create",
            "openpty",
            "login_tty",
            "abort",
            "_exit",
            "setuid",
            "setgid",
            "seteuid",
            "setegid",
            "setreuid",
            "setregid",
            "setresuid",
            "setresgid",
            "setgroups",
            "initgroups",
            "setsid",
            "setpgid",
            "setpgrp",
            "nice",
            "sched_setaffinity",
            "sched_setscheduler",
            "sched_setparam",
            "umask",
            "register_at_fork",
            "posix_fallocate",
            "posix_fadvise",
            "tcsetpgrp",
            "grantpt",
            "unlockpt",
            "ptsname",
            "ftruncate",
            "fchmod",
            "fchown",
            "fstat",
            "fstatvfs",
            "get_blocking",
            "isatty",
            "ttyname",
            "device_encoding",
            "lockf",
            "setpriority",
            "pidfd_open",
            "waitpid",
            "wait",
            "wait3",
            "wait4",
            "waitid",
            "unsetenv",
            "putenv",
        ],
    ),
    (
        "_signal",
        &[
            "signal",
            "siginterrupt",
            "setitimer",
            "alarm",
            "pause",
            "pthread_kill",
            "pthread_sigmask",
            "raise_signal",
            "set_wakeup_fd",
            "sigwait",
            "sigwaitinfo",
            "sigtimedwait",
            "default_int_handler",
            "getitimer",
            "pidfd_send_signal",
        ],
    ),
    (
        "sys",
        &[
            "setrecursionlimit",
            "setswitchinterval",
            "setdlopenflags",
            "_clear_type_cache",
            "set_asyncgen_hooks",
            "set_coroutine_origin_tracking_depth",
            "_current_frames",
            "_current_exceptions",
        ],
    ),
    ("_thread", &["interrupt_main", "start_new_thread"]),
];

/// Interpreter-wide modules whose attributes the host relies on: a script that rebinds
/// one (through `__globals__` walks) sees it put back after the run.
pub const GUARDED_MODULES: &[&str] = &[
    "builtins", "sys", "os", "posix", "_signal", "signal", "_thread", "io", "_io",
];

/// Modules that re-export [`UNAUDITED`] functions under another name.
const REEXPORTS: &[(&str, &str)] = &[("os", "posix"), ("signal", "_signal")];

/// Replaces the [`UNAUDITED`] functions by sandbox-aware wrappers (host mode, once).
pub fn harden(py: Python<'_>) -> PyResult<()> {
    host_mode(|| -> PyResult<()> {
        let modules = py.import("sys")?.getattr("modules")?;
        for (module, names) in UNAUDITED {
            let Ok(m) = modules.get_item(*module) else {
                continue;
            };
            let reexport: Vec<Bound<'_, PyAny>> = REEXPORTS
                .iter()
                .filter(|(_, src)| src == module)
                .filter_map(|(alias, _)| modules.get_item(*alias).ok())
                .collect();
            for name in *names {
                let Ok(orig) = m.getattr(*name) else {
                    continue;
                };
                if !orig.is_callable() {
                    continue;
                }
                let label = format!(
                    "{}.{}",
                    module.trim_start_matches('_').replace("posix", "os"),
                    name
                );
                let orig_ref = orig.clone().unbind();
                let wrapper = PyCFunction::new_closure(
                    py,
                    None,
                    None,
                    move |args: &Bound<'_, PyTuple>,
                          kwargs: Option<&Bound<'_, PyDict>>|
                          -> PyResult<Py<PyAny>> {
                        if crate::runtime::sandbox_on() {
                            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                                "'{label}' is not allowed in scripts (sandbox)"
                            )));
                        }
                        Ok(orig_ref.bind(args.py()).call(args, kwargs)?.unbind())
                    },
                )?;
                m.setattr(*name, &wrapper)?;
                for r in &reexport {
                    if r.getattr(*name).is_ok_and(|f| f.is(&orig)) {
                        r.setattr(*name, &wrapper)?;
                    }
                }
            }
        }
        Ok(())
    })
}

/// A shared dict scripts could modify, with the contents to put back if they do.
pub struct Guarded {
    dict: Py<PyDict>,
    pristine: Py<PyDict>,
    version: std::cell::Cell<u64>,
}

fn version_of(d: &Bound<'_, PyDict>) -> u64 {
    // SAFETY: `d` is a dict (exact or subclass: the struct prefix is the same);
    // ma_version_tag changes on every modification (CPython 3.11).
    #[allow(deprecated)]
    unsafe {
        (*(d.as_ptr() as *mut ffi::PyDictObject)).ma_version_tag
    }
}

impl Guarded {
    /// Watches `dict`, remembering its current contents.
    pub fn new(dict: &Bound<'_, PyDict>) -> PyResult<Guarded> {
        Ok(Guarded {
            dict: dict.clone().unbind(),
            pristine: dict.copy()?.unbind(),
            version: std::cell::Cell::new(version_of(dict)),
        })
    }

    /// Puts the remembered contents back if the dict changed. True if it had.
    pub fn restore(&self, py: Python<'_>) -> bool {
        let d = self.dict.bind(py);
        if version_of(d) == self.version.get() {
            return false;
        }
        d.clear();
        let _ = d.update(self.pristine.bind(py).as_mapping());
        self.version.set(version_of(d));
        true
    }
}
