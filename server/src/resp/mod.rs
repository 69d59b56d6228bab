//! The Redis serialization protocol: request parsing, reply writing, and reading replies
//! back (for scripts and modules that run commands).

pub mod parse;
pub mod reply;
pub mod value;

pub use parse::{ParseLimits, Parsed, ProtocolError, RequestParser};
pub use reply::{Aggregate, Deferred, ReplyBuf};
pub use value::RespValue;
