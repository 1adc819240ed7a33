/*
 * seed.c: `wos seed [--reset]`, the development data set (spec 01 §6).
 *
 * Builds one workspace, slug "demo" ("Acme Operations", Asia/Karachi), in a
 * single transaction on a connection whose caller holds the migration lock:
 *   - 6 departments; the 17:00-02:00 evening shift, a 09:00-18:00 day shift
 *     and a Wed-Sun support rotation (which also covers public holidays);
 *   - public and company holidays;
 *   - 60 members over the seven system roles (seed_data.c) with
 *     a manager hierarchy, e-mails <first>.<last>@acme.test, all signing in
 *     with SEED_PASSWORD (hashed once, the one hash reused for every member);
 *   - leave/WFH/half-day requests in every status with approval_timeline rows
 *     and the notifications their flow sends (seed_data.c);
 *   - the last 30 days of attendance (plus today's sessions that
 *     already started): check-in/out, late and early cases, overtime,
 *     auto-closed sessions, absences, paid breaks, daily_stats, every derived
 *     field computed by the rules of spec 04 (classification thresholds read
 *     from the workspace's settings);
 *   - announcements (Markdown, content_html rendered by core/markdown.c as
 *     the announcements routes render it).
 *
 * Reproducible: the "random" choices come from a counter-based generator,
 * RAND(key) = the first 32 bits of md5("wos-seed-1:" || key) / 2^32, keyed by
 * the member's e-mail, the day's offset from today and the purpose. The same
 * member on the same day offset always gets the same data, in any order.
 * Dates are relative to today in the workspace's timezone; ids are fresh.
 *
 * A second run without --reset changes nothing (the existing workspace is
 * reported). --reset keeps the workspace row (its id) and its audit chain,
 * which is append-only: it deletes every other row of the workspace in one
 * statement (tables discovered from the catalogue, so tables added by later
 * migrations are emptied too), except the memberships, which are never
 * deleted: they are unlinked and deactivated, and the seed reactivates its
 * own. Roles, bundles and settings return to their defaults, the workspace's
 * sign-in sessions are revoked, and one audit row "seed.reset" records the
 * counts before and after. A first run writes "seed.created". Both are
 * written with actor NULL (System).
 *
 * All memory and PGresults of a run hang off one arena freed at the end.
 */
#include "db/seed.h"
#include "db/seed_int.h"

#include "auth/password.h"
#include "core/common.h"
#include "core/config.h"
#include "core/log.h"
#include "core/markdown.h"
#include "db/bootstrap.h"
#include "db/db.h"
#include "db/migrate.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Development only: printed by the command, documented in docs/operations.md. */
#define SEED_PASSWORD "Workforce-Dev-2026!"
#define SEED_NAME "Acme Operations"
#define SEED_TIMEZONE "Asia/Karachi"
#define SEED_DOMAIN "acme.test"
#define ROTATION_SHIFT "Support Rotation (Wed-Sun)"

/* Counter-based pseudo-random number in [0, 1) for the SQL text expression k. */
#define RAND(k)                                                                                    \
    "(('x' || substr(md5('wos-seed-1:' || " k "), 1, 8))::bit(32)::bigint "                        \
    "/ 4294967296.0::float8)"

/* ---- SQL ---- */

static const char sql_schema_ready[] =
    "SELECT to_regclass('announcements') IS NOT NULL "
    "AND to_regprocedure('wos_seed_workspace(uuid,integer,integer)') IS NOT NULL "
    "AND to_regprocedure('wos_audit_append(uuid,uuid,text,text,uuid,text,jsonb,jsonb,jsonb,"
    "text,text)') IS NOT NULL";

static const char sql_catalogue_ready[] = "SELECT EXISTS (SELECT 1 FROM role_default_permissions)";

static const char sql_find_workspace[] =
    "SELECT id FROM workspaces WHERE slug = '" WOS_SEED_SLUG "' FOR UPDATE";

static const char sql_create_workspace[] =
    "INSERT INTO workspaces (name, slug, timezone) "
    "VALUES ('" SEED_NAME "', '" WOS_SEED_SLUG "', '" SEED_TIMEZONE "') RETURNING id";

/* Row counts of the workspace, as the JSON the result and the audit rows carry. */
static const char sql_counts[] =
    "SELECT json_build_object("
    "'members', (SELECT count(*) FROM memberships WHERE workspace_id = $1 AND status = 'active'),"
    "'roles', (SELECT coalesce(json_object_agg(x.name, x.n ORDER BY x.rank DESC), '{}') FROM "
    "  (SELECT r.name, r.rank, count(m.id) AS n FROM roles r LEFT JOIN memberships m "
    "   ON m.workspace_id = r.workspace_id AND m.role_id = r.id AND m.status = 'active' "
    "   WHERE r.workspace_id = $1 GROUP BY r.name, r.rank) x),"
    "'departments', (SELECT count(*) FROM departments WHERE workspace_id = $1),"
    "'shifts', (SELECT count(*) FROM shifts WHERE workspace_id = $1),"
    "'holidays', (SELECT count(*) FROM holidays WHERE workspace_id = $1),"
    "'attendance_sessions', (SELECT count(*) FROM attendance_sessions WHERE workspace_id = $1),"
    "'attendance_breaks', (SELECT count(*) FROM attendance_breaks WHERE workspace_id = $1),"
    "'daily_stats', (SELECT count(*) FROM daily_stats WHERE workspace_id = $1),"
    "'leave_requests', (SELECT count(*) FROM leave_requests WHERE workspace_id = $1),"
    "'approval_timeline', (SELECT count(*) FROM approval_timeline WHERE workspace_id = $1),"
    "'notifications', (SELECT count(*) FROM notifications WHERE workspace_id = $1),"
    "'announcements', (SELECT count(*) FROM announcements WHERE workspace_id = $1))::text";

/*
 * Empties workspace ws for --reset. Every table of the current schema with a
 * workspace_id column is emptied in ONE statement (one data-modifying CTE per
 * table), so foreign keys between them, cycles included, are checked once at
 * its end. Kept: the workspace, its audit rows (append-only), and every
 * membership, unlinked and deactivated: memberships are never deleted (audit
 * rows name them as actors, and the application role may not lock audit rows,
 * which the foreign key check of a deleted membership would do); the seed
 * reactivates its own. Roles still held by a membership stay too. The
 * workspace's sign-in sessions are revoked, not deleted. Identifiers come
 * from the catalogue (format %I), the workspace id is a parameter.
 */
static const char sql_purge_function[] =
    "CREATE OR REPLACE FUNCTION pg_temp.wos_seed_purge(ws uuid) RETURNS void "
    "LANGUAGE plpgsql AS $fn$\n"
    "DECLARE\n"
    "    ctes text;\n"
    "BEGIN\n"
    "    UPDATE memberships SET manager_id = NULL, created_by = NULL, department = NULL,\n"
    "           department_id = NULL, shift_id = NULL, status = 'inactive'\n"
    "     WHERE workspace_id = ws;\n"
    "    UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'revoked'\n"
    "     WHERE workspace_id = ws AND revoked_at IS NULL;\n"
    "    SELECT string_agg(format('d%s AS (DELETE FROM %I.%I WHERE workspace_id = $1)',\n"
    "                             t.n, t.nspname, t.relname), ', ')\n"
    "      INTO ctes\n"
    "      FROM (SELECT n.nspname, c.relname, row_number() OVER (ORDER BY c.relname) AS n\n"
    "              FROM pg_class c\n"
    "              JOIN pg_namespace n ON n.oid = c.relnamespace\n"
    "              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'workspace_id'\n"
    "                                 AND NOT a.attisdropped\n"
    "             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')\n"
    "               AND NOT c.relispartition\n"
    "               AND c.relname NOT IN ('workspaces', 'audit_logs', 'memberships', 'roles',\n"
    "                                     'auth_sessions')) t;\n"
    "    EXECUTE 'WITH ' || ctes || ',\n"
    "        dr AS (DELETE FROM roles r WHERE r.workspace_id = $1 AND NOT EXISTS (\n"
    "                  SELECT 1 FROM memberships m WHERE m.workspace_id = $1\n"
    "                     AND m.role_id = r.id))\n"
    "        SELECT 1' USING ws;\n"
    "END\n"
    "$fn$";

