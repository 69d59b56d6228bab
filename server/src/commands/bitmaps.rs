//! Bitmap commands: bit-level access to string values (Redis's `bitops.c`).
//!
//! Bit 0 is the most significant bit of the first byte. Writes grow the string with
//! zero bytes as needed and leave it in the `raw` encoding.

use crate::args;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_STRING};
use crate::ctx::{Ctx, Keyspace};
use crate::db::{StrValue, Value, ValueType};
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;
use std::borrow::Cow;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("setbit", setbit);
    r.add("getbit", getbit);
    r.add("bitcount", bitcount);
    r.add("bitpos", bitpos);
    r.add("bitop", bitop);
    r.add("bitfield", bitfield);
    r.add("bitfield_ro", bitfield_ro);
}

const BIT_OFFSET_ERR: CmdError =
    CmdError::fixed("ERR bit offset is not an integer or out of range");
const BIT_VALUE_ERR: CmdError = CmdError::fixed("ERR bit is not an integer or out of range");
const BITFIELD_TYPE_ERR: CmdError = CmdError::fixed(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

/// Parses a bit offset (Redis's `getBitOffsetFromArgument`): a non-negative integer whose
/// byte lies below `proto-max-bulk-len`. With `bits > 0`, `#n` means `n * bits`.
fn bit_offset(a: &[u8], max_bulk: i64, bits: u32) -> Result<u64, CmdError> {
    let hash = bits > 0 && a.first() == Some(&b'#');
    let digits = if hash { &a[1..] } else { a };
    let mut off = crate::util::parse_i64(digits).ok_or(BIT_OFFSET_ERR)?;
    if hash {
        off = off.wrapping_mul(i64::from(bits));
    }
    if off < 0 || (off >> 3) >= max_bulk {
        return Err(BIT_OFFSET_ERR);
    }
    Ok(off as u64)
}

/// The string under `key` for reading (empty for a missing key), WRONGTYPE otherwise.
/// The second value is false when the key does not exist.
fn read_string<'a>(
    ks: &'a mut Keyspace<'_>,
    key: &[u8],
) -> Result<(Cow<'a, [u8]>, bool), CmdError> {
    match ks.read_typed(key, ValueType::String)? {
        Some(Value::Str(s)) => Ok((s.as_bytes(), true)),
        _ => Ok((Cow::Borrowed(&[]), false)),
    }
}

/// Redis's `lookupStringForBitCommand`: the string under `key`, created or zero-padded so
/// bit `maxbit` exists, as a raw buffer. The flag tells whether it was created or grown.
fn string_for_bit_write<'a>(
    ks: &'a mut Keyspace<'_>,
    key: &[u8],
    maxbit: u64,
) -> Result<(&'a mut Vec<u8>, bool), CmdError> {
    let need = (maxbit >> 3) as usize + 1;
    let exists = ks.write_typed(key, ValueType::String)?.is_some();
    if !exists {
        ks.add(key, Value::Str(StrValue::raw(vec![0u8; need])));
    }
    match ks.lookup_write(key) {
        Some(Value::Str(s)) => {
            let raw = s.make_raw();
            let grown = raw.len() < need;
            if grown {
                super::strings::reserve_like_sds(raw, need);
                raw.resize(need, 0);
            }
            Ok((raw, !exists || grown))
        }
        _ => Err(CmdError::WRONG_TYPE),
    }
}

/// ```text
/// SETBIT key offset value
/// ```
fn setbit(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let key = &argv[1];
    let offset = bit_offset(&argv[2], ctx.srv.config.proto_max_bulk_len, 0)?;
    let on = crate::util::parse_i64(&argv[3]).ok_or(BIT_VALUE_ERR)?;
    if on & !1 != 0 {
        return Err(BIT_VALUE_ERR);
    }
    let (mut ks, out) = ctx.split();
    let (buf, dirty) = string_for_bit_write(&mut ks, key, offset)?;
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    let old = buf[byte] & mask != 0;
    let changed = dirty || old != (on == 1);
    if changed {
        if on == 1 {
            buf[byte] |= mask;
        } else {
            buf[byte] &= !mask;
        }
        ks.modified(key, NOTIFY_STRING, "setbit");
    }
    out.int(i64::from(old));
    Ok(())
}

