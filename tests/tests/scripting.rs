//! Python scripting, the behaviours of Redis's scripting tests ported to Python: each
//! runs as `EVAL` and, where Redis runs both, as `FUNCTION LOAD` + `FCALL` (like
//! Redis's `run_script`).

use coil_tests::{RawConn, TestServer};

/// Sends a command and reads one raw reply.
pub fn q(c: &mut RawConn, args: &[&str]) -> String {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.cmd(&a);
    c.read_reply()
}

/// Runs `body` as an EVAL script, or as the body of function `test` in library
/// `test` (parameters named KEYS and ARGV, so the body is the same).
pub fn run_script(c: &mut RawConn, eval: bool, body: &str, keys: &[&str], args: &[&str]) -> String {
    let n = keys.len().to_string();
    let mut argv: Vec<&str> = Vec::new();
    let lib;
    if eval {
        argv.extend(["EVAL", body, &n]);
    } else {
        let indented: Vec<String> = body.lines().map(|l| format!("    {l}")).collect();
        lib = format!(
            "#!python name=test\n@redis.function\ndef test(KEYS, ARGV):\n{}\n",
            indented.join("\n")
        );
        let r = q(c, &["FUNCTION", "LOAD", "REPLACE", &lib]);
        assert_eq!(r, "$4\r\ntest\r\n", "loading {lib}");
        argv.extend(["FCALL", "test", &n]);
    }
    argv.extend(keys);
    argv.extend(args);
    q(c, &argv)
}

/// Both modes.
pub const MODES: [bool; 2] = [true, false];

/// The error suffix Redis appends to an error that escaped a script.
pub fn suffix(eval: bool, body: &str, line: usize) -> String {
    if eval {
        let sha = sha1_hex(body.as_bytes());
        format!(" script: {sha}, on @user_script:{line}.\r\n")
    } else {
        // The body starts at line 4 of the generated library.
        format!(" script: test, on @user_function:{}.\r\n", line + 3)
    }
}

/// SHA1 hex, computed with the server itself (no extra test dependency).
pub fn sha1_hex(data: &[u8]) -> String {
    use std::sync::OnceLock;
    static S: OnceLock<TestServer> = OnceLock::new();
    let s = S.get_or_init(TestServer::start);
    let mut c = s.raw();
    c.cmd(&[b"SCRIPT", b"LOAD", data]);
    let r = c.read_reply();
    r.lines().nth(1).unwrap_or("").to_string()
}

#[test]
fn return_values_and_conversions() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        // 1
        assert_eq!(
            run_script(&mut c, eval, "return 'hello'", &[], &[]),
            "$5\r\nhello\r\n"
        );
        // 2
        assert_eq!(
            run_script(&mut c, eval, "return 100.5", &[], &[]),
            "$5\r\n100.5\r\n"
        );
        assert_eq!(run_script(&mut c, eval, "return True", &[], &[]), ":1\r\n");
        assert_eq!(run_script(&mut c, eval, "return False", &[], &[]), ":0\r\n");
        assert_eq!(run_script(&mut c, eval, "return None", &[], &[]), "$-1\r\n");
        assert_eq!(run_script(&mut c, eval, "x = 1", &[], &[]), "$-1\r\n");
        // 3
        assert_eq!(
            run_script(&mut c, eval, "return [1,2,3,'ciao',[1,2]]", &[], &[]),
            "*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n"
        );
        // 4
        assert_eq!(
            run_script(&mut c, eval, "return redis.status_reply('fine')", &[], &[]),
            "+fine\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.status_reply('a\\r\\nb')",
                &[],
                &[]
            ),
            "+a  b\r\n"
        );
        // 5
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.error_reply('MY_ERR custom msg')",
                &[],
                &[]
            ),
            "-MY_ERR custom msg\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return redis.error_reply('')", &[], &[]),
            "-ERR \r\n"
        );
        // 6
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return [KEYS[0],KEYS[1],ARGV[0],ARGV[1]]",
                &["a{t}", "b{t}"],
                &["c{t}", "d{t}"]
            ),
            "*4\r\n$4\r\na{t}\r\n$4\r\nb{t}\r\n$4\r\nc{t}\r\n$4\r\nd{t}\r\n"
        );
        // Python values beyond Lua's.
        assert_eq!(
            run_script(&mut c, eval, "return 2**70", &[], &[]),
            "$22\r\n1180591620717411303424\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return {'a': 1}", &[], &[]),
            "*2\r\n$1\r\na\r\n:1\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return (1, None)", &[], &[]),
            "*2\r\n:1\r\n$-1\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return b'\\xff\\x00'", &[], &[]),
            "$2\r\n\u{fffd}\u{0}\r\n"
        );
    }
    let info = q(&mut c, &["INFO", "errorstats"]);
    assert!(info.contains("errorstat_MY_ERR:count=2"), "{info}");
}

