//! `Dict`: the hash table behind the keyspace, hashes, sets and sorted sets.
//!
//! It is Redis's dict, in safe Rust: chained buckets in power-of-two tables, grown and
//! shrunk by *incremental* rehashing (a second table fills a few buckets per operation
//! and per millisecond of cron time), so no single command pays for moving millions of
//! entries. The layout is what makes three Redis guarantees possible:
//!
//! - `SCAN` with a reverse-binary cursor returns every element present for the whole
//!   scan at least once, even while the table grows, shrinks or rehashes;
//! - a fair random element in O(1) expected time (`RANDOMKEY`, eviction, expiry sampling);
//! - per-entry memory of one node (next pointer, inline key, value) plus one bucket slot.

use super::sbytes::SBytes;

type Link<V> = Option<Box<Node<V>>>;

/// One entry: key, value, and the next entry of the same bucket.
#[derive(Clone)]
pub struct Node<V> {
    next: Link<V>,
    key: SBytes,
    value: V,
}

#[derive(Clone)]
struct Table<V> {
    buckets: Vec<Link<V>>,
    used: usize,
}

impl<V> Table<V> {
    fn empty() -> Self {
        Table {
            buckets: Vec::new(),
            used: 0,
        }
    }

    fn with_size(n: usize) -> Self {
        let mut buckets = Vec::with_capacity(n);
        buckets.resize_with(n, || None);
        Table { buckets, used: 0 }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

/// Smallest table Redis allocates.
const INITIAL_SIZE: usize = 4;
/// Shrink when fewer than 1/8 of the buckets are used (Redis's `HASHTABLE_MIN_FILL`).
const MIN_FILL_DIVISOR: usize = 8;

/// The process-wide hash seed: random per process, like Redis's siphash seed, so clients
/// cannot pick keys that collide.
fn hasher() -> &'static ahash::RandomState {
    use std::sync::OnceLock;
    static STATE: OnceLock<ahash::RandomState> = OnceLock::new();
    STATE.get_or_init(ahash::RandomState::new)
}

/// Hashes a key with the process seed.
#[inline]
pub fn hash_key(key: &[u8]) -> u64 {
    hasher().hash_one(key)
}

/// A hash table from byte-string keys to `V` with incremental rehashing.
#[derive(Clone)]
pub struct Dict<V> {
    ht: [Table<V>; 2],
    /// Next bucket of `ht[0]` to move while rehashing.
    rehash_idx: Option<usize>,
    /// Set while a fork child shares memory: resize only when badly overloaded.
    pub resize_avoid: bool,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Dict<V> {
    /// An empty dict that allocates nothing until the first insert.
    pub fn new() -> Self {
        Dict {
            ht: [Table::empty(), Table::empty()],
            rehash_idx: None,
            resize_avoid: false,
        }
    }

    /// An empty dict sized for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Self::new();
        if n > 0 {
            d.ht[0] = Table::with_size(n.next_power_of_two().max(INITIAL_SIZE));
        }
        d
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total bucket slots in both tables (for memory accounting and `DEBUG HTSTATS`).
    pub fn bucket_count(&self) -> usize {
        self.ht[0].buckets.len() + self.ht[1].buckets.len()
    }

    /// True while a rehash is in progress.
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// Removes everything and frees the tables.
    pub fn clear(&mut self) {
        // Drop chains iteratively: a long chain dropped recursively could overflow the
        // stack.
        for t in &mut self.ht {
            for b in &mut t.buckets {
                let mut cur = b.take();
                while let Some(mut n) = cur {
                    cur = n.next.take();
                }
            }
        }
        *self = Self::new();
    }

    #[inline]
    fn find_in(&self, t: usize, h: u64, key: &[u8]) -> Option<&Node<V>> {
        let table = &self.ht[t];
        if table.buckets.is_empty() {
            return None;
        }
        let mut cur = table.buckets[(h as usize) & table.mask()].as_deref();
        while let Some(n) = cur {
            if n.key.as_slice() == key {
                return Some(n);
            }
            cur = n.next.as_deref();
        }
        None
    }

    fn find_in_mut(&mut self, t: usize, h: u64, key: &[u8]) -> Option<&mut Node<V>> {
        let table = &mut self.ht[t];
        if table.buckets.is_empty() {
            return None;
        }
        let idx = (h as usize) & table.mask();
        let mut cur = table.buckets[idx].as_deref_mut();
        while let Some(n) = cur {
            if n.key.as_slice() == key {
                return Some(n);
            }
            cur = n.next.as_deref_mut();
        }
        None
    }

    /// The value under `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        if self.is_empty() {
            return None;
        }
        let h = hash_key(key);
        self.find_in(0, h, key)
            .or_else(|| {
                if self.rehash_idx.is_some() {
                    self.find_in(1, h, key)
                } else {
                    None
                }
            })
            .map(|n| &n.value)
    }

