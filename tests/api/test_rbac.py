"""Roles and permissions (spec 03 §2): the table-driven matrix of every route of the people and
organisation issue against the seven roles, bundle edits that apply on the next request, custom
roles, per-member overrides and the escalation rules."""
import json
import re
import uuid

import pytest
import requests

from factories import make_department, make_member, make_shift, make_workspace

ROLES = ["admin", "hr_operations", "manager", "team_lead", "employee", "intern",
         "junior_employee"]
LEADS = {"manager", "team_lead"}


def only(roles, ok, other=403):
    return {r: (ok if r in roles else other) for r in ROLES}


def everyone(ok):
    return {r: ok for r in ROLES}


def scoped(ok, leads, rest):
    """Admin/HR get `ok`; a manager or team lead (the target reports to them) `leads`; the
    self-service roles, for whom the target is out of scope, `rest`."""
    return {r: ok if r in ("admin", "hr_operations") else leads if r in LEADS else rest
            for r in ROLES}


ADMIN = {"admin"}
ADMIN_HR = {"admin", "hr_operations"}

# (method, path, body, expected status per role). Placeholders are filled per request with
# fresh rows: {victim} reports to the caller when the caller leads a team, {dept} {shift}
# {holiday} {ann} {alert} {role} are unused rows of the workspace, {sysrole} a system role,
# {setting} a mutable integer setting, {u} a unique suffix.
MATRIX = [
    ("GET", "/users", None, everyone(200)),
    ("GET", "/users/directory", None, everyone(200)),
    ("GET", "/users/{victim}", None, scoped(200, 200, 404)),
    ("PATCH", "/users/{victim}", {"designation": "Analyst"}, scoped(200, 403, 404)),
    ("DELETE", "/users/{victim}", None, only(ADMIN_HR, 200)),
    ("POST", "/users/{victim}/suspend", None, only(ADMIN, 200)),
    ("POST", "/users/{victim}/activate", None, only(ADMIN_HR, 200)),
    ("GET", "/users/{victim}/permissions", None, only(ADMIN, 200)),
    ("PATCH", "/users/{victim}/permissions", {"extra_grants": ["eod.review"], "extra_denies": []},
     only(ADMIN, 200)),
    ("GET", "/permissions", None, only(ADMIN, 200)),
    ("GET", "/permissions/role/{sysrole}", None, only(ADMIN, 200)),
    ("GET", "/permissions/user/{victim}", None, only(ADMIN, 200)),
    ("POST", "/permissions/user-override",
     {"user_id": "{victim}", "permission_key": "eod.review", "granted": True}, only(ADMIN, 200)),
    ("POST", "/permissions/roles", {"name": "crew_{u}", "label": "Crew", "rank": 1},
     only(ADMIN, 201)),
    ("PUT", "/permissions/roles/{role}", {"permission_keys": ["leave.apply"]}, only(ADMIN, 200)),
    ("PATCH", "/permissions/roles/{role}", {"label": "Renamed"}, only(ADMIN, 200)),
    ("DELETE", "/permissions/roles/{role}", None, only(ADMIN, 200)),
    ("GET", "/settings", None, everyone(200)),
    ("PATCH", "/settings/{setting}", {"value": 24}, only(ADMIN, 200)),
    ("GET", "/departments", None, everyone(200)),
    ("GET", "/departments/active", None, everyone(200)),
    ("GET", "/departments/{dept}", None, everyone(200)),
    ("GET", "/departments/{dept}/employees", None, everyone(200)),
    ("POST", "/departments", {"name": "Dept {u}"}, only(ADMIN_HR, 201)),
    ("PATCH", "/departments/{dept}", {"description": "x"}, only(ADMIN_HR, 200)),
    ("DELETE", "/departments/{dept}", None, only(ADMIN_HR, 200)),
    ("GET", "/shifts", None, everyone(200)),
    ("GET", "/shifts/{shift}", None, everyone(200)),
    ("GET", "/shifts/{shift}/employees", None, everyone(200)),
    ("POST", "/shifts", {"name": "S {u}", "start_time": "08:00", "end_time": "16:00"},
     only(ADMIN_HR, 201)),
    ("PATCH", "/shifts/{shift}", {"grace_period_minutes": 5}, only(ADMIN_HR, 200)),
    ("DELETE", "/shifts/{shift}", None, only(ADMIN_HR, 200)),
    ("POST", "/shifts/assign/{victim}?shift_id={shift}", None, only(ADMIN_HR, 200)),
    ("GET", "/holidays", None, everyone(200)),
    ("GET", "/holidays/active", None, everyone(200)),
    ("GET", "/holidays/upcoming", None, everyone(200)),
    ("POST", "/holidays", {"name": "H", "holiday_date": "2031-{u_month}-{u_day}"},
     only(ADMIN_HR, 201)),
    ("PATCH", "/holidays/{holiday}", {"name": "Renamed"}, only(ADMIN_HR, 200)),
    ("DELETE", "/holidays/{holiday}", None, only(ADMIN_HR, 200)),
    ("GET", "/audit-logs", None, only(ADMIN, 200)),
    ("POST", "/announcements", {"title": "T", "content": "Hello"}, only(ADMIN_HR, 201)),
    ("PATCH", "/announcements/{ann}", {"priority": "high"}, only(ADMIN_HR, 200)),
    ("GET", "/announcements", None, everyone(200)),
    ("GET", "/announcements/visible", None, everyone(200)),
    ("GET", "/announcements/active", None, everyone(200)),
    ("GET", "/announcements/all", None, only(ADMIN_HR, 200)),
    ("GET", "/alerts", None, everyone(200)),
    ("PATCH", "/alerts/{alert}/resolve", {"note": "done"}, scoped(200, 200, 404)),
    ("PATCH", "/alerts/{alert}/dismiss", None, scoped(200, 200, 404)),
]

