//! Generic key commands: DEL/UNLINK/EXISTS/TYPE, RENAME, KEYS, SCAN, RANDOMKEY, COPY,
//! MOVE, TOUCH, OBJECT, SORT. Replies are compared byte for byte with Redis 7.4's.

use coil_tests::{RawConn, TestServer};
use std::collections::HashSet;
use std::time::Duration;

/// Sends one command and returns its raw reply.
fn call(r: &mut RawConn, args: &[&str]) -> String {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.cmd(&args);
    r.read_reply()
}

/// A bulk string reply.
fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// An integer reply.
fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// An array of bulk strings.
fn arr(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&bulk(i));
    }
    s
}

/// The elements of a flat array-of-bulks reply.
fn elements(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let mut out = Vec::new();
    let head = lines.next().unwrap_or("");
    assert!(head.starts_with('*'), "not an array: {reply:?}");
    while let Some(l) = lines.next() {
        if l.starts_with('$') && l != "$-1" {
            out.push(lines.next().unwrap_or("").to_string());
        }
    }
    out
}

/// Parses a `SCAN` reply into the next cursor and the keys.
fn scan_reply(reply: &str) -> (String, Vec<String>) {
    let mut lines = reply.split("\r\n");
    assert_eq!(lines.next(), Some("*2"), "{reply:?}");
    lines.next();
    let cursor = lines.next().unwrap_or("").to_string();
    let n: usize = lines.next().unwrap_or("*0")[1..].parse().unwrap_or(0);
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        lines.next();
        keys.push(lines.next().unwrap_or("").to_string());
    }
    (cursor, keys)
}

/// The value of one `INFO` field.
fn info_field(r: &mut RawConn, section: &str, field: &str) -> String {
    let text = call(r, &["INFO", section]);
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or("")
        .to_string()
}

#[test]
fn del_unlink_exists_type() {
    let s = TestServer::start();
    let mut r = s.raw();
    assert_eq!(
        call(&mut r, &["MSET", "a", "1", "b", "2", "c", "3"]),
        "+OK\r\n"
    );
    assert_eq!(call(&mut r, &["EXISTS", "a", "a", "b", "nokey"]), int(3));
    assert_eq!(call(&mut r, &["TYPE", "a"]), "+string\r\n");
    assert_eq!(call(&mut r, &["TYPE", "nokey"]), "+none\r\n");
    assert_eq!(call(&mut r, &["DEL", "a", "a", "nokey"]), int(1));
    assert_eq!(call(&mut r, &["UNLINK", "b", "c", "b"]), int(2));
    assert_eq!(call(&mut r, &["EXISTS", "a", "b", "c"]), int(0));
    assert_eq!(
        call(&mut r, &["DEL"]),
        "-ERR wrong number of arguments for 'del' command\r\n"
    );
    assert_eq!(
        call(&mut r, &["TYPE", "a", "b"]),
        "-ERR wrong number of arguments for 'type' command\r\n"
    );
    // EXISTS and TYPE count keyspace hits and misses.
    let _ = call(&mut r, &["CONFIG", "RESETSTAT"]);
    call(&mut r, &["SET", "k", "v"]);
    call(&mut r, &["EXISTS", "k", "k", "nokey"]);
    call(&mut r, &["TYPE", "k"]);
    assert_eq!(info_field(&mut r, "stats", "keyspace_hits"), "3");
    assert_eq!(info_field(&mut r, "stats", "keyspace_misses"), "1");
}

#[test]
fn type_exists_ttl_and_no_touch_clients_do_not_touch_the_key() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    call(&mut r, &["SET", "k", "v"]);
    assert_eq!(call(&mut r, &["DEBUG", "SLEEP", "1.1"]), "+OK\r\n");
    call(&mut r, &["TYPE", "k"]);
    call(&mut r, &["EXISTS", "k"]);
    call(&mut r, &["TTL", "k"]);
    let idle = call(&mut r, &["OBJECT", "IDLETIME", "k"]);
    assert!(idle == int(1) || idle == int(2), "{idle:?}");
    call(&mut r, &["GET", "k"]);
    assert_eq!(call(&mut r, &["OBJECT", "IDLETIME", "k"]), int(0));
    // CLIENT NO-TOUCH: reads and writes leave the access time alone, TOUCH does not.
    assert_eq!(call(&mut r, &["CLIENT", "NO-TOUCH", "on"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["DEBUG", "SLEEP", "1.1"]), "+OK\r\n");
    call(&mut r, &["GET", "k"]);
    call(&mut r, &["SET", "k", "v2"]);
    let idle = call(&mut r, &["OBJECT", "IDLETIME", "k"]);
    assert!(idle == int(1) || idle == int(2), "{idle:?}");
    call(&mut r, &["TOUCH", "k"]);
    assert_eq!(call(&mut r, &["OBJECT", "IDLETIME", "k"]), int(0));
}

