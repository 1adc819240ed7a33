"""Tenant isolation over the whole route table (issue 11).

Two workspaces, A and B, get one real object of every kind an API route addresses by id
(members, sessions of login, departments, shifts, holidays, attendance sessions, corrections,
exceptions, leaves, announcements, alerts, jobs, custom roles). Then B's admin, the strongest
caller outside A:
  - gets 404 on every route with a :param when it names A's object, while the same request
    naming B's own object is not a 404 (so the 404 comes from the workspace filter, not from
    a malformed probe);
  - never sees an A id or an A name in any list, export or lookup, even when filtering by
    A's ids;
  - cannot point B's objects at A's (uuid fields in bodies: always a 4xx);
and afterwards A's rows are byte-for-byte what they were, and no row of B holds an A id.

The routes come from `wos routes` and the request bodies/queries from docs/openapi.json
(tests/torture/openapi_samples.py), so a new route is covered the day it is added; a route
whose :param names a kind this file does not know fails the first test until it is added to
PREFIX_TYPES below.
"""
import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
import requests
from psycopg import sql

from factories import make_member, make_workspace
from torture import openapi_samples as samples

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

# Positive controls that are legitimately 404 for B's admin on B's own object (none so far).
CONTROL_404 = {}

METHOD_ORDER = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}


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


def workspace_tables(db):
    """Tables of the public schema that have a workspace_id column."""
    with db.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.columns WHERE table_schema ="
                    " 'public' AND column_name = 'workspace_id' ORDER BY table_name")
        return [r[0] for r in cur.fetchall()]


def rows_of(db, ws):
    """Every row belonging to ws as text: its workspace row, its tables, its members' accounts."""
    out = {}
    with db.cursor() as cur:
        for table in workspace_tables(db):
            cur.execute(sql.SQL("SELECT t::text FROM {} t WHERE workspace_id = %s ORDER BY 1")
                        .format(sql.Identifier(table)), (ws,))
            out[table] = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT w::text FROM workspaces w WHERE id = %s", (ws,))
        out["workspaces"] = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT u::text FROM users u JOIN memberships m ON m.user_id = u.id"
                    " WHERE m.workspace_id = %s ORDER BY 1", (ws,))
        out["users"] = [r[0] for r in cur.fetchall()]
    return out


def uuids_in(texts):
    found = set()
    for text in texts:
        found.update(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                                text))
    return found


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


@pytest.fixture(scope="module")
def worlds(server, db):
    hexa = uuid.uuid4().hex[:8]
    a = build_world(server, db, f"Alpha{hexa}")
    b = build_world(server, db, f"Bravo{hexa}")
    a_rows = rows_of(db, a.ws)
    b_rows = rows_of(db, b.ws)
    a_only = uuids_in(t for ts in a_rows.values() for t in ts) - uuids_in(
        t for ts in b_rows.values() for t in ts)
    a_only -= {str(r[0]) for r in db.execute("SELECT id FROM permissions").fetchall()}
    assert set(a.ids.values()) - {a.ids["role"]} <= a_only
    return {"a": a, "b": b, "a_ids": a_only, "a_marker": a.tag.lower()}


@pytest.fixture(scope="module")
def routes(server):
    return samples.route_rows(server.proc.args[0])


@pytest.fixture(scope="module")
def doc():
    return samples.load_openapi()


def id_routes(routes):
    out = []
    for r in routes:
        params = samples.path_params(r["path"])
        if r["public"] or not params:
            continue
        if all((r["path"], p) in NOT_IDS for p in params):
            continue
        out.append(r)
    return sorted(out, key=lambda r: (METHOD_ORDER.get(r["method"], 2), r["path"]))


def kind_of(path, param):
    prefix = path[:path.index(":" + param)]
    return PREFIX_TYPES.get(prefix)


def leaks(text, worlds):
    """A's ids and A's tag found in text."""
    low = text.lower()
    found = sorted(i for i in worlds["a_ids"] if i in low)
    if worlds["a_marker"] in low:
        found.append(worlds["a_marker"])
    return found


def probe(server, doc, route, caller, path_world, field_world):
    """The route's request with path ids from path_world and body/query ids from field_world."""
    values = {}
    for p in samples.path_params(route["path"]):
        values[p] = path_world.ids[kind_of(route["path"], p)] if kind_of(route["path"], p) \
            else "probe"
    op = samples.operation(doc, route["method"], route["path"])
    ids = field_world.field_ids()
    body = samples.route_body(doc, route["method"], route["path"], ids) if route["json"] else None
    query = samples.sample_query(op, ids)
    return call(server, caller, route["method"], samples.concrete(route["path"], values),
                body, query)


def test_every_id_parameter_has_a_known_kind(routes):
    unknown = [f'{r["method"]} {r["path"]} :{p}' for r in id_routes(routes)
               for p in samples.path_params(r["path"])
               if (r["path"], p) not in NOT_IDS and kind_of(r["path"], p) is None]
    assert not unknown, ("routes whose :param kind test_isolation.py does not know (add them to"
                         f" PREFIX_TYPES or NOT_IDS): {unknown}")


