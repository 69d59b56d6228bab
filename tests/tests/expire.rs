//! Expiry: EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with their options and errors, TTL/PTTL/
//! EXPIRETIME/PEXPIRETIME, PERSIST, lazy and active expiry with real short waits.

use coil_tests::{RawConn, TestServer};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Sends one command and returns its raw reply.
fn call(r: &mut RawConn, args: &[&str]) -> String {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.cmd(&args);
    r.read_reply()
}

/// An integer reply.
fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// The value of an integer reply.
fn int_of(reply: &str) -> i64 {
    assert!(reply.starts_with(':'), "not an integer: {reply:?}");
    reply[1..reply.len() - 2].parse().unwrap_or(i64::MIN)
}

/// Unix time in milliseconds.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Polls `cond` every 20 ms for up to `within`.
fn eventually(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

#[test]
fn expire_and_ttl_family() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "x", "foobar"]);
    assert_eq!(call(&mut r, &["EXPIRE", "x", "5"]), int(1));
    assert_eq!(call(&mut r, &["TTL", "x"]), int(5));
    let pttl = int_of(&call(&mut r, &["PTTL", "x"]));
    assert!((4900..=5000).contains(&pttl), "{pttl}");
    assert_eq!(call(&mut r, &["EXPIRE", "x", "10"]), int(1));
    assert_eq!(call(&mut r, &["TTL", "x"]), int(10));
    // Absolute times.
    let at = now_ms() / 1000 + 100;
    assert_eq!(call(&mut r, &["EXPIREAT", "x", &at.to_string()]), int(1));
    assert_eq!(call(&mut r, &["EXPIRETIME", "x"]), int(at));
    assert_eq!(call(&mut r, &["PEXPIRETIME", "x"]), int(at * 1000));
    let pat = now_ms() + 50_000;
    assert_eq!(call(&mut r, &["PEXPIREAT", "x", &pat.to_string()]), int(1));
    assert_eq!(call(&mut r, &["PEXPIRETIME", "x"]), int(pat));
    assert_eq!(call(&mut r, &["EXPIRETIME", "x"]), int((pat + 500) / 1000));
    assert_eq!(call(&mut r, &["PEXPIRE", "x", "100000"]), int(1));
    let pttl = int_of(&call(&mut r, &["PTTL", "x"]));
    assert!((99_900..=100_000).contains(&pttl), "{pttl}");
    // No TTL, no key.
    call(&mut r, &["SET", "p", "v"]);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(call(&mut r, &[cmd, "p"]), int(-1), "{cmd}");
        assert_eq!(call(&mut r, &[cmd, "nokey"]), int(-2), "{cmd}");
    }
    // PERSIST.
    assert_eq!(call(&mut r, &["PERSIST", "x"]), int(1));
    assert_eq!(call(&mut r, &["TTL", "x"]), int(-1));
    assert_eq!(call(&mut r, &["PERSIST", "x"]), int(0));
    assert_eq!(call(&mut r, &["PERSIST", "nokey"]), int(0));
    assert_eq!(call(&mut r, &["EXPIRE", "nokey", "100"]), int(0));
    // SET removes the TTL, KEEPTTL keeps it.
    call(&mut r, &["SET", "k", "v", "EX", "100"]);
    call(&mut r, &["SET", "k", "v2"]);
    assert_eq!(call(&mut r, &["TTL", "k"]), int(-1));
    call(&mut r, &["SET", "k", "v", "EX", "100"]);
    call(&mut r, &["SET", "k", "v3", "KEEPTTL"]);
    assert_eq!(call(&mut r, &["TTL", "k"]), int(100));
}

