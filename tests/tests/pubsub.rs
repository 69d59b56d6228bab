//! Pub/Sub in RESP2 and RESP3: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH,
//! PUBSUB introspection, subscribed-mode rules, pushes to self, and keyspace
//! notifications for string and generic commands. Byte-exact against Redis 7.4.

use coil_tests::{RawConn, TestServer};
use std::time::Duration;

/// Sends one command and returns its raw reply.
fn call(r: &mut RawConn, args: &[&str]) -> String {
    send(r, args);
    r.read_reply()
}

/// Sends one command without reading.
fn send(r: &mut RawConn, args: &[&str]) {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.cmd(&args);
}

/// A bulk string.
fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// An integer reply.
fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// A (un)subscribe confirmation; `kind` is `*` (RESP2) or `>` (RESP3).
fn conf(kind: char, what: &str, name: Option<&str>, count: i64) -> String {
    let name = match name {
        Some(n) => bulk(n),
        None if kind == '>' => "_\r\n".to_string(),
        None => "$-1\r\n".to_string(),
    };
    format!("{kind}3\r\n{}{name}{}", bulk(what), int(count))
}

/// A `message` push.
fn msg(kind: char, ch: &str, payload: &str) -> String {
    format!(
        "{kind}3\r\n{}{}{}",
        bulk("message"),
        bulk(ch),
        bulk(payload)
    )
}

/// A `pmessage` push.
fn pmsg(kind: char, pat: &str, ch: &str, payload: &str) -> String {
    format!(
        "{kind}4\r\n{}{}{}{}",
        bulk("pmessage"),
        bulk(pat),
        bulk(ch),
        bulk(payload)
    )
}

/// A connection switched to RESP3.
fn resp3(s: &TestServer) -> RawConn {
    let mut r = s.raw();
    let hello = call(&mut r, &["HELLO", "3"]);
    assert!(hello.starts_with("%7\r\n"), "{hello:?}");
    r
}

#[test]
fn subscribe_publish_unsubscribe_resp2() {
    let s = TestServer::start();
    let mut sub = s.raw();
    let mut r = s.raw();
    send(&mut sub, &["SUBSCRIBE", "chan1", "chan2", "chan1"]);
    assert_eq!(sub.read_reply(), conf('*', "subscribe", Some("chan1"), 1));
    assert_eq!(sub.read_reply(), conf('*', "subscribe", Some("chan2"), 2));
    // Subscribing twice confirms again without counting twice.
    assert_eq!(sub.read_reply(), conf('*', "subscribe", Some("chan1"), 2));
    assert_eq!(call(&mut r, &["PUBLISH", "chan1", "hello"]), int(1));
    assert_eq!(call(&mut r, &["PUBLISH", "chan2", "world"]), int(1));
    assert_eq!(call(&mut r, &["PUBLISH", "chan3", "nobody"]), int(0));
    assert_eq!(sub.read_reply(), msg('*', "chan1", "hello"));
    assert_eq!(sub.read_reply(), msg('*', "chan2", "world"));
    send(&mut sub, &["UNSUBSCRIBE", "chan1", "nosuch"]);
    assert_eq!(sub.read_reply(), conf('*', "unsubscribe", Some("chan1"), 1));
    assert_eq!(
        sub.read_reply(),
        conf('*', "unsubscribe", Some("nosuch"), 1)
    );
    assert_eq!(call(&mut r, &["PUBLISH", "chan1", "hello"]), int(0));
    assert_eq!(call(&mut r, &["PUBLISH", "chan2", "again"]), int(1));
    assert_eq!(sub.read_reply(), msg('*', "chan2", "again"));
    // Binary-safe channels and payloads.
    send(&mut sub, &["SUBSCRIBE", "a\r\nb"]);
    assert_eq!(sub.read_reply(), conf('*', "subscribe", Some("a\r\nb"), 2));
    assert_eq!(call(&mut r, &["PUBLISH", "a\r\nb", ""]), int(1));
    assert_eq!(sub.read_reply(), msg('*', "a\r\nb", ""));
    // UNSUBSCRIBE with no argument leaves every channel; once none is left it still
    // answers, with a null channel.
    send(&mut sub, &["UNSUBSCRIBE"]);
    let first = sub.read_reply();
    let second = sub.read_reply();
    let (one, two) = if first.contains("chan2") {
        ("chan2", "a\r\nb")
    } else {
        ("a\r\nb", "chan2")
    };
    assert_eq!(first, conf('*', "unsubscribe", Some(one), 1));
    assert_eq!(second, conf('*', "unsubscribe", Some(two), 0));
    assert_eq!(
        call(&mut sub, &["UNSUBSCRIBE"]),
        conf('*', "unsubscribe", None, 0)
    );
    assert_eq!(
        call(&mut sub, &["PUNSUBSCRIBE"]),
        conf('*', "punsubscribe", None, 0)
    );
    assert_eq!(
        call(&mut sub, &["SUNSUBSCRIBE"]),
        conf('*', "sunsubscribe", None, 0)
    );
    // Out of Pub/Sub mode: ordinary commands again.
    assert_eq!(call(&mut sub, &["PING"]), "+PONG\r\n");
    assert_eq!(call(&mut r, &["PUBLISH", "chan2", "x"]), int(0));
    send(&mut sub, &["PUNSUBSCRIBE", "foo.*", "bar.*"]);
    assert_eq!(
        sub.read_reply(),
        conf('*', "punsubscribe", Some("foo.*"), 0)
    );
    assert_eq!(
        sub.read_reply(),
        conf('*', "punsubscribe", Some("bar.*"), 0)
    );
}

