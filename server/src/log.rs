//! Logging in Redis's format: `pid:role day month year time.ms level message`, with
//! Redis's level characters (`.` debug, `-` verbose, `*` notice, `#` warning).
//!
//! `tracing` levels map to Redis levels as TRACE = debug, DEBUG = verbose, INFO = notice,
//! WARN and ERROR = warning. `loglevel` can change at runtime.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// Redis log levels, least to most severe; `NOTHING` silences everything.
pub const DEBUG: u8 = 0;
/// `verbose`
pub const VERBOSE: u8 = 1;
/// `notice`
pub const NOTICE: u8 = 2;
/// `warning`
pub const WARNING: u8 = 3;
/// `nothing`
pub const NOTHING: u8 = 4;

static LEVEL: AtomicU8 = AtomicU8::new(NOTICE);
static ROLE: AtomicU8 = AtomicU8::new(b'M');
static SINK: Mutex<Option<Box<dyn std::io::Write + Send>>> = Mutex::new(None);

/// Parses a `loglevel` value.
pub fn level_from_name(name: &str) -> u8 {
    match name {
        "debug" => DEBUG,
        "verbose" => VERBOSE,
        "warning" => WARNING,
        "nothing" => NOTHING,
        _ => NOTICE,
    }
}

/// Sets the minimum level logged.
pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// Sets the role letter (`M` server, `C` forked child).
pub fn set_role(role: u8) {
    ROLE.store(role, Ordering::Relaxed);
}

fn redis_level(l: &Level) -> u8 {
    match *l {
        Level::TRACE => DEBUG,
        Level::DEBUG => VERBOSE,
        Level::INFO => NOTICE,
        _ => WARNING,
    }
}

/// True if a message at `level` would be written.
pub fn enabled(level: u8) -> bool {
    level >= LEVEL.load(Ordering::Relaxed) && LEVEL.load(Ordering::Relaxed) != NOTHING
}

struct RedisFormat;

struct MessageVisitor<'a>(&'a mut String);

impl tracing::field::Visit for MessageVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={}", field.name(), value);
        }
    }
}

impl<S: Subscriber> Layer<S> for RedisFormat {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        enabled(redis_level(meta.level()))
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let level = redis_level(event.metadata().level());
        if !enabled(level) {
            return;
        }
        let mut msg = String::new();
        event.record(&mut MessageVisitor(&mut msg));
        write_line(level, &msg);
    }
}

/// Writes one log line at `level` (also used for `DEBUG LOG` and scripts' `redis.log`).
pub fn write_line(level: u8, msg: &str) {
    if !enabled(level) {
        return;
    }
    let now = chrono::Local::now();
    let c = [b'.', b'-', b'*', b'#'][level.min(3) as usize] as char;
    let line = format!(
        "{}:{} {} {} {}\n",
        std::process::id(),
        ROLE.load(Ordering::Relaxed) as char,
        now.format("%d %b %Y %H:%M:%S%.3f"),
        c,
        msg
    );
    let mut sink = SINK.lock().unwrap_or_else(|e| e.into_inner());
    match sink.as_mut() {
        Some(w) => {
            let _ = w.write_all(line.as_bytes());
            let _ = w.flush();
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// Installs the logger: standard output when `logfile` is empty, else the file (opened
/// for appending).
pub fn init(logfile: &str, level: &str) -> std::io::Result<()> {
    set_level(level_from_name(level));
    if !logfile.is_empty() {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)?;
        *SINK.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(f));
    }
    let sub = tracing_subscriber::registry().with(RedisFormat);
    let _ = tracing::subscriber::set_global_default(sub);
    Ok(())
}
