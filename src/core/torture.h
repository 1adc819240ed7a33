/*
 * torture.h: failure injection for `make torture` builds (the way curl
 * tests itself). Each site class counts its calls; WOS_TORTURE_FAIL_AT=<site>:<N>
 * in the environment makes the N-th call of that class in the process fail.
 *
 * A scope narrows the count to one request: the HTTP server opens one per
 * request from its X-Wos-Torture header (same <site>:<N> syntax) and closes
 * it when the request completes; while a scope is open on a thread, that
 * thread counts against the scope and not against the process. Every
 * injected failure prints one line to stderr, "wos-torture: injected <site>
 * failure (call N)", so a runner knows whether its N was reached.
 *
 * In normal builds every check compiles to a constant false and the scope
 * functions to nothing: the header means nothing outside torture builds.
 */
#ifndef WOS_CORE_TORTURE_H
#define WOS_CORE_TORTURE_H

#include <stdbool.h>

enum wos_torture_site { WOS_TORTURE_ALLOC, WOS_TORTURE_DB, WOS_TORTURE_SMTP, WOS_TORTURE_SITES };

#ifdef WOS_TORTURE
bool wos_torture_fail(enum wos_torture_site site);
/* Opens this thread's scope from "<site>:<N>[,<site>:<N>...]"; NULL or "" closes it. */
void wos_torture_scope_begin(const char *spec);
void wos_torture_scope_end(void);
#else
static inline bool wos_torture_fail(enum wos_torture_site site)
{
    (void)site;
    return false;
}
static inline void wos_torture_scope_begin(const char *spec)
{
    (void)spec;
}
static inline void wos_torture_scope_end(void)
{
}
#endif

#endif