#[test]
fn rename_and_renamenx() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "a", "hello"]);
    assert_eq!(call(&mut r, &["RENAME", "a", "b"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["GET", "b"]), bulk("hello"));
    assert_eq!(call(&mut r, &["EXISTS", "a"]), int(0));
    assert_eq!(call(&mut r, &["RENAME", "a", "b"]), "-ERR no such key\r\n");
    assert_eq!(call(&mut r, &["RENAME", "a", "a"]), "-ERR no such key\r\n");
    assert_eq!(
        call(&mut r, &["RENAMENX", "a", "a"]),
        "-ERR no such key\r\n"
    );
    assert_eq!(call(&mut r, &["RENAME", "b", "b"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["RENAMENX", "b", "b"]), int(0));
    call(&mut r, &["SET", "c", "other"]);
    assert_eq!(call(&mut r, &["RENAMENX", "b", "c"]), int(0));
    assert_eq!(call(&mut r, &["GET", "c"]), bulk("other"));
    assert_eq!(call(&mut r, &["RENAMENX", "b", "d"]), int(1));
    assert_eq!(call(&mut r, &["RENAME", "d", "c"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["GET", "c"]), bulk("hello"));
    // The TTL moves with the value; the target's own TTL is not inherited.
    call(&mut r, &["SET", "v", "1", "EX", "100"]);
    assert_eq!(call(&mut r, &["RENAME", "v", "w"]), "+OK\r\n");
    let ttl = call(&mut r, &["TTL", "w"]);
    assert!(ttl == int(100) || ttl == int(99), "{ttl:?}");
    call(&mut r, &["SET", "t", "x", "EX", "100"]);
    call(&mut r, &["SET", "p", "y"]);
    assert_eq!(call(&mut r, &["RENAME", "p", "t"]), "+OK\r\n");
    assert_eq!(call(&mut r, &["TTL", "t"]), int(-1));
    assert_eq!(
        call(&mut r, &["RENAME", "x"]),
        "-ERR wrong number of arguments for 'rename' command\r\n"
    );
}

#[test]
fn keys_pattern_and_expired_keys() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    for k in ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"] {
        call(&mut r, &["SET", k, "hello"]);
    }
    let mut got = elements(&call(&mut r, &["KEYS", "foo*"]));
    got.sort();
    assert_eq!(got, ["foo_a", "foo_b", "foo_c"]);
    let mut got = elements(&call(&mut r, &["KEYS", "*"]));
    got.sort();
    assert_eq!(got, ["foo_a", "foo_b", "foo_c", "key_x", "key_y", "key_z"]);
    let mut got = elements(&call(&mut r, &["KEYS", "key_[xy]"]));
    got.sort();
    assert_eq!(got, ["key_x", "key_y"]);
    assert_eq!(call(&mut r, &["KEYS", "nomatch*"]), "*0\r\n");
    // Logically expired keys are not listed, but KEYS does not delete them.
    call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    call(&mut r, &["SET", "foo_d", "x", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(elements(&call(&mut r, &["KEYS", "foo*"])).len(), 3);
    assert_eq!(call(&mut r, &["DBSIZE"]), int(7));
    // A very long key and a pathological pattern.
    let long = "x".repeat(5000);
    call(&mut r, &["SET", &long, "1"]);
    assert_eq!(elements(&call(&mut r, &["KEYS", "xx*"])), [long]);
    assert_eq!(
        call(
            &mut r,
            &["KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"]
        ),
        "*0\r\n"
    );
}

#[test]
fn scan_options_and_errors() {
    let s = TestServer::start();
    let mut r = s.raw();
    for i in 0..100 {
        call(&mut r, &["SET", &format!("key:{i}"), "v"]);
    }
    call(&mut r, &["SET", "other", "v"]);
    let mut all = HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let (next, keys) = scan_reply(&call(&mut r, &["SCAN", &cursor, "COUNT", "7"]));
        all.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(all.len(), 101);
    let mut matched = HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let (next, keys) = scan_reply(&call(
            &mut r,
            &["scan", &cursor, "match", "key:1*", "count", "20"],
        ));
        matched.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(matched.len(), 11);
    // TYPE filters by type; a name that is no type matches nothing.
    let (_, keys) = scan_reply(&call(
        &mut r,
        &["SCAN", "0", "COUNT", "1000", "TYPE", "string"],
    ));
    assert_eq!(keys.len(), 101);
    let (c, keys) = scan_reply(&call(
        &mut r,
        &["SCAN", "0", "COUNT", "1000", "TYPE", "list"],
    ));
    assert_eq!((c.as_str(), keys.len()), ("0", 0));
    let (_, keys) = scan_reply(&call(
        &mut r,
        &["SCAN", "0", "COUNT", "1000", "TYPE", "nosuch"],
    ));
    assert!(keys.is_empty());
    assert_eq!(call(&mut r, &["SCAN", "x"]), "-ERR invalid cursor\r\n");
    assert_eq!(call(&mut r, &["SCAN", "-1"]), "-ERR invalid cursor\r\n");
    assert_eq!(
        call(&mut r, &["SCAN", "18446744073709551616"]),
        "-ERR invalid cursor\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "COUNT", "0"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "COUNT", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "MATCH"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "TYPE"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "NOVALUES"]),
        "-ERR NOVALUES option can only be used in HSCAN\r\n"
    );
    assert_eq!(
        call(&mut r, &["SCAN", "0", "FOO", "bar"]),
        "-ERR syntax error\r\n"
    );
    // Cursors are read as `strtoull` reads them once the strict form fails.
    for cursor in ["000", "+0", "-0", " 0", "00000000000000000000000"] {
        let (_, keys) = scan_reply(&call(&mut r, &["SCAN", cursor, "COUNT", "1000"]));
        assert_eq!(keys.len(), 101, "{cursor:?}");
    }
    for cursor in ["", " ", "-", "5 ", "0x10", "1.5"] {
        assert_eq!(
            call(&mut r, &["SCAN", cursor]),
            "-ERR invalid cursor\r\n",
            "{cursor:?}"
        );
    }
    call(&mut r, &["FLUSHALL"]);
    assert_eq!(call(&mut r, &["SCAN", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(call(&mut r, &["SCAN", "12345"]), "*2\r\n$1\r\n0\r\n*0\r\n");
}

/// Every key present for the whole scan is returned, however much the keyspace grows
/// and shrinks (through rehashing in both directions) between calls.
#[test]
fn scan_is_complete_while_the_keyspace_grows_and_shrinks() {
    let s = TestServer::start();
    let mut r = s.raw();
    let mut pipeline = Vec::new();
    let mut set_many = |r: &mut RawConn, prefix: &str, range: std::ops::Range<usize>, del: bool| {
        pipeline.clear();
        for i in range.clone() {
            let key = format!("{prefix}:{i}");
            let args: Vec<&[u8]> = if del {
                vec![b"DEL", key.as_bytes()]
            } else {
                vec![b"SET", key.as_bytes(), b"v"]
            };
            let mut cmd = format!("*{}\r\n", args.len()).into_bytes();
            for a in args {
                cmd.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                cmd.extend_from_slice(a);
                cmd.extend_from_slice(b"\r\n");
            }
            pipeline.extend_from_slice(&cmd);
        }
        r.send(&pipeline);
        for _ in range {
            r.read_reply();
        }
    };
    set_many(&mut r, "stable", 0..3000, false);
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut step = 0;
    loop {
        let (next, keys) = scan_reply(&call(&mut r, &["SCAN", &cursor, "COUNT", "50"]));
        seen.extend(keys);
        cursor = next;
        step += 1;
        match step % 6 {
            // Grow by thousands of keys, then shrink again, many times over.
            1 => set_many(&mut r, "temp", 0..4000, false),
            3 => set_many(&mut r, "temp", 0..4000, true),
            4 => set_many(&mut r, "more", 0..2000, false),
            0 => set_many(&mut r, "more", 0..2000, true),
            _ => {}
        }
        if cursor == "0" {
            break;
        }
        assert!(step < 100_000, "SCAN never finished");
    }
    for i in 0..3000 {
        assert!(
            seen.contains(&format!("stable:{i}")),
            "SCAN missed stable:{i}"
        );
    }
}

#[test]
fn scan_skips_and_deletes_expired_keys() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..20 {
        call(&mut r, &["SET", &format!("gone:{i}"), "v", "PX", "1"]);
    }
    for i in 0..5 {
        call(&mut r, &["SET", &format!("kept:{i}"), "v"]);
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(call(&mut r, &["DBSIZE"]), int(25));
    let (cursor, keys) = scan_reply(&call(&mut r, &["SCAN", "0", "COUNT", "1000"]));
    assert_eq!(cursor, "0");
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, ["kept:0", "kept:1", "kept:2", "kept:3", "kept:4"]);
    // The expired keys were deleted on the way.
    assert_eq!(call(&mut r, &["DBSIZE"]), int(5));
    assert_eq!(info_field(&mut r, "stats", "expired_keys"), "20");
}

#[test]
fn randomkey() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    assert_eq!(call(&mut r, &["RANDOMKEY"]), "$-1\r\n");
    call(&mut r, &["SET", "foo", "x"]);
    call(&mut r, &["SET", "bar", "y"]);
    let mut found = HashSet::new();
    for _ in 0..100 {
        found.insert(call(&mut r, &["RANDOMKEY"]));
    }
    assert_eq!(found, HashSet::from([bulk("foo"), bulk("bar")]));
    // Expired keys are skipped (and deleted), never returned.
    call(&mut r, &["FLUSHALL"]);
    call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..10 {
        call(&mut r, &["SET", &format!("e{i}"), "v", "PX", "1"]);
    }
    call(&mut r, &["SET", "live", "v"]);
    std::thread::sleep(Duration::from_millis(20));
    for _ in 0..20 {
        assert_eq!(call(&mut r, &["RANDOMKEY"]), bulk("live"));
    }
    call(&mut r, &["DEL", "live"]);
    for i in 0..10 {
        call(&mut r, &["SET", &format!("e{i}"), "v", "PX", "1"]);
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(call(&mut r, &["RANDOMKEY"]), "$-1\r\n");
    assert_eq!(call(&mut r, &["DBSIZE"]), int(0));
}

#[test]
fn copy_command() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "src", "foobar"]);
    assert_eq!(call(&mut r, &["COPY", "src", "dst"]), int(1));
    assert_eq!(call(&mut r, &["GET", "dst"]), bulk("foobar"));
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "dst"]), bulk("embstr"));
    // Independent copies.
    call(&mut r, &["APPEND", "dst", "!"]);
    assert_eq!(call(&mut r, &["GET", "src"]), bulk("foobar"));
    call(&mut r, &["SET", "src", "new"]);
    assert_eq!(call(&mut r, &["COPY", "src", "dst"]), int(0));
    assert_eq!(call(&mut r, &["GET", "dst"]), bulk("foobar!"));
    assert_eq!(call(&mut r, &["COPY", "src", "dst", "REPLACE"]), int(1));
    assert_eq!(call(&mut r, &["GET", "dst"]), bulk("new"));
    assert_eq!(call(&mut r, &["COPY", "nokey", "dst", "REPLACE"]), int(0));
    // Other databases.
    assert_eq!(call(&mut r, &["COPY", "src", "src", "DB", "3"]), int(1));
    assert_eq!(call(&mut r, &["COPY", "src", "src", "DB", "3"]), int(0));
    call(&mut r, &["SELECT", "3"]);
    assert_eq!(call(&mut r, &["GET", "src"]), bulk("new"));
    call(&mut r, &["SELECT", "0"]);
    // The TTL is copied; no TTL is none.
    call(&mut r, &["SET", "v", "1", "EX", "100"]);
    call(&mut r, &["COPY", "v", "v2"]);
    let ttl = call(&mut r, &["TTL", "v2"]);
    assert!(ttl == int(100) || ttl == int(99), "{ttl:?}");
    call(&mut r, &["COPY", "src", "nottl"]);
    assert_eq!(call(&mut r, &["TTL", "nottl"]), int(-1));
    // Errors, in Redis's order.
    for (args, want) in [
        (
            &["COPY", "src", "src"][..],
            "-ERR source and destination objects are the same\r\n",
        ),
        (
            &["COPY", "src", "src", "DB", "0"][..],
            "-ERR source and destination objects are the same\r\n",
        ),
        (
            &["COPY", "src", "x", "DB", "notanumber"][..],
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            &["COPY", "src", "x", "DB", "16"][..],
            "-ERR DB index is out of range\r\n",
        ),
        (
            &["COPY", "src", "x", "DB", "-1"][..],
            "-ERR DB index is out of range\r\n",
        ),
        (
            &["COPY", "src", "x", "DB", "99999999999"][..],
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
        ),
        (&["COPY", "src", "x", "DB"][..], "-ERR syntax error\r\n"),
        (&["COPY", "src", "x", "FOO"][..], "-ERR syntax error\r\n"),
        (
            &["COPY", "src", "x", "FOO", "DB", "99"][..],
            "-ERR syntax error\r\n",
        ),
    ] {
        assert_eq!(call(&mut r, args), want, "{args:?}");
    }
}

