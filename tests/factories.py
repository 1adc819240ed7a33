"""Test data made directly in PostgreSQL, and access tokens for it.

Tokens are real: an auth_sessions row is inserted and the JWT is signed with the server's
APP_SECRET_KEY, so the server verifies it exactly as one issued by POST /auth/login (signature in
C, session/membership/role in the database). Use this to set up members of any role quickly;
use the login route itself where the test is about logging in.

    ws = make_workspace(pg, "Acme")
    boss = make_member(pg, ws, "manager")
    emp = make_member(pg, ws, "employee", manager=boss.user_id)
    r = requests.get(url + "/api/v1/users/me", headers=emp.auth(server))
"""
import time
import uuid
from dataclasses import dataclass

import bcrypt
import jwt

DEV_PASSWORD = "Correct-Horse-Battery-9"
_HASH = bcrypt.hashpw(DEV_PASSWORD.encode(), bcrypt.gensalt(4)).decode()


@dataclass
class Member:
    user_id: str
    workspace_id: str
    role: str
    email: str
    full_name: str
    session_id: str = None

    def token(self, server, minutes=15, **claims):
        """A signed access token for this member (one session per member, created lazily)."""
        if self.session_id is None:
            raise RuntimeError("call make_member(..., pg) first: no session")
        now = int(time.time())
        body = {"sub": self.user_id, "ws": self.workspace_id, "sid": self.session_id,
                "role": self.role, "typ": "access", "jti": uuid.uuid4().hex, "iat": now,
                "exp": now + minutes * 60}
        body.update(claims)
        return jwt.encode(body, server.env["APP_SECRET_KEY"], algorithm="HS256")

    def auth(self, server, **claims):
        return {"Authorization": "Bearer " + self.token(server, **claims)}


def make_workspace(pg, name=None, timezone="Asia/Karachi", slug=None):
    """A workspace with its seven system roles and default settings; returns its id."""
    name = name or "Workspace " + uuid.uuid4().hex[:6]
    slug = slug or "ws-" + uuid.uuid4().hex[:10]
    with pg.cursor() as cur:
        cur.execute("INSERT INTO workspaces (name, slug, timezone) VALUES (%s, %s, %s) RETURNING id",
                    (name, slug, timezone))
        ws = str(cur.fetchone()[0])
        cur.execute("SELECT wos_seed_workspace(%s, 16, 60)", (ws,))
    return ws


def make_member(pg, workspace_id, role="employee", *, manager=None, email=None, full_name=None,
                status="active", shift_id=None, department_id=None, with_session=True):
    """An active account + membership with `role`; returns a Member (with a live session)."""
    full_name = full_name or f"{role.replace('_', ' ').title()} {uuid.uuid4().hex[:5]}"
    email = (email or f"{role}.{uuid.uuid4().hex[:8]}@example.test").lower()
    with pg.cursor() as cur:
        cur.execute("INSERT INTO users (full_name, email, password_hash, status, current_workspace_id)"
                    " VALUES (%s, %s, %s, 'active', %s) RETURNING id",
                    (full_name, email, _HASH, workspace_id))
        user_id = str(cur.fetchone()[0])
        cur.execute("INSERT INTO memberships (workspace_id, user_id, role_id, status, manager_id,"
                    " shift_id, department_id, joined_at)"
                    " SELECT %s, %s, r.id, %s, %s, %s, %s, now() FROM roles r"
                    " WHERE r.workspace_id = %s AND r.name = %s",
                    (workspace_id, user_id, status, manager, shift_id, department_id,
                     workspace_id, role))
        assert cur.rowcount == 1, f"no role {role} in workspace {workspace_id}"
        session_id = None
        if with_session:
            cur.execute("INSERT INTO auth_sessions (user_id, workspace_id, expires_at)"
                        " VALUES (%s, %s, now() + interval '1 day') RETURNING id",
                        (user_id, workspace_id))
            session_id = str(cur.fetchone()[0])
    return Member(user_id, workspace_id, role, email, full_name, session_id)


def make_shift(pg, workspace_id, name="Day", start="09:00", end="18:00", timezone="Asia/Karachi",
               grace=15, working_days="1,2,3,4,5"):
    with pg.cursor() as cur:
        cur.execute("INSERT INTO shifts (workspace_id, name, start_time, end_time, timezone,"
                    " grace_period_minutes, working_days) VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                    (workspace_id, name, start, end, timezone, grace, working_days))
        return str(cur.fetchone()[0])


def make_department(pg, workspace_id, name=None):
    with pg.cursor() as cur:
        cur.execute("INSERT INTO departments (workspace_id, name) VALUES (%s, %s) RETURNING id",
                    (workspace_id, name or "Dept " + uuid.uuid4().hex[:6]))
        return str(cur.fetchone()[0])
