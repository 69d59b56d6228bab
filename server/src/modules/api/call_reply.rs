//! `RedisModuleCallReply`: the parsed reply of a `RedisModule_Call`, and every
//! `CallReply*` accessor (module.c's call-reply functions over call_reply.c).
//!
//! The root owns the RESP bytes the command produced; every node (the root and its
//! elements, built once, eagerly) records its span in them, so `CallReplyProto` and
//! `ReplyWithCallReply` copy the exact bytes. Element pointers handed to modules point
//! into their parent's element vector, which never changes after parsing: they live as
//! long as the root, and freeing an element is a no-op, as in Redis.

use super::strings::create_for;
use super::{ERR, OK};
use crate::modules::registry::Reg;
use coil_modules_api::consts::*;
use std::os::raw::{c_char, c_double, c_int, c_longlong, c_void};

/// One reply node.
pub struct CallReply {
    kind: c_int,
    resp3: bool,
    root: bool,
    /// Root only: a module looked into the reply (Redis parses lazily, and only a
    /// parsed reply is known to be RESP3).
    parsed: bool,
    base: *const u8,
    proto: (usize, usize),
    text: (usize, usize),
    int: i64,
    dbl: f64,
    elems: Vec<CallReply>,
    len: usize,
    attribute: Option<Box<CallReply>>,
    /// The context that made the call (for `CreateStringFromCallReply`'s auto memory).
    ctx: *mut c_void,
    /// Root only: the bytes every node points into.
    buffer: Option<Box<[u8]>>,
    /// Root only: the error codes inside the reply, counted only if the module passes
    /// the reply on to a client.
    errors: Vec<String>,
}

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
    ctx: *mut c_void,
}

impl Parser<'_> {
    fn line(&mut self) -> Option<(usize, usize)> {
        let start = self.pos;
        let rel = self
            .buf
            .get(start..)?
            .windows(2)
            .position(|w| w == b"\r\n")?;
        self.pos = start + rel + 2;
        Some((start, start + rel))
    }

    fn num(&self, (s, e): (usize, usize)) -> Option<i64> {
        std::str::from_utf8(&self.buf[s..e]).ok()?.parse().ok()
    }

    fn node(&self, kind: c_int, start: usize) -> CallReply {
        CallReply {
            kind,
            resp3: false,
            root: false,
            parsed: false,
            base: self.buf.as_ptr(),
            proto: (start, start),
            text: (0, 0),
            int: 0,
            dbl: 0.0,
            elems: Vec::new(),
            len: 0,
            attribute: None,
            ctx: self.ctx,
            buffer: None,
            errors: Vec::new(),
        }
    }

    fn parse(&mut self) -> Option<CallReply> {
        let start = self.pos;
        let t = *self.buf.get(self.pos)?;
        self.pos += 1;
        let l = self.line()?;
        let mut n = self.node(REDISMODULE_REPLY_UNKNOWN, start);
        match t {
            b'+' => {
                n.kind = REDISMODULE_REPLY_STRING;
                n.text = l;
            }
            b'-' => {
                n.kind = REDISMODULE_REPLY_ERROR;
                n.text = l;
            }
            b':' => {
                n.kind = REDISMODULE_REPLY_INTEGER;
                n.int = self.num(l)?;
            }
            b'$' | b'=' => {
                let len = self.num(l)?;
                if len < 0 {
                    n.kind = REDISMODULE_REPLY_NULL;
                } else {
                    let s = self.pos;
                    let e = s.checked_add(len as usize)?;
                    self.buf.get(e..e + 2)?;
                    self.pos = e + 2;
                    if t == b'$' {
                        n.kind = REDISMODULE_REPLY_STRING;
                        n.text = (s, e);
                    } else {
                        if len < 4 {
                            return None;
                        }
                        n.kind = REDISMODULE_REPLY_VERBATIM_STRING;
                        n.resp3 = true;
                        n.text = (s + 4, e);
                    }
                }
            }
            b'_' => {
                n.kind = REDISMODULE_REPLY_NULL;
                n.resp3 = true;
            }
            b',' => {
                n.kind = REDISMODULE_REPLY_DOUBLE;
                n.resp3 = true;
                let s = std::str::from_utf8(&self.buf[l.0..l.1]).ok()?;
                n.dbl = match s {
                    "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    "nan" => f64::NAN,
                    _ => s.parse().ok()?,
                };
            }
            b'#' => {
                n.kind = REDISMODULE_REPLY_BOOL;
                n.resp3 = true;
                n.int = i64::from(self.buf[l.0] == b't');
            }
            b'(' => {
                n.kind = REDISMODULE_REPLY_BIG_NUMBER;
                n.resp3 = true;
                n.text = l;
            }
            b'*' | b'~' | b'%' | b'>' => {
                let len = self.num(l)?;
                if len < 0 {
                    n.kind = REDISMODULE_REPLY_NULL;
                } else {
                    let per = if t == b'%' { 2 } else { 1 };
                    n.kind = match t {
                        b'~' => REDISMODULE_REPLY_SET,
                        b'%' => REDISMODULE_REPLY_MAP,
                        _ => REDISMODULE_REPLY_ARRAY,
                    };
                    n.resp3 = t != b'*';
                    n.len = len as usize;
                    n.elems = Vec::with_capacity((len as usize * per).min(4096));
                    for _ in 0..len as usize * per {
                        let e = self.parse()?;
                        n.resp3 |= e.resp3;
                        n.elems.push(e);
                    }
                }
            }
            b'|' => {
                let len = self.num(l)?.max(0) as usize;
                let mut attr = self.node(REDISMODULE_REPLY_ATTRIBUTE, start);
                attr.resp3 = true;
                attr.len = len;
                for _ in 0..len * 2 {
                    attr.elems.push(self.parse()?);
                }
                attr.proto.1 = self.pos;
                let mut inner = self.parse()?;
                inner.attribute = Some(Box::new(attr));
                inner.proto.0 = start;
                inner.resp3 = true;
                return Some(inner);
            }
            _ => return None,
        }
        n.proto.1 = self.pos;
        Some(n)
    }
}

