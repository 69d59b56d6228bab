//! The event loop: one thread, one `mio::Poll`, every socket.
//!
//! Each iteration: release the execution lock, sleep in `poll()` until a socket is ready,
//! a timer is due or another thread wakes us, take the lock back, then read and run
//! commands, run the cron (`hz` times a second) and, before sleeping again, write the
//! replies (Redis's `beforeSleep`).

use crate::client::{flags as cf, Client, Conn};
use crate::resp::{ParseLimits, Parsed};
use crate::server::{unix_ms, Server};
use mio::net::{TcpListener, UnixListener};
use mio::{Events, Interest, Poll, Token, Waker};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Tokens below this value are listeners and special sources; clients use
/// `CLIENT_BASE + slot`.
const CLIENT_BASE: usize = 1024;
const WAKER: Token = Token(0);
const SIGNALS: Token = Token(1);
const UNIX_LISTENER: Token = Token(2);
const TCP_BASE: usize = 16;

/// Bytes asked of the socket per read when no large argument is pending.
const READ_CHUNK: usize = 16 * 1024;

/// A bound listening socket.
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// Unix socket, with its path (removed at exit).
    Unix(UnixListener, String),
}

/// Binds the configured addresses. Addresses prefixed with `-` are optional: failing to
/// bind them is not an error (Redis's `bind * -::*`).
pub fn bind_listeners(srv: &Server) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    let port = srv.config.port;
    if port != 0 {
        let binds = if srv.config.bind.is_empty() {
            vec!["*".to_string(), "-::*".to_string()]
        } else {
            srv.config.bind.clone()
        };
        for b in &binds {
            let (optional, host) = match b.strip_prefix('-') {
                Some(h) => (true, h),
                None => (false, b.as_str()),
            };
            let host = match host {
                "*" => "0.0.0.0",
                "::*" => "::",
                h => h,
            };
            let addr: SocketAddr = match format!("{host}:{port}")
                .parse()
                .or_else(|_| format!("[{host}]:{port}").parse())
            {
                Ok(a) => a,
                Err(_) => {
                    if optional {
                        continue;
                    }
                    return Err(format!(
                        "Failed listening on port {port} (tcp), aborting: invalid address {host}"
                    ));
                }
            };
            match bind_tcp(addr, srv.config.tcp_backlog) {
                Ok(l) => out.push(Listener::Tcp(l)),
                Err(e) if optional && e.kind() != std::io::ErrorKind::AddrInUse => continue,
                Err(e) => {
                    return Err(format!("Warning: Could not create server TCP listening socket {host}:{port}: {e}\nFailed listening on port {port} (tcp), aborting."));
                }
            }
        }
    }
    if let Some(path) = &srv.config.unixsocket {
        let _ = std::fs::remove_file(path);
        let l = UnixListener::bind(path).map_err(|e| format!("Failed opening Unix socket: {e}"))?;
        if srv.config.unixsocketperm != 0 {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                path,
                std::fs::Permissions::from_mode(srv.config.unixsocketperm),
            );
        }
        out.push(Listener::Unix(l, path.clone()));
    }
    Ok(out)
}

fn bind_tcp(addr: SocketAddr, backlog: i32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let domain = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    s.listen(backlog.max(1))?;
    Ok(TcpListener::from_std(s.into()))
}

/// The loop's state: the poll instance, the listeners, the waker and signal sources.
///
/// It lives in the [`Server`] (`srv.event_loop`) rather than beside it, so that any code
/// holding `&mut Server` can run a loop iteration: a script past `busy-reply-threshold`
/// serves other clients from inside its command ([`process_events_while_blocked`]),
/// while its own client is out of the client table.
pub struct EventLoop {
    poll: Poll,
    listeners: Vec<Listener>,
    /// Wakes the loop from other threads (module threads, timers).
    pub waker: Arc<Waker>,
    signals: signal_hook_mio::v1_0::Signals,
    next_cron: Instant,
    /// Slots that became readable while their client was taken out (it is running a
    /// long script): read once it is back, since readiness is edge-triggered.
    missed: Vec<usize>,
}

