//! Coil's scripting engine: Python scripts in Lua's place for `EVAL` and `FUNCTION`.
//!
//! The engine knows nothing about sockets or the keyspace. It reaches the server only
//! through [`ScriptHost`], which the server implements for the length of one run.
//!
//! # Layout
//!
//! - [`engine`]: the script cache (SHA1, with Redis 7.4's EVAL LRU), the function
//!   libraries, and running either.
//! - `api`: the `redis` object scripts see; `convert`: values crossing the boundary;
//!   `sandbox`: curated builtins and the import allowlist; `compile`: shebangs and
//!   turning a body into a function.
//! - `runtime`: interpreter start-up, the audit hook, the watchdog (busy scripts, kills);
//!   [`memory`]: the counting allocator wrappers and the per-script cap.
//!
//! # Threads
//!
//! Every entry point must be called on the one thread that runs commands (the first
//! call starts the interpreter there: CPython's "main thread"), while it holds the
//! server's execution lock. The GIL is taken for each call and released before it
//! returns.

use bytes::Bytes;

mod api;
mod compile;
mod convert;
pub mod engine;
pub mod memory;
mod runtime;
mod sandbox;

pub use compile::{parse_shebang, ScriptFlags};
pub use engine::{Engine, EngineConfig, FunctionInfo, LibraryInfo, RestorePolicy, RunOutcome};

/// What a running script may ask of the server.
pub trait ScriptHost {
    /// Runs a command for `redis.call`/`redis.pcall` on the script's client, whose
    /// protocol is `resp` (2 or 3). Returns the raw RESP reply, or the text of an error
    /// that refused the call before it ran (`"ERR This Redis command is not allowed
    /// from script"`); such errors are already counted in the error statistics.
    fn call(&mut self, argv: Vec<Bytes>, resp: u8) -> Result<&[u8], String>;
    /// Writes a line to the server log at a Redis log level (0 debug ... 3 warning).
    fn log(&mut self, level: u8, msg: &[u8]);
    /// `redis.acl_check_cmd`: may the caller run this command? `Err` for an unknown
    /// command or wrong arity.
    fn acl_check(&mut self, argv: &[Bytes]) -> Result<bool, String>;
    /// Called every few milliseconds once the script has run past the busy threshold:
    /// serve other clients once, in busy mode. Returns true when the script must stop
    /// (`SCRIPT KILL` / `FUNCTION KILL` was accepted).
    fn busy_tick(&mut self, elapsed_ms: u64) -> bool;
}

#[cfg(test)]
mod tests;
