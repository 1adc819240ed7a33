"""Leave balances over HTTP (spec 05 §11): yearly entitlements from the workspace settings,
business-day arithmetic (weekends, holidays, the member's shift, half days at 0.5, requests
across two years), the 409 when a request would overdraw a limited balance, allow_negative,
cancellations and rejections giving days back, admin/HR adjustments with a reason (audited),
and who may read whose balance.
"""
import datetime

import pytest
import requests

from factories import make_member, make_shift, make_workspace

API = "/api/v1/leaves"
MONDAY = datetime.date(2031, 3, 3)


def day(n):
    return (MONDAY + datetime.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


def call(server, m, method, path="", body=None, **params):
    kw = {"headers": m.auth(server), "params": params, "timeout": 30}
    if body is not None:
        kw["json"] = body
    return requests.request(method, server.url + API + path, **kw)


def submit(server, m, start, end=None, leave_type="annual", **extra):
    return call(server, m, "POST", body={"start_date": start, "end_date": end or start,
                                         "leave_type": leave_type, "reason": "Away", **extra})


def created(server, m, *args, **kw):
    r = submit(server, m, *args, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def sql(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def setting(db, ws, key, value):
    sql(db, "UPDATE application_settings SET value = %s WHERE workspace_id = %s AND key = %s",
        value, ws, key)


def team(db):
    ws = make_workspace(db)
    admin = make_member(db, ws, "admin", full_name="Ada Admin")
    hr = make_member(db, ws, "hr_operations", full_name="Hana HR")
    boss = make_member(db, ws, "manager", full_name="Mona Manager")
    emp = make_member(db, ws, "employee", manager=boss.user_id, full_name="Eli Employee")
    return ws, admin, hr, boss, emp


def balance_of(server, m, leave_type="annual", year=2031, who=None):
    params = {"year": year}
    if who is not None:
        r = call(server, who, "GET", "/balances", user_id=m.user_id, **params)
    else:
        r = call(server, m, "GET", "/balances/me", **params)
    assert r.status_code == 200, r.text
    (member,) = r.json()["items"]
    return next(b for b in member["balances"] if b["leave_type"] == leave_type)


def resolve(server, m, leave_id, action, comment=None):
    body = {"action": action, **({"manager_comment": comment} if comment else {})}
    return call(server, m, "PATCH", f"/{leave_id}/resolve", body)


def test_balance_arithmetic_with_half_days_and_cancellations(server, db):
    ws, _, _, boss, emp = team(db)
    setting(db, ws, "leave.entitlement_days.annual", "5")
    trip = created(server, emp, day(0), day(2))  # Mon-Wed: 3 days
    b = trip["balance"]
    assert (b["limited"], b["entitled_days"], b["pending_days"], b["taken_days"],
            b["remaining_days"]) == (True, 5, 3, 0, 2)
    half = created(server, emp, day(3), is_half_day=True, half_day_period="first_half")
    assert half["days"] == 0.5 and half["balance"]["remaining_days"] == 1.5

    r = submit(server, emp, day(7), day(8))  # 2 more days: only 1.5 left
    assert r.status_code == 409
    e = r.json()["error"]
    assert e["message"] == "Insufficient annual balance for 2031: 1.5 days remaining, " \
                           "2.0 requested."
    (d,) = e["details"]
    assert d["field"] == "leave_type" and d["requested_days"] == 2
    assert d["balance"]["remaining_days"] == 1.5
    assert created(server, emp, day(7), leave_type="sick")["balance"]["limited"] is False

    assert call(server, emp, "POST", f"/{trip['id']}/cancel").status_code == 200
    assert balance_of(server, emp)["remaining_days"] == 4.5  # cancelled counts nothing
    extra = created(server, emp, day(8), day(9))
    assert extra["balance"]["remaining_days"] == 2.5
    assert resolve(server, boss, half["id"], "approved").status_code == 200
    b = balance_of(server, emp)
    assert (b["taken_days"], b["pending_days"], b["remaining_days"]) == (0.5, 2, 2.5)
    assert resolve(server, boss, extra["id"], "rejected", "busy").status_code == 200
    b = balance_of(server, emp)
    assert (b["taken_days"], b["pending_days"], b["remaining_days"]) == (0.5, 0, 4.5)
    assert balance_of(server, emp, year=2032)["remaining_days"] == 5
    sick = balance_of(server, emp, "sick")
    assert sick["limited"] is False and sick["remaining_days"] is None
    assert sick["pending_days"] == 1


def test_business_days_skip_weekends_holidays_and_follow_the_shift(server, db):
    ws, _, _, _, emp = team(db)
    long_weekend = created(server, emp, day(4), day(7))  # Fri-Mon
    assert long_weekend["days"] == 2
    sql(db, "INSERT INTO holidays (workspace_id, name, holiday_date) VALUES (%s, 'Spring', %s)",
        ws, day(7))
    assert call(server, emp, "GET", f"/{long_weekend['id']}").json()["days"] == 1
    assert created(server, emp, day(12), day(13))["days"] == 0  # Saturday and Sunday
    weekender = make_member(db, ws, "employee", shift_id=make_shift(db, ws, working_days="6,7"))
    assert created(server, weekender, day(7), day(13))["days"] == 2  # their Saturday and Sunday
    half_on_day_off = created(server, weekender, day(14), is_half_day=True,
                              half_day_period="first_half", leave_type="casual")
    assert half_on_day_off["days"] == 0


def test_allow_negative_and_requests_across_years(server, db):
    ws, _, _, _, emp = team(db)
    setting(db, ws, "leave.entitlement_days.casual", "1")
    r = submit(server, emp, day(0), day(2), leave_type="casual")
    assert r.status_code == 409
    setting(db, ws, "leave.allow_negative.casual", "true")
    neg = created(server, emp, day(0), day(2), leave_type="casual")
    assert neg["balance"]["remaining_days"] == -2 and neg["balance"]["allow_negative"] is True

    setting(db, ws, "leave.entitlement_days.annual", "2")
    # Tue 2031-12-30 .. Fri 2032-01-02: two days in each year, each year's balance holds it
    span = created(server, emp, "2031-12-30", "2032-01-02")
    assert span["days"] == 4 and span["balance"]["year"] == 2031
    assert span["balance"]["remaining_days"] == 0
    assert balance_of(server, emp, year=2032)["pending_days"] == 2
    r = submit(server, emp, "2032-01-05")
    assert r.status_code == 409
    assert r.json()["error"]["message"].startswith("Insufficient annual balance for 2032: 0.0")
    r = submit(server, emp, "2031-12-29")
    assert r.status_code == 409 and "for 2031" in r.json()["error"]["message"]


def test_admin_and_hr_adjust_with_a_reason(server, db):
    ws, admin, hr, boss, emp = team(db)
    setting(db, ws, "leave.entitlement_days.annual", "5")
    adj = call(server, hr, "POST", "/balances/adjust",
               {"user_id": emp.user_id, "leave_type": "annual", "year": 2031, "delta_days": 2.5,
                "reason": "  Carried over from 2030  "})
    assert adj.status_code == 201, adj.text
    body = adj.json()
    assert body["adjustment"]["delta_days"] == 2.5
    assert body["adjustment"]["reason"] == "Carried over from 2030"
    assert body["adjustment"]["actor_name"] == "Hana HR"
    assert body["balance"]["adjustment_days"] == 2.5 and body["balance"]["remaining_days"] == 7.5
    r = call(server, admin, "POST", "/balances/adjust",
             {"user_id": emp.user_id, "leave_type": "annual", "year": 2031, "delta_days": -1,
              "reason": "Correction"})
    assert r.status_code == 201 and r.json()["balance"]["remaining_days"] == 6.5
    assert sql(db, "SELECT adjusted_days, entitled_days FROM leave_balances"
               " WHERE workspace_id = %s AND user_id = %s AND year = 2031"
               " AND leave_type = 'annual'", ws, emp.user_id) == [(1.5, 5)]
    (audit,) = sql(db, "SELECT actor_user_id::text, old_value, new_value, metadata"
                   " FROM audit_logs WHERE workspace_id = %s"
                   " AND action_type = 'leave.balance_adjusted' ORDER BY seq LIMIT 1", ws)
    assert audit[0] == hr.user_id and audit[1]["remaining_days"] == 5
    assert audit[2]["remaining_days"] == 7.5 and audit[3]["reason"] == "Carried over from 2030"

    seen = call(server, boss, "GET", "/balances", user_id=emp.user_id, year=2031).json()
    (member,) = seen["items"]
    assert member["user_full_name"] == "Eli Employee"
    assert [(a["delta_days"], a["actor_name"]) for a in member["adjustments"]] == [
        (-1, "Ada Admin"), (2.5, "Hana HR")]
    # an adjustment of an unlimited type is recorded, the type stays unlimited
    r = call(server, hr, "POST", "/balances/adjust",
             {"user_id": emp.user_id, "leave_type": "wfh", "delta_days": 1, "reason": "x"})
    assert r.status_code == 201 and r.json()["balance"]["remaining_days"] is None


def test_adjustment_refusals(server, db):
    ws, admin, hr, boss, emp = team(db)
    good = {"user_id": emp.user_id, "leave_type": "annual", "delta_days": 1, "reason": "r"}
    for who in (boss, emp):
        r = call(server, who, "POST", "/balances/adjust", {"nonsense": True})
        assert r.status_code == 403  # authorization before validation
        assert call(server, who, "POST", "/balances/adjust", good).status_code == 403
    r = call(server, hr, "POST", "/balances/adjust", {**good, "user_id": hr.user_id})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "You cannot adjust your own leave balance."
    for field, value in (("delta_days", 0.25), ("delta_days", 0), ("delta_days", 400),
                         ("delta_days", "2"), ("reason", " "), ("year", 1999),
                         ("leave_type", "bonus"), ("user_id", "nope")):
        r = call(server, hr, "POST", "/balances/adjust", {**good, field: value})
        assert r.status_code == 422, (field, value)
        assert r.json()["error"]["details"][0]["field"] == field
    outsider = make_member(db, make_workspace(db), "employee")
    for user in (outsider.user_id, "00000000-0000-0000-0000-000000000000"):
        r = call(server, hr, "POST", "/balances/adjust", {**good, "user_id": user})
        assert r.status_code == 404
    assert sql(db, "SELECT count(*) FROM leave_balance_adjustments WHERE workspace_id = %s",
               ws) == [(0,)]


def test_balance_reads_are_scoped(server, db):
    ws, admin, hr, boss, emp = team(db)
    lead = make_member(db, ws, "team_lead")
    mine = call(server, emp, "GET", "/balances/me").json()
    assert mine["year"] >= 2024
    (me,) = mine["items"]
    assert me["user_id"] == emp.user_id
    assert [b["leave_type"] for b in me["balances"]] == ["annual", "casual", "sick", "half_day",
                                                         "wfh"]
    assert {x["user_id"] for x in call(server, boss, "GET", "/balances").json()["items"]} == \
        {boss.user_id, emp.user_id}
    assert len(call(server, hr, "GET", "/balances").json()["items"]) == 5
    assert [x["user_id"] for x in call(server, emp, "GET", "/balances").json()["items"]] == \
        [emp.user_id]
    assert call(server, lead, "GET", "/balances", user_id=emp.user_id).status_code == 404
    assert call(server, emp, "GET", "/balances", user_id=boss.user_id).status_code == 404
    for params in ({"year": "1999"}, {"year": "x"}, {"user_id": "x"}):
        assert call(server, hr, "GET", "/balances", **params).status_code == 422
