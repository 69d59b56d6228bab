//! Module INFO sections, configurations, command filters, dictionaries and client
//! information (`c/admin.c`). Replies match Redis 7.4 running the same module.

use coil_sample_modules::ADMIN;
use coil_tests::{RawConn, TestServer};

fn q(c: &mut RawConn, line: &str) -> String {
    let args: Vec<&str> = line.split(' ').collect();
    c.query(&args)
}

fn server(extra: &[&str]) -> TestServer {
    let mut args = vec!["--loadmodule", ADMIN, "--enable-module-command", "yes"];
    args.extend_from_slice(extra);
    TestServer::start_with(&args)
}

fn body(reply: &str) -> String {
    // A verbatim or bulk INFO reply without its header line.
    reply
        .split_once("\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string()
}

#[test]
fn info_sections_by_module_section_and_everything() {
    let s = server(&[]);
    let mut c = s.raw();
    q(&mut c, "admin.dict.set a 1");
    let info = body(&q(&mut c, "info admin"));
    assert_eq!(
        info,
        "# admin_stats\r\nadmin_calls:1\r\nadmin_ratio:0.5\r\nadmin_db0:keys=1,kind=dict\r\n\r\n# admin_extra\r\nadmin_extra_name:coil\r\n\r\n"
    );
    let one = body(&q(&mut c, "info ADMIN_EXTRA"));
    assert_eq!(one, "# admin_extra\r\nadmin_extra_name:coil\r\n\r\n");
    let default = q(&mut c, "info");
    assert!(!default.contains("admin_calls"));
    assert!(
        default.contains("module:name=admin,ver=1,api=1,filters=1,usedby=[],using=[],options=[]")
    );
    assert!(q(&mut c, "info everything").contains("# admin_stats"));
    assert!(q(&mut c, "info modules").contains("admin_extra_name:coil"));
    assert!(!q(&mut c, "info all").contains("admin_calls"));
    assert!(q(&mut c, "info all admin").contains("admin_calls"));
    assert_eq!(
        q(&mut c, "admin.serverinfo redis_version"),
        "$5\r\n7.4.0\r\n"
    );
}

#[test]
fn configs_get_set_apply_and_refusals() {
    let s = server(&[]);
    let mut c = s.raw();
    assert_eq!(
        q(&mut c, "config get admin.limit"),
        "*2\r\n$11\r\nadmin.limit\r\n$2\r\n10\r\n"
    );
    assert_eq!(
        q(&mut c, "config get admin.label"),
        "*2\r\n$11\r\nadmin.label\r\n$4\r\nnone\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.mode safe admin.limit 20"),
        "+OK\r\n"
    );
    assert_eq!(
        q(&mut c, "config get admin.mode"),
        "*2\r\n$10\r\nadmin.mode\r\n$4\r\nsafe\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.limit 13"),
        "-ERR CONFIG SET failed (possibly related to argument 'limit') - unlucky limit\r\n"
    );
    assert_eq!(
        q(&mut c, "config get admin.limit"),
        "*2\r\n$11\r\nadmin.limit\r\n$2\r\n20\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.limit 101"),
        "-ERR CONFIG SET failed (possibly related to argument 'admin.limit') - argument must be between 0 and 100 inclusive\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.label reject"),
        "-ERR CONFIG SET failed (possibly related to argument 'admin.label') - label 'reject' is not allowed\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.frozen yes"),
        "-ERR CONFIG SET failed (possibly related to argument 'admin.frozen') - can't set immutable config\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.mode slow"),
        "-ERR CONFIG SET failed (possibly related to argument 'admin.mode') - argument(s) must be one of the following: fast, safe\r\n"
    );
    assert_eq!(
        q(&mut c, "config set admin.enabled maybe"),
        "-ERR CONFIG SET failed (possibly related to argument 'admin.enabled') - argument must be 'yes' or 'no'\r\n"
    );
    let all = q(&mut c, "config get admin.*");
    assert!(all.starts_with("*10\r\n"), "{all}");
    assert_eq!(q(&mut c, "module unload admin"), "+OK\r\n");
    assert_eq!(q(&mut c, "config get admin.*"), "*0\r\n");
}

