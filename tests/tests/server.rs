use coil_tests::TestServer;
use redis::{RedisResult, Value};

#[test]
fn info_sections_have_redis_fields() {
    let s = TestServer::start();
    let mut c = s.conn();
    let info: String = redis::cmd("INFO").query(&mut c).unwrap();
    for field in [
        "redis_version:7.4.0",
        "coil_version:",
        "connected_clients:1",
        "used_memory:",
        "# Keyspace",
        "role:master",
        "used_cpu_sys:",
    ] {
        assert!(info.contains(field), "missing {field} in\n{info}");
    }
    let _: () = redis::cmd("SET").arg("x").arg("1").query(&mut c).unwrap();
    let ks: String = redis::cmd("INFO").arg("keyspace").query(&mut c).unwrap();
    assert!(ks.contains("db0:keys=1,expires=0"), "{ks}");
    let cs: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut c)
        .unwrap();
    assert!(cs.contains("cmdstat_set:calls=1,"), "{cs}");
    let lat: String = redis::cmd("INFO")
        .arg("latencystats")
        .query(&mut c)
        .unwrap();
    assert!(lat.contains("latency_percentiles_usec_set:p50="), "{lat}");
    assert!(lat.contains(",p99=") && lat.contains(",p99.9="), "{lat}");
    let two: String = redis::cmd("INFO")
        .arg("server")
        .arg("clients")
        .query(&mut c)
        .unwrap();
    assert!(two.contains("# Server") && two.contains("# Clients") && !two.contains("# Memory"));
}

#[test]
fn config_get_set() {
    let s = TestServer::start();
    let mut c = s.conn();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["maxmemory", "0"]);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("10mb")
        .arg("hz")
        .arg("20")
        .query(&mut c)
        .unwrap();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .arg("hz")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["maxmemory", "10485760", "hz", "20"]);
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-*")
        .query(&mut c)
        .unwrap();
    assert!(v.len() >= 6 && v.contains(&"maxmemory-policy".to_string()));
    let e: RedisResult<()> = redis::cmd("CONFIG")
        .arg("SET")
        .arg("nosuch")
        .arg("1")
        .query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
    let e: RedisResult<()> = redis::cmd("CONFIG")
        .arg("SET")
        .arg("daemonize")
        .arg("yes")
        .query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("can't set immutable config"));
    // A failed multi-set changes nothing.
    let e: RedisResult<()> = redis::cmd("CONFIG")
        .arg("SET")
        .arg("hz")
        .arg("30")
        .arg("maxmemory")
        .arg("bad")
        .query(&mut c);
    assert!(e.is_err());
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("hz")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["hz", "20"]);
}

#[test]
fn command_metadata() {
    let s = TestServer::start();
    let mut c = s.conn();
    let n: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut c).unwrap();
    assert!(n > 20);
    let info: Value = redis::cmd("COMMAND")
        .arg("INFO")
        .arg("get")
        .query(&mut c)
        .unwrap();
    let Value::Array(items) = info else { panic!() };
    let Value::Array(get) = &items[0] else {
        panic!()
    };
    assert_eq!(get[0], Value::BulkString(b"get".to_vec()));
    assert_eq!(get[1], Value::Int(2));
    let keys: Vec<String> = redis::cmd("COMMAND")
        .arg("GETKEYS")
        .arg("MSET")
        .arg("a")
        .arg("1")
        .arg("b")
        .arg("2")
        .query(&mut c)
        .unwrap();
    assert_eq!(keys, vec!["a", "b"]);
    let kf: Value = redis::cmd("COMMAND")
        .arg("GETKEYSANDFLAGS")
        .arg("SET")
        .arg("k")
        .arg("v")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        format!("{kf:?}"),
        format!(
            "{:?}",
            Value::Array(vec![Value::Array(vec![
                Value::BulkString(b"k".to_vec()),
                Value::Array(vec![
                    Value::SimpleString("OW".into()),
                    Value::SimpleString("update".into())
                ])
            ])])
        )
    );
    let docs: Value = redis::cmd("COMMAND")
        .arg("DOCS")
        .arg("set")
        .query(&mut c)
        .unwrap();
    let text = format!("{docs:?}");
    assert!(text.contains("Sets the string value of a key"), "{text}");
}

