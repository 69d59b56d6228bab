//! Hash commands, encodings and field expiry, checked byte for byte against what Redis
//! 7.4 replies.

use coil_tests::{RawConn, TestServer};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

pub(crate) fn start() -> TestServer {
    TestServer::start_with(&["--enable-debug-command", "yes"])
}

/// A bulk string reply.
pub(crate) fn b(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

/// An array of bulk strings.
pub(crate) fn arr(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&b(i));
    }
    out
}

/// An integer reply.
pub(crate) fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// An array of integers.
pub(crate) fn ints(items: &[i64]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&int(*i));
    }
    out
}

pub(crate) fn err(text: &str) -> String {
    format!("-{text}\r\n")
}

/// The encoding `DEBUG OBJECT` reports.
pub(crate) fn encoding(c: &mut RawConn, key: &str) -> String {
    let r = c.query(&["DEBUG", "OBJECT", key]);
    r.split("encoding:")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap_or("")
        .to_string()
}

/// The bulk strings of a flat reply, in order.
pub(crate) fn bulks(reply: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = reply.split("\r\n");
    while let Some(l) = lines.next() {
        if l.starts_with('$') && l != "$-1" {
            out.push(lines.next().unwrap_or("").to_string());
        }
    }
    out
}

/// The value of `field` in `INFO section`.
pub(crate) fn info_field(c: &mut RawConn, section: &str, field: &str) -> String {
    let r = c.query(&["INFO", section]);
    r.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string))
        .unwrap_or_default()
}

