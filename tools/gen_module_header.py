#!/usr/bin/env python3
"""Generates Coil's module ABI files from the facts of a Redis source tree.

    tools/gen_module_header.py /path/to/redis/src/redismodule.h

reads the official header only to extract ABI facts (constant values, struct fields,
enum values, type and function signatures, the list of API names) and writes:

- modules-api/include/redismodule.h: our own header, ABI-identical, with our layout:
  constants grouped by family, types in dependency order, API pointers grouped as in
  shared/reference/module-api-groups.md, and our own RedisModule_Init.
- modules-api/src/consts.rs: the integer and string constants for Rust.
- modules-api/src/api_names.rs: every API name, for the host's coverage checks.

Comments of the source are never carried over.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUPS_MD = os.path.join(ROOT, "..", "..", "shared", "reference", "module-api-groups.md")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def join_continuations(text):
    return re.sub(r"\\\n", " ", text)


class Facts:
    def __init__(self):
        self.defines = []  # (name, value) object-like macros with a constant value
        self.aliases = {}  # type alias macro name -> target (placed after the target type)
        self.decls = []  # C declarations (typedefs, structs, static consts), in order
        self.apis = []  # (ret, name, params, printf_attr)


def split_top_level(body, sep):
    out, depth, cur = [], 0, []
    for ch in body:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def norm(s):
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\s*\*\s*", " *", s)
    s = s.replace("( *", "(*").replace(" *)", "*)")
    return s


def parse(path):
    raw = open(path).read()
    text = join_continuations(strip_comments(raw))
    facts = Facts()
    lines = text.split("\n")
    skip_depth = 0
    depth = 0
    buf = []
    api_re = re.compile(
        r"REDISMODULE_API\s+(.*?)\(\s*\*\s*RedisModule_(\w+)\)\s*\((.*)\)\s*(.*?);$"
    )
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = re.match(r"#\s*(\w+)\s*(.*)", s)
            kw, rest = m.group(1), m.group(2).strip()
            if kw in ("if", "ifdef", "ifndef"):
                depth += 1
                if skip_depth == 0 and kw == "if" and rest.startswith("defined REDISMODULE_CORE"):
                    skip_depth = depth
            elif kw == "endif":
                if depth == skip_depth:
                    skip_depth = 0
                depth -= 1
            elif kw == "define" and skip_depth == 0:
                dm = re.match(r"(\w+)(\([^)]*\))?\s*(.*)", rest)
                name, fargs, value = dm.group(1), dm.group(2), dm.group(3).strip()
                if fargs or name.startswith("REDISMODULE_ATTR") or name in (
                    "REDISMODULE_H",
                    "REDISMODULE_API",
                ):
                    continue
                if re.fullmatch(r"RedisModule\w+", name) and re.fullmatch(r"\w+", value):
                    facts.aliases[value] = (name, value)
                else:
                    facts.defines.append((name, value))
            continue
        if skip_depth:
            continue
        buf.append(s)
        joined = " ".join(buf)
        if joined.count("{") == joined.count("}") and joined.endswith(";"):
            buf = []
            if joined.startswith("REDISMODULE_API"):
                m = api_re.match(joined)
                if not m:
                    raise SystemExit("cannot parse API line: " + joined)
                ret, name, params, attrs = m.groups()
                pm = re.search(r"REDISMODULE_ATTR_PRINTF\((\d+),(\d+)\)", attrs)
                facts.apis.append((norm(ret), name, norm(params), pm.groups() if pm else None))
            elif joined.startswith("static int RedisModule_Init"):
                pass
            else:
                facts.decls.append(joined)
        elif joined.startswith("static int RedisModule_Init") and "{" in joined:
            # The official initializer's body: not needed, we write our own.
            if joined.count("{") == joined.count("}"):
                buf = []
    return facts


# ---------------------------------------------------------------------------------------
# Re-emitting declarations in our own layout.


def emit_fields(body, indent):
    out = []
    for field in split_top_level(body, ";"):
        f = field.strip()
        if not f:
            continue
        m = re.match(r"(struct|union)\s*\{(.*)\}\s*(\w+)$", f, re.S)
        if m:
            out.append(f"{indent}{m.group(1)} {{")
            out.extend(emit_fields(m.group(2), indent + "    "))
            out.append(f"{indent}}} {m.group(3)};")
        else:
            out.append(f"{indent}{norm(f)};")
    return out


def emit_enum(body):
    out, value = [], -1
    for item in split_top_level(body, ","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, v = [x.strip() for x in item.split("=", 1)]
            value = int(v, 0)
        else:
            name = item
            value += 1
        out.append(f"    {name} = {value},")
    out[-1] = out[-1].rstrip(",")
    return out


def emit_decl(d):
    """One declaration, reformatted. Returns a list of lines."""
    m = re.match(r"typedef (struct|enum)\s*(\w*)\s*\{(.*)\}\s*(\w+)\s*;$", d, re.S)
    if m:
        kind, tag, body, name = m.groups()
        head = f"typedef {kind} {tag + ' ' if tag else ''}{{"
        lines = [head]
        lines += emit_enum(body) if kind == "enum" else emit_fields(body, "    ")
        lines.append(f"}} {name};")
        return lines
    m = re.match(r"static const RedisModuleEvent\s+(.*);$", d, re.S)
    if m:
        lines = []
        for item in split_top_level(m.group(1), ","):
            item = item.strip()
            deprecated = "__attribute__" in item
            item = re.sub(r"__attribute__\s*\(\(\s*deprecated\s*\)\)\s*", "", item)
            im = re.match(r"(\w+)\s*=\s*\{\s*(\w+)\s*,\s*(\d+)\s*\}", item)
            name, ev, ver = im.groups()
            attr = " __attribute__((deprecated))" if deprecated else ""
            lines.append(f"static const RedisModuleEvent {name}{attr} = {{ {ev}, {ver} }};")
        return lines
    m = re.match(r"static const (\w+)\s+(\w+)\s*=\s*\{(.*)\}\s*;$", d, re.S)
    if m:
        ty, name, body = m.groups()
        lines = [f"static const {ty} {name} = {{"]
        for item in split_top_level(body, ","):
            lines.append(f"    {norm(item)},")
        lines[-1] = lines[-1].rstrip(",")
        lines.append("};")
        return lines
    return [norm(d)]


def family(name):
    n = name.lstrip("_")
    parts = n.split("_")
    if len(parts) >= 3 and parts[0] == "REDISMODULE":
        fam = parts[1]
        if fam in ("CMD", "CTX", "EVENT", "SUBEVENT", "NOTIFY", "OPEN", "CONFIG", "CLIENTINFO",
                   "ARGV", "CMDFILTER", "OPTIONS", "REPLY", "AUX", "KSPEC", "STREAM", "HASH",
                   "ZADD", "LIST", "KEYTYPE", "TYPE", "NODE", "BLOCK", "YIELD", "LOGLEVEL"):
            if fam in ("CMD", "SUBEVENT", "CTX") and len(parts) > 3:
                return f"{fam}_{parts[2]}"
            return fam
    return "MISC"


def read_groups():
    groups = []
    try:
        text = open(GROUPS_MD).read()
    except OSError:
        return groups
    for m in re.finditer(r"^\*\*(\d+)\. ([^*]+?) \(\d+\)\*\*: (.*)$", text, re.M):
        names = [n.strip().rstrip("°") for n in m.group(3).split(",")]
        groups.append((int(m.group(1)), m.group(2), names))
    return groups


def emit_header(facts, out_path):
    L = []
    w = L.append
    w("/* redismodule.h: the Redis module API as Coil hosts it.")
    w(" *")
    w(" * Generated by tools/gen_module_header.py from the ABI facts of Redis 7.4 (values,")
    w(" * layouts, signatures); the layout and comments are Coil's. Modules compiled against")
    w(" * this header and modules compiled against Redis's own header are interchangeable.")
    w(" *")
    w(" * A module includes this file, defines")
    w(" *     int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)")
    w(" * and calls RedisModule_Init() first thing in it. Do not edit: regenerate. */")
    w("")
    w("#ifndef REDISMODULE_H")
    w("#define REDISMODULE_H")
    w("")
    w("#include <sys/types.h>")
    w("#include <stdint.h>")
    w("#include <stdio.h>")
    w("#include <stdlib.h>")
    w("")
    w("/* ---- Opaque handles (their layout is the host's) ---------------------------- */")
    w("")
    w("typedef struct RedisModuleString RedisModuleString;")
    w("typedef struct RedisModuleKey RedisModuleKey;")
    w("")
    w("typedef long long mstime_t;")
    w("typedef long long ustime_t;")
    w("")
    w("/* ---- Constants, by family -------------------------------------------------- */")
    fams = {}
    order = []
    for name, value in facts.defines:
        f = family(name)
        if f not in fams:
            fams[f] = []
            order.append(f)
        fams[f].append((name, value))
    for f in order:
        w("")
        w(f"/* {f} */")
        width = max(len(n) for n, _ in fams[f])
        for name, value in fams[f]:
            w(f"#define {name.ljust(width)} {value}")
    w("")
    w("/* ---- Types ------------------------------------------------------------------ */")
    w("")
    for d in facts.decls:
        if d in ("typedef struct RedisModuleString RedisModuleString;",
                 "typedef struct RedisModuleKey RedisModuleKey;",
                 "typedef long long mstime_t;", "typedef long long ustime_t;"):
            continue
        lines = emit_decl(d)
        for ln in lines:
            w(ln)
        m = re.search(r"\}\s*(\w+)\s*;$", d)
        if m and m.group(1) in facts.aliases:
            name, target = facts.aliases[m.group(1)]
            w(f"#define {name} {target}")
        if len(lines) > 1:
            w("")
    w("")
    w("/* ---- Compiler attributes ---------------------------------------------------- */")
    w("")
    w("#if defined(__GNUC__)")
    w("#define REDISMODULE_ATTR_UNUSED __attribute__((unused))")
    w("#define REDISMODULE_ATTR_PRINTF(idx, cnt) __attribute__((format(printf, idx, cnt)))")
    w("#else")
    w("#define REDISMODULE_ATTR_UNUSED")
    w("#define REDISMODULE_ATTR_PRINTF(idx, cnt)")
    w("#endif")
    w("/* The API pointers are common symbols, so every file of a module that includes this")
    w(" * header shares one set of them. */")
    w("#if defined(__GNUC__) && !(defined(__clang__) && defined(__cplusplus))")
    w("#define REDISMODULE_ATTR_COMMON __attribute__((__common__))")
    w("#else")
    w("#define REDISMODULE_ATTR_COMMON")
    w("#endif")
    w("#ifndef REDISMODULE_API")
    w("#define REDISMODULE_API")
    w("#endif")
    w("#ifndef REDISMODULE_ATTR")
    w("#define REDISMODULE_ATTR REDISMODULE_ATTR_COMMON")
    w("#endif")
    w("")
    w("#define REDISMODULE_NOT_USED(V) ((void)(V))")
    w("")
    w("/* ---- The API: one function pointer per name, filled in by RedisModule_Init ---- */")
    by_name = {a[1]: a for a in facts.apis}
    done = set()

    def decl(api):
        ret, name, params, printf = api
        sep = "" if ret.endswith("*") else " "
        attr = f" REDISMODULE_ATTR_PRINTF({printf[0]},{printf[1]})" if printf else ""
        return f"REDISMODULE_API {ret}{sep}(*RedisModule_{name})({params}){attr} REDISMODULE_ATTR;"

    w("")
    w("/* GetApi: set from the context by RedisModule_Init. */")
    w(decl(by_name["GetApi"]))
    done.add("GetApi")
    for num, title, names in read_groups():
        members = [n for n in names if n in by_name and n not in done]
        if not members:
            continue
        w("")
        w(f"/* {num}. {title} */")
        for n in members:
            w(decl(by_name[n]))
            done.add(n)
    rest = [a for a in facts.apis if a[1] not in done]
    if rest:
        w("")
        w("/* Other */")
        for a in rest:
            w(decl(a))
    w("")
    w("/* True for the client that replays the AOF. */")
    w("#define RedisModule_IsAOFClient(id) ((id) == UINT64_MAX)")
    w("")
    w("/* Resolves every API by name through the host's GetApi function, the first")
    w(" * pointer-sized field of ctx. Functions the host lacks stay NULL. Fails if another")
    w(" * module already uses `name`. */")
    w("static int RedisModule_Init(RedisModuleCtx *ctx, const char *name, int ver, int apiver) REDISMODULE_ATTR_UNUSED;")
    w("static int RedisModule_Init(RedisModuleCtx *ctx, const char *name, int ver, int apiver) {")
    w("    void *getapi = ((void **)ctx)[0];")
    w("    RedisModule_GetApi = (int (*)(const char *, void *))(unsigned long)getapi;")
    w("#define REDISMODULE_FETCH_(fn) RedisModule_GetApi(\"RedisModule_\" #fn, (void **)&RedisModule_##fn)")
    for a in facts.apis:
        if a[1] == "GetApi":
            continue
        w(f"    REDISMODULE_FETCH_({a[1]});")
    w("#undef REDISMODULE_FETCH_")
    w("    if (RedisModule_IsModuleNameBusy && RedisModule_IsModuleNameBusy(name)) return REDISMODULE_ERR;")
    w("    RedisModule_SetModuleAttribs(ctx, name, ver, apiver);")
    w("    return REDISMODULE_OK;")
    w("}")
    w("")
    w("/* Aborts the server with the failed expression, its file and line. */")
    w("#define RedisModule_Assert(_e) ((_e) ? (void)0 : (RedisModule__Assert(#_e, __FILE__, __LINE__), exit(1)))")
    w("")
    w("/* True when the host provides `func`. */")
    w("#define RMAPI_FUNC_SUPPORTED(func) ((func) != NULL)")
    w("")
    w("#endif /* REDISMODULE_H */")
    with open(out_path, "w") as f:
        f.write("\n".join(L) + "\n")


def eval_c(value, known):
    v = re.sub(r"(\d+)U?LL\b", r"\1", value)
    v = re.sub(r"\b([A-Z_][A-Z0-9_]*)\b", lambda m: str(known.get(m.group(1), m.group(0))), v)
    if re.search(r"[A-Za-z_]", v):
        return None
    try:
        return int(eval(v))  # noqa: S307 - arithmetic on integer literals only
    except Exception:
        return None


def emit_rust(facts, consts_path, names_path):
    known = {}
    out = ["//! REDISMODULE_* constants, generated by `tools/gen_module_header.py`. Do not edit.",
           "",
           "#![allow(missing_docs)]",
           ""]
    for name, value in facts.defines:
        if value.startswith('"'):
            out.append(f"pub const {name}: &str = {value};")
            continue
        n = eval_c(value, known)
        if n is None:
            continue
        known[name] = n
        wide = "LL" in value or n > 0x7FFFFFFF or n < -0x80000000
        ty = "u64" if wide and n >= 0 else ("i64" if wide else "i32")
        out.append(f"pub const {name}: {ty} = {n};")
    # Enum members.
    for d in facts.decls:
        m = re.match(r"typedef enum\s*\{(.*)\}\s*(\w+)\s*;$", d, re.S)
        if not m:
            continue
        for line in emit_enum(m.group(1)):
            em = re.match(r"\s*(\w+) = (-?\d+)", line)
            out.append(f"pub const {em.group(1)}: i32 = {em.group(2)};")
    with open(consts_path, "w") as f:
        f.write("\n".join(out) + "\n")
    names = ["//! Every API name of the module ABI (without the `RedisModule_` prefix), generated",
             "//! by `tools/gen_module_header.py`. Do not edit.",
             "",
             "/// The names, in the header's order.",
             "pub const API_NAMES: &[&str] = &["]
    for a in facts.apis:
        names.append(f"    \"{a[1]}\",")
    names.append("];")
    with open(names_path, "w") as f:
        f.write("\n".join(names) + "\n")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    facts = parse(sys.argv[1])
    emit_header(facts, os.path.join(ROOT, "modules-api", "include", "redismodule.h"))
    emit_rust(facts, os.path.join(ROOT, "modules-api", "src", "consts.rs"),
              os.path.join(ROOT, "modules-api", "src", "api_names.rs"))
    print(f"{len(facts.defines)} constants, {len(facts.decls)} declarations, {len(facts.apis)} APIs")


if __name__ == "__main__":
    main()
