//! Incremental request parser: RESP multibulk requests and inline commands.
//!
//! A request may arrive split across any number of reads, so running out of bytes is the
//! normal outcome ([`Parsed::Incomplete`]), not an error. Protocol errors carry Redis's
//! exact texts; after one the connection is closed once the error reply is written.

use bytes::{Buf, Bytes, BytesMut};

/// Longest inline request, and longest `*N`/`$N` header line, Redis accepts (64 KiB).
pub const INLINE_MAX_SIZE: usize = 64 * 1024;

/// Why a request could not be parsed. The connection ends after the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// An inline request longer than [`INLINE_MAX_SIZE`] without a newline.
    TooBigInline,
    /// An inline request with an unterminated quote.
    UnbalancedQuotes,
    /// A `*` header line longer than [`INLINE_MAX_SIZE`].
    TooBigMbulkCount,
    /// A `*` count that is not an integer or exceeds `INT_MAX`.
    InvalidMultibulkLength,
    /// More than 10 arguments before authentication.
    UnauthenticatedMultibulkLength,
    /// A `$` header line longer than [`INLINE_MAX_SIZE`].
    TooBigBulkCount,
    /// Something other than `$` where a bulk header belongs.
    ExpectedDollar(u8),
    /// A bulk length that is negative, not a number, or above `proto-max-bulk-len`.
    InvalidBulkLength,
    /// A bulk longer than 16 KiB before authentication.
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// The error reply's text, without the leading `-`.
    pub fn reply_text(&self) -> String {
        match self {
            Self::TooBigInline => "ERR Protocol error: too big inline request".into(),
            Self::UnbalancedQuotes => "ERR Protocol error: unbalanced quotes in request".into(),
            Self::TooBigMbulkCount => "ERR Protocol error: too big mbulk count string".into(),
            Self::InvalidMultibulkLength => "ERR Protocol error: invalid multibulk length".into(),
            Self::UnauthenticatedMultibulkLength => {
                "ERR Protocol error: unauthenticated multibulk length".into()
            }
            Self::TooBigBulkCount => "ERR Protocol error: too big bulk count string".into(),
            Self::ExpectedDollar(c) => {
                format!("ERR Protocol error: expected '$', got '{}'", char::from(*c))
            }
            Self::InvalidBulkLength => "ERR Protocol error: invalid bulk length".into(),
            Self::UnauthenticatedBulkLength => {
                "ERR Protocol error: unauthenticated bulk length".into()
            }
        }
    }

    /// The short reason Redis writes to its log.
    pub fn log_reason(&self) -> &'static str {
        match self {
            Self::TooBigInline => "too big inline request",
            Self::UnbalancedQuotes => "unbalanced quotes in inline request",
            Self::TooBigMbulkCount => "too big mbulk count string",
            Self::InvalidMultibulkLength => "invalid mbulk count",
            Self::UnauthenticatedMultibulkLength => "unauth mbulk count",
            Self::TooBigBulkCount => "too big bulk count string",
            Self::ExpectedDollar(_) => "expected $ but got something else",
            Self::InvalidBulkLength => "invalid bulk length",
            Self::UnauthenticatedBulkLength => "unauth bulk length",
        }
    }
}

/// The limits that apply while parsing one client's requests.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`.
    pub max_bulk_len: i64,
    /// The client has not authenticated yet while a password is required.
    pub unauthenticated: bool,
}

/// What one parse step produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole command is in `argv` (it may be empty: `*0` or a blank inline line).
    Command,
    /// More bytes are needed; everything read so far is kept.
    Incomplete,
}

/// The parser's state between reads: how much of a multibulk request is still missing.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// Arguments of the current multibulk request not read yet (0: between requests).
    pending_args: usize,
    /// Length of the bulk being read, once its `$N` header was consumed.
    bulk_len: Option<usize>,
}

impl RequestParser {
    /// True while a multibulk request is partially read.
    pub fn in_request(&self) -> bool {
        self.pending_args > 0
    }

    /// The length of the bulk being read, if its header was consumed; lets the reader
    /// size the next read to the whole argument.
    pub fn pending_bulk_len(&self) -> Option<usize> {
        self.bulk_len
    }

