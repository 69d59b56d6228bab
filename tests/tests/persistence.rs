//! Persistence: RDB save and load, background saves, DUMP/RESTORE, the AOF, loading.

use coil_tests::TestServer;
use redis::Connection;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn q<T: redis::FromRedisValue>(c: &mut Connection, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c)
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

fn err(c: &mut Connection, args: &[&str]) -> String {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    match cmd.query::<redis::Value>(c) {
        Ok(v) => panic!("{args:?} succeeded: {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn info_field(c: &mut Connection, section: &str, field: &str) -> String {
    let info: String = q(c, &["INFO", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .trim()
        .to_string()
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "coil-persist-{}-{}-{name}",
        std::process::id(),
        coil_tests::free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Removes a directory when dropped.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn has_lists(c: &mut Connection) -> bool {
    let v: redis::Value = q(c, &["COMMAND", "INFO", "rpush"]);
    !matches!(v, redis::Value::Array(ref a) if a.first() == Some(&redis::Value::Nil))
}

/// A dataset with every type in every encoding, in three databases.
fn populate(c: &mut Connection, hfe: bool) {
    let big_hash: Vec<String> = (0..300)
        .flat_map(|i| [format!("f{i}"), format!("v{i}")])
        .collect();
    let big_set: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    let big_zset: Vec<String> = (0..300)
        .flat_map(|i| [format!("{}", i as f64 / 7.0), format!("m{i}")])
        .collect();
    let ints: Vec<String> = (0..600).map(|i| (i * 1000).to_string()).collect();
    let mut cmds: Vec<Vec<String>> = vec![
        vec!["SET".into(), "s:int".into(), "12345".into()],
        vec!["SET".into(), "s:bigint".into(), "100000000000".into()],
        vec!["SET".into(), "s:neg".into(), "-9223372036854775808".into()],
        vec!["SET".into(), "s:emb".into(), "hello world".into()],
        vec!["SET".into(), "s:raw".into(), "abcdefgh".repeat(100)],
        vec!["SET".into(), "s:empty".into(), "".into()],
        vec!["SET".into(), "s:lead0".into(), "0012".into()],
        vec![
            "SET".into(),
            "s:ttl".into(),
            "x".into(),
            "PX".into(),
            "100000000".into(),
        ],
        vec![
            "SADD".into(),
            "set:int".into(),
            "1".into(),
            "-2".into(),
            "70000".into(),
        ],
        vec![
            "SADD".into(),
            "set:lp".into(),
            "a".into(),
            "b".into(),
            "3".into(),
        ],
        [vec!["SADD".into(), "set:ht".into()], big_set].concat(),
        [vec!["SADD".into(), "set:bigint".into()], ints].concat(),
        vec![
            "ZADD".into(),
            "z:lp".into(),
            "1".into(),
            "a".into(),
            "2.5".into(),
            "b".into(),
            "-inf".into(),
            "c".into(),
            "inf".into(),
            "d".into(),
        ],
        [vec!["ZADD".into(), "z:sl".into()], big_zset].concat(),
        vec![
            "HSET".into(),
            "h:lp".into(),
            "a".into(),
            "1".into(),
            "b".into(),
            "x".into(),
        ],
        [vec!["HSET".into(), "h:ht".into()], big_hash.clone()].concat(),
        vec!["HSET".into(), "h:long".into(), "f".into(), "v".repeat(100)],
        vec!["SELECT".into(), "3".into()],
        vec!["SET".into(), "db3".into(), "three".into()],
        vec!["SELECT".into(), "0".into()],
    ];
    if hfe {
        cmds.push(vec![
            "HSET".into(),
            "hx:lp".into(),
            "a".into(),
            "1".into(),
            "b".into(),
            "2".into(),
        ]);
        cmds.push(
            "HPEXPIRE hx:lp 50000000 FIELDS 1 a"
                .split(' ')
                .map(String::from)
                .collect(),
        );
        cmds.push([vec!["HSET".into(), "hx:ht".into()], big_hash].concat());
        cmds.push(
            "HPEXPIRE hx:ht 60000000 FIELDS 2 f1 f2"
                .split(' ')
                .map(String::from)
                .collect(),
        );
    }
    if has_lists(c) {
        let items: Vec<String> = (0..2000).map(|i| format!("item-{i}")).collect();
        cmds.push(vec![
            "RPUSH".into(),
            "l:lp".into(),
            "a".into(),
            "1".into(),
            "b".into(),
        ]);
        cmds.push([vec!["RPUSH".into(), "l:ql".into()], items].concat());
    }
    for cmd in cmds {
        let mut r = redis::cmd(&cmd[0]);
        for a in &cmd[1..] {
            r.arg(a);
        }
        let _: redis::Value = r.query(c).unwrap();
    }
}

/// Every key of every database: type, value, absolute expire, field TTLs, encoding.
fn snapshot(c: &mut Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..16 {
        let _: () = q(c, &["SELECT", &db.to_string()]);
        let mut keys: Vec<Vec<u8>> = q(c, &["KEYS", "*"]);
        keys.sort();
        for k in keys {
            let ks = String::from_utf8_lossy(&k).into_owned();
            let t: String = q(c, &["TYPE", &ks]);
            let v = match t.as_str() {
                "string" => format!("{:?}", q::<Vec<u8>>(c, &["GET", &ks])),
                "list" => format!("{:?}", q::<Vec<Vec<u8>>>(c, &["LRANGE", &ks, "0", "-1"])),
                "set" => {
                    let mut m: Vec<Vec<u8>> = q(c, &["SMEMBERS", &ks]);
                    m.sort();
                    format!("{m:?}")
                }
                "zset" => format!(
                    "{:?}",
                    q::<Vec<(Vec<u8>, f64)>>(c, &["ZRANGE", &ks, "0", "-1", "WITHSCORES"])
                ),
                "hash" => {
                    let mut m: Vec<(Vec<u8>, Vec<u8>)> = q(c, &["HGETALL", &ks]);
                    m.sort();
                    let mut ttls = Vec::new();
                    for (f, _) in &m {
                        let f = String::from_utf8_lossy(f).into_owned();
                        let t: Vec<i64> = q(c, &["HPEXPIRETIME", &ks, "FIELDS", "1", &f]);
                        ttls.push(t[0]);
                    }
                    format!("{m:?} {ttls:?}")
                }
                other => other.to_string(),
            };
            let exp: i64 = q(c, &["PEXPIRETIME", &ks]);
            let enc: String = q(c, &["OBJECT", "ENCODING", &ks]);
            out.push(format!("db{db} {ks} {t} {enc} exp={exp} {v}"));
        }
    }
    let _: () = q(c, &["SELECT", "0"]);
    out
}

#[test]
fn save_and_restart_round_trips_every_type_and_encoding() {
    let dir = temp_dir("roundtrip");
    let _clean = Cleanup(dir.clone());
    let want;
    {
        let s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        populate(&mut c, true);
        want = snapshot(&mut c);
        let _: () = q(&mut c, &["SAVE"]);
        assert_eq!(
            info_field(&mut c, "persistence", "rdb_changes_since_last_save"),
            "0"
        );
    }
    assert!(dir.join("dump.rdb").exists());
    let s = TestServer::start_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), want);
    let loaded: u64 = info_field(&mut c, "persistence", "rdb_last_load_keys_loaded")
        .parse()
        .unwrap();
    assert_eq!(loaded as usize, want.len());
    assert!(
        s.log().contains("Done loading RDB, keys loaded:"),
        "{}",
        s.log()
    );
}

#[test]
fn debug_reload_keeps_the_dataset() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.conn();
    populate(&mut c, true);
    let want = snapshot(&mut c);
    let _: () = q(&mut c, &["DEBUG", "RELOAD"]);
    assert_eq!(snapshot(&mut c), want);
    // MERGE NOFLUSH keeps keys that are not in the file and replaces those that are.
    let _: () = q(&mut c, &["SET", "s:emb", "changed"]);
    let _: () = q(&mut c, &["SET", "extra", "1"]);
    let _: () = q(&mut c, &["DEBUG", "RELOAD", "NOSAVE", "MERGE", "NOFLUSH"]);
    let v: String = q(&mut c, &["GET", "s:emb"]);
    assert_eq!(v, "hello world");
    let v: String = q(&mut c, &["GET", "extra"]);
    assert_eq!(v, "1");
    assert!(err(&mut c, &["DEBUG", "RELOAD", "BOGUS"]).contains("MERGE, NOFLUSH and NOSAVE"));
}

#[test]
fn dump_payloads_match_redis_bytes() {
    let s = TestServer::start();
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "s", "hello"]);
    let _: () = q(&mut c, &["SET", "n", "12345"]);
    let _: () = q(&mut c, &["SET", "big", "100000000000"]);
    let _: i64 = q(&mut c, &["SADD", "si", "1", "2", "3"]);
    let _: i64 = q(&mut c, &["HSET", "h", "a", "1", "b", "hello"]);
    let _: i64 = q(&mut c, &["ZADD", "z", "1", "a", "2.5", "b"]);
    // What Redis 7.0 answers for the same values.
    let cases: &[(&str, &[u8])] = &[
        ("s", b"\x00\x05hello\n\x00cr\xdfve4 \n"),
        ("n", b"\x00\xc190\n\x00\x9d\x94\xea'\x93\xfc\x08\xb9"),
        ("big", b"\x00\x0c100000000000\n\x00H\x87\xf9\xcf\x83Y\x17\xba"),
        (
            "si",
            b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b",
        ),
        (
            "h",
            b"\x10\x16\x16\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x85hello\x06\xff\n\x00\xe8\xc5\xfe\x99\xee\x07\x95]",
        ),
        (
            "z",
            b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04\xff\n\x00\xd4Ln\xa4\xf6D\xd9\xd7",
        ),
    ];
    for (k, want) in cases {
        let got: Vec<u8> = q(&mut c, &["DUMP", k]);
        assert_eq!(&got[..], *want, "DUMP {k}");
    }
    if has_lists(&mut c) {
        let _: i64 = q(&mut c, &["RPUSH", "l", "a", "1"]);
        let got: Vec<u8> = q(&mut c, &["DUMP", "l"]);
        assert_eq!(
            &got[..],
            b"\x12\x01\x02\x0c\x0c\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff\n\x00\x94\x96+#\xac\x17\xaa\x85"
        );
    }
    let none: Option<Vec<u8>> = q(&mut c, &["DUMP", "missing"]);
    assert!(none.is_none());
}

