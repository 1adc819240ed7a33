"""Every route that is not on the explicit public list answers 401 without a token, with a
tampered one, with an expired one, with alg=none and with a refresh-typed one."""
import base64
import json
import re
import time
import uuid

import jwt
import pytest

# The routes that may be reached without a token (spec 00 §4.3). Anything else must refuse.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/forgot-password"),
    ("POST", "/api/v1/auth/reset-password"),
    ("POST", "/api/v1/auth/activate-account"),
    ("POST", "/api/v1/auth/register"),
    ("GET", "/api/v1/auth/invitation"),
}


@pytest.fixture(scope="module")
def routes(run_wos):
    out = run_wos("routes")
    assert out.returncode == 0
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def concrete(path):
    return re.sub(r":[A-Za-z_]+", str(uuid.uuid4()), path)


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**over):
    now = int(time.time())
    c = {"sub": str(uuid.uuid4()), "ws": str(uuid.uuid4()), "sid": str(uuid.uuid4()),
         "role": "admin", "typ": "access", "jti": uuid.uuid4().hex, "iat": now, "exp": now + 600}
    c.update(over)
    return c


def bad_tokens(secret):
    good = jwt.encode(claims(), secret, algorithm="HS256")
    head, body, sig = good.split(".")
    tampered_body = b64(dict(claims(), role="admin", sub=str(uuid.uuid4())))
    return {
        "garbage": "not-a-jwt",
        "tampered": f"{head}.{tampered_body}.{sig}",
        "wrong-secret": jwt.encode(claims(), secret + "x", algorithm="HS256"),
        "expired": jwt.encode(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
                              secret, algorithm="HS256"),
        "alg-none": f'{b64({"alg": "none", "typ": "JWT"})}.{b64(claims())}.',
        "refresh-typed": jwt.encode(claims(typ="refresh"), secret, algorithm="HS256"),
        "hs512": jwt.encode(claims(), secret, algorithm="HS512"),
    }


def test_public_list_is_exactly_the_public_rows(routes):
    public_rows = {(r["method"], r["path"]) for r in routes if r["public"]}
    assert public_rows <= PUBLIC, f"routes marked public but not on the list: {public_rows - PUBLIC}"


def test_every_private_route_refuses_missing_and_bad_tokens(routes, server, http):
    secret = server.env["APP_SECRET_KEY"]
    tokens = bad_tokens(secret)
    private = [r for r in routes if not r["public"]]
    for r in private:
        path = concrete(r["path"])
        resp = http.request(r["method"], path, json={} if r["json"] else None)
        assert resp.status_code == 401, f'{r["method"]} {r["path"]} without a token: {resp.status_code}'
        assert resp.json()["error"]["code"] == "AUTH_ERROR"
        assert resp.headers.get("WWW-Authenticate") == "Bearer"
        for name, token in tokens.items():
            resp = http.request(r["method"], path, json={} if r["json"] else None,
                                headers={"Authorization": f"Bearer {token}"})
            assert resp.status_code == 401, f'{r["method"]} {r["path"]} with {name} token: {resp.status_code}'


def test_valid_signature_for_unknown_session_is_refused(routes, server, http):
    """A well-signed token whose session does not exist is stopped by the database half."""
    token = jwt.encode(claims(), server.env["APP_SECRET_KEY"], algorithm="HS256")
    private = [r for r in routes if not r["public"]]
    for r in private:
        resp = http.request(r["method"], concrete(r["path"]), json={} if r["json"] else None,
                            headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, f'{r["method"]} {r["path"]}: {resp.status_code}'
