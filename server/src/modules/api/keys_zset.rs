//! Keys: the sorted-set API (module.c's "Key API for Sorted Set type" and "Sorted Set
//! iterator"): `ZsetAdd`, `ZsetIncrby`, `ZsetRem`, `ZsetScore`, and the score and lex
//! range iterators in both directions.
//!
//! A range iterator works on the members in order, taken when the range is set up;
//! Redis's iterator walks the live structure, which a module must not change while
//! iterating, so the two behave alike for every correct module.

use super::keys::{key_of, ModuleKey};
use super::strings::RmString;
use super::{ERR, OK};
use crate::db::zset::ZSet;
use crate::db::Value;
use crate::modules::registry::Reg;
use coil_modules_api::consts::*;
use std::cmp::Ordering;
use std::os::raw::{c_double, c_int, c_void};

/// One end of a lex range (Redis's `zlexrangespec` item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`
    Min,
    /// `+`
    Max,
    /// `[x` (inclusive) or `(x` (exclusive).
    Item(Vec<u8>, bool),
}

impl LexBound {
    /// Parses `-`, `+`, `[x`, `(x` (Redis's `zslParseLexRangeItem`).
    pub fn parse(b: &[u8]) -> Option<LexBound> {
        match b.first()? {
            b'+' if b.len() == 1 => Some(LexBound::Max),
            b'-' if b.len() == 1 => Some(LexBound::Min),
            b'(' => Some(LexBound::Item(b[1..].to_vec(), true)),
            b'[' => Some(LexBound::Item(b[1..].to_vec(), false)),
            _ => None,
        }
    }
}

/// The range an iterator walks.
#[derive(Debug, Clone, PartialEq)]
pub enum Range {
    /// No iterator (Redis's `REDISMODULE_ZSET_RANGE_NONE`).
    None,
    /// A score range: min, max, min exclusive, max exclusive.
    Score(f64, f64, bool, bool),
    /// A lex range.
    Lex(LexBound, LexBound),
}

impl Range {
    /// `zslValueGteMin` / `zslLexValueGteMin`.
    fn gte_min(&self, m: &[u8], s: f64) -> bool {
        match self {
            Range::None => true,
            Range::Score(min, _, minex, _) => {
                if *minex {
                    s > *min
                } else {
                    s >= *min
                }
            }
            Range::Lex(min, _) => match min {
                LexBound::Min => true,
                LexBound::Max => false,
                LexBound::Item(x, ex) => {
                    if *ex {
                        m > x.as_slice()
                    } else {
                        m >= x.as_slice()
                    }
                }
            },
        }
    }

    /// `zslValueLteMax` / `zslLexValueLteMax`.
    fn lte_max(&self, m: &[u8], s: f64) -> bool {
        match self {
            Range::None => true,
            Range::Score(_, max, _, maxex) => {
                if *maxex {
                    s < *max
                } else {
                    s <= *max
                }
            }
            Range::Lex(_, max) => match max {
                LexBound::Max => true,
                LexBound::Min => false,
                LexBound::Item(x, ex) => {
                    if *ex {
                        m < x.as_slice()
                    } else {
                        m <= x.as_slice()
                    }
                }
            },
        }
    }
}

/// A key's sorted-set iterator (Redis's `key->u.zset`).
#[derive(Debug, Clone)]
pub struct RangeState {
    /// The range, or `None` without an iterator.
    pub range: Range,
    /// Members in order, when the iterator was set up.
    pub items: Vec<(Vec<u8>, f64)>,
    /// Index of the current element in `items`.
    pub current: Option<usize>,
    /// End-of-range flag.
    pub end_reached: bool,
}

impl Default for RangeState {
    /// Redis's `zsetKeyReset`: no range, end reached.
    fn default() -> RangeState {
        RangeState {
            range: Range::None,
            items: Vec::new(),
            current: None,
            end_reached: true,
        }
    }
}

/// The sorted set under a key, if it holds one.
fn zset_of(k: &mut ModuleKey) -> Option<&mut ZSet> {
    match k.value() {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    }
}

/// True if the key is empty or holds a sorted set.
fn empty_or_zset(k: &mut ModuleKey) -> bool {
    !matches!(k.value(), Some(v) if !matches!(v, Value::ZSet(_)))
}

