/*
 * log.h: one line per event on stderr. Request-scoped lines carry the
 * request id, route and member automatically (the HTTP layer installs a
 * context formatter), so callers never repeat them. Never log secrets.
 */
#ifndef WOS_CORE_LOG_H
#define WOS_CORE_LOG_H

#include <stddef.h>

struct wos_req;

enum wos_log_level { WOS_LOG_DEBUG, WOS_LOG_INFO, WOS_LOG_WARN, WOS_LOG_ERROR };

/* Writes "key=value ..." context of a request into buf (NUL-terminated). */
typedef void (*wos_log_context_fn)(const struct wos_req *req, char *buf, size_t n);

void wos_log_setup(enum wos_log_level min_level, int json);
void wos_log_set_context_fn(wos_log_context_fn fn);
int wos_log_level_parse(const char *s, enum wos_log_level *out);
void wos_log(const struct wos_req *req, enum wos_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a message already formatted (len bytes, no request context). */
void wos_log_message(enum wos_log_level level, const char *msg, size_t len);
/* True when messages of this level are written (to skip building one that would not be). */
int wos_log_enabled(enum wos_log_level level);

#endif
