//! The key API for modules written in Rust, on top of [`crate::sdk`]: open a key, read
//! and write strings (including direct access to a string's bytes), push to lists,
//! set and get hash fields (the C-variadic `HashSet`/`HashGet`), expire times.
//!
//! [`KeyApi::init`] resolves the functions once (in `OnLoad`, after [`crate::sdk::Api`]);
//! [`KeyApi::open`] returns a [`Key`] that is closed when dropped.

use crate::sdk::lookup;
use crate::{
    RedisModuleCtx, RedisModuleKey, RedisModuleString, REDISMODULE_HASH_CFIELDS,
    REDISMODULE_HASH_NONE, REDISMODULE_KEYTYPE_EMPTY, REDISMODULE_KEYTYPE_HASH,
    REDISMODULE_KEYTYPE_LIST, REDISMODULE_KEYTYPE_MODULE, REDISMODULE_KEYTYPE_SET,
    REDISMODULE_KEYTYPE_STREAM, REDISMODULE_KEYTYPE_STRING, REDISMODULE_KEYTYPE_ZSET,
    REDISMODULE_LIST_HEAD, REDISMODULE_LIST_TAIL, REDISMODULE_NO_EXPIRE, REDISMODULE_OK,
    REDISMODULE_READ, REDISMODULE_WRITE,
};
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_longlong, c_void};

type OpenKeyFn =
    unsafe extern "C" fn(*mut RedisModuleCtx, *mut RedisModuleString, c_int) -> *mut RedisModuleKey;
type CloseKeyFn = unsafe extern "C" fn(*mut RedisModuleKey);
type KeyTypeFn = unsafe extern "C" fn(*mut RedisModuleKey) -> c_int;
type ValueLengthFn = unsafe extern "C" fn(*mut RedisModuleKey) -> usize;
type StringSetFn = unsafe extern "C" fn(*mut RedisModuleKey, *mut RedisModuleString) -> c_int;
type StringDmaFn = unsafe extern "C" fn(*mut RedisModuleKey, *mut usize, c_int) -> *mut c_char;
type ListPushFn = unsafe extern "C" fn(*mut RedisModuleKey, c_int, *mut RedisModuleString) -> c_int;
type HashSetFn = unsafe extern "C" fn(*mut RedisModuleKey, c_int, ...) -> c_int;
type HashGetFn = unsafe extern "C" fn(*mut RedisModuleKey, c_int, ...) -> c_int;
type SetExpireFn = unsafe extern "C" fn(*mut RedisModuleKey, c_longlong) -> c_int;
type GetExpireFn = unsafe extern "C" fn(*mut RedisModuleKey) -> c_longlong;
type CreateStringFn =
    unsafe extern "C" fn(*mut RedisModuleCtx, *const c_char, usize) -> *mut RedisModuleString;
type FreeStringFn = unsafe extern "C" fn(*mut RedisModuleCtx, *mut RedisModuleString);
type StringPtrLenFn = unsafe extern "C" fn(*const RedisModuleString, *mut usize) -> *const c_char;

/// The type of the value under a key (`RedisModule_KeyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// No value.
    Empty,
    /// A string.
    String,
    /// A list.
    List,
    /// A hash.
    Hash,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
    /// A module data type.
    Module,
    /// A stream.
    Stream,
}

impl KeyType {
    /// From `REDISMODULE_KEYTYPE_*`.
    pub fn from_raw(t: c_int) -> KeyType {
        match t {
            REDISMODULE_KEYTYPE_STRING => KeyType::String,
            REDISMODULE_KEYTYPE_LIST => KeyType::List,
            REDISMODULE_KEYTYPE_HASH => KeyType::Hash,
            REDISMODULE_KEYTYPE_SET => KeyType::Set,
            REDISMODULE_KEYTYPE_ZSET => KeyType::ZSet,
            REDISMODULE_KEYTYPE_MODULE => KeyType::Module,
            REDISMODULE_KEYTYPE_STREAM => KeyType::Stream,
            REDISMODULE_KEYTYPE_EMPTY => KeyType::Empty,
            _ => KeyType::Empty,
        }
    }

