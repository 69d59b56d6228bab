#!/usr/bin/env python3
"""Compare INCRBYFLOAT between a reference Redis and Coil on random operand pairs.

Usage: ldouble_compare.py REDIS_PORT COIL_PORT [COUNT] [SEED]
       ldouble_compare.py --gen COUNT [SEED]   (print "a b" / "a" cases for ldouble_ref.c)

For each case it sends `SET k <a>` (or `DEL k`) then `INCRBYFLOAT k <b>` to both
servers (pipelined, raw RESP) and compares the replies byte for byte. Prints the
mismatches and a summary. Used to verify server/src/ldouble.rs against x87 long double.
"""
import random
import socket
import sys


def resp(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(1 << 16)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        if line[:1] == b"$":
            n = int(line[1:])
            if n < 0:
                return line
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return line + b"\r\n" + data
        return line

    def run(self, cmds):
        self.s.sendall(b"".join(resp(c) for c in cmds))
        return [self.reply() for _ in cmds]


def operand(r):
    def digits(n):
        return "".join(r.choice("0123456789") for _ in range(n))
    sign = r.choice(["", "", "-", "+"])
    k = r.randrange(14)
    if k == 0:
        return str(r.randrange(-10**6, 10**6))
    if k == 1:
        return sign + digits(r.randrange(1, 25)) + "." + digits(r.randrange(0, 25))
    if k == 2:
        return sign + digits(r.randrange(1, 4)) + "." + digits(r.randrange(1, 4))
    if k == 3:
        return sign + digits(r.randrange(1, 20)) + "e" + str(r.randrange(-40, 40))
    if k == 4:
        return sign + digits(r.randrange(1, 30)) + "e" + str(r.randrange(-5000, 5000))
    if k == 5:
        hexd = "".join(r.choice("0123456789abcdefABCDEF") for _ in range(r.randrange(1, 20)))
        frac = r.choice(["", "." + "".join(r.choice("0123456789abcdef") for _ in range(r.randrange(0, 20)))])
        exp = r.choice(["", "p" + str(r.randrange(-16500, 16500)), "p" + str(r.randrange(-70, 70)), "P+3"])
        return sign + "0x" + hexd + frac + exp
    if k == 6:
        return repr(r.uniform(-1e6, 1e6))
    if k == 7:
        return repr(r.uniform(-1, 1) * 10 ** r.randrange(-30, 30))
    if k == 8:
        return sign + "0." + "0" * r.randrange(0, 30) + digits(r.randrange(1, 10))
    if k == 9:
        return r.choice(["inf", "-inf", "Infinity", "nan", "1e", ".", "1.", ".5", " 1", "1 ",
                         "0x", "0x1p", "1e+", "abc", "--1", "1e4933", "3.6e-4951",
                         "1.8e-4951", "1e-4950", "0.0", "-0", "-0.0", "1e-20", "5e-18",
                         "10.5", "0.1", "1e10", "5.0e3", "0x1p-3", "1.18973149535723176502e+4932"])
    if k == 10:
        return sign + digits(r.randrange(1, 70))
    if k == 11:
        return sign + digits(r.randrange(1, 3)) + "." + digits(r.randrange(15, 19))
    if k == 12:
        return repr(r.randrange(1, 2**20) / 2**r.randrange(10, 60))
    return sign + digits(r.randrange(1, 5)) + "e" + str(r.choice([r.randrange(-4960, -4930), r.randrange(4925, 4940)]))


def gen(count, seed):
    r = random.Random(seed)
    for _ in range(count):
        a, b = operand(r), operand(r)
        # The reference reads one line per case: no spaces or newlines inside operands.
        a, b = a.strip() or "0", b.strip() or "0"
        print(a if r.random() < 0.15 else a + " " + b)


def main():
    if sys.argv[1] == "--gen":
        gen(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
        return
    rport, cport = int(sys.argv[1]), int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    r = random.Random(seed)
    cases = []
    for _ in range(count):
        a = None if r.random() < 0.1 else operand(r)
        cases.append((a, operand(r)))
    red, coil = Conn(rport), Conn(cport)
    mismatches = 0
    kinds = {}
    for start in range(0, len(cases), 500):
        cmds = []
        for a, b in cases[start:start + 500]:
            cmds.append(["DEL", "k"] if a is None else ["SET", "k", a])
            cmds.append(["INCRBYFLOAT", "k", b])
            cmds.append(["GET", "k"])
        x, y = red.run(cmds), coil.run(cmds)
        for i, (a, b) in enumerate(cases[start:start + 500]):
            rx, ry = x[3 * i + 1:3 * i + 3], y[3 * i + 1:3 * i + 3]
            kind = "error" if rx[0].startswith(b"-") else "value"
            kinds[kind] = kinds.get(kind, 0) + 1
            if rx != ry:
                mismatches += 1
                if mismatches <= 20:
                    print("MISMATCH", repr(a), repr(b), rx, ry)
    print(f"{count} cases ({kinds.get('value', 0)} values, {kinds.get('error', 0)} errors), "
          f"{mismatches} mismatches")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
