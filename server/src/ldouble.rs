//! `INCRBYFLOAT` / `HINCRBYFLOAT` arithmetic.
//!
//! Redis computes these in C `long double` (x87 80-bit extended precision on x86-64) and
//! prints the result with `%.17Lf`, trailing zeros removed. The contract of this module is
//! that API; its precision is the strings family's business.

use crate::error::CmdError;

/// Parses a `long double` argument as Redis's `string2ld` does.
pub fn parse(s: &[u8]) -> Option<f64> {
    crate::util::parse_f64(s)
}

/// Adds `incr` to `current` (absent: 0) and returns the new value's text as Redis would
/// store and reply it. Errors: `ERR value is not a valid float` for bad input,
/// `ERR increment would produce NaN or Infinity` for non-finite results.
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, CmdError> {
    let cur = match current {
        Some(c) => parse(c).ok_or(CmdError::NOT_FLOAT)?,
        None => 0.0,
    };
    let by = parse(incr).ok_or(CmdError::NOT_FLOAT)?;
    let v = cur + by;
    if !v.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    Ok(crate::util::fmt_f64_human(v).into_bytes())
}
