/* hello: Coil's first sample module. It exercises the module API groups the host
 * implements first: core (commands, context, time, logging, memory), replies, strings
 * with auto memory, and RedisModule_Call with its call-reply accessors.
 *
 * Built against modules-api/include/redismodule.h; the tests load it into coil-server
 * (and it loads unchanged into Redis 7.4). */

#include "redismodule.h"
#include <string.h>
#include <errno.h>

static char redis_version[32] = "unknown";
static int load_argc = 0;

/* HELLO.ECHO arg ... : the arguments back, as an array of bulk strings. */
static int Echo(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_ReplyWithArray(ctx, argc - 1);
    for (int i = 1; i < argc; i++) RedisModule_ReplyWithString(ctx, argv[i]);
    return REDISMODULE_OK;
}

/* HELLO.TYPES: one reply of every kind, inside an array. */
static int Types(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ReplyWithArray(ctx, 16);
    RedisModule_ReplyWithLongLong(ctx, -42);
    RedisModule_ReplyWithDouble(ctx, 3.5);
    RedisModule_ReplyWithSimpleString(ctx, "simple");
    RedisModule_ReplyWithStringBuffer(ctx, "buf\0fer", 7);
    RedisModule_ReplyWithCString(ctx, "cstring");
    RedisModule_ReplyWithEmptyString(ctx);
    RedisModule_ReplyWithNull(ctx);
    RedisModule_ReplyWithNullArray(ctx);
    RedisModule_ReplyWithEmptyArray(ctx);
    RedisModule_ReplyWithBool(ctx, 1);
    RedisModule_ReplyWithBigNumber(ctx, "1234567890123456789012345678901234567890", 40);
    RedisModule_ReplyWithVerbatimString(ctx, "verbatim", 8);
    RedisModule_ReplyWithMap(ctx, 1);
    RedisModule_ReplyWithCString(ctx, "key");
    RedisModule_ReplyWithLongLong(ctx, 1);
    RedisModule_ReplyWithSet(ctx, 2);
    RedisModule_ReplyWithCString(ctx, "a");
    RedisModule_ReplyWithCString(ctx, "b");
    RedisModule_ReplyWithLongDouble(ctx, 1.5L);
    RedisModule_ReplyWithVerbatimStringType(ctx, "markdown", 8, "mkd");
    return REDISMODULE_OK;
}

/* HELLO.POSTPONED n: an array of n integers whose length is set afterwards, with a
 * postponed map nested inside. */
static int Postponed(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long n;
    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &n) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR invalid count");
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    for (long long i = 0; i < n; i++) RedisModule_ReplyWithLongLong(ctx, i);
    RedisModule_ReplyWithMap(ctx, REDISMODULE_POSTPONED_LEN);
    RedisModule_ReplyWithCString(ctx, "k");
    RedisModule_ReplyWithCString(ctx, "v");
    RedisModule_ReplySetMapLength(ctx, 1);
    RedisModule_ReplySetArrayLength(ctx, n + 1);
    return REDISMODULE_OK;
}

/* HELLO.ERROR / HELLO.ERRORF: error replies, plain and formatted. */
static int Error(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithError(ctx, "ERR custom error");
}

static int ErrorF(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithErrorFormat(ctx, "MYERR code %d in %s", 42, "hello");
}

/* HELLO.INCR key: INCR through RedisModule_Call, then GET, replying the integer. */
static int Incr(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleCallReply *r = RedisModule_Call(ctx, "INCR", "s!", argv[1]);
    if (!r) return RedisModule_ReplyWithError(ctx, "ERR call failed");
    if (RedisModule_CallReplyType(r) == REDISMODULE_REPLY_ERROR) {
        RedisModule_ReplyWithCallReply(ctx, r);
        RedisModule_FreeCallReply(r);
        return REDISMODULE_OK;
    }
    RedisModule_FreeCallReply(r);
    r = RedisModule_Call(ctx, "GET", "s", argv[1]);
    size_t len;
    const char *s = RedisModule_CallReplyStringPtr(r, &len);
    RedisModuleString *str = RedisModule_CreateString(ctx, s, len);
    long long v = 0;
    RedisModule_StringToLongLong(str, &v);
    RedisModule_FreeString(ctx, str);
    RedisModule_FreeCallReply(r);
    return RedisModule_ReplyWithLongLong(ctx, v);
}

