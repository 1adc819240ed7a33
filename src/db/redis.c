/*
 * redis.c: one hiredis connection per thread, with short timeouts so a
 * stopped Redis never stalls a request for long.
 */
#include "db/redis.h"
#include "core/log.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_INTERVAL_S 1

static char r_host[256] = "127.0.0.1", r_password[256];
static int r_port = 6379, r_db;

static _Thread_local redisContext *tctx;
static _Thread_local time_t last_failure;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *ctx)
{
    redisFree(ctx);
}

static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

int wos_redis_parse_url(const char *url, char *host, size_t host_len, int *port, int *db,
                        char *password, size_t password_len)
{
    const char *p;
    if (strncmp(url, "redis://", 8) == 0)
        p = url + 8;
    else
        return -1;
    password[0] = '\0';
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        snprintf(password, password_len, "%.*s", (int)(at - pw), pw);
        p = at + 1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= host_len)
        return -1;
    snprintf(host, host_len, "%.*s", (int)hl, p);
    p += hl;
    *port = 6379;
    *db = 0;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v <= 0 || v > 65535 || (*end != '\0' && *end != '/'))
            return -1;
        *port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1]) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (*end || v < 0 || v > INT_MAX)
            return -1;
        *db = (int)v;
    }
    return 0;
}

void wos_redis_init(const char *url)
{
    if (!url || wos_redis_parse_url(url, r_host, sizeof(r_host), &r_port, &r_db, r_password,
                                    sizeof(r_password)) != 0)
        wos_log(NULL, WOS_LOG_WARN, "REDIS_URL is not a redis:// URL; using 127.0.0.1:6379");
}

static int command_ok(redisContext *c, const char *fmt, const char *arg)
{
    redisReply *r = arg ? redisCommand(c, fmt, arg) : redisCommand(c, fmt);
    int ok = r && r->type != REDIS_REPLY_ERROR;
    if (r)
        freeReplyObject(r);
    return ok;
}

redisContext *wos_redis_conn(void)
{
    if (tctx && tctx->err)
        wos_redis_broken();
    if (tctx)
        return tctx;
    if (last_failure && time(NULL) - last_failure < RETRY_INTERVAL_S)
        return NULL;
    struct timeval tv = {.tv_sec = 0, .tv_usec = 300 * 1000};
    redisContext *c = redisConnectWithTimeout(r_host, r_port, tv);
    if (!c || c->err) {
        if (c)
            redisFree(c);
        last_failure = time(NULL);
        return NULL;
    }
    redisSetTimeout(c, tv);
    int ok = 1;
    if (r_password[0])
        ok = command_ok(c, "AUTH %s", r_password);
    if (ok && r_db) {
        char db[16];
        snprintf(db, sizeof(db), "%d", r_db);
        ok = command_ok(c, "SELECT %s", db);
    }
    if (!ok) {
        redisFree(c);
        last_failure = time(NULL);
        return NULL;
    }
    last_failure = 0;
    tctx = c;
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, c);
    return tctx;
}

void wos_redis_broken(void)
{
    if (tctx)
        redisFree(tctx);
    tctx = NULL;
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, NULL);
    last_failure = time(NULL);
}

/* Drops the thread's connection without the retry pause (it worked until now). */
static void drop_quietly(void)
{
    redisFree(tctx);
    tctx = NULL;
    pthread_setspecific(exit_key, NULL);
}

/*
 * A connection that worked before may only be stale (Redis restarted since):
 * it gets one immediate reconnect before Redis is reported down.
 */
int wos_redis_ping(void)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int was_connected = tctx != NULL;
        redisContext *c = wos_redis_conn();
        if (!c)
            return 0;
        redisReply *r = redisCommand(c, "PING");
        int ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
        if (ok)
            return 1;
        if (!was_connected)
            break;
        drop_quietly();
    }
    wos_redis_broken();
    return 0;
}
