#!/usr/bin/python3
"""Hostile-input run against the sanitizer build of `wos serve`.

Starts WOS_BIN (normally build-san/wos) like the API fixtures do (fresh database, private
services from the WOS_TEST_* environment, or its own when that is unset), then sends a few
thousand malformed requests over raw sockets, phase by phase: bad JSON bodies to every
POST/PUT/PATCH route of the OpenAPI document (with an admin token, so validators run), huge
headers, invalid UTF-8, NUL bytes, truncated bodies, chunked garbage, absurd methods and
request lines, garbage tokens, pipelining, random bytes, and a slowloris of 50 connections.

Each phase is one case: it passes when no response was a 5xx other than 503 and the server
still answers GET /health. Final cases: /health answers, SIGTERM exits 0 within 15 s, stderr
has no sanitizer report. Bounded by a time budget (default 55 s, HOSTILE_BUDGET seconds).

Output ends with the line "hostile: N passed, N failed" (parsed by scripts/run-tests);
exit status 0 only when nothing failed. Importable: run() returns (passed, failed).
"""

import json
import os
import random
import re
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rawhttp  # noqa: E402
import wos_harness  # noqa: E402

# 503: dependency down; 505: libmicrohttpd refusing an HTTP version it does not speak.
ALLOWED_5XX = (503, 505)
SKIP_ROUTE_WORDS = ("logout", "/ops/", "/ws")
FALLBACK_ROUTES = [("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh"),
                   ("POST", "/api/v1/auth/forgot-password"),
                   ("POST", "/api/v1/auth/reset-password")]

BAD_BODIES = [
    b"{",
    b"{\"a\":",
    b"[1, 2,",
    b"nul",
    b"{\"email\": \"a@example.com\", \"password\": \"x\"}}",
    b"\xef\xbb\xbf{}",
    b"{\"__hostile__\": \"\xff\xfe\xfd\"}",
    b"{\"__hostile__\": \"\\ud800\\udfff\\ud800\"}",
    b"{\"__hostile__\": \"nul\\u0000byte\"}",
    b"{\"__hostile__\": 1e999999}",
    b"{\"__hostile__\": -99999999999999999999999999999999999999}",
    b"[" * 5000 + b"]" * 5000,
    b"{\"a\":" * 3000 + b"1" + b"}" * 3000,
    b"{\"dup\": 1, \"dup\": 2, \"dup\": {\"dup\": []}}",
    b"[\"" + b"\xc3\xa9" * 20000 + b"\"]",
    b"{\"__hostile__\": [" + b"1," * 20000 + b"1]}",
    b"\"just a string\"",
    b"12345",
    b"null",
    b"true",
    b"{}",
    b"{\"id\": {}, \"name\": [], \"email\": 1, \"password\": null, \"date\": \"2024-02-30\","
    b" \"start_date\": \"9999-99-99\", \"end_date\": \"0000-00-00T25:61:61Z\", \"status\": 7,"
    b" \"user_id\": \"not-a-uuid\", \"timezone\": \"../../etc/passwd\", \"limit\": -1}",
]


class Counter:
    """Tallies the statuses of one phase (thread-safe)."""

    def __init__(self, name):
        self.name = name
        self.sent = 0
        self.answered = 0
        self.bad = []  # (status, description) of 5xx other than 503
        self.lock = threading.Lock()

    def add(self, resp, what):
        with self.lock:
            self.sent += 1
            if resp is None:
                return
            self.answered += 1
            if resp.status >= 500 and resp.status not in ALLOWED_5XX:
                self.bad.append((resp.status, what[:120]))


def send(srv, counter, data, what, timeout=5.0, half_close=False):
    try:
        resp, _ = rawhttp.send(srv.host, srv.port, data, timeout, half_close)
    except OSError:
        resp = None
    counter.add(resp, what)
    return resp


def blast(srv, counter, pool, items, deadline, timeout=2.0, half_close=False):
    """Sends every (bytes, description) concurrently; items not started by the deadline are
    dropped, and no read waits past the deadline by more than a second."""
    def one(item):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        send(srv, counter, item[0], item[1], max(0.5, min(timeout, left + 1.0)), half_close)

    list(pool.map(one, items))