#[test]
fn binary_values_round_trip() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.cmd(&[b"SET", b"bin", b"\xff\xfe\x00abc"]);
    assert_eq!(c.read_reply(), "+OK\r\n");
    c.cmd(&[
        b"EVAL",
        b"v = redis.call('GET', KEYS[0])\nredis.call('SET', KEYS[1], v + ARGV[0])\nreturn len(v)",
        b"2",
        b"bin",
        b"bin2",
        b"\x80",
    ]);
    assert_eq!(c.read_reply(), ":6\r\n");
    c.cmd(&[b"GET", b"bin2"]);
    c.expect(b"$7\r\n\xff\xfe\x00abc\x80\r\n");
}

#[test]
fn calls_and_errors() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        // 7
        q(&mut c, &["SET", "mykey", "myval"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.call('get', KEYS[0])",
                &["mykey"],
                &[]
            ),
            "$5\r\nmyval\r\n"
        );
        // 9 (strings)
        q(&mut c, &["SET", "n", "1"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return type(redis.call('incr', 'n')).__name__",
                &[],
                &[]
            ),
            "$3\r\nint\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return type(redis.call('get', 'n')).__name__",
                &[],
                &[]
            ),
            "$3\r\nstr\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "r = redis.call('set', 'x', 1)\nreturn [r == 'OK', type(r).__name__]",
                &[],
                &[]
            ),
            "*2\r\n:1\r\n$6\r\nStatus\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.call('get', 'nosuchkey') is None",
                &[],
                &[]
            ),
            ":1\r\n"
        );
        // 10
        q(&mut c, &["SET", "str", "abc"]);
        assert_eq!(
            run_script(&mut c, eval, "return redis.pcall('incr', 'str')", &[], &[]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "e = redis.pcall('incr', 'str')\nreturn [e.code, str(e)]",
                &[],
                &[]
            ),
            "*2\r\n$3\r\nERR\r\n$43\r\nERR value is not an integer or out of range\r\n"
        );
        // 11
        let body = "return redis.call('incr', 'str')";
        assert_eq!(
            run_script(&mut c, eval, body, &[], &[]),
            format!(
                "-ERR value is not an integer or out of range{}",
                suffix(eval, body, 1)
            )
        );
        // 12
        let r = run_script(&mut c, eval, "redis.call()", &[], &[]);
        assert!(r.contains("one argument"), "{r}");
        let body = "redis.call('nosuchcommand')";
        assert_eq!(
            run_script(&mut c, eval, body, &[], &[]),
            format!(
                "-ERR Unknown Redis command called from script{}",
                suffix(eval, body, 1)
            )
        );
        for body in [
            "redis.call('get','a','b','c')",
            "redis.call('set','x')",
            "redis.call('incr')",
        ] {
            assert_eq!(
                run_script(&mut c, eval, body, &[], &[]),
                format!(
                    "-ERR Wrong number of args calling Redis command from script{}",
                    suffix(eval, body, 1)
                )
            );
        }
        // 13
        let r = run_script(&mut c, eval, "redis.call('ping', {})", &[], &[]);
        assert!(
            r.starts_with("-ERR user_")
                && r.contains(
                    "TypeError: redis command arguments must be str, bytes, int or float"
                ),
            "{r}"
        );
        let r = run_script(&mut c, eval, "redis.call('ping', None)", &[], &[]);
        assert!(r.contains("TypeError"), "{r}");
        assert_eq!(
            run_script(&mut c, eval, "return redis.call('ping', 'asdf')", &[], &[]),
            "$4\r\nasdf\r\n"
        );
        // 16
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.pcall('randomkey')\nreturn redis.pcall('set','x','ciao')",
                &[],
                &[]
            ),
            "+OK\r\n"
        );
        // 18
        for cmd in [
            "'multi'",
            "'eval', 'return 1', 0",
            "'client', 'list'",
            "'config', 'get', 'x'",
            "'script', 'flush'",
            "'function', 'flush'",
            "'monitor'",
        ] {
            let body = format!("redis.call({cmd})");
            let r = run_script(&mut c, eval, &body, &[], &[]);
            assert!(
                r.contains("This Redis command is not allowed from script"),
                "{cmd}: {r}"
            );
        }
        // 19
        assert_eq!(
            run_script(&mut c, eval, "return redis.sha1hex('')", &[], &[]),
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.sha1hex('Pizza & Mandolino')",
                &[],
                &[]
            ),
            "$40\r\n74822d82031af7493c20eefa13bd07ec4fada82f\r\n"
        );
        let r = run_script(&mut c, eval, "return redis.sha1hex()", &[], &[]);
        assert!(r.contains("wrong number"), "{r}");
        // 20
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.call('set','foo', 9007199254740991)\nreturn redis.call('get','foo')",
                &[],
                &[]
            ),
            "$16\r\n9007199254740991\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.call('set','foo', 1e9)\nreturn redis.call('get','foo')",
                &[],
                &[]
            ),
            "$10\r\n1000000000\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.call('set','foo', 3.5)\nreturn redis.call('get','foo')",
                &[],
                &[]
            ),
            "$3\r\n3.5\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.call('set','foo', '12039611435714932082')\nreturn redis.call('get','foo')",
                &[],
                &[]
            ),
            "$20\r\n12039611435714932082\r\n"
        );
        // 23
        q(&mut c, &["SET", "foo", "5"]);
        let decr = "current = redis.call('get', KEYS[0])\nif not current:\n    return None\nif int(current) > int(ARGV[0]):\n    return redis.call('decr', KEYS[0])\nreturn int(current)";
        let got: Vec<String> = (0..5)
            .map(|_| run_script(&mut c, eval, decr, &["foo"], &["2"]))
            .collect();
        assert_eq!(got, [":4\r\n", ":3\r\n", ":2\r\n", ":2\r\n", ":2\r\n"]);
        // 27
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.acl_check_cmd('set','xx',1)",
                &[],
                &[]
            ),
            ":1\r\n"
        );
        let r = run_script(
            &mut c,
            eval,
            "return redis.acl_check_cmd('invalid-cmd','arg')",
            &[],
            &[],
        );
        assert!(
            r.starts_with("-ERR Invalid command passed to redis.acl_check_cmd()"),
            "{r}"
        );
        // redis.log / print reach the log; constants.
        assert_eq!(run_script(&mut c, eval, "redis.log(redis.LOG_WARNING, 'hello', 'from', 'script')\nprint('printed', 1)\nreturn [redis.REDIS_VERSION, redis.REDIS_VERSION_NUM]", &[], &[]), "*2\r\n$5\r\n7.4.0\r\n:459776\r\n");
        let r = run_script(&mut c, eval, "redis.log(99, 'x')", &[], &[]);
        assert!(r.contains("Invalid log level."), "{r}");
        let r = run_script(&mut c, eval, "redis.log(1)", &[], &[]);
        assert!(
            r.contains("redis.log() requires two arguments or more."),
            "{r}"
        );
        assert_eq!(
            run_script(&mut c, eval, "return redis.replicate_commands()", &[], &[]),
            ":1\r\n"
        );
        let r = run_script(&mut c, eval, "redis.set_repl(12345)", &[], &[]);
        assert!(r.contains("Invalid replication flags"), "{r}");
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.set_repl(redis.REPL_ALL)\nreturn 1",
                &[],
                &[]
            ),
            ":1\r\n"
        );
        // Uncaught exceptions: the user's line and the exception type.
        let body = "x = 1\ny = {}\nreturn y['missing']";
        assert_eq!(
            run_script(&mut c, eval, body, &[], &[]),
            format!(
                "-ERR user_{}:{}: KeyError: 'missing'{}",
                if eval { "script" } else { "function" },
                if eval { 3 } else { 6 },
                suffix(eval, body, 3)
            )
        );
        let body = "raise redis.Error('XYZ tbl err')";
        assert_eq!(
            run_script(&mut c, eval, body, &[], &[]),
            format!("-XYZ tbl err{}", suffix(eval, body, 1))
        );
    }
    let log = s.log();
    assert!(
        log.contains("hello from script") && log.contains("printed 1"),
        "{log}"
    );
}

