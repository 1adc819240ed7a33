/*
 * fuzz_router.c: the route matcher (src/http/router.c).
 *
 * Input: "<method>\n<path>" (no newline: the whole input is a GET path).
 * The pair is matched against the real route table (wos_router_match) and
 * against a small table of edge cases (root, trailing slash, adjacent and
 * too many parameters, literal beside parameter), each time with Allow
 * buffers of several exact heap sizes so ASan sees any write past them.
 *
 * Oracle: a reference matcher written independently (split both strings at
 * '/', compare segment lists) must reach the same verdict and pick a row
 * with as few parameters; on a match, putting the captured values back into
 * the pattern must rebuild the path exactly.
 */
#include "fuzz.h"

#include "http/router.h"

static int h(struct wos_req *req)
{
    (void)req;
    return 0;
}

static const struct wos_route edge_table[] = {
    {"GET", "/", h, NULL, 0, 0, NULL},
    {"GET", "/a/", h, NULL, 0, 0, NULL},
    {"POST", "/a/:x", h, NULL, 0, 0, NULL},
    {"GET", "/a/me", h, NULL, 0, 0, NULL},
    {"PUT", "/a/:x/:y", h, NULL, 0, 0, NULL},
    {"DELETE", "/p/:a/:b/:c/:d/:e/:f", h, NULL, 0, 0, NULL},
    {"DELETE", "/p/:a/:b/:c/:d/:e/:f/:g", h, NULL, 0, 0, NULL},
    {"PATCH", "/x//y", h, NULL, 0, 0, NULL},
    {"GET", "/x/:id/:id", h, NULL, 0, 0, NULL},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return WOS_OK;
}

/* Number of '/'-separated segments after the leading '/'; -1 when there is no leading '/'. */
static int segments(const char *s, const char **seg, size_t *len, int max)
{
    int n = 0;

    if (*s != '/')
        return -1;
    while (*s == '/') {
        const char *start = s + 1;
        const char *end = strchrnul(start, '/');
        if (n == max)
            return -1;
        seg[n] = start;
        len[n] = (size_t)(end - start);
        n++;
        s = end;
    }
    return n;
}

/* Reference: parameters captured when pattern matches path, else -1. */
static int ref_match(const char *pattern, const char *path)
{
    const char *ps[64], *ss[64];
    size_t pl[64], sl[64];
    int np = segments(pattern, ps, pl, 64), ns = segments(path, ss, sl, 64);
    int params = 0;

    if (np < 0 || np != ns)
        return -1;
    for (int i = 0; i < np; i++) {
        if (pl[i] > 0 && ps[i][0] == ':') {
            if (sl[i] == 0)
                return -1;
            params++;
        } else if (pl[i] != sl[i] || memcmp(ps[i], ss[i], pl[i]) != 0) {
            return -1;
        }
    }
    return params <= WOS_MAX_PARAMS ? params : -1;
}

static int ref_method(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/* Puts the captured values back into the pattern; must give the path again. */
static void check_rebuild(const struct wos_route *r, const struct wos_req *req, const char *path)
{
    char out[8192];
    size_t used = 0;
    int param = 0;

    for (const char *p = r->pattern; *p;) {
        if (p[0] == ':' && p[-1] == '/') {
            const char *end = strchrnul(p, '/');
            FUZZ_CHECK(param < req->n_params);
            FUZZ_CHECK(strlen(req->param_names[param]) == (size_t)(end - p - 1) &&
                       memcmp(req->param_names[param], p + 1, (size_t)(end - p - 1)) == 0);
            const char *v = req->param_values[param++];
            FUZZ_CHECK(*v != '\0' && strchr(v, '/') == NULL);
            size_t n = strlen(v);
            FUZZ_CHECK(used + n < sizeof(out));
            memcpy(out + used, v, n);
            used += n;
            p = end;
        } else {
            FUZZ_CHECK(used + 1 < sizeof(out));
            out[used++] = *p++;
        }
    }
    out[used] = '\0';
    FUZZ_CHECK(param == req->n_params);
    FUZZ_CHECK(strcmp(out, path) == 0);
}

static void check_table(const struct wos_route *table, size_t n, const char *method,
                        const char *path, size_t allow_len)
{
    struct wos_arena *arena = wos_arena_new();
    struct wos_req *req = wos_arena_alloc(arena, sizeof(*req));
    char *allow = allow_len ? malloc(allow_len) : NULL;
    const struct wos_route *route = NULL;
    int path_known = 0, best = -1;

    FUZZ_CHECK(req != NULL);
    req->arena = arena;
    enum wos_match m = wos_router_match_in(table, n, method, path, req, &route, allow, allow_len);
    for (size_t i = 0; i < n; i++) {
        int params = ref_match(table[i].pattern, path);
        if (params < 0)
            continue;
        path_known = 1;
        if (ref_method(table[i].method, method) && (best < 0 || params < best))
            best = params;
    }
    if (best >= 0) {
        FUZZ_CHECK(m == WOS_MATCH_OK);
        FUZZ_CHECK(route >= table && route < table + n);
        FUZZ_CHECK(ref_method(route->method, method));
        FUZZ_CHECK(ref_match(route->pattern, path) == best);
        FUZZ_CHECK(req->n_params == best);
        check_rebuild(route, req, path);
    } else {
        FUZZ_CHECK(m == (path_known ? WOS_MATCH_NO_METHOD : WOS_MATCH_NO_PATH));
    }
    if (allow_len) {
        FUZZ_CHECK(memchr(allow, '\0', allow_len) != NULL);
        if (m == WOS_MATCH_NO_METHOD && allow_len >= 64)
            FUZZ_CHECK(strstr(allow, "OPTIONS") != NULL);
    }
    free(allow);
    wos_arena_free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstr(data, size);
    char *nl = strchr(input, '\n');
    const char *method = "GET", *path = input;

    if (nl != NULL) {
        *nl = '\0';
        method = input;
        path = nl + 1;
    }
    static const size_t allow_sizes[] = {0, 1, 7, 128};
    for (size_t i = 0; i < sizeof(allow_sizes) / sizeof(allow_sizes[0]); i++) {
        check_table(wos_routes, wos_routes_count, method, path, allow_sizes[i]);
        check_table(edge_table, sizeof(edge_table) / sizeof(edge_table[0]), method, path,
                    allow_sizes[i]);
    }
    free(input);
    return 0;
}
