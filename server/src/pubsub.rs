//! Pub/Sub state and message delivery, also used for keyspace notifications.

use crate::client::Client;
use crate::server::Server;
use bytes::Bytes;
use std::collections::HashMap;

/// Who listens to what.
#[derive(Debug, Default)]
pub struct PubSub {
    /// Channel to subscriber ids, in subscription order.
    pub channels: HashMap<Bytes, Vec<u64>>,
    /// Pattern to subscriber ids.
    pub patterns: HashMap<Bytes, Vec<u64>>,
    /// Shard channel to subscriber ids.
    pub shard_channels: HashMap<Bytes, Vec<u64>>,
}

/// The kinds of message a subscriber receives.
pub enum Message<'a> {
    /// `message channel payload`
    Channel(&'a [u8], &'a [u8]),
    /// `pmessage pattern channel payload`
    Pattern(&'a [u8], &'a [u8], &'a [u8]),
    /// `smessage channel payload`
    Shard(&'a [u8], &'a [u8]),
}

impl Message<'_> {
    fn write(&self, out: &mut crate::resp::ReplyBuf) {
        match self {
            Message::Channel(ch, msg) => {
                out.push_len(3);
                out.bulk(b"message");
                out.bulk(ch);
                out.bulk(msg);
            }
            Message::Pattern(p, ch, msg) => {
                out.push_len(4);
                out.bulk(b"pmessage");
                out.bulk(p);
                out.bulk(ch);
                out.bulk(msg);
            }
            Message::Shard(ch, msg) => {
                out.push_len(3);
                out.bulk(b"smessage");
                out.bulk(ch);
                out.bulk(msg);
            }
        }
    }
}

/// Writes a push message to client `id`. The client running the current command gets it
/// after its reply (Redis 7.2+ defers pushes to the running client). Returns false if no
/// such client exists.
pub fn deliver(srv: &mut Server, id: u64, msg: &Message<'_>) -> bool {
    if let Some(slot) = srv.clients.slot_of(id) {
        if let Some(c) = srv.clients.get_mut(slot) {
            msg.write(&mut c.out);
            srv.mark_pending_write(slot);
            return true;
        }
        if srv.current_client == Some(id) {
            let mut tmp = crate::resp::ReplyBuf::new(srv.current_resp);
            std::mem::swap(&mut tmp.buf, &mut srv.deferred_pushes);
            msg.write(&mut tmp);
            std::mem::swap(&mut tmp.buf, &mut srv.deferred_pushes);
            return true;
        }
    }
    false
}

/// Publishes to a channel's subscribers and to matching patterns; returns the number of
/// clients that received it (`PUBLISH`'s reply).
pub fn publish(srv: &mut Server, channel: &[u8], payload: &[u8]) -> usize {
    let mut receivers = 0;
    if let Some(ids) = srv.pubsub.channels.get(channel) {
        let ids = ids.clone();
        for id in ids {
            if deliver(srv, id, &Message::Channel(channel, payload)) {
                receivers += 1;
            }
        }
    }
    if !srv.pubsub.patterns.is_empty() {
        let matches: Vec<(Bytes, Vec<u64>)> = srv
            .pubsub
            .patterns
            .iter()
            .filter(|(p, _)| crate::util::glob_match(p, channel, false))
            .map(|(p, ids)| (p.clone(), ids.clone()))
            .collect();
        for (p, ids) in matches {
            for id in ids {
                if deliver(srv, id, &Message::Pattern(&p, channel, payload)) {
                    receivers += 1;
                }
            }
        }
    }
    if receivers > 0 {
        srv.stats.pubsub_channels_published += 1;
    }
    receivers
}

/// Publishes to a shard channel's subscribers (`SPUBLISH`).
pub fn publish_shard(srv: &mut Server, channel: &[u8], payload: &[u8]) -> usize {
    let mut receivers = 0;
    if let Some(ids) = srv.pubsub.shard_channels.get(channel) {
        for id in ids.clone() {
            if deliver(srv, id, &Message::Shard(channel, payload)) {
                receivers += 1;
            }
        }
    }
    receivers
}

/// Sends `__keyspace@<db>__:<key> <event>` and `__keyevent@<db>__:<event> <key>` as the
/// configuration asks (Redis's `notifyKeyspaceEvent`).
pub fn notify_keyspace_event(srv: &mut Server, class: u32, event: &str, key: &[u8], db: usize) {
    let flags = srv.config.notify_flags;
    if flags & class == 0 {
        return;
    }
    if flags & crate::config::NOTIFY_KEYSPACE != 0 {
        let mut ch = format!("__keyspace@{db}__:").into_bytes();
        ch.extend_from_slice(key);
        publish(srv, &ch, event.as_bytes());
    }
    if flags & crate::config::NOTIFY_KEYEVENT != 0 {
        let ch = format!("__keyevent@{db}__:{event}").into_bytes();
        publish(srv, &ch, key);
    }
}

/// Removes a client from every subscription (on disconnect or `RESET`).
pub fn unsubscribe_all(srv: &mut Server, c: &mut Client) {
    for ch in c.channels.drain() {
        remove_id(&mut srv.pubsub.channels, &ch, c.id);
    }
    for p in c.patterns.drain() {
        remove_id(&mut srv.pubsub.patterns, &p, c.id);
    }
    for ch in c.shard_channels.drain() {
        remove_id(&mut srv.pubsub.shard_channels, &ch, c.id);
    }
    c.flags &= !crate::client::flags::PUBSUB;
}

/// Removes `id` from a subscription map entry, dropping the entry when empty.
pub fn remove_id(map: &mut HashMap<Bytes, Vec<u64>>, key: &[u8], id: u64) {
    if let Some(ids) = map.get_mut(key) {
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}
