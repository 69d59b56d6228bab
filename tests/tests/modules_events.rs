//! Module timers, keyspace notifications, post-notification jobs, server events,
//! one-shot event-loop events and `PublishMessage` (`c/events.c`). Replies match Redis
//! 7.4 running the same module.

use coil_sample_modules::{BLOCKING, EVENTS};
use coil_tests::{RawConn, TestServer};
use std::time::Duration;

fn server() -> TestServer {
    TestServer::start_with(&["--loadmodule", EVENTS, "--enable-module-command", "yes"])
}

fn q(c: &mut RawConn, line: &str) -> String {
    let args: Vec<&str> = line.split(' ').collect();
    c.query(&args)
}

#[test]
fn timers_fire_on_time_and_stop() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(q(&mut c, "ev.timer 100 hello"), ":1\r\n");
    assert_eq!(q(&mut c, "get ev:timer"), "$-1\r\n");
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(q(&mut c, "get ev:timer"), "$5\r\nhello\r\n");
    assert_eq!(
        q(&mut c, "ev.stoptimer 10000"),
        "*2\r\n$7\r\npayload\r\n:0\r\n"
    );
    // A pending timer keeps the module loaded.
    q(&mut c, "ev.timer 500 x");
    assert_eq!(
        q(&mut c, "module unload events"),
        "-ERR Error unloading module: the module holds timer that is not fired. Please stop the timer or wait until it fires.\r\n"
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(q(&mut c, "module unload events"), "+OK\r\n");
}

#[test]
fn keyspace_events_reach_modules_whatever_the_configuration() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(
        q(&mut c, "config get notify-keyspace-events"),
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"
    );
    // NOTIFY_ALL leaves out `new`: one event per command here.
    q(&mut c, "set a 1");
    assert_eq!(q(&mut c, "ev.ksn"), "*3\r\n:1\r\n$3\r\nset\r\n$1\r\na\r\n");
    q(&mut c, "del a");
    assert_eq!(q(&mut c, "ev.ksn"), "*3\r\n:2\r\n$3\r\ndel\r\n$1\r\na\r\n");
}

#[test]
fn post_notification_jobs_run_after_the_command() {
    let s = server();
    let mut c = s.raw();
    q(&mut c, "set pn:x 1");
    assert_eq!(q(&mut c, "get pn:jobs"), "$1\r\n1\r\n");
    q(&mut c, "mset pn:a 1 pn:b 2");
    assert_eq!(q(&mut c, "get pn:jobs"), "$1\r\n3\r\n");
}

#[test]
fn server_events_flush_config_swapdb_clients_cron_modules() {
    let s = server();
    let mut c = s.raw();
    let before = q(&mut c, "ev.hooks");
    let before: Vec<&str> = before.split("\r\n").collect();
    let count = |l: &str| l.trim_start_matches(':').parse::<i64>().unwrap_or(-1);
    q(&mut c, "flushdb");
    q(&mut c, "flushall");
    q(&mut c, "config set maxmemory-samples 6");
    q(&mut c, "swapdb 0 1");
    {
        let mut other = s.raw();
        q(&mut other, "ping");
    }
    std::thread::sleep(Duration::from_millis(200));
    q(&mut c, &format!("module load {BLOCKING}"));
    let hooks = q(&mut c, "ev.hooks");
    let lines: Vec<&str> = hooks.split("\r\n").collect();
    // One more client connected and disconnected, flush start/end, cron ran, one config
    // change named maxmemory-samples, one swap, one module loaded.
    assert_eq!(lines[0], "*9");
    assert_eq!(count(lines[1]) - count(before[1]), 1);
    assert_eq!(count(lines[2]) - count(before[2]), 1);
    assert_eq!(lines[3], ":2");
    assert_eq!(lines[4], ":2");
    assert_eq!(lines[5], ":1");
    assert_eq!(lines[6], ":1");
    assert_eq!(lines[8], "maxmemory-samples");
    assert_eq!(lines[9], ":1");
    assert_eq!(lines[10], ":1");
}

#[test]
fn one_shot_event_from_a_thread_unblocks() {
    let s = server();
    let mut c = s.raw();
    assert_eq!(q(&mut c, "ev.oneshot"), "+ONESHOT\r\n");
}

#[test]
fn publish_from_a_module() {
    let s = server();
    let mut sub = s.raw();
    let mut c = s.raw();
    q(&mut sub, "subscribe ch");
    assert_eq!(q(&mut c, "ev.publish ch hi"), ":1\r\n");
    assert_eq!(
        sub.read_reply(),
        "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    );
    assert_eq!(q(&mut c, "ev.publish nobody hi"), ":0\r\n");
}
