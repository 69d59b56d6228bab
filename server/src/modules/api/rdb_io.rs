//! Data types: the RDB I/O a type's callbacks use (module.c's "RDB loading and saving
//! functions", "AOF API for modules data types" and "IO context handling"):
//! `Save/Load Unsigned, Signed, String, StringBuffer, Double, Float` (and `LongDouble`
//! in the shim), `IsIOError`, `SaveDataTypeToString`, `LoadDataTypeFromString(Encver)`,
//! `EmitAOF` (shim), `GetContextFromIO`, `GetKeyNameFromIO`, `GetDbIdFromIO`.
//!
//! Every value is written as Redis's `rdb.c` writes it: an opcode
//! (`RDB_MODULE_OPCODE_*`) then the value in the RDB encoding ([`rdb_codec`]), so a
//! payload saved here loads in Redis and the other way round.

use super::call::{build_argv, CallArg};
use super::set_errno;
use super::strings::{create_for, raw_bytes, RmString};
use crate::modules::ctx::ModuleCtx;
use crate::modules::rdb_codec;
use crate::modules::registry::Reg;
use crate::modules::types::{load_raw, opcode, save_raw, ModuleIo, ModuleType};
use std::os::raw::{c_char, c_double, c_float, c_int, c_void};

/// The IO behind a pointer a module passed.
///
/// # Safety
/// `p` must be null or an IO we handed to a type callback that is still running.
pub unsafe fn io_of<'a>(p: *mut c_void) -> Option<&'a mut ModuleIo> {
    // SAFETY: promised by the caller.
    unsafe { (p as *mut ModuleIo).as_mut() }
}

/// The type behind a `RedisModuleType *`.
///
/// # Safety
/// `p` must be null or a pointer `CreateDataType` returned (types are never freed).
pub unsafe fn type_of(p: *const c_void) -> Option<&'static ModuleType> {
    // SAFETY: promised by the caller; types live for the whole process.
    unsafe { (p as *const ModuleType).as_ref() }
}

/// The name of the module owning an IO's type, for `LogIOError`.
///
/// # Safety
/// `io` must be null or a live IO.
pub unsafe fn io_module_name(io: *mut c_void) -> String {
    // SAFETY: promised by the caller.
    match unsafe { io_of(io) } {
        Some(io) => io.mtype.module_name(),
        None => "module".into(),
    }
}

unsafe extern "C" fn is_io_error(io: *mut c_void) -> c_int {
    // SAFETY: a live IO (or null).
    unsafe { io_of(io) }.map_or(1, |io| c_int::from(io.error))
}

unsafe extern "C" fn save_unsigned(io: *mut c_void, value: u64) {
    // SAFETY: a live IO (or null).
    if let Some(io) = unsafe { io_of(io) } {
        io.write(opcode::UINT, |b| rdb_codec::put_len(b, value));
    }
}

