//! Function libraries: `FUNCTION LOAD`, `RESTORE`, `DELETE`, `FLUSH`, and `FCALL`.

use super::{error_line, Engine, Kind, RunLimits, RunOutcome};
use crate::compile::{self, ScriptFlags};
use crate::sandbox;
use crate::ScriptHost;
use bytes::Bytes;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::{BTreeMap, HashMap};

/// A registered function.
pub struct FunctionInfo {
    /// Name as registered.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Flags.
    pub flags: ScriptFlags,
    callback: Py<PyAny>,
}

/// A loaded library.
pub struct LibraryInfo {
    /// Name.
    pub name: String,
    /// The code as loaded (first line included).
    pub code: Bytes,
    /// Its functions, in registration order.
    pub functions: Vec<FunctionInfo>,
    /// Python memory the load added.
    pub memory: usize,
    _globals: Py<PyDict>,
}

/// What `FUNCTION RESTORE` does with existing libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestorePolicy {
    /// Fail on any collision.
    Append,
    /// Replace libraries of the same name.
    Replace,
    /// Drop all libraries first.
    Flush,
}

impl Engine {
    // ---- functions ----------------------------------------------------------------

    /// Looks a function up (case-insensitive): its registered name and flags.
    pub fn function_flags(&self, name: &str) -> Option<ScriptFlags> {
        let (lib, i) = self.functions.get(&name.to_ascii_lowercase())?;
        self.libraries.get(lib).map(|l| l.functions[*i].flags)
    }

    /// The registered name of a function (as FUNCTION STATS shows it).
    pub fn function_name(&self, name: &str) -> Option<&str> {
        let (lib, i) = self.functions.get(&name.to_ascii_lowercase())?;
        self.libraries
            .get(lib)
            .map(|l| l.functions[*i].name.as_str())
    }

    /// Runs a function by name (FCALL). The caller checked that it exists.
    pub fn run_function(
        &mut self,
        name: &str,
        keys: &[Bytes],
        args: &[Bytes],
        host: &mut dyn ScriptHost,
        caller_resp: u8,
        limits: RunLimits,
    ) -> RunOutcome {
        let Some((lib, i)) = self.functions.get(&name.to_ascii_lowercase()) else {
            return RunOutcome::error("ERR Function not found".into(), false);
        };
        let Some(f) = self.libraries.get(lib).map(|l| &l.functions[*i]) else {
            return RunOutcome::error("ERR Function not found".into(), false);
        };
        self.run(
            &f.callback,
            keys,
            args,
            host,
            caller_resp,
            limits,
            Kind::Function,
            &f.name,
        )
    }

    /// Compiles and runs a library's code, returning the library (not installed).
    /// Errors are reply texts without `ERR `.
    pub fn prepare_library(
        &mut self,
        code: &[u8],
        host: &mut dyn ScriptHost,
        timeout_ms: u64,
    ) -> Result<LibraryInfo, String> {
        let meta = compile::parse_library_meta(code)?;
        if !compile::valid_name(&meta.name) {
            return Err("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long".into());
        }
        if !meta.engine.eq_ignore_ascii_case("python") {
            return Err(format!("Engine '{}' not found", meta.engine));
        }
        let mem_before = crate::memory::allocated();
        Python::attach(|py| {
            let code_obj = sandbox::host_mode(|| {
                self.py
                    .compile_library
                    .bind(py)
                    .call1((compile::source_bytes(py, code), "user_function"))
            })
            .map_err(|e| {
                format!(
                    "Error compiling function: {}",
                    compile::compile_error(py, &e, "user_function")
                )
            })?;
            let globals = PyDict::new(py);
            let setup = || -> PyResult<()> {
                globals.set_item("__builtins__", self.py.builtins.bind(py))?;
                globals.set_item("__name__", meta.name.as_str())?;
                globals.set_item("redis", self.py.api.bind(py))?;
                Ok(())
            };
            setup().map_err(|e| e.to_string())?;
            let limits = RunLimits {
                busy_threshold_ms: timeout_ms,
                max_memory: 0,
            };
            let mut ctx = self.begin(host, Kind::Load, limits);
            // SAFETY: evaluates a code object we compiled in a dict we own; the result
            // is a new reference or NULL with an exception set.
            let res = unsafe {
                let r = ffi::PyEval_EvalCode(code_obj.as_ptr(), globals.as_ptr(), globals.as_ptr());
                Bound::from_owned_ptr_or_err(py, r)
            };
            let pending = res.err().map(|e| {
                let v = e.value(py).clone();
                let (text, _) = self.exception_text(v.as_any(), "user_function");
                (text, e)
            });
            let killed = self.end(&mut ctx);
            self.after_run(py);
            if let Some(msg) = killed {
                return Err(format!("Error registering functions: ERR {msg}"));
            }
            if let Some((text, exc)) = pending {
                let line = error_line(py, &exc, "user_function");
                return Err(format!(
                    "Error registering functions: {}",
                    text.replace("{LINE}", &line.to_string())
                ));
            }
            let registered = std::mem::take(&mut ctx.registered);
            if registered.is_empty() {
                return Err("No functions registered".into());
            }
            Ok(LibraryInfo {
                name: meta.name.clone(),
                code: Bytes::copy_from_slice(code),
                functions: registered
                    .into_iter()
                    .map(|r| FunctionInfo {
                        name: r.name,
                        description: r.description,
                        flags: r.flags,
                        callback: r.callback,
                    })
                    .collect(),
                memory: crate::memory::allocated().saturating_sub(mem_before),
                _globals: globals.unbind(),
            })
        })
    }

