//! Values crossing the boundary: `redis.call` arguments (Python -> bytes), command
//! replies (RESP -> Python) and a script's result (Python -> RESP in the caller's
//! protocol). The conversion tables are in the README and `specs/python-scripting.md`.
//!
//! Hot paths use the C API directly: exact-type checks first, no Python code runs for
//! built-in types.

use crate::engine::Types;
use bytes::Bytes;
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::c_int;

/// Nesting limit for returned values (deeper means a cycle or abuse).
pub const MAX_DEPTH: usize = 1000;

const SURROGATEESCAPE: &std::ffi::CStr = c"surrogateescape";

/// Decodes bytes as a `str` (UTF-8, surrogateescape: every byte string round-trips).
pub fn decode(py: Python<'_>, data: &[u8]) -> PyResult<Py<PyAny>> {
    // SAFETY: valid pointer and length; the result is a new reference or NULL with an
    // exception set.
    unsafe {
        let p = ffi::PyUnicode_DecodeUTF8(
            data.as_ptr().cast(),
            data.len() as ffi::Py_ssize_t,
            SURROGATEESCAPE.as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, p).map(Bound::unbind)
    }
}

/// A Python list of `str` from byte strings (KEYS, ARGV).
pub fn str_list(py: Python<'_>, items: &[Bytes]) -> PyResult<Py<PyAny>> {
    // SAFETY: PyList_New returns a new list with NULL slots; every slot is filled with
    // a new reference (stolen by PyList_SET_ITEM) before the list is used.
    unsafe {
        let list = ffi::PyList_New(items.len() as ffi::Py_ssize_t);
        let list = Bound::from_owned_ptr_or_err(py, list)?;
        for (i, it) in items.iter().enumerate() {
            let s = decode(py, it)?;
            ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, s.into_ptr());
        }
        Ok(list.unbind())
    }
}

/// The UTF-8 bytes of a `str`, surrogateescape applied.
pub fn str_bytes(o: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    // SAFETY: `o` is a str; AsUTF8AndSize returns a buffer owned by the object (valid
    // while `o` lives) or NULL with an exception set (lone surrogates).
    unsafe {
        let mut n: ffi::Py_ssize_t = 0;
        let p = ffi::PyUnicode_AsUTF8AndSize(o.as_ptr(), &mut n);
        if !p.is_null() {
            return Ok(std::slice::from_raw_parts(p.cast::<u8>(), n as usize).to_vec());
        }
        ffi::PyErr_Clear();
        let b =
            ffi::PyUnicode_AsEncodedString(o.as_ptr(), c"utf-8".as_ptr(), SURROGATEESCAPE.as_ptr());
        let b = Bound::from_owned_ptr_or_err(o.py(), b)?;
        let data = ffi::PyBytes_AsString(b.as_ptr());
        let len = ffi::PyBytes_Size(b.as_ptr());
        Ok(std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec())
    }
}

/// Decimal digits of an integral float within +-2^53, otherwise its `repr`.
fn float_arg(o: &Bound<'_, PyAny>, d: f64) -> PyResult<Vec<u8>> {
    if d.is_finite() && d.fract() == 0.0 && d.abs() <= 9007199254740992.0 {
        return Ok((d as i64).to_string().into_bytes());
    }
    Ok(o.repr()?.to_string().into_bytes())
}

fn type_name(o: &Bound<'_, PyAny>) -> String {
    // SAFETY: tp_name is a NUL-terminated string owned by the type.
    let n = unsafe { std::ffi::CStr::from_ptr((*ffi::Py_TYPE(o.as_ptr())).tp_name) };
    let n = n.to_string_lossy();
    n.rsplit('.').next().unwrap_or(&n).to_string()
}

