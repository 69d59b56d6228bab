//! Orderly shutdown: stop the background child, flush the AOF, save if asked or
//! configured, remove the pid file, say goodbye.

use crate::server::{Server, ShutdownRequest};

/// Prepares to exit. Returns false if the shutdown must be aborted (a failed save without
/// `NOSAVE`/`FORCE`).
pub fn prepare_shutdown(srv: &mut Server, req: ShutdownRequest) -> bool {
    tracing::warn!("User requested shutdown...");
    let save = req.save.unwrap_or(!srv.config.save_params.is_empty());
    if !crate::persistence::on_shutdown(srv, save, req.force) {
        return false;
    }
    if save {
        tracing::info!("DB saved on disk");
    }
    if let Some(p) = &srv.config.pidfile {
        let _ = std::fs::remove_file(p);
    }
    if let Some(p) = &srv.config.unixsocket {
        let _ = std::fs::remove_file(p);
    }
    if !srv.modules.is_empty() {
        crate::modules::api::server_events::fire_shutdown(srv);
    }
    tracing::warn!("Redis is now ready to exit, bye bye...");
    true
}