# Routes of other issues that share these prefixes.
NOT_OURS = {("GET", "/api/v1/users/me"), ("PATCH", "/api/v1/users/me"),
            ("POST", "/api/v1/users")}
PREFIXES = ("/api/v1/users", "/api/v1/permissions", "/api/v1/settings", "/api/v1/departments",
            "/api/v1/shifts", "/api/v1/holidays", "/api/v1/audit-logs", "/api/v1/announcements",
            "/api/v1/alerts")


def table_pattern(path):
    """The route-table pattern of a matrix path ("/users/{victim}" -> "/api/v1/users/:p")."""
    out = []
    for seg in path.split("?")[0].split("/"):
        out.append(":p" if seg.startswith("{") else seg)
    return "/api/v1" + "/".join(out)


def test_matrix_covers_every_route_of_the_issue(run_wos):
    out = run_wos("routes")
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    ours = {(r["method"], r["path"]) for r in rows
            if r["path"].startswith(PREFIXES) and (r["method"], r["path"]) not in NOT_OURS}
    normalised = {(m, re.sub(r":[A-Za-z_]+", ":p", p)) for m, p in ours}
    matrix = {(m, table_pattern(p)) for m, p, _, _ in MATRIX}
    assert normalised == matrix


@pytest.fixture(scope="module")
def worlds(server, pg):
    """One workspace per role: an admin, the caller of that role, and what each request needs."""
    conn = pg(server.database_url)
    out = {}
    for role in ROLES:
        ws = make_workspace(conn)
        boss = make_member(conn, ws, "admin")
        caller = make_member(conn, ws, role)
        out[role] = {"ws": ws, "boss": boss, "caller": caller}
    return conn, out


