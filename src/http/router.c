/*
 * router.c: matches "/a/:b/c" patterns segment by segment. The table is
 * small (a few hundred rows) and matching is a linear scan that compares
 * segments in place without allocating; parameters are copied into the
 * request arena only for the winning row. HEAD is served by GET routes.
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/*
 * Compares one pattern with a path. Returns the number of parameters
 * (>= 0) on a match, -1 otherwise; fills params when req is not NULL.
 */
static int pattern_matches(const char *pattern, const char *path, struct wos_req *req)
{
    const char *p = pattern, *s = path;
    int n = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return -1;
        p++;
        s++;
        const char *pe = strchrnul(p, '/');
        const char *se = strchrnul(s, '/');
        if (*p == ':') {
            if (se == s || n >= WOS_MAX_PARAMS)
                return -1;
            if (req) {
                req->param_names[n] = wos_arena_strndup(req->arena, p + 1, (size_t)(pe - p - 1));
                req->param_values[n] = wos_arena_strndup(req->arena, s, (size_t)(se - s));
            }
            n++;
        } else if (pe - p != se - s || memcmp(p, s, (size_t)(pe - p)) != 0) {
            return -1;
        }
        p = pe;
        s = se;
    }
    if (*p || *s)
        return -1;
    if (req)
        req->n_params = n;
    return n;
}

static int method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void allow_add(char *allow, size_t len, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t used = strlen(allow);
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

enum wos_match wos_router_match(const char *method, const char *path, struct wos_req *req,
                                const struct wos_route **route, char *allow, size_t allow_len)
{
    return wos_router_match_in(wos_routes, wos_routes_count, method, path, req, route, allow,
                               allow_len);
}

enum wos_match wos_router_match_in(const struct wos_route *table, size_t n_routes,
                                   const char *method, const char *path, struct wos_req *req,
                                   const struct wos_route **route, char *allow, size_t allow_len)
{
    int path_known = 0, best_params = WOS_MAX_PARAMS + 1;
    const struct wos_route *best = NULL;
    if (allow_len)
        allow[0] = '\0';
    /* A literal segment beats a parameter: /users/me wins over /users/:id. */
    for (size_t i = 0; i < n_routes; i++) {
        const struct wos_route *r = &table[i];
        int params = pattern_matches(r->pattern, path, NULL);
        if (params < 0)
            continue;
        path_known = 1;
        if (method_matches(r->method, method)) {
            if (params < best_params) {
                best = r;
                best_params = params;
            }
            continue;
        }
        if (allow_len) {
            allow_add(allow, allow_len, r->method);
            if (strcmp(r->method, "GET") == 0)
                allow_add(allow, allow_len, "HEAD");
        }
    }
    if (best) {
        pattern_matches(best->pattern, path, req);
        *route = best;
        return WOS_MATCH_OK;
    }
    if (path_known && allow_len)
        allow_add(allow, allow_len, "OPTIONS");
    return path_known ? WOS_MATCH_NO_METHOD : WOS_MATCH_NO_PATH;
}

int wos_router_check(void)
{
    static const char *methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    int ok = 1;
    for (size_t i = 0; i < wos_routes_count; i++) {
        const struct wos_route *r = &wos_routes[i];
        int known = 0;
        for (size_t m = 0; m < WOS_ARRAY_LEN(methods); m++)
            known |= strcmp(r->method, methods[m]) == 0;
        if (!known || r->pattern[0] != '/' || !r->handler) {
            fprintf(stderr, "route table: bad row %s %s\n", r->method, r->pattern);
            ok = 0;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(wos_routes[j].method, r->method) == 0 &&
                strcmp(wos_routes[j].pattern, r->pattern) == 0) {
                fprintf(stderr, "route table: duplicate %s %s\n", r->method, r->pattern);
                ok = 0;
            }
        }
    }
    return ok ? WOS_OK : WOS_ERROR;
}

void wos_router_print(void)
{
    for (size_t i = 0; i < wos_routes_count; i++) {
        const struct wos_route *r = &wos_routes[i];
        printf("{\"method\":\"%s\",\"path\":\"%s\",\"public\":%s,\"json\":%s,\"perm\":%s%s%s}\n",
               r->method, r->pattern, (r->flags & WOS_ROUTE_PUBLIC) ? "true" : "false",
               (r->flags & WOS_ROUTE_JSON) ? "true" : "false", r->perm ? "\"" : "",
               r->perm ? r->perm : "null", r->perm ? "\"" : "");
    }
}
