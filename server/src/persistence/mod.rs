//! Persistence. RDB and AOF are not implemented yet: saving reports an error rather than
//! pretending to succeed.

use crate::server::Server;

/// False until RDB saving exists; shutdown does not wait on a save that cannot happen.
pub const IMPLEMENTED: bool = false;

/// Saves the dataset synchronously (`SAVE`, shutdown).
pub fn save_sync(_srv: &mut Server) -> Result<(), String> {
    Err("RDB persistence is not implemented yet".into())
}
