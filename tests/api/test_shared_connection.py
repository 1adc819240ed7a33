"""One HTTP thread, many requests in flight (src/http/server.c, src/db/db.c).

Each HTTP thread runs an event loop; a request waiting for PostgreSQL parks on its fiber and
the loop serves other connections, whose statements travel on the same PostgreSQL connection
right behind it. These tests run a server with HTTP_THREADS=1 so that every request shares one
loop and one connection, and check what must hold: every caller gets its own answer, a caller
whose check fails (or whose statement fails) does not disturb the statements around it, a
request blocked in PostgreSQL does not hold up requests that do not need it, and a new
connection's first statements (prepared on first use) are right under concurrency.
"""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from factories import make_member, make_workspace
from wos_harness import ADMIN_EMAIL, ADMIN_PASSWORD

CALLERS = 24


@pytest.fixture
def one_thread(start_server, wos_env, pg):
    srv = start_server(wos_env(HTTP_THREADS="1"))
    srv.db = pg(srv.env["DATABASE_URL"])
    return srv


def together(n, fn):
    """Runs fn(i) for i in range(n) on n threads released at the same moment; returns results."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def members(db, n, workspaces=2):
    spaces = [make_workspace(db) for _ in range(workspaces)]
    return [make_member(db, spaces[i % workspaces], "employee") for i in range(n)]


def me(srv, m, session=None):
    http = session or requests
    return http.get(srv.url + "/api/v1/users/me", headers=m.auth(srv), timeout=30)


def test_every_caller_gets_its_own_answer(one_thread):
    srv = one_thread
    people = members(srv.db, CALLERS)

    def ask(i):
        with requests.Session() as s:
            return [me(srv, people[i], s) for _ in range(8)]

    for i, answers in enumerate(together(CALLERS, ask)):
        for r in answers:
            assert r.status_code == 200, r.text
            body = r.json()
            assert (body["id"], body["email"]) == (people[i].user_id, people[i].email)
            assert body["workspace_id"] == people[i].workspace_id


def test_first_use_of_statements_under_concurrency(one_thread):
    """A fresh connection prepares each statement once, while many requests want it at once."""
    srv = one_thread
    people = members(srv.db, CALLERS)
    paths = ["/api/v1/users/me", "/api/v1/attendance/me", "/api/v1/leaves/me",
             "/api/v1/leaves/balances/me", "/api/v1/attendance/today"]

    def ask(i):
        path = paths[i % len(paths)]
        return path, requests.get(srv.url + path, headers=people[i].auth(srv), timeout=30)

    for path, r in together(CALLERS, ask):
        assert r.status_code == 200, (path, r.status_code, r.text)


def test_failed_checks_and_statements_do_not_disturb_their_neighbours(one_thread):
    """Revoked sessions (refused by PostgreSQL in the pipelined check), a 409 from a statement
    and plain reads, all interleaved on one connection."""
    srv = one_thread
    good = members(srv.db, CALLERS // 2)
    revoked = members(srv.db, CALLERS // 4)
    for m in revoked:
        srv.db.execute("UPDATE auth_sessions SET revoked_at = now() WHERE id = %s", (m.session_id,))
    busy = members(srv.db, CALLERS // 4)
    for m in busy:  # already checked in: a second check-in is a 409 from the statement
        r = requests.post(srv.url + "/api/v1/attendance/check-in", headers=m.auth(srv),
                          json={"work_mode": "office"}, timeout=30)
        assert r.status_code == 201, r.text
    plan = [("good", m) for m in good] + [("revoked", m) for m in revoked] + \
           [("busy", m) for m in busy]

    def act(i):
        kind, m = plan[i]
        out = []
        for _ in range(5):
            if kind == "busy":
                out.append(requests.post(srv.url + "/api/v1/attendance/check-in",
                                         headers=m.auth(srv), json={"work_mode": "office"},
                                         timeout=30))
            else:
                out.append(me(srv, m))
        return kind, m, out

    for kind, m, answers in together(len(plan), act):
        for r in answers:
            if kind == "good":
                assert r.status_code == 200, r.text
                assert r.json()["id"] == m.user_id
            elif kind == "revoked":
                assert r.status_code == 401, r.text
                assert r.json()["error"]["code"] == "AUTH_ERROR"
            else:
                assert r.status_code == 409, r.text


def test_concurrent_writes_each_commit_once(one_thread):
    srv = one_thread
    people = members(srv.db, CALLERS)

    def shift(i):
        m = people[i]
        cin = requests.post(srv.url + "/api/v1/attendance/check-in", headers=m.auth(srv),
                            json={"work_mode": "office"}, timeout=30)
        cout = requests.post(srv.url + "/api/v1/attendance/check-out", headers=m.auth(srv),
                             json={"early_checkout_reason": "Concurrency test"}, timeout=30)
        return cin, cout

    for cin, cout in together(CALLERS, shift):
        assert cin.status_code == 201, cin.text
        assert cout.status_code == 200, cout.text
    ids = [m.user_id for m in people]
    rows = srv.db.execute("SELECT user_id::text, count(*), count(check_out_at)"
                          " FROM attendance_sessions WHERE user_id = ANY(%s::uuid[])"
                          " GROUP BY user_id", (ids,)).fetchall()
    assert sorted(rows) == sorted((i, 1, 1) for i in ids)


def test_a_request_blocked_in_postgresql_does_not_hold_up_the_loop(one_thread, pg):
    """With one HTTP thread, a check-in waiting for a lock the test holds must not stop the
    loop: /health (no database) answers meanwhile, other members' reads go to a second
    connection of the thread instead of queueing behind the blocked statement, and the
    check-in completes afterwards."""
    srv = one_thread
    m, other = members(srv.db, 2, workspaces=1)
    assert me(srv, m).status_code == 200  # the thread's connection is open and warm
    locker = psycopg.connect(srv.env["DATABASE_URL"])
    try:
        locker.execute("LOCK TABLE attendance_sessions IN ACCESS EXCLUSIVE MODE")
        result = {}

        def check_in():
            result["r"] = requests.post(srv.url + "/api/v1/attendance/check-in",
                                        headers=m.auth(srv), json={"work_mode": "office"},
                                        timeout=60)

        t = threading.Thread(target=check_in)
        t.start()
        deadline = time.monotonic() + 10
        waiting = False
        while time.monotonic() < deadline and not waiting:
            waiting = srv.db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wos-serve'"
                " AND datname = current_database() AND wait_event_type = 'Lock'").fetchone()[0] > 0
            time.sleep(0.05)
        assert waiting, "the check-in never reached the lock"
        for _ in range(5):
            r = requests.get(srv.url + "/health", timeout=5)
            assert r.status_code == 200
            r = me(srv, other)
            assert r.status_code == 200 and r.json()["id"] == other.user_id
        assert "r" not in result
        connections = srv.db.execute("SELECT count(*) FROM pg_stat_activity"
                                     " WHERE application_name = 'wos-serve'"
                                     " AND datname = current_database()").fetchone()[0]
        assert connections == 2
    finally:
        locker.rollback()
        locker.close()
    t.join(30)
    assert result["r"].status_code == 201, result["r"].text


def test_many_connections_on_one_thread(one_thread):
    """More keep-alive connections than a thread pool would have threads, each with a few
    requests, all on one loop."""
    srv = one_thread
    people = members(srv.db, 8)
    n = 64

    def ask(i):
        with requests.Session() as s:
            codes = []
            for _ in range(3):
                r = me(srv, people[i % len(people)], s)
                codes.append((r.status_code, r.json().get("id")))
            codes.append((s.get(srv.url + "/health", timeout=30).status_code, None))
            return i, codes

    for i, codes in together(n, ask):
        assert codes[:3] == [(200, people[i % len(people)].user_id)] * 3
        assert codes[3] == (200, None)


def test_unknown_member_ids_in_many_requests(one_thread):
    """Forged-but-signed tokens for members that do not exist are refused one by one."""
    srv = one_thread
    people = members(srv.db, 6)

    def ask(i):
        m = people[i % len(people)]
        if i % 2:
            token = m.token(srv, sub=str(uuid.uuid4()))
            return "ghost", requests.get(srv.url + "/api/v1/users/me",
                                         headers={"Authorization": "Bearer " + token}, timeout=30)
        return "real", me(srv, m)

    for kind, r in together(CALLERS, ask):
        assert r.status_code == (200 if kind == "real" else 401), r.text


def test_bcrypt_runs_beside_the_loop(start_server, wos_env, pg):
    """A login's bcrypt runs on a helper thread: with one HTTP thread and a slow cost, other
    requests are answered while the login is still hashing."""
    srv = start_server(wos_env(HTTP_THREADS="1", PASSWORD_BCRYPT_ROUNDS="14"))
    m = members(pg(srv.env["DATABASE_URL"]), 1, workspaces=1)[0]
    assert me(srv, m).status_code == 200
    result = {}

    def login():
        result["r"] = requests.post(srv.url + "/api/v1/auth/login",
                                    json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                                    timeout=60)

    t = threading.Thread(target=login)
    t.start()
    time.sleep(0.2)  # the login is hashing now (cost 14: about a second)
    answered_meanwhile = 0
    while "r" not in result and answered_meanwhile < 10:
        assert me(srv, m).status_code == 200
        assert requests.get(srv.url + "/health", timeout=30).status_code == 200
        answered_meanwhile += 1
    t.join(60)
    assert result["r"].status_code == 200, result["r"].text
    assert answered_meanwhile == 10, "requests waited for the login's bcrypt"