impl EventLoop {
    /// Sets up polling for `listeners`.
    pub fn new(listeners: Vec<Listener>) -> std::io::Result<EventLoop> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut signals = signal_hook_mio::v1_0::Signals::new([
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
        ])?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        crate::hooks::install_loop(waker.clone(), poll.registry().try_clone().ok());
        let mut el = EventLoop {
            poll,
            listeners,
            waker,
            signals,
            next_cron: Instant::now(),
            missed: Vec::new(),
        };
        for (i, l) in el.listeners.iter_mut().enumerate() {
            match l {
                Listener::Tcp(t) => {
                    el.poll
                        .registry()
                        .register(t, Token(TCP_BASE + i), Interest::READABLE)?
                }
                Listener::Unix(u, _) => {
                    el.poll
                        .registry()
                        .register(u, UNIX_LISTENER, Interest::READABLE)?
                }
            }
        }
        Ok(el)
    }

    /// Moves the loop into the server and runs until a shutdown is requested and done.
    pub fn run(self, srv: &mut Server) {
        srv.event_loop = Some(self);
        run(srv);
    }
}

/// The loop state of a server whose loop is running.
fn el(srv: &mut Server) -> &mut EventLoop {
    srv.event_loop.as_mut().expect("event loop installed")
}

/// Runs the loop in `srv.event_loop` until a shutdown is requested and done.
pub fn run(srv: &mut Server) {
    let mut events = Events::with_capacity(1024);
    let mut guard = Some(crate::exec_lock::acquire());
    loop {
        let timeout = poll_timeout(srv);
        drop(guard.take());
        let res = el(srv).poll.poll(&mut events, Some(timeout));
        guard = Some(crate::exec_lock::acquire());
        srv.refresh_clock();
        crate::hooks::after_sleep(srv);
        let iter_start = srv.loop_instant;
        if let Err(e) = res {
            if e.kind() != std::io::ErrorKind::Interrupted {
                tracing::warn!("poll failed: {e}");
            }
        }
        for ev in events.iter() {
            handle_event(srv, ev);
        }
        for slot in std::mem::take(&mut el(srv).missed) {
            on_readable(srv, slot);
        }
        if srv.persist.loading.is_some()
            && !crate::persistence::loading::step(srv, Duration::from_millis(50))
        {
            tracing::info!("Ready to accept connections tcp");
        }
        if Instant::now() >= el(srv).next_cron {
            crate::cron::server_cron(srv);
            let hz = u64::from(srv.config.hz.max(1));
            el(srv).next_cron = Instant::now() + Duration::from_millis(1000 / hz);
        }
        crate::hooks::time_events(srv);
        before_sleep(srv);
        srv.stats.eventloop_cycles += 1;
        srv.stats.eventloop_duration_sum_us += iter_start.elapsed().as_micros() as u64;
        if let Some(req) = srv.shutdown.take() {
            if crate::shutdown::prepare_shutdown(srv, req) {
                close_listeners(srv);
                return;
            }
        }
    }
}

/// One restricted loop iteration from inside a running command (a script past
/// `busy-reply-threshold`, Redis's `processEventsWhileBlocked`): accept, read and run
/// other clients' commands (the dispatcher answers `-BUSY` to all but the ALLOW_BUSY
/// ones), write their replies. No cron, no timers, no blocked-client wake-ups. The
/// running command's client is out of the client table, so it is not served; the
/// running command's frozen time and context are kept. A `SHUTDOWN NOSAVE` or a
/// SIGTERM/SIGINT received meanwhile exits here, since the running command cannot return
/// to the loop.
///
/// `sweep` (the first call for a command) also tries to read every client once:
/// readiness the interrupted iteration had collected but not handled yet would otherwise
/// not be reported again (polling is edge-triggered). After that every socket is
/// drained, so new data shows up as new readiness.
pub fn process_events_while_blocked(srv: &mut Server, sweep: bool) {
    if srv.event_loop.is_none() {
        return;
    }
    let saved = (
        srv.cmd_time_ms,
        srv.current_client.take(),
        srv.current_resp,
        std::mem::replace(&mut srv.exec_depth, 0),
        std::mem::take(&mut srv.deferred_pushes),
        srv.reprocess_deadline.take(),
    );
    if sweep {
        for slot in srv.clients.slots() {
            on_readable(srv, slot);
        }
    }
    let mut events = Events::with_capacity(128);
    if el(srv).poll.poll(&mut events, Some(Duration::ZERO)).is_ok() {
        for ev in events.iter() {
            handle_event(srv, ev);
        }
    }
    write_replies(srv);
    srv.cmd_time_ms = saved.0;
    srv.current_client = saved.1;
    srv.current_resp = saved.2;
    srv.exec_depth = saved.3;
    srv.deferred_pushes = saved.4;
    srv.reprocess_deadline = saved.5;
    // Only SHUTDOWN NOSAVE or a signal can ask for a shutdown here (plain SHUTDOWN is
    // refused while busy); as in Redis, it happens now.
    if let Some(req) = srv.shutdown.take() {
        if crate::shutdown::prepare_shutdown(srv, req) {
            close_listeners(srv);
            std::process::exit(0);
        }
    }
}

