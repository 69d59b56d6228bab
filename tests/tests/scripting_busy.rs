//! Long scripts: other clients get `-BUSY` past `busy-reply-threshold`, `SCRIPT KILL` /
//! `FUNCTION KILL` stop them (even when they catch everything), `UNKILLABLE` after a
//! write, `SHUTDOWN NOSAVE`, and the per-script memory cap.

use super::scripting::q;
use coil_tests::{RawConn, TestServer};
use std::time::{Duration, Instant};

const BUSY_EVAL: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
const BUSY_FUNCTION: &str =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";

fn server() -> TestServer {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(
        q(&mut c, &["CONFIG", "SET", "busy-reply-threshold", "50"]),
        "+OK\r\n"
    );
    s
}

/// Pings until the server answers BUSY (the script passed the threshold).
fn wait_busy(c: &mut RawConn, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = q(c, &["PING"]);
        if r == expected {
            return;
        }
        assert_eq!(r, "+PONG\r\n", "unexpected reply while waiting for BUSY");
        assert!(Instant::now() < deadline, "never got BUSY");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn load_busy_function(c: &mut RawConn, body: &str) {
    let lib = format!("#!python name=busy\n@redis.function\ndef test(keys, args):\n{body}\n");
    assert_eq!(
        q(c, &["FUNCTION", "LOAD", "REPLACE", &lib]),
        "$4\r\nbusy\r\n"
    );
}

#[test]
fn infinite_loop_is_killed_while_others_get_busy() {
    let s = server();
    let mut other = s.raw();
    // EVAL + SCRIPT KILL (29)
    let mut a = s.raw();
    a.cmd(&[b"EVAL", b"while True:\n    pass", b"0"]);
    wait_busy(&mut other, BUSY_EVAL);
    assert_eq!(q(&mut other, &["GET", "x"]), BUSY_EVAL);
    assert_eq!(q(&mut other, &["FUNCTION", "STATS"]), BUSY_EVAL);
    assert_eq!(q(&mut other, &["FUNCTION", "KILL"]), BUSY_EVAL);
    assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), "+OK\r\n");
    let r = a.read_reply();
    assert!(
        r.starts_with("-ERR Script killed by user with SCRIPT KILL... script: "),
        "{r}"
    );
    assert_eq!(q(&mut other, &["PING"]), "+PONG\r\n");
    assert_eq!(q(&mut a, &["PING"]), "+PONG\r\n");
    // FCALL + FUNCTION KILL, with FUNCTION STATS and cross-kill (33)
    load_busy_function(&mut a, "    while True:\n        pass");
    a.cmd(&[b"FCALL", b"test", b"0"]);
    wait_busy(&mut other, BUSY_FUNCTION);
    assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), BUSY_FUNCTION);
    let stats = q(&mut other, &["FUNCTION", "STATS"]);
    assert!(stats.contains("running_script\r\n*6\r\n$4\r\nname\r\n$4\r\ntest\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n$4\r\ntest\r\n$1\r\n0\r\n$11\r\nduration_ms\r\n:"), "{stats}");
    assert_eq!(q(&mut other, &["FUNCTION", "KILL"]), "+OK\r\n");
    let r = a.read_reply();
    assert!(
        r.starts_with(
            "-ERR Script killed by user with SCRIPT KILL... script: test, on @user_function:"
        ),
        "{r}"
    );
    assert_eq!(
        q(&mut other, &["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    assert_eq!(
        q(&mut other, &["FUNCTION", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    let log = s.log();
    assert!(
        log.contains("Slow script detected: still in execution after"),
        "{log}"
    );
}

#[test]
fn kill_cannot_be_caught() {
    let s = server();
    let mut other = s.raw();
    for (i, body) in [
        "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass",
        "def f():\n    try:\n        for _ in range(10**9):\n            pass\n    except:\n        pass\nwhile True:\n    try:\n        f()\n    except BaseException:\n        continue",
    ]
    .iter()
    .enumerate()
    {
        // 30
        let mut a = s.raw();
        a.cmd(&[b"EVAL", body.as_bytes(), b"0"]);
        wait_busy(&mut other, BUSY_EVAL);
        let start = Instant::now();
        assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), "+OK\r\n");
        let r = a.read_reply();
        assert!(r.contains("Script killed by user"), "case {i}: {r}");
        assert!(start.elapsed() < Duration::from_secs(2), "case {i} took {:?}", start.elapsed());
        assert_eq!(q(&mut other, &["PING"]), "+PONG\r\n");
    }
}

#[test]
fn pipelined_command_after_busy_script_is_served() {
    // 31
    let s = server();
    let mut other = s.raw();
    let mut a = s.raw();
    a.cmd(&[b"EVAL", b"while True:\n    pass", b"0"]);
    std::thread::sleep(Duration::from_millis(20));
    a.send(b"PING\r\n");
    wait_busy(&mut other, BUSY_EVAL);
    std::thread::sleep(Duration::from_millis(30));
    a.send(b"PING\r\n");
    assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), "+OK\r\n");
    assert!(a.read_reply().contains("Script killed by user"));
    assert_eq!(a.read_reply(), "+PONG\r\n");
    assert_eq!(a.read_reply(), "+PONG\r\n");
}

