//! Generic key commands.

use crate::command_table::Registry;
use crate::config::NOTIFY_GENERIC;
use crate::ctx::Ctx;
use crate::error::CmdResult;
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("del", del);
    r.add("unlink", del);
    r.add("exists", exists);
    r.add("type", type_cmd);
}

/// ```text
/// DEL key [key ...]
/// UNLINK key [key ...]
/// ```
fn del(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let mut n = 0;
    for key in &argv[1..] {
        if ks.delete(key) {
            ks.notify(NOTIFY_GENERIC, "del", key);
            ks.srv.dirty += 1;
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// EXISTS key [key ...]
/// ```
fn exists(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let mut n = 0;
    for key in &argv[1..] {
        if ks.lookup_read(key).is_some() {
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// TYPE key
/// ```
fn type_cmd(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let (mut ks, out) = ctx.split();
    let name = ks
        .lookup_read(&argv[1])
        .map(|v| v.value_type().name())
        .unwrap_or("none");
    out.simple(name.as_bytes());
    Ok(())
}
