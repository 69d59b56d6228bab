//! `MEMORY` subcommands.

use crate::args;
use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("memory|usage", usage);
    r.add("memory|help", help);
}

/// Bytes a key's table entry takes besides its value: the dict node (next link, inline
/// key, LRU word) and its bucket slot.
const ENTRY_OVERHEAD: usize = 8 + 24 + 8 + 8;

/// ```text
/// MEMORY USAGE key [SAMPLES count]
/// ```
fn usage(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let mut i = 3;
    let mut samples = 5usize;
    while i < argv.len() {
        if args::is(&argv[i], "samples") && i + 1 < argv.len() {
            let n = args::int(&argv[i + 1])?;
            if n < 0 {
                return Err(CmdError::SYNTAX);
            }
            // 0 samples everything (Redis passes LONG_MAX on).
            samples = if n == 0 {
                i64::MAX as usize
            } else {
                n as usize
            };
            i += 2;
        } else {
            return Err(CmdError::SYNTAX);
        }
    }
    let key = &argv[2];
    let mut ks = ctx.ks();
    let db = ks.db;
    let size = ks
        .lookup_read_flags(key, crate::ctx::lookup::NOTOUCH)
        .map(|v| match v {
            // A module type measures itself (mem_usage2 gets the key and SAMPLES); Redis
            // adds nothing for the object around it.
            crate::db::Value::Module(m) => m.mem_usage(Some(key), db as i32, samples),
            v => v.memory_usage(),
        });
    let heap_key = if key.len() > crate::db::sbytes::INLINE_CAP {
        key.len()
    } else {
        0
    };
    match size {
        // A module's estimate may be anything: sum as Redis's size_t arithmetic does.
        Some(n) => ctx
            .out()
            .int(n.wrapping_add(ENTRY_OVERHEAD).wrapping_add(heap_key) as i64),
        None => ctx.out().null(),
    }
    Ok(())
}

/// ```text
/// MEMORY HELP
/// ```
fn help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    super::introspection::reply_help(
        ctx.out(),
        "memory",
        &[
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}
