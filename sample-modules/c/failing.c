/* A module whose OnLoad fails after registering a command: nothing may remain. */
#include "redismodule.h"

static int Ping(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithSimpleString(ctx, "PONG");
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "failing", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    if (RedisModule_CreateCommand(ctx, "failing.ping", Ping, "fast", 0, 0, 0) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    RedisModule_Log(ctx, "warning", "failing on purpose (%d)", 42);
    return REDISMODULE_ERR;
}
