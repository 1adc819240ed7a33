"""Organisation of a workspace (spec 03 §4-§7): departments, shifts, holidays and the typed
application settings; refusals to delete what members still use; audit rows of each change."""
import datetime
import uuid

import pytest
import requests

from factories import make_department, make_member, make_shift, make_workspace


@pytest.fixture()
def ws(server, pg):
    conn = pg(server.database_url)
    w = make_workspace(conn, timezone="Asia/Karachi")
    return {"id": w, "conn": conn,
            "admin": make_member(conn, w, "admin"),
            "hr": make_member(conn, w, "hr_operations"),
            "manager": make_member(conn, w, "manager"),
            "emp": make_member(conn, w, "employee")}


def call(server, who, method, path, body=None, **params):
    return requests.request(method, server.url + "/api/v1" + path, headers=who.auth(server),
                            json=body, params=params, timeout=10)


def audit_actions(conn, ws, entity_id):
    with conn.cursor() as cur:
        cur.execute("SELECT action_type FROM audit_logs WHERE workspace_id = %s AND entity_id = %s"
                    " ORDER BY seq", (ws, entity_id))
        return [r[0] for r in cur.fetchall()]


def field_of(r):
    return r.json()["error"]["details"][0]["field"]


def items(r):
    """The rows of a paged list answer ({items, total, limit, offset})."""
    assert r.status_code == 200, r.text
    page = r.json()
    assert set(page) == {"items", "total", "limit", "offset"}
    return page["items"]


# ------------------------------------------------------------------ departments

def test_department_lifecycle(server, ws):
    admin, emp = ws["admin"], ws["emp"]
    r = call(server, admin, "POST", "/departments",
             {"name": " Engineering ", "description": "Builders", "head_id": ws["manager"].user_id})
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["name"] == "Engineering" and d["head_name"] == ws["manager"].full_name
    assert d["is_active"] is True and d["member_count"] == 0
    assert call(server, emp, "GET", f"/departments/{d['id']}").json()["name"] == "Engineering"
    names = [x["name"] for x in items(call(server, emp, "GET", "/departments"))]
    assert names == ["Engineering"]
    r = call(server, admin, "POST", "/departments", {"name": "engineering"})
    assert r.status_code == 409
    r = call(server, admin, "PATCH", f"/departments/{d['id']}",
             {"name": "Platform", "head_id": None})
    assert r.status_code == 200 and r.json()["head_id"] is None
    assert r.json()["name"] == "Platform"
    assert call(server, admin, "DELETE", f"/departments/{d['id']}").json() == {"success": True}
    assert items(call(server, emp, "GET", "/departments/active")) == []
    assert items(call(server, emp, "GET", "/departments", only_active="true")) == []
    assert audit_actions(ws["conn"], ws["id"], d["id"]) == [
        "department.created", "department.updated", "department.deactivated"]


def test_department_head_must_be_an_active_manager_type(server, ws):
    admin = ws["admin"]
    r = call(server, admin, "POST", "/departments", {"name": "Ops", "head_id": ws["emp"].user_id})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == \
        "Department head must be Admin, HR, Manager, or Team Lead."
    r = call(server, admin, "POST", "/departments", {"name": "Ops", "head_id": str(uuid.uuid4())})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Selected department head is not eligible."
    r = call(server, admin, "POST", "/departments", {"name": "Ops", "admin_id": ws["hr"].user_id})
    assert r.status_code == 201 and r.json()["head_id"] == ws["hr"].user_id


