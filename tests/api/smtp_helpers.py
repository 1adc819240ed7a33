"""A real SMTP server for tests, and helpers to run `wos worker` against it.

    SmtpSink(port=None, stall_rcpt=0.0, reject_rcpt=None)
        An aiosmtpd server on 127.0.0.1 (a free port unless given) that keeps every message it
        accepts. stall_rcpt=N makes the FIRST recipient command of the sink's life wait N
        seconds before answering (a slow server to kill a worker in the middle of a send);
        reject_rcpt="550 ..." refuses every recipient. .start() / .stop() / .port /
        .messages (list of Received) / .wait_for(count, timeout) / .stalled (threading.Event,
        set when the stall began) / .rcpts (number of RCPT commands seen).
    smtp_sink        pytest fixture: a started SmtpSink, stopped when the test ends.
    worker_env(env, sink=None, **overrides)
        A copy of a wos_env() dict with fast worker settings (short poll, small backoff) and,
        with a sink, SMTP_HOST/SMTP_PORT/SMTP_TLS=false/EMAILS_FROM_EMAIL pointing at it.
    start_worker(start_server, env, ready_timeout=30)
        Runs `wos worker` with env through the harness (so it is stopped with SIGTERM, must exit
        0 and is checked for sanitizer reports) and waits for its "worker ready" log line.
    wait_until(fn, timeout, what)   polls fn() until it returns a true value, which it returns.
    job(conn, job_id)               the jobs row as a dict (None when absent).
    enqueue(conn, kind, payload, key=None, workspace_id=None, max_attempts=None) -> job id

Usage from another test module:

    from smtp_helpers import smtp_sink, worker_env, start_worker, enqueue, wait_until, job  # noqa

    def test_invite(start_server, wos_env, smtp_sink, pg):
        env = worker_env(wos_env(), smtp_sink)
        start_worker(start_server, env)
        ...
        msg = smtp_sink.wait_for(1)[0]
        assert msg.to == ["new@example.com"]
"""

import asyncio
import email
import threading
import time
from email import policy

import psycopg.types.json
import pytest
from aiosmtpd.controller import Controller

from wos_harness import HarnessError, free_port, tail

FAST_WORKER = {
    "WORKER_CONCURRENCY": "2",
    "WORKER_POLL_INTERVAL_MS": "500",
    "WORKER_BACKOFF_BASE_MS": "200",
    "WORKER_BACKOFF_MAX_SECONDS": "2",
    "WORKER_LEASE_SECONDS": "10",
    "WORKER_SHUTDOWN_TIMEOUT_SECONDS": "10",
    "SMTP_TIMEOUT_SECONDS": "20",
}


class Received:
    """One message the sink accepted."""

    def __init__(self, mail_from, rcpt_tos, data):
        self.mail_from = mail_from
        self.to = list(rcpt_tos)
        self.raw = data
        self.message = email.message_from_bytes(data, policy=policy.default)

    @property
    def message_id(self):
        return self.message["Message-ID"]

    @property
    def subject(self):
        return str(self.message["Subject"])

    def text(self):
        return self.message.get_body(("plain",)).get_content()

    def html(self):
        return self.message.get_body(("html",)).get_content()


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        sink = self.sink
        with sink.lock:
            sink.rcpts += 1
            stall = sink.stall_rcpt if sink.rcpts == 1 else 0.0
        if sink.reject_rcpt:
            return sink.reject_rcpt
        if stall:
            sink.stalled.set()
            await asyncio.sleep(stall)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = Received(envelope.mail_from, envelope.rcpt_tos, envelope.content)
        with self.sink.lock:
            self.sink.messages.append(msg)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port=None, stall_rcpt=0.0, reject_rcpt=None):
        self.port = port or free_port()
        self.stall_rcpt = stall_rcpt
        self.reject_rcpt = reject_rcpt
        self.messages = []
        self.rcpts = 0
        self.stalled = threading.Event()
        self.lock = threading.Lock()
        self._controller = None

    def start(self):
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count, timeout=20):
        """Waits until at least count messages arrived; returns the list of messages."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError("SMTP sink got %d message(s), expected %d within %.0f s"
                             % (len(self.messages), count, timeout))


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def worker_env(env, sink=None, **overrides):
    out = dict(env)
    out.update(FAST_WORKER)
    if sink is not None:
        out.update({
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink if isinstance(sink, int) else sink.port),
            "SMTP_TLS": "false",
            "EMAILS_FROM_EMAIL": "noreply@wos.test",
            "EMAILS_FROM_NAME": "Workforce OS",
        })
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def start_worker(start_server, env, ready_timeout=30):
    """`wos worker` as a harness-managed process; returns its Server object once ready."""
    proc = start_server(env, args=("worker",), wait=False)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if "worker ready" in proc.log():
            return proc
        if not proc.alive():
            proc.stop(check=False)
            raise HarnessError("wos worker exited with %s before it was ready:\n%s"
                               % (proc.returncode, tail(proc.log())))
        time.sleep(0.05)
    raise HarnessError("wos worker not ready within %d s:\n%s" % (ready_timeout, tail(proc.log())))


def wait_until(fn, timeout=20, what="condition", interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.0f s waiting for %s (last: %r)"
                                 % (timeout, what, value))
        time.sleep(interval)


def job(conn, job_id):
    cur = conn.execute(
        "SELECT id::text, kind, status, attempts, max_attempts, payload, result, last_error,"
        "       locked_by, idempotency_key, workspace_id::text, run_at, finished_at"
        "  FROM jobs WHERE id = %s", (job_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d.name for d in cur.description], row))


def enqueue(conn, kind, payload, key=None, workspace_id=None, max_attempts=None):
    return conn.execute(
        "SELECT wos_job_enqueue(%s, %s, %s, %s, NULL, %s)::text",
        (kind, psycopg.types.json.Jsonb(payload), key, workspace_id, max_attempts)).fetchone()[0]
