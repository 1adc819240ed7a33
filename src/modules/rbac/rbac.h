/*
 * rbac.h: roles and permissions of a workspace (spec 03 §2): the catalogue
 * with every role's bundle, bundle edits, custom roles, and per-member
 * overrides. Every route needs permissions.manage (route table); the SQL
 * functions add the escalation rules: nobody hands out a key they do not
 * hold, a non-admin touches only roles and members ranked below them, and
 * the admin bundle stays complete.
 */
#ifndef WOS_MODULES_RBAC_RBAC_H
#define WOS_MODULES_RBAC_RBAC_H

#include "http/request.h"

int wos_rbac_catalogue(struct wos_req *req);
int wos_rbac_role_keys(struct wos_req *req);
int wos_rbac_role_bundle(struct wos_req *req);
int wos_rbac_role_create(struct wos_req *req);
int wos_rbac_role_update(struct wos_req *req);
int wos_rbac_role_delete(struct wos_req *req);
int wos_rbac_override(struct wos_req *req);
int wos_rbac_user_keys(struct wos_req *req);
int wos_rbac_member_get(struct wos_req *req);
int wos_rbac_member_set(struct wos_req *req);

#endif
