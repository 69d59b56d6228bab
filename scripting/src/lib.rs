//! Coil's scripting engine: Python scripts in Lua's place for `EVAL` and `FUNCTION`.
//!
//! The engine knows nothing about sockets or the keyspace. It reaches the server only
//! through [`ScriptHost`], which the server implements. Not implemented yet: the
//! scripting issue builds the embedded CPython engine behind this interface.

/// What a running script may ask of the server.
pub trait ScriptHost {
    /// Runs a command (`redis.call`) and returns its raw RESP reply.
    fn call(&mut self, argv: &[&[u8]]) -> Vec<u8>;
    /// Writes a line to the server log at a Redis log level (0 debug ... 3 warning).
    fn log(&mut self, level: u8, msg: &str);
    /// The protocol the calling client speaks (2 or 3).
    fn resp(&self) -> u8;
    /// Whether the script may still write.
    fn may_write(&self) -> bool;
}
