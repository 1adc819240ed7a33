/*
 * bcrypt_rate.c: the ceiling of POST /api/v1/auth/login. A login verifies one bcrypt hash, so
 * no server can sign people in faster than the machine computes bcrypt at the configured
 * cost. This measures that rate with libxcrypt's crypt_r(), the call wos itself makes
 * (src/auth/password.c), on one thread per core.
 *
 *   bcrypt_rate COST SECONDS THREADS
 *
 * Prints the verifications per second of all threads together. Each thread verifies the same
 * password against one "$2b$" hash of the given cost until the time is up; a result that does
 * not reproduce the hash is an error (exit 1), so a broken library cannot look fast.
 * Built and run by bench/run (gcc ... -lcrypt -lpthread); not part of the wos binary.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PASSWORD "Bench-Member-Passw0rd!"

struct worker {
    pthread_t thread;
    const char *hash;
    double seconds;
    long count;
    int failed;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *verify_loop(void *arg)
{
    struct worker *w = arg;
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd) {
        w->failed = 1;
        return NULL;
    }
    double end = now_seconds() + w->seconds;
    while (now_seconds() < end) {
        const char *r = crypt_r(PASSWORD, w->hash, cd);
        if (!r || strcmp(r, w->hash) != 0) {
            w->failed = 1;
            break;
        }
        w->count++;
    }
    free(cd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s COST SECONDS THREADS\n", argv[0]);
        return 2;
    }
    long cost = strtol(argv[1], NULL, 10);
    double seconds = strtod(argv[2], NULL);
    long threads = strtol(argv[3], NULL, 10);
    if (cost < 4 || cost > 31 || seconds <= 0 || threads < 1 || threads > 256) {
        fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, (int)sizeof(salt))) {
        fprintf(stderr, "%s: crypt_gensalt_rn failed\n", argv[0]);
        return 1;
    }
    const char *h = crypt_r(PASSWORD, salt, &cd);
    if (!h || h[0] == '*') {
        fprintf(stderr, "%s: crypt_r failed\n", argv[0]);
        return 1;
    }
    char hash[CRYPT_OUTPUT_SIZE];
    snprintf(hash, sizeof(hash), "%s", h);

    struct worker *w = calloc((size_t)threads, sizeof(*w));
    if (!w)
        return 1;
    double start = now_seconds();
    for (long i = 0; i < threads; i++) {
        w[i] = (struct worker){.hash = hash, .seconds = seconds};
        if (pthread_create(&w[i].thread, NULL, verify_loop, &w[i]) != 0) {
            fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
            return 1;
        }
    }
    long total = 0;
    int failed = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].count;
        failed |= w[i].failed;
    }
    double elapsed = now_seconds() - start;
    free(w);
    if (failed) {
        fprintf(stderr, "%s: a verification did not reproduce the hash\n", argv[0]);
        return 1;
    }
    printf("%.3f\n", (double)total / elapsed);
    return 0;
}