static const char sql_purge[] = "SELECT pg_temp.wos_seed_purge($1)";

/* Roles and settings (missing ones), then the default bundles of the system roles. */
static const char sql_seed_roles[] = "SELECT wos_seed_workspace($1, $2::integer, $3::integer)";
static const char sql_default_bundles[] =
    "INSERT INTO role_permissions (workspace_id, role_id, permission_id) "
    "SELECT r.workspace_id, r.id, p.id FROM roles r "
    "JOIN role_default_permissions d ON d.role_name = r.name "
    "JOIN permissions p ON p.code = d.permission_code "
    "WHERE r.workspace_id = $1 AND r.is_system ON CONFLICT DO NOTHING";

/*
 * Departments, shifts and holidays. Holidays: Pakistan's fixed-date public
 * holidays of the years around today, the tentative Eid dates of 2026-2027,
 * and two company days placed relative to today (one inside the attendance
 * window, on a Wednesday), all from 30 days ago to a year ahead.
 */
static const char sql_org[] =
    "WITH d AS ("
    " INSERT INTO departments (workspace_id, name, description) VALUES"
    "  ($1, 'Engineering', 'Builds and runs the Acme platform'),"
    "  ($1, 'Product', 'Product management, design and research'),"
    "  ($1, 'Customer Support', 'Customer support, evenings and the weekend rotation'),"
    "  ($1, 'Sales', 'North American accounts'),"
    "  ($1, 'Operations', 'Facilities, finance, procurement and IT'),"
    "  ($1, 'People & Culture', 'Hiring, onboarding and people operations')"
    " RETURNING 1"
    "), s AS ("
    " INSERT INTO shifts (workspace_id, name, description, start_time, end_time, timezone,"
    "                     grace_period_minutes, working_days) VALUES"
    "  ($1, 'Evening Shift (PKT)', 'US-hours shift, overnight', '17:00', '02:00',"
    "   '" SEED_TIMEZONE "', 15, '1,2,3,4,5'),"
    "  ($1, 'Day Shift (PKT)', 'Office hours', '09:00', '18:00', '" SEED_TIMEZONE "', 15,"
    "   '1,2,3,4,5'),"
    "  ($1, '" ROTATION_SHIFT "', 'Support coverage including weekends and public holidays',"
    "   '10:00', '19:00', '" SEED_TIMEZONE "', 10, '3,4,5,6,7')"
    " RETURNING 1"
    "), t AS ("
    " SELECT (now() AT TIME ZONE w.timezone)::date AS today FROM workspaces w WHERE w.id = $1"
    "), fixed AS ("
    " SELECT f.name, f.description, make_date(y.y, f.m, f.d) AS day"
    "   FROM t CROSS JOIN generate_series(extract(year FROM t.today)::int - 1,"
    "                                     extract(year FROM t.today)::int + 1) AS y (y)"
    "  CROSS JOIN (VALUES"
    "   ('Kashmir Solidarity Day', 'Public holiday', 2, 5),"
    "   ('Pakistan Day', 'Public holiday', 3, 23),"
    "   ('Labour Day', 'Public holiday', 5, 1),"
    "   ('Youm-e-Takbeer', 'Public holiday', 5, 28),"
    "   ('Independence Day', 'Public holiday', 8, 14),"
    "   ('Iqbal Day', 'Public holiday', 11, 9),"
    "   ('Quaid-e-Azam Day', 'Public holiday', 12, 25)) AS f (name, description, m, d)"
    " UNION ALL"
    " SELECT e.name, 'Public holiday (tentative, subject to moon sighting)', e.day::date"
    "   FROM (VALUES"
    "   ('Eid ul-Fitr', '2026-03-20'), ('Eid ul-Fitr (2nd day)', '2026-03-21'),"
    "   ('Eid ul-Fitr (3rd day)', '2026-03-22'), ('Eid ul-Adha', '2026-05-27'),"
    "   ('Eid ul-Adha (2nd day)', '2026-05-28'), ('Ashura', '2026-06-25'),"
    "   ('Eid Milad-un-Nabi', '2026-08-26'),"
    "   ('Eid ul-Fitr', '2027-03-10'), ('Eid ul-Fitr (2nd day)', '2027-03-11'),"
    "   ('Eid ul-Fitr (3rd day)', '2027-03-12'), ('Eid ul-Adha', '2027-05-17'),"
    "   ('Eid ul-Adha (2nd day)', '2027-05-18'), ('Ashura', '2027-06-15'),"
    "   ('Eid Milad-un-Nabi', '2027-08-15')) AS e (name, day)"
    " UNION ALL"
    " SELECT 'Acme Foundation Day', 'Company holiday',"
    "        t.today - 8 - ((extract(isodow FROM t.today - 8)::int + 4) % 7) FROM t"
    " UNION ALL"
    " SELECT 'Company offsite', 'Company day out: no attendance expected',"
    "        t.today + 24 - ((extract(isodow FROM t.today + 24)::int + 2) % 7) FROM t"
    "), h AS ("
    " INSERT INTO holidays (workspace_id, name, description, holiday_date)"
    " SELECT DISTINCT ON (fixed.day) $1, fixed.name, fixed.description, fixed.day"
    "   FROM fixed CROSS JOIN t"
    "  WHERE fixed.day BETWEEN t.today - 30 AND t.today + 365"
    "  ORDER BY fixed.day, fixed.name"
    " RETURNING 1"
    ") SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM s), (SELECT count(*) FROM h)";

/*
 * Accounts and memberships from the people JSON ($2) and the one password
 * hash ($3). Accounts of the seed's domain are the seed's: an existing one
 * (from an earlier run) gets the development password and is reactivated.
 */
static const char sql_people[] =
    "WITH p AS ("
    " SELECT * FROM json_to_recordset($2::json) AS x (email text, full_name text, phone text,"
    "   role text, dept text, designation text, shift text, joined int)"
    "), u AS ("
    " INSERT INTO users (email, full_name, phone, password_hash, status, current_workspace_id,"
    "                    created_at)"
    " SELECT p.email, p.full_name, p.phone, $3, 'active', $1,"
    "        now() - p.joined * interval '1 day' FROM p"
    " ON CONFLICT (email) DO UPDATE SET full_name = EXCLUDED.full_name, phone = EXCLUDED.phone,"
    "   password_hash = EXCLUDED.password_hash, status = 'active',"
    "   current_workspace_id = EXCLUDED.current_workspace_id"
    " RETURNING id, email"
    ") INSERT INTO memberships (workspace_id, user_id, role_id, status, department,"
    "   department_id, shift_id, designation, joined_at, created_at)"
    " SELECT $1, u.id, r.id, 'active', d.name, d.id, s.id, p.designation,"
    "        now() - p.joined * interval '1 day', now() - p.joined * interval '1 day'"
    "   FROM p JOIN u ON u.email = p.email"
    "   JOIN roles r ON r.workspace_id = $1 AND r.name = p.role"
    "   JOIN departments d ON d.workspace_id = $1 AND d.name = p.dept"
    "   JOIN shifts s ON s.workspace_id = $1 AND s.name = p.shift"
    " ON CONFLICT (workspace_id, user_id) DO UPDATE SET role_id = EXCLUDED.role_id,"
    "   status = 'active', department = EXCLUDED.department,"
    "   department_id = EXCLUDED.department_id, shift_id = EXCLUDED.shift_id,"
    "   designation = EXCLUDED.designation, joined_at = EXCLUDED.joined_at";

