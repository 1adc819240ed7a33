#!/usr/bin/python3
"""Soak test (`make soak`, outside CI): mixed read/write load against one `wos serve` for
SOAK_MINUTES (default 10) minutes, on loopback only.

    SOAK_MINUTES=10 /usr/bin/python3 tests/soak/soak.py [--bin build/wos] [--threads 8]
        [--minute-seconds 60] [--report var/soak/report.json]

Every minute it prints: requests, errors (answers other than the expected 2xx/409), 5xx,
p50 and p99 latency, requests per second and the server's RSS (the JSON report adds the five
routes with the highest p99 of each minute). It fails (exit 1) when any
5xx or connection error appears, or when the RSS at the end of any later minute is more than
10% above the RSS at the end of the first minute (the first minute is the warm-up: thread
connections, prepared statements, caches).

The load: members of one workspace, each client thread owning some of them, in a fixed mix
  reads  (70%): /users/me, /attendance/today, /attendance/me, /leaves/me,
                /announcements/active, /users (admin), /attendance/workspace (admin),
                /leaves (admin), /api/v1/health
  writes (30%): check-in / check-out (alternating), a one-day leave request (new date each
                time; once a member has filed LEAVES_PER_MEMBER, a cancellation of their
                oldest pending one instead, so no member's own list grows without bound), a
                profile update.
Services come from the test-harness environment when set (scripts/run-tests) or are started
privately for the run (tests/wos_harness.py); the database is a fresh one.
"""
import argparse
import datetime
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import psycopg  # noqa: E402
import requests  # noqa: E402

import wos_harness  # noqa: E402
from factories import make_member, make_workspace  # noqa: E402

RSS_GROWTH_LIMIT = 0.10
LEAVES_PER_MEMBER = 20
READS = [
    ("member", "GET", "/api/v1/users/me"),
    ("member", "GET", "/api/v1/attendance/today"),
    ("member", "GET", "/api/v1/attendance/me?limit=10"),
    ("member", "GET", "/api/v1/leaves/me"),
    ("member", "GET", "/api/v1/announcements/active"),
    ("admin", "GET", "/api/v1/users?limit=20"),
    ("admin", "GET", "/api/v1/attendance/workspace?limit=20"),
    ("admin", "GET", "/api/v1/leaves?limit=20"),
    (None, "GET", "/api/v1/health"),
]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


