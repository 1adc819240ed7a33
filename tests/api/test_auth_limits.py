"""Rate limits of login, forgot-password and reset-password (spec 02 §4): per e-mail and per IP,
429 RATE_LIMITED with Retry-After, counters in PostgreSQL; and the answers that must not tell an
unknown e-mail from a known one. Registration (per IP) and wrong current passwords of
PATCH /users/me (per account) use the same counters with the login limits (docs/decisions.md). Each test runs its own server: the counters of 127.0.0.1 must not
leak into other test files."""
import statistics
import time

import pytest

from auth_helpers import GOOD_PASSWORD, login, register, unique_email


@pytest.fixture
def own(start_server, wos_env, client):
    def make(**env):
        srv = start_server(wos_env(**env))
        return srv, client(srv)
    return make


def assert_limited(r, max_wait):
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= max_wait
    return wait


def test_login_limit_per_email(own, pg):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="3", AUTH_LOGIN_WINDOW_SECONDS="120")
    acct = register(http, "Limited Email")
    for _ in range(2):
        assert login(http, acct["email"], "Wrong-Password-1").status_code == 401
    # The 3rd failure reaches the maximum: already 429, not 401.
    assert_limited(login(http, acct["email"].upper(), "Wrong-Password-1"), 120)
    # Locked: even the right password waits, and the lock ignores letter case.
    assert_limited(login(http, acct["email"].upper(), acct["password"]), 120)
    assert_limited(login(http, acct["email"], acct["password"]), 120)
    # Another e-mail from the same IP is not locked (the IP counted only 2 failures).
    other = register(http, "Other Email")
    assert login(http, other["email"], other["password"]).status_code == 200

    # The counters live in PostgreSQL, hashed: a restarted server still refuses.
    conn = pg(srv.database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT scope, key_hash FROM auth_rate_limits WHERE locked_until > now()")
        rows = cur.fetchall()
    assert [r[0] for r in rows] == ["login:email"]
    assert acct["email"] not in rows[0][1]
    env = srv.env
    assert srv.stop() == 0
    again, http2 = own(**{k: env[k] for k in ("AUTH_LOGIN_MAX_ATTEMPTS",
                                              "AUTH_LOGIN_WINDOW_SECONDS")},
                       DATABASE_URL=env["DATABASE_URL"], APP_SECRET_KEY=env["APP_SECRET_KEY"])
    assert_limited(login(http2, acct["email"], acct["password"]), 120)


def test_login_limit_per_ip_and_success_resets(own):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="4", AUTH_LOGIN_WINDOW_SECONDS="300")
    victim = register(http, "Ip Victim")
    emails = [unique_email("spray") for _ in range(4)]
    # Failures spread over different e-mails all count on the client IP.
    for email in emails[:2]:
        assert login(http, email, GOOD_PASSWORD).status_code == 401
    # A success resets the IP counter ...
    assert login(http, victim["email"], victim["password"]).status_code == 200
    for email in emails[:3]:
        assert login(http, email, GOOD_PASSWORD).status_code == 401
    # ... so only now does the 4th failure from this IP lock it.
    assert_limited(login(http, emails[3], GOOD_PASSWORD), 300)
    # Every login from the IP now waits, whatever the account.
    assert_limited(login(http, victim["email"], victim["password"]), 300)


def test_login_lock_ends_after_the_window(own):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="2", AUTH_LOGIN_WINDOW_SECONDS="2")
    acct = register(http, "Short Window")
    assert login(http, acct["email"], "Wrong-Password-1").status_code == 401
    wait = assert_limited(login(http, acct["email"], "Wrong-Password-1"), 2)
    time.sleep(wait + 0.5)
    assert login(http, acct["email"], acct["password"]).status_code == 200


def test_unknown_email_and_wrong_password_look_the_same(own):
    # A real bcrypt cost, so that skipping the hash for unknown e-mails would show.
    srv, http = own(PASSWORD_BCRYPT_ROUNDS="10", AUTH_LOGIN_MAX_ATTEMPTS="100")
    acct = register(http, "Timing Check")
    known, unknown = [], []
    for _ in range(4):
        for email, times in ((acct["email"], known), (unique_email("ghost"), unknown)):
            t0 = time.perf_counter()
            r = login(http, email, "Wrong-Password-1")
            times.append(time.perf_counter() - t0)
            assert r.status_code == 401
            assert r.json() == {"error": {"code": "AUTH_ERROR",
                                          "message": "Invalid email or password.",
                                          "details": []}}
            assert r.headers["WWW-Authenticate"] == "Bearer"
    fast, slow = statistics.median(unknown), statistics.median(known)
    assert fast > 0.5 * slow, f"unknown e-mail {fast:.4f}s vs wrong password {slow:.4f}s"


