//! Module data types: the types modules register with `RedisModule_CreateDataType`,
//! the values of those types stored under keys ([`ModuleValue`], the payload of
//! `Value::Module`), and their serialization in Redis's RDB module encoding.
//!
//! A [`ModuleType`] is created once and never freed (Redis refuses to unload a module
//! that exports types), so values and modules hold it as `&'static`. A value owns the
//! module's pointer and frees it with the type's `free` callback when the last
//! reference goes; cloning a `Value` shares the object as Redis shares an `robj`,
//! while `COPY` duplicates it through the type's `copy` callback ([`ModuleValue::dup`]).
//!
//! The serialized form ([`save_value`], [`load_value`]) is what `rdbSaveObject` writes
//! after the `RDB_TYPE_MODULE_2` type byte: the 64-bit type id as an RDB length, the
//! module's opcode stream (`RM_Save*`), and the `EOF` opcode.

use super::api::strings::RmString;
use super::ctx::ModuleCtx;
use super::rdb_codec::{self, Reader};
use super::Module;
use crate::db::Value;
use crate::server::Server;
use sha1::{Digest as _, Sha1};
use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

/// `RDB_TYPE_MODULE_2`: the RDB type byte of module values (with opcodes and EOF).
pub const RDB_TYPE_MODULE_2: u8 = 7;

/// The opcodes of the module value stream (`RDB_MODULE_OPCODE_*`).
pub mod opcode {
    /// End of the value.
    pub const EOF: u64 = 0;
    /// Signed integer (unused by Redis: signed values are saved as `UINT`).
    pub const SINT: u64 = 1;
    /// Unsigned integer.
    pub const UINT: u64 = 2;
    /// Float.
    pub const FLOAT: u64 = 3;
    /// Double.
    pub const DOUBLE: u64 = 4;
    /// String.
    pub const STRING: u64 = 5;
}

/// The characters of a type name, each mapped to 6 bits of the id (Redis's
/// `ModuleTypeNameCharSet`).
const CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Redis's `moduleTypeEncodeId`: nine 6-bit characters then the 10-bit encoding version;
/// 0 for an invalid name or version.
pub fn encode_id(name: &[u8], encver: c_int) -> u64 {
    if name.len() != 9 || !(0..=1023).contains(&encver) {
        return 0;
    }
    let mut id = 0u64;
    for c in name {
        let Some(pos) = CHARSET.iter().position(|x| x == c) else {
            return 0;
        };
        id = (id << 6) | pos as u64;
    }
    (id << 10) | encver as u64
}

