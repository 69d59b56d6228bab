//! The command families. Each file registers its handlers with the [`Registry`]; the
//! metadata (arity, flags, docs) comes from `server/commands/*.json`.

use crate::command_table::{CommandTable, Registry};

pub mod bitmaps;
pub mod client;
pub mod connection;
pub mod debug;
pub mod getkeys;
pub mod hashes;
pub mod introspection;
pub mod keys;
pub mod lists;
pub mod memory;
pub mod module;
pub mod multi;
pub mod pubsub;
pub mod replication;
pub mod scan;
pub mod scripting;
pub mod server;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod zsets;

/// Builds the table of every built-in command.
pub fn build_table() -> CommandTable {
    let mut r = Registry::new();
    bitmaps::register(&mut r);
    connection::register(&mut r);
    client::register(&mut r);
    introspection::register(&mut r);
    keys::register(&mut r);
    memory::register(&mut r);
    module::register(&mut r);
    lists::register(&mut r);
    multi::register(&mut r);
    pubsub::register(&mut r);
    replication::register(&mut r);
    server::register(&mut r);
    strings::register(&mut r);
    hashes::register(&mut r);
    sets::register(&mut r);
    zsets::register(&mut r);
    scripting::register(&mut r);
    let mut t = r.build();
    scripting::mark_dynamic(&mut t);
    t
}
