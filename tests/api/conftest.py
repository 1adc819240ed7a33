"""pytest fixtures for black-box API tests of the real `wos` binary (see tests/wos_harness.py).

Fixtures (the shared test-harness contract):
    new_database()            -> URL of a fresh UTF8 database owned by `wos` (dropped at session end)
    wos_env(**overrides)      -> full environment dict for the binary (None deletes a key)
    run_wos(*args, env=None, timeout=120, cwd=None, input=None) -> CompletedProcess (text)
    start_server(env=None)    -> Server(.url .port .env .proc .database_url .stop() .log())
    server                    -> session-wide running server on a fresh database
    http                      -> requests.Session bound to `server` (relative URLs)
    pg(url)                   -> psycopg connection with autocommit (closed after the test)
    services(cmd)             -> runs scripts/services <cmd> $WOS_TEST_DIR (pg-stop, redis-start...)
    client(server)            -> requests.Session bound to another Server

Servers and connections opened while a test runs are stopped/closed when it ends; a server that
does not exit 0 within 15 s of SIGTERM, or printed a sanitizer report, fails that test. Every test
has a time limit (WOS_TEST_TIMEOUT seconds, default 300).
"""

import os
import signal
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wos_harness  # noqa: E402
from wos_harness import HarnessError, tail  # noqa: E402,F401

TEST_TIMEOUT = int(os.environ.get("WOS_TEST_TIMEOUT", "300"))


class BaseUrlSession(requests.Session):
    """requests.Session that resolves "/path" against a base URL and has a default timeout."""

    def __init__(self, base_url, timeout=30):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.default_timeout = timeout

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture(scope="session")
def harness():
    h = wos_harness.Harness()
    h.session_servers = set()
    h.connections = []
    yield h
    for conn in h.connections:
        conn.close()
    errors = h.close()
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def new_database(harness):
    return harness.new_database


@pytest.fixture(scope="session")
def wos_env(harness):
    return harness.wos_env


@pytest.fixture(scope="session")
def run_wos(harness):
    return harness.run_wos


@pytest.fixture(scope="session")
def start_server(harness):
    return harness.start_server


@pytest.fixture(scope="session")
def services():
    return wos_harness.services


@pytest.fixture(scope="session")
def pg(harness):
    def connect(url):
        conn = wos_harness.pg(url)
        harness.connections.append(conn)
        return conn

    return connect


@pytest.fixture(scope="session")
def server(harness):
    srv = harness.start_server()
    harness.session_servers.add(id(srv))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def client():
    def make(srv, timeout=30):
        return BaseUrlSession(srv.url, timeout)

    return make


@pytest.fixture
def http(server):
    with BaseUrlSession(server.url) as session:
        yield session


def _alarm(signum, frame):
    raise TimeoutError("test exceeded WOS_TEST_TIMEOUT=%d s" % TEST_TIMEOUT)


@pytest.fixture(autouse=True)
def _per_test_resources(request, harness):
    """Stops servers and closes connections that this test opened; enforces the time limit."""
    server_mark = len(harness._servers)
    conn_mark = len(harness.connections)
    request.node.wos_server_mark = (harness, server_mark)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    for conn in harness.connections[conn_mark:]:
        conn.close()
    del harness.connections[conn_mark:]
    errors = []
    mine = [s for s in harness._servers[server_mark:] if id(s) not in harness.session_servers]
    for srv in mine:
        if srv.stopped:
            continue  # the test stopped it and saw the result
        try:
            srv.stop()
        except HarnessError as exc:
            errors.append(str(exc))
    harness._servers = [s for s in harness._servers if s not in mine]
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    mark = getattr(item, "wos_server_mark", None)
    if mark is None:
        return
    harness, start = mark
    for srv in harness._servers[start:]:
        report.sections.append(("wos :%d stderr (tail)" % srv.port, tail(srv.log(), 60)))