/// Redis's `moduleTypeNameByID`: the type name an id encodes.
pub fn name_from_id(id: u64) -> String {
    let mut v = id >> 10;
    let mut name = [0u8; 9];
    for c in name.iter_mut().rev() {
        *c = CHARSET[(v & 63) as usize];
        v >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// `rdb_load`.
pub type LoadFn = unsafe extern "C" fn(*mut ModuleIo, c_int) -> *mut c_void;
/// `rdb_save`.
pub type SaveFn = unsafe extern "C" fn(*mut ModuleIo, *mut c_void);
/// `aof_rewrite`.
pub type RewriteFn = unsafe extern "C" fn(*mut ModuleIo, *mut RmString, *mut c_void);
/// `mem_usage`.
pub type MemUsageFn = unsafe extern "C" fn(*const c_void) -> usize;
/// `digest`.
pub type DigestFn = unsafe extern "C" fn(*mut DigestCtx, *mut c_void);
/// `free`.
pub type FreeFn = unsafe extern "C" fn(*mut c_void);
/// `aux_load`.
pub type AuxLoadFn = unsafe extern "C" fn(*mut ModuleIo, c_int, c_int) -> c_int;
/// `aux_save` and `aux_save2`.
pub type AuxSaveFn = unsafe extern "C" fn(*mut ModuleIo, c_int);
/// `free_effort`.
pub type FreeEffortFn = unsafe extern "C" fn(*mut RmString, *const c_void) -> usize;
/// `unlink`.
pub type UnlinkFn = unsafe extern "C" fn(*mut RmString, *const c_void);
/// `copy`.
pub type CopyFn = unsafe extern "C" fn(*mut RmString, *mut RmString, *const c_void) -> *mut c_void;
/// `defrag`.
pub type DefragFn = unsafe extern "C" fn(*mut c_void, *mut RmString, *mut *mut c_void) -> c_int;
/// `mem_usage2`.
pub type MemUsage2Fn = unsafe extern "C" fn(*mut KeyOptCtx, *const c_void, usize) -> usize;
/// `free_effort2`.
pub type FreeEffort2Fn = unsafe extern "C" fn(*mut KeyOptCtx, *const c_void) -> usize;
/// `unlink2`.
pub type Unlink2Fn = unsafe extern "C" fn(*mut KeyOptCtx, *const c_void);
/// `copy2`.
pub type Copy2Fn = unsafe extern "C" fn(*mut KeyOptCtx, *const c_void) -> *mut c_void;

/// The callbacks of a type, read from the module's `RedisModuleTypeMethods` by its
/// version.
#[derive(Default, Clone, Copy)]
pub struct TypeMethods {
    /// `rdb_load`.
    pub rdb_load: Option<LoadFn>,
    /// `rdb_save`.
    pub rdb_save: Option<SaveFn>,
    /// `aof_rewrite`.
    pub aof_rewrite: Option<RewriteFn>,
    /// `mem_usage`.
    pub mem_usage: Option<MemUsageFn>,
    /// `digest`.
    pub digest: Option<DigestFn>,
    /// `free`.
    pub free: Option<FreeFn>,
    /// `aux_load` (v2).
    pub aux_load: Option<AuxLoadFn>,
    /// `aux_save` (v2).
    pub aux_save: Option<AuxSaveFn>,
    /// `aux_save_triggers` (v2).
    pub aux_save_triggers: c_int,
    /// `free_effort` (v3).
    pub free_effort: Option<FreeEffortFn>,
    /// `unlink` (v3).
    pub unlink: Option<UnlinkFn>,
    /// `copy` (v3).
    pub copy: Option<CopyFn>,
    /// `defrag` (v3).
    pub defrag: Option<DefragFn>,
    /// `mem_usage2` (v4).
    pub mem_usage2: Option<MemUsage2Fn>,
    /// `free_effort2` (v4).
    pub free_effort2: Option<FreeEffort2Fn>,
    /// `unlink2` (v4).
    pub unlink2: Option<Unlink2Fn>,
    /// `copy2` (v4).
    pub copy2: Option<Copy2Fn>,
    /// `aux_save2` (v5).
    pub aux_save2: Option<AuxSaveFn>,
}

impl TypeMethods {
    /// Reads a module's `RedisModuleTypeMethods`, only up to the fields its `version`
    /// has (an older module's struct is shorter). `None` for version 0 or null.
    ///
    /// # Safety
    /// `p` must be null or point to a `RedisModuleTypeMethods` of the version it
    /// declares in its first field.
    pub unsafe fn read(p: *const c_void) -> Option<TypeMethods> {
        use coil_modules_api::RedisModuleTypeMethods as T;
        use std::mem::offset_of;
        if p.is_null() {
            return None;
        }
        let base = p as *const u8;
        // SAFETY: the first field of every version is the `uint64_t version`.
        let version = unsafe { (base as *const u64).read_unaligned() };
        if version == 0 {
            return None;
        }
        /// Reads a callback slot at a field offset as the given function type.
        ///
        /// # Safety
        /// `base + off` must be a readable, pointer-sized callback slot.
        unsafe fn slot<F: Copy>(base: *const u8, off: usize) -> Option<F> {
            // SAFETY: promised by the caller; a C function pointer or NULL, read as
            // `Option<fn>` (the null niche is guaranteed for function pointers).
            unsafe { (base.add(off) as *const Option<F>).read_unaligned() }
        }
        let mut m = TypeMethods::default();
        // SAFETY: each group of fields is read only when the struct's version has it;
        // the offsets are those of the C layout (checked in modules-api's tests).
        unsafe {
            m.rdb_load = slot(base, offset_of!(T, rdb_load));
            m.rdb_save = slot(base, offset_of!(T, rdb_save));
            m.aof_rewrite = slot(base, offset_of!(T, aof_rewrite));
            m.mem_usage = slot(base, offset_of!(T, mem_usage));
            m.digest = slot(base, offset_of!(T, digest));
            m.free = slot(base, offset_of!(T, free));
            if version >= 2 {
                m.aux_load = slot(base, offset_of!(T, aux_load));
                m.aux_save = slot(base, offset_of!(T, aux_save));
                m.aux_save_triggers =
                    (base.add(offset_of!(T, aux_save_triggers)) as *const c_int).read_unaligned();
            }
            if version >= 3 {
                m.free_effort = slot(base, offset_of!(T, free_effort));
                m.unlink = slot(base, offset_of!(T, unlink));
                m.copy = slot(base, offset_of!(T, copy));
                m.defrag = slot(base, offset_of!(T, defrag));
            }
            if version >= 4 {
                m.mem_usage2 = slot(base, offset_of!(T, mem_usage2));
                m.free_effort2 = slot(base, offset_of!(T, free_effort2));
                m.unlink2 = slot(base, offset_of!(T, unlink2));
                m.copy2 = slot(base, offset_of!(T, copy2));
            }
            if version >= 5 {
                m.aux_save2 = slot(base, offset_of!(T, aux_save2));
            }
        }
        Some(m)
    }
}

/// A registered data type (`RedisModuleType *` to modules).
pub struct ModuleType {
    /// The 64-bit id (name and encoding version).
    pub id: u64,
    /// The 9-character name.
    pub name: &'static str,
    /// The module that registered it (null once a failed load discarded the module).
    pub module: AtomicPtr<Module>,
    /// Its callbacks.
    pub methods: TypeMethods,
}

impl ModuleType {
    /// Registers a type for good: types are never freed (values and the module refer to
    /// them for the life of the process).
    pub fn register(
        id: u64,
        name: &str,
        module: *mut Module,
        methods: TypeMethods,
    ) -> &'static ModuleType {
        Box::leak(Box::new(ModuleType {
            id,
            name: Box::leak(name.to_string().into_boxed_str()),
            module: AtomicPtr::new(module),
            methods,
        }))
    }

    /// The encoding version the type was registered with.
    pub fn encver(&self) -> c_int {
        (self.id & 1023) as c_int
    }

    /// The owning module, if it is still loaded.
    pub fn module_ptr(&self) -> *mut Module {
        self.module.load(Ordering::Relaxed)
    }

    /// The owning module's `SetModuleOptions` bits.
    pub fn module_options(&self) -> c_int {
        // SAFETY: the module record outlives its types while it is loaded; a discarded
        // module's pointer was cleared.
        unsafe { self.module_ptr().as_ref() }
            .map(|m| m.options)
            .unwrap_or(0)
    }

    /// The owning module's name.
    pub fn module_name(&self) -> String {
        // SAFETY: as in `module_options`.
        unsafe { self.module_ptr().as_ref() }
            .map(|m| m.name.clone())
            .unwrap_or_else(|| "module".into())
    }
}

/// Every registered type of the loaded modules.
pub fn all_types(srv: &Server) -> impl Iterator<Item = &'static ModuleType> + '_ {
    srv.modules.iter().flat_map(|m| m.types.iter().copied())
}

/// The type with this exact name (`moduleTypeLookupModuleByName`).
pub fn find_by_name(srv: &Server, name: &[u8]) -> Option<&'static ModuleType> {
    all_types(srv).find(|t| t.name.as_bytes() == name)
}

