//! Replaying AOF files: an RDB base (or preamble) is loaded as an RDB, commands are
//! parsed as RESP arrays and run by a client with no socket (id `u64::MAX`), a
//! `MULTI`...`EXEC` block only once its `EXEC` is read. A torn tail of the last file is
//! cut off when `aof-load-truncated` allows it.

use crate::client::{flags as cf, Client};
use crate::persistence::rdb::load::{LoadOptions, RdbLoad};
use crate::server::Server;
use bytes::Bytes;
use std::collections::VecDeque;
use std::path::PathBuf;

/// The id of the client that replays the AOF.
pub const AOF_CLIENT_ID: u64 = u64::MAX;

/// One file to load.
#[derive(Debug, Clone)]
pub struct Part {
    /// Its path.
    pub path: PathBuf,
    /// Its name for messages.
    pub name: String,
    /// "base" or "incr" (for the log).
    pub kind: &'static str,
    /// The last file: a torn tail may be cut off.
    pub last: bool,
}

enum Stage {
    /// Loading the RDB part of a file.
    Rdb(Box<RdbLoad>),
    /// Replaying commands.
    Cmds { data: Bytes, pos: usize },
}

/// Why an AOF could not be loaded.
#[derive(Debug)]
pub struct AofError(pub String);

/// An AOF being loaded, a batch of commands at a time.
pub struct AofLoad {
    parts: VecDeque<Part>,
    current: Option<(Part, Stage, std::time::Instant)>,
    client: Box<Client>,
    /// Commands of an open `MULTI`, and where the `MULTI` started.
    multi: Option<(Vec<Vec<Bytes>>, usize)>,
    /// Bytes of the files loaded so far.
    pub loaded_bytes: u64,
    /// Total bytes of all the files.
    pub total_bytes: u64,
    /// Files that held something.
    pub nonempty: usize,
}

/// What parsing one command found.
enum Parsed {
    Cmd(Vec<Bytes>, usize),
    Incomplete,
    Bad,
}

fn parse_line(data: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = data.get(pos..)?;
    let nl = rest.iter().position(|&c| c == b'\n')?;
    if nl == 0 || rest[nl - 1] != b'\r' {
        return Some((&rest[..nl], pos + nl + 1));
    }
    Some((&rest[..nl - 1], pos + nl + 1))
}

fn parse_command(data: &Bytes, mut pos: usize) -> Parsed {
    let Some((line, next)) = parse_line(data, pos) else {
        return Parsed::Incomplete;
    };
    if line.first() != Some(&b'*') {
        return Parsed::Bad;
    }
    let Some(argc) = crate::util::parse_i64(&line[1..]).filter(|&n| n >= 1) else {
        return Parsed::Bad;
    };
    pos = next;
    let mut argv = Vec::with_capacity(argc.min(1024) as usize);
    for _ in 0..argc {
        let Some((line, next)) = parse_line(data, pos) else {
            return Parsed::Incomplete;
        };
        if line.first() != Some(&b'$') {
            return Parsed::Bad;
        }
        let Some(len) = crate::util::parse_i64(&line[1..]).filter(|&n| n >= 0) else {
            return Parsed::Bad;
        };
        let len = len as usize;
        let start = next;
        let Some(end) = start.checked_add(len) else {
            return Parsed::Bad;
        };
        if end + 2 > data.len() {
            return Parsed::Incomplete;
        }
        if &data[end..end + 2] != b"\r\n" {
            return Parsed::Bad;
        }
        argv.push(data.slice(start..end));
        pos = end + 2;
    }
    Parsed::Cmd(argv, pos)
}

impl AofLoad {
    /// Prepares to load `parts` in order.
    pub fn new(parts: Vec<Part>) -> AofLoad {
        let total_bytes = parts
            .iter()
            .map(|p| std::fs::metadata(&p.path).map(|m| m.len()).unwrap_or(0))
            .sum();
        let mut client = Box::new(Client::internal(AOF_CLIENT_ID, cf::AOF));
        client.authenticated = true;
        AofLoad {
            parts: parts.into(),
            current: None,
            client,
            multi: None,
            loaded_bytes: 0,
            total_bytes,
            nonempty: 0,
        }
    }

