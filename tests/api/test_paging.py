"""Every list outside attendance, leave, approvals and members pages the way GET /users does:
?limit (1..max, default) and ?offset, answered {items, total, limit, offset}; a limit out of range
is 422 naming it (never clamped), an offset past the end is an empty page with the true total,
and the pages put together are the whole list in its order, each row once."""
import datetime
import uuid

import pytest
import requests

from factories import make_department, make_member, make_shift, make_workspace

MAX = 200
DEFAULT = 50


def call(server, who, path, **params):
    return requests.get(server.url + "/api/v1" + path, headers=who.auth(server), params=params,
                        timeout=10)


def page(server, who, path, **params):
    r = call(server, who, path, **params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"items", "total", "limit", "offset"}, body
    return body


def assert_refused(server, who, path, name, value):
    r = call(server, who, path, **{name: value})
    assert r.status_code == 422, (name, value, r.text)
    err = r.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in err["details"]] == [name]


def check_paging(server, who, path, expected_ids, max_limit=MAX, default=DEFAULT, **filters):
    """The whole paging contract of one list whose rows (in order) are expected_ids."""
    n = len(expected_ids)
    assert n >= 3, "a list needs at least three rows to show its pages"
    first = page(server, who, path, **filters)
    assert (first["total"], first["limit"], first["offset"]) == (n, default, 0)
    assert [x["id"] for x in first["items"]] == expected_ids[:default]
    # Pages of two, put together: every row once, in the list's order.
    seen = []
    for offset in range(0, n, 2):
        p = page(server, who, path, limit=2, offset=offset, **filters)
        assert (p["total"], p["limit"], p["offset"]) == (n, 2, offset)
        assert len(p["items"]) == min(2, n - offset)
        seen += [x["id"] for x in p["items"]]
    assert seen == expected_ids
    # The end, and past it.
    last = page(server, who, path, limit=1, offset=n - 1, **filters)
    assert [x["id"] for x in last["items"]] == expected_ids[-1:]
    for offset in (n, n + 1000):
        past = page(server, who, path, offset=offset, **filters)
        assert past["items"] == [] and past["total"] == n and past["offset"] == offset
    # The maximum is accepted, one more is refused, as is anything that is not a small integer.
    top = page(server, who, path, limit=max_limit, **filters)
    assert top["limit"] == max_limit and len(top["items"]) == min(n, max_limit)
    for bad in (max_limit + 1, 0, -1, "ten", "1.5", "99999999999999999999"):
        assert_refused(server, who, path, "limit", bad)
    for bad in (-1, "x", "1000000001"):
        assert_refused(server, who, path, "offset", bad)