/* Reporting lines and department heads, once every member exists. */
static const char sql_hierarchy[] =
    "WITH p AS ("
    " SELECT * FROM json_to_recordset($2::json) AS x (email text, manager text, dept text,"
    "   head boolean)"
    "), m AS ("
    " UPDATE memberships m SET manager_id = mu.id FROM p"
    "   JOIN users u ON u.email = p.email JOIN users mu ON mu.email = p.manager"
    "  WHERE m.workspace_id = $1 AND m.user_id = u.id"
    " RETURNING 1"
    "), h AS ("
    " UPDATE departments d SET admin_id = u.id FROM p JOIN users u ON u.email = p.email"
    "  WHERE d.workspace_id = $1 AND d.name = p.dept AND p.head"
    " RETURNING 1"
    ") SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM h)";

/*
 * The leave plan: one row per request with its dates, approvers and event
 * times. Approver routing of spec 05 §2.6: the requester's active manager,
 * else the oldest active HR member, else the oldest active admin, never the
 * requester. Escalation targets: that HR member, then that admin.
 */
static const char sql_leave_plan[] =
    "CREATE TEMP TABLE seed_leave ON COMMIT DROP AS "
    "WITH l AS ("
    " SELECT * FROM json_to_recordset($2::json) AS x (email text, start_off int, days int,"
    "   leave_type text, half text, flow text, reason text, comment text, created_h int,"
    "   decide_h int)"
    "), t AS ("
    " SELECT (now() AT TIME ZONE w.timezone)::date AS today,"
    "   (SELECT s.value::int FROM application_settings s WHERE s.workspace_id = w.id"
    "     AND s.key = 'leave.escalation_hours') AS esc_h"
    "   FROM workspaces w WHERE w.id = $1"
    ") SELECT gen_random_uuid() AS id, l.*, m.user_id, sd.start_date,"
    "   sd.start_date + l.days - 1 AS end_date,"
    "   coalesce(mgr.user_id, hr.user_id, adm.user_id) AS approver,"
    "   hr.user_id AS hr_id, adm.user_id AS admin_id,"
    "   l.decide_h * interval '1 hour' AS step, t.esc_h * interval '1 hour' AS esc,"
    "   date_trunc('second', now() - CASE l.flow"
    "     WHEN 'escalated' THEN t.esc_h + l.decide_h"
    "     WHEN 'escalated_twice' THEN 2 * t.esc_h + l.decide_h"
    "     ELSE l.created_h END * interval '1 hour') AS created_at"
    "  FROM l CROSS JOIN t"
    "  JOIN users u ON u.email = l.email"
    "  JOIN memberships m ON m.workspace_id = $1 AND m.user_id = u.id"
    "  JOIN shifts s ON s.workspace_id = $1 AND s.id = m.shift_id"
    "  CROSS JOIN LATERAL (SELECT min(t.today + l.start_off + i) AS start_date"
    "    FROM generate_series(0, 7) AS i"
    "   WHERE extract(isodow FROM t.today + l.start_off + i)::int"
    "         = ANY (string_to_array(s.working_days, ',')::int[])) sd"
    "  LEFT JOIN memberships mgr ON mgr.workspace_id = $1 AND mgr.user_id = m.manager_id"
    "   AND mgr.status = 'active'"
    "  LEFT JOIN LATERAL (SELECT x.user_id FROM memberships x JOIN roles r"
    "    ON r.workspace_id = x.workspace_id AND r.id = x.role_id"
    "   WHERE x.workspace_id = $1 AND x.status = 'active' AND r.name = 'hr_operations'"
    "     AND x.user_id <> m.user_id ORDER BY x.created_at, x.user_id LIMIT 1) hr ON true"
    "  LEFT JOIN LATERAL (SELECT x.user_id FROM memberships x JOIN roles r"
    "    ON r.workspace_id = x.workspace_id AND r.id = x.role_id"
    "   WHERE x.workspace_id = $1 AND x.status = 'active' AND r.name = 'admin'"
    "     AND x.user_id <> m.user_id ORDER BY x.created_at, x.user_id LIMIT 1) adm ON true";

/* Each request's events: (actor, action, comment, time), in order. */
static const char sql_leave_events[] =
    "CREATE TEMP TABLE seed_leave_event ON COMMIT DROP AS "
    "SELECT l.id AS leave_id, e.ord, e.actor, e.action, e.comment, e.at"
    "  FROM seed_leave l CROSS JOIN LATERAL (VALUES"
    "   (1, l.user_id, 'created', 'Request submitted for ' || l.leave_type, l.created_at, true),"
    "   (2, l.approver, 'approved', l.comment, l.created_at + l.step, l.flow = 'approved'),"
    "   (2, l.approver, 'rejected', l.comment, l.created_at + l.step, l.flow = 'rejected'),"
    "   (2, l.user_id, 'cancelled', 'Cancelled by requester', l.created_at + l.step,"
    "    l.flow = 'cancelled'),"
    "   (2, l.approver, 'clarified', l.comment, l.created_at + l.step,"
    "    l.flow IN ('needs_clarification', 'clarified_then_approved')),"
    "   (3, l.user_id, 'created', 'Updated after clarification', l.created_at + 2 * l.step,"
    "    l.flow = 'clarified_then_approved'),"
    "   (4, l.approver, 'approved', NULL, l.created_at + 3 * l.step,"
    "    l.flow = 'clarified_then_approved'),"
    "   (2, l.hr_id, 'escalated', 'Auto-escalated from original approver after '"
    "    || extract(epoch FROM l.esc)::bigint / 3600 || 'h delay.', l.created_at + l.esc,"
    "    l.flow IN ('escalated', 'escalated_twice')),"
    "   (3, l.admin_id, 'escalated', 'Auto-escalated from HR after '"
    "    || extract(epoch FROM l.esc)::bigint / 3600 || 'h delay.', l.created_at + 2 * l.esc,"
    "    l.flow = 'escalated_twice')"
    "  ) AS e (ord, actor, action, comment, at, keep)"
    " WHERE e.keep";

static const char sql_leave_requests[] =
    "INSERT INTO leave_requests (workspace_id, id, user_id, start_date, end_date, leave_type,"
    "  status, is_half_day, half_day_period, reason, current_approver_id, escalated_from_id,"
    "  escalated_at, escalation_count, manager_comment, created_at, updated_at)"
    " SELECT $1, l.id, l.user_id, l.start_date, l.end_date, l.leave_type,"
    "   CASE l.flow WHEN 'clarified_then_approved' THEN 'approved'"
    "     WHEN 'escalated_twice' THEN 'escalated' ELSE l.flow END,"
    "   l.half IS NOT NULL, l.half, l.reason,"
    "   CASE l.flow WHEN 'escalated' THEN l.hr_id WHEN 'escalated_twice' THEN l.admin_id"
    "     ELSE l.approver END,"
    "   CASE l.flow WHEN 'escalated' THEN l.approver WHEN 'escalated_twice' THEN l.hr_id END,"
    "   CASE l.flow WHEN 'escalated' THEN l.created_at + l.esc"
    "     WHEN 'escalated_twice' THEN l.created_at + 2 * l.esc END,"
    "   CASE l.flow WHEN 'escalated' THEN 1 WHEN 'escalated_twice' THEN 2 ELSE 0 END,"
    "   CASE WHEN l.flow IN ('approved', 'rejected', 'needs_clarification',"
    "     'clarified_then_approved') THEN l.comment END,"
    "   l.created_at, (SELECT max(e.at) FROM seed_leave_event e WHERE e.leave_id = l.id)"
    "  FROM seed_leave l";

static const char sql_leave_timeline[] =
    "INSERT INTO approval_timeline (workspace_id, entity_type, entity_id, actor_id, action,"
    "  comment, created_at, updated_at)"
    " SELECT $1, 'leave_request', e.leave_id, e.actor, e.action, e.comment, e.at, e.at"
    "   FROM seed_leave_event e ORDER BY e.leave_id, e.ord";

