/*
 * migrate_sql.c: the migration files as text. Loads the embedded set or a
 * directory of NNNN_slug.up.sql / .down.sql files, reads their header
 * comments (message, wos:no-transaction, wos:allow), checksums the up file
 * (sha256 of its bytes, the value recorded in schema_migrations), and cuts
 * scripts into statements with a small lexer that knows PostgreSQL's quoting:
 * '...' (doubled quotes), E'...' (backslash escapes), "identifiers",
 * $tag$ dollar quotes $tag$, -- and nested block comments, and the
 * BEGIN ATOMIC ... END bodies of SQL-standard functions.
 *
 * Invariants: a loaded set is sorted by number, numbers are unique, every
 * revision is well formed and every down script has its up script.
 */
#include "core/arena.h"
#include "core/common.h"
#include "db/migrate_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SCRIPT_BYTES (64u * 1024u * 1024u)

/* ---- lexer ---- */

static bool ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Skips blanks and comments from i; sets *unterminated for a block comment left open. */
static size_t skip_space(const char *s, size_t len, size_t i, bool *unterminated)
{
    for (;;) {
        while (i < len && is_blank((unsigned char)s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
            int depth = 1;
            i += 2;
            while (i < len && depth > 0) {
                if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else {
                    i++;
                }
            }
            if (depth > 0)
                *unterminated = true;
        } else {
            return i;
        }
    }
}

/* End of a quoted run starting after its opening quote q at i; doubled quotes stay inside. */
static size_t scan_quoted(const char *s, size_t len, size_t i, char q, bool backslash, bool *open)
{
    while (i < len) {
        if (backslash && s[i] == '\\') {
            i += 2;
            continue;
        }
        if (s[i] == q) {
            if (i + 1 < len && s[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    *open = true;
    return len;
}

/* Length of a dollar-quote tag ("$", "$tag$") starting at s[i] == '$', or 0 when there is none. */
static size_t dollar_tag_len(const char *s, size_t len, size_t i)
{
    size_t j = i + 1;
    if (j < len && s[j] == '$')
        return 2;
    if (j >= len || !ident_start((unsigned char)s[j]))
        return 0;
    while (j < len && ident_char((unsigned char)s[j]) && s[j] != '$')
        j++;
    return (j < len && s[j] == '$') ? j - i + 1 : 0;
}

enum wos_sql_tok_kind wos_migrate_lex(const char *s, size_t len, size_t *pos, struct wos_sql_tok *t)
{
    bool open = false;
    size_t i = skip_space(s, len, *pos, &open);
    size_t start = i;

    memset(t, 0, sizeof(*t));
    t->unterminated = open;
    t->p = s + i;
    if (i >= len) {
        t->kind = WOS_TOK_END;
        *pos = len;
        return t->kind;
    }
    unsigned char c = (unsigned char)s[i];
    size_t tag;
    if (c == '\'') {
        t->kind = WOS_TOK_STRING;
        i = scan_quoted(s, len, i + 1, '\'', false, &t->unterminated);
    } else if ((c == 'E' || c == 'e') && i + 1 < len && s[i + 1] == '\'') {
        t->kind = WOS_TOK_STRING;
        i = scan_quoted(s, len, i + 2, '\'', true, &t->unterminated);
    } else if (c == '"') {
        t->kind = WOS_TOK_QIDENT;
        i = scan_quoted(s, len, i + 1, '"', false, &t->unterminated);
    } else if (c == '$' && (tag = dollar_tag_len(s, len, i)) > 0) {
        t->kind = WOS_TOK_STRING;
        const char *close = memmem(s + i + tag, len - i - tag, s + i, tag);
        if (close) {
            i = (size_t)(close - s) + tag;
        } else {
            t->unterminated = true;
            i = len;
        }
    } else if (ident_char(c) && c != '$') {
        t->kind = WOS_TOK_WORD;
        while (i < len && ident_char((unsigned char)s[i]))
            i++;
    } else {
        t->kind = WOS_TOK_PUNCT;
        i++;
    }
    t->len = i - start;
    *pos = i;
    return t->kind;
}

bool wos_migrate_tok_is(const struct wos_sql_tok *t, const char *w)
{
    return t->kind == WOS_TOK_WORD && strlen(w) == t->len && strncasecmp(t->p, w, t->len) == 0;
}

/* ---- splitter ---- */

struct splitter {
    struct wos_arena *arena;
    const char *sql;
    struct wos_sql_stmt *items;
    size_t n, cap;
    int line; /* line number at line_pos */
    const char *line_pos;
};

static int line_of(struct splitter *sp, const char *p)
{
    for (; sp->line_pos < p; sp->line_pos++)
        if (*sp->line_pos == '\n')
            sp->line++;
    return sp->line;
}

static int emit(struct splitter *sp, const char *start, const char *end, bool terminated)
{
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        struct wos_sql_stmt *items = wos_arena_alloc(sp->arena, cap * sizeof(*items));
        if (!items)
            return WOS_ERROR;
        if (sp->n)
            memcpy(items, sp->items, sp->n * sizeof(*items));
        sp->items = items;
        sp->cap = cap;
    }
    struct wos_sql_stmt *st = &sp->items[sp->n++];
    st->text = start;
    st->len = (size_t)(end - start);
    st->line = line_of(sp, start);
    st->terminated = terminated;
    return WOS_OK;
}

/* Whether the first words open a routine whose body may be BEGIN ATOMIC ... END. */
static bool opens_routine(struct wos_sql_tok *w, int nw)
{
    if (nw < 2 || !wos_migrate_tok_is(&w[0], "create"))
        return false;
    int k = 1;
    if (nw >= 4 && wos_migrate_tok_is(&w[1], "or") && wos_migrate_tok_is(&w[2], "replace"))
        k = 3;
    return k < nw &&
           (wos_migrate_tok_is(&w[k], "function") || wos_migrate_tok_is(&w[k], "procedure"));
}

int wos_migrate_split(struct wos_arena *a, const char *sql, size_t len, struct wos_sql_stmt **out,
                      size_t *n)
{
    struct splitter sp = {.arena = a, .sql = sql, .line = 1, .line_pos = sql};
    struct wos_sql_tok t, words[4];
    const char *start = NULL, *end = NULL;
    int nwords = 0, depth = 0;
    bool routine = false;
    size_t pos = 0;

    for (;;) {
        enum wos_sql_tok_kind k = wos_migrate_lex(sql, len, &pos, &t);
        if (k == WOS_TOK_END) {
            if (start && emit(&sp, start, end, false) != WOS_OK)
                return WOS_ERROR;
            break;
        }
        if (k == WOS_TOK_PUNCT && *t.p == ';' && depth == 0) {
            if (start && emit(&sp, start, end, true) != WOS_OK)
                return WOS_ERROR;
            start = NULL;
            nwords = 0;
            routine = false;
            continue;
        }
        if (!start)
            start = t.p;
        end = t.p + t.len;
        if (k != WOS_TOK_WORD)
            continue;
        if (nwords < 4) {
            words[nwords++] = t;
            routine = opens_routine(words, nwords);
        }
        if (!routine)
            continue;
        if (wos_migrate_tok_is(&t, "begin") || wos_migrate_tok_is(&t, "case"))
            depth++;
        else if (wos_migrate_tok_is(&t, "end") && depth > 0)
            depth--;
    }
    *out = sp.items;
    *n = sp.n;
    return WOS_OK;
}

/* ---- loading ---- */

bool wos_migrate_revision_valid(const char *rev)
{
    size_t len = strlen(rev);
    if (len < 6 || len > WOS_MIGRATE_REVISION_MAX)
        return false;
    for (int i = 0; i < 4; i++)
        if (rev[i] < '0' || rev[i] > '9')
            return false;
    if (rev[4] != '_' || rev[5] == '_')
        return false;
    for (size_t i = 5; i < len; i++) {
        char c = rev[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

struct wos_mig *wos_migrate_find(const struct wos_mig_set *set, const char *revision)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].revision, revision) == 0)
            return &set->items[i];
    return NULL;
}

/* Trimmed copy of s[0..n). */
static char *trimmed(struct wos_arena *a, const char *s, size_t n)
{
    while (n && is_blank((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    return wos_arena_strndup(a, s, n);
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && strncasecmp(s, prefix, k) == 0;
}

/*
 * Reads the header: the leading run of blank and "--" comment lines. Unknown
 * comment lines are ordinary comments. WOS_ERROR only when memory ran out.
 */
static int parse_header(struct wos_arena *a, const char *s, size_t len, const char **message,
                        bool *no_tx, const char **allow)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - s) : len;
        const char *line = s + i;
        size_t n = end - i;
        while (n && is_blank((unsigned char)*line)) {
            line++;
            n--;
        }
        while (n && is_blank((unsigned char)line[n - 1]))
            n--;
        i = end + 1;
        if (n == 0)
            continue;
        if (n < 2 || line[0] != '-' || line[1] != '-')
            break;
        line += 2;
        n -= 2;
        while (n && is_blank((unsigned char)*line)) {
            line++;
            n--;
        }
        if (message && !*message && starts_with(line, n, "message:")) {
            if (!(*message = trimmed(a, line + 8, n - 8)))
                return WOS_ERROR;
        } else if (n == strlen("wos:no-transaction") &&
                   starts_with(line, n, "wos:no-transaction")) {
            *no_tx = true;
        } else if (allow && starts_with(line, n, "wos:allow")) {
            const char *prev = *allow && **allow ? *allow : NULL;
            char *add = trimmed(a, line + 9, n - 9);
            *allow = prev && add ? wos_arena_printf(a, "%s,%s", prev, add) : add;
            if (!*allow)
                return WOS_ERROR;
        }
    }
    return WOS_OK;
}

static void sha256_hex(const char *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        memset(hex, '0', 64);
        hex[64] = '\0';
        return;
    }
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

/* Fills m from the texts; labels name the files in messages. */
static int mig_init(struct wos_arena *a, struct wos_mig *m, const char *revision, const char *up,
                    size_t up_len, const char *down, size_t down_len, const char *up_file,
                    const char *down_file)
{
    m->revision = revision;
    m->number = atoi(revision);
    m->up_sql = up;
    m->up_len = up_len;
    m->down_sql = down;
    m->down_len = down_len;
    m->up_file = up_file;
    m->down_file = down_file;
    m->message = NULL;
    m->allow = "";
    if (parse_header(a, up, up_len, &m->message, &m->up_no_tx, &m->allow) != WOS_OK)
        return WOS_ERROR;
    if (!m->message)
        m->message = "";
    if (down && parse_header(a, down, down_len, NULL, &m->down_no_tx, NULL) != WOS_OK)
        return WOS_ERROR;
    sha256_hex(up, up_len, m->checksum);
    return WOS_OK;
}

static int by_number(const void *x, const void *y)
{
    const struct wos_mig *a = x, *b = y;
    return (a->number > b->number) - (a->number < b->number);
}

/* Sorts the set and refuses two migrations with one number. */
static int finish_set(struct wos_arena *a, struct wos_mig_set *set, const char **err)
{
    if (set->count > 1)
        qsort(set->items, set->count, sizeof(*set->items), by_number);
    for (size_t i = 1; i < set->count; i++) {
        if (set->items[i].number == set->items[i - 1].number) {
            *err = wos_arena_printf(a, "%s: migrations %s and %s share the number %04d",
                                    set->origin, set->items[i - 1].revision, set->items[i].revision,
                                    set->items[i].number);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

int wos_migrate_load_embedded(struct wos_arena *a, struct wos_mig_set *set, const char **err)
{
    size_t n = wos_embedded_migrations_count;

    set->origin = "embedded migrations";
    set->count = 0;
    set->items = wos_arena_alloc(a, (n ? n : 1) * sizeof(*set->items));
    if (!set->items)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct wos_migration_file *f = &wos_embedded_migrations[i];
        if (!f->revision || !wos_migrate_revision_valid(f->revision) || !f->up_sql) {
            *err = wos_arena_printf(a, "embedded migration #%zu has a malformed revision id", i);
            return WOS_ERROR;
        }
        const char *up_file = wos_arena_printf(a, "migrations/%s.up.sql", f->revision);
        const char *down_file = wos_arena_printf(a, "migrations/%s.down.sql", f->revision);
        if (!up_file || !down_file)
            goto oom;
        if (mig_init(a, &set->items[set->count++], f->revision, f->up_sql, strlen(f->up_sql),
                     f->down_sql, f->down_sql ? strlen(f->down_sql) : 0, up_file,
                     down_file) != WOS_OK)
            goto oom;
    }
    return finish_set(a, set, err);
oom:
    *err = "out of memory";
    return WOS_ERROR;
}

/* Reads a whole file into the arena (NUL-terminated). WOS_ERROR with *err on failure. */
static int read_file(struct wos_arena *a, const char *path, char **out, size_t *len,
                     const char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        *err = wos_arena_printf(a, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return WOS_ERROR;
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_SCRIPT_BYTES) {
        *err = wos_arena_printf(a, "cannot read %s: not a regular file of at most 64 MiB", path);
        close(fd);
        return WOS_ERROR;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = wos_arena_alloc(a, size + 1);
    while (buf && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != size) {
        *err =
            wos_arena_printf(a, "cannot read %s: %s", path, buf ? "short read" : "out of memory");
        return WOS_ERROR;
    }
    buf[size] = '\0';
    if (memchr(buf, '\0', size)) {
        *err = wos_arena_printf(a, "%s contains a NUL byte", path);
        return WOS_ERROR;
    }
    *out = buf;
    *len = size;
    return WOS_OK;
}

struct dir_entry {
    char *revision;
    bool up;
};

static int by_revision_then_up(const void *x, const void *y)
{
    const struct dir_entry *a = x, *b = y;
    int c = strcmp(a->revision, b->revision);
    return c ? c : (int)b->up - (int)a->up;
}

/* Classifies one directory entry: 1 = migration file, 0 = ignored, -1 = malformed. */
static int classify(struct wos_arena *a, const char *name, struct dir_entry *e)
{
    size_t len = strlen(name);
    if (len < 4 || strcmp(name + len - 4, ".sql") != 0)
        return 0;
    size_t stem;
    if (len > 7 && strcmp(name + len - 7, ".up.sql") == 0) {
        stem = len - 7;
        e->up = true;
    } else if (len > 9 && strcmp(name + len - 9, ".down.sql") == 0) {
        stem = len - 9;
        e->up = false;
    } else {
        return -1;
    }
    e->revision = wos_arena_strndup(a, name, stem);
    if (!e->revision || !wos_migrate_revision_valid(e->revision))
        return -1;
    return 1;
}

/* Lists the migration files of dir into *out (sorted, up before down). */
static int list_dir(struct wos_arena *a, const char *dir, struct dir_entry **out, size_t *n,
                    const char **err)
{
    DIR *d = opendir(dir);
    size_t cap = 32, count = 0;
    struct dir_entry *v = wos_arena_alloc(a, cap * sizeof(*v));
    struct dirent *de;

    if (!d) {
        *err = wos_arena_printf(a, "cannot open migrations directory %s: %s", dir, strerror(errno));
        return WOS_ERROR;
    }
    while (v && (de = readdir(d)) != NULL) {
        struct dir_entry e;
        int c = classify(a, de->d_name, &e);
        if (c < 0) {
            *err = wos_arena_printf(a,
                                    "%s/%s: not a migration file name (expected "
                                    "NNNN_slug.up.sql or NNNN_slug.down.sql, slug in [a-z0-9_], "
                                    "at most %d characters before .up.sql)",
                                    dir, de->d_name, WOS_MIGRATE_REVISION_MAX);
            closedir(d);
            return WOS_ERROR;
        }
        if (c == 0)
            continue;
        if (count == cap) {
            struct dir_entry *nv = wos_arena_alloc(a, 2 * cap * sizeof(*nv));
            if (nv)
                memcpy(nv, v, cap * sizeof(*nv));
            v = nv;
            cap *= 2;
            if (!v)
                break;
        }
        v[count++] = e;
    }
    closedir(d);
    if (!v) {
        *err = "out of memory";
        return WOS_ERROR;
    }
    if (count > 1)
        qsort(v, count, sizeof(*v), by_revision_then_up);
    *out = v;
    *n = count;
    return WOS_OK;
}

int wos_migrate_load_dir(struct wos_arena *a, const char *dir, struct wos_mig_set *set,
                         const char **err)
{
    struct dir_entry *v;
    size_t n;

    set->origin = dir;
    set->count = 0;
    if (list_dir(a, dir, &v, &n, err) != WOS_OK)
        return WOS_ERROR;
    set->items = wos_arena_alloc(a, (n ? n : 1) * sizeof(*set->items));
    if (!set->items) {
        *err = "out of memory";
        return WOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        if (!v[i].up) {
            *err = wos_arena_printf(a, "%s/%s.down.sql has no %s.up.sql", dir, v[i].revision,
                                    v[i].revision);
            return WOS_ERROR;
        }
        bool has_down = i + 1 < n && strcmp(v[i + 1].revision, v[i].revision) == 0;
        const char *up_file = wos_arena_printf(a, "%s/%s.up.sql", dir, v[i].revision);
        const char *down_file = wos_arena_printf(a, "%s/%s.down.sql", dir, v[i].revision);
        char *up = NULL, *down = NULL;
        size_t up_len = 0, down_len = 0;
        if (!up_file || !down_file) {
            *err = "out of memory";
            return WOS_ERROR;
        }
        if (read_file(a, up_file, &up, &up_len, err) != WOS_OK)
            return WOS_ERROR;
        if (has_down && read_file(a, down_file, &down, &down_len, err) != WOS_OK)
            return WOS_ERROR;
        if (mig_init(a, &set->items[set->count++], v[i].revision, up, up_len, down, down_len,
                     up_file, down_file) != WOS_OK) {
            *err = "out of memory";
            return WOS_ERROR;
        }
        if (has_down)
            i++;
    }
    return finish_set(a, set, err);
}
