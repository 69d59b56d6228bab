#!/usr/bin/env python3
"""Side-by-side benchmark: coil-server vs Debian's redis-server on this machine.

Usage: tests/bench/compare.py [--coil target/release/coil-server] [--redis redis-server]
                              [--requests N] [--rounds R] [--tests set,get,...] [--no-memory]
                              [--no-scripts]

For each redis-benchmark test it runs `-c 50` at `-P 1` and `-P 16` against both
servers, alternating between them R times and taking the median, and prints Coil's
throughput as a ratio of Redis's. Then it loads 1M small string keys into each
(`SET key:N value:N` through redis-cli --pipe) and compares used_memory and RSS growth.
Results are printed as a Markdown table and saved under bench-results/.

Script rows (unless --no-scripts) run EVALSHA of the same logic in both engines: Python
in Coil, Lua in redis-server: one INCR (`script_incr`) and no call at all (`script_ret1`).
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT_TESTS = "ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, name, argv, port):
        self.name, self.port = name, port
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        args = argv + ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                       "--dir", self.dir, "--enable-debug-command", "yes"]
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not start")

    def cli(self, *args, input=None):
        r = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, input=input)
        return r.stdout

    def info(self, section):
        out = {}
        for line in self.cli("INFO", section).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = v.strip()
        return out

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def bench(server, test, n, pipeline):
    r = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", test, "-n", str(n), "-c", "50",
                        "-P", str(pipeline), "-q", "--csv"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.match(r'"([^"]+)","([0-9.]+)"', line)
        if m:
            return float(m.group(2))
    return None


# (row name, Coil's Python body, Redis's Lua body, numkeys, args)
SCRIPTS = [
    ("script_incr", "return redis.call('INCR', KEYS[0])", "return redis.call('INCR', KEYS[1])", ["1", "counter"]),
    ("script_ret1", "return 1", "return 1", ["0"]),
]


def bench_cmd(server, argv, n, pipeline):
    r = subprocess.run(["redis-benchmark", "-p", str(server.port), "-n", str(n), "-c", "50",
                        "-P", str(pipeline), "-q", "--csv", *argv], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.match(r'"([^"]+)","([0-9.]+)"', line)
        if m:
            return float(m.group(2))
    return None


def load_keys(server, count):
    payload = "".join(f"SET key:{i} value:{i}\r\n" for i in range(count))
    server.cli("--pipe", input=payload)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--coil", default="target/release/coil-server")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tests", default=DEFAULT_TESTS)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--no-scripts", action="store_true")
    a = ap.parse_args()

    coil = Server("coil", [a.coil], free_port())
    redis = Server("redis", [a.redis], free_port())
    version = redis.info("server").get("redis_version", "?")
    rows = []
    try:
        for test in a.tests.split(","):
            row = [test]
            for p in (1, 16):
                results = {"coil": [], "redis": []}
                for _ in range(a.rounds):
                    for s in (coil, redis):
                        s.cli("FLUSHALL")
                        v = bench(s, test, a.requests * (4 if p == 16 else 1), p)
                        if v is not None:
                            results[s.name].append(v)
                c = statistics.median(results["coil"]) if results["coil"] else None
                r = statistics.median(results["redis"]) if results["redis"] else None
                row += [c, r, (c / r) if c and r else None]
            rows.append(row)
            print(fmt_row(row), flush=True)
        for name, py_body, lua_body, rest in ([] if a.no_scripts else SCRIPTS):
            shas = {"coil": coil.cli("SCRIPT", "LOAD", py_body).strip(),
                    "redis": redis.cli("SCRIPT", "LOAD", lua_body).strip()}
            row = [name]
            for p in (1, 16):
                results = {"coil": [], "redis": []}
                for _ in range(a.rounds):
                    for s in (coil, redis):
                        s.cli("FLUSHALL")
                        v = bench_cmd(s, ["EVALSHA", shas[s.name], *rest], a.requests * (4 if p == 16 else 1), p)
                        if v is not None:
                            results[s.name].append(v)
                c = statistics.median(results["coil"]) if results["coil"] else None
                r = statistics.median(results["redis"]) if results["redis"] else None
                row += [c, r, (c / r) if c and r else None]
            rows.append(row)
            print(fmt_row(row), flush=True)
        mem = None
        if not a.no_memory:
            mem = {}
            for s in (coil, redis):
                s.cli("FLUSHALL")
                time.sleep(0.5)
                before_used = int(s.info("memory")["used_memory"])
                before_rss = int(s.info("memory")["used_memory_rss"])
                load_keys(s, a.keys)
                time.sleep(0.5)
                m = s.info("memory")
                dbsize = int(s.cli("DBSIZE").strip() or 0)
                mem[s.name] = (int(m["used_memory"]) - before_used, int(m["used_memory_rss"]) - before_rss, dbsize)
    finally:
        coil.stop()
        redis.stop()

    lines = [f"Coil vs Redis {version} on this machine, redis-benchmark -c 50, median of {a.rounds} rounds "
             f"({a.requests} requests at -P 1, {4 * a.requests} at -P 16), requests/s:", "",
             "| test | Coil -P1 | Redis -P1 | ratio | Coil -P16 | Redis -P16 | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [fmt_row(r) for r in rows]
    if mem:
        c, r = mem["coil"], mem["redis"]
        lines += ["", f"Memory for {a.keys} small string keys (`SET key:N value:N`), growth after loading:", "",
                  "| measure | Coil | Redis | ratio |", "|---|---:|---:|---:|",
                  f"| used_memory | {c[0]:,} | {r[0]:,} | {c[0] / r[0]:.2f}x |",
                  f"| RSS | {c[1]:,} | {r[1]:,} | {c[1] / max(r[1], 1):.2f}x |",
                  f"| keys loaded | {c[2]:,} | {r[2]:,} | |"]
    text = "\n".join(lines)
    print()
    print(text)
    os.makedirs("bench-results", exist_ok=True)
    with open(os.path.join("bench-results", time.strftime("%Y%m%d-%H%M%S") + ".md"), "w") as f:
        f.write(text + "\n")


def fmt_row(row):
    def n(v):
        return f"{v:,.0f}" if v else "error"

    def x(v):
        return f"{v:.2f}x" if v else "-"
    return f"| {row[0]} | {n(row[1])} | {n(row[2])} | {x(row[3])} | {n(row[4])} | {n(row[5])} | {x(row[6])} |"


if __name__ == "__main__":
    sys.exit(main())
