"""`wos bootstrap` (spec 03 §2.4, §3.10): idempotent, reconciles the admin's password from the
environment, refuses a password with surrounding whitespace without touching anything, and never
re-adds a permission an admin removed from a role's bundle."""
import bcrypt

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Test-Admin-Passw0rd!"
# The tables the bootstrapper writes; their whole content is compared between runs.
TABLES = ["permissions", "role_default_permissions", "roles", "role_permissions", "users",
          "memberships", "application_settings", "workspaces", "audit_logs", "auth_sessions"]


def snapshot(conn):
    """Every row of TABLES, as sorted JSON text per table (timestamps and hashes included)."""
    out = {}
    for table in TABLES:
        out[table] = [r for (r,) in conn.execute(
            f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1").fetchall()]
    return out


def migrate(run_wos, env):
    res = run_wos("migrate", "upgrade", env=env)
    assert res.returncode == 0, res.stderr


def bootstrap(run_wos, env):
    res = run_wos("bootstrap", env=env)
    assert res.returncode == 0, res.stderr
    return res


def admin_row(conn):
    return conn.execute("SELECT id, password_hash, full_name FROM users WHERE email = %s",
                        (ADMIN_EMAIL,)).fetchone()


def test_first_run_creates_the_admin_and_ten_runs_change_nothing(wos_env, run_wos, pg):
    env = wos_env()
    migrate(run_wos, env)
    first = bootstrap(run_wos, env)
    assert "bootstrap admin ready: admin@example.com" in first.stderr
    conn = pg(env["DATABASE_URL"])
    after_one = snapshot(conn)
    assert len(after_one["permissions"]) == 39
    assert len(after_one["roles"]) == 7
    assert len(after_one["users"]) == 1
    actions = [a for (a,) in conn.execute("SELECT action_type FROM audit_logs ORDER BY seq")]
    assert actions == ["workspace.created", "bootstrap.admin_created"]
    for _ in range(9):
        bootstrap(run_wos, env)
    assert snapshot(conn) == after_one


def test_password_change_is_reconciled(wos_env, run_wos, pg):
    env = wos_env()
    migrate(run_wos, env)
    bootstrap(run_wos, env)
    conn = pg(env["DATABASE_URL"])
    admin_id, old_hash, _ = admin_row(conn)
    assert bcrypt.checkpw(ADMIN_PASSWORD.encode(), old_hash.encode())
    ws = conn.execute("SELECT id FROM workspaces WHERE slug = 'default'").fetchone()[0]
    conn.execute("INSERT INTO auth_sessions (user_id, workspace_id, expires_at)"
                 " VALUES (%s, %s, now() + interval '1 day')", (admin_id, ws))

    new_password = "Rotated-Admin-Passw0rd#2"
    bootstrap(run_wos, dict(env, BOOTSTRAP_ADMIN_PASSWORD=new_password,
                            BOOTSTRAP_ADMIN_NAME="Renamed Admin"))
    same_id, new_hash, name = admin_row(conn)
    assert same_id == admin_id
    assert name == "Renamed Admin"
    assert bcrypt.checkpw(new_password.encode(), new_hash.encode())
    assert not bcrypt.checkpw(ADMIN_PASSWORD.encode(), new_hash.encode())
    # the old password's sessions end with it
    assert conn.execute("SELECT count(*) FROM auth_sessions WHERE user_id = %s"
                        " AND revoked_at IS NULL", (admin_id,)).fetchone()[0] == 0
    action, new_value = conn.execute("SELECT action_type, new_value FROM audit_logs"
                                     " ORDER BY seq DESC LIMIT 1").fetchone()
    assert action == "bootstrap.admin_reconciled"
    assert new_value["password_changed"] is True
    assert new_hash not in str(new_value), "the audit row never holds a hash"

    # the reconciled state is stable: another run with the same environment changes nothing
    before = snapshot(conn)
    bootstrap(run_wos, dict(env, BOOTSTRAP_ADMIN_PASSWORD=new_password,
                            BOOTSTRAP_ADMIN_NAME="Renamed Admin"))
    assert snapshot(conn) == before


def fingerprint(conn):
    row = conn.execute("SELECT value FROM bootstrap_state"
                       " WHERE name = 'admin_password_fingerprint'").fetchone()
    return row[0] if row else None


def test_fingerprint_skips_bcrypt_but_never_hides_a_change(wos_env, run_wos, pg):
    """The keyed fingerprint lets a restart skip bcrypt; a hash changed in the app, a forged or
    missing fingerprint and a new APP_SECRET_KEY all fall back to the bcrypt check."""
    env = wos_env()
    migrate(run_wos, env)
    bootstrap(run_wos, env)
    conn = pg(env["DATABASE_URL"])
    first = fingerprint(conn)
    assert first is not None and len(first) == 64
    assert ADMIN_PASSWORD not in first
    admin_id, stored_hash, _ = admin_row(conn)

    # same environment: nothing changes, the fingerprint included
    before = snapshot(conn)
    bootstrap(run_wos, env)
    assert snapshot(conn) == before and fingerprint(conn) == first

    # the admin changed the password in the app: the next start restores the configured one
    other = bcrypt.hashpw(b"Changed-In-The-App-9", bcrypt.gensalt(4)).decode()
    conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (other, admin_id))
    bootstrap(run_wos, env)
    _, restored, _ = admin_row(conn)
    assert bcrypt.checkpw(ADMIN_PASSWORD.encode(), restored.encode())
    assert fingerprint(conn) not in (None, first), "the fingerprint follows the new hash"

    # a forged fingerprint is not trusted: bcrypt decides, the password stays, the row is fixed
    good = fingerprint(conn)
    conn.execute("UPDATE bootstrap_state SET value = repeat('0', 64)")
    bootstrap(run_wos, dict(env, BOOTSTRAP_ADMIN_PASSWORD="Another-Admin-Passw0rd#3"))
    _, rotated, _ = admin_row(conn)
    assert bcrypt.checkpw(b"Another-Admin-Passw0rd#3", rotated.encode())
    assert fingerprint(conn) not in (good, "0" * 64)

    # a new APP_SECRET_KEY misses the fingerprint once and rewrites it; the hash is kept
    env2 = dict(env, BOOTSTRAP_ADMIN_PASSWORD="Another-Admin-Passw0rd#3",
                APP_SECRET_KEY="a-different-secret-key-of-enough-length-0123")
    old_fp = fingerprint(conn)
    bootstrap(run_wos, env2)
    _, kept, _ = admin_row(conn)
    assert kept == rotated
    assert fingerprint(conn) != old_fp
    conn.execute("DELETE FROM bootstrap_state")
    bootstrap(run_wos, env2)
    assert admin_row(conn)[1] == rotated and fingerprint(conn) is not None


def test_password_with_surrounding_whitespace_is_refused(wos_env, run_wos, pg):
    env = wos_env()
    migrate(run_wos, env)
    bootstrap(run_wos, env)
    conn = pg(env["DATABASE_URL"])
    before = snapshot(conn)
    for padded in (" " + ADMIN_PASSWORD, ADMIN_PASSWORD + " ", "\t" + ADMIN_PASSWORD + "\t"):
        res = run_wos("bootstrap", env=dict(env, BOOTSTRAP_ADMIN_PASSWORD=padded))
        assert res.returncode != 0
        assert "BOOTSTRAP_ADMIN_PASSWORD" in res.stderr
        assert "whitespace" in res.stderr
        assert padded.strip() not in res.stderr, "the password is never printed"
        assert snapshot(conn) == before


def test_whitespace_password_on_a_fresh_database_creates_nothing(wos_env, run_wos, pg):
    env = wos_env()
    migrate(run_wos, env)
    res = run_wos("bootstrap", env=dict(env, BOOTSTRAP_ADMIN_PASSWORD=ADMIN_PASSWORD + "  "))
    assert res.returncode != 0
    assert "whitespace" in res.stderr
    conn = pg(env["DATABASE_URL"])
    for table in ("users", "workspaces", "permissions", "audit_logs"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_removed_permission_is_not_re_added(wos_env, run_wos, pg):
    env = wos_env()
    migrate(run_wos, env)
    bootstrap(run_wos, env)
    conn = pg(env["DATABASE_URL"])
    removed = conn.execute(
        "DELETE FROM role_permissions rp USING roles r, permissions p, workspaces w"
        " WHERE r.workspace_id = rp.workspace_id AND r.id = rp.role_id"
        " AND p.id = rp.permission_id AND w.id = r.workspace_id AND w.slug = 'default'"
        " AND r.name = 'manager' AND p.code = 'leave.approve'").rowcount
    assert removed == 1
    before = snapshot(conn)
    bootstrap(run_wos, env)
    bootstrap(run_wos, env)
    held = conn.execute(
        "SELECT count(*) FROM role_permissions rp JOIN roles r"
        " ON r.workspace_id = rp.workspace_id AND r.id = rp.role_id"
        " JOIN permissions p ON p.id = rp.permission_id"
        " WHERE r.name = 'manager' AND p.code = 'leave.approve'").fetchone()[0]
    assert held == 0
    assert snapshot(conn) == before
    # the default bundle itself still lists it: only this workspace's copy was edited
    assert conn.execute("SELECT count(*) FROM role_default_permissions WHERE role_name = 'manager'"
                        " AND permission_code = 'leave.approve'").fetchone()[0] == 1
