//! The binary's command line. (Its presence also makes `cargo test` build the
//! `coil-server` binary that the end-to-end tests in `tests/` start.)

use std::process::Command;

#[test]
fn version_flag_prints_redis_compatible_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_coil-server"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Redis server v=7.4.0 "), "{text}");
}

#[test]
fn bad_config_directive_is_fatal() {
    let out = Command::new(env!("CARGO_BIN_EXE_coil-server"))
        .args(["--nosuchdirective", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("FATAL CONFIG FILE ERROR") && text.contains("Bad directive"),
        "{text}"
    );
}