/// The type with this name ignoring case (`SCAN ... TYPE`).
pub fn find_by_name_nocase(srv: &Server, name: &[u8]) -> Option<&'static ModuleType> {
    all_types(srv).find(|t| t.name.as_bytes().eq_ignore_ascii_case(name))
}

/// The type whose id has the same 54-bit name part (`moduleTypeLookupModuleByID`): any
/// encoding version loads through the registered type.
pub fn find_by_id(srv: &Server, id: u64) -> Option<&'static ModuleType> {
    all_types(srv).find(|t| t.id >> 10 == id >> 10)
}

/// A module's pointer under a key, with its type. Dropping the last reference frees it
/// with the type's `free` callback.
pub struct ModuleObject {
    mtype: &'static ModuleType,
    value: AtomicPtr<c_void>,
}

impl Drop for ModuleObject {
    fn drop(&mut self) {
        let p = *self.value.get_mut();
        if let Some(free) = self.mtype.methods.free {
            // SAFETY: the object owns the module's value; this is its only free.
            unsafe { free(p) };
        }
    }
}

/// `RedisModuleKeyOptCtx`: key names and databases handed to `*2` callbacks.
#[repr(C)]
pub struct KeyOptCtx {
    /// The key (borrowed for the callback).
    pub from_key: *mut RmString,
    /// The target key of a copy, or null.
    pub to_key: *mut RmString,
    /// The key's database.
    pub from_dbid: c_int,
    /// The target database of a copy, or -1.
    pub to_dbid: c_int,
}

