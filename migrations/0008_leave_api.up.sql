-- message: leave API: requests, overlap and balances, routing, decisions, escalation, approvals
--
-- One function per route of src/modules/leave and src/modules/approvals (spec 05): each does the
-- whole request in one statement and returns (status, body): the HTTP status and the response
-- JSON (CSV text for the export), or {"message", "details"} on a refusal. Refusals do not RAISE,
-- so the audit row of a denied attempt commits with the answer; a request that fails halfway
-- (an SQL error) leaves nothing behind, since the statement is its own transaction.
--
-- Invariants:
--   * A request, its timeline entry, its audit row, its notification and the job e-mailing
--     the person who must act next are written by the same statement: all or nothing.
--   * Submissions and clarification answers of one member are serialised by a transaction
--     advisory lock (namespace 1464816460 = 'WOSL', key hashtext(workspace:member)), taken
--     before the overlap and balance checks, so two concurrent overlapping requests cannot
--     both pass. Decisions lock the request row (FOR UPDATE). Lock order everywhere: member,
--     request row, then the audit chain's workspace lock (wos_audit_append).
--   * Scope: admin/HR (or leave.view_org) see the workspace, a manager the whole chain below
--     them, a team lead their direct reports, everyone else themselves; the requester, the
--     current and previous approver and anyone who acted on a request also see it. A request
--     outside that is answered 404, exactly like one that does not exist.
--   * Days: a request counts the business days of its range (working days of the member's
--     shift, Monday to Friday without one, minus the workspace's active holidays); a half day
--     counts 0.5. Balances are per member, year and type; a request spanning two years counts
--     its days in each year separately.
--   * Escalation (05 §6, product decision): a request waiting longer than the workspace's
--     leave.escalation_hours since it was (re)submitted goes to HR (escalation_count 0 -> 1),
--     and after another delay since that escalation to an admin (1 -> 2); never to the
--     requester or the current approver, once per step.

-- ---------------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------------

-- A refusal body {"message", "details"}; details holds one entry naming p_field (with p_extra
-- merged into it) when a field is given.
CREATE FUNCTION wos_leave_refusal(p_message text, p_field text DEFAULT NULL,
    p_extra jsonb DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('message', p_message, 'details',
               CASE WHEN p_field IS NULL THEN '[]'::jsonb
                    ELSE jsonb_build_array(jsonb_build_object('field', p_field,
                                                              'message', p_message)
                                           || coalesce(p_extra, '{}'::jsonb)) END)::text
$$;

-- Full name of an account, "Unknown" when it is gone.
CREATE FUNCTION wos_leave_name(p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT u.full_name::text FROM users u WHERE u.id = p_user), 'Unknown')
$$;

CREATE FUNCTION wos_leave_setting(p_ws uuid, p_key text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT s.value FROM application_settings s WHERE s.workspace_id = p_ws AND s.key = p_key
$$;

-- The workspace's escalation delay in hours (setting leave.escalation_hours, default 48).
CREATE FUNCTION wos_leave_escalation_hours(p_ws uuid) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT greatest(coalesce(wos_leave_setting(p_ws, 'leave.escalation_hours')::integer, 48), 1)
$$;

-- Today's business date of the workspace.
CREATE FUNCTION wos_leave_today(p_ws uuid, p_now timestamptz) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (p_now AT TIME ZONE wos_att_zone(w.timezone, w.timezone))::date
      FROM workspaces w WHERE w.id = p_ws
$$;

CREATE FUNCTION wos_leave_is_admin_hr(p_ws uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((wos_member_role(p_ws, p_user)).name IN ('admin', 'hr_operations'), false)
$$;

-- Serialises the submissions of one member (see the header).
CREATE FUNCTION wos_leave_lock(p_ws uuid, p_user uuid) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1464816460, hashtext(p_ws::text || ':' || p_user::text))
$$;

-- "sick leave", "work from home", "half-day leave"; "(half day)" for a half day of another type.
CREATE FUNCTION wos_leave_type_label(p_type text, p_half boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_type WHEN 'wfh' THEN 'work from home'
                       WHEN 'half_day' THEN 'half-day leave'
                       ELSE p_type || ' leave' END
           || CASE WHEN p_half AND p_type <> 'half_day' THEN ' (half day)' ELSE '' END
$$;

-- "2026-03-02", "2026-03-02 to 2026-03-04" or "2026-03-02 (first half)".
CREATE FUNCTION wos_leave_dates_text(p_start date, p_end date, p_half boolean, p_period text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_start, 'YYYY-MM-DD')
           || CASE WHEN p_half THEN ' (' || replace(coalesce(p_period, ''), '_', ' ') || ')'
                   WHEN p_end <> p_start THEN ' to ' || to_char(p_end, 'YYYY-MM-DD')
                   ELSE '' END
$$;

-- ---------------------------------------------------------------------------------------------
-- Scope
-- ---------------------------------------------------------------------------------------------

-- 'all' (admin, HR, leave.view_org), 'chain' (manager), 'direct' (team lead) or 'self'.
CREATE FUNCTION wos_leave_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.name IN ('admin', 'hr_operations')
                  OR wos_has_permission(p_ws, p_actor, r.id, 'leave.view_org') THEN 'all'
                WHEN r.name = 'manager' THEN 'chain'
                WHEN r.name = 'team_lead' THEN 'direct'
                ELSE 'self' END
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor
$$;

-- The members whose requests p_actor may list (themself included). UNION keeps a reporting
-- cycle, should one ever exist, from looping.
CREATE FUNCTION wos_leave_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE k AS (
        SELECT wos_leave_scope_kind(p_ws, p_actor) AS kind
    ), below (uid) AS (
        SELECT m.user_id FROM memberships m CROSS JOIN k
         WHERE m.workspace_id = p_ws AND m.manager_id = p_actor AND k.kind IN ('chain', 'direct')
        UNION
        SELECT m.user_id FROM below b
          JOIN memberships m ON m.workspace_id = p_ws AND m.manager_id = b.uid
          CROSS JOIN k
         WHERE k.kind = 'chain'
    )
    SELECT m.user_id FROM memberships m CROSS JOIN k
     WHERE m.workspace_id = p_ws AND k.kind = 'all'
    UNION
    SELECT m.user_id FROM memberships m WHERE m.workspace_id = p_ws AND m.user_id = p_actor
    UNION
    SELECT b.uid FROM below b
$$;

CREATE FUNCTION wos_leave_in_scope(p_ws uuid, p_actor uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM wos_leave_scope(p_ws, p_actor) s WHERE s.user_id = p_user)
$$;

-- Whether p_actor may see request l (see the header).
CREATE FUNCTION wos_leave_visible(p_ws uuid, p_actor uuid, l leave_requests) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT l.user_id = p_actor
        OR l.current_approver_id IS NOT DISTINCT FROM p_actor
        OR l.escalated_from_id IS NOT DISTINCT FROM p_actor
        OR wos_leave_in_scope(p_ws, p_actor, l.user_id)
        OR EXISTS (SELECT 1 FROM approval_timeline t
                    WHERE t.workspace_id = p_ws AND t.entity_type = 'leave_request'
                      AND t.entity_id = l.id AND t.actor_id = p_actor)
$$;

-- ---------------------------------------------------------------------------------------------
-- Days and balances (05 §11)
-- ---------------------------------------------------------------------------------------------

-- Business days of p_user in [p_from, p_to] (0 when p_from > p_to); a half day counts 0.5.
CREATE FUNCTION wos_leave_days(p_ws uuid, p_user uuid, p_from date, p_to date, p_half boolean)
RETURNS numeric
LANGUAGE sql STABLE AS $$
    WITH wd AS (
        SELECT string_to_array(coalesce((SELECT s.working_days::text
                                            FROM memberships m
                                            JOIN shifts s ON s.workspace_id = m.workspace_id
                                                         AND s.id = m.shift_id
                                           WHERE m.workspace_id = p_ws AND m.user_id = p_user),
                                         '1,2,3,4,5'), ',') AS days
    )
    SELECT (count(*) * CASE WHEN p_half THEN 0.5 ELSE 1 END)::numeric(7, 1)
      FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') AS g (d), wd
     WHERE extract(isodow FROM g.d)::text = ANY (wd.days)
       AND NOT EXISTS (SELECT 1 FROM holidays h
                        WHERE h.workspace_id = p_ws AND h.holiday_date = g.d::date AND h.is_active)
$$;

-- Days of a request that fall in year p_year.
CREATE FUNCTION wos_leave_days_in_year(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_half boolean, p_year integer)
RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT wos_leave_days(p_ws, p_user, greatest(p_start, make_date(p_year, 1, 1)),
                          least(p_end, make_date(p_year, 12, 31)), p_half)
$$;

-- The balance of one member, year and type: entitled_days (the workspace setting
-- leave.entitlement_days.<type>; null = unlimited), adjustment_days (leave_balances, the sum of
-- the adjustments), taken_days (approved), pending_days (pending, escalated,
-- needs_clarification), remaining_days = entitled + adjustments - taken - pending (null when
-- unlimited), allow_negative (leave.allow_negative.<type>). p_exclude leaves one request out
-- (the request being changed).
CREATE FUNCTION wos_leave_balance(p_ws uuid, p_user uuid, p_year integer, p_type text,
    p_exclude uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH cfg AS (
        SELECT wos_leave_setting(p_ws, 'leave.entitlement_days.' || p_type)::numeric(7, 1)
                   AS entitled,
               coalesce(wos_leave_setting(p_ws, 'leave.allow_negative.' || p_type) = 'true',
                        false) AS allow_negative,
               coalesce((SELECT b.adjusted_days FROM leave_balances b
                          WHERE b.workspace_id = p_ws AND b.user_id = p_user
                            AND b.year = p_year AND b.leave_type = p_type), 0)::numeric(7, 1)
                   AS adjusted
    ), used AS (
        SELECT coalesce(sum(d.days) FILTER (WHERE l.status = 'approved'), 0)::numeric(7, 1)
                   AS taken,
               coalesce(sum(d.days) FILTER (WHERE l.status <> 'approved'), 0)::numeric(7, 1)
                   AS pending
          FROM leave_requests l
          CROSS JOIN LATERAL (SELECT wos_leave_days_in_year(p_ws, p_user, l.start_date,
                                                            l.end_date, l.is_half_day, p_year)
                                         AS days) d
         WHERE l.workspace_id = p_ws AND l.user_id = p_user AND l.leave_type = p_type
           AND l.status IN ('approved', 'pending', 'escalated', 'needs_clarification')
           AND l.start_date <= make_date(p_year, 12, 31)
           AND l.end_date >= make_date(p_year, 1, 1)
           AND l.id IS DISTINCT FROM p_exclude
    )
    SELECT jsonb_build_object('leave_type', p_type, 'year', p_year,
               'limited', cfg.entitled IS NOT NULL, 'entitled_days', cfg.entitled,
               'adjustment_days', cfg.adjusted, 'taken_days', used.taken,
               'pending_days', used.pending,
               'remaining_days', cfg.entitled + cfg.adjusted - used.taken - used.pending,
               'allow_negative', cfg.allow_negative)
      FROM cfg, used
$$;

-- The 409 refusal when a request of p_type over [p_start, p_end] would take a limited balance
-- that may not go negative below zero in a year it touches; NULL when it fits.
CREATE FUNCTION wos_leave_balance_refusal(p_ws uuid, p_user uuid, p_type text, p_start date,
    p_end date, p_half boolean, p_exclude uuid)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    y integer;
    b jsonb;
    v_need numeric;
    v_left numeric;
BEGIN
    FOR y IN extract(year FROM p_start)::integer .. extract(year FROM p_end)::integer LOOP
        b := wos_leave_balance(p_ws, p_user, y, p_type, p_exclude);
        CONTINUE WHEN NOT (b ->> 'limited')::boolean OR (b ->> 'allow_negative')::boolean;
        v_need := wos_leave_days_in_year(p_ws, p_user, p_start, p_end, p_half, y);
        v_left := (b ->> 'remaining_days')::numeric;
        IF v_need > 0 AND v_left - v_need < 0 THEN
            RETURN wos_leave_refusal(format('Insufficient %s balance for %s: %s days remaining, '
                                            '%s requested.', replace(p_type, '_', ' '), y,
                                            v_left, v_need),
                                     'leave_type',
                                     jsonb_build_object('balance', b, 'requested_days', v_need));
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Every type's balance of one member for one year, with the year's adjustments (newest first).
CREATE FUNCTION wos_leave_member_balances(p_ws uuid, p_user uuid, p_year integer) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('user_id', p_user, 'user_full_name', wos_leave_name(p_user),
        'year', p_year,
        'balances', (SELECT jsonb_agg(wos_leave_balance(p_ws, p_user, p_year, t.leave_type)
                                      ORDER BY t.ord)
                       FROM unnest(ARRAY['annual', 'casual', 'sick', 'half_day', 'wfh'])
                            WITH ORDINALITY AS t (leave_type, ord)),
        'adjustments', coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id,
                                          'leave_type', a.leave_type,
                                          'delta_days', a.delta_days, 'reason', a.reason,
                                          'actor_name', wos_leave_name(a.actor_id),
                                          'created_at', wos_utc_text(a.created_at))
                                      ORDER BY a.created_at DESC, a.id)
                                   FROM leave_balance_adjustments a
                                  WHERE a.workspace_id = p_ws AND a.user_id = p_user
                                    AND a.year = p_year), '[]'::jsonb))
