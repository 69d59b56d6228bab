/* admin: an INFO section, module configurations, a command filter, a dictionary and
 * client information.
 *
 * INFO: section "admin_stats" (admin_calls, admin_ratio, a dict field admin_db0) and
 * "admin_extra" (admin_extra_name).
 * Configs: admin.enabled (bool, yes), admin.limit (numeric 0..100, 10),
 * admin.label (string, "none"), admin.mode (enum fast|safe, fast),
 * admin.frozen (bool, immutable, no). admin.label "reject" is refused by the setter;
 * the apply function refuses admin.limit 13.
 * Filter: SETX <k> <v> becomes SET <k> <v>; filtered commands are counted.
 *
 *   admin.dict.set <k> <v> / admin.dict.get <k> / admin.dict.range <op> <k> <n>
 *   admin.client [id]       [id, addr, port, db, flags, name]
 *   admin.setname <id> <n>  SetClientNameById
 *   admin.filtered          commands seen by the filter
 *   admin.serverinfo <f>    ServerInfoGetFieldC(<f>) of GetServerInfo(NULL)
 */
#include "redismodule.h"
#include <string.h>

static long long calls = 0;
static long long filtered = 0;
static RedisModuleDict *dict;
static int enabled, frozen, mode;
static long long limit;
static RedisModuleString *label;

static void info_func(RedisModuleInfoCtx *ctx, int for_crash_report) {
    REDISMODULE_NOT_USED(for_crash_report);
    if (RedisModule_InfoAddSection(ctx, "stats") == REDISMODULE_OK) {
        RedisModule_InfoAddFieldLongLong(ctx, "calls", calls);
        RedisModule_InfoAddFieldDouble(ctx, "ratio", 0.5);
        RedisModule_InfoBeginDictField(ctx, "db0");
        RedisModule_InfoAddFieldLongLong(ctx, "keys", (long long)RedisModule_DictSize(dict));
        RedisModule_InfoAddFieldCString(ctx, "kind", "dict");
        RedisModule_InfoEndDictField(ctx);
    }
    if (RedisModule_InfoAddSection(ctx, "extra") == REDISMODULE_OK)
        RedisModule_InfoAddFieldCString(ctx, "extra_name", "coil");
}

static int get_bool(const char *name, void *pd) {
    REDISMODULE_NOT_USED(name);
    return *(int *)pd;
}

static int set_bool(const char *name, int v, void *pd, RedisModuleString **err) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(err);
    *(int *)pd = v;
    return REDISMODULE_OK;
}

static long long get_num(const char *name, void *pd) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    return limit;
}

static int set_num(const char *name, long long v, void *pd, RedisModuleString **err) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    REDISMODULE_NOT_USED(err);
    limit = v;
    return REDISMODULE_OK;
}

static RedisModuleString *get_str(const char *name, void *pd) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    return label;
}

static int set_str(const char *name, RedisModuleString *v, void *pd, RedisModuleString **err) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    size_t len;
    const char *s = RedisModule_StringPtrLen(v, &len);
    if (len == 6 && !memcmp(s, "reject", 6)) {
        *err = RedisModule_CreateString(NULL, "label 'reject' is not allowed", 29);
        return REDISMODULE_ERR;
    }
    if (label) RedisModule_FreeString(NULL, label);
    RedisModule_RetainString(NULL, v);
    label = v;
    return REDISMODULE_OK;
}

static int get_enum(const char *name, void *pd) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    return mode;
}

static int set_enum(const char *name, int v, void *pd, RedisModuleString **err) {
    REDISMODULE_NOT_USED(name);
    REDISMODULE_NOT_USED(pd);
    REDISMODULE_NOT_USED(err);
    mode = v;
    return REDISMODULE_OK;
}

static int apply(RedisModuleCtx *ctx, void *pd, RedisModuleString **err) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(pd);
    if (limit == 13) {
        *err = RedisModule_CreateString(NULL, "unlucky limit", 13);
        return REDISMODULE_ERR;
    }
    return REDISMODULE_OK;
}

static void filter(RedisModuleCommandFilterCtx *f) {
    filtered++;
    size_t len;
    const RedisModuleString *cmd = RedisModule_CommandFilterArgGet(f, 0);
    const char *s = RedisModule_StringPtrLen(cmd, &len);
    if (len == 4 && !strncasecmp(s, "setx", 4))
        RedisModule_CommandFilterArgReplace(f, 0, RedisModule_CreateString(NULL, "SET", 3));
}

