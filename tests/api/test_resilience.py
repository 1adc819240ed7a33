"""Dependencies going away and coming back, and graceful shutdown (spec 01 §1.3, §5, §7).

These tests stop the shared test PostgreSQL cluster or Redis (scripts/services) and always
start them again, even when an assertion fails.
"""

import json
import signal
import socket
import time

import pytest

import rawhttp

THREADS = 4


def poll(fn, timeout, interval=0.2):
    """Calls fn until it returns a truthy value; returns the last value."""
    deadline = time.monotonic() + timeout
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = fn()
    return value


def health(http):
    r = http.get("/api/v1/health", timeout=10)
    return r.status_code, r.json()


def all_threads_healthy(http):
    """Enough consecutive requests that every HTTP thread's connection is exercised."""
    for _ in range(THREADS * 4):
        status, body = health(http)
        if status != 200 or body.get("database") != "ok":
            return False
    return True


@pytest.fixture
def own_server(start_server, wos_env, client):
    srv = start_server(wos_env(HTTP_THREADS=str(THREADS)))
    http = client(srv, timeout=15)
    http.server = srv
    return http


def test_database_down_then_back_without_restart(own_server, services):
    http = own_server
    assert all_threads_healthy(http)
    services("pg-stop")
    try:
        down = poll(lambda: health(http)[0] == 503, timeout=15)
        assert down, "GET /api/v1/health did not answer 503 with the database stopped"
        status, body = health(http)
        assert status == 503
        assert body["database"] == "down"
        assert http.get("/health").status_code == 200
        r = http.post("/api/v1/auth/login", data=json.dumps(
            {"email": "admin@example.com", "password": "Test-Admin-Passw0rd!"}),
            headers={"Content-Type": "application/json"})
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "API_ERROR"
    finally:
        services("pg-start")
    assert poll(lambda: all_threads_healthy(http), timeout=20), \
        "the server did not recover after PostgreSQL came back"
    r = http.post("/api/v1/auth/login", data=json.dumps(
        {"email": "admin@example.com", "password": "Test-Admin-Passw0rd!"}),
        headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert http.server.alive()


def test_redis_down_keeps_serving(own_server, services):
    http = own_server
    status, body = health(http)
    assert status == 200 and body["redis"] == "ok"
    services("redis-stop")
    try:
        assert poll(lambda: health(http)[1].get("redis") == "down", timeout=15)
        status, body = health(http)
        assert status == 200
        assert body["database"] == "ok"
        assert body["redis"] == "down"
        r = http.post("/api/v1/auth/login", data=json.dumps(
            {"email": "admin@example.com", "password": "Test-Admin-Passw0rd!"}),
            headers={"Content-Type": "application/json"})
        assert r.status_code == 200
    finally:
        services("redis-start")
    assert poll(lambda: health(http)[1].get("redis") == "ok", timeout=20), \
        "redis status did not return to ok"
    assert http.server.alive()


def test_sigterm_lets_an_in_flight_request_finish(own_server):
    srv = own_server.server
    body = json.dumps({"email": "nobody@example.com", "password": "Wrong-Passw0rd!"}).encode()
    head = rawhttp.request_bytes("POST", "/api/v1/auth/login", headers={
        "Content-Type": "application/json", "Content-Length": str(len(body))})
    sock = rawhttp.connect(srv.host, srv.port, timeout=20)
    try:
        sock.sendall(head + body[:10])
        time.sleep(0.5)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert srv.alive(), "the server exited with a request in flight"
        with pytest.raises(OSError):
            socket.create_connection((srv.host, srv.port), timeout=2).close()
        sock.sendall(body[10:])
        resp = rawhttp.parse(rawhttp.read_all(sock, timeout=10))
    finally:
        sock.close()
    assert resp is not None, "no response to the in-flight request"
    assert resp.status == 401
    assert srv.stop() == 0


def test_sigint_exits_cleanly(own_server):
    srv = own_server.server
    assert srv.stop(sig=signal.SIGINT) == 0
