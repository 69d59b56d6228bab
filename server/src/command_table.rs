//! The command table: each command's metadata (from `server/commands/*.json`) bound to
//! its handler.
//!
//! The metadata files record what Redis 7.4 reports for each command through `COMMAND
//! INFO` and `COMMAND DOCS` (arity, flags, key specs, ACL categories, docs). They are the
//! single source for those replies, for arity checks, and for finding a command's keys.
//! A command is served only once a family registers a handler for it.

use crate::ctx::Ctx;
use crate::error::CmdResult;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/command_files.rs"));

/// A command's flags as bits.
pub mod cmd_flags {
    /// May modify the dataset.
    pub const WRITE: u64 = 1 << 0;
    /// Reads the dataset without modifying it.
    pub const READONLY: u64 = 1 << 1;
    /// Refused when over `maxmemory`.
    pub const DENYOOM: u64 = 1 << 2;
    /// A module command.
    pub const MODULE: u64 = 1 << 3;
    /// An administrative command.
    pub const ADMIN: u64 = 1 << 4;
    /// A Pub/Sub command.
    pub const PUBSUB: u64 = 1 << 5;
    /// Not allowed from scripts.
    pub const NOSCRIPT: u64 = 1 << 6;
    /// May block the client.
    pub const BLOCKING: u64 = 1 << 7;
    /// Allowed while loading.
    pub const LOADING: u64 = 1 << 8;
    /// Allowed on a stale replica.
    pub const STALE: u64 = 1 << 9;
    /// Not shown to `MONITOR`.
    pub const SKIP_MONITOR: u64 = 1 << 10;
    /// Not logged by the slow log.
    pub const SKIP_SLOWLOG: u64 = 1 << 11;
    /// Cluster `ASKING`.
    pub const ASKING: u64 = 1 << 12;
    /// O(1) or O(log N).
    pub const FAST: u64 = 1 << 13;
    /// Allowed before authentication.
    pub const NO_AUTH: u64 = 1 << 14;
    /// May replicate even though not a write (hidden).
    pub const MAY_REPLICATE: u64 = 1 << 15;
    /// Sentinel command (hidden).
    pub const SENTINEL: u64 = 1 << 16;
    /// Sentinel only (hidden).
    pub const ONLY_SENTINEL: u64 = 1 << 17;
    /// Has key arguments that may all be missing.
    pub const NO_MANDATORY_KEYS: u64 = 1 << 18;
    /// Needs `enable-*-command` (hidden).
    pub const PROTECTED: u64 = 1 << 19;
    /// Not allowed during async loading.
    pub const NO_ASYNC_LOADING: u64 = 1 << 20;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u64 = 1 << 21;
    /// Key positions depend on the arguments.
    pub const MOVABLE_KEYS: u64 = 1 << 22;
    /// Allowed while a script or module is busy.
    pub const ALLOW_BUSY: u64 = 1 << 23;
    /// Touches keys not named in its arguments (hidden).
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 24;

    /// Names as `COMMAND INFO` prints them, in Redis's order; hidden ones are not printed.
    pub const NAMES: &[(u64, &str, bool)] = &[
        (WRITE, "write", true),
        (READONLY, "readonly", true),
        (DENYOOM, "denyoom", true),
        (MODULE, "module", true),
        (ADMIN, "admin", true),
        (PUBSUB, "pubsub", true),
        (NOSCRIPT, "noscript", true),
        (BLOCKING, "blocking", true),
        (LOADING, "loading", true),
        (STALE, "stale", true),
        (SKIP_MONITOR, "skip_monitor", true),
        (SKIP_SLOWLOG, "skip_slowlog", true),
        (ASKING, "asking", true),
        (FAST, "fast", true),
        (NO_AUTH, "no_auth", true),
        (MAY_REPLICATE, "may_replicate", false),
        (SENTINEL, "sentinel", false),
        (ONLY_SENTINEL, "only_sentinel", false),
        (NO_MANDATORY_KEYS, "no_mandatory_keys", true),
        (PROTECTED, "protected", false),
        (NO_ASYNC_LOADING, "no_async_loading", true),
        (NO_MULTI, "no_multi", true),
        (MOVABLE_KEYS, "movablekeys", true),
        (ALLOW_BUSY, "allow_busy", true),
        (TOUCHES_ARBITRARY_KEYS, "touches_arbitrary_keys", false),
    ];