$$;

-- ---------------------------------------------------------------------------------------------
-- Representation
-- ---------------------------------------------------------------------------------------------

-- A request (05 §2 representation) with names beside ids, its days and the requester's balance
-- for its type and the year of its start date.
CREATE FUNCTION wos_leave_json(l leave_requests) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', l.id, 'user_id', l.user_id, 'user_full_name', wos_leave_name(l.user_id),
        'start_date', l.start_date, 'end_date', l.end_date, 'leave_type', l.leave_type,
        'status', l.status, 'is_half_day', l.is_half_day, 'half_day_period', l.half_day_period,
        'reason', l.reason, 'manager_comment', l.manager_comment,
        'current_approver_id', l.current_approver_id,
        'current_approver_name', CASE WHEN l.current_approver_id IS NOT NULL
                                      THEN wos_leave_name(l.current_approver_id) END,
        'escalated_from_id', l.escalated_from_id,
        'escalated_from_name', CASE WHEN l.escalated_from_id IS NOT NULL
                                    THEN wos_leave_name(l.escalated_from_id) END,
        'escalated_at', wos_utc_text(l.escalated_at), 'escalation_count', l.escalation_count,
        'days', wos_leave_days(l.workspace_id, l.user_id, l.start_date, l.end_date,
                               l.is_half_day),
        'balance', wos_leave_balance(l.workspace_id, l.user_id,
                                     extract(year FROM l.start_date)::integer, l.leave_type),
        'created_at', wos_utc_text(l.created_at), 'updated_at', wos_utc_text(l.updated_at))
$$;

-- The audited fields of a request.
CREATE FUNCTION wos_leave_audit_state(l leave_requests) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', l.status, 'leave_type', l.leave_type,
        'start_date', l.start_date, 'end_date', l.end_date, 'is_half_day', l.is_half_day,
        'half_day_period', l.half_day_period, 'reason', l.reason,
        'manager_comment', l.manager_comment,
        'current_approver_name', CASE WHEN l.current_approver_id IS NOT NULL
                                      THEN wos_leave_name(l.current_approver_id) END)
$$;

-- Timeline of a request, oldest first, with actor names (no actor ids).
CREATE FUNCTION wos_leave_timeline(p_ws uuid, p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'action', t.action,
                                  'comment', t.comment,
                                  'actor_name', coalesce(u.full_name::text, 'System'),
                                  'created_at', wos_utc_text(t.created_at))
                              ORDER BY t.created_at, t.id), '[]'::jsonb)
      FROM approval_timeline t
      LEFT JOIN users u ON u.id = t.actor_id
     WHERE t.workspace_id = p_ws AND t.entity_type = 'leave_request' AND t.entity_id = p_id
$$;

-- What p_actor may do with request l now: approve, reject, clarify, escalate (the deciders of
-- 05 §4), cancel and update (the requester, 05 §5).
CREATE FUNCTION wos_leave_actions(p_ws uuid, p_actor uuid, l leave_requests) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH who AS (
        SELECT (wos_member_role(p_ws, p_actor)).name AS role,
               (SELECT m.manager_id FROM memberships m
                 WHERE m.workspace_id = p_ws AND m.user_id = l.user_id) AS manager
    ), can AS (
        SELECT l.user_id <> p_actor
               AND l.status IN ('pending', 'escalated', 'needs_clarification')
               AND (w.role IN ('admin', 'hr_operations')
                    OR (l.current_approver_id = p_actor
                        AND (w.role NOT IN ('manager', 'team_lead')
                             OR w.manager IS NOT DISTINCT FROM p_actor))) AS decide
          FROM who w
    )
    SELECT to_jsonb(array_remove(ARRAY[
               CASE WHEN c.decide THEN 'approve' END,
               CASE WHEN c.decide THEN 'reject' END,
               CASE WHEN c.decide AND l.status <> 'needs_clarification' THEN 'clarify' END,
               CASE WHEN c.decide AND l.escalation_count < 2 THEN 'escalate' END,
               CASE WHEN l.user_id = p_actor AND l.status = 'pending' THEN 'cancel' END,
               CASE WHEN l.user_id = p_actor AND l.status = 'needs_clarification'
                    THEN 'update' END], NULL))
      FROM can c