def fresh(conn, world, role, counter):
    ws, caller = world["ws"], world["caller"]
    victim = make_member(conn, ws, "employee",
                         manager=caller.user_id if role in LEADS else None)
    u = uuid.uuid4().hex[:8]
    ids = {"victim": victim.user_id, "sysrole": "employee", "setting": "leave.escalation_hours", "dept": make_department(conn, ws),
           "shift": make_shift(conn, ws, "Shift " + u), "u": u,
           "u_month": "%02d" % (counter % 12 + 1), "u_day": "%02d" % (counter // 12 % 28 + 1)}
    with conn.cursor() as cur:
        cur.execute("INSERT INTO holidays (workspace_id, name, holiday_date) VALUES"
                    " (%s, 'Hol', DATE '2040-01-01' + %s) RETURNING id", (ws, counter))
        ids["holiday"] = str(cur.fetchone()[0])
        cur.execute("INSERT INTO announcements (workspace_id, title, content, content_html,"
                    " created_by, status) VALUES (%s, 'A', 'a', '<p>a</p>', %s, 'active')"
                    " RETURNING id", (ws, world["boss"].user_id))
        ids["ann"] = str(cur.fetchone()[0])
        cur.execute("INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,"
                    " related_entity_type, related_entity_id, title, message) VALUES"
                    " (%s, 'overdue_task', 'high', %s, 'user', %s, 'Late', 'm') RETURNING id",
                    (ws, victim.user_id, victim.user_id))
        ids["alert"] = str(cur.fetchone()[0])
        cur.execute("INSERT INTO roles (workspace_id, name, label, rank) VALUES (%s, %s, 'Temp',"
                    " 0) RETURNING name", (ws, "temp_" + u))
        ids["role"] = cur.fetchone()[0]
    return ids


def fill(value, ids):
    if isinstance(value, str):
        for k, v in ids.items():
            value = value.replace("{" + k + "}", v)
        return value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_spec_says(server, worlds, role):
    conn, all_worlds = worlds
    world = all_worlds[role]
    caller = world["caller"]
    wrong = []
    for n, (method, path, body, expected) in enumerate(MATRIX):
        ids = fresh(conn, world, role, n)
        url = server.url + "/api/v1" + fill(path, ids)
        r = requests.request(method, url, headers=caller.auth(server),
                             json=fill(body, ids) if body is not None else None, timeout=10)
        if r.status_code != expected[role]:
            wrong.append(f"{method} {path}: {r.status_code} (want {expected[role]}) {r.text[:160]}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_scoped_alert_list_shows_each_role_exactly_its_rows(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    m = {"admin": make_member(conn, ws, "admin"), "hr": make_member(conn, ws, "hr_operations")}
    m["boss"] = make_member(conn, ws, "manager")
    m["lead"] = make_member(conn, ws, "team_lead", manager=m["boss"].user_id)
    m["emp"] = make_member(conn, ws, "employee", manager=m["lead"].user_id)
    m["intern"] = make_member(conn, ws, "intern", manager=m["lead"].user_id)
    m["junior"] = make_member(conn, ws, "junior_employee")
    alert_of = {}
    with conn.cursor() as cur:
        for name, member in m.items():
            cur.execute("INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,"
                        " related_entity_type, related_entity_id, title, message) VALUES"
                        " (%s, 'missing_checkout', 'medium', %s, 'attendance_session',"
                        " gen_random_uuid(), %s, 'm') RETURNING id", (ws, member.user_id, name))
            alert_of[name] = str(cur.fetchone()[0])
    sees = {"admin": set(m), "hr": set(m), "boss": {"boss", "lead", "emp", "intern"},
            "lead": {"lead", "emp", "intern"}, "emp": {"emp"}, "intern": {"intern"},
            "junior": {"junior"}}
    for who, names in sees.items():
        r = requests.get(server.url + "/api/v1/alerts", headers=m[who].auth(server), timeout=10)
        assert r.status_code == 200
        assert {a["id"] for a in r.json()["items"]} == {alert_of[n] for n in names}, who
        mine = requests.get(server.url + "/api/v1/alerts", params={"scope": "mine"},
                            headers=m[who].auth(server), timeout=10).json()
        assert [a["id"] for a in mine["items"]] == [alert_of[who]]


# ------------------------------------------------------------------ bundles and roles

def call(server, who, method, path, body=None):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, timeout=10)


@pytest.fixture()
def small(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    return {"conn": conn, "ws": ws, "admin": make_member(conn, ws, "admin"),
            "hr": make_member(conn, ws, "hr_operations"),
            "emp": make_member(conn, ws, "employee")}


def test_catalogue_lists_keys_with_categories_and_every_bundle(server, small):
    r = call(server, small["admin"], "GET", "/permissions")
    assert r.status_code == 200
    body = r.json()
    keys = [p["key"] for p in body["permissions"]]
    assert len(keys) == 39 and keys == sorted(keys)
    by_key = {p["key"]: p for p in body["permissions"]}
    assert by_key["users.edit"]["category"] == "User Management"
    assert by_key["holidays.manage"]["category"] == "Organization"
    assert by_key["analytics.view_org"]["category"] == "Analytics & Reports"
    assert by_key["audit.view"]["category"] == "System"
    roles = {r["name"]: r for r in body["roles"]}
    assert set(roles) == set(ROLES)
    assert len(roles["admin"]["permissions"]) == 39
    assert set(roles["intern"]["permissions"]) == {"attendance.view_own", "leave.apply",
                                                   "tasks.create_own", "eod.submit",
                                                   "reports.view_own"}
    assert roles["employee"]["member_count"] == 1 and roles["admin"]["is_system"]


def test_bundle_change_applies_on_the_next_request_and_is_audited(server, small):
    admin, emp, conn = small["admin"], small["emp"], small["conn"]
    assert call(server, emp, "GET", "/audit-logs").status_code == 403
    current = call(server, admin, "GET", "/permissions/role/employee").json()
    r = call(server, admin, "PUT", "/permissions/roles/employee",
             {"permission_keys": current + ["audit.view"]})
    assert r.status_code == 200 and "audit.view" in r.json()["permissions"]
    assert call(server, emp, "GET", "/audit-logs").status_code == 200
    r = call(server, admin, "PUT", "/permissions/roles/employee", {"permission_keys": current})
    assert r.status_code == 200
    assert call(server, emp, "GET", "/audit-logs").status_code == 403
    with conn.cursor() as cur:
        cur.execute("SELECT old_value, new_value, metadata FROM audit_logs WHERE workspace_id = %s"
                    " AND action_type = 'role.permissions_updated' ORDER BY seq", (small["ws"],))
        rows = cur.fetchall()
    assert len(rows) == 2
    assert rows[0][0] == {"permissions": sorted(current)}
    assert rows[0][1] == {"permissions": sorted(current + ["audit.view"])}
    assert rows[0][2] == {"added": ["audit.view"], "removed": []}
    assert rows[1][2] == {"added": [], "removed": ["audit.view"]}


def test_bundle_edits_are_refused_where_they_would_escalate_or_lock_out(server, small):
    admin, hr, conn = small["admin"], small["hr"], small["conn"]
    r = call(server, admin, "PUT", "/permissions/roles/admin", {"permission_keys": []})
    assert r.status_code == 409
    r = call(server, admin, "PUT", "/permissions/roles/employee",
             {"permission_keys": ["leave.apply", "no.such_key"]})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Unknown permission key: no.such_key"
    assert call(server, admin, "PUT", "/permissions/roles/nobody",
                {"permission_keys": []}).status_code == 404
    r = call(server, admin, "PUT", "/permissions/roles/employee", {"permission_keys": [1]})
    assert r.status_code == 422
    # HR given permissions.manage still cannot hand out what HR does not hold, nor touch its own
    with conn.cursor() as cur:
        cur.execute("INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id)"
                    " SELECT %s, %s, id FROM permissions WHERE code = 'permissions.manage'",
                    (small["ws"], hr.user_id))
    r = call(server, hr, "PUT", "/permissions/roles/employee",
             {"permission_keys": ["leave.apply", "audit.view"]})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == \
        "You cannot grant a permission you do not hold: audit.view"
    r = call(server, hr, "PUT", "/permissions/roles/employee",
             {"permission_keys": ["leave.apply", "leave.view_org"]})
    assert r.status_code == 200
    r = call(server, hr, "PUT", "/permissions/roles/hr_operations", {"permission_keys": []})
    assert r.status_code == 403
    # removing keys from a role ranked below HR is within HR's reach
    r = call(server, hr, "PUT", "/permissions/roles/manager", {"permission_keys": ["leave.apply"]})
    assert r.status_code == 200 and r.json()["permissions"] == ["leave.apply"]


def test_custom_roles(server, small):
    admin, conn, ws = small["admin"], small["conn"], small["ws"]
    r = call(server, admin, "POST", "/permissions/roles",
             {"name": "contractor", "label": "Contractor", "rank": 1,
              "permission_keys": ["leave.apply", "eod.submit"]})
    assert r.status_code == 201, r.text
    assert r.json()["permissions"] == ["eod.submit", "leave.apply"]
    assert r.json()["is_system"] is False
    assert call(server, admin, "POST", "/permissions/roles",
                {"name": "contractor", "label": "Again", "rank": 1}).status_code == 409
    assert call(server, admin, "POST", "/permissions/roles",
                {"name": "Bad Name", "label": "x", "rank": 1}).status_code == 422
    assert call(server, admin, "POST", "/permissions/roles",
                {"name": "boss2", "label": "x", "rank": 6}).status_code == 422
    worker = make_member(conn, ws, "employee")
    r = call(server, admin, "PATCH", f"/users/{worker.user_id}", {"role": "contractor"})
    assert r.status_code == 200 and r.json()["role"] == "contractor"
    worker.role = "contractor"
    assert call(server, worker, "GET", "/users/directory").status_code == 200
    r = call(server, admin, "DELETE", "/permissions/roles/contractor")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == \
        "This role is held by 1 member. Reassign them before deleting it."
    r = call(server, admin, "PATCH", "/permissions/roles/contractor",
             {"name": "vendor", "label": "Vendor"})
    assert r.status_code == 200 and r.json()["name"] == "vendor"
    # the renamed role changes the member's role claim: their token must be refreshed
    assert call(server, worker, "GET", "/users/directory").status_code == 401
    worker.role = "vendor"
    assert call(server, worker, "GET", "/users/directory").status_code == 200
    assert call(server, admin, "PATCH", "/permissions/roles/employee",
                {"name": "staff"}).status_code == 409
    assert call(server, admin, "PATCH", "/permissions/roles/employee",
                {"label": "Staff member"}).json()["label"] == "Staff member"
    assert call(server, admin, "DELETE", "/permissions/roles/intern").status_code == 409
    call(server, admin, "PATCH", f"/users/{worker.user_id}", {"role": "employee"})
    assert call(server, admin, "DELETE", "/permissions/roles/vendor").json() == {"success": True}
    with conn.cursor() as cur:
        cur.execute("SELECT action_type FROM audit_logs WHERE workspace_id = %s AND"
                    " entity_type = 'role' ORDER BY seq", (ws,))
        assert [r[0] for r in cur.fetchall()] == ["role.created", "role.renamed", "role.updated",
                                                  "role.deleted"]


def test_member_overrides(server, small):
    admin, hr, emp, conn = small["admin"], small["hr"], small["emp"], small["conn"]
    r = call(server, admin, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": ["audit.view"], "extra_denies": ["eod.submit"]})
    assert r.status_code == 200, r.text
    detail = r.json()
    assert [p["key"] for p in detail["extra_permissions"]] == ["audit.view"]
    assert [p["key"] for p in detail["denied_permissions"]] == ["eod.submit"]
    assert "audit.view" in detail["resolved_permissions"]
    assert "eod.submit" not in detail["resolved_permissions"]
    assert call(server, emp, "GET", "/audit-logs").status_code == 200
    keys = call(server, admin, "GET", f"/permissions/user/{emp.user_id}").json()
    assert keys["permissions"] == detail["resolved_permissions"]
    r = call(server, admin, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": ["x.y"], "extra_denies": []})
    assert r.status_code == 400
    r = call(server, admin, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": ["audit.view"], "extra_denies": ["audit.view"]})
    assert r.status_code == 400
    r = call(server, admin, "POST", "/permissions/user-override",
             {"user_id": emp.user_id, "permission_key": "audit.view", "granted": False})
    assert r.status_code == 200
    assert call(server, emp, "GET", "/audit-logs").status_code == 403
    assert call(server, admin, "POST", "/permissions/user-override",
                {"user_id": str(uuid.uuid4()), "permission_key": "audit.view"}).status_code == 404
    assert call(server, admin, "GET", f"/users/{uuid.uuid4()}/permissions").status_code == 404
    with conn.cursor() as cur:
        cur.execute("SELECT action_type, old_value, new_value FROM audit_logs"
                    " WHERE workspace_id = %s AND entity_id = %s ORDER BY seq",
                    (small["ws"], emp.user_id))
        rows = cur.fetchall()
    assert rows[0] == ("user.permissions_updated", {"grants": [], "denies": []},
                       {"grants": ["audit.view"], "denies": ["eod.submit"]})
    assert rows[1] == ("user.permission_override_set",
                       {"permission_key": "audit.view", "granted": True},
                       {"permission_key": "audit.view", "granted": False})
    # a non-admin permission manager grants only what they hold, to members ranked below them
    with conn.cursor() as cur:
        cur.execute("INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id)"
                    " SELECT %s, %s, id FROM permissions WHERE code = 'permissions.manage'",
                    (small["ws"], hr.user_id))
    r = call(server, hr, "POST", "/permissions/user-override",
             {"user_id": emp.user_id, "permission_key": "users.manage_roles"})
    assert r.status_code == 403
    r = call(server, hr, "POST", "/permissions/user-override",
             {"user_id": emp.user_id, "permission_key": "leave.view_org"})
    assert r.status_code == 200
    r = call(server, hr, "PATCH", f"/users/{small['admin'].user_id}/permissions",
             {"extra_grants": [], "extra_denies": ["audit.view"]})
    assert r.status_code == 403


def test_lifting_a_denial_is_held_to_the_rule_of_a_grant(server, small):
    """Review fix (0009): removing a key from extra_denies gives it back, so a non-admin
    permission manager may not lift a denial on themself nor restore a key they do not hold."""
    admin, hr, emp = small["admin"], small["hr"], small["emp"]
    r = call(server, admin, "PATCH", f"/users/{hr.user_id}/permissions",
             {"extra_grants": ["permissions.manage"], "extra_denies": ["users.deactivate"]})
    assert r.status_code == 200, r.text
    r = call(server, hr, "PATCH", f"/users/{hr.user_id}/permissions",
             {"extra_grants": ["permissions.manage"], "extra_denies": []})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == \
        "You cannot lift the denial of a permission you do not hold: users.deactivate"
    assert "users.deactivate" not in call(server, admin, "GET",
                                          f"/permissions/user/{hr.user_id}").json()["permissions"]
    # projects.create is in the employee bundle, not in HR's: HR cannot restore it
    r = call(server, admin, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": [], "extra_denies": ["projects.create", "leave.apply"]})
    assert r.status_code == 200
    r = call(server, hr, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": [], "extra_denies": ["leave.apply"]})
    assert r.status_code == 403
    # a key HR holds may be given back
    r = call(server, hr, "PATCH", f"/users/{emp.user_id}/permissions",
             {"extra_grants": [], "extra_denies": ["projects.create"]})
    assert r.status_code == 200, r.text
    assert "leave.apply" in r.json()["resolved_permissions"]
