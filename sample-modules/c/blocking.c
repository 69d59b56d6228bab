/* blocking: module-blocked clients answered from background threads.
 *
 *   blk.thread <ms>      blocks; a thread sleeps <ms>, takes the execution lock to
 *                        INCR blk:count through a thread-safe context, then unblocks
 *                        with the new count as private data; the reply callback
 *                        replies with it.
 *   blk.threadreply      blocks; a thread replies through its thread-safe context
 *                        (no reply callback) and unblocks.
 *   blk.timeout <ms>     blocks with a timeout; the timeout callback replies; a
 *                        thread unblocks the (still valid) handle later.
 *   blk.keys <key> <ms>  blocks on <key> until it holds a string, served by the
 *                        reply callback; blk.signal <key> wakes it.
 *   blk.disconnects      number of disconnect callbacks seen.
 *   blk.gil              takes and releases the lock from a thread while the loop
 *                        runs; replies OK.
 */
#include "redismodule.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static long long disconnects = 0;

static void free_privdata(RedisModuleCtx *ctx, void *pd) {
    REDISMODULE_NOT_USED(ctx);
    RedisModule_Free(pd);
}

static void on_disconnect(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(bc);
    disconnects++;
}

static int reply_count(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    long long *n = RedisModule_GetBlockedClientPrivateData(ctx);
    if (!RedisModule_IsBlockedReplyRequest(ctx)) return RedisModule_ReplyWithError(ctx, "ERR not a reply request");
    return RedisModule_ReplyWithLongLong(ctx, n ? *n : -1);
}

static int reply_timeout(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (!RedisModule_IsBlockedTimeoutRequest(ctx)) return RedisModule_ReplyWithError(ctx, "ERR not a timeout request");
    return RedisModule_ReplyWithSimpleString(ctx, "TIMEDOUT");
}

typedef struct {
    RedisModuleBlockedClient *bc;
    long long ms;
} job;

static void *count_thread(void *arg) {
    job *j = arg;
    usleep(j->ms * 1000);
    RedisModuleCtx *ctx = RedisModule_GetThreadSafeContext(j->bc);
    RedisModule_ThreadSafeContextLock(ctx);
    RedisModuleCallReply *r = RedisModule_Call(ctx, "INCR", "c", "blk:count");
    long long *n = RedisModule_Alloc(sizeof(long long));
    *n = r ? RedisModule_CallReplyInteger(r) : -1;
    if (r) RedisModule_FreeCallReply(r);
    RedisModule_ThreadSafeContextUnlock(ctx);
    RedisModule_FreeThreadSafeContext(ctx);
    RedisModule_UnblockClient(j->bc, n);
    RedisModule_Free(j);
    return NULL;
}

static int start_thread(RedisModuleCtx *ctx, RedisModuleBlockedClient *bc, long long ms, void *(*fn)(void *)) {
    job *j = RedisModule_Alloc(sizeof(job));
    j->bc = bc;
    j->ms = ms;
    pthread_t tid;
    if (pthread_create(&tid, NULL, fn, j) != 0) {
        RedisModule_AbortBlock(bc);
        RedisModule_Free(j);
        return RedisModule_ReplyWithError(ctx, "ERR can't start thread");
    }
    pthread_detach(tid);
    return REDISMODULE_OK;
}

static int blk_thread(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &ms) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad ms");
    RedisModuleBlockedClient *bc = RedisModule_BlockClient(ctx, reply_count, reply_timeout, free_privdata, 0);
    RedisModule_SetDisconnectCallback(bc, on_disconnect);
    return start_thread(ctx, bc, ms, count_thread);
}

static void *reply_thread(void *arg) {
    job *j = arg;
    RedisModuleCtx *ctx = RedisModule_GetThreadSafeContext(j->bc);
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithSimpleString(ctx, "from-thread");
    RedisModule_ReplyWithLongLong(ctx, RedisModule_GetClientId(ctx) > 0);
    RedisModule_FreeThreadSafeContext(ctx);
    RedisModule_UnblockClient(j->bc, NULL);
    RedisModule_Free(j);
    return NULL;
}

