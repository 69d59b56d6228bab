#!/usr/bin/env bash
# Runs Redis's own Tcl test suite against coil-server, with coil-server standing in as
# the suite's `src/redis-server` (spawned mode: one fresh server per test block).
#
# Usage: tests/scripts/run_tcl_suite.sh REDIS_SRC COIL_BIN [unit/type/string ...]
#   REDIS_SRC  a Redis 7.4 source tree (fetched, never committed), with its
#              src/redis-cli, src/redis-benchmark, ... built (`make`), for the tools
#              the suite runs besides the server.
#   COIL_BIN   the coil-server binary.
# Prints one line per test file with its pass/fail counts; full logs go to
# $OUT (default /tmp/coil-tcl).
set -uo pipefail
REDIS_SRC=$(cd "$1" && pwd); COIL_BIN=$(readlink -f "$2"); shift 2
UNITS=("$@")
[ ${#UNITS[@]} -gt 0 ] || UNITS=(unit/type/string unit/type/incr unit/type/list unit/type/hash unit/type/set unit/type/zset unit/keyspace unit/expire unit/multi unit/pubsub unit/pubsubshard unit/info-command)
OUT=${OUT:-/tmp/coil-tcl}
WORK=$(mktemp -d /tmp/coil-tcl-suite.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$WORK/src"
cp -r "$REDIS_SRC/tests" "$WORK/tests"
cp "$REDIS_SRC/runtest" "$WORK/runtest"
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
    ln -s "$REDIS_SRC/src/$tool" "$WORK/src/$tool"
done
cat > "$WORK/src/redis-server" <<WRAP
#!/bin/sh
exec "$COIL_BIN" "\$@"
WRAP
chmod +x "$WORK/src/redis-server"
cd "$WORK"
total_ok=0; total_err=0
for u in "${UNITS[@]}"; do
    log="$OUT/$(echo "$u" | tr / _).log"
    timeout ${TCL_TIMEOUT:-900} ./runtest --single "$u" --clients 1 --timeout 120 --tags -needs:repl --dont-clean 2>&1 \
        | sed 's/\x1b\[[0-9;]*m//g' >"$log"
    ok=$(grep -c '^\[ok\]' "$log"); err=$(grep -c '^\[err\]\|^\[exception\]' "$log")
    total_ok=$((total_ok+ok)); total_err=$((total_err+err))
    status="completed"
    grep -q 'All tests passed' "$log" || status=$(grep -m1 -E '\[exception\]|Killing|timed out|error' "$log" | head -c 120)
    printf '%-28s ok=%-4s err=%-4s %s\n' "$u" "$ok" "$err" "$status"
done
echo "total: $total_ok passed, $total_err failed"