    /// The name `TYPE` would print (`none` for an empty key).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Empty => "none",
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Hash => "hash",
            KeyType::Set => "set",
            KeyType::ZSet => "zset",
            KeyType::Module => "module",
            KeyType::Stream => "stream",
        }
    }
}

/// The key API functions, resolved once.
#[derive(Clone, Copy)]
pub struct KeyApi {
    open_key: OpenKeyFn,
    close_key: CloseKeyFn,
    key_type: KeyTypeFn,
    value_length: ValueLengthFn,
    string_set: StringSetFn,
    string_dma: StringDmaFn,
    list_push: ListPushFn,
    hash_set: HashSetFn,
    hash_get: HashGetFn,
    set_expire: SetExpireFn,
    get_expire: GetExpireFn,
    create_string: CreateStringFn,
    free_string: FreeStringFn,
    string_ptr_len: StringPtrLenFn,
}

impl KeyApi {
    /// Resolves the key API. `None` if the host lacks one of its functions.
    ///
    /// # Safety
    /// `ctx` must be a context the host passed to the module.
    pub unsafe fn init(ctx: *mut RedisModuleCtx) -> Option<KeyApi> {
        // SAFETY: each name is looked up with its C signature.
        unsafe {
            Some(KeyApi {
                open_key: lookup(ctx, c"RedisModule_OpenKey")?,
                close_key: lookup(ctx, c"RedisModule_CloseKey")?,
                key_type: lookup(ctx, c"RedisModule_KeyType")?,
                value_length: lookup(ctx, c"RedisModule_ValueLength")?,
                string_set: lookup(ctx, c"RedisModule_StringSet")?,
                string_dma: lookup(ctx, c"RedisModule_StringDMA")?,
                list_push: lookup(ctx, c"RedisModule_ListPush")?,
                hash_set: lookup(ctx, c"RedisModule_HashSet")?,
                hash_get: lookup(ctx, c"RedisModule_HashGet")?,
                set_expire: lookup(ctx, c"RedisModule_SetExpire")?,
                get_expire: lookup(ctx, c"RedisModule_GetExpire")?,
                create_string: lookup(ctx, c"RedisModule_CreateString")?,
                free_string: lookup(ctx, c"RedisModule_FreeString")?,
                string_ptr_len: lookup(ctx, c"RedisModule_StringPtrLen")?,
            })
        }
    }

    /// Opens `name` for reading, or for writing too when `write`. `None` when a key
    /// opened only for reading does not exist.
    ///
    /// # Safety
    /// `ctx` must be the running command's context and `name` a live string of it; the
    /// key must not outlive the command.
    pub unsafe fn open(
        &self,
        ctx: *mut RedisModuleCtx,
        name: *mut RedisModuleString,
        write: bool,
    ) -> Option<Key<'_>> {
        let mode = REDISMODULE_READ | if write { REDISMODULE_WRITE } else { 0 };
        // SAFETY: forwarded as the C API expects.
        let key = unsafe { (self.open_key)(ctx, name, mode) };
        (!key.is_null()).then_some(Key {
            api: self,
            ctx,
            key,
        })
    }
}

/// A module string the SDK created and frees on drop.
struct OwnedString<'a> {
    api: &'a KeyApi,
    ctx: *mut RedisModuleCtx,
    s: *mut RedisModuleString,
}

impl<'a> OwnedString<'a> {
    fn new(api: &'a KeyApi, ctx: *mut RedisModuleCtx, data: &[u8]) -> OwnedString<'a> {
        // SAFETY: the host copies `data`; `ctx` is the running command's context.
        let s = unsafe { (api.create_string)(ctx, data.as_ptr() as *const c_char, data.len()) };
        OwnedString { api, ctx, s }
    }
}

impl Drop for OwnedString<'_> {
    fn drop(&mut self) {
        // SAFETY: we own this string's reference.
        unsafe { (self.api.free_string)(self.ctx, self.s) };
    }
}

/// An open key, closed on drop.
pub struct Key<'a> {
    api: &'a KeyApi,
    ctx: *mut RedisModuleCtx,
    key: *mut RedisModuleKey,
}

impl Drop for Key<'_> {
    fn drop(&mut self) {
        // SAFETY: the key is open and closed exactly once.
        unsafe { (self.api.close_key)(self.key) };
    }
}

