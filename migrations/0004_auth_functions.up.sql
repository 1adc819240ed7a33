-- message: auth functions: rate limits, sign-in sessions, password flows, registration, workspaces, invitations
--
-- Each route of src/modules/auth and src/modules/workspaces is one call of one function here (two
-- where C must check or compute a bcrypt hash between a lookup and a write), and the function
-- builds the response JSON. Expected outcomes (wrong password, reused refresh token, rate limit,
-- unknown token) never RAISE: they must COMMIT their side effects (counters, revocations, audit
-- rows), so the functions return an outcome object {"status": <http status>, ...} instead.
-- Tokens reach the database only as SHA-256 hex computed in C, except the raw token inside an
-- e-mail job's link (the worker scrubs it after sending).
--
-- Rate limits (spec 02 §4): one auth_rate_limits row per (scope, sha256("<scope>:<lower(trim(key))>")).
-- A scope is locked once its counter reaches the maximum inside the window; the request that
-- trips the lock is already answered 429.

-- ---------------------------------------------------------------------------------------------
-- Shared helpers
-- ---------------------------------------------------------------------------------------------

-- ISO-8601 UTC text with a Z suffix (00 §4.2), whatever the session time zone; NULL stays NULL.
CREATE FUNCTION wos_utc_text(ts timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION wos_rl_hash(p_scope text, p_key text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(p_scope || ':' || lower(btrim(coalesce(p_key, ''))), 'UTF8')),
                  'hex')
$$;