#[test]
fn dump_restore_round_trips_and_options() {
    let s = TestServer::start();
    let mut c = s.conn();
    populate(&mut c, true);
    let want = snapshot(&mut c);
    let keys: Vec<String> = q(&mut c, &["KEYS", "*"]);
    for k in &keys {
        let payload: Vec<u8> = q(&mut c, &["DUMP", k]);
        let pt: i64 = q(&mut c, &["PEXPIRETIME", k]);
        let _: () = redis::cmd("RESTORE")
            .arg(k)
            .arg(pt.max(0))
            .arg(&payload)
            .arg("REPLACE")
            .arg("ABSTTL")
            .query(&mut c)
            .unwrap();
    }
    assert_eq!(snapshot(&mut c), want);
    let payload: Vec<u8> = q(&mut c, &["DUMP", "s:emb"]);
    let busy = redis::cmd("RESTORE")
        .arg("s:emb")
        .arg(0)
        .arg(&payload)
        .query::<()>(&mut c)
        .unwrap_err()
        .to_string();
    assert!(busy.contains("BUSYKEY"), "{busy}");
    let _: () = redis::cmd("RESTORE")
        .arg("copy")
        .arg(5000)
        .arg(&payload)
        .arg("IDLETIME")
        .arg(1000)
        .query(&mut c)
        .unwrap();
    let ttl: i64 = q(&mut c, &["PTTL", "copy"]);
    assert!(ttl > 4000 && ttl <= 5000, "{ttl}");
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "copy"]);
    assert!(idle >= 1000, "{idle}");
    // A TTL in the past: nothing is created.
    let _: () = redis::cmd("RESTORE")
        .arg("gone")
        .arg(1)
        .arg(&payload)
        .arg("ABSTTL")
        .query(&mut c)
        .unwrap();
    let n: i64 = q(&mut c, &["EXISTS", "gone"]);
    assert_eq!(n, 0);
    let mut bad = payload.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let e = redis::cmd("RESTORE")
        .arg("bad")
        .arg(0)
        .arg(&bad)
        .query::<()>(&mut c)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("DUMP payload version or checksum are wrong"),
        "{e}"
    );
    let e = redis::cmd("RESTORE")
        .arg("bad")
        .arg(-1)
        .arg(&payload)
        .query::<()>(&mut c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Invalid TTL value"), "{e}");
    let e = redis::cmd("RESTORE")
        .arg("bad")
        .arg(0)
        .arg(&payload)
        .arg("FREQ")
        .arg(300)
        .query::<()>(&mut c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Invalid FREQ value"), "{e}");
}

fn wait_bgsave(c: &mut Connection) {
    wait_for("the background save to end", || {
        info_field(c, "persistence", "rdb_bgsave_in_progress") == "0"
    });
}

#[test]
fn bgsave_forks_and_reports() {
    let dir = temp_dir("bgsave");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        populate(&mut c, false);
        let before: i64 = q(&mut c, &["LASTSAVE"]);
        std::thread::sleep(Duration::from_millis(1100));
        let r: String = q(&mut c, &["BGSAVE"]);
        assert_eq!(r, "Background saving started");
        wait_bgsave(&mut c);
        assert_eq!(
            info_field(&mut c, "persistence", "rdb_last_bgsave_status"),
            "ok"
        );
        assert_eq!(
            info_field(&mut c, "persistence", "rdb_changes_since_last_save"),
            "0"
        );
        assert_eq!(info_field(&mut c, "stats", "total_forks"), "1");
        let after: i64 = q(&mut c, &["LASTSAVE"]);
        assert!(after > before);
        // A save in progress: a second BGSAVE is refused, SCHEDULE queues it.
        let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "20000"]);
        let _: String = q(&mut c, &["BGSAVE"]);
        assert_eq!(
            info_field(&mut c, "persistence", "rdb_bgsave_in_progress"),
            "1"
        );
        assert!(err(&mut c, &["BGSAVE"]).contains("already in progress"));
        assert!(err(&mut c, &["SAVE"]).contains("already in progress"));
        let r: String = q(&mut c, &["BGREWRITEAOF"]);
        assert_eq!(r, "Background append only file rewriting scheduled");
        // The parent keeps serving while the child works.
        let _: () = q(&mut c, &["SET", "during", "bgsave"]);
        let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    }
    let s = TestServer::start_in(&dir, &[]);
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert!(n > 10);
}

