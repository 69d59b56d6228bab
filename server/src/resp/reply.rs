//! The reply writer: every reply a command produces goes through [`ReplyBuf`].
//!
//! Handlers never touch sockets. They append RESP to a client's buffer in that client's
//! protocol (RESP2 or RESP3); the event loop writes the buffer out. Scripts and modules
//! run commands on a client with no socket and read the same bytes back.

use std::io::Write as _;

/// Kinds of aggregate whose length can be written after their elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// `*` in both protocols.
    Array,
    /// `%` in RESP3; a flat `*` array of twice the length in RESP2.
    Map,
    /// `~` in RESP3; `*` in RESP2.
    Set,
    /// `|` in RESP3; not emitted at all in RESP2.
    Attribute,
}

/// A position in the buffer where an aggregate length will be inserted.
#[derive(Debug, Clone, Copy)]
pub struct Deferred {
    pos: usize,
}

/// A RESP output buffer in one protocol version.
#[derive(Debug, Default, Clone)]
pub struct ReplyBuf {
    /// The encoded replies, not yet written to the socket.
    pub buf: Vec<u8>,
    /// 2 or 3.
    pub resp: u8,
}

impl ReplyBuf {
    /// An empty buffer for a RESP2 client.
    pub fn new(resp: u8) -> Self {
        ReplyBuf {
            buf: Vec::new(),
            resp,
        }
    }

    /// True for RESP3.
    #[inline]
    pub fn is_resp3(&self) -> bool {
        self.resp >= 3
    }

