//! A parsed RESP reply, for code that runs a command and looks at what it answered
//! (scripts, `RedisModule_Call`, `MULTI` bookkeeping).

/// One reply, in either protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum RespValue {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`
    Error(Vec<u8>),
    /// `:n`
    Int(i64),
    /// `$n` data
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`
    Null,
    /// `*n`
    Array(Vec<RespValue>),
    /// `%n`
    Map(Vec<(RespValue, RespValue)>),
    /// `~n`
    Set(Vec<RespValue>),
    /// `,d`
    Double(f64),
    /// `#t` / `#f`
    Bool(bool),
    /// `(digits`
    BigNumber(Vec<u8>),
    /// `=n fmt:data`
    Verbatim(String, Vec<u8>),
    /// `>n` (a push message)
    Push(Vec<RespValue>),
    /// `|n` attribute followed by the reply it decorates.
    Attribute(Vec<(RespValue, RespValue)>, Box<RespValue>),
}

impl RespValue {
    /// Parses one complete reply from the front of `buf`, returning it and the bytes used.
    pub fn parse(buf: &[u8]) -> Option<(RespValue, usize)> {
        let mut pos = 0;
        let v = parse_at(buf, &mut pos)?;
        Some((v, pos))
    }

    /// Parses every reply in `buf`.
    pub fn parse_all(mut buf: &[u8]) -> Vec<RespValue> {
        let mut out = Vec::new();
        while let Some((v, n)) = Self::parse(buf) {
            out.push(v);
            buf = &buf[n..];
        }
        out
    }

    /// The bytes of a bulk, simple or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            RespValue::Bulk(b) | RespValue::Simple(b) | RespValue::Verbatim(_, b) => Some(b),
            _ => None,
        }
    }

    /// True for an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, RespValue::Error(_))
    }
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let start = *pos;
    let rel = buf.get(start..)?.windows(2).position(|w| w == b"\r\n")?;
    *pos = start + rel + 2;
    Some(&buf[start..start + rel])
}

fn int(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn parse_at(buf: &[u8], pos: &mut usize) -> Option<RespValue> {
    let t = *buf.get(*pos)?;
    *pos += 1;
    let l = line(buf, pos)?;
    Some(match t {
        b'+' => RespValue::Simple(l.to_vec()),
        b'-' => RespValue::Error(l.to_vec()),
        b':' => RespValue::Int(int(l)?),
        b'$' => {
            let n = int(l)?;
            if n < 0 {
                RespValue::Null
            } else {
                let n = n as usize;
                let data = buf.get(*pos..*pos + n)?.to_vec();
                *pos += n + 2;
                if *pos > buf.len() {
                    return None;
                }
                RespValue::Bulk(data)
            }
        }
        b'=' => {
            let n = int(l)? as usize;
            let data = buf.get(*pos..*pos + n)?;
            *pos += n + 2;
            if *pos > buf.len() || n < 4 {
                return None;
            }
            RespValue::Verbatim(
                String::from_utf8_lossy(&data[..3]).into_owned(),
                data[4..].to_vec(),
            )
        }
        b'*' | b'~' | b'>' => {
            let n = int(l)?;
            if n < 0 {
                return Some(RespValue::Null);
            }
            let mut v = Vec::with_capacity((n as usize).min(1024));
            for _ in 0..n {
                v.push(parse_at(buf, pos)?);
            }
            match t {
                b'*' => RespValue::Array(v),
                b'~' => RespValue::Set(v),
                _ => RespValue::Push(v),
            }
        }
        b'%' | b'|' => {
            let n = int(l)?;
            let mut v = Vec::with_capacity((n.max(0) as usize).min(1024));
            for _ in 0..n {
                let k = parse_at(buf, pos)?;
                let val = parse_at(buf, pos)?;
                v.push((k, val));
            }
            if t == b'%' {
                RespValue::Map(v)
            } else {
                let inner = parse_at(buf, pos)?;
                RespValue::Attribute(v, Box::new(inner))
            }
        }
        b'_' => RespValue::Null,
        b',' => {
            let s = std::str::from_utf8(l).ok()?;
            RespValue::Double(match s {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => s.parse().ok()?,
            })
        }
        b'#' => RespValue::Bool(l == b"t"),
        b'(' => RespValue::BigNumber(l.to_vec()),
        _ => return None,
    })
}
