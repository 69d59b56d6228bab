/* events: timers, keyspace notifications, post-notification jobs, server events,
 * the event loop and Pub/Sub from a module.
 *
 *   ev.timer <ms> <value>   a timer that SETs ev:timer to <value> when it fires;
 *                           replies with whether GetTimerInfo saw it.
 *   ev.stoptimer <ms>       creates then stops a timer; replies with its data.
 *   ev.ksn                  [events seen, last event, last key]
 *   ev.hooks                [connected, disconnected, flush starts, flush ends,
 *                            cron ticks > 0, config changes, last config name,
 *                            swapdb, loaded modules seen]
 *   ev.oneshot              blocks; a thread adds a one-shot event that unblocks.
 *   ev.publish <ch> <msg>   PublishMessage; replies with the receivers.
 *
 * Every "set" of a key starting with "pn:" queues a post-notification job that INCRs
 * pn:jobs (writes are allowed there, not in the notification itself).
 */
#include "redismodule.h"
#include <pthread.h>
#include <string.h>

static long long ksn_count = 0;
static char last_event[64];
static char last_key[128];
static long long connected = 0, disconnected = 0, flush_start = 0, flush_end = 0;
static long long cron_ticks = 0, config_changes = 0, swaps = 0, modules_loaded = 0;
static char last_config[128];

static void timer_cb(RedisModuleCtx *ctx, void *data) {
    RedisModuleString *v = data;
    RedisModuleCallReply *r = RedisModule_Call(ctx, "SET", "cs", "ev:timer", v);
    if (r) RedisModule_FreeCallReply(r);
    RedisModule_FreeString(NULL, v);
}

static int ev_timer(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 3) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &ms) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad ms");
    RedisModuleString *v = RedisModule_CreateStringFromString(NULL, argv[2]);
    RedisModuleTimerID id = RedisModule_CreateTimer(ctx, ms, timer_cb, v);
    uint64_t remaining = 0;
    void *data = NULL;
    int ok = RedisModule_GetTimerInfo(ctx, id, &remaining, &data) == REDISMODULE_OK;
    return RedisModule_ReplyWithLongLong(ctx, ok && data == v && remaining <= (uint64_t)ms);
}

static void never(RedisModuleCtx *ctx, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(data);
}

static int ev_stoptimer(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    long long ms;
    if (argc != 2) return RedisModule_WrongArity(ctx);
    if (RedisModule_StringToLongLong(argv[1], &ms) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR bad ms");
    RedisModuleTimerID id = RedisModule_CreateTimer(ctx, ms, never, (void *)"payload");
    void *data = NULL;
    if (RedisModule_StopTimer(ctx, id, &data) != REDISMODULE_OK) return RedisModule_ReplyWithError(ctx, "ERR stop failed");
    int again = RedisModule_StopTimer(ctx, id, NULL) == REDISMODULE_OK;
    RedisModule_ReplyWithArray(ctx, 2);
    RedisModule_ReplyWithCString(ctx, data);
    return RedisModule_ReplyWithLongLong(ctx, again);
}

static void post_job(RedisModuleCtx *ctx, void *pd) {
    REDISMODULE_NOT_USED(pd);
    RedisModuleCallReply *r = RedisModule_Call(ctx, "INCR", "c", "pn:jobs");
    if (r) RedisModule_FreeCallReply(r);
}

static int on_keyspace(RedisModuleCtx *ctx, int type, const char *event, RedisModuleString *key) {
    REDISMODULE_NOT_USED(type);
    size_t len;
    const char *k = RedisModule_StringPtrLen(key, &len);
    ksn_count++;
    strncpy(last_event, event, sizeof(last_event) - 1);
    size_t n = len < sizeof(last_key) - 1 ? len : sizeof(last_key) - 1;
    memcpy(last_key, k, n);
    last_key[n] = '\0';
    if (!strcmp(event, "set") && len > 3 && !memcmp(k, "pn:", 3) && strcmp(last_key, "pn:jobs"))
        RedisModule_AddPostNotificationJob(ctx, post_job, NULL, NULL);
    return REDISMODULE_OK;
}

static int ev_ksn(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, ksn_count);
    RedisModule_ReplyWithCString(ctx, last_event);
    return RedisModule_ReplyWithCString(ctx, last_key);
}

static void on_client(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    RedisModuleClientInfo *ci = data;
    if (ci->version != 1 || ci->id == 0) return;
    if (sub == REDISMODULE_SUBEVENT_CLIENT_CHANGE_CONNECTED) connected++;
    else disconnected++;
}

