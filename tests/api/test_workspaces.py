"""Registration creates a personal workspace; members create more workspaces and switch between
them; nothing of a workspace is reachable with a token of another one."""
import jwt

from auth_helpers import (audit_actions, bearer, login_ok, register, register_request,
                          unique_email)


def test_register_creates_a_personal_workspace(http, server, pg):
    acct = register(http, "Ada Lovelace")
    assert acct["workspace"]["name"] == "Ada Lovelace's Workspace"
    assert acct["workspace"]["slug"].startswith("ada-lovelace-s-workspace")
    assert acct["workspace"]["role"] == "admin"
    assert acct["user"]["role"] == "admin" and acct["user"]["status"] == "active"
    assert "permissions.manage" in acct["permissions"]
    assert acct["permissions"] == sorted(acct["permissions"])
    claims = jwt.decode(acct["access_token"], server.env["APP_SECRET_KEY"], algorithms=["HS256"])
    assert claims["ws"] == acct["workspace"]["id"] and claims["role"] == "admin"
    conn = pg(server.database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT current_workspace_id FROM users WHERE id = %s", (acct["user"]["id"],))
        assert str(cur.fetchone()[0]) == acct["workspace"]["id"]
        # Seeded like any workspace: seven system roles and the settings.
        cur.execute("SELECT count(*) FROM roles WHERE workspace_id = %s AND is_system",
                    (acct["workspace"]["id"],))
        assert cur.fetchone()[0] == 7
        cur.execute("SELECT count(*) > 0 FROM application_settings WHERE workspace_id = %s",
                    (acct["workspace"]["id"],))
        assert cur.fetchone()[0]
    assert audit_actions(conn, acct["workspace"]["id"])[:2] == ["workspace.created",
                                                                "auth.registered"]
    # The same name again gets a different slug; the same e-mail is a conflict.
    again = register(http, "Ada Lovelace")
    assert again["workspace"]["slug"] != acct["workspace"]["slug"]
    r = register_request(http, {"full_name": "Ada Two", "email": acct["email"].upper(),
                                "password": "Analytical-Engine-1843"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CONFLICT"


def test_register_validation(http):
    r = http.post("/api/v1/auth/register", json={"full_name": "X", "email": "not-an-email",
                                                 "password": "Analytical-Engine-1843",
                                                 "role": "admin"})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert fields == {"email", "role"}


def test_signup_can_be_switched_off(start_server, wos_env, client):
    srv = start_server(wos_env(SIGNUP_ENABLED="false"))
    r = client(srv).post("/api/v1/auth/register",
                         json={"full_name": "Late Comer", "email": unique_email("late"),
                               "password": "Analytical-Engine-1843"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


def test_create_second_workspace_and_switch(http, server, pg):
    acct = register(http, "Grace Hopper")
    h = bearer(acct["access_token"])
    r = http.post("/api/v1/workspaces", json={"name": "Navy Lab", "timezone": "America/New_York"},
                  headers=h)
    assert r.status_code == 201, r.text
    lab = r.json()
    assert lab["name"] == "Navy Lab" and lab["slug"].startswith("navy-lab")
    assert lab["role"] == "admin" and lab["timezone"] == "America/New_York"
    assert lab["is_current"] is False
    page = http.get("/api/v1/workspaces", headers=h).json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    listed = page["items"]
    assert {w["id"] for w in listed} == {acct["workspace"]["id"], lab["id"]}
    assert [w["is_current"] for w in listed if w["id"] == acct["workspace"]["id"]] == [True]
    assert "workspace.created" in audit_actions(pg(server.database_url), lab["id"])

    r = http.post(f"/api/v1/workspaces/{lab['id']}/switch", headers=h)
    assert r.status_code == 200, r.text
    switched = r.json()
    assert switched["workspace"]["id"] == lab["id"]
    assert switched["user"]["workspace_id"] == lab["id"]
    claims = jwt.decode(switched["access_token"], server.env["APP_SECRET_KEY"],
                        algorithms=["HS256"])
    old = jwt.decode(acct["access_token"], server.env["APP_SECRET_KEY"], algorithms=["HS256"])
    assert claims["ws"] == lab["id"] and claims["sid"] == old["sid"]
    # The old access token (bound to the first workspace) and the old refresh token are done.
    assert http.get("/api/v1/users/me", headers=h).status_code == 401
    me = http.get("/api/v1/users/me", headers=bearer(switched["access_token"])).json()
    assert me["workspace_id"] == lab["id"]
    r = http.post("/api/v1/auth/refresh", json={"refresh_token": switched["refresh_token"]})
    assert r.status_code == 200
    assert jwt.decode(r.json()["access_token"], options={"verify_signature": False})["ws"] == \
        lab["id"]
    # The next login lands in the workspace switched to last.
    assert login_ok(http, acct["email"], acct["password"])["workspace"]["id"] == lab["id"]


def test_invalid_workspace_names(http):
    acct = register(http, "Name Tester")
    h = bearer(acct["access_token"])
    assert http.post("/api/v1/workspaces", json={"name": "   "}, headers=h).status_code == 422
    assert http.post("/api/v1/workspaces", json={"name": "X", "timezone": "Mars/Olympus"},
                     headers=h).status_code == 422
    r = http.post("/api/v1/workspaces", json={"name": "!!! ###"}, headers=h)
    assert r.status_code == 201 and r.json()["slug"].startswith("workspace")
    r = http.post("/api/v1/workspaces", json={"name": "Default"}, headers=h)
    assert r.status_code == 201 and r.json()["slug"] != "default"


def test_workspace_a_token_cannot_reach_workspace_b(http, server, pg):
    alice = register(http, "Alice Tenant")
    bob = register(http, "Bob Tenant")
    ha = bearer(alice["access_token"])
    b_ws = bob["workspace"]["id"]
    # Switching into a workspace one is not a member of: 404, like an unknown id.
    r = http.post(f"/api/v1/workspaces/{b_ws}/switch", headers=ha)
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    unknown = http.post("/api/v1/workspaces/00000000-0000-4000-8000-000000000000/switch",
                        headers=ha)
    assert unknown.status_code == 404 and unknown.json() == r.json()
    assert b_ws not in {w["id"] for w in
                        http.get("/api/v1/workspaces", headers=ha).json()["items"]}
    # B's sessions are not A's to see or revoke.
    b_sid = jwt.decode(bob["access_token"], options={"verify_signature": False})["sid"]
    assert b_sid not in {s["id"] for s in
                         http.get("/api/v1/auth/sessions", headers=ha).json()["items"]}
    assert http.delete(f"/api/v1/auth/sessions/{b_sid}", headers=ha).status_code == 404
    # A token claiming workspace B for Alice's own session is refused outright.
    forged = jwt.encode(dict(jwt.decode(alice["access_token"], server.env["APP_SECRET_KEY"],
                                        algorithms=["HS256"]), ws=b_ws),
                        server.env["APP_SECRET_KEY"], algorithm="HS256")
    assert http.get("/api/v1/users/me", headers=bearer(forged)).status_code == 401
    # Inviting Bob's address into A creates a separate invited membership in A only.
    r = http.post("/api/v1/users", json={"full_name": "Bob Tenant", "email": bob["email"],
                                         "role": "employee"}, headers=ha)
    assert r.status_code == 201, r.text
    assert r.json()["user"]["status"] == "invited"
    assert r.json()["user"]["workspace_id"] == alice["workspace"]["id"]
    # Every list of workspace B is untouched by all of this.
    conn = pg(server.database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM memberships WHERE workspace_id = %s", (b_ws,))
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM audit_logs WHERE workspace_id = %s"
                    " AND actor_user_id = %s", (b_ws, alice["user"]["id"]))
        assert cur.fetchone()[0] == 0
    # Bob, still active in B, keeps landing in B.
    assert login_ok(http, bob["email"], bob["password"])["workspace"]["id"] == b_ws
