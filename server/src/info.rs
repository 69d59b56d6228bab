//! `INFO`: the sections and field names Redis 7.4 prints, with Coil's real figures.

use crate::server::Server;
use std::fmt::Write;

/// Sections printed by `INFO` with no argument (and `INFO default`).
pub const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Sections added by `INFO all`.
pub const ALL_EXTRA: &[&str] = &["commandstats", "latencystats"];

/// The version Coil reports as Redis.
pub const REDIS_VERSION: &str = "7.4.0";

/// Process memory and CPU figures read from `/proc`.
#[derive(Default)]
pub struct ProcStats {
    /// Resident set size in bytes.
    pub rss: u64,
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub sys: f64,
    /// Main thread user CPU seconds.
    pub main_user: f64,
    /// Main thread system CPU seconds.
    pub main_sys: f64,
    /// Children user CPU seconds.
    pub child_user: f64,
    /// Children system CPU seconds.
    pub child_sys: f64,
}

fn stat_times(path: &str) -> Option<(f64, f64, f64, f64)> {
    let s = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which may contain spaces, start after ')'.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 here.
    let tick = 100.0;
    let g = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / tick;
    Some((g(11), g(12), g(13), g(14)))
}

/// Reads the process figures.
pub fn proc_stats() -> ProcStats {
    let mut p = ProcStats::default();
    if let Ok(s) = std::fs::read_to_string("/proc/self/statm") {
        if let Some(pages) = s
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
        {
            p.rss = pages * 4096;
        }
    }
    if let Some((u, s, cu, cs)) = stat_times("/proc/self/stat") {
        p.user = u;
        p.sys = s;
        p.child_user = cu;
        p.child_sys = cs;
    }
    let pid = std::process::id();
    if let Some((u, s, _, _)) = stat_times(&format!("/proc/self/task/{pid}/stat")) {
        p.main_user = u;
        p.main_sys = s;
    }
    p
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// jemalloc's figures: allocated, active, resident, retained, mapped.
pub fn allocator_stats() -> (u64, u64, u64, u64, u64) {
    use tikv_jemalloc_ctl::{epoch, stats};
    let _ = epoch::advance();
    (
        stats::allocated::read().unwrap_or(0) as u64,
        stats::active::read().unwrap_or(0) as u64,
        stats::resident::read().unwrap_or(0) as u64,
        stats::retained::read().unwrap_or(0) as u64,
        stats::mapped::read().unwrap_or(0) as u64,
    )
}

/// Which sections a list of `INFO` arguments asks for, in print order.
pub fn requested_sections(args: &[String]) -> (Vec<String>, bool) {
    let mut out: Vec<String> = Vec::new();
    let mut everything = false;
    let add = |s: &str, out: &mut Vec<String>| {
        if !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    };
    if args.is_empty() {
        for s in DEFAULT_SECTIONS {
            add(s, &mut out);
        }
        return (out, false);
    }
    for a in args {
        match a.as_str() {
            "default" => DEFAULT_SECTIONS.iter().for_each(|s| add(s, &mut out)),
            "all" => DEFAULT_SECTIONS
                .iter()
                .chain(ALL_EXTRA)
                .for_each(|s| add(s, &mut out)),
            "everything" => {
                everything = true;
                DEFAULT_SECTIONS
                    .iter()
                    .chain(ALL_EXTRA)
                    .for_each(|s| add(s, &mut out));
            }
            s => add(s, &mut out),
        }
    }
    (out, everything)
}

/// Builds the `INFO` text for the given sections.
pub fn render(srv: &Server, sections: &[String]) -> String {
    let mut out = String::new();
    for s in sections {
        let before = out.len();
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let mark = out.len();
        render_section(srv, s, &mut out);
        if out.len() == mark {
            out.truncate(before);
        }
    }
    out
}

/// The scripting lines of `INFO memory`: Python's heap (one interpreter for EVAL and
/// functions; the part libraries added at load is reported as the functions VM),
/// cached scripts and libraries.
fn scripting_memory_fields(srv: &Server) -> String {
    let st = &srv.scripting.stats;
    let vm_total = coil_scripting::memory::allocated() as u64;
    let vm_functions = (st.functions_vm as u64).min(vm_total);
    let vm_eval = vm_total - vm_functions;
    let scripts = (st.scripts_memory + st.functions_memory) as u64;
    format!(
        "used_memory_lua:{vm_eval}\r\nused_memory_vm_eval:{vm_eval}\r\nused_memory_lua_human:{}\r\nused_memory_scripts_eval:{}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nnumber_of_libraries:{}\r\nused_memory_vm_functions:{vm_functions}\r\nused_memory_vm_total:{vm_total}\r\nused_memory_vm_total_human:{}\r\nused_memory_functions:{}\r\nused_memory_scripts:{scripts}\r\nused_memory_scripts_human:{}\r\n",
        human(vm_eval),
        st.scripts_memory,
        st.scripts,
        st.functions,
        st.libraries,
        human(vm_total),
        st.functions_memory,
        human(scripts),
    )
}

fn human(n: u64) -> String {
    crate::util::bytes_to_human(n)
}

fn render_section(srv: &Server, name: &str, o: &mut String) {
    let cfg = &srv.config;
    match name {
        "server" => {
            let now_us = crate::server::unix_us();
            let up = srv.uptime_secs();
            let _ = write!(
                o,
                "# Server\r\nredis_version:{REDIS_VERSION}\r\ncoil_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:{}\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n",
                crate::COIL_VERSION,
                crate::BUILD_ID,
                std::env::consts::OS,
                std::env::consts::ARCH,
                std::process::id(),
                srv.run_id,
                cfg.port,
                now_us,
                up,
                up / 86400,
                cfg.hz,
                cfg.get("hz").unwrap_or_default(),
                srv.lru_clock(),
                srv.executable,
                cfg.config_file.as_deref().unwrap_or(""),
            );
            let binds = if cfg.bind.is_empty() {
                vec!["*".to_string(), "-::*".to_string()]
            } else {
                cfg.bind.clone()
            };
            let b: Vec<String> = binds.iter().map(|b| format!("bind={b}")).collect();
            let _ = write!(
                o,
                "listener0:name=tcp,{},port={}\r\n",
                b.join(","),
                cfg.port
            );
            if let Some(u) = &cfg.unixsocket {
                let _ = write!(o, "listener1:name=unix,bind={u}\r\n");
            }
        }
        "clients" => {
            let pubsub = srv
                .clients
                .iter()
                .filter(|c| c.has(crate::client::flags::PUBSUB))
                .count();
            let watching = srv.clients.iter().filter(|c| !c.watched.is_empty()).count();
            let max_in = srv
                .clients
                .iter()
                .map(|c| c.query.capacity())
                .max()
                .unwrap_or(0);
            let max_out = srv
                .clients
                .iter()
                .map(|c| c.out.buf.capacity())
                .max()
                .unwrap_or(0);
            let _ = write!(
                o,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\npubsub_clients:{}\r\nwatching_clients:{}\r\nclients_in_timeout_table:{}\r\ntotal_watched_keys:{}\r\ntotal_blocking_keys:{}\r\ntotal_blocking_keys_on_nokey:0\r\n",
                srv.clients.len(),
                cfg.maxclients,
                max_in,
                max_out,
                srv.blocking.blocked_clients,
                pubsub,
                watching,
                srv.blocking.timeouts.len(),
                srv.watched.len(),
                srv.blocking.keys.len(),
            );
        }
        "memory" => {
            let (allocated, active, resident, retained, _mapped) = allocator_stats();
            let p = proc_stats();
            let used = allocated + coil_scripting::memory::allocated() as u64;
            let peak = srv.peak_memory.max(used);
            let startup = srv.startup_memory;
            let overhead = crate::memory::overhead(srv);
            let dataset = used.saturating_sub(overhead);
            let net = used.saturating_sub(startup).max(1);
            let sys = total_system_memory();
            let scripting = scripting_memory_fields(srv);
            let frag = if used > 0 {
                p.rss as f64 / used as f64
            } else {
                0.0
            };
            let _ = write!(
                o,
                "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{overhead}\r\nused_memory_startup:{startup}\r\nused_memory_dataset:{dataset}\r\nused_memory_dataset_perc:{:.2}%\r\nallocator_allocated:{allocated}\r\nallocator_active:{active}\r\nallocator_resident:{resident}\r\nallocator_muzzy:0\r\ntotal_system_memory:{sys}\r\ntotal_system_memory_human:{}\r\n{scripting}maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nallocator_frag_ratio:{:.2}\r\nallocator_frag_bytes:{}\r\nallocator_rss_ratio:{:.2}\r\nallocator_rss_bytes:{}\r\nrss_overhead_ratio:{:.2}\r\nrss_overhead_bytes:{}\r\nmem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:{}\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:jemalloc-5.3.0\r\nmem_overhead_db_hashtable_rehashing:0\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
                human(used),
                p.rss,
                human(p.rss),
                human(peak),
                used as f64 * 100.0 / peak.max(1) as f64,
                dataset as f64 * 100.0 / net as f64,
                human(sys),
                cfg.maxmemory,
                human(cfg.maxmemory),
                cfg.maxmemory_policy,
                active as f64 / allocated.max(1) as f64,
                active.saturating_sub(allocated),
                resident as f64 / active.max(1) as f64,
                resident.saturating_sub(active),
                p.rss as f64 / resident.max(1) as f64,
                p.rss.saturating_sub(resident) as i64,
                frag,
                p.rss as i64 - used as i64,
                crate::memory::clients_memory(srv),
            );
            let _ = retained;
        }
        "persistence" => crate::persistence::info::render(srv, o),
        "stats" => {
            let s = &srv.stats;
            let cycles = s.eventloop_cycles.max(1);
            let _ = write!(
                o,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_subkeys:{}\r\nexpired_keys:{}\r\nexpired_stale_perc:{:.2}\r\nexpired_time_cap_reached_count:{}\r\nexpire_cycle_cpu_milliseconds:{}\r\nevicted_keys:{}\r\nevicted_clients:{}\r\nevicted_scripts:{}\r\ntotal_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\nlatest_fork_usec:{}\r\ntotal_forks:{}\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:{}\r\ntotal_reads_processed:{}\r\ntotal_writes_processed:{}\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nclient_query_buffer_limit_disconnections:{}\r\nclient_output_buffer_limit_disconnections:{}\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\neventloop_cycles:{}\r\neventloop_duration_sum:{}\r\neventloop_duration_cmd_sum:{}\r\ninstantaneous_eventloop_cycles_per_sec:0\r\ninstantaneous_eventloop_duration_usec:{}\r\nacl_access_denied_auth:0\r\nacl_access_denied_cmd:0\r\nacl_access_denied_key:0\r\nacl_access_denied_channel:0\r\n",
                s.total_connections_received,
                s.total_commands_processed,
                s.ops_sampler.rate(),
                s.total_net_input_bytes,
                s.total_net_output_bytes,
                s.input_sampler.rate() as f64 / 1024.0,
                s.output_sampler.rate() as f64 / 1024.0,
                s.rejected_connections,
                s.expired_subkeys,
                s.expired_keys,
                s.expired_stale_perc,
                s.expired_time_cap_reached_count,
                s.expire_cycle_time_used_us / 1000,
                s.evicted_keys,
                s.evicted_clients,
                srv.scripting.stats.evicted,
                s.keyspace_hits,
                s.keyspace_misses,
                srv.pubsub.channels.len(),
                srv.pubsub.patterns.len(),
                srv.pubsub.shard_channels.len(),
                srv.persist.latest_fork_usec,
                srv.persist.total_forks,
                s.unexpected_error_replies,
                s.total_error_replies,
                s.dump_payload_sanitizations,
                s.total_reads_processed,
                s.total_writes_processed,
                s.client_qbuf_limit_disconnections,
                s.client_outbuf_limit_disconnections,
                s.eventloop_cycles,
                s.eventloop_duration_sum_us,
                s.eventloop_duration_cmd_sum_us,
                s.eventloop_duration_sum_us / cycles,
            );
        }
        "replication" => {
            let _ = write!(
                o,
                "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
                srv.run_id,
                cfg.get("repl-backlog-size").unwrap_or_default(),
            );
        }
        "cpu" => {
            let p = proc_stats();
            let _ = write!(
                o,
                "# CPU\r\nused_cpu_sys:{:.6}\r\nused_cpu_user:{:.6}\r\nused_cpu_sys_children:{:.6}\r\nused_cpu_user_children:{:.6}\r\nused_cpu_sys_main_thread:{:.6}\r\nused_cpu_user_main_thread:{:.6}\r\n",
                p.sys, p.user, p.child_sys, p.child_user, p.main_sys, p.main_user
            );
        }
        "modules" => {
            o.push_str("# Modules\r\n");
            o.push_str(&crate::modules::api::info::module_list_lines(srv));
        }
        "errorstats" => {
            o.push_str("# Errorstats\r\n");
            let mut v: Vec<_> = srv.error_stats.iter().collect();
            v.sort();
            for (code, n) in v {
                let _ = write!(o, "errorstat_{code}:count={n}\r\n");
            }
        }
        "cluster" => {
            o.push_str("# Cluster\r\ncluster_enabled:0\r\n");
        }
        "keyspace" => {
            o.push_str("# Keyspace\r\n");
            for db in &srv.dbs {
                if !db.is_empty() {
                    let _ = write!(
                        o,
                        "db{}:keys={},expires={},avg_ttl={},subexpiry={}\r\n",
                        db.id,
                        db.len(),
                        db.expires.len(),
                        db.avg_ttl,
                        db.hexpires.len()
                    );
                }
            }
        }
        "commandstats" => {
            o.push_str("# Commandstats\r\n");
            let mut rows: Vec<(String, &crate::server::CmdStat)> = Vec::new();
            for c in srv.commands.all() {
                if let Some(s) = srv.cmd_stats.get(c.id) {
                    if s.calls > 0 || s.rejected_calls > 0 || s.failed_calls > 0 {
                        rows.push((c.name.clone(), s));
                    }
                }
            }
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, s) in rows {
                let per = if s.calls > 0 {
                    s.usec as f64 / s.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    o,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    s.calls, s.usec, s.rejected_calls, s.failed_calls
                );
            }
        }
        "latencystats" => {
            o.push_str("# Latencystats\r\n");
            let mut rows: Vec<(String, &crate::latency::Histogram)> = srv
                .commands
                .all()
                .filter_map(|c| {
                    srv.cmd_stats
                        .get(c.id)
                        .filter(|s| !s.latency.is_empty())
                        .map(|s| (c.name.clone(), &s.latency))
                })
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, h) in rows {
                let parts: Vec<String> = cfg
                    .latency_percentiles
                    .iter()
                    .map(|p| {
                        format!(
                            "p{}={:.3}",
                            crate::latency::percentile_name(*p),
                            h.value_at(*p) as f64 / 1000.0
                        )
                    })
                    .collect();
                let _ = write!(o, "latency_percentiles_usec_{name}:{}\r\n", parts.join(","));
            }
        }
        _ => {}
    }
}
