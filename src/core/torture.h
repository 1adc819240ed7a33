/*
 * torture.h: failure injection for `make torture` builds (the way curl
 * tests itself). Each site class counts its calls; WOS_TORTURE_FAIL_AT=<site>:<N>
 * in the environment makes the N-th call of that class fail. In normal builds
 * every check compiles to a constant false.
 */
#ifndef WOS_CORE_TORTURE_H
#define WOS_CORE_TORTURE_H

#include <stdbool.h>

enum wos_torture_site { WOS_TORTURE_ALLOC, WOS_TORTURE_DB, WOS_TORTURE_SMTP, WOS_TORTURE_SITES };

#ifdef WOS_TORTURE
bool wos_torture_fail(enum wos_torture_site site);
#else
static inline bool wos_torture_fail(enum wos_torture_site site)
{
    (void)site;
    return false;
}
#endif

#endif
