/*
 * response.c: queues the one reply of a request, adding the headers every
 * response carries (request id, security headers, CORS, cache policy).
 * Bodies live in the request arena, so libmicrohttpd can send them without
 * copying: the arena is freed only when the request is complete.
 */
#include "http/request.h"
#include "http/server.h"
#include "core/config.h"
#include "core/log.h"

#include <microhttpd.h>
#include <string.h>

const char *wos_error_code(unsigned status)
{
    switch (status) {
    case 401:
        return "AUTH_ERROR";
    case 403:
        return "PERMISSION_ERROR";
    case 404:
        return "NOT_FOUND";
    case 409:
        return "CONFLICT";
    case 422:
        return "VALIDATION_ERROR";
    case 429:
        return "RATE_LIMITED";
    case 500:
        return "INTERNAL_ERROR";
    default:
        return "API_ERROR";
    }
}

void wos_reply_header(struct wos_req *req, const char *name, const char *value)
{
    if (req->n_headers < WOS_MAX_HEADERS) {
        req->headers[req->n_headers].name = name;
        req->headers[req->n_headers].value = value;
        req->n_headers++;
    }
}

static int has_header(struct MHD_Response *r, const char *name)
{
    return MHD_get_response_header(r, name) != NULL;
}

static void add_default(struct MHD_Response *r, const char *name, const char *value)
{
    if (!has_header(r, name))
        MHD_add_response_header(r, name, value);
}

static int no_store_path(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/health") == 0 ||
           strncmp(path, "/api/", 5) == 0;
}

/* Headers common to every response: see spec 01 §3 and §4. */
static void add_common_headers(struct wos_req *req, struct MHD_Response *r)
{
    const struct wos_config *cfg = wos_cfg();
    for (int i = 0; i < req->n_headers; i++)
        MHD_add_response_header(r, req->headers[i].name, req->headers[i].value);
    MHD_add_response_header(r, "X-Request-ID", req->request_id);
    add_default(r, "X-Content-Type-Options", "nosniff");
    add_default(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    add_default(r, "X-Frame-Options", "DENY");
    add_default(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (cfg->is_production)
        add_default(r, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    if (no_store_path(req->path))
        add_default(r, "Cache-Control", "no-store");
    if (req->origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", req->origin);
        MHD_add_response_header(r, "Access-Control-Allow-Credentials", "true");
        MHD_add_response_header(r, "Access-Control-Expose-Headers",
                                "Content-Disposition, Content-Length, Content-Range, Accept-Ranges");
    }
    MHD_add_response_header(r, "Vary", "Origin");
}

int wos_http_queue(struct wos_req *req, unsigned status, struct MHD_Response *r, size_t bytes)
{
    if (!r) {
        wos_log(req, WOS_LOG_ERROR, "could not create a response");
        return WOS_ERROR;
    }
    add_common_headers(req, r);
    if (req->suspended) {
        req->deferred = r;
    } else {
        MHD_queue_response(req->conn, status, r);
        MHD_destroy_response(r);
    }
    req->status = status;
    req->response_bytes = bytes;
    req->replied = 1;
    return WOS_OK;
}

void wos_http_queue_deferred(struct wos_req *req)
{
    if (!req->deferred)
        return;
    MHD_queue_response(req->conn, req->status, req->deferred);
    wos_http_drop_deferred(req);
}

void wos_http_drop_deferred(struct wos_req *req)
{
    if (req->deferred)
        MHD_destroy_response(req->deferred);
    req->deferred = NULL;
}

static int queue_bytes(struct wos_req *req, unsigned status, const char *type, const char *data,
                       size_t len)
{
    if (req->replied)
        return WOS_OK;
    if (wos_http_settle_auth(req) != WOS_OK)
        return WOS_OK; /* the auth failure has been replied instead */
    /* libmicrohttpd omits the body of a HEAD reply and keeps its Content-Length. */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (r && type)
        MHD_add_response_header(r, "Content-Type", type);
    return wos_http_queue(req, status, r, len);
}

int wos_reply_bytes(struct wos_req *req, unsigned status, const char *content_type,
                    const char *data, size_t len)
{
    return queue_bytes(req, status, content_type, data, len);
}

int wos_reply_json(struct wos_req *req, unsigned status, const char *json, size_t len)
{
    return queue_bytes(req, status, "application/json", json, len);
}

int wos_reply_empty(struct wos_req *req, unsigned status)
{
    return queue_bytes(req, status, NULL, "", 0);
}

int wos_reply_jansson(struct wos_req *req, unsigned status, json_t *value)
{
    char *s = json_dumps(value, JSON_COMPACT);
    json_decref(value);
    if (!s)
        return wos_reply_internal(req, "could not encode JSON");
    char *copy = wos_arena_strdup(req->arena, s);
    free(s);
    if (!copy)
        return wos_reply_internal(req, "out of memory");
    return wos_reply_json(req, status, copy, strlen(copy));
}

int wos_reply_error(struct wos_req *req, unsigned status, const char *message, json_t *details)
{
    json_t *body = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", wos_error_code(status),
                             "message", message, "details", details ? details : json_array());
    if (!body) {
        static const char fallback[] =
            "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"An unexpected internal server "
            "error occurred.\",\"details\":[]}}";
        return wos_reply_json(req, 500, fallback, sizeof(fallback) - 1);
    }
    return wos_reply_jansson(req, status, body);
}

int wos_reply_invalid(struct wos_req *req, const char *field, const char *message)
{
    json_t *details = json_array();
    json_array_append_new(details, json_pack("{s:s,s:s}", "field", field, "message", message));
    return wos_reply_error(req, 422, "Request validation failed.", details);
}

int wos_reply_internal(struct wos_req *req, const char *why)
{
    wos_log(req, WOS_LOG_ERROR, "internal error: %s", why);
    return wos_reply_error(req, 500, "An unexpected internal server error occurred.", NULL);
}
