//! The sorted set type: unique members with scores, ordered by score and then by the
//! bytes of the member (`memcmp`), as Redis orders them.
//!
//! Two encodings, chosen and converted exactly when Redis 7.4 does:
//!
//! - `listpack`: a sorted `Vec` of (member, score) pairs for small sets (at most
//!   `zset-max-listpack-entries` members, none longer than `zset-max-listpack-value`
//!   bytes). Lookups are linear, as in Redis. Like Redis's listpack, which stores an
//!   integral score as an integer, it cannot keep a negative zero: `-0` is stored as `0`.
//! - `skiplist`: a [`Dict`] from member to score for O(1) lookups, plus a skiplist with
//!   spans (kept in an arena of nodes addressed by index) for O(log n) ordered access by
//!   score, by member range and by rank.
//!
//! A set never converts back to `listpack` by itself; only the `*STORE` commands build
//! their result in the compact encoding when it fits ([`ZSet::from_entries`]).

use super::dict::Dict;
use super::sbytes::SBytes;
use std::cmp::Ordering;

/// The encoding thresholds: `zset-max-listpack-entries` and `zset-max-listpack-value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most members a `listpack` set holds.
    pub max_entries: usize,
    /// Longest member (in bytes) a `listpack` set holds.
    pub max_value: usize,
}

impl Limits {
    /// Redis's defaults (128 entries, 64 bytes).
    pub const DEFAULT: Limits = Limits {
        max_entries: 128,
        max_value: 64,
    };

    /// The limits the server is configured with.
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            max_entries: config.zset_max_listpack_entries,
            max_value: config.zset_max_listpack_value,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Options of an insertion (`ZADD`'s flags; `ZINCRBY` is `incr`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AddFlags {
    /// Add the score to the current one (0 for a new member).
    pub incr: bool,
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Update an existing member only if the new score is greater.
    pub gt: bool,
    /// Update an existing member only if the new score is less.
    pub lt: bool,
}

/// What an insertion did (Redis's `ZADD_OUT_*` flags). The score carried is the one the
/// command computed (what `ZADD INCR` replies), before the `listpack` turns `-0` into 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddOutcome {
    /// A new member was added.
    Added(f64),
    /// An existing member got a different score.
    Updated(f64),
    /// An existing member was given the score it had.
    Unchanged(f64),
    /// Nothing was done because of NX, XX, GT or LT.
    Skipped,
    /// The score (or the sum, with INCR) is not a number; nothing was done.
    Nan,
}