/* What the flows sent (spec 05 §2.8, §4): the approver's and the requester's notices. */
static const char sql_leave_notifications[] =
    "INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,"
    "  related_entity_type, related_entity_id, is_read, created_at, read_at)"
    " SELECT $1::uuid, l.approver, 'Leave request submitted',"
    "   r.full_name || ' submitted a leave request for your approval.', 'system',"
    "   'leave_request', l.id, l.created_at < now() - interval '1 day', l.created_at,"
    "   CASE WHEN l.created_at < now() - interval '1 day' THEN l.created_at + interval '1 hour'"
    "   END"
    "   FROM seed_leave l JOIN users r ON r.id = l.user_id"
    " UNION ALL"
    " SELECT $1::uuid, l.user_id, 'Leave request ' || e.action,"
    "   'Your leave request was ' || e.action || ' by ' || a.full_name || '.', 'system',"
    "   'leave_request', l.id, e.at < now() - interval '1 day', e.at,"
    "   CASE WHEN e.at < now() - interval '1 day' THEN e.at + interval '2 hours' END"
    "   FROM seed_leave l JOIN seed_leave_event e ON e.leave_id = l.id"
    "   JOIN users a ON a.id = e.actor"
    "  WHERE e.action IN ('approved', 'rejected')";

/*
 * The attendance plan: one row per member and working day of their shift
 * from 30 days ago to today, with the day's kind (holiday, leave, absent, or
 * how the day went), check-in and check-out instants and the random numbers
 * the breaks and notes use. A session exists when in_at is set and already
 * past; it is completed when out_at is set (check-out past), else active.
 * Check-outs later than the shift end stay within the auto-close grace
 * (a later one could not happen: the session would have been closed), and
 * "forgot" days are closed by the auto-close rule itself (spec 04 §5).
 */
/* clang-format off */
static const char sql_day_plan[] =
    "CREATE TEMP TABLE seed_day ON COMMIT DROP AS "
    "WITH cfg AS ("
    " SELECT (now() AT TIME ZONE w.timezone)::date AS today,"
    "   (SELECT s.value::int FROM application_settings s WHERE s.workspace_id = w.id"
    "     AND s.key = 'attendance.auto_close_grace_minutes') AS auto_grace,"
    "   (SELECT s.value::int FROM application_settings s WHERE s.workspace_id = w.id"
    "     AND s.key = 'attendance.max_active_hours') AS max_hours"
    "   FROM workspaces w WHERE w.id = $1"
    "), day AS ("
    " SELECT m.user_id, u.email, s.grace_period_minutes AS grace,"
    "   s.start_time >= time '12:00' AS evening,"
    "   s.name = '" ROTATION_SHIFT "' AS covers_holidays,"
    "   cfg.*, g.bdate, g.bdate - cfg.today AS off,"
    "   (g.bdate + s.start_time) AT TIME ZONE s.timezone AS s_at,"
    "   (g.bdate + (s.end_time <= s.start_time)::int + s.end_time) AT TIME ZONE s.timezone"
    "     AS e_at,"
    "   EXISTS (SELECT 1 FROM holidays h WHERE h.workspace_id = $1 AND h.is_active"
    "     AND h.holiday_date = g.bdate) AS holiday,"
    "   lv.leave_type, lv.half_day_period"
    "  FROM memberships m JOIN users u ON u.id = m.user_id"
    "  JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id"
    "  CROSS JOIN cfg"
    "  CROSS JOIN LATERAL (SELECT cfg.today - i AS bdate FROM generate_series(0, 30) AS i) g"
    "  LEFT JOIN LATERAL (SELECT l.leave_type, l.half_day_period FROM leave_requests l"
    "   WHERE l.workspace_id = $1 AND l.user_id = m.user_id AND l.status = 'approved'"
    "     AND g.bdate BETWEEN l.start_date AND l.end_date"
    "   ORDER BY l.is_half_day, l.created_at LIMIT 1) lv ON true"
    " WHERE m.workspace_id = $1 AND m.status = 'active'"
    "   AND extract(isodow FROM g.bdate)::int"
    "       = ANY (string_to_array(s.working_days, ',')::int[])"
    "), r AS ("
    " SELECT day.*,"
    "   " RAND("day.email || '/' || day.off || '/kind'") " AS r_kind,"
    "   " RAND("day.email || '/' || day.off || '/in'") " AS r_in,"
    "   " RAND("day.email || '/' || day.off || '/out'") " AS r_out,"
    "   " RAND("day.email || '/' || day.off || '/mode'") " AS r_mode,"
    "   " RAND("day.email || '/' || day.off || '/note'") " AS r_note,"
    "   " RAND("day.email || '/' || day.off || '/b1s'") " AS r_b1s,"
    "   " RAND("day.email || '/' || day.off || '/b1d'") " AS r_b1d,"
    "   " RAND("day.email || '/' || day.off || '/b1p'") " AS r_b1p,"
    "   " RAND("day.email || '/' || day.off || '/b2s'") " AS r_b2s,"
    "   " RAND("day.email || '/' || day.off || '/b2d'") " AS r_b2d,"
    "   " RAND("day.email || '/' || day.off || '/b2p'") " AS r_b2p,"
    "   " RAND("day.email || '/' || day.off || '/b3s'") " AS r_b3s,"
    "   " RAND("day.email || '/' || day.off || '/b3d'") " AS r_b3d,"
    "   " RAND("day.email || '/' || day.off || '/b3p'") " AS r_b3p,"
    "   " RAND("day.email || '/' || day.off || '/b3t'") " AS r_b3t"
    "  FROM day"
    "), k AS ("
    " SELECT r.*, CASE"
    "   WHEN r.holiday AND NOT r.covers_holidays THEN 'holiday'"
    "   WHEN r.leave_type IS NOT NULL AND r.half_day_period IS NULL AND r.leave_type <> 'wfh'"
    "     THEN 'leave'"
    "   WHEN r.half_day_period = 'first_half' THEN 'half_first'"
    "   WHEN r.half_day_period = 'second_half' THEN 'half_second'"
    "   WHEN r.off < 0 AND r.r_kind < 0.02 THEN 'absent'"
    "   WHEN r.r_kind < 0.03 THEN 'unwell'"
    "   WHEN r.r_kind < 0.055 THEN 'half_worked'"
    "   WHEN r.r_kind < 0.10 THEN 'short'"
    "   WHEN r.r_kind < 0.20 THEN 'late'"
    "   WHEN r.r_kind < 0.26 THEN 'early'"
    "   WHEN r.r_kind < 0.35 THEN 'overtime'"
    "   WHEN r.r_kind < 0.37 THEN 'forgot'"
    "   ELSE 'normal' END AS kind"
    "  FROM r"
    "), io AS ("
    " SELECT k.*, CASE WHEN k.kind IN ('holiday', 'leave', 'absent') THEN NULL"
    "   ELSE date_trunc('second', CASE k.kind"
    "     WHEN 'late' THEN k.s_at + (k.grace * 60 + 60 + k.r_in * 4440) * interval '1 second'"
    "     WHEN 'half_first' THEN k.s_at + (265 + k.r_in * 20) * interval '1 minute'"
    "     ELSE k.s_at + (k.r_in * (15 + k.grace) - 15) * interval '1 minute' END) END AS in_at"
    "  FROM k"
    "), pl AS ("
    " SELECT io.*, date_trunc('second', CASE io.kind"
    "   WHEN 'unwell' THEN io.in_at + (20 + io.r_out * 35) * interval '1 minute'"
    "   WHEN 'half_worked' THEN io.in_at + (150 + io.r_out * 85) * interval '1 minute'"
    "   WHEN 'short' THEN io.in_at + (250 + io.r_out * 105) * interval '1 minute'"
    "   WHEN 'early' THEN io.e_at - (15 + io.r_out * 75) * interval '1 minute'"
    "   WHEN 'half_second' THEN io.s_at + (265 + io.r_out * 20) * interval '1 minute'"
    "   WHEN 'overtime'"
    "     THEN io.e_at + io.auto_grace * (0.3 + 0.65 * io.r_out) * interval '1 minute'"
    "   WHEN 'forgot' THEN io.e_at + io.auto_grace * interval '1 minute'"
    "   ELSE io.e_at + io.auto_grace * 0.25 * io.r_out * interval '1 minute' END) AS out_planned,"
    "   io.in_at + io.max_hours * interval '1 hour' AS deadline_max"
    "  FROM io"
    ") SELECT gen_random_uuid() AS session_id, pl.user_id, pl.bdate, pl.kind, pl.s_at, pl.e_at,"
    "   pl.grace, pl.evening, pl.leave_type, pl.in_at,"
    "   CASE WHEN least(pl.out_planned, pl.deadline_max) <= now()"
    "     THEN least(pl.out_planned, pl.deadline_max) END AS out_at,"
    "   CASE WHEN pl.in_at IS NULL OR pl.in_at > now() THEN NULL"
    "     WHEN least(pl.out_planned, pl.deadline_max) <= now() THEN 'completed'"
    "     ELSE 'active' END AS status,"
    "   CASE WHEN pl.out_planned > pl.deadline_max THEN 'Exceeded maximum active duration'"
    "     WHEN pl.kind = 'forgot' THEN 'Shift ended' END AS auto_note,"
    "   CASE WHEN pl.leave_type = 'wfh' THEN 'wfh'"
    "     WHEN NOT pl.covers_holidays AND pl.r_mode < 0.1 THEN 'wfh'"
    "     ELSE 'office' END AS work_mode,"
    "   CASE WHEN pl.kind = 'late' THEN (ARRAY['Stuck in traffic on Shahrah-e-Faisal.',"
    "     'Power outage in my area this morning.', 'Heavy rain, roads flooded near the office.',"
    "     NULL])[1 + floor(pl.r_note * 4)::int] END AS note,"
    "   pl.r_note, pl.r_b1s, pl.r_b1d, pl.r_b1p, pl.r_b2s, pl.r_b2d, pl.r_b2p, pl.r_b3s,"
    "   pl.r_b3d, pl.r_b3p, pl.r_b3t"
    "  FROM pl";