#[test]
fn move_command() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "mykey", "foobar"]);
    assert_eq!(call(&mut r, &["MOVE", "mykey", "10"]), int(1));
    assert_eq!(call(&mut r, &["EXISTS", "mykey"]), int(0));
    assert_eq!(call(&mut r, &["DBSIZE"]), int(0));
    call(&mut r, &["SELECT", "10"]);
    assert_eq!(call(&mut r, &["GET", "mykey"]), bulk("foobar"));
    assert_eq!(call(&mut r, &["DBSIZE"]), int(1));
    call(&mut r, &["SELECT", "0"]);
    call(&mut r, &["SET", "mykey", "hello"]);
    assert_eq!(call(&mut r, &["MOVE", "mykey", "10"]), int(0));
    assert_eq!(call(&mut r, &["MOVE", "nokey", "10"]), int(0));
    assert_eq!(
        call(&mut r, &["MOVE", "mykey", "0"]),
        "-ERR source and destination objects are the same\r\n"
    );
    assert_eq!(
        call(&mut r, &["MOVE", "mykey", "notanumber"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["MOVE", "mykey", "16"]),
        "-ERR DB index is out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["MOVE", "nokey", "-1"]),
        "-ERR DB index is out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["MOVE", "nokey", "-2147483649"]),
        "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
    );
    // The TTL travels with the key.
    call(&mut r, &["SET", "v", "1", "EX", "100"]);
    assert_eq!(call(&mut r, &["MOVE", "v", "1"]), int(1));
    call(&mut r, &["SELECT", "1"]);
    let ttl = call(&mut r, &["TTL", "v"]);
    assert!(ttl == int(100) || ttl == int(99), "{ttl:?}");
}

