//! Keyspace notification classes (`notify-keyspace-events`).

/// `K`: publish to `__keyspace@<db>__:<key>`.
pub const NOTIFY_KEYSPACE: u32 = 1 << 0;
/// `E`: publish to `__keyevent@<db>__:<event>`.
pub const NOTIFY_KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const NOTIFY_GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const NOTIFY_STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const NOTIFY_LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const NOTIFY_SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const NOTIFY_HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const NOTIFY_ZSET: u32 = 1 << 7;
/// `x`: expired events.
pub const NOTIFY_EXPIRED: u32 = 1 << 8;
/// `e`: evicted events.
pub const NOTIFY_EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const NOTIFY_STREAM: u32 = 1 << 10;
/// `m`: key misses (not part of `A`).
pub const NOTIFY_KEY_MISS: u32 = 1 << 11;
/// Keys loaded from RDB (modules only).
pub const NOTIFY_LOADED: u32 = 1 << 12;
/// `d`: module events.
pub const NOTIFY_MODULE: u32 = 1 << 13;
/// `n`: new keys (not part of `A`).
pub const NOTIFY_NEW: u32 = 1 << 14;
/// `A`: alias for `g$lshzxetd`.
pub const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// Parses a class string (`"KEA"`); `None` on an unknown character.
pub fn parse_flags(s: &str) -> Option<u32> {
    let mut f = 0;
    for c in s.chars() {
        f |= match c {
            'A' => NOTIFY_ALL,
            'g' => NOTIFY_GENERIC,
            '$' => NOTIFY_STRING,
            'l' => NOTIFY_LIST,
            's' => NOTIFY_SET,
            'h' => NOTIFY_HASH,
            'z' => NOTIFY_ZSET,
            'x' => NOTIFY_EXPIRED,
            'e' => NOTIFY_EVICTED,
            'K' => NOTIFY_KEYSPACE,
            'E' => NOTIFY_KEYEVENT,
            't' => NOTIFY_STREAM,
            'm' => NOTIFY_KEY_MISS,
            'd' => NOTIFY_MODULE,
            'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    Some(f)
}

/// Every bit spelled out, one letter per class (no `A`): what Coil stores, since Redis's
/// printed form drops `n` next to `A` and could not be parsed back to the same flags.
pub fn flags_to_lossless(f: u32) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (NOTIFY_GENERIC, 'g'),
        (NOTIFY_STRING, '$'),
        (NOTIFY_LIST, 'l'),
        (NOTIFY_SET, 's'),
        (NOTIFY_HASH, 'h'),
        (NOTIFY_ZSET, 'z'),
        (NOTIFY_EXPIRED, 'x'),
        (NOTIFY_EVICTED, 'e'),
        (NOTIFY_STREAM, 't'),
        (NOTIFY_MODULE, 'd'),
        (NOTIFY_NEW, 'n'),
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// The canonical class string, as `CONFIG GET notify-keyspace-events` prints it.
pub fn flags_to_string(f: u32) -> String {
    let mut s = String::new();
    if f & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (NOTIFY_GENERIC, 'g'),
            (NOTIFY_STRING, '$'),
            (NOTIFY_LIST, 'l'),
            (NOTIFY_SET, 's'),
            (NOTIFY_HASH, 'h'),
            (NOTIFY_ZSET, 'z'),
            (NOTIFY_EXPIRED, 'x'),
            (NOTIFY_EVICTED, 'e'),
            (NOTIFY_STREAM, 't'),
            (NOTIFY_MODULE, 'd'),
            (NOTIFY_NEW, 'n'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}
