/*
 * common.h: the few definitions every file shares: result codes and small macros.
 */
#ifndef WOS_CORE_COMMON_H
#define WOS_CORE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { WOS_OK = 0, WOS_ERROR = -1, WOS_AGAIN = 1 };

#define WOS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* `git describe` of the build (build/gen/version.c, rewritten when it changes). */
extern const char wos_version[];
#define WOS_VERSION wos_version

#endif
