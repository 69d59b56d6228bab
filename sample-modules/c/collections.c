/* collections: the list, hash and sorted-set key APIs. ListPush/Pop/Get/Set/Insert/
 * Delete with their errno values, HashSet/HashGet (C varargs, NULL terminated, with the
 * HASH_* flags), ZsetAdd/Incrby/Rem/Score and the score and lex range iterators in both
 * directions.
 *
 * Built against modules-api/include/redismodule.h; loads unchanged into Redis 7.4. */

#include "redismodule.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *errno_name(int e) {
    switch (e) {
    case 0: return "OK";
    case EINVAL: return "EINVAL";
    case ENOTSUP: return "ENOTSUP";
    case EBADF: return "EBADF";
    case EDOM: return "EDOM";
    case ENOENT: return "ENOENT";
    }
    return "E?";
}

static int reply_errno(RedisModuleCtx *ctx) {
    char buf[64];
    snprintf(buf, sizeof(buf), "ERR %s", errno_name(errno));
    return RedisModule_ReplyWithError(ctx, buf);
}

static int where_of(RedisModuleString *s) {
    return strcasecmp(RedisModule_StringPtrLen(s, NULL), "head") == 0 ? REDISMODULE_LIST_HEAD
                                                                       : REDISMODULE_LIST_TAIL;
}

static int mode_of(RedisModuleString *s) {
    const char *p = RedisModule_StringPtrLen(s, NULL);
    int mode = 0;
    if (strchr(p, 'r')) mode |= REDISMODULE_READ;
    if (strchr(p, 'w')) mode |= REDISMODULE_WRITE;
    return mode;
}

/* LST.PUSH key mode head|tail value... : the new length, or the errno name. */
static int LstPush(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 5) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], mode_of(argv[2]));
    for (int i = 4; i < argc; i++) {
        errno = 0;
        if (RedisModule_ListPush(key, where_of(argv[3]), argv[i]) != REDISMODULE_OK) {
            RedisModule_CloseKey(key);
            return reply_errno(ctx);
        }
    }
    long long n = (long long)RedisModule_ValueLength(key);
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithLongLong(ctx, n);
}

/* LST.POP key mode head|tail */
static int LstPop(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 4) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], mode_of(argv[2]));
    errno = 0;
    RedisModuleString *v = RedisModule_ListPop(key, where_of(argv[3]));
    RedisModule_CloseKey(key);
    if (!v) return reply_errno(ctx);
    RedisModule_ReplyWithString(ctx, v);
    RedisModule_FreeString(ctx, v);
    return REDISMODULE_OK;
}

/* LST.GET key mode index... : the elements (reading sequentially uses the iterator). */
static int LstGet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], mode_of(argv[2]));
    RedisModule_ReplyWithArray(ctx, argc - 3);
    for (int i = 3; i < argc; i++) {
        long long idx;
        RedisModule_StringToLongLong(argv[i], &idx);
        errno = 0;
        RedisModuleString *v = RedisModule_ListGet(key, idx);
        if (v) RedisModule_ReplyWithString(ctx, v);
        else reply_errno(ctx);
    }
    return REDISMODULE_OK;
}

/* LST.EDIT key op index [value] [op index [value]] ... with op set|insert|delete:
 * each step's result (OK or the errno name), then the list. */
static int LstEdit(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    long n = 0;
    int i = 2;
    while (i + 1 < argc) {
        const char *op = RedisModule_StringPtrLen(argv[i], NULL);
        long long idx;
        RedisModule_StringToLongLong(argv[i + 1], &idx);
        int rc;
        errno = 0;
        if (!strcasecmp(op, "delete")) {
            rc = RedisModule_ListDelete(key, idx);
            i += 2;
        } else if (i + 2 < argc && !strcasecmp(op, "set")) {
            rc = RedisModule_ListSet(key, idx, argv[i + 2]);
            i += 3;
        } else if (i + 2 < argc && !strcasecmp(op, "insert")) {
            rc = RedisModule_ListInsert(key, idx, argv[i + 2]);
            i += 3;
        } else {
            break;
        }
        RedisModule_ReplyWithCString(ctx, rc == REDISMODULE_OK ? "OK" : errno_name(errno));
        n++;
    }
    long len = RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_LIST ? (long)RedisModule_ValueLength(key) : 0;
    RedisModule_ReplyWithArray(ctx, len);
    for (long j = 0; j < len; j++) RedisModule_ReplyWithString(ctx, RedisModule_ListGet(key, j));
    RedisModule_ReplySetArrayLength(ctx, n + 1);
    return REDISMODULE_OK;
}

