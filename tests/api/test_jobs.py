"""The durable job queue and `wos worker` (spec 10 §1.2), black-box.

Jobs are inserted with SQL (wos_job_enqueue, as modules do inside their transactions) or with
`wos jobs enqueue`; the test.* kinds exist outside production only: test.noop, test.fail,
test.flaky (fails its first payload.failures attempts), test.sleep (payload.ms), test.tick.
"""

import os
import re
import signal
import time
import uuid
from datetime import datetime

import jwt
import psycopg.types.json
import pytest

from smtp_helpers import enqueue, job, start_worker, wait_until, worker_env

ADMIN_EMAIL = "admin@example.com"


def statuses(conn, kind):
    return dict(conn.execute("SELECT status, count(*) FROM jobs WHERE kind = %s GROUP BY status",
                             (kind,)).fetchall())


def status_is(conn, job_id, *wanted):
    def check():
        row = job(conn, job_id)
        return row if row and row["status"] in wanted else None
    return check


# ---------------------------------------------------------------- queue basics

def test_rolled_back_enqueue_never_runs_and_commit_wakes_the_worker(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_POLL_INTERVAL_MS="60000")  # only NOTIFY can wake it
    worker = start_worker(start_server, env)
    url = env["DATABASE_URL"]
    conn = pg(url)

    with psycopg.connect(url) as tx:  # one transaction, rolled back
        rolled = enqueue(tx, "test.noop", {"n": 1}, key="rolled-back")
        time.sleep(1.0)  # visible to nobody while open
        tx.rollback()
    with psycopg.connect(url) as tx:
        kept = enqueue(tx, "test.noop", {"n": 2}, key="committed")
        time.sleep(0.5)
        assert job(conn, kept) is None  # not committed yet: workers cannot see it
        tx.commit()

    row = wait_until(status_is(conn, kept, "done"), timeout=10, what="the committed job")
    assert row["attempts"] == 1
    time.sleep(0.5)
    assert job(conn, rolled) is None
    assert "job %s" % rolled not in worker.log()
    # The key of the rolled-back job was never taken; the committed key is idempotent.
    assert enqueue(conn, "test.noop", {"n": 3}, key="rolled-back") != rolled
    assert enqueue(conn, "test.noop", {"n": 4}, key="committed") == kept


def test_three_workers_500_jobs_each_run_once_and_a_failing_job_dies(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_CONCURRENCY="4", WORKER_BACKOFF_BASE_MS="50",
                     WORKER_BACKOFF_MAX_SECONDS="1")
    workers = [start_worker(start_server, env) for _ in range(3)]
    conn = pg(env["DATABASE_URL"])
    with conn.transaction():
        ids = [enqueue(conn, "test.noop", {"i": i}) for i in range(500)]
        failing = enqueue(conn, "test.fail", {}, max_attempts=3)

    wait_until(lambda: statuses(conn, "test.noop").get("done") == 500, timeout=60,
               what="500 jobs done")
    dead = wait_until(status_is(conn, failing, "dead"), timeout=20, what="the failing job dead")
    assert dead["attempts"] == 3
    assert dead["last_error"] == "test.fail: failing on purpose (attempt 3)"

    rows = conn.execute("SELECT attempts, count(*) FROM jobs WHERE kind = 'test.noop'"
                        " GROUP BY attempts").fetchall()
    assert rows == [(1, 500)]
    runs = {}
    for n, w in enumerate(workers):
        for job_id in re.findall(r"job ([0-9a-f-]{36}) test\.noop done", w.log()):
            runs.setdefault(job_id, []).append(n)
    assert sorted(runs) == sorted(ids)
    assert all(len(where) == 1 for where in runs.values())
    assert len({n for where in runs.values() for n in where}) >= 2  # shared out
    for w in workers:
        assert w.stop() == 0