#[test]
fn psubscribe_and_mixed_subscriptions() {
    let s = TestServer::start();
    let mut sub = s.raw();
    let mut r = s.raw();
    send(&mut sub, &["PSUBSCRIBE", "foo.*", "bar.[ab]"]);
    assert_eq!(sub.read_reply(), conf('*', "psubscribe", Some("foo.*"), 1));
    assert_eq!(
        sub.read_reply(),
        conf('*', "psubscribe", Some("bar.[ab]"), 2)
    );
    assert_eq!(call(&mut r, &["PUBLISH", "foo.1", "hello"]), int(1));
    assert_eq!(call(&mut r, &["PUBLISH", "bar.b", "world"]), int(1));
    assert_eq!(call(&mut r, &["PUBLISH", "bar.c", "none"]), int(0));
    assert_eq!(sub.read_reply(), pmsg('*', "foo.*", "foo.1", "hello"));
    assert_eq!(sub.read_reply(), pmsg('*', "bar.[ab]", "bar.b", "world"));
    // A channel subscription and a matching pattern: two deliveries, two receivers.
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "foo.bar"]),
        conf('*', "subscribe", Some("foo.bar"), 3)
    );
    assert_eq!(call(&mut r, &["PUBLISH", "foo.bar", "hi"]), int(2));
    assert_eq!(sub.read_reply(), msg('*', "foo.bar", "hi"));
    assert_eq!(sub.read_reply(), pmsg('*', "foo.*", "foo.bar", "hi"));
    // Two clients on one pattern.
    let mut sub2 = s.raw();
    assert_eq!(
        call(&mut sub2, &["PSUBSCRIBE", "foo.*"]),
        conf('*', "psubscribe", Some("foo.*"), 1)
    );
    assert_eq!(call(&mut r, &["PUBSUB", "NUMPAT"]), int(2));
    assert_eq!(call(&mut r, &["PUBLISH", "foo.x", "y"]), int(2));
    assert_eq!(sub.read_reply(), pmsg('*', "foo.*", "foo.x", "y"));
    assert_eq!(sub2.read_reply(), pmsg('*', "foo.*", "foo.x", "y"));
    send(&mut sub, &["PUNSUBSCRIBE", "bar.[ab]"]);
    assert_eq!(
        sub.read_reply(),
        conf('*', "punsubscribe", Some("bar.[ab]"), 2)
    );
    assert_eq!(call(&mut r, &["PUBLISH", "bar.a", "z"]), int(0));
}

