//! Sample modules built and loaded by Coil's tests.
//!
//! Each C module in `c/` is compiled by `build.rs` against our own
//! `modules-api/include/redismodule.h` into a shared object; the constants below are
//! their paths.

/// `c/hello.c`: every reply type, argument echo, `RedisModule_Call`, auto memory,
/// strings, subcommands, command info and key positions.
pub const HELLO: &str = env!("COIL_SAMPLE_HELLO");

/// `c/failing.c`: registers a command, then fails its `OnLoad`.
pub const FAILING: &str = env!("COIL_SAMPLE_FAILING");

/// `c/notmodule.c`: a shared object without `RedisModule_OnLoad`.
pub const NOTMODULE: &str = env!("COIL_SAMPLE_NOTMODULE");

/// `c/blocking.c`: clients blocked by a module and answered from threads (thread-safe
/// contexts, the execution lock), timeouts, blocking on keys, disconnect callbacks.
pub const BLOCKING: &str = env!("COIL_SAMPLE_BLOCKING");

/// `c/events.c`: timers, keyspace notifications, post-notification jobs, server events,
/// one-shot event-loop events, `PublishMessage`.
pub const EVENTS: &str = env!("COIL_SAMPLE_EVENTS");

/// `c/admin.c`: an INFO section, module configurations, a command filter, a dictionary,
/// client information, `GetServerInfo`.
pub const ADMIN: &str = env!("COIL_SAMPLE_ADMIN");
/// `c/keys.c`: the generic key API (OpenKey modes, types, lengths, deletion, expiry,
/// LRU/LFU, KeyExists, SignalModifiedKey, DbSize, RandomKey, ResetDataset), the string
/// key API (StringSet, StringDMA, StringTruncate) and Scan / ScanKey.
pub const KEYS: &str = env!("COIL_SAMPLE_KEYS");

/// `c/collections.c`: the list, hash and sorted-set key APIs, with the sorted-set
/// range iterators.
pub const COLLECTIONS: &str = env!("COIL_SAMPLE_COLLECTIONS");

/// `c/dtype.c`: a custom data type with every callback (RDB save/load through all the
/// RDB I/O functions, AOF rewrite, free, copy2, unlink2, mem_usage2, free_effort2,
/// digest), SaveDataTypeToString / LoadDataTypeFromString and ModuleTypeReplaceValue.
pub const DTYPE: &str = env!("COIL_SAMPLE_DTYPE");