#[test]
fn evalsha_script_cache_and_numkeys() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["SET", "mykey", "myval"]);
    let body = "return redis.call('get', KEYS[0])";
    let sha = sha1_hex(body.as_bytes());
    assert_eq!(q(&mut c, &["EVAL", body, "1", "mykey"]), "$5\r\nmyval\r\n");
    // 7
    assert_eq!(
        q(&mut c, &["EVALSHA", &sha, "1", "mykey"]),
        "$5\r\nmyval\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVALSHA", &sha.to_uppercase(), "1", "mykey"]),
        "$5\r\nmyval\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVALSHA", "NotValidShaSUM", "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &["EVALSHA", "ffd632c7d33e571e9f24556ebed26c3479a87130", "0"]
        ),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    // 8
    let sha2 = q(&mut c, &["SCRIPT", "LOAD", "return 'loaded'"]);
    let sha2 = sha2.lines().nth(1).unwrap().to_string();
    assert_eq!(q(&mut c, &["EVALSHA", &sha2, "0"]), "$6\r\nloaded\r\n");
    assert_eq!(
        q(
            &mut c,
            &[
                "SCRIPT",
                "EXISTS",
                &sha2,
                "ffd632c7d33e571e9f24556ebed26c3479a87130"
            ]
        ),
        "*2\r\n:1\r\n:0\r\n"
    );
    assert_eq!(q(&mut c, &["SCRIPT", "FLUSH"]), "+OK\r\n");
    assert_eq!(
        q(&mut c, &["EVALSHA", &sha2, "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    q(&mut c, &["SCRIPT", "LOAD", "return 1"]);
    assert_eq!(q(&mut c, &["SCRIPT", "FLUSH", "ASYNC"]), "+OK\r\n");
    assert!(q(&mut c, &["INFO", "memory"]).contains("number_of_cached_scripts:0"));
    assert_eq!(
        q(&mut c, &["SCRIPT", "FLUSH", "bad"]),
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"
    );
    assert_eq!(
        q(&mut c, &["SCRIPT", "FOO"]),
        "-ERR unknown subcommand 'FOO'. Try SCRIPT HELP.\r\n"
    );
    // 21
    assert_eq!(
        q(&mut c, &["EVAL", "return 1", "-12"]),
        "-ERR Number of keys can't be negative\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "return 1", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "return 1", "3", "a"]),
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    // Compile errors.
    let r = q(&mut c, &["EVAL", "return 1 +", "0"]);
    assert!(
        r.starts_with("-ERR Error compiling script (new function): user_script:1: "),
        "{r}"
    );
    let r = q(&mut c, &["EVAL", "x = 1\nglobal y\nreturn 1", "0"]);
    assert_eq!(r, "-ERR Error compiling script (new function): user_script:2: 'global' is not allowed at the top level of a script\r\n");
    let r = q(&mut c, &["EVAL", "yield 1", "0"]);
    assert!(r.contains("'yield' is not allowed"), "{r}");
    let r = q(&mut c, &["SCRIPT", "LOAD", "return 1 +"]);
    assert!(
        r.starts_with("-ERR Error compiling script (new function): user_script:1: "),
        "{r}"
    );
    // Names a script assigns do not leak into the next run.
    assert_eq!(q(&mut c, &["EVAL", "leak = 1\nreturn 1", "0"]), ":1\r\n");
    let r = q(&mut c, &["EVAL", "return leak", "0"]);
    assert!(r.contains("NameError"), "{r}");
    // A top-level return inside loops; functions defined in scripts.
    assert_eq!(q(&mut c, &["EVAL", "def f(x):\n    return x * 2\nfor i in range(10):\n    if i == 3:\n        return f(i)", "0"]), ":6\r\n");
}

#[test]
fn eval_lru_evicts_500_oldest() {
    let s = TestServer::start();
    let mut c = s.raw();
    let loaded = q(&mut c, &["SCRIPT", "LOAD", "return 'loaded'"]);
    let loaded = loaded.lines().nth(1).unwrap().to_string();
    let first = "return 0";
    q(&mut c, &["EVAL", first, "0"]);
    let mut req = Vec::new();
    for i in 1..1000 {
        let body = format!("return {i}");
        if i % 100 == 0 {
            // Refresh the first script so it survives.
            req.extend_from_slice(b"EVAL \"return 0\" 0\r\n");
        }
        req.extend_from_slice(format!("EVAL \"{body}\" 0\r\n").as_bytes());
    }
    c.send(&req);
    for _ in 0..(999 + 9) {
        c.read_reply();
    }
    let info = q(&mut c, &["INFO", "memory"]);
    assert!(info.contains("number_of_cached_scripts:501"), "{info}");
    let stats = q(&mut c, &["INFO", "stats"]);
    assert!(stats.contains("evicted_scripts:500"), "{stats}");
    assert_eq!(q(&mut c, &["EVALSHA", &loaded, "0"]), "$6\r\nloaded\r\n");
    let sha0 = sha1_hex(first.as_bytes());
    assert_eq!(q(&mut c, &["EVALSHA", &sha0, "0"]), ":0\r\n");
    let sha1 = sha1_hex(b"return 1");
    assert!(q(&mut c, &["EVALSHA", &sha1, "0"]).starts_with("-NOSCRIPT"));
}

#[test]
fn db_isolation_and_read_only_scripts() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        // 14
        q(&mut c, &["SELECT", "10"]);
        q(&mut c, &["SET", "mykey", "this is DB 10"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.call('get', KEYS[0])",
                &["mykey"],
                &[]
            ),
            "$13\r\nthis is DB 10\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.call('select', 9)\nreturn redis.call('get', 'mykey')",
                &[],
                &[]
            ),
            "$-1\r\n"
        );
        assert_eq!(q(&mut c, &["GET", "mykey"]), "$13\r\nthis is DB 10\r\n");
        q(&mut c, &["SELECT", "0"]);
    }
    // 17: EVAL_RO
    q(&mut c, &["SET", "k", "v"]);
    assert_eq!(
        q(
            &mut c,
            &["EVAL_RO", "return redis.call('get', KEYS[0])", "1", "k"]
        ),
        "$1\r\nv\r\n"
    );
    let body = "redis.call('set', 'k', 'x')";
    assert_eq!(
        q(&mut c, &["EVAL_RO", body, "1", "k"]),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}",
            suffix(true, body, 1)
        )
    );
    assert_eq!(
        q(
            &mut c,
            &["EVAL_RO", "return redis.pcall('set', 'k', 'x')", "1", "k"]
        ),
        "-ERR Write commands are not allowed from read-only scripts.\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL_RO", "#!python\nreturn 1", "0"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &["EVAL_RO", "#!python flags=no-writes\nreturn 1", "0"]
        ),
        ":1\r\n"
    );
    let body = "#!python flags=no-writes\nredis.call('set', 'k', 'x')";
    assert_eq!(
        q(&mut c, &["EVAL", body, "0"]),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}",
            suffix(true, body, 2)
        )
    );
    // FCALL_RO
    q(&mut c, &["FUNCTION", "LOAD", "#!python name=ro\nredis.register_function(function_name='ro', callback=lambda k, a: redis.call('GET', k[0]), flags=['no-writes'])\nredis.register_function('rw', lambda k, a: redis.call('SET', k[0], 'x'))"]);
    assert_eq!(q(&mut c, &["FCALL_RO", "ro", "1", "k"]), "$1\r\nv\r\n");
    assert_eq!(
        q(&mut c, &["FCALL_RO", "rw", "1", "k"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(q(&mut c, &["FCALL", "rw", "1", "k"]), "+OK\r\n");
}

#[test]
fn shebang_flags_and_oom() {
    let s = TestServer::start();
    let mut c = s.raw();
    // 35
    assert_eq!(q(&mut c, &["EVAL", "#!python\nreturn 1", "0"]), ":1\r\n");
    assert_eq!(
        q(&mut c, &["EVAL", "#!lua\nreturn 1", "0"]),
        "-ERR Unexpected engine in script shebang: #!lua\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "#!python badger=data\nreturn 1", "0"]),
        "-ERR Unknown python shebang option: badger=data\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &["EVAL", "#!python flags=allow-oom,what?\nreturn 1", "0"]
        ),
        "-ERR Unexpected flag in script shebang: what?\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "#!python", "0"]),
        "-ERR Invalid script shebang\r\n"
    );
    // Line numbers stay the user's own after a shebang.
    let body = "#!python\n\nraise ValueError('x')";
    assert_eq!(
        q(&mut c, &["EVAL", body, "0"]),
        format!("-ERR user_script:3: ValueError: x{}", suffix(true, body, 3))
    );
    // 36
    q(&mut c, &["SET", "k", "1"]);
    q(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    let body = "return redis.call('incr', 'k')";
    assert_eq!(
        q(&mut c, &["EVAL", body, "0"]),
        format!(
            "-OOM command not allowed when used memory > 'maxmemory'.{}",
            suffix(true, body, 1)
        )
    );
    assert_eq!(
        q(&mut c, &["EVAL", "return redis.call('get', 'k')", "0"]),
        "$1\r\n1\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "#!python flags=\nreturn 1", "0"]),
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &[
                "EVAL",
                "#!python flags=allow-oom\nreturn redis.call('incr', 'k')",
                "0"
            ]
        ),
        ":2\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "#!python flags=no-writes\nreturn 1", "0"]),
        ":1\r\n"
    );
    assert_eq!(
        q(
            &mut c,
            &["EVAL_RO", "#!python flags=no-writes\nreturn 1", "0"]
        ),
        ":1\r\n"
    );
    let r = q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=f\nredis.register_function('f', lambda k, a: 1)",
        ],
    );
    assert!(r.contains("command not allowed when used memory"), "{r}");
    q(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    q(&mut c, &["FUNCTION", "LOAD", "#!python name=f\nredis.register_function('f', lambda k, a: 1)\nredis.register_function(function_name='g', callback=lambda k, a: 1, flags=['no-writes'])"]);
    q(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    assert!(q(&mut c, &["FCALL", "f", "0"]).starts_with("-OOM command not allowed"));
    assert_eq!(q(&mut c, &["FCALL", "g", "0"]), ":1\r\n");
    assert_eq!(q(&mut c, &["FCALL_RO", "g", "0"]), ":1\r\n");
    q(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn multi_exec_runs_scripts() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send(b"MULTI\r\nEVAL \"return redis.call('incr', 'm')\" 0\r\nEVAL \"return redis.call('incr', 'm')\" 0\r\nEXEC\r\n");
    c.expect(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:2\r\n");
}

#[test]
fn frozen_time_inside_scripts() {
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    assert_eq!(
        q(&mut c, &["DEBUG", "set-disable-deny-scripts", "1"]),
        "+OK\r\n"
    );
    for eval in MODES {
        // 40
        let r = run_script(&mut c, eval, "a = redis.call('time')\nredis.call('debug', 'sleep', '0.01')\nb = redis.call('time')\nreturn a == b", &[], &[]);
        assert_eq!(r, ":1\r\n");
        let r = run_script(&mut c, eval, "redis.call('set', 'key', 'value', 'px', '1')\nredis.call('debug', 'sleep', '0.01')\nreturn redis.call('exists', 'key')", &[], &[]);
        assert_eq!(r, ":1\r\n");
        assert_eq!(q(&mut c, &["EXISTS", "key"]), ":0\r\n");
    }
}

#[test]
fn resp3_conversions() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["HELLO", "3"]);
    for eval in MODES {
        assert_eq!(
            run_script(&mut c, eval, "return 100.5", &[], &[]),
            ",100.5\r\n"
        );
        assert_eq!(run_script(&mut c, eval, "return True", &[], &[]), "#t\r\n");
        assert_eq!(run_script(&mut c, eval, "return False", &[], &[]), "#f\r\n");
        assert_eq!(run_script(&mut c, eval, "return None", &[], &[]), "_\r\n");
        assert_eq!(
            run_script(&mut c, eval, "return 2**70", &[], &[]),
            "(1180591620717411303424\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return {'a': 1}", &[], &[]),
            "%1\r\n$1\r\na\r\n:1\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return {1}", &[], &[]),
            "~1\r\n:1\r\n"
        );
        assert_eq!(
            run_script(&mut c, eval, "return [None]", &[], &[]),
            "*1\r\n_\r\n"
        );
        // A script's own calls start at RESP2 whatever the caller speaks.
        assert_eq!(
            run_script(&mut c, eval, "return redis.call('get', 'nokey')", &[], &[]),
            "_\r\n"
        );
    }
}

