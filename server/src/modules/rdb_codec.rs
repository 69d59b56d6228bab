//! The RDB file format's primitive encodings, as Redis's `rdb.c` writes and reads them:
//! lengths (`rdbSaveLen`/`rdbLoadLen`), strings with their integer and LZF encodings
//! (`rdbSaveRawString`/`rdbGenericLoadStringObject`), and binary doubles and floats.
//!
//! Module values are serialized with these (their `RM_Save*` opcode stream); the RDB
//! persistence work can use them for every other type too. Writing never compresses
//! (a valid RDB, as with `rdbcompression no`); reading understands LZF.

/// `RDB_6BITLEN`.
const LEN_6BIT: u8 = 0;
/// `RDB_14BITLEN`.
const LEN_14BIT: u8 = 1;
/// `RDB_32BITLEN`.
const LEN_32BIT: u8 = 0x80;
/// `RDB_64BITLEN`.
const LEN_64BIT: u8 = 0x81;
/// `RDB_ENCVAL`: the two top bits of a length byte that announce a special encoding.
const ENCVAL: u8 = 3;
/// `RDB_ENC_INT8`.
const ENC_INT8: u64 = 0;
/// `RDB_ENC_INT16`.
const ENC_INT16: u64 = 1;
/// `RDB_ENC_INT32`.
const ENC_INT32: u64 = 2;
/// `RDB_ENC_LZF`.
const ENC_LZF: u64 = 3;

