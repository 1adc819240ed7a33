"""`wos seed` and the ops routes (spec 01 §6): the demo workspace has the promised shape, its
derived attendance fields follow the rules of spec 04, a second run adds nothing, --reset
rebuilds it without breaking the audit chain, production refuses, and POST /api/v1/ops/db/seed
and /ops/db/bootstrap-admin are for admins of the default workspace only, audited."""
import re

import bcrypt
import pytest
import requests

from factories import make_member, make_workspace

DEV_PASSWORD = "Workforce-Dev-2026!"
ROLE_COUNTS = {"admin": 2, "hr_operations": 3, "manager": 5, "team_lead": 8, "employee": 30,
               "junior_employee": 6, "intern": 6}
LEAVE_STATUSES = {"pending", "approved", "rejected", "escalated", "cancelled",
                  "needs_clarification"}
# Tables whose rows a second run must leave untouched (global ones included).
TABLES = ["workspaces", "users", "memberships", "roles", "role_permissions", "departments",
          "shifts", "holidays", "attendance_sessions", "attendance_breaks", "daily_stats",
          "leave_requests", "approval_timeline", "notifications", "announcements", "audit_logs",
          "application_settings"]


def migrated_env(wos_env, run_wos, **overrides):
    env = wos_env(**overrides)
    for args in (("migrate", "upgrade"), ("bootstrap",)):
        res = run_wos(*args, env=env)
        assert res.returncode == 0, res.stderr
    return env


def one(conn, sql, *args):
    return conn.execute(sql, args).fetchone()


def rows(conn, sql, *args):
    return conn.execute(sql, args).fetchall()


def counts(conn):
    return {t: one(conn, f"SELECT count(*) FROM {t}")[0] for t in TABLES}


# A session whose derived fields differ from what check-in/check-out would have computed.
RULES_SQL = """
WITH th AS (SELECT
  (SELECT value::int FROM application_settings WHERE workspace_id = %(ws)s
    AND key = 'attendance.full_leave_below_minutes') AS fl,
  (SELECT value::int FROM application_settings WHERE workspace_id = %(ws)s
    AND key = 'attendance.half_day_below_minutes') AS hd,
  (SELECT value::int FROM application_settings WHERE workspace_id = %(ws)s
    AND key = 'attendance.full_day_above_minutes') AS fd)
SELECT a.id, a.attendance_classification, a.worked_minutes FROM attendance_sessions a
  JOIN memberships m ON m.workspace_id = a.workspace_id AND m.user_id = a.user_id
  JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
  CROSS JOIN th
 WHERE a.workspace_id = %(ws)s AND NOT (
   a.is_late_login = (a.check_in_at > a.expected_shift_start_at
                      + s.grace_period_minutes * interval '1 minute')
   AND a.late_minutes = CASE WHEN a.is_late_login THEN
       floor(extract(epoch FROM a.check_in_at - a.expected_shift_start_at) / 60) ELSE 0 END
   AND a.expected_shift_start_at = ((a.expected_shift_start_at AT TIME ZONE s.timezone)::date
       + s.start_time) AT TIME ZONE s.timezone
   AND a.expected_shift_end_at - a.expected_shift_start_at = interval '1 minute' * CASE
       WHEN s.end_time <= s.start_time
       THEN 1440 - extract(epoch FROM s.start_time - s.end_time) / 60
       ELSE extract(epoch FROM s.end_time - s.start_time) / 60 END
   AND a.total_break_minutes = a.dinner_break_minutes + a.prayer_break_minutes
       + a.other_break_minutes
   AND a.total_break_minutes = (SELECT coalesce(sum(b.duration_minutes), 0)
       FROM attendance_breaks b WHERE b.workspace_id = a.workspace_id
       AND b.attendance_session_id = a.id)
   AND a.dinner_break_minutes = (SELECT coalesce(sum(b.duration_minutes), 0)
       FROM attendance_breaks b WHERE b.workspace_id = a.workspace_id
       AND b.attendance_session_id = a.id AND b.break_type = 'dinner')
   AND CASE WHEN a.session_status = 'active' THEN
       a.check_out_at IS NULL AND a.attendance_classification = 'active'
     ELSE a.session_status = 'completed'
       AND a.worked_minutes = floor(extract(epoch FROM a.check_out_at - a.check_in_at) / 60)
       AND abs(a.total_hours * 3600 - extract(epoch FROM a.check_out_at - a.check_in_at)) < 1
       AND a.attendance_classification = CASE
           WHEN a.worked_minutes < th.fl THEN 'full_leave'
           WHEN a.worked_minutes < th.hd THEN 'half_day'
           WHEN a.worked_minutes <= th.fd THEN 'short_leave' ELSE 'full_day' END
       AND a.is_overtime = (a.checkout_after_shift_reason IS NOT DISTINCT FROM 'overtime')
       AND (a.checkout_after_shift_reason = 'auto_checkout'
            OR (a.check_out_at > a.expected_shift_end_at)
               = (a.checkout_after_shift_reason IS NOT NULL
                  AND a.checkout_after_shift_note IS NOT NULL))
       AND (a.checkout_after_shift_reason IS DISTINCT FROM 'auto_checkout'
            OR a.check_out_at = least(a.expected_shift_end_at + interval '1 minute' * (
                SELECT value::int FROM application_settings WHERE workspace_id = %(ws)s
                   AND key = 'attendance.auto_close_grace_minutes'),
               a.check_in_at + interval '1 hour' * (
                SELECT value::int FROM application_settings WHERE workspace_id = %(ws)s
                   AND key = 'attendance.max_active_hours')))
       AND (a.checkout_after_shift_reason = 'auto_checkout'
            OR a.is_early_logout = (a.check_out_at < a.expected_shift_end_at))
       AND (NOT a.is_early_logout OR (length(btrim(a.early_checkout_reason)) >= 5
            AND a.early_checkout_minutes = floor(extract(epoch FROM
                a.expected_shift_end_at - a.check_out_at) / 60)))
     END)
 LIMIT 5"""


