//! The Redis module ABI: constants and `#[repr(C)]` types shared by the host
//! (`coil-server`) and by modules written in Rust. `include/redismodule.h` is the
//! matching C header; both are generated from the same facts by
//! `tools/gen_module_header.py` (`consts.rs`, `api_names.rs`) or written by hand to the
//! same layouts (the types below, checked by `tools/check_module_header.sh`).
//!
//! # Layout
//!
//! - [`consts`]: every `REDISMODULE_*` integer and string constant.
//! - [`api_names`]: every API name the header declares.
//! - this file: the structs whose layout is part of the ABI, and the opaque handles.
//! - [`sdk`]: the start of a small safe layer for modules written in Rust;
//!   [`sdk_keys`] adds the key API to it.
//!
//! No logic lives here: the host's implementation is in `coil-server`'s `modules`.

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

pub mod api_names;
pub mod consts;
pub mod sdk;
pub mod sdk_keys;

pub use consts::*;

/// Opaque to modules: an open key (`RedisModule_OpenKey`).
#[repr(C)]
pub struct RedisModuleKey {
    _private: [u8; 0],
}

/// Opaque to modules: the host's context handle (its first field is the GetApi pointer).
#[repr(C)]
pub struct RedisModuleCtx {
    _private: [u8; 0],
}

/// Opaque to modules: a string handle.
#[repr(C)]
pub struct RedisModuleString {
    _private: [u8; 0],
}

/// Opaque to modules: a reply returned by `RedisModule_Call`.
#[repr(C)]
pub struct RedisModuleCallReply {
    _private: [u8; 0],
}

/// Opaque to modules: a registered command.
#[repr(C)]
pub struct RedisModuleCommand {
    _private: [u8; 0],
}

/// `int GetApi(const char *name, void *target)`: the first field of every context.
pub type GetApiFunc = unsafe extern "C" fn(name: *const c_char, target: *mut c_void) -> c_int;

/// `int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)`.
pub type OnLoadFunc = unsafe extern "C" fn(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int;

/// `int RedisModule_OnUnload(RedisModuleCtx *ctx)`.
pub type OnUnloadFunc = unsafe extern "C" fn(ctx: *mut RedisModuleCtx) -> c_int;

/// A command implementation: `int f(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)`.
pub type RedisModuleCmdFunc = unsafe extern "C" fn(
    ctx: *mut RedisModuleCtx,
    argv: *mut *mut RedisModuleString,
    argc: c_int,
) -> c_int;

/// `RedisModuleStreamID`: a stream entry id.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RedisModuleStreamID {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

/// `RedisModuleEvent`: a server event id and the version of its payload struct.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisModuleEvent {
    /// `REDISMODULE_EVENT_*`.
    pub id: u64,
    /// Version of the payload struct.
    pub dataver: u64,
}

/// `RedisModuleCommandInfoVersion`: the version and the element sizes a module compiled
/// `RedisModuleCommandInfo` with. Arrays in the info are walked with these sizes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RedisModuleCommandInfoVersion {
    /// Structure version (1 in Redis 7.0 to 7.4).
    pub version: c_int,
    /// `sizeof(RedisModuleCommandHistoryEntry)` in the module.
    pub sizeof_historyentry: usize,
    /// `sizeof(RedisModuleCommandKeySpec)` in the module.
    pub sizeof_keyspec: usize,
    /// `sizeof(RedisModuleCommandArg)` in the module.
    pub sizeof_arg: usize,
}

/// `RedisModuleCommandHistoryEntry`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RedisModuleCommandHistoryEntry {
    /// Version of the change; NULL ends the array.
    pub since: *const c_char,
    /// What changed.
    pub changes: *const c_char,
}

/// `bs.index` of a key spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KeySpecBsIndex {
    /// Argument index.
    pub pos: c_int,
}

/// `bs.keyword` of a key spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KeySpecBsKeyword {
    /// The keyword.
    pub keyword: *const c_char,
    /// Where to start searching (negative: from the end).
    pub startfrom: c_int,
}

/// The `bs` union of a key spec.
#[repr(C)]
#[derive(Clone, Copy)]
pub union KeySpecBs {
    /// `REDISMODULE_KSPEC_BS_INDEX`.
    pub index: KeySpecBsIndex,
    /// `REDISMODULE_KSPEC_BS_KEYWORD`.
    pub keyword: KeySpecBsKeyword,
}

/// `fk.range` of a key spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KeySpecFkRange {
    /// Last key relative to the begin search (negative: from the end).
    pub lastkey: c_int,
    /// Step between keys.
    pub keystep: c_int,
    /// With `lastkey` -1: divide the remaining arguments by this.
    pub limit: c_int,
}

/// `fk.keynum` of a key spec.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct KeySpecFkKeynum {
    /// Index of the key count, relative to the begin search.
    pub keynumidx: c_int,
    /// First key, relative to the begin search.
    pub firstkey: c_int,
    /// Step between keys.
    pub keystep: c_int,
}

/// The `fk` union of a key spec.
#[repr(C)]
#[derive(Clone, Copy)]
pub union KeySpecFk {
    /// `REDISMODULE_KSPEC_FK_RANGE`.
    pub range: KeySpecFkRange,
    /// `REDISMODULE_KSPEC_FK_KEYNUM`.
    pub keynum: KeySpecFkKeynum,
}

