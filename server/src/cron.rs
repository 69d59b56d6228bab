//! The server cron (Redis's `serverCron`), run `hz` times a second: client timeouts,
//! active expiry, incremental rehashing, metrics.

use crate::client::flags as cf;
use crate::server::{unix_ms, Server};
use std::time::{Duration, Instant};

/// One cron tick.
pub fn server_cron(srv: &mut Server) {
    srv.cronloops += 1;
    let now = unix_ms();
    srv.cmd_time_ms = now;
    clients_cron(srv);
    if srv.active_expire_enabled {
        active_expire_cycle(srv);
        crate::commands::hashes::active_expire_hashes(srv);
    }
    if srv.config.activerehashing {
        let budget = Duration::from_micros(1000);
        for db in &mut srv.dbs {
            if db.keys.rehash_for(budget) {
                break;
            }
            if db.expires.rehash_for(budget) {
                break;
            }
        }
    }
    // Every 100 ms: instantaneous metrics.
    let every = (100 / (1000 / u64::from(srv.config.hz.max(1)))).max(1);
    if srv.cronloops % every == 0 {
        let s = &mut srv.stats;
        s.ops_sampler.sample(s.total_commands_processed, now);
        s.input_sampler.sample(s.total_net_input_bytes, now);
        s.output_sampler.sample(s.total_net_output_bytes, now);
        let used = crate::evict::used_memory();
        if used > srv.peak_memory {
            srv.peak_memory = used;
        }
    }
}

fn clients_cron(srv: &mut Server) {
    let timeout = srv.config.timeout;
    if timeout == 0 {
        return;
    }
    let mut idle = Vec::new();
    for c in srv.clients.iter() {
        if c.conn.is_some()
            && !c.has(cf::REPLICA | cf::BLOCKED | cf::PUBSUB)
            && c.last_interaction.elapsed().as_secs() > timeout
        {
            idle.push(c.id);
        }
    }
    for id in idle {
        tracing::debug!("Closing idle client");
        srv.to_close.push(id);
    }
}

/// Redis's slow active expiry cycle: sample keys with a TTL in each database, delete
/// the expired ones, keep going while more than 10% of a sample was expired, within 25%
/// of the cron period of CPU time.
pub fn active_expire_cycle(srv: &mut Server) {
    let effort = u64::from(srv.config.active_expire_effort.saturating_sub(1));
    let per_loop = 20 + 20 / 4 * effort as usize;
    let acceptable_stale = 10 - effort as usize;
    let budget = Duration::from_micros(
        (1_000_000 / u64::from(srv.config.hz.max(1))) * (25 + 2 * effort) / 100,
    );
    let start = Instant::now();
    let now = unix_ms();
    for dbi in 0..srv.dbs.len() {
        loop {
            let db = &mut srv.dbs[dbi];
            if db.expires.is_empty() {
                break;
            }
            let mut sampled = 0;
            let mut expired = Vec::new();
            let mut cursor = db.expires_cursor;
            let mut ttl_sum = 0i64;
            let mut ttl_samples = 0i64;
            while sampled < per_loop {
                cursor = db.expires.scan(cursor, |k, t| {
                    sampled += 1;
                    if *t <= now {
                        expired.push(k.to_vec());
                    } else {
                        ttl_sum += *t - now;
                        ttl_samples += 1;
                    }
                });
                if cursor == 0 {
                    break;
                }
            }
            db.expires_cursor = cursor;
            if ttl_samples > 0 {
                let avg = ttl_sum / ttl_samples;
                db.avg_ttl = if db.avg_ttl == 0 {
                    avg
                } else {
                    (db.avg_ttl / 50) * 49 + avg / 50
                };
            }
            let n_expired = expired.len();
            for k in expired {
                let mut ks = crate::ctx::Keyspace { srv, db: dbi };
                ks.expire_if_needed(&k);
            }
            if sampled == 0
                || n_expired * 100 / sampled <= acceptable_stale
                || start.elapsed() >= budget
            {
                break;
            }
        }
        if start.elapsed() >= budget {
            break;
        }
    }
    srv.stats.expire_cycle_time_used_us += start.elapsed().as_micros() as u64;
}
