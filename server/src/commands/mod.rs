//! The command families. Each file registers its handlers with the [`Registry`]; the
//! metadata (arity, flags, docs) comes from `server/commands/*.json`.

use crate::command_table::{CommandTable, Registry};

pub mod client;
pub mod connection;
pub mod debug;
pub mod getkeys;
pub mod introspection;
pub mod keys;
pub mod multi;
pub mod scan;
pub mod scripting;
pub mod server;
pub mod strings;

/// Builds the table of every built-in command.
pub fn build_table() -> CommandTable {
    let mut r = Registry::new();
    connection::register(&mut r);
    client::register(&mut r);
    introspection::register(&mut r);
    keys::register(&mut r);
    multi::register(&mut r);
    server::register(&mut r);
    strings::register(&mut r);
    scripting::register(&mut r);
    let mut t = r.build();
    scripting::mark_dynamic(&mut t);
    t
}
