/* Markdown rendering and its sanitizer: what users write must never become script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/markdown.h"

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

static const char *render(const char *md)
{
    const char *html = wos_markdown_html(arena, md, strlen(md));
    assert_non_null(html);
    return html;
}

static void expect_html(const char *md, const char *want)
{
    const char *got = render(md);
    if (strcmp(got, want) != 0)
        fail_msg("for %s\n got  %s\n want %s", md, got, want);
}

/*
 * Nothing in the output may execute: every tag is one md4c produces, and no tag carries a
 * handler attribute or a script, data, vbscript or file URL.
 */
static void expect_inert(const char *md)
{
    static const char *const names[] = {
        "a",   "blockquote", "br",    "code",  "del", "em",    "h1",    "h2", "h3",
        "h4",  "h5",         "h6",    "hr",    "img", "input", "li",    "ol", "p",
        "pre", "strong",     "table", "tbody", "td",  "th",    "thead", "tr", "ul"};
    static const char *const bad[] = {" on", "script", "data:", "file:"};
    const char *got = render(md);
    for (const char *lt = strchr(got, '<'); lt; lt = strchr(lt + 1, '<')) {
        const char *gt = strchr(lt, '>');
        char seg[1024], name[16];
        size_t n = gt ? (size_t)(gt - lt) : 0, k = 0;
        if (!gt || n >= sizeof(seg))
            fail_msg("unterminated or huge tag in %s (from %s)", got, md);
        for (size_t i = 0; i < n; i++)
            seg[i] = (char)(lt[i] >= 'A' && lt[i] <= 'Z' ? lt[i] + 32 : lt[i]);
        seg[n] = '\0';
        for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++)
            if (strstr(seg, bad[i]))
                fail_msg("found \"%s\" in tag %s> of %s (from %s)", bad[i], seg, got, md);
        /* attribute names only: blank out the (escaped, harmless) quoted values */
        char names_only[1024];
        int quoted = 0;
        for (size_t i = 0; i <= n; i++) {
            if (seg[i] == '"')
                quoted = !quoted;
            names_only[i] = quoted && seg[i] != '"' ? 'x' : seg[i];
        }
        if (strstr(names_only, bad[0]))
            fail_msg("handler attribute in tag %s> of %s (from %s)", seg, got, md);
        for (const char *p = seg + 1 + (seg[1] == '/');
             ((*p >= 'a' && *p <= 'z') || (k && *p >= '1' && *p <= '6')) && k < 15; p++)
            name[k++] = *p;
        name[k] = '\0';
        int known = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            known |= strcmp(names[i], name) == 0;
        if (!known)
            fail_msg("unexpected tag %s> in %s (from %s)", seg, got, md);
    }
}

