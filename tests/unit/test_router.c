/* Router matching: literals, parameters, literal-over-parameter, 404 and 405 with Allow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

static int h(struct wos_req *req)
{
    (void)req;
    return 0;
}

static const struct wos_route table[] = {
    {"GET", "/api/v1/users", h, NULL, 0, 0, NULL},
    {"POST", "/api/v1/users", h, NULL, 0, 0, NULL},
    {"GET", "/api/v1/users/:id", h, NULL, 0, 0, NULL},
    {"GET", "/api/v1/users/me", h, NULL, 0, 0, NULL},
    {"PATCH", "/api/v1/leaves/:id/resolve", h, NULL, 0, 0, NULL},
    {"GET", "/api/v1/a/:x/b/:y", h, NULL, 0, 0, NULL},
};
#define N (sizeof(table) / sizeof(table[0]))

static struct wos_req *new_req(void)
{
    struct wos_arena *a = wos_arena_new();
    struct wos_req *req = wos_arena_alloc(a, sizeof(*req));
    req->arena = a;
    return req;
}

static enum wos_match match(struct wos_req *req, const char *m, const char *p,
                            const struct wos_route **r, char *allow)
{
    return wos_router_match_in(table, N, m, p, req, r, allow, 128);
}

static void literal_and_params(void **state)
{
    (void)state;
    struct wos_req *req = new_req();
    const struct wos_route *r = NULL;
    char allow[128];
    assert_int_equal(match(req, "GET", "/api/v1/users", &r, allow), WOS_MATCH_OK);
    assert_ptr_equal(r, &table[0]);
    assert_int_equal(match(req, "POST", "/api/v1/users", &r, allow), WOS_MATCH_OK);
    assert_ptr_equal(r, &table[1]);
    assert_int_equal(match(req, "GET", "/api/v1/users/42", &r, allow), WOS_MATCH_OK);
    assert_ptr_equal(r, &table[2]);
    assert_string_equal(wos_req_param(req, "id"), "42");
    assert_int_equal(match(req, "GET", "/api/v1/a/1/b/two", &r, allow), WOS_MATCH_OK);
    assert_string_equal(wos_req_param(req, "x"), "1");
    assert_string_equal(wos_req_param(req, "y"), "two");
    assert_null(wos_req_param(req, "z"));
    wos_arena_free(req->arena);
}

static void literal_wins_over_param(void **state)
{
    (void)state;
    struct wos_req *req = new_req();
    const struct wos_route *r = NULL;
    char allow[128];
    assert_int_equal(match(req, "GET", "/api/v1/users/me", &r, allow), WOS_MATCH_OK);
    assert_ptr_equal(r, &table[3]);
    assert_int_equal(req->n_params, 0);
    wos_arena_free(req->arena);
}

static void head_uses_get(void **state)
{
    (void)state;
    struct wos_req *req = new_req();
    const struct wos_route *r = NULL;
    char allow[128];
    assert_int_equal(match(req, "HEAD", "/api/v1/users", &r, allow), WOS_MATCH_OK);
    assert_ptr_equal(r, &table[0]);
    wos_arena_free(req->arena);
}

static void not_found(void **state)
{
    (void)state;
    struct wos_req *req = new_req();
    const struct wos_route *r = NULL;
    char allow[128];
    const char *paths[] = {"/api/v1/user", "/api/v1/users/", "/api/v1/users/1/2",
                           "/api/v1/leaves//resolve", "/api/v1/a/1/b", "/", ""};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        assert_int_equal(match(req, "GET", paths[i], &r, allow), WOS_MATCH_NO_PATH);
    wos_arena_free(req->arena);
}

static void method_not_allowed(void **state)
{
    (void)state;
    struct wos_req *req = new_req();
    const struct wos_route *r = NULL;
    char allow[128];
    assert_int_equal(match(req, "DELETE", "/api/v1/users", &r, allow), WOS_MATCH_NO_METHOD);
    assert_non_null(strstr(allow, "GET"));
    assert_non_null(strstr(allow, "POST"));
    assert_non_null(strstr(allow, "HEAD"));
    assert_int_equal(match(req, "GET", "/api/v1/leaves/9/resolve", &r, allow),
                     WOS_MATCH_NO_METHOD);
    assert_non_null(strstr(allow, "PATCH"));
    assert_null(strstr(allow, "GET"));
    wos_arena_free(req->arena);
}

static void real_table_is_valid(void **state)
{
    (void)state;
    assert_int_equal(wos_router_check(), WOS_OK);
}

/* "/a/:id/b" -> "/a/<value>/b" */
static void concrete(const char *pattern, const char *value, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 1 < n;) {
        if (*p == ':') {
            for (const char *v = value; *v && o + 1 < n; v++)
                out[o++] = *v;
            p += strcspn(p, "/");
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void check_same(const char *method, const char *path)
{
    const struct wos_route *a = NULL, *b = NULL;
    char allow_a[128], allow_b[128];
    struct wos_req *ra = new_req(), *rb = new_req();
    enum wos_match ma = wos_router_match(method, path, ra, &a, allow_a, sizeof(allow_a));
    enum wos_match mb =
        wos_router_match_in(wos_routes, wos_routes_count, method, path, rb, &b, allow_b,
                            sizeof(allow_b));
    if (ma != mb || a != b || (ma == WOS_MATCH_NO_METHOD && strcmp(allow_a, allow_b) != 0))
        fail_msg("%s %s: indexed %d %s [%s], linear %d %s [%s]", method, path, ma,
                 a ? a->pattern : "-", allow_a, mb, b ? b->pattern : "-", allow_b);
    wos_arena_free(ra->arena);
    wos_arena_free(rb->arena);
}

/* The index of the real table answers exactly what a scan of the whole table answers. */
static void index_agrees_with_scan(void **state)
{
    (void)state;
    static const char *methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE"};
    static const char *values[] = {"me", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "x"};
    static const char *odd[] = {"/", "/api", "/api/v1", "/api/v1/", "/api/v2/users", "/health/x",
                                "/api/v1/nope", "/api/v1/users/", "//api/v1/users", "/healthz"};
    char path[512];
    for (size_t i = 0; i < wos_routes_count; i++)
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            concrete(wos_routes[i].pattern, values[v], path, sizeof(path));
            for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
                check_same(methods[m], path);
            strcat(path, "/extra");
            check_same("GET", path);
        }
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        check_same("GET", odd[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_and_params), cmocka_unit_test(literal_wins_over_param),
        cmocka_unit_test(head_uses_get),      cmocka_unit_test(not_found),
        cmocka_unit_test(method_not_allowed), cmocka_unit_test(real_table_is_valid),
        cmocka_unit_test(index_agrees_with_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