/// ```text
/// GETBIT key offset
/// ```
fn getbit(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let offset = bit_offset(&argv[2], ctx.srv.config.proto_max_bulk_len, 0)?;
    let (mut ks, out) = ctx.split();
    let (s, _) = read_string(&mut ks, &argv[1])?;
    let byte = (offset >> 3) as usize;
    let bit = s
        .get(byte)
        .is_some_and(|b| b & (1 << (7 - (offset & 7))) != 0);
    out.int(i64::from(bit));
    Ok(())
}

/// Parses `BIT` or `BYTE` (true for `BIT`).
fn bit_unit(a: &[u8]) -> Result<bool, CmdError> {
    if args::is(a, "bit") {
        Ok(true)
    } else if args::is(a, "byte") {
        Ok(false)
    } else {
        Err(CmdError::SYNTAX)
    }
}

/// Converts a `start end` range in bytes or bits (negative counts from the end) to an
/// inclusive range of bits, as BITCOUNT and BITPOS do. `None` for an empty range.
fn bit_range(mut start: i64, mut end: i64, len: usize, isbit: bool) -> Option<(u64, u64)> {
    let total = if isbit { len as i64 * 8 } else { len as i64 };
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    let (start, end) = (start as u64, end as u64);
    Some(if isbit {
        (start, end)
    } else {
        (start * 8, end * 8 + 7)
    })
}

/// Number of set bits in the inclusive bit range `[from, to]` of `s`.
fn count_bits(s: &[u8], from: u64, to: u64) -> u64 {
    let (fb, tb) = ((from >> 3) as usize, (to >> 3) as usize);
    let mut n: u64 = s[fb..=tb].iter().map(|b| u64::from(b.count_ones())).sum();
    // Remove the bits of the edge bytes that lie outside the range.
    let head = s[fb] & !(0xffu8 >> (from & 7));
    let tail = s[tb] & ((1u8 << (7 - (to & 7))) - 1);
    n -= u64::from(head.count_ones()) + u64::from(tail.count_ones());
    n
}

/// ```text
/// BITCOUNT key [start end [BYTE | BIT]]
/// ```
fn bitcount(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let range = match argv.len() {
        2 => None,
        4 | 5 => {
            let start = args::int(&argv[2])?;
            let end = args::int(&argv[3])?;
            let isbit = if argv.len() == 5 {
                bit_unit(&argv[4])?
            } else {
                false
            };
            Some((start, end, isbit))
        }
        _ => return Err(CmdError::SYNTAX),
    };
    let (mut ks, out) = ctx.split();
    let (s, exists) = read_string(&mut ks, &argv[1])?;
    let n = match range {
        _ if !exists => 0,
        None if s.is_empty() => 0,
        None => s.iter().map(|b| u64::from(b.count_ones())).sum(),
        Some((start, end, _)) if start < 0 && end < 0 && start > end => 0,
        Some((start, end, isbit)) => match bit_range(start, end, s.len(), isbit) {
            None => 0,
            Some((from, to)) => count_bits(&s, from, to),
        },
    };
    out.int(n as i64);
    Ok(())
}

/// Position of the first bit equal to `bit` in the inclusive bit range `[from, to]`.
fn find_bit(s: &[u8], from: u64, to: u64, bit: bool) -> Option<u64> {
    let skip = if bit { 0 } else { 0xff };
    let mut pos = from;
    while pos <= to {
        if pos & 7 == 0 && pos + 7 <= to {
            // Whole bytes inside the range: skip those without the bit at once.
            let first = (pos >> 3) as usize;
            let end = ((to + 1) >> 3) as usize;
            match s[first..end].iter().position(|&b| b != skip) {
                Some(i) => {
                    let b = s[first + i];
                    let k = if bit { b } else { !b }.leading_zeros();
                    return Some((((first + i) as u64) << 3) + u64::from(k));
                }
                None => {
                    pos = (end as u64) << 3;
                    continue;
                }
            }
        }
        if (s[(pos >> 3) as usize] & (0x80 >> (pos & 7)) != 0) == bit {
            return Some(pos);
        }
        pos += 1;
    }
    None
}

