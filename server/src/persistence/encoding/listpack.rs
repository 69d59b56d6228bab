//! Listpacks: `<total-bytes u32><count u16> <entry>* 0xFF`, each entry an encoding
//! byte (or two), the data, and its own length in 1..=5 "backlen" bytes so the pack can
//! be walked from either end. Integers take the smallest of the 7-bit, 13-bit, 16, 24,
//! 32 and 64-bit forms; strings carry a 6-bit, 12-bit or 32-bit length.

use super::{as_int, Elem};

const HEADER: usize = 6;
const EOF: u8 = 0xFF;

/// Builds a listpack the way Redis's `lpAppend` would for the same elements.
#[derive(Debug)]
pub struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

fn push_backlen(buf: &mut Vec<u8>, l: usize) {
    match backlen_size(l) {
        1 => buf.push(l as u8),
        2 => buf.extend_from_slice(&[(l >> 7) as u8, ((l & 127) | 128) as u8]),
        3 => buf.extend_from_slice(&[
            (l >> 14) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
        4 => buf.extend_from_slice(&[
            (l >> 21) as u8,
            (((l >> 14) & 127) | 128) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
        _ => buf.extend_from_slice(&[
            (l >> 28) as u8,
            (((l >> 21) & 127) | 128) as u8,
            (((l >> 14) & 127) | 128) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
    }
}

/// Size in bytes of one entry holding `v` (encoding, data and backlen), as
/// Redis's `lpEntrySizeInteger`/string sizes count it.
pub fn entry_size(v: &[u8]) -> usize {
    let enc = match as_int(v) {
        Some(n) => int_enc_len(n),
        None => str_header_len(v.len()) + v.len(),
    };
    enc + backlen_size(enc)
}

fn int_enc_len(n: i64) -> usize {
    if (0..=127).contains(&n) {
        1
    } else if (-4096..=4095).contains(&n) {
        2
    } else if (-32768..=32767).contains(&n) {
        3
    } else if (-8_388_608..=8_388_607).contains(&n) {
        4
    } else if (-2_147_483_648..=2_147_483_647).contains(&n) {
        5
    } else {
        9
    }
}

fn str_header_len(len: usize) -> usize {
    if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    }
}

impl Builder {
    /// An empty listpack.
    pub fn new() -> Builder {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// Appends an element, integer-encoded when it is an integer's canonical text.
    pub fn push(&mut self, v: &[u8]) {
        match as_int(v) {
            Some(n) => self.push_int(n),
            None => self.push_str(v),
        }
    }

    /// Appends an integer.
    pub fn push_int(&mut self, n: i64) {
        let start = self.buf.len();
        let b = &mut self.buf;
        if (0..=127).contains(&n) {
            b.push(n as u8);
        } else if (-4096..=4095).contains(&n) {
            let u = (n as u64) & 0x1fff;
            b.push(0xC0 | (u >> 8) as u8);
            b.push((u & 0xff) as u8);
        } else if (-32768..=32767).contains(&n) {
            b.push(0xF1);
            b.extend_from_slice(&(n as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&n) {
            b.push(0xF2);
            b.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
        } else if (-2_147_483_648..=2_147_483_647).contains(&n) {
            b.push(0xF3);
            b.extend_from_slice(&(n as i32).to_le_bytes());
        } else {
            b.push(0xF4);
            b.extend_from_slice(&n.to_le_bytes());
        }
        let l = b.len() - start;
        push_backlen(b, l);
        self.count += 1;
    }

    /// Appends a string as a string (no integer check).
    pub fn push_str(&mut self, v: &[u8]) {
        let start = self.buf.len();
        let b = &mut self.buf;
        let len = v.len();
        if len < 64 {
            b.push(0x80 | len as u8);
        } else if len < 4096 {
            b.push(0xE0 | (len >> 8) as u8);
            b.push((len & 0xff) as u8);
        } else {
            b.push(0xF0);
            b.extend_from_slice(&(len as u32).to_le_bytes());
        }
        b.extend_from_slice(v);
        let l = b.len() - start;
        push_backlen(b, l);
        self.count += 1;
    }

    /// Number of elements so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True with no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The listpack's size if it were finished now (`lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Finishes the listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// Decodes the entry at `p` (which must not be the end byte): the element and the
/// entry's total size including its backlen.
fn decode_at(lp: &[u8], p: usize) -> Option<(Elem<'_>, usize)> {
    let b0 = *lp.get(p)?;
    let (elem, enc_len) = if b0 & 0x80 == 0 {
        (Elem::Int(i64::from(b0 & 0x7f)), 1)
    } else if b0 & 0xC0 == 0x80 {
        let len = usize::from(b0 & 0x3f);
        (Elem::Str(lp.get(p + 1..p + 1 + len)?), 1 + len)
    } else if b0 & 0xE0 == 0xC0 {
        let u = (u64::from(b0 & 0x1f) << 8) | u64::from(*lp.get(p + 1)?);
        let n = if u >= 1 << 12 {
            u as i64 - (1 << 13)
        } else {
            u as i64
        };
        (Elem::Int(n), 2)
    } else if b0 & 0xF0 == 0xE0 {
        let len = (usize::from(b0 & 0x0f) << 8) | usize::from(*lp.get(p + 1)?);
        (Elem::Str(lp.get(p + 2..p + 2 + len)?), 2 + len)
    } else {
        match b0 {
            0xF0 => {
                let l = lp.get(p + 1..p + 5)?;
                let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                let end = (p + 5).checked_add(len)?;
                (Elem::Str(lp.get(p + 5..end)?), 5 + len)
            }
            0xF1 => {
                let d = lp.get(p + 1..p + 3)?;
                (Elem::Int(i64::from(i16::from_le_bytes([d[0], d[1]]))), 3)
            }
            0xF2 => {
                let d = lp.get(p + 1..p + 4)?;
                let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
                (Elem::Int(i64::from(v)), 4)
            }
            0xF3 => {
                let d = lp.get(p + 1..p + 5)?;
                (
                    Elem::Int(i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]]))),
                    5,
                )
            }
            0xF4 => {
                let d = lp.get(p + 1..p + 9)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(d);
                (Elem::Int(i64::from_le_bytes(a)), 9)
            }
            _ => return None,
        }
    };
    // The backlen must encode `enc_len`.
    let bl = backlen_size(enc_len);
    let blp = p + enc_len;
    let back = lp.get(blp..blp + bl)?;
    let mut v: usize = 0;
    for (i, &c) in back.iter().rev().enumerate() {
        if i > 0 && c & 128 == 0 && i + 1 < bl {
            return None;
        }
        v |= usize::from(c & 127) << (7 * i);
    }
    if v != enc_len {
        return None;
    }
    Some((elem, enc_len + bl))
}

/// Validates a whole listpack and returns its elements in order, or `None` if it is
/// malformed (header size, entries, backlens, count, terminator).
pub fn decode(lp: &[u8]) -> Option<Vec<Elem<'_>>> {
    if lp.len() < HEADER + 1 {
        return None;
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return None;
    }
    let count = usize::from(u16::from_le_bytes([lp[4], lp[5]]));
    let mut out = Vec::with_capacity(count.min(65535));
    let mut p = HEADER;
    loop {
        let b = *lp.get(p)?;
        if b == EOF {
            break;
        }
        let (e, size) = decode_at(lp, p)?;
        out.push(e);
        p += size;
    }
    if p + 1 != lp.len() {
        return None;
    }
    if count != 65535 && count != out.len() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_all_encodings() {
        let vals: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-1".to_vec(),
            b"-4096".to_vec(),
            b"4095".to_vec(),
            b"4096".to_vec(),
            b"-32768".to_vec(),
            b"8388607".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"-2147483649".to_vec(),
            i64::MIN.to_string().into_bytes(),
            i64::MAX.to_string().into_bytes(),
            b"".to_vec(),
            b"hello".to_vec(),
            b"007".to_vec(),
            vec![b'a'; 63],
            vec![b'b'; 64],
            vec![b'c'; 4095],
            vec![b'd'; 4096],
            vec![b'e'; 200_000],
        ];
        let mut b = Builder::new();
        for v in &vals {
            b.push(v);
        }
        let lp = b.finish();
        let got = decode(&lp).expect("valid");
        assert_eq!(got.len(), vals.len());
        for (g, v) in got.iter().zip(&vals) {
            assert_eq!(&g.to_vec(), v);
        }
        // Sizes agree with the builder.
        let mut sum = HEADER + 1;
        for v in &vals {
            sum += entry_size(v);
        }
        assert_eq!(sum, lp.len());
    }

    #[test]
    fn exact_bytes() {
        // What Redis 7 writes for RPUSH l a 1 (a listpack of two entries).
        let mut b = Builder::new();
        b.push(b"a");
        b.push(b"1");
        assert_eq!(
            b.finish(),
            vec![0x0c, 0, 0, 0, 2, 0, 0x81, b'a', 2, 0x01, 1, 0xff]
        );
    }

    #[test]
    fn rejects_corruption() {
        let mut b = Builder::new();
        b.push(b"hello");
        b.push(b"12345");
        let lp = b.finish();
        for cut in 0..lp.len() {
            assert!(decode(&lp[..cut]).is_none());
        }
        let mut bad = lp.clone();
        bad[4] = 3;
        assert!(decode(&bad).is_none());
        let mut bad = lp.clone();
        bad[6] = 0x9f;
        assert!(decode(&bad).is_none());
    }
}