#[test]
fn debug_protocol_matrix() {
    // 25: every RESP3 type, script protocol 2/3, client protocol 2/3.
    let s = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    q(&mut c, &["DEBUG", "set-disable-deny-scripts", "1"]);
    // Expected first line for (script 2, client 2), (2, 3), (3, 2), (3, 3): the script
    // sees the reply in its own protocol, and its Python value is converted by the
    // client's (Python has no verbatim type: it comes back as a bulk string).
    let cases: [(&str, [&str; 4]); 8] = [
        (
            "bignum",
            [
                "$37",
                "$37",
                "$37",
                "(1234567999999999999999999999999999999",
            ],
        ),
        ("map", ["*6", "*6", "*6", "%3"]),
        ("set", ["*3", "*3", "*3", "~3"]),
        ("double", ["$5", "$5", "$5", ",3.141"]),
        ("null", ["$-1", "_", "$-1", "_"]),
        ("verbatim", ["$25", "$25", "$25", "$25"]),
        ("true", [":1", ":1", ":1", "#t"]),
        ("false", [":0", ":0", ":0", "#f"]),
    ];
    for (ty, expected) in cases {
        for script_proto in [2usize, 3] {
            for client_proto in [2usize, 3] {
                q(&mut c, &["HELLO", &client_proto.to_string()]);
                let body = format!(
                    "redis.setresp({script_proto})\nreturn redis.call('debug', 'protocol', '{ty}')"
                );
                let r = q(&mut c, &["EVAL", &body, "0"]);
                let first = r.split("\r\n").next().unwrap_or("");
                let want = expected[(script_proto - 2) * 2 + (client_proto - 2)];
                assert_eq!(
                    first, want,
                    "{ty} script {script_proto} client {client_proto}: {r}"
                );
            }
        }
    }
}

