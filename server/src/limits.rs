//! `client-output-buffer-limit`: hard and soft limits per client class.

use crate::client::flags as cf;
use crate::config::{CLASS_NORMAL, CLASS_PUBSUB, CLASS_REPLICA};
use crate::server::Server;
use std::time::Instant;

/// True if the client in `slot` must be disconnected for its pending output.
pub fn output_over_limit(srv: &mut Server, slot: usize) -> bool {
    let Some(c) = srv.clients.get_mut(slot) else {
        return false;
    };
    let class = if c.has(cf::REPLICA) {
        CLASS_REPLICA
    } else if c.has(cf::PUBSUB) {
        CLASS_PUBSUB
    } else {
        CLASS_NORMAL
    };
    let lim = srv.config.output_limits[class];
    let used = c.pending_output() as u64;
    if lim.hard > 0 && used >= lim.hard {
        return true;
    }
    if lim.soft > 0 && used >= lim.soft {
        let since = *c.soft_limit_since.get_or_insert_with(Instant::now);
        return since.elapsed().as_secs() > lim.soft_seconds;
    }
    c.soft_limit_since = None;
    false
}
