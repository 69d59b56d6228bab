//! Finding a command's key arguments: the key specs first, and the few commands whose
//! specs cannot say it alone (Redis's `getkeys_proc` functions).

use crate::command_table::Command;
use bytes::Bytes;

/// Positions of key arguments in `argv` (0 is the command name), each with the key spec
/// that describes it when known. `None` when the arguments are invalid.
pub fn find_keys(cmd: &Command, argv: &[Bytes]) -> Option<Vec<(usize, Option<usize>)>> {
    if let Some(g) = &cmd.getkeys {
        return Some(g(argv)?.into_iter().map(|(p, _)| (p, None)).collect());
    }
    let variable = cmd
        .meta
        .key_specs
        .iter()
        .any(|s| s.flags.iter().any(|f| f == "variable_flags"));
    if !cmd.meta.key_specs.is_empty() && !variable {
        if let Some(v) = cmd.key_positions(argv) {
            return Some(v.into_iter().map(|(p, s)| (p, Some(s))).collect());
        }
    }
    let name = cmd.name.as_str();
    let argc = argv.len();
    let lower = |i: usize| {
        argv.get(i)
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let keys: Vec<(usize, Option<usize>)> = match name {
        "set" => vec![(1, Some(0))],
        "sort" | "sort_ro" => {
            let mut v = vec![(1, Some(0))];
            if name == "sort" {
                let mut i = 2;
                while i < argc {
                    match lower(i).as_slice() {
                        b"limit" => i += 2,
                        b"get" | b"by" => i += 1,
                        b"store" if i + 1 < argc => {
                            v.push((i + 1, Some(1)));
                            i += 1;
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            v
        }
        "xread" | "xreadgroup" => {
            let start = (1..argc).find(|&i| lower(i) == b"streams")? + 1;
            let n = argc - start;
            if n == 0 || n % 2 != 0 {
                return None;
            }
            (start..start + n / 2).map(|i| (i, Some(0))).collect()
        }
        "migrate" => {
            if !argv.get(3).is_some_and(|k| k.is_empty()) {
                vec![(3, Some(0))]
            } else {
                let start = (6..argc).find(|&i| lower(i) == b"keys")? + 1;
                (start..argc).map(|i| (i, Some(1))).collect()
            }
        }
        "georadius" | "georadiusbymember" => {
            let mut v = vec![(1, Some(0))];
            for i in 2..argc.saturating_sub(1) {
                let w = lower(i);
                if w == b"store" || w == b"storedist" {
                    v.push((i + 1, Some(1)));
                }
            }
            v
        }
        "bitfield" => vec![(1, Some(0))],
        _ => cmd
            .key_positions(argv)?
            .into_iter()
            .map(|(p, s)| (p, Some(s)))
            .collect(),
    };
    Some(keys)
}

/// The key flags of commands whose flags depend on their arguments (key specs flagged
/// `variable_flags`): Redis's `setGetKeys` and `bitfieldGetKeys`.
pub fn variable_key_flags(cmd: &str, argv: &[Bytes]) -> Option<Vec<String>> {
    let own = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
    match cmd {
        "set" => {
            if argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get")) {
                own(&["RW", "access", "update"])
            } else {
                own(&["OW", "update"])
            }
        }
        "bitfield" => {
            let mut readonly = true;
            let mut i = 2;
            while i < argv.len() {
                let rem = argv.len() - i - 1;
                let a = &argv[i];
                if a.eq_ignore_ascii_case(b"get") && rem >= 2 {
                    i += 3;
                } else if (a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby"))
                    && rem >= 3
                {
                    readonly = false;
                    break;
                } else if a.eq_ignore_ascii_case(b"overflow") && rem >= 1 {
                    i += 2;
                } else {
                    readonly = false;
                    break;
                }
            }
            if readonly {
                own(&["RO", "access"])
            } else {
                own(&["RW", "access", "update"])
            }
        }
        _ => None,
    }
}