-- Seconds until the lock of (scope, key) ends (at least 1), or 0 when it is not locked. A lock
-- that has ended resets the row (counter 0, new window).
CREATE FUNCTION wos_rl_retry_after(p_scope text, p_key text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_hash text := wos_rl_hash(p_scope, p_key);
    v_until timestamptz;
BEGIN
    SELECT r.locked_until INTO v_until
      FROM auth_rate_limits r WHERE r.scope = p_scope AND r.key_hash = v_hash;
    IF v_until IS NULL THEN
        RETURN 0;
    END IF;
    IF v_until > clock_timestamp() THEN
        RETURN greatest(1, ceil(extract(epoch FROM v_until - clock_timestamp()))::integer);
    END IF;
    UPDATE auth_rate_limits r
       SET counter = 0, window_start = now(), locked_until = NULL, updated_at = now()
     WHERE r.scope = p_scope AND r.key_hash = v_hash;
    RETURN 0;
END
$$;

-- Records one attempt. Returns the lock's length in seconds when this attempt reached p_max
-- (the caller answers 429), else 0. An elapsed window or an ended lock starts over at 1.
CREATE FUNCTION wos_rl_hit(p_scope text, p_key text, p_max integer, p_window integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_hash text := wos_rl_hash(p_scope, p_key);
    v_counter integer;
BEGIN
    INSERT INTO auth_rate_limits AS r (scope, key_hash, counter, window_start)
    VALUES (p_scope, v_hash, 1, now())
    ON CONFLICT ON CONSTRAINT uq_auth_rate_limits_scope_key_hash DO UPDATE
       SET counter = CASE WHEN r.window_start <= now() - make_interval(secs => p_window)
                               OR r.locked_until <= now() THEN 1 ELSE r.counter + 1 END,
           window_start = CASE WHEN r.window_start <= now() - make_interval(secs => p_window)
                                    OR r.locked_until <= now() THEN now() ELSE r.window_start END,
           locked_until = CASE WHEN r.locked_until <= now() THEN NULL ELSE r.locked_until END,
           updated_at = now()
    RETURNING r.counter INTO v_counter;
    IF v_counter < p_max THEN
        RETURN 0;
    END IF;
    UPDATE auth_rate_limits r SET locked_until = now() + make_interval(secs => p_window)
     WHERE r.scope = p_scope AND r.key_hash = v_hash;
    RETURN greatest(p_window, 1);
END
$$;

CREATE FUNCTION wos_rl_reset(p_scope text, p_key text) RETURNS void
LANGUAGE sql AS $$
    UPDATE auth_rate_limits r
       SET counter = 0, window_start = now(), locked_until = NULL, updated_at = now()
     WHERE r.scope = p_scope AND r.key_hash = wos_rl_hash(p_scope, p_key)
       AND (r.counter <> 0 OR r.locked_until IS NOT NULL)
$$;

-- An e-mail job (docs/jobs.md contract) through the queue's enqueue (migration 0003), committed
-- with the rows that caused it.
CREATE FUNCTION wos_auth_email_enqueue(p_ws uuid, p_payload jsonb) RETURNS uuid
LANGUAGE sql AS $$
    SELECT wos_job_enqueue('email', p_payload, NULL, p_ws)
$$;

-- Sorted permission keys of a member: role bundle, plus granted overrides, minus denied ones.
CREATE FUNCTION wos_permission_keys(p_ws uuid, p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(k.code ORDER BY k.code), '[]'::json)
      FROM (SELECT p.code
              FROM memberships m
              JOIN role_permissions rp ON rp.workspace_id = m.workspace_id
                                      AND rp.role_id = m.role_id
              JOIN permissions p ON p.id = rp.permission_id
             WHERE m.workspace_id = p_ws AND m.user_id = p_user
            UNION
            SELECT p.code
              FROM user_permission_overrides o JOIN permissions p ON p.id = o.permission_id
             WHERE o.workspace_id = p_ws AND o.user_id = p_user AND o.granted
            EXCEPT
            SELECT p.code
              FROM user_permission_overrides o JOIN permissions p ON p.id = o.permission_id
             WHERE o.workspace_id = p_ws AND o.user_id = p_user AND NOT o.granted) k
$$;

-- A short device label from a User-Agent ("Firefox on Linux"); the raw value is returned too.
CREATE FUNCTION wos_auth_device(p_ua text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_ua IS NULL OR btrim(p_ua) = '' THEN 'Unknown device'
           WHEN b.name IS NULL AND o.name IS NULL THEN left(p_ua, 80)
           ELSE coalesce(b.name, 'Browser') || ' on ' || coalesce(o.name, 'unknown system') END
      FROM (SELECT CASE WHEN p_ua ~ 'Edg/' THEN 'Edge' WHEN p_ua ~ 'OPR/' THEN 'Opera'
                        WHEN p_ua ~ 'Firefox/' THEN 'Firefox' WHEN p_ua ~ 'Chrom(e|ium)/' THEN 'Chrome'
                        WHEN p_ua ~ 'Safari/' THEN 'Safari' WHEN p_ua ~* '^curl/' THEN 'curl'
                        WHEN p_ua ~* 'python' THEN 'Python client' END AS name) b,
           (SELECT CASE WHEN p_ua ~ 'Windows' THEN 'Windows' WHEN p_ua ~ 'Android' THEN 'Android'
                        WHEN p_ua ~ '(iPhone|iPad)' THEN 'iOS' WHEN p_ua ~ 'Mac OS X' THEN 'macOS'
                        WHEN p_ua ~ 'Linux' THEN 'Linux' END AS name) o
$$;

-- "UserRead" (spec 03 §3.1) of a member. Online state comes from last_seen_at within
-- p_online_ttl seconds. NULL when the user is not a member of the workspace.
CREATE FUNCTION wos_user_read(p_ws uuid, p_user uuid, p_online_ttl integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', u.id, 'full_name', u.full_name, 'phone', u.phone, 'email', u.email,
        'role', r.name, 'role_label', r.label, 'status', m.status, 'account_status', u.status,
        'department', CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                           THEN NULL ELSE m.department END,
        'department_id', m.department_id,
        'department_name', coalesce(d.name,
            CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                 THEN NULL ELSE m.department END),
        'designation', m.designation, 'manager_id', m.manager_id, 'manager_name', mu.full_name,
        'shift_id', m.shift_id, 'shift_name', s.name,
        'shift_timing', CASE WHEN s.id IS NULL THEN NULL
                             ELSE to_char(s.start_time, 'HH12:MI AM') || ' - '
                                  || to_char(s.end_time, 'HH12:MI AM') END,
        'avatar_url', u.avatar_url, 'avatar_updated_at', wos_utc_text(u.avatar_updated_at),
        'profile_picture_url', u.avatar_url,
        'profile_picture_updated_at', wos_utc_text(u.avatar_updated_at),
        'profile_picture_content_type', u.avatar_content_type,
        'profile_picture_size', u.avatar_size,
        'presence_status', u.presence_status,
        'presence_updated_at', wos_utc_text(u.presence_updated_at),
        'last_seen_at', wos_utc_text(u.last_seen_at),
        'online_state', CASE WHEN online.v THEN 'online' ELSE 'offline' END,
        'is_online', online.v,
        'workspace_id', m.workspace_id, 'joined_at', wos_utc_text(m.joined_at),
        'created_at', wos_utc_text(u.created_at),
        'updated_at', wos_utc_text(greatest(u.updated_at, m.updated_at)))
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
      LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
      LEFT JOIN users mu ON mu.id = m.manager_id
      CROSS JOIN LATERAL (SELECT coalesce(u.last_seen_at > now()
                                          - make_interval(secs => greatest(p_online_ttl, 30)),
                                          false) AS v) online
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

-- The part of a sign-in response that is not a token: profile, workspace and permissions.
CREATE FUNCTION wos_auth_body(p_ws uuid, p_user uuid, p_online_ttl integer) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'user', wos_user_read(p_ws, p_user, p_online_ttl),
        'workspace', json_build_object('id', w.id, 'name', w.name, 'slug', w.slug,
                                       'timezone', w.timezone, 'role', r.name),
        'permissions', wos_permission_keys(p_ws, p_user))
      FROM workspaces w
      JOIN memberships m ON m.workspace_id = w.id AND m.user_id = p_user
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE w.id = p_ws
$$;

-- Where account-level events of a user are audited: the current workspace when the user is a
-- member there, else the oldest membership. NULL when the user belongs to no workspace.
CREATE FUNCTION wos_auth_audit_ws(p_user uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT m.workspace_id
      FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.user_id = p_user
     ORDER BY (m.workspace_id = u.current_workspace_id) DESC NULLS LAST,
              (m.status = 'active') DESC, m.created_at, m.workspace_id
     LIMIT 1
$$;

-- The workspace a sign-in lands in: the current one if the membership there is active, else the
-- oldest active membership. NULL when there is none.
CREATE FUNCTION wos_auth_pick_ws(p_user uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT m.workspace_id
      FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.user_id = p_user AND m.status = 'active'
     ORDER BY (m.workspace_id = u.current_workspace_id) DESC NULLS LAST, m.created_at,
              m.workspace_id
     LIMIT 1
$$;

CREATE FUNCTION wos_auth_member_role(p_ws uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.name
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user AND m.status = 'active'
$$;

-- Opens a sign-in session (the refresh family) with its first refresh token and makes its
-- workspace the user's current one. Returns the session id (the access token's sid).
CREATE FUNCTION wos_auth_session_open(p_user uuid, p_ws uuid, p_ip text, p_ua text,
    p_refresh_hash text, p_days integer)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_sid uuid;
BEGIN
    INSERT INTO auth_sessions (user_id, workspace_id, user_agent, ip_address, expires_at)
    VALUES (p_user, p_ws, left(p_ua, 512), left(p_ip, 64), now() + make_interval(days => p_days))
    RETURNING id INTO v_sid;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
    VALUES (v_sid, p_refresh_hash, now() + make_interval(days => p_days));
    UPDATE users SET current_workspace_id = p_ws
     WHERE id = p_user AND current_workspace_id IS DISTINCT FROM p_ws;
    RETURN v_sid;
END
$$;

-- A sign-in outcome: the principal of the new access token plus the response body.
CREATE FUNCTION wos_auth_signed_in(p_status integer, p_sid uuid, p_ws uuid, p_user uuid,
    p_online_ttl integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('status', p_status, 'sid', p_sid, 'ws', p_ws, 'user_id', p_user,
                             'role', wos_auth_member_role(p_ws, p_user),
                             'body', wos_auth_body(p_ws, p_user, p_online_ttl))
$$;

-- ---------------------------------------------------------------------------------------------
-- Sign-in, refresh, sign-out, sessions
-- ---------------------------------------------------------------------------------------------

-- Login, first half: {"retry_after": n} when the e-mail or the IP is locked; else the account's
-- id and hash ({"user_id": null} for an unknown e-mail) for C to verify.
CREATE FUNCTION wos_auth_login_begin(p_email text, p_ip text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
BEGIN
    v_wait := greatest(wos_rl_retry_after('login:email', p_email),
                       wos_rl_retry_after('login:ip', p_ip));
    IF v_wait > 0 THEN
        RETURN json_build_object('retry_after', v_wait);
    END IF;
    RETURN (SELECT json_build_object('retry_after', 0, 'user_id', u.id,
                                     'password_hash', u.password_hash)
              FROM (SELECT 1) one
              LEFT JOIN users u ON u.email = lower(btrim(p_email)));
END
$$;

-- A failed login counts on the e-mail first; when that trips the lock the IP is not counted.
CREATE FUNCTION wos_auth_login_failure(p_email text, p_ip text, p_max integer, p_window integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
BEGIN
    v_wait := wos_rl_hit('login:email', p_email, p_max, p_window);
    IF v_wait = 0 THEN
        v_wait := wos_rl_hit('login:ip', p_ip, p_max, p_window);
    END IF;
    IF v_wait > 0 THEN
        RETURN json_build_object('status', 429, 'retry_after', v_wait);
    END IF;
    RETURN json_build_object('status', 401);
END
$$;

-- Login, second half, after C verified the password (against a dummy hash when the e-mail is
-- unknown, so both failures take the same time). Outcomes: 200 signed in; 401 / 429 failure
-- (counted); 403 with "reason" (inactive, suspended, invited, no_workspace; not counted).
CREATE FUNCTION wos_auth_login_finish(p_email text, p_user uuid, p_password_ok boolean,
    p_ip text, p_ua text, p_refresh_hash text, p_days integer, p_max integer, p_window integer,
    p_online_ttl integer, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_name text;
    v_ws uuid;
    v_sid uuid;
BEGIN
    SELECT u.status, u.full_name INTO v_status, v_name FROM users u WHERE u.id = p_user;
    IF v_status IS NULL THEN
        RETURN wos_auth_login_failure(p_email, p_ip, p_max, p_window);
    END IF;
    IF v_status <> 'active' THEN
        RETURN json_build_object('status', 403, 'reason', v_status);
    END IF;
    IF NOT p_password_ok THEN
        v_ws := wos_auth_audit_ws(p_user);
        IF v_ws IS NOT NULL THEN
            PERFORM wos_audit_append(v_ws, p_user, 'LOGIN_FAILED', 'auth', p_user, v_name, NULL,
                                     jsonb_build_object('reason', 'bad_password'), NULL, p_ip,
                                     p_request_id);
        END IF;
        RETURN wos_auth_login_failure(p_email, p_ip, p_max, p_window);
    END IF;
    v_ws := wos_auth_pick_ws(p_user);
    IF v_ws IS NULL THEN
        RETURN json_build_object('status', 403, 'reason', 'no_workspace');
    END IF;
    PERFORM wos_rl_reset('login:email', p_email);
    PERFORM wos_rl_reset('login:ip', p_ip);
    v_sid := wos_auth_session_open(p_user, v_ws, p_ip, p_ua, p_refresh_hash, p_days);
    PERFORM wos_audit_append(v_ws, p_user, 'LOGIN', 'auth', p_user, v_name, NULL,
                             jsonb_build_object('role', wos_auth_member_role(v_ws, p_user)),
                             jsonb_build_object('session_id', v_sid), p_ip, p_request_id);
    RETURN wos_auth_signed_in(200, v_sid, v_ws, p_user, p_online_ttl);
END
$$;

-- Rotation (spec 02 §3). 200 with the principal of the new token pair; 401 otherwise. An
-- already-rotated token revokes its whole session (the family) and is audited as
-- auth.refresh_reuse (actor NULL: whoever presented it is unknown).
CREATE FUNCTION wos_auth_refresh(p_hash text, p_new_hash text, p_days integer, p_ip text,
    p_ua text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_tok refresh_tokens%ROWTYPE;
    v_sess auth_sessions%ROWTYPE;
    v_ustatus text;
    v_role text;
    v_new uuid;
BEGIN
    SELECT * INTO v_tok FROM refresh_tokens t WHERE t.token_hash = p_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN json_build_object('status', 401, 'reason', 'unknown');
    END IF;
    SELECT * INTO v_sess FROM auth_sessions s WHERE s.id = v_tok.session_id FOR UPDATE;
    IF v_tok.rotated_at IS NOT NULL THEN
        UPDATE refresh_tokens SET reuse_detected_at = coalesce(reuse_detected_at, now())
         WHERE id = v_tok.id;
        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'reuse'
         WHERE id = v_sess.id AND revoked_at IS NULL;
        IF EXISTS (SELECT 1 FROM memberships m
                    WHERE m.workspace_id = v_sess.workspace_id AND m.user_id = v_sess.user_id) THEN
            PERFORM wos_audit_append(v_sess.workspace_id, NULL, 'auth.refresh_reuse', 'auth',
                v_sess.user_id, NULL, NULL, NULL,
                jsonb_build_object('session_id', v_sess.id,
                                   'session_was_revoked', v_sess.revoked_at IS NOT NULL,
                                   'user_agent', left(p_ua, 512)),
                p_ip, p_request_id);
        END IF;
        RETURN json_build_object('status', 401, 'reason', 'reuse');
    END IF;
    IF v_sess.revoked_at IS NOT NULL THEN
        RETURN json_build_object('status', 401, 'reason', 'revoked');
    END IF;
    IF v_tok.expires_at <= now() OR v_sess.expires_at <= now() THEN
        RETURN json_build_object('status', 401, 'reason', 'expired');
    END IF;
    SELECT u.status INTO v_ustatus FROM users u WHERE u.id = v_sess.user_id;
    IF v_ustatus IS DISTINCT FROM 'active' THEN
        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'suspended'
         WHERE user_id = v_sess.user_id AND revoked_at IS NULL;
        RETURN json_build_object('status', 401, 'reason', 'blocked');
    END IF;
    v_role := wos_auth_member_role(v_sess.workspace_id, v_sess.user_id);
    IF v_role IS NULL THEN
        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'suspended'
         WHERE id = v_sess.id;
        RETURN json_build_object('status', 401, 'reason', 'blocked');
    END IF;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
    VALUES (v_sess.id, p_new_hash, now() + make_interval(days => p_days))
    RETURNING id INTO v_new;
    UPDATE refresh_tokens SET rotated_at = now(), replaced_by = v_new WHERE id = v_tok.id;
    UPDATE auth_sessions
       SET last_used_at = now(), expires_at = now() + make_interval(days => p_days),
           ip_address = left(p_ip, 64), user_agent = coalesce(left(p_ua, 512), user_agent)
     WHERE id = v_sess.id;
    RETURN json_build_object('status', 200, 'sid', v_sess.id, 'ws', v_sess.workspace_id,
                             'user_id', v_sess.user_id, 'role', v_role);
END
$$;

-- Ends the caller's session (and the session of a refresh token of theirs, when given).
CREATE FUNCTION wos_auth_logout(p_user uuid, p_ws uuid, p_sid uuid, p_refresh_hash text,
    p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = 'logout'
     WHERE s.user_id = p_user AND s.revoked_at IS NULL
       AND (s.id = p_sid OR s.id = (SELECT t.session_id FROM refresh_tokens t
                                     WHERE t.token_hash = p_refresh_hash));
    PERFORM wos_audit_append(p_ws, p_user, 'LOGOUT', 'auth', p_user, NULL, NULL, NULL,
                             jsonb_build_object('session_id', p_sid), p_ip, p_request_id);
    RETURN json_build_object('message', 'Logged out successfully');
END
$$;

CREATE FUNCTION wos_auth_logout_all(p_user uuid, p_ws uuid, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = 'logout_all'
     WHERE s.user_id = p_user AND s.revoked_at IS NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    PERFORM wos_audit_append(p_ws, p_user, 'auth.logout_all', 'auth', p_user, NULL, NULL, NULL,
                             jsonb_build_object('sessions_revoked', v_count), p_ip, p_request_id);
    RETURN json_build_object('message', 'Signed out of every session.',
                             'sessions_revoked', v_count);
END
$$;

-- The user's live sessions, newest use first; "current" marks the caller's.
CREATE FUNCTION wos_auth_sessions(p_user uuid, p_sid uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'id', s.id, 'device', wos_auth_device(s.user_agent), 'user_agent', s.user_agent,
               'ip_address', s.ip_address, 'workspace_id', s.workspace_id,
               'workspace_name', w.name, 'created_at', wos_utc_text(s.created_at),
               'last_used_at', wos_utc_text(s.last_used_at),
               'expires_at', wos_utc_text(s.expires_at), 'current', s.id = p_sid)
               ORDER BY s.last_used_at DESC, s.id), '[]'::json)
      FROM auth_sessions s JOIN workspaces w ON w.id = s.workspace_id
     WHERE s.user_id = p_user AND s.revoked_at IS NULL AND s.expires_at > now()
$$;

-- Revokes one live session of the caller; false when there is none with that id.
CREATE FUNCTION wos_auth_session_revoke(p_user uuid, p_ws uuid, p_target uuid, p_ip text,
    p_request_id text)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = 'revoked'
     WHERE s.id = p_target AND s.user_id = p_user AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM wos_audit_append(p_ws, p_user, 'auth.session_revoked', 'auth', p_user, NULL, NULL,
                             NULL, jsonb_build_object('session_id', p_target), p_ip, p_request_id);
    RETURN true;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Password reset and account activation
-- ---------------------------------------------------------------------------------------------

-- Forgot password: returns the Retry-After seconds (0 = answer 200). Every call counts on both
-- scopes. For a known e-mail the older unused tokens die, a new one (2 h) is stored and the
-- e-mail job is queued in the same transaction. Unknown e-mails change nothing else.
CREATE FUNCTION wos_auth_forgot(p_email text, p_ip text, p_max integer, p_window integer,
    p_token_hash text, p_link text, p_request_id text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
    v_user users%ROWTYPE;
    v_ws uuid;
    v_ws_name text;
BEGIN
    v_wait := greatest(wos_rl_retry_after('forgot:email', p_email),
                       wos_rl_retry_after('forgot:ip', p_ip));
    IF v_wait > 0 THEN
        RETURN v_wait;
    END IF;
    v_wait := greatest(wos_rl_hit('forgot:email', p_email, p_max, p_window),
                       wos_rl_hit('forgot:ip', p_ip, p_max, p_window));
    IF v_wait > 0 THEN
        RETURN v_wait;
    END IF;
    SELECT * INTO v_user FROM users u WHERE u.email = lower(btrim(p_email)) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    UPDATE password_reset_tokens SET is_used = true WHERE user_id = v_user.id AND NOT is_used;
    INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)
    VALUES (v_user.id, p_token_hash, now() + interval '2 hours');
    v_ws := wos_auth_audit_ws(v_user.id);
    SELECT w.name INTO v_ws_name FROM workspaces w WHERE w.id = v_ws;
    IF v_ws IS NOT NULL THEN
        PERFORM wos_audit_append(v_ws, v_user.id, 'PASSWORD_RESET_REQUEST', 'auth', v_user.id,
                                 v_user.full_name, NULL, NULL, NULL, p_ip, p_request_id);
    END IF;
    PERFORM wos_auth_email_enqueue(v_ws, jsonb_build_object(
        'template', 'password_reset', 'to', v_user.email, 'to_name', v_user.full_name,
        'workspace_name', v_ws_name,
        'vars', jsonb_build_object('name', v_user.full_name, 'link', p_link,
                                   'expires_in_hours', 2)));
    RETURN 0;
END
$$;

-- A failed reset attempt counts on both scopes: 400 or, when that trips a lock, 429.
CREATE FUNCTION wos_auth_reset_failure(p_ip text, p_token_key text, p_max integer,
    p_window integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
BEGIN
    v_wait := greatest(wos_rl_hit('reset:ip', p_ip, p_max, p_window),
                       wos_rl_hit('reset:token', p_token_key, p_max, p_window));
    IF v_wait > 0 THEN
        RETURN json_build_object('status', 429, 'retry_after', v_wait);
    END IF;
    RETURN json_build_object('status', 400);
END
$$;

-- Reset, first half: limits, then the token's account (e-mail and name for the password policy).
CREATE FUNCTION wos_auth_reset_begin(p_token_hash text, p_ip text, p_max integer,
    p_window integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_key text := left(p_token_hash, 32);
    v_wait integer;
    v_out json;
BEGIN
    v_wait := greatest(wos_rl_retry_after('reset:ip', p_ip),
                       wos_rl_retry_after('reset:token', v_key));
    IF v_wait > 0 THEN
        RETURN json_build_object('status', 429, 'retry_after', v_wait);
    END IF;
    SELECT json_build_object('status', 200, 'email', u.email, 'full_name', u.full_name)
      INTO v_out
      FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = p_token_hash AND NOT t.is_used AND t.expires_at > now();
    IF v_out IS NULL THEN
        RETURN wos_auth_reset_failure(p_ip, v_key, p_max, p_window);
    END IF;
    RETURN v_out;
END
$$;

-- Reset, second half: the new hash replaces the password, the token (and any other unused one)
-- is spent and every session of the account is revoked.
CREATE FUNCTION wos_auth_reset_finish(p_token_hash text, p_new_hash text, p_ip text,
    p_max integer, p_window integer, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_uid uuid;
    v_name text;
    v_ws uuid;
    v_count integer;
BEGIN
    SELECT u.id, u.full_name INTO v_uid, v_name
      FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = p_token_hash AND NOT t.is_used AND t.expires_at > now()
       FOR UPDATE OF t, u;
    IF v_uid IS NULL THEN
        RETURN wos_auth_reset_failure(p_ip, left(p_token_hash, 32), p_max, p_window);
    END IF;
    UPDATE password_reset_tokens SET is_used = true WHERE user_id = v_uid AND NOT is_used;
    UPDATE users SET password_hash = p_new_hash WHERE id = v_uid;
    UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_reset'
     WHERE user_id = v_uid AND revoked_at IS NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_ws := wos_auth_audit_ws(v_uid);
    IF v_ws IS NOT NULL THEN
        PERFORM wos_audit_append(v_ws, v_uid, 'PASSWORD_RESET_COMPLETE', 'auth', v_uid, v_name,
                                 NULL, NULL, jsonb_build_object('sessions_revoked', v_count),
                                 p_ip, p_request_id);
    END IF;
    RETURN json_build_object('status', 200);
END
$$;

-- Activation, first half (and the invitation preview): every call counts on (p_scope, IP),
-- p_max requests per window pass; then the invitation's account, which must be invited or active
-- (a deactivated or suspended account is not reopened by an invitation).
CREATE FUNCTION wos_auth_activate_begin(p_token_hash text, p_ip text, p_scope text,
    p_max integer, p_window integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
    v_out json;
BEGIN
    v_wait := wos_rl_retry_after(p_scope, p_ip);
    IF v_wait = 0 THEN
        v_wait := wos_rl_hit(p_scope, p_ip, p_max + 1, p_window);
    END IF;
    IF v_wait > 0 THEN
        RETURN json_build_object('status', 429, 'retry_after', v_wait);
    END IF;
    SELECT json_build_object('status', 200, 'email', u.email, 'full_name', u.full_name,
                             'workspace_name', w.name, 'expires_at', wos_utc_text(i.expires_at))
      INTO v_out
      FROM account_invitations i
      JOIN users u ON u.id = i.user_id
      JOIN workspaces w ON w.id = i.workspace_id
     WHERE i.token_hash = p_token_hash AND NOT i.is_used AND i.expires_at > now()
       AND u.status IN ('invited', 'active');
    RETURN coalesce(v_out, json_build_object('status', 400));
END
$$;

-- Activation, second half: sets the password, makes the account and the invited membership
-- active, spends the invitation. An account that already had a password is treated like a
-- password reset: its sessions are revoked.
CREATE FUNCTION wos_auth_activate_finish(p_token_hash text, p_new_hash text, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_ws uuid;
    v_uid uuid;
    v_ustatus text;
    v_name text;
BEGIN
    SELECT i.workspace_id, u.id, u.status, u.full_name INTO v_ws, v_uid, v_ustatus, v_name
      FROM account_invitations i JOIN users u ON u.id = i.user_id
     WHERE i.token_hash = p_token_hash AND NOT i.is_used AND i.expires_at > now()
       AND u.status IN ('invited', 'active')
       FOR UPDATE OF i, u;
    IF v_uid IS NULL THEN
        RETURN json_build_object('status', 400);
    END IF;
    UPDATE account_invitations SET is_used = true
     WHERE workspace_id = v_ws AND user_id = v_uid AND NOT is_used;
    UPDATE users SET password_hash = p_new_hash, status = 'active',
                     current_workspace_id = CASE WHEN v_ustatus = 'invited'
                                                      OR current_workspace_id IS NULL
                                                 THEN v_ws ELSE current_workspace_id END
     WHERE id = v_uid;
    IF v_ustatus = 'active' THEN
        UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_reset'
         WHERE user_id = v_uid AND revoked_at IS NULL;
    END IF;
    UPDATE memberships SET status = 'active', joined_at = coalesce(joined_at, now())
     WHERE workspace_id = v_ws AND user_id = v_uid AND status = 'invited';
    PERFORM wos_audit_append(v_ws, v_uid, 'ACCOUNT_ACTIVATED', 'auth', v_uid, v_name, NULL,
                             jsonb_build_object('status', 'active'),
                             jsonb_build_object('account_was', v_ustatus), p_ip, p_request_id);
    RETURN json_build_object('status', 200);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Workspaces and registration
-- ---------------------------------------------------------------------------------------------

-- Slug stem of a workspace name: lower-case ASCII letters and digits joined by '-', at most 50
-- characters, "workspace" when nothing is left.
CREATE FUNCTION wos_workspace_slug_base(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(nullif(btrim(left(btrim(regexp_replace(lower(p_name), '[^a-z0-9]+', '-', 'g'),
                                            '-'), 50), '-'), ''), 'workspace')
$$;

-- Creates a workspace with a unique slug, seeds its roles and settings, makes p_user its active
-- admin and audits workspace.created. The slug "default" stays the bootstrapper's.
CREATE FUNCTION wos_workspace_create(p_name text, p_tz text, p_user uuid, p_hours integer,
    p_grace integer, p_ip text, p_request_id text)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_name text := left(btrim(p_name), 255);
    v_base text := wos_workspace_slug_base(p_name);
    v_slug text := wos_workspace_slug_base(p_name);
    v_ws uuid;
BEGIN
    LOOP
        IF v_slug <> 'default' THEN
            INSERT INTO workspaces (name, slug, timezone, created_by)
            VALUES (v_name, v_slug, p_tz, p_user)
            ON CONFLICT ON CONSTRAINT uq_workspaces_slug DO NOTHING
            RETURNING id INTO v_ws;
            EXIT WHEN v_ws IS NOT NULL;
        END IF;
        v_slug := v_base || '-' || substr(md5(random()::text || clock_timestamp()::text), 1, 6);
    END LOOP;
    PERFORM wos_seed_workspace(v_ws, p_hours, p_grace);
    INSERT INTO memberships (workspace_id, user_id, role_id, status, joined_at)
    SELECT v_ws, p_user, r.id, 'active', now()
      FROM roles r WHERE r.workspace_id = v_ws AND r.name = 'admin';
    PERFORM wos_audit_append(v_ws, p_user, 'workspace.created', 'workspace', v_ws, v_name, NULL,
                             jsonb_build_object('name', v_name, 'slug', v_slug, 'timezone', p_tz),
                             NULL, p_ip, p_request_id);
    RETURN v_ws;
END
$$;

-- One workspace as the caller sees it.
CREATE FUNCTION wos_workspace_read(p_ws uuid, p_user uuid, p_current uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', w.id, 'name', w.name, 'slug', w.slug, 'timezone', w.timezone,
                             'role', r.name, 'role_label', r.label, 'status', m.status,
                             'is_current', w.id = p_current,
                             'joined_at', wos_utc_text(m.joined_at),
                             'created_at', wos_utc_text(w.created_at))
      FROM memberships m
      JOIN workspaces w ON w.id = m.workspace_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE FUNCTION wos_workspaces_of(p_user uuid, p_current uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(wos_workspace_read(m.workspace_id, p_user, p_current)
                             ORDER BY w.name, w.id), '[]'::json)
      FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
     WHERE m.user_id = p_user
$$;

CREATE FUNCTION wos_workspace_new(p_user uuid, p_current uuid, p_name text, p_tz text,
    p_hours integer, p_grace integer, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_ws uuid;
BEGIN
    v_ws := wos_workspace_create(p_name, p_tz, p_user, p_hours, p_grace, p_ip, p_request_id);
    RETURN wos_workspace_read(v_ws, p_user, p_current);
END
$$;

-- Registration (spec 02 §13): account, personal workspace, admin membership, first session.
-- 409 when the e-mail is taken.
CREATE FUNCTION wos_auth_register(p_email text, p_name text, p_hash text, p_tz text,
    p_hours integer, p_grace integer, p_ip text, p_ua text, p_refresh_hash text,
    p_days integer, p_online_ttl integer, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_name text := btrim(p_name);
    v_uid uuid;
    v_ws uuid;
    v_sid uuid;
BEGIN
    INSERT INTO users (email, full_name, password_hash, status)
    VALUES (lower(btrim(p_email)), v_name, p_hash, 'active')
    ON CONFLICT ON CONSTRAINT uq_users_email DO NOTHING
    RETURNING id INTO v_uid;
    IF v_uid IS NULL THEN
        RETURN json_build_object('status', 409);
    END IF;
    v_ws := wos_workspace_create(v_name || '''s Workspace', p_tz, v_uid, p_hours, p_grace, p_ip,
                                 p_request_id);
    PERFORM wos_audit_append(v_ws, v_uid, 'auth.registered', 'user', v_uid, v_name, NULL,
                             jsonb_build_object('email', lower(btrim(p_email)),
                                                'full_name', v_name),
                             NULL, p_ip, p_request_id);
    v_sid := wos_auth_session_open(v_uid, v_ws, p_ip, p_ua, p_refresh_hash, p_days);
    RETURN wos_auth_signed_in(201, v_sid, v_ws, v_uid, p_online_ttl);
END
$$;

-- Moves the caller's session into another workspace of theirs: the old access token stops
-- working (its ws no longer matches the session), every refresh token of the session is rotated
-- into a new one, and the workspace becomes current. 404 when not an active member there.
CREATE FUNCTION wos_workspace_switch(p_sid uuid, p_user uuid, p_target uuid,
    p_refresh_hash text, p_days integer, p_ip text, p_ua text, p_online_ttl integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_new uuid;
BEGIN
    IF wos_auth_member_role(p_target, p_user) IS NULL THEN
        RETURN json_build_object('status', 404);
    END IF;
    UPDATE auth_sessions
       SET workspace_id = p_target, last_used_at = now(),
           expires_at = now() + make_interval(days => p_days),
           ip_address = left(p_ip, 64), user_agent = coalesce(left(p_ua, 512), user_agent)
     WHERE id = p_sid AND user_id = p_user AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN json_build_object('status', 401);
    END IF;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
    VALUES (p_sid, p_refresh_hash, now() + make_interval(days => p_days))
    RETURNING id INTO v_new;
    UPDATE refresh_tokens SET rotated_at = now(), replaced_by = v_new
     WHERE session_id = p_sid AND rotated_at IS NULL AND id <> v_new;
    UPDATE users SET current_workspace_id = p_target WHERE id = p_user;
    RETURN wos_auth_signed_in(200, p_sid, p_target, p_user, p_online_ttl);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Self-service account and invitations
-- ---------------------------------------------------------------------------------------------

-- PATCH /users/me: name and phone (audited user.profile_updated with what changed) and, when
-- p_new_hash is given (C verified the current password), the password (user.password_changed).
-- With p_keep_refresh_hash every other session is revoked, except the caller's and the one
-- holding that token. Returns the caller's UserRead.
CREATE FUNCTION wos_user_me_update(p_ws uuid, p_user uuid, p_sid uuid, p_name text,
    p_set_phone boolean, p_phone text, p_new_hash text, p_keep_refresh_hash text,
    p_online_ttl integer, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_old users%ROWTYPE;
    v_name text;
    v_phone text;
    v_old_vals jsonb := '{}'::jsonb;
    v_new_vals jsonb := '{}'::jsonb;
    v_keep uuid;
    v_count integer := 0;
BEGIN
    SELECT * INTO v_old FROM users u WHERE u.id = p_user FOR UPDATE;
    v_name := coalesce(btrim(p_name), v_old.full_name);
    v_phone := CASE WHEN p_set_phone THEN nullif(btrim(p_phone), '') ELSE v_old.phone END;
    IF v_name IS DISTINCT FROM v_old.full_name THEN
        v_old_vals := v_old_vals || jsonb_build_object('full_name', v_old.full_name);
        v_new_vals := v_new_vals || jsonb_build_object('full_name', v_name);
    END IF;
    IF v_phone IS DISTINCT FROM v_old.phone THEN
        v_old_vals := v_old_vals || jsonb_build_object('phone', v_old.phone);
        v_new_vals := v_new_vals || jsonb_build_object('phone', v_phone);
    END IF;
    UPDATE users SET full_name = v_name, phone = v_phone,
                     password_hash = coalesce(p_new_hash, password_hash)
     WHERE id = p_user
       AND (v_new_vals <> '{}'::jsonb OR p_new_hash IS NOT NULL);
    IF v_new_vals <> '{}'::jsonb THEN
        PERFORM wos_audit_append(p_ws, p_user, 'user.profile_updated', 'user', p_user, v_name,
                                 v_old_vals, v_new_vals, NULL, p_ip, p_request_id);
    END IF;
    IF p_new_hash IS NOT NULL THEN
        IF p_keep_refresh_hash IS NOT NULL THEN
            SELECT t.session_id INTO v_keep
              FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
             WHERE t.token_hash = p_keep_refresh_hash AND s.user_id = p_user;
            UPDATE auth_sessions s SET revoked_at = now(), revoked_reason = 'password_reset'
             WHERE s.user_id = p_user AND s.revoked_at IS NULL AND s.id <> p_sid
               AND s.id IS DISTINCT FROM v_keep;
            GET DIAGNOSTICS v_count = ROW_COUNT;
        END IF;
        PERFORM wos_audit_append(p_ws, p_user, 'user.password_changed', 'user', p_user, v_name,
                                 NULL, NULL, jsonb_build_object('other_sessions_revoked', v_count),
                                 p_ip, p_request_id);
    END IF;
    RETURN wos_user_read(p_ws, p_user, p_online_ttl);
END
$$;

-- POST /users (spec 03 §3.4, 02 §8): invites an e-mail into p_ws, or creates an active member
-- when p_password_hash is given. Rank rule: admin any role; HR up to team_lead's rank, never
-- admin, HR or manager; anyone else (a manager) only roles ranked below their own and below
-- manager, for members who report to them. An existing account gets an invited membership (no
-- password may be given for it); a new address an invited account with the unusable hash '!'.
-- The invitation (24 h) and its e-mail job commit with the rows. Outcome {"status", "message",
-- "field", "body"}.
CREATE FUNCTION wos_user_invite(p_ws uuid, p_actor uuid, p_email text, p_name text,
    p_role text, p_phone text, p_department text, p_department_id uuid, p_shift_id uuid,
    p_designation text, p_manager_id uuid, p_password_hash text, p_token_hash text,
    p_link text, p_online_ttl integer, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_email text := lower(btrim(p_email));
    v_actor_role text;
    v_actor_rank integer;
    v_actor_name text;
    v_role_id uuid;
    v_role_rank integer;
    v_role_label text;
    v_limit integer;
    v_manager uuid := p_manager_id;
    v_department text := nullif(btrim(p_department), '');
    v_uid uuid;
    v_uname text;
    v_existing boolean := false;
    v_status text := CASE WHEN p_password_hash IS NULL THEN 'invited' ELSE 'active' END;
    v_ws_name text;
BEGIN
    SELECT r.name, r.rank, u.full_name INTO v_actor_role, v_actor_rank, v_actor_name
      FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor AND m.status = 'active';
    IF v_actor_role IS NULL THEN
        RETURN json_build_object('status', 403, 'message', 'You are not an active member.');
    END IF;
    SELECT r.id, r.rank, r.label INTO v_role_id, v_role_rank, v_role_label
      FROM roles r WHERE r.workspace_id = p_ws AND r.name = p_role;
    IF v_role_id IS NULL THEN
        RETURN json_build_object('status', 422, 'field', 'role', 'message', 'Unknown role.');
    END IF;
    IF v_actor_role = 'hr_operations' THEN
        SELECT r.rank INTO v_limit FROM roles r
         WHERE r.workspace_id = p_ws AND r.name = 'team_lead';
        IF p_role IN ('admin', 'hr_operations', 'manager') OR v_role_rank > v_limit THEN
            v_role_id := NULL;
        END IF;
    ELSIF v_actor_role <> 'admin' THEN
        SELECT r.rank INTO v_limit FROM roles r
         WHERE r.workspace_id = p_ws AND r.name = 'manager';
        IF p_role IN ('admin', 'hr_operations') OR v_role_rank >= v_actor_rank
           OR v_role_rank >= v_limit THEN
            v_role_id := NULL;
        END IF;
        IF v_manager IS NULL THEN
            v_manager := p_actor;
        ELSIF v_manager <> p_actor THEN
            RETURN json_build_object('status', 403, 'message',
                'You may only invite members who will report to you.');
        END IF;
    END IF;
    IF v_role_id IS NULL THEN
        RETURN json_build_object('status', 403, 'message',
            format('Your role (%s) cannot create users with role ''%s''', v_actor_role, p_role));
    END IF;
    IF v_manager IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM memberships m
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
         WHERE m.workspace_id = p_ws AND m.user_id = v_manager
           AND m.status IN ('active', 'invited')
           AND r.name IN ('manager', 'admin', 'team_lead', 'hr_operations')) THEN
        RETURN json_build_object('status', 400, 'message',
            'Invalid manager_id — user does not exist or lacks a management role');
    END IF;
    IF p_department_id IS NOT NULL THEN
        SELECT d.name INTO v_department FROM departments d
         WHERE d.workspace_id = p_ws AND d.id = p_department_id;
        IF NOT FOUND THEN
            RETURN json_build_object('status', 400, 'message', 'Department not found');
        END IF;
    END IF;
    IF p_shift_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_shift_id) THEN
        RETURN json_build_object('status', 400, 'message', 'Shift not found');
    END IF;

    SELECT u.id, u.full_name INTO v_uid, v_uname FROM users u WHERE u.email = v_email FOR UPDATE;
    IF v_uid IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM memberships m
                    WHERE m.workspace_id = p_ws AND m.user_id = v_uid) THEN
            RETURN json_build_object('status', 409, 'message',
                'A user with this email already exists');
        END IF;
        IF p_password_hash IS NOT NULL THEN
            RETURN json_build_object('status', 409, 'message',
                'An account with this email already exists: invite it without a password.');
        END IF;
        v_existing := true;
    ELSE
        v_uname := btrim(p_name);
        INSERT INTO users (email, full_name, phone, password_hash, status, current_workspace_id)
        VALUES (v_email, v_uname, nullif(btrim(p_phone), ''), coalesce(p_password_hash, '!'),
                v_status, p_ws)
        RETURNING id INTO v_uid;
    END IF;
    INSERT INTO memberships (workspace_id, user_id, role_id, status, manager_id, department,
                             department_id, shift_id, designation, created_by, joined_at)
    VALUES (p_ws, v_uid, v_role_id, v_status, v_manager, v_department, p_department_id,
            p_shift_id, nullif(btrim(p_designation), ''), p_actor,
            CASE WHEN v_status = 'active' THEN now() END);

    IF v_status = 'invited' THEN
        UPDATE account_invitations SET is_used = true
         WHERE workspace_id = p_ws AND user_id = v_uid AND NOT is_used;
        INSERT INTO account_invitations (workspace_id, user_id, token_hash, expires_at)
        VALUES (p_ws, v_uid, p_token_hash, now() + interval '24 hours');
        SELECT w.name INTO v_ws_name FROM workspaces w WHERE w.id = p_ws;
        PERFORM wos_auth_email_enqueue(p_ws, jsonb_build_object(
            'template', 'invitation', 'to', v_email, 'to_name', v_uname,
            'workspace_name', v_ws_name,
            'vars', jsonb_build_object('name', v_uname, 'link', p_link,
                                       'inviter_name', v_actor_name, 'role', v_role_label,
                                       'workspace_name', v_ws_name, 'expires_in_hours', 24)));
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor,
        CASE WHEN v_status = 'invited' THEN 'USER_INVITED' ELSE 'USER_CREATED' END,
        'user', v_uid, v_uname, NULL,
        jsonb_build_object('email', v_email, 'role', p_role, 'status', v_status,
                           'manager_id', v_manager, 'department_id', p_department_id,
                           'shift_id', p_shift_id, 'existing_account', v_existing),
        NULL, p_ip, p_request_id);
    RETURN json_build_object('status', 201, 'body', json_build_object(
        'user', wos_user_read(p_ws, v_uid, p_online_ttl),
        'invitation_email_sent', true,
        'invitation_email_queued', v_status = 'invited',
        'email_error', NULL));
END
$$;
