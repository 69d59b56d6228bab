//! Set commands, encodings and random picks, checked byte for byte against what Redis
//! 7.4 replies.

use super::hashes::{arr, b, bulks, chi_square, encoding, err, int, ints, start, WRONGTYPE};
use coil_tests::RawConn;
use std::collections::BTreeSet;

/// Runs `SADD key members...`.
fn sadd(c: &mut RawConn, key: &str, members: &[&str]) -> String {
    let mut args = vec!["SADD", key];
    args.extend_from_slice(members);
    c.query(&args)
}

/// A RESP3 set of bulk strings.
fn set3(items: &[&str]) -> String {
    let mut out = format!("~{}\r\n", items.len());
    for i in items {
        out.push_str(&b(i));
    }
    out
}

fn sorted(reply: &str) -> Vec<String> {
    let mut v = bulks(reply);
    v.sort();
    v
}

fn strings(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn range(from: i64, to: i64) -> Vec<String> {
    (from..to).map(|i| i.to_string()).collect()
}

#[test]
fn basics() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(sadd(&mut c, "s", &["3", "1", "2"]), int(3));
    assert_eq!(sadd(&mut c, "s", &["1", "4"]), int(1));
    assert_eq!(c.query(&["SCARD", "s"]), int(4));
    assert_eq!(c.query(&["SCARD", "nokey"]), int(0));
    assert_eq!(c.query(&["SISMEMBER", "s", "2"]), int(1));
    assert_eq!(c.query(&["SISMEMBER", "s", "5"]), int(0));
    assert_eq!(c.query(&["SISMEMBER", "nokey", "5"]), int(0));
    assert_eq!(
        c.query(&["SMISMEMBER", "s", "2", "x", "4"]),
        ints(&[1, 0, 1])
    );
    assert_eq!(c.query(&["SMISMEMBER", "nokey", "2", "x"]), ints(&[0, 0]));
    // An intset is sorted; a listpack keeps insertion order.
    assert_eq!(c.query(&["SMEMBERS", "s"]), arr(&["1", "2", "3", "4"]));
    sadd(&mut c, "l", &["b", "a", "10", "c"]);
    assert_eq!(c.query(&["SMEMBERS", "l"]), arr(&["b", "a", "10", "c"]));
    assert_eq!(c.query(&["SMEMBERS", "nokey"]), "*0\r\n");
    assert_eq!(c.query(&["SREM", "l", "a", "zz"]), int(1));
    assert_eq!(c.query(&["SMEMBERS", "l"]), arr(&["b", "10", "c"]));
    assert_eq!(c.query(&["SREM", "nokey", "a"]), int(0));
    // The last member removed removes the key.
    assert_eq!(c.query(&["SREM", "l", "b", "10", "c", "zz"]), int(3));
    assert_eq!(c.query(&["EXISTS", "l"]), int(0));
    assert_eq!(sadd(&mut c, "v", &["a", "b", "c"]), int(3));
    assert_eq!(sadd(&mut c, "v", &["A", "a", "b", "c", "B"]), int(2));
    assert_eq!(
        sorted(&c.query(&["SMEMBERS", "v"])),
        strings(&["A", "B", "a", "b", "c"])
    );
    assert_eq!(
        c.query(&["SMISMEMBER", "v"]),
        err("ERR wrong number of arguments for 'smismember' command")
    );

    c.query(&["SET", "str", "x"]);
    for cmd in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SINTER", "s", "str"],
        &["SINTER", "str", "s"],
        &["SINTERCARD", "2", "s", "str"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SUNION", "s", "str"],
        &["SUNIONSTORE", "d", "nokey", "str"],
        &["SDIFF", "str", "s"],
        &["SDIFF", "s", "str"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SSCAN", "str", "0"],
        &["SMOVE", "str", "s", "a"],
        &["SMOVE", "s", "str", "1"],
    ] {
        assert_eq!(c.query(cmd), err(WRONGTYPE), "{cmd:?}");
    }
    // SMOVE from a missing key answers 0 before looking at the destination.
    assert_eq!(c.query(&["SMOVE", "nokey", "str", "a"]), int(0));
}

#[test]
fn encodings_and_conversions() {
    let s = start();
    let mut c = s.raw();
    c.query(&["CONFIG", "SET", "set-max-listpack-value", "32"]);
    sadd(&mut c, "s", &["1", "2", "3"]);
    assert_eq!(encoding(&mut c, "s"), "intset");
    assert_eq!(sadd(&mut c, "s", &["a"]), int(1));
    assert_eq!(encoding(&mut c, "s"), "listpack");
    assert_eq!(c.query(&["SMEMBERS", "s"]), arr(&["1", "2", "3", "a"]));

    // A non-integer into an intset too large for a listpack: hashtable.
    let r = range(0, 130);
    let members: Vec<&str> = r.iter().map(String::as_str).collect();
    sadd(&mut c, "big", &members);
    assert_eq!(encoding(&mut c, "big"), "intset");
    sadd(&mut c, "big", &["a"]);
    assert_eq!(encoding(&mut c, "big"), "hashtable");

    // Integers past 64 bits are strings.
    sadd(&mut c, "huge", &["213244124402402314402033402"]);
    assert_eq!(encoding(&mut c, "huge"), "listpack");
    assert_eq!(
        c.query(&["SISMEMBER", "huge", "213244124402402314402033402"]),
        int(1)
    );
    c.query(&["DEL", "big"]);
    sadd(&mut c, "big", &members);
    sadd(&mut c, "big", &["213244124402402314402033402"]);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    // "01" is no integer.
    sadd(&mut c, "z", &["01", "1"]);
    assert_eq!(encoding(&mut c, "z"), "listpack");

    // set-max-intset-entries (512), whether added one by one or at once.
    let r = range(0, 512);
    let members: Vec<&str> = r.iter().map(String::as_str).collect();
    for mode in 0..3 {
        c.query(&["DEL", "i"]);
        match mode {
            0 => members.iter().for_each(|m| {
                sadd(&mut c, "i", &[m]);
            }),
            1 => {
                sadd(&mut c, "i", &members);
            }
            _ => {
                sadd(&mut c, "i", &["1"]);
                sadd(&mut c, "i", &members);
            }
        }
        assert_eq!(encoding(&mut c, "i"), "intset");
        assert_eq!(c.query(&["SCARD", "i"]), int(512));
        assert_eq!(sadd(&mut c, "i", &["512"]), int(1));
        assert_eq!(encoding(&mut c, "i"), "hashtable");
    }

    // set-max-listpack-entries (128).
    let r = range(0, 127);
    let mut members: Vec<&str> = vec!["a"];
    members.extend(r.iter().map(String::as_str));
    for mode in 0..3 {
        c.query(&["DEL", "l"]);
        match mode {
            0 => members.iter().for_each(|m| {
                sadd(&mut c, "l", &[m]);
            }),
            1 => {
                sadd(&mut c, "l", &members);
            }
            _ => {
                sadd(&mut c, "l", &["a"]);
                sadd(&mut c, "l", &members);
            }
        }
        assert_eq!(encoding(&mut c, "l"), "listpack");
        assert_eq!(c.query(&["SCARD", "l"]), int(128));
        assert_eq!(sadd(&mut c, "l", &["b"]), int(1));
        assert_eq!(encoding(&mut c, "l"), "hashtable");
    }

    // set-max-listpack-value, for new members and for the intset's own members.
    c.query(&["CONFIG", "SET", "set-max-listpack-value", "5"]);
    for (first, enc) in [
        ("12345", "listpack"),
        ("123456", "hashtable"),
        ("-1234", "listpack"),
    ] {
        c.query(&["DEL", "v"]);
        sadd(&mut c, "v", &[first]);
        sadd(&mut c, "v", &["abc"]);
        assert_eq!(encoding(&mut c, "v"), enc, "{first}");
    }
    c.query(&["DEL", "v"]);
    sadd(&mut c, "v", &["abcdef"]);
    assert_eq!(encoding(&mut c, "v"), "hashtable");
    c.query(&["DEL", "v"]);
    sadd(&mut c, "v", &["abcde"]);
    assert_eq!(encoding(&mut c, "v"), "listpack");

    // Creating with many members at once picks the encoding from the count.
    c.query(&["CONFIG", "SET", "set-max-listpack-entries", "3"]);
    c.query(&["CONFIG", "SET", "set-max-intset-entries", "4"]);
    sadd(&mut c, "m1", &["a", "b", "c", "d"]);
    assert_eq!(encoding(&mut c, "m1"), "hashtable");
    sadd(&mut c, "m2", &["1", "2", "3", "4", "5"]);
    assert_eq!(encoding(&mut c, "m2"), "hashtable");
    sadd(&mut c, "m3", &["1", "2", "3", "4"]);
    assert_eq!(encoding(&mut c, "m3"), "intset");
    // An intset at the listpack limit goes straight to a table.
    sadd(&mut c, "m4", &["1", "2", "3"]);
    sadd(&mut c, "m4", &["abc"]);
    assert_eq!(encoding(&mut c, "m4"), "hashtable");
}

#[test]
fn store_result_encodings() {
    let s = start();
    let mut c = s.raw();
    sadd(&mut c, "a", &["1", "2", "3"]);
    sadd(&mut c, "b", &["1", "2", "x"]);
    for (cmd, enc, members) in [
        ("SINTERSTORE", "intset", &["1", "2"][..]),
        ("SUNIONSTORE", "listpack", &["1", "2", "3", "x"]),
    ] {
        assert_eq!(c.query(&[cmd, "d", "a", "b"]), int(members.len() as i64));
        assert_eq!(encoding(&mut c, "d"), enc, "{cmd}");
        assert_eq!(c.query(&["SMEMBERS", "d"]), arr(members));
    }
    assert_eq!(c.query(&["SINTERSTORE", "d", "b", "a"]), int(2));
    assert_eq!(encoding(&mut c, "d"), "intset");
    assert_eq!(c.query(&["SDIFFSTORE", "d", "b", "a"]), int(1));
    assert_eq!(encoding(&mut c, "d"), "listpack");
    assert_eq!(c.query(&["SDIFFSTORE", "d", "a", "b"]), int(1));
    assert_eq!(encoding(&mut c, "d"), "intset");
    assert_eq!(c.query(&["SMEMBERS", "d"]), arr(&["3"]));
    // Two listpacks whose intersection is all integers: an intset.
    sadd(&mut c, "l1", &["a", "1", "2", "3"]);
    sadd(&mut c, "l2", &["b", "1", "2", "3"]);
    c.query(&["SINTERSTORE", "d", "l1", "l2"]);
    assert_eq!(encoding(&mut c, "d"), "intset");
    // Two tables whose intersection is all integers: an intset.
    let r = range(0, 200);
    let mut m1: Vec<&str> = vec!["a"];
    m1.extend(r.iter().map(String::as_str));
    let mut m2: Vec<&str> = vec!["b"];
    m2.extend(r.iter().map(String::as_str));
    sadd(&mut c, "t1", &m1);
    sadd(&mut c, "t2", &m2);
    assert_eq!(encoding(&mut c, "t1"), "hashtable");
    assert_eq!(c.query(&["SINTERSTORE", "d", "t1", "t2"]), int(200));
    assert_eq!(encoding(&mut c, "d"), "intset");
    assert_eq!(bulks(&c.query(&["SMEMBERS", "d"])), range(0, 200));
    assert_eq!(c.query(&["SUNIONSTORE", "d", "t1", "t2"]), int(202));
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    // Empty results delete the destination.
    assert_eq!(c.query(&["SINTERSTORE", "d", "a", "nokey"]), int(0));
    assert_eq!(c.query(&["EXISTS", "d"]), int(0));
    c.query(&["SET", "d", "x"]);
    assert_eq!(c.query(&["SDIFFSTORE", "d", "a", "a"]), int(0));
    assert_eq!(c.query(&["EXISTS", "d"]), int(0));
    c.query(&["SET", "d", "x"]);
    assert_eq!(c.query(&["SUNIONSTORE", "d", "nokey"]), int(0));
    assert_eq!(c.query(&["EXISTS", "d"]), int(0));
    // A destination of another type is overwritten.
    c.query(&["SET", "d", "x"]);
    assert_eq!(c.query(&["SUNIONSTORE", "d", "a"]), int(3));
    assert_eq!(c.query(&["TYPE", "d"]), "+set\r\n");
}

#[test]
fn algebra() {
    let s = start();
    let mut c = s.raw();
    sadd(&mut c, "i", &["5", "3", "1", "-1", "100"]);
    sadd(&mut c, "l", &["3", "0", "-5", "x", "100"]);
    assert_eq!(c.query(&["SINTER", "i", "l"]), arr(&["3", "100"]));
    assert_eq!(c.query(&["SINTER", "l", "i"]), arr(&["3", "100"]));
    assert_eq!(c.query(&["SINTER", "i", "nokey"]), "*0\r\n");
    assert_eq!(
        c.query(&["SINTER", "i", "i"]),
        arr(&["-1", "1", "3", "5", "100"])
    );
    assert_eq!(
        c.query(&["SUNION", "i", "l"]),
        arr(&["-5", "-1", "0", "1", "3", "5", "100", "x"])
    );
    assert_eq!(
        c.query(&["SUNION", "nokey", "i"]),
        arr(&["-1", "1", "3", "5", "100"])
    );
    assert_eq!(c.query(&["SDIFF", "i", "l"]), arr(&["-1", "1", "5"]));
    // The result starts as an intset: sorted integers, then the strings.
    assert_eq!(c.query(&["SDIFF", "l", "i"]), arr(&["-5", "0", "x"]));
    assert_eq!(c.query(&["SDIFF", "nokey", "i"]), "*0\r\n");
    assert_eq!(
        c.query(&["SDIFF", "i", "nokey"]),
        arr(&["-1", "1", "3", "5", "100"])
    );
    assert_eq!(c.query(&["SDIFF", "i", "l", "i"]), "*0\r\n");
    // Both DIFF algorithms give the same answer.
    let r = range(0, 300);
    let members: Vec<&str> = r.iter().map(String::as_str).collect();
    sadd(&mut c, "big", &members);
    sadd(&mut c, "small", &["1", "2", "3", "x"]);
    assert_eq!(c.query(&["SDIFF", "small", "big"]), arr(&["x"]));
    assert_eq!(bulks(&c.query(&["SDIFF", "big", "small"])).len(), 297);
    assert_eq!(
        c.query(&["SDIFF", "small", "big", "big", "big", "big", "big"]),
        arr(&["x"])
    );

    assert_eq!(c.query(&["SINTERCARD", "2", "i", "l"]), int(2));
    assert_eq!(
        c.query(&["SINTERCARD", "2", "i", "l", "LIMIT", "1"]),
        int(1)
    );
    assert_eq!(
        c.query(&["SINTERCARD", "2", "i", "l", "limit", "0"]),
        int(2)
    );
    assert_eq!(c.query(&["SINTERCARD", "1", "i"]), int(5));
    assert_eq!(c.query(&["SINTERCARD", "2", "i", "nokey"]), int(0));
    let e = |t: &str| err(&format!("ERR {t}"));
    assert_eq!(
        c.query(&["SINTERCARD", "1"]),
        e("wrong number of arguments for 'sintercard' command")
    );
    assert_eq!(
        c.query(&["SINTERCARD", "0", "i"]),
        e("numkeys should be greater than 0")
    );
    assert_eq!(
        c.query(&["SINTERCARD", "a", "i"]),
        e("numkeys should be greater than 0")
    );
    assert_eq!(
        c.query(&["SINTERCARD", "2", "i"]),
        e("Number of keys can't be greater than number of args")
    );
    assert_eq!(c.query(&["SINTERCARD", "1", "i", "l"]), e("syntax error"));
    assert_eq!(
        c.query(&["SINTERCARD", "1", "i", "LIMIT"]),
        e("syntax error")
    );
    assert_eq!(
        c.query(&["SINTERCARD", "1", "i", "LIMIT", "-1"]),
        e("LIMIT can't be negative")
    );
    assert_eq!(
        c.query(&["SINTERCARD", "1", "i", "LIMIT", "a"]),
        e("LIMIT can't be negative")
    );

    c.query(&["HELLO", "3"]);
    assert_eq!(
        c.query(&["SMEMBERS", "i"]),
        set3(&["-1", "1", "3", "5", "100"])
    );
    assert_eq!(c.query(&["SMEMBERS", "nokey"]), "~0\r\n");
    assert_eq!(c.query(&["SINTER", "i", "l"]), set3(&["3", "100"]));
    assert_eq!(c.query(&["SINTER", "i", "nokey"]), "~0\r\n");
    assert_eq!(c.query(&["SUNION", "nokey"]), "~0\r\n");
    assert_eq!(c.query(&["SDIFF", "i", "l"]), set3(&["-1", "1", "5"]));
}

#[test]
fn smove() {
    let s = start();
    let mut c = s.raw();
    sadd(&mut c, "src", &["1", "2", "x"]);
    sadd(&mut c, "dst", &["3"]);
    assert_eq!(c.query(&["SMOVE", "src", "dst", "1"]), int(1));
    assert_eq!(c.query(&["SMOVE", "src", "dst", "1"]), int(0));
    assert_eq!(c.query(&["SMEMBERS", "dst"]), arr(&["1", "3"]));
    // Already in the destination: removed from the source only.
    sadd(&mut c, "dst", &["2"]);
    assert_eq!(c.query(&["SMOVE", "src", "dst", "2"]), int(1));
    assert_eq!(c.query(&["SMEMBERS", "src"]), arr(&["x"]));
    // Same key: membership only.
    assert_eq!(c.query(&["SMOVE", "src", "src", "x"]), int(1));
    assert_eq!(c.query(&["SMOVE", "src", "src", "y"]), int(0));
    // A new destination is created in the member's encoding; an emptied source goes.
    assert_eq!(c.query(&["SMOVE", "src", "new", "x"]), int(1));
    assert_eq!(c.query(&["EXISTS", "src"]), int(0));
    assert_eq!(encoding(&mut c, "new"), "listpack");
    assert_eq!(c.query(&["SMOVE", "dst", "new2", "3"]), int(1));
    assert_eq!(encoding(&mut c, "new2"), "intset");
    assert_eq!(c.query(&["SMOVE", "nokey", "dst", "3"]), int(0));
}

#[test]
fn spop_and_srandmember_shapes() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(c.query(&["SPOP", "nokey"]), "$-1\r\n");
    assert_eq!(c.query(&["SPOP", "nokey", "2"]), "*0\r\n");
    assert_eq!(c.query(&["SRANDMEMBER", "nokey"]), "$-1\r\n");
    assert_eq!(c.query(&["SRANDMEMBER", "nokey", "5"]), "*0\r\n");
    sadd(&mut c, "one", &["a"]);
    assert_eq!(c.query(&["SRANDMEMBER", "one"]), b("a"));
    assert_eq!(c.query(&["SRANDMEMBER", "one", "0"]), "*0\r\n");
    assert_eq!(c.query(&["SRANDMEMBER", "one", "5"]), arr(&["a"]));
    assert_eq!(
        c.query(&["SRANDMEMBER", "one", "-3"]),
        arr(&["a", "a", "a"])
    );
    assert_eq!(c.query(&["SPOP", "one", "0"]), "*0\r\n");
    let e = |t: &str| err(&format!("ERR {t}"));
    assert_eq!(
        c.query(&["SPOP", "one", "-1"]),
        e("value is out of range, must be positive")
    );
    assert_eq!(
        c.query(&["SPOP", "one", "x"]),
        e("value is out of range, must be positive")
    );
    assert_eq!(c.query(&["SPOP", "one", "1", "2"]), e("syntax error"));
    assert_eq!(
        c.query(&["SRANDMEMBER", "one", "1", "2"]),
        e("syntax error")
    );
    assert_eq!(
        c.query(&["SRANDMEMBER", "one", "x"]),
        e("value is not an integer or out of range")
    );
    assert_eq!(
        c.query(&["SRANDMEMBER", "one", "-9223372036854775808"]),
        e("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(c.query(&["SPOP", "one"]), b("a"));
    assert_eq!(c.query(&["EXISTS", "one"]), int(0));
    sadd(&mut c, "two", &["2", "1"]);
    assert_eq!(c.query(&["SPOP", "two", "5"]), arr(&["1", "2"]));
    assert_eq!(c.query(&["EXISTS", "two"]), int(0));
    c.query(&["HELLO", "3"]);
    assert_eq!(c.query(&["SPOP", "nokey", "2"]), "~0\r\n");
    assert_eq!(c.query(&["SRANDMEMBER", "nokey", "2"]), "*0\r\n");
    assert_eq!(c.query(&["SPOP", "nokey"]), "_\r\n");
    sadd(&mut c, "two", &["x", "y"]);
    assert_eq!(c.query(&["SRANDMEMBER", "two", "2"]), arr(&["x", "y"]));
    assert_eq!(c.query(&["SPOP", "two", "2"]), set3(&["x", "y"]));
}

#[test]
fn spop_code_paths() {
    let s = start();
    let mut c = s.raw();
    for content in [
        range(1, 21),
        std::iter::once("a".to_string())
            .chain(range(2, 21))
            .collect(),
        std::iter::once("x".repeat(80))
            .chain(range(2, 21))
            .collect(),
    ] {
        let members: Vec<&str> = content.iter().map(String::as_str).collect();
        let mut want = content.clone();
        want.sort();
        for count in [30usize, 2, 18, 1] {
            c.query(&["DEL", "s"]);
            sadd(&mut c, "s", &members);
            let popped = bulks(&c.query(&["SPOP", "s", &count.to_string()]));
            assert_eq!(popped.len(), count.min(20));
            let left = bulks(&c.query(&["SMEMBERS", "s"]));
            assert_eq!(left.len(), 20 - count.min(20));
            let mut all: Vec<String> = popped.into_iter().chain(left).collect();
            all.sort();
            assert_eq!(all, want, "count {count}");
        }
        // Popping in pieces empties the set exactly.
        c.query(&["DEL", "s"]);
        sadd(&mut c, "s", &members);
        let mut all = Vec::new();
        for n in ["11", "0", "4", "1", "0", "1", "9"] {
            all.extend(bulks(&c.query(&["SPOP", "s", n])));
        }
        all.sort();
        assert_eq!(all, want);
        assert_eq!(c.query(&["EXISTS", "s"]), int(0));
    }
}

#[test]
fn srandmember_counts_and_distribution() {
    let s = start();
    let mut c = s.raw();
    c.query(&["CONFIG", "SET", "set-max-listpack-value", "32"]);
    for (enc, content) in [
        (
            "listpack",
            "1 5 10 50 125 MARY PATRICIA LINDA BARBARA ELIZABETH",
        ),
        ("intset", "0 1 2 3 4 5 6 7 8 9"),
        (
            "hashtable",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 1 5 10 50 125 MARY PATRICIA LINDA BARBARA",
        ),
    ] {
        c.query(&["DEL", "s"]);
        let members: Vec<&str> = content.split(' ').collect();
        sadd(&mut c, "s", &members);
        assert_eq!(encoding(&mut c, "s"), enc);
        let all: BTreeSet<String> = members.iter().map(|m| m.to_string()).collect();
        let res = bulks(&c.query(&["SRANDMEMBER", "s", "-1000"]));
        assert_eq!(res.len(), 1000);
        assert!(chi_square(&res) < 40.0, "{enc}: {}", chi_square(&res));
        for size in ["10", "100"] {
            let r: BTreeSet<String> = bulks(&c.query(&["SRANDMEMBER", "s", size]))
                .into_iter()
                .collect();
            assert_eq!(r, all);
        }
        for size in [8usize, 2] {
            let mut picks = Vec::new();
            for _ in 0..1000 / size {
                let r = bulks(&c.query(&["SRANDMEMBER", "s", &size.to_string()]));
                assert_eq!(r.iter().collect::<BTreeSet<_>>().len(), size, "unique");
                picks.extend(r);
            }
            assert_eq!(picks.iter().cloned().collect::<BTreeSet<_>>(), all);
            assert!(
                chi_square(&picks) < 40.0,
                "{enc} {size}: {}",
                chi_square(&picks)
            );
        }
        // SPOP one at a time is fair too.
        let mut picks = Vec::new();
        for _ in 0..300 {
            let m = bulks(&c.query(&["SPOP", "s"]));
            picks.extend(m.iter().cloned());
            sadd(&mut c, "s", &[&m[0]]);
        }
        assert!(
            chi_square(&picks) < 40.0,
            "{enc} spop: {}",
            chi_square(&picks)
        );
    }
}

#[test]
fn sscan_iterates_everything() {
    let s = start();
    let mut c = s.raw();
    assert_eq!(c.query(&["SSCAN", "nokey", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(c.query(&["SSCAN", "nokey", "x"]), err("ERR invalid cursor"));
    sadd(&mut c, "i", &["3", "1", "2", "10"]);
    assert_eq!(
        c.query(&["SSCAN", "i", "0"]),
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n"
    );
    assert_eq!(
        c.query(&["SSCAN", "i", "0", "MATCH", "1*"]),
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$2\r\n10\r\n"
    );
    assert_eq!(
        c.query(&["SSCAN", "i", "0", "NOVALUES"]),
        err("ERR NOVALUES option can only be used in HSCAN")
    );
    assert_eq!(
        c.query(&["SSCAN", "i", "0", "COUNT", "0"]),
        err("ERR syntax error")
    );
    let r: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    for chunk in r.chunks(100) {
        let members: Vec<&str> = chunk.iter().map(String::as_str).collect();
        sadd(&mut c, "big", &members);
    }
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut matched = BTreeSet::new();
    loop {
        let items = bulks(&c.query(&["SSCAN", "big", &cursor, "COUNT", "20"]));
        cursor = items[0].clone();
        seen.extend(items[1..].iter().cloned());
        let m = bulks(&c.query(&["SSCAN", "big", &cursor, "MATCH", "m9*"]));
        matched.extend(m[1..].iter().cloned());
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
    assert!(matched.iter().all(|m| m.starts_with("m9")));
}
