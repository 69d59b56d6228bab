#!/usr/bin/env python3
"""RDB, AOF and DUMP/RESTORE interoperability between coil-server and real Redis.

Usage: tests/scripts/persist_interop.py COIL_BIN REDIS_BIN [REDIS_BIN ...]
           [--check-rdb redis-check-rdb] [--check-aof redis-check-aof] [--assets DIR]

For every Redis binary given (Debian's 7.0 in CI, a 7.4 build when available):
  1. a dataset with every type and encoding (and hash field TTLs when the Redis is
     7.4+) is written by Coil (SAVE) and loaded by Redis, and the other way round;
  2. redis-check-rdb accepts Coil's RDB;
  3. every key's DUMP from one side is RESTOREd on the other;
  4. Coil's multi-part AOF (with and without the RDB preamble) passes redis-check-aof
     and loads in Redis; Redis's AOF directory loads in Coil;
  5. with --assets (Redis's tests/assets), the old-format RDB files there load in both
     and compare equal.
Each comparison covers every key of every database: type, value, TTL (absolute, ms),
hash field TTLs, and OBJECT ENCODING when both sides are the same major version.
Prints one line per check and a final "N passed, M failed" line; exits 1 on failure.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Conn:
    """A minimal RESP2 client."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            d = self.sock.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ValueError(f"bad reply {line!r}")

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def call(self, *args):
        self.send(*args)
        r = self._reply()
        if isinstance(r, RuntimeError):
            raise r
        return r

    def pipeline(self, cmds):
        for c in cmds:
            self.send(*c)
        return [self._reply() for _ in cmds]


class Server:
    def __init__(self, binary, workdir, extra=()):
        self.port = free_port()
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.logpath = os.path.join(workdir, "server.log")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", workdir,
                "--save", "", "--enable-debug-command", "yes", "--logfile", self.logpath, *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                self.conn = Conn(self.port)
                r = self.conn.call("PING")
                if r == "PONG":
                    break
            except (OSError, RuntimeError, ConnectionError):
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{binary} did not start: {self.log_tail()}")
            time.sleep(0.05)
        self.version = self.conn.call("INFO", "server").decode().split("redis_version:")[1].split("\r\n")[0]
        self.is_coil = b"coil_version" in self.conn.call("INFO", "server")

    def log_tail(self):
        try:
            with open(self.logpath) as f:
                return "".join(f.readlines()[-15:])
        except OSError:
            return ""

    def stop(self):
        try:
            self.conn.call("SHUTDOWN", "NOSAVE")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# Coil without the list commands (before the lists work is merged) skips lists.
LISTS = True