/// Members in Redis's order: by score, then by member bytes.
fn ordered(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
    let mut v: Vec<(Vec<u8>, f64)> = Vec::with_capacity(z.len());
    z.for_each(|m, s| v.push((m.to_vec(), s)));
    v.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    v
}

/// Redis's `zsetAdd` over a sorted set: returns false for a NaN score (before or after
/// the increment), otherwise the output flags and the resulting score.
fn zset_add(
    z: &mut ZSet,
    member: &[u8],
    mut score: f64,
    flags: c_int,
    incr: bool,
) -> Option<(c_int, f64)> {
    let (nx, xx) = (
        flags & REDISMODULE_ZADD_NX != 0,
        flags & REDISMODULE_ZADD_XX != 0,
    );
    let (gt, lt) = (
        flags & REDISMODULE_ZADD_GT != 0,
        flags & REDISMODULE_ZADD_LT != 0,
    );
    if score.is_nan() {
        return None;
    }
    match z.score(member) {
        Some(cur) => {
            if nx {
                return Some((REDISMODULE_ZADD_NOP, cur));
            }
            if incr {
                score += cur;
                if score.is_nan() {
                    return None;
                }
            }
            if (lt && score >= cur) || (gt && score <= cur) {
                return Some((REDISMODULE_ZADD_NOP, cur));
            }
            if score != cur {
                z.insert(member, score);
                return Some((REDISMODULE_ZADD_UPDATED, score));
            }
            Some((0, score))
        }
        None if !xx => {
            z.insert(member, score);
            Some((REDISMODULE_ZADD_ADDED, score))
        }
        None => Some((REDISMODULE_ZADD_NOP, 0.0)),
    }
}

/// `RM_ZsetAdd` and `RM_ZsetIncrby`.
fn add_generic(
    kp: *mut c_void,
    score: f64,
    ele: *mut RmString,
    flagsptr: *mut c_int,
    newscore: *mut c_double,
    incr: bool,
) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    // SAFETY: a live module string (or null).
    let Some(member) = (unsafe { RmString::bytes_of(ele as *const c_void) }) else {
        return ERR;
    };
    let member = member.to_vec();
    if !k.writable() || !empty_or_zset(k) {
        return ERR;
    }
    if k.value().is_none() {
        k.add_value(Value::ZSet(Box::default()));
    }
    // SAFETY: the module's in/out flags slot (or null).
    let in_flags = unsafe { flagsptr.as_ref() }.copied().unwrap_or(0);
    let Some(z) = zset_of(k) else {
        return ERR;
    };
    match zset_add(z, &member, score, in_flags, incr) {
        Some((out, s)) => {
            // SAFETY: the module's output slots (or null).
            unsafe {
                if let Some(f) = flagsptr.as_mut() {
                    *f = out;
                }
                if let Some(n) = newscore.as_mut() {
                    if out & REDISMODULE_ZADD_NOP == 0 {
                        *n = s;
                    }
                }
            }
            OK
        }
        None => {
            // SAFETY: as above.
            if let Some(f) = unsafe { flagsptr.as_mut() } {
                *f = 0;
            }
            k.delete_if_empty();
            ERR
        }
    }
}

unsafe extern "C" fn zset_add_api(
    kp: *mut c_void,
    score: c_double,
    ele: *mut RmString,
    flagsptr: *mut c_int,
) -> c_int {
    add_generic(kp, score, ele, flagsptr, std::ptr::null_mut(), false)
}

unsafe extern "C" fn zset_incrby(
    kp: *mut c_void,
    score: c_double,
    ele: *mut RmString,
    flagsptr: *mut c_int,
    newscore: *mut c_double,
) -> c_int {
    add_generic(kp, score, ele, flagsptr, newscore, true)
}

unsafe extern "C" fn zset_rem(kp: *mut c_void, ele: *mut RmString, deleted: *mut c_int) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    // SAFETY: a live module string (or null).
    let member = unsafe { RmString::bytes_of(ele as *const c_void) }
        .unwrap_or(b"")
        .to_vec();
    if !k.writable() || !empty_or_zset(k) {
        return ERR;
    }
    let removed = zset_of(k).is_some_and(|z| z.remove(&member));
    if removed {
        k.delete_if_empty();
    }
    // SAFETY: the module's output slot (or null).
    if let Some(d) = unsafe { deleted.as_mut() } {
        *d = c_int::from(removed);
    }
    OK
}

