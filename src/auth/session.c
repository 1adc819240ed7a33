/*
 * session.c: shared replies of the sign-in routes (see session.h). Access
 * tokens are signed here from the principal the database returned, never
 * from anything the client sent; the signed string is wiped and freed as
 * soon as it has been copied into the reply.
 */
#include "auth/session.h"

#include "auth/auth.h"
#include "auth/password.h"
#include "auth/secret.h"
#include "core/config.h"
#include "core/log.h"
#include "http/validate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void release_json(void *p)
{
    json_decref(p);
}

json_t *wos_auth_outcome(struct wos_req *req, const PGresult *res)
{
    if (PQntuples(res) != 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0)) {
        wos_reply_internal(req, "auth function returned no outcome");
        return NULL;
    }
    json_error_t err;
    json_t *o = json_loads(PQgetvalue(res, 0, 0), 0, &err);
    if (!json_is_object(o)) {
        json_decref(o);
        wos_reply_internal(req, "auth function returned a malformed outcome");
        return NULL;
    }
    if (wos_arena_on_free(req->arena, release_json, o) != WOS_OK) { /* o released */
        wos_reply_internal(req, "out of memory");
        return NULL;
    }
    return o;
}

long wos_auth_outcome_status(const json_t *outcome)
{
    const json_t *s = json_object_get(outcome, "status");
    return json_is_integer(s) ? (long)json_integer_value(s) : 0;
}

const char *wos_auth_outcome_str(const json_t *outcome, const char *name)
{
    return json_string_value(json_object_get(outcome, name));
}

static int copy_field(char *dst, size_t n, const char *src)
{
    if (!src || strlen(src) >= n)
        return WOS_ERROR;
    memcpy(dst, src, strlen(src) + 1);
    return WOS_OK;
}

static int principal_of(const json_t *o, struct wos_principal *who)
{
    memset(who, 0, sizeof(*who));
    if (copy_field(who->user_id, sizeof(who->user_id), wos_auth_outcome_str(o, "user_id")) ||
        copy_field(who->workspace_id, sizeof(who->workspace_id), wos_auth_outcome_str(o, "ws")) ||
        copy_field(who->session_id, sizeof(who->session_id), wos_auth_outcome_str(o, "sid")) ||
        copy_field(who->role, sizeof(who->role), wos_auth_outcome_str(o, "role")))
        return WOS_ERROR;
    return WOS_OK;
}

int wos_auth_reply_tokens(struct wos_req *req, unsigned status, const json_t *outcome,
                          const char *refresh_token)
{
    struct wos_principal who;
    if (principal_of(outcome, &who) != WOS_OK)
        return wos_reply_internal(req, "sign-in outcome without a principal");
    long expires_in = 0;
    char *jwt = wos_auth_issue_token(&who, &expires_in);
    if (!jwt)
        return wos_reply_internal(req, "could not sign an access token");
    json_t *reply =
        json_pack("{s:s, s:s, s:s, s:I}", "access_token", jwt, "refresh_token", refresh_token,
                  "token_type", "bearer", "expires_in", (json_int_t)expires_in);
    explicit_bzero(jwt, strlen(jwt));
    free(jwt);
    const json_t *body = json_object_get(outcome, "body");
    if (reply && json_is_object(body))
        json_object_update(reply, (json_t *)body);
    if (!reply)
        return wos_reply_internal(req, "could not build the token reply");
    return wos_reply_jansson(req, status, reply);
}

int wos_auth_reply_limited(struct wos_req *req, long seconds)
{
    wos_reply_header(req, "Retry-After", wos_auth_num(req, seconds < 1 ? 1 : seconds));
    return wos_reply_error(req, 429, "Too many requests. Please try again later.", NULL);
}

int wos_auth_reply_weak_password(struct wos_req *req, const char *field,
                                 const struct wos_password_problem *problem)
{
    json_t *details = json_pack("[{s:s, s:s, s:s}]", "field", field, "message", problem->message,
                                "rule", problem->rule);
    return wos_reply_error(req, 422, "Request validation failed.", details);
}

int wos_auth_check_password(struct wos_req *req, const char *field, const char *pw,
                            const char *email, const char *name)
{
    struct wos_password_problem problem;
    char buf[128];
    if (!wos_password_policy(pw, email, name, wos_cfg()->password_min_length, &problem, buf,
                             sizeof(buf)))
        return WOS_OK;
    wos_auth_reply_weak_password(req, field, &problem);
    return WOS_ERROR;
}

const char *wos_auth_hash_password(struct wos_req *req, const char *pw)
{
    char hash[WOS_PASSWORD_HASH_SIZE];
    if (wos_password_hash(pw, (int)wos_cfg()->password_bcrypt_rounds, hash) != WOS_OK) {
        wos_reply_internal(req, "password hashing failed");
        return NULL;
    }
    return wos_arena_strdup(req->arena, hash);
}

static char dummy_hash[WOS_PASSWORD_HASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    char pw[WOS_SECRET_TEXT_SIZE];
    if (wos_secret_new(pw) != WOS_OK ||
        wos_password_hash(pw, (int)wos_cfg()->password_bcrypt_rounds, dummy_hash) != WOS_OK) {
        /* still a well-formed hash of the configured shape that nothing matches */
        snprintf(dummy_hash, sizeof(dummy_hash), "$2b$%02ld$%s", wos_cfg()->password_bcrypt_rounds,
                 "CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
        wos_log(NULL, WOS_LOG_WARN, "auth: could not compute the timing-equaliser hash");
    }
    explicit_bzero(pw, sizeof(pw));
}

const char *wos_auth_dummy_hash(void)
{
    pthread_once(&dummy_once, make_dummy_hash);
    return dummy_hash;
}

const char *wos_auth_user_agent(const struct wos_req *req)
{
    const char *ua = wos_req_header(req, "User-Agent");
    return ua && wos_valid_utf8(ua, strlen(ua)) ? ua : NULL;
}

const char *wos_auth_num(struct wos_req *req, long v)
{
    return wos_arena_printf(req->arena, "%ld", v);
}