/// ```text
/// BITPOS key bit [start [end [BYTE | BIT]]]
/// ```
fn bitpos(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let bit = args::int(&argv[2])?;
    if bit != 0 && bit != 1 {
        return Err(CmdError::err("The bit argument must be 1 or 0."));
    }
    let bit = bit == 1;
    let mut start = 0;
    let mut end = None;
    let mut isbit = false;
    match argv.len() {
        3 => {}
        4..=6 => {
            start = args::int(&argv[3])?;
            if argv.len() == 6 {
                isbit = bit_unit(&argv[5])?;
            }
            if argv.len() >= 5 {
                end = Some(args::int(&argv[4])?);
            }
        }
        _ => return Err(CmdError::SYNTAX),
    }
    let (mut ks, out) = ctx.split();
    let (s, exists) = read_string(&mut ks, &argv[1])?;
    if !exists {
        out.int(if bit { -1 } else { 0 });
        return Ok(());
    }
    let end_given = end.is_some();
    let end = end.unwrap_or(-1);
    let pos = match bit_range(start, end, s.len(), isbit) {
        None => -1,
        Some((from, to)) => match find_bit(&s, from, to, bit) {
            Some(p) => p as i64,
            // No clear bit: past the string unless the range was explicit.
            None if !bit && !end_given => to as i64 + 1,
            None => -1,
        },
    };
    out.int(pos);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// ```text
/// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
/// ```
fn bitop(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let op = if args::is(&argv[1], "and") {
        BitOp::And
    } else if args::is(&argv[1], "or") {
        BitOp::Or
    } else if args::is(&argv[1], "xor") {
        BitOp::Xor
    } else if args::is(&argv[1], "not") {
        BitOp::Not
    } else {
        return Err(CmdError::SYNTAX);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return Err(CmdError::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let target = &argv[2];
    let (mut ks, out) = ctx.split();
    let mut srcs: Vec<Vec<u8>> = Vec::with_capacity(argv.len() - 3);
    for key in &argv[3..] {
        let (s, _) = read_string(&mut ks, key)?;
        srcs.push(s.into_owned());
    }
    let maxlen = srcs.iter().map(Vec::len).max().unwrap_or(0);
    if maxlen > 0 {
        let byte = |s: &Vec<u8>, j: usize| s.get(j).copied().unwrap_or(0);
        let mut res: Vec<u8> = (0..maxlen).map(|j| byte(&srcs[0], j)).collect();
        match op {
            BitOp::Not => res.iter_mut().for_each(|b| *b = !*b),
            _ => {
                for src in &srcs[1..] {
                    for (j, r) in res.iter_mut().enumerate() {
                        let b = byte(src, j);
                        match op {
                            BitOp::And => *r &= b,
                            BitOp::Or => *r |= b,
                            _ => *r ^= b,
                        }
                    }
                }
            }
        }
        ks.set(target, Value::Str(StrValue::raw(res)), false);
        ks.notify(NOTIFY_STRING, "set", target);
        ks.srv.dirty += 1;
    } else if ks.delete(target) {
        ks.notify(NOTIFY_GENERIC, "del", target);
        ks.srv.dirty += 1;
    }
    out.int(maxlen as i64);
    Ok(())
}

/// What to do when BITFIELD's `SET` or `INCRBY` overflows.
#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

struct Field {
    op: FieldOp,
    offset: u64,
    value: i64,
    overflow: Overflow,
    bits: u32,
    signed: bool,
}

/// Parses `i<bits>` (1..=64) or `u<bits>` (1..=63).
fn field_type(a: &[u8]) -> Result<(bool, u32), CmdError> {
    let signed = match a.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BITFIELD_TYPE_ERR),
    };
    // Redis reads the width as a C string: it ends at a NUL byte.
    let rest = &a[1..];
    let rest = &rest[..rest.iter().position(|&c| c == 0).unwrap_or(rest.len())];
    let bits = crate::util::parse_i64(rest).ok_or(BITFIELD_TYPE_ERR)?;
    if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(BITFIELD_TYPE_ERR);
    }
    Ok((signed, bits as u32))
}

/// Reads a big-endian unsigned field of `bits` bits at bit `offset` (missing bytes are
/// zero).
fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for i in 0..u64::from(bits) {
        let pos = offset + i;
        let byte = s.get((pos >> 3) as usize).copied().unwrap_or(0);
        v = (v << 1) | u64::from((byte >> (7 - (pos & 7))) & 1);
    }
    v
}

