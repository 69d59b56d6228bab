#!/usr/bin/env bash
# Starts coil-server and drives it with Debian's redis-cli and redis-benchmark, the
# way a user would. Exits non-zero on any unexpected reply or benchmark error.
set -euo pipefail
BIN=${1:-target/debug/coil-server}
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
DIR=$(mktemp -d)
"$BIN" --port "$PORT" --save "" --dir "$DIR" >"$DIR/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

cli() { redis-cli -p "$PORT" "$@"; }
fail=0
check() { # check "<expected>" command args...
    local want=$1; shift
    local got
    got=$(cli "$@" 2>&1)
    if [ "$got" != "$want" ]; then
        echo "FAIL: redis-cli $* -> '$got' (expected '$want')"; fail=1
    else
        echo "ok: redis-cli $*"
    fi
}
check PONG ping
check OK set greeting "hello world"
check "hello world" get greeting
check 1 exists greeting
check 11 incrby counter 11
check string type greeting
check "OK" config set maxmemory 100mb
printf 'maxmemory\n104857600\n' > "$DIR/want"
cli config get maxmemory > "$DIR/got"; cmp -s "$DIR/want" "$DIR/got" || { echo "FAIL: config get"; fail=1; }
cli info server | grep -q '^redis_version:7.4.0' || { echo "FAIL: info server"; fail=1; }
cli --no-raw command docs get | grep -q 'Returns the string value of a key' || { echo "FAIL: command docs"; fail=1; }
# Pipe mode: a batch of commands through --pipe.
for i in $(seq 1000); do printf 'SET pipe:%d %d\r\n' "$i" "$i"; done | cli --pipe | grep -q 'errors: 0, replies: 1000' || { echo "FAIL: --pipe"; fail=1; }
check 1002 dbsize

TESTS=${BENCH_TESTS:-set,get,incr,mset}
echo "redis-benchmark -t $TESTS -n 20000"
# redis-benchmark exits at the first error reply ("Error from server: ...").
if ! out=$(redis-benchmark -p "$PORT" -t "$TESTS" -n 20000 -q 2>&1); then
    echo "$out"; echo "FAIL: redis-benchmark exited with an error"; fail=1
fi
echo "$out" | tr '\r' '\n' | grep 'requests per second' || true
if echo "$out" | grep -q 'Error from server'; then echo "FAIL: redis-benchmark got error replies"; fail=1; fi
kill -0 $PID || { echo "FAIL: server died"; fail=1; }
[ $fail -eq 0 ] && echo "cli smoke: all checks passed"
exit $fail
