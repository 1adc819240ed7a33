/*
 * validate.h: declarative validation of JSON request bodies. A handler
 * describes its fields once; wos_validate_body() checks types, required
 * fields, unknown fields, bounds, enums and formats, and on failure replies
 * 422 VALIDATION_ERROR with one {field, message} per problem.
 */
#ifndef WOS_HTTP_VALIDATE_H
#define WOS_HTTP_VALIDATE_H

#include "http/request.h"

enum wos_ftype { WOS_F_STRING, WOS_F_INT, WOS_F_NUMBER, WOS_F_BOOL, WOS_F_ARRAY, WOS_F_OBJECT };

enum wos_fformat {
    WOS_FMT_NONE,
    WOS_FMT_EMAIL,
    WOS_FMT_DATE,     /* YYYY-MM-DD, a real calendar date */
    WOS_FMT_TIME,     /* HH:MM or HH:MM:SS */
    WOS_FMT_DATETIME, /* ISO-8601 with an explicit offset or Z */
    WOS_FMT_UUID,
    WOS_FMT_TIMEZONE, /* IANA name known to the system */
};

struct wos_field {
    const char *name;
    enum wos_ftype type;
    unsigned required : 1;
    unsigned nullable : 1;
    unsigned trim_nonblank : 1; /* strings: must not be blank after trimming */
    long long min, max;         /* strings: length in characters; ints: value; arrays: items */
    const char *const *choices; /* strings: NULL-terminated list of allowed values */
    enum wos_fformat format;
};

/*
 * Parses req->body as a JSON object into req->json and validates it against
 * fields[0..n). Returns WOS_OK, or WOS_ERROR after replying 422.
 */
int wos_validate_body(struct wos_req *req, const struct wos_field *fields, size_t n);
/* Validates an already-parsed object; appends problems to `details` (a JSON array). */
void wos_validate_object(const json_t *obj, const struct wos_field *fields, size_t n,
                         json_t *details);

/* Format checks, usable on their own (query parameters). */
int wos_valid_email(const char *s);
int wos_valid_date(const char *s);
int wos_valid_time(const char *s);
int wos_valid_datetime(const char *s);
int wos_valid_uuid(const char *s);
int wos_valid_utf8(const char *s, size_t n);
/* Fields whose problems are never described (00 §4.4): the message becomes "Invalid value.". */
int wos_field_is_secret(const char *name);

/* Convenience getters on req->json after validation (NULL / fallback when absent or null). */
const char *wos_json_str(const struct wos_req *req, const char *name);
long long wos_json_int(const struct wos_req *req, const char *name, long long fallback);
int wos_json_bool(const struct wos_req *req, const char *name, int fallback);
int wos_json_has(const struct wos_req *req, const char *name);

#endif
