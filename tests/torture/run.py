#!/usr/bin/python3
"""Torture runner (issue 11): fail the N-th allocation / statement / SMTP send, for N = 1, 2, ...
until a run reaches no injected failure, and demand a clean outcome every time.

    /usr/bin/python3 tests/torture/run.py [--bin build-torture/wos] [--bounded]
        [--sites alloc,db,smtp] [--cases name,...] [--max-n 5000] [--report FILE]

The binary must be a torture build (`make torture` -> build-torture/wos, ASan + UBSan +
-DWOS_TORTURE, see src/core/torture.h). Services come from the test-harness environment
(scripts/run-tests exports it) or are started privately (tests/wos_harness.py).

API cases (tests/torture/requests.json "api") run against one `wos serve`; each attempt sends
the case's request with `X-Wos-Torture: <site>:<N>`, which fails the N-th call of that site
inside that request only. CLI cases run the binary once per attempt with
WOS_TORTURE_FAIL_AT=<site>:<N>. Whether the N-th call was reached is read from the process's
stderr ("wos-torture: injected ..."); the first N that is not reached ends the (case, site)
pair, and that last run must look exactly like a run without injection (same status).

An attempt is clean when:
  - the process is alive afterwards (API) / exited by itself, not by a signal (CLI), and no
    ASan/UBSan report was printed;
  - an API answer is a complete HTTP response; an error is the JSON error envelope, a 5xx is
    500 INTERNAL_ERROR or 503 and names no internals; an allocation failure may instead close
    the connection without an answer (nothing left to answer with), never a partial answer;
  - a failing CLI command exits non-zero with a message besides the torture line (cases
    marked fails_loudly may not exit 0 once their failure was injected);
  - the database invariants hold (INVARIANTS below: nothing half-written).
At the end the server is stopped with SIGTERM and must exit 0 without a LeakSanitizer report
(a leak on any error path shows there).

Prints one line per (case, site) and ends with "N passed, N failed"; exit status 1 on any
failure. --report writes the details as JSON (crash sites with their first source frames).
"""
import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import psycopg  # noqa: E402
import requests  # noqa: E402
from psycopg import sql as psql  # noqa: E402

import wos_harness  # noqa: E402
from factories import make_member, make_workspace  # noqa: E402

FIRED = "wos-torture: injected"
SANITIZER = wos_harness.SANITIZER_MARKERS
INTERNALS = re.compile(r"PQ|SQLSTATE|syntax error|relation \"|postgres|\.c:\d|0x[0-9a-f]{6}",
                       re.I)
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:halt_on_error=1",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}

# Each query returns the rows that break an invariant; an empty result means it holds.
INVARIANTS = {
    "leave without its created timeline entry":
        "SELECT l.id FROM leave_requests l WHERE NOT EXISTS (SELECT 1 FROM approval_timeline t"
        " WHERE t.workspace_id = l.workspace_id AND t.entity_type = 'leave_request'"
        " AND t.entity_id = l.id AND t.action = 'created')",
    "leave without its audit row":
        "SELECT l.id FROM leave_requests l WHERE NOT EXISTS (SELECT 1 FROM audit_logs a"
        " WHERE a.workspace_id = l.workspace_id AND a.entity_id = l.id"
        " AND a.action_type = 'leave.created')",
    "timeline entry without its leave":
        "SELECT t.id FROM approval_timeline t WHERE t.entity_type = 'leave_request'"
        " AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.workspace_id = t.workspace_id"
        " AND l.id = t.entity_id)",
    "decided leave without its decision in the timeline":
        "SELECT l.id FROM leave_requests l WHERE l.status IN ('approved', 'rejected',"
        " 'cancelled') AND NOT EXISTS (SELECT 1 FROM approval_timeline t WHERE"
        " t.workspace_id = l.workspace_id AND t.entity_id = l.id AND t.action ="
        " CASE l.status WHEN 'approved' THEN 'approved' WHEN 'rejected' THEN 'rejected'"
        " ELSE 'cancelled' END)",
    "member with two open sessions":
        "SELECT workspace_id, user_id FROM attendance_sessions WHERE check_out_at IS NULL"
        " GROUP BY workspace_id, user_id HAVING count(*) > 1",
    "completed session without its computed minutes":
        "SELECT id FROM attendance_sessions WHERE session_status = 'completed'"
        " AND (check_out_at IS NULL OR worked_minutes IS NULL)",
    "broken audit chain":
        "SELECT w.id, v.seq, v.problem FROM workspaces w, LATERAL wos_audit_verify(w.id) v",
    "refresh token without its session":
        "SELECT r.id FROM refresh_tokens r WHERE NOT EXISTS (SELECT 1 FROM auth_sessions s"
        " WHERE s.id = r.session_id)",
    "invited member without an invitation":
        "SELECT m.user_id FROM memberships m WHERE m.status = 'invited' AND NOT EXISTS"
        " (SELECT 1 FROM account_invitations i WHERE i.user_id = m.user_id)",
    "announcement without rendered html":
        "SELECT id FROM announcements WHERE content <> '' AND content_html = ''",
    "e-mail job done without a delivery record":
        "SELECT id FROM jobs WHERE kind = 'email' AND status = 'done'"
        " AND NOT (coalesce(result, '{}'::jsonb) ?| array['sent_at', 'file'])",
}


