/* dtype: a custom data type ("coil-dtyp", encoding version 2) with every callback:
 * rdb_load/rdb_save through all the RDB I/O functions, aof_rewrite (EmitAOF), free,
 * copy2, unlink2, mem_usage2, free_effort2 and digest. Its commands store, read, dump
 * (SaveDataTypeToString), restore (LoadDataTypeFromString[Encver]) and swap
 * (ModuleTypeReplaceValue) values, and report what the callbacks saw.
 *
 * Built against modules-api/include/redismodule.h; loads unchanged into Redis 7.4. */

#include "redismodule.h"
#include <stdio.h>
#include <string.h>

#define ENCVER 2

static RedisModuleType *DType;

typedef struct {
    long long n;
    RedisModuleString *s;
    double d;
    float f;
    long double ld;
} DVal;

/* What the callbacks saw. */
static long long frees, unlinks, copies, loads, last_load_encver = -1, last_io_db = -2;
static char last_unlinked[64];
static char last_io_key[64];

static DVal *dval_new(long long n, RedisModuleString *s) {
    DVal *v = RedisModule_Calloc(1, sizeof(*v));
    v->n = n;
    v->s = s;
    return v;
}

static void *dtype_load(RedisModuleIO *io, int encver) {
    loads++;
    last_load_encver = encver;
    last_io_db = RedisModule_GetDbIdFromIO(io);
    const RedisModuleString *k = RedisModule_GetKeyNameFromIO(io);
    snprintf(last_io_key, sizeof(last_io_key), "%s", k ? RedisModule_StringPtrLen(k, NULL) : "(null)");
    long long n = RedisModule_LoadSigned(io);
    RedisModuleString *s = RedisModule_LoadString(io);
    if (RedisModule_IsIOError(io)) {
        if (s) RedisModule_FreeString(NULL, s);
        return NULL;
    }
    DVal *v = dval_new(n, s);
    if (encver >= 2) {
        v->d = RedisModule_LoadDouble(io);
        v->f = RedisModule_LoadFloat(io);
        v->ld = RedisModule_LoadLongDouble(io);
        uint64_t magic = RedisModule_LoadUnsigned(io);
        size_t len = 0;
        char *end = RedisModule_LoadStringBuffer(io, &len);
        int bad = RedisModule_IsIOError(io) || magic != 0xC011 || len != 3 || memcmp(end, "end", 3);
        if (end) RedisModule_Free(end);
        if (bad) {
            RedisModule_FreeString(NULL, v->s);
            RedisModule_Free(v);
            return NULL;
        }
    }
    RedisModuleCtx *ctx = RedisModule_GetContextFromIO(io);
    RedisModule_Log(ctx, "verbose", "loaded a value");
    return v;
}

static void dtype_save(RedisModuleIO *io, void *value) {
    DVal *v = value;
    last_io_db = RedisModule_GetDbIdFromIO(io);
    RedisModule_SaveSigned(io, v->n);
    RedisModule_SaveString(io, v->s);
    RedisModule_SaveDouble(io, v->d);
    RedisModule_SaveFloat(io, v->f);
    RedisModule_SaveLongDouble(io, v->ld);
    RedisModule_SaveUnsigned(io, 0xC011);
    RedisModule_SaveStringBuffer(io, "end", 3);
}

static void dtype_aof(RedisModuleIO *aof, RedisModuleString *key, void *value) {
    DVal *v = value;
    RedisModule_EmitAOF(aof, "dt.set", "sls", key, v->n, v->s);
}

static void dtype_free(void *value) {
    DVal *v = value;
    frees++;
    if (v->s) RedisModule_FreeString(NULL, v->s);
    RedisModule_Free(v);
}

static void *dtype_copy2(RedisModuleKeyOptCtx *ctx, const void *value) {
    const DVal *old = value;
    if (old->n == 42) return NULL; /* refuses to copy */
    copies++;
    size_t flen, tlen, slen;
    const char *from = RedisModule_StringPtrLen(RedisModule_GetKeyNameFromOptCtx(ctx), &flen);
    const char *to = RedisModule_StringPtrLen(RedisModule_GetToKeyNameFromOptCtx(ctx), &tlen);
    const char *s = RedisModule_StringPtrLen(old->s, &slen);
    RedisModuleString *ns = RedisModule_CreateStringPrintf(NULL, "%.*s/%.*s@%d>%.*s@%d", (int)slen, s,
        (int)flen, from, RedisModule_GetDbIdFromOptCtx(ctx), (int)tlen, to,
        RedisModule_GetToDbIdFromOptCtx(ctx));
    DVal *v = dval_new(old->n, ns);
    v->d = old->d;
    v->f = old->f;
    v->ld = old->ld;
    return v;
}

