//! The engine: the EVAL script cache, the function libraries, and running either.

use crate::api::{self, Kind, RedisApi, RunCtx};
use crate::compile::{self, ScriptFlags};
use crate::convert::{self, ReplyWriter, WriteError};
use crate::runtime::{self, Tick};

mod functions;
use crate::sandbox::{self, Guarded};
use crate::ScriptHost;
use bytes::Bytes;
pub use functions::{FunctionInfo, LibraryInfo, RestorePolicy};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use std::collections::{BTreeMap, HashMap};

/// Most EVAL-created scripts kept (Redis 7.4's LRU); older ones are evicted.
pub const EVAL_LRU_LEN: usize = 500;

/// The default `python-allowed-modules`.
pub const DEFAULT_ALLOWED_MODULES: &str = "math json re string struct datetime time random itertools functools collections heapq bisect operator copy base64 binascii hashlib hmac decimal fractions statistics textwrap unicodedata zlib uuid";

/// Start-up settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Modules scripts may import.
    pub allowed_modules: Vec<String>,
}

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// `busy-reply-threshold` in ms (0: never serve others, never killable).
    pub busy_threshold_ms: u64,
    /// Bytes Python may grow by during the run (0: no cap).
    pub max_memory: usize,
}

/// The result of a run, as the caller's reply.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// RESP for the client, in its protocol.
    pub reply: Vec<u8>,
    /// Error replies in `reply` (code, already counted in the error statistics).
    pub errors: Vec<(String, bool)>,
}

impl RunOutcome {
    fn error(text: String, counted: bool) -> RunOutcome {
        let mut reply = Vec::with_capacity(text.len() + 3);
        reply.push(b'-');
        reply.extend(
            text.bytes()
                .map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        reply.extend_from_slice(b"\r\n");
        let code = text.split(' ').next().unwrap_or("ERR").to_string();
        RunOutcome {
            reply,
            errors: vec![(code, counted)],
        }
    }
}

/// Types shared by all scripts.
pub struct Types {
    /// `redis.Status`
    pub status: Py<PyType>,
    /// `redis.Error`
    pub error: Py<PyType>,
    /// The kill exception.
    pub killed: Py<PyType>,
    /// `redis.Status("OK")`, reused.
    pub ok: Py<PyAny>,
}

impl Types {
    /// A `redis.Error` for an error reply line, marked as already counted.
    pub fn error_from_reply(&self, py: Python<'_>, line: &[u8]) -> PyResult<Py<PyAny>> {
        let text = convert::decode(py, line)?;
        let e = self.error.bind(py).call1((text,))?;
        e.setattr("_counted", true)?;
        Ok(e.unbind())
    }

