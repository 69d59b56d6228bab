//! Zipmaps (read only: hashes in RDB files of Redis before 2.6):
//! `<zmlen u8> (<len> key <len> <free u8> value <free bytes>)* 0xFF`, lengths in one
//! byte below 254 or 254 followed by 4 bytes.

/// Validates a zipmap and returns its (field, value) pairs, or `None` if malformed.
pub fn decode(zm: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut p = 1usize;
    if zm.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let read_len = |p: &mut usize| -> Option<usize> {
        let b = *zm.get(*p)?;
        if b < 254 {
            *p += 1;
            Some(usize::from(b))
        } else if b == 254 {
            let x = zm.get(*p + 1..*p + 5)?;
            *p += 5;
            Some(u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
        } else {
            None
        }
    };
    loop {
        if *zm.get(p)? == 0xFF {
            break;
        }
        let klen = read_len(&mut p)?;
        let key = zm.get(p..p.checked_add(klen)?)?;
        p += klen;
        let vlen = read_len(&mut p)?;
        let free = usize::from(*zm.get(p)?);
        p += 1;
        let val = zm.get(p..p.checked_add(vlen)?)?;
        p += vlen + free;
        out.push((key, val));
    }
    (p + 1 == zm.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_zipmap() {
        // {"foo" => "bar", "k" => "value"} with one free byte after "bar".
        let zm = [
            2, 3, b'f', b'o', b'o', 3, 1, b'b', b'a', b'r', 0, 1, b'k', 5, 0, b'v', b'a', b'l',
            b'u', b'e', 0xFF,
        ];
        let got = decode(&zm).expect("valid");
        assert_eq!(
            got,
            vec![(&b"foo"[..], &b"bar"[..]), (&b"k"[..], &b"value"[..])]
        );
        assert!(decode(&zm[..zm.len() - 1]).is_none());
    }
}
