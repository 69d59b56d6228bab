//! Configuration: `redis.conf`-style files, `--directive value` overrides, `CONFIG GET`
//! and `CONFIG SET`.
//!
//! Every directive Redis 7.4 knows is in [`defs::DEFS`] and is accepted, validated and
//! reported the same way. The value of record is the canonical text in `values` (what
//! `CONFIG GET` prints); the typed fields of [`Config`] are a cache that
//! [`Config::refresh`] rebuilds after each change, so hot paths read plain fields.
//! Directives Coil does not act on (replication, cluster, TLS...) are stored and
//! reported; README lists them.

pub mod defs;
pub mod notify;

use std::collections::HashMap;

pub use notify::*;

/// Flags of a directive.
pub mod flags {
    /// Only settable at start-up.
    pub const IMMUTABLE: u32 = 1;
    /// Value is redacted from logs and `MONITOR`.
    pub const SENSITIVE: u32 = 2;
    /// A developer directive.
    pub const DEBUG: u32 = 4;
    /// Takes several arguments on one line.
    pub const MULTI_ARG: u32 = 8;
    /// Not listed by `CONFIG GET *`.
    pub const HIDDEN: u32 = 16;
    /// Settable at runtime only when `enable-protected-configs` allows it.
    pub const PROTECTED: u32 = 32;
    /// Not settable while loading.
    pub const DENY_LOADING: u32 = 64;
    /// Value may change without `CONFIG SET`.
    pub const VOLATILE: u32 = 128;
}

/// The value type of a directive.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// Free text.
    Str {
        /// An empty value means "unset".
        empty_is_null: bool,
    },
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    /// An integer within bounds; memory directives accept `1gb`-style units.
    Int {
        /// Lowest accepted value.
        min: i64,
        /// Highest accepted value.
        max: i64,
        /// Accepts memory units.
        memory: bool,
        /// Also accepts `N%` (stored as `-N`).
        percent: bool,
    },
    /// Parsed by its own rules (`save`, `client-output-buffer-limit`, ...).
    Special,
}

/// One directive's definition.
#[derive(Debug)]
pub struct ConfigDef {
    /// Canonical name.
    pub name: &'static str,
    /// Old name still accepted.
    pub alias: Option<&'static str>,
    /// Value type.
    pub kind: Kind,
    /// Default value in canonical form (specials: see [`special_default`]).
    pub default: &'static str,
    /// [`flags`] bits.
    pub flags: u32,
}

/// Redis's `protected-action` values (`enable-debug-command` and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protected {
    /// Never allowed at runtime.
    No,
    /// Always allowed.
    Yes,
    /// Allowed from loopback and Unix-socket connections.
    Local,
}

/// A class of clients for `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputLimit {
    /// Disconnect at once past this many bytes (0: no limit).
    pub hard: u64,
    /// Disconnect when above this for `soft_seconds` (0: no limit).
    pub soft: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// The configuration in force.
#[derive(Debug, Clone)]
pub struct Config {
    values: Vec<String>,
    index: HashMap<&'static str, usize>,
    /// Module-registered directives (`<module>.<name>`), by full name.
    pub module_values: HashMap<String, String>,
    /// The file given on the command line, if any (for `CONFIG REWRITE`, `INFO`).
    pub config_file: Option<String>,
    /// `loadmodule` directives, in order: path and arguments.
    pub load_modules: Vec<(String, Vec<String>)>,
    /// A `save` line was read from a file (later lines add save points).
    save_seen: bool,