/// `RedisModuleDigest`: the state of one value's digest (Redis's `o`/`x` pair).
#[repr(C)]
pub struct DigestCtx {
    /// The ordered sequence being mixed.
    pub o: [u8; 20],
    /// The XOR of finished sequences.
    pub x: [u8; 20],
    /// The key (borrowed for the callback).
    pub key: *mut RmString,
    /// The key's database.
    pub dbid: c_int,
}

/// Redis's `xorDigest`: XORs SHA1(data) into `digest`.
pub fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    let h: [u8; 20] = Sha1::digest(data).into();
    for (a, b) in digest.iter_mut().zip(h) {
        *a ^= b;
    }
}

/// Redis's `mixDigest`: XORs SHA1(data) in, then replaces the digest by its own SHA1.
pub fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    *digest = Sha1::digest(*digest).into();
}

/// A temporary module string for a key name, released on drop.
struct TempStr(*mut RmString);

impl TempStr {
    fn new(b: Option<&[u8]>) -> TempStr {
        TempStr(b.map(RmString::create).unwrap_or(std::ptr::null_mut()))
    }
}

impl Drop for TempStr {
    fn drop(&mut self) {
        // SAFETY: we own the one reference we created (or hold null).
        unsafe { RmString::release(self.0) };
    }
}

/// The payload of `Value::Module`: a shared reference to a module object.
#[derive(Clone)]
pub struct ModuleValue(Arc<ModuleObject>);

impl std::fmt::Debug for ModuleValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModuleValue({}, {:p})", self.0.mtype.name, self.ptr())
    }
}

impl ModuleValue {
    /// Wraps a module's value; it is freed with the type's `free` when the last
    /// reference goes.
    pub fn new(mtype: &'static ModuleType, value: *mut c_void) -> ModuleValue {
        ModuleValue(Arc::new(ModuleObject {
            mtype,
            value: AtomicPtr::new(value),
        }))
    }