    #[inline]
    fn prefixed_int(&mut self, prefix: u8, n: i64) {
        self.buf.push(prefix);
        self.buf.extend_from_slice(itoa_buf(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    #[inline]
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string (`+text`); CR and LF become spaces so the reply stays valid.
    pub fn simple(&mut self, text: &[u8]) {
        self.buf.push(b'+');
        self.buf.extend(
            text.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply. `text` is the whole line without `-` (`"ERR syntax error"`); CR
    /// and LF become spaces.
    pub fn error(&mut self, text: &str) {
        self.buf.push(b'-');
        self.buf.extend(
            text.bytes()
                .map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer.
    #[inline]
    pub fn int(&mut self, n: i64) {
        self.prefixed_int(b':', n);
    }

    /// A bulk string.
    #[inline]
    pub fn bulk(&mut self, data: &[u8]) {
        self.prefixed_int(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding an integer's decimal digits.
    pub fn bulk_int(&mut self, n: i64) {
        let s = itoa_buf(n);
        self.bulk(s.as_bytes());
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn null(&mut self) {
        if self.is_resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        if self.is_resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// An array header of `n` elements.
    #[inline]
    pub fn array_len(&mut self, n: usize) {
        self.prefixed_int(b'*', n as i64);
    }

    /// A map header of `n` key/value pairs (a flat array of `2n` in RESP2).
    pub fn map_len(&mut self, n: usize) {
        if self.is_resp3() {
            self.prefixed_int(b'%', n as i64);
        } else {
            self.prefixed_int(b'*', 2 * n as i64);
        }
    }

    /// A set header of `n` elements (an array in RESP2).
    pub fn set_len(&mut self, n: usize) {
        if self.is_resp3() {
            self.prefixed_int(b'~', n as i64);
        } else {
            self.prefixed_int(b'*', n as i64);
        }
    }

    /// A push header of `n` elements (an array in RESP2, as Pub/Sub messages are).
    pub fn push_len(&mut self, n: usize) {
        if self.is_resp3() {
            self.prefixed_int(b'>', n as i64);
        } else {
            self.prefixed_int(b'*', n as i64);
        }
    }

    /// An empty array.
    pub fn empty_array(&mut self) {
        self.buf.extend_from_slice(b"*0\r\n");
    }

    /// A double: `,d` in RESP3, a bulk string in RESP2, formatted as Redis does.
    pub fn double(&mut self, d: f64) {
        let s = crate::util::fmt_f64(d);
        if self.is_resp3() {
            self.buf.push(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A double in the human form used by `INCRBYFLOAT`-style replies: a bulk string in
    /// RESP2, a `,` double in RESP3.
    pub fn human_double(&mut self, text: &str) {
        if self.is_resp3() {
            self.buf.push(b',');
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text.as_bytes());
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn bool(&mut self, b: bool) {
        if self.is_resp3() {
            self.buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.buf
                .extend_from_slice(if b { b":1\r\n" } else { b":0\r\n" });
        }
    }

    /// A big number (`(` in RESP3, bulk in RESP2).
    pub fn big_number(&mut self, digits: &[u8]) {
        if self.is_resp3() {
            self.buf.push(b'(');
            self.buf.extend_from_slice(digits);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(digits);
        }
    }

    /// A verbatim string (`=` in RESP3 with a 3-letter format, bulk in RESP2).
    pub fn verbatim(&mut self, data: &[u8], format: &str) {
        if self.is_resp3() {
            let mut ext = [b' '; 3];
            for (d, s) in ext.iter_mut().zip(format.bytes()) {
                *d = s;
            }
            self.prefixed_int(b'=', data.len() as i64 + 4);
            self.buf.extend_from_slice(&ext);
            self.buf.push(b':');
            self.buf.extend_from_slice(data);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(data);
        }
    }

    /// Appends already-encoded RESP.
    pub fn raw(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Marks the place of an aggregate header whose length is not known yet.
    pub fn defer_len(&mut self) -> Deferred {
        Deferred {
            pos: self.buf.len(),
        }
    }

    /// Inserts the header for a deferred aggregate of `n` elements (pairs, for a map).
    pub fn set_deferred_len(&mut self, d: Deferred, kind: Aggregate, n: usize) {
        let mut hdr = Vec::with_capacity(16);
        let (prefix, n) = match (kind, self.is_resp3()) {
            (Aggregate::Array, _) => (b'*', n),
            (Aggregate::Map, true) => (b'%', n),
            (Aggregate::Map, false) => (b'*', 2 * n),
            (Aggregate::Set, true) => (b'~', n),
            (Aggregate::Set, false) => (b'*', n),
            (Aggregate::Attribute, true) => (b'|', n),
            (Aggregate::Attribute, false) => return,
        };
        let _ = write!(hdr, "{}{}\r\n", char::from(prefix), n);
        self.buf.splice(d.pos..d.pos, hdr);
    }

    /// Bytes waiting in the buffer.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Small integer formatting without going through `fmt` machinery on the hot path.
fn itoa_buf(n: i64) -> ItoaStr {
    let mut out = ItoaStr {
        buf: [0; 20],
        start: 20,
    };
    let neg = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        out.start -= 1;
        out.buf[out.start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        out.start -= 1;
        out.buf[out.start] = b'-';
    }
    out
}

/// The digits of an integer, on the stack.
struct ItoaStr {
    buf: [u8; 20],
    start: usize,
}

impl ItoaStr {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_and_resp3_shapes() {
        let mut r2 = ReplyBuf::new(2);
        let mut r3 = ReplyBuf::new(3);
        for r in [&mut r2, &mut r3] {
            r.map_len(1);
            r.bulk(b"k");
            r.double(1.5);
            r.null();
            r.bool(true);
            r.int(i64::MIN);
        }
        assert_eq!(
            r2.buf,
            b"*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n$-1\r\n:1\r\n:-9223372036854775808\r\n"
        );
        assert_eq!(
            r3.buf,
            b"%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#t\r\n:-9223372036854775808\r\n"
        );
    }

    #[test]
    fn deferred_lengths() {
        let mut r = ReplyBuf::new(2);
        r.int(7);
        let d = r.defer_len();
        r.bulk(b"a");
        r.bulk(b"b");
        r.set_deferred_len(d, Aggregate::Map, 1);
        assert_eq!(r.buf, b":7\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    }

    #[test]
    fn errors_are_one_line() {
        let mut r = ReplyBuf::new(2);
        r.error("ERR a\r\nb");
        assert_eq!(r.buf, b"-ERR a  b\r\n");
    }
}
