//! One connection's state: its socket, query buffer, pending replies, selected database,
//! protocol, transaction, subscriptions and flags.
//!
//! Clients with no socket exist too: the one that runs a script's `redis.call`, the one
//! `RedisModule_Call` uses, the AOF loader. They share everything here but `conn`.

use crate::resp::{ReplyBuf, RequestParser};
use bytes::{Bytes, BytesMut};
use std::collections::HashSet;
use std::time::Instant;

/// A client's socket.
#[derive(Debug)]
pub enum Conn {
    /// A TCP connection.
    Tcp(mio::net::TcpStream),
    /// A Unix-socket connection.
    Unix(mio::net::UnixStream),
}

impl Conn {
    /// Reads into `buf`.
    pub fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::Read;
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }

    /// Writes from `buf`.
    pub fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use std::io::Write;
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
        }
    }

    /// The mio source to register.
    pub fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Conn::Tcp(s) => s,
            Conn::Unix(s) => s,
        }
    }

    /// Shuts the socket down in both directions.
    pub fn shutdown(&self) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// Client flag bits.
pub mod flags {
    /// Inside `MULTI`.
    pub const MULTI: u64 = 1 << 0;
    /// A watched key changed: `EXEC` fails.
    pub const DIRTY_CAS: u64 = 1 << 1;
    /// A command was rejected while queueing: `EXEC` aborts.
    pub const DIRTY_EXEC: u64 = 1 << 2;
    /// Close once the pending replies are written.
    pub const CLOSE_AFTER_REPLY: u64 = 1 << 3;
    /// Close as soon as possible, dropping pending replies.
    pub const CLOSE_ASAP: u64 = 1 << 4;
    /// Subscribed to at least one channel or pattern.
    pub const PUBSUB: u64 = 1 << 5;
    /// A `MONITOR` client.
    pub const MONITOR: u64 = 1 << 6;
    /// Blocked on keys, a timeout or a module.
    pub const BLOCKED: u64 = 1 << 7;
    /// `CLIENT REPLY OFF`.
    pub const REPLY_OFF: u64 = 1 << 8;
    /// `CLIENT REPLY SKIP` takes effect on the next command.
    pub const REPLY_SKIP_NEXT: u64 = 1 << 9;
    /// Skip the reply of the current command.
    pub const REPLY_SKIP: u64 = 1 << 10;
    /// `CLIENT NO-EVICT on`.
    pub const NO_EVICT: u64 = 1 << 11;
    /// `CLIENT NO-TOUCH on`.
    pub const NO_TOUCH: u64 = 1 << 12;
    /// Connected through the Unix socket.
    pub const UNIX_SOCKET: u64 = 1 << 13;
    /// Runs scripts' `redis.call`.
    pub const SCRIPT: u64 = 1 << 14;
    /// Runs `RedisModule_Call`.
    pub const MODULE: u64 = 1 << 15;
    /// Replays the AOF.
    pub const AOF: u64 = 1 << 16;
    /// A replica connected with `SYNC`/`PSYNC`.
    pub const REPLICA: u64 = 1 << 17;
    /// Has pending replies and is queued for writing.
    pub const PENDING_WRITE: u64 = 1 << 18;
    /// Was unblocked and has queued input to process.
    pub const UNBLOCKED: u64 = 1 << 19;
    /// Connected from a loopback address.
    pub const LOCAL: u64 = 1 << 20;
    /// Denied by protected mode: close after the error.
    pub const PROTECTED_DENIED: u64 = 1 << 21;
    /// Running inside `EXEC` or a script: blocking commands answer at once.
    pub const DENY_BLOCKING: u64 = 1 << 22;
    /// Subscribed in RESP3 or tracking: may receive pushes.
    pub const PUSHING: u64 = 1 << 23;
}

/// A queued `MULTI` command.
#[derive(Debug, Clone)]
pub struct QueuedCommand {
    /// Its arguments.
    pub argv: Vec<Bytes>,
}

/// What a blocked client waits for.
#[derive(Debug, Clone, Default)]
pub struct BlockState {
    /// Keys (db, key) it waits on.
    pub keys: Vec<(usize, Bytes)>,
    /// Absolute deadline in Unix ms (0: none).
    pub timeout_ms: i64,
    /// The blocked command's arguments, run again when a key becomes ready.
    pub argv: Vec<Bytes>,
    /// The type of value that unblocks it (`list`, `zset`, `stream`, or `None` for
    /// `WAIT`-style blocks with no keys).
    pub kind: Option<crate::db::ValueType>,
    /// `DEBUG SLEEP`-style / `WAIT` blocks: reply sent at timeout.
    pub timeout_reply: Option<Vec<u8>>,
    /// Blocked by a module: the address of its `RedisModuleBlockedClient` handle.
    pub module: Option<usize>,
    /// A module block on keys that also ends when a key is deleted
    /// (`REDISMODULE_BLOCK_UNBLOCK_DELETED`).
    pub unblock_on_nokey: bool,
}

