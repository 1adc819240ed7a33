/*
 * markdown.c: Markdown rendering (md4c-html) followed by a whitelist
 * sanitizer over the produced HTML.
 *
 * Why both: MD_FLAG_NOHTML already escapes every tag written in the source,
 * but md4c copies link and image destinations into href/src unchecked, so
 * `[x](javascript:alert(1))` or `![](data:text/html,...)` would survive. The
 * sanitizer walks the output tag by tag and rebuilds each one from a fixed
 * list of tags and attributes; attribute values are decoded, checked and
 * escaped again, so it holds even if md4c's output grammar ever changes.
 *
 * Invariants of the result: every '<' starts a whitelisted tag; no
 * attribute outside the per-tag list (so no on* handlers, no style); href
 * and src are http(s), mailto or relative; text between tags is md4c's
 * escaped text, copied as is.
 */
#include "core/markdown.h"
#include "core/common.h"

#include <ctype.h>
#include <md4c-html.h>
#include <string.h>
#include <strings.h>

#define MAX_ATTRS 8
#define MAX_NAME 16

struct attr {
    char name[MAX_NAME];
    const char *value; /* raw, still escaped; NULL for a bare attribute */
    size_t len;
};

struct tag {
    char name[MAX_NAME];
    int closing;
    struct attr attrs[MAX_ATTRS];
    int n_attrs;
};

static const char *const allowed_tags[] = {
    "a",   "blockquote", "br",    "code",  "del", "em",    "h1",    "h2", "h3",
    "h4",  "h5",         "h6",    "hr",    "img", "input", "li",    "ol", "p",
    "pre", "strong",     "table", "tbody", "td",  "th",    "thead", "tr", "ul",
};

static int tag_allowed(const char *name)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(allowed_tags); i++)
        if (strcmp(allowed_tags[i], name) == 0)
            return 1;
    return 0;
}

int wos_markdown_url_allowed(const char *url, size_t len)
{
    static const char *const schemes[] = {"http", "https", "mailto"};
    char scheme[16];
    size_t n = 0, i = 0;
    int overflow = 0;

    while (i < len && (unsigned char)url[i] <= 0x20)
        i++;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '/' || c == '?' || c == '#')
            return 1;
        if (c == ':') {
            if (overflow || n == 0)
                return 0;
            scheme[n] = '\0';
            for (size_t k = 0; k < WOS_ARRAY_LEN(schemes); k++)
                if (strcmp(scheme, schemes[k]) == 0)
                    return 1;
            return 0;
        }
        if (n + 1 < sizeof(scheme))
            scheme[n++] = (char)tolower(c);
        else
            overflow = 1;
    }
    return 1;
}

/* Appends the UTF-8 encoding of code point cp (invalid ones as U+FFFD). */
static void put_utf8(struct wos_buf *b, unsigned long cp)
{
    char s[4];
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        s[0] = (char)cp;
        wos_buf_append(b, s, 1);
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3F));
        wos_buf_append(b, s, 2);
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        wos_buf_append(b, s, 3);
    } else {
        s[0] = (char)(0xF0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        wos_buf_append(b, s, 4);
    }
}

/* Length of the numeric reference at p ("&#106;", "&#x6A;"), its value in *cp; 0 if none. */
static size_t numeric_entity(const char *p, size_t len, unsigned long *cp)
{
    size_t i = 2;
    int hex = 0;
    unsigned long v = 0;
    if (len < 4 || p[1] != '#')
        return 0;
    if (p[2] == 'x' || p[2] == 'X') {
        hex = 1;
        i = 3;
    }
    size_t start = i;
    for (; i < len && i < start + 8; i++) {
        unsigned char c = (unsigned char)p[i];
        if (hex && isxdigit(c))
            v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
        else if (!hex && isdigit(c))
            v = v * 10 + (unsigned long)(c - '0');
        else
            break;
    }
    if (i == start || i >= len || p[i] != ';')
        return 0;
    *cp = v;
    return i + 1;
}