    /// The text of a `redis.Error` (its `str()`) and whether it was counted already.
    pub fn error_text(&self, e: &Bound<'_, PyAny>) -> PyResult<(String, bool)> {
        let s = e.str()?;
        let text = String::from_utf8_lossy(&convert::str_bytes(s.as_any())?).into_owned();
        let text = text.strip_prefix('-').unwrap_or(&text).to_string();
        let text = if text.contains(' ') {
            text
        } else {
            format!("ERR {text}")
        };
        let counted = e
            .getattr("_counted")
            .and_then(|c| c.is_truthy())
            .unwrap_or(false);
        Ok((text, counted))
    }
}

struct Script {
    body: Bytes,
    flags: ScriptFlags,
    func: Py<PyAny>,
    /// Position in the EVAL LRU (None: loaded with SCRIPT LOAD, never evicted).
    lru: Option<u64>,
}

struct PyState {
    types: Types,
    compile_script: Py<PyAny>,
    compile_library: Py<PyAny>,
    make_function: Py<PyAny>,
    builtins: Py<PyDict>,
    eval_globals: Py<PyDict>,
    api: Py<RedisApi>,
    guarded: Vec<Guarded>,
}

/// A script's SHA1 as 40 lowercase hex digits.
pub type Sha = [u8; 40];

/// The cache key of a sha given in any case; `None` unless it is 40 bytes long.
pub fn sha_key(sha: &[u8]) -> Option<Sha> {
    let mut k: Sha = sha.try_into().ok()?;
    k.make_ascii_lowercase();
    Some(k)
}

/// The scripting engine. One per server; all methods run on the command thread.
pub struct Engine {
    py: PyState,
    scripts: HashMap<Sha, Script, ahash::RandomState>,
    lru: BTreeMap<u64, Sha>,
    /// Bumped by every change that `INFO` figures depend on.
    generation: u64,
    lru_tick: u64,
    evicted: u64,
    scripts_memory: usize,
    libraries: BTreeMap<String, LibraryInfo>,
    functions: HashMap<String, (String, usize)>,
}

const HOST_PY: &str = include_str!("../host.py");

fn set_immutable(t: &Bound<'_, PyType>) {
    // SAFETY: setting Py_TPFLAGS_IMMUTABLETYPE on a heap type we created makes
    // `type.__setattr__` refuse changes (CPython 3.10+); nothing else reads the flag
    // in a way that depends on when it was set.
    unsafe {
        let tp = t.as_type_ptr();
        (*tp).tp_flags |= ffi::Py_TPFLAGS_IMMUTABLETYPE;
        ffi::PyType_Modified(tp);
    }
}

fn tick_handler(_gen: u64) -> Tick {
    let Some(ctx) = api::current() else {
        return Tick::Continue;
    };
    // SAFETY: pending calls run on the command thread with the GIL held, while the run
    // context is alive; `in_host` keeps us from re-entering a host call in progress.
    unsafe {
        let c = &mut *ctx;
        if c.in_host {
            return Tick::Continue;
        }
        if c.killed.is_none() {
            if runtime::run_mode() == runtime::MODE_TIMEOUT {
                c.killed = Some("FUNCTION LOAD timeout");
            } else {
                let elapsed = runtime::run_elapsed_ms();
                c.in_host = true;
                let stop = (*c.host).busy_tick(elapsed);
                c.in_host = false;
                if !stop {
                    return Tick::Continue;
                }
                c.killed = Some("Script killed by user with SCRIPT KILL...");
            }
            let frame = ffi::PyEval_GetFrame();
            if !frame.is_null() {
                c.kill_line = ffi::PyFrame_GetLineNumber(frame);
            }
        }
        let py = Python::assume_attached();
        let t = &*c.types;
        let msg = c.killed.unwrap_or("killed");
        match t.killed.bind(py).call1((msg,)) {
            Ok(e) => Tick::Raise(e.into_ptr()),
            Err(_) => Tick::Continue,
        }
    }
}

/// The line of the innermost frame of `filename` in an exception's traceback.
fn error_line(py: Python<'_>, err: &PyErr, filename: &str) -> i64 {
    sandbox::host_mode(|| {
        // The traceback as the interpreter recorded it (a script's exception class
        // cannot substitute its own `__traceback__` here).
        let mut tb = err.traceback(py).map(|t| t.into_any());
        let mut line = 0;
        while let Some(t) = tb {
            let hit = t
                .getattr("tb_frame")
                .and_then(|f| f.getattr("f_code"))
                .and_then(|c| c.getattr("co_filename"))
                .map(|n| n.to_string() == filename)
                .unwrap_or(false);
            if hit {
                line = t
                    .getattr("tb_lineno")
                    .and_then(|l| l.extract())
                    .unwrap_or(line);
            }
            tb = t.getattr("tb_next").ok().filter(|n| !n.is_none());
        }
        line
    })
}

fn type_short_name(o: &Bound<'_, PyAny>) -> String {
    // SAFETY: tp_name is a NUL-terminated string owned by the type.
    let n = unsafe { std::ffi::CStr::from_ptr((*ffi::Py_TYPE(o.as_ptr())).tp_name) };
    let n = n.to_string_lossy();
    n.rsplit('.').next().unwrap_or(&n).to_string()
}

impl Engine {
    /// Starts the interpreter (once per process) and sets up the engine.
    pub fn new(cfg: &EngineConfig) -> Result<(Engine, Vec<String>), String> {
        runtime::init()?;
        Python::attach(|py| Self::setup(py, cfg)).map_err(|e| format!("Python setup failed: {e}"))
    }

