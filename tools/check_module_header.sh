#!/usr/bin/env bash
# Checks modules-api/include/redismodule.h against a Redis source tree's header:
# every constant's value and every struct's size and field offsets must be equal, and
# Redis's own test modules must compile against ours.
#
#     tools/check_module_header.sh /path/to/redis
set -euo pipefail
REDIS=${1:?usage: $0 /path/to/redis}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OURS=$HERE/modules-api/include
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A probe program: constants from our Rust list, layouts of the ABI structs.
{
    echo '#include "redismodule.h"'
    echo '#include <stddef.h>'
    echo 'int main(void) {'
    grep -oE 'pub const [A-Z_0-9]+: (i32|i64|u64)' "$HERE/modules-api/src/consts.rs" |
        awk '{print $3}' | tr -d ':' |
        while read -r c; do echo "    printf(\"$c %lld\\n\", (long long)($c));"; done
    for s in RedisModuleTypeMethods RedisModuleCommandInfo RedisModuleCommandInfoVersion \
        RedisModuleCommandKeySpec RedisModuleCommandArg RedisModuleCommandHistoryEntry \
        RedisModuleEvent RedisModuleStreamID RedisModuleClientInfoV1 RedisModuleFlushInfoV1 \
        RedisModuleModuleChangeV1 RedisModuleConfigChangeV1 RedisModuleCronLoopV1 \
        RedisModuleLoadingProgressV1 RedisModuleSwapDbInfoV1 RedisModuleKeyInfoV1 \
        RedisModuleReplicationInfoV1; do
        echo "    printf(\"sizeof $s %zu\\n\", sizeof($s));"
    done
    for f in version rdb_load rdb_save aof_rewrite mem_usage digest free aux_load aux_save \
        aux_save_triggers free_effort unlink copy defrag mem_usage2 free_effort2 unlink2 copy2 aux_save2; do
        echo "    printf(\"TypeMethods.$f %zu\\n\", offsetof(RedisModuleTypeMethods, $f));"
    done
    for f in notes flags begin_search_type bs.index.pos bs.keyword.keyword bs.keyword.startfrom \
        find_keys_type fk.range.lastkey fk.range.keystep fk.range.limit fk.keynum.keynumidx \
        fk.keynum.firstkey fk.keynum.keystep; do
        echo "    printf(\"KeySpec.$f %zu\\n\", offsetof(RedisModuleCommandKeySpec, $f));"
    done
    for f in version summary complexity since history tips arity key_specs args; do
        echo "    printf(\"CommandInfo.$f %zu\\n\", offsetof(RedisModuleCommandInfo, $f));"
    done
    echo '    printf("events %llu %llu\n", (unsigned long long)RedisModuleEvent_Key.id, (unsigned long long)RedisModuleEvent_CronLoop.id);'
    echo '    return 0; }'
} >"$TMP/probe.c"
cc -w -I"$OURS" -o "$TMP/ours" "$TMP/probe.c"
cc -w -I"$REDIS/src" -o "$TMP/theirs" "$TMP/probe.c"
"$TMP/ours" >"$TMP/ours.txt"
"$TMP/theirs" >"$TMP/theirs.txt"
diff "$TMP/theirs.txt" "$TMP/ours.txt"
echo "layouts and $(wc -l <"$TMP/ours.txt") values agree"

# Every Redis test module compiles against our header.
n=0
for m in "$REDIS"/tests/modules/*.c; do
    cc -fsyntax-only -Wall -Werror -Wno-unused-function -Wno-deprecated-declarations \
        -std=gnu11 -I"$OURS" "$m"
    n=$((n + 1))
done
echo "$n Redis test modules compile against our header"
