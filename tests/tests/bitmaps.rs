//! Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
//!
//! The tables of (command, reply) were captured from Redis 7.4, byte for byte.

use crate::strings::{call, check, keyspace_events};
use coil_tests::TestServer;

#[test]
fn bitmap_keyspace_events() {
    let s = TestServer::start();
    let script = [
        "SETBIT b 3 1",
        "SETBIT b 3 1",
        "SETBIT b 3 0",
        "BITFIELD bf SET u8 0 1",
        "BITFIELD bf SET u8 0 1 SET u8 8 2",
        "BITFIELD bf GET u8 0",
        "BITFIELD bf2 OVERFLOW FAIL INCRBY u2 0 9",
        "BITOP OR d b bf",
        "BITOP AND d nokey",
    ];
    let Some(events) = keyspace_events(&s, &script) else {
        return;
    };
    // Captured from Redis 7.4.
    let want = [
        ("setbit", "b"),
        ("setbit", "b"),
        ("setbit", "bf"),
        ("setbit", "bf"),
        ("set", "d"),
        ("del", "d"),
    ];
    let got: Vec<(&str, &str)> = events.iter().map(|(e, k)| (&e[..], &k[..])).collect();
    assert_eq!(got, want);
}

/// A big bitmap: the last bit of a 512 MB string (the default `proto-max-bulk-len`).
#[test]
fn setbit_at_max_offset() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(call(&mut c, "SETBIT big 4294967295 1"), b":0\r\n");
    assert_eq!(call(&mut c, "STRLEN big"), b":536870912\r\n");
    assert_eq!(call(&mut c, "BITCOUNT big"), b":1\r\n");
    assert_eq!(call(&mut c, "BITPOS big 1"), b":4294967295\r\n");
    assert_eq!(call(&mut c, "GETBIT big 4294967295"), b":1\r\n");
    assert_eq!(call(&mut c, "DEL big"), b":1\r\n");
}

#[test]
fn setbit_getbit() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("SETBIT b 7 1", b":0\r\n"),
            ("GET b", b"$1\r\n\x01\r\n"),
            ("@enc b", b"raw"),
            ("SETBIT b 7 1", b":1\r\n"),
            ("SETBIT b 7 0", b":1\r\n"),
            ("SETBIT b 100 1", b":0\r\n"),
            ("STRLEN b", b":13\r\n"),
            ("GETBIT b 7", b":0\r\n"),
            ("GETBIT b 100", b":1\r\n"),
            ("GETBIT b 99", b":0\r\n"),
            ("GETBIT b 1000000", b":0\r\n"),
            ("GETBIT nokey 5", b":0\r\n"),
            (
                "SETBIT b -1 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b abc 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b 1.5 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            ("SETBIT b 4294967295 1", b":0\r\n"),
            ("STRLEN b", b":536870912\r\n"),
            ("GETBIT b 4294967295", b":1\r\n"),
            (
                "SETBIT b 4294967296 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT b 4294967296",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT b -1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b 1 2",
                b"-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b 1 -1",
                b"-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b 1 x",
                b"-ERR bit is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b x x",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "SETBIT b 1",
                b"-ERR wrong number of arguments for 'setbit' command\r\n",
            ),
            ("SET n 123", b"+OK\r\n"),
            ("GETBIT n 2", b":1\r\n"),
            ("GETBIT n 7", b":1\r\n"),
            ("@enc n", b"int"),
            ("SETBIT n 7 1", b":1\r\n"),
            ("GET n", b"$3\r\n123\r\n"),
            ("@enc n", b"raw"),
            ("SET e \"\"", b"+OK\r\n"),
            ("SETBIT e 0 0", b":0\r\n"),
            ("GET e", b"$1\r\n\x00\r\n"),
            ("SET s abc", b"+OK\r\n"),
            ("SETBIT s 0 0", b":0\r\n"),
            ("@enc s", b"raw"),
            ("CONFIG SET proto-max-bulk-len 1048576", b"+OK\r\n"),
            ("SETBIT big 8388607 1", b":0\r\n"),
            ("STRLEN big", b":1048576\r\n"),
            (
                "SETBIT big 8388608 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT big 8388608",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
        ],
    );
}