#[test]
fn save_points_trigger_background_saves() {
    let s = TestServer::start_with(&["--save", "1 2"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    let _: () = q(&mut c, &["SET", "b", "2"]);
    wait_for("a save point", || {
        s.log().contains("2 changes in 1 seconds. Saving...")
    });
    wait_bgsave(&mut c);
    wait_for("the dirty counter to reset", || {
        info_field(&mut c, "persistence", "rdb_changes_since_last_save") == "0"
    });
    assert!(s.dir.join("dump.rdb").exists());
}

#[test]
fn failed_bgsave_refuses_writes_with_misconf() {
    let s = TestServer::start_with(&["--save", "3600 1"]);
    let mut c = s.conn();
    // A directory where the RDB should go: the rename into place fails.
    std::fs::create_dir_all(s.dir.join("dump.rdb").join("x")).unwrap();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    let _: String = q(&mut c, &["BGSAVE"]);
    wait_bgsave(&mut c);
    wait_for("the failure to show", || {
        info_field(&mut c, "persistence", "rdb_last_bgsave_status") == "err"
    });
    let e = err(&mut c, &["SET", "b", "2"]);
    assert!(e.starts_with("MISCONF"), "{e}");
    assert!(err(&mut c, &["PING"]).starts_with("MISCONF"));
    let v: String = q(&mut c, &["GET", "a"]);
    assert_eq!(v, "1");
    let _: () = q(
        &mut c,
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
    );
    let _: () = q(&mut c, &["SET", "b", "2"]);
    let _: () = q(
        &mut c,
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
    );
    std::fs::remove_dir_all(s.dir.join("dump.rdb")).unwrap();
    let _: String = q(&mut c, &["BGSAVE"]);
    wait_bgsave(&mut c);
    wait_for("a good save", || {
        info_field(&mut c, "persistence", "rdb_last_bgsave_status") == "ok"
    });
    let _: () = q(&mut c, &["SET", "c", "3"]);
}

#[test]
fn shutdown_saves_or_not() {
    let dir = temp_dir("shutdown");
    let _clean = Cleanup(dir.clone());
    {
        let mut s = TestServer::start_in(&dir, &["--save", "3600 1"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "kept", "1"]);
        let _ = redis::cmd("SHUTDOWN").query::<()>(&mut c);
        assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(0));
        assert!(s.log().contains("DB saved on disk"), "{}", s.log());
    }
    {
        let mut s = TestServer::start_in(&dir, &["--save", "3600 1"]);
        let mut c = s.conn();
        let v: String = q(&mut c, &["GET", "kept"]);
        assert_eq!(v, "1");
        let _: () = q(&mut c, &["SET", "lost", "1"]);
        let _ = redis::cmd("SHUTDOWN").arg("NOSAVE").query::<()>(&mut c);
        assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(0));
    }
    {
        let mut s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        let n: i64 = q(&mut c, &["EXISTS", "lost"]);
        assert_eq!(n, 0);
        // SHUTDOWN SAVE saves even without save points.
        let _: () = q(&mut c, &["SET", "forced", "1"]);
        let _ = redis::cmd("SHUTDOWN").arg("SAVE").query::<()>(&mut c);
        assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(0));
    }
    let s = TestServer::start_in(&dir, &[]);
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["EXISTS", "forced"]);
    assert_eq!(n, 1);
}

