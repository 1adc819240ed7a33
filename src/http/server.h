/*
 * server.h: the HTTP server (event loops driving libmicrohttpd, fibers)
 * and the hooks other layers use while a request is in flight.
 */
#ifndef WOS_HTTP_SERVER_H
#define WOS_HTTP_SERVER_H

#include "http/request.h"

struct MHD_Response;

/* Runs `wos serve`: start-up checks, listen, serve until SIGTERM/SIGINT. Returns the exit code. */
int wos_serve_main(int argc, char **argv);

/*
 * Adds the common headers, queues `r` and records status/bytes for the
 * access log. A suspended request's reply is kept until its connection is
 * resumed: wos_http_queue_deferred queues it then.
 */
int wos_http_queue(struct wos_req *req, unsigned status, struct MHD_Response *r, size_t bytes);
void wos_http_queue_deferred(struct wos_req *req);
/* Releases a kept reply that was never queued (the connection closed first). */
void wos_http_drop_deferred(struct wos_req *req);
/*
 * Before a reply is queued: if the caller's token is verified
 * but its database half is still pending, run it now. Returns WOS_OK when the
 * reply may proceed, WOS_ERROR when a 401/403/503 has been queued instead.
 */
int wos_http_settle_auth(struct wos_req *req);
/* Number of requests currently being handled (for graceful shutdown). */
long wos_http_in_flight(void);

#endif
