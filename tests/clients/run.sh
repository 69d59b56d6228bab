#!/usr/bin/env bash
# Runs the client-library smoke tests (redis-py, ioredis) against coil-server.
# The libraries are installed into a scratch directory from PyPI and npm.
set -euo pipefail
BIN=$(readlink -f "${1:-target/debug/coil-server}")
HERE=$(cd "$(dirname "$0")" && pwd)
SCRATCH=${CLIENTS_SCRATCH:-/tmp/coil-client-libs}
mkdir -p "$SCRATCH"
python3 -m pip install -q --root-user-action=ignore --upgrade --target "$SCRATCH/py" "redis>=5" >/dev/null 2>&1
(cd "$SCRATCH" && [ -d node_modules/ioredis ] || npm install --silent --no-audit --no-fund ioredis@5 >/dev/null)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
"$BIN" --port "$PORT" --save "" --dir "$DIR" >"$DIR/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
PYTHONPATH="$SCRATCH/py" python3 "$HERE/redis_py_smoke.py" "$PORT"
NODE_PATH="$SCRATCH/node_modules" node "$HERE/ioredis_smoke.js" "$PORT"