    /// The type.
    pub fn mtype(&self) -> &'static ModuleType {
        self.0.mtype
    }

    /// The type's name (`TYPE` prints it).
    pub fn type_name(&self) -> &'static str {
        self.0.mtype.name
    }

    /// The module's pointer.
    pub fn ptr(&self) -> *mut c_void {
        self.0.value.load(Ordering::Relaxed)
    }

    /// Replaces the module's pointer without freeing the old one, which is returned
    /// (`ModuleTypeReplaceValue`).
    pub fn replace(&self, new: *mut c_void) -> *mut c_void {
        self.0.value.swap(new, Ordering::Relaxed)
    }

    /// `moduleGetMemUsage`: `mem_usage2` or `mem_usage`, else 0.
    pub fn mem_usage(&self, key: Option<&[u8]>, dbid: i32, samples: usize) -> usize {
        let m = &self.0.mtype.methods;
        if let Some(f) = m.mem_usage2 {
            let k = TempStr::new(key);
            let mut c = KeyOptCtx {
                from_key: k.0,
                to_key: std::ptr::null_mut(),
                from_dbid: dbid,
                to_dbid: -1,
            };
            // SAFETY: the module's callback with a live context and its value.
            unsafe { f(&mut c, self.ptr(), samples) }
        } else if let Some(f) = m.mem_usage {
            // SAFETY: the module's callback with its value.
            unsafe { f(self.ptr()) }
        } else {
            0
        }
    }

    /// `moduleGetFreeEffort`: `free_effort2` or `free_effort`, else 1.
    pub fn free_effort(&self, key: Option<&[u8]>, dbid: i32) -> usize {
        let m = &self.0.mtype.methods;
        let k = TempStr::new(key);
        if let Some(f) = m.free_effort2 {
            let mut c = KeyOptCtx {
                from_key: k.0,
                to_key: std::ptr::null_mut(),
                from_dbid: dbid,
                to_dbid: -1,
            };
            // SAFETY: the module's callback with a live context and its value.
            unsafe { f(&mut c, self.ptr()) }
        } else if let Some(f) = m.free_effort {
            // SAFETY: the module's callback with a key string and its value.
            unsafe { f(k.0, self.ptr()) }
        } else {
            1
        }
    }

    /// Tells the module its key left the database (`moduleNotifyKeyUnlink`):
    /// `unlink2` or `unlink`.
    pub fn notify_unlink(&self, key: &[u8], dbid: usize) {
        let m = &self.0.mtype.methods;
        if m.unlink2.is_none() && m.unlink.is_none() {
            return;
        }
        let k = TempStr::new(Some(key));
        if let Some(f) = m.unlink2 {
            let mut c = KeyOptCtx {
                from_key: k.0,
                to_key: std::ptr::null_mut(),
                from_dbid: dbid as c_int,
                to_dbid: -1,
            };
            // SAFETY: the module's callback with a live context and its value.
            unsafe { f(&mut c, self.ptr()) }
        } else if let Some(f) = m.unlink {
            // SAFETY: the module's callback with a key string and its value.
            unsafe { f(k.0, self.ptr()) }
        }
    }

    /// The value's digest for `DEBUG DIGEST` (Redis's `xorObjectDigest` for modules):
    /// the XOR of the sequences the type's `digest` callback ended, zero without one.
    pub fn digest(&self, key: Option<&[u8]>, dbid: i32) -> [u8; 20] {
        let Some(f) = self.0.mtype.methods.digest else {
            return [0; 20];
        };
        let k = TempStr::new(key);
        let mut md = DigestCtx {
            o: [0; 20],
            x: [0; 20],
            key: k.0,
            dbid,
        };
        // SAFETY: the module's callback with a live digest context and its value.
        unsafe { f(&mut md, self.ptr()) };
        md.x
    }

    /// The value's `DEBUG DIGEST-VALUE` as Redis's `xorObjectDigest` computes it for a
    /// module object: the object type mixed in, the XOR of the SHA1 of the type's
    /// digest, and the expire marker when the key has a TTL.
    pub fn object_digest(&self, key: &[u8], dbid: i32, has_expire: bool) -> [u8; 20] {
        /// Redis's `OBJ_MODULE`.
        const OBJ_MODULE: u32 = 5;
        let mut d = [0u8; 20];
        mix_digest(&mut d, &OBJ_MODULE.to_be_bytes());
        if self.0.mtype.methods.digest.is_some() {
            let x = self.digest(Some(key), dbid);
            xor_digest(&mut d, &x);
        }
        if has_expire {
            xor_digest(&mut d, b"!!expire!!");
        }
        d
    }

    /// Duplicates the value for `COPY` with `copy2` or `copy` (Redis's
    /// `moduleTypeDupOrReply`); the error is the reply text.
    pub fn dup(
        &self,
        from: &[u8],
        to: &[u8],
        from_db: usize,
        to_db: usize,
    ) -> Result<ModuleValue, &'static str> {
        let m = &self.0.mtype.methods;
        if m.copy.is_none() && m.copy2.is_none() {
            return Err("not supported for this module key");
        }
        let (f, t) = (TempStr::new(Some(from)), TempStr::new(Some(to)));
        let newval = if let Some(c2) = m.copy2 {
            let mut c = KeyOptCtx {
                from_key: f.0,
                to_key: t.0,
                from_dbid: from_db as c_int,
                to_dbid: to_db as c_int,
            };
            // SAFETY: the module's callback with a live context and its value.
            unsafe { c2(&mut c, self.ptr()) }
        } else if let Some(c1) = m.copy {
            // SAFETY: the module's callback with key strings and its value.
            unsafe { c1(f.0, t.0, self.ptr()) }
        } else {
            std::ptr::null_mut()
        };
        if newval.is_null() {
            return Err("module key failed to copy");
        }
        Ok(ModuleValue::new(self.0.mtype, newval))
    }
}

