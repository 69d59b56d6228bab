//! Module data types: `sample-modules/c/dtype.c` (a type with every callback) loaded
//! into the real binary. Expected replies and serialized bytes were recorded from
//! Redis 7.4 running the same module.

use coil_sample_modules::DTYPE;
use coil_tests::{RawConn, TestServer};

fn server() -> TestServer {
    TestServer::start_with(&[
        "--loadmodule",
        DTYPE,
        "--enable-debug-command",
        "yes",
        "--enable-module-command",
        "yes",
    ])
}

/// Sends `line` (split on spaces) and checks the raw reply.
fn t(c: &mut RawConn, line: &str, expected: &str) {
    let args: Vec<&[u8]> = line.split(' ').map(|a| a.as_bytes()).collect();
    c.cmd(&args);
    assert_eq!(c.read_reply(), expected, "reply to `{line}`");
}

/// `DT.STATS` as (frees, unlinks, last unlinked key@db, copies).
fn stats(c: &mut RawConn) -> (i64, i64, String, i64) {
    c.cmd(&[b"dt.stats"]);
    let r = c.read_reply();
    let l: Vec<&str> = r.split("\r\n").collect();
    let n = |s: &str| s[1..].parse::<i64>().unwrap();
    (n(l[3]), n(l[6]), l[10].to_string(), n(l[13]))
}

/// What Redis 7.4 writes for `dt.set k 5 hello` + `dt.setnum k 1.5 2.25 3.125`: the
/// signed, string, double, float, long double (`%La` text), unsigned and string-buffer
/// opcodes in the RDB encoding.
const DUMP: &[u8] = b"\x02\x05\x05\x05hello\x04\x00\x00\x00\x00\x00\x00\xf8?\x03\x00\x00\x10@\x05\x080xc.8p-2\x02\x80\x00\x00\xc0\x11\x05\x03end";