def test_forgot_password_same_answer_and_limit(own, pg):
    srv, http = own(AUTH_FORGOT_PASSWORD_MAX_ATTEMPTS="3",
                    AUTH_FORGOT_PASSWORD_WINDOW_SECONDS="600")
    acct = register(http, "Forgetful")
    known = http.post("/api/v1/auth/forgot-password", json={"email": acct["email"]})
    unknown = http.post("/api/v1/auth/forgot-password", json={"email": unique_email("ghost")})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert known.json() == {"message": "If an account with this email exists, a reset link has "
                                       "been sent."}
    assert known.headers["Content-Type"] == unknown.headers["Content-Type"]
    # Every call counts on the IP, known or not: the 3rd from this IP is refused.
    assert_limited(http.post("/api/v1/auth/forgot-password",
                             json={"email": unique_email("ghost")}), 600)
    with pg(srv.database_url).cursor() as cur:
        cur.execute("SELECT count(*) FROM password_reset_tokens")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM jobs WHERE kind = 'email'")
        assert cur.fetchone()[0] == 1


def test_forgot_password_limit_per_email(own):
    srv, http = own(AUTH_FORGOT_PASSWORD_MAX_ATTEMPTS="2",
                    AUTH_FORGOT_PASSWORD_WINDOW_SECONDS="600")
    email = unique_email("target")
    assert http.post("/api/v1/auth/forgot-password", json={"email": email}).status_code == 200
    assert_limited(http.post("/api/v1/auth/forgot-password",
                             json={"email": email.upper()}), 600)


def test_reset_password_limit_on_bad_tokens(own):
    srv, http = own(AUTH_RESET_PASSWORD_MAX_ATTEMPTS="3",
                    AUTH_RESET_PASSWORD_WINDOW_SECONDS="600")
    bad = {"token": "x" * 43, "new_password": GOOD_PASSWORD}
    for _ in range(2):
        r = http.post("/api/v1/auth/reset-password", json=bad)
        assert r.status_code == 400 and r.json()["error"]["message"] == \
            "Invalid or expired reset token."
    assert_limited(http.post("/api/v1/auth/reset-password", json=bad), 600)
    # The IP is locked for any token now.
    other = dict(bad, token="y" * 43)
    assert_limited(http.post("/api/v1/auth/reset-password", json=other), 600)


# ------------------------------------------------------------------ registration

def register_from(http, ip=None, **body):
    """POST /auth/register; from 127.0.0.1 itself unless ip is given (as X-Forwarded-For)."""
    body.setdefault("full_name", "New Person")
    body.setdefault("email", unique_email("reg"))
    body.setdefault("password", GOOD_PASSWORD)
    headers = {"X-Forwarded-For": ip} if ip else {}
    return http.post("/api/v1/auth/register", json=body, headers=headers)


def test_register_limit_per_ip(own, pg):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="3", AUTH_LOGIN_WINDOW_SECONDS="120")
    # Refused before the database (bad body, weak password): not counted.
    assert register_from(http, email="not-an-email").status_code == 422
    assert register_from(http, password="password1").status_code == 422
    first = register_from(http)
    assert first.status_code == 201, first.text
    # A taken e-mail counts too (it tells whether an address has an account).
    taken = register_from(http, email=first.json()["user"]["email"])
    assert taken.status_code == 409
    # The 3rd counted registration from this IP reaches the maximum: 429, nothing created.
    email = unique_email("third")
    assert_limited(register_from(http, email=email), 120)
    assert_limited(register_from(http), 120)
    with pg(srv.database_url).cursor() as cur:
        cur.execute("SELECT count(*) FROM users WHERE email = %s", (email,))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT scope FROM auth_rate_limits WHERE locked_until > now()")
        assert [r[0] for r in cur.fetchall()] == ["register:ip"]
    # Another client (behind the trusted proxy) is not affected, and sign-in still works.
    assert register_from(http, ip="203.0.113.7").status_code == 201
    assert login(http, first.json()["user"]["email"], GOOD_PASSWORD).status_code == 200