/// `RedisModuleIO`: the state of one value's serialization, deserialization or AOF
/// rewrite.
pub struct ModuleIo {
    /// The type being saved or loaded.
    pub mtype: &'static ModuleType,
    /// What `RM_Save*` wrote (save), or the payload being read (load).
    pub buf: Vec<u8>,
    /// Read position in `buf` (load).
    pub pos: usize,
    /// Set by any failed operation.
    pub error: bool,
    /// The key being processed, or null.
    pub key: *mut RmString,
    /// The key's database, or -1.
    pub dbid: c_int,
    /// Bytes written or read.
    pub bytes: u64,
    /// The context `GetContextFromIO` created, freed with the IO.
    pub ctx: Option<Box<ModuleCtx>>,
}

impl ModuleIo {
    /// An IO for `mtype` over `buf`, for `key` in `dbid`.
    pub fn new(
        mtype: &'static ModuleType,
        buf: Vec<u8>,
        key: Option<&[u8]>,
        dbid: c_int,
    ) -> ModuleIo {
        ModuleIo {
            mtype,
            buf,
            pos: 0,
            error: false,
            key: key.map(RmString::create).unwrap_or(std::ptr::null_mut()),
            dbid,
            bytes: 0,
            ctx: None,
        }
    }

    /// A reader at the current position.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(self.buf.get(self.pos..).unwrap_or(&[]))
    }

    /// A failed read (`moduleRDBLoadError`): Redis stops the server unless the module
    /// declared `REDISMODULE_OPTIONS_HANDLE_IO_ERRORS`; we log the same message and
    /// flag the error, so the loader fails cleanly instead.
    pub fn load_error(&mut self) {
        if self.mtype.module_options() & coil_modules_api::REDISMODULE_OPTIONS_HANDLE_IO_ERRORS == 0
            && !self.error
        {
            // SAFETY: `key` is null or our own live string.
            let key = unsafe { RmString::bytes_of(self.key as *const c_void) }
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .unwrap_or_else(|| "(null)".into());
            tracing::warn!(
                "Error loading data from RDB (short read or EOF). Read performed by module '{}' about type '{}' after reading '{}' bytes of a value for key named: '{}'.",
                self.mtype.module_name(),
                self.mtype.name,
                self.bytes,
                key
            );
        }
        self.error = true;
    }

    /// Reads one opcode and checks it.
    pub fn expect_opcode(&mut self, op: u64) -> bool {
        if self.error {
            return false;
        }
        let mut r = self.reader();
        match r.length() {
            Some(v) if v == op => {
                self.advance(r.pos());
                true
            }
            _ => {
                self.load_error();
                false
            }
        }
    }

    /// Consumes `n` read bytes.
    pub fn advance(&mut self, n: usize) {
        self.pos += n;
        self.bytes += n as u64;
    }

    /// Writes an opcode and its payload (`RM_Save*`).
    pub fn write(&mut self, op: u64, payload: impl FnOnce(&mut Vec<u8>)) {
        if self.error {
            return;
        }
        let before = self.buf.len();
        rdb_codec::put_len(&mut self.buf, op);
        payload(&mut self.buf);
        self.bytes += (self.buf.len() - before) as u64;
    }
}