fn handle_event(srv: &mut Server, ev: &mio::event::Event) {
    match ev.token() {
        WAKER => crate::hooks::on_wake(srv),
        SIGNALS => on_signal(srv),
        UNIX_LISTENER => accept_unix(srv),
        Token(t) if (TCP_BASE..CLIENT_BASE).contains(&t) => accept_tcp(srv, t - TCP_BASE),
        Token(t) if t >= crate::hooks::MODULE_FD_BASE => crate::hooks::on_module_fd(
            srv,
            t - crate::hooks::MODULE_FD_BASE,
            ev.is_readable() || ev.is_read_closed() || ev.is_error(),
            ev.is_writable(),
        ),
        Token(t) => {
            let slot = t - CLIENT_BASE;
            if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                if srv.clients.get(slot).is_none() && srv.scripting.timed_out {
                    // Its client is running the long script: read it afterwards.
                    el(srv).missed.push(slot);
                } else {
                    on_readable(srv, slot);
                }
            }
            if ev.is_writable() {
                srv.mark_pending_write(slot);
            }
        }
    }
}

fn poll_timeout(srv: &mut Server) -> Duration {
    let now = Instant::now();
    let mut t = el(srv).next_cron.saturating_duration_since(now);
    if let Some(&(deadline, _)) = srv.blocking.timeouts.iter().next() {
        let ms = (deadline - unix_ms()).max(0) as u64;
        t = t.min(Duration::from_millis(ms));
    }
    if let Some(d) = crate::hooks::poll_deadline(srv) {
        t = t.min(d);
    }
    if !srv.unblocked.is_empty() || !srv.pending_writes.is_empty() || srv.persist.loading.is_some()
    {
        t = Duration::ZERO;
    }
    t
}

