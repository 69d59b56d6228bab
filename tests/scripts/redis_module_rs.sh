#!/usr/bin/env bash
# Runs the integration suite of the `redis-module` crate (the Rust SDK RedisJSON and
# others are written with) against coil-server.
#
# The crate's tests/integration.rs starts `redis-server` from PATH with
# `--port N --loadmodule PATH --dir D --dbfilename F` for each of its example modules.
# This script fetches the published crate from crates.io into a scratch directory
# outside the repository, gives it the three touches it needs here (Debian's
# libclang-dev for bindgen; no rust-toolchain.toml, which pins a toolchain this machine
# cannot download; redis-module-macros in its dev-dependencies, which several examples
# import), builds the examples, and runs the suite with a PATH directory whose
# `redis-server` execs coil-server.
#
# Usage: tests/scripts/redis_module_rs.sh [COIL_BIN]
#   COIL_BIN              the server to test (default target/debug/coil-server); any
#                         redis-server-compatible binary works, e.g. a real Redis 7.4
#                         for the baseline.
#   REDIS_MODULE_VERSION  crate version (default 2.0.8)
#   WORK                  scratch directory (default /tmp/coil-redis-module-rs)
# Prints the suite's own summary line; the full log is $WORK/integration.log.
set -euo pipefail
VERSION=${REDIS_MODULE_VERSION:-2.0.8}
COIL_BIN=$(readlink -f "${1:-target/debug/coil-server}")
WORK=${WORK:-/tmp/coil-redis-module-rs}
# Redis 7.4's feature set of the crate (the default one targets Redis 6.0).
FEATURES=${REDIS_MODULE_FEATURES:-min-redis-compatibility-version-7-2,min-redis-compatibility-version-7-4,bindgen-runtime}

[ -x "$COIL_BIN" ] || { echo "no server binary at $COIL_BIN" >&2; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# 1. bindgen loads libclang at build time.
if ! ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
fi

# 2. The published crate, through a throwaway project that depends on it.
mkdir -p "$WORK/fetch/src"
cat >"$WORK/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-redis-module"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
redis-module = "=$VERSION"
redis-module-macros = "=$VERSION"
EOF
echo "fn main() {}" >"$WORK/fetch/src/main.rs"
(cd "$WORK/fetch" && cargo fetch -q)
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
SRC=$(ls -d "$CARGO_HOME"/registry/src/*/"redis-module-$VERSION" | head -n1)
[ -d "$SRC" ] || { echo "redis-module $VERSION not found under $CARGO_HOME" >&2; exit 2; }

CRATE="$WORK/redis-module-$VERSION"
if [ ! -f "$CRATE/.coil-touched" ]; then
    rm -rf "$CRATE"
    cp -r "$SRC" "$CRATE"
    chmod -R u+w "$CRATE"
    # 3. The touches: no pinned toolchain, the macros crate for the examples.
    rm -f "$CRATE/rust-toolchain.toml"
    cat >>"$CRATE/Cargo.toml" <<EOF

[dev-dependencies.redis-module-macros]
version = "=$VERSION"
EOF
    touch "$CRATE/.coil-touched"
fi

# 4. A PATH directory whose redis-server is the server under test.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/redis-server" <<EOF
#!/bin/sh
exec "$COIL_BIN" "\$@"
EOF
chmod +x "$WORK/bin/redis-server"

cd "$CRATE"
export CARGO_TARGET_DIR="$CRATE/target"
cargo build -q --examples --no-default-features --features "$FEATURES"
PATH="$WORK/bin:$PATH" cargo test --no-default-features --features "$FEATURES" \
    --test integration -- --test-threads=1 2>&1 | tee "$WORK/integration.log" \
    | grep -E '^test |^test result' || true
grep -q '^test result: ok' "$WORK/integration.log"