/* HSH.SET key flags field value [field value ...]: value "-" deletes; flags letters
 * n(NX) x(XX) a(COUNT_ALL) c(CFIELDS). Replies [count, errno name]. Up to 3 pairs
 * (the varargs are spelled out, as a module would). */
static int HshSet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 5 || argc % 2 == 0 || argc > 9) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_WRITE);
    const char *fl = RedisModule_StringPtrLen(argv[2], NULL);
    int flags = REDISMODULE_HASH_NONE;
    if (strchr(fl, 'n')) flags |= REDISMODULE_HASH_NX;
    if (strchr(fl, 'x')) flags |= REDISMODULE_HASH_XX;
    if (strchr(fl, 'a')) flags |= REDISMODULE_HASH_COUNT_ALL;
    int cfields = strchr(fl, 'c') != NULL;
    if (cfields) flags |= REDISMODULE_HASH_CFIELDS;
    void *f[3];
    RedisModuleString *v[3];
    for (int i = 0; i < 3; i++) {
        f[i] = NULL;
        v[i] = NULL;
        if (3 + 2 * i < argc) {
            f[i] = cfields ? (void *)RedisModule_StringPtrLen(argv[3 + 2 * i], NULL) : (void *)argv[3 + 2 * i];
            v[i] = strcmp(RedisModule_StringPtrLen(argv[4 + 2 * i], NULL), "-") ? argv[4 + 2 * i] : REDISMODULE_HASH_DELETE;
        }
    }
    errno = 0;
    int count = RedisModule_HashSet(key, flags, f[0], v[0], f[1], v[1], f[2], v[2], NULL);
    int err = errno;
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, count);
    return RedisModule_ReplyWithCString(ctx, errno_name(err));
}

/* HSH.GET key field [field]: values (null when missing); HSH.EXISTS key field [field]
 * with HASH_EXISTS; HSH.CGET key field with CFIELDS. */
static int HshGet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3 && argc != 4) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    RedisModuleString *a = NULL, *b = NULL;
    int rc;
    if (argc == 3) rc = RedisModule_HashGet(key, REDISMODULE_HASH_NONE, argv[2], &a, NULL);
    else rc = RedisModule_HashGet(key, REDISMODULE_HASH_NONE, argv[2], &a, argv[3], &b, NULL);
    if (rc != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    RedisModule_ReplyWithArray(ctx, argc - 2);
    if (a) RedisModule_ReplyWithString(ctx, a); else RedisModule_ReplyWithNull(ctx);
    if (argc == 4) {
        if (b) RedisModule_ReplyWithString(ctx, b); else RedisModule_ReplyWithNull(ctx);
    }
    return REDISMODULE_OK;
}

static int HshExists(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 4) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int a = -1, b = -1;
    RedisModule_HashGet(key, REDISMODULE_HASH_EXISTS, argv[2], &a, argv[3], &b, NULL);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, a);
    return RedisModule_ReplyWithLongLong(ctx, b);
}

static int HshCGet(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    RedisModuleString *v = NULL;
    RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS, RedisModule_StringPtrLen(argv[2], NULL), &v, NULL);
    RedisModule_CloseKey(key);
    if (!v) return RedisModule_ReplyWithNull(ctx);
    RedisModule_ReplyWithString(ctx, v);
    RedisModule_FreeString(ctx, v);
    return REDISMODULE_OK;
}

/* ZS.ADD key flags score member / ZS.INCR key flags score member: flags letters
 * n x g(GT) l(LT). Replies [ok, out-flags, newscore]. */
static int zadd_flags(RedisModuleString *s) {
    const char *p = RedisModule_StringPtrLen(s, NULL);
    int f = 0;
    if (strchr(p, 'n')) f |= REDISMODULE_ZADD_NX;
    if (strchr(p, 'x')) f |= REDISMODULE_ZADD_XX;
    if (strchr(p, 'g')) f |= REDISMODULE_ZADD_GT;
    if (strchr(p, 'l')) f |= REDISMODULE_ZADD_LT;
    return f;
}

