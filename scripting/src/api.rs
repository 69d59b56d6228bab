//! The `redis` object scripts see, and the per-run context its methods work in.

use crate::compile::{valid_name, ScriptFlags};
use crate::convert;
use crate::engine::Types;
use crate::ScriptHost;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::cell::Cell;

/// What kind of run is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An EVAL script.
    Eval,
    /// A function called by FCALL.
    Function,
    /// A library body running for FUNCTION LOAD.
    Load,
}

/// A function registered while a library loads.
pub struct Registered {
    /// Name as given.
    pub name: String,
    /// The callable.
    pub callback: Py<PyAny>,
    /// Flags.
    pub flags: ScriptFlags,
    /// Description.
    pub description: Option<String>,
}

/// State of the run in progress on this thread.
pub struct RunCtx {
    /// The server, for the length of the run.
    pub host: *mut (dyn ScriptHost + 'static),
    /// Protocol of the script's own calls (`redis.setresp`).
    pub resp: u8,
    /// Kind of run.
    pub kind: Kind,
    /// Stopped by a kill or a timeout: the text of the error.
    pub killed: Option<&'static str>,
    /// Line the kill was first raised at.
    pub kill_line: i32,
    /// Inside a host call: ticks must not re-enter the host.
    pub in_host: bool,
    /// Functions registered so far (library loads).
    pub registered: Vec<Registered>,
    /// The shared types.
    pub types: *const Types,
}

thread_local! {
    static RUN: Cell<*mut RunCtx> = const { Cell::new(std::ptr::null_mut()) };
}

/// Makes `ctx` the current run until [`clear_current`].
pub fn set_current(ctx: *mut RunCtx) {
    RUN.with(|r| r.set(ctx));
}

/// Ends the current run.
pub fn clear_current() {
    RUN.with(|r| r.set(std::ptr::null_mut()));
}

/// The current run context, if any. The pointer is valid until the run ends; callers
/// must not keep references across Python code that may re-enter.
pub fn current() -> Option<*mut RunCtx> {
    let p = RUN.with(|r| r.get());
    (!p.is_null()).then_some(p)
}

fn no_run(what: &str) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(format!(
        "{what} can only be called inside a script invocation"
    ))
}

fn ctx_for(what: &str) -> PyResult<*mut RunCtx> {
    let ctx = current().ok_or_else(|| no_run(what))?;
    // SAFETY: the context outlives the run; only plain fields are read here.
    let c = unsafe { &*ctx };
    if c.kind == Kind::Load {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "{what} cannot be called while a library loads"
        )));
    }
    Ok(ctx)
}

/// Writes to the server log through the current run's host (dropped outside a run).
pub fn log_line(level: u8, msg: &[u8]) {
    if let Some(ctx) = current() {
        // SAFETY: the host pointer is valid during the run; logging runs no Python.
        unsafe { (*(*ctx).host).log(level, msg) };
    }
}

/// The `redis` object: immutable, no `__dict__`, attributes cannot be rebound.
#[pyclass(frozen, immutable_type, name = "redis", module = "redis")]
pub struct RedisApi {
    pub(crate) error: Py<PyType>,
    pub(crate) status: Py<PyType>,
}

fn do_call(py: Python<'_>, args: &Bound<'_, PyTuple>, raise: bool) -> PyResult<Py<PyAny>> {
    let name = if raise { "redis.call" } else { "redis.pcall" };
    let ctx = ctx_for(name)?;
    if args.is_empty() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "Please specify at least one argument for this redis lib call",
        ));
    }
    let argv = convert::call_args(args)?;
    // SAFETY: the run context and host are valid for the run; no Python code runs
    // between taking and releasing `in_host`, so nothing else touches them.
    let (reply, types) = unsafe {
        if let Some(msg) = (*ctx).killed {
            let t = &*(*ctx).types;
            return Err(PyErr::from_value(t.killed.bind(py).call1((msg,))?));
        }
        (*ctx).in_host = true;
        let r = (*(*ctx).host).call(argv, (*ctx).resp).map(|b| b.to_vec());
        (*ctx).in_host = false;
        (r, &*(*ctx).types)
    };
    match reply {
        Err(text) => {
            let e = types.error_from_reply(py, text.as_bytes())?;
            if raise {
                Err(PyErr::from_value(e.into_bound(py)))
            } else {
                Ok(e)
            }
        }
        Ok(bytes) => {
            let v = convert::ReplyParser::new(&bytes).parse(py, types)?;
            if raise && bytes.first() == Some(&b'-') {
                return Err(PyErr::from_value(v.into_bound(py)));
            }
            Ok(v)
        }
    }
}

