/*
 * server.c: libmicrohttpd glue. One access-handler call chain per request:
 * the first call creates the request context (arena, request id, route),
 * the following calls collect the body up to its limit, and the final call
 * dispatches. The arena is freed in the completion callback, after the
 * response has been sent, which is also where the access log line is written.
 *
 * Threads: HTTP_THREADS event loops, each with its own libmicrohttpd daemon
 * (external epoll) and its own PostgreSQL connection, plus one accepting
 * thread that hands connections to the loops in turn. A request's handler
 * runs on a fiber (core/fiber.h): when it waits for PostgreSQL the
 * connection is suspended and the loop serves other connections; the
 * statements of several requests travel to PostgreSQL back to back on the
 * loop's connection (db/db.c). When the fiber ends, its reply is queued and
 * the connection resumed.
 *
 * Shutdown: SIGTERM/SIGINT are taken by sigwait in the main thread; the
 * accepting thread stops and the listening socket is closed first (new
 * connections are refused), in-flight requests get a bounded time to
 * finish, then the daemon stops.
 */
#include "http/server.h"
#include "auth/auth.h"
#include "core/config.h"
#include "core/fiber.h"
#include "core/offload.h"
#include "core/log.h"
#include "core/torture.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/redis.h"
#include "http/router.h"
#include "http/static.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define SHUTDOWN_GRACE_SECONDS 10
/*
 * libmicrohttpd's per-connection pool: it holds the request line and headers
 * (so it bounds their size: larger header blocks are refused with 431) and is
 * zeroed between requests, so its size is paid on every keep-alive request.
 */
#define WOS_HTTP_CONNECTION_MEMORY (16u * 1024)
#define DISCARD_LIMIT (8u << 20)

static atomic_long in_flight;

long wos_http_in_flight(void)
{
    return atomic_load(&in_flight);
}

static void log_context(const struct wos_req *req, char *buf, size_t n)
{
    snprintf(buf, n, "rid=%s route=\"%s %s\"%s%s", req->request_id, req->method,
             req->route ? req->route->pattern : req->path, req->who.user_id[0] ? " member=" : "",
             req->who.user_id);
}

static int request_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/* murmur3's 64-bit finaliser: a bijection, so distinct inputs stay distinct. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb93fe53a87c5ULL;
    x ^= x >> 33;
    return x;
}

static void hex64(char *out, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, v >>= 4)
        out[i] = hex[v & 15];
}

/*
 * The client's X-Request-ID when it is sane, else 32 hex digits: a random
 * per-thread prefix and the thread's request counter, scrambled by a
 * bijection (unique without a getrandom call per request, and not a
 * readable request count).
 */
static void set_request_id(struct wos_req *req)
{
    static _Thread_local uint64_t prefix, key, counter;
    static _Thread_local int seeded;
    const char *given = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Request-ID");
    if (given && request_id_ok(given)) {
        snprintf(req->request_id, sizeof(req->request_id), "%s", given);
        return;
    }
    if (!seeded) {
        uint64_t seed[2] = {0, 0};
        if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            seed[0] = (uint64_t)ts.tv_nsec ^ (uint64_t)pthread_self();
            seed[1] = (uint64_t)ts.tv_sec;
        }
        prefix = seed[0];
        key = seed[1];
        seeded = 1;
    }
    hex64(req->request_id, prefix);
    hex64(req->request_id + 16, mix64(key + counter++));
    req->request_id[32] = '\0';
}

/* "a.b.c.d" or "a.b.c.d/n" (IPv4), or an exact address string, against ip. */
static int ip_matches(const char *rule, const char *ip)
{
    const char *slash = strchr(rule, '/');
    if (!slash)
        return strcmp(rule, ip) == 0;
    char net[INET_ADDRSTRLEN];
    snprintf(net, sizeof(net), "%.*s", (int)(slash - rule), rule);
    int bits = atoi(slash + 1);
    struct in_addr a, n;
    if (bits < 0 || bits > 32 || inet_pton(AF_INET, ip, &a) != 1 ||
        inet_pton(AF_INET, net, &n) != 1)
        return 0;
    uint32_t mask = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
    return (a.s_addr & mask) == (n.s_addr & mask);
}

