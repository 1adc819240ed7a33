/*
 * fuzz_redis_url.c: the REDIS_URL parser (wos_redis_parse_url, src/db/redis.c).
 *
 * The input is the URL. It is parsed into output buffers of three exact
 * heap sizes (the real 256-byte ones and two tiny ones), so ASan sees any
 * write past host_len or password_len.
 *
 * Properties checked besides the sanitizers, on success:
 *   - the URL starts with redis://, the host is non-empty, fits its buffer
 *     and is a substring of the URL free of ':', '/' and '@';
 *   - the port is 1..65535; the database index is not negative and is
 *     exactly the number written in the URL (no silent wrap-around);
 *   - the password fits its buffer and comes from the URL;
 *   - parsing is deterministic: the same URL with roomier buffers gives the
 *     same host, port, database and password.
 */
#include "fuzz.h"

#include "db/redis.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The database index as written after the host ("/N"), 0 when there is none. */
static long long written_db(const char *url)
{
    const char *at = strrchr(url + 8, '@');
    const char *slash = strchr(at != NULL ? at + 1 : url + 8, '/');

    return slash != NULL && slash[1] != '\0' ? strtoll(slash + 1, NULL, 10) : 0;
}

struct parsed {
    int rc;
    char *host, *password;
    int port, db;
};

static struct parsed parse(const char *url, size_t host_len, size_t password_len)
{
    struct parsed p = {.host = malloc(host_len), .password = malloc(password_len)};

    FUZZ_CHECK(p.host != NULL && p.password != NULL);
    p.rc = wos_redis_parse_url(url, p.host, host_len, &p.port, &p.db, p.password, password_len);
    if (p.rc == 0) {
        FUZZ_CHECK(strncmp(url, "redis://", 8) == 0);
        FUZZ_CHECK(memchr(p.host, '\0', host_len) != NULL && *p.host != '\0');
        FUZZ_CHECK(strpbrk(p.host, ":/@") == NULL && strstr(url + 8, p.host) != NULL);
        FUZZ_CHECK(p.port >= 1 && p.port <= 65535);
        FUZZ_CHECK(p.db >= 0);
        FUZZ_CHECK(p.db == written_db(url));
        FUZZ_CHECK(memchr(p.password, '\0', password_len) != NULL);
        FUZZ_CHECK(strstr(url + 8, p.password) != NULL);
    } else {
        FUZZ_CHECK(p.rc == -1);
    }
    return p;
}

static void release(struct parsed *p)
{
    free(p->host);
    free(p->password);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = fuzz_cstr(data, size);
    struct parsed big = parse(url, 256, 256);
    struct parsed small = parse(url, 8, 4);
    struct parsed tiny = parse(url, 1, 1);

    /* A buffer that holds the host can only turn failure into success, never change a value. */
    FUZZ_CHECK(tiny.rc == -1);
    if (small.rc == 0) {
        FUZZ_CHECK(big.rc == 0);
        FUZZ_CHECK(strcmp(small.host, big.host) == 0);
        FUZZ_CHECK(small.port == big.port && small.db == big.db);
        FUZZ_CHECK(strncmp(small.password, big.password, 3) == 0);
    }
    release(&big);
    release(&small);
    release(&tiny);
    free(url);
    return 0;
}
