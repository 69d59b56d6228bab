//! FUNCTION libraries: load, list, delete, dump/restore, stats, registration errors.

use super::scripting::q;
use coil_tests::TestServer;

const LIB: &str = "#!python name=mylib\n\n@redis.function(flags=['no-writes'], description='read a counter')\ndef get_counter(keys, args):\n    return redis.call('GET', keys[0])\n\ndef incr_by(keys, args):\n    return redis.call('INCRBY', keys[0], args[0])\n\nredis.register_function('incr_by', incr_by)\nredis.register_function(function_name='incr_ro', callback=get_counter, flags=['no-writes'])\n";

#[test]
fn library_lifecycle() {
    let s = TestServer::start();
    let mut c = s.raw();
    // 38
    assert_eq!(q(&mut c, &["FUNCTION", "LOAD", LIB]), "$5\r\nmylib\r\n");
    assert_eq!(
        q(&mut c, &["FUNCTION", "LOAD", LIB]),
        "-ERR Library 'mylib' already exists\r\n"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "LOAD", "REPLACE", LIB]),
        "$5\r\nmylib\r\n"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "LOAD", "foo", "bar", LIB]),
        "-ERR Unknown option given: foo\r\n"
    );
    assert_eq!(q(&mut c, &["FCALL", "INCR_BY", "1", "ctr", "5"]), ":5\r\n");
    assert_eq!(
        q(&mut c, &["FCALL", "get_counter", "1", "ctr"]),
        "$1\r\n5\r\n"
    );
    assert_eq!(
        q(&mut c, &["FCALL_RO", "incr_ro", "1", "ctr"]),
        "$1\r\n5\r\n"
    );
    assert_eq!(
        q(&mut c, &["FCALL", "nosuch", "0"]),
        "-ERR Function not found\r\n"
    );
    // 21
    assert_eq!(
        q(&mut c, &["FCALL", "incr_by", "bad_arg"]),
        "-ERR Bad number of keys provided\r\n"
    );
    assert_eq!(
        q(&mut c, &["FCALL", "incr_by", "10", "key1"]),
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(
        q(&mut c, &["FCALL", "incr_by", "-1"]),
        "-ERR Number of keys can't be negative\r\n"
    );
    // Library-level state persists between calls.
    q(&mut c, &["FUNCTION", "LOAD", "#!python name=state\ncount = 0\ndef bump(keys, args):\n    global count\n    count += 1\n    return count\nredis.register_function('bump', bump)"]);
    assert_eq!(q(&mut c, &["FCALL", "bump", "0"]), ":1\r\n");
    assert_eq!(q(&mut c, &["FCALL", "bump", "0"]), ":2\r\n");
    // Metadata and load errors.
    for (code, err) in [
        ("return 1", "-ERR Missing library metadata\r\n"),
        ("#!python name=x", "-ERR Invalid library metadata\r\n"),
        ("#!python\nx", "-ERR Library name was not given\r\n"),
        ("#!python name=a name=b\nx", "-ERR Invalid metadata value, name argument was given multiple times\r\n"),
        ("#!python name=a foo=bar\nx", "-ERR Invalid metadata value given: foo=bar\r\n"),
        ("#!bad_engine name=a\nx", "-ERR Engine 'bad_engine' not found\r\n"),
        ("#! name=a\nx", "-ERR Engine '' not found\r\n"),
        ("#!python name=a-b\nx", "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n"),
        ("#!python name=empty\nx = 1", "-ERR No functions registered\r\n"),
        ("#!python name=dup\nredis.register_function('incr_by', lambda k, a: 1)", "-ERR Function incr_by already exists\r\n"),
    ] {
        assert_eq!(q(&mut c, &["FUNCTION", "LOAD", code]), err, "{code}");
    }
    assert_eq!(
        q(
            &mut c,
            &[
                "FUNCTION",
                "LOAD",
                "#!python name=\"quoted\"\nredis.register_function('qf', lambda k, a: 1)"
            ]
        ),
        "$6\r\nquoted\r\n"
    );
    let r = q(&mut c, &["FUNCTION", "LOAD", "#!python name=bad\nreturn +"]);
    assert!(
        r.starts_with("-ERR Error compiling function: user_function:2: "),
        "{r}"
    );
    let r = q(
        &mut c,
        &["FUNCTION", "LOAD", "#!python name=bad\nredis.call('ping')"],
    );
    assert!(
        r.starts_with("-ERR Error registering functions: ERR user_function:2: RuntimeError"),
        "{r}"
    );
    let r = q(&mut c, &["FUNCTION", "LOAD", "#!python name=bad\nredis.register_function('f', lambda k, a: 1)\nredis.register_function('F', lambda k, a: 1)"]);
    assert!(r.contains("Function already exists in the library"), "{r}");
    let r = q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=bad\nredis.register_function('f', lambda k, a: 1, 5)",
        ],
    );
    assert!(
        r.contains("wrong number of arguments to redis.register_function"),
        "{r}"
    );
    let r = q(&mut c, &["FUNCTION", "LOAD", "#!python name=bad\nredis.register_function(function_name='f', callback=lambda k, a: 1, flags=['bad'])"]);
    assert!(r.contains("unknown flag given"), "{r}");
    let r = q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=bad\nredis.register_function(function_name='f')",
        ],
    );
    assert!(
        r.contains("redis.register_function must get a callback argument"),
        "{r}"
    );
    let r = q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=slow\nwhile True:\n    pass",
        ],
    );
    assert_eq!(
        r,
        "-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"
    );
    // REPLACE with broken code keeps the old library.
    let r = q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "REPLACE",
            "#!python name=mylib\nraise ValueError('x')",
        ],
    );
    assert!(r.starts_with("-ERR Error registering functions"), "{r}");
    assert_eq!(q(&mut c, &["FCALL", "incr_by", "1", "ctr", "1"]), ":6\r\n");
    // register_function outside a load.
    q(&mut c, &["FUNCTION", "LOAD", "#!python name=late\nredis.register_function('late', lambda k, a: redis.register_function('x', lambda k, a: 1))"]);
    let r = q(&mut c, &["FCALL", "late", "0"]);
    assert!(
        r.contains("redis.register_function can only be called on FUNCTION LOAD command"),
        "{r}"
    );
    // Delete.
    assert_eq!(q(&mut c, &["FUNCTION", "DELETE", "mylib"]), "+OK\r\n");
    assert_eq!(
        q(&mut c, &["FCALL", "incr_by", "1", "ctr", "1"]),
        "-ERR Function not found\r\n"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "DELETE", "mylib"]),
        "-ERR Library not found\r\n"
    );
    // FLUSHALL keeps functions; FUNCTION FLUSH removes them.
    assert_eq!(q(&mut c, &["FLUSHALL"]), "+OK\r\n");
    assert_eq!(q(&mut c, &["FCALL", "bump", "0"]), ":3\r\n");
    assert_eq!(
        q(&mut c, &["FUNCTION", "FLUSH", "bad"]),
        "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n"
    );
    assert_eq!(q(&mut c, &["FUNCTION", "FLUSH", "SYNC"]), "+OK\r\n");
    assert_eq!(
        q(&mut c, &["FCALL", "bump", "0"]),
        "-ERR Function not found\r\n"
    );
}