#[test]
fn client_commands() {
    let s = TestServer::start();
    let mut c = s.conn();
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut c).unwrap();
    assert!(id > 0);
    let _: () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("worker")
        .query(&mut c)
        .unwrap();
    let n: String = redis::cmd("CLIENT").arg("GETNAME").query(&mut c).unwrap();
    assert_eq!(n, "worker");
    let e: RedisResult<()> = redis::cmd("CLIENT").arg("SETNAME").arg("a b").query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("Client names cannot contain spaces"));
    let _: () = redis::cmd("CLIENT")
        .arg("SETINFO")
        .arg("LIB-NAME")
        .arg("mylib")
        .query(&mut c)
        .unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut c).unwrap();
    assert!(
        list.contains(&format!("id={id} "))
            && list.contains("name=worker")
            && list.contains("lib-name=mylib"),
        "{list}"
    );
    let mut other = s.conn();
    let other_id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut other).unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(other_id)
        .query(&mut c)
        .unwrap();
    assert_eq!(killed, 1);
    let r: RedisResult<String> = redis::cmd("PING").query(&mut other);
    assert!(r.is_err());
}

#[test]
fn select_dbsize_flush_swapdb() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = redis::cmd("SET").arg("a").arg("1").query(&mut c).unwrap();
    let _: () = redis::cmd("SELECT").arg(1).query(&mut c).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut c).unwrap(), 0);
    let _: () = redis::cmd("SWAPDB").arg(0).arg(1).query(&mut c).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut c).unwrap(), 1);
    let e: RedisResult<()> = redis::cmd("SELECT").arg(16).query(&mut c);
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("DB index is out of range"));
    let _: () = redis::cmd("FLUSHALL").query(&mut c).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut c).unwrap(), 0);
}

#[test]
fn shutdown_nosave_exits() {
    let mut s = TestServer::start();
    let mut c = s.conn();
    let _: RedisResult<()> = redis::cmd("SHUTDOWN").arg("NOSAVE").query(&mut c);
    assert_eq!(s.wait_exit(std::time::Duration::from_secs(10)), Some(0));
}

#[test]
fn memory_usage_reports_key_size() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = redis::cmd("SET")
        .arg("small")
        .arg("x")
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg("y".repeat(10_000))
        .query(&mut c)
        .unwrap();
    let small: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("small")
        .query(&mut c)
        .unwrap();
    let big: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("big")
        .arg("SAMPLES")
        .arg(0)
        .query(&mut c)
        .unwrap();
    assert!(small > 0 && small < 200, "{small}");
    assert!(big > 10_000 && big < 11_000, "{big}");
    let none: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("missing")
        .query(&mut c)
        .unwrap();
    assert_eq!(none, None);
    let e: RedisResult<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("small")
        .arg("SAMPLES")
        .query(&mut c);
    assert!(e.unwrap_err().to_string().contains("syntax error"));
}

#[test]
fn wait_without_replicas() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"WAIT 0 0\r\nWAITAOF 0 0 0\r\nWAITAOF 1 0 0\r\n");
    c.expect(b":0\r\n*2\r\n:0\r\n:0\r\n-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n");
    let t = std::time::Instant::now();
    c.send(b"WAIT 1 150\r\n");
    c.expect(b":0\r\n");
    assert!(t.elapsed() >= std::time::Duration::from_millis(140));
    c.send(b"MULTI\r\nWAIT 1 0\r\nEXEC\r\n");
    c.expect(b"+OK\r\n+QUEUED\r\n*1\r\n:0\r\n");
}
