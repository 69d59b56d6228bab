//! The list type: Redis's two list encodings, `listpack` and `quicklist`.
//!
//! A [`List`] is a deque of nodes. Each node packs its elements into one byte buffer in
//! the listpack entry format (an encoding byte or two, the data, and a back-length so the
//! buffer can be walked from either end):
//!
//! ```text
//! 0xxxxxxx                      integer 0..=127                 (1 byte)
//! 10llllll <data>               string of up to 63 bytes
//! 110xxxxx xxxxxxxx             13-bit signed integer
//! 1110llll llllllll <data>      string of up to 4095 bytes
//! 0xF1 / 0xF2 / 0xF3 / 0xF4     16 / 24 / 32 / 64-bit signed integer (little endian)
//! 0xF0 <len: u32 LE> <data>     longer string
//! ```
//!
//! followed by the length of the above written in 1..=5 bytes of 7 bits each, read from
//! the end. So `"abc"` costs 5 bytes and `"42"` costs 2. A node's size in Redis terms
//! (`lpBytes`) is its buffer plus 7 (the 6-byte header and the end byte a real listpack
//! has), which is what every limit is checked against, so encodings change exactly when
//! Redis's do.
//!
//! In the `listpack` encoding the list is a single node with no size limit. Past
//! `list-max-listpack-size` it becomes a `quicklist`: a deque of nodes, each limited in
//! bytes (negative fill: -1 = 4 KB ... -5 = 64 KB) or in entries (positive fill), with
//! elements too large for a node kept alone in a "plain" node. Node insertion, splitting
//! and merging follow Redis's `quicklist.c` so node layouts (and so conversions back to
//! `listpack` when the list shrinks to half the limit) match. Compression of inner
//! nodes (`list-compress-depth`) is not implemented; the setting is only recorded.

use std::collections::VecDeque;

/// Bytes a real listpack adds around its entries: a 6-byte header and the end byte.
const LP_OVERHEAD: usize = 7;
/// Node size limits for negative fill values -1..=-5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest multi-element node when the fill is a count.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Per-entry overhead assumed when checking whether an element fits in a node.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Largest positive fill a quicklist keeps.
const FILL_MAX: i64 = (1 << 15) - 1;
/// Largest compress depth a quicklist keeps.
const COMPRESS_MAX: i64 = (1 << 16) - 1;

/// The list settings in force when a list is built or converted: Redis's
/// `list-max-listpack-size` (`fill`) and `list-compress-depth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListConfig {
    /// `list-max-listpack-size`.
    pub fill: i64,
    /// `list-compress-depth`.
    pub compress: i64,
}

impl Default for ListConfig {
    fn default() -> Self {
        ListConfig {
            fill: -2,
            compress: 0,
        }
    }
}

/// One end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head (`LEFT`).
    Head,
    /// The tail (`RIGHT`).
    Tail,
}

/// An element as stored: integers are kept as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An integer (its decimal text is the element).
    Int(i64),
    /// A byte string.
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// True if this element equals the byte string `b` (Redis's `lpCompare`).
    pub fn eq_bytes(&self, b: &[u8]) -> bool {
        match *self {
            Elem::Str(s) => s == b,
            Elem::Int(n) => as_int(b) == Some(n),
        }
    }

    /// The element's bytes, copied.
    pub fn to_vec(&self) -> Vec<u8> {
        match *self {
            Elem::Str(s) => s.to_vec(),
            Elem::Int(n) => n.to_string().into_bytes(),
        }
    }

    /// True when stored as an integer.
    pub fn is_int(&self) -> bool {
        matches!(self, Elem::Int(_))
    }

    /// Calls `f` with the element's bytes (integers formatted on the stack).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Elem::Str(s) => f(s),
            Elem::Int(n) => {
                let mut buf = [0u8; 20];
                let len = fmt_i64(n, &mut buf);
                f(&buf[20 - len..])
            }
        }
    }
}

/// Writes `n` right-aligned into `buf`; returns the number of bytes used.
fn fmt_i64(n: i64, buf: &mut [u8; 20]) -> usize {
    let mut v = n.unsigned_abs();
    let mut i = 20;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    20 - i
}

/// The integer a listpack would store `b` as (strict decimal, no leading zeros).
#[inline]
fn as_int(b: &[u8]) -> Option<i64> {
    if b.len() > 20 {
        return None;
    }
    crate::util::parse_i64(b)
}

// ---------------------------------------------------------------------------------------
// Entry encoding
// ---------------------------------------------------------------------------------------

/// Bytes the back-length of an entry whose encoding and data take `l` bytes uses.
#[inline]
fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