pub(crate) const WRONGTYPE: &str =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn set_get_delete() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(
        c.query(&["HSET", "h", "a", "1", "b", "2", "c", "3"]),
        int(3)
    );
    assert_eq!(c.query(&["HSET", "h", "a", "9", "d", "4"]), int(1));
    assert_eq!(c.query(&["HMSET", "h", "e", "5"]), "+OK\r\n");
    assert_eq!(
        c.query(&["HSET", "h", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'hset' command")
    );
    assert_eq!(
        c.query(&["HMSET", "h", "a"]),
        err("ERR wrong number of arguments for 'hmset' command")
    );
    assert_eq!(c.query(&["HGET", "h", "a"]), b("9"));
    assert_eq!(c.query(&["HGET", "h", "zz"]), "$-1\r\n");
    assert_eq!(c.query(&["HGET", "nokey", "a"]), "$-1\r\n");
    assert_eq!(
        c.query(&["HMGET", "h", "a", "zz", "e"]),
        "*3\r\n$1\r\n9\r\n$-1\r\n$1\r\n5\r\n"
    );
    assert_eq!(c.query(&["HMGET", "nokey", "a"]), "*1\r\n$-1\r\n");
    assert_eq!(c.query(&["HLEN", "h"]), int(5));
    assert_eq!(c.query(&["HLEN", "nokey"]), int(0));
    assert_eq!(c.query(&["HSTRLEN", "h", "a"]), int(1));
    assert_eq!(c.query(&["HSTRLEN", "h", "zz"]), int(0));
    assert_eq!(c.query(&["HEXISTS", "h", "a"]), int(1));
    assert_eq!(c.query(&["HEXISTS", "h", "zz"]), int(0));
    // Listpack order is insertion order.
    assert_eq!(c.query(&["HKEYS", "h"]), arr(&["a", "b", "c", "d", "e"]));
    assert_eq!(c.query(&["HVALS", "h"]), arr(&["9", "2", "3", "4", "5"]));
    assert_eq!(
        c.query(&["HGETALL", "h"]),
        arr(&["a", "9", "b", "2", "c", "3", "d", "4", "e", "5"])
    );
    assert_eq!(c.query(&["HGETALL", "nokey"]), "*0\r\n");
    assert_eq!(c.query(&["HSETNX", "h", "a", "x"]), int(0));
    assert_eq!(c.query(&["HSETNX", "h", "f", "x"]), int(1));
    assert_eq!(c.query(&["HSETNX", "new", "f", "x"]), int(1));
    assert_eq!(c.query(&["HDEL", "h", "zz"]), int(0));
    assert_eq!(c.query(&["HDEL", "h", "a", "zz", "b"]), int(2));
    assert_eq!(c.query(&["HDEL", "nokey", "a"]), int(0));
    // The last field deleted deletes the key, even with more fields to go.
    assert_eq!(c.query(&["HDEL", "h", "c", "d", "e", "f", "zz"]), int(4));
    assert_eq!(c.query(&["EXISTS", "h"]), int(0));

    for v in ["-9223372036854775808", "9223372036854775808", "", "0", "x"] {
        c.query(&["HSET", "sl", "f", v]);
        assert_eq!(c.query(&["HSTRLEN", "sl", "f"]), int(v.len() as i64));
    }
}

#[test]
fn wrong_type() {
    let s = start();
    let mut c = s.raw();
    c.query(&["SET", "s", "x"]);
    for cmd in [
        &["HGET", "s", "a"][..],
        &["HMGET", "s", "a"],
        &["HSET", "s", "a", "b"],
        &["HMSET", "s", "a", "b"],
        &["HSETNX", "s", "a", "b"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HEXISTS", "s", "a"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2"],
        &["HSCAN", "s", "0"],
        &["HEXPIRE", "s", "10", "FIELDS", "1", "a"],
        &["HTTL", "s", "FIELDS", "1", "a"],
        &["HPERSIST", "s", "FIELDS", "1", "a"],
    ] {
        assert_eq!(c.query(cmd), err(WRONGTYPE), "{cmd:?}");
    }
}

#[test]
fn incrby_and_incrbyfloat() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(c.query(&["HINCRBY", "h", "n", "5"]), int(5));
    assert_eq!(c.query(&["HINCRBY", "h", "n", "-10"]), int(-5));
    assert_eq!(
        c.query(&["HINCRBY", "h", "n", "x"]),
        err("ERR value is not an integer or out of range")
    );
    c.query(&[
        "HSET",
        "h",
        "s",
        "abc",
        "sp",
        " 1",
        "big",
        "9223372036854775807",
    ]);
    assert_eq!(
        c.query(&["HINCRBY", "h", "s", "1"]),
        err("ERR hash value is not an integer")
    );
    assert_eq!(
        c.query(&["HINCRBY", "h", "sp", "1"]),
        err("ERR hash value is not an integer")
    );
    assert_eq!(
        c.query(&["HINCRBY", "h", "big", "1"]),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(c.query(&["HINCRBYFLOAT", "h", "f", "1.5"]), b("1.5"));
    assert_eq!(c.query(&["HINCRBYFLOAT", "h", "f", "0.1"]), b("1.6"));
    assert_eq!(c.query(&["HINCRBYFLOAT", "h", "n", "2.5"]), b("-2.5"));
    assert_eq!(
        c.query(&["HINCRBYFLOAT", "h", "s", "1"]),
        err("ERR hash value is not a float")
    );
    assert_eq!(
        c.query(&["HINCRBYFLOAT", "h", "f", "x"]),
        err("ERR value is not a valid float")
    );
    assert_eq!(
        c.query(&["HINCRBYFLOAT", "h", "f", "nan"]),
        err("ERR value is not a valid float")
    );
    assert_eq!(
        c.query(&["HINCRBYFLOAT", "hfoo", "f", "+inf"]),
        err("ERR value is NaN or Infinity")
    );
    assert_eq!(c.query(&["EXISTS", "hfoo"]), int(0));
    // RESP3 still gets a bulk string.
    c.query(&["HELLO", "3"]);
    assert_eq!(c.query(&["HINCRBYFLOAT", "h", "f", "1"]), b("2.6"));
}

#[test]
fn encodings_and_conversions() {
    let s = start();
    let mut c = s.raw();
    c.query(&["CONFIG", "SET", "hash-max-listpack-entries", "4"]);
    c.query(&["CONFIG", "SET", "hash-max-listpack-value", "8"]);
    c.query(&["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"]);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    c.query(&["HSET", "h", "e", "5"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    // More new fields in one call than a listpack holds.
    c.query(&[
        "HSET", "h2", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
    ]);
    assert_eq!(encoding(&mut c, "h2"), "hashtable");
    // Long values and long fields.
    c.query(&["HSET", "h3", "a", "123456789"]);
    assert_eq!(encoding(&mut c, "h3"), "hashtable");
    c.query(&["HSET", "h4", "abcdefghi", "1"]);
    assert_eq!(encoding(&mut c, "h4"), "hashtable");
    c.query(&["HSET", "h5", "abcdefgh", "12345678"]);
    assert_eq!(encoding(&mut c, "h5"), "listpack");
    // HINCRBYFLOAT converts when its result is too long.
    c.query(&["HSET", "f1", "tmp", "0"]);
    c.query(&["HSET", "f2", "tmp", "0"]);
    c.query(&["HINCRBYFLOAT", "f1", "tmp", "0.000005"]);
    c.query(&["HINCRBYFLOAT", "f2", "tmp", "0.0000005"]);
    assert_eq!(encoding(&mut c, "f1"), "listpack");
    assert_eq!(encoding(&mut c, "f2"), "hashtable");
    // Field TTLs: listpackex, which stays so after HPERSIST.
    c.query(&["HSET", "x", "a", "1", "b", "2"]);
    c.query(&["HEXPIRE", "x", "100", "FIELDS", "1", "a"]);
    assert_eq!(encoding(&mut c, "x"), "listpackex");
    c.query(&["HPERSIST", "x", "FIELDS", "1", "a"]);
    assert_eq!(encoding(&mut c, "x"), "listpackex");
    c.query(&["HSET", "x", "c", "3", "d", "4", "e", "5"]);
    assert_eq!(encoding(&mut c, "x"), "hashtable");
    // hash-max-listpack-entries 0: every hash is a table.
    c.query(&["CONFIG", "SET", "hash-max-listpack-entries", "0"]);
    c.query(&["HSET", "t1", "a", "1"]);
    c.query(&["HSETNX", "t2", "a", "1"]);
    assert_eq!(encoding(&mut c, "t1"), "hashtable");
    assert_eq!(encoding(&mut c, "t2"), "hashtable");
    c.query(&["HEXPIRE", "t1", "100", "FIELDS", "1", "a"]);
    assert_eq!(encoding(&mut c, "t1"), "hashtable");

    // Default thresholds: 128 entries, 64 bytes.
    c.query(&["CONFIG", "SET", "hash-max-listpack-entries", "128"]);
    c.query(&["CONFIG", "SET", "hash-max-listpack-value", "64"]);
    for i in 0..128 {
        c.query(&["HSET", "big", &format!("f{i}"), "v"]);
    }
    assert_eq!(encoding(&mut c, "big"), "listpack");
    c.query(&["HSET", "big", "one-more", "v"]);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    assert_eq!(c.query(&["HLEN", "big"]), int(129));
    let v64 = "v".repeat(64);
    c.query(&["HSET", "v", "a", &v64]);
    assert_eq!(encoding(&mut c, "v"), "listpack");
    c.query(&["HSET", "v", "a", &format!("{v64}x")]);
    assert_eq!(encoding(&mut c, "v"), "hashtable");
    assert_eq!(c.query(&["HGET", "v", "a"]), b(&format!("{v64}x")));
}

#[test]
fn listpackex_orders_fields_by_ttl() {
    let s = start();
    let mut c = s.raw();
    c.query(&[
        "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
    ]);
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "100000", "FIELDS", "1", "c"]),
        ints(&[1])
    );
    assert_eq!(c.query(&["HKEYS", "h"]), arr(&["c", "a", "b", "d", "e"]));
    c.query(&["HPEXPIRE", "h", "50000", "FIELDS", "1", "e"]);
    assert_eq!(c.query(&["HKEYS", "h"]), arr(&["e", "c", "a", "b", "d"]));
    // Overwriting a field drops its TTL and moves it last.
    assert_eq!(c.query(&["HSET", "h", "c", "9"]), int(0));
    assert_eq!(c.query(&["HKEYS", "h"]), arr(&["e", "a", "b", "d", "c"]));
    assert_eq!(c.query(&["HTTL", "h", "FIELDS", "1", "c"]), ints(&[-1]));
    // HPERSIST moves the field last too.
    c.query(&["HPERSIST", "h", "FIELDS", "1", "e"]);
    assert_eq!(c.query(&["HKEYS", "h"]), arr(&["a", "b", "d", "c", "e"]));
    // HINCRBY keeps the TTL and the place.
    c.query(&["HPEXPIRE", "h", "100000", "FIELDS", "1", "d"]);
    c.query(&["HSET", "h", "n", "1"]);
    c.query(&["HPEXPIRE", "h", "200000", "FIELDS", "1", "n"]);
    assert_eq!(c.query(&["HINCRBY", "h", "n", "1"]), int(2));
    assert_eq!(
        c.query(&["HKEYS", "h"]),
        arr(&["d", "n", "a", "b", "c", "e"])
    );
    let ttl = bulks_or_ints(&c.query(&["HPTTL", "h", "FIELDS", "1", "n"]));
    assert!(ttl[0] > 190_000 && ttl[0] <= 200_000, "{ttl:?}");
}