def log(msg):
    print(msg, flush=True)


class LogReader:
    """Reads a growing log file incrementally."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return ""
        self.offset += len(data)
        return data.decode("utf-8", "replace")


def sanitizer_excerpt(text, lines=25):
    out = []
    keep = False
    for line in text.splitlines():
        if any(m in line for m in SANITIZER):
            keep = True
        if keep:
            out.append(line)
        if len(out) >= lines:
            break
    return "\n".join(out)


def crash_site(text):
    """The first frame (or UBSan location) in our sources: 'src/x/y.c:123'."""
    m = re.search(r"(src/[\w/]+\.c:\d+)", text)
    return m.group(1) if m else "unknown"


class Failure(Exception):
    pass


class Runner:
    def __init__(self, args):
        self.args = args
        self.harness = wos_harness.Harness()
        self.cases = json.loads((HERE / "requests.json").read_text())
        self.results = []  # dicts per (case, site)
        self.server = None
        self.reader = None
        self.env = None
        self.db = None
        self.world = {}
        self.counter = 0
        self.base_day = datetime.date(2040, 1, 1)

    # ------------------------------------------------------------ setup

    def start(self):
        env = dict(SAN_ENV)
        env.update({k: os.environ[k] for k in SAN_ENV if os.environ.get(k)})
        self.env = self.harness.wos_env(**env)
        self.start_server()
        self.db = psycopg.connect(self.env["DATABASE_URL"], autocommit=True)
        ws = make_workspace(self.db, name="Torture")
        admin = make_member(self.db, ws, "admin")
        manager = make_member(self.db, ws, "manager")
        employee = make_member(self.db, ws, "employee", manager=manager.user_id)
        self.members = {"admin": admin, "manager": manager, "employee": employee}
        self.world = {"ws": ws, "admin": admin.user_id, "manager": manager.user_id,
                      "employee": employee.user_id}
        try:  # the first allocation of a request fails: the connection closes unanswered
            requests.get(self.server.url + "/health", headers={"X-Wos-Torture": "alloc:1"},
                         timeout=10)
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
        if FIRED not in self.reader.read():
            raise SystemExit("torture: %s is not a torture build (make torture)"
                             % wos_harness.wos_bin())

    def start_server(self):
        if self.server is not None:
            self.env["APP_PORT"] = str(self.harness.free_port())
        self.server = self.harness.start_server(self.env)
        self.reader = LogReader(self.server.log_path)
        self.reader.read()

    def restart_after_crash(self):
        self.server.kill()
        self.start_server()

    # ------------------------------------------------------------ placeholders

    def fill(self, value, names):
        if isinstance(value, str):
            return re.sub(r"\{(\w+)\}", lambda m: str(names.get(m.group(1), m.group(0))), value)
        if isinstance(value, list):
            return [self.fill(v, names) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v, names) for k, v in value.items()}
        return value

    def names(self):
        self.counter += 1
        day = self.base_day + datetime.timedelta(days=self.counter)
        return dict(self.world, n=self.counter, day=day.isoformat())

    # ------------------------------------------------------------ API attempts

    def send(self, step, names, torture=None, rid=None):
        headers = {"X-Request-ID": rid or "tsetup-%d" % self.counter, "Connection": "close"}
        if step.get("as"):
            headers.update(self.members[step["as"]].auth(self.server))
        if torture:
            headers["X-Wos-Torture"] = torture
        data = None
        if "raw" in step:
            data = step["raw"].encode()
            headers["Content-Type"] = "application/json"
        elif "body" in step:
            data = json.dumps(self.fill(step["body"], names)).encode()
            headers["Content-Type"] = "application/json"
        url = self.server.url + self.fill(step["path"], names)
        return requests.request(step["method"], url, data=data, headers=headers, timeout=30)

    def wait_access(self, rid, timeout=10):
        """Log text up to and including rid's access line (or what exists when it never comes)."""
        text = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text += self.reader.read()
            if "rid=%s" % rid in text or not self.server.alive():
                time.sleep(0.02)
                return text + self.reader.read()
            time.sleep(0.01)
        return text

    def prepare(self, case, names):
        with self.db.cursor() as cur:
            for stmt in case.get("reset", []):
                cur.execute(stmt, names)
        for step in case.get("setup", []):
            rid = "tsetup-%d-%s" % (self.counter, uuid.uuid4().hex[:6])
            r = self.send(step, names, rid=rid)
            self.wait_access(rid)
            if r.status_code >= 300:
                raise Failure("setup %s %s: %d %s" % (step["method"], step["path"],
                                                       r.status_code, r.text[:200]))
            body = r.json()
            for name, key in step.get("save", {}).items():
                names[name] = body[key]

    def api_attempt(self, case, site, n):
        """Runs one attempt; returns (fired, status or None). Raises Failure when not clean."""
        names = self.names()
        self.prepare(case, names)
        rid = "tt-%s-%s-%d" % (case["name"], site, n)
        torture = "%s:%d" % (site, n) if n else None
        response, error = None, None
        try:
            response = self.send(case, names, torture=torture, rid=rid)
        except requests.RequestException as exc:
            error = exc
        text = self.wait_access(rid) if response is not None else self.settle()
        fired = FIRED in text
        if not self.server.alive() or any(m in text for m in SANITIZER):
            report = sanitizer_excerpt(text + self.server.log()[-20000:])
            self.restart_after_crash()
            raise Failure("crash at %s\n%s" % (crash_site(report), report))
        if response is None:
            # A request whose own context cannot be allocated loses its connection with no
            # answer: a close, or a reset when its body was still unread (RST on close).
            if fired and site == "alloc" and isinstance(error, requests.ConnectionError) \
                    and any(m in str(error) for m in ("closed connection without response",
                                                      "Connection reset by peer")):
                return fired, None
            raise Failure("no clean answer: %s" % error)
        self.check_answer(response, case.get("envelope", True))
        self.check_invariants()
        return fired, response.status_code

    def settle(self):
        time.sleep(0.15)
        return self.reader.read()

    @staticmethod
    def check_answer(r, envelope=True):
        """An error is JSON (the error envelope unless the case says otherwise)."""
        if r.status_code < 400:
            return
        ctype = r.headers.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            raise Failure("error %d is not JSON (%s): %r" % (r.status_code, ctype, r.text[:200]))
        if not envelope:
            if r.status_code not in (500, 503):
                raise Failure("unexpected %d: %r" % (r.status_code, r.text[:200]))
            r.json()
            return
        try:
            err = r.json()["error"]
            code, message = err["code"], err["message"]
        except (ValueError, KeyError, TypeError):
            raise Failure("error %d without the envelope: %r" % (r.status_code, r.text[:200]))
        if r.status_code >= 500:
            if r.status_code not in (500, 503):
                raise Failure("unexpected %d: %r" % (r.status_code, r.text[:200]))
            if INTERNALS.search(message) or INTERNALS.search(r.text):
                raise Failure("%d leaks internals: %r" % (r.status_code, r.text[:200]))
        if not code or not message:
            raise Failure("empty error envelope: %r" % r.text[:200])

    def check_invariants(self):
        broken = []
        with self.db.cursor() as cur:
            for name, query in INVARIANTS.items():
                cur.execute(query)
                rows = cur.fetchall()
                if rows:
                    broken.append("%s: %s" % (name, rows[:3]))
        if broken:
            raise Failure("invariants broken: " + "; ".join(broken))

    # ------------------------------------------------------------ CLI attempts

    def cli_env(self, case, database_url, sink):
        env = dict(self.env, DATABASE_URL=database_url)
        env.pop("WOS_TORTURE_FAIL_AT", None)
        if case.get("smtp"):
            env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port),
                        "SMTP_TLS": "false", "EMAILS_FROM_EMAIL": "noreply@wos.test",
                        "WORKER_BACKOFF_BASE_MS": "100", "WORKER_BACKOFF_MAX_SECONDS": "1",
                        "WORKER_POLL_INTERVAL_MS": "200"})
        return env

    def fresh_database(self):
        name = "wos_torture_%s" % uuid.uuid4().hex[:10]
        with psycopg.connect(wos_harness.superuser_url(), autocommit=True) as conn:
            conn.execute(psql.SQL("CREATE DATABASE {} OWNER wos TEMPLATE template0"
                                  " ENCODING 'UTF8'").format(psql.Identifier(name)))
        return name, wos_harness.database_url(name)

    def drop_database(self, name):
        with psycopg.connect(wos_harness.superuser_url(), autocommit=True) as conn:
            conn.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(psql.Identifier(name)))

    def run_cli(self, args, env):
        try:
            return subprocess.run([str(wos_harness.wos_bin()), *args], env=env,
                                  cwd=str(self.harness.work), capture_output=True, text=True,
                                  errors="replace", timeout=120, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise Failure("`wos %s` did not finish within 120 s" % " ".join(args))

    def cli_attempt(self, case, site, n, sink):
        db_name, url = (self.fresh_database() if case.get("fresh_database")
                        else (None, self.env["DATABASE_URL"]))
        try:
            env = self.cli_env(case, url, sink)
            job_id = None
            if case.get("smtp"):
                job_id = self.enqueue_mail()
                before = len(sink.messages)
            if n:
                env["WOS_TORTURE_FAIL_AT"] = "%s:%d" % (site, n)
            res = self.run_cli(case["args"], env)
            fired = FIRED in res.stderr
            if res.returncode < 0 or any(m in res.stderr for m in SANITIZER):
                report = sanitizer_excerpt(res.stderr) or res.stderr[-2000:]
                raise Failure("crash (exit %d) at %s\n%s" % (res.returncode, crash_site(report),
                                                             report))
            if res.returncode != 0:
                message = [line for line in res.stderr.splitlines() + res.stdout.splitlines()
                           if line.strip() and FIRED not in line]
                if not message:
                    raise Failure("exit %d without a message" % res.returncode)
            elif fired and case.get("fails_loudly"):
                raise Failure("the injected failure was swallowed: exit 0\n%s"
                              % (res.stdout + res.stderr)[-1500:])
            if case.get("fresh_database"):
                self.check_recovers(case, url)
            if job_id:
                self.check_mail_job(job_id, sink, before)
            self.check_invariants()
            return fired, res.returncode
        finally:
            if db_name:
                self.drop_database(db_name)

    def check_recovers(self, case, url):
        """After a failed migration run, a plain run completes and the schema is exact."""
        env = dict(self.env, DATABASE_URL=url)
        env.pop("WOS_TORTURE_FAIL_AT", None)
        res = self.run_cli(case["args"], env)
        if res.returncode != 0:
            raise Failure("plain re-run after the failure: exit %d: %s"
                          % (res.returncode, res.stderr[-500:]))
        res = self.run_cli(["migrate", "check"], env)
        if res.returncode != 0:
            raise Failure("migrate check after recovery: exit %d: %s"
                          % (res.returncode, (res.stdout + res.stderr)[-500:]))

    def enqueue_mail(self):
        payload = {"template": "password_reset", "to": "torture@example.test",
                   "to_name": "Torture Person", "workspace_name": "Torture",
                   "vars": {"link": "/reset-password?token=t-%d" % self.counter}}
        self.counter += 1
        with self.db.cursor() as cur:
            # one message per attempt: mail queued by the API cases is not this test's
            cur.execute("UPDATE jobs SET status = 'skipped', finished_at = now()"
                        " WHERE kind = 'email' AND status IN ('queued', 'failed')")
            cur.execute("SELECT wos_job_enqueue('email', %s::jsonb, NULL, NULL, NULL, 3)::text",
                        (json.dumps(payload),))
            return cur.fetchone()[0]

    def check_mail_job(self, job_id, sink, before):
        """The job's row tells the truth about the delivery, whatever failed."""
        with self.db.cursor() as cur:
            cur.execute("SELECT status, attempts, result, last_error FROM jobs WHERE id = %s",
                        (job_id,))
            status, attempts, result, last_error = cur.fetchone()
        delivered = len(sink.messages) - before
        if status == "done" and delivered < 1:
            raise Failure("job done but no message arrived (%s)" % result)
        if status == "running":
            raise Failure("the worker exited leaving the job running")
        if status in ("queued", "failed") and attempts > 0 and not last_error:
            raise Failure("job %s after %d attempts without last_error" % (status, attempts))
        if delivered and status != "done" and not (result or {}).get("data_phase_at"):
            # the retry must know that the server may already hold the message
            raise Failure("a message was delivered but the job is %s without data_phase_at"
                          % status)
        ids = {m.message_id for m in sink.messages[before:]}
        if ids - {"<%s@wos>" % job_id}:
            raise Failure("messages with other Message-IDs than the job's: %s" % ids)

    # ------------------------------------------------------------ the loop

    def torture(self, kind, case, site, sink=None):
        attempt = self.api_attempt if kind == "api" else \
            (lambda c, s, n: self.cli_attempt(c, s, n, sink))
        name = "%s/%s" % (case["name"], site)
        started = time.monotonic()
        failures = []
        _, baseline = attempt(case, site, 0)
        n = 0
        while True:
            n += 1
            if n > self.args.max_n:
                failures.append("N passed --max-n %d without running out of %s calls"
                                % (self.args.max_n, site))
                break
            try:
                fired, status = attempt(case, site, n)
            except Failure as exc:
                failures.append("N=%d: %s" % (n, exc))
                if len(failures) >= self.args.max_failures:
                    failures.append("stopped after %d failures" % len(failures))
                    break
                continue
            if not fired:
                if status != baseline:
                    failures.append("N=%d reached no %s call but answered %s instead of %s"
                                    % (n, site, status, baseline))
                break
        runs = n
        result = {"case": name, "runs": runs, "seconds": round(time.monotonic() - started, 1),
                  "failures": failures}
        self.results.append(result)
        log("torture: %-28s %s  %4d runs  %5.1fs%s" % (
            name, "FAIL" if failures else "ok  ", runs, result["seconds"],
            "" if not failures else "\n    " + "\n    ".join(f.replace("\n", "\n      ")
                                                              for f in failures[:5])))

    def run(self):
        sites = self.args.sites.split(",")
        only = set(self.args.cases.split(",")) if self.args.cases else None
        sink = None
        try:
            self.start()
            for case in self.cases["api"]:
                if (only and case["name"] not in only) or \
                        (self.args.bounded and not case.get("bounded")):
                    continue
                for site in sites:
                    if site in ("alloc", "db"):
                        self.torture("api", case, site)
            for case in self.cases["cli"]:
                if (only and case["name"] not in only) or \
                        (self.args.bounded and not case.get("bounded")):
                    continue
                case_sites = case.get("bounded_sites", sites) if self.args.bounded else sites
                if case.get("smtp") and sink is None:
                    sys.path.insert(0, str(HERE.parent / "api"))
                    from smtp_helpers import SmtpSink
                    sink = SmtpSink().start()
                for site in case_sites:
                    if site == "smtp" and not case.get("smtp"):
                        continue
                    if site in sites:
                        self.torture("cli", case, site, sink)
        finally:
            if sink is not None:
                sink.stop()
            self.finish()

    def finish(self):
        leak = None
        if self.db is not None:
            self.db.close()
        if self.server is not None and not self.server.stopped:
            try:
                self.server.stop()
            except wos_harness.HarnessError as exc:
                leak = str(exc)
        if leak:
            self.results.append({"case": "server-exit", "runs": 1, "seconds": 0,
                                 "failures": [leak[-4000:]]})
            log("torture: server-exit FAIL\n" + leak[-4000:])
        errors = self.harness.close()
        for e in errors:
            log("torture: harness: " + e[-2000:])
        failed = sum(1 for r in self.results if r["failures"])
        passed = len(self.results) - failed
        if self.args.report:
            Path(self.args.report).parent.mkdir(parents=True, exist_ok=True)
            Path(self.args.report).write_text(json.dumps(self.results, indent=1))
        total = sum(r["runs"] for r in self.results)
        sites = sorted({m.group(1) for r in self.results for f in r["failures"]
                        for m in [re.search(r"crash[^\n]* at (src/[\w/]+\.c:\d+)", f)] if m})
        if sites:
            log("torture: crash sites: " + ", ".join(sites))
        log("torture: %d runs in total" % total)
        log("%d passed, %d failed" % (passed, failed))
        self.exit_code = 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("WOS_TORTURE_BIN", "build-torture/wos"))
    ap.add_argument("--bounded", action="store_true", help="only the cases marked bounded")
    ap.add_argument("--sites", default="alloc,db,smtp")
    ap.add_argument("--cases", default="")
    ap.add_argument("--max-n", type=int, default=5000)
    ap.add_argument("--max-failures", type=int, default=25,
                    help="per (case, site): stop listing after this many failing N")
    ap.add_argument("--report", default="")
    args = ap.parse_args()
    binary = Path(args.bin)
    if not binary.is_absolute():
        binary = wos_harness.REPO / binary
    if not binary.exists():
        print("torture: %s missing (make torture)" % binary)
        print("0 passed, 1 failed")
        return 1
    os.environ["WOS_BIN"] = str(binary)
    runner = Runner(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    runner.run()
    return runner.exit_code


if __name__ == "__main__":
    sys.exit(main())
