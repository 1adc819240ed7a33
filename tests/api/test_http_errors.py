"""HTTP-level errors and request plumbing (spec 00 §4.3, §4.4; 01 §7).

The JSON-route checks use POST /api/v1/auth/login (fields email, password), the public route
every build has. They run against a module server of their own with a 1 KiB body limit and a
login limiter loose enough that their failed logins never reach 429 (02 §4).
"""

import json
import re
import time

import pytest

import rawhttp

LOGIN = "/api/v1/auth/login"
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def assert_envelope(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert isinstance(err["details"], list)
    return err


def login(http, body, **kwargs):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return http.post(LOGIN, data=data, headers=headers, **kwargs)


def fields_of(err):
    return {d["field"]: d["message"] for d in err["details"]}


# ---------------------------------------------------------------- routing errors

@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/health/extra", "/api/v2/health",
                                  "/api/v1/users/00000000-0000-4000-8000-000000000000/nothing"])
def test_unknown_api_path_is_404(http, path):
    err = assert_envelope(http.get(path), 404, "NOT_FOUND")
    assert err["details"] == []


def test_unknown_path_with_other_method_is_404(http):
    assert_envelope(http.post("/api/v1/nope", json={}), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(http):
    r = http.delete("/api/v1/health")
    assert_envelope(r, 405, "API_ERROR")
    allow = [m.strip() for m in r.headers["Allow"].split(",")]
    assert "GET" in allow
    assert "DELETE" not in allow
    if http.head("/api/v1/health").status_code == 200:
        assert "HEAD" in allow


def test_wrong_method_on_json_route_lists_post(api):
    r = api.get(LOGIN)
    assert_envelope(r, 405, "API_ERROR")
    assert "POST" in [m.strip() for m in r.headers["Allow"].split(",")]


# ---------------------------------------------------------------- bodies

@pytest.fixture(scope="module")
def api_server(start_server, wos_env):
    srv = start_server(wos_env(HTTP_MAX_BODY_BYTES="1024", AUTH_LOGIN_MAX_ATTEMPTS="1000"))
    yield srv
    srv.stop()


@pytest.fixture
def api(api_server, client):
    with client(api_server) as session:
        yield session


def test_body_over_limit_is_413(api):
    body = json.dumps({"email": "a@example.com", "password": "x" * 2000})
    assert_envelope(login(api, body), 413, "API_ERROR")


def test_chunked_body_over_limit_is_413(api):
    def chunks():
        yield b'{"email": "a@example.com", "password": "'
        for _ in range(40):
            yield b"y" * 100
        yield b'"}'

    r = api.post(LOGIN, data=chunks(), headers={"Content-Type": "application/json"})
    assert_envelope(r, 413, "API_ERROR")


def test_body_under_limit_is_processed(api):
    r = login(api, {"email": "nobody@example.com", "password": "Wrong-Passw0rd!"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_ERROR"


def test_text_plain_body_is_415(api):
    r = api.post(LOGIN, data="email=a@example.com", headers={"Content-Type": "text/plain"})
    assert_envelope(r, 415, "API_ERROR")


def test_form_body_is_415(api):
    r = api.post(LOGIN, data={"email": "a@example.com", "password": "x"})
    assert_envelope(r, 415, "API_ERROR")


def test_json_with_charset_is_accepted(api):
    r = login(api, {"email": "nobody@example.com", "password": "Wrong-Passw0rd!"},
              headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 401


@pytest.mark.parametrize("body", ['{"email": "a@example.com", "password": ', "{bad json",
                                  '{"email": "a@example.com"}}', "\xff\xfe"])
def test_malformed_json_is_422(api, body):
    data = body.encode("latin-1") if body.startswith("\xff") else body
    err = assert_envelope(login(api, data), 422, "VALIDATION_ERROR")
    assert err["message"] == "Request validation failed."
    assert err["details"], "malformed JSON must be described in details"
    for d in err["details"]:
        assert set(d) >= {"field", "message"}


def test_json_array_instead_of_object_is_422(api):
    assert_envelope(login(api, "[]"), 422, "VALIDATION_ERROR")


def test_empty_json_body_is_422_naming_both_fields(api):
    err = assert_envelope(login(api, "{}"), 422, "VALIDATION_ERROR")
    assert {"email", "password"} <= set(fields_of(err))


def test_missing_password_is_named_with_neutral_message(api):
    err = assert_envelope(login(api, {"email": "a@example.com"}), 422, "VALIDATION_ERROR")
    assert fields_of(err) == {"password": "Invalid value."}


def test_missing_email_is_named(api):
    err = assert_envelope(login(api, {"password": "Some-Passw0rd!"}), 422, "VALIDATION_ERROR")
    assert list(fields_of(err)) == ["email"]


def test_unknown_field_is_named(api):
    body = {"email": "a@example.com", "password": "Some-Passw0rd!", "remember_me_please": True}
    err = assert_envelope(login(api, body), 422, "VALIDATION_ERROR")
    assert "remember_me_please" in fields_of(err)


def test_wrong_type_is_422(api):
    err = assert_envelope(login(api, {"email": 12345, "password": "Some-Passw0rd!"}), 422,
                          "VALIDATION_ERROR")
    assert "email" in fields_of(err)


def test_wrong_type_password_is_never_echoed(api):
    secret = "Echo-Canary-7f3a9c"
    for value in ([secret], {"v": secret}, 918273645):
        r = login(api, {"email": "a@example.com", "password": value})
        err = assert_envelope(r, 422, "VALIDATION_ERROR")
        assert fields_of(err) == {"password": "Invalid value."}
        assert secret not in r.text and "918273645" not in r.text


def test_invalid_email_value_is_not_echoed(api):
    canary = "not-an-email-canary-41d2"
    r = login(api, {"email": canary, "password": "Some-Passw0rd!"})
    if r.status_code == 422:
        assert canary not in r.text
    else:
        assert r.status_code == 401


# ---------------------------------------------------------------- request id and access log

def test_request_id_generated_when_absent(http):
    a = http.get("/health").headers["X-Request-ID"]
    b = http.get("/health").headers["X-Request-ID"]
    assert SANE_ID.match(a) and SANE_ID.match(b)
    assert a != b


def test_sane_request_id_is_echoed(http):
    r = http.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"


def test_request_id_echoed_on_errors(http):
    r = http.get("/api/v1/nope", headers={"X-Request-ID": "err-rid-1"})
    assert r.status_code == 404
    assert r.headers["X-Request-ID"] == "err-rid-1"


@pytest.mark.parametrize("hostile", [b"x" * 65, b"has space", b"tab\there", b"ctl\x01char",
                                     b"quote\"it", b"<script>", b"\xc3\xa9t\xc3\xa9"])
def test_hostile_request_id_is_replaced(server, hostile):
    resp = rawhttp.request(server.host, server.port, "GET", "/health",
                           headers={"X-Request-ID": hostile})
    assert resp is not None and resp.status == 200
    rid = resp.header("X-Request-ID")
    assert rid and SANE_ID.match(rid)
    assert rid.encode("latin-1") != hostile


def wait_for_log(server, needle, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.log().splitlines():
            if needle in line:
                return line
        time.sleep(0.05)
    raise AssertionError("no log line containing %r; log tail:\n%s"
                         % (needle, "\n".join(server.log().splitlines()[-20:])))


def test_access_log_line_without_query_secrets(server, http):
    rid = "log-check-%d" % int(time.time() * 1000)
    r = http.get("/api/v1/health?token=secret123&x=1", headers={"X-Request-ID": rid})
    assert r.status_code == 200
    line = wait_for_log(server, rid)
    assert "GET" in line
    assert "/api/v1/health" in line
    assert re.search(r"\b200\b", line)
    assert "?" not in line
    assert "secret123" not in server.log()


def test_access_log_records_error_status(server, http):
    rid = "log-404-%d" % int(time.time() * 1000)
    http.get("/api/v1/nope?access_token=tok-canary-99", headers={"X-Request-ID": rid})
    line = wait_for_log(server, rid)
    assert re.search(r"\b404\b", line)
    assert "/api/v1/nope" in line
    assert "tok-canary-99" not in server.log()


def test_access_log_follows_log_level(start_server, wos_env, client):
    """LOG_LEVEL=warn writes no access line (the line is not even built), info writes one."""
    quiet = start_server(wos_env(LOG_LEVEL="warn"))
    rid = "log-quiet-%d" % int(time.time() * 1000)
    r = client(quiet).get("/api/v1/health", headers={"X-Request-ID": rid})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == rid
    loud = start_server(wos_env(LOG_LEVEL="info"))
    client(loud).get("/api/v1/health", headers={"X-Request-ID": rid})
    wait_for_log(loud, rid)
    assert rid not in quiet.log()


def test_password_never_logged(api_server, api):
    canary = "Log-Canary-Passw0rd-5521"
    rid = "log-pw-%d" % int(time.time() * 1000)
    r = login(api, {"email": "nobody@example.com", "password": canary},
              headers={"X-Request-ID": rid})
    assert r.status_code == 401
    wait_for_log(api_server, rid)
    assert canary not in api_server.log()
