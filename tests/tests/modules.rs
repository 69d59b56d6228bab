//! Native modules: the sample C modules of `sample-modules/c/` loaded into the real
//! binary, with `--loadmodule` and with `MODULE LOAD`. Expected bytes were recorded from
//! Redis 7.4 running the same modules.

use coil_sample_modules::{FAILING, HELLO, NOTMODULE};
use coil_tests::TestServer;

fn with_hello() -> TestServer {
    TestServer::start_with(&[
        "--loadmodule",
        HELLO,
        "a",
        "b",
        "--enable-module-command",
        "yes",
    ])
}

fn cmd(c: &mut coil_tests::RawConn, line: &str) -> String {
    let args: Vec<&[u8]> = line.split(' ').map(|a| a.as_bytes()).collect();
    c.cmd(&args);
    c.read_reply()
}

#[test]
fn loadmodule_at_startup_and_call_in_onload() {
    let s = with_hello();
    let mut c = s.raw();
    // INFO through RedisModule_Call inside OnLoad saw redis_version; two load arguments.
    assert_eq!(
        cmd(&mut c, "hello.version"),
        "*3\r\n$5\r\n7.4.0\r\n:2\r\n:459776\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.echo x yz"),
        "*2\r\n$1\r\nx\r\n$2\r\nyz\r\n"
    );
    let list = cmd(&mut c, "module list");
    assert!(list
        .starts_with("*1\r\n*8\r\n$4\r\nname\r\n$5\r\nhello\r\n$3\r\nver\r\n:3\r\n$4\r\npath\r\n"));
    assert!(list.ends_with("$4\r\nargs\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"));
    assert!(s.log().contains("Module 'hello' loaded from"));
}

#[test]
fn every_reply_type_in_resp2_and_resp3() {
    let s = with_hello();
    let mut c = s.raw();
    assert_eq!(cmd(&mut c, "hello.types"), "*16\r\n:-42\r\n$3\r\n3.5\r\n+simple\r\n$7\r\nbuf\0fer\r\n$7\r\ncstring\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n:1\r\n$40\r\n1234567890123456789012345678901234567890\r\n$8\r\nverbatim\r\n*2\r\n$3\r\nkey\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n$3\r\n1.5\r\n$8\r\nmarkdown\r\n");
    assert_eq!(
        cmd(&mut c, "hello.postponed 2"),
        "*3\r\n:0\r\n:1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
    );
    cmd(&mut c, "hello 3");
    assert_eq!(cmd(&mut c, "hello.types"), "*16\r\n:-42\r\n,3.5\r\n+simple\r\n$7\r\nbuf\0fer\r\n$7\r\ncstring\r\n$0\r\n\r\n_\r\n_\r\n*0\r\n#t\r\n(1234567890123456789012345678901234567890\r\n=12\r\ntxt:verbatim\r\n%1\r\n$3\r\nkey\r\n:1\r\n~2\r\n$1\r\na\r\n$1\r\nb\r\n,1.5\r\n=12\r\nmkd:markdown\r\n");
    assert_eq!(
        cmd(&mut c, "hello.postponed 2"),
        "*3\r\n:0\r\n:1\r\n%1\r\n$1\r\nk\r\n$1\r\nv\r\n"
    );
}

#[test]
fn errors_arity_and_errorstats() {
    let s = with_hello();
    let mut c = s.raw();
    assert_eq!(cmd(&mut c, "hello.error"), "-ERR custom error\r\n");
    assert_eq!(cmd(&mut c, "hello.errorf"), "-MYERR code 42 in hello\r\n");
    assert_eq!(
        cmd(&mut c, "HELLO.postponed"),
        "-ERR wrong number of arguments for 'hello.postponed' command\r\n"
    );
    // An error from a called command counts once, when the module passes it on.
    cmd(&mut c, "set notint abc");
    assert_eq!(
        cmd(&mut c, "hello.call - incr notint"),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.describe - incr notint"),
        "*3\r\n$5\r\nerror\r\n$43\r\nERR value is not an integer or out of range\r\n:43\r\n"
    );
    let stats = cmd(&mut c, "info errorstats");
    assert!(stats.contains("errorstat_ERR:count=3\r\n"), "{stats}");
    assert!(stats.contains("errorstat_MYERR:count=1\r\n"), "{stats}");
}

