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

/* 1 in AddressSanitizer builds (gcc's -fsanitize=address or clang's), else 0. */
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define WOS_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define WOS_ASAN 1
#endif
#endif
#ifndef WOS_ASAN
#define WOS_ASAN 0
#endif

/* `git describe` of the build (build/gen/version.c, rewritten when it changes). */
extern const char wos_version[];
#define WOS_VERSION wos_version

#endif