#[test]
fn values_types_and_encodings() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, "dt.set k 5 hello", "+OK\r\n");
    t(
        &mut c,
        "dt.get k",
        "*5\r\n:5\r\n$5\r\nhello\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n0\r\n",
    );
    t(&mut c, "type k", "+coil-dtyp\r\n");
    t(&mut c, "object encoding k", "$3\r\nraw\r\n");
    t(
        &mut c,
        "get k",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    t(
        &mut c,
        "lpush k x",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    t(&mut c, "set str v", "+OK\r\n");
    t(
        &mut c,
        "dt.get str",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    t(&mut c, "dt.get nokey", "*-1\r\n");
    t(&mut c, "dt.setnum k 1.5 2.25 3.125", "+OK\r\n");
    t(
        &mut c,
        "dt.get k",
        "*5\r\n:5\r\n$5\r\nhello\r\n$3\r\n1.5\r\n$4\r\n2.25\r\n$5\r\n3.125\r\n",
    );
    // SCAN's TYPE filter knows module type names, in any case.
    for i in 0..30 {
        t(&mut c, &format!("set s{i} v"), "+OK\r\n");
    }
    t(&mut c, "dt.set k2 1 x", "+OK\r\n");
    for name in ["coil-dtyp", "COIL-DTYP"] {
        let mut found = Vec::new();
        let mut cursor = "0".to_string();
        loop {
            let r = {
                c.cmd(&[b"scan", cursor.as_bytes(), b"type", name.as_bytes()]);
                c.read_reply()
            };
            let lines: Vec<&str> = r.split("\r\n").collect();
            cursor = lines[2].to_string();
            found.extend(lines[4..].iter().skip(1).step_by(2).map(|s| s.to_string()));
            if cursor == "0" {
                break;
            }
        }
        found.retain(|k| !k.is_empty());
        found.sort();
        assert_eq!(found, ["k", "k2"]);
    }
    // Redis's DEBUG OBJECT and MEMORY USAGE (mem_usage2 sees SAMPLES; 0 is all).
    c.cmd(&[b"debug", b"object", b"k"]);
    let obj = c.read_reply();
    assert!(obj.contains("encoding:raw serializedlength:54 "), "{obj}");
    t(&mut c, "memory usage k", ":1058\r\n");
    t(&mut c, "memory usage k samples 1", ":1054\r\n");
    t(
        &mut c,
        "memory usage k samples 0",
        ":-9223372036854774756\r\n",
    );
    t(&mut c, "dt.outside", ":1\r\n");
    t(
        &mut c,
        "module unload dtype",
        "-ERR Error unloading module: the module exports one or more module-side data types, can't unload\r\n",
    );
}

#[test]
fn serialized_as_redis_and_restored() {
    let s = server();
    let mut con = s.conn();
    let mut c = s.raw();
    t(&mut c, "dt.set k 5 hello", "+OK\r\n");
    t(&mut c, "dt.setnum k 1.5 2.25 3.125", "+OK\r\n");
    let dump: Vec<u8> = redis::cmd("dt.dump").arg("k").query(&mut con).unwrap();
    assert_eq!(dump, DUMP);
    let encver: i64 = redis::cmd("dt.restore")
        .arg("r")
        .arg(DUMP)
        .arg(2)
        .query(&mut con)
        .unwrap();
    assert_eq!(encver, 2);
    t(
        &mut c,
        "dt.get r",
        "*5\r\n:5\r\n$5\r\nhello\r\n$3\r\n1.5\r\n$4\r\n2.25\r\n$5\r\n3.125\r\n",
    );
    // A truncated payload is an IO error the module sees (it handles IO errors).
    let bad: redis::RedisResult<i64> = redis::cmd("dt.restore")
        .arg("r2")
        .arg(&DUMP[..DUMP.len() - 1])
        .arg(2)
        .query(&mut con);
    assert_eq!(bad.unwrap_err().detail(), Some("invalid payload"));
    // LoadDataTypeFromString passes encoding version 0: the module reads the old
    // format, and the bytes left over are not its business.
    let v0: i64 = redis::cmd("dt.restore")
        .arg("r0")
        .arg(DUMP)
        .query(&mut con)
        .unwrap();
    assert_eq!(v0, 0);
    t(
        &mut c,
        "dt.get r0",
        "*5\r\n:5\r\n$5\r\nhello\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n0\r\n",
    );
    // Small integers use the RDB integer encodings.
    t(&mut c, "dt.set i -1111 12", "+OK\r\n");
    let dump: Vec<u8> = redis::cmd("dt.dump").arg("i").query(&mut con).unwrap();
    assert_eq!(&dump[..6], b"\x02\x81\xff\xff\xff\xff");
    assert_eq!(&dump[10..13], b"\x05\xc0\x0c");
}

#[test]
fn swap_copy_and_the_callbacks_redis_calls() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, "dt.set a 1 AAA", "+OK\r\n");
    t(&mut c, "dt.set b 2 BBB", "+OK\r\n");
    t(&mut c, "dt.swap a b", "+OK\r\n");
    t(
        &mut c,
        "dt.get a",
        "*5\r\n:2\r\n$3\r\nBBB\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n0\r\n",
    );
    t(&mut c, "set str v", "+OK\r\n");
    t(&mut c, "dt.swap a str", "-ERR swap failed\r\n");
    // COPY goes through copy2, which sees both key names and databases.
    t(&mut c, "dt.set answer 42 x", "+OK\r\n");
    t(
        &mut c,
        "copy answer answer2",
        "-ERR module key failed to copy\r\n",
    );
    t(&mut c, "copy a a2", ":1\r\n");
    t(
        &mut c,
        "dt.get a2",
        "*5\r\n:2\r\n$12\r\nBBB/a@0>a2@0\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n0\r\n",
    );
    t(&mut c, "copy a b db 1", ":1\r\n");
    t(&mut c, "select 1", "+OK\r\n");
    t(
        &mut c,
        "dt.get b",
        "*5\r\n:2\r\n$11\r\nBBB/a@0>b@1\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n0\r\n",
    );
    t(&mut c, "select 0", "+OK\r\n");
    assert_eq!(stats(&mut c), (0, 0, "".into(), 2));
    // Every key leaving the keyspace is unlinked (DEL, UNLINK, overwrite, RENAME's
    // source, MOVE's source) and freed when its value goes.
    t(&mut c, "del a2", ":1\r\n");
    assert_eq!(stats(&mut c), (1, 1, "a2@0".into(), 2));
    t(&mut c, "unlink a", ":1\r\n");
    t(&mut c, "dt.set b 9 x", "+OK\r\n");
    assert_eq!(stats(&mut c).0, 3);
    assert_eq!(stats(&mut c).1, 3);
    t(&mut c, "rename b bren", "+OK\r\n");
    t(&mut c, "move bren 2", ":1\r\n");
    assert_eq!(stats(&mut c).1, 5);
    assert_eq!(stats(&mut c).0, 3);
    assert_eq!(stats(&mut c).2, "bren@0");
    // FLUSHALL frees without unlinking.
    t(&mut c, "flushall", "+OK\r\n");
    assert_eq!(stats(&mut c).0, 6);
    assert_eq!(stats(&mut c).1, 5);
}

#[test]
fn digests_match_redis() {
    let s = server();
    let mut c = s.raw();
    t(&mut c, "dt.set k1 5 hello", "+OK\r\n");
    t(&mut c, "dt.set k2 5 hello", "+OK\r\n");
    t(&mut c, "dt.set k3 6 hello", "+OK\r\n");
    t(
        &mut c,
        "debug digest-value k1 k2 k3",
        "*3\r\n+b52c1a91924d40ae00e633669c1e79d617f70b41\r\n+b52c1a91924d40ae00e633669c1e79d617f70b41\r\n+f224f0761d85bd17ec8be27be618d287ab5a1f0f\r\n",
    );
    c.cmd(&[b"debug", b"digest"]);
    let before = c.read_reply();
    t(&mut c, "dt.set k3 5 hello", "+OK\r\n");
    c.cmd(&[b"debug", b"digest"]);
    assert_ne!(c.read_reply(), before);
}