static void dtype_unlink2(RedisModuleKeyOptCtx *ctx, const void *value) {
    REDISMODULE_NOT_USED(value);
    unlinks++;
    const RedisModuleString *k = RedisModule_GetKeyNameFromOptCtx(ctx);
    snprintf(last_unlinked, sizeof(last_unlinked), "%s@%d", RedisModule_StringPtrLen(k, NULL),
             RedisModule_GetDbIdFromOptCtx(ctx));
}

static size_t dtype_mem_usage2(RedisModuleKeyOptCtx *ctx, const void *value, size_t sample_size) {
    REDISMODULE_NOT_USED(ctx);
    const DVal *v = value;
    size_t len;
    RedisModule_StringPtrLen(v->s, &len);
    return 1000 + len + sample_size;
}

static size_t dtype_free_effort2(RedisModuleKeyOptCtx *ctx, const void *value) {
    REDISMODULE_NOT_USED(ctx);
    const DVal *v = value;
    return v->n > 0 ? (size_t)v->n : 0;
}

static void dtype_digest(RedisModuleDigest *md, void *value) {
    DVal *v = value;
    size_t len;
    const char *s = RedisModule_StringPtrLen(v->s, &len);
    RedisModule_DigestAddLongLong(md, v->n);
    RedisModule_DigestAddStringBuffer(md, s, len);
    RedisModule_DigestEndSequence(md);
}

/* DT.SET key n s; DT.SETNUM key d f ld (on an existing value) */
static int DtSet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long n;
    if (argc != 4) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[2], &n) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR invalid integer");
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    int t = RedisModule_KeyType(key);
    if (t != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) != DType) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    RedisModule_RetainString(ctx, argv[3]);
    RedisModule_ModuleTypeSetValue(key, DType, dval_new(n, argv[3]));
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int DtSetNum(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 5) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    DVal *v = RedisModule_ModuleTypeGetType(key) == DType ? RedisModule_ModuleTypeGetValue(key) : NULL;
    if (!v) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, "ERR no value");
    }
    RedisModule_StringToDouble(argv[2], &v->d);
    double f;
    RedisModule_StringToDouble(argv[3], &f);
    v->f = (float)f;
    RedisModule_StringToLongDouble(argv[4], &v->ld);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* DT.GET key: [n, s, d, f, ld] or a null array. */
static int DtGet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    int t = RedisModule_KeyType(key);
    if (t != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(key) != DType) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    }
    DVal *v = RedisModule_ModuleTypeGetValue(key);
    RedisModule_CloseKey(key);
    if (!v) return RedisModule_ReplyWithNullArray(ctx);
    RedisModule_ReplyWithArray(ctx, 5);
    RedisModule_ReplyWithLongLong(ctx, v->n);
    RedisModule_ReplyWithString(ctx, v->s);
    RedisModule_ReplyWithDouble(ctx, v->d);
    RedisModule_ReplyWithDouble(ctx, v->f);
    return RedisModule_ReplyWithLongDouble(ctx, v->ld);
}

/* DT.DUMP key: the value serialized by rdb_save. */
static int DtDump(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    DVal *v = RedisModule_ModuleTypeGetType(key) == DType ? RedisModule_ModuleTypeGetValue(key) : NULL;
    RedisModule_CloseKey(key);
    if (!v) return RedisModule_ReplyWithNull(ctx);
    RedisModuleString *s = RedisModule_SaveDataTypeToString(ctx, v, DType);
    if (!s) return RedisModule_ReplyWithError(ctx, "ERR save failed");
    RedisModule_ReplyWithString(ctx, s);
    RedisModule_FreeString(ctx, s);
    return REDISMODULE_OK;
}

/* DT.RESTORE key payload [encver] */
static int DtRestore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long encver = 0;
    if (argc != 3 && argc != 4) return RedisModule_WrongArity(ctx);
    DVal *v;
    if (argc == 4) {
        RedisModule_StringToLongLong(argv[3], &encver);
        v = RedisModule_LoadDataTypeFromStringEncver(argv[2], DType, (int)encver);
    } else {
        v = RedisModule_LoadDataTypeFromString(argv[2], DType);
    }
    if (!v) return RedisModule_ReplyWithError(ctx, "ERR invalid payload");
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    RedisModule_ModuleTypeSetValue(key, DType, v);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithLongLong(ctx, last_load_encver);
}