/* clang-format on */

/* Paid breaks at fixed slots of the session (prayer, dinner or lunch, a short one). */
static const char sql_break_plan[] =
    "CREATE TEMP TABLE seed_break ON COMMIT DROP AS "
    "SELECT d.session_id, d.user_id, s.break_type, s.note, b.started_at, b.ended_at,"
    "  floor(extract(epoch FROM b.ended_at - b.started_at) / 60)::int AS duration_minutes"
    "  FROM seed_day d"
    "  CROSS JOIN LATERAL (VALUES"
    "   (CASE WHEN d.evening THEN 'prayer' ELSE 'other' END,"
    "    CASE WHEN d.evening THEN NULL ELSE 'Lunch break' END,"
    "    CASE WHEN d.evening THEN 80 + d.r_b1s * 20 ELSE 180 + d.r_b1s * 15 END,"
    "    CASE WHEN d.evening THEN 8 + d.r_b1d * 12 ELSE 30 + d.r_b1d * 15 END, d.r_b1p < 0.8),"
    "   (CASE WHEN d.evening THEN 'dinner' ELSE 'prayer' END, NULL,"
    "    CASE WHEN d.evening THEN 200 + d.r_b2s * 25 ELSE 250 + d.r_b2s * 15 END,"
    "    CASE WHEN d.evening THEN 25 + d.r_b2d * 20 ELSE 10 + d.r_b2d * 5 END, d.r_b2p < 0.85),"
    "   (CASE WHEN d.r_b3t < 0.6 THEN 'prayer' ELSE 'other' END,"
    "    CASE WHEN d.r_b3t < 0.6 THEN NULL ELSE (ARRAY['Tea break', 'Personal call',"
    "      'Stretch break'])[1 + floor((d.r_b3t - 0.6) * 7.5)::int] END,"
    "    CASE WHEN d.evening THEN 330 + d.r_b3s * 30 ELSE 400 + d.r_b3s * 20 END,"
    "    5 + d.r_b3d * 10, d.r_b3p < 0.6)"
    "  ) AS s (break_type, note, start_min, dur_min, keep)"
    "  CROSS JOIN LATERAL (SELECT"
    "    date_trunc('second', d.in_at + s.start_min * interval '1 minute') AS started_at,"
    "    date_trunc('second', d.in_at + (s.start_min + s.dur_min) * interval '1 minute')"
    "      AS ended_at) b"
    " WHERE d.status IS NOT NULL AND s.keep AND b.ended_at <= coalesce(d.out_at, now())";

/*
 * Sessions with every derived field of spec 04 §2-§6: late (after the grace,
 * minutes counted from the shift start), early (minutes to the shift end,
 * with the reason), after-shift reason and note, overtime, worked minutes,
 * hours, break totals and the classification by the workspace's thresholds.
 */
static const char sql_sessions[] =
    "WITH th AS ("
    " SELECT"
    "  (SELECT value::int FROM application_settings WHERE workspace_id = $1"
    "    AND key = 'attendance.full_leave_below_minutes') AS full_leave_below,"
    "  (SELECT value::int FROM application_settings WHERE workspace_id = $1"
    "    AND key = 'attendance.half_day_below_minutes') AS half_day_below,"
    "  (SELECT value::int FROM application_settings WHERE workspace_id = $1"
    "    AND key = 'attendance.full_day_above_minutes') AS full_day_above"
    "), b AS ("
    " SELECT session_id, sum(duration_minutes) AS total,"
    "   coalesce(sum(duration_minutes) FILTER (WHERE break_type = 'dinner'), 0) AS dinner,"
    "   coalesce(sum(duration_minutes) FILTER (WHERE break_type = 'prayer'), 0) AS prayer,"
    "   coalesce(sum(duration_minutes) FILTER (WHERE break_type = 'other'), 0) AS other"
    "  FROM seed_break GROUP BY session_id"
    "), x AS ("
    " SELECT d.*, th.*,"
    "   floor(extract(epoch FROM d.out_at - d.in_at) / 60)::int AS worked,"
    "   d.in_at > d.s_at + d.grace * interval '1 minute' AS late,"
    "   CASE WHEN d.out_at IS NULL THEN NULL WHEN d.auto_note IS NOT NULL THEN 'auto_checkout'"
    "     WHEN d.out_at > d.e_at THEN CASE WHEN d.kind = 'overtime' THEN 'overtime'"
    "       ELSE 'forgot_checkout' END END AS after_reason,"
    "   d.out_at IS NOT NULL AND d.auto_note IS NULL AND d.out_at < d.e_at AS early"
    "  FROM seed_day d CROSS JOIN th WHERE d.status IS NOT NULL"
    ") INSERT INTO attendance_sessions (workspace_id, id, user_id, check_in_at, check_out_at,"
    "  work_mode, session_status, is_late_login, is_early_logout, total_hours, worked_minutes,"
    "  late_minutes, early_checkout_minutes, total_break_minutes, dinner_break_minutes,"
    "  prayer_break_minutes, other_break_minutes, attendance_classification, is_overtime,"
    "  checkout_after_shift_reason, checkout_after_shift_note, early_checkout_reason,"
    "  expected_shift_start_at, expected_shift_end_at, note, created_at, updated_at)"
    " SELECT $1, x.session_id, x.user_id, x.in_at, x.out_at, x.work_mode, x.status, x.late,"
    "   x.early, extract(epoch FROM x.out_at - x.in_at)::float8 / 3600, x.worked,"
    "   CASE WHEN x.late THEN floor(extract(epoch FROM x.in_at - x.s_at) / 60)::int ELSE 0 END,"
    "   CASE WHEN x.early THEN floor(extract(epoch FROM x.e_at - x.out_at) / 60)::int"
    "     WHEN x.out_at IS NOT NULL THEN 0 END,"
    "   coalesce(b.total, 0), coalesce(b.dinner, 0), coalesce(b.prayer, 0),"
    "   coalesce(b.other, 0),"
    "   CASE WHEN x.out_at IS NULL THEN 'active'"
    "     WHEN x.worked < x.full_leave_below THEN 'full_leave'"
    "     WHEN x.worked < x.half_day_below THEN 'half_day'"
    "     WHEN x.worked <= x.full_day_above THEN 'short_leave' ELSE 'full_day' END,"
    "   coalesce(x.after_reason = 'overtime', false), x.after_reason,"
    "   CASE x.after_reason WHEN 'auto_checkout' THEN x.auto_note"
    "     WHEN 'overtime' THEN (ARRAY['Release hotfix had to go out tonight.',"
    "       'Client call ran over.', 'Finishing the sprint demo.',"
    "       'Month-end reconciliation.'])[1 + floor(x.r_note * 4)::int]"
    "     WHEN 'forgot_checkout' THEN (ARRAY['Checked out a few minutes after the shift ended.',"
    "       'Was finishing the handover.', 'On a call at shift end.'])"
    "       [1 + floor(x.r_note * 3)::int]"
    "   END,"
    "   CASE WHEN x.early THEN CASE x.kind"
    "     WHEN 'unwell' THEN 'Felt unwell and went home.'"
    "     WHEN 'half_worked' THEN (ARRAY['Family emergency, had to leave.',"
    "       'Taking my mother to the hospital.'])[1 + floor(x.r_note * 2)::int]"
    "     WHEN 'short' THEN (ARRAY['Picking up my son from school.', 'Power outage at home.',"
    "       'Doctor''s appointment in the evening.'])[1 + floor(x.r_note * 3)::int]"
    "     WHEN 'half_second' THEN 'Approved half-day leave (second half).'"
    "     ELSE (ARRAY['Bank work before closing time.', 'Doctor''s appointment.',"
    "       'Leaving early to catch a flight.', 'Parent-teacher meeting.'])"
    "       [1 + floor(x.r_note * 4)::int] END END,"
    "   x.s_at, x.e_at, x.note, x.in_at, coalesce(x.out_at, x.in_at)"
    "  FROM x LEFT JOIN b ON b.session_id = x.session_id"
    "  ORDER BY x.in_at";