def test_department_in_use_cannot_be_deleted_and_rename_follows_members(server, ws):
    admin = ws["admin"]
    d = call(server, admin, "POST", "/departments", {"name": "Sales"}).json()
    for who in ("emp", "manager"):
        r = call(server, admin, "PATCH", f"/users/{ws[who].user_id}", {"department_id": d["id"]})
        assert r.status_code == 200, r.text
    r = call(server, admin, "DELETE", f"/departments/{d['id']}")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == \
        "This department has 2 assigned members. Reassign them before deactivating."
    call(server, admin, "PATCH", f"/departments/{d['id']}", {"name": "Revenue"})
    members = items(call(server, ws["emp"], "GET", f"/departments/{d['id']}/employees"))
    assert {m["id"] for m in members} == {ws["emp"].user_id, ws["manager"].user_id}
    assert all(m["department_name"] == "Revenue" and "email" not in m for m in members)
    assert call(server, admin, "GET", f"/users/{ws['emp'].user_id}").json()["department"] == \
        "Revenue"
    call(server, admin, "PATCH", f"/users/{ws['manager'].user_id}", {"department_id": None})
    r = call(server, admin, "DELETE", f"/departments/{d['id']}")
    assert r.status_code == 409 and "has 1 assigned member." in r.json()["error"]["message"]


def test_department_reads_404_and_validation(server, ws):
    emp, admin = ws["emp"], ws["admin"]
    assert call(server, emp, "GET", f"/departments/{uuid.uuid4()}").status_code == 404
    assert call(server, emp, "GET", f"/departments/{uuid.uuid4()}/employees").status_code == 404
    assert call(server, admin, "PATCH", f"/departments/{uuid.uuid4()}", {"name": "x"}) \
        .status_code == 404
    r = call(server, admin, "POST", "/departments", {"name": "x" * 101})
    assert r.status_code == 422 and field_of(r) == "name"


# ------------------------------------------------------------------ shifts

def test_shift_lifecycle_with_overnight_hours(server, ws):
    hr, emp = ws["hr"], ws["emp"]
    r = call(server, hr, "POST", "/shifts",
             {"name": "Night", "start_time": "22:00", "end_time": "06:00",
              "grace_period_minutes": 10, "working_days": "5,1,2", "timezone": "Europe/London"})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["crosses_midnight"] is True and s["working_days"] == "1,2,5"
    assert s["working_days_list"] == [1, 2, 5] and s["timing"] == "10:00 PM - 06:00 AM"
    assert s["timezone"] == "Europe/London"
    day = call(server, hr, "POST", "/shifts", {"name": "Day", "start_time": "09:00",
                                                "end_time": "17:30"}).json()
    assert day["timezone"] == "Asia/Karachi" and day["grace_period_minutes"] == 15
    assert day["working_days"] == "1,2,3,4,5" and day["crosses_midnight"] is False
    r = call(server, hr, "PATCH", f"/shifts/{s['id']}", {"end_time": "07:15:00",
                                                          "is_active": False})
    assert r.status_code == 200 and r.json()["end_time"] == "07:15"
    assert [x["name"] for x in items(call(server, emp, "GET", "/shifts"))] == ["Day", "Night"]
    assert [x["name"] for x in items(call(server, emp, "GET", "/shifts",
                                          only_active="true"))] == ["Day"]
    assert call(server, emp, "GET", f"/shifts/{day['id']}").json()["id"] == day["id"]
    assert audit_actions(ws["conn"], ws["id"], s["id"]) == ["shift.created", "shift.updated"]


@pytest.mark.parametrize("body,field", [
    ({"name": "X", "start_time": "9:00", "end_time": "17:00"}, "start_time"),
    ({"name": "X", "start_time": "09:00", "end_time": "24:00"}, "end_time"),
    ({"name": "X", "start_time": "09:00", "end_time": "17:00", "timezone": "Mars/Base"}, "timezone"),
    ({"name": "X", "start_time": "09:00", "end_time": "17:00", "grace_period_minutes": 241},
     "grace_period_minutes"),
    ({"name": "X", "start_time": "09:00", "end_time": "17:00", "working_days": "1,8"},
     "working_days"),
    ({"name": "X", "start_time": "09:00", "end_time": "17:00", "working_days": "1,1"},
     "working_days"),
    ({"name": "X", "start_time": "09:00", "end_time": "17:00", "working_days": "1,"},
     "working_days"),
    ({"name": "X", "start_time": "09:00", "end_time": "09:00"}, "end_time"),
    ({"start_time": "09:00", "end_time": "17:00"}, "name"),
])
def test_shift_validation(server, ws, body, field):
    r = call(server, ws["admin"], "POST", "/shifts", body)
    assert r.status_code == 422, r.text
    assert field_of(r) == field


