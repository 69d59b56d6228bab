//! Reading a module's `RedisModuleCommandInfo` into our command metadata
//! (`RM_SetCommandInfo`'s validation and conversion). Arrays are walked with the element
//! sizes of the module's `RedisModuleCommandInfoVersion`, so a module built against an
//! older or newer header is read correctly.

use super::strings::cstr_bytes;
use crate::command_table::{ArgDoc, BeginSearch, CommandMeta, FindKeys, KeySpec};
use coil_modules_api::consts::*;
use coil_modules_api::{
    RedisModuleCommandArg, RedisModuleCommandHistoryEntry, RedisModuleCommandInfo,
    RedisModuleCommandInfoVersion, RedisModuleCommandKeySpec,
};
use std::os::raw::c_char;

/// Why an info was refused (`errno` and a log line, as Redis).
#[derive(Debug)]
pub enum InfoError {
    /// Invalid content: `EINVAL`, with the message Redis logs.
    Invalid(String),
    /// Info was already set: `EEXIST`.
    Exists,
}

fn s(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: a C string from the module's info struct.
        Some(String::from_utf8_lossy(unsafe { cstr_bytes(p) }).into_owned())
    }
}

/// Element `i` of an array whose elements are `size` bytes long in the module.
///
/// # Safety
/// `base` must point to an array with at least `i + 1` elements of `size` bytes, each
/// starting with the fields of `T`.
unsafe fn at<'a, T>(base: *const T, size: usize, i: usize) -> &'a T {
    // SAFETY: promised by the caller.
    unsafe { &*((base as *const u8).add(size * i) as *const T) }
}

