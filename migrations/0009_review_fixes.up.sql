-- message: review fixes: lifting a permission denial needs the permission
--
-- Fixes found in the review of the request functions, each a CREATE OR REPLACE of a function of
-- an earlier migration (whose files stay untouched: their checksums are recorded).
--
-- wos_member_permissions_set (0005, PATCH /users/{id}/permissions): replacing a member's
-- overrides checked only the keys newly granted, so removing a key from extra_denies lifted the
-- denial unchecked. A non-admin holding permissions.manage could lift a denial an admin had put
-- on them (their own overrides are editable), or restore to a member below them a key the
-- caller does not hold. Lifting a denial is now held to the rule of a grant.

CREATE OR REPLACE FUNCTION wos_member_permissions_set(p_ws uuid, p_actor uuid, p_user uuid,
    p_grants jsonb, p_denies jsonb, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_grants text[] := wos_text_set(p_grants);
    v_denies text[] := wos_text_set(p_denies);
    v_old jsonb;
    v_new jsonb;
    v_bad text;
    v_refusal json := wos_override_target_problem(p_ws, p_actor, p_user);
BEGIN
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    v_bad := wos_unknown_permission(v_grants || v_denies);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'Unknown permission key: ' || v_bad);
    END IF;
    v_bad := (SELECT k FROM unnest(v_grants) AS k WHERE k = ANY (v_denies) ORDER BY k LIMIT 1);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'A permission cannot be both granted and denied: ' || v_bad);
    END IF;
    v_bad := wos_ungrantable_permission(p_ws, p_actor,
                 ARRAY(SELECT unnest(v_grants) EXCEPT
                       SELECT unnest(wos_member_overrides(p_ws, p_user, true))));
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(403, 'You cannot grant a permission you do not hold: ' || v_bad);
    END IF;
    -- Lifting a denial gives the key back (from the role bundle): the same rule as a grant, so
    -- nobody lifts a denial placed on themself or restores a key they do not hold.
    v_bad := wos_ungrantable_permission(p_ws, p_actor,
                 ARRAY(SELECT unnest(wos_member_overrides(p_ws, p_user, false)) EXCEPT
                       SELECT unnest(v_denies)));
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(403, 'You cannot lift the denial of a permission you do not hold: '
                                || v_bad);
    END IF;
    v_old := jsonb_build_object('grants', to_jsonb(wos_member_overrides(p_ws, p_user, true)),
                                'denies', to_jsonb(wos_member_overrides(p_ws, p_user, false)));
    v_new := jsonb_build_object('grants', to_jsonb(v_grants), 'denies', to_jsonb(v_denies));
    IF v_old <> v_new THEN
        DELETE FROM user_permission_overrides o
         WHERE o.workspace_id = p_ws AND o.user_id = p_user;
        INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id, granted)
        SELECT p_ws, p_user, p.id, p.code = ANY (v_grants)
          FROM permissions p WHERE p.code = ANY (v_grants || v_denies);
        PERFORM wos_audit_append(p_ws, p_actor, 'user.permissions_updated', 'user', p_user,
            (SELECT u.full_name FROM users u WHERE u.id = p_user), v_old, v_new, NULL, p_ip,
            p_request_id);
    END IF;
    RETURN wos_ok(wos_member_permissions_read(p_ws, p_user));
END
$$;