def test_shift_in_use_cannot_be_deleted_and_assignment(server, ws):
    admin, emp, manager = ws["admin"], ws["emp"], ws["manager"]
    shift = make_shift(ws["conn"], ws["id"], "Morning")
    r = call(server, admin, "POST", f"/shifts/assign/{emp.user_id}", shift_id=shift)
    assert r.status_code == 200 and "Morning" in r.json()["message"]
    call(server, admin, "POST", f"/shifts/assign/{manager.user_id}", shift_id=shift)
    assert {m["id"] for m in items(call(server, emp, "GET", f"/shifts/{shift}/employees"))} == \
        {emp.user_id, manager.user_id}
    r = call(server, admin, "DELETE", f"/shifts/{shift}")
    assert r.status_code == 409
    assert r.json()["error"]["message"] == \
        "This shift has 2 assigned members. Reassign them before deactivating."
    for who in (emp, manager):
        assert call(server, admin, "POST", f"/shifts/assign/{who.user_id}").status_code == 200
    assert call(server, admin, "GET", f"/users/{emp.user_id}").json()["shift_id"] is None
    assert call(server, admin, "DELETE", f"/shifts/{shift}").json() == {"success": True}
    assert call(server, admin, "POST", f"/shifts/assign/{emp.user_id}",
                shift_id=str(uuid.uuid4())).status_code == 404
    assert call(server, admin, "POST", f"/shifts/assign/{uuid.uuid4()}",
                shift_id=shift).status_code == 404


# ------------------------------------------------------------------ holidays

def test_holiday_calendar(server, ws):
    admin, emp = ws["admin"], ws["emp"]
    today = datetime.date.today()
    future = today + datetime.timedelta(days=40)
    past = today - datetime.timedelta(days=40)
    r = call(server, admin, "POST", "/holidays", {"name": "Founders Day",
                                                  "holiday_date": future.isoformat()})
    assert r.status_code == 201, r.text
    h = r.json()
    call(server, admin, "POST", "/holidays", {"name": "Old", "holiday_date": past.isoformat()})
    r = call(server, admin, "POST", "/holidays", {"name": "Dup", "holiday_date": future.isoformat()})
    assert r.status_code == 409
    up = call(server, emp, "GET", "/holidays/upcoming").json()
    assert [x["name"] for x in up] == ["Founders Day"]
    up = call(server, emp, "GET", "/holidays/upcoming", from_date=past.isoformat(), limit=1).json()
    assert [x["name"] for x in up] == ["Old"]
    assert call(server, emp, "GET", "/holidays/upcoming", limit=51).status_code == 422
    assert call(server, emp, "GET", "/holidays/upcoming", from_date="2024-02-30").status_code == 422
    r = call(server, admin, "PATCH", f"/holidays/{h['id']}", {"name": "Founders' Day"})
    assert r.status_code == 200 and r.json()["name"] == "Founders' Day"
    assert call(server, admin, "DELETE", f"/holidays/{h['id']}").json() == {"success": True}
    assert [x["name"] for x in items(call(server, emp, "GET", "/holidays/active"))] == ["Old"]
    assert len(items(call(server, emp, "GET", "/holidays"))) == 2
    assert call(server, admin, "DELETE", f"/holidays/{uuid.uuid4()}").status_code == 404
    assert audit_actions(ws["conn"], ws["id"], h["id"]) == [
        "holiday.created", "holiday.updated", "holiday.deactivated"]


# ------------------------------------------------------------------ settings

def settings_by_key(server, who):
    r = call(server, who, "GET", "/settings")
    assert r.status_code == 200
    return {s["key"]: s for s in r.json()}