/// Compares two (score, member) entries in sorted set order. Scores are never NaN.
#[inline]
pub fn cmp_entries(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

/// True if entry (s1, m1) sorts strictly before (s2, m2).
#[inline]
fn before(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

/// A `listpack` stores integral scores as integers, so a negative zero comes back as 0.
#[inline]
fn lp_score(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

// ---------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------

/// A range of elements in sorted set order, by score or by member.
pub trait RangeSpec {
    /// True if the element is not below the range's start.
    fn gte_min(&self, score: f64, member: &[u8]) -> bool;
    /// True if the element is not above the range's end.
    fn lte_max(&self, score: f64, member: &[u8]) -> bool;
    /// True if no element can be in the range (start after end, or equal and open).
    fn always_empty(&self) -> bool;
}

/// A score interval, each end open (`(1.5`) or closed (`1.5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// The lower bound is excluded.
    pub minex: bool,
    /// The upper bound is excluded.
    pub maxex: bool,
}

impl ScoreRange {
    /// Parses `min` and `max` as Redis's `zslParseRange`: an optional `(` for an open end,
    /// then anything C's `strtod` reads whole (so `inf`, hex, leading blanks and even the
    /// empty string are accepted); NaN is not. `None` means
    /// `ERR min or max is not a float`.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        fn item(a: &[u8]) -> Option<(f64, bool)> {
            let (text, ex) = match a.first() {
                Some(b'(') => (&a[1..], true),
                _ => (a, false),
            };
            let v = crate::util::strtod_full(text)?;
            if v.is_nan() {
                return None;
            }
            Some((v, ex))
        }
        let (min, minex) = item(min)?;
        let (max, maxex) = item(max)?;
        Some(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }
}

impl RangeSpec for ScoreRange {
    #[inline]
    fn gte_min(&self, score: f64, _member: &[u8]) -> bool {
        if self.minex {
            score > self.min
        } else {
            score >= self.min
        }
    }

    #[inline]
    fn lte_max(&self, score: f64, _member: &[u8]) -> bool {
        if self.maxex {
            score < self.max
        } else {
            score <= self.max
        }
    }

    fn always_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range: `-` (before everything), a string, or `+` (after
/// everything).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LexBound {
    /// `-`
    Min,
    /// `[member` or `(member`
    Value(Vec<u8>),
    /// `+`
    Max,
}

/// A member interval for the `*BYLEX` commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    /// Lower bound.
    pub min: LexBound,
    /// Upper bound.
    pub max: LexBound,
    /// The lower bound is excluded (always for `-` and `+`).
    pub minex: bool,
    /// The upper bound is excluded (always for `-` and `+`).
    pub maxex: bool,
}

impl LexRange {
    /// Parses `min` and `max` as Redis's `zslParseLexRange`: `-`, `+`, `(member` or
    /// `[member`. `None` means `ERR min or max not valid string range item`.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        fn item(a: &[u8]) -> Option<(LexBound, bool)> {
            // Redis reads these as C strings: "+" must be followed by the terminator.
            let alone = a.get(1).copied().unwrap_or(0) == 0;
            match a.first() {
                Some(b'+') if alone => Some((LexBound::Max, true)),
                Some(b'-') if alone => Some((LexBound::Min, true)),
                Some(b'(') => Some((LexBound::Value(a[1..].to_vec()), true)),
                Some(b'[') => Some((LexBound::Value(a[1..].to_vec()), false)),
                _ => None,
            }
        }
        let (min, minex) = item(min)?;
        let (max, maxex) = item(max)?;
        Some(LexRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    #[inline]
    fn cmp_member(member: &[u8], b: &LexBound) -> Ordering {
        match b {
            LexBound::Min => Ordering::Greater,
            LexBound::Max => Ordering::Less,
            LexBound::Value(v) => member.cmp(v.as_slice()),
        }
    }
}

impl RangeSpec for LexRange {
    #[inline]
    fn gte_min(&self, _score: f64, member: &[u8]) -> bool {
        let c = Self::cmp_member(member, &self.min);
        if self.minex {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    #[inline]
    fn lte_max(&self, _score: f64, member: &[u8]) -> bool {
        let c = Self::cmp_member(member, &self.max);
        if self.maxex {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    fn always_empty(&self) -> bool {
        match self.min.cmp(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.minex || self.maxex,
            Ordering::Less => false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The skiplist
// ---------------------------------------------------------------------------------------

/// Levels a node may have (Redis's `ZSKIPLIST_MAXLEVEL`).
const MAX_LEVEL: usize = 32;
/// The "no node" index.
const NIL: u32 = u32::MAX;
/// The header node's index.
const HEAD: u32 = 0;

#[derive(Debug, Clone, Copy)]
struct Level {
    /// Next node at this level.
    fwd: u32,
    /// Elements skipped by following `fwd` (to the end of the list when `fwd` is NIL).
    span: u32,
}

#[derive(Debug, Clone)]
struct Node {
    member: SBytes,
    score: f64,
    /// Previous node at level 0 (NIL for the first).
    back: u32,
    levels: Box<[Level]>,
}

/// Redis's skiplist with spans (`zskiplist`), with nodes in an arena instead of behind
/// pointers. Ranks here are 1-based, as in Redis.
#[derive(Debug, Clone)]
struct SkipList {
    /// Node 0 is the header; freed slots are listed in `free`.
    nodes: Vec<Node>,
    free: Vec<u32>,
    /// Levels in use (at least 1).
    level: usize,
    len: usize,
    tail: u32,
    /// xorshift state for node levels.
    rng: u64,
    /// Heap bytes of the members in use, and their level slots (for `memory_usage`
    /// in O(1)).
    member_heap: usize,
    level_slots: usize,
}

impl SkipList {
    fn new() -> SkipList {
        let header = Node {
            member: SBytes::empty(),
            score: 0.0,
            back: NIL,
            levels: vec![Level { fwd: NIL, span: 0 }; MAX_LEVEL].into_boxed_slice(),
        };
        SkipList {
            nodes: vec![header],
            free: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: rand::random::<u64>() | 1,
            member_heap: 0,
            level_slots: MAX_LEVEL,
        }
    }

    #[inline]
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    #[inline]
    fn lvl(&self, i: u32, l: usize) -> Level {
        self.nodes[i as usize].levels[l]
    }

    /// A level for a new node: 1, then each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            let mut x = self.rng;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.rng = x;
            if level < MAX_LEVEL && (x >> 40) & 0xffff < 0x4000 {
                level += 1;
            } else {
                return level;
            }
        }
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Inserts an element known to be absent; returns its node.
    fn insert(&mut self, member: SBytes, score: f64) -> u32 {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.lvl(x, i);
                if l.fwd != NIL && {
                    let n = self.node(l.fwd);
                    before(n.score, &n.member, score, &member)
                } {
                    rank[i] = rank[i].wrapping_add(l.span);
                    x = l.fwd;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.nodes[0].levels[i].span = self.len as u32;
            }
            self.level = level;
        }
        let idx = self.alloc(Node {
            member,
            score,
            back: NIL,
            levels: vec![Level { fwd: NIL, span: 0 }; level].into_boxed_slice(),
        });
        for i in 0..level {
            let u = update[i] as usize;
            let ul = self.nodes[u].levels[i];
            let dist = rank[0].wrapping_sub(rank[i]);
            self.nodes[idx as usize].levels[i] = Level {
                fwd: ul.fwd,
                span: ul.span.wrapping_sub(dist),
            };
            self.nodes[u].levels[i] = Level {
                fwd: idx,
                span: dist.wrapping_add(1),
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            let s = &mut self.nodes[u as usize].levels[i].span;
            *s = s.wrapping_add(1);
        }
        self.nodes[idx as usize].back = if update[0] == HEAD { NIL } else { update[0] };
        let f = self.lvl(idx, 0).fwd;
        if f != NIL {
            self.nodes[f as usize].back = idx;
        } else {
            self.tail = idx;
        }
        self.len += 1;
        self.member_heap += self.node(idx).member.heap_size();
        self.level_slots += level;
        idx
    }

    /// The last node of each level that sorts before (score, member).
    fn path_to(&self, score: f64, member: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.lvl(x, i).fwd;
                if f != NIL && {
                    let n = self.node(f);
                    before(n.score, &n.member, score, member)
                } {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// Unlinks node `x`, given the last node before it at every level; returns its
    /// member.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) -> SBytes {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.nodes[u].levels[i].fwd == x {
                let xl = self.lvl(x, i);
                let ul = &mut self.nodes[u].levels[i];
                ul.span = ul.span.wrapping_add(xl.span).wrapping_sub(1);
                ul.fwd = xl.fwd;
            } else {
                let ul = &mut self.nodes[u].levels[i];
                ul.span = ul.span.wrapping_sub(1);
            }
        }
        let f = self.lvl(x, 0).fwd;
        let back = self.node(x).back;
        if f != NIL {
            self.nodes[f as usize].back = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.lvl(HEAD, self.level - 1).fwd == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = &mut self.nodes[x as usize];
        self.member_heap -= node.member.heap_size();
        self.level_slots -= node.levels.len();
        let member = std::mem::replace(&mut node.member, SBytes::empty());
        node.levels = Box::new([]);
        if self.len == 0 {
            self.nodes.truncate(1);
            self.free.clear();
        } else {
            self.free.push(x);
        }
        member
    }

    /// Removes (score, member) if present, returning the member.
    fn delete(&mut self, score: f64, member: &[u8]) -> Option<SBytes> {
        let update = self.path_to(score, member);
        let x = self.lvl(update[0], 0).fwd;
        if x != NIL && self.node(x).score == score && self.node(x).member.as_slice() == member {
            Some(self.unlink(x, &update))
        } else {
            None
        }
    }

    /// Moves `member` from score `cur` to `new` (Redis's `zslUpdateScore`: in place when
    /// the order does not change).
    fn update_score(&mut self, cur: f64, member: &[u8], new: f64) {
        let update = self.path_to(cur, member);
        let x = self.lvl(update[0], 0).fwd;
        debug_assert!(x != NIL && self.node(x).member.as_slice() == member);
        if x == NIL {
            return;
        }
        let n = self.node(x);
        let f = n.levels[0].fwd;
        if (n.back == NIL || self.node(n.back).score < new)
            && (f == NIL || self.node(f).score > new)
        {
            self.nodes[x as usize].score = new;
            return;
        }
        let m = self.unlink(x, &update);
        self.insert(m, new);
    }

    /// The 1-based rank of (score, member), or 0 if absent.
    fn rank_of(&self, score: f64, member: &[u8]) -> usize {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.fwd != NIL && {
                    let n = self.node(l.fwd);
                    n.score < score || (n.score == score && n.member.as_slice() <= member)
                } {
                    rank += l.span as usize;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            if x != HEAD && self.node(x).member.as_slice() == member {
                return rank;
            }
        }
        0
    }

    /// The node at 1-based `rank`, or NIL.
    fn by_rank(&self, rank: usize) -> u32 {
        if rank == 0 || rank > self.len {
            return NIL;
        }
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.fwd != NIL && traversed + l.span as usize <= rank {
                    traversed += l.span as usize;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return x;
            }
        }
        NIL
    }

    /// How many leading elements satisfy `pred` (which must hold for a prefix of the
    /// order and fail after it).
    fn count_prefix(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.fwd != NIL && {
                    let n = self.node(l.fwd);
                    pred(n.score, &n.member)
                } {
                    rank += l.span as usize;
                    x = l.fwd;
                } else {
                    break;
                }
            }
        }
        rank
    }

    /// Deletes the elements after the prefix where `skip` holds, while `del` holds;
    /// `on_del` sees each removed member.
    fn delete_where(
        &mut self,
        skip: impl Fn(f64, &[u8]) -> bool,
        del: impl Fn(f64, &[u8]) -> bool,
        mut on_del: impl FnMut(&SBytes),
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.lvl(x, i).fwd;
                if f != NIL && {
                    let n = self.node(f);
                    skip(n.score, &n.member)
                } {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut x = self.lvl(x, 0).fwd;
        let mut removed = 0;
        while x != NIL && {
            let n = self.node(x);
            del(n.score, &n.member)
        } {
            let next = self.lvl(x, 0).fwd;
            let m = self.unlink(x, &update);
            on_del(&m);
            removed += 1;
            x = next;
        }
        removed
    }

    /// Deletes the elements of 1-based ranks `start..=end`.
    fn delete_rank_range(
        &mut self,
        start: usize,
        end: usize,
        mut on_del: impl FnMut(&SBytes),
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.fwd != NIL && traversed + (l.span as usize) < start {
                    traversed += l.span as usize;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        traversed += 1;
        let mut x = self.lvl(x, 0).fwd;
        let mut removed = 0;
        while x != NIL && traversed <= end {
            let next = self.lvl(x, 0).fwd;
            let m = self.unlink(x, &update);
            on_del(&m);
            removed += 1;
            traversed += 1;
            x = next;
        }
        removed
    }

    /// Checks every structural invariant (tests only).
    #[cfg(test)]
    fn check(&self) {
        // Level 0 order, back links, tail.
        let mut order = Vec::new();
        let mut x = self.lvl(HEAD, 0).fwd;
        let mut prev = NIL;
        while x != NIL {
            let n = self.node(x);
            assert_eq!(n.back, prev);
            if prev != NIL {
                let p = self.node(prev);
                assert!(before(p.score, &p.member, n.score, &n.member));
            }
            order.push(x);
            prev = x;
            x = n.levels[0].fwd;
        }
        assert_eq!(self.tail, prev);
        assert_eq!(order.len(), self.len);
        let heap: usize = order.iter().map(|&x| self.node(x).member.heap_size()).sum();
        assert_eq!(heap, self.member_heap);
        let slots: usize = order.iter().map(|&x| self.node(x).levels.len()).sum();
        assert_eq!(slots + MAX_LEVEL, self.level_slots);
        let rank: std::collections::HashMap<u32, usize> =
            order.iter().enumerate().map(|(i, &n)| (n, i + 1)).collect();
        // Spans at every level in use.
        for i in 0..self.level {
            let mut x = HEAD;
            let mut r = 0usize;
            loop {
                let l = self.lvl(x, i);
                if l.fwd == NIL {
                    assert_eq!(r + l.span as usize, self.len, "tail span at level {i}");
                    break;
                }
                let fr = rank[&l.fwd];
                assert_eq!(fr - r, l.span as usize, "span at level {i}");
                r = fr;
                x = l.fwd;
            }
        }
        assert!(self.level == 1 || self.lvl(HEAD, self.level - 1).fwd != NIL);
    }
}

// ---------------------------------------------------------------------------------------
// The sorted set
// ---------------------------------------------------------------------------------------

/// The `skiplist` encoding: member to score, plus the ordered index.
#[derive(Debug, Clone)]
struct SkipSet {
    dict: Dict<f64>,
    list: SkipList,
}

#[derive(Debug, Clone)]
enum Enc {
    Listpack(Vec<(SBytes, f64)>),
    Skiplist(Box<SkipSet>),
}

/// A sorted set.
#[derive(Debug, Clone)]
pub struct ZSet {
    enc: Enc,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// An empty sorted set in the `listpack` encoding.
    pub fn new() -> ZSet {
        ZSet {
            enc: Enc::Listpack(Vec::new()),
        }
    }

    /// An empty sorted set in the encoding Redis's `zsetTypeCreate` picks for about
    /// `size_hint` members of about `len_hint` bytes.
    pub fn with_hint(size_hint: usize, len_hint: usize, lim: Limits) -> ZSet {
        if size_hint <= lim.max_entries && len_hint <= lim.max_value {
            ZSet::new()
        } else {
            ZSet::new_skiplist(size_hint)
        }
    }

    fn new_skiplist(cap: usize) -> ZSet {
        ZSet {
            enc: Enc::Skiplist(Box::new(SkipSet {
                dict: Dict::with_capacity(cap),
                list: SkipList::new(),
            })),
        }
    }

    /// Builds a set from distinct members, in the encoding Redis gives a `*STORE`
    /// result: `listpack` when it is short enough and no member is too long.
    pub fn from_entries(mut entries: Vec<(SBytes, f64)>, lim: Limits) -> ZSet {
        entries.sort_by(|a, b| cmp_entries(a.1, &a.0, b.1, &b.0));
        let maxlen = entries.iter().map(|e| e.0.len()).max().unwrap_or(0);
        let total: usize = entries.iter().map(|e| e.0.len()).sum();
        if entries.len() <= lim.max_entries && maxlen <= lim.max_value && total < (1 << 30) {
            for e in &mut entries {
                e.1 = lp_score(e.1);
            }
            return ZSet {
                enc: Enc::Listpack(entries),
            };
        }
        let mut z = ZSet::new_skiplist(entries.len());
        if let Enc::Skiplist(s) = &mut z.enc {
            // Insert from the greatest down: each insertion then stops at the header.
            for (m, sc) in entries.into_iter().rev() {
                s.dict.insert_new(m.clone(), sc);
                s.list.insert(m, sc);
            }
        }
        z
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Listpack(v) => v.len(),
            Enc::Skiplist(s) => s.list.len,
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `OBJECT ENCODING`'s name: `listpack` or `skiplist`.
    pub fn encoding(&self) -> &'static str {
        match &self.enc {
            Enc::Listpack(_) => "listpack",
            Enc::Skiplist(_) => "skiplist",
        }
    }

    /// True in the `listpack` encoding.
    pub fn is_listpack(&self) -> bool {
        matches!(self.enc, Enc::Listpack(_))
    }

    /// The member-to-score table of the `skiplist` encoding (what `ZSCAN` walks).
    pub fn dict(&self) -> Option<&Dict<f64>> {
        match &self.enc {
            Enc::Listpack(_) => None,
            Enc::Skiplist(s) => Some(&s.dict),
        }
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        match &self.enc {
            Enc::Listpack(v) => {
                v.capacity() * std::mem::size_of::<(SBytes, f64)>()
                    + v.iter().map(|(m, _)| m.heap_size()).sum::<usize>()
            }
            Enc::Skiplist(s) => {
                let dict_node = 8 + std::mem::size_of::<SBytes>() + 8;
                std::mem::size_of::<SkipSet>()
                    + s.dict.bucket_count() * 8
                    + s.dict.len() * dict_node
                    + s.list.nodes.capacity() * std::mem::size_of::<Node>()
                    + s.list.level_slots * std::mem::size_of::<Level>()
                    // Members are held twice: by the table and by the list.
                    + 2 * s.list.member_heap
            }
        }
    }

    /// Visits every member in rank order (lowest score first).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        for (m, s) in self.iter() {
            f(m, s);
        }
    }

    /// Iterates in rank order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Iterates from 0-based `rank` towards higher ranks, or towards lower ones when
    /// `reverse`. Empty when `rank` is out of range.
    pub fn iter_from(&self, rank: usize, reverse: bool) -> Iter<'_> {
        let len = self.len();
        if rank >= len {
            return Iter {
                pos: Pos::Done,
                remaining: 0,
            };
        }
        let remaining = if reverse { rank + 1 } else { len - rank };
        let pos = match &self.enc {
            Enc::Listpack(v) => Pos::Lp {
                v,
                i: rank,
                reverse,
            },
            Enc::Skiplist(s) => {
                let node = if rank == 0 {
                    s.list.lvl(HEAD, 0).fwd
                } else if rank + 1 == len {
                    s.list.tail
                } else {
                    s.list.by_rank(rank + 1)
                };
                Pos::Sl {
                    list: &s.list,
                    node,
                    reverse,
                }
            }
        };
        Iter { pos, remaining }
    }

    /// The member and score at 0-based `rank`.
    pub fn at_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.iter_from(rank, false).next()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Listpack(v) => v.iter().find(|(m, _)| m.as_slice() == member).map(|e| e.1),
            Enc::Skiplist(s) => s.dict.get(member).copied(),
        }
    }

    /// The 0-based rank of `member` (counted from the highest score when `reverse`) and
    /// its score.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<(usize, f64)> {
        let len = self.len();
        let (r, score) = match &self.enc {
            Enc::Listpack(v) => {
                let i = v.iter().position(|(m, _)| m.as_slice() == member)?;
                (i, v[i].1)
            }
            Enc::Skiplist(s) => {
                let score = *s.dict.get(member)?;
                let r = s.list.rank_of(score, member);
                if r == 0 {
                    return None;
                }
                (r - 1, score)
            }
        };
        Some((if reverse { len - 1 - r } else { r }, score))
    }

    /// Adds or updates a member with no options; true if it is new. Converts to
    /// `skiplist` past Redis's default limits (see [`ZSet::insert_with`]).
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        self.insert_with(member, score, Limits::DEFAULT)
    }

    /// Adds or updates a member with no options under the given limits; true if it is
    /// new.
    pub fn insert_with(&mut self, member: &[u8], score: f64, lim: Limits) -> bool {
        matches!(
            self.add(member, score, AddFlags::default(), lim),
            AddOutcome::Added(_)
        )
    }

    /// Redis's `zsetTypeMaybeConvert`: a `listpack` about to receive more than
    /// `max_entries` members becomes a `skiplist` first.
    pub fn maybe_convert(&mut self, size_hint: usize, lim: Limits) {
        if self.is_listpack() && size_hint > lim.max_entries {
            self.convert_to_skiplist(size_hint);
        }
    }

    fn convert_to_skiplist(&mut self, cap: usize) {
        let Enc::Listpack(v) = &mut self.enc else {
            return;
        };
        let v = std::mem::take(v);
        let mut s = SkipSet {
            dict: Dict::with_capacity(cap.max(v.len())),
            list: SkipList::new(),
        };
        for (m, sc) in v.into_iter().rev() {
            s.dict.insert_new(m.clone(), sc);
            s.list.insert(m, sc);
        }
        self.enc = Enc::Skiplist(Box::new(s));
    }

    /// Redis's `zsetAdd`: adds `member` or updates its score according to `f`,
    /// converting the encoding when the set outgrows `lim`.
    pub fn add(&mut self, member: &[u8], score: f64, f: AddFlags, lim: Limits) -> AddOutcome {
        if score.is_nan() {
            return AddOutcome::Nan;
        }
        if let Enc::Listpack(v) = &mut self.enc {
            if let Some(i) = v.iter().position(|(m, _)| m.as_slice() == member) {
                let cur = v[i].1;
                let score = match update_score(cur, score, f) {
                    Upd::To(s) => s,
                    Upd::Skip => return AddOutcome::Skipped,
                    Upd::Nan => return AddOutcome::Nan,
                };
                if score != cur {
                    let (m, _) = v.remove(i);
                    lp_insert(v, m, score);
                    return AddOutcome::Updated(score);
                }
                return AddOutcome::Unchanged(score);
            }
            if f.xx {
                return AddOutcome::Skipped;
            }
            if v.len() < lim.max_entries && member.len() <= lim.max_value {
                lp_insert(v, SBytes::from_slice(member), score);
                return AddOutcome::Added(score);
            }
            let cap = v.len() + 1;
            self.convert_to_skiplist(cap);
        }
        let Enc::Skiplist(s) = &mut self.enc else {
            unreachable!("converted above");
        };
        if let Some(&cur) = s.dict.get(member) {
            let score = match update_score(cur, score, f) {
                Upd::To(s) => s,
                Upd::Skip => return AddOutcome::Skipped,
                Upd::Nan => return AddOutcome::Nan,
            };
            if score != cur {
                s.list.update_score(cur, member, score);
                if let Some(v) = s.dict.get_mut(member) {
                    *v = score;
                }
                return AddOutcome::Updated(score);
            }
            return AddOutcome::Unchanged(score);
        }
        if f.xx {
            return AddOutcome::Skipped;
        }
        let m = SBytes::from_slice(member);
        s.dict.insert_new(m.clone(), score);
        s.list.insert(m, score);
        AddOutcome::Added(score)
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Listpack(v) => match v.iter().position(|(m, _)| m.as_slice() == member) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            Enc::Skiplist(s) => match s.dict.remove(member) {
                Some(score) => {
                    s.list.delete(score, member);
                    true
                }
                None => false,
            },
        }
    }

    /// Removes and returns the lowest (or, with `max`, the highest) element.
    pub fn pop(&mut self, max: bool) -> Option<(SBytes, f64)> {
        match &mut self.enc {
            Enc::Listpack(v) => {
                if v.is_empty() {
                    None
                } else if max {
                    v.pop()
                } else {
                    Some(v.remove(0))
                }
            }
            Enc::Skiplist(s) => {
                let x = if max {
                    s.list.tail
                } else {
                    s.list.lvl(HEAD, 0).fwd
                };
                if x == NIL {
                    return None;
                }
                let score = s.list.node(x).score;
                let member = s.list.node(x).member.clone();
                s.dict.remove(&member);
                s.list.delete(score, &member);
                Some((member, score))
            }
        }
    }

    /// Redis's `zslNthInRange`/`zzl{First,Last}InRange`: the 0-based rank where a range
    /// query starts. For the `listpack`, `n` is 0 (first in range) or -1 (last), found
    /// by a linear scan as Redis does; for the `skiplist`, `n >= 0` counts from the
    /// first element in range and `n < 0` back from the last (-1 is the last).
    fn nth_in_range<R: RangeSpec>(&self, r: &R, n: i64) -> Option<usize> {
        if r.always_empty() || self.is_empty() {
            return None;
        }
        let (fm, fs) = self.at_rank(0)?;
        let (lm, ls) = self.at_rank(self.len() - 1)?;
        if !r.gte_min(ls, lm) || !r.lte_max(fs, fm) {
            return None;
        }
        match &self.enc {
            Enc::Listpack(v) => {
                if n >= 0 {
                    for (i, (m, s)) in v.iter().enumerate() {
                        if r.gte_min(*s, m) {
                            return r.lte_max(*s, m).then_some(i);
                        }
                    }
                } else {
                    for (i, (m, s)) in v.iter().enumerate().rev() {
                        if r.lte_max(*s, m) {
                            return r.gte_min(*s, m).then_some(i);
                        }
                    }
                }
                None
            }
            Enc::Skiplist(s) => {
                let len = s.list.len as i128;
                let (rank, ok) = if n >= 0 {
                    let edge = s.list.count_prefix(|sc, m| !r.gte_min(sc, m)) as i128;
                    if edge + n as i128 >= len {
                        return None;
                    }
                    let rank = (edge + n as i128) as usize;
                    (rank, true)
                } else {
                    let edge = s.list.count_prefix(|sc, m| r.lte_max(sc, m)) as i128;
                    if edge < -(n as i128) {
                        return None;
                    }
                    ((edge + n as i128) as usize, false)
                };
                let (m, sc) = self.at_rank(rank)?;
                let inside = if ok {
                    r.lte_max(sc, m)
                } else {
                    r.gte_min(sc, m)
                };
                inside.then_some(rank)
            }
        }
    }

    /// Emits the elements in range `r` as `ZRANGEBYSCORE`/`ZRANGEBYLEX` (and their
    /// reverse forms) do, with `LIMIT offset count` (a negative count is no limit).
    /// Returns the number emitted. Follows Redis in each encoding, including its
    /// treatment of a negative offset (nothing for a `listpack`; counting from the other
    /// end of the range for a `skiplist`).
    pub fn range_by<R: RangeSpec>(
        &self,
        r: &R,
        reverse: bool,
        offset: i64,
        limit: i64,
        mut emit: impl FnMut(&[u8], f64),
    ) -> usize {
        let start = if self.is_listpack() {
            if offset < 0 {
                return 0;
            }
            let first = self.nth_in_range(r, if reverse { -1 } else { 0 });
            let Some(first) = first else { return 0 };
            let off = offset as u64;
            if reverse {
                if off > first as u64 {
                    return 0;
                }
                first - off as usize
            } else {
                if first as u64 + off >= self.len() as u64 {
                    return 0;
                }
                first + off as usize
            }
        } else {
            let n = if reverse {
                (-(offset as i128) - 1).clamp(i64::MIN as i128, i64::MAX as i128) as i64
            } else {
                offset
            };
            match self.nth_in_range(r, n) {
                Some(s) => s,
                None => return 0,
            }
        };
        let mut emitted = 0;
        let mut left = limit;
        for (m, s) in self.iter_from(start, reverse) {
            if left == 0 {
                break;
            }
            left = left.saturating_sub(1);
            let inside = if reverse {
                r.gte_min(s, m)
            } else {
                r.lte_max(s, m)
            };
            if !inside {
                break;
            }
            emit(m, s);
            emitted += 1;
        }
        emitted
    }

    /// How many elements lie in range `r` (`ZCOUNT`, `ZLEXCOUNT`).
    pub fn count_in<R: RangeSpec>(&self, r: &R) -> usize {
        let Some(first) = self.nth_in_range(r, 0) else {
            return 0;
        };
        if self.is_listpack() {
            return self
                .iter_from(first, false)
                .take_while(|(m, s)| r.lte_max(*s, m))
                .count();
        }
        let len = self.len();
        let mut count = len - first;
        if let Some(last) = self.nth_in_range(r, -1) {
            count -= len - (last + 1);
        }
        count
    }

    /// Deletes the elements in range `r` (`ZREMRANGEBYSCORE`, `ZREMRANGEBYLEX`); returns
    /// how many.
    pub fn delete_range<R: RangeSpec>(&mut self, r: &R) -> usize {
        if self.is_listpack() {
            let Some(first) = self.nth_in_range(r, 0) else {
                return 0;
            };
            let Enc::Listpack(v) = &mut self.enc else {
                return 0;
            };
            let n = v[first..]
                .iter()
                .take_while(|(m, s)| r.lte_max(*s, m))
                .count();
            v.drain(first..first + n);
            return n;
        }
        let Enc::Skiplist(s) = &mut self.enc else {
            return 0;
        };
        let dict = &mut s.dict;
        s.list.delete_where(
            |sc, m| !r.gte_min(sc, m),
            |sc, m| r.lte_max(sc, m),
            |m| {
                dict.remove(m);
            },
        )
    }

    /// Deletes the elements of 0-based ranks `start..=end` (`ZREMRANGEBYRANK`); the
    /// caller has clamped them to the set. Returns how many.
    pub fn delete_rank_range(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len() {
            return 0;
        }
        let end = end.min(self.len() - 1);
        match &mut self.enc {
            Enc::Listpack(v) => {
                v.drain(start..=end);
                end - start + 1
            }
            Enc::Skiplist(s) => {
                let dict = &mut s.dict;
                s.list.delete_rank_range(start + 1, end + 1, |m| {
                    dict.remove(m);
                })
            }
        }
    }

    /// A random element: a fair pick from the hash table for a `skiplist` (Redis's
    /// `dictGetFairRandomKey`), a uniform one for a `listpack`.
    pub fn random_entry(&self, rng: &mut impl rand::Rng) -> Option<(&[u8], f64)> {
        match &self.enc {
            Enc::Listpack(v) => {
                if v.is_empty() {
                    return None;
                }
                let (m, s) = &v[rng.gen_range(0..v.len())];
                Some((m, *s))
            }
            Enc::Skiplist(s) => s.dict.random_entry(rng).map(|(m, sc)| (m.as_slice(), *sc)),
        }
    }
}

