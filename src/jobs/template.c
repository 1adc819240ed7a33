/*
 * template.c: loading and rendering e-mail templates (syntax in template.h).
 *
 * The loaded set is process-wide and read-only after wos_template_init(),
 * which the worker calls before starting threads. The embedded table is
 * declared weak: the binary links (and falls back to a directory) when the
 * build did not generate it.
 */
#include "jobs/template.h"
#include "core/common.h"
#include "core/log.h"
#include "jobs/jobs_int.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 128
#define MAX_FILE_BYTES (256 * 1024)
#define MAX_DEPTH 8

extern const struct wos_template_file wos_email_templates_embedded[] __attribute__((weak));
extern const unsigned long wos_email_templates_embedded_count __attribute__((weak));

static struct wos_template_file loaded[MAX_FILES];
static size_t n_loaded;
static char source[1100];

/* ---- variables ---- */

int wos_tvars_set(struct wos_arena *a, struct wos_tvars *v, const char *name, const char *value)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->names[i], name) == 0) {
            v->values[i] = value;
            return WOS_OK;
        }
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        const char **names = wos_arena_alloc(a, cap * sizeof(*names));
        const char **values = wos_arena_alloc(a, cap * sizeof(*values));
        if (!names || !values)
            return WOS_ERROR;
        if (v->n) {
            memcpy(names, v->names, v->n * sizeof(*names));
            memcpy(values, v->values, v->n * sizeof(*values));
        }
        v->names = names;
        v->values = values;
        v->cap = cap;
    }
    v->names[v->n] = name;
    v->values[v->n++] = value;
    return WOS_OK;
}

const char *wos_tvars_get(const struct wos_tvars *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return v->values[i];
    return NULL;
}

/* ---- rendering ---- */

void wos_html_escape(struct wos_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
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
            wos_buf_append(b, s, 1);
        }
    }
}

/* One {{...}} tag: its kind ('v' value, 'r' raw, '#', '^', '/'), name and extent. */
struct tag {
    char kind;
    char name[64];
    const char *start, *end; /* end: first byte after the tag */
};

struct render {
    struct wos_buf *out;
    const struct wos_tvars *vars;
    bool html;
    char *err;
    size_t err_len;
};

static int fail(struct render *r, const char *fmt, const char *name)
{
    snprintf(r->err, r->err_len, fmt, name);
    return WOS_ERROR;
}

/* Parses the tag at p (which starts with "{{"). WOS_ERROR on malformed syntax. */
static int parse_tag(struct render *r, const char *p, struct tag *t)
{
    bool triple = strncmp(p, "{{{", 3) == 0;
    const char *q = p + (triple ? 3 : 2);
    const char *close = strstr(q, triple ? "}}}" : "}}");
    if (!close)
        return fail(r, "template: unclosed tag%s", "");
    t->kind = triple ? 'r' : 'v';
    if (!triple && (*q == '#' || *q == '^' || *q == '/'))
        t->kind = *q++;
    while (q < close && *q == ' ')
        q++;
    size_t n = 0;
    while (q < close && *q != ' ') {
        char c = *q++;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') ||
            n + 1 >= sizeof(t->name))
            return fail(r, "template: bad variable name in tag%s", "");
        t->name[n++] = c;
    }
    t->name[n] = '\0';
    while (q < close && *q == ' ')
        q++;
    if (n == 0 || q != close)
        return fail(r, "template: bad tag%s", "");
    t->start = p;
    t->end = close + (triple ? 3 : 2);
    return WOS_OK;
}

/* Finds the {{/name}} that closes the section opened just before p. */
static int find_close(struct render *r, const char *p, const char *end, const char *name,
                      struct tag *closing)
{
    int depth = 0;
    while ((p = strstr(p, "{{")) && p < end) {
        struct tag t;
        if (parse_tag(r, p, &t) != WOS_OK)
            return WOS_ERROR;
        if ((t.kind == '#' || t.kind == '^') && strcmp(t.name, name) == 0)
            depth++;
        if (t.kind == '/' && strcmp(t.name, name) == 0 && depth-- == 0) {
            *closing = t;
            return WOS_OK;
        }
        p = t.end;
    }
    return fail(r, "template: section \"%s\" is not closed", name);
}

