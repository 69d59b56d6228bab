//! Replies: every `RedisModule_ReplyWith*`, written into the reply buffer of the
//! context's client in that client's protocol, as Redis's `addReply*` functions render
//! them (module.c's "Reply APIs").

use super::strings::{cstr_bytes, raw_bytes, RmString};
use super::{ctx_of, ERR, OK};
use crate::modules::ctx::ModuleCtx;
use crate::modules::registry::Reg;
use crate::resp::{Aggregate, ReplyBuf};
use std::os::raw::{c_char, c_double, c_int, c_long, c_longlong, c_void};

/// Runs `f` on the reply buffer of the context's client; no client: nothing is written
/// and the call still succeeds, as in Redis.
fn with_out(ctx: *mut c_void, f: impl FnOnce(&mut ReplyBuf)) -> c_int {
    // SAFETY: modules pass their live callback context (or null).
    if let Some(c) = unsafe { ctx_of(ctx) }.and_then(|c| c.client()) {
        f(&mut c.out);
    }
    OK
}

/// The error code Redis counts an error reply under: its first word when a space comes
/// within 32 bytes, `ERR` otherwise.
pub fn error_code(text: &[u8]) -> String {
    let head = &text[..text.len().min(32)];
    match head.iter().position(|&c| c == b' ') {
        Some(i) => String::from_utf8_lossy(&text[..i]).into_owned(),
        None => "ERR".to_string(),
    }
}

/// Replies with an error whose text starts with its code (Redis's
/// `addReplyErrorFormat(c, "-%s", err)`): newlines become spaces, the error is counted.
pub fn reply_error_text(ctx: &mut ModuleCtx, text: &[u8]) {
    // A thread-safe context replies into a blocked client's reply client: its errors
    // are counted when those replies reach the client (Redis's deferred error stats).
    let thread_safe = ctx.flags & crate::modules::ctx::flags::THREAD_SAFE != 0;
    let reachable = if thread_safe {
        None
    } else {
        ctx.server_and_client()
    };
    let Some((srv, client)) = reachable else {
        if let Some(c) = ctx.client() {
            write_error(&mut c.out, text);
        }
        return;
    };
    srv.count_error(&error_code(text));
    write_error(&mut client.out, text);
}

fn write_error(out: &mut ReplyBuf, text: &[u8]) {
    let mut line = Vec::with_capacity(text.len() + 3);
    line.push(b'-');
    line.extend(
        text.iter()
            .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
    );
    line.extend_from_slice(b"\r\n");
    out.raw(&line);
}

unsafe extern "C" fn reply_with_long_long(ctx: *mut c_void, n: c_longlong) -> c_int {
    with_out(ctx, |o| o.int(n))
}

unsafe extern "C" fn reply_with_error(ctx: *mut c_void, err: *const c_char) -> c_int {
    // SAFETY: a live context or null; `err` a C string.
    if let Some(c) = unsafe { ctx_of(ctx) } {
        // SAFETY: the module's C string.
        let text = unsafe { cstr_bytes(err) };
        reply_error_text(c, text);
    }
    OK
}

unsafe extern "C" fn reply_with_simple_string(ctx: *mut c_void, msg: *const c_char) -> c_int {
    // SAFETY: the module's C string.
    let text = unsafe { cstr_bytes(msg) };
    with_out(ctx, |o| {
        o.raw(b"+");
        o.raw(text);
        o.raw(b"\r\n");
    })
}

fn collection(ctx: *mut c_void, len: c_long, kind: Aggregate) -> c_int {
    // SAFETY: a live context or null.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return OK;
    };
    let Some(client) = c.client() else {
        return OK;
    };
    let out = &mut client.out;
    if len == coil_modules_api::REDISMODULE_POSTPONED_LEN as c_long {
        let d = out.defer_len();
        c.postponed.push((d, kind));
        return OK;
    }
    let n = len.max(0) as usize;
    match kind {
        Aggregate::Array => out.array_len(n),
        Aggregate::Map => out.map_len(n),
        Aggregate::Set => out.set_len(n),
        Aggregate::Attribute => {
            let d = out.defer_len();
            out.set_deferred_len(d, Aggregate::Attribute, n);
        }
    }
    OK
}

unsafe extern "C" fn reply_with_array(ctx: *mut c_void, len: c_long) -> c_int {
    collection(ctx, len, Aggregate::Array)
}

unsafe extern "C" fn reply_with_map(ctx: *mut c_void, len: c_long) -> c_int {
    collection(ctx, len, Aggregate::Map)
}

unsafe extern "C" fn reply_with_set(ctx: *mut c_void, len: c_long) -> c_int {
    collection(ctx, len, Aggregate::Set)
}