static void on_flush(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    REDISMODULE_NOT_USED(data);
    if (sub == REDISMODULE_SUBEVENT_FLUSHDB_START) flush_start++;
    else flush_end++;
}

static void on_cron(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    REDISMODULE_NOT_USED(sub);
    RedisModuleCronLoop *cl = data;
    if (cl->hz > 0) cron_ticks++;
}

static void on_config(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    REDISMODULE_NOT_USED(sub);
    RedisModuleConfigChange *cc = data;
    config_changes += cc->num_changes;
    if (cc->num_changes) strncpy(last_config, cc->config_names[0], sizeof(last_config) - 1);
}

static void on_swap(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    REDISMODULE_NOT_USED(sub);
    RedisModuleSwapDbInfo *si = data;
    if (si->dbnum_first != si->dbnum_second) swaps++;
}

static void on_module(RedisModuleCtx *ctx, RedisModuleEvent e, uint64_t sub, void *data) {
    REDISMODULE_NOT_USED(ctx);
    REDISMODULE_NOT_USED(e);
    RedisModuleModuleChange *mc = data;
    if (sub == REDISMODULE_SUBEVENT_MODULE_LOADED && mc->module_name) modules_loaded++;
}

static int ev_hooks(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    RedisModule_ReplyWithArray(ctx, 9);
    RedisModule_ReplyWithLongLong(ctx, connected);
    RedisModule_ReplyWithLongLong(ctx, disconnected);
    RedisModule_ReplyWithLongLong(ctx, flush_start);
    RedisModule_ReplyWithLongLong(ctx, flush_end);
    RedisModule_ReplyWithLongLong(ctx, cron_ticks > 0);
    RedisModule_ReplyWithLongLong(ctx, config_changes);
    RedisModule_ReplyWithCString(ctx, last_config);
    RedisModule_ReplyWithLongLong(ctx, swaps);
    return RedisModule_ReplyWithLongLong(ctx, modules_loaded);
}

static void oneshot(void *arg) {
    RedisModuleBlockedClient *bc = arg;
    RedisModule_UnblockClient(bc, NULL);
}

static void *oneshot_thread(void *arg) {
    RedisModule_EventLoopAddOneShot(oneshot, arg);
    return NULL;
}

static int oneshot_reply(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    return RedisModule_ReplyWithSimpleString(ctx, "ONESHOT");
}

static int ev_oneshot(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    if (argc != 1) return RedisModule_WrongArity(ctx);
    RedisModuleBlockedClient *bc = RedisModule_BlockClient(ctx, oneshot_reply, NULL, NULL, 0);
    pthread_t tid;
    if (pthread_create(&tid, NULL, oneshot_thread, bc) != 0) {
        RedisModule_AbortBlock(bc);
        return RedisModule_ReplyWithError(ctx, "ERR can't start thread");
    }
    pthread_detach(tid);
    return REDISMODULE_OK;
}

static int ev_publish(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    if (argc != 3) return RedisModule_WrongArity(ctx);
    return RedisModule_ReplyWithLongLong(ctx, RedisModule_PublishMessage(ctx, argv[1], argv[2]));
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc) {
    REDISMODULE_NOT_USED(argv);
    REDISMODULE_NOT_USED(argc);
    if (RedisModule_Init(ctx, "events", 1, REDISMODULE_APIVER_1) == REDISMODULE_ERR) return REDISMODULE_ERR;
    if (RedisModule_SubscribeToKeyspaceEvents(ctx, REDISMODULE_NOTIFY_ALL, on_keyspace) != REDISMODULE_OK) return REDISMODULE_ERR;
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_ClientChange, on_client);
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_FlushDB, on_flush);
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_CronLoop, on_cron);
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_Config, on_config);
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_SwapDB, on_swap);
    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_ModuleChange, on_module);
    if (RedisModule_CreateCommand(ctx, "ev.timer", ev_timer, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "ev.stoptimer", ev_stoptimer, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "ev.ksn", ev_ksn, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "ev.hooks", ev_hooks, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "ev.oneshot", ev_oneshot, "", 0, 0, 0) == REDISMODULE_ERR ||
        RedisModule_CreateCommand(ctx, "ev.publish", ev_publish, "", 0, 0, 0) == REDISMODULE_ERR)
        return REDISMODULE_ERR;
    return REDISMODULE_OK;
}