#[test]
fn flushall_saves_when_save_points_exist() {
    let s = TestServer::start_with(&["--save", "3600 1"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    let _: () = q(&mut c, &["FLUSHALL"]);
    assert!(s.dir.join("dump.rdb").exists());
    assert_eq!(
        info_field(&mut c, "persistence", "rdb_changes_since_last_save"),
        "0"
    );
}

#[test]
fn expired_keys_are_dropped_at_load() {
    let dir = temp_dir("expired");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "short", "1", "PX", "300"]);
        let _: () = q(&mut c, &["SET", "long", "1", "EX", "1000"]);
        let _: () = q(&mut c, &["SAVE"]);
    }
    std::thread::sleep(Duration::from_millis(500));
    let s = TestServer::start_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(
        info_field(&mut c, "persistence", "rdb_last_load_keys_loaded"),
        "1"
    );
    assert_eq!(
        info_field(&mut c, "persistence", "rdb_last_load_keys_expired"),
        "1"
    );
}

#[test]
fn loading_answers_loading_errors_and_serves() {
    let dir = temp_dir("loading");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &["--enable-debug-command", "yes"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["DEBUG", "POPULATE", "3000"]);
        let _: () = q(&mut c, &["SAVE"]);
    }
    // 3000 keys at 1 ms each: about three seconds of loading.
    let s = TestServer::spawn_in(
        None,
        &["--key-load-delay", "1000"],
        Some(dir.clone()),
        false,
    );
    let mut raw = None;
    wait_for("the listener", || {
        raw = std::net::TcpStream::connect(("127.0.0.1", s.port)).ok();
        raw.is_some()
    });
    let mut r = s.raw();
    let reply = r.query(&["GET", "key:1"]);
    assert!(
        reply.contains("LOADING Redis is loading the dataset in memory"),
        "{reply}"
    );
    let info = r.query(&["INFO", "persistence"]);
    assert!(info.contains("loading:1"), "{info}");
    assert!(info.contains("loading_total_bytes:"), "{info}");
    s.wait_pong();
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert_eq!(n, 3000);
    assert_eq!(info_field(&mut c, "persistence", "loading"), "0");
}