    fn setup(py: Python<'_>, cfg: &EngineConfig) -> PyResult<(Engine, Vec<String>)> {
        let host = PyDict::new(py);
        let code = std::ffi::CString::new(HOST_PY)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let (allowed, warnings) = sandbox::import_allowed(py, &cfg.allowed_modules);
        sandbox::harden(py)?;
        let builtins = sandbox::make_builtins(py, &allowed)?;
        let types_ns = PyDict::new(py);
        sandbox::host_mode(|| -> PyResult<()> {
            py.run(&code, Some(&host), None)?;
            let _ = py
                .import("sys")?
                .call_method1("setswitchinterval", (0.001,));
            types_ns.set_item("__builtins__", &builtins)?;
            types_ns.set_item("__name__", "redis")?;
            let src: String = host
                .get_item("TYPES_SOURCE")?
                .map(|s| s.extract())
                .transpose()?
                .unwrap_or_default();
            let src = std::ffi::CString::new(src)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
            py.run(&src, Some(&types_ns), None)?;
            Ok(())
        })?;
        fn get<'py>(d: &Bound<'py, PyDict>, k: &str) -> PyResult<Bound<'py, PyAny>> {
            d.get_item(k)?
                .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(k.to_string()))
        }
        let status = get(&types_ns, "Status")?.cast_into::<PyType>()?;
        let error = get(&types_ns, "Error")?.cast_into::<PyType>()?;
        let killed = get(&types_ns, "ScriptKilled")?.cast_into::<PyType>()?;
        for t in [&status, &error, &killed] {
            set_immutable(t);
        }
        let ok = status.call1(("OK",))?.unbind();
        let api = Py::new(
            py,
            RedisApi {
                error: error.clone().unbind(),
                status: status.clone().unbind(),
            },
        )?;
        let eval_globals = PyDict::new(py);
        eval_globals.set_item("__builtins__", &builtins)?;
        eval_globals.set_item("__name__", "user_script")?;
        eval_globals.set_item("redis", &api)?;
        let mut guarded = vec![Guarded::new(&builtins)?, Guarded::new(&eval_globals)?];
        let sys_modules = py.import("sys")?.getattr("modules")?;
        for name in sandbox::GUARDED_MODULES {
            if let Ok(d) = sys_modules
                .get_item(*name)
                .and_then(|m| m.getattr("__dict__"))
                .and_then(|d| d.cast_into::<PyDict>().map_err(PyErr::from))
            {
                guarded.push(Guarded::new(&d)?);
            }
        }
        for (_, m) in allowed.modules.bind(py).iter() {
            if let Ok(d) = m
                .getattr("__dict__")
                .and_then(|d| d.cast_into::<PyDict>().map_err(PyErr::from))
            {
                guarded.push(Guarded::new(&d)?);
            }
        }
        let types = Types {
            status: status.unbind(),
            error: error.unbind(),
            killed: killed.unbind(),
            ok,
        };
        Ok((
            Engine {
                py: PyState {
                    types,
                    compile_script: get(&host, "compile_script")?.unbind(),
                    compile_library: get(&host, "compile_library")?.unbind(),
                    make_function: get(&host, "make_function")?.unbind(),
                    builtins: builtins.unbind(),
                    eval_globals: eval_globals.unbind(),
                    api,
                    guarded,
                },
                scripts: HashMap::default(),
                lru: BTreeMap::new(),
                generation: 0,
                lru_tick: 0,
                evicted: 0,
                scripts_memory: 0,
                libraries: BTreeMap::new(),
                functions: HashMap::new(),
            },
            warnings,
        ))
    }

    // ---- EVAL scripts -------------------------------------------------------------

    /// The lowercase SHA1 hex of a body.
    pub fn sha1_hex(body: &[u8]) -> String {
        use sha1::Digest;
        hex::encode(sha1::Sha1::digest(body))
    }

    /// The flags of a cached script (`sha` in any case).
    pub fn script_flags(&self, sha: &[u8]) -> Option<ScriptFlags> {
        self.scripts.get(&sha_key(sha)?).map(|s| s.flags)
    }

    /// True if a script is cached (`sha` in any case).
    pub fn script_exists(&self, sha: &[u8]) -> bool {
        sha_key(sha).is_some_and(|k| self.scripts.contains_key(&k))
    }

    /// Changes whenever a figure `INFO` reports may have changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of cached scripts.
    pub fn scripts_len(&self) -> usize {
        self.scripts.len()
    }

    /// EVAL scripts evicted by the LRU since start.
    pub fn evicted_scripts(&self) -> u64 {
        self.evicted
    }

    /// Bytes of cached script bodies.
    pub fn scripts_memory(&self) -> usize {
        self.scripts_memory + self.scripts.len() * 200
    }

    /// Compiles and caches a body (`from_eval`: subject to the EVAL LRU). Returns its
    /// sha; a cached body is not compiled again. Errors are reply texts.
    pub fn script_create(&mut self, body: &[u8], from_eval: bool) -> Result<String, String> {
        let sha_text = Self::sha1_hex(body);
        let sha = sha_key(sha_text.as_bytes()).unwrap_or([b'0'; 40]);
        if self.scripts.contains_key(&sha) {
            return Ok(sha_text);
        }
        let flags = compile::parse_shebang(body).map_err(|e| format!("ERR {e}"))?;
        let func = Python::attach(|py| -> Result<Py<PyAny>, String> {
            let r = sandbox::host_mode(|| {
                let code = self.py.compile_script.bind(py).call1((
                    compile::source_bytes(py, body),
                    "user_script",
                    ("KEYS", "ARGV"),
                ))?;
                self.py
                    .make_function
                    .bind(py)
                    .call1((code, self.py.eval_globals.bind(py)))
            });
            r.map(Bound::unbind).map_err(|e| {
                format!(
                    "ERR Error compiling script (new function): {}",
                    compile::compile_error(py, &e, "user_script")
                )
            })
        })?;
        let lru = if from_eval {
            while self.lru.len() >= EVAL_LRU_LEN {
                let Some((_, old)) = self.lru.pop_first() else {
                    break;
                };
                if let Some(s) = self.scripts.remove(&old) {
                    self.scripts_memory -= s.body.len();
                }
                self.evicted += 1;
            }
            self.lru_tick += 1;
            self.lru.insert(self.lru_tick, sha);
            Some(self.lru_tick)
        } else {
            None
        };
        self.generation += 1;
        self.scripts_memory += body.len();
        self.scripts.insert(
            sha,
            Script {
                body: Bytes::copy_from_slice(body),
                flags,
                func,
                lru,
            },
        );
        Ok(sha_text)
    }

    /// Drops every cached script (`SCRIPT FLUSH`).
    pub fn script_flush(&mut self) {
        Python::attach(|_| {
            self.scripts.clear();
            self.lru.clear();
        });
        self.scripts_memory = 0;
        self.generation += 1;
    }

    /// Runs a cached script. `sha` must exist (see [`Engine::script_flags`]).
    pub fn run_script(
        &mut self,
        sha: &[u8],
        keys: &[Bytes],
        args: &[Bytes],
        host: &mut dyn ScriptHost,
        caller_resp: u8,
        limits: RunLimits,
    ) -> RunOutcome {
        let missing = || {
            RunOutcome::error(
                "NOSCRIPT No matching script. Please use EVAL.".into(),
                false,
            )
        };
        let Some(sha) = sha_key(sha) else {
            return missing();
        };
        let Some(script) = self.scripts.get_mut(&sha) else {
            return missing();
        };
        if let Some(t) = script.lru {
            self.lru.remove(&t);
            self.lru_tick += 1;
            self.lru.insert(self.lru_tick, sha);
            script.lru = Some(self.lru_tick);
        }
        let script = &self.scripts[&sha];
        let name = std::str::from_utf8(&sha).unwrap_or("");
        self.run(
            &script.func,
            keys,
            args,
            host,
            caller_resp,
            limits,
            Kind::Eval,
            name,
        )
    }

    // ---- running ------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        func: &Py<PyAny>,
        keys: &[Bytes],
        args: &[Bytes],
        host: &mut dyn ScriptHost,
        caller_resp: u8,
        limits: RunLimits,
        kind: Kind,
        name: &str,
    ) -> RunOutcome {
        let source = if kind == Kind::Eval {
            "user_script"
        } else {
            "user_function"
        };
        Python::attach(|py| {
            let (k, a) = match (convert::str_list(py, keys), convert::str_list(py, args)) {
                (Ok(k), Ok(a)) => (k, a),
                _ => return RunOutcome::error("ERR cannot convert arguments".into(), false),
            };
            let mut ctx = self.begin(host, kind, limits);
            // SAFETY: vectorcall with two borrowed argument references on a callable we
            // hold; the result is a new reference or NULL with an exception set.
            let res = unsafe {
                let argv = [k.as_ptr(), a.as_ptr()];
                let r =
                    ffi::PyObject_Vectorcall(func.as_ptr(), argv.as_ptr(), 2, std::ptr::null_mut());
                Bound::from_owned_ptr_or_err(py, r)
            };
            let resp3 = caller_resp >= 3;
            let mut outcome = match res {
                Ok(v) => {
                    let mut w = ReplyWriter::new(resp3, &self.py.types);
                    match w.write(&v, 0) {
                        Ok(()) => Ok(RunOutcome {
                            reply: w.out,
                            errors: w.errors,
                        }),
                        Err(WriteError::Reply(text)) => Ok(RunOutcome::error(text, false)),
                        Err(WriteError::Py(e)) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            // Turn a Python exception into the error text while still sandboxed (its
            // __str__ may be the script's own code).
            let pending: Option<(String, bool, PyErr)> = match outcome {
                Err(e) => {
                    let v = e.value(py).clone();
                    let (text, counted) = self.exception_text(v.as_any(), source);
                    outcome = Ok(RunOutcome::default());
                    Some((text, counted, e))
                }
                Ok(_) => None,
            };
            let killed = self.end(&mut ctx);
            if let Some((text, counted, exc)) = pending {
                let line = error_line(py, &exc, source);
                let text = text.replace("{LINE}", &line.to_string());
                outcome = Ok(RunOutcome::error(
                    format!("{text} script: {name}, on @{source}:{line}."),
                    counted,
                ));
            }
            if let Some(msg) = killed {
                let line = ctx.kill_line.max(1);
                outcome = Ok(RunOutcome::error(
                    format!("ERR {msg} script: {name}, on @{source}:{line}."),
                    false,
                ));
            }
            self.after_run(py);
            outcome.unwrap_or_default()
        })
    }

    /// The error text for an exception that escaped a script, with `{LINE}` where the
    /// line goes, and whether it was already counted.
    fn exception_text(&self, v: &Bound<'_, PyAny>, source: &str) -> (String, bool) {
        let py = v.py();
        if v.is_instance(self.py.types.error.bind(py)).unwrap_or(false) {
            return self
                .py
                .types
                .error_text(v)
                .unwrap_or_else(|_| ("ERR error".into(), false));
        }
        let tname = type_short_name(v);
        let msg = v
            .str()
            .ok()
            .and_then(|s| convert::str_bytes(s.as_any()).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let text = if msg.is_empty() {
            format!("ERR {source}:{{LINE}}: {tname}")
        } else {
            format!("ERR {source}:{{LINE}}: {tname}: {msg}")
        };
        (text, false)
    }

    fn begin(&self, host: &mut dyn ScriptHost, kind: Kind, limits: RunLimits) -> Box<RunCtx> {
        // SAFETY: the host reference outlives the run: `end` clears the pointer before
        // `run` returns, and nothing keeps it afterwards. Only the lifetime is erased.
        let host: *mut (dyn ScriptHost + 'static) = unsafe { std::mem::transmute(host) };
        let mut ctx = Box::new(RunCtx {
            host,
            resp: 2,
            kind,
            killed: None,
            kill_line: 0,
            in_host: false,
            registered: Vec::new(),
            types: &self.py.types,
        });
        api::set_current(&mut *ctx);
        if limits.max_memory > 0 {
            crate::memory::cap(limits.max_memory);
        }
        let mode = if kind == Kind::Load {
            runtime::MODE_TIMEOUT
        } else {
            runtime::MODE_SERVE
        };
        runtime::run_started(limits.busy_threshold_ms, mode, tick_handler);
        ctx
    }

    fn end(&self, _ctx: &mut RunCtx) -> Option<&'static str> {
        runtime::run_ended();
        crate::memory::uncap();
        api::clear_current();
        _ctx.killed
    }

    fn after_run(&self, py: Python<'_>) {
        for g in &self.py.guarded {
            g.restore(py);
        }
    }
}
