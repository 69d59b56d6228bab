//! `COMMAND` and its subcommands, rendered from the command metadata exactly as Redis
//! renders its own (`addReplyCommandInfo`, `addReplyCommandDocs`).

use crate::command_table::{cmd_flags, ArgDoc, BeginSearch, Command, FindKeys, Registry};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::resp::ReplyBuf;
use bytes::Bytes;
use std::sync::Arc;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.add("command", command);
    r.add("command|count", count);
    r.add("command|info", info);
    r.add("command|docs", docs);
    r.add("command|list", list);
    r.add("command|getkeys", getkeys);
    r.add("command|getkeysandflags", getkeysandflags);
    r.add("command|help", help);
}

fn reply_flags(out: &mut ReplyBuf, cmd: &Command) {
    let names: Vec<&str> = cmd_flags::NAMES
        .iter()
        .filter(|(b, _, shown)| *shown && cmd.flags & b != 0)
        .map(|(_, n, _)| *n)
        .collect();
    out.set_len(names.len());
    for n in names {
        out.simple(n.as_bytes());
    }
}

fn reply_key_specs(out: &mut ReplyBuf, cmd: &Command) {
    out.set_len(cmd.meta.key_specs.len());
    for ks in &cmd.meta.key_specs {
        out.map_len(3 + usize::from(ks.notes.is_some()));
        if let Some(n) = &ks.notes {
            out.bulk(b"notes");
            out.bulk(n.as_bytes());
        }
        out.bulk(b"flags");
        let ordered: Vec<&&str> = crate::command_table::KEY_FLAG_NAMES
            .iter()
            .filter(|n| ks.flags.iter().any(|f| f == **n))
            .collect();
        out.set_len(ordered.len());
        for f in ordered {
            out.simple(f.as_bytes());
        }
        out.bulk(b"begin_search");
        out.map_len(2);
        out.bulk(b"type");
        match &ks.begin_search {
            BeginSearch::Index { index } => {
                out.bulk(b"index");
                out.bulk(b"spec");
                out.map_len(1);
                out.bulk(b"index");
                out.int(*index);
            }
            BeginSearch::Keyword { keyword, startfrom } => {
                out.bulk(b"keyword");
                out.bulk(b"spec");
                out.map_len(2);
                out.bulk(b"keyword");
                out.bulk(keyword.as_bytes());
                out.bulk(b"startfrom");
                out.int(*startfrom);
            }
            BeginSearch::Unknown {} => {
                out.bulk(b"unknown");
                out.bulk(b"spec");
                out.map_len(0);
            }
        }
        out.bulk(b"find_keys");
        out.map_len(2);
        out.bulk(b"type");
        match &ks.find_keys {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                out.bulk(b"range");
                out.bulk(b"spec");
                out.map_len(3);
                out.bulk(b"lastkey");
                out.int(*lastkey);
                out.bulk(b"keystep");
                out.int(*keystep);
                out.bulk(b"limit");
                out.int(*limit);
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                out.bulk(b"keynum");
                out.bulk(b"spec");
                out.map_len(3);
                out.bulk(b"keynumidx");
                out.int(*keynumidx);
                out.bulk(b"firstkey");
                out.int(*firstkey);
                out.bulk(b"keystep");
                out.int(*keystep);
            }
            FindKeys::Unknown {} => {
                out.bulk(b"unknown");
                out.bulk(b"spec");
                out.map_len(0);
            }
        }
    }
}

