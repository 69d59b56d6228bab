//! Builds every `c/*.c` into a loadable module (`lib<name>.so` in `OUT_DIR`) against
//! our own `modules-api/include/redismodule.h`, with the system C compiler, and exposes
//! each path to the crate as the environment variable `COIL_SAMPLE_<NAME>`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    let include = here.join("../modules-api/include");
    let cdir = here.join("c");
    println!("cargo:rerun-if-changed={}", cdir.display());
    println!(
        "cargo:rerun-if-changed={}",
        include.join("redismodule.h").display()
    );
    let compiler = cc::Build::new()
        .opt_level(1)
        .cargo_metadata(false)
        .get_compiler();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&cdir)
        .expect("sample-modules/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    for src in sources {
        println!("cargo:rerun-if-changed={}", src.display());
        let stem = src.file_stem().and_then(|s| s.to_str()).expect("file name");
        let so = out.join(format!("lib{stem}.so"));
        build_one(&compiler, &include, &src, &so);
        println!(
            "cargo:rustc-env=COIL_SAMPLE_{}={}",
            stem.to_ascii_uppercase(),
            so.display()
        );
    }
}

fn build_one(compiler: &cc::Tool, include: &Path, src: &Path, so: &Path) {
    let mut cmd: Command = compiler.to_command();
    cmd.args(["-shared", "-fPIC", "-std=gnu11", "-Wall", "-Werror", "-O1"])
        .arg("-I")
        .arg(include)
        .arg("-o")
        .arg(so)
        .arg(src);
    let status = cmd.status().expect("run the C compiler");
    assert!(status.success(), "compiling {} failed", src.display());
}
