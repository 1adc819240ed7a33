"""CORS (spec 01 §3) and security headers (01 §4), outside and inside production mode."""

import pytest

ALLOWED = "http://localhost:3000"  # FRONTEND_BASE_URL of wos_env()
DEV_ONLY = "http://localhost:3001"
EVIL = "https://evil.example.com"
PROD_FRONTEND = "https://app.example.com"
PROD_EXTRA = "https://admin.example.com"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "X-Frame-Options": "DENY",
}
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                "Access-Control-Allow-Methods", "Access-Control-Allow-Headers")


def tokens(value):
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def assert_cors_allowed(r, origin):
    assert r.headers.get("Access-Control-Allow-Origin") == origin
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "origin" in tokens(r.headers.get("Vary"))


def assert_no_cors(r):
    for name in CORS_HEADERS:
        assert name not in r.headers, name


def preflight(http, path, origin, method="POST"):
    return http.options(path, headers={
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, authorization",
    })


# ---------------------------------------------------------------- CORS, non-production

@pytest.mark.parametrize("origin", [ALLOWED, DEV_ONLY, "http://127.0.0.1:3002",
                                    "http://localhost:5173"])
def test_allowed_origin_is_echoed(http, origin):
    r = http.get("/api/v1/health", headers={"Origin": origin})
    assert r.status_code == 200
    assert_cors_allowed(r, origin)


def test_disallowed_origin_gets_no_cors_but_is_processed(http):
    r = http.get("/api/v1/health", headers={"Origin": EVIL})
    assert r.status_code == 200
    assert r.json()["database"] == "ok"
    assert_no_cors(r)


def test_lookalike_origins_are_refused(http):
    for origin in ("http://localhost:3000.evil.example.com", "http://evil-localhost:3000",
                   "null", "http://localhost:3000/", "https://localhost.evil.example.com"):
        r = http.get("/api/v1/health", headers={"Origin": origin})
        if origin == "http://localhost:3000/":
            # a trailing slash is not part of an Origin; echoing it would be wrong either way
            assert r.headers.get("Access-Control-Allow-Origin") in (None, ALLOWED)
            continue
        assert "Access-Control-Allow-Origin" not in r.headers, origin


def test_preflight_from_allowed_origin(http):
    r = preflight(http, "/api/v1/auth/login", ALLOWED)
    assert r.status_code == 200
    assert_cors_allowed(r, ALLOWED)
    methods = tokens(r.headers.get("Access-Control-Allow-Methods"))
    assert {"get", "post", "put", "patch", "delete"} <= methods
    headers = tokens(r.headers.get("Access-Control-Allow-Headers"))
    assert {"authorization", "content-type"} <= headers


def test_preflight_from_disallowed_origin_is_400_without_cors(http):
    r = preflight(http, "/api/v1/auth/login", EVIL)
    assert r.status_code == 400
    assert_no_cors(r)


def test_error_responses_carry_cors(http):
    r = http.get("/api/v1/nope", headers={"Origin": ALLOWED})
    assert r.status_code == 404
    assert_cors_allowed(r, ALLOWED)
    r = http.delete("/api/v1/health", headers={"Origin": ALLOWED})
    assert r.status_code == 405
    assert_cors_allowed(r, ALLOWED)
    r = http.post("/api/v1/auth/login", data="x", headers={"Origin": ALLOWED,
                                                           "Content-Type": "text/plain"})
    assert r.status_code == 415
    assert_cors_allowed(r, ALLOWED)


def test_exposed_headers(http):
    r = http.get("/api/v1/health", headers={"Origin": ALLOWED})
    exposed = tokens(r.headers.get("Access-Control-Expose-Headers"))
    assert {"content-disposition", "content-length", "content-range",
            "accept-ranges"} <= exposed


# ---------------------------------------------------------------- security headers

@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/v1/health", 200), ("GET", "/health", 200), ("GET", "/", 200),
    ("GET", "/api/v1/nope", 404), ("DELETE", "/api/v1/health", 405),
    ("POST", "/api/v1/auth/login", 422),
])
def test_security_headers_on_api_responses(http, method, path, status):
    kwargs = {"headers": {"Accept": "application/json"}}
    if method == "POST":
        kwargs["json"] = {}
    r = http.request(method, path, **kwargs)
    assert r.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name
    assert "Strict-Transport-Security" not in r.headers


@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/health"),
                                         ("POST", "/api/v1/auth/login"),
                                         ("POST", "/api/v1/auth/refresh")])
def test_no_store_on_root_health_and_auth(http, method, path):
    kwargs = {"headers": {"Accept": "application/json"}}
    if method == "POST":
        kwargs["json"] = {}
    r = http.request(method, path, **kwargs)
    assert r.status_code != 404, path
    assert "no-store" in r.headers.get("Cache-Control", "")


# ---------------------------------------------------------------- production mode

@pytest.fixture(scope="module")
def prod(start_server, wos_env, client):
    env = wos_env(APP_ENV="production", FRONTEND_BASE_URL=PROD_FRONTEND,
                  CORS_ORIGINS="%s,%s" % (PROD_FRONTEND, PROD_EXTRA))
    srv = start_server(env)
    yield client(srv)
    srv.stop()


def test_production_allows_configured_origins(prod):
    for origin in (PROD_FRONTEND, PROD_EXTRA):
        r = prod.get("/api/v1/health", headers={"Origin": origin})
        assert r.status_code == 200
        assert_cors_allowed(r, origin)


@pytest.mark.parametrize("origin", [DEV_ONLY, ALLOWED, "http://127.0.0.1:3000",
                                    "http://localhost:5173", EVIL])
def test_production_refuses_development_origins(prod, origin):
    r = prod.get("/api/v1/health", headers={"Origin": origin})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert preflight(prod, "/api/v1/auth/login", origin).status_code == 400


def test_production_preflight_allowed(prod):
    r = preflight(prod, "/api/v1/auth/login", PROD_FRONTEND)
    assert r.status_code == 200
    assert_cors_allowed(r, PROD_FRONTEND)


def test_production_sends_hsts_and_security_headers(prod):
    for path in ("/api/v1/health", "/health", "/api/v1/nope"):
        r = prod.get(path, headers={"Accept": "application/json"})
        assert r.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, name


def test_production_hides_openapi(prod):
    r = prod.get("/api/v1/openapi.json")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"
