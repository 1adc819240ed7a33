"""The audit log (spec 08 §2): reading it with filters and names, its immutability for the
application's own database role, and `wos audit verify` naming a row altered behind its back."""
import re
import urllib.parse

import psycopg
import pytest
import requests

import wos_harness
from factories import make_member, make_workspace


def get(server, who, **params):
    return requests.get(server.url + "/api/v1/audit-logs", headers=who.auth(server),
                        params=params, timeout=10)


def call(server, who, method, path, body=None):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, timeout=10)


@pytest.fixture()
def trail(server, pg):
    """A workspace whose trail holds a department creation and update, a settings change by the
    admin, and one row with no actor."""
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    admin = make_member(conn, ws, "admin", full_name="Audrey Admin")
    hr = make_member(conn, ws, "hr_operations", full_name="Harriet HR")
    d = call(server, hr, "POST", "/departments", {"name": "Legal"}).json()
    call(server, hr, "PATCH", f"/departments/{d['id']}", {"description": "Counsel"})
    call(server, admin, "PATCH", "/settings/leave.escalation_hours", {"value": 12})
    with conn.cursor() as cur:
        cur.execute("SELECT wos_audit_append(%s, NULL, 'system.checked', 'workspace', %s, NULL,"
                    " NULL, NULL, NULL, NULL, NULL)", (ws, ws))
    return {"conn": conn, "ws": ws, "admin": admin, "hr": hr, "dept": d["id"]}


def test_rows_come_newest_first_with_names_beside_ids(server, trail):
    r = get(server, trail["admin"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 4 and body["limit"] == 200 and body["offset"] == 0
    actions = [i["action_type"] for i in body["items"]]
    assert actions == ["system.checked", "setting.updated", "department.updated",
                       "department.created"]
    system, setting, updated, created = body["items"]
    assert system["actor_name"] == "System" and system["actor_user_id"] is None
    assert system["entity_label"]  # the workspace's name, looked up
    assert setting["actor_name"] == "Audrey Admin"
    assert setting["entity_label"] == "leave.escalation_hours"
    assert setting["old_value"] == {"value": 48} and setting["new_value"] == {"value": 12}
    assert updated["actor_name"] == "Harriet HR" and updated["entity_label"] == "Legal"
    assert updated["old_value"] == {"description": None}
    assert updated["new_value"] == {"description": "Counsel"}
    assert created["ip_address"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-zA-Z-]{8,64}", created["request_id"])
    assert [i["seq"] for i in body["items"]] == [4, 3, 2, 1]


def test_filters_and_paging(server, trail):
    admin, hr = trail["admin"], trail["hr"]
    assert get(server, admin, entity_type="department").json()["total"] == 2
    assert get(server, admin, action_type="department.created").json()["total"] == 1
    assert get(server, admin, actor_user_id=hr.user_id).json()["total"] == 2
    assert get(server, admin, entity_id=trail["dept"]).json()["total"] == 2
    page = get(server, admin, limit=1, offset=1).json()
    assert page["total"] == 4 and [i["action_type"] for i in page["items"]] == ["setting.updated"]
    assert get(server, admin, **{"from": "2000-01-01", "to": "2999-12-31"}).json()["total"] == 4
    assert get(server, admin, to="2000-01-01").json()["total"] == 0
    assert get(server, admin, **{"from": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    for bad in ({"limit": "501"}, {"from": "yesterday"}, {"actor_user_id": "me"}):
        r = get(server, admin, **bad)
        assert r.status_code == 422, bad
    assert get(server, hr).status_code == 403


def test_the_application_role_cannot_change_or_remove_rows(server, trail):
    # pg() connects as `wos`, the role the server uses (and the table's owner)
    conn = psycopg.connect(server.database_url, autocommit=True)
    try:
        for stmt in ("UPDATE audit_logs SET action_type = 'forged' WHERE workspace_id = %s",
                     "DELETE FROM audit_logs WHERE workspace_id = %s"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt, (trail["ws"],))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE audit_logs")
        n = conn.execute("SELECT count(*) FROM audit_logs WHERE workspace_id = %s",
                         (trail["ws"],)).fetchone()[0]
        assert n == 4
    finally:
        conn.close()


def test_verify_passes_then_names_the_row_a_superuser_altered(start_server, wos_env, run_wos,
                                                              new_database, pg):
    env = wos_env(DATABASE_URL=new_database())
    srv = start_server(env)
    conn = pg(srv.database_url)
    ws = make_workspace(conn, slug="audited")
    admin = make_member(conn, ws, "admin")
    for name in ("One", "Two", "Three"):
        assert call(srv, admin, "POST", "/departments", {"name": name}).status_code == 201
    assert srv.stop() == 0
    ok = run_wos("audit", "verify", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "workspace audited: intact (3 rows)" in ok.stdout

    dbname = urllib.parse.urlparse(srv.database_url).path.lstrip("/")
    with wos_harness.pg(wos_harness.superuser_url(dbname)) as su:
        su.execute("SET session_replication_role = replica")  # the immutability trigger sleeps
        row_id = su.execute("UPDATE audit_logs SET new_value = '{\"name\": \"Forged\"}'"
                            " WHERE workspace_id = %s AND seq = 2 RETURNING id::text",
                            (ws,)).fetchone()[0]
    bad = run_wos("audit", "verify", env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"workspace audited: BROKEN at seq 2 (row {row_id}): " \
           "row_hash does not match the row content" in bad.stdout
    assert run_wos("audit", "verify", "extra", env=env).returncode == 2