/// One client.
pub struct Client {
    /// `CLIENT ID`.
    pub id: u64,
    /// The socket; `None` for internal clients.
    pub conn: Option<Conn>,
    /// Slot in the client table (the mio token).
    pub slot: usize,
    /// Bytes read and not yet parsed.
    pub query: BytesMut,
    /// Parser state across reads.
    pub parser: RequestParser,
    /// The command being parsed or run.
    pub argv: Vec<Bytes>,
    /// Pending replies.
    pub out: ReplyBuf,
    /// Bytes of `out` already written to the socket.
    pub sent: usize,
    /// Selected database.
    pub db: usize,
    /// [`flags`] bits.
    pub flags: u64,
    /// `CLIENT SETNAME`.
    pub name: Option<Bytes>,
    /// `CLIENT SETINFO LIB-NAME`.
    pub lib_name: Option<Bytes>,
    /// `CLIENT SETINFO LIB-VER`.
    pub lib_ver: Option<Bytes>,
    /// Peer address (`ip:port`, or `path:0` for Unix sockets).
    pub addr: String,
    /// Local address.
    pub laddr: String,
    /// When it connected.
    pub created: Instant,
    /// Last command or read.
    pub last_interaction: Instant,
    /// Queued commands inside `MULTI`.
    pub multi: Vec<QueuedCommand>,
    /// Union of the queued commands' flags (for `EXEC`'s OOM and write checks).
    pub multi_flags: u64,
    /// Keys watched with `WATCH`: (db, key).
    pub watched: Vec<(usize, Bytes)>,
    /// Channels subscribed with `SUBSCRIBE`.
    pub channels: HashSet<Bytes>,
    /// Patterns subscribed with `PSUBSCRIBE`.
    pub patterns: HashSet<Bytes>,
    /// Channels subscribed with `SSUBSCRIBE`.
    pub shard_channels: HashSet<Bytes>,
    /// Blocked state, while blocked.
    pub blocked: Option<BlockState>,
    /// Authenticated user name.
    pub user: String,
    /// Authenticated (or no password needed).
    pub authenticated: bool,
    /// Id of the last command run (`CLIENT LIST` `cmd=`), or `usize::MAX`.
    pub last_cmd: usize,
    /// Total bytes read.
    pub net_input_bytes: u64,
    /// Total bytes written.
    pub net_output_bytes: u64,
    /// Commands processed.
    pub commands_processed: u64,
    /// Since when the output buffer has been over the soft limit.
    pub soft_limit_since: Option<Instant>,
    /// Peak size of the query buffer since the last cron check.
    pub query_peak: usize,
}

impl Client {
    /// A client with no socket yet.
    pub fn new(id: u64, conn: Option<Conn>, addr: String, laddr: String) -> Client {
        let now = Instant::now();
        Client {
            id,
            conn,
            slot: usize::MAX,
            query: BytesMut::new(),
            parser: RequestParser::default(),
            argv: Vec::new(),
            out: ReplyBuf::new(2),
            sent: 0,
            db: 0,
            flags: 0,
            name: None,
            lib_name: None,
            lib_ver: None,
            addr,
            laddr,
            created: now,
            last_interaction: now,
            multi: Vec::new(),
            multi_flags: 0,
            watched: Vec::new(),
            channels: HashSet::new(),
            patterns: HashSet::new(),
            shard_channels: HashSet::new(),
            blocked: None,
            user: "default".into(),
            authenticated: true,
            last_cmd: usize::MAX,
            net_input_bytes: 0,
            net_output_bytes: 0,
            commands_processed: 0,
            soft_limit_since: None,
            query_peak: 0,
        }
    }

    /// A client with no socket, for scripts, modules and the AOF loader.
    pub fn internal(id: u64, kind_flag: u64) -> Client {
        let mut c = Client::new(id, None, String::new(), String::new());
        c.flags |= kind_flag;
        c
    }

    /// True for any of `bits`.
    #[inline]
    pub fn has(&self, bits: u64) -> bool {
        self.flags & bits != 0
    }

    /// The protocol version (2 or 3).
    #[inline]
    pub fn resp(&self) -> u8 {
        self.out.resp
    }

    /// Number of channel, pattern and shard-channel subscriptions.
    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len() + self.shard_channels.len()
    }

    /// Bytes of replies not yet written.
    pub fn pending_output(&self) -> usize {
        self.out.buf.len() - self.sent
    }

    /// Writes pending replies until done or the socket is full. Returns the bytes written,
    /// or an error if the connection failed.
    pub fn write_pending(&mut self) -> std::io::Result<usize> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(0);
        };
        let mut total = 0;
        while self.sent < self.out.buf.len() {
            match conn.write(&self.out.buf[self.sent..]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    total += n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.sent == self.out.buf.len() {
            self.sent = 0;
            self.out.buf.clear();
            // Give back a large buffer once it has drained.
            if self.out.buf.capacity() > 1 << 20 {
                self.out.buf = Vec::new();
            }
        }
        self.net_output_bytes += total as u64;
        Ok(total)
    }

    /// `CLIENT LIST` flag letters.
    pub fn flag_letters(&self) -> String {
        let mut s = String::new();
        if self.has(flags::REPLICA) {
            s.push('S');
        }
        if self.has(flags::MONITOR) {
            s.push('O');
        }
        if self.has(flags::PUBSUB) {
            s.push('P');
        }
        if self.has(flags::MULTI) {
            s.push('x');
        }
        if self.has(flags::BLOCKED) {
            s.push('b');
        }
        if self.has(flags::DIRTY_CAS) {
            s.push('d');
        }
        if self.has(flags::CLOSE_AFTER_REPLY) {
            s.push('c');
        }
        if self.has(flags::UNBLOCKED) {
            s.push('u');
        }
        if self.has(flags::CLOSE_ASAP) {
            s.push('A');
        }
        if self.has(flags::UNIX_SOCKET) {
            s.push('U');
        }
        if self.has(flags::NO_EVICT) {
            s.push('e');
        }
        if self.has(flags::NO_TOUCH) {
            s.push('T');
        }
        if s.is_empty() {
            s.push('N');
        }
        s
    }
}
