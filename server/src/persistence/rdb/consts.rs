//! RDB format constants (Redis's `rdb.h`).

/// The version Coil writes: Redis 7.0's, which every Redis 7.x and 8.x loads.
pub const RDB_VERSION_WRITTEN: u16 = 10;
/// The version written when a hash has field TTLs (types 24/25 need Redis 7.4).
pub const RDB_VERSION_HFE: u16 = 12;
/// The newest version Coil reads.
pub const RDB_VERSION_MAX: u16 = 12;

/// Length prefix: 32-bit big-endian length follows.
pub const RDB_32BITLEN: u8 = 0x80;
/// Length prefix: 64-bit big-endian length follows.
pub const RDB_64BITLEN: u8 = 0x81;
/// The top bits `11` of a length byte: a special encoding follows.
pub const ENC_PREFIX: u8 = 0xC0;
/// 8-bit integer string.
pub const RDB_ENC_INT8: u8 = 0;
/// 16-bit integer string.
pub const RDB_ENC_INT16: u8 = 1;
/// 32-bit integer string.
pub const RDB_ENC_INT32: u8 = 2;
/// LZF-compressed string.
pub const RDB_ENC_LZF: u8 = 3;

/// String.
pub const TYPE_STRING: u8 = 0;
/// Linked list of strings (before 3.2).
pub const TYPE_LIST: u8 = 1;
/// Set as a sequence of strings.
pub const TYPE_SET: u8 = 2;
/// Sorted set with string scores (before 5.0).
pub const TYPE_ZSET: u8 = 3;
/// Hash as field/value strings.
pub const TYPE_HASH: u8 = 4;
/// Sorted set with binary scores.
pub const TYPE_ZSET_2: u8 = 5;
/// Module value from 4.0 release candidates.
pub const TYPE_MODULE_PRE_GA: u8 = 6;
/// Module value with annotated fields.
pub const TYPE_MODULE_2: u8 = 7;
/// Hash as a zipmap (before 2.6).
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// List as one ziplist.
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Set as an intset.
pub const TYPE_SET_INTSET: u8 = 11;
/// Sorted set as a ziplist.
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Hash as a ziplist.
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// List as a quicklist of ziplists (3.2 - 6.2).
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Stream (first version).
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Hash as a listpack.
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Sorted set as a listpack.
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// List as a quicklist of listpacks and plain nodes.
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Stream (second version).
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Set as a listpack (RDB 11).
pub const TYPE_SET_LISTPACK: u8 = 20;
/// Stream (third version).
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;
/// Hash with field TTLs, absolute (7.4 release candidates).
pub const TYPE_HASH_METADATA_PRE_GA: u8 = 22;
/// Listpack hash with field TTLs (7.4 release candidates).
pub const TYPE_HASH_LISTPACK_EX_PRE_GA: u8 = 23;
/// Hash with field TTLs relative to a stored minimum.
pub const TYPE_HASH_METADATA: u8 = 24;
/// Listpack hash with field TTLs, after the minimum TTL.
pub const TYPE_HASH_LISTPACK_EX: u8 = 25;

/// Slot info (cluster).
pub const RDB_OPCODE_SLOT_INFO: u8 = 244;
/// A function library.
pub const RDB_OPCODE_FUNCTION2: u8 = 245;
/// Old function format (7.0 release candidates).
pub const RDB_OPCODE_FUNCTION_PRE_GA: u8 = 246;
/// Module auxiliary data.
pub const RDB_OPCODE_MODULE_AUX: u8 = 247;
/// LRU idle time of the next key.
pub const RDB_OPCODE_IDLE: u8 = 248;
/// LFU frequency of the next key.
pub const RDB_OPCODE_FREQ: u8 = 249;
/// Auxiliary field.
pub const RDB_OPCODE_AUX: u8 = 250;
/// Hash table size hint.
pub const RDB_OPCODE_RESIZEDB: u8 = 251;
/// Expire time in ms of the next key.
pub const RDB_OPCODE_EXPIRETIME_MS: u8 = 252;
/// Expire time in seconds of the next key.
pub const RDB_OPCODE_EXPIRETIME: u8 = 253;
/// Database selector.
pub const RDB_OPCODE_SELECTDB: u8 = 254;
/// End of file.
pub const RDB_OPCODE_EOF: u8 = 255;

/// Module value field: end.
pub const MODULE_OPCODE_EOF: u64 = 0;
/// Module value field: signed integer.
pub const MODULE_OPCODE_SINT: u64 = 1;
/// Module value field: unsigned integer.
pub const MODULE_OPCODE_UINT: u64 = 2;
/// Module value field: float.
pub const MODULE_OPCODE_FLOAT: u64 = 3;
/// Module value field: double.
pub const MODULE_OPCODE_DOUBLE: u64 = 4;
/// Module value field: string.
pub const MODULE_OPCODE_STRING: u64 = 5;

/// Quicklist node holding one element as it is.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
/// Quicklist node holding a listpack (or a ziplist in type 14).
pub const QUICKLIST_NODE_PACKED: u64 = 2;
/// Elements at least this large get a plain node of their own.
pub const PACKED_THRESHOLD: usize = 1 << 30;

/// The largest absolute hash-field expire time (`EB_EXPIRE_TIME_MAX`).
pub const HFE_MAX: u64 = (1u64 << 48) - 1;
