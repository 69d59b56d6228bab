//! Sorted sets: every command, its errors, RESP2/RESP3 reply shapes, encodings and
//! conversions, blocking pops, and large sets in the skiplist encoding checked against a
//! model. Expected replies were taken from Redis 7.4.

use coil_tests::{RawConn, TestServer};
use std::time::{Duration, Instant};

/// Sends a command and returns its raw reply.
fn q(c: &mut RawConn, args: &[&str]) -> String {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.cmd(&a);
    c.read_reply()
}

/// Splits a command line on spaces and runs it.
fn r(c: &mut RawConn, line: &str) -> String {
    let args: Vec<&str> = line.split(' ').collect();
    q(c, &args)
}

/// A bulk string.
fn b(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

/// An array of already-encoded elements.
fn a(items: &[String]) -> String {
    format!("*{}\r\n{}", items.len(), items.concat())
}

/// An array of bulk strings.
fn ab(items: &[&str]) -> String {
    a(&items.iter().map(|s| b(s)).collect::<Vec<_>>())
}

/// An integer.
fn i(n: i64) -> String {
    format!(":{n}\r\n")
}

/// An error reply.
fn e(text: &str) -> String {
    format!("-{text}\r\n")
}

/// A RESP3 double.
fn d(s: &str) -> String {
    format!(",{s}\r\n")
}

const NIL: &str = "$-1\r\n";
const NIL_ARRAY: &str = "*-1\r\n";
const EMPTY: &str = "*0\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

fn server() -> TestServer {
    TestServer::start_with(&["--enable-debug-command", "yes"])
}

/// The encoding `DEBUG OBJECT` reports.
fn encoding(c: &mut RawConn, key: &str) -> String {
    let reply = q(c, &["DEBUG", "OBJECT", key]);
    reply
        .split(' ')
        .find_map(|w| w.strip_prefix("encoding:"))
        .unwrap_or("")
        .to_string()
}

/// A RESP3 connection.
fn raw3(s: &TestServer) -> RawConn {
    let mut c = s.raw();
    q(&mut c, &["HELLO", "3"]);
    c
}

#[test]
fn zadd_options_and_errors() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(r(&mut c, "ZADD z 1 a 2 b 3 c"), i(3));
    assert_eq!(r(&mut c, "ZADD z NX 5 a 6 d"), i(1));
    assert_eq!(r(&mut c, "ZSCORE z a"), b("1"));
    assert_eq!(r(&mut c, "ZADD z XX CH 10 a 20 zz"), i(1));
    assert_eq!(r(&mut c, "ZSCORE z zz"), NIL);
    assert_eq!(r(&mut c, "ZADD z GT CH 5 a 15 b"), i(1));
    assert_eq!(r(&mut c, "ZADD z LT CH 5 a"), i(1));
    assert_eq!(r(&mut c, "ZADD z LT CH 50 a"), i(0));
    assert_eq!(r(&mut c, "ZADD z CH 5 a 7 e"), i(1));
    assert_eq!(r(&mut c, "ZADD z INCR 2.5 a"), b("7.5"));
    assert_eq!(r(&mut c, "ZADD z INCR NX 2.5 a"), NIL);
    assert_eq!(r(&mut c, "ZADD z INCR GT -1 a"), NIL);
    assert_eq!(
        r(&mut c, "ZADD z NX XX 1 a"),
        e("ERR XX and NX options at the same time are not compatible")
    );
    for line in ["ZADD z GT LT 1 a", "ZADD z GT NX 1 a", "ZADD z LT NX 1 a"] {
        assert_eq!(
            r(&mut c, line),
            e("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
    }
    assert_eq!(
        r(&mut c, "ZADD z INCR 1 a 2 b"),
        e("ERR INCR option supports a single increment-element pair")
    );
    assert_eq!(r(&mut c, "ZADD z 1 a 2"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZADD z NX 1"), e("ERR syntax error"));
    assert_eq!(
        r(&mut c, "ZADD z NX"),
        e("ERR wrong number of arguments for 'zadd' command")
    );
    assert_eq!(
        r(&mut c, "ZADD z 1 x abc y"),
        e("ERR value is not a valid float")
    );
    assert_eq!(
        r(&mut c, "ZSCORE z x"),
        NIL,
        "nothing added on a parse error"
    );
    assert_eq!(
        r(&mut c, "ZADD z nan a"),
        e("ERR value is not a valid float")
    );
    assert_eq!(
        q(&mut c, &["ZADD", "z", "", "a"]),
        e("ERR value is not a valid float")
    );
    assert_eq!(r(&mut c, "ZADD z inf i"), i(1));
    assert_eq!(
        r(&mut c, "ZADD z INCR -inf i"),
        e("ERR resulting score is not a number (NaN)")
    );
    assert_eq!(r(&mut c, "ZADD nokey XX 1 a"), i(0));
    assert_eq!(r(&mut c, "ZADD nokey XX INCR 1 a"), NIL);
    assert_eq!(r(&mut c, "EXISTS nokey"), i(0));
    assert_eq!(r(&mut c, "ZADD z 0x10 hex 1e3 exp"), i(2));
    assert_eq!(r(&mut c, "ZSCORE z hex"), b("16"));
    assert_eq!(r(&mut c, "ZSCORE z exp"), b("1000"));
    assert_eq!(
        r(&mut c, "ZADD"),
        e("ERR wrong number of arguments for 'zadd' command")
    );
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZADD str 1 a"), WRONGTYPE);
}

#[test]
fn zincrby_and_scores() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(r(&mut c, "ZINCRBY z 1 a"), b("1"));
    assert_eq!(r(&mut c, "ZINCRBY z -3.5 a"), b("-2.5"));
    assert_eq!(
        r(&mut c, "ZINCRBY z x a"),
        e("ERR value is not a valid float")
    );
    assert_eq!(r(&mut c, "ZINCRBY z nx a"), e("ERR syntax error"));
    r(&mut c, "ZADD z inf i");
    assert_eq!(
        r(&mut c, "ZINCRBY z -inf i"),
        e("ERR resulting score is not a number (NaN)")
    );
    assert_eq!(r(&mut c, "ZSCORE z i"), b("inf"));
    // A listpack stores -0 as 0, but the reply shows the computed score.
    assert_eq!(r(&mut c, "ZINCRBY z -0 neg"), b("-0"));
    assert_eq!(r(&mut c, "ZSCORE z neg"), b("0"));
    assert_eq!(r(&mut c, "ZADD z 0.1 p 1e20 q"), i(2));
    assert_eq!(r(&mut c, "ZINCRBY z 0.2 p"), b("0.30000000000000004"));
    assert_eq!(r(&mut c, "ZSCORE z q"), b("1e+20"));
    assert_eq!(
        r(&mut c, "ZMSCORE z a nosuch p"),
        a(&[b("-2.5"), NIL.into(), b("0.30000000000000004")])
    );
    assert_eq!(r(&mut c, "ZMSCORE nokey a b"), a(&[NIL.into(), NIL.into()]));
    assert_eq!(r(&mut c, "ZSCORE nokey a"), NIL);
    assert_eq!(r(&mut c, "ZCARD z"), i(5));
    assert_eq!(r(&mut c, "ZCARD nokey"), i(0));
    r(&mut c, "SET str x");
    for line in [
        "ZINCRBY str 1 a",
        "ZSCORE str a",
        "ZMSCORE str a",
        "ZCARD str",
    ] {
        assert_eq!(r(&mut c, line), WRONGTYPE, "{line}");
    }
}

#[test]
fn zrank_and_ranges() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD z 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(r(&mut c, "ZRANK z c"), i(2));
    assert_eq!(r(&mut c, "ZREVRANK z c WITHSCORE"), a(&[i(2), b("3")]));
    assert_eq!(r(&mut c, "ZRANK z nosuch"), NIL);
    assert_eq!(r(&mut c, "ZRANK z nosuch WITHSCORE"), NIL_ARRAY);
    assert_eq!(r(&mut c, "ZRANK nokey a WITHSCORE"), NIL_ARRAY);
    assert_eq!(r(&mut c, "ZRANK z a WITHSCORES"), e("ERR syntax error"));
    assert_eq!(
        r(&mut c, "ZRANK z a WITHSCORE x"),
        e("ERR wrong number of arguments for 'zrank' command")
    );

    assert_eq!(r(&mut c, "ZRANGE z 0 -1"), ab(&["a", "b", "c", "d", "e"]));
    assert_eq!(
        r(&mut c, "ZRANGE z 1 2 WITHSCORES"),
        ab(&["b", "2", "c", "3"])
    );
    assert_eq!(r(&mut c, "ZRANGE z -2 100"), ab(&["d", "e"]));
    assert_eq!(r(&mut c, "ZRANGE z 3 1"), EMPTY);
    assert_eq!(r(&mut c, "ZRANGE z 0 1 REV"), ab(&["e", "d"]));
    assert_eq!(
        r(&mut c, "ZREVRANGE z 0 1 WITHSCORES"),
        ab(&["e", "5", "d", "4"])
    );
    assert_eq!(r(&mut c, "ZRANGE nokey 0 -1"), EMPTY);
    assert_eq!(
        r(&mut c, "ZRANGE z (2 +inf BYSCORE LIMIT 1 2"),
        ab(&["d", "e"])
    );
    assert_eq!(
        r(&mut c, "ZRANGE z +inf (2 BYSCORE REV WITHSCORES"),
        ab(&["e", "5", "d", "4", "c", "3"])
    );
    assert_eq!(
        r(&mut c, "ZRANGEBYSCORE z -inf 2 WITHSCORES"),
        ab(&["a", "1", "b", "2"])
    );
    assert_eq!(r(&mut c, "ZRANGEBYSCORE z (1 (3"), ab(&["b"]));
    assert_eq!(
        r(&mut c, "ZREVRANGEBYSCORE z 3 1 LIMIT 0 2"),
        ab(&["c", "b"])
    );
    assert_eq!(r(&mut c, "ZRANGEBYSCORE z 3 1"), EMPTY);
    assert_eq!(
        r(&mut c, "ZRANGEBYSCORE z 1 5 LIMIT 0 -1"),
        ab(&["a", "b", "c", "d", "e"])
    );
    // A listpack ignores a negative offset altogether.
    assert_eq!(r(&mut c, "ZRANGEBYSCORE z 1 5 LIMIT -1 3"), EMPTY);
    // strtod rules: leading blanks, hex, the empty string.
    assert_eq!(
        q(&mut c, &["ZRANGEBYSCORE", "z", " 2", "0x3"]),
        ab(&["b", "c"])
    );
    assert_eq!(q(&mut c, &["ZCOUNT", "z", "", "("]), i(0));
    for bad in ["x", "1 ", "nan", "(nan", "1x"] {
        assert_eq!(
            q(&mut c, &["ZRANGEBYSCORE", "z", bad, "2"]),
            e("ERR min or max is not a float"),
            "{bad:?}"
        );
    }
    assert_eq!(r(&mut c, "ZCOUNT z (1 3"), i(2));
    assert_eq!(r(&mut c, "ZCOUNT z -inf +inf"), i(5));
    assert_eq!(
        r(&mut c, "ZCOUNT z a b"),
        e("ERR min or max is not a float")
    );
    assert_eq!(r(&mut c, "ZCOUNT nokey 0 1"), i(0));

    assert_eq!(
        r(&mut c, "ZRANGE z 0 -1 LIMIT 0 1"),
        e("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    );
    assert_eq!(
        r(&mut c, "ZRANGE z 0 -1 LIMIT 0 -1"),
        ab(&["a", "b", "c", "d", "e"])
    );
    assert_eq!(
        r(&mut c, "ZRANGE z - + BYLEX WITHSCORES"),
        e("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    );
    assert_eq!(
        r(&mut c, "ZRANGE z 0 -1 BYSCORE BYLEX"),
        e("ERR syntax error")
    );
    assert_eq!(r(&mut c, "ZRANGE z 0 -1 REV REV"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZRANGE z 0 -1 LIMIT 0"), e("ERR syntax error"));
    assert_eq!(
        r(&mut c, "ZRANGE z 0 -1 BYSCORE LIMIT x 1"),
        e("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut c, "ZRANGE z x 1"),
        e("ERR value is not an integer or out of range")
    );
    assert_eq!(r(&mut c, "ZRANGEBYSCORE z 0 1 REV"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZREVRANGE z 0 1 BYSCORE"), e("ERR syntax error"));
    r(&mut c, "SET str x");
    for line in [
        "ZRANGE str 0 -1",
        "ZRANK str a",
        "ZCOUNT str 0 1",
        "ZRANGEBYLEX str - +",
    ] {
        assert_eq!(r(&mut c, line), WRONGTYPE, "{line}");
    }
}

#[test]
fn lex_ranges() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g");
    assert_eq!(r(&mut c, "ZRANGEBYLEX l [b (e"), ab(&["b", "c", "d"]));
    assert_eq!(r(&mut c, "ZRANGEBYLEX l (b [e LIMIT 1 2"), ab(&["d", "e"]));
    assert_eq!(r(&mut c, "ZREVRANGEBYLEX l [e (b"), ab(&["e", "d", "c"]));
    assert_eq!(
        r(&mut c, "ZREVRANGEBYLEX l + - LIMIT 5 10"),
        ab(&["b", "a"])
    );
    assert_eq!(r(&mut c, "ZRANGE l [d [b BYLEX REV"), ab(&["d", "c", "b"]));
    assert_eq!(r(&mut c, "ZRANGEBYLEX l + -"), EMPTY);
    assert_eq!(r(&mut c, "ZRANGEBYLEX l [a (a"), EMPTY);
    assert_eq!(r(&mut c, "ZRANGEBYLEX l [a [a"), ab(&["a"]));
    assert_eq!(r(&mut c, "ZLEXCOUNT l - +"), i(7));
    assert_eq!(r(&mut c, "ZLEXCOUNT l [b (e"), i(3));
    assert_eq!(r(&mut c, "ZLEXCOUNT nokey - +"), i(0));
    for line in [
        "ZRANGEBYLEX l b e",
        "ZLEXCOUNT l +x +",
        "ZRANGEBYLEX l [a foo",
        "ZREMRANGEBYLEX l 1 2",
    ] {
        assert_eq!(
            r(&mut c, line),
            e("ERR min or max not valid string range item"),
            "{line}"
        );
    }
    assert_eq!(r(&mut c, "ZREMRANGEBYLEX l [b (d"), i(2));
    assert_eq!(r(&mut c, "ZRANGE l 0 -1"), ab(&["a", "d", "e", "f", "g"]));
    assert_eq!(r(&mut c, "ZREMRANGEBYLEX l - +"), i(5));
    assert_eq!(r(&mut c, "EXISTS l"), i(0));
}

#[test]
fn zrem_and_remrange() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD z 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(r(&mut c, "ZREM z a nosuch b"), i(2));
    assert_eq!(r(&mut c, "ZREM nokey a"), i(0));
    assert_eq!(r(&mut c, "ZREMRANGEBYRANK z 5 10"), i(0));
    assert_eq!(r(&mut c, "ZREMRANGEBYRANK z -1 -1"), i(1));
    assert_eq!(
        r(&mut c, "ZREMRANGEBYRANK z x 1"),
        e("ERR value is not an integer or out of range")
    );
    assert_eq!(r(&mut c, "ZRANGE z 0 -1"), ab(&["c", "d"]));
    assert_eq!(
        r(&mut c, "ZREMRANGEBYSCORE z x 1"),
        e("ERR min or max is not a float")
    );
    assert_eq!(r(&mut c, "ZREMRANGEBYSCORE z (3 +inf"), i(1));
    assert_eq!(r(&mut c, "ZREMRANGEBYSCORE z -inf +inf"), i(1));
    assert_eq!(r(&mut c, "EXISTS z"), i(0));
    assert_eq!(r(&mut c, "ZREMRANGEBYSCORE nokey 0 1"), i(0));
    r(&mut c, "ZADD z 1 a 2 b");
    assert_eq!(r(&mut c, "ZREM z a b c"), i(2));
    assert_eq!(r(&mut c, "EXISTS z"), i(0));
    r(&mut c, "SET str x");
    for line in [
        "ZREM str a",
        "ZREMRANGEBYRANK str 0 1",
        "ZREMRANGEBYSCORE str 0 1",
        "ZREMRANGEBYLEX str - +",
    ] {
        assert_eq!(r(&mut c, line), WRONGTYPE, "{line}");
    }
}

#[test]
fn set_operations() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD m 1 a 2 b 3 c");
    r(&mut c, "ZADD n 10 b 20 c 30 d");
    q(&mut c, &["SADD", "s", "a", "d", "x"]);
    assert_eq!(r(&mut c, "ZUNION 2 m n"), ab(&["a", "b", "c", "d"]));
    assert_eq!(
        r(&mut c, "ZUNION 2 m n WITHSCORES"),
        ab(&["a", "1", "b", "12", "c", "23", "d", "30"])
    );
    assert_eq!(
        r(&mut c, "ZUNION 2 m n WEIGHTS 2 3 AGGREGATE MAX WITHSCORES"),
        ab(&["a", "2", "b", "30", "c", "60", "d", "90"])
    );
    assert_eq!(
        r(&mut c, "ZINTER 2 m n AGGREGATE MIN WITHSCORES"),
        ab(&["b", "2", "c", "3"])
    );
    assert_eq!(r(&mut c, "ZDIFF 2 m n WITHSCORES"), ab(&["a", "1"]));
    assert_eq!(r(&mut c, "ZDIFF 2 m m"), EMPTY);
    assert_eq!(r(&mut c, "ZINTERCARD 2 m n"), i(2));
    assert_eq!(r(&mut c, "ZINTERCARD 2 m n LIMIT 1"), i(1));
    assert_eq!(r(&mut c, "ZINTERCARD 2 m nokey"), i(0));
    // Plain sets count with score 1, when the set family is there.
    if r(&mut c, "TYPE s") == "+set\r\n" {
        assert_eq!(
            r(&mut c, "ZUNION 3 m n s WITHSCORES"),
            ab(&["x", "1", "a", "2", "b", "12", "c", "23", "d", "31"])
        );
        assert_eq!(r(&mut c, "ZINTER 2 m s WITHSCORES"), ab(&["a", "2"]));
        assert_eq!(r(&mut c, "ZDIFF 2 s m"), ab(&["d", "x"]));
        assert_eq!(r(&mut c, "ZINTERCARD 3 m n s"), i(0));
    }
    // inf + -inf sums to 0; 0 * inf is 0.
    r(&mut c, "ZADD i1 inf a -inf b");
    r(&mut c, "ZADD i2 -inf a inf b");
    assert_eq!(
        r(&mut c, "ZUNION 2 i1 i2 WITHSCORES"),
        ab(&["a", "0", "b", "0"])
    );
    assert_eq!(
        r(&mut c, "ZINTER 2 i1 i2 WEIGHTS 0 0 WITHSCORES"),
        ab(&["a", "0", "b", "0"])
    );
    // Negative zero survives in a reply but not in a stored listpack.
    r(&mut c, "ZADD nz 0 a");
    assert_eq!(
        r(&mut c, "ZUNION 1 nz WEIGHTS -1 WITHSCORES"),
        ab(&["a", "-0"])
    );
    assert_eq!(r(&mut c, "ZUNIONSTORE nzd 1 nz WEIGHTS -1"), i(1));
    assert_eq!(r(&mut c, "ZSCORE nzd a"), b("0"));

    assert_eq!(r(&mut c, "ZUNIONSTORE d 2 m n"), i(4));
    assert_eq!(
        r(&mut c, "ZRANGE d 0 -1 WITHSCORES"),
        ab(&["a", "1", "b", "12", "c", "23", "d", "30"])
    );
    assert_eq!(r(&mut c, "ZINTERSTORE d 2 m n WEIGHTS 2 2"), i(2));
    assert_eq!(
        r(&mut c, "ZRANGE d 0 -1 WITHSCORES"),
        ab(&["b", "24", "c", "46"])
    );
    assert_eq!(r(&mut c, "ZDIFFSTORE d 2 m n"), i(1));
    assert_eq!(r(&mut c, "ZDIFFSTORE d 2 m m"), i(0));
    assert_eq!(r(&mut c, "EXISTS d"), i(0));
    assert_eq!(r(&mut c, "ZUNIONSTORE d 2 nokey1 nokey2"), i(0));
    assert_eq!(r(&mut c, "EXISTS d"), i(0));

    let at_least = |cmd: &str| {
        e(&format!(
            "ERR at least 1 input key is needed for '{cmd}' command"
        ))
    };
    assert_eq!(r(&mut c, "ZUNION 0 m"), at_least("zunion"));
    assert_eq!(r(&mut c, "ZINTERCARD 0 m"), at_least("zintercard"));
    assert_eq!(r(&mut c, "ZUNIONSTORE d -1 m"), at_least("zunionstore"));
    for line in [
        "ZUNION 3 m n",
        "ZUNION 2 m n WEIGHTS 1",
        "ZUNION 2 m n AGGREGATE avg",
        "ZUNION 2 m n AGGREGATE",
        "ZDIFF 2 m n WEIGHTS 1 1",
        "ZUNIONSTORE d 2 m n WITHSCORES",
        "ZINTERCARD 1 m WITHSCORES",
    ] {
        assert_eq!(r(&mut c, line), e("ERR syntax error"), "{line}");
    }
    assert_eq!(
        r(&mut c, "ZUNION x m"),
        e("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut c, "ZUNION 2 m n WEIGHTS 1 x"),
        e("ERR weight value is not a float")
    );
    assert_eq!(
        r(&mut c, "ZINTERCARD 1 m LIMIT -1"),
        e("ERR LIMIT can't be negative")
    );
    assert_eq!(
        r(&mut c, "ZINTERCARD 1 m LIMIT x"),
        e("ERR LIMIT can't be negative")
    );
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZUNION 2 m str"), WRONGTYPE);
    // WRONGTYPE comes before option errors.
    assert_eq!(r(&mut c, "ZINTER 2 m str WEIGHTS x y"), WRONGTYPE);
}

#[test]
fn zrangestore() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD m 1 a 2 b 3 c");
    assert_eq!(r(&mut c, "ZRANGESTORE dst m 0 -1"), i(3));
    assert_eq!(
        r(&mut c, "ZRANGE dst 0 -1 WITHSCORES"),
        ab(&["a", "1", "b", "2", "c", "3"])
    );
    assert_eq!(
        r(&mut c, "ZRANGESTORE dst m (1 +inf BYSCORE LIMIT 0 1"),
        i(1)
    );
    assert_eq!(r(&mut c, "ZRANGE dst 0 -1 WITHSCORES"), ab(&["b", "2"]));
    // REV swaps the ends: this range is empty.
    assert_eq!(r(&mut c, "ZRANGESTORE dst m [b + BYLEX REV"), i(0));
    assert_eq!(r(&mut c, "EXISTS dst"), i(0));
    assert_eq!(r(&mut c, "ZRANGESTORE dst m + [b BYLEX REV"), i(2));
    assert_eq!(r(&mut c, "ZRANGE dst 0 -1"), ab(&["b", "c"]));
    assert_eq!(
        r(&mut c, "ZRANGESTORE dst m 0 -1 WITHSCORES"),
        e("ERR syntax error")
    );
    assert_eq!(r(&mut c, "ZRANGESTORE dst m 5 10"), i(0));
    assert_eq!(r(&mut c, "EXISTS dst"), i(0));
    r(&mut c, "ZADD dst 1 x");
    assert_eq!(r(&mut c, "ZRANGESTORE dst nokey 0 -1"), i(0));
    assert_eq!(r(&mut c, "EXISTS dst"), i(0));
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZRANGESTORE dst str 0 -1"), WRONGTYPE);
    // The destination is overwritten whatever its type, and loses its TTL.
    r(&mut c, "SET dst2 x EX 100");
    assert_eq!(r(&mut c, "ZRANGESTORE dst2 m 0 0"), i(1));
    assert_eq!(r(&mut c, "TYPE dst2"), "+zset\r\n");
    let ttl = r(&mut c, "TTL dst2");
    assert!(
        ttl == ":-1\r\n" || ttl.starts_with("-ERR unknown command"),
        "{ttl}"
    );
}

#[test]
fn pops() {
    let s = server();
    let mut c = s.raw();
    r(&mut c, "ZADD p 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(r(&mut c, "ZPOPMIN p"), ab(&["a", "1"]));
    assert_eq!(r(&mut c, "ZPOPMAX p"), ab(&["e", "5"]));
    assert_eq!(r(&mut c, "ZPOPMIN p 2"), ab(&["b", "2", "c", "3"]));
    assert_eq!(r(&mut c, "ZPOPMIN p 0"), EMPTY);
    assert_eq!(
        r(&mut c, "ZPOPMIN p -1"),
        e("ERR value is out of range, must be positive")
    );
    assert_eq!(
        r(&mut c, "ZPOPMIN p x"),
        e("ERR value is out of range, must be positive")
    );
    assert_eq!(r(&mut c, "ZPOPMIN p 1 2"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZPOPMAX p 10"), ab(&["d", "4"]));
    assert_eq!(r(&mut c, "EXISTS p"), i(0));
    assert_eq!(r(&mut c, "ZPOPMIN p"), EMPTY);
    assert_eq!(r(&mut c, "ZPOPMIN p 3"), EMPTY);

    r(&mut c, "ZADD p 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(
        r(&mut c, "ZMPOP 1 p MIN"),
        a(&[b("p"), a(&[ab(&["a", "1"])])])
    );
    assert_eq!(
        r(&mut c, "ZMPOP 2 nokey p MAX COUNT 2"),
        a(&[b("p"), a(&[ab(&["e", "5"]), ab(&["d", "4"])])])
    );
    assert_eq!(r(&mut c, "ZMPOP 1 nokey MIN"), NIL_ARRAY);
    assert_eq!(
        r(&mut c, "ZMPOP 0 p MIN"),
        e("ERR numkeys should be greater than 0")
    );
    assert_eq!(
        r(&mut c, "ZMPOP x p MIN"),
        e("ERR numkeys should be greater than 0")
    );
    assert_eq!(
        r(&mut c, "ZMPOP 1 p"),
        e("ERR wrong number of arguments for 'zmpop' command")
    );
    assert_eq!(r(&mut c, "ZMPOP 1 p q"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZMPOP 1 p MID"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZMPOP 3 p MIN"), e("ERR syntax error"));
    assert_eq!(
        r(&mut c, "ZMPOP 1 p MIN COUNT 0"),
        e("ERR count should be greater than 0")
    );
    assert_eq!(
        r(&mut c, "ZMPOP 1 p MIN COUNT 1 COUNT 1"),
        e("ERR syntax error")
    );
    assert_eq!(r(&mut c, "ZMPOP 1 p MIN COUNT"), e("ERR syntax error"));
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZPOPMIN str"), WRONGTYPE);
    assert_eq!(r(&mut c, "ZMPOP 2 nokey str MIN"), WRONGTYPE);
    assert_eq!(
        r(&mut c, "ZMPOP 2 p str MIN"),
        a(&[b("p"), a(&[ab(&["b", "2"])])])
    );
}

#[test]
fn resp3_shapes() {
    let s = server();
    let mut c = raw3(&s);
    r(&mut c, "ZADD z 1 a 2.5 b 3 c");
    let pairs =
        |v: &[(&str, &str)]| a(&v.iter().map(|(m, s)| a(&[b(m), d(s)])).collect::<Vec<_>>());
    assert_eq!(r(&mut c, "ZSCORE z b"), d("2.5"));
    assert_eq!(r(&mut c, "ZSCORE z nosuch"), "_\r\n");
    assert_eq!(r(&mut c, "ZINCRBY z 1 a"), d("2"));
    assert_eq!(r(&mut c, "ZMSCORE z a x"), a(&[d("2"), "_\r\n".into()]));
    assert_eq!(r(&mut c, "ZRANK z b WITHSCORE"), a(&[i(1), d("2.5")]));
    assert_eq!(r(&mut c, "ZRANK z x WITHSCORE"), "_\r\n");
    assert_eq!(
        r(&mut c, "ZRANGE z 0 -1 WITHSCORES"),
        pairs(&[("a", "2"), ("b", "2.5"), ("c", "3")])
    );
    assert_eq!(r(&mut c, "ZRANGE z 0 -1"), ab(&["a", "b", "c"]));
    assert_eq!(
        r(&mut c, "ZRANGEBYSCORE z 2 2.5 WITHSCORES"),
        pairs(&[("a", "2"), ("b", "2.5")])
    );
    assert_eq!(
        r(&mut c, "ZUNION 1 z WITHSCORES"),
        pairs(&[("a", "2"), ("b", "2.5"), ("c", "3")])
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER z 5 WITHSCORES"),
        pairs(&[("c", "3"), ("b", "2.5"), ("a", "2")])
    );
    assert_eq!(r(&mut c, "ZPOPMIN z"), a(&[b("a"), d("2")]));
    assert_eq!(r(&mut c, "ZPOPMIN z 1"), pairs(&[("b", "2.5")]));
    r(&mut c, "ZADD z 1 a 2 b");
    assert_eq!(
        r(&mut c, "ZMPOP 1 z MAX"),
        a(&[b("z"), pairs(&[("c", "3")])])
    );
    assert_eq!(r(&mut c, "BZPOPMIN z 0"), a(&[b("z"), b("a"), d("1")]));
    assert_eq!(
        r(&mut c, "BZMPOP 0 1 z MIN"),
        a(&[b("z"), pairs(&[("b", "2")])])
    );
    assert_eq!(r(&mut c, "ZMPOP 1 z MIN"), "_\r\n");
    assert_eq!(r(&mut c, "BZPOPMIN z 0.01"), "_\r\n");
    r(&mut c, "ZADD inf 1 a inf b -inf c");
    assert_eq!(
        r(&mut c, "ZRANGE inf 0 -1 WITHSCORES"),
        pairs(&[("c", "-inf"), ("a", "1"), ("b", "inf")])
    );
}

/// `blocked_clients` from `INFO clients`.
fn blocked_clients(c: &mut RawConn) -> usize {
    let info = r(c, "INFO clients");
    info.split("\r\n")
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn wait_blocked(c: &mut RawConn, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while blocked_clients(c) != n {
        assert!(Instant::now() < deadline, "waiting for {n} blocked clients");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn blocking_pops() {
    let s = server();
    let mut c = s.raw();
    // Served at once when there is data.
    r(&mut c, "ZADD z1 1 a 2 b");
    assert_eq!(r(&mut c, "BZPOPMIN nokey z1 0"), ab(&["z1", "a", "1"]));
    assert_eq!(r(&mut c, "BZPOPMAX z1 0"), ab(&["z1", "b", "2"]));
    assert_eq!(r(&mut c, "EXISTS z1"), i(0));

    // Blocked clients are served in the order they blocked.
    let mut c1 = s.raw();
    let mut c2 = s.raw();
    let mut c3 = s.raw();
    c1.cmd(&[b"BZPOPMIN", b"bz", b"0"]);
    wait_blocked(&mut c, 1);
    c2.cmd(&[
        b"BZMPOP", b"0", b"2", b"other", b"bz", b"MAX", b"COUNT", b"2",
    ]);
    wait_blocked(&mut c, 2);
    c3.cmd(&[b"BZPOPMAX", b"bz", b"0"]);
    wait_blocked(&mut c, 3);
    assert_eq!(r(&mut c, "ZADD bz 1 a 2 b 3 c"), i(3));
    assert_eq!(c1.read_reply(), ab(&["bz", "a", "1"]));
    assert_eq!(
        c2.read_reply(),
        a(&[b("bz"), a(&[ab(&["c", "3"]), ab(&["b", "2"])])])
    );
    assert_eq!(blocked_clients(&mut c), 1);
    assert_eq!(r(&mut c, "EXISTS bz"), i(0));
    r(&mut c, "ZADD bz 4 d");
    assert_eq!(c3.read_reply(), ab(&["bz", "d", "4"]));

    // A store that creates the key wakes the client too.
    c1.cmd(&[b"BZPOPMIN", b"dst", b"0"]);
    wait_blocked(&mut c, 1);
    r(&mut c, "ZADD src 7 x");
    assert_eq!(r(&mut c, "ZUNIONSTORE dst 1 src"), i(1));
    assert_eq!(c1.read_reply(), ab(&["dst", "x", "7"]));

    // Adding and removing in one transaction wakes nobody.
    c1.cmd(&[b"BZPOPMIN", b"t", b"0"]);
    wait_blocked(&mut c, 1);
    r(&mut c, "MULTI");
    r(&mut c, "ZADD t 0 foo");
    r(&mut c, "DEL t");
    assert_eq!(r(&mut c, "EXEC"), a(&[i(1), i(1)]));
    assert_eq!(blocked_clients(&mut c), 1);
    r(&mut c, "ZADD t 1 bar");
    assert_eq!(c1.read_reply(), ab(&["t", "bar", "1"]));

    // Timeouts.
    let start = Instant::now();
    assert_eq!(r(&mut c, "BZPOPMIN none 0.2"), NIL_ARRAY);
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(r(&mut c, "BZMPOP 0.05 1 none MIN"), NIL_ARRAY);

    // Inside MULTI the command answers at once.
    r(&mut c, "MULTI");
    r(&mut c, "BZPOPMIN none 0");
    r(&mut c, "BZMPOP 0 1 none MAX");
    assert_eq!(r(&mut c, "EXEC"), a(&[NIL_ARRAY.into(), NIL_ARRAY.into()]));

    // Errors.
    assert_eq!(
        r(&mut c, "BZPOPMIN none x"),
        e("ERR timeout is not a float or out of range")
    );
    assert_eq!(r(&mut c, "BZPOPMIN none -1"), e("ERR timeout is negative"));
    assert_eq!(
        r(&mut c, "BZMPOP x 1 none MIN"),
        e("ERR timeout is not a float or out of range")
    );
    assert_eq!(
        r(&mut c, "BZMPOP x 0 none MIN"),
        e("ERR numkeys should be greater than 0")
    );
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "BZPOPMIN none str 0"), WRONGTYPE);
    assert_eq!(r(&mut c, "BZMPOP 0 1 str MIN"), WRONGTYPE);
}

#[test]
fn zrandmember() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(r(&mut c, "ZRANDMEMBER nokey"), NIL);
    assert_eq!(r(&mut c, "ZRANDMEMBER nokey 5"), EMPTY);
    r(&mut c, "ZADD one 1 a");
    assert_eq!(r(&mut c, "ZRANDMEMBER one"), b("a"));
    assert_eq!(r(&mut c, "ZRANDMEMBER one 0"), EMPTY);
    assert_eq!(r(&mut c, "ZRANDMEMBER one -3"), ab(&["a", "a", "a"]));
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one -2 WITHSCORES"),
        ab(&["a", "1", "a", "1"])
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one 1 WITHSCORE"),
        e("ERR syntax error")
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one 1 WITHSCORES x"),
        e("ERR syntax error")
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one x"),
        e("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one -9223372036854775808"),
        e("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        r(&mut c, "ZRANDMEMBER one -9223372036854770000 WITHSCORES"),
        e("ERR value is out of range")
    );
    // The whole set comes highest rank first.
    r(&mut c, "ZADD small 1 a 2 b 3 c 0.5 x");
    assert_eq!(r(&mut c, "ZRANDMEMBER small 10"), ab(&["c", "b", "a", "x"]));
    // Distinct members, in both encodings and every strategy.
    for (key, n) in [("small", 4usize), ("big", 300)] {
        if n == 300 {
            let mut args = vec!["ZADD".to_string(), "big".to_string()];
            for j in 0..n {
                args.push(j.to_string());
                args.push(format!("m{j}"));
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            q(&mut c, &args);
        }
        for count in [1usize, 2, 3, n / 2, n - 1] {
            let reply = q(
                &mut c,
                &["ZRANDMEMBER", key, &count.to_string(), "WITHSCORES"],
            );
            let lines: Vec<&str> = reply.split("\r\n").collect();
            assert_eq!(lines[0], format!("*{}", count * 2));
            let members: Vec<&str> = lines[1..].iter().skip(1).step_by(4).copied().collect();
            let mut uniq = members.clone();
            uniq.sort();
            uniq.dedup();
            assert_eq!(uniq.len(), count, "{key} {count}: {members:?}");
        }
        let reply = q(&mut c, &["ZRANDMEMBER", key, "-50"]);
        assert!(reply.starts_with("*50\r\n"));
    }
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZRANDMEMBER str"), WRONGTYPE);
    assert_eq!(r(&mut c, "ZRANDMEMBER str 2"), WRONGTYPE);
}

#[test]
fn zscan() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(r(&mut c, "ZSCAN nokey 0"), a(&[b("0"), EMPTY.into()]));
    assert_eq!(
        r(&mut c, "ZSCAN nokey 0 COUNT 0"),
        a(&[b("0"), EMPTY.into()])
    );
    r(&mut c, "ZADD small 1 a 2 b 0.1 x");
    // A listpack comes whole, with its scores as stored.
    assert_eq!(
        r(&mut c, "ZSCAN small 0"),
        a(&[b("0"), ab(&["x", "0.1", "a", "1", "b", "2"])])
    );
    assert_eq!(
        r(&mut c, "ZSCAN small 0 MATCH [ab]"),
        a(&[b("0"), ab(&["a", "1", "b", "2"])])
    );
    assert_eq!(r(&mut c, "ZSCAN small 0 COUNT 0"), e("ERR syntax error"));
    assert_eq!(r(&mut c, "ZSCAN small x"), e("ERR invalid cursor"));
    assert_eq!(
        r(&mut c, "ZSCAN small 0 NOVALUES"),
        e("ERR NOVALUES option can only be used in HSCAN")
    );
    // A skiplist is scanned by cursor; scores print with %.17g.
    let mut args = vec!["ZADD".to_string(), "big".to_string()];
    for j in 0..500 {
        args.push(format!("{}.1", j));
        args.push(format!("m{j}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    q(&mut c, &args);
    let mut seen = std::collections::HashMap::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = q(&mut c, &["ZSCAN", "big", &cursor, "COUNT", "50"]);
        calls += 1;
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        let items: Vec<&str> = lines[4..].iter().skip(1).step_by(2).copied().collect();
        for pair in items.chunks(2) {
            if pair.len() == 2 {
                seen.insert(pair[0].to_string(), pair[1].to_string());
            }
        }
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 1);
    assert_eq!(seen.len(), 500);
    assert_eq!(seen["m0"], "0.10000000000000001");
    assert_eq!(seen["m10"], "10.1");
    r(&mut c, "SET str x");
    assert_eq!(r(&mut c, "ZSCAN str 0"), WRONGTYPE);
}

#[test]
fn encodings_and_conversions() {
    let s = server();
    let mut c = s.raw();
    let long = "x".repeat(65);
    r(&mut c, "ZADD a 1 x");
    assert_eq!(encoding(&mut c, "a"), "listpack");
    q(&mut c, &["ZADD", "b", "1", &long]);
    assert_eq!(encoding(&mut c, "b"), "skiplist");
    q(&mut c, &["ZADD", "c", "1", "x", "2", &long]);
    assert_eq!(encoding(&mut c, "c"), "skiplist");
    // Removing does not convert back; a store does.
    q(&mut c, &["ZREM", "c", &long]);
    assert_eq!(encoding(&mut c, "c"), "skiplist");
    assert_eq!(r(&mut c, "ZUNIONSTORE u 1 c"), i(1));
    assert_eq!(encoding(&mut c, "u"), "listpack");
    assert_eq!(r(&mut c, "ZRANGESTORE rs c 0 -1"), i(1));
    assert_eq!(encoding(&mut c, "rs"), "listpack");
    // The 129th member converts.
    let mut args = vec!["ZADD".to_string(), "n".to_string()];
    for j in 0..128 {
        args.push(j.to_string());
        args.push(format!("m{j}"));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    q(&mut c, &argv);
    assert_eq!(encoding(&mut c, "n"), "listpack");
    r(&mut c, "ZADD n 200 extra");
    assert_eq!(encoding(&mut c, "n"), "skiplist");
    // Skiplist keeps -0; the listpack does not.
    r(&mut c, "ZADD n -0 negzero");
    assert_eq!(r(&mut c, "ZSCORE n negzero"), b("-0"));
    r(&mut c, "ZADD a -0 negzero");
    assert_eq!(r(&mut c, "ZSCORE a negzero"), b("0"));

    r(&mut c, "CONFIG SET zset-max-listpack-entries 2");
    r(&mut c, "ZADD d 1 a 2 b");
    assert_eq!(encoding(&mut c, "d"), "listpack");
    r(&mut c, "ZADD d 3 c");
    assert_eq!(encoding(&mut c, "d"), "skiplist");
    // A ZADD with more pairs than the limit converts an existing listpack first, even
    // if it adds nothing.
    r(&mut c, "ZADD f 1 a");
    assert_eq!(r(&mut c, "ZADD f XX 1 q 2 r 3 s"), i(0));
    assert_eq!(encoding(&mut c, "f"), "skiplist");
    // ... and a new key is created for the number of pairs given.
    r(&mut c, "ZADD g 1 a 1 a 1 a");
    assert_eq!(r(&mut c, "ZCARD g"), i(1));
    assert_eq!(encoding(&mut c, "g"), "skiplist");
    assert_eq!(r(&mut c, "ZRANGESTORE h2 d 0 1"), i(2));
    assert_eq!(encoding(&mut c, "h2"), "listpack");
    assert_eq!(r(&mut c, "ZRANGESTORE h3 d 0 -1"), i(3));
    assert_eq!(encoding(&mut c, "h3"), "skiplist");
    assert_eq!(r(&mut c, "ZINTERSTORE h4 2 d d"), i(3));
    assert_eq!(encoding(&mut c, "h4"), "skiplist");
    r(&mut c, "CONFIG SET zset-max-listpack-entries 0");
    r(&mut c, "ZADD z0 1 a");
    assert_eq!(encoding(&mut c, "z0"), "skiplist");
    r(&mut c, "CONFIG SET zset-max-listpack-entries 128");
    r(&mut c, "CONFIG SET zset-max-listpack-value 0");
    q(&mut c, &["ZADD", "v1", "1", ""]);
    assert_eq!(encoding(&mut c, "v1"), "listpack");
    r(&mut c, "ZADD v0 1 a");
    assert_eq!(encoding(&mut c, "v0"), "skiplist");
}

/// A small deterministic generator for the model tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fmt_score(s: f64) -> String {
    if s == s.trunc() && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}

#[test]
fn large_sets_against_model() {
    let s = server();
    let mut c = s.raw();
    let mut rng = Lcg(42);
    let mut model: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    // A few thousand members with many equal scores, in batches.
    for _ in 0..30 {
        let mut args = vec!["ZADD".to_string(), "big".to_string()];
        for _ in 0..100 {
            let m = format!("m{}", rng.below(4000));
            let sc = rng.below(400) as f64 / 4.0 - 50.0;
            args.push(fmt_score(sc));
            args.push(m.clone());
            model.insert(m, sc);
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        q(&mut c, &argv);
    }
    assert_eq!(encoding(&mut c, "big"), "skiplist");
    let sorted = |model: &std::collections::HashMap<String, f64>| {
        let mut v: Vec<(String, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
        v
    };
    for round in 0..4 {
        let v = sorted(&model);
        let n = v.len() as i64;
        assert_eq!(r(&mut c, "ZCARD big"), i(n));
        // The whole order.
        let all: Vec<&str> = v.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(r(&mut c, "ZRANGE big 0 -1"), ab(&all));
        // Ranks and reverse ranks.
        for _ in 0..100 {
            let k = rng.below(n as u64) as usize;
            let (m, sc) = &v[k];
            assert_eq!(
                q(&mut c, &["ZRANK", "big", m, "WITHSCORE"]),
                a(&[i(k as i64), b(&fmt_score(*sc))])
            );
            assert_eq!(q(&mut c, &["ZREVRANK", "big", m]), i(n - 1 - k as i64));
        }
        // Rank ranges.
        for _ in 0..50 {
            let start = rng.below(n as u64 + 20) as i64 - 10;
            let stop = rng.below(n as u64 + 20) as i64 - 10;
            let norm = |x: i64| if x < 0 { (n + x).max(0) } else { x };
            let (s0, e0) = (norm(start), norm(stop).min(n - 1));
            let want: Vec<&str> = if s0 > e0 || s0 >= n {
                vec![]
            } else {
                all[s0 as usize..=e0 as usize].to_vec()
            };
            assert_eq!(
                q(
                    &mut c,
                    &["ZRANGE", "big", &start.to_string(), &stop.to_string()]
                ),
                ab(&want),
                "{start} {stop}"
            );
            let mut rev = want.clone();
            rev.reverse();
            let (rs, re) = (n - 1 - e0, n - 1 - s0);
            if !want.is_empty() {
                assert_eq!(
                    q(
                        &mut c,
                        &["ZREVRANGE", "big", &rs.to_string(), &re.to_string()]
                    ),
                    ab(&rev)
                );
            }
        }
        // Score ranges with limits, and counts.
        for _ in 0..50 {
            let lo = rng.below(120) as f64 - 60.0;
            let hi = lo + rng.below(40) as f64;
            let ex = rng.below(2) == 1;
            let min = if ex {
                format!("({lo}")
            } else {
                format!("{lo}")
            };
            let inside: Vec<&str> = v
                .iter()
                .filter(|(_, s)| (if ex { *s > lo } else { *s >= lo }) && *s <= hi)
                .map(|(m, _)| m.as_str())
                .collect();
            assert_eq!(
                q(&mut c, &["ZCOUNT", "big", &min, &hi.to_string()]),
                i(inside.len() as i64)
            );
            let off = rng.below(10) as usize;
            let cnt = rng.below(30) as usize;
            let want: Vec<&str> = inside.iter().skip(off).take(cnt).copied().collect();
            assert_eq!(
                q(
                    &mut c,
                    &[
                        "ZRANGEBYSCORE",
                        "big",
                        &min,
                        &hi.to_string(),
                        "LIMIT",
                        &off.to_string(),
                        &cnt.to_string()
                    ]
                ),
                ab(&want)
            );
            let mut rev: Vec<&str> = inside.clone();
            rev.reverse();
            let want: Vec<&str> = rev.iter().skip(off).take(cnt).copied().collect();
            assert_eq!(
                q(
                    &mut c,
                    &[
                        "ZREVRANGEBYSCORE",
                        "big",
                        &hi.to_string(),
                        &min,
                        "LIMIT",
                        &off.to_string(),
                        &cnt.to_string()
                    ]
                ),
                ab(&want)
            );
        }
        // Mutate: remove a rank range, a score range, some members, re-score others.
        match round {
            0 => {
                assert_eq!(r(&mut c, "ZREMRANGEBYRANK big 100 199"), i(100));
                for (m, _) in &v[100..200] {
                    model.remove(m);
                }
            }
            1 => {
                let removed = v.iter().filter(|(_, s)| *s >= -10.0 && *s < 5.0).count();
                assert_eq!(r(&mut c, "ZREMRANGEBYSCORE big -10 (5"), i(removed as i64));
                model.retain(|_, s| !(*s >= -10.0 && *s < 5.0));
            }
            _ => {
                for _ in 0..200 {
                    let m = format!("m{}", rng.below(4000));
                    if rng.below(2) == 0 {
                        let had = model.remove(&m).is_some();
                        assert_eq!(q(&mut c, &["ZREM", "big", &m]), i(i64::from(had)));
                    } else {
                        let by = rng.below(20) as f64 - 10.0;
                        let new = model.get(&m).copied().unwrap_or(0.0) + by;
                        assert_eq!(
                            q(&mut c, &["ZINCRBY", "big", &fmt_score(by), &m]),
                            b(&fmt_score(new))
                        );
                        model.insert(m, new);
                    }
                }
            }
        }
    }
    // Lexicographic ranges over equal scores.
    let mut args = vec!["ZADD".to_string(), "lex".to_string()];
    let mut members: Vec<String> = (0..2000).map(|_| format!("{:x}", rng.next())).collect();
    for m in &members {
        args.push("0".into());
        args.push(m.clone());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    q(&mut c, &argv);
    members.sort();
    members.dedup();
    for _ in 0..50 {
        let x = format!("{:x}", rng.next());
        let y = format!("{:x}", rng.next());
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let inside: Vec<&str> = members
            .iter()
            .filter(|m| m.as_str() >= lo.as_str() && m.as_str() < hi.as_str())
            .map(String::as_str)
            .collect();
        let (min, max) = (format!("[{lo}"), format!("({hi}"));
        assert_eq!(
            q(&mut c, &["ZLEXCOUNT", "lex", &min, &max]),
            i(inside.len() as i64)
        );
        let want: Vec<&str> = inside.iter().skip(3).take(20).copied().collect();
        assert_eq!(
            q(
                &mut c,
                &["ZRANGEBYLEX", "lex", &min, &max, "LIMIT", "3", "20"]
            ),
            ab(&want)
        );
    }
    // The skiplist's quirk with a negative offset: counted back from the range's end.
    assert_eq!(
        q(
            &mut c,
            &["ZRANGEBYLEX", "lex", "-", "+", "LIMIT", "-2", "10"]
        ),
        ab(&[&members[members.len() - 2], &members[members.len() - 1]])
    );
}

#[test]
fn keyspace_events() {
    let s = server();
    let mut c = s.raw();
    let mut sub = s.raw();
    let reply = q(&mut sub, &["PSUBSCRIBE", "__keyevent@0__:*"]);
    if reply.starts_with("-ERR unknown command") {
        // Pub/Sub is not there yet.
        return;
    }
    assert_eq!(
        r(&mut c, "CONFIG SET notify-keyspace-events Ezg"),
        "+OK\r\n"
    );
    for line in [
        "ZADD z 1 a 2 b",
        "ZADD z 1 a",
        "ZINCRBY z 1 a",
        "ZADD z INCR 1 a",
        "ZADD z NX 5 a",
        "ZREM z a",
        "ZREM z b",
        "ZADD z 1 a 2 b 3 c",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYSCORE z 2 2",
        "ZREMRANGEBYSCORE z 100 200",
        "ZREMRANGEBYLEX z - +",
        "ZADD s 1 a 2 b",
        "ZUNIONSTORE d 1 s",
        "ZINTERSTORE d 1 s",
        "ZDIFFSTORE d 2 s s",
        "ZRANGESTORE d s 0 0",
        "ZRANGESTORE d s 5 6",
        "ZPOPMIN s",
        "ZPOPMAX s 5",
        "ZADD m 1 a 2 b",
        "ZMPOP 1 m MIN",
        "BZPOPMAX m 0",
        "ZADD end 1 x",
    ] {
        r(&mut c, line);
    }
    let want = [
        ("zadd", "z"),
        ("zincr", "z"),
        ("zincr", "z"),
        ("zrem", "z"),
        ("zrem", "z"),
        ("del", "z"),
        ("zadd", "z"),
        ("zremrangebyrank", "z"),
        ("zremrangebyscore", "z"),
        ("zremrangebylex", "z"),
        ("del", "z"),
        ("zadd", "s"),
        ("zunionstore", "d"),
        ("zinterstore", "d"),
        ("del", "d"),
        ("zrangestore", "d"),
        ("del", "d"),
        ("zpopmin", "s"),
        ("zpopmax", "s"),
        ("del", "s"),
        ("zadd", "m"),
        ("zpopmin", "m"),
        ("zpopmax", "m"),
        ("del", "m"),
        ("zadd", "end"),
    ];
    for (event, key) in want {
        let msg = sub.read_reply();
        let want = a(&[
            b("pmessage"),
            b("__keyevent@0__:*"),
            b(&format!("__keyevent@0__:{event}")),
            b(key),
        ]);
        assert_eq!(msg, want);
    }
}
