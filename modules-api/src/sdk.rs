//! The start of a small safe layer for modules written in Rust: resolving the API
//! through a context's GetApi pointer (what the C header's `RedisModule_Init` does) and
//! typed access to the handful of functions a simple module needs.
//!
//! A Rust module exports `RedisModule_OnLoad`, calls [`Api::init`] with its context,
//! then uses the returned [`Api`] from its commands.

use crate::{
    GetApiFunc, RedisModuleCmdFunc, RedisModuleCtx, RedisModuleString, REDISMODULE_APIVER_1,
    REDISMODULE_ERR, REDISMODULE_OK,
};
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_longlong, c_void};

/// Reads the GetApi function from the first field of `ctx`.
///
/// # Safety
/// `ctx` must be a context the host passed to the module.
pub unsafe fn get_api_func(ctx: *mut RedisModuleCtx) -> GetApiFunc {
    // SAFETY: the host guarantees the first pointer-sized field of every context is
    // its GetApi function (the ABI contract); the caller passes such a context.
    unsafe { *(ctx as *const GetApiFunc) }
}

/// Looks one API function up by its full name (`"RedisModule_ReplyWithLongLong"`).
///
/// # Safety
/// `ctx` must be a host context, and `F` the function-pointer type of that API.
pub unsafe fn lookup<F: Copy>(ctx: *mut RedisModuleCtx, name: &CStr) -> Option<F> {
    assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    let mut ptr: *mut c_void = std::ptr::null_mut();
    // SAFETY: GetApi writes one pointer into `ptr` or leaves it NULL.
    let rc = unsafe { get_api_func(ctx)(name.as_ptr(), &mut ptr as *mut _ as *mut c_void) };
    if rc != REDISMODULE_OK || ptr.is_null() {
        return None;
    }
    // SAFETY: `F` is a pointer-sized function pointer type (checked above) and the
    // caller promises it is the API's signature.
    Some(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&ptr) })
}

type CreateCommandFn = unsafe extern "C" fn(
    *mut RedisModuleCtx,
    *const c_char,
    RedisModuleCmdFunc,
    *const c_char,
    c_int,
    c_int,
    c_int,
) -> c_int;
type SetAttribsFn = unsafe extern "C" fn(*mut RedisModuleCtx, *const c_char, c_int, c_int);
type ReplyLongLongFn = unsafe extern "C" fn(*mut RedisModuleCtx, c_longlong) -> c_int;
type ReplyCStrFn = unsafe extern "C" fn(*mut RedisModuleCtx, *const c_char) -> c_int;
type ReplyBufFn = unsafe extern "C" fn(*mut RedisModuleCtx, *const c_char, usize) -> c_int;
type StringPtrLenFn = unsafe extern "C" fn(*const RedisModuleString, *mut usize) -> *const c_char;
type WrongArityFn = unsafe extern "C" fn(*mut RedisModuleCtx) -> c_int;
type ReplyNullFn = unsafe extern "C" fn(*mut RedisModuleCtx) -> c_int;

/// The API functions this SDK wraps, resolved once.
#[derive(Clone, Copy)]
pub struct Api {
    create_command: CreateCommandFn,
    reply_long_long: ReplyLongLongFn,
    reply_simple: ReplyCStrFn,
    reply_error: ReplyCStrFn,
    reply_buffer: ReplyBufFn,
    string_ptr_len: StringPtrLenFn,
    wrong_arity: WrongArityFn,
    reply_null: ReplyNullFn,
}

impl Api {
    /// Resolves the API and registers the module under `name` (what `RedisModule_Init`
    /// does). `None` if the host lacks a function this SDK needs.
    ///
    /// # Safety
    /// `ctx` must be the context given to `RedisModule_OnLoad`.
    pub unsafe fn init(ctx: *mut RedisModuleCtx, name: &CStr, version: c_int) -> Option<Api> {
        // SAFETY: each name is looked up with its C signature.
        let api = unsafe {
            Api {
                create_command: lookup(ctx, c"RedisModule_CreateCommand")?,
                reply_long_long: lookup(ctx, c"RedisModule_ReplyWithLongLong")?,
                reply_simple: lookup(ctx, c"RedisModule_ReplyWithSimpleString")?,
                reply_error: lookup(ctx, c"RedisModule_ReplyWithError")?,
                reply_buffer: lookup(ctx, c"RedisModule_ReplyWithStringBuffer")?,
                string_ptr_len: lookup(ctx, c"RedisModule_StringPtrLen")?,
                wrong_arity: lookup(ctx, c"RedisModule_WrongArity")?,
                reply_null: lookup(ctx, c"RedisModule_ReplyWithNull")?,
            }
        };
        // SAFETY: as above.
        let attribs: SetAttribsFn = unsafe { lookup(ctx, c"RedisModule_SetModuleAttribs")? };
        // SAFETY: `ctx` is the OnLoad context and `name` a C string.
        unsafe { attribs(ctx, name.as_ptr(), version, REDISMODULE_APIVER_1) };
        Some(api)
    }

