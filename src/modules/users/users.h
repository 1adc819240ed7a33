/*
 * users.h: members of the caller's workspace (spec 03 §3): the scoped list,
 * the picker directory, one member, edits and the status lifecycle. The
 * caller's own profile and invitations live in modules/auth.
 */
#ifndef WOS_MODULES_USERS_USERS_H
#define WOS_MODULES_USERS_USERS_H

#include "http/request.h"

int wos_users_list(struct wos_req *req);
int wos_users_directory(struct wos_req *req);
int wos_users_get(struct wos_req *req);
int wos_users_update(struct wos_req *req);
int wos_users_deactivate(struct wos_req *req);
int wos_users_suspend(struct wos_req *req);
int wos_users_activate(struct wos_req *req);

#endif