/// `RedisModuleCommandKeySpec`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RedisModuleCommandKeySpec {
    /// Free text.
    pub notes: *const c_char,
    /// `REDISMODULE_CMD_KEY_*`.
    pub flags: u64,
    /// `REDISMODULE_KSPEC_BS_*`; 0 ends the array.
    pub begin_search_type: c_int,
    /// Begin-search parameters.
    pub bs: KeySpecBs,
    /// `REDISMODULE_KSPEC_FK_*`.
    pub find_keys_type: c_int,
    /// Find-keys parameters.
    pub fk: KeySpecFk,
}

/// `RedisModuleCommandArg`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RedisModuleCommandArg {
    /// Name; NULL ends the array.
    pub name: *const c_char,
    /// `REDISMODULE_ARG_TYPE_*`.
    pub type_: c_int,
    /// Index of the key spec, for key arguments (-1 otherwise).
    pub key_spec_index: c_int,
    /// Token.
    pub token: *const c_char,
    /// Summary.
    pub summary: *const c_char,
    /// Version it appeared in.
    pub since: *const c_char,
    /// `REDISMODULE_CMD_ARG_*`.
    pub flags: c_int,
    /// Version it was deprecated in.
    pub deprecated_since: *const c_char,
    /// Sub-arguments of a oneof or block.
    pub subargs: *mut RedisModuleCommandArg,
    /// Display text.
    pub display_text: *const c_char,
}

/// `RedisModuleCommandInfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RedisModuleCommandInfo {
    /// The module's struct version and element sizes.
    pub version: *const RedisModuleCommandInfoVersion,
    /// Summary.
    pub summary: *const c_char,
    /// Complexity.
    pub complexity: *const c_char,
    /// Module version the command appeared in.
    pub since: *const c_char,
    /// History, ended by an entry with NULL `since`.
    pub history: *mut RedisModuleCommandHistoryEntry,
    /// Space-separated tips.
    pub tips: *const c_char,
    /// Arity (0: keep the one given to CreateCommand).
    pub arity: c_int,
    /// Key specs, ended by a zero `begin_search_type`.
    pub key_specs: *mut RedisModuleCommandKeySpec,
    /// Arguments, ended by a NULL name.
    pub args: *mut RedisModuleCommandArg,
}

/// Generic callback pointer in [`RedisModuleTypeMethods`] (the host reads them by version).
pub type TypeCallback = Option<unsafe extern "C" fn()>;

/// `RedisModuleTypeMethods`, version 5 (fields are appended per version; a module's
/// struct is read only up to the fields of its declared version).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RedisModuleTypeMethods {
    /// `REDISMODULE_TYPE_METHOD_VERSION` the module was built with.
    pub version: u64,
    /// `rdb_load`.
    pub rdb_load: TypeCallback,
    /// `rdb_save`.
    pub rdb_save: TypeCallback,
    /// `aof_rewrite`.
    pub aof_rewrite: TypeCallback,
    /// `mem_usage`.
    pub mem_usage: TypeCallback,
    /// `digest`.
    pub digest: TypeCallback,
    /// `free`.
    pub free: TypeCallback,
    /// `aux_load` (v2).
    pub aux_load: TypeCallback,
    /// `aux_save` (v2).
    pub aux_save: TypeCallback,
    /// `aux_save_triggers` (v2).
    pub aux_save_triggers: c_int,
    /// `free_effort` (v3).
    pub free_effort: TypeCallback,
    /// `unlink` (v3).
    pub unlink: TypeCallback,
    /// `copy` (v3).
    pub copy: TypeCallback,
    /// `defrag` (v3).
    pub defrag: TypeCallback,
    /// `mem_usage2` (v4).
    pub mem_usage2: TypeCallback,
    /// `free_effort2` (v4).
    pub free_effort2: TypeCallback,
    /// `unlink2` (v4).
    pub unlink2: TypeCallback,
    /// `copy2` (v4).
    pub copy2: TypeCallback,
    /// `aux_save2` (v5).
    pub aux_save2: TypeCallback,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The sizes and offsets `tools/check_module_header.sh` prints for the C header on
    /// x86-64 Linux.
    #[test]
    fn layouts_match_the_c_header() {
        assert_eq!(size_of::<RedisModuleCommandKeySpec>(), 56);
        assert_eq!(offset_of!(RedisModuleCommandKeySpec, bs), 24);
        assert_eq!(offset_of!(RedisModuleCommandKeySpec, fk), 44);
        assert_eq!(size_of::<RedisModuleCommandArg>(), 72);
        assert_eq!(size_of::<RedisModuleCommandInfo>(), 72);
        assert_eq!(size_of::<RedisModuleCommandInfoVersion>(), 32);
        assert_eq!(size_of::<RedisModuleTypeMethods>(), 152);
        assert_eq!(offset_of!(RedisModuleTypeMethods, free_effort), 80);
        assert_eq!(size_of::<RedisModuleEvent>(), 16);
        assert_eq!(REDISMODULE_POSTPONED_LEN, -1);
        assert!(api_names::API_NAMES.contains(&"CreateCommand"));
    }
}