    /// Loads for about `budget`; `Ok(true)` when every file is loaded.
    pub fn step(
        &mut self,
        srv: &mut Server,
        budget: std::time::Duration,
    ) -> Result<bool, AofError> {
        let t0 = std::time::Instant::now();
        loop {
            if self.current.is_none() {
                let Some(part) = self.parts.pop_front() else {
                    return Ok(true);
                };
                let data = match std::fs::read(&part.path) {
                    Ok(d) => d,
                    Err(e) => {
                        return Err(AofError(format!(
                            "Fatal error: can't open the append log file {} for reading: {e}",
                            part.name
                        )))
                    }
                };
                if data.is_empty() {
                    tracing::info!(
                        "DB loaded from {} file {}: 0.000 seconds",
                        part.kind,
                        part.name
                    );
                    continue;
                }
                self.nonempty += 1;
                let stage = if data.starts_with(b"REDIS") {
                    tracing::info!("Reading RDB {} file on AOF loading...", part.kind);
                    let l = RdbLoad::new(
                        srv,
                        data,
                        LoadOptions {
                            allow_dup: false,
                            keep_expired: true,
                        },
                    )
                    .map_err(|e| {
                        AofError(format!(
                            "Error reading the RDB {} file {}, AOF loading aborted: {e}",
                            part.kind, part.name
                        ))
                    })?;
                    Stage::Rdb(Box::new(l))
                } else {
                    Stage::Cmds {
                        data: Bytes::from(data),
                        pos: 0,
                    }
                };
                self.client.db = 0;
                self.current = Some((part, stage, std::time::Instant::now()));
            }
            if t0.elapsed() >= budget {
                return Ok(false);
            }
            let Some((part, stage, t)) = self.current.take() else {
                continue;
            };
            match stage {
                Stage::Rdb(mut l) => match l.step(srv, 1000) {
                    Ok(false) => self.current = Some((part, Stage::Rdb(l), t)),
                    Ok(true) => {
                        let stats = l.stats;
                        srv.persist.load_stats = stats;
                        tracing::info!(
                            "Done loading RDB, keys loaded: {}, keys expired: {}.",
                            stats.loaded,
                            stats.expired
                        );
                        let rest = l.into_rest();
                        if rest.is_empty() {
                            self.finish_part(&part, t);
                        } else {
                            // An AOF tail after the RDB preamble.
                            let data = Bytes::from(rest);
                            self.current = Some((part, Stage::Cmds { data, pos: 0 }, t));
                        }
                    }
                    Err(e) => {
                        return Err(AofError(format!(
                            "Error reading the RDB {} file {}, AOF loading aborted: {e}",
                            part.kind, part.name
                        )))
                    }
                },
                Stage::Cmds { data, mut pos } => {
                    let finished = self.replay(srv, &part, &data, &mut pos)?;
                    if finished {
                        self.finish_part(&part, t);
                    } else {
                        self.current = Some((part, Stage::Cmds { data, pos }, t));
                    }
                }
            }
        }
    }

    /// Replays up to 1000 commands; true at the end of the file.
    fn replay(
        &mut self,
        srv: &mut Server,
        part: &Part,
        data: &Bytes,
        pos: &mut usize,
    ) -> Result<bool, AofError> {
        for _ in 0..1000 {
            // Annotations (`#TS:...`) are skipped.
            if data.get(*pos) == Some(&b'#') {
                match parse_line(data, *pos) {
                    Some((_, next)) => {
                        *pos = next;
                        continue;
                    }
                    None => {
                        self.truncated(srv, *pos, part)?;
                        return Ok(true);
                    }
                }
            }
            if *pos >= data.len() {
                if self.multi.is_some() {
                    self.truncated(srv, data.len(), part)?;
                }
                return Ok(true);
            }
            match parse_command(data, *pos) {
                Parsed::Cmd(argv, next) => {
                    let at = *pos;
                    *pos = next;
                    self.run(srv, argv, at, &part.name)?;
                }
                Parsed::Incomplete => {
                    self.truncated(srv, *pos, part)?;
                    return Ok(true);
                }
                Parsed::Bad => {
                    return Err(AofError(format!("Bad file format reading the append only file {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", part.name)));
                }
            }
        }
        Ok(false)
    }

    fn finish_part(&mut self, part: &Part, t: std::time::Instant) {
        self.loaded_bytes += std::fs::metadata(&part.path).map(|m| m.len()).unwrap_or(0);
        tracing::info!(
            "DB loaded from {} file {}: {:.3} seconds",
            part.kind,
            part.name,
            t.elapsed().as_secs_f64()
        );
    }

    fn truncated(&mut self, srv: &mut Server, pos: usize, part: &Part) -> Result<(), AofError> {
        let (last, name, path) = (part.last, part.name.as_str(), part.path.as_path());
        let load_truncated = srv.config.get("aof-load-truncated").as_deref() != Some("no");
        let valid = match self.multi.take() {
            Some((_, before)) => {
                tracing::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
                before
            }
            None => pos,
        };
        if !last || !load_truncated {
            return Err(AofError(format!("Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.")));
        }
        tracing::warn!("!!! Warning: short read while loading the AOF file {name}!!!");
        tracing::warn!("!!! Truncating the AOF {name} at offset {valid} !!!");
        let res = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(valid as u64));
        if let Err(e) = res {
            return Err(AofError(format!(
                "Error truncating the AOF file {name}: {e}"
            )));
        }
        tracing::warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
        Ok(())
    }

    fn run(
        &mut self,
        srv: &mut Server,
        argv: Vec<Bytes>,
        at: usize,
        name: &str,
    ) -> Result<(), AofError> {
        let cmd = argv[0].to_ascii_lowercase();
        if cmd == b"multi" {
            self.multi = Some((Vec::new(), at));
            return Ok(());
        }
        if cmd == b"exec" {
            let Some((cmds, _)) = self.multi.take() else {
                return Err(AofError(format!(
                    "Revert incomplete MULTI/EXEC transaction in AOF file {name}"
                )));
            };
            for c in cmds {
                self.exec(srv, c, name)?;
            }
            return Ok(());
        }
        if let Some((cmds, _)) = self.multi.as_mut() {
            cmds.push(argv);
            return Ok(());
        }
        self.exec(srv, argv, name)
    }

    fn exec(&mut self, srv: &mut Server, argv: Vec<Bytes>, name: &str) -> Result<(), AofError> {
        srv.cmd_time_ms = crate::server::unix_ms();
        if let Err(e) = crate::dispatch::call_internal(srv, &mut self.client, &argv) {
            let _ = e;
            return Err(AofError(format!(
                "Unknown command '{}' reading the append only file {name}",
                String::from_utf8_lossy(&argv[0])
            )));
        }
        self.client.out.buf.clear();
        self.client.sent = 0;
        // Commands run while loading are not fed back to the AOF.
        srv.persist.prop.discard();
        Ok(())
    }
}
