#!/usr/bin/env python3
"""Record a running Redis server's command metadata in Coil's own format.

Usage: capture_commands.py PORT REDIS_SOURCE_DIR OUT_DIR [command ...]

What `COMMAND INFO` and `COMMAND DOCS` print is an observable fact of the server, and the
metadata Coil serves must match it: this script asks a live Redis for both and writes one
JSON file per top-level command (subcommands nested). Only the flags Redis hides from
`COMMAND INFO` (may_replicate, protected, ...) are read from the source tree, since no
command shows them.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from resp_client import Conn  # noqa: E402

HIDDEN = {"MAY_REPLICATE", "SENTINEL", "ONLY_SENTINEL", "PROTECTED", "TOUCHES_ARBITRARY_KEYS"}


def hidden_flags(src, fullname):
    """Hidden command flags from the source tree's JSON description of `fullname`."""
    path = os.path.join(src, "src", "commands", fullname.replace("|", "-") + ".json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        desc = next(iter(json.load(f).values()))
    return [fl.lower() for fl in desc.get("command_flags", []) if fl in HIDDEN]


def key_spec(ks):
    out = {}
    if "notes" in ks:
        out["notes"] = ks["notes"]
    out["flags"] = list(ks["flags"])
    bs = ks["begin_search"]
    out["begin_search"] = dict(type=bs["type"], **bs["spec"])
    fk = ks["find_keys"]
    out["find_keys"] = dict(type=fk["type"], **fk["spec"])
    return out


def arg(a):
    out = {}
    for k, v in a.items():
        if k == "arguments":
            out[k] = [arg(x) for x in v]
        elif k == "flags":
            out[k] = list(v)
        else:
            out[k] = v
    return out


def docs(d):
    out = {}
    for k, v in d.items():
        if k == "subcommands":
            continue
        if k == "arguments":
            out[k] = [arg(x) for x in v]
        elif k == "history":
            out[k] = [list(h) for h in v]
        elif k == "doc_flags":
            out[k] = list(v)
        else:
            out[k] = v
    return out


def command(conn, src, info, doc):
    name, arity, flags, first, last, step, cats, tips, kspecs, subs = info
    out = {
        "name": name,
        "arity": arity,
        "flags": list(flags) + hidden_flags(src, name),
        "first_key": first,
        "last_key": last,
        "key_step": step,
        "acl_categories": list(cats),
        "tips": list(tips),
        "key_specs": [key_spec(k) for k in kspecs],
        "docs": docs(doc),
    }
    if subs:
        subdocs = doc.get("subcommands", {})
        out["subcommands"] = sorted(
            (command(conn, src, s, subdocs[s[0]]) for s in subs), key=lambda c: c["name"])
    return out


def main():
    port, src, out_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    conn = Conn(port=port)
    names = sys.argv[4:] or sorted(conn.call("COMMAND", "LIST"))
    names = [n for n in names if "|" not in n]
    os.makedirs(out_dir, exist_ok=True)
    for n in names:
        info = conn.call("COMMAND", "INFO", n)[0]
        doc = conn.call("COMMAND", "DOCS", n)[n]
        with open(os.path.join(out_dir, n + ".json"), "w") as f:
            json.dump(command(conn, src, info, doc), f, indent=1)
            f.write("\n")
    print("captured %d commands" % len(names))


if __name__ == "__main__":
    main()