def get_health(srv, timeout=5.0):
    try:
        resp = rawhttp.request(srv.host, srv.port, "GET", "/health", timeout=timeout)
    except OSError:
        return None
    return resp.status if resp else None


def admin_token(srv):
    body = json.dumps({"email": wos_harness.ADMIN_EMAIL, "password": wos_harness.ADMIN_PASSWORD})
    resp = rawhttp.request(srv.host, srv.port, "POST", "/api/v1/auth/login",
                           headers={"Content-Type": "application/json"}, body=body.encode(),
                           timeout=15)
    if resp is None or resp.status != 200:
        return None
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return None
    for holder in (doc, doc.get("data") or {}, doc.get("tokens") or {}):
        if isinstance(holder, dict) and isinstance(holder.get("access_token"), str):
            return holder["access_token"]
    return None


def concrete(path):
    """A request path for a route pattern: parameters (":id" or "{id}") become UUIDs."""
    return "/".join(str(uuid.uuid4()) if seg.startswith((":", "{")) else seg
                    for seg in path.split("/"))


def write_routes(harness, srv, token):
    """(method, concrete path) of every POST/PUT/PATCH route: `wos routes`, else OpenAPI."""
    pairs = []
    try:
        res = harness.run_wos("routes", env=srv.env, timeout=30)
        for line in res.stdout.splitlines():
            row = json.loads(line)
            pairs.append((row["method"].upper(), row["path"]))
    except (ValueError, KeyError, OSError, wos_harness.HarnessError):
        pairs = []
    if not pairs:
        headers = {"Authorization": "Bearer " + token} if token else {}
        resp = rawhttp.request(srv.host, srv.port, "GET", "/api/v1/openapi.json",
                               headers=headers, timeout=15)
        try:
            doc = json.loads(resp.body) if resp and resp.status == 200 else {}
        except ValueError:
            doc = {}
        servers = doc.get("servers") or [{}]
        prefix = servers[0].get("url") if isinstance(servers[0], dict) else None
        for path, ops in (doc.get("paths") or {}).items():
            if isinstance(ops, dict):
                full = path if path.startswith("/api/") else (prefix or "/api/v1").rstrip("/") + path
                pairs += [(m.upper(), full) for m in ops]
    routes = [(m, concrete(path)) for m, path in pairs
              if m in ("POST", "PUT", "PATCH") and not any(w in path for w in SKIP_ROUTE_WORDS)]
    return routes or FALLBACK_ROUTES


# ---------------------------------------------------------------- phases

def phase_bad_json(harness, srv, deadline, pool):
    counter = Counter("bad JSON bodies")
    token = admin_token(srv)
    routes = write_routes(harness, srv, token)
    auth = {"Authorization": "Bearer " + token} if token else {}
    jobs = []
    for method, path in routes:
        for body in BAD_BODIES:
            headers = {"Content-Type": "application/json", **auth}
            jobs.append((rawhttp.request_bytes(method, path, headers, body),
                         "%s %s %r" % (method, path, body[:40])))
        jobs.append((rawhttp.request_bytes(method, path, {"Content-Type": "text/plain", **auth},
                                           b"{}"), "%s %s text/plain" % (method, path)))
    random.Random(7).shuffle(jobs)
    blast(srv, counter, pool, jobs, deadline, timeout=10.0)
    counter.note = "%d routes, token=%s" % (len(routes), "yes" if token else "no")
    return counter


