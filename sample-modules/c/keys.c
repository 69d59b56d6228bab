/* keys: the generic key API and the string key API. OpenKey in its modes, KeyType,
 * ValueLength, DeleteKey/UnlinkKey, the expire functions, LRU/LFU, KeyExists,
 * SignalModifiedKey, DbSize, RandomKey, ResetDataset, key names and db ids, StringSet,
 * StringDMA, StringTruncate, and the keyspace Scan / ScanKey.
 *
 * Built against modules-api/include/redismodule.h; loads unchanged into Redis 7.4. */

#include "redismodule.h"
#include <errno.h>
#include <string.h>
#include <strings.h>

/* Parses an OpenKey mode string: r w t(notouch) n(nonotify) s(nostats) e(noexpire)
 * x(noeffects). */
static int parse_mode(RedisModuleString *s) {
    size_t len;
    const char *p = RedisModule_StringPtrLen(s, &len);
    int mode = 0;
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case 'r': mode |= REDISMODULE_READ; break;
        case 'w': mode |= REDISMODULE_WRITE; break;
        case 't': mode |= REDISMODULE_OPEN_KEY_NOTOUCH; break;
        case 'n': mode |= REDISMODULE_OPEN_KEY_NONOTIFY; break;
        case 's': mode |= REDISMODULE_OPEN_KEY_NOSTATS; break;
        case 'e': mode |= REDISMODULE_OPEN_KEY_NOEXPIRE; break;
        case 'x': mode |= REDISMODULE_OPEN_KEY_NOEFFECTS; break;
        }
    }
    return mode;
}

static const char *type_name(int t) {
    switch (t) {
    case REDISMODULE_KEYTYPE_EMPTY: return "empty";
    case REDISMODULE_KEYTYPE_STRING: return "string";
    case REDISMODULE_KEYTYPE_LIST: return "list";
    case REDISMODULE_KEYTYPE_HASH: return "hash";
    case REDISMODULE_KEYTYPE_SET: return "set";
    case REDISMODULE_KEYTYPE_ZSET: return "zset";
    case REDISMODULE_KEYTYPE_MODULE: return "module";
    case REDISMODULE_KEYTYPE_STREAM: return "stream";
    }
    return "?";
}

/* KEYS.INFO key mode: [opened?, type, length, ttl, abs expire, db, name] */
static int Info(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], parse_mode(argv[2]));
    RedisModule_ReplyWithArray(ctx, 7);
    RedisModule_ReplyWithLongLong(ctx, key != NULL);
    RedisModule_ReplyWithCString(ctx, type_name(RedisModule_KeyType(key)));
    RedisModule_ReplyWithLongLong(ctx, key ? (long long)RedisModule_ValueLength(key) : -1);
    RedisModule_ReplyWithLongLong(ctx, key ? RedisModule_GetExpire(key) : -2);
    RedisModule_ReplyWithLongLong(ctx, key ? RedisModule_GetAbsExpire(key) : -2);
    RedisModule_ReplyWithLongLong(ctx, key ? RedisModule_GetDbIdFromModuleKey(key) : -2);
    if (key)
        RedisModule_ReplyWithString(ctx, (RedisModuleString *)RedisModule_GetKeyNameFromModuleKey(key));
    else
        RedisModule_ReplyWithNull(ctx);
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

/* KEYS.EXISTS key */
static int Exists(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    return RedisModule_ReplyWithLongLong(ctx, RedisModule_KeyExists(ctx, argv[1]));
}

/* KEYS.DEL key mode [unlink]: DeleteKey (or UnlinkKey), then the key type seen through
 * the same handle. */
static int Del(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3 && argc != 4) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], parse_mode(argv[2]));
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int rc = argc == 4 ? RedisModule_UnlinkKey(key) : RedisModule_DeleteKey(key);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    RedisModule_ReplyWithCString(ctx, type_name(RedisModule_KeyType(key)));
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

/* KEYS.EXPIRE key mode ms [abs]: SetExpire / SetAbsExpire (-1: no expire). */
static int Expire(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 4 && argc != 5) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[3], &ms) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR invalid ms");
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], parse_mode(argv[2]));
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int rc = argc == 5 ? RedisModule_SetAbsExpire(key, ms) : RedisModule_SetExpire(key, ms);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
}