def test_register_lock_ends_after_the_window(own):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="2", AUTH_LOGIN_WINDOW_SECONDS="2")
    assert register_from(http).status_code == 201
    wait = assert_limited(register_from(http), 2)
    time.sleep(wait + 0.5)
    assert register_from(http).status_code == 201


# ------------------------------------------------------------------ password change

def change_password(http, acct, current, new=None):
    return http.patch("/api/v1/users/me", json={"password": new or "Quiet-Lantern-Meadow-77",
                                                "current_password": current},
                      headers={"Authorization": "Bearer " + acct["access_token"]})


def failures(conn, workspace_id, user_id):
    with conn.cursor() as cur:
        cur.execute("SELECT actor_user_id::text, entity_id::text, metadata FROM audit_logs"
                    " WHERE workspace_id = %s AND action_type = 'user.password_change_failed'"
                    " ORDER BY seq", (workspace_id,))
        rows = cur.fetchall()
    assert all(r[0] == user_id and r[1] == user_id for r in rows)
    return [r[2] for r in rows]


def test_wrong_current_password_is_limited_per_account(own, pg):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="3", AUTH_LOGIN_WINDOW_SECONDS="120")
    conn = pg(srv.database_url)
    acct = register(http, "Guessed At")
    ws, uid = acct["workspace"]["id"], acct["user"]["id"]
    for _ in range(2):
        r = change_password(http, acct, "Wrong-Password-1")
        assert r.status_code == 400, r.text
        assert r.json()["error"]["message"] == "Current password is incorrect."
    # The 3rd wrong password reaches the maximum: already 429.
    assert_limited(change_password(http, acct, "Wrong-Password-1"), 120)
    # Locked: the right password is refused too, and nothing changes (the name neither).
    r = http.patch("/api/v1/users/me", json={"full_name": "Taken Over",
                                             "password": "Quiet-Lantern-Meadow-77",
                                             "current_password": acct["password"]},
                   headers={"Authorization": "Bearer " + acct["access_token"]})
    assert_limited(r, 120)
    assert login(http, acct["email"], acct["password"]).status_code == 200
    me = http.get("/api/v1/users/me", headers={"Authorization": "Bearer " + acct["access_token"]})
    assert me.json()["full_name"] == "Guessed At"
    # Every wrong password is audited like a failed login; the refused right one is not.
    assert failures(conn, ws, uid) == [
        {"reason": "bad_current_password", "locked": False},
        {"reason": "bad_current_password", "locked": False},
        {"reason": "bad_current_password", "locked": True}]
    with conn.cursor() as cur:
        cur.execute("SELECT scope FROM auth_rate_limits WHERE locked_until > now()")
        assert [r[0] for r in cur.fetchall()] == ["password_change:user"]
    # The lock is the account's: another account (same IP) changes its password.
    other = register(http, "Not Guessed")
    assert change_password(http, other, other["password"]).status_code == 200


def test_right_password_resets_and_lock_ends_after_the_window(own, pg):
    srv, http = own(AUTH_LOGIN_MAX_ATTEMPTS="3", AUTH_LOGIN_WINDOW_SECONDS="2")
    acct = register(http, "Careful Changer")
    for _ in range(2):
        assert change_password(http, acct, "Wrong-Password-1").status_code == 400
    # The right password resets the counter ...
    assert change_password(http, acct, acct["password"], "Amber-Orchard-Tunnel-58") \
        .status_code == 200
    acct["password"] = "Amber-Orchard-Tunnel-58"
    # ... so two more wrong ones are plain 400s, and only the third locks.
    for _ in range(2):
        assert change_password(http, acct, "Wrong-Password-1").status_code == 400
    wait = assert_limited(change_password(http, acct, "Wrong-Password-1"), 2)
    assert_limited(change_password(http, acct, acct["password"]), 2)
    time.sleep(wait + 0.5)
    r = change_password(http, acct, acct["password"])
    assert r.status_code == 200, r.text
    assert login(http, acct["email"], "Quiet-Lantern-Meadow-77").status_code == 200