/* HELLO.CALL fmt cmd arg ... : RedisModule_Call with the given flag letters (a "-"
 * for none) and the arguments as a vector; replies with the call reply, or with
 * "NULL errno=<n>" when the call returned NULL. */
static int Call(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 3) return RedisModule_WrongArity(ctx);
    char fmt[32];
    const char *flags = RedisModule_StringPtrLen(argv[1], NULL);
    if (strcmp(flags, "-") == 0) flags = "";
    snprintf(fmt, sizeof(fmt), "%sv", flags);
    const char *cmd = RedisModule_StringPtrLen(argv[2], NULL);
    errno = 0;
    RedisModuleCallReply *r = RedisModule_Call(ctx, cmd, fmt, argv + 3, (size_t)(argc - 3));
    if (!r) {
        RedisModuleString *msg = RedisModule_CreateStringPrintf(ctx, "NULL errno=%d", errno);
        RedisModule_ReplyWithString(ctx, msg);
        RedisModule_FreeString(ctx, msg);
        return REDISMODULE_OK;
    }
    if (RedisModule_ReplyWithCallReply(ctx, r) == REDISMODULE_ERR)
        RedisModule_ReplyWithError(ctx, "ERR RESP3 reply for a RESP2 client");
    RedisModule_FreeCallReply(r);
    return REDISMODULE_OK;
}

/* Renders a call reply with the accessors: [type, value...]. */
static void Describe(RedisModuleCtx *ctx, RedisModuleCallReply *r) {
    size_t len = 0;
    const char *s;
    int type = RedisModule_CallReplyType(r);
    switch (type) {
    case REDISMODULE_REPLY_STRING:
    case REDISMODULE_REPLY_ERROR:
        s = RedisModule_CallReplyStringPtr(r, &len);
        RedisModule_ReplyWithArray(ctx, 3);
        RedisModule_ReplyWithCString(ctx, type == REDISMODULE_REPLY_STRING ? "string" : "error");
        RedisModule_ReplyWithStringBuffer(ctx, s, len);
        RedisModule_ReplyWithLongLong(ctx, (long long)RedisModule_CallReplyLength(r));
        break;
    case REDISMODULE_REPLY_INTEGER:
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithCString(ctx, "integer");
        RedisModule_ReplyWithLongLong(ctx, RedisModule_CallReplyInteger(r));
        break;
    case REDISMODULE_REPLY_DOUBLE:
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithCString(ctx, "double");
        RedisModule_ReplyWithDouble(ctx, RedisModule_CallReplyDouble(r));
        break;
    case REDISMODULE_REPLY_BOOL:
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithCString(ctx, "bool");
        RedisModule_ReplyWithLongLong(ctx, RedisModule_CallReplyBool(r));
        break;
    case REDISMODULE_REPLY_BIG_NUMBER:
        s = RedisModule_CallReplyBigNumber(r, &len);
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithCString(ctx, "bignum");
        RedisModule_ReplyWithStringBuffer(ctx, s, len);
        break;
    case REDISMODULE_REPLY_VERBATIM_STRING: {
        const char *format;
        s = RedisModule_CallReplyVerbatim(r, &len, &format);
        RedisModule_ReplyWithArray(ctx, 3);
        RedisModule_ReplyWithCString(ctx, "verbatim");
        RedisModule_ReplyWithStringBuffer(ctx, format, 3);
        RedisModule_ReplyWithStringBuffer(ctx, s, len);
        break;
    }
    case REDISMODULE_REPLY_NULL:
        RedisModule_ReplyWithArray(ctx, 1);
        RedisModule_ReplyWithCString(ctx, "null");
        break;
    case REDISMODULE_REPLY_ARRAY:
    case REDISMODULE_REPLY_SET:
        len = RedisModule_CallReplyLength(r);
        RedisModule_ReplyWithArray(ctx, (long)len + 1);
        RedisModule_ReplyWithCString(ctx, type == REDISMODULE_REPLY_ARRAY ? "array" : "set");
        for (size_t i = 0; i < len; i++)
            Describe(ctx, type == REDISMODULE_REPLY_ARRAY ? RedisModule_CallReplyArrayElement(r, i)
                                                          : RedisModule_CallReplySetElement(r, i));
        break;
    case REDISMODULE_REPLY_MAP:
        len = RedisModule_CallReplyLength(r);
        RedisModule_ReplyWithArray(ctx, (long)len * 2 + 1);
        RedisModule_ReplyWithCString(ctx, "map");
        for (size_t i = 0; i < len; i++) {
            RedisModuleCallReply *k, *v;
            RedisModule_CallReplyMapElement(r, i, &k, &v);
            Describe(ctx, k);
            Describe(ctx, v);
        }
        break;
    default:
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithCString(ctx, "other");
        RedisModule_ReplyWithLongLong(ctx, type);
    }
}

