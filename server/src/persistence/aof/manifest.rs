//! The multi-part AOF manifest (Redis 7): one line per file,
//! `file <name> seq <n> type <b|h|i>`, the base first, then history files (awaiting
//! deletion), then the incremental files in order.

/// The longest manifest line Redis reads (`MANIFEST_MAX_LINE`).
const MANIFEST_MAX_LINE: usize = 1024;

/// Kind of an AOF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// The base: a snapshot (RDB or commands).
    Base,
    /// Replaced by a rewrite; deleted when possible.
    History,
    /// Commands appended after the base.
    Incr,
}

impl FileType {
    fn letter(self) -> char {
        match self {
            FileType::Base => 'b',
            FileType::History => 'h',
            FileType::Incr => 'i',
        }
    }
}

/// One file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// File name inside the AOF directory.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// Kind.
    pub kind: FileType,
}

/// The manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file.
    pub base: Option<AofFile>,
    /// History files.
    pub history: Vec<AofFile>,
    /// Incremental files, oldest first.
    pub incrs: Vec<AofFile>,
    /// Highest base sequence used.
    pub curr_base_seq: u64,
    /// Highest incremental sequence used.
    pub curr_incr_seq: u64,
}

fn quote_if_needed(name: &str) -> String {
    if name
        .bytes()
        .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\'' && c != b'\\')
    {
        return name.to_string();
    }
    crate::util::repr(name.as_bytes())
}

impl Manifest {
    /// The manifest's text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for f in self
            .base
            .iter()
            .chain(self.history.iter())
            .chain(self.incrs.iter())
        {
            s.push_str(&format!(
                "file {} seq {} type {}\n",
                quote_if_needed(&f.name),
                f.seq,
                f.kind.letter()
            ));
        }
        s
    }

    /// Parses a manifest; errors read as Redis's (`aofLoadManifestFromFile`), with
    /// the offending line when there is one.
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        let fail = |lineno: usize, line: &[u8], err: &str| -> String {
            if line.is_empty() && lineno == 0 {
                return format!("\n*** FATAL AOF MANIFEST FILE ERROR ***\n{err}");
            }
            format!(
                "\n*** FATAL AOF MANIFEST FILE ERROR ***\nReading the manifest file, at line {lineno}\n>>> '{}'\n{err}",
                String::from_utf8_lossy(line)
            )
        };
        if text.is_empty() {
            return Err(fail(0, b"", "Found an empty AOF manifest"));
        }
        let mut m = Manifest::default();
        let mut maxseq = 0;
        let mut rest = text;
        let mut lineno = 0;
        while !rest.is_empty() {
            lineno += 1;
            let (raw, next) = match rest.iter().position(|&c| c == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &b""[..]),
            };
            rest = next;
            if raw.len() > MANIFEST_MAX_LINE {
                return Err(fail(
                    lineno,
                    raw,
                    "The AOF manifest file contains too long line",
                ));
            }
            if raw.first() == Some(&b'#') {
                continue;
            }
            let trimmed = {
                let s = raw
                    .iter()
                    .position(|c| !b" \t\r".contains(c))
                    .unwrap_or(raw.len());
                let e = raw
                    .iter()
                    .rposition(|c| !b" \t\r".contains(c))
                    .map_or(s, |e| e + 1);
                &raw[s..e.max(s)]
            };
            let invalid = || fail(lineno, raw, "Invalid AOF manifest file format");
            if trimmed.is_empty() {
                return Err(invalid());
            }
            let args = crate::util::split_args(trimmed).ok_or_else(invalid)?;
            if args.len() < 6 || args.len() % 2 != 0 {
                return Err(invalid());
            }
            let mut name = None;
            let mut seq = 0u64;
            let mut kind = None;
            for kv in args.chunks(2) {
                let v = String::from_utf8_lossy(&kv[1]).into_owned();
                if kv[0].eq_ignore_ascii_case(b"file") {
                    if v.contains('/') {
                        return Err(fail(lineno, raw, "File can't be a path, just a filename"));
                    }
                    name = Some(v);
                } else if kv[0].eq_ignore_ascii_case(b"seq") {
                    seq = v.parse::<u64>().unwrap_or(0);
                } else if kv[0].eq_ignore_ascii_case(b"type") {
                    kind = v.bytes().next();
                }
            }
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(invalid());
            };
            if seq == 0 {
                return Err(invalid());
            }
            match kind {
                b'b' => {
                    if m.base.is_some() {
                        return Err(fail(lineno, raw, "Found duplicate base file information"));
                    }
                    m.curr_base_seq = seq;
                    m.base = Some(AofFile {
                        name,
                        seq,
                        kind: FileType::Base,
                    });
                }
                b'h' => m.history.push(AofFile {
                    name,
                    seq,
                    kind: FileType::History,
                }),
                b'i' => {
                    if seq <= maxseq {
                        return Err(fail(lineno, raw, "Found a non-monotonic sequence number"));
                    }
                    maxseq = seq;
                    m.curr_incr_seq = seq;
                    m.incrs.push(AofFile {
                        name,
                        seq,
                        kind: FileType::Incr,
                    });
                }
                _ => return Err(fail(lineno, raw, "Unknown AOF file type")),
            }
        }
        Ok(m)
    }

    /// A new base file name (`<prefix>.<seq>.base.rdb|aof`); the current base becomes
    /// history.
    pub fn new_base(&mut self, prefix: &str, rdb: bool) -> String {
        if let Some(mut b) = self.base.take() {
            b.kind = FileType::History;
            self.history.push(b);
        }
        self.curr_base_seq += 1;
        let name = format!(
            "{prefix}.{}.base.{}",
            self.curr_base_seq,
            if rdb { "rdb" } else { "aof" }
        );
        self.base = Some(AofFile {
            name: name.clone(),
            seq: self.curr_base_seq,
            kind: FileType::Base,
        });
        name
    }

    /// A new incremental file name (`<prefix>.<seq>.incr.aof`), appended.
    pub fn new_incr(&mut self, prefix: &str) -> String {
        self.curr_incr_seq += 1;
        let name = format!("{prefix}.{}.incr.aof", self.curr_incr_seq);
        self.incrs.push(AofFile {
            name: name.clone(),
            seq: self.curr_incr_seq,
            kind: FileType::Incr,
        });
        name
    }

    /// After a rewrite: every incremental file but the last becomes history.
    pub fn mark_rewritten(&mut self) {
        let keep = self.incrs.pop();
        for mut f in self.incrs.drain(..) {
            f.kind = FileType::History;
            self.history.push(f);
        }
        if let Some(k) = keep {
            self.incrs.push(k);
        }
    }

    /// The last incremental file, where new commands go.
    pub fn last_incr(&self) -> Option<&AofFile> {
        self.incrs.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_rewrite() {
        let mut m = Manifest::default();
        let b = m.new_base("appendonly.aof", true);
        assert_eq!(b, "appendonly.aof.1.base.rdb");
        let i = m.new_incr("appendonly.aof");
        assert_eq!(i, "appendonly.aof.1.incr.aof");
        let text = m.to_text();
        assert_eq!(
            text,
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m);
        m.new_incr("appendonly.aof");
        m.new_base("appendonly.aof", true);
        m.mark_rewritten();
        assert_eq!(m.history.len(), 2);
        assert_eq!(m.incrs.len(), 1);
        assert_eq!(m.incrs[0].seq, 2);
        assert!(Manifest::parse(b"garbage\n").is_err());
        assert!(Manifest::parse(b"file a seq 2 type i\nfile b seq 1 type i\n").is_err());
    }
}