def populate(c, hfe):
    """Every type in every encoding Redis has for it."""
    cmds = []
    # Strings: int encodings, embstr, raw, compressible, binary.
    for k, v in [("s:int8", "12"), ("s:int16", "-30000"), ("s:int32", "2000000000"),
                 ("s:int64", "9223372036854775807"), ("s:min", "-9223372036854775808"),
                 ("s:lead0", "007"), ("s:empty", ""), ("s:emb", "hello world"),
                 ("s:raw", "r" * 100 + "x"), ("s:lzf", "abcdefgh" * 200),
                 ("s:bin", "\x00\xff\r\n binary")]:
        cmds.append(("SET", k, v))
    cmds.append(("SET", "s:ttl", "expiring", "PX", "100000000"))
    cmds.append(("SET", "s:rand", os.urandom(300)))
    # Lists: listpack, quicklist with many nodes, integers, a big element.
    cmds.append(("RPUSH", "l:small", "a", "1", "-5", "b", "123456789012"))
    cmds.append(("RPUSH", "l:big", *[("e%d" % i) * (1 + i % 7) for i in range(3000)]))
    cmds.append(("RPUSH", "l:ints", *[str(i * 977 - 100000) for i in range(500)]))
    cmds.append(("RPUSH", "l:huge", "x" * 20000, "y", "z" * 9000))
    cmds.append(("LPUSH", "l:ttl", "q"))
    cmds.append(("PEXPIRE", "l:ttl", "90000000"))
    if not LISTS:
        cmds = [c_ for c_ in cmds if not c_[1].startswith("l:")]
    # Sets: intset (16/32/64-bit), listpack, hashtable.
    cmds.append(("SADD", "set:i16", *range(-10, 10)))
    cmds.append(("SADD", "set:i64", "1", "9223372036854775807", "-9223372036854775808"))
    cmds.append(("SADD", "set:ibig", *range(0, 500000, 1000)))
    cmds.append(("SADD", "set:lp", "a", "b", "c", "1"))
    cmds.append(("SADD", "set:ht", *["m%d" % i for i in range(300)]))
    cmds.append(("SADD", "set:long", "x" * 100, "y"))
    # Sorted sets: listpack, skiplist, special scores.
    cmds.append(("ZADD", "z:lp", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e",
                 "0.1", "f", "1e300", "g", "123456789", "h"))
    cmds.append(("ZADD", "z:sl", *sum([[str(i / 7), "m%d" % i] for i in range(400)], [])))
    cmds.append(("ZADD", "z:long", "1", "x" * 100))
    # Hashes: listpack, hashtable (many fields, long values).
    cmds.append(("HSET", "h:lp", "f1", "v1", "f2", "2", "num", "-77", "e", ""))
    cmds.append(("HSET", "h:ht", *sum([["f%d" % i, "v%d" % i] for i in range(300)], [])))
    cmds.append(("HSET", "h:long", "f", "v" * 100))
    # Other databases.
    cmds.append(("SELECT", "1"))
    cmds.append(("SET", "db1:key", "in db 1"))
    cmds.append(("ZADD", "db1:z", "1", "one"))
    cmds.append(("SELECT", "5"))
    cmds.append(("HSET", "db5:h", "a", "b"))
    cmds.append(("SELECT", "0"))
    if hfe:
        cmds.append(("HSET", "hx:lp", "a", "1", "b", "2", "c", "3"))
        cmds.append(("HPEXPIRE", "hx:lp", "80000000", "FIELDS", "2", "a", "c"))
        cmds.append(("HSET", "hx:ht", *sum([["f%d" % i, "v%d" % i] for i in range(200)], [])))
        cmds.append(("HPEXPIRE", "hx:ht", "70000000", "FIELDS", "3", "f1", "f7", "f100"))
        cmds.append(("HPEXPIRE", "hx:ht", "75000000", "FIELDS", "1", "f2"))
    for r in c.pipeline(cmds):
        if isinstance(r, RuntimeError):
            raise r


def snapshot(c, hfe, encodings):
    """{(db, key): (type, value, pexpiretime, field ttls, encoding)} of every key."""
    out = {}
    for db in range(16):
        c.call("SELECT", db)
        cursor = b"0"
        keys = []
        while True:
            cursor, batch = c.call("SCAN", cursor, "COUNT", "1000")
            keys.extend(batch)
            if cursor == b"0":
                break
        for k in keys:
            t = c.call("TYPE", k)
            if t == "string":
                v = c.call("GET", k)
            elif t == "list":
                v = tuple(c.call("LRANGE", k, 0, -1)) if LISTS else None
            elif t == "set":
                v = tuple(sorted(c.call("SMEMBERS", k)))
            elif t == "zset":
                r = c.call("ZRANGE", k, 0, -1, "WITHSCORES")
                v = tuple((r[i], float(r[i + 1])) for i in range(0, len(r), 2))
            elif t == "hash":
                r = c.call("HGETALL", k)
                v = tuple(sorted((r[i], r[i + 1]) for i in range(0, len(r), 2)))
            else:
                v = None
            exp = c.call("PEXPIRETIME", k)
            fttl = None
            if t == "hash" and hfe:
                fields = [f for f, _ in v]
                fttl = tuple(c.call("HPEXPIRETIME", k, "FIELDS", len(fields), *fields))
            enc = c.call("OBJECT", "ENCODING", k) if encodings else None
            out[(db, k)] = (t, v, exp, fttl, enc)
    c.call("SELECT", 0)
    return out


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"[ok] {name}")
        else:
            self.failed += 1
            print(f"[FAIL] {name}: {detail}")


