use coil_tests::TestServer;
use std::time::Duration;

#[test]
fn monitor_sees_other_clients_commands() {
    let s = TestServer::start();
    let mut m = s.raw();
    m.send(b"MONITOR\r\n");
    m.expect(b"+OK\r\n");
    let mut c = s.raw();
    c.send(b"SET \"a b\" \"x\\ny\"\r\n");
    c.expect(b"+OK\r\n");
    let line = m.line();
    assert!(line.starts_with('+'), "{line}");
    assert!(line.ends_with("\"SET\" \"a b\" \"x\\ny\"\r\n"), "{line}");
    assert!(line.contains(" [0 127.0.0.1:"), "{line}");
}

#[test]
fn unix_socket_serves_commands() {
    let dir = std::env::temp_dir().join(format!("coil-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("coil.sock");
    let s = TestServer::start_with(&[
        "--unixsocket",
        path.to_str().unwrap(),
        "--unixsocketperm",
        "700",
    ]);
    let mut sock = std::os::unix::net::UnixStream::connect(&path).unwrap();
    use std::io::{Read, Write};
    sock.write_all(b"SET k v\r\nCLIENT INFO\r\n").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(2).filter(|w| w == b"\r\n").count() >= 2 || got.len() < 20 {
        let n = sock.read(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
        if got.ends_with(b"\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("+OK\r\n"), "{text}");
    assert!(text.contains("flags=U"), "{text}");
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let s = TestServer::start_with(&["--timeout", "1"]);
    let mut c = s.raw();
    c.send(b"PING\r\n");
    c.expect(b"+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(c.is_closed(), "idle client should have been closed");
}

#[test]
fn output_buffer_limit_disconnects_client_that_does_not_read() {
    let s = TestServer::start_with(&["--client-output-buffer-limit", "normal 1mb 0 0"]);
    let mut admin = s.conn();
    let big = "x".repeat(512 * 1024);
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query(&mut admin)
        .unwrap();
    let mut lazy = s.raw();
    // Ask for far more than the limit and never read.
    let mut req = Vec::new();
    for _ in 0..200 {
        req.extend_from_slice(b"GET big\r\n");
    }
    lazy.send(&req);
    std::thread::sleep(Duration::from_millis(500));
    let info: String = redis::cmd("INFO").arg("stats").query(&mut admin).unwrap();
    assert!(
        info.contains("client_output_buffer_limit_disconnections:1"),
        "{info}"
    );
    let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    assert_eq!(clients.lines().count(), 1, "{clients}");
}

#[test]
fn query_buffer_limit_disconnects_client() {
    let s = TestServer::start_with(&["--client-query-buffer-limit", "1mb"]);
    let mut c = s.raw();
    // A bulk argument announced at 2MB and never completed.
    c.send(b"*2\r\n$3\r\nSET\r\n$2000000\r\n");
    c.send(&vec![b'a'; 1_100_000]);
    assert!(c.is_closed());
    let mut ok = s.conn();
    let info: String = redis::cmd("INFO").arg("stats").query(&mut ok).unwrap();
    assert!(
        info.contains("client_query_buffer_limit_disconnections:1"),
        "{info}"
    );
}

#[test]
fn log_lines_follow_redis_format() {
    let s = TestServer::start();
    let log = s.log();
    let line = log
        .lines()
        .find(|l| l.contains("Ready to accept connections"))
        .expect("ready line");
    // pid:M dd Mon yyyy hh:mm:ss.mmm * message
    let parts: Vec<&str> = line.splitn(7, ' ').collect();
    assert!(parts[0].ends_with(":M"), "{line}");
    assert_eq!(parts[4].len(), 12, "{line}");
    assert_eq!(parts[5], "*", "{line}");
    assert!(
        log.contains(&format!("PID: {}", parts[0].trim_end_matches(":M"))),
        "{log}"
    );
}

#[test]
fn config_file_then_overrides() {
    let dir = std::env::temp_dir().join(format!("coil-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("coil.conf");
    std::fs::write(&conf, "maxmemory 2mb\nhz 25\n# a comment\nsave \"\"\n").unwrap();
    let s = TestServer::start_with_file(conf.to_str().unwrap(), &["--hz", "30"]);
    let mut c = s.conn();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory")
        .arg("hz")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["maxmemory", "2097152", "hz", "30"], "{}", s.log());
    let info: String = redis::cmd("INFO").arg("server").query(&mut c).unwrap();
    assert!(
        info.contains(&format!(
            "config_file:{}",
            std::fs::canonicalize(&conf).unwrap().display()
        )),
        "{info}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
