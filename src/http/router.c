/*
 * router.c: matches "/a/:b/c" patterns segment by segment. The table is
 * small (a few hundred rows); the server's table is indexed by its key
 * segment once, so a request compares its path with a handful of rows,
 * segment by segment in place without allocating; parameters are copied
 * into the request arena only for the winning row. HEAD is served by GET
 * routes.
 */
#include "http/router.h"

#include "core/common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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
        if (*p != ':') {
            /* a literal segment: most rows of the table fail here within a few bytes */
            while (*p && *p != '/' && *p == *s) {
                p++;
                s++;
            }
            if ((*p && *p != '/') || (*s && *s != '/'))
                return -1;
            continue;
        }
        const char *pe = strchrnul(p, '/');
        const char *se = strchrnul(s, '/');
        if (se == s || n >= WOS_MAX_PARAMS)
            return -1;
        if (req) {
            req->param_names[n] = wos_arena_strndup(req->arena, p + 1, (size_t)(pe - p - 1));
            req->param_values[n] = wos_arena_strndup(req->arena, s, (size_t)(se - s));
        }
        n++;
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

struct scan {
    const char *method, *path;
    char *allow;
    size_t allow_len;
    int path_known, best_params;
    const struct wos_route *best;
    const char *other_methods[8]; /* distinct methods of rows matching the path (Allow) */
    size_t n_other;
};

/* A literal segment beats a parameter: /users/me wins over /users/:id. */
static void consider(struct scan *sc, const struct wos_route *r)
{
    int params = pattern_matches(r->pattern, sc->path, NULL);
    if (params < 0)
        return;
    sc->path_known = 1;
    if (method_matches(r->method, sc->method)) {
        if (params < sc->best_params) {
            sc->best = r;
            sc->best_params = params;
        }
        return;
    }
    for (size_t i = 0; i < sc->n_other; i++)
        if (strcmp(sc->other_methods[i], r->method) == 0)
            return;
    if (sc->n_other < WOS_ARRAY_LEN(sc->other_methods)) /* five methods exist */
        sc->other_methods[sc->n_other++] = r->method;
}

static enum wos_match finish(struct scan *sc, struct wos_req *req, const struct wos_route **route)
{
    if (sc->best) {
        pattern_matches(sc->best->pattern, sc->path, req);
        *route = sc->best;
        return WOS_MATCH_OK;
    }
    if (sc->path_known && sc->allow_len) {
        for (size_t i = 0; i < sc->n_other; i++) {
            allow_add(sc->allow, sc->allow_len, sc->other_methods[i]);
            if (strcmp(sc->other_methods[i], "GET") == 0)
                allow_add(sc->allow, sc->allow_len, "HEAD");
        }
        allow_add(sc->allow, sc->allow_len, "OPTIONS");
    }
    return sc->path_known ? WOS_MATCH_NO_METHOD : WOS_MATCH_NO_PATH;
}

static struct scan scan_start(const char *method, const char *path, char *allow, size_t allow_len)
{
    if (allow_len)
        allow[0] = '\0';
    return (struct scan){.method = method, .path = path, .allow = allow, .allow_len = allow_len,
                         .best_params = WOS_MAX_PARAMS + 1};
}

enum wos_match wos_router_match_in(const struct wos_route *table, size_t n_routes,
                                   const char *method, const char *path, struct wos_req *req,
                                   const struct wos_route **route, char *allow, size_t allow_len)
{
    struct scan sc = scan_start(method, path, allow, allow_len);
    for (size_t i = 0; i < n_routes; i++)
        consider(&sc, &table[i]);
    return finish(&sc, req, route);
}

/*
 * The index of wos_routes: rows grouped by their key segment (the segment
 * after "/api/v1/", or the first segment elsewhere), so a request compares
 * its path with the few rows of its group instead of the whole table. Rows
 * whose key segment is a parameter are compared with every path.
 */
#define MAX_GROUPS 128

struct group {
    const char *key;
    size_t key_len, first, n;
};

static size_t order[1024];
static struct group groups[MAX_GROUPS];
static size_t n_groups, n_any, any_rows[64];
static int indexed; /* 1: built, -1: the table does not fit, scan it all */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static const char *key_segment(const char *path, size_t *len)
{
    const char *k = strncmp(path, "/api/v1/", 8) == 0 ? path + 8 : path + (path[0] == '/');
    *len = strcspn(k, "/");
    return k;
}

static int group_cmp(const void *a, const void *b)
{
    const struct wos_route *x = &wos_routes[*(const size_t *)a];
    const struct wos_route *y = &wos_routes[*(const size_t *)b];
    size_t xl, yl;
    const char *xk = key_segment(x->pattern, &xl), *yk = key_segment(y->pattern, &yl);
    int c = memcmp(xk, yk, xl < yl ? xl : yl);
    if (c == 0 && xl != yl)
        c = xl < yl ? -1 : 1;
    /* equal keys keep table order, which settles nothing (the best row wins) but reads well */
    return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

static void build_index(void)
{
    size_t n = 0;
    if (wos_routes_count > WOS_ARRAY_LEN(order)) {
        indexed = -1;
        return;
    }
    for (size_t i = 0; i < wos_routes_count; i++) {
        size_t len;
        const char *k = key_segment(wos_routes[i].pattern, &len);
        if (*k == ':') {
            if (n_any == WOS_ARRAY_LEN(any_rows)) {
                indexed = -1;
                return;
            }
            any_rows[n_any++] = i;
        } else {
            order[n++] = i;
        }
    }
    qsort(order, n, sizeof(order[0]), group_cmp);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *k = key_segment(wos_routes[order[i]].pattern, &len);
        struct group *g = n_groups ? &groups[n_groups - 1] : NULL;
        if (g && g->key_len == len && memcmp(g->key, k, len) == 0) {
            g->n++;
            continue;
        }
        if (n_groups == MAX_GROUPS) {
            indexed = -1;
            return;
        }
        groups[n_groups++] = (struct group){.key = k, .key_len = len, .first = i, .n = 1};
    }
    indexed = 1;
}

static const struct group *group_for(const char *path)
{
    size_t len;
    const char *k = key_segment(path, &len);
    size_t lo = 0, hi = n_groups;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct group *g = &groups[mid];
        int c = memcmp(g->key, k, g->key_len < len ? g->key_len : len);
        if (c == 0 && g->key_len != len)
            c = g->key_len < len ? -1 : 1;
        if (c == 0)
            return g;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

enum wos_match wos_router_match(const char *method, const char *path, struct wos_req *req,
                                const struct wos_route **route, char *allow, size_t allow_len)
{
    pthread_once(&index_once, build_index);
    if (indexed != 1)
        return wos_router_match_in(wos_routes, wos_routes_count, method, path, req, route, allow,
                                   allow_len);
    struct scan sc = scan_start(method, path, allow, allow_len);
    const struct group *g = group_for(path);
    for (size_t i = 0; g && i < g->n; i++)
        consider(&sc, &wos_routes[order[g->first + i]]);
    for (size_t i = 0; i < n_any; i++)
        consider(&sc, &wos_routes[any_rows[i]]);
    return finish(&sc, req, route);
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
