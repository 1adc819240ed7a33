"""The route table (`wos routes`) and docs/openapi.json describe the same API, in both directions."""
import json
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def route_table(run_wos):
    out = run_wos("routes")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def doc_path(pattern):
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"{\1}", pattern)


def test_every_route_is_documented_and_every_documented_route_exists(run_wos):
    doc = json.loads(DOC.read_text())
    assert doc["openapi"].startswith("3.1")
    table = {(r["method"].lower(), doc_path(r["path"])) for r in route_table(run_wos)}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    assert table - documented == set(), "routes missing from docs/openapi.json"
    assert documented - table == set(), "documented routes the server does not have"


def test_operations_match_their_rows(run_wos):
    doc = json.loads(DOC.read_text())
    for r in route_table(run_wos):
        op = doc["paths"][doc_path(r["path"])][r["method"].lower()]
        where = f'{r["method"]} {r["path"]}'
        assert op.get("summary"), f"{where}: no summary"
        assert op.get("operationId"), f"{where}: no operationId"
        assert op.get("responses"), f"{where}: no responses"
        if r["public"]:
            assert op.get("security") == [], f"{where}: public route must say security: []"
        else:
            assert op.get("security") != [], f"{where}: authenticated route documented as public"
        if r["json"]:
            assert "requestBody" in op, f"{where}: JSON route without a requestBody schema"
        for name in re.findall(r":([A-Za-z_]+)", r["path"]):
            params = [p.get("name") for p in op.get("parameters", [])]
            params += [p.get("name") for p in doc["paths"][doc_path(r["path"])].get("parameters", [])]
            assert name in params, f"{where}: path parameter {name} undocumented"


def test_operation_ids_are_unique():
    doc = json.loads(DOC.read_text())
    ids = [op["operationId"] for ops in doc["paths"].values() for m, op in ops.items()
           if m in ("get", "post", "put", "patch", "delete")]
    assert len(ids) == len(set(ids))


def test_served_document_is_the_committed_one(http):
    r = http.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.json() == json.loads(DOC.read_text())