    /// `port`
    pub port: u16,
    /// `bind`
    pub bind: Vec<String>,
    /// `unixsocket`
    pub unixsocket: Option<String>,
    /// `unixsocketperm`
    pub unixsocketperm: u32,
    /// `protected-mode`
    pub protected_mode: bool,
    /// `maxclients`
    pub maxclients: usize,
    /// `timeout` in seconds (0: never)
    pub timeout: u64,
    /// `tcp-keepalive` in seconds (0: off)
    pub tcp_keepalive: u64,
    /// `tcp-backlog`
    pub tcp_backlog: i32,
    /// `databases`
    pub databases: usize,
    /// `loglevel`
    pub loglevel: String,
    /// `logfile` (empty: standard output)
    pub logfile: String,
    /// `hz`
    pub hz: u32,
    /// `client-query-buffer-limit`
    pub client_query_buffer_limit: usize,
    /// `proto-max-bulk-len`
    pub proto_max_bulk_len: i64,
    /// `client-output-buffer-limit` for normal, replica and pubsub clients.
    pub output_limits: [OutputLimit; 3],
    /// `maxmemory`
    pub maxmemory: u64,
    /// `maxmemory-policy`
    pub maxmemory_policy: String,
    /// `maxmemory-samples`
    pub maxmemory_samples: usize,
    /// `notify-keyspace-events`
    pub notify_flags: u32,
    /// `save`: (seconds, changes) pairs.
    pub save_params: Vec<(u64, u64)>,
    /// `dir` (the working directory)
    pub dir: String,
    /// `dbfilename`
    pub dbfilename: String,
    /// `enable-debug-command`
    pub enable_debug_command: Protected,
    /// `enable-module-command`
    pub enable_module_command: Protected,
    /// `enable-protected-configs`
    pub enable_protected_configs: Protected,
    /// `requirepass` (None: no password)
    pub requirepass: Option<String>,
    /// `busy-reply-threshold` in ms
    pub busy_reply_threshold: u64,
    /// `active-expire-effort`
    pub active_expire_effort: u32,
    /// `lazyfree-lazy-user-flush`
    pub lazyfree_lazy_user_flush: bool,
    /// `list-max-listpack-size`
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`
    pub list_compress_depth: i64,
    /// `hash-max-listpack-entries`
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`
    pub set_max_intset_entries: usize,
    /// `set-max-listpack-entries`
    pub set_max_listpack_entries: usize,
    /// `set-max-listpack-value`
    pub set_max_listpack_value: usize,
    /// `zset-max-listpack-entries`
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`
    pub zset_max_listpack_value: usize,
    /// `slowlog-log-slower-than` in µs
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`
    pub slowlog_max_len: usize,
    /// `latency-monitor-threshold` in ms
    pub latency_monitor_threshold: u64,
    /// `lfu-log-factor`
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`
    pub lfu_decay_time: u64,
    /// `daemonize`
    pub daemonize: bool,
    /// `pidfile`
    pub pidfile: Option<String>,
    /// `appendonly`
    pub appendonly: bool,
    /// `activerehashing`
    pub activerehashing: bool,
    /// `maxmemory-clients` (negative: percent of maxmemory)
    pub maxmemory_clients: i64,
    /// `shutdown-on-sigterm`
    pub shutdown_on_sigterm: String,
    /// `shutdown-on-sigint`
    pub shutdown_on_sigint: String,
    /// `stop-writes-on-bgsave-error`
    pub stop_writes_on_bgsave_error: bool,
    /// `latency-tracking`
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`
    pub latency_percentiles: Vec<f64>,
    /// `python-script-max-memory`: bytes a script may add to Python's heap (0: no cap).
    pub python_script_max_memory: u64,
    /// `python-allowed-modules`: modules scripts may import.
    pub python_allowed_modules: Vec<String>,
}

/// Index of the output-limit class for normal clients.
pub const CLASS_NORMAL: usize = 0;
/// Index of the output-limit class for replicas.
pub const CLASS_REPLICA: usize = 1;
/// Index of the output-limit class for Pub/Sub clients.
pub const CLASS_PUBSUB: usize = 2;

