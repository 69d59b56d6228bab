//! Per-command latency histograms for `INFO latencystats` (`latency-tracking`).
//!
//! A log-linear histogram with two significant digits over 1 ns .. 1 s, the precision
//! Redis's HDR histograms use, so percentiles are reported the same way: the highest
//! value equivalent to the bucket where the percentile falls, in microseconds.

/// Values below this are recorded exactly.
const LINEAR: u64 = 256;
/// Sub-buckets per power of two above `LINEAR`.
const SUB: u64 = 128;
/// Highest value tracked (1 second, in ns).
const MAX: u64 = 1_000_000_000;

/// A latency histogram in nanoseconds.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

fn index_of(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let mag = 63 - v.leading_zeros() as u64; // v in [2^mag, 2^(mag+1))
    let shift = mag - 7; // 2^mag / 2^shift = 128 sub-buckets
    let sub = (v >> shift) - SUB;
    (LINEAR + (mag - 8) * SUB + sub) as usize
}

fn highest_of(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let mag = (i - LINEAR) / SUB + 8;
    let sub = (i - LINEAR) % SUB;
    let shift = mag - 7;
    ((SUB + sub) << shift) + (1 << shift) - 1
}

impl Histogram {
    /// Records one value (clamped to 1 ns .. 1 s).
    pub fn record(&mut self, ns: u64) {
        let v = ns.clamp(1, MAX);
        let i = index_of(v);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
    }

    /// The value at `percentile` (0-100), in ns.
    pub fn value_at(&self, percentile: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let want = ((percentile / 100.0) * self.total as f64 + 0.5).max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                return highest_of(i);
            }
        }
        highest_of(self.counts.len().saturating_sub(1))
    }

    /// True once something was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// Formats a percentile name as Redis does (`%f` with trailing zeros trimmed: `50`, `99.9`).
pub fn percentile_name(p: f64) -> String {
    let s = format!("{p:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_have_two_significant_digits() {
        for v in [1u64, 255, 256, 1000, 12_345, 999_999, MAX] {
            let i = index_of(v);
            let hi = highest_of(i);
            assert!(
                hi >= v && (hi - v) as f64 <= v as f64 / 100.0 + 1.0,
                "{v} -> {hi}"
            );
            assert_eq!(index_of(hi), i);
        }
    }

    #[test]
    fn percentiles() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.value_at(50.0);
        assert!((495_000..=505_000).contains(&p50), "{p50}");
        assert_eq!(percentile_name(99.9), "99.9");
        assert_eq!(percentile_name(50.0), "50");
    }
}