fn client_is_resp2(ctx: *mut c_void) -> bool {
    // SAFETY: a live context or null.
    match unsafe { ctx_of(ctx) }.and_then(|c| c.client()) {
        Some(c) => c.resp() == 2,
        None => false,
    }
}

unsafe extern "C" fn reply_with_attribute(ctx: *mut c_void, len: c_long) -> c_int {
    if client_is_resp2(ctx) {
        return ERR;
    }
    collection(ctx, len, Aggregate::Attribute)
}

unsafe extern "C" fn reply_with_null_array(ctx: *mut c_void) -> c_int {
    with_out(ctx, |o| o.null_array())
}

unsafe extern "C" fn reply_with_empty_array(ctx: *mut c_void) -> c_int {
    with_out(ctx, |o| o.empty_array())
}

fn set_length(ctx: *mut c_void, len: c_long, kind: Aggregate) {
    // SAFETY: a live context or null.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return;
    };
    if c.client.is_null() {
        return;
    }
    let Some((d, _)) = c.postponed.pop() else {
        let name = c.module_name();
        tracing::warn!("API misuse detected in module {name}: RedisModule_ReplySet*Length() called without previous RedisModule_ReplyWith*(ctx,REDISMODULE_POSTPONED_LEN) call.");
        return;
    };
    if let Some(client) = c.client() {
        client
            .out
            .set_deferred_len(d, kind, usize::try_from(len).unwrap_or(0));
    }
}

unsafe extern "C" fn reply_set_array_length(ctx: *mut c_void, len: c_long) {
    set_length(ctx, len, Aggregate::Array)
}

unsafe extern "C" fn reply_set_map_length(ctx: *mut c_void, len: c_long) {
    set_length(ctx, len, Aggregate::Map)
}

unsafe extern "C" fn reply_set_set_length(ctx: *mut c_void, len: c_long) {
    set_length(ctx, len, Aggregate::Set)
}

unsafe extern "C" fn reply_set_attribute_length(ctx: *mut c_void, len: c_long) {
    if client_is_resp2(ctx) {
        return;
    }
    set_length(ctx, len, Aggregate::Attribute)
}

unsafe extern "C" fn reply_with_string_buffer(
    ctx: *mut c_void,
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: `len` bytes at `buf`, from the module.
    let data = unsafe { raw_bytes(buf, len) };
    with_out(ctx, |o| o.bulk(data))
}

unsafe extern "C" fn reply_with_cstring(ctx: *mut c_void, buf: *const c_char) -> c_int {
    // SAFETY: the module's C string.
    let data = unsafe { cstr_bytes(buf) };
    with_out(ctx, |o| o.bulk(data))
}

unsafe extern "C" fn reply_with_string(ctx: *mut c_void, s: *const c_void) -> c_int {
    // SAFETY: a live string or null.
    match unsafe { RmString::bytes_of(s) } {
        Some(data) => with_out(ctx, |o| o.bulk(data)),
        None => with_out(ctx, |o| o.null()),
    }
}

unsafe extern "C" fn reply_with_empty_string(ctx: *mut c_void) -> c_int {
    with_out(ctx, |o| o.bulk(b""))
}

unsafe extern "C" fn reply_with_verbatim_string_type(
    ctx: *mut c_void,
    buf: *const c_char,
    len: usize,
    ext: *const c_char,
) -> c_int {
    // SAFETY: `len` bytes at `buf`; `ext` a C string of three characters.
    let (data, ext) = unsafe { (raw_bytes(buf, len), cstr_bytes(ext)) };
    let ext = String::from_utf8_lossy(&ext[..ext.len().min(3)]).into_owned();
    with_out(ctx, |o| o.verbatim(data, &ext))
}

unsafe extern "C" fn reply_with_verbatim_string(
    ctx: *mut c_void,
    buf: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: forwarded from the module.
    unsafe { reply_with_verbatim_string_type(ctx, buf, len, c"txt".as_ptr()) }
}

unsafe extern "C" fn reply_with_null(ctx: *mut c_void) -> c_int {
    with_out(ctx, |o| o.null())
}

unsafe extern "C" fn reply_with_bool(ctx: *mut c_void, b: c_int) -> c_int {
    with_out(ctx, |o| o.bool(b != 0))
}

unsafe extern "C" fn reply_with_double(ctx: *mut c_void, d: c_double) -> c_int {
    with_out(ctx, |o| o.double(d))
}

unsafe extern "C" fn reply_with_big_number(
    ctx: *mut c_void,
    digits: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: `len` bytes at `digits`.
    let data = unsafe { raw_bytes(digits, len) };
    with_out(ctx, |o| o.big_number(data))
}