#[test]
fn returned_cycle_is_an_error_and_connection_lives() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        // 26
        let r = run_script(&mut c, eval, "a = []\na.append(a)\nreturn a", &[], &[]);
        assert_eq!(r, "-ERR reached python stack limit\r\n");
        assert_eq!(q(&mut c, &["PING"]), "+PONG\r\n");
    }
}

#[test]
fn needs_data_types_conversions_and_blocking() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        // 9: aggregate replies
        q(&mut c, &["DEL", "h", "l"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return redis.call('hincrby', 'h', 'f', 200000000)",
                &[],
                &[]
            ),
            ":200000000\r\n"
        );
        q(&mut c, &["RPUSH", "l", "a", "b", "c"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "return len(redis.call('lrange', 'l', 0, -1))",
                &[],
                &[]
            ),
            ":3\r\n"
        );
        // 11: WRONGTYPE
        q(&mut c, &["SET", "s", "x"]);
        let body = "return redis.call('lpush', 's', 'v')";
        assert_eq!(
            run_script(&mut c, eval, body, &[], &[]),
            format!(
                "-WRONGTYPE Operation against a key holding the wrong kind of value{}",
                suffix(eval, body, 1)
            )
        );
        // 15: blocking commands return at once
        q(&mut c, &["DEL", "l"]);
        for cmd in [
            "'blpop', 'l', 0",
            "'brpop', 'l', 0",
            "'brpoplpush', 'l', 'x', 0",
            "'blmove', 'l', 'x', 'left', 'left', 0",
            "'bzpopmin', 'z', 0",
            "'bzpopmax', 'z', 0",
        ] {
            assert_eq!(
                run_script(&mut c, eval, &format!("return redis.call({cmd})"), &[], &[]),
                "$-1\r\n",
                "{cmd}"
            );
        }
        assert_eq!(
            run_script(&mut c, eval, "return redis.call('wait', 1, 0)", &[], &[]),
            ":0\r\n"
        );
        // 22
        q(&mut c, &["DEL", "mylist"]);
        let r = run_script(&mut c, eval, "redis.call('rpush', 'mylist', *range(1, 101))\nreturn redis.call('lrange', 'mylist', 0, -1)", &[], &[]);
        assert!(r.starts_with("*100\r\n$1\r\n1\r\n"), "{r}");
        let r = run_script(
            &mut c,
            eval,
            "return redis.call('lpush', 'l2', *range(7999))",
            &[],
            &[],
        );
        assert!(r.starts_with(':'), "{r}");
        // 24
        q(&mut c, &["DEL", "hash"]);
        q(&mut c, &["HSET", "hash", "field", "value"]);
        q(&mut c, &["HELLO", "3"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.setresp(3)\nreturn redis.call('hgetall', KEYS[0])",
                &["hash"],
                &[]
            ),
            "%1\r\n$5\r\nfield\r\n$5\r\nvalue\r\n"
        );
        q(&mut c, &["HELLO", "2"]);
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.setresp(3)\nreturn redis.call('hgetall', KEYS[0])",
                &["hash"],
                &[]
            ),
            "*2\r\n$5\r\nfield\r\n$5\r\nvalue\r\n"
        );
        assert_eq!(
            run_script(
                &mut c,
                eval,
                "redis.setresp(2)\nreturn redis.call('hgetall', KEYS[0])",
                &["hash"],
                &[]
            ),
            "*2\r\n$5\r\nfield\r\n$5\r\nvalue\r\n"
        );
    }
}