#[test]
fn busy_transactions_abort() {
    let s = server();
    let mut other = s.raw();
    let mut a = s.raw();
    a.cmd(&[b"EVAL", b"while True:\n    pass", b"0"]);
    wait_busy(&mut other, BUSY_EVAL);
    assert_eq!(q(&mut other, &["MULTI"]), "+OK\r\n");
    assert_eq!(q(&mut other, &["SET", "a", "1"]), BUSY_EVAL);
    let r = q(&mut other, &["EXEC"]);
    assert_eq!(
        r,
        format!(
            "-EXECABORT Transaction discarded because of: {}",
            &BUSY_EVAL[1..]
        )
    );
    assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), "+OK\r\n");
    a.read_reply();
}

#[test]
fn unkillable_after_write_and_shutdown_nosave() {
    // 32
    let mut s = server();
    let mut other = s.raw();
    let mut a = s.raw();
    a.cmd(&[
        b"EVAL",
        b"redis.call('set', 'x', 'y')\nwhile True:\n    pass",
        b"0",
    ]);
    wait_busy(&mut other, BUSY_EVAL);
    assert_eq!(q(&mut other, &["SCRIPT", "KILL"]), "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n");
    assert_eq!(q(&mut other, &["PING"]), BUSY_EVAL);
    assert_eq!(q(&mut other, &["SHUTDOWN"]), BUSY_EVAL);
    other.cmd(&[b"SHUTDOWN", b"NOSAVE"]);
    assert_eq!(s.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn busy_threshold_zero_never_serves_others() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["CONFIG", "SET", "busy-reply-threshold", "0"]);
    // A long but finite script: others wait, then get their reply.
    let mut a = s.raw();
    a.cmd(&[
        b"EVAL",
        b"for i in range(3000000):\n    pass\nreturn 1",
        b"0",
    ]);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(q(&mut c, &["PING"]), "+PONG\r\n");
    assert_eq!(a.read_reply(), ":1\r\n");
}

#[test]
fn allocation_bomb_is_stopped_by_the_memory_cap() {
    let s = TestServer::start_with(&["--python-script-max-memory", "32mb"]);
    let mut c = s.raw();
    for body in [
        "x = 'a' * (100 * 1024 * 1024)\nreturn 1",
        "x = []\nwhile True:\n    x.append('y' * 1000)",
        "x = [i for i in range(10**9)]",
    ] {
        let r = q(&mut c, &["EVAL", body, "0"]);
        assert!(
            r.starts_with("-ERR user_script:") && r.contains("MemoryError"),
            "{body}: {r}"
        );
        assert_eq!(q(&mut c, &["PING"]), "+PONG\r\n");
    }
    // Ordinary scripts still run, and the memory went back.
    assert_eq!(
        q(&mut c, &["EVAL", "return len('a' * 1000000)", "0"]),
        ":1000000\r\n"
    );
    let info = q(&mut c, &["INFO", "memory"]);
    let vm: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory_vm_total:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    assert!(vm > 0 && vm < 64 << 20, "{vm}");
}

#[test]
fn sigterm_stops_a_server_busy_with_a_script() {
    let mut s = server();
    let mut other = s.raw();
    let mut a = s.raw();
    a.cmd(&[
        b"EVAL",
        b"redis.call('set', 'x', 'y')\nwhile True:\n    pass",
        b"0",
    ]);
    wait_busy(&mut other, BUSY_EVAL);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(s.wait_exit(Duration::from_secs(5)), Some(0));
}