#[test]
fn expire_options() {
    let s = TestServer::start();
    let mut r = s.raw();
    /// [EX of the SET or "", EXPIRE arguments...], reply, TTL range afterwards.
    type Case<'a> = (&'a [&'a str], i64, Option<(i64, i64)>);
    let cases: &[Case] = &[
        (&["100", "200", "NX"], 0, Some((50, 100))),
        (&["", "200", "NX"], 1, Some((100, 200))),
        (&["100", "200", "XX"], 1, Some((100, 200))),
        (&["", "200", "XX"], 0, Some((-1, -1))),
        (&["100", "200", "GT"], 1, Some((100, 200))),
        (&["200", "100", "GT"], 0, Some((100, 200))),
        (&["", "200", "GT"], 0, Some((-1, -1))),
        (&["100", "200", "LT"], 0, Some((50, 100))),
        (&["200", "100", "LT"], 1, Some((50, 100))),
        (&["", "100", "LT"], 1, Some((50, 100))),
        (&["200", "100", "LT", "XX"], 1, Some((50, 100))),
        (&["", "200", "LT", "XX"], 0, Some((-1, -1))),
        (&["100", "-10", "LT"], 1, Some((-2, -2))),
        (&["", "-10", "LT"], 1, Some((-2, -2))),
        (&["100", "50", "gt"], 0, Some((50, 100))),
        (&["100", "500", "lt"], 0, Some((50, 100))),
    ];
    for (args, reply, ttl) in cases {
        if args[0].is_empty() {
            call(&mut r, &["SET", "foo", "bar"]);
        } else {
            call(&mut r, &["SET", "foo", "bar", "EX", args[0]]);
        }
        let mut cmd = vec!["EXPIRE", "foo"];
        cmd.extend_from_slice(&args[1..]);
        assert_eq!(call(&mut r, &cmd), int(*reply), "{args:?}");
        if let Some((lo, hi)) = ttl {
            let t = int_of(&call(&mut r, &["TTL", "foo"]));
            assert!((*lo..=*hi).contains(&t), "{args:?}: ttl {t}");
        }
    }
    for opt in ["NX", "XX", "GT", "LT"] {
        assert_eq!(call(&mut r, &["EXPIRE", "none", "100", opt]), int(0));
    }
    let nx_err = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    for (args, want) in [
        (
            &["LT", "GT"][..],
            "-ERR GT and LT options at the same time are not compatible\r\n",
        ),
        (&["NX", "GT"][..], nx_err),
        (&["NX", "LT"][..], nx_err),
        (&["NX", "XX"][..], nx_err),
        (&["XX", "NX"][..], nx_err),
        (&["AB"][..], "-ERR Unsupported option AB\r\n"),
        (&["XX", "AB"][..], "-ERR Unsupported option AB\r\n"),
        // Options are checked before the time itself.
        (&["XX", "ab"][..], "-ERR Unsupported option ab\r\n"),
    ] {
        let mut cmd = vec!["EXPIRE", "foo", "200"];
        cmd.extend_from_slice(args);
        assert_eq!(call(&mut r, &cmd), want, "{args:?}");
    }
    assert_eq!(
        call(&mut r, &["EXPIRE", "foo", "x", "AB"]),
        "-ERR Unsupported option AB\r\n"
    );
}

#[test]
fn expire_errors_and_overflow() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "foo", "bar"]);
    assert_eq!(
        call(&mut r, &["EXPIRE", "foo", ""]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        call(&mut r, &["PEXPIRE", "foo", "1.5"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    for (cmd, arg) in [
        ("EXPIRE", "9223370399119966"),
        ("EXPIRE", "9223372036854776"),
        ("EXPIRE", "10000000000000000"),
        ("EXPIRE", "18446744073709561"),
        ("EXPIRE", "-9223372036854776"),
        ("EXPIRE", "-9999999999999999"),
        ("PEXPIRE", "9223372036854770000"),
        ("EXPIREAT", "9223372036854776"),
    ] {
        assert_eq!(
            call(&mut r, &[cmd, "foo", arg]),
            format!(
                "-ERR invalid expire time in '{}' command\r\n",
                cmd.to_ascii_lowercase()
            ),
            "{cmd} {arg}"
        );
    }
    assert_eq!(call(&mut r, &["TTL", "foo"]), int(-1));
    assert_eq!(
        call(&mut r, &["PEXPIREAT", "foo", "9223372036854770000"]),
        int(1)
    );
    assert_eq!(
        call(&mut r, &["PEXPIRETIME", "foo"]),
        int(9223372036854770000)
    );
    // Times in the past delete the key.
    assert_eq!(
        call(&mut r, &["PEXPIREAT", "foo", "-9223372036854770000"]),
        int(1)
    );
    assert_eq!(call(&mut r, &["TTL", "foo"]), int(-2));
    for args in [
        &["EXPIRE", "k", "-1"][..],
        &["EXPIRE", "k", "0"][..],
        &["PEXPIRE", "k", "0"][..],
        &["EXPIREAT", "k", "1"][..],
        &["PEXPIREAT", "k", "1"][..],
    ] {
        call(&mut r, &["SET", "k", "v"]);
        assert_eq!(call(&mut r, args), int(1), "{args:?}");
        assert_eq!(call(&mut r, &["EXISTS", "k"]), int(0), "{args:?}");
    }
    assert_eq!(
        call(&mut r, &["EXPIRE", "k"]),
        "-ERR wrong number of arguments for 'expire' command\r\n"
    );
    assert_eq!(
        call(&mut r, &["TTL"]),
        "-ERR wrong number of arguments for 'ttl' command\r\n"
    );
}

#[test]
fn keys_expire_after_real_waits() {
    let s = TestServer::start();
    let mut r = s.raw();
    call(&mut r, &["SET", "x", "foobar"]);
    call(&mut r, &["PEXPIRE", "x", "300"]);
    call(&mut r, &["PSETEX", "y", "300", "v"]);
    let at = now_ms() + 300;
    call(&mut r, &["SET", "z", "v"]);
    call(&mut r, &["PEXPIREAT", "z", &at.to_string()]);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut r, &["GET", "x"]), "$6\r\nfoobar\r\n");
    assert_eq!(call(&mut r, &["EXISTS", "x", "y", "z"]), int(3));
    let pttl = int_of(&call(&mut r, &["PTTL", "x"]));
    assert!((0..=210).contains(&pttl), "{pttl}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(call(&mut r, &["GET", "x"]), "$-1\r\n");
    assert_eq!(call(&mut r, &["EXISTS", "x", "y", "z"]), int(0));
    assert_eq!(call(&mut r, &["TTL", "x"]), int(-2));
    // A write on an expired key starts from nothing.
    call(&mut r, &["SET", "w", "1", "PX", "50"]);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut r, &["INCR", "w"]), int(1));
    assert_eq!(call(&mut r, &["TTL", "w"]), int(-1));
}

