/*
 * fuzz_dotenv.c: the .env parser (src/core/dotenv.c).
 *
 * The input is the file's bytes, passed without a terminating NUL in a
 * buffer of exactly that size (the parser promises never to read past
 * `len`), so ASan catches any over-read.
 *
 * Properties checked besides the sanitizers:
 *   - the result code says whether there were problems, and every problem
 *     reads "line N: ..." with N within the file;
 *   - keys are unique names of letters, digits and '_', values hold no NUL,
 *     and wos_dotenv_get() finds each value;
 *   - round trip: writing every entry back as KEY="escaped value" and
 *     parsing that gives the same entries, in the same order, with no problem.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/dotenv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int valid_key(const char *k)
{
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
        return 0;
    for (; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return 0;
    return 1;
}

/* Appends KEY="value" with the escapes the parser understands; returns the new length. */
static size_t emit(char *out, size_t used, const struct wos_dotenv_entry *e)
{
    used += (size_t)sprintf(out + used, "%s=\"", e->key);
    for (const char *v = e->value; *v; v++) {
        switch (*v) {
        case '\\':
        case '"':
            out[used++] = '\\';
            out[used++] = *v;
            break;
        case '\n':
            out[used++] = '\\';
            out[used++] = 'n';
            break;
        case '\r':
            out[used++] = '\\';
            out[used++] = 'r';
            break;
        default:
            out[used++] = *v;
        }
    }
    out[used++] = '"';
    out[used++] = '\n';
    return used;
}

static void check_round_trip(const struct wos_dotenv *d)
{
    size_t cap = 1;

    for (size_t i = 0; i < d->n_entries; i++)
        cap += strlen(d->entries[i].key) + 2 * strlen(d->entries[i].value) + 4;
    char *text = malloc(cap);
    size_t used = 0;
    FUZZ_CHECK(text != NULL);
    for (size_t i = 0; i < d->n_entries; i++)
        used = emit(text, used, &d->entries[i]);
    FUZZ_CHECK(used < cap);

    struct wos_dotenv again;
    FUZZ_CHECK(wos_dotenv_parse(text, used, &again) == WOS_OK);
    FUZZ_CHECK(again.n_problems == 0 && again.n_entries == d->n_entries);
    for (size_t i = 0; i < d->n_entries; i++) {
        FUZZ_CHECK(strcmp(again.entries[i].key, d->entries[i].key) == 0);
        FUZZ_CHECK(strcmp(again.entries[i].value, d->entries[i].value) == 0);
    }
    wos_dotenv_free(&again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: libFuzzer's own buffer is exact too, but keep it obvious. */
    char *buf = malloc(size ? size : 1);
    struct wos_dotenv d;
    unsigned lines = 1;

    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';

    int rc = wos_dotenv_parse(buf, size, &d);
    FUZZ_CHECK(rc == (d.n_problems == 0 ? WOS_OK : WOS_ERROR));
    for (size_t i = 0; i < d.n_problems; i++) {
        unsigned line = 0;
        int consumed = 0;
        FUZZ_CHECK(sscanf(d.problems[i], "line %u: %n", &line, &consumed) == 1 && consumed > 0);
        FUZZ_CHECK(line >= 1 && line <= lines);
        if (i > 0) {
            unsigned prev = 0;
            FUZZ_CHECK(sscanf(d.problems[i - 1], "line %u:", &prev) == 1 && prev <= line);
        }
    }
    for (size_t i = 0; i < d.n_entries; i++) {
        FUZZ_CHECK(valid_key(d.entries[i].key));
        FUZZ_CHECK(memchr(buf, d.entries[i].key[0], size) != NULL);
        FUZZ_CHECK(wos_dotenv_get(&d, d.entries[i].key) == d.entries[i].value);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(d.entries[i].key, d.entries[j].key) != 0);
    }
    check_round_trip(&d);
    wos_dotenv_free(&d);
    free(buf);
    return 0;
}
