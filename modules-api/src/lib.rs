//! The Redis module ABI: constants and types shared by the host (`coil-server`) and by
//! modules written in Rust. `include/redismodule.h` is the matching C header. Filled in
//! by the module-host issue; for now the return codes every module uses.

/// `REDISMODULE_OK`
pub const REDISMODULE_OK: i32 = 0;
/// `REDISMODULE_ERR`
pub const REDISMODULE_ERR: i32 = 1;