def test_flaky_job_retries_with_backoff_until_it_succeeds(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_BACKOFF_BASE_MS="100")
    start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    job_id = enqueue(conn, "test.flaky", {"failures": 2}, max_attempts=5)
    row = wait_until(status_is(conn, job_id, "done"), timeout=15, what="the flaky job")
    assert row["attempts"] == 3
    assert row["last_error"] == "test.flaky: attempt 2 fails on purpose"


def test_unknown_kind_waits_for_a_worker_that_knows_it(start_server, wos_env, pg):
    env = worker_env(wos_env())
    start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    job_id = enqueue(conn, "future.kind", {})
    done = enqueue(conn, "test.noop", {})
    wait_until(status_is(conn, done, "done"), what="a known kind to run")
    time.sleep(0.5)
    assert job(conn, job_id)["status"] == "queued"


# ---------------------------------------------------------------- leases and shutdown

def test_killed_worker_job_runs_again_after_its_lease(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_LEASE_SECONDS="2")
    first = start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    job_id = enqueue(conn, "test.sleep", {"ms": 30000})
    wait_until(status_is(conn, job_id, "running"), what="the job to start")
    first.kill()

    # Once the lease expires (nobody renews it), another worker runs the job again.
    second = start_worker(start_server, env)
    conn.execute("UPDATE jobs SET payload = '{\"ms\": 10}' WHERE id = %s", (job_id,))
    row = wait_until(status_is(conn, job_id, "done"), timeout=15, what="the rerun")
    assert row["attempts"] == 2
    assert re.search(r"job %s \(test\.sleep\): lease expired" % job_id, second.log())


def test_long_job_keeps_its_lease_while_its_worker_lives(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_LEASE_SECONDS="1")
    start_worker(start_server, env)
    start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    job_id = enqueue(conn, "test.sleep", {"ms": 3500})
    row = wait_until(status_is(conn, job_id, "done"), timeout=15, what="the long job")
    assert row["attempts"] == 1  # renewed every third of a lease: never taken over


def test_sigterm_finishes_the_running_job_then_exits_0(start_server, wos_env, pg):
    env = worker_env(wos_env())
    worker = start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    running = enqueue(conn, "test.sleep", {"ms": 1500})
    wait_until(status_is(conn, running, "running"), what="the job to start")
    worker.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    later = enqueue(conn, "test.noop", {})
    assert worker.proc.wait(timeout=15) == 0
    assert job(conn, running)["status"] == "done"
    assert job(conn, later)["status"] == "queued"  # a stopping worker claims nothing new
    assert "finishing running jobs" in worker.log()


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_worker_survives_a_database_restart(start_server, wos_env, pg, services):
    env = worker_env(wos_env())
    worker = start_worker(start_server, env)
    services("pg-stop")
    time.sleep(1.0)
    before = cpu_seconds(worker.proc.pid)
    time.sleep(2.0)
    # waiting for the database is sleeping, not spinning (it once polled with a zero timeout
    # as soon as a timer came due while disconnected)
    assert cpu_seconds(worker.proc.pid) - before < 0.3
    services("pg-start")
    conn = pg(env["DATABASE_URL"])
    job_id = enqueue(conn, "test.noop", {})
    wait_until(status_is(conn, job_id, "done"), timeout=15, what="a job after the restart")
    assert "control connection lost" in worker.log()
    assert worker.stop() == 0


# ---------------------------------------------------------------- schedules

