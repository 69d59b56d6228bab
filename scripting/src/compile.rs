//! Shebang lines, flags, library metadata, and compiling a body into a function.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A script's or function's flags, as Redis 7 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptFlags(pub u32);

impl ScriptFlags {
    /// `no-writes`
    pub const NO_WRITES: u32 = 1;
    /// `allow-oom`
    pub const ALLOW_OOM: u32 = 2;
    /// `allow-stale`
    pub const ALLOW_STALE: u32 = 4;
    /// `no-cluster`
    pub const NO_CLUSTER: u32 = 8;
    /// `allow-cross-slot-keys`
    pub const ALLOW_CROSS_SLOT: u32 = 16;
    /// No shebang: Redis's EVAL compatibility mode.
    pub const EVAL_COMPAT: u32 = 32;

    /// Flag names in Redis's order.
    pub const NAMES: &'static [(u32, &'static str)] = &[
        (Self::NO_WRITES, "no-writes"),
        (Self::ALLOW_OOM, "allow-oom"),
        (Self::ALLOW_STALE, "allow-stale"),
        (Self::NO_CLUSTER, "no-cluster"),
        (Self::ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
    ];

    /// True for any of `bits`.
    pub fn has(self, bits: u32) -> bool {
        self.0 & bits != 0
    }

    /// The bit of a flag name; `case_insensitive` for function flags.
    pub fn from_name(name: &str, case_insensitive: bool) -> Option<u32> {
        Self::NAMES
            .iter()
            .find(|(_, n)| {
                if case_insensitive {
                    n.eq_ignore_ascii_case(name)
                } else {
                    *n == name
                }
            })
            .map(|(b, _)| *b)
    }

    /// The names of the set flags, in order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(b, _)| self.has(*b))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// Splits a line into arguments the way Redis's `sdssplitargs` does: spaces separate,
/// double quotes (with escapes) and single quotes group. `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = line.get(i).copied();
            if inq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1).is_some() => {
                        let n = line[i + 1];
                        let hex = |b: u8| (b as char).to_digit(16);
                        if n == b'x' {
                            if let (Some(a), Some(b)) = (
                                line.get(i + 2).and_then(|&b| hex(b)),
                                line.get(i + 3).and_then(|&b| hex(b)),
                            ) {
                                cur.push((a * 16 + b) as u8);
                                i += 4;
                                continue;
                            }
                        }
                        cur.push(match n {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            o => o,
                        });
                        i += 2;
                        continue;
                    }
                    Some(b'"') => {
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(c) => cur.push(c),
                }
            } else if insq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        cur.push(b'\'');
                        i += 2;
                        continue;
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(c) => cur.push(c),
                }
            } else {
                match c {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => inq = true,
                    Some(b'\'') => insq = true,
                    Some(c) => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// Parses an EVAL body's shebang: `#!python [flags=a,b]`. No shebang means Redis's
/// compatibility mode. Errors are Redis's texts (without `ERR `).
pub fn parse_shebang(body: &[u8]) -> Result<ScriptFlags, String> {
    if !body.starts_with(b"#!") {
        return Ok(ScriptFlags(ScriptFlags::EVAL_COMPAT));
    }
    let Some(end) = body.iter().position(|&c| c == b'\n') else {
        return Err("Invalid script shebang".into());
    };
    let parts = match split_args(&body[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid engine in script shebang".into()),
    };
    if parts[0] != b"#!python" {
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(&parts[0])
        ));
    }
    let mut flags = 0;
    for p in &parts[1..] {
        let Some(list) = p.strip_prefix(b"flags=") else {
            return Err(format!(
                "Unknown python shebang option: {}",
                String::from_utf8_lossy(p)
            ));
        };
        if list.is_empty() {
            continue;
        }
        for f in list.split(|&c| c == b',') {
            let name = String::from_utf8_lossy(f);
            match ScriptFlags::from_name(&name, false) {
                Some(b) => flags |= b,
                None => return Err(format!("Unexpected flag in script shebang: {name}")),
            }
        }
    }
    Ok(ScriptFlags(flags))
}

/// A library's first line: engine and name.
#[derive(Debug)]
pub struct LibraryMeta {
    /// Engine name as given (after `#!`).
    pub engine: String,
    /// Library name.
    pub name: String,
}

/// Parses `#!<engine> name=<lib>` as Redis's `functionExtractLibMetaData` does.
pub fn parse_library_meta(code: &[u8]) -> Result<LibraryMeta, String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&c| c == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let parts = match split_args(&code[..end]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid library metadata".into()),
    };
    let engine = String::from_utf8_lossy(&parts[0][2..]).into_owned();
    let mut name: Option<String> = None;
    for p in &parts[1..] {
        if p.len() >= 5 && p[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(String::from_utf8_lossy(&p[5..]).into_owned());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(p)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok(LibraryMeta { engine, name })
}

/// True for a valid library or function name: `[A-Za-z0-9_]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// A compile error as Redis words it after its prefix: `user_script:3: invalid syntax`.
pub fn compile_error(py: Python<'_>, err: &PyErr, filename: &str) -> String {
    let v = err.value(py);
    if err.is_instance_of::<pyo3::exceptions::PySyntaxError>(py) {
        let msg = v
            .getattr("msg")
            .and_then(|m| m.str().map(|s| s.to_string()))
            .unwrap_or_else(|_| "invalid syntax".into());
        let line: i64 = v.getattr("lineno").and_then(|l| l.extract()).unwrap_or(1);
        return format!("{filename}:{line}: {msg}");
    }
    let name = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let msg = v.str().map(|s| s.to_string()).unwrap_or_default();
    format!("{filename}:1: {name}: {msg}")
}

/// The source as Python sees it.
pub fn source_bytes<'py>(py: Python<'py>, body: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert_eq!(
            parse_shebang(b"return 1").unwrap(),
            ScriptFlags(ScriptFlags::EVAL_COMPAT)
        );
        assert_eq!(
            parse_shebang(b"#!python\nreturn 1").unwrap(),
            ScriptFlags(0)
        );
        assert_eq!(
            parse_shebang(b"#!python flags=no-writes,allow-oom\n").unwrap(),
            ScriptFlags(ScriptFlags::NO_WRITES | ScriptFlags::ALLOW_OOM)
        );
        assert_eq!(
            parse_shebang(b"#!lua\nreturn 1").unwrap_err(),
            "Unexpected engine in script shebang: #!lua"
        );
        assert_eq!(
            parse_shebang(b"#!python badger=data\n").unwrap_err(),
            "Unknown python shebang option: badger=data"
        );
        assert_eq!(
            parse_shebang(b"#!python flags=allow-oom,what?\n").unwrap_err(),
            "Unexpected flag in script shebang: what?"
        );
        assert_eq!(
            parse_shebang(b"#!python").unwrap_err(),
            "Invalid script shebang"
        );
    }

    #[test]
    fn library_meta() {
        let m = parse_library_meta(b"#!python name=mylib\ncode").unwrap();
        assert_eq!((m.engine.as_str(), m.name.as_str()), ("python", "mylib"));
        let m = parse_library_meta(b"#!PYTHON NAME=\"foo\"\n").unwrap();
        assert_eq!(m.name, "foo");
        assert_eq!(
            parse_library_meta(b"code").unwrap_err(),
            "Missing library metadata"
        );
        assert_eq!(
            parse_library_meta(b"#!python name=a").unwrap_err(),
            "Invalid library metadata"
        );
        assert_eq!(
            parse_library_meta(b"#!python\n").unwrap_err(),
            "Library name was not given"
        );
        assert_eq!(
            parse_library_meta(b"#!python name=a foo=bar\n").unwrap_err(),
            "Invalid metadata value given: foo=bar"
        );
        assert!(valid_name("a_1") && !valid_name("a-b") && !valid_name(""));
    }
}
