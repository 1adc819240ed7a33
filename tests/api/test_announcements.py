"""Announcements (spec 08 §3 and its product decisions): targeting by role and department, the
draft -> active -> archived lifecycle, the schedule window, server-rendered sanitized Markdown,
and the fan-out (in-app notifications, e-mail jobs) when one becomes active."""
import datetime
import uuid

import pytest
import requests

from factories import make_department, make_member, make_workspace


def call(server, who, method, path, body=None, **params):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, params=params, timeout=10)


def iso(delta_hours):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=delta_hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture()
def office(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    sales = make_department(conn, ws, "Sales")
    tech = make_department(conn, ws, "Tech")
    p = {"conn": conn, "ws": ws, "sales": sales, "tech": tech}
    p["admin"] = make_member(conn, ws, "admin")
    p["hr"] = make_member(conn, ws, "hr_operations")
    p["manager"] = make_member(conn, ws, "manager", department_id=tech)
    p["lead"] = make_member(conn, ws, "team_lead", department_id=sales)
    p["emp_sales"] = make_member(conn, ws, "employee", department_id=sales)
    p["emp_tech"] = make_member(conn, ws, "employee", department_id=tech)
    p["intern"] = make_member(conn, ws, "intern", department_id=sales)
    p["junior"] = make_member(conn, ws, "junior_employee")
    return p


PEOPLE = ["admin", "hr", "manager", "lead", "emp_sales", "emp_tech", "intern", "junior"]


def post(server, office, **fields):
    body = {"title": fields.pop("title", "Notice " + uuid.uuid4().hex[:6]),
            "content": fields.pop("content", "Hello **team**")}
    body.update(fields)
    r = call(server, office["admin"], "POST", "/announcements", body)
    assert r.status_code == 201, r.text
    return r.json()


def seen_by(server, office, ann_id, path="/announcements", **params):
    out = set()
    for name in PEOPLE:
        r = call(server, office[name], "GET", path, **params)
        assert r.status_code == 200
        body = r.json()
        # /active: {announcements, server_time}; /visible: an array; the rest: a page
        items = body["announcements"] if path.endswith("/active") else \
            body if path.endswith("/visible") else body["items"]
        if ann_id in {a["id"] for a in items}:
            out.add(name)
    return out


@pytest.mark.parametrize("audience,department,reached", [
    ("all", None, set(PEOPLE)),
    ("employee", None, {"admin", "hr", "emp_sales", "emp_tech", "intern", "junior"}),
    ("manager", None, {"admin", "hr", "manager"}),
    ("intern", None, {"admin", "hr", "intern"}),
    ("all", "sales", {"admin", "hr", "lead", "emp_sales", "intern"}),
    ("employee", "sales", {"admin", "hr", "emp_sales", "intern"}),
    ("team_lead", "tech", {"admin", "hr"}),
])
def test_targeting_by_role_and_department(server, office, audience, department, reached):
    a = post(server, office, audience=audience,
             target_department_id=office[department] if department else None)
    assert seen_by(server, office, a["id"]) == reached
    assert seen_by(server, office, a["id"], "/announcements/active") == reached


def test_audience_is_normalised_and_checked(server, office):
    a = post(server, office, audience="  Team_Lead ")
    assert a["audience"] == "team_lead"
    r = call(server, office["admin"], "POST", "/announcements",
             {"title": "x", "content": "y", "audience": "everyone"})
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "audience" and "Allowed: admin, all, employee" in detail["message"]
    r = call(server, office["admin"], "POST", "/announcements",
             {"title": "x", "content": "y", "target_department_id": str(uuid.uuid4())})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "target_department_id"
    r = call(server, office["admin"], "POST", "/announcements",
             {"title": "x", "content": "y", "start_date": iso(5), "end_date": iso(1)})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "end_date"
    r = call(server, office["admin"], "POST", "/announcements",
             {"title": "x", "content": "y", "is_active": True})
    assert r.status_code == 422


def test_lifecycle_draft_active_archived(server, office):
    admin, emp = office["admin"], office["emp_sales"]
    draft = post(server, office, status="draft")
    assert draft["status"] == "draft" and draft["is_active"] is False
    assert "emp_sales" not in seen_by(server, office, draft["id"])
    all_ids = [a["id"] for a in
               call(server, office["hr"], "GET", "/announcements/all").json()["items"]]
    assert draft["id"] in all_ids
    r = call(server, admin, "PATCH", f"/announcements/{draft['id']}", {"status": "active"})
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert "emp_sales" in seen_by(server, office, draft["id"])
    r = call(server, admin, "PATCH", f"/announcements/{draft['id']}", {"status": "draft"})
    assert r.status_code == 409
    r = call(server, admin, "PATCH", f"/announcements/{draft['id']}", {"status": "archived"})
    assert r.status_code == 200 and r.json()["status"] == "archived"
    assert seen_by(server, office, draft["id"]) == set()
    r = call(server, admin, "PATCH", f"/announcements/{draft['id']}", {"status": "active"})
    assert r.status_code == 409
    assert call(server, admin, "PATCH", f"/announcements/{uuid.uuid4()}",
                {"title": "x"}).status_code == 404
    with office["conn"].cursor() as cur:
        cur.execute("SELECT action_type, old_value, new_value FROM audit_logs"
                    " WHERE workspace_id = %s AND entity_id = %s ORDER BY seq",
                    (office["ws"], draft["id"]))
        rows = cur.fetchall()
    assert [r[0] for r in rows] == ["announcement.created", "announcement.updated",
                                    "announcement.updated"]
    assert rows[1][1:] == ({"status": "draft"}, {"status": "active"})
    assert call(server, emp, "PATCH", f"/announcements/{draft['id']}",
                {"title": "x"}).status_code == 403


def test_schedule_window_and_expired(server, office):
    emp = office["emp_tech"]
    future = post(server, office, start_date=iso(2))
    past = post(server, office, start_date=iso(-5), end_date=iso(-1))
    now = post(server, office, start_date=iso(-1), end_date=iso(3))
    seen = {a["id"] for a in call(server, emp, "GET", "/announcements").json()["items"]}
    assert now["id"] in seen and future["id"] not in seen and past["id"] not in seen
    assert past["is_expired"] is True and future["is_scheduled"] is True
    visible = call(server, emp, "GET", "/announcements/visible", include_expired="true",
                   limit=50).json()
    assert past["id"] in {a["id"] for a in visible}
    assert future["id"] not in {a["id"] for a in visible}
    ticker = call(server, emp, "GET", "/announcements/active", limit=1).json()
    assert len(ticker["announcements"]) == 1 and ticker["server_time"].endswith("Z")
    assert call(server, emp, "GET", "/announcements/visible", limit=0).status_code == 422


def test_content_is_rendered_and_sanitized(server, office):
    md = ("# Title\n\nSee [the wiki](https://wiki.example/x) and "
          "[this](javascript:alert(document.cookie)).\n\n<script>alert(1)</script>\n\n"
          "<img src=x onerror=alert(1)>\n\n![i](data:image/png;base64,AAAA)")
    a = post(server, office, content=md)
    html = a["content_html"]
    assert "<h1>Title</h1>" in html
    assert '<a href="https://wiki.example/x">the wiki</a>' in html
    assert "javascript:" not in html and "<script" not in html and "data:" not in html
    assert "&lt;script&gt;" in html and "<img src=x" not in html
    assert "onerror=" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert a["content"] == md
    r = call(server, office["admin"], "PATCH", f"/announcements/{a['id']}",
             {"content": "_new_ <b>x</b>"})
    assert r.json()["content_html"] == "<p><em>new</em> &lt;b&gt;x&lt;/b&gt;</p>\n"
    stored = call(server, office["emp_sales"], "GET", "/announcements").json()["items"]
    assert next(x for x in stored if x["id"] == a["id"])["content_html"] == \
        r.json()["content_html"]


def test_activation_notifies_the_audience_once(server, office):
    conn = office["conn"]
    a = post(server, office, audience="employee", target_department_id=office["sales"],
             notify_email=True)

    def notified():
        with conn.cursor() as cur:
            cur.execute("SELECT user_id::text FROM notifications WHERE workspace_id = %s"
                        " AND related_entity_id = %s", (office["ws"], a["id"]))
            return sorted(r[0] for r in cur.fetchall())

    want = sorted([office["emp_sales"].user_id, office["intern"].user_id])
    assert notified() == want
    with conn.cursor() as cur:
        cur.execute("SELECT payload->>'to', payload->>'template' FROM jobs WHERE kind = 'email'"
                    " AND idempotency_key LIKE %s ORDER BY 1", ("announcement:" + a["id"] + ":%",))
        jobs = cur.fetchall()
    assert sorted(j[0] for j in jobs) == sorted([office["emp_sales"].email,
                                                 office["intern"].email])
    assert {j[1] for j in jobs} == {"announcement"}
    call(server, office["admin"], "PATCH", f"/announcements/{a['id']}", {"title": "Changed"})
    assert notified() == want
    draft = post(server, office, status="draft", audience="manager")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM notifications WHERE related_entity_id = %s",
                    (draft["id"],))
        assert cur.fetchone()[0] == 0
    call(server, office["admin"], "PATCH", f"/announcements/{draft['id']}", {"status": "active"})
    with conn.cursor() as cur:
        cur.execute("SELECT user_id::text FROM notifications WHERE related_entity_id = %s",
                    (draft["id"],))
        assert [r[0] for r in cur.fetchall()] == [office["manager"].user_id]
