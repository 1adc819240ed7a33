"""One scope for members, attendance and leave (spec 03 §1, migration 0012), and the paging of
the queues that had no cap (GET /leaves/me, /leaves/pending, /attendance/corrections/pending,
/attendance/exceptions, /approvals).

Scope: admin and HR see the workspace, a manager the whole chain below them, a team lead their
direct reports, everyone else themself; outside the scope a member (and their sessions and
requests) answers 404. Each module's org-wide permission widens that module only:
users.view_all members, attendance.view_org attendance, leave.view_org leave.
"""
import datetime
import json

import pytest
import requests

from factories import make_member, make_workspace

MONDAY = datetime.date(2031, 3, 3)  # leave requests (future)
PAST = datetime.date(2024, 6, 17)  # sessions (a Monday)


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


def sql(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def get(server, m, path, **params):
    return requests.get(server.url + "/api/v1" + path, headers=m.auth(server), params=params,
                        timeout=30)


def session_of(db, m, day):
    """A closed office session of member m on `day` (09:00-17:00 UTC) through the SQL request
    functions; returns its id."""
    start = f"{day}T09:00:00Z"
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_check_in(%s::uuid,"
                          " %s::uuid, 'office', NULL, 4, %s::timestamptz)",
                          m.workspace_id, m.user_id, start)
    assert status == 201, body
    (status, body2), = sql(db, "SELECT status, body FROM wos_attendance_check_out(%s::uuid,"
                           " %s::uuid, NULL, NULL, 'Leaving early', %s::timestamptz)",
                           m.workspace_id, m.user_id, f"{day}T17:00:00Z")
    assert status == 200, body2
    return json.loads(body)["id"]


def leave_of(db, m, start, end=None):
    (status, body), = sql(db, "SELECT status, body FROM wos_leave_create(%s::uuid, %s::uuid,"
                          " %s::date, %s::date, 'casual', false, NULL, 'Scope test', NULL, NULL)",
                          m.workspace_id, m.user_id, start, end or start)
    assert status == 201, body
    return json.loads(body)["id"]


def grant(db, m, key):
    sql(db, "INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id,"
            " granted) SELECT %s, %s, id, true FROM permissions WHERE code = %s",
        m.workspace_id, m.user_id, key)


@pytest.fixture(scope="module")
def org(pg, db):
    """admin, hr; boss (manager) > lead (team lead) > e1; boss > e2; other (manager) > e3;
    each member with one session and one leave request."""
    ws = make_workspace(db)
    o = {"ws": ws}
    o["admin"] = make_member(db, ws, "admin")
    o["hr"] = make_member(db, ws, "hr_operations")
    o["boss"] = make_member(db, ws, "manager")
    o["other"] = make_member(db, ws, "manager")
    o["lead"] = make_member(db, ws, "team_lead", manager=o["boss"].user_id)
    o["e1"] = make_member(db, ws, "employee", manager=o["lead"].user_id)
    o["e2"] = make_member(db, ws, "intern", manager=o["boss"].user_id)
    o["e3"] = make_member(db, ws, "employee", manager=o["other"].user_id)
    o["grant_users"] = make_member(db, ws, "employee", manager=o["other"].user_id)
    o["grant_att"] = make_member(db, ws, "employee", manager=o["other"].user_id)
    o["grant_leave"] = make_member(db, ws, "employee", manager=o["other"].user_id)
    names = [k for k in o if k != "ws"]
    o["session"] = {}
    for i, k in enumerate(names):
        o["session"][k] = session_of(db, o[k], (PAST + datetime.timedelta(days=i)).isoformat())
        leave_of(db, o[k], (MONDAY + datetime.timedelta(days=30 + i)).isoformat())
    grant(db, o["grant_users"], "users.view_all")
    grant(db, o["grant_att"], "attendance.view_org")
    grant(db, o["grant_leave"], "leave.view_org")
    o["names"] = names
    return o


ALL = "all"
EXPECTED = {
    "admin": ALL,
    "hr": ALL,
    "boss": {"boss", "lead", "e1", "e2"},
    "other": {"other", "e3", "grant_users", "grant_att", "grant_leave"},
    "lead": {"lead", "e1"},
    "e1": {"e1"},
    "e2": {"e2"},
    "e3": {"e3"},
}


def visible(o, actor, module):
    """What `actor` sees in `module` ('members', 'attendance', 'leave') through single-object
    routes: 200 in scope, 404 outside."""
    seen = set()
    for k in o["names"]:
        target = o[k]
        if module == "members":
            r = get(o["server"], o[actor], f"/users/{target.user_id}")
        elif module == "attendance":
            r = get(o["server"], o[actor], f"/attendance/sessions/{o['session'][k]}")
        else:
            r = get(o["server"], o[actor], "/leaves", user_id=target.user_id)
        assert r.status_code in (200, 404), (actor, module, k, r.status_code, r.text)
        if r.status_code == 200:
            seen.add(k)
    return seen


@pytest.mark.parametrize("actor", sorted(EXPECTED))
def test_members_attendance_and_leave_share_one_scope(server, org, actor):
    org["server"] = server
    want = set(org["names"]) if EXPECTED[actor] == ALL else EXPECTED[actor]
    got = {m: visible(org, actor, m) for m in ("members", "attendance", "leave")}
    assert got == {"members": want, "attendance": want, "leave": want}
    # the lists agree with the single-object checks
    ids = {org[k].user_id: k for k in org["names"]}
    listed = {ids[x["id"]] for x in get(server, org[actor], "/users", limit=200).json()["items"]}
    assert listed == want
    leaves = get(server, org[actor], "/leaves", limit=200).json()["items"]
    assert {ids[x["user_id"]] for x in leaves} == want


def test_org_permission_widens_its_own_module_only(server, org):
    """users.view_all shows every member but not their attendance or leave; attendance.view_org
    (which attendance used to ignore) and leave.view_org widen attendance and leave alone."""
    org["server"] = server
    everyone = set(org["names"])
    assert visible(org, "grant_users", "members") == everyone
    assert visible(org, "grant_users", "attendance") == {"grant_users"}
    assert visible(org, "grant_users", "leave") == {"grant_users"}
    assert visible(org, "grant_att", "members") == {"grant_att"}
    assert visible(org, "grant_att", "attendance") == everyone
    assert visible(org, "grant_att", "leave") == {"grant_att"}
    assert visible(org, "grant_leave", "members") == {"grant_leave"}
    assert visible(org, "grant_leave", "attendance") == {"grant_leave"}
    assert visible(org, "grant_leave", "leave") == everyone


def test_scope_survives_a_reporting_cycle(server, pg, db):
    """A cycle in manager_id (which the API refuses, but a database might hold) neither loops
    nor widens the scope."""
    ws = make_workspace(db)
    a = make_member(db, ws, "manager")
    b = make_member(db, ws, "manager", manager=a.user_id)
    c = make_member(db, ws, "employee")
    sql(db, "UPDATE memberships SET manager_id = %s WHERE workspace_id = %s AND user_id = %s",
        b.user_id, ws, a.user_id)
    assert get(server, a, f"/users/{b.user_id}").status_code == 200
    assert get(server, b, f"/users/{a.user_id}").status_code == 200
    assert get(server, a, f"/users/{c.user_id}").status_code == 404
    listed = {x["id"] for x in get(server, a, "/users").json()["items"]}
    assert listed == {a.user_id, b.user_id}


# ---- paging -------------------------------------------------------------------------------


def page_ok(r, total, limit, offset, n):
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["limit"], body["offset"]) == (total, limit, offset)
    items = body["items"] if "items" in body else body["exceptions"]
    assert len(items) == n
    return items