/// The integers of a flat array reply.
fn bulks_or_ints(reply: &str) -> Vec<i64> {
    reply
        .split("\r\n")
        .filter_map(|l| l.strip_prefix(':'))
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[test]
fn field_expiry_commands() {
    let s = start();
    let mut c = s.raw();
    c.query(&["HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"]);
    assert_eq!(
        c.query(&["HEXPIRE", "nokey", "100", "FIELDS", "2", "a", "b"]),
        ints(&[-2, -2])
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "1000", "NX", "FIELDS", "1", "f1"]),
        ints(&[1])
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "1000", "NX", "FIELDS", "3", "f1", "f2", "zz"]),
        ints(&[0, 1, -2])
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "1000", "XX", "FIELDS", "2", "f1", "f3"]),
        ints(&[1, 0])
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "2000", "GT", "FIELDS", "2", "f1", "f3"]),
        ints(&[1, 0])
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "1500", "LT", "FIELDS", "3", "f1", "f2", "f3"]),
        ints(&[1, 0, 1])
    );
    // Errors, in Redis's order.
    let e = |t: &str| err(&format!("ERR {t}"));
    assert_eq!(
        c.query(&["HEXPIRE", "h", "-1", "FIELDS", "1", "f1"]),
        e("invalid expire time, must be >= 0")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "x", "FIELDS", "1", "f1"]),
        e("value is not an integer or out of range")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "281474976710", "FIELDS", "1", "f1"]),
        e("invalid expire time in 'hexpire' command")
    );
    assert_eq!(
        c.query(&["HPEXPIRE", "h", "281474976710656", "FIELDS", "1", "f1"]),
        e("invalid expire time in 'hpexpire' command")
    );
    assert_eq!(
        c.query(&["HPEXPIREAT", "h", "70368744177664", "FIELDS", "1", "f1"]),
        e("invalid expire time in 'hpexpireat' command")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "10", "FIELDZ", "1", "f1"]),
        e("Mandatory argument FIELDS is missing or not at the right position")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "10", "XY", "FIELDS", "1", "f1"]),
        e("Mandatory argument FIELDS is missing or not at the right position")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "10", "NX", "FIELDS", "0", "f1", "f2"]),
        e("Parameter `numFields` should be greater than 0")
    );
    assert_eq!(
        c.query(&["HEXPIRE", "h", "10", "FIELDS", "2", "f1"]),
        e("The `numfields` parameter must match the number of arguments")
    );
    assert_eq!(
        c.query(&["HTTL", "h", "FIELDS", "0", "f1"]),
        e("Number of fields must be a positive integer")
    );
    assert_eq!(
        c.query(&["HPERSIST", "h", "FIELDS", "x", "f1"]),
        e("Number of fields must be a positive integer")
    );
    assert_eq!(
        c.query(&["HPERSIST", "h", "FIELDS", "3", "f1", "f2"]),
        e("The `numfields` parameter must match the number of arguments")
    );
    assert_eq!(
        c.query(&["HPERSIST", "h"]),
        e("wrong number of arguments for 'hpersist' command")
    );

    // TTL reads.
    c.query(&["HSET", "t", "a", "1", "b", "2"]);
    c.query(&["HPEXPIRE", "t", "2000", "FIELDS", "1", "a"]);
    let r = bulks_or_ints(&c.query(&["HTTL", "t", "FIELDS", "3", "a", "b", "zz"]));
    assert!((1..=2).contains(&r[0]) && r[1] == -1 && r[2] == -2, "{r:?}");
    let r = bulks_or_ints(&c.query(&["HPTTL", "t", "FIELDS", "1", "a"]));
    assert!((1000..=2000).contains(&r[0]), "{r:?}");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let r = bulks_or_ints(&c.query(&["HPEXPIRETIME", "t", "FIELDS", "1", "a"]));
    assert!((r[0] - (now_ms + 2000)).abs() < 1000, "{r:?}");
    let r = bulks_or_ints(&c.query(&["HEXPIRETIME", "t", "FIELDS", "1", "a"]));
    assert!((r[0] - (now_ms + 2000) / 1000).abs() <= 2, "{r:?}");
    assert_eq!(
        c.query(&["HTTL", "nokey", "FIELDS", "2", "a", "b"]),
        ints(&[-2, -2])
    );
    c.query(&["HEXPIREAT", "t", "4000000000", "FIELDS", "1", "b"]);
    assert_eq!(
        c.query(&["HEXPIRETIME", "t", "FIELDS", "1", "b"]),
        ints(&[4000000000])
    );
    assert_eq!(
        c.query(&["HPEXPIRETIME", "t", "FIELDS", "1", "b"]),
        ints(&[4000000000000])
    );
    // HPERSIST codes.
    assert_eq!(
        c.query(&["HPERSIST", "t", "FIELDS", "3", "a", "zz", "a"]),
        ints(&[1, -2, -1])
    );
    assert_eq!(
        c.query(&["HPERSIST", "nokey", "FIELDS", "1", "a"]),
        ints(&[-2])
    );
    c.query(&["HSET", "plain", "a", "1"]);
    assert_eq!(
        c.query(&["HPERSIST", "plain", "FIELDS", "2", "a", "b"]),
        ints(&[-1, -2])
    );
    assert_eq!(
        c.query(&["HTTL", "plain", "FIELDS", "2", "a", "b"]),
        ints(&[-1, -2])
    );

    // A time in the past deletes the field (code 2), and the key with the last one.
    c.query(&["HSET", "p", "f1", "v1", "f2", "v2", "f4", "v4"]);
    c.query(&["HEXPIRE", "p", "1000", "NX", "FIELDS", "1", "f4"]);
    assert_eq!(
        c.query(&[
            "HPEXPIREAT",
            "p",
            "1000",
            "NX",
            "FIELDS",
            "4",
            "f1",
            "f2",
            "f3",
            "f4"
        ]),
        ints(&[2, 2, -2, 0])
    );
    assert_eq!(c.query(&["HKEYS", "p"]), arr(&["f4"]));
    assert_eq!(
        c.query(&["HEXPIRE", "p", "0", "FIELDS", "1", "f4"]),
        ints(&[2])
    );
    assert_eq!(c.query(&["EXISTS", "p"]), int(0));
}

