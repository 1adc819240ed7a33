"""Sample requests derived from the route table (`wos routes`) and docs/openapi.json.

Shared by tests/api/test_isolation.py, tests/torture/run.py and scripts/security: each needs,
for a route, a request the validator accepts (so that what is tested is the handler's lookup,
scope or SQL, not the 422 in front of it).

    rows = route_rows(wos_bin)                    # [{"method", "path", "public", "json", "perm"}]
    doc = load_openapi()
    op = operation(doc, "PATCH", "/api/v1/departments/:id")
    body = sample_body(request_schema(op), ids={"head_id": some_user_id})
    query = sample_query(op, ids={"user_id": ...}, only_required=True)

Invariants: values are deterministic (no randomness), always within the schema's bounds
(enum, minLength/maxLength, minimum/maximum, multipleOf, the patterns used in the document),
and uuid-formatted fields are filled only from `ids` (an unknown uuid is never invented: a
missing one is left out when optional and set to the nil uuid when required).
"""

import json
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OPENAPI = REPO / "docs" / "openapi.json"
NIL_UUID = "00000000-0000-0000-0000-000000000000"

# Patterns used in docs/openapi.json and one value that matches each.
PATTERN_VALUES = {
    "^[a-z][a-z0-9_]*$": "probe_role",
    "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$": "09:00",
    "^[1-7](,[1-7])*$": "1,2,3,4,5",
}

# Properties filled first when a body has no required property (a harmless edit).
PREFERRED_OPTIONAL = ("note", "resolution_note", "description", "manager_comment", "reason",
                      "title", "name", "label", "full_name", "phone")

TEXT = "Probe text for a generated request"

# Rules the schema cannot say (cross-field requirements): extra body values per route.
BODY_OVERRIDES = {
    ("POST", "/api/v1/users"): {"role": "employee"},
    ("PATCH", "/api/v1/attendance/:session_id/correction-request"):
        {"requested_check_out_at": "2024-03-11T13:00:00Z"},
}


def load_openapi(path=OPENAPI):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def route_rows(wos_bin, env=None):
    """The route table as printed by `wos routes` (one JSON object per line)."""
    out = subprocess.run([str(wos_bin), "routes"], capture_output=True, text=True, check=True,
                         env=env, timeout=60)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def openapi_path(path):
    """/api/v1/users/:id -> /api/v1/users/{id}"""
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"{\1}", path)


def path_params(path):
    return re.findall(r":([A-Za-z_][A-Za-z0-9_]*)", path)


def concrete(path, values):
    """Fills :params from values (a dict name -> text)."""
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", lambda m: str(values[m.group(1)]), path)


def operation(doc, method, path):
    """The OpenAPI operation object of a route row, or {} when the document lacks it."""
    return doc.get("paths", {}).get(openapi_path(path), {}).get(method.lower(), {}) or {}


def request_schema(op):
    body = op.get("requestBody") or {}
    return (body.get("content", {}).get("application/json", {}) or {}).get("schema") or {}


def _types(schema):
    t = schema.get("type")
    if t is None:
        return []
    return [t] if isinstance(t, str) else list(t)


def _text(schema, name):
    lo = int(schema.get("minLength", 0))
    hi = int(schema.get("maxLength", 10_000))
    value = f"{TEXT} ({name})"
    if len(value) < lo:
        value = value + "x" * (lo - len(value))
    return value[:hi]


def _number(schema, integer):
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    value = 1 if lo is None or lo <= 1 <= (hi if hi is not None else 1) else lo
    if hi is not None and value > hi:
        value = hi
    step = schema.get("multipleOf")
    if step:
        value = round(value / step) * step
    return int(value) if integer else value


def sample_value(schema, name, ids):
    """One valid value for a property schema (see the module invariants)."""
    if "enum" in schema:
        choices = [v for v in schema["enum"] if v is not None]
        if choices:
            return choices[0]
    types = [t for t in _types(schema) if t != "null"]
    kind = types[0] if types else None
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return ids.get(name)
        if fmt == "date":
            return ids.get(name, "2030-01-15")
        if fmt == "date-time":
            return ids.get(name, "2030-01-15T09:00:00Z")
        if fmt == "email":
            return ids.get(name, "probe.generated@example.test")
        if schema.get("pattern") in PATTERN_VALUES:
            return PATTERN_VALUES[schema["pattern"]]
        return ids.get(name, _text(schema, name))
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return sample_body(schema, ids)
    return ids.get(name)


def sample_body(schema, ids=None, override=None):
    """A minimal body the schema accepts: the required properties, or one harmless optional
    one when nothing is required; `override` entries win (None removes a key)."""
    ids = ids or {}
    props = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    names = required
    if not names and props:
        names = [n for n in PREFERRED_OPTIONAL if n in props][:1] or [next(iter(props))]
    body = {}
    for name in names:
        value = sample_value(props.get(name, {}), name, ids)
        if value is None and name in required:
            if props.get(name, {}).get("format") == "uuid":
                value = NIL_UUID
        if value is not None or "null" in _types(props.get(name, {})):
            body[name] = value
    for name, value in (override or {}).items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def route_body(doc, method, path, ids=None, override=None):
    """sample_body for a route row, with the route's BODY_OVERRIDES, then `override`."""
    schema = request_schema(operation(doc, method, path))
    extra = dict(BODY_OVERRIDES.get((method, path), {}))
    extra.update(override or {})
    return sample_body(schema, ids, extra)


def query_params(op):
    return [p for p in op.get("parameters", []) if p.get("in") == "query"]


def sample_query(op, ids=None, only_required=False):
    """Query arguments: the required ones, plus (unless only_required) every uuid-formatted one
    for which ids has a value."""
    ids = ids or {}
    out = {}
    for p in query_params(op):
        schema = p.get("schema") or {}
        name = p["name"]
        if p.get("required"):
            value = sample_value(schema, name, ids)
            out[name] = NIL_UUID if value is None else value
        elif not only_required and schema.get("format") == "uuid" and ids.get(name):
            out[name] = ids[name]
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in out.items()}
