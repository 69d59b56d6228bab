//! Finds the CPython that pyo3 links against and makes binaries find it at run time:
//! an rpath to its shared library (for this crate's tests; dependents get the directory
//! through `links` metadata) and its installation prefix as `COIL_PYTHON_HOME`.
use std::process::Command;

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    let cfg = pyo3_build_config::get();
    if let Some(dir) = cfg.lib_dir() {
        println!("cargo:libdir={dir}");
    }
    let exe = cfg
        .executable()
        .map(str::to_string)
        .unwrap_or_else(|| "python3".into());
    if let Ok(out) = Command::new(&exe)
        .args(["-c", "import sys; print(sys.base_prefix)"])
        .output()
    {
        let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !prefix.is_empty() {
            println!("cargo:rustc-env=COIL_PYTHON_HOME={prefix}");
            println!("cargo:home={prefix}");
        }
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
