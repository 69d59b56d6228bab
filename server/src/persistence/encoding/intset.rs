//! Intsets: `<encoding u32><length u32>` then the members, sorted ascending, each 2, 4
//! or 8 bytes little endian (the narrowest width that holds every member).

/// Encodes sorted, distinct integers as Redis's `intset` blob.
pub fn encode(sorted: &[i64]) -> Vec<u8> {
    let width: usize = match (sorted.first(), sorted.last()) {
        (Some(&lo), Some(&hi)) => {
            let fits = |w: usize| -> bool {
                let (min, max) = match w {
                    2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
                    4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                lo >= min && hi <= max
            };
            if fits(2) {
                2
            } else if fits(4) {
                4
            } else {
                8
            }
        }
        _ => 2,
    };
    let mut out = Vec::with_capacity(8 + sorted.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for &v in sorted {
        match width {
            2 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            4 => out.extend_from_slice(&(v as i32).to_le_bytes()),
            _ => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
    out
}

/// Decodes and validates an intset blob (width, length, strictly ascending members).
pub fn decode(blob: &[u8]) -> Option<Vec<i64>> {
    if blob.len() < 8 {
        return None;
    }
    let width = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    let len = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) || len.checked_mul(width)? + 8 != blob.len() {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    for c in blob[8..].chunks_exact(width) {
        let v = match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        };
        if out.last().is_some_and(|&p| p >= v) {
            return None;
        }
        out.push(v);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        for set in [
            vec![],
            vec![1, 2, 3],
            vec![-40000, 5],
            vec![i64::MIN, 0, i64::MAX],
        ] {
            let b = encode(&set);
            assert_eq!(decode(&b), Some(set));
        }
        assert_eq!(encode(&[1, 2])[0], 2);
        assert_eq!(encode(&[1, 70000])[0], 4);
        assert!(decode(&encode(&[1, 2])[..11]).is_none());
        let mut unsorted = encode(&[1, 2]);
        unsorted[8] = 5;
        assert!(decode(&unsorted).is_none());
    }
}
