"""Sign-in sessions end to end: refresh rotation and reuse detection, logout, logout-all, the
session list, revoking one session, blocked accounts and members."""
import jwt
import pytest

from auth_helpers import (GOOD_PASSWORD, audit_actions, bearer, login, login_ok, register,
                          unique_email)


@pytest.fixture
def account(http):
    """A fresh account (and its personal workspace) signed in once."""
    return register(http, "Session Tester")


def refresh(http, token):
    return http.post("/api/v1/auth/refresh", json={"refresh_token": token})


def me(http, access):
    return http.get("/api/v1/users/me", headers=bearer(access))


def test_rotation_then_reuse_revokes_the_whole_family(server, http, pg, account):
    first = account
    second = refresh(http, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert set(second) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    claims = jwt.decode(second["access_token"], server.env["APP_SECRET_KEY"], algorithms=["HS256"])
    first_claims = jwt.decode(first["access_token"], server.env["APP_SECRET_KEY"],
                              algorithms=["HS256"])
    assert claims["sid"] == first_claims["sid"]  # same sign-in, same family
    third = refresh(http, second["refresh_token"]).json()
    assert me(http, third["access_token"]).status_code == 200

    # The rotated-away token comes back: suspected theft. The family dies, newest token included.
    reused = refresh(http, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "AUTH_ERROR"
    assert refresh(http, third["refresh_token"]).status_code == 401
    assert me(http, third["access_token"]).status_code == 401
    assert me(http, first["access_token"]).status_code == 401

    conn = pg(server.database_url)
    assert "auth.refresh_reuse" in audit_actions(conn, first["workspace"]["id"])
    with conn.cursor() as cur:
        cur.execute("SELECT revoked_reason FROM auth_sessions WHERE id = %s", (claims["sid"],))
        assert cur.fetchone()[0] == "reuse"
        cur.execute("SELECT count(*) FROM refresh_tokens WHERE reuse_detected_at IS NOT NULL"
                    " AND session_id = %s", (claims["sid"],))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT token_hash FROM refresh_tokens WHERE session_id = %s",
                    (claims["sid"],))
        stored = {row[0] for row in cur.fetchall()}
    # Only hashes are stored, never the tokens themselves.
    assert not stored & {first["refresh_token"], second["refresh_token"], third["refresh_token"]}


def test_unknown_and_malformed_refresh_tokens(http):
    assert refresh(http, "not-a-token").status_code == 401
    r = http.post("/api/v1/auth/refresh", json={})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "refresh_token"


def test_logout_ends_this_session_only(http, server, pg, account):
    other = login_ok(http, account["email"], account["password"])
    r = http.post("/api/v1/auth/logout", headers=bearer(account["access_token"]))
    assert r.status_code == 200 and r.json() == {"message": "Logged out successfully"}
    assert me(http, account["access_token"]).status_code == 401
    assert refresh(http, account["refresh_token"]).status_code == 401
    assert me(http, other["access_token"]).status_code == 200
    assert refresh(http, other["refresh_token"]).status_code == 200
    conn = pg(server.database_url)
    assert "LOGOUT" in audit_actions(conn, account["workspace"]["id"])


def test_logout_all_and_session_list(http, server, pg, account):
    second = login_ok(http, account["email"], account["password"])
    third = http.post("/api/v1/auth/login", json={"email": account["email"],
                                                  "password": account["password"]},
                      headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"})
    third = third.json()
    listed = http.get("/api/v1/auth/sessions", headers=bearer(second["access_token"]))
    assert listed.status_code == 200
    sessions = listed.json()["items"]
    assert len(sessions) == 3 and listed.json()["total"] == 3
    assert [s["current"] for s in sessions].count(True) == 1
    sid = jwt.decode(second["access_token"], options={"verify_signature": False})["sid"]
    assert next(s for s in sessions if s["current"])["id"] == sid
    firefox = [s for s in sessions if s["device"] == "Firefox on Linux"]
    assert len(firefox) == 1 and firefox[0]["ip_address"] == "127.0.0.1"
    assert all(s["created_at"].endswith("Z") and s["last_used_at"] for s in sessions)

    r = http.post("/api/v1/auth/logout-all", headers=bearer(third["access_token"]))
    assert r.status_code == 200 and r.json()["sessions_revoked"] == 3
    for s in (account, second, third):
        assert me(http, s["access_token"]).status_code == 401
        assert refresh(http, s["refresh_token"]).status_code == 401
    assert "auth.logout_all" in audit_actions(pg(server.database_url), account["workspace"]["id"])


def test_revoke_one_session_and_not_someone_elses(http, account):
    mine = login_ok(http, account["email"], account["password"])
    stranger = register(http, "Someone Else")
    sid_of = lambda t: jwt.decode(t, options={"verify_signature": False})["sid"]  # noqa: E731
    # Another account's session id is "not found", and stays alive.
    r = http.delete(f"/api/v1/auth/sessions/{sid_of(stranger['access_token'])}",
                    headers=bearer(mine["access_token"]))
    assert r.status_code == 404
    assert me(http, stranger["access_token"]).status_code == 200
    assert http.delete("/api/v1/auth/sessions/not-a-uuid",
                       headers=bearer(mine["access_token"])).status_code == 404
    r = http.delete(f"/api/v1/auth/sessions/{sid_of(account['access_token'])}",
                    headers=bearer(mine["access_token"]))
    assert r.status_code == 200
    assert me(http, account["access_token"]).status_code == 401
    assert me(http, mine["access_token"]).status_code == 200
    # Revoking it again: it is no longer a live session.
    r = http.delete(f"/api/v1/auth/sessions/{sid_of(account['access_token'])}",
                    headers=bearer(mine["access_token"]))
    assert r.status_code == 404


def test_suspended_member_token_is_refused_at_once(http, server, pg, account):
    assert me(http, account["access_token"]).status_code == 200
    conn = pg(server.database_url)
    with conn.cursor() as cur:
        cur.execute("UPDATE memberships SET status = 'suspended' WHERE user_id = %s",
                    (account["user"]["id"],))
    r = me(http, account["access_token"])
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_ERROR"
    # The refresh token cannot bring it back either, and login says why.
    assert refresh(http, account["refresh_token"]).status_code == 401
    r = login(http, account["email"], account["password"])
    assert r.status_code == 403
    assert r.json()["error"]["details"][0]["reason"] == "no_workspace"


@pytest.mark.parametrize("status, message", [
    ("suspended", "Account is suspended. Please contact your administrator."),
    ("inactive", "Account is deactivated."),
    ("invited", "Account is not yet activated. Please check your email for the invitation link."),
])
def test_blocked_account_login_is_403_with_reason(http, server, pg, status, message):
    acct = register(http, "Blocked Person")
    with pg(server.database_url).cursor() as cur:
        cur.execute("UPDATE users SET status = %s WHERE id = %s", (status, acct["user"]["id"]))
    r = login(http, acct["email"], acct["password"])
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "PERMISSION_ERROR" and err["message"] == message
    assert err["details"][0]["reason"] == status
    # An account-level block also stops the live access token and the refresh token.
    assert me(http, acct["access_token"]).status_code == 401
    assert refresh(http, acct["refresh_token"]).status_code == 401


def test_login_lands_in_current_workspace_else_first_active(http, server, pg):
    acct = register(http, "Two Places")
    created = http.post("/api/v1/workspaces", json={"name": "Second Place"},
                        headers=bearer(acct["access_token"])).json()
    with pg(server.database_url).cursor() as cur:
        cur.execute("UPDATE users SET current_workspace_id = %s WHERE id = %s",
                    (created["id"], acct["user"]["id"]))
    body = login_ok(http, acct["email"], acct["password"])
    assert body["workspace"]["id"] == created["id"]
    assert body["workspace"]["role"] == "admin" and "audit.view" in body["permissions"]
    with pg(server.database_url).cursor() as cur:
        cur.execute("UPDATE memberships SET status = 'inactive' WHERE workspace_id = %s",
                    (created["id"],))
    body = login_ok(http, acct["email"], acct["password"])
    assert body["workspace"]["id"] == acct["workspace"]["id"]


def test_login_audits_success_and_failure(http, server, pg):
    acct = register(http, "Audited Person")
    assert login(http, acct["email"], GOOD_PASSWORD + "-wrong").status_code == 401
    login_ok(http, acct["email"], acct["password"])
    actions = audit_actions(pg(server.database_url), acct["workspace"]["id"])
    assert actions[:2] == ["workspace.created", "auth.registered"]
    assert actions[-2:] == ["LOGIN_FAILED", "LOGIN"]
    r = login(http, unique_email("nobody"), GOOD_PASSWORD)
    assert r.status_code == 401
    login_ok(http, acct["email"], acct["password"])  # clears the IP counter again