fn flags_from(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<ScriptFlags> {
    let _ = py;
    if v.is_instance_of::<pyo3::types::PyString>()
        || !(v.is_instance_of::<pyo3::types::PyList>()
            || v.is_instance_of::<pyo3::types::PyTuple>()
            || v.is_instance_of::<pyo3::types::PySet>()
            || v.is_instance_of::<pyo3::types::PyFrozenSet>())
    {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "flags argument to redis.register_function must be a list of flag names",
        ));
    }
    let mut flags = 0;
    for f in v.try_iter()? {
        let f = f?;
        let name: String = f
            .extract()
            .map_err(|_| pyo3::exceptions::PyValueError::new_err("unknown flag given"))?;
        flags |= ScriptFlags::from_name(&name, true)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("unknown flag given"))?;
    }
    Ok(ScriptFlags(flags))
}

fn register(
    py: Python<'_>,
    name: Option<&Bound<'_, PyAny>>,
    callback: Option<&Bound<'_, PyAny>>,
    flags: Option<&Bound<'_, PyAny>>,
    description: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let te = |m: &str| pyo3::exceptions::PyTypeError::new_err(m.to_string());
    let Some(ctx) = current().filter(|c| {
        // SAFETY: reading a plain field of the live context.
        unsafe { (**c).kind == Kind::Load }
    }) else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "redis.register_function can only be called on FUNCTION LOAD command",
        ));
    };
    let name =
        name.ok_or_else(|| te("redis.register_function must get a function name argument"))?;
    let name: String = name.extract().map_err(|_| {
        te("function_name argument given to redis.register_function must be a string")
    })?;
    let callback =
        callback.ok_or_else(|| te("redis.register_function must get a callback argument"))?;
    if !callback.is_callable() {
        return Err(te(
            "callback argument given to redis.register_function must be a function",
        ));
    }
    let flags = match flags {
        Some(f) if !f.is_none() => flags_from(py, f)?,
        _ => ScriptFlags(0),
    };
    let description = match description {
        Some(d) if !d.is_none() => Some(d.extract::<String>().map_err(|_| {
            te("description argument given to redis.register_function must be a string")
        })?),
        _ => None,
    };
    if !valid_name(&name) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "Function names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    // SAFETY: the context is live; no Python code runs while we hold the reference.
    let c = unsafe { &mut *ctx };
    if c.registered
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(&name))
    {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "Function already exists in the library",
        ));
    }
    c.registered.push(Registered {
        name,
        callback: callback.clone().unbind(),
        flags,
        description,
    });
    Ok(())
}

#[pymethods]
impl RedisApi {
    /// `redis.call(command, *args)`: runs a command; an error reply raises `redis.Error`.
    #[pyo3(signature = (*args))]
    fn call(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        do_call(py, args, true)
    }

    /// `redis.pcall(command, *args)`: like `call`, but returns error replies as
    /// `redis.Error` instances.
    #[pyo3(signature = (*args))]
    fn pcall(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        do_call(py, args, false)
    }