/// Reads a two's complement field.
fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits) as i64;
    if bits < 64 && v & (1i64 << (bits - 1)) != 0 {
        v | (-1i64 << bits)
    } else {
        v
    }
}

/// Writes the low `bits` bits of `value` at bit `offset` (the buffer is large enough).
fn set_field(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        let bitval = (value >> (u64::from(bits) - 1 - i)) & 1;
        let pos = offset + i;
        let byte = &mut s[(pos >> 3) as usize];
        let shift = 7 - (pos & 7);
        *byte = (*byte & !(1 << shift)) | ((bitval as u8) << shift);
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: whether `value + incr` overflows a `bits`-bit
/// unsigned field, and the value to store under WRAP or SAT.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = value.wrapping_neg() as i64;
    let wrapped = || value.wrapping_add(incr as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0));
    if value > max || (incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Sat { max } else { wrapped() })
    } else if incr < 0 && incr < minincr {
        (true, if ow == Overflow::Sat { 0 } else { wrapped() })
    } else {
        (false, 0)
    }
}

/// Redis's `checkSignedBitfieldOverflow`.
fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrapped = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                (c | mask) as i64
            } else {
                (c & !mask) as i64
            }
        } else {
            c as i64
        }
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Sat { max } else { wrapped() })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        (true, if ow == Overflow::Sat { min } else { wrapped() })
    } else {
        (false, 0)
    }
}