impl CallReply {
    /// Parses the first reply in `proto` into a root reply for the module context
    /// `ctx`. Malformed input gives a reply of type `UNKNOWN`.
    pub fn parse_root(proto: Vec<u8>, ctx: *mut c_void) -> Box<CallReply> {
        let buffer: Box<[u8]> = proto.into_boxed_slice();
        let mut p = Parser {
            buf: &buffer,
            pos: 0,
            ctx,
        };
        let mut root = match p.parse() {
            Some(r) => r,
            None => {
                let mut n = p.node(REDISMODULE_REPLY_UNKNOWN, 0);
                n.proto = (0, buffer.len());
                n
            }
        };
        let mut errors = Vec::new();
        root.collect_errors(&buffer, &mut errors);
        root.root = true;
        root.errors = errors;
        root.buffer = Some(buffer);
        Box::new(root)
    }

    /// An error reply built from a message (for `RedisModule_Call` failures with the
    /// `E` flag): `-<msg>\r\n`.
    pub fn error(msg: &str, ctx: *mut c_void) -> Box<CallReply> {
        let text = msg.replace(['\r', '\n'], " ");
        let proto = if text.starts_with('-') {
            format!("{text}\r\n")
        } else {
            format!("-{text}\r\n")
        };
        CallReply::parse_root(proto.into_bytes(), ctx)
    }

    fn collect_errors(&self, buf: &[u8], out: &mut Vec<String>) {
        if self.kind == REDISMODULE_REPLY_ERROR {
            out.push(super::reply::error_code(&buf[self.text.0..self.text.1]));
        }
        for e in &self.elems {
            e.collect_errors(buf, out);
        }
    }

    /// The error codes the reply holds (root only).
    pub fn error_codes(&self) -> Vec<String> {
        self.errors.clone()
    }

