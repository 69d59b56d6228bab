//! Server-wide counters for `INFO stats` and friends.

/// Counters shown by `INFO`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Commands run.
    pub total_commands_processed: u64,
    /// Bytes read from clients.
    pub total_net_input_bytes: u64,
    /// Bytes written to clients.
    pub total_net_output_bytes: u64,
    /// Connections refused (`maxclients`).
    pub rejected_connections: u64,
    /// Keys removed because their TTL passed.
    pub expired_keys: u64,
    /// Hash fields removed because their TTL passed (`expired_subkeys`).
    pub expired_subkeys: u64,
    /// Keys evicted by `maxmemory`.
    pub evicted_keys: u64,
    /// Clients evicted by `maxmemory-clients`.
    pub evicted_clients: u64,
    /// Successful key lookups.
    pub keyspace_hits: u64,
    /// Failed key lookups.
    pub keyspace_misses: u64,
    /// Pub/Sub channels that got a message.
    pub pubsub_channels_published: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
    /// Calls that failed inside a command.
    pub unexpected_error_replies: u64,
    /// Clients disconnected for an oversized query buffer.
    pub client_qbuf_limit_disconnections: u64,
    /// Clients disconnected for an oversized output buffer.
    pub client_outbuf_limit_disconnections: u64,
    /// Time spent in active expiry, in microseconds.
    pub expire_cycle_time_used_us: u64,
    /// Commands that read a key (for `INFO stats` `total_reads_processed`).
    pub total_reads_processed: u64,
    /// Socket writes.
    pub total_writes_processed: u64,
    /// Keys found expired but kept (replicas; always 0 here).
    pub expired_stale_perc: f64,
    /// Lookups of keys with a TTL that were expired when checked (`expired_time_cap_reached_count` analogue).
    pub expired_time_cap_reached_count: u64,
    /// Instantaneous ops/sec sampler.
    pub ops_sampler: Sampler,
    /// Instantaneous input kbps sampler.
    pub input_sampler: Sampler,
    /// Instantaneous output kbps sampler.
    pub output_sampler: Sampler,
    /// Commands that were rejected or failed with an unknown reason (`total_error_replies` covers them).
    pub dump_payload_sanitizations: u64,
    /// Times the I/O loop ran.
    pub eventloop_cycles: u64,
    /// Total microseconds spent in event loop iterations.
    pub eventloop_duration_sum_us: u64,
    /// Total microseconds spent running commands.
    pub eventloop_duration_cmd_sum_us: u64,
    /// Active defrag hits (always 0: no active defrag).
    pub active_defrag_hits: u64,
    /// Blocked keys lookups (number of keys blocked on).
    pub total_blocking_keys: u64,
}

/// A 16-slot moving average of a per-second rate, sampled every 100 ms (Redis's
/// `trackInstantaneousMetric`).
#[derive(Debug, Default, Clone)]
pub struct Sampler {
    last_value: u64,
    last_ms: i64,
    samples: [u64; 16],
    idx: usize,
}

impl Sampler {
    /// Records the counter's current value at `now_ms`.
    pub fn sample(&mut self, value: u64, now_ms: i64) {
        if self.last_ms != 0 {
            let dt = (now_ms - self.last_ms).max(1) as u64;
            let dv = value.saturating_sub(self.last_value);
            self.samples[self.idx] = dv * 1000 / dt;
            self.idx = (self.idx + 1) % self.samples.len();
        }
        self.last_value = value;
        self.last_ms = now_ms;
    }

    /// The average rate per second.
    pub fn rate(&self) -> u64 {
        self.samples.iter().sum::<u64>() / self.samples.len() as u64
    }
}
