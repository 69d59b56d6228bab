//! Values stored under keys, and the string type's encodings.

use super::hash::Hash;
use super::list::List;
use super::sbytes::INLINE_CAP;
use super::set::Set;
use super::zset::ZSet;
use crate::util::parse_i64;
use std::borrow::Cow;

/// Longest string Redis keeps in the `embstr` encoding.
pub const EMBSTR_MAX: usize = 44;

/// A string value in one of Redis's encodings: `int` for integers, `embstr` for short
/// strings, `raw` for long or modified ones.
#[derive(Clone, Debug)]
pub enum StrValue {
    /// A decimal integer with no leading zeros (encoding `int`).
    Int(i64),
    /// Up to [`INLINE_CAP`] bytes stored in place (`embstr`).
    Inline {
        /// Used bytes.
        len: u8,
        /// Data.
        data: [u8; INLINE_CAP],
    },
    /// An immutable heap string (`embstr` up to 44 bytes, `raw` beyond).
    Boxed(Box<[u8]>),
    /// A string grown in place by `APPEND`, `SETRANGE`, `SETBIT`... (`raw`), with spare
    /// capacity so repeated appends stay amortised O(1).
    Raw(Box<Vec<u8>>),
}

impl StrValue {
    /// Stores `b` in the most compact encoding Redis would pick for a new value.
    pub fn from_bytes(b: &[u8]) -> StrValue {
        if b.len() <= 20 {
            if let Some(n) = parse_i64(b) {
                return StrValue::Int(n);
            }
        }
        if b.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..b.len()].copy_from_slice(b);
            StrValue::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            StrValue::Boxed(b.into())
        }
    }

    /// Stores `b` as `embstr` (up to 44 bytes) or `raw`, never as `int`: Redis's
    /// `createStringObject` without `tryObjectEncoding` (e.g. `INCRBYFLOAT` results).
    pub fn from_bytes_no_int(b: &[u8]) -> StrValue {
        if b.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..b.len()].copy_from_slice(b);
            StrValue::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            StrValue::Boxed(b.into())
        }
    }

    /// Stores `b` without trying the integer encoding (what Redis does for values that
    /// will be modified in place).
    pub fn raw(b: Vec<u8>) -> StrValue {
        StrValue::Raw(Box::new(b))
    }

    /// The string's bytes (integers formatted on demand).
    #[inline]
    pub fn as_bytes(&self) -> Cow<'_, [u8]> {
        match self {
            StrValue::Int(n) => Cow::Owned(n.to_string().into_bytes()),
            StrValue::Inline { len, data } => Cow::Borrowed(&data[..*len as usize]),
            StrValue::Boxed(b) => Cow::Borrowed(b),
            StrValue::Raw(v) => Cow::Borrowed(v),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(n) => int_len(*n),
            StrValue::Inline { len, .. } => *len as usize,
            StrValue::Boxed(b) => b.len(),
            StrValue::Raw(v) => v.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as an integer, if it is one by Redis's rules.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(n) => Some(*n),
            other => {
                let b = other.as_bytes();
                if b.len() > 20 {
                    None
                } else {
                    parse_i64(&b)
                }
            }
        }
    }

    /// `OBJECT ENCODING`'s name for this value.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Inline { .. } => "embstr",
            StrValue::Boxed(b) if b.len() <= EMBSTR_MAX => "embstr",
            _ => "raw",
        }
    }

    /// Converts to the growable `raw` encoding and returns the buffer.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, StrValue::Raw(_)) {
            let v = self.as_bytes().into_owned();
            *self = StrValue::Raw(Box::new(v));
        }
        match self {
            StrValue::Raw(v) => v,
            _ => unreachable!("converted above"),
        }
    }

    /// Bytes allocated on the heap for this value (for `MEMORY USAGE`).
    pub fn heap_size(&self) -> usize {
        match self {
            StrValue::Int(_) | StrValue::Inline { .. } => 0,
            StrValue::Boxed(b) => b.len(),
            StrValue::Raw(v) => v.capacity() + std::mem::size_of::<Vec<u8>>(),
        }
    }
}

