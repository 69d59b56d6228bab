//! Event-loop hooks that other parts of the server plug into: what happens when a client
//! goes away, when another thread wakes the loop, and just before the loop sleeps.

use crate::client::{flags as cf, Client};
use crate::server::Server;

/// Releases everything a disconnecting client holds: watched keys, subscriptions, a
/// blocked state, its place among the monitors.
pub fn client_cleanup(srv: &mut Server, c: &mut Client) {
    crate::commands::multi::unwatch_all(srv, c);
    crate::pubsub::unsubscribe_all(srv, c);
    if c.has(cf::BLOCKED) {
        crate::blocking::unblock(srv, c);
    }
    if c.has(cf::MONITOR) {
        srv.monitors.retain(|id| *id != c.id);
    }
    if let Some(conn) = c.conn.as_ref() {
        conn.shutdown();
    }
}

/// Another thread woke the loop (module threads unblocking clients, for instance).
pub fn on_wake(_srv: &mut Server) {}

/// Work to do just before sleeping, after commands ran and before replies are written.
pub fn before_sleep(srv: &mut Server) {
    // Commands reach the AOF before their replies reach clients.
    if srv.persist.aof.status != crate::persistence::aof::AofStatus::Off {
        crate::persistence::aof::flush(srv, false);
    }
    if srv.active_expire_enabled && srv.config.maxmemory == 0 {
        // The fast expiry cycle would go here; the cron's slow cycle is enough for now.
    }
}

/// True while `CLIENT PAUSE` holds this client back.
pub fn client_paused(srv: &mut Server, c: &Client) -> bool {
    let Some((until, write_only)) = srv.pause else {
        return false;
    };
    if crate::server::unix_ms() >= until {
        srv.pause = None;
        return false;
    }
    if !write_only {
        return true;
    }
    // Only writes are paused: peek at the next command's name.
    !c.query.is_empty() && crate::commands::client::next_command_may_write(srv, c)
}