#[test]
fn rm_call_flags_and_failures() {
    let s = with_hello();
    let mut c = s.raw();
    assert_eq!(cmd(&mut c, "hello.incr counter"), ":1\r\n");
    assert_eq!(cmd(&mut c, "hello.incr counter"), ":2\r\n");
    assert_eq!(cmd(&mut c, "get counter"), "$1\r\n2\r\n");
    assert_eq!(cmd(&mut c, "hello.call - set x 1"), "+OK\r\n");
    assert_eq!(
        cmd(&mut c, "hello.call - nosuch a"),
        "$12\r\nNULL errno=2\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.call E nosuch a"),
        "-ERR unknown command 'nosuch', with args beginning with: 'a' \r\n"
    );
    assert_eq!(cmd(&mut c, "hello.call - get"), "$13\r\nNULL errno=22\r\n");
    assert_eq!(
        cmd(&mut c, "hello.call E get"),
        "-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.call W set a b"),
        "$13\r\nNULL errno=28\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.call EW set a b"),
        "-ERR Write command 'set' was called while write is not allowed.\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.call D set a b"),
        "$12\r\nNULL errno=0\r\n"
    );
    assert_eq!(cmd(&mut c, "exists a"), ":0\r\n");
    assert_eq!(cmd(&mut c, "hello.call Z get a"), "$12\r\nNULL errno=9\r\n");
    assert_eq!(
        cmd(&mut c, "hello.call E hello.container bad"),
        "-ERR unknown subcommand 'bad'. Try HELLO.CONTAINER HELP.\r\n"
    );
    // A RESP3 call reply: passed through unparsed (as Redis does), or walked.
    assert!(cmd(&mut c, "hello.call 3 hello.types").contains(",3.5\r\n"));
    assert_eq!(
        cmd(&mut c, "hello.describe 3 hello.postponed 1"),
        "*3\r\n$5\r\narray\r\n*2\r\n$7\r\ninteger\r\n:0\r\n*3\r\n$3\r\nmap\r\n*3\r\n$6\r\nstring\r\n$1\r\nk\r\n:1\r\n*3\r\n$6\r\nstring\r\n$1\r\nv\r\n:1\r\n"
    );
    let described = cmd(&mut c, "hello.describe 3 hello.types");
    for kind in ["double", "bool", "bignum", "verbatim", "map", "set", "null"] {
        assert!(
            described.contains(&format!("${}\r\n{kind}\r\n", kind.len())),
            "{kind}: {described}"
        );
    }
    // RESP auto mode follows the caller's protocol.
    assert_eq!(
        cmd(&mut c, "hello.call 0 hello.postponed 0"),
        "*1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
    );
    cmd(&mut c, "hello 3");
    assert_eq!(
        cmd(&mut c, "hello.call 0 hello.postponed 0"),
        "*1\r\n%1\r\n$1\r\nk\r\n$1\r\nv\r\n"
    );
}

