//! Coil: a Redis-compatible server.
//!
//! # Layout
//!
//! - [`event_loop`]: the single-threaded `mio` loop; [`exec_lock`]: the lock it holds
//!   while it executes.
//! - [`resp`]: request parsing and reply writing; [`client`]: one connection's state.
//! - [`dispatch`]: the gate every command passes; [`command_table`]: commands and their
//!   metadata; [`commands`]: one file per command family.
//! - [`db`]: the keyspace and value types; [`ctx`]: what a command handler works with.
//! - [`config`]: directives, files, `CONFIG GET/SET`; [`info`]: `INFO`.
//! - [`modules`]: the native module host (the only place with `unsafe`).

pub mod args;
pub mod blocking;
pub mod client;
pub mod command_table;
pub mod commands;
pub mod config;
pub mod config_apply;
pub mod cron;
pub mod ctx;
pub mod db;
pub mod dispatch;
pub mod error;
pub mod event_loop;
pub mod evict;
pub mod exec_lock;
pub mod hooks;
pub mod info;
pub mod latency;
pub mod ldouble;
pub mod limits;
pub mod log;
pub mod memory;
pub mod modules;
pub mod persistence;
pub mod pubsub;
pub mod resp;
pub mod server;
pub mod shutdown;
pub mod stats;
pub mod util;

pub use info::REDIS_VERSION;

/// Coil's own version.
pub const COIL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A build identifier shown in `INFO server`.
pub const BUILD_ID: &str = concat!("coil-", env!("CARGO_PKG_VERSION"));

/// The configuration used when no file is given: Redis's shipped `redis.conf`
/// defaults that differ from the compiled-in ones.
pub const DEFAULT_CONFIG: &str = include_str!("../default.conf");

/// Starts the server with `config` and runs it until shutdown. Returns the exit code.
pub fn run(config: config::Config) -> i32 {
    let mut srv = server::Server::new(config);
    let listeners = match event_loop::bind_listeners(&srv) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("{e}");
            return 1;
        }
    };
    let el = match event_loop::EventLoop::new(listeners) {
        Ok(el) => el,
        Err(e) => {
            tracing::warn!("Failed creating the event loop: {e}");
            return 1;
        }
    };
    if let Some(p) = &srv.config.pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file: {e}");
        }
    }
    // Modules load under the execution lock, as everything that touches the server:
    // threads they start wait for the loop to sleep before they take it.
    let startup = {
        let _lock = exec_lock::acquire();
        modules::load_startup_modules(&mut srv)
    };
    if let Err(e) = startup {
        tracing::warn!("{e}");
        return 1;
    }
    tracing::info!("Server initialized");
    srv.startup_memory = evict::used_memory();
    if let Err(e) = persistence::loading::start(&mut srv) {
        tracing::warn!("{e}");
        return 1;
    }
    if srv.persist.loading.is_none() {
        tracing::info!("Ready to accept connections tcp");
    }
    el.run(&mut srv);
    0
}