#[test]
fn resp2_subscribed_mode_allows_only_some_commands() {
    let s = TestServer::start();
    let mut sub = s.raw();
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "ch"]),
        conf('*', "subscribe", Some("ch"), 1)
    );
    assert_eq!(
        call(&mut sub, &["GET", "foo"]),
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    );
    assert_eq!(
        call(&mut sub, &["CLIENT", "LIST"]),
        "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    );
    assert_eq!(call(&mut sub, &["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(
        call(&mut sub, &["PING", "foo"]),
        "*2\r\n$4\r\npong\r\n$3\r\nfoo\r\n"
    );
    assert_eq!(
        call(&mut sub, &["PSUBSCRIBE", "p*"]),
        conf('*', "psubscribe", Some("p*"), 2)
    );
    assert_eq!(
        call(&mut sub, &["SSUBSCRIBE", "s"]),
        conf('*', "ssubscribe", Some("s"), 1)
    );
    // INFO and CLIENT LIST see a Pub/Sub client.
    let mut r = s.raw();
    let info = call(&mut r, &["INFO", "clients"]);
    assert!(info.contains("pubsub_clients:1\r\n"), "{info}");
    let list = call(&mut r, &["CLIENT", "LIST"]);
    assert!(list.contains("flags=P db=0 sub=1 psub=1 ssub=1"), "{list}");
    // RESET leaves every subscription.
    assert_eq!(call(&mut sub, &["RESET"]), "+RESET\r\n");
    assert_eq!(call(&mut sub, &["PING"]), "+PONG\r\n");
    assert_eq!(
        call(&mut r, &["PUBSUB", "NUMSUB", "ch"]),
        format!("*2\r\n{}{}", bulk("ch"), int(0))
    );
    assert_eq!(call(&mut r, &["PUBSUB", "NUMPAT"]), int(0));
    assert_eq!(call(&mut r, &["PUBLISH", "ch", "x"]), int(0));
    assert_eq!(call(&mut r, &["SPUBLISH", "s", "x"]), int(0));
    // QUIT works in subscribed mode.
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "ch"]),
        conf('*', "subscribe", Some("ch"), 1)
    );
    assert_eq!(call(&mut sub, &["QUIT"]), "+OK\r\n");
    assert!(sub.is_closed());
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(call(&mut r, &["PUBLISH", "ch", "x"]), int(0));
}