/// What updating an existing member comes to.
enum Upd {
    /// NX, GT or LT leave it alone.
    Skip,
    /// The increment gives NaN.
    Nan,
    /// Its new score.
    To(f64),
}

/// The score an update of a member now at `cur` leads to under `f`, checked in
/// `zsetAdd`'s order (NX, then the increment, then GT/LT).
#[inline]
fn update_score(cur: f64, score: f64, f: AddFlags) -> Upd {
    if f.nx {
        return Upd::Skip;
    }
    let score = if f.incr { score + cur } else { score };
    if score.is_nan() {
        return Upd::Nan;
    }
    if (f.lt && score >= cur) || (f.gt && score <= cur) {
        return Upd::Skip;
    }
    Upd::To(score)
}

/// Inserts into a sorted `listpack` vector at the place Redis's `zzlInsert` finds.
fn lp_insert(v: &mut Vec<(SBytes, f64)>, member: SBytes, score: f64) {
    let score = lp_score(score);
    let pos = v.partition_point(|(m, s)| before(*s, m, score, &member));
    v.insert(pos, (member, score));
}

enum Pos<'a> {
    Done,
    Lp {
        v: &'a [(SBytes, f64)],
        i: usize,
        reverse: bool,
    },
    Sl {
        list: &'a SkipList,
        node: u32,
        reverse: bool,
    },
}

