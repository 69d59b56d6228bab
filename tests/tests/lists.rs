//! List commands: replies byte for byte (RESP2 and RESP3), error texts, encodings and
//! their conversions, keyspace bookkeeping, and the blocking commands.
//!
//! The expected replies were taken from Redis 7.4; these tests also pass against it
//! (`COIL_SERVER_BIN=/path/to/redis-server`).

use coil_tests::{RawConn, TestServer};
use std::time::{Duration, Instant};

fn server() -> TestServer {
    TestServer::start_with(&["--enable-debug-command", "yes"])
}

/// Sends one command and returns its raw reply.
fn q(c: &mut RawConn, args: &[&str]) -> String {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.cmd(&a);
    c.read_reply()
}

/// Sends one command and checks its raw reply.
#[track_caller]
fn t(c: &mut RawConn, args: &[&str], want: &str) {
    assert_eq!(q(c, args), want, "{args:?}");
}

/// Sends a command without reading the reply (for blocking commands).
fn send(c: &mut RawConn, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.cmd(&a);
}

fn resp3(s: &TestServer) -> RawConn {
    let mut c = s.raw();
    let hello = q(&mut c, &["HELLO", "3"]);
    assert!(hello.starts_with('%'), "{hello}");
    c
}

fn info_field(c: &mut RawConn, section: &str, field: &str) -> i64 {
    let r = q(c, &["INFO", section]);
    let prefix = format!("{field}:");
    r.split("\r\n")
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
}