/// Polls `f` until it is true or `timeout` passes.
pub(crate) fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

#[test]
fn lazy_field_expiry() {
    let s = start();
    let mut c = s.raw();
    for threshold in ["512", "0"] {
        c.query(&["FLUSHALL"]);
        c.query(&["CONFIG", "SET", "hash-max-listpack-entries", threshold]);
        c.query(&["CONFIG", "RESETSTAT"]);
        c.query(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        c.query(&["HSET", "h", "f1", "v1", "f2", "v2", "f3", "v3"]);
        c.query(&["HPEXPIRE", "h", "1", "NX", "FIELDS", "3", "f1", "f2", "f3"]);
        std::thread::sleep(Duration::from_millis(10));
        // The key stays and HLEN counts the expired fields until something reads them.
        assert_eq!(c.query(&["EXISTS", "h"]), int(1));
        assert_eq!(c.query(&["HLEN", "h"]), int(3));
        assert_eq!(c.query(&["HEXISTS", "h", "f1"]), int(0));
        assert_eq!(c.query(&["HLEN", "h"]), int(2));
        assert_eq!(c.query(&["HGET", "h", "f2"]), "$-1\r\n");
        assert_eq!(c.query(&["HLEN", "h"]), int(1));
        assert_eq!(c.query(&["HSTRLEN", "h", "f3"]), int(0));
        assert_eq!(c.query(&["EXISTS", "h"]), int(0));
        assert_eq!(info_field(&mut c, "stats", "expired_subkeys"), "3");

        // Readers skip expired fields.
        c.query(&["HSET", "m", "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4"]);
        c.query(&["HPEXPIRE", "m", "1", "FIELDS", "2", "f2", "f4"]);
        c.query(&["HPEXPIRE", "m", "100000", "FIELDS", "1", "f3"]);
        std::thread::sleep(Duration::from_millis(10));
        let all: BTreeSet<String> = bulks(&c.query(&["HGETALL", "m"])).into_iter().collect();
        assert_eq!(
            all,
            ["f1", "f3", "v1", "v3"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        assert_eq!(c.query(&["HLEN", "m"]), int(4));
        let keys: BTreeSet<String> = bulks(&c.query(&["HKEYS", "m"])).into_iter().collect();
        assert_eq!(keys.len(), 2);
        let scan = bulks(&c.query(&["HSCAN", "m", "0", "COUNT", "100"]));
        assert_eq!(scan.len(), 5, "{scan:?}");
        assert_eq!(
            c.query(&["HTTL", "m", "FIELDS", "2", "f2", "f1"]),
            ints(&[-2, -1])
        );
        assert_eq!(
            c.query(&["HPERSIST", "m", "FIELDS", "1", "f4"]),
            ints(&[-2])
        );
        // HMGET: expired fields read as nil.
        assert_eq!(
            c.query(&["HMGET", "m", "f1", "f2", "f3"]),
            "*3\r\n$2\r\nv1\r\n$-1\r\n$2\r\nv3\r\n"
        );
        // HINCRBY on an expired field starts again from 0.
        assert_eq!(c.query(&["HINCRBY", "m", "f4", "5"]), int(5));
        // HRANDFIELD deletes every expired field first.
        assert_eq!(c.query(&["HLEN", "m"]), int(3));
        c.query(&["HPEXPIRE", "m", "1", "FIELDS", "1", "f1"]);
        std::thread::sleep(Duration::from_millis(10));
        let r: BTreeSet<String> = bulks(&c.query(&["HRANDFIELD", "m", "5"]))
            .into_iter()
            .collect();
        assert_eq!(r, ["f3", "f4"].iter().map(|s| s.to_string()).collect());
        assert_eq!(c.query(&["HLEN", "m"]), int(2));
        // A key whose only field expired: HSETNX and HINCRBY create a fresh hash.
        c.query(&["HSET", "n", "a", "1"]);
        c.query(&["HPEXPIRE", "n", "1", "FIELDS", "1", "a"]);
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(c.query(&["HSETNX", "n", "a", "2"]), int(1));
        assert_eq!(c.query(&["HGET", "n", "a"]), b("2"));
        assert_eq!(c.query(&["HTTL", "n", "FIELDS", "1", "a"]), ints(&[-1]));
        c.query(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    }
}

#[test]
fn active_field_expiry_and_stats() {
    let s = start();
    let mut c = s.raw();
    c.query(&["HSET", "h1", "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4"]);
    c.query(&["HPEXPIRE", "h1", "100", "FIELDS", "3", "f1", "f2", "f3"]);
    assert_eq!(
        info_field(&mut c, "keyspace", "db0"),
        "keys=1,expires=0,avg_ttl=0,subexpiry=1"
    );
    c.query(&["CONFIG", "SET", "hash-max-listpack-entries", "0"]);
    c.query(&["HSET", "h2", "f1", "v1", "f2", "v2"]);
    c.query(&["HPEXPIRE", "h2", "100", "FIELDS", "2", "f1", "f2"]);
    assert_eq!(
        info_field(&mut c, "keyspace", "db0"),
        "keys=2,expires=0,avg_ttl=0,subexpiry=2"
    );
    // Active expiry deletes the fields, and h2 with its last field.
    assert!(wait_for(Duration::from_secs(5), || {
        info_field(&mut c, "keyspace", "db0") == "keys=1,expires=0,avg_ttl=0,subexpiry=0"
    }));
    assert_eq!(c.query(&["HLEN", "h1"]), int(1));
    assert_eq!(c.query(&["EXISTS", "h2"]), int(0));
    assert_eq!(info_field(&mut c, "stats", "expired_subkeys"), "5");

    // Many hashes with many fields: all expire.
    for i in 0..20 {
        let key = format!("k{i}");
        for j in 0..20 {
            c.query(&["HSET", &key, &format!("f{j}"), "v"]);
        }
        c.query(&["HPEXPIRE", &key, "50", "FIELDS", "2", "f0", "f1"]);
        let fields: Vec<String> = (2..20).map(|j| format!("f{j}")).collect();
        let mut args = vec!["HPEXPIRE", &key, "80", "FIELDS", "18"];
        args.extend(fields.iter().map(String::as_str));
        c.query(&args);
    }
    assert!(wait_for(Duration::from_secs(5), || c.query(&["DBSIZE"]) == int(1)));
    // HPERSIST'ed fields survive.
    c.query(&["HSET", "keep", "a", "1", "b", "2"]);
    c.query(&["HPEXPIRE", "keep", "30", "FIELDS", "2", "a", "b"]);
    c.query(&["HPERSIST", "keep", "FIELDS", "1", "b"]);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(c.query(&["HGETALL", "keep"]), arr(&["b", "2"]));
    assert_eq!(
        info_field(&mut c, "keyspace", "db0"),
        "keys=2,expires=0,avg_ttl=0,subexpiry=0"
    );
    // DEL, FLUSHALL and overwrites unregister the hash.
    c.query(&["HPEXPIRE", "keep", "100000", "FIELDS", "1", "b"]);
    c.query(&["SET", "keep", "x"]);
    assert_eq!(
        info_field(&mut c, "keyspace", "db0"),
        "keys=2,expires=0,avg_ttl=0,subexpiry=0"
    );
}

#[test]
fn hrandfield_shapes() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(c.query(&["HRANDFIELD", "nokey"]), "$-1\r\n");
    assert_eq!(c.query(&["HRANDFIELD", "nokey", "5"]), "*0\r\n");
    c.query(&["HSET", "one", "f", "v"]);
    assert_eq!(c.query(&["HRANDFIELD", "one"]), b("f"));
    assert_eq!(c.query(&["HRANDFIELD", "one", "0"]), "*0\r\n");
    assert_eq!(c.query(&["HRANDFIELD", "one", "3"]), arr(&["f"]));
    assert_eq!(c.query(&["HRANDFIELD", "one", "-3"]), arr(&["f", "f", "f"]));
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "-2", "WITHVALUES"]),
        arr(&["f", "v", "f", "v"])
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "1", "withvalues"]),
        arr(&["f", "v"])
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "-9223372036854770000", "WITHVALUES"]),
        err("ERR value is out of range")
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "1", "WITHVALUE"]),
        err("ERR syntax error")
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "1", "WITHVALUES", "x"]),
        err("ERR syntax error")
    );
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "x"]),
        err("ERR value is not an integer or out of range")
    );
    c.query(&["HELLO", "3"]);
    assert_eq!(
        c.query(&["HRANDFIELD", "one", "-2", "WITHVALUES"]),
        "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    );
    assert_eq!(c.query(&["HRANDFIELD", "one", "2"]), arr(&["f"]));
    assert_eq!(c.query(&["HRANDFIELD", "nokey"]), "_\r\n");
    assert_eq!(c.query(&["HRANDFIELD", "nokey", "2"]), "*0\r\n");
    assert_eq!(c.query(&["HGETALL", "one"]), "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    assert_eq!(c.query(&["HGETALL", "nokey"]), "%0\r\n");
    assert_eq!(c.query(&["HGET", "one", "zz"]), "_\r\n");
}

/// Counts picks per field and returns the chi-square value Redis's suite computes.
pub(crate) fn chi_square(picks: &[String]) -> f64 {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in picks {
        *counts.entry(p).or_default() += 1;
    }
    let expected = (picks.len() / counts.len()) as f64;
    counts
        .values()
        .map(|&n| (n as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn hrandfield_counts_and_distribution() {
    let s = start();
    let mut c = s.raw();
    c.query(&["CONFIG", "SET", "hash-max-listpack-value", "10"]);
    for (enc, last) in [
        ("hashtable", "x".repeat(40)),
        ("listpack", "10".to_string()),
    ] {
        c.query(&["DEL", "h"]);
        let mut args = vec!["HSET".to_string(), "h".to_string()];
        for (k, v) in [
            ("a", "1"),
            ("b", "2"),
            ("c", "3"),
            ("d", "4"),
            ("e", "5"),
            ("6", "f"),
            ("7", "g"),
            ("8", "h"),
            ("9", "i"),
        ] {
            args.push(k.into());
            args.push(v.into());
        }
        args.push(last.clone());
        args.push("j".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.query(&args);
        assert_eq!(encoding(&mut c, "h"), enc);
        let all: BTreeSet<String> = bulks(&c.query(&["HKEYS", "h"])).into_iter().collect();

        let res = bulks(&c.query(&["HRANDFIELD", "h", "-1000"]));
        assert_eq!(res.len(), 1000);
        assert!(chi_square(&res) < 40.0, "{enc}: {}", chi_square(&res));
        assert_eq!(
            bulks(&c.query(&["HRANDFIELD", "h", "-1001", "WITHVALUES"])).len(),
            2002
        );
        for size in ["10", "20"] {
            let r: BTreeSet<String> = bulks(&c.query(&["HRANDFIELD", "h", size]))
                .into_iter()
                .collect();
            assert_eq!(r, all);
            assert_eq!(
                bulks(&c.query(&["HRANDFIELD", "h", size, "WITHVALUES"])).len(),
                20
            );
        }
        for size in [8usize, 2] {
            let mut picks = Vec::new();
            for _ in 0..1000 / size {
                let r = bulks(&c.query(&["HRANDFIELD", "h", &size.to_string()]));
                assert_eq!(r.len(), size);
                assert_eq!(r.iter().collect::<BTreeSet<_>>().len(), size, "unique");
                picks.extend(r);
            }
            let seen: BTreeSet<String> = picks.iter().cloned().collect();
            assert_eq!(seen, all);
            assert!(
                chi_square(&picks) < 40.0,
                "{enc} {size}: {}",
                chi_square(&picks)
            );
            let r = bulks(&c.query(&["HRANDFIELD", "h", &size.to_string(), "WITHVALUES"]));
            assert_eq!(r.len(), size * 2);
        }
    }
}

#[test]
fn hscan_iterates_everything() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(c.query(&["HSCAN", "nokey", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    // Options of a missing key are not even parsed, as in Redis.
    assert_eq!(
        c.query(&["HSCAN", "nokey", "0", "COUNT", "0"]),
        "*2\r\n$1\r\n0\r\n*0\r\n"
    );
    assert_eq!(c.query(&["HSCAN", "nokey", "x"]), err("ERR invalid cursor"));
    c.query(&["HSET", "small", "a", "1", "b", "2", "ab", "3"]);
    assert_eq!(
        c.query(&["HSCAN", "small", "0"]),
        "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        c.query(&["HSCAN", "small", "0", "MATCH", "a*", "NOVALUES"]),
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$2\r\nab\r\n"
    );
    assert_eq!(
        c.query(&["HSCAN", "small", "0", "COUNT", "0"]),
        err("ERR syntax error")
    );
    assert_eq!(
        c.query(&["HSCAN", "small", "0", "FOO"]),
        err("ERR syntax error")
    );

    for i in 0..1000 {
        c.query(&["HSET", "big", &format!("key:{i}"), &i.to_string()]);
    }
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    for count in ["10", "100"] {
        let mut cursor = "0".to_string();
        let mut seen = BTreeMap::new();
        let mut novalues = BTreeSet::new();
        loop {
            let r = c.query(&["HSCAN", "big", &cursor, "COUNT", count]);
            let items = bulks(&r);
            cursor = items[0].clone();
            for pair in items[1..].chunks(2) {
                seen.insert(pair[0].clone(), pair[1].clone());
            }
            let r = c.query(&["HSCAN", "big", &cursor, "NOVALUES", "MATCH", "key:1*"]);
            novalues.extend(bulks(&r).into_iter().skip(1));
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
        assert!(seen.iter().all(|(k, v)| k == &format!("key:{v}")));
        assert!(novalues.iter().all(|k| k.starts_with("key:1")));
    }
}

#[test]
fn hscan_skips_expired_fields_of_tables() {
    let s = start();
    let mut c = s.raw();
    c.query(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 1..=300 {
        c.query(&["HSET", "h", &format!("field{i}"), &format!("value{i}")]);
        if i > 1 {
            c.query(&[
                "HPEXPIRE",
                "h",
                "1",
                "NX",
                "FIELDS",
                "1",
                &format!("field{i}"),
            ]);
        }
    }
    std::thread::sleep(Duration::from_millis(10));
    let mut cursor = "0".to_string();
    let mut found = Vec::new();
    loop {
        let items = bulks(&c.query(&["HSCAN", "h", &cursor]));
        cursor = items[0].clone();
        found.extend(items[1..].iter().cloned());
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(found, ["field1", "value1"]);
    assert_eq!(c.query(&["HGETALL", "h"]), arr(&["field1", "value1"]));
}

#[test]
fn field_expiry_follows_swapdb_and_flushall() {
    // SWAPDB moves the whole database, field TTL registry included.
    let s = start();
    let mut c = s.raw();
    c.query(&["SELECT", "9"]);
    c.query(&["HSET", "myhash", "field1", "value1"]);
    c.query(&["HPEXPIRE", "myhash", "50", "NX", "FIELDS", "1", "field1"]);
    c.query(&["SWAPDB", "9", "10"]);
    assert_eq!(c.query(&["DBSIZE"]), int(0));
    c.query(&["SELECT", "10"]);
    assert_eq!(c.query(&["HGET", "myhash", "field1"]), b("value1"));
    assert!(wait_for(Duration::from_secs(3), || c.query(&["DBSIZE"]) == int(0)));
    // FLUSHALL drops pending field expiries.
    c.query(&["HSET", "x", "a", "1"]);
    c.query(&["HPEXPIRE", "x", "10000", "FIELDS", "1", "a"]);
    c.query(&["FLUSHALL"]);
    c.query(&["HSET", "x", "a", "1"]);
    assert_eq!(
        info_field(&mut c, "keyspace", "db10"),
        "keys=1,expires=0,avg_ttl=0,subexpiry=0"
    );
}

#[test]
fn transactions_and_watch() {
    let s = start();
    let mut a = s.raw();
    let mut b = s.raw();
    a.query(&["HSET", "h", "a", "1"]);
    a.query(&["WATCH", "h"]);
    b.query(&["HSET", "h", "b", "2"]);
    a.query(&["MULTI"]);
    a.query(&["HGET", "h", "a"]);
    assert_eq!(a.query(&["EXEC"]), "*-1\r\n");
    // Field expiry invalidates WATCH too.
    a.query(&["WATCH", "h"]);
    b.query(&["HPEXPIRE", "h", "100000", "FIELDS", "1", "a"]);
    a.query(&["MULTI"]);
    a.query(&["HGET", "h", "a"]);
    assert_eq!(a.query(&["EXEC"]), "*-1\r\n");
    // A no-op does not.
    a.query(&["WATCH", "h"]);
    b.query(&["HDEL", "h", "zz"]);
    b.query(&["HPERSIST", "h", "FIELDS", "1", "b"]);
    a.query(&["MULTI"]);
    a.query(&["HGET", "h", "a"]);
    assert_eq!(a.query(&["EXEC"]), "*1\r\n$1\r\n1\r\n");
}