impl Key<'_> {
    /// The type of its value.
    pub fn kind(&self) -> KeyType {
        // SAFETY: an open key.
        KeyType::from_raw(unsafe { (self.api.key_type)(self.key) })
    }

    /// The value's length (bytes of a string, elements of the others).
    pub fn len(&self) -> usize {
        // SAFETY: an open key.
        unsafe { (self.api.value_length)(self.key) }
    }

    /// True for an empty key or an empty value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the value by a string. False if the key is not writable.
    pub fn set_string(&self, data: &[u8]) -> bool {
        let s = OwnedString::new(self.api, self.ctx, data);
        // SAFETY: an open key and a live string.
        unsafe { (self.api.string_set)(self.key, s.s) == REDISMODULE_OK }
    }

    /// The string value's bytes, read in place (`StringDMA`); `None` if the value is
    /// not a string. The slice is valid until the key is written or closed.
    pub fn string(&self) -> Option<&[u8]> {
        if self.kind() != KeyType::String {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: an open key holding a string; the host returns `len` bytes it owns.
        unsafe {
            let p = (self.api.string_dma)(self.key, &mut len, REDISMODULE_READ);
            if p.is_null() {
                return None;
            }
            Some(std::slice::from_raw_parts(p as *const u8, len))
        }
    }

    /// Pushes to the head or tail of a list (created if the key is empty).
    pub fn push(&self, head: bool, data: &[u8]) -> bool {
        let s = OwnedString::new(self.api, self.ctx, data);
        let where_ = if head {
            REDISMODULE_LIST_HEAD
        } else {
            REDISMODULE_LIST_TAIL
        };
        // SAFETY: an open key and a live string.
        unsafe { (self.api.list_push)(self.key, where_, s.s) == REDISMODULE_OK }
    }

    /// Sets one hash field (the hash is created if the key is empty); returns how many
    /// existing fields were updated (0 or 1), as `HashSet` counts.
    pub fn hash_set(&self, field: &[u8], value: &[u8]) -> i32 {
        let (f, v) = (
            OwnedString::new(self.api, self.ctx, field),
            OwnedString::new(self.api, self.ctx, value),
        );
        let end: *mut c_void = std::ptr::null_mut();
        // SAFETY: the C-variadic call the API documents: field/value pairs, then NULL.
        unsafe { (self.api.hash_set)(self.key, REDISMODULE_HASH_NONE, f.s, v.s, end) }
    }

    /// One hash field's value (`None` if missing or the key is not a hash).
    pub fn hash_get(&self, field: &[u8]) -> Option<Vec<u8>> {
        let f = CString::new(field).ok()?;
        let mut out: *mut RedisModuleString = std::ptr::null_mut();
        let end: *mut c_void = std::ptr::null_mut();
        // SAFETY: the C-variadic call the API documents, with a C-string field
        // (CFIELDS) and a pointer to receive the value, then NULL.
        let rc = unsafe {
            (self.api.hash_get)(
                self.key,
                REDISMODULE_HASH_CFIELDS,
                f.as_ptr(),
                &mut out as *mut *mut RedisModuleString,
                end,
            )
        };
        if rc != REDISMODULE_OK || out.is_null() {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: `out` is a string the host created for us; we copy it and free it.
        unsafe {
            let p = (self.api.string_ptr_len)(out, &mut len);
            let v = std::slice::from_raw_parts(p as *const u8, len).to_vec();
            (self.api.free_string)(self.ctx, out);
            Some(v)
        }
    }

    /// Sets a TTL in milliseconds (`None` removes it). False if the key is empty or
    /// not writable.
    pub fn set_expire(&self, ms: Option<i64>) -> bool {
        let v = ms.unwrap_or(REDISMODULE_NO_EXPIRE as i64);
        // SAFETY: an open key.
        unsafe { (self.api.set_expire)(self.key, v) == REDISMODULE_OK }
    }

    /// The remaining TTL in milliseconds, if any.
    pub fn expire(&self) -> Option<i64> {
        // SAFETY: an open key.
        let v = unsafe { (self.api.get_expire)(self.key) };
        (v != REDISMODULE_NO_EXPIRE as i64).then_some(v)
    }
}