/// Waits until `n` clients are blocked.
#[track_caller]
fn wait_blocked(admin: &mut RawConn, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let b = info_field(admin, "clients", "blocked_clients");
        if b == n {
            return;
        }
        assert!(Instant::now() < deadline, "blocked_clients {b}, want {n}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The `encoding:` field of `DEBUG OBJECT`.
fn encoding(c: &mut RawConn, key: &str) -> String {
    let r = q(c, &["DEBUG", "OBJECT", key]);
    r.split(' ')
        .find_map(|w| w.strip_prefix("encoding:"))
        .unwrap_or_else(|| panic!("{r}"))
        .to_string()
}

/// The quicklist fields of `DEBUG OBJECT` (`ql_nodes:... ql_uncompressed_size:...`).
fn ql_info(c: &mut RawConn, key: &str) -> String {
    let r = q(c, &["DEBUG", "OBJECT", key]);
    match r.find(" ql_nodes") {
        Some(i) => r[i + 1..].trim_end().to_string(),
        None => String::new(),
    }
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

fn arr(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&bulk(i));
    }
    out
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[test]
fn push_range_len() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, &["LPUSH", "l", "a", "b", "c"], ":3\r\n");
    t(
        &mut c,
        &["RPUSH", "l", "1", "-5", "99999", "9999999999", "x"],
        ":8\r\n",
    );
    t(
        &mut c,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["c", "b", "a", "1", "-5", "99999", "9999999999", "x"]),
    );
    t(&mut c, &["LRANGE", "l", "-100", "1"], &arr(&["c", "b"]));
    t(
        &mut c,
        &["LRANGE", "l", "6", "100"],
        &arr(&["9999999999", "x"]),
    );
    t(&mut c, &["LRANGE", "l", "5", "2"], "*0\r\n");
    t(&mut c, &["LRANGE", "l", "8", "9"], "*0\r\n");
    t(
        &mut c,
        &["LRANGE", "l", "-9223372036854775808", "-8"],
        &arr(&["c"]),
    );
    t(&mut c, &["LRANGE", "nokey", "0", "-1"], "*0\r\n");
    t(
        &mut c,
        &["LRANGE", "l", "a", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    t(&mut c, &["LLEN", "l"], ":8\r\n");
    t(&mut c, &["LLEN", "nokey"], ":0\r\n");
    t(&mut c, &["LPUSHX", "nokey", "a"], ":0\r\n");
    t(&mut c, &["RPUSHX", "nokey", "a", "b"], ":0\r\n");
    t(&mut c, &["EXISTS", "nokey"], ":0\r\n");
    t(&mut c, &["LPUSHX", "l", "h1", "h2"], ":10\r\n");
    t(&mut c, &["RPUSHX", "l", "t1"], ":11\r\n");
    t(&mut c, &["LRANGE", "l", "0", "1"], &arr(&["h2", "h1"]));
    t(&mut c, &["LRANGE", "l", "-1", "-1"], &arr(&["t1"]));
    t(
        &mut c,
        &["LPUSH", "l"],
        "-ERR wrong number of arguments for 'lpush' command\r\n",
    );
    // Binary-safe elements.
    c.cmd(&[b"RPUSH", b"bin", b"a\r\n\x00b", b""]);
    assert_eq!(c.read_reply(), ":2\r\n");
    t(
        &mut c,
        &["LRANGE", "bin", "0", "-1"],
        "*2\r\n$5\r\na\r\n\0b\r\n$0\r\n\r\n",
    );
}

#[test]
fn pop_count_and_null_rules() {
    let s = server();
    let mut c = s.raw();
    let mut c3 = resp3(&s);
    t(
        &mut c,
        &["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
        ":6\r\n",
    );
    t(&mut c, &["LPOP", "l"], &bulk("a"));
    t(&mut c, &["RPOP", "l"], &bulk("f"));
    t(&mut c, &["LPOP", "l", "2"], &arr(&["b", "c"]));
    t(&mut c, &["RPOP", "l", "0"], "*0\r\n");
    t(&mut c, &["RPOP", "l", "10"], &arr(&["e", "d"]));
    t(&mut c, &["EXISTS", "l"], ":0\r\n");
    // Missing key: null bulk without a count, null array with one (even 0).
    t(&mut c, &["LPOP", "l"], "$-1\r\n");
    t(&mut c, &["LPOP", "l", "2"], "*-1\r\n");
    t(&mut c, &["RPOP", "l", "0"], "*-1\r\n");
    t(&mut c3, &["LPOP", "l"], "_\r\n");
    t(&mut c3, &["RPOP", "l", "2"], "_\r\n");
    t(&mut c3, &["LINDEX", "l", "0"], "_\r\n");
    t(
        &mut c,
        &["LPOP", "l", "-1"],
        "-ERR value is out of range, must be positive\r\n",
    );
    t(
        &mut c,
        &["LPOP", "l", "x"],
        "-ERR value is out of range, must be positive\r\n",
    );
    t(
        &mut c,
        &["LPOP", "l", "1", "2"],
        "-ERR wrong number of arguments for 'lpop' command\r\n",
    );
    t(
        &mut c,
        &["RPOP", "l", "1", "2"],
        "-ERR wrong number of arguments for 'rpop' command\r\n",
    );
    t(&mut c3, &["RPUSH", "l", "1", "2"], ":2\r\n");
    t(&mut c3, &["RPOP", "l", "5"], "*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
}

#[test]
fn lindex_lset_linsert() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, &["RPUSH", "l", "a", "b", "c", "100"], ":4\r\n");
    t(&mut c, &["LINDEX", "l", "0"], &bulk("a"));
    t(&mut c, &["LINDEX", "l", "-1"], &bulk("100"));
    t(&mut c, &["LINDEX", "l", "4"], "$-1\r\n");
    t(&mut c, &["LINDEX", "l", "-5"], "$-1\r\n");
    t(
        &mut c,
        &["LINDEX", "l", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    // The key is looked up before the index is parsed.
    t(&mut c, &["LINDEX", "nokey", "x"], "$-1\r\n");
    t(&mut c, &["LSET", "l", "1", "B"], "+OK\r\n");
    t(&mut c, &["LSET", "l", "-1", "-7"], "+OK\r\n");
    t(
        &mut c,
        &["LSET", "l", "4", "x"],
        "-ERR index out of range\r\n",
    );
    t(&mut c, &["LSET", "nokey", "0", "x"], "-ERR no such key\r\n");
    t(&mut c, &["LSET", "nokey", "x", "x"], "-ERR no such key\r\n");
    t(
        &mut c,
        &["LSET", "l", "x", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    t(&mut c, &["LINSERT", "l", "BEFORE", "a", "s"], ":5\r\n");
    t(&mut c, &["LINSERT", "l", "after", "-7", "e"], ":6\r\n");
    t(&mut c, &["LINSERT", "l", "after", "B", "m"], ":7\r\n");
    t(&mut c, &["LINSERT", "l", "before", "zz", "m"], ":-1\r\n");
    t(&mut c, &["LINSERT", "nokey", "before", "zz", "m"], ":0\r\n");
    t(
        &mut c,
        &["LINSERT", "l", "middle", "a", "m"],
        "-ERR syntax error\r\n",
    );
    t(
        &mut c,
        &["LINSERT", "nokey", "middle", "a", "m"],
        "-ERR syntax error\r\n",
    );
    t(
        &mut c,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["s", "a", "B", "m", "c", "-7", "e"]),
    );
    // Integers compare by value text exactly.
    t(&mut c, &["LINSERT", "l", "before", "-07", "x"], ":-1\r\n");
    t(&mut c, &["LINSERT", "l", "before", "-7", "x"], ":8\r\n");
}

#[test]
fn lrem_and_ltrim() {
    let s = server();
    let mut c = s.raw();
    t(
        &mut c,
        &["RPUSH", "l", "a", "b", "a", "c", "a", "d", "a"],
        ":7\r\n",
    );
    t(&mut c, &["LREM", "l", "2", "a"], ":2\r\n");
    t(
        &mut c,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["b", "c", "a", "d", "a"]),
    );
    t(&mut c, &["LREM", "l", "-1", "a"], ":1\r\n");
    t(
        &mut c,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["b", "c", "a", "d"]),
    );
    t(&mut c, &["LREM", "l", "0", "zz"], ":0\r\n");
    t(&mut c, &["LREM", "l", "0", "a"], ":1\r\n");
    t(&mut c, &["LREM", "nokey", "0", "a"], ":0\r\n");
    t(
        &mut c,
        &["LREM", "l", "x", "a"],
        "-ERR value is not an integer or out of range\r\n",
    );
    t(
        &mut c,
        &["LREM", "l", "-9223372036854775808", "a"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    t(&mut c, &["LREM", "l", "0", "b"], ":1\r\n");
    t(&mut c, &["LREM", "l", "0", "c"], ":1\r\n");
    t(&mut c, &["LREM", "l", "0", "d"], ":1\r\n");
    t(&mut c, &["EXISTS", "l"], ":0\r\n");

    t(
        &mut c,
        &[
            "RPUSH", "t", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ],
        ":10\r\n",
    );
    t(&mut c, &["LTRIM", "t", "1", "-2"], "+OK\r\n");
    t(
        &mut c,
        &["LRANGE", "t", "0", "-1"],
        &arr(&["1", "2", "3", "4", "5", "6", "7", "8"]),
    );
    t(&mut c, &["LTRIM", "t", "-3", "100"], "+OK\r\n");
    t(&mut c, &["LRANGE", "t", "0", "-1"], &arr(&["6", "7", "8"]));
    t(&mut c, &["LTRIM", "t", "0", "0"], "+OK\r\n");
    t(&mut c, &["LRANGE", "t", "0", "-1"], &arr(&["6"]));
    t(&mut c, &["LTRIM", "t", "5", "1"], "+OK\r\n");
    t(&mut c, &["EXISTS", "t"], ":0\r\n");
    t(&mut c, &["LTRIM", "nokey", "0", "1"], "+OK\r\n");
    t(
        &mut c,
        &["LTRIM", "nokey", "a", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
}

#[test]
fn lpos_options_and_errors() {
    let s = server();
    let mut c = s.raw();
    let mut c3 = resp3(&s);
    t(
        &mut c,
        &["RPUSH", "l", "a", "b", "a", "c", "a", "d", "a"],
        ":7\r\n",
    );
    t(&mut c, &["LPOS", "l", "a"], ":0\r\n");
    t(&mut c, &["LPOS", "l", "d"], ":5\r\n");
    t(&mut c, &["LPOS", "l", "zz"], "$-1\r\n");
    t(&mut c3, &["LPOS", "l", "zz"], "_\r\n");
    t(&mut c, &["LPOS", "l", "zz", "COUNT", "0"], "*0\r\n");
    t(
        &mut c,
        &["LPOS", "l", "a", "COUNT", "0"],
        "*4\r\n:0\r\n:2\r\n:4\r\n:6\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "COUNT", "2"],
        "*2\r\n:0\r\n:2\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "2", "COUNT", "2"],
        "*2\r\n:2\r\n:4\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "-1", "COUNT", "0"],
        "*4\r\n:6\r\n:4\r\n:2\r\n:0\r\n",
    );
    t(&mut c, &["LPOS", "l", "a", "RANK", "-2"], ":4\r\n");
    t(&mut c, &["LPOS", "l", "a", "RANK", "5"], "$-1\r\n");
    t(
        &mut c,
        &["LPOS", "l", "a", "MAXLEN", "3", "COUNT", "0"],
        "*2\r\n:0\r\n:2\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "3", "MAXLEN", "4"],
        "$-1\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "1"],
        ":6\r\n",
    );
    t(&mut c, &["LPOS", "nokey", "a"], "$-1\r\n");
    t(&mut c, &["LPOS", "nokey", "a", "COUNT", "1"], "*0\r\n");
    t(&mut c, &["LPOS", "l", "a", "RANK", "0"], "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n");
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "RANK", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "COUNT", "-1"],
        "-ERR COUNT can't be negative\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "COUNT", "x"],
        "-ERR COUNT can't be negative\r\n",
    );
    t(
        &mut c,
        &["LPOS", "l", "a", "MAXLEN", "-1"],
        "-ERR MAXLEN can't be negative\r\n",
    );
    t(&mut c, &["LPOS", "l", "a", "RANK"], "-ERR syntax error\r\n");
    t(
        &mut c,
        &["LPOS", "l", "a", "FOO", "1"],
        "-ERR syntax error\r\n",
    );
    // Options are parsed before the key is looked up.
    t(
        &mut c,
        &["LPOS", "nokey", "a", "FOO"],
        "-ERR syntax error\r\n",
    );
}

#[test]
fn lmove_and_rpoplpush() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, &["RPUSH", "src", "a", "b", "c"], ":3\r\n");
    t(
        &mut c,
        &["LMOVE", "src", "dst", "LEFT", "RIGHT"],
        &bulk("a"),
    );
    t(
        &mut c,
        &["LMOVE", "src", "dst", "right", "left"],
        &bulk("c"),
    );
    t(&mut c, &["LRANGE", "dst", "0", "-1"], &arr(&["c", "a"]));
    t(&mut c, &["RPOPLPUSH", "src", "dst"], &bulk("b"));
    t(&mut c, &["EXISTS", "src"], ":0\r\n");
    t(&mut c, &["RPOPLPUSH", "src", "dst"], "$-1\r\n");
    t(&mut c, &["LMOVE", "src", "dst", "LEFT", "LEFT"], "$-1\r\n");
    t(
        &mut c,
        &["LMOVE", "src", "dst", "UP", "LEFT"],
        "-ERR syntax error\r\n",
    );
    t(
        &mut c,
        &["LMOVE", "src", "dst", "LEFT", "DOWN"],
        "-ERR syntax error\r\n",
    );
    // Rotation of a list onto itself, single element included.
    t(
        &mut c,
        &["LMOVE", "dst", "dst", "LEFT", "RIGHT"],
        &bulk("b"),
    );
    t(
        &mut c,
        &["LRANGE", "dst", "0", "-1"],
        &arr(&["c", "a", "b"]),
    );
    t(&mut c, &["RPUSH", "one", "x"], ":1\r\n");
    t(&mut c, &["RPOPLPUSH", "one", "one"], &bulk("x"));
    t(&mut c, &["LRANGE", "one", "0", "-1"], &arr(&["x"]));
    // Type checks: the source first; a wrong destination leaves the source alone.
    t(&mut c, &["SET", "str", "v"], "+OK\r\n");
    t(&mut c, &["LMOVE", "str", "dst", "LEFT", "LEFT"], WRONGTYPE);
    t(
        &mut c,
        &["LMOVE", "nokey", "str", "LEFT", "LEFT"],
        "$-1\r\n",
    );
    t(&mut c, &["LMOVE", "dst", "str", "LEFT", "LEFT"], WRONGTYPE);
    t(&mut c, &["RPOPLPUSH", "dst", "str"], WRONGTYPE);
    t(&mut c, &["LLEN", "dst"], ":3\r\n");
}

#[test]
fn lmpop_parsing_and_replies() {
    let s = server();
    let mut c = s.raw();
    let mut c3 = resp3(&s);
    t(&mut c, &["RPUSH", "b", "1", "2", "3"], ":3\r\n");
    t(
        &mut c,
        &["LMPOP", "2", "a", "b", "LEFT"],
        "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n",
    );
    t(
        &mut c,
        &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10"],
        "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n",
    );
    t(&mut c, &["LMPOP", "2", "a", "b", "RIGHT"], "*-1\r\n");
    t(&mut c3, &["LMPOP", "2", "a", "b", "RIGHT"], "_\r\n");
    let errors: &[(&[&str], &str)] = &[
        (
            &["LMPOP", "0", "a", "LEFT"],
            "-ERR numkeys should be greater than 0\r\n",
        ),
        (
            &["LMPOP", "x", "a", "LEFT"],
            "-ERR numkeys should be greater than 0\r\n",
        ),
        (&["LMPOP", "3", "a", "LEFT"], "-ERR syntax error\r\n"),
        (
            &["LMPOP", "9223372036854775807", "a", "LEFT"],
            "-ERR syntax error\r\n",
        ),
        (&["LMPOP", "1", "a", "MIDDLE"], "-ERR syntax error\r\n"),
        (
            &["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
            "-ERR count should be greater than 0\r\n",
        ),
        (
            &["LMPOP", "1", "a", "LEFT", "COUNT", "x"],
            "-ERR count should be greater than 0\r\n",
        ),
        (
            &["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"],
            "-ERR syntax error\r\n",
        ),
        (
            &["LMPOP", "1", "a", "LEFT", "COUNT"],
            "-ERR syntax error\r\n",
        ),
        (&["LMPOP", "1", "a", "LEFT", "foo"], "-ERR syntax error\r\n"),
        (
            &["LMPOP", "1"],
            "-ERR wrong number of arguments for 'lmpop' command\r\n",
        ),
    ];
    for (cmd, want) in errors {
        t(&mut c, cmd, want);
    }
    t(&mut c, &["SET", "s", "v"], "+OK\r\n");
    t(&mut c, &["RPUSH", "z", "v"], ":1\r\n");
    // Keys are tried in order: a wrong type before a list is an error.
    t(
        &mut c,
        &["LMPOP", "3", "nokey", "s", "z", "LEFT"],
        WRONGTYPE,
    );
    t(
        &mut c,
        &["LMPOP", "3", "nokey", "z", "s", "LEFT"],
        "*2\r\n$1\r\nz\r\n*1\r\n$1\r\nv\r\n",
    );
}

#[test]
fn wrong_type_everywhere() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, &["SET", "s", "v"], "+OK\r\n");
    let cmds: &[&[&str]] = &[
        &["LPUSH", "s", "a"],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LPOP", "s", "0"],
        &["LTRIM", "s", "0", "1"],
        &["LREM", "s", "0", "a"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
        &["RPOPLPUSH", "s", "d"],
        &["LMPOP", "1", "s", "LEFT"],
        &["BLPOP", "s", "0"],
        &["BRPOP", "nokey", "s", "0"],
        &["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "s", "d", "0"],
        &["BLMPOP", "0", "1", "s", "LEFT"],
    ];
    for cmd in cmds {
        t(&mut c, cmd, WRONGTYPE);
    }
    t(&mut c, &["GET", "s"], &bulk("v"));
}

#[test]
fn dirty_counting() {
    let s = server();
    let mut c = s.raw();
    let cmds: &[(&[&str], i64)] = &[
        (&["RPUSH", "k", "a", "b", "c", "d", "e", "f", "g"], 7),
        (&["LPOP", "k"], 1),
        (&["RPOP", "k", "2"], 2),
        (&["LTRIM", "k", "1", "-1"], 1),
        (&["LREM", "k", "0", "c"], 1),
        (&["LSET", "k", "0", "z"], 1),
        (&["LINSERT", "k", "before", "z", "y"], 1),
        (&["LINSERT", "k", "before", "nothere", "y"], 0),
        (&["LMOVE", "k", "k2", "left", "right"], 1),
        (&["LPUSHX", "nokey", "a"], 0),
        (&["LPOP", "k", "0"], 0),
        (&["LTRIM", "k", "0", "100"], 0),
        (&["LREM", "k", "0", "nothere"], 0),
        (&["LMPOP", "1", "k", "left", "count", "5"], 2),
    ];
    for (cmd, delta) in cmds {
        let before = info_field(&mut c, "persistence", "rdb_changes_since_last_save");
        q(&mut c, cmd);
        let after = info_field(&mut c, "persistence", "rdb_changes_since_last_save");
        assert_eq!(after - before, *delta, "{cmd:?}");
    }
}

#[test]
fn encoding_conversions_by_count() {
    let s = server();
    let mut c = s.raw();
    t(
        &mut c,
        &["CONFIG", "SET", "list-max-listpack-size", "4"],
        "+OK\r\n",
    );
    t(&mut c, &["RPUSH", "l", "0", "1", "2", "3"], ":4\r\n");
    assert_eq!(encoding(&mut c, "l"), "listpack");
    t(&mut c, &["RPUSH", "l", "x"], ":5\r\n");
    assert_eq!(encoding(&mut c, "l"), "quicklist");
    assert_eq!(
        ql_info(&mut c, "l"),
        "ql_nodes:2 ql_avg_node:2.50 ql_listpack_max:4 ql_compressed:0 ql_uncompressed_size:25"
    );
    // Two nodes never convert back; one node at half the limit does.
    t(&mut c, &["LPOP", "l", "3"], &arr(&["0", "1", "2"]));
    assert_eq!(encoding(&mut c, "l"), "quicklist");
    assert_eq!(
        ql_info(&mut c, "l"),
        "ql_nodes:2 ql_avg_node:1.00 ql_listpack_max:4 ql_compressed:0 ql_uncompressed_size:19"
    );
    t(&mut c, &["LPOP", "l"], &bulk("3"));
    assert_eq!(encoding(&mut c, "l"), "listpack");
    // LINSERT converts before it looks for the pivot.
    t(&mut c, &["RPUSH", "m", "a", "b", "c", "d"], ":4\r\n");
    t(
        &mut c,
        &["LINSERT", "m", "before", "nothere", "x"],
        ":-1\r\n",
    );
    assert_eq!(encoding(&mut c, "m"), "quicklist");
    // LSET converts before replacing and converts back when it can.
    t(&mut c, &["RPUSH", "n", "a", "b", "c", "d"], ":4\r\n");
    t(
        &mut c,
        &["LSET", "n", "9", "x"],
        "-ERR index out of range\r\n",
    );
    assert_eq!(encoding(&mut c, "n"), "quicklist");
    t(&mut c, &["RPUSH", "o", "a", "b"], ":2\r\n");
    t(&mut c, &["LSET", "o", "0", "x"], "+OK\r\n");
    assert_eq!(encoding(&mut c, "o"), "listpack");
}

#[test]
fn encoding_conversions_by_size_and_plain_nodes() {
    let s = server();
    let mut c = s.raw();
    let x100 = "x".repeat(100);
    let y100 = "y".repeat(100);
    let mut cmd = vec!["RPUSH", "big"];
    cmd.extend(std::iter::repeat_n(x100.as_str(), 80));
    t(&mut c, &cmd, ":80\r\n");
    assert_eq!(encoding(&mut c, "big"), "listpack");
    let mut cmd = vec!["RPUSH", "big"];
    cmd.extend(std::iter::repeat_n(y100.as_str(), 10));
    t(&mut c, &cmd, ":90\r\n");
    assert_eq!(
        ql_info(&mut c, "big"),
        "ql_nodes:2 ql_avg_node:45.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:9284"
    );
    // An element over the node limit gets a plain node of its own.
    let z = "z".repeat(9000);
    t(&mut c, &["LPUSH", "big", &z], ":91\r\n");
    assert_eq!(
        ql_info(&mut c, "big"),
        "ql_nodes:3 ql_avg_node:30.33 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:18284"
    );
    t(&mut c, &["LINDEX", "big", "0"], &bulk(&z));
    t(&mut c, &["LPOS", "big", &z], ":0\r\n");
    q(&mut c, &["LPOP", "big", "60"]);
    assert_eq!(
        ql_info(&mut c, "big"),
        "ql_nodes:2 ql_avg_node:15.50 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:3207"
    );
    q(&mut c, &["LPOP", "big", "21"]);
    // One node of 1037 bytes (<= 8192 / 2): back to listpack.
    assert_eq!(encoding(&mut c, "big"), "listpack");
    t(&mut c, &["LLEN", "big"], ":10\r\n");
    // LSET with a large element into a listpack.
    t(&mut c, &["LSET", "big", "3", &z], "+OK\r\n");
    assert_eq!(
        ql_info(&mut c, "big"),
        "ql_nodes:3 ql_avg_node:3.33 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:9941"
    );
    t(&mut c, &["LINDEX", "big", "3"], &bulk(&z));
    t(&mut c, &["LSET", "big", "3", "small"], "+OK\r\n");
    assert_eq!(
        ql_info(&mut c, "big"),
        "ql_nodes:2 ql_avg_node:5.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:948"
    );
    t(&mut c, &["LREM", "big", "1", "small"], ":1\r\n");
    t(&mut c, &["LINSERT", "big", "after", &y100, &z], ":10\r\n");
    t(&mut c, &["LINDEX", "big", "1"], &bulk(&z));
    t(&mut c, &["LREM", "big", "0", &z], ":1\r\n");
    // Nodes [y] [y y] [6 y] after the plain node went: trimming to 2 leaves two
    // nodes of one element, which stay a quicklist until one is gone.
    t(&mut c, &["LTRIM", "big", "0", "1"], "+OK\r\n");
    assert_eq!(encoding(&mut c, "big"), "quicklist");
    assert!(ql_info(&mut c, "big").starts_with("ql_nodes:2 "));
    t(&mut c, &["RPOP", "big"], &bulk(&y100));
    assert_eq!(encoding(&mut c, "big"), "listpack");
    // A listpack turns into a quicklist of one node: a push that fits the byte
    // estimate stays.
    t(
        &mut c,
        &["CONFIG", "SET", "list-max-listpack-size", "-1"],
        "+OK\r\n",
    );
    t(&mut c, &["RPUSH", "s", &"a".repeat(4000)], ":1\r\n");
    assert_eq!(encoding(&mut c, "s"), "listpack");
    t(&mut c, &["RPUSH", "s", &"b".repeat(90)], ":2\r\n");
    assert_eq!(encoding(&mut c, "s"), "quicklist");
}

#[test]
fn rotation_and_moves_keep_encodings() {
    let s = server();
    let mut c = s.raw();
    t(
        &mut c,
        &["CONFIG", "SET", "list-max-listpack-size", "3"],
        "+OK\r\n",
    );
    t(&mut c, &["RPUSH", "a", "1", "2", "3"], ":3\r\n");
    // Popped first, then pushed: the list never holds 4 elements.
    t(&mut c, &["RPOPLPUSH", "a", "a"], &bulk("3"));
    assert_eq!(encoding(&mut c, "a"), "listpack");
    t(&mut c, &["LRANGE", "a", "0", "-1"], &arr(&["3", "1", "2"]));
    t(&mut c, &["RPUSH", "a", "4"], ":4\r\n");
    assert_eq!(encoding(&mut c, "a"), "quicklist");
    t(&mut c, &["LMOVE", "a", "b", "LEFT", "LEFT"], &bulk("3"));
    assert_eq!(encoding(&mut c, "a"), "quicklist");
    t(&mut c, &["LMOVE", "a", "b", "LEFT", "LEFT"], &bulk("1"));
    assert_eq!(encoding(&mut c, "b"), "listpack");
    t(&mut c, &["LRANGE", "b", "0", "-1"], &arr(&["1", "3"]));
    t(&mut c, &["LRANGE", "a", "0", "-1"], &arr(&["2", "4"]));
}

#[test]
fn blocking_pop_served_by_push_in_fifo_order() {
    let s = server();
    let mut admin = s.raw();
    let mut clients: Vec<RawConn> = (0..3).map(|_| s.raw()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        send(c, &["BLPOP", "k", "0"]);
        wait_blocked(&mut admin, i as i64 + 1);
    }
    t(&mut admin, &["LPUSH", "k", "1", "2", "3"], ":3\r\n");
    for (c, want) in clients.iter_mut().zip(["3", "2", "1"]) {
        assert_eq!(c.read_reply(), arr(&["k", want]));
    }
    t(&mut admin, &["EXISTS", "k"], ":0\r\n");
    wait_blocked(&mut admin, 0);
    // One element for two clients: the first is served, the second keeps waiting.
    send(&mut clients[0], &["BLPOP", "k", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut clients[1], &["BRPOP", "k", "k2", "0"]);
    wait_blocked(&mut admin, 2);
    t(&mut admin, &["RPUSH", "k", "x"], ":1\r\n");
    assert_eq!(clients[0].read_reply(), arr(&["k", "x"]));
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "k2", "y"], ":1\r\n");
    assert_eq!(clients[1].read_reply(), arr(&["k2", "y"]));
    wait_blocked(&mut admin, 0);
    // An existing key is served at once, in key order; duplicate keys are fine.
    t(&mut admin, &["RPUSH", "d1", "x"], ":1\r\n");
    t(
        &mut admin,
        &["BLPOP", "d0", "d1", "d1", "d0", "0"],
        &arr(&["d1", "x"]),
    );
    send(&mut clients[2], &["BLPOP", "e1", "e1", "e2", "0"]);
    wait_blocked(&mut admin, 1);
    assert_eq!(info_field(&mut admin, "clients", "total_blocking_keys"), 2);
    t(&mut admin, &["RPUSH", "e2", "z"], ":1\r\n");
    assert_eq!(clients[2].read_reply(), arr(&["e2", "z"]));
    wait_blocked(&mut admin, 0);
    assert_eq!(info_field(&mut admin, "clients", "total_blocking_keys"), 0);
}

#[test]
fn blocking_timeouts() {
    let s = server();
    let mut c = s.raw();
    let mut c3 = resp3(&s);
    let start = Instant::now();
    t(&mut c, &["BLPOP", "nokey", "0.1"], "*-1\r\n");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(95) && took < Duration::from_secs(2),
        "{took:?}"
    );
    t(&mut c, &["BRPOP", "nokey", "0.01"], "*-1\r\n");
    // A timeout answers with a null array even for BLMOVE.
    t(
        &mut c,
        &["BLMOVE", "nokey", "x", "LEFT", "LEFT", "0.01"],
        "*-1\r\n",
    );
    t(&mut c, &["BRPOPLPUSH", "nokey", "x", "0.01"], "*-1\r\n");
    t(
        &mut c,
        &["BLMPOP", "0.01", "2", "nokey", "n2", "RIGHT", "COUNT", "3"],
        "*-1\r\n",
    );
    t(&mut c3, &["BLPOP", "nokey", "0.01"], "_\r\n");
    t(
        &mut c3,
        &["BLMOVE", "nokey", "x", "LEFT", "LEFT", "0.01"],
        "_\r\n",
    );
    let errors: &[(&[&str], &str)] = &[
        (&["BLPOP", "k", "-1"], "-ERR timeout is negative\r\n"),
        (
            &["BLPOP", "k", "abc"],
            "-ERR timeout is not a float or out of range\r\n",
        ),
        (
            &["BLPOP", "k", "nan"],
            "-ERR timeout is not a float or out of range\r\n",
        ),
        (&["BLPOP", "k", "inf"], "-ERR timeout is out of range\r\n"),
        (&["BRPOP", "k", "1e300"], "-ERR timeout is out of range\r\n"),
        (
            &["BLMOVE", "k", "d", "LEFT", "LEFT", "-0.5"],
            "-ERR timeout is negative\r\n",
        ),
        (
            &["BLMOVE", "k", "d", "UP", "LEFT", "x"],
            "-ERR syntax error\r\n",
        ),
        (
            &["BRPOPLPUSH", "k", "d", "x"],
            "-ERR timeout is not a float or out of range\r\n",
        ),
        (
            &["BLMPOP", "x", "1", "k", "LEFT"],
            "-ERR timeout is not a float or out of range\r\n",
        ),
        (
            &["BLMPOP", "x", "0", "k", "LEFT"],
            "-ERR numkeys should be greater than 0\r\n",
        ),
        (
            &["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"],
            "-ERR count should be greater than 0\r\n",
        ),
        (
            &["BLPOP", "k"],
            "-ERR wrong number of arguments for 'blpop' command\r\n",
        ),
    ];
    for (cmd, want) in errors {
        t(&mut c, cmd, want);
    }
    // A tiny negative timeout rounds to 0: it blocks until served.
    let mut admin = s.raw();
    send(&mut c, &["BLPOP", "neg", "-0.0001"]);
    wait_blocked(&mut admin, 1);
    std::thread::sleep(Duration::from_millis(50));
    t(&mut admin, &["RPUSH", "neg", "v"], ":1\r\n");
    assert_eq!(c.read_reply(), arr(&["neg", "v"]));
}

#[test]
fn blmove_chain_and_blmpop() {
    let s = server();
    let mut admin = s.raw();
    let mut a = s.raw();
    let mut b = s.raw();
    let mut c = s.raw();
    send(&mut a, &["BLMOVE", "c1", "c2", "RIGHT", "LEFT", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut b, &["BRPOPLPUSH", "c2", "c3", "0"]);
    wait_blocked(&mut admin, 2);
    send(&mut c, &["BLPOP", "c3", "0"]);
    wait_blocked(&mut admin, 3);
    t(&mut admin, &["RPUSH", "c1", "v1", "v2"], ":2\r\n");
    assert_eq!(a.read_reply(), bulk("v2"));
    assert_eq!(b.read_reply(), bulk("v2"));
    assert_eq!(c.read_reply(), arr(&["c3", "v2"]));
    t(&mut admin, &["LRANGE", "c1", "0", "-1"], &arr(&["v1"]));
    t(&mut admin, &["EXISTS", "c2", "c3"], ":0\r\n");
    wait_blocked(&mut admin, 0);

    send(
        &mut a,
        &["BLMPOP", "0", "2", "x1", "x2", "RIGHT", "COUNT", "2"],
    );
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "x2", "1", "2", "3"], ":3\r\n");
    assert_eq!(
        a.read_reply(),
        "*2\r\n$2\r\nx2\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    );
    t(
        &mut admin,
        &["BLMPOP", "0", "2", "x1", "x2", "LEFT", "COUNT", "5"],
        "*2\r\n$2\r\nx2\r\n*1\r\n$1\r\n1\r\n",
    );
    let mut a3 = resp3(&s);
    send(&mut a3, &["BLMPOP", "0", "1", "x1", "LEFT"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "x1", "a", "b"], ":2\r\n");
    assert_eq!(a3.read_reply(), "*2\r\n$2\r\nx1\r\n*1\r\n$1\r\na\r\n");
}

#[test]
fn push_inside_multi_exec_unblocks_after_exec() {
    let s = server();
    let mut admin = s.raw();
    let mut a = s.raw();
    send(&mut a, &["BLPOP", "m", "0"]);
    wait_blocked(&mut admin, 1);
    admin.send(b"MULTI\r\nLPUSH m a\r\nLPUSH m b\r\nLPUSH m c\r\nEXEC\r\n");
    admin.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n:2\r\n:3\r\n");
    // The client sees the state after the whole transaction.
    assert_eq!(a.read_reply(), arr(&["m", "c"]));
    t(&mut admin, &["LRANGE", "m", "0", "-1"], &arr(&["b", "a"]));
    t(&mut admin, &["DEL", "m"], ":1\r\n");
    // Created and deleted inside one transaction: still blocked.
    send(&mut a, &["BLPOP", "m", "0"]);
    wait_blocked(&mut admin, 1);
    admin.send(b"MULTI\r\nLPUSH m a\r\nDEL m\r\nEXEC\r\n");
    admin.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n");
    // Another type under the key does not serve it either.
    t(&mut admin, &["SET", "m", "str"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(20));
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["DEL", "m"], ":1\r\n");
    t(&mut admin, &["RPUSH", "m", "z"], ":1\r\n");
    assert_eq!(a.read_reply(), arr(&["m", "z"]));
    // Two keys readied by one transaction: served in the order they got data.
    let mut b = s.raw();
    send(&mut a, &["BLPOP", "q1", "q2", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut b, &["BLPOP", "q2", "q1", "0"]);
    wait_blocked(&mut admin, 2);
    admin.send(b"MULTI\r\nRPUSH q2 A\r\nRPUSH q1 B\r\nEXEC\r\n");
    admin.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n");
    assert_eq!(a.read_reply(), arr(&["q1", "B"]));
    assert_eq!(b.read_reply(), arr(&["q2", "A"]));
}

#[test]
fn blocking_commands_inside_multi_answer_at_once() {
    let s = server();
    let mut c = s.raw();
    c.send(b"MULTI\r\nBLPOP nokey 0\r\nBLMOVE nokey x LEFT LEFT 0\r\nBRPOPLPUSH nokey x 0\r\nBLMPOP 0 1 nokey LEFT\r\nBRPOP nokey 0\r\nEXEC\r\n");
    c.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*5\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n");
    let mut c3 = resp3(&s);
    c3.send(b"MULTI\r\nBLPOP nokey 0\r\nBLMOVE nokey x LEFT LEFT 0\r\nEXEC\r\n");
    c3.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n_\r\n_\r\n");
    // With data they work as their non-blocking forms.
    c.send(b"RPUSH l a b\r\nMULTI\r\nBLPOP l 0\r\nBLMOVE l l LEFT RIGHT 0\r\nEXEC\r\n");
    c.expect(b":2\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*2\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n");
}

#[test]
fn watch_sees_blocked_client_writes() {
    let s = server();
    let mut admin = s.raw();
    let mut w = s.raw();
    let mut a = s.raw();
    t(&mut w, &["WATCH", "wk"], "+OK\r\n");
    send(&mut a, &["BLMOVE", "ws", "wk", "LEFT", "LEFT", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "ws", "v"], ":1\r\n");
    assert_eq!(a.read_reply(), bulk("v"));
    w.send(b"MULTI\r\nPING\r\nEXEC\r\n");
    w.expect(b"+OK\r\n+QUEUED\r\n*-1\r\n");
    // Watching the source: the pop by the served client touches it as well.
    t(&mut w, &["WATCH", "src"], "+OK\r\n");
    send(&mut a, &["BLPOP", "src", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut w, &["UNWATCH"], "+OK\r\n");
    t(&mut w, &["WATCH", "src"], "+OK\r\n");
    // LPUSHX on a missing key changes nothing: EXEC still runs.
    t(&mut admin, &["LPUSHX", "src", "v"], ":0\r\n");
    w.send(b"MULTI\r\nPING\r\nEXEC\r\n");
    w.expect(b"+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n");
    t(&mut admin, &["RPUSH", "src", "v"], ":1\r\n");
    assert_eq!(a.read_reply(), arr(&["src", "v"]));
}

#[test]
fn pipelined_commands_wait_for_the_blocked_one() {
    let s = server();
    let mut admin = s.raw();
    let mut a = s.raw();
    a.send(b"BLPOP p 0\r\nPING\r\nLLEN p\r\nRPUSH p q\r\n");
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "p", "1", "2"], ":2\r\n");
    assert_eq!(a.read_reply(), arr(&["p", "1"]));
    a.expect(b"+PONG\r\n:1\r\n:2\r\n");
    // Also after a timeout.
    a.send(b"BLPOP none 0.05\r\nECHO after\r\n");
    a.expect(b"*-1\r\n$5\r\nafter\r\n");
}

#[test]
fn wrong_destination_type_on_wake_up() {
    let s = server();
    let mut admin = s.raw();
    let mut a = s.raw();
    t(&mut admin, &["SET", "wt", "str"], "+OK\r\n");
    send(&mut a, &["BRPOPLPUSH", "w", "wt", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "w", "e1"], ":1\r\n");
    assert_eq!(a.read_reply(), WRONGTYPE);
    t(&mut admin, &["LRANGE", "w", "0", "-1"], &arr(&["e1"]));
    wait_blocked(&mut admin, 0);
}

#[test]
fn client_unblock_and_disconnect() {
    let s = server();
    let mut admin = s.raw();
    let mut a = s.raw();
    let id = q(&mut a, &["CLIENT", "ID"]);
    let id = id.trim_start_matches(':').trim_end().to_string();
    t(&mut admin, &["CONFIG", "RESETSTAT"], "+OK\r\n");
    send(&mut a, &["BLPOP", "u", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["CLIENT", "UNBLOCK", &id, "ERROR"], ":1\r\n");
    assert_eq!(
        a.read_reply(),
        "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    send(&mut a, &["BLPOP", "u", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["CLIENT", "UNBLOCK", &id], ":1\r\n");
    assert_eq!(a.read_reply(), "*-1\r\n");
    t(&mut admin, &["CLIENT", "UNBLOCK", &id], ":0\r\n");
    t(&mut a, &["BLPOP", "u", "0.01"], "*-1\r\n");
    let stats = q(&mut admin, &["INFO", "commandstats"]);
    let line = stats
        .split("\r\n")
        .find(|l| l.starts_with("cmdstat_blpop:"))
        .unwrap_or_default()
        .to_string();
    assert!(line.starts_with("cmdstat_blpop:calls=3,"), "{line}");
    assert!(line.ends_with(",rejected_calls=0,failed_calls=1"), "{line}");
    // A blocked client that goes away is forgotten.
    {
        let mut d = s.raw();
        send(&mut d, &["BLPOP", "gone", "0"]);
        wait_blocked(&mut admin, 1);
    }
    wait_blocked(&mut admin, 0);
    send(&mut a, &["BLPOP", "gone", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["LPUSH", "gone", "g"], ":1\r\n");
    assert_eq!(a.read_reply(), arr(&["gone", "g"]));
}

#[test]
fn keyspace_events() {
    let s = server();
    let mut admin = s.raw();
    let mut sub = s.raw();
    let r = q(&mut sub, &["PSUBSCRIBE", "__keyevent@0__:*"]);
    if r.starts_with("-ERR unknown command") {
        // Pub/Sub commands live in another family; nothing to observe without them.
        return;
    }
    t(
        &mut admin,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
        "+OK\r\n",
    );
    let script: &[&[&str]] = &[
        &["RPUSH", "l", "a", "b", "c", "d"],
        &["LPUSH", "l", "z"],
        &["LINSERT", "l", "BEFORE", "a", "y"],
        &["LSET", "l", "0", "x"],
        &["LREM", "l", "1", "y"],
        &["LTRIM", "l", "0", "3"],
        &["LPOP", "l"],
        &["RPOP", "l", "1"],
        &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "l", "l2"],
        &["LMPOP", "1", "l2", "LEFT", "COUNT", "5"],
    ];
    for cmd in script {
        q(&mut admin, cmd);
    }
    let want = [
        ("rpush", "l"),
        ("lpush", "l"),
        ("linsert", "l"),
        ("lset", "l"),
        ("lrem", "l"),
        ("ltrim", "l"),
        ("lpop", "l"),
        ("rpop", "l"),
        ("rpush", "l2"),
        ("lpop", "l"),
        ("lpush", "l2"),
        ("rpop", "l"),
        ("del", "l"),
        ("lpop", "l2"),
        ("del", "l2"),
    ];
    for (event, key) in want {
        let msg = sub.read_reply();
        let channel = format!("__keyevent@0__:{event}");
        assert!(
            msg.contains(&bulk(&channel)) && msg.ends_with(&bulk(key)),
            "want {event} {key}, got {msg:?}"
        );
    }
}

#[test]
fn unblock_fairness_with_pipelining_and_nesting() {
    let s = server();
    let mut admin = s.raw();
    let mut rd1 = s.raw();
    let mut rd2 = s.raw();
    let mut rd3 = s.raw();
    // A push pipelined with a blocking pop serves the older waiter first.
    send(&mut rd1, &["BLPOP", "mylist", "0"]);
    wait_blocked(&mut admin, 1);
    rd2.send(b"LPUSH mylist 1\r\nBLPOP mylist 0\r\n");
    assert_eq!(rd1.read_reply(), arr(&["mylist", "1"]));
    assert_eq!(rd2.read_reply(), ":1\r\n");
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["LPUSH", "mylist", "2"], ":1\r\n");
    assert_eq!(rd2.read_reply(), arr(&["mylist", "2"]));
    wait_blocked(&mut admin, 0);
    // A served BLMOVE readies a key for a client blocked later, after the keys
    // readied before it.
    send(&mut rd1, &["BRPOPLPUSH", "l1", "l3", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut rd2, &["BLPOP", "l2", "0"]);
    wait_blocked(&mut admin, 2);
    send(
        &mut rd3,
        &["BLMPOP", "0", "2", "l2", "l3", "LEFT", "COUNT", "1"],
    );
    wait_blocked(&mut admin, 3);
    admin.send(b"MULTI\r\nLPUSH l1 1\r\nLPUSH l2 2\r\nEXEC\r\n");
    admin.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n");
    wait_blocked(&mut admin, 0);
    assert_eq!(rd1.read_reply(), bulk("1"));
    assert_eq!(rd2.read_reply(), arr(&["l2", "2"]));
    assert_eq!(rd3.read_reply(), "*2\r\n$2\r\nl3\r\n*1\r\n$1\r\n1\r\n");
    // Pipelined writes around a push that unblocks a BLMOVE chain run in order.
    send(&mut rd1, &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut rd2, &["BLMOVE", "dst", "src", "RIGHT", "LEFT", "0"]);
    wait_blocked(&mut admin, 2);
    rd3.send(b"SET key1 v1\r\nLPUSH src dummy\r\nLRANGE src 0 -1\r\n");
    rd3.expect(b"+OK\r\n:1\r\n*1\r\n$5\r\ndummy\r\n");
    assert_eq!(rd1.read_reply(), bulk("dummy"));
    assert_eq!(rd2.read_reply(), bulk("dummy"));
}

#[test]
fn circular_and_self_referential_brpoplpush() {
    let s = server();
    let mut admin = s.raw();
    let mut rd1 = s.raw();
    let mut rd2 = s.raw();
    send(&mut rd1, &["BRPOPLPUSH", "list1", "list2", "0"]);
    wait_blocked(&mut admin, 1);
    send(&mut rd2, &["BRPOPLPUSH", "list2", "list1", "0"]);
    wait_blocked(&mut admin, 2);
    t(&mut admin, &["RPUSH", "list1", "foo"], ":1\r\n");
    assert_eq!(rd1.read_reply(), bulk("foo"));
    assert_eq!(rd2.read_reply(), bulk("foo"));
    t(&mut admin, &["LRANGE", "list1", "0", "-1"], &arr(&["foo"]));
    t(&mut admin, &["LRANGE", "list2", "0", "-1"], "*0\r\n");
    send(&mut rd1, &["BRPOPLPUSH", "blist", "blist", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["RPUSH", "blist", "foo"], ":1\r\n");
    assert_eq!(rd1.read_reply(), bulk("foo"));
    t(&mut admin, &["LRANGE", "blist", "0", "-1"], &arr(&["foo"]));
    // A served blocking command counts once in the command statistics.
    t(&mut admin, &["CONFIG", "RESETSTAT"], "+OK\r\n");
    send(&mut rd1, &["BLPOP", "one", "0"]);
    wait_blocked(&mut admin, 1);
    t(&mut admin, &["LPUSH", "one", "1"], ":1\r\n");
    assert_eq!(rd1.read_reply(), arr(&["one", "1"]));
    let stats = q(&mut admin, &["INFO", "commandstats"]);
    let line = stats
        .split("\r\n")
        .find(|l| l.starts_with("cmdstat_blpop:"))
        .unwrap_or_default()
        .to_string();
    assert!(line.starts_with("cmdstat_blpop:calls=1,"), "{line}");
    assert!(line.ends_with(",rejected_calls=0,failed_calls=0"), "{line}");
}

#[test]
fn expired_key_does_not_serve_blocked_client() {
    let s = server();
    let mut admin = s.raw();
    let mut rd = s.raw();
    if q(&mut admin, &["PEXPIRE", "x", "1"]).starts_with("-ERR unknown command") {
        // Expiry commands live in another family.
        return;
    }
    t(&mut admin, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    let start = Instant::now();
    send(&mut rd, &["BLPOP", "mylist", "1"]);
    wait_blocked(&mut admin, 1);
    // EXEC readies the key, but it has expired by the time the client would run.
    admin.send(b"MULTI\r\nRPUSH mylist a\r\nPEXPIRE mylist 100\r\nDEBUG SLEEP 0.2\r\nEXEC\r\n");
    admin.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n:1\r\n+OK\r\n");
    // Still blocked, with its original deadline.
    assert_eq!(rd.read_reply(), "*-1\r\n");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    t(&mut admin, &["EXISTS", "mylist"], ":0\r\n");
}
