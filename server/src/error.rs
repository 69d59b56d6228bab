//! Command errors and their canonical texts: the only place Redis's error strings live.
//!
//! A command returns `Err(CmdError)`; the dispatcher renders it as an error reply and
//! counts it in `INFO errorstats` under its code (the first word).

use std::borrow::Cow;
use std::fmt;

/// The result of a command handler.
pub type CmdResult = Result<(), CmdError>;

/// An error reply. The text is the whole line without the leading `-`, starting with the
/// error code (`ERR`, `WRONGTYPE`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(Cow<'static, str>);

impl CmdError {
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`
    pub const WRONG_TYPE: CmdError =
        CmdError::fixed("WRONGTYPE Operation against a key holding the wrong kind of value");
    /// `ERR syntax error`
    pub const SYNTAX: CmdError = CmdError::fixed("ERR syntax error");
    /// `ERR value is not an integer or out of range`
    pub const NOT_INTEGER: CmdError =
        CmdError::fixed("ERR value is not an integer or out of range");
    /// `ERR value is not a valid float`
    pub const NOT_FLOAT: CmdError = CmdError::fixed("ERR value is not a valid float");
    /// `ERR no such key`
    pub const NO_SUCH_KEY: CmdError = CmdError::fixed("ERR no such key");
    /// `ERR index out of range`
    pub const INDEX_OUT_OF_RANGE: CmdError = CmdError::fixed("ERR index out of range");
    /// `ERR source and destination objects are the same`
    pub const SAME_OBJECT: CmdError =
        CmdError::fixed("ERR source and destination objects are the same");
    /// `ERR increment or decrement would overflow`
    pub const OVERFLOW: CmdError = CmdError::fixed("ERR increment or decrement would overflow");
    /// `ERR timeout is not a float or out of range`
    pub const TIMEOUT_NOT_FLOAT: CmdError =
        CmdError::fixed("ERR timeout is not a float or out of range");
    /// `ERR timeout is out of range`
    pub const TIMEOUT_OUT_OF_RANGE: CmdError = CmdError::fixed("ERR timeout is out of range");
    /// `ERR timeout is negative`
    pub const TIMEOUT_NEGATIVE: CmdError = CmdError::fixed("ERR timeout is negative");
    /// `ERR invalid expire time in '<cmd>' command` needs the name: see [`CmdError::invalid_expire`].
    /// `ERR DB index is out of range`
    pub const DB_INDEX_OUT_OF_RANGE: CmdError = CmdError::fixed("ERR DB index is out of range");
    /// `ERR invalid DB index`
    pub const INVALID_DB_INDEX: CmdError = CmdError::fixed("ERR invalid DB index");
    /// `NOAUTH Authentication required.`
    pub const NOAUTH: CmdError = CmdError::fixed("NOAUTH Authentication required.");
    /// `OOM command not allowed when used memory > 'maxmemory'.`
    pub const OOM: CmdError =
        CmdError::fixed("OOM command not allowed when used memory > 'maxmemory'.");
    /// `EXECABORT Transaction discarded because of previous errors.`
    pub const EXEC_ABORT: CmdError =
        CmdError::fixed("EXECABORT Transaction discarded because of previous errors.");
    /// `BUSYKEY Target key name already exists.`
    pub const BUSY_KEY: CmdError = CmdError::fixed("BUSYKEY Target key name already exists.");
    /// `LOADING Redis is loading the dataset in memory`
    pub const LOADING: CmdError = CmdError::fixed("LOADING Redis is loading the dataset in memory");
    /// `BUSY ...` while an EVAL script runs too long.
    pub const BUSY_EVAL: CmdError = CmdError::fixed(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
    );
    /// `BUSY ...` while a function runs too long.
    pub const BUSY_FUNCTION: CmdError = CmdError::fixed(
        "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
    );
    /// `BUSY Redis is busy running a module command.`
    pub const BUSY_MODULE: CmdError =
        CmdError::fixed("BUSY Redis is busy running a module command.");
    /// `MISCONF ...` while background saves fail and `stop-writes-on-bgsave-error` is on.
    pub const MISCONF: CmdError = CmdError::fixed("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.");
    /// `NOSCRIPT No matching script. Please use EVAL.`
    pub const NO_SCRIPT: CmdError =
        CmdError::fixed("NOSCRIPT No matching script. Please use EVAL.");
    /// `ERR Command not allowed inside a transaction`
    pub const NOT_IN_MULTI: CmdError =
        CmdError::fixed("ERR Command not allowed inside a transaction");

    /// An error with a fixed text.
    pub const fn fixed(text: &'static str) -> CmdError {
        CmdError(Cow::Borrowed(text))
    }

    /// An error whose text is `ERR ` followed by `msg`.
    pub fn err(msg: impl fmt::Display) -> CmdError {
        CmdError(Cow::Owned(format!("ERR {msg}")))
    }

    /// An error with a complete text, code included (`"NOPERM ..."`); a leading `-` is
    /// dropped.
    pub fn raw(text: impl Into<String>) -> CmdError {
        let t: String = text.into();
        let t = t.strip_prefix('-').map(str::to_owned).unwrap_or(t);
        CmdError(Cow::Owned(t))
    }

    /// An error text as C code hands it to `addReplyError`: used verbatim after a leading
    /// `-`, otherwise prefixed with `ERR `.
    pub fn from_reply_error(text: &str) -> CmdError {
        match text.strip_prefix('-') {
            Some(t) => CmdError(Cow::Owned(t.to_owned())),
            None => CmdError::err(text),
        }
    }

    /// `ERR wrong number of arguments for '<cmd>' command`
    pub fn wrong_arity(fullname: &str) -> CmdError {
        CmdError::err(format_args!(
            "wrong number of arguments for '{fullname}' command"
        ))
    }

    /// The unknown-command error, quoting up to 128 bytes of the arguments as Redis does.
    pub fn unknown_command(name: &[u8], args: &[bytes::Bytes]) -> CmdError {
        let mut list = String::new();
        for a in args {
            if list.len() >= 128 {
                break;
            }
            let room = 128 - list.len();
            let text = String::from_utf8_lossy(&a[..a.len().min(room)]);
            list.push('\'');
            list.push_str(&text);
            list.push_str("' ");
        }
        let name = String::from_utf8_lossy(&name[..name.len().min(128)]);
        CmdError::err(format_args!(
            "unknown command '{name}', with args beginning with: {list}"
        ))
    }

    /// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
    pub fn unknown_subcommand(sub: &[u8], container: &str) -> CmdError {
        let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
        CmdError::err(format_args!(
            "unknown subcommand '{sub}'. Try {} HELP.",
            container.to_ascii_uppercase()
        ))
    }

    /// `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP.`
    pub fn subcommand_syntax(sub: &[u8], container: &str) -> CmdError {
        let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
        CmdError::err(format_args!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try {} HELP.",
            container.to_ascii_uppercase()
        ))
    }

    /// `ERR invalid expire time in '<cmd>' command`
    pub fn invalid_expire(cmd: &str) -> CmdError {
        CmdError::err(format_args!("invalid expire time in '{cmd}' command"))
    }

    /// The whole text, without `-`.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The error code: the first word (`ERR`, `WRONGTYPE`, ...), as `INFO errorstats`
    /// counts it.
    pub fn code(&self) -> &str {
        let t = self.text();
        t.split(' ').next().unwrap_or(t)
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CmdError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_quotes_args() {
        let e = CmdError::unknown_command(
            b"foo",
            &[
                bytes::Bytes::from_static(b"a"),
                bytes::Bytes::from_static(b"b"),
            ],
        );
        assert_eq!(
            e.text(),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        assert_eq!(e.code(), "ERR");
    }

    #[test]
    fn codes() {
        assert_eq!(CmdError::WRONG_TYPE.code(), "WRONGTYPE");
        assert_eq!(CmdError::raw("-NOPERM x").text(), "NOPERM x");
    }
}
