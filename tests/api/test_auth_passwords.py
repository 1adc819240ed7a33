"""Password policy on every set, password reset by e-mail token, and changing one's own password
through PATCH /users/me."""
import bcrypt
import pytest

from auth_helpers import (GOOD_PASSWORD, audit_actions, bearer, email_jobs, login, login_ok,
                          register, token_from_link, unique_email)


@pytest.fixture
def mail_server(start_server, wos_env, client):
    """A server of its own: forgot-password counts every call per IP, which must not reach the
    session-wide server other test files use."""
    srv = start_server(wos_env(AUTH_FORGOT_PASSWORD_MAX_ATTEMPTS="50"))
    return srv, client(srv)


def policy_rule(r, field="password"):
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    detail = err["details"][0]
    assert detail["field"] == field
    return detail["rule"], detail["message"]


@pytest.mark.parametrize("password, rule", [
    ("Short-1!", "min_length"),
    ("Zebra-" * 13, "max_bytes"),  # 78 bytes: refused, never cut to 72
    ("Password123!", "common"),
    ("P@ssw0rd2024", "common"),
    ("qwertyuiop12", "common"),
    ("1234567890", "common"),
    ("aaaaaaaaaaaa", "common"),
    ("Grace Hopper", "personal"),
    ("GraceHopper!", "personal"),
])
def test_register_applies_the_policy(http, password, rule):
    email = unique_email("policy")
    r = http.post("/api/v1/auth/register",
                  json={"full_name": "Grace Hopper", "email": email, "password": password})
    got, message = policy_rule(r)
    assert got == rule
    assert password not in message
    # Nothing was created.
    assert login(http, email, password).status_code == 401
    login_ok(http, "admin@example.com", "Test-Admin-Passw0rd!")  # clears the IP counter


def test_register_refuses_the_email_as_password(http):
    email = unique_email("selfish")
    rule, _ = policy_rule(http.post("/api/v1/auth/register",
                                    json={"full_name": "Self Ish", "email": email,
                                          "password": email}))
    assert rule == "personal"


def test_password_limit_is_72_bytes_not_characters(http):
    # 24 three-byte characters: 24 characters but 72 bytes, accepted; one more is refused.
    pw = "春夏秋冬東西南北上下左右前後内外天地水火木金土日"
    assert len(pw) == 24 and len(pw.encode()) == 72
    ok = register(http, "Utf Eight", password=pw)
    assert login(http, ok["email"], pw).status_code == 200
    rule, _ = policy_rule(http.post("/api/v1/auth/register",
                                    json={"full_name": "Utf Nine", "email": unique_email("u"),
                                          "password": pw + "月"}))
    assert rule == "max_bytes"


def test_forgot_then_reset_ends_every_session(mail_server, pg):
    server, http = mail_server
    acct = register(http, "Reset Me")
    other = login_ok(http, acct["email"], acct["password"])
    conn = pg(server.database_url)
    r = http.post("/api/v1/auth/forgot-password", json={"email": acct["email"].upper()})
    assert r.status_code == 200
    jobs = email_jobs(conn, acct["email"])
    assert len(jobs) == 1
    job = jobs[0]
    assert job["template"] == "password_reset" and job["to_name"] == "Reset Me"
    link = job["vars"]["link"]
    assert link.startswith("/reset-password?token=")
    token = token_from_link(link)
    with conn.cursor() as cur:
        cur.execute("SELECT t.token_hash, t.expires_at - t.created_at FROM password_reset_tokens t"
                    " JOIN users u ON u.id = t.user_id WHERE u.email = %s", (acct["email"],))
        stored, life = cur.fetchone()
    assert token not in stored and len(stored) == 64
    assert life.total_seconds() == 2 * 3600

    # The policy applies to the new password (422 does not spend the token).
    rule, _ = policy_rule(http.post("/api/v1/auth/reset-password",
                                    json={"token": token, "new_password": acct["email"]}),
                          "new_password")
    assert rule == "personal"
    new_pw = "Copper-Lantern-Meadow-7"
    r = http.post("/api/v1/auth/reset-password", json={"token": token, "new_password": new_pw})
    assert r.status_code == 200 and r.json() == {"message": "Password reset successful"}
    for s in (acct, other):
        assert http.get("/api/v1/users/me", headers=bearer(s["access_token"])).status_code == 401
        assert http.post("/api/v1/auth/refresh",
                         json={"refresh_token": s["refresh_token"]}).status_code == 401
    assert login(http, acct["email"], acct["password"]).status_code == 401
    login_ok(http, acct["email"], new_pw)
    # Single use.
    r = http.post("/api/v1/auth/reset-password",
                  json={"token": token, "new_password": "Another-Fine-Phrase-8"})
    assert r.status_code == 400
    actions = audit_actions(conn, acct["workspace"]["id"])
    assert "PASSWORD_RESET_REQUEST" in actions and "PASSWORD_RESET_COMPLETE" in actions