#[test]
fn list_stats_dump_restore() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["FUNCTION", "LOAD", LIB]);
    q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=other\nredis.register_function('f3', lambda k, a: 3)",
        ],
    );
    // 39: LIST
    let r = q(&mut c, &["FUNCTION", "LIST", "LIBRARYNAME", "my*"]);
    assert!(r.starts_with("*1\r\n*6\r\n$12\r\nlibrary_name\r\n$5\r\nmylib\r\n$6\r\nengine\r\n$6\r\nPYTHON\r\n$9\r\nfunctions\r\n*3\r\n"), "{r}");
    assert!(r.contains("$4\r\nname\r\n$11\r\nget_counter\r\n$11\r\ndescription\r\n$14\r\nread a counter\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n"), "{r}");
    assert!(
        r.contains(
            "$4\r\nname\r\n$7\r\nincr_by\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n"
        ),
        "{r}"
    );
    let r = q(
        &mut c,
        &["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "other"],
    );
    assert!(
        r.contains("library_code") && r.contains("redis.register_function('f3'"),
        "{r}"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "LIST", "bad_argument"]),
        "-ERR Unknown argument bad_argument\r\n"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "LIST", "LIBRARYNAME"]),
        "-ERR library name argument was not given\r\n"
    );
    assert_eq!(
        q(&mut c, &["FUNCTION", "LIST", "WITHCODE", "WITHCODE"]),
        "-ERR Unknown argument WITHCODE\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"]
        ),
        "-ERR Unknown argument LIBRARYNAME\r\n"
    );
    // STATS
    let stats = "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$6\r\nPYTHON\r\n*4\r\n$15\r\nlibraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:4\r\n";
    assert_eq!(q(&mut c, &["FUNCTION", "STATS"]), stats);
    q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=broken\nraise ValueError()",
        ],
    );
    assert_eq!(q(&mut c, &["FUNCTION", "STATS"]), stats);
    let info = q(&mut c, &["INFO", "memory"]);
    assert!(
        info.contains("number_of_functions:4") && info.contains("number_of_libraries:2"),
        "{info}"
    );
    // DUMP / RESTORE
    let mut raw = s.raw();
    raw.cmd(&[b"FUNCTION", b"DUMP"]);
    let hdr = raw.line();
    let n: usize = hdr[1..hdr.len() - 2].parse().unwrap();
    let payload_bytes = raw.read_exact(n + 2)[..n].to_vec();
    let restore = |c: &mut coil_tests::RawConn, policy: Option<&[u8]>| {
        let mut args: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", &payload_bytes];
        if let Some(p) = policy {
            args.push(p);
        }
        c.cmd(&args);
        c.read_reply()
    };
    assert_eq!(
        restore(&mut c, None),
        "-ERR Library mylib already exists\r\n"
    );
    assert_eq!(restore(&mut c, Some(b"REPLACE")), "+OK\r\n");
    assert_eq!(
        restore(&mut c, Some(b"bad")),
        "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n"
    );
    assert_eq!(q(&mut c, &["FUNCTION", "FLUSH"]), "+OK\r\n");
    q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=clash\nredis.register_function('f3', lambda k, a: 'clash')",
        ],
    );
    assert_eq!(restore(&mut c, None), "-ERR Function f3 already exists\r\n");
    assert_eq!(
        q(&mut c, &["FCALL", "incr_by", "1", "k", "1"]),
        "-ERR Function not found\r\n"
    );
    assert_eq!(restore(&mut c, Some(b"FLUSH")), "+OK\r\n");
    assert_eq!(q(&mut c, &["FCALL", "f3", "0"]), ":3\r\n");
    assert_eq!(q(&mut c, &["FCALL", "incr_by", "1", "k", "2"]), ":2\r\n");
    let mut bad = payload_bytes.clone();
    bad[5] ^= 0x20;
    c.cmd(&[b"FUNCTION", b"RESTORE", &bad]);
    assert_eq!(
        c.read_reply(),
        "-ERR DUMP payload version or checksum are wrong\r\n"
    );
}