    /// Bit of a flag name (case-insensitive).
    pub fn from_name(name: &str) -> Option<u64> {
        NAMES
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
            .map(|(b, _, _)| *b)
    }
}

/// Key-spec flags as `COMMAND INFO` names them, in order.
pub const KEY_FLAG_NAMES: &[&str] = &[
    "RO",
    "RW",
    "OW",
    "RM",
    "access",
    "update",
    "insert",
    "delete",
    "not_key",
    "incomplete",
    "variable_flags",
];

/// Where a key spec starts looking for keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index {
        /// The index (1 is the first argument after the command name).
        index: i64,
    },
    /// After a keyword.
    Keyword {
        /// The keyword, e.g. `STREAMS`.
        keyword: String,
        /// Where to start searching (negative: from the end, backwards).
        startfrom: i64,
    },
    /// Unknown (the command's own getkeys logic decides).
    Unknown {},
}

/// How a key spec finds keys once it has started.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FindKeys {
    /// A range of arguments.
    Range {
        /// Last key, relative to the start (negative: from the end).
        lastkey: i64,
        /// Step between keys.
        keystep: i64,
        /// With `lastkey` -1: take 1/limit of the remaining arguments.
        limit: i64,
    },
    /// A count argument followed by keys.
    Keynum {
        /// Index of the count, relative to the start.
        keynumidx: i64,
        /// First key, relative to the start.
        firstkey: i64,
        /// Step between keys.
        keystep: i64,
    },
    /// Unknown.
    Unknown {},
}

/// One key spec.
#[derive(Debug, Clone, Deserialize)]
pub struct KeySpec {
    /// Free-text notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Flags (`RW`, `access`, ...).
    pub flags: Vec<String>,
    /// Start of the search.
    pub begin_search: BeginSearch,
    /// Key finding.
    pub find_keys: FindKeys,
}

/// One argument in `COMMAND DOCS`.
#[derive(Debug, Clone, Deserialize)]
pub struct ArgDoc {
    /// Name.
    pub name: String,
    /// Type (`key`, `string`, `oneof`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Display text.
    #[serde(default)]
    pub display_text: Option<String>,
    /// Key spec index for key arguments.
    #[serde(default)]
    pub key_spec_index: Option<i64>,
    /// Token.
    #[serde(default)]
    pub token: Option<String>,
    /// Summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Version the argument appeared in.
    #[serde(default)]
    pub since: Option<String>,
    /// Version it was deprecated in.
    #[serde(default)]
    pub deprecated_since: Option<String>,
    /// `optional`, `multiple`, `multiple_token`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Nested arguments of a `oneof` or `block`.
    #[serde(default)]
    pub arguments: Vec<ArgDoc>,
}

/// `COMMAND DOCS` fields.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct CommandDocs {
    /// One-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// First version.
    #[serde(default)]
    pub since: Option<String>,
    /// Group (`string`, `server`, ...).
    #[serde(default)]
    pub group: String,
    /// Complexity.
    #[serde(default)]
    pub complexity: Option<String>,
    /// `deprecated`, `syscmd`.
    #[serde(default)]
    pub doc_flags: Vec<String>,
    /// Deprecated since.
    #[serde(default)]
    pub deprecated_since: Option<String>,
    /// Replacement.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// (version, change) pairs.
    #[serde(default)]
    pub history: Vec<(String, String)>,
    /// Arguments.
    #[serde(default)]
    pub arguments: Vec<ArgDoc>,
}

