//! The low-level RDB writer: lengths, strings (integer-encoded or LZF-compressed as
//! Redis writes them), doubles, times, with a running CRC-64.

use super::consts::*;
use crate::persistence::encoding::{as_int, crc64::crc64, lzf};
use std::io::{self, Write};

/// Bytes gathered before a write to the sink.
const CHUNK: usize = 64 * 1024;

/// Writes RDB primitives to `W`, computing the CRC-64 of everything written.
pub struct RdbWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    crc: u64,
    /// Compute the checksum (`rdbchecksum`).
    pub checksum: bool,
    /// Try LZF on strings longer than 20 bytes (`rdbcompression`).
    pub compress: bool,
    written: u64,
}

impl<W: Write> RdbWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W, compress: bool, checksum: bool) -> RdbWriter<W> {
        RdbWriter {
            out,
            buf: Vec::with_capacity(CHUNK + 1024),
            crc: 0,
            checksum,
            compress,
            written: 0,
        }
    }

    /// Bytes written so far (flushed or buffered).
    pub fn written(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Raw bytes.
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        if b.len() >= CHUNK {
            self.flush_buf()?;
            if self.checksum {
                self.crc = crc64(self.crc, b);
            }
            self.out.write_all(b)?;
            self.written += b.len() as u64;
            return Ok(());
        }
        self.buf.extend_from_slice(b);
        self.maybe_flush()
    }

    /// A type or opcode byte.
    pub fn byte(&mut self, t: u8) -> io::Result<()> {
        self.buf.push(t);
        self.maybe_flush()
    }

    /// A length in Redis's 1, 2, 5 or 9-byte form.
    pub fn len(&mut self, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            self.buf.push(n as u8);
        } else if n < 1 << 14 {
            self.buf
                .extend_from_slice(&[((n >> 8) as u8) | 0x40, (n & 0xff) as u8]);
        } else if n <= u64::from(u32::MAX) {
            self.buf.push(RDB_32BITLEN);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.buf.push(RDB_64BITLEN);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
        self.maybe_flush()
    }

    /// An integer as Redis's `rdbSaveLongLongAsStringObject`: 8, 16 or 32-bit encoded
    /// when it fits, else its decimal text.
    pub fn int_string(&mut self, n: i64) -> io::Result<()> {
        if !self.encoded_int(n) {
            let mut b = [0u8; 20];
            let s = crate::db::set::fmt_i64(n, &mut b);
            self.len(s.len() as u64)?;
            self.buf.extend_from_slice(s);
        }
        self.maybe_flush()
    }

    fn encoded_int(&mut self, n: i64) -> bool {
        if (-(1 << 7)..(1 << 7)).contains(&n) {
            self.buf
                .extend_from_slice(&[ENC_PREFIX | RDB_ENC_INT8, n as i8 as u8]);
        } else if (-(1 << 15)..(1 << 15)).contains(&n) {
            self.buf.push(ENC_PREFIX | RDB_ENC_INT16);
            self.buf.extend_from_slice(&(n as i16).to_le_bytes());
        } else if (-(1i64 << 31)..(1i64 << 31)).contains(&n) {
            self.buf.push(ENC_PREFIX | RDB_ENC_INT32);
            self.buf.extend_from_slice(&(n as i32).to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// A string as Redis's `rdbSaveRawString`: short canonical integers encoded,
    /// strings over 20 bytes LZF-compressed when that saves at least 4 bytes.
    pub fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some(n) = as_int(s) {
                if self.encoded_int(n) {
                    return self.maybe_flush();
                }
            }
        }
        if self.compress && s.len() > 20 {
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                return self.lzf_blob(&c, s.len());
            }
        }
        self.len(s.len() as u64)?;
        self.raw(s)
    }

    /// An LZF blob: its marker, compressed and original lengths, data.
    pub fn lzf_blob(&mut self, c: &[u8], orig_len: usize) -> io::Result<()> {
        self.byte(ENC_PREFIX | RDB_ENC_LZF)?;
        self.len(c.len() as u64)?;
        self.len(orig_len as u64)?;
        self.raw(c)
    }

    /// A double in binary (8 bytes little endian).
    pub fn binary_double(&mut self, d: f64) -> io::Result<()> {
        self.raw(&d.to_le_bytes())
    }

    /// A time in milliseconds (8 bytes little endian).
    pub fn millis(&mut self, ms: i64) -> io::Result<()> {
        self.raw(&ms.to_le_bytes())
    }

    /// An AUX field with a string value.
    pub fn aux(&mut self, key: &str, val: &[u8]) -> io::Result<()> {
        self.byte(RDB_OPCODE_AUX)?;
        self.string(key.as_bytes())?;
        self.string(val)
    }

    /// Ends the file: the EOF opcode and the checksum (0 when disabled). Returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.byte(RDB_OPCODE_EOF)?;
        self.flush_buf()?;
        let crc = if self.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Flushes the buffer and returns the sink and the CRC so far (for `DUMP`).
    pub fn into_inner(mut self) -> io::Result<(W, u64)> {
        self.flush_buf()?;
        Ok((self.out, self.crc))
    }
}