/// Converts `redis.call` arguments to a command line.
pub fn call_args(args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Vec<Bytes>> {
    let mut out = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let p = a.as_ptr();
        // SAFETY: type checks on a live object.
        let bytes = unsafe {
            if ffi::PyUnicode_Check(p) != 0 {
                str_bytes(&a)?
            } else if ffi::PyBool_Check(p) != 0 {
                return Err(arg_error(i, &a));
            } else if ffi::PyLong_Check(p) != 0 {
                let mut overflow: c_int = 0;
                let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
                if overflow != 0 {
                    a.str()?.to_string().into_bytes()
                } else if v == -1 && !ffi::PyErr_Occurred().is_null() {
                    return Err(PyErr::fetch(a.py()));
                } else {
                    v.to_string().into_bytes()
                }
            } else if ffi::PyFloat_Check(p) != 0 {
                float_arg(&a, ffi::PyFloat_AsDouble(p))?
            } else if ffi::PyBytes_Check(p) != 0 {
                let data = ffi::PyBytes_AsString(p);
                let len = ffi::PyBytes_Size(p);
                std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec()
            } else if ffi::PyByteArray_Check(p) != 0 {
                let data = ffi::PyByteArray_AsString(p);
                let len = ffi::PyByteArray_Size(p);
                std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec()
            } else {
                return Err(arg_error(i, &a));
            }
        };
        out.push(Bytes::from(bytes));
    }
    Ok(out)
}

fn arg_error(i: usize, a: &Bound<'_, PyAny>) -> PyErr {
    pyo3::exceptions::PyTypeError::new_err(format!(
        "redis command arguments must be str, bytes, int or float; argument {} is '{}'",
        i + 1,
        type_name(a)
    ))
}

/// Reads one RESP reply into Python objects.
pub struct ReplyParser<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> ReplyParser<'a> {
    /// A parser over a complete reply.
    pub fn new(buf: &'a [u8]) -> Self {
        ReplyParser { buf, pos: 0 }
    }

    fn line(&mut self) -> PyResult<&'a [u8]> {
        let rest = &self.buf[self.pos.min(self.buf.len())..];
        let n = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(proto_err)?;
        self.pos += n + 2;
        Ok(&rest[..n])
    }

    fn int(&mut self) -> PyResult<i64> {
        let l = self.line()?;
        std::str::from_utf8(l)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(proto_err)
    }

    /// Parses the next reply. Error replies become `redis.Error` instances (marked as
    /// already counted).
    pub fn parse(&mut self, py: Python<'_>, t: &Types) -> PyResult<Py<PyAny>> {
        let Some(&kind) = self.buf.get(self.pos) else {
            return Err(proto_err());
        };
        self.pos += 1;
        Ok(match kind {
            b':' => self.int()?.into_pyobject(py)?.into_any().unbind(),
            b'$' => {
                let n = self.int()?;
                if n < 0 {
                    return Ok(py.None());
                }
                let data = self.take(n as usize)?;
                decode(py, data)?
            }
            b'+' => {
                let l = self.line()?;
                if l == b"OK" {
                    t.ok.clone_ref(py)
                } else {
                    t.status.bind(py).call1((decode(py, l)?,))?.unbind()
                }
            }
            b'-' => {
                let l = self.line()?;
                t.error_from_reply(py, l)?
            }
            b'*' | b'~' | b'>' => {
                let n = self.int()?;
                if n < 0 {
                    return Ok(py.None());
                }
                let mut items = Vec::with_capacity((n as usize).min(4096));
                for _ in 0..n {
                    items.push(self.parse(py, t)?);
                }
                let list = pyo3::types::PyList::new(py, items)?;
                if kind == b'~' {
                    match pyo3::types::PySet::new(py, list.iter()) {
                        Ok(s) => s.into_any().unbind(),
                        Err(_) => list.into_any().unbind(),
                    }
                } else {
                    list.into_any().unbind()
                }
            }
            b'%' => {
                let n = self.int()?;
                let d = pyo3::types::PyDict::new(py);
                for _ in 0..n {
                    let k = self.parse(py, t)?;
                    let v = self.parse(py, t)?;
                    d.set_item(k, v)?;
                }
                d.into_any().unbind()
            }
            b'|' => {
                let n = self.int()?;
                for _ in 0..2 * n {
                    self.parse(py, t)?;
                }
                return self.parse(py, t);
            }
            b'_' => {
                self.line()?;
                py.None()
            }
            b',' => {
                let l = self.line()?;
                let s = std::str::from_utf8(l).map_err(|_| proto_err())?;
                let d: f64 = match s {
                    "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    "nan" => f64::NAN,
                    _ => s.parse().map_err(|_| proto_err())?,
                };
                d.into_pyobject(py)?.into_any().unbind()
            }
            b'#' => {
                let l = self.line()?;
                pyo3::types::PyBool::new(py, l == b"t")
                    .to_owned()
                    .into_any()
                    .unbind()
            }
            b'(' => {
                let l = self.line()?;
                let s = std::str::from_utf8(l).map_err(|_| proto_err())?;
                py.get_type::<pyo3::types::PyInt>().call1((s,))?.unbind()
            }
            b'=' => {
                let n = self.int()?;
                let data = self.take(n.max(0) as usize)?;
                decode(py, data.get(4..).unwrap_or(b""))?
            }
            _ => return Err(proto_err()),
        })
    }

    fn take(&mut self, n: usize) -> PyResult<&'a [u8]> {
        let data = self.buf.get(self.pos..self.pos + n).ok_or_else(proto_err)?;
        self.pos += n + 2;
        Ok(data)
    }
}