static void renders_common_markdown(void **state)
{
    (void)state;
    expect_html("# Title\n\nSome *em* and **strong** text.",
                "<h1>Title</h1>\n<p>Some <em>em</em> and <strong>strong</strong> text.</p>\n");
    expect_html("- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
    expect_html("3. three\n4. four\n", "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n");
    expect_html("~~gone~~", "<p><del>gone</del></p>\n");
    expect_html("```c\nint x;\n```\n", "<pre><code class=\"language-c\">int x;\n</code></pre>\n");
    expect_html("| a | b |\n|:--|--:|\n| 1 | 2 |\n",
                "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n"
                "</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n"
                "<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n");
    expect_html("- [x] done\n",
                "<ul>\n<li class=\"task-list-item\"><input type=\"checkbox\" "
                "class=\"task-list-item-checkbox\" disabled checked>done</li>\n</ul>\n");
}

static void keeps_safe_links_and_images(void **state)
{
    (void)state;
    expect_html("[site](https://example.com/a?b=1&c=2 \"T\")",
                "<p><a href=\"https://example.com/a?b=1&amp;c=2\" title=\"T\">site</a></p>\n");
    expect_html("[mail](mailto:hr@example.com)",
                "<p><a href=\"mailto:hr@example.com\">mail</a></p>\n");
    expect_html("[rel](/leaves?id=1#top)", "<p><a href=\"/leaves?id=1#top\">rel</a></p>\n");
    expect_html("![logo](http://example.com/l.png)",
                "<p><img src=\"http://example.com/l.png\" alt=\"logo\"></p>\n");
    expect_html("see www.example.com now",
                "<p>see <a href=\"http://www.example.com\">www.example.com</a> now</p>\n");
}

static void escapes_raw_html(void **state)
{
    (void)state;
    expect_html("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
    expect_html("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n");
    expect_html("a <b onmouseover=\"x()\">b</b>",
                "<p>a &lt;b onmouseover=&quot;x()&quot;&gt;b&lt;/b&gt;</p>\n");
    expect_inert("<div>\n<script>alert(1)</script>\n</div>\n");
    expect_inert("<svg/onload=alert(1)>");
    expect_inert("<iframe src=\"javascript:alert(1)\"></iframe>");
    expect_inert("<style>body{display:none}</style>");
    expect_inert("<<script>script>alert(1)<</script>/script>");
}

static void removes_dangerous_urls(void **state)
{
    (void)state;
    expect_html("[x](javascript:alert(1))", "<p><a>x</a></p>\n");
    expect_html("[x](JaVaScRiPt:alert(1))", "<p><a>x</a></p>\n");
    expect_html("[x](vbscript:msgbox)", "<p><a>x</a></p>\n");
    expect_html("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p><a>x</a></p>\n");
    expect_html("![x](data:image/svg+xml,<svg onload=alert(1)>)",
                "<p>![x](data:image/svg+xml,&lt;svg onload=alert(1)&gt;)</p>\n");
    expect_html("![x](data:image/png;base64,AAAA)", "<p><img alt=\"x\"></p>\n");
    expect_html("<javascript:alert(1)>", "<p><a>javascript:alert(1)</a></p>\n");
    expect_inert("[x](&#106;avascript:alert(1))");
    expect_inert("[x](&#x6A;&#x61;vascript&#58;alert(1))");
    expect_inert("[x](java&#x09;script:alert(1))");
    expect_inert("[x]( javascript:alert(1))");
    expect_inert("[x](<javascript:alert(1)>)");
    expect_inert("[x][r]\n\n[r]: javascript:alert(1)\n");
    expect_inert("[x](file:///etc/passwd)");
    expect_inert("[**[nested](javascript:alert(1))**](https://ok.example)");
    expect_inert("![a](x \"t\\\" onerror=\\\"alert(1)\")");
}

static void url_rule(void **state)
{
    (void)state;
    struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://a.example", 1},
        {"HTTP://A.EXAMPLE", 1},
        {"mailto:x@y.z", 1},
        {"/relative/path", 1},
        {"page.html", 1},
        {"#anchor", 1},
        {"?q=1", 1},
        {"", 1},
        {"//cdn.example/x", 1},
        {"javascript:alert(1)", 0},
        {" \x01javascript:x", 0},
        {"java\tscript:x", 0},
        {"java\nscript:x", 0},
        {"data:text/html,x", 0},
        {"vbscript:x", 0},
        {"ftp://x", 0},
        {":x", 0},
        {"a-very-long-scheme-name:x", 0},
        {"jav%61script:x", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (wos_markdown_url_allowed(cases[i].url, strlen(cases[i].url)) != cases[i].ok)
            fail_msg("url %s: expected %d", cases[i].url, cases[i].ok);
}

static void sanitizer_rebuilds_foreign_html(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"<p onclick=\"x()\">a</p>", "<p>a</p>"},
        {"<script>alert(1)</script>", "alert(1)"},
        {"<a href=\"&#106;avascript:alert(1)\">x</a>", "<a>x</a>"},
        {"<a href='https://ok.example' onmouseover='x()'>x</a>",
         "<a href=\"https://ok.example\">x</a>"},
        {"<img src=javascript:alert(1) alt=a>", "<img alt=\"a\">"},
        {"<img src=\"x\" alt=\"&quot; onerror=&quot;alert(1)\">",
         "<img src=\"x\" alt=\"&quot; onerror=&quot;alert(1)\">"},
        {"<input type=\"text\" value=\"x\">", ""},
        {"<code class=\"language-c\" style=\"x\">", "<code class=\"language-c\">"},
        {"<code class=\"x language-c\">", "<code>"},
        {"a < b", "a &lt; b"},
        {"<a href=\"x", "&lt;a href=\"x"},
        {"<td align=\"left;color:red\">", "<td>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = wos_markdown_sanitize(arena, cases[i].in, strlen(cases[i].in));
        assert_non_null(got);
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("for %s\n got  %s\n want %s", cases[i].in, got, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renders_common_markdown),
        cmocka_unit_test(keeps_safe_links_and_images),
        cmocka_unit_test(escapes_raw_html),
        cmocka_unit_test(removes_dangerous_urls),
        cmocka_unit_test(url_rule),
        cmocka_unit_test(sanitizer_rebuilds_foreign_html),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