static const char sql_breaks[] =
    "INSERT INTO attendance_breaks (workspace_id, attendance_session_id, user_id, break_type,"
    "  started_at, ended_at, duration_minutes, note, is_paid, created_at, updated_at)"
    " SELECT $1, b.session_id, b.user_id, b.break_type, b.started_at, b.ended_at,"
    "   b.duration_minutes, b.note, true, b.started_at, b.ended_at"
    "   FROM seed_break b ORDER BY b.started_at";

/*
 * daily_stats as check-out and the nightly aggregation write them (spec 07
 * §7): one row per completed session, plus past working days on approved
 * leave (leave_type) or without a session (is_absent).
 */
static const char sql_daily_stats[] =
    "INSERT INTO daily_stats (workspace_id, user_id, date, total_hours, is_late_login,"
    "  is_early_logout, is_overtime, is_absent, leave_type, is_wfh, primary_session_id,"
    "  created_at, updated_at)"
    " SELECT $1, d.user_id, d.bdate, coalesce(a.total_hours, 0),"
    "   coalesce(a.is_late_login, false), coalesce(a.is_early_logout, false),"
    "   coalesce(a.is_overtime, false), d.kind = 'absent', d.leave_type,"
    "   coalesce(a.work_mode = 'wfh', false) OR coalesce(d.leave_type = 'wfh', false), a.id,"
    "   coalesce(a.check_out_at, d.e_at), coalesce(a.check_out_at, d.e_at)"
    "  FROM seed_day d"
    "  LEFT JOIN attendance_sessions a ON a.workspace_id = $1 AND a.id = d.session_id"
    "   AND a.session_status = 'completed'"
    " WHERE a.id IS NOT NULL OR (d.kind IN ('leave', 'absent') AND d.e_at <= now())";

static const char sql_announcements[] =
    "INSERT INTO announcements (workspace_id, title, content, content_html, audience, start_date,"
    "  end_date, created_by, target_department_id, priority, status, notify_email, created_at,"
    "  updated_at)"
    " SELECT $1, a.title, a.content, a.content_html, a.audience,"
    "   date_trunc('second', now() + a.start_h * interval '1 hour'),"
    "   date_trunc('second', now() + a.end_h * interval '1 hour'), u.id, d.id, a.priority,"
    "   a.status, false, date_trunc('second', now() - a.created_h * interval '1 hour'),"
    "   date_trunc('second', now() - a.created_h * interval '1 hour')"
    "  FROM json_to_recordset($2::json) AS a (title text, content text, content_html text,"
    "    audience text, status text, priority text, dept text, author text, created_h int,"
    "    start_h int, end_h int)"
    "  JOIN users u ON u.email = a.author"
    "  LEFT JOIN departments d ON d.workspace_id = $1 AND d.name = a.dept";

static const char sql_audit_demo[] =
    "SELECT wos_audit_append($1, NULL, $2, 'workspace', $1, '" SEED_NAME "', $3::jsonb,"
    " $4::jsonb, $5::jsonb, NULL, NULL)";

static const char sql_audit_actor[] =
    "SELECT wos_audit_append($1, $2, 'ops.seed', 'workspace', $3, '" SEED_NAME "', NULL,"
    " $4::jsonb, $5::jsonb, $6, $7)";

/* ---- one run ---- */

struct seed {
    PGconn *conn;
    const struct wos_config *cfg;
    const struct wos_seed_opts *opts;
    struct wos_arena *arena; /* the run's own; results are copied to the caller's */
    const char *ws;          /* the demo workspace id */
    const char *counts_before;
    enum wos_seed_outcome outcome;
};

static void clear_result(void *res)
{
    PQclear(res);
}

static void free_string(void *p)
{
    free(p);
}

/*
 * Runs one parameterised statement. Returns its result (cleared with the
 * run's arena), or NULL after logging the server's message.
 */
static PGresult *run(struct seed *s, const char *what, const char *sql, int n,
                     const char *const *params)
{
    PGresult *res = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        char msg[512];

        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(s->conn));
        msg[strcspn(msg, "\n")] = '\0';
        wos_log(NULL, WOS_LOG_ERROR, "seed: %s failed [%s]: %s", what, state ? state : "-----",
                msg);
        PQclear(res);
        return NULL;
    }
    if (wos_arena_on_free(s->arena, clear_result, res) != WOS_OK)
        return NULL;
    return res;
}

/* Runs a statement whose only parameter is the workspace id. */
static PGresult *run_ws(struct seed *s, const char *what, const char *sql)
{
    const char *params[] = {s->ws};
    return run(s, what, sql, 1, params);
}

static void progress(struct seed *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void progress(struct seed *s, const char *fmt, ...)
{
    va_list ap;
    char *line;

    if (!s->opts->progress)
        return;
    va_start(ap, fmt);
    line = wos_arena_vprintf(s->arena, fmt, ap);
    va_end(ap);
    if (line)
        s->opts->progress(s->opts->progress_ctx, line);
}

/* Compact JSON text of j (taking ownership of j), owned by the run's arena; NULL on failure. */
static const char *json_text(struct seed *s, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    json_decref(j);
    if (text && wos_arena_on_free(s->arena, free_string, text) != WOS_OK)
        return NULL;
    return text;
}

/* ---- the static tables as JSON ---- */

/* "<first>.<last>@acme.test" of wos_seed_people[idx - 1], lower-cased. */
static const char *email_of(struct seed *s, int idx)
{
    const struct wos_seed_person *p = &wos_seed_people[idx - 1];
    char *email = wos_arena_printf(s->arena, "%s.%s@" SEED_DOMAIN, p->first, p->last);

    for (char *c = email; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return email;
}

static const char *shift_name(char code)
{
    switch (code) {
    case 'E':
        return "Evening Shift (PKT)";
    case 'D':
        return "Day Shift (PKT)";
    default:
        return ROTATION_SHIFT;
    }
}

static const char *people_json(struct seed *s)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < wos_seed_people_len; i++) {
        const struct wos_seed_person *p = &wos_seed_people[i];
        char name[160], phone[32];
        const char *email = email_of(s, (int)i + 1);

        snprintf(name, sizeof(name), "%s %s", p->first, p->last);
        snprintf(phone, sizeof(phone), "+92 3%02zu %07zu", (i * 7) % 50, 5550100 + i * 37);
        if (!email ||
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, "
                                                 "s:s, s:i}",
                                                 "email", email, "full_name", name, "phone", phone,
                                                 "role", p->role, "dept", p->dept, "designation",
                                                 p->designation, "shift", shift_name(p->shift),
                                                 "joined", p->joined_days)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_text(s, arr);
}

static const char *hierarchy_json(struct seed *s)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < wos_seed_people_len; i++) {
        const struct wos_seed_person *p = &wos_seed_people[i];
        const char *email = email_of(s, (int)i + 1);
        const char *manager = p->manager ? email_of(s, p->manager) : NULL;

        if (!email || (p->manager && !manager) ||
            json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:b}", "email", email, "manager",
                                                 manager, "dept", p->dept, "head", p->head)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_text(s, arr);
}

