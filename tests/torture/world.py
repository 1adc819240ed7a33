"""A workspace with one real object of every kind the API addresses by id.

Shared by tests/api/test_isolation.py and scripts/security: both need, for every route with a
:param, an id that exists (so a request reaches the handler's lookup, not a 404 for a made-up
id) and a way to tell which kind of object a :param or an id-valued field names.

    w = build_world(server, db, "Alpha1234")   # names of everything carry the tag
    w.ids["department"], w.admin.auth(server), w.field_ids()["manager_id"]
    kind_of("/api/v1/users/:id/suspend", "id") == "user"

Objects are made through the API where a route exists (as the workspace's admin or member)
and in SQL where none does (exceptions, alerts, dead jobs, a second login session).
"""
import json
from dataclasses import dataclass, field

import requests

from factories import make_member, make_workspace

# Which object a path parameter names: the path up to the parameter -> kind (exact match).
PREFIX_TYPES = {
    "/api/v1/auth/sessions/": "auth_session",
    "/api/v1/workspaces/": "workspace",
    "/api/v1/admin/jobs/": "job",
    "/api/v1/attendance/sessions/": "attendance_session",
    "/api/v1/attendance/": "correction_session",
    "/api/v1/attendance/exceptions/": "attendance_exception",
    "/api/v1/users/": "user",
    "/api/v1/permissions/role/": "role",
    "/api/v1/permissions/user/": "user",
    "/api/v1/permissions/roles/": "role",
    "/api/v1/departments/": "department",
    "/api/v1/shifts/": "shift",
    "/api/v1/shifts/assign/": "user",
    "/api/v1/holidays/": "holiday",
    "/api/v1/announcements/": "announcement",
    "/api/v1/alerts/": "alert",
    "/api/v1/leaves/": "leave",
}
# Parameters that are names shared by every workspace, not ids of a workspace's rows.
NOT_IDS = {("/api/v1/settings/:key", "key")}

# Body/query fields holding an id, by name -> kind.
FIELD_TYPES = {
    "user_id": "user", "manager_id": "user", "head_id": "user", "admin_id": "user",
    "actor_user_id": "user", "entity_id": "user",
    "department_id": "department", "target_department_id": "department",
    "shift_id": "shift",
}


def kind_of(path, param):
    prefix = path[:path.index(":" + param)]
    return PREFIX_TYPES.get(prefix)


@dataclass
class World:
    tag: str
    ws: str
    admin: object
    manager: object
    employee: object
    clerk: object
    ids: dict = field(default_factory=dict)

    def field_ids(self):
        """Values for uuid body/query fields, by field name."""
        return {name: self.ids[kind] for name, kind in FIELD_TYPES.items()}


def call(server, member, method, path, body=None, params=None):
    kwargs = {"headers": member.auth(server), "params": params, "timeout": 30}
    if body is not None:
        kwargs["json"] = body
    return requests.request(method, server.url + path, **kwargs)


def created(r, what):
    assert r.status_code in (200, 201), f"creating {what}: {r.status_code} {r.text}"
    body = r.json()
    return str(body["id"])


