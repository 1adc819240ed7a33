-- message: database half of access-token verification
--
-- wos_auth_principal() is pipelined in front of each authenticated request's
-- first statement (src/db/db.c). It RAISES instead of returning false, so
-- PostgreSQL skips the statements queued behind it when the caller is not
-- confirmed:
--   WOS01  session revoked or expired, account or membership not active
--   WOS02  the token's role is no longer the member's role (client refreshes)
--   42501  the route's permission is not held (role bundle + user overrides)

CREATE FUNCTION wos_has_permission(p_ws uuid, p_user uuid, p_role uuid, p_perm text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT o.granted
           FROM user_permission_overrides o
           JOIN permissions p ON p.id = o.permission_id
          WHERE o.workspace_id = p_ws AND o.user_id = p_user AND p.code = p_perm),
        EXISTS (SELECT 1
                  FROM role_permissions rp
                  JOIN permissions p ON p.id = rp.permission_id
                 WHERE rp.workspace_id = p_ws AND rp.role_id = p_role AND p.code = p_perm))
$$;

CREATE FUNCTION wos_auth_principal(p_sid uuid, p_user uuid, p_ws uuid, p_role text, p_perm text)
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role_id uuid;
    v_role text;
BEGIN
    SELECT r.id, r.name INTO v_role_id, v_role
      FROM auth_sessions s
      JOIN users u ON u.id = s.user_id AND u.status = 'active'
      JOIN memberships m ON m.workspace_id = s.workspace_id AND m.user_id = s.user_id
                        AND m.status = 'active'
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE s.id = p_sid AND s.user_id = p_user AND s.workspace_id = p_ws
       AND s.revoked_at IS NULL AND s.expires_at > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session is not valid' USING ERRCODE = 'WOS01';
    END IF;
    IF v_role <> p_role THEN
        RAISE EXCEPTION 'role changed' USING ERRCODE = 'WOS02';
    END IF;
    IF p_perm IS NOT NULL AND NOT wos_has_permission(p_ws, p_user, v_role_id, p_perm) THEN
        RAISE EXCEPTION 'permission % required', p_perm USING ERRCODE = '42501';
    END IF;
END
$$;