#[test]
fn touch_command() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["MSET", "a", "1", "b", "2"]);
    assert_eq!(call(&mut r, &["TOUCH", "a", "b", "c", "a"]), int(3));
    assert_eq!(call(&mut r, &["TOUCH", "nokey"]), int(0));
}

#[test]
fn object_subcommands() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "int", "12345"]);
    call(&mut r, &["SET", "small", "12"]);
    call(&mut r, &["SET", "emb", "hello"]);
    call(&mut r, &["SET", "raw", &"x".repeat(45)]);
    call(&mut r, &["SET", "raw2", "x"]);
    call(&mut r, &["APPEND", "raw2", "y"]);
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "int"]), bulk("int"));
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "emb"]), bulk("embstr"));
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "raw"]), bulk("raw"));
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "raw2"]), bulk("raw"));
    assert_eq!(call(&mut r, &["OBJECT", "ENCODING", "nokey"]), "$-1\r\n");
    assert_eq!(call(&mut r, &["object", "encoding", "nokey"]), "$-1\r\n");
    // Small integers are shared objects.
    assert_eq!(
        call(&mut r, &["OBJECT", "REFCOUNT", "small"]),
        int(2147483647)
    );
    assert_eq!(call(&mut r, &["OBJECT", "REFCOUNT", "int"]), int(1));
    assert_eq!(call(&mut r, &["OBJECT", "REFCOUNT", "emb"]), int(1));
    assert_eq!(call(&mut r, &["OBJECT", "REFCOUNT", "nokey"]), "$-1\r\n");
    assert_eq!(call(&mut r, &["OBJECT", "IDLETIME", "emb"]), int(0));
    assert_eq!(call(&mut r, &["OBJECT", "IDLETIME", "nokey"]), "$-1\r\n");
    assert_eq!(
        call(&mut r, &["OBJECT", "FREQ", "emb"]),
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"
    );
    assert_eq!(call(&mut r, &["OBJECT", "FREQ", "nokey"]), "$-1\r\n");
    call(
        &mut r,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    call(&mut r, &["SET", "lfu", "v"]);
    assert_eq!(call(&mut r, &["OBJECT", "FREQ", "lfu"]), int(5));
    for _ in 0..200 {
        call(&mut r, &["GET", "lfu"]);
    }
    let freq = call(&mut r, &["OBJECT", "FREQ", "lfu"]);
    let n: i64 = freq[1..freq.len() - 2].parse().unwrap_or(0);
    assert!(n > 5, "{freq:?}");
    assert_eq!(
        call(&mut r, &["OBJECT", "IDLETIME", "lfu"]),
        "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"
    );
    call(&mut r, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    let help = call(&mut r, &["OBJECT", "HELP"]);
    assert!(help.starts_with(
        "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n"
    ));
    assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"));
    assert_eq!(
        call(&mut r, &["OBJECT", "FOO", "x"]),
        "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"
    );
    assert_eq!(
        call(&mut r, &["OBJECT", "ENCODING"]),
        "-ERR wrong number of arguments for 'object|encoding' command\r\n"
    );
    assert_eq!(
        call(&mut r, &["OBJECT"]),
        "-ERR wrong number of arguments for 'object' command\r\n"
    );
}

/// SORT needs lists, sets or sorted sets to have anything to sort; what can be checked
/// with strings alone is checked here (the full behaviour is a unit test of
/// `commands::sort`), and the rest runs once the list family answers `RPUSH`.
#[test]
fn sort_basics() {
    let s = TestServer::start();
    let mut r = s.raw();
    assert_eq!(call(&mut r, &["SORT", "nokey"]), "*0\r\n");
    assert_eq!(
        call(&mut r, &["SORT_RO", "nokey", "ALPHA", "DESC"]),
        "*0\r\n"
    );
    call(&mut r, &["SET", "str", "x"]);
    assert_eq!(
        call(&mut r, &["SORT", "str"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    // Options are parsed before the key is looked at.
    assert_eq!(
        call(&mut r, &["SORT", "str", "FOO"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut r, &["SORT", "str", "LIMIT", "x", "1"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["SORT", "str", "LIMIT", "1"]),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        call(&mut r, &["SORT_RO", "nokey", "STORE", "dst"]),
        "-ERR syntax error\r\n"
    );
    // An empty result stores nothing and deletes the destination.
    call(&mut r, &["SET", "dst", "old"]);
    assert_eq!(call(&mut r, &["SORT", "nokey", "STORE", "dst"]), int(0));
    assert_eq!(call(&mut r, &["EXISTS", "dst"]), int(0));
    assert_eq!(
        call(
            &mut r,
            &["SORT", "nokey", "BY", "w_*", "GET", "#", "GET", "x_*", "STORE", "dst"]
        ),
        int(0)
    );

    if call(&mut r, &["RPUSH", "l", "3", "1", "2", "10"]) != int(4) {
        return; // no list family in this build yet
    }
    call(
        &mut r,
        &["MSET", "w_1", "30", "w_2", "20", "w_3", "10", "w_10", "5"],
    );
    call(
        &mut r,
        &["MSET", "n_1", "one", "n_2", "two", "n_3", "three"],
    );
    assert_eq!(call(&mut r, &["SORT", "l"]), arr(&["1", "2", "3", "10"]));
    assert_eq!(
        call(&mut r, &["SORT", "l", "ALPHA"]),
        arr(&["1", "10", "2", "3"])
    );
    assert_eq!(
        call(&mut r, &["SORT", "l", "BY", "w_*"]),
        arr(&["10", "3", "2", "1"])
    );
    assert_eq!(
        call(&mut r, &["SORT", "l", "BY", "nosort", "DESC"]),
        arr(&["10", "2", "1", "3"])
    );
    assert_eq!(
        call(
            &mut r,
            &["SORT", "l", "LIMIT", "1", "2", "GET", "n_*", "GET", "#"]
        ),
        "*4\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        call(&mut r, &["SORT", "l", "GET", "n_*", "STORE", "dst"]),
        int(4)
    );
    assert_eq!(call(&mut r, &["TYPE", "dst"]), "+list\r\n");
    assert_eq!(
        call(&mut r, &["SORT", "dst", "BY", "nosort"]),
        arr(&["one", "two", "three", ""])
    );
    call(&mut r, &["RPUSH", "bad", "1", "x"]);
    assert_eq!(
        call(&mut r, &["SORT", "bad"]),
        "-ERR One or more scores can't be converted into double\r\n"
    );
}