/* Decodes the entities an HTML attribute value may hold into b. */
static void decode_value(struct wos_buf *b, const char *v, size_t len)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t i = 0;
    while (i < len) {
        if (v[i] != '&') {
            wos_buf_append(b, v + i, 1);
            i++;
            continue;
        }
        unsigned long cp;
        size_t used = numeric_entity(v + i, len - i, &cp);
        if (used) {
            put_utf8(b, cp);
            i += used;
            continue;
        }
        size_t k = 0;
        for (; k < WOS_ARRAY_LEN(named); k++) {
            size_t n = strlen(named[k].name);
            if (len - i >= n && strncasecmp(v + i, named[k].name, n) == 0) {
                wos_buf_append(b, &named[k].c, 1);
                i += n;
                break;
            }
        }
        if (k == WOS_ARRAY_LEN(named)) {
            wos_buf_append(b, "&", 1);
            i++;
        }
    }
}

static void escape_value(struct wos_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            wos_buf_puts(b, "&amp;");
            break;
        case '<':
            wos_buf_puts(b, "&lt;");
            break;
        case '>':
            wos_buf_puts(b, "&gt;");
            break;
        case '"':
            wos_buf_puts(b, "&quot;");
            break;
        case '\'':
            wos_buf_puts(b, "&#39;");
            break;
        default:
            wos_buf_append(b, s + i, 1);
        }
    }
}

static int all_match(const char *s, size_t len, const char *set)
{
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(set, s[i]))
            return 0;
    return 1;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int value_is(const char *s, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(s, want, len) == 0;
}

/*
 * Whether attribute `name` with decoded value (s, len) may stay on `tag`.
 * Boolean attributes (disabled, checked) arrive with s == NULL.
 */
static int attr_allowed(const char *tag, const char *name, const char *s, size_t len)
{
    if (strcmp(name, "title") == 0)
        return s && (strcmp(tag, "a") == 0 || strcmp(tag, "img") == 0);
    if (strcmp(tag, "a") == 0)
        return s && strcmp(name, "href") == 0 && wos_markdown_url_allowed(s, len);
    if (strcmp(tag, "img") == 0) {
        if (strcmp(name, "alt") == 0)
            return s != NULL;
        return s && strcmp(name, "src") == 0 && wos_markdown_url_allowed(s, len);
    }
    if (strcmp(tag, "ol") == 0)
        return s && strcmp(name, "start") == 0 && len > 0 && len < 10 && all_digits(s, len);
    if (strcmp(tag, "td") == 0 || strcmp(tag, "th") == 0)
        return s && strcmp(name, "align") == 0 &&
               (value_is(s, len, "left") || value_is(s, len, "center") ||
                value_is(s, len, "right"));
    if (strcmp(tag, "code") == 0)
        return s && strcmp(name, "class") == 0 && len > 9 && len < 64 &&
               strncmp(s, "language-", 9) == 0 && all_match(s, len, "-_+#.");
    if (strcmp(tag, "li") == 0)
        return s && strcmp(name, "class") == 0 && value_is(s, len, "task-list-item");
    if (strcmp(tag, "input") == 0) {
        if (strcmp(name, "disabled") == 0 || strcmp(name, "checked") == 0)
            return 1;
        if (strcmp(name, "type") == 0)
            return s && value_is(s, len, "checkbox");
        return s && strcmp(name, "class") == 0 && value_is(s, len, "task-list-item-checkbox");
    }
    return 0;
}

static size_t skip_space(const char *p, size_t i, size_t len)
{
    while (i < len && isspace((unsigned char)p[i]))
        i++;
    return i;
}

/* Reads a name of [A-Za-z0-9_:-] into out (lower case). Returns the index after it. */
static size_t read_name(const char *p, size_t i, size_t len, char out[MAX_NAME])
{
    size_t n = 0;
    int too_long = 0;
    while (i < len && (isalnum((unsigned char)p[i]) || strchr("_:-", p[i]))) {
        if (n + 1 < MAX_NAME)
            out[n++] = (char)tolower((unsigned char)p[i]);
        else
            too_long = 1;
        i++;
    }
    out[too_long ? 0 : n] = '\0';
    return i;
}

/*
 * Parses the tag starting at p[i] == '<'. Returns the index after its '>'
 * or 0 when it is not a well-formed tag.
 */
