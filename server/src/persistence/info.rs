//! `INFO persistence`: Redis 7.4's fields with Coil's real figures.

use super::aof::AofStatus;
use super::child::ChildKind;
use crate::server::{unix_ms, Server};
use std::fmt::Write;

/// Appends the `# Persistence` section.
pub fn render(srv: &Server, o: &mut String) {
    let p = &srv.persist;
    let now = unix_ms() / 1000;
    let child_kind = p.child.as_ref().map(|c| c.kind);
    let child_secs = p
        .child
        .as_ref()
        .map(|c| c.started.elapsed().as_secs() as i64)
        .unwrap_or(-1);
    let rdb_running = child_kind == Some(ChildKind::Rdb);
    let aof_running = child_kind == Some(ChildKind::AofRewrite);
    let a = &p.aof;
    let _ = write!(
        o,
        "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:{}\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        u8::from(srv.loading),
        srv.dirty,
        u8::from(rdb_running),
        srv.last_save,
        if p.last_bgsave_failed { "err" } else { "ok" },
        p.last_bgsave_time_sec.unwrap_or(-1),
        if rdb_running { child_secs } else { -1 },
        p.rdb_saves,
        p.rdb_last_cow_size,
        p.load_stats.expired,
        p.load_stats.loaded,
        u8::from(a.status != AofStatus::Off),
        u8::from(aof_running),
        u8::from(a.rewrite_scheduled),
        a.last_rewrite_time_sec.unwrap_or(-1),
        if aof_running { child_secs } else { -1 },
        if a.last_rewrite_failed { "err" } else { "ok" },
        a.rewrites,
        a.consecutive_failures,
        if a.last_write_failed { "err" } else { "ok" },
        a.last_cow_size,
    );
    if a.status != AofStatus::Off {
        let _ = write!(
            o,
            "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
            a.current_size,
            a.base_size,
            u8::from(a.rewrite_scheduled),
            a.buf.len(),
            u8::from(a.fsync_in_progress.load(std::sync::atomic::Ordering::Relaxed)),
            a.delayed_fsync,
        );
    }
    if let Some(pr) = super::loading::progress(srv) {
        let perc = if pr.total > 0 {
            pr.loaded as f64 * 100.0 / pr.total as f64
        } else {
            0.0
        };
        let elapsed = (now - pr.start_time).max(0);
        let eta = if pr.loaded > 0 && elapsed > 0 {
            ((pr.total.saturating_sub(pr.loaded)) as f64 / (pr.loaded as f64 / elapsed as f64))
                as i64
        } else {
            1
        };
        let _ = write!(
            o,
            "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:0\r\nloading_loaded_bytes:{}\r\nloading_loaded_perc:{:.2}\r\nloading_eta_seconds:{}\r\n",
            pr.start_time, pr.total, pr.loaded, perc, eta
        );
    }
}