/// Default canonical values of the special directives.
fn special_default(name: &str) -> String {
    match name {
        "save" => "3600 1 300 100 60 10000".into(),
        "client-output-buffer-limit" => {
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".into()
        }
        "oom-score-adj-values" => "0 200 800".into(),
        "bind" => "* -::*".into(),
        "latency-tracking-info-percentiles" => "50 99 99.9".into(),
        "dir" => std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// Every directive at its default.
    pub fn new() -> Config {
        let mut index = HashMap::new();
        let mut values = Vec::with_capacity(defs::DEFS.len());
        for (i, d) in defs::DEFS.iter().enumerate() {
            index.insert(d.name, i);
            if let Some(a) = d.alias {
                index.insert(a, i);
            }
            values.push(match d.kind {
                Kind::Special => special_default(d.name),
                _ => d.default.to_string(),
            });
        }
        let mut c = Config {
            values,
            index,
            module_values: HashMap::new(),
            config_file: None,
            load_modules: Vec::new(),
            save_seen: false,
            port: 6379,
            bind: Vec::new(),
            unixsocket: None,
            unixsocketperm: 0,
            protected_mode: true,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            tcp_backlog: 511,
            databases: 16,
            loglevel: "notice".into(),
            logfile: String::new(),
            hz: 10,
            client_query_buffer_limit: 1 << 30,
            proto_max_bulk_len: 512 << 20,
            output_limits: [OutputLimit::default(); 3],
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            maxmemory_samples: 5,
            notify_flags: 0,
            save_params: Vec::new(),
            dir: String::new(),
            dbfilename: "dump.rdb".into(),
            enable_debug_command: Protected::No,
            enable_module_command: Protected::No,
            enable_protected_configs: Protected::No,
            requirepass: None,
            busy_reply_threshold: 5000,
            active_expire_effort: 1,
            lazyfree_lazy_user_flush: false,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            daemonize: false,
            pidfile: None,
            appendonly: false,
            activerehashing: true,
            maxmemory_clients: 0,
            shutdown_on_sigterm: "default".into(),
            shutdown_on_sigint: "default".into(),
            stop_writes_on_bgsave_error: true,
            latency_tracking: true,
            latency_percentiles: vec![50.0, 99.0, 99.9],
            python_script_max_memory: 64 << 20,
            python_allowed_modules: Vec::new(),
        };
        c.refresh();
        c
    }

    /// The definition of `name` (canonical name or alias, case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<(usize, &'static ConfigDef)> {
        let lower = name.to_ascii_lowercase();
        self.index.get(lower.as_str()).map(|&i| (i, &defs::DEFS[i]))
    }

    /// The canonical value of a directive, as `CONFIG GET` prints it.
    pub fn get(&self, name: &str) -> Option<String> {
        self.lookup(name).map(|(i, _)| self.display(i))
    }

    /// Directive `i`'s value as `CONFIG GET` prints it.
    fn display(&self, i: usize) -> String {
        let v = &self.values[i];
        if defs::DEFS[i].name == "notify-keyspace-events" {
            return notify::flags_to_string(notify::parse_flags(v).unwrap_or(0));
        }
        v.clone()
    }

    /// Every (name, value) pair whose name or alias matches a glob, as `CONFIG GET`
    /// returns them (aliases are listed under the alias when the alias matched).
    pub fn matching(&self, pattern: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let exact = !pattern.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
        for (i, d) in defs::DEFS.iter().enumerate() {
            if d.flags & flags::HIDDEN != 0 && !exact {
                continue;
            }
            if crate::util::glob_match(pattern, d.name.as_bytes(), true) {
                out.push((d.name.to_string(), self.display(i)));
            }
            if let Some(a) = d.alias {
                if crate::util::glob_match(pattern, a.as_bytes(), true) {
                    out.push((a.to_string(), self.display(i)));
                }
            }
        }
        for (k, v) in &self.module_values {
            if crate::util::glob_match(pattern, k.as_bytes(), true) {
                out.push((k.clone(), v.clone()));
            }
        }
        out
    }

    /// Validates `args` for directive `i` and returns its canonical value.
    fn canonical(&self, i: usize, args: &[String]) -> Result<String, String> {
        let d = &defs::DEFS[i];
        let one = || -> Result<&str, String> {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            Ok(args[0].as_str())
        };
        match d.kind {
            Kind::Bool => match one()?.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Str { .. } => one().map(str::to_string),
            Kind::Enum(vals) => {
                // Multi-word enums (shutdown-on-sig*) take several flags.
                let words: Vec<String> = if d.flags & flags::MULTI_ARG != 0 {
                    args.iter()
                        .flat_map(|a| a.split_whitespace().map(str::to_ascii_lowercase))
                        .collect()
                } else {
                    vec![one()?.to_ascii_lowercase()]
                };
                if words.is_empty() || words.iter().any(|w| !vals.contains(&w.as_str())) {
                    return Err(format!(
                        "argument(s) must be one of the following: {}",
                        vals.join(", ")
                    ));
                }
                Ok(words.join(" "))
            }
            Kind::Int {
                min,
                max,
                memory,
                percent,
            } => {
                let v = one()?;
                let parsed = if percent && v.ends_with('%') {
                    match crate::util::parse_i64(&v.as_bytes()[..v.len() - 1]) {
                        Some(p) if p >= 0 => Some(-p),
                        _ => None,
                    }
                } else if memory {
                    crate::util::parse_memory(v)
                } else if d.name == "unixsocketperm" {
                    i64::from_str_radix(v, 8).ok()
                } else {
                    crate::util::parse_i64(v.as_bytes())
                };
                let Some(n) = parsed else {
                    return Err(if percent {
                        "argument must be a memory or percent value".into()
                    } else if memory {
                        "argument must be a memory value".into()
                    } else if d.name == "unixsocketperm" {
                        "argument couldn't be parsed as an octal number".into()
                    } else {
                        "argument couldn't be parsed into an integer".into()
                    });
                };
                if percent && n < 0 {
                    if -n > -min {
                        return Err(format!(
                            "percentage argument must be less or equal to {}",
                            -min
                        ));
                    }
                    return Ok(format!("{}%", -n));
                }
                let lo = if percent { 0 } else { min };
                if n < lo || n > max {
                    if d.name == "unixsocketperm" {
                        return Err(format!(
                            "argument must be between {:o} and {:o} inclusive",
                            min, max
                        ));
                    }
                    return Err(format!("argument must be between {lo} and {max} inclusive"));
                }
                if d.name == "unixsocketperm" {
                    return Ok(format!("{:o}", n));
                }
                Ok(n.to_string())
            }
            Kind::Special => special_canonical(d.name, args, &self.values[i]),
        }
    }

    /// Sets several directives at once, all or nothing (`CONFIG SET` and the config file).
    /// `at_startup` allows immutable directives. Errors are `CONFIG SET`'s texts.
    pub fn set_many(
        &mut self,
        pairs: &[(String, Vec<String>)],
        at_startup: bool,
        protected_ok: bool,
    ) -> Result<(), SetError> {
        let mut seen = Vec::new();
        let mut staged = Vec::new();
        for (name, args) in pairs {
            let Some((i, d)) = self.lookup(name) else {
                return Err(SetError::Unknown(name.clone()));
            };
            if !at_startup && (d.flags & flags::IMMUTABLE != 0) {
                return Err(SetError::Failed(
                    name.clone(),
                    Some("can't set immutable config".into()),
                ));
            }
            if !at_startup && (d.flags & flags::PROTECTED != 0) && !protected_ok {
                return Err(SetError::Failed(
                    name.clone(),
                    Some("can't set protected config".into()),
                ));
            }
            if seen.contains(&i) {
                return Err(SetError::Failed(
                    name.clone(),
                    Some("duplicate parameter".into()),
                ));
            }
            seen.push(i);
            staged.push((i, args));
        }
        let backup = self.values.clone();
        for (i, args) in staged {
            match self.canonical(i, args) {
                Ok(v) => self.values[i] = v,
                Err(e) => {
                    self.values = backup;
                    return Err(SetError::Failed(defs::DEFS[i].name.to_string(), Some(e)));
                }
            }
        }
        if let Err((name, e)) = self.apply_checks() {
            self.values = backup;
            return Err(SetError::Failed(name, Some(e)));
        }
        self.refresh();
        Ok(())
    }

    /// Cross-directive checks and side effects that can fail (`dir` must exist).
    fn apply_checks(&mut self) -> Result<(), (String, String)> {
        let dir = self.value("dir").to_string();
        if !dir.is_empty() {
            let cur = std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            if dir != cur {
                if let Err(e) = std::env::set_current_dir(&dir) {
                    return Err(("dir".into(), e.to_string()));
                }
                let abs = std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or(dir);
                let i = self.index["dir"];
                self.values[i] = abs;
            }
        }
        Ok(())
    }

    fn value(&self, name: &str) -> &str {
        &self.values[self.index[name]]
    }

    fn int(&self, name: &str) -> i64 {
        self.value(name).parse().unwrap_or(0)
    }

    fn yes(&self, name: &str) -> bool {
        self.value(name) == "yes"
    }

    fn protected(&self, name: &str) -> Protected {
        match self.value(name) {
            "yes" => Protected::Yes,
            "local" => Protected::Local,
            _ => Protected::No,
        }
    }

    /// Rebuilds the typed fields from the canonical values.
    pub fn refresh(&mut self) {
        self.port = self.int("port") as u16;
        self.bind = self
            .value("bind")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        self.unixsocket = Some(self.value("unixsocket").to_string()).filter(|s| !s.is_empty());
        self.unixsocketperm = u32::from_str_radix(self.value("unixsocketperm"), 8).unwrap_or(0);
        self.protected_mode = self.yes("protected-mode");
        self.maxclients = self.int("maxclients").max(1) as usize;
        self.timeout = self.int("timeout") as u64;
        self.tcp_keepalive = self.int("tcp-keepalive") as u64;
        self.tcp_backlog = self.int("tcp-backlog") as i32;
        self.databases = self.int("databases").max(1) as usize;
        self.loglevel = self.value("loglevel").to_string();
        self.logfile = self.value("logfile").to_string();
        self.hz = self.int("hz").clamp(1, 500) as u32;
        self.client_query_buffer_limit = self.int("client-query-buffer-limit") as usize;
        self.proto_max_bulk_len = self.int("proto-max-bulk-len");
        self.output_limits = parse_output_limits(self.value("client-output-buffer-limit"));
        self.maxmemory = self.int("maxmemory").max(0) as u64;
        self.maxmemory_policy = self.value("maxmemory-policy").to_string();
        self.maxmemory_samples = self.int("maxmemory-samples").max(1) as usize;
        self.notify_flags = notify::parse_flags(self.value("notify-keyspace-events")).unwrap_or(0);
        let nums: Vec<u64> = self
            .value("save")
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect();
        self.save_params = nums
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (c[0], c[1]))
            .collect();
        self.dir = self.value("dir").to_string();
        self.dbfilename = self.value("dbfilename").to_string();
        self.enable_debug_command = self.protected("enable-debug-command");
        self.enable_module_command = self.protected("enable-module-command");
        self.enable_protected_configs = self.protected("enable-protected-configs");
        self.requirepass = Some(self.value("requirepass").to_string()).filter(|s| !s.is_empty());
        self.busy_reply_threshold = self.int("busy-reply-threshold").max(0) as u64;
        self.active_expire_effort = self.int("active-expire-effort").clamp(1, 10) as u32;
        self.lazyfree_lazy_user_flush = self.yes("lazyfree-lazy-user-flush");
        self.list_max_listpack_size = self.int("list-max-listpack-size");
        self.list_compress_depth = self.int("list-compress-depth");
        self.hash_max_listpack_entries = self.int("hash-max-listpack-entries") as usize;
        self.hash_max_listpack_value = self.int("hash-max-listpack-value") as usize;
        self.set_max_intset_entries = self.int("set-max-intset-entries") as usize;
        self.set_max_listpack_entries = self.int("set-max-listpack-entries") as usize;
        self.set_max_listpack_value = self.int("set-max-listpack-value") as usize;
        self.zset_max_listpack_entries = self.int("zset-max-listpack-entries") as usize;
        self.zset_max_listpack_value = self.int("zset-max-listpack-value") as usize;
        self.slowlog_log_slower_than = self.int("slowlog-log-slower-than");
        self.slowlog_max_len = self.int("slowlog-max-len") as usize;
        self.latency_monitor_threshold = self.int("latency-monitor-threshold") as u64;
        self.lfu_log_factor = self.int("lfu-log-factor") as u32;
        self.lfu_decay_time = self.int("lfu-decay-time") as u64;
        self.daemonize = self.yes("daemonize");
        self.pidfile = Some(self.value("pidfile").to_string()).filter(|s| !s.is_empty());
        self.appendonly = self.yes("appendonly");
        self.activerehashing = self.yes("activerehashing");
        self.maxmemory_clients = match self.value("maxmemory-clients").strip_suffix('%') {
            Some(p) => -p.parse::<i64>().unwrap_or(0),
            None => self.int("maxmemory-clients"),
        };
        self.shutdown_on_sigterm = self.value("shutdown-on-sigterm").to_string();
        self.shutdown_on_sigint = self.value("shutdown-on-sigint").to_string();
        self.stop_writes_on_bgsave_error = self.yes("stop-writes-on-bgsave-error");
        self.latency_tracking = self.yes("latency-tracking");
        self.latency_percentiles = self
            .value("latency-tracking-info-percentiles")
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        self.python_script_max_memory = self.int("python-script-max-memory").max(0) as u64;
        self.python_allowed_modules = self
            .value("python-allowed-modules")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
    }

    /// Applies a config file's text, then the command line's overrides, as `redis-server`
    /// does. Errors read like Redis's fatal config errors.
    pub fn load_text(&mut self, text: &str) -> Result<(), String> {
        // Directives that may repeat accumulate their arguments (`save`, `bind` in Redis
        // replace on each line; `loadmodule` and `include` are handled here).
        for (lineno, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fatal = |msg: &str| {
                format!(
                    "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
                    crate::REDIS_VERSION,
                    lineno + 1,
                    line,
                    msg
                )
            };
            let Some(args) = crate::util::split_args(line.as_bytes()) else {
                return Err(fatal("Unbalanced quotes in configuration line"));
            };
            if args.is_empty() {
                continue;
            }
            let args: Vec<String> = args
                .into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect();
            let name = args[0].to_ascii_lowercase();
            let rest = args[1..].to_vec();
            match name.as_str() {
                "loadmodule" => {
                    if rest.is_empty() {
                        return Err(fatal("wrong number of arguments"));
                    }
                    self.load_modules
                        .push((rest[0].clone(), rest[1..].to_vec()));
                    continue;
                }
                "include" => {
                    if rest.len() != 1 {
                        return Err(fatal("wrong number of arguments"));
                    }
                    let inc = std::fs::read_to_string(&rest[0]).map_err(|e| {
                        fatal(&format!(
                            "Fatal error, can't open config file '{}': {}",
                            rest[0], e
                        ))
                    })?;
                    self.load_text(&inc)?;
                    continue;
                }
                "rename-command" | "user" => continue,
                _ => {}
            }
            if name.contains('.') {
                // A module directive: kept until the module registers it.
                self.module_values.insert(name, rest.join(" "));
                continue;
            }
            let Some((i, d)) = self.lookup(&name) else {
                return Err(fatal("Bad directive or wrong number of arguments"));
            };
            // `save` lines accumulate in a file; other multi-arg directives replace.
            let rest = if d.name == "save" && !rest.iter().all(|a| a.is_empty()) && self.save_seen {
                let mut all: Vec<String> = self.values[i]
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                all.extend(rest);
                all
            } else {
                rest
            };
            if d.name == "save" {
                self.save_seen = true;
            }
            let multi = matches!(d.kind, Kind::Special) || d.flags & flags::MULTI_ARG != 0;
            if !multi && rest.len() != 1 {
                return Err(fatal("wrong number of arguments"));
            }
            let args = rest;
            let v = self.canonical(i, &args).map_err(|e| fatal(&e))?;
            self.values[i] = v;
        }
        self.apply_checks()
            .map_err(|(n, e)| format!("\n*** FATAL CONFIG FILE ERROR ***\n'{n}': {e}"))?;
        self.refresh();
        Ok(())
    }
}

