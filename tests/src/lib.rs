//! The end-to-end test fixture: start the real `coil-server` binary on a free port,
//! talk to it over TCP, kill it when the test ends (even on panic).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Path of the `coil-server` binary: `$COIL_SERVER_BIN`, or the one cargo built next to
/// the test executable.
pub fn server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("COIL_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/coil-server
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir.join("coil-server");
    assert!(
        bin.exists(),
        "{} not found: run `cargo test --workspace` (it builds the binary) or set COIL_SERVER_BIN",
        bin.display()
    );
    bin
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `coil-server`, killed on drop.
pub struct TestServer {
    child: Child,
    /// Its port.
    pub port: u16,
    /// Its working directory (removed on drop).
    pub dir: PathBuf,
}

impl TestServer {
    /// Starts a server with the given extra `--directive value` arguments.
    pub fn start_with(args: &[&str]) -> TestServer {
        Self::spawn(None, args)
    }

    /// Starts a server with a configuration file, then `--directive value` overrides.
    pub fn start_with_file(conf: &str, args: &[&str]) -> TestServer {
        Self::spawn(Some(conf), args)
    }

    fn spawn(conf: Option<&str>, args: &[&str]) -> TestServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("coil-test-{}-{}", std::process::id(), port));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("stdout.log");
        let child = Command::new(server_binary())
            .args(conf)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
            ])
            .arg(&dir)
            .args(args)
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("stderr.log")).unwrap(),
            ))
            .spawn()
            .expect("start coil-server");
        let s = TestServer { child, port, dir };
        s.wait_ready();
        s
    }

    /// Starts a server with default settings.
    pub fn start() -> TestServer {
        Self::start_with(&[])
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                if s.write_all(b"PING\r\n").is_ok() {
                    let mut buf = [0u8; 7];
                    if s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("coil-server did not start; log:\n{}", self.log());
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default()
            + &std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// A `redis` crate connection (RESP2).
    pub fn conn(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        client.get_connection().expect("connect")
    }

    /// A `redis` crate connection speaking RESP3.
    pub fn conn3(&self) -> redis::Connection {
        let client =
            redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", self.port))
                .unwrap();
        client.get_connection().expect("connect")
    }

    /// A raw socket for byte-exact protocol tests.
    pub fn raw(&self) -> RawConn {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        RawConn { s }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the process to exit (up to `timeout`), returning its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A raw connection: send bytes, read exact reply bytes.
pub struct RawConn {
    /// The socket.
    pub s: TcpStream,
}

impl RawConn {
    /// Sends bytes as they are.
    pub fn send(&mut self, data: &[u8]) {
        self.s.write_all(data).unwrap();
    }

    /// Sends a command as a RESP multibulk.
    pub fn cmd(&mut self, args: &[&[u8]]) {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.send(&out);
    }

    /// Sends a command and returns its complete raw reply.
    pub fn query(&mut self, args: &[&str]) -> String {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args);
        self.read_reply()
    }

    /// Reads exactly `n` bytes.
    pub fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        self.s.read_exact(&mut buf).unwrap();
        buf
    }

    /// Reads until `expected.len()` bytes arrived and returns them as a string.
    pub fn expect(&mut self, expected: &[u8]) {
        let got = self.read_exact(expected.len());
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }

    /// Reads one line (up to and including CRLF).
    pub fn line(&mut self) -> String {
        let mut out = Vec::new();
        let mut b = [0u8; 1];
        while !out.ends_with(b"\r\n") {
            self.s.read_exact(&mut b).unwrap();
            out.push(b[0]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Reads one complete RESP2/RESP3 reply and returns its raw bytes.
    pub fn read_reply(&mut self) -> String {
        let line = self.line();
        let mut out = line.clone();
        let n: i64 = line[1..line.len() - 2].parse().unwrap_or(0);
        match line.as_bytes()[0] {
            b'$' | b'=' | b'!' if n >= 0 => {
                out.push_str(&String::from_utf8_lossy(&self.read_exact(n as usize + 2)));
            }
            b'*' | b'~' | b'>' => {
                for _ in 0..n.max(0) {
                    out.push_str(&self.read_reply());
                }
            }
            b'%' | b'|' => {
                for _ in 0..2 * n {
                    out.push_str(&self.read_reply());
                }
                if line.as_bytes()[0] == b'|' {
                    out.push_str(&self.read_reply());
                }
            }
            _ => {}
        }
        out
    }

    /// True once the server has closed the connection (reads return 0).
    pub fn is_closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.s.read(&mut b), Ok(0) | Err(_))
    }
}
