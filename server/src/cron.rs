//! The server cron (Redis's `serverCron`), run `hz` times a second: client timeouts,
//! active expiry, incremental rehashing, metrics.

use crate::client::flags as cf;
use crate::server::{unix_ms, Server};
use std::time::{Duration, Instant};

/// One cron tick.
pub fn server_cron(srv: &mut Server) {
    srv.cronloops += 1;
    if !srv.modules.is_empty() {
        crate::modules::api::server_events::fire_cron_loop(srv);
    }
    let now = unix_ms();
    srv.cmd_time_ms = now;
    clients_cron(srv);
    if srv.active_expire_enabled {
        active_expire_cycle(srv);
        crate::commands::hashes::active_expire_hashes(srv);
    }
    crate::persistence::cron(srv);
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

/// Redis's slow active expiry cycle (`activeExpireCycle`): walk the keys with a TTL of
/// each database with the `expires` cursor, 20 per round, deleting the expired ones
/// (with their `expired` events), and repeat a database's round while more than 10% of
/// a sample was expired; stop at 25% of the cron period. `active-expire-effort` scales
/// every figure as in Redis.
pub fn active_expire_cycle(srv: &mut Server) {
    if matches!(srv.pause, Some((until, _)) if until > unix_ms()) {
        return;
    }
    let effort = u64::from(srv.config.active_expire_effort.clamp(1, 10) - 1);
    let per_loop = (20 + 20 / 4 * effort) as usize;
    let acceptable_stale = 10 - effort as usize;
    let budget = Duration::from_micros(
        ((25 + 2 * effort) * 1_000_000 / u64::from(srv.config.hz.max(1)) / 100).max(1),
    );
    let start = Instant::now();
    let mut iteration = 0u64;
    let mut total_sampled = 0usize;
    let mut total_expired = 0usize;
    let mut timelimit_exit = false;
    for dbi in 0..srv.dbs.len() {
        if timelimit_exit {
            break;
        }
        let mut ttl_sum = 0i64;
        let mut ttl_samples = 0i64;
        loop {
            iteration += 1;
            let num = srv.dbs[dbi].expires.len();
            if num == 0 {
                srv.dbs[dbi].avg_ttl = 0;
                break;
            }
            let now = unix_ms();
            srv.cmd_time_ms = now;
            let num = num.min(per_loop);
            let max_buckets = num * 20;
            let mut checked_buckets = 0;
            let mut sampled = 0;
            let mut expired_keys = Vec::new();
            let mut db_done = false;
            {
                let db = &mut srv.dbs[dbi];
                // A table of mostly empty buckets is not worth sampling: it will shrink.
                let buckets = db.expires.bucket_count();
                if buckets > 4 && db.expires.len() * 100 / buckets < 1 {
                    break;
                }
                let mut cursor = db.expires_cursor;
                while sampled < num && checked_buckets < max_buckets {
                    cursor = db.expires.scan(cursor, |k, t| {
                        sampled += 1;
                        if now > *t {
                            expired_keys.push(k.to_vec());
                        } else {
                            ttl_sum += *t - now;
                            ttl_samples += 1;
                        }
                    });
                    if cursor == 0 {
                        db_done = true;
                        break;
                    }
                    checked_buckets += 1;
                }
                db.expires_cursor = cursor;
            }
            let expired = expired_keys.len();
            for k in expired_keys {
                let mut ks = crate::ctx::Keyspace { srv, db: dbi };
                ks.expire_if_needed(&k);
                // Each active expiry is its own execution unit.
                crate::persistence::propagate::flush(srv, false);
            }
            total_sampled += sampled;
            total_expired += expired;
            let repeat = !db_done && (sampled == 0 || expired * 100 / sampled > acceptable_stale);
            if iteration % 16 == 0 || !repeat {
                if ttl_samples > 0 {
                    let avg = ttl_sum / ttl_samples;
                    let db = &mut srv.dbs[dbi];
                    db.avg_ttl = if db.avg_ttl == 0 {
                        avg
                    } else {
                        (db.avg_ttl / 50) * 49 + avg / 50
                    };
                    ttl_sum = 0;
                    ttl_samples = 0;
                }
                if iteration % 16 == 0 && start.elapsed() > budget {
                    timelimit_exit = true;
                    srv.stats.expired_time_cap_reached_count += 1;
                    break;
                }
            }
            if !repeat {
                break;
            }
        }
    }
    srv.stats.expire_cycle_time_used_us += start.elapsed().as_micros() as u64;
    // A running average of the share of sampled keys found expired, kept in percent
    // as `INFO` prints it.
    let current = if total_sampled > 0 {
        total_expired as f64 * 100.0 / total_sampled as f64
    } else {
        0.0
    };
    srv.stats.expired_stale_perc = current * 0.05 + srv.stats.expired_stale_perc * 0.95;
}
