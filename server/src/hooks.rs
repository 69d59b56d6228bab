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
/// Their messages are handled in [`blocked_before_sleep`].
pub fn on_wake(_srv: &mut Server) {}

/// Tokens from here on are descriptors modules registered (`EventLoopAdd`).
pub const MODULE_FD_BASE: usize = crate::modules::api::event_loop::MODULE_FD_BASE;

/// The loop was created: its waker and poll registry, for module threads and
/// `EventLoopAdd`.
pub fn install_loop(waker: std::sync::Arc<mio::Waker>, registry: Option<mio::Registry>) {
    crate::modules::host::install_loop(waker, registry);
}

/// The loop took the lock back after `poll()`.
pub fn after_sleep(srv: &mut Server) {
    crate::modules::host::after_sleep(srv);
}

/// The loop's time events, after its file events and the cron (module timers).
pub fn time_events(srv: &mut Server) {
    crate::modules::host::time_events(srv);
}

/// Before clients unblocked in this iteration run their pending input: keys made ready
/// outside commands, clients unblocked by modules, module one-shot events and jobs.
pub fn blocked_before_sleep(srv: &mut Server) {
    crate::modules::host::blocked_before_sleep(srv);
}

/// The longest the loop may sleep for other parts of the server (module timers and
/// pending module work); None if they do not care.
pub fn poll_deadline(srv: &Server) -> Option<std::time::Duration> {
    crate::modules::host::poll_deadline(srv)
}

/// A readiness event on a descriptor a module registered.
pub fn on_module_fd(srv: &mut Server, fd_token: usize, readable: bool, writable: bool) {
    crate::modules::host::on_fd_event(srv, fd_token, readable, writable);
}

/// A client was accepted and put in `slot`.
pub fn client_connected(srv: &mut Server, slot: usize) {
    if srv.modules.is_empty() {
        return;
    }
    let Some(mut c) = srv.clients.take(slot) else {
        return;
    };
    crate::modules::api::server_events::fire_client_change(srv, &mut c, true);
    srv.clients.put_back(c);
}

/// A connected client is about to be freed.
pub fn client_disconnected(srv: &mut Server, c: &mut Client) {
    if !srv.modules.is_empty() && c.conn.is_some() {
        crate::modules::api::server_events::fire_client_change(srv, c, false);
    }
}

/// Work to do just before sleeping, after commands ran and before replies are written.
pub fn before_sleep(srv: &mut Server) {
    // Commands reach the AOF before their replies reach clients.
    if srv.persist.aof.status != crate::persistence::aof::AofStatus::Off {
        crate::persistence::aof::flush(srv, false);
    }
    crate::modules::host::before_sleep(srv);
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
