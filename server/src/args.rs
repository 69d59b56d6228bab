//! Argument parsing helpers with Redis's error texts.

use crate::error::CmdError;
use bytes::Bytes;

/// Parses an integer argument (`ERR value is not an integer or out of range`).
#[inline]
pub fn int(a: &[u8]) -> Result<i64, CmdError> {
    crate::util::parse_i64(a).ok_or(CmdError::NOT_INTEGER)
}

/// Parses a non-negative integer argument with a custom error for negatives.
pub fn uint(a: &[u8]) -> Result<u64, CmdError> {
    let v = int(a)?;
    if v < 0 {
        return Err(CmdError::NOT_INTEGER);
    }
    Ok(v as u64)
}

/// Parses an integer that must lie in `min..=max` (`ERR value is out of range, must be
/// positive` style errors are the caller's).
pub fn int_in(a: &[u8], min: i64, max: i64) -> Result<i64, CmdError> {
    let v = int(a)?;
    if v < min || v > max {
        return Err(CmdError::NOT_INTEGER);
    }
    Ok(v)
}

/// Parses an integer that must fit in a C `int`, with Redis's `getIntFromObjectOrReply`
/// errors.
pub fn c_int(a: &[u8]) -> Result<i64, CmdError> {
    let v = int(a)?;
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        return Err(CmdError::err(format_args!(
            "value is out of range, value must between {} and {}",
            i32::MIN,
            i32::MAX
        )));
    }
    Ok(v)
}

/// Parses a float argument (`ERR value is not a valid float`).
#[inline]
pub fn float(a: &[u8]) -> Result<f64, CmdError> {
    crate::util::parse_f64(a).ok_or(CmdError::NOT_FLOAT)
}

/// True if `a` equals `word`, ignoring ASCII case.
#[inline]
pub fn is(a: &[u8], word: &str) -> bool {
    a.eq_ignore_ascii_case(word.as_bytes())
}

/// A blocking command's timeout in seconds (float), as an absolute deadline in Unix ms
/// (0 = forever). Errors and rounding as Redis's `getTimeoutFromObjectOrReply`: the
/// milliseconds are rounded up, so a tiny negative value is 0 (block forever).
pub fn timeout_deadline(a: &[u8], now_ms: i64) -> Result<i64, CmdError> {
    let secs = crate::util::parse_f64(a).ok_or(CmdError::TIMEOUT_NOT_FLOAT)?;
    let ms = secs * 1000.0;
    if ms > i64::MAX as f64 {
        return Err(CmdError::TIMEOUT_OUT_OF_RANGE);
    }
    let ms = ms.ceil();
    if ms < 0.0 {
        return Err(CmdError::TIMEOUT_NEGATIVE);
    }
    let ms = ms as i64;
    if ms == 0 {
        return Ok(0);
    }
    if ms > i64::MAX - now_ms {
        return Err(CmdError::TIMEOUT_OUT_OF_RANGE);
    }
    Ok(now_ms + ms)
}

/// Lower-cased copy of an argument, for keyword matching.
pub fn lower(a: &Bytes) -> Vec<u8> {
    a.to_ascii_lowercase()
}
