//! Function libraries in RDB files and AOF rewrites (the `FUNCTION2` opcode), through
//! [`FunctionHooks`]. The scripting engine replaces the hooks; until it does, a
//! placeholder store keeps libraries as (name, code) so files round-trip through Coil.

use crate::server::Server;

/// Every library as (name, code). Runs in a save child too: it must not enter the
/// Python interpreter or take locks other threads may hold.
pub type ListHook = fn(&Server) -> Vec<(Vec<u8>, Vec<u8>)>;
/// Creates a library from its code (`replace`: a library of the same name is replaced
/// rather than an error).
pub type LoadHook = fn(&mut Server, code: &[u8], replace: bool) -> Result<(), String>;
/// Removes every library (before a load replaces the dataset).
pub type FlushHook = fn(&mut Server);

/// How persistence reaches the function libraries.
#[derive(Clone, Copy)]
pub struct FunctionHooks {
    /// Lists the libraries.
    pub list: ListHook,
    /// Loads a library.
    pub load: LoadHook,
    /// Removes every library.
    pub flush: FlushHook,
}

impl Default for FunctionHooks {
    fn default() -> Self {
        FunctionHooks {
            list: |srv| srv.persist.functions.clone(),
            load: placeholder_load,
            flush: |srv| srv.persist.functions.clear(),
        }
    }
}

/// The library name in a code's first line: `#!<engine> name=<name> ...`.
pub fn library_name(code: &[u8]) -> Result<Vec<u8>, String> {
    let first = code.split(|&c| c == b'\n').next().unwrap_or(b"");
    if !first.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    for part in first.split(|&c| c == b' ') {
        if let Some(n) = part.strip_prefix(b"name=") {
            let n = n.strip_suffix(b"\r").unwrap_or(n);
            if n.is_empty() {
                break;
            }
            return Ok(n.to_vec());
        }
    }
    Err("Library name was not given".into())
}

fn placeholder_load(srv: &mut Server, code: &[u8], replace: bool) -> Result<(), String> {
    let name = library_name(code)?;
    let libs = &mut srv.persist.functions;
    match libs.iter().position(|(n, _)| *n == name) {
        Some(i) if replace => libs[i].1 = code.to_vec(),
        Some(_) => {
            return Err(format!(
                "Library '{}' already exists",
                String::from_utf8_lossy(&name)
            ))
        }
        None => libs.push((name, code.to_vec())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            library_name(b"#!python name=mylib\nx").as_deref(),
            Ok(&b"mylib"[..])
        );
        assert!(library_name(b"no shebang").is_err());
        assert!(library_name(b"#!lua\n").is_err());
    }
}
