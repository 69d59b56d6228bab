//! Opening a module's shared object and finding its entry points.
//!
//! `dlopen` with `RTLD_NOW | RTLD_LOCAL`: every symbol is resolved at load time (a module
//! that needs something we lack fails now, not at first use), and the module's own
//! global symbols (its `RedisModule_*` API pointer variables) stay private to it.

use coil_modules_api::{OnLoadFunc, OnUnloadFunc};
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};

/// An opened module file.
pub struct Loaded {
    /// The library, kept open while the module is loaded.
    pub lib: Library,
    /// `ValkeyModule_OnLoad` or `RedisModule_OnLoad`.
    pub onload: OnLoadFunc,
}

/// Why a file could not be opened as a module: the text Redis logs after
/// `Module <path> failed to load: ` (or the whole line for a missing entry point).
#[derive(Debug)]
pub enum LoadError {
    /// The file lacks execute permission.
    NotExecutable,
    /// `dlopen` failed (`dlerror()`'s text).
    Open(String),
    /// No `RedisModule_OnLoad` symbol.
    NoOnLoad,
}

/// Opens `path` and looks up its OnLoad function.
///
/// # Safety
/// Loading a shared object runs its initializers: the caller trusts the file (an
/// administrator asked for it with `MODULE LOAD` or `loadmodule`).
pub unsafe fn open(path: &str) -> Result<Loaded, LoadError> {
    if let Ok(md) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if md.permissions().mode() & 0o111 == 0 {
            return Err(LoadError::NotExecutable);
        }
    }
    // SAFETY: the caller trusts the file; the flags are Redis's.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
        .map_err(|e| LoadError::Open(dl_text(&e)))?;
    for name in [&b"ValkeyModule_OnLoad\0"[..], &b"RedisModule_OnLoad\0"[..]] {
        // SAFETY: OnLoad has this signature in every module (the ABI).
        if let Ok(sym) = unsafe { lib.get::<OnLoadFunc>(name) } {
            let onload = *sym;
            return Ok(Loaded { lib, onload });
        }
    }
    Err(LoadError::NoOnLoad)
}

/// The module's `RedisModule_OnUnload`, if it exports one.
pub fn onunload(lib: &Library) -> Option<OnUnloadFunc> {
    for name in [
        &b"ValkeyModule_OnUnload\0"[..],
        &b"RedisModule_OnUnload\0"[..],
    ] {
        // SAFETY: OnUnload has this signature in every module (the ABI).
        if let Ok(sym) = unsafe { lib.get::<OnUnloadFunc>(name) } {
            return Some(*sym);
        }
    }
    None
}

/// `dlerror()`'s text, which libloading keeps as the error's source.
fn dl_text(err: &libloading::Error) -> String {
    match std::error::Error::source(err) {
        Some(s) => s.to_string(),
        None => err.to_string(),
    }
}