/// A command's metadata file.
#[derive(Debug, Clone, Deserialize)]
pub struct CommandMeta {
    /// Full lower-case name (`config|get` for a subcommand).
    pub name: String,
    /// Arity: exact argument count (name included) when positive, minimum when negative.
    pub arity: i64,
    /// Flag names.
    pub flags: Vec<String>,
    /// Legacy first key.
    pub first_key: i64,
    /// Legacy last key.
    pub last_key: i64,
    /// Legacy key step.
    pub key_step: i64,
    /// ACL categories, `@` included.
    pub acl_categories: Vec<String>,
    /// Tips.
    pub tips: Vec<String>,
    /// Key specs.
    pub key_specs: Vec<KeySpec>,
    /// Documentation.
    pub docs: CommandDocs,
    /// Subcommands.
    #[serde(default)]
    pub subcommands: Vec<CommandMeta>,
}

/// A command handler: the context and the arguments (`argv[0]` is the command name).
pub type NativeHandler = fn(&mut Ctx, &[bytes::Bytes]) -> CmdResult;

/// A handler created at runtime (module commands).
pub type DynHandler = Arc<dyn Fn(&mut Ctx, &[bytes::Bytes]) -> CmdResult + Send + Sync>;

/// A command's own key finder (module commands with `getkeys-api`): key positions in
/// `argv` with their key-spec flag names; `None` when the arguments are invalid.
pub type GetKeysFn =
    Arc<dyn Fn(&[bytes::Bytes]) -> Option<Vec<(usize, Vec<String>)>> + Send + Sync>;

/// What runs a command.
#[derive(Clone)]
pub enum Handler {
    /// A built-in command.
    Native(NativeHandler),
    /// A command provided at runtime (module commands).
    Dynamic(DynHandler),
    /// A container whose subcommand was missing or unknown.
    Container,
}

/// A servable command.
pub struct Command {
    /// Full lower-case name (`get`, `config|get`).
    pub name: String,
    /// Container name for subcommands.
    pub parent: Option<String>,
    /// Metadata.
    pub meta: CommandMeta,
    /// Flag bits.
    pub flags: u64,
    /// Handler.
    pub handler: Handler,
    /// Subcommands by lower-case name.
    pub subcommands: HashMap<Vec<u8>, Arc<Command>>,
    /// Index into the server's per-command statistics.
    pub id: usize,
    /// Name of the module that registered it.
    pub module: Option<String>,
    /// Its own key finder, when key specs cannot say (module `getkeys-api` commands).
    pub getkeys: Option<GetKeysFn>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Command({})", self.name)
    }
}

impl Command {
    /// True if `argc` arguments (name included) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.meta.arity;
        if a > 0 {
            argc as i64 == a
        } else {
            argc as i64 >= -a
        }
    }

    /// True for any of `bits`.
    #[inline]
    pub fn has(&self, bits: u64) -> bool {
        self.flags & bits != 0
    }

    /// The name as error messages show it: `config|get` for subcommands.
    pub fn fullname(&self) -> &str {
        &self.name
    }

    /// True if the command declares key arguments.
    pub fn has_keys(&self) -> bool {
        !self.meta.key_specs.is_empty() || self.has(cmd_flags::MOVABLE_KEYS)
    }

    /// Positions of key arguments in `argv` (index 0 is the command name), each with the
    /// index of the key spec that found it: Redis's `getKeysUsingKeySpecs`. `None` when a
    /// spec cannot be applied to these arguments (unknown, incomplete or out of range).
    pub fn key_positions(&self, argv: &[bytes::Bytes]) -> Option<Vec<(usize, usize)>> {
        let argc = argv.len() as i64;
        let mut out = Vec::new();
        for (spec_i, spec) in self.meta.key_specs.iter().enumerate() {
            if spec.flags.iter().any(|f| f == "not_key") {
                continue;
            }
            let mut first = match &spec.begin_search {
                BeginSearch::Index { index } => *index,
                BeginSearch::Keyword { keyword, startfrom } => {
                    let start = if *startfrom > 0 {
                        *startfrom
                    } else {
                        argc + startfrom
                    };
                    let end = if *startfrom > 0 { argc - 1 } else { 1 };
                    let mut i = start;
                    let mut found = 0;
                    while i != end {
                        if i >= argc || i < 1 {
                            break;
                        }
                        if argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
                            found = i + 1;
                            break;
                        }
                        i = if start <= end { i + 1 } else { i - 1 };
                    }
                    if found == 0 {
                        continue;
                    }
                    found
                }
                BeginSearch::Unknown {} => return None,
            };
            let (last, step) = match &spec.find_keys {
                FindKeys::Range {
                    lastkey,
                    keystep,
                    limit,
                } => {
                    let last = if *lastkey >= 0 {
                        first + lastkey
                    } else if *limit == 0 {
                        argc + lastkey
                    } else {
                        first + ((argc - first) / limit + lastkey)
                    };
                    (last, *keystep)
                }
                FindKeys::Keynum {
                    keynumidx,
                    firstkey,
                    keystep,
                } => {
                    if *keynumidx >= argc || first + keynumidx >= argc {
                        return None;
                    }
                    let n = crate::util::parse_i64(&argv[(first + keynumidx) as usize])
                        .filter(|n| *n >= 0)?;
                    first += firstkey;
                    (first + n - 1, *keystep)
                }
                FindKeys::Unknown {} => return None,
            };
            if last >= argc || last < first || first >= argc {
                return None;
            }
            let step = step.max(1);
            let mut i = first;
            while i <= last {
                out.push((i as usize, spec_i));
                i += step;
            }
            if spec.flags.iter().any(|f| f == "incomplete") {
                return None;
            }
        }
        Some(out)
    }
}