$$;

-- ---------------------------------------------------------------------------------------------
-- Rules of a submission (05 §2)
-- ---------------------------------------------------------------------------------------------

-- Why the dates, half-day fields or reason are unacceptable (a 422 refusal body), or NULL.
CREATE FUNCTION wos_leave_invalid(p_start date, p_end date, p_half boolean, p_period text,
    p_reason text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_start > p_end
            THEN wos_leave_refusal('Start date must be before end date', 'end_date')
        WHEN p_half AND p_period IS NULL
            THEN wos_leave_refusal('Half-day period is required (first_half or second_half).',
                                   'half_day_period')
        WHEN p_half AND p_start <> p_end
            THEN wos_leave_refusal('Half-day requests must be on a single date (start_date '
                                   'must equal end_date).', 'end_date')
        WHEN p_end - p_start > 365
            THEN wos_leave_refusal('A request may cover at most 366 days.', 'end_date')
        WHEN p_reason IS NULL OR btrim(p_reason, E' \t\r\n') = ''
            THEN wos_leave_refusal('Reason is required.', 'reason')
    END
$$;

-- The 409 refusal naming the first active request of p_user that a new one over
-- [p_start, p_end] conflicts with (05 §2.5), or NULL. WFH counts as a full day; two half days
-- of one date conflict only for the same period.
CREATE FUNCTION wos_leave_overlap_refusal(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_half boolean, p_period text, p_exclude uuid)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT wos_leave_refusal(
               CASE WHEN NOT l.is_half_day AND NOT p_half
                        THEN format('You already have an approved or pending %s request '
                                    'covering these dates.', replace(l.leave_type, '_', ' '))
                    WHEN NOT l.is_half_day
                        THEN format('You already have an approved or pending %s request '
                                    'covering %s. Cannot submit a half-day on this date.',
                                    replace(l.leave_type, '_', ' '),
                                    to_char(p_start, 'YYYY-MM-DD'))
                    WHEN NOT p_half
                        THEN format('You already have a %s half-day request on %s. Cannot '
                                    'overlap with a full-day request.',
                                    replace(l.half_day_period, '_', ' '),
                                    to_char(l.start_date, 'YYYY-MM-DD'))
                    ELSE format('You already have a half-day request for %s (%s).',
                                to_char(l.start_date, 'YYYY-MM-DD'), l.half_day_period) END,
               'start_date',
               jsonb_build_object('conflicting_request', jsonb_build_object(
                   'id', l.id, 'leave_type', l.leave_type, 'start_date', l.start_date,
                   'end_date', l.end_date, 'is_half_day', l.is_half_day,
                   'half_day_period', l.half_day_period, 'status', l.status)))
      FROM leave_requests l
     WHERE l.workspace_id = p_ws AND l.user_id = p_user
       AND l.status IN ('pending', 'approved', 'escalated', 'needs_clarification')
       AND l.start_date <= p_end AND l.end_date >= p_start
       AND l.id IS DISTINCT FROM p_exclude
       AND NOT (l.is_half_day AND p_half AND l.half_day_period IS DISTINCT FROM p_period)
     ORDER BY l.start_date, l.created_at, l.id
     LIMIT 1
$$;

-- The oldest active member (membership created first) holding p_role, other than p_not.
CREATE FUNCTION wos_leave_first_active(p_ws uuid, p_role text, p_not uuid[]) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT m.user_id
      FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND r.name = p_role AND m.status = 'active'
       AND u.status = 'active' AND NOT coalesce(m.user_id = ANY (p_not), false)
     ORDER BY m.created_at, m.user_id
     LIMIT 1
$$;

-- The approver of a new request (05 §2.6): the requester's active manager, else the first
-- active HR member, else the first active admin, never the requester; NULL when nobody.
CREATE FUNCTION wos_leave_route(p_ws uuid, p_user uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT mm.user_id
           FROM memberships m
           JOIN memberships mm ON mm.workspace_id = m.workspace_id AND mm.user_id = m.manager_id
           JOIN users u ON u.id = mm.user_id
          WHERE m.workspace_id = p_ws AND m.user_id = p_user AND mm.user_id <> p_user
            AND mm.status = 'active' AND u.status = 'active'),
        wos_leave_first_active(p_ws, 'hr_operations', ARRAY[p_user]),
        wos_leave_first_active(p_ws, 'admin', ARRAY[p_user]))
$$;

-- The next escalation target of request l (05 §6): step 1 the first active HR member, else
-- admin; step 2 an admin; never the requester or the current approver. NULL when nobody.
CREATE FUNCTION wos_leave_escalation_target(p_ws uuid, l leave_requests) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN l.escalation_count = 0
                THEN coalesce(wos_leave_first_active(p_ws, 'hr_operations',
                                                     ARRAY[l.user_id, l.current_approver_id]),
                              wos_leave_first_active(p_ws, 'admin',
                                                     ARRAY[l.user_id, l.current_approver_id]))
                WHEN l.escalation_count = 1
                THEN wos_leave_first_active(p_ws, 'admin',
                                            ARRAY[l.user_id, l.current_approver_id]) END
$$;

-- ---------------------------------------------------------------------------------------------
-- Side effects written with each change
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_leave_timeline_add(p_ws uuid, p_id uuid, p_actor uuid, p_action text,
    p_comment text, p_at timestamptz DEFAULT NULL)
RETURNS uuid
LANGUAGE sql AS $$
    INSERT INTO approval_timeline (workspace_id, entity_type, entity_id, actor_id, action,
        comment, created_at, updated_at)
    VALUES (p_ws, 'leave_request', p_id, p_actor, p_action, p_comment,
            coalesce(p_at, now()), coalesce(p_at, now()))
    RETURNING id
$$;

CREATE FUNCTION wos_leave_notify(p_ws uuid, p_to uuid, p_title text, p_message text,
    p_id uuid)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
        related_entity_type, related_entity_id)
    SELECT p_ws, p_to, p_title, p_message, 'system', 'leave_request', p_id
     WHERE p_to IS NOT NULL
$$;

-- Enqueues an e-mail job to member p_to (template and vars of docs/jobs.md), idempotent on
-- p_key; NULL when the account is gone.
CREATE FUNCTION wos_leave_mail(p_ws uuid, p_to uuid, p_template text, p_vars jsonb,
    p_key text)
RETURNS uuid
LANGUAGE sql AS $$
    SELECT wos_job_enqueue('email',
               jsonb_build_object('template', p_template, 'to', u.email,
                                  'to_name', u.full_name, 'vars', p_vars),
               p_key, p_ws)
      FROM users u WHERE u.id = p_to
$$;

-- "Approval needed" to the current approver of l.
CREATE FUNCTION wos_leave_mail_pending(l leave_requests, p_key text) RETURNS uuid
LANGUAGE sql AS $$
    SELECT wos_leave_mail(l.workspace_id, l.current_approver_id, 'approval_pending',
               jsonb_build_object('requester_name', wos_leave_name(l.user_id),
                   'type', wos_leave_type_label(l.leave_type, l.is_half_day),
                   'dates', wos_leave_dates_text(l.start_date, l.end_date, l.is_half_day,
                                                 l.half_day_period),
                   'reason', l.reason, 'link', '/manager/approvals'),
               p_key)
$$;

-- Moves request l one escalation step up (05 §6 and the manual escalation of §4): the target
-- becomes the approver, the previous one escalated_from_id; timeline (actor: p_actor, or the
-- target for the automatic step), audit (actor NULL = system), notification and e-mail to the
-- target. Returns the updated row, or NULL (nothing written) when there is no target.
CREATE FUNCTION wos_leave_escalate_row(p_ws uuid, l leave_requests, p_actor uuid,
    p_comment text, p_now timestamptz, p_ip text, p_rid text)
RETURNS leave_requests
LANGUAGE plpgsql AS $$
DECLARE
    v_target uuid := wos_leave_escalation_target(p_ws, l);
    v_old leave_requests := l;
    v_entry uuid;