/* HELLO.DESCRIBE fmt cmd arg ... : like HELLO.CALL, but the reply is rebuilt through
 * the call-reply accessors; also checks CallReplyProto against the raw reply. */
static int DescribeCmd(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc < 3) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    char fmt[32];
    const char *flags = RedisModule_StringPtrLen(argv[1], NULL);
    if (strcmp(flags, "-") == 0) flags = "";
    snprintf(fmt, sizeof(fmt), "%sv", flags);
    RedisModuleCallReply *r = RedisModule_Call(ctx, RedisModule_StringPtrLen(argv[2], NULL), fmt,
                                               argv + 3, (size_t)(argc - 3));
    if (!r) return RedisModule_ReplyWithError(ctx, "ERR call returned NULL");
    size_t plen;
    const char *proto = RedisModule_CallReplyProto(r, &plen);
    if (proto == NULL || plen == 0) return RedisModule_ReplyWithError(ctx, "ERR no proto");
    Describe(ctx, r);
    return REDISMODULE_OK; /* r is freed by auto memory */
}

/* HELLO.STRINGS n: conversions in and out of module strings. */
static int Strings(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModule_AutoMemory(ctx);
    long long ll;
    double d;
    long double ld;
    unsigned long long ull;
    RedisModuleStreamID id;
    RedisModule_ReplyWithArray(ctx, 14);
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringFromLongLong(ctx, -12345));
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringFromULongLong(ctx, 18446744073709551615ULL));
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringFromDouble(ctx, 1.25));
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringFromLongDouble(ctx, 3.75L, 1));
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringPrintf(ctx, "%s-%d-%.2f", "fmt", 7, 0.5));
    RedisModule_ReplyWithLongLong(ctx, RedisModule_StringToLongLong(argv[1], &ll) == REDISMODULE_OK ? ll : -1);
    RedisModule_ReplyWithLongLong(ctx, RedisModule_StringToULongLong(argv[1], &ull) == REDISMODULE_OK ? (long long)ull : -1);
    if (RedisModule_StringToDouble(argv[1], &d) == REDISMODULE_OK) RedisModule_ReplyWithDouble(ctx, d);
    else RedisModule_ReplyWithNull(ctx);
    if (RedisModule_StringToLongDouble(argv[1], &ld) == REDISMODULE_OK) RedisModule_ReplyWithLongDouble(ctx, ld);
    else RedisModule_ReplyWithNull(ctx);
    RedisModuleString *a = RedisModule_CreateString(ctx, "abc", 3);
    RedisModuleString *b = RedisModule_CreateStringFromString(ctx, a);
    RedisModule_StringAppendBuffer(ctx, b, "def", 3);
    RedisModule_TrimStringAllocation(b);
    RedisModule_ReplyWithString(ctx, b);
    RedisModule_ReplyWithLongLong(ctx, RedisModule_StringCompare(a, b));
    id.ms = 0;
    id.seq = 0;
    RedisModule_StringToStreamID(argv[1], &id);
    RedisModule_ReplyWithString(ctx, RedisModule_CreateStringFromStreamID(ctx, &id));
    /* Retain, hold and free: the counts must balance under auto memory. */
    RedisModuleString *kept = RedisModule_CreateString(ctx, "kept", 4);
    RedisModule_RetainString(ctx, kept);
    RedisModuleString *held = RedisModule_HoldString(ctx, kept);
    RedisModule_ReplyWithString(ctx, held);
    RedisModule_FreeString(ctx, kept);
    RedisModule_ReplyWithLongLong(ctx, (long long)RedisModule_MallocSizeString(a) > 0);
    return REDISMODULE_OK;
}

/* HELLO.MEMORY: the allocator functions. */
static int Memory(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    char *p = RedisModule_Alloc(100);
    memset(p, 'x', 100);
    p = RedisModule_Realloc(p, 1000);
    size_t usable = RedisModule_MallocSize(p);
    int *zeros = RedisModule_Calloc(10, sizeof(int));
    int sum = 0;
    for (int i = 0; i < 10; i++) sum += zeros[i];
    char *dup = RedisModule_Strdup("duplicate");
    char *pool = RedisModule_PoolAlloc(ctx, 64);
    memcpy(pool, "pool", 5);
    void *t = RedisModule_TryAlloc(16);
    int ok = p[0] == 'x' && usable >= 1000 && sum == 0 && strcmp(dup, "duplicate") == 0 &&
             strcmp(pool, "pool") == 0 && t != NULL;
    RedisModule_Free(t);
    RedisModule_Free(dup);
    RedisModule_Free(zeros);
    RedisModule_Free(p);
    return RedisModule_ReplyWithSimpleString(ctx, ok ? "OK" : "FAIL");
}