impl Drop for ModuleIo {
    fn drop(&mut self) {
        if let Some(mut c) = self.ctx.take() {
            c.finish();
        }
        // SAFETY: we own the key string's reference (or hold null).
        unsafe { RmString::release(self.key) };
    }
}

/// Why a module value could not be serialized or deserialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeIoError {
    /// Not a module value.
    NotModule,
    /// The type has no `rdb_save` / `rdb_load`.
    NoCallback,
    /// No loaded module registered the type of this id (its name).
    UnknownType(String),
    /// The module reported an IO error, returned NULL, or left data unread.
    Failed,
}

impl std::fmt::Display for TypeIoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeIoError::NotModule => write!(f, "not a module value"),
            TypeIoError::NoCallback => write!(f, "the module type has no RDB callback"),
            TypeIoError::UnknownType(n) => write!(
                f,
                "The RDB file contains module data I can't load: no matching module type '{n}'"
            ),
            TypeIoError::Failed => write!(f, "the module failed to save or load the value"),
        }
    }
}

/// Runs the type's `rdb_save` over `value` and returns its opcode stream, without the
/// type id or the EOF opcode (what `RM_SaveDataTypeToString` returns).
///
/// # Safety
/// `value` must be a value of `mtype` (what its `rdb_save` expects).
pub unsafe fn save_raw(
    mtype: &'static ModuleType,
    value: *mut c_void,
    key: Option<&[u8]>,
    dbid: c_int,
) -> Result<Vec<u8>, TypeIoError> {
    let save = mtype.methods.rdb_save.ok_or(TypeIoError::NoCallback)?;
    let mut io = ModuleIo::new(mtype, Vec::new(), key, dbid);
    // SAFETY: the module's callback with a live IO and a value of its type (promised
    // by the caller).
    unsafe { save(&mut io, value) };
    if io.error {
        return Err(TypeIoError::Failed);
    }
    Ok(std::mem::take(&mut io.buf))
}

/// Runs the type's `rdb_load` over an opcode stream (`RM_LoadDataTypeFromStringEncver`
/// and the value part of [`load_value`]). Returns the new pointer and how many bytes
/// were consumed; a NULL result or an IO error is an error (the value, if any, is
/// freed).
pub fn load_raw(
    mtype: &'static ModuleType,
    data: &[u8],
    encver: c_int,
    key: Option<&[u8]>,
    dbid: c_int,
) -> Result<(*mut c_void, usize), TypeIoError> {
    let load = mtype.methods.rdb_load.ok_or(TypeIoError::NoCallback)?;
    let mut io = ModuleIo::new(mtype, data.to_vec(), key, dbid);
    // SAFETY: the module's callback with a live IO.
    let p = unsafe { load(&mut io, encver) };
    if io.error || p.is_null() {
        if !p.is_null() {
            drop(ModuleValue::new(mtype, p));
        }
        return Err(TypeIoError::Failed);
    }
    Ok((p, io.pos))
}

