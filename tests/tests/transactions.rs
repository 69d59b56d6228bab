use coil_tests::TestServer;

#[test]
fn multi_exec_and_execabort() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"MULTI\r\nSET a 1\r\nINCR a\r\nEXEC\r\n");
    c.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n");
    c.send(b"MULTI\r\nSET a\r\nINCR a\r\nEXEC\r\n");
    c.expect(b"+OK\r\n-ERR wrong number of arguments for 'set' command\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n");
    c.send(b"EXEC\r\nDISCARD\r\nMULTI\r\nMULTI\r\nDISCARD\r\n");
    c.expect(b"-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n+OK\r\n-ERR MULTI calls can not be nested\r\n+OK\r\n");
}

#[test]
fn watch_conflict_fails_exec() {
    let s = TestServer::start();
    let mut a = s.raw();
    let mut b = s.raw();
    a.send(b"SET k 1\r\nWATCH k\r\n");
    a.expect(b"+OK\r\n+OK\r\n");
    b.send(b"SET k 2\r\n");
    b.expect(b"+OK\r\n");
    a.send(b"MULTI\r\nSET k 3\r\nEXEC\r\nGET k\r\n");
    a.expect(b"+OK\r\n+QUEUED\r\n*-1\r\n$1\r\n2\r\n");
    // Without a conflicting write EXEC runs.
    a.send(b"WATCH k\r\nMULTI\r\nSET k 4\r\nEXEC\r\n");
    a.expect(b"+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n");
    // Errors inside EXEC do not stop the rest.
    a.send(b"SET s abc\r\nMULTI\r\nINCR s\r\nSET k 5\r\nEXEC\r\n");
    a.expect(b"+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
}

#[test]
fn watch_inside_multi_is_refused() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"MULTI\r\nWATCH x\r\nDISCARD\r\n");
    c.expect(b"+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n");
}