def sql_one(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchone()[0]


def build_world(server, db, tag):
    """One object of every kind in a fresh workspace; names carry the tag."""
    low = tag.lower()
    ws = make_workspace(db, name=f"{tag} Workspace", slug=f"{low}-ws")
    admin = make_member(db, ws, "admin", full_name=f"{tag} Admin", email=f"{low}.admin@example.test")
    manager = make_member(db, ws, "manager", full_name=f"{tag} Manager",
                          email=f"{low}.manager@example.test")
    employee = make_member(db, ws, "employee", manager=manager.user_id,
                           full_name=f"{tag} Employee", email=f"{low}.employee@example.test")
    clerk = make_member(db, ws, "employee", manager=manager.user_id,
                        full_name=f"{tag} Clerk", email=f"{low}.clerk@example.test")
    w = World(tag, ws, admin, manager, employee, clerk)
    ids = w.ids
    ids["workspace"] = ws
    ids["user"] = employee.user_id
    ids["auth_session"] = sql_one(
        db, "INSERT INTO auth_sessions (user_id, workspace_id, expires_at)"
        " VALUES (%s, %s, now() + interval '1 day') RETURNING id::text", admin.user_id, ws)
    ids["department"] = created(call(server, admin, "POST", "/api/v1/departments",
                                     {"name": f"{tag} Department"}), "department")
    ids["shift"] = created(call(server, admin, "POST", "/api/v1/shifts",
                                {"name": f"{tag} Shift", "start_time": "09:00",
                                 "end_time": "18:00"}), "shift")
    ids["holiday"] = created(call(server, admin, "POST", "/api/v1/holidays",
                                  {"name": f"{tag} Holiday", "holiday_date": "2030-02-05"}),
                             "holiday")
    ids["announcement"] = created(call(server, admin, "POST", "/api/v1/announcements",
                                       {"title": f"{tag} Announcement",
                                        "content": f"Hello from **{tag}**"}), "announcement")
    role = f"{low}_role"
    r = call(server, admin, "POST", "/api/v1/permissions/roles",
             {"name": role, "label": f"{tag} Role", "rank": 1})
    assert r.status_code in (200, 201), r.text
    ids["role"] = role
    # an open session (the clerk is checked in now) and a closed one with a pending correction
    ids["attendance_session"] = created(
        call(server, clerk, "POST", "/api/v1/attendance/check-in",
             {"work_mode": "office", "note": f"{tag} check-in note"}), "check-in")
    status, body = None, None
    with db.cursor() as cur:
        cur.execute("SELECT status, body FROM wos_attendance_check_in(%s::uuid, %s::uuid,"
                    " 'office', %s, 4, '2024-03-11 09:00+05'::timestamptz)",
                    (ws, employee.user_id, f"{tag} old note"))
        status, body = cur.fetchone()
        assert status == 201, body
        past = json.loads(body)["id"]
        cur.execute("SELECT status FROM wos_attendance_check_out(%s::uuid, %s::uuid, NULL, NULL,"
                    " 'Left early', '2024-03-11 17:00+05'::timestamptz)", (ws, employee.user_id))
        assert cur.fetchone()[0] == 200
    r = call(server, employee, "PATCH", f"/api/v1/attendance/{past}/correction-request",
             {"requested_check_in_at": "2024-03-11T04:00:00Z",
              "requested_check_out_at": "2024-03-11T13:00:00Z", "reason": f"{tag} badge reader"})
    assert r.status_code == 200, r.text
    ids["correction_session"] = past
    ids["attendance_exception"] = sql_one(
        db, "INSERT INTO attendance_exceptions (workspace_id, user_id, session_id, business_date,"
        " exception_type, reason) VALUES (%s, %s, %s, '2024-03-11', 'early', %s) RETURNING id::text",
        ws, employee.user_id, past, f"{tag} exception")
    ids["alert"] = sql_one(
        db, "INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,"
        " related_entity_type, related_entity_id, title, message) VALUES (%s, 'missing_checkout',"
        " 'high', %s, 'attendance_session', %s, %s, %s) RETURNING id::text",
        ws, admin.user_id, ids["attendance_session"], f"{tag} Alert", f"{tag} alert message")
    ids["job"] = sql_one(
        db, "INSERT INTO jobs (workspace_id, kind, payload, status, attempts, max_attempts,"
        " last_error) VALUES (%s, 'probe.isolation', %s, 'dead', 1, 1, %s) RETURNING id::text",
        ws, json.dumps({"tag": tag}), f"{tag} job error")
    r = call(server, employee, "POST", "/api/v1/leaves",
             {"start_date": "2030-03-04", "end_date": "2030-03-05", "leave_type": "casual",
              "reason": f"{tag} family event"})
    ids["leave"] = created(r, "leave")
    return w
