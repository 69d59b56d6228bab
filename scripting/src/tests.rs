//! Engine tests with a fake host (the end-to-end tests use the real server).

use crate::engine::{RunLimits, DEFAULT_ALLOWED_MODULES};
use crate::{Engine, EngineConfig, ScriptHost};
use bytes::Bytes;

/// A host that answers a few commands from a map.
struct Fake {
    kv: std::collections::HashMap<Vec<u8>, Vec<u8>>,
    reply: Vec<u8>,
    log: Vec<String>,
}

impl ScriptHost for Fake {
    fn call(&mut self, argv: Vec<Bytes>, resp: u8) -> Result<&[u8], String> {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        self.reply = match (name.as_str(), argv.len()) {
            ("set", 3) => {
                self.kv.insert(argv[1].to_vec(), argv[2].to_vec());
                b"+OK\r\n".to_vec()
            }
            ("get", 2) => match self.kv.get(&argv[1][..]) {
                Some(v) => [
                    format!("${}\r\n", v.len()).into_bytes(),
                    v.clone(),
                    b"\r\n".to_vec(),
                ]
                .concat(),
                None => {
                    if resp == 3 {
                        b"_\r\n".to_vec()
                    } else {
                        b"$-1\r\n".to_vec()
                    }
                }
            },
            ("incr", 2) => b"-ERR value is not an integer or out of range\r\n".to_vec(),
            ("hgetall", 2) => {
                if resp == 3 {
                    b"%1\r\n$1\r\na\r\n$1\r\nb\r\n".to_vec()
                } else {
                    b"*2\r\n$1\r\na\r\n$1\r\nb\r\n".to_vec()
                }
            }
            ("multi", _) => return Err("ERR This Redis command is not allowed from script".into()),
            _ => b"-ERR unknown\r\n".to_vec(),
        };
        Ok(&self.reply)
    }
    fn log(&mut self, _level: u8, msg: &[u8]) {
        self.log.push(String::from_utf8_lossy(msg).into_owned());
    }
    fn acl_check(&mut self, _argv: &[Bytes]) -> Result<bool, String> {
        Ok(true)
    }
    fn busy_tick(&mut self, _elapsed_ms: u64) -> bool {
        false
    }
}

fn eval(
    e: &mut Engine,
    h: &mut Fake,
    body: &str,
    keys: &[&str],
    args: &[&str],
    resp: u8,
) -> String {
    let sha = match e.script_create(body.as_bytes(), true) {
        Ok(s) => s,
        Err(err) => return format!("-{err}\r\n"),
    };
    let k: Vec<Bytes> = keys
        .iter()
        .map(|s| Bytes::copy_from_slice(s.as_bytes()))
        .collect();
    let a: Vec<Bytes> = args
        .iter()
        .map(|s| Bytes::copy_from_slice(s.as_bytes()))
        .collect();
    let limits = RunLimits {
        busy_threshold_ms: 0,
        max_memory: 64 << 20,
    };
    let out = e.run_script(sha.as_bytes(), &k, &a, h, resp, limits);
    String::from_utf8_lossy(&out.reply).into_owned()
}