def diff(a, b):
    keys = sorted(set(a) | set(b), key=repr)
    lines = []
    for k in keys:
        if a.get(k) != b.get(k):
            lines.append(f"  {k!r}: {repr(a.get(k))[:200]} != {repr(b.get(k))[:200]}")
    return "\n".join(lines[:20]) + (f"\n  ... {len(lines)} keys differ" if len(lines) > 20 else "")


def major(v):
    return tuple(int(x) for x in v.split(".")[:2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("coil")
    ap.add_argument("redis", nargs="+")
    ap.add_argument("--check-rdb", default="redis-check-rdb")
    ap.add_argument("--check-aof", default="redis-check-aof")
    ap.add_argument("--assets")
    args = ap.parse_args()
    rep = Report()
    global LISTS
    root0 = tempfile.mkdtemp(prefix="coil-probe-")
    p = Server(os.path.abspath(args.coil), root0)
    LISTS = p.conn.call("COMMAND", "INFO", "rpush")[0] is not None
    p.stop()
    shutil.rmtree(root0, ignore_errors=True)
    if not LISTS:
        print("(coil-server has no list commands yet: lists are skipped)")
    root = tempfile.mkdtemp(prefix="coil-interop-")
    try:
        for rbin in args.redis:
            run_pair(rep, args, os.path.abspath(args.coil), rbin, root)
        if args.assets:
            run_assets(rep, args, os.path.abspath(args.coil), args.redis[-1], root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{rep.passed} passed, {rep.failed} failed")
    sys.exit(1 if rep.failed else 0)


def fresh(root, name):
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def run_pair(rep, args, coil, rbin, root):
    probe = Server(rbin, fresh(root, "probe"))
    rver = probe.version
    probe.stop()
    hfe = major(rver) >= (7, 4)
    enc = major(rver) >= (7, 4)
    tag = f"redis {rver}"

    # 1. Coil writes, Redis reads.
    cd = fresh(root, "coil1")
    s = Server(coil, cd)
    populate(s.conn, hfe)
    want = snapshot(s.conn, hfe, enc)
    s.conn.call("SAVE")
    s.stop()
    r = subprocess.run([args.check_rdb, os.path.join(cd, "dump.rdb")], capture_output=True, text=True)
    rep.check(f"{os.path.basename(args.check_rdb)} accepts Coil's RDB ({tag} dataset)",
              r.returncode == 0 and "RDB looks OK" in r.stdout, r.stdout[-500:])
    rd = fresh(root, "redis1")
    shutil.copy(os.path.join(cd, "dump.rdb"), os.path.join(rd, "dump.rdb"))
    s = Server(rbin, rd)
    got = snapshot(s.conn, hfe, enc)
    s.stop()
    rep.check(f"{tag} loads Coil's RDB with the same content", got == want, diff(want, got))

    # 2. Redis writes, Coil reads.
    rd = fresh(root, "redis2")
    s = Server(rbin, rd)
    populate(s.conn, hfe)
    want = snapshot(s.conn, hfe, enc)
    s.conn.call("SAVE")
    s.stop()
    cd = fresh(root, "coil2")
    shutil.copy(os.path.join(rd, "dump.rdb"), os.path.join(cd, "dump.rdb"))
    s = Server(coil, cd)
    got = snapshot(s.conn, hfe, enc)
    # Coil saves what it loaded; Redis loads that back unchanged.
    s.conn.call("SAVE")
    s.stop()
    rep.check(f"Coil loads {tag}'s RDB with the same content", got == want, diff(want, got))
    rd3 = fresh(root, "redis3")
    shutil.copy(os.path.join(cd, "dump.rdb"), os.path.join(rd3, "dump.rdb"))
    s = Server(rbin, rd3)
    back = snapshot(s.conn, hfe, enc)
    s.stop()
    rep.check(f"{tag}'s dataset survives Redis -> Coil -> Redis", back == want, diff(want, back))

    # 3. DUMP/RESTORE both ways.
    a = Server(coil, fresh(root, "coil4"))
    b = Server(rbin, fresh(root, "redis4"))
    populate(a.conn, hfe)
    populate(b.conn, hfe)
    for src, dst, what in [(a, b, f"Coil DUMP -> {tag} RESTORE"), (b, a, f"{tag} DUMP -> Coil RESTORE")]:
        want = snapshot(src.conn, hfe, enc)
        errors = []
        for db in range(16):
            src.conn.call("SELECT", db)
            dst.conn.call("SELECT", db)
            dst.conn.call("FLUSHDB")
        for (db, k) in want:
            src.conn.call("SELECT", db)
            dst.conn.call("SELECT", db)
            payload = src.conn.call("DUMP", k)
            pt = src.conn.call("PEXPIRETIME", k)
            try:
                dst.conn.call("RESTORE", k, pt if pt > 0 else 0, payload, "REPLACE",
                              *(["ABSTTL"] if pt > 0 else []))
            except RuntimeError as e:
                errors.append(f"{k!r}: {e}")
        src.conn.call("SELECT", 0)
        dst.conn.call("SELECT", 0)
        got = snapshot(dst.conn, hfe, enc)
        rep.check(what, not errors and got == want, "\n".join(errors[:5]) + diff(want, got))
    a.stop()
    b.stop()

    # 4. AOF: Coil's multi-part AOF in Redis, Redis's in Coil.
    for preamble in ("yes", "no"):
        cd = fresh(root, "coil5" + preamble)
        s = Server(coil, cd, ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
        populate(s.conn, hfe)
        s.conn.call("BGREWRITEAOF")
        wait_rewrite(s.conn)
        s.conn.call("SET", "after:rewrite", "1")
        s.conn.call("INCRBYFLOAT", "after:float", "1.5")
        s.conn.call("EXPIRE", "after:rewrite", "100000")
        want = snapshot(s.conn, hfe, enc)
        s.stop()
        manifest = os.path.join(cd, "appendonlydir", "appendonly.aof.manifest")
        r = subprocess.run([args.check_aof, manifest], capture_output=True, text=True)
        rep.check(f"{os.path.basename(args.check_aof)} accepts Coil's AOF (preamble {preamble})",
                  r.returncode == 0, (r.stdout + r.stderr)[-500:])
        rd = fresh(root, "redis5" + preamble)
        shutil.copytree(os.path.join(cd, "appendonlydir"), os.path.join(rd, "appendonlydir"))
        s = Server(rbin, rd, ["--appendonly", "yes"])
        got = snapshot(s.conn, hfe, enc)
        s.stop()
        rep.check(f"{tag} loads Coil's AOF (preamble {preamble})", got == want, diff(want, got))
    rd = fresh(root, "redis6")
    s = Server(rbin, rd, ["--appendonly", "yes"])
    populate(s.conn, hfe)
    s.conn.call("SET", "x", "1")
    want = snapshot(s.conn, hfe, enc)
    s.stop()
    cd = fresh(root, "coil6")
    shutil.copytree(os.path.join(rd, "appendonlydir"), os.path.join(cd, "appendonlydir"))
    s = Server(coil, cd, ["--appendonly", "yes"])
    got = snapshot(s.conn, hfe, enc)
    s.stop()
    rep.check(f"Coil loads {tag}'s AOF", got == want, diff(want, got))


def wait_rewrite(c):
    for _ in range(400):
        info = c.call("INFO", "persistence").decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.05)
    raise RuntimeError("AOF rewrite did not finish")


def run_assets(rep, args, coil, rbin, root):
    for name in sorted(os.listdir(args.assets)):
        if not name.endswith(".rdb") or "corrupt" in name or "scriptbackup" in name:
            continue
        snaps = []
        for which, binary in (("redis", rbin), ("coil", coil)):
            d = fresh(root, f"asset-{which}")
            shutil.copy(os.path.join(args.assets, name), os.path.join(d, "dump.rdb"))
            s = Server(binary, d)
            snaps.append(snapshot(s.conn, False, False))
            s.stop()
        rep.check(f"{name} loads the same in Coil and Redis", snaps[0] == snaps[1],
                  diff(snaps[0], snaps[1]))


if __name__ == "__main__":
    main()
