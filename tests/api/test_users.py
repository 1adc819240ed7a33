"""Members of a workspace (spec 03 §3): the scoped list and single reads, the directory, edits with
their field whitelists, the manager chain (no cycles), last-admin and self-lockout refusals, the
rank rule, and the status lifecycle that ends a member's sessions at once."""
import uuid

import pytest
import requests

from factories import make_department, make_member, make_shift, make_workspace


@pytest.fixture(scope="module")
def org(server, pg):
    """A workspace with a reporting tree:

        admin, hr                   (no manager)
        boss (manager)
        +-- mid (manager)
        |   +-- lead (team_lead)
        |       +-- emp (employee), intern (intern)
        +-- junior (junior_employee)
        loner (employee)            (no manager)
    """
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    m = {}
    m["admin"] = make_member(conn, ws, "admin", full_name="Ada Admin")
    m["hr"] = make_member(conn, ws, "hr_operations", full_name="Hana HR")
    m["boss"] = make_member(conn, ws, "manager", full_name="Bo Boss")
    m["mid"] = make_member(conn, ws, "manager", manager=m["boss"].user_id, full_name="Mo Mid")
    m["lead"] = make_member(conn, ws, "team_lead", manager=m["mid"].user_id, full_name="Lee Lead")
    m["emp"] = make_member(conn, ws, "employee", manager=m["lead"].user_id, full_name="Emma Emp")
    m["intern"] = make_member(conn, ws, "intern", manager=m["lead"].user_id, full_name="Ian Intern")
    m["junior"] = make_member(conn, ws, "junior_employee", manager=m["boss"].user_id,
                              full_name="Jo Junior")
    m["loner"] = make_member(conn, ws, "employee", full_name="Lou Loner")
    return {"ws": ws, "conn": conn, "m": m}


SCOPES = {
    "admin": "admin hr boss mid lead emp intern junior loner",
    "hr": "admin hr boss mid lead emp intern junior loner",
    "boss": "boss mid lead emp intern junior",
    "mid": "mid lead emp intern",
    "lead": "lead emp intern",
    "emp": "emp",
    "intern": "intern",
    "junior": "junior",
    "loner": "loner",
}


def get(server, who, path, **params):
    return requests.get(server.url + "/api/v1" + path, headers=who.auth(server), params=params,
                        timeout=10)


def call(server, who, method, path, body=None, **params):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, params=params, timeout=10)


def audit_rows(conn, ws, action, entity_id):
    with conn.cursor() as cur:
        cur.execute("SELECT actor_user_id::text, old_value, new_value FROM audit_logs"
                    " WHERE workspace_id = %s AND action_type = %s AND entity_id = %s"
                    " ORDER BY seq", (ws, action, entity_id))
        return cur.fetchall()


@pytest.mark.parametrize("who", sorted(SCOPES))
def test_list_returns_exactly_the_callers_scope(server, org, who):
    m = org["m"]
    r = get(server, m[who], "/users", limit=200)
    assert r.status_code == 200, r.text
    body = r.json()
    want = {m[k].user_id for k in SCOPES[who].split()}
    assert {u["id"] for u in body["items"]} == want
    assert body["total"] == len(want)


@pytest.mark.parametrize("who", sorted(SCOPES))
def test_single_read_follows_the_scope_and_hides_the_rest(server, org, who):
    m = org["m"]
    visible = set(SCOPES[who].split())
    for name, member in m.items():
        r = get(server, m[who], f"/users/{member.user_id}")
        if name in visible:
            assert r.status_code == 200, (who, name, r.text)
            assert r.json()["id"] == member.user_id
        else:
            assert r.status_code == 404, (who, name, r.text)
            assert r.json()["error"]["code"] == "NOT_FOUND"


def test_unknown_and_malformed_ids_are_404(server, org):
    admin = org["m"]["admin"]
    assert get(server, admin, f"/users/{uuid.uuid4()}").status_code == 404
    assert get(server, admin, "/users/not-a-uuid").status_code == 404


def test_another_workspace_is_invisible(server, org, pg):
    conn = pg(server.database_url)
    other_ws = make_workspace(conn)
    stranger = make_member(conn, other_ws, "admin")
    admin = org["m"]["admin"]
    assert get(server, admin, f"/users/{stranger.user_id}").status_code == 404
    ids = {u["id"] for u in get(server, stranger, "/users", limit=200).json()["items"]}
    assert ids == {stranger.user_id}


