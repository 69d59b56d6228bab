//! End-to-end tests: each starts the real `coil-server` and talks to it over TCP.

mod hashes; // hash commands, encodings, field expiry
mod protocol; // RESP parsing, inline commands, pipelining, protocol errors
mod server; // INFO, CONFIG, COMMAND, CLIENT, DEBUG, administration
mod sets; // set commands, encodings, random picks
mod strings; // string commands and their options
mod transactions; // MULTI/EXEC/WATCH