#[test]
fn bitcount_cases() {
    let s = TestServer::start_with(&[]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("SET s foobar", b"+OK\r\n"),
            ("BITCOUNT s", b":26\r\n"),
            ("BITCOUNT s 0 0", b":4\r\n"),
            ("BITCOUNT s 1 1", b":6\r\n"),
            ("BITCOUNT s 1 1 BYTE", b":6\r\n"),
            ("BITCOUNT s 5 30 BIT", b":17\r\n"),
            ("BITCOUNT s 5 30 bit", b":17\r\n"),
            ("BITCOUNT s 0 -1 bit", b":26\r\n"),
            ("BITCOUNT s -5 -1 bit", b":2\r\n"),
            ("BITCOUNT s -1 -5", b":0\r\n"),
            ("BITCOUNT s -1 -5 bit", b":0\r\n"),
            ("BITCOUNT s 0", b"-ERR syntax error\r\n"),
            ("BITCOUNT s 0 1 2", b"-ERR syntax error\r\n"),
            ("BITCOUNT s 0 1 foo", b"-ERR syntax error\r\n"),
            (
                "BITCOUNT s a 1",
                b"-ERR value is not an integer or out of range\r\n",
            ),
            (
                "BITCOUNT s 0 a foo",
                b"-ERR value is not an integer or out of range\r\n",
            ),
            ("BITCOUNT s 0 1 BIT extra", b"-ERR syntax error\r\n"),
            ("BITCOUNT s 100 200", b":0\r\n"),
            ("BITCOUNT s -100 -50", b":4\r\n"),
            ("BITCOUNT s -100 100 bit", b":26\r\n"),
            (
                "BITCOUNT s 9223372036854775807 -9223372036854775808",
                b":0\r\n",
            ),
            (
                "BITCOUNT s -9223372036854775808 9223372036854775807 bit",
                b":26\r\n",
            ),
            ("BITCOUNT s 3 3 bit", b":0\r\n"),
            ("BITCOUNT s 7 8 bit", b":0\r\n"),
            ("BITCOUNT s 47 47 bit", b":0\r\n"),
            ("BITCOUNT nokey", b":0\r\n"),
            ("BITCOUNT nokey 0 1 foo", b"-ERR syntax error\r\n"),
            ("BITCOUNT nokey 0 -1 bit", b":0\r\n"),
            ("SET n -12", b"+OK\r\n"),
            ("BITCOUNT n", b":10\r\n"),
            ("BITCOUNT n 0 0", b":4\r\n"),
            ("BITCOUNT n 1 -1 bit", b":10\r\n"),
            ("SET e \"\"", b"+OK\r\n"),
            ("BITCOUNT e", b":0\r\n"),
            ("BITCOUNT e 0 -1", b":0\r\n"),
            ("BITCOUNT e 0 -1 bit", b":0\r\n"),
            ("SET f \\xff\\xf0\\x00\\x01", b"+OK\r\n"),
            ("BITCOUNT f", b":13\r\n"),
            ("BITCOUNT f 1 2", b":4\r\n"),
            ("BITCOUNT f 4 27 bit", b":8\r\n"),
            ("BITCOUNT f -4 -1 bit", b":1\r\n"),
        ],
    );
}