fn int_len(n: i64) -> usize {
    let mut len = if n < 0 { 2 } else { 1 };
    let mut v = n.unsigned_abs() / 10;
    while v > 0 {
        len += 1;
        v /= 10;
    }
    len
}

/// A value of any type.
#[derive(Clone, Debug)]
pub enum Value {
    /// `string`
    Str(StrValue),
    /// `list`
    List(Box<List>),
    /// `hash`
    Hash(Box<Hash>),
    /// `set`
    Set(Box<Set>),
    /// `zset`
    ZSet(Box<ZSet>),
    /// A value of a data type a module registered (`TYPE` prints the type's name).
    Module(crate::modules::types::ModuleValue),
}

/// The type of a value, as `TYPE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// `string`
    String,
    /// `list`
    List,
    /// `hash`
    Hash,
    /// `set`
    Set,
    /// `zset`
    ZSet,
    /// A module data type (all module types; [`Value::type_name`] tells them apart).
    Module,
}

impl ValueType {
    /// The name `TYPE` prints.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Hash => "hash",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Module => "module",
        }
    }

    /// Parses a `SCAN ... TYPE` / `TYPE` name.
    pub fn from_name(name: &[u8]) -> Option<ValueType> {
        Some(match name.to_ascii_lowercase().as_slice() {
            b"string" => ValueType::String,
            b"list" => ValueType::List,
            b"hash" => ValueType::Hash,
            b"set" => ValueType::Set,
            b"zset" => ValueType::ZSet,
            _ => return None,
        })
    }
}

impl Value {
    /// A string value from bytes.
    pub fn string(b: &[u8]) -> Value {
        Value::Str(StrValue::from_bytes(b))
    }

    /// This value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Str(_) => ValueType::String,
            Value::List(_) => ValueType::List,
            Value::Hash(_) => ValueType::Hash,
            Value::Set(_) => ValueType::Set,
            Value::ZSet(_) => ValueType::ZSet,
            Value::Module(_) => ValueType::Module,
        }
    }

    /// The name `TYPE` prints: the type's name, a module type's own 9-character name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Module(m) => m.type_name(),
            v => v.value_type().name(),
        }
    }

    /// `OBJECT ENCODING`'s name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            // Redis creates module objects with OBJ_ENCODING_RAW.
            Value::Module(_) => "raw",
        }
    }

    /// An estimate of the bytes this value holds, for `MEMORY USAGE` and `DEBUG OBJECT`.
    pub fn memory_usage(&self) -> usize {
        // A module type's own estimate may be anything: wrap as C's size_t would.
        std::mem::size_of::<Value>().wrapping_add(match self {
            Value::Str(s) => s.heap_size(),
            Value::List(l) => l.memory_usage(),
            Value::Hash(h) => h.memory_usage(),
            Value::Set(s) => s.memory_usage(),
            Value::ZSet(z) => z.memory_usage(),
            Value::Module(m) => m.mem_usage(None, -1, 5),
        })
    }

    /// Number of elements (1 for strings; a module type's `free_effort`), used to
    /// decide on lazy freeing.
    pub fn element_count(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::Module(m) => m.free_effort(None, -1),
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_sizes() {
        assert_eq!(std::mem::size_of::<StrValue>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn encodings() {
        assert_eq!(StrValue::from_bytes(b"123").encoding(), "int");
        assert_eq!(StrValue::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(StrValue::from_bytes(&[b'a'; 45]).encoding(), "raw");
        let mut s = StrValue::from_bytes(b"12");
        s.make_raw().push(b'3');
        assert_eq!(s.encoding(), "raw");
        assert_eq!(s.as_bytes().as_ref(), b"123");
        assert_eq!(StrValue::Int(-120).len(), 4);
    }
}