#[test]
fn corrupt_rdb_is_an_error_not_a_panic() {
    let dir = temp_dir("corrupt");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        populate(&mut c, false);
        let _: () = q(&mut c, &["SAVE"]);
    }
    let good = std::fs::read(dir.join("dump.rdb")).unwrap();
    // A flipped byte in the middle: the checksum catches it.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    std::fs::write(dir.join("dump.rdb"), &bad).unwrap();
    let mut s = TestServer::spawn_in(None, &[], Some(dir.clone()), false);
    assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(1));
    assert!(!s.log().contains("panicked"), "{}", s.log());
    // Truncated files and garbage, with the checksum off so the parser meets them.
    for cut in [10usize, good.len() / 3, good.len() - 5] {
        std::fs::write(dir.join("dump.rdb"), &good[..cut]).unwrap();
        let mut s = TestServer::spawn_in(None, &[], Some(dir.clone()), false);
        assert_eq!(
            s.wait_exit(Duration::from_secs(10)),
            Some(1),
            "cut at {cut}"
        );
        assert!(!s.log().contains("panicked"), "{}", s.log());
    }
    std::fs::write(dir.join("dump.rdb"), b"REDIS0010\xfa\x05hello").unwrap();
    s = TestServer::spawn_in(None, &[], Some(dir.clone()), false);
    assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(1));
}