#[test]
fn resp3_pushes_and_commands_while_subscribed() {
    let s = TestServer::start();
    let mut sub = resp3(&s);
    let mut r = s.raw();
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "ch"]),
        conf('>', "subscribe", Some("ch"), 1)
    );
    // Any command works, PING is the ordinary PING.
    assert_eq!(call(&mut sub, &["PING"]), "+PONG\r\n");
    assert_eq!(call(&mut sub, &["PING", "foo"]), bulk("foo"));
    assert_eq!(call(&mut sub, &["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(call(&mut sub, &["GET", "k"]), bulk("v"));
    assert_eq!(call(&mut r, &["PUBLISH", "ch", "hi"]), int(1));
    assert_eq!(sub.read_reply(), msg('>', "ch", "hi"));
    // A message to oneself comes after the command's reply.
    assert_eq!(call(&mut sub, &["PUBLISH", "ch", "self"]), int(1));
    assert_eq!(sub.read_reply(), msg('>', "ch", "self"));
    assert_eq!(
        call(&mut sub, &["UNSUBSCRIBE"]),
        conf('>', "unsubscribe", Some("ch"), 0)
    );
    assert_eq!(
        call(&mut sub, &["UNSUBSCRIBE"]),
        conf('>', "unsubscribe", None, 0)
    );
    assert_eq!(
        call(&mut sub, &["PUNSUBSCRIBE"]),
        conf('>', "punsubscribe", None, 0)
    );
}

#[test]
fn publish_to_self_inside_multi_resp3() {
    let s = TestServer::start();
    let mut r = resp3(&s);
    assert_eq!(
        call(&mut r, &["SUBSCRIBE", "foo"]),
        conf('>', "subscribe", Some("foo"), 1)
    );
    assert_eq!(call(&mut r, &["MULTI"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["PING", "abc"]), "+QUEUED\r\n");
    assert_eq!(call(&mut r, &["PUBLISH", "foo", "bar"]), "+QUEUED\r\n");
    assert_eq!(call(&mut r, &["PUBLISH", "foo", "vaz"]), "+QUEUED\r\n");
    assert_eq!(call(&mut r, &["PING", "def"]), "+QUEUED\r\n");
    assert_eq!(
        call(&mut r, &["EXEC"]),
        format!("*4\r\n{}{}{}{}", bulk("abc"), int(1), int(1), bulk("def"))
    );
    assert_eq!(r.read_reply(), msg('>', "foo", "bar"));
    assert_eq!(r.read_reply(), msg('>', "foo", "vaz"));
}

#[test]
fn unsubscribe_inside_multi_resp3() {
    let s = TestServer::start();
    let mut r = resp3(&s);
    send(&mut r, &["SUBSCRIBE", "foo", "bar", "baz"]);
    assert_eq!(r.read_reply(), conf('>', "subscribe", Some("foo"), 1));
    assert_eq!(r.read_reply(), conf('>', "subscribe", Some("bar"), 2));
    assert_eq!(r.read_reply(), conf('>', "subscribe", Some("baz"), 3));
    call(&mut r, &["MULTI"]);
    call(&mut r, &["PING", "abc"]);
    call(&mut r, &["UNSUBSCRIBE", "bar"]);
    call(&mut r, &["UNSUBSCRIBE", "baz"]);
    call(&mut r, &["PING", "def"]);
    assert_eq!(
        call(&mut r, &["EXEC"]),
        format!(
            "*4\r\n{}{}{}{}",
            bulk("abc"),
            conf('>', "unsubscribe", Some("bar"), 2),
            conf('>', "unsubscribe", Some("baz"), 1),
            bulk("def")
        )
    );
    assert_eq!(call(&mut r, &["PUBLISH", "foo", "vaz"]), int(1));
    assert_eq!(r.read_reply(), msg('>', "foo", "vaz"));
}

#[test]
fn subscribe_inside_multi_but_not_ssubscribe() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["MULTI"]);
    call(&mut r, &["SSUBSCRIBE", "x"]);
    call(&mut r, &["SUBSCRIBE", "y"]);
    assert_eq!(
        call(&mut r, &["EXEC"]),
        format!(
            "*2\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n{}",
            conf('*', "subscribe", Some("y"), 1)
        )
    );
    assert_eq!(
        call(&mut r, &["UNSUBSCRIBE"]),
        conf('*', "unsubscribe", Some("y"), 0)
    );
}

#[test]
fn pushes_get_through_client_reply_off() {
    let s = TestServer::start();
    let mut sub = resp3(&s);
    let mut r = s.raw();
    send(&mut sub, &["CLIENT", "REPLY", "OFF"]);
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "channel"]),
        conf('>', "subscribe", Some("channel"), 1)
    );
    assert_eq!(
        call(&mut sub, &["PSUBSCRIBE", "ch*"]),
        conf('>', "psubscribe", Some("ch*"), 2)
    );
    assert_eq!(call(&mut r, &["PUBLISH", "channel", "hello"]), int(2));
    assert_eq!(sub.read_reply(), msg('>', "channel", "hello"));
    assert_eq!(sub.read_reply(), pmsg('>', "ch*", "channel", "hello"));
    // Replies stay silenced, messages to oneself do not.
    send(&mut sub, &["GET", "x"]);
    assert_eq!(
        call(&mut sub, &["PUBLISH", "channel", "me"]),
        msg('>', "channel", "me")
    );
    assert_eq!(sub.read_reply(), pmsg('>', "ch*", "channel", "me"));
    assert_eq!(
        call(&mut sub, &["UNSUBSCRIBE", "channel"]),
        conf('>', "unsubscribe", Some("channel"), 1)
    );
    assert_eq!(
        call(&mut sub, &["PUNSUBSCRIBE", "ch*"]),
        conf('>', "punsubscribe", Some("ch*"), 0)
    );
    // CLIENT REPLY SKIP, RESP2, shard channels.
    let mut sub2 = s.raw();
    send(&mut sub2, &["CLIENT", "REPLY", "SKIP"]);
    send(&mut sub2, &["PING"]);
    assert_eq!(
        call(&mut sub2, &["SSUBSCRIBE", "sch"]),
        conf('*', "ssubscribe", Some("sch"), 1)
    );
    assert_eq!(call(&mut r, &["SPUBLISH", "sch", "hi"]), int(1));
    assert_eq!(
        sub2.read_reply(),
        format!("*3\r\n{}{}{}", bulk("smessage"), bulk("sch"), bulk("hi"))
    );
}