/* KEYS.LRU key [idle-ms]: sets then reports the idle time; KEYS.LFU key [freq]. */
static int Lru(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long v;
    if (argc != 2 && argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int setrc = 0;
    if (argc == 3) {
        RedisModule_StringToLongLong(argv[2], &v);
        setrc = RedisModule_SetLRU(key, v) == REDISMODULE_OK ? 1 : -1;
    }
    mstime_t idle;
    int rc = RedisModule_GetLRU(key, &idle);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, setrc);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    return RedisModule_ReplyWithLongLong(ctx, idle);
}

static int Lfu(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long v;
    if (argc != 2 && argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_OPEN_KEY_NOTOUCH);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int setrc = 0;
    if (argc == 3) {
        RedisModule_StringToLongLong(argv[2], &v);
        setrc = RedisModule_SetLFU(key, v) == REDISMODULE_OK ? 1 : -1;
    }
    long long freq;
    int rc = RedisModule_GetLFU(key, &freq);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, setrc);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    return RedisModule_ReplyWithLongLong(ctx, freq);
}

/* KEYS.DBSIZE, KEYS.RANDOM, KEYS.MODES, KEYS.RESET */
static int DbSize(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithLongLong(ctx, (long long)RedisModule_DbSize(ctx));
}

static int Random(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_AutoMemory(ctx);
    RedisModuleString *k = RedisModule_RandomKey(ctx);
    if (!k) return RedisModule_ReplyWithNull(ctx);
    return RedisModule_ReplyWithString(ctx, k);
}

static int Modes(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithLongLong(ctx, RedisModule_GetOpenKeyModesAll());
}

static int Reset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ResetDataset(1, 0);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* KEYS.SIGNAL key: SignalModifiedKey (fails the EXEC of clients watching it). */
static int Signal(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModule_SignalModifiedKey(ctx, argv[1]);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* STR.SET key value; STR.GET key (DMA read); STR.APPEND key data (truncate + DMA
 * write); STR.TRUNCATE key len. Each replies with the resulting length or bytes. */
static int StrSet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    int rc = RedisModule_StringSet(key, argv[2]);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
}

static int StrGet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (key == NULL) return RedisModule_ReplyWithNull(ctx);
    size_t len;
    char *p = RedisModule_StringDMA(key, &len, REDISMODULE_READ);
    if (p == NULL) {
        RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    } else {
        RedisModule_ReplyWithStringBuffer(ctx, p, len);
    }
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

static int StrAppend(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    size_t len, add;
    const char *data = RedisModule_StringPtrLen(argv[2], &add);
    char *p = RedisModule_StringDMA(key, &len, REDISMODULE_WRITE);
    if (p == NULL || RedisModule_StringTruncate(key, len + add) != REDISMODULE_OK) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    p = RedisModule_StringDMA(key, &len, REDISMODULE_WRITE);
    memcpy(p + len - add, data, add);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithLongLong(ctx, (long long)len);
}

static int StrTruncate(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long n;
    if (argc != 3) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[2], &n) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR invalid length");
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    int rc = RedisModule_StringTruncate(key, (size_t)n);
    size_t len = 0;
    RedisModule_StringDMA(key, &len, REDISMODULE_READ);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    return RedisModule_ReplyWithLongLong(ctx, (long long)len);
}

/* KEYS.SCAN [delete-prefix]: every key with its type, sorted by the test; keys with
 * the given prefix are deleted from within the callback (allowed for the current key). */
typedef struct {
    RedisModuleCtx *ctx;
    long n;
    const char *prefix;
    size_t plen;
} ScanData;

static void scan_cb(RedisModuleCtx *ctx, RedisModuleString *keyname, RedisModuleKey *key, void *privdata) {
    ScanData *d = privdata;
    size_t len;
    const char *name = RedisModule_StringPtrLen(keyname, &len);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithString(ctx, keyname);
    RedisModule_ReplyWithCString(ctx, type_name(RedisModule_KeyType(key)));
    d->n++;
    if (d->prefix && len >= d->plen && memcmp(name, d->prefix, d->plen) == 0) {
        RedisModuleKey *w = RedisModule_OpenKey(ctx, keyname, REDISMODULE_WRITE);
        RedisModule_DeleteKey(w);
        RedisModule_CloseKey(w);
    }
}

