/*
 * auth.h: who is calling. Access tokens are HS256 JWTs (libjwt) carrying
 * sub (user), ws (workspace), sid (sign-in session), role, iat, exp, jti
 * and typ=access. Verifying one is two halves: the signature and claims in
 * C (no I/O), then the database half (session not revoked, account and
 * membership active, role unchanged, permission held), which db/db.c
 * pipelines in front of the handler's first statement.
 */
#ifndef WOS_AUTH_AUTH_H
#define WOS_AUTH_AUTH_H

#include "db/db.h"
#include "http/request.h"

/* Checks the Bearer token; fills req->who. WOS_OK, or WOS_ERROR with *why (no reply queued). */
int wos_auth_verify_bearer(struct wos_req *req, const char **why);
/* Verifies a token string (any source); fills *who. */
int wos_auth_verify_token(const char *token, struct wos_principal *who, const char **why);
/*
 * Signs an access token for the principal; returns a malloc'd string the
 * caller frees, or NULL. *expires_in receives the lifetime in seconds.
 */
char *wos_auth_issue_token(const struct wos_principal *who, long *expires_in);

/* The database half: statement, its parameters for this request, and the verdict. */
extern struct wos_stmt wos_auth_principal_stmt;
int wos_auth_principal_params(const struct wos_req *req, const char **params);
/* WOS_OK when the caller is confirmed; else queues 401/403 and returns WOS_ERROR. */
int wos_auth_principal_result(struct wos_req *req, const PGresult *res);
/* Runs the database half alone (one round trip) when nothing else carried it. */
int wos_auth_confirm(struct wos_req *req);

#endif
