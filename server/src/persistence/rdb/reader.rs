//! The low-level RDB reader over bytes in memory: every read is bounds-checked, and
//! malformed input is an [`RdbError`], never a panic.

use super::consts::*;
use super::RdbError;
use crate::persistence::encoding::lzf;
use std::borrow::Cow;

/// A cursor over RDB bytes.
pub struct Reader<'a> {
    /// All the bytes.
    pub data: &'a [u8],
    /// The read position.
    pub pos: usize,
}

/// A string as read: integer-encoded strings come back as numbers.
pub enum RdbStr<'a> {
    /// An integer-encoded string.
    Int(i64),
    /// The bytes.
    Bytes(Cow<'a, [u8]>),
}

impl RdbStr<'_> {
    /// The string's bytes.
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            RdbStr::Int(n) => n.to_string().into_bytes(),
            RdbStr::Bytes(b) => b.into_owned(),
        }
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// True at the end of the data.
    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Takes `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        let end = self.pos.checked_add(n).ok_or_else(RdbError::short)?;
        let s = self.data.get(self.pos..end).ok_or_else(RdbError::short)?;
        self.pos = end;
        Ok(s)
    }

    /// One byte (a type or opcode).
    pub fn byte(&mut self) -> Result<u8, RdbError> {
        Ok(self.bytes(1)?[0])
    }

    /// A length; the flag is set when the value is a special string encoding instead.
    pub fn len_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.byte()?;
        match b >> 6 {
            0 => Ok((u64::from(b & 0x3f), false)),
            1 => {
                let b2 = self.byte()?;
                Ok(((u64::from(b & 0x3f) << 8) | u64::from(b2), false))
            }
            2 => match b {
                RDB_32BITLEN => {
                    let s = self.bytes(4)?;
                    Ok((
                        u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])),
                        false,
                    ))
                }
                RDB_64BITLEN => {
                    let s = self.bytes(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(s);
                    Ok((u64::from_be_bytes(a), false))
                }
                _ => Err(RdbError::corrupt(format!(
                    "Unknown length encoding {b} in rdbLoadLen()"
                ))),
            },
            _ => Ok((u64::from(b & 0x3f), true)),
        }
    }

    /// A plain length.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&mut self) -> Result<u64, RdbError> {
        match self.len_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(RdbError::corrupt("Unexpected encoded length")),
        }
    }

    /// A length used as a count of things that follow: bounded by the bytes left, so
    /// a corrupt count cannot make us allocate wildly.
    pub fn count(&mut self) -> Result<usize, RdbError> {
        let n = self.len()?;
        let left = (self.data.len() - self.pos) as u64;
        if n > left.saturating_mul(8).max(1 << 20) {
            return Err(RdbError::corrupt(format!(
                "Length {n} exceeds the data left"
            )));
        }
        Ok(n as usize)
    }

    /// A string in any of its encodings.
    pub fn string(&mut self) -> Result<RdbStr<'a>, RdbError> {
        let (n, encoded) = self.len_enc()?;
        if !encoded {
            let n = usize::try_from(n).map_err(|_| RdbError::short())?;
            return Ok(RdbStr::Bytes(Cow::Borrowed(self.bytes(n)?)));
        }
        match n as u8 {
            RDB_ENC_INT8 => Ok(RdbStr::Int(i64::from(self.byte()? as i8))),
            RDB_ENC_INT16 => {
                let s = self.bytes(2)?;
                Ok(RdbStr::Int(i64::from(i16::from_le_bytes([s[0], s[1]]))))
            }
            RDB_ENC_INT32 => {
                let s = self.bytes(4)?;
                Ok(RdbStr::Int(i64::from(i32::from_le_bytes([
                    s[0], s[1], s[2], s[3],
                ]))))
            }
            RDB_ENC_LZF => {
                let clen = self.len()? as usize;
                let len = self.len()? as usize;
                let c = self.bytes(clen)?;
                if len == 0 || len > (1 << 32) {
                    return Err(RdbError::corrupt("Invalid LZF compressed string"));
                }
                lzf::decompress(c, len)
                    .map(|v| RdbStr::Bytes(Cow::Owned(v)))
                    .ok_or_else(|| RdbError::corrupt("Invalid LZF compressed string"))
            }
            e => Err(RdbError::corrupt(format!(
                "Unknown RDB string encoding type {e}"
            ))),
        }
    }

    /// A string's bytes, borrowed when possible.
    pub fn string_bytes(&mut self) -> Result<Cow<'a, [u8]>, RdbError> {
        Ok(match self.string()? {
            RdbStr::Int(n) => Cow::Owned(n.to_string().into_bytes()),
            RdbStr::Bytes(b) => b,
        })
    }

    /// A double in binary.
    pub fn binary_double(&mut self) -> Result<f64, RdbError> {
        let s = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(f64::from_le_bytes(a))
    }

    /// A double in the old string form: a length byte (253 nan, 254 inf, 255 -inf)
    /// and that many ASCII characters.
    pub fn string_double(&mut self) -> Result<f64, RdbError> {
        let n = self.byte()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let s = self.bytes(usize::from(n))?;
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or_else(|| RdbError::corrupt("Invalid double value"))
            }
        }
    }

    /// A time in milliseconds (8 bytes little endian).
    pub fn millis(&mut self) -> Result<i64, RdbError> {
        let s = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_le_bytes(a))
    }

    /// A time in seconds (4 bytes little endian).
    pub fn secs(&mut self) -> Result<i64, RdbError> {
        let s = self.bytes(4)?;
        Ok(i64::from(i32::from_le_bytes([s[0], s[1], s[2], s[3]])))
    }
}
