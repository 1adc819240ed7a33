"""Leave, WFH and half-day requests over HTTP (spec 05 §2-§6): submission and its validation,
the overlap matrix, race-free submission, atomicity of the request with its timeline and job,
approver routing, decisions and who may take them, cancellation, the clarification round
trip, escalation (manual and by the scheduler's SQL function, once per step), scope of the
lists, the CSV export and the covering-leave function attendance uses.

Members and workspaces come from tests/factories.py; existing requests of a given status are
written straight into PostgreSQL where the test is about what a new request meets.
"""
import datetime
import threading
import uuid

import pytest
import requests

from factories import make_department, make_member, make_workspace

API = "/api/v1/leaves"
MONDAY = datetime.date(2031, 3, 3)  # a Monday, far from today so nothing is "past" or "today"


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


def submit(server, m, start, end=None, leave_type="annual", reason="Family trip", **extra):
    body = {"start_date": start, "end_date": end or start, "leave_type": leave_type,
            "reason": reason, **extra}
    return call(server, m, "POST", body=body)


def created(server, m, *args, **kw):
    r = submit(server, m, *args, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def resolve(server, m, leave_id, action, comment=None):
    body = {"action": action}
    if comment is not None:
        body["manager_comment"] = comment
    return call(server, m, "PATCH", f"/{leave_id}/resolve", body)


def sql(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def error(r):
    return r.json()["error"]


def audit_count(db, ws, action, entity_id=None):
    return sql(db, "SELECT count(*) FROM audit_logs WHERE workspace_id = %s AND action_type = %s"
               " AND (%s::uuid IS NULL OR entity_id = %s::uuid)", ws, action, entity_id,
               entity_id)[0][0]


def mail_jobs(db, ws, template=None):
    return sql(db, "SELECT payload FROM jobs WHERE workspace_id = %s AND kind = 'email'"
               " AND (%s::text IS NULL OR payload->>'template' = %s) ORDER BY created_at",
               ws, template, template)


def team(db, tz="Asia/Karachi"):
    """A workspace with an admin, an HR member, a manager and an employee reporting to them."""
    ws = make_workspace(db, timezone=tz)
    admin = make_member(db, ws, "admin", full_name="Ada Admin")
    hr = make_member(db, ws, "hr_operations", full_name="Hana HR")
    boss = make_member(db, ws, "manager", full_name="Mona Manager")
    emp = make_member(db, ws, "employee", manager=boss.user_id, full_name="Eli Employee")
    return ws, admin, hr, boss, emp


def insert_request(db, m, start, end=None, status="pending", leave_type="annual",
                   period=None, approver=None):
    """A request of a given status written directly (what a new request meets)."""
    return str(sql(db, "INSERT INTO leave_requests (workspace_id, user_id, start_date, end_date,"
                   " leave_type, status, is_half_day, half_day_period, reason,"
                   " current_approver_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'seeded', %s)"
                   " RETURNING id", m.workspace_id, m.user_id, start, end or start, leave_type,
                   status, period is not None, period, approver)[0][0])


def backdate(db, leave_id, action, hours):
    sql(db, "UPDATE approval_timeline SET created_at = created_at - make_interval(hours => %s)"
        " WHERE entity_id = %s AND action = %s", hours, leave_id, action)


# ---------------------------------------------------------------------------------------------
# Submitting and reading


def test_submit_routes_to_manager_with_timeline_audit_and_email(server, db):
    ws, _, _, boss, emp = team(db)
    r = submit(server, emp, day(0), day(2), reason="  Family trip  ")
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["status"] == "pending" and req["leave_type"] == "annual"
    assert req["user_full_name"] == "Eli Employee" and req["reason"] == "Family trip"
    assert req["current_approver_id"] == boss.user_id
    assert req["current_approver_name"] == "Mona Manager"
    assert req["is_half_day"] is False and req["half_day_period"] is None
    assert req["escalation_count"] == 0 and req["escalated_from_name"] is None
    assert req["days"] == 3 and req["created_at"].endswith("Z")
    assert req["balance"]["leave_type"] == "annual" and req["balance"]["year"] == 2031
    assert req["balance"]["pending_days"] == 3 and req["balance"]["limited"] is False

    mine = call(server, emp, "GET", "/me").json()
    assert [x["id"] for x in mine["items"]] == [req["id"]]
    assert (mine["total"], mine["limit"], mine["offset"]) == (1, 50, 0)
    detail = call(server, emp, "GET", f"/{req['id']}").json()
    assert detail["available_actions"] == ["cancel"]
    (entry,) = detail["timeline"]
    assert entry["action"] == "created" and entry["actor_name"] == "Eli Employee"
    assert entry["comment"] == "Request submitted for annual"
    assert "actor_id" not in entry
    assert call(server, emp, "GET", f"/{req['id']}/timeline").json() == detail["timeline"]

    (job,) = mail_jobs(db, ws)
    p = job[0]
    assert p["template"] == "approval_pending" and p["to"] == boss.email
    assert p["vars"]["requester_name"] == "Eli Employee"
    assert p["vars"]["type"] == "annual leave"
    assert p["vars"]["dates"] == f"{day(0)} to {day(2)}"
    assert p["vars"]["link"] == "/manager/approvals"
    assert audit_count(db, ws, "leave.created", req["id"]) == 1
    (note,) = sql(db, "SELECT title, message FROM notifications WHERE workspace_id = %s"
                  " AND user_id = %s", ws, boss.user_id)
    assert note == ("Leave request submitted",
                    "Eli Employee submitted a leave request for your approval.")


def test_half_day_forms(server, db):
    ws, _, _, _, emp = team(db)
    a = created(server, emp, day(0), leave_type="half_day", half_day_period="first_half")
    assert a["is_half_day"] is True and a["days"] == 0.5
    b = created(server, emp, day(0), leave_type="sick", is_half_day=True,
                half_day_period="second_half")
    assert b["is_half_day"] is True and b["half_day_period"] == "second_half"
    c = created(server, emp, day(1), leave_type="casual", half_day_period="first_half")
    assert c["is_half_day"] is False and c["half_day_period"] is None  # no flag: a full day


@pytest.mark.parametrize("body, field, message", [
    ({"start_date": day(2), "end_date": day(1)}, "end_date",
     "Start date must be before end date"),
    ({"leave_type": "half_day"}, "half_day_period",
     "Half-day period is required (first_half or second_half)."),
    ({"is_half_day": True, "half_day_period": None}, "half_day_period",
     "Half-day period is required (first_half or second_half)."),
    ({"leave_type": "half_day", "half_day_period": "first_half", "end_date": day(1)}, "end_date",
     "Half-day requests must be on a single date (start_date must equal end_date)."),
    ({"start_date": day(0), "end_date": day(400)}, "end_date",
     "A request may cover at most 366 days."),
    ({"reason": "   "}, "reason", None),
    ({"reason": None}, "reason", None),
    ({"leave_type": "vacation"}, "leave_type", None),
    ({"start_date": "2031-02-30"}, "start_date", None),
    ({"half_day_period": "morning"}, "half_day_period", None),
    ({"colour": "blue"}, "colour", None),
])
def test_validation_names_the_field(server, db, body, field, message):
    ws, _, _, _, emp = team(db)
    full = {"start_date": day(0), "end_date": day(0), "leave_type": "annual", "reason": "x",
            **body}
    r = call(server, emp, "POST", body=full)
    assert r.status_code == 422, r.text
    e = error(r)
    assert e["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in e["details"]] == [field]
    if message:
        assert e["message"] == message and e["details"][0]["message"] == message
    assert sql(db, "SELECT count(*) FROM leave_requests WHERE workspace_id = %s", ws) == [(0,)]


def test_missing_token_wrong_type_and_permission(server, db):
    ws, _, _, _, emp = team(db)
    assert requests.post(server.url + API, json={}, timeout=10).status_code == 401
    r = requests.post(server.url + API, data="x", timeout=10,
                      headers={**emp.auth(server), "Content-Type": "text/plain"})
    assert r.status_code == 415
    sql(db, "DELETE FROM role_permissions rp USING roles r, permissions p"
        " WHERE rp.workspace_id = %s AND r.workspace_id = rp.workspace_id AND r.id = rp.role_id"
        " AND r.name = 'employee' AND p.id = rp.permission_id AND p.code = 'leave.apply'", ws)
    r = submit(server, emp, day(0))
    assert r.status_code == 403


# ---------------------------------------------------------------------------------------------
# Overlap matrix (spec 05 §2.5)

FULL, FIRST, SECOND = None, "first_half", "second_half"
ACTIVE = ["pending", "approved", "escalated", "needs_clarification"]
INACTIVE = ["rejected", "cancelled"]


def overlap_message(existing, new, existing_type="annual"):
    if existing is FULL and new is FULL:
        return (f"You already have an approved or pending {existing_type.replace('_', ' ')} "
                "request covering these dates.")
    if existing is FULL:
        return (f"You already have an approved or pending {existing_type.replace('_', ' ')} "
                f"request covering {day(0)}. Cannot submit a half-day on this date.")
    if new is FULL:
        return (f"You already have a {existing.replace('_', ' ')} half-day request on {day(0)}. "
                "Cannot overlap with a full-day request.")
    return f"You already have a half-day request for {day(0)} ({existing})."


MATRIX = [(existing, new, status, status in ACTIVE and (existing is FULL or new is FULL
                                                         or existing == new))
          for existing in (FULL, FIRST, SECOND) for new in (FULL, FIRST, SECOND)
          for status in ACTIVE + INACTIVE]


@pytest.mark.parametrize("existing, new, status, conflict", MATRIX)
def test_overlap_matrix(server, db, existing, new, status, conflict):
    ws = make_workspace(db)
    boss = make_member(db, ws, "manager")
    emp = make_member(db, ws, "employee", manager=boss.user_id)
    other = insert_request(db, emp, day(0), status=status, period=existing,
                           leave_type="half_day" if existing else "annual",
                           approver=boss.user_id)
    extra = {"is_half_day": True, "half_day_period": new} if new else {}
    r = submit(server, emp, day(0), leave_type="sick", **extra)
    if not conflict:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 409, r.text
    e = error(r)
    assert e["code"] == "CONFLICT"
    assert e["message"] == overlap_message(existing, new, "half_day" if existing else "annual")
    (detail,) = e["details"]
    assert detail["conflicting_request"] == {
        "id": other, "leave_type": "half_day" if existing else "annual", "start_date": day(0),
        "end_date": day(0), "is_half_day": existing is not None, "half_day_period": existing,
        "status": status}


def test_overlap_ranges_and_wfh(server, db):
    ws, _, _, _, emp = team(db)
    created(server, emp, day(1), day(3), leave_type="wfh")
    r = submit(server, emp, day(3), day(5))  # shares the last date
    assert r.status_code == 409
    assert error(r)["message"] == ("You already have an approved or pending wfh request "
                                   "covering these dates.")
    created(server, emp, day(4), day(5))  # adjacent: fine
    r = submit(server, emp, day(0), day(10), leave_type="casual")  # covers both
    assert r.status_code == 409 and error(r)["details"][0]["conflicting_request"]["start_date"] \
        == day(1)


def test_concurrent_identical_requests_only_one_wins(server, db):
    ws, _, _, _, emp = team(db)
    body = {"start_date": day(0), "end_date": day(1), "leave_type": "annual", "reason": "race"}
    headers = emp.auth(server)
    barrier = threading.Barrier(10)
    codes = []

    def go():
        barrier.wait()
        codes.append(requests.post(server.url + API, json=body, headers=headers,
                                   timeout=60).status_code)

    threads = [threading.Thread(target=go) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * 9
    assert sql(db, "SELECT count(*) FROM leave_requests WHERE workspace_id = %s", ws) == [(1,)]
    assert len(mail_jobs(db, ws)) == 1


def test_request_timeline_and_job_are_one_transaction(server, db):
    """A failing timeline insert leaves no request, job, audit row or notification behind."""
    ws, _, _, boss, emp = team(db)
    fn = "test_fail_timeline_" + uuid.uuid4().hex[:8]
    sql(db, f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF NEW.workspace_id = '{ws}' THEN RAISE EXCEPTION 'timeline refused'; END IF;"
        " RETURN NEW; END $$")
    sql(db, f"CREATE TRIGGER {fn} BEFORE INSERT ON approval_timeline FOR EACH ROW"
        f" EXECUTE FUNCTION {fn}()")
    try:
        r = submit(server, emp, day(0))
        assert r.status_code == 500
        assert error(r)["message"] == "An unexpected internal server error occurred."
        assert "timeline refused" not in r.text
    finally:
        sql(db, f"DROP TRIGGER {fn} ON approval_timeline")
        sql(db, f"DROP FUNCTION {fn}()")
    for table in ("leave_requests", "approval_timeline", "notifications", "audit_logs", "jobs"):
        assert sql(db, f"SELECT count(*) FROM {table} WHERE workspace_id = %s", ws) == [(0,)], \
            table
    created(server, emp, day(0))  # the same request goes through once the trigger is gone


# ---------------------------------------------------------------------------------------------
# Routing (spec 05 §2.6)


def approver_of(server, m, start):
    return created(server, m, start)["current_approver_id"]


def test_routing_fallbacks(server, db):
    ws = make_workspace(db)
    admin = make_member(db, ws, "admin")
    hr_old = make_member(db, ws, "hr_operations")
    hr_new = make_member(db, ws, "hr_operations")
    boss = make_member(db, ws, "manager")
    emp = make_member(db, ws, "employee", manager=boss.user_id)
    loner = make_member(db, ws, "employee")
    assert approver_of(server, emp, day(0)) == boss.user_id
    # no manager: the oldest active HR member
    assert approver_of(server, loner, day(0)) == hr_old.user_id
    # a manager who is not active is skipped
    sql(db, "UPDATE memberships SET status = 'suspended' WHERE workspace_id = %s AND user_id = %s",
        ws, boss.user_id)
    assert approver_of(server, emp, day(1)) == hr_old.user_id
    # HR never approves their own request: the other HR member
    assert approver_of(server, hr_old, day(0)) == hr_new.user_id
    # no active HR: an admin
    sql(db, "UPDATE memberships SET status = 'inactive' WHERE workspace_id = %s"
        " AND user_id IN (%s, %s)", ws, hr_old.user_id, hr_new.user_id)
    assert approver_of(server, loner, day(2)) == admin.user_id
    # an account blocked everywhere does not count either
    admin2 = make_member(db, ws, "admin")
    sql(db, "UPDATE users SET status = 'suspended' WHERE id = %s", admin.user_id)
    assert approver_of(server, loner, day(3)) == admin2.user_id
    # the only admin requesting, nobody else to decide
    ws2 = make_workspace(db)
    solo = make_member(db, ws2, "admin")
    r = submit(server, solo, day(0))
    assert r.status_code == 422
    assert error(r)["message"] == ("No reporting manager or system administrator assigned to "
                                   "handle your request. Please contact HR.")
    assert sql(db, "SELECT count(*) FROM leave_requests WHERE workspace_id = %s", ws2) == [(0,)]


def test_requester_never_resolves_own_request(server, db):
    ws = make_workspace(db)
    a1 = make_member(db, ws, "admin")
    a2 = make_member(db, ws, "admin")
    req = created(server, a1, day(0))
    assert req["current_approver_id"] == a2.user_id
    for action, comment in (("approved", None), ("rejected", "no"), ("clarified", None),
                            ("escalated", "up")):
        r = resolve(server, a1, req["id"], action, comment)
        assert r.status_code == 403, action
        assert error(r)["message"] == "You cannot approve or reject your own leave request"
    assert audit_count(db, ws, "leave.self_approval_denied", req["id"]) == 4
    assert call(server, a1, "GET", f"/{req['id']}").json()["status"] == "pending"
    assert resolve(server, a2, req["id"], "approved").status_code == 200


# ---------------------------------------------------------------------------------------------
# Deciding (spec 05 §4)


def test_approve_writes_timeline_audit_notification_and_email(server, db):
    ws, _, _, boss, emp = team(db)
    req = created(server, emp, day(0), day(1))
    r = resolve(server, boss, req["id"], "approved", "  Enjoy  ")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "approved" and done["manager_comment"] == "Enjoy"
    assert done["balance"]["taken_days"] == 2 and done["balance"]["pending_days"] == 0
    assert done["available_actions"] == []
    timeline = call(server, emp, "GET", f"/{req['id']}/timeline").json()
    assert [(t["action"], t["actor_name"], t["comment"]) for t in timeline] == [
        ("created", "Eli Employee", "Request submitted for annual"),
        ("approved", "Mona Manager", "Enjoy")]
    assert audit_count(db, ws, "leave.approved", req["id"]) == 1
    (job,) = mail_jobs(db, ws, "approval_decision")
    v = job[0]["vars"]
    assert job[0]["to"] == emp.email and v["decision"] == "approved"
    assert v["approver_name"] == "Mona Manager" and v["comment"] == "Enjoy"
    assert sql(db, "SELECT title, message FROM notifications WHERE workspace_id = %s"
               " AND user_id = %s", ws, emp.user_id) == [
        ("Leave request approved", "Your leave request was approved by Mona Manager.")]
    r = resolve(server, boss, req["id"], "rejected", "changed my mind")
    assert r.status_code == 400
    assert error(r)["message"] == "Cannot perform action on a approved request"


def test_reject_and_escalate_need_a_reason_before_anything_else(server, db):
    ws, _, _, boss, emp = team(db)
    req = created(server, emp, day(0))
    outsider = make_member(db, make_workspace(db), "employee")
    for who in (boss, outsider):
        for action in ("rejected", "escalated"):
            for comment in (None, "", "   "):
                r = resolve(server, who, req["id"], action, comment)
                assert r.status_code == 422, (action, comment)
                (d,) = error(r)["details"]
                assert d["field"] == "manager_comment"
                assert d["message"].endswith("reason is required.")
    r = resolve(server, boss, req["id"], "rejected", "Team offsite that week")
    assert r.status_code == 200 and r.json()["manager_comment"] == "Team offsite that week"
    assert mail_jobs(db, ws, "approval_decision")[0][0]["vars"]["decision"] == "rejected"


def test_who_may_decide(server, db):
    ws, admin, hr, boss, emp = team(db)
    director = make_member(db, ws, "manager", full_name="Dora Director")
    sql(db, "UPDATE memberships SET manager_id = %s WHERE workspace_id = %s AND user_id = %s",
        director.user_id, ws, boss.user_id)
    other_boss = make_member(db, ws, "manager")
    lead = make_member(db, ws, "team_lead")
    peer = make_member(db, ws, "employee", manager=boss.user_id)
    req = created(server, emp, day(0))

    # out of scope: 404, audited as a cross-team attempt
    for who in (other_boss, lead, make_member(db, make_workspace(db), "admin")):
        r = resolve(server, who, req["id"], "approved")
        assert r.status_code == 404 and error(r)["message"] == "Request not found"
    assert audit_count(db, ws, "leave.cross_team_resolution_denied", req["id"]) == 2
    # the manager of the manager sees it but it is not their direct report
    r = resolve(server, director, req["id"], "approved")
    assert r.status_code == 403
    assert error(r)["message"] == "Not authorized to resolve leave for this user"
    assert audit_count(db, ws, "leave.cross_team_resolution_denied", req["id"]) == 3
    # a peer cannot see it at all
    assert resolve(server, peer, req["id"], "approved").status_code == 404
    # the requester's manager after a re-assignment is not the current approver
    sql(db, "UPDATE memberships SET manager_id = %s WHERE workspace_id = %s AND user_id = %s",
        other_boss.user_id, ws, emp.user_id)
    r = resolve(server, other_boss, req["id"], "approved")
    assert r.status_code == 403
    assert error(r)["message"] == "Only the current approver can resolve this request"
    assert audit_count(db, ws, "leave.unauthorized_resolution_denied", req["id"]) == 1
    # invalid actions are refused after the checks
    for action in ("created", "cancelled"):
        r = resolve(server, hr, req["id"], action)
        assert r.status_code == 400 and error(r)["message"] == "Invalid approval action"
    r = resolve(server, hr, req["id"], "approve")
    assert r.status_code == 422
    # HR decides anyone's request
    r = resolve(server, hr, req["id"], "approved")
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_cancel_only_by_requester_while_pending(server, db):
    ws, _, hr, boss, emp = team(db)
    req = created(server, emp, day(0))
    r = call(server, boss, "POST", f"/{req['id']}/cancel")
    assert r.status_code == 403 and error(r)["message"] == "Cannot cancel other's requests"
    stranger = make_member(db, ws, "employee")
    assert call(server, stranger, "POST", f"/{req['id']}/cancel").status_code == 404
    assert call(server, emp, "POST", "/not-a-uuid/cancel").status_code == 404
    r = call(server, emp, "POST", f"/{req['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["manager_comment"] is None
    last = call(server, emp, "GET", f"/{req['id']}/timeline").json()[-1]
    assert (last["action"], last["comment"]) == ("cancelled", "Cancelled by requester")
    assert audit_count(db, ws, "leave.cancelled", req["id"]) == 1
    r = call(server, emp, "POST", f"/{req['id']}/cancel")
    assert r.status_code == 400 and error(r)["message"] == "Only pending requests can be cancelled"
    done = created(server, emp, day(0))  # the cancelled one no longer blocks the date
    assert resolve(server, boss, done["id"], "approved").status_code == 200
    assert call(server, emp, "POST", f"/{done['id']}/cancel").status_code == 400
    # a decision on a cancelled request is refused
    r = resolve(server, hr, req["id"], "approved")
    assert r.status_code == 400
    assert error(r)["message"] == "Cannot perform action on a cancelled request"


def test_clarification_round_trip(server, db):
    ws, _, _, boss, emp = team(db)
    created(server, emp, day(7))
    req = created(server, emp, day(0), day(1), reason="Trip")
    r = resolve(server, boss, req["id"], "clarified", "Which days exactly?")
    assert r.status_code == 200 and r.json()["status"] == "needs_clarification"
    assert audit_count(db, ws, "leave.clarification_requested", req["id"]) == 1
    mine = call(server, emp, "GET", f"/{req['id']}").json()
    assert mine["available_actions"] == ["update"]
    assert call(server, emp, "POST", f"/{req['id']}/cancel").status_code == 400

    r = call(server, boss, "PATCH", f"/{req['id']}", {"reason": "x"})
    assert r.status_code == 403
    r = call(server, emp, "PATCH", f"/{req['id']}", {"start_date": day(6), "end_date": day(8)})
    assert r.status_code == 409  # overlaps the other request
    r = call(server, emp, "PATCH", f"/{req['id']}", {"end_date": day(-1)})
    assert r.status_code == 422 and error(r)["details"][0]["field"] == "end_date"
    r = call(server, emp, "PATCH", f"/{req['id']}", {"reason": " "})
    assert r.status_code == 422
    r = call(server, emp, "PATCH", f"/{req['id']}",
             {"start_date": day(2), "end_date": day(2), "leave_type": "half_day",
              "half_day_period": "second_half", "reason": "Only the afternoon of Wednesday"})
    assert r.status_code == 200, r.text
    upd = r.json()
    assert upd["status"] == "pending" and upd["current_approver_id"] == boss.user_id
    assert upd["is_half_day"] is True and upd["days"] == 0.5
    assert upd["reason"] == "Only the afternoon of Wednesday"
    timeline = call(server, boss, "GET", f"/{req['id']}/timeline").json()
    assert [(t["action"], t["comment"]) for t in timeline] == [
        ("created", "Request submitted for annual"), ("clarified", "Which days exactly?"),
        ("created", "Updated after clarification")]
    assert audit_count(db, ws, "leave.updated", req["id"]) == 1
    pending_mail = [j[0] for j in mail_jobs(db, ws, "approval_pending")
                    if j[0]["vars"]["dates"].startswith(day(2))]
    assert len(pending_mail) == 1 and pending_mail[0]["to"] == boss.email
    r = call(server, emp, "PATCH", f"/{req['id']}", {"reason": "again"})
    assert r.status_code == 400
    assert error(r)["message"] == "Only requests awaiting clarification can be updated"
    assert resolve(server, boss, req["id"], "approved").status_code == 200


# ---------------------------------------------------------------------------------------------
# Escalation (spec 05 §6)


def escalate_due(db, ws, at="now()"):
    return sql(db, f"SELECT wos_leave_escalate_due({at}, %s)", ws)[0][0]


def test_escalation_runs_once_per_step(server, db):
    ws, admin, hr, boss, emp = team(db)
    req = created(server, emp, day(0))
    fresh = created(server, emp, day(3))
    assert escalate_due(db, ws) == 0
    backdate(db, req["id"], "created", 49)
    assert escalate_due(db, ws) == 1
    assert escalate_due(db, ws) == 0
    step1 = call(server, hr, "GET", f"/{req['id']}").json()
    assert step1["status"] == "escalated" and step1["escalation_count"] == 1
    assert step1["current_approver_id"] == hr.user_id
    assert step1["escalated_from_name"] == "Mona Manager" and step1["escalated_at"]
    last = step1["timeline"][-1]
    assert last["action"] == "escalated" and last["actor_name"] == "Hana HR"
    assert last["comment"] == "Auto-escalated from original approver after 48h delay."
    (job,) = mail_jobs(db, ws, "operational_alert")
    assert job[0]["to"] == hr.email
    assert job[0]["vars"]["title"] == "ESCALATION: Leave Request approval delayed"
    assert "Eli Employee" in job[0]["vars"]["message"]
    assert sql(db, "SELECT actor_user_id FROM audit_logs WHERE workspace_id = %s"
               " AND action_type = 'leave.escalated'", ws) == [(None,)]
    # the manager still sees it; the new approver has it in their queue
    assert call(server, boss, "GET", f"/{req['id']}").status_code == 200
    assert req["id"] in [x["id"] for x in call(server, hr, "GET", "/pending").json()["items"]]

    # step 2 waits for another delay since the escalation
    assert escalate_due(db, ws, "now() + interval '47 hours'") == 0
    assert escalate_due(db, ws, "now() + interval '49 hours'") == 2  # step 2 + the fresh one
    step2 = call(server, admin, "GET", f"/{req['id']}").json()
    assert step2["escalation_count"] == 2 and step2["current_approver_id"] == admin.user_id
    assert step2["escalated_from_id"] == hr.user_id
    assert call(server, admin, "GET", f"/{fresh['id']}").json()["current_approver_id"] \
        == hr.user_id
    backdate(db, req["id"], "escalated", 500)
    assert escalate_due(db, ws, "now() + interval '98 hours'") == 1  # only the fresh one's step 2
    assert escalate_due(db, ws, "now() + interval '1000 hours'") == 0
    assert sql(db, "SELECT escalation_count FROM leave_requests WHERE id = %s", req["id"]) \
        == [(2,)]
    assert resolve(server, admin, req["id"], "approved").status_code == 200


def test_escalation_follows_the_workspace_setting_and_skips_decided(server, db):
    ws, _, hr, boss, emp = team(db)
    sql(db, "UPDATE application_settings SET value = '2' WHERE workspace_id = %s"
        " AND key = 'leave.escalation_hours'", ws)
    waiting = created(server, emp, day(0))
    decided = created(server, emp, day(1))
    asked = created(server, emp, day(2))
    assert resolve(server, boss, decided["id"], "approved").status_code == 200
    assert resolve(server, boss, asked["id"], "clarified").status_code == 200
    for x in (waiting, decided, asked):
        backdate(db, x["id"], "created", 3)
    assert escalate_due(db, ws) == 1
    got = call(server, hr, "GET", f"/{waiting['id']}").json()
    assert got["timeline"][-1]["comment"] == \
        "Auto-escalated from original approver after 2h delay."
    # no HR and no other admin: nothing to escalate to, the request stays
    ws2 = make_workspace(db)
    only_admin = make_member(db, ws2, "admin")
    e2 = make_member(db, ws2, "employee")
    lonely = created(server, e2, day(0))
    assert lonely["current_approver_id"] == only_admin.user_id
    backdate(db, lonely["id"], "created", 100)
    assert escalate_due(db, ws2) == 0


def test_manual_escalation_moves_up_one_step_at_a_time(server, db):
    ws, admin, hr, boss, emp = team(db)
    req = created(server, emp, day(0))
    r = resolve(server, boss, req["id"], "escalated", "Above my pay grade")
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["status"] == "escalated" and x["current_approver_id"] == hr.user_id
    assert x["escalated_from_id"] == boss.user_id and x["manager_comment"] == "Above my pay grade"
    assert audit_count(db, ws, "leave.escalated", req["id"]) == 1
    assert mail_jobs(db, ws, "operational_alert")[0][0]["to"] == hr.email
    # the former approver no longer decides
    r = resolve(server, boss, req["id"], "approved")
    assert r.status_code == 403
    r = resolve(server, hr, req["id"], "escalated", "Needs the owner")
    assert r.status_code == 200 and r.json()["current_approver_id"] == admin.user_id
    r = resolve(server, admin, req["id"], "escalated", "Further?")
    assert r.status_code == 400
    assert error(r)["message"] == "This request has already been escalated to an administrator"
    r = resolve(server, admin, req["id"], "rejected", "No")
    assert r.status_code == 200 and r.json()["status"] == "rejected"


# ---------------------------------------------------------------------------------------------
# Reading: scope, queue, export


def test_list_scope_by_role(server, db):
    ws, admin, hr, boss, emp = team(db)
    director = make_member(db, ws, "manager")
    sql(db, "UPDATE memberships SET manager_id = %s WHERE workspace_id = %s AND user_id = %s",
        director.user_id, ws, boss.user_id)
    lead = make_member(db, ws, "team_lead")
    direct = make_member(db, ws, "employee", manager=lead.user_id)
    below = make_member(db, ws, "intern", manager=direct.user_id)
    r_emp = created(server, emp, day(0))
    r_boss = created(server, boss, day(1))
    r_direct = created(server, direct, day(2), leave_type="wfh")
    r_below = created(server, below, day(3))

    def ids(m, **params):
        r = call(server, m, "GET", **params)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    everything = {r_emp["id"], r_boss["id"], r_direct["id"], r_below["id"]}
    assert ids(admin) == everything and ids(hr) == everything
    assert ids(director) == {r_emp["id"], r_boss["id"]}
    assert ids(boss) == {r_emp["id"], r_boss["id"]}
    assert ids(lead) == {r_direct["id"]}
    assert ids(emp) == {r_emp["id"]}
    assert ids(admin, leave_type="wfh") == {r_direct["id"]}
    assert ids(admin, **{"from": day(2), "to": day(2)}) == {r_direct["id"]}
    assert ids(admin, user_id=below.user_id) == {r_below["id"]}
    page = call(server, admin, "GET", limit=2, offset=1).json()
    assert page["total"] == 4 and page["limit"] == 2 and len(page["items"]) == 2
    assert [x["start_date"] for x in page["items"]] == [day(2), day(1)]
    assert resolve(server, boss, r_emp["id"], "approved").status_code == 200
    assert ids(admin, status="approved") == {r_emp["id"]}
    # a member outside the scope, or another workspace's request: 404
    assert call(server, lead, "GET", user_id=emp.user_id).status_code == 404
    assert call(server, lead, "GET", f"/{r_emp['id']}").status_code == 404
    assert call(server, emp, "GET", f"/{r_boss['id']}/timeline").status_code == 404
    outsider = make_member(db, make_workspace(db), "admin")
    assert call(server, outsider, "GET", f"/{r_emp['id']}").status_code == 404
    assert call(server, outsider, "GET").json()["total"] == 0
    for bad in ({"status": "maybe"}, {"from": "tomorrow"}, {"user_id": "x"}, {"limit": "0"}):
        r = call(server, admin, "GET", **bad)
        assert r.status_code == 422 and error(r)["details"][0]["field"] == list(bad)[0]


def test_pending_queue(server, db):
    ws, admin, hr, boss, emp = team(db)
    mine = created(server, emp, day(0))
    hr_own = created(server, hr, day(0))  # routed to admin (no other HR)
    assert hr_own["current_approver_id"] == admin.user_id
    done = created(server, emp, day(2))
    assert resolve(server, boss, done["id"], "approved").status_code == 200
    queue = call(server, boss, "GET", "/pending").json()["items"]
    assert [x["id"] for x in queue] == [mine["id"]]
    assert queue[0]["available_actions"] == ["approve", "reject", "clarify", "escalate"]
    assert [x["id"] for x in call(server, hr, "GET", "/pending").json()["items"]] == [mine["id"]]
    assert {x["id"] for x in call(server, admin, "GET", "/pending").json()["items"]} == \
        {mine["id"], hr_own["id"]}
    assert call(server, emp, "GET", "/pending").json() == {
        "items": [], "total": 0, "limit": 50, "offset": 0}


def test_export_csv(server, db):
    ws, admin, _, boss, emp = team(db)
    dept = make_department(db, ws, "Field Ops")
    sql(db, "UPDATE memberships SET department_id = %s WHERE workspace_id = %s AND user_id = %s",
        dept, ws, emp.user_id)
    created(server, emp, day(0), reason="=HYPERLINK(\"x\")")
    created(server, emp, day(3), leave_type="half_day", half_day_period="first_half")
    r = call(server, admin, "GET", "/export")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    lines = r.text.split("\r\n")
    assert lines[0] == ("Employee Name,Email,Department,Type,Start,End,Half Day Period,Status,"
                        "Approver,Reason,Submitted At")
    assert lines[1].startswith(f"Eli Employee,{emp.email},Field Ops,annual,{day(0)},{day(0)},,"
                               "pending,Mona Manager,")
    assert "'=HYPERLINK" in lines[1]
    assert ",first_half,pending," in lines[2] and lines[3] == ""
    assert call(server, boss, "GET", "/export").status_code == 200
    r = call(server, emp, "GET", "/export")
    assert r.status_code == 403


def test_covering_leave_for_attendance(server, db):
    ws, _, _, boss, emp = team(db)
    full = created(server, emp, day(0), day(1), leave_type="sick")
    first = created(server, emp, day(2), leave_type="half_day", half_day_period="first_half")
    second = created(server, emp, day(2), leave_type="casual", is_half_day=True,
                     half_day_period="second_half")
    wfh = created(server, emp, day(3), leave_type="wfh")

    def covering(d):
        return sql(db, "SELECT id::text, leave_type, is_half_day, half_day_period,"
                   " covers_full_day FROM wos_leave_covering(%s, %s, %s)", ws, emp.user_id, d)

    assert covering(day(0)) == []  # pending covers nothing
    for x in (full, first, wfh):
        assert resolve(server, boss, x["id"], "approved").status_code == 200
    assert covering(day(1)) == [(full["id"], "sick", False, None, True)]
    assert covering(day(2)) == [(first["id"], "half_day", True, "first_half", False)]
    assert resolve(server, boss, second["id"], "approved").status_code == 200
    assert covering(day(2)) == [(first["id"], "half_day", True, "first_half", True)]
    assert covering(day(3)) == [(wfh["id"], "wfh", False, None, True)]
    assert covering(day(4)) == []


def test_daily_reminder_once_per_approver_and_day(server, db):
    ws, admin, hr, boss, emp = team(db)
    loner = make_member(db, ws, "employee")
    created(server, emp, day(0))
    created(server, emp, day(1))
    created(server, loner, day(0))  # routed to HR
    done = created(server, emp, day(2))
    assert resolve(server, boss, done["id"], "approved").status_code == 200

    def remind():
        return sql(db, "SELECT wos_leave_remind(%s, now())", ws)[0][0]

    assert remind() == 2
    assert remind() == 0  # same business date: already sent
    got = {j[0]["to"]: j[0]["vars"] for j in mail_jobs(db, ws, "operational_alert")}
    assert got[boss.email]["title"] == "Action Required: 2 pending approvals"
    assert got[boss.email]["message"] == "2 leave requests are waiting for your decision."
    assert got[hr.email]["title"] == "Action Required: 1 pending approval"
    assert got[boss.email]["link"] == "/manager/approvals" and len(got) == 2
    assert sql(db, "SELECT wos_leave_remind(%s, now() + interval '1 day')", ws) == [(2,)]
