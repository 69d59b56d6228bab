#!/usr/bin/env python3
"""redis-py against coil-server: the library's own handshake (HELLO 3, CLIENT SETINFO),
connection pool, pipelines, transactions, Pub/Sub, and RESP2 and RESP3 parsing.

Usage: redis_py_smoke.py PORT
"""
import sys
import time

import redis

port = int(sys.argv[1])
failures = []


def check(name, got, want):
    if got != want:
        failures.append(f"{name}: got {got!r}, want {want!r}")
    else:
        print(f"ok: {name}")


for proto in (2, 3):
    r = redis.Redis(port=port, protocol=proto, decode_responses=True)
    r.flushall()
    check(f"resp{proto} ping", r.ping(), True)
    check(f"resp{proto} set/get", (r.set("k", "v"), r.get("k")), (True, "v"))
    check(f"resp{proto} incr", r.incr("n", 5), 5)
    r.hset("h", mapping={"a": "1", "b": "2"})
    check(f"resp{proto} hgetall", r.hgetall("h"), {"a": "1", "b": "2"})
    r.sadd("s", "x", "y")
    check(f"resp{proto} smembers", r.smembers("s"), {"x", "y"})
    r.zadd("z", {"m1": 1.5, "m2": 2})
    zr = [tuple(x) for x in r.zrange("z", 0, -1, withscores=True)]
    check(f"resp{proto} zrange withscores", zr, [("m1", 1.5), ("m2", 2.0)])
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").get("a")
    check(f"resp{proto} transaction", p.execute(), [True, 2, "2"])
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.set(f"p{i}", i)
    check(f"resp{proto} pipeline", all(p.execute()), True)
    info = r.info()
    check(f"resp{proto} info redis_version", info["redis_version"], "7.4.0")
    lib = [c for c in r.client_list() if c.get("lib-name")]
    check(f"resp{proto} client setinfo lib-name", bool(lib) and lib[0]["lib-name"].startswith("redis-py"), True)
    ps = r.pubsub()
    ps.subscribe("chan")
    deadline = time.time() + 5
    while ps.get_message(timeout=0.1) is None and time.time() < deadline:
        pass
    r.publish("chan", "hello")
    msg = None
    while time.time() < deadline:
        msg = ps.get_message(timeout=0.1)
        if msg and msg["type"] == "message":
            break
    check(f"resp{proto} pubsub", msg and msg["data"], "hello")
    ps.close()
    r.close()

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("redis-py: all checks passed")
