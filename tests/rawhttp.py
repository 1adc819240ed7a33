"""Raw HTTP/1.1 over a socket, for requests that `requests` would normalise or refuse.

Used by the API tests (path traversal, hostile request ids, slow uploads) and by
tests/hostile/hostile.py. Nothing here interprets more of HTTP than the tests need:
a status line, headers, and a body delimited by Content-Length, chunks or close.
"""

import socket
import time


class Response:
    def __init__(self, status, reason, headers, body, raw):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-cased name -> last value
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return "<raw response %s %r, %d body bytes>" % (self.status, self.reason, len(self.body))


def connect(host, port, timeout=5.0):
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_all(sock, timeout=5.0, limit=1 << 22):
    """Reads until the peer closes, the deadline passes, or limit bytes arrived."""
    deadline = time.monotonic() + timeout
    chunks = []
    size = 0
    while size < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            break
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


def _dechunk(body):
    out = bytearray()
    rest = body
    while rest:
        line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        try:
            n = int(line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0:
            break
        out += rest[:n]
        rest = rest[n + 2:]
    return bytes(out)


def parse(raw):
    """Parses the first response in raw; None when there is no complete status line."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers and headers["content-length"].isdigit():
        body = body[:int(headers["content-length"])]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body, raw)


def request_bytes(method, target, headers=None, body=b"", host="127.0.0.1"):
    """Builds a request; target, header names and values are bytes or str (latin-1)."""
    def b(x):
        return x if isinstance(x, bytes) else str(x).encode("latin-1")

    out = [b(method) + b" " + b(target) + b" HTTP/1.1", b"Host: " + b(host)]
    headers = dict(headers or {})
    headers.setdefault("Connection", "close")
    if body and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers["Content-Length"] = str(len(body))
    for name, value in headers.items():
        out.append(b(name) + b": " + b(value))
    return b"\r\n".join(out) + b"\r\n\r\n" + b(body)


def send(host, port, data, timeout=5.0, half_close=False):
    """Sends raw bytes, reads until close; returns (Response or None, raw bytes).

    half_close shuts down our sending side after the data, so a server waiting for more
    input sees end-of-file at once instead of waiting for its timeout.
    """
    with connect(host, port, timeout) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (ConnectionResetError, BrokenPipeError):
            pass
        raw = read_all(sock, timeout)
    return parse(raw), raw


def request(host, port, method, target, headers=None, body=b"", timeout=5.0):
    return send(host, port, request_bytes(method, target, headers, body), timeout)[0]