def test_settings_are_typed_and_listed_with_the_timezone(server, ws):
    s = settings_by_key(server, ws["emp"])
    assert s["workspace.timezone"]["value"] == "Asia/Karachi"
    assert s["attendance.max_active_hours"]["value"] == 16
    assert s["attendance.max_active_hours"]["data_type"] == "integer"
    assert s["leave.allow_negative.sick"]["value"] is False
    assert s["leave.entitlement_days.annual"]["value"] is None
    assert all({"description", "category", "is_mutable"} <= set(v) for v in s.values())


@pytest.mark.parametrize("key,value,ok", [
    ("attendance.max_active_hours", 12, True),
    ("attendance.max_active_hours", "12", False),
    ("attendance.max_active_hours", 12.5, False),
    ("attendance.max_active_hours", 0, False),
    ("attendance.max_active_hours", None, False),
    ("attendance.max_active_hours", True, False),
    ("leave.allow_negative.sick", True, True),
    ("leave.allow_negative.sick", "true", False),
    ("leave.allow_negative.sick", 1, False),
    ("leave.entitlement_days.annual", 20, True),
    ("leave.entitlement_days.annual", None, True),
    ("leave.entitlement_days.annual", 400, False),
    ("workspace.timezone", "Europe/Berlin", True),
    ("workspace.timezone", "Nowhere/City", False),
    ("workspace.timezone", 5, False),
])
def test_setting_values_must_match_their_type(server, ws, key, value, ok):
    r = call(server, ws["admin"], "PATCH", f"/settings/{key}", {"value": value})
    if ok:
        assert r.status_code == 200, r.text
        assert r.json()["value"] == value
        assert settings_by_key(server, ws["emp"])[key]["value"] == value
    else:
        assert r.status_code == 422, r.text
        assert field_of(r) == "value"


def test_setting_updates_are_audited_and_guarded(server, ws):
    admin, conn = ws["admin"], ws["conn"]
    r = call(server, admin, "PATCH", "/settings/alerts.missing_checkout_after_hours", {"value": 8})
    assert r.status_code == 200
    with conn.cursor() as cur:
        cur.execute("SELECT entity_label, old_value, new_value FROM audit_logs"
                    " WHERE workspace_id = %s AND action_type = 'setting.updated'", (ws["id"],))
        assert cur.fetchall() == [("alerts.missing_checkout_after_hours", {"value": 10},
                                   {"value": 8})]
        cur.execute("UPDATE application_settings SET is_mutable = false"
                    " WHERE workspace_id = %s AND key = 'leave.escalation_hours'", (ws["id"],))
    r = call(server, admin, "PATCH", "/settings/leave.escalation_hours", {"value": 24})
    assert r.status_code == 403
    assert call(server, admin, "PATCH", "/settings/no.such.key", {"value": 1}).status_code == 404
    assert call(server, ws["hr"], "PATCH", "/settings/leave.escalation_hours",
                {"value": 1}).status_code == 403
    for body in ({}, {"value": 1, "other": 2}, [1]):
        r = call(server, admin, "PATCH", "/settings/attendance.max_active_hours", body)
        assert r.status_code == 422, body
    # the three attendance thresholds stay ordered
    r = call(server, admin, "PATCH", "/settings/attendance.half_day_below_minutes", {"value": 30})
    assert r.status_code == 422
    r = call(server, admin, "PATCH", "/settings/attendance.half_day_below_minutes", {"value": 200})
    assert r.status_code == 200


def test_timezone_setting_changes_today_for_holidays(server, ws):
    admin = ws["admin"]
    assert call(server, admin, "PATCH", "/settings/workspace.timezone",
                {"value": "Pacific/Kiritimati"}).status_code == 200
    with ws["conn"].cursor() as cur:
        cur.execute("SELECT timezone FROM workspaces WHERE id = %s", (ws["id"],))
        assert cur.fetchone()[0] == "Pacific/Kiritimati"
        cur.execute("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date")
        today = cur.fetchone()[0]
    call(server, admin, "POST", "/holidays", {"name": "Today", "holiday_date": today.isoformat()})
    up = call(server, admin, "GET", "/holidays/upcoming").json()
    assert [x["name"] for x in up] == ["Today"]
