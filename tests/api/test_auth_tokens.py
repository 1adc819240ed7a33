"""Access tokens and password hashes interoperate with standard libraries (python3-jwt,
python3-bcrypt), and every forged variant of a real token is refused."""
import base64
import hashlib
import hmac
import json
import time
import uuid

import bcrypt
import jwt
import pytest

from auth_helpers import (ADMIN_EMAIL, ADMIN_PASSWORD, GOOD_PASSWORD, bearer, login, login_ok,
                          register_request)


def b64(data):
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_hs256(header, claims, key):
    signing_input = f"{b64(header)}.{b64(claims)}".encode()
    sig = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{b64(sig)}"


@pytest.fixture(scope="module")
def admin(server, client):
    http = client(server)
    return login_ok(http, ADMIN_EMAIL, ADMIN_PASSWORD)


def test_access_token_verifies_with_pyjwt_and_carries_the_claims(server, http, admin):
    secret = server.env["APP_SECRET_KEY"]
    claims = jwt.decode(admin["access_token"], secret, algorithms=["HS256"])
    assert jwt.get_unverified_header(admin["access_token"])["alg"] == "HS256"
    assert claims["typ"] == "access"
    assert claims["sub"] == admin["user"]["id"]
    assert claims["ws"] == admin["workspace"]["id"]
    assert claims["role"] == "admin"
    uuid.UUID(claims["sid"])
    assert claims["jti"]
    assert claims["exp"] - claims["iat"] == admin["expires_in"] == 15 * 60
    assert abs(claims["iat"] - time.time()) < 60
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(admin["access_token"], secret + "x", algorithms=["HS256"])
    # The refresh token is opaque: not a JWT, 256 bits of URL-safe text.
    assert admin["refresh_token"].count(".") == 0 and len(admin["refresh_token"]) >= 43
    assert admin["token_type"] == "bearer"
    r = http.get("/api/v1/users/me", headers=bearer(admin["access_token"]))
    assert r.status_code == 200 and r.json()["email"] == ADMIN_EMAIL


def test_forged_variants_of_a_real_token_are_refused(server, http, admin):
    secret = server.env["APP_SECRET_KEY"]
    real = jwt.decode(admin["access_token"], secret, algorithms=["HS256"])
    now = int(time.time())
    head, payload, sig = admin["access_token"].split(".")

    # Control: the same claims re-signed correctly are accepted, so each refusal below is due
    # to the one thing that was changed.
    resigned = jwt.encode(dict(real, jti=uuid.uuid4().hex), secret, algorithm="HS256")
    assert http.get("/api/v1/users/me", headers=bearer(resigned)).status_code == 200

    forged = {
        "tampered payload": f"{head}.{b64(dict(real, role='employee'))}.{sig}",
        "tampered signature": f"{head}.{payload}.{sig[:-4]}"
                              + ("AAAA" if sig[-4:] != "AAAA" else "BBBB"),
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg none signed": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.{sig}",
        "RS256 header, HMAC signature": sign_hs256({"alg": "RS256", "typ": "JWT"}, real, secret),
        "HS512": jwt.encode(real, secret, algorithm="HS512"),
        "expired": jwt.encode(dict(real, iat=now - 3600, exp=now - 60), secret, algorithm="HS256"),
        "refresh-typed": jwt.encode(dict(real, typ="refresh"), secret, algorithm="HS256"),
        "no typ": jwt.encode({k: v for k, v in real.items() if k != "typ"}, secret,
                             algorithm="HS256"),
        "wrong secret": jwt.encode(real, secret[::-1], algorithm="HS256"),
        "refresh token as bearer": admin["refresh_token"],
    }
    for name, token in forged.items():
        r = http.get("/api/v1/users/me", headers=bearer(token))
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] == "AUTH_ERROR", name
        assert r.headers.get("WWW-Authenticate") == "Bearer", name


def test_a_token_verified_before_still_expires_and_its_forgeries_still_fail(server, http, admin):
    """The server keeps tokens it verified (per thread) to skip re-verifying them: a cached token
    stops working the second it expires, and a forgery of a cached token is not mistaken for
    it. Every request goes to every server thread several times, so each thread has it cached."""
    secret = server.env["APP_SECRET_KEY"]
    real = jwt.decode(admin["access_token"], secret, algorithms=["HS256"])
    expires = int(time.time()) + 2
    short = jwt.encode(dict(real, jti=uuid.uuid4().hex, exp=expires), secret, algorithm="HS256")
    for _ in range(12):
        assert http.get("/api/v1/users/me", headers=bearer(short)).status_code == 200
    head, payload, sig = short.split(".")
    tampered = f"{head}.{b64(dict(real, exp=expires, role='employee'))}.{sig}"
    longer = f"{short}A"
    for token in (tampered, longer, short[:-1]):
        for _ in range(6):
            assert http.get("/api/v1/users/me", headers=bearer(token)).status_code == 401
    time.sleep(max(0.0, expires - time.time()) + 1.1)
    for _ in range(12):
        r = http.get("/api/v1/users/me", headers=bearer(short))
        assert r.status_code == 401, r.text


def test_bcrypt_hash_made_by_python_verifies_at_login(server, http, pg):
    conn = pg(server.database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT workspace_id FROM memberships m JOIN users u ON u.id = m.user_id"
                    " WHERE u.email = %s", (ADMIN_EMAIL,))
        ws = cur.fetchone()[0]
        email = f"pyhash.{uuid.uuid4().hex[:8]}@example.test"
        for prefix, rounds in ((b"2b", 5), (b"2a", 4)):
            pw = f"Python-Made-{prefix.decode()}-Hash"
            hashed = bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds, prefix=prefix)).decode()
            mail = prefix.decode() + email
            cur.execute("INSERT INTO users (full_name, email, password_hash, current_workspace_id)"
                        " VALUES ('Py Hash', %s, %s, %s) RETURNING id", (mail, hashed, ws))
            uid = cur.fetchone()[0]
            cur.execute("INSERT INTO memberships (workspace_id, user_id, role_id, joined_at)"
                        " SELECT %s, %s, id, now() FROM roles WHERE workspace_id = %s"
                        " AND name = 'employee'", (ws, uid, ws))
            body = login_ok(http, mail, pw)
            assert body["user"]["id"] == str(uid)
            assert body["workspace"]["role"] == "employee"
            assert login(http, mail, pw + "x").status_code == 401
            login_ok(http, mail, pw)  # a success clears the failure counters again


def test_our_bcrypt_hash_verifies_in_python(server, http, pg):
    email = f"ourhash.{uuid.uuid4().hex[:8]}@example.test"
    r = register_request(http, {"full_name": "Hash Check", "email": email,
                                "password": GOOD_PASSWORD})
    assert r.status_code == 201, r.text
    with pg(server.database_url).cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE email = %s", (email,))
        stored = cur.fetchone()[0]
    rounds = int(server.env["PASSWORD_BCRYPT_ROUNDS"])
    assert stored.startswith(f"$2b${rounds:02d}$") and len(stored) == 60
    assert bcrypt.checkpw(GOOD_PASSWORD.encode(), stored.encode())
    assert not bcrypt.checkpw((GOOD_PASSWORD + "!").encode(), stored.encode())
