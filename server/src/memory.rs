//! Memory accounting shared by `INFO memory` and `MEMORY STATS`.

use crate::server::Server;

/// Bytes held by client buffers (query and reply).
pub fn clients_memory(srv: &Server) -> u64 {
    srv.clients
        .iter()
        .map(|c| {
            (c.query.capacity()
                + c.out.buf.capacity()
                + std::mem::size_of::<crate::client::Client>()) as u64
        })
        .sum()
}

/// Bytes of the keyspace's own structures: hash-table buckets and per-key nodes (key,
/// links, metadata), not the values.
pub fn keyspace_overhead(srv: &Server) -> u64 {
    const NODE: u64 = 8 + 24 + 8; // next link, inline key, LRU and padding
    const EXPIRE_NODE: u64 = 8 + 24 + 8;
    srv.dbs
        .iter()
        .map(|db| {
            db.keys.bucket_count() as u64 * 8
                + db.keys.len() as u64 * NODE
                + db.expires.bucket_count() as u64 * 8
                + db.expires.len() as u64 * EXPIRE_NODE
        })
        .sum()
}

/// Redis's `used_memory_overhead`: start-up memory, clients, keyspace structures.
pub fn overhead(srv: &Server) -> u64 {
    srv.startup_memory + clients_memory(srv) + keyspace_overhead(srv)
}
