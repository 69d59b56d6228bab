//! What `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN` share: cursor and option parsing, the
//! bounded walk over a [`Dict`], and the reply (Redis's `scanGenericCommand`).

use crate::args;
use crate::db::{Dict, SBytes, ValueType};
use crate::error::{CmdError, CmdResult};
use crate::resp::ReplyBuf;
use bytes::Bytes;

/// Parsed `SCAN`-family options.
#[derive(Debug, Clone)]
pub struct ScanOpts {
    /// `COUNT` (default 10): how much work one call may do.
    pub count: usize,
    /// `MATCH` pattern, unless it is `*`.
    pub pattern: Option<Bytes>,
    /// `TYPE` filter (`SCAN` only). `Some(None)` for a name that is no type, which
    /// Redis 7.4 accepts and which then matches no key.
    pub type_filter: Option<Option<ValueType>>,
    /// The `TYPE` name as given (module types are matched by name, ignoring case).
    pub type_name: Option<Bytes>,
    /// `NOVALUES` (`HSCAN` only).
    pub novalues: bool,
}

impl ScanOpts {
    /// True if `item` passes the `MATCH` pattern.
    #[inline]
    pub fn matches(&self, item: &[u8]) -> bool {
        self.pattern
            .as_ref()
            .is_none_or(|p| crate::util::glob_match(p, item, false))
    }
}

/// Parses a cursor argument (`ERR invalid cursor`) as Redis's `string2ull` does: a
/// canonical integer that is not negative, or else whatever `strtoull` reads whole
/// (leading spaces, a sign and leading zeros allowed; `-n` wraps around).
pub fn parse_cursor(a: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("invalid cursor");
    if let Some(v) = crate::util::parse_i64(a) {
        return u64::try_from(v).map_err(|_| invalid());
    }
    let start = a
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .ok_or_else(invalid)?;
    let (neg, digits) = match a[start] {
        b'-' => (true, &a[start + 1..]),
        b'+' => (false, &a[start + 1..]),
        _ => (false, &a[start..]),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// Parses options from `argv[start..]`. `keyspace` allows `TYPE`; `hash` allows
/// `NOVALUES`.
pub fn parse_opts(
    argv: &[Bytes],
    start: usize,
    keyspace: bool,
    hash: bool,
) -> Result<ScanOpts, CmdError> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        type_filter: None,
        type_name: None,
        novalues: false,
    };
    let mut i = start;
    while i < argv.len() {
        let more = argv.len() - i;
        if args::is(&argv[i], "count") && more >= 2 {
            let n = args::int(&argv[i + 1])?;
            if n < 1 {
                return Err(CmdError::SYNTAX);
            }
            o.count = n as usize;
            i += 2;
        } else if args::is(&argv[i], "match") && more >= 2 {
            let p = &argv[i + 1];
            o.pattern = if p.as_ref() == b"*" {
                None
            } else {
                Some(p.clone())
            };
            i += 2;
        } else if args::is(&argv[i], "type") && keyspace && more >= 2 {
            o.type_filter = Some(ValueType::from_name(&argv[i + 1]));
            o.type_name = Some(argv[i + 1].clone());
            i += 2;
        } else if args::is(&argv[i], "novalues") {
            if !hash {
                return Err(CmdError::err("NOVALUES option can only be used in HSCAN"));
            }
            o.novalues = true;
            i += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
    }
    Ok(o)
}

/// Walks `dict` from `cursor` until about `count` entries were visited (at most
/// `10 * count` buckets), passing each to `visit`. Returns the next cursor.
pub fn scan_dict<V>(
    dict: &Dict<V>,
    mut cursor: u64,
    count: usize,
    mut visit: impl FnMut(&SBytes, &V),
) -> u64 {
    let mut max_iterations = count * 10;
    let mut sampled = 0;
    loop {
        cursor = dict.scan(cursor, |k, v| {
            sampled += 1;
            visit(k, v);
        });
        if cursor == 0 || max_iterations == 0 || sampled >= count {
            break;
        }
        max_iterations -= 1;
    }
    cursor
}

/// Writes the `[cursor, [items...]]` reply.
pub fn reply<T: AsRef<[u8]>>(out: &mut ReplyBuf, cursor: u64, items: &[T]) -> CmdResult {
    out.array_len(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array_len(items.len());
    for it in items {
        out.bulk(it.as_ref());
    }
    Ok(())
}
