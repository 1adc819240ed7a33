/*
 * people.h: what the request modules share: replying with the outcome of one
 * SQL function call, and reading query and path parameters strictly.
 *
 * Every route of users, org, rbac and governance is one call of one function
 * of migration 0005_people_org. Writes and single-object reads return an
 * outcome object {"status", "body"} or {"status", "message", "field"?}; wrap
 * such a call in WOS_OUTCOME_SQL so PostgreSQL splits it into columns and C
 * never parses it. Lists return their JSON directly (wos_people_reply_json).
 * The attendance, leave and approvals functions return a (status, body) row
 * instead (wos_people_run).
 */
#ifndef WOS_MODULES_USERS_PEOPLE_H
#define WOS_MODULES_USERS_PEOPLE_H

#include "db/db.h"
#include "http/request.h"

/* SELECT status, body, message, field of the outcome returned by `call`. */
#define WOS_OUTCOME_SQL(call)                                                                      \
    "SELECT (o->>'status')::integer, o->'body', o->>'message', o->>'field' FROM (SELECT " call     \
    " AS o) x"

/*
 * Runs a WOS_OUTCOME_SQL statement and replies: the body with its status,
 * or the error envelope (422 naming the field when the outcome has one).
 * SQL errors become 422 (bad input PostgreSQL refused to cast), 503
 * (database down, serialisation failure) or 500. Always returns WOS_OK.
 */
int wos_people_reply_outcome(struct wos_req *req, struct wos_stmt *stmt, int n,
                             const char *const *params);
/* Runs a statement returning one JSON value and replies 200 with it. Returns WOS_OK. */
int wos_people_reply_json(struct wos_req *req, struct wos_stmt *stmt, int n,
                          const char *const *params);
/*
 * Runs `stmt`, whose row is (status integer, body text), and replies: a
 * status below 400 sends the body as JSON (or as `content_type` when not
 * NULL), any other status the error envelope with the body's "message" and
 * "details". SQL errors are mapped like wos_people_reply_outcome's (503 with
 * Retry-After for a busy or unreachable database). Always returns WOS_OK.
 */
int wos_people_run(struct wos_req *req, struct wos_stmt *stmt, int n, const char *const *params,
                   const char *content_type);

/*
 * Query parameters. Each stores the accepted value as text for a statement
 * parameter in *out: NULL when the parameter is absent or empty (int and
 * bool store their fallback instead). On a bad value it replies 422 naming
 * the parameter and returns WOS_ERROR.
 */
int wos_people_query_int(struct wos_req *req, const char *name, long fallback, long min, long max,
                         const char **out);
int wos_people_query_uuid(struct wos_req *req, const char *name, const char **out);
int wos_people_query_bool(struct wos_req *req, const char *name, int fallback, const char **out);
int wos_people_query_choice(struct wos_req *req, const char *name, const char *const *choices,
                            const char **out);
/* Free text, trimmed, at most max characters (bytes). */
int wos_people_query_text(struct wos_req *req, const char *name, size_t max, const char **out);
/* A date (YYYY-MM-DD) or an ISO-8601 instant with offset. */
int wos_people_query_time(struct wos_req *req, const char *name, const char **out);
/* A date (YYYY-MM-DD). */
int wos_people_query_date(struct wos_req *req, const char *name, const char **out);

/*
 * Path parameter `name` as a UUID. Anything else cannot name a row: replies
 * 404 with `missing` and returns WOS_ERROR.
 */
int wos_people_path_uuid(struct wos_req *req, const char *name, const char *missing,
                         const char **out);

/* The validated JSON body as text (a jsonb statement parameter). */
const char *wos_people_body(struct wos_req *req);
/* Decimal text of n, in the request arena. */
const char *wos_people_num(struct wos_req *req, long n);
/* The online TTL, as text, that UserRead needs. */
const char *wos_people_online_ttl(struct wos_req *req);

#endif