    /// True if any part of the reply is RESP3-only, as far as Redis would know: a root
    /// that no accessor looked at yet is not parsed, so not known to be RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp3 && (!self.root || self.parsed)
    }

    /// The RESP bytes of this node.
    pub fn proto(&self) -> &[u8] {
        // SAFETY: `base` points to the root's buffer, which outlives every node, and the
        // span was recorded within it.
        unsafe {
            std::slice::from_raw_parts(self.base.add(self.proto.0), self.proto.1 - self.proto.0)
        }
    }

    fn text_ptr(&self) -> *const c_char {
        // SAFETY: as in `proto`.
        unsafe { self.base.add(self.text.0) as *const c_char }
    }

    fn text_len(&self) -> usize {
        self.text.1 - self.text.0
    }

    /// The reply behind a pointer a module passed.
    ///
    /// # Safety
    /// `p` must be null or a live reply we handed out.
    pub unsafe fn from_ptr<'a>(p: *mut c_void) -> Option<&'a mut CallReply> {
        // SAFETY: promised by the caller.
        unsafe { (p as *mut CallReply).as_mut() }
    }

    /// Frees a root reply (elements are freed with their root: nothing happens for them).
    ///
    /// # Safety
    /// `p` must be null or a live reply we handed out, not used afterwards.
    pub unsafe fn free_root(p: *mut CallReply) {
        // SAFETY: promised by the caller.
        let Some(r) = (unsafe { p.as_ref() }) else {
            return;
        };
        if r.root {
            // SAFETY: roots come from `Box::into_raw`.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Runs `f` on a reply pointer, or returns `default` for null. Marks the reply parsed,
/// as every Redis accessor that goes through `callReplyParse` does.
fn with<T>(p: *mut c_void, default: T, f: impl FnOnce(&mut CallReply) -> T) -> T {
    // SAFETY: modules pass replies we handed out (or null).
    match unsafe { CallReply::from_ptr(p) } {
        Some(r) => {
            r.parsed = true;
            f(r)
        }
        None => default,
    }
}

/// Like [`with`], without marking the reply parsed (`CallReplyProto`, `FreeCallReply`).
fn with_unparsed<T>(p: *mut c_void, default: T, f: impl FnOnce(&mut CallReply) -> T) -> T {
    // SAFETY: modules pass replies we handed out (or null).
    match unsafe { CallReply::from_ptr(p) } {
        Some(r) => f(r),
        None => default,
    }
}

unsafe extern "C" fn free_call_reply(p: *mut c_void) {
    let (root, ctx) = with_unparsed(p, (false, std::ptr::null_mut()), |r| (r.root, r.ctx));
    if !root {
        return;
    }
    // SAFETY: `ctx` was the live context of the call; the reply is not yet freed.
    if let Some(c) = unsafe { super::ctx_of(ctx) } {
        c.auto_forget(crate::modules::ctx::AutoObj::Reply(p as *mut CallReply));
    }
    // SAFETY: a root reply the module gives back.
    unsafe { CallReply::free_root(p as *mut CallReply) }
}

unsafe extern "C" fn call_reply_type(p: *mut c_void) -> c_int {
    with(p, REDISMODULE_REPLY_UNKNOWN, |r| r.kind)
}

unsafe extern "C" fn call_reply_length(p: *mut c_void) -> usize {
    with(p, 0, |r| match r.kind {
        REDISMODULE_REPLY_STRING | REDISMODULE_REPLY_ERROR => r.text_len(),
        REDISMODULE_REPLY_ARRAY
        | REDISMODULE_REPLY_SET
        | REDISMODULE_REPLY_MAP
        | REDISMODULE_REPLY_ATTRIBUTE => r.len,
        _ => 0,
    })
}

fn element(p: *mut c_void, idx: usize, kind: c_int) -> *mut c_void {
    with(p, std::ptr::null_mut(), |r| {
        if r.kind != kind {
            return std::ptr::null_mut();
        }
        match r.elems.get_mut(idx) {
            Some(e) => e as *mut CallReply as *mut c_void,
            None => std::ptr::null_mut(),
        }
    })
}

unsafe extern "C" fn call_reply_array_element(p: *mut c_void, idx: usize) -> *mut c_void {
    element(p, idx, REDISMODULE_REPLY_ARRAY)
}

unsafe extern "C" fn call_reply_set_element(p: *mut c_void, idx: usize) -> *mut c_void {
    element(p, idx, REDISMODULE_REPLY_SET)
}

fn pair(
    p: *mut c_void,
    idx: usize,
    key: *mut *mut c_void,
    val: *mut *mut c_void,
    kind: c_int,
) -> c_int {
    with(p, ERR, |r| {
        if r.kind != kind || idx >= r.len {
            return ERR;
        }
        let k = &mut r.elems[idx * 2] as *mut CallReply as *mut c_void;
        let v = &mut r.elems[idx * 2 + 1] as *mut CallReply as *mut c_void;
        // SAFETY: output slots the module provides (or null).
        unsafe {
            if !key.is_null() {
                *key = k;
            }
            if !val.is_null() {
                *val = v;
            }
        }
        OK
    })
}

unsafe extern "C" fn call_reply_map_element(
    p: *mut c_void,
    idx: usize,
    key: *mut *mut c_void,
    val: *mut *mut c_void,
) -> c_int {
    pair(p, idx, key, val, REDISMODULE_REPLY_MAP)
}

unsafe extern "C" fn call_reply_attribute(p: *mut c_void) -> *mut c_void {
    with(p, std::ptr::null_mut(), |r| {
        match r.attribute.as_deref_mut() {
            Some(a) => a as *mut CallReply as *mut c_void,
            None => std::ptr::null_mut(),
        }
    })
}

unsafe extern "C" fn call_reply_attribute_element(
    p: *mut c_void,
    idx: usize,
    key: *mut *mut c_void,
    val: *mut *mut c_void,
) -> c_int {
    // Redis 7.4 checks the node against the map type here, so attribute elements are
    // never returned; kept for compatibility.
    pair(p, idx, key, val, REDISMODULE_REPLY_MAP)
}

unsafe extern "C" fn call_reply_integer(p: *mut c_void) -> c_longlong {
    with(p, i64::MIN, |r| {
        if r.kind == REDISMODULE_REPLY_INTEGER {
            r.int
        } else {
            i64::MIN
        }
    })
}

unsafe extern "C" fn call_reply_double(p: *mut c_void) -> c_double {
    with(p, i64::MIN as f64, |r| {
        if r.kind == REDISMODULE_REPLY_DOUBLE {
            r.dbl
        } else {
            i64::MIN as f64
        }
    })
}

unsafe extern "C" fn call_reply_bool(p: *mut c_void) -> c_int {
    with(p, i32::MIN, |r| {
        if r.kind == REDISMODULE_REPLY_BOOL {
            r.int as c_int
        } else {
            i32::MIN
        }
    })
}

fn text_of(p: *mut c_void, len: *mut usize, kinds: &[c_int]) -> *const c_char {
    with(p, std::ptr::null(), |r| {
        if !kinds.contains(&r.kind) {
            return std::ptr::null();
        }
        if !len.is_null() {
            // SAFETY: the module's length slot.
            unsafe { *len = r.text_len() };
        }
        r.text_ptr()
    })
}

unsafe extern "C" fn call_reply_string_ptr(p: *mut c_void, len: *mut usize) -> *const c_char {
    text_of(p, len, &[REDISMODULE_REPLY_STRING, REDISMODULE_REPLY_ERROR])
}

unsafe extern "C" fn call_reply_big_number(p: *mut c_void, len: *mut usize) -> *const c_char {
    text_of(p, len, &[REDISMODULE_REPLY_BIG_NUMBER])
}

unsafe extern "C" fn call_reply_verbatim(
    p: *mut c_void,
    len: *mut usize,
    format: *mut *const c_char,
) -> *const c_char {
    let s = text_of(p, len, &[REDISMODULE_REPLY_VERBATIM_STRING]);
    if !s.is_null() && !format.is_null() {
        // SAFETY: the format's three bytes and ':' precede the text in the same buffer.
        unsafe { *format = s.sub(4) };
    }
    s
}

unsafe extern "C" fn call_reply_proto(p: *mut c_void, len: *mut usize) -> *const c_char {
    with_unparsed(p, std::ptr::null(), |r| {
        if !len.is_null() {
            // SAFETY: the module's length slot.
            unsafe { *len = r.proto.1 - r.proto.0 };
        }
        r.proto().as_ptr() as *const c_char
    })
}

unsafe extern "C" fn create_string_from_call_reply(p: *mut c_void) -> *mut c_void {
    with(p, std::ptr::null_mut(), |r| match r.kind {
        REDISMODULE_REPLY_STRING | REDISMODULE_REPLY_ERROR => {
            // SAFETY: the text span lies within the root's buffer.
            let bytes =
                unsafe { std::slice::from_raw_parts(r.text_ptr() as *const u8, r.text_len()) };
            create_for(r.ctx, bytes) as *mut c_void
        }
        REDISMODULE_REPLY_INTEGER => create_for(r.ctx, r.int.to_string().as_bytes()) as *mut c_void,
        _ => std::ptr::null_mut(),
    })
}

unsafe extern "C" fn call_reply_promise_set_unblock_handler(
    _p: *mut c_void,
    _on_unblocked: *mut c_void,
    _private_data: *mut c_void,
) {
    // Calls never block yet (no `K` promises are created), so no reply is a promise.
}

unsafe extern "C" fn call_reply_promise_abort(
    _p: *mut c_void,
    _private: *mut *mut c_void,
) -> c_int {
    ERR
}

/// Registers the call-reply accessors.
pub fn register(r: &mut Reg) {
    r.add("FreeCallReply", free_call_reply as *const () as usize);
    r.add("CallReplyType", call_reply_type as *const () as usize);
    r.add("CallReplyLength", call_reply_length as *const () as usize);
    r.add(
        "CallReplyArrayElement",
        call_reply_array_element as *const () as usize,
    );
    r.add(
        "CallReplySetElement",
        call_reply_set_element as *const () as usize,
    );
    r.add(
        "CallReplyMapElement",
        call_reply_map_element as *const () as usize,
    );
    r.add(
        "CallReplyAttribute",
        call_reply_attribute as *const () as usize,
    );
    r.add(
        "CallReplyAttributeElement",
        call_reply_attribute_element as *const () as usize,
    );
    r.add("CallReplyInteger", call_reply_integer as *const () as usize);
    r.add("CallReplyDouble", call_reply_double as *const () as usize);
    r.add("CallReplyBool", call_reply_bool as *const () as usize);
    r.add(
        "CallReplyStringPtr",
        call_reply_string_ptr as *const () as usize,
    );
    r.add(
        "CallReplyBigNumber",
        call_reply_big_number as *const () as usize,
    );
    r.add(
        "CallReplyVerbatim",
        call_reply_verbatim as *const () as usize,
    );
    r.add("CallReplyProto", call_reply_proto as *const () as usize);
    r.add(
        "CreateStringFromCallReply",
        create_string_from_call_reply as *const () as usize,
    );
    r.add(
        "CallReplyPromiseSetUnblockHandler",
        call_reply_promise_set_unblock_handler as *const () as usize,
    );
    r.add(
        "CallReplyPromiseAbort",
        call_reply_promise_abort as *const () as usize,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_replies_with_spans() {
        let proto = b"*3\r\n:1\r\n$3\r\nabc\r\n%1\r\n+k\r\n-ERR x\r\n".to_vec();
        let r = CallReply::parse_root(proto.clone(), std::ptr::null_mut());
        assert_eq!(r.kind, REDISMODULE_REPLY_ARRAY);
        assert_eq!(r.len, 3);
        assert!(r.resp3);
        assert_eq!(r.proto(), &proto[..]);
        assert_eq!(r.elems[1].proto(), b"$3\r\nabc\r\n");
        assert_eq!(r.elems[2].elems[1].kind, REDISMODULE_REPLY_ERROR);
        assert_eq!(r.error_codes(), vec!["ERR".to_string()]);
        let a = CallReply::parse_root(b"|1\r\n+a\r\n+b\r\n:5\r\n".to_vec(), std::ptr::null_mut());
        assert_eq!(a.kind, REDISMODULE_REPLY_INTEGER);
        assert_eq!(a.int, 5);
        assert!(a.attribute.is_some());
        assert_eq!(a.proto().len(), 16);
    }
}
