/*
 * auth_module.h: the routes of sign-in and accounts (spec 02, 03 §3.4,
 * §3.11): login, refresh, logout, sessions, password reset, activation,
 * registration, the caller's own account and invitations (POST /users).
 */
#ifndef WOS_MODULES_AUTH_H
#define WOS_MODULES_AUTH_H

#include "http/request.h"

/* sessions.c */
int wos_auth_login(struct wos_req *req);
int wos_auth_refresh(struct wos_req *req);
int wos_auth_logout(struct wos_req *req);
int wos_auth_logout_all(struct wos_req *req);
int wos_auth_sessions_list(struct wos_req *req);
int wos_auth_session_delete(struct wos_req *req);
int wos_auth_my_permissions(struct wos_req *req);

/* recovery.c */
int wos_auth_forgot_password(struct wos_req *req);
int wos_auth_reset_password(struct wos_req *req);
int wos_auth_activate_account(struct wos_req *req);
int wos_auth_invitation(struct wos_req *req);

/* account.c */
int wos_auth_register(struct wos_req *req);
int wos_auth_me(struct wos_req *req);
int wos_auth_me_update(struct wos_req *req);

/* invite.c */
int wos_auth_invite(struct wos_req *req);

#endif
