//! Ziplists (read only: RDB files of Redis before 7.0 hold them):
//! `<zlbytes u32><zltail u32><zllen u16> <entry>* 0xFF`, each entry the previous
//! entry's length (1 byte, or 0xFE and 4 bytes), an encoding and the data.

use super::Elem;

/// Validates a ziplist and returns its elements in order, or `None` if malformed.
pub fn decode(zl: &[u8]) -> Option<Vec<Elem<'_>>> {
    if zl.len() < 11 {
        return None;
    }
    let total = u32::from_le_bytes([zl[0], zl[1], zl[2], zl[3]]) as usize;
    let tail = u32::from_le_bytes([zl[4], zl[5], zl[6], zl[7]]) as usize;
    let count = usize::from(u16::from_le_bytes([zl[8], zl[9]]));
    if total != zl.len() || zl[total - 1] != 0xFF {
        return None;
    }
    let mut out = Vec::new();
    let mut p = 10usize;
    let mut prev_len = 0usize;
    let mut last_start = 10usize;
    while zl[p] != 0xFF {
        let start = p;
        // prevlen
        let (plen, psize) = if zl[p] < 254 {
            (usize::from(zl[p]), 1)
        } else if zl[p] == 254 {
            let b = zl.get(p + 1..p + 5)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
        } else {
            return None;
        };
        if plen != prev_len {
            return None;
        }
        p += psize;
        let e = *zl.get(p)?;
        let (elem, size) = match e >> 6 {
            0 => {
                let len = usize::from(e & 0x3f);
                (Elem::Str(zl.get(p + 1..p + 1 + len)?), 1 + len)
            }
            1 => {
                let len = (usize::from(e & 0x3f) << 8) | usize::from(*zl.get(p + 1)?);
                (Elem::Str(zl.get(p + 2..p + 2 + len)?), 2 + len)
            }
            2 => {
                if e != 0x80 {
                    return None;
                }
                let b = zl.get(p + 1..p + 5)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                let end = (p + 5).checked_add(len)?;
                (Elem::Str(zl.get(p + 5..end)?), 5 + len)
            }
            _ => match e {
                0xC0 => {
                    let b = zl.get(p + 1..p + 3)?;
                    (Elem::Int(i64::from(i16::from_le_bytes([b[0], b[1]]))), 3)
                }
                0xD0 => {
                    let b = zl.get(p + 1..p + 5)?;
                    (
                        Elem::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                        5,
                    )
                }
                0xE0 => {
                    let b = zl.get(p + 1..p + 9)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    (Elem::Int(i64::from_le_bytes(a)), 9)
                }
                0xF0 => {
                    let b = zl.get(p + 1..p + 4)?;
                    (
                        Elem::Int(i64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8)),
                        4,
                    )
                }
                0xFE => {
                    let b = *zl.get(p + 1)?;
                    (Elem::Int(i64::from(b as i8)), 2)
                }
                0xF1..=0xFD => (Elem::Int(i64::from(e & 0x0f) - 1), 1),
                _ => return None,
            },
        };
        p += size;
        if p >= zl.len() {
            return None;
        }
        prev_len = p - start;
        last_start = start;
        out.push(elem);
    }
    if p + 1 != zl.len() {
        return None;
    }
    if !out.is_empty() && tail != last_start {
        return None;
    }
    if count != 65535 && count != out.len() {
        return None;
    }
    Some(out)
}

/// Encodes strings as a ziplist (for tests of the reader).
#[cfg(test)]
pub fn encode_strs(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut last = 10usize;
    for it in items {
        let start = body.len();
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(254);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        if let Some(n) = super::as_int(it).filter(|n| (0..=12).contains(n)) {
            body.push(0xF1 + n as u8);
        } else if it.len() < 64 {
            body.push(it.len() as u8);
            body.extend_from_slice(it);
        } else {
            body.push(0x80);
            body.extend_from_slice(&(it.len() as u32).to_be_bytes());
            body.extend_from_slice(it);
        }
        last = 10 + start;
        prev = body.len() - start;
    }
    let total = 10 + body.len() + 1;
    let mut out = Vec::new();
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(last as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes() {
        let big = vec![b'x'; 300];
        let items: Vec<&[u8]> = vec![b"a", b"5", b"hello", &big, b"12"];
        let zl = encode_strs(&items);
        let got = decode(&zl).expect("valid");
        let strs: Vec<Vec<u8>> = got.iter().map(|e| e.to_vec()).collect();
        assert_eq!(strs, items.iter().map(|s| s.to_vec()).collect::<Vec<_>>());
        for cut in 0..zl.len() {
            assert!(decode(&zl[..cut]).is_none());
        }
    }
}
