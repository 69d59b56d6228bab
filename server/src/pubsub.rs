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
    /// The client whose top-level command is running, with its protocol: messages to it
    /// wait until its reply is written (it is out of the client table meanwhile).
    pub running: Option<(u64, u8)>,
    /// Push messages for the running client that `CLIENT REPLY OFF|SKIP` must not
    /// silence (Redis's `CLIENT_PUSHING`); written after the reply is dropped.
    pub unsilenced: Vec<u8>,
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
/// after its reply (Redis 7.2+ defers pushes to the running client, so they do not land
/// inside a `MULTI`/`EXEC` or script reply). Returns false if no such client exists.
pub fn deliver(srv: &mut Server, id: u64, msg: &Message<'_>) -> bool {
    let Some(slot) = srv.clients.slot_of(id) else {
        return false;
    };
    if let Some(c) = srv.clients.get_mut(slot) {
        msg.write(&mut c.out);
        srv.mark_pending_write(slot);
        return true;
    }
    // Out of the table: the client running a command (possibly through EXEC or a
    // script, whose nested calls run on other clients).
    let resp = match srv.pubsub.running {
        Some((rid, resp)) if rid == id => resp,
        _ if srv.current_client == Some(id) => srv.current_resp,
        _ => return false,
    };
    let mut tmp = crate::resp::ReplyBuf::new(resp);
    std::mem::swap(&mut tmp.buf, &mut srv.deferred_pushes);
    msg.write(&mut tmp);
    std::mem::swap(&mut tmp.buf, &mut srv.deferred_pushes);
    true
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

/// Tells module subscribers, then sends `__keyspace@<db>__:<key> <event>` and
/// `__keyevent@<db>__:<event> <key>` as the configuration asks (Redis's
/// `notifyKeyspaceEvent`).
pub fn notify_keyspace_event(srv: &mut Server, class: u32, event: &str, key: &[u8], db: usize) {
    // Modules subscribed to keyspace events hear every event, whatever the
    // configuration says (Redis's `moduleNotifyKeyspaceEvent`).
    if srv.modules.host.keyspace.has_subscribers() {
        crate::modules::api::keyspace_events::notify(srv, class, event, key, db);
    }
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

/// The three kinds of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SUBSCRIBE` channels.
    Channel,
    /// `PSUBSCRIBE` patterns.
    Pattern,
    /// `SSUBSCRIBE` shard channels.
    Shard,
}

impl Kind {
    fn names(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Kind::Channel => (b"subscribe", b"unsubscribe"),
            Kind::Pattern => (b"psubscribe", b"punsubscribe"),
            Kind::Shard => (b"ssubscribe", b"sunsubscribe"),
        }
    }

    fn client_set(self, c: &mut Client) -> &mut std::collections::HashSet<Bytes> {
        match self {
            Kind::Channel => &mut c.channels,
            Kind::Pattern => &mut c.patterns,
            Kind::Shard => &mut c.shard_channels,
        }
    }

    fn server_map(self, p: &mut PubSub) -> &mut HashMap<Bytes, Vec<u64>> {
        match self {
            Kind::Channel => &mut p.channels,
            Kind::Pattern => &mut p.patterns,
            Kind::Shard => &mut p.shard_channels,
        }
    }

    /// The count a confirmation reports: channels and patterns together, shard
    /// channels apart (Redis's `clientSubscriptionsCount` and
    /// `clientShardSubscriptionsCount`).
    fn count(self, c: &Client) -> usize {
        match self {
            Kind::Channel | Kind::Pattern => c.channels.len() + c.patterns.len(),
            Kind::Shard => c.shard_channels.len(),
        }
    }
}

/// Writes a (un)subscribe confirmation to the client running the command. These are
/// push messages: `CLIENT REPLY OFF|SKIP` does not silence them.
fn confirm(srv: &mut Server, c: &mut Client, kind: Kind, subscribed: bool, name: Option<&[u8]>) {
    let (sub, unsub) = kind.names();
    let count = kind.count(c) as i64;
    let silenced = c.has(crate::client::flags::REPLY_OFF | crate::client::flags::REPLY_SKIP);
    let mut tmp = crate::resp::ReplyBuf::new(c.resp());
    let out = if silenced { &mut tmp } else { &mut c.out };
    out.push_len(3);
    out.bulk(if subscribed { sub } else { unsub });
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count);
    if silenced {
        srv.pubsub.unsilenced.extend_from_slice(&tmp.buf);
    }
}

/// Subscribes `c` to a channel, pattern or shard channel and confirms it. Returns true
/// if it was not subscribed yet.
pub fn subscribe(srv: &mut Server, c: &mut Client, kind: Kind, name: &[u8]) -> bool {
    let added = !kind.client_set(c).contains(name);
    if added {
        // An owned copy: an argument slice would keep its whole read buffer alive for as
        // long as the subscription lasts.
        let name = Bytes::copy_from_slice(name);
        kind.client_set(c).insert(name.clone());
        kind.server_map(&mut srv.pubsub)
            .entry(name)
            .or_default()
            .push(c.id);
    }
    confirm(srv, c, kind, true, Some(name));
    added
}

/// Unsubscribes `c` from one channel, pattern or shard channel, confirming it if
/// `notify`. Returns true if it was subscribed.
pub fn unsubscribe(
    srv: &mut Server,
    c: &mut Client,
    kind: Kind,
    name: &[u8],
    notify: bool,
) -> bool {
    let removed = kind.client_set(c).remove(name);
    if removed {
        remove_id(kind.server_map(&mut srv.pubsub), name, c.id);
    }
    if notify {
        confirm(srv, c, kind, false, Some(name));
    }
    removed
}

/// Unsubscribes `c` from every subscription of one kind, confirming each if `notify`
/// (and confirming with a null name when there was none). Returns how many there were.
pub fn unsubscribe_kind(srv: &mut Server, c: &mut Client, kind: Kind, notify: bool) -> usize {
    let names: Vec<Bytes> = kind.client_set(c).iter().cloned().collect();
    for n in &names {
        unsubscribe(srv, c, kind, n, notify);
    }
    if notify && names.is_empty() {
        confirm(srv, c, kind, false, None);
    }
    names.len()
}

/// Sets or clears the client's Pub/Sub flag after its subscriptions changed (Redis's
/// `markClientAsPubSub` / `unmarkClientAsPubSub`).
pub fn update_pubsub_flag(c: &mut Client) {
    if c.subscription_count() > 0 {
        c.flags |= crate::client::flags::PUBSUB;
    } else {
        c.flags &= !crate::client::flags::PUBSUB;
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
