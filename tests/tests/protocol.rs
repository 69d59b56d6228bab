use coil_tests::TestServer;

#[test]
fn inline_and_multibulk_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"PING\r\n");
    c.expect(b"+PONG\r\n");
    c.send(b"SET k \"hello world\"\r\nGET k\r\n");
    c.expect(b"+OK\r\n$11\r\nhello world\r\n");
    c.cmd(&[b"ECHO", b"bin\x00ary"]);
    c.expect(b"$7\r\nbin\x00ary\r\n");
}

#[test]
fn pipelining_keeps_order() {
    let s = TestServer::start();
    let mut c = s.raw();
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n$4\r\nk{:03}\r\n$1\r\n{}\r\n",
                i % 1000,
                i % 10
            )
            .as_bytes(),
        );
    }
    batch.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$4\r\nk999\r\n");
    c.send(&batch);
    let mut expected = b"+OK\r\n".repeat(1000);
    expected.extend_from_slice(b"$1\r\n9\r\n");
    c.expect(&expected);
}

#[test]
fn request_split_across_writes() {
    let s = TestServer::start();
    let mut c = s.raw();
    for b in b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n" {
        c.send(&[*b]);
    }
    c.expect(b"$5\r\nhello\r\n");
}

#[test]
fn protocol_errors_close_the_connection_and_others_survive() {
    let s = TestServer::start();
    let cases: &[(&[u8], &str)] = &[
        (
            b"*x\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$-5\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n:1\r\n",
            "-ERR Protocol error: expected '$', got ':'\r\n",
        ),
        (
            b"SET \"k\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            b"*1\r\n$999999999999\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
    ];
    for (input, reply) in cases {
        let mut c = s.raw();
        c.send(input);
        c.expect(reply.as_bytes());
        assert!(c.is_closed(), "connection should close after {reply}");
    }
    let mut big = s.raw();
    big.send(&vec![b'a'; 70 * 1024]);
    big.expect(b"-ERR Protocol error: too big inline request\r\n");
    assert!(big.is_closed());
    let mut ok = s.raw();
    ok.send(b"PING\r\n");
    ok.expect(b"+PONG\r\n");
}

#[test]
fn empty_requests_are_ignored() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"\r\n*0\r\n*-1\r\n   \r\nPING\r\n");
    c.expect(b"+PONG\r\n");
}

#[test]
fn unknown_command_and_arity_errors() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"FOO a b\r\n");
    c.expect(b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
    c.send(b"GET\r\n");
    c.expect(b"-ERR wrong number of arguments for 'get' command\r\n");
    c.send(b"CONFIG FOO\r\n");
    c.expect(b"-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
    c.send(b"CONFIG\r\n");
    c.expect(b"-ERR wrong number of arguments for 'config' command\r\n");
}

#[test]
fn resp3_hello_and_types() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"HELLO 3\r\n");
    let hello = c.read_reply();
    assert!(hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.4.0\r\n$5\r\nproto\r\n:3\r\n"), "{hello}");
    assert!(hello.ends_with("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"), "{hello}");
    c.send(b"GET missing\r\n");
    c.expect(b"_\r\n");
    c.send(b"DEBUG PROTOCOL double\r\n");
    c.expect(b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n");
    c.send(b"HELLO 4\r\n");
    c.expect(b"-NOPROTO unsupported protocol version\r\n");
}

#[test]
fn resp3_replies_with_debug_protocol() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    c.send(b"HELLO 3\r\n");
    c.read_reply();
    for (kind, reply) in [
        ("double", ",3.141\r\n"),
        ("null", "_\r\n"),
        ("true", "#t\r\n"),
        ("bignum", "(1234567999999999999999999999999999999\r\n"),
        ("map", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        ("set", "~3\r\n:0\r\n:1\r\n:2\r\n"),
        ("verbatim", "=29\r\ntxt:This is a verbatim\nstring\r\n"),
    ] {
        c.send(format!("DEBUG PROTOCOL {kind}\r\n").as_bytes());
        c.expect(reply.as_bytes());
    }
    let mut c2 = s.raw();
    c2.send(b"DEBUG PROTOCOL double\r\nDEBUG PROTOCOL map\r\n");
    c2.expect(b"$5\r\n3.141\r\n*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n");
}

#[test]
fn quit_closes_after_reply() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"QUIT\r\nPING\r\n");
    c.expect(b"+OK\r\n");
    assert!(c.is_closed());
}

#[test]
fn maxclients_refuses_extra_connections() {
    let s = TestServer::start_with(&["--maxclients", "2"]);
    let mut a = s.raw();
    let mut b = s.raw();
    a.send(b"PING\r\n");
    a.expect(b"+PONG\r\n");
    b.send(b"PING\r\n");
    b.expect(b"+PONG\r\n");
    let mut c = s.raw();
    c.expect(b"-ERR max number of clients reached\r\n");
    assert!(c.is_closed());
}