fn info_field(info: &str, prefix: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn error_statistics_are_not_counted_twice() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["SET", "str", "abc"]);
    q(&mut c, &["CONFIG", "RESETSTAT"]);
    // Raised from redis.call: counted once (by INCR); EVAL and INCR both failed.
    q(
        &mut c,
        &["EVAL", "return redis.call('incr', KEYS[0])", "1", "str"],
    );
    let info = q(&mut c, &["INFO", "all"]);
    assert_eq!(info_field(&info, "errorstat_ERR:"), "count=1", "{info}");
    assert!(
        info_field(&info, "cmdstat_eval:").ends_with("rejected_calls=0,failed_calls=1"),
        "{info}"
    );
    assert!(
        info_field(&info, "cmdstat_incr:").ends_with("rejected_calls=0,failed_calls=1"),
        "{info}"
    );
    // Caught with pcall and not returned: the script did not fail.
    q(
        &mut c,
        &["EVAL", "redis.pcall('incr', KEYS[0])\nreturn 1", "1", "str"],
    );
    let info = q(&mut c, &["INFO", "all"]);
    assert_eq!(info_field(&info, "errorstat_ERR:"), "count=2", "{info}");
    assert!(
        info_field(&info, "cmdstat_eval:").ends_with("failed_calls=1"),
        "{info}"
    );
    // The script's own error replies are counted.
    q(
        &mut c,
        &["EVAL", "return redis.error_reply('MY_ERR x')", "0"],
    );
    q(&mut c, &["EVAL", "raise ValueError('x')", "0"]);
    let info = q(&mut c, &["INFO", "all"]);
    assert_eq!(info_field(&info, "errorstat_MY_ERR:"), "count=1", "{info}");
    assert_eq!(info_field(&info, "errorstat_ERR:"), "count=3", "{info}");
    // A rejected call (noscript) counts as rejected for the inner command.
    q(&mut c, &["EVAL", "redis.pcall('multi')", "0"]);
    let info = q(&mut c, &["INFO", "all"]);
    assert!(
        info_field(&info, "cmdstat_multi:").contains("rejected_calls=1"),
        "{info}"
    );
}

