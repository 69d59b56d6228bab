//! Command propagation (Redis's `alsoPropagate` and `propagatePendingCommands`): what a
//! write does to the dataset, as commands the AOF (and later replicas) can replay.
//!
//! After a command runs, `dispatch::call` records it when it changed the dataset
//! (`srv.dirty` grew) or forced propagation, unless it prevented it; a handler can
//! replace what is recorded with [`rewrite`] (`EXPIRE` as `PEXPIREAT`, `SPOP` as
//! `SREM`...), add commands with [`also`], and implicit deletions (lazy or active expiry,
//! eviction) go through [`deletion`]. When the outermost command ends, the recorded
//! commands are fed to the consumers, wrapped in `MULTI`/`EXEC` when there are several.

use crate::server::Server;
use bytes::Bytes;

/// One recorded command: its database (`None`: no `SELECT` needed) and arguments.
#[derive(Debug, Clone)]
pub struct Op {
    /// Database.
    pub db: Option<usize>,
    /// Arguments.
    pub argv: Vec<Bytes>,
}

/// The running command's propagation state.
#[derive(Debug, Default)]
pub struct PropState {
    /// Commands recorded in the current execution unit.
    pub pending: Vec<Op>,
    /// What the running command propagates instead of its own arguments.
    pub rewritten: Option<Vec<Bytes>>,
    /// The running command propagates nothing of its own.
    pub prevented: bool,
    /// The running command propagates even if it changed nothing.
    pub forced: bool,
}

/// Saved per-call state, restored when a nested call ends.
#[derive(Debug, Default)]
pub struct Saved {
    rewritten: Option<Vec<Bytes>>,
    prevented: bool,
    forced: bool,
}

impl PropState {
    /// Starts a call: its own flags begin clear.
    pub fn enter(&mut self) -> Saved {
        Saved {
            rewritten: self.rewritten.take(),
            prevented: std::mem::take(&mut self.prevented),
            forced: std::mem::take(&mut self.forced),
        }
    }

    /// Ends a call: records the command's own propagation, restores the caller's flags.
    pub fn leave(&mut self, saved: Saved, db: usize, argv: &[Bytes], changed: bool) {
        let rewritten = self.rewritten.take();
        if (changed || self.forced) && !self.prevented {
            self.pending.push(Op {
                db: Some(db),
                argv: rewritten.unwrap_or_else(|| argv.to_vec()),
            });
        }
        self.rewritten = saved.rewritten;
        self.prevented = saved.prevented;
        self.forced = saved.forced;
    }

    /// Drops what was recorded (commands replayed from the AOF).
    pub fn discard(&mut self) {
        self.pending.clear();
    }
}

/// The running command propagates `argv` instead of its own arguments (Redis's
/// `rewriteClientCommandVector`).
pub fn rewrite(srv: &mut Server, argv: Vec<Bytes>) {
    srv.persist.prop.rewritten = Some(argv);
}

/// The running command propagates nothing of its own (`preventCommandPropagation`).
pub fn prevent(srv: &mut Server) {
    srv.persist.prop.prevented = true;
}

/// The running command propagates even if it changed nothing (`forceCommandPropagation`).
pub fn force(srv: &mut Server) {
    srv.persist.prop.forced = true;
}

/// Records an extra command (`alsoPropagate`).
pub fn also(srv: &mut Server, db: usize, argv: Vec<Bytes>) {
    srv.persist.prop.pending.push(Op { db: Some(db), argv });
}

/// Records an implicit deletion: `DEL`, or `UNLINK` when `lazy`.
pub fn deletion(srv: &mut Server, db: usize, key: &[u8], lazy: bool) {
    let cmd: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
    also(
        srv,
        db,
        vec![Bytes::from_static(cmd), Bytes::copy_from_slice(key)],
    );
}

/// Records the deletion of an expired key, `UNLINK` under `lazyfree-lazy-expire`.
pub fn expired_deletion(srv: &mut Server, db: usize, key: &[u8]) {
    let lazy = srv.config.get("lazyfree-lazy-expire").as_deref() == Some("yes");
    deletion(srv, db, key, lazy);
}

/// Records the deletion of an expired hash field: `HDEL key field`.
pub fn hash_field_deletion(srv: &mut Server, db: usize, key: &[u8], field: &[u8]) {
    also(
        srv,
        db,
        vec![
            Bytes::from_static(b"HDEL"),
            Bytes::copy_from_slice(key),
            Bytes::copy_from_slice(field),
        ],
    );
}

/// The argument as `Bytes`.
pub fn arg(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

/// Feeds what the execution unit recorded to the consumers, wrapped in `MULTI`/`EXEC`
/// when there are several commands and `wrap` allows it (Redis's
/// `propagatePendingCommands`). Nothing is fed while loading.
pub fn flush(srv: &mut Server, wrap: bool) {
    if srv.persist.prop.pending.is_empty() {
        return;
    }
    let ops = std::mem::take(&mut srv.persist.prop.pending);
    if srv.loading {
        return;
    }
    let transaction = wrap && ops.len() > 1;
    if transaction {
        feed(srv, None, &[Bytes::from_static(b"MULTI")]);
    }
    for op in &ops {
        feed(srv, op.db, &op.argv);
    }
    if transaction {
        feed(srv, None, &[Bytes::from_static(b"EXEC")]);
    }
}

fn feed(srv: &mut Server, db: Option<usize>, argv: &[Bytes]) {
    crate::persistence::aof::feed(srv, db, argv);
}