static int render_range(struct render *r, const char *p, const char *end, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(r, "template: sections nested too deeply%s", "");
    while (p < end) {
        const char *open = strstr(p, "{{");
        if (!open || open >= end) {
            wos_buf_append(r->out, p, (size_t)(end - p));
            return WOS_OK;
        }
        wos_buf_append(r->out, p, (size_t)(open - p));
        struct tag t;
        if (parse_tag(r, open, &t) != WOS_OK)
            return WOS_ERROR;
        const char *value = wos_tvars_get(r->vars, t.name);
        if (t.kind == '/')
            return fail(r, "template: unexpected {{/%s}}", t.name);
        if (t.kind == '#' || t.kind == '^') {
            struct tag closing;
            if (find_close(r, t.end, end, t.name, &closing) != WOS_OK)
                return WOS_ERROR;
            bool set = value && *value;
            if (set == (t.kind == '#') &&
                render_range(r, t.end, closing.start, depth + 1) != WOS_OK)
                return WOS_ERROR;
            p = closing.end;
            continue;
        }
        if (!value)
            return fail(r, "template: missing variable \"%s\"", t.name);
        if (t.kind == 'v' && r->html)
            wos_html_escape(r->out, value);
        else
            wos_buf_puts(r->out, value);
        p = t.end;
    }
    return WOS_OK;
}

char *wos_template_render(struct wos_arena *a, const char *tmpl, const struct wos_tvars *vars,
                          bool html, char *err, size_t err_len)
{
    struct wos_buf out;
    wos_buf_init(&out, a, strlen(tmpl) + 256);
    struct render r = {.out = &out, .vars = vars, .html = html, .err = err, .err_len = err_len};
    if (render_range(&r, tmpl, tmpl + strlen(tmpl), 0) != WOS_OK)
        return NULL;
    const char *s = wos_buf_cstr(&out);
    if (!s)
        snprintf(err, err_len, "template: out of memory");
    return (char *)s;
}

/* ---- loading ---- */

static int load_file(const char *dir, const char *name)
{
    char path[1400];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return WOS_ERROR;
    char *text = malloc(MAX_FILE_BYTES + 1);
    size_t len = text ? fread(text, 1, MAX_FILE_BYTES + 1, f) : 0;
    fclose(f);
    if (!text || len > MAX_FILE_BYTES || memchr(text, '\0', len)) {
        wos_log(NULL, WOS_LOG_ERROR, "mail: template %s is too large or not text", path);
        free(text);
        return WOS_ERROR;
    }
    text[len] = '\0';
    loaded[n_loaded++] = (struct wos_template_file){.name = strdup(name), .text = text, .len = len};
    return loaded[n_loaded - 1].name ? WOS_OK : WOS_ERROR;
}

static int load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        wos_log(NULL, WOS_LOG_ERROR, "mail: cannot open the templates directory %s", dir);
        return WOS_ERROR;
    }
    int rc = WOS_OK;
    struct dirent *e;
    while (rc == WOS_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n_loaded == MAX_FILES) {
            wos_log(NULL, WOS_LOG_ERROR, "mail: more than %d files in %s", MAX_FILES, dir);
            rc = WOS_ERROR;
        } else {
            rc = load_file(dir, e->d_name);
        }
    }
    closedir(d);
    snprintf(source, sizeof(source), "%s", dir);
    return rc;
}

/* <directory of the running binary>/../templates/email, for a development tree. */
static int tree_dir(char *out, size_t n)
{
    char exe[1024];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return WOS_ERROR;
    exe[len] = '\0';
    snprintf(out, n, "%s/../templates/email", dirname(exe));
    struct stat st;
    return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? WOS_OK : WOS_ERROR;
}

static int choose_source(void)
{
    const char *dir = wos_jobs_settings()->templates_dir;
    if (*dir)
        return load_dir(dir);
    if (&wos_email_templates_embedded_count && wos_email_templates_embedded_count > 0) {
        snprintf(source, sizeof(source), "embedded");
        return WOS_OK;
    }
    char tree[1100];
    if (tree_dir(tree, sizeof(tree)) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR,
                "mail: no e-mail templates: none embedded in this binary and WOS_TEMPLATES_DIR "
                "is not set");
        return WOS_ERROR;
    }
    return load_dir(tree);
}

const char *wos_template_get(const char *name)
{
    if (strcmp(source, "embedded") == 0) {
        for (unsigned long i = 0; i < wos_email_templates_embedded_count; i++)
            if (strcmp(wos_email_templates_embedded[i].name, name) == 0)
                return wos_email_templates_embedded[i].text;
        return NULL;
    }
    for (size_t i = 0; i < n_loaded; i++)
        if (strcmp(loaded[i].name, name) == 0)
            return loaded[i].text;
    return NULL;
}

const char *wos_template_source(void)
{
    return source;
}

int wos_template_init(const char *const *required, size_t n_required)
{
    if (source[0])
        return WOS_OK;
    if (choose_source() != WOS_OK)
        return WOS_ERROR;
    for (size_t i = 0; i < n_required; i++) {
        if (!wos_template_get(required[i])) {
            wos_log(NULL, WOS_LOG_ERROR, "mail: template %s is missing from %s", required[i],
                    source);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}
