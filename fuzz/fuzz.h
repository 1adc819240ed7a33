/*
 * fuzz.h: what the libFuzzer targets in fuzz/ share. FUZZ_CHECK is the
 * oracle: a broken property prints the condition and aborts, so libFuzzer
 * keeps the input as a crash like any sanitizer report. fuzz_cstr() copies
 * the input into an exact-size heap block so ASan sees any read past the
 * terminating NUL.
 */
#ifndef WOS_FUZZ_FUZZ_H
#define WOS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy of data[0..size) (stops at an embedded NUL for C callers). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
