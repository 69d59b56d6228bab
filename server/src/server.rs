//! The server's state: everything the event loop owns and commands reach through
//! [`crate::ctx::Ctx`].

use crate::blocking::Blocking;
use crate::client::Client;
use crate::command_table::CommandTable;
use crate::config::Config;
use crate::db::Db;
use crate::pubsub::PubSub;
use crate::stats::Stats;
use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::collections::HashMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Clients by slot (the mio token), with lookup by client id.
#[derive(Default)]
pub struct ClientTable {
    slots: Vec<Option<Box<Client>>>,
    free: Vec<usize>,
    by_id: HashMap<u64, usize>,
    /// Clients currently taken out of their slot to run a command.
    taken: usize,
}

impl ClientTable {
    /// Adds a client and returns its slot.
    pub fn insert(&mut self, mut c: Box<Client>) -> usize {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        c.slot = slot;
        self.by_id.insert(c.id, slot);
        self.slots[slot] = Some(c);
        slot
    }

    /// Removes a client for good.
    pub fn remove(&mut self, slot: usize) -> Option<Box<Client>> {
        let c = self.slots.get_mut(slot)?.take()?;
        self.by_id.remove(&c.id);
        self.free.push(slot);
        Some(c)
    }

    /// Removes a client that is currently taken out (it will not be put back).
    pub fn forget_taken(&mut self, c: &Client) {
        self.by_id.remove(&c.id);
        self.free.push(c.slot);
        self.taken -= 1;
    }

    /// Takes a client out of its slot while it runs a command; [`ClientTable::put_back`]
    /// returns it. Other code sees the slot as empty meanwhile.
    pub fn take(&mut self, slot: usize) -> Option<Box<Client>> {
        let c = self.slots.get_mut(slot)?.take()?;
        self.taken += 1;
        Some(c)
    }

    /// Returns a client taken with [`ClientTable::take`].
    pub fn put_back(&mut self, c: Box<Client>) {
        let slot = c.slot;
        self.slots[slot] = Some(c);
        self.taken -= 1;
    }

    /// The client in `slot`, unless taken out.
    #[inline]
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Client> {
        self.slots.get_mut(slot)?.as_deref_mut()
    }

    /// The client in `slot`, unless taken out.
    pub fn get(&self, slot: usize) -> Option<&Client> {
        self.slots.get(slot)?.as_deref()
    }

    /// Slot of a client id (taken-out clients included).
    pub fn slot_of(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The client with this id, unless taken out.
    pub fn by_id_mut(&mut self, id: u64) -> Option<&mut Client> {
        let slot = *self.by_id.get(&id)?;
        self.get_mut(slot)
    }

    /// The client with this id, unless taken out.
    pub fn by_id(&self, id: u64) -> Option<&Client> {
        let slot = *self.by_id.get(&id)?;
        self.get(slot)
    }

    /// Number of connected clients, including taken-out ones.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True with no clients.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every client in its slot.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }

    /// Every client in its slot, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }

    /// Slots of all clients in the table.
    pub fn slots(&self) -> Vec<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i)
            .collect()
    }
}

/// Why and how the server should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownRequest {
    /// Save before exiting (`SAVE`), or not (`NOSAVE`), or as configured (`None`).
    pub save: Option<bool>,
    /// Skip the wait for replicas and errors (`NOW`, `FORCE`).
    pub force: bool,
}

/// Per-command counters for `INFO commandstats`.
#[derive(Debug, Default, Clone)]
pub struct CmdStat {
    /// Times run.
    pub calls: u64,
    /// Total microseconds.
    pub usec: u64,
    /// Rejected before running (arity, OOM, ...).
    pub rejected_calls: u64,
    /// Ran and replied with an error.
    pub failed_calls: u64,
    /// Latency distribution (`INFO latencystats`).
    pub latency: crate::latency::Histogram,
}