#[test]
fn bitpos_cases() {
    let s = TestServer::start_with(&[]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("SET e \"\"", b"+OK\r\n"),
            ("BITPOS e 0", b":-1\r\n"),
            ("BITPOS e 1", b":-1\r\n"),
            ("BITPOS e 0 0", b":-1\r\n"),
            ("BITPOS e 0 0 -1", b":-1\r\n"),
            ("SET m \\xff\\xf0\\x00", b"+OK\r\n"),
            ("BITPOS m 0", b":12\r\n"),
            ("BITPOS m 1", b":0\r\n"),
            ("BITPOS m 0 1", b":12\r\n"),
            ("BITPOS m 1 2", b":-1\r\n"),
            ("BITPOS m 1 2 -1", b":-1\r\n"),
            ("BITPOS m 0 0 -1", b":12\r\n"),
            ("BITPOS m 0 3 bit", b"-ERR value is not an integer or out of range\r\n"),
            ("BITPOS m 0 3 15 bit", b":12\r\n"),
            ("BITPOS m 0 12 15 bit", b":12\r\n"),
            ("BITPOS m 1 12 15 bit", b":-1\r\n"),
            ("BITPOS m 1 7 15 bit", b":7\r\n"),
            ("BITPOS m 0 0 11 bit", b":-1\r\n"),
            ("BITPOS m 0 0 12 bit", b":12\r\n"),
            ("BITPOS m 0 0 12 BYTE", b":12\r\n"),
            ("BITPOS m 1 -1 -1", b":-1\r\n"),
            ("BITPOS m 0 -1 -1", b":16\r\n"),
            ("SET f \\xff\\xff\\xff", b"+OK\r\n"),
            ("BITPOS f 0", b":24\r\n"),
            ("BITPOS f 0 0", b":24\r\n"),
            ("BITPOS f 0 0 -1", b":-1\r\n"),
            ("BITPOS f 0 1 bit", b"-ERR value is not an integer or out of range\r\n"),
            ("BITPOS f 0 1 20 bit", b":-1\r\n"),
            ("BITPOS f 0 1 100 bit", b":-1\r\n"),
            ("BITPOS f 1 -1", b":16\r\n"),
            ("BITPOS f 1 -100", b":0\r\n"),
            ("BITPOS f 0 -1 -1 bit", b":-1\r\n"),
            ("BITPOS f 0 5 2", b":-1\r\n"),
            ("SET z \\x00\\x00", b"+OK\r\n"),
            ("BITPOS z 1", b":-1\r\n"),
            ("BITPOS z 1 0 -1 bit", b":-1\r\n"),
            ("BITPOS z 0", b":0\r\n"),
            ("BITPOS z 0 1", b":8\r\n"),
            ("BITPOS z 0 3 7 bit", b":3\r\n"),
            ("BITPOS nokey 0", b":0\r\n"),
            ("BITPOS nokey 1", b":-1\r\n"),
            ("BITPOS nokey 1 0 5 bit", b":-1\r\n"),
            ("BITPOS nokey 0 0 5 foo", b"-ERR syntax error\r\n"),
            ("BITPOS nokey 2", b"-ERR The bit argument must be 1 or 0.\r\n"),
            ("BITPOS m 2", b"-ERR The bit argument must be 1 or 0.\r\n"),
            ("BITPOS m -1", b"-ERR The bit argument must be 1 or 0.\r\n"),
            ("BITPOS m x", b"-ERR value is not an integer or out of range\r\n"),
            ("BITPOS m 1 x", b"-ERR value is not an integer or out of range\r\n"),
            ("BITPOS m 1 0 x", b"-ERR value is not an integer or out of range\r\n"),
            ("BITPOS m 1 0 x foo", b"-ERR syntax error\r\n"),
            ("BITPOS m 1 0 1 foo", b"-ERR syntax error\r\n"),
            ("BITPOS m 1 0 1 2 3", b"-ERR syntax error\r\n"),
            ("SET n 123", b"+OK\r\n"),
            ("BITPOS n 1", b":2\r\n"),
            ("BITPOS n 0 1 -1", b":8\r\n"),
            ("BITPOS m 1 -9223372036854775808 9223372036854775807 bit", b":0\r\n"),
            ("BITPOS m 0 9223372036854775807 -9223372036854775808", b":-1\r\n"),
            ("SET w \\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01", b"+OK\r\n"),
            ("BITPOS w 1", b":159\r\n"),
            ("BITPOS w 1 3", b":159\r\n"),
            ("BITPOS w 0 3", b":24\r\n"),
            ("BITPOS w 1 3 -2", b":-1\r\n"),
        ],
    );
}