    /// The stored key and value under `key`.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&SBytes, &V)> {
        if self.is_empty() {
            return None;
        }
        let h = hash_key(key);
        self.find_in(0, h, key)
            .or_else(|| {
                if self.rehash_idx.is_some() {
                    self.find_in(1, h, key)
                } else {
                    None
                }
            })
            .map(|n| (&n.key, &n.value))
    }

    /// True when `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// The value under `key`, mutably. Moves one bucket if a rehash is running.
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = hash_key(key);
        if self.find_in(0, h, key).is_some() {
            return self.find_in_mut(0, h, key).map(|n| &mut n.value);
        }
        if self.rehash_idx.is_some() {
            return self.find_in_mut(1, h, key).map(|n| &mut n.value);
        }
        None
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: SBytes, value: V) -> Option<V> {
        if let Some(v) = self.get_mut(&key) {
            return Some(std::mem::replace(v, value));
        }
        self.insert_new(key, value);
        None
    }

    /// Inserts a key known to be absent.
    pub fn insert_new(&mut self, key: SBytes, value: V) -> &mut V {
        self.rehash_step();
        self.expand_if_needed();
        let h = hash_key(&key);
        let t = if self.rehash_idx.is_some() { 1 } else { 0 };
        let table = &mut self.ht[t];
        let idx = (h as usize) & table.mask();
        let next = table.buckets[idx].take();
        table.buckets[idx] = Some(Box::new(Node { next, key, value }));
        table.used += 1;
        &mut table.buckets[idx].as_mut().expect("just inserted").value
    }

    /// The value under `key`, inserting `make()` first if absent. The flag says whether
    /// it was inserted.
    pub fn get_or_insert_with(&mut self, key: &[u8], make: impl FnOnce() -> V) -> (&mut V, bool) {
        // Two lookups keep the borrow checker satisfied without unsafe; the first is a
        // read-only probe.
        if self.contains_key(key) {
            return (self.get_mut(key).expect("present"), false);
        }
        (self.insert_new(SBytes::from_slice(key), make()), true)
    }

    /// Removes `key`, returning its stored key and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(SBytes, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = hash_key(key);
        for t in 0..2 {
            let table = &mut self.ht[t];
            if table.buckets.is_empty() {
                continue;
            }
            let idx = (h as usize) & table.mask();
            let mut link = &mut table.buckets[idx];
            loop {
                match link {
                    None => break,
                    Some(n) if n.key.as_slice() == key => {
                        let mut node = link.take().expect("matched");
                        *link = node.next.take();
                        table.used -= 1;
                        self.shrink_if_needed();
                        return Some((node.key, node.value));
                    }
                    Some(n) => link = &mut n.next,
                }
            }
            if self.rehash_idx.is_none() {
                break;
            }
        }
        None
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    fn expand_if_needed(&mut self) {
        if self.rehash_idx.is_some() {
            return;
        }
        let size = self.ht[0].buckets.len();
        if size == 0 {
            self.ht[0] = Table::with_size(INITIAL_SIZE);
            return;
        }
        let used = self.ht[0].used;
        // Grow at a 1:1 load factor; while a fork child shares pages, only when 4x over.
        if used >= size && (!self.resize_avoid || used / size > 4) {
            self.start_resize((used + 1).next_power_of_two());
        }
    }

    fn shrink_if_needed(&mut self) {
        if self.rehash_idx.is_some() || self.resize_avoid {
            return;
        }
        let size = self.ht[0].buckets.len();
        let used = self.ht[0].used;
        if size > INITIAL_SIZE && used * MIN_FILL_DIVISOR <= size {
            if used == 0 {
                self.ht[0] = Table::empty();
                return;
            }
            self.start_resize(used.next_power_of_two().max(INITIAL_SIZE));
        }
    }

    fn start_resize(&mut self, size: usize) {
        if size == self.ht[0].buckets.len() {
            return;
        }
        self.ht[1] = Table::with_size(size);
        self.rehash_idx = Some(0);
        self.rehash(1);
    }

    #[inline]
    fn rehash_step(&mut self) {
        if self.rehash_idx.is_some() {
            self.rehash(1);
        }
    }

    /// Moves up to `n` buckets (visiting at most `10n` empty ones) from the old table to
    /// the new. Returns true while more work remains.
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        let mut empty_visits = n * 10;
        let mut moved = 0;
        while moved < n && self.ht[0].used > 0 {
            while self.ht[0].buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            let mut cur = self.ht[0].buckets[idx].take();
            while let Some(mut node) = cur {
                cur = node.next.take();
                let h = hash_key(&node.key);
                let t1 = &mut self.ht[1];
                let dst = (h as usize) & t1.mask();
                node.next = t1.buckets[dst].take();
                t1.buckets[dst] = Some(node);
                t1.used += 1;
                self.ht[0].used -= 1;
            }
            idx += 1;
            moved += 1;
        }
        if self.ht[0].used == 0 {
            self.ht[0] = std::mem::replace(&mut self.ht[1], Table::empty());
            self.rehash_idx = None;
            // Deletions during the rehash may call for a smaller table still.
            self.shrink_if_needed();
            return self.rehash_idx.is_some();
        }
        self.rehash_idx = Some(idx);
        true
    }

    /// Rehashes in batches of 100 buckets until `budget` has elapsed; returns true if
    /// work remains (the cron's `activerehashing`).
    pub fn rehash_for(&mut self, budget: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        while self.rehash(100) {
            if start.elapsed() >= budget {
                return true;
            }
        }
        false
    }

    /// Iterates over all entries in table order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter {
            dict: self,
            table: 0,
            bucket: 0,
            node: None,
            remaining: self.len(),
        }
    }

    /// Iterates over all keys.
    pub fn keys(&self) -> impl Iterator<Item = &SBytes> {
        self.iter().map(|(k, _)| k)
    }

    /// Iterates over all values.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// Calls `f` on every entry with mutable access to the value.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&SBytes, &mut V)) {
        for t in &mut self.ht {
            for b in &mut t.buckets {
                let mut cur = b.as_deref_mut();
                while let Some(n) = cur {
                    f(&n.key, &mut n.value);
                    cur = n.next.as_deref_mut();
                }
            }
        }
    }

    /// Removes every entry for which `keep` returns false.
    pub fn retain(&mut self, mut keep: impl FnMut(&SBytes, &mut V) -> bool) {
        for t in 0..2 {
            let table = &mut self.ht[t];
            for b in 0..table.buckets.len() {
                let mut link = &mut table.buckets[b];
                loop {
                    match link {
                        None => break,
                        Some(n) => {
                            if keep(&n.key, &mut n.value) {
                                link = &mut link.as_mut().expect("some").next;
                            } else {
                                let mut node = link.take().expect("some");
                                *link = node.next.take();
                                table.used -= 1;
                            }
                        }
                    }
                }
            }
        }
        self.shrink_if_needed();
    }

    fn visit_bucket(&self, t: usize, idx: usize, f: &mut impl FnMut(&SBytes, &V)) {
        let mut cur = self.ht[t].buckets[idx].as_deref();
        while let Some(n) = cur {
            f(&n.key, &n.value);
            cur = n.next.as_deref();
        }
    }

    /// One `SCAN` step: visits the bucket(s) at `cursor` and returns the next cursor
    /// (0 when the scan is complete). Every entry present for the whole scan is visited
    /// at least once, whatever resizing happens between steps.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&SBytes, &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor as usize;
        if self.rehash_idx.is_none() {
            let m0 = self.ht[0].mask();
            self.visit_bucket(0, v & m0, &mut f);
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        } else {
            let (small, large) = if self.ht[0].buckets.len() <= self.ht[1].buckets.len() {
                (0, 1)
            } else {
                (1, 0)
            };
            let m0 = self.ht[small].mask();
            let m1 = self.ht[large].mask();
            self.visit_bucket(small, v & m0, &mut f);
            loop {
                self.visit_bucket(large, v & m1, &mut f);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v as u64
    }

    /// A uniformly random entry. A random bucket's random chain entry alone would favour
    /// keys that are alone in their bucket, so a bucket is kept with probability
    /// `len / MAX_CHAIN` (rejection sampling); the load factor keeps chains far shorter
    /// than `MAX_CHAIN`, so every entry is equally likely, also mid-rehash.
    pub fn random_entry(&self, rng: &mut impl rand::Rng) -> Option<(&SBytes, &V)> {
        const MAX_CHAIN: usize = 8;
        if self.is_empty() {
            return None;
        }
        loop {
            let (t, idx) = self.random_slot(rng);
            let Some(head) = self.ht[t].buckets[idx].as_deref() else {
                continue;
            };
            let mut len = 0;
            let mut cur = Some(head);
            while let Some(n) = cur {
                len += 1;
                cur = n.next.as_deref();
            }
            let pick = if len > MAX_CHAIN {
                rng.gen_range(0..len)
            } else {
                let k = rng.gen_range(0..MAX_CHAIN);
                if k >= len {
                    continue;
                }
                k
            };
            let mut cur = head;
            for _ in 0..pick {
                cur = cur.next.as_deref().expect("counted");
            }
            return Some((&cur.key, &cur.value));
        }
    }

    /// A uniformly random bucket slot that may hold entries: while rehashing, the old
    /// table's unmoved part and the whole new table.
    fn random_slot(&self, rng: &mut impl rand::Rng) -> (usize, usize) {
        match self.rehash_idx {
            Some(r) => {
                let s0 = self.ht[0].buckets.len();
                let s1 = self.ht[1].buckets.len();
                let h = r + rng.gen_range(0..(s0 + s1 - r));
                if h >= s0 {
                    (1, h - s0)
                } else {
                    (0, h)
                }
            }
            None => (0, rng.gen_range(0..self.ht[0].buckets.len())),
        }
    }

    /// Up to `count` entries near a random position (not necessarily distinct across
    /// calls), for sampling-based eviction and expiry: Redis's `dictGetSomeKeys`.
    pub fn sample<'a>(
        &'a self,
        count: usize,
        rng: &mut impl rand::Rng,
        mut f: impl FnMut(&'a SBytes, &'a V),
    ) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        let mut max_steps = count * 10;
        let tables = if self.rehash_idx.is_some() { 2 } else { 1 };
        let maxmask = self.ht[0]
            .mask()
            .max(if tables == 2 { self.ht[1].mask() } else { 0 });
        let mut i = rng.gen::<usize>() & maxmask;
        let mut stored = 0;
        let mut empty_run = 0;
        while stored < count && max_steps > 0 {
            max_steps -= 1;
            for t in 0..tables {
                if i >= self.ht[t].buckets.len() {
                    continue;
                }
                let mut cur = self.ht[t].buckets[i].as_deref();
                if cur.is_none() {
                    empty_run += 1;
                    if empty_run >= 5 && empty_run > count {
                        i = rng.gen::<usize>() & maxmask;
                        empty_run = 0;
                    }
                } else {
                    empty_run = 0;
                    while let Some(n) = cur {
                        f(&n.key, &n.value);
                        stored += 1;
                        if stored == count {
                            return stored;
                        }
                        cur = n.next.as_deref();
                    }
                }
            }
            i = (i + 1) & maxmask;
        }
        stored
    }
}