def test_scheduler_runs_each_period_once_across_two_workers(start_server, wos_env, pg):
    env = worker_env(wos_env(), WORKER_TEST_SCHEDULE_SECONDS="1")
    a = start_worker(start_server, env)
    b = start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    time.sleep(4)
    leaders = [w for w in (a, b) if "scheduler: this worker is the leader" in w.log()]
    assert len(leaders) == 1
    leader = leaders[0]
    follower = b if leader is a else a
    handover = time.time()
    assert leader.stop() == 0  # the lock dies with its connection: the other takes over
    wait_until(lambda: "scheduler: this worker is the leader" in follower.log(), timeout=10,
               what="a new leader")
    took_over = time.time()
    time.sleep(3.5)

    rows = conn.execute(
        "SELECT payload->>'period_start', count(*), string_agg(status, ',')"
        "  FROM jobs WHERE kind = 'test.tick' GROUP BY 1 ORDER BY 1").fetchall()
    assert all(count == 1 for _, count, _ in rows)  # one run per period
    periods = [int(datetime.fromisoformat(p).timestamp()) for p, _, _ in rows]
    before = [p for p in periods if p < handover - 1]
    after = [p for p in periods if p >= took_over]
    assert len(before) >= 3 and len(after) >= 2
    # Consecutive while a leader runs; the handover may miss at most one period.
    assert all(y - x == 1 for x, y in zip(before, before[1:]))
    assert all(y - x == 1 for x, y in zip(after, after[1:]))
    assert sum(1 for x, y in zip(periods, periods[1:]) if y - x > 1) <= 1
    assert all(y - x <= 2 for x, y in zip(periods, periods[1:]))
    assert all(status == "done" for _, _, status in rows[:-1])
    keys = conn.execute("SELECT idempotency_key FROM jobs WHERE kind = 'test.tick'").fetchall()
    assert all(k.startswith("schedule:test.tick:") for (k,) in keys)


def test_maintenance_cleanup_is_scheduled_and_deletes_old_rows(start_server, wos_env, pg,
                                                                run_wos):
    env = worker_env(wos_env())
    assert run_wos("migrate", "upgrade", env=env).returncode == 0
    conn = pg(env["DATABASE_URL"])
    old_done = enqueue(conn, "test.noop", {"old": True})
    recent_done = enqueue(conn, "test.noop", {"old": False})
    old_dead = enqueue(conn, "test.noop", {"dead": True})
    conn.execute("UPDATE jobs SET status = 'done', finished_at = now() - interval '31 days'"
                 " WHERE id = %s", (old_done,))
    conn.execute("UPDATE jobs SET status = 'done', finished_at = now() - interval '2 days'"
                 " WHERE id = %s", (recent_done,))
    conn.execute("UPDATE jobs SET status = 'dead', finished_at = now() - interval '90 days'"
                 " WHERE id = %s", (old_dead,))

    worker = start_worker(start_server, env)
    cleanup = wait_until(lambda: conn.execute(
        "SELECT id::text FROM jobs WHERE kind = 'maintenance.cleanup' AND status = 'done'"
    ).fetchone(), what="the scheduled cleanup")
    row = job(conn, cleanup[0])
    assert row["idempotency_key"].startswith("schedule:maintenance.cleanup:")
    assert row["max_attempts"] == 1
    assert row["result"]["jobs_deleted"] >= 1
    assert job(conn, old_done) is None
    assert job(conn, recent_done)["status"] == "done"
    assert job(conn, old_dead)["status"] == "dead"
    assert "maintenance.cleanup: deleted" in worker.log()


# ---------------------------------------------------------------- CLI and admin routes

def test_cli_lists_dead_jobs_and_retries_one(start_server, run_wos, wos_env, pg):
    env = worker_env(wos_env())
    assert run_wos("migrate", "upgrade", env=env).returncode == 0
    res = run_wos("jobs", "enqueue", "test.fail", '{"permanent": true}', env=env)
    assert res.returncode == 0, res.stderr
    dead_id = res.stdout.strip()
    uuid.UUID(dead_id)
    assert run_wos("jobs", "enqueue", "test.noop", "[1]", env=env).returncode == 2

    worker = start_worker(start_server, env)
    conn = pg(env["DATABASE_URL"])
    wait_until(status_is(conn, dead_id, "dead"), what="the job to die")
    listed = run_wos("jobs", "list", "--dead", env=env)
    assert listed.returncode == 0
    line = next(l for l in listed.stdout.splitlines() if l.startswith(dead_id))
    assert "test.fail" in line and "dead" in line and "1/10" in line
    assert "failing on purpose" in line
    assert dead_id not in run_wos("jobs", "list", "--kind", "test.noop", env=env).stdout

    worker.stop()
    res = run_wos("jobs", "retry", dead_id, env=env)
    assert res.returncode == 0 and "queued again" in res.stdout
    row = job(conn, dead_id)
    assert (row["status"], row["attempts"]) == ("queued", 0)
    again = run_wos("jobs", "retry", dead_id, env=env)
    assert again.returncode == 1 and "is queued" in again.stderr
    assert run_wos("jobs", "retry", str(uuid.uuid4()), env=env).returncode == 1
    assert run_wos("jobs", "retry", "nope", env=env).returncode == 2