#[test]
fn restores_a_payload_dumped_by_redis() {
    // A FUNCTION DUMP payload framed by Redis 7.4 (FUNCTION2 opcode, an LZF-compressed
    // RDB string, RDB version 12, CRC64), holding a library whose engine is Python.
    let s = TestServer::start();
    let mut c = s.raw();
    let code = b"#!python name=fromredis\nredis.register_function('fr', lambda k, a: 'restored')\n";
    let payload = redis_style_payload(code);
    c.cmd(&[b"FUNCTION", b"RESTORE", &payload]);
    assert_eq!(c.read_reply(), "+OK\r\n");
    assert_eq!(q(&mut c, &["FCALL", "fr", "0"]), "$8\r\nrestored\r\n");
}

/// Frames `code` as Redis does, with an LZF literal-only "compressed" string.
fn redis_style_payload(code: &[u8]) -> Vec<u8> {
    let mut lzf = Vec::new();
    for chunk in code.chunks(32) {
        lzf.push((chunk.len() - 1) as u8);
        lzf.extend_from_slice(chunk);
    }
    let mut p = vec![245u8, 0xC3];
    let enc = |n: usize, p: &mut Vec<u8>| {
        if n < 64 {
            p.push(n as u8);
        } else {
            p.push(0x40 | (n >> 8) as u8);
            p.push(n as u8);
        }
    };
    enc(lzf.len(), &mut p);
    enc(code.len(), &mut p);
    p.extend_from_slice(&lzf);
    p.extend_from_slice(&12u16.to_le_bytes());
    let crc = crc64(&p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

fn crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5
            } else {
                crc >> 1
            };
        }
    }
    crc
}