static int trusted_proxy(const char *ip)
{
    const struct wos_config *cfg = wos_cfg();
    for (size_t i = 0; i < cfg->forwarded_allow_ips_len; i++)
        if (ip_matches(cfg->forwarded_allow_ips[i], ip))
            return 1;
    return 0;
}

/* inet_ntop for IPv4 without its sprintf (every request formats its peer) */
static void ipv4_text(const struct in_addr *addr, char out[INET_ADDRSTRLEN])
{
    const unsigned char *b = (const unsigned char *)&addr->s_addr;
    char *o = out;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100)
            *o++ = (char)('0' + v / 100);
        if (v >= 10)
            *o++ = (char)('0' + v / 10 % 10);
        *o++ = (char)('0' + v % 10);
        *o++ = i < 3 ? '.' : '\0';
    }
}

/*
 * The peer address, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy: entries left of
 * it could have been written by the client.
 */
static void set_client_ip(struct wos_req *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "unknown";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            ipv4_text(&((const struct sockaddr_in *)sa)->sin_addr, ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
    }
    req->client_ip = wos_arena_strdup(req->arena, ip);
    const char *xff = wos_req_header(req, "X-Forwarded-For");
    if (!xff || !trusted_proxy(ip) || strlen(xff) > 1024)
        return;
    char *list = wos_arena_strdup(req->arena, xff);
    while (list) {
        char *comma = strrchr(list, ',');
        char *entry = comma ? comma + 1 : list;
        while (*entry == ' ')
            entry++;
        entry[strcspn(entry, " ")] = '\0';
        struct in6_addr any;
        if (inet_pton(AF_INET, entry, &any) != 1 && inet_pton(AF_INET6, entry, &any) != 1)
            return; /* malformed: keep the last trusted hop's view */
        req->client_ip = entry;
        if (!trusted_proxy(entry))
            return;
        if (!comma)
            return;
        *comma = '\0';
    }
}

static void set_origin(struct wos_req *req)
{
    const char *origin = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
    if (origin && wos_config_origin_allowed(wos_cfg(), origin))
        req->origin = wos_arena_strdup(req->arena, origin);
}

static struct wos_req *request_new(struct MHD_Connection *conn, const char *method,
                                   const char *url)
{
    struct wos_arena *arena = wos_arena_new();
    if (!arena)
        return NULL;
    struct wos_req *req = wos_arena_alloc(arena, sizeof(*req));
    if (!req) {
        wos_arena_free(arena);
        return NULL;
    }
    req->arena = arena;
    req->conn = conn;
    clock_gettime(CLOCK_MONOTONIC, &req->started);
    req->method = wos_arena_strdup(arena, method);
    req->path = wos_arena_strdup(arena, url);
    req->body_limit = (size_t)wos_cfg()->http_max_body_bytes;
    if (!req->method || !req->path) {
        wos_arena_free(arena);
        return NULL;
    }
    set_request_id(req);
    set_client_ip(req);
    set_origin(req);
    atomic_fetch_add(&in_flight, 1);
    return req;
}