static int Scan(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    ScanData d = {ctx, 0, NULL, 0};
    if (argc == 2) d.prefix = RedisModule_StringPtrLen(argv[1], &d.plen);
    RedisModuleScanCursor *c = RedisModule_ScanCursorCreate();
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    while (RedisModule_Scan(ctx, c, scan_cb, &d));
    int again = RedisModule_Scan(ctx, c, scan_cb, &d);
    int err = errno;
    RedisModule_ScanCursorRestart(c);
    RedisModule_ScanCursorDestroy(c);
    RedisModule_ReplyWithLongLong(ctx, again == 0 && err == ENOENT);
    RedisModule_ReplySetArrayLength(ctx, d.n + 1);
    return REDISMODULE_OK;
}

/* KEYS.SCANKEY key: the elements of a hash, set or sorted set as [field, value|null]. */
static void scankey_cb(RedisModuleKey *key, RedisModuleString *field, RedisModuleString *value, void *privdata) {
    REDISMODULE_NOT_USED(key);
    ScanData *d = privdata;
    RedisModule_ReplyWithArray(d->ctx, 2);
    RedisModule_ReplyWithString(d->ctx, field);
    if (value) RedisModule_ReplyWithString(d->ctx, value);
    else RedisModule_ReplyWithNull(d->ctx);
    d->n++;
}

static int ScanKey(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    ScanData d = {ctx, 0, NULL, 0};
    RedisModuleScanCursor *c = RedisModule_ScanCursorCreate();
    int t = RedisModule_KeyType(key);
    if (t != REDISMODULE_KEYTYPE_HASH && t != REDISMODULE_KEYTYPE_SET && t != REDISMODULE_KEYTYPE_ZSET) {
        /* Other types (and missing keys) are refused without calling back. */
        errno = 0;
        int rc = RedisModule_ScanKey(key, c, scankey_cb, &d);
        RedisModule_ScanCursorDestroy(c);
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, rc == 0 && errno == EINVAL ? "ERR EINVAL" : "ERR ?");
    }
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    while (RedisModule_ScanKey(key, c, scankey_cb, &d));
    RedisModule_ReplySetArrayLength(ctx, d.n);
    RedisModule_ScanCursorDestroy(c);
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

/* KEYS.AUTOCLOSE key: opens a key for writing and leaves it to auto memory; a WATCH on
 * the key is still invalidated when the callback ends. */
static int AutoClose(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    REDISMODULE_NOT_USED(key);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

#define CMD(name, fn, flags)                                                           \
    if (RedisModule_CreateCommand(ctx, name, fn, flags, 1, 1, 1) == REDISMODULE_ERR)  \
        return REDISMODULE_ERR;
#define CMD0(name, fn, flags)                                                          \
    if (RedisModule_CreateCommand(ctx, name, fn, flags, 0, 0, 0) == REDISMODULE_ERR)  \
        return REDISMODULE_ERR;

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "keys", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    CMD("keys.info", Info, "write");
    CMD("keys.exists", Exists, "readonly");
    CMD("keys.del", Del, "write");
    CMD("keys.expire", Expire, "write");
    CMD("keys.lru", Lru, "readonly");
    CMD("keys.lfu", Lfu, "readonly");
    CMD0("keys.dbsize", DbSize, "readonly");
    CMD0("keys.random", Random, "readonly");
    CMD0("keys.modes", Modes, "readonly");
    CMD0("keys.reset", Reset, "write");
    CMD("keys.signal", Signal, "write");
    CMD("str.set", StrSet, "write");
    CMD("str.get", StrGet, "readonly");
    CMD("str.append", StrAppend, "write");
    CMD("str.truncate", StrTruncate, "write");
    CMD0("keys.scan", Scan, "write");
    CMD("keys.scankey", ScanKey, "readonly");
    CMD("keys.autoclose", AutoClose, "write");
    return REDISMODULE_OK;
}
