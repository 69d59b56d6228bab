//! RDB files and `DUMP` payloads in Redis's format: version 10 written (12 when a hash
//! has field TTLs), versions up to 12 read, with every encoding Redis writes for the
//! types Coil has.
//!
//! - [`writer`] / [`reader`]: lengths, strings (integer, LZF), doubles, times;
//! - [`save`]: values and whole datasets; [`load`]: the same, back;
//! - [`module`]: module values and module AUX data, through hooks the module host sets.

pub mod consts;
pub mod load;
pub mod module;
pub mod reader;
pub mod save;
pub mod writer;

pub use consts::*;

/// Why an RDB could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbError {
    /// Redis's log message for the failure.
    pub msg: String,
    /// True for a short read (truncated file) rather than corrupt content.
    pub short: bool,
}

impl RdbError {
    /// Corrupt content, with Redis's message.
    pub fn corrupt(msg: impl Into<String>) -> RdbError {
        RdbError {
            msg: msg.into(),
            short: false,
        }
    }

    /// The data ended early.
    pub fn short() -> RdbError {
        RdbError {
            msg: "Short read or OOM loading DB. Unrecoverable error, aborting now.".into(),
            short: true,
        }
    }
}

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}