#[test]
fn engine_end_to_end() {
    let cfg = EngineConfig {
        allowed_modules: DEFAULT_ALLOWED_MODULES
            .split(' ')
            .map(String::from)
            .collect(),
    };
    let (mut e, warnings) = Engine::new(&cfg).expect("engine");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut h = Fake {
        kv: Default::default(),
        reply: Vec::new(),
        log: Vec::new(),
    };
    let h = &mut h;
    assert_eq!(
        eval(&mut e, h, "return 'hello'", &[], &[], 2),
        "$5\r\nhello\r\n"
    );
    assert_eq!(
        eval(&mut e, h, "return 100.5", &[], &[], 2),
        "$5\r\n100.5\r\n"
    );
    assert_eq!(eval(&mut e, h, "return 100.5", &[], &[], 3), ",100.5\r\n");
    assert_eq!(eval(&mut e, h, "return True", &[], &[], 2), ":1\r\n");
    assert_eq!(eval(&mut e, h, "return None", &[], &[], 3), "_\r\n");
    assert_eq!(
        eval(&mut e, h, "return [1,2,3,'ciao',[1,2]]", &[], &[], 2),
        "*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "return redis.status_reply('fi\\r\\nne')",
            &[],
            &[],
            2
        ),
        "+fi  ne\r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "return redis.error_reply('MY_ERR custom msg')",
            &[],
            &[],
            2
        ),
        "-MY_ERR custom msg\r\n"
    );
    assert_eq!(
        eval(&mut e, h, "return redis.error_reply('')", &[], &[], 2),
        "-ERR \r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "return [KEYS[0],KEYS[1],ARGV[0],ARGV[1]]",
            &["a", "b"],
            &["c", "d"],
            2
        ),
        "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "redis.call('set', KEYS[0], 'v')\nreturn redis.call('get', KEYS[0])",
            &["k"],
            &[],
            2
        ),
        "$1\r\nv\r\n"
    );
    let sha = Engine::sha1_hex(b"return redis.call('incr','x')");
    assert_eq!(
        eval(&mut e, h, "return redis.call('incr','x')", &[], &[], 2),
        format!(
            "-ERR value is not an integer or out of range script: {sha}, on @user_script:1.\r\n"
        )
    );
    assert_eq!(
        eval(&mut e, h, "return redis.pcall('incr','x')", &[], &[], 2),
        "-ERR value is not an integer or out of range\r\n"
    );
    let r = eval(&mut e, h, "x = 1\nraise ValueError('boom')", &[], &[], 2);
    assert!(
        r.starts_with("-ERR user_script:2: ValueError: boom script: "),
        "{r}"
    );
    let r = eval(&mut e, h, "return 1 +", &[], &[], 2);
    assert!(
        r.starts_with("-ERR Error compiling script (new function): user_script:1: "),
        "{r}"
    );
    let r = eval(&mut e, h, "global x\nreturn 1", &[], &[], 2);
    assert!(r.contains("'global' is not allowed"), "{r}");
    let r = eval(&mut e, h, "redis.call('multi')", &[], &[], 2);
    assert!(
        r.starts_with("-ERR This Redis command is not allowed from script script: "),
        "{r}"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "redis.setresp(3)\nreturn redis.call('hgetall','h')",
            &[],
            &[],
            3
        ),
        "%1\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "redis.setresp(3)\nreturn redis.call('hgetall','h')",
            &[],
            &[],
            2
        ),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        eval(&mut e, h, "return redis.sha1hex('')", &[], &[], 2),
        "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"
    );
    assert_eq!(
        eval(
            &mut e,
            h,
            "import json\nreturn json.dumps([1])",
            &[],
            &[],
            2
        ),
        "$3\r\n[1]\r\n"
    );
    let r = eval(&mut e, h, "import os", &[], &[], 2);
    assert!(r.contains("ImportError"), "{r}");
    let r = eval(&mut e, h, "return open('/etc/passwd').read()", &[], &[], 2);
    assert!(r.contains("NameError"), "{r}");
    let r = eval(&mut e, h, "w = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]\nreturn w.__init__.__globals__['system']('true')", &[], &[], 2);
    assert!(r.contains("not allowed in scripts"), "{r}");
    let r = eval(
        &mut e,
        h,
        "x = 'a' * (200 * 1024 * 1024)\nreturn 1",
        &[],
        &[],
        2,
    );
    assert!(r.contains("MemoryError"), "{r}");
    let r = eval(&mut e, h, "a = []\na.append(a)\nreturn a", &[], &[], 2);
    assert!(r.contains("stack limit"), "{r}");
    let r = eval(&mut e, h, "redis.call = 1", &[], &[], 2);
    assert!(r.contains("AttributeError"), "{r}");
    eval(&mut e, h, "print('hello', 1)", &[], &[], 2);
    assert!(h.log.contains(&"hello 1".to_string()), "{:?}", h.log);
    // Libraries.
    let code = b"#!python name=mylib\n\n@redis.function(flags=['no-writes'])\ndef get_k(keys, args):\n    return redis.call('GET', keys[0])\n\nredis.register_function('set_k', lambda keys, args: redis.call('SET', keys[0], args[0]))\n";
    assert_eq!(e.function_load(code, false, h, 500).unwrap(), "mylib");
    assert_eq!(
        e.function_load(code, false, h, 500).unwrap_err(),
        "Library 'mylib' already exists"
    );
    let k = vec![Bytes::from_static(b"fk")];
    let limits = RunLimits {
        busy_threshold_ms: 0,
        max_memory: 0,
    };
    let out = e.run_function("SET_K", &k, &[Bytes::from_static(b"7")], h, 2, limits);
    assert_eq!(out.reply, b"+OK\r\n");
    let out = e.run_function("get_k", &k, &[], h, 2, limits);
    assert_eq!(out.reply, b"$1\r\n7\r\n");
    let r = e
        .function_load(
            b"#!python name=bad\nredis.call('GET', 'x')\n",
            false,
            h,
            500,
        )
        .unwrap_err();
    assert!(
        r.starts_with("Error registering functions: ERR user_function:2: RuntimeError"),
        "{r}"
    );
    let r = e
        .function_load(b"#!python name=slow\nwhile True: pass\n", false, h, 100)
        .unwrap_err();
    assert_eq!(r, "Error registering functions: ERR FUNCTION LOAD timeout");
}