/// Why `CONFIG SET` failed.
#[derive(Debug)]
pub enum SetError {
    /// No such directive.
    Unknown(String),
    /// The named directive refused its value, with the reason.
    Failed(String, Option<String>),
}

impl SetError {
    /// The error reply's text.
    pub fn reply_text(&self) -> String {
        match self {
            SetError::Unknown(n) => {
                format!("ERR Unknown option or number of arguments for CONFIG SET - '{n}'")
            }
            SetError::Failed(n, Some(e)) => {
                format!("ERR CONFIG SET failed (possibly related to argument '{n}') - {e}")
            }
            SetError::Failed(n, None) => {
                format!("ERR CONFIG SET failed (possibly related to argument '{n}')")
            }
        }
    }
}

fn special_canonical(name: &str, args: &[String], current: &str) -> Result<String, String> {
    // Several arguments or one argument holding several words mean the same.
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    match name {
        "save" => {
            if words.is_empty() {
                return Ok(String::new());
            }
            if words.len() % 2 == 1 {
                return Err("Invalid save parameters".into());
            }
            for (j, w) in words.iter().enumerate() {
                match w.parse::<i64>() {
                    Ok(v) if (j % 2 == 0 && v >= 1) || (j % 2 == 1 && v >= 0) => {}
                    _ => return Err("Invalid save parameters".into()),
                }
            }
            Ok(words.join(" "))
        }
        "client-output-buffer-limit" => {
            if words.len() % 4 != 0 || words.is_empty() {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            let mut limits = parse_output_limits(current);
            for c in words.chunks(4) {
                let class = match c[0].to_ascii_lowercase().as_str() {
                    "normal" => CLASS_NORMAL,
                    "slave" | "replica" => CLASS_REPLICA,
                    "pubsub" => CLASS_PUBSUB,
                    _ => {
                        return Err(
                            "Invalid client class specified in buffer limit configuration.".into(),
                        )
                    }
                };
                let hard = crate::util::parse_memory(c[1]);
                let soft = crate::util::parse_memory(c[2]);
                let secs = crate::util::parse_i64(c[3].as_bytes());
                match (hard, soft, secs) {
                    (Some(h), Some(s), Some(t)) if h >= 0 && s >= 0 && t >= 0 => {
                        limits[class] = OutputLimit { hard: h as u64, soft: s as u64, soft_seconds: t as u64 };
                    }
                    _ => return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into()),
                }
            }
            Ok(format_output_limits(&limits))
        }
        "notify-keyspace-events" => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            let f = notify::parse_flags(&args[0])
                .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
            Ok(notify::flags_to_lossless(f))
        }
        "bind" => {
            if words.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(words.join(" "))
        }
        "oom-score-adj-values" => {
            if words.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            for w in &words {
                match w.parse::<i64>() {
                    Ok(v) if (-2000..=2000).contains(&v) => {}
                    _ => return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .into(),
                    ),
                }
            }
            Ok(words.join(" "))
        }
        "latency-tracking-info-percentiles" => {
            for w in &words {
                match crate::util::parse_f64(w.as_bytes()) {
                    Some(p) if (0.0..=100.0).contains(&p) => {}
                    Some(_) => return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into()),
                    None => return Err("Invalid latency-tracking-info-percentiles parameters".into()),
                }
            }
            Ok(words.join(" "))
        }
        "replicaof" => {
            if words.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            if words[0].eq_ignore_ascii_case("no") && words[1].eq_ignore_ascii_case("one") {
                return Ok(String::new());
            }
            Ok(words.join(" "))
        }
        "dir" => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            Ok(args[0].clone())
        }
        _ => Ok(args.join(" ")),
    }
}