/// The whole server.
pub struct Server {
    /// Configuration.
    pub config: Config,
    /// Databases.
    pub dbs: Vec<Db>,
    /// Connected clients.
    pub clients: ClientTable,
    /// Command table.
    pub commands: CommandTable,
    /// Counters.
    pub stats: Stats,
    /// Per-command counters, by command id.
    pub cmd_stats: Vec<CmdStat>,
    /// Error replies by code.
    pub error_stats: HashMap<String, u64>,
    /// Subscriptions.
    pub pubsub: PubSub,
    /// Blocked clients.
    pub blocking: Blocking,
    /// Watched keys: (db, key) to (client id, key was already expired when watched).
    pub watched: HashMap<(usize, Bytes), Vec<(u64, bool)>>,
    /// Clients whose watched keys changed: their `EXEC` fails.
    pub dirty_cas: std::collections::HashSet<u64>,
    /// `MONITOR` clients.
    pub monitors: Vec<u64>,
    /// Changes since the last save.
    pub dirty: u64,
    /// When the server started.
    pub start: Instant,
    /// `run_id`.
    pub run_id: String,
    /// Next `CLIENT ID`.
    pub next_client_id: u64,
    /// Random source for sampling.
    pub rng: SmallRng,
    /// Time of the command being run, in Unix ms; frozen for the length of a command,
    /// a transaction or a script so expiry decisions inside it agree.
    pub cmd_time_ms: i64,
    /// Nesting depth of command execution (0: between commands).
    pub exec_depth: u32,
    /// Id of the client whose command is running.
    pub current_client: Option<u64>,
    /// Protocol of the running client.
    pub current_resp: u8,
    /// Push messages for the running client, written after its reply.
    pub deferred_pushes: Vec<u8>,
    /// The original deadline of a blocked command being run again.
    pub reprocess_deadline: Option<i64>,
    /// Slots of clients with replies to write.
    pub pending_writes: Vec<usize>,
    /// Clients that were unblocked and may have pipelined input to run.
    pub unblocked: Vec<u64>,
    /// Ids of clients to close at the next opportunity.
    pub to_close: Vec<u64>,
    /// Set when a shutdown was asked for.
    pub shutdown: Option<ShutdownRequest>,
    /// `DEBUG SET-ACTIVE-EXPIRE`.
    pub active_expire_enabled: bool,
    /// The running command comes from a `CLIENT NO-TOUCH on` client (and is not `TOUCH`):
    /// key lookups leave access times alone.
    pub no_touch: bool,
    /// Loading a dataset.
    pub loading: bool,
    /// Last successful save (Unix seconds).
    pub last_save: i64,
    /// Path of the executable.
    pub executable: String,
    /// Cron loop counter.
    pub cronloops: u64,
    /// `CLIENT PAUSE` end time (Unix ms) and whether only writes are paused.
    pub pause: Option<(i64, bool)>,
    /// Peak `used_memory`.
    pub peak_memory: u64,
    /// `used_memory` right after start-up.
    pub startup_memory: u64,
    /// Loaded native modules.
    pub modules: crate::modules::Modules,
    /// RDB, AOF, background children, propagation.
    pub persist: crate::persistence::State,
    /// Lazy expiry is off while this is non-zero (module keyspace-event callbacks run).
    pub lazy_expire_disabled: u32,
    /// Monotonic time of the current loop iteration.
    pub loop_instant: Instant,
    /// Unix ms at `loop_instant`; command times derive from these two with one
    /// monotonic clock read instead of a wall-clock read per command.
    pub loop_unix_ms: i64,
    /// The event loop's poll and listeners (set while the loop runs), so a command
    /// holding `&mut Server` can serve a restricted loop iteration (long scripts).
    pub event_loop: Option<crate::event_loop::EventLoop>,
    /// Scripts and functions: the Python engine, the running script, busy state.
    pub scripting: crate::commands::scripting::ScriptingState,
    /// `total_error_replies` when the last command finished (Redis's
    /// `prev_err_count`): a command failed if errors were replied after it.
    pub prev_err_count: u64,
}

