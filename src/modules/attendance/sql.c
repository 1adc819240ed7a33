/*
 * sql.c (attendance): the module's statements and the one way they run.
 *
 * Each statement calls one function of migration 0007_attendance_api with
 * the caller's workspace and user first; the function does the whole request
 * (auto-close, checks, writes, audit, response JSON) and returns (status,
 * body). Refusals are returned, not raised, so their side effects commit.
 * Clock-dependent functions get now() here: the transaction's start, one
 * instant for the whole request.
 */
#include "modules/attendance/attendance_int.h"

#include "db/db.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct att_stmt {
    struct wos_stmt stmt;
    int n_params;
};

static struct att_stmt stmts[ATT_QUERY_COUNT] = {
    [ATT_CHECK_IN] = {{.sql = "SELECT status, body FROM wos_attendance_check_in($1::uuid, "
                              "$2::uuid, $3::text, $4::text, $5::integer, now())"},
                      5},
    [ATT_CHECK_OUT] = {{.sql = "SELECT status, body FROM wos_attendance_check_out($1::uuid, "
                               "$2::uuid, $3::text, $4::text, $5::text, now())"},
                       5},
    [ATT_ACTIVE] = {{.sql = "SELECT status, body FROM wos_attendance_active($1::uuid, $2::uuid, "
                            "now())"},
                    2},
    [ATT_TODAY] = {{.sql = "SELECT status, body FROM wos_attendance_today($1::uuid, $2::uuid, "
                           "$3::integer, now())"},
                   3},
    [ATT_DAYS] = {{.sql = "SELECT status, body FROM wos_attendance_days($1::uuid, $2::uuid, "
                          "$3::uuid, $4::date, $5::date, now())"},
                  5},
    [ATT_LIST] = {{.sql = "SELECT status, body FROM wos_attendance_list($1::uuid, $2::uuid, "
                          "$3::text, $4::date, $5::date, $6::uuid, $7::uuid, $8::text, $9::text, "
                          "$10::integer, $11::integer, $12::text, $13::text, now())"},
                  13},
    [ATT_EXPORT] = {{.sql = "SELECT status, body FROM wos_attendance_export($1::uuid, $2::uuid, "
                            "$3::text, $4::date, $5::date, $6::uuid, $7::uuid, $8::text, "
                            "$9::text, $10::text, $11::text)"},
                    11},
    [ATT_SESSION] = {{.sql = "SELECT status, body FROM wos_attendance_session($1::uuid, "
                             "$2::uuid, $3::uuid)"},
                     3},
    [ATT_SESSION_BREAKS] = {{.sql = "SELECT status, body FROM wos_attendance_session_breaks("
                                    "$1::uuid, $2::uuid, $3::uuid)"},
                            3},
    [ATT_BREAK_START] = {{.sql = "SELECT status, body FROM wos_attendance_break_start($1::uuid, "
                                 "$2::uuid, $3::text, $4::text, now())"},
                         4},
    [ATT_BREAK_END] = {{.sql = "SELECT status, body FROM wos_attendance_break_end($1::uuid, "
                               "$2::uuid, now())"},
                       2},
    [ATT_BREAK_CURRENT] = {{.sql = "SELECT status, body FROM wos_attendance_break_current("
                                   "$1::uuid, $2::uuid)"},
                           2},
    [ATT_CORRECTION_REQUEST] = {{.sql = "SELECT status, body FROM "
                                        "wos_attendance_correction_request($1::uuid, $2::uuid, "
                                        "$3::uuid, $4::timestamptz, $5::timestamptz, $6::text, "
                                        "$7::text, $8::text, now())"},
                                8},
    [ATT_CORRECTIONS_PENDING] = {{.sql = "SELECT status, body FROM "
                                         "wos_attendance_corrections_pending($1::uuid, $2::uuid, "
                                         "$3::text, $4::text)"},
                                 4},
    [ATT_CORRECTION_RESOLVE] = {{.sql = "SELECT status, body FROM "
                                        "wos_attendance_correction_resolve($1::uuid, $2::uuid, "
                                        "$3::uuid, $4::text, $5::timestamptz, $6::timestamptz, "
                                        "$7::text, $8::integer, $9::text, $10::text, now())"},
                                10},
    [ATT_EXCEPTIONS] = {{.sql = "SELECT status, body FROM wos_attendance_exceptions($1::uuid, "
                                "$2::uuid, $3::date, $4::date, $5::date, $6::text, $7::text, "
                                "$8::uuid, $9::uuid, $10::text, now())"},
                        10},
    [ATT_EXCEPTION_CLOSE] = {{.sql = "SELECT status, body FROM "
                                     "wos_attendance_exception_close($1::uuid, $2::uuid, "
                                     "$3::uuid, $4::text, $5::text, $6::text, $7::text, now())"},
                             7},
};

/* Replies with a refusal body {"message", "details"} under `status`. */
static int reply_refusal(struct wos_req *req, unsigned status, const char *body, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    const char *message = json_string_value(json_object_get(root, "message"));
    if (!message) {
        json_decref(root);
        return wos_reply_internal(req, "attendance: refusal without a message");
    }
    json_t *details = json_object_get(root, "details");
    details = json_is_array(details) ? json_incref(details) : NULL;
    int rc = wos_reply_error(req, status, message, details);
    json_decref(root);
    return rc;
}

int wos_att_run(struct wos_req *req, enum att_query q, const char *const *params,
                const char *content_type)
{
    PGresult *res = wos_db_exec(req, &stmts[q].stmt, stmts[q].n_params, params);
    if (!res)
        return WOS_OK;
    if (PQntuples(res) != 1 || PQnfields(res) != 2 || PQgetisnull(res, 0, 0) ||
        PQgetisnull(res, 0, 1))
        return wos_reply_internal(req, "attendance: statement returned no outcome");
    long status = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    const char *body = PQgetvalue(res, 0, 1);
    size_t len = (size_t)PQgetlength(res, 0, 1);
    if (status < 200 || status > 599)
        return wos_reply_internal(req, "attendance: statement returned a bad status");
    if (status >= 400)
        return reply_refusal(req, (unsigned)status, body, len);
    if (content_type)
        return wos_reply_bytes(req, (unsigned)status, content_type, body, len);
    return wos_reply_json(req, (unsigned)status, body, len);
}