#[test]
fn configs_from_the_command_line_and_loadex() {
    let s = server(&["--admin.limit", "42", "--admin.frozen", "yes"]);
    let mut c = s.raw();
    assert_eq!(
        q(&mut c, "config get admin.limit"),
        "*2\r\n$11\r\nadmin.limit\r\n$2\r\n42\r\n"
    );
    assert_eq!(
        q(&mut c, "config get admin.frozen"),
        "*2\r\n$12\r\nadmin.frozen\r\n$3\r\nyes\r\n"
    );
    q(&mut c, "module unload admin");
    assert_eq!(
        q(
            &mut c,
            &format!("module loadex {ADMIN} config admin.label hi")
        ),
        "+OK\r\n"
    );
    assert_eq!(
        q(&mut c, "config get admin.label"),
        "*2\r\n$11\r\nadmin.label\r\n$2\r\nhi\r\n"
    );
    q(&mut c, "module unload admin");
    // A value the module refuses, or a name it does not register, fails the load.
    let failed = "-ERR Error loading the extension. Please check the server logs.\r\n";
    assert_eq!(
        q(
            &mut c,
            &format!("module loadex {ADMIN} config admin.label reject")
        ),
        failed
    );
    assert_eq!(
        q(
            &mut c,
            &format!("module loadex {ADMIN} config admin.nosuch 1")
        ),
        failed
    );
    assert_eq!(q(&mut c, "config get admin.*"), "*0\r\n");
    assert!(s.log().contains("Loadex configurations were not applied"));
}

#[test]
fn command_filter_rewrites_commands() {
    let s = server(&[]);
    let mut c = s.raw();
    let before = q(&mut c, "admin.filtered");
    let before: i64 = before[1..before.len() - 2].parse().unwrap();
    assert_eq!(q(&mut c, "setx k v"), "+OK\r\n");
    assert_eq!(q(&mut c, "get k"), "$1\r\nv\r\n");
    // The filter saw SETX, GET and this command.
    assert_eq!(q(&mut c, "admin.filtered"), format!(":{}\r\n", before + 3));
}

#[test]
fn dict_iterates_in_byte_order() {
    let s = server(&[]);
    let mut c = s.raw();
    for (k, v) in [("b", "2"), ("a", "1"), ("c", "3"), ("ab", "4")] {
        q(&mut c, &format!("admin.dict.set {k} {v}"));
    }
    assert_eq!(
        q(&mut c, "admin.dict.range >= aa 10"),
        "*3\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(
        q(&mut c, "admin.dict.range < c 2"),
        "*2\r\n$1\r\nb\r\n$2\r\nab\r\n"
    );
    assert_eq!(
        q(&mut c, "admin.dict.range ^ x 10"),
        "*4\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(q(&mut c, "admin.dict.get ab"), "$1\r\n4\r\n");
    assert_eq!(q(&mut c, "admin.dict.get zz"), "$-1\r\n");
}

#[test]
fn client_info_and_names() {
    let s = server(&[]);
    let mut c = s.raw();
    let mut other = s.raw();
    let id = q(&mut other, "client id");
    let id = id.trim_start_matches(':').trim().to_string();
    q(&mut c, "select 3");
    let me = q(&mut c, "admin.client");
    let parts: Vec<&str> = me.split("\r\n").collect();
    assert_eq!(parts[0], "*6");
    assert_eq!(parts[3], "127.0.0.1");
    assert_eq!(parts[5], ":3");
    assert_eq!(parts[6], ":0");
    assert_eq!(parts[7], "$-1");
    assert_eq!(q(&mut c, &format!("admin.setname {id} worker")), "+OK\r\n");
    assert_eq!(q(&mut other, "client getname"), "$6\r\nworker\r\n");
    assert!(q(&mut c, &format!("admin.client {id}")).ends_with("$6\r\nworker\r\n"));
    assert_eq!(
        q(&mut c, &format!("admin.setname {id} bad\nname")),
        "-ERR cannot set name\r\n"
    );
    assert_eq!(q(&mut c, "admin.client 99999"), "-ERR no such client\r\n");
}