    /// Installs prepared libraries under a policy, all or nothing. `replace_one` is
    /// FUNCTION LOAD REPLACE for a single library (its own errors differ).
    pub fn install(&mut self, libs: Vec<LibraryInfo>, policy: RestorePolicy) -> Result<(), String> {
        let mut new_libs = if policy == RestorePolicy::Flush {
            BTreeMap::new()
        } else {
            std::mem::take(&mut self.libraries)
        };
        let old = if policy == RestorePolicy::Flush {
            std::mem::take(&mut self.libraries)
        } else {
            BTreeMap::new()
        };
        let mut removed = Vec::new();
        for l in &libs {
            if let Some(prev) = new_libs.remove(&l.name) {
                if policy == RestorePolicy::Append {
                    new_libs.insert(prev.name.clone(), prev);
                    self.rollback(new_libs, old, removed);
                    return Err(format!("Library {} already exists", l.name));
                }
                removed.push(prev);
            }
        }
        let mut names: HashMap<String, ()> = HashMap::new();
        for lib in new_libs.values() {
            for f in &lib.functions {
                names.insert(f.name.to_ascii_lowercase(), ());
            }
        }
        for l in &libs {
            for f in &l.functions {
                if names.insert(f.name.to_ascii_lowercase(), ()).is_some() {
                    let n = f.name.clone();
                    self.rollback(new_libs, old, removed);
                    return Err(format!("Function {n} already exists"));
                }
            }
        }
        for l in libs {
            new_libs.insert(l.name.clone(), l);
        }
        self.libraries = new_libs;
        self.generation += 1;
        Python::attach(|_| {
            drop(removed);
            drop(old);
        });
        self.reindex();
        Ok(())
    }

    fn rollback(
        &mut self,
        mut current: BTreeMap<String, LibraryInfo>,
        old: BTreeMap<String, LibraryInfo>,
        removed: Vec<LibraryInfo>,
    ) {
        for r in removed {
            current.insert(r.name.clone(), r);
        }
        if !old.is_empty() {
            current = old;
        }
        self.libraries = current;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.functions.clear();
        for (lname, l) in &self.libraries {
            for (i, f) in l.functions.iter().enumerate() {
                self.functions
                    .insert(f.name.to_ascii_lowercase(), (lname.clone(), i));
            }
        }
    }

    /// `FUNCTION LOAD [REPLACE]`: prepares and installs one library. Errors are reply
    /// texts without `ERR `.
    pub fn function_load(
        &mut self,
        code: &[u8],
        replace: bool,
        host: &mut dyn ScriptHost,
        timeout_ms: u64,
    ) -> Result<String, String> {
        if let Ok(meta) = compile::parse_library_meta(code) {
            if compile::valid_name(&meta.name)
                && meta.engine.eq_ignore_ascii_case("python")
                && !replace
                && self.libraries.contains_key(&meta.name)
            {
                return Err(format!("Library '{}' already exists", meta.name));
            }
        }
        let lib = self.prepare_library(code, host, timeout_ms)?;
        let name = lib.name.clone();
        if !replace && self.libraries.contains_key(&name) {
            return Err(format!("Library '{name}' already exists"));
        }
        self.install(
            vec![lib],
            if replace {
                RestorePolicy::Replace
            } else {
                RestorePolicy::Append
            },
        )?;
        Ok(name)
    }

    /// `FUNCTION DELETE`: true if the library existed.
    pub fn function_delete(&mut self, name: &str) -> bool {
        let Some(l) = self.libraries.remove(name) else {
            return false;
        };
        Python::attach(|_| drop(l));
        self.reindex();
        self.generation += 1;
        true
    }

    /// `FUNCTION FLUSH`.
    pub fn function_flush(&mut self) {
        let libs = std::mem::take(&mut self.libraries);
        Python::attach(|_| drop(libs));
        self.functions.clear();
        self.generation += 1;
    }

    /// Loaded libraries, by name.
    pub fn libraries(&self) -> impl Iterator<Item = &LibraryInfo> {
        self.libraries.values()
    }

    /// (libraries, functions) counts.
    pub fn function_counts(&self) -> (usize, usize) {
        (self.libraries.len(), self.functions.len())
    }

    /// Python memory attributed to function libraries.
    pub fn functions_vm_memory(&self) -> usize {
        self.libraries.values().map(|l| l.memory).sum()
    }

    /// Bytes of library code and bookkeeping.
    pub fn functions_memory(&self) -> usize {
        self.libraries
            .values()
            .map(|l| l.code.len() + 200 + l.functions.len() * 100)
            .sum()
    }
}
