//! Orderly shutdown: save if asked or configured, remove the pid file, say goodbye.

use crate::server::{Server, ShutdownRequest};

/// Prepares to exit. Returns false if the shutdown must be aborted (a failed save without
/// `NOSAVE`/`FORCE`).
pub fn prepare_shutdown(srv: &mut Server, req: ShutdownRequest) -> bool {
    tracing::warn!("User requested shutdown...");
    let save = req.save.unwrap_or(!srv.config.save_params.is_empty());
    if save && !crate::persistence::IMPLEMENTED {
        tracing::warn!("Not saving before exit: RDB persistence is not implemented yet.");
    } else if save {
        tracing::info!("Saving the final RDB snapshot before exiting.");
        if let Err(e) = crate::persistence::save_sync(srv) {
            tracing::warn!("Error trying to save the DB, can't exit.");
            if !req.force {
                tracing::warn!("Errors trying to shut down the server. Check the logs for more information. ({e})");
                return false;
            }
        } else {
            tracing::info!("DB saved on disk");
        }
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