BEGIN
    IF v_target IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE leave_requests x
       SET escalated_from_id = x.current_approver_id, current_approver_id = v_target,
           escalated_at = p_now, escalation_count = x.escalation_count + 1,
           status = 'escalated',
           manager_comment = CASE WHEN p_actor IS NULL THEN x.manager_comment
                                  ELSE coalesce(p_comment, x.manager_comment) END
     WHERE x.workspace_id = p_ws AND x.id = l.id
    RETURNING * INTO l;
    v_entry := wos_leave_timeline_add(p_ws, l.id, coalesce(p_actor, v_target), 'escalated',
                                      p_comment, p_now);
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.escalated', 'leave_request', l.id,
        wos_leave_name(l.user_id), wos_leave_audit_state(v_old), wos_leave_audit_state(l),
        jsonb_build_object('automatic', p_actor IS NULL, 'step', l.escalation_count,
                           'comment', p_comment),
        p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, v_target, 'Leave request escalated to you',
        'The leave request of ' || wos_leave_name(l.user_id) || ' was escalated to you.', l.id);
    PERFORM wos_leave_mail(p_ws, v_target, 'operational_alert',
        jsonb_build_object('title', 'ESCALATION: Leave Request approval delayed',
            'message', 'The ' || wos_leave_type_label(l.leave_type, l.is_half_day)
                       || ' request of ' || wos_leave_name(l.user_id) || ' for '
                       || wos_leave_dates_text(l.start_date, l.end_date, l.is_half_day,
                                               l.half_day_period)
                       || ' was escalated to you'
                       || CASE WHEN p_actor IS NULL
                               THEN ' because it waited too long for a decision.'
                               ELSE ' by ' || wos_leave_name(p_actor) || '.' END,
            'link', '/manager/approvals'),
        'leave:' || v_entry);
    RETURN l;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Writes
-- ---------------------------------------------------------------------------------------------