    /// Parses at most one command from the front of `buf` into `argv`.
    ///
    /// Consumed bytes are removed from `buf`; arguments share its allocation.
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        argv: &mut Vec<Bytes>,
        limits: ParseLimits,
    ) -> Result<Parsed, ProtocolError> {
        if self.pending_args == 0 {
            if buf.is_empty() {
                return Ok(Parsed::Incomplete);
            }
            if buf[0] != b'*' {
                return parse_inline(buf, argv);
            }
            let Some(line_end) = find_cr(buf) else {
                if buf.len() > INLINE_MAX_SIZE {
                    return Err(ProtocolError::TooBigMbulkCount);
                }
                return Ok(Parsed::Incomplete);
            };
            if line_end + 1 >= buf.len() {
                return Ok(Parsed::Incomplete);
            }
            let count = parse_len(&buf[1..line_end])
                .filter(|n| *n <= i64::from(i32::MAX))
                .ok_or(ProtocolError::InvalidMultibulkLength)?;
            if count > 10 && limits.unauthenticated {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            buf.advance(line_end + 2);
            argv.clear();
            if count <= 0 {
                return Ok(Parsed::Command);
            }
            self.pending_args = count as usize;
            argv.reserve(self.pending_args.min(1024));
        }
        while self.pending_args > 0 {
            let len = match self.bulk_len {
                Some(n) => n,
                None => {
                    let Some(line_end) = find_cr(buf) else {
                        if buf.len() > INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(Parsed::Incomplete);
                    };
                    if line_end + 1 >= buf.len() {
                        return Ok(Parsed::Incomplete);
                    }
                    if buf[0] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(buf[0]));
                    }
                    let n = parse_len(&buf[1..line_end])
                        .filter(|n| *n >= 0 && *n <= limits.max_bulk_len)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if n > 16384 && limits.unauthenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    buf.advance(line_end + 2);
                    self.bulk_len = Some(n as usize);
                    n as usize
                }
            };
            if buf.len() < len + 2 {
                return Ok(Parsed::Incomplete);
            }
            argv.push(buf.split_to(len).freeze());
            buf.advance(2);
            self.bulk_len = None;
            self.pending_args -= 1;
        }
        Ok(Parsed::Command)
    }
}

fn find_cr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&c| c == b'\r')
}

/// Parses a `*N`/`$N` length as Redis's `string2ll` would.
fn parse_len(s: &[u8]) -> Option<i64> {
    crate::util::parse_i64(s)
}

fn parse_inline(buf: &mut BytesMut, argv: &mut Vec<Bytes>) -> Result<Parsed, ProtocolError> {
    let Some(nl) = buf.iter().position(|&c| c == b'\n') else {
        if buf.len() > INLINE_MAX_SIZE {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(Parsed::Incomplete);
    };
    let line_len = if nl > 0 && buf[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    };
    let args = crate::util::split_args(&buf[..line_len]).ok_or(ProtocolError::UnbalancedQuotes)?;
    buf.advance(nl + 1);
    argv.clear();
    argv.extend(args.into_iter().map(Bytes::from));
    Ok(Parsed::Command)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ParseLimits = ParseLimits {
        max_bulk_len: 512 * 1024 * 1024,
        unauthenticated: false,
    };

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::default();
        let mut buf = BytesMut::from(input);
        let mut argv = Vec::new();
        let mut out = Vec::new();
        while p.parse(&mut buf, &mut argv, LIMITS)? == Parsed::Command {
            out.push(argv.iter().map(|a| a.to_vec()).collect());
        }
        Ok(out)
    }

    #[test]
    fn multibulk_and_inline() {
        let cmds = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nset a \"b c\"\n").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0], vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(cmds[1], vec![b"PING".to_vec()]);
        assert_eq!(
            cmds[2],
            vec![b"set".to_vec(), b"a".to_vec(), b"b c".to_vec()]
        );
    }

    #[test]
    fn byte_at_a_time() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        let mut p = RequestParser::default();
        let mut buf = BytesMut::new();
        let mut argv = Vec::new();
        for (i, b) in input.iter().enumerate() {
            buf.extend_from_slice(&[*b]);
            let r = p.parse(&mut buf, &mut argv, LIMITS).unwrap();
            assert_eq!(r == Parsed::Command, i == input.len() - 1);
        }
        assert_eq!(argv[2].as_ref(), b"hello");
    }

    #[test]
    fn protocol_errors() {
        assert_eq!(
            parse_all(b"*x\r\n"),
            Err(ProtocolError::InvalidMultibulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n$-1\r\n"),
            Err(ProtocolError::InvalidBulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n:1\r\n"),
            Err(ProtocolError::ExpectedDollar(b':'))
        );
        assert_eq!(
            parse_all(b"set \"a\n"),
            Err(ProtocolError::UnbalancedQuotes)
        );
        assert_eq!(
            parse_all(&vec![b'a'; INLINE_MAX_SIZE + 1]),
            Err(ProtocolError::TooBigInline)
        );
        assert_eq!(parse_all(b"*-1\r\n").unwrap(), vec![Vec::<Vec<u8>>::new()]);
    }
}