/// One command's `COMMAND INFO` entry.
pub fn reply_command_info(out: &mut ReplyBuf, cmd: &Command) {
    let m = &cmd.meta;
    out.array_len(10);
    out.bulk(cmd.name.as_bytes());
    out.int(m.arity);
    reply_flags(out, cmd);
    out.int(m.first_key);
    out.int(m.last_key);
    out.int(m.key_step);
    out.set_len(m.acl_categories.len());
    for c in &m.acl_categories {
        out.simple(c.as_bytes());
    }
    out.set_len(m.tips.len());
    for t in &m.tips {
        out.bulk(t.as_bytes());
    }
    reply_key_specs(out, cmd);
    if cmd.subcommands.is_empty() {
        out.set_len(0);
    } else {
        let mut subs: Vec<&Arc<Command>> = cmd.subcommands.values().collect();
        subs.sort_by(|a, b| a.name.cmp(&b.name));
        out.array_len(subs.len());
        for s in subs {
            reply_command_info(out, s);
        }
    }
}

fn reply_args(out: &mut ReplyBuf, args: &[ArgDoc]) {
    out.array_len(args.len());
    for a in args {
        let nested = a.kind == "oneof" || a.kind == "block";
        let mut n = 2;
        n += usize::from(a.key_spec_index.is_some());
        n += usize::from(a.token.is_some());
        n += usize::from(a.summary.is_some());
        n += usize::from(a.since.is_some());
        n += usize::from(a.deprecated_since.is_some());
        n += usize::from(!a.flags.is_empty());
        n += 1; // display_text, or arguments for oneof/block
        out.map_len(n);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.as_bytes());
        if !nested {
            out.bulk(b"display_text");
            out.bulk(a.display_text.as_deref().unwrap_or(&a.name).as_bytes());
        }
        if let Some(i) = a.key_spec_index {
            out.bulk(b"key_spec_index");
            out.int(i);
        }
        if let Some(t) = &a.token {
            out.bulk(b"token");
            out.bulk(t.as_bytes());
        }
        if let Some(s) = &a.summary {
            out.bulk(b"summary");
            out.bulk(s.as_bytes());
        }
        if let Some(s) = &a.since {
            out.bulk(b"since");
            out.bulk(s.as_bytes());
        }
        if let Some(s) = &a.deprecated_since {
            out.bulk(b"deprecated_since");
            out.bulk(s.as_bytes());
        }
        if !a.flags.is_empty() {
            out.bulk(b"flags");
            let ordered: Vec<&str> = ["optional", "multiple", "multiple_token"]
                .into_iter()
                .filter(|n| a.flags.iter().any(|f| f == n))
                .collect();
            out.set_len(ordered.len());
            for f in ordered {
                out.simple(f.as_bytes());
            }
        }
        if nested {
            out.bulk(b"arguments");
            reply_args(out, &a.arguments);
        }
    }
}

/// One command's `COMMAND DOCS` entry (the map after the name).
pub fn reply_command_docs(out: &mut ReplyBuf, cmd: &Command) {
    let d = &cmd.meta.docs;
    let is_module = cmd.has(cmd_flags::MODULE);
    let mut n = 1;
    n += usize::from(d.summary.is_some());
    n += usize::from(d.since.is_some());
    n += usize::from(is_module);
    n += usize::from(d.complexity.is_some());
    n += usize::from(!d.doc_flags.is_empty());
    n += usize::from(d.deprecated_since.is_some());
    n += usize::from(d.replaced_by.is_some());
    n += usize::from(!d.history.is_empty());
    n += usize::from(!d.arguments.is_empty());
    n += usize::from(!cmd.subcommands.is_empty());
    out.map_len(n);
    if let Some(s) = &d.summary {
        out.bulk(b"summary");
        out.bulk(s.as_bytes());
    }
    if let Some(s) = &d.since {
        out.bulk(b"since");
        out.bulk(s.as_bytes());
    }
    out.bulk(b"group");
    out.bulk(if is_module {
        b"module".as_slice()
    } else {
        d.group.as_bytes()
    });
    if let Some(c) = &d.complexity {
        out.bulk(b"complexity");
        out.bulk(c.as_bytes());
    }
    if is_module {
        out.bulk(b"module");
        out.bulk(cmd.module.as_deref().unwrap_or("").as_bytes());
    }
    if !d.doc_flags.is_empty() {
        out.bulk(b"doc_flags");
        let ordered: Vec<&str> = ["deprecated", "syscmd"]
            .into_iter()
            .filter(|n| d.doc_flags.iter().any(|f| f == n))
            .collect();
        out.set_len(ordered.len());
        for f in ordered {
            out.simple(f.as_bytes());
        }
    }
    if let Some(s) = &d.deprecated_since {
        out.bulk(b"deprecated_since");
        out.bulk(s.as_bytes());
    }
    if let Some(s) = &d.replaced_by {
        out.bulk(b"replaced_by");
        out.bulk(s.as_bytes());
    }
    if !d.history.is_empty() {
        out.bulk(b"history");
        out.set_len(d.history.len());
        for (v, c) in &d.history {
            out.array_len(2);
            out.bulk(v.as_bytes());
            out.bulk(c.as_bytes());
        }
    }
    if !d.arguments.is_empty() {
        out.bulk(b"arguments");
        reply_args(out, &d.arguments);
    }
    if !cmd.subcommands.is_empty() {
        out.bulk(b"subcommands");
        let mut subs: Vec<&Arc<Command>> = cmd.subcommands.values().collect();
        subs.sort_by(|a, b| a.name.cmp(&b.name));
        out.map_len(subs.len());
        for s in subs {
            out.bulk(s.name.as_bytes());
            reply_command_docs(out, s);
        }
    }
}

