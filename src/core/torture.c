/*
 * torture.c: counters for failure injection (see torture.h). Only compiled
 * into torture builds; the counters are process-wide and atomic.
 */
#include "core/torture.h"

#ifdef WOS_TORTURE
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long counters[WOS_TORTURE_SITES];
static long fail_at[WOS_TORTURE_SITES];
static atomic_int loaded;

static void load(void)
{
    const char *spec = getenv("WOS_TORTURE_FAIL_AT");
    static const char *names[WOS_TORTURE_SITES] = {"alloc", "db", "smtp"};
    if (spec) {
        for (int i = 0; i < WOS_TORTURE_SITES; i++) {
            size_t n = strlen(names[i]);
            if (strncmp(spec, names[i], n) == 0 && spec[n] == ':')
                fail_at[i] = strtol(spec + n + 1, NULL, 10);
        }
    }
    atomic_store(&loaded, 1);
}

bool wos_torture_fail(enum wos_torture_site site)
{
    if (!atomic_load(&loaded))
        load();
    if (fail_at[site] <= 0)
        return false;
    return atomic_fetch_add(&counters[site], 1) + 1 == fail_at[site];
}
#endif
