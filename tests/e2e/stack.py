"""The running system the browser tests drive: services, database, `wos serve`, `wos worker`
and an SMTP sink that files every message it accepts.

    Stack(dist_dir, mail_dir).start() -> .url, .mail_dir;  .stop() -> list of error strings

Uses tests/wos_harness.py (so scripts/run-tests' WOS_TEST_* environment is honoured, and
private services are started when it is absent) and tests/api/smtp_helpers.py. Each accepted
message is written to mail_dir/NNNN.json as {"to": [...], "subject": ..., "text": ...}, which
the Node scenarios read to follow invitation links.

Invariants: the database is fresh and dropped by stop(); serve and worker are stopped with
SIGTERM and checked for sanitizer reports; FRONTEND_BASE_URL is the server's own URL, so links
in e-mails open the UI under test.
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "api"))

import wos_harness  # noqa: E402
from smtp_helpers import SmtpSink, start_worker, worker_env  # noqa: E402


class FilingSink(SmtpSink):
    """An SmtpSink that also writes each message to a directory as JSON."""

    def __init__(self, mail_dir):
        super().__init__()
        self.mail_dir = Path(mail_dir)
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.filed = 0

    def file_new(self):
        with self.lock:
            fresh = self.messages[self.filed:]
            start = self.filed
            self.filed = len(self.messages)
        for i, msg in enumerate(fresh, start):
            try:
                text = msg.text()
            except (KeyError, AttributeError):
                text = ""
            tmp = self.mail_dir / (".%04d.tmp" % i)
            tmp.write_text(json.dumps({"to": msg.to, "subject": msg.subject, "text": text}))
            tmp.rename(self.mail_dir / ("%04d.json" % i))


class Stack:
    def __init__(self, dist_dir, mail_dir, extra_env=None):
        self.dist_dir = Path(dist_dir)
        self.mail_dir = Path(mail_dir)
        self.extra_env = extra_env or {}
        self.harness = None
        self.sink = None
        self.server = None
        self.worker = None
        self.url = None

    def start(self):
        self.harness = wos_harness.Harness()
        self.sink = FilingSink(self.mail_dir).start()
        port = self.harness.free_port()
        env = self.harness.wos_env(
            APP_PORT=port, WEB_DIST_DIR=self.dist_dir,
            FRONTEND_BASE_URL="http://127.0.0.1:%d" % port, **self.extra_env)
        env = worker_env(env, self.sink)
        self.server = self.harness.start_server(env)
        self.worker = start_worker(self.harness.start_server, env)
        self.url = self.server.url
        return self

    def pump_mail(self):
        if self.sink is not None:
            self.sink.file_new()

    def logs(self):
        out = []
        for name, proc in (("serve", self.server), ("worker", self.worker)):
            if proc is not None:
                out.append("---- %s\n%s" % (name, wos_harness.tail(proc.log(), 60)))
        return "\n".join(out)

    def stop(self):
        errors = []
        for proc in (self.worker, self.server):
            if proc is None or proc.stopped:
                continue
            try:
                proc.stop()
            except wos_harness.HarnessError as exc:
                errors.append(str(exc))
        if self.sink is not None:
            self.sink.stop()
        if self.harness is not None:
            errors.extend(self.harness.close())
        return errors


if __name__ == "__main__":
    # Development aid: `tests/e2e/stack.py DIST MAILDIR` runs the stack until Ctrl-C.
    import signal
    import time
    stack = Stack(sys.argv[1], sys.argv[2]).start()
    print(stack.url, flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        while not stop:
            stack.pump_mail()
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    for err in stack.stop():
        print(err, file=sys.stderr)
