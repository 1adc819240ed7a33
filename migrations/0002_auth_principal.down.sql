DROP FUNCTION wos_auth_principal(uuid, uuid, uuid, text, text);
DROP FUNCTION wos_has_permission(uuid, uuid, uuid, text);
