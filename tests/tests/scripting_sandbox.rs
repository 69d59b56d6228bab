//! The sandbox: known escapes from restricted Python each end in an error reply while
//! the server keeps serving.

use super::scripting::{q, run_script, MODES};
use coil_tests::TestServer;

/// Escape attempts, each expected to fail with an error reply.
const ESCAPES: &[(&str, &str)] = &[
    ("open", "return open('/etc/passwd').read()"),
    ("import os", "import os\nreturn os.getcwd()"),
    ("__import__ os", "return __import__('os').system('true')"),
    ("import ctypes", "import ctypes\nreturn 1"),
    ("import socket", "import socket\nreturn socket.socket()"),
    ("import subprocess", "import subprocess\nreturn 1"),
    ("eval", "return eval('1+1')"),
    ("exec", "exec('x = 1')"),
    ("compile", "return compile('1', 'x', 'eval')"),
    ("globals", "return globals()"),
    ("relative import", "from . import x"),
    (
        "subclass walk to os._wrap_close",
        "w = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]\nreturn w.__init__.__globals__['system']('true')",
    ),
    (
        "subclass walk to popen",
        "w = [c for c in object.__subclasses__() if c.__name__ == '_wrap_close'][0]\nreturn w.__init__.__globals__['popen']('id').read()",
    ),
    (
        "catch_warnings builtins",
        "cw = [c for c in object.__subclasses__() if c.__name__ == 'catch_warnings'][0]\nb = cw()._module.__builtins__\nreturn b['open']('/etc/passwd').read()",
    ),
    (
        "catch_warnings import",
        "cw = [c for c in object.__subclasses__() if c.__name__ == 'catch_warnings'][0]\nos = cw()._module.__builtins__['__import__']('os')\nreturn os.system('true')",
    ),
    (
        "module globals to real builtins",
        "import json\nb = json.dumps.__globals__['__builtins__']\nreturn b['open']('/etc/passwd').read()",
    ),
    (
        "real __import__ of a new module",
        "import json\nb = json.dumps.__globals__['__builtins__']\nreturn b['__import__']('ctypes')",
    ),
    (
        "real exec",
        "import json\nb = json.dumps.__globals__['__builtins__']\nb['exec']('import os')",
    ),
    (
        "frame walk via traceback",
        "try:\n    1/0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame\n    return str(f.f_back.f_globals)",
    ),
    ("frame walk via generator", "g = (x for x in [1])\nreturn str(g.gi_frame.f_globals)"),
    ("generator code", "def g():\n    yield 1\nreturn g().gi_code.co_code"),
    (
        "code forging",
        "f = lambda: 0\nc = f.__code__.replace(co_consts=(1,))\nreturn 1",
    ),
    (
        "function from code",
        "f = lambda: 0\nFunctionType = type(f)\ng = FunctionType(f.__code__, {})\nreturn 1",
    ),
    ("code assignment", "def f():\n    return 1\ndef g():\n    return 2\nf.__code__ = g.__code__\nreturn f()"),
    (
        "sys via module",
        "import json\nsys = json.dumps.__globals__['__builtins__']['__import__']('sys')\nreturn str(sys._getframe())",
    ),
    (
        "posix.system",
        "import json\nsys = json.dumps.__globals__['__builtins__']['__import__']('sys')\nreturn sys.modules['posix'].system('true')",
    ),
    (
        "audit hook removal",
        "import json\nsys = json.dumps.__globals__['__builtins__']['__import__']('sys')\nsys.addaudithook(lambda *a: None)\nreturn sys.modules['io'].open('/etc/passwd').read()",
    ),
    (
        "settrace",
        "import json\nsys = json.dumps.__globals__['__builtins__']['__import__']('sys')\nsys.settrace(None)\nreturn 1",
    ),
    (
        "gc.get_objects",
        "import json\ngc = json.dumps.__globals__['__builtins__']['__import__']('gc')\nreturn len(gc.get_objects())",
    ),
    (
        "io.open via sys.modules",
        "import json\nsys = json.dumps.__globals__['__builtins__']['__import__']('sys')\nreturn sys.modules['io'].open('/etc/passwd').read()",
    ),
    (
        "marshal code",
        "import json\nm = json.dumps.__globals__['__builtins__']['__import__']('marshal')\nreturn m.loads(b'')",
    ),
    ("time.sleep", "import time\ntime.sleep(0.01)\nreturn 1"),
    ("redis object tampering", "redis.call = lambda *a: 1\nreturn 1"),
    ("redis type tampering", "type(redis).call = lambda *a: 1\nreturn 1"),
    ("redis.Error tampering", "redis.Error.__str__ = lambda self: 'x'\nreturn 1"),
    ("undefined global", "return undefined_name"),
];