const char *wos_req_param(const struct wos_req *req, const char *name)
{
    for (int i = 0; i < req->n_params; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

const char *wos_req_query(const struct wos_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *wos_req_header(const struct wos_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static int is_api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
           strcmp(path, "/health") == 0 || strcmp(path, "/") == 0;
}

static int reply_preflight(struct wos_req *req)
{
    if (!req->origin) {
        if (wos_req_header(req, "Origin"))
            return wos_reply_error(req, 400, "Disallowed CORS origin.", NULL);
        return wos_reply_empty(req, 204);
    }
    wos_reply_header(req, "Access-Control-Allow-Methods",
                     "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD");
    wos_reply_header(req, "Access-Control-Allow-Headers",
                     "Authorization, Content-Type, Accept, Origin, Range, X-Requested-With, "
                     "X-Request-ID");
    wos_reply_header(req, "Access-Control-Max-Age", "600");
    return wos_reply_bytes(req, 200, "text/plain", "OK", 2);
}

static int content_type_is_json(const struct wos_req *req)
{
    const char *ct = wos_req_header(req, "Content-Type");
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static int reply_unauthenticated(struct wos_req *req, const char *message)
{
    req->auth = WOS_AUTH_FAILED;
    wos_reply_header(req, "WWW-Authenticate", "Bearer");
    return wos_reply_error(req, 401, message, NULL);
}

static int dispatch_route(struct wos_req *req, const struct wos_route *route)
{
    for (int i = 0; i < req->n_params; i++)
        if (!req->param_names[i] || !req->param_values[i])
            return wos_reply_internal(req, "out of memory copying path parameters");
    if ((route->flags & WOS_ROUTE_DEV_ONLY) && wos_cfg()->is_production)
        return wos_reply_error(req, 404, "Not found.", NULL);
    if (!(route->flags & WOS_ROUTE_PUBLIC)) {
        const char *why = NULL;
        if (wos_auth_verify_bearer(req, &why) != WOS_OK)
            return reply_unauthenticated(req, why ? why : "Not authenticated.");
        req->auth = WOS_AUTH_PENDING;
    }
    if ((route->flags & WOS_ROUTE_JSON) && req->body.len > 0 && !content_type_is_json(req))
        return wos_reply_error(req, 415, "Content-Type must be application/json.", NULL);
    int rc = route->handler(req);
    if (!req->replied)
        return wos_reply_internal(req, rc == WOS_OK ? "handler queued no reply" : "handler failed");
    return WOS_OK;
}

/* Runs once the whole body has arrived (or was refused). */
static int dispatch(struct wos_req *req)
{
    if (req->body_too_large)
        return wos_reply_error(req, 413, "Request body is too large.", NULL);
    if (!wos_valid_path(req->path))
        return wos_reply_error(req, 404, "Not found.", NULL);
    if (strcmp(req->method, "OPTIONS") == 0)
        return reply_preflight(req);
    if (!is_api_path(req->path)) {
        if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
            return wos_static_serve(req);
        return wos_reply_error(req, 404, "Not found.", NULL);
    }
    switch (req->match) {
    case WOS_MATCH_OK:
        return dispatch_route(req, req->route);
    case WOS_MATCH_NO_METHOD:
        wos_reply_header(req, "Allow", req->allow);
        return wos_reply_error(req, 405, "Method not allowed.", NULL);
    default:
        return wos_reply_error(req, 404, "Not found.", NULL);
    }
}

/*
 * A request's fiber. When it parked, its connection was suspended and its
 * reply kept aside (see wos_http_queue): resuming the connection makes
 * libmicrohttpd call the access handler again, which queues the reply.
 */
static void dispatch_fiber(void *arg)
{
    struct wos_req *req = arg;
    dispatch(req);
    if (req->suspended) {
        req->suspended = 0;
        MHD_resume_connection(req->conn);
    }
}

/*
 * Matches the route as soon as the headers are in, so that a body larger
 * than the route's limit is refused before it is read.
 */
static void route_early(struct wos_req *req)
{
    req->match = WOS_MATCH_NO_PATH;
    if (!is_api_path(req->path))
        return;
    char allow[128];
    const struct wos_route *route = NULL;
    req->match = wos_router_match(req->method, req->path, req, &route, allow, sizeof(allow));
    req->route = route;
    req->allow = wos_arena_strdup(req->arena, allow);
    if (route && route->body_max)
        req->body_limit = route->body_max;
}

int wos_http_settle_auth(struct wos_req *req)
{
    if (req->auth != WOS_AUTH_PENDING)
        return WOS_OK;
    return wos_auth_confirm(req);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)cls;
    (void)version;
    struct wos_req *req = *con_cls;
    if (!req) {
#ifdef WOS_TORTURE
        /* torture builds only: tests/torture fails the N-th allocation/statement of a request */
        wos_torture_scope_begin(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Wos-Torture"));
#endif
        req = request_new(conn, method, url);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        wos_buf_init(&req->body, req->arena, 1024);
        route_early(req);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > req->body_limit) {
            req->body_too_large = 1;
            wos_reply_error(req, 413, "Request body is too large.", NULL);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /*
         * libmicrohttpd accepts a reply only before or after the body, so a
         * body (chunked, without Content-Length) that outgrows its limit is
         * discarded until it ends and answered 413 then; one that keeps
         * going far past the limit loses its connection.
         */
        if (req->replied || req->body_too_large ||
            req->body.len + *upload_data_size > req->body_limit) {
            req->body_too_large = 1;
            req->discarded += *upload_data_size;
            *upload_data_size = 0;
            return req->discarded > DISCARD_LIMIT ? MHD_NO : MHD_YES;
        }
        wos_buf_append(&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->replied) {
        wos_http_queue_deferred(req);
        return MHD_YES;
    }
    if (req->body.failed)
        return MHD_NO;
    int parked = wos_fiber_start(dispatch_fiber, req);
    if (parked < 0)
        dispatch(req); /* no memory for a stack: serve it here, waiting in poll */
    if (parked == 1) {
        req->suspended = 1;
        MHD_suspend_connection(conn);
        return MHD_YES;
    }
    return req->replied ? MHD_YES : MHD_NO;
}

/* A bounded line builder for the access log (no printf on the hot path). */
struct line {
    char *p, *end;
};

static void put_bytes(struct line *l, const char *s, size_t n)
{
    if (n > (size_t)(l->end - l->p))
        n = (size_t)(l->end - l->p);
    memcpy(l->p, s, n);
    l->p += n;
}

static void put_str(struct line *l, const char *s)
{
    put_bytes(l, s, strlen(s));
}

static void put_ulong(struct line *l, unsigned long v)
{
    char digits[24];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_bytes(l, digits + i, sizeof(digits) - i);
}

/* "access GET /path 200 15 0.3ms rid=...[ aborted]" */
static void log_access(const struct wos_req *req, int completed)
{
    if (!wos_log_enabled(WOS_LOG_INFO))
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long tenths_ms = ((now.tv_sec - req->started.tv_sec) * 1000000000L +
                      (now.tv_nsec - req->started.tv_nsec) + 50000) / 100000;
    char buf[1024];
    struct line l = {buf, buf + sizeof(buf)};
    put_str(&l, "access ");
    put_str(&l, req->method);
    put_str(&l, " ");
    put_str(&l, req->path);
    put_str(&l, " ");
    put_ulong(&l, req->status);
    put_str(&l, " ");
    put_ulong(&l, req->response_bytes);
    put_str(&l, " ");
    put_ulong(&l, (unsigned long)(tenths_ms < 0 ? 0 : tenths_ms / 10));
    put_str(&l, ".");
    put_ulong(&l, (unsigned long)(tenths_ms < 0 ? 0 : tenths_ms % 10));
    put_str(&l, "ms rid=");
    put_str(&l, req->request_id);
    if (!completed)
        put_str(&l, " aborted");
    wos_log_message(WOS_LOG_INFO, buf, (size_t)(l.p - buf));
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct wos_req *req = *con_cls;
    wos_torture_scope_end();
    if (!req)
        return;
    log_access(req, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    wos_db_request_done(req);
    wos_http_drop_deferred(req);
    wos_arena_free(req->arena);
    *con_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    wos_log(NULL, WOS_LOG_DEBUG, "http: %s", msg);
}

/*
 * One event loop per HTTP thread: its libmicrohttpd daemon (driven from
 * here: external epoll), its PostgreSQL socket, and an eventfd on which the
 * accepting thread announces new connections (or the stop).
 */
struct pending_conn {
    int fd;
    socklen_t len;
    struct sockaddr_storage addr;
};

struct loop {
    pthread_t thread;
    int epfd, wake_fd;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards queue */
    struct pending_conn *queue;
    int queue_len, queue_cap;
    atomic_int stopping;
    struct wos_db_watch pg[WOS_DB_LINKS]; /* as registered in epfd */
};

/* epoll tags; the database connections are EV_PG + their index */
enum { EV_MHD = 1, EV_WAKE, EV_INBOX, EV_PG = 16 };

/*
 * Connections are accepted by one thread of ours and handed to the loops in
 * turn: every loop gets its share. When the loops accept from a shared
 * listening socket themselves, whichever wakes first takes every pending
 * connection, and with keep-alive clients half of them can sit idle while
 * the other half queues (seen: 16 connections on 2 of 4 threads, a p99 40x
 * the p50).
 */
struct server {
    int fd;
    pthread_t accept_thread;
    atomic_int stopping;
    struct loop *loops;
    int n_loops, started;
};

static int listen_socket(const struct wos_config *cfg)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->app_port)};
    if (inet_pton(AF_INET, cfg->app_host, &addr.sin_addr) != 1) {
        wos_log(NULL, WOS_LOG_ERROR, "APP_HOST %s is not an IPv4 address", cfg->app_host);
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0) {
        int saved = errno; /* the reason is logged by the caller */
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static void loop_wake(struct loop *l)
{
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        wos_log(NULL, WOS_LOG_WARN, "waking an HTTP thread: %s", strerror(errno));
}

/* From the accepting thread: queues the connection for l (closed when the queue cannot grow). */
static void loop_hand_over(struct loop *l, int fd, const struct sockaddr_storage *addr,
                           socklen_t len)
{
    pthread_mutex_lock(&l->lock);
    if (l->queue_len == l->queue_cap) {
        int cap = l->queue_cap ? 2 * l->queue_cap : 16;
        struct pending_conn *q = realloc(l->queue, (size_t)cap * sizeof(*q));
        if (!q) {
            pthread_mutex_unlock(&l->lock);
            close(fd);
            return;
        }
        l->queue = q;
        l->queue_cap = cap;
    }
    l->queue[l->queue_len++] = (struct pending_conn){.fd = fd, .len = len, .addr = *addr};
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
}

static void loop_take_connections(struct loop *l)
{
    uint64_t count;
    if (read(l->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        return;
    struct pending_conn batch[64];
    for (;;) {
        pthread_mutex_lock(&l->lock);
        int n = l->queue_len < 64 ? l->queue_len : 64;
        if (n > 0) {
            memcpy(batch, l->queue, (size_t)n * sizeof(batch[0]));
            memmove(l->queue, l->queue + n, (size_t)(l->queue_len - n) * sizeof(batch[0]));
            l->queue_len -= n;
        }
        pthread_mutex_unlock(&l->lock);
        if (n == 0)
            return;
        for (int i = 0; i < n; i++)
            /* on failure (connection limit, memory) MHD has closed the socket */
            MHD_add_connection(l->daemon, batch[i].fd, (struct sockaddr *)&batch[i].addr,
                               batch[i].len);
    }
}

static int epoll_set(int epfd, int op, int fd, unsigned events, unsigned tag)
{
    struct epoll_event ev = {.events = events, .data.u32 = tag};
    return epoll_ctl(epfd, op, fd, &ev);
}

/* Keeps the PostgreSQL sockets registered as db.c wants them (they change on reconnect). */
static void loop_watch_database(struct loop *l)
{
    struct wos_db_watch now[WOS_DB_LINKS];
    wos_db_poll_fds(now);
    for (unsigned i = 0; i < WOS_DB_LINKS; i++) {
        struct wos_db_watch *was = &l->pg[i];
        if (now[i].fd == was->fd && now[i].events == was->events &&
            now[i].generation == was->generation)
            continue;
        if (now[i].fd >= 0) {
            /* a replaced connection's socket left the set when it was closed */
            int fresh = now[i].fd != was->fd || now[i].generation != was->generation;
            if (epoll_set(l->epfd, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, now[i].fd,
                          now[i].events, EV_PG + i) != 0 &&
                errno == EEXIST)
                epoll_set(l->epfd, EPOLL_CTL_MOD, now[i].fd, now[i].events, EV_PG + i);
        }
        *was = now[i];
    }
}

static int loop_timeout_ms(struct loop *l)
{
    if (wos_fiber_has_ready())
        return 0;
    MHD_UNSIGNED_LONG_LONG t;
    if (MHD_get_timeout(l->daemon, &t) != MHD_YES)
        return -1; /* nothing pending: a new connection or the stop comes through wake_fd */
    return t > INT_MAX ? INT_MAX : (int)t;
}

static void *loop_run(void *arg)
{
    struct loop *l = arg;
    struct epoll_event events[64];
    int inbox = wos_fiber_inbox_fd();
    if (inbox < 0 || epoll_set(l->epfd, EPOLL_CTL_ADD, inbox, EPOLLIN, EV_INBOX) != 0)
        wos_log(NULL, WOS_LOG_WARN, "HTTP thread without an inbox: bcrypt runs on it");
    while (!atomic_load(&l->stopping)) {
        loop_watch_database(l);
        int n = epoll_wait(l->epfd, events, 64, loop_timeout_ms(l));
        /* the database first: a server that went away is noticed before new requests use it */
        for (int i = 0; i < n; i++)
            if (events[i].data.u32 >= EV_PG)
                wos_db_poll_ready((int)(events[i].data.u32 - EV_PG), events[i].events);
        for (int i = 0; i < n; i++) {
            if (events[i].data.u32 == EV_WAKE)
                loop_take_connections(l);
            else if (events[i].data.u32 == EV_INBOX)
                wos_fiber_inbox_drain();
        }
        wos_fiber_run_ready();
        MHD_run(l->daemon);
    }
    MHD_stop_daemon(l->daemon);
    l->daemon = NULL;
    wos_fiber_thread_done();
    return NULL;
}

static struct MHD_Daemon *start_daemon(unsigned connection_limit)
{
    unsigned flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(flags, 0, NULL, NULL, access_handler, NULL,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WOS_HTTP_CONNECTION_MEMORY,
                            MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
}

static void loop_close(struct loop *l)
{
    if (l->daemon)
        MHD_stop_daemon(l->daemon);
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    for (int i = 0; i < l->queue_len; i++)
        close(l->queue[i].fd);
    free(l->queue);
    pthread_mutex_destroy(&l->lock);
}

/* What loop_close may undo, set before any loop is opened. */
static void loop_init(struct loop *l)
{
    l->epfd = l->wake_fd = -1;
    for (int i = 0; i < WOS_DB_LINKS; i++)
        l->pg[i].fd = -1;
    pthread_mutex_init(&l->lock, NULL);
}

static int loop_open(struct loop *l, unsigned connection_limit)
{
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->daemon = start_daemon(connection_limit);
    if (l->epfd < 0 || l->wake_fd < 0 || !l->daemon)
        return WOS_ERROR;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info || epoll_set(l->epfd, EPOLL_CTL_ADD, info->epoll_fd, EPOLLIN, EV_MHD) != 0 ||
        epoll_set(l->epfd, EPOLL_CTL_ADD, l->wake_fd, EPOLLIN, EV_WAKE) != 0)
        return WOS_ERROR;
    return WOS_OK;
}

static void *accept_loop(void *arg)
{
    struct server *srv = arg;
    int warned = 0;
    unsigned next = 0;
    while (!atomic_load(&srv->stopping)) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(srv->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (atomic_load(&srv->stopping))
                break;
            if (errno == EINTR || errno == ECONNABORTED)
                continue; /* the peer gave up while queued: next one */
            /* out of descriptors or memory, or anything unexpected: never spin on it */
            if (!warned++)
                wos_log(NULL, WOS_LOG_WARN, "accept: %s (retrying)", strerror(errno));
            usleep(10 * 1000);
            continue;
        }
        warned = 0;
        loop_hand_over(&srv->loops[next++ % (unsigned)srv->n_loops], fd, &peer, len);
    }
    return NULL;
}

static void server_stop_loops(struct server *srv)
{
    for (int i = 0; i < srv->started; i++) {
        atomic_store(&srv->loops[i].stopping, 1);
        loop_wake(&srv->loops[i]);
    }
    for (int i = 0; i < srv->started; i++)
        pthread_join(srv->loops[i].thread, NULL);
    for (int i = 0; i < srv->n_loops; i++)
        loop_close(&srv->loops[i]);
    free(srv->loops);
    srv->loops = NULL;
}

static int server_start(struct server *srv, const struct wos_config *cfg)
{
    srv->fd = listen_socket(cfg);
    if (srv->fd < 0)
        return WOS_ERROR;
    srv->n_loops = (int)cfg->http_threads;
    srv->loops = calloc((size_t)srv->n_loops, sizeof(*srv->loops));
    unsigned limit = 4096u / (unsigned)srv->n_loops;
    int ok = srv->loops != NULL;
    for (int i = 0; ok && i < srv->n_loops; i++)
        loop_init(&srv->loops[i]);
    for (int i = 0; ok && i < srv->n_loops; i++)
        ok = loop_open(&srv->loops[i], limit < 64 ? 64 : limit) == WOS_OK;
    /* started counts the threads that exist: only those are joined */
    while (ok && srv->started < srv->n_loops) {
        struct loop *l = &srv->loops[srv->started];
        ok = pthread_create(&l->thread, NULL, loop_run, l) == 0;
        srv->started += ok;
    }
    ok = ok && pthread_create(&srv->accept_thread, NULL, accept_loop, srv) == 0;
    if (!ok) {
        int saved = errno;
        if (srv->loops)
            server_stop_loops(srv);
        close(srv->fd);
        errno = saved ? saved : ENOMEM;
        return WOS_ERROR;
    }
    return WOS_OK;
}

/* New connections are refused from here on (the listening socket is closed). */
static void server_stop_accepting(struct server *srv)
{
    atomic_store(&srv->stopping, 1);
    shutdown(srv->fd, SHUT_RDWR); /* wakes accept4 */
    pthread_join(srv->accept_thread, NULL);
    close(srv->fd);
}

static void wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    wos_log(NULL, WOS_LOG_INFO, "%s received: draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

static void drain(struct server *srv)
{
    server_stop_accepting(srv);
    for (int i = 0; i < SHUTDOWN_GRACE_SECONDS * 20 && wos_http_in_flight() > 0; i++)
        usleep(50 * 1000);
    if (wos_http_in_flight() > 0)
        wos_log(NULL, WOS_LOG_WARN, "%ld requests still running at shutdown",
                wos_http_in_flight());
    /* the helpers first: a job they finish wakes its fiber through its loop's inbox */
    wos_offload_stop();
    server_stop_loops(srv);
}

static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int wos_serve_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const struct wos_config *cfg = wos_cfg();
    block_signals();
    wos_log_set_context_fn(log_context);
    if (wos_router_check() != WOS_OK)
        return 1;
    if (wos_migrate_on_start(cfg) != WOS_OK)
        return 1;
    wos_redis_init(cfg->redis_url);
    long helpers = sysconf(_SC_NPROCESSORS_ONLN);
    if (wos_offload_start(helpers < 1 ? 1 : (int)helpers) != WOS_OK)
        wos_log(NULL, WOS_LOG_WARN, "no helper threads: bcrypt runs on the HTTP threads");
    struct server srv = {.fd = -1};
    if (server_start(&srv, cfg) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "could not listen on %s:%ld: %s", cfg->app_host,
                (long)cfg->app_port, strerror(errno));
        wos_offload_stop();
        return 1;
    }
    wos_log(NULL, WOS_LOG_INFO, "listening on http://%s:%ld (%ld threads)", cfg->app_host,
            (long)cfg->app_port, (long)cfg->http_threads);
    wait_for_signal();
    drain(&srv);
    wos_log(NULL, WOS_LOG_INFO, "stopped");
    return 0;
}
