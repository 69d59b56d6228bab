//! `coil-server [/path/to/coil.conf] [--directive value ...]`: the same command line as
//! `redis-server`.

use coil_server::config::Config;

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn usage() -> ! {
    eprintln!(
        "Usage: ./coil-server [/path/to/coil.conf] [options] [-]\n       ./coil-server - (read config from stdin)\n       ./coil-server -v or --version\n       ./coil-server -h or --help\n\nExamples:\n       ./coil-server (run the server with the embedded default configuration)\n       ./coil-server /etc/redis/6379.conf\n       ./coil-server --port 7777\n       ./coil-server /etc/myredis.conf --loglevel verbose -\n       ./coil-server --loadmodule /path/to/module.so arg1 arg2"
    );
    std::process::exit(1);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 1 && (args[0] == "-v" || args[0] == "--version") {
        println!(
            "Redis server v={} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build={} (Coil {})",
            coil_server::REDIS_VERSION,
            coil_server::BUILD_ID,
            coil_server::COIL_VERSION
        );
        return;
    }
    if args.len() == 1 && (args[0] == "-h" || args[0] == "--help") {
        usage();
    }
    let mut config = Config::new();
    let mut text = String::new();
    let mut i = 0;
    if let Some(first) = args.first() {
        if !first.starts_with("--") && first != "-" {
            let path = std::path::Path::new(first);
            match std::fs::read_to_string(path) {
                Ok(t) => text.push_str(&t),
                Err(e) => {
                    eprintln!("Fatal error, can't open config file '{}': {}", first, e);
                    std::process::exit(1);
                }
            }
            config.config_file = Some(
                std::fs::canonicalize(path)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| first.clone()),
            );
            i = 1;
        }
    }
    if config.config_file.is_none() {
        text.push_str(coil_server::DEFAULT_CONFIG);
    }
    // "--name v1 v2 --other v" becomes "name v1 v2\nother v\n"; a lone "-" reads stdin.
    let mut line = String::new();
    let mut read_stdin = false;
    while i < args.len() {
        let a = &args[i];
        if a == "-" {
            read_stdin = true;
        } else if let Some(name) = a.strip_prefix("--") {
            if !line.is_empty() {
                text.push('\n');
                text.push_str(&line);
            }
            line = name.to_string();
        } else {
            line.push(' ');
            line.push_str(&quote(a));
        }
        i += 1;
    }
    if !line.is_empty() {
        text.push('\n');
        text.push_str(&line);
    }
    if read_stdin {
        use std::io::Read;
        let mut s = String::new();
        let _ = std::io::stdin().read_to_string(&mut s);
        text.push('\n');
        text.push_str(&s);
    }
    text.push('\n');
    if let Err(e) = config.load_text(&text) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    if let Err(e) = coil_server::log::init(&config.logfile, &config.loglevel) {
        eprintln!("Can't open the log file: {e}");
        std::process::exit(1);
    }
    banner(&config);
    std::process::exit(coil_server::run(config));
}

/// Quotes a command-line value so the config parser reads it back as one argument.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && !s
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c == b'"' || c == b'\'' || c == b'\\')
    {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn banner(config: &Config) {
    tracing::info!("oO0OoO0OoO0Oo Coil is starting oO0OoO0OoO0Oo");
    tracing::info!(
        "Coil version={} (Redis {} compatible), bits=64, pid={}, just started",
        coil_server::COIL_VERSION,
        coil_server::REDIS_VERSION,
        std::process::id()
    );
    match &config.config_file {
        Some(f) => tracing::info!("Configuration loaded from {f}"),
        None => tracing::info!("No config file specified, using the embedded default config."),
    }
    tracing::info!(
        "Running mode=standalone, port={}. PID: {}",
        config.port,
        std::process::id()
    );
}