#[test]
fn strings_memory_and_context() {
    let s = with_hello();
    let mut c = s.raw();
    assert_eq!(cmd(&mut c, "hello.strings 123"), "*14\r\n$6\r\n-12345\r\n$20\r\n18446744073709551615\r\n$4\r\n1.25\r\n$4\r\n3.75\r\n$10\r\nfmt-7-0.50\r\n:123\r\n:123\r\n$3\r\n123\r\n$3\r\n123\r\n$6\r\nabcdef\r\n:-3\r\n$5\r\n123-0\r\n$4\r\nkept\r\n:1\r\n");
    assert_eq!(cmd(&mut c, "hello.strings 5-6"), "*14\r\n$6\r\n-12345\r\n$20\r\n18446744073709551615\r\n$4\r\n1.25\r\n$4\r\n3.75\r\n$10\r\nfmt-7-0.50\r\n:-1\r\n:-1\r\n$-1\r\n$-1\r\n$6\r\nabcdef\r\n:-3\r\n$3\r\n5-6\r\n$4\r\nkept\r\n:1\r\n");
    assert_eq!(cmd(&mut c, "hello.memory"), "+OK\r\n");
    let id = cmd(&mut c, "client id");
    let ctx = cmd(&mut c, "hello.ctx");
    assert_eq!(
        ctx,
        format!("*6\r\n{id}:0\r\n:1\r\n:0\r\n:1\r\n$9\r\nhello.ctx\r\n")
    );
    assert_eq!(cmd(&mut c, "hello.select 3"), ":3\r\n");
    // SelectDb changes the calling client's database, as in Redis.
    cmd(&mut c, "set indb3 1");
    cmd(&mut c, "select 0");
    assert_eq!(cmd(&mut c, "exists indb3"), ":0\r\n");
    assert_eq!(cmd(&mut c, "hello.select 99"), "-ERR invalid db\r\n");
    assert_eq!(cmd(&mut c, "hello.log hi"), "+OK\r\n");
    assert!(s.log().contains("# <hello> hello says hi"));
}

#[test]
fn module_commands_in_command_info_and_docs() {
    let s = with_hello();
    let mut c = s.raw();
    assert_eq!(cmd(&mut c, "command info hello.documented"), "*1\r\n*10\r\n$16\r\nhello.documented\r\n:-2\r\n*2\r\n+readonly\r\n+module\r\n:1\r\n:1\r\n:1\r\n*2\r\n+@read\r\n+@fast\r\n*1\r\n$23\r\nnondeterministic_output\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$7\r\nthe key\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
    assert_eq!(cmd(&mut c, "command docs hello.documented"), "*2\r\n$16\r\nhello.documented\r\n*14\r\n$7\r\nsummary\r\n$20\r\nA documented command\r\n$5\r\nsince\r\n$3\r\n1.0\r\n$5\r\ngroup\r\n$6\r\nmodule\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$6\r\nmodule\r\n$5\r\nhello\r\n$7\r\nhistory\r\n*1\r\n*2\r\n$3\r\n1.1\r\n$23\r\nAdded the COUNT option.\r\n$9\r\narguments\r\n*2\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n*12\r\n$4\r\nname\r\n$11\r\ncount-block\r\n$4\r\ntype\r\n$5\r\nblock\r\n$5\r\ntoken\r\n$5\r\nCOUNT\r\n$5\r\nsince\r\n$3\r\n1.1\r\n$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$5\r\ncount\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$12\r\ndisplay_text\r\n$5\r\ncount\r\n");
    assert_eq!(cmd(&mut c, "command info hello.container"), "*1\r\n*10\r\n$15\r\nhello.container\r\n:-2\r\n*1\r\n+module\r\n:0\r\n:0\r\n:0\r\n*0\r\n*0\r\n*0\r\n*2\r\n*10\r\n$21\r\nhello.container|other\r\n:-2\r\n*2\r\n+write\r\n+module\r\n:2\r\n:2\r\n:1\r\n*0\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$19\r\nhello.container|sub\r\n:-2\r\n*2\r\n+readonly\r\n+module\r\n:0\r\n:0\r\n:0\r\n*0\r\n*0\r\n*0\r\n*0\r\n");
    assert_eq!(
        cmd(&mut c, "command getkeysandflags hello.keys key a key b"),
        "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+RO\r\n+access\r\n"
    );
    assert_eq!(
        cmd(&mut c, "command getkeys hello.incr foo"),
        "*1\r\n$3\r\nfoo\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.container sub x"),
        "*3\r\n$15\r\nhello.container\r\n$3\r\nsub\r\n$1\r\nx\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.container"),
        "-ERR wrong number of arguments for 'hello.container' command\r\n"
    );
    let list = cmd(&mut c, "command list filterby module hello");
    assert!(list.starts_with("*19\r\n"), "{list}");
}

