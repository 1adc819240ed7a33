/*
 * torture.c: counters for failure injection (see torture.h). Only compiled
 * into torture builds. The process counters are atomic; a scope is
 * thread-local, so a request's count is not disturbed by other threads.
 * The report line is written with one write(2): no allocation on the path
 * that simulates allocation failure.
 */
#include "core/torture.h"

#ifdef WOS_TORTURE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const names[WOS_TORTURE_SITES] = {"alloc", "db", "smtp"};

static atomic_long counters[WOS_TORTURE_SITES];
static long fail_at[WOS_TORTURE_SITES];
static atomic_int loaded;

struct scope {
    bool open;
    long fail_at[WOS_TORTURE_SITES];
    long count[WOS_TORTURE_SITES];
};
static _Thread_local struct scope scope;

/* Fills at[] from "<site>:<N>[,<site>:<N>...]"; unknown sites are ignored. */
static void parse(const char *spec, long *at)
{
    while (spec && *spec) {
        for (int i = 0; i < WOS_TORTURE_SITES; i++) {
            size_t n = strlen(names[i]);
            if (strncmp(spec, names[i], n) == 0 && spec[n] == ':')
                at[i] = strtol(spec + n + 1, NULL, 10);
        }
        spec = strchr(spec, ',');
        if (spec)
            spec++;
    }
}

static void load(void)
{
    parse(getenv("WOS_TORTURE_FAIL_AT"), fail_at);
    atomic_store(&loaded, 1);
}

/* Returns whether call is the one to fail, after announcing it on stderr. */
static bool strike(enum wos_torture_site site, long call, long at)
{
    if (call != at)
        return false;
    char line[96];
    int n = snprintf(line, sizeof(line), "wos-torture: injected %s failure (call %ld)\n",
                     names[site], call);
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return true; /* stderr is gone: the failure is injected all the same */
    return true;
}

void wos_torture_scope_begin(const char *spec)
{
    memset(&scope, 0, sizeof(scope));
    if (!spec || !*spec)
        return;
    parse(spec, scope.fail_at);
    scope.open = true;
}

void wos_torture_scope_end(void)
{
    memset(&scope, 0, sizeof(scope));
}

bool wos_torture_fail(enum wos_torture_site site)
{
    if (scope.open) {
        long call = ++scope.count[site];
        return strike(site, call, scope.fail_at[site]);
    }
    if (!atomic_load(&loaded))
        load();
    if (fail_at[site] <= 0)
        return false;
    return strike(site, atomic_fetch_add(&counters[site], 1) + 1, fail_at[site]);
}
#endif