def phase_headers(harness, srv, deadline, pool):
    counter = Counter("huge and invalid headers")
    cases = [
        ({"X-Big": "a" * 70000}, "70 KiB header"),
        ({"X-Big": "b" * 65536}, "64 KiB header"),
        ({"X-H%d" % i: "v" * 1000 for i in range(100)}, "100 x 1 KiB headers"),
        ({"X-H%d" % i: "v" for i in range(5000)}, "5000 headers"),
        ({"X-" + "n" * 66000: "v"}, "64 KiB header name"),
        ({"Cookie": "c=" + "x" * 66000}, "64 KiB cookie"),
        ({"X-Request-ID": b"\xff\xfe\xfd"}, "invalid UTF-8 request id"),
        ({"Origin": b"http://\xff\xfe"}, "invalid UTF-8 origin"),
        ({"Accept": b"\xc0\xaf" * 100}, "invalid UTF-8 accept"),
        ({"Content-Type": b"application/json; charset=\xff"}, "invalid UTF-8 content type"),
        ({"Authorization": b"Bearer \xff\xfe\x00\x01"}, "binary bearer"),
        ({"Host": ""}, "empty host"),
        ({"Content-Length": "-1"}, "negative length"),
        ({"Content-Length": "99999999999999999999999"}, "overflowing length"),
        ({"Content-Length": "12abc"}, "non-numeric length"),
        ({"Content-Length": "5, 6"}, "list length"),
        ({"X-Forwarded-For": "999.999.999.999, ::ffff:1.2.3.4, " + "1," * 5000}, "XFF junk"),
        ({"If-None-Match": "\"" + "e" * 60000 + "\""}, "huge etag"),
        ({"Range": "bytes=" + "0-1," * 5000}, "range list"),
    ]
    items = []
    for headers, what in cases:
        for method, path in (("GET", "/api/v1/health"), ("GET", "/assets/app-1a2b3c4d.js"),
                             ("POST", "/api/v1/auth/login")):
            body = b"{}" if method == "POST" else b""
            items.append((rawhttp.request_bytes(method, path, headers, body),
                          "%s %s %s" % (method, path, what)))
    raw_lines = [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-A:" + b"a" * 100000 + b"\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Fold: a\r\n " * 2000 + b"\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-NUL: a\x00b\r\n\r\n",
        b"GET /health HTTP/1.1\nHost: x\nX-LF: only\n\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-CR: a\rb\r\n\r\n",
    ]
    items += [(data, "raw header line %r" % data[:30]) for data in raw_lines]
    blast(srv, counter, pool, items, deadline)
    return counter


def phase_paths(harness, srv, deadline, pool):
    counter = Counter("invalid UTF-8, NUL and odd paths")
    targets = [
        b"/api/v1/\xff\xfe", b"/\xc0\xaf", b"/api/v1/users/\xed\xa0\x80", b"/%ff%fe",
        b"/api/v1/%c0%ae%c0%ae/health", b"/api/v1/health%00", b"/api/v1/health\x00.html",
        b"/%00", b"/assets/app%00.js", b"/api/v1/users/%00", b"/index.html%00.png",
        b"/api/v1/users/" + b"a" * 60000, b"/" + b"a/" * 20000, b"/api/v1/health?" + b"a=1&" * 20000,
        b"/api/v1/health?%", b"/api/v1/health?a=%zz&%00=1", b"/api/v1/health?token=\xff",
        b"/api/v1/health#frag", b"*", b"http://evil.example.com/api/v1/health",
        b"/api/v1/../../../etc/passwd", b"/api/v1/health/../health", b"//api//v1//health",
        b"/api/v1/users/%2e%2e%2f%2e%2e", b"/api/v1/users/:id", b"/api/v1/users/%3Aid",
        b"/\\..\\..\\etc\\passwd", b"", b" ", b"/\t/", b"/api/v1/users/" + b"%" * 1000,
    ]
    items = []
    for target in targets:
        for method in (b"GET", b"POST", b"DELETE"):
            body = b"{}" if method == b"POST" else b""
            items.append((rawhttp.request_bytes(method, target,
                                                {"Content-Type": "application/json"}, body),
                          "%s %r" % (method.decode(), target[:60])))
    blast(srv, counter, pool, items, deadline)
    return counter


def phase_truncated(harness, srv, deadline, pool):
    counter = Counter("truncated bodies")

    def one(i):
        try:
            with rawhttp.connect(srv.host, srv.port) as sock:
                sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                             b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             b"{\"email\": \"a" % (1000 + i))
                if i % 2:
                    sock.shutdown(socket.SHUT_WR)
            counter.add(None, "truncated %d" % i)
        except OSError:
            counter.add(None, "truncated %d" % i)

    list(pool.map(one, range(200)))
    # Header block cut in the middle, then close.
    for cut in (5, 17, 30, 45):
        data = rawhttp.request_bytes("POST", "/api/v1/auth/login",
                                     {"Content-Type": "application/json"}, b"{\"a\": 1}")
        try:
            with rawhttp.connect(srv.host, srv.port) as sock:
                sock.sendall(data[:cut])
            counter.add(None, "cut header")
        except OSError:
            counter.add(None, "cut header")
    return counter