fn aof_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

fn incr_file(dir: &Path) -> PathBuf {
    let m = std::fs::read_to_string(aof_dir(dir).join("appendonly.aof.manifest")).unwrap();
    let name = m
        .lines()
        .rfind(|l| l.ends_with("type i"))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap()
        .to_string();
    aof_dir(dir).join(name)
}

#[test]
fn aof_logs_writes_and_restores_them() {
    let dir = temp_dir("aof");
    let _clean = Cleanup(dir.clone());
    let want;
    {
        let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
        let mut c = s.conn();
        populate(&mut c, true);
        want = snapshot(&mut c);
        assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "1");
    }
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.contains("appendonly.aof.1.base.rdb seq 1 type b"),
        "{manifest}"
    );
    assert!(
        manifest.contains("appendonly.aof.1.incr.aof seq 1 type i"),
        "{manifest}"
    );
    {
        let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
        let mut c = s.conn();
        assert_eq!(snapshot(&mut c), want);
        // A rewrite folds everything into a new base.
        let _: String = q(&mut c, &["BGREWRITEAOF"]);
        wait_for("the rewrite", || {
            info_field(&mut c, "persistence", "aof_rewrite_in_progress") == "0"
                && info_field(&mut c, "persistence", "aof_rewrites") == "1"
        });
        let _: () = q(&mut c, &["SET", "after", "rewrite"]);
    }
    let manifest = std::fs::read_to_string(aof_dir(&dir).join("appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.contains("appendonly.aof.2.base.rdb seq 2 type b"),
        "{manifest}"
    );
    assert!(!manifest.contains("type h"), "{manifest}");
    assert!(!aof_dir(&dir).join("appendonly.aof.1.base.rdb").exists());
    let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    let v: String = q(&mut c, &["GET", "after"]);
    assert_eq!(v, "rewrite");
    let _: i64 = q(&mut c, &["DEL", "after"]);
    assert_eq!(snapshot(&mut c), want);
}

