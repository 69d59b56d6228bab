//! Crash safety: `kill -9` of coil-server in the middle of a write load, then a restart
//! from its AOF. Each test prints the acknowledged and recovered counts.

use coil_tests::TestServer;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "coil-crash-{}-{}-{name}",
        std::process::id(),
        coil_tests::free_port()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `SET k:<i> <i>` one at a time until the connection dies; counts the writes
/// the server acknowledged.
fn writer(port: u16, acked: Arc<AtomicU64>, started: Arc<AtomicBool>) {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 5];
    for i in 0u64.. {
        let (k, v) = (format!("k:{i}"), i.to_string());
        let cmd = format!(
            "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
            k.len(),
            v.len()
        );
        if s.write_all(cmd.as_bytes()).is_err() || s.read_exact(&mut buf).is_err() {
            return;
        }
        if &buf != b"+OK\r\n" {
            return;
        }
        acked.store(i + 1, Ordering::SeqCst);
        started.store(true, Ordering::SeqCst);
    }
}

/// Runs a write load for `load`, kills the server with SIGKILL, and returns the number
/// of acknowledged writes.
fn load_and_kill(dir: &Path, fsync: &str, load: Duration) -> u64 {
    let mut s = TestServer::start_in(dir, &["--appendonly", "yes", "--appendfsync", fsync]);
    let acked = Arc::new(AtomicU64::new(0));
    let started = Arc::new(AtomicBool::new(false));
    let port = s.port;
    let t = {
        let (a, st) = (acked.clone(), started.clone());
        std::thread::spawn(move || writer(port, a, st))
    };
    while !started.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(load);
    s.kill9();
    let _ = t.join();
    acked.load(Ordering::SeqCst)
}

/// Restarts from the AOF and counts the keys `k:0..` present without a gap.
fn recovered(dir: &Path) -> (u64, u64, String) {
    let s = TestServer::start_in(dir, &["--appendonly", "yes"]);
    let mut c = s.conn();
    let n: u64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    // Every key up to the count must be there (writes are applied in order).
    let mut contiguous = 0;
    while contiguous < n {
        let v: Option<String> = redis::cmd("GET")
            .arg(format!("k:{contiguous}"))
            .query(&mut c)
            .unwrap();
        if v.as_deref() != Some(contiguous.to_string().as_str()) {
            break;
        }
        contiguous += 1;
    }
    (n, contiguous, s.log())
}

#[test]
fn kill9_with_appendfsync_always_loses_no_acknowledged_write() {
    let dir = temp_dir("always");
    let _c = Cleanup(dir.clone());
    let acked = load_and_kill(&dir, "always", Duration::from_millis(1500));
    let (n, contiguous, _) = recovered(&dir);
    println!("appendfsync always: acknowledged {acked}, recovered {n} ({contiguous} in order)");
    assert!(acked > 100, "too few writes: {acked}");
    assert_eq!(contiguous, n);
    assert!(n >= acked && n <= acked + 1, "acked {acked}, recovered {n}");
}

#[test]
fn kill9_with_appendfsync_everysec_loses_at_most_a_second() {
    let dir = temp_dir("everysec");
    let _c = Cleanup(dir.clone());
    let t0 = std::time::Instant::now();
    let acked = load_and_kill(&dir, "everysec", Duration::from_millis(1500));
    let rate = acked as f64 / t0.elapsed().as_secs_f64();
    let (n, contiguous, _) = recovered(&dir);
    println!(
        "appendfsync everysec: acknowledged {acked}, recovered {n} ({contiguous} in order), {:.0} writes/s",
        rate
    );
    assert_eq!(contiguous, n);
    // A process crash loses nothing written to the file; only an OS crash could lose
    // the last second. Allow that second anyway.
    assert!(n + rate as u64 >= acked, "acked {acked}, recovered {n}");
    assert!(n <= acked + 1);
}

#[test]
fn kill9_then_torn_tail_is_recovered() {
    let dir = temp_dir("torn");
    let _c = Cleanup(dir.clone());
    let acked = load_and_kill(&dir, "always", Duration::from_millis(800));
    // Tear the last command in half, as a crash in the middle of write() would.
    let manifest =
        std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    let incr = manifest
        .lines()
        .rfind(|l| l.ends_with("type i"))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap()
        .to_string();
    let path = dir.join("appendonlydir").join(incr);
    let mut data = std::fs::read(&path).unwrap();
    let last = data
        .windows(4)
        .rposition(|w| w == b"*3\r\n")
        .expect("a command");
    let torn_at = last + (data.len() - last) / 2;
    data.truncate(torn_at);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&data).unwrap();
    drop(f);
    let (n, contiguous, log) = recovered(&dir);
    println!("torn tail: acknowledged {acked}, recovered {n} ({contiguous} in order)");
    assert!(log.contains("Truncating the AOF"), "{log}");
    assert_eq!(contiguous, n);
    // The torn command was the last one: at most it and the unacknowledged one are lost.
    assert!(n + 1 >= acked && n <= acked, "acked {acked}, recovered {n}");
    let mut buf = Vec::new();
    std::fs::File::open(&path)
        .unwrap()
        .read_to_end(&mut buf)
        .unwrap();
    assert!(buf.len() <= torn_at);
}