@pytest.fixture()
def org(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    return {"conn": conn, "ws": ws,
            "admin": make_member(conn, ws, "admin"),
            "emp": make_member(conn, ws, "employee", full_name="Aaron First")}


def sql(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return [str(r[0]) for r in cur.fetchall()] if cur.description else None


# ------------------------------------------------------------------ organisation

def test_departments(server, org):
    conn, ws = org["conn"], org["ws"]
    ids = [make_department(conn, ws, name) for name in ("delta", "Alpha", "charlie", "Bravo")]
    sql(conn, "UPDATE departments SET is_active = false WHERE id = %s", ids[2])
    by_name = [ids[1], ids[3], ids[2], ids[0]]  # case-insensitive name order
    check_paging(server, org["emp"], "/departments", by_name)
    active = [ids[1], ids[3], ids[0]]
    check_paging(server, org["emp"], "/departments/active", active)
    check_paging(server, org["emp"], "/departments", active, only_active="true")


def test_department_and_shift_members(server, org):
    conn, ws = org["conn"], org["ws"]
    dept = make_department(conn, ws, "Floor")
    shift = make_shift(conn, ws, "Early")
    names = ["Dana Four", "bo Two", "Cy Three", "Al One", "eve Five"]
    members = {n: make_member(conn, ws, "employee", full_name=n, department_id=dept,
                              shift_id=shift, with_session=False) for n in names}
    make_member(conn, ws, "employee", full_name="Not In It")  # neither department nor shift
    ordered = [members[n].user_id for n in sorted(names, key=str.lower)]
    check_paging(server, org["emp"], f"/departments/{dept}/employees", ordered)
    check_paging(server, org["emp"], f"/shifts/{shift}/employees", ordered)
    # The members page keeps the fields the list had, without e-mail.
    item = page(server, org["emp"], f"/shifts/{shift}/employees", limit=1)["items"][0]
    assert item["full_name"] == "Al One" and item["shift_name"] == "Early"
    assert item["department_name"] == "Floor" and "email" not in item
    # Unknown ids stay 404, with paging parameters too.
    for path in (f"/departments/{uuid.uuid4()}/employees", f"/shifts/{uuid.uuid4()}/employees"):
        assert call(server, org["emp"], path).status_code == 404
        assert call(server, org["emp"], path, limit=1).status_code == 404


def test_shifts(server, org):
    conn, ws = org["conn"], org["ws"]
    ids = [make_shift(conn, ws, name) for name in ("night", "Day", "evening", "Afternoon")]
    sql(conn, "UPDATE shifts SET is_active = false WHERE id = %s", ids[0])
    check_paging(server, org["emp"], "/shifts", [ids[3], ids[1], ids[2], ids[0]])
    check_paging(server, org["emp"], "/shifts", [ids[3], ids[1], ids[2]], only_active="true")


def test_holidays(server, org):
    conn, ws = org["conn"], org["ws"]
    base = datetime.date(2030, 1, 1)
    ids = sql(conn, "INSERT INTO holidays (workspace_id, name, holiday_date, is_active)"
                    " SELECT %s, 'Day ' || g, %s::date + g * 7, g <> 2"
                    " FROM generate_series(4, 0, -1) g RETURNING id", ws, base)
    by_date = list(reversed(ids))  # inserted latest first
    check_paging(server, org["emp"], "/holidays", by_date)
    check_paging(server, org["emp"], "/holidays/active", [i for k, i in enumerate(by_date)
                                                          if k != 2])
    # /upcoming keeps its own small limit.
    assert call(server, org["emp"], "/holidays/upcoming", limit=51).status_code == 422


# ------------------------------------------------------------------ governance

def test_announcements(server, org):
    conn, ws, admin = org["conn"], org["ws"], org["admin"]
    ids = sql(conn, "INSERT INTO announcements (workspace_id, title, content, content_html,"
                    " audience, status, created_by, created_at, end_date)"
                    " SELECT %s, 'Note ' || g, 'x', '<p>x</p>', 'all',"
                    " CASE WHEN g = 3 THEN 'draft' ELSE 'active' END, %s,"
                    " now() - g * interval '1 hour',"
                    " CASE WHEN g = 4 THEN now() - interval '1 minute' END"
                    " FROM generate_series(0, 5) g ORDER BY g RETURNING id", ws, admin.user_id)
    # Newest first; drafts and expired ones are not "what I can see now".
    check_paging(server, org["emp"], "/announcements", [ids[g] for g in (0, 1, 2, 5)])
    check_paging(server, admin, "/announcements/all", ids)
    assert call(server, org["emp"], "/announcements/all").status_code == 403
    # /visible and /active keep their own small limit.
    assert call(server, org["emp"], "/announcements/visible", limit=51).status_code == 422
    assert call(server, org["emp"], "/announcements/active", limit=51).status_code == 422


def test_alerts(server, org):
    conn, ws, admin = org["conn"], org["ws"], org["admin"]
    emp = org["emp"].user_id
    ids = sql(conn, "INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,"
                    " related_entity_type, related_entity_id, title, message, created_at)"
                    " SELECT %s, 'overdue_task', 'low', %s, 'user', %s, 'A' || g, 'm',"
                    " now() - g * interval '1 minute'"
                    " FROM generate_series(0, 4) g ORDER BY g RETURNING id", ws, emp, emp)
    check_paging(server, admin, "/alerts", ids, max_limit=500, default=100)
    check_paging(server, org["emp"], "/alerts", ids, max_limit=500, default=100, scope="mine")


# ------------------------------------------------------------------ auth

def test_auth_sessions(server, org):
    conn, emp = org["conn"], org["emp"]
    sql(conn, "UPDATE auth_sessions SET last_used_at = now() WHERE id = %s", emp.session_id)
    older = sql(conn, "INSERT INTO auth_sessions (user_id, workspace_id, expires_at,"
                      " last_used_at) SELECT %s, %s, now() + interval '1 day',"
                      " now() - g * interval '1 hour' FROM generate_series(1, 4) g ORDER BY g"
                      " RETURNING id", emp.user_id, org["ws"])
    # Ended sessions are not listed, nor counted.
    sql(conn, "INSERT INTO auth_sessions (user_id, workspace_id, expires_at, revoked_at)"
              " VALUES (%s, %s, now() + interval '1 day', now())", emp.user_id, org["ws"])
    sql(conn, "INSERT INTO auth_sessions (user_id, workspace_id, expires_at)"
              " VALUES (%s, %s, now() - interval '1 second')", emp.user_id, org["ws"])
    ordered = [emp.session_id] + older
    check_paging(server, emp, "/auth/sessions", ordered)
    first = page(server, emp, "/auth/sessions", limit=1)["items"][0]
    assert first["current"] is True and first["device"] and first["workspace_name"]


def test_workspaces(server, org):
    conn, emp = org["conn"], org["emp"]
    names = ["zeta works", "Beta Lab", "Gamma"]
    extra = [make_workspace(conn, name) for name in names]
    for ws in extra:
        sql(conn, "INSERT INTO memberships (workspace_id, user_id, role_id)"
                  " SELECT %s, %s, id FROM roles WHERE workspace_id = %s AND name = 'employee'",
            ws, emp.user_id, ws)
    mine = sql(conn, "SELECT w.id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"
                     " WHERE m.user_id = %s ORDER BY w.name, w.id", emp.user_id)
    check_paging(server, emp, "/workspaces", mine)
    current = [w for w in page(server, emp, "/workspaces", limit=MAX)["items"] if w["is_current"]]
    assert [w["id"] for w in current] == [org["ws"]]
