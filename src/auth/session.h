/*
 * session.h: what the sign-in routes (modules/auth, modules/workspaces)
 * share. Their SQL functions (migration 0004) return one JSON "outcome"
 * object {"status": <http status>, ...}; these helpers read it, answer with
 * a fresh token pair, the rate limiter's 429 or a password-policy 422, and
 * supply the client metadata stored with a session.
 */
#ifndef WOS_AUTH_SESSION_H
#define WOS_AUTH_SESSION_H

#include "auth/policy.h"
#include "http/request.h"

#include <jansson.h>
#include <libpq-fe.h>

/*
 * Parses the single text value of res as a JSON object (released with the
 * request). NULL after replying 500 when it is missing or malformed.
 */
json_t *wos_auth_outcome(struct wos_req *req, const PGresult *res);
/* The outcome's "status" (0 when absent). */
long wos_auth_outcome_status(const json_t *outcome);
/* The outcome's string member, or NULL. */
const char *wos_auth_outcome_str(const json_t *outcome, const char *name);

/*
 * Replies `status` with {access_token, refresh_token, token_type, expires_in}
 * followed by the members of the outcome's "body" object, if any. The access
 * token is signed for the outcome's principal (user_id, ws, sid, role).
 */
int wos_auth_reply_tokens(struct wos_req *req, unsigned status, const json_t *outcome,
                          const char *refresh_token);
/* 429 RATE_LIMITED with Retry-After: seconds (at least 1). */
int wos_auth_reply_limited(struct wos_req *req, long seconds);
/* 422 naming the field and the broken rule ({field, message, rule}). */
int wos_auth_reply_weak_password(struct wos_req *req, const char *field,
                                 const struct wos_password_problem *problem);
/*
 * Runs the password policy for a new password; on failure replies 422 and
 * returns WOS_ERROR.
 */
int wos_auth_check_password(struct wos_req *req, const char *field, const char *pw,
                            const char *email, const char *name);
/* bcrypt hash of pw at PASSWORD_BCRYPT_ROUNDS, in the arena; NULL after replying 500. */
const char *wos_auth_hash_password(struct wos_req *req, const char *pw);

/*
 * A bcrypt hash of a random password at the configured cost, computed once
 * per process: login verifies against it when the e-mail is unknown, so an
 * unknown e-mail costs the same time as a wrong password.
 */
const char *wos_auth_dummy_hash(void);

/* The request's User-Agent when it is valid UTF-8, else NULL (stored with sessions). */
const char *wos_auth_user_agent(const struct wos_req *req);
/* Decimal text of v in the arena (SQL parameters). */
const char *wos_auth_num(struct wos_req *req, long v);

#endif