unsafe extern "C" fn zset_score(
    kp: *mut c_void,
    ele: *mut RmString,
    score: *mut c_double,
) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    // SAFETY: a live module string (or null).
    let member = unsafe { RmString::bytes_of(ele as *const c_void) }
        .unwrap_or(b"")
        .to_vec();
    match zset_of(k).and_then(|z| z.score(&member)) {
        Some(s) => {
            // SAFETY: the module's output slot (or null).
            if let Some(o) = unsafe { score.as_mut() } {
                *o = s;
            }
            OK
        }
        None => ERR,
    }
}

unsafe extern "C" fn zset_range_stop(kp: *mut c_void) {
    // SAFETY: a live key (or null).
    if let Some(k) = unsafe { key_of(kp) } {
        if zset_of(k).is_some() {
            k.zset = RangeState::default();
        }
    }
}

unsafe extern "C" fn zset_range_end_reached(kp: *mut c_void) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return 1;
    };
    if zset_of(k).is_none() {
        return 1;
    }
    c_int::from(k.zset.end_reached)
}

/// Sets up an iterator at the first (or last) element of `range`.
fn init_range(kp: *mut c_void, range: Option<Range>, first: bool) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return ERR;
    };
    let Some(z) = zset_of(k) else {
        return ERR;
    };
    let items = ordered(z);
    k.zset = RangeState::default();
    let Some(range) = range else {
        // An unparsable lex range leaves the iterator stopped but not ended.
        k.zset.end_reached = false;
        return ERR;
    };
    let inside = |(m, s): &(Vec<u8>, f64)| range.gte_min(m, *s) && range.lte_max(m, *s);
    let current = if first {
        items.iter().position(inside)
    } else {
        items.iter().rposition(inside)
    };
    k.zset = RangeState {
        range,
        items,
        current,
        end_reached: current.is_none(),
    };
    OK
}

unsafe extern "C" fn zset_first_in_score_range(
    kp: *mut c_void,
    min: c_double,
    max: c_double,
    minex: c_int,
    maxex: c_int,
) -> c_int {
    init_range(
        kp,
        Some(Range::Score(min, max, minex != 0, maxex != 0)),
        true,
    )
}

unsafe extern "C" fn zset_last_in_score_range(
    kp: *mut c_void,
    min: c_double,
    max: c_double,
    minex: c_int,
    maxex: c_int,
) -> c_int {
    init_range(
        kp,
        Some(Range::Score(min, max, minex != 0, maxex != 0)),
        false,
    )
}

/// Parses a lex range from two module strings.
fn lex_range(min: *mut RmString, max: *mut RmString) -> Option<Range> {
    // SAFETY: live module strings (or null).
    let (a, b) = unsafe {
        (
            RmString::bytes_of(min as *const c_void)?,
            RmString::bytes_of(max as *const c_void)?,
        )
    };
    Some(Range::Lex(LexBound::parse(a)?, LexBound::parse(b)?))
}

unsafe extern "C" fn zset_first_in_lex_range(
    kp: *mut c_void,
    min: *mut RmString,
    max: *mut RmString,
) -> c_int {
    init_range(kp, lex_range(min, max), true)
}

unsafe extern "C" fn zset_last_in_lex_range(
    kp: *mut c_void,
    min: *mut RmString,
    max: *mut RmString,
) -> c_int {
    init_range(kp, lex_range(min, max), false)
}

unsafe extern "C" fn zset_range_current_element(
    kp: *mut c_void,
    score: *mut c_double,
) -> *mut RmString {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return std::ptr::null_mut();
    };
    if zset_of(k).is_none() {
        return std::ptr::null_mut();
    }
    let Some((m, s)) = k.zset.current.and_then(|i| k.zset.items.get(i)).cloned() else {
        return std::ptr::null_mut();
    };
    // SAFETY: the module's output slot (or null).
    if let Some(o) = unsafe { score.as_mut() } {
        *o = s;
    }
    k.new_string(&m)
}