    /// Registers a command. Returns false if the host refused it.
    ///
    /// # Safety
    /// `ctx` must be the OnLoad context.
    pub unsafe fn create_command(
        &self,
        ctx: *mut RedisModuleCtx,
        name: &CStr,
        func: RedisModuleCmdFunc,
        flags: &CStr,
        keys: (c_int, c_int, c_int),
    ) -> bool {
        // SAFETY: forwarded as the C API expects.
        unsafe {
            (self.create_command)(
                ctx,
                name.as_ptr(),
                func,
                flags.as_ptr(),
                keys.0,
                keys.1,
                keys.2,
            ) == REDISMODULE_OK
        }
    }

    /// Wraps a command's context for replying.
    ///
    /// # Safety
    /// `ctx` must be the context of the running command and outlive the returned value.
    pub unsafe fn context(&self, ctx: *mut RedisModuleCtx) -> Context<'_> {
        Context { api: self, ctx }
    }

    /// The bytes of a string handle.
    ///
    /// # Safety
    /// `s` must be a live string handle; the slice is valid while it is.
    pub unsafe fn string_bytes<'a>(&self, s: *const RedisModuleString) -> &'a [u8] {
        let mut len = 0usize;
        // SAFETY: the host returns a pointer to `len` bytes owned by `s`.
        unsafe {
            let p = (self.string_ptr_len)(s, &mut len);
            if p.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(p as *const u8, len)
        }
    }
}

/// A running command's context.
pub struct Context<'a> {
    api: &'a Api,
    ctx: *mut RedisModuleCtx,
}

impl Context<'_> {
    /// Replies with an integer.
    pub fn reply_integer(&self, n: i64) -> c_int {
        // SAFETY: `ctx` is the running command's context (promised by `Api::context`).
        unsafe { (self.api.reply_long_long)(self.ctx, n) }
    }

    /// Replies with a simple string (`+text`).
    pub fn reply_simple(&self, text: &CStr) -> c_int {
        // SAFETY: as above.
        unsafe { (self.api.reply_simple)(self.ctx, text.as_ptr()) }
    }

    /// Replies with an error; `text` starts with the error code (`"ERR bad"`).
    pub fn reply_error(&self, text: &CStr) -> c_int {
        // SAFETY: as above.
        unsafe { (self.api.reply_error)(self.ctx, text.as_ptr()) }
    }

    /// Replies with a bulk string.
    pub fn reply_bulk(&self, data: &[u8]) -> c_int {
        // SAFETY: as above; the host copies `data`.
        unsafe { (self.api.reply_buffer)(self.ctx, data.as_ptr() as *const c_char, data.len()) }
    }

    /// Replies with a null (`$-1` in RESP2, `_` in RESP3).
    pub fn reply_null(&self) -> c_int {
        // SAFETY: as above.
        unsafe { (self.api.reply_null)(self.ctx) }
    }

    /// The raw context, for the other parts of the SDK ([`crate::sdk_keys`]).
    pub fn raw(&self) -> *mut RedisModuleCtx {
        self.ctx
    }

    /// Replies with the wrong-arity error for the running command.
    pub fn wrong_arity(&self) -> c_int {
        // SAFETY: as above.
        unsafe { (self.api.wrong_arity)(self.ctx) }
    }
}

/// `REDISMODULE_OK` / `REDISMODULE_ERR` from a boolean.
pub fn status(ok: bool) -> c_int {
    if ok {
        REDISMODULE_OK
    } else {
        REDISMODULE_ERR
    }
}