def mint_token(conn, secret, email, workspace_id=None):
    """An access token for an existing member, with a session row, as the auth module issues."""
    user_id, ws, role = conn.execute(
        "SELECT u.id::text, m.workspace_id::text, r.name FROM users u"
        "  JOIN memberships m ON m.user_id = u.id"
        "  JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id"
        " WHERE u.email = %s AND (%s::uuid IS NULL OR m.workspace_id = %s::uuid)",
        (email, workspace_id, workspace_id)).fetchone()
    sid = conn.execute("INSERT INTO auth_sessions (user_id, workspace_id, expires_at)"
                       " VALUES (%s, %s, now() + interval '1 hour') RETURNING id::text",
                       (user_id, ws)).fetchone()[0]
    now = int(time.time())
    claims = {"sub": user_id, "ws": ws, "sid": sid, "role": role, "typ": "access",
              "jti": uuid.uuid4().hex, "iat": now, "exp": now + 600}
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}, ws


def add_member(conn, workspace_id, email, role):
    user_id = conn.execute(
        "INSERT INTO users (full_name, email, password_hash) VALUES (%s, %s, 'x')"
        " RETURNING id::text", (email.split("@")[0], email)).fetchone()[0]
    conn.execute("INSERT INTO memberships (workspace_id, user_id, role_id)"
                 " SELECT %s, %s, id FROM roles WHERE workspace_id = %s AND name = %s",
                 (workspace_id, user_id, workspace_id, role))


@pytest.fixture
def admin_setup(start_server, wos_env, pg, client):
    srv = start_server(wos_env())
    conn = pg(srv.database_url)
    admin, ws = mint_token(conn, srv.env["APP_SECRET_KEY"], ADMIN_EMAIL)
    other_ws = conn.execute("INSERT INTO workspaces (name, slug, timezone)"
                            " VALUES ('Other', 'other-ws', 'UTC') RETURNING id::text").fetchone()[0]
    conn.execute("SELECT wos_seed_workspace(%s, 16, 60)", (other_ws,))
    add_member(conn, ws, "employee@example.com", "employee")
    add_member(conn, other_ws, "other.admin@example.com", "admin")
    employee, _ = mint_token(conn, srv.env["APP_SECRET_KEY"], "employee@example.com")
    other_admin, _ = mint_token(conn, srv.env["APP_SECRET_KEY"], "other.admin@example.com")
    return srv, client(srv), conn, ws, other_ws, admin, employee, other_admin


def make_dead(conn, workspace_id, error="boom"):
    job_id = enqueue(conn, "test.fail", {"secret": "kept", "vars": {"link": "/x?token=t0k"}},
                     workspace_id=workspace_id)
    conn.execute("UPDATE jobs SET status = 'dead', attempts = max_attempts, last_error = %s,"
                 " finished_at = now() WHERE id = %s", (error, job_id))
    return job_id


