"""Alerts (spec 08 §1.3 and its product decisions): scoped like members, filtered and paged;
resolve and dismiss with a note by anyone whose scope covers the recipient."""
import uuid

import pytest
import requests

from factories import make_member, make_workspace


def call(server, who, method, path, body=None, **params):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, params=params, timeout=10)


def add_alert(conn, ws, recipient, type_="missing_checkout", severity="medium", status="open"):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,"
                    " related_entity_type, related_entity_id, title, message, status) VALUES"
                    " (%s, %s, %s, %s, 'user', %s, 'Check this', 'Details', %s) RETURNING id",
                    (ws, type_, severity, recipient.user_id, recipient.user_id, status))
        return str(cur.fetchone()[0])


@pytest.fixture()
def team(server, pg):
    conn = pg(server.database_url)
    ws = make_workspace(conn)
    t = {"conn": conn, "ws": ws, "admin": make_member(conn, ws, "admin")}
    t["boss"] = make_member(conn, ws, "manager", full_name="Bea Boss")
    t["emp"] = make_member(conn, ws, "employee", manager=t["boss"].user_id, full_name="Eli Emp")
    t["other"] = make_member(conn, ws, "employee")
    return t


def test_filters_paging_and_labels(server, team):
    conn, ws, emp, admin = team["conn"], team["ws"], team["emp"], team["admin"]
    a1 = add_alert(conn, ws, emp, "missing_checkout", "medium")
    a2 = add_alert(conn, ws, emp, "overdue_task", "high")
    a3 = add_alert(conn, ws, team["other"], "overdue_task", "low", status="resolved")
    r = call(server, admin, "GET", "/alerts")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 3 and [a["id"] for a in body["items"]] == [a3, a2, a1]
    item = body["items"][1]
    assert item["recipient_name"] == "Eli Emp" and item["related_entity_label"] == "Eli Emp"
    assert {a["id"] for a in call(server, admin, "GET", "/alerts", status="open")
            .json()["items"]} == {a1, a2}
    assert [a["id"] for a in call(server, admin, "GET", "/alerts", severity="high")
            .json()["items"]] == [a2]
    assert [a["id"] for a in call(server, admin, "GET", "/alerts", type="overdue_task",
                                  user_id=emp.user_id).json()["items"]] == [a2]
    page = call(server, admin, "GET", "/alerts", limit=1, offset=2).json()
    assert page["total"] == 3 and [a["id"] for a in page["items"]] == [a1]
    for bad in ({"status": "closed"}, {"severity": "urgent"}, {"type": "x"}, {"scope": "all"},
                {"limit": "0"}, {"user_id": "bob"}):
        assert call(server, admin, "GET", "/alerts", **bad).status_code == 422, bad


def test_resolve_and_dismiss_with_notes(server, team):
    conn, ws, emp, boss = team["conn"], team["ws"], team["emp"], team["boss"]
    a1 = add_alert(conn, ws, emp, "overdue_task")
    a2 = add_alert(conn, ws, emp, "blocked_task")
    r = call(server, boss, "PATCH", f"/alerts/{a1}/resolve", {"note": "  Talked to Eli  "})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "resolved" and body["resolution_note"] == "Talked to Eli"
    assert body["resolved_by"] == boss.user_id and body["resolved_by_name"] == "Bea Boss"
    assert body["resolved_at"].endswith("Z")
    r = call(server, boss, "PATCH", f"/alerts/{a1}/dismiss")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "This alert is already resolved."
    r = call(server, emp, "PATCH", f"/alerts/{a2}/dismiss")
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert r.json()["email_status"] == "dismissed" and r.json()["resolution_note"] is None
    with conn.cursor() as cur:
        cur.execute("SELECT action_type, new_value FROM audit_logs WHERE workspace_id = %s"
                    " AND entity_type = 'alert' ORDER BY seq", (ws,))
        assert cur.fetchall() == [("alert.resolved", {"status": "resolved",
                                                      "note": "Talked to Eli"}),
                                  ("alert.dismissed", {"status": "dismissed"})]
    r = call(server, emp, "PATCH", f"/alerts/{a2}/resolve", {"note": "x" * 2001})
    assert r.status_code == 422


def test_alerts_outside_the_scope_do_not_exist(server, team, pg):
    conn, ws = team["conn"], team["ws"]
    theirs = add_alert(conn, ws, team["other"])
    for who in ("boss", "emp"):
        r = call(server, team[who], "PATCH", f"/alerts/{theirs}/resolve")
        assert r.status_code == 404, who
    assert call(server, team["admin"], "PATCH", f"/alerts/{uuid.uuid4()}/resolve") \
        .status_code == 404
    other_ws = make_workspace(conn)
    stranger = make_member(conn, other_ws, "admin")
    assert call(server, stranger, "PATCH", f"/alerts/{theirs}/dismiss").status_code == 404
    assert call(server, stranger, "GET", "/alerts").json()["total"] == 0
    assert call(server, team["admin"], "PATCH", f"/alerts/{theirs}/resolve").status_code == 200
