//! `SORT` and `SORT_RO` (Redis's sort.c): sort a list, set or sorted set numerically or
//! lexicographically, by its own elements or by external keys and hash fields, with
//! `LIMIT`, `GET` patterns and `STORE`.

use crate::args;
use crate::client::flags as cf;
use crate::command_table::Registry;
use crate::config::{NOTIFY_GENERIC, NOTIFY_LIST};
use crate::ctx::{Ctx, Keyspace};
use crate::db::list::List;
use crate::db::{StrValue, Value};
use crate::error::{CmdError, CmdResult};
use bytes::Bytes;
use std::cmp::Ordering;

/// Registers the commands.
pub fn register(r: &mut Registry) {
    r.add("sort", sort);
    r.add("sort_ro", sort_ro);
}

/// ```text
/// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
///     [ASC | DESC] [ALPHA] [STORE destination]
/// ```
fn sort(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sort_generic(ctx, argv, false)
}

/// ```text
/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
///     [ASC | DESC] [ALPHA]
/// ```
fn sort_ro(ctx: &mut Ctx, argv: &[Bytes]) -> CmdResult {
    sort_generic(ctx, argv, true)
}

/// A value found through a `BY` or `GET` pattern.
enum Found {
    /// A string key's value.
    Str(StrValue),
    /// A hash field's value.
    Bytes(Vec<u8>),
}

