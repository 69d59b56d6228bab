//! LZF, the compression of RDB strings (`rdbcompression yes`).
//!
//! The format: a control byte below 32 starts a run of `ctrl + 1` literal bytes; any
//! other control byte is a back reference of length `(ctrl >> 5) + 2` (a 7 there means
//! one more length byte follows) at distance `((ctrl & 31) << 8 | next byte) + 1`.
//! The compressor is a greedy hash-chain-free matcher over 3-byte sequences, as liblzf's.

const HLOG: u32 = 14;
const MAX_LIT: usize = 32;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

#[inline]
fn hash3(b: &[u8]) -> usize {
    let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HLOG)) as usize
}

/// Compresses `input`; `None` when the result would be longer than `max_out` bytes
/// (Redis asks for at least 4 bytes of savings).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    if n == 0 {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(n + n / 16 + 64));
    let mut table = vec![usize::MAX; 1 << HLOG];
    // Position of the pending literal run's control byte, and its length.
    let mut lit_start = out.len();
    out.push(0);
    let mut lit = 0usize;
    let mut ip = 0usize;
    while ip + 2 < n {
        let h = hash3(&input[ip..]);
        let r = table[h];
        table[h] = ip;
        if r != usize::MAX
            && r < ip
            && ip - r <= MAX_OFF
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1]
            && input[r + 2] == input[ip + 2]
        {
            let off = ip - r - 1;
            let maxlen = (n - ip).min(MAX_REF);
            let mut len = 3;
            while len < maxlen && input[r + len] == input[ip + len] {
                len += 1;
            }
            // Close the literal run (drop its control byte if empty).
            if lit == 0 {
                out.pop();
            } else {
                out[lit_start] = (lit - 1) as u8;
            }
            let l = len - 2;
            if l < 7 {
                out.push(((l as u8) << 5) | (off >> 8) as u8);
            } else {
                out.push((7u8 << 5) | (off >> 8) as u8);
                out.push((l - 7) as u8);
            }
            out.push((off & 0xff) as u8);
            if out.len() > max_out {
                return None;
            }
            lit_start = out.len();
            out.push(0);
            lit = 0;
            // Index the positions inside the match cheaply: the last two.
            let end = ip + len;
            let mut p = end.saturating_sub(2).max(ip + 1);
            while p < end && p + 2 < n {
                table[hash3(&input[p..])] = p;
                p += 1;
            }
            ip = end;
            continue;
        }
        out.push(input[ip]);
        lit += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[lit_start] = (MAX_LIT - 1) as u8;
            lit_start = out.len();
            out.push(0);
            lit = 0;
        }
        if out.len() > max_out {
            return None;
        }
    }
    while ip < n {
        out.push(input[ip]);
        lit += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[lit_start] = (MAX_LIT - 1) as u8;
            lit_start = out.len();
            out.push(0);
            lit = 0;
        }
    }
    if lit == 0 {
        out.pop();
    } else {
        out[lit_start] = (lit - 1) as u8;
    }
    if out.len() > max_out {
        return None;
    }
    Some(out)
}

/// Decompresses `input`, which must expand to exactly `out_len` bytes.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            if ip + run > input.len() || out.len() + run > out_len {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            len += 2;
            let off = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            if off > out.len() || out.len() + len > out_len {
                return None;
            }
            let start = out.len() - off;
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(data: &[u8]) {
        if let Some(c) = compress(data, data.len() + 64) {
            assert_eq!(decompress(&c, data.len()).as_deref(), Some(data));
        }
    }

    #[test]
    fn roundtrips() {
        roundtrip(b"");
        roundtrip(b"a");
        roundtrip(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        roundtrip(&[b'x'; 10000]);
        let mut v = Vec::new();
        let mut s = 12345u32;
        for i in 0..50_000u32 {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push(if i % 7 == 0 {
                (s >> 16) as u8
            } else {
                b"abcdefgh"[(i % 8) as usize]
            });
        }
        roundtrip(&v);
        let c = compress(&[b'z'; 1000], 996).expect("compressible");
        assert!(c.len() < 40);
        assert!(compress(b"abcdefghijklmnopqrstuvwxyz", 22).is_none());
    }

    #[test]
    fn rejects_garbage() {
        assert!(decompress(&[0xe0, 0x05], 10).is_none());
        assert!(decompress(&[0x05, b'a'], 6).is_none());
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x00], 4).as_deref(),
            Some(&b"aaaa"[..])
        );
    }
}