#[test]
fn shard_channels() {
    let s = TestServer::start();
    let mut sub = s.raw();
    let mut other = s.raw();
    let mut r = s.raw();
    send(&mut sub, &["SSUBSCRIBE", "chan1", "chan2", "chan1"]);
    assert_eq!(sub.read_reply(), conf('*', "ssubscribe", Some("chan1"), 1));
    assert_eq!(sub.read_reply(), conf('*', "ssubscribe", Some("chan2"), 2));
    assert_eq!(sub.read_reply(), conf('*', "ssubscribe", Some("chan1"), 2));
    // Shard and global subscriptions are counted apart and never cross.
    assert_eq!(
        call(&mut sub, &["SUBSCRIBE", "chan1"]),
        conf('*', "subscribe", Some("chan1"), 1)
    );
    assert_eq!(
        call(&mut other, &["PSUBSCRIBE", "*"]),
        conf('*', "psubscribe", Some("*"), 1)
    );
    assert_eq!(call(&mut r, &["SPUBLISH", "chan1", "hello"]), int(1));
    assert_eq!(
        sub.read_reply(),
        format!(
            "*3\r\n{}{}{}",
            bulk("smessage"),
            bulk("chan1"),
            bulk("hello")
        )
    );
    assert_eq!(call(&mut r, &["PUBLISH", "chan1", "world"]), int(2));
    assert_eq!(sub.read_reply(), msg('*', "chan1", "world"));
    assert_eq!(other.read_reply(), pmsg('*', "*", "chan1", "world"));
    assert_eq!(
        call(
            &mut r,
            &["PUBSUB", "SHARDNUMSUB", "chan1", "chan2", "nosuch"]
        ),
        format!(
            "*6\r\n{}{}{}{}{}{}",
            bulk("chan1"),
            int(1),
            bulk("chan2"),
            int(1),
            bulk("nosuch"),
            int(0)
        )
    );
    assert_eq!(
        call(&mut r, &["PUBSUB", "NUMSUB", "chan1", "chan2"]),
        format!(
            "*4\r\n{}{}{}{}",
            bulk("chan1"),
            int(1),
            bulk("chan2"),
            int(0)
        )
    );
    assert_eq!(
        call(&mut r, &["PUBSUB", "SHARDCHANNELS", "chan2"]),
        format!("*1\r\n{}", bulk("chan2"))
    );
    send(&mut sub, &["SUNSUBSCRIBE", "chan2", "nosuch"]);
    assert_eq!(
        sub.read_reply(),
        conf('*', "sunsubscribe", Some("chan2"), 1)
    );
    assert_eq!(
        sub.read_reply(),
        conf('*', "sunsubscribe", Some("nosuch"), 1)
    );
    assert_eq!(
        call(&mut sub, &["SUNSUBSCRIBE"]),
        conf('*', "sunsubscribe", Some("chan1"), 0)
    );
    assert_eq!(
        call(&mut sub, &["SUNSUBSCRIBE"]),
        conf('*', "sunsubscribe", None, 0)
    );
    // Still subscribed to the global channel: still in Pub/Sub mode.
    assert_eq!(call(&mut sub, &["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(call(&mut r, &["SPUBLISH", "chan1", "x"]), int(0));
}

#[test]
fn pubsub_introspection() {
    let s = TestServer::start();
    let mut r = s.raw();
    assert_eq!(call(&mut r, &["PUBSUB", "CHANNELS"]), "*0\r\n");
    assert_eq!(call(&mut r, &["PUBSUB", "NUMSUB"]), "*0\r\n");
    assert_eq!(
        call(&mut r, &["PUBSUB", "NUMSUB", "abc", "def"]),
        format!("*4\r\n{}{}{}{}", bulk("abc"), int(0), bulk("def"), int(0))
    );
    let mut a = s.raw();
    let mut b = s.raw();
    send(&mut a, &["SUBSCRIBE", "news.tech", "news.art", "sports"]);
    for _ in 0..3 {
        a.read_reply();
    }
    send(&mut b, &["SUBSCRIBE", "news.tech"]);
    b.read_reply();
    send(&mut b, &["PSUBSCRIBE", "news.*", "news.*", "x*"]);
    for _ in 0..3 {
        b.read_reply();
    }
    let mut chans: Vec<String> = call(&mut r, &["PUBSUB", "CHANNELS"])
        .split("\r\n")
        .filter(|l| !l.starts_with(['*', '$']) && !l.is_empty())
        .map(str::to_string)
        .collect();
    chans.sort();
    assert_eq!(chans, ["news.art", "news.tech", "sports"]);
    let tech = call(&mut r, &["PUBSUB", "CHANNELS", "news.t*"]);
    assert_eq!(tech, format!("*1\r\n{}", bulk("news.tech")));
    assert_eq!(
        call(
            &mut r,
            &["PUBSUB", "NUMSUB", "news.tech", "sports", "news.*"]
        ),
        format!(
            "*6\r\n{}{}{}{}{}{}",
            bulk("news.tech"),
            int(2),
            bulk("sports"),
            int(1),
            bulk("news.*"),
            int(0)
        )
    );
    assert_eq!(call(&mut r, &["PUBSUB", "NUMPAT"]), int(2));
    assert_eq!(call(&mut r, &["PUBSUB", "SHARDCHANNELS"]), "*0\r\n");
    assert_eq!(call(&mut r, &["PUBSUB", "SHARDNUMSUB"]), "*0\r\n");
    // A disconnected client's subscriptions go with it.
    drop(a);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        call(&mut r, &["PUBSUB", "NUMSUB", "news.tech", "sports"]),
        format!(
            "*4\r\n{}{}{}{}",
            bulk("news.tech"),
            int(1),
            bulk("sports"),
            int(0)
        )
    );
    let help = call(&mut r, &["PUBSUB", "HELP"]);
    assert!(help.starts_with(
        "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n"
    ));
    for (args, want) in [
        (
            &["PUBSUB", "CHANNELS", "a", "b"][..],
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n",
        ),
        (
            &["PUBSUB", "SHARDCHANNELS", "a", "b"][..],
            "-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP.\r\n",
        ),
        (
            &["PUBSUB", "NUMPAT", "x"][..],
            "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n",
        ),
        (
            &["PUBSUB", "FOO"][..],
            "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n",
        ),
        (
            &["PUBSUB"][..],
            "-ERR wrong number of arguments for 'pubsub' command\r\n",
        ),
        (
            &["PUBLISH", "ch"][..],
            "-ERR wrong number of arguments for 'publish' command\r\n",
        ),
        (
            &["SUBSCRIBE"][..],
            "-ERR wrong number of arguments for 'subscribe' command\r\n",
        ),
        (
            &["SSUBSCRIBE"][..],
            "-ERR wrong number of arguments for 'ssubscribe' command\r\n",
        ),
    ] {
        assert_eq!(call(&mut r, args), want, "{args:?}");
    }
}

/// Reads the pushes a `PSUBSCRIBE *` client gets for one command, up to and
/// excluding the `PING` reply sent after it.
fn events_until_ping(sub: &mut RawConn) -> Vec<String> {
    send(sub, &["PING"]);
    let mut out = Vec::new();
    loop {
        let m = sub.read_reply();
        if m.starts_with("*2\r\n$4\r\npong") {
            return out;
        }
        // pmessage * <channel> <payload>: keep "channel payload".
        let parts: Vec<&str> = m.split("\r\n").collect();
        out.push(format!("{} {}", parts[6], parts[8]));
    }
}

#[test]
fn keyspace_notifications_for_string_and_generic_commands() {
    let s = TestServer::start_with(&["--notify-keyspace-events", "KEA"]);
    let mut sub = s.raw();
    let mut r = s.raw();
    assert_eq!(
        call(&mut sub, &["PSUBSCRIBE", "*"]),
        conf('*', "psubscribe", Some("*"), 1)
    );
    let mut check = |r: &mut RawConn, args: &[&str], events: &[&str]| {
        call(r, args);
        let got = events_until_ping(&mut sub);
        let mut want = Vec::new();
        for e in events {
            // "event key", or "event db:key" for another database.
            let (ev, key) = e.split_once(' ').unwrap_or((e, ""));
            let (db, key) = match key.split_once(':') {
                Some((d, k)) if d.parse::<u32>().is_ok() => (d.parse().unwrap_or(0), k),
                _ => (0, key),
            };
            want.push(format!("__keyspace@{db}__:{key} {ev}"));
            want.push(format!("__keyevent@{db}__:{ev} {key}"));
        }
        assert_eq!(got, want, "{args:?}");
    };
    check(&mut r, &["SET", "foo", "bar"], &["set foo"]);
    check(
        &mut r,
        &["SET", "foo", "bar", "EX", "100"],
        &["set foo", "expire foo"],
    );
    check(&mut r, &["EXPIRE", "foo", "200"], &["expire foo"]);
    check(&mut r, &["PERSIST", "foo"], &["persist foo"]);
    check(&mut r, &["PERSIST", "foo"], &[]);
    check(&mut r, &["EXPIRE", "foo", "-1"], &["del foo"]);
    check(&mut r, &["EXPIRE", "foo", "100"], &[]);
    check(&mut r, &["SET", "n", "1"], &["set n"]);
    check(&mut r, &["INCR", "n"], &["incrby n"]);
    check(&mut r, &["INCRBY", "n", "5"], &["incrby n"]);
    check(&mut r, &["APPEND", "n", "x"], &["append n"]);
    check(
        &mut r,
        &["RENAME", "n", "m"],
        &["rename_from n", "rename_to m"],
    );
    check(
        &mut r,
        &["RENAMENX", "m", "n"],
        &["rename_from m", "rename_to n"],
    );
    check(&mut r, &["COPY", "n", "c"], &["copy_to c"]);
    check(&mut r, &["COPY", "n", "c", "DB", "1"], &["copy_to 1:c"]);
    check(&mut r, &["MOVE", "c", "2"], &["move_from c", "move_to 2:c"]);
    check(&mut r, &["MSET", "a", "1", "b", "2"], &["set a", "set b"]);
    check(&mut r, &["DEL", "a", "b", "nokey"], &["del a", "del b"]);
    check(&mut r, &["GETDEL", "n"], &["del n"]);
    check(&mut r, &["GET", "nokey"], &[]);
    check(&mut r, &["DEL", "nokey"], &[]);
    check(&mut r, &["SETEX", "t", "10", "v"], &["set t", "expire t"]);
    check(&mut r, &["GETEX", "t", "PERSIST"], &["persist t"]);
}

#[test]
fn keyspace_notification_channels_masks_and_special_events() {
    let s = TestServer::start();
    let mut sub = s.raw();
    let mut r = s.raw();
    // Only the keyspace channel.
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "K$"]);
    call(&mut sub, &["PSUBSCRIBE", "*"]);
    call(&mut r, &["SET", "foo", "bar"]);
    call(&mut r, &["DEL", "foo"]);
    assert_eq!(events_until_ping(&mut sub), ["__keyspace@0__:foo set"]);
    // Only the keyevent channel, generic events only.
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "Eg"]);
    call(&mut r, &["SET", "foo", "bar"]);
    call(&mut r, &["EXPIRE", "foo", "1"]);
    call(&mut r, &["DEL", "foo"]);
    assert_eq!(
        events_until_ping(&mut sub),
        ["__keyevent@0__:expire foo", "__keyevent@0__:del foo"]
    );
    // New keys ('n' is not part of 'A').
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "En"]);
    call(&mut r, &["SET", "foo", "bar"]);
    call(&mut r, &["SET", "foo", "baz"]);
    call(&mut r, &["SET", "bar", "bar"]);
    call(&mut r, &["INCR", "counter"]);
    call(&mut r, &["RENAME", "counter", "cnt"]);
    assert_eq!(
        events_until_ping(&mut sub),
        [
            "__keyevent@0__:new foo",
            "__keyevent@0__:new bar",
            "__keyevent@0__:new counter",
            "__keyevent@0__:new cnt"
        ]
    );
    // Key misses ('m' is not part of 'A' either).
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "KEm"]);
    call(&mut r, &["GET", "nokey"]);
    call(&mut r, &["GET", "foo"]);
    call(&mut r, &["SET", "nokey2", "x"]);
    call(&mut r, &["EXISTS", "nokey3"]);
    call(&mut r, &["OBJECT", "ENCODING", "nokey4"]);
    assert_eq!(
        events_until_ping(&mut sub),
        [
            "__keyspace@0__:nokey keymiss",
            "__keyevent@0__:keymiss nokey",
            "__keyspace@0__:nokey3 keymiss",
            "__keyevent@0__:keymiss nokey3"
        ]
    );
    // Nothing at all.
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", ""]);
    call(&mut r, &["SET", "foo", "bar"]);
    call(&mut r, &["GET", "nokey"]);
    assert!(events_until_ping(&mut sub).is_empty());
}

