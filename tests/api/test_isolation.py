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
whose :param names a kind tests/torture/world.py does not know fails the first test until it
is added to PREFIX_TYPES there.
"""
import re
import uuid

import pytest
from psycopg import sql

from torture import openapi_samples as samples
from torture.world import FIELD_TYPES, NOT_IDS, build_world, call, kind_of

# Positive controls that are legitimately 404 for B's admin on B's own object (none so far).
CONTROL_404 = {}

METHOD_ORDER = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}


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
    assert not unknown, ("routes whose :param kind tests/torture/world.py does not know (add"
                         f" them to PREFIX_TYPES or NOT_IDS there): {unknown}")


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
