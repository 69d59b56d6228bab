//! End-to-end tests: each starts the real `coil-server` and talks to it over TCP.

mod admin; // MONITOR, unix socket, timeouts, buffer limits, logging, config files
mod bitmaps; // SETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD
mod expire; // EXPIRE family, TTLs, lazy and active expiry
mod hashes; // hash commands, encodings, field expiry
mod keys; // generic key commands, SCAN, OBJECT, SORT
mod lists; // list commands, encodings, blocking operations
mod modules; // native modules: loading, the module API groups, MODULE
mod modules_admin; // module INFO sections, configs, command filters, dicts, client info
mod modules_blocking; // module-blocked clients, thread-safe contexts, the execution lock
mod modules_events; // module timers, keyspace and server events, event loop, publish
mod modules_keys; // module key API: generic keys, strings, lists, hashes, sorted sets, scan
mod modules_types; // module data types: values, RDB serialization, copy/unlink/free/digest
mod persistence; // RDB, BGSAVE, DUMP/RESTORE, AOF, loading
mod persistence_crash; // kill -9 under write load, recovery from the AOF
mod protocol; // RESP parsing, inline commands, pipelining, protocol errors
mod pubsub; // Pub/Sub commands, RESP2/RESP3 pushes, keyspace notifications
mod scripting; // EVAL/FCALL behaviours ported from Redis's scripting tests, RESP2/RESP3
mod scripting_busy; // long scripts: BUSY, SCRIPT/FUNCTION KILL, SHUTDOWN NOSAVE, memory cap
mod scripting_functions; // FUNCTION LOAD/LIST/DELETE/DUMP/RESTORE/STATS lifecycle
mod scripting_sandbox; // sandbox escapes refused while the server keeps serving
mod server; // INFO, CONFIG, COMMAND, CLIENT, DEBUG, administration
mod sets; // set commands, encodings, random picks
mod strings; // string commands and their options
mod transactions; // MULTI/EXEC/WATCH
mod zsets; // sorted sets: commands, encodings, blocking pops