#[test]
fn expired_events_from_lazy_and_active_expiry() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut sub = s.raw();
    let mut r = s.raw();
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "Ex"]);
    assert_eq!(
        call(&mut sub, &["PSUBSCRIBE", "*"]),
        conf('*', "psubscribe", Some("*"), 1)
    );
    // Active expiry: nobody touches the key.
    call(&mut r, &["PSETEX", "foo", "100", "1"]);
    assert_eq!(
        sub.read_reply(),
        pmsg('*', "*", "__keyevent@0__:expired", "foo")
    );
    // Lazy expiry, with the background cycle off.
    call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    call(&mut r, &["PSETEX", "bar", "50", "1"]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(events_until_ping(&mut sub).is_empty());
    assert_eq!(call(&mut r, &["GET", "bar"]), "$-1\r\n");
    assert_eq!(events_until_ping(&mut sub), ["__keyevent@0__:expired bar"]);
    call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
}

#[test]
fn notifications_to_a_resp3_subscriber_come_after_its_reply() {
    let s = TestServer::start();
    let mut r = resp3(&s);
    call(&mut r, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    assert_eq!(
        call(&mut r, &["PSUBSCRIBE", "__keyspace@0__:*"]),
        conf('>', "psubscribe", Some("__keyspace@0__:*"), 1)
    );
    assert_eq!(call(&mut r, &["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(
        r.read_reply(),
        pmsg('>', "__keyspace@0__:*", "__keyspace@0__:k", "set")
    );
    call(&mut r, &["MULTI"]);
    call(&mut r, &["INCR", "n"]);
    call(&mut r, &["DEL", "k"]);
    assert_eq!(
        call(&mut r, &["EXEC"]),
        format!("*2\r\n{}{}", int(1), int(1))
    );
    assert_eq!(
        r.read_reply(),
        pmsg('>', "__keyspace@0__:*", "__keyspace@0__:n", "incrby")
    );
    assert_eq!(
        r.read_reply(),
        pmsg('>', "__keyspace@0__:*", "__keyspace@0__:k", "del")
    );
}