/// An iterator over a sorted set's (member, score) pairs in rank order or its reverse.
pub struct Iter<'a> {
    pos: Pos<'a>,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match &mut self.pos {
            Pos::Done => None,
            Pos::Lp { v, i, reverse } => {
                let (m, s) = &v[*i];
                if *reverse {
                    *i = i.wrapping_sub(1);
                } else {
                    *i += 1;
                }
                Some((m.as_slice(), *s))
            }
            Pos::Sl {
                list,
                node,
                reverse,
            } => {
                if *node == NIL {
                    return None;
                }
                let n = list.node(*node);
                *node = if *reverse { n.back } else { n.levels[0].fwd };
                Some((n.member.as_slice(), n.score))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;

    /// A plain model: sorted Vec of (score, member).
    #[derive(Default)]
    struct Model {
        scores: BTreeMap<Vec<u8>, f64>,
    }

    impl Model {
        fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
            let mut v: Vec<(Vec<u8>, f64)> =
                self.scores.iter().map(|(m, s)| (m.clone(), *s)).collect();
            v.sort_by(|a, b| cmp_entries(a.1, &a.0, b.1, &b.0));
            v
        }
    }

    fn contents(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
        z.iter().map(|(m, s)| (m.to_vec(), s)).collect()
    }

    fn check(z: &ZSet) {
        if let Enc::Skiplist(s) = &z.enc {
            s.list.check();
            assert_eq!(s.dict.len(), s.list.len);
            for (m, sc) in z.iter() {
                assert_eq!(s.dict.get(m).copied(), Some(sc));
            }
        }
        let fwd = contents(z);
        let mut rev: Vec<_> = z
            .iter_from(z.len().saturating_sub(1), true)
            .map(|(m, s)| (m.to_vec(), s))
            .collect();
        rev.reverse();
        if !z.is_empty() {
            assert_eq!(fwd, rev);
        }
    }

    #[test]
    fn listpack_then_skiplist() {
        let lim = Limits {
            max_entries: 4,
            max_value: 8,
        };
        let mut z = ZSet::new();
        for (i, m) in ["d", "b", "a", "c"].iter().enumerate() {
            assert!(matches!(
                z.add(m.as_bytes(), i as f64 % 2.0, AddFlags::default(), lim),
                AddOutcome::Added(_)
            ));
        }
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(
            contents(&z).iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"d".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        z.add(b"e", 0.5, AddFlags::default(), lim);
        assert_eq!(z.encoding(), "skiplist");
        check(&z);
        let mut z2 = ZSet::new();
        z2.add(b"123456789", 1.0, AddFlags::default(), lim);
        assert_eq!(z2.encoding(), "skiplist");
    }

    #[test]
    fn negative_zero() {
        let mut z = ZSet::new();
        assert_eq!(
            z.add(b"a", -0.0, AddFlags::default(), Limits::DEFAULT),
            AddOutcome::Added(-0.0)
        );
        assert!(z.score(b"a").unwrap().is_sign_positive());
        let mut z = ZSet::new_skiplist(1);
        z.add(b"a", -0.0, AddFlags::default(), Limits::DEFAULT);
        assert!(z.score(b"a").unwrap().is_sign_negative());
        let back = ZSet::from_entries(vec![(SBytes::from_slice(b"x"), -0.0)], Limits::DEFAULT);
        assert_eq!(back.encoding(), "listpack");
        assert!(back.score(b"x").unwrap().is_sign_positive());
    }

    #[test]
    fn flags() {
        let lim = Limits::DEFAULT;
        let mut z = ZSet::new();
        z.add(b"a", 5.0, AddFlags::default(), lim);
        let nx = AddFlags {
            nx: true,
            ..Default::default()
        };
        assert_eq!(z.add(b"a", 1.0, nx, lim), AddOutcome::Skipped);
        let gt = AddFlags {
            gt: true,
            ..Default::default()
        };
        assert_eq!(z.add(b"a", 4.0, gt, lim), AddOutcome::Skipped);
        assert_eq!(z.add(b"a", 6.0, gt, lim), AddOutcome::Updated(6.0));
        let incr = AddFlags {
            incr: true,
            ..Default::default()
        };
        assert_eq!(z.add(b"a", 1.5, incr, lim), AddOutcome::Updated(7.5));
        z.add(b"i", f64::INFINITY, AddFlags::default(), lim);
        assert_eq!(z.add(b"i", f64::NEG_INFINITY, incr, lim), AddOutcome::Nan);
        assert_eq!(
            z.add(b"a", 7.5, AddFlags::default(), lim),
            AddOutcome::Unchanged(7.5)
        );
        let xx = AddFlags {
            xx: true,
            ..Default::default()
        };
        assert_eq!(z.add(b"new", 1.0, xx, lim), AddOutcome::Skipped);
    }

    #[test]
    fn ranges_parse() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert!(r.minex && !r.maxex && r.max.is_infinite());
        assert!(ScoreRange::parse(b"nan", b"1").is_none());
        assert!(ScoreRange::parse(b"1x", b"1").is_none());
        assert_eq!(ScoreRange::parse(b"", b" 2").unwrap().max, 2.0);
        assert_eq!(ScoreRange::parse(b"0x10", b"1e999").unwrap().min, 16.0);
        let l = LexRange::parse(b"-", b"(b").unwrap();
        assert_eq!(l.min, LexBound::Min);
        assert!(LexRange::parse(b"a", b"+").is_none());
        assert!(LexRange::parse(b"+x", b"+").is_none());
        assert!(LexRange::parse(b"", b"+").is_none());
        assert!(LexRange::parse(b"+", b"-").unwrap().always_empty());
        assert!(LexRange::parse(b"[a", b"(a").unwrap().always_empty());
        assert!(!LexRange::parse(b"[a", b"[a").unwrap().always_empty());
    }

    fn model_range<R: RangeSpec>(
        model: &[(Vec<u8>, f64)],
        r: &R,
        reverse: bool,
        offset: i64,
        limit: i64,
    ) -> Vec<(Vec<u8>, f64)> {
        let inside: Vec<_> = model
            .iter()
            .filter(|(m, s)| r.gte_min(*s, m) && r.lte_max(*s, m))
            .cloned()
            .collect();
        let mut v = inside;
        if reverse {
            v.reverse();
        }
        let limit = if limit < 0 {
            usize::MAX
        } else {
            limit as usize
        };
        v.into_iter().skip(offset as usize).take(limit).collect()
    }

    fn random_member(rng: &mut impl Rng, alphabet: u8) -> Vec<u8> {
        let len = rng.gen_range(0..4);
        (0..len)
            .map(|_| b'a' + rng.gen_range(0..alphabet))
            .collect()
    }

    /// Random operations against the model, through conversions, checking every query.
    #[test]
    fn randomized_against_model() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for round in 0..30 {
            let lim = Limits {
                max_entries: [0, 4, 16, 128][round % 4],
                max_value: 3,
            };
            let mut z = ZSet::new();
            let mut model = Model::default();
            let same_score = round % 3 == 0;
            for step in 0..600 {
                let member = random_member(&mut rng, 6);
                let score = if same_score {
                    0.0
                } else {
                    f64::from(rng.gen_range(-20i32..20)) / 2.0
                };
                match rng.gen_range(0..10) {
                    0..=4 => {
                        let f = AddFlags {
                            incr: rng.gen_bool(0.2),
                            ..Default::default()
                        };
                        let out = z.add(&member, score, f, lim);
                        let old = model.scores.get(&member).copied();
                        let new = if f.incr {
                            score + old.unwrap_or(0.0)
                        } else {
                            score
                        };
                        match old {
                            None => assert_eq!(out, AddOutcome::Added(new)),
                            Some(o) if o != new => assert_eq!(out, AddOutcome::Updated(new)),
                            Some(_) => assert_eq!(out, AddOutcome::Unchanged(new)),
                        }
                        model.scores.insert(member, new);
                    }
                    5 => {
                        assert_eq!(z.remove(&member), model.scores.remove(&member).is_some());
                    }
                    6 => {
                        let max = rng.gen_bool(0.5);
                        let sorted = model.sorted();
                        let want = if max { sorted.last() } else { sorted.first() }.cloned();
                        let got = z.pop(max).map(|(m, s)| (m.to_vec(), s));
                        assert_eq!(got, want);
                        if let Some((m, _)) = want {
                            model.scores.remove(&m);
                        }
                    }
                    7 => {
                        let a = f64::from(rng.gen_range(-12i32..12)) / 2.0;
                        let b = f64::from(rng.gen_range(-12i32..12)) / 2.0;
                        let r = ScoreRange {
                            min: a,
                            max: b,
                            minex: rng.gen_bool(0.3),
                            maxex: rng.gen_bool(0.3),
                        };
                        if rng.gen_bool(0.1) {
                            let n = z.delete_range(&r);
                            let before = model.scores.len();
                            model
                                .scores
                                .retain(|m, s| !(r.gte_min(*s, m) && r.lte_max(*s, m)));
                            assert_eq!(n, before - model.scores.len());
                        } else {
                            let sorted = model.sorted();
                            assert_eq!(
                                z.count_in(&r),
                                model_range(&sorted, &r, false, 0, -1).len()
                            );
                            for _ in 0..3 {
                                let rev = rng.gen_bool(0.5);
                                let off = rng.gen_range(0..5);
                                let lim = rng.gen_range(-1..5);
                                let mut got = Vec::new();
                                z.range_by(&r, rev, off, lim, |m, s| got.push((m.to_vec(), s)));
                                assert_eq!(got, model_range(&sorted, &r, rev, off, lim));
                            }
                        }
                    }
                    8 if same_score => {
                        let a = random_member(&mut rng, 6);
                        let b = random_member(&mut rng, 6);
                        let pick = |rng: &mut rand::rngs::SmallRng, v: Vec<u8>| match rng
                            .gen_range(0..8)
                        {
                            0 => (LexBound::Min, true),
                            1 => (LexBound::Max, true),
                            _ => (LexBound::Value(v), rng.gen_bool(0.5)),
                        };
                        let (min, minex) = pick(&mut rng, a);
                        let (max, maxex) = pick(&mut rng, b);
                        let r = LexRange {
                            min,
                            max,
                            minex,
                            maxex,
                        };
                        let sorted = model.sorted();
                        if rng.gen_bool(0.1) {
                            let n = z.delete_range(&r);
                            let before = model.scores.len();
                            model
                                .scores
                                .retain(|m, s| !(r.gte_min(*s, m) && r.lte_max(*s, m)));
                            assert_eq!(n, before - model.scores.len());
                        } else {
                            assert_eq!(
                                z.count_in(&r),
                                model_range(&sorted, &r, false, 0, -1).len()
                            );
                            let rev = rng.gen_bool(0.5);
                            let mut got = Vec::new();
                            z.range_by(&r, rev, 1, 3, |m, s| got.push((m.to_vec(), s)));
                            assert_eq!(got, model_range(&sorted, &r, rev, 1, 3));
                        }
                    }
                    _ => {
                        let sorted = model.sorted();
                        if !sorted.is_empty() && rng.gen_bool(0.1) {
                            let a = rng.gen_range(0..sorted.len());
                            let b = rng.gen_range(0..sorted.len());
                            let n = z.delete_rank_range(a, b);
                            let removed = if a <= b { b - a + 1 } else { 0 };
                            assert_eq!(n, removed);
                            if a <= b {
                                for (m, _) in &sorted[a..=b] {
                                    model.scores.remove(m);
                                }
                            }
                        } else {
                            for (i, (m, s)) in sorted.iter().enumerate() {
                                assert_eq!(z.rank(m, false), Some((i, *s)));
                                assert_eq!(z.rank(m, true), Some((sorted.len() - 1 - i, *s)));
                                assert_eq!(z.at_rank(i), Some((m.as_slice(), *s)));
                                assert_eq!(z.score(m), Some(*s));
                            }
                            assert_eq!(z.rank(b"zzzz", false), None);
                        }
                    }
                }
                assert_eq!(z.len(), model.scores.len(), "round {round} step {step}");
                if step % 50 == 0 {
                    check(&z);
                    assert_eq!(contents(&z), model.sorted());
                }
            }
            check(&z);
            assert_eq!(contents(&z), model.sorted());
        }
    }

    #[test]
    fn skiplist_large_and_negative_offsets() {
        let mut z = ZSet::new_skiplist(0);
        for i in 0..5000 {
            z.add(
                format!("m{i:05}").as_bytes(),
                f64::from(i),
                AddFlags::default(),
                Limits::DEFAULT,
            );
        }
        check(&z);
        assert_eq!(z.rank(b"m04000", false), Some((4000, 4000.0)));
        assert_eq!(z.at_rank(2500).unwrap().0, b"m02500");
        let all = ScoreRange::parse(b"-inf", b"+inf").unwrap();
        // Skiplist quirk: a negative offset counts back from the end of the range.
        let mut got = Vec::new();
        z.range_by(&all, false, -2, 10, |m, _| got.push(m.to_vec()));
        assert_eq!(got, vec![b"m04998".to_vec(), b"m04999".to_vec()]);
        let mut got = Vec::new();
        z.range_by(&all, true, -2, 10, |m, _| got.push(m.to_vec()));
        assert_eq!(got, vec![b"m00001".to_vec(), b"m00000".to_vec()]);
        assert_eq!(z.delete_rank_range(10, 4989), 4980);
        check(&z);
        assert_eq!(z.len(), 20);
        // Members too long to be stored inline.
        for i in 0..100 {
            let m = format!("{i:03}-a-member-longer-than-the-inline-capacity");
            z.add(
                m.as_bytes(),
                f64::from(i % 7),
                AddFlags::default(),
                Limits::DEFAULT,
            );
        }
        check(&z);
        for i in (0..100).step_by(2) {
            assert!(z.remove(format!("{i:03}-a-member-longer-than-the-inline-capacity").as_bytes()));
        }
        check(&z);
        assert_eq!(z.delete_range(&all), 70);
        assert!(z.is_empty());
        check(&z);
        let mut small = ZSet::new();
        small.add(b"a", 1.0, AddFlags::default(), Limits::DEFAULT);
        let mut got = 0;
        small.range_by(&all, false, -1, 10, |_, _| got += 1);
        assert_eq!(got, 0);
    }
}