fn close_listeners(srv: &mut Server) {
    for l in el(srv).listeners.drain(..) {
        if let Listener::Unix(_, path) = l {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn on_signal(srv: &mut Server) {
    let sigs: Vec<i32> = el(srv).signals.pending().collect();
    for sig in sigs {
        let (name, setting) = if sig == signal_hook::consts::SIGINT {
            ("SIGINT", srv.config.shutdown_on_sigint.clone())
        } else {
            ("SIGTERM", srv.config.shutdown_on_sigterm.clone())
        };
        tracing::warn!("Received {name} scheduling shutdown...");
        let save = if setting.contains("nosave") {
            Some(false)
        } else if setting.contains("save") {
            Some(true)
        } else {
            None
        };
        srv.shutdown = Some(crate::server::ShutdownRequest {
            save,
            force: setting.contains("force") || setting.contains("now"),
        });
    }
}

fn accept_tcp(srv: &mut Server, idx: usize) {
    loop {
        let res = match el(srv).listeners.get(idx) {
            Some(Listener::Tcp(l)) => l.accept(),
            _ => return,
        };
        match res {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                if srv.config.tcp_keepalive > 0 {
                    let ka = socket2::TcpKeepalive::new()
                        .with_time(Duration::from_secs(srv.config.tcp_keepalive));
                    let ka = ka
                        .with_interval(Duration::from_secs((srv.config.tcp_keepalive / 3).max(1)));
                    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&ka);
                }
                let local = stream
                    .local_addr()
                    .map(|a| fmt_addr(&a))
                    .unwrap_or_default();
                let is_local = peer.ip().is_loopback();
                add_client(
                    srv,
                    Conn::Tcp(stream),
                    fmt_addr(&peer),
                    local,
                    is_local,
                    false,
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) => {
                tracing::debug!("Accepting client connection: {e}");
                return;
            }
        }
    }
}

fn accept_unix(srv: &mut Server) {
    loop {
        let res = match el(srv)
            .listeners
            .iter()
            .find(|l| matches!(l, Listener::Unix(..)))
        {
            Some(Listener::Unix(l, path)) => (l.accept(), path.clone()),
            _ => return,
        };
        match res {
            (Ok((stream, _)), path) => {
                add_client(
                    srv,
                    Conn::Unix(stream),
                    format!("{path}:0"),
                    format!("{path}:0"),
                    true,
                    true,
                );
            }
            (Err(e), _) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            (Err(e), _) => {
                tracing::debug!("Accepting client connection: {e}");
                return;
            }
        }
    }
}

fn add_client(
    srv: &mut Server,
    mut conn: Conn,
    addr: String,
    laddr: String,
    local: bool,
    unix: bool,
) {
    if srv.clients.len() >= srv.config.maxclients {
        let _ = conn.write(b"-ERR max number of clients reached\r\n");
        srv.stats.rejected_connections += 1;
        return;
    }
    if srv.config.protected_mode && srv.config.requirepass.is_none() && !local {
        let _ = conn.write(PROTECTED_MODE_DENIED);
        srv.stats.rejected_connections += 1;
        return;
    }
    let id = srv.new_client_id();
    let mut c = Box::new(Client::new(id, Some(conn), addr, laddr));
    if local {
        c.flags |= cf::LOCAL;
    }
    if unix {
        c.flags |= cf::UNIX_SOCKET;
    }
    c.authenticated = srv.config.requirepass.is_none();
    let slot = srv.clients.insert(c);
    crate::hooks::client_connected(srv, slot);
    let token = Token(CLIENT_BASE + slot);
    let registered = {
        let Server {
            clients,
            event_loop,
            ..
        } = &mut *srv;
        let c = clients.get_mut(slot).expect("inserted");
        let conn = c.conn.as_mut().expect("has socket");
        event_loop
            .as_ref()
            .expect("event loop installed")
            .poll
            .registry()
            .register(
                conn.source(),
                token,
                Interest::READABLE | Interest::WRITABLE,
            )
    };
    if let Err(e) = registered {
        tracing::warn!("Error registering fd event for the new client: {e}");
        srv.clients.remove(slot);
        return;
    }
    srv.stats.total_connections_received += 1;
    tracing::debug!(
        "Accepted {}",
        srv.clients.get(slot).map(|c| c.addr.as_str()).unwrap_or("")
    );
}

thread_local! {
    /// Zeroed once; small reads land here before being appended to a query buffer.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; READ_CHUNK]);
}

fn on_readable(srv: &mut Server, slot: usize) {
    let Some(mut c) = srv.clients.take(slot) else {
        return;
    };
    let limit = srv.config.client_query_buffer_limit;
    let mut closed = false;
    loop {
        // A large argument is read in one go straight into the query buffer; small
        // reads go through a zeroed scratch buffer so no 16 KB memset is paid per read.
        let big = c.parser.pending_bulk_len().filter(|n| n + 2 > READ_CHUNK);
        let want = match big {
            Some(n) => (n + 2)
                .saturating_sub(c.query.len())
                .clamp(READ_CHUNK, 64 << 20),
            None => READ_CHUNK,
        };
        let len = c.query.len();
        let conn = c.conn.as_mut().expect("network client");
        let res = if big.is_some() {
            c.query.resize(len + want, 0);
            let r = conn.read(&mut c.query[len..]);
            c.query.truncate(len + *r.as_ref().unwrap_or(&0));
            r
        } else {
            SCRATCH.with(|s| {
                let mut s = s.borrow_mut();
                let r = conn.read(&mut s[..want]);
                if let Ok(n) = r {
                    c.query.extend_from_slice(&s[..n]);
                }
                r
            })
        };
        match res {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => {
                c.net_input_bytes += n as u64;
                srv.stats.total_net_input_bytes += n as u64;
                if c.query.len() > limit {
                    tracing::warn!("Closing client that reached max query buffer length: id={} addr={} qbuf={}", c.id, c.addr, c.query.len());
                    srv.stats.client_qbuf_limit_disconnections += 1;
                    c.flags |= cf::CLOSE_ASAP;
                    break;
                }
                if n < want {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                tracing::debug!("Reading from client: {e}");
                closed = true;
                break;
            }
        }
    }
    c.last_interaction = srv.loop_instant;
    if !c.has(cf::CLOSE_ASAP) {
        process_input(srv, &mut c);
    }
    if closed || c.has(cf::CLOSE_ASAP) {
        free_client(srv, c);
        return;
    }
    srv.clients.put_back(c);
    srv.mark_pending_write(slot);
}

/// Removes a client: its subscriptions, watches, blocks and socket.
fn free_client(srv: &mut Server, mut c: Box<Client>) {
    crate::hooks::client_disconnected(srv, &mut c);
    crate::hooks::client_cleanup(srv, &mut c);
    if let Some(conn) = c.conn.as_mut() {
        let _ = el(srv).poll.registry().deregister(conn.source());
    }
    srv.clients.forget_taken(&c);
}

fn close_slot(srv: &mut Server, slot: usize) {
    if let Some(c) = srv.clients.take(slot) {
        free_client(srv, c);
    }
}

fn before_sleep(srv: &mut Server) {
    let now = unix_ms();
    if !srv.blocking.timeouts.is_empty() {
        crate::blocking::handle_timeouts(srv, now);
    }
    crate::hooks::blocked_before_sleep(srv);
    // Clients unblocked by other clients' commands may have pipelined commands
    // waiting in their buffers: run them now.
    while !srv.unblocked.is_empty() {
        let ids = std::mem::take(&mut srv.unblocked);
        for id in ids {
            let Some(slot) = srv.clients.slot_of(id) else {
                continue;
            };
            let Some(mut c) = srv.clients.take(slot) else {
                continue;
            };
            if !c.has(cf::BLOCKED) && !c.query.is_empty() {
                process_input(srv, &mut c);
            }
            if c.has(cf::CLOSE_ASAP) {
                free_client(srv, c);
            } else {
                srv.clients.put_back(c);
                srv.mark_pending_write(slot);
            }
        }
    }
    crate::hooks::before_sleep(srv);
    for id in std::mem::take(&mut srv.to_close) {
        if let Some(slot) = srv.clients.slot_of(id) {
            close_slot(srv, slot);
        }
    }
    write_replies(srv);
}

/// Writes every pending reply, closing clients that asked for it or broke a limit.
fn write_replies(srv: &mut Server) {
    let pending = std::mem::take(&mut srv.pending_writes);
    for slot in pending {
        let Some(c) = srv.clients.get_mut(slot) else {
            continue;
        };
        c.flags &= !cf::PENDING_WRITE;
        let before = c.pending_output();
        let res = c.write_pending();
        let written = before - c.pending_output();
        srv.stats.total_net_output_bytes += written as u64;
        if written > 0 {
            srv.stats.total_writes_processed += 1;
        }
        let c = srv.clients.get_mut(slot).expect("present");
        let done = c.pending_output() == 0;
        let close = res.is_err() || c.has(cf::CLOSE_ASAP) || (done && c.has(cf::CLOSE_AFTER_REPLY));
        if close {
            close_slot(srv, slot);
            continue;
        }
        if !done && crate::limits::output_over_limit(srv, slot) {
            if let Some(c) = srv.clients.get(slot) {
                tracing::warn!(
                    "Client id={} addr={} closed for overcoming of output buffer limits.",
                    c.id,
                    c.addr
                );
            }
            srv.stats.client_outbuf_limit_disconnections += 1;
            close_slot(srv, slot);
        }
    }
}

/// Parses and runs every complete command in the client's query buffer, stopping when
/// it blocks or is to be closed.
pub fn process_input(srv: &mut Server, c: &mut Client) {
    loop {
        if c.has(cf::BLOCKED | cf::CLOSE_ASAP | cf::CLOSE_AFTER_REPLY) || c.query.is_empty() {
            break;
        }
        if srv.pause.is_some() && crate::hooks::client_paused(srv, c) {
            break;
        }
        let limits = ParseLimits {
            max_bulk_len: srv.config.proto_max_bulk_len,
            unauthenticated: !c.authenticated,
        };
        match c.parser.parse(&mut c.query, &mut c.argv, limits) {
            Ok(Parsed::Incomplete) => break,
            Ok(Parsed::Command) => {
                if c.argv.is_empty() {
                    continue;
                }
                crate::dispatch::process_command(srv, c);
            }
            Err(e) => {
                srv.count_error("ERR");
                c.out.error(&e.reply_text());
                tracing::debug!(
                    "Protocol error ({}) from client: id={} addr={}",
                    e.log_reason(),
                    c.id,
                    c.addr
                );
                c.flags |= cf::CLOSE_AFTER_REPLY;
                c.query.clear();
                break;
            }
        }
    }
    // Keep the buffer's allocation only while it is small.
    if c.query.is_empty() && c.query.capacity() > 64 * 1024 {
        c.query = bytes::BytesMut::new();
    }
}

fn fmt_addr(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("{}:{}", v.ip(), v.port()),
    }
}

const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";