/// ```text
/// COMMAND
/// ```
fn command(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let mut cmds: Vec<Arc<Command>> = ctx.srv.commands.commands.values().cloned().collect();
    cmds.sort_by(|a, b| a.name.cmp(&b.name));
    let out = ctx.out();
    out.array_len(cmds.len());
    for c in cmds {
        reply_command_info(out, &c);
    }
    Ok(())
}

/// ```text
/// COMMAND COUNT
/// ```
fn count(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    let n = ctx.srv.commands.commands.len();
    ctx.out().int(n as i64);
    Ok(())
}

/// ```text
/// COMMAND INFO [command-name [command-name ...]]
/// ```
fn info(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    if argv.len() == 2 {
        return command(ctx, argv);
    }
    let found: Vec<Option<Arc<Command>>> = argv[2..]
        .iter()
        .map(|n| {
            ctx.srv
                .commands
                .lookup_name(&String::from_utf8_lossy(n))
                .cloned()
        })
        .collect();
    let out = ctx.out();
    out.array_len(found.len());
    for c in found {
        match c {
            Some(c) => reply_command_info(out, &c),
            None => out.null_array(),
        }
    }
    Ok(())
}

/// ```text
/// COMMAND DOCS [command-name [command-name ...]]
/// ```
fn docs(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    let cmds: Vec<Arc<Command>> = if argv.len() == 2 {
        let mut v: Vec<_> = ctx.srv.commands.commands.values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    } else {
        argv[2..]
            .iter()
            .filter_map(|n| {
                ctx.srv
                    .commands
                    .lookup_name(&String::from_utf8_lossy(n))
                    .cloned()
            })
            .collect()
    };
    let out = ctx.out();
    out.map_len(cmds.len());
    for c in cmds {
        out.bulk(c.name.as_bytes());
        reply_command_docs(out, &c);
    }
    Ok(())
}