static size_t parse_tag(const char *p, size_t i, size_t len, struct tag *t)
{
    memset(t, 0, sizeof(*t));
    i++;
    if (i < len && p[i] == '/') {
        t->closing = 1;
        i++;
    }
    i = read_name(p, i, len, t->name);
    if (!t->name[0])
        return 0;
    for (;;) {
        i = skip_space(p, i, len);
        if (i >= len)
            return 0;
        if (p[i] == '>')
            return i + 1;
        if (p[i] == '/') {
            i++;
            continue;
        }
        struct attr a = {0};
        size_t after = read_name(p, i, len, a.name);
        if (after == i)
            return 0;
        i = skip_space(p, after, len);
        if (i < len && p[i] == '=') {
            i = skip_space(p, i + 1, len);
            if (i >= len)
                return 0;
            char q = p[i];
            if (q == '"' || q == '\'') {
                const char *end = memchr(p + i + 1, q, len - i - 1);
                if (!end)
                    return 0;
                a.value = p + i + 1;
                a.len = (size_t)(end - a.value);
                i = (size_t)(end - p) + 1;
            } else {
                size_t start = i;
                while (i < len && !isspace((unsigned char)p[i]) && p[i] != '>')
                    i++;
                a.value = p + start;
                a.len = i - start;
            }
        }
        if (t->n_attrs < MAX_ATTRS && a.name[0])
            t->attrs[t->n_attrs++] = a;
    }
}

static void emit_tag(struct wos_buf *out, struct wos_arena *arena, const struct tag *t)
{
    if (!tag_allowed(t->name))
        return;
    if (t->closing) {
        wos_buf_printf(out, "</%s>", t->name);
        return;
    }
    if (strcmp(t->name, "input") == 0) {
        int checkbox = 0;
        for (int k = 0; k < t->n_attrs; k++)
            checkbox |= strcmp(t->attrs[k].name, "type") == 0 && t->attrs[k].value &&
                        value_is(t->attrs[k].value, t->attrs[k].len, "checkbox");
        if (!checkbox)
            return;
    }
    wos_buf_printf(out, "<%s", t->name);
    for (int k = 0; k < t->n_attrs; k++) {
        const struct attr *a = &t->attrs[k];
        struct wos_buf v;
        wos_buf_init(&v, arena, a->len + 1);
        if (a->value)
            decode_value(&v, a->value, a->len);
        const char *dv = a->value ? wos_buf_cstr(&v) : NULL;
        if (!attr_allowed(t->name, a->name, dv, a->value ? v.len : 0))
            continue;
        wos_buf_printf(out, " %s", a->name);
        if (dv) {
            wos_buf_puts(out, "=\"");
            escape_value(out, dv, v.len);
            wos_buf_puts(out, "\"");
        }
    }
    wos_buf_puts(out, ">");
}

char *wos_markdown_sanitize(struct wos_arena *a, const char *html, size_t len)
{
    /* The result is a C string: a NUL would cut it inside a tag, so input ends at the first one. */
    len = strnlen(html, len);
    struct wos_buf out;
    wos_buf_init(&out, a, len + 64);
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(html + i, '<', len - i);
        size_t text_end = lt ? (size_t)(lt - html) : len;
        wos_buf_append(&out, html + i, text_end - i);
        i = text_end;
        if (i >= len)
            break;
        struct tag t;
        size_t next = parse_tag(html, i, len, &t);
        if (!next) {
            wos_buf_puts(&out, "&lt;");
            i++;
            continue;
        }
        emit_tag(&out, a, &t);
        i = next;
    }
    if (out.failed)
        return NULL;
    return (char *)wos_buf_cstr(&out);
}

static void collect(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    wos_buf_append(userdata, text, size);
}

char *wos_markdown_html(struct wos_arena *a, const char *md, size_t len)
{
    /*
     * md4c 0.4.8 can read a byte past the end of its input (found by
     * fuzz/fuzz_markdown.c): it gets a copy with zeroed slack after it.
     */
    char *copy = wos_arena_alloc(a, len + 16);
    if (!copy)
        return NULL;
    if (len)
        memcpy(copy, md, len);
    struct wos_buf raw;
    wos_buf_init(&raw, a, len * 2 + 64);
    if (md_html(copy, (MD_SIZE)len, collect, &raw, MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
                MD_HTML_FLAG_SKIP_UTF8_BOM) != 0 ||
        raw.failed)
        return NULL;
    return wos_markdown_sanitize(a, raw.data ? raw.data : "", raw.len);
}