#[test]
fn bitop_cases() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("SET k1 foobar", b"+OK\r\n"),
            ("SET k2 abcdef", b"+OK\r\n"),
            ("BITOP AND dest k1 k2", b":6\r\n"),
            ("GET dest", b"$6\r\n`bc`ab\r\n"),
            ("@enc dest", b"raw"),
            ("BITOP OR dest k1 k2", b":6\r\n"),
            ("GET dest", b"$6\r\ngoofev\r\n"),
            ("BITOP XOR dest k1 k2", b":6\r\n"),
            ("GET dest", b"$6\r\n\x07\r\x0c\x06\x04\x14\r\n"),
            ("BITOP NOT dest k1", b":6\r\n"),
            ("GET dest", b"$6\r\n\x99\x90\x90\x9d\x9e\x8d\r\n"),
            ("BITOP not dest k1 k2", b"-ERR BITOP NOT must be called with a single source key.\r\n"),
            ("BITOP foo dest k1", b"-ERR syntax error\r\n"),
            ("BITOP AND dest nokey nokey2", b":0\r\n"),
            ("EXISTS dest", b":0\r\n"),
            ("BITOP AND dest k1 nokey", b":6\r\n"),
            ("GET dest", b"$6\r\n\x00\x00\x00\x00\x00\x00\r\n"),
            ("SET n 12", b"+OK\r\n"),
            ("SET e \"\"", b"+OK\r\n"),
            ("BITOP OR dest k1 n e", b":6\r\n"),
            ("GET dest", b"$6\r\nw\x7fobar\r\n"),
            ("BITOP XOR dest n", b":2\r\n"),
            ("GET dest", b"$2\r\n12\r\n"),
            ("BITOP NOT dest2 n", b":2\r\n"),
            ("GET dest2", b"$2\r\n\xce\xcd\r\n"),
            ("BITOP AND dest e", b":0\r\n"),
            ("EXISTS dest", b":0\r\n"),
            ("SET long 0123456789012345678901234567890123456789", b"+OK\r\n"),
            ("SET short \\xff", b"+OK\r\n"),
            ("BITOP AND dest long short", b":40\r\n"),
            ("GET dest", b"$40\r\n0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\r\n"),
            ("BITOP OR dest long short k1", b":40\r\n"),
            ("GET dest", b"$40\r\n\xff\x7f\x7fsuw6789012345678901234567890123456789\r\n"),
            ("BITOP XOR dest long long", b":40\r\n"),
            ("GET dest", b"$40\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\r\n"),
            ("BITOP NOT dest long", b":40\r\n"),
            ("GET dest", b"$40\r\n\xcf\xce\xcd\xcc\xcb\xca\xc9\xc8\xc7\xc6\xcf\xce\xcd\xcc\xcb\xca\xc9\xc8\xc7\xc6\xcf\xce\xcd\xcc\xcb\xca\xc9\xc8\xc7\xc6\xcf\xce\xcd\xcc\xcb\xca\xc9\xc8\xc7\xc6\r\n"),
            ("BITOP AND dest", b"-ERR wrong number of arguments for 'bitop' command\r\n"),
        ],
    );
}