def test_list_filters_search_sort_and_paging(server, org):
    m = org["m"]
    admin = m["admin"]
    r = get(server, admin, "/users", role="manager")
    assert {u["id"] for u in r.json()["items"]} == {m["boss"].user_id, m["mid"].user_id}
    r = get(server, admin, "/users", manager_id=m["lead"].user_id)
    assert {u["id"] for u in r.json()["items"]} == {m["emp"].user_id, m["intern"].user_id}
    r = get(server, admin, "/users", search="EMMA")
    assert [u["id"] for u in r.json()["items"]] == [m["emp"].user_id]
    r = get(server, admin, "/users", search=m["loner"].email.split("@")[0])
    assert [u["id"] for u in r.json()["items"]] == [m["loner"].user_id]
    r = get(server, admin, "/users", search="100%_")
    assert r.json()["total"] == 0
    names = [u["full_name"] for u in get(server, admin, "/users", sort="full_name",
                                         order="desc").json()["items"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    page1 = get(server, admin, "/users", limit=4, offset=0).json()
    page2 = get(server, admin, "/users", limit=4, offset=4).json()
    assert page1["total"] == page2["total"] == 9
    assert len(page1["items"]) == 4 and len(page2["items"]) == 4
    assert not {u["id"] for u in page1["items"]} & {u["id"] for u in page2["items"]}
    for bad in ({"limit": "0"}, {"limit": "abc"}, {"status": "gone"}, {"sort": "password"},
                {"manager_id": "x"}):
        r = get(server, admin, "/users", **bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["details"][0]["field"] == list(bad)[0]


def test_user_read_carries_names_beside_ids(server, org, pg):
    conn = pg(server.database_url)
    dept = make_department(conn, org["ws"], "Finance")
    shift = make_shift(conn, org["ws"], "Early", "07:30", "16:00")
    admin, emp = org["m"]["admin"], org["m"]["emp"]
    r = call(server, admin, "PATCH", f"/users/{emp.user_id}",
             {"department_id": dept, "shift_id": shift})
    assert r.status_code == 200, r.text
    u = get(server, emp, f"/users/{emp.user_id}").json()
    assert u["department_name"] == "Finance" and u["department"] == "Finance"
    assert u["shift_name"] == "Early" and u["shift_timing"] == "07:30 AM - 04:00 PM"
    assert u["manager_name"] == "Lee Lead"
    assert "password_hash" not in u


def test_directory_is_workspace_wide_and_minimal(server, org):
    m = org["m"]
    r = get(server, m["intern"], "/users/directory", limit=500)
    assert r.status_code == 200
    body = r.json()
    assert {e["id"] for e in body["items"]} >= {x.user_id for x in m.values()}
    for e in body["items"]:
        assert set(e) == {"id", "full_name", "role", "role_label", "department_id",
                          "department_name"}
    r = get(server, m["intern"], "/users/directory", role="team_lead")
    assert [e["id"] for e in r.json()["items"]] == [m["lead"].user_id]


def test_self_edits_name_and_phone_only(server, org):
    m = org["m"]
    emp = m["emp"]
    r = call(server, emp, "PATCH", f"/users/{emp.user_id}",
             {"full_name": "  Emma Employee ", "phone": "+92 300 1234567"})
    assert r.status_code == 200, r.text
    assert r.json()["full_name"] == "Emma Employee"
    assert r.json()["phone"] == "+92 300 1234567"
    before = len(audit_rows(org["conn"], org["ws"], "user.update_fields_denied", emp.user_id))
    r = call(server, emp, "PATCH", f"/users/{emp.user_id}", {"role": "admin"})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Not authorized to update one or more requested fields."
    rows = audit_rows(org["conn"], org["ws"], "user.update_fields_denied", emp.user_id)
    assert len(rows) == before + 1
    assert rows[-1][2] == {"requested_fields": ["role"], "forbidden_fields": ["role"]}
    assert get(server, m["admin"], f"/users/{emp.user_id}").json()["role"] == "employee"
    updated = audit_rows(org["conn"], org["ws"], "USER_UPDATED", emp.user_id)
    assert any(new.get("full_name") == "Emma Employee" for _, _, new in updated)


def test_editing_someone_else_is_refused_before_validation_and_audited(server, org):
    m = org["m"]
    lead, emp = m["lead"], m["emp"]
    for body in ({"designation": "x"}, {}, {"full_name": 12, "bogus": True}):
        r = call(server, lead, "PATCH", f"/users/{emp.user_id}", body)
        assert r.status_code == 403, (body, r.text)
        assert r.json()["error"]["message"] == "You are not authorized to update this user."
    raw = requests.patch(server.url + f"/api/v1/users/{emp.user_id}", data="not json",
                         headers=dict(lead.auth(server), **{"Content-Type": "application/json"}),
                         timeout=10)
    assert raw.status_code == 403
    rows = audit_rows(org["conn"], org["ws"], "user.update_denied", emp.user_id)
    assert [r[2]["requested_fields"] for r in rows[-4:]] == [["designation"], [],
                                                             ["bogus", "full_name"], []]
    assert all(r[0] == lead.user_id for r in rows[-4:])
    # outside the caller's scope the member does not exist: 404, nothing audited
    n = len(audit_rows(org["conn"], org["ws"], "user.update_denied", m["loner"].user_id))
    r = call(server, lead, "PATCH", f"/users/{m['loner'].user_id}", {"designation": "x"})
    assert r.status_code == 404
    assert len(audit_rows(org["conn"], org["ws"], "user.update_denied", m["loner"].user_id)) == n


def test_hr_edits_everything_but_the_role(server, org):
    m = org["m"]
    hr, junior = m["hr"], m["junior"]
    r = call(server, hr, "PATCH", f"/users/{junior.user_id}",
             {"designation": "  Analyst ", "manager_id": m["mid"].user_id})
    assert r.status_code == 200, r.text
    assert r.json()["designation"] == "Analyst"
    assert r.json()["manager_id"] == m["mid"].user_id
    r = call(server, hr, "PATCH", f"/users/{junior.user_id}", {"role": "employee"})
    assert r.status_code == 403
    r = call(server, hr, "PATCH", f"/users/{junior.user_id}", {"manager_id": m["boss"].user_id})
    assert r.status_code == 200


def test_body_validation_for_callers_who_may_edit(server, org):
    admin, emp = org["m"]["admin"], org["m"]["emp"]
    cases = [({"full_name": "  "}, "full_name"), ({"status": "invited"}, "status"),
             ({"manager_id": "nope"}, "manager_id"), ({"phone": "1" * 51}, "phone"),
             ({"unknown": 1}, "unknown"), ({"role": "no_such_role"}, "role")]
    for body, field in cases:
        r = call(server, admin, "PATCH", f"/users/{emp.user_id}", body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["details"][0]["field"] == field


def test_manager_assignment_rules(server, org):
    m = org["m"]
    admin = m["admin"]

    def set_manager(target, manager):
        return call(server, admin, "PATCH", f"/users/{m[target].user_id}",
                    {"manager_id": manager})

    r = set_manager("emp", m["emp"].user_id)
    assert r.status_code == 400 and "own reporting manager" in r.json()["error"]["message"]
    r = set_manager("emp", str(uuid.uuid4()))
    assert r.status_code == 400 and r.json()["error"]["message"] == "Manager not found"
    r = set_manager("emp", m["loner"].user_id)
    assert r.status_code == 400 and "management role" in r.json()["error"]["message"]
    # boss -> mid -> lead -> emp: making boss report to lead closes a loop
    r = set_manager("boss", m["lead"].user_id)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["message"] == "Circular reporting chain detected"
    r = set_manager("mid", m["lead"].user_id)
    assert r.status_code == 409
    # null clears; a valid move is fine
    assert set_manager("loner", m["lead"].user_id).status_code == 200
    assert set_manager("loner", None).json()["manager_id"] is None


def test_status_change_of_the_only_admin_is_409_and_self_lockout_400(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    admin = make_member(conn, ws, "admin")
    for method, path, body in (("PATCH", f"/users/{admin.user_id}", {"role": "manager"}),
                               ("PATCH", f"/users/{admin.user_id}", {"status": "suspended"}),
                               ("DELETE", f"/users/{admin.user_id}", None),
                               ("POST", f"/users/{admin.user_id}/suspend", None)):
        r = call(server, admin, method, path, body)
        assert r.status_code == 409, (method, path, r.text)
        assert r.json()["error"]["message"] == \
            "Cannot remove or deactivate the last administrator account"
    second = make_member(conn, ws, "admin")
    r = call(server, admin, "PATCH", f"/users/{admin.user_id}", {"role": "manager"})
    assert r.status_code == 400
    assert "your own administrator account" in r.json()["error"]["message"]
    # an admin may demote another admin while one remains
    r = call(server, admin, "PATCH", f"/users/{second.user_id}", {"role": "manager"})
    assert r.status_code == 200 and r.json()["role"] == "manager"
    # an invited admin counts as an admin; an inactive one does not
    with conn.cursor() as cur:
        cur.execute("UPDATE memberships SET role_id = (SELECT id FROM roles WHERE workspace_id = %s"
                    " AND name = 'admin'), status = 'inactive' WHERE user_id = %s",
                    (ws, second.user_id))
    assert call(server, admin, "DELETE", f"/users/{admin.user_id}").status_code == 409


def test_roles_are_never_granted_at_or_above_the_callers_rank(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    make_member(conn, ws, "admin")
    hr = make_member(conn, ws, "hr_operations")
    other_hr = make_member(conn, ws, "hr_operations")
    emp = make_member(conn, ws, "employee")
    with conn.cursor() as cur:  # let HR manage roles, as an override would
        cur.execute("INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id)"
                    " SELECT %s, %s, id FROM permissions WHERE code = 'users.manage_roles'",
                    (ws, hr.user_id))
    r = call(server, hr, "PATCH", f"/users/{emp.user_id}", {"role": "manager"})
    assert r.status_code == 200, r.text
    for role in ("hr_operations", "admin"):
        r = call(server, hr, "PATCH", f"/users/{emp.user_id}", {"role": role})
        assert r.status_code == 403, role
        assert r.json()["error"]["message"] == \
            "Cannot assign a role equal to or higher than your own"
    r = call(server, hr, "PATCH", f"/users/{other_hr.user_id}", {"role": "employee"})
    assert r.status_code == 403
    # and HR cannot deactivate a peer or an admin (users.deactivate is theirs, the rank is not)
    r = call(server, hr, "DELETE", f"/users/{other_hr.user_id}")
    assert r.status_code == 403
    r = call(server, hr, "DELETE", f"/users/{emp.user_id}")
    assert r.status_code == 200 and r.json()["status"] == "inactive"


def test_suspend_ends_sessions_at_once_and_activate_restores(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    admin = make_member(conn, ws, "admin")
    emp = make_member(conn, ws, "employee")
    assert get(server, emp, "/users/directory").status_code == 200
    r = requests.post(server.url + f"/api/v1/users/{emp.user_id}/suspend",
                      params={"reason": "Security review"}, headers=admin.auth(server), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    assert get(server, emp, "/users/directory").status_code == 401
    with conn.cursor() as cur:
        cur.execute("SELECT revoked_reason FROM auth_sessions WHERE user_id = %s", (emp.user_id,))
        assert [row[0] for row in cur.fetchall()] == ["suspended"]
    (_, old, new), = audit_rows(conn, ws, "USER_SUSPENDED", emp.user_id)
    assert old == {"status": "active"} and new == {"status": "suspended",
                                                   "reason": "Security review"}
    r = call(server, admin, "POST", f"/users/{emp.user_id}/suspend")
    assert r.status_code == 400 and r.json()["error"]["message"] == "User is already suspended"
    r = call(server, admin, "POST", f"/users/{emp.user_id}/activate")
    assert r.status_code == 200 and r.json()["status"] == "active"
    # a fresh sign-in works again; the revoked session stays revoked
    fresh = make_member(conn, ws, "employee")
    with conn.cursor() as cur:
        cur.execute("INSERT INTO auth_sessions (user_id, workspace_id, expires_at) VALUES"
                    " (%s, %s, now() + interval '1 hour') RETURNING id", (emp.user_id, ws))
        emp.session_id = str(cur.fetchone()[0])
    assert get(server, emp, "/users/directory").status_code == 200
    assert get(server, fresh, f"/users/{emp.user_id}").status_code == 404


def test_deactivation_via_patch_revokes_and_needs_the_permission(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    make_member(conn, ws, "admin")
    hr = make_member(conn, ws, "hr_operations")
    emp = make_member(conn, ws, "employee")
    r = call(server, hr, "PATCH", f"/users/{emp.user_id}", {"status": "suspended"})
    assert r.status_code == 403  # HR holds users.deactivate, not users.suspend
    r = call(server, hr, "PATCH", f"/users/{emp.user_id}", {"status": "inactive"})
    assert r.status_code == 200, r.text
    assert get(server, emp, "/users/directory").status_code == 401
    (_, old, new), = audit_rows(conn, ws, "USER_UPDATED", emp.user_id)
    assert old == {"status": "active"} and new == {"status": "inactive"}


def test_lifecycle_routes_need_their_permissions(server, org):
    m = org["m"]
    target = m["loner"].user_id
    for who in ("boss", "lead", "emp"):
        for method, path in (("DELETE", f"/users/{target}"),
                             ("POST", f"/users/{target}/suspend"),
                             ("POST", f"/users/{target}/activate")):
            r = call(server, m[who], method, path)
            assert r.status_code == 403, (who, method, path)
    assert call(server, m["hr"], "POST", f"/users/{target}/suspend").status_code == 403