#[test]
fn aof_propagates_commands_as_redis_does() {
    let dir = temp_dir("aofprop");
    let _clean = Cleanup(dir.clone());
    let s = TestServer::start_in(&dir, &["--appendonly", "yes", "--appendfsync", "always"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "k", "v", "EX", "100"]);
    let _: i64 = q(&mut c, &["EXPIRE", "k", "200"]);
    let _: String = q(&mut c, &["INCRBYFLOAT", "f", "1.5"]);
    let _: i64 = q(&mut c, &["SADD", "s", "only"]);
    let _: String = q(&mut c, &["SPOP", "s"]);
    let _: () = q(&mut c, &["SET", "gone", "1", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(10));
    let _: Option<String> = q(&mut c, &["GET", "gone"]);
    let _: redis::Value = redis::cmd("MULTI").query(&mut c).unwrap();
    let _: redis::Value = redis::cmd("SET").arg("m1").arg("1").query(&mut c).unwrap();
    let _: redis::Value = redis::cmd("SET").arg("m2").arg("2").query(&mut c).unwrap();
    let _: redis::Value = redis::cmd("EXEC").query(&mut c).unwrap();
    let _: i64 = q(&mut c, &["EXPIRE", "m1", "-1"]);
    let text = String::from_utf8_lossy(&std::fs::read(incr_file(&dir)).unwrap()).into_owned();
    let cmds: Vec<String> = text
        .split("*")
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split("\r\n")
                .skip(1)
                .filter(|x| !x.starts_with('$') && !x.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let expect_prefixes = [
        "SELECT 0",
        "SET k v PXAT ",
        "PEXPIREAT k ",
        "SET f 1.5 KEEPTTL",
        "SADD s only",
        "SREM s only",
        "SET gone 1 PXAT ",
        "DEL gone",
        "MULTI",
        "SET m1 1",
        "SET m2 2",
        "EXEC",
        "DEL m1",
    ];
    assert_eq!(cmds.len(), expect_prefixes.len(), "{cmds:?}");
    for (got, want) in cmds.iter().zip(expect_prefixes) {
        assert!(
            got.starts_with(want),
            "{got:?} should start with {want:?} in {cmds:?}"
        );
    }
}

#[test]
fn aof_torn_tail_is_cut_when_allowed() {
    let dir = temp_dir("aoftorn");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
        let mut c = s.conn();
        for i in 0..100 {
            let _: () = q(&mut c, &["SET", &format!("k{i}"), "v"]);
        }
    }
    let incr = incr_file(&dir);
    let mut data = std::fs::read(&incr).unwrap();
    data.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nval");
    std::fs::write(&incr, &data).unwrap();
    {
        let mut s = TestServer::spawn_in(
            None,
            &["--appendonly", "yes", "--aof-load-truncated", "no"],
            Some(dir.clone()),
            false,
        );
        assert_eq!(s.wait_exit(Duration::from_secs(10)), Some(1));
        assert!(s.log().contains("Unexpected end of file"), "{}", s.log());
        s.keep_dir = true;
    }
    let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert_eq!(n, 100);
    assert!(s.log().contains("Truncating the AOF"), "{}", s.log());
    assert!(s
        .log()
        .contains("loaded anyway because aof-load-truncated is enabled"));
    // An unfinished MULTI at the end is dropped whole.
    drop(c);
    drop(s);
    let mut data = std::fs::read(&incr).unwrap();
    data.extend_from_slice(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n");
    std::fs::write(&incr, &data).unwrap();
    let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["EXISTS", "x"]);
    assert_eq!(n, 0);
    assert!(
        s.log().contains("Revert incomplete MULTI/EXEC"),
        "{}",
        s.log()
    );
}

#[test]
fn appendonly_at_runtime_and_debug_loadaof() {
    let dir = temp_dir("aofruntime");
    let _clean = Cleanup(dir.clone());
    {
        let s = TestServer::start_in(&dir, &["--enable-debug-command", "yes"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "before", "1"]);
        let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
        wait_for("the first rewrite", || {
            info_field(&mut c, "persistence", "aof_rewrite_in_progress") == "0"
                && info_field(&mut c, "persistence", "aof_rewrites") == "1"
        });
        let _: () = q(&mut c, &["SET", "after", "2"]);
        let _: () = q(&mut c, &["DEBUG", "LOADAOF"]);
        let v: (String, String) = redis::cmd("MGET")
            .arg("before")
            .arg("after")
            .query(&mut c)
            .map(|v: Vec<String>| (v[0].clone(), v[1].clone()))
            .unwrap();
        assert_eq!(v, ("1".into(), "2".into()));
    }
    let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    let n: i64 = q(&mut c, &["EXISTS", "before", "after"]);
    assert_eq!(n, 2);
    let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut c, "persistence", "aof_enabled"), "0");
}

