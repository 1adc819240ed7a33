/*
 * request.h: the request context every handler receives, and the reply API.
 *
 * A request owns an arena; everything allocated for it (strings, parsed JSON
 * references, PGresults via cleanup hooks) dies with it when libmicrohttpd
 * reports the request complete. Exactly one reply is queued per request:
 * the wos_reply_* functions queue it and return WOS_OK, so handlers end with
 * `return wos_reply_...(req, ...)`.
 *
 * Authentication is lazy: the dispatcher verifies the token's signature
 * before the handler runs, and the database half of the check (session not
 * revoked, membership active, role and permission current) travels with the
 * handler's first statement in one round trip (db/db.c). Any reply queued
 * while that check is still pending runs it first, so no response can leave
 * before the caller is confirmed.
 */
#ifndef WOS_HTTP_REQUEST_H
#define WOS_HTTP_REQUEST_H

#include "core/arena.h"
#include "core/common.h"

#include <jansson.h>
#include <time.h>

struct MHD_Connection;
struct MHD_Response;
struct wos_route;

#define WOS_MAX_PARAMS 6
#define WOS_MAX_HEADERS 12
#define WOS_UUID_LEN 36

enum wos_auth_state { WOS_AUTH_NONE, WOS_AUTH_PENDING, WOS_AUTH_OK, WOS_AUTH_FAILED };

struct wos_principal {
    char user_id[WOS_UUID_LEN + 1];
    char workspace_id[WOS_UUID_LEN + 1];
    char session_id[WOS_UUID_LEN + 1];
    char role[64];
    char jti[64];
};

struct wos_header {
    const char *name, *value;
};

struct wos_req {
    struct wos_arena *arena;
    struct MHD_Connection *conn;
    const struct wos_route *route;
    int match;         /* enum wos_match of the route lookup */
    const char *allow; /* methods the path accepts, for 405 */
    const char *method;
    const char *path;
    char request_id[65];
    const char *origin; /* NULL when absent or not allowed */
    const char *client_ip;

    const char *param_names[WOS_MAX_PARAMS];
    const char *param_values[WOS_MAX_PARAMS];
    int n_params;

    struct wos_buf body;
    size_t body_limit;
    int body_too_large;
    size_t discarded; /* body bytes thrown away after the limit */
    json_t *json; /* parsed body of a JSON route (owned: released with the arena) */

    enum wos_auth_state auth;
    struct wos_principal who;

    struct wos_header headers[WOS_MAX_HEADERS];
    int n_headers;
    unsigned status;
    size_t response_bytes;
    int replied;
    int suspended;                    /* parked on its fiber: libmicrohttpd waits for it */
    struct MHD_Response *deferred;    /* the reply (status: `status`) of a suspended request, queued on resume */
    struct timespec started;
};

/* Path parameter by name (":id" -> "id"); NULL when absent. */
const char *wos_req_param(const struct wos_req *req, const char *name);
/* Query-string argument; NULL when absent. */
const char *wos_req_query(const struct wos_req *req, const char *name);
/* Request header; NULL when absent. */
const char *wos_req_header(const struct wos_req *req, const char *name);

/* Adds a response header to the reply that will be queued. */
void wos_reply_header(struct wos_req *req, const char *name, const char *value);
/* Queues a JSON body. `json` must live as long as the request (arena or static). */
int wos_reply_json(struct wos_req *req, unsigned status, const char *json, size_t len);
int wos_reply_jansson(struct wos_req *req, unsigned status, json_t *value);
/* Queues the standard error envelope; `details` (a JSON array) may be NULL; it is stolen. */
int wos_reply_error(struct wos_req *req, unsigned status, const char *message, json_t *details);
/* 422 VALIDATION_ERROR naming one field. */
int wos_reply_invalid(struct wos_req *req, const char *field, const char *message);
/* 500 INTERNAL_ERROR after logging `why` (never sent to the client). */
int wos_reply_internal(struct wos_req *req, const char *why);
int wos_reply_empty(struct wos_req *req, unsigned status);
int wos_reply_bytes(struct wos_req *req, unsigned status, const char *content_type,
                    const char *data, size_t len);

/* The error code that follows a status (00-overview §4.4, product decision). */
const char *wos_error_code(unsigned status);

#endif