def phase_chunked(harness, srv, deadline, pool):
    counter = Counter("chunked garbage")
    head = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    bodies = [
        b"zz\r\n{}\r\n0\r\n\r\n",
        b"FFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n",
        b"-5\r\n{}\r\n0\r\n\r\n",
        b"2\r\n{}0\r\n\r\n",
        b"2;ext=" + b"e" * 10000 + b"\r\n{}\r\n0\r\n\r\n",
        b"7fffffff\r\n{\"a\":1}",
        b"2\r\n{}\r\n0\r\nX-Trailer: " + b"t" * 70000 + b"\r\n\r\n",
        b"1\r\n{\r\n" * 5000 + b"0\r\n\r\n",
        b"\r\n\r\n\r\n",
        b"0x10\r\n{}\r\n0\r\n\r\n",
        b"2\r\n{}\r\n",
        b"100000\r\n" + b"a" * 2000,
    ]
    items = [(head + body, "chunked %r" % body[:30]) for body in bodies]
    both = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"2\r\n{}\r\n0\r\n\r\n")
    items.append((both, "Content-Length with chunked"))
    weird_te = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"
                b"\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    items.append((weird_te, "gzip, chunked"))
    blast(srv, counter, pool, items, deadline)
    return counter


def phase_methods(harness, srv, deadline, pool):
    counter = Counter("absurd methods and request lines")
    methods = [b"FOO", b"get", b"G E T", b"M" * 5000, b"CONNECT", b"TRACE", b"PROPFIND",
               b"GET\x00", b"\xff\xfe", b"DELETE", b"PATCH", b"PUT", b"OPTIONS", b"HEAD",
               b"POST"]
    items = []
    for method in methods:
        for target in (b"/api/v1/health", b"/", b"/api/v1/auth/login", b"/employee/x"):
            items.append((rawhttp.request_bytes(method, target,
                                                {"Content-Type": "application/json"}, b"{}"),
                          "%r %r" % (method[:20], target)))
    lines = [
        b"GET /health\r\n\r\n", b"GET\r\n\r\n", b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /health HTTP/1.0\r\n\r\n", b"GET /health HTTP/1.1\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET  /health  HTTP/1.1\r\nHost: x\r\n\r\n", b"\r\n\r\nGET /health HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),
        b"GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: !!!\r\nSec-WebSocket-Version: 99\r\n\r\n",
    ]
    items += [(data, "request line %r" % data[:30]) for data in lines]
    blast(srv, counter, pool, items, deadline)
    return counter


def phase_tokens(harness, srv, deadline, pool):
    counter = Counter("garbage tokens")
    tokens = [
        "", "x", "a.b.c", "..", "." * 5000, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "%%%.%%%.%%%", "a" * 70000,
        "eyJhbGciOiJIUzI1NiJ9." + "A" * 10000 + ".AAAA",
        "eyJ" + "=" * 100 + ".eyJ.e", "Bearer Bearer x",
    ]
    items = []
    for token in tokens:
        for path in ("/api/v1/users/me", "/api/v1/dashboard", "/api/v1/auth/me"):
            for scheme in ("Bearer ", "bearer ", "Basic ", ""):
                items.append((rawhttp.request_bytes("GET", path,
                                                    {"Authorization": scheme + token}),
                              "token %s%r on %s" % (scheme, token[:20], path)))
    blast(srv, counter, pool, items, deadline)
    return counter


def phase_pipelining(harness, srv, deadline, pool):
    counter = Counter("pipelined requests")
    one = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
           b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 2\r\n\r\n{}")
    for n in (10, 50):
        data = one * n + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        try:
            with rawhttp.connect(srv.host, srv.port, timeout=10) as sock:
                sock.sendall(data)
                raw = rawhttp.read_all(sock, timeout=10)
        except OSError:
            raw = b""
        # Responses follow each other directly: a status line may start right after a body.
        statuses = [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]
        for status in statuses:
            counter.add(rawhttp.Response(status, "", {}, b"", b""), "pipelined x%d" % n)
        if not statuses:
            counter.add(None, "pipelined x%d" % n)
    return counter