impl<V> Drop for Dict<V> {
    fn drop(&mut self) {
        // Long chains must not be dropped recursively.
        for t in &mut self.ht {
            for b in &mut t.buckets {
                let mut cur = b.take();
                while let Some(mut n) = cur {
                    cur = n.next.take();
                }
            }
        }
    }
}

/// Iterator over a dict's entries.
pub struct Iter<'a, V> {
    dict: &'a Dict<V>,
    table: usize,
    bucket: usize,
    node: Option<&'a Node<V>>,
    remaining: usize,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a SBytes, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.node {
                self.node = n.next.as_deref();
                self.remaining -= 1;
                return Some((&n.key, &n.value));
            }
            if self.table > 1 {
                return None;
            }
            let t = &self.dict.ht[self.table];
            if self.bucket >= t.buckets.len() {
                self.table += 1;
                self.bucket = 0;
                continue;
            }
            self.node = t.buckets[self.bucket].as_deref();
            self.bucket += 1;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn key(i: usize) -> SBytes {
        SBytes::from_slice(format!("key:{i}").as_bytes())
    }

    #[test]
    fn insert_get_remove_through_resizes() {
        let mut d = Dict::new();
        for i in 0..10_000 {
            assert!(d.insert(key(i), i).is_none());
        }
        assert_eq!(d.len(), 10_000);
        for i in 0..10_000 {
            assert_eq!(d.get(&key(i)), Some(&i));
        }
        for i in 0..9_990 {
            assert_eq!(d.remove(&key(i)), Some(i));
        }
        assert_eq!(d.len(), 10);
        while d.rehash(100) {}
        assert!(d.bucket_count() <= 64, "shrunk: {}", d.bucket_count());
        assert_eq!(d.iter().count(), 10);
    }

    #[test]
    fn scan_survives_growth_and_shrink() {
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(key(i), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(k.clone());
            });
            step += 1;
            // Grow, then shrink, in the middle of the scan.
            if step == 50 {
                for i in 1000..5000 {
                    d.insert(key(i), ());
                }
            }
            if step == 400 {
                for i in 1000..5000 {
                    d.remove(&key(i));
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&key(i)), "missed key {i}");
        }
    }

    #[test]
    fn random_and_sample() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut d = Dict::new();
        assert!(d.random_entry(&mut rng).is_none());
        for i in 0..100 {
            d.insert(key(i), i);
        }
        let mut hits = HashSet::new();
        for _ in 0..2000 {
            hits.insert(*d.random_entry(&mut rng).unwrap().1);
        }
        assert!(hits.len() > 90);
        let mut n = 0;
        d.sample(10, &mut rng, |_, _| n += 1);
        assert_eq!(n, 10);
    }

    #[test]
    fn retain_and_iterate() {
        let mut d = Dict::new();
        for i in 0..100 {
            d.insert(key(i), i);
        }
        d.retain(|_, v| *v % 2 == 0);
        assert_eq!(d.len(), 50);
        assert!(d.iter().all(|(_, v)| v % 2 == 0));
    }
}

#[cfg(test)]
mod fairness {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn random_entry_is_uniform_even_mid_rehash() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for n in [3usize, 9, 10, 17, 100] {
            let mut d = Dict::new();
            for i in 0..n {
                d.insert(SBytes::from_slice(format!("f{i}").as_bytes()), i);
            }
            let draws = 2000 * n;
            let mut counts = vec![0usize; n];
            for _ in 0..draws {
                counts[*d.random_entry(&mut rng).unwrap().1] += 1;
            }
            let exp = (draws / n) as f64;
            let chi: f64 = counts.iter().map(|&c| (c as f64 - exp).powi(2) / exp).sum();
            // df = n - 1; a fair pick stays far below this bound.
            assert!(
                chi < 3.0 * n as f64 + 30.0,
                "n={n} rehashing={} chi={chi} {counts:?}",
                d.is_rehashing()
            );
        }
    }
}