static int blk_threadreply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModuleBlockedClient *bc = RedisModule_BlockClient(ctx, NULL, NULL, NULL, 0);
    return start_thread(ctx, bc, 0, reply_thread);
}

static void *late_unblock_thread(void *arg) {
    job *j = arg;
    usleep(j->ms * 1000);
    RedisModule_UnblockClient(j->bc, NULL);
    RedisModule_Free(j);
    return NULL;
}

static int blk_timeout(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &ms) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad ms");
    RedisModuleBlockedClient *bc = RedisModule_BlockClient(ctx, reply_count, reply_timeout, NULL, ms);
    return start_thread(ctx, bc, ms * 3, late_unblock_thread);
}

static int keys_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argc);
    RedisModuleString *ready = RedisModule_GetBlockedClientReadyKey(ctx);
    if (!ready || RedisModule_StringCompare(ready, argv[1]) != 0) return REDISMODULE_ERR;
    RedisModuleCallReply *r = RedisModule_Call(ctx, "GET", "s", argv[1]);
    if (!r || RedisModule_CallReplyType(r) != REDISMODULE_REPLY_STRING) {
        if (r) RedisModule_FreeCallReply(r);
        return REDISMODULE_ERR;
    }
    RedisModule_ReplyWithCallReply(ctx, r);
    RedisModule_FreeCallReply(r);
    return REDISMODULE_OK;
}

static int keys_timeout(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithNull(ctx);
}

static int blk_keys(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 3) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[2], &ms) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad ms");
    RedisModule_BlockClientOnKeys(ctx, keys_reply, keys_timeout, NULL, ms, &argv[1], 1, NULL);
    return REDISMODULE_OK;
}

static int blk_signal(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    RedisModule_SignalKeyAsReady(ctx, argv[1]);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int blk_disconnects(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithLongLong(ctx, disconnects);
}

static void *gil_thread(void *arg) {
    job *j = arg;
    RedisModuleCtx *ctx = RedisModule_GetThreadSafeContext(j->bc);
    /* The loop may still hold the lock for a moment after the command: retry. */
    int got = 0;
    for (int i = 0; i < 1000 && !got; i++) {
        got = RedisModule_ThreadSafeContextTryLock(ctx) == REDISMODULE_OK;
        if (!got) usleep(1000);
    }
    if (got) RedisModule_ThreadSafeContextUnlock(ctx);
    RedisModule_ThreadSafeContextLock(ctx);
    RedisModuleCallReply *r = RedisModule_Call(ctx, "PING", "");
    int pinged = r && RedisModule_CallReplyType(r) == REDISMODULE_REPLY_STRING;
    if (r) RedisModule_FreeCallReply(r);
    RedisModule_ThreadSafeContextUnlock(ctx);
    /* Without the lock the context cannot reach the server: the call fails. */
    RedisModuleCallReply *nolock = RedisModule_Call(ctx, "PING", "");
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, got);
    RedisModule_ReplyWithLongLong(ctx, pinged);
    RedisModule_ReplyWithLongLong(ctx, nolock == NULL);
    RedisModule_FreeThreadSafeContext(ctx);
    RedisModule_UnblockClient(j->bc, NULL);
    RedisModule_Free(j);
    return NULL;
}

static int blk_gil(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModuleBlockedClient *bc = RedisModule_BlockClient(ctx, NULL, NULL, NULL, 0);
    return start_thread(ctx, bc, 0, gil_thread);
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "blocking", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR) return REDISMODULE_ERR;
    if (RedisModule_CreateCommand(ctx, "blk.thread", blk_thread, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.threadreply", blk_threadreply, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.timeout", blk_timeout, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.keys", blk_keys, "readonly", 1, 1, 1) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.signal", blk_signal, "", 1, 1, 1) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.disconnects", blk_disconnects, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "blk.gil", blk_gil, "", 0, 0, 0) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