static int ZsAdd(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 5) return RedisModule_WrongArity(ctx);
    double score, newscore = -1;
    const char *ss = RedisModule_StringPtrLen(argv[3], NULL);
    score = strtod(ss, NULL);
    int incr = !strcasecmp(RedisModule_StringPtrLen(argv[0], NULL), "zs.incr");
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    int flags = zadd_flags(argv[2]);
    int rc = incr ? RedisModule_ZsetIncrby(key, score, argv[4], &flags, &newscore)
                  : RedisModule_ZsetAdd(key, score, argv[4], &flags);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    RedisModule_ReplyWithLongLong(ctx, flags);
    return RedisModule_ReplyWithDouble(ctx, newscore);
}

/* ZS.REM key member: [ok, deleted]; ZS.SCORE key member: the score or null. */
static int ZsRem(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE);
    int deleted = -1;
    int rc = RedisModule_ZsetRem(key, argv[2], &deleted);
    RedisModule_CloseKey(key);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    return RedisModule_ReplyWithLongLong(ctx, deleted);
}

static int ZsScore(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    double s;
    int rc = RedisModule_ZsetScore(key, argv[2], &s);
    RedisModule_CloseKey(key);
    if (rc != REDISMODULE_OK) return RedisModule_ReplyWithNull(ctx);
    return RedisModule_ReplyWithDouble(ctx, s);
}

/* ZS.RANGE key score|lex first|last min max [minex maxex]: walks the range from its
 * first element forward (or its last backward): [init-ok, member, score, ...]. */
static int ZsRange(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 6 && argc != 8) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[1], REDISMODULE_READ);
    if (!key) return RedisModule_ReplyWithNull(ctx);
    int lex = !strcasecmp(RedisModule_StringPtrLen(argv[2], NULL), "lex");
    int first = !strcasecmp(RedisModule_StringPtrLen(argv[3], NULL), "first");
    int rc;
    if (lex) {
        rc = first ? RedisModule_ZsetFirstInLexRange(key, argv[4], argv[5])
                   : RedisModule_ZsetLastInLexRange(key, argv[4], argv[5]);
    } else {
        double min = strtod(RedisModule_StringPtrLen(argv[4], NULL), NULL);
        double max = strtod(RedisModule_StringPtrLen(argv[5], NULL), NULL);
        long long minex = 0, maxex = 0;
        if (argc == 8) {
            RedisModule_StringToLongLong(argv[6], &minex);
            RedisModule_StringToLongLong(argv[7], &maxex);
        }
        rc = first ? RedisModule_ZsetFirstInScoreRange(key, min, max, minex, maxex)
                   : RedisModule_ZsetLastInScoreRange(key, min, max, minex, maxex);
    }
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    RedisModule_ReplyWithLongLong(ctx, rc == REDISMODULE_OK);
    long n = 1;
    while (rc == REDISMODULE_OK && !RedisModule_ZsetRangeEndReached(key)) {
        double score;
        RedisModuleString *ele = RedisModule_ZsetRangeCurrentElement(key, &score);
        if (!ele) break;
        RedisModule_ReplyWithString(ctx, ele);
        RedisModule_ReplyWithDouble(ctx, score);
        n += 2;
        if (first) RedisModule_ZsetRangeNext(key);
        else RedisModule_ZsetRangePrev(key);
    }
    RedisModule_ZsetRangeStop(key);
    RedisModule_ReplySetArrayLength(ctx, n);
    return REDISMODULE_OK;
}

#define CMD(name, fn, flags)                                                          \
    if (RedisModule_CreateCommand(ctx, name, fn, flags, 1, 1, 1) == REDISMODULE_ERR) \
        return REDISMODULE_ERR;

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "collections", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    CMD("lst.push", LstPush, "write deny-oom");
    CMD("lst.pop", LstPop, "write");
    CMD("lst.get", LstGet, "write");
    CMD("lst.edit", LstEdit, "write deny-oom");
    CMD("hsh.set", HshSet, "write deny-oom");
    CMD("hsh.get", HshGet, "readonly");
    CMD("hsh.exists", HshExists, "readonly");
    CMD("hsh.cget", HshCGet, "readonly");
    CMD("zs.add", ZsAdd, "write deny-oom");
    CMD("zs.incr", ZsAdd, "write deny-oom");
    CMD("zs.rem", ZsRem, "write");
    CMD("zs.score", ZsScore, "readonly");
    CMD("zs.range", ZsRange, "readonly");
    return REDISMODULE_OK;
}
