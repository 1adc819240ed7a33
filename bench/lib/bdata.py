"""bdata.py: the dataset (bench/dataset.sql) and the pools of members the load is spread over.

A pool is a list of members of the large workspace, each with a live sign-in session (an
auth_sessions row) and an access token signed with the server's APP_SECRET_KEY: the same thing
POST /auth/login hands out, so the server verifies it exactly as in production (signature in C,
session/membership/role in the database). Pools are disjoint where a run changes state
(attendance, leave), so that one endpoint's writes never disturb another's members.

Each pool is written twice: as a tab-separated file (token, user id, e-mail) for the wrk scripts,
and as rows of bench.pool for the pgbench scripts, which read their members from there.
"""

import time
import uuid

import bcrypt
import jwt

from benv import MEMBER_PASSWORD, BENCH

# Full-size dataset (the issue's): one workspace of 2,000 members with 90 days of history plus
# 50 small workspaces.
DATASET = {"members": 2000, "days": 90, "small_ws": 50, "small_members": 12, "small_days": 30}

# name -> (roles, size). Employee pools take disjoint slices in this order; "login" reuses the
# readers (signing in only adds sessions).
POOLS = {
    "read": (("employee",), 100),
    "write": (("employee",), 640),
    "leave": (("employee",), 640),
    "login": (("employee",), 200),
    "admins": (("admin", "hr_operations"), 40),
    "managers": (("manager",), 100),
}


class Pool:
    def __init__(self, name, path, members):
        self.name, self.path, self.members = name, path, members
        self.partitioned = False  # set per use: see measure.pgbench_script()

    @property
    def user_ids(self):
        return [m["uid"] for m in self.members]


def load_dataset(env, rounds):
    """Runs bench/dataset.sql with a password hash of the configured cost; returns facts."""
    pw_hash = bcrypt.hashpw(MEMBER_PASSWORD.encode(), bcrypt.gensalt(rounds)).decode()
    t0 = time.monotonic()
    env.psql_file(BENCH / "dataset.sql", variables={**DATASET, "pw_hash": pw_hash})
    seconds = time.monotonic() - t0
    with env.su() as c:
        counts = c.execute(
            "SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM memberships),"
            " (SELECT count(*) FROM attendance_sessions), (SELECT count(*) FROM attendance_breaks),"
            " (SELECT count(*) FROM leave_requests), pg_database_size(current_database())"
        ).fetchone()
    keys = ("workspaces", "members", "sessions", "breaks", "leaves", "db_bytes")
    return {"seconds": seconds, **dict(zip(keys, counts))}


def _members_by_role(c, roles):
    return c.execute(
        "SELECT u.id::text, u.email, r.name, m.workspace_id::text"
        "  FROM memberships m JOIN users u ON u.id = m.user_id"
        "  JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id"
        "  JOIN workspaces w ON w.id = m.workspace_id"
        " WHERE w.slug = 'bench' AND r.name = ANY(%s) AND m.status = 'active'"
        " ORDER BY u.email", (list(roles),)).fetchall()


def _pick(c):
    """name -> [(uid, email, role, ws)]: every 15th employee reads, the next ones write."""
    employees = _members_by_role(c, ("employee",))
    readers = employees[::15][:POOLS["read"][1]]
    taken = {r[0] for r in readers}
    rest = [e for e in employees if e[0] not in taken]
    out = {"read": readers}
    start = 0
    for name in ("write", "leave"):
        out[name] = rest[start:start + POOLS[name][1]]
        start += POOLS[name][1]
    out["login"] = readers + rest[start:start + POOLS["login"][1] - len(readers)]
    for name in ("admins", "managers"):
        roles, size = POOLS[name]
        out[name] = _members_by_role(c, roles)[:size]
    for name, members in out.items():
        if len(members) < min(POOLS[name][1], 64):
            raise RuntimeError(f"pool {name}: only {len(members)} members in the dataset")
    return out


def make_pools(env, token_hours=6):
    """Creates sessions and tokens for every pool; returns name -> Pool."""
    pools = {}
    pool_dir = env.work / "pools"
    pool_dir.mkdir(exist_ok=True)
    now = int(time.time())
    with env.su() as c, c.transaction():
        c.execute("CREATE SCHEMA IF NOT EXISTS bench AUTHORIZATION wos")
        c.execute("CREATE TABLE IF NOT EXISTS bench.pool (pool text, idx integer, sid text,"
                  " uid text, ws text, role text, email text, PRIMARY KEY (pool, idx))")
        c.execute("GRANT SELECT ON bench.pool TO wos")
        for name, rows in _pick(c).items():
            members = []
            for uid, email, role, ws in rows:
                sid = c.execute("INSERT INTO auth_sessions (user_id, workspace_id, expires_at,"
                                " user_agent, ip_address) VALUES (%s, %s, now() + interval '1 day',"
                                " 'wos-bench', '127.0.0.1') RETURNING id::text",
                                (uid, ws)).fetchone()[0]
                claims = {"sub": uid, "ws": ws, "sid": sid, "role": role, "typ": "access",
                          "jti": uuid.uuid4().hex, "iat": now, "exp": now + token_hours * 3600}
                token = jwt.encode(claims, env.secret, algorithm="HS256")
                members.append({"uid": uid, "email": email, "role": role, "ws": ws, "sid": sid,
                                "token": token})
            path = pool_dir / f"{name}.tsv"
            path.write_text("".join(f"{m['token']}\t{m['uid']}\t{m['email']}\n" for m in members))
            with c.cursor() as cur:
                cur.executemany("INSERT INTO bench.pool VALUES (%s, %s, %s, %s, %s, %s, %s)",
                                [(name, i, m["sid"], m["uid"], m["ws"], m["role"], m["email"])
                                 for i, m in enumerate(members)])
            pools[name] = Pool(name, path, members)
    with env.su() as c:
        c.execute("ANALYZE auth_sessions")
    return pools


def reset_attendance(env, pool):
    """Checks out every open session of the pool with the product's own function."""
    with env.su() as c:
        c.execute("SELECT wos_attendance_check_out(a.workspace_id, a.user_id, 'overtime',"
                  " 'Benchmark reset', 'Benchmark reset', now())"
                  "  FROM attendance_sessions a"
                  " WHERE a.session_status = 'active' AND a.user_id = ANY(%s::uuid[])",
                  (pool.user_ids,))


def reset_leaves(env, pool):
    """Cancels every pending request of the pool with the product's own function."""
    with env.su() as c:
        c.execute("SELECT wos_leave_cancel(l.workspace_id, l.user_id, l.id, '127.0.0.1',"
                  " 'bench-reset') FROM leave_requests l"
                  " WHERE l.status = 'pending' AND l.user_id = ANY(%s::uuid[])",
                  (pool.user_ids,))
