//! Module data in RDB files: values of module types (`RDB_TYPE_MODULE_2`) and module
//! AUX data, written and read through the module's own callbacks.
//!
//! The module host plugs in through [`ModuleHooks`] (in `srv.persist.module_hooks`):
//! it turns a module value into its type id and a payload written with a
//! [`ModuleWriter`], and a type id plus a [`ModuleReader`] back into a value. The
//! payload is Redis's annotated form: every field is preceded by its opcode
//! (`RDB_MODULE_OPCODE_UINT` ...), and a value ends with `RDB_MODULE_OPCODE_EOF`.

use super::consts::*;
use super::reader::Reader;
use super::writer::RdbWriter;
use super::RdbError;
use crate::server::Server;
use std::io::{self, Write};

/// Module AUX data saved before the keys (`REDISMODULE_AUX_BEFORE_RDB`).
pub const AUX_BEFORE_RDB: u64 = 1;
/// Module AUX data saved after the keys (`REDISMODULE_AUX_AFTER_RDB`).
pub const AUX_AFTER_RDB: u64 = 2;

/// What a module value's `rdb_save` callback writes to (Redis's `RedisModuleIO` for
/// saving): each call writes an opcode and the field.
pub struct ModuleWriter {
    w: RdbWriter<Vec<u8>>,
    /// Set when a write failed; the save fails.
    pub error: bool,
}

impl ModuleWriter {
    /// A writer; `compress` follows `rdbcompression`.
    pub fn new(compress: bool) -> ModuleWriter {
        ModuleWriter {
            w: RdbWriter::new(Vec::new(), compress, false),
            error: false,
        }
    }

    fn check(&mut self, r: io::Result<()>) {
        if r.is_err() {
            self.error = true;
        }
    }

    /// `RedisModule_SaveUnsigned`.
    pub fn save_unsigned(&mut self, v: u64) {
        let r = self.w.len(MODULE_OPCODE_UINT).and_then(|_| self.w.len(v));
        self.check(r);
    }

    /// `RedisModule_SaveSigned`.
    pub fn save_signed(&mut self, v: i64) {
        let r = self
            .w
            .len(MODULE_OPCODE_SINT)
            .and_then(|_| self.w.len(v as u64));
        self.check(r);
    }

    /// `RedisModule_SaveStringBuffer`.
    pub fn save_string(&mut self, s: &[u8]) {
        let r = self
            .w
            .len(MODULE_OPCODE_STRING)
            .and_then(|_| self.w.string(s));
        self.check(r);
    }

    /// `RedisModule_SaveDouble`.
    pub fn save_double(&mut self, d: f64) {
        let r = self
            .w
            .len(MODULE_OPCODE_DOUBLE)
            .and_then(|_| self.w.binary_double(d));
        self.check(r);
    }

    /// `RedisModule_SaveFloat`.
    pub fn save_float(&mut self, f: f32) {
        let r = self
            .w
            .len(MODULE_OPCODE_FLOAT)
            .and_then(|_| self.w.raw(&f.to_le_bytes()));
        self.check(r);
    }

    /// True when nothing was written (an `aux_save2` that saved nothing is skipped).
    pub fn is_empty(&self) -> bool {
        self.w.written() == 0
    }

    /// The payload written so far.
    pub fn into_payload(self) -> Vec<u8> {
        self.w.into_inner().map(|(v, _)| v).unwrap_or_default()
    }
}

/// What a module value's `rdb_load` callback reads from (Redis's `RedisModuleIO` for
/// loading). A read of the wrong kind of field or past the end sets `error`.
pub struct ModuleReader<'r, 'a> {
    r: &'r mut Reader<'a>,
    /// Set when a read failed; the load fails.
    pub error: bool,
}

impl<'r, 'a> ModuleReader<'r, 'a> {
    /// A reader at the current position of `r`.
    pub fn new(r: &'r mut Reader<'a>) -> ModuleReader<'r, 'a> {
        ModuleReader { r, error: false }
    }

    fn opcode(&mut self, want: u64) -> bool {
        if self.error {
            return false;
        }
        match self.r.len() {
            Ok(op) if op == want => true,
            _ => {
                self.error = true;
                false
            }
        }
    }

    /// `RedisModule_LoadUnsigned`.
    pub fn load_unsigned(&mut self) -> u64 {
        if !self.opcode(MODULE_OPCODE_UINT) {
            return 0;
        }
        self.r.len().unwrap_or_else(|_| {
            self.error = true;
            0
        })
    }

    /// `RedisModule_LoadSigned`.
    pub fn load_signed(&mut self) -> i64 {
        if !self.opcode(MODULE_OPCODE_SINT) {
            return 0;
        }
        self.r.len().map(|v| v as i64).unwrap_or_else(|_| {
            self.error = true;
            0
        })
    }

    /// `RedisModule_LoadStringBuffer`.
    pub fn load_string(&mut self) -> Vec<u8> {
        if !self.opcode(MODULE_OPCODE_STRING) {
            return Vec::new();
        }
        match self.r.string() {
            Ok(s) => s.into_vec(),
            Err(_) => {
                self.error = true;
                Vec::new()
            }
        }
    }

    /// `RedisModule_LoadDouble`.
    pub fn load_double(&mut self) -> f64 {
        if !self.opcode(MODULE_OPCODE_DOUBLE) {
            return 0.0;
        }
        self.r.binary_double().unwrap_or_else(|_| {
            self.error = true;
            0.0
        })
    }