static int dict_set(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    calls++;
    RedisModuleString *v = RedisModule_CreateStringFromString(NULL, argv[2]);
    void *old = NULL;
    if (RedisModule_DictDel(dict, argv[1], &old) == REDISMODULE_OK) RedisModule_FreeString(NULL, old);
    RedisModule_DictSet(dict, argv[1], v);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int dict_get(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    calls++;
    int nokey;
    RedisModuleString *v = RedisModule_DictGet(dict, argv[1], &nokey);
    if (nokey) return RedisModule_ReplyWithNull(ctx);
    return RedisModule_ReplyWithString(ctx, v);
}

static int dict_range(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long n;
    if (argc != 4) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[3], &n) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad count");
    calls++;
    const char *op = RedisModule_StringPtrLen(argv[1], NULL);
    int backwards = op[0] == '<' || op[0] == '$';
    RedisModuleDictIter *it = RedisModule_DictIteratorStart(dict, op, argv[2]);
    RedisModule_ReplyWithArray(ctx, REDISMODULE_POSTPONED_LEN);
    long long count = 0;
    char *key;
    size_t keylen;
    while (count < n && (key = backwards ? RedisModule_DictPrevC(it, &keylen, NULL)
                                         : RedisModule_DictNextC(it, &keylen, NULL))) {
        RedisModule_ReplyWithStringBuffer(ctx, key, keylen);
        count++;
    }
    RedisModule_DictIteratorStop(it);
    RedisModule_ReplySetArrayLength(ctx, count);
    return REDISMODULE_OK;
}

static int admin_client(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    unsigned long long id = RedisModule_GetClientId(ctx);
    if (argc == 2) {
        long long v;
        if (RedisModule_StringToLongLong(argv[1], &v) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad id");
        id = v;
    }
    RedisModuleClientInfo ci = REDISMODULE_CLIENTINFO_INITIALIZER_V1;
    if (RedisModule_GetClientInfoById(&ci, id) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR no such client");
    RedisModuleString *name = RedisModule_GetClientNameById(ctx, id);
    RedisModule_ReplyWithArray(ctx, 6);
    RedisModule_ReplyWithLongLong(ctx, ci.id);
    RedisModule_ReplyWithCString(ctx, ci.addr);
    RedisModule_ReplyWithLongLong(ctx, ci.port);
    RedisModule_ReplyWithLongLong(ctx, ci.db);
    RedisModule_ReplyWithLongLong(ctx, ci.flags);
    if (name) {
        RedisModule_ReplyWithString(ctx, name);
        RedisModule_FreeString(ctx, name);
    } else {
        RedisModule_ReplyWithNull(ctx);
    }
    return REDISMODULE_OK;
}

static int admin_setname(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long id;
    if (argc != 3) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &id) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad id");
    if (RedisModule_SetClientNameById(id, argv[2]) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR cannot set name");
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int admin_filtered(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithLongLong(ctx, filtered);
}

static int admin_serverinfo(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModuleServerInfoData *info = RedisModule_GetServerInfo(ctx, NULL);
    const char *v = RedisModule_ServerInfoGetFieldC(info, RedisModule_StringPtrLen(argv[1], NULL));
    if (v) RedisModule_ReplyWithCString(ctx, v);
    else RedisModule_ReplyWithNull(ctx);
    RedisModule_FreeServerInfo(ctx, info);
    return REDISMODULE_OK;
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "admin", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR) return REDISMODULE_ERR;
    dict = RedisModule_CreateDict(NULL);
    RedisModule_RegisterInfoFunc(ctx, info_func);
    static const char *modes[] = {"fast", "safe"};
    static const int mode_vals[] = {0, 1};
    if (RedisModule_RegisterBoolConfig(ctx, "enabled", 1, REDISMODULE_CONFIG_DEFAULT, get_bool, set_bool, NULL, &enabled) ||
        RedisModule_RegisterBoolConfig(ctx, "frozen", 0, REDISMODULE_CONFIG_IMMUTABLE, get_bool, set_bool, NULL, &frozen) ||
        RedisModule_RegisterNumericConfig(ctx, "limit", 10, REDISMODULE_CONFIG_DEFAULT, 0, 100, get_num, set_num, apply, NULL) ||
        RedisModule_RegisterStringConfig(ctx, "label", "none", REDISMODULE_CONFIG_DEFAULT, get_str, set_str, NULL, NULL) ||
        RedisModule_RegisterEnumConfig(ctx, "mode", 0, REDISMODULE_CONFIG_DEFAULT, modes, mode_vals, 2, get_enum, set_enum, NULL, NULL))
        return REDISMODULE_ERR;
    /* Late registration is refused once OnLoad returns; a second name is refused now. */
    if (RedisModule_RegisterBoolConfig(ctx, "enabled", 1, REDISMODULE_CONFIG_DEFAULT, get_bool, set_bool, NULL, &enabled) != REDISMODULE_ERR)
        return REDISMODULE_ERR;
    if (RedisModule_LoadConfigs(ctx) != REDISMODULE_OK) return REDISMODULE_ERR;
    if (!RedisModule_RegisterCommandFilter(ctx, filter, 0)) return REDISMODULE_ERR;
    if (RedisModule_CreateCommand(ctx, "admin.dict.set", dict_set, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.dict.get", dict_get, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.dict.range", dict_range, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.client", admin_client, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.setname", admin_setname, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.filtered", admin_filtered, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "admin.serverinfo", admin_serverinfo, "", 0, 0, 0) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
