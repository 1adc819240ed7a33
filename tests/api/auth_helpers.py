"""Small helpers shared by the auth and workspace API tests (tests/api/test_auth*.py,
tests/api/test_workspaces.py): sign-in calls, bearer headers, audit and job lookups."""
import itertools
import uuid

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Test-Admin-Passw0rd!"
# Passes the password policy: long enough, not personal, not common.
GOOD_PASSWORD = "Violet-Kettle-Horizon-42"


def bearer(token):
    return {"Authorization": "Bearer " + token}


def unique_email(prefix="user"):
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.test"


def login(http, email, password, **kw):
    return http.post("/api/v1/auth/login", json={"email": email, "password": password}, **kw)


def login_ok(http, email, password):
    r = login(http, email, password)
    assert r.status_code == 200, r.text
    return r.json()


# Registration is limited per client IP (register:ip, AUTH_LOGIN_MAX_ATTEMPTS per window). The
# suite's accounts stand for different people, so each registration comes from its own address:
# the test client is 127.0.0.1, a trusted proxy by default (FORWARDED_ALLOW_IPS), whose
# X-Forwarded-For the server believes. Tests of the limit itself send no such header.
_client_ips = itertools.count(1)


def client_ip():
    """A fresh client address (10.x.y.z) to send as X-Forwarded-For."""
    n = next(_client_ips)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def register_request(http, body, **kw):
    """POST /auth/register from a fresh client address (see client_ip)."""
    headers = dict(kw.pop("headers", None) or {})
    headers.setdefault("X-Forwarded-For", client_ip())
    return http.post("/api/v1/auth/register", json=body, headers=headers, **kw)


def register(http, full_name, email=None, password=GOOD_PASSWORD):
    email = email or unique_email("reg")
    r = register_request(http, {"full_name": full_name, "email": email, "password": password})
    assert r.status_code == 201, r.text
    body = r.json()
    body["email"] = email
    body["password"] = password
    return body


def audit_actions(conn, workspace_id, since_seq=0):
    """Audit action types of a workspace in chain order (after seq `since_seq`)."""
    with conn.cursor() as cur:
        cur.execute("SELECT action_type FROM audit_logs WHERE workspace_id = %s AND seq > %s"
                    " ORDER BY seq", (workspace_id, since_seq))
        return [row[0] for row in cur.fetchall()]


def email_jobs(conn, to):
    """Payloads of the e-mail jobs queued for an address, oldest first."""
    with conn.cursor() as cur:
        cur.execute("SELECT payload FROM jobs WHERE kind = 'email' AND payload->>'to' = %s"
                    " ORDER BY created_at", (to,))
        return [row[0] for row in cur.fetchall()]


def token_from_link(link):
    assert "token=" in link, link
    return link.split("token=", 1)[1].split("&")[0]