    /// `redis.error_reply(text)`: an error reply to return (`ERR ` added without a code).
    fn error_reply(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        ctx_for("redis.error_reply")?;
        if !text.is_instance_of::<pyo3::types::PyString>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "wrong number or type of arguments",
            ));
        }
        Ok(self.error.bind(py).call1((text,))?.unbind())
    }

    /// `redis.status_reply(text)`: a status reply to return (`+text`).
    fn status_reply(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        ctx_for("redis.status_reply")?;
        if !text.is_instance_of::<pyo3::types::PyString>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "wrong number or type of arguments",
            ));
        }
        Ok(self.status.bind(py).call1((text,))?.unbind())
    }

    /// `redis.sha1hex(data)`: 40 lowercase hex digits.
    #[pyo3(signature = (*args))]
    fn sha1hex(&self, args: &Bound<'_, PyTuple>) -> PyResult<String> {
        ctx_for("redis.sha1hex")?;
        if args.len() != 1 {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "wrong number of arguments",
            ));
        }
        let a = args.get_item(0)?;
        let data = if a.is_instance_of::<pyo3::types::PyString>() {
            convert::str_bytes(&a)?
        } else {
            a.extract::<Vec<u8>>()
                .map_err(|_| pyo3::exceptions::PyTypeError::new_err("wrong number of arguments"))?
        };
        use sha1::Digest;
        Ok(hex::encode(sha1::Sha1::digest(&data)))
    }

    /// `redis.log(level, *messages)`: writes to the server log.
    #[pyo3(signature = (*args))]
    fn log(&self, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        if current().is_none() {
            return Err(no_run("redis.log"));
        }
        if args.len() < 2 {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "redis.log() requires two arguments or more.",
            ));
        }
        let l = args.get_item(0)?;
        if l.is_instance_of::<pyo3::types::PyBool>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "First argument must be a number (log level).",
            ));
        }
        let level: i64 = l.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("First argument must be a number (log level).")
        })?;
        if !(0..=3).contains(&level) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "Invalid log level.",
            ));
        }
        let mut msg = Vec::new();
        for (i, a) in args.iter().skip(1).enumerate() {
            if i > 0 {
                msg.push(b' ');
            }
            if a.is_instance_of::<pyo3::types::PyString>() {
                msg.extend(convert::str_bytes(&a)?);
            } else if let Ok(b) = a.cast::<pyo3::types::PyBytes>() {
                msg.extend_from_slice(b.as_bytes());
            } else {
                msg.extend(convert::str_bytes(a.str()?.as_any())?);
            }
        }
        log_line(level as u8, &msg);
        Ok(())
    }

    /// `redis.setresp(2|3)`: protocol of later `redis.call` replies.
    #[pyo3(signature = (*args))]
    fn setresp(&self, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        let ctx = ctx_for("redis.setresp")?;
        if args.len() != 1 {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "redis.setresp() requires one argument.",
            ));
        }
        let v: i64 = args.get_item(0)?.extract().unwrap_or(0);
        if v != 2 && v != 3 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "RESP version must be 2 or 3.",
            ));
        }
        // SAFETY: plain field write on the live context.
        unsafe { (*ctx).resp = v as u8 };
        Ok(())
    }

    /// `redis.set_repl(flags)`: accepted and checked; Coil has no replication yet.
    #[pyo3(signature = (*args))]
    fn set_repl(&self, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        ctx_for("redis.set_repl")?;
        if args.len() != 1 {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "redis.set_repl() requires one argument.",
            ));
        }
        let v: i64 = args.get_item(0)?.extract().unwrap_or(-1);
        if !(0..=3).contains(&v) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
            ));
        }
        Ok(())
    }

    /// `redis.replicate_commands()`: a no-op kept for old scripts; returns True.
    fn replicate_commands(&self) -> bool {
        true
    }

    /// `redis.breakpoint()`: False (no debugger).
    fn breakpoint(&self) -> bool {
        false
    }

    /// `redis.debug(...)`: a no-op (no debugger).
    #[pyo3(signature = (*_args))]
    fn debug(&self, _args: &Bound<'_, PyTuple>) {}

    /// `redis.acl_check_cmd(command, *args)`: may the calling user run it?
    #[pyo3(signature = (*args))]
    fn acl_check_cmd(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        let ctx = ctx_for("redis.acl_check_cmd")?;
        if args.is_empty() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "Please specify at least one argument for this redis lib call",
            ));
        }
        let argv = convert::call_args(args)?;
        // SAFETY: as in `call`: no Python code runs while the host is borrowed.
        let r = unsafe {
            (*ctx).in_host = true;
            let r = (*(*ctx).host).acl_check(&argv);
            (*ctx).in_host = false;
            r
        };
        r.map_err(|e| {
            let err = self.error.bind(py).call1((e,));
            match err {
                Ok(e) => PyErr::from_value(e),
                Err(e) => e,
            }
        })
    }

    /// `redis.register_function(name, callback)` or with keywords `function_name`,
    /// `callback`, `flags`, `description` (or one dict of them). Library loads only.
    #[pyo3(signature = (*args, **kwargs))]
    fn register_function(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let te = |m: &str| pyo3::exceptions::PyTypeError::new_err(m.to_string());
        let named = match (args.len(), kwargs) {
            (0, Some(k)) => Some(k.clone()),
            (1, None) => Some(args.get_item(0)?.cast_into::<PyDict>().map_err(|_| {
                te("calling redis.register_function with a single argument is only applicable to a dict (representing named arguments).")
            })?),
            (2, None) => None,
            _ => return Err(te("wrong number of arguments to redis.register_function")),
        };
        match named {
            None => {
                let name = args.get_item(0)?;
                if !name.is_instance_of::<pyo3::types::PyString>() {
                    return Err(te(
                        "first argument to redis.register_function must be a string",
                    ));
                }
                let cb = args.get_item(1)?;
                if !cb.is_callable() {
                    return Err(te(
                        "second argument to redis.register_function must be a function",
                    ));
                }
                register(py, Some(&name), Some(&cb), None, None)
            }
            Some(d) => {
                let (mut n, mut cb, mut fl, mut de) = (None, None, None, None);
                for (k, v) in d.iter() {
                    let key: String = k.extract().map_err(|_| {
                        te("named argument key given to redis.register_function is not a string")
                    })?;
                    match key.to_ascii_lowercase().as_str() {
                        "function_name" => n = Some(v),
                        "callback" => cb = Some(v),
                        "flags" => fl = Some(v),
                        "description" => de = Some(v),
                        _ => return Err(te("unknown argument given to redis.register_function")),
                    }
                }
                register(py, n.as_ref(), cb.as_ref(), fl.as_ref(), de.as_ref())
            }
        }
    }

    /// `@redis.function(name=None, flags=None, description=None)`: registers the
    /// decorated callable (under its `__name__` by default) and returns it unchanged.
    /// Also usable bare: `@redis.function`.
    #[pyo3(signature = (func=None, *, name=None, flags=None, description=None))]
    fn function(
        &self,
        py: Python<'_>,
        func: Option<Bound<'_, PyAny>>,
        name: Option<Bound<'_, PyAny>>,
        flags: Option<Bound<'_, PyAny>>,
        description: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if let Some(f) = func {
            if f.is_callable() && name.is_none() && flags.is_none() && description.is_none() {
                let n = f.getattr("__name__")?;
                register(py, Some(&n), Some(&f), None, None)?;
                return Ok(f.unbind());
            }
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "redis.function takes keyword arguments: name, flags, description",
            ));
        }
        let name = name.map(Bound::unbind);
        let flags = flags.map(Bound::unbind);
        let description = description.map(Bound::unbind);
        let deco = pyo3::types::PyCFunction::new_closure(
            py,
            Some(c"register"),
            None,
            move |args: &Bound<'_, PyTuple>,
                  _k: Option<&Bound<'_, PyDict>>|
                  -> PyResult<Py<PyAny>> {
                let py = args.py();
                let f = args.get_item(0)?;
                let n = match &name {
                    Some(n) => n.bind(py).clone(),
                    None => f.getattr("__name__")?,
                };
                register(
                    py,
                    Some(&n),
                    Some(&f),
                    flags.as_ref().map(|x| x.bind(py).clone()).as_ref(),
                    description.as_ref().map(|x| x.bind(py).clone()).as_ref(),
                )?;
                Ok(f.unbind())
            },
        )?;
        Ok(deco.into_any().unbind())
    }

    /// `redis.Error`: the error reply type.
    #[getter(Error)]
    fn error_type(&self, py: Python<'_>) -> Py<PyType> {
        self.error.clone_ref(py)
    }

    /// `redis.Status`: the status reply type.
    #[getter(Status)]
    fn status_type(&self, py: Python<'_>) -> Py<PyType> {
        self.status.clone_ref(py)
    }

    #[classattr]
    const LOG_DEBUG: i64 = 0;
    #[classattr]
    const LOG_VERBOSE: i64 = 1;
    #[classattr]
    const LOG_NOTICE: i64 = 2;
    #[classattr]
    const LOG_WARNING: i64 = 3;
    #[classattr]
    const REPL_NONE: i64 = 0;
    #[classattr]
    const REPL_AOF: i64 = 1;
    #[classattr]
    const REPL_SLAVE: i64 = 2;
    #[classattr]
    const REPL_REPLICA: i64 = 2;
    #[classattr]
    const REPL_ALL: i64 = 3;
    #[classattr]
    const REDIS_VERSION: &'static str = "7.4.0";
    #[classattr]
    const REDIS_VERSION_NUM: i64 = 0x00070400;
}