#[test]
fn active_expiry_removes_keys_in_the_background() {
    let s = TestServer::start();
    let mut r = s.raw();
    for k in ["key1", "key2", "key3"] {
        call(&mut r, &["PSETEX", k, "300", "a"]);
    }
    call(&mut r, &["SET", "stay", "a"]);
    assert_eq!(call(&mut r, &["DBSIZE"]), int(4));
    assert!(
        eventually(Duration::from_secs(3), || call(&mut r, &["DBSIZE"])
            == int(1)),
        "keys did not actively expire"
    );
    let text = call(&mut r, &["INFO", "stats"]);
    assert!(text.contains("expired_keys:3\r\n"), "{text}");
}

#[test]
fn lazy_expiry_when_active_expiry_is_off() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut r = s.raw();
    assert_eq!(
        call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
        "+OK\r\n"
    );
    for k in ["key1", "key2", "key3"] {
        call(&mut r, &["PSETEX", k, "200", "a"]);
    }
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(call(&mut r, &["DBSIZE"]), int(3));
    assert_eq!(
        call(&mut r, &["MGET", "key1", "key2", "key3"]),
        "*3\r\n$-1\r\n$-1\r\n$-1\r\n"
    );
    assert_eq!(call(&mut r, &["DBSIZE"]), int(0));
    // EXPIRE does not resurrect an expired key.
    call(&mut r, &["SET", "foo", "bar"]);
    call(&mut r, &["PEXPIRE", "foo", "100"]);
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(call(&mut r, &["EXPIRE", "foo", "10"]), int(0));
    assert_eq!(call(&mut r, &["EXISTS", "foo"]), int(0));
    // DEL of an expired key counts nothing.
    call(&mut r, &["SET", "gone", "v", "PX", "10"]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(call(&mut r, &["DEL", "gone"]), int(0));
    assert_eq!(
        call(&mut r, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]),
        "+OK\r\n"
    );
    let text = call(&mut r, &["INFO", "stats"]);
    assert!(text.contains("expired_keys:5\r\n"), "{text}");
}

#[test]
fn many_volatile_keys_all_expire() {
    let s = TestServer::start();
    let mut r = s.raw();
    let mut pipe = Vec::new();
    for i in 0..2000 {
        let key = format!("k{i}");
        pipe.extend_from_slice(
            format!(
                "*4\r\n$6\r\nPSETEX\r\n${}\r\n{key}\r\n$3\r\n100\r\n$1\r\nv\r\n",
                key.len()
            )
            .as_bytes(),
        );
    }
    r.send(&pipe);
    for _ in 0..2000 {
        r.read_reply();
    }
    call(&mut r, &["SET", "persistent", "v"]);
    assert!(
        eventually(Duration::from_secs(5), || call(&mut r, &["DBSIZE"])
            == int(1)),
        "volatile keys were not all expired"
    );
}