@pytest.fixture(scope="module")
def queues(pg, db, server):
    ws = make_workspace(db)
    q = {"ws": ws}
    q["admin"] = make_member(db, ws, "admin")
    q["boss"] = make_member(db, ws, "manager")
    q["emp"] = make_member(db, ws, "employee", manager=q["boss"].user_id)
    q["leaves"] = [leave_of(db, q["emp"], (MONDAY + datetime.timedelta(days=7 * i)).isoformat())
                   for i in range(3)]
    q["sessions"] = []
    for i in range(3):
        sid = session_of(db, q["emp"], (PAST - datetime.timedelta(days=7 * (i + 1))).isoformat())
        r = requests.patch(server.url + f"/api/v1/attendance/{sid}/correction-request",
                           headers=q["emp"].auth(server),
                           json={"requested_check_in_at":
                                 (PAST - datetime.timedelta(days=7 * (i + 1))).isoformat()
                                 + "T08:30:00Z", "reason": "Badge reader was down"},
                           timeout=30)
        assert r.status_code == 200, r.text
        q["sessions"].append(sid)
    return q


def test_leaves_me_is_paged(server, queues):
    emp = queues["emp"]
    first = page_ok(get(server, emp, "/leaves/me", limit=2), 3, 2, 0, 2)
    rest = page_ok(get(server, emp, "/leaves/me", limit=2, offset=2), 3, 2, 2, 1)
    assert [x["id"] for x in first + rest] == list(reversed(queues["leaves"]))  # newest first
    page_ok(get(server, emp, "/leaves/me", offset=10), 3, 50, 10, 0)
    assert all("balance" in x for x in first + rest)