/// Key-spec flag names from `REDISMODULE_CMD_KEY_*` bits, in `COMMAND INFO`'s order.
pub fn key_flag_names(bits: u64) -> Vec<String> {
    let map: [(u64, &str); 11] = [
        (REDISMODULE_CMD_KEY_RO, "RO"),
        (REDISMODULE_CMD_KEY_RW, "RW"),
        (REDISMODULE_CMD_KEY_OW, "OW"),
        (REDISMODULE_CMD_KEY_RM, "RM"),
        (REDISMODULE_CMD_KEY_ACCESS, "access"),
        (REDISMODULE_CMD_KEY_UPDATE, "update"),
        (REDISMODULE_CMD_KEY_INSERT, "insert"),
        (REDISMODULE_CMD_KEY_DELETE, "delete"),
        (REDISMODULE_CMD_KEY_NOT_KEY, "not_key"),
        (REDISMODULE_CMD_KEY_INCOMPLETE, "incomplete"),
        (REDISMODULE_CMD_KEY_VARIABLE_FLAGS, "variable_flags"),
    ];
    map.iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Validates `info` and applies it to `meta`, as `RM_SetCommandInfo` does.
///
/// # Safety
/// `info` must point to a module's command info whose arrays are terminated as the API
/// requires.
pub unsafe fn apply(
    meta: &mut CommandMeta,
    info: *const RedisModuleCommandInfo,
) -> Result<(), InfoError> {
    // SAFETY: promised by the caller.
    let Some(info) = (unsafe { info.as_ref() }) else {
        return Err(InfoError::Invalid(
            "Invalid command info: version missing".into(),
        ));
    };
    // SAFETY: the version pointer of the module's info (or null).
    let Some(ver) = (unsafe { info.version.as_ref() }) else {
        return Err(InfoError::Invalid(
            "Invalid command info: version missing".into(),
        ));
    };
    // SAFETY: the module's arrays, read with its element sizes.
    let (history, specs, args) = unsafe {
        (
            read_history(info, ver)?,
            read_key_specs(info, ver)?,
            read_args(info.args, ver)?,
        )
    };
    let d = &meta.docs;
    let legacy_only = meta.key_specs.is_empty()
        || (meta.key_specs.len() == 1
            && matches!(meta.key_specs[0].begin_search, BeginSearch::Index { .. })
            && matches!(meta.key_specs[0].find_keys, FindKeys::Range { .. }));
    if d.summary.is_some()
        || d.complexity.is_some()
        || d.since.is_some()
        || !d.history.is_empty()
        || !meta.tips.is_empty()
        || !d.arguments.is_empty()
        || !legacy_only
    {
        return Err(InfoError::Exists);
    }
    meta.docs.summary = s(info.summary);
    meta.docs.complexity = s(info.complexity);
    meta.docs.since = s(info.since);
    meta.docs.history = history;
    if let Some(t) = s(info.tips) {
        meta.tips = t.split(' ').map(|x| x.to_string()).collect();
    }
    if info.arity != 0 {
        meta.arity = i64::from(info.arity);
    }
    if let Some(specs) = specs {
        meta.key_specs = specs;
    }
    meta.docs.arguments = args;
    Ok(())
}

unsafe fn read_history(
    info: &RedisModuleCommandInfo,
    ver: &RedisModuleCommandInfoVersion,
) -> Result<Vec<(String, String)>, InfoError> {
    let mut out = Vec::new();
    if info.history.is_null() {
        return Ok(out);
    }
    for j in 0.. {
        // SAFETY: the history array ends with an entry whose `since` is NULL.
        let e: &RedisModuleCommandHistoryEntry =
            unsafe { at(info.history, ver.sizeof_historyentry, j) };
        let Some(since) = s(e.since) else { break };
        let Some(changes) = s(e.changes) else {
            return Err(InfoError::Invalid(format!(
                "Invalid command info: history[{j}].changes missing"
            )));
        };
        out.push((since, changes));
    }
    Ok(out)
}

unsafe fn read_key_specs(
    info: &RedisModuleCommandInfo,
    ver: &RedisModuleCommandInfoVersion,
) -> Result<Option<Vec<KeySpec>>, InfoError> {
    if info.key_specs.is_null() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for j in 0.. {
        // SAFETY: the array ends with a spec whose begin_search_type is 0.
        let spec: &RedisModuleCommandKeySpec = unsafe { at(info.key_specs, ver.sizeof_keyspec, j) };
        if spec.begin_search_type == 0 {
            break;
        }
        let access = REDISMODULE_CMD_KEY_RO
            | REDISMODULE_CMD_KEY_RW
            | REDISMODULE_CMD_KEY_OW
            | REDISMODULE_CMD_KEY_RM;
        let write =
            REDISMODULE_CMD_KEY_INSERT | REDISMODULE_CMD_KEY_DELETE | REDISMODULE_CMD_KEY_UPDATE;
        if !(spec.flags & access).is_power_of_two() {
            return Err(InfoError::Invalid(format!("Invalid command info: key_specs[{j}].flags: Exactly one of the flags RO, RW, OW, RM required")));
        }
        if spec.flags & write != 0 && !(spec.flags & write).is_power_of_two() {
            return Err(InfoError::Invalid(format!("Invalid command info: key_specs[{j}].flags: INSERT, DELETE and UPDATE are mutually exclusive")));
        }
        let begin_search = match spec.begin_search_type {
            REDISMODULE_KSPEC_BS_UNKNOWN => BeginSearch::Unknown {},
            REDISMODULE_KSPEC_BS_INDEX => {
                // SAFETY: the union member named by the type.
                let pos = unsafe { spec.bs.index.pos };
                BeginSearch::Index {
                    index: i64::from(pos),
                }
            }
            REDISMODULE_KSPEC_BS_KEYWORD => {
                // SAFETY: as above.
                let kw = unsafe { spec.bs.keyword };
                let Some(keyword) = s(kw.keyword) else {
                    return Err(InfoError::Invalid(format!("Invalid command info: key_specs[{j}].bs.keyword.keyword required when begin_search_type is KEYWORD")));
                };
                BeginSearch::Keyword {
                    keyword,
                    startfrom: i64::from(kw.startfrom),
                }
            }
            t => {
                return Err(InfoError::Invalid(format!(
                    "Invalid command info: key_specs[{j}].begin_search_type: Invalid value {t}"
                )))
            }
        };
        let find_keys = match spec.find_keys_type {
            REDISMODULE_KSPEC_FK_OMITTED => FindKeys::Range {
                lastkey: 0,
                keystep: 1,
                limit: 0,
            },
            REDISMODULE_KSPEC_FK_UNKNOWN => FindKeys::Unknown {},
            REDISMODULE_KSPEC_FK_RANGE => {
                // SAFETY: the union member named by the type.
                let r = unsafe { spec.fk.range };
                FindKeys::Range {
                    lastkey: i64::from(r.lastkey),
                    keystep: i64::from(r.keystep),
                    limit: i64::from(r.limit),
                }
            }
            REDISMODULE_KSPEC_FK_KEYNUM => {
                // SAFETY: as above.
                let k = unsafe { spec.fk.keynum };
                FindKeys::Keynum {
                    keynumidx: i64::from(k.keynumidx),
                    firstkey: i64::from(k.firstkey),
                    keystep: i64::from(k.keystep),
                }
            }
            t => {
                return Err(InfoError::Invalid(format!(
                    "Invalid command info: key_specs[{j}].find_keys_type: Invalid value {t}"
                )))
            }
        };
        out.push(KeySpec {
            notes: s(spec.notes),
            flags: key_flag_names(spec.flags),
            begin_search,
            find_keys,
        });
    }
    Ok(Some(out))
}

const ARG_TYPES: [&str; 9] = [
    "string",
    "integer",
    "double",
    "key",
    "pattern",
    "unix-time",
    "pure-token",
    "oneof",
    "block",
];

unsafe fn read_args(
    args: *mut RedisModuleCommandArg,
    ver: &RedisModuleCommandInfoVersion,
) -> Result<Vec<ArgDoc>, InfoError> {
    let mut out = Vec::new();
    if args.is_null() {
        return Ok(out);
    }
    for j in 0.. {
        // SAFETY: the array ends with an argument whose name is NULL.
        let a: &RedisModuleCommandArg = unsafe { at(args, ver.sizeof_arg, j) };
        let Some(name) = s(a.name) else { break };
        let Some(kind) = usize::try_from(a.type_).ok().and_then(|t| ARG_TYPES.get(t)) else {
            return Err(InfoError::Invalid(format!(
                "Invalid command info: Argument \"{name}\": Undefined type {}",
                a.type_
            )));
        };
        if a.type_ == REDISMODULE_ARG_TYPE_PURE_TOKEN && a.token.is_null() {
            return Err(InfoError::Invalid(format!(
                "Invalid command info: Argument \"{name}\": token required when type is PURE_TOKEN"
            )));
        }
        if a.type_ == REDISMODULE_ARG_TYPE_KEY {
            if a.key_spec_index < 0 {
                return Err(InfoError::Invalid(format!("Invalid command info: Argument \"{name}\": key_spec_index required when type is KEY")));
            }
        } else if a.key_spec_index != -1 && a.key_spec_index != 0 {
            return Err(InfoError::Invalid(format!("Invalid command info: Argument \"{name}\": key_spec_index specified but type isn't KEY")));
        }
        if a.flags & !(_REDISMODULE_CMD_ARG_NEXT - 1) != 0 {
            return Err(InfoError::Invalid(format!(
                "Invalid command info: Argument \"{name}\": Invalid flags"
            )));
        }
        let nested = a.type_ == REDISMODULE_ARG_TYPE_ONEOF || a.type_ == REDISMODULE_ARG_TYPE_BLOCK;
        let sub = if nested {
            if a.subargs.is_null() {
                return Err(InfoError::Invalid(format!("Invalid command info: Argument \"{name}\": subargs required when type is ONEOF or BLOCK")));
            }
            // SAFETY: the sub-argument array, terminated the same way.
            unsafe { read_args(a.subargs, ver)? }
        } else {
            if !a.subargs.is_null() {
                return Err(InfoError::Invalid(format!("Invalid command info: Argument \"{name}\": subargs specified but type isn't ONEOF nor BLOCK")));
            }
            Vec::new()
        };
        let mut flags = Vec::new();
        for (bit, n) in [
            (REDISMODULE_CMD_ARG_OPTIONAL, "optional"),
            (REDISMODULE_CMD_ARG_MULTIPLE, "multiple"),
            (REDISMODULE_CMD_ARG_MULTIPLE_TOKEN, "multiple_token"),
        ] {
            if a.flags & bit != 0 {
                flags.push(n.to_string());
            }
        }
        out.push(ArgDoc {
            name,
            kind: kind.to_string(),
            display_text: s(a.display_text),
            key_spec_index: (a.type_ == REDISMODULE_ARG_TYPE_KEY)
                .then_some(i64::from(a.key_spec_index)),
            token: s(a.token),
            summary: s(a.summary),
            since: s(a.since),
            deprecated_since: s(a.deprecated_since),
            flags,
            arguments: sub,
        });
    }
    Ok(out)
}

/// The legacy (first, last, step) triple and whether keys are movable, from key specs
/// (Redis's `populateCommandLegacyRangeSpec`).
pub fn legacy_range(specs: &[KeySpec]) -> (i64, i64, i64, bool) {
    let incomplete = |s: &KeySpec| s.flags.iter().any(|f| f == "incomplete");
    if specs.is_empty() {
        return (0, 0, 0, false);
    }
    if specs.len() == 1 {
        if let (
            BeginSearch::Index { index },
            FindKeys::Range {
                lastkey, keystep, ..
            },
        ) = (&specs[0].begin_search, &specs[0].find_keys)
        {
            let last = if *lastkey >= 0 {
                lastkey + index
            } else {
                *lastkey
            };
            return (*index, last, *keystep, incomplete(&specs[0]));
        }
    }
    let mut movable = false;
    let (mut first, mut last, mut prev_last) = (i64::MAX, 0i64, 0i64);
    for s in specs {
        let (
            BeginSearch::Index { index },
            FindKeys::Range {
                lastkey, keystep, ..
            },
        ) = (&s.begin_search, &s.find_keys)
        else {
            movable = true;
            continue;
        };
        if *keystep != 1 || (prev_last != 0 && prev_last != index - 1) {
            movable = true;
            continue;
        }
        if incomplete(s) {
            movable = true;
        }
        first = first.min(*index);
        let abs = if *lastkey >= 0 {
            lastkey + index
        } else {
            *lastkey
        };
        // Redis compares as unsigned, so a negative (relative-to-end) index wins.
        last = if (abs as u32) > (last as u32) {
            abs
        } else {
            last
        };
        prev_last = last;
    }
    if first == i64::MAX {
        return (0, 0, 0, true);
    }
    (first, last, 1, movable)
}
