/*
 * redis.h: the Redis side (hiredis). Redis holds only what may be lost
 * (presence keys, realtime fan-out), so every call tolerates its absence:
 * a thread whose connection broke retries at most once a second and
 * callers treat "no connection" as "unknown".
 */
#ifndef WOS_DB_REDIS_H
#define WOS_DB_REDIS_H

#include <hiredis/hiredis.h>

void wos_redis_init(const char *url);
/* The thread's connection, or NULL when Redis is unreachable right now. */
redisContext *wos_redis_conn(void);
/* Drops the thread's connection after an I/O error so the next call reconnects. */
void wos_redis_broken(void);
/* 1 when PING answers PONG. */
int wos_redis_ping(void);
/* Parses redis://[:password@]host[:port][/db]; 0 on success. */
int wos_redis_parse_url(const char *url, char *host, size_t host_len, int *port, int *db,
                        char *password, size_t password_len);

#endif
