/*
 * fuzz_path.c: the request-path check of the static file server
 * (wos_valid_path, src/http/static.c), the gate every request path passes
 * before routing (src/http/server.c).
 *
 * The input is the path as a C string in an exact-size heap block.
 *
 * Oracle: an independent definition must agree exactly: a path is valid
 * when it starts with '/', is valid UTF-8 by jansson's check, and holds no
 * control character (below 0x20 or 0x7f) and no backslash.
 */
#include "fuzz.h"

#include "http/static.h"
#include "http/validate.h"

#include <jansson.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int reference(const char *path)
{
    size_t n = strlen(path);
    json_t *s;

    if (path[0] != '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
    }
    s = json_stringn(path, n);
    if (s == NULL)
        return 0;
    json_decref(s);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = fuzz_cstr(data, size);
    int valid = wos_valid_path(path);

    FUZZ_CHECK(valid == 0 || valid == 1);
    FUZZ_CHECK(valid == reference(path));
    if (valid)
        FUZZ_CHECK(wos_valid_utf8(path, strlen(path)));
    free(path);
    return 0;
}
