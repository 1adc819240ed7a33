"""Root endpoints (spec 01 §7, 12): /health, /, /api/v1/health, /api/v1/openapi.json."""

WELCOME = {"message": "Welcome to Workforce Intelligence API"}


def test_health_is_ok_and_not_cached(http):
    r = http.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["Content-Type"].startswith("application/json")
    assert "no-store" in r.headers["Cache-Control"]


def test_health_answers_head_without_body(http):
    r = http.head("/health")
    assert r.status_code == 200
    assert r.content == b""


def test_root_welcomes_api_clients(http):
    r = http.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json() == WELCOME
    assert "no-store" in r.headers["Cache-Control"]


def test_root_without_accept_header_is_the_json_welcome(http):
    r = http.get("/", headers={"Accept": None})
    assert r.status_code == 200
    assert r.json() == WELCOME


def test_api_health_reports_dependencies_and_jobs(http):
    r = http.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    jobs = body["jobs"]
    for key in ("queued", "dead"):
        assert isinstance(jobs[key], int) and not isinstance(jobs[key], bool)
        assert jobs[key] >= 0
    assert "no-store" in r.headers["Cache-Control"]


def test_api_health_is_public(http):
    r = http.get("/api/v1/health", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 200


def test_openapi_document_outside_production(http):
    r = http.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert doc["openapi"] == "3.1.0"
    assert isinstance(doc["paths"], dict) and doc["paths"]
    assert isinstance(doc["info"]["title"], str) and doc["info"]["title"]
