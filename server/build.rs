//! Embeds the command metadata files (`commands/*.json`) into the binary.
//!
//! Each file describes one top-level command exactly as Redis 7.4 reports it through
//! `COMMAND INFO` and `COMMAND DOCS`; the server parses them once at start-up.
use std::{env, fs, path::Path};

fn main() {
    // The Python engine links libpython: make the binary (and the lib's tests) find it
    // where the build found it.
    if let Ok(dir) = env::var("DEP_COIL_PYTHON_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("commands");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut out = String::from("/// Every command metadata file, as (file stem, JSON text).\npub static COMMAND_FILES: &[(&str, &str)] = &[\n");
    for p in &names {
        println!("cargo:rerun-if-changed={}", p.display());
        let stem = p.file_stem().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            stem,
            p.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("command_files.rs");
    fs::write(dest, out).unwrap();

    // The module host's C trampolines (variadic and long double API functions).
    println!("cargo:rerun-if-changed=src/modules/shim.c");
    cc::Build::new()
        .file("src/modules/shim.c")
        .flag_if_supported("-fvisibility=hidden")
        .compile("coilshim");
}