-- POST /leaves (05 §2): validation (422 naming the field), overlap (409 naming the conflicting
-- request), balance (409), routing (422), then the request with its timeline entry, audit row,
-- notification and e-mail job to the approver.
CREATE FUNCTION wos_leave_create(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_type text, p_half boolean, p_period text, p_reason text, p_ip text, p_rid text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_half boolean := coalesce(p_half, false) OR p_type = 'half_day';
    v_period text := CASE WHEN coalesce(p_half, false) OR p_type = 'half_day' THEN p_period END;
    v_approver uuid;
    v_entry uuid;
    l leave_requests;
BEGIN
    body := wos_leave_invalid(p_start, p_end, v_half, v_period, p_reason);
    IF body IS NOT NULL THEN
        status := 422;
        RETURN;
    END IF;
    PERFORM wos_leave_lock(p_ws, p_user);
    body := coalesce(wos_leave_overlap_refusal(p_ws, p_user, p_start, p_end, v_half, v_period,
                                               NULL),
                     wos_leave_balance_refusal(p_ws, p_user, p_type, p_start, p_end, v_half,
                                               NULL));
    IF body IS NOT NULL THEN
        status := 409;
        RETURN;
    END IF;
    v_approver := wos_leave_route(p_ws, p_user);
    IF v_approver IS NULL THEN
        status := 422;
        body := wos_leave_refusal('No reporting manager or system administrator assigned to '
                                  'handle your request. Please contact HR.');
        RETURN;
    END IF;

    INSERT INTO leave_requests (workspace_id, user_id, start_date, end_date, leave_type,
        is_half_day, half_day_period, reason, current_approver_id)
    VALUES (p_ws, p_user, p_start, p_end, p_type, v_half, v_period,
            btrim(p_reason, E' \t\r\n'), v_approver)
    RETURNING * INTO l;
    v_entry := wos_leave_timeline_add(p_ws, l.id, p_user, 'created',
                                      'Request submitted for ' || p_type);
    PERFORM wos_audit_append(p_ws, p_user, 'leave.created', 'leave_request', l.id,
        wos_leave_name(p_user), NULL, wos_leave_audit_state(l), NULL, p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, v_approver, 'Leave request submitted',
        wos_leave_name(p_user) || ' submitted a leave request for your approval.', l.id);
    PERFORM wos_leave_mail_pending(l, 'leave:' || v_entry);
    status := 201;
    body := wos_leave_json(l)::text;
END
$$;

-- PATCH /leaves/{id} (05 §5): the requester answers a clarification. Fields absent from p_body
-- keep their value; the merged request is validated and checked again (overlap and balance,
-- without itself), returns to pending with the same approver, who is e-mailed again.
CREATE FUNCTION wos_leave_update(p_ws uuid, p_actor uuid, p_id uuid, p_body jsonb, p_ip text,
    p_rid text, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    l leave_requests;
    v_old leave_requests;
    v_type text;
    v_start date;
    v_end date;
    v_half boolean;
    v_period text;
    v_reason text;
    v_entry uuid;
BEGIN
    PERFORM wos_leave_lock(p_ws, p_actor);
    SELECT * INTO l FROM leave_requests x
     WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT wos_leave_visible(p_ws, p_actor, l) THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    IF l.user_id <> p_actor THEN
        status := 403;
        body := wos_leave_refusal('Only the requester can update this request');
        RETURN;
    END IF;
    IF l.status <> 'needs_clarification' THEN
        status := 400;
        body := wos_leave_refusal('Only requests awaiting clarification can be updated');
        RETURN;
    END IF;

    v_type := coalesce(p_body ->> 'leave_type', l.leave_type);
    v_start := coalesce((p_body ->> 'start_date')::date, l.start_date);
    v_end := coalesce((p_body ->> 'end_date')::date, l.end_date);
    v_half := CASE WHEN p_body ? 'is_half_day' THEN coalesce((p_body ->> 'is_half_day')::boolean,
                                                             false)
                   ELSE l.is_half_day END
              OR v_type = 'half_day';
    v_period := CASE WHEN NOT v_half THEN NULL
                     WHEN p_body ? 'half_day_period' THEN p_body ->> 'half_day_period'
                     ELSE l.half_day_period END;
    v_reason := coalesce(p_body ->> 'reason', l.reason);
    body := wos_leave_invalid(v_start, v_end, v_half, v_period, v_reason);
    IF body IS NOT NULL THEN
        status := 422;
        RETURN;
    END IF;
    body := coalesce(wos_leave_overlap_refusal(p_ws, p_actor, v_start, v_end, v_half, v_period,
                                               l.id),
                     wos_leave_balance_refusal(p_ws, p_actor, v_type, v_start, v_end, v_half,
                                               l.id));
    IF body IS NOT NULL THEN
        status := 409;
        RETURN;
    END IF;

    v_old := l;
    UPDATE leave_requests x
       SET leave_type = v_type, start_date = v_start, end_date = v_end, is_half_day = v_half,
           half_day_period = v_period, reason = btrim(v_reason, E' \t\r\n'), status = 'pending'
     WHERE x.workspace_id = p_ws AND x.id = l.id
    RETURNING * INTO l;
    v_entry := wos_leave_timeline_add(p_ws, l.id, p_actor, 'created',
                                      'Updated after clarification');
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.updated', 'leave_request', l.id,
        wos_leave_name(p_actor), wos_leave_audit_state(v_old), wos_leave_audit_state(l), NULL,
        p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, l.current_approver_id, 'Leave request updated',
        wos_leave_name(p_actor) || ' answered your question about their leave request.', l.id);
    PERFORM wos_leave_mail_pending(l, 'leave:' || v_entry);
    status := 200;
    body := wos_leave_json(l)::text;
END
$$;

-- The audit row of a denied decision (08 §2.3).
CREATE FUNCTION wos_leave_deny(p_ws uuid, p_actor uuid, p_action text, p_id uuid,
    p_reason text, p_ip text, p_rid text)
RETURNS void
LANGUAGE sql AS $$
    SELECT wos_audit_append(p_ws, p_actor, p_action, 'leave_request', p_id, NULL, NULL,
        jsonb_build_object('outcome', 'denied', 'reason', p_reason,
                           'actor_role', (wos_member_role(p_ws, p_actor)).name),
        NULL, p_ip, p_rid)
$$;

-- PATCH /leaves/{id}/resolve (05 §4). p_action is approved, rejected, clarified or escalated
-- (created and cancelled are refused with 400); p_comment was validated by the caller (required
-- for rejected and escalated). Checks in the order of the spec; out of scope is 404 (audited as
-- a cross-team attempt).
CREATE FUNCTION wos_leave_resolve(p_ws uuid, p_actor uuid, p_id uuid, p_action text,
    p_comment text, p_ip text, p_rid text, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := (wos_member_role(p_ws, p_actor)).name;
    v_admin boolean := v_role IN ('admin', 'hr_operations');
    v_comment text := nullif(btrim(p_comment, E' \t\r\n'), '');
    v_manager uuid;
    v_actor_name text := wos_leave_name(p_actor);
    v_entry uuid;
    v_verb text;
    l leave_requests;
    v_old leave_requests;
BEGIN
    SELECT * INTO l FROM leave_requests x
     WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    IF NOT wos_leave_visible(p_ws, p_actor, l) THEN
        PERFORM wos_leave_deny(p_ws, p_actor, 'leave.cross_team_resolution_denied', l.id,
                               'out_of_scope', p_ip, p_rid);
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    IF l.user_id = p_actor THEN
        PERFORM wos_leave_deny(p_ws, p_actor, 'leave.self_approval_denied', l.id,
                               'own_request', p_ip, p_rid);
        status := 403;
        body := wos_leave_refusal('You cannot approve or reject your own leave request');
        RETURN;
    END IF;
    SELECT m.manager_id INTO v_manager FROM memberships m
     WHERE m.workspace_id = p_ws AND m.user_id = l.user_id;
    IF NOT v_admin AND v_role IN ('manager', 'team_lead')
       AND v_manager IS DISTINCT FROM p_actor THEN
        PERFORM wos_leave_deny(p_ws, p_actor, 'leave.cross_team_resolution_denied', l.id,
                               'not_direct_report', p_ip, p_rid);
        status := 403;
        body := wos_leave_refusal('Not authorized to resolve leave for this user');
        RETURN;
    END IF;
    IF NOT v_admin AND l.current_approver_id IS DISTINCT FROM p_actor THEN
        PERFORM wos_leave_deny(p_ws, p_actor, 'leave.unauthorized_resolution_denied', l.id,
                               'not_current_approver', p_ip, p_rid);
        status := 403;
        body := wos_leave_refusal('Only the current approver can resolve this request');
        RETURN;
    END IF;
    IF l.status IN ('approved', 'rejected', 'cancelled') THEN
        status := 400;
        body := wos_leave_refusal(format('Cannot perform action on a %s request', l.status));
        RETURN;
    END IF;
    IF p_action NOT IN ('approved', 'rejected', 'clarified', 'escalated') THEN
        status := 400;
        body := wos_leave_refusal('Invalid approval action', 'action');
        RETURN;
    END IF;

    IF p_action = 'escalated' THEN
        IF l.escalation_count >= 2 THEN
            status := 400;
            body := wos_leave_refusal('This request has already been escalated to an '
                                      'administrator');
            RETURN;
        END IF;
        l := wos_leave_escalate_row(p_ws, l, p_actor, v_comment, p_now, p_ip, p_rid);
        IF l.id IS NULL THEN
            status := 409;
            body := wos_leave_refusal('No HR member or administrator is available to take '
                                      'this request.');
            RETURN;
        END IF;
        status := 200;
        body := (wos_leave_json(l)
                 || jsonb_build_object('available_actions', wos_leave_actions(p_ws, p_actor, l)))
                ::text;
        RETURN;
    END IF;

    v_old := l;
    UPDATE leave_requests x
       SET status = CASE p_action WHEN 'clarified' THEN 'needs_clarification' ELSE p_action END,
           manager_comment = coalesce(v_comment, x.manager_comment)
     WHERE x.workspace_id = p_ws AND x.id = l.id
    RETURNING * INTO l;
    v_entry := wos_leave_timeline_add(p_ws, l.id, p_actor, p_action, v_comment);
    v_verb := CASE p_action WHEN 'clarified' THEN 'clarification_requested' ELSE p_action END;
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.' || v_verb, 'leave_request', l.id,
        wos_leave_name(l.user_id), wos_leave_audit_state(v_old), wos_leave_audit_state(l),
        jsonb_build_object('comment', v_comment), p_ip, p_rid);
    IF p_action = 'clarified' THEN
        PERFORM wos_leave_notify(p_ws, l.user_id, 'Leave request needs clarification',
            v_actor_name || ' asked for more information about your leave request.', l.id);
    ELSE
        PERFORM wos_leave_notify(p_ws, l.user_id, 'Leave request ' || p_action,
            'Your leave request was ' || p_action || ' by ' || v_actor_name || '.', l.id);
        PERFORM wos_leave_mail(p_ws, l.user_id, 'approval_decision',
            jsonb_build_object('type', wos_leave_type_label(l.leave_type, l.is_half_day),
                'decision', p_action, 'approver_name', v_actor_name,
                'dates', wos_leave_dates_text(l.start_date, l.end_date, l.is_half_day,
                                              l.half_day_period),
                'comment', coalesce(v_comment, ''), 'link', '/employee/leaves'),
            'leave:' || v_entry);
    END IF;
    status := 200;
    body := (wos_leave_json(l)
             || jsonb_build_object('available_actions', wos_leave_actions(p_ws, p_actor, l)))
            ::text;
END
$$;

-- POST /leaves/{id}/cancel (05 §5): the requester, while pending.
CREATE FUNCTION wos_leave_cancel(p_ws uuid, p_actor uuid, p_id uuid, p_ip text, p_rid text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    l leave_requests;
    v_old leave_requests;
BEGIN
    SELECT * INTO l FROM leave_requests x
     WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT wos_leave_visible(p_ws, p_actor, l) THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    IF l.user_id <> p_actor THEN
        status := 403;
        body := wos_leave_refusal('Cannot cancel other''s requests');
        RETURN;
    END IF;
    IF l.status <> 'pending' THEN
        status := 400;
        body := wos_leave_refusal('Only pending requests can be cancelled');
        RETURN;
    END IF;
    v_old := l;
    UPDATE leave_requests x SET status = 'cancelled'
     WHERE x.workspace_id = p_ws AND x.id = l.id
    RETURNING * INTO l;
    PERFORM wos_leave_timeline_add(p_ws, l.id, p_actor, 'cancelled', 'Cancelled by requester');
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.cancelled', 'leave_request', l.id,
        wos_leave_name(p_actor), wos_leave_audit_state(v_old), wos_leave_audit_state(l), NULL,
        p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, l.current_approver_id, 'Leave request cancelled',
        wos_leave_name(p_actor) || ' cancelled their leave request.', l.id);
    status := 200;
    body := wos_leave_json(l)::text;
END
$$;

-- POST /leaves/balances/adjust: admin/HR add a signed number of days to a member's balance of
-- one type and year, with a reason (never their own). 201 {adjustment, balance}.
CREATE FUNCTION wos_leave_balance_adjust(p_ws uuid, p_actor uuid, p_user uuid, p_type text,
    p_year integer, p_delta numeric, p_reason text, p_ip text, p_rid text, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_year integer := coalesce(p_year, extract(year FROM wos_leave_today(p_ws, p_now))::integer);
    v_before jsonb;
    v_after jsonb;
    a leave_balance_adjustments;
BEGIN
    IF NOT wos_leave_is_admin_hr(p_ws, p_actor) THEN
        status := 403;
        body := wos_leave_refusal('Only administrators and HR can adjust leave balances.');
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = p_ws
                                                 AND m.user_id = p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    IF p_user = p_actor THEN
        status := 403;
        body := wos_leave_refusal('You cannot adjust your own leave balance.');
        RETURN;
    END IF;
    IF p_delta IS NULL OR p_delta = 0 OR p_delta * 2 <> trunc(p_delta * 2)
       OR abs(p_delta) > 366 THEN
        status := 422;
        body := wos_leave_refusal('Must be a non-zero multiple of 0.5 between -366 and 366.',
                                  'delta_days');
        RETURN;
    END IF;
    IF p_reason IS NULL OR btrim(p_reason, E' \t\r\n') = '' THEN
        status := 422;
        body := wos_leave_refusal('Reason is required.', 'reason');
        RETURN;
    END IF;
    PERFORM wos_leave_lock(p_ws, p_user);
    v_before := wos_leave_balance(p_ws, p_user, v_year, p_type);
    IF abs((v_before ->> 'adjustment_days')::numeric + p_delta) > 9999 THEN
        status := 422;
        body := wos_leave_refusal('The total adjustment would exceed 9999 days.', 'delta_days');
        RETURN;
    END IF;
    INSERT INTO leave_balance_adjustments (workspace_id, user_id, year, leave_type, delta_days,
        reason, actor_id)
    VALUES (p_ws, p_user, v_year, p_type, p_delta, btrim(p_reason, E' \t\r\n'), p_actor)
    RETURNING * INTO a;
    INSERT INTO leave_balances AS b (workspace_id, user_id, year, leave_type, entitled_days,
        adjusted_days)
    VALUES (p_ws, p_user, v_year, p_type,
            coalesce((v_before ->> 'entitled_days')::numeric, 0), p_delta)
    ON CONFLICT (workspace_id, user_id, year, leave_type) DO UPDATE
       SET adjusted_days = b.adjusted_days + EXCLUDED.adjusted_days,
           entitled_days = EXCLUDED.entitled_days;
    v_after := wos_leave_balance(p_ws, p_user, v_year, p_type);
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.balance_adjusted', 'user', p_user,
        wos_leave_name(p_user), v_before, v_after,
        jsonb_build_object('adjustment_id', a.id, 'delta_days', p_delta, 'reason', a.reason),
        p_ip, p_rid);
    status := 201;
    body := jsonb_build_object(
        'adjustment', jsonb_build_object('id', a.id, 'user_id', a.user_id,
            'user_full_name', wos_leave_name(a.user_id), 'year', a.year,
            'leave_type', a.leave_type, 'delta_days', a.delta_days, 'reason', a.reason,
            'actor_name', wos_leave_name(a.actor_id), 'created_at', wos_utc_text(a.created_at)),
        'balance', v_after)::text;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Reads
-- ---------------------------------------------------------------------------------------------

-- GET /leaves/me: the caller's requests, newest first.
CREATE FUNCTION wos_leave_mine(p_ws uuid, p_actor uuid, OUT status integer, OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT 200, coalesce(jsonb_agg(wos_leave_json(l) ORDER BY l.created_at DESC, l.id),
                         '[]'::jsonb)::text
      FROM leave_requests l
     WHERE l.workspace_id = p_ws AND l.user_id = p_actor
$$;

-- The requests of the caller's scope matching the filters (a range intersecting [p_from, p_to]).
CREATE FUNCTION wos_leave_filtered(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text)
RETURNS SETOF leave_requests
LANGUAGE sql STABLE AS $$
    SELECT l.*
      FROM leave_requests l
      JOIN wos_leave_scope(p_ws, p_actor) s ON s.user_id = l.user_id
     WHERE l.workspace_id = p_ws
       AND (p_status IS NULL OR l.status = p_status)
       AND (p_user IS NULL OR l.user_id = p_user)
       AND (p_from IS NULL OR l.end_date >= p_from)
       AND (p_to IS NULL OR l.start_date <= p_to)
       AND (p_type IS NULL OR l.leave_type = p_type)
$$;

-- GET /leaves: {items, total, limit, offset}, latest start date first; a member outside the
-- caller's scope is 404.
CREATE FUNCTION wos_leave_list(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_user IS NOT NULL AND NOT wos_leave_in_scope(p_ws, p_actor, p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    status := 200;
    SELECT jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(wos_leave_json(p) ORDER BY p.start_date DESC,
                                                   p.created_at DESC, p.id)
                                    FROM (SELECT * FROM wos_leave_filtered(p_ws, p_actor,
                                                     p_status, p_user, p_from, p_to, p_type) f
                                           ORDER BY f.start_date DESC, f.created_at DESC, f.id
                                           LIMIT p_limit OFFSET p_offset) p), '[]'::jsonb),
               'total', (SELECT count(*) FROM wos_leave_filtered(p_ws, p_actor, p_status,
                                                                 p_user, p_from, p_to, p_type)),
               'limit', p_limit, 'offset', p_offset)::text
      INTO body;
END
$$;

-- GET /leaves/export (07 §4.4): the same rows as CSV, oldest first, at most 10000; leadership
-- only.
CREATE FUNCTION wos_leave_export(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text, OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF coalesce((wos_member_role(p_ws, p_actor)).name, '')
           NOT IN ('admin', 'hr_operations', 'manager', 'team_lead') THEN
        status := 403;
        body := wos_leave_refusal('Only leadership can export leave requests.');
        RETURN;
    END IF;
    IF p_user IS NOT NULL AND NOT wos_leave_in_scope(p_ws, p_actor, p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    status := 200;
    SELECT 'Employee Name,Email,Department,Type,Start,End,Half Day Period,Status,Approver,'
           || 'Reason,Submitted At' || E'\r\n'
           || coalesce(string_agg(concat_ws(',', wos_att_csv(u.full_name), wos_att_csv(u.email),
                                      wos_att_csv(coalesce(d.name, m.department)),
                                      wos_att_csv(f.leave_type),
                                      to_char(f.start_date, 'YYYY-MM-DD'),
                                      to_char(f.end_date, 'YYYY-MM-DD'),
                                      wos_att_csv(f.half_day_period), wos_att_csv(f.status),
                                      wos_att_csv(CASE WHEN f.current_approver_id IS NOT NULL
                                                       THEN wos_leave_name(f.current_approver_id)
                                                  END),
                                      wos_att_csv(f.reason), wos_utc_text(f.created_at))
                                  || E'\r\n', '' ORDER BY f.start_date, f.created_at, f.id), '')
      INTO body
      FROM (SELECT * FROM wos_leave_filtered(p_ws, p_actor, p_status, p_user, p_from, p_to,
                                             p_type) x
             ORDER BY x.start_date, x.created_at, x.id LIMIT 10000) f
      JOIN users u ON u.id = f.user_id
      JOIN memberships m ON m.workspace_id = f.workspace_id AND m.user_id = f.user_id
      LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id;
END
$$;

-- GET /leaves/pending (05 §3): admin/HR every undecided request but their own; others the
-- undecided requests they are the current approver of. Newest first.
CREATE FUNCTION wos_leave_pending(p_ws uuid, p_actor uuid, OUT status integer, OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT 200, coalesce(jsonb_agg(wos_leave_json(l)
                                   || jsonb_build_object('available_actions',
                                                         wos_leave_actions(p_ws, p_actor, l))
                                   ORDER BY l.created_at DESC, l.id), '[]'::jsonb)::text
      FROM leave_requests l
     WHERE l.workspace_id = p_ws
       AND l.status IN ('pending', 'escalated', 'needs_clarification')
       AND ((wos_leave_is_admin_hr(p_ws, p_actor) AND l.user_id <> p_actor)
            OR l.current_approver_id = p_actor)
$$;

-- GET /leaves/{id}: the request with its timeline, balance and what the caller may do.
CREATE FUNCTION wos_leave_get(p_ws uuid, p_actor uuid, p_id uuid,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    l leave_requests;
BEGIN
    SELECT * INTO l FROM leave_requests x WHERE x.workspace_id = p_ws AND x.id = p_id;
    IF NOT FOUND OR NOT wos_leave_visible(p_ws, p_actor, l) THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    status := 200;
    body := (wos_leave_json(l)
             || jsonb_build_object('timeline', wos_leave_timeline(p_ws, l.id),
                                   'available_actions', wos_leave_actions(p_ws, p_actor, l)))
            ::text;
END
$$;

-- GET /leaves/{id}/timeline
CREATE FUNCTION wos_leave_timeline_get(p_ws uuid, p_actor uuid, p_id uuid,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    l leave_requests;
BEGIN
    SELECT * INTO l FROM leave_requests x WHERE x.workspace_id = p_ws AND x.id = p_id;
    IF NOT FOUND OR NOT wos_leave_visible(p_ws, p_actor, l) THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    status := 200;
    body := wos_leave_timeline(p_ws, l.id)::text;
END
$$;

-- GET /leaves/balances/me and GET /leaves/balances?user_id=: {year, items: [member balances]},
-- one member (404 outside the caller's scope) or every member of the scope by name.
CREATE FUNCTION wos_leave_balances(p_ws uuid, p_actor uuid, p_user uuid, p_year integer,
    p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_year integer := coalesce(p_year, extract(year FROM wos_leave_today(p_ws, p_now))::integer);
BEGIN
    IF p_user IS NOT NULL AND NOT wos_leave_in_scope(p_ws, p_actor, p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    status := 200;
    SELECT jsonb_build_object('year', v_year,
               'items', coalesce(jsonb_agg(wos_leave_member_balances(p_ws, s.user_id, v_year)
                                           ORDER BY u.full_name, u.id), '[]'::jsonb))::text
      INTO body
      FROM wos_leave_scope(p_ws, p_actor) s
      JOIN users u ON u.id = s.user_id
      JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = s.user_id
     WHERE (p_user IS NULL OR s.user_id = p_user)
       AND (p_user IS NOT NULL OR m.status IN ('active', 'invited'));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- For the attendance module and the dashboards (05 §8)
-- ---------------------------------------------------------------------------------------------

-- The approved leave covering business date p_date of member p_user, or no row: a full-day
-- request first (WFH last among them), then half days (first half before second half).
-- covers_full_day is true for a full-day request, or when both halves of the date are approved
-- (then leave_type is the first half's type).
CREATE FUNCTION wos_leave_covering(ws uuid, "user" uuid, d date)
RETURNS TABLE (id uuid, leave_type text, is_half_day boolean, half_day_period text,
               covers_full_day boolean)
LANGUAGE sql STABLE AS $$
    SELECT l.id, l.leave_type::text, l.is_half_day, l.half_day_period::text,
           NOT l.is_half_day
           OR (SELECT count(DISTINCT h.half_day_period) FROM leave_requests h
                WHERE h.workspace_id = $1 AND h.user_id = $2 AND h.status = 'approved'
                  AND h.is_half_day AND h.start_date = $3) = 2
      FROM leave_requests l
     WHERE l.workspace_id = $1 AND l.user_id = $2 AND l.status = 'approved'
       AND $3 BETWEEN l.start_date AND l.end_date
     ORDER BY l.is_half_day, l.leave_type = 'wfh', l.half_day_period, l.created_at
     LIMIT 1
$$;

-- ---------------------------------------------------------------------------------------------
-- Jobs (05 §6, §7)
-- ---------------------------------------------------------------------------------------------

-- Escalates every request (of every workspace, or only p_ws) whose wait passed its workspace's
-- leave.escalation_hours at p_now: pending with escalation_count 0 (to HR), or undecided with
-- escalation_count 1 (to an admin). The wait starts at the latest 'created' or 'escalated'
-- timeline entry (submission, clarification answer, previous escalation), else at created_at.
-- Each request moves at most one step per call; a request with no target stays. Returns the
-- number escalated.
CREATE FUNCTION wos_leave_escalate_due(now timestamptz DEFAULT now(), p_ws uuid DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_now timestamptz := $1;
    r leave_requests;
    v_hours integer;
    n integer := 0;
BEGIN
    FOR r IN
        SELECT l.*
          FROM leave_requests l
         WHERE (p_ws IS NULL OR l.workspace_id = p_ws)
           AND ((l.status = 'pending' AND l.escalation_count = 0)
                OR (l.status IN ('pending', 'escalated') AND l.escalation_count = 1))
           AND coalesce((SELECT max(t.created_at) FROM approval_timeline t
                          WHERE t.workspace_id = l.workspace_id
                            AND t.entity_type = 'leave_request' AND t.entity_id = l.id
                            AND t.action IN ('created', 'escalated')), l.created_at)
               <= v_now - make_interval(hours => wos_leave_escalation_hours(l.workspace_id))
         ORDER BY l.created_at, l.id
           FOR UPDATE OF l SKIP LOCKED
    LOOP
        v_hours := wos_leave_escalation_hours(r.workspace_id);
        r := wos_leave_escalate_row(r.workspace_id, r, NULL,
                                    format('Auto-escalated from original approver after %sh '
                                           'delay.', v_hours),
                                    v_now, NULL, NULL);
        IF r.id IS NOT NULL THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

-- The daily reminder (05 §7): one e-mail per active approver of p_ws with undecided requests
-- (pending or escalated), at most one per approver and business date (the job's idempotency
-- key). Returns the e-mails enqueued by this call.
CREATE FUNCTION wos_leave_remind(p_ws uuid, p_now timestamptz DEFAULT now()) RETURNS integer
LANGUAGE sql AS $$
    WITH c AS (
        SELECT l.current_approver_id AS approver, count(*) AS n,
               'leave.reminder:' || p_ws || ':' || l.current_approver_id || ':'
               || wos_leave_today(p_ws, p_now) AS key
          FROM leave_requests l
          JOIN memberships m ON m.workspace_id = l.workspace_id
                            AND m.user_id = l.current_approver_id AND m.status = 'active'
         WHERE l.workspace_id = p_ws AND l.status IN ('pending', 'escalated')
         GROUP BY l.current_approver_id
    ), due AS (
        SELECT c.* FROM c
         WHERE NOT EXISTS (SELECT 1 FROM jobs j
                            WHERE j.kind = 'email' AND j.idempotency_key = c.key)
    ), sent AS (
        SELECT wos_leave_mail(p_ws, d.approver, 'operational_alert',
                   jsonb_build_object(
                       'title', format('Action Required: %s pending approval%s', d.n,
                                       CASE WHEN d.n = 1 THEN '' ELSE 's' END),
                       'message', format('%s leave request%s %s waiting for your decision.',
                                         d.n, CASE WHEN d.n = 1 THEN '' ELSE 's' END,
                                         CASE WHEN d.n = 1 THEN 'is' ELSE 'are' END),
                       'link', '/manager/approvals'),
                   d.key) AS job
          FROM due d
    )
    SELECT count(job)::integer FROM sent
$$;

-- ---------------------------------------------------------------------------------------------
-- Approval center (05 §9 and its product decision)
-- ---------------------------------------------------------------------------------------------

-- The web page of the approval center for the caller's role.
CREATE FUNCTION wos_approvals_url(p_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_role WHEN 'admin' THEN '/admin/approvals'
                       WHEN 'hr_operations' THEN '/hr/approvals'
                       ELSE '/manager/approvals' END
$$;

-- Everything waiting for p_actor (05 §9, product decision): undecided leave/WFH requests they
-- may decide (admin/HR: all but their own; others: where they are the current approver) and
-- attendance corrections of the members of their attendance scope (when they hold
-- attendance.approve_correction). p_status: 'pending' (pending and escalated: a decision is
-- due), 'needs_revision' (waiting for the requester's answer), 'escalated' or 'all'. Items
-- newest first, at most p_limit; summary and counts cover every matching item.
CREATE FUNCTION wos_approvals_pending(p_ws uuid, p_actor uuid, p_type text, p_status text,
    p_from date, p_to date, p_search text, p_limit integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role record := wos_member_role(p_ws, p_actor);
    v_all boolean := v_role.name IN ('admin', 'hr_operations');
    v_corr boolean;
    v_leave_st text[];
    v_corr_st text[];
    v_like text := '%' || wos_like_escape(coalesce(p_search, '')) || '%';
    v_tz text;
BEGIN
    IF v_role.name IS NULL
       OR v_role.name NOT IN ('admin', 'hr_operations', 'manager', 'team_lead') THEN
        status := 403;
        body := wos_leave_refusal('Access denied');
        RETURN;
    END IF;
    v_corr := wos_has_permission(p_ws, p_actor, v_role.role_id, 'attendance.approve_correction');
    v_leave_st := CASE p_status WHEN 'needs_revision' THEN ARRAY['needs_clarification']
                                WHEN 'escalated' THEN ARRAY['escalated']
                                WHEN 'all' THEN ARRAY['pending', 'escalated',
                                                      'needs_clarification']
                                ELSE ARRAY['pending', 'escalated'] END;
    v_corr_st := CASE p_status WHEN 'needs_revision' THEN ARRAY['needs_clarification']
                               WHEN 'escalated' THEN ARRAY[]::text[]
                               WHEN 'all' THEN ARRAY['pending', 'needs_clarification']
                               ELSE ARRAY['pending'] END;
    SELECT wos_att_zone(w.timezone, w.timezone) INTO v_tz FROM workspaces w WHERE w.id = p_ws;

    WITH leave_items AS (
        SELECT l.created_at AS at,
               CASE WHEN l.leave_type = 'wfh' THEN 'wfh' ELSE 'leave' END AS kind,
               CASE l.status WHEN 'needs_clarification' THEN 'needs_revision'
                             ELSE l.status END AS st,
               jsonb_build_object(
                   'id', l.id,
                   'type', CASE WHEN l.leave_type = 'wfh' THEN 'wfh' ELSE 'leave' END,
                   'title', CASE WHEN l.leave_type = 'wfh' THEN 'WFH Request'
                                 ELSE 'Leave Request' END,
                   'user_id', l.user_id, 'user_name', u.full_name, 'user_email', u.email,
                   'department', coalesce(d.name, m.department),
                   'status', CASE l.status WHEN 'needs_clarification' THEN 'needs_revision'
                                           ELSE l.status END,
                   'submitted_at', wos_utc_text(l.created_at), 'business_date', l.start_date,
                   'description', l.reason, 'action_url', wos_approvals_url(v_role.name),
                   'available_actions',
                       CASE WHEN l.status IN ('pending', 'escalated')
                            THEN '["review"]'::jsonb || wos_leave_actions(p_ws, p_actor, l)
                            ELSE '["review"]'::jsonb END,
                   'details', jsonb_build_object('leave_type', l.leave_type,
                       'start_date', l.start_date, 'end_date', l.end_date,
                       'is_half_day', l.is_half_day, 'half_day_period', l.half_day_period,
                       'days', wos_leave_days(p_ws, l.user_id, l.start_date, l.end_date,
                                              l.is_half_day),
                       'escalation_count', l.escalation_count,
                       'current_approver_name', wos_leave_name(l.current_approver_id))) AS item
          FROM leave_requests l
          JOIN users u ON u.id = l.user_id
          JOIN memberships m ON m.workspace_id = l.workspace_id AND m.user_id = l.user_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE l.workspace_id = p_ws AND l.status = ANY (v_leave_st) AND l.user_id <> p_actor
           AND (v_all OR l.current_approver_id = p_actor)
           AND ((p_type IN ('all', 'leave') AND l.leave_type <> 'wfh')
                OR (p_type IN ('all', 'wfh') AND l.leave_type = 'wfh'))
           AND (p_from IS NULL OR l.start_date >= p_from)
           AND (p_to IS NULL OR l.start_date <= p_to)
           AND (p_search IS NULL OR u.full_name ILIKE v_like OR u.email ILIKE v_like
                OR (CASE WHEN l.leave_type = 'wfh' THEN 'WFH Request'
                         ELSE 'Leave Request' END) ILIKE v_like)
    ), corr_items AS (
        SELECT c.created_at AS at, 'attendance_correction' AS kind,
               CASE c.status WHEN 'needs_clarification' THEN 'needs_revision'
                             ELSE c.status END AS st,
               jsonb_build_object(
                   'id', c.id, 'type', 'attendance_correction',
                   'title', 'Attendance Correction',
                   'user_id', c.user_id, 'user_name', u.full_name, 'user_email', u.email,
                   'department', coalesce(d.name, m.department),
                   'status', CASE c.status WHEN 'needs_clarification' THEN 'needs_revision'
                                           ELSE c.status END,
                   'submitted_at', wos_utc_text(c.created_at),
                   'business_date', s.business_date,
                   'description', coalesce(nullif(btrim(c.reason), ''),
                                           'Attendance correction requested'),
                   'action_url', wos_approvals_url(v_role.name),
                   'available_actions', CASE WHEN c.status = 'pending'
                                             THEN '["review", "approve", "reject", "clarify"]'
                                                  ::jsonb
                                             ELSE '["review"]'::jsonb END,
                   'details', jsonb_build_object('session_id', c.session_id,
                       'original_check_in_at', wos_utc_text(c.original_check_in_at),
                       'original_check_out_at', wos_utc_text(c.original_check_out_at),
                       'requested_check_in_at', wos_utc_text(c.requested_check_in_at),
                       'requested_check_out_at', wos_utc_text(c.requested_check_out_at)))
                   AS item
          FROM attendance_corrections c
          JOIN attendance_sessions s ON s.workspace_id = c.workspace_id AND s.id = c.session_id
          JOIN wos_att_scope(p_ws, p_actor) v ON v.user_id = c.user_id
          JOIN users u ON u.id = c.user_id
          JOIN memberships m ON m.workspace_id = c.workspace_id AND m.user_id = c.user_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE v_corr AND c.workspace_id = p_ws AND c.status = ANY (v_corr_st)
           AND c.user_id <> p_actor AND p_type IN ('all', 'attendance_correction')
           AND (p_from IS NULL OR (c.created_at AT TIME ZONE v_tz)::date >= p_from)
           AND (p_to IS NULL OR (c.created_at AT TIME ZONE v_tz)::date <= p_to)
           AND (p_search IS NULL OR u.full_name ILIKE v_like OR u.email ILIKE v_like
                OR 'Attendance Correction' ILIKE v_like)
    ), everything AS (
        SELECT * FROM leave_items UNION ALL SELECT * FROM corr_items
    )
    SELECT jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(x.item ORDER BY x.at DESC, x.item ->> 'id')
                                    FROM (SELECT * FROM everything e
                                           ORDER BY e.at DESC, e.item ->> 'id'
                                           LIMIT p_limit) x), '[]'::jsonb),
               'summary', jsonb_build_object(
                   'total', (SELECT count(*) FROM everything),
                   'pending', (SELECT count(*) FROM everything WHERE st = 'pending'),
                   'escalated', (SELECT count(*) FROM everything WHERE st = 'escalated'),
                   'needs_revision', (SELECT count(*) FROM everything
                                       WHERE st = 'needs_revision')),
               'counts', jsonb_build_object(
                   'leave', (SELECT count(*) FROM everything WHERE kind = 'leave'),
                   'wfh', (SELECT count(*) FROM everything WHERE kind = 'wfh'),
                   'attendance_correction', (SELECT count(*) FROM everything
                                              WHERE kind = 'attendance_correction')))::text
      INTO body;
    status := 200;
END
$$;

-- GET /approvals/history: the decisions p_actor took (from the audit trail, so an automatic
-- escalation, whose actor is the system, is not theirs): leave approvals, rejections,
-- clarification requests and escalations, attendance-correction decisions. Newest first,
-- paged; names and titles beside the decided object's id.
CREATE FUNCTION wos_approvals_history(p_ws uuid, p_actor uuid, p_type text, p_limit integer,
    p_offset integer, OUT status integer, OUT body text)
LANGUAGE sql STABLE AS $$
    WITH decisions AS (
        SELECT a.created_at AS at, a.id AS audit_id,
               jsonb_build_object(
                   'id', l.id,
                   'type', CASE WHEN l.leave_type = 'wfh' THEN 'wfh' ELSE 'leave' END,
                   'title', CASE WHEN l.leave_type = 'wfh' THEN 'WFH Request'
                                 ELSE 'Leave Request' END,
                   'decision', CASE a.action_type WHEN 'leave.approved' THEN 'approved'
                                                  WHEN 'leave.rejected' THEN 'rejected'
                                                  WHEN 'leave.escalated' THEN 'escalated'
                                                  ELSE 'needs_revision' END,
                   'comment', a.metadata ->> 'comment',
                   'decided_at', wos_utc_text(a.created_at),
                   'user_name', u.full_name, 'user_email', u.email,
                   'department', coalesce(d.name, m.department),
                   'business_date', l.start_date, 'description', l.reason,
                   'current_status', CASE l.status WHEN 'needs_clarification'
                                                   THEN 'needs_revision' ELSE l.status END,
                   'details', jsonb_build_object('leave_type', l.leave_type,
                       'start_date', l.start_date, 'end_date', l.end_date,
                       'is_half_day', l.is_half_day, 'half_day_period', l.half_day_period))
                   AS item
          FROM audit_logs a
          JOIN leave_requests l ON l.workspace_id = a.workspace_id AND l.id = a.entity_id
          JOIN users u ON u.id = l.user_id
          JOIN memberships m ON m.workspace_id = l.workspace_id AND m.user_id = l.user_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE a.workspace_id = p_ws AND a.actor_user_id = p_actor
           AND a.entity_type = 'leave_request'
           AND a.action_type IN ('leave.approved', 'leave.rejected',
                                 'leave.clarification_requested', 'leave.escalated')
           AND ((p_type IN ('all', 'leave') AND l.leave_type <> 'wfh')
                OR (p_type IN ('all', 'wfh') AND l.leave_type = 'wfh'))
        UNION ALL
        SELECT a.created_at, a.id,
               jsonb_build_object(
                   'id', coalesce((a.metadata ->> 'correction_id')::uuid, s.id),
                   'type', 'attendance_correction', 'title', 'Attendance Correction',
                   'decision', CASE a.action_type
                                   WHEN 'attendance.correction_approved' THEN 'approved'
                                   WHEN 'attendance.correction_rejected' THEN 'rejected'
                                   ELSE 'needs_revision' END,
                   'comment', a.metadata ->> 'manager_comment',
                   'decided_at', wos_utc_text(a.created_at),
                   'user_name', u.full_name, 'user_email', u.email,
                   'department', coalesce(d.name, m.department),
                   'business_date', s.business_date,
                   'description', coalesce(nullif(btrim(c.reason), ''),
                                           'Attendance correction requested'),
                   'current_status', CASE c.status WHEN 'needs_clarification'
                                                   THEN 'needs_revision' ELSE c.status END,
                   'details', jsonb_build_object('session_id', s.id))
          FROM audit_logs a
          JOIN attendance_sessions s ON s.workspace_id = a.workspace_id AND s.id = a.entity_id
          LEFT JOIN attendance_corrections c
                 ON c.workspace_id = a.workspace_id
                AND c.id = (a.metadata ->> 'correction_id')::uuid
          JOIN users u ON u.id = s.user_id
          JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE a.workspace_id = p_ws AND a.actor_user_id = p_actor
           AND a.entity_type = 'attendance_session'
           AND a.action_type IN ('attendance.correction_approved',
                                 'attendance.correction_rejected',
                                 'attendance.correction_clarification_requested')
           AND p_type IN ('all', 'attendance_correction')
    )
    SELECT 200, jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(x.item ORDER BY x.at DESC, x.audit_id)
                                    FROM (SELECT * FROM decisions e
                                           ORDER BY e.at DESC, e.audit_id
                                           LIMIT p_limit OFFSET p_offset) x), '[]'::jsonb),
               'total', (SELECT count(*) FROM decisions),
               'limit', p_limit, 'offset', p_offset)::text
$$;
