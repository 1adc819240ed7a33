/*
 * static.h: serves the web UI (web/dist) for non-API GET/HEAD requests.
 */
#ifndef WOS_HTTP_STATIC_H
#define WOS_HTTP_STATIC_H

#include "http/request.h"

/* Serves the file for req->path, or index.html for client-side routes. */
int wos_static_serve(struct wos_req *req);
/* True when the UI's index.html exists (GET / then prefers it for browsers). */
int wos_static_has_index(void);
/* A request path we are willing to look at: valid UTF-8, no control characters. */
int wos_valid_path(const char *path);

#endif
