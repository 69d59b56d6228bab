//! End-to-end tests: each starts the real `coil-server` and talks to it over TCP.

mod lists; // list commands, encodings, blocking operations
mod protocol; // RESP parsing, inline commands, pipelining, protocol errors
mod server; // INFO, CONFIG, COMMAND, CLIENT, DEBUG, administration
mod strings; // string commands and their options
mod transactions; // MULTI/EXEC/WATCH