impl Found {
    fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Found::Str(s) => s.as_bytes(),
            Found::Bytes(b) => std::borrow::Cow::Borrowed(b),
        }
    }
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` of
/// the pattern is replaced by the element, and a `->field` suffix after it reads that
/// field of a hash. Patterns without `*` find nothing.
fn lookup_by_pattern(ks: &mut Keyspace<'_>, pattern: &[u8], elem: &[u8]) -> Option<Found> {
    if pattern == b"#" {
        return Some(Found::Bytes(elem.to_vec()));
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let field = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&i| i + 2 < after.len());
    let postfix = match field {
        Some(i) => &after[..i],
        None => after,
    };
    let mut key = Vec::with_capacity(pattern.len() + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(postfix);
    let value = ks.lookup_read(&key)?;
    match (field, value) {
        (Some(i), Value::Hash(h)) => {
            let name = &after[i + 2..];
            let mut found = None;
            h.for_each(|f, v| {
                if found.is_none() && f == name {
                    found = Some(v.to_vec());
                }
            });
            found.map(Found::Bytes)
        }
        (None, Value::Str(s)) => Some(Found::Str(s.clone())),
        _ => None,
    }
}

/// Reads a sort weight the way Redis does with `strtod`: the whole string must be a
/// number (leading spaces allowed, trailing ones not), the empty string is 0, and NaN,
/// overflow and underflow (subnormals included) are errors.
fn parse_weight(b: &[u8]) -> Option<f64> {
    // `strtod` sees a C string.
    let b = match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    };
    if b.is_empty() {
        return Some(0.0);
    }
    let start = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let v = crate::util::parse_f64(&b[start..])?;
    if v != 0.0 && v.is_finite() && v.abs() < f64::MIN_POSITIVE {
        return None;
    }
    Some(v)
}

/// An element being sorted.
struct Item {
    elem: Vec<u8>,
    score: f64,
    cmp: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx, argv: &[Bytes], readonly: bool) -> CmdResult {
    let mut desc = false;
    let mut alpha = false;
    let mut limit_start: i64 = 0;
    let mut limit_count: i64 = -1;
    let mut dontsort = false;
    let mut sortby: Option<&Bytes> = None;
    let mut store: Option<&Bytes> = None;
    let mut gets: Vec<&Bytes> = Vec::new();
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if args::is(a, "asc") {
            desc = false;
        } else if args::is(a, "desc") {
            desc = true;
        } else if args::is(a, "alpha") {
            alpha = true;
        } else if args::is(a, "limit") && left >= 2 {
            limit_start = args::int(&argv[j + 1])?;
            limit_count = args::int(&argv[j + 2])?;
            j += 2;
        } else if !readonly && args::is(a, "store") && left >= 1 {
            store = Some(&argv[j + 1]);
            j += 1;
        } else if args::is(a, "by") && left >= 1 {
            sortby = Some(&argv[j + 1]);
            // A pattern without `*` is constant: nothing to sort by.
            if !argv[j + 1].contains(&b'*') {
                dontsort = true;
            }
            j += 1;
        } else if args::is(a, "get") && left >= 1 {
            gets.push(&argv[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::SYNTAX);
        }
        j += 1;
    }

    let in_script = ctx.client.has(cf::SCRIPT);
    let (mut ks, out) = ctx.split();
    // The elements in their native order: list order, set iteration order, sorted set
    // order (by score, then member).
    let (mut elems, ordered, is_set) = match ks.lookup_read(&argv[1]) {
        None => (Vec::new(), true, false),
        Some(Value::List(l)) => {
            let mut v = Vec::with_capacity(l.len());
            l.for_each(|e| v.push(e.to_vec()));
            (v, true, false)
        }
        Some(Value::Set(s)) => {
            let mut v = Vec::with_capacity(s.len());
            s.for_each(|e| v.push(e.to_vec()));
            (v, false, true)
        }
        Some(Value::ZSet(z)) => {
            let mut v: Vec<(Vec<u8>, f64)> = Vec::with_capacity(z.len());
            z.for_each(|m, sc| v.push((m.to_vec(), sc)));
            if dontsort {
                v.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            }
            (v.into_iter().map(|(m, _)| m).collect(), true, false)
        }
        Some(_) => return Err(CmdError::WRONG_TYPE),
    };

    // A set has no order of its own: replicated and scripted results must not depend
    // on it, so sort it alphabetically.
    if dontsort && is_set && (store.is_some() || in_script) {
        dontsort = false;
        alpha = true;
        sortby = None;
    }

    let len = elems.len() as i64;
    let mut start = limit_start.max(0).min(len);
    let count = limit_count.max(-1).min(len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    if dontsort && ordered && desc {
        elems.reverse();
    }
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            cmp: None,
        })
        .collect();

    let mut conversion_error = false;
    if !dontsort {
        for it in &mut items {
            let by = match sortby {
                Some(p) => match lookup_by_pattern(&mut ks, p, &it.elem) {
                    Some(f) => Some(f),
                    None => continue,
                },
                None => None,
            };
            if alpha {
                if let Some(f) = by {
                    it.cmp = Some(f.bytes().into_owned());
                }
            } else {
                let score = match &by {
                    Some(Found::Str(StrValue::Int(n))) => Some(*n as f64),
                    Some(f) => parse_weight(&f.bytes()),
                    None => parse_weight(&it.elem),
                };
                match score {
                    Some(s) => it.score = s,
                    None => conversion_error = true,
                }
            }
        }
        let by_pattern = sortby.is_some();
        items.sort_by(|a, b| {
            let c = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.elem.cmp(&b.elem))
            } else if by_pattern {
                match (&a.cmp, &b.cmp) {
                    (Some(x), Some(y)) => x.cmp(y),
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                }
            } else {
                a.elem.cmp(&b.elem)
            };
            if desc {
                c.reverse()
            } else {
                c
            }
        });
    }

    if conversion_error {
        return Err(CmdError::err(
            "One or more scores can't be converted into double",
        ));
    }
    let range: &[Item] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let outputlen = if gets.is_empty() {
        range.len()
    } else {
        gets.len() * range.len()
    };
    match store {
        None => {
            out.array_len(outputlen);
            for it in range {
                if gets.is_empty() {
                    out.bulk(&it.elem);
                }
                for g in &gets {
                    match lookup_by_pattern(&mut ks, g, &it.elem) {
                        Some(f) => out.bulk(&f.bytes()),
                        None => out.null(),
                    }
                }
            }
        }
        Some(dst) => {
            // Built as Redis builds it: a quicklist under the configured node size,
            // converted to a listpack when small enough.
            let cfg = crate::commands::lists::list_config(ks.srv);
            let mut list = List::new_quicklist(cfg);
            for it in range {
                if gets.is_empty() {
                    list.push(crate::db::list::End::Tail, &it.elem);
                }
                for g in &gets {
                    match lookup_by_pattern(&mut ks, g, &it.elem) {
                        Some(f) => list.push(crate::db::list::End::Tail, &f.bytes()),
                        None => list.push(crate::db::list::End::Tail, b""),
                    }
                }
            }
            if outputlen > 0 {
                list.try_convert_auto(cfg);
                ks.set(dst, Value::List(Box::new(list)), false);
                ks.notify(NOTIFY_LIST, "sortstore", dst);
                ks.srv.dirty += outputlen as u64;
            } else if ks.delete(dst) {
                ks.notify(NOTIFY_GENERIC, "del", dst);
                ks.srv.dirty += 1;
            }
            out.int(outputlen as i64);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::client::Client;
    use crate::config::Config;
    use crate::db::hash::Hash;
    use crate::db::set::Set;
    use crate::db::zset::ZSet;
    use crate::server::Server;

    /// Runs one command line on an in-process server and returns the raw reply.
    fn run(srv: &mut Server, c: &mut Client, line: &str) -> Vec<u8> {
        c.out.buf.clear();
        srv.cmd_time_ms = crate::server::unix_ms();
        let argv: Vec<Bytes> = line
            .split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        if let Err(e) = crate::dispatch::call_internal(srv, c, &argv) {
            c.out.error(e.text());
        }
        c.out.buf.clone()
    }

    /// The data set of the cases: a list, a set, a sorted set, weights as strings and
    /// hash fields, names to `GET`.
    fn dataset() -> Server {
        let mut srv = Server::new(Config::new());
        let db = &mut srv.dbs[0];
        let mut l = List::new();
        for e in ["3", "1", "2", "10"] {
            l.push_back(e.as_bytes());
        }
        db.add(b"l", Value::List(Box::new(l)), 0);
        let mut bad = List::new();
        for e in ["1", "x", "2"] {
            bad.push_back(e.as_bytes());
        }
        db.add(b"bad", Value::List(Box::new(bad)), 0);
        let mut s = Set::new();
        for e in ["c", "a", "b"] {
            s.insert(e.as_bytes());
        }
        db.add(b"s", Value::Set(Box::new(s)), 0);
        let mut z = ZSet::new();
        for (m, sc) in [("c", 3.0), ("a", 1.0), ("b", 2.0), ("e", 5.0), ("d", 4.0)] {
            z.insert(m.as_bytes(), sc);
        }
        db.add(b"z", Value::ZSet(Box::new(z)), 0);
        for (k, v) in [
            ("w_1", "30"),
            ("w_2", "20"),
            ("w_3", "10"),
            ("w_10", "5"),
            ("n_1", "one"),
            ("n_2", "two"),
            ("n_3", "three"),
            ("str", "x"),
        ] {
            db.add(k.as_bytes(), Value::string(v.as_bytes()), 0);
        }
        for (k, v) in [("h_1", "3"), ("h_2", "1"), ("h_3", "2")] {
            let mut h = Hash::new();
            h.insert(b"f", v.as_bytes());
            db.add(k.as_bytes(), Value::Hash(Box::new(h)), 0);
        }
        srv
    }

    /// Replies captured from Redis 7.4 on the same data set.
    #[test]
    fn sort_matches_redis() {
        let mut srv = dataset();
        let mut c = Client::new(1, None, String::new(), String::new());
        let cases: &[(&str, &[u8])] = &[
        ("sort l", b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("sort l desc", b"*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"),
        ("sort l alpha", b"*4\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        ("sort l alpha desc", b"*4\r\n$1\r\n3\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n1\r\n"),
        ("sort l limit 1 2", b"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        ("sort l limit -5 2", b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ("sort l limit 2 -1", b"*2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("sort l limit 10 5", b"*0\r\n"),
        ("sort l limit 0 0", b"*0\r\n"),
        ("sort l by w_*", b"*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"),
        ("sort l by w_* desc", b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"),
        ("sort l by h_*->f", b"*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
        ("sort l by h_*->f get # get n_* get h_*->f", b"*12\r\n$2\r\n10\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$3\r\ntwo\r\n$1\r\n1\r\n$1\r\n3\r\n$5\r\nthree\r\n$1\r\n2\r\n$1\r\n1\r\n$3\r\none\r\n$1\r\n3\r\n"),
        ("sort l by nosort", b"*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n"),
        ("sort l by nosort desc", b"*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"),
        ("sort l by nosort limit 1 2", b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
        ("sort l by nosort desc limit 1 2", b"*2\r\n$1\r\n2\r\n$1\r\n1\r\n"),
        ("sort z by nosort", b"*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
        ("sort z by nosort desc", b"*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"),
        ("sort z by nosort limit 1 3", b"*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
        ("sort z by nosort desc limit 1 3", b"*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
        ("sort z alpha", b"*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
        ("sort z", b"-ERR One or more scores can't be converted into double\r\n"),
        ("sort s alpha", b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        ("sort s by nosort store dst", b":3\r\n"),
        ("sort l get n_* store dst2", b":4\r\n"),
        ("sort l by w_* alpha", b"*4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$2\r\n10\r\n"),
        ("sort l get h_*->", b"*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
        ("sort l get nopattern", b"*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
        ("sort_ro l store x", b"-ERR syntax error\r\n"),
        ("sort l limit x 1", b"-ERR value is not an integer or out of range\r\n"),
        ("sort l foo", b"-ERR syntax error\r\n"),
        ("sort str", b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("sort l by missing_* get #", b"*4\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"),
        ("sort l by missing_* alpha get #", b"*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n"),
        ("sort l by n_* alpha", b"*4\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n"),
        ("sort l by n_* alpha desc", b"*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n$2\r\n10\r\n"),
        ("sort bad", b"-ERR One or more scores can't be converted into double\r\n"),
        ("sort bad alpha", b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n"),
        ("sort s by w_*", b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
        ];
        for (line, want) in cases {
            let got = run(&mut srv, &mut c, line);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(want),
                "{line}"
            );
        }
        let stored = srv.dbs[0].entry(b"dst2").map(|e| {
            let mut v = Vec::new();
            if let Value::List(l) = &e.value {
                l.for_each(|x| v.push(String::from_utf8_lossy(x).into_owned()));
            }
            v
        });
        assert_eq!(
            stored,
            Some(vec![
                "one".into(),
                "two".into(),
                "three".into(),
                String::new()
            ])
        );
    }

    #[test]
    fn weights_follow_strtod() {
        assert_eq!(parse_weight(b""), Some(0.0));
        assert_eq!(parse_weight(b" 3"), Some(3.0));
        assert_eq!(parse_weight(b"3 "), None);
        assert_eq!(parse_weight(b"  "), None);
        assert_eq!(parse_weight(b"0x10"), Some(16.0));
        assert_eq!(parse_weight(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_weight(b"nan"), None);
        assert_eq!(parse_weight(b"1e400"), None);
        assert_eq!(parse_weight(b"1e-310"), None);
        assert_eq!(parse_weight(b"1e-300"), Some(1e-300));
        assert_eq!(parse_weight(b"abc"), None);
    }
}
