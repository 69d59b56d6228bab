use coil_tests::TestServer;
use redis::{Commands, RedisResult, Value};

#[test]
fn set_get_with_options() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = c.set("k", "v").unwrap();
    assert_eq!(c.get::<_, String>("k").unwrap(), "v");
    let r: Option<String> = redis::cmd("SET")
        .arg("k")
        .arg("w")
        .arg("NX")
        .query(&mut c)
        .unwrap();
    assert_eq!(r, None);
    let r: Option<String> = redis::cmd("SET")
        .arg("k")
        .arg("w")
        .arg("XX")
        .arg("GET")
        .query(&mut c)
        .unwrap();
    assert_eq!(r.as_deref(), Some("v"));
    let r: Option<String> = redis::cmd("SET")
        .arg("new")
        .arg("x")
        .arg("XX")
        .query(&mut c)
        .unwrap();
    assert_eq!(r, None);
    let _: () = redis::cmd("SET")
        .arg("t")
        .arg("1")
        .arg("EX")
        .arg(100)
        .query(&mut c)
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL").arg("t").query(&mut c).unwrap_or(-3);
    assert!(ttl > 99_000 || ttl == -3, "{ttl}");
    let e: RedisResult<()> = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("NX")
        .arg("XX")
        .query(&mut c);
    assert_eq!(
        e.unwrap_err().to_string(),
        "An error was signalled by the server - ResponseError: syntax error"
    );
    let e: RedisResult<()> = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("EX")
        .arg(0)
        .query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("invalid expire time in 'set' command"));
    let e: RedisResult<()> = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("EX")
        .arg("x")
        .query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("value is not an integer or out of range"));
}

#[test]
fn expire_options_expire() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = redis::cmd("SET")
        .arg("a")
        .arg("1")
        .arg("PX")
        .arg(50)
        .query(&mut c)
        .unwrap();
    assert_eq!(
        c.get::<_, Option<String>>("a").unwrap().as_deref(),
        Some("1")
    );
    std::thread::sleep(std::time::Duration::from_millis(120));
    assert_eq!(c.get::<_, Option<String>>("a").unwrap(), None);
    let _: () = redis::cmd("SET")
        .arg("b")
        .arg("1")
        .arg("PXAT")
        .arg(1)
        .query(&mut c)
        .unwrap();
    assert_eq!(c.get::<_, Option<String>>("b").unwrap(), None);
}

#[test]
fn counters() {
    let s = TestServer::start();
    let mut c = s.conn();
    assert_eq!(c.incr::<_, _, i64>("n", 1).unwrap(), 1);
    assert_eq!(
        redis::cmd("INCRBY")
            .arg("n")
            .arg(10)
            .query::<i64>(&mut c)
            .unwrap(),
        11
    );
    assert_eq!(
        redis::cmd("DECR").arg("n").query::<i64>(&mut c).unwrap(),
        10
    );
    assert_eq!(
        redis::cmd("DECRBY")
            .arg("n")
            .arg(20)
            .query::<i64>(&mut c)
            .unwrap(),
        -10
    );
    let _: () = c.set("big", i64::MAX).unwrap();
    let e: RedisResult<i64> = redis::cmd("INCR").arg("big").query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("increment or decrement would overflow"));
    let _: () = c.set("s", "abc").unwrap();
    let e: RedisResult<i64> = redis::cmd("INCR").arg("s").query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("value is not an integer or out of range"));
}

#[test]
fn mset_mget_append_strlen() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = redis::cmd("MSET")
        .arg("a")
        .arg("1")
        .arg("b")
        .arg("2")
        .query(&mut c)
        .unwrap();
    let v: Vec<Option<String>> = redis::cmd("MGET")
        .arg("a")
        .arg("b")
        .arg("zz")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec![Some("1".into()), Some("2".into()), None]);
    assert_eq!(
        redis::cmd("MSETNX")
            .arg("a")
            .arg("x")
            .arg("c")
            .arg("3")
            .query::<i64>(&mut c)
            .unwrap(),
        0
    );
    assert_eq!(
        redis::cmd("APPEND")
            .arg("a")
            .arg("23")
            .query::<i64>(&mut c)
            .unwrap(),
        3
    );
    assert_eq!(
        redis::cmd("STRLEN").arg("a").query::<i64>(&mut c).unwrap(),
        3
    );
    let e: RedisResult<Value> = redis::cmd("MSET").arg("a").query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("wrong number of arguments for 'mset' command"));
}

#[test]
fn getex_getdel_getset() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = c.set("k", "v").unwrap();
    let v: String = redis::cmd("GETEX")
        .arg("k")
        .arg("EX")
        .arg(100)
        .query(&mut c)
        .unwrap();
    assert_eq!(v, "v");
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut c).unwrap_or(100);
    assert!(ttl > 0);
    let v: String = redis::cmd("GETSET")
        .arg("k")
        .arg("w")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, "v");
    let v: String = redis::cmd("GETDEL").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "w");
    assert!(!c.exists::<_, bool>("k").unwrap());
}

#[test]
fn wrong_type_error() {
    let s = TestServer::start();
    let mut raw = s.raw();
    raw.send(b"SET k v\r\nINCR k\r\n");
    raw.expect(b"+OK\r\n-ERR value is not an integer or out of range\r\n");
}