#[test]
fn monitor_shows_the_script_then_its_commands() {
    let s = TestServer::start();
    let mut m = s.raw();
    assert_eq!(q(&mut m, &["MONITOR"]), "+OK\r\n");
    let mut c = s.raw();
    q(
        &mut c,
        &[
            "EVAL",
            "redis.call('set', 'a', 1)\nreturn redis.call('get', 'a')",
            "0",
        ],
    );
    let first = m.line();
    assert!(
        first.contains(
            "\"EVAL\" \"redis.call('set', 'a', 1)\\nreturn redis.call('get', 'a')\" \"0\""
        ),
        "{first}"
    );
    let second = m.line();
    assert!(second.contains(" [0 lua] \"set\" \"a\" \"1\""), "{second}");
    assert!(m.line().contains(" [0 lua] \"get\" \"a\""));
}

#[test]
fn flags_decided_at_queue_time_abort_exec() {
    let s = TestServer::start();
    let mut c = s.raw();
    q(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(q(&mut c, &["MULTI"]), "+OK\r\n");
    assert_eq!(
        q(&mut c, &["EVAL", "#!python\nreturn 1", "0"]),
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    assert_eq!(
        q(&mut c, &["EVAL", "#!python flags=no-writes\nreturn 1", "0"]),
        "+QUEUED\r\n"
    );
    assert_eq!(
        q(&mut c, &["EXEC"]),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    q(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn info_reports_scripting_memory_and_counts() {
    let s = TestServer::start();
    let mut c = s.raw();
    let info = q(&mut c, &["INFO", "memory"]);
    assert_eq!(info_field(&info, "number_of_cached_scripts:"), "0");
    q(&mut c, &["EVAL", "return 1", "0"]);
    q(&mut c, &["SCRIPT", "LOAD", "return 2"]);
    q(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            "#!python name=l\nredis.register_function('f', lambda k, a: 1)",
        ],
    );
    let info = q(&mut c, &["INFO", "memory"]);
    assert_eq!(info_field(&info, "number_of_cached_scripts:"), "2");
    assert_eq!(info_field(&info, "number_of_functions:"), "1");
    assert_eq!(info_field(&info, "number_of_libraries:"), "1");
    let vm: u64 = info_field(&info, "used_memory_vm_total:").parse().unwrap();
    let eval: u64 = info_field(&info, "used_memory_vm_eval:").parse().unwrap();
    let used: u64 = info_field(&info, "used_memory:").parse().unwrap();
    assert!(vm > 1 << 20 && eval <= vm && used > vm, "{info}");
    assert!(
        info_field(&info, "used_memory_scripts_eval:")
            .parse::<u64>()
            .unwrap()
            > 0
    );
}