fn proto_err() -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err("malformed reply from the server")
}

/// Writes RESP for a script's result.
pub struct ReplyWriter<'t> {
    /// The encoded reply.
    pub out: Vec<u8>,
    /// Protocol of the client that gets the reply.
    pub resp3: bool,
    /// Error replies written, with whether each was already counted.
    pub errors: Vec<(String, bool)>,
    types: &'t Types,
}

/// Why a value could not be converted.
pub enum WriteError {
    /// Python raised (a user `__str__`, a kill).
    Py(PyErr),
    /// The value cannot be a reply; the text is the error reply.
    Reply(String),
}

impl From<PyErr> for WriteError {
    fn from(e: PyErr) -> Self {
        WriteError::Py(e)
    }
}

impl<'t> ReplyWriter<'t> {
    /// A writer for a client speaking RESP3 or not.
    pub fn new(resp3: bool, types: &'t Types) -> Self {
        ReplyWriter {
            out: Vec::with_capacity(64),
            resp3,
            errors: Vec::new(),
            types,
        }
    }

    fn header(&mut self, c: u8, n: usize) {
        self.out.push(c);
        self.out.extend_from_slice(n.to_string().as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len());
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\r\n");
    }

    fn line(&mut self, c: u8, text: &[u8]) {
        self.out.push(c);
        self.out.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.out.extend_from_slice(b"\r\n");
    }