/* DT.SWAP a b: exchanges the values with ModuleTypeReplaceValue. */
static int DtSwap(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *a = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    RedisModuleKey *b = RedisModule_OpenKey(ctx, argv[2], REDISMODULE_WRITE);
    void *va = RedisModule_ModuleTypeGetValue(a);
    void *old = NULL;
    int ok = RedisModule_ModuleTypeReplaceValue(b, DType, va, &old) == REDISMODULE_OK &&
             RedisModule_ModuleTypeReplaceValue(a, DType, old, NULL) == REDISMODULE_OK;
    RedisModule_CloseKey(a);
    RedisModule_CloseKey(b);
    if (!ok) return RedisModule_ReplyWithError(ctx, "ERR swap failed");
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* DT.STATS: what the callbacks saw. */
static int DtStats(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ReplyWithMap(ctx, 8);
    RedisModule_ReplyWithCString(ctx, "frees");
    RedisModule_ReplyWithLongLong(ctx, frees);
    RedisModule_ReplyWithCString(ctx, "unlinks");
    RedisModule_ReplyWithLongLong(ctx, unlinks);
    RedisModule_ReplyWithCString(ctx, "last_unlinked");
    RedisModule_ReplyWithCString(ctx, last_unlinked);
    RedisModule_ReplyWithCString(ctx, "copies");
    RedisModule_ReplyWithLongLong(ctx, copies);
    RedisModule_ReplyWithCString(ctx, "loads");
    RedisModule_ReplyWithLongLong(ctx, loads);
    RedisModule_ReplyWithCString(ctx, "last_encver");
    RedisModule_ReplyWithLongLong(ctx, last_load_encver);
    RedisModule_ReplyWithCString(ctx, "last_io_db");
    RedisModule_ReplyWithLongLong(ctx, last_io_db);
    RedisModule_ReplyWithCString(ctx, "last_io_key");
    return RedisModule_ReplyWithCString(ctx, last_io_key);
}

/* DT.OUTSIDE: CreateDataType after OnLoad must fail. */
static int DtOutside(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModuleTypeMethods tm = {.version = REDISMODULE_TYPE_METHOD_VERSION, .free = dtype_free};
    RedisModuleType *t = RedisModule_CreateDataType(ctx, "coil-late", 0, &tm);
    return RedisModule_ReplyWithLongLong(ctx, t == NULL);
}

#define CMD(name, fn, flags, k)                                                        \
    if (RedisModule_CreateCommand(ctx, name, fn, flags, k, k, k) == REDISMODULE_ERR)  \
        return REDISMODULE_ERR;

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "dtype", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    RedisModule_SetModuleOptions(ctx, REDISMODULE_OPTIONS_HANDLE_IO_ERRORS);
    RedisModuleTypeMethods tm = {
        .version = REDISMODULE_TYPE_METHOD_VERSION,
        .rdb_load = dtype_load,
        .rdb_save = dtype_save,
        .aof_rewrite = dtype_aof,
        .free = dtype_free,
        .digest = dtype_digest,
        .copy2 = dtype_copy2,
        .unlink2 = dtype_unlink2,
        .mem_usage2 = dtype_mem_usage2,
        .free_effort2 = dtype_free_effort2,
    };
    /* Bad names and versions are refused. */
    if (RedisModule_CreateDataType(ctx, "short", 0, &tm) != NULL ||
        RedisModule_CreateDataType(ctx, "coil-dty!", 0, &tm) != NULL ||
        RedisModule_CreateDataType(ctx, "coil-dtyp", 1024, &tm) != NULL)
        return REDISMODULE_ERR;
    DType = RedisModule_CreateDataType(ctx, "coil-dtyp", ENCVER, &tm);
    if (DType == NULL) return REDISMODULE_ERR;
    CMD("dt.set", DtSet, "write deny-oom", 1);
    CMD("dt.setnum", DtSetNum, "write", 1);
    CMD("dt.get", DtGet, "readonly", 1);
    CMD("dt.dump", DtDump, "readonly", 1);
    CMD("dt.restore", DtRestore, "write deny-oom", 1);
    CMD("dt.swap", DtSwap, "write", 1);
    CMD("dt.stats", DtStats, "readonly", 0);
    CMD("dt.outside", DtOutside, "readonly", 0);
    return REDISMODULE_OK;
}