/* HELLO.CTX: client id, selected db, context flags and times, in an array. */
static int Ctx(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    int flags = RedisModule_GetContextFlags(ctx);
    RedisModule_ReplyWithArray(ctx, 6);
    RedisModule_ReplyWithLongLong(ctx, (long long)RedisModule_GetClientId(ctx));
    RedisModule_ReplyWithLongLong(ctx, RedisModule_GetSelectedDb(ctx));
    RedisModule_ReplyWithLongLong(ctx, (flags & REDISMODULE_CTX_FLAGS_MASTER) != 0);
    RedisModule_ReplyWithLongLong(ctx, (flags & REDISMODULE_CTX_FLAGS_RESP3) != 0);
    RedisModule_ReplyWithLongLong(ctx, RedisModule_Milliseconds() > 1600000000000LL);
    RedisModule_ReplyWithCString(ctx, RedisModule_GetCurrentCommandName(ctx));
    return REDISMODULE_OK;
}

/* HELLO.SELECT db: selects a database for the calling client. */
static int Select(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long db;
    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &db) != REDISMODULE_OK ||
        RedisModule_SelectDb(ctx, (int)db) != REDISMODULE_OK)
        return RedisModule_ReplyWithError(ctx, "ERR invalid db");
    return RedisModule_ReplyWithLongLong(ctx, RedisModule_GetSelectedDb(ctx));
}

/* HELLO.VERSION: redis_version as seen by INFO through RedisModule_Call in OnLoad, and
 * the number of load arguments. */
static int Version(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithCString(ctx, redis_version);
    RedisModule_ReplyWithLongLong(ctx, load_argc);
    RedisModule_ReplyWithLongLong(ctx, RedisModule_GetServerVersion());
    return REDISMODULE_OK;
}