unsafe extern "C" fn reply_with_call_reply(ctx: *mut c_void, reply: *mut c_void) -> c_int {
    // SAFETY: a live call reply or null.
    let Some(r) = (unsafe { super::call_reply::CallReply::from_ptr(reply) }) else {
        return ERR;
    };
    // SAFETY: a live context or null.
    let Some(c) = (unsafe { ctx_of(ctx) }) else {
        return OK;
    };
    if c.client.is_null() {
        return OK;
    }
    let resp2 = c.client().is_some_and(|cl| cl.resp() == 2);
    if resp2 && r.is_resp3() {
        return ERR;
    }
    let proto = r.proto().to_vec();
    let errors = r.error_codes();
    // Errors are counted when the server is reachable (a thread-safe context without
    // the lock only writes into its own reply client).
    if c.flags & crate::modules::ctx::flags::THREAD_SAFE == 0 {
        if let Some(srv) = c.server() {
            for code in errors {
                srv.count_error(&code);
            }
        }
    }
    if let Some(client) = c.client() {
        client.out.raw(&proto);
    }
    OK
}

/// Shim hook: a long double already formatted by the shim (`ld2string` human mode):
/// a bulk string in RESP2, a double in RESP3.
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_reply_human_double(
    ctx: *mut c_void,
    text: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: the shim passes `len` bytes at `text`.
    let data = unsafe { raw_bytes(text, len) };
    let s = String::from_utf8_lossy(data).into_owned();
    with_out(ctx, |o| o.human_double(&s))
}

/// Shim hook: an error reply from formatted text (`ReplyWithErrorFormat`).
///
/// # Safety
/// Called by the C shim with the pointers the module passed and strings it built.
pub unsafe extern "C" fn hook_reply_error(ctx: *mut c_void, text: *const c_char) -> c_int {
    // SAFETY: forwarded from the shim.
    unsafe { reply_with_error(ctx, text) }
}

/// Registers the group (the long-double and format variants come from the shim).
pub fn register(r: &mut Reg) {
    r.add(
        "ReplyWithLongLong",
        reply_with_long_long as *const () as usize,
    );
    r.add("ReplyWithError", reply_with_error as *const () as usize);
    r.add(
        "ReplyWithSimpleString",
        reply_with_simple_string as *const () as usize,
    );
    r.add("ReplyWithArray", reply_with_array as *const () as usize);
    r.add("ReplyWithMap", reply_with_map as *const () as usize);
    r.add("ReplyWithSet", reply_with_set as *const () as usize);
    r.add(
        "ReplyWithAttribute",
        reply_with_attribute as *const () as usize,
    );
    r.add(
        "ReplyWithNullArray",
        reply_with_null_array as *const () as usize,
    );
    r.add(
        "ReplyWithEmptyArray",
        reply_with_empty_array as *const () as usize,
    );
    r.add(
        "ReplySetArrayLength",
        reply_set_array_length as *const () as usize,
    );
    r.add(
        "ReplySetMapLength",
        reply_set_map_length as *const () as usize,
    );
    r.add(
        "ReplySetSetLength",
        reply_set_set_length as *const () as usize,
    );
    r.add(
        "ReplySetAttributeLength",
        reply_set_attribute_length as *const () as usize,
    );
    r.add(
        "ReplyWithStringBuffer",
        reply_with_string_buffer as *const () as usize,
    );
    r.add("ReplyWithCString", reply_with_cstring as *const () as usize);
    r.add("ReplyWithString", reply_with_string as *const () as usize);
    r.add(
        "ReplyWithEmptyString",
        reply_with_empty_string as *const () as usize,
    );
    r.add(
        "ReplyWithVerbatimStringType",
        reply_with_verbatim_string_type as *const () as usize,
    );
    r.add(
        "ReplyWithVerbatimString",
        reply_with_verbatim_string as *const () as usize,
    );
    r.add("ReplyWithNull", reply_with_null as *const () as usize);
    r.add("ReplyWithBool", reply_with_bool as *const () as usize);
    r.add("ReplyWithDouble", reply_with_double as *const () as usize);
    r.add(
        "ReplyWithBigNumber",
        reply_with_big_number as *const () as usize,
    );
    r.add(
        "ReplyWithCallReply",
        reply_with_call_reply as *const () as usize,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes() {
        assert_eq!(error_code(b"ERR bad"), "ERR");
        assert_eq!(error_code(b"WRONGTYPE x"), "WRONGTYPE");
        assert_eq!(error_code(b"NOSPACEHERE"), "ERR");
    }
}