#[test]
fn module_load_unload_and_failures() {
    let s = TestServer::start_with(&["--enable-module-command", "yes"]);
    let mut c = s.raw();
    const FAILED: &str = "-ERR Error loading the extension. Please check the server logs.\r\n";
    // OnLoad fails after registering a command: nothing is left behind.
    assert_eq!(cmd(&mut c, &format!("module load {FAILING}")), FAILED);
    assert_eq!(cmd(&mut c, "command info failing.ping"), "*1\r\n*-1\r\n");
    assert_eq!(cmd(&mut c, "module list"), "*0\r\n");
    assert_eq!(cmd(&mut c, "module load /nonexistent/x.so"), FAILED);
    assert_eq!(cmd(&mut c, &format!("module load {NOTMODULE}")), FAILED);
    assert_eq!(cmd(&mut c, &format!("module load {HELLO} fail")), FAILED);
    assert_eq!(cmd(&mut c, "command info hello.echo"), "*1\r\n*-1\r\n");
    let log = s.log();
    assert!(log.contains("# <failing> failing on purpose (42)"), "{log}");
    assert!(log.contains(&format!(
        "# Module {FAILING} initialization failed. Module not loaded"
    )));
    assert!(log.contains("# Module /nonexistent/x.so failed to load: /nonexistent/x.so: cannot open shared object file: No such file or directory"), "{log}");
    assert!(log.contains(&format!(
        "# Module {NOTMODULE} does not export RedisModule_OnLoad() symbol. Module not loaded."
    )));
    // Load, use, unload, load again with other arguments.
    assert_eq!(cmd(&mut c, &format!("module load {HELLO}")), "+OK\r\n");
    assert_eq!(cmd(&mut c, "hello.echo 1"), "*1\r\n$1\r\n1\r\n");
    assert_eq!(
        cmd(&mut c, &format!("module load {HELLO}")),
        FAILED,
        "a second module named hello"
    );
    assert_eq!(cmd(&mut c, "module unload hello"), "+OK\r\n");
    assert_eq!(
        cmd(&mut c, "hello.echo 1"),
        "-ERR unknown command 'hello.echo', with args beginning with: '1' \r\n"
    );
    assert_eq!(
        cmd(&mut c, "module unload hello"),
        "-ERR Error unloading module: no such module with that name\r\n"
    );
    assert_eq!(
        cmd(&mut c, &format!("module loadex {HELLO} ARGS p q r")),
        "+OK\r\n"
    );
    assert_eq!(
        cmd(&mut c, "hello.version"),
        "*3\r\n$5\r\n7.4.0\r\n:3\r\n:459776\r\n"
    );
    assert_eq!(cmd(&mut c, &format!("module loadex {HELLO} BOGUS")), FAILED);
    assert!(cmd(&mut c, "module help").starts_with("*11\r\n+MODULE <subcommand>"));
    assert!(s.log().contains("* Module hello unloaded"));
}

#[test]
fn module_command_protection_and_startup_failure() {
    let s = TestServer::start();
    let mut c = s.raw();
    assert_eq!(
        cmd(&mut c, &format!("module load {HELLO}")),
        "-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"
    );
    let dir = std::env::temp_dir().join(format!("coil-modfail-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(coil_tests::server_binary())
        .args(["--port", "0", "--loadmodule", FAILING])
        .current_dir(&dir)
        .output()
        .expect("run coil-server");
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(&format!(
            "Can't load module from {FAILING}: server aborting"
        )),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
