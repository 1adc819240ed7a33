/*
 * fuzz_markdown.c: the Markdown renderer and the HTML sanitizer
 * (core/markdown.c). Beyond memory safety, whatever comes out may go
 * straight into another user's browser, so the oracle checks the output of
 * both the renderer (Markdown input) and the sanitizer fed raw bytes:
 * no script or style element, no event-handler attribute, and every href
 * or src value a URL the allow-list accepts.
 */
#include "core/arena.h"
#include "core/markdown.h"
#include "fuzz.h"

#include <ctype.h>
#include <strings.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Decodes the few entities an attribute value may carry, enough to judge its scheme. */
static size_t decode_attr(const char *v, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (v[i] == '&') {
            const char *semi = memchr(v + i, ';', n - i);
            if (semi && (size_t)(semi - (v + i)) < 12) {
                if (strncmp(v + i, "&amp;", 5) == 0)
                    out[o++] = '&';
                else if (strncmp(v + i, "&quot;", 6) == 0)
                    out[o++] = '"';
                else if (strncmp(v + i, "&lt;", 4) == 0)
                    out[o++] = '<';
                else if (strncmp(v + i, "&gt;", 4) == 0)
                    out[o++] = '>';
                else
                    out[o++] = '?'; /* any other entity: never a scheme letter */
                i = (size_t)(semi - v);
                continue;
            }
        }
        out[o++] = v[i];
    }
    out[o] = '\0';
    return o;
}

/* Checks one attribute (name lower-cased, value as written between double quotes). */
static void check_attr(const char *name, size_t nlen, const char *value, size_t vlen)
{
    FUZZ_CHECK(!(nlen >= 2 && name[0] == 'o' && name[1] == 'n')); /* onclick=, onerror=, ... */
    FUZZ_CHECK(!(nlen == 5 && strncmp(name, "style", 5) == 0));
    if ((nlen == 4 && strncmp(name, "href", 4) == 0) || (nlen == 3 && strncmp(name, "src", 3) == 0)) {
        char url[4096];
        size_t n = decode_attr(value, vlen, url, sizeof(url));
        FUZZ_CHECK(wos_markdown_url_allowed(url, n));
    }
}

/*
 * Checks every tag of a sanitized fragment. The sanitizer writes attribute
 * values in double quotes with '"' escaped, so a small parser suffices:
 * any other shape is itself a broken property.
 */
static void check_html(const char *html)
{
    for (const char *p = html; (p = strchr(p, '<')) != NULL; p++) {
        const char *end = strchr(p, '>');
        FUZZ_CHECK(end != NULL); /* the sanitizer never leaves a tag open */
        char *tag = fuzz_cstr((const uint8_t *)p, (size_t)(end - p));
        for (char *t = tag; *t; t++)
            *t = (char)tolower((unsigned char)*t);
        FUZZ_CHECK(strncmp(tag, "<script", 7) != 0 && strncmp(tag, "</script", 8) != 0);
        FUZZ_CHECK(strncmp(tag, "<style", 6) != 0 && strncmp(tag, "<iframe", 7) != 0);
        const char *a = tag + 1 + strcspn(tag + 1, " "); /* after the tag name */
        while (*a) {
            while (*a == ' ')
                a++;
            if (!*a || *a == '/')
                break;
            const char *name = a;
            size_t nlen = strcspn(a, "= ");
            a += nlen;
            if (*a != '=') {
                check_attr(name, nlen, "", 0);
                continue;
            }
            FUZZ_CHECK(a[1] == '"');
            const char *value = a + 2;
            const char *q = strchr(value, '"');
            FUZZ_CHECK(q != NULL);
            check_attr(name, nlen, value, (size_t)(q - value));
            a = q + 1;
        }
        free(tag);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wos_arena *a = wos_arena_new();
    FUZZ_CHECK(a != NULL);
    char *html = wos_markdown_html(a, (const char *)data, size);
    FUZZ_CHECK(html != NULL);
    check_html(html);
    char *clean = wos_markdown_sanitize(a, (const char *)data, size);
    FUZZ_CHECK(clean != NULL);
    check_html(clean);
    wos_arena_free(a);
    return 0;
}