#[test]
fn aof_without_preamble_writes_commands() {
    let dir = temp_dir("aofnopre");
    let _clean = Cleanup(dir.clone());
    let want;
    {
        let s = TestServer::start_in(
            &dir,
            &["--appendonly", "yes", "--aof-use-rdb-preamble", "no"],
        );
        let mut c = s.conn();
        populate(&mut c, true);
        want = snapshot(&mut c);
        let _: String = q(&mut c, &["BGREWRITEAOF"]);
        wait_for("the rewrite", || {
            info_field(&mut c, "persistence", "aof_rewrites") == "1"
        });
    }
    let base = std::fs::read(aof_dir(&dir).join("appendonly.aof.2.base.aof")).unwrap();
    assert!(base.starts_with(b"*2\r\n$6\r\nSELECT\r\n"));
    let s = TestServer::start_in(&dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    assert_eq!(snapshot(&mut c), want);
}

/// Scripts propagate their effects, not themselves; `redis.set_repl` chooses which
/// effects reach the AOF (Redis's "set_repl" replication tests, AOF side).
#[test]
fn script_effects_reach_the_aof_as_set_repl_says() {
    let s = TestServer::start_with(&["--appendonly", "yes", "--enable-debug-command", "yes"]);
    let mut c = s.conn();
    let script = "redis.call('incr', 'a')\nredis.set_repl(redis.REPL_NONE)\nredis.call('incr', 'b')\nredis.set_repl(redis.REPL_ALL)\nredis.call('incr', 'c')\nreturn 1";
    let _: i64 = q(&mut c, &["EVAL", script, "0"]);
    let lib = "#!python name=plib\nredis.register_function('bump', lambda keys, args: redis.call('incrby', keys[0], 5))";
    let _: String = q(&mut c, &["FUNCTION", "LOAD", lib]);
    let _: i64 = q(&mut c, &["FCALL", "bump", "1", "d"]);
    let _: String = q(&mut c, &["DEBUG", "LOADAOF"]);
    let v: Vec<Option<String>> = q(&mut c, &["MGET", "a", "b", "c", "d"]);
    assert_eq!(
        v,
        vec![Some("1".into()), None, Some("1".into()), Some("5".into())]
    );
    let libs: Vec<redis::Value> = q(&mut c, &["FUNCTION", "LIST"]);
    assert_eq!(libs.len(), 1, "function library survives the AOF reload");
}

/// Function libraries live in the RDB: they survive `SAVE` + restart, and `FLUSHALL`
/// does not remove them.
#[test]
fn function_libraries_survive_restart() {
    let dir = temp_dir("functions");
    let lib = "#!python name=keeplib\nredis.register_function('twice', lambda keys, args: int(args[0]) * 2)";
    {
        let s = TestServer::start_in(&dir, &[]);
        let mut c = s.conn();
        let _: String = q(&mut c, &["FUNCTION", "LOAD", lib]);
        let _: String = q(&mut c, &["FLUSHALL"]);
        let _: String = q(&mut c, &["SAVE"]);
    }
    let s = TestServer::start_in(&dir, &[]);
    let mut c = s.conn();
    let v: i64 = q(&mut c, &["FCALL", "twice", "0", "21"]);
    assert_eq!(v, 42);
}
