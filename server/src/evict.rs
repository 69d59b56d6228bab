//! `maxmemory`: memory accounting and the out-of-memory check.

use crate::server::Server;

/// Bytes allocated by the process (jemalloc's `stats.allocated`, plus the Python
/// interpreter's heap, which uses the C allocator), Redis's `used_memory`.
pub fn used_memory() -> u64 {
    use tikv_jemalloc_ctl::{epoch, stats};
    // Stats are cached by jemalloc until the epoch advances.
    let _ = epoch::advance();
    stats::allocated::read().map(|v| v as u64).unwrap_or(0)
        + coil_scripting::memory::allocated() as u64
}

/// True when `used_memory` is above `maxmemory` (with `maxmemory` set). Eviction policies
/// other than `noeviction` are not implemented yet: writes that need memory are refused.
pub fn out_of_memory(srv: &mut Server) -> bool {
    let max = srv.config.maxmemory;
    max > 0 && used_memory() > max
}