def test_foreign_ids_are_404_for_the_other_workspace_admin(server, db, doc, routes, worlds):
    a, b = worlds["a"], worlds["b"]
    before = rows_of(db, a.ws)
    failures = []
    checked = 0
    for route in id_routes(routes):
        if any(kind_of(route["path"], p) is None for p in samples.path_params(route["path"])
               if (route["path"], p) not in NOT_IDS):
            continue
        name = f'{route["method"]} {route["path"]}'
        r = probe(server, doc, route, b.admin, a, b)
        checked += 1
        if r.status_code != 404:
            failures.append(f"{name} with A's id: {r.status_code} {r.text[:200]}")
        elif r.json().get("error", {}).get("code") != "NOT_FOUND":
            failures.append(f"{name} with A's id: 404 without NOT_FOUND: {r.text[:200]}")
        elif leaks(r.text, worlds):
            failures.append(f"{name} with A's id: 404 body names A: {r.text[:200]}")
        control = probe(server, doc, route, b.admin, b, b)
        if control.status_code == 404 and name not in CONTROL_404:
            failures.append(f"{name} with B's own id is 404 too: the probe proves nothing: "
                            f"{control.text[:200]}")
        if control.status_code >= 500:
            failures.append(f"{name} with B's own id: {control.status_code} {control.text[:200]}")
    assert checked >= 20, f"only {checked} id routes probed"
    assert not failures, "\n".join(failures)
    assert rows_of(db, a.ws) == before, "a request of B's admin changed A's rows"


def list_routes(routes):
    return [r for r in routes if r["method"] == "GET" and not r["public"]
            and not samples.path_params(r["path"])]


def test_lists_never_show_another_workspace(server, doc, routes, worlds):
    a, b = worlds["a"], worlds["b"]
    failures = []
    wide = {"date_from": "2024-01-01", "date_to": "2030-12-31", "start_date": "2024-03-01",
            "end_date": "2024-03-31", "from": "2024-01-01", "to": "2030-12-31",
            "status": None, "limit": None}
    for route in list_routes(routes):
        op = samples.operation(doc, "GET", route["path"])
        names = {p["name"] for p in samples.query_params(op)}
        plain = samples.sample_query(op, only_required=True)
        ranged = dict(plain, **{k: v for k, v in wide.items() if k in names and v})
        foreign = dict(ranged, **samples.sample_query(op, a.field_ids()))
        variants = {"plain": plain, "date range": ranged, "A's ids": foreign}
        for label, params in variants.items():
            if label != "plain" and params == plain:
                continue
            r = call(server, b.admin, "GET", route["path"], params=params)
            if r.status_code >= 500 or r.status_code in (401, 403):
                failures.append(f'GET {route["path"]} ({label}): {r.status_code} {r.text[:200]}')
                continue
            found = leaks(r.text, worlds)
            if found:
                failures.append(f'GET {route["path"]} ({label}) shows A: {found[:5]}')
    assert len(list_routes(routes)) >= 20
    assert not failures, "\n".join(failures)


def uuid_fields(schema):
    props = schema.get("properties") or {}
    return [n for n, s in props.items() if s.get("format") == "uuid" and n in FIELD_TYPES]


def test_bodies_cannot_point_at_another_workspace(server, db, doc, routes, worlds):
    a, b = worlds["a"], worlds["b"]
    before = rows_of(db, a.ws)
    failures = []
    checked = 0
    for route in routes:
        if route["public"] or not route["json"]:
            continue
        params = samples.path_params(route["path"])
        if any(kind_of(route["path"], p) is None for p in params
               if (route["path"], p) not in NOT_IDS):
            continue
        op = samples.operation(doc, route["method"], route["path"])
        schema = samples.request_schema(op)
        for fname in uuid_fields(schema):
            values = {p: b.ids.get(kind_of(route["path"], p) or "", "probe") for p in params}
            body = samples.route_body(doc, route["method"], route["path"], b.field_ids(),
                                      {fname: a.ids[FIELD_TYPES[fname]]})
            r = call(server, b.admin, route["method"], samples.concrete(route["path"], values),
                     body)
            checked += 1
            if not 400 <= r.status_code < 500 or r.status_code == 401:
                failures.append(f'{route["method"]} {route["path"]} with {fname} of A: '
                                f"{r.status_code} {r.text[:200]}")
            elif leaks(r.text, worlds):
                failures.append(f'{route["method"]} {route["path"]} with {fname} of A: '
                                f"the refusal names A: {r.text[:200]}")
    assert checked >= 5
    assert not failures, "\n".join(failures)
    assert rows_of(db, a.ws) == before, "a request of B's admin changed A's rows"


def test_no_row_of_b_refers_to_a(db, worlds):
    """Runs last in this file: whatever B's admin did above, nothing of B points into A."""
    b_rows = rows_of(db, worlds["b"].ws)
    found = {table: sorted(uuids_in(texts) & worlds["a_ids"])
             for table, texts in b_rows.items() if uuids_in(texts) & worlds["a_ids"]}
    assert not found, f"B's rows hold A's ids: {found}"
    marker = worlds["a_marker"]
    named = [t for t, texts in b_rows.items() if any(marker in x.lower() for x in texts)]
    assert not named, f"B's rows hold A's names: {named}"
