/*
 * The mailer's pure parts: RFC 2047 header words, address quoting,
 * quoted-printable bodies, the template renderer and the retry backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jobs/jobs_int.h"
#include "jobs/mime.h"
#include "jobs/template.h"

static struct wos_arena *arena;

static int setup(void **state)
{
    (void)state;
    arena = wos_arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wos_arena_free(arena);
    return 0;
}

/* Decodes a header made of encoded words back to UTF-8 (each word checked on the way). */
static void decode_words(const char *header, char *out, size_t n)
{
    size_t used = 0;
    const char *p = header;
    while ((p = strstr(p, "=?UTF-8?B?"))) {
        const char *start = p + 10;
        const char *end = strstr(start, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        unsigned char buf[128];
        int len = EVP_DecodeBlock(buf, (const unsigned char *)start, (int)(end - start));
        assert_true(len > 0);
        while (len > 0 && end[-1] == '=' && buf[len - 1] == 0) { /* padding bytes */
            len--;
            end--;
        }
        assert_int_not_equal(buf[0] & 0xc0, 0x80); /* no word starts inside a character */
        assert_true(used + (size_t)len < n);
        memcpy(out + used, buf, (size_t)len);
        used += (size_t)len;
        p = strstr(start, "?=") + 2;
    }
    out[used] = '\0';
}

static void header_ascii_unchanged(void **state)
{
    (void)state;
    assert_string_equal(wos_mime_header_text(arena, "Set up your account"), "Set up your account");
}

static void header_controls_become_spaces(void **state)
{
    (void)state;
    const char *h = wos_mime_header_text(arena, "Hi\r\nBcc: evil@example.com");
    assert_null(strchr(h, '\r'));
    assert_null(strchr(h, '\n'));
    assert_string_equal(h, "Hi  Bcc: evil@example.com");
}

static void header_utf8_encoded_words(void **state)
{
    (void)state;
    const char *subject = "New Announcement: Réunion d’équipe ☕ — très importante, à ne pas "
                          "manquer absolument cette semaine";
    const char *h = wos_mime_header_text(arena, subject);
    for (const char *p = h; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    assert_non_null(strstr(h, "\r\n =?UTF-8?B?")); /* long: folded into several words */
    char back[512];
    decode_words(h, back, sizeof(back));
    assert_string_equal(back, subject);
}

static void address_quoting(void **state)
{
    (void)state;
    assert_string_equal(wos_mime_address(arena, NULL, "a@example.com"), "a@example.com");
    assert_string_equal(wos_mime_address(arena, "Doe, \"J\"", "a@example.com"),
                        "\"Doe, \\\"J\\\"\" <a@example.com>");
    const char *enc = wos_mime_address(arena, "Zoë", "z@example.com");
    assert_non_null(strstr(enc, "=?UTF-8?B?"));
    assert_non_null(strstr(enc, " <z@example.com>"));
}

static void qp_escapes_and_line_ends(void **state)
{
    (void)state;
    assert_string_equal(wos_mime_qp(arena, "a=b\nc"), "a=3Db\r\nc\r\n");
    assert_string_equal(wos_mime_qp(arena, "end \r\n.dot"), "end=20\r\n=2Edot\r\n");
    assert_string_equal(wos_mime_qp(arena, "Zoë"), "Zo=C3=AB\r\n");
}

static void qp_soft_breaks_keep_lines_short(void **state)
{
    (void)state;
    char line[301];
    memset(line, 'x', 300);
    line[300] = '\0';
    line[150] = '=';
    const char *qp = wos_mime_qp(arena, line);
    size_t total = 0;
    for (const char *p = qp; *p;) {
        size_t n = strcspn(p, "\r");
        assert_true(n <= 76);
        if (p[n] && n > 0 && p[n - 1] == '=')
            total += n - 1; /* soft break */
        else
            total += n;
        p += n;
        if (*p == '\r')
            p += 2;
    }
    assert_int_equal(total, 300 + 2); /* '=' became "=3D" */
}

static const char *render(const char *tmpl, bool html, char *err)
{
    struct wos_tvars v = {0};
    wos_tvars_set(arena, &v, "name", "Tom & <Jerry>");
    wos_tvars_set(arena, &v, "empty", "");
    wos_tvars_set(arena, &v, "_body", "<p>x</p>");
    return wos_template_render(arena, tmpl, &v, html, err, 128);
}

static void template_escapes_html_only(void **state)
{
    (void)state;
    char err[128];
    assert_string_equal(render("Hi {{name}}!", true, err), "Hi Tom &amp; &lt;Jerry&gt;!");
    assert_string_equal(render("Hi {{ name }}!", false, err), "Hi Tom & <Jerry>!");
    assert_string_equal(render("<div>{{{_body}}}</div>", true, err), "<div><p>x</p></div>");
}

static void template_sections(void **state)
{
    (void)state;
    char err[128];
    assert_string_equal(render("a{{#name}}[{{name}}]{{/name}}b", false, err), "a[Tom & <Jerry>]b");
    assert_string_equal(render("a{{#empty}}X{{/empty}}b", false, err), "ab");
    assert_string_equal(render("a{{#missing}}X{{/missing}}b", false, err), "ab");
    assert_string_equal(render("a{{^missing}}none{{/missing}}b", false, err), "anoneb");
    assert_string_equal(render("{{#name}}{{#name}}in{{/name}}{{/name}}", false, err), "in");
}

static void template_errors_name_the_problem(void **state)
{
    (void)state;
    char err[128];
    assert_null(render("Hello {{who}}", false, err));
    assert_non_null(strstr(err, "\"who\""));
    assert_null(render("{{#name}}open", false, err));
    assert_non_null(strstr(err, "not closed"));
    assert_null(render("{{name", false, err));
    assert_null(render("{{Bad-Name}}", false, err));
}

static void backoff_grows_with_jitter_and_cap(void **state)
{
    (void)state;
    assert_int_equal(wos_queue_backoff_ms(1, 1000, 60000, 0), 500);
    assert_true(wos_queue_backoff_ms(1, 1000, 60000, UINT32_MAX) < 1000);
    assert_true(wos_queue_backoff_ms(1, 1000, 60000, UINT32_MAX) >= 999);
    assert_int_equal(wos_queue_backoff_ms(3, 1000, 60000, 0), 2000);
    assert_int_equal(wos_queue_backoff_ms(30, 1000, 60000, 0), 30000);
    assert_int_equal(wos_queue_backoff_ms(1000, 1000, 60000, 0), 30000);
    assert_int_equal(wos_queue_backoff_ms(1, 1, 60000, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_ascii_unchanged),
        cmocka_unit_test(header_controls_become_spaces),
        cmocka_unit_test(header_utf8_encoded_words),
        cmocka_unit_test(address_quoting),
        cmocka_unit_test(qp_escapes_and_line_ends),
        cmocka_unit_test(qp_soft_breaks_keep_lines_short),
        cmocka_unit_test(template_escapes_html_only),
        cmocka_unit_test(template_sections),
        cmocka_unit_test(template_errors_name_the_problem),
        cmocka_unit_test(backoff_grows_with_jitter_and_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