/// Runs the type's `aof_rewrite` for a value under `key`: the commands it emits with
/// `RedisModule_EmitAOF`, in RESP, for an AOF rewrite (`rewriteModuleObject`). A type
/// without the callback emits nothing.
pub fn rewrite_value(value: &Value, key: &[u8], dbid: usize) -> Result<Vec<u8>, TypeIoError> {
    let Value::Module(mv) = value else {
        return Err(TypeIoError::NotModule);
    };
    let Some(rewrite) = mv.mtype().methods.aof_rewrite else {
        return Ok(Vec::new());
    };
    let mut io = ModuleIo::new(mv.mtype(), Vec::new(), Some(key), dbid as c_int);
    let k = TempStr::new(Some(key));
    // SAFETY: the module's callback with a live IO, a key string and its own value.
    unsafe { rewrite(&mut io, k.0, mv.ptr()) };
    if io.error {
        return Err(TypeIoError::Failed);
    }
    Ok(std::mem::take(&mut io.buf))
}

/// Serializes a module value as `rdbSaveObject` does after the `RDB_TYPE_MODULE_2`
/// type byte: the type id, the module's opcode stream, the EOF opcode.
pub fn save_value(value: &Value, key: &[u8], dbid: usize) -> Result<Vec<u8>, TypeIoError> {
    let Value::Module(mv) = value else {
        return Err(TypeIoError::NotModule);
    };
    let mut out = Vec::new();
    rdb_codec::put_len(&mut out, mv.mtype().id);
    // SAFETY: the object holds a value of its own type.
    out.extend(unsafe { save_raw(mv.mtype(), mv.ptr(), Some(key), dbid as c_int) }?);
    rdb_codec::put_len(&mut out, opcode::EOF);
    Ok(out)
}

/// Deserializes what [`save_value`] wrote (or Redis wrote for a module value) through
/// the loaded module that registered the type (any encoding version of its name).
/// Returns the value and the number of bytes consumed.
pub fn load_value(
    srv: &Server,
    payload: &[u8],
    key: &[u8],
    dbid: usize,
) -> Result<(Value, usize), TypeIoError> {
    let mut r = Reader::new(payload);
    let id = r.length().ok_or(TypeIoError::Failed)?;
    let mtype = find_by_id(srv, id).ok_or_else(|| TypeIoError::UnknownType(name_from_id(id)))?;
    let start = r.pos();
    let (p, used) = load_raw(
        mtype,
        &payload[start..],
        (id & 1023) as c_int,
        Some(key),
        dbid as c_int,
    )?;
    let value = ModuleValue::new(mtype, p);
    let mut rest = Reader::new(&payload[start + used..]);
    if rest.length() != Some(opcode::EOF) {
        tracing::warn!(
            "The RDB file contains module data for the module type '{}', that the responsible module did not consume completely.",
            mtype.name
        );
        return Err(TypeIoError::Failed);
    }
    Ok((Value::Module(value), start + used + rest.pos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_ids_as_redis_computes_them() {
        assert_eq!(encode_id(b"AAAAAAAAA", 0), 0);
        assert_eq!(encode_id(b"short", 0), 0);
        assert_eq!(encode_id(b"test___dt", 1024), 0);
        assert_eq!(encode_id(b"test__dt!", 1), 0);
        let id = encode_id(b"test___dt", 1);
        assert_eq!(id & 1023, 1);
        assert_eq!(name_from_id(id), "test___dt");
        // 'B' is 1 and '_' is 63: the low bits of the name come right above encver.
        assert_eq!(encode_id(b"AAAAAAAAB", 0), 1 << 10);
        assert_eq!(encode_id(b"AAAAAAAA_", 3), (63 << 10) | 3);
        assert_eq!(encode_id(b"BAAAAAAAA", 0), 1 << (10 + 48));
    }

    #[test]
    fn digests_mix_and_xor_like_redis() {
        let mut d = [0u8; 20];
        mix_digest(&mut d, b"a");
        let mut e = [0u8; 20];
        xor_digest(&mut e, b"a");
        let e2: [u8; 20] = Sha1::digest(e).into();
        assert_eq!(d, e2);
    }
}
