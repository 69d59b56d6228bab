// ioredis against coil-server: its handshake (INFO ready check, CLIENT SETINFO),
// commands, pipelines, transactions and Pub/Sub.
// Usage: node ioredis_smoke.js PORT
const Redis = require("ioredis");
const port = Number(process.argv[2]);
const fail = (m) => { console.log("FAIL: " + m); process.exitCode = 1; };
const eq = (name, got, want) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  else console.log("ok: " + name);
};
(async () => {
  const r = new Redis({ port, enableReadyCheck: true, lazyConnect: false });
  await r.flushall();
  eq("set/get", [await r.set("k", "v"), await r.get("k")], ["OK", "v"]);
  eq("incrby", await r.incrby("n", 7), 7);
  await r.rpush("l", "a", "b", "c");
  eq("lrange", await r.lrange("l", 0, -1), ["a", "b", "c"]);
  eq("pipeline", await r.pipeline().set("x", 1).incr("x").exec(), [[null, "OK"], [null, 2]]);
  eq("multi", await r.multi().set("y", 1).get("y").exec(), [[null, "OK"], [null, "1"]]);
  const sub = new Redis({ port });
  await sub.subscribe("c");
  const got = new Promise((res) => sub.on("message", (ch, m) => res([ch, m])));
  await r.publish("c", "hi");
  eq("pubsub", await got, ["c", "hi"]);
  sub.disconnect();
  r.disconnect();
  if (!process.exitCode) console.log("ioredis: all checks passed");
})().catch((e) => { fail(String(e)); process.exit(1); });