/// ```text
/// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
/// ```
fn list(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    enum Filter {
        All,
        Module(String),
        AclCat(String),
        Pattern(Vec<u8>),
    }
    let filter = match argv.len() {
        2 => Filter::All,
        5 if crate::args::is(&argv[2], "filterby") => {
            let v = String::from_utf8_lossy(&argv[4]).into_owned();
            if crate::args::is(&argv[3], "module") {
                Filter::Module(v)
            } else if crate::args::is(&argv[3], "aclcat") {
                Filter::AclCat(format!("@{}", v.to_ascii_lowercase()))
            } else if crate::args::is(&argv[3], "pattern") {
                Filter::Pattern(argv[4].to_vec())
            } else {
                return Err(CmdError::SYNTAX);
            }
        }
        _ => return Err(CmdError::SYNTAX),
    };
    let mut names: Vec<String> = ctx
        .srv
        .commands
        .all()
        .filter(|c| match &filter {
            Filter::All => true,
            Filter::Module(m) => c.module.as_deref() == Some(m.as_str()),
            Filter::AclCat(cat) => c.meta.acl_categories.iter().any(|x| x == cat),
            Filter::Pattern(p) => crate::util::glob_match(p, c.name.as_bytes(), true),
        })
        .map(|c| c.name.clone())
        .collect();
    names.sort();
    let out = ctx.out();
    out.array_len(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

/// The key positions of a command line, through the key specs or the command's own
/// key finder.
pub fn get_keys(cmd: &Command, argv: &[Bytes]) -> Option<Vec<(usize, Vec<String>)>> {
    if let Some(g) = &cmd.getkeys {
        return g(argv);
    }
    let positions = crate::commands::getkeys::find_keys(cmd, argv)?;
    if let Some(flags) = crate::commands::getkeys::variable_key_flags(&cmd.name, argv) {
        return Some(
            positions
                .into_iter()
                .map(|(pos, _)| (pos, flags.clone()))
                .collect(),
        );
    }
    Some(
        positions
            .into_iter()
            .map(|(pos, spec)| {
                (
                    pos,
                    spec.map(|i| cmd.meta.key_specs[i].flags.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
    )
}

fn getkeys_impl(ctx: &mut Ctx, argv: &[Bytes], with_flags: bool) -> CmdResult {
    let target = &argv[2..];
    let Some(cmd) = ctx.srv.commands.lookup(target).cloned() else {
        return Err(CmdError::err("Invalid command specified"));
    };
    if !cmd.has_keys() {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !cmd.arity_ok(target.len()) {
        return Err(CmdError::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = match get_keys(&cmd, target) {
        Some(k) if !k.is_empty() => k,
        _ if cmd.has(cmd_flags::NO_MANDATORY_KEYS) => Vec::new(),
        _ => return Err(CmdError::err("Invalid arguments specified for command")),
    };
    let out = ctx.out();
    out.array_len(keys.len());
    for (pos, flags) in keys {
        if with_flags {
            out.array_len(2);
            out.bulk(&target[pos]);
            let ordered: Vec<&&str> = crate::command_table::KEY_FLAG_NAMES
                .iter()
                .filter(|n| flags.iter().any(|f| f == **n))
                .collect();
            out.set_len(ordered.len());
            for f in ordered {
                out.simple(f.as_bytes());
            }
        } else {
            out.bulk(&target[pos]);
        }
    }
    Ok(())
}

/// ```text
/// COMMAND GETKEYS command [arg [arg ...]]
/// ```
fn getkeys(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    getkeys_impl(ctx, argv, false)
}

/// ```text
/// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
/// ```
fn getkeysandflags(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    getkeys_impl(ctx, argv, true)
}

/// Replies with a `HELP` text: an array of status lines, as `addReplyHelp` does.
pub fn reply_help(out: &mut ReplyBuf, container: &str, lines: &[&str]) {
    let upper = container.to_ascii_uppercase();
    out.array_len(lines.len() + 3);
    out.simple(
        format!("{upper} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for l in lines {
        out.simple(l.as_bytes());
    }
    out.simple(b"HELP");
    out.simple(b"    Print this help.");
}

/// ```text
/// COMMAND HELP
/// ```
fn help(ctx: &mut Ctx, _: &[Bytes]) -> CmdResult {
    reply_help(
        ctx.out(),
        "command",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

/// The `modules` list of `HELLO` and `MODULE LIST`: one map per loaded module.
pub fn reply_module_list(ctx: &mut Ctx) {
    crate::commands::module::reply_loaded_modules(ctx);
}
