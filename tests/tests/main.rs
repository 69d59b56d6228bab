//! End-to-end tests: each starts the real `coil-server` and talks to it over TCP.

mod admin; // MONITOR, unix socket, timeouts, buffer limits, logging, config files
mod protocol; // RESP parsing, inline commands, pipelining, protocol errors
mod scripting; // EVAL/FCALL behaviours ported from Redis's scripting tests, RESP2/RESP3
mod scripting_busy; // long scripts: BUSY, SCRIPT/FUNCTION KILL, SHUTDOWN NOSAVE, memory cap
mod scripting_functions; // FUNCTION LOAD/LIST/DELETE/DUMP/RESTORE/STATS lifecycle
mod scripting_sandbox;
mod server; // INFO, CONFIG, COMMAND, CLIENT, DEBUG, administration
mod strings; // string commands and their options
mod transactions; // MULTI/EXEC/WATCH // sandbox escapes refused while the server keeps serving