/// Appends a length (`rdbSaveLen`).
pub fn put_len(out: &mut Vec<u8>, len: u64) {
    if len < (1 << 6) {
        out.push((len as u8) | (LEN_6BIT << 6));
    } else if len < (1 << 14) {
        out.push(((len >> 8) as u8) | (LEN_14BIT << 6));
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(LEN_32BIT);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(LEN_64BIT);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// The integer encoding of a string, if it has one (`rdbTryIntegerEncoding`): the
/// string must be exactly the canonical decimal form of a value that fits 32 bits.
fn int_encoding(s: &[u8]) -> Option<Vec<u8>> {
    let v = crate::util::parse_i64(s)?;
    if v.to_string().as_bytes() != s {
        return None;
    }
    let top = ENCVAL << 6;
    if let Ok(b) = i8::try_from(v) {
        Some(vec![top | ENC_INT8 as u8, b as u8])
    } else if let Ok(h) = i16::try_from(v) {
        let b = h.to_le_bytes();
        Some(vec![top | ENC_INT16 as u8, b[0], b[1]])
    } else if let Ok(w) = i32::try_from(v) {
        let mut out = vec![top | ENC_INT32 as u8];
        out.extend_from_slice(&w.to_le_bytes());
        Some(out)
    } else {
        None
    }
}

/// Appends a string (`rdbSaveRawString` without LZF compression): integers of up to
/// 11 characters in their integer encoding, everything else as length and bytes.
pub fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(enc) = int_encoding(s) {
            out.extend_from_slice(&enc);
            return;
        }
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends a binary double (`rdbSaveBinaryDoubleValue`: little-endian IEEE 754).
pub fn put_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends a binary float (`rdbSaveBinaryFloatValue`).
pub fn put_float(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A reader over an RDB payload. Every read returns `None` on a short or malformed
/// input, leaving the position where the failed read started.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// True when everything was read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// Reads a length or a special encoding (`rdbLoadLenByRef`): `(value, encoded)`.
    pub fn len_or_enc(&mut self) -> Option<(u64, bool)> {
        let start = self.pos;
        let r = (|| {
            let b = self.byte()?;
            match b >> 6 {
                0 => Some((u64::from(b & 0x3f), false)),
                1 => {
                    let lo = self.byte()?;
                    Some(((u64::from(b & 0x3f) << 8) | u64::from(lo), false))
                }
                3 => Some((u64::from(b & 0x3f), true)),
                _ if b == LEN_32BIT => {
                    let s = self.take(4)?;
                    Some((u64::from(u32::from_be_bytes(s.try_into().ok()?)), false))
                }
                _ if b == LEN_64BIT => {
                    let s = self.take(8)?;
                    Some((u64::from_be_bytes(s.try_into().ok()?), false))
                }
                _ => None,
            }
        })();
        if r.is_none() {
            self.pos = start;
        }
        r
    }

    /// Reads a plain length (`rdbLoadLen`; an encoded value reads as its number, as
    /// Redis's opcode reads do).
    pub fn length(&mut self) -> Option<u64> {
        self.len_or_enc().map(|(v, _)| v)
    }

    /// Reads a string in any of its encodings (`rdbGenericLoadStringObject`).
    pub fn string(&mut self) -> Option<Vec<u8>> {
        let start = self.pos;
        let r = (|| {
            let (len, encoded) = self.len_or_enc()?;
            if !encoded {
                return self.take(usize::try_from(len).ok()?).map(<[u8]>::to_vec);
            }
            match len {
                ENC_INT8 => Some((self.byte()? as i8).to_string().into_bytes()),
                ENC_INT16 => {
                    let s = self.take(2)?;
                    Some(i16::from_le_bytes([s[0], s[1]]).to_string().into_bytes())
                }
                ENC_INT32 => {
                    let s = self.take(4)?;
                    Some(
                        i32::from_le_bytes(s.try_into().ok()?)
                            .to_string()
                            .into_bytes(),
                    )
                }
                ENC_LZF => {
                    let clen = usize::try_from(self.length()?).ok()?;
                    let ulen = usize::try_from(self.length()?).ok()?;
                    let c = self.take(clen)?;
                    lzf_decompress(c, ulen)
                }
                _ => None,
            }
        })();
        if r.is_none() {
            self.pos = start;
        }
        r
    }

    /// Reads a binary double.
    pub fn double(&mut self) -> Option<f64> {
        self.take(8)
            .and_then(|s| s.try_into().ok())
            .map(f64::from_le_bytes)
    }

    /// Reads a binary float.
    pub fn float(&mut self) -> Option<f32> {
        self.take(4)
            .and_then(|s| s.try_into().ok())
            .map(f32::from_le_bytes)
    }
}

/// LZF decompression (liblzf's `lzf_decompress`), which must produce exactly `ulen`
/// bytes.
pub fn lzf_decompress(input: &[u8], ulen: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(ulen);
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            let lit = input.get(i..i + n)?;
            if out.len() + n > ulen {
                return None;
            }
            out.extend_from_slice(lit);
            i += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(i)?);
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + usize::from(*input.get(i)?) + 1;
            i += 1;
            len += 2;
            if back > out.len() || out.len() + len > ulen {
                return None;
            }
            let from = out.len() - back;
            for k in 0..len {
                let b = out[from + k];
                out.push(b);
            }
        }
    }
    (out.len() == ulen).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_in_redis_layout() {
        for (n, bytes) in [
            (5u64, vec![5u8]),
            (300, vec![0x41, 0x2c]),
            (70000, vec![0x80, 0, 1, 0x11, 0x70]),
            (1 << 40, vec![0x81, 0, 0, 1, 0, 0, 0, 0, 0]),
        ] {
            let mut v = Vec::new();
            put_len(&mut v, n);
            assert_eq!(v, bytes);
            assert_eq!(Reader::new(&v).length(), Some(n));
        }
    }

    #[test]
    fn strings_use_integer_encodings() {
        let mut v = Vec::new();
        put_string(&mut v, b"-1111");
        assert_eq!(v, vec![0xc1, 0xa9, 0xfb]);
        let mut v = Vec::new();
        put_string(&mut v, b"12");
        assert_eq!(v, vec![0xc0, 12]);
        let mut v = Vec::new();
        put_string(&mut v, b"012");
        assert_eq!(v, vec![3, b'0', b'1', b'2']);
        let mut v = Vec::new();
        put_string(&mut v, b"100000");
        assert_eq!(v, vec![0xc2, 0xa0, 0x86, 1, 0]);
        for s in [&b"-1111"[..], b"12", b"012", b"100000", b"hello", b""] {
            let mut v = Vec::new();
            put_string(&mut v, s);
            let mut r = Reader::new(&v);
            assert_eq!(r.string().as_deref(), Some(s));
            assert!(r.at_end());
        }
    }

    #[test]
    fn short_reads_fail_without_moving() {
        let mut v = Vec::new();
        put_string(&mut v, b"hello world");
        v.pop();
        let mut r = Reader::new(&v);
        assert_eq!(r.string(), None);
        assert_eq!(r.pos(), 0);
    }

    #[test]
    fn lzf_back_references() {
        // Literal "abc" then a back reference of length 6 at distance 3.
        let c = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(lzf_decompress(&c, 9).as_deref(), Some(&b"abcabcabc"[..]));
        assert_eq!(lzf_decompress(&c, 8), None);
    }
}