/// Reads an opcode, then a value with `read`; a mismatch or short read is an IO error.
fn load_with<T: Default>(
    io: *mut c_void,
    op: u64,
    read: impl FnOnce(&mut rdb_codec::Reader<'_>) -> Option<T>,
) -> T {
    // SAFETY: a live IO (or null).
    let Some(io) = (unsafe { io_of(io) }) else {
        return T::default();
    };
    if !io.expect_opcode(op) {
        return T::default();
    }
    let mut r = io.reader();
    match read(&mut r) {
        Some(v) => {
            let n = r.pos();
            io.advance(n);
            v
        }
        None => {
            io.load_error();
            T::default()
        }
    }
}

unsafe extern "C" fn load_unsigned(io: *mut c_void) -> u64 {
    load_with(io, opcode::UINT, |r| r.length())
}

unsafe extern "C" fn save_signed(io: *mut c_void, value: i64) {
    // SAFETY: forwarded; signed values are saved as their unsigned bits, as in Redis.
    unsafe { save_unsigned(io, value as u64) }
}

unsafe extern "C" fn load_signed(io: *mut c_void) -> i64 {
    // SAFETY: forwarded.
    unsafe { load_unsigned(io) as i64 }
}

/// Saves a string value with its opcode.
fn save_bytes(io: *mut c_void, data: &[u8]) {
    // SAFETY: a live IO (or null).
    if let Some(io) = unsafe { io_of(io) } {
        io.write(opcode::STRING, |b| rdb_codec::put_string(b, data));
    }
}

unsafe extern "C" fn save_string(io: *mut c_void, s: *mut RmString) {
    // SAFETY: a live module string (or null, saved as empty).
    let data = unsafe { RmString::bytes_of(s as *const c_void) }.unwrap_or(b"");
    save_bytes(io, data);
}

unsafe extern "C" fn save_string_buffer(io: *mut c_void, ptr: *const c_char, len: usize) {
    // SAFETY: `len` bytes at `ptr`, from the module.
    save_bytes(io, unsafe { raw_bytes(ptr, len) });
}

/// Loads a string value (`moduleLoadString`); `None` after an IO error.
fn load_bytes(io: *mut c_void) -> Option<Vec<u8>> {
    // SAFETY: a live IO (or null).
    let ok = unsafe { io_of(io) }.is_some_and(|i| !i.error);
    if !ok {
        return None;
    }
    let v: Option<Vec<u8>> = load_with(io, opcode::STRING, |r| r.string().map(Some));
    v
}

unsafe extern "C" fn load_string(io: *mut c_void) -> *mut RmString {
    match load_bytes(io) {
        Some(v) => RmString::create(&v),
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn load_string_buffer(io: *mut c_void, lenptr: *mut usize) -> *mut c_char {
    let Some(v) = load_bytes(io) else {
        return std::ptr::null_mut();
    };
    // SAFETY: a jemalloc block the module frees with RedisModule_Free (not NUL
    // terminated, as in Redis); `v.len()` bytes are copied into it.
    let p = unsafe {
        let p = tikv_jemalloc_sys::malloc(v.len().max(1)) as *mut u8;
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
        }
        p
    };
    if !lenptr.is_null() {
        // SAFETY: the module's output slot.
        unsafe { *lenptr = v.len() };
    }
    p as *mut c_char
}

unsafe extern "C" fn save_double(io: *mut c_void, value: c_double) {
    // SAFETY: a live IO (or null).
    if let Some(io) = unsafe { io_of(io) } {
        io.write(opcode::DOUBLE, |b| rdb_codec::put_double(b, value));
    }
}

unsafe extern "C" fn load_double(io: *mut c_void) -> c_double {
    load_with(io, opcode::DOUBLE, |r| r.double())
}

unsafe extern "C" fn save_float(io: *mut c_void, value: c_float) {
    // SAFETY: a live IO (or null).
    if let Some(io) = unsafe { io_of(io) } {
        io.write(opcode::FLOAT, |b| rdb_codec::put_float(b, value));
    }
}

unsafe extern "C" fn load_float(io: *mut c_void) -> c_float {
    load_with(io, opcode::FLOAT, |r| r.float())
}

unsafe extern "C" fn load_data_type_from_string_encver(
    s: *const RmString,
    mt: *const c_void,
    encver: c_int,
) -> *mut c_void {
    // SAFETY: a live module string and a registered type (or null).
    let (Some(data), Some(mt)) = (unsafe { RmString::bytes_of(s as *const c_void) }, unsafe {
        type_of(mt)
    }) else {
        return std::ptr::null_mut();
    };
    match load_raw(mt, data, encver, None, -1) {
        Ok((p, _)) => p,
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn load_data_type_from_string(
    s: *const RmString,
    mt: *const c_void,
) -> *mut c_void {
    // SAFETY: forwarded.
    unsafe { load_data_type_from_string_encver(s, mt, 0) }
}

unsafe extern "C" fn save_data_type_to_string(
    ctx: *mut c_void,
    data: *mut c_void,
    mt: *const c_void,
) -> *mut RmString {
    // SAFETY: a registered type (or null).
    let Some(mt) = (unsafe { type_of(mt) }) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the module passes a value of the type it names.
    match unsafe { save_raw(mt, data, None, -1) } {
        Ok(bytes) => create_for(ctx, &bytes),
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_context_from_io(io: *mut c_void) -> *mut c_void {
    // SAFETY: a live IO (or null).
    let Some(io) = (unsafe { io_of(io) }) else {
        return std::ptr::null_mut();
    };
    if io.ctx.is_none() {
        let module = io.mtype.module_ptr();
        // SAFETY: the type's module is loaded (or the pointer is null).
        let srv = unsafe { module.as_ref() }
            .map(|m| m.srv)
            .unwrap_or(std::ptr::null_mut());
        io.ctx = Some(Box::new(ModuleCtx::new(
            srv,
            std::ptr::null_mut(),
            module,
            0,
        )));
    }
    match io.ctx.as_mut() {
        Some(c) => c.as_ptr() as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn get_key_name_from_io(io: *mut c_void) -> *const RmString {
    // SAFETY: a live IO (or null).
    unsafe { io_of(io) }.map_or(std::ptr::null(), |io| io.key as *const RmString)
}

unsafe extern "C" fn get_db_id_from_io(io: *mut c_void) -> c_int {
    // SAFETY: a live IO (or null).
    unsafe { io_of(io) }.map_or(-1, |io| io.dbid)
}

/// Shim hook for `RedisModule_EmitAOF`: the command goes into the rewrite's buffer in
/// RESP (a null `fmt` means the format had an unknown specifier).
///
/// # Safety
/// Called by the C shim with the module's IO, a C string, and `n` arguments.
pub unsafe extern "C" fn hook_emit_aof(
    io: *mut c_void,
    cmd: *const c_char,
    fmt: *const c_char,
    args: *const CallArg,
    n: usize,
) {
    // SAFETY: a live IO (or null).
    let Some(io) = (unsafe { io_of(io) }) else {
        return;
    };
    if io.error {
        return;
    }
    // SAFETY: C strings from the module.
    let (name, fmt_text) = unsafe {
        (
            String::from_utf8_lossy(super::strings::cstr_bytes(cmd)).into_owned(),
            String::from_utf8_lossy(super::strings::cstr_bytes(fmt)).into_owned(),
        )
    };
    let module = io.mtype.module_ptr();
    // SAFETY: the type's module and its server, alive while it is loaded.
    let known = unsafe { module.as_ref().and_then(|m| m.srv.as_ref()) }
        .is_some_and(|srv| srv.commands.lookup_name(&name).is_some());
    if !known {
        tracing::warn!(
            "Fatal: AOF method for module data type '{}' tried to emit unknown command '{}'",
            io.mtype.name,
            name
        );
        io.error = true;
        set_errno(libc::EINVAL);
        return;
    }
    if fmt.is_null() {
        tracing::warn!(
            "Fatal: AOF method for module data type '{}' tried to call RedisModule_EmitAOF() with wrong format specifiers '{}'",
            io.mtype.name,
            fmt_text
        );
        io.error = true;
        set_errno(libc::EINVAL);
        return;
    }
    // SAFETY: `n` arguments from the shim.
    let argv = unsafe { build_argv(cmd, args, n) };
    let before = io.buf.len();
    io.buf
        .extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in &argv {
        io.buf
            .extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        io.buf.extend_from_slice(a);
        io.buf.extend_from_slice(b"\r\n");
    }
    io.bytes += (io.buf.len() - before) as u64;
}

/// Shim hook for `RedisModule_SaveLongDouble`: its text form saved as a string.
///
/// # Safety
/// Called by the C shim with the module's IO and `len` bytes at `ptr`.
pub unsafe extern "C" fn hook_save_string_buffer(io: *mut c_void, ptr: *const c_char, len: usize) {
    // SAFETY: forwarded.
    unsafe { save_string_buffer(io, ptr, len) }
}

/// Shim hook for `RedisModule_LoadLongDouble`: copies the next string into `buf`;
/// `usize::MAX` after an IO error or when it does not fit.
///
/// # Safety
/// Called by the C shim with the module's IO and a buffer of `cap` bytes.
pub unsafe extern "C" fn hook_load_string_into(
    io: *mut c_void,
    buf: *mut c_char,
    cap: usize,
) -> usize {
    match load_bytes(io) {
        Some(v) if v.len() <= cap && !buf.is_null() => {
            // SAFETY: `buf` has room for `cap >= v.len()` bytes.
            unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), buf as *mut u8, v.len()) };
            v.len()
        }
        _ => usize::MAX,
    }
}

/// Registers the group (`SaveLongDouble`, `LoadLongDouble` and `EmitAOF` are in the
/// shim).
pub fn register(r: &mut Reg) {
    r.add("IsIOError", is_io_error as *const () as usize);
    r.add("SaveUnsigned", save_unsigned as *const () as usize);
    r.add("LoadUnsigned", load_unsigned as *const () as usize);
    r.add("SaveSigned", save_signed as *const () as usize);
    r.add("LoadSigned", load_signed as *const () as usize);
    r.add("SaveString", save_string as *const () as usize);
    r.add("SaveStringBuffer", save_string_buffer as *const () as usize);
    r.add("LoadString", load_string as *const () as usize);
    r.add("LoadStringBuffer", load_string_buffer as *const () as usize);
    r.add("SaveDouble", save_double as *const () as usize);
    r.add("LoadDouble", load_double as *const () as usize);
    r.add("SaveFloat", save_float as *const () as usize);
    r.add("LoadFloat", load_float as *const () as usize);
    r.add(
        "LoadDataTypeFromStringEncver",
        load_data_type_from_string_encver as *const () as usize,
    );
    r.add(
        "LoadDataTypeFromString",
        load_data_type_from_string as *const () as usize,
    );
    r.add(
        "SaveDataTypeToString",
        save_data_type_to_string as *const () as usize,
    );
    r.add(
        "GetContextFromIO",
        get_context_from_io as *const () as usize,
    );
    r.add(
        "GetKeyNameFromIO",
        get_key_name_from_io as *const () as usize,
    );
    r.add("GetDbIdFromIO", get_db_id_from_io as *const () as usize);
}