/// The Unix time in milliseconds.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The Unix time in microseconds.
pub fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

impl Server {
    /// A server with `config` and the built-in commands.
    pub fn new(config: Config) -> Server {
        let dbs = (0..config.databases).map(Db::new).collect();
        let commands = crate::commands::build_table();
        let cmd_stats = vec![CmdStat::default(); commands.next_id];
        let mut rng = SmallRng::from_entropy();
        let run_id: String = (0..40)
            .map(|_| char::from(b"0123456789abcdef"[rand::Rng::gen_range(&mut rng, 0..16)]))
            .collect();
        Server {
            config,
            dbs,
            clients: ClientTable::default(),
            commands,
            stats: Stats::default(),
            cmd_stats,
            error_stats: HashMap::new(),
            pubsub: PubSub::default(),
            blocking: Blocking::default(),
            watched: HashMap::new(),
            dirty_cas: Default::default(),
            monitors: Vec::new(),
            dirty: 0,
            start: Instant::now(),
            run_id,
            next_client_id: 1,
            rng,
            cmd_time_ms: unix_ms(),
            exec_depth: 0,
            current_client: None,
            current_resp: 2,
            deferred_pushes: Vec::new(),
            reprocess_deadline: None,
            pending_writes: Vec::new(),
            unblocked: Vec::new(),
            to_close: Vec::new(),
            shutdown: None,
            active_expire_enabled: true,
            no_touch: false,
            loading: false,
            last_save: unix_ms() / 1000,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            cronloops: 0,
            pause: None,
            peak_memory: 0,
            startup_memory: 0,
            modules: Default::default(),
            persist: crate::persistence::State {
                function_hooks: crate::commands::scripting::function::persistence_hooks(),
                ..Default::default()
            },
            lazy_expire_disabled: 0,
            loop_instant: Instant::now(),
            loop_unix_ms: unix_ms(),
            event_loop: None,
            scripting: Default::default(),
            prev_err_count: 0,
        }
    }

    /// Re-reads the clocks; called once per loop iteration.
    pub fn refresh_clock(&mut self) {
        self.loop_instant = Instant::now();
        self.loop_unix_ms = unix_ms();
    }

    /// The Unix time in ms at monotonic instant `at` (at or after this iteration's start).
    #[inline]
    pub fn unix_ms_at(&self, at: Instant) -> i64 {
        self.loop_unix_ms + at.saturating_duration_since(self.loop_instant).as_millis() as i64
    }

    /// A new client id.
    pub fn new_client_id(&mut self) -> u64 {
        let id = self.next_client_id;
        self.next_client_id += 1;
        id
    }

    /// Queues a client's pending replies for writing before the loop sleeps.
    #[inline]
    pub fn mark_pending_write(&mut self, slot: usize) {
        if let Some(c) = self.clients.get_mut(slot) {
            if !c.has(crate::client::flags::PENDING_WRITE) {
                c.flags |= crate::client::flags::PENDING_WRITE;
                self.pending_writes.push(slot);
            }
        }
    }

    /// The LRU clock: seconds, 24 bits, as Redis keeps in each object.
    pub fn lru_clock(&self) -> u32 {
        ((self.cmd_time_ms / 1000) as u32) & ((1 << 24) - 1)
    }

    /// Counts an error reply under its code.
    pub fn count_error(&mut self, code: &str) {
        self.stats.total_error_replies += 1;
        // Redis caps distinct error codes at 128 to bound memory.
        if let Some(n) = self.error_stats.get_mut(code) {
            *n += 1;
        } else if self.error_stats.len() < 128 {
            self.error_stats.insert(code.to_string(), 1);
        }
    }

    /// Seconds since start.
    pub fn uptime_secs(&self) -> u64 {
        self.start.elapsed().as_secs()
    }
}