class Stats:
    """Per-minute counters, filled by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.latencies = []
        self.requests = 0
        self.errors = 0
        self.server_errors = 0
        self.samples = []
        self.per_route = {}

    def add(self, seconds, status, what):
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds * 1000.0)
            self.per_route.setdefault(what, []).append(seconds * 1000.0)
            if status is None or status >= 500:
                self.server_errors += 1
                if len(self.samples) < 5:
                    self.samples.append("%s -> %s" % (what, status))
            elif status >= 400 and status != 409:
                self.errors += 1
                if len(self.samples) < 5:
                    self.samples.append("%s -> %s" % (what, status))

    def take(self):
        with self.lock:
            slowest = sorted(((percentile(v, 99), k, len(v)) for k, v in self.per_route.items()),
                             reverse=True)[:5]
            snap = (self.requests, self.errors, self.server_errors, self.latencies, self.samples,
                    [{"route": k, "requests": n, "p99_ms": round(p, 2)} for p, k, n in slowest])
            self.reset()
        return snap


class Client(threading.Thread):
    def __init__(self, soak, members, seed):
        super().__init__(daemon=True)
        self.soak = soak
        self.members = members
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.checked_in = {m.user_id: False for m in members}
        self.day = {m.user_id: 0 for m in members}
        self.leaves = {m.user_id: [] for m in members}  # pending requests, oldest first
        self.filed = {m.user_id: 0 for m in members}

    def call(self, who, method, path, body=None, label=None):
        """Returns (status or None, JSON body or None)."""
        srv = self.soak.server
        headers = who.auth(srv) if who is not None else {}
        started = time.monotonic()
        data = None
        try:
            r = self.session.request(method, srv.url + path, json=body, headers=headers,
                                     timeout=30)
            status = r.status_code
            if r.headers.get("Content-Type", "").startswith("application/json"):
                data = r.json()
        except (requests.RequestException, ValueError):
            status = None
        self.soak.stats.add(time.monotonic() - started, status,
                            "%s %s" % (method, label or path))
        return status, data

    def leave(self, m):
        mine = self.leaves[m.user_id]
        if self.filed[m.user_id] >= LEAVES_PER_MEMBER:
            if mine:  # cancel the oldest pending one: a write that adds no request
                self.call(m, "POST", "/api/v1/leaves/%s/cancel" % mine.pop(0), {},
                          label="/api/v1/leaves/:id/cancel")
            else:
                self.profile(m)
            return
        self.filed[m.user_id] += 1
        day = self.soak.base_day + datetime.timedelta(days=self.day[m.user_id])
        self.day[m.user_id] += 1
        status, data = self.call(m, "POST", "/api/v1/leaves", {
            "start_date": day.isoformat(), "end_date": day.isoformat(),
            "leave_type": "wfh", "reason": "Soak test request"})
        if status == 201 and isinstance(data, dict):
            mine.append(data["id"])

    def write(self, m):
        kind = self.rng.random()
        if kind < 0.55:
            if self.checked_in[m.user_id]:
                if self.call(m, "POST", "/api/v1/attendance/check-out", {})[0] in (200, 404):
                    self.checked_in[m.user_id] = False
            elif self.call(m, "POST", "/api/v1/attendance/check-in",
                           {"work_mode": "office"})[0] in (201, 409):
                self.checked_in[m.user_id] = True
        elif kind < 0.85:
            self.leave(m)
        else:
            self.profile(m)

    def profile(self, m):
        self.call(m, "PATCH", "/api/v1/users/me",
                  {"phone": "+92 300 %07d" % self.rng.randrange(10 ** 7)})

    def run(self):
        while not self.soak.stop.is_set():
            m = self.rng.choice(self.members)
            if self.rng.random() < 0.30:
                self.write(m)
                continue
            who, method, path = self.rng.choice(READS)
            self.call({"member": m, "admin": self.soak.admin, None: None}[who], method, path)


class Soak:
    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.stop = threading.Event()
        self.base_day = datetime.date(2035, 1, 1)

    def setup(self):
        self.harness = wos_harness.Harness()
        env = self.harness.wos_env(HTTP_THREADS=str(self.args.http_threads),
                                   LOG_LEVEL="warn")
        self.server = self.harness.start_server(env)
        self.db = psycopg.connect(env["DATABASE_URL"], autocommit=True)
        ws = make_workspace(self.db, name="Soak")
        self.admin = make_member(self.db, ws, "admin")
        boss = make_member(self.db, ws, "manager")
        self.members = [make_member(self.db, ws, "employee", manager=boss.user_id)
                        for _ in range(self.args.members)]
        with self.db.cursor() as cur:
            cur.execute("INSERT INTO announcements (workspace_id, title, content, content_html,"
                        " created_by, status) VALUES (%s, 'Soak', 'Soak **test**',"
                        " '<p>Soak <strong>test</strong></p>', %s, 'active')",
                        (ws, self.admin.user_id))

    def run(self):
        self.setup()
        threads = self.args.threads
        groups = [self.members[i::threads] for i in range(threads)]
        clients = [Client(self, g, seed=i) for i, g in enumerate(groups) if g]
        minutes = self.args.minutes
        print("soak: %s minutes of %ds, %d client threads, %d members, server pid %d (%s)"
              % (minutes, self.args.minute_seconds, len(clients), len(self.members),
                 self.server.proc.pid, wos_harness.wos_bin()), flush=True)
        print("soak: minute  requests  errors  5xx   p50 ms   p99 ms   req/s    RSS MB",
              flush=True)
        for c in clients:
            c.start()
        rows = []
        failures = []
        try:
            total_minutes = max(1, int(round(minutes)))
            for minute in range(1, total_minutes + 1):
                time.sleep(self.args.minute_seconds)
                if not self.server.alive():
                    failures.append("the server exited during minute %d" % minute)
                    break
                n, errors, server_errors, lat, samples, slowest = self.stats.take()
                rss = rss_kb(self.server.proc.pid)
                row = {"minute": minute, "requests": n, "errors": errors,
                       "server_errors": server_errors, "p50_ms": round(percentile(lat, 50), 2),
                       "p99_ms": round(percentile(lat, 99), 2),
                       "rps": round(n / self.args.minute_seconds, 1), "rss_kb": rss,
                       "samples": samples, "slowest_routes": slowest}
                rows.append(row)
                print("soak: %6d %9d %7d %4d %8.2f %8.2f %7.1f %9.1f%s" % (
                    minute, n, errors, server_errors, row["p50_ms"], row["p99_ms"], row["rps"],
                    rss / 1024.0, ("   " + "; ".join(samples)) if samples else ""), flush=True)
                if server_errors:
                    failures.append("minute %d: %d 5xx/connection errors (%s)"
                                    % (minute, server_errors, "; ".join(samples)))
        finally:
            self.stop.set()
            for c in clients:
                c.join(timeout=60)
        if rows:
            base = rows[0]["rss_kb"]
            for row in rows[1:]:
                if row["rss_kb"] > base * (1 + RSS_GROWTH_LIMIT):
                    failures.append("RSS grew from %.1f MB (minute 1) to %.1f MB (minute %d)"
                                    % (base / 1024.0, row["rss_kb"] / 1024.0, row["minute"]))
        if sum(r["requests"] for r in rows) == 0:
            failures.append("no request was made")
        try:
            self.db.close()
            self.server.stop()
        except wos_harness.HarnessError as exc:
            failures.append(str(exc)[-2000:])
        errors = self.harness.close()
        failures.extend(e[-2000:] for e in errors)
        report = {"minutes": rows, "failures": failures,
                  "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        if self.args.report:
            path = Path(self.args.report)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=1))
            print("soak: report written to %s" % path)
        for f in failures:
            print("soak: FAIL " + f)
        print("soak: %s" % ("FAILED" if failures else "passed"))
        return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("WOS_BIN", "build/wos"))
    ap.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "10")))
    ap.add_argument("--minute-seconds", type=int, default=60,
                    help="length of a reporting period (60; shorter only to try the tool)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--members", type=int, default=40)
    ap.add_argument("--http-threads", type=int, default=4)
    ap.add_argument("--report", default=str(wos_harness.REPO / "var/soak/report.json"))
    args = ap.parse_args()
    binary = Path(args.bin)
    if not binary.is_absolute():
        binary = wos_harness.REPO / binary
    if not binary.exists():
        print("soak: %s missing (make)" % binary)
        return 1
    os.environ["WOS_BIN"] = str(binary)
    return Soak(args).run()


if __name__ == "__main__":
    sys.exit(main())