/* HELLO.LOG msg: logs at warning level. */
static int Log(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModule_Log(ctx, "warning", "hello says %s", RedisModule_StringPtrLen(argv[1], NULL));
    RedisModule_Replicate(ctx, "SET", "cc", "k", "v");
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* HELLO.KEYS: getkeys-api; keys are the arguments after each "key" word. */
static int Keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (RedisModule_IsKeysPositionRequest(ctx)) {
        for (int i = 1; i < argc - 1; i++) {
            if (strcasecmp(RedisModule_StringPtrLen(argv[i], NULL), "key") == 0)
                RedisModule_KeyAtPosWithFlags(ctx, i + 1, REDISMODULE_CMD_KEY_RO | REDISMODULE_CMD_KEY_ACCESS);
        }
        return REDISMODULE_OK;
    }
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/* HELLO.CONTAINER SUB / HELLO.CONTAINER OTHER: subcommands. */
static int Sub(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    RedisModule_ReplyWithArray(ctx, argc);
    for (int i = 0; i < argc; i++) RedisModule_ReplyWithString(ctx, argv[i]);
    return REDISMODULE_OK;
}

/* HELLO.DOCUMENTED key [COUNT n]: a command with full command info. */
static int Documented(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int SetDocs(RedisModuleCtx *ctx) {
    RedisModuleCommand *cmd = RedisModule_GetCommand(ctx, "hello.documented");
    if (!cmd) return REDISMODULE_ERR;
    RedisModuleCommandHistoryEntry history[] = {{"1.1", "Added the COUNT option."}, {0}};
    RedisModuleCommandKeySpec specs[] = {
        {.notes = "the key", .flags = REDISMODULE_CMD_KEY_RO | REDISMODULE_CMD_KEY_ACCESS,
         .begin_search_type = REDISMODULE_KSPEC_BS_INDEX, .bs.index.pos = 1,
         .find_keys_type = REDISMODULE_KSPEC_FK_RANGE,
         .fk.range = {.lastkey = 0, .keystep = 1, .limit = 0}},
        {0}};
    RedisModuleCommandArg count_args[] = {
        {.name = "count", .type = REDISMODULE_ARG_TYPE_INTEGER},
        {0}};
    RedisModuleCommandArg args[] = {
        {.name = "key", .type = REDISMODULE_ARG_TYPE_KEY, .key_spec_index = 0},
        {.name = "count-block", .type = REDISMODULE_ARG_TYPE_BLOCK, .token = "COUNT",
         .flags = REDISMODULE_CMD_ARG_OPTIONAL, .subargs = count_args, .since = "1.1"},
        {0}};
    RedisModuleCommandInfo info = {
        .version = REDISMODULE_COMMAND_INFO_VERSION,
        .summary = "A documented command",
        .complexity = "O(1)",
        .since = "1.0",
        .history = history,
        .tips = "nondeterministic_output",
        .arity = -2,
        .key_specs = specs,
        .args = args,
    };
    if (RedisModule_SetCommandInfo(cmd, &info) == REDISMODULE_ERR) return REDISMODULE_ERR;
    /* A second call must be refused. */
    if (RedisModule_SetCommandInfo(cmd, &info) != REDISMODULE_ERR) return REDISMODULE_ERR;
    return RedisModule_SetCommandACLCategories(cmd, "read fast");
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (RedisModule_Init(ctx, "hello", 3, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    load_argc = argc;
    for (int i = 0; i < argc; i++) {
        if (strcmp(RedisModule_StringPtrLen(argv[i], NULL), "fail") == 0) return REDISMODULE_ERR;
    }

    RedisModuleCallReply *info = RedisModule_Call(ctx, "INFO", "c", "server");
    if (info && RedisModule_CallReplyType(info) == REDISMODULE_REPLY_STRING) {
        size_t len;
        const char *s = RedisModule_CallReplyStringPtr(info, &len);
        const char *v = strstr(s, "redis_version:");
        if (v) {
            v += strlen("redis_version:");
            size_t n = strcspn(v, "\r\n");
            if (n >= sizeof(redis_version)) n = sizeof(redis_version) - 1;
            memcpy(redis_version, v, n);
            redis_version[n] = '\0';
        }
    }
    if (info) RedisModule_FreeCallReply(info);

    struct {
        const char *name;
        RedisModuleCmdFunc f;
        const char *flags;
        int first, last, step;
    } cmds[] = {
        {"hello.echo", Echo, "readonly fast", 0, 0, 0},
        {"hello.types", Types, "readonly", 0, 0, 0},
        {"hello.postponed", Postponed, "readonly", 0, 0, 0},
        {"hello.error", Error, "", 0, 0, 0},
        {"hello.errorf", ErrorF, "", 0, 0, 0},
        {"hello.incr", Incr, "write deny-oom", 1, 1, 1},
        {"hello.call", Call, "write", 0, 0, 0},
        {"hello.describe", DescribeCmd, "write", 0, 0, 0},
        {"hello.strings", Strings, "readonly", 0, 0, 0},
        {"hello.memory", Memory, "readonly", 0, 0, 0},
        {"hello.ctx", Ctx, "readonly", 0, 0, 0},
        {"hello.select", Select, "readonly", 0, 0, 0},
        {"hello.version", Version, "readonly", 0, 0, 0},
        {"hello.log", Log, "admin", 0, 0, 0},
        {"hello.keys", Keys, "readonly getkeys-api", 0, 0, 0},
        {"hello.documented", Documented, "readonly", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (RedisModule_CreateCommand(ctx, cmds[i].name, cmds[i].f, cmds[i].flags, cmds[i].first,
                                      cmds[i].last, cmds[i].step) == REDISMODULE_ERR)
            return REDISMODULE_ERR;
    }
    /* Refusals: a duplicate name, a bad flag, a name with a forbidden character. */
    if (RedisModule_CreateCommand(ctx, "hello.echo", Echo, "", 0, 0, 0) != REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "hello.bad", Echo, "bogus-flag", 0, 0, 0) != REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "hello\r", Echo, "", 0, 0, 0) != REDISMODULE_ERR)
        return REDISMODULE_ERR;

    if (RedisModule_CreateCommand(ctx, "hello.container", NULL, "", 0, 0, 0) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    RedisModuleCommand *parent = RedisModule_GetCommand(ctx, "hello.container");
    if (!parent ||
        RedisModule_CreateSubcommand(parent, "sub", Sub, "readonly", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateSubcommand(parent, "other", Sub, "write", 2, 2, 1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    if (SetDocs(ctx) == REDISMODULE_ERR) return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