static const char *leaves_json(struct seed *s)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < wos_seed_leaves_len; i++) {
        const struct wos_seed_leave *l = &wos_seed_leaves[i];
        const char *email = email_of(s, l->who);

        if (!email || json_array_append_new(
                          arr, json_pack("{s:s, s:i, s:i, s:s, s:s?, s:s, s:s, s:s?, s:i, s:i}",
                                         "email", email, "start_off", l->start_off, "days", l->days,
                                         "leave_type", l->type, "half", l->half, "flow", l->flow,
                                         "reason", l->reason, "comment", l->comment, "created_h",
                                         l->created_h, "decide_h", l->decide_h)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_text(s, arr);
}

static json_t *hours_or_null(int h)
{
    return h ? json_integer(h) : json_null();
}

static const char *announcements_json(struct seed *s)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < wos_seed_announcements_len; i++) {
        const struct wos_seed_announcement *a = &wos_seed_announcements[i];
        const char *author = email_of(s, a->author);
        const char *html = wos_markdown_html(s->arena, a->content, strlen(a->content));

        if (!author || !html ||
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:o, s:o}", "title",
                               a->title, "content", a->content, "content_html", html, "audience",
                               a->audience, "status", a->status, "priority", a->priority, "dept",
                               a->dept, "author", author, "created_h", a->created_h, "start_h",
                               hours_or_null(a->start_h), "end_h", hours_or_null(a->end_h))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_text(s, arr);
}

/* ---- steps ---- */

static int check_schema(struct seed *s)
{
    PGresult *res = run(s, "schema check", sql_schema_ready, 0, NULL);

    if (!res)
        return WOS_ERROR;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        wos_log(NULL, WOS_LOG_ERROR,
                "seed: the database schema is not migrated; run `wos migrate upgrade` first");
        return WOS_ERROR;
    }
    res = run(s, "permission catalogue check", sql_catalogue_ready, 0, NULL);
    if (!res)
        return WOS_ERROR;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        wos_log(NULL, WOS_LOG_ERROR,
                "seed: the permission catalogue is empty; run `wos bootstrap` first");
        return WOS_ERROR;
    }
    return WOS_OK;
}

static const char *counts(struct seed *s)
{
    PGresult *res = run_ws(s, "counts", sql_counts);
    return res ? PQgetvalue(res, 0, 0) : NULL;
}

/* Finds or creates the workspace; empties it for --reset. Sets s->outcome. */
static int ensure_workspace(struct seed *s)
{
    PGresult *res = run(s, "workspace lookup", sql_find_workspace, 0, NULL);

    if (!res)
        return WOS_ERROR;
    if (PQntuples(res) == 1) {
        s->ws = PQgetvalue(res, 0, 0);
        if (!s->opts->reset) {
            s->outcome = WOS_SEED_EXISTS;
            return WOS_OK;
        }
        s->outcome = WOS_SEED_RESET;
        s->counts_before = counts(s);
        if (!s->counts_before || !run(s, "purge function", sql_purge_function, 0, NULL) ||
            !run_ws(s, "reset", sql_purge))
            return WOS_ERROR;
        progress(s, "workspace '" WOS_SEED_SLUG "' emptied (audit rows kept)");
        return WOS_OK;
    }
    res = run(s, "workspace creation", sql_create_workspace, 0, NULL);
    if (!res)
        return WOS_ERROR;
    s->ws = PQgetvalue(res, 0, 0);
    s->outcome = WOS_SEED_CREATED;
    progress(s, "workspace '" WOS_SEED_SLUG "' created: " SEED_NAME ", " SEED_TIMEZONE);
    return WOS_OK;
}

static int seed_roles(struct seed *s)
{
    char hours[24], grace[24];
    const char *params[] = {s->ws, hours, grace};

    snprintf(hours, sizeof(hours), "%ld", s->cfg->attendance_max_active_hours);
    snprintf(grace, sizeof(grace), "%ld", s->cfg->attendance_auto_close_grace_minutes);
    if (!run(s, "roles and settings", sql_seed_roles, 3, params) ||
        !run_ws(s, "default bundles", sql_default_bundles))
        return WOS_ERROR;
    return WOS_OK;
}

static int seed_org(struct seed *s)
{
    PGresult *res = run_ws(s, "departments, shifts and holidays", sql_org);

    if (!res)
        return WOS_ERROR;
    progress(s,
             "%s departments, %s shifts (evening 17:00-02:00 PKT, day 09:00-18:00 PKT, "
             "support rotation), %s holidays",
             PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    return WOS_OK;
}

static int seed_people(struct seed *s)
{
    char hash[WOS_PASSWORD_HASH_SIZE];
    const char *members = people_json(s), *lines = hierarchy_json(s);
    PGresult *res;

    if (!members || !lines)
        return WOS_ERROR;
    /* the same password for everyone: hashed once, the hash reused */
    if (wos_password_hash(SEED_PASSWORD, (int)s->cfg->password_bcrypt_rounds, hash) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "seed: hashing the development password failed");
        return WOS_ERROR;
    }
    const char *params[] = {s->ws, members, hash};
    res = run(s, "members", sql_people, 3, params);
    explicit_bzero(hash, sizeof(hash));
    if (!res)
        return WOS_ERROR;
    const char *params2[] = {s->ws, lines};
    if (!run(s, "reporting lines", sql_hierarchy, 2, params2))
        return WOS_ERROR;
    progress(s, "%s members over the seven roles, with reporting lines", PQcmdTuples(res));
    return WOS_OK;
}

static int seed_leaves(struct seed *s)
{
    const char *plan = leaves_json(s);
    PGresult *requests, *timeline;

    if (!plan)
        return WOS_ERROR;
    const char *params[] = {s->ws, plan};
    if (!run(s, "leave plan", sql_leave_plan, 2, params) ||
        !run(s, "leave events", sql_leave_events, 0, NULL))
        return WOS_ERROR;
    requests = run_ws(s, "leave requests", sql_leave_requests);
    timeline = requests ? run_ws(s, "approval timeline", sql_leave_timeline) : NULL;
    if (!timeline || !run_ws(s, "leave notifications", sql_leave_notifications))
        return WOS_ERROR;
    progress(s, "%s leave/WFH/half-day requests in every status, %s timeline entries",
             PQcmdTuples(requests), PQcmdTuples(timeline));
    return WOS_OK;
}

static int seed_attendance(struct seed *s)
{
    PGresult *sessions, *breaks, *stats;

    progress(s, "attendance: planning 30 days for every member");
    if (!run_ws(s, "attendance plan", sql_day_plan) ||
        !run(s, "break plan", sql_break_plan, 0, NULL))
        return WOS_ERROR;
    sessions = run_ws(s, "attendance sessions", sql_sessions);
    breaks = sessions ? run_ws(s, "breaks", sql_breaks) : NULL;
    stats = breaks ? run_ws(s, "daily stats", sql_daily_stats) : NULL;
    if (!stats)
        return WOS_ERROR;
    progress(s, "attendance: %s sessions, %s breaks, %s daily stats rows", PQcmdTuples(sessions),
             PQcmdTuples(breaks), PQcmdTuples(stats));
    return WOS_OK;
}

static int seed_announcements(struct seed *s)
{
    const char *items = announcements_json(s);
    PGresult *res;

    if (!items)
        return WOS_ERROR;
    const char *params[] = {s->ws, items};
    res = run(s, "announcements", sql_announcements, 2, params);
    if (!res)
        return WOS_ERROR;
    progress(s, "%s announcements", PQcmdTuples(res));
    return WOS_OK;
}

