//! `MODULE`: loading, listing and unloading native modules (Redis's `moduleCommand`).
//! The work is in `crate::modules`; this file parses arguments and replies.

use crate::command_table::Registry;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("module|help", help);
    r.add("module|list", list);
    r.add("module|load", load);
    r.add("module|loadex", loadex);
    r.add("module|unload", unload);
}

const LOAD_FAILED: &str = "ERR Error loading the extension. Please check the server logs.";

/// ```text
/// MODULE HELP
/// ```
fn help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    crate::commands::introspection::reply_help(
        ctx.out(),
        "module",
        &[
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
        ],
    );
    Ok(())
}

/// ```text
/// MODULE LIST
/// ```
fn list(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    reply_loaded_modules(ctx);
    Ok(())
}

/// One map per loaded module: `name`, `ver`, `path`, `args` (also `HELLO`'s `modules`).
pub fn reply_loaded_modules(ctx: &mut Ctx) {
    let Ctx { srv, client, .. } = ctx;
    let out = &mut client.out;
    out.array_len(srv.modules.len());
    for m in srv.modules.iter() {
        out.map_len(4);
        out.bulk(b"name");
        out.bulk(m.name.as_bytes());
        out.bulk(b"ver");
        out.int(i64::from(m.ver));
        out.bulk(b"path");
        out.bulk(m.path.as_bytes());
        out.bulk(b"args");
        out.array_len(m.args.len());
        for a in &m.args {
            out.bulk(a);
        }
    }
}

fn path_of(arg: &Bytes) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// ```text
/// MODULE LOAD path [arg [arg ...]]
/// ```
fn load(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    match crate::modules::load(ctx.srv, &path_of(&argv[2]), &argv[3..]) {
        Ok(()) => {
            ctx.out().ok();
            Ok(())
        }
        Err(_) => Err(CmdError::fixed(LOAD_FAILED)),
    }
}

/// ```text
/// MODULE LOADEX path [CONFIG name value [CONFIG name value ...]] [ARGS args [args ...]]
/// ```
fn loadex(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let rest = &argv[3..];
    let mut configs: Vec<(Bytes, Bytes)> = Vec::new();
    let mut args: &[Bytes] = &[];
    let mut i = 0;
    while i < rest.len() {
        if rest[i].eq_ignore_ascii_case(b"config") {
            if i + 2 >= rest.len() {
                tracing::info!("CONFIG specified without name value pair");
                return Err(CmdError::fixed(LOAD_FAILED));
            }
            configs.push((rest[i + 1].clone(), rest[i + 2].clone()));
            i += 3;
        } else if rest[i].eq_ignore_ascii_case(b"args") {
            args = &rest[i + 1..];
            break;
        } else {
            tracing::info!(
                "Syntax Error from arguments to loadex around {}.",
                String::from_utf8_lossy(&rest[i])
            );
            return Err(CmdError::fixed(LOAD_FAILED));
        }
    }
    match crate::modules::load_ex(ctx.srv, &path_of(&argv[2]), args, Some(&configs)) {
        Ok(()) => {
            ctx.out().ok();
            Ok(())
        }
        Err(_) => Err(CmdError::fixed(LOAD_FAILED)),
    }
}

/// ```text
/// MODULE UNLOAD name
/// ```
fn unload(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let name = path_of(&argv[2]);
    match crate::modules::unload(ctx.srv, &name) {
        Ok(()) => {
            ctx.out().ok();
            Ok(())
        }
        Err(msg) => {
            tracing::warn!("Error unloading module {name}: {msg}");
            Err(CmdError::err(format_args!("Error unloading module: {msg}")))
        }
    }
}
