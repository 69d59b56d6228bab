"""A tiny RESP3 client used by our maintenance scripts.

It keeps the reply types that redis-py would flatten (status vs bulk strings, sets vs
arrays), which matters when we record what a server says byte for byte.
"""
import socket


class Status(str):
    """A simple-string reply (`+OK`)."""


class Error(Exception):
    """An error reply (`-ERR ...`)."""


class RSet(list):
    """A RESP3 set reply (`~`), kept in server order."""


class Push(list):
    """A RESP3 push reply (`>`)."""


class Conn:
    def __init__(self, host="127.0.0.1", port=6379, resp3=True):
        self.sock = socket.create_connection((host, port))
        self.buf = b""
        if resp3:
            self.call("HELLO", "3")

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest.decode())
        if t == b"-":
            return Error(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode("utf-8", "surrogateescape")
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            return RSet(items) if t == b"~" else Push(items) if t == b">" else items
        if t == b"%":
            n = int(rest)
            out = {}
            for _ in range(n):
                k = self.read()
                out[k] = self.read()
            return out
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t == b"(":
            return int(rest)
        if t == b"=":
            return self._exact(int(rest)).decode()
        raise ValueError("unknown RESP type %r" % line)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()