/// Bytes the encoding and data of integer `v` take.
#[inline]
fn int_encoded_len(v: i64) -> usize {
    if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if (-32768..=32767).contains(&v) {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if (-2_147_483_648..=2_147_483_647).contains(&v) {
        5
    } else {
        9
    }
}

/// Bytes the encoding and data of a string of `n` bytes take.
#[inline]
fn str_encoded_len(n: usize) -> usize {
    if n < 64 {
        1 + n
    } else if n < 4096 {
        2 + n
    } else {
        5 + n
    }
}

/// Bytes `v` takes as a listpack entry, back-length included.
pub fn entry_size(v: &[u8]) -> usize {
    let l = match as_int(v) {
        Some(n) => int_encoded_len(n),
        None => str_encoded_len(v.len()),
    };
    l + backlen_size(l)
}

/// Appends `v` as an entry to `out`.
fn encode_into(out: &mut Vec<u8>, v: &[u8]) {
    let start = out.len();
    if let Some(n) = as_int(v) {
        match int_encoded_len(n) {
            1 => out.push(n as u8),
            2 => {
                let u = (n as u64) & 0x1FFF;
                out.push(0xC0 | (u >> 8) as u8);
                out.push(u as u8);
            }
            3 => {
                out.push(0xF1);
                out.extend_from_slice(&(n as i16).to_le_bytes());
            }
            4 => {
                out.push(0xF2);
                out.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
            }
            5 => {
                out.push(0xF3);
                out.extend_from_slice(&(n as i32).to_le_bytes());
            }
            _ => {
                out.push(0xF4);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    } else {
        let n = v.len();
        if n < 64 {
            out.push(0x80 | n as u8);
        } else if n < 4096 {
            out.push(0xE0 | (n >> 8) as u8);
            out.push(n as u8);
        } else {
            out.push(0xF0);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        out.extend_from_slice(v);
    }
    let l = out.len() - start;
    // The back-length: most significant 7-bit group first; every byte but the first has
    // the high bit set, so it reads back from the end.
    let size = backlen_size(l);
    for i in (0..size).rev() {
        let group = ((l >> (7 * i)) & 127) as u8;
        out.push(if i == size - 1 { group } else { group | 128 });
    }
}

/// An entry's bytes, for inserting in the middle of a node.
fn encode(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entry_size(v));
    encode_into(&mut out, v);
    out
}

/// Decodes the entry starting at `p`: its value and its total length.
fn decode(d: &[u8], p: usize) -> (Elem<'_>, usize) {
    let b = d[p];
    let (elem, l) = if b & 0x80 == 0 {
        (Elem::Int(i64::from(b)), 1)
    } else if b & 0xC0 == 0x80 {
        let n = usize::from(b & 0x3F);
        (Elem::Str(&d[p + 1..p + 1 + n]), 1 + n)
    } else if b & 0xE0 == 0xC0 {
        let u = (i64::from(b & 0x1F) << 8) | i64::from(d[p + 1]);
        let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
        (Elem::Int(v), 2)
    } else if b & 0xF0 == 0xE0 {
        let n = (usize::from(b & 0x0F) << 8) | usize::from(d[p + 1]);
        (Elem::Str(&d[p + 2..p + 2 + n]), 2 + n)
    } else {
        match b {
            0xF1 => (
                Elem::Int(i64::from(i16::from_le_bytes([d[p + 1], d[p + 2]]))),
                3,
            ),
            0xF2 => {
                let v = i32::from_le_bytes([0, d[p + 1], d[p + 2], d[p + 3]]) >> 8;
                (Elem::Int(i64::from(v)), 4)
            }
            0xF3 => {
                let mut a = [0u8; 4];
                a.copy_from_slice(&d[p + 1..p + 5]);
                (Elem::Int(i64::from(i32::from_le_bytes(a))), 5)
            }
            0xF4 => {
                let mut a = [0u8; 8];
                a.copy_from_slice(&d[p + 1..p + 9]);
                (Elem::Int(i64::from_le_bytes(a)), 9)
            }
            _ => {
                // 0xF0: 32-bit string length.
                let mut a = [0u8; 4];
                a.copy_from_slice(&d[p + 1..p + 5]);
                let n = u32::from_le_bytes(a) as usize;
                (Elem::Str(&d[p + 5..p + 5 + n]), 5 + n)
            }
        }
    };
    (elem, l + backlen_size(l))
}

/// Start of the entry that ends at `end`, found through its back-length.
fn prev_start(d: &[u8], end: usize) -> usize {
    let mut i = end;
    let mut l = 0usize;
    let mut shift = 0;
    loop {
        i -= 1;
        let b = d[i];
        l |= usize::from(b & 127) << shift;
        if b & 128 == 0 {
            break;
        }
        shift += 7;
    }
    i - l
}

// ---------------------------------------------------------------------------------------
// Limits (quicklist.c's fill rules)
// ---------------------------------------------------------------------------------------

/// The byte limit for a negative fill.
fn neg_fill_limit(fill: i64) -> usize {
    let offset = ((-fill) - 1).clamp(0, OPTIMIZATION_LEVEL.len() as i64 - 1) as usize;
    OPTIMIZATION_LEVEL[offset]
}

/// (byte limit, entry limit) of a node for `fill`; `MAX` means no limit of that kind.
fn node_limit(fill: i64) -> (usize, u64) {
    if fill >= 0 {
        (usize::MAX, if fill == 0 { 1 } else { fill as u64 })
    } else {
        (neg_fill_limit(fill), u64::MAX)
    }
}

/// True if a node of `new_sz` bytes and `new_count` entries is over the limit.
fn exceeds_limit(fill: i64, new_sz: usize, new_count: u64) -> bool {
    let (sz_limit, count_limit) = node_limit(fill);
    if sz_limit != usize::MAX {
        new_sz > sz_limit
    } else {
        new_sz > SIZE_SAFETY_LIMIT || new_count > count_limit
    }
}

/// True if an element of `sz` bytes gets a plain node of its own.
/// `DEBUG QUICKLIST-PACKED-THRESHOLD`: when set (non-zero), elements of at least this
/// many bytes get a node of their own regardless of the fill setting.
static PACKED_THRESHOLD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sets the packed threshold; false when it is too large (4 GB less 1 MB or more).
pub fn set_packed_threshold(sz: u64) -> bool {
    if sz > (1u64 << 32) - (1 << 20) {
        return false;
    }
    PACKED_THRESHOLD.store(sz as usize, std::sync::atomic::Ordering::Relaxed);
    true
}

fn is_large(sz: usize, fill: i64) -> bool {
    let t = PACKED_THRESHOLD.load(std::sync::atomic::Ordering::Relaxed);
    if t != 0 {
        return sz >= t;
    }
    if fill >= 0 {
        sz > SIZE_SAFETY_LIMIT
    } else {
        sz > neg_fill_limit(fill)
    }
}

// ---------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------

/// A run of elements: listpack entries, or one large element stored as it is.
#[derive(Clone, Debug, Default)]
struct Node {
    /// Packed entries, or the raw element of a plain node.
    data: Vec<u8>,
    /// Number of elements.
    count: u32,
    /// A single large element, not packed.
    plain: bool,
}

impl Node {
    fn packed(v: &[u8]) -> Node {
        let mut data = Vec::with_capacity(entry_size(v));
        encode_into(&mut data, v);
        Node {
            data,
            count: 1,
            plain: false,
        }
    }

    fn plain(v: &[u8]) -> Node {
        Node {
            data: v.to_vec(),
            count: 1,
            plain: true,
        }
    }

    /// Size as Redis counts it (`node->sz`).
    #[inline]
    fn sz(&self) -> usize {
        if self.plain {
            self.data.len()
        } else {
            self.data.len() + LP_OVERHEAD
        }
    }

    /// The element at byte position `p` and its total length.
    #[inline]
    fn at(&self, p: usize) -> (Elem<'_>, usize) {
        if self.plain {
            (Elem::Str(&self.data), self.data.len())
        } else {
            decode(&self.data, p)
        }
    }

    /// Byte position of the `k`-th element.
    fn pos_of(&self, k: u32) -> usize {
        if self.plain {
            return 0;
        }
        if k <= self.count / 2 {
            let mut p = 0;
            for _ in 0..k {
                p += decode(&self.data, p).1;
            }
            p
        } else {
            let mut p = self.data.len();
            for _ in k..self.count {
                p = prev_start(&self.data, p);
            }
            p
        }
    }

    /// Adds an element at one end (packed nodes only).
    fn push(&mut self, end: End, v: &[u8]) {
        match end {
            End::Tail => encode_into(&mut self.data, v),
            End::Head => {
                let e = encode(v);
                self.data.splice(0..0, e);
            }
        }
        self.count += 1;
    }

    /// Removes and returns the element at one end.
    fn pop(&mut self, end: End) -> Vec<u8> {
        if self.plain {
            self.count = 0;
            return std::mem::take(&mut self.data);
        }
        let v = match end {
            End::Head => {
                let (e, len) = decode(&self.data, 0);
                let v = e.to_vec();
                self.data.drain(..len);
                v
            }
            End::Tail => {
                let start = prev_start(&self.data, self.data.len());
                let v = decode(&self.data, start).0.to_vec();
                self.data.truncate(start);
                v
            }
        };
        self.count -= 1;
        self.trim_capacity();
        v
    }

    /// Gives back spare capacity once the buffer has shrunk well below it.
    fn trim_capacity(&mut self) {
        if self.data.capacity() > 64 && self.data.capacity() > 2 * self.data.len() {
            self.data.shrink_to_fit();
        }
    }

    /// Splits off the elements from `k` on into a new node.
    fn split_off(&mut self, k: u32) -> Node {
        let p = self.pos_of(k);
        let rest = self.data.split_off(p);
        let n = Node {
            data: rest,
            count: self.count - k,
            plain: false,
        };
        self.count = k;
        self.data.shrink_to_fit();
        n
    }
}

/// May an element of `sz` bytes be added to `node`? (`_quicklistNodeAllowInsert`)
fn allow_insert(node: Option<&Node>, fill: i64, sz: usize) -> bool {
    let Some(node) = node else { return false };
    if node.plain || is_large(sz, fill) {
        return false;
    }
    let new_sz = node.sz() + sz + SIZE_ESTIMATE_OVERHEAD;
    !exceeds_limit(fill, new_sz, u64::from(node.count) + 1)
}

/// May these two nodes become one? (`_quicklistNodeAllowMerge`)
fn allow_merge(a: Option<&Node>, b: Option<&Node>, fill: i64) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    if a.plain || b.plain {
        return false;
    }
    let merge_sz = a.sz() + b.sz() - LP_OVERHEAD;
    !exceeds_limit(fill, merge_sz, u64::from(a.count) + u64::from(b.count))
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

/// A list of byte strings in Redis's `listpack` or `quicklist` encoding.
#[derive(Clone, Debug)]
pub struct List {
    /// The nodes, head first. A `listpack` list has at most one, never plain.
    nodes: VecDeque<Node>,
    /// Number of elements.
    count: usize,
    /// `quicklist` encoding (else `listpack`).
    quicklist: bool,
    /// The quicklist's node limit (`list-max-listpack-size` when it was created,
    /// clamped to -5..=32767); for a `listpack`, the limit `push_back`/`push_front` use.
    fill: i64,
    /// The quicklist's `list-compress-depth` (recorded only).
    compress: i64,
}

impl Default for List {
    fn default() -> Self {
        List::new()
    }
}

impl List {
    /// An empty list in the `listpack` encoding with the default limits.
    pub fn new() -> List {
        List::with_config(ListConfig::default())
    }

    /// An empty `listpack` list whose [`List::push_back`] and [`List::push_front`]
    /// convert it by the limits of `cfg`.
    pub fn with_config(cfg: ListConfig) -> List {
        List {
            nodes: VecDeque::new(),
            count: 0,
            quicklist: false,
            fill: cfg.fill,
            compress: cfg.compress,
        }
    }

    /// An empty list in the `quicklist` encoding (Redis's `createQuicklistObject`), as
    /// `SORT ... STORE` and loaders build lists; finish with [`List::try_convert_auto`].
    pub fn new_quicklist(cfg: ListConfig) -> List {
        List {
            nodes: VecDeque::new(),
            count: 0,
            quicklist: true,
            fill: cfg.fill.clamp(-5, FILL_MAX),
            compress: cfg.compress.clamp(0, COMPRESS_MAX),
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// `OBJECT ENCODING`'s name: `listpack` or `quicklist`.
    pub fn encoding(&self) -> &'static str {
        if self.quicklist {
            "quicklist"
        } else {
            "listpack"
        }
    }

    /// True in the `quicklist` encoding.
    pub fn is_quicklist(&self) -> bool {
        self.quicklist
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.nodes.iter().map(|n| n.data.capacity()).sum::<usize>()
    }

    /// Number of quicklist nodes (`DEBUG OBJECT`'s `ql_nodes`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The quicklist's node limit (`DEBUG OBJECT`'s `ql_listpack_max`).
    pub fn fill(&self) -> i64 {
        self.fill
    }

    /// The quicklist's compress depth, as recorded.
    pub fn compress_depth(&self) -> i64 {
        self.compress
    }

    /// Sum of the nodes' sizes (`DEBUG OBJECT`'s `ql_uncompressed_size`).
    pub fn nodes_size(&self) -> usize {
        self.nodes.iter().map(Node::sz).sum()
    }

    /// The size Redis gives a `listpack` list (`lpBytes`).
    pub fn listpack_bytes(&self) -> usize {
        self.nodes.front().map(Node::sz).unwrap_or(LP_OVERHEAD)
    }

    /// Visits the nodes head to tail as `(plain, bytes, count)`. A packed node's bytes
    /// are listpack entries in Redis's exact format (a real listpack is them behind the
    /// 6-byte header, followed by `0xFF`), so RDB `QUICKLIST_2` nodes can be written
    /// from them as they are; a plain node's bytes are its one element.
    pub fn for_each_node(&self, mut f: impl FnMut(bool, &[u8], u32)) {
        for n in &self.nodes {
            f(n.plain, &n.data, n.count);
        }
    }

    /// Visits every element, head to tail.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for e in self.iter() {
            e.with_bytes(&mut f);
        }
    }

    /// Elements head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Elements from index `start` (0-based, must be `< len()` unless the list is
    /// empty) towards the tail, or towards the head when `rev`.
    pub fn iter_from(&self, start: usize, rev: bool) -> Iter<'_> {
        if start >= self.count {
            return Iter {
                list: self,
                node: 0,
                pos: 0,
                left: 0,
                remaining: 0,
                rev,
            };
        }
        let (ni, k) = self.locate(start);
        let node = &self.nodes[ni];
        let pos = node.pos_of(k);
        if rev {
            Iter {
                list: self,
                node: ni,
                pos: pos + node.at(pos).1,
                left: k + 1,
                remaining: start + 1,
                rev,
            }
        } else {
            Iter {
                list: self,
                node: ni,
                pos,
                left: node.count - k,
                remaining: self.count - start,
                rev,
            }
        }
    }

    /// Appends at the tail, converting to a `quicklist` past the list's limits.
    pub fn push_back(&mut self, v: &[u8]) {
        let cfg = ListConfig {
            fill: self.fill,
            compress: self.compress,
        };
        self.try_convert_growing(cfg, v.len(), 1);
        self.push(End::Tail, v);
    }

    /// Prepends at the head, converting to a `quicklist` past the list's limits.
    pub fn push_front(&mut self, v: &[u8]) {
        let cfg = ListConfig {
            fill: self.fill,
            compress: self.compress,
        };
        self.try_convert_growing(cfg, v.len(), 1);
        self.push(End::Head, v);
    }

    /// Adds `v` at one end in the current encoding (conversion is the caller's, as in
    /// Redis's `listTypePush`).
    pub fn push(&mut self, end: End, v: &[u8]) {
        self.count += 1;
        if !self.quicklist {
            match self.nodes.front_mut() {
                Some(n) => n.push(end, v),
                None => self.nodes.push_back(Node::packed(v)),
            }
            return;
        }
        let fill = self.fill;
        let sz = v.len();
        if is_large(sz, fill) {
            match end {
                End::Head => self.nodes.push_front(Node::plain(v)),
                End::Tail => self.nodes.push_back(Node::plain(v)),
            }
            return;
        }
        let edge = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        match edge {
            Some(n) if allow_insert(Some(&*n), fill, sz) => n.push(end, v),
            other => {
                // The old edge node is complete: drop its spare capacity.
                if let Some(n) = other {
                    n.data.shrink_to_fit();
                }
                match end {
                    End::Head => self.nodes.push_front(Node::packed(v)),
                    End::Tail => self.nodes.push_back(Node::packed(v)),
                }
            }
        }
    }

    /// Removes and returns the element at one end.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let node = match end {
            End::Head => self.nodes.front_mut()?,
            End::Tail => self.nodes.back_mut()?,
        };
        let v = node.pop(end);
        if node.count == 0 {
            match end {
                End::Head => self.nodes.pop_front(),
                End::Tail => self.nodes.pop_back(),
            };
        }
        self.count -= 1;
        Some(v)
    }

    /// The node holding element `idx` (`< len()`) and the element's offset in it.
    fn locate(&self, idx: usize) -> (usize, u32) {
        if idx < self.count / 2 {
            let mut acc = 0usize;
            for (i, n) in self.nodes.iter().enumerate() {
                let c = n.count as usize;
                if idx < acc + c {
                    return (i, (idx - acc) as u32);
                }
                acc += c;
            }
        } else {
            let mut acc = self.count;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                let c = n.count as usize;
                acc -= c;
                if idx >= acc {
                    return (i, (idx - acc) as u32);
                }
            }
        }
        unreachable!("index {idx} within a list of {}", self.count)
    }

    /// Converts a Redis index (negative counts from the tail) to a position.
    pub fn index(&self, idx: i64) -> Option<usize> {
        let len = self.count as i64;
        let i = if idx < 0 { len + idx } else { idx };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The element at `idx` (negative counts from the tail).
    pub fn get(&self, idx: i64) -> Option<Elem<'_>> {
        let i = self.index(idx)?;
        let (ni, k) = self.locate(i);
        let node = &self.nodes[ni];
        Some(node.at(node.pos_of(k)).0)
    }

    /// Replaces the element at `idx` (negative counts from the tail); false if out of
    /// range (Redis's `listTypeReplaceAtIndex`).
    pub fn set(&mut self, idx: i64, v: &[u8]) -> bool {
        let Some(i) = self.index(idx) else {
            return false;
        };
        let (ni, k) = self.locate(i);
        let fill = self.fill;
        let quick = self.quicklist;
        let node = &mut self.nodes[ni];
        if !quick || (!node.plain && !is_large(v.len(), fill)) {
            let p = node.pos_of(k);
            let len = node.at(p).1;
            node.data.splice(p..p + len, encode(v));
            return true;
        }
        if node.plain {
            if is_large(v.len(), fill) {
                node.data = v.to_vec();
            } else {
                // Insert after the plain node, then drop it.
                self.insert_at(ni, 0, v, true);
                self.nodes.remove(ni);
                self.count -= 1;
            }
            return true;
        }
        // A large element replacing one in a packed node: it gets its own plain node.
        let last = node.count - 1;
        let split = (k != last).then(|| node.split_off(k + 1));
        self.nodes.insert(ni + 1, Node::plain(v));
        if let Some(s) = split {
            self.nodes.insert(ni + 2, s);
        }
        if self.nodes[ni].count == 1 {
            self.nodes.remove(ni);
        } else {
            self.nodes[ni].pop(End::Tail);
            self.merge_around(ni + 1);
        }
        true
    }

    /// Inserts `v` before or after the first element equal to `pivot`. False if there
    /// is no such element.
    pub fn insert(&mut self, pivot: &[u8], v: &[u8], after: bool) -> bool {
        let mut found = None;
        'outer: for (ni, n) in self.nodes.iter().enumerate() {
            let mut p = 0;
            for k in 0..n.count {
                let (e, len) = n.at(p);
                if e.eq_bytes(pivot) {
                    found = Some((ni, k));
                    break 'outer;
                }
                p += len;
            }
        }
        let Some((ni, k)) = found else {
            return false;
        };
        self.insert_at(ni, k, v, after);
        true
    }

    /// Inserts `v` before or after the element at position `idx` (`< len()`), as
    /// `listTypeInsert` does at an iterator's entry (the module list API).
    pub fn insert_at_index(&mut self, idx: usize, v: &[u8], after: bool) {
        if idx < self.count {
            let (ni, k) = self.locate(idx);
            self.insert_at(ni, k, v, after);
        }
    }

    /// Inserts `v` next to element `k` of node `ni` (`_quicklistInsert`).
    fn insert_at(&mut self, ni: usize, k: u32, v: &[u8], after: bool) {
        self.count += 1;
        if !self.quicklist {
            let node = &mut self.nodes[ni];
            let mut p = node.pos_of(k);
            if after {
                p += node.at(p).1;
            }
            node.data.splice(p..p, encode(v));
            node.count += 1;
            return;
        }
        let fill = self.fill;
        let sz = v.len();
        let node = &self.nodes[ni];
        let full = !allow_insert(Some(node), fill, sz);
        let at_tail = after && k == node.count - 1;
        let at_head = !after && k == 0;
        let avail_next = at_tail && allow_insert(self.nodes.get(ni + 1), fill, sz);
        let avail_prev = at_head && ni > 0 && allow_insert(self.nodes.get(ni - 1), fill, sz);
        if is_large(sz, fill) {
            if node.plain || at_tail || at_head {
                self.nodes
                    .insert(if after { ni + 1 } else { ni }, Node::plain(v));
            } else {
                let node = &mut self.nodes[ni];
                if after {
                    let rest = node.split_off(k + 1);
                    self.nodes.insert(ni + 1, Node::plain(v));
                    self.nodes.insert(ni + 2, rest);
                } else {
                    let rest = node.split_off(k);
                    let front = std::mem::replace(node, rest);
                    self.nodes.insert(ni, Node::plain(v));
                    self.nodes.insert(ni, front);
                }
            }
            return;
        }
        if !full {
            let node = &mut self.nodes[ni];
            let mut p = node.pos_of(k);
            if after {
                p += node.at(p).1;
            }
            node.data.splice(p..p, encode(v));
            node.count += 1;
        } else if at_tail && avail_next {
            self.nodes[ni + 1].push(End::Head, v);
        } else if at_head && avail_prev {
            self.nodes[ni - 1].push(End::Tail, v);
        } else if at_tail || at_head {
            self.nodes
                .insert(if after { ni + 1 } else { ni }, Node::packed(v));
        } else {
            // Split the full node at the insertion point and merge what can be merged.
            let node = &mut self.nodes[ni];
            if after {
                let mut rest = node.split_off(k + 1);
                rest.push(End::Head, v);
                self.nodes.insert(ni + 1, rest);
                self.merge_around(ni);
            } else {
                let rest = node.split_off(k);
                let mut front = std::mem::replace(node, rest);
                front.push(End::Tail, v);
                self.nodes.insert(ni, front);
                self.merge_around(ni + 1);
            }
        }
    }

    /// Joins node `i + 1` into node `i`.
    fn merge_pair(&mut self, i: usize) {
        if let Some(b) = self.nodes.remove(i + 1) {
            let a = &mut self.nodes[i];
            a.data.extend_from_slice(&b.data);
            a.count += b.count;
        }
    }

    /// Tries to merge the nodes around `center` (`_quicklistMergeNodes`); returns the
    /// index of the node that holds `center`'s elements afterwards.
    fn merge_around(&mut self, mut center: usize) -> usize {
        let fill = self.fill;
        if center >= 2 && allow_merge(self.nodes.get(center - 1), self.nodes.get(center - 2), fill)
        {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if allow_merge(self.nodes.get(center + 1), self.nodes.get(center + 2), fill) {
            self.merge_pair(center + 1);
        }
        let target = if center >= 1
            && allow_merge(self.nodes.get(center), self.nodes.get(center - 1), fill)
        {
            self.merge_pair(center - 1);
            center - 1
        } else {
            center
        };
        if allow_merge(self.nodes.get(target), self.nodes.get(target + 1), fill) {
            self.merge_pair(target);
        }
        target
    }

    /// Removes up to `limit` elements equal to `v` (0: all), scanning from the head or,
    /// when `from_tail`, from the tail. Returns how many were removed.
    pub fn remove(&mut self, v: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let n_nodes = self.nodes.len();
        let mut emptied = Vec::new();
        for step in 0..n_nodes {
            if limit != 0 && removed == limit {
                break;
            }
            let ni = if from_tail { n_nodes - 1 - step } else { step };
            let node = &mut self.nodes[ni];
            // Byte ranges of the matches in this node.
            let mut ranges: Vec<(usize, usize)> = Vec::new();
            if from_tail {
                let mut end = node.data.len();
                for _ in 0..node.count {
                    if limit != 0 && removed == limit {
                        break;
                    }
                    let start = if node.plain {
                        0
                    } else {
                        prev_start(&node.data, end)
                    };
                    if node.at(start).0.eq_bytes(v) {
                        ranges.push((start, end));
                        removed += 1;
                    }
                    end = start;
                }
                ranges.reverse();
            } else {
                let mut p = 0;
                for _ in 0..node.count {
                    if limit != 0 && removed == limit {
                        break;
                    }
                    let (e, len) = node.at(p);
                    if e.eq_bytes(v) {
                        ranges.push((p, p + len));
                        removed += 1;
                    }
                    p += len;
                }
            }
            if ranges.is_empty() {
                continue;
            }
            node.count -= ranges.len() as u32;
            if node.count == 0 {
                emptied.push(ni);
                continue;
            }
            let mut out = Vec::with_capacity(node.data.len());
            let mut from = 0;
            for (a, b) in ranges {
                out.extend_from_slice(&node.data[from..a]);
                from = b;
            }
            out.extend_from_slice(&node.data[from..]);
            node.data = out;
        }
        emptied.sort_unstable();
        for ni in emptied.into_iter().rev() {
            self.nodes.remove(ni);
        }
        self.count -= removed;
        removed
    }

    /// Removes `n` elements starting at position `start` (clipped to the list).
    pub fn delete_range(&mut self, start: usize, n: usize) {
        if start >= self.count || n == 0 {
            return;
        }
        let mut left = n.min(self.count - start);
        let (mut ni, mut k) = self.locate(start);
        self.count -= left;
        while left > 0 {
            let node = &mut self.nodes[ni];
            let c = node.count as usize - k as usize;
            if k == 0 && left >= node.count as usize {
                left -= node.count as usize;
                self.nodes.remove(ni);
                continue;
            }
            let del = c.min(left);
            let a = node.pos_of(k);
            let mut b = a;
            for _ in 0..del {
                b += node.at(b).1;
            }
            node.data.drain(a..b);
            node.count -= del as u32;
            node.trim_capacity();
            left -= del;
            ni += 1;
            k = 0;
        }
    }

    /// Removes everything outside positions `start..=end` (LTRIM's work).
    pub fn trim(&mut self, ltrim: usize, rtrim: usize) {
        self.delete_range(0, ltrim);
        let len = self.count;
        let r = rtrim.min(len);
        self.delete_range(len - r, r);
    }

    // -----------------------------------------------------------------------------------
    // Encoding conversions (t_list.c's listTypeTryConversion*)
    // -----------------------------------------------------------------------------------

    fn convert_to_quicklist(&mut self, cfg: ListConfig) {
        self.quicklist = true;
        self.fill = cfg.fill.clamp(-5, FILL_MAX);
        self.compress = cfg.compress.clamp(0, COMPRESS_MAX);
        if let Some(n) = self.nodes.front_mut() {
            n.data.shrink_to_fit();
        }
    }

    /// Before adding `add_len` elements of `add_bytes` bytes in total: converts a
    /// `listpack` that would exceed `cfg`'s limit to a `quicklist`.
    pub fn try_convert_growing(&mut self, cfg: ListConfig, add_bytes: usize, add_len: usize) {
        if self.quicklist {
            return;
        }
        let sz = self.listpack_bytes() + add_bytes;
        if exceeds_limit(cfg.fill, sz, (self.count + add_len) as u64) {
            self.convert_to_quicklist(cfg);
        }
    }

    fn try_convert_quicklist(&mut self, cfg: ListConfig, shrinking: bool) {
        if !self.quicklist || self.nodes.len() != 1 || self.nodes[0].plain {
            return;
        }
        let (mut sz_limit, mut count_limit) = node_limit(cfg.fill);
        if cfg.fill >= 0 {
            // A count limit is `unsigned int` in Redis.
            count_limit = count_limit.min(u64::from(u32::MAX));
        } else {
            count_limit = u64::from(u32::MAX);
        }
        if shrinking {
            sz_limit /= 2;
            count_limit /= 2;
        }
        if self.nodes[0].sz() > sz_limit || self.count as u64 > count_limit {
            return;
        }
        self.quicklist = false;
        self.fill = cfg.fill;
        self.compress = cfg.compress;
    }

    /// After removing elements: converts a one-node `quicklist` back to a `listpack`
    /// once it is at most half of `cfg`'s limit.
    pub fn try_convert_shrinking(&mut self, cfg: ListConfig) {
        self.try_convert_quicklist(cfg, true);
    }

    /// After building a list: picks the encoding Redis would (`LIST_CONV_AUTO`).
    pub fn try_convert_auto(&mut self, cfg: ListConfig) {
        if self.quicklist {
            self.try_convert_quicklist(cfg, false);
        } else {
            self.try_convert_growing(cfg, 0, 0);
        }
    }
}