def test_a_new_reset_request_kills_the_previous_token(mail_server, pg):
    server, http = mail_server
    acct = register(http, "Twice Forgot")
    conn = pg(server.database_url)
    for _ in range(2):
        assert http.post("/api/v1/auth/forgot-password",
                         json={"email": acct["email"]}).status_code == 200
    first, second = [token_from_link(j["vars"]["link"]) for j in email_jobs(conn, acct["email"])]
    new = {"new_password": GOOD_PASSWORD + "x"}
    r = http.post("/api/v1/auth/reset-password", json=dict(new, token=first))
    assert r.status_code == 400
    r = http.post("/api/v1/auth/reset-password", json=dict(new, token=second))
    assert r.status_code == 200


def test_change_own_password(http, server, pg):
    acct = register(http, "Changer")
    other = login_ok(http, acct["email"], acct["password"])
    h = bearer(acct["access_token"])
    r = http.patch("/api/v1/users/me", json={"password": "Brand-New-Phrase-11"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "current_password"
    r = http.patch("/api/v1/users/me", json={"password": "Brand-New-Phrase-11",
                                             "current_password": "not it"}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["message"] == "Current password is incorrect."
    r = http.patch("/api/v1/users/me", json={"password": acct["password"],
                                             "current_password": acct["password"]}, headers=h)
    assert r.status_code == 400
    rule, _ = policy_rule(http.patch("/api/v1/users/me",
                                     json={"password": "changer", "current_password":
                                           acct["password"]}, headers=h))
    assert rule == "min_length"
    r = http.patch("/api/v1/users/me", json={"password": "Brand-New-Phrase-11",
                                             "current_password": acct["password"],
                                             "refresh_token": acct["refresh_token"]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == acct["email"]
    # The caller stays signed in; with refresh_token given, every other session ended.
    assert http.get("/api/v1/users/me", headers=h).status_code == 200
    assert http.get("/api/v1/users/me", headers=bearer(other["access_token"])).status_code == 401
    login_ok(http, acct["email"], "Brand-New-Phrase-11")
    with pg(server.database_url).cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE email = %s", (acct["email"],))
        assert bcrypt.checkpw(b"Brand-New-Phrase-11", cur.fetchone()[0].encode())
    assert "user.password_changed" in audit_actions(pg(server.database_url),
                                                    acct["workspace"]["id"])


def test_update_name_and_phone(http, server, pg):
    acct = register(http, "Old Name")
    h = bearer(acct["access_token"])
    r = http.patch("/api/v1/users/me", json={"full_name": "New Name", "phone": "+92 300 1234567"},
                   headers=h)
    assert r.status_code == 200
    assert r.json()["full_name"] == "New Name" and r.json()["phone"] == "+92 300 1234567"
    assert http.get("/api/v1/users/me", headers=h).json()["full_name"] == "New Name"
    r = http.patch("/api/v1/users/me", json={"phone": None}, headers=h)
    assert r.status_code == 200 and r.json()["phone"] is None
    assert http.patch("/api/v1/users/me", json={"email": "x@y.io"}, headers=h).status_code == 422
    assert http.patch("/api/v1/users/me", json={"full_name": "  "}, headers=h).status_code == 422
    actions = audit_actions(pg(server.database_url), acct["workspace"]["id"])
    assert actions.count("user.profile_updated") == 2