/// All commands, by lower-case name.
#[derive(Default)]
pub struct CommandTable {
    /// Top-level commands.
    pub commands: HashMap<Vec<u8>, Arc<Command>>,
    /// Number of ids handed out (top-level and subcommands).
    pub next_id: usize,
    /// Names of every command ever registered, by id (for stats after unload).
    pub names: Vec<String>,
}

impl CommandTable {
    /// Looks a command up by its arguments: `argv[0]`, and `argv[1]` for containers.
    /// Returns the container itself when the subcommand is missing or unknown.
    #[inline]
    pub fn lookup(&self, argv: &[bytes::Bytes]) -> Option<&Arc<Command>> {
        let mut buf = [0u8; 64];
        let name = crate::util::lower_into(argv.first()?, &mut buf)?;
        let cmd = self.commands.get(name)?;
        if cmd.subcommands.is_empty() || argv.len() < 2 {
            return Some(cmd);
        }
        let mut buf2 = [0u8; 64];
        match crate::util::lower_into(&argv[1], &mut buf2).and_then(|s| cmd.subcommands.get(s)) {
            Some(sub) => Some(sub),
            None => Some(cmd),
        }
    }

    /// Looks up `name` or `container|sub`.
    pub fn lookup_name(&self, name: &str) -> Option<&Arc<Command>> {
        let lower = name.to_ascii_lowercase();
        match lower.split_once('|') {
            Some((c, s)) => self
                .commands
                .get(c.as_bytes())?
                .subcommands
                .get(s.as_bytes()),
            None => self.commands.get(lower.as_bytes()),
        }
    }

    /// Every command and subcommand.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Command>> {
        self.commands
            .values()
            .flat_map(|c| std::iter::once(c).chain(c.subcommands.values()))
    }
}

