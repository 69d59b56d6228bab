//! Side effects of configuration changes made at runtime (`CONFIG SET`).

use crate::config::Config;
use crate::server::Server;

/// Applies what changed between `old` and the current configuration.
pub fn apply(srv: &mut Server, old: &Config) {
    let new = &srv.config;
    if new.loglevel != old.loglevel {
        crate::log::set_level(crate::log::level_from_name(&new.loglevel));
    }
    if new.appendonly != old.appendonly {
        if new.appendonly {
            if let Err(e) = crate::persistence::aof::enable(srv) {
                tracing::warn!("{e}");
            }
        } else {
            crate::persistence::aof::disable(srv);
        }
    }
    let new = &srv.config;
    if new.databases != old.databases {
        // `databases` is immutable; nothing to do at runtime.
    }
}
