#!/usr/bin/env python3
"""Compares Coil's COMMAND INFO and COMMAND DOCS with a real Redis, command by command.

Usage: compare_metadata.py COIL_BIN REDIS_BIN [KNOWN_DIFFS_FILE]

Starts both servers, asks each for the metadata of every command Coil serves (RESP3, so
status vs bulk strings and sets vs arrays count), and fails on any difference that is
not listed in KNOWN_DIFFS_FILE (one `command` per line with the reason after `#`).

Against Redis 7.4 (what Coil follows) everything must match exactly. Against an older
Redis (Debian ships 7.0) the comparison skips what Redis 7.2 rewrote for every command:
summaries, argument names and `display_text`; everything else (arity, flags, key specs,
ACL categories, tips, group, since, complexity, argument types, tokens and flags) must
still match unless the command is in the known-differences file.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from resp_client import Conn  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary):
    port = free_port()
    d = tempfile.mkdtemp()
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            c = Conn(port=port)
            return p, c, d
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{binary} did not start")


def normalize(v):
    """Sort what Redis emits in hash-table order (subcommands), keep everything else."""
    if isinstance(v, dict):
        return {k: normalize(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        items = [normalize(x) for x in v]
        if items and all(isinstance(x, list) and x and isinstance(x[0], str) and "|" in x[0] for x in items):
            items.sort(key=lambda x: x[0])
        return type(v)(items) if type(v) is not list else items
    return v


DOC_REWRITE_FIELDS = {"summary", "display_text", "name"}


def strip_rewrite(v):
    """Drops the fields Redis 7.2's documentation rewrite changed for every command."""
    if isinstance(v, dict):
        return {k: strip_rewrite(x) for k, x in v.items() if k not in DOC_REWRITE_FIELDS}
    if isinstance(v, list):
        return type(v)(strip_rewrite(x) for x in v) if type(v) is not list else [strip_rewrite(x) for x in v]
    return v


def only_subcommands(info, docs, served):
    """Keeps only the subcommands Coil serves in a reference server's INFO/DOCS entry."""
    if isinstance(info, list) and info and isinstance(info[0], list) and len(info[0]) == 10:
        entry = info[0]
        entry[9] = type(entry[9])(x for x in entry[9] if x[0] in served)
    if isinstance(docs, dict):
        for d in docs.values():
            if isinstance(d, dict) and "subcommands" in d:
                d["subcommands"] = {k: x for k, x in d["subcommands"].items() if k in served}
                if not d["subcommands"]:
                    del d["subcommands"]


def main():
    coil_bin, redis_bin = sys.argv[1], sys.argv[2]
    known = {}
    if len(sys.argv) > 3:
        for line in open(sys.argv[3]):
            line = line.split("#", 1)
            name = line[0].strip()
            if name:
                known[name] = line[1].strip() if len(line) > 1 else ""
    cp, coil, cd = start(coil_bin)
    rp, redis, rd = start(redis_bin)
    try:
        served = set(coil.call("COMMAND", "LIST"))
        names = sorted(n for n in served if "|" not in n)
        version = next(l for l in redis.call("INFO", "server").splitlines() if l.startswith("redis_version:"))
        exact = version.split(":")[1].startswith("7.4")
        print(f"reference {version.strip()}: {'exact' if exact else 'structural (7.2 doc rewrite ignored)'} comparison")
        bad, expected, newer = [], [], []
        for n in names:
            ci = normalize(coil.call("COMMAND", "INFO", n))
            rinfo, rdocs = redis.call("COMMAND", "INFO", n), redis.call("COMMAND", "DOCS", n)
            if rinfo == [None] and not exact:
                since = coil.call("COMMAND", "DOCS", n)[n].get("since", "")
                ref = version.split(":")[1].strip()
                as_tuple = lambda v: tuple(int(x) for x in v.split(".")[:3] if x.isdigit())
                if as_tuple(since) > as_tuple(ref):
                    newer.append((n, since))
                else:
                    bad.append((n, "missing from the reference"))
                continue
            only_subcommands(rinfo, rdocs, served)
            ri = normalize(rinfo)
            cdoc = normalize(coil.call("COMMAND", "DOCS", n))
            rdoc = normalize(rdocs)
            if not exact:
                cdoc, rdoc = strip_rewrite(cdoc), strip_rewrite(rdoc)
            if ci != ri or cdoc != rdoc:
                what = ("INFO " if ci != ri else "") + ("DOCS" if cdoc != rdoc else "")
                (expected if n in known else bad).append((n, what.strip()))
        print(f"compared {len(names)} commands: {len(names) - len(bad) - len(expected) - len(newer)} identical, "
              f"{len(expected)} known version differences, {len(newer)} newer than the reference, "
              f"{len(bad)} unexpected differences")
        for n, since in newer:
            print(f"  newer: {n} (since {since})")
        for n, what in expected:
            print(f"  known: {n} ({what}): {known[n]}")
        for n, what in bad:
            print(f"  DIFFERENT: {n} ({what})")
        return 1 if bad else 0
    finally:
        for p, d in ((cp, cd), (rp, rd)):
            p.kill()
            p.wait()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