#[test]
fn escapes_are_refused_and_server_keeps_serving() {
    let s = TestServer::start();
    let mut c = s.raw();
    for eval in MODES {
        for (name, body) in ESCAPES {
            let r = run_script(&mut c, eval, body, &[], &[]);
            assert!(
                r.starts_with('-'),
                "{name} (eval={eval}) was not refused: {r}"
            );
            assert_eq!(q(&mut c, &["PING"]), "+PONG\r\n", "{name}");
        }
    }
    // A script that tampered with shared objects does not affect the next one.
    q(
        &mut c,
        &[
            "EVAL",
            "import json\njson.dumps = lambda x: 'evil'\nreturn 1",
            "0",
        ],
    );
    assert_eq!(
        q(
            &mut c,
            &["EVAL", "import json\nreturn json.dumps([1])", "0"]
        ),
        "$3\r\n[1]\r\n"
    );
    q(
        &mut c,
        &[
            "EVAL",
            "import json\nb = json.dumps.__globals__['__builtins__']\nreturn 1",
            "0",
        ],
    );
    assert_eq!(q(&mut c, &["EVAL", "return len('abc')", "0"]), ":3\r\n");
    let r = q(
        &mut c,
        &[
            "EVAL",
            "def f():\n    pass\nf.__globals__['redis'] = None\nreturn 1",
            "0",
        ],
    );
    assert_eq!(r, ":1\r\n");
    assert_eq!(
        q(&mut c, &["EVAL", "return redis.call('ping')", "0"]),
        "+PONG\r\n"
    );
}

#[test]
fn allowed_modules_work_and_the_list_is_configurable() {
    let s = TestServer::start_with(&["--python-allowed-modules", "math json"]);
    let mut c = s.raw();
    assert_eq!(
        q(
            &mut c,
            &[
                "EVAL",
                "import math, json\nreturn json.dumps(math.floor(2.5))",
                "0"
            ]
        ),
        "$1\r\n2\r\n"
    );
    let r = q(&mut c, &["EVAL", "import re\nreturn 1", "0"]);
    assert!(
        r.contains("ImportError: import of 're' is not allowed"),
        "{r}"
    );
    let s = TestServer::start();
    let mut c = s.raw();
    let body = "import math, json, re, string, struct, datetime, time, random, itertools, functools, collections, heapq, bisect, operator, copy, base64, binascii, hashlib, hmac, decimal, fractions, statistics, textwrap, unicodedata, zlib, uuid\n\
                d = datetime.datetime.strptime('2020', '%Y')\n\
                return [json.dumps({'a': 1}), re.sub('a', 'b', 'aa'), hashlib.sha1(b'x').hexdigest()[:4], str(decimal.Decimal('1.1') + 1), len(str(uuid.uuid4())), d.year, str(collections.Counter('aab')['a'])]";
    assert_eq!(
        q(&mut c, &["EVAL", body, "0"]),
        "*7\r\n$8\r\n{\"a\": 1}\r\n$2\r\nbb\r\n$4\r\n11f6\r\n$3\r\n2.1\r\n:36\r\n:2020\r\n$1\r\n2\r\n"
    );
}

/// Reaching `os` through a subclass walk, then functions CPython does not audit.
const OS: &str = "w = [c for c in object.__subclasses__() if c.__name__ == '_wrap_close'][0]\nos = w.__init__.__globals__\n";

#[test]
fn unaudited_os_functions_are_refused() {
    let s = TestServer::start();
    let mut c = s.raw();
    for call in [
        "os['write'](1, b'x')",
        "os['close'](0)",
        "os['dup2'](1, 2)",
        "os['_exit'](1)",
        "os['abort']()",
        "os['read'](0, 1)",
        "os['setsid']()",
        "import json\njson.dumps.__globals__['__builtins__']['__import__']('sys').setrecursionlimit(10**9)",
        "import json\njson.dumps.__globals__['__builtins__']['__import__']('signal').signal(15, 1)",
        "import json\njson.dumps.__globals__['__builtins__']['__import__']('signal').alarm(1)",
    ] {
        let body = format!("{OS}{call}\nreturn 1");
        let r = q(&mut c, &["EVAL", &body, "0"]);
        assert!(r.contains("is not allowed in scripts (sandbox)"), "{call}: {r}");
        assert_eq!(q(&mut c, &["PING"]), "+PONG\r\n", "{call}");
    }
    // Rebinding the real builtins or sys is undone after the run.
    q(&mut c, &["EVAL", "import json\nb = json.dumps.__globals__['__builtins__']\nb['len'] = lambda x: 42\nreturn 1", "0"]);
    assert_eq!(
        q(
            &mut c,
            &[
                "EVAL",
                "import json\nreturn json.dumps.__globals__['__builtins__']['len']('ab')",
                "0"
            ]
        ),
        ":2\r\n"
    );
    // uuid4 (os.urandom) still works.
    assert_eq!(
        q(
            &mut c,
            &["EVAL", "import uuid\nreturn len(str(uuid.uuid4()))", "0"]
        ),
        ":36\r\n"
    );
}