#[test]
fn bitfield_cases() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("BITFIELD bf SET i8 0 100 GET i8 0", b"*2\r\n:0\r\n:100\r\n"),
            ("BITFIELD bf INCRBY i8 0 100", b"*1\r\n:-56\r\n"),
            ("BITFIELD bf OVERFLOW SAT INCRBY i8 0 100", b"*1\r\n:44\r\n"),
            ("BITFIELD bf OVERFLOW FAIL INCRBY i8 0 100", b"*1\r\n$-1\r\n"),
            ("BITFIELD bf OVERFLOW WRAP INCRBY i8 0 100", b"*1\r\n:-112\r\n"),
            ("BITFIELD bf overflow sat incrby i8 0 -300", b"*1\r\n:-128\r\n"),
            ("BITFIELD bf OVERFLOW foo INCRBY i8 0 100", b"-ERR Invalid OVERFLOW type specified\r\n"),
            ("BITFIELD bf GET u8 0 GET i8 0 GET u4 4 GET i4 4", b"*4\r\n:128\r\n:-128\r\n:0\r\n:0\r\n"),
            ("BITFIELD bf GET u64 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i64 0", b"*1\r\n:-9223372036854775808\r\n"),
            ("BITFIELD bf GET i65 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET u63 0", b"*1\r\n:4611686018427387904\r\n"),
            ("BITFIELD bf GET I8 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET U8 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i0 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET x8 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET i08 0", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf GET u8 -1", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET u8 #1", b"*1\r\n:0\r\n"),
            ("BITFIELD bf GET u8 #-1", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET u8 #x", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf GET u8 ##1", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf SET u8 #2 255 GET u8 #2", b"*2\r\n:0\r\n:255\r\n"),
            ("BITFIELD bf SET u8 0", b"-ERR syntax error\r\n"),
            ("BITFIELD bf SET u8 0 x", b"-ERR value is not an integer or out of range\r\n"),
            ("BITFIELD bf SET u8 x 1", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD bf SET x8 x x", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD bf foo", b"-ERR syntax error\r\n"),
            ("BITFIELD bf GET u8", b"-ERR syntax error\r\n"),
            ("BITFIELD bf", b"*0\r\n"),
            ("BITFIELD bf OVERFLOW SAT", b"*0\r\n"),
            ("BITFIELD bf OVERFLOW", b"-ERR syntax error\r\n"),
            ("BITFIELD bf GET u8 0 foo", b"-ERR syntax error\r\n"),
            ("GET bf", b"$3\r\n\x80\x00\xff\r\n"),
            ("@enc bf", b"raw"),
            ("BITFIELD nokey2 GET u8 0", b"*1\r\n:0\r\n"),
            ("EXISTS nokey2", b":0\r\n"),
            ("BITFIELD nokey3 OVERFLOW FAIL INCRBY u2 0 10", b"*1\r\n$-1\r\n"),
            ("EXISTS nokey3", b":1\r\n"),
            ("GET nokey3", b"$1\r\n\x00\r\n"),
            ("BITFIELD i64 SET i64 0 -9223372036854775808 INCRBY i64 0 -1", b"*2\r\n:0\r\n:9223372036854775807\r\n"),
            ("BITFIELD i64 OVERFLOW SAT INCRBY i64 0 -1", b"*1\r\n:9223372036854775806\r\n"),
            ("BITFIELD i64 OVERFLOW FAIL INCRBY i64 0 -1", b"*1\r\n:9223372036854775805\r\n"),
            ("BITFIELD i64 OVERFLOW SAT INCRBY i64 0 9223372036854775807 INCRBY i64 0 1", b"*2\r\n:9223372036854775807\r\n:9223372036854775807\r\n"),
            ("BITFIELD u63 SET u63 0 9223372036854775807 INCRBY u63 0 1", b"*2\r\n:0\r\n:0\r\n"),
            ("BITFIELD u63 OVERFLOW SAT INCRBY u63 0 -1 INCRBY u63 0 -9223372036854775808", b"*2\r\n:0\r\n:0\r\n"),
            ("BITFIELD s OVERFLOW SAT SET u2 0 10 GET u2 0", b"*2\r\n:0\r\n:3\r\n"),
            ("BITFIELD s OVERFLOW SAT SET i2 0 10 GET i2 0", b"*2\r\n:-1\r\n:1\r\n"),
            ("BITFIELD s OVERFLOW SAT SET i2 0 -10 GET i2 0", b"*2\r\n:1\r\n:-2\r\n"),
            ("BITFIELD s OVERFLOW FAIL SET i2 0 -10 GET i2 0", b"*2\r\n$-1\r\n:-2\r\n"),
            ("BITFIELD s OVERFLOW WRAP SET i2 0 -10 GET i2 0", b"*2\r\n:-2\r\n:-2\r\n"),
            ("BITFIELD s OVERFLOW WRAP SET u2 0 -10 GET u2 0", b"*2\r\n:2\r\n:2\r\n"),
            ("BITFIELD s INCRBY u2 100 1 INCRBY u2 100 1 INCRBY u2 100 1 INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1 INCRBY u2 102 1 INCRBY u2 102 1 INCRBY u2 102 -5", b"*8\r\n:1\r\n:2\r\n:3\r\n:0\r\n:1\r\n:2\r\n:3\r\n:0\r\n"),
            ("BITFIELD s OVERFLOW WRAP INCRBY i5 100 1 INCRBY i5 100 -100 INCRBY i5 100 100 INCRBY i5 100 9223372036854775807", b"*4\r\n:1\r\n:-3\r\n:1\r\n:0\r\n"),
            ("BITFIELD s OVERFLOW SAT INCRBY i5 200 -9223372036854775808 INCRBY i5 200 9223372036854775807", b"*2\r\n:-16\r\n:15\r\n"),
            ("BITFIELD s OVERFLOW SAT INCRBY u5 300 -9223372036854775808 INCRBY u5 300 9223372036854775807", b"*2\r\n:0\r\n:31\r\n"),
            ("BITFIELD s OVERFLOW WRAP INCRBY u5 300 -9223372036854775808 INCRBY u5 300 9223372036854775807", b"*2\r\n:31\r\n:30\r\n"),
            ("BITFIELD s SET i3 5 3 SET u7 13 100 GET i3 5 GET u7 13 GET u16 0", b"*5\r\n:0\r\n:0\r\n:3\r\n:100\r\n:33542\r\n"),
            ("STRLEN s", b":39\r\n"),
            ("BITFIELD s GET u8 4294967288", b"*1\r\n:0\r\n"),
            ("BITFIELD s GET u8 4294967289", b"*1\r\n:0\r\n"),
            ("BITFIELD s GET u8 #536870911", b"*1\r\n:0\r\n"),
            ("BITFIELD s GET i64 #67108863", b"*1\r\n:0\r\n"),
            ("BITFIELD s GET i64 #67108864", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD s GET i64 #9223372036854775807", b"-ERR bit offset is not an integer or out of range\r\n"),
            ("SET n 255", b"+OK\r\n"),
            ("BITFIELD n GET u8 0 GET u8 8 GET u16 0", b"*3\r\n:50\r\n:53\r\n:12853\r\n"),
            ("BITFIELD n SET u8 0 50", b"*1\r\n:50\r\n"),
            ("GET n", b"$3\r\n255\r\n"),
            ("@enc n", b"raw"),
            ("BITFIELD_RO bf GET u8 0 GET i4 2", b"*2\r\n:128\r\n:0\r\n"),
            ("BITFIELD_RO bf SET u8 0 1", b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            ("BITFIELD_RO bf INCRBY u8 0 1", b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            ("BITFIELD_RO bf GET u8 0 OVERFLOW SAT", b"*1\r\n:128\r\n"),
            ("BITFIELD_RO bf SET u8 0 x", b"-ERR value is not an integer or out of range\r\n"),
            ("BITFIELD_RO bf SET x8 0 1", b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"),
            ("BITFIELD_RO bf GET u8", b"-ERR syntax error\r\n"),
            ("BITFIELD_RO bf", b"*0\r\n"),
            ("BITFIELD_RO nokey GET u8 0", b"*1\r\n:0\r\n"),
            ("EXISTS nokey", b":0\r\n"),
            ("!HELLO 3", b""),
            ("BITFIELD bf OVERFLOW FAIL INCRBY u2 0 10 GET u8 0", b"*2\r\n_\r\n:128\r\n"),
        ],
    );
}

#[test]
fn bitmaps_wrong_type() {
    let s = TestServer::start_with(&[]);
    let mut c = s.raw();
    check(
        &mut c,
        &[
            ("?SADD l a", b":1\r\n"),
            (
                "SETBIT l 0 1",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "SETBIT l -1 1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "GETBIT l 0",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "GETBIT l -1",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            (
                "BITCOUNT l",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("BITCOUNT l 0 1 foo", b"-ERR syntax error\r\n"),
            (
                "BITCOUNT l 0 1",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                "BITPOS l 1",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("BITPOS l 2", b"-ERR The bit argument must be 1 or 0.\r\n"),
            ("BITPOS l 1 0 1 foo", b"-ERR syntax error\r\n"),
            ("SET k1 foo", b"+OK\r\n"),
            (
                "BITOP OR dest k1 l",
                b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            ("EXISTS dest", b":0\r\n"),
            ("BITOP OR l k1", b":3\r\n"),
            ("TYPE l", b"+string\r\n"),
            ("GET l", b"$3\r\nfoo\r\n"),
            ("SADD l2 a", b":1\r\n"),
            ("BITOP OR l2 nokey", b":0\r\n"),
            ("EXISTS l2", b":0\r\n"),
            ("BITFIELD l GET u8 0", b"*1\r\n:102\r\n"),
            ("BITFIELD l SET u8 0 1", b"*1\r\n:102\r\n"),
            (
                "BITFIELD l GET u8 x",
                b"-ERR bit offset is not an integer or out of range\r\n",
            ),
            ("BITFIELD_RO l GET u8 0", b"*1\r\n:1\r\n"),
            (
                "BITFIELD_RO l SET u8 0 1",
                b"-ERR BITFIELD_RO only supports the GET subcommand\r\n",
            ),
        ],
    );
}