fn parse_output_limits(s: &str) -> [OutputLimit; 3] {
    let mut out = [OutputLimit::default(); 3];
    let w: Vec<&str> = s.split_whitespace().collect();
    for c in w.chunks(4) {
        if c.len() < 4 {
            continue;
        }
        let class = match c[0] {
            "normal" => CLASS_NORMAL,
            "slave" | "replica" => CLASS_REPLICA,
            _ => CLASS_PUBSUB,
        };
        out[class] = OutputLimit {
            hard: c[1].parse().unwrap_or(0),
            soft: c[2].parse().unwrap_or(0),
            soft_seconds: c[3].parse().unwrap_or(0),
        };
    }
    out
}

fn format_output_limits(l: &[OutputLimit; 3]) -> String {
    let names = ["normal", "slave", "pubsub"];
    names
        .iter()
        .zip(l)
        .map(|(n, o)| format!("{} {} {} {}", n, o.hard, o.soft, o.soft_seconds))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &mut Config, name: &str, v: &str) -> Result<(), SetError> {
        c.set_many(&[(name.to_string(), vec![v.to_string()])], false, true)
    }

    #[test]
    fn defaults_and_types() {
        let mut c = Config::new();
        assert_eq!(c.get("maxmemory").as_deref(), Some("0"));
        assert_eq!(c.get("save").as_deref(), Some("3600 1 300 100 60 10000"));
        set(&mut c, "maxmemory", "1mb").unwrap();
        assert_eq!(c.get("maxmemory").as_deref(), Some("1048576"));
        assert_eq!(c.maxmemory, 1 << 20);
        let e = set(&mut c, "maxmemory", "x").unwrap_err();
        assert_eq!(e.reply_text(), "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
        assert!(matches!(
            set(&mut c, "nosuch", "1"),
            Err(SetError::Unknown(_))
        ));
        set(&mut c, "notify-keyspace-events", "KEA").unwrap();
        assert_eq!(c.get("notify-keyspace-events").as_deref(), Some("AKE"));
        // `n` is kept even though Redis's printed form drops it next to `A`.
        set(&mut c, "notify-keyspace-events", "KEAn").unwrap();
        assert_eq!(c.get("notify-keyspace-events").as_deref(), Some("AKE"));
        assert_ne!(c.notify_flags & NOTIFY_NEW, 0);
        set(&mut c, "client-output-buffer-limit", "pubsub 32mb 8mb 60").unwrap();
        assert_eq!(c.output_limits[CLASS_PUBSUB].hard, 32 << 20);
        assert_eq!(set(&mut c, "hz", "abc").unwrap_err().reply_text(), "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer");
    }

    #[test]
    fn file_and_overrides() {
        let mut c = Config::new();
        c.load_text(
            "port 7777\nsave 900 1\nsave 300 10\nloadmodule /x.so a b\n# comment\nlogfile \"\"\n",
        )
        .unwrap();
        assert_eq!(c.port, 7777);
        assert_eq!(c.save_params, vec![(900, 1), (300, 10)]);
        assert_eq!(
            c.load_modules,
            vec![("/x.so".to_string(), vec!["a".to_string(), "b".to_string()])]
        );
        let e = c.load_text("nosuch 1\n").unwrap_err();
        assert!(e.contains("Bad directive"), "{e}");
    }
}
