"""Rate limits of login, forgot-password and reset-password (spec 02 §4): per e-mail and per IP,
429 RATE_LIMITED with Retry-After, counters in PostgreSQL; and the answers that must not tell an
unknown e-mail from a known one. Each test runs its own server: the counters of 127.0.0.1 must not
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