    fn null(&mut self) {
        self.out
            .extend_from_slice(if self.resp3 { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// Writes one value.
    pub fn write(&mut self, o: &Bound<'_, PyAny>, depth: usize) -> Result<(), WriteError> {
        if depth > MAX_DEPTH {
            return Err(WriteError::Reply("ERR reached python stack limit".into()));
        }
        let p = o.as_ptr();
        let py = o.py();
        // SAFETY: type checks and reads of a live object whose exact type was checked.
        unsafe {
            if ffi::PyUnicode_CheckExact(p) != 0 {
                let b = str_bytes(o)?;
                self.bulk(&b);
            } else if ffi::PyLong_CheckExact(p) != 0 {
                let mut overflow: c_int = 0;
                let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
                if overflow != 0 {
                    let s = o.str()?.to_string();
                    if self.resp3 {
                        self.line(b'(', s.as_bytes());
                    } else {
                        self.bulk(s.as_bytes());
                    }
                } else {
                    self.out.push(b':');
                    self.out.extend_from_slice(v.to_string().as_bytes());
                    self.out.extend_from_slice(b"\r\n");
                }
            } else if p == ffi::Py_None() {
                self.null();
            } else if ffi::PyBool_Check(p) != 0 {
                let t = p == ffi::Py_True();
                self.out.extend_from_slice(match (self.resp3, t) {
                    (true, true) => b"#t\r\n",
                    (true, false) => b"#f\r\n",
                    (false, true) => b":1\r\n",
                    (false, false) => b":0\r\n",
                });
            } else if ffi::PyList_Check(p) != 0 || ffi::PyTuple_Check(p) != 0 {
                let seq = if ffi::PyList_Check(p) != 0 {
                    let l = o.cast::<pyo3::types::PyList>().map_err(PyErr::from)?;
                    l.iter().collect::<Vec<_>>()
                } else {
                    let t = o.cast::<pyo3::types::PyTuple>().map_err(PyErr::from)?;
                    t.iter().collect::<Vec<_>>()
                };
                self.header(b'*', seq.len());
                for it in &seq {
                    self.write(it, depth + 1)?;
                }
            } else if ffi::PyDict_Check(p) != 0 {
                let d = o.cast::<pyo3::types::PyDict>().map_err(PyErr::from)?;
                let items: Vec<_> = d.iter().collect();
                if self.resp3 {
                    self.header(b'%', items.len());
                } else {
                    self.header(b'*', items.len() * 2);
                }
                for (k, v) in &items {
                    self.write(k, depth + 1)?;
                    self.write(v, depth + 1)?;
                }
            } else if ffi::PyAnySet_Check(p) != 0 {
                let items: Vec<_> = o.try_iter()?.collect::<PyResult<_>>()?;
                self.header(if self.resp3 { b'~' } else { b'*' }, items.len());
                for it in &items {
                    self.write(it, depth + 1)?;
                }
            } else if ffi::PyFloat_Check(p) != 0 {
                let d = ffi::PyFloat_AsDouble(p);
                if self.resp3 {
                    let s = if d.is_nan() {
                        "nan".to_string()
                    } else if d.is_infinite() {
                        if d > 0.0 { "inf" } else { "-inf" }.to_string()
                    } else {
                        o.repr()?.to_string()
                    };
                    self.line(b',', s.as_bytes());
                } else {
                    let s = o.repr()?.to_string();
                    self.bulk(s.as_bytes());
                }
            } else if o.is_instance(self.types.status.bind(py))? {
                let b = str_bytes(o)?;
                self.line(b'+', &b);
            } else if ffi::PyUnicode_Check(p) != 0 {
                let b = str_bytes(o)?;
                self.bulk(&b);
            } else if ffi::PyLong_Check(p) != 0 {
                let v = py.get_type::<pyo3::types::PyInt>().call1((o,))?;
                self.write(&v, depth + 1)?;
            } else if ffi::PyBytes_Check(p) != 0
                || ffi::PyByteArray_Check(p) != 0
                || ffi::PyMemoryView_Check(p) != 0
            {
                let b = ffi::PyBytes_FromObject(p);
                let b = Bound::from_owned_ptr_or_err(py, b)?;
                let data = ffi::PyBytes_AsString(b.as_ptr());
                let len = ffi::PyBytes_Size(b.as_ptr());
                self.bulk(std::slice::from_raw_parts(data.cast::<u8>(), len as usize));
            } else if o.is_instance(self.types.error.bind(py))? {
                let (text, counted) = self.types.error_text(o)?;
                self.line(b'-', text.as_bytes());
                let code = text.split(' ').next().unwrap_or("ERR").to_string();
                self.errors.push((code, counted));
            } else {
                return Err(WriteError::Reply(format!(
                    "ERR script returned a value of an unsupported type: '{}'",
                    type_name(o)
                )));
            }
        }
        Ok(())
    }
}
