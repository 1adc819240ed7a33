/*
 * router.h: the route table and its matcher. Every route of the API is one
 * row of wos_routes[] (src/http/routes.c); the dispatcher enforces what the
 * row says (authentication, permission, JSON body, body limit) so handlers
 * only do their own job.
 */
#ifndef WOS_HTTP_ROUTER_H
#define WOS_HTTP_ROUTER_H

#include "http/request.h"

typedef int (*wos_handler)(struct wos_req *req);

enum wos_route_flags {
    WOS_ROUTE_PUBLIC = 1 << 0, /* no token needed */
    WOS_ROUTE_JSON = 1 << 1,   /* body must be application/json (415 otherwise) */
    WOS_ROUTE_DEV_ONLY = 1 << 2, /* 404 in production */
};

struct wos_route {
    const char *method;
    const char *pattern; /* "/api/v1/leaves/:id/resolve" */
    wos_handler handler;
    const char *perm; /* permission key the caller's role must hold, or NULL */
    unsigned flags;
    size_t body_max; /* 0: HTTP_MAX_BODY_BYTES */
    const char *summary;
};

extern const struct wos_route wos_routes[];
extern const size_t wos_routes_count;

enum wos_match { WOS_MATCH_OK, WOS_MATCH_NO_PATH, WOS_MATCH_NO_METHOD };

/*
 * Finds the route for method + path. On WOS_MATCH_OK fills *route and the
 * request's params (values allocated in the arena). On WOS_MATCH_NO_METHOD,
 * `allow` receives the comma-separated methods the path does accept.
 */
enum wos_match wos_router_match(const char *method, const char *path, struct wos_req *req,
                                const struct wos_route **route, char *allow, size_t allow_len);
/* The same against any table (unit tests). */
enum wos_match wos_router_match_in(const struct wos_route *table, size_t n_routes,
                                   const char *method, const char *path, struct wos_req *req,
                                   const struct wos_route **route, char *allow, size_t allow_len);
/* Checks the table at start-up (patterns well formed, no duplicates). */
int wos_router_check(void);
/* Prints the table as JSON lines {"method","path"} for tests and tooling. */
void wos_router_print(void);

#endif