def demo_id(conn):
    row = one(conn, "SELECT id FROM workspaces WHERE slug = 'demo'")
    return row and str(row[0])


@pytest.fixture(scope="module")
def seeded(wos_env, run_wos, pg):
    """One database seeded once; tests of this module only read it."""
    env = migrated_env(wos_env, run_wos)
    res = run_wos("seed", env=env)
    assert res.returncode == 0, res.stderr
    return env, res, pg(env["DATABASE_URL"])


def test_seed_reports_progress_and_the_password(seeded):
    _, res, _ = seeded
    assert "workspace 'demo' created" in res.stdout
    assert "attendance:" in res.stdout and "sessions" in res.stdout
    assert DEV_PASSWORD in res.stdout
    ms = int(re.search(r"done in (\d+) ms", res.stdout).group(1))
    assert ms < 15000, "the seed should take a few seconds at most"


def test_workspace_members_and_roles(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    assert one(conn, "SELECT name, timezone FROM workspaces WHERE id = %s", ws) == (
        "Acme Operations", "Asia/Karachi")
    per_role = dict(rows(conn, "SELECT r.name, count(*) FROM memberships m JOIN roles r"
                               " ON r.workspace_id = m.workspace_id AND r.id = m.role_id"
                               " WHERE m.workspace_id = %s AND m.status = 'active'"
                               " GROUP BY r.name", ws))
    assert per_role == ROLE_COUNTS
    members = rows(conn, "SELECT u.email, u.full_name, u.password_hash, u.status"
                         " FROM memberships m JOIN users u ON u.id = m.user_id"
                         " WHERE m.workspace_id = %s", ws)
    assert len(members) == 60
    for email, name, _, status in members:
        first, last = name.lower().split(" ", 1)
        assert email == f"{first}.{last}@acme.test"
        assert status == "active"
    hashes = {m[2] for m in members}
    assert len(hashes) == 1, "the password is hashed once and the hash reused"
    assert bcrypt.checkpw(DEV_PASSWORD.encode(), hashes.pop().encode())


def test_manager_hierarchy(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    members = {str(uid): (role, mgr and str(mgr)) for uid, role, mgr in rows(
        conn, "SELECT m.user_id, r.name, m.manager_id FROM memberships m JOIN roles r"
              " ON r.workspace_id = m.workspace_id AND r.id = m.role_id"
              " WHERE m.workspace_id = %s", ws)}
    roots = [uid for uid, (role, mgr) in members.items() if mgr is None]
    assert len(roots) == 1 and members[roots[0]][0] == "admin"
    management = {"admin", "hr_operations", "manager", "team_lead"}
    for uid, (role, mgr) in members.items():
        if mgr is None:
            continue
        assert members[mgr][0] in management, f"{role} reports to a {members[mgr][0]}"
        seen, cur = set(), uid
        while members[cur][1] is not None:  # no cycles: every chain reaches the root
            assert cur not in seen
            seen.add(cur)
            cur = members[cur][1]
        assert cur == roots[0]
    leads = [uid for uid, (role, _) in members.items() if role == "team_lead"]
    assert all(members[members[t][1]][0] == "manager" for t in leads)
    under_leads = [uid for uid, (role, mgr) in members.items()
                   if role in ("employee", "intern", "junior_employee") and mgr in leads]
    assert len(under_leads) >= 30
    heads = one(conn, "SELECT count(*), count(admin_id) FROM departments WHERE workspace_id = %s",
                ws)
    assert heads[0] >= 4 and heads[1] == heads[0]


def test_shifts_and_holidays(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    shifts = {(str(s), str(e), tz) for s, e, tz in rows(
        conn, "SELECT start_time, end_time, timezone FROM shifts WHERE workspace_id = %s", ws)}
    assert ("17:00:00", "02:00:00", "Asia/Karachi") in shifts
    assert ("09:00:00", "18:00:00", "Asia/Karachi") in shifts
    on_overnight = one(conn, "SELECT count(*) FROM memberships m JOIN shifts s ON s.id = m.shift_id"
                             " WHERE m.workspace_id = %s AND s.start_time = '17:00'", ws)[0]
    assert on_overnight >= 20
    assert one(conn, "SELECT count(*) FROM holidays WHERE workspace_id = %s", ws)[0] >= 5
    # one holiday falls inside the attendance window, so the data shows a day off
    assert one(conn, "SELECT count(*) FROM holidays h JOIN workspaces w ON w.id = h.workspace_id"
                     " WHERE w.id = %s AND h.holiday_date BETWEEN"
                     " (now() AT TIME ZONE w.timezone)::date - 30"
                     " AND (now() AT TIME ZONE w.timezone)::date - 1", ws)[0] >= 1


def test_thirty_days_of_attendance(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    first, last, days, members = one(
        conn, "SELECT min(d), max(d), count(DISTINCT d), count(DISTINCT s.user_id) FROM ("
              " SELECT user_id, (expected_shift_start_at AT TIME ZONE 'Asia/Karachi')::date AS d"
              " FROM attendance_sessions WHERE workspace_id = %s) s", ws)
    today = one(conn, "SELECT (now() AT TIME ZONE 'Asia/Karachi')::date")[0]
    assert (today - first).days == 30
    assert (today - last).days <= 1
    assert days >= 27
    assert members == 60
    per_member = rows(conn, "SELECT count(*) FROM attendance_sessions WHERE workspace_id = %s"
                            " GROUP BY user_id", ws)
    assert min(n for (n,) in per_member) >= 10
    assert one(conn, "SELECT count(*) FROM attendance_sessions WHERE workspace_id = %s"
                     " AND session_status = 'active'"
                     " GROUP BY user_id ORDER BY 1 DESC LIMIT 1", ws) in (None, (1,))
    classes = {c for (c,) in rows(conn, "SELECT DISTINCT attendance_classification"
                                        " FROM attendance_sessions WHERE workspace_id = %s", ws)}
    assert {"full_day", "short_leave", "half_day", "full_leave"} <= classes
    flags = one(conn, "SELECT count(*) FILTER (WHERE is_late_login),"
                      " count(*) FILTER (WHERE is_early_logout),"
                      " count(*) FILTER (WHERE is_overtime),"
                      " count(*) FILTER (WHERE work_mode = 'wfh'),"
                      " count(*) FILTER (WHERE checkout_after_shift_reason = 'auto_checkout')"
                      " FROM attendance_sessions WHERE workspace_id = %s", ws)
    assert all(n > 0 for n in flags), flags
    types = {t for (t,) in rows(conn, "SELECT DISTINCT break_type FROM attendance_breaks"
                                      " WHERE workspace_id = %s", ws)}
    assert types == {"dinner", "prayer", "other"}
    assert one(conn, "SELECT count(*) FROM daily_stats WHERE workspace_id = %s AND is_absent",
               ws)[0] > 0


def test_attendance_fields_follow_the_rules(seeded):
    """Every derived field is what check-in, breaks and check-out would have computed."""
    _, _, conn = seeded
    ws = demo_id(conn)
    bad = conn.execute(RULES_SQL, {"ws": ws}).fetchall()
    assert bad == [], f"sessions whose derived fields break the rules: {bad}"
    outside = one(conn, "SELECT count(*) FROM attendance_breaks b JOIN attendance_sessions a"
                        " ON a.workspace_id = b.workspace_id AND a.id = b.attendance_session_id"
                        " WHERE b.workspace_id = %s AND (b.ended_at IS NULL"
                        " OR b.started_at < a.check_in_at"
                        " OR b.ended_at > coalesce(a.check_out_at, now())"
                        " OR b.duration_minutes <> floor(extract(epoch FROM b.ended_at"
                        "    - b.started_at) / 60)"
                        " OR (b.break_type = 'other' AND b.note IS NULL))", ws)[0]
    assert outside == 0
    overlapping = one(conn, "SELECT count(*) FROM attendance_breaks x JOIN attendance_breaks y"
                            " ON y.workspace_id = x.workspace_id"
                            " AND y.attendance_session_id = x.attendance_session_id"
                            " AND y.id <> x.id AND y.started_at < x.ended_at"
                            " AND x.started_at < y.ended_at WHERE x.workspace_id = %s", ws)[0]
    assert overlapping == 0
    # daily stats agree with the sessions they summarise
    stats = one(conn, "SELECT count(*) FROM daily_stats d JOIN attendance_sessions a"
                      " ON a.workspace_id = d.workspace_id AND a.id = d.primary_session_id"
                      " WHERE d.workspace_id = %s AND (d.total_hours <> a.total_hours"
                      " OR d.is_late_login <> a.is_late_login OR d.is_absent)", ws)[0]
    assert stats == 0


def test_leave_requests_in_every_status_with_timelines(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    leaves = rows(conn, "SELECT l.id, l.status, l.leave_type, l.is_half_day, l.escalation_count,"
                        " l.current_approver_id, l.user_id,"
                        " array_agg(t.action ORDER BY t.created_at)"
                        " FROM leave_requests l JOIN approval_timeline t"
                        " ON t.workspace_id = l.workspace_id AND t.entity_type = 'leave_request'"
                        " AND t.entity_id = l.id"
                        " WHERE l.workspace_id = %s GROUP BY l.workspace_id, l.id", ws)
    total = one(conn, "SELECT count(*) FROM leave_requests WHERE workspace_id = %s", ws)[0]
    assert len(leaves) == total, "every request has timeline rows"
    assert {l[1] for l in leaves} == LEAVE_STATUSES
    assert {"wfh", "half_day"} <= {l[2] for l in leaves}
    assert any(l[3] and l[2] != "half_day" for l in leaves), "a casual/sick half day"
    last = {"approved": "approved", "rejected": "rejected", "cancelled": "cancelled",
            "needs_clarification": "clarified", "escalated": "escalated", "pending": "created"}
    for _, status, _, _, escalations, approver, requester, actions in leaves:
        assert actions[0] == "created"
        assert actions[-1] == last[status], (status, actions)
        assert approver is not None and approver != requester
        assert (status == "escalated") == (escalations > 0)
        assert actions.count("escalated") == escalations
    assert max(l[4] for l in leaves) == 2, "one request went on to an admin"


def test_announcements(seeded):
    """Markdown content with content_html rendered (and sanitised) the way the routes render it."""
    _, _, conn = seeded
    ws = demo_id(conn)
    items = {t: (c, h, st, d) for t, c, h, st, d in rows(
        conn, "SELECT title, content, content_html, status, target_department_id"
              " FROM announcements WHERE workspace_id = %s", ws)}
    assert len(items) >= 5
    assert {"active", "draft", "archived"} <= {i[2] for i in items.values()}
    assert any(i[3] is not None for i in items.values()), "one targets a department"
    for content, html, _, _ in items.values():
        assert html.startswith("<p>")
        if "**" in content:
            assert "<strong>" in html
        if "&" in content:
            assert "&amp;" in html
    town_hall = next(h for t, (_, h, _, _) in items.items() if t.startswith("Town hall"))
    assert "<li>R&amp;D roadmap</li>" in town_hall
    assert "&lt;next quarter&gt;" in town_hall, "raw HTML in the source stays text"


def test_seed_audit_row(seeded):
    _, _, conn = seeded
    ws = demo_id(conn)
    audit = rows(conn, "SELECT action_type, actor_user_id, new_value -> 'members'"
                       " FROM audit_logs WHERE workspace_id = %s ORDER BY seq", ws)
    assert audit == [("seed.created", None, 60)]
    assert rows(conn, "SELECT * FROM wos_audit_verify(%s)", ws) == []


def test_second_run_adds_nothing(wos_env, run_wos, pg):
    env = migrated_env(wos_env, run_wos)
    assert run_wos("seed", env=env).returncode == 0
    conn = pg(env["DATABASE_URL"])
    before = counts(conn)
    again = run_wos("seed", env=env)
    assert again.returncode == 0, again.stderr
    assert "already exists" in again.stdout
    assert counts(conn) == before


def test_reset_rebuilds_and_keeps_the_audit_chain(wos_env, run_wos, pg):
    env = migrated_env(wos_env, run_wos)
    assert run_wos("seed", env=env).returncode == 0
    conn = pg(env["DATABASE_URL"])
    ws = demo_id(conn)
    fresh = counts(conn)
    hassan = str(one(conn, "SELECT id FROM users WHERE email = 'hassan.ali@acme.test'")[0])
    # activity after seeding: an extra holiday, an outsider member, audit rows naming both
    conn.execute("INSERT INTO holidays (workspace_id, name, holiday_date)"
                 " VALUES (%s, 'Extra day', '2001-01-01')", (ws,))
    outsider = make_member(conn, ws, "employee", email="outsider@example.org")
    for actor in (hassan, outsider.user_id):
        conn.execute("SELECT wos_audit_append(%s, %s, 'LOGIN', 'user', %s, NULL, NULL, NULL,"
                     " NULL, NULL, NULL)", (ws, actor, actor))

    res = run_wos("seed", "--reset", env=env)
    assert res.returncode == 0, res.stderr
    assert "emptied" in res.stdout
    assert demo_id(conn) == ws, "the workspace keeps its id (and its audit chain)"
    after = counts(conn)
    assert one(conn, "SELECT count(*) FROM holidays WHERE name = 'Extra day'")[0] == 0
    for table in ("departments", "shifts", "holidays", "attendance_sessions", "attendance_breaks",
                  "daily_stats", "leave_requests", "approval_timeline", "notifications",
                  "announcements", "role_permissions", "application_settings", "roles"):
        assert after[table] == fresh[table], table
    audit = [a for (a,) in rows(conn, "SELECT action_type FROM audit_logs WHERE workspace_id = %s"
                                      " ORDER BY seq", ws)]
    assert audit == ["seed.created", "LOGIN", "LOGIN", "seed.reset"]
    assert rows(conn, "SELECT * FROM wos_audit_verify(%s)", ws) == []
    # the outsider stays (an audit row names them) but is no longer an active member
    assert one(conn, "SELECT status, department_id FROM memberships"
                     " WHERE workspace_id = %s AND user_id = %s", ws, outsider.user_id) == (
        "inactive", None)
    assert one(conn, "SELECT count(*) FROM memberships WHERE workspace_id = %s"
                     " AND status = 'active'", ws)[0] == 60
    assert one(conn, "SELECT count(*) FROM auth_sessions WHERE workspace_id = %s"
                     " AND revoked_at IS NULL", ws)[0] == 0


def test_seed_bootstraps_a_fresh_schema_and_refuses_an_unmigrated_one(wos_env, run_wos, pg):
    env = wos_env()
    res = run_wos("seed", env=env)
    assert res.returncode == 1
    assert "wos migrate upgrade" in res.stderr
    assert run_wos("migrate", "upgrade", env=env).returncode == 0
    res = run_wos("seed", env=env)  # like `wos serve`, it bootstraps first
    assert res.returncode == 0, res.stderr
    conn = pg(env["DATABASE_URL"])
    assert one(conn, "SELECT count(*) FROM users WHERE email = 'admin@example.com'")[0] == 1
    assert one(conn, "SELECT count(*) FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"
                     " WHERE w.slug = 'demo' AND m.status = 'active'")[0] == 60


def test_refused_in_production(wos_env, run_wos, pg):
    env = migrated_env(wos_env, run_wos)
    prod = dict(env, APP_ENV="production")
    res = run_wos("seed", env=prod)
    assert res.returncode == 1
    assert "production" in res.stderr
    assert demo_id(pg(env["DATABASE_URL"])) is None


# ---- the ops routes ----

@pytest.fixture(scope="module")
def ops_server(start_server):
    return start_server()


@pytest.fixture(scope="module")
def ops_conn(ops_server, pg):
    return pg(ops_server.database_url)


def default_ws(conn):
    return str(one(conn, "SELECT id FROM workspaces WHERE slug = 'default'")[0])


def post(server, path, headers=None, **kw):
    return requests.post(server.url + path, headers=headers or {}, timeout=60, **kw)


def test_ops_routes_need_a_token(ops_server):
    for path in ("/api/v1/ops/db/seed", "/api/v1/ops/db/bootstrap-admin"):
        r = post(ops_server, path)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "AUTH_ERROR"


def test_ops_routes_refuse_non_admins_and_other_workspaces_admins(ops_server, ops_conn):
    ws = default_ws(ops_conn)
    hr = make_member(ops_conn, ws, "hr_operations")
    tenant_admin = make_member(ops_conn, make_workspace(ops_conn), "admin")
    for who in (hr, tenant_admin):
        for path in ("/api/v1/ops/db/seed", "/api/v1/ops/db/bootstrap-admin"):
            r = post(ops_server, path, who.auth(ops_server), json={})
            assert r.status_code == 403, (who.role, path, r.text)
            assert r.json()["error"]["code"] == "PERMISSION_ERROR"
    assert demo_id(ops_conn) is None


def test_ops_seed_by_an_admin(ops_server, ops_conn):
    ws = default_ws(ops_conn)
    admin = make_member(ops_conn, ws, "admin")
    bad = post(ops_server, "/api/v1/ops/db/seed", admin.auth(ops_server), json={"reset": "yes"})
    assert bad.status_code == 422

    r = post(ops_server, "/api/v1/ops/db/seed", admin.auth(ops_server))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "created"
    assert body["counts"]["members"] == 60 and body["counts"]["roles"] == ROLE_COUNTS
    assert body["workspace"] == {"id": demo_id(ops_conn), "slug": "demo"}

    r = post(ops_server, "/api/v1/ops/db/seed", admin.auth(ops_server), json={})
    assert r.status_code == 200 and r.json()["status"] == "exists"
    r = post(ops_server, "/api/v1/ops/db/seed", admin.auth(ops_server), json={"reset": True})
    assert r.status_code == 200 and r.json()["status"] == "reset"
    assert r.json()["workspace"]["id"] == body["workspace"]["id"]

    audit = rows(ops_conn, "SELECT actor_user_id::text, entity_id::text, new_value ->> 'outcome',"
                           " metadata ->> 'reset', ip_address IS NOT NULL, request_id IS NOT NULL"
                           " FROM audit_logs WHERE workspace_id = %s AND action_type = 'ops.seed'"
                           " ORDER BY seq", ws)
    demo = body["workspace"]["id"]
    assert audit == [(admin.user_id, demo, "created", "false", True, True),
                     (admin.user_id, demo, "exists", "false", True, True),
                     (admin.user_id, demo, "reset", "true", True, True)]
    assert rows(ops_conn, "SELECT * FROM wos_audit_verify(%s)", ws) == []
    assert rows(ops_conn, "SELECT action_type FROM audit_logs WHERE workspace_id = %s"
                          " ORDER BY seq", demo) == [("seed.created",), ("seed.reset",)]


def test_ops_bootstrap_admin_by_an_admin(ops_server, ops_conn):
    ws = default_ws(ops_conn)
    admin = make_member(ops_conn, ws, "admin")
    r = post(ops_server, "/api/v1/ops/db/bootstrap-admin", admin.auth(ops_server))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "admin_email": "admin@example.com"}
    audit = rows(ops_conn, "SELECT actor_user_id::text, entity_label FROM audit_logs"
                           " WHERE workspace_id = %s AND action_type = 'ops.bootstrap_admin'", ws)
    assert audit == [(admin.user_id, "admin@example.com")]
    assert rows(ops_conn, "SELECT * FROM wos_audit_verify(%s)", ws) == []


def test_ops_seed_refused_in_production(start_server, wos_env, pg):
    env = wos_env(APP_ENV="production", FRONTEND_BASE_URL="https://hr.acme.example",
                  CORS_ORIGINS="https://hr.acme.example")
    srv = start_server(env)
    conn = pg(srv.database_url)
    admin = make_member(conn, default_ws(conn), "admin")
    r = post(srv, "/api/v1/ops/db/seed", admin.auth(srv), json={})
    assert r.status_code == 403
    assert "production" in r.json()["error"]["message"]
    assert demo_id(conn) is None
