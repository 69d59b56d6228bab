//! The GetApi table: every API function by name, under both the `RedisModule_` and the
//! `ValkeyModule_` prefix (Redis's `REGISTER_API`). Functions are registered here only:
//! the binary exports no `RedisModule_*` symbol, so a module's own API pointer variables
//! of the same names never bind to ours.

use std::collections::HashMap;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::OnceLock;

/// Collects `(name without prefix, address)` pairs from the API groups.
#[derive(Default)]
pub struct Reg {
    entries: Vec<(&'static str, usize)>,
}

impl Reg {
    /// Registers one function.
    pub fn add(&mut self, name: &'static str, f: usize) {
        self.entries.push((name, f));
    }
}

static TABLE: OnceLock<HashMap<String, usize>> = OnceLock::new();

fn build() -> HashMap<String, usize> {
    let mut r = Reg::default();
    super::api::core::register(&mut r);
    super::api::memory::register(&mut r);
    super::api::commands::register(&mut r);
    super::api::reply::register(&mut r);
    super::api::strings::register(&mut r);
    super::api::call::register(&mut r);
    super::api::call_reply::register(&mut r);
    super::api::blocking::register(&mut r);
    super::api::thread_safe::register(&mut r);
    super::api::timers::register(&mut r);
    super::api::event_loop::register(&mut r);
    super::api::server_events::register(&mut r);
    super::api::keyspace_events::register(&mut r);
    super::api::publish::register(&mut r);
    super::api::client_info::register(&mut r);
    super::api::configs::register(&mut r);
    super::api::info::register(&mut r);
    super::api::dict::register(&mut r);
    super::api::filters::register(&mut r);
    super::api::fork::register(&mut r);
    super::api::acl::register(&mut r);
    super::api::keys::register(&mut r);
    super::api::keys_list::register(&mut r);
    super::api::keys_string::register(&mut r);
    super::api::keys_zset::register(&mut r);
    super::api::datatype::register(&mut r);
    super::api::rdb_io::register(&mut r);
    super::api::digest::register(&mut r);
    super::api::scan::register(&mut r);
    super::shim::register(&mut r);
    let mut t = HashMap::with_capacity(r.entries.len() * 2);
    for (name, f) in r.entries {
        t.insert(format!("RedisModule_{name}"), f);
        t.insert(format!("ValkeyModule_{name}"), f);
    }
    t
}

/// The table (built on first use).
pub fn table() -> &'static HashMap<String, usize> {
    TABLE.get_or_init(build)
}

/// Builds the table and hands the shim its hooks; called before the first OnLoad.
pub fn init() {
    super::shim::install_hooks();
    let _ = table();
}

/// The names registered, without prefix (for reports and tests).
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = table()
        .keys()
        .filter_map(|k| k.strip_prefix("RedisModule_").map(str::to_string))
        .collect();
    v.sort();
    v
}

/// `int GetApi(const char *name, void *target)`: writes the function's address into
/// `*target` and returns OK, or returns ERR and leaves `*target` alone.
///
/// # Safety
/// `name` must be a C string and `target` point to a pointer-sized slot (what the
/// header's `RedisModule_Init` passes).
pub unsafe extern "C" fn get_api(name: *const c_char, target: *mut c_void) -> c_int {
    if name.is_null() || target.is_null() {
        return coil_modules_api::REDISMODULE_ERR;
    }
    // SAFETY: promised by the caller.
    let name = unsafe { CStr::from_ptr(name) };
    let Ok(name) = name.to_str() else {
        return coil_modules_api::REDISMODULE_ERR;
    };
    match table().get(name) {
        Some(&f) => {
            // SAFETY: `target` is the module's function-pointer slot.
            unsafe { *(target as *mut usize) = f };
            coil_modules_api::REDISMODULE_OK
        }
        None => coil_modules_api::REDISMODULE_ERR,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_registered_name_is_in_the_header() {
        let known = coil_modules_api::api_names::API_NAMES;
        for n in super::names() {
            assert!(known.contains(&n.as_str()), "{n} is not a Redis API name");
        }
        assert!(!super::names().iter().any(|n| n == "ReplySetPushLength"));
    }
}