def test_admin_lists_and_retries_dead_jobs_of_its_workspace(admin_setup):
    srv, http, conn, ws, other_ws, admin, employee, other_admin = admin_setup
    mine = make_dead(conn, ws, "mine failed")
    theirs = make_dead(conn, other_ws, "theirs failed")
    global_dead = make_dead(conn, None, "global failed")

    r = http.get("/api/v1/admin/jobs", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["page"], body["page_size"]) == (1, 1, 20)
    item = body["items"][0]
    assert item["id"] == mine and item["status"] == "dead" and item["last_error"] == "mine failed"
    assert item["payload"] == {"secret": "kept"}  # vars may carry tokens: never shown
    assert http.get("/api/v1/admin/jobs?status=queued", headers=admin).json()["total"] == 0
    assert http.get("/api/v1/admin/jobs?status=bogus", headers=admin).status_code == 422
    assert http.get("/api/v1/admin/jobs?page_size=0", headers=admin).status_code == 422
    assert http.get("/api/v1/admin/jobs?kind=test.fail", headers=admin).json()["total"] == 1
    assert http.get("/api/v1/admin/jobs?kind=other", headers=admin).json()["total"] == 0

    health = http.get("/api/v1/health").json()
    assert health["jobs"]["dead"] >= 3

    assert http.get("/api/v1/admin/jobs").status_code == 401
    assert http.get("/api/v1/admin/jobs", headers=employee).status_code == 403
    assert http.post("/api/v1/admin/jobs/%s/retry" % mine, headers=employee).status_code == 403
    assert job(conn, mine)["status"] == "dead"

    for other in (theirs, global_dead, str(uuid.uuid4()), "not-a-uuid"):
        r = http.post("/api/v1/admin/jobs/%s/retry" % other, headers=admin)
        assert r.status_code == 404, (other, r.text)
    assert job(conn, theirs)["status"] == "dead"

    r = http.post("/api/v1/admin/jobs/%s/retry" % mine, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "queued" and r.json()["attempts"] == 0
    assert "vars" not in r.json()["payload"]
    audit = conn.execute("SELECT action_type, entity_id::text, old_value->>'status'"
                         "  FROM audit_logs"
                         " WHERE workspace_id = %s AND action_type = 'job.retried'",
                         (ws,)).fetchall()
    assert audit == [("job.retried", mine, "dead")]
    r = http.post("/api/v1/admin/jobs/%s/retry" % mine, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "CONFLICT"

    r = http.get("/api/v1/admin/jobs", headers=other_admin)
    assert [i["id"] for i in r.json()["items"]] == [theirs]


def test_admin_job_list_pages_like_the_other_lists(admin_setup):
    """limit/offset with a maximum (100) and the total, as GET /users; page/page_size (the first
    contract of this route) still work, and the answer carries both."""
    srv, http, conn, ws, other_ws, admin, employee, other_admin = admin_setup
    for n in range(5):
        make_dead(conn, ws, f"failure {n}")
    expected = [r[0] for r in conn.execute(
        "SELECT id::text FROM jobs WHERE workspace_id = %s AND status = 'dead'"
        " ORDER BY created_at DESC, id", (ws,)).fetchall()]

    def get(query):
        r = http.get("/api/v1/admin/jobs" + query, headers=admin)
        assert r.status_code == 200, (query, r.text)
        return r.json()

    body = get("")
    assert (body["total"], body["limit"], body["offset"], body["page"], body["page_size"]) == \
        (5, 20, 0, 1, 20)
    assert [i["id"] for i in body["items"]] == expected
    seen = []
    for offset in (0, 2, 4):
        p = get(f"?limit=2&offset={offset}")
        assert (p["total"], p["limit"], p["offset"]) == (5, 2, offset)
        seen += [i["id"] for i in p["items"]]
    assert seen == expected
    past = get("?offset=5")
    assert past["items"] == [] and past["total"] == 5
    assert len(get("?limit=100")["items"]) == 5
    p = get("?page=2&page_size=2")
    assert [i["id"] for i in p["items"]] == expected[2:4]
    assert (p["page"], p["page_size"], p["limit"], p["offset"]) == (2, 2, 2, 2)
    for query, field in (("?limit=101", "limit"), ("?limit=0", "limit"), ("?offset=-1", "offset"),
                         ("?limit=x", "limit"), ("?page_size=101", "page_size"),
                         ("?page=2&limit=5", "limit"), ("?page_size=2&offset=4", "offset")):
        r = http.get("/api/v1/admin/jobs" + query, headers=admin)
        assert r.status_code == 422, (query, r.text)
        assert [d["field"] for d in r.json()["error"]["details"]] == [field], query