/// The shared body of BITFIELD and BITFIELD_RO (Redis's `bitfieldGeneric`).
fn bitfield_generic(ctx: &mut Ctx, argv: &[Bytes], readonly_cmd: bool) -> CmdResult {
    let max_bulk = ctx.srv.config.proto_max_bulk_len;
    let mut ops: Vec<Field> = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut readonly = true;
    let mut highest_write: u64 = 0;
    let mut j = 2;
    while j < argv.len() {
        let remargs = argv.len() - j - 1;
        let sub = &argv[j];
        let op = if args::is(sub, "get") && remargs >= 2 {
            FieldOp::Get
        } else if args::is(sub, "set") && remargs >= 3 {
            FieldOp::Set
        } else if args::is(sub, "incrby") && remargs >= 3 {
            FieldOp::IncrBy
        } else if args::is(sub, "overflow") && remargs >= 1 {
            let t = &argv[j + 1];
            overflow = if args::is(t, "wrap") {
                Overflow::Wrap
            } else if args::is(t, "sat") {
                Overflow::Sat
            } else if args::is(t, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::SYNTAX);
        };
        let (signed, bits) = field_type(&argv[j + 1])?;
        let offset = bit_offset(&argv[j + 2], max_bulk, bits)?;
        let mut value = 0;
        if op != FieldOp::Get {
            readonly = false;
            highest_write = highest_write.max(offset + u64::from(bits) - 1);
            value = args::int(&argv[j + 3])?;
        }
        ops.push(Field {
            op,
            offset,
            value,
            overflow,
            bits,
            signed,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }

    let key = &argv[1];
    let (mut ks, out) = ctx.split();
    if readonly {
        let (s, _) = read_string(&mut ks, key)?;
        out.array_len(ops.len());
        for f in &ops {
            if f.signed {
                out.int(get_signed(&s, f.offset, f.bits));
            } else {
                out.int(get_unsigned(&s, f.offset, f.bits) as i64);
            }
        }
        return Ok(());
    }
    if readonly_cmd {
        return Err(CmdError::err(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let (buf, dirty) = string_for_bit_write(&mut ks, key, highest_write)?;
    out.array_len(ops.len());
    let mut changes = 0u64;
    for f in &ops {
        match (f.op, f.signed) {
            (FieldOp::Get, true) => out.int(get_signed(buf, f.offset, f.bits)),
            (FieldOp::Get, false) => out.int(get_unsigned(buf, f.offset, f.bits) as i64),
            (op, true) => {
                let old = get_signed(buf, f.offset, f.bits);
                let (of, new, ret) = if op == FieldOp::IncrBy {
                    let (of, w) = signed_overflow(old, f.value, f.bits, f.overflow);
                    let new = if of { w } else { old.wrapping_add(f.value) };
                    (of, new, new)
                } else {
                    let (of, w) = signed_overflow(f.value, 0, f.bits, f.overflow);
                    (of, if of { w } else { f.value }, old)
                };
                if of && f.overflow == Overflow::Fail {
                    out.null();
                } else {
                    out.int(ret);
                    set_field(buf, f.offset, f.bits, new as u64);
                    if dirty || old != new {
                        changes += 1;
                    }
                }
            }
            (op, false) => {
                let old = get_unsigned(buf, f.offset, f.bits);
                let (of, new, ret) = if op == FieldOp::IncrBy {
                    let (of, w) = unsigned_overflow(old, f.value, f.bits, f.overflow);
                    let new = if of {
                        w
                    } else {
                        old.wrapping_add(f.value as u64)
                    };
                    (of, new, new)
                } else {
                    let v = f.value as u64;
                    let (of, w) = unsigned_overflow(v, 0, f.bits, f.overflow);
                    (of, if of { w } else { v }, old)
                };
                if of && f.overflow == Overflow::Fail {
                    out.null();
                } else {
                    out.int(ret as i64);
                    set_field(buf, f.offset, f.bits, new);
                    if dirty || old != new {
                        changes += 1;
                    }
                }
            }
        }
    }
    if changes > 0 {
        ks.signal_modified(key);
        ks.notify(NOTIFY_STRING, "setbit", key);
        ks.srv.dirty += changes;
    }
    Ok(())
}

/// ```text
/// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
///     <SET encoding offset value | INCRBY encoding offset increment>
///     [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
///     <SET encoding offset value | INCRBY encoding offset increment> ...]]
/// ```
fn bitfield(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, argv, false)
}

/// ```text
/// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
/// ```
fn bitfield_ro(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    bitfield_generic(ctx, argv, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_ranges_and_counts() {
        let s = b"\xff\xf0\x00\x01";
        assert_eq!(bit_range(0, -1, 4, false), Some((0, 31)));
        assert_eq!(bit_range(-1, -1, 4, true), Some((31, 31)));
        assert_eq!(bit_range(5, 2, 4, false), None);
        assert_eq!(bit_range(i64::MIN, i64::MAX, 4, true), Some((0, 31)));
        assert_eq!(count_bits(s, 0, 31), 13);
        assert_eq!(count_bits(s, 4, 11), 8);
        assert_eq!(count_bits(s, 9, 9), 1);
        assert_eq!(count_bits(s, 12, 30), 0);
        assert_eq!(find_bit(s, 0, 31, false), Some(12));
        assert_eq!(find_bit(s, 12, 31, true), Some(31));
        assert_eq!(find_bit(s, 0, 7, false), None);
        assert_eq!(find_bit(&[0; 64], 3, 511, true), None);
    }

    #[test]
    fn fields() {
        let mut buf = vec![0u8; 3];
        set_field(&mut buf, 7, 5, 23);
        assert_eq!(buf, [0b0000_0001, 0b0111_0000, 0]);
        assert_eq!(get_unsigned(&buf, 7, 5), 23);
        assert_eq!(get_signed(&buf, 7, 5), -9);
        assert_eq!(get_unsigned(&buf, 20, 8), 0);
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Wrap), (true, 4));
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Sat), (true, 255));
        assert_eq!(unsigned_overflow(5, -10, 8, Overflow::Sat), (true, 0));
        assert_eq!(signed_overflow(120, 10, 8, Overflow::Wrap), (true, -126));
        assert_eq!(signed_overflow(-120, -10, 8, Overflow::Sat), (true, -128));
        assert_eq!(
            signed_overflow(i64::MIN, -1, 64, Overflow::Wrap),
            (true, i64::MAX)
        );
        assert_eq!(signed_overflow(1, 2, 64, Overflow::Wrap), (false, 0));
        assert_eq!(field_type(b"i64"), Ok((true, 64)));
        assert!(field_type(b"u64").is_err());
        assert!(field_type(b"I8").is_err());
        assert_eq!(bit_offset(b"#3", 1 << 29, 8), Ok(24));
        assert!(bit_offset(b"#3", 1 << 29, 0).is_err());
        assert!(bit_offset(b"4294967296", 1 << 29, 0).is_err());
    }
}