/// Moves the iterator one element forward (or back) if it stays in range.
fn step(kp: *mut c_void, forward: bool) -> c_int {
    // SAFETY: a live key (or null).
    let Some(k) = (unsafe { key_of(kp) }) else {
        return 0;
    };
    if zset_of(k).is_none() {
        return 0;
    }
    let st = &mut k.zset;
    let Some(cur) = st.current else {
        return 0;
    };
    if st.range == Range::None {
        return 0;
    }
    let next = if forward {
        cur.checked_add(1).filter(|n| *n < st.items.len())
    } else {
        cur.checked_sub(1)
    };
    let Some(n) = next else {
        st.end_reached = true;
        return 0;
    };
    let (m, s) = &st.items[n];
    let ok = if forward {
        st.range.lte_max(m, *s)
    } else {
        st.range.gte_min(m, *s)
    };
    if !ok {
        st.end_reached = true;
        return 0;
    }
    st.current = Some(n);
    1
}

unsafe extern "C" fn zset_range_next(kp: *mut c_void) -> c_int {
    step(kp, true)
}

unsafe extern "C" fn zset_range_prev(kp: *mut c_void) -> c_int {
    step(kp, false)
}

/// Registers the group.
pub fn register(r: &mut Reg) {
    r.add("ZsetAdd", zset_add_api as *const () as usize);
    r.add("ZsetIncrby", zset_incrby as *const () as usize);
    r.add("ZsetRem", zset_rem as *const () as usize);
    r.add("ZsetScore", zset_score as *const () as usize);
    r.add("ZsetRangeStop", zset_range_stop as *const () as usize);
    r.add(
        "ZsetRangeEndReached",
        zset_range_end_reached as *const () as usize,
    );
    r.add(
        "ZsetFirstInScoreRange",
        zset_first_in_score_range as *const () as usize,
    );
    r.add(
        "ZsetLastInScoreRange",
        zset_last_in_score_range as *const () as usize,
    );
    r.add(
        "ZsetFirstInLexRange",
        zset_first_in_lex_range as *const () as usize,
    );
    r.add(
        "ZsetLastInLexRange",
        zset_last_in_lex_range as *const () as usize,
    );
    r.add(
        "ZsetRangeCurrentElement",
        zset_range_current_element as *const () as usize,
    );
    r.add("ZsetRangeNext", zset_range_next as *const () as usize);
    r.add("ZsetRangePrev", zset_range_prev as *const () as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zadd_flags_follow_redis() {
        let mut z = ZSet::new();
        assert_eq!(zset_add(&mut z, b"a", f64::NAN, 0, false), None);
        assert_eq!(
            zset_add(&mut z, b"a", 1.0, 0, false),
            Some((REDISMODULE_ZADD_ADDED, 1.0))
        );
        assert_eq!(zset_add(&mut z, b"a", 1.0, 0, false), Some((0, 1.0)));
        assert_eq!(
            zset_add(&mut z, b"a", 5.0, REDISMODULE_ZADD_NX, false),
            Some((REDISMODULE_ZADD_NOP, 1.0))
        );
        assert_eq!(
            zset_add(&mut z, b"b", 5.0, REDISMODULE_ZADD_XX, false),
            Some((REDISMODULE_ZADD_NOP, 0.0))
        );
        assert_eq!(
            zset_add(&mut z, b"a", 0.5, REDISMODULE_ZADD_GT, false),
            Some((REDISMODULE_ZADD_NOP, 1.0))
        );
        assert_eq!(
            zset_add(&mut z, b"a", 2.0, 0, true),
            Some((REDISMODULE_ZADD_UPDATED, 3.0))
        );
        assert_eq!(
            zset_add(&mut z, b"a", f64::INFINITY, 0, true).map(|x| x.0),
            Some(REDISMODULE_ZADD_UPDATED)
        );
        assert_eq!(zset_add(&mut z, b"a", f64::NEG_INFINITY, 0, true), None);
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(LexBound::parse(b"-"), Some(LexBound::Min));
        assert_eq!(
            LexBound::parse(b"[a"),
            Some(LexBound::Item(b"a".to_vec(), false))
        );
        assert_eq!(
            LexBound::parse(b"(a"),
            Some(LexBound::Item(b"a".to_vec(), true))
        );
        assert_eq!(LexBound::parse(b"a"), None);
        assert_eq!(LexBound::parse(b"+x"), None);
        let r = Range::Lex(LexBound::Item(b"b".to_vec(), true), LexBound::Max);
        assert!(!r.gte_min(b"b", 0.0) && r.gte_min(b"c", 0.0));
    }
}