/// Builds the table from the embedded metadata and the handlers the families register.
pub struct Registry {
    metas: HashMap<String, CommandMeta>,
    handlers: HashMap<String, NativeHandler>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// Parses every embedded metadata file.
    pub fn new() -> Registry {
        let mut metas = HashMap::new();
        for (stem, text) in COMMAND_FILES {
            let meta: CommandMeta = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("bad command metadata {stem}.json: {e}"));
            metas.insert(meta.name.clone(), meta);
        }
        Registry {
            metas,
            handlers: HashMap::new(),
        }
    }

    /// Binds a handler to a command (`"get"`) or subcommand (`"config|get"`).
    pub fn add(&mut self, name: &str, handler: NativeHandler) {
        let prev = self.handlers.insert(name.to_string(), handler);
        assert!(prev.is_none(), "command {name} registered twice");
    }

    /// The metadata of a command, if Redis has one by that name.
    pub fn meta(&self, name: &str) -> Option<&CommandMeta> {
        match name.split_once('|') {
            Some((c, s)) => self
                .metas
                .get(c)?
                .subcommands
                .iter()
                .find(|m| m.name == name || m.name.ends_with(&format!("|{s}"))),
            None => self.metas.get(name),
        }
    }

    /// Builds the table: only commands with handlers are served; a container is served
    /// when at least one of its subcommands is.
    pub fn build(self) -> CommandTable {
        let mut t = CommandTable::default();
        let mut names: Vec<_> = self.metas.keys().cloned().collect();
        names.sort();
        for name in names {
            let meta = &self.metas[&name];
            let mut subs = HashMap::new();
            for sm in &meta.subcommands {
                if let Some(h) = self.handlers.get(&sm.name) {
                    let sub_name = sm
                        .name
                        .split_once('|')
                        .map(|(_, s)| s)
                        .unwrap_or(&sm.name)
                        .to_string();
                    let cmd =
                        make_command(&mut t, sm.clone(), Handler::Native(*h), Some(name.clone()));
                    subs.insert(sub_name.into_bytes(), Arc::new(cmd));
                }
            }
            let handler = match self.handlers.get(&name) {
                Some(h) => Handler::Native(*h),
                None if !subs.is_empty() => Handler::Container,
                None => continue,
            };
            let mut cmd = make_command(&mut t, meta.clone(), handler, None);
            cmd.subcommands = subs;
            t.commands.insert(name.into_bytes(), Arc::new(cmd));
        }
        for name in self.handlers.keys() {
            let (top, _) = name.split_once('|').unwrap_or((name, ""));
            assert!(
                self.metas.contains_key(top),
                "handler for {name} has no metadata"
            );
        }
        t
    }
}

/// Creates a command with a fresh statistics id.
pub fn make_command(
    t: &mut CommandTable,
    meta: CommandMeta,
    handler: Handler,
    parent: Option<String>,
) -> Command {
    let flags = meta
        .flags
        .iter()
        .filter_map(|f| cmd_flags::from_name(f))
        .fold(0, |a, b| a | b);
    let id = t.next_id;
    t.next_id += 1;
    t.names.push(meta.name.clone());
    Command {
        name: meta.name.clone(),
        parent,
        flags,
        handler,
        subcommands: HashMap::new(),
        id,
        module: None,
        getkeys: None,
        meta,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_parses_and_keys_are_found() {
        let r = Registry::new();
        assert!(r.meta("get").is_some());
        assert!(r.meta("config|get").is_some());
        let mut reg = Registry::new();
        fn h(_: &mut Ctx, _: &[bytes::Bytes]) -> CmdResult {
            Ok(())
        }
        reg.add("mset", h);
        reg.add("xread", h);
        reg.add("zunionstore", h);
        reg.add("config|get", h);
        let t = reg.build();
        let argv = |s: &str| {
            s.split(' ')
                .map(|x| bytes::Bytes::copy_from_slice(x.as_bytes()))
                .collect::<Vec<_>>()
        };
        let mset = t.lookup(&argv("MSET a 1 b 2")).unwrap();
        assert_eq!(
            mset.key_positions(&argv("MSET a 1 b 2"))
                .unwrap()
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![1, 3]
        );
        let x = t.lookup(&argv("xread")).unwrap();
        let a = argv("XREAD COUNT 2 STREAMS s1 s2 0 0");
        assert_eq!(
            x.key_positions(&a)
                .unwrap()
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![4, 5]
        );
        let z = t.lookup(&argv("zunionstore")).unwrap();
        let a = argv("ZUNIONSTORE d 2 a b WEIGHTS 1 2");
        assert_eq!(
            z.key_positions(&a)
                .unwrap()
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![1, 3, 4]
        );
        assert!(z.key_positions(&argv("ZUNIONSTORE d 0 a")).is_none());
        let cg = t.lookup(&argv("CONFIG GET x")).unwrap();
        assert_eq!(cg.name, "config|get");
        assert!(t.lookup(&argv("GET")).is_none());
    }
}