/// An iterator over a list's elements in either direction.
pub struct Iter<'a> {
    list: &'a List,
    /// Current node.
    node: usize,
    /// Forward: start of the next element; backward: end of the next element.
    pos: usize,
    /// Elements left in the current node.
    left: u32,
    /// Elements left in all.
    remaining: usize,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        if self.remaining == 0 {
            return None;
        }
        if self.left == 0 {
            if self.rev {
                self.node -= 1;
                let n = &self.list.nodes[self.node];
                self.pos = n.data.len();
                self.left = n.count;
            } else {
                self.node += 1;
                self.pos = 0;
                self.left = self.list.nodes[self.node].count;
            }
        }
        let n = &self.list.nodes[self.node];
        self.left -= 1;
        self.remaining -= 1;
        if n.plain {
            return Some(Elem::Str(&n.data));
        }
        if self.rev {
            let start = prev_start(&n.data, self.pos);
            self.pos = start;
            Some(decode(&n.data, start).0)
        } else {
            let (e, len) = decode(&n.data, self.pos);
            self.pos += len;
            Some(e)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(fill: i64) -> ListConfig {
        ListConfig { fill, compress: 0 }
    }

    fn items(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(|e| e.to_vec()).collect()
    }

    /// Internal consistency: counts add up, nodes decode fully, no empty node.
    fn check(l: &List) {
        let mut total = 0;
        for n in &l.nodes {
            assert!(n.count > 0, "empty node");
            if n.plain {
                assert_eq!(n.count, 1);
            } else {
                let mut p = 0;
                for _ in 0..n.count {
                    p += decode(&n.data, p).1;
                }
                assert_eq!(p, n.data.len());
                // And backwards.
                let mut e = n.data.len();
                for _ in 0..n.count {
                    e = prev_start(&n.data, e);
                }
                assert_eq!(e, 0);
            }
            total += n.count as usize;
        }
        assert_eq!(total, l.count);
        if !l.quicklist {
            assert!(l.nodes.len() <= 1);
        }
        let fwd = items(l);
        let mut rev: Vec<Vec<u8>> = l
            .iter_from(l.len().saturating_sub(1), true)
            .map(|e| e.to_vec())
            .collect();
        rev.reverse();
        assert_eq!(fwd, rev);
    }

    #[test]
    fn entry_roundtrip_and_sizes() {
        let cases: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-1".to_vec(),
            b"-4096".to_vec(),
            b"4095".to_vec(),
            b"4096".to_vec(),
            b"-32768".to_vec(),
            b"32767".to_vec(),
            b"8388607".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"-2147483648".to_vec(),
            b"9223372036854775807".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"007".to_vec(),
            b"-0".to_vec(),
            b"".to_vec(),
            b"abc".to_vec(),
            vec![b'x'; 63],
            vec![b'x'; 64],
            vec![b'x'; 127],
            vec![b'x'; 4095],
            vec![b'x'; 4096],
            vec![b'y'; 20000],
        ];
        let mut buf = Vec::new();
        for c in &cases {
            let before = buf.len();
            encode_into(&mut buf, c);
            assert_eq!(buf.len() - before, entry_size(c), "{:?}", c.len());
        }
        let mut p = 0;
        for c in &cases {
            let (e, len) = decode(&buf, p);
            assert_eq!(e.to_vec(), *c);
            assert!(e.eq_bytes(c));
            p += len;
        }
        assert_eq!(p, buf.len());
        let mut e = buf.len();
        for c in cases.iter().rev() {
            e = prev_start(&buf, e);
            assert_eq!(decode(&buf, e).0.to_vec(), *c);
        }
        assert_eq!(e, 0);
        assert_eq!(entry_size(b"abc"), 5);
        assert_eq!(entry_size(b"42"), 2);
        assert_eq!(entry_size(b"1000"), 3);
    }

    #[test]
    fn listpack_to_quicklist_and_back() {
        // Count-based fill: 4 entries per node.
        let c = cfg(4);
        let mut l = List::with_config(c);
        for i in 0..4 {
            l.try_convert_growing(c, 1, 1);
            l.push(End::Tail, format!("{i}").as_bytes());
        }
        assert_eq!(l.encoding(), "listpack");
        l.try_convert_growing(c, 1, 1);
        l.push(End::Tail, b"x");
        assert_eq!(l.encoding(), "quicklist");
        check(&l);
        l.pop(End::Head);
        l.try_convert_shrinking(c);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(End::Head);
        l.pop(End::Head);
        l.try_convert_shrinking(c);
        // Nodes [3] [x]: two nodes never convert back.
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.node_count(), 2);
        assert_eq!(l.nodes_size(), 19); // as Redis reports
        l.pop(End::Head);
        l.try_convert_shrinking(c);
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(items(&l), vec![b"x".to_vec()]);
        check(&l);
    }

    #[test]
    fn size_limits_split_nodes() {
        let c = cfg(-1); // 4096 bytes
        let mut l = List::new_quicklist(c);
        let v = vec![b'a'; 100];
        for _ in 0..200 {
            l.push(End::Tail, &v);
        }
        check(&l);
        assert!(l.node_count() > 1);
        for n in &l.nodes {
            assert!(n.sz() <= 4096);
        }
        // Large elements get plain nodes.
        let big = vec![b'b'; 5000];
        l.push(End::Head, &big);
        assert!(l.nodes[0].plain);
        assert_eq!(l.get(0).map(|e| e.to_vec()), Some(big.clone()));
        assert_eq!(l.pop(End::Head), Some(big));
        check(&l);
    }

    #[test]
    fn model_check_against_vecdeque() {
        use rand::{Rng, SeedableRng};
        for fill in [-1i64, -2, 1, 2, 3, 5, 16] {
            let mut rng = rand::rngs::SmallRng::seed_from_u64(fill.unsigned_abs() * 7 + 1);
            let c = cfg(fill);
            let mut l = List::with_config(c);
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for step in 0..3000 {
                let val: Vec<u8> = match rng.gen_range(0..10) {
                    0 => vec![b'L'; rng.gen_range(3000..9000)],
                    1..=3 => rng.gen_range(-70000i64..70000).to_string().into_bytes(),
                    _ => {
                        let n = rng.gen_range(0..200);
                        (0..n).map(|_| rng.gen_range(b'a'..=b'e')).collect()
                    }
                };
                match rng.gen_range(0..12) {
                    0 | 1 => {
                        l.try_convert_growing(c, val.len(), 1);
                        l.push(End::Head, &val);
                        m.push_front(val);
                    }
                    2 | 3 => {
                        l.try_convert_growing(c, val.len(), 1);
                        l.push(End::Tail, &val);
                        m.push_back(val);
                    }
                    4 => {
                        assert_eq!(l.pop(End::Head), m.pop_front());
                        l.try_convert_shrinking(c);
                    }
                    5 => {
                        assert_eq!(l.pop(End::Tail), m.pop_back());
                        l.try_convert_shrinking(c);
                    }
                    6 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        l.try_convert_growing(c, val.len(), 1);
                        assert!(l.set(i as i64, &val));
                        l.try_convert_shrinking(c);
                        m[i] = val;
                    }
                    7 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        let pivot = m[i].clone();
                        let first = m.iter().position(|x| *x == pivot).unwrap_or(0);
                        let after = rng.gen_bool(0.5);
                        l.try_convert_growing(c, val.len(), 1);
                        assert!(l.insert(&pivot, &val, after));
                        m.insert(if after { first + 1 } else { first }, val);
                    }
                    8 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        let target = m[i].clone();
                        let limit = rng.gen_range(0..3);
                        let from_tail = rng.gen_bool(0.5);
                        let got = l.remove(&target, limit, from_tail);
                        let mut want = 0;
                        if from_tail {
                            let mut j = m.len();
                            while j > 0 && (limit == 0 || want < limit) {
                                j -= 1;
                                if m[j] == target {
                                    m.remove(j);
                                    want += 1;
                                }
                            }
                        } else {
                            let mut j = 0;
                            while j < m.len() && (limit == 0 || want < limit) {
                                if m[j] == target {
                                    m.remove(j);
                                    want += 1;
                                } else {
                                    j += 1;
                                }
                            }
                        }
                        assert_eq!(got, want);
                        l.try_convert_shrinking(c);
                    }
                    9 if !m.is_empty() => {
                        let s = rng.gen_range(0..m.len());
                        let n = rng.gen_range(0..5);
                        l.delete_range(s, n);
                        for _ in 0..n.min(m.len() - s) {
                            m.remove(s);
                        }
                        l.try_convert_shrinking(c);
                    }
                    10 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        assert_eq!(l.get(i as i64).map(|e| e.to_vec()).as_ref(), m.get(i));
                        let j = -(rng.gen_range(1..=m.len()) as i64);
                        assert_eq!(
                            l.get(j).map(|e| e.to_vec()).as_ref(),
                            m.get((m.len() as i64 + j) as usize)
                        );
                        let rev: Vec<Vec<u8>> = l.iter_from(i, true).map(|e| e.to_vec()).collect();
                        let want: Vec<Vec<u8>> = m.iter().take(i + 1).rev().cloned().collect();
                        assert_eq!(rev, want);
                    }
                    _ => {}
                }
                assert_eq!(l.len(), m.len(), "step {step}");
                if step % 97 == 0 {
                    check(&l);
                    assert_eq!(items(&l), m.iter().cloned().collect::<Vec<_>>());
                }
            }
            check(&l);
            assert_eq!(items(&l), m.iter().cloned().collect::<Vec<_>>());
        }
    }

    #[test]
    fn insert_splits_full_nodes_and_merges() {
        let c = cfg(3);
        let mut l = List::new_quicklist(c);
        for v in ["a", "b", "c", "d", "e", "f"] {
            l.push(End::Tail, v.as_bytes());
        }
        assert_eq!(l.node_count(), 2);
        assert!(l.insert(b"b", b"X", true));
        let got: Vec<Vec<u8>> = items(&l);
        let want: Vec<Vec<u8>> = ["a", "b", "X", "c", "d", "e", "f"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(got, want);
        check(&l);
        for n in &l.nodes {
            assert!(n.count <= 3);
        }
    }

    #[test]
    fn trim_and_ranges() {
        let mut l = List::new();
        for i in 0..10 {
            l.push_back(i.to_string().as_bytes());
        }
        l.trim(2, 3);
        let got: Vec<Vec<u8>> = items(&l);
        let want: Vec<Vec<u8>> = (2..7).map(|i: i32| i.to_string().into_bytes()).collect();
        assert_eq!(got, want);
        assert_eq!(l.get(-1), Some(Elem::Int(6)));
        assert_eq!(l.get(5), None);
        l.trim(5, 0);
        assert!(l.is_empty());
        check(&l);
    }

    #[test]
    fn nodes_are_listpack_entries() {
        // The entries Redis 7.4 writes for "a", 1, -1 and 300 (checked with
        // DUMP): encoding bytes and back-lengths.
        let mut l = List::new();
        for v in ["a", "1", "-1", "300"] {
            l.push_back(v.as_bytes());
        }
        let mut nodes = Vec::new();
        l.for_each_node(|plain, data, count| nodes.push((plain, data.to_vec(), count)));
        assert_eq!(
            nodes,
            vec![(
                false,
                vec![0x81, b'a', 2, 1, 1, 0xDF, 0xFF, 2, 0xC1, 0x2C, 2],
                4
            )]
        );
    }

    #[test]
    fn for_each_formats_integers() {
        let mut l = List::new();
        l.push_back(b"-12");
        l.push_back(b"x");
        l.push_front(b"9223372036854775807");
        let mut seen = Vec::new();
        l.for_each(|b| seen.push(b.to_vec()));
        assert_eq!(
            seen,
            vec![
                b"9223372036854775807".to_vec(),
                b"-12".to_vec(),
                b"x".to_vec()
            ]
        );
        assert_eq!(l.listpack_bytes(), 7 + 10 + 3 + 3);
    }
}