static const char *outcome_name(enum wos_seed_outcome o)
{
    static const char *const names[] = {"created", "reset", "exists"};
    return names[o];
}

/* "seed.created" / "seed.reset" in the demo workspace, and "ops.seed" for an HTTP caller. */
static int audit(struct seed *s, const char *counts_after)
{
    const struct wos_seed_actor *actor = s->opts->actor;
    json_t *meta = json_pack("{s:s}", "source", s->opts->source ? s->opts->source : "cli");
    const char *meta_text;

    if (actor && actor->request_id)
        json_object_set_new(meta, "request_id", json_string(actor->request_id));
    meta_text = json_text(s, meta);
    if (!meta_text)
        return WOS_ERROR;
    if (s->outcome != WOS_SEED_EXISTS) {
        const char *params[] = {s->ws, s->outcome == WOS_SEED_RESET ? "seed.reset" : "seed.created",
                                s->counts_before, counts_after, meta_text};
        if (!run(s, "audit", sql_audit_demo, 5, params))
            return WOS_ERROR;
    }
    if (!actor)
        return WOS_OK;
    const char *result = json_text(s, json_pack("{s:s, s:o}", "outcome", outcome_name(s->outcome),
                                                "counts", json_loads(counts_after, 0, NULL)));
    const char *reset = json_text(s, json_pack("{s:b}", "reset", s->opts->reset));
    if (!result || !reset)
        return WOS_ERROR;
    const char *params[] = {actor->workspace_id, actor->user_id,   s->ws, result, reset,
                            actor->ip,           actor->request_id};
    return run(s, "ops audit", sql_audit_actor, 7, params) ? WOS_OK : WOS_ERROR;
}

static int build(struct seed *s)
{
    if (seed_roles(s) != WOS_OK || seed_org(s) != WOS_OK || seed_people(s) != WOS_OK ||
        seed_leaves(s) != WOS_OK || seed_attendance(s) != WOS_OK || seed_announcements(s) != WOS_OK)
        return WOS_ERROR;
    return WOS_OK;
}

static int steps(struct seed *s, const char **counts_after)
{
    if (check_schema(s) != WOS_OK || !run(s, "begin", "BEGIN", 0, NULL))
        return WOS_ERROR;
    if (ensure_workspace(s) != WOS_OK || (s->outcome != WOS_SEED_EXISTS && build(s) != WOS_OK) ||
        !(*counts_after = counts(s)) || audit(s, *counts_after) != WOS_OK ||
        !run(s, "commit", "COMMIT", 0, NULL)) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        return WOS_ERROR;
    }
    return WOS_OK;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int wos_seed_run(PGconn *conn, const struct wos_config *cfg, const struct wos_seed_opts *opts,
                 struct wos_arena *arena, struct wos_seed_result *out)
{
    struct seed s = {.conn = conn, .cfg = cfg, .opts = opts, .arena = wos_arena_new()};
    const char *counts_after = NULL;
    struct timespec t0;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof(*out));
    if (!s.arena)
        return WOS_ERROR;
    if (cfg->is_production) {
        wos_log(NULL, WOS_LOG_ERROR, "seed: refused in production (APP_ENV=%s)", cfg->app_env);
        rc = WOS_ERROR;
    } else {
        rc = wos_seed_check_tables() == WOS_OK ? steps(&s, &counts_after) : WOS_ERROR;
    }
    if (rc == WOS_OK) {
        out->outcome = s.outcome;
        out->workspace_id = wos_arena_strdup(arena, s.ws);
        out->counts_json = wos_arena_strdup(arena, counts_after);
        out->elapsed_ms = ms_since(&t0);
        if (!out->workspace_id || !out->counts_json)
            rc = WOS_ERROR;
    }
    if (rc == WOS_OK)
        wos_log(NULL, WOS_LOG_INFO, "seed: workspace '" WOS_SEED_SLUG "' %s in %ld ms",
                outcome_name(s.outcome), out->elapsed_ms);
    else
        wos_log(NULL, WOS_LOG_ERROR, "seed: failed; nothing was changed");
    wos_arena_free(s.arena);
    return rc;
}

/* ---- `wos seed` ---- */

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    printf("seed: %s\n", line);
    fflush(stdout);
}

static void print_counts(const char *counts_json)
{
    json_t *c = json_loads(counts_json, 0, NULL);
    json_t *roles = json_object_get(c, "roles");
    const char *key;
    json_t *v;

    printf("seed: members by role:");
    json_object_foreach(roles, key, v)
    {
        printf(" %s %lld", key, json_integer_value(v));
    }
    printf("\nseed: rows:");
    json_object_foreach(c, key, v)
    {
        if (json_is_integer(v))
            printf(" %s %lld", key, json_integer_value(v));
    }
    printf("\n");
    json_decref(c);
}

static void setup_logging(const struct wos_config *cfg)
{
    enum wos_log_level level = WOS_LOG_INFO;

    if (cfg->log_level)
        wos_log_level_parse(cfg->log_level, &level);
    wos_log_setup(level, cfg->log_format && strcmp(cfg->log_format, "json") == 0);
}

static int usage(FILE *to)
{
    fprintf(to, "usage: wos seed [--reset]\n"
                "  Builds the development workspace '" WOS_SEED_SLUG "' (" SEED_NAME
                ") with sample data.\n"
                "  --reset  empty the workspace first and rebuild it\n"
                "  Refused when APP_ENV is production.\n");
    return 2;
}

int wos_seed_main(int argc, char **argv)
{
    const struct wos_config *cfg;
    struct wos_seed_opts opts = {.source = "cli", .progress = print_line};
    struct wos_seed_result result;
    struct wos_arena *arena;
    PGconn *conn;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reset") == 0)
            opts.reset = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout), 0;
        else
            return fprintf(stderr, "seed: unexpected argument '%s'\n", argv[i]), usage(stderr);
    }
    /* production is refused before any other configuration problem is reported */
    rc = wos_config_init();
    cfg = wos_cfg();
    if (cfg->is_production) {
        fprintf(stderr,
                "seed: refused: APP_ENV is '%s'. `wos seed` writes sample data and "
                "development passwords; it never runs in production.\n",
                cfg->app_env);
        return 1;
    }
    if (rc != WOS_OK)
        return 2;
    setup_logging(cfg);
    conn = wos_db_connect(cfg->database_url, "wos-seed");
    if (!conn) {
        fprintf(stderr, "seed: cannot connect to the database\n");
        return 1;
    }
    if (wos_migrate_lock(conn, (int)cfg->migrate_lock_timeout_seconds) != WOS_OK) {
        fprintf(stderr, "seed: could not take the migration lock\n");
        PQfinish(conn);
        return 1;
    }
    /* like `wos serve` before it listens: the catalogue, roles and default workspace first */
    arena = wos_arena_new();
    rc = arena && wos_bootstrap_run(conn, cfg) == WOS_OK
             ? wos_seed_run(conn, cfg, &opts, arena, &result)
             : WOS_ERROR;
    wos_migrate_unlock(conn);
    PQfinish(conn);
    if (rc != WOS_OK) {
        fprintf(stderr, "seed: failed; nothing was changed (see the log above)\n");
        wos_arena_free(arena);
        return 1;
    }
    if (result.outcome == WOS_SEED_EXISTS) {
        printf("seed: workspace '" WOS_SEED_SLUG "' already exists; nothing was added "
               "(run `wos seed --reset` to rebuild it)\n");
    } else {
        print_counts(result.counts_json);
        printf("seed: done in %ld ms. Every member signs in with the development password "
               "%s\nseed: for example %s (admin), %s (manager), %s (employee)\n",
               result.elapsed_ms, SEED_PASSWORD, "amina.siddiqui@" SEED_DOMAIN,
               "bilal.ahmed@" SEED_DOMAIN, "hassan.ali@" SEED_DOMAIN);
    }
    wos_arena_free(arena);
    return 0;
}