def test_leaves_pending_is_paged(server, queues):
    boss = queues["boss"]
    items = page_ok(get(server, boss, "/leaves/pending", limit=1, offset=1), 3, 1, 1, 1)
    assert items[0]["id"] == queues["leaves"][1]
    assert items[0]["available_actions"] == ["approve", "reject", "clarify", "escalate"]
    page_ok(get(server, queues["admin"], "/leaves/pending"), 3, 50, 0, 3)


def test_corrections_pending_is_paged(server, queues):
    boss = queues["boss"]
    all_items = page_ok(get(server, boss, "/attendance/corrections/pending"), 3, 50, 0, 3)
    two = page_ok(get(server, boss, "/attendance/corrections/pending", limit=2, offset=1),
                  3, 2, 1, 2)
    assert [x["id"] for x in two] == [x["id"] for x in all_items[1:]]
    assert all(x["correction"]["status"] == "pending" for x in all_items)


def test_approvals_and_exceptions_are_paged(server, queues):
    boss = queues["boss"]
    full = get(server, boss, "/approvals", type="all", status="all").json()
    n = full["summary"]["total"]
    assert n == 6 and full["total"] == n and (full["limit"], full["offset"]) == (100, 0)
    page = get(server, boss, "/approvals", type="all", status="all", limit=2, offset=3).json()
    assert [x["id"] for x in page["items"]] == [x["id"] for x in full["items"][3:5]]
    assert page["summary"] == full["summary"] and page["counts"] == full["counts"]
    start = (PAST - datetime.timedelta(days=21)).isoformat()
    end = (PAST - datetime.timedelta(days=1)).isoformat()
    whole = get(server, boss, "/attendance/exceptions", start_date=start, end_date=end,
                status="all").json()
    total = len(whole["exceptions"])
    assert total >= 3 and whole["total"] == total
    one = page_ok(get(server, boss, "/attendance/exceptions", start_date=start, end_date=end,
                      status="all", limit=1, offset=1), total, 1, 1, 1)
    assert one == whole["exceptions"][1:2]
    # the summary still counts every matching exception
    assert get(server, boss, "/attendance/exceptions", start_date=start, end_date=end,
               status="all", limit=1).json()["summary"] == whole["summary"]


@pytest.mark.parametrize("path", ["/leaves/me", "/leaves/pending",
                                  "/attendance/corrections/pending", "/attendance/exceptions",
                                  "/approvals"])
@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1},
                                    {"limit": "x"}])
def test_paging_bounds_are_422(server, queues, path, params):
    r = get(server, queues["boss"], path, **params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
