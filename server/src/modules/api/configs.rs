//! Module configurations (stub, filled below).
use crate::modules::Module;

/// Module configurations, in registration order.
#[derive(Default)]
pub struct Configs {}

impl Configs {
    /// Drops a module's configurations.
    pub fn forget_module(&mut self, _m: *const Module) {}
}

/// Registers the group.
pub fn register(_r: &mut crate::modules::registry::Reg) {}