def phase_random(harness, srv, deadline, pool):
    counter = Counter("random bytes")
    rng = random.Random(1234)
    prefixes = [b"", b"GET ", b"POST /api/v1/auth/login HTTP/1.1\r\n",
                b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"]
    jobs = []
    for i in range(1500):
        size = rng.choice((1, 16, 200, 2000, 20000))
        data = rng.choice(prefixes) + rng.randbytes(size)
        jobs.append((data, "random #%d" % i))
    blast(srv, counter, pool, jobs, deadline, timeout=0.5, half_close=True)
    return counter


def phase_slowloris(harness, srv, deadline, pool, connections=50, seconds=4.0):
    counter = Counter("slowloris")
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 100
    socks = []
    for _ in range(connections):
        try:
            socks.append(rawhttp.connect(srv.host, srv.port, timeout=2))
        except OSError:
            pass
    stalls = []
    end = max(min(time.monotonic() + seconds, deadline), time.monotonic() + 2.0)
    i = 0
    while time.monotonic() < end and i < len(request):
        for s in socks:
            try:
                s.sendall(request[i:i + 1])
            except OSError:
                pass
        i += 1
        if i % 10 == 0:
            t0 = time.monotonic()
            status = get_health(srv, timeout=3)
            counter.add(rawhttp.Response(status, "", {}, b"", b"") if status else None,
                        "health during slowloris")
            if status != 200 or time.monotonic() - t0 > 2.0:
                stalls.append(status)
        time.sleep(0.1)
    for s in socks:
        s.close()
    counter.note = "%d connections, %d bytes each" % (len(socks), i)
    if stalls:
        counter.bad.append((0, "GET /health stalled or failed during slowloris: %r" % stalls))
    return counter


# (phase, share of the time budget); every phase also stops at the budget's end.
PHASES = [(phase_bad_json, 0.35), (phase_headers, 0.06), (phase_paths, 0.06),
          (phase_truncated, 0.05), (phase_chunked, 0.04), (phase_methods, 0.05),
          (phase_tokens, 0.06), (phase_pipelining, 0.04), (phase_random, 0.09),
          (phase_slowloris, 0.10)]


# ---------------------------------------------------------------- runner

def run(budget=None, out=sys.stdout):
    """Runs every phase against a fresh server; returns (passed, failed)."""
    budget = float(budget or os.environ.get("HOSTILE_BUDGET", "55"))
    start = time.monotonic()
    passed = failed = 0
    harness = wos_harness.Harness()

    def result(ok, name, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""),
              file=out, flush=True)

    srv = None
    try:
        srv = harness.start_server(harness.wos_env())
        with ThreadPoolExecutor(max_workers=8) as pool:
            for i, (phase, weight) in enumerate(PHASES):
                left = budget - (time.monotonic() - start) - 8.0
                if left <= 0:
                    result(False, phase.__name__, "time budget exhausted before this phase")
                    continue
                share = left * weight / sum(w for _, w in PHASES[i:])
                t0 = time.monotonic()
                counter = phase(harness, srv, t0 + max(share, 1.0), pool)
                alive = get_health(srv, timeout=10) == 200
                detail = "%d sent, %d answered in %.1f s%s" % (
                    counter.sent, counter.answered, time.monotonic() - t0,
                    ", " + counter.note if getattr(counter, "note", "") else "")
                if counter.bad:
                    detail += "; 5xx: " + "; ".join("%s %s" % b for b in counter.bad[:5])
                if not alive:
                    detail += "; server no longer answers /health"
                result(alive and not counter.bad, counter.name, detail)
                if not alive:
                    break
        result(get_health(srv, timeout=10) == 200, "final GET /health")
        try:
            code = srv.stop()
            result(code == 0, "SIGTERM exit 0 without sanitizer report")
        except wos_harness.HarnessError as exc:
            result(False, "SIGTERM exit 0 without sanitizer report", str(exc))
    except wos_harness.HarnessError as exc:
        result(False, "server start", str(exc))
    finally:
        if srv is not None:
            srv.kill()
        harness.close()
    print("hostile: %d passed, %d failed (%.1f s)" % (passed, failed, time.monotonic() - start),
          file=out, flush=True)
    return passed, failed


def main():
    wos_harness.ensure_services()
    _, failed = run()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