    /// `RedisModule_LoadFloat`.
    pub fn load_float(&mut self) -> f32 {
        if !self.opcode(MODULE_OPCODE_FLOAT) {
            return 0.0;
        }
        match self.r.bytes(4) {
            Ok(b) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Err(_) => {
                self.error = true;
                0.0
            }
        }
    }
}

/// Loads module AUX data of the module with `type_id`, saved at `when`.
pub type LoadAuxHook = fn(
    srv: &mut Server,
    type_id: u64,
    when: u64,
    io: &mut ModuleReader<'_, '_>,
) -> Result<(), String>;
/// Saves every module type's AUX data for `when`: (type id, payload) pairs.
pub type SaveAuxHook = fn(srv: &Server, when: u64, compress: bool) -> Vec<(u64, Vec<u8>)>;

/// How the RDB code reaches module AUX data (values go through
/// `modules::types::save_value`/`load_value`). The defaults know no AUX data.
#[derive(Clone, Copy)]
pub struct ModuleHooks {
    /// Loads module AUX data.
    pub load_aux: LoadAuxHook,
    /// Saves module AUX data.
    pub save_aux: SaveAuxHook,
}

impl Default for ModuleHooks {
    fn default() -> Self {
        ModuleHooks {
            load_aux: |_, id, _, _| {
                Err(format!(
                    "The RDB file contains AUX module data I can't load: no matching module '{}'",
                    type_name(id)
                ))
            },
            save_aux: |_, _, _| Vec::new(),
        }
    }
}

const NAME_CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Redis's module type id: the 9-character name in 6 bits a character, then the
/// 10-bit encoding version. `None` for a name that is not 9 characters of the charset.
pub fn type_id(name: &[u8], encver: u32) -> Option<u64> {
    if name.len() != 9 {
        return None;
    }
    let mut id: u64 = 0;
    for &c in name {
        let pos = NAME_CHARSET.iter().position(|&x| x == c)? as u64;
        id = (id << 6) | pos;
    }
    Some((id << 10) | u64::from(encver & 1023))
}

/// The 9-character name in a module type id (Redis's `moduleTypeNameByID`).
pub fn type_name(id: u64) -> String {
    let mut id = id >> 10;
    let mut name = [0u8; 9];
    for j in (0..9).rev() {
        name[j] = NAME_CHARSET[(id & 63) as usize];
        id >>= 6;
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// Writes a module value: the type byte, the type id, the payload its `rdb_save`
/// wrote, and the EOF opcode.
pub fn write_value<W: Write>(w: &mut RdbWriter<W>, type_id: u64, payload: &[u8]) -> io::Result<()> {
    w.len(type_id)?;
    w.raw(payload)?;
    w.len(MODULE_OPCODE_EOF)
}

/// Writes every module's AUX data for `when`.
pub fn write_aux<W: Write>(w: &mut RdbWriter<W>, srv: &Server, when: u64) -> io::Result<()> {
    let compress = srv.config.get("rdbcompression").as_deref() != Some("no");
    for (id, payload) in (srv.persist.module_hooks.save_aux)(srv, when, compress) {
        w.byte(RDB_OPCODE_MODULE_AUX)?;
        w.len(id)?;
        w.len(MODULE_OPCODE_UINT)?;
        w.len(when)?;
        w.raw(&payload)?;
        w.len(MODULE_OPCODE_EOF)?;
    }
    Ok(())
}

/// Reads module AUX data after its opcode.
pub fn read_aux(srv: &mut Server, r: &mut Reader<'_>) -> Result<(), RdbError> {
    let id = r.len()?;
    if r.len()? != MODULE_OPCODE_UINT {
        return Err(RdbError::corrupt("bad when_opcode"));
    }
    let when = r.len()?;
    let hook = srv.persist.module_hooks.load_aux;
    let mut io = ModuleReader::new(r);
    hook(srv, id, when, &mut io).map_err(RdbError::corrupt)?;
    if io.error {
        return Err(RdbError::corrupt(format!("The RDB file contains module AUX data for the module type '{}', that the responsible module is not able to load. Check for modules log above for additional clues.", type_name(id))));
    }
    if r.len()? != MODULE_OPCODE_EOF {
        return Err(RdbError::corrupt(format!("The RDB file contains module AUX data for the module '{}' that is not terminated by the proper module value EOF marker", type_name(id))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_ids() {
        let id = type_id(b"mytype123", 7).expect("valid name");
        assert_eq!(id & 1023, 7);
        assert_eq!(type_name(id), "mytype123");
        assert!(type_id(b"short", 0).is_none());
        assert!(type_id(b"bad name!", 0).is_none());
    }

    #[test]
    fn fields_roundtrip() {
        let mut w = ModuleWriter::new(true);
        w.save_unsigned(42);
        w.save_signed(-7);
        w.save_string(b"hello world hello world hello world");
        w.save_double(1.5);
        w.save_float(2.25);
        let p = w.into_payload();
        let mut r = Reader::new(&p);
        let mut io = ModuleReader::new(&mut r);
        assert_eq!(io.load_unsigned(), 42);
        assert_eq!(io.load_signed(), -7);
        assert_eq!(io.load_string(), b"hello world hello world hello world");
        assert_eq!(io.load_double(), 1.5);
        assert_eq!(io.load_float(), 2.25);
        assert!(!io.error);
        assert_eq!(io.load_unsigned(), 0);
        assert!(io.error);
    }
}
